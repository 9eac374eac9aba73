/*
 * ktests_arch.c - x86-64 kernel tests: page protection, and the
 * deliberate faults and hangs that check the harness sees each way a run
 * can end on this architecture.
 */
#include "kernel.h"
#include "ktest.h"

/* ---- page protection ---- */

KTEST(vm)
{
	static const char *const names[] = { "none", "R", "W", "RW", "X", "RX", "WX", "RWX" };
	struct { const char *what; uintptr_t addr; int want; } cases[] = {
		{ "page 0", 0, 0 },
		{ "low memory", 0x1000, VM_R | VM_W },
		{ ".text", (uintptr_t)__text_start, VM_R | VM_X },
		{ ".rodata", (uintptr_t)__rodata_start, VM_R },
		{ ".data", (uintptr_t)__data_start, VM_R | VM_W },
		{ ".bss", (uintptr_t)__bss_start, VM_R | VM_W },
		{ "stack guard page", (uintptr_t)boot_stack_guard, 0 },
		{ "stack", (uintptr_t)boot_stack_top - 1, VM_R | VM_W },
		{ "heap", JB_HEAP_ADDR, VM_R | VM_W },
		{ "beyond 4 GiB", 0x100000000ul, 0 },
	};
	uintptr_t a = JB_JIT_ARENA_ADDR ? JB_JIT_ARENA_ADDR : JB_HEAP_ADDR + JB_HEAP_SIZE;
	unsigned i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = vm_query(cases[i].addr);
		kt_checkf(t, got == cases[i].want, "%s is %s # got %s", cases[i].what,
			  names[cases[i].want], names[got]);
	}
	/* One page in the middle of a 2 MiB page: splits it. */
	kt_check(t, vm_protect(a + 0x3000, 100, VM_R | VM_X) == 0 &&
		 vm_query(a + 0x3000) == (VM_R | VM_X) && vm_query(a + 0x2000) == (VM_R | VM_W) &&
		 vm_query(a + 0x4000) == (VM_R | VM_W), "vm_protect one page RX, neighbours stay RW");
	kt_check(t, vm_protect(a + 0x3000, 0x1000, VM_R | VM_W) == 0 &&
		 vm_query(a + 0x3000) == (VM_R | VM_W), "vm_protect back to RW");
	kt_check(t, vm_protect(0xfffff000ul, 0x2000, VM_R) == -1, "vm_protect beyond 4 GiB fails");
	/* a length that wraps addr + len around 2^64 is out of range too */
	kt_check(t, vm_protect(a, (size_t)-0x800, VM_R) == -1 && vm_query(a) == (VM_R | VM_W),
		 "vm_protect with a wrapping length fails and changes nothing");
}

/* ---- deliberate failures ---- */

/* A read through an address no page table maps (beyond the 4 GiB identity
 * map): must end as "PANIC: exception 14 (#PF ...) ... cr2=0x8000000000". */
KTEST(fault_unmapped)
{
	uintptr_t addr = 0x8000000000ul;	/* 512 GiB: PML4 entry 1, never mapped */
	long v;

	kt_diag(t, "reading %#lx", (unsigned long)addr);
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	kt_check(t, 0, "the read faulted (read %ld)", v);
}

KTEST(fault_null)
{
	/* In asm: a store through null is undefined behaviour in C, and gcc
	 * drops it or turns it into ud2. */
	__asm__ volatile("movl $1, (%0)" : : "r"(0ul) : "memory");
	kt_check(t, 0, "the write faulted");
}

/* W^X: executing from the heap (RW, NX) and writing .text (RX) both fault. */
KTEST(fault_nx)
{
	unsigned char *code = malloc(16);
	void (*volatile fn)(void) = (void (*)(void))code;

	code[0] = 0xc3;		/* ret */
	kt_diag(t, "calling heap memory at %p", (void *)code);
	fn();
	kt_check(t, 0, "executing the heap faulted");
}

KTEST(fault_write_text)
{
	kt_diag(t, "writing to .text at %p", (void *)ktest_fault_write_text);
	__asm__ volatile("movb $0xc3, (%0)" : : "r"(ktest_fault_write_text) : "memory");
	kt_check(t, 0, "writing .text faulted");
}

static int recurse(int n)
{
	volatile char pad[256];

	pad[0] = n;
	if (n < 0)		/* never true; without an exit gcc rejects the recursion */
		return 0;
	return recurse(n + 1) + pad[0];
}

/* Run off the bottom of the kernel stack: the guard page must turn this
 * into a reported #PF (taken on the IST stack), not a triple fault. */
KTEST(stack_overflow)
{
	kt_check(t, recurse(0) == 0, "recursion ended");
}

/* Spins forever: the harness must time out.  (Nothing it printed would
 * show: a test's lines are held until it ends.) */
KTEST(hang)
{
	for (;;)
		__asm__ volatile("pause");
}

/* An empty IDT makes int3 fault, then #GP, then #DF, none deliverable: the
 * CPU shuts down (QEMU -no-reboot exits).  The one end we cannot report. */
KTEST(triple_fault)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } empty = { 0, 0 };

	kt_diag(t, "loading an empty IDT and executing int3");
	ktest_panic_flush();	/* nothing after this point will reach the console */
	__asm__ volatile("lidt %0; int3" : : "m"(empty));
	kt_check(t, 0, "survived a triple fault");
}
