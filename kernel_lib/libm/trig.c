/*
 * trig.c - sin, cos, tan, asin, acos, atan, atan2.
 *
 * sin, cos and tan reduce x to r = x - n pi/2, |r| <= pi/4, then sum the
 * Taylor series of sin or cos in double-double (dd.h).  Up to 2^20 the
 * reduction is Cody-Waite's: pi/2 in pieces of 33 bits, so each n * piece
 * is exact and the cancellation x - n pi/2 loses nothing.  Beyond, it is
 * Payne and Hanek's: only the bits of 2/pi that matter modulo 4 for this
 * exponent enter the product x * 2/pi.
 *
 * The inverse functions reduce to atan(t), 0 <= t <= 1, and that to
 * atan(c) + atan((t - c) / (1 + t c)) for the nearest c = k/8 (a table of
 * nine dd values), where the series converges in ten terms.
 */
#include "dd.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* x mod 4 for an exact product p >= 0 with at most 53 bits: exact. */
static double mod4(double p)
{
	return p - 4 * libm_trunc(p * 0.25);
}

/* Payne-Hanek for |x| >= 2^20: x * 2/pi mod 4 from the chunks of 2/pi
 * whose products with x are not multiples of 4, in dd. */
static int reduce_huge(double a, dd *r)
{
	int e = exp_field(a) - 1023;
	/* x = M 2^(e-52): chunk i contributes M c_i 2^(e-76-24i), a multiple
	 * of 4 for i <= (e - 78) / 24 */
	int i0 = e >= 78 ? (e - 78) / 24 + 1 : 0;
	double xs = libm_scale(a, -24 * i0), h, l;
	dd s = { 0, 0 };

	split(xs, &h, &l);
	for (int j = 0; j < 10 && i0 + j < COUNT(two_over_pi); j++) {
		double g = two_over_pi[i0 + j] * pow2(-24 * (j + 1));
		s = dd_add_d(s, mod4(h * g));
		s = dd_add_d(s, l < 0 ? -mod4(-l * g) : mod4(l * g));
	}
	double n = libm_trunc(s.hi);
	s = dd_add_d(s, -n);
	if (s.hi < 0) {
		s = dd_add_d(s, 1);
		n -= 1;
	}
	if (s.hi > 0.5) {
		s = dd_add_d(s, -1);
		n += 1;
	}
	*r = dd_mul(s, DD_PIO2);
	return (int)mod4(n);
}

/* x = n pi/2 + r, |r| <= pi/4 (a hair more near the ends); n mod 4. */
static int reduce(double x, dd *r)
{
	double a = dabs(x);

	if (a <= 0x1.921fb54442d18p-1) {
		*r = (dd){ x, 0 };
		return 0;
	}
	if (a < 0x1p20) {
		double k = (double)(int64_t)(x * INV_PIO2 + (x < 0 ? -0.5 : 0.5));
		double t = x - k * PIO2_1;	/* exact */
		dd s = two_sum(t, -k * PIO2_2);
		s = dd_add_d(s, -k * PIO2_3);
		*r = dd_add_d(s, -k * PIO2_4);
		return (int)((int64_t)k & 3);
	}
	int n = reduce_huge(a, r);
	if (x < 0) {
		*r = dd_neg(*r);
		n = -n;
	}
	return n & 3;
}

static dd sin_dd(dd r)
{
	return dd_mul(dd_poly(sin_coef, COUNT(sin_coef), 7, dd_mul(r, r)), r);
}

static dd cos_dd(dd r)
{
	return dd_poly(cos_coef, COUNT(cos_coef), 7, dd_mul(r, r));
}

static double m_sin(double x)
{
	dd r;

	if (exp_field(x) == 0x7ff)
		return x - x;			/* NaN; invalid for +-inf */
	if (dabs(x) < 0x1p-26)
		return x;
	switch (reduce(x, &r)) {
	case 0: return sin_dd(r).hi;
	case 1: return cos_dd(r).hi;
	case 2: return -sin_dd(r).hi;
	default: return -cos_dd(r).hi;
	}
}

static double m_cos(double x)
{
	dd r;

	if (exp_field(x) == 0x7ff)
		return x - x;
	if (dabs(x) < 0x1p-27)
		return 1;
	switch (reduce(x, &r)) {
	case 0: return cos_dd(r).hi;
	case 1: return -sin_dd(r).hi;
	case 2: return -cos_dd(r).hi;
	default: return sin_dd(r).hi;
	}
}

static double m_tan(double x)
{
	dd r;

	if (exp_field(x) == 0x7ff)
		return x - x;
	if (dabs(x) < 0x1p-27)
		return x;
	int n = reduce(x, &r);
	dd s = sin_dd(r), c = cos_dd(r);
	return n & 1 ? -dd_div(c, s).hi : dd_div(s, c).hi;
}

/* atan(t) for 0 <= t <= 1 (t a dd, slightly above 1 is fine). */
static dd atan_dd(dd t)
{
	int k = (int)(t.hi * 8 + 0.5);
	double c = k * 0.125;
	dd u = dd_div(dd_add_d(t, -c), dd_add_d(dd_mul_d(t, c), 1));
	dd v = dd_mul(dd_poly(atan_coef, COUNT(atan_coef), 8, dd_mul(u, u)), u);

	return dd_add(atan_tab[k], v);
}

/* atan(y/x) for y, x >= 0 near 1 in magnitude, not both zero. */
static dd atan2_dd(dd y, dd x)
{
	if (y.hi <= x.hi)
		return atan_dd(dd_div(y, x));
	return dd_add(DD_PIO2, dd_neg(atan_dd(dd_div(x, y))));
}

static double m_atan(double x)
{
	double a = dabs(x), r;

	if (is_nan(x))
		return x + x;
	if (a < 0x1p-27)
		return x;
	if (a > 0x1p60)			/* pi/2 - 1/a rounds to pi/2 (+-inf too) */
		r = DD_PIO2.hi;
	else
		r = atan2_dd((dd){ a, 0 }, (dd){ 1, 0 }).hi;
	return dcopysign(r, x);
}

/* C99 F.9.1.4's special cases, then the angle of (|x|, |y|) scaled near 1
 * and put in its quadrant. */
static double m_atan2(double y, double x)
{
	double ax = dabs(x), ay = dabs(y), r;
	int xneg = (bits(x) & SIGN_BIT) != 0, ex, ey;
	const double inf = __builtin_inf();

	if (is_nan(x) || is_nan(y))
		return x + y;
	if (y == 0)
		return dcopysign(xneg ? DD_PI.hi : 0, y);
	if (x == 0)
		return dcopysign(DD_PIO2.hi, y);
	if (ay == inf) {
		if (ax == inf)
			r = xneg ? dd_mul_d(DD_PI, 0.75).hi : dd_mul_d(DD_PI, 0.25).hi;
		else
			r = DD_PIO2.hi;
		return dcopysign(r, y);
	}
	if (ax == inf)
		return dcopysign(xneg ? DD_PI.hi : 0, y);
	ex = exp_field(ax) ? exp_field(ax) - 1023 : -1075;
	ey = exp_field(ay) ? exp_field(ay) - 1023 : -1075;
	if (ey - ex > 60) {		/* pi/2 -+ x/y */
		double t = ax / ay;
		r = dd_add_d(DD_PIO2, xneg ? t : -t).hi;
	} else if (ex - ey > 60) {	/* y/x, or pi - y/x */
		double t = ay / ax;
		r = xneg ? dd_add_d(DD_PI, -t).hi : t;
	} else {
		int s = ex > ey ? -ex : -ey;
		dd t = atan2_dd((dd){ libm_scale(ay, s), 0 }, (dd){ libm_scale(ax, s), 0 });
		r = (xneg ? dd_add(DD_PI, dd_neg(t)) : t).hi;
	}
	return dcopysign(r, y);
}

/* sqrt(1 - a^2) in dd: a^2 exact, so asin and acos near +-1 keep their bits. */
static dd cosine_of(double a)
{
	return dd_sqrt(dd_add_d(dd_neg(two_prod(a, a)), 1));
}

static double m_asin(double x)
{
	double a = dabs(x);

	if (is_nan(x))
		return x + x;
	if (a > 1)
		return (x - x) / (x - x);	/* invalid */
	if (a < 0x1p-27)
		return x;
	if (a == 1)
		return dcopysign(DD_PIO2.hi, x);
	return dcopysign(atan2_dd((dd){ a, 0 }, cosine_of(a)).hi, x);
}

static double m_acos(double x)
{
	double a = dabs(x);

	if (is_nan(x))
		return x + x;
	if (a > 1)
		return (x - x) / (x - x);
	if (x == 1)
		return 0;
	if (x == -1)
		return DD_PI.hi;
	dd t = atan2_dd(cosine_of(a), (dd){ a, 0 });
	return (x < 0 ? dd_add(DD_PI, dd_neg(t)) : t).hi;
}

/* The public names, double and float; the float versions round the
 * double result (within half an ulp of float, but for double rounding). */
ONE(sin)
ONE(cos)
ONE(tan)
ONE(asin)
ONE(acos)
ONE(atan)
TWO(atan2)
