/* __builtin_expect, __builtin_assume, __builtin_unreachable, abort on a path not taken. */
#include <stdio.h>
#include <stdlib.h>

#ifdef __clang__
#define ASSUME(c) __builtin_assume(c)
#else
#define ASSUME(c) do { if (!(c)) __builtin_unreachable(); } while (0)
#endif

static int classify(int x)
{
	if (__builtin_expect(x < 0, 0))
		return -1;
	ASSUME(x >= 0);
	switch (x % 3) {
	case 0: return 10;
	case 1: return 20;
	case 2: return 30;
	}
	__builtin_unreachable();
}

static int checked_div(int a, int b)
{
	if (b == 0)
		abort();
	return a / b;
}

int main(void)
{
	int s = 0;
	for (int i = -3; i < 20; i++)
		s += classify(i);
	printf("%d %d\n", s, checked_div(100, 7));
	long t = 0;
	for (long i = 0; i < 100; i++)
		if (__builtin_expect(i % 10 == 0, 1))
			t += i;
	printf("%ld\n", t);
	return 0;
}
