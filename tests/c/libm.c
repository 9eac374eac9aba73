/* Every math.h function of kernel_lib/libm on a few inputs, printed as
 * bits: the kernel, jitrun and a native build against the same library
 * must agree on every one (tests/test_libm.py builds the native twin). */
#include <stdio.h>
#include <math.h>

static unsigned long long bits(double x)
{
	union { double d; unsigned long long u; } v;
	v.d = x;
	return v.u;
}

static unsigned fbits(float x)
{
	union { float f; unsigned u; } v;
	v.f = x;
	return v.u;
}

static const double in[] = { 0.0, -0.0, 0.5, -0.75, 1.0, 2.5, -3.25, 10.0, 1e-8, 123.456,
			     -1e5, 7e22, 0.1, 1e300 };
#define N (int)(sizeof in / sizeof in[0])

#define ONE(fn) do { \
	printf("%-6s", #fn); \
	for (int i = 0; i < N; i++) \
		printf(" %llx", bits(fn(in[i]))); \
	printf("\n%-6s", #fn "f"); \
	for (int i = 0; i < N; i++) \
		printf(" %x", fbits(fn##f((float)in[i]))); \
	printf("\n"); \
} while (0)

#define TWO(fn) do { \
	printf("%-6s", #fn); \
	for (int i = 0; i < N; i++) \
		printf(" %llx", bits(fn(in[i], in[(i + 3) % N]))); \
	printf("\n%-6s", #fn "f"); \
	for (int i = 0; i < N; i++) \
		printf(" %x", fbits(fn##f((float)in[i], (float)in[(i + 3) % N]))); \
	printf("\n"); \
} while (0)

int main(void)
{
	ONE(sqrt); ONE(fabs); ONE(floor); ONE(ceil); ONE(round); ONE(trunc);
	ONE(exp); ONE(exp2); ONE(log); ONE(log2); ONE(log10);
	ONE(sin); ONE(cos); ONE(tan); ONE(asin); ONE(acos); ONE(atan);
	ONE(sinh); ONE(cosh); ONE(tanh);
	TWO(fmod); TWO(fmin); TWO(fmax); TWO(copysign); TWO(hypot); TWO(pow); TWO(atan2);
	for (int i = 0; i < N; i++) {
		int e, ef;
		double ip;
		float fp;
		double m = frexp(in[i], &e);
		float mf = frexpf((float)in[i], &ef);
		double fr = modf(in[i], &ip);
		float frf = modff((float)in[i], &fp);
		printf("frexp %llx %d %x %d modf %llx %llx %x %x ldexp %llx %x\n", bits(m), e,
		       fbits(mf), ef, bits(fr), bits(ip), fbits(frf), fbits(fp),
		       bits(ldexp(in[i], 3 * i - 20)), fbits(ldexpf((float)in[i], 5 - i)));
	}
	printf("%.6f %.6f %.6f\n", sin(1.0), exp(1.0), pow(2.0, 0.5));
	return 0;
}
