/*
 * vm.c - page protection on the boot identity map.
 *
 * boot.S maps 0..4 GiB with 2 MiB pages, all RWX.  vm_protect changes the
 * permissions of a range, splitting a 2 MiB page into 512 4 KiB pages when
 * the range covers only part of it.  vm_init applies the kernel's policy:
 * page 0 unmapped (null dereferences fault), W^X for the kernel sections,
 * the stack guard page unmapped, everything else RW and not executable
 * (the JIT arena is made executable piecewise by its loader).  Nothing
 * is user-accessible until an isolated payload runs: vm_user() opens its
 * own pages to ring 3 for the run, and closes them after.
 */
#include "kernel.h"
#include "x86.h"

#define PTE_P		(1ull << 0)	/* present */
#define PTE_W		(1ull << 1)	/* writable */
#define PTE_U		(1ull << 2)	/* user: ring 3 may use it, if every level says so */
#define PTE_PS		(1ull << 7)	/* 2 MiB page (in a PD entry) */
#define PTE_NX		(1ull << 63)	/* no execute (EFER.NXE is on) */
#define PTE_ADDR	0x000ffffffffff000ull
#define PAGE		0x1000ull
#define LARGE_PAGE	0x200000ull
#define MAPPED_LIMIT	0x100000000ull	/* boot.S maps the first 4 GiB */
#define POOL_PAGES	64		/* page tables for split 2 MiB pages: 128 MiB worth */

static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static int pool_used;

static uint64_t leaf_flags(int prot)
{
	uint64_t f = 0;

	if (!(prot & VM_R))
		return 0;
	f |= PTE_P;
	if (prot & VM_W)
		f |= PTE_W;
	if (prot & VM_U)
		f |= PTE_U;
	if (!(prot & VM_X))
		f |= PTE_NX;
	return f;
}

/* The page directory entry mapping va (all four PDs are contiguous in .bss
 * after boot_pml4 and boot_pdpt, but walk the tables anyway: they are the
 * truth). */
static uint64_t *pd_entry(uint64_t va)
{
	uint64_t *pdpt = (uint64_t *)(boot_pml4[0] & PTE_ADDR);
	uint64_t *pd = (uint64_t *)(pdpt[va >> 30] & PTE_ADDR);

	return &pd[(va >> 21) & 511];
}

/* Replace a 2 MiB mapping by a page table of 512 4 KiB pages with the same
 * flags.  The PDE itself then only needs P|W|U: the leaves decide (U in
 * a table entry grants nothing by itself; ring 3 needs it at every level
 * and in the leaf). */
static uint64_t *split(uint64_t *pde)
{
	uint64_t *pt, base = *pde & PTE_ADDR & ~(LARGE_PAGE - 1);
	uint64_t flags = *pde & (PTE_P | PTE_W | PTE_U | PTE_NX);
	int i;

	if (pool_used == POOL_PAGES)
		return 0;
	pt = pool[pool_used++];
	/* Entries keep their frame address even when not present, so a later
	 * vm_protect can simply set the flags again. */
	for (i = 0; i < 512; i++)
		pt[i] = (base + i * PAGE) | flags;
	*pde = (uint64_t)pt | PTE_P | PTE_W | PTE_U;
	return pt;
}

/* Each leaf entry e of [addr, addr + len) becomes (e & keep) | set, 2 MiB
 * pages split where the range covers only part of them. */
static int update(uintptr_t addr, size_t len, uint64_t keep, uint64_t set)
{
	uint64_t va = addr & ~(PAGE - 1);
	uint64_t end;
	int r = 0;

	/* Check before adding: addr + len can wrap past 2^64 to an end that
	 * looks in range and leave the range silently unprotected. */
	if (addr > MAPPED_LIMIT || len > MAPPED_LIMIT - addr)
		return -1;
	end = (addr + len + PAGE - 1) & ~(PAGE - 1);
	while (va < end) {
		uint64_t *pde = pd_entry(va), *pte;

		if ((*pde & PTE_PS) && !(va & (LARGE_PAGE - 1)) && va + LARGE_PAGE <= end) {
			*pde = (*pde & (keep | PTE_ADDR)) | PTE_PS | set;
			va += LARGE_PAGE;
			continue;
		}
		if (*pde & PTE_PS && !split(pde)) {
			r = -1;
			break;
		}
		pte = &((uint64_t *)(*pde & PTE_ADDR))[(va >> 12) & 511];
		*pte = (*pte & keep) | va | set;
		va += PAGE;
	}
	/* The CPU may cache old translations, including the 2 MiB ones just
	 * split: reload CR3 to drop them all. */
	write_cr3(read_cr3());
	return r;
}

int vm_protect(uintptr_t addr, size_t len, int prot)
{
	return update(addr, len, 0, leaf_flags(prot));
}

int vm_user(uintptr_t addr, size_t len, int on)
{
	return update(addr, len, ~PTE_U & ~PTE_ADDR, on ? PTE_U : 0);
}

/* Ring 3 reaches a page only if U is set at every level: the PML4 and
 * PDPT entries get it here once (split() gives it to page directory
 * entries of page tables); the leaves stay supervisor-only until
 * vm_user() opens them to a payload. */
void vm_user_init(void)
{
	uint64_t *pdpt = (uint64_t *)(boot_pml4[0] & PTE_ADDR);
	int i;

	boot_pml4[0] |= PTE_U;
	for (i = 0; i < (int)(MAPPED_LIMIT >> 30); i++)
		pdpt[i] |= PTE_U;
	write_cr3(read_cr3());
}

int vm_user_range(uintptr_t addr, size_t len, int write)
{
	uint64_t va, end;

	if (addr >= MAPPED_LIMIT || len > MAPPED_LIMIT - addr)
		return 0;
	end = addr + len;
	for (va = addr & ~(PAGE - 1); va < end; va += PAGE) {
		int p = vm_query(va);

		if (!(p & VM_U) || (write && !(p & VM_W)))
			return 0;
	}
	return 1;
}

int vm_query(uintptr_t addr)
{
	uint64_t e;

	if (addr >= MAPPED_LIMIT)
		return 0;
	e = *pd_entry(addr);
	if (!(e & PTE_PS))
		e = ((uint64_t *)(e & PTE_ADDR))[(addr >> 12) & 511];
	if (!(e & PTE_P))
		return 0;
	return VM_R | (e & PTE_W ? VM_W : 0) | (e & PTE_NX ? 0 : VM_X) | (e & PTE_U ? VM_U : 0);
}

static void protect(const char *what, uintptr_t start, uintptr_t end, int prot)
{
	if (vm_protect(start, end - start, prot))
		panic("vm: cannot protect %s [%#lx, %#lx): page table pool exhausted",
		      what, (unsigned long)start, (unsigned long)end);
}

void vm_init(void)
{
	uintptr_t kstart = (uintptr_t)__kernel_start, kend = (uintptr_t)__kernel_end;

	protect("low memory", PAGE, kstart, VM_R | VM_W);
	protect("high memory", kend, MAPPED_LIMIT, VM_R | VM_W);
	protect("multiboot header", kstart, (uintptr_t)__text_start, VM_R);
	protect(".text", (uintptr_t)__text_start, (uintptr_t)__text_end, VM_R | VM_X);
	/* Everything after .text read+write, no-execute, then .rodata read-only:
	 * a section someone adds to the linker script must not stay RWX.  (Not
	 * the whole image first: .text is running this code.) */
	protect(".data/.bss", (uintptr_t)__text_end, kend, VM_R | VM_W);
	protect(".rodata", (uintptr_t)__rodata_start, (uintptr_t)__rodata_end, VM_R);
	protect("page 0", 0, PAGE, 0);
	protect("stack guard", (uintptr_t)boot_stack_guard, (uintptr_t)boot_stack_bottom, 0);
}
