/* Iterative fibonacci modulo 2^64: the C twin of fib_iter.ssa (unsigned,
 * so the wrap-around is defined in C as it is in the IL). */
long c_fib_iter(long n)
{
	unsigned long a = 0, b = 1, t;
	long i;

	for (i = 0; i < n; i++) {
		t = a + b;
		a = b;
		b = t;
	}
	return (long)a;
}
