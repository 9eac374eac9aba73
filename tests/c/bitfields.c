/* Bit-fields: packing, signed fields, updates and whole-word views. */
#include <stdio.h>
#include <string.h>

struct flags {
	unsigned a : 1;
	unsigned b : 3;
	signed c : 5;
	unsigned d : 7;
	unsigned long e : 40;
	int f : 2;
};

struct rgb565 { unsigned short b : 5, g : 6, r : 5; };

int main(void)
{
	struct flags x;
	memset(&x, 0, sizeof x);
	x.a = 1;
	x.b = 5;
	x.c = -9;
	x.d = 100;
	x.e = 0xABCDEF1234ul;
	x.f = -1;
	printf("%u %u %d %u %lx %d %zu\n", x.a, x.b, x.c, x.d, (unsigned long)x.e, x.f, sizeof x);
	x.b += 5;
	x.c -= 10;
	x.d *= 3;
	x.e += 0xFFFFFFFFFFul;
	printf("%u %d %u %lx\n", x.b, x.c, x.d, (unsigned long)x.e);
	struct rgb565 px = { 31, 63, 31 };
	unsigned short raw;
	memcpy(&raw, &px, 2);
	printf("%04x ", raw);
	for (int i = 0; i < 4; i++) {
		px.r = px.r * 3 + i;
		px.g ^= 1 << i;
		memcpy(&raw, &px, 2);
		printf("%04x %u ", raw, px.g);
	}
	printf("\n");
	return 0;
}
