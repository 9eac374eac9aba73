/* libFuzzer target: differential.  The input is compiled twice, with our
 * passes (jit_set_passes "all") and without them ("none"), and the two
 * modules' main run; their output and exit status must be the same.  A difference is a miscompilation by a pass (or by QBE
 * in a shape only one side makes): the target prints both outcomes and
 * aborts, and libFuzzer keeps the input.
 *
 * A fuzzed program may do anything, so each run is fenced in:
 *   - the runs happen in a process of their own, forked for each
 *     input's pair of runs (run): what a program writes, wherever it
 *     writes it (ASan's shadow, libFuzzer's state, a stack pointer
 *     moved gigabytes down), is gone with that process, and a program
 *     that breaks the harness there is a fault of its side; this
 *     process only compiles and compares;
 *   - its output goes to a shared buffer (--wrap=lc_write), exit() and
 *     abort() end the run, not the process (--wrap=lc_exit_hook,
 *     lc_abort_hook);
 *   - a time limit of RUN_MS of CPU time (ITIMER_PROF: libFuzzer's own
 *     -timeout has ITIMER_REAL), wherever the program is: nothing it
 *     can call takes a lock or keeps memory (below), so a siglongjmp
 *     out of a call leaves nothing half-done; CHILD_WALL_S of wall time
 *     end the run's process too;
 *   - main runs on a stack of its own (fz_call_on) and allocates from a
 *     heap of its own, both between 16 MiB that fault, so that a program
 *     writing past its frames or its blocks faults there, not in the
 *     fuzzer's frames or ASan's chunks; faults (SIGSEGV, SIGBUS,
 *     SIGFPE, SIGILL, SIGTRAP) are caught on a third stack;
 *   - the payload library's stdout and stderr, the data the export
 *     table gives the program, are this file's: the two FILE pointers
 *     and their FILEs on a page of their own between 16 MiB that fault
 *     (in the library's data, next to this file's state and libFuzzer's,
 *     a program writing past them overwrote what the runs need), put
 *     back before each run;
 *   - main starts with every other register cleared: what the harness
 *     left in them (pointers to its state) is not the program's;
 *   - the heap, mem*, strdup, qsort, fopen, clock and the TSC are this
 *     file's (in the export table it links with, jit_options exports): a
 *     bump allocator reset for every run, byte loops that do not trip
 *     ASan on the program's wild pointers, counters instead of time, no
 *     files, so both sides see the same addresses and values and the
 *     C heap (ASan's, with its locks) is out of the program's reach;
 *   - the program's stack and what earlier runs used of the heap are
 *     filled with one pattern before each run, so reads of memory
 *     nobody initialized read the same bytes.
 * An input that times out or overflows its stack in either build, or
 * faults without our passes, tells nothing and is skipped (the passes
 * may remove a faulting access whose result nobody uses, as any
 * optimiser removes a dead load).  A difference, or a fault with our
 * passes only, is confirmed before it counts: both sides are compiled
 * and run again twice with the stack, the heap and the modules moved
 * (the first time to a stack and a heap far from the usual ones, so
 * that an address read as data differs in its upper half too; the
 * modules go over 16 MiB further into the arena both times, by shifts
 * whose bits 12 to 23 differ, so that an address computed from a
 * symbol points elsewhere and each of its bits changes once) and
 * another fill pattern, and QBE's UNDEF constant (the value of a
 * use no definition reaches) changed; if either side's own outcome
 * changes, the program depends on addresses, garbage or an undefined
 * value (undefined behaviour, not a miscompilation) and is skipped as
 * unstable.  So is a difference in a program with a call of printf (or
 * sprintf, snprintf, fprintf) passing fewer arguments than its constant
 * format names, wherever the call is: the missing ones are what the
 * caller left in registers.
 *
 * For the tests: FUZZ_DIFF_INJECT=1 corrupts the output of the side
 * with passes (its first byte), and the target must report it;
 * FUZZ_DIFF_INJECT=2 kills that side's run's process before its run
 * has ended, and the target must go on and report a fault with passes
 * only; FUZZ_DIFF_INJECT=3 ends it as UBSan's report would, and the
 * target must abort with the report.
 *
 * Stages (fuzz_stages.h): the JIT's, for either compile, and ran (both
 * compiled with a main and were run), compared (both ended normally and
 * were compared), timeout, overflow (of the stack), fault (at least one
 * side faulted), unstable
 * (a difference the confirmation explained away). */
#define _GNU_SOURCE             /* REG_RAX in ucontext.h */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include "arena.h"
#include "jit.h"
#include "loader.h"
#include "platform.h"
#include "host.h"
#include "libc/libc.h"
#define FUZZ_STAGE_WRAPS
#include "fuzz_stages.h"

enum {
	ARENA_SIZE = 64 << 20,
	OUT_MAX = 16 << 10,
	HEAP_SIZE = 16 << 20,
	RUN_MS = 20,            /* the seeds run in under 10 ms */
	FILL = 64 << 10,        /* bytes of the program's stack filled before a run */
	ALTSTACK = 64 << 10,
	PSTACK = 8 << 20,       /* the program's stack, as big as a process's */
	GUARD = 1 << 24,        /* nothing mapped above the stack and around the heap */
	OVERFLOW_REACH = 1 << 24, /* a fault this far below the stack is its overflow */
};

/* How a run's process ends (run): at the end of the run, or in a fault
 * outside it; CHILD_WALL_S seconds of wall time end it too. */
enum { CHILD_OK = 0, CHILD_BROKEN = 97, CHILD_WALL_S = 2 };

/* Where the second stack and heap go (a hint): far from the first ones,
 * so that their addresses differ in the upper half too. */
#define FAR_STACK ((void *)0x300000000000)
#define FAR_HEAP ((void *)0x310000000000)
#define FAR_MODULES ((size_t)16 << 20)    /* of the 64 MiB arena */
#define ASAN_SHADOW_OFFSET 0x7fff8000ull  /* x86-64: shadow = (addr >> 3) + this */

enum { ST_RAN = ST_JIT_N, ST_COMPARED, ST_TIMEOUT, ST_OVERFLOW, ST_FAULT, ST_UNSTABLE,
	ST_DIFF_N };
static const char *const names[] = {ST_JIT_NAMES, "ran", "compared", "timeout", "overflow",
	"fault", "unstable"};
static unsigned long counts[ST_DIFF_N];

enum end { END_RETURN, END_EXIT, END_ABORT, END_FAULT, END_TIMEOUT, END_OVERFLOW };
static const char *const endname[] = {"returned", "exit", "abort", "fault", "timeout",
	"stack overflow"};

struct outcome {
	enum end end;
	int status;             /* main's value, exit's status, or the signal */
	size_t n;               /* output bytes kept */
	int cut;                /* more output than OUT_MAX */
	uintptr_t addr;         /* a SIGSEGV's address */
	char out[OUT_MAX];
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void __real_lc_write(int fd, const char *s, size_t n);
void __real_lc_exit_hook(int status);
void __real_lc_abort_hook(void);
void __wrap_lc_write(int fd, const char *s, size_t n);
void __wrap_lc_exit_hook(int status);
void __wrap_lc_abort_hook(void);

/* -- the run in progress -------------------------------------------------- */

static char *pstack;            /* the program's stack: PSTACK bytes, guarded */
static char *stacks[2];         /* the usual one and one far from it */
static volatile sig_atomic_t running;

/* The end of a run's process: the system call, past the sanitizers'
 * exit interceptors (their leak check and locks are the parent's). */
static void __attribute__((noreturn))
child_exit(int status)
{
	for (;;)
		syscall(SYS_exit_group, status);
}
static void finish(int end) __attribute__((noreturn));
static int child_err = -1;      /* the runs' processes' stderr (see ubsan_report) */
/* What ends a run calls finish() with ASan left out: ASan puts an
 * __asan_handle_no_return() before a call of a noreturn function, and
 * on a signal stack that calls malloc (pthread_getattr_np), which the
 * run's process must not (it has none of ASan's heap, see run). */
#define ENDS_RUN __attribute__((no_sanitize("address")))
static volatile int main_rc;    /* main's value, from rax at fz_tramp */
extern void *fz_tramp;          /* where main returns (fz_call_on) */
static struct outcome *cur;
static int inject;

static void
capture(const char *s, size_t n)
{
	size_t room;

	room = OUT_MAX - cur->n;
	if (n > room) {
		cur->cut = 1;
		n = room;
	}
	memcpy(cur->out + cur->n, s, n);
	cur->n += n;
}

void
__wrap_lc_write(int fd, const char *s, size_t n)
{
	if (!running) {
		__real_lc_write(fd, s, n);
		return;
	}
	if (fd == 2)
		capture("\2", 1);       /* stderr's bytes are marked */
	capture(s, n);
}

ENDS_RUN void
__wrap_lc_exit_hook(int status)
{
	if (!running)
		__real_lc_exit_hook(status);
	cur->status = status;
	finish(END_EXIT);
}

ENDS_RUN void
__wrap_lc_abort_hook(void)
{
	if (!running)
		__real_lc_abort_hook();
	cur->status = 134;
	finish(END_ABORT);
}

static void
arm(long usec)
{
	struct itimerval it = {{0, 0}, {usec / 1000000, usec % 1000000}};

	setitimer(ITIMER_PROF, &it, 0);
}

ENDS_RUN static void
ontimer(int sig, siginfo_t *si, void *ctx)
{
	if (running)
		finish(END_TIMEOUT);
}

static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
enum { NFAULT = sizeof faults / sizeof faults[0] };

/* A fault in a run's process (the handlers are installed there only). */
ENDS_RUN static void
onfault(int sig, siginfo_t *si, void *ctx)
{
	/* outside the run: the program broke the harness's state in this
	 * process (run() makes it a fault of that side) */
	if (!running)
		child_exit(CHILD_BROKEN);
	if (sig == SIGILL && si->si_addr == fz_tramp) {
		/* main returned */
		main_rc = (int)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX];
		finish(END_RETURN);
	}
	cur->status = sig;
	cur->addr = (uintptr_t)si->si_addr;
	/* below the program's stack: it ran out, a limit like the time
	 * (our passes change how much stack a program needs) */
	if (sig == SIGSEGV && (char *)si->si_addr < pstack
	&& (char *)si->si_addr >= pstack - OVERFLOW_REACH)
		finish(END_OVERFLOW);
	finish(END_FAULT);
}

static void
fence(void)
{
	static char alt[ALTSTACK] __attribute__((aligned(16)));
	struct sigaction sa;
	stack_t ss;
	int i;

	ss.ss_sp = alt;
	ss.ss_size = ALTSTACK;
	ss.ss_flags = 0;
	sigaltstack(&ss, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = onfault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NFAULT; i++)
		sigaction(faults[i], &sa, 0);
	sa.sa_sigaction = ontimer;
	sigaction(SIGPROF, &sa, 0);
}

/* -- what the program gets instead of the platform's ---------------------- */

static char *heap;
static char *heaps[2];          /* the usual one and one far from it */
static size_t heap_used, heap_base, heap_top;     /* heap_top: the most any run used */

/* Byte loops the compiler must not turn back into calls of the
 * (intercepted) mem* functions: volatile. */
__attribute__((no_sanitize("address", "undefined")))
static void *
fz_memmove(void *dst, const void *src, size_t n)
{
	volatile char *d = dst;
	const volatile char *s = src;
	size_t i;

	if (d < s)
		for (i = 0; i < n; i++)
			d[i] = s[i];
	else
		for (i = n; i-- > 0;)
			d[i] = s[i];
	return dst;
}

__attribute__((no_sanitize("address", "undefined")))
static void *
fz_memset(void *dst, int c, size_t n)
{
	volatile char *d = dst;
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = (char)c;
	return dst;
}

static void *
fz_malloc(size_t n)
{
	size_t *p;

	if (n > HEAP_SIZE || heap_used + n + 16 > HEAP_SIZE - heap_base)
		return 0;
	p = (size_t *)(heap + heap_base + heap_used);
	heap_used += (n + 16 + 15) & ~(size_t)15;
	if (heap_base + heap_used > heap_top)
		heap_top = heap_base + heap_used;
	p[0] = n;
	return p + 2;
}

static void fz_free(void *p) { (void)p; }

static void *
fz_calloc(size_t n, size_t m)
{
	void *p;

	if (m && n > HEAP_SIZE / m)
		return 0;
	if ((p = fz_malloc(n * m)))
		fz_memset(p, 0, n * m);
	return p;
}

__attribute__((no_sanitize("address", "undefined")))
static void *
fz_realloc(void *old, size_t n)
{
	void *p;
	size_t had;

	if (!(p = fz_malloc(n)) || !old)
		return p;
	had = ((size_t *)old)[-2];
	fz_memmove(p, old, had < n ? had : n);
	return p;
}

__attribute__((no_sanitize("address", "undefined")))
static size_t
fz_strnlen(const char *s, size_t max)
{
	const volatile char *p = s;
	size_t n;

	for (n = 0; n < max && p[n]; n++)
		;
	return n;
}

static char *
fz_strndup(const char *s, size_t max)
{
	size_t n;
	char *p;

	n = fz_strnlen(s, max);
	if ((p = fz_malloc(n + 1))) {
		fz_memmove(p, s, n);
		p[n] = 0;
	}
	return p;
}

static char *fz_strdup(const char *s) { return fz_strndup(s, (size_t)-1); }

/* Insertion sort: no memory of its own, and any comparison function,
 * consistent or not, lets it end. */
__attribute__((no_sanitize("address", "undefined")))
static void
fz_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	volatile char *a = base, t;
	size_t i, j, k;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cmp((char *)a + (j - 1) * size, (char *)a + j * size) > 0; j--)
			for (k = 0; k < size; k++) {
				t = a[(j - 1) * size + k];
				a[(j - 1) * size + k] = a[j * size + k];
				a[j * size + k] = t;
			}
}

static void *fz_fopen(const char *path, const char *mode) { return 0; }

static uint64_t ticks;
static uint64_t fz_rdtsc(void) { return ticks += 1000; }
static uint64_t fz_tsc_hz(void) { return 1000000000; }
static long fz_clock(void) { return (long)(ticks += 1000); }

/* stdout and stderr as the program sees them (see the top): set up by
 * LLVMFuzzerInitialize, put back by run */
static struct fz_files {
	LC_FILE *out, *err;     /* the export table's stdout and stderr */
	LC_FILE o, e;
} *files;

static struct jit_extern platform[] = {
	{"malloc", (void *)fz_malloc}, {"calloc", (void *)fz_calloc},
	{"realloc", (void *)fz_realloc}, {"free", (void *)fz_free},
	{"memcpy", (void *)fz_memmove}, {"memmove", (void *)fz_memmove},
	{"memset", (void *)fz_memset}, {"rdtsc", (void *)fz_rdtsc},
	{"tsc_hz", (void *)fz_tsc_hz}, {"clock", (void *)fz_clock},
	{"strdup", (void *)fz_strdup}, {"strndup", (void *)fz_strndup},
	{"qsort", (void *)fz_qsort}, {"fopen", (void *)fz_fopen},
	{"stdout", 0}, {"stderr", 0},   /* &files->out, &files->err */
};

/* The export table the programs link against: the kernel's, but these
 * names are this file's.  As the table (jit_options exports), not as
 * jit_options symbols: a symbol of those is a front end's own, whose
 * signature the JIT does not know, so it would not check calls of them
 * (a call of memset with two arguments, its count the register left
 * over, compiles there and nowhere else). */
static void *
platform_export(const char *name)
{
	for (size_t k = 0; k < sizeof platform / sizeof platform[0]; k++)
		if (strcmp(platform[k].name, name) == 0)
			return platform[k].addr;
	return jit_export_lookup(name);
}

/* -- one run -------------------------------------------------------------- */

void lc_srand(unsigned seed);

#if !defined(__x86_64__)
#error "fuzz_diff switches stacks in x86-64 assembly (fz_call_on)"
#endif

/* fz_call_on(sp, fn, argc, argv): fn(argc, argv) on the stack whose
 * top is sp, every other register cleared, returning to fz_tramp: a
 * page of its own between guards that holds one ud2, whose SIGILL ends
 * the run (onfault takes main's value from rax).  So neither the
 * program's registers nor its stack hold an address of this harness
 * (a return address into it, which a program reading past its frame
 * could offset into the harness's data); the registers it returns
 * through are sigsetjmp's. */
void fz_call_on(void *sp, int (*fn)(int, char **), int argc, char **argv);
void *fz_tramp;
__asm__(
	".text\n"
	".globl fz_call_on\n"
	".type fz_call_on, @function\n"
	"fz_call_on:\n"
	"	movq %rdi, %rsp\n"
	"	movq %rsi, %r11\n"
	"	movl %edx, %edi\n"
	"	movq %rcx, %rsi\n"
	"	pushq fz_tramp(%rip)\n"
	"	xorl %eax, %eax\n	xorl %ecx, %ecx\n	xorl %edx, %edx\n	xorl %ebx, %ebx\n"
	"	xorl %ebp, %ebp\n	xorl %r8d, %r8d\n	xorl %r9d, %r9d\n	xorl %r10d, %r10d\n"
	"	xorl %r12d, %r12d\n	xorl %r13d, %r13d\n	xorl %r14d, %r14d\n	xorl %r15d, %r15d\n"
	"	pxor %xmm0, %xmm0\n	pxor %xmm1, %xmm1\n	pxor %xmm2, %xmm2\n	pxor %xmm3, %xmm3\n"
	"	pxor %xmm4, %xmm4\n	pxor %xmm5, %xmm5\n	pxor %xmm6, %xmm6\n	pxor %xmm7, %xmm7\n"
	"	cld\n"
	"	jmp *%r11\n"
	".size fz_call_on, . - fz_call_on\n");

static LC_FILE out0, err0;     /* stdout and stderr as they start */

/* The program's stack afresh, in the run's process: the top filled
 * with the run's pattern (the parent's copy is never run on, so its
 * ASan shadow holds no frames a siglongjmp cut short), then main's
 * argv at the very top, as a process has it: each run gets its own
 * (a program writing through argv changes its stack only, not the
 * next run's argv, nor the harness's data). */
static void *
fresh_stack(int pattern, size_t shift, char ***argv)
{
	char *top, **av;

	top = pstack + PSTACK;
	memset(top - FILL, pattern, FILL);
	memcpy(top - 16, "fuzz", 5);
	av = (char **)(top - 32);
	av[0] = top - 16;
	av[1] = 0;
	*argv = av;
	return (void *)(((uintptr_t)av - shift) & ~(uintptr_t)15);
}

static void
call_main(int (*entry)(int, char **), void *sp, char **argv)
{
	fz_call_on(sp, entry, 1, argv);
}

/* -- calls of printf that pass too few arguments ------------------------- */

static const char *
find(const char *p, const char *end, const char *pat)
{
	size_t m = strlen(pat);

	for (; p + m <= end; p++)
		if (memcmp(p, pat, m) == 0)
			return p;
	return 0;
}

/* How many arguments the format string in data $sym (name, len) names,
 * and in *nfloat how many of them are floating point (%e, %f, %g, %a):
 * -1 if there is no such data or no string in it, a count no call
 * passes if the data does not end with a zero byte. */
static int
format_args(const char *il, const char *end, const char *name, size_t len, int *nfloat)
{
	const char *p, *q;
	int n, strings;

	*nfloat = 0;
	for (p = il; (p = find(p, end, "data $")) != 0; p++) {
		q = p + 6;
		if ((p == il || p[-1] == '\n') && q + len <= end && memcmp(q, name, len) == 0
		&& q + len < end && (q[len] == ' ' || q[len] == '='))
			break;
	}
	if (!p)
		return -1;
	n = strings = 0;
	for (q = p; q < end && *q != '}'; q++) {
		if (*q != '"')
			continue;
		strings++;
		for (q++; q < end && *q != '"'; q++) {
			if (*q == '\\' && q + 1 < end) {
				q++;
				continue;
			}
			if (*q != '%')
				continue;
			if (q + 1 < end && q[1] == '%') {
				q++;
				continue;
			}
			n++;
			/* flags, width, precision, length: a `*` is one more */
			for (q++; q < end && strchr("-+ #0123456789.*hlLqjzt", *q); q++)
				if (*q == '*')
					n++;
			if (q < end && strchr("eEfFgGaA", *q))
				++*nfloat;
			if (q < end && *q == '"')
				q--;
		}
	}
	if (!strings)
		return -1;
	/* no zero byte at its end: the format runs on into whatever data
	 * follows, and names arguments nobody can count */
	for (p = q; p > il && (p[-1] == ' ' || p[-1] == '\t'); p--)
		;
	if (!(p - il >= 4 && memcmp(p - 4, " b 0", 4) == 0)
	&& !(p - il >= 4 && memcmp(p - 4, ",b 0", 4) == 0)
	&& find(p - (p - il < 12 ? p - il : 12), p, " z ") == 0)
		return INT_MAX / 2;
	return n;
}

/* Does a call of a variadic function the module defines pass fewer
 * variadic arguments than the function has vaarg instructions?  One
 * reading past them reads the register save area's slots the caller
 * did not fill (what it left in those registers) or the caller's
 * stack: undefined, and not the same with our passes and without.  A
 * vaarg in a loop counts once, so a loop reading past them is not
 * seen; a function whose list goes to another one (vsuml(n, ap)) is
 * not either. */
static int
short_vaarg_call(const char *il, size_t size)
{
	const char *end, *p, *q, *eol, *name, *body, *close, *c, *ceol, *dots, *s;
	size_t len;
	int reads, given;

	end = il + size;
	for (p = il; (p = find(p, end, "function ")) != 0; p++) {
		if (p != il && p[-1] != '\n' && p[-1] != ' ')
			continue;
		eol = find(p, end, "\n");
		eol = eol ? eol : end;
		if (!find(p, eol, "...)") || !(name = find(p, eol, "$")))
			continue;
		name++;
		for (q = name; q < eol && *q != '(' && *q != ' '; q++)
			;
		len = (size_t)(q - name);
		body = eol;
		close = find(body, end, "\n}");
		close = close ? close : end;
		reads = 0;
		for (q = body; (q = find(q, close, "vaarg")) != 0; q++)
			reads++;
		if (!reads)
			continue;
		for (c = il; (c = find(c, end, "call $")) != 0; c++) {
			c += 6;
			if (c + len >= end || memcmp(c, name, len) != 0 || c[len] != '(')
				continue;
			ceol = find(c, end, "\n");
			ceol = ceol ? ceol : end;
			if (!(dots = find(c, ceol, "...")))
				continue;
			given = 0;
			for (s = dots; s < ceol && *s != ')'; s++)
				given += *s == ',';
			if (given < reads)
				return 1;
		}
	}
	return 0;
}

/* Does a call of printf, sprintf, snprintf or fprintf pass fewer
 * arguments than its format (a constant string) names, or fewer
 * floating-point ones (d, s) than it has %e/%f/%g/%a, or fewer others
 * than its other conversions?  The missing ones are read from whatever
 * the caller left in registers and on the stack: undefined, and not the
 * same with our passes and without. */
static int
short_format_call(const char *il, size_t size)
{
	static const char *const names[] = {"printf(", "sprintf(", "snprintf(", "fprintf("};
	const char *end, *p, *q, *eol, *dots, *sym, *s;
	size_t k, m;
	int given, want, wantf, givenf;

	end = il + size;
	for (p = il; (p = find(p, end, "call $")) != 0; p++) {
		q = p + 6;
		for (k = 0; k < sizeof names / sizeof names[0]; k++) {
			m = strlen(names[k]);
			if (q + m <= end && memcmp(q, names[k], m) == 0)
				break;
		}
		if (k == sizeof names / sizeof names[0])
			continue;
		eol = find(q, end, "\n");
		eol = eol ? eol : end;
		dots = find(q, eol, "...");
		if (!dots)
			continue;
		/* the format: the last argument before `...`, a symbol */
		for (sym = dots; sym > q && sym[-1] != '$' && sym[-1] != '('; sym--)
			;
		if (sym == q || sym[-1] != '$' || find(sym, dots, ",") == 0)
			continue;	/* not a symbol, or not followed by a comma */
		for (s = sym; s < dots && *s != ',' && *s != ' ' && *s != ')'; s++)
			;
		want = format_args(il, end, sym, (size_t)(s - sym), &wantf);
		given = givenf = 0;
		for (s = dots; s < eol && *s != ')'; s++)
			if (*s == ',') {
				given++;
				while (s + 1 < eol && s[1] == ' ')
					s++;
				givenf += s + 2 < eol && (s[1] == 'd' || s[1] == 's') && s[2] == ' ';
			}
		if (want > given || wantf > givenf || want - wantf > given - givenf)
			return 1;
	}
	return 0;
}

/* Does the IL define main with an integer result?  Otherwise what
 * main leaves in eax is garbage, not a status to compare. */
static int
main_returns_int(const char *il, size_t n)
{
	static const char *const pats[] = {"function w $main", "function l $main",
		"export function w $main", "export function l $main"};
	const char *p;
	size_t k;

	for (k = 0; k < sizeof pats / sizeof pats[0]; k++)
		for (p = il; (p = find(p, il + n, pats[k])) != 0; p++)
			if (p == il || p[-1] == '\n')
				return 1;
	return 0;
}

/* What a run's process hands back: its outcome, how far it took the
 * heap and the edge counters as it left them.  MAP_SHARED, between
 * guards; the parent checks it before believing it. */
static struct shared {
	struct outcome o[2];
	int started, ended;     /* runs begun and ended (of o[]) */
	size_t heap_top;
} *shared;
static uint8_t *shared_cov;     /* a copy of the edge counters (below) */

extern uint8_t __start___sancov_cntrs[] __attribute__((weak));
extern uint8_t __stop___sancov_cntrs[] __attribute__((weak));

static size_t
ncounters(void)
{
	if (!__start___sancov_cntrs || !__stop___sancov_cntrs)
		return 0;
	return (size_t)(__stop___sancov_cntrs - __start___sancov_cntrs);
}

static int child_intret;        /* main returns int: its value is the status */
static int (*side_on)(int, char **);   /* main of the module with our passes */
static sigjmp_buf runjmp;
/* glibc's siglongjmp, not ASan's: ASan's first calls
 * __asan_handle_no_return(), which on a signal stack calls malloc
 * (pthread_getattr_np), and the run's process has none of ASan's heap
 * (see run).  Nothing between sigsetjmp and the jump poisons stack:
 * the program is not instrumented, the payload library has no stack
 * redzones (components.PAYLOAD_LIB_ASAN), the handlers are ENDS_RUN. */
static void (*real_siglongjmp)(sigjmp_buf, int);

/* The end of a run, in the run's process, from wherever it stopped (a
 * handler, the exit hook). */
ENDS_RUN static void
finish(int end)
{
	running = 0;
	arm(0);
	real_siglongjmp(runjmp, 1 + end);
	child_exit(CHILD_BROKEN);
}

/* The runs of m[0..n) in turn, in the run's process: each outcome and
 * where the heap got to handed back in shared, then the process ends.
 * With stop set, a time limit or a stack overflow ends the series. */
static void __attribute__((noreturn))
child(int (*const *entry)(int, char **), int n, int pattern, size_t shift, int intret, int stop)
{
	static const int dfl[] = {SIGALRM, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGXCPU};
	struct outcome *o;
	volatile int k;
	char **argv;
	void *sp;
	int how;
	size_t i, nc;

	/* libFuzzer's handlers are the parent's business; runs blocked
	 * where the CPU-time limit does not tick end at the alarm */
	for (size_t d = 0; d < sizeof dfl / sizeof dfl[0]; d++)
		signal(dfl[d], SIG_DFL);
	/* what the sanitizers say in this process goes to child_err */
	if (child_err >= 0)
		dup2(child_err, 2);
	alarm(CHILD_WALL_S);
	child_intret = intret;
	fence();
	for (k = 0; k < n; k++) {
		o = &shared->o[k];
		memset(o, 0, offsetof(struct outcome, out));
		/* the heap as the parent has it is all zeros (no run writes
		 * it there); after a run, or in a confirmation, what any run
		 * used gets the run's pattern */
		if (pattern || k)
			memset(heap, pattern, heap_base + heap_used > heap_top
				? heap_base + heap_used : heap_top);
		if (heap_base + heap_used > heap_top)
			heap_top = heap_base + heap_used;
		heap_used = 0;
		ticks = 0;
		lc_srand(1);
		files->o = out0;
		files->e = err0;
		files->out = lc_stdout = &files->o;
		files->err = lc_stderr = &files->e;
		cur = o;
		sp = fresh_stack(pattern, shift, &argv);
		shared->started = k + 1;
		how = sigsetjmp(runjmp, 1);
		if (how == 0) {
			running = 1;
			arm(RUN_MS * 1000);
			call_main(entry[k], sp, argv);  /* ends at fz_tramp's SIGILL */
			finish(END_FAULT);
		}
		/* the tests' stand-in for a program that broke the harness:
		 * the first run's process dies before the run has ended */
		if (inject == 2 && k == 0 && entry[0] == side_on)
			kill(getpid(), SIGKILL);
		/* and for one whose library call ends in UBSan's report */
		if (inject == 3 && k == 0 && entry[0] == side_on) {
			fprintf(stderr, "fuzz_diff.c: runtime error: injected for the tests\n");
			child_exit(1);
		}
		o->end = (enum end)(how - 1);
		if (o->end == END_RETURN)
			o->status = intret ? main_rc : 0;
		shared->ended = k + 1;
		if (stop && (o->end == END_TIMEOUT || o->end == END_OVERFLOW))
			break;
	}
	if (heap_base + heap_used > heap_top)
		heap_top = heap_base + heap_used;
	shared->heap_top = heap_top;
	nc = ncounters();
	for (i = 0; i < nc; i++)
		shared_cov[i] = __start___sancov_cntrs[i];
	child_exit(CHILD_OK);
}

/* The memory a run's process goes without: ASan's heap (QBE's and
 * libFuzzer's blocks; the program allocates from the harness's heap)
 * and its shadow.  A fork copies the page tables of all the rest and
 * leaves every page of it copy-on-write in this process too, so the
 * compiles after it fault on each page they write: with the heap in,
 * a run cost 2 ms more.  ASan maps new parts of its heap as it grows,
 * so the advice is given before each fork (the ranges are checked
 * once, at the first).  A program that reads the heap by a wild
 * pointer faults in the run's process, on both sides alike. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define FZ_ASAN 1
#endif
#endif

static void
without_asan_heap(void)
{
#ifdef FZ_ASAN
	/* ASan's primary allocator: one region, aligned to its size */
	enum { SPACE_BITS = 42 };
	static uintptr_t beg, end, sbeg, send;
	size_t scale, offset;

	if (!beg) {
		void *p = malloc(64);
		beg = (uintptr_t)p & ~(((uintptr_t)1 << SPACE_BITS) - 1);
		end = beg + ((uintptr_t)1 << SPACE_BITS);
		free(p);
		__asan_get_shadow_mapping(&scale, &offset);
		sbeg = (beg >> scale) + offset;
		send = (end >> scale) + offset;
	}
	/* holes in the ranges make madvise say ENOMEM; the mapped parts
	 * get the advice */
	madvise((void *)beg, end - beg, MADV_DONTFORK);
	madvise((void *)sbeg, send - sbeg, MADV_DONTFORK);
#endif
}

/* The runs' processes write their stderr (the sanitizers' reports;
 * the programs' output is captured) to a file of their own, emptied
 * before each: an ASan report or CHECK failure there is the program's
 * doing (a wild pointer passed to the library, ASan's state written
 * over), a fault of its side; UBSan's report is the payload library's
 * undefined behaviour on arguments a program may pass, a finding. */
static int
ubsan_report(void)
{
	static char buf[64 << 10];
	ssize_t n;
	off_t end;

	if (child_err < 0)
		return 1;       /* no file: each report is a finding */
	end = lseek(child_err, 0, SEEK_CUR);
	n = pread(child_err, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	if (!strstr(buf, "runtime error:"))
		return 0;
	fwrite(buf, 1, n > 0 ? (size_t)n : 0, stderr);
	if (end > (off_t)sizeof buf - 1)
		fprintf(stderr, "...\n");
	return 1;
}

/* Run the mains of m[0..n) in turn (stop: a time limit or a stack
 * overflow ends the series, the later ones not run) into o[], in a
 * process of their own (fork), so that whatever a program does to
 * memory, this process's state, libFuzzer's and the sanitizers' stay
 * as they were.  A program that breaks the harness in that process
 * (it dies outside a run) ends its own run as a fault with status 0
 * (or the signal that killed the process), and the runs after it go
 * on in a new process; one whose run ends in a sanitizer's report (in
 * the payload library, on the program's behalf) makes this process
 * abort, so that libFuzzer keeps the input with the report above it.
 * Returns how many runs there were. */
static int
run(struct jit_module *const *m, struct outcome *const *o, int n, int pattern, size_t shift,
	int intret, int stop)
{
	int (*entry[2])(int, char **);
	int k, j, st, ended;
	pid_t pid;

	for (k = 0; k < n; k++)
		entry[k] = (int (*)(int, char **))jit_symbol(m[k], "main");
	side_on = entry[0];     /* the callers pass the side with passes first */
	for (k = 0; k < n;) {
		fflush(stderr);
		without_asan_heap();
		shared->started = shared->ended = 0;
		if (child_err >= 0 && (ftruncate(child_err, 0) != 0
		|| lseek(child_err, 0, SEEK_SET) != 0)) {
			perror("fuzz_diff: the runs' stderr");
			abort();
		}
		/* the system call, not fork(): ASan's fork() takes every lock
		 * of its allocator and its depots first, five times the cost
		 * of the fork itself; the run's process takes none of them */
		pid = (pid_t)syscall(SYS_fork);
		if (pid < 0) {
			perror("fuzz_diff: fork");
			abort();
		}
		if (pid == 0)
			child(entry + k, n - k, pattern, shift, intret, stop);
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR) {
				perror("fuzz_diff: waitpid");
				abort();
			}
		ended = shared->ended >= 0 && shared->ended <= n - k ? shared->ended : 0;
		for (j = 0; j < ended; j++) {
			struct outcome *r = &shared->o[j];

			memset(o[k + j], 0, offsetof(struct outcome, out));
			if ((unsigned)r->end > END_OVERFLOW || r->n > OUT_MAX) {
				o[k + j]->end = END_FAULT;      /* the program wrote over it */
				continue;
			}
			memcpy(o[k + j], r, offsetof(struct outcome, out) + r->n);
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == CHILD_OK) {
			if (shared->heap_top <= HEAP_SIZE && shared->heap_top > heap_top)
				heap_top = shared->heap_top;
			/* the edges the runs took in the payload library count */
			if (ncounters())
				memcpy(__start___sancov_cntrs, shared_cov, ncounters());
			return k + ended;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) != CHILD_BROKEN && ubsan_report()) {
			fprintf(stderr, "fuzz_diff: a run's process exited with status %d: UBSan's"
				" report in the code the program called (above)\n", WEXITSTATUS(st));
			abort();
		}
		/* it died in run k + ended, or between runs */
		k += ended;
		if (k >= n)
			break;
		memset(o[k], 0, offsetof(struct outcome, out));
		o[k]->end = WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? END_TIMEOUT : END_FAULT;
		o[k]->status = WIFSIGNALED(st) && WTERMSIG(st) != SIGALRM ? WTERMSIG(st) : 0;
		k++;
		if (stop && o[k - 1]->end == END_TIMEOUT)
			break;
	}
	return k;
}

static int
compile(const uint8_t *data, size_t size, const char *passes, struct jit_module **m)
{
	struct jit_options o = {0};
	struct jit_error err;

	o.exports = platform_export;
	o.passes = passes;
	if (jit_compile_opts((const char *)data, size, "fuzz.ssa", &o, m, &err) != 0)
		return -1;
	if (!jit_symbol(*m, "main")) {
		jit_release(*m);
		*m = 0;
		return -1;
	}
	return 0;
}

static int
same_outcome(const struct outcome *a, const struct outcome *b)
{
	return a->end == b->end && a->status == b->status && a->n == b->n
		&& a->cut == b->cut && memcmp(a->out, b->out, a->n) == 0;
}

static void
show(const char *side, const struct outcome *o)
{
	size_t i, n;

	fprintf(stderr, "fuzz_diff: passes %s: %s %d", side, endname[o->end], o->status);
	if (o->end == END_FAULT && o->status == SIGSEGV)
		fprintf(stderr, " at %#lx", (unsigned long)o->addr);
	fprintf(stderr, ", %zu bytes of output%s:\n", o->n, o->cut ? " (cut)" : "");
	n = o->n < 2048 ? o->n : 2048;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)o->out[i];
		if (c == '\n' || (c >= 0x20 && c < 0x7f))
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "%s\n", n < o->n ? "..." : "");
}

/* QBE's UNDEF constant (jitboot/qbe.py, "UNDEF's value a variable"),
 * and the count of the uses it was given (a temporary read where no
 * definition reaches, a load of a slot nothing stored) */
extern int64_t jitboot_undef;
extern long jitboot_undef_uses;

/* Did the fault touch QBE's UNDEF constant (or a few pages from it),
 * as a pointer, or ASan's shadow of it (the library's instrumented
 * loads read the shadow first)?  A value no definition reaches, used
 * as an address: the program's undefined behaviour, whichever side it
 * trips. */
static int
undef_fault(const struct outcome *o)
{
	uint64_t u = (uint64_t)jitboot_undef, a = o->addr, c[3];
	int k;

	if (o->end != END_FAULT || o->status != SIGSEGV)
		return 0;
	c[0] = u & 0xffffffff;
	c[1] = (uint64_t)(int64_t)(int32_t)u;
	c[2] = u;
	for (k = 0; k < 3; k++)
		if (a - c[k] < 1 << 16 || a - ((c[k] >> 3) + ASAN_SHADOW_OFFSET) < 1 << 13)
			return 1;
	return 0;
}

/* Both sides again, moved: does each give what it gave before? */
static int
stable(const uint8_t *data, size_t size, const struct outcome *on,
	const struct outcome *off, int intret)
{
	static struct outcome again[2];
	struct jit_module *a, *b, *pad;
	void *far;
	size_t shift;
	int v, ok;

	ok = 1;
	for (v = 1; v <= 2 && ok; v++) {
		a = b = pad = 0;
		/* round 1 on the far stack and heap: a program that reads an
		 * address as data (a saved frame pointer past an array) reads
		 * another value there */
		pstack = stacks[v == 1];
		heap = heaps[v == 1];
		/* and its modules FAR_MODULES and more further into the
		 * arena: a program reading an address computed from a symbol
		 * (`shr $mem, 8`) reads elsewhere, and one testing a bit of
		 * a symbol's address (`and $mem, 65536`) sees it change in
		 * one round (the first adds bits 12, 14, ..., 22 of a shift,
		 * the second bits 13, 15, ..., 23) */
		shift = FAR_MODULES + (v == 1 ? 0x555000 : 0xaaa000);
		/* and its sections apart: a program reading its code as
		 * data (`$counts - 4096`, code the passes change) reads
		 * other bytes */
		jit_load_gap = v == 1 ? 1 : 3;
		far = arena_alloc(shift, ARENA_PAGE);
		jitboot_undef = v == 1 ? 0x5a5a5a5a5a5a5a5a : -7;
		/* a module loaded first moves the others in the arena, and
		 * the second round compiles the sides in the other order */
		if (v == 2)
			compile(data, size, "none", &pad);
		if (v == 1)
			ok = compile(data, size, "all", &a) == 0 && compile(data, size, "none", &b) == 0;
		else
			ok = compile(data, size, "none", &b) == 0 && compile(data, size, "all", &a) == 0;
		if (ok) {
			heap_base = 4096 * v + 64;
			struct jit_module *ab[2] = {a, b};
			struct outcome *out[2] = {&again[0], &again[1]};

			run(ab, out, 2, 0x55 * v, 4096 * v + 48, intret, 0);
			if (inject == 1 && again[0].n)
				again[0].out[0] ^= 1;
			ok = same_outcome(&again[0], on) && same_outcome(&again[1], off);
			heap_base = 0;
		}
		jit_release(a);
		jit_release(b);
		jit_release(pad);
		if (far)
			arena_free(far, shift);
	}
	pstack = stacks[0];
	heap = heaps[0];
	jitboot_undef = 0xdeaddead;
	jit_load_gap = 0;
	return ok;
}

/* n read-write bytes between `below` and `above` bytes that fault (a
 * program's linear overflow ends there, not in the fuzzer's memory),
 * near the address hint; 0 if they cannot be mapped. */
static char *
guarded(void *hint, size_t below, size_t n, size_t above)
{
	char *p;

	p = mmap(hint, below + n + above, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED || mprotect(p + below, n, PROT_READ | PROT_WRITE) != 0)
		return 0;
	return p + below;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *s;
	uintptr_t near;
	int i;

	if (host_arena_init(ARENA_SIZE) != 0) {
		fprintf(stderr, "fuzz_diff: cannot map the JIT arena near the program text\n");
		exit(1);
	}
	for (i = 0; i < 2; i++) {
		heaps[i] = guarded(i ? FAR_HEAP : 0, GUARD, HEAP_SIZE, GUARD);
		/* below the stack, OVERFLOW_REACH of nothing: a frame too
		 * big for one guard page still faults there */
		stacks[i] = guarded(i ? FAR_STACK : 0, OVERFLOW_REACH, PSTACK, GUARD);
		if (!heaps[i] || !stacks[i]) {
			fprintf(stderr, "fuzz_diff: cannot map the programs' stacks and heaps\n");
			exit(1);
		}
	}
	heap = heaps[0];
	pstack = stacks[0];
	out0 = *lc_stdout;
	err0 = *lc_stderr;
	/* within reach of the modules' 32-bit references to stdout: 48 MiB
	 * below the arena, which platform_host.c places 1 GiB above the text */
	near = ((uintptr_t)&LLVMFuzzerInitialize + ((uintptr_t)1 << 30) - ((uintptr_t)48 << 20))
		& ~(uintptr_t)0xfffff;
	files = (struct fz_files *)guarded((void *)near, GUARD, sizeof *files, GUARD);
	if (!files || (uintptr_t)files != near + GUARD) {
		fprintf(stderr, "fuzz_diff: cannot map the programs' stdout and stderr\n");
		exit(1);
	}
	child_err = memfd_create("fuzz_diff-runs-stderr", MFD_CLOEXEC);
	real_siglongjmp = (void (*)(sigjmp_buf, int))dlsym(RTLD_NEXT, "siglongjmp");
	if (!real_siglongjmp) {
		fprintf(stderr, "fuzz_diff: no siglongjmp in the C library\n");
		exit(1);
	}
	/* what a run's process hands back (run) */
	shared = (struct shared *)guarded(0, GUARD, sizeof *shared, GUARD);
	if (shared && ncounters())
		shared_cov = (uint8_t *)guarded(0, GUARD, ncounters(), GUARD);
	if (!shared || (ncounters() && !shared_cov)
	|| mmap(shared, sizeof *shared, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED
	|| (shared_cov && mmap(shared_cov, ncounters(), PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)) {
		fprintf(stderr, "fuzz_diff: cannot map the runs' shared pages\n");
		exit(1);
	}
	/* where main returns: one ud2 (see fz_call_on) */
	fz_tramp = guarded(0, GUARD, ARENA_PAGE, GUARD);
	if (!fz_tramp || (memcpy(fz_tramp, "\x0f\x0b", 2),
	    mprotect(fz_tramp, ARENA_PAGE, PROT_READ | PROT_EXEC)) != 0) {
		fprintf(stderr, "fuzz_diff: cannot map the programs' return page\n");
		exit(1);
	}
	for (size_t k = 0; k < sizeof platform / sizeof platform[0]; k++) {
		if (strcmp(platform[k].name, "stdout") == 0)
			platform[k].addr = &files->out;
		if (strcmp(platform[k].name, "stderr") == 0)
			platform[k].addr = &files->err;
	}
	inject = (s = getenv("FUZZ_DIFF_INJECT")) ? atoi(s) : 0;
	stage_init("diff", names, counts, ST_DIFF_N);
	return 0;
}

/* libFuzzer keeps a rejected input out of the corpus while it fuzzes,
 * but its -merge=1 (the campaign's minimisation) still counts the
 * input's edges and would keep it.  Clearing the edge counters
 * (-fsanitize-coverage=inline-8bit-counters: one section, bounded by
 * the linker's __start_/__stop_ symbols, see ncounters) leaves a rejected input no
 * features to be kept for.  The replay harnesses have no counters. */
static void
forget_coverage(void)
{
	if (ncounters())
		memset(__start___sancov_cntrs, 0, ncounters());
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome on, off;
	struct jit_module *a, *b;
	int intret, rc;
	long undef_uses;

	a = b = 0;
	rc = 0;
	/* An input whose outcomes cannot be compared is rejected: kept out
	 * of the corpus, whatever coverage it adds (libFuzzer's -1).  Not
	 * compiling to a module with a main: fuzz_jit explores the parser's
	 * errors, and here a corpus filling with mutants that fail late in
	 * parsing made the executions cheap and shallow (5% of them parsed
	 * after an hour).  A timeout or a stack overflow: each costs the
	 * whole RUN_MS, and their mutants mostly do the same. */
	undef_uses = jitboot_undef_uses;
	if (compile(data, size, "all", &a) != 0 || compile(data, size, "none", &b) != 0) {
		rc = -1;
		goto done;
	}
	intret = main_returns_int((const char *)data, size);
	stage_hit(ST_RAN);
	{
		struct jit_module *ab[2] = {a, b};
		struct outcome *out[2] = {&on, &off};

		memset(&off, 0, offsetof(struct outcome, out));
		run(ab, out, 2, 0, 0, intret, 1);
	}
	if (inject == 1 && on.n)
		on.out[0] ^= 1;
	if (on.end == END_TIMEOUT || off.end == END_TIMEOUT) {
		stage_hit(ST_TIMEOUT);
		rc = -1;
		goto done;
	}
	if (on.end == END_OVERFLOW || off.end == END_OVERFLOW) {
		stage_hit(ST_OVERFLOW);
		rc = -1;
		goto done;
	}
	if (on.end == END_FAULT || off.end == END_FAULT) {
		/* a fault without our passes only: they may remove the
		 * faulting access (a dead load of a wild pointer) */
		stage_hit(ST_FAULT);
		if (off.end == END_FAULT)
			goto done;
	} else {
		stage_hit(ST_COMPARED);
	}
	if (same_outcome(&on, &off))
		goto done;
	jit_release(a);
	jit_release(b);
	a = b = 0;
	/* a difference after reading an undefined value (either compile
	 * gave a use UNDEF): our passes may give that use another value,
	 * e.g. tre's loop, the value of the iteration before */
	if (jitboot_undef_uses != undef_uses
	|| short_format_call((const char *)data, size)
	|| short_vaarg_call((const char *)data, size) || undef_fault(&on)
	|| !stable(data, size, &on, &off, intret)) {
		stage_hit(ST_UNSTABLE);
		goto done;
	}
	fprintf(stderr, "fuzz_diff: the program's outcome depends on our passes\n");
	show("on", &on);
	show("off", &off);
	abort();
done:
	jit_release(a);
	jit_release(b);
	stage_end();
	if (rc)
		forget_coverage();
	return rc;
}
