/* Timing the four variants of one benchmark program (see bench.h).
 * Plain C over jit.h and a clock, so the kernel and the host twin
 * measure the same way. */
#include "bench.h"
#include "jit.h"
#include "shim/libc.h"

const char *const bench_variant[BENCH_NVARIANTS] = {
	[BENCH_GCC] = "aot_gcc", [BENCH_QBE] = "aot_qbe",
	[BENCH_JIT_OFF] = "jit_off", [BENCH_JIT_ON] = "jit_on",
};

/* Best of nruns of each variant, the variants taking turns, so that a
 * burst of load on a shared machine (or a slow stretch of an emulator)
 * hits all four alike instead of whichever ran at the time.  Each runs
 * once first as a warm-up (caches, heap, page tables), which gives the
 * results. */
static void
best_runs(long (*const f[])(long), long n, int nruns, uint64_t (*now)(void),
	struct bench_result *r)
{
	long (*volatile call)(long);	/* keep every run a real call */
	uint64_t t0, dt;
	int i, v;

	for (v = 0; v < BENCH_NVARIANTS; v++) {
		call = f[v];
		r->result[v] = call(n);
		r->cycles[v] = UINT64_MAX;
	}
	for (i = 0; i < nruns; i++)
		for (v = 0; v < BENCH_NVARIANTS; v++) {
			call = f[v];
			t0 = now();
			call(n);
			dt = now() - t0;
			if (dt < r->cycles[v])
				r->cycles[v] = dt;
		}
}

/* Best of ncompile compiles of p's IL with the passes selected now
 * (one warm-up first); the last one's module stays in *m. */
static int
compile(const struct bench_prog *p, int ncompile, uint64_t (*now)(void),
	struct bench_result *r, uint64_t *best, struct jit_module **m)
{
	uint64_t t0, dt;
	int i;

	*best = UINT64_MAX;
	for (i = 0; i <= ncompile; i++) {	/* run 0 is the warm-up */
		if (*m)
			jit_release(*m);
		*m = 0;
		t0 = now();
		if (jit_compile(p->il, p->il_len, p->name, m, &r->err) != 0)
			return -1;
		dt = now() - t0;
		if (i > 0 && dt < *best)
			*best = dt;
	}
	return 0;
}

/* buf = a + b, cut to size (no libc: this file builds in the kernel too). */
static char *
cat(char *buf, size_t size, const char *a, const char *b)
{
	size_t i = 0;

	while (*a && i + 1 < size)
		buf[i++] = *a++;
	while (*b && i + 1 < size)
		buf[i++] = *b++;
	buf[i] = 0;
	return buf;
}

/* dst = src, cut to size. */
static void
copy(char *dst, size_t size, const char *src)
{
	cat(dst, size, src, "");
}

/* Compile p with the passes spec (restoring the selection in force
 * before), and find its entry point. */
static long (*
jit_variant(const struct bench_prog *p, const char *spec, int ncompile,
	uint64_t (*now)(void), struct bench_result *r, uint64_t *best,
	struct jit_module **m))(long)
{
	char prev[JIT_PASS_SPEC_MAX], sym[64];
	long (*f)(long);
	int rc;

	copy(prev, sizeof prev, jit_passes());
	if (jit_set_passes(spec) != 0) {
		copy(r->err.file, sizeof r->err.file, p->name);
		cat(r->err.msg, sizeof r->err.msg, "unknown JIT passes: ", spec);
		return 0;
	}
	rc = compile(p, ncompile, now, r, best, m);
	jit_set_passes(prev);
	if (rc != 0)
		return 0;
	f = (long (*)(long))jit_symbol(*m, cat(sym, sizeof sym, "bench_", p->name));
	if (!f) {
		cat(r->err.file, sizeof r->err.file, p->name, ".ssa");
		cat(r->err.msg, sizeof r->err.msg, "no exported function $", sym);
	}
	return f;
}

int
bench_measure(const struct bench_prog *p, long n, int ncompile, int nruns,
	const char *on, uint64_t (*now)(void), struct bench_result *r)
{
	const char *spec[BENCH_NJIT] = { [BENCH_OFF] = "none", [BENCH_ON] = on };
	struct jit_module *m[BENCH_NJIT] = { 0 };
	long (*f[BENCH_NVARIANTS])(long);
	int j;

	*r = (struct bench_result){ .n = n };
	f[BENCH_GCC] = p->aot_gcc;
	f[BENCH_QBE] = p->aot_qbe;
	for (j = 0; j < BENCH_NJIT && !r->failed; j++) {
		f[BENCH_JIT_OFF + j] = jit_variant(p, spec[j], ncompile, now, r,
			&r->compile[j], &m[j]);
		if (!f[BENCH_JIT_OFF + j])
			r->failed = BENCH_JIT_OFF + j;
	}
	if (!r->failed)
		best_runs(f, n, nruns, now, r);
	for (j = 0; j < BENCH_NJIT; j++)
		jit_release(m[j]);
	return r->failed ? -1 : 0;
}

int
bench_agree(const struct bench_result *r)
{
	int v;

	if (r->failed)
		return 0;
	for (v = 1; v < BENCH_NVARIANTS; v++)
		if (r->result[v] != r->result[BENCH_GCC])
			return 0;
	return 1;
}

int
bench_line(char *buf, size_t size, const struct bench_prog *p,
	const struct bench_result *r)
{
	return snprintf(buf, size, JB_BENCH_PREFIX " %s n=%ld aot_gcc=%llu aot_qbe=%llu "
		"jit_off=%llu jit_on=%llu compile_off=%llu compile_on=%llu "
		"lines=%d result=%ld%s", p->name, r->n,
		(unsigned long long)r->cycles[BENCH_GCC],
		(unsigned long long)r->cycles[BENCH_QBE],
		(unsigned long long)r->cycles[BENCH_JIT_OFF],
		(unsigned long long)r->cycles[BENCH_JIT_ON],
		(unsigned long long)r->compile[BENCH_OFF],
		(unsigned long long)r->compile[BENCH_ON], p->il_lines,
		r->result[BENCH_GCC], r->failed ? " jit_failed=1" : "");
}
