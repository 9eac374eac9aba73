/*
 * format.c - kfmt, the one formatting core: the kernel's printf family
 * (kernel_lib/printf.c) and the library of JIT'd code (stdio.c), in the
 * kernel and in the host twin alike.
 *
 * Floating point is converted exactly: the double m * 2^e is expanded into a
 * big decimal number (base 10^9 limbs), which is then rounded half-to-even
 * at the requested digit, so the output matches glibc's digit for digit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memmove(void *dst, const void *src, size_t n);
size_t strlen(const char *s);
char *strchr(const char *s, int c);
int kfmt(void (*emit)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

enum {
	F_MINUS = 1 << 0,	/* '-': left-justify */
	F_PLUS  = 1 << 1,	/* '+': always print a sign */
	F_SPACE = 1 << 2,	/* ' ': space where a '+' would go */
	F_ALT   = 1 << 3,	/* '#': alternate form */
	F_ZERO  = 1 << 4,	/* '0': pad with zeros */
	F_UPPER = 1 << 5,	/* X E F G */
};

static const char flag_chars[] = "-+ #0";	/* in the order of the F_ bits */

enum { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T, L_BIG_L };

#define MAX_PREC 500		/* float precision cap: bounds the buffers below */

struct out {
	void (*emit)(void *ctx, char c);
	void *ctx;
	long n;
};

static void
put(struct out *o, char c)
{
	o->emit(o->ctx, c);
	o->n++;
}

static void
put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void
put_s(struct out *o, const char *s, int n)
{
	while (n-- > 0)
		put(o, *s++);
}

/*
 * Emit a converted field: prefix (sign, "0x"), then body, padded to width.
 * Zero padding goes between prefix and body, space padding outside both.
 */
static void
field(struct out *o, int flags, int width, const char *prefix,
	const char *body, int len, int zeros)
{
	int plen = strlen(prefix);
	int pad = width - plen - zeros - len;

	if (!(flags & (F_MINUS | F_ZERO)))
		put_n(o, ' ', pad);
	put_s(o, prefix, plen);
	if (flags & F_ZERO && !(flags & F_MINUS))
		put_n(o, '0', pad);
	put_n(o, '0', zeros);
	put_s(o, body, len);
	if (flags & F_MINUS)
		put_n(o, ' ', pad);
}

/* ---- integers ---- */

static void
fmt_int(struct out *o, uint64_t v, int neg, int base, int flags,
	int width, int prec)
{
	const char *digits = flags & F_UPPER ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24], prefix[3] = "";
	int len = 0, zeros;

	for (; v; v /= base)
		buf[sizeof buf - ++len] = digits[v % base];
	if (prec < 0)
		prec = 1;
	else
		flags &= ~F_ZERO;	/* an explicit precision overrides '0' */
	zeros = prec > len ? prec - len : 0;

	if (base == 10) {
		if (neg)
			prefix[0] = '-';
		else if (flags & F_PLUS)
			prefix[0] = '+';
		else if (flags & F_SPACE)
			prefix[0] = ' ';
	} else if (flags & F_ALT) {
		if (base == 8 && zeros == 0 && (len == 0 || buf[sizeof buf - len] != '0'))
			zeros = 1;	/* octal: the result starts with 0 */
		if (base == 16 && len > 0) {
			prefix[0] = '0';
			prefix[1] = flags & F_UPPER ? 'X' : 'x';
		}
	}
	field(o, flags, width, prefix, buf + sizeof buf - len, len, zeros);
}

/* ---- floating point ---- */

#define LIMB 1000000000u	/* 10^9 */
#define MAX_LIMBS 130		/* 2 + ceil(1074/9) fraction limbs; 36 integer limbs */
#define MAX_DIGITS (MAX_LIMBS * 9)

/*
 * Exact significant decimal digits of the finite, non-zero value |x|:
 * digits d[0..*nd) without leading or trailing zeros, and the decimal
 * exponent of d[0], so |x| = d[0].d[1]d[2]... * 10^*e10.
 */
static void
fp_digits(double x, char *d, int *nd, int *e10)
{
	uint32_t a[MAX_LIMBS];	/* big-endian base-10^9 limbs */
	int n, ip;		/* limb count; the first ip limbs are the integer part */
	uint64_t bits, m;
	int e, i, z, k;

	__builtin_memcpy(&bits, &x, sizeof bits);
	e = (bits >> 52) & 0x7ff;
	m = bits & ((1ull << 52) - 1);
	if (e) {
		m |= 1ull << 52;	/* normal: implicit leading 1 */
		e -= 1075;		/* bias 1023 plus the 52 fraction bits */
	} else {
		e = -1074;		/* subnormal */
	}
	a[0] = m / LIMB;
	a[1] = m % LIMB;
	n = ip = 2;

	/* Multiply by 2^e in steps of at most 2^29 (limb * 2^29 + carry fits). */
	while (e > 0) {
		int sh = e < 29 ? e : 29;
		uint64_t carry = 0;

		for (i = n - 1; i >= 0; i--) {
			uint64_t t = ((uint64_t)a[i] << sh) + carry;
			a[i] = t % LIMB;
			carry = t / LIMB;
		}
		if (carry) {
			__builtin_memmove(a + 1, a, n * sizeof a[0]);
			a[0] = carry;
			n++, ip++;
		}
		e -= sh;
	}
	/* Divide by 2^-e in steps of at most 2^9: 10^9 is divisible by 2^9, so
	 * the remainder always converts exactly into one more fraction limb. */
	while (e < 0) {
		int sh = -e < 9 ? -e : 9;
		uint32_t rem = 0;

		for (i = 0; i < n; i++) {
			uint64_t t = a[i] + (uint64_t)rem * LIMB;
			a[i] = t >> sh;
			rem = t & ((1u << sh) - 1);
		}
		if (rem)
			a[n++] = rem * (LIMB >> sh);
		e += sh;
	}

	for (z = 0; a[z] == 0; z++)
		;
	/* First limb without leading zeros, the others with all 9 digits. */
	k = 0;
	for (i = z; i < n; i++) {
		char t[9];
		int j, w = 0;
		uint32_t v = a[i];

		for (j = 8; j >= 0; j--, v /= 10)
			t[j] = '0' + v % 10;
		if (i == z)
			while (t[w] == '0')
				w++;
		if (i == z)
			*e10 = (ip - 1 - z) * 9 + (8 - w);
		for (j = w; j < 9; j++)
			d[k++] = t[j];
	}
	while (d[k - 1] == '0')
		k--;
	*nd = k;
}

/*
 * Round the digit string to keep significant digits, half to even, which is
 * what glibc does in the default rounding mode (the digits are exact, so a
 * tie is a tie).  keep may be <= 0: the value then rounds to 0 or to one
 * unit of the first kept position.
 */
static void
fp_round(char *d, int *nd, int *e10, int keep)
{
	int up, i;

	if (keep >= *nd)
		return;
	if (keep < 0) {
		*nd = 0;
		return;
	}
	up = d[keep] > '5' || (d[keep] == '5' &&
		(keep + 1 < *nd || (keep > 0 && (d[keep - 1] - '0') & 1)));
	*nd = keep;
	if (up) {
		for (i = keep - 1; i >= 0 && d[i] == '9'; i--)
			;
		if (i < 0) {
			d[0] = '1';
			*nd = 1;
			++*e10;
		} else {
			d[i]++;
			*nd = i + 1;
		}
	}
	while (*nd > 0 && d[*nd - 1] == '0')
		--*nd;
}

static char
digit_at(const char *d, int nd, int i)
{
	return i >= 0 && i < nd ? d[i] : '0';
}

/* %f body: integer digits, then prec fraction digits. */
static int
body_f(char *b, const char *d, int nd, int e10, int prec, int alt)
{
	int k = 0, i;

	if (e10 < 0 || nd == 0)
		b[k++] = '0';
	else
		for (i = 0; i <= e10; i++)
			b[k++] = digit_at(d, nd, i);
	if (prec > 0 || alt)
		b[k++] = '.';
	for (i = 1; i <= prec; i++)
		b[k++] = digit_at(d, nd, nd ? e10 + i : -1);
	return k;
}

/* %e body: d.ddd then e+XX (at least two exponent digits). */
static int
body_e(char *b, const char *d, int nd, int e10, int prec, int alt, int upper)
{
	int k = 0, i, x = nd ? e10 : 0;
	char t[8];
	int tn = 0;

	b[k++] = digit_at(d, nd, 0);
	if (prec > 0 || alt)
		b[k++] = '.';
	for (i = 1; i <= prec; i++)
		b[k++] = digit_at(d, nd, i);
	b[k++] = upper ? 'E' : 'e';
	b[k++] = x < 0 ? '-' : '+';
	if (x < 0)
		x = -x;
	do
		t[tn++] = '0' + x % 10;
	while ((x /= 10));
	if (tn < 2)
		t[tn++] = '0';
	while (tn)
		b[k++] = t[--tn];
	return k;
}

/* %g: strip trailing fraction zeros (and a bare point) unless '#'. */
static int
strip_zeros(char *b, int k)
{
	int dot, end, i;

	for (dot = 0; dot < k && b[dot] != '.'; dot++)
		;
	if (dot == k)
		return k;
	for (end = dot + 1; end < k && b[end] >= '0' && b[end] <= '9'; end++)
		;
	i = end;
	while (i > dot + 1 && b[i - 1] == '0')
		i--;
	if (i == dot + 1)
		i = dot;
	memmove(b + i, b + end, k - end);
	return k - (end - i);
}

static void
fmt_float(struct out *o, double x, char conv, int flags, int width, int prec)
{
	static const char *const special[] = { "inf", "nan", "INF", "NAN" };
	char d[MAX_DIGITS], b[MAX_DIGITS + MAX_PREC + 16], prefix[2] = "";
	int nd = 0, e10 = 0, k, upper = flags & F_UPPER, alt = flags & F_ALT;
	uint64_t bits;

	__builtin_memcpy(&bits, &x, sizeof bits);
	if (bits >> 63)
		prefix[0] = '-';
	else if (flags & F_PLUS)
		prefix[0] = '+';
	else if (flags & F_SPACE)
		prefix[0] = ' ';
	if (((bits >> 52) & 0x7ff) == 0x7ff) {	/* all-ones exponent: inf or NaN */
		int nan = (bits & ((1ull << 52) - 1)) != 0;
		const char *s = special[nan + (upper ? 2 : 0)];
		field(o, flags & ~F_ZERO, width, prefix, s, 3, 0);
		return;
	}
	if (prec < 0)
		prec = 6;
	if (prec > MAX_PREC)
		prec = MAX_PREC;
	if (x != 0)
		fp_digits(x, d, &nd, &e10);

	switch (conv) {
	case 'f':
		fp_round(d, &nd, &e10, e10 + 1 + prec);
		k = body_f(b, d, nd, e10, prec, alt);
		break;
	case 'e':
		fp_round(d, &nd, &e10, prec + 1);
		k = body_e(b, d, nd, e10, prec, alt, upper);
		break;
	default: {	/* 'g': P significant digits, style chosen by exponent */
		int p = prec ? prec : 1, x10;

		fp_round(d, &nd, &e10, p);
		x10 = nd ? e10 : 0;
		if (p > x10 && x10 >= -4)
			k = body_f(b, d, nd, x10, p - 1 - x10, alt);
		else
			k = body_e(b, d, nd, x10, p - 1, alt, upper);
		if (!alt)
			k = strip_zeros(b, k);
	}
	}
	field(o, flags, width, prefix, b, k, 0);
}

/* ---- the format loop ---- */

static int64_t
arg_signed(va_list *ap, int len)
{
	switch (len) {
	case L_HH: return (signed char)va_arg(*ap, int);
	case L_H:  return (short)va_arg(*ap, int);
	case L_L:  return va_arg(*ap, long);
	case L_LL: return va_arg(*ap, long long);
	case L_Z:  return va_arg(*ap, long);		/* ssize_t */
	case L_J:  return va_arg(*ap, int64_t);		/* intmax_t */
	case L_T:  return va_arg(*ap, long);		/* ptrdiff_t */
	default:   return va_arg(*ap, int);
	}
}

static uint64_t
arg_unsigned(va_list *ap, int len)
{
	switch (len) {
	case L_HH: return (unsigned char)va_arg(*ap, unsigned);
	case L_H:  return (unsigned short)va_arg(*ap, unsigned);
	case L_L:  return va_arg(*ap, unsigned long);
	case L_LL: return va_arg(*ap, unsigned long long);
	case L_Z:  return va_arg(*ap, size_t);
	case L_J:  return va_arg(*ap, uint64_t);
	case L_T:  return va_arg(*ap, unsigned long);
	default:   return va_arg(*ap, unsigned);
	}
}

static int
parse_len(const char **fp)
{
	const char *f = *fp;
	int len = L_NONE;

	switch (*f) {
	case 'h': len = f[1] == 'h' ? (f++, L_HH) : L_H; break;
	case 'l': len = f[1] == 'l' ? (f++, L_LL) : L_L; break;
	case 'q': len = L_LL; break;
	case 'z': len = L_Z; break;
	case 'j': len = L_J; break;
	case 't': len = L_T; break;
	case 'L': len = L_BIG_L; break;
	default: return L_NONE;
	}
	*fp = f + 1;
	return len;
}

#define INT_MAX_ 0x7fffffff

/* A width or precision written in digits; -1 past INT_MAX. */
static int
digits(const char **fp)
{
	const char *f;
	int v = 0, over = 0;

	for (f = *fp; *f >= '0' && *f <= '9'; f++) {
		if (v > (INT_MAX_ - (*f - '0')) / 10)
			over = 1;
		else
			v = v * 10 + (*f - '0');
	}
	*fp = f;
	return over ? -1 : v;
}

/* The count of characters written, or -1 (as glibc, for EOVERFLOW):
 * for a null format, and where a width or precision would take the
 * count past INT_MAX (output up to that conversion is written). */
int
kfmt(void (*emit)(void *ctx, char c), void *ctx, const char *fmt, va_list ap0)
{
	struct out o = { emit, ctx, 0 };
	va_list ap;
	const char *f;

	if (!fmt)
		return -1;
	va_copy(ap, ap0);
	for (f = fmt; *f; f++) {
		int flags = 0, width = 0, prec = -1, len;
		const char *flag;
		char conv;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		while (*++f && (flag = strchr(flag_chars, *f)))
			flags |= 1 << (flag - flag_chars);
		if (*f == '*') {
			width = va_arg(ap, int);
			if (width < 0)
				flags |= F_MINUS, width = width < -INT_MAX_ ? -1 : -width;
			f++;
		} else
			width = digits(&f);
		if (*f == '.') {
			f++;
			if (*f == '*') {
				prec = va_arg(ap, int);	/* negative: as if omitted */
				f++;
			} else if ((prec = digits(&f)) < 0)
				width = -1;
		}
		len = parse_len(&f);
		conv = *f;
		if (width < 0 || width > INT_MAX_ - o.n
		|| (conv != 's' && prec > INT_MAX_ - o.n)) {
			va_end(ap);
			return -1;
		}
		if (conv == 'X' || conv == 'E' || conv == 'F' || conv == 'G')
			flags |= F_UPPER;

		switch (conv) {
		case 'd': case 'i': {
			int64_t v = arg_signed(&ap, len);
			fmt_int(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, flags, width, prec);
			break;
		}
		case 'u': fmt_int(&o, arg_unsigned(&ap, len), 0, 10, flags & ~(F_PLUS | F_SPACE), width, prec); break;
		case 'o': fmt_int(&o, arg_unsigned(&ap, len), 0, 8, flags, width, prec); break;
		case 'x': case 'X': fmt_int(&o, arg_unsigned(&ap, len), 0, 16, flags, width, prec); break;
		case 'p': {
			void *p = va_arg(ap, void *);
			if (p)
				fmt_int(&o, (uintptr_t)p, 0, 16, flags | F_ALT, width, prec);
			else
				field(&o, flags & ~F_ZERO, width, "", "(nil)", 5, 0);	/* as glibc */
			break;
		}
		case 'c': {
			char c = va_arg(ap, int);
			field(&o, flags & ~F_ZERO, width, "", &c, 1, 0);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;
			if (!s)
				s = "(null)";
			while ((prec < 0 || n < prec) && s[n])
				n++;
			field(&o, flags & ~F_ZERO, width, "", s, n, 0);
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
			double v = len == L_BIG_L ? (double)va_arg(ap, long double) : va_arg(ap, double);
			fmt_float(&o, v, conv | 0x20, flags, width, prec);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case 0:		/* lone '%' at the end */
			f--;
			break;
		default:	/* unknown conversion: print it as written */
			put(&o, '%');
			put(&o, conv);
		}
	}
	va_end(ap);
	return o.n > INT_MAX_ ? -1 : (int)o.n;
}
