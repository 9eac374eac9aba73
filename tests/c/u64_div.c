/* 64-bit unsigned arithmetic and division edge cases. */
#include <stdio.h>
#include <stdint.h>

static uint64_t udiv(uint64_t a, uint64_t b) { return a / b; }
static uint64_t urem(uint64_t a, uint64_t b) { return a % b; }
static int64_t sdiv(int64_t a, int64_t b) { return a / b; }
static int64_t srem(int64_t a, int64_t b) { return a % b; }

int main(void)
{
	uint64_t max = UINT64_MAX;
	uint64_t vals[] = { 1, 2, 3, 7, 10, 0x100000000ull, 0x8000000000000000ull, UINT64_MAX };
	for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++)
		printf("%llu %llu %llu\n", (unsigned long long)udiv(max, vals[i]),
		       (unsigned long long)urem(max, vals[i]),
		       (unsigned long long)udiv(0x8000000000000001ull, vals[i]));
	printf("%lld %lld\n", (long long)sdiv(INT64_MIN, 2), (long long)srem(INT64_MIN, 3));
	printf("%lld %lld\n", (long long)sdiv(-7, 2), (long long)srem(-7, 2));
	printf("%lld %lld\n", (long long)sdiv(INT64_MIN + 1, -1), (long long)srem(INT64_MIN + 5, -1));
	uint32_t a = 0xFFFFFFFFu, b = 7;
	printf("%u %u %u\n", a / b, a % b, (uint32_t)(a * a));
	uint64_t h = 0;
	for (uint64_t x = 1; x < 1000000; x *= 3)
		h = h * 6364136223846793005ull + x;
	printf("%llx %llu\n", (unsigned long long)h, (unsigned long long)(h >> 61));
	printf("%d\n", (int)(max > 0) + (int)((int64_t)max < 0));
	return 0;
}
