/* N-queens by backtracking with bit masks. */
#include <stdio.h>

static int solve(int n, int row, unsigned cols, unsigned d1, unsigned d2)
{
	if (row == n)
		return 1;
	int count = 0;
	unsigned avail = ~(cols | d1 | d2) & ((1u << n) - 1);
	while (avail) {
		unsigned bit = avail & -avail;
		avail ^= bit;
		count += solve(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
	}
	return count;
}

int main(void)
{
	for (int n = 1; n <= 9; n++)
		printf("%d ", solve(n, 0, 0, 0, 0));
	printf("\n");
	return 0;
}
