/* Shifts of every width, logical and arithmetic. */
#include <stdio.h>
#include <stdint.h>

int main(void)
{
	volatile int8_t sc = -100;
	volatile uint8_t uc = 200;
	volatile int16_t ss = -30000;
	volatile uint16_t us = 60000;
	volatile int32_t si = -123456789;
	volatile uint32_t ui = 0xDEADBEEF;
	volatile int64_t sl = -1234567890123LL;
	volatile uint64_t ul = 0xFEDCBA9876543210ull;
	for (int n = 0; n < 8; n++)
		printf("%d %d %d %d\n", sc >> n, uc >> n, (int8_t)(sc << n), (uint8_t)(uc << n));
	for (int n = 0; n < 16; n += 3)
		printf("%d %d %d\n", ss >> n, us >> n, (int16_t)(ss << n));
	for (int n = 0; n < 32; n += 5)
		printf("%d %u %u\n", si >> n, ui >> n, ui << n);
	for (int n = 0; n < 64; n += 9)
		printf("%lld %llx %llx\n", (long long)(sl >> n), (unsigned long long)(ul >> n),
		       (unsigned long long)(ul << n));
	return 0;
}
