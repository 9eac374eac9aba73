/* Quicksort of LCG numbers: the C twin of quicksort.ssa (same partition,
 * same recursion, same checksum). */
#include "twin.h"

static void qs(long *a, long lo, long hi)
{
	long pivot, i, j, t;

	if (lo >= hi)
		return;
	pivot = a[lo + (hi - lo) / 2];
	i = lo;
	j = hi;
	while (i <= j) {
		while (a[i] < pivot)
			i++;
		while (a[j] > pivot)
			j--;
		if (i <= j) {
			t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
	}
	if (lo < j)
		qs(a, lo, j);
	if (i < hi)
		qs(a, i, hi);
}

long c_quicksort(long n)
{
	long *a = malloc(n * sizeof *a), i, prev = 0;
	unsigned long x = 1, sum = 0;

	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		a[i] = (long)(x >> 33);
	}
	qs(a, 0, n - 1);
	for (i = 0; i < n; i++) {
		if (a[i] < prev) {
			sum = (unsigned long)-1;
			break;
		}
		sum += (unsigned long)(i + 1) * (unsigned long)a[i];
		prev = a[i];
	}
	free(a);
	return (long)sum;
}
