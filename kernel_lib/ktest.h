/*
 * ktest.h - kernel tests reported as KTAP version 1 on the serial console.
 *
 * A test is a function defined with KTEST(name) in any .c file under
 * kernel_lib/ or jit/; a recipe lists the names it wants (images/NAME.toml,
 * tests = [...]) and the build generates the table ktest_cases[] in that
 * order.  The boot arguments may pick some of them (ktest_select below).  Each test becomes one numbered KTAP subtest:
 *
 *     KTAP version 1
 *     # Subtest: aot_fib
 *     1..6
 *     ok 1 fib(0) == 0
 *     not ok 2 fib(20) == 6765 # got 6764
 *     # a diagnostic line
 *     ...
 * not ok 1 aot_fib
 *
 * (subtest lines indented by 4 spaces).  A test is ok when all its checks
 * are.  The subtest's plan can only be printed once the test has finished,
 * so its lines are buffered until then; a panic flushes the buffer before
 * its PANIC line, so nothing printed before a crash is lost (the crashed
 * block then has no plan line).  Anything the test writes to stdout
 * (printf, puts, putchar) is printed at once as escaped "# out N: ..."
 * frames in the test's block, before its plan (ktest.c, jitboot/output.py),
 * up to the recipe's [run] output_limit.
 */
#ifndef KTEST_H
#define KTEST_H

#include <stddef.h>

struct ktest {
	const char *name;
	int nchecks;		/* check lines printed so far */
	int nfailed;
	const char *skip;	/* set by kt_skip(): reason printed as "# SKIP reason" */
};

struct ktest_case {
	const char *name;
	void (*fn)(struct ktest *t);
};

/* Generated from boot/ktests.c.j2; ends with { 0, 0 }. */
extern const struct ktest_case ktest_cases[];

#define KTEST(name) void ktest_##name(struct ktest *t)

/* One check line named by the formatted text; returns ok.  Names must not
 * contain '#', which KTAP reserves for directives. */
int kt_check(struct ktest *t, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Same, but the text may end with " # reason", printed only when the check
 * fails:  kt_checkf(t, v == 6765, "fib(20) == 6765 # got %d", v)
 * prints "ok 2 fib(20) == 6765" or "not ok 2 fib(20) == 6765 # got 6764". */
int kt_checkf(struct ktest *t, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One "# ..." diagnostic line (each '\n' in the text starts a new one). */
void kt_diag(struct ktest *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Mark the test skipped: its result line ends with "# SKIP reason".  It
 * still fails if one of its checks failed. */
void kt_skip(struct ktest *t, const char *reason);

/*
 * Run one payload module (its IL text, not NUL-terminated) as the test
 * "payload:<name>".  jit/ provides it when the image has the JIT; the weak
 * default in kernel_lib/jit_stub.c reports "no JIT in this image".
 */
void jit_run_payload(struct ktest *t, const char *name, const char *il, size_t len);

/*
 * Which tests a boot runs: the boot arguments, words of the multiboot
 * command line and then of QEMU's fw_cfg file JB_BOOT_ARGS_FILE (a later
 * word wins; jitboot/protocol.py):
 *
 *     tests=jit_*,heap,payload:hello.ssa boot=2
 *
 * tests= lists globs ('*' any run of characters, '?' one) over the
 * top-level test names; without it every test runs.  boot= is the
 * harness's count of boots in this run (1 without it): a test may behave
 * differently once re-booted, as a flaky one would.
 */
void ktest_select(void);		/* kmain, once mb_init is done */
int ktest_boot(void);

/* For kmain: number of selected top-level tests (table + payload modules),
 * the "# selected ..." and "# boot N" diagnostics, and the runner, which
 * exits QEMU with JB_EXIT_PASS or JB_EXIT_FAIL. */
int ktest_total(void);
void ktest_report_selection(void);
void ktest_run_all(void) __attribute__((noreturn));

/* For printf.c: take one stdout character if a test is running (returns 1). */
int ktest_stdout_putc(char c);

/* For panic: write out the running test's buffered lines; returns the
 * indentation the PANIC line should use ("" outside a test). */
const char *ktest_panic_flush(void);

#endif
