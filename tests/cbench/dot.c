/* Double-precision linear algebra at its simplest: dot products of many
 * lengths and a dense matrix-vector product, summed in a fixed order so
 * every compiler gives the same bits. */
#include <stdio.h>
#include <stdlib.h>

static double dot(const double *a, const double *b, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static void matvec(const double *m, const double *v, double *out, int rows, int cols)
{
	for (int i = 0; i < rows; i++)
		out[i] = dot(m + (long)i * cols, v, cols);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	const int n = 256;
	double *m = malloc(sizeof(double) * n * n), *v = malloc(sizeof(double) * n);
	double *out = malloc(sizeof(double) * n);
	for (int i = 0; i < n; i++) {
		v[i] = 1.0 / (i + 1);
		for (int j = 0; j < n; j++)
			m[i * n + j] = (double)((i * 31 + j * 17) % 64) / 64.0 - 0.5;
	}
	double total = 0, dots = 0;
	for (int round = 0; round < 200 * scale; round++) {
		matvec(m, v, out, n, n);
		for (int i = 0; i < n; i++)
			v[i] = out[i] / n + 1.0 / (i + 1);
		total += dot(out, out, n);
		for (int len = 1; len <= n; len *= 2)
			dots += dot(m + len, v, len);
	}
	printf("%.9e %.9e\n", total, dots);
	free(m);
	free(v);
	free(out);
	int ok = total > 0 && total == total;
	printf("%s\n", ok ? "ok" : "FAIL: not a positive number");
	return ok ? 0 : 1;
}
