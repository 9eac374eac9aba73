/* The payload library's stdio, stdlib and string functions from C, with
 * output that must be the same in the kernel and under jitrun. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void
say(FILE *f, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fputs(buf, f);
}

static jmp_buf env;

static void
bail(int depth)
{
	if (depth == 0)
		longjmp(env, 7);
	bail(depth - 1);
}

int
main(int argc, char **argv)
{
	int a[] = {5, -3, 9, 0, 9, 2, -8}, key = 9, *hit, i, x, n;
	char word[16], rest[32], buf[64], *end;
	volatile int jumped = 0;
	double d;
	FILE *f;
	long t;

	for (i = 1; i < argc; i++)
		printf("arg %d: [%s]\n", i, argv[i]);
	fprintf(stdout, "stdout %d %s %.3f\n", 42, "text", 2.5);
	fprintf(stderr, "stderr line\n");
	say(stdout, "via va_list %x %5.2e\n", 255, 12345.678);
	putc('p', stdout);
	fputc('\n', stdout);
	fwrite("fwrite\n", 1, 7, stdout);
	fflush(stdout);

	qsort(a, 7, sizeof a[0], cmp_int);
	for (i = 0; i < 7; i++)
		printf("%d ", a[i]);
	hit = bsearch(&key, a, 7, sizeof a[0], cmp_int);
	printf("| found %d at %d\n", key, (int)(hit - a));

	printf("strtol %ld %ld %lu %lld\n", strtol("  -0x1f", &end, 0), strtol("777", 0, 8),
	       strtoul("-1", 0, 10), strtoll("99999999999999999999", 0, 10));
	d = strtod("0.1000000000000000055511151231257827", &end);
	printf("strtod %.17g [%s] atof %g atoi %d atol %ld\n", d, end, atof("1e-3"),
	       atoi(" 12ab"), atol("-77"));
	n = sscanf("  41 word 3.25 rest-of-it", "%d %15s %lf %31[a-z-]", &x, word, &d, rest);
	printf("sscanf %d: %d [%s] %g [%s]\n", n, x, word, d, rest);
	printf("abs %d %ld %lld div %d %d ldiv %ld\n", abs(-4), labs(-5L), llabs(-6LL),
	       div(17, 5).quot, div(17, 5).rem, ldiv(-17, 5).rem);

	strcpy(buf, "hello");
	strcat(buf, ", ");
	strncat(buf, "world!!!", 5);
	printf("%s | %s | %s | %zu %zu\n", buf, strrchr(buf, 'l'), strstr(buf, "wor"),
	       strspn(buf, "hel"), strcspn(buf, ","));
	strncpy(word, "abc", sizeof word);
	end = strdup(buf);
	printf("%s %s %zu %s %s %c%c\n", word, strpbrk(buf, "ow"), strnlen(buf, 3), end,
	       (char *)memchr(buf, 'w', 20), toupper('q'), isdigit('7') ? 'y' : 'n');
	free(end);

	srand(1);
	x = rand();
	srand(1);
	printf("rand repeats %d, in range %d\n", x == rand(), x >= 0 && x <= RAND_MAX);

	if (setjmp(env) == 0) {
		jumped = 1;
		bail(10);
	}
	printf("longjmp back, jumped %d\n", jumped);

	t = clock();
	printf("clock %s\n", t >= 0 ? "ticks" : "none");

	f = fopen("input.txt", "r");
	if (!f) {
		printf("no input.txt\n");
		return 1;
	}
	n = 0;
	while (fgets(buf, sizeof buf, f))
		printf("line %d: %s", ++n, buf);
	rewind(f);
	i = fgetc(f);
	printf("first byte %c, read %zu more, eof %d\n", i, fread(buf, 1, sizeof buf, f),
	       feof(f));
	fclose(f);
	printf("missing file %s\n", fopen("nosuch.txt", "r") ? "opened" : "is NULL");
	return 0;
}
