/* Multi-precision arithmetic with 32-bit limbs in 64-bit intermediates: 2^200 and 50!. */
#include <stdio.h>
#include <stdint.h>

#define LIMBS 16
typedef struct { uint32_t d[LIMBS]; } big;

static void mul_small(big *a, uint32_t m)
{
	uint64_t carry = 0;
	for (int i = 0; i < LIMBS; i++) {
		uint64_t t = (uint64_t)a->d[i] * m + carry;
		a->d[i] = (uint32_t)t;
		carry = t >> 32;
	}
}
static void add(big *r, const big *a, const big *b)
{
	uint64_t carry = 0;
	for (int i = 0; i < LIMBS; i++) {
		uint64_t t = (uint64_t)a->d[i] + b->d[i] + carry;
		r->d[i] = (uint32_t)t;
		carry = t >> 32;
	}
}
static uint32_t div_small(big *a, uint32_t m)
{
	uint64_t rem = 0;
	for (int i = LIMBS - 1; i >= 0; i--) {
		uint64_t cur = (rem << 32) | a->d[i];
		a->d[i] = (uint32_t)(cur / m);
		rem = cur % m;
	}
	return (uint32_t)rem;
}
static int is_zero(const big *a) { for (int i = 0; i < LIMBS; i++) if (a->d[i]) return 0; return 1; }
static void print(big a)
{
	char buf[200];
	int n = 0;
	do buf[n++] = (char)('0' + div_small(&a, 10)); while (!is_zero(&a));
	while (n--) putchar(buf[n]);
	putchar('\n');
}

int main(void)
{
	big p = { { 1 } }, f = { { 1 } };
	for (int i = 0; i < 200; i++) mul_small(&p, 2);
	for (uint32_t i = 2; i <= 50; i++) mul_small(&f, i);
	print(p);
	print(f);
	big s;
	add(&s, &p, &f);
	print(s);
	return 0;
}
