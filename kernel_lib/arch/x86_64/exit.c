/* exit.c - ending the run on x86-64: isa-debug-exit. */
#include "kernel.h"
#include "x86.h"

void qemu_exit(int code)
{
	outl(JB_DEBUG_EXIT_PORT, code);	/* QEMU -device isa-debug-exit */
	/* Only reached without the device (or on real hardware): stop here. */
	cpu_halt_forever();
	__builtin_unreachable();
}
