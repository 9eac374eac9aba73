/* _Bool values, logical operators and short-circuit evaluation. */
#include <stdio.h>
#include <stdbool.h>

static int calls;
static bool tick(bool v) { calls++; return v; }
static bool all(const bool *v, int n) { for (int i = 0; i < n; i++) if (!v[i]) return false; return true; }
static bool xor3(bool a, bool b, bool c) { return a ^ b ^ c; }

int main(void)
{
	bool v[5] = { true, true, false, true, true };
	printf("%d %d\n", all(v, 2), all(v, 5));
	int r = (tick(false) && tick(true)) + 2 * (tick(true) || tick(false)) + 4 * (tick(true) && tick(true));
	printf("%d %d\n", r, calls);
	int n = 0;
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++)
			for (int c = 0; c < 2; c++)
				n = n * 2 + xor3(a, b, c);
	bool big = 256, neg = -1, zero = 0.0, half = 0.5;
	printf("%d %d %d %d %d %zu\n", n, big, neg, zero, half, sizeof(bool));
	bool flags = false;
	for (int i = 0; i < 7; i++)
		flags = !flags;
	printf("%d %d\n", flags, !flags + !!5);
	return 0;
}
