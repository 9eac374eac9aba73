/*
 * mmu.c - the identity map and page protection: 4 KiB granule, 39-bit
 * addresses (TTBR0 only).
 *
 * Level 1 has one entry per GiB.  The first GiB is devices (the PL011 at
 * 0x09000000 among them): Device-nGnRnE, never executable, in 2 MiB
 * blocks through one level-2 table whose entry 0 stays invalid, so a
 * null pointer faults instead of reading QEMU's flash.  GiB 1 to 3 are
 * RAM (QEMU virt's starts at 0x40000000): Normal write-back memory,
 * read-write and never executable, except where vm_protect says
 * otherwise.  vm_protect splits a 1 GiB block into 2 MiB blocks and a
 * 2 MiB block into 4 KiB pages as a range needs it, like kernel_lib/vm.c
 * on x86-64, with tables from a static pool.
 *
 * W^X: mmu_init applies the kernel's policy while the MMU is still off
 * (.text R X, .rodata R, .data/.bss R W, the stack guard page unmapped),
 * so the blocks the kernel runs from are split before anything runs
 * through them; and SCTLR_EL1.WXN makes every writable page
 * non-executable whatever its PXN bit says.
 */
#include "kernel.h"
#include "aarch64.h"

#define DESC_VALID	1
#define DESC_TABLE	3	/* level 0-2: next-level table */
#define DESC_BLOCK	1	/* level 1-2: block */
#define DESC_PAGE	3	/* level 3: page */
#define ATTR_IDX(n)	((uint64_t)(n) << 2)
#define AP_RO		(1ul << 7)	/* AP[2]: read-only (AP[1] = 0: EL1 only) */
#define SH_INNER	(3ul << 8)
#define AF		(1ul << 10)	/* accessed: no access-flag fault */
#define PXN		(1ul << 53)
#define UXN		(1ul << 54)
#define DESC_ADDR	0x0000fffffffff000ul

#define PAGE		0x1000ul
#define BLOCK_2M	0x200000ul
#define BLOCK_1G	0x40000000ul
#define RAM_START	VIRT_RAM_BASE
#define MAPPED_LIMIT	0x100000000ul	/* GiB 1 to 3: RAM */
#define POOL_PAGES	64		/* split tables: 3 level 2, the rest level 3 */
#define TLBI_PAGES	64		/* above that, one tlbi for everything */

/* MAIR_EL1: attribute 0 Normal write-back, 1 Device-nGnRnE. */
#define MAIR_NORMAL	0
#define MAIR_DEVICE	1
#define MAIR_VALUE	0xfful

/* TCR_EL1: T0SZ=25 (39 bits), walks cached write-back, inner shareable,
 * 4 KiB granule, no TTBR1 walks (EPD1), 40-bit physical addresses. */
#define TCR_VALUE	(25ul | (1ul << 8) | (1ul << 10) | (3ul << 12) | (1ul << 23) | (2ul << 32))

/* SCTLR_EL1: MMU, data and instruction caches on, writable implies
 * execute-never; alignment checks off; the v8.0 RES1 bits set. */
#define SCTLR_M		(1ul << 0)
#define SCTLR_C		(1ul << 2)
#define SCTLR_I		(1ul << 12)
#define SCTLR_WXN	(1ul << 19)
#define SCTLR_RES1	0x30d00800ul

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2_devices[512] __attribute__((aligned(4096)));
static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static int pool_used;
static int mmu_on;

/* The attribute bits of a RAM block or page with permissions prot, 0
 * (invalid) without VM_R. */
static uint64_t ram_attrs(int prot)
{
	uint64_t a = ATTR_IDX(MAIR_NORMAL) | SH_INNER | AF | UXN;

	if (!(prot & VM_R))
		return 0;
	if (!(prot & VM_W))
		a |= AP_RO;
	if (!(prot & VM_X))
		a |= PXN;
	return a;
}

static void tlb_flush_all(void)
{
	__asm__ volatile("dsb ishst; tlbi vmalle1is; dsb ish; isb" : : : "memory");
}

/*
 * Replace the block *e (of size `size`, at a level whose next one has
 * blocks or pages of size/512) by a table of 512 entries with the same
 * attributes.  With the MMU on, the architecture wants break-before-make
 * for a change of block size: the entry goes invalid and its
 * translations are dropped before the table goes in, so no TLB ever holds
 * both.  The caller's code, stack and the pool are in the kernel image,
 * whose blocks mmu_init split with the MMU off: none of them is in the
 * block being broken.
 */
static uint64_t *split(uint64_t *e, uint64_t size)
{
	uint64_t base = *e & DESC_ADDR & ~(size - 1), attrs = *e & ~DESC_ADDR & ~3ul;
	uint64_t sub = size / 512, type = sub == PAGE ? DESC_PAGE : DESC_BLOCK;
	uint64_t *t;
	int i;

	if (pool_used == POOL_PAGES)
		return 0;
	t = pool[pool_used++];
	for (i = 0; i < 512; i++)
		t[i] = *e & DESC_VALID ? (base + i * sub) | attrs | type : 0;
	if (mmu_on) {
		*e = 0;
		tlb_flush_all();
	}
	*e = (uintptr_t)t | DESC_TABLE;
	__asm__ volatile("dsb ishst" : : : "memory");
	return t;
}

/* The level-1 entry of va, and the level-2 and level-3 ones below it if
 * it is a table (else 0). */
static uint64_t *l2_entry(uint64_t va)
{
	uint64_t e = l1[va >> 30];

	return (e & 3) == DESC_TABLE ? &((uint64_t *)(e & DESC_ADDR))[(va >> 21) & 511] : 0;
}

static uint64_t *l3_entry(uint64_t va)
{
	uint64_t *e2 = l2_entry(va);

	return e2 && (*e2 & 3) == DESC_TABLE ? &((uint64_t *)(*e2 & DESC_ADDR))[(va >> 12) & 511] : 0;
}

/* Clean the data cache and invalidate the instruction cache over
 * [start, end) (Arm ARM, "Instruction cache maintenance"): code just
 * written through the data side must reach the point of unification
 * before instruction fetches see it, and no stale instructions may stay
 * in the I-cache.  CTR_EL0 gives the smallest line sizes. */
static void sync_icache(uint64_t start, uint64_t end)
{
	uint64_t ctr = read_sysreg(ctr_el0);
	uint64_t dline = 4ul << (ctr >> 16 & 15), iline = 4ul << (ctr & 15), a;

	for (a = start & ~(dline - 1); a < end; a += dline)
		__asm__ volatile("dc cvau, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish" : : : "memory");
	for (a = start & ~(iline - 1); a < end; a += iline)
		__asm__ volatile("ic ivau, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish; isb" : : : "memory");
}

int vm_protect(uintptr_t addr, size_t len, int prot)
{
	uint64_t va = addr & ~(PAGE - 1), end, a = ram_attrs(prot), pages = 0;
	int r = 0;

	/* Only RAM is ours to protect; check before adding, addr + len can
	 * wrap.  W and X together would break W^X (and WXN would quietly
	 * drop the X anyway). */
	if (addr < RAM_START || addr > MAPPED_LIMIT || len > MAPPED_LIMIT - addr ||
	    (prot & (VM_W | VM_X)) == (VM_W | VM_X))
		return -1;
	end = (addr + len + PAGE - 1) & ~(PAGE - 1);
	while (va < end) {
		uint64_t *e1 = &l1[va >> 30], *e2, *e3;

		if ((*e1 & 3) != DESC_TABLE) {
			if (!(va & (BLOCK_1G - 1)) && va + BLOCK_1G <= end) {
				*e1 = a ? va | a | DESC_BLOCK : 0;
				va += BLOCK_1G;
				pages += BLOCK_1G / PAGE;
				continue;
			}
			if (!split(e1, BLOCK_1G))
				goto exhausted;
		}
		e2 = l2_entry(va);
		if ((*e2 & 3) != DESC_TABLE) {
			if (!(va & (BLOCK_2M - 1)) && va + BLOCK_2M <= end) {
				*e2 = a ? va | a | DESC_BLOCK : 0;
				va += BLOCK_2M;
				pages += BLOCK_2M / PAGE;
				continue;
			}
			if (!split(e2, BLOCK_2M))
				goto exhausted;
		}
		e3 = l3_entry(va);
		*e3 = a ? va | a | DESC_PAGE : 0;
		va += PAGE;
		pages++;
	}
	goto flush;
exhausted:
	r = -1;
flush:
	if (!mmu_on)
		return r;
	/* Drop the old translations: by address for a few pages, all of
	 * them for a large range (one tlbi per page of a GiB would take
	 * longer than refilling the TLB). */
	if (pages <= TLBI_PAGES) {
		uint64_t p;

		__asm__ volatile("dsb ishst" : : : "memory");
		for (p = addr & ~(PAGE - 1); p < va; p += PAGE)
			__asm__ volatile("tlbi vaae1is, %0" : : "r"(p >> 12) : "memory");
		__asm__ volatile("dsb ish; isb" : : : "memory");
	} else
		tlb_flush_all();
	if (prot & VM_X && r == 0)
		sync_icache(addr, addr + len);
	return r;
}

int vm_query(uintptr_t addr)
{
	uint64_t e, *p;

	if (addr < RAM_START || addr >= MAPPED_LIMIT)
		return 0;
	e = l1[addr >> 30];
	if ((e & 3) == DESC_TABLE) {
		e = *l2_entry(addr);
		if ((e & 3) == DESC_TABLE && (p = l3_entry(addr)))
			e = *p;
	}
	if (!(e & DESC_VALID))
		return 0;
	return VM_R | (e & AP_RO ? 0 : VM_W) | (e & PXN ? 0 : VM_X);
}

static void protect(const char *what, uintptr_t start, uintptr_t end, int prot)
{
	if (vm_protect(start, end - start, prot))
		panic("vm: cannot protect %s [%#lx, %#lx): page table pool exhausted",
		      what, (unsigned long)start, (unsigned long)end);
}

/* The kernel's policy, as on x86-64 (kernel_lib/vm.c): RAM read-write and
 * not executable, .text read+execute, .rodata read-only, the stack guard
 * page unmapped.  The JIT arena is made executable piecewise by its
 * loader, through vm_protect. */
void vm_init(void)
{
	protect("RAM", RAM_START, MAPPED_LIMIT, VM_R | VM_W);
	protect(".text", (uintptr_t)__text_start, (uintptr_t)__text_end, VM_R | VM_X);
	protect(".rodata", (uintptr_t)__rodata_start, (uintptr_t)__rodata_end, VM_R);
	protect("stack guard", (uintptr_t)boot_stack_guard, (uintptr_t)boot_stack_bottom, 0);
}

void mmu_init(void)
{
	unsigned i;

	for (i = 1; i < 512; i++)
		l2_devices[i] = ((uint64_t)i << 21) | DESC_BLOCK | ATTR_IDX(MAIR_DEVICE) | AF |
				PXN | UXN;
	l1[0] = (uintptr_t)l2_devices | DESC_TABLE;
	vm_init();

	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_VALUE);
	write_sysreg(ttbr0_el1, (uintptr_t)l1);
	/* The tables were written with the MMU off: make them visible to the
	 * walker, and drop any stale translation, before turning it on. */
	__asm__ volatile("dsb ish; tlbi vmalle1; dsb ish; isb" : : : "memory");
	write_sysreg(sctlr_el1, SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_WXN);
	__asm__ volatile("isb" : : : "memory");
	mmu_on = 1;
}
