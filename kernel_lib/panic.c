/* panic.c - the way out after a fault or a broken invariant (qemu_exit is
 * per architecture: kernel_lib/arch/). */
#include "kernel.h"
#include "ktest.h"

static void emit_serial(void *ctx, char c)
{
	serial_putc(c);
}

void panic(const char *fmt, ...)
{
	static int panicking;
	const char *indent;
	va_list ap;

	/* A fault while panicking (say, in the formatter) must still end the
	 * run with the panic code, not recurse. */
	if (panicking++) {
		static const char nested[] = JB_PANIC " nested panic\n";

		serial_write(nested, sizeof nested - 1);
		qemu_exit(JB_EXIT_PANIC);
	}
	indent = ktest_panic_flush();
	serial_write(indent, strlen(indent));
	serial_write(JB_PANIC " ", sizeof JB_PANIC);
	va_start(ap, fmt);
	kfmt(emit_serial, 0, fmt, ap);
	va_end(ap);
	serial_putc('\n');
	qemu_exit(JB_EXIT_PANIC);
}
