/*
 * mmu.c - the identity map: 4 KiB granule, 39-bit addresses (TTBR0 only).
 *
 * Level 1 has one entry per GiB.  The first GiB is devices (the PL011 at
 * 0x09000000 among them): Device-nGnRnE, never executable, in 2 MiB
 * blocks through one level-2 table whose entry 0 stays invalid, so a
 * null pointer faults instead of reading QEMU's flash.  GiB 1 to 3 are
 * RAM (QEMU virt's starts at 0x40000000): Normal write-back memory.
 * Per-page permissions (W^X) are a later step.
 */
#include "kernel.h"
#include "aarch64.h"

#define DESC_TABLE	3
#define DESC_BLOCK	1
#define ATTR_IDX(n)	((uint64_t)(n) << 2)
#define SH_INNER	(3ul << 8)
#define AF		(1ul << 10)	/* accessed: no access-flag fault */
#define PXN		(1ul << 53)
#define UXN		(1ul << 54)

/* MAIR_EL1: attribute 0 Normal write-back, 1 Device-nGnRnE. */
#define MAIR_NORMAL	0
#define MAIR_DEVICE	1
#define MAIR_VALUE	0xfful

/* TCR_EL1: T0SZ=25 (39 bits), walks cached write-back, inner shareable,
 * 4 KiB granule, no TTBR1 walks (EPD1), 40-bit physical addresses. */
#define TCR_VALUE	(25ul | (1ul << 8) | (1ul << 10) | (3ul << 12) | (1ul << 23) | (2ul << 32))

/* SCTLR_EL1: MMU, data and instruction caches on; alignment checks off;
 * the v8.0 RES1 bits set. */
#define SCTLR_M		(1ul << 0)
#define SCTLR_C		(1ul << 2)
#define SCTLR_I		(1ul << 12)
#define SCTLR_RES1	0x30d00800ul

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2_devices[512] __attribute__((aligned(4096)));

void mmu_init(void)
{
	unsigned i;

	for (i = 1; i < 512; i++)
		l2_devices[i] = ((uint64_t)i << 21) | DESC_BLOCK | ATTR_IDX(MAIR_DEVICE) | AF |
				PXN | UXN;
	l1[0] = (uintptr_t)l2_devices | DESC_TABLE;
	for (i = 1; i < 4; i++)
		l1[i] = ((uint64_t)i << 30) | DESC_BLOCK | ATTR_IDX(MAIR_NORMAL) | SH_INNER | AF;

	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_VALUE);
	write_sysreg(ttbr0_el1, (uintptr_t)l1);
	/* The tables were written with the MMU off: make them visible to the
	 * walker, and drop any stale translation, before turning it on. */
	__asm__ volatile("dsb ish; tlbi vmalle1; dsb ish; isb" : : : "memory");
	write_sysreg(sctlr_el1, SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_I);
	__asm__ volatile("isb" : : : "memory");
}
