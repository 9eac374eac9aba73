/*
 * printf.c - the kernel's printf family, on kfmt (jit/libc/format.c).
 */
#include "kernel.h"
#include "ktest.h"

struct strbuf {
	char *p;
	size_t n, len;		/* capacity (including the NUL), bytes produced */
};

static void emit_str(void *ctx, char c)
{
	struct strbuf *sb = ctx;

	if (sb->len + 1 < sb->n)
		sb->p[sb->len] = c;
	sb->len++;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct strbuf sb = { buf, n, 0 };
	int r = kfmt(emit_str, &sb, fmt, ap);

	if (n)
		buf[sb.len < n ? sb.len : n - 1] = 0;
	return r;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
	va_end(ap);
	return r;
}

/* stdout: captured by the running kernel test, else straight to COM1. */
static void emit_stdout(void *ctx, char c)
{
	if (!ktest_stdout_putc(c))
		serial_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return kfmt(emit_stdout, 0, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int putchar(int c)
{
	emit_stdout(0, c);
	return (unsigned char)c;
}

int puts(const char *s)
{
	while (*s)
		emit_stdout(0, *s++);
	emit_stdout(0, '\n');
	return 1;
}
