/*
 * kmain.c - from boot/aarch64/entry.S to the test runner on QEMU virt.
 *
 * The MMU first (until it is on, all memory is Device memory: no caches,
 * no unaligned access), then the console, the interrupt controller and
 * timer of the payload watchdog, the heap, and the tests.  The exception
 * vectors are already installed by entry.S.
 */
#include "kernel.h"
#include "ktest.h"
#include "aarch64.h"

extern uint64_t boot_entry_el;	/* boot/aarch64/entry.S */

void kmain(uint32_t magic, uint32_t info)
{
	uint64_t hz;

	mmu_init();
	serial_init();
	watchdog_init();
	if (JB_HEAP_ADDR < (uintptr_t)__kernel_end && (uintptr_t)__kernel_start < JB_HEAP_ADDR + JB_HEAP_SIZE)
		panic("heap [%#lx, %#lx) overlaps the kernel image: fix heap_address in the recipe",
		      (unsigned long)JB_HEAP_ADDR, (unsigned long)(JB_HEAP_ADDR + JB_HEAP_SIZE));
	heap_init();
	ktest_select();

	printf(JB_KTAP_HEADER "\n" JB_KTAP_PLAN "%d\n", ktest_total());
	hz = tsc_hz();
	printf("# image %s (aarch64, entered at EL%lu, running at EL%lu): kernel [%#lx, %#lx), "
	       "heap %lu MiB at %#lx\n",
	       JB_IMAGE_NAME, (unsigned long)boot_entry_el,
	       (unsigned long)(read_sysreg(CurrentEL) >> 2 & 3),
	       (unsigned long)__kernel_start, (unsigned long)__kernel_end,
	       (unsigned long)JB_HEAP_SIZE >> 20, (unsigned long)JB_HEAP_ADDR);
	printf("# generic timer: %lu.%03lu MHz\n", hz / 1000000, hz / 1000 % 1000);
	ktest_report_selection();
	ktest_run_all();
}
