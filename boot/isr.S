/*
 * isr.S - entry stubs for the 32 CPU exception vectors.
 *
 * The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some vectors, an error
 * code.  Each stub pushes a dummy error code when the CPU does not, then the
 * vector number, so every frame has the same shape (struct trapframe in
 * kernel_lib/trap.c), and jumps to trap_common, which saves the general
 * registers and calls trap(frame).
 */

/* Vectors for which the CPU pushes an error code (SDM vol. 3A, 6.15):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. */
#define HAS_ERRCODE(n) \
	((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.code64
	.section .text

	.macro	isr n
	.type	isr\n, @function
isr\n:
	.if	!HAS_ERRCODE(\n)
	pushq	$0
	.endif
	pushq	$\n
	jmp	trap_common
	.size	isr\n, . - isr\n
	.endm

	.altmacro
	.set	i, 0
	.rept	32
	isr	%i
	.set	i, i + 1
	.endr

	.type	trap_common, @function
trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld				/* the C ABI assumes DF=0 on entry */
	movq	%rsp, %rdi		/* struct trapframe * */
	movq	%rsp, %rbx		/* callee-saved: survives the call */
	andq	$-16, %rsp		/* the ABI wants 16-byte alignment at calls */
	call	trap
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq
	.size	trap_common, . - trap_common

/* Table of the stub addresses, indexed by vector, for trap_init(). */
	.section .rodata
	.balign	8
	.globl	isr_table
	.macro	isr_entry n
	.quad	isr\n
	.endm
isr_table:
	.set	i, 0
	.rept	32
	isr_entry %i
	.set	i, i + 1
	.endr
	.size	isr_table, . - isr_table

/* No executable stack: tells ld this object needs none. */
	.section .note.GNU-stack, "", @progbits
