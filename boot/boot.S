/*
 * boot.S - multiboot entry: 32-bit protected mode -> 64-bit long mode -> kmain.
 *
 * The bootloader (QEMU -kernel or GRUB) loads the ELF32 container of the
 * kernel and jumps to _start32 in 32-bit protected mode with paging off,
 * EAX = multiboot magic, EBX = physical address of the multiboot info.
 * Nothing else is set up for us: no stack, no usable GDT, interrupts in an
 * unknown state.  This file does the minimum to reach C in long mode:
 *
 *   1. save EAX/EBX, clear .bss, check the magic and the CPU features;
 *   2. build page tables identity mapping 0..4 GiB with 2 MiB pages;
 *   3. enable PAE, SSE, EFER.LME + EFER.NXE, then paging (-> long mode);
 *   4. far jump to a 64-bit code segment, load data segments and the stack;
 *   5. call kmain(magic, info).
 *
 * Finer protection (page 0, W^X for the kernel sections, the stack guard
 * page) is applied later from C by vm_init(), which splits the 2 MiB pages
 * that need it.
 */
#include "config.h"
#include "protocol.h"	/* JB_EXIT_PANIC, JB_DEBUG_EXIT_PORT */

/* Multiboot (v1) header, see the Multiboot Specification 0.6.96, section 3.1. */
#define MB_HEADER_MAGIC		0x1BADB002	/* identifies the header */
#define MB_BOOT_MAGIC		0x2BADB002	/* what the loader leaves in EAX */
#define MB_FLAG_PAGE_ALIGN	(1 << 0)	/* load modules on 4 KiB boundaries */
#define MB_FLAG_MEMINFO		(1 << 1)	/* we want mem_* and the memory map */
/* Bit 16 (the "a.out kludge") stays clear: the loader reads our ELF headers. */
#define MB_HEADER_FLAGS		(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO)

/* Control registers and MSRs (Intel SDM vol. 3A, 2.5 and 2.2.1). */
#define CR0_MP		(1 << 1)	/* monitor coprocessor: WAIT honours TS */
#define CR0_EM		(1 << 2)	/* x87 emulation: must be 0 for SSE */
#define CR0_TS		(1 << 3)	/* task switched: would trap on SSE use */
#define CR0_NE		(1 << 5)	/* native x87 error reporting (#MF), as Linux sets it */
#define CR0_WP		(1 << 16)	/* write protect: read-only pages bind ring 0 too */
#define CR0_PG		(1 << 31)	/* paging */
#define CR4_PAE		(1 << 5)	/* 64-bit page table entries, required by long mode */
#define CR4_OSFXSR	(1 << 9)	/* OS supports FXSAVE/FXRSTOR: enables SSE */
#define CR4_OSXMMEXCPT	(1 << 10)	/* SIMD FP exceptions raise #XM, not #UD */
#define MSR_EFER	0xC0000080	/* extended feature enable register */
#define EFER_LME	(1 << 8)	/* long mode enable (active once CR0.PG=1) */
#define EFER_NXE	(1 << 11)	/* honour the NX bit (63) in page entries */

/* CPUID leaf 0x80000001, EDX bits. */
#define CPUID_EXT_MAX	0x80000000
#define CPUID_EXT_FEAT	0x80000001
#define CPUID_NX	(1 << 20)
#define CPUID_LM	(1 << 29)

/* Page table entry bits (SDM vol. 3A, 4.5). */
#define PTE_P		(1 << 0)	/* present */
#define PTE_W		(1 << 1)	/* writable */
#define PTE_PS		(1 << 7)	/* in a page directory entry: 2 MiB page */
#define PAGE_SIZE	0x1000
#define LARGE_PAGE_SIZE	0x200000	/* 2 MiB */
#define PD_COUNT	4		/* 4 page directories x 1 GiB = 4 GiB */
#define PD_ENTRIES	512

/*
 * GDT descriptors (SDM vol. 3A, 3.4.5).  In long mode base and limit are
 * ignored for code and data; what matters is P (present), S (code/data),
 * the type, DPL 0 and for code L=1 (64-bit) with D=0.
 *   0x00AF9A000000FFFF: G=1 L=1 P=1 DPL=0 S=1 type=0xA (execute/read)
 *   0x00CF92000000FFFF: G=1 D/B=1 P=1 DPL=0 S=1 type=0x2 (read/write)
 */
#define GDT_CODE64	0x00AF9A000000FFFF
#define GDT_DATA	0x00CF92000000FFFF
/* The same with DPL 3, for isolated payloads at ring 3 (access bytes 0xFA
 * and 0xF2); selectors 0x2b and 0x33 with RPL 3 (jit/kernel/isolate.c). */
#define GDT_USER_DATA	0x00CFF2000000FFFF
#define GDT_USER_CODE64	0x00AFFA000000FFFF
#define KERNEL_CS	0x08		/* selectors: index * 8 */
#define KERNEL_DS	0x10
/* 0x18: 16-byte TSS descriptor, filled in by trap_init() (kernel_lib/trap.c) */
/* 0x28: user data, 0x30: user code */

/* Devices used before C runs. */
#define COM1		0x3F8		/* 16550 UART data register */
#define COM1_LSR	(COM1 + 5)	/* line status register */
#define LSR_THRE	(1 << 5)	/* transmit holding register empty */

#if JB_STACK_SIZE % PAGE_SIZE
#error "stack_size must be a multiple of 4 KiB (the guard page below it is a page)"
#endif

/* ------------------------------------------------------------------ */
	.section .multiboot, "a"
	.balign 4
multiboot_header:
	.long	MB_HEADER_MAGIC
	.long	MB_HEADER_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_HEADER_FLAGS)	/* checksum: the three sum to 0 */

/* ------------------------------------------------------------------ */
	.section .text.boot, "ax"
	.code32
	.globl	_start32
	.type	_start32, @function
_start32:
	cli
	cld
	/* Save the loader's registers before anything clobbers them; .data, not
	 * .bss, because .bss is cleared next. */
	movl	%eax, mb_boot_magic
	movl	%ebx, mb_boot_info
	/* The TSC at kernel entry, so boot time can be measured from here
	 * rather than from CPU reset (which includes the firmware). */
	rdtsc
	movl	%eax, boot_tsc
	movl	%edx, boot_tsc + 4

	/* Clear .bss: the loaders zero it, but we rely on it (page tables). */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	$boot_stack_top, %esp

	cmpl	$MB_BOOT_MAGIC, mb_boot_magic
	jne	bad_magic

	/* Long mode and NX must exist, or the MSR write below would #GP with
	 * no IDT, i.e. a silent triple fault. */
	movl	$CPUID_EXT_MAX, %eax
	cpuid
	cmpl	$CPUID_EXT_FEAT, %eax
	jb	no_long_mode
	movl	$CPUID_EXT_FEAT, %eax
	cpuid
	testl	$CPUID_LM, %edx
	jz	no_long_mode
	testl	$CPUID_NX, %edx
	jz	no_nx

	/* Identity map 0..4 GiB: PML4[0] -> PDPT, PDPT[0..3] -> PD[0..3],
	 * each PD entry a 2 MiB page.  The kernel is linked below 4 GiB and
	 * runs at its physical address, so this is all the mapping it needs. */
	movl	$boot_pdpt + (PTE_P | PTE_W), boot_pml4

	movl	$boot_pd + (PTE_P | PTE_W), %eax
	xorl	%ecx, %ecx
1:	movl	%eax, boot_pdpt(, %ecx, 8)
	addl	$PAGE_SIZE, %eax
	incl	%ecx
	cmpl	$PD_COUNT, %ecx
	jb	1b

	movl	$(PTE_P | PTE_W | PTE_PS), %eax
	xorl	%ecx, %ecx
2:	movl	%eax, boot_pd(, %ecx, 8)	/* high half stays 0 (cleared .bss) */
	addl	$LARGE_PAGE_SIZE, %eax
	incl	%ecx
	cmpl	$(PD_COUNT * PD_ENTRIES), %ecx
	jb	2b

	/* PAE is required before paging can be turned on in long mode; enable
	 * SSE here too, since C code compiled by gcc may use it anywhere. */
	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl	%eax, %cr4

	movl	$boot_pml4, %eax
	movl	%eax, %cr3

	/* EFER.LME: paging will now enter long mode (IA-32e) instead of 32-bit
	 * paging.  EFER.NXE: bit 63 of an entry means no-execute. */
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr

	/* Paging on: the CPU is now in long mode, compatibility submode (still
	 * running 32-bit code from the loader's code segment).  Also make the
	 * FPU/SSE usable (no emulation, no task-switched trap), and make the
	 * kernel itself obey read-only pages, or W^X would not bind it. */
	movl	%cr0, %eax
	andl	$~(CR0_EM | CR0_TS), %eax
	orl	$(CR0_PG | CR0_MP | CR0_NE | CR0_WP), %eax
	movl	%eax, %cr0

	/* Load our GDT and far jump into its 64-bit code segment: this is what
	 * switches from compatibility mode to 64-bit mode. */
	lgdt	boot_gdt_desc
	ljmp	$KERNEL_CS, $start64

/* Early error paths: print one PANIC line on COM1 and exit via isa-debug-exit. */
bad_magic:
	movl	$msg_bad_magic, %esi
	call	early_puts
	movl	mb_boot_magic, %eax
	call	early_puthex
	movl	$msg_bad_magic2, %esi
	call	early_puts
	jmp	early_exit
no_long_mode:
	movl	$msg_no_lm, %esi
	call	early_puts
	jmp	early_exit
no_nx:
	movl	$msg_no_nx, %esi
	call	early_puts
early_exit:
	movw	$JB_DEBUG_EXIT_PORT, %dx
	movl	$JB_EXIT_PANIC, %eax
	outl	%eax, %dx
3:	cli
	hlt
	jmp	3b

/* early_putc: write %al to COM1, polling until the UART can take it. */
early_putc:
	pushl	%eax
	movw	$COM1_LSR, %dx
1:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	popl	%eax
	movw	$COM1, %dx
	outb	%al, %dx
	ret

/* early_puts: write the NUL-terminated string at %esi. */
early_puts:
	lodsb
	testb	%al, %al
	jz	1f
	call	early_putc
	jmp	early_puts
1:	ret

/* early_puthex: write %eax as 0x%08x. */
early_puthex:
	pushl	%ebx
	movl	%eax, %ebx
	movb	$'0', %al
	call	early_putc
	movb	$'x', %al
	call	early_putc
	movl	$8, %ecx
1:	roll	$4, %ebx
	movl	%ebx, %eax
	andl	$0xf, %eax
	movb	hex_digits(%eax), %al
	call	early_putc
	loop	1b
	popl	%ebx
	ret
	.size	_start32, . - _start32

/* ------------------------------------------------------------------ */
	.code64
	.type	start64, @function
start64:
	/* Data segment registers still hold the loader's selectors; in 64-bit
	 * mode only SS matters for the CPU, but point them all at our GDT. */
	movl	$KERNEL_DS, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp	/* 16-byte aligned: the ABI wants that at calls */
	xorl	%ebp, %ebp		/* end of the frame-pointer chain for backtraces */
	fninit				/* x87 in its default state (MXCSR already is) */
	movl	mb_boot_magic, %edi
	movl	mb_boot_info, %esi
	call	kmain
	/* kmain never returns; if it does, stop rather than run off the end. */
1:	cli
	hlt
	jmp	1b
	.size	start64, . - start64

/* ------------------------------------------------------------------ */
	.section .rodata
hex_digits:
	.ascii	"0123456789abcdef"
/* Each message is JB_PANIC, then its text: .ascii adds no NUL, .asciz ends it. */
msg_bad_magic:
	.ascii	JB_PANIC
	.asciz	" bad multiboot magic "
msg_bad_magic2:
	.asciz	" (expected 0x2badb002): boot this kernel with a multiboot loader (QEMU -kernel or GRUB)\n"
msg_no_lm:
	.ascii	JB_PANIC
	.asciz	" this CPU has no long mode (x86-64); use qemu-system-x86_64 -cpu max\n"
msg_no_nx:
	.ascii	JB_PANIC
	.asciz	" this CPU has no NX bit; use qemu-system-x86_64 -cpu max\n"

/* ------------------------------------------------------------------ */
	.section .data
	.balign	8
	.globl	mb_boot_magic, mb_boot_info
mb_boot_magic:	.long 0
mb_boot_info:	.long 0
	.globl	boot_tsc
boot_tsc:	.quad 0

	.balign	16
	.globl	boot_gdt
boot_gdt:
	.quad	0			/* 0x00: the CPU requires a null descriptor */
	.quad	GDT_CODE64		/* 0x08: KERNEL_CS */
	.quad	GDT_DATA		/* 0x10: KERNEL_DS */
	.quad	0, 0			/* 0x18: TSS, filled by trap_init() */
	.quad	GDT_USER_DATA		/* 0x28: ring 3 data and stack */
	.quad	GDT_USER_CODE64		/* 0x30: ring 3 code */
boot_gdt_end:
	.size	boot_gdt, . - boot_gdt
	.balign	8
boot_gdt_desc:				/* operand of lgdt: limit, then base */
	.word	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt

/* ------------------------------------------------------------------ */
	.section .bss
	.balign	PAGE_SIZE
	.globl	boot_pml4, boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_pml4:	.skip	PAGE_SIZE
boot_pdpt:	.skip	PAGE_SIZE
boot_pd:	.skip	PD_COUNT * PAGE_SIZE

/* vm_init() unmaps the guard page, so overflowing the stack faults (#PF,
 * handled on its own IST stack) instead of silently corrupting .bss. */
boot_stack_guard:	.skip	PAGE_SIZE
boot_stack_bottom:	.skip	JB_STACK_SIZE
boot_stack_top:

/* No executable stack: tells ld this object needs none. */
	.section .note.GNU-stack, "", @progbits
