/*
 * malloc.c - the kernel heap: boundary-tag blocks in segregated free lists.
 *
 * Every block starts with a header word: its size (a multiple of 16,
 * header included) and two flags.  Blocks start at addresses = 8 mod 16,
 * so the payload after the 8-byte header is 16-byte aligned.  A free block
 * also holds list links after its header and repeats its size in its last
 * word (the footer), so free() finds and merges both neighbours in O(1):
 * the next block is at b + size, and when the PREV_USED flag is clear the
 * previous block's footer is the word just before b.  Free blocks never
 * touch each other.  A zero-sized used header (the epilogue) ends the heap.
 *
 * Free blocks sit in bins by power of two of their size; malloc takes the
 * first fitting block of the smallest bin that can hold the request.
 */
#include "kernel.h"

#define USED		1ul	/* header flag: this block is allocated */
#define PREV_USED	2ul	/* header flag: the block before is allocated */
#define FLAGS		(USED | PREV_USED)
#define ALIGN		16
#define HDR		sizeof(size_t)
#define MIN_BLOCK	32	/* header, two links, footer */
#define NBINS		40

struct block {
	size_t hdr;
	struct block *next, *prev;	/* free blocks only */
};

static struct block *bins[NBINS];
static struct block *heap_first;	/* first block */
static char *heap_end;			/* address of the epilogue header */

static size_t bsize(const struct block *b) { return b->hdr & ~FLAGS; }
static struct block *after(struct block *b) { return (struct block *)((char *)b + bsize(b)); }
static void *payload(struct block *b) { return (char *)b + HDR; }
static struct block *of(void *p) { return (struct block *)((char *)p - HDR); }

static int bin_of(size_t size)
{
	int b = 63 - __builtin_clzl(size) - 5;	/* MIN_BLOCK = 2^5 -> bin 0 */

	return b < NBINS ? b : NBINS - 1;
}

static void set_footer(struct block *b)
{
	((size_t *)after(b))[-1] = bsize(b);
}

static void bin_insert(struct block *b)
{
	int i = bin_of(bsize(b));

	b->prev = 0;
	b->next = bins[i];
	if (bins[i])
		bins[i]->prev = b;
	bins[i] = b;
}

static void bin_remove(struct block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		bins[bin_of(bsize(b))] = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Make b (its header already sized, not USED) a free block: merge with free
 * neighbours, then file it. */
static void release(struct block *b)
{
	struct block *n = after(b);

	if (!(n->hdr & USED)) {
		bin_remove(n);
		b->hdr += bsize(n);
	}
	if (!(b->hdr & PREV_USED)) {
		struct block *p = (struct block *)((char *)b - ((size_t *)b)[-1]);
		bin_remove(p);
		p->hdr += bsize(b);
		b = p;
	}
	b->hdr = bsize(b) | PREV_USED;	/* a free block's predecessor is never free */
	set_footer(b);
	after(b)->hdr &= ~PREV_USED;
	bin_insert(b);
}

/* Cut b (in use) down to size bytes and free the rest, if big enough. */
static void trim(struct block *b, size_t size)
{
	struct block *rest;

	if (bsize(b) - size < MIN_BLOCK)
		return;
	rest = (struct block *)((char *)b + size);
	rest->hdr = (bsize(b) - size) | PREV_USED;
	b->hdr = size | (b->hdr & FLAGS);
	release(rest);
}

static size_t block_size(size_t n)
{
	if (n > (size_t)1 << 62)
		return 0;
	n = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return n < MIN_BLOCK ? MIN_BLOCK : n;
}

/* Asked for the heap's pages at its first allocation when it has none
 * yet: the user-mode copy of this file in an isolated payload
 * (jit/user/user.c), so a payload that never allocates costs no heap. */
void (*heap_first_use)(void);

static void *heap_alloc(size_t n)
{
	size_t need = block_size(n);
	struct block *b = 0;
	int i;

	if (!heap_first && heap_first_use)
		heap_first_use();
	if (!need)
		return 0;
	for (i = bin_of(need); i < NBINS && !b; i++)
		for (b = bins[i]; b && bsize(b) < need; b = b->next)
			;
	if (!b)
		return 0;
	bin_remove(b);
	b->hdr |= USED;
	after(b)->hdr |= PREV_USED;
	trim(b, need);
	return payload(b);
}

static struct block *checked(void *p, const char *fn)
{
	struct block *b = of(p);

	if ((uintptr_t)p % ALIGN || (char *)b < (char *)heap_first ||
	    (char *)b >= heap_end || !(b->hdr & USED))
		panic("%s(%p): not an allocated block (double free or bad pointer)", fn, p);
	return b;
}

static void heap_free(void *p)
{
	struct block *b;

	if (!p)
		return;
	b = checked(p, "free");
	b->hdr &= ~USED;
	release(b);
}

static void *heap_calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > (size_t)-1 / size)
		return 0;
	p = heap_alloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

static void *heap_realloc(void *p, size_t n)
{
	struct block *b, *nx;
	size_t need = block_size(n);
	void *q;

	if (!p)
		return heap_alloc(n);
	if (!n) {
		heap_free(p);
		return 0;
	}
	b = checked(p, "realloc");
	if (!need)
		return 0;
	nx = after(b);
	if (bsize(b) < need && !(nx->hdr & USED) && bsize(b) + bsize(nx) >= need) {
		/* Grow in place into the free block that follows. */
		bin_remove(nx);
		b->hdr += bsize(nx);
		after(b)->hdr |= PREV_USED;
	}
	if (bsize(b) >= need) {
		trim(b, need);
		return p;
	}
	q = heap_alloc(n);
	if (q) {
		memcpy(q, p, bsize(b) - HDR);
		heap_free(p);
	}
	return q;
}

/*
 * The public entry points.  JIT'd payloads call them with the watchdog
 * armed; a timeout that stopped a payload halfway through a heap operation
 * would leave the heap broken for every later module, so watchdog_hold
 * makes the timer interrupt wait until the operation is over (each is
 * short and bounded).
 */
void *malloc(size_t n)
{
	void *p;

	watchdog_hold++;
	p = heap_alloc(n);
	watchdog_hold--;
	return p;
}

void free(void *p)
{
	watchdog_hold++;
	heap_free(p);
	watchdog_hold--;
}

void *calloc(size_t count, size_t size)
{
	void *p;

	watchdog_hold++;
	p = heap_calloc(count, size);
	watchdog_hold--;
	return p;
}

void *realloc(void *p, size_t n)
{
	void *q;

	watchdog_hold++;
	q = heap_realloc(p, n);
	watchdog_hold--;
	return q;
}

/* The heap over [addr, addr + size): the kernel's (heap_init), or an
 * isolated payload's in the user-mode copy of this file (jit/user/). */
void heap_init_at(uintptr_t addr, size_t size)
{
	uintptr_t start = (addr + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	uintptr_t end = (addr + size) & ~(uintptr_t)(ALIGN - 1);

	if (end < start || end - start < 4 * MIN_BLOCK)
		panic("heap: heap_size %#lx is too small", (unsigned long)size);
	/* Blocks at 8 mod 16; the last 8 bytes hold the epilogue header. */
	heap_first = (struct block *)(start + HDR);
	heap_end = (char *)(end - HDR);
	heap_first->hdr = (end - start - 2 * HDR) | PREV_USED;	/* nothing to merge with before it */
	((struct block *)heap_end)->hdr = USED;
	set_footer(heap_first);
	bin_insert(heap_first);
}

void heap_init(void)
{
	heap_init_at(JB_HEAP_ADDR, JB_HEAP_SIZE);
}

void heap_stats(struct heap_stats *st)
{
	struct block *b;

	*st = (struct heap_stats){ 0 };
	for (b = heap_first; (char *)b < heap_end; b = after(b)) {
		if (b->hdr & USED)
			st->used_blocks++, st->used_bytes += bsize(b);
		else
			st->free_blocks++, st->free_bytes += bsize(b);
	}
}

int heap_check(void)
{
	struct block *b;
	int prev_used = 1;

	for (b = heap_first; (char *)b < heap_end; b = after(b)) {
		if (bsize(b) < MIN_BLOCK || bsize(b) % ALIGN)
			return -1;
		if (!!(b->hdr & PREV_USED) != prev_used)
			return -1;
		if (!(b->hdr & USED)) {
			if (!prev_used || ((size_t *)after(b))[-1] != bsize(b))
				return -1;
		}
		prev_used = !!(b->hdr & USED);
	}
	return (char *)b == heap_end ? 0 : -1;
}
