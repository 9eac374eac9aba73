/* printf with many mixed integer and double arguments (some on the stack). */
#include <stdio.h>

int main(void)
{
	printf("%d %.1f %ld %.2f %u %.3f %c %e %x %g %s %.1f %d %.1f %lld %.1f\n",
	       1, 2.5, 3L, 4.25, 5u, 6.125, '7', 8e10, 9, 10.5, "eleven", 12.0, 13, 14.0,
	       15LL, 16.5);
	printf("%f %f %f %f %f %f %f %f %f %f\n", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
	printf("%d %d %d %d %d %d %d %d %d %d\n", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
	float f = 1.5f;
	char c = -3;
	short s = -300;
	unsigned char uc = 250;
	printf("%f %d %d %d %5.2f|%-6d|%06.1f\n", f, c, s, uc, f * 2, 42, -3.14159);
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%s-%d-%.2f", "x", 99, 0.005);
	puts(buf);
	printf("%d\n", n);
	putchar('!');
	putchar('\n');
	return 0;
}
