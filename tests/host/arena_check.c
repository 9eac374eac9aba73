/* The JIT arena's allocator (jit/arena.c) on a region of our own:
 * first fit, zeroed blocks, coalescing back to one extent, and free
 * pages a program wrote over (a wild write past its module) that do
 * not derail the next allocation.  Prints "ok" or what failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

#define PAGES 3000
static unsigned char region[PAGES * ARENA_PAGE] __attribute__((aligned(ARENA_PAGE)));
static int failed;

#define CHECK(c, ...) do { if (!(c)) { failed = 1; printf(__VA_ARGS__); printf("\n"); } } while (0)

static int
zeroed(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int
main(void)
{
	struct arena_stats st;
	unsigned char *a, *b, *c, *d, *one[PAGES];
	size_t i, n;

	arena_init((uintptr_t)region, sizeof region);
	a = arena_alloc(3 * ARENA_PAGE, ARENA_PAGE);
	b = arena_alloc(5 * ARENA_PAGE, ARENA_PAGE);
	c = arena_alloc(ARENA_PAGE, 16 * ARENA_PAGE);
	CHECK(a == region && b == a + 3 * ARENA_PAGE, "first fit: a %p b %p region %p",
		(void *)a, (void *)b, (void *)region);
	CHECK(c && ((uintptr_t)c & (16 * ARENA_PAGE - 1)) == 0, "alignment: c %p", (void *)c);
	memset(b, 0xab, 5 * ARENA_PAGE);
	arena_free(b, 5 * ARENA_PAGE);
	/* a wild write over the free pages, as a program writing past a's end */
	memset(a + 3 * ARENA_PAGE, 0x5a, 5 * ARENA_PAGE);
	d = arena_alloc(4 * ARENA_PAGE, ARENA_PAGE);
	CHECK(d == b, "the freed block again: d %p b %p", (void *)d, (void *)b);
	CHECK(d && zeroed(d, 4 * ARENA_PAGE), "a block comes zeroed");
	arena_free(a, 3 * ARENA_PAGE);
	arena_free(c, ARENA_PAGE);
	arena_free(d, 4 * ARENA_PAGE);
	arena_stats(&st);
	CHECK(st.free_bytes == sizeof region && st.free_extents == 1 && st.lost_bytes == 0,
		"all back: free %zu of %zu in %zu extents, lost %zu", st.free_bytes, st.size,
		st.free_extents, st.lost_bytes);
	CHECK(!arena_alloc(sizeof region + ARENA_PAGE, ARENA_PAGE), "too big is NULL");
	/* every page apart, every other one freed: more holes than the
	 * extent table holds; what it cannot record is counted, not lost
	 * track of */
	for (n = 0; n < PAGES && (one[n] = arena_alloc(ARENA_PAGE, ARENA_PAGE)); n++)
		;
	CHECK(n == PAGES, "%zu single pages of %d", n, PAGES);
	for (i = 0; i < n; i += 2)
		arena_free(one[i], ARENA_PAGE);
	arena_stats(&st);
	CHECK(st.free_bytes + st.lost_bytes == (n + 1) / 2 * ARENA_PAGE && st.lost_bytes > 0,
		"holes: free %zu + lost %zu, want %zu", st.free_bytes, st.lost_bytes,
		(n + 1) / 2 * ARENA_PAGE);
	for (i = 1; i < n; i += 2)
		arena_free(one[i], ARENA_PAGE);
	arena_stats(&st);
	CHECK(st.free_bytes + st.lost_bytes == sizeof region, "after all: free %zu + lost %zu",
		st.free_bytes, st.lost_bytes);
	if (!failed)
		printf("ok\n");
	return failed;
}
