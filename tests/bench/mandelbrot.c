/* Mandelbrot iteration counts: the C twin of mandelbrot.ssa, with the
 * same floating-point operations in the same order (so the same result
 * bit for bit). */
long c_mandelbrot(long n)
{
	double scale = 3.0 / (double)n, cr, ci, zr, zi, zr2, zi2;
	long total = 0, x, y, k;

	for (y = 0; y < n; y++) {
		ci = (double)y * scale - 1.5;
		for (x = 0; x < n; x++) {
			cr = (double)x * scale - 2.0;
			zr = zi = 0.0;
			for (k = 0; k < 100; k++) {
				zr2 = zr * zr;
				zi2 = zi * zi;
				if (zr2 + zi2 > 4.0)
					break;
				zi = 2.0 * zr * zi + ci;
				zr = zr2 - zi2 + cr;
			}
			total += k;
		}
	}
	return total;
}
