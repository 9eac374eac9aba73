/* The JIT arena: code and data of loaded modules. Free space is a list
 * of extents sorted by address, kept inside the free pages themselves
 * (the arena resets freed pages to read-write), so the allocator needs
 * no memory of its own. Modules are few and large: first fit over a
 * short list is plenty. */
#include "arena.h"
#include "shim/libc.h"

struct extent {
	size_t size;
	struct extent *next;
};

static struct extent *freelist;
static uintptr_t base;
static size_t total;

static size_t
pages(size_t n)
{
	return (n + ARENA_PAGE - 1) & ~(size_t)(ARENA_PAGE - 1);
}

void
arena_init(uintptr_t b, size_t size)
{
	base = b;
	total = size & ~(size_t)(ARENA_PAGE - 1);
	freelist = 0;
	if (total) {
		freelist = (struct extent *)base;
		freelist->size = total;
		freelist->next = 0;
	}
}

/* Carve [at, at+n) out of extent e (linked from *pe), keeping the parts
 * before and after it on the list. */
static void
carve(struct extent **pe, struct extent *e, uintptr_t at, size_t n)
{
	uintptr_t start, end;
	struct extent *tail;

	start = (uintptr_t)e;
	end = start + e->size;
	*pe = e->next;
	if (at + n < end) {
		tail = (struct extent *)(at + n);
		tail->size = end - (at + n);
		tail->next = *pe;
		*pe = tail;
	}
	if (at > start) {
		e->size = at - start;
		e->next = *pe;
		*pe = e;
	}
}

void *
arena_alloc(size_t size, size_t align)
{
	struct extent **pe, *e;
	uintptr_t at;

	if (size == 0 || size > total)
		return 0;
	size = pages(size);
	if (align < ARENA_PAGE)
		align = ARENA_PAGE;
	for (pe = &freelist; (e = *pe); pe = &e->next) {
		at = ((uintptr_t)e + align - 1) & ~(uintptr_t)(align - 1);
		if (at + size <= (uintptr_t)e + e->size) {
			carve(pe, e, at, size);
			memset((void *)at, 0, size);
			return (void *)at;
		}
	}
	return 0;
}

void
arena_free(void *p, size_t size)
{
	struct extent **pe, *e, *prev;
	uintptr_t at;

	if (!p || size == 0)
		return;
	at = (uintptr_t)p;
	size = pages(size);
	prev = 0;
	for (pe = &freelist; *pe && (uintptr_t)*pe < at; pe = &(*pe)->next)
		prev = *pe;
	e = (struct extent *)at;
	e->size = size;
	e->next = *pe;
	*pe = e;
	/* coalesce with the following extent, then with the preceding one */
	if (e->next && at + e->size == (uintptr_t)e->next) {
		e->size += e->next->size;
		e->next = e->next->next;
	}
	if (prev && (uintptr_t)prev + prev->size == at) {
		prev->size += e->size;
		prev->next = e->next;
	}
}

void
arena_stats(struct arena_stats *st)
{
	struct extent *e;

	st->size = total;
	st->free_bytes = 0;
	st->free_extents = 0;
	for (e = freelist; e; e = e->next) {
		st->free_bytes += e->size;
		st->free_extents++;
	}
}
