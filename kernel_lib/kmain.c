/*
 * kmain.c - from boot.S to the test runner.
 *
 * Order matters: the console first, so anything after can report; the IDT
 * next, so faults are reported instead of triple-faulting, then the PICs
 * moved onto their own vectors (the watchdog enables their interrupts only
 * around payloads); the multiboot info is copied before vm_init unmaps
 * page 0 and tightens permissions; the heap last, once its range is known
 * to be RAM nothing else uses.
 */
#include "kernel.h"
#include "ktest.h"
#include "multiboot.h"
#include "tsc_pick.h"

/* A recipe region must be RAM, and free of the kernel and of what the
 * loader placed in memory. */
static void check_region(const char *what, uint64_t addr, uint64_t len)
{
	uint64_t kstart = (uintptr_t)__kernel_start, kend = (uintptr_t)__kernel_end;
	const char *clash;

	if (!mb_usable(addr, len))
		panic("%s [%#lx, %#lx) is not usable RAM in the memory map (%lu MiB usable): "
		      "change the recipe's layout or memory_size",
		      what, addr, addr + len, mb_usable_total() >> 20);
	if (addr < kend && kstart < addr + len)
		panic("%s [%#lx, %#lx) overlaps the kernel image [%#lx, %#lx)",
		      what, addr, addr + len, kstart, kend);
	if ((clash = mb_overlap(addr, len)))
		panic("%s [%#lx, %#lx) overlaps %s placed by the bootloader: move it higher in the recipe",
		      what, addr, addr + len, clash);
}

static void report_boot(void)
{
	uint64_t hz = tsc_hz();

	printf("# image %s: kernel [%#lx, %#lx), heap %lu MiB at %#lx, JIT arena %lu MiB at %#lx\n",
	       JB_IMAGE_NAME, (unsigned long)__kernel_start, (unsigned long)__kernel_end,
	       (unsigned long)JB_HEAP_SIZE >> 20, (unsigned long)JB_HEAP_ADDR,
	       (unsigned long)JB_JIT_ARENA_SIZE >> 20, (unsigned long)JB_JIT_ARENA_ADDR);
	int i;

	printf("# memory: %lu MiB usable; tsc: %lu.%03lu MHz%s; payload timeout %lu ms\n",
	       mb_usable_total() >> 20, hz / 1000000, hz / 1000 % 1000,
	       !hz ? " (calibration failed)" : !tsc_trusted_hz() ? " (rough: windows disagree)" : "",
	       (unsigned long)JB_PAYLOAD_TIMEOUT_MS);
	{
		const char *how;
		const struct tsc_calibration *c = tsc_calibration(&how);

		printf("# tsc calibration: %s, %d of %d windows agree, spread %u.%02u%%\n",
		       how, c->used, c->windows, c->spread_ppm / 10000, c->spread_ppm / 100 % 100);
	}
	for (i = 0; i < mb_module_count(); i++) {
		const void *start;
		const char *name;
		size_t len;

		mb_module(i, &start, &len, &name);
		printf("# module %s: %zu bytes at %p\n", name, len, start);
	}
}

void kmain(uint32_t magic, uint32_t info)
{
	serial_init();
	trap_init();
	watchdog_init();
	mb_init(magic, info);
	vm_init();
	check_region("heap", JB_HEAP_ADDR, JB_HEAP_SIZE);
	if (JB_JIT_ARENA_SIZE)
		check_region("JIT arena", JB_JIT_ARENA_ADDR, JB_JIT_ARENA_SIZE);
	if (JB_HEAP_ADDR < JB_JIT_ARENA_ADDR + JB_JIT_ARENA_SIZE &&
	    JB_JIT_ARENA_ADDR < JB_HEAP_ADDR + JB_HEAP_SIZE)
		panic("heap and JIT arena overlap: fix heap_address/jit_arena_address in the recipe");
	heap_init();
	ktest_select();

	printf(JB_KTAP_HEADER "\n" JB_KTAP_PLAN "%d\n", ktest_total());
	report_boot();
#if JB_ISOLATION_USER
	isolation_init();
#endif
	ktest_report_selection();
	ktest_run_all();
}
