/* Instruction-cache maintenance for JIT'd code on AArch64, for the
 * kernel (the host twin uses __builtin___clear_cache).
 *
 * The loader writes code with ordinary stores, which go to the data
 * cache; instruction fetch reads through the instruction cache, which
 * AArch64 does not keep coherent with it. So, for every line of the
 * range: clean the data cache to the point of unification (dc cvau),
 * wait for that to complete (dsb ish), invalidate the instruction cache
 * (ic ivau), wait again, and discard anything already fetched (isb).
 * Line sizes come from CTR_EL0 (DminLine, bits 19:16, and IminLine,
 * bits 3:0, are log2 of the line in 4-byte words); when CTR_EL0 says
 * the clean (IDC) or the invalidation (DIC) is not needed, it is left
 * out, as Linux's own routine does. */
#include <stddef.h>
#include <stdint.h>
#include "platform.h"

enum {
	CTR_IDC = 1u << 28,     /* no dc clean needed for coherence */
	CTR_DIC = 1u << 29,     /* no ic invalidate needed for coherence */
};

void
jit_sync_code(void *p, size_t len)
{
	uint64_t ctr;
	uintptr_t start, end, a, dline, iline;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	dline = (uintptr_t)4 << (ctr >> 16 & 0xf);
	iline = (uintptr_t)4 << (ctr & 0xf);
	start = (uintptr_t)p;
	end = start + len;
	if (!(ctr & CTR_IDC))
		for (a = start & ~(dline - 1); a < end; a += dline)
			__asm__ volatile("dc cvau, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish" : : : "memory");
	if (!(ctr & CTR_DIC))
		for (a = start & ~(iline - 1); a < end; a += iline)
			__asm__ volatile("ic ivau, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish\n\tisb" : : : "memory");
}
