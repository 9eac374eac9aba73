/* Ternaries, min/max and abs patterns (select, smax/umin/abs at -O2). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }
static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }
static uint64_t umin64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static int iabs(int a) { return a < 0 ? -a : a; }
static double dmax(double a, double b) { return a > b ? a : b; }

int main(void)
{
	volatile int seed = 5;
	int v[9];
	int n = 9;
	for (int i = 0; i < n; i++)
		v[i] = (seed * (i + 3) * 37) % 211 - 105;
	int hi = v[0], lo = v[0], sumabs = 0;
	unsigned uh = 0;
	uint64_t ul = UINT64_MAX;
	double dm = -1e9;
	for (int i = 0; i < n; i++) {
		hi = imax(hi, v[i]);
		lo = imin(lo, v[i]);
		uh = umax(uh, (unsigned)v[i]);
		ul = umin64(ul, (uint64_t)(int64_t)v[i]);
		sumabs += iabs(v[i]) + abs(v[i]) - (int)labs((long)v[i] * 2) / 2;
		dm = dmax(dm, v[i] * 0.5);
	}
	printf("%d %d %u %llu %d %.1f\n", hi, lo, uh, (unsigned long long)ul, sumabs, dm);
	int clamp = 0;
	for (int i = -20; i < 20; i++)
		clamp += i < -5 ? -5 : i > 5 ? 5 : i;
	printf("%d\n", clamp);
	for (int i = 0; i < 6; i++)
		printf("%s", i & 1 ? "odd " : "even ");
	printf("\n");
	return 0;
}
