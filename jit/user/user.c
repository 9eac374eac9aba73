/* The user-mode library's own part ([run] isolation = "user"): what the
 * payload library (jit/libc/), its formatter, libm, string and heap
 * functions need from the world, for the copy of them that runs at ring 3
 * inside an isolated payload.  Every name here, like every name of that
 * copy, is prefixed ju_ at link (jitboot/build.py user_copy), and the
 * copy may call nothing outside itself: the kernel is reached only
 * through the gate (gate.h), int $0x80.
 *
 * The kernel enters user_start at ring 3 with main, argc and argv; it
 * calls main and passes its result to GATE_EXIT, which never returns.
 * The first malloc sets the payload's heap up from pages the gate gives. */
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include "libc/libc.h"
#include "user/gate.h"

void heap_init_at(uintptr_t addr, size_t size);
void *malloc(size_t n);
void free(void *p);

long gate(long service, long a, long b, long c);
/* A function, not inline asm, so the compiler treats the gate as any call:
 * the caller-saved registers (SSE ones included) are not live across it. */
__asm__(
	"	.text\n"
	"	.globl	gate\n"
	"	.type	gate, @function\n"
	"gate:\n"
	"	movq	%rdi, %rax\n"
	"	movq	%rsi, %rdi\n"
	"	movq	%rdx, %rsi\n"
	"	movq	%rcx, %rdx\n"
	"	int	$0x80\n"
	"	ret\n"
	"	.size	gate, . - gate\n");

/* Written by the kernel before each run (jit/kernel/isolate.c). */
uint64_t user_ranges[USER_MAXRANGES][2];
int user_nranges;

/* ptr_check: r11 is a pointer argument of the export being entered, r10
 * its refusal code (jg_NAME stubs in gen/exports.c); returns if r11 is
 * NULL or in a range of user_ranges, else asks the gate to refuse the
 * call.  Preserves every register but r10, r11 and the flags: the
 * export's arguments are still in theirs. */
__asm__(
	"	.text\n"
	"	.globl	ptr_check\n"
	"	.type	ptr_check, @function\n"
	"ptr_check:\n"
	"	testq	%r11, %r11\n"
	"	jz	3f\n"
	"	pushq	%rax\n"
	"	pushq	%rcx\n"
	"	leaq	user_ranges(%rip), %rax\n"
	"	movl	user_nranges(%rip), %ecx\n"
	"1:	testl	%ecx, %ecx\n"
	"	jz	4f\n"
	"	cmpq	(%rax), %r11\n"
	"	jb	2f\n"
	"	cmpq	8(%rax), %r11\n"
	"	jb	5f\n"
	"2:	addq	$16, %rax\n"
	"	decl	%ecx\n"
	"	jmp	1b\n"
	"5:	popq	%rcx\n"
	"	popq	%rax\n"
	"3:	ret\n"
	"4:	movl	$7, %eax\n"		/* GATE_REFUSE: does not return */
	"	movq	%r10, %rdi\n"
	"	movq	%r11, %rsi\n"
	"	int	$0x80\n"
	"	ud2\n"
	"	.size	ptr_check, . - ptr_check\n");
_Static_assert(GATE_REFUSE == 7, "ptr_check's assembly asks for service 7");

extern void (*heap_first_use)(void);

/* The payload's heap, from the gate at the first malloc. */
static void
get_heap(void)
{
	uint64_t heap[2];

	heap_first_use = 0;
	gate(GATE_HEAP, (long)heap, 0, 0);
	heap_init_at(heap[0], heap[1]);
}

void
user_start(int (*entry)(int, char **), int argc, char **argv)
{
	heap_first_use = get_heap;
	gate(GATE_EXIT, entry(argc, argv), 0, 0);
	__builtin_unreachable();
}

/* The library's hooks (jit/libc/libc.h), through the gate. */
void
lc_write(int fd, const char *s, size_t n)
{
	gate(GATE_WRITE, fd, (long)s, (long)n);
}

/* The file is read whole into the payload's heap: the kernel's modules
 * are not the payload's memory. */
int
lc_data_open(const char *path, const char **buf, size_t *len, void **owned)
{
	long n = gate(GATE_DATA_SIZE, (long)path, 0, 0);
	char *p;

	*owned = NULL;
	if (n < 0 || !(p = malloc(n ? (size_t)n : 1)))
		return -1;
	gate(GATE_DATA_READ, (long)path, (long)p, n);
	*buf = p;
	*len = (size_t)n;
	*owned = p;
	return 0;
}

void
lc_data_close(void *owned)
{
	free(owned);
}

void
lc_exit_hook(int status)
{
	gate(GATE_EXIT, status, 0, 0);
	__builtin_unreachable();
}

void
lc_abort_hook(void)
{
	gate(GATE_ABORT, 0, 0, 0);
	__builtin_unreachable();
}

/* The kernel_lib functions the library and the export table name. */
uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Asked every time, as the kernel's callers do: a plain gate round trip
 * (tests/il/isolation/call_cost.ssa measures it). */
uint64_t
tsc_hz(void)
{
	return (uint64_t)gate(GATE_TSC_HZ, 0, 0, 0);
}

/* The heap's copy holds off no watchdog: a payload stopped inside its
 * own malloc breaks only its own heap, which goes with it. */
volatile int watchdog_hold;

/* The heap's copy calls this on a bad free: the payload aborts. */
void
panic(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lc_vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	lc_write(2, buf, (size_t)n);
	lc_abort_hook();
}
