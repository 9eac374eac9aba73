/* Large structs: passed in memory (byval) and returned through a hidden pointer (sret). */
#include <stdio.h>

struct big { long v[5]; };
struct mat { double m[3][3]; };
struct named { char name[24]; int age; };

static struct big inc(struct big b) { for (int i = 0; i < 5; i++) b.v[i] += i; return b; }
static long total(struct big b) { long s = 0; for (int i = 0; i < 5; i++) s += b.v[i]; return s; }
static struct mat mmul(struct mat a, struct mat b)
{
	struct mat r;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			r.m[i][j] = 0;
			for (int k = 0; k < 3; k++)
				r.m[i][j] += a.m[i][k] * b.m[k][j];
		}
	return r;
}
static struct named older(struct named n, int years) { n.age += years; n.name[0] ^= 32; return n; }
static long mixed(int a, struct big b, double c, struct big d, int e)
{
	return a + b.v[0] + (long)c + d.v[4] + e;
}

int main(void)
{
	struct big b = { { 10, 20, 30, 40, 50 } };
	struct big c = inc(inc(b));
	printf("%ld %ld %ld\n", total(b), total(c), c.v[4]);
	struct mat a = { { { 1, 2, 0 }, { 0, 1, 3 }, { 4, 0, 1 } } };
	struct mat p = mmul(mmul(a, a), a);
	for (int i = 0; i < 3; i++)
		printf("%.0f %.0f %.0f\n", p.m[i][0], p.m[i][1], p.m[i][2]);
	struct named n = older((struct named){ "ada", 36 }, 1);
	printf("%s %d\n", n.name, n.age);
	printf("%ld\n", mixed(1, b, 2.9, c, 3));
	return 0;
}
