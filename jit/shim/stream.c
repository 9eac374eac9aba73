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

int
shim_vfprintf(struct shim_file *f, const char *fmt, va_list ap)
{
	va_list aq;
	char small[128];
	int n;

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
