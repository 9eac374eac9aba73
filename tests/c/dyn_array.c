/* A growable array with realloc, calloc'ed counters and free. */
#include <stdio.h>
#include <stdlib.h>

struct vec { long *data; size_t len, cap; };

static void push(struct vec *v, long x)
{
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4;
		v->data = realloc(v->data, v->cap * sizeof *v->data);
	}
	v->data[v->len++] = x;
}

int main(void)
{
	struct vec v = { 0 };
	for (long i = 0; i < 1000; i++)
		push(&v, i * i % 1009);
	long s = 0;
	for (size_t i = 0; i < v.len; i++)
		s += v.data[i];
	printf("%zu %zu %ld\n", v.len, v.cap, s);
	int *counts = calloc(1009, sizeof *counts);
	for (size_t i = 0; i < v.len; i++)
		counts[v.data[i]]++;
	int distinct = 0, maxc = 0;
	for (int i = 0; i < 1009; i++) {
		distinct += counts[i] != 0;
		if (counts[i] > maxc)
			maxc = counts[i];
	}
	printf("%d %d\n", distinct, maxc);
	free(counts);
	free(v.data);
	return 0;
}
