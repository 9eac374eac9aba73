/*
 * entry.S - the aarch64 kernel's entry on QEMU virt, and its exception vectors.
 *
 * QEMU -kernel with an ELF loads the segments at their physical addresses
 * and jumps to _start with the MMU off, at the highest exception level
 * the CPU has (EL1 on -cpu cortex-a72; EL2 with virtualization=on).  We
 * run at EL1, on the boot stack in .bss, with FP/SIMD enabled (kfmt
 * prints doubles), then call kmain.
 */
#include "config.h"

#define CURRENTEL_EL2	(2 << 2)
#define HCR_EL2_RW	(1 << 31)	/* EL1 is AArch64 */
#define SPSR_EL1H_MASKED 0x3c5		/* EL1h, D, A, I, F masked */
#define CNTHCTL_EL1PCEN	3		/* EL1 may read the physical counter and timer */
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
	ldr	x0, =boot_stack_top
	mov	sp, x0
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
 * aligned (VBAR_EL1's low 11 bits are zero).  Every entry saves x0-x30
 * and calls trap_entry(frame, kind) (kernel_lib/arch/aarch64/trap.c),
 * which reports the exception and ends the run: none returns.
 */
#define FRAME	(32 * 8)

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
	str	x30, [sp, #240]
	mov	x0, sp
	bl	trap_entry
4:	wfe
	b	4b

	.section .bss
	.balign	8
	.global boot_entry_el
boot_entry_el:			/* the exception level QEMU entered _start at */
	.quad	0
	.balign	4096
	.global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.space	JB_STACK_SIZE
boot_stack_top:
