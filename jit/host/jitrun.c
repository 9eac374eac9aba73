/* jitrun: the JIT as a Linux command, for fast tests without QEMU.
 *
 *	jitrun FILE.ssa [args...]      compile FILE, run its main(argc, argv),
 *	                               exit with main's return value
 *	jitrun -S FILE.ssa             print the assembly QBE emits for FILE
 *	jitrun --target=arm64 -S FILE  the same for QBE's arm64 backend (our
 *	                               passes for that target); without -S a
 *	                               target other than the machine's own is
 *	                               an error: build/host-aarch64/jitrun,
 *	                               under qemu-aarch64, runs arm64 code
 *	jitrun --far-arena FILE.ssa    place the JIT arena 8 GiB from the
 *	                               program, out of reach of its calls:
 *	                               the loader's range error, one line
 *	jitrun --cycles N FILE.ssa     compile and release FILE N times and
 *	                               check that no memory is left behind
 *	                               (exit 0), also when FILE is bad
 *	jitrun --passes=SPEC ...       our optimization passes: all (the
 *	                               default), none, or names (tre,inline,...);
 *	                               comes before the other options
 *	jitrun --stats ...             after compiling, print what the
 *	                               passes did to stderr ("inlined 3")
 *
 * Errors in FILE go to stderr as FILE:LINE: message, exit status 2.
 * A fault in the JIT'd program (SIGSEGV, SIGBUS, SIGFPE, SIGILL) is
 * reported on stderr with where it happened and a backtrace,
 *
 *	jitrun: SIGFPE (arithmetic fault) at prog.c:4 in div (div+0x7)
 *	    #0 prog.c:4 in div (div+0x7)
 *	    #1 prog.c:10 in main (main+0x2b)
 *
 * and jitrun exits with status 128 + the signal's number, as the shell
 * reports a program the signal killed.
 *
 * The program calls the payload library (jit/libc/), the kernel's own
 * code: exit(status) ends jitrun with status, abort() with
 * "jitrun: abort called" and status 134; fopen reads the file system. */
#define _GNU_SOURCE             /* REG_RIP and friends in ucontext.h */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include "jit.h"
#include "arena.h"
#include "shim/shim.h"
#include "host.h"
#include "passes/pipeline.h"

/* QBE's backends linked into the host twin (qbe:amd64/, qbe:arm64/) */
extern struct Target T_amd64_sysv, T_arm64;

static const struct {
	const char *name;
	struct Target *target;
} targets[] = {
	{"amd64_sysv", &T_amd64_sysv},
	{"arm64", &T_arm64},
};

/* The target whose code runs here (qbe_target's default) */
#if defined(__aarch64__)
#define NATIVE "arm64"
#define NATIVE_CODE "arm64"
#else
#define NATIVE "amd64_sysv"
#define NATIVE_CODE "amd64"
#endif

enum {
	ARENA_SIZE = 64 << 20,
	EXIT_USAGE = 2,
	MAXFRAMES = 32,
};

static void
usage(void)
{
	fprintf(stderr, "usage: jitrun [--passes=all|none|%s] [--stats] [--target=amd64_sysv|arm64 -S | -S | --cycles N | --far-arena] "
		"FILE.ssa [args...]\n", jit_pass_names);
	exit(EXIT_USAGE);
}

static char *
readfile(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	size_t n, cap;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "jitrun: cannot read %s: %s\n", path, strerror(errno));
		exit(EXIT_USAGE);
	}
	cap = 1 << 16;
	buf = malloc(cap);
	n = 0;
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	if (!buf || ferror(f)) {
		fprintf(stderr, "jitrun: cannot read %s: %s\n", path,
			buf ? strerror(errno) : "out of memory");
		exit(EXIT_USAGE);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Report a compile error under the path the user gave (err->file has
 * only its base name, and may be truncated). */
static void
fail(const char *path, struct jit_error *err)
{
	fprintf(stderr, "%s:%d: %s\n", path, err->line, err->msg);
	exit(EXIT_USAGE);
}

static const char *
basename_of(const char *path)
{
	const char *s;

	s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int showstats;

static void
printstats(void)
{
	struct jit_stats st;

	if (!showstats)
		return;
	jit_stats(&st);
	fprintf(stderr, "tre %lu\ninlined %lu\nextensions %lu\nthreaded %lu\n"
		"branches %lu\ncompares %lu\nsunk %lu\nhoisted %lu\nwidened %lu\nreduced %lu\n",
		st.tre, st.inlined, st.extensions, st.threaded, st.branches, st.compares,
		st.sunk, st.hoisted, st.widened, st.reduced);
	fprintf(stderr, "rotated %lu\nranges %lu\nbuiltins %lu\npropagated %lu\nswitches %lu\n",
		st.rotated, st.ranges, st.builtins, st.propagated, st.switches);
	fprintf(stderr, "reassociated %lu\n", st.reassociated);
	fprintf(stderr, "folded %lu\nrmw %lu\n", st.folded, st.rmw);
}

static int
print_asm(const char *path, const char *il, size_t len)
{
	struct jit_error err;
	char *text;
	size_t n;

	memset(&err, 0, sizeof err);
	if (jit_il_to_asm(il, len, basename_of(path), &text, &n, &err) != 0)
		fail(path, &err);
	printstats();
	fwrite(text, 1, n, stdout);
	free(text);
	return 0;
}

/* The bytes the JIT holds in the C heap: jitrun is linked with
 * --wrap=malloc,calloc,realloc,free (jitboot/components.py), so every
 * allocation of its own objects (the driver, the assembler, the loader,
 * the payload library) passes here; libc's internal ones do not.  Counted
 * by malloc_usable_size, not by mallinfo2, whose in-use figure changes
 * with glibc's layout: when the brk area runs into a mapping, glibc moves
 * on to mmap'd segments and their fenceposts count as used. */
static size_t heap_held;

/* Under ASan a pointer that is not a live block (a double free) is left
 * to ASan's free to report, not asked its size first. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/allocator_interface.h>
#define LIVE_BLOCK(p) __sanitizer_get_ownership(p)
#endif
#endif
#ifndef LIVE_BLOCK
#define LIVE_BLOCK(p) 1
#endif

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

void *
__wrap_malloc(size_t n)
{
	void *p;

	if ((p = __real_malloc(n)))
		heap_held += malloc_usable_size(p);
	return p;
}

void *
__wrap_calloc(size_t n, size_t m)
{
	void *p;

	if ((p = __real_calloc(n, m)))
		heap_held += malloc_usable_size(p);
	return p;
}

void *
__wrap_realloc(void *old, size_t n)
{
	size_t was;
	void *p;

	was = old && LIVE_BLOCK(old) ? malloc_usable_size(old) : 0;
	p = __real_realloc(old, n);
	if (p) {
		heap_held += malloc_usable_size(p) - was;
	} else if (old && n == 0) {
		heap_held -= was;       /* glibc's realloc(p, 0) frees p */
	}
	return p;
}

void
__wrap_free(void *p)
{
	if (p && LIVE_BLOCK(p))
		heap_held -= malloc_usable_size(p);
	__real_free(p);
}

/* Compile/release cycles must leave the C heap, QBE's heap and the
 * arena exactly as they were, after compiles that fail too.  Measured
 * after one warm-up cycle. */
static int
cycles(const char *path, const char *il, size_t len, long n)
{
	struct jit_module *m;
	struct jit_error err;
	struct arena_stats as;
	size_t before = 0, after;
	long i, nerr;

	nerr = 0;
	for (i = 0; i <= n; i++) {
		if (i == 1)
			before = heap_held;
		if (jit_compile(il, len, basename_of(path), &m, &err) != 0)
			nerr++;
		jit_release(m);
	}
	after = heap_held;
	arena_stats(&as);
	printf("cycles %ld errors %ld heap_before %zu heap_after %zu qbe_live %zu "
		"arena_free %zu/%zu extents %zu\n", n, nerr, before, after,
		shim_heap_live(), as.free_bytes, as.size, as.free_extents);
	return after == before && shim_heap_live() == 0
		&& as.free_bytes == as.size && as.free_extents == 1 ? 0 : 1;
}

/* The top of the stack JIT'd code runs on: jitrun_call's frame. */
static uintptr_t stack_top;

/* The program's run alone, apart from compiling it: under callgrind,
 * --toggle-collect=jitrun_call counts just this (tests/test_opt_cbench.py). */
__attribute__((noinline)) int
jitrun_call(int (*entry)(int, char **), int argc, char **argv)
{
	stack_top = (uintptr_t)__builtin_frame_address(0);
	return entry(argc, argv);
}

static const struct {
	int sig;
	const char *name;
} faults[] = {
	{SIGSEGV, "SIGSEGV (segmentation fault)"},
	{SIGBUS, "SIGBUS (bus error)"},
	{SIGFPE, "SIGFPE (arithmetic fault)"},
	{SIGILL, "SIGILL (illegal instruction)"},
};

/* One frame of a report: "prog.c:12 in main (main+0x1f)", "main+0x1f",
 * or an address outside JIT'd code. */
static void
frame_name(char *buf, size_t n, const struct jit_frame *f)
{
	if (f->jit)
		jit_where_format(buf, n, &f->where);
	else
		snprintf(buf, n, "%#lx (outside JIT'd code)", (unsigned long)f->pc);
}

/* The report of a fault in the program, then the exit a kill by sig
 * would give. stdio from a signal handler: the program is over, and
 * its own output is flushed first so the report comes after it. */
static void
onfault(int sig, siginfo_t *si, void *ctx)
{
	static struct jit_frame f[MAXFRAMES];
	ucontext_t *uc = ctx;
	const char *what;
	char where[256];
	uintptr_t pc, sp, fp, lr;
	size_t i;
	int n, k;

#if defined(__aarch64__)
	pc = (uintptr_t)uc->uc_mcontext.pc;
	sp = (uintptr_t)uc->uc_mcontext.sp;
	fp = (uintptr_t)uc->uc_mcontext.regs[29];
	lr = (uintptr_t)uc->uc_mcontext.regs[30];
#else
	pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
	lr = 0;
#endif
	what = "signal";
	for (i = 0; i < sizeof faults / sizeof faults[0]; i++)
		if (faults[i].sig == sig)
			what = faults[i].name;
	fflush(stdout);
	n = stack_top ? jit_backtrace(pc, sp, fp, lr, sp, stack_top, f, MAXFRAMES) : 0;
	/* the report names the innermost JIT'd frame: a fault in a
	 * function the program called is its caller's */
	for (k = 0; k < n && !f[k].jit; k++)
		;
	if (k == n) {
		fprintf(stderr, "jitrun: %s at %#lx, outside JIT'd code\n", what,
			(unsigned long)pc);
	} else {
		jit_where_format(where, sizeof where, &f[k].where);
		fprintf(stderr, "jitrun: %s %s %s", what, k ? "in a call from" : "at",
			where);
		if (sig == SIGSEGV || sig == SIGBUS)
			fprintf(stderr, ": access to 0x%lx", (unsigned long)(uintptr_t)si->si_addr);
		fprintf(stderr, "\n");
	}
	for (k = 0; k < n; k++) {
		frame_name(where, sizeof where, &f[k]);
		fprintf(stderr, "    #%d %s\n", k, where);
	}
	fflush(stderr);
	_exit(128 + sig);
}

/* Faults in the program are reported (onfault), on a stack of their own:
 * a program that overflowed its stack has none left for the handler. */
static void
catch_faults(void)
{
	static char altstack[64 << 10];
	struct sigaction sa;
	stack_t ss;
	size_t i;

	ss.ss_sp = altstack;
	ss.ss_size = sizeof altstack;
	ss.ss_flags = 0;
	sigaltstack(&ss, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = onfault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof faults / sizeof faults[0]; i++)
		sigaction(faults[i].sig, &sa, 0);
}

int
main(int argc, char **argv)
{
	struct jit_module *m;
	struct jit_error err;
	int (*entry)(int, char **);
	const char *path, *name;
	char *il, *end;
	size_t len;
	long ncycles;
	int asmonly, far, rc;
	size_t i;

	asmonly = far = 0;
	ncycles = -1;
	argv++;
	argc--;
	if (argc > 0 && strncmp(argv[0], "--passes=", 9) == 0) {
		if (jit_set_passes(argv[0] + 9) != 0) {
			fprintf(stderr, "jitrun: unknown pass in %s (known: %s)\n",
				argv[0], jit_pass_names);
			return EXIT_USAGE;
		}
		argv++;
		argc--;
	}
	if (argc > 0 && strcmp(argv[0], "--stats") == 0) {
		showstats = 1;
		argv++;
		argc--;
	}
	if (argc > 0 && strncmp(argv[0], "--target=", 9) == 0) {
		for (i = 0; i < sizeof targets / sizeof targets[0]; i++)
			if (strcmp(argv[0] + 9, targets[i].name) == 0)
				break;
		if (i == sizeof targets / sizeof targets[0]) {
			fprintf(stderr, "jitrun: unknown target in %s (known: amd64_sysv, arm64)\n",
				argv[0]);
			return EXIT_USAGE;
		}
		if ((argc < 2 || strcmp(argv[1], "-S") != 0)
		&& strcmp(targets[i].name, NATIVE) != 0) {
			fprintf(stderr, "jitrun: %s needs -S (only %s code runs here)\n",
				argv[0], NATIVE_CODE);
			return EXIT_USAGE;
		}
		qbe_target = targets[i].target;
		argv++;
		argc--;
	}
	if (argc > 0 && strcmp(argv[0], "-S") == 0) {
		asmonly = 1;
		argv++;
		argc--;
	} else if (argc > 1 && strcmp(argv[0], "--cycles") == 0) {
		ncycles = strtol(argv[1], &end, 10);
		if (*end || ncycles < 1)
			usage();
		argv += 2;
		argc -= 2;
	} else if (argc > 0 && strcmp(argv[0], "--far-arena") == 0) {
		far = 1;
		argv++;
		argc--;
	}
	if (argc < 1)
		usage();
	path = argv[0];
	name = basename_of(path);
	il = readfile(path, &len);
	if (asmonly)
		return print_asm(path, il, len);
	if ((far ? host_arena_init_far : host_arena_init)(ARENA_SIZE) != 0) {
		fprintf(stderr, "jitrun: cannot map the JIT arena near the program text\n");
		return EXIT_USAGE;
	}
	if (ncycles > 0)
		return cycles(path, il, len, ncycles);
	memset(&err, 0, sizeof err);
	if (jit_compile(il, len, name, &m, &err) != 0)
		fail(path, &err);
	printstats();
	free(il);
	entry = (int (*)(int, char **))jit_symbol(m, "main");
	if (!entry) {
		fprintf(stderr, "%s:0: no function $main (export function w $main ...)\n", path);
		jit_release(m);
		return EXIT_USAGE;
	}
	catch_faults();
	rc = jitrun_call(entry, argc, argv);
	fflush(stdout);
	jit_release(m);
	return rc;
}
