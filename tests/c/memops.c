/* memcpy, memmove and memset: explicit and from struct copies and initializers. */
#include <stdio.h>
#include <string.h>

struct rec { int id; char tag[12]; double w; long pad[4]; };

int main(void)
{
	struct rec a = { 7, "seven", 7.5, { 1, 2, 3, 4 } };
	struct rec b = a;
	b.id = 8;
	b.tag[0] = 'S';
	struct rec arr[4] = { 0 };
	arr[2] = b;
	printf("%d %s %d %s %.1f %ld %d\n", a.id, a.tag, b.id, b.tag, arr[2].w, arr[2].pad[3], arr[1].id);
	char buf[32] = "0123456789";
	__builtin_memmove(buf + 2, buf, 8);
	printf("%s\n", buf);
	memmove(buf, buf + 3, 8);
	printf("%s\n", buf);
	int big[100];
	memset(big, 0xFF, sizeof big);
	memset(big + 10, 0, 20 * sizeof(int));
	long s = 0;
	for (int i = 0; i < 100; i++)
		s += big[i];
	printf("%ld\n", s);
	unsigned char bytes[16];
	for (int i = 0; i < 16; i++)
		bytes[i] = (unsigned char)(i * 17);
	unsigned long long q;
	memcpy(&q, bytes + 3, sizeof q);
	printf("%016llx\n", q);
	return 0;
}
