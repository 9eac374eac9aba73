/* Sieve of Eratosthenes and prime statistics. */
#include <stdio.h>
#include <string.h>

#define LIMIT 20000
static unsigned char composite[LIMIT + 1];

int main(void)
{
	memset(composite, 0, sizeof composite);
	for (int i = 2; i * i <= LIMIT; i++)
		if (!composite[i])
			for (int j = i * i; j <= LIMIT; j += i)
				composite[j] = 1;
	int count = 0, twins = 0, last = 0, gap = 0;
	long sum = 0;
	for (int i = 2; i <= LIMIT; i++)
		if (!composite[i]) {
			count++;
			sum += i;
			if (last && i - last == 2)
				twins++;
			if (last && i - last > gap)
				gap = i - last;
			last = i;
		}
	printf("%d %ld %d %d %d\n", count, sum, twins, gap, last);
	return 0;
}
