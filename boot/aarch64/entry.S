/*
 * entry.S - the aarch64 kernel's entry on QEMU virt, and its exception vectors.
 *
 * QEMU -kernel with an ELF loads the segments at their physical addresses
 * and jumps to _start with the MMU off, at the highest exception level
 * the CPU has (EL1 on -cpu cortex-a72; EL2 with virtualization=on).  We
 * run at EL1, with FP/SIMD enabled (kfmt prints doubles), then call kmain.
 *
 * Two stacks: the kernel runs on SP_EL0 (EL1t), the boot stack in .bss
 * with an unmapped guard page below it (mmu.c); exceptions switch to
 * SP_EL1 (EL1h), the exception stack.  A stack overflow then faults on
 * the guard page and its handler still has a stack to report it from:
 * on one stack the vector's first store would fault again, forever.
 */
#include "config.h"

#define CURRENTEL_EL2	(2 << 2)
#define HCR_EL2_RW	(1 << 31)	/* EL1 is AArch64 */
#define SPSR_EL1H_MASKED 0x3c5		/* EL1h, D, A, I, F masked */
#define CNTHCTL_EL1PCEN	3		/* EL1 may read the physical counter and timer */
#define EXCEPTION_STACK_SIZE 16384
#define CPACR_FPEN	(3 << 20)	/* no trap on FP/SIMD at EL0 and EL1 */

	.section .text.boot, "ax"
	.global _start
_start:
	mrs	x19, CurrentEL		/* kept for kmain's report: boot_entry_el */
	cmp	x19, #CURRENTEL_EL2
	b.ne	at_el1
	/* Entered at EL2: make EL1 AArch64, give it the timer, and eret to
	 * at_el1 with interrupts masked. */
	mov	x0, #HCR_EL2_RW
	msr	hcr_el2, x0
	mov	x0, #CNTHCTL_EL1PCEN
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #SPSR_EL1H_MASKED
	msr	spsr_el2, x0
	adr	x0, at_el1
	msr	elr_el2, x0
	eret

at_el1:
	ldr	x0, =exception_stack_top
	mov	sp, x0			/* SP_EL1: exceptions */
	msr	spsel, #0
	ldr	x0, =boot_stack_top
	mov	sp, x0			/* SP_EL0: the kernel */
	mov	x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	ldr	x0, =exception_vectors
	msr	vbar_el1, x0
	isb
	/* Clear .bss (8-byte aligned by the linker script); the stack is in
	 * it, but nothing is on it yet. */
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	lsr	x19, x19, #2
	ldr	x0, =boot_entry_el
	str	x19, [x0]
	bl	kmain
3:	wfe
	b	3b

/*
 * The vector table: 16 entries of 128 bytes (4 kinds x 4 origins), 2 KiB
 * aligned (VBAR_EL1's low 11 bits are zero).  Every entry saves x0-x30,
 * the interrupted SP_EL0, ELR_EL1 and SPSR_EL1 (struct frame in
 * kernel_lib/arch/aarch64/trap.c) and calls trap_entry(frame, vector).
 * When it returns (an interrupt handled, a fault caught by a catch
 * point) the frame, which it may have rewritten, is restored and eret
 * resumes it.
 */
#define FRAME		(34 * 8)
#define FRAME_SP	(31 * 8)
#define FRAME_ELR	(32 * 8)
#define FRAME_SPSR	(33 * 8)

	.macro	vector kind
	.balign	0x80
	sub	sp, sp, #FRAME
	stp	x0, x1, [sp, #0]
	mov	x1, #\kind
	b	save_rest
	.endm

	.section .text, "ax"
	.balign	0x800
	.global exception_vectors
exception_vectors:
	.irp	k, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vector	\k
	.endr

save_rest:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x2, sp_el0
	stp	x30, x2, [sp, #240]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #FRAME_ELR]
	mov	x0, sp
	bl	trap_entry
	ldp	x2, x3, [sp, #FRAME_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x30, x2, [sp, #240]
	msr	sp_el0, x2
	ldp	x28, x29, [sp, #224]
	ldp	x26, x27, [sp, #208]
	ldp	x24, x25, [sp, #192]
	ldp	x22, x23, [sp, #176]
	ldp	x20, x21, [sp, #160]
	ldp	x18, x19, [sp, #144]
	ldp	x16, x17, [sp, #128]
	ldp	x14, x15, [sp, #112]
	ldp	x12, x13, [sp, #96]
	ldp	x10, x11, [sp, #80]
	ldp	x8, x9, [sp, #64]
	ldp	x6, x7, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #FRAME
	eret

	.section .bss
	.balign	8
	.global boot_entry_el
boot_entry_el:			/* the exception level QEMU entered _start at */
	.quad	0
	.balign	16
exception_stack:
	.space	EXCEPTION_STACK_SIZE
exception_stack_top:
	.balign	4096
	.global boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:		/* unmapped by mmu.c: an overflow faults here */
	.space	4096
boot_stack_bottom:
	.space	JB_STACK_SIZE
boot_stack_top:
