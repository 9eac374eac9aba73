/* Variadic functions of our own: va_arg of ints, longs, doubles and pointers, va_copy. */
#include <stdio.h>
#include <stdarg.h>

static long sum_ints(int n, ...)
{
	va_list ap;
	long s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, int);
	va_end(ap);
	return s;
}

static double mean(int n, ...)
{
	va_list ap;
	double s = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, double);
	va_end(ap);
	return s / n;
}

/* A tiny formatter: %d int, %l long, %f double, %s string. */
static int fmt(char *out, const char *f, ...)
{
	va_list ap, again;
	char *o = out;
	int count = 0;
	va_start(ap, f);
	va_copy(again, ap);
	for (; *f; f++) {
		if (*f != '%') {
			*o++ = *f;
			continue;
		}
		switch (*++f) {
		case 'd': o += sprintf(o, "%d", va_arg(ap, int)); break;
		case 'l': o += sprintf(o, "%ld", va_arg(ap, long)); break;
		case 'f': o += sprintf(o, "%.2f", va_arg(ap, double)); break;
		case 's': o += sprintf(o, "%s", va_arg(ap, const char *)); break;
		}
		count++;
	}
	*o = 0;
	va_end(ap);
	/* the copy still starts at the first argument */
	if (count > 0 && f[-1] != 0)
		count += va_arg(again, int) * 0;
	va_end(again);
	return count;
}

static double vsum(int n, va_list ap)
{
	double s = 0;
	while (n--)
		s += va_arg(ap, int) + va_arg(ap, double);
	return s;
}

static double forward(int n, ...)
{
	va_list ap;
	va_start(ap, n);
	double r = vsum(n, ap);
	va_end(ap);
	return r;
}

int main(void)
{
	char buf[200];
	printf("%ld %ld\n", sum_ints(3, 1, 2, 3), sum_ints(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
	printf("%.4f %.4f\n", mean(2, 1.0, 2.0),
	       mean(10, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.5));
	int n = fmt(buf, "i=%d l=%l f=%f s=%s d=%d", -5, 1234567890123L, 2.345, "str", 7);
	printf("%d [%s]\n", n, buf);
	printf("%.2f\n", forward(7, 1, 0.5, 2, 0.25, 3, 0.125, 4, 1.0, 5, 2.0, 6, 3.0, 7, 4.0));
	return 0;
}
