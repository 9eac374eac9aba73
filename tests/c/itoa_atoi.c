/* Integer <-> text conversion in any base, written out by hand. */
#include <stdio.h>

static char *utoa(unsigned long long v, char *buf, int base)
{
	char tmp[72];
	int n = 0;
	do tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % base]; while ((v /= base));
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return buf;
}
static long long my_atoi(const char *s)
{
	int neg = 0;
	long long v = 0;
	while (*s == ' ') s++;
	if (*s == '-' || *s == '+') neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

int main(void)
{
	char buf[72], hex[72], b36[72];
	unsigned long long vals[] = { 0, 1, 255, 65535, 1234567890123ull, 18446744073709551615ull };
	for (int i = 0; i < 6; i++)
		printf("%s %s %s\n", utoa(vals[i], buf, 2), utoa(vals[i], hex, 16),
		       utoa(vals[i], b36, 36));
	const char *nums[] = { "42", "  -17", "+9000000000", "-9223372036854775807", "12abc" };
	for (int i = 0; i < 5; i++)
		printf("%lld ", my_atoi(nums[i]));
	printf("\n");
	return 0;
}
