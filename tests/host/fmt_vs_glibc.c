/*
 * fmt_vs_glibc.c - host program: compare kernel_lib's kfmt (printf.c built
 * for the host with its public names prefixed k_) with glibc's snprintf on
 * random formats and values.  Used by tests/test_kernel_printf.py.
 *
 *   usage: fmt_vs_glibc SEED COUNT    prints mismatches, exits 1 if any
 *
 * One known, deliberate difference is not generated: glibc prints
 * printf("%#.2g", 99.96) as "1.e+02", C11 7.21.6.1 (and kfmt) as "1.0e+02".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int k_snprintf(char *buf, size_t n, const char *fmt, ...);

/* printf.c's other dependencies, unused here. */
int ktest_stdout_putc(char c) { return 1; }
void serial_putc(char c) {}

static unsigned long long state;

static unsigned long long rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static double rnd_double(void)
{
	unsigned long long bits = rnd();
	double d;

	switch (rnd() % 5) {
	case 0: memcpy(&d, &bits, 8); break;			/* any bit pattern */
	case 1: d = (double)(rnd() % 100000) / (rnd() % 1000 + 1); break;
	case 2: d = (rnd() % 2000) * 0.0005 - 0.5; break;	/* ties at .5 */
	case 3: d = ldexp((double)(rnd() % 1000), (int)(rnd() % 200) - 100); break;
	default: d = (double)(rnd() % 10) * pow(10, (int)(rnd() % 40) - 20);
	}
	return rnd() % 2 ? -d : d;
}

int main(int argc, char **argv)
{
	static const char *const flags[] = { "", "-", "+", " ", "#", "0", "-+", "+0", "#0", " 0", "-#" };
	char fmt[64], want[2048], got[2048];
	long i, count = argc > 2 ? atol(argv[2]) : 10000;
	int bad = 0;

	state = argc > 1 ? strtoull(argv[1], 0, 0) | 1 : 1;
	for (i = 0; i < count; i++) {
		char conv = "fFeEgGdiouxXsc"[rnd() % 14];
		const char *fl = flags[rnd() % 11];
		int w = rnd() % 3 ? -1 : (int)(rnd() % 40), p = rnd() % 3 ? -1 : (int)(rnd() % 70);
		char *q = fmt;

		if ((conv == 'g' || conv == 'G') && strchr(fl, '#'))
			fl = "";
		q += sprintf(q, "%%%s", fl);
		if (w >= 0)
			q += sprintf(q, "%d", w);
		if (p >= 0 && conv != 'c')
			q += sprintf(q, ".%d", p);
		if (strchr("fFeEgG", conv)) {
			double d = rnd_double();
			sprintf(q, "%c", conv);
			snprintf(want, sizeof want, fmt, d);
			k_snprintf(got, sizeof got, fmt, d);
		} else if (conv == 's') {
			static const char *const strs[] = { "", "a", "jitboot", "hello, world" };
			const char *s = strs[rnd() % 4];
			sprintf(q, "s");
			snprintf(want, sizeof want, fmt, s);
			k_snprintf(got, sizeof got, fmt, s);
		} else if (conv == 'c') {
			int c = 'a' + rnd() % 26;
			sprintf(q, "c");
			snprintf(want, sizeof want, fmt, c);
			k_snprintf(got, sizeof got, fmt, c);
		} else if (rnd() % 2) {
			long long v = rnd() % 2 ? (long long)rnd() : (long long)(rnd() % 2000) - 1000;
			sprintf(q, "ll%c", conv);
			snprintf(want, sizeof want, fmt, v);
			k_snprintf(got, sizeof got, fmt, v);
		} else {
			int v = rnd() % 2 ? (int)rnd() : (int)(rnd() % 2000) - 1000;
			sprintf(q, "%c", conv);
			snprintf(want, sizeof want, fmt, v);
			k_snprintf(got, sizeof got, fmt, v);
		}
		if (strcmp(want, got) && bad++ < 20)
			printf("format \"%s\": glibc \"%s\", kfmt \"%s\"\n", fmt, want, got);
	}
	printf("%d mismatches in %ld formats\n", bad, count);
	return bad != 0;
}
