/* A heap-allocated linked list: build, reverse, merge sort, free. */
#include <stdio.h>
#include <stdlib.h>

struct node { long v; struct node *next; };

static struct node *push(struct node *head, long v)
{
	struct node *n = malloc(sizeof *n);
	n->v = v;
	n->next = head;
	return n;
}
static struct node *reverse(struct node *h)
{
	struct node *prev = NULL;
	while (h) {
		struct node *next = h->next;
		h->next = prev;
		prev = h;
		h = next;
	}
	return prev;
}
static struct node *merge(struct node *a, struct node *b)
{
	struct node head, *t = &head;
	while (a && b) {
		if (a->v <= b->v) { t->next = a; a = a->next; }
		else { t->next = b; b = b->next; }
		t = t->next;
	}
	t->next = a ? a : b;
	return head.next;
}
static struct node *msort(struct node *h)
{
	if (!h || !h->next)
		return h;
	struct node *slow = h, *fast = h->next;
	while (fast && fast->next) { slow = slow->next; fast = fast->next->next; }
	struct node *second = slow->next;
	slow->next = NULL;
	return merge(msort(h), msort(second));
}
static void print(struct node *h) { for (; h; h = h->next) printf("%ld ", h->v); printf("\n"); }

int main(void)
{
	struct node *l = NULL;
	unsigned x = 12345;
	for (int i = 0; i < 20; i++) {
		x = x * 1103515245u + 12345u;
		l = push(l, (long)(x >> 16) % 1000 - 500);
	}
	print(l);
	l = reverse(l);
	print(l);
	l = msort(l);
	print(l);
	while (l) { struct node *n = l->next; free(l); l = n; }
	return 0;
}
