/* Sieve of Eratosthenes: the C twin of sieve.ssa. */
#include "twin.h"

long c_sieve(long n)
{
	unsigned char *flags = malloc(n);
	long count = 0, i, j;

	memset(flags, 1, n);
	for (i = 2; i < n; i++) {
		if (!flags[i])
			continue;
		count++;
		for (j = i * i; j < n; j += i)
			flags[j] = 0;
	}
	free(flags);
	return count;
}
