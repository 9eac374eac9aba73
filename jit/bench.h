/* Benchmark programs and their four variants (see jitboot/bench.py).
 *
 * Each program of tests/bench/ exists as IL (NAME.ssa, exporting
 * bench_NAME) and as a C twin (NAME.c, c_NAME), both long f(long n).
 * The build generates the table bench_progs[] from them: the IL text
 * for the JIT, the twin compiled by gcc -O2 (aot_gcc) and the IL
 * compiled by stock QBE and GNU as with its symbols renamed q_NAME
 * (aot_qbe), and the IL compiled by our JIT twice: with our IL passes
 * off (plain QBE, jit_off) and on (jit_on).  bench_measure() times them
 * the same way in the kernel (jit/ktest_bench.c) and on Linux
 * (jit/host/jitbench.c). */
#ifndef JIT_BENCH_H
#define JIT_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include "jit_error.h"

/* The kernel's gen/protocol.h (jitboot/protocol.py); the host twin has no
 * gen/ and uses this copy, which tests/test_protocol.py holds to it. */
#if __has_include("protocol.h")
#include "protocol.h"
#else
#define JB_BENCH_PREFIX		"bench"
#endif

enum { BENCH_GCC, BENCH_QBE, BENCH_JIT_OFF, BENCH_JIT_ON, BENCH_NVARIANTS };

/* The two JIT variants: index into bench_result.compile. */
enum { BENCH_OFF, BENCH_ON, BENCH_NJIT };

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
	uint64_t compile[BENCH_NJIT];		/* best jit_compile, IL to callable */
	long result[BENCH_NVARIANTS];
	struct jit_error err;			/* set when the JIT failed */
	int failed;				/* 0, or the variant that failed:
						   BENCH_JIT_OFF or BENCH_JIT_ON */
};

/* Compile p's IL twice, with our passes off ("none") and with the
 * passes spec on ("all", "tre,inline", see jit_set_passes()), each one
 * warm-up then best of ncompile; the selection in force before is
 * restored.  Then run each variant once as a warm-up and time the best
 * of nruns, the variants taking turns, with now() as the time source
 * (the TSC).  Returns 0, or -1 if the JIT could not compile the program
 * (r->err says why, and nothing was run). */
int bench_measure(const struct bench_prog *p, long n, int ncompile, int nruns,
	const char *on, uint64_t (*now)(void), struct bench_result *r);

/* Whether the four variants computed the same result. */
int bench_agree(const struct bench_result *r);

/* "aot_gcc", "aot_qbe", "jit_off", "jit_on": the names the lines use. */
extern const char *const bench_variant[BENCH_NVARIANTS];

/* The line both runners print for one program (cycles, best runs),
 * parsed by jitboot/bench.py:
 *   bench fib_rec n=35 aot_gcc=1 aot_qbe=2 jit_off=3 jit_on=4
 *         compile_off=5 compile_on=6 lines=18 result=9227465
 * (one line), followed by " jit_failed=1" when the JIT failed.  The
 * runner's check line says which variant disagreed or why the JIT failed.
 * Before the programs: "bench env tsc_hz=HZ quick=0|1 passes_on=SPEC".
 * Writes it into buf like snprintf and returns snprintf's count. */
int bench_line(char *buf, size_t size, const struct bench_prog *p,
	const struct bench_result *r);

#endif
