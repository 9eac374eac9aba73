/* setjmp/longjmp of JIT'd code, and clock().
 *
 * A jmp_buf (lc_jmp_buf in libc.h, jmp_buf in include/setjmp.h) keeps
 * what the ABI says a call preserves: on x86-64 (SysV) rbx, rbp,
 * r12-r15, the stack pointer after setjmp returns and its return
 * address; on AArch64 (AAPCS64) x19-x28, the frame pointer x29, the
 * link register x30 (where setjmp returns to), sp and d8-d15.  longjmp restores
 * them and returns into setjmp's caller a second time with val (1 when
 * val is 0).  JIT'd code follows the ABI, so nothing else needs saving;
 * the SSE control word and MXCSR are not changed by QBE's code. */
#include "libc.h"

#if defined(__aarch64__)
__asm__(
	"	.text\n"
	"	.globl	lc_setjmp\n"
	"	.type	lc_setjmp, %function\n"
	"lc_setjmp:\n"
	"	stp	x19, x20, [x0, #0]\n"
	"	stp	x21, x22, [x0, #16]\n"
	"	stp	x23, x24, [x0, #32]\n"
	"	stp	x25, x26, [x0, #48]\n"
	"	stp	x27, x28, [x0, #64]\n"
	"	stp	x29, x30, [x0, #80]\n"
	"	mov	x2, sp\n"
	"	str	x2, [x0, #96]\n"
	"	stp	d8, d9, [x0, #104]\n"
	"	stp	d10, d11, [x0, #120]\n"
	"	stp	d12, d13, [x0, #136]\n"
	"	stp	d14, d15, [x0, #152]\n"
	"	mov	w0, #0\n"
	"	ret\n"
	"	.size	lc_setjmp, . - lc_setjmp\n"
	"	.globl	lc_longjmp\n"
	"	.type	lc_longjmp, %function\n"
	"lc_longjmp:\n"
	"	ldp	x19, x20, [x0, #0]\n"
	"	ldp	x21, x22, [x0, #16]\n"
	"	ldp	x23, x24, [x0, #32]\n"
	"	ldp	x25, x26, [x0, #48]\n"
	"	ldp	x27, x28, [x0, #64]\n"
	"	ldp	x29, x30, [x0, #80]\n"
	"	ldr	x2, [x0, #96]\n"
	"	mov	sp, x2\n"
	"	ldp	d8, d9, [x0, #104]\n"
	"	ldp	d10, d11, [x0, #120]\n"
	"	ldp	d12, d13, [x0, #136]\n"
	"	ldp	d14, d15, [x0, #152]\n"
	"	cmp	w1, #0\n"
	"	csinc	w0, w1, wzr, ne\n"	/* longjmp(b, 0) returns 1 */
	"	ret\n"
	"	.size	lc_longjmp, . - lc_longjmp\n");
#else
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
#endif

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
