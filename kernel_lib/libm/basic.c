/*
 * basic.c - the exact part of libm: sqrt, fabs, copysign, rounding to
 * integers, fmod, fmin/fmax, ldexp, frexp, modf, and hypot.
 *
 * Everything here but hypot is exact in IEEE arithmetic, so it is done on
 * the bits (SSE4.1's roundsd is not on every CPU QEMU emulates).  The
 * float variants widen to double, where each of these is exact too.
 */
#include "dd.h"

/* sqrtsd (AArch64: fsqrt) is correctly rounded, as C requires of sqrt. */
double sqrt(double x)
{
#if defined(__aarch64__)
	__asm__("fsqrt %d0, %d1" : "=w"(x) : "w"(x));
#else
	__asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
#endif
	return x;
}

float sqrtf(float x)
{
#if defined(__aarch64__)
	__asm__("fsqrt %s0, %s1" : "=w"(x) : "w"(x));
#else
	__asm__("sqrtss %1, %0" : "=x"(x) : "x"(x));
#endif
	return x;
}

static double m_fabs(double x)
{
	return dabs(x);
}

static double m_copysign(double x, double y)
{
	return dcopysign(x, y);
}

/* Clear the fraction bits below the binary point. */
double libm_trunc(double x)
{
	int e = exp_field(x) - 1023;

	if (e >= 52)
		return e == 1024 ? x + x : x;	/* integral, or inf/NaN (quieted) */
	if (e < 0)
		return from_bits(bits(x) & SIGN_BIT);
	return from_bits(bits(x) & ~(MANT_MASK >> e));
}

static double m_trunc(double x)
{
	return libm_trunc(x);
}

/* t - 1 and t + 1 are exact: |t| < 2^52 whenever they are taken. */
static double m_floor(double x)
{
	double t = libm_trunc(x);
	return t > x ? t - 1 : t;
}

static double m_ceil(double x)
{
	double t = libm_trunc(x);
	return t < x ? t + 1 : t;
}

/* Halfway cases away from zero; x - t is exact. */
static double m_round(double x)
{
	double t = libm_trunc(x);
	if (dabs(x - t) >= 0.5)
		t += dcopysign(1.0, x);
	return t;
}

static double m_modf(double x, double *ip)
{
	if (exp_field(x) == 0x7ff) {
		*ip = x;
		return is_nan(x) ? x + x : dcopysign(0.0, x);
	}
	double t = libm_trunc(x);
	*ip = t;
	return dcopysign(x - t, x);
}

/* The significand as an integer and its exponent: x = m * 2^e, m < 2^53. */
static uint64_t unpack(double x, int *e)
{
	uint64_t u = bits(x) & ~SIGN_BIT;
	int f = (int)(u >> 52);
	uint64_t m = u & MANT_MASK;

	if (f == 0) {			/* subnormal: normalise */
		*e = -1074;
		while (!(m & (1ull << 52))) {
			m <<= 1;
			(*e)--;
		}
		return m;
	}
	*e = f - 1075;
	return m | (1ull << 52);
}

/* fmod is exact: the remainder of the integer significands by long
 * division, eleven bits at a time (m < 2^53, so m << 11 fits 64 bits). */
static double m_fmod(double x, double y)
{
	double ax = dabs(x), ay = dabs(y);
	int ex, ey;

	if (is_nan(x) || is_nan(y) || exp_field(x) == 0x7ff || ay == 0)
		return (x * y) / (x * y);
	if (ax < ay)
		return x;
	uint64_t mx = unpack(ax, &ex), my = unpack(ay, &ey);
	while (ex > ey) {
		int s = ex - ey < 11 ? ex - ey : 11;
		mx = (mx << s) % my;
		ex -= s;
		if (mx == 0)
			return dcopysign(0.0, x);
	}
	mx %= my;
	if (mx == 0)
		return dcopysign(0.0, x);
	/* mx * 2^ey is a multiple of 2^-1074 (of the smaller of x and y), so
	 * these shifts are exact */
	while (ey < -1074) {
		mx >>= 1;
		ey++;
	}
	while (mx < (1ull << 52) && ey > -1074) {
		mx <<= 1;
		ey--;
	}
	double r;
	if (mx < (1ull << 52))
		r = from_bits(mx);			/* subnormal */
	else
		r = from_bits(((uint64_t)(ey + 1075) << 52) | (mx & MANT_MASK));
	return dcopysign(r, x);
}

static double m_fmin(double x, double y)
{
	if (is_nan(x))
		return y;
	if (is_nan(y))
		return x;
	return x < y ? x : y;		/* y for -0 and +0, as glibc */
}

static double m_fmax(double x, double y)
{
	if (is_nan(x))
		return y;
	if (is_nan(y))
		return x;
	return x > y ? x : y;
}

/* x * 2^k with one rounding: scale in steps that stay exact, so that only
 * the last multiplication can round (into the subnormals). */
double libm_scale(double x, int k)
{
	if (k > 1023) {
		x *= 0x1p1023;
		k -= 1023;
		if (k > 1023) {
			x *= 0x1p1023;
			k -= 1023;
			if (k > 1023)
				k = 1023;
		}
	} else if (k < -1022) {
		/* 2^-969 = 2^-1022 * 2^53: stays clear of the subnormals */
		x *= 0x1p-969;
		k += 969;
		if (k < -1022) {
			x *= 0x1p-969;
			k += 969;
			if (k < -1022)
				k = -1022;
		}
	}
	return x * pow2(k);
}

double ldexp(double x, int k)
{
	return libm_scale(x, k);
}

float ldexpf(float x, int k)
{
	return (float)libm_scale(x, k);
}

static double m_frexp(double x, int *e)
{
	int f = exp_field(x);

	*e = 0;
	if (f == 0x7ff || x == 0)
		return x + x;
	if (f == 0) {
		x *= 0x1p54;
		*e = -54;
		f = exp_field(x);
	}
	*e += f - 1022;
	return from_bits((bits(x) & ~EXP_MASK) | (1022ull << 52));
}

/* sqrt(x^2 + y^2) with both scaled near 1 (no overflow or underflow in
 * between), the sum of squares exact in dd and its root rounded once. */
static double m_hypot(double x, double y)
{
	double a = dabs(x), b = dabs(y);

	if (exp_field(a) == 0x7ff || exp_field(b) == 0x7ff) {
		if (a == __builtin_inf() || b == __builtin_inf())
			return __builtin_inf();
		return x + y;
	}
	if (a < b) {
		double t = a;
		a = b;
		b = t;
	}
	if (b == 0)
		return a;
	int ea, eb;
	m_frexp(a, &ea);
	m_frexp(b, &eb);
	if (ea - eb > 60)	/* b^2 is below half an ulp of a^2 */
		return a + b;
	a = libm_scale(a, -ea);
	b = libm_scale(b, -ea);
	dd s = dd_sqrt(dd_add(two_prod(a, a), two_prod(b, b)));
	return libm_scale(s.hi + s.lo, ea);
}

double frexp(double x, int *e)
{
	return m_frexp(x, e);
}

float frexpf(float x, int *e)
{
	return (float)m_frexp(x, e);
}

double modf(double x, double *ip)
{
	return m_modf(x, ip);
}

float modff(float x, float *ip)
{
	double i, f = m_modf(x, &i);
	*ip = (float)i;
	return (float)f;
}

/* The public names, double and float; the float versions round the
 * double result (within half an ulp of float, but for double rounding). */
ONE(fabs)
ONE(trunc)
ONE(floor)
ONE(ceil)
ONE(round)
TWO(copysign)
TWO(fmod)
TWO(fmin)
TWO(fmax)
TWO(hypot)
