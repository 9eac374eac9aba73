/* Kernel tests of the JIT, and the runner for payload modules.
 *
 * jit_fib: compile a recursive fibonacci from IL inside the kernel and
 * check it against the ahead-of-time C version (kernel_lib's aot_fib);
 * compile time and the JIT/AOT speed ratio are reported as diagnostics.
 * jit_run_payload: each multiboot module is an IL program whose main()
 * runs as one KTAP test; its stdout becomes "# out N: ..." frames of the
 * test (kernel_lib/ktest.c).
 *
 * A payload is untrusted: it is compiled, and its main runs, on a stack
 * of its own, with an unmapped guard page below it, under a catch point
 * (trap_catch in kernel.h).  A CPU exception in main (or in a kernel
 * function it called) ends the payload, not the kernel: the test fails
 * with the exception and the function and offset where it happened, e.g.
 *
 *     not ok 3 main returned 0 # DE divide error in main+0x12
 *
 * and the runner goes on to the next module.  A payload that means to
 * fault says so with a comment line in its IL,
 *
 *     # expect fault: #DE
 *
 * (the mnemonic of trap.c's table); it passes only if main takes exactly
 * that exception: "ok 3 contained DE divide error in main+0x12".  A
 * kernel panic is never contained, so it never passes.
 *
 * main also runs under the watchdog (watchdog.c): still running after the
 * recipe's payload_timeout, it is stopped where it is and reported like a
 * fault, "timeout: still running after 5000 ms in main+0x1c"; a program
 * that means to run forever says "# expect fault: timeout".
 *
 * The compiler gets the same stack: QBE's passes recurse once per basic
 * block along the dominator tree (ssa.c renblk), so a long function needs
 * far more than the 64 KiB boot stack.  Should even this stack run out,
 * the compile fails ("the compiler faulted: ...") and QBE's state is
 * dropped, instead of the kernel panicking. */
#include "kernel.h"
#include "ktest.h"
#include "jit.h"
#include "loader.h"
#include "passes/pipeline.h"
#include "kernel/payload.h"
#include "kernel/isolate.h"

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

/* jit_frontend: jit_compile_opts (jit.h) as a front end running in the
 * kernel uses it. Module lib exports a function and a counter; module
 * prog calls them, kfib (the kernel's aot_fib, not in the export table:
 * a resolver gives it) and fe_bias (the front end's runtime, from an
 * extra table). lib must not go while prog holds it, an undefined
 * symbol is named in err.symbol, and the heap ends as it began. */
static const char fe_lib_il[] =
	"export data $lib_count = { w 0 }\n"
	"export function l $lib_square(l %x) {\n"
	"@start\n"
	"	%c =w loadw $lib_count\n"
	"	%c1 =w add %c, 1\n"
	"	storew %c1, $lib_count\n"
	"	%r =l mul %x, %x\n"
	"	ret %r\n"
	"}\n";

static const char fe_prog_il[] =
	"export function l $compute(l %x) {\n"
	"@start\n"
	"	%a =l call $lib_square(l %x)\n"
	"	%b =l call $kfib(l %a)\n"
	"	%c =l call $fe_bias(l %b)\n"
	"	%n =w loadw $lib_count\n"
	"	%n2 =l extsw %n\n"
	"	%r =l add %c, %n2\n"
	"	ret %r\n"
	"}\n";

static const char fe_missing_il[] =
	"export function l $f() {\n"
	"@start\n"
	"	%r =l call $fe_nowhere(l 1)\n"
	"	ret %r\n"
	"}\n";

static long
fe_bias(long x)
{
	return x + 1000;
}

/* Counts the questions in *ctx. */
static void *
fe_resolve(void *ctx, const char *name)
{
	(*(int *)ctx)++;
	return strcmp(name, "kfib") == 0 ? (void *)aot_fib : 0;
}

static void
fe_link(struct ktest *t, struct jit_module *lib)
{
	static const struct jit_extern runtime[] = {{"fe_bias", (void *)fe_bias}};
	struct jit_options o = {
		.symbols = runtime, .nsymbols = 1, .modules = &lib, .nmodules = 1,
		.resolve = fe_resolve,
	};
	struct jit_module *prog;
	struct jit_error err;
	long (*compute)(long), got, want;
	int asked = 0;

	o.ctx = &asked;
	if (!kt_checkf(t, jit_compile_opts(fe_prog_il, sizeof fe_prog_il - 1,
		"prog.ssa", &o, &prog, &err) == 0, "compile prog.ssa against lib.ssa "
		"# %s:%d: %s", err.file, err.line, err.msg))
		return;
	kt_checkf(t, asked == 1, "the resolver is asked for kfib alone # asked %d times", asked);
	compute = (long (*)(long))jit_symbol(prog, "compute");
	want = aot_fib(16) + 1000 + 1;
	got = compute ? compute(4) : -1;
	kt_checkf(t, got == want, "compute(4) == kfib(lib_square(4)) + 1000 + lib_count "
		"== %ld # got %ld", want, got);
	kt_check(t, jit_release(lib) == -1, "lib.ssa is not released while prog.ssa holds it");
	got = compute ? compute(4) : -1;
	kt_checkf(t, got == want + 1, "lib.ssa still runs: compute(4) == %ld # got %ld",
		want + 1, got);
	kt_check(t, jit_release(prog) == 0, "prog.ssa released");
}

KTEST(jit_frontend)
{
	struct jit_options o = { .resolve = fe_resolve };
	struct heap_stats before, after;
	struct jit_module *lib, *m;
	struct jit_error err;
	int asked = 0, rc;

	heap_stats(&before);
	if (!compile(t, "lib.ssa", fe_lib_il, sizeof fe_lib_il - 1, &lib))
		return;
	fe_link(t, lib);
	kt_check(t, jit_release(lib) == 0, "lib.ssa released after prog.ssa");
	o.ctx = &asked;
	rc = jit_compile_opts(fe_missing_il, sizeof fe_missing_il - 1, "missing.ssa",
		&o, &m, &err);
	kt_checkf(t, rc == -1 && !m && strcmp(err.symbol, "fe_nowhere") == 0
		&& err.line == 3 && asked == 1, "an undefined symbol is in err.symbol "
		"# rc %d, %s:%d: %s, symbol '%s', resolver asked %d times", rc, err.file,
		err.line, err.msg, err.symbol, asked);
	heap_stats(&after);
	kt_checkf(t, after.used_bytes == before.used_bytes
		&& after.used_blocks == before.used_blocks,
		"the heap is as it was # used %zu bytes in %zu blocks before, %zu in %zu after",
		before.used_bytes, before.used_blocks, after.used_bytes, after.used_blocks);
}

enum {
	PAGE = 4096,
	PAYLOAD_STACK = 1024 * 1024,	/* QBE compiles a 1000-block function in ~100 KiB */
};

/* The payloads' stack: one guard page, then the stack proper. */
static char payload_stack[PAGE + PAYLOAD_STACK] __attribute__((aligned(PAGE)));

/* call_on_stack(fn, arg, top): fn(arg) with the stack pointer at top,
 * back on the caller's stack afterwards. */
long call_on_stack(long (*fn)(void *), void *arg, void *top);
#ifdef __aarch64__
__asm__(
	"	.text\n"
	"	.type	call_on_stack, %function\n"
	"call_on_stack:\n"
	"	stp	x29, x30, [sp, #-16]!\n"
	"	mov	x29, sp\n"
	"	mov	sp, x2\n"
	"	mov	x3, x0\n"
	"	mov	x0, x1\n"
	"	blr	x3\n"
	"	mov	sp, x29\n"
	"	ldp	x29, x30, [sp], #16\n"
	"	ret\n"
	"	.size	call_on_stack, . - call_on_stack\n");
#else
__asm__(
	"	.text\n"
	"	.type	call_on_stack, @function\n"
	"call_on_stack:\n"
	"	pushq	%rbp\n"
	"	movq	%rsp, %rbp\n"
	"	movq	%rdx, %rsp\n"
	"	movq	%rdi, %rax\n"
	"	movq	%rsi, %rdi\n"
	"	callq	*%rax\n"
	"	movq	%rbp, %rsp\n"
	"	popq	%rbp\n"
	"	ret\n"
	"	.size	call_on_stack, . - call_on_stack\n");
#endif

static int
in_payload_stack(uint64_t a, size_t len)
{
	uint64_t lo = (uint64_t)payload_stack + PAGE;

	return a >= lo && a + len <= lo + PAYLOAD_STACK && a + len >= a;
}

/* How far up the payload stack name_code looks for the JIT'd caller: the
 * payload library's formatter keeps kilobytes of frames below it. */
#if JB_ISOLATION_USER
enum { SCAN_WORDS = 4096 };
#else
enum { SCAN_WORDS = 64 };
#endif

/* What code at pc is when it is not JIT'd. */
static const char *
code_kind(uint64_t pc)
{
	if (pc >= (uint64_t)__text_start && pc < (uint64_t)__text_end)
		return "kernel code";
#if JB_ISOLATION_USER
	if (isolation_user_code(pc))
		return "the payload library";
#endif
	return "non-code";
}

/* The export a JIT'd call returning to ret called (a rel32 callq just
 * before it), in words for a report: " (printf)", or "". */
static void
called_export(char *buf, size_t n, uint64_t ret)
{
	const char *name = 0;

	buf[0] = 0;
#if JB_ISOLATION_USER
	if (*(const uint8_t *)(ret - 5) == 0xe8)
		name = jit_export_user_name((const void *)(ret + *(const int32_t *)(ret - 4)));
#else
	(void)ret;
#endif
	if (name)
		snprintf(buf, n, " (%s)", name);
}

/* Where the fault was, as the words after its name: "in main+0x12",
 * "at prog.c:4 in div (div+0x7)" when the payload has line info.
 * Outside JIT'd code (a kernel function the payload called, or data it
 * jumped to), name the place and the nearest JIT'd return address on
 * the payload stack: the caller. */
static void
name_code(char *buf, size_t n, const struct trap_catch *c)
{
	struct jit_where w;
	const char *what;
	char name[160];
	uint64_t *sp;
	int i;

	if (jit_where(0, (void *)c->fault_rip, &w) == 0) {
		jit_where_format(name, sizeof name, &w);
		snprintf(buf, n, "%s %s", w.line ? "at" : "in", name);
		return;
	}
	what = code_kind(c->fault_rip);
	sp = (uint64_t *)c->fault_rsp;
	/* i == -1: the link register (aarch64), where a leaf keeps its
	 * return address; then the payload stack */
	for (i = -1; i < SCAN_WORDS && (i < 0 || in_payload_stack((uint64_t)(sp + i), 8)); i++)
		if (jit_where(0, (void *)((i < 0 ? c->fault_lr : sp[i]) - 1), &w) == 0) {
			char callee[64];

			called_export(callee, sizeof callee, i < 0 ? c->fault_lr : sp[i]);
			w.off++;        /* the return address, named by its call */
			jit_where_format(name, sizeof name, &w);
			snprintf(buf, n, "in %s%s at %#lx called from %s", what, callee,
				(unsigned long)c->fault_rip, name);
			return;
		}
	snprintf(buf, n, "in %s at %#lx", what, (unsigned long)c->fault_rip);
}

enum { MAXFRAMES = 16, PF_USER_BIT = 4 /* #PF error code: from ring 3 */ };

/* The frames of a payload's fault, as "backtrace #N ..." diagnostics:
 * JIT'd ones with their source line when known, kernel ones by address.
 * Only the payload stack is read, and only where a frame pointer says.
 * The kernel frames past the outermost JIT'd one are the runner's own
 * (main_job, call_on_stack): left out. */
static void
backtrace(struct ktest *t, const struct trap_catch *c)
{
	static struct jit_frame f[MAXFRAMES];
	uint64_t lo = (uint64_t)payload_stack + PAGE;
	char name[160];
	int i, n;

	n = jit_backtrace(c->fault_rip, c->fault_rsp, c->fault_rbp, c->fault_lr,
		lo, lo + PAYLOAD_STACK, f, MAXFRAMES);
	while (n > 1 && !f[n - 1].jit)
		n--;
	for (i = 0; i < n; i++) {
		if (f[i].jit)
			jit_where_format(name, sizeof name, &f[i].where);
		else
			snprintf(name, sizeof name, "%s at %#lx", code_kind(f[i].pc),
				(unsigned long)f[i].pc);
		kt_diag(t, JB_BACKTRACE " #%d %s", i, name);
	}
}

/* "DE divide error in main+0x12", "PF page fault at prog.c:3 in main
 * (main+0x4): null pointer dereference at 0x0": no '#', which KTAP
 * reserves. */
static void
describe_fault(char *buf, size_t n, const struct trap_catch *c, unsigned long timeout_ms)
{
	const char *name = trap_name(c->vector), *hint;
	char where[200];
	uint64_t guard = (uint64_t)payload_stack;

	name_code(where, sizeof where, c);
	if (c->vector == TRAP_TIMEOUT) {
		snprintf(buf, n, "%s: still running after %lu ms %s", name, timeout_ms, where);
		return;
	}
	if (trap_has_address(c->vector) && c->cr2 >= guard && c->cr2 < guard + PAGE)
		hint = "stack overflow: hit the guard page below the payload stack";
#if JB_ISOLATION_USER
	/* The run's pages are closed to ring 3 by now: judge by what it had. */
	else if (c->vector == 14 && (c->error & PF_USER_BIT) && !isolation_was_open(c->cr2)
		&& vm_query(c->cr2))
		hint = "kernel memory (a supervisor-only page)";
	else if (c->vector == 14)
		hint = trap_hint(c->vector, c->error & ~(uint64_t)PF_USER_BIT, c->cr2);
#endif
	else
		hint = trap_hint(c->vector, c->error, c->cr2);
	if (trap_has_address(c->vector))
		snprintf(buf, n, "%s %s: %s at 0x%lx", name + (*name == '#'),
			where, *hint ? hint : "access", (unsigned long)c->cr2);
	else
		snprintf(buf, n, "%s %s", name + (*name == '#'), where);
}

/* The mnemonic after JB_FAULT_TAG ("# expect fault:") at the start of a
 * line of the IL ("DE", "timeout"), or 0. */
static int
expected_fault(const char *il, size_t len, char *out, size_t n)
{
	static const char tag[] = JB_FAULT_TAG;
	size_t i, k, t = sizeof tag - 1;

	for (i = 0; i + t <= len; i++) {
		if ((i && il[i - 1] != '\n') || memcmp(il + i, tag, t) != 0)
			continue;
		for (i += t; i < len && il[i] == ' '; i++)
			;
		if (i < len && il[i] == '#')
			i++;
		for (k = 0; i < len && k + 1 < n && il[i] > ' '; )
			out[k++] = il[i++];
		out[k] = 0;
		return k > 0;
	}
	return 0;
}

/* Does vector's mnemonic ("#DE divide error") equal want ("DE")? */
static int
same_fault(uint64_t vector, const char *want)
{
	const char *name = trap_name(vector);
	size_t n = strlen(want);

	name += *name == '#';
	return strncmp(name, want, n) == 0 && (name[n] == ' ' || name[n] == 0);
}

static void
guard_stack(void)
{
	static int guarded;

	if (!guarded) {
		/* An overflow must fault here, not run into .bss below. */
		if (vm_protect((uintptr_t)payload_stack, PAGE, 0) != 0)
			panic("cannot unmap the payload stack's guard page");
		guarded = 1;
	}
}

/* fn(arg) on the payload stack under a catch point: 0 if it returned
 * (*ret set), 1 if it faulted (*c says how). */
static int
guarded(long (*fn)(void *), void *arg, long *ret, struct trap_catch *c)
{
	guard_stack();
	switch (trap_catch(c)) {
	case 0:
		break;
	case 2:		/* exit(status): a return by another way */
		watchdog_disarm();
		*ret = (long)(int)c->error;
		return 0;
	default:
		return 1;
	}
	*ret = call_on_stack(fn, arg, payload_stack + sizeof payload_stack);
	trap_uncatch();
	return 0;
}

struct compile {
	const char *il, *name;
	size_t len;
	struct jit_module *m;
	struct jit_error err;
};

/* The compile runs under the watchdog too: IL that makes QBE work for
 * minutes (a thousand nested loops) must not stall every later payload. */
static long
compile_job(void *arg)
{
	struct compile *j = arg;
	long rc;

	watchdog_arm(JB_COMPILE_TIMEOUT_MS);
#if JB_ISOLATION_USER
	{
		/* linked against the user-mode library copy */
		struct jit_options o = { .exports = isolation_exports };

		rc = jit_compile_opts(j->il, j->len, j->name, &o, &j->m, &j->err);
	}
#else
	rc = jit_compile(j->il, j->len, j->name, &j->m, &j->err);
#endif
	watchdog_disarm();
	return rc;
}

struct call_main {
	int (*entry)(int, char **);
	int argc;
	char *argv[PAYLOAD_MAXARGS];
};

static long
main_job(void *arg)
{
	struct call_main *j = arg;
	long rc;

	watchdog_arm(JB_PAYLOAD_TIMEOUT_MS);
	rc = j->entry(j->argc, j->argv);
	watchdog_disarm();
	return rc;
}

#if JB_ISOLATION_USER
/* guarded() for an isolated payload: main at ring 3 (isolate.c), on the
 * same stack; every way out closes the payload's mappings. */
static int
guarded_user(struct jit_module *m, struct call_main *j, long *ret, struct trap_catch *c)
{
	guard_stack();
	switch (trap_catch(c)) {
	case 0:
		isolation_run(m, j->entry, j->argc, j->argv, payload_stack + PAGE,
			PAYLOAD_STACK);
	case 2:		/* main returned, exit(), or the gate ended it */
		watchdog_disarm();
		isolation_end();
		*ret = (long)(int)c->error;
		return 0;
	default:
		isolation_end();
		return 1;
	}
}

/* Compiling, running and releasing an isolated payload must leave the
 * kernel heap as it was, whatever the payload did. */
static void
check_heap_kept(struct ktest *t, const struct heap_stats *before)
{
	struct heap_stats after;

	heap_stats(&after);
	kt_checkf(t, heap_check() == 0 && after.used_bytes == before->used_bytes
		&& after.used_blocks == before->used_blocks,
		"the kernel heap is as before the payload # used %zu bytes in %zu blocks "
		"before, %zu in %zu after", before->used_bytes, before->used_blocks,
		after.used_bytes, after.used_blocks);
}
#endif

void
jit_run_payload(struct ktest *t, const char *name, const char *il, size_t len)
{
	struct compile job = { .il = il, .name = name, .len = len };
	struct call_main call;
	struct jit_module *m;
	struct trap_catch c = {0};	/* fault_lr stays 0 where no handler sets it */
	char want[16], what[320];
	uint64_t t0, cycles, hz;
	long rc;
	int expect, faulted;
#if JB_ISOLATION_USER
	struct heap_stats heap_before;

	heap_stats(&heap_before);
#endif

	/* The compile time goes into the check's name. */
	t0 = rdtsc();
	if (guarded(compile_job, &job, &rc, &c)) {
		/* Out of the middle of QBE, the assembler or the loader: drop
		 * what QBE held (what the others held is lost) and go on. */
		watchdog_disarm();
		watchdog_hold = 0;
		jit_load_exports = 0;
		qbe_reset();
		describe_fault(what, sizeof what, &c, JB_COMPILE_TIMEOUT_MS);
		kt_checkf(t, 0, "compile %s # the compiler faulted: %s", name, what);
		return;
	}
	if (rc != 0) {
		kt_checkf(t, 0, "compile %s # %s:%d: %s", name, job.err.file,
			job.err.line, job.err.msg);
		return;
	}
	m = job.m;
	cycles = rdtsc() - t0;
	hz = tsc_hz();
	kt_check(t, 1, "compile %s (%llu us, %llu TSC cycles)", name,
		(unsigned long long)(hz ? cycles * 1000000 / hz : 0),
		(unsigned long long)cycles);
	expect = expected_fault(il, len, want, sizeof want);
	call.entry = (int (*)(int, char **))jit_symbol(m, "main");
	if (!kt_checkf(t, call.entry != 0, "main defined # export function w $main"
		" is missing")) {
		jit_release(m);
		return;
	}
	call.argc = payload_argv(name, call.argv, PAYLOAD_MAXARGS);
	payload_aborted = 0;
#if JB_ISOLATION_USER
	faulted = guarded_user(m, &call, &rc, &c);
#else
	faulted = guarded(main_job, &call, &rc, &c);
#endif
	if (faulted) {
		watchdog_disarm();	/* the catch path left interrupts off: clear the deadline too */
		watchdog_hold = 0;	/* a fault inside malloc never got to release it */
		describe_fault(what, sizeof what, &c, JB_PAYLOAD_TIMEOUT_MS);
		backtrace(t, &c);
		/* The watchdog waits for heap operations to finish, but a fault
		 * inside one (or a payload scribbling over heap memory) can still
		 * leave the heap broken: then going on would only fail later and
		 * somewhere else. */
		if (heap_check() != 0)
			panic("heap inconsistent after payload %s was stopped (%s)",
				name, what);
		if (!expect)
			kt_checkf(t, 0, "main returned 0 # %s", what);
		else if (same_fault(c.vector, want))
			kt_check(t, 1, JB_FAULT_CONTAINED " %s", what);
		else
			kt_checkf(t, 0, "fault %s expected # got %s", want, what);
		jit_release(m);
#if JB_ISOLATION_USER
		check_heap_kept(t, &heap_before);
#endif
		return;
	}
	/* A payload that returned may still have written over the heap:
	 * name it now rather than panic later, far from the cause. */
	if (heap_check() != 0)
		panic("heap inconsistent after payload %s returned %d: it wrote over "
			"memory it was not given", name, (int)rc);
#if JB_ISOLATION_USER
	if (isolation_refusal[0]) {
		if (expect && strcmp(want, JB_FAULT_REFUSED) == 0)
			kt_check(t, 1, JB_FAULT_CONTAINED " " JB_FAULT_REFUSED ": %s",
				isolation_refusal);
		else
			kt_checkf(t, 0, "main returned 0 # " JB_FAULT_REFUSED ": %s",
				isolation_refusal);
		jit_release(m);
		check_heap_kept(t, &heap_before);
		return;
	}
#endif
	if (payload_aborted)
		kt_checkf(t, 0, "main returned 0 # " JB_ABORT_CALLED);
	else if (expect)
		kt_checkf(t, 0, "fault %s expected # main returned %d", want, (int)rc);
	else
		kt_checkf(t, (int)rc == 0, "main returned 0 # got %d", (int)rc);
	jit_release(m);
#if JB_ISOLATION_USER
	check_heap_kept(t, &heap_before);
#endif
}
