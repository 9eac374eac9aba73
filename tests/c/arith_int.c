/* Integer arithmetic at every width, with wrap-around. */
#include <stdio.h>
#include <stdint.h>

static int8_t add8(int8_t a, int8_t b) { return (int8_t)(a + b); }
static uint8_t mul8(uint8_t a, uint8_t b) { return (uint8_t)(a * b); }
static int16_t sub16(int16_t a, int16_t b) { return (int16_t)(a - b); }
static uint16_t neg16(uint16_t a) { return (uint16_t)-a; }

int main(void)
{
	volatile int32_t big = 2147483647;
	volatile int64_t wide = 9223372036854775807LL;
	int8_t c = 100;
	uint32_t u = 4000000000u;
	printf("%d %d %d\n", add8(c, 100), add8(-128, -1), (int)mul8(200, 3));
	printf("%d %u\n", sub16(-32768, 1), (unsigned)neg16(1));
	printf("%u %u\n", (unsigned)big + 1u, u * 3u);
	printf("%lld %lld\n", (long long)((uint64_t)wide + 1), (long long)(wide / 3));
	printf("%d %d %d %d\n", 17 / 5, -17 / 5, 17 % -5, -17 % -5);
	for (int i = -3; i <= 3; i++)
		printf("%d:%d,%d ", i, i * i * i - 2 * i, (i ^ 5) & (i | 2));
	printf("\n");
	int64_t acc = 1;
	for (int i = 1; i < 30; i++)
		acc = acc * 31 + i;
	printf("%lld\n", (long long)acc);
	return 0;
}
