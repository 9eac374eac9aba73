/* Sorting records through a comparator function pointer, as qsort users
 * do: a top-down merge sort with a scratch buffer, by two different keys;
 * the result is checked for order and stability. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	int key;
	int seq;
	double weight;
	char name[8];
};

typedef int (*cmp_fn)(const void *a, const void *b);

static void merge_sort(void *base, size_t n, size_t size, cmp_fn cmp, void *tmp)
{
	if (n < 2)
		return;
	char *a = base, *t = tmp;
	size_t half = n / 2;
	merge_sort(a, half, size, cmp, tmp);
	merge_sort(a + half * size, n - half, size, cmp, tmp);
	size_t i = 0, j = half, k = 0;
	while (i < half && j < n) {
		if (cmp(a + j * size, a + i * size) < 0)
			memcpy(t + k++ * size, a + j++ * size, size);
		else
			memcpy(t + k++ * size, a + i++ * size, size);
	}
	while (i < half)
		memcpy(t + k++ * size, a + i++ * size, size);
	while (j < n)
		memcpy(t + k++ * size, a + j++ * size, size);
	memcpy(a, t, n * size);
}

static int by_key(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static int by_weight(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return (x->weight > y->weight) - (x->weight < y->weight);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	const size_t n = 20000;
	struct rec *r = malloc(n * sizeof *r), *tmp = malloc(n * sizeof *tmp);
	unsigned long check = 0;
	int ok = 1;
	for (int round = 0; round < 4 * scale; round++) {
		unsigned seed = 2463534242u + round;
		for (size_t i = 0; i < n; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			r[i].key = (int)(seed % 1000);
			r[i].seq = (int)i;
			r[i].weight = (seed >> 10) / 1024.0;
			memcpy(r[i].name, "record", 7);
		}
		merge_sort(r, n, sizeof *r, by_key, tmp);
		for (size_t i = 1; i < n; i++) {
			ok &= r[i - 1].key <= r[i].key;
			/* stable: equal keys keep their input order */
			if (r[i - 1].key == r[i].key)
				ok &= r[i - 1].seq < r[i].seq;
		}
		for (size_t i = 0; i < n; i += 97)
			check = check * 31 + (unsigned long)r[i].seq;
		merge_sort(r, n, sizeof *r, by_weight, tmp);
		for (size_t i = 1; i < n; i++)
			ok &= r[i - 1].weight <= r[i].weight;
		for (size_t i = 0; i < n; i += 101)
			check = check * 31 + (unsigned long)r[i].key;
	}
	printf("checksum %lu\n", check);
	free(r);
	free(tmp);
	printf("%s\n", ok ? "ok" : "FAIL: not sorted");
	return ok ? 0 : 1;
}
