/* Spectral norm of the infinite matrix A with a(i,j) = 1/((i+j)(i+j+1)/2+i+1),
 * by the power method on A^T A. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double eval_a(int i, int j)
{
	return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(int n, const double *v, double *av)
{
	for (int i = 0; i < n; i++) {
		double sum = 0;
		for (int j = 0; j < n; j++)
			sum += eval_a(i, j) * v[j];
		av[i] = sum;
	}
}

static void mul_atv(int n, const double *v, double *atv)
{
	for (int i = 0; i < n; i++) {
		double sum = 0;
		for (int j = 0; j < n; j++)
			sum += eval_a(j, i) * v[j];
		atv[i] = sum;
	}
}

static void mul_atav(int n, const double *v, double *out, double *tmp)
{
	mul_av(n, v, tmp);
	mul_atv(n, tmp, out);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	int n = 400 * scale;
	double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v);
	double *tmp = malloc(n * sizeof *tmp);
	for (int i = 0; i < n; i++)
		u[i] = 1;
	for (int i = 0; i < 10; i++) {
		mul_atav(n, u, v, tmp);
		mul_atav(n, v, u, tmp);
	}
	double vbv = 0, vv = 0;
	for (int i = 0; i < n; i++) {
		vbv += u[i] * v[i];
		vv += v[i] * v[i];
	}
	double norm = sqrt(vbv / vv);
	printf("%.9f\n", norm);
	free(u);
	free(v);
	free(tmp);
	/* the limit is 1.2742241...; a few hundred rows get within 1e-6 */
	int ok = norm > 1.2742 && norm < 1.2743;
	printf("%s\n", ok ? "ok" : "FAIL: norm out of range");
	return ok ? 0 : 1;
}
