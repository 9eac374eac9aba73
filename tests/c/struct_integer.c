/* Structs passed and returned by value in integer registers (SysV INTEGER). */
#include <stdio.h>

struct pair { long a, b; };
struct pt { int x, y; };
struct rgb { unsigned char r, g, b; };
struct six { short a, b, c; };
struct tri { int a, b, c; };
struct ptrs { const char *s; long n; };

__attribute__((noinline)) static struct pair swap(struct pair p) { struct pair q = { p.b, p.a }; return q; }
__attribute__((noinline)) static struct pt addpt(struct pt a, struct pt b) { a.x += b.x; a.y += b.y; return a; }
__attribute__((noinline)) static struct rgb dim(struct rgb c) { c.r /= 2; c.g /= 2; c.b /= 2; return c; }
__attribute__((noinline)) static struct six rot(struct six s) { struct six t = { s.b, s.c, s.a }; return t; }
__attribute__((noinline)) static struct tri scale(struct tri t, int k) { t.a *= k; t.b *= k; t.c *= k; return t; }
__attribute__((noinline)) static struct ptrs skip(struct ptrs p) { p.s++; p.n--; return p; }
__attribute__((noinline)) static long many(struct pt a, struct pt b, struct pt c, struct pt d, struct pt e,
		 struct pt f, struct pt g, struct pt h)
{
	return a.x + b.y * 2 + c.x * 3 + d.y * 4 + e.x * 5 + f.y * 6 + g.x * 7 + h.y * 8;
}

int main(void)
{
	struct pair p = swap((struct pair){ 1, -2 });
	struct pt q = addpt((struct pt){ 3, 4 }, (struct pt){ 10, 20 });
	struct rgb c = dim((struct rgb){ 255, 128, 7 });
	struct six s = rot((struct six){ -1, 2, -3 });
	struct tri t = scale((struct tri){ 1, 2, 3 }, -7);
	struct ptrs w = skip((struct ptrs){ "hello", 5 });
	printf("%ld %ld %d %d\n", p.a, p.b, q.x, q.y);
	printf("%d %d %d %d %d %d\n", c.r, c.g, c.b, s.a, s.b, s.c);
	printf("%d %d %d %s %ld\n", t.a, t.b, t.c, w.s, w.n);
	struct pt z[8];
	for (int i = 0; i < 8; i++)
		z[i] = (struct pt){ i, -i };
	printf("%ld\n", many(z[0], z[1], z[2], z[3], z[4], z[5], z[6], z[7]));
	return 0;
}
