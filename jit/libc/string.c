/* string.h and ctype.h of JIT'd code.  memcpy, memmove, memset and strlen
 * are the platform's (their results are fixed by C); everything whose
 * result C leaves open (the sign's magnitude of a compare) is ours. */
#include "libc.h"

int
lc_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

void *
lc_memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

int
lc_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int
lc_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

char *
lc_strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

/* Copies at most n bytes and pads with NULs to n: no NUL when src is
 * n bytes or longer, as C says. */
char *
lc_strncpy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = 0;
	return dst;
}

char *
lc_strcat(char *dst, const char *src)
{
	lc_strcpy(dst + strlen(dst), src);
	return dst;
}

/* Appends at most n bytes of src, then always a NUL. */
char *
lc_strncat(char *dst, const char *src, size_t n)
{
	char *d = dst + strlen(dst);

	for (; n && *src; n--)
		*d++ = *src++;
	*d = 0;
	return dst;
}

char *
lc_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *
lc_strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t
lc_strnlen(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		;
	return i;
}

char *
lc_strstr(const char *h, const char *n)
{
	size_t k = strlen(n);

	for (; *h; h++)
		if (lc_strncmp(h, n, k) == 0)
			return (char *)h;
	return k ? NULL : (char *)h;
}

/* The length of s's prefix made of bytes in set (in == 1) or of bytes not
 * in it (in == 0). */
static size_t
span(const char *s, const char *set, int in)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((lc_strchr(set, s[i]) != NULL) != in)
			break;
	return i;
}

size_t
lc_strspn(const char *s, const char *set)
{
	return span(s, set, 1);
}

size_t
lc_strcspn(const char *s, const char *set)
{
	return span(s, set, 0);
}

char *
lc_strpbrk(const char *s, const char *set)
{
	s += span(s, set, 0);
	return *s ? (char *)s : NULL;
}

char *
lc_strndup(const char *s, size_t n)
{
	char *p;

	n = lc_strnlen(s, n);
	p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

char *
lc_strdup(const char *s)
{
	return lc_strndup(s, (size_t)-1);
}

/* ctype.h in the "C" locale, as functions; EOF and bytes past 0x7f are in
 * no class. */
enum { UP = 1, LO = 2, DI = 4, SP = 8, PU = 16, CT = 32, HX = 64, BL = 128 };

static unsigned char
class(int c)
{
	if (c < 0 || c > 0x7f)
		return 0;
	if (c >= 'A' && c <= 'Z')
		return UP | (c <= 'F' ? HX : 0);
	if (c >= 'a' && c <= 'z')
		return LO | (c <= 'f' ? HX : 0);
	if (c >= '0' && c <= '9')
		return DI | HX;
	if (c == ' ')
		return SP | BL;
	if (c == '\t')
		return SP | BL | CT;
	if (c >= '\n' && c <= '\r')
		return SP | CT;
	if (c < ' ' || c == 0x7f)
		return CT;
	return PU;
}

int lc_isalpha(int c) { return (class(c) & (UP | LO)) != 0; }
int lc_isdigit(int c) { return (class(c) & DI) != 0; }
int lc_isalnum(int c) { return (class(c) & (UP | LO | DI)) != 0; }
int lc_isspace(int c) { return (class(c) & SP) != 0; }
int lc_isupper(int c) { return (class(c) & UP) != 0; }
int lc_islower(int c) { return (class(c) & LO) != 0; }
int lc_isxdigit(int c) { return (class(c) & HX) != 0; }
int lc_ispunct(int c) { return (class(c) & PU) != 0; }
int lc_iscntrl(int c) { return (class(c) & CT) != 0; }
int lc_isblank(int c) { return (class(c) & BL) != 0; }
int lc_isgraph(int c) { return (class(c) & (UP | LO | DI | PU)) != 0; }
int lc_isprint(int c) { return c == ' ' || lc_isgraph(c); }
int lc_toupper(int c) { return lc_islower(c) ? c - 'a' + 'A' : c; }
int lc_tolower(int c) { return lc_isupper(c) ? c - 'A' + 'a' : c; }
