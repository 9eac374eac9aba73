/*
 * catch.c - catch points on aarch64 (kernel.h): the payload runner's way
 * to survive a payload that faults, runs too long or calls exit().
 *
 * trap_catch() saves the caller's callee-saved registers (x19-x30, sp,
 * d8-d15), like setjmp.  An exception the vectors take while it is armed
 * (trap.c) comes to catch_fault(), which records it in the catch point
 * and rewrites the exception frame so that eret lands in
 * back_to_catcher(1): the saved registers come back, sp with them, and
 * trap_catch returns a second time, with 1.  The faulting code's stack
 * is never used on the way: the vectors run on SP_EL1 (entry.S) and
 * back_to_catcher switches SP_EL0 to the catcher's, so a payload that ran
 * its stack into the guard page is caught like any other fault.  The
 * rewritten SPSR returns at EL1t with interrupts masked, whatever the
 * payload had; trap_exit() masks them itself.
 */
#include "kernel.h"
#include "aarch64.h"

#define SPSR_EL1T_MASKED 0x3c4		/* EL1t; D, A, I, F masked */

static struct trap_catch *catcher __attribute__((used));
static uint64_t saved[22] __attribute__((used));	/* x19-x30, sp, d8-d15 */

/* The setjmp half, a tail call so the registers saved are the caller's. */
__asm__(
	"	.text\n"
	"	.globl	trap_catch\n"
	"	.type	trap_catch, %function\n"
	"trap_catch:\n"
	"	adrp	x1, catcher\n"
	"	str	x0, [x1, :lo12:catcher]\n"
	"	adrp	x0, saved\n"
	"	add	x0, x0, :lo12:saved\n"
	"	stp	x19, x20, [x0, #0]\n"
	"	stp	x21, x22, [x0, #16]\n"
	"	stp	x23, x24, [x0, #32]\n"
	"	stp	x25, x26, [x0, #48]\n"
	"	stp	x27, x28, [x0, #64]\n"
	"	stp	x29, x30, [x0, #80]\n"
	"	mov	x1, sp\n"
	"	str	x1, [x0, #96]\n"
	"	stp	d8, d9, [x0, #104]\n"
	"	stp	d10, d11, [x0, #120]\n"
	"	stp	d12, d13, [x0, #136]\n"
	"	stp	d14, d15, [x0, #152]\n"
	"	mov	w0, #0\n"
	"	ret\n"
	"	.size	trap_catch, . - trap_catch\n"
	/* back_to_catcher(value): trap_catch returns value a second time */
	"	.type	back_to_catcher, %function\n"
	"back_to_catcher:\n"
	"	mov	w2, w0\n"
	"	adrp	x0, saved\n"
	"	add	x0, x0, :lo12:saved\n"
	"	ldp	x19, x20, [x0, #0]\n"
	"	ldp	x21, x22, [x0, #16]\n"
	"	ldp	x23, x24, [x0, #32]\n"
	"	ldp	x25, x26, [x0, #48]\n"
	"	ldp	x27, x28, [x0, #64]\n"
	"	ldp	x29, x30, [x0, #80]\n"
	"	ldr	x1, [x0, #96]\n"
	"	mov	sp, x1\n"
	"	ldp	d8, d9, [x0, #104]\n"
	"	ldp	d10, d11, [x0, #120]\n"
	"	ldp	d12, d13, [x0, #136]\n"
	"	ldp	d14, d15, [x0, #152]\n"
	"	mov	w0, w2\n"
	"	ret\n"
	"	.size	back_to_catcher, . - back_to_catcher\n");

void back_to_catcher(int value) __attribute__((noreturn));

void trap_uncatch(void)
{
	catcher = 0;
}

int catch_fault(struct frame *f, uint64_t vector, uint64_t error, uint64_t addr)
{
	struct trap_catch *c = catcher;

	if (!c)
		return 0;
	catcher = 0;		/* a fault in the catcher itself is fatal */
	c->vector = vector;
	c->error = error;
	c->cr2 = addr;
	c->fault_rip = f->elr;
	c->fault_rsp = f->sp;
	c->fault_rbp = f->x[29];
	c->fault_lr = f->x[30];
	f->elr = (uintptr_t)back_to_catcher;
	f->x[0] = 1;
	f->spsr = SPSR_EL1T_MASKED;
	return 1;
}

void trap_exit(long status)
{
	struct trap_catch *c;

	/* The watchdog's interrupt must not find the catch point gone. */
	__asm__ volatile("msr daifset, #2" : : : "memory");
	c = catcher;
	if (!c)
		trap_exit_uncaught(status);
	catcher = 0;
	c->vector = TRAP_EXIT;
	c->error = (uint64_t)status;
	back_to_catcher(2);
}

void trap_exit_uncaught(long status)
{
	panic("exit(%ld) called outside a payload", status);
}
