/* Static locals and mutable global state across calls. */
#include <stdio.h>

static int next_id(void) { static int id = 100; return id++; }
static const char *cycle(void)
{
	static const char *names[] = { "red", "green", "blue" };
	static unsigned i;
	return names[i++ % 3];
}
static long history[8];
static int hist_len;
static void record(long v) { history[hist_len++ % 8] = v; }
static double running_mean(double x)
{
	static double sum;
	static int n;
	sum += x;
	return sum / ++n;
}

int main(void)
{
	for (int i = 0; i < 5; i++)
		printf("%d %s ", next_id(), cycle());
	printf("\n");
	for (long v = 1; v < 2000; v *= 3)
		record(v);
	for (int i = 0; i < 8; i++)
		printf("%ld ", history[i]);
	printf("%d\n", hist_len);
	double m = 0;
	for (int i = 1; i <= 10; i++)
		m = running_mean(i * i);
	printf("%.2f\n", m);
	return 0;
}
