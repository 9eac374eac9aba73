/* Unions: type punning between floats and integers, tagged unions. */
#include <stdio.h>
#include <stdint.h>

union fbits { float f; uint32_t u; unsigned char b[4]; };
union dbits { double d; uint64_t u; int32_t half[2]; };

struct value {
	enum { INT, DBL, STR } tag;
	union { long i; double d; const char *s; } as;
};

static void show(struct value v)
{
	switch (v.tag) {
	case INT: printf("int %ld\n", v.as.i); break;
	case DBL: printf("dbl %.3f\n", v.as.d); break;
	case STR: printf("str %s\n", v.as.s); break;
	}
}

int main(void)
{
	union fbits f = { .f = -1.5f };
	printf("%08x %02x %02x\n", f.u, f.b[0], f.b[3]);
	f.u ^= 0x80000000u;
	printf("%.2f\n", f.f);
	union dbits d = { .d = 3.0 };
	printf("%016llx %d %d\n", (unsigned long long)d.u, d.half[0], d.half[1]);
	d.u += 1;
	printf("%.17g\n", d.d);
	struct value vs[] = { { INT, { .i = -42 } }, { DBL, { .d = 2.25 } }, { STR, { .s = "hi" } } };
	for (int i = 0; i < 3; i++)
		show(vs[i]);
	return 0;
}
