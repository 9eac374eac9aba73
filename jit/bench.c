/* Timing the three variants of one benchmark program (see bench.h).
 * Plain C over jit.h and a clock, so the kernel and the host twin
 * measure the same way. */
#include "bench.h"
#include "jit.h"

/* Best of nruns of each variant, the variants taking turns, so that a
 * burst of load on a shared machine (or a slow stretch of an emulator)
 * hits all three alike instead of whichever ran at the time.  Each runs
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

static int
compile(const struct bench_prog *p, int ncompile, uint64_t (*now)(void),
	struct bench_result *r, struct jit_module **m)
{
	uint64_t t0, dt;
	int i;

	r->compile = UINT64_MAX;
	for (i = 0; i <= ncompile; i++) {	/* run 0 is the warm-up */
		if (*m)
			jit_release(*m);
		*m = 0;
		t0 = now();
		if (jit_compile(p->il, p->il_len, p->name, m, &r->err) != 0)
			return -1;
		dt = now() - t0;
		if (i > 0 && dt < r->compile)
			r->compile = dt;
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

int
bench_measure(const struct bench_prog *p, long n, int ncompile, int nruns,
	uint64_t (*now)(void), struct bench_result *r)
{
	struct jit_module *m = 0;
	long (*f[BENCH_NVARIANTS])(long);
	char sym[64];

	*r = (struct bench_result){ .n = n };
	if (compile(p, ncompile, now, r, &m) != 0) {
		r->failed = 1;
		return -1;
	}
	f[BENCH_GCC] = p->aot_gcc;
	f[BENCH_QBE] = p->aot_qbe;
	f[BENCH_JIT] = (long (*)(long))jit_symbol(m, cat(sym, sizeof sym, "bench_", p->name));
	if (!f[BENCH_JIT]) {
		cat(r->err.file, sizeof r->err.file, p->name, ".ssa");
		cat(r->err.msg, sizeof r->err.msg, "no exported function $", sym);
		r->failed = 1;
		jit_release(m);
		return -1;
	}
	best_runs(f, n, nruns, now, r);
	jit_release(m);
	return 0;
}

int
bench_agree(const struct bench_result *r)
{
	return !r->failed && r->result[BENCH_GCC] == r->result[BENCH_QBE]
		&& r->result[BENCH_GCC] == r->result[BENCH_JIT];
}
