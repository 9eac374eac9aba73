/* Kernel tests of the JIT, and the runner for payload modules.
 *
 * jit_fib: compile a recursive fibonacci from IL inside the kernel and
 * check it against the ahead-of-time C version (kernel_lib's aot_fib);
 * compile time and the JIT/AOT speed ratio are reported as diagnostics.
 * jit_run_payload: each multiboot module is an IL program whose main()
 * runs as one KTAP test; its stdout lines become "# " lines of the test. */
#include "kernel.h"
#include "ktest.h"
#include "jit.h"

long aot_fib(long n);

static const char fib_il[] =
	"export function l $fib(l %n) {\n"
	"@start\n"
	"	%small =w csltl %n, 2\n"
	"	jnz %small, @base, @rec\n"
	"@base\n"
	"	ret %n\n"
	"@rec\n"
	"	%n1 =l sub %n, 1\n"
	"	%a =l call $fib(l %n1)\n"
	"	%n2 =l sub %n, 2\n"
	"	%b =l call $fib(l %n2)\n"
	"	%r =l add %a, %b\n"
	"	ret %r\n"
	"}\n";

enum { LEAK_CYCLES = 10, BENCH_N = 24 };

static void
diag_time(struct ktest *t, const char *what, uint64_t cycles)
{
	uint64_t hz;

	hz = tsc_hz();
	kt_diag(t, "%s %llu TSC cycles (%llu us)", what,
		(unsigned long long)cycles,
		(unsigned long long)(hz ? cycles * 1000000 / hz : 0));
}

static int
compile(struct ktest *t, const char *name, const char *il, size_t len,
	struct jit_module **m)
{
	struct jit_error err;

	if (jit_compile(il, len, name, m, &err) != 0) {
		kt_checkf(t, 0, "compile %s # %s:%d: %s", name, err.file,
			err.line, err.msg);
		return 0;
	}
	return kt_check(t, 1, "compile %s", name);
}

/* Compiling and releasing a module must give back every byte of the
 * kernel heap (QBE's state included). */
static void
check_no_leak(struct ktest *t)
{
	struct heap_stats before, after;
	struct jit_module *m;
	struct jit_error err;
	int i, ok;

	heap_stats(&before);
	ok = 1;
	for (i = 0; i < LEAK_CYCLES && ok; i++) {
		ok = jit_compile(fib_il, sizeof fib_il - 1, "fib.ssa", &m, &err) == 0;
		jit_release(m);
	}
	heap_stats(&after);
	kt_checkf(t, ok && after.used_bytes == before.used_bytes
		&& after.used_blocks == before.used_blocks,
		"%d compile/release cycles leave the heap as it was # "
		"used %zu bytes in %zu blocks before, %zu in %zu after",
		LEAK_CYCLES, before.used_bytes, before.used_blocks,
		after.used_bytes, after.used_blocks);
}

KTEST(jit_fib)
{
	static const long ns[] = {0, 1, 2, 10, 20, 30};
	struct jit_module *m;
	long (*fib)(long), (*volatile aot)(long), got, want;
	uint64_t t0, tjit, taot;
	unsigned i;

	t0 = rdtsc();
	if (!compile(t, "fib.ssa", fib_il, sizeof fib_il - 1, &m))
		return;
	diag_time(t, "compile time", rdtsc() - t0);
	fib = (long (*)(long))jit_symbol(m, "fib");
	if (!kt_check(t, fib != 0, "symbol fib defined")) {
		jit_release(m);
		return;
	}
	aot = aot_fib;
	for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		got = fib(ns[i]);
		want = aot(ns[i]);
		kt_checkf(t, got == want, "fib(%ld) == %ld # got %ld", ns[i], want, got);
	}
	t0 = rdtsc();
	fib(BENCH_N);
	tjit = rdtsc() - t0;
	t0 = rdtsc();
	aot(BENCH_N);
	taot = rdtsc() - t0;
	kt_diag(t, "fib(%d): jit %llu cycles, aot (gcc -O2) %llu cycles, "
		"ratio %.2f", BENCH_N, (unsigned long long)tjit,
		(unsigned long long)taot, taot ? (double)tjit / taot : 0.0);
	jit_release(m);
	check_no_leak(t);
}

void
jit_run_payload(struct ktest *t, const char *name, const char *il, size_t len)
{
	struct jit_module *m;
	struct jit_error err;
	int (*entry)(int, char **);
	char *argv[2];
	uint64_t t0, cycles, hz;
	int rc;

	/* Every "# " line inside a payload's block is the program's own
	 * output, so the compile time goes into the check's name. */
	t0 = rdtsc();
	if (jit_compile(il, len, name, &m, &err) != 0) {
		kt_checkf(t, 0, "compile %s # %s:%d: %s", name, err.file,
			err.line, err.msg);
		return;
	}
	cycles = rdtsc() - t0;
	hz = tsc_hz();
	kt_check(t, 1, "compile %s (%llu us, %llu TSC cycles)", name,
		(unsigned long long)(hz ? cycles * 1000000 / hz : 0),
		(unsigned long long)cycles);
	entry = (int (*)(int, char **))jit_symbol(m, "main");
	if (kt_checkf(t, entry != 0, "main defined # export function w $main"
		" is missing")) {
		argv[0] = (char *)name;
		argv[1] = 0;
		rc = entry(1, argv);
		kt_checkf(t, rc == 0, "main returned 0 # got %d", rc);
	}
	jit_release(m);
}
