/* stdlib.h of JIT'd code: conversions, sorting and searching, rand,
 * integer arithmetic, and the ways out of a program. */
#include "libc.h"

#define LC_LONG_MAX 0x7fffffffffffffffL
#define LC_ULLONG_MAX 0xffffffffffffffffULL

static int
digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* The strto* grammar: spaces, a sign, "0x" in base 16 or 0, digits.
 * Returns the magnitude (saturated at ULLONG_MAX, *over set), *neg the
 * sign; *end is s when no digit was read. */
static unsigned long long
scan(const char *s, char **end, int base, int *neg, int *over)
{
	const char *p = s;
	unsigned long long v = 0;
	int d, any = 0;

	*neg = 0;
	*over = 0;
	if (base < 0 || base == 1 || base > 36) {
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (lc_isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	/* "0x" counts only with a hex digit after it: "0xg" is 0, then "xg" */
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x'
	    && digit((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	for (; (d = digit((unsigned char)*p)) < base; p++) {
		any = 1;
		if (v > (LC_ULLONG_MAX - d) / base)
			*over = 1;
		else
			v = v * base + d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	return *over ? LC_ULLONG_MAX : v;
}

long long
lc_strtoll(const char *s, char **end, int base)
{
	unsigned long long v;
	int neg, over;

	v = scan(s, end, base, &neg, &over);
	if (neg)
		return over || v > (unsigned long long)LC_LONG_MAX + 1 ? -LC_LONG_MAX - 1
			: (long long)(0 - v);
	return over || v > LC_LONG_MAX ? LC_LONG_MAX : (long long)v;
}

/* An unsigned conversion negates a "-" value in the unsigned type
 * ("-1" is ULONG_MAX), and saturates one out of range. */
unsigned long long
lc_strtoull(const char *s, char **end, int base)
{
	unsigned long long v;
	int neg, over;

	v = scan(s, end, base, &neg, &over);
	return over ? LC_ULLONG_MAX : neg ? 0 - v : v;
}

long
lc_strtol(const char *s, char **end, int base)
{
	return lc_strtoll(s, end, base);
}

unsigned long
lc_strtoul(const char *s, char **end, int base)
{
	return lc_strtoull(s, end, base);
}

/* atoi is strtol's value cut to an int, as glibc's is. */
int
lc_atoi(const char *s)
{
	return (int)lc_strtol(s, NULL, 10);
}

long
lc_atol(const char *s)
{
	return lc_strtol(s, NULL, 10);
}

long long
lc_atoll(const char *s)
{
	return lc_strtoll(s, NULL, 10);
}

/* Correctly rounded (the shim's parser, jit/shim/strtod.c): decimal, hex
 * floats, inf and nan, after leading spaces. */
double
lc_strtod(const char *s, char **end)
{
	const char *p = s;
	char *e;
	double v;

	while (lc_isspace((unsigned char)*p))
		p++;
	v = shim_strtod(p, &e);
	if (end)
		*end = e == p ? (char *)s : e;
	return v;
}

float
lc_strtof(const char *s, char **end)
{
	const char *p = s;
	char *e;
	float v;

	while (lc_isspace((unsigned char)*p))
		p++;
	v = shim_strtof(p, &e);
	if (end)
		*end = e == p ? (char *)s : e;
	return v;
}

double
lc_atof(const char *s)
{
	return lc_strtod(s, NULL);
}

int lc_abs(int x) { return x < 0 ? -x : x; }
long lc_labs(long x) { return x < 0 ? -x : x; }
long long lc_llabs(long long x) { return x < 0 ? -x : x; }

typedef struct { int quot, rem; } lc_div_t;
typedef struct { long quot, rem; } lc_ldiv_t;
typedef struct { long long quot, rem; } lc_lldiv_t;

lc_div_t lc_div(int a, int b) { return (lc_div_t){ a / b, a % b }; }
lc_ldiv_t lc_ldiv(long a, long b) { return (lc_ldiv_t){ a / b, a % b }; }
lc_lldiv_t lc_lldiv(long long a, long long b) { return (lc_lldiv_t){ a / b, a % b }; }

/* rand: the same sequence everywhere, from a 64-bit LCG (Knuth's MMIX
 * constants), its high 31 bits; srand(1) is where a program starts. */
static uint64_t seed = 1;

void
lc_srand(unsigned s)
{
	seed = s;
}

int
lc_rand(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)(seed >> 33);
}

static void
swap(char *a, char *b, size_t size)
{
	char t;

	while (size--) {
		t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Stable, as glibc's qsort is for the sizes programs sort (so a
 * comparator with ties orders them as a native build does): a merge
 * sort through a buffer, or an insertion sort without one. */
static void
merge(char *a, size_t n, size_t size, char *tmp, int (*cmp)(const void *, const void *))
{
	size_t n1, i, j, k;
	char *b;

	if (n < 2)
		return;
	n1 = n / 2;
	b = a + n1 * size;
	merge(a, n1, size, tmp, cmp);
	merge(b, n - n1, size, tmp, cmp);
	if (cmp(b - size, b) <= 0)
		return;                 /* already in order */
	i = j = k = 0;
	while (i < n1 && j < n - n1) {
		if (cmp(b + j * size, a + i * size) < 0)
			memcpy(tmp + k++ * size, b + j++ * size, size);
		else
			memcpy(tmp + k++ * size, a + i++ * size, size);
	}
	memcpy(tmp + k * size, a + i * size, (n1 - i) * size);
	memcpy(a, tmp, (k + n1 - i) * size);
}

void
lc_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *a = base, *tmp, *p;
	size_t i;

	if (n < 2 || size == 0)
		return;
	tmp = n <= (size_t)-1 / size ? malloc(n * size) : NULL;
	if (tmp) {
		merge(a, n, size, tmp, cmp);
		free(tmp);
		return;
	}
	for (i = 1; i < n; i++)
		for (p = a + i * size; p > a && cmp(p - size, p) > 0; p -= size)
			swap(p - size, p, size);
}

void *
lc_bsearch(const void *key, const void *base, size_t n, size_t size,
	int (*cmp)(const void *, const void *))
{
	const char *a = base, *mid;
	int c;

	while (n) {
		mid = a + n / 2 * size;
		c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			a = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}

/* exit ends the payload with status as main's return would; in the kernel
 * that is the payload's result, on the host jitrun's exit status.  What
 * the program wrote is out already (stdout is written through). */
void
lc_exit(int status)
{
	lc_fflush(NULL);
	lc_exit_hook(status);
}

void
lc_abort(void)
{
	lc_fflush(NULL);
	lc_abort_hook();
}
