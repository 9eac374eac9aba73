/* Platform hooks for the host twin (jitrun): the JIT arena is an mmap'd
 * region within 2 GiB (AArch64: 128 MiB) of the program text, protections are mprotect,
 * and kernel_lib's services in the export table get host versions.
 * jitrun is linked -no-pie, so its text sits low (0x400000) and the
 * addresses of libc functions it takes are its own PLT entries, which
 * are near that text too. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include "platform.h"
#include "arena.h"
#include "host.h"


/* Where the arena may go, above the text: the first free spot among a
 * few candidates. On x86-64 between 1 and 1.75 GiB up: close enough for
 * rel32 both ways, clear of the brk heap that starts right after
 * jitrun's bss. On AArch64 bl reaches only +-128 MiB and the loader
 * makes no veneers, so the arena goes 40-56 MiB up (past QBE's 16 MiB
 * of bss; brk then stops at the arena and malloc maps elsewhere), and
 * a 64 MiB arena still ends within 128 MiB of the text. far puts it
 * 8 GiB up, out of every relocation's reach (host_arena_init_far):
 * `jitrun --far-arena` shows the loader's range errors. */
#if defined(__aarch64__)
#define ARENA_FIRST ((uintptr_t)40 << 20)
#define ARENA_STEP ((uintptr_t)8 << 20)
#else
#define ARENA_FIRST ((uintptr_t)1 << 30)
#define ARENA_STEP ((uintptr_t)256 << 20)
#endif

static int
place(size_t size, int far)
{
	uintptr_t text, at;
	void *p;
	int i;

	text = (uintptr_t)&host_arena_init;
	for (i = 0; i < 4; i++) {
		at = (text + (far ? (uintptr_t)8 << 30 : ARENA_FIRST) + (uintptr_t)i * ARENA_STEP)
			& ~(uintptr_t)0xfffff;
		p = mmap((void *)at, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == (void *)at) {
			arena_init(at, size);
			return 0;
		}
		if (p != MAP_FAILED)
			munmap(p, size);
	}
	return -1;
}

int
host_arena_init(size_t size)
{
	return place(size, 0);
}

int
host_arena_init_far(size_t size)
{
	return place(size, 1);
}

void *
jit_arena_alloc(size_t size, size_t align)
{
	return arena_alloc(size, align);
}

void
jit_arena_free(void *p, size_t size)
{
	if (!p)
		return;
	size = (size + ARENA_PAGE - 1) & ~(size_t)(ARENA_PAGE - 1);
	mprotect(p, size, PROT_READ | PROT_WRITE);
	arena_free(p, size);
}

int
jit_protect(void *addr, size_t len, int prot)
{
	int p;

	p = 0;
	if (prot & JIT_PROT_R)
		p |= PROT_READ;
	if (prot & JIT_PROT_W)
		p |= PROT_WRITE;
	if (prot & JIT_PROT_X)
		p |= PROT_EXEC;
	return mprotect(addr, len, p) == 0 ? 0 : -1;
}

#if defined(__aarch64__)
/* instruction fetch is not coherent with the stores that wrote the code */
void
jit_sync_code(void *p, size_t len)
{
	__builtin___clear_cache((char *)p, (char *)p + len);
}
#endif

/* kernel_lib's timing services, for programs that time themselves (on
 * AArch64 the generic timer's virtual counter stands in for the TSC, as
 * in the aarch64 kernel) */
uint64_t
rdtsc(void)
{
#if defined(__aarch64__)
	uint64_t t;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(t));
	return t;
#else
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#endif
}

uint64_t
tsc_hz(void)
{
	static uint64_t hz;
	struct timespec t0, t1;
	uint64_t c0, c1, ns;

	if (hz)
		return hz;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c0 = rdtsc();
	do
		clock_gettime(CLOCK_MONOTONIC, &t1);
	while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 10000000L);
	c1 = rdtsc();
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	hz = (c1 - c0) * 1000000000ull / ns;
	return hz;
}
