/* Platform hooks for the host twin (jitrun): the JIT arena is an mmap'd
 * region within 2 GiB of the program text, protections are mprotect,
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


/* Reserve the arena at the first free spot among a few candidates
 * between 1 and 1.75 GiB above the text: close enough for rel32 both
 * ways, clear of the brk heap that starts right after jitrun's bss. */
int
host_arena_init(size_t size)
{
	uintptr_t text, at;
	void *p;
	int i;

	text = (uintptr_t)&host_arena_init;
	for (i = 0; i < 4; i++) {
		at = (text + ((uintptr_t)1 << 30) + (uintptr_t)i * (256u << 20))
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

/* kernel_lib's timing services, for programs that time themselves */
uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
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
