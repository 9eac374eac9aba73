/* KTEST(bench) and KTEST(bench_quick): the benchmark inside the kernel.
 *
 * For every program of the generated table bench_progs[] (images with
 * [features] bench = true, see jitboot/bench.py): the C twin compiled by
 * gcc -O2 into the kernel, the IL compiled by stock QBE and GNU as at
 * build time, and the IL compiled here by the JIT, timed with the TSC,
 * best of several runs after a warm-up.  Each program prints one
 * "# bench ..." line (format in bench.h) and one check: the three
 * variants computed the same result.  Timing is reported, never judged:
 * a slow JIT does not fail the test, a wrong one does.
 *
 * bench uses the benchmark problem sizes; bench_quick the small ones, so
 * a test run stays short even under TCG. */
#if !__STDC_HOSTED__	/* kernel only, but the host twin compiles every .c of jit/ */
#include "kernel.h"
#include "ktest.h"
#include "bench.h"

/* Defined only in bench images; elsewhere the test explains itself. */
extern const struct bench_prog bench_progs[] __attribute__((weak));

/* TSC at the kernel's entry, when boot.S records it. */
extern const uint64_t boot_tsc __attribute__((weak));

enum {
	NCOMPILE = 5, NRUNS = 5,		/* bench */
	NCOMPILE_QUICK = 1, NRUNS_QUICK = 1,	/* bench_quick */
};

static void
report(struct ktest *t, const struct bench_prog *p, const struct bench_result *r)
{
	kt_diag(t, BENCH_FMT "%s", p->name, r->n,
		(unsigned long long)r->cycles[BENCH_GCC],
		(unsigned long long)r->cycles[BENCH_QBE],
		(unsigned long long)r->cycles[BENCH_JIT],
		(unsigned long long)r->compile, p->il_lines,
		r->result[BENCH_GCC], r->failed ? " jit_failed=1" : "");
	if (r->failed) {
		kt_checkf(t, 0, "%s: the JIT compiles it # %s:%d: %s", p->name,
			r->err.file, r->err.line, r->err.msg);
		return;
	}
	kt_checkf(t, bench_agree(r), "%s(%ld): aot_gcc, aot_qbe and jit agree"
		" # aot_gcc %ld, aot_qbe %ld, jit %ld", p->name, r->n,
		r->result[BENCH_GCC], r->result[BENCH_QBE], r->result[BENCH_JIT]);
}

static void
run(struct ktest *t, int quick)
{
	const struct bench_prog *p;
	struct bench_result r;
	uint64_t start;

	/* the first test starts when the boot is done */
	start = rdtsc();
	if (!bench_progs) {
		kt_skip(t, "no benchmark programs in this image: set [features] bench = true");
		return;
	}
	kt_diag(t, "bench env tsc_hz=%llu quick=%d", (unsigned long long)tsc_hz(), quick);
	if (&boot_tsc)
		kt_diag(t, "bench boot reset_to_entry=%llu entry_to_tests=%llu",
			(unsigned long long)boot_tsc,
			(unsigned long long)(start - boot_tsc));
	else
		kt_diag(t, "bench boot reset_to_tests=%llu", (unsigned long long)start);
	for (p = bench_progs; p->name; p++) {
		bench_measure(p, quick ? p->n_quick : p->n,
			quick ? NCOMPILE_QUICK : NCOMPILE,
			quick ? NRUNS_QUICK : NRUNS, rdtsc, &r);
		report(t, p, &r);
	}
	kt_diag(t, "bench done tsc=%llu", (unsigned long long)rdtsc());
}

KTEST(bench)
{
	run(t, 0);
}

KTEST(bench_quick)
{
	run(t, 1);
}
#endif
