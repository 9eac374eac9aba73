/*
 * ktest.c - the KTAP runner: the generated test table, then one test per
 * multiboot payload module, those the boot arguments select.  Format and
 * API: ktest.h.
 *
 * What a test writes to stdout is its program's output, and a program may
 * write anything, "ok 1" and "# Subtest: x" included: so it never reaches
 * serial as it is.  Each line goes out at once (not buffered: a panic or
 * a long run loses nothing) as a diagnostic of the test's block,
 *
 *     # out 5: hello, world
 *     # out 5: tab\there\x20
 *
 * 5 being the test's KTAP number.  The text is escaped (backslash,
 * control bytes, bytes past 0x7e, a space at the end), a line longer than
 * JB_OUTPUT_CHUNK bytes takes several frames, and a frame that ends where
 * the program wrote no newline ends with a lone backslash.  The host puts
 * the bytes back together exactly (jitboot/output.py documents the
 * format).  Past JB_OUTPUT_LIMIT bytes nothing more is printed, and the
 * test gets a failing check saying how many bytes the program wrote.
 */
#include "kernel.h"
#include "ktest.h"
#include "multiboot.h"

#define INDENT		JB_KTAP_INDENT	/* subtest lines */
#define LINE_MAX	512	/* longer check and diagnostic lines are cut */
#define BUF_SIZE	(128 * 1024)	/* check and diagnostic lines of one test */
#define CHECK_RESERVE	(16 * 1024)	/* room only check lines may use */
/* An escaped byte takes at most 4 characters ("\xff"). */
#define FRAME_MAX	(sizeof INDENT + sizeof JB_KTAP_DIAGNOSTIC + sizeof JB_OUTPUT_FRAME \
			 + 16 + 4 * JB_OUTPUT_CHUNK + 2)

/* Lines of the running test, held until its plan can be printed. */
static struct {
	struct ktest *cur;		/* running test, or 0 */
	int num;			/* its KTAP number */
	char buf[BUF_SIZE];
	size_t len;
	size_t dropped;			/* bytes that did not fit */
	char out[JB_OUTPUT_CHUNK];	/* stdout bytes of the next frame */
	size_t outlen;
	size_t written;			/* stdout bytes the test wrote */
	uint64_t start;			/* rdtsc() when it began */
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

/* Write the bytes held in run.out as one frame; more says the program's
 * line goes on (no newline where this frame ends). */
static void frame_write(int more)
{
	static const char hex[] = "0123456789abcdef";
	char line[FRAME_MAX];
	size_t i, n;
	int c;

	n = snprintf(line, sizeof line, INDENT JB_KTAP_DIAGNOSTIC JB_OUTPUT_FRAME " %d:", run.num);
	if (run.outlen || more)
		line[n++] = ' ';
	for (i = 0; i < run.outlen; i++) {
		c = (unsigned char)run.out[i];
		if (c == '\\' || c == '\t') {
			line[n++] = '\\';
			line[n++] = c == '\t' ? 't' : '\\';
		} else if (c > ' ' && c < 0x7f) {
			line[n++] = c;
		} else if (c == ' ' && (more || i + 1 < run.outlen)) {
			line[n++] = c;		/* the serial reader strips a trailing one */
		} else {
			line[n++] = '\\';
			line[n++] = 'x';
			line[n++] = hex[c >> 4];
			line[n++] = hex[c & 15];
		}
	}
	if (more)
		line[n++] = JB_OUTPUT_CONTINUED[0];
	line[n++] = '\n';
	serial_write(line, n);
	run.outlen = 0;
}

static void stdout_putc(char c)
{
	if (++run.written > JB_OUTPUT_LIMIT)
		return;		/* counted for the check, not printed */
	if (c == '\n') {
		frame_write(0);
		return;
	}
	if (run.outlen == sizeof run.out)
		frame_write(1);
	run.out[run.outlen++] = c;
}

int ktest_stdout_putc(char c)
{
	if (!run.cur)
		return 0;
	/* a timeout must not cut a frame in two: the next line would join it */
	watchdog_hold++;
	stdout_putc(c);
	watchdog_hold--;
	return 1;
}

/* The last frame of the test's output, when it ends without a newline. */
static void flush_stdout(void)
{
	if (run.outlen)
		frame_write(1);
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
	flush_stdout();
	serial_write(run.buf, run.len);
	run.len = 0;
	run.cur = 0;	/* a second panic must not print the lines again */
	return INDENT;
}

/* ---- the runner ---- */

static void test_begin(struct ktest *t, const char *name, int num)
{
	*t = (struct ktest){ .name = name };
	printf(INDENT JB_KTAP_HEADER "\n" INDENT JB_KTAP_SUBTEST "%s\n", name);
	run.len = run.outlen = run.dropped = run.written = 0;
	run.num = num;
	run.cur = t;
	run.start = rdtsc();
}

/* How long the test ran, in ms to the microsecond, by the TSC at the
 * rate the boot measured (JUnit's time for it on the host). */
static void print_duration(void)
{
	uint64_t mhz = tsc_hz() / 1000000, us;

	if (!mhz)
		return;
	us = (rdtsc() - run.start) / mhz;
	printf(INDENT JB_KTAP_DIAGNOSTIC JB_KTAP_DURATION " %llu.%03llu\n",
	       (unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
}

/* Print the buffered block and the result line; returns 1 if ok. */
static int test_end(struct ktest *t, int num)
{
	int ok;

	flush_stdout();
	run.cur = 0;
	if (run.written > JB_OUTPUT_LIMIT)
		kt_checkf(t, 0, JB_OUTPUT_CHECK JB_KTAP_DIRECTIVE JB_OUTPUT_WROTE
			" %zu bytes; the first %zu are shown", run.written, (size_t)JB_OUTPUT_LIMIT);
	ok = t->nfailed == 0;
	printf(INDENT JB_KTAP_PLAN "%d\n", t->nchecks);
	serial_write(run.buf, run.len);
	if (run.dropped)
		printf(INDENT JB_KTAP_DIAGNOSTIC "%zu bytes of diagnostics dropped: more than %d KiB\n",
		       run.dropped, BUF_SIZE / 1024);
	print_duration();
	printf("%s %d %s", ok ? JB_KTAP_OK : JB_KTAP_NOT_OK, num, t->name);
	if (t->skip)
		printf(JB_KTAP_DIRECTIVE JB_KTAP_SKIP " %s", t->skip);
	printf("\n");
	return ok;
}

/* A module is a payload unless its name says it is data or the
 * payloads' arguments (jit/kernel/libc_kernel.c reads those). */
static int is_payload(const char *name)
{
	return strncmp(name, JB_DATA_MODULE_PREFIX, sizeof JB_DATA_MODULE_PREFIX - 1) != 0
		&& strcmp(name, JB_ARGS_MODULE) != 0;
}

/* ---- selection: the boot arguments (protocol.py's ARG_*) ---- */

static struct {
	char fw_cfg[MB_CMDLINE_MAX];	/* the harness's words */
	const char *tests;		/* "glob,glob" up to a space or NUL; 0: all */
	int boot;			/* the run's boot number, from 1 */
	int boot_given;
} sel = { .boot = 1 };

/* Top-level test names: the table's, then "payload:" and each payload
 * module's ("" for the other modules). */
static char payload_names[MB_MAX_MODULES][sizeof JB_PAYLOAD_PREFIX + MB_NAME_MAX];

/* Glob of n bytes against the whole of s: '*' any run of bytes, '?' one
 * byte.  After a mismatch, the last '*' takes one byte more. */
static int glob_match(const char *p, size_t n, const char *s)
{
	const char *end = p + n, *star = 0, *retry = 0;

	while (*s) {
		if (p < end && *p == '*') {
			star = ++p;
			retry = s;
		} else if (p < end && (*p == '?' || *p == *s)) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++retry;
		} else {
			return 0;
		}
	}
	while (p < end && *p == '*')
		p++;
	return p == end;
}

static int selected(const char *name)
{
	const char *p = sel.tests, *q;

	if (!p)
		return 1;
	for (;; p = q + 1) {
		for (q = p; *q && *q != ' ' && *q != JB_TEST_SEPARATOR[0]; q++)
			;
		if (q > p && glob_match(p, q - p, name))
			return 1;
		if (*q != JB_TEST_SEPARATOR[0])
			return 0;
	}
}

/* "key=value" words of args; a later word wins. */
static void read_args(const char *w)
{
	size_t kt = strlen(JB_ARG_TESTS), kb = strlen(JB_ARG_BOOT);

	for (;;) {
		while (*w == ' ')
			w++;
		if (!*w)
			return;
		if (strncmp(w, JB_ARG_TESTS "=", kt + 1) == 0) {
			sel.tests = w + kt + 1;
		} else if (strncmp(w, JB_ARG_BOOT "=", kb + 1) == 0) {
			sel.boot = atoi(w + kb + 1);
			sel.boot_given = 1;
		}
		while (*w && *w != ' ')
			w++;
	}
}

static const char *test_name(int i)
{
	int ncases = 0;
	const void *il;
	const char *name;
	size_t len;

	while (ktest_cases[ncases].name)
		ncases++;
	if (i < ncases)
		return ktest_cases[i].name;
	if (mb_module(i - ncases, &il, &len, &name))
		return 0;
	if (!is_payload(name))
		return "";	/* a data file or the arguments: not a test */
	snprintf(payload_names[i - ncases], sizeof payload_names[0], JB_PAYLOAD_PREFIX "%s", name);
	return payload_names[i - ncases];
}

void ktest_select(void)
{
	read_args(mb_cmdline());
	if (fw_cfg_read(JB_BOOT_ARGS_FILE, sel.fw_cfg, sizeof sel.fw_cfg) > 0)
		read_args(sel.fw_cfg);
}

int ktest_boot(void)
{
	return sel.boot;
}

int ktest_total(void)
{
	int i, n = 0;

	for (i = 0; test_name(i); i++)
		n += *test_name(i) && selected(test_name(i));
	return n;
}

void ktest_report_selection(void)
{
	int i, total = 0;

	for (i = 0; test_name(i); i++)
		total += *test_name(i) != 0;
	if (sel.tests) {
		const char *end = sel.tests;

		while (*end && *end != ' ')
			end++;
		printf(JB_KTAP_DIAGNOSTIC JB_SELECTED " %d of %d tests: %.*s\n",
		       ktest_total(), total, (int)(end - sel.tests), sel.tests);
	}
	if (sel.boot_given)
		printf(JB_KTAP_DIAGNOSTIC JB_ARG_BOOT " %d\n", sel.boot);
}

void gcov_dump(void) __attribute__((weak));

void ktest_run_all(void)
{
	struct ktest t;
	int num = 0, failed = 0, ncases = 0, i;
	const char *name;

	while (ktest_cases[ncases].name)
		ncases++;
	for (i = 0; (name = test_name(i)); i++) {
		if (!*name || !selected(name))
			continue;
		test_begin(&t, name, ++num);
		if (i < ncases) {
			ktest_cases[i].fn(&t);
		} else {
			const void *il;
			const char *module;
			size_t len;

			mb_module(i - ncases, &il, &len, &module);
			jit_run_payload(&t, module, il, len);
		}
		failed |= !test_end(&t, num);
	}
	if (gcov_dump)		/* only coverage images have it (kernel_lib/gcov.c) */
		gcov_dump();
	qemu_exit(failed ? JB_EXIT_FAIL : JB_EXIT_PASS);
}
