/* String handling: our own routines next to the exported ones. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static size_t my_strlen(const char *s) { const char *p = s; while (*p) p++; return p - s; }
static void reverse(char *s)
{
	for (size_t i = 0, j = strlen(s); i + 1 < j; i++, j--) {
		char t = s[i];
		s[i] = s[j - 1];
		s[j - 1] = t;
	}
}
static const char *find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}
static int count_words(const char *s)
{
	int n = 0, in = 0;
	for (; *s; s++) {
		int sp = *s == ' ' || *s == '\t' || *s == '\n';
		n += !sp && !in;
		in = !sp;
	}
	return n;
}
static void upper(char *s) { for (; *s; s++) if (*s >= 'a' && *s <= 'z') *s -= 32; }

int main(void)
{
	char buf[64];
	strcpy(buf, "The quick brown fox");
	printf("%zu %zu %d\n", my_strlen(buf), strlen(buf), count_words("  a bb\tccc \n d "));
	reverse(buf);
	printf("%s\n", buf);
	upper(buf);
	printf("%s %s\n", buf, find("haystack with needle inside", "needle"));
	printf("%d %d %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, memcmp("xyz", "xyz", 3) == 0);
	printf("%s %d\n", strchr("find:me", ':'), find("abc", "zz") == NULL);
	char *dup = malloc(32);
	memset(dup, 'x', 31);
	dup[31] = 0;
	memcpy(dup + 5, "MID", 3);
	memmove(dup + 1, dup, 10);
	printf("%s\n", dup);
	free(dup);
	const char *digits = "8675309";
	long v = 0;
	for (const char *p = digits; *p; p++)
		v = v * 10 + (*p - '0');
	printf("%ld %c\n", v, "0123456789abcdef"[v % 16]);
	return 0;
}
