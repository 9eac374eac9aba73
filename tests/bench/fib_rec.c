/* Recursive fibonacci: the C twin of fib_rec.ssa. */
static long fib(long n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

long c_fib_rec(long n)
{
	return fib(n);
}
