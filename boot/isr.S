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

/* The gate of isolated payloads (int $0x80, TRAP_GATE in kernel.h): from
 * ring 3 only (the IDT entry has DPL 3), on the TSS's rsp0 stack; trap()
 * hands it to isolation_gate() and iretq returns to ring 3 with rax. */
	.globl	isr_gate
	.type	isr_gate, @function
isr_gate:
	pushq	$0
	pushq	$0x80
	jmp	trap_common
	.size	isr_gate, . - isr_gate

/*
 * Hardware interrupts: the 8259 PICs deliver IRQ 0-15 on vectors 0x20-0x2f
 * (kernel_lib/watchdog.c remaps them there, off the exception vectors, and
 * masks every line but IRQ0, the PIT).  Interrupts are enabled only while a
 * payload's main runs, so these stubs interrupt JIT'd code (or a kernel
 * function it called) at any instruction.  That code's SSE registers are
 * live and kernel C may use SSE, so the common paths stay in assembly and
 * touch only the general registers they save.
 */
#define IRQ_BASE	0x20		/* vector of IRQ0 */
#define PIC1_CMD	0x20		/* master 8259: IRQ 0-7 */
#define PIC2_CMD	0xA0		/* slave 8259: IRQ 8-15, cascaded on master IRQ2 */
#define PIC_EOI		0x20		/* OCW2: non-specific end of interrupt */
#define PIC_READ_ISR	0x0B		/* OCW3: next read of the command port gives the ISR */

/* IRQ0, the PIT tick (100 Hz): is the running payload past its deadline
 * (watchdog_deadline, in TSC cycles, or watchdog_ticks counted down to 0,
 * whichever comes first: watchdog_plan in kernel_lib/tsc_pick.c)?  If
 * not, acknowledge and resume it.  If so, acknowledge, then leave like
 * an exception with vector IRQ_BASE (TRAP_TIMEOUT in kernel.h): trap()
 * unwinds to the payload's catch point.
 * The flags the tests change come back with iretq. */
	.type	irq0, @function
irq0:
	pushq	%rax
	pushq	%rdx
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	cmpq	watchdog_deadline(%rip), %rax
	jae	1f
	decq	watchdog_ticks(%rip)	/* 0 when unused: goes negative, never back to 0 */
	jz	1f
	movb	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
	popq	%rdx
	popq	%rax
	iretq
1:	cmpl	$0, watchdog_hold(%rip)
	je	2f
	/* Inside a heap operation: stopping here would leave the heap broken
	 * for every later module.  Try again on the next tick (ticks = 1 makes
	 * the tick-counting mode come back here too). */
	movq	$1, watchdog_ticks(%rip)
	movb	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
	popq	%rdx
	popq	%rax
	iretq
2:	movb	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
	popq	%rdx
	popq	%rax
	pushq	$0			/* error code */
	pushq	$IRQ_BASE		/* "vector": the timeout */
	jmp	trap_common
	.size	irq0, . - irq0

/* Every other IRQ line is masked, but a PIC raises a spurious IRQ7 (or the
 * slave an IRQ15) when a request goes away before the CPU acknowledges
 * it.  A spurious IRQ is not in service (its ISR bit is clear) and must
 * not be acknowledged, or the EOI would end some other, real interrupt;
 * a spurious IRQ15 did reach the master as IRQ2, which does need its EOI.
 * A real interrupt on a masked line (a mask race) is acknowledged and
 * ignored. */
	.macro	irq_master n
	.type	irq\n, @function
irq\n:
	pushq	%rax
	movb	$PIC_READ_ISR, %al
	outb	%al, $PIC1_CMD
	inb	$PIC1_CMD, %al
	testb	$(1 << \n), %al
	jz	1f			/* spurious */
	movb	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
1:	popq	%rax
	iretq
	.size	irq\n, . - irq\n
	.endm

	.macro	irq_slave n
	.type	irq\n, @function
irq\n:
	pushq	%rax
	movb	$PIC_READ_ISR, %al
	outb	%al, $PIC2_CMD
	inb	$PIC2_CMD, %al
	testb	$(1 << (\n - 8)), %al
	jz	1f			/* spurious: only the master's IRQ2 is in service */
	movb	$PIC_EOI, %al
	outb	%al, $PIC2_CMD
1:	movb	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
	popq	%rax
	iretq
	.size	irq\n, . - irq\n
	.endm

	.set	i, 1
	.rept	7
	irq_master %i
	.set	i, i + 1
	.endr
	.rept	8
	irq_slave %i
	.set	i, i + 1
	.endr

/* Tables of the stub addresses, indexed by vector, for trap_init(). */
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

	.globl	irq_table
	.macro	irq_entry n
	.quad	irq\n
	.endm
irq_table:
	.set	i, 0
	.rept	16
	irq_entry %i
	.set	i, i + 1
	.endr
	.size	irq_table, . - irq_table

/* No executable stack: tells ld this object needs none. */
	.section .note.GNU-stack, "", @progbits
