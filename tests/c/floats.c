/* Float and double arithmetic, NaN and infinity compares, sqrt, fabs, copysign. */
#include <stdio.h>
#include <math.h>

static int cmps(double a, double b)
{
	return (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3 | (a == b) << 4 |
	       (a != b) << 5 | !(a < b) << 6 | !(a >= b) << 7;
}

int main(void)
{
	volatile double zero = 0.0;
	double nan = zero / zero, inf = 1.0 / zero;
	printf("%d %d %d %d\n", cmps(1, 2), cmps(2, 2), cmps(nan, 1), cmps(inf, nan));
	printf("%d %d %d\n", isnan(nan), nan != nan, inf > 1e308);
	float fa = 1.1f, fb = 2.2f;
	printf("%.7f %.7f %.7f %.7f\n", fa + fb, fa - fb, fa * fb, fa / fb);
	double a = 1.0 / 3, b = 2.0 / 7;
	printf("%.15f %.15f %.15f\n", a + b, a * b, -a / b);
	printf("%.10f %.10f %.6f\n", sqrt(2.0), sqrt(1e-8), (double)sqrtf(10.0f));
	volatile double m25 = -2.5, nz = -0.0;
	volatile float q = -0.25f;
	printf("%.3f %.3f %.3f %.3f\n", fabs(m25), copysign(3.0, nz), copysign(m25, 1.0),
	       (double)fabsf(q));
	double x = 1;
	for (int i = 0; i < 20; i++)
		x = x * 1.5 - 0.25 / x;
	printf("%.6e\n", x);
	float s = 0;
	for (int i = 1; i <= 100; i++)
		s += 1.0f / i;
	printf("%.6f %g %g\n", s, -zero, inf - inf);
	return 0;
}
