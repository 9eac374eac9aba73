/* Substring search: Boyer-Moore-Horspool against the naive algorithm over
 * a pseudo-random text of a small alphabet, for patterns of many lengths;
 * the two must find the same occurrences. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_LEN 65536

static char text[TEXT_LEN + 1];

static long naive(const char *t, long n, const char *p, long m)
{
	long count = 0;
	for (long i = 0; i + m <= n; i++) {
		long j = 0;
		while (j < m && t[i + j] == p[j])
			j++;
		if (j == m)
			count += i;
	}
	return count;
}

static long horspool(const char *t, long n, const char *p, long m)
{
	long shift[256], count = 0;
	for (int c = 0; c < 256; c++)
		shift[c] = m;
	for (long j = 0; j + 1 < m; j++)
		shift[(unsigned char)p[j]] = m - 1 - j;
	for (long i = 0; i + m <= n; i += shift[(unsigned char)t[i + m - 1]]) {
		long j = m - 1;
		while (j >= 0 && t[i + j] == p[j])
			j--;
		if (j < 0)
			count += i;
	}
	return count;
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	unsigned seed = 12345;
	for (int i = 0; i < TEXT_LEN; i++) {
		seed = seed * 1103515245u + 12345u;
		text[i] = "abcdefgh"[(seed >> 16) & 7];
	}
	long total_naive = 0, total_bmh = 0;
	char pat[40];
	for (int round = 0; round < 10 * scale; round++)
		for (int m = 2; m < 24; m += 3) {
			/* a pattern taken from the text, so it occurs at least once */
			long at = (round * 7919L + m * 104729L) % (TEXT_LEN - m);
			memcpy(pat, text + at, m);
			pat[m] = 0;
			long a = naive(text, TEXT_LEN, pat, m);
			long b = horspool(text, TEXT_LEN, pat, m);
			total_naive += a;
			total_bmh += b;
		}
	printf("position sum %ld\n", total_bmh);
	int ok = total_naive == total_bmh && total_bmh > 0;
	printf("%s\n", ok ? "ok" : "FAIL: the searches disagree");
	return ok ? 0 : 1;
}
