/*
 * libm.c - the little of stdlib that JIT-compiled C needs beyond klib.h
 * (see jit/exports.txt).  The math library is kernel_lib/libm/.
 */
#include "kernel.h"
#include "klib.h"

/* A payload that aborts stops with an invalid-opcode fault, which the
 * kernel's catch point reports and contains like any other fault. */
void abort(void)
{
	__builtin_trap();
}

/* exit() in a payload ends its main with that status, as a return would
 * (the payload runner's catch point takes it: kernel.h trap_exit). */
void exit(int status)
{
	trap_exit(status);
}
