/* Mandelbrot set in ASCII, doubles. */
#include <stdio.h>

int main(void)
{
	long total = 0;
	for (int y = -10; y <= 10; y++) {
		for (int x = -30; x <= 12; x++) {
			double cr = x / 15.0, ci = y / 9.0, zr = 0, zi = 0;
			int k = 0;
			while (k < 60 && zr * zr + zi * zi < 4) {
				double t = zr * zr - zi * zi + cr;
				zi = 2 * zr * zi + ci;
				zr = t;
				k++;
			}
			total += k;
			putchar(" .:-=+*#%@"[k % 10]);
		}
		putchar('\n');
	}
	printf("%ld\n", total);
	return 0;
}
