/* Signed and unsigned comparisons of every width, and of pointers. */
#include <stdio.h>
#include <stdint.h>

#define CMP(T, a, b) printf("%d%d%d%d%d%d ", (T)(a) < (T)(b), (T)(a) <= (T)(b), \
	(T)(a) > (T)(b), (T)(a) >= (T)(b), (T)(a) == (T)(b), (T)(a) != (T)(b))

int main(void)
{
	volatile int x = -1, y = 1, z = 0x80;
	CMP(int8_t, x, y); CMP(uint8_t, x, y); CMP(int8_t, z, y); CMP(uint8_t, z, y);
	printf("\n");
	CMP(int16_t, x, y); CMP(uint16_t, x, y); CMP(int32_t, x, y); CMP(uint32_t, x, y);
	printf("\n");
	CMP(int64_t, x, y); CMP(uint64_t, x, y); CMP(int64_t, y, y); CMP(uint64_t, z, x);
	printf("\n");
	int arr[4];
	int *p = &arr[1], *q = &arr[3];
	printf("%d %d %d %ld\n", p < q, p == q, q >= p, (long)(q - p));
	int count = 0;
	for (int i = -5; i < 5; i++)
		for (unsigned j = 0; j < 3; j++)
			count += (i < (int)j) + 2 * ((unsigned)i > j);
	printf("%d\n", count);
	return 0;
}
