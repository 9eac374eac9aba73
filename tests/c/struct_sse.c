/* Structs of floats and doubles by value (SysV SSE): <2 x float> and friends. */
#include <stdio.h>

struct v2 { float x, y; };
struct v3 { float x, y, z; };
struct v4 { float x, y, z, w; };
struct d2 { double a, b; };
struct d1 { double a; };
struct f1 { float a; };

__attribute__((noinline)) static struct v2 add2(struct v2 a, struct v2 b) { return (struct v2){ a.x + b.x, a.y + b.y }; }
__attribute__((noinline)) static struct v3 cross(struct v3 a, struct v3 b)
{
	return (struct v3){ a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x };
}
__attribute__((noinline)) static struct v4 half(struct v4 v) { v.x /= 2; v.y /= 2; v.z /= 2; v.w /= 2; return v; }
__attribute__((noinline)) static struct d2 cmul(struct d2 p, struct d2 q)
{
	return (struct d2){ p.a * q.a - p.b * q.b, p.a * q.b + p.b * q.a };
}
__attribute__((noinline)) static struct d1 twice(struct d1 d) { d.a *= 2; return d; }
__attribute__((noinline)) static struct f1 neg(struct f1 f) { f.a = -f.a; return f; }
__attribute__((noinline)) static float dot2(struct v2 a, struct v2 b) { return a.x * b.x + a.y * b.y; }

int main(void)
{
	struct v2 a = add2((struct v2){ 1.5f, 2 }, (struct v2){ -0.25f, 8 });
	struct v3 c = cross((struct v3){ 1, 2, 3 }, (struct v3){ 4, 5, 6 });
	struct v4 h = half((struct v4){ 1, 3, 5, 7 });
	struct d2 z = { 1, 1 };
	for (int i = 0; i < 5; i++)
		z = cmul(z, (struct d2){ 0.5, 1.25 });
	printf("%.3f %.3f | %.1f %.1f %.1f | %.2f %.2f %.2f %.2f\n", a.x, a.y, c.x, c.y, c.z,
	       h.x, h.y, h.z, h.w);
	printf("%.6f %.6f %.1f %.2f %.3f\n", z.a, z.b, twice((struct d1){ 21 }).a,
	       neg((struct f1){ 0.75f }).a, dot2(a, (struct v2){ 2, 0.5f }));
	struct v2 acc = { 0, 0 };
	for (int i = 0; i < 10; i++)
		acc = add2(acc, (struct v2){ i * 0.5f, -i * 0.25f });
	printf("%.3f %.3f\n", acc.x, acc.y);
	return 0;
}
