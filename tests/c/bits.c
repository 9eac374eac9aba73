/* Bit intrinsics: popcount, clz, ctz, bswap, rotates (ctpop/ctlz/cttz/bswap/fshl/fshr). */
#include <stdio.h>
#include <stdint.h>

static uint32_t rotl32(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> ((32 - r) & 31)); }
#ifdef __clang__
static uint64_t rotr64(uint64_t x, unsigned r) { return __builtin_rotateright64(x, r); }
#else
static uint64_t rotr64(uint64_t x, unsigned r) { return (x >> (r & 63)) | (x << ((64 - r) & 63)); }
#endif
static uint8_t rotl8(uint8_t x, unsigned r) { return (uint8_t)((x << (r & 7)) | (x >> ((8 - r) & 7))); }

int main(void)
{
	uint32_t xs[] = { 1, 0x80000000u, 0xF0F0F0F0u, 12345678, 0xFFFFFFFFu, 6 };
	for (int i = 0; i < 6; i++)
		printf("%d %d %d %08x\n", __builtin_popcount(xs[i]), __builtin_clz(xs[i]),
		       __builtin_ctz(xs[i]), __builtin_bswap32(xs[i]));
	uint64_t y = 0x0123456789ABCDEFull;
	printf("%d %d %d %016llx\n", __builtin_popcountll(y), __builtin_clzll(y), __builtin_ctzll(y << 4),
	       (unsigned long long)__builtin_bswap64(y));
	printf("%04x\n", __builtin_bswap16(0xABCD));
	for (unsigned r = 0; r < 40; r += 7)
		printf("%08x %016llx %02x %08x\n", rotl32(0x12345678u, r),
		       (unsigned long long)rotr64(y, r), rotl8(0x81, r),
		       rotl32(0xCAFEBABEu, r + 1));
	int parity = 0;
	for (uint32_t v = 0; v < 1000; v += 37)
		parity += __builtin_parity(v) + __builtin_ffs((int)v);
	printf("%d\n", parity);
	return 0;
}
