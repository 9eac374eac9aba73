/*
 * ktests_arch.c - aarch64 kernel tests that check the harness sees each
 * way a run can end on this architecture.
 */
#include "kernel.h"
#include "ktest.h"

/* Must end as "PANIC: exception EC=0x25 (data abort) ... FAR=0". */
KTEST(fault_null)
{
	/* In asm: a store through null is undefined behaviour in C. */
	__asm__ volatile("str %w0, [%1]" : : "r"(1), "r"(0ul) : "memory");
	kt_check(t, 0, "the write faulted");
}

/* Spins forever: the harness must time out. */
KTEST(hang)
{
	for (;;)
		__asm__ volatile("yield");
}
