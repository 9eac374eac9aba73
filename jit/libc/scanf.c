/* sscanf of JIT'd code: C99's conversions d i u o x X p n c s [ and
 * a e f g (upper case too), with widths, '*' and the lengths hh h l ll j
 * z t L.  Numbers are read by the library's own strto* functions over at
 * most width characters. */
#include "libc.h"

#define LC_EOF (-1)

enum { L_INT, L_HH, L_H, L_L, L_LL, L_BIG_L };

static int
length(const char **fp)
{
	const char *f = *fp;
	int len = L_INT;

	if (f[0] == 'h' && f[1] == 'h')
		len = L_HH, f += 2;
	else if (f[0] == 'h')
		len = L_H, f++;
	else if (f[0] == 'l' && f[1] == 'l')
		len = L_LL, f += 2;
	else if (*f == 'l' || *f == 'j' || *f == 'z' || *f == 't')
		len = L_L, f++;
	else if (*f == 'L')
		len = L_BIG_L, f++;
	*fp = f;
	return len;
}

static void
store_int(void *p, int len, unsigned long long v)
{
	switch (len) {
	case L_HH: *(char *)p = (char)v; break;
	case L_H: *(short *)p = (short)v; break;
	case L_L: case L_LL: *(long long *)p = (long long)v; break;
	default: *(int *)p = (int)v; break;
	}
}

/* Does byte c belong to the scanset that starts at *fp (just past '[')?
 * *fp is left past the closing ']'. */
static int
inset(const char *set, int c)
{
	int neg = 0, in = 0;
	const char *p = set;

	if (*p == '^')
		neg = 1, p++;
	if (*p == ']') {
		in |= c == ']';
		p++;
	}
	for (; *p && *p != ']'; p++) {
		if (p[1] == '-' && p[2] && p[2] != ']') {
			in |= (unsigned char)p[0] <= c && c <= (unsigned char)p[2];
			p += 2;
		} else {
			in |= (unsigned char)*p == c;
		}
	}
	return in != neg;
}

static const char *
setend(const char *p)
{
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']')
		p++;
	return p;
}

int
lc_vsscanf(const char *s, const char *fmt, va_list ap)
{
	const char *in = s, *set;
	char buf[512], *end, *q;
	int n = 0, width, skip, len, c, base;
	size_t w, i;
	unsigned long long v;
	double d;
	float f;
	int exp;
	void *dst;

	if (!s || !fmt)
		return LC_EOF;  /* glibc faults */
	for (; *fmt; fmt++) {
		if (lc_isspace((unsigned char)*fmt)) {
			while (lc_isspace((unsigned char)*in))
				in++;
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			fmt += *fmt == '%';
			if (*fmt == '%')
				while (lc_isspace((unsigned char)*in))
					in++;
			if (*in != *fmt)
				return *in || n ? n : LC_EOF;
			in++;
			continue;
		}
		fmt++;
		skip = *fmt == '*';
		fmt += skip;
		width = 0;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)      /* past INT_MAX: no limit */
			width = width > 0x7fffffff / 10 - 1 ? 0x7fffffff : width * 10 + *fmt - '0';
		len = length(&fmt);
		c = *fmt;
		if (c == 'n') {
			if (!skip)
				store_int(va_arg(ap, void *), len, (unsigned long long)(in - s));
			continue;
		}
		if (c != 'c' && c != '[')
			while (lc_isspace((unsigned char)*in))
				in++;
		if (!*in)
			return n ? n : LC_EOF;
		dst = skip ? NULL : va_arg(ap, void *);
		switch (c) {
		case 'c':
			w = width ? width : 1;
			for (i = 0; i < w && in[i]; i++)
				if (dst)
					((char *)dst)[i] = in[i];
			if (i < w)
				return n ? n : LC_EOF;
			in += w;
			break;
		case 's':
		case '[':
			set = fmt + 1;
			if (c == '[')
				fmt = setend(set);
			w = width ? (size_t)width : (size_t)-1;
			for (i = 0; i < w && in[i]; i++) {
				if (c == 's' ? lc_isspace((unsigned char)in[i]) : !inset(set, (unsigned char)in[i]))
					break;
				if (dst)
					((char *)dst)[i] = in[i];
			}
			if (i == 0)
				return n;
			if (dst)
				((char *)dst)[i] = 0;
			in += i;
			break;
		case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'p':
		case 'a': case 'e': case 'f': case 'g': case 'A': case 'E': case 'F': case 'G':
			/* at most width characters, through a copy that ends there */
			w = width && (size_t)width < sizeof buf ? (size_t)width : sizeof buf - 1;
			for (i = 0; i < w && in[i]; i++)
				buf[i] = in[i];
			buf[i] = 0;
			q = buf + (*buf == '+' || *buf == '-');
			if (c == 'a' || c == 'e' || c == 'f' || c == 'g'
			    || c == 'A' || c == 'E' || c == 'F' || c == 'G') {
				/* a float is rounded once, from the decimal; "0x"
				 * without a hex digit after it is glibc's matching
				 * failure */
				if (len == L_INT)
					f = lc_strtof(buf, &end);
				else
					d = lc_strtod(buf, &end);
				if (end == buf || (end == q + 1 && *q == '0' && (q[1] | 32) == 'x'))
					return n;
				if (dst && len == L_INT)
					*(float *)dst = f;
				else if (dst && len == L_BIG_L)
					*(long double *)dst = d;
				else if (dst)
					*(double *)dst = d;
				/* glibc reads an exponent's "e" or "e-" that no digit
				 * follows as part of the number ("1.5ex" leaves "x"),
				 * also "p" of a hex float */
				exp = lc_memchr(buf, 'x', end - buf) || lc_memchr(buf, 'X', end - buf) ? 'p' : 'e';
				if ((*end | 32) == exp && !lc_memchr(buf, exp, end - buf)
				    && !lc_memchr(buf, exp - 32, end - buf)) {
					end++;
					end += *end == '+' || *end == '-';
				}
			} else {
				base = c == 'd' || c == 'u' ? 10 : c == 'i' ? 0 : c == 'o' ? 8 : 16;
				if (c == 'd' || c == 'i')
					v = (unsigned long long)lc_strtoll(buf, &end, base);
				else
					v = lc_strtoull(buf, &end, base);
				if (end == buf)
					return n;
				/* glibc takes "0x" as the prefix even when no hex
				 * digit follows: 0, and the "x" is read */
				if ((base == 16 || base == 0) && end == q + 1 && *q == '0'
				    && (q[1] | 32) == 'x')
					end++;
				if (dst) {
					if (c == 'p')
						*(void **)dst = (void *)(uintptr_t)v;
					else
						store_int(dst, len, v);
				}
			}
			in += end - buf;
			break;
		default:
			return n;
		}
		n += !skip;
	}
	return n;
}

int
lc_sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = lc_vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}
