/* Nested loops with break, continue and goto; do-while; Collatz lengths. */
#include <stdio.h>

static int collatz(unsigned long n)
{
	int steps = 0;
	while (n != 1) {
		n = n & 1 ? 3 * n + 1 : n / 2;
		steps++;
	}
	return steps;
}

int main(void)
{
	int best = 0, arg = 0;
	for (unsigned long n = 1; n < 3000; n++) {
		int s = collatz(n);
		if (s > best) { best = s; arg = (int)n; }
	}
	printf("%d %d\n", arg, best);
	int found = 0;
	for (int a = 1; a < 50; a++)
		for (int b = a; b < 50; b++) {
			if ((a + b) % 7 == 0)
				continue;
			for (int c = b; c < 70; c++)
				if (a * a + b * b == c * c) {
					found++;
					if (found == 12)
						goto done;
					break;
				}
		}
done:
	printf("%d\n", found);
	int i = 0, sum = 0;
	do {
		sum += i;
		if (sum > 100)
			break;
	} while (++i < 50);
	printf("%d %d\n", i, sum);
	int n = 0;
again:
	n += 3;
	if (n < 20)
		goto again;
	printf("%d\n", n);
	return 0;
}
