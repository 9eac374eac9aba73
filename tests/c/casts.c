/* Conversions between integer widths and floating point. */
#include <stdio.h>
#include <stdint.h>

int main(void)
{
	volatile double d = -3.75, big = 4e9, huge = 1.8e19;
	volatile float f = 2.5f;
	volatile int64_t l = -5000000000LL;
	volatile uint64_t ul = 18000000000000000000ull;
	volatile int8_t c = -7;
	volatile uint16_t us = 65535;
	printf("%d %d %u %lld\n", (int)d, (int)f, (unsigned)big, (long long)d);
	printf("%llu %llu\n", (unsigned long long)huge, (unsigned long long)(double)ul);
	printf("%.1f %.1f %.3f\n", (double)l, (double)ul, (double)(float)l);
	printf("%d %u %d %lld\n", c, (unsigned)(uint8_t)c, (int)us, (long long)(int16_t)us);
	printf("%d %d\n", (int)(int8_t)300, (int)(uint8_t)300);
	printf("%.6f %.6f\n", (double)(float)0.1, (float)d * 2.0);
	printf("%u %d\n", (unsigned)(float)3e9, (int)(float)-2.9);
	uint32_t u = 3000000000u;
	printf("%.1f %.1f %lld\n", (double)u, (float)u, (long long)(int32_t)u);
	float fs[] = { 0.5f, -0.5f, 1e10f, -1e-10f };
	for (int i = 0; i < 4; i++)
		printf("%g %g %lld\n", fs[i], (double)fs[i] * 3, (long long)fs[i]);
	return 0;
}
