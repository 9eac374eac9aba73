/* Structs of 3, 5, 6 and 7 bytes by value: clang coerces them to i24, i40, i48, i56. */
#include <stdio.h>

struct s3 { char a, b, c; };
struct s5 { char a[5]; };
struct s6 { short a, b, c; };
struct s7 { char a; char b[2]; char c[4]; };
struct s12 { char a[12]; };

__attribute__((noinline)) static struct s3 f3(struct s3 s) { s.a++; s.c--; return s; }
__attribute__((noinline)) static struct s5 f5(struct s5 s) { for (int i = 0; i < 5; i++) s.a[i] += i; return s; }
__attribute__((noinline)) static struct s6 f6(struct s6 s) { s.a += s.b; s.c = -s.c; return s; }
__attribute__((noinline)) static struct s7 f7(struct s7 s) { s.b[1] *= 3; s.c[2] = s.a; return s; }
__attribute__((noinline)) static struct s12 f12(struct s12 s) { s.a[11] = s.a[0]; return s; }
__attribute__((noinline)) static int sum(struct s3 a, struct s5 b, struct s6 c, struct s7 d, struct s12 e)
{
	return a.a + a.b + a.c + b.a[4] + c.c + d.b[1] + d.c[0] + e.a[11];
}

int main(void)
{
	struct s3 a = f3((struct s3){ 1, 2, 3 });
	struct s5 b = f5((struct s5){ { 10, 20, 30, 40, 50 } });
	struct s6 c = f6((struct s6){ 100, -7, 9 });
	struct s7 d = f7((struct s7){ 'x', { 10, 20 }, { 1, 2, 3 } });
	struct s12 e = f12((struct s12){ "abcdefghijk" });
	printf("%d %d %d | %d %d %d | %d %d %d\n", a.a, a.b, a.c, b.a[0], b.a[2], b.a[4], c.a, c.b, c.c);
	printf("%c %d %d %d %d | %c\n", d.a, d.b[1], d.c[0], d.c[1], d.c[2], e.a[11]);
	printf("%d\n", sum(a, b, c, d, e));
	return 0;
}
