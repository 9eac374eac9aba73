/* The JIT arena: code and data of loaded modules. Free space is a
 * table of extents sorted by address, kept here, out of the arena: a
 * program writing past its module's data into free pages (a wild
 * offset from a symbol) then writes over nothing the allocator needs;
 * in the free pages themselves, the list's links were such a write's
 * first victim, and the next module went wherever they pointed.
 * Modules are few and large: first fit over a short table is plenty. */
#include "arena.h"
#include "shim/libc.h"

/* Free extents are at most one more than the blocks allocated. */
enum { MAX_EXTENTS = 1024 };

static struct extent {
	uintptr_t start;
	size_t size;
} ext[MAX_EXTENTS];
static size_t next;             /* extents in use, ext[0..next) */
static size_t total, lost;      /* lost: freed with the table full */

static size_t
pages(size_t n)
{
	return (n + ARENA_PAGE - 1) & ~(size_t)(ARENA_PAGE - 1);
}

void
arena_init(uintptr_t b, size_t size)
{
	total = size & ~(size_t)(ARENA_PAGE - 1);
	lost = 0;
	next = 0;
	if (total)
		ext[next++] = (struct extent){b, total};
}

/* Room for one more extent at index i (ext[i..] move up). */
static int
open_at(size_t i)
{
	size_t k;

	if (next == MAX_EXTENTS)
		return -1;
	for (k = next; k > i; k--)
		ext[k] = ext[k - 1];
	next++;
	return 0;
}

static void
close_at(size_t i)
{
	for (next--; i < next; i++)
		ext[i] = ext[i + 1];
}

void *
arena_alloc(size_t size, size_t align)
{
	uintptr_t at, end;
	size_t i;

	if (size == 0 || size > total)
		return 0;
	size = pages(size);
	if (align < ARENA_PAGE)
		align = ARENA_PAGE;
	for (i = 0; i < next; i++) {
		at = (ext[i].start + align - 1) & ~(uintptr_t)(align - 1);
		end = ext[i].start + ext[i].size;
		if (at < ext[i].start || at + size > end || at + size < at)
			continue;
		/* carve [at, at+size): the part before stays at i, the
		 * part after follows it */
		if (at > ext[i].start && at + size < end) {
			if (open_at(i + 1) != 0)
				return 0;
			ext[i + 1] = (struct extent){at + size, end - (at + size)};
			ext[i].size = at - ext[i].start;
		} else if (at > ext[i].start) {
			ext[i].size = at - ext[i].start;
		} else if (at + size < end) {
			ext[i] = (struct extent){at + size, end - (at + size)};
		} else {
			close_at(i);
		}
		memset((void *)at, 0, size);
		return (void *)at;
	}
	return 0;
}

void
arena_free(void *p, size_t size)
{
	uintptr_t at;
	size_t i;
	int before, after;

	if (!p || size == 0)
		return;
	at = (uintptr_t)p;
	size = pages(size);
	for (i = 0; i < next && ext[i].start < at; i++)
		;
	/* coalesce with the extent before (i-1) and the one after (i) */
	before = i > 0 && ext[i - 1].start + ext[i - 1].size == at;
	after = i < next && at + size == ext[i].start;
	if (before && after) {
		ext[i - 1].size += size + ext[i].size;
		close_at(i);
	} else if (before) {
		ext[i - 1].size += size;
	} else if (after) {
		ext[i].start = at;
		ext[i].size += size;
	} else if (open_at(i) == 0) {
		ext[i] = (struct extent){at, size};
	} else {
		lost += size;
	}
}

void
arena_stats(struct arena_stats *st)
{
	size_t i;

	st->size = total;
	st->free_bytes = 0;
	st->free_extents = next;
	for (i = 0; i < next; i++)
		st->free_bytes += ext[i].size;
	st->lost_bytes = lost;
}
