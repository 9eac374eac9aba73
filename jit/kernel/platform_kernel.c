/* Platform hooks for the kernel: the JIT arena is the recipe's region
 * [JB_JIT_ARENA_ADDR, +JB_JIT_ARENA_SIZE), placed by the linker script
 * within 2 GiB of the kernel text, so JIT'd code reaches kernel_lib with
 * rel32 calls (on aarch64: within the +-128 MiB of CALL26 and the +-4 GiB
 * of ADRP); page protections go through vm_protect, which on aarch64 also
 * cleans the D-cache and invalidates the I-cache of a range made
 * executable (kernel_lib/arch/aarch64/mmu.c). */
#include "kernel.h"
#include "platform.h"
#include "arena.h"

static int ready;

/* First use sets the arena up: its pages become read-write (and not
 * executable) before the free list is written into them. */
static int
arena_ready(void)
{
	if (!ready) {
		if (vm_protect(JB_JIT_ARENA_ADDR, JB_JIT_ARENA_SIZE, VM_R | VM_W) != 0)
			return 0;
		arena_init(JB_JIT_ARENA_ADDR, JB_JIT_ARENA_SIZE);
		ready = 1;
	}
	return 1;
}

void *
jit_arena_alloc(size_t size, size_t align)
{
	if (!arena_ready())
		return 0;
	return arena_alloc(size, align);
}

void
jit_arena_free(void *p, size_t size)
{
	if (!p)
		return;
	/* the free list lives in free pages: make them writable again */
	size = (size + ARENA_PAGE - 1) & ~(size_t)(ARENA_PAGE - 1);
	vm_protect((uintptr_t)p, size, VM_R | VM_W);
	arena_free(p, size);
}

int
jit_protect(void *addr, size_t len, int prot)
{
	/* JIT_PROT_* and VM_* are the same bits */
	return vm_protect((uintptr_t)addr, len, prot);
}

/* qsort for the JIT's own sources outside QBE's shim (the AArch64
 * assembler sorts its relocations): the payload library's, a stable
 * merge sort, so the order matches the host twin's glibc qsort. */
void lc_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

void
qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	lc_qsort(base, n, size, cmp);
}
