/* Matrices of doubles: multiplication, Gaussian elimination, determinant. */
#include <stdio.h>

#define N 6

static void matmul(double c[N][N], double a[N][N], double b[N][N])
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			double s = 0;
			for (int k = 0; k < N; k++)
				s += a[i][k] * b[k][j];
			c[i][j] = s;
		}
}

static double det(double m[N][N])
{
	double a[N][N], d = 1;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			a[i][j] = m[i][j];
	for (int c = 0; c < N; c++) {
		int p = c;
		for (int r = c + 1; r < N; r++)
			if ((a[r][c] < 0 ? -a[r][c] : a[r][c]) > (a[p][c] < 0 ? -a[p][c] : a[p][c]))
				p = r;
		if (p != c) {
			for (int j = 0; j < N; j++) { double t = a[c][j]; a[c][j] = a[p][j]; a[p][j] = t; }
			d = -d;
		}
		d *= a[c][c];
		for (int r = c + 1; r < N; r++) {
			double f = a[r][c] / a[c][c];
			for (int j = c; j < N; j++)
				a[r][j] -= f * a[c][j];
		}
	}
	return d;
}

int main(void)
{
	double a[N][N], b[N][N], c[N][N];
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = (i + 1) * 0.5 + (i == j ? 3 : 0) - j * 0.25;
			b[i][j] = (i * j) % 5 - 2 + (i == j);
		}
	matmul(c, a, b);
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++)
			printf("%8.3f", c[i][j]);
		printf("\n");
	}
	printf("%.6f %.6f %.6f\n", det(a), det(b), det(c));
	return 0;
}
