/* Recursion: fibonacci, Ackermann, mutual recursion, Towers of Hanoi. */
#include <stdio.h>

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static int ack(int m, int n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}
static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static long moves;
static void hanoi(int n, int from, int to, int via)
{
	if (n == 0)
		return;
	hanoi(n - 1, from, via, to);
	moves += from * 3 + to;
	hanoi(n - 1, via, to, from);
}
static long gcd(long a, long b) { return b ? gcd(b, a % b) : a; }

int main(void)
{
	printf("%d %d %d\n", fib(20), ack(2, 3), ack(3, 3));
	printf("%d %d\n", is_even(101), is_odd(77));
	hanoi(12, 1, 3, 2);
	printf("%ld %ld\n", moves, gcd(1071L * 99991, 462L * 99991));
	return 0;
}
