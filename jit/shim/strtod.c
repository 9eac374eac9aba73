/* Decimal (and hex) to binary floating point, correctly rounded (round
 * to nearest, ties to even), for QBE's s_ and d_ literals. Exact big
 * integer arithmetic: value = num / den, scaled by a power of two until
 * the quotient has the target's precision, and the remainder decides
 * the rounding. Slow next to a tuned strtod, but literals are rare. */
#include <stdint.h>
#include "shim.h"
#include "libc.h"

enum {
	NLIMB = 160,     /* 5120 bits: enough for the ranges clamped below */
	MAXDIG = 800,    /* significant digits kept; more only set a sticky digit */
	MAXHEX = 300,
};

struct big {
	int n;           /* limbs in use, no leading zero limbs */
	uint32_t d[NLIMB];
};

/* A binary floating point format: precision with the hidden bit,
 * exponent of the smallest subnormal's bit, largest exponent. */
struct fmt {
	int p, emin, emax;
};

static const struct fmt fdouble = {53, -1074, 1023};
static const struct fmt ffloat = {24, -149, 127};

static void
bset(struct big *b, uint32_t v)
{
	b->n = v != 0;
	b->d[0] = v;
}

static void
bmuladd(struct big *b, uint32_t m, uint32_t a)
{
	uint64_t c;
	int i;

	c = a;
	for (i = 0; i < b->n; i++) {
		c += (uint64_t)b->d[i] * m;
		b->d[i] = (uint32_t)c;
		c >>= 32;
	}
	if (c && b->n < NLIMB)
		b->d[b->n++] = (uint32_t)c;
}

static void
bshl(struct big *dst, const struct big *b, int s)
{
	int i, w, r, n;

	if (b->n == 0) {
		dst->n = 0;
		return;
	}
	w = s / 32;
	r = s % 32;
	n = b->n + w + 1;
	if (n > NLIMB)
		n = NLIMB;
	for (i = n - 1; i >= 0; i--) {
		uint64_t hi, lo;
		hi = i - w < b->n && i - w >= 0 ? b->d[i - w] : 0;
		lo = i - w - 1 < b->n && i - w - 1 >= 0 ? b->d[i - w - 1] : 0;
		dst->d[i] = r ? (uint32_t)(hi << r | lo >> (32 - r)) : (uint32_t)hi;
	}
	while (n > 0 && dst->d[n - 1] == 0)
		n--;
	dst->n = n;
}

static int
bcmp_(const struct big *a, const struct big *b)
{
	int i;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = a->n - 1; i >= 0; i--)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return 0;
}

/* a -= b, with a >= b */
static void
bsub(struct big *a, const struct big *b)
{
	int64_t c;
	int i;

	c = 0;
	for (i = 0; i < a->n; i++) {
		c += (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0);
		a->d[i] = (uint32_t)c;
		c = c < 0 ? -1 : 0;
	}
	while (a->n > 0 && a->d[a->n - 1] == 0)
		a->n--;
}

static int
bbits(const struct big *b)
{
	if (b->n == 0)
		return 0;
	return 32 * (b->n - 1) + 32 - __builtin_clz(b->d[b->n - 1]);
}

static void
bpow(struct big *b, uint32_t base, int e)
{
	bset(b, 1);
	while (e-- > 0)
		bmuladd(b, base, 0);
}

/* Round num/den to f's precision; return the IEEE bits (no sign). */
static uint64_t
round_quotient(const struct big *num, const struct big *den, const struct fmt *f)
{
	static struct big n, d, t;
	uint64_t q, one;
	int s, i, c;

	one = 1;
	s = f->p - (bbits(num) - bbits(den));
	for (;;) {
		if (-s < f->emin)
			s = -f->emin;       /* subnormal: fewer bits */
		bshl(&n, num, s > 0 ? s : 0);
		bshl(&d, den, s < 0 ? -s : 0);
		q = 0;
		for (i = f->p + 1; i >= 0; i--) {
			bshl(&t, &d, i);
			if (bcmp_(&n, &t) >= 0) {
				bsub(&n, &t);
				q |= one << i;
			}
		}
		if (q < one << f->p)
			break;
		s--;
	}
	/* n is the remainder: compare 2n with d */
	bshl(&t, &n, 1);
	c = bcmp_(&t, &d);
	if (c > 0 || (c == 0 && (q & 1)))
		q++;
	if (q == one << f->p) {
		q >>= 1;
		s--;
	}
	if (q == 0)
		return 0;
	if (q < one << (f->p - 1))
		return q;                    /* subnormal, exponent field 0 */
	if (-s + f->p - 1 > f->emax)
		return (uint64_t)(2 * f->emax + 1) << (f->p - 1);   /* inf */
	return (uint64_t)(-s + f->p - 1 + f->emax) << (f->p - 1)
		| (q - (one << (f->p - 1)));
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
prefix(const char *s, const char *word)
{
	while (*word)
		if (lower(*s++) != *word++)
			return 0;
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exponent digits after e or p, if any; *s moves past them. */
static long
exponent(const char **s)
{
	const char *p;
	long e;
	int neg;

	p = *s + 1;
	neg = *p == '-';
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	for (e = 0; *p >= '0' && *p <= '9'; p++)
		if (e < 100000)
			e = 10 * e + (*p - '0');
	*s = p;
	return neg ? -e : e;
}

/* Parse s; store the magnitude's IEEE bits for format f in *bits and
 * return the end of the number (s itself when there is none). */
static const char *
parse(const char *s, const struct fmt *f, uint64_t *bits, int *neg)
{
	static struct big num, den;
	const char *p, *digits;
	long e, ndig;
	int c, any, sticky, point, hex;

	p = s;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	*neg = *p == '-';
	if (*p == '+' || *p == '-')
		p++;
	*bits = 0;
	if (prefix(p, "inf")) {
		*bits = (uint64_t)(2 * f->emax + 1) << (f->p - 1);
		return p + (prefix(p, "infinity") ? 8 : 3);
	}
	if (prefix(p, "nan")) {
		*bits = (uint64_t)(4 * f->emax + 3) << (f->p - 2);
		p += 3;
		if (*p == '(') {
			for (digits = p + 1; *digits == '_' || hexval(*digits) >= 0
			|| (lower(*digits) >= 'a' && lower(*digits) <= 'z'); digits++)
				;
			if (*digits == ')')
				p = digits + 1;
		}
		return p;
	}
	hex = p[0] == '0' && lower(p[1]) == 'x'
		&& (hexval(p[2]) >= 0 || (p[2] == '.' && hexval(p[3]) >= 0));
	if (hex)
		p += 2;
	bset(&num, 0);
	e = 0;
	ndig = 0;
	any = 0;
	sticky = 0;
	point = 0;
	for (;; p++) {
		if (*p == '.' && !point) {
			point = 1;
			continue;
		}
		c = hex ? hexval(*p) : (*p >= '0' && *p <= '9' ? *p - '0' : -1);
		if (c < 0)
			break;
		any = 1;
		if (ndig == 0 && c == 0) {
			if (point)
				e -= hex ? 4 : 1;
			continue;
		}
		if (ndig < (hex ? MAXHEX : MAXDIG)) {
			bmuladd(&num, hex ? 16 : 10, c);
			ndig++;
			if (point)
				e -= hex ? 4 : 1;
		} else {
			sticky |= c != 0;
			if (!point)
				e += hex ? 4 : 1;
		}
	}
	if (!any) {
		*neg = 0;
		return s;
	}
	if (lower(*p) == (hex ? 'p' : 'e'))
		e += exponent(&p);
	if (num.n == 0)
		return p;
	if (sticky) {
		/* digits beyond MAXDIG only matter as "a little more" */
		bmuladd(&num, hex ? 16 : 10, 1);
		e -= hex ? 4 : 1;
	}
	if (hex) {
		/* value = num * 2^e */
		if (bbits(&num) + e > f->emax + 1) {
			*bits = (uint64_t)(2 * f->emax + 1) << (f->p - 1);
			return p;
		}
		if (bbits(&num) + e < f->emin - 2)
			return p;
		bset(&den, 1);
		if (e >= 0)
			bshl(&num, &num, e);
		else
			bshl(&den, &den, -e);
	} else {
		/* value = num * 10^e. Clamp what is far outside the format
		 * (with margin for the digit estimate) to keep numbers small. */
		ndig = (bbits(&num) * 3) / 10 + 1;
		if (ndig + e > (f->emax * 301) / 1000 + 10) {
			*bits = (uint64_t)(2 * f->emax + 1) << (f->p - 1);
			return p;
		}
		if (ndig + e < (f->emin * 301) / 1000 - 5)
			return p;
		if (e >= 0) {
			while (e-- > 0)
				bmuladd(&num, 10, 0);
			bset(&den, 1);
		} else
			bpow(&den, 10, -e);
	}
	*bits = round_quotient(&num, &den, f);
	return p;
}

/* double arithmetic without excess precision (SSE, not x87) */
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ == 0
#define EXACTFP 1
#else
#define EXACTFP 0
#endif

/* Clinger's fast path: a decimal of at most 19 digits whose value m is
 * below 2^53, scaled by 10^e with |e| <= 22: m and 10^|e| are exact
 * doubles, so the one IEEE multiplication or division rounds correctly
 * (round to nearest, SSE arithmetic). Most of QBE's d_ literals are such
 * numbers; the rest, and anything unusual, go to parse(). */
static const char *
quick(const char *s, double *v)
{
	static const double pow10[23] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	const char *p;
	uint64_t m;
	int e, x, xneg, nd, any, point;

	p = s;
	if (*p == '+' || *p == '-')
		p++;
	m = 0;
	e = nd = any = point = 0;
	for (;; p++) {
		if (*p == '.' && !point) {
			point = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		any = 1;
		if (m == 0 && *p == '0') {
			e -= point;
			continue;
		}
		if (++nd > 19)
			return 0;
		m = m * 10 + (*p - '0');
		e -= point;
	}
	if (!any || *p == 'x' || *p == 'X')   /* "0x": hex is parse()'s */
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		xneg = *p == '-';
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return 0;
		for (x = 0; *p >= '0' && *p <= '9'; p++)
			if ((x = x * 10 + (*p - '0')) > 1000)
				return 0;
		e += xneg ? -x : x;
	}
	if (m >> 53 || e < -22 || e > 22 || !EXACTFP)
		return 0;
	*v = e < 0 ? (double)m / pow10[-e] : (double)m * pow10[e];
	return p;
}

double
shim_strtod(const char *s, char **end)
{
	union { uint64_t u; double d; } v;
	const char *p;
	int neg;

	p = s;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	neg = *p == '-';
	if ((p = quick(p, &v.d))) {
		if (end)
			*end = (char *)p;
		if (neg)
			v.u |= (uint64_t)1 << 63;
		return v.d;
	}
	p = parse(s, &fdouble, &v.u, &neg);
	if (end)
		*end = (char *)p;
	if (neg)
		v.u |= (uint64_t)1 << 63;
	return v.d;
}

float
shim_strtof(const char *s, char **end)
{
	union { uint32_t u; float f; } v;
	const char *p;
	uint64_t bits;
	int neg;

	p = parse(s, &ffloat, &bits, &neg);
	if (end)
		*end = (char *)p;
	v.u = (uint32_t)bits;
	if (neg)
		v.u |= (uint32_t)1 << 31;
	return v.f;
}
