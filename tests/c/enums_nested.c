/* Enums, nested structs and arrays of structs copied by value. */
#include <stdio.h>

enum color { RED = 1, GREEN = 2, BLUE = 4, WHITE = RED | GREEN | BLUE };
enum big { SMALL = -5, LARGE = 0x7FFFFFFF };
struct inner { enum color c; short w[2]; };
struct outer { struct inner in[3]; double weight; struct inner best; };

static struct outer make(int seed)
{
	struct outer o;
	for (int i = 0; i < 3; i++) {
		o.in[i].c = (enum color)(1 << ((seed + i) % 3));
		o.in[i].w[0] = (short)(seed * 10 + i);
		o.in[i].w[1] = (short)-o.in[i].w[0];
	}
	o.weight = seed / 4.0;
	o.best = o.in[seed % 3];
	return o;
}
static int score(struct outer o)
{
	int s = 0;
	for (int i = 0; i < 3; i++)
		s += o.in[i].c * o.in[i].w[0] - o.in[i].w[1];
	return s + o.best.c + (int)(o.weight * 8);
}

int main(void)
{
	struct outer all[4];
	for (int i = 0; i < 4; i++)
		all[i] = make(i + 1);
	struct outer copy = all[2];
	copy.in[0].w[0] = 999;
	for (int i = 0; i < 4; i++)
		printf("%d ", score(all[i]));
	printf("%d %d %d %d %d\n", score(copy), WHITE, SMALL, LARGE, (int)sizeof(enum color));
	return 0;
}
