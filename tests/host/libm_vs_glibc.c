/*
 * libm_vs_glibc.c - kernel_lib/libm against glibc's libm, on the host.
 *
 *   libm-check sweep N SEED [FUNC]   worst ulp per function over N random
 *                                    inputs drawn log-uniformly in magnitude
 *   libm-check special               special values (C99 Annex F), bit for bit
 *
 * Linked with the same libm objects as jitrun, whose definitions of sin,
 * exp, ... are the ones this program calls; glibc's come from dlopen of
 * libm.so.6 (dlsym on its handle finds its own definitions).
 *
 * glibc is not correctly rounded everywhere (its sinh and tanh are off by
 * up to 2 ulp), so each input is also computed by a reference: glibc's
 * long double version rounded to double (for a float function, its double
 * version rounded to float).  An input passes when ours is within the
 * bound of glibc, or within an ulp of the reference and no farther from it
 * than glibc is.  The sweep prints one line per function: the worst ulp from
 * glibc and where, the worst ulp of ours and of glibc from the reference,
 * and how many inputs failed; it exits 1 when any did.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { D_D, D_DD, F_F, F_FF, D_DI, F_FI };

struct fn {
	const char *name;
	enum kind kind;
	void *ours;
	double lo, hi;		/* log2 of the magnitude range */
	double lo2, hi2;	/* the second argument's (D_DD, F_FF) */
	int sign;		/* 1: both signs, 0: positive only */
	int bound;		/* ulp */
	void *theirs;
	void *ref;		/* glibc's long double (float: double) version */
};

/* The natural domain of each function, in binary orders of magnitude. */
#define D1(f, lo, hi, sg, b) { #f, D_D, (void *)f, lo, hi, 0, 0, sg, b, 0, 0 }
#define F1(f, lo, hi, sg, b) { #f, F_F, (void *)f, lo, hi, 0, 0, sg, b, 0, 0 }
#define D2(f, lo, hi, lo2, hi2, b) { #f, D_DD, (void *)f, lo, hi, lo2, hi2, 1, b, 0, 0 }
#define F2(f, lo, hi, lo2, hi2, b) { #f, F_FF, (void *)f, lo, hi, lo2, hi2, 1, b, 0, 0 }

static struct fn fns[] = {
	D1(sqrt, -1074, 1024, 0, 0), F1(sqrtf, -149, 128, 0, 0),
	D1(fabs, -1074, 1024, 1, 0), F1(fabsf, -149, 128, 1, 0),
	D1(floor, -20, 60, 1, 0), F1(floorf, -20, 30, 1, 0),
	D1(ceil, -20, 60, 1, 0), F1(ceilf, -20, 30, 1, 0),
	D1(round, -20, 60, 1, 0), F1(roundf, -20, 30, 1, 0),
	D1(trunc, -20, 60, 1, 0), F1(truncf, -20, 30, 1, 0),
	D2(fmod, -60, 60, -60, 60, 0), F2(fmodf, -60, 60, -60, 60, 0),
	D2(fmin, -1074, 1024, -1074, 1024, 0), F2(fminf, -149, 128, -149, 128, 0),
	D2(fmax, -1074, 1024, -1074, 1024, 0), F2(fmaxf, -149, 128, -149, 128, 0),
	D2(copysign, -1074, 1024, -1074, 1024, 0), F2(copysignf, -149, 128, -149, 128, 0),
	{ "ldexp", D_DI, (void *)ldexp, -1074, 1024, 0, 0, 1, 0, 0, 0 },
	{ "ldexpf", F_FI, (void *)ldexpf, -149, 128, 0, 0, 1, 0, 0, 0 },
	{ "frexp", D_D, 0, -1074, 1024, 0, 0, 1, 0, 0, 0 },
	{ "frexpf", F_F, 0, -149, 128, 0, 0, 1, 0, 0, 0 },
	{ "modf", D_D, 0, -20, 60, 0, 0, 1, 0, 0, 0 },
	{ "modff", F_F, 0, -20, 30, 0, 0, 1, 0, 0, 0 },
	D2(hypot, -1074, 1023, -1074, 1023, 1), F2(hypotf, -149, 127, -149, 127, 1),
	D1(exp, -30, 9.54, 1, 1), F1(expf, -30, 6.47, 1, 1),
	D1(exp2, -30, 10.07, 1, 1), F1(exp2f, -30, 7, 1, 1),
	D1(log, -1074, 1024, 0, 1), F1(logf, -149, 128, 0, 1),
	D1(log2, -1074, 1024, 0, 1), F1(log2f, -149, 128, 0, 1),
	D1(log10, -1074, 1024, 0, 1), F1(log10f, -149, 128, 0, 1),
	D2(pow, -40, 40, -30, 10, 1), F2(powf, -20, 20, -20, 6, 1),
	D1(sin, -30, 20, 1, 1), F1(sinf, -30, 20, 1, 1),
	D1(cos, -30, 20, 1, 1), F1(cosf, -30, 20, 1, 1),
	D1(tan, -30, 20, 1, 1), F1(tanf, -30, 20, 1, 1),
	D1(asin, -30, 0, 1, 1), F1(asinf, -30, 0, 1, 1),
	D1(acos, -30, 0, 1, 1), F1(acosf, -30, 0, 1, 1),
	D1(atan, -30, 70, 1, 1), F1(atanf, -30, 70, 1, 1),
	D2(atan2, -100, 100, -100, 100, 1), F2(atan2f, -60, 60, -60, 60, 1),
	D1(sinh, -30, 9.48, 1, 1), F1(sinhf, -30, 6.48, 1, 1),
	D1(cosh, -30, 9.48, 1, 1), F1(coshf, -30, 6.48, 1, 1),
	D1(tanh, -30, 5, 1, 1), F1(tanhf, -30, 4, 1, 1),
	/* huge arguments: the Payne-Hanek reduction */
	{ "sin@huge", D_D, (void *)sin, 20, 1024, 0, 0, 1, 1, 0, 0 },
	{ "cos@huge", D_D, (void *)cos, 20, 1024, 0, 0, 1, 1, 0, 0 },
	{ "tan@huge", D_D, (void *)tan, 20, 1024, 0, 0, 1, 1, 0, 0 },
	{ "sinf@huge", F_F, (void *)sinf, 20, 128, 0, 0, 1, 1, 0, 0 },
	/* the doubles nearest to k pi/2, k < 2^20 (the hardest cancellation) */
	{ "sin@kpi/2", D_D, (void *)sin, 0, 20, 0, 0, 1, 1, 0, 0 },
	{ "cos@kpi/2", D_D, (void *)cos, 0, 20, 0, 0, 1, 1, 0, 0 },
	{ "tan@kpi/2", D_D, (void *)tan, 0, 20, 0, 0, 1, 1, 0, 0 },
};

#define NFNS (sizeof fns / sizeof fns[0])

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static double uniform(void)
{
	return (next() >> 11) * 0x1p-53;
}

static double d_of(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static uint64_t u_of(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t uf_of(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* glibc's exp2 and log2, for drawing inputs and pow's domain. */
static double (*g_exp2)(double), (*g_log2)(double);

/* A double of magnitude 2^t, t uniform in [lo, hi): the exponent through
 * t and uniform significand bits (the usual log-uniform sampling, every
 * binade equally), rounded into the subnormals below 2^-1022. */
static double draw(double lo, double hi, int sign, int is_float)
{
	double x, top = g_exp2(hi);

	do {
		double t = lo + (hi - lo) * uniform();
		int e = (int)t - (t < 0 && t != (int)t);	/* floor */
		uint64_t m = next() >> 12;
		if (e >= -1022)
			x = d_of(((uint64_t)(e + 1023) << 52) | m);
		else
			x = d_of(((uint64_t)(e + 1023 + 200) << 52) | m) * 0x1p-200;
		if (is_float)
			x = (float)x;
	} while (x >= top);
	if (sign && (next() & 1))
		x = -x;
	return x;
}

/* The double nearest k pi/2 for a random k < 2^20, moved by -2..2 ulp. */
static double draw_near(void)
{
	const long double pio2 = 1.57079632679489661923132169163975144L;
	long double k = (long double)(next() % (1u << 20) + 1);
	double x = (double)(k * pio2);
	uint64_t u = u_of(x) + (next() % 5) - 2;
	x = d_of(u);
	return next() & 1 ? -x : x;
}

/* Distance in ulps: the number of doubles (floats) between a and b. */
static int64_t ordered(double x)
{
	int64_t i = (int64_t)u_of(x);
	return i < 0 ? (int64_t)0x8000000000000000ull - i : i;
}

static int32_t ordered_f(float x)
{
	int32_t i = (int32_t)uf_of(x);
	return i < 0 ? (int32_t)0x80000000u - i : i;
}

static uint64_t ulps(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b) ? 0 : UINT64_MAX;
	int64_t d = ordered(a) - ordered(b);
	return d < 0 ? (uint64_t)-d : (uint64_t)d;
}

static uint64_t ulps_f(float a, float b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b) ? 0 : UINT64_MAX;
	int64_t d = (int64_t)ordered_f(a) - ordered_f(b);
	return d < 0 ? (uint64_t)-d : (uint64_t)d;
}

struct result {
	double ours, theirs, ref;
	uint64_t ulps;		/* ours from glibc */
	uint64_t ours_ref, theirs_ref;	/* from the reference (0 without one) */
};

/* Call f on (x, y, n) both ways.  frexp and modf have two results: the
 * distance is their sum (both are exact). */
static struct result call(struct fn *f, double x, double y, int n)
{
	struct result r = { 0, 0, 0, 0, 0, 0 };
	const char *nm = f->name;

	if (!strcmp(nm, "frexp") || !strcmp(nm, "modf")) {
		double (*th)(double, void *) = f->theirs;
		int e1 = 0, e2 = 0;
		double i1 = 0, i2 = 0;
		if (nm[0] == 'f') {
			r.ours = frexp(x, &e1);
			r.theirs = th(x, &e2);
		} else {
			r.ours = modf(x, &i1);
			r.theirs = th(x, &i2);
		}
		r.ulps = ulps(r.ours, r.theirs) + (e1 != e2) + ulps(i1, i2);
		return r;
	}
	if (!strcmp(nm, "frexpf") || !strcmp(nm, "modff")) {
		float (*th)(float, void *) = f->theirs;
		int e1 = 0, e2 = 0;
		float i1 = 0, i2 = 0;
		if (nm[0] == 'f') {
			r.ours = frexpf((float)x, &e1);
			r.theirs = th((float)x, &e2);
		} else {
			r.ours = modff((float)x, &i1);
			r.theirs = th((float)x, &i2);
		}
		r.ulps = ulps_f((float)r.ours, (float)r.theirs) + (e1 != e2) + ulps_f(i1, i2);
		return r;
	}
	switch (f->kind) {
	case D_D:
		r.ours = ((double (*)(double))f->ours)(x);
		r.theirs = ((double (*)(double))f->theirs)(x);
		break;
	case D_DD:
		r.ours = ((double (*)(double, double))f->ours)(x, y);
		r.theirs = ((double (*)(double, double))f->theirs)(x, y);
		break;
	case D_DI:
		r.ours = ((double (*)(double, int))f->ours)(x, n);
		r.theirs = ((double (*)(double, int))f->theirs)(x, n);
		break;
	case F_F:
		r.ours = ((float (*)(float))f->ours)((float)x);
		r.theirs = ((float (*)(float))f->theirs)((float)x);
		break;
	case F_FF:
		r.ours = ((float (*)(float, float))f->ours)((float)x, (float)y);
		r.theirs = ((float (*)(float, float))f->theirs)((float)x, (float)y);
		break;
	case F_FI:
		r.ours = ((float (*)(float, int))f->ours)((float)x, n);
		r.theirs = ((float (*)(float, int))f->theirs)((float)x, n);
		break;
	}
	int fl = f->kind == F_F || f->kind == F_FF || f->kind == F_FI;
	r.ulps = fl ? ulps_f((float)r.ours, (float)r.theirs) : ulps(r.ours, r.theirs);
	if (f->ref && f->kind == D_D)
		r.ref = (double)((long double (*)(long double))f->ref)(x);
	else if (f->ref && f->kind == D_DD)
		r.ref = (double)((long double (*)(long double, long double))f->ref)(x, y);
	else if (f->ref && f->kind == F_F)
		r.ref = (float)((double (*)(double))f->ref)((float)x);
	else if (f->ref && f->kind == F_FF)
		r.ref = (float)((double (*)(double, double))f->ref)((float)x, (float)y);
	if (f->ref) {
		r.ours_ref = fl ? ulps_f((float)r.ours, (float)r.ref) : ulps(r.ours, r.ref);
		r.theirs_ref = fl ? ulps_f((float)r.theirs, (float)r.ref) : ulps(r.theirs, r.ref);
	}
	return r;
}

static int is_float(const struct fn *f)
{
	return f->kind == F_F || f->kind == F_FF || f->kind == F_FI;
}

static int passes(const struct fn *f, const struct result *r)
{
	if (r->ulps <= (uint64_t)f->bound)
		return 1;
	return f->ref && r->ours_ref <= 1 && r->ours_ref <= r->theirs_ref;
}

/* pow's domain: y log2 x within the double (float) exponent range. */
static int in_domain(const struct fn *f, double x, double y)
{
	if (!strcmp(f->name, "pow"))
		return fabs(y * g_log2(x)) < 1000;
	if (!strcmp(f->name, "powf"))
		return fabs(y * g_log2(x)) < 120;
	return 1;
}

static int sweep(long n, uint64_t seed, const char *only)
{
	int bad = 0;

	printf("%-10s %6s %6s %6s %6s  %-34s %s\n", "function", "glibc", "ref", "g-ref",
	       "failed", "worst input (from glibc)", "ours / glibc");
	for (size_t i = 0; i < NFNS; i++) {
		struct fn *f = &fns[i];
		if (only && strcmp(only, f->name))
			continue;
		rng = seed * 0x9e3779b97f4a7c15ull + i + 1;
		uint64_t worst = 0, worst_ref = 0, worst_gref = 0;
		long failed = 0;
		double wx = 0, wy = 0;
		struct result wr = { 0, 0, 0, 0, 0, 0 };
		for (long k = 0; k < n; k++) {
			int fl = is_float(f);
			double x = strstr(f->name, "@kpi") ? draw_near() : draw(f->lo, f->hi, f->sign, fl);
			double y = 0;
			int e = 0;
			if (f->kind == D_DD || f->kind == F_FF)
				y = draw(f->lo2, f->hi2, f->sign, fl);
			if (f->kind == D_DI || f->kind == F_FI)
				e = (int)(next() % 4400) - 2200;
			if (!strncmp(f->name, "pow", 3))
				x = fabs(x);
			if (!in_domain(f, x, y))
				continue;
			struct result r = call(f, x, y, e);
			if (r.ulps > worst || k == 0) {
				worst = r.ulps;
				wx = x;
				wy = y;
				wr = r;
			}
			if (r.ours_ref > worst_ref)
				worst_ref = r.ours_ref;
			if (r.theirs_ref > worst_gref)
				worst_gref = r.theirs_ref;
			failed += !passes(f, &r);
		}
		char at[64];
		if (f->kind == D_DD || f->kind == F_FF)
			snprintf(at, sizeof at, "%.6a,%.6a", wx, wy);
		else
			snprintf(at, sizeof at, "%a", wx);
		char ref[16] = "-", gref[16] = "-";
		if (f->ref) {
			snprintf(ref, sizeof ref, "%llu", (unsigned long long)worst_ref);
			snprintf(gref, sizeof gref, "%llu", (unsigned long long)worst_gref);
		}
		printf("%-10s %6llu %6s %6s %6ld  %-34s %a / %a\n", f->name,
		       (unsigned long long)worst, ref, gref, failed, at, wr.ours, wr.theirs);
		if (failed)
			bad = 1;
	}
	return bad;
}

/* Every function on every combination of special inputs, bit for bit
 * (any NaN matches any NaN). */
static int special(void)
{
	static const double v[] = {
		0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0,
		3.0, -3.0, 0x1p-1074, -0x1p-1074, 0x1p-1022, -0x1p-1022, 0x1.fffffffffffffp1023,
		-0x1.fffffffffffffp1023, 1e300, -1e300, 1e22, 710.0, -746.0, 0.1, 1.5, -2.5,
		0x1p52, 0x1p53 + 2, 0x1p-30, 1e-310,
		/* pi/2, pi, and the double closest to a multiple of pi/2 of all
		 * (6381956970095103 * 2^797, Muller's worst case for reduction) */
		0x1.921fb54442d18p+0, 0x1.921fb54442d18p+1, 0x1.6ac5b262ca1ffp+849,
	};
	static const int ns[] = { 0, 1, -1, 1023, 1024, -1074, -1075, 2100, -2100 };
	int bad = 0;
	long checks = 0;
	const size_t nv = sizeof v / sizeof v[0];

	for (size_t i = 0; i < NFNS; i++) {
		struct fn *f = &fns[i];
		if (strchr(f->name, '@'))
			continue;
		int two = f->kind == D_DD || f->kind == F_FF;
		int ints = f->kind == D_DI || f->kind == F_FI;
		size_t nj = two ? nv : ints ? sizeof ns / sizeof ns[0] : 1;
		for (size_t a = 0; a < nv; a++) {
			for (size_t j = 0; j < nj; j++) {
				double x = v[a], y = two ? v[j] : 0;
				int e = ints ? ns[j] : 0;
				struct result r = call(f, x, y, e);
				checks++;
				int same = r.ulps == 0 && (isnan(r.ours) || isnan(r.theirs) ||
					(is_float(f) ? uf_of((float)r.ours) == uf_of((float)r.theirs)
					 : u_of(r.ours) == u_of(r.theirs)));
				/* exact functions and special results must match; finite,
				 * non-special results within the bound */
				int special_result = isnan(r.theirs) || isinf(r.theirs) || r.theirs == 0 ||
					isnan(x) || isinf(x) || x == 0 ||
					(two && (isnan(y) || isinf(y) || y == 0)) || f->bound == 0;
				if (same || (!special_result && passes(f, &r)))
					continue;
				bad++;
				printf("%s(%a, %a) [%d]: ours %a, glibc %a\n", f->name, x, y, e, r.ours,
				       r.theirs);
			}
		}
	}
	printf("%d mismatches in %ld special-value calls\n", bad, checks);
	return bad != 0;
}

int main(int argc, char **argv)
{
	void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "libm-check: %s\n", dlerror());
		return 2;
	}
	for (size_t i = 0; i < NFNS; i++) {
		char name[32];
		snprintf(name, sizeof name, "%s", fns[i].name);
		char *at = strchr(name, '@');
		if (at)
			*at = 0;
		fns[i].theirs = dlsym(h, name);
		if (!fns[i].theirs) {
			fprintf(stderr, "libm-check: glibc has no %s\n", name);
			return 2;
		}
		if (fns[i].bound == 0 || fns[i].kind == D_DI || fns[i].kind == F_FI)
			continue;		/* exact: glibc is the reference */
		size_t len = strlen(name);
		if (is_float(&fns[i]))
			name[len - 1] = 0;	/* sinf -> sin */
		else
			snprintf(name + len, sizeof name - len, "l");	/* sin -> sinl */
		fns[i].ref = dlsym(h, name);
	}
	g_exp2 = (double (*)(double))dlsym(h, "exp2");
	g_log2 = (double (*)(double))dlsym(h, "log2");
	if (argc >= 4 && !strcmp(argv[1], "sweep"))
		return sweep(atol(argv[2]), strtoull(argv[3], 0, 10), argc > 4 ? argv[4] : NULL);
	if (argc == 2 && !strcmp(argv[1], "special"))
		return special();
	fprintf(stderr, "usage: libm-check sweep N SEED [FUNC] | libm-check special\n");
	return 2;
}
