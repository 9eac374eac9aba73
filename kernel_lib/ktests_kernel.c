/*
 * ktests_kernel.c - kernel tests of kernel_lib itself, plus deliberate
 * failures that check the harness sees each way a run can end.
 */
#include "kernel.h"
#include "ktest.h"

/* ---- ahead-of-time compiled code: the baseline the JIT is measured against ---- */

long aot_fib(long n);
long aot_fib(long n)
{
	return n < 2 ? n : aot_fib(n - 1) + aot_fib(n - 2);
}

KTEST(aot_fib)
{
	static const struct { long n, want; } cases[] = {
		{ 0, 0 }, { 1, 1 }, { 2, 1 }, { 10, 55 }, { 20, 6765 }, { 30, 832040 },
	};
	/* volatile: keep gcc from folding the calls into constants */
	long (*volatile fib)(long) = aot_fib;
	unsigned i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long got = fib(cases[i].n);
		kt_checkf(t, got == cases[i].want, "fib(%ld) == %ld # got %ld",
			  cases[i].n, cases[i].want, got);
	}
}

/* ---- heap ---- */

static int aligned16(void *p)
{
	return ((uintptr_t)p & 15) == 0;
}

KTEST(heap)
{
	struct heap_stats before, after;
	void *p[64];
	char *s;
	int i, ok;

	heap_stats(&before);
	kt_checkf(t, before.free_blocks >= 1, "heap has free memory # %zu free blocks",
		  before.free_blocks);

	for (i = 0, ok = 1; i < 64; i++) {
		p[i] = malloc(1 + i * 37);
		ok &= p[i] && aligned16(p[i]);
		if (p[i])
			memset(p[i], i, 1 + i * 37);
	}
	kt_check(t, ok, "64 allocations succeed, 16-byte aligned");
	for (i = 0, ok = 1; i < 64; i++)
		ok &= ((unsigned char *)p[i])[i * 37] == i;
	kt_check(t, ok, "allocations do not overlap");
	kt_checkf(t, heap_check() == 0, "heap consistent after allocating");

	for (i = 0; i < 64; i += 2)	/* free every other block: no merging possible */
		free(p[i]);
	kt_checkf(t, heap_check() == 0, "heap consistent with holes");
	for (i = 1; i < 64; i += 2)	/* now every free merges with both neighbours */
		free(p[i]);

	s = malloc(10);
	strcpy(s, "jitboot");
	s = realloc(s, 100000);
	kt_check(t, s && aligned16(s) && strcmp(s, "jitboot") == 0, "realloc grows and keeps contents");
	s = realloc(s, 16);
	kt_check(t, s && strcmp(s, "jitboot") == 0, "realloc shrinks and keeps contents");
	free(s);

	p[0] = calloc(1000, 8);
	for (i = 0, ok = p[0] != 0; ok && i < 1000; i++)
		ok = ((long *)p[0])[i] == 0;
	kt_check(t, ok, "calloc memory is zeroed");
	free(p[0]);
	kt_check(t, calloc((size_t)1 << 40, (size_t)1 << 40) == 0, "calloc overflow returns NULL");
	kt_check(t, malloc((size_t)JB_HEAP_SIZE) == 0, "malloc larger than the heap returns NULL");

	heap_stats(&after);
	kt_checkf(t, after.free_blocks == 1 && after.used_blocks == before.used_blocks &&
		  after.free_bytes == before.free_bytes,
		  "everything freed coalesces back into one free block # %zu free blocks, %zu bytes (was %zu)",
		  after.free_blocks, after.free_bytes, before.free_bytes);
	kt_checkf(t, heap_check() == 0, "heap consistent at the end");
}

/* ---- printf formatting and string functions ---- */

/* The check is named by the expected text: format strings contain '#',
 * which KTAP reserves for directives. */
static void fmt_is(struct ktest *t, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fmt_is(struct ktest *t, const char *want, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kt_checkf(t, strcmp(buf, want) == 0, "snprintf gives \"%s\" # got \"%s\"", want, buf);
}

KTEST(klib)
{
	const char *volatile nul = 0;	/* volatile: gcc rejects a literal NULL for %s */
	char buf[32];

	fmt_is(t, "-42|  -42|-42  |-0042", "%d|%5d|%-5d|%05d", -42, -42, -42, -42);
	fmt_is(t, "+7  7", "%+d % d", 7, 7);
	fmt_is(t, "ff FF 0xff 377 0377", "%x %X %#x %o %#o", 255, 255, 255, 255, 255);
	fmt_is(t, "007|| 07|  07", "%.3d|%.0d|%3.2d|%4.2d", 7, 0, 7, 7);
	fmt_is(t, "18446744073709551615 -9223372036854775808", "%lu %ld",
	       (unsigned long)-1, (long)(-9223372036854775807L - 1));
	fmt_is(t, "-5 255 65535 1000", "%hhd %hhu %hu %zx", -5, 255, 65535, (size_t)0x1000);
	fmt_is(t, "ab|   ab|ab   |ab|(null)", "%s|%5s|%-5s|%.2s|%s", "ab", "ab", "ab", "abc", nul);
	fmt_is(t, "ok%", "%c%c%%", 'o', 'k');
	fmt_is(t, "3.141593", "%f", 3.14159265358979);
	fmt_is(t, "2.50|  -1.250|0.1     |", "%.2f|%8.3f|%-8.1f|", 2.5, -1.25, 0.05);
	fmt_is(t, "0 2 2 4", "%.0f %.0f %.0f %.0f", 0.5, 1.5, 2.5, 3.5);
	fmt_is(t, "0.10000000000000000555", "%.20f", 0.1);
	fmt_is(t, "99999999999999991611392.000000", "%f", 1e23);
	fmt_is(t, "1.234568e+05", "%e", 123456.789);
	fmt_is(t, "-1.000e-300", "%.3e", -1e-300);
	fmt_is(t, "100000 1e+06 0.0001 1e-05", "%g %g %g %g", 1e5, 1e6, 1e-4, 1e-5);
	fmt_is(t, "0.1 0.10000000000000001 3.14159 0", "%g %.17g %g %g", 0.1, 0.1, 3.14159265, 0.0);
	fmt_is(t, "-0.000000", "%f", -0.0);
	fmt_is(t, "   -0.1235|-1.23e-01 |", "%10.4f|%-+10.2e|", -0.12345, -0.12345);
	fmt_is(t, "1E+20 1.000000E+20 1.50000", "%G %E %#g", 1e20, 1e20, 1.5);
	fmt_is(t, "inf INF -nan", "%f %F %e", __builtin_inf(), __builtin_inf(), -__builtin_nan(""));
	fmt_is(t, "4.9406564584124654e-324", "%.17g", 4.9406564584124654e-324);

	kt_check(t, snprintf(buf, 4, "%d", 123456) == 6 && strcmp(buf, "123") == 0,
		 "snprintf truncates and returns the full length");
	kt_check(t, strlen("jitboot") == 7 && strcmp("abc", "abd") < 0 && strncmp("abc", "abd", 2) == 0,
		 "strlen, strcmp, strncmp");
	kt_check(t, strchr("a/b/c", '/') - "a/b/c" == 1 && strrchr("a/b/c", '/') - "a/b/c" == 3 &&
		 strchr("abc", 0) != 0 && strchr("abc", 'z') == 0, "strchr, strrchr");
	memmove(buf, "0123456789", 11);
	memmove(buf + 2, buf, 5);
	kt_checkf(t, strcmp(buf, "0101234789") == 0, "memmove with overlap # got %s", buf);
	memset(buf, 'x', 3);
	kt_check(t, memcmp(buf, "xxx1234789", 11) == 0, "memset, memcmp");
}

/* ---- deliberate failures ---- */

KTEST(fail_example)
{
	kt_check(t, 1 + 1 == 2, "a check that passes");
	kt_checkf(t, 0, "a check that fails # on purpose");
}

/* Fails on the first boot of a run only (the harness's boot number): with
 * `retries` the harness must report it as flaky, not as passed. */
KTEST(fails_first_boot)
{
	kt_checkf(t, ktest_boot() > 1, "passes once re-booted # this is boot %d", ktest_boot());
}
