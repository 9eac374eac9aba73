/* Pointer arithmetic: negative indices, pointer differences, pointers to pointers, casts. */
#include <stdio.h>
#include <stdint.h>
#include <stddef.h>

struct item { short a; long b; char c[3]; };

int main(void)
{
	int a[10];
	for (int i = 0; i < 10; i++)
		a[i] = i * i;
	int *end = a + 10, *mid = &a[5];
	printf("%d %d %td %td\n", mid[-2], end[-1], end - mid, mid - end);
	int *pa[3] = { &a[1], &a[3], &a[9] };
	int **pp = pa;
	printf("%d %d\n", **pp, *pp[2]);
	struct item items[3];
	printf("%zu %zu %zu %td\n", sizeof(struct item), offsetof(struct item, b),
	       offsetof(struct item, c), (char *)&items[2] - (char *)&items[0]);
	uintptr_t u = (uintptr_t)&a[4];
	int *back = (int *)(u + sizeof(int));
	printf("%d %d\n", *back, (int)((u & 3) == 0));
	char s[] = "pointer";
	char *p = s;
	while (*p) p++;
	printf("%td %c %c\n", p - s, *(p - 1), p[-7]);
	long total = 0;
	for (int *q = a; q < end; q += 3)
		total += *q;
	printf("%ld\n", total);
	return 0;
}
