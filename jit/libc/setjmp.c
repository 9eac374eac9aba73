/* setjmp/longjmp of JIT'd code, and clock().
 *
 * A jmp_buf (lc_jmp_buf in libc.h, jmp_buf in include/setjmp.h) keeps
 * what the SysV ABI says a call preserves: rbx, rbp, r12-r15, the stack
 * pointer after setjmp returns and its return address.  longjmp restores
 * them and returns into setjmp's caller a second time with val (1 when
 * val is 0).  JIT'd code follows the ABI, so nothing else needs saving;
 * the SSE control word and MXCSR are not changed by QBE's code. */
#include "libc.h"

__asm__(
	"	.text\n"
	"	.globl	lc_setjmp\n"
	"	.type	lc_setjmp, @function\n"
	"lc_setjmp:\n"
	"	movq	%rbx, 0(%rdi)\n"
	"	movq	%rbp, 8(%rdi)\n"
	"	movq	%r12, 16(%rdi)\n"
	"	movq	%r13, 24(%rdi)\n"
	"	movq	%r14, 32(%rdi)\n"
	"	movq	%r15, 40(%rdi)\n"
	"	leaq	8(%rsp), %rdx\n"	/* rsp once setjmp has returned */
	"	movq	%rdx, 48(%rdi)\n"
	"	movq	(%rsp), %rdx\n"		/* where it returns to */
	"	movq	%rdx, 56(%rdi)\n"
	"	xorl	%eax, %eax\n"
	"	ret\n"
	"	.size	lc_setjmp, . - lc_setjmp\n"
	"	.globl	lc_longjmp\n"
	"	.type	lc_longjmp, @function\n"
	"lc_longjmp:\n"
	"	movl	%esi, %eax\n"
	"	testl	%eax, %eax\n"
	"	jnz	1f\n"
	"	incl	%eax\n"			/* longjmp(b, 0) returns 1 */
	"1:	movq	0(%rdi), %rbx\n"
	"	movq	8(%rdi), %rbp\n"
	"	movq	16(%rdi), %r12\n"
	"	movq	24(%rdi), %r13\n"
	"	movq	32(%rdi), %r14\n"
	"	movq	40(%rdi), %r15\n"
	"	movq	48(%rdi), %rsp\n"
	"	jmp	*56(%rdi)\n"
	"	.size	lc_longjmp, . - lc_longjmp\n");

/* clock(): processor time as CLOCKS_PER_SEC (1000000) ticks since the
 * first call, from the TSC ((clock_t)-1 when its rate is unknown).  A payload has
 * the CPU to itself, so elapsed time is its processor time. */
long
lc_clock(void)
{
	static uint64_t start;
	uint64_t hz, t;

	t = rdtsc();
	if (!start)
		start = t;
	hz = tsc_hz();
	if (!hz)
		return -1;
	t -= start;
	return (long)(t / hz * 1000000 + t % hz * 1000000 / hz);
}
