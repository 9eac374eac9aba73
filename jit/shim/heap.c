/* QBE's heap. QBE frees its per-function pools itself but keeps some
 * blocks for the life of the process (interned strings, type tables,
 * free lists), and an error exit abandons whatever a pass had built.
 * Every block therefore sits in a chunk on a list, and
 * shim_heap_release() frees all of them when a compile is over.
 *
 * QBE makes thousands of small blocks per function and frees almost
 * none of them one by one: with the inliner waiting for the whole
 * module, nearly all of them go at the end of the compile. A round trip
 * through the system allocator per block cost about 350 instructions
 * (glibc, its cache off, as jitrun's leak check wants it), a tenth of
 * the compile. Small blocks are therefore cut from chunks of CHUNK
 * bytes, one after the other; a chunk counts its live blocks and goes
 * back to the system when the last one is freed (QBE's freeall() after
 * each function when nothing waits), so memory still follows QBE's
 * frees, chunk by chunk. Big blocks get a chunk of their own. Under
 * AddressSanitizer every block has its own chunk, so a use after free
 * is still caught. */
#include "shim.h"
#include "libc.h"

#if defined(__SANITIZE_ADDRESS__)
#define ONEPERCHUNK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ONEPERCHUNK 1
#endif
#endif
#ifndef ONEPERCHUNK
#define ONEPERCHUNK 0
#endif

enum {
	ALIGN = 16,
	CHUNK = 64 << 10,
	BIG = ONEPERCHUNK ? 0 : 8 << 10,   /* more than this: own chunk */
};

struct chunk {
	struct chunk *prev, *next;
	size_t used, cap;      /* bytes of the payload area */
	size_t nblk;           /* live blocks in it */
	size_t pad;            /* keep the payload 16-byte aligned */
};

struct blk {
	struct chunk *ck;
	size_t size;           /* asked for: what realloc copies */
};

static struct chunk chunks = {&chunks, &chunks, 0, 0, 0, 0};
static struct chunk *cur;  /* small blocks come from here */
static size_t nlive;

static size_t
roundup(size_t n)
{
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static struct chunk *
newchunk(size_t cap)
{
	struct chunk *c;

	c = malloc(sizeof *c + cap);
	if (!c)
		return 0;
	c->used = 0;
	c->cap = cap;
	c->nblk = 0;
	c->prev = &chunks;
	c->next = chunks.next;
	chunks.next->prev = c;
	chunks.next = c;
	return c;
}

static void
freechunk(struct chunk *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	if (c == cur)
		cur = 0;
	free(c);
}

void *
shim_malloc(size_t n)
{
	struct chunk *c;
	struct blk *b;
	size_t need;

	if (n > (size_t)-1 / 2)
		return 0;
	need = sizeof *b + roundup(n);
	if (need > BIG) {
		if (!(c = newchunk(need)))
			return 0;
	} else {
		/* the chunk left behind goes when its last block does */
		if (!cur || cur->cap - cur->used < need)
			if (!(cur = newchunk(CHUNK)))
				return 0;
		c = cur;
	}
	b = (struct blk *)((char *)(c + 1) + c->used);
	c->used += need;
	c->nblk++;
	b->ck = c;
	b->size = n;
	nlive++;
	return b + 1;
}

void *
shim_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / 2 / size)
		return 0;
	p = shim_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void
shim_free(void *p)
{
	struct chunk *c;
	struct blk *b;

	if (!p)
		return;
	b = (struct blk *)p - 1;
	c = b->ck;
	nlive--;
	if (--c->nblk > 0)
		return;
	if (c == cur)
		c->used = 0;   /* empty: start it over */
	else
		freechunk(c);
}

void *
shim_realloc(void *p, size_t n)
{
	struct blk *b;
	void *q;

	if (!p)
		return shim_malloc(n);
	b = (struct blk *)p - 1;
	q = shim_malloc(n);
	if (!q)
		return 0;
	memcpy(q, p, b->size < n ? b->size : n);
	shim_free(p);
	return q;
}

size_t
shim_heap_live(void)
{
	return nlive;
}

void
shim_heap_release(void)
{
	while (chunks.next != &chunks)
		freechunk(chunks.next);
	cur = 0;
	nlive = 0;
}
