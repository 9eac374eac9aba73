/*
 * catch.c - catch points on aarch64 until the exception handlers take
 * them: exit() in a payload and the hooks the payload runner calls.
 *
 * What works here: trap_catch() saves the caller's callee-saved
 * registers (x19-x30, sp, d8-d15) and trap_exit() returns into it a
 * second time with 2, as kernel.h says, so a payload's exit(3) ends the
 * payload and not the run.  What does not yet: a CPU exception in a
 * payload is not caught (the vectors in trap.c end the run with a PANIC
 * line, naming the exception), there is no watchdog (watchdog_arm does
 * nothing, so a payload that never returns hangs until the harness's
 * timeout).  Every definition is weak: the exception handlers and the
 * timer replace them as they land.  (W^X is real: mmu.c's vm_protect,
 * which also does the I-cache maintenance when code becomes executable.)
 */
#include "kernel.h"

static struct trap_catch *catcher __attribute__((used));
static uint64_t saved[22] __attribute__((used));	/* x19-x30, sp, d8-d15 */

/* The setjmp half, a tail call so the registers saved are the caller's. */
__asm__(
	"	.text\n"
	"	.weak	trap_catch\n"
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

__attribute__((weak)) void trap_uncatch(void)
{
	catcher = 0;
}

__attribute__((weak)) void trap_exit(long status)
{
	struct trap_catch *c = catcher;

	if (!c)
		trap_exit_uncaught(status);
	catcher = 0;
	c->vector = TRAP_EXIT;
	c->error = (uint64_t)status;
	back_to_catcher(2);
}

__attribute__((weak)) void trap_exit_uncaught(long status)
{
	panic("exit(%ld) called outside a payload", status);
}

__attribute__((weak)) const char *trap_hint(int vector, uint64_t error, uint64_t cr2)
{
	return "";
}

__attribute__((weak)) void watchdog_arm(uint64_t ms)
{
}

__attribute__((weak)) void watchdog_disarm(void)
{
}
