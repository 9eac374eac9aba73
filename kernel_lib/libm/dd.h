/*
 * dd.h - double-double arithmetic and bit access for kernel_lib/libm.
 *
 * A dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2: 106 bits of
 * significand out of plain SSE2 doubles (Dekker 1971, Knuth TAOCP 4.2.2).
 * The library evaluates its series in dd and rounds once at the end, which
 * is what keeps every function within an ulp of the correctly rounded
 * result without big tables.  The error-free transformations below need IEEE
 * round-to-nearest doubles and no reassociation (no -ffast-math) and no
 * fused multiply-add contraction (x86-64 without -march has no FMA), which
 * is also why the kernel and the host twin compute the same bits.
 */
#ifndef LIBM_DD_H
#define LIBM_DD_H

#include <stdint.h>

typedef struct {
	double hi, lo;
} dd;

static inline uint64_t bits(double x)
{
	union { double d; uint64_t u; } v = { .d = x };
	return v.u;
}

static inline double from_bits(uint64_t u)
{
	union { double d; uint64_t u; } v = { .u = u };
	return v.d;
}

#define SIGN_BIT 0x8000000000000000ull
#define EXP_MASK 0x7ff0000000000000ull
#define MANT_MASK 0x000fffffffffffffull

/* The biased exponent field: 0 for zeros and subnormals, 0x7ff for inf/NaN. */
static inline int exp_field(double x)
{
	return (int)((bits(x) >> 52) & 0x7ff);
}

static inline double pow2(int k)	/* 2^k for -1022 <= k <= 1023 */
{
	return from_bits((uint64_t)(k + 1023) << 52);
}

static inline double dabs(double x)
{
	return from_bits(bits(x) & ~SIGN_BIT);
}

static inline double dcopysign(double x, double y)
{
	return from_bits((bits(x) & ~SIGN_BIT) | (bits(y) & SIGN_BIT));
}

static inline int is_nan(double x)
{
	return (bits(x) & ~SIGN_BIT) > EXP_MASK;
}

/* a + b exactly, for any a, b (Knuth's two-sum). */
static inline dd two_sum(double a, double b)
{
	double s = a + b;
	double bb = s - a;
	return (dd){ s, (a - (s - bb)) + (b - bb) };
}

/* a + b exactly, when |a| >= |b| or a is zero. */
static inline dd fast_two_sum(double a, double b)
{
	double s = a + b;
	return (dd){ s, b - (s - a) };
}

/* Dekker's split: a = h + l, each with at most 26 significant bits, so
 * products of halves are exact.  |a| must be below 2^995. */
static inline void split(double a, double *h, double *l)
{
	double c = 134217729.0 * a;	/* 2^27 + 1 */
	*h = c - (c - a);
	*l = a - *h;
}

/* a * b exactly (Dekker), unless it underflows or overflows. */
static inline dd two_prod(double a, double b)
{
	double ah, al, bh, bl, p = a * b;
	split(a, &ah, &al);
	split(b, &bh, &bl);
	return (dd){ p, ((ah * bh - p) + ah * bl + al * bh) + al * bl };
}

static inline dd dd_add(dd a, dd b)
{
	dd s = two_sum(a.hi, b.hi);
	dd t = two_sum(a.lo, b.lo);
	s.lo += t.hi;
	s = fast_two_sum(s.hi, s.lo);
	s.lo += t.lo;
	return fast_two_sum(s.hi, s.lo);
}

static inline dd dd_add_d(dd a, double b)
{
	dd s = two_sum(a.hi, b);
	s.lo += a.lo;
	return fast_two_sum(s.hi, s.lo);
}

static inline dd dd_neg(dd a)
{
	return (dd){ -a.hi, -a.lo };
}

static inline dd dd_mul(dd a, dd b)
{
	dd p = two_prod(a.hi, b.hi);
	p.lo += a.hi * b.lo + a.lo * b.hi;
	return fast_two_sum(p.hi, p.lo);
}

static inline dd dd_mul_d(dd a, double b)
{
	dd p = two_prod(a.hi, b);
	p.lo += a.lo * b;
	return fast_two_sum(p.hi, p.lo);
}

/* a / b: a first quotient, then two corrections from the exact remainder. */
static inline dd dd_div(dd a, dd b)
{
	double q1 = a.hi / b.hi;
	dd r = dd_add(a, dd_neg(dd_mul_d(b, q1)));
	double q2 = r.hi / b.hi;
	r = dd_add(r, dd_neg(dd_mul_d(b, q2)));
	double q3 = r.hi / b.hi;
	dd q = fast_two_sum(q1, q2);
	return dd_add_d(q, q3);
}

/* sqrt(a) for a > 0: the double root and one Newton step on the remainder. */
static inline dd dd_sqrt(dd a)
{
	double s;
#ifdef __aarch64__
	__asm__("fsqrt %d0, %d1" : "=w"(s) : "w"(a.hi));
#else
	__asm__("sqrtsd %1, %0" : "=x"(s) : "x"(a.hi));
#endif
	dd p = two_prod(s, s);
	double r = ((a.hi - p.hi) - p.lo + a.lo) / (2 * s);
	return fast_two_sum(s, r);
}

/* c[0] + x (c[1] + x (c[2] + ...)), n coefficients: the nd of highest
 * degree in plain double (their sum is below 2^-18 of the result, so its
 * rounding errors stay below 2^-70), the rest in dd. */
static inline dd dd_poly(const dd *c, int n, int nd, dd x)
{
	double p = c[n - 1].hi;
	int i;

	for (i = n - 2; i >= n - nd; i--)
		p = p * x.hi + c[i].hi;
	dd q = dd_add(dd_mul_d(x, p), c[i]);
	for (i--; i >= 0; i--)
		q = dd_add(dd_mul(q, x), c[i]);
	return q;
}

#include "consts.h"

/* The public double and float functions over an implementation m_NAME.
 * The float versions call m_NAME, never NAME: a compiler may rewrite
 * (float)floor((double)f) as floorf(f), which would then call itself. */
#define ONE(name) \
	double name(double x) { return m_##name(x); } \
	float name##f(float x) { return (float)m_##name(x); }
#define TWO(name) \
	double name(double x, double y) { return m_##name(x, y); } \
	float name##f(float x, float y) { return (float)m_##name(x, y); }

/* Internal entry points shared between the files of the library. */
dd libm_exp_dd(dd z, int *k);		/* exp(z) = result * 2^k, |z| < 750 */
dd libm_log_dd(double x);		/* log(x), x > 0 finite */
double libm_scale(double x, int k);	/* x * 2^k, one rounding */
double libm_trunc(double x);

#endif
