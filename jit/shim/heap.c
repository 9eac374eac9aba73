/* QBE's heap. QBE frees its per-function pools itself but keeps some
 * blocks for the life of the process (interned strings, type tables,
 * free lists), and an error exit abandons whatever a pass had built.
 * Every block therefore sits on a list, and shim_heap_release() frees
 * all of them when a compile is over. */
#include "shim.h"
#include "libc.h"

struct blk {
	struct blk *prev, *next;
	size_t size;
	size_t pad;    /* keep the payload 16-byte aligned */
};

static struct blk live = {&live, &live, 0, 0};
static size_t nlive;

static void *
link(struct blk *b, size_t n)
{
	b->size = n;
	b->prev = &live;
	b->next = live.next;
	live.next->prev = b;
	live.next = b;
	nlive++;
	return b + 1;
}

static void
unlink(struct blk *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
	nlive--;
}

void *
shim_malloc(size_t n)
{
	struct blk *b;

	if (n > (size_t)-1 / 2)
		return 0;
	b = malloc(sizeof *b + n);
	if (!b)
		return 0;
	return link(b, n);
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
	struct blk *b;

	if (!p)
		return;
	b = (struct blk *)p - 1;
	unlink(b);
	free(b);
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
	struct blk *b;

	while ((b = live.next) != &live) {
		unlink(b);
		free(b);
	}
}
