/*
 * ktests_arch.c - aarch64 kernel tests: page protection, and the
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
		{ "page 0 (devices: not RAM)", 0, 0 },
		{ "RAM below the kernel", 0x40000000ul, VM_R | VM_W },
		{ ".text", (uintptr_t)__text_start, VM_R | VM_X },
		{ ".text's last page", (uintptr_t)__text_end - 1, VM_R | VM_X },
		{ ".rodata", (uintptr_t)__rodata_start, VM_R },
		{ ".data", (uintptr_t)__data_start, VM_R | VM_W },
		{ ".bss", (uintptr_t)__bss_start, VM_R | VM_W },
		{ "stack guard page", (uintptr_t)boot_stack_guard, 0 },
		{ "stack", (uintptr_t)boot_stack_top - 1, VM_R | VM_W },
		{ "heap", JB_HEAP_ADDR, VM_R | VM_W },
		{ "beyond 4 GiB", 0x100000000ul, 0 },
	};
	uintptr_t a = JB_JIT_ARENA_ADDR;
	unsigned i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = vm_query(cases[i].addr);
		kt_checkf(t, got == cases[i].want, "%s is %s # got %s", cases[i].what,
			  names[cases[i].want], names[got]);
	}
	/* One page in the middle of a 2 MiB block: splits it. */
	kt_check(t, vm_protect(a + 0x3000, 100, VM_R | VM_X) == 0 &&
		 vm_query(a + 0x3000) == (VM_R | VM_X) && vm_query(a + 0x2000) == (VM_R | VM_W) &&
		 vm_query(a + 0x4000) == (VM_R | VM_W), "vm_protect one page RX, neighbours stay RW");
	kt_check(t, vm_protect(a + 0x3000, 0x1000, VM_R | VM_W) == 0 &&
		 vm_query(a + 0x3000) == (VM_R | VM_W), "vm_protect back to RW");
	kt_check(t, vm_protect(a, 0x1000, VM_R | VM_W | VM_X) == -1 && vm_query(a) == (VM_R | VM_W),
		 "vm_protect refuses writable and executable together");
	kt_check(t, vm_protect(0xfffff000ul, 0x2000, VM_R) == -1, "vm_protect beyond 4 GiB fails");
	kt_check(t, vm_protect(0x1000, 0x1000, VM_R) == -1, "vm_protect of device memory fails");
	kt_check(t, vm_protect(a, (size_t)-0x800, VM_R) == -1 && vm_query(a) == (VM_R | VM_W),
		 "vm_protect with a wrapping length fails and changes nothing");
}

/* What the JIT's loader does: write code into RW pages, make them RX,
 * call it; then write other code into the same page and call that (the
 * I-cache must not keep the first). */
KTEST(vm_code)
{
	uint32_t *code = (uint32_t *)(JB_JIT_ARENA_ADDR + 0x10000);
	int (*fn)(void) = (int (*)(void))code;

	kt_check(t, vm_protect((uintptr_t)code, 0x1000, VM_R | VM_W) == 0, "code page RW");
	code[0] = 0x52800540;		/* mov w0, #42 */
	code[1] = 0xd65f03c0;		/* ret */
	kt_check(t, vm_protect((uintptr_t)code, 8, VM_R | VM_X) == 0, "code page RX");
	kt_checkf(t, fn() == 42, "the written code runs # got %d", fn());
	kt_check(t, vm_protect((uintptr_t)code, 8, VM_R | VM_W) == 0, "code page RW again");
	code[0] = 0x52800f20;		/* mov w0, #121 */
	kt_check(t, vm_protect((uintptr_t)code, 8, VM_R | VM_X) == 0, "code page RX again");
	kt_checkf(t, fn() == 121, "the rewritten code runs, not a stale copy # got %d", fn());
	vm_protect((uintptr_t)code, 0x1000, VM_R | VM_W);
}

/* ---- deliberate failures ---- */

/* Must end as "PANIC: exception EC=0x25 (data abort) ... FAR=0". */
KTEST(fault_null)
{
	/* In asm: a store through null is undefined behaviour in C. */
	__asm__ volatile("str %w0, [%1]" : : "r"(1), "r"(0ul) : "memory");
	kt_check(t, 0, "the write faulted");
}

/* Spins forever: the harness must time out. */
KTEST(hang)
{
	for (;;)
		__asm__ volatile("yield");
}
