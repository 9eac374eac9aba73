/* stdio.h of JIT'd code: formatted output (kfmt, the kernel's one
 * formatting core), stdout and stderr, and read-only files: data files
 * handed to the kernel as multiboot modules, or files of the host's file
 * system under jitrun, read whole into memory at fopen. */
#include "libc.h"

#define LC_EOF (-1)

static LC_FILE out = { .fd = 1, .ungot = -1 };
static LC_FILE err = { .fd = 2, .ungot = -1 };
LC_FILE *lc_stdout = &out;
LC_FILE *lc_stderr = &err;

/* Output gathered in a small buffer, so a line is one write. */
struct sink {
	int fd;
	size_t n;
	char buf[256];
};

static void
drain(struct sink *k)
{
	if (k->n)
		lc_write(k->fd, k->buf, k->n);
	k->n = 0;
}

static void
emit_sink(void *ctx, char c)
{
	struct sink *k = ctx;

	if (k->n == sizeof k->buf)
		drain(k);
	k->buf[k->n++] = c;
}

static int
writable(LC_FILE *f)
{
	if (f && f->fd > 0)
		return 1;
	if (f)
		f->err = 1;
	return 0;
}

int
lc_vfprintf(LC_FILE *f, const char *fmt, va_list ap)
{
	struct sink k;
	int r;

	if (!writable(f))
		return -1;
	k.fd = f->fd;
	k.n = 0;
	r = kfmt(emit_sink, &k, fmt, ap);
	drain(&k);
	return r;
}

int
lc_fprintf(LC_FILE *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = lc_vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int
lc_vprintf(const char *fmt, va_list ap)
{
	return lc_vfprintf(lc_stdout, fmt, ap);
}

int
lc_printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = lc_vfprintf(lc_stdout, fmt, ap);
	va_end(ap);
	return r;
}

struct strbuf {
	char *p;
	size_t n, len;          /* capacity (with the NUL), bytes produced */
};

static void
emit_str(void *ctx, char c)
{
	struct strbuf *sb = ctx;

	if (sb->len + 1 < sb->n)
		sb->p[sb->len] = c;
	sb->len++;
}

int
lc_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct strbuf sb = { buf, n, 0 };
	int r;

	if (!buf)               /* only counted (sprintf(NULL, ...): glibc faults) */
		sb.n = n = 0;
	r = kfmt(emit_str, &sb, fmt, ap);
	if (n)
		buf[sb.len < n ? sb.len : n - 1] = 0;
	return r;
}

int
lc_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = lc_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int
lc_vsprintf(char *buf, const char *fmt, va_list ap)
{
	return lc_vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
}

int
lc_sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = lc_vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
	va_end(ap);
	return r;
}

size_t
lc_fwrite(const void *p, size_t size, size_t n, LC_FILE *f)
{
	if (!writable(f) || size == 0 || n == 0)
		return 0;
	lc_write(f->fd, p, size * n);
	return n;
}

int
lc_fputc(int c, LC_FILE *f)
{
	char b = (char)c;

	if (!writable(f))
		return LC_EOF;
	lc_write(f->fd, &b, 1);
	return (unsigned char)c;
}

int
lc_putc(int c, LC_FILE *f)
{
	return lc_fputc(c, f);
}

int
lc_putchar(int c)
{
	return lc_fputc(c, lc_stdout);
}

int
lc_fputs(const char *s, LC_FILE *f)
{
	if (!writable(f))
		return LC_EOF;
	lc_write(f->fd, s, strlen(s));
	return 1;
}

int
lc_puts(const char *s)
{
	struct sink k;

	k.fd = 1;
	k.n = 0;
	while (*s)
		emit_sink(&k, *s++);
	emit_sink(&k, '\n');
	drain(&k);
	return 1;
}

/* Output is written through: nothing waits in the library. */
int
lc_fflush(LC_FILE *f)
{
	(void)f;
	return 0;
}

LC_FILE *
lc_fopen(const char *path, const char *mode)
{
	LC_FILE *f;

	/* read-only: "r", "rb", "rt" */
	if (mode[0] != 'r' || (mode[1] && ((mode[1] != 'b' && mode[1] != 't') || mode[2])))
		return NULL;
	f = malloc(sizeof *f);
	if (!f)
		return NULL;
	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->ungot = -1;
	if (lc_data_open(path, &f->buf, &f->len, &f->owned) != 0) {
		free(f);
		return NULL;
	}
	return f;
}

int
lc_fclose(LC_FILE *f)
{
	if (!f || f->fd > 0)
		return f ? 0 : LC_EOF;
	lc_data_close(f->owned);
	free(f);
	return 0;
}

static int
readable(LC_FILE *f)
{
	if (f && f->fd < 0)
		return 1;
	if (f)
		f->err = 1;
	return 0;
}

int
lc_fgetc(LC_FILE *f)
{
	int c;

	if (!readable(f))
		return LC_EOF;
	if (f->ungot >= 0) {
		c = f->ungot;
		f->ungot = -1;
		return c;
	}
	if (f->pos >= f->len) {
		f->eof = 1;
		return LC_EOF;
	}
	return (unsigned char)f->buf[f->pos++];
}

int
lc_getc(LC_FILE *f)
{
	return lc_fgetc(f);
}

/* There is no standard input: a payload reads files. */
int
lc_getchar(void)
{
	return LC_EOF;
}

int
lc_ungetc(int c, LC_FILE *f)
{
	if (c == LC_EOF || !readable(f) || f->ungot >= 0)
		return LC_EOF;
	f->ungot = (unsigned char)c;
	f->eof = 0;
	return f->ungot;
}

char *
lc_fgets(char *s, int n, LC_FILE *f)
{
	int i, c;

	if (n <= 0 || !readable(f))
		return NULL;
	for (i = 0; i < n - 1; ) {
		c = lc_fgetc(f);
		if (c == LC_EOF)
			break;
		s[i++] = (char)c;
		if (c == '\n')
			break;
	}
	if (i == 0 && n > 1)
		return NULL;
	s[i] = 0;
	return s;
}

size_t
lc_fread(void *p, size_t size, size_t n, LC_FILE *f)
{
	unsigned char *d = p;
	size_t want, got;
	int c;

	if (!readable(f) || size == 0 || n == 0)
		return 0;
	want = size * n;
	got = 0;
	if (f->ungot >= 0 && want) {
		c = lc_fgetc(f);
		d[got++] = (unsigned char)c;
	}
	if (want - got > f->len - f->pos) {
		memcpy(d + got, f->buf + f->pos, f->len - f->pos);
		got += f->len - f->pos;
		f->pos = f->len;
		f->eof = 1;
	} else {
		memcpy(d + got, f->buf + f->pos, want - got);
		f->pos += want - got;
		got = want;
	}
	return got / size;
}

int
lc_feof(LC_FILE *f)
{
	return f ? f->eof : 0;
}

int
lc_ferror(LC_FILE *f)
{
	return f ? f->err : 0;
}

void
lc_clearerr(LC_FILE *f)
{
	if (f)
		f->eof = f->err = 0;
}

long
lc_ftell(LC_FILE *f)
{
	if (!readable(f))
		return -1;
	return (long)f->pos - (f->ungot >= 0);
}

/* SEEK_SET 0, SEEK_CUR 1, SEEK_END 2, within the file. */
int
lc_fseek(LC_FILE *f, long off, int whence)
{
	long base;

	if (!readable(f))
		return -1;
	base = whence == 0 ? 0 : whence == 1 ? lc_ftell(f) : whence == 2 ? (long)f->len : -1;
	if (base < 0 || off < -base || base + off > (long)f->len)
		return -1;
	f->pos = base + off;
	f->ungot = -1;
	f->eof = 0;
	return 0;
}

void
lc_rewind(LC_FILE *f)
{
	lc_fseek(f, 0, 0);
	lc_clearerr(f);
}
