/* Structs mixing integer and SSE eightbytes. */
#include <stdio.h>

struct ld { long n; double x; };
struct dl { double x; int n; };
struct fi { float f; int i; };
struct ifd { int i; float f; double d; };
struct cfd { char c; float f; double d; };

__attribute__((noinline)) static struct ld f_ld(struct ld v) { v.n *= 3; v.x += 0.5; return v; }
__attribute__((noinline)) static struct dl f_dl(struct dl v) { v.x = -v.x; v.n <<= 2; return v; }
__attribute__((noinline)) static struct fi f_fi(struct fi v) { v.f *= v.i; v.i += 1; return v; }
__attribute__((noinline)) static struct ifd f_ifd(struct ifd v, double k) { v.i--; v.f += 1; v.d *= k; return v; }
__attribute__((noinline)) static struct cfd f_cfd(struct cfd v) { v.c++; v.f = v.f * 2; v.d = v.d / 4; return v; }
__attribute__((noinline)) static double sum_all(struct ld a, struct dl b, struct fi c, struct ifd d, struct cfd e,
		      struct ld f)
{
	return a.n + a.x + b.x + b.n + c.f + c.i + d.i + d.f + d.d + e.c + e.f + e.d + f.n + f.x;
}

int main(void)
{
	struct ld a = f_ld((struct ld){ 7, 1.25 });
	struct dl b = f_dl((struct dl){ 2.5, 3 });
	struct fi c = f_fi((struct fi){ 1.5f, 4 });
	struct ifd d = f_ifd((struct ifd){ 10, 0.5f, 3.0 }, 1.5);
	struct cfd e = f_cfd((struct cfd){ 'a', 1.25f, 10.0 });
	printf("%ld %.2f | %.2f %d | %.2f %d\n", a.n, a.x, b.x, b.n, c.f, c.i);
	printf("%d %.2f %.2f | %c %.2f %.2f\n", d.i, d.f, d.d, e.c, e.f, e.d);
	printf("%.3f\n", sum_all(a, b, c, d, e, a));
	return 0;
}
