/*
 * trap.c - CPU exceptions: IDT, TSS with IST stacks, and the report.
 *
 * Every exception is fatal: the handler prints one PANIC line with the
 * vector, error code, RIP, CR2 and RSP, then exits with JB_EXIT_PANIC.  A
 * fault must never turn into a silent triple fault, so the handlers run on
 * their own stacks (IST): a page fault caused by overflowing the kernel
 * stack into its guard page cannot push its frame onto that same stack,
 * and a double fault gets a second, separate stack.
 */
#include "kernel.h"
#include "x86.h"

#define NVECTORS	32		/* the architecture-defined exceptions */
#define KERNEL_CS	0x08		/* see boot/boot.S */
#define TSS_SEL		0x18
#define TSS_GDT_INDEX	(TSS_SEL / 8)
#define GATE_INTR64	0x8E		/* P=1, DPL=0, type 0xE: 64-bit interrupt gate */
#define DESC_TSS64	0x89ull		/* P=1, DPL=0, type 0x9: available 64-bit TSS */
#define IST_FAULT	1		/* IST slot for all exceptions but #DF */
#define IST_DOUBLE	2		/* IST slot for #DF */
#define VEC_DF		8
#define VEC_PF		14
#define IST_SIZE	16384

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
	uint64_t rsp[3];			/* stacks for privilege changes: unused */
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

static struct gate idt[NVECTORS] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static char ist_stacks[2][IST_SIZE] __attribute__((aligned(16)));

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

void trap_init(void)
{
	struct dtr idtr = { sizeof idt - 1, (uint64_t)idt };
	int v;

	tss.ist[IST_FAULT - 1] = (uint64_t)ist_stacks[0] + IST_SIZE;
	tss.ist[IST_DOUBLE - 1] = (uint64_t)ist_stacks[1] + IST_SIZE;
	tss.iomap = sizeof tss;		/* no I/O permission bitmap */
	set_tss_descriptor();

	for (v = 0; v < NVECTORS; v++) {
		uint64_t off = isr_table[v];
		idt[v] = (struct gate){
			.off_lo = off, .sel = KERNEL_CS,
			.ist = v == VEC_DF ? IST_DOUBLE : IST_FAULT,
			.type = GATE_INTR64,
			.off_mid = off >> 16, .off_hi = off >> 32,
		};
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Called by boot/isr.S with interrupts off, on an IST stack. */
void trap(struct trapframe *f);
void trap(struct trapframe *f)
{
	uint64_t cr2 = read_cr2();
	const char *hint = "";

	if (f->vector == VEC_PF && cr2 >= (uint64_t)boot_stack_guard &&
	    cr2 < (uint64_t)boot_stack_bottom)
		hint = " (stack overflow: hit the guard page below the kernel stack)";
	if (f->vector == VEC_PF && cr2 < 0x1000)
		hint = " (null pointer dereference)";
	panic("exception %lu (%s) err=0x%lx rip=0x%lx cr2=0x%lx rsp=0x%lx%s",
	      f->vector, f->vector < NVECTORS ? names[f->vector] : "?",
	      f->error, f->rip, cr2, f->rsp, hint);
}
