/* Memory-backed FILE streams for QBE: the IL comes in from a buffer,
 * the assembly and the error messages go out to growable buffers. */
#include "shim.h"
#include "libc.h"

static struct shim_file errfile;
struct shim_file *shim_stderr = &errfile;

void
shim_open_input(struct shim_file *f, const char *buf, size_t len)
{
	memset(f, 0, sizeof *f);
	f->in = buf;
	f->inlen = len;
}

void
shim_open_output(struct shim_file *f)
{
	memset(f, 0, sizeof *f);
}

char *
shim_take_output(struct shim_file *f, size_t *len)
{
	char *s;

	if (!f->out)
		shim_fputs("", f);
	s = f->out;
	if (len)
		*len = f->outlen;
	memset(f, 0, sizeof *f);
	return s;
}

void
shim_close(struct shim_file *f)
{
	free(f->out);
	memset(f, 0, sizeof *f);
}

int
shim_fgetc(struct shim_file *f)
{
	if (f->inpos >= f->inlen)
		return SHIM_EOF;
	return (unsigned char)f->in[f->inpos++];
}

/* Memory input can always step back over what it just read; pushing
 * back EOF is a no-op as in C. */
int
shim_ungetc(int c, struct shim_file *f)
{
	if (c == SHIM_EOF || f->inpos == 0)
		return SHIM_EOF;
	f->inpos--;
	return c;
}

/* Make room for n more bytes plus the NUL. Running out of memory is a
 * compile error: QBE does not check its writes. */
static char *
reserve(struct shim_file *f, size_t n)
{
	size_t cap;
	char *p;

	if (f->outlen + n + 1 > f->outcap) {
		cap = f->outcap ? f->outcap : 4096;
		while (cap < f->outlen + n + 1)
			cap *= 2;
		p = realloc(f->out, cap);
		if (!p) {
			if (f == shim_stderr)
				shim_exit(1);
			shim_fail("out of memory for %zu bytes of output", cap);
		}
		f->out = p;
		f->outcap = cap;
	}
	return f->out + f->outlen;
}

static void
put(struct shim_file *f, const char *s, size_t n)
{
	memcpy(reserve(f, n), s, n);
	f->outlen += n;
	f->out[f->outlen] = 0;
}

int
shim_fputc(int c, struct shim_file *f)
{
	char ch;

	ch = c;
	put(f, &ch, 1);
	return (unsigned char)c;
}

int
shim_fputs(const char *s, struct shim_file *f)
{
	put(f, s, strlen(s));
	return 0;
}

/* QBE's emitters write the assembly text in thousands of short pieces
 * ("\t%s %s, %s\n", "%d(%%rbp)", "%+ld"), and vsnprintf's set-up costs
 * more than the formatting: the conversions they use (d i u x c s %,
 * flags - + space 0, a width, length h hh l ll z j) are done here,
 * straight into the output, the same characters C's printf writes.
 * Anything else (a precision, '*', floats) returns -1 without touching
 * ap, and vsnprintf does it. */
static int
quickok(const char *p)
{
	int zero;

	for (; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		zero = 0;
		for (; *p == '-' || *p == '+' || *p == ' ' || *p == '0'; p++)
			zero |= *p == '0';
		while (*p >= '0' && *p <= '9')
			p++;
		while (*p == 'h' || *p == 'l' || *p == 'z' || *p == 'j')
			p++;
		switch (*p) {
		case 'c': case 's':
			if (zero)
				return 0;   /* undefined in C: printf's business */
			break;
		case 'd': case 'i': case 'u': case 'x': case '%':
			break;
		default:
			return 0;
		}
	}
	return 1;
}

static void
pad(struct shim_file *f, int c, int n)
{
	char *p;

	if (n <= 0)
		return;
	p = reserve(f, n);
	memset(p, c, n);
	f->outlen += n;
	f->out[f->outlen] = 0;
}

static int
quickfmt(struct shim_file *f, const char *fmt, va_list *ap)
{
	const char *p, *s;
	char num[24], *q, sign;
	unsigned long long u;
	long long v;
	int left, plus, space, zero, width, nl, nh, conv, len, total;

	total = 0;
	for (p = fmt; *p; p++) {
		for (s = p; *p && *p != '%'; p++)
			;
		if (p > s) {
			put(f, s, p - s);
			total += p - s;
		}
		if (!*p)
			break;
		left = plus = space = zero = width = nl = nh = 0;
		for (p++;; p++) {
			if (*p == '-') left = 1;
			else if (*p == '+') plus = 1;
			else if (*p == ' ') space = 1;
			else if (*p == '0') zero = 1;
			else break;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + *p - '0';
		for (;; p++) {
			if (*p == 'l') nl++;
			else if (*p == 'h') nh++;
			else if (*p == 'z' || *p == 'j') nl = 2;
			else break;
		}
		conv = *p;
		sign = 0;
		q = num + sizeof num;
		switch (conv) {
		case '%':
			put(f, "%", 1);
			total++;
			continue;
		case 'c':
			*--q = (char)va_arg(*ap, int);
			zero = 0;
			break;
		case 's':
			s = va_arg(*ap, const char *);
			if (!s)
				s = "(null)";
			len = strlen(s);
			if (!left)
				pad(f, ' ', width - len);
			put(f, s, len);
			if (left)
				pad(f, ' ', width - len);
			total += len > width ? len : width;
			continue;
		case 'd': case 'i':
			if (nl >= 2)
				v = va_arg(*ap, long long);
			else if (nl == 1)
				v = va_arg(*ap, long);
			else {
				v = va_arg(*ap, int);
				if (nh == 1)
					v = (short)v;
				else if (nh >= 2)
					v = (signed char)v;
			}
			u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			sign = v < 0 ? '-' : plus ? '+' : space ? ' ' : 0;
			do
				*--q = '0' + u % 10;
			while (u /= 10);
			break;
		default:   /* u x */
			if (nl >= 2)
				u = va_arg(*ap, unsigned long long);
			else if (nl == 1)
				u = va_arg(*ap, unsigned long);
			else {
				u = va_arg(*ap, unsigned);
				if (nh == 1)
					u = (unsigned short)u;
				else if (nh >= 2)
					u = (unsigned char)u;
			}
			if (conv == 'x')
				do
					*--q = "0123456789abcdef"[u % 16];
				while (u /= 16);
			else
				do
					*--q = '0' + u % 10;
				while (u /= 10);
		}
		len = num + sizeof num - q + (sign != 0);
		if (!left && !(zero && conv != 'c'))
			pad(f, ' ', width - len);
		if (sign)
			put(f, &sign, 1);
		if (!left && zero && conv != 'c')
			pad(f, '0', width - len);
		put(f, q, num + sizeof num - q);
		if (left)
			pad(f, ' ', width - len);
		total += len > width ? len : width;
	}
	return total;
}

int
shim_vfprintf(struct shim_file *f, const char *fmt, va_list ap)
{
	va_list aq;
	char small[128];
	int n;

	if (quickok(fmt)) {
		va_copy(aq, ap);
		n = quickfmt(f, fmt, &aq);
		va_end(aq);
		return n;
	}

	/* Most of QBE's writes are short: format once into a stack buffer
	 * and only measure-then-format for the long ones. */
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof small, fmt, aq);
	va_end(aq);
	if (n < 0)
		return n;
	if ((size_t)n < sizeof small) {
		put(f, small, n);
		return n;
	}
	vsnprintf(reserve(f, n), n + 1, fmt, ap);
	f->outlen += n;
	return n;
}

int
shim_fprintf(struct shim_file *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = shim_vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

static int
isspace_c(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The input is not NUL terminated: copy the run of characters that can
 * belong to a number (strtod then takes its longest valid prefix). */
static char *
scan_copy(struct shim_file *f)
{
	size_t i, n;
	char *s;
	int c;

	for (n = f->inpos; n < f->inlen; n++) {
		c = f->in[n];
		if (!(c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')
		|| (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			break;
	}
	n -= f->inpos;
	s = malloc(n + 1);
	if (!s)
		shim_fail("out of memory");
	for (i = 0; i < n; i++)
		s[i] = f->in[f->inpos + i];
	s[n] = 0;
	return s;
}

/* fscanf, as much of it as QBE's lexer uses: literal characters,
 * white space, and the float conversions %f %lf (%e %g alike). A
 * mismatched literal is left unread, as in C. */
int
shim_fscanf(struct shim_file *f, const char *fmt, ...)
{
	va_list ap;
	char *s, *end;
	size_t used;
	int n, c, isdouble;
	double d;

	va_start(ap, fmt);
	for (n = 0; *fmt; fmt++) {
		if (*fmt == ' ' || *fmt == '\t' || *fmt == '\n') {
			while ((c = shim_fgetc(f)) != SHIM_EOF && isspace_c(c))
				;
			shim_ungetc(c, f);
			continue;
		}
		if (*fmt != '%') {
			c = shim_fgetc(f);
			if (c != (unsigned char)*fmt) {
				shim_ungetc(c, f);
				break;
			}
			continue;
		}
		fmt++;
		isdouble = *fmt == 'l';
		if (isdouble)
			fmt++;
		if (*fmt != 'f' && *fmt != 'e' && *fmt != 'g')
			shim_fail("fscanf: unsupported conversion %%%c", *fmt);
		while (f->inpos < f->inlen && isspace_c(f->in[f->inpos]))
			f->inpos++;
		s = scan_copy(f);
		if (isdouble)
			d = shim_strtod(s, &end);
		else
			d = shim_strtof(s, &end);
		used = end - s;
		free(s);
		if (used == 0)
			break;
		f->inpos += used;
		if (isdouble)
			*va_arg(ap, double *) = d;
		else
			*va_arg(ap, float *) = (float)d;
		n++;
	}
	va_end(ap);
	return n;
}
