/*
 * exp_log.c - exp, exp2, log, log2, log10, pow, sinh, cosh, tanh.
 *
 * Two cores in double-double (dd.h), each a classic argument reduction
 * and a Taylor series short enough on the reduced range:
 *
 *   exp(z) = 2^k exp(r),  k = round(z / ln 2),  |r| <= ln2/2, r = z - k ln2
 *            with ln 2 in pieces so that k * piece is exact (Cody-Waite);
 *   log(x) = e ln2 + 2 atanh(s),  x = 2^e m,  m in [sqrt(1/2), sqrt 2),
 *            s = (m - 1) / (m + 1),  |s| <= 0.1716.
 *
 * Both keep ~100 bits, so pow(x, y) = exp(y log x) loses nothing to the
 * product (|y log x| up to 745 would cost ten bits of a plain double),
 * and every function rounds once, from the dd, at the end.
 */
#include "dd.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const double huge = 0x1p1023, tiny = 0x1p-1022;

dd libm_exp_dd(dd z, int *k)
{
	int n = (int)(z.hi * INV_LN2 + (z.hi < 0 ? -0.5 : 0.5));
	/* exact: k * LN2_1 is, and z.hi is within a factor 2 of it (Sterbenz) */
	double t = z.hi - n * LN2_1;
	dd r = two_sum(t, -n * LN2_2);

	r = dd_add_d(r, z.lo);
	r = dd_add_d(r, -n * LN2_3);
	*k = n;
	return dd_poly(exp_coef, COUNT(exp_coef), 12, r);
}

dd libm_log_dd(double x)
{
	int e = 0;

	if (exp_field(x) == 0) {	/* subnormal */
		x *= 0x1p54;
		e = -54;
	}
	e += exp_field(x) - 1023;
	double m = from_bits((bits(x) & MANT_MASK) | (1023ull << 52));
	if (m > 0x1.6a09e667f3bcdp+0) {	/* sqrt 2 */
		m *= 0.5;
		e++;
	}
	double f = m - 1;		/* exact (Sterbenz) */
	dd s = dd_div((dd){ f, 0 }, two_sum(2, f));
	dd p = dd_mul(dd_poly(log_coef, COUNT(log_coef), 11, dd_mul(s, s)), s);
	dd el = dd_add_d(two_sum(e * LN2_1, e * LN2_2), e * LN2_3);

	return dd_add(el, (dd){ 2 * p.hi, 2 * p.lo });
}

static double m_exp(double x)
{
	int k;

	if (is_nan(x))
		return x + x;
	if (x > 710)
		return huge * huge;
	if (x < -746)
		return tiny * tiny;
	if (dabs(x) < 0x1p-54)
		return 1 + x;
	dd y = libm_exp_dd((dd){ x, 0 }, &k);
	return libm_scale(y.hi, k);
}

/* 2^x = 2^n 2^f with f = x - round(x) exact, and 2^f = exp(f ln2) in dd:
 * integers give powers of two exactly. */
static double m_exp2(double x)
{
	int k;

	if (is_nan(x))
		return x + x;
	if (x >= 1024)
		return huge * huge;
	if (x < -1080)
		return tiny * tiny;
	int n = (int)(x + (x < 0 ? -0.5 : 0.5));
	dd y = libm_exp_dd(dd_mul_d(DD_LN2, x - n), &k);
	return libm_scale(y.hi, k + n);
}

/* log of a negative number, of -inf or of NaN, and of +-0 and +inf. */
static int log_special(double x, double *r)
{
	if (is_nan(x)) {
		*r = x + x;
	} else if (x == 0) {
		*r = -1 / dabs(x);		/* -inf, divide-by-zero */
	} else if (x < 0) {
		*r = (x - x) / (x - x);		/* NaN, invalid */
	} else if (exp_field(x) == 0x7ff) {
		*r = x;
	} else {
		return 0;
	}
	return 1;
}

static double m_log(double x)
{
	double r;
	if (log_special(x, &r))
		return r;
	return libm_log_dd(x).hi;
}

static double m_log2(double x)
{
	double r;
	if (log_special(x, &r))
		return r;
	return dd_mul(libm_log_dd(x), DD_INV_LN2).hi;
}

static double m_log10(double x)
{
	double r;
	if (log_special(x, &r))
		return r;
	return dd_mul(libm_log_dd(x), DD_INV_LN10).hi;
}

/* 0: not an integer, 1: an odd integer, 2: an even integer. */
static int integer_kind(double y)
{
	if (exp_field(y) == 0x7ff || libm_trunc(y) != y)
		return 0;
	if (dabs(y) >= 0x1p53)
		return 2;
	return ((int64_t)y & 1) ? 1 : 2;
}

/* The special cases of C99 F.9.4.4 first, then exp(y log|x|) with the
 * sign of an odd integer power of a negative x. */
static double m_pow(double x, double y)
{
	double ax = dabs(x), ay = dabs(y);
	int kind, k;

	if (y == 0 || x == 1)
		return 1;
	if (is_nan(x) || is_nan(y))
		return x + y;
	kind = integer_kind(y);
	if (ay == __builtin_inf()) {
		if (ax == 1)
			return 1;
		return (ax < 1) == (y < 0) ? ay : 0;
	}
	if (x == 0) {
		if (y < 0)
			return kind == 1 ? 1 / x : 1 / ax;	/* divide-by-zero */
		return kind == 1 ? x : 0;
	}
	if (ax == __builtin_inf()) {
		int neg = x < 0 && kind == 1;
		if (y < 0)
			return neg ? -0.0 : 0.0;
		return neg ? x : ax;
	}
	double sign = 1;
	if (x < 0) {
		if (kind == 0)
			return (x - x) / (x - x);		/* invalid */
		if (kind == 1)
			sign = -1;
	}
	if (ax == 1)				/* -1 to an integer power */
		return sign;
	/* |y log x| > 2^64 * 2^-53 for any x != 1: beyond either end */
	if (ay > 0x1p64)
		return (ax < 1) == (y < 0) ? sign * huge * huge : sign * tiny * tiny;
	dd z = dd_mul_d(libm_log_dd(ax), y);
	if (z.hi > 710)
		return sign * huge * huge;
	if (z.hi < -746)
		return sign * tiny * tiny;
	dd r = libm_exp_dd(z, &k);
	return sign * libm_scale(r.hi, k);
}

/* exp(a) as a dd, for |a| < 45 (the scaling by 2^k is exact). */
static dd exp_dd_scaled(double a)
{
	int k;
	dd y = libm_exp_dd((dd){ a, 0 }, &k);
	double s = pow2(k);
	return (dd){ y.hi * s, y.lo * s };
}

/* exp(a - ln2) = e^a / 2, for 22 <= a: e^-a is below 2^-63 of e^a. */
static double half_exp(double a)
{
	int k;

	if (a > 711)
		return huge * huge;
	dd y = libm_exp_dd(dd_add_d(two_sum(a, -DD_LN2.hi), -DD_LN2.lo), &k);
	return libm_scale(y.hi, k);
}

/* sinh(a) for |a| < 1 by its series (no cancellation), in dd. */
static dd sinh_series(double a)
{
	dd u = two_prod(a, a);
	return dd_mul_d(dd_poly(sinh_coef, COUNT(sinh_coef), 7, u), a);
}

static double m_sinh(double x)
{
	double a = dabs(x), r;

	if (exp_field(x) == 0x7ff)
		return x + x;			/* +-inf, NaN (quieted) */
	if (a < 0x1p-28)
		return x;
	if (a < 1) {
		r = sinh_series(a).hi;
	} else if (a < 22) {
		dd e = exp_dd_scaled(a);
		r = dd_add(e, dd_neg(dd_div((dd){ 1, 0 }, e))).hi * 0.5;
	} else {
		r = half_exp(a);
	}
	return dcopysign(r, x);
}

static double m_cosh(double x)
{
	double a = dabs(x);

	if (exp_field(x) == 0x7ff)
		return x * x;
	if (a < 0x1p-27)
		return 1;
	if (a < 22) {
		dd e = exp_dd_scaled(a);
		return dd_add(e, dd_div((dd){ 1, 0 }, e)).hi * 0.5;
	}
	return half_exp(a);
}

static double m_tanh(double x)
{
	double a = dabs(x), r;

	if (is_nan(x))
		return x + x;
	if (a < 0x1p-28)
		return x;
	if (a < 1) {
		dd e = exp_dd_scaled(a);
		dd c = dd_add(e, dd_div((dd){ 1, 0 }, e));
		dd s = sinh_series(a);
		r = dd_div((dd){ 2 * s.hi, 2 * s.lo }, c).hi;
	} else if (a < 22) {
		/* 1 - 2 / (e^2a + 1) */
		dd e2 = exp_dd_scaled(2 * a);
		dd q = dd_div((dd){ 2, 0 }, dd_add_d(e2, 1));
		r = dd_add_d(dd_neg(q), 1).hi;
	} else {
		r = 1 - tiny;			/* 1, inexact */
	}
	return dcopysign(r, x);
}

/* The public names, double and float; the float versions round the
 * double result (within half an ulp of float, but for double rounding). */
ONE(exp)
ONE(exp2)
ONE(log)
ONE(log2)
ONE(log10)
ONE(sinh)
ONE(cosh)
ONE(tanh)
TWO(pow)
