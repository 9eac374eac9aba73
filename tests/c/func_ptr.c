/* Function pointers: tables, callbacks, a sort with a comparator. */
#include <stdio.h>

typedef int (*binop)(int, int);
static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static int maxi(int a, int b) { return a > b ? a : b; }
static const binop ops[] = { add, sub, mul, maxi };
static const char *const names[] = { "add", "sub", "mul", "max" };

static int fold(const int *v, int n, binop f, int acc)
{
	for (int i = 0; i < n; i++)
		acc = f(acc, v[i]);
	return acc;
}

static void sort(int *v, int n, int (*cmp)(const void *, const void *))
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && cmp(&v[j - 1], &v[j]) > 0; j--) {
			int t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}
static int up(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
static int down(const void *a, const void *b) { return up(b, a); }

struct vtable { double (*area)(double); const char *what; };
static double square(double s) { return s * s; }
static double circle(double r) { return 3.0 * r * r; }

int main(void)
{
	int v[] = { 3, -1, 4, 1, -5, 9, 2, 6 };
	for (int i = 0; i < 4; i++)
		printf("%s=%d ", names[i], fold(v, 8, ops[i], i == 2 ? 1 : 0));
	printf("\n");
	int (*cmps[2])(const void *, const void *) = { up, down };
	for (int k = 0; k < 2; k++) {
		sort(v, 8, cmps[k]);
		for (int i = 0; i < 8; i++)
			printf("%d ", v[i]);
		printf("\n");
	}
	struct vtable shapes[] = { { square, "square" }, { circle, "circle" } };
	for (int i = 0; i < 2; i++)
		printf("%s %.2f\n", shapes[i].what, shapes[i].area(1.5 + i));
	return 0;
}
