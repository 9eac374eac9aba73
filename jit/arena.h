/* Page-granular first-fit allocator over one fixed region: the JIT
 * arena behind jit_arena_alloc() in both the kernel and jitrun. */
#ifndef JIT_ARENA_H
#define JIT_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define ARENA_PAGE 4096

/* The region must be page aligned, readable and writable.  The free
 * list is kept outside it: writes into free pages harm nothing. */
void arena_init(uintptr_t base, size_t size);
/* size rounds up to pages; align is a power of two (at least a page).
 * Returns zeroed memory or NULL. */
void *arena_alloc(size_t size, size_t align);
void arena_free(void *p, size_t size);

struct arena_stats {
	size_t size;          /* whole region */
	size_t free_bytes;
	size_t free_extents;  /* 1 when nothing is allocated: all coalesced */
	size_t lost_bytes;    /* freed while the extent table was full */
};
void arena_stats(struct arena_stats *st);

#endif
