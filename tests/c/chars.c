/* char, signed char and unsigned char arithmetic and comparisons. */
#include <stdio.h>

static int classify(signed char c) { return c < 0 ? -1 : c == 0 ? 0 : 1; }
static unsigned char rot13(unsigned char c)
{
	if (c >= 'a' && c <= 'z') return 'a' + (c - 'a' + 13) % 26;
	if (c >= 'A' && c <= 'Z') return 'A' + (c - 'A' + 13) % 26;
	return c;
}

int main(void)
{
	signed char sc[] = { -128, -1, 0, 1, 127 };
	for (int i = 0; i < 5; i++)
		printf("%d:%d:%d:%d ", sc[i], classify(sc[i]), (signed char)(sc[i] + 1), sc[i] / 3);
	printf("\n");
	unsigned char uc = 250;
	for (int i = 0; i < 10; i++)
		uc += 3;
	printf("%u %u %d\n", uc, (unsigned char)(uc * 7), (signed char)uc);
	char msg[] = "Hello, World!";
	for (char *p = msg; *p; p++)
		*p = (char)rot13((unsigned char)*p);
	printf("%s\n", msg);
	int hist[4] = { 0 };
	for (int c = -128; c < 128; c++)
		hist[((signed char)c >> 6) & 3]++;
	printf("%d %d %d %d\n", hist[0], hist[1], hist[2], hist[3]);
	return 0;
}
