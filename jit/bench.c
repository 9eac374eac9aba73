/* Timing the three variants of one benchmark program (see bench.h).
 * Plain C over jit.h and a clock, so the kernel and the host twin
 * measure the same way. */
#include "bench.h"
#include "jit.h"

static uint64_t
best_run(long (*f)(long), long n, int nruns, uint64_t (*now)(void),
	long *result)
{
	long (*volatile call)(long) = f;	/* keep every run a real call */
	uint64_t t0, dt, best;
	int i;

	*result = call(n);		/* warm-up: caches, heap, page tables */
	best = UINT64_MAX;
	for (i = 0; i < nruns; i++) {
		t0 = now();
		call(n);
		dt = now() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
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
	long (*jitted)(long);
	char sym[64];

	*r = (struct bench_result){ .n = n };
	r->cycles[BENCH_GCC] = best_run(p->aot_gcc, n, nruns, now,
		&r->result[BENCH_GCC]);
	r->cycles[BENCH_QBE] = best_run(p->aot_qbe, n, nruns, now,
		&r->result[BENCH_QBE]);
	if (compile(p, ncompile, now, r, &m) != 0) {
		r->failed = 1;
		return -1;
	}
	jitted = (long (*)(long))jit_symbol(m, cat(sym, sizeof sym, "bench_", p->name));
	if (!jitted) {
		cat(r->err.file, sizeof r->err.file, p->name, ".ssa");
		cat(r->err.msg, sizeof r->err.msg, "no exported function $", sym);
		r->failed = 1;
		jit_release(m);
		return -1;
	}
	r->cycles[BENCH_JIT] = best_run(jitted, n, nruns, now,
		&r->result[BENCH_JIT]);
	jit_release(m);
	return 0;
}

int
bench_agree(const struct bench_result *r)
{
	return !r->failed && r->result[BENCH_GCC] == r->result[BENCH_QBE]
		&& r->result[BENCH_GCC] == r->result[BENCH_JIT];
}
