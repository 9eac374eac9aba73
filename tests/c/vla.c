/* Variable-length arrays: dynamic alloca. */
#include <stdio.h>

static long tri(int n)
{
	long row[n + 1];
	for (int i = 0; i <= n; i++) {
		row[i] = 1;
		for (int j = i - 1; j > 0; j--)
			row[j] += row[j - 1];
	}
	long s = 0;
	for (int i = 0; i <= n; i++)
		s += row[i] * (i + 1);
	return s;
}

static double grid(int w, int h)
{
	double g[h][w];
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			g[y][x] = x * 0.5 + y;
	double s = 0;
	for (int y = 0; y < h; y++)
		s += g[y][w - 1 - y % w];
	return s;
}

int main(void)
{
	for (int n = 1; n < 40; n += 7)
		printf("%ld ", tri(n));
	printf("\n%.2f %.2f\n", grid(3, 4), grid(10, 7));
	return 0;
}
