/*
 * ktest.c - the KTAP runner: the generated test table, then one test per
 * multiboot payload module.  Format and API: ktest.h.
 */
#include "kernel.h"
#include "ktest.h"
#include "multiboot.h"

#define INDENT		JB_KTAP_INDENT	/* subtest lines */
#define LINE_MAX	512	/* longer check and diagnostic lines are cut */
#define OUT_MAX		4096	/* longer stdout lines are split */
#define BUF_SIZE	(128 * 1024)
#define CHECK_RESERVE	(16 * 1024)	/* room only check lines may use */

/* Lines of the running test, held until its plan can be printed. */
static struct {
	struct ktest *cur;		/* running test, or 0 */
	char buf[BUF_SIZE];
	size_t len;
	size_t dropped;			/* bytes that did not fit */
	char out[OUT_MAX];		/* stdout line being assembled */
	size_t outlen;
} run;

static void buf_line(const char *prefix, const char *text, size_t n, size_t limit)
{
	size_t ip = strlen(INDENT), pp = strlen(prefix), need = ip + pp + n + 1;

	if (run.len + need > limit) {
		run.dropped += need;
		return;
	}
	memcpy(run.buf + run.len, INDENT, ip);
	memcpy(run.buf + run.len + ip, prefix, pp);
	memcpy(run.buf + run.len + ip + pp, text, n);
	run.len += need;
	run.buf[run.len - 1] = '\n';
}

/* Diagnostic text: one "# " line per '\n'-separated piece. */
static void buf_diag(const char *text, size_t n)
{
	const char *end = text + n, *nl;

	for (; text < end; text = nl + 1) {
		for (nl = text; nl < end && *nl != '\n'; nl++)
			;
		buf_line(JB_KTAP_DIAGNOSTIC, text, nl - text, BUF_SIZE - CHECK_RESERVE);
	}
}

static void flush_stdout_line(void)
{
	if (run.outlen)
		buf_diag(run.out, run.outlen);
	run.outlen = 0;
}

int ktest_stdout_putc(char c)
{
	if (!run.cur)
		return 0;
	if (c == '\n') {
		if (!run.outlen)
			buf_line(JB_KTAP_DIAGNOSTIC, "", 0, BUF_SIZE - CHECK_RESERVE);	/* keep empty lines */
		flush_stdout_line();
		return 1;
	}
	if (run.outlen == sizeof run.out)
		flush_stdout_line();
	run.out[run.outlen++] = c;
	return 1;
}

/* Start of the " # reason" part of a kt_checkf text, or 0. */
static char *reason_start(char *s)
{
	for (; *s; s++)
		if (strncmp(s, JB_KTAP_DIRECTIVE, sizeof JB_KTAP_DIRECTIVE - 1) == 0)
			return s;
	return 0;
}

static int check(struct ktest *t, int ok, int reason, const char *fmt, va_list ap)
{
	char text[LINE_MAX], line[LINE_MAX + 32];
	char *hash;
	int n;

	vsnprintf(text, sizeof text, fmt, ap);
	if (reason && ok && (hash = reason_start(text)))
		*hash = 0;
	t->nchecks++;
	t->nfailed += !ok;
	flush_stdout_line();	/* keep program output in order with checks */
	n = snprintf(line, sizeof line, "%s %d %s", ok ? JB_KTAP_OK : JB_KTAP_NOT_OK,
		t->nchecks, text);
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	buf_line("", line, n, BUF_SIZE);
	return ok;
}

int kt_check(struct ktest *t, int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ok = check(t, ok != 0, 0, fmt, ap);
	va_end(ap);
	return ok;
}

int kt_checkf(struct ktest *t, int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ok = check(t, ok != 0, 1, fmt, ap);
	va_end(ap);
	return ok;
}

void kt_diag(struct ktest *t, const char *fmt, ...)
{
	char text[LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof text)
		n = sizeof text - 1;
	flush_stdout_line();
	buf_diag(text, n);
}

void kt_skip(struct ktest *t, const char *reason)
{
	t->skip = reason;
}

const char *ktest_panic_flush(void)
{
	if (!run.cur)
		return "";
	flush_stdout_line();
	serial_write(run.buf, run.len);
	run.len = 0;
	run.cur = 0;	/* a second panic must not print the lines again */
	return INDENT;
}

/* ---- the runner ---- */

static void test_begin(struct ktest *t, const char *name)
{
	*t = (struct ktest){ .name = name };
	printf(INDENT JB_KTAP_HEADER "\n" INDENT JB_KTAP_SUBTEST "%s\n", name);
	run.len = run.outlen = run.dropped = 0;
	run.cur = t;
}

/* Print the buffered block and the result line; returns 1 if ok. */
static int test_end(struct ktest *t, int num)
{
	int ok = t->nfailed == 0;

	flush_stdout_line();
	run.cur = 0;
	printf(INDENT JB_KTAP_PLAN "%d\n", t->nchecks);
	serial_write(run.buf, run.len);
	if (run.dropped)
		printf(INDENT JB_KTAP_DIAGNOSTIC "%zu bytes of test output dropped: more than %d KiB\n",
		       run.dropped, BUF_SIZE / 1024);
	printf("%s %d %s", ok ? JB_KTAP_OK : JB_KTAP_NOT_OK, num, t->name);
	if (t->skip)
		printf(JB_KTAP_DIRECTIVE JB_KTAP_SKIP " %s", t->skip);
	printf("\n");
	return ok;
}

int ktest_total(void)
{
	int n = 0;

	while (ktest_cases[n].name)
		n++;
	return n + mb_module_count();
}

void ktest_run_all(void)
{
	static char names[MB_MAX_MODULES][sizeof JB_PAYLOAD_PREFIX + MB_NAME_MAX];
	struct ktest t;
	int num = 0, failed = 0, i;

	for (i = 0; ktest_cases[i].name; i++) {
		test_begin(&t, ktest_cases[i].name);
		ktest_cases[i].fn(&t);
		failed |= !test_end(&t, ++num);
	}
	for (i = 0; i < mb_module_count(); i++) {
		const void *il;
		size_t len;
		const char *name;

		mb_module(i, &il, &len, &name);
		snprintf(names[i], sizeof names[i], JB_PAYLOAD_PREFIX "%s", name);
		test_begin(&t, names[i]);
		jit_run_payload(&t, name, il, len);
		failed |= !test_end(&t, ++num);
	}
	qemu_exit(failed ? JB_EXIT_FAIL : JB_EXIT_PASS);
}
