/* Every function of the payload library once or more, printing what it
 * returned: the kernel, jitrun and a native build against glibc must print
 * the same (rand is left out: its sequence is ours, not glibc's). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
vs(const char *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}

static void
vp(FILE *f, const char *fmt, ...)
{
	char buf[32];
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vsprintf(buf, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	puts(buf);
}

static jmp_buf jb;

int
main(void)
{
	const char *words[] = {"pear", "fig", "apple", "kiwi", "date"}, *key = "kiwi";
	char buf[64], s1[16], s2[16], *end, *p;
	const char **hit;
	lldiv_t q;
	double d;
	float f;
	int i, a, b, c, n;
	long l;
	FILE *in;

	printf("atoi %d atol %ld atoll %lld atof %.3f\n", atoi("-12x"), atol(" 99"),
	       atoll("123456789012"), atof("2.5e1"));
	printf("strtol %ld %ld %ld\n", strtol("0x7fffffffffffffff", &end, 0), strtol("z", &end, 36),
	       strtol("-9999999999999999999", &end, 10));
	printf("strtoul %lu strtoll %lld strtoull %llu\n", strtoul("0777", &end, 0),
	       strtoll("-0b1", &end, 2), strtoull("ffffffffffffffff", &end, 16));
	d = strtod("1.7976931348623157e308", &end);
	f = strtof("3.4028235e38", &end);
	printf("strtod %.17g strtof %.9g %s\n", d, f, end);
	qsort(words, 5, sizeof words[0], cmp);
	hit = bsearch(&key, words, 5, sizeof words[0], cmp);
	printf("qsort %s %s %s %s %s bsearch %d\n", words[0], words[1], words[2], words[3],
	       words[4], (int)(hit - words));
	q = lldiv(-7, 2);
	printf("abs %d labs %ld llabs %lld div %d ldiv %ld lldiv %lld %lld\n", abs(-1), labs(-2),
	       llabs(-3), div(7, -2).rem, ldiv(-7, 2).quot, q.quot, q.rem);

	memset(buf, 0, sizeof buf);
	memcpy(buf, "abcdef", 6);
	memmove(buf + 1, buf, 5);
	printf("mem %s %d %s\n", buf, memcmp("ab", "ac", 2) < 0, (char *)memchr(buf, 'c', 6));
	strcpy(s1, "hay");
	strncpy(s2, "stack", 3);
	s2[3] = 0;
	strcat(s1, s2);
	strncat(s1, "xyz", 1);
	printf("str %s %zu %zu %d %d %s %s %s\n", s1, strlen(s1), strnlen(s1, 2), strcmp(s1, "hay") > 0,
	       strncmp(s1, "hax", 2), strchr(s1, 's'), strrchr(s1, 'a'), strstr(s1, "yst"));
	printf("span %zu %zu %s\n", strspn(s1, "ahy"), strcspn(s1, "tk"), strpbrk(s1, "kx"));
	p = strdup(s1);
	end = strndup(s1, 4);
	printf("dup %s %s\n", p, end);
	free(p);
	free(end);
	for (i = 0, n = 0; i < 128; i++)
		n += !!isalnum(i) + 2 * !!isalpha(i) + 3 * !!isblank(i) + 5 * !!iscntrl(i)
			+ 7 * !!isdigit(i) + 11 * !!isgraph(i) + 13 * !!islower(i) + 17 * !!isprint(i)
			+ 19 * !!ispunct(i) + 23 * !!isspace(i) + 29 * !!isupper(i) + 31 * !!isxdigit(i);
	printf("ctype %d %c%c\n", n, toupper('a'), tolower('Z'));

	fprintf(stdout, "fprintf %05.1f|%-4s|\n", 3.14159, "ab");
	vp(stdout, "v %d %s\n", 7, "seven");
	fputs("fputs\n", stdout);
	fputc('c', stdout);
	putc('\n', stdout);
	putchar('!');
	fwrite("\n", 1, 1, stdout);
	fflush(stdout);
	snprintf(buf, 8, "%s", "truncated");
	sprintf(buf + 20, "%x", 48879);
	printf("snprintf %s sprintf %s\n", buf, buf + 20);

	n = sscanf("12 abc 0x1F 2.5", "%d %3s %i %lf", &a, s1, &b, &d);
	printf("sscanf %d %d %s %d %g\n", n, a, s1, b, d);
	n = vs("7-8", "%d-%d%n", &a, &b, &c);
	printf("vsscanf %d %d %d %d\n", n, a, b, c);

	in = fopen("input.txt", "r");
	if (!in)
		return 1;
	fgets(buf, sizeof buf, in);
	i = fgetc(in);
	c = getc(in);
	ungetc(c, in);
	l = ftell(in);
	n = fread(s1, 1, 5, in);
	s1[n] = 0;
	printf("file [%.10s] %c %c %ld [%s]", buf, i, c, l, s1);
	fseek(in, -4, SEEK_END);
	fread(s2, 1, 8, in);
	printf(" eof %d err %d", feof(in) != 0, ferror(in) != 0);
	clearerr(in);
	printf(" %d", feof(in) != 0);
	rewind(in);
	l = ftell(in);
	printf(" %ld %c\n", l, fgetc(in));
	fclose(in);

	if (setjmp(jb) == 0)
		longjmp(jb, 0);
	printf("setjmp came back; clock %s\n", clock() != (clock_t)-1 ? "runs" : "none");
	exit(0);
}
