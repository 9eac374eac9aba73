/* Dense switches (lookup tables at -O2), sparse switches, fall-through. */
#include <stdio.h>

__attribute__((noinline)) static int dense(int x)
{
	switch (x) {
	case 0: return 7;
	case 1: return 3;
	case 2: return 19;
	case 3: return 4;
	case 4: return 88;
	case 5: return 1;
	case 6: return 42;
	default: return -1;
	}
}

__attribute__((noinline)) static const char *name(unsigned char c)
{
	switch (c) {
	case 'a': case 'e': case 'i': case 'o': case 'u': return "vowel";
	case ' ': return "space";
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9': return "digit";
	default: return "other";
	}
}

__attribute__((noinline)) static int sparse(long x)
{
	int r = 0;
	switch (x) {
	case -1000000: r += 1;
	/* fall through */
	case 7: r += 2; break;
	case 1000: r += 4;
	/* fall through */
	case 123456789012: r += 8; break;
	case -3: return 99;
	}
	return r;
}

int main(void)
{
	for (int i = -2; i < 9; i++)
		printf("%d ", dense(i));
	printf("\n");
	const char *s = "hi 42 you";
	for (const char *p = s; *p; p++)
		printf("%c=%s ", *p, name((unsigned char)*p));
	printf("\n");
	long xs[] = { -1000000, 7, 1000, 123456789012, -3, 5 };
	for (int i = 0; i < 6; i++)
		printf("%d ", sparse(xs[i]));
	printf("\n");
	return 0;
}
