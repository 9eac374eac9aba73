/* The Mandelbrot set on an n x n grid over [-1.5, 0.5] x [-1, 1], 50
 * iterations, escape radius 2: one bit per point, packed 8 to a byte as
 * the PBM format does; we print a checksum of the bytes and a count. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	int n = 600 * scale;
	unsigned hash = 2166136261u;
	long inside = 0;

	for (int y = 0; y < n; y++) {
		double ci = 2.0 * y / n - 1.0;
		int bits = 0, nbits = 0;
		for (int x = 0; x < n; x++) {
			double cr = 2.0 * x / n - 1.5;
			double zr = 0, zi = 0, tr = 0, ti = 0;
			int i;
			for (i = 0; i < 50 && tr + ti <= 4.0; i++) {
				zi = 2.0 * zr * zi + ci;
				zr = tr - ti + cr;
				tr = zr * zr;
				ti = zi * zi;
			}
			int in = tr + ti <= 4.0;
			inside += in;
			bits = bits << 1 | in;
			if (++nbits == 8 || x == n - 1) {
				bits <<= 8 - nbits;
				hash = (hash ^ (unsigned)bits) * 16777619u;
				bits = nbits = 0;
			}
		}
	}
	printf("%dx%d: %ld points inside, bitmap hash %08x\n", n, n, inside, hash);
	/* the set's area is about 1.5065 of the 4.0 sampled */
	double frac = (double)inside / ((double)n * n);
	int ok = frac > 0.35 && frac < 0.42;
	printf("%s\n", ok ? "ok" : "FAIL: area out of range");
	return ok ? 0 : 1;
}
