/* Benchmark programs and their three variants (see jitboot/bench.py).
 *
 * Each program of tests/bench/ exists as IL (NAME.ssa, exporting
 * bench_NAME) and as a C twin (NAME.c, c_NAME), both long f(long n).
 * The build generates the table bench_progs[] from them: the IL text
 * for the JIT, the twin compiled by gcc -O2 (aot_gcc) and the IL
 * compiled by stock QBE and GNU as with its symbols renamed q_NAME
 * (aot_qbe).  bench_measure() times all three the same way in the
 * kernel (jit/ktest_bench.c) and on Linux (jit/host/jitbench.c). */
#ifndef JIT_BENCH_H
#define JIT_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include "jit_error.h"

enum { BENCH_GCC, BENCH_QBE, BENCH_JIT, BENCH_NVARIANTS };

struct bench_prog {
	const char *name;		/* "fib_rec" */
	const char *il;			/* text of tests/bench/NAME.ssa */
	size_t il_len;
	int il_lines;			/* lines of IL proper (no blanks, no comments) */
	long (*aot_gcc)(long);
	long (*aot_qbe)(long);
	long n, n_quick;		/* problem sizes: benchmark, test */
};

/* Generated: the programs in name order, ended by a zeroed entry. */
extern const struct bench_prog bench_progs[];

struct bench_result {
	long n;
	uint64_t cycles[BENCH_NVARIANTS];	/* best run of each variant */
	uint64_t compile;			/* best jit_compile, IL to callable */
	long result[BENCH_NVARIANTS];
	struct jit_error err;			/* set when the JIT failed */
	int failed;
};

/* Compile p's IL (one warm-up, then best of ncompile), then run each
 * variant once as a warm-up and time the best of nruns, the variants
 * taking turns, with now() as the time source (the TSC).  Returns 0, or
 * -1 if the JIT could not compile the program (r->err says why, and
 * nothing was run). */
int bench_measure(const struct bench_prog *p, long n, int ncompile, int nruns,
	uint64_t (*now)(void), struct bench_result *r);

/* Whether the three variants computed the same result. */
int bench_agree(const struct bench_result *r);

/* The line both runners print for one program, parsed by jitboot/bench.py:
 *   bench fib_rec n=35 aot_gcc=1 aot_qbe=2 jit=3 compile=4 lines=18 result=9227465
 * followed, when the variants disagree, by result_qbe=... result_jit=...,
 * and when the JIT failed, by jit_error="file:line: msg". */
#define BENCH_FMT "bench %s n=%ld aot_gcc=%llu aot_qbe=%llu jit=%llu " \
	"compile=%llu lines=%d result=%ld"

#endif
