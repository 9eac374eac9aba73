/* Integer matrix multiply: the C twin of matmul.ssa.  The checksum is
 * unsigned so its wrap-around is defined, as it is in the IL. */
#include "twin.h"

static long *fill(long n, long ka, long kb, long m)
{
	long *a = malloc(n * n * sizeof *a);
	long i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			a[i * n + j] = (ka * i + kb * j) % m - m / 2;
	return a;
}

long c_matmul(long n)
{
	long *a = fill(n, 1, 2, 11), *b = fill(n, 3, 1, 13);
	unsigned long sum = 0;
	long i, j, k, s;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			s = 0;
			for (k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			sum = sum * 31 + s;
		}
	free(a);
	free(b);
	return (long)sum;
}
