/* Numeric kernels in float and double: Newton's method, series, integration. */
#include <stdio.h>
#include <math.h>

static double newton_sqrt(double x) { double g = x; for (int i = 0; i < 30; i++) g = 0.5 * (g + x / g); return g; }
static double exp_series(double x) { double s = 1, t = 1; for (int n = 1; n < 30; n++) { t *= x / n; s += t; } return s; }
static float integrate(float (*f)(float), float a, float b, int n)
{
	float h = (b - a) / n, s = 0.5f * (f(a) + f(b));
	for (int i = 1; i < n; i++)
		s += f(a + i * h);
	return s * h;
}
static float sq(float x) { return x * x; }
static double hypot_like(double a, double b) { return sqrt(a * a + b * b); }
static double pi_leibniz(int n) { double s = 0; for (int k = 0; k < n; k++) s += (k & 1 ? -4.0 : 4.0) / (2 * k + 1); return s; }

int main(void)
{
	printf("%.12f %.12f\n", newton_sqrt(2), newton_sqrt(1e10));
	printf("%.10f %.10f\n", exp_series(1), exp_series(-2.5));
	printf("%.5f %.6f\n", integrate(sq, 0, 3, 1000), pi_leibniz(100000));
	double h = hypot_like(3, 4);
	printf("%.3f\n", h);
	return 0;
}
