/*
 * libm.c - the little of libm and stdlib that JIT-compiled C needs beyond
 * klib.h (see jit/exports.txt).  The host twin gets the same names from
 * glibc and libm.
 */
#include "kernel.h"
#include "klib.h"

/* sqrtsd is correctly rounded, as C requires of sqrt. */
double sqrt(double x)
{
	__asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
	return x;
}

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
