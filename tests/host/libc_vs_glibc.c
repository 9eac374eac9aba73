/*
 * libc_vs_glibc.c - host program: the payload library (jit/libc/, every
 * function named lc_NAME) against glibc, on fixed edge cases and random
 * inputs.  Used by tests/test_libc.py.
 *
 *   usage: libc_vs_glibc SEED COUNT DIR   prints mismatches, exits 1 if any
 *
 * DIR is a scratch directory for the file tests.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libc/libc.h"

/* The library's functions not in libc.h (payloads see them through
 * include/, with the standard names). */
unsigned long lc_strtoul(const char *, char **, int);
int lc_atoi(const char *);
long lc_atol(const char *);
double lc_atof(const char *);
void lc_qsort(void *, size_t, size_t, int (*)(const void *, const void *));
void *lc_bsearch(const void *, const void *, size_t, size_t, int (*)(const void *, const void *));
int lc_rand(void);
void lc_srand(unsigned);
int lc_abs(int);
long lc_labs(long);
long long lc_llabs(long long);
div_t lc_div(int, int);
ldiv_t lc_ldiv(long, long);
int lc_memcmp(const void *, const void *, size_t);
void *lc_memchr(const void *, int, size_t);
int lc_strcmp(const char *, const char *);
int lc_strncmp(const char *, const char *, size_t);
char *lc_strcpy(char *, const char *);
char *lc_strncpy(char *, const char *, size_t);
char *lc_strcat(char *, const char *);
char *lc_strncat(char *, const char *, size_t);
char *lc_strchr(const char *, int);
char *lc_strrchr(const char *, int);
char *lc_strstr(const char *, const char *);
size_t lc_strspn(const char *, const char *);
size_t lc_strcspn(const char *, const char *);
char *lc_strpbrk(const char *, const char *);
size_t lc_strnlen(const char *, size_t);
char *lc_strdup(const char *);
char *lc_strndup(const char *, size_t);
int lc_snprintf(char *, size_t, const char *, ...);
int lc_sprintf(char *, const char *, ...);
int lc_sscanf(const char *, const char *, ...);
size_t lc_fread(void *, size_t, size_t, LC_FILE *);
char *lc_fgets(char *, int, LC_FILE *);
int lc_ungetc(int, LC_FILE *);
long lc_ftell(LC_FILE *);
int lc_fseek(LC_FILE *, long, int);
int lc_feof(LC_FILE *);
int lc_setjmp(lc_jmp_buf) __attribute__((returns_twice));
void lc_longjmp(lc_jmp_buf, int) __attribute__((noreturn));
long lc_clock(void);
#define CTYPE(X) X(isalnum) X(isalpha) X(isblank) X(iscntrl) X(isdigit) X(isgraph) \
	X(islower) X(isprint) X(ispunct) X(isspace) X(isupper) X(isxdigit) X(tolower) X(toupper)
#define DECL(f) int lc_##f(int);
CTYPE(DECL)

/* clock's platform hooks (the host twin's are in platform_host.c) */
uint64_t rdtsc(void) { static uint64_t t; return t += 1000; }
uint64_t tsc_hz(void) { return 1000000000; }

static unsigned long long state;
static long bad, checks;

static unsigned long long
rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static void
fail(const char *fmt, ...)
{
	va_list ap;

	if (bad++ < 40) {
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

#define CHECK(ok, ...) do { checks++; if (!(ok)) fail(__VA_ARGS__); } while (0)

static void
rnd_string(char *s, int n, const char *alphabet)
{
	int i, len = rnd() % n, k = strlen(alphabet);

	for (i = 0; i < len; i++)
		s[i] = alphabet[rnd() % k];
	s[len] = 0;
}

static void
integer(const char *s, int base)
{
	char *e1, *e2;
	long a = lc_strtol(s, &e1, base), b = strtol(s, &e2, base);
	unsigned long long ua, ub;

	CHECK(a == b && e1 == e2, "strtol(\"%s\", %d): %ld +%td, glibc %ld +%td", s, base,
	      a, e1 - s, b, e2 - s);
	ua = lc_strtoul(s, &e1, base);
	ub = strtoul(s, &e2, base);
	CHECK(ua == ub && e1 == e2, "strtoul(\"%s\", %d): %llu +%td, glibc %llu +%td", s, base,
	      ua, e1 - s, ub, e2 - s);
	ua = lc_strtoull(s, &e1, base);
	ub = strtoull(s, &e2, base);
	CHECK(ua == ub && e1 == e2, "strtoull(\"%s\", %d)", s, base);
	a = lc_strtoll(s, &e1, base);
	b = strtoll(s, &e2, base);
	CHECK(a == b && e1 == e2, "strtoll(\"%s\", %d)", s, base);
	if (base == 10) {
		CHECK(lc_atol(s) == atol(s), "atol(\"%s\")", s);
		if (labs(b) < 0x7fffffff)
			CHECK(lc_atoi(s) == atoi(s), "atoi(\"%s\")", s);
	}
}

static void
integers(long count)
{
	static const char *fixed[] = {
		"", " ", "+", "-", "0", "-0", "00", "0x", "0X", "0x1g", "0xG", " \t\n\v\f\r42",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "18446744073709551615", "18446744073709551616",
		"-18446744073709551615", "-18446744073709551616", "99999999999999999999999",
		"0777", "0778", "0b101", "zz", "ZZ", "+-1", "-+1", " - 1", "1e5", "0x7fffffffffffffff",
		"0x8000000000000000", "-0x8000000000000000", "0xffffffffffffffff", "0x10000000000000000",
		"12abc", "   -0012", "\xff" "1",
	};
	static const int bases[] = {0, 2, 8, 10, 16, 36};
	char *e;
	char s[40];
	size_t i, j;
	long n;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		for (j = 0; j < sizeof bases / sizeof bases[0]; j++)
			integer(fixed[i], bases[j]);
	/* glibc parses on with a base C does not allow; ours reads nothing */
	CHECK(lc_strtol("12", &e, 1) == 0 && *e == '1' && lc_strtoul("12", &e, 37) == 0
	      && *e == '1', "strtol with base 1 or 37 reads nothing");
	for (n = 0; n < count; n++) {
		rnd_string(s, 30, n % 2 ? " +-0123456789" : " +-0123456789abcdefxXzZ");
		integer(s, bases[rnd() % 6]);
	}
}

static void
decimal(const char *s)
{
	char *e1, *e2;
	double a = lc_strtod(s, &e1), b = strtod(s, &e2);
	float fa, fb;

	CHECK((a == b && signbit(a) == signbit(b)) || (isnan(a) && isnan(b)),
	      "strtod(\"%s\"): %a, glibc %a", s, a, b);
	CHECK(e1 == e2, "strtod(\"%s\") ends at +%td, glibc +%td", s, e1 - s, e2 - s);
	fa = lc_strtof(s, &e1);
	fb = strtof(s, &e2);
	CHECK(((fa == fb && signbit(fa) == signbit(fb)) || (isnan(fa) && isnan(fb))) && e1 == e2,
	      "strtof(\"%s\"): %a, glibc %a", s, fa, fb);
	if (e2 != s && *e2 == 0)
		CHECK(lc_atof(s) == atof(s) || isnan(atof(s)), "atof(\"%s\")", s);
}

static void
decimals(long count)
{
	static const char *fixed[] = {
		"", "-", ".", "+.", "1.", ".5", "-.5e", "1e", "1e+", "1e-5x", "  3.25", "inf", "-INF",
		"infinity", "Infinityx", "nan", "-nan", "nan(123)", "nan(", "0x", "0x1p", "0x1.8p1",
		"0x1p-1074", "0x1p-1075", "0x1.fffffffffffffp1023", "1e308", "1e309", "-1e400",
		"1e-320", "4.9406564584124654e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623158e308",
		"0.1000000000000000055511151231257827", "-0", "-0.0e10", "123456789012345678901234567890",
		"0.000000000000000000000000000000000000000001", "3.4028235e38", "3.4028236e38",
		"1.17549435e-38", "1.4e-45", "7.0e-46",
	};
	char s[64];
	union { uint64_t u; double d; } v;
	size_t i;
	long n;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		decimal(fixed[i]);
	for (n = 0; n < count; n++) {
		v.u = rnd();
		if (n % 3 == 0)
			v.d = (double)(rnd() % 1000000) / (double)(rnd() % 1000 + 1);
		switch (n % 4) {
		case 0: snprintf(s, sizeof s, "%.17g", v.d); break;
		case 1: snprintf(s, sizeof s, "%.*e", (int)(rnd() % 25), v.d); break;
		case 2: snprintf(s, sizeof s, "%a", v.d); break;
		default: snprintf(s, sizeof s, "%.*f", (int)(rnd() % 8), fmod(v.d, 1e15)); break;
		}
		decimal(s);
	}
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

struct pair {
	int key, order;
};

static int
cmp_key(const void *a, const void *b)
{
	return ((const struct pair *)a)->key - ((const struct pair *)b)->key;
}

static void
sorting(long count)
{
	int a[300], b[300], key, *p, *q;
	struct pair s[200];
	long n;
	int len, i, ok;

	for (n = 0; n < count / 20 + 10; n++) {
		len = rnd() % 300;
		for (i = 0; i < len; i++)
			a[i] = b[i] = (int)(rnd() % (n % 2 ? 10 : 100000)) - 50;
		lc_qsort(a, len, sizeof a[0], cmp_int);
		qsort(b, len, sizeof b[0], cmp_int);
		CHECK(memcmp(a, b, len * sizeof a[0]) == 0, "qsort of %d ints differs", len);
		for (i = 0; i < 20 && len; i++) {
			key = (int)(rnd() % 120) - 60;
			p = lc_bsearch(&key, a, len, sizeof a[0], cmp_int);
			q = bsearch(&key, b, len, sizeof b[0], cmp_int);
			CHECK((p == NULL) == (q == NULL) && (!p || *p == key),
			      "bsearch(%d) in %d ints: %s, glibc %s", key, len, p ? "found" : "missing",
			      q ? "found" : "missing");
		}
		len = rnd() % 200;
		for (i = 0; i < len; i++) {
			s[i].key = rnd() % 8;
			s[i].order = i;
		}
		lc_qsort(s, len, sizeof s[0], cmp_key);
		for (ok = 1, i = 1; i < len; i++)
			ok &= s[i - 1].key < s[i].key
				|| (s[i - 1].key == s[i].key && s[i - 1].order < s[i].order);
		CHECK(ok, "qsort of %d pairs is not stable", len);
	}
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

static void
strings(long count)
{
	char s[40], t[40], a[64], b[64];
	size_t n, i;
	long k;
	char *p, *q;
	int c;

	for (k = 0; k < count; k++) {
		rnd_string(s, 20, "abcab ");
		rnd_string(t, 6, "abc ");
		n = rnd() % 25;
		c = "abc \0z"[rnd() % 6];
		CHECK(sign(lc_strcmp(s, t)) == sign(strcmp(s, t)), "strcmp(\"%s\", \"%s\")", s, t);
		CHECK(sign(lc_strncmp(s, t, n)) == sign(strncmp(s, t, n)), "strncmp(\"%s\", \"%s\", %zu)", s, t, n);
		CHECK(sign(lc_memcmp(s, t, n < 6 ? n : 6)) == sign(memcmp(s, t, n < 6 ? n : 6)), "memcmp");
		memset(a, 'X', sizeof a);
		memset(b, 'X', sizeof b);
		lc_strncpy(a, s, n);
		strncpy(b, s, n);
		CHECK(memcmp(a, b, sizeof a) == 0, "strncpy(\"%s\", %zu)", s, n);
		strcpy(a, t);
		strcpy(b, t);
		CHECK(strcmp(lc_strcat(a, s), strcat(b, s)) == 0, "strcat");
		lc_strncat(a, t, n);
		strncat(b, t, n);
		CHECK(memcmp(a, b, strlen(b) + 1) == 0, "strncat(%zu)", n);
		CHECK(lc_strchr(s, c) == strchr(s, c), "strchr(\"%s\", %d)", s, c);
		CHECK(lc_strrchr(s, c) == strrchr(s, c), "strrchr(\"%s\", %d)", s, c);
		CHECK(lc_strstr(s, t) == strstr(s, t), "strstr(\"%s\", \"%s\")", s, t);
		CHECK(lc_strspn(s, t) == strspn(s, t), "strspn(\"%s\", \"%s\")", s, t);
		CHECK(lc_strcspn(s, t) == strcspn(s, t), "strcspn(\"%s\", \"%s\")", s, t);
		CHECK(lc_strpbrk(s, t) == strpbrk(s, t), "strpbrk(\"%s\", \"%s\")", s, t);
		i = n < sizeof s ? n : sizeof s;
		CHECK(lc_memchr(s, c, i) == memchr(s, c, i), "memchr(\"%s\", %d, %zu)", s, c, i);
		CHECK(lc_strnlen(s, n) == strnlen(s, n), "strnlen(\"%s\", %zu)", s, n);
		p = lc_strndup(s, n);
		q = strndup(s, n);
		CHECK(strcmp(p, q) == 0, "strndup(\"%s\", %zu)", s, n);
		free(p);
		free(q);
		p = lc_strdup(s);
		CHECK(strcmp(p, s) == 0 && p != s, "strdup(\"%s\")", s);
		free(p);
	}
	for (c = -1; c < 256; c++) {
#define SAME(f) CHECK(!!lc_##f(c) == !!f(c) && (lc_##f(c) == f(c) || lc_##f(c) * f(c) != 0), \
	#f "(%d): %d, glibc %d", c, lc_##f(c), f(c));
		CTYPE(SAME)
	}
	CHECK(lc_abs(-7) == 7 && lc_labs(-7L) == 7 && lc_llabs(-7LL) == 7, "abs");
	for (c = -9; c < 10; c++) {
		if (c == 0)
			continue;
		CHECK(lc_div(17, c).quot == div(17, c).quot && lc_div(-17, c).rem == div(-17, c).rem
		      && lc_ldiv(-17, c).quot == ldiv(-17, c).quot
		      && lc_ldiv(17, c).rem == ldiv(17, c).rem, "div(17, %d)", c);
	}
}

/* sscanf: the same format and input through both, into the same layout
 * of results, compared byte for byte with the return value. */
struct scanned {
	int r;
	union { int i; long l; long long ll; short h; char hh; unsigned u; } n[3];
	double d[2];
	float f;
	char s[2][16];
	int pos;
};

#define SCAN(input, fmt, ...) do { \
	struct scanned x, y; \
	memset(&x, 0x55, sizeof x); \
	memset(&y, 0x55, sizeof y); \
	{ struct scanned *v = &x; x.r = lc_sscanf(input, fmt, __VA_ARGS__); } \
	{ struct scanned *v = &y; y.r = sscanf(input, fmt, __VA_ARGS__); } \
	checks++; \
	if (memcmp(&x, &y, sizeof x) != 0) \
		fail("sscanf(\"%s\", \"%s\"): returned %d, glibc %d%s", input, fmt, x.r, y.r, \
		     x.r == y.r ? " (results differ)" : ""); \
} while (0)

static void
scanning(long count)
{
	char in[64];
	long k;

	SCAN("42 -17 0x1f", "%d %i %x", &v->n[0].i, &v->n[1].i, &v->n[2].i);
	SCAN("0x1f 017 -0", "%i %i %i", &v->n[0].i, &v->n[1].i, &v->n[2].i);
	SCAN("777 ff 12", "%o %X %u", &v->n[0].i, &v->n[1].i, &v->n[2].u);
	SCAN("9223372036854775807 -5 300", "%ld %lld %hhd", &v->n[0].l, &v->n[1].ll, &v->n[2].hh);
	SCAN("70000", "%hd", &v->n[0].h);
	SCAN("  hello world", "%s %s", v->s[0], v->s[1]);
	SCAN("abcdefgh", "%3s%2c", v->s[0], v->s[1]);
	SCAN("x", "%c", v->s[0]);
	SCAN("abc-def ghi", "%[a-z-] %[^i]", v->s[0], v->s[1]);
	SCAN("]x]y", "%[]x]", v->s[0]);
	SCAN("3.25 -1e-3 2.5", "%lf %le %f", &v->d[0], &v->d[1], &v->f);
	SCAN("0.1000000000000000055511151231257827 inf", "%lg %lg", &v->d[0], &v->d[1]);
	SCAN("12 34", "%*d %d%n", &v->n[0].i, &v->pos);
	SCAN("12345", "%3d%d", &v->n[0].i, &v->n[1].i);
	SCAN("a=1, b=2", "a=%d, b=%d", &v->n[0].i, &v->n[1].i);
	SCAN("a=1; b=2", "a=%d, b=%d", &v->n[0].i, &v->n[1].i);
	SCAN("100%", "%d%%", &v->n[0].i);
	SCAN("", "%d", &v->n[0].i);
	SCAN("   ", "%d", &v->n[0].i);
	SCAN("x1", "%d", &v->n[0].i);
	SCAN("5", "%d %d", &v->n[0].i, &v->n[1].i);
	SCAN("-", "%d", &v->n[0].i);
	SCAN("7 8", " %d%n %d", &v->n[0].i, &v->pos, &v->n[1].i);
	for (k = 0; k < count / 10; k++) {
		/* no "x" with floats: glibc's hex float prefixes without
		 * digits ("0x.") are not matched (ours fail them) */
		rnd_string(in, 30, " +-0123456789.eabc");
		SCAN(in, "%d %lf %3s %x", &v->n[0].i, &v->d[0], v->s[0], &v->n[1].i);
		SCAN(in, "%i%ld %c %lg", &v->n[0].i, &v->n[1].l, v->s[0], &v->d[1]);
		rnd_string(in, 30, " +-0123456789xXabcfg");
		SCAN(in, "%i %x%2o %hhx %15s", &v->n[0].i, &v->n[1].i, &v->n[2].i, &v->s[0][0], v->s[1]);
	}
}

static void
formatting(void)
{
	char a[128], b[128];
	int ra, rb;

	ra = lc_snprintf(a, 10, "%s|%5d|%-6.2f|%x|%c", "text", -42, 3.14159, 255, 'z');
	rb = snprintf(b, 10, "%s|%5d|%-6.2f|%x|%c", "text", -42, 3.14159, 255, 'z');
	CHECK(ra == rb && strcmp(a, b) == 0, "snprintf: %d \"%s\", glibc %d \"%s\"", ra, a, rb, b);
	ra = lc_snprintf(a, sizeof a, "%.17g %g %e %08.3f %+d %lu", 0.1, 1e-5, 12345.678, -3.5, 7, 123UL);
	rb = snprintf(b, sizeof b, "%.17g %g %e %08.3f %+d %lu", 0.1, 1e-5, 12345.678, -3.5, 7, 123UL);
	CHECK(ra == rb && strcmp(a, b) == 0, "snprintf: \"%s\", glibc \"%s\"", a, b);
	/* a width or precision that takes the count past INT_MAX fails
	 * (glibc's EOVERFLOW); what comes before it is written */
	static const char *const over[] = {"a%2147483648db", "a%.2147483648db",
		"a%99999999999999999999db", "a%2147483647db", "a%.2147483647ub"};
	for (size_t k = 0; k < sizeof over / sizeof over[0]; k++) {
		ra = lc_snprintf(a, 10, over[k], 5);
		rb = snprintf(b, 10, over[k], 5);
		CHECK(ra == rb && strcmp(a, "a") == 0, "snprintf(\"%s\"): %d \"%s\", glibc %d",
			over[k], ra, a, rb);
	}
	const char *star = "a%*db";
	ra = lc_snprintf(a, 10, star, -2147483647 - 1, 5);
	rb = snprintf(b, 10, star, -2147483647 - 1, 5);
	CHECK(ra == rb, "snprintf(\"%s\", INT_MIN): %d, glibc %d", star, ra, rb);
	const char *nofmt = 0;
	ra = lc_snprintf(a, 10, nofmt);
	CHECK(ra == -1, "snprintf with a null format: %d, want -1", ra);
	/* a null buffer only counts: snprintf(NULL, 0) as glibc, and
	 * sprintf(NULL), where glibc faults */
	char *nobuf = 0;
	ra = lc_snprintf(nobuf, 0, "%d", 12345);
	rb = snprintf(nobuf, 0, "%d", 12345);
	CHECK(ra == rb && ra == 5, "snprintf(NULL, 0): %d, glibc %d", ra, rb);
	ra = lc_sprintf(nobuf, "%s-%d", "abc", 7);
	CHECK(ra == 5, "sprintf(NULL): %d, want 5", ra);
	/* sscanf: a width past INT_MAX is no limit; a null string or
	 * format is EOF (glibc faults) */
	int x = 0;
	const char *wide = "%99999999999d";
	ra = lc_sscanf("42", wide, &x);
	CHECK(ra == 1 && x == 42, "sscanf(\"42\", \"%s\"): %d, x %d", wide, ra, x);
	ra = lc_sscanf(nofmt, "%d", &x);
	rb = lc_sscanf("42", nofmt);
	CHECK(ra == -1 && rb == -1, "sscanf with a null string: %d, a null format: %d, want -1", ra, rb);
}

static void
files(const char *dir)
{
	static const char text[] = "first line\nsecond\n\nno newline at the end";
	char path[512], a[64], b[64];
	LC_FILE *lf;
	FILE *gf, *w;
	int i, ca, cb;
	size_t na, nb;
	char *pa, *pb;

	snprintf(path, sizeof path, "%s/data.txt", dir);
	w = fopen(path, "w");
	fputs(text, w);
	fclose(w);
	lf = lc_fopen(path, "r");
	gf = fopen(path, "r");
	CHECK(lf && gf, "fopen(\"%s\")", path);
	if (!lf || !gf)
		return;
	for (i = 0; i < 6; i++) {
		pa = lc_fgets(a, i == 0 ? 5 : sizeof a, lf);
		pb = fgets(b, i == 0 ? 5 : sizeof b, gf);
		CHECK((pa == NULL) == (pb == NULL) && (!pa || strcmp(a, b) == 0),
		      "fgets #%d: \"%s\", glibc \"%s\"", i, pa ? a : "NULL", pb ? b : "NULL");
	}
	CHECK(lc_feof(lf) == !!feof(gf), "feof after the last line");
	CHECK(lc_fseek(lf, 3, SEEK_SET) == 0 && fseek(gf, 3, SEEK_SET) == 0, "fseek");
	ca = lc_fgetc(lf);
	cb = fgetc(gf);
	CHECK(ca == cb && lc_ungetc(ca, lf) == ungetc(cb, gf) && lc_ftell(lf) == ftell(gf),
	      "fgetc/ungetc/ftell");
	na = lc_fread(a, 4, 3, lf);
	nb = fread(b, 4, 3, gf);
	CHECK(na == nb && memcmp(a, b, na * 4) == 0, "fread(4, 3): %zu, glibc %zu", na, nb);
	na = lc_fread(a, 1, sizeof a, lf);
	nb = fread(b, 1, sizeof b, gf);
	CHECK(na == nb && memcmp(a, b, na) == 0 && lc_fgetc(lf) == EOF && fgetc(gf) == EOF,
	      "fread to the end: %zu, glibc %zu", na, nb);
	CHECK(lc_fseek(lf, -5, SEEK_END) == 0 && fseek(gf, -5, SEEK_END) == 0
	      && lc_fgetc(lf) == fgetc(gf), "fseek from the end");
	lc_fclose(lf);
	fclose(gf);
	CHECK(lc_fopen(path, "w") == NULL, "fopen for writing must fail (read-only files)");
	snprintf(path, sizeof path, "%s/missing.txt", dir);
	CHECK(lc_fopen(path, "r") == NULL, "fopen of a missing file");
}

static lc_jmp_buf env;

static void __attribute__((noinline))
jump(int depth, int val)
{
	if (depth == 0)
		lc_longjmp(env, val);
	jump(depth - 1, val);
}

static void
jumps(void)
{
	volatile int n = 0;
	int r;

	r = lc_setjmp(env);
	if (n < 3) {
		n++;
		jump(n * 5, n == 2 ? 0 : 40 + n);
	}
	CHECK(r == 43 && n == 3, "setjmp returned %d after %d jumps", r, n);
	lc_srand(7);
	r = lc_rand();
	lc_srand(7);
	CHECK(r == lc_rand() && r >= 0, "rand after srand(7) repeats");
	CHECK(lc_clock() >= 0, "clock");
}

int
main(int argc, char **argv)
{
	long count;

	if (argc != 4) {
		fprintf(stderr, "usage: libc_vs_glibc SEED COUNT DIR\n");
		return 2;
	}
	state = strtoull(argv[1], 0, 0) | 1;
	count = strtol(argv[2], 0, 0);
	integers(count);
	decimals(count);
	sorting(count);
	strings(count);
	scanning(count);
	formatting();
	files(argv[3]);
	jumps();
	printf("%ld mismatches in %ld checks\n", bad, checks);
	return bad != 0;
}
