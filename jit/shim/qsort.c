/* qsort for QBE: a stable merge sort. Stock qbe runs on glibc, whose
 * qsort is a merge sort for the sizes QBE sorts, and QBE's comparators
 * leave ties; sorting stably keeps our output equal to stock qbe's. */
#include "shim.h"
#include "libc.h"

static void
merge(char *a, size_t n, size_t size, char *tmp,
	int (*cmp)(const void *, const void *))
{
	size_t n1, i, j, k;
	char *b;

	if (n < 2)
		return;
	n1 = n / 2;
	b = a + n1 * size;
	merge(a, n1, size, tmp, cmp);
	merge(b, n - n1, size, tmp, cmp);
	i = 0;
	j = 0;
	k = 0;
	while (i < n1 && j < n - n1) {
		/* take from the left run on ties: that is what makes it stable */
		if (cmp(b + j * size, a + i * size) < 0)
			memcpy(tmp + k++ * size, b + j++ * size, size);
		else
			memcpy(tmp + k++ * size, a + i++ * size, size);
	}
	memcpy(tmp + k * size, a + i * size, (n1 - i) * size);
	k += n1 - i;
	memcpy(tmp + k * size, b + j * size, (n - n1 - j) * size);
	memcpy(a, tmp, n * size);
}

/* Without memory for the merge buffer, fall back to insertion sort
 * (also stable, only slower). */
static void
insertion(char *a, size_t n, size_t size,
	int (*cmp)(const void *, const void *))
{
	size_t i, j, k;
	char t;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cmp(a + (j - 1) * size, a + j * size) > 0; j--)
			for (k = 0; k < size; k++) {
				t = a[(j - 1) * size + k];
				a[(j - 1) * size + k] = a[j * size + k];
				a[j * size + k] = t;
			}
}

void
shim_qsort(void *base, size_t n, size_t size,
	int (*cmp)(const void *, const void *))
{
	char *tmp;

	if (n < 2 || size == 0)
		return;
	tmp = malloc(n * size);
	if (!tmp) {
		insertion(base, n, size, cmp);
		return;
	}
	merge(base, n, size, tmp, cmp);
	free(tmp);
}
