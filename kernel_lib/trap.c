/*
 * trap.c - CPU exceptions: IDT, TSS with IST stacks, catch points, and the
 * report.
 *
 * An exception is fatal unless a catch point is armed (trap_catch): the
 * handler prints one PANIC line with the vector, error code, RIP, CR2 and
 * RSP, then exits with JB_EXIT_PANIC.  A fault must never turn into a
 * silent triple fault, so the handlers run on their own stacks (IST): a
 * page fault caused by overflowing a stack into its guard page cannot push
 * its frame onto that same stack, and a double fault gets a second,
 * separate stack.
 *
 * A catch point lets the payload runner survive JIT'd code that faults:
 * trap_catch() saves the callee-saved registers and the stack pointer, like
 * setjmp; when a fault arrives while it is armed, trap() rewrites the
 * trapframe so that iretq "returns" from trap_catch() a second time, with
 * 1, on the stack of the code that armed it.  iretq also reloads RFLAGS,
 * so the catcher gets interrupts off and DF clear whatever the faulting
 * code left in them.  The payload watchdog (watchdog.c) ends a payload
 * that runs too long the same way, from the PIT's interrupt, with the
 * pseudo-vector TRAP_TIMEOUT.
 */
#include "kernel.h"
#include "x86.h"

#define NVECTORS	32		/* the architecture-defined exceptions */
#define NIRQS		16		/* 8259 lines, on vectors TRAP_TIMEOUT.. (boot/isr.S) */
#define KERNEL_CS	0x08		/* see boot/boot.S */
#define KERNEL_DS	0x10
#define TSS_SEL		0x18
#define TSS_GDT_INDEX	(TSS_SEL / 8)
#define GATE_INTR64	0x8E		/* P=1, DPL=0, type 0xE: 64-bit interrupt gate */
#define GATE_USER	0x60		/* DPL=3: ring 3 may raise it with int */
#define DESC_TSS64	0x89ull		/* P=1, DPL=0, type 0x9: available 64-bit TSS */
#define IST_FAULT	1		/* IST slot for all exceptions but #DF */
#define IST_DOUBLE	2		/* IST slot for #DF */
#define IST_IRQ		3		/* IST slot for hardware interrupts */
#define VEC_DF		8
#define VEC_PF		14
#define IST_SIZE	16384
#define RFLAGS_FIXED	0x2ull		/* bit 1 always reads as 1 */
#define PF_PRESENT	0x1		/* #PF error code: a protection violation, not a missing page */
#define PF_WRITE	0x2		/* #PF error code: the access was a write */
#define PF_USER		0x4		/* #PF error code: the access came from ring 3 */
#define PF_FETCH	0x10		/* #PF error code: instruction fetch */

/* Saved by boot/isr.S, lowest address first. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];			/* stacks for privilege changes: rsp[0] for the gate */
	uint64_t reserved1;
	uint64_t ist[7];			/* IST1..IST7 */
	uint64_t reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));

static const char *const names[NVECTORS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range exceeded", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack-segment fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check", "#XM SIMD floating point",
	"#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved 31",
};

extern const uint64_t isr_table[NVECTORS];	/* boot/isr.S */
extern const uint64_t irq_table[NIRQS];

/* Isolated images add the gate (TRAP_GATE) for ring 3's kernel services. */
#define NIDT		(JB_ISOLATION_USER ? TRAP_GATE + 1 : NVECTORS + NIRQS)
static struct gate idt[NIDT] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static char ist_stacks[3][IST_SIZE] __attribute__((aligned(16)));
#if JB_ISOLATION_USER
/* The gate is no IST vector: entered from ring 3 only, it takes the
 * TSS's rsp0, this stack. */
static char gate_stack[IST_SIZE] __attribute__((aligned(16)));
extern const char isr_gate[];			/* boot/isr.S */
#endif

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

static void set_tss_descriptor(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;

	/* A 16-byte system descriptor (SDM vol. 3A, 7.2.3): the usual 8-byte
	 * layout with the high 32 bits of the base in the next slot. */
	boot_gdt[TSS_GDT_INDEX] = (limit & 0xffff) | (base & 0xffffff) << 16 |
		DESC_TSS64 << 40 | ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	boot_gdt[TSS_GDT_INDEX + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL));
}

static struct gate gate(uint64_t off, int ist)
{
	return (struct gate){
		.off_lo = off, .sel = KERNEL_CS, .ist = ist, .type = GATE_INTR64,
		.off_mid = off >> 16, .off_hi = off >> 32,
	};
}

/* Interrupts get a stack of their own too: the PIT tick can arrive with
 * the payload's stack pointer anywhere, even at its guard page. */
void trap_init(void)
{
	struct dtr idtr = { sizeof idt - 1, (uint64_t)idt };
	int v;

	tss.ist[IST_FAULT - 1] = (uint64_t)ist_stacks[0] + IST_SIZE;
	tss.ist[IST_DOUBLE - 1] = (uint64_t)ist_stacks[1] + IST_SIZE;
	tss.ist[IST_IRQ - 1] = (uint64_t)ist_stacks[2] + IST_SIZE;
	tss.iomap = sizeof tss;		/* no I/O permission bitmap */
	set_tss_descriptor();

	for (v = 0; v < NVECTORS; v++)
		idt[v] = gate(isr_table[v], v == VEC_DF ? IST_DOUBLE : IST_FAULT);
	for (v = 0; v < NIRQS; v++)
		idt[TRAP_TIMEOUT + v] = gate(irq_table[v], IST_IRQ);
#if JB_ISOLATION_USER
	tss.rsp[0] = (uint64_t)gate_stack + IST_SIZE;
	idt[TRAP_GATE] = gate((uint64_t)isr_gate, 0);
	idt[TRAP_GATE].type |= GATE_USER;
#endif
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* ---- catch points ---- */

static struct trap_catch *catcher;

/* trap_catch(c): the setjmp half.  Layout of the saved registers is the
 * head of struct trap_catch (kernel.h): rip, rsp, rbp, rbx, r12..r15. */
__asm__(
	"	.text\n"
	"	.globl	trap_catch\n"
	"	.type	trap_catch, @function\n"
	"trap_catch:\n"
	"	movq	(%rsp), %rax\n"	/* where to come back: our return address */
	"	movq	%rax, 0(%rdi)\n"
	"	leaq	8(%rsp), %rax\n"	/* the stack pointer after that return */
	"	movq	%rax, 8(%rdi)\n"
	"	movq	%rbp, 16(%rdi)\n"
	"	movq	%rbx, 24(%rdi)\n"
	"	movq	%r12, 32(%rdi)\n"
	"	movq	%r13, 40(%rdi)\n"
	"	movq	%r14, 48(%rdi)\n"
	"	movq	%r15, 56(%rdi)\n"
	"	movq	%rdi, catcher(%rip)\n"
	"	xorl	%eax, %eax\n"
	"	ret\n"
	"	.size	trap_catch, . - trap_catch\n");

void trap_uncatch(void)
{
	catcher = 0;
}

/* trap_exit(status): the longjmp half, for exit() in a payload: back into
 * the armed catcher as if trap_catch had returned 2, with the status in
 * c->error and TRAP_EXIT in c->vector, interrupts off (the watchdog's
 * deadline is the catcher's to clear). */
__asm__(
	"	.text\n"
	"	.globl	trap_exit\n"
	"	.type	trap_exit, @function\n"
	"trap_exit:\n"
	"	cli\n"
	"	movq	catcher(%rip), %rdx\n"
	"	testq	%rdx, %rdx\n"
	"	jz	trap_exit_uncaught\n"
	"	movq	$0, catcher(%rip)\n"
	"	movq	$" "0x21" ", 64(%rdx)\n"	/* TRAP_EXIT (kernel.h) */
	"	movq	%rdi, 72(%rdx)\n"
	"	movq	8(%rdx), %rsp\n"
	"	movq	16(%rdx), %rbp\n"
	"	movq	24(%rdx), %rbx\n"
	"	movq	32(%rdx), %r12\n"
	"	movq	40(%rdx), %r13\n"
	"	movq	48(%rdx), %r14\n"
	"	movq	56(%rdx), %r15\n"
	"	movl	$2, %eax\n"
	"	jmpq	*0(%rdx)\n"
	"	.size	trap_exit, . - trap_exit\n");

void trap_exit_uncaught(long status)
{
	panic("exit(%ld) called outside a payload", status);
}

_Static_assert(TRAP_EXIT == 0x21, "trap_exit's assembly writes 0x21");

const char *trap_name(int vector)
{
	if (vector == TRAP_TIMEOUT)
		return JB_FAULT_TIMEOUT;
	return vector >= 0 && vector < NVECTORS ? names[vector] : "?";
}

/* NMI, #DF and #MC say the machine, not the running code, is in trouble:
 * nothing to resume from. */
static int catchable(uint64_t vector)
{
	return vector != 2 && vector != VEC_DF && vector != 18;
}

/* Resume the catcher: its registers, rax = 1, interrupts off. */
static void resume_catcher(struct trapframe *f, uint64_t cr2)
{
	struct trap_catch *c = catcher;

	catcher = 0;		/* a fault in the catcher itself is fatal */
	c->vector = f->vector;
	c->error = f->error;
	c->fault_rip = f->rip;
	c->fault_rsp = f->rsp;
	c->fault_rbp = f->rbp;
	c->cr2 = cr2;
	f->rip = c->rip;
	f->rsp = c->rsp;
	f->rbp = c->rbp;
	f->rbx = c->rbx;
	f->r12 = c->r12;
	f->r13 = c->r13;
	f->r14 = c->r14;
	f->r15 = c->r15;
	f->rax = 1;
	f->rflags = RFLAGS_FIXED;
	/* The faulting code may have run at ring 3 (an isolated payload):
	 * the catcher is kernel code. */
	f->cs = KERNEL_CS;
	f->ss = KERNEL_DS;
}

int trap_has_address(int vector)
{
	return vector == VEC_PF;
}

/* What a page fault's error code and address say, for a reader. */
const char *trap_hint(int vector, uint64_t error, uint64_t cr2)
{
	if (vector != VEC_PF)
		return "";
	if (cr2 < 0x1000)
		return "null pointer dereference";
	if (cr2 >= (uint64_t)boot_stack_guard && cr2 < (uint64_t)boot_stack_bottom)
		return "stack overflow: hit the guard page below the kernel stack";
	if ((error & (PF_USER | PF_PRESENT)) == (PF_USER | PF_PRESENT) && !(vm_query(cr2) & VM_U))
		return "kernel memory (a supervisor-only page)";
	if (error & PF_FETCH)
		return "executing a non-executable page";
	if ((error & PF_WRITE) && (vm_query(cr2) & VM_X))
		return "write to executable code (W^X)";
	if (error & PF_WRITE && vm_query(cr2))
		return "write to a read-only page";
	if (!vm_query(cr2))
		return "unmapped address";
	return "";
}

/* Called by boot/isr.S with interrupts off, on an IST stack, for an
 * exception or a payload's timeout. */
void trap(struct trapframe *f);
void trap(struct trapframe *f)
{
	uint64_t cr2 = read_cr2();
	const char *hint;

#if JB_ISOLATION_USER
	if (f->vector == TRAP_GATE) {
		f->rax = isolation_gate(f->rax, f->rdi, f->rsi, f->rdx);
		return;
	}
#endif
	if (catcher && catchable(f->vector)) {
		resume_catcher(f, cr2);
		return;
	}
	hint = trap_hint(f->vector, f->error, cr2);
	panic("exception %lu (%s) err=0x%lx rip=0x%lx cr2=0x%lx rsp=0x%lx%s%s%s",
	      f->vector, trap_name(f->vector), f->error, f->rip, cr2, f->rsp,
	      *hint ? " (" : "", hint, *hint ? ")" : "");
}
