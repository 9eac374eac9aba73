/* Variadic callee reading many kinds of integer arguments, past the register area. */
#include <stdio.h>
#include <stdarg.h>

static long long mix(const char *kinds, ...)
{
	va_list ap;
	long long acc = 0;
	va_start(ap, kinds);
	for (const char *k = kinds; *k; k++) {
		switch (*k) {
		case 'c': acc = acc * 3 + (signed char)va_arg(ap, int); break;
		case 'u': acc = acc * 3 + va_arg(ap, unsigned); break;
		case 'l': acc = acc * 3 + va_arg(ap, long); break;
		case 'p': acc = acc * 3 + *va_arg(ap, int *); break;
		case 'd': acc = acc * 3 + (long long)(va_arg(ap, double) * 100); break;
		}
	}
	va_end(ap);
	return acc;
}

int main(void)
{
	int x = 77;
	printf("%lld\n", mix("cul", -5, 4000000000u, -9000000000L));
	printf("%lld\n", mix("cucucucucucucu", 1, 2u, 3, 4u, 5, 6u, 7, 8u, 9, 10u, 11, 12u, 13, 14u));
	printf("%lld\n", mix("dpdldcdudpdldd", 1.5, &x, 2.25, 10L, 3.125, -1, 4.0, 5u, 5.5, &x, 6.75,
			     -3L, 7.0, 8.5));
	return 0;
}
