/* The error exit. QBE reports a bad program with err() or die(), which
 * print to stderr and call exit() or abort(). Here those jump back to
 * shim_try(), whose caller turns the stderr text into a jit_error: a
 * bad module is an error return, never a stopped kernel. */
#include "shim.h"
#include "libc.h"

/* __builtin_setjmp needs no libc and saves only what the compiler
 * cannot rebuild: frame pointer, resume address, stack pointer. */
static void *jmp[5];
static int armed;

int
shim_try(void (*fn)(void *), void *arg)
{
	if (__builtin_setjmp(jmp)) {
		armed = 0;
		return -1;
	}
	armed = 1;
	fn(arg);
	armed = 0;
	return 0;
}

void
shim_exit(int status)
{
	(void)status;
	/* Nobody to return to is a bug in our driver: trap loudly. */
	if (!armed)
		__builtin_trap();
	__builtin_longjmp(jmp, 1);
}

void
shim_abort(void)
{
	shim_exit(134);
}

void
shim_assert_fail(const char *expr, const char *file, int line)
{
	shim_fprintf(shim_stderr, "%s:%d: assertion failed: %s\n",
		file, line, expr);
	shim_exit(134);
}

void
shim_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	shim_vfprintf(shim_stderr, fmt, ap);
	va_end(ap);
	shim_fputc('\n', shim_stderr);
	shim_exit(1);
}
