/* KTEST(bench) and KTEST(bench_quick): the benchmark inside the kernel.
 *
 * For every program of the generated table bench_progs[] (images with
 * [features] bench = true, see jitboot/bench.py): the C twin compiled by
 * gcc -O2 into the kernel, the IL compiled by stock QBE and GNU as at
 * build time, and the IL compiled here by the JIT twice, with our IL
 * passes off (plain QBE) and on (the image's [features] jit_passes, or
 * all of them if that is "none"), timed with the TSC, best of several
 * runs after a warm-up.  The image's selection is in force again
 * afterwards.  Each program prints one "# bench ..." line (format in
 * bench.h) and one check: the four variants computed the same result.
 * Timing is reported, never judged: a slow JIT does not fail the test,
 * a wrong one does.
 *
 * bench uses the benchmark problem sizes; bench_quick the small ones, so
 * a test run stays short even under TCG. */
#if !__STDC_HOSTED__	/* kernel only, but the host twin compiles every .c of jit/ */
#include "kernel.h"
#include "ktest.h"
#include "bench.h"
#include "jit.h"

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
	char line[256];

	bench_line(line, sizeof line, p, r);
	kt_diag(t, "%s", line);
	if (r->failed) {
		kt_checkf(t, 0, "%s: the JIT compiles it (%s) # %s:%d: %s", p->name,
			bench_variant[r->failed], r->err.file, r->err.line, r->err.msg);
		return;
	}
	kt_checkf(t, bench_agree(r), "%s(%ld): aot_gcc, aot_qbe, jit_off and jit_on agree"
		" # aot_gcc %ld, aot_qbe %ld, jit_off %ld, jit_on %ld", p->name, r->n,
		r->result[BENCH_GCC], r->result[BENCH_QBE],
		r->result[BENCH_JIT_OFF], r->result[BENCH_JIT_ON]);
}

static void
run(struct ktest *t, int quick)
{
	const struct bench_prog *p;
	struct bench_result r;
	uint64_t start;
	char on[JIT_PASS_SPEC_MAX], before[JIT_PASS_SPEC_MAX];

	/* the first test starts when the boot is done */
	start = rdtsc();
	if (!bench_progs) {
		kt_skip(t, "no benchmark programs in this image: set [features] bench = true");
		return;
	}
	snprintf(before, sizeof before, "%s", jit_passes());
	snprintf(on, sizeof on, "%s", before);
	if (strcmp(on, "none") == 0)	/* on against off, not off against off */
		snprintf(on, sizeof on, "all");
	kt_diag(t, JB_BENCH_PREFIX " env tsc_hz=%llu quick=%d passes_on=%s",
		(unsigned long long)tsc_hz(), quick, on);
	if (&boot_tsc)
		kt_diag(t, JB_BENCH_PREFIX " boot reset_to_entry=%llu entry_to_tests=%llu",
			(unsigned long long)boot_tsc,
			(unsigned long long)(start - boot_tsc));
	else
		kt_diag(t, JB_BENCH_PREFIX " boot reset_to_tests=%llu", (unsigned long long)start);
	for (p = bench_progs; p->name; p++) {
		bench_measure(p, quick ? p->n_quick : p->n,
			quick ? NCOMPILE_QUICK : NCOMPILE,
			quick ? NRUNS_QUICK : NRUNS, on, rdtsc, &r);
		report(t, p, &r);
	}
	kt_checkf(t, strcmp(jit_passes(), before) == 0,
		"the image's JIT passes are in force again # %s, was %s", jit_passes(), before);
	kt_diag(t, JB_BENCH_PREFIX " done tsc=%llu", (unsigned long long)rdtsc());
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
