/* A payload for tests/test_gdb_jit.py: gdb breaks on fib, a function
 * that exists only once the kernel (or jitrun) has compiled this. */
#include <stdio.h>

static int calls;

static int
fib(int n)
{
	calls++;
	if (n < 2)
		return n;
	return fib(n - 1) + fib(n - 2);
}

int
main(void)
{
	int r = fib(12);
	printf("fib(12) = %d in %d calls\n", r, calls);
	return r == 144 ? 0 : 1;
}
