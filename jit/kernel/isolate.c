/* Isolated payloads ([run] isolation = "user"): main at ring 3 with only
 * the payload's own memory user-accessible.
 *
 * What ring 3 may reach during a run, opened with vm_user() and closed
 * again however the run ends (isolation_end):
 *   - the module's block of the JIT arena (its code, data, bss);
 *   - the payload stack (ktest_jit.c), argv copied to its top;
 *   - the payload's heap, a block of the JIT arena (GATE_HEAP, at its
 *     first malloc);
 *   - the user-mode copy of the payload library (.user in the linker
 *     script, jit/user/), its data and bss restored from a pristine copy
 *     before every run.
 * Everything else (kernel text, data, heap, page tables, IDT, the other
 * regions) stays supervisor-only, and with SMEP and SMAP (when the CPU
 * has them) the kernel neither runs nor touches user pages by accident:
 * the gate reads and writes the payload's memory only between stac and
 * clac, after checking the whole range is the payload's (vm_user_range).
 *
 * In: isolation_run() arms the watchdog and enters user_start (jit/user/
 * user.c) with iretq.  Out: main's return goes to GATE_EXIT, which ends
 * the run through the runner's catch point like exit() (trap_exit); a
 * fault or the watchdog at ring 3 unwinds to it like any payload fault
 * (trap.c puts the catcher back in ring 0). */
#include "kernel.h"
#include "x86.h"
#include "jit.h"
#include "platform.h"
#include "libc/libc.h"
#include "kernel/payload.h"
#include "kernel/isolate.h"
#include "user/gate.h"

#if JB_ISOLATION_USER

#define USER_DS		(0x28 | 3)	/* boot/boot.S's GDT, RPL 3 */
#define USER_CS		(0x30 | 3)
#define RFLAGS_IF	0x202ull	/* interrupts on (the watchdog), bit 1 fixed */
#define CPUID7_SMEP	(1u << 7)	/* CPUID.(EAX=7,ECX=0):EBX */
#define CPUID7_SMAP	(1u << 20)
#define CPUID7_UMIP	(1u << 2)	/* CPUID.(EAX=7,ECX=0):ECX */
#define CR4_SMEP	(1ull << 20)
#define CR4_SMAP	(1ull << 21)
#define CR4_UMIP	(1ull << 11)	/* sgdt, sidt, str ... fault at ring 3 */
#define PAGE		4096ul
#define HEAP_SIZE	(16ul << 20)	/* each payload's heap */
#define REFUSED_STATUS	127

extern char __user_start[], __user_text_end[], __user_data_start[], __user_end[];
/* The copy's own variables and entry, by their prefixed names. */
extern uint64_t ju_user_ranges[USER_MAXRANGES][2];
extern int ju_user_nranges;
extern char ju_user_start[];
/* gen/exports.c (jit/exports.c.j2 with user) */
const char *jit_export_user_refused(unsigned long code, int *arg, const char **proto);

char isolation_refusal[ISOLATION_REFUSAL_MAX];

static int smep, smap, umip;
static char *pristine;		/* the copy's data and bss as linked */
static char *heap;		/* the running payload's heap, or NULL */
static struct { uintptr_t base; size_t size; } open_ranges[USER_MAXRANGES];
static int nopen;

/* enter_user(rip, rsp, a, b, c): iretq to ring 3 at rip with rsp, the
 * three arguments in rdi, rsi, rdx and every other general register
 * cleared (kernel addresses are none of the payload's business). */
void enter_user(uint64_t rip, uint64_t rsp, uint64_t a, uint64_t b, uint64_t c)
	__attribute__((noreturn));
__asm__(
	"	.text\n"
	"	.type	enter_user, @function\n"
	"enter_user:\n"
	"	pushq	$0x2b\n"		/* ss: USER_DS */
	"	pushq	%rsi\n"			/* rsp */
	"	pushq	$0x202\n"		/* rflags: RFLAGS_IF */
	"	pushq	$0x33\n"		/* cs: USER_CS */
	"	pushq	%rdi\n"			/* rip */
	"	movq	%rdx, %rdi\n"
	"	movq	%rcx, %rsi\n"
	"	movq	%r8, %rdx\n"
	"	xorl	%eax, %eax\n"
	"	xorl	%ebx, %ebx\n"
	"	xorl	%ecx, %ecx\n"
	"	xorl	%ebp, %ebp\n"		/* the end of the frame chain */
	"	xorl	%r8d, %r8d\n"
	"	xorl	%r9d, %r9d\n"
	"	xorl	%r10d, %r10d\n"
	"	xorl	%r11d, %r11d\n"
	"	xorl	%r12d, %r12d\n"
	"	xorl	%r13d, %r13d\n"
	"	xorl	%r14d, %r14d\n"
	"	xorl	%r15d, %r15d\n"
	"	iretq\n"
	"	.size	enter_user, . - enter_user\n");
_Static_assert(USER_DS == 0x2b && USER_CS == 0x33 && RFLAGS_IF == 0x202,
	"enter_user's assembly writes these");

static uint64_t
read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void
write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* The kernel's own accesses to user pages, allowed only in between
 * (SMAP): stac sets RFLAGS.AC, clac clears it. */
static void
user_access(int on)
{
	if (!smap)
		return;
	if (on)
		__asm__ volatile("stac" : : : "memory");
	else
		__asm__ volatile("clac" : : : "memory");
}

void
isolation_init(void)
{
	uint32_t a, b, c, d;
	size_t n = (size_t)(__user_end - __user_data_start);

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a >= 7)
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	else
		b = c = 0;
	smep = !!(b & CPUID7_SMEP);
	smap = !!(b & CPUID7_SMAP);
	umip = !!(c & CPUID7_UMIP);
	/* SMEP: the kernel never runs a user page; SMAP: it touches one only
	 * between stac and clac (the gate's copies); UMIP: ring 3 cannot read
	 * where the GDT and IDT are. */
	write_cr4(read_cr4() | (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0)
		| (umip ? CR4_UMIP : 0));
	vm_user_init();
	/* vm_init made everything past .text read-write, no-execute */
	if (vm_protect((uintptr_t)__user_start, (size_t)(__user_text_end - __user_start),
		VM_R | VM_X) != 0 || vm_protect((uintptr_t)__user_text_end,
		(size_t)(__user_data_start - __user_text_end), VM_R) != 0)
		panic("isolation: cannot protect the user-mode library copy");
	if (!(pristine = malloc(n)))
		panic("isolation: no heap for the user-mode library's pristine data");
	memcpy(pristine, __user_data_start, n);
	printf("# isolation: payloads at ring 3; SMEP %s, SMAP %s, UMIP %s; user-mode "
		"library %zu KiB at %p\n", smep ? "on" : "off (the CPU has none)",
		smap ? "on" : "off (the CPU has none)", umip ? "on" : "off (the CPU has none)",
		(size_t)(__user_end - __user_start) >> 10, (void *)__user_start);
}

void *
isolation_exports(const char *name)
{
	return jit_export_lookup_user(name);
}

static void refuse(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Under the runner's catch point (before the run or in the gate), so a
 * failure ends the run, not the kernel. */
static void
open_user(uintptr_t base, size_t size)
{
	if (nopen == USER_MAXRANGES || vm_user(base, size, 1) != 0) {
		vm_user(base, size, 0);		/* what it opened before it failed */
		refuse("isolation: cannot map [%#lx, +%#zx) for ring 3 (page table pool "
			"exhausted)", (unsigned long)base, size);
	}
	open_ranges[nopen].base = base;
	open_ranges[nopen].size = size;
	user_access(1);		/* the library's data may be open already */
	ju_user_ranges[nopen][0] = base;
	ju_user_ranges[nopen][1] = base + size;
	ju_user_nranges = ++nopen;
	user_access(0);
}

void
isolation_end(void)
{
	int i;

	for (i = 0; i < nopen; i++)
		vm_user(open_ranges[i].base, open_ranges[i].size, 0);
	if (heap)
		jit_arena_free(heap, HEAP_SIZE);
	heap = 0;
}

/* Ends the run: the runner reports isolation_refusal. */
static void
refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(isolation_refusal, sizeof isolation_refusal, fmt, ap);
	va_end(ap);
	trap_exit(REFUSED_STATUS);
}

static void
check(const char *service, const char *arg, long p, long n, int write)
{
	if (n < 0 || !vm_user_range((uintptr_t)p, (size_t)n, write))
		refuse("gate %s: %s [%#lx, +%ld) is not the payload's %smemory", service,
			arg, (unsigned long)p, n, write ? "writable " : "");
}

/* A NUL-terminated string of the payload's, at most n - 1 bytes, into
 * buf: checked page by page as it is read. */
static void
copy_string(const char *service, const char *arg, char *buf, size_t n, long p)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (i == 0 || ((uintptr_t)p + i) % PAGE == 0)
			check(service, arg, p + (long)i, 1, 0);
		user_access(1);
		buf[i] = ((const char *)p)[i];
		user_access(0);
		if (!buf[i])
			return;
	}
	buf[i] = 0;
}

static long
gate_write(long fd, long buf, long n)
{
	char chunk[256];
	long off, k;

	check("write", "buf", buf, n, 0);
	for (off = 0; off < n; off += k) {
		k = n - off < (long)sizeof chunk ? n - off : (long)sizeof chunk;
		user_access(1);
		memcpy(chunk, (const char *)buf + off, (size_t)k);
		user_access(0);
		lc_write((int)fd, chunk, (size_t)k);
	}
	return n;
}

static long
gate_heap(long out)
{
	uint64_t *o = (uint64_t *)out;

	check("heap", "out", out, 2 * sizeof *o, 1);
	if (!heap) {
		if (!(heap = jit_arena_alloc(HEAP_SIZE, PAGE)))
			refuse("gate heap: no room in the JIT arena for the payload's %lu MiB heap "
				"(raise jit_arena_size)", HEAP_SIZE >> 20);
		open_user((uintptr_t)heap, HEAP_SIZE);
	}
	user_access(1);
	o[0] = (uint64_t)heap;
	o[1] = HEAP_SIZE;
	user_access(0);
	return 0;
}

static long
gate_data(long path, long buf, long n)
{
	char name[256];
	const char *p;
	size_t len;
	void *owned;

	copy_string("data", "path", name, sizeof name, path);
	if (lc_data_open(name, &p, &len, &owned) != 0)
		return -1;
	if (!buf)
		return (long)len;
	check("data", "buf", buf, n, 1);
	if ((size_t)n > len)
		n = (long)len;
	user_access(1);
	memcpy((void *)buf, p, (size_t)n);
	user_access(0);
	return n;
}

long
isolation_gate(long service, long a, long b, long c)
{
	const char *name, *proto;
	int arg;

	/* Ring 3 may have left RFLAGS.AC set: no user access until asked. */
	user_access(0);
	switch (service) {
	case GATE_WRITE:
		return gate_write(a, b, c);
	case GATE_EXIT:
		trap_exit((int)a);
	case GATE_ABORT:
		payload_aborted = 1;
		trap_exit(134);
	case GATE_TSC_HZ:
		return (long)tsc_hz();
	case GATE_HEAP:
		return gate_heap(a);
	case GATE_DATA_SIZE:
		return gate_data(a, 0, 0);
	case GATE_DATA_READ:
		return gate_data(a, b, c);
	case GATE_REFUSE:
		name = jit_export_user_refused((unsigned long)a, &arg, &proto);
		if (!name)
			break;
		refuse("%s argument %d, %#lx, is not the payload's memory: %s", name, arg,
			(unsigned long)b, proto);
	}
	refuse("gate: no service %ld", service);
}

void
isolation_run(struct jit_module *m, int (*entry)(int, char **), int argc, char **argv,
	char *stack, size_t size)
{
	char *top = stack + size, **uargv;
	uint64_t *sp;
	void *base;
	size_t len, n;
	int i;

	isolation_refusal[0] = 0;
	memcpy(__user_data_start, pristine, (size_t)(__user_end - __user_data_start));
	/* argv's strings, then the array, at the top of the stack */
	for (i = argc - 1; i >= 0; i--) {
		n = strlen(argv[i]) + 1;
		top -= n;
		memcpy(top, argv[i], n);
		argv[i] = top;
	}
	uargv = (char **)((uintptr_t)(top - (argc + 1) * sizeof *uargv) & ~(uintptr_t)15);
	memcpy(uargv, argv, argc * sizeof *uargv);
	uargv[argc] = 0;
	/* as if user_start had been called: rsp + 8 aligned to 16 */
	sp = (uint64_t *)uargv - 1;
	*sp = 0;
	jit_module_extent(m, &base, &len);
	nopen = 0;
	open_user((uintptr_t)base, len);
	open_user((uintptr_t)stack, size);
	open_user((uintptr_t)__user_start, (size_t)(__user_end - __user_start));
	watchdog_arm(JB_PAYLOAD_TIMEOUT_MS);
	enter_user((uint64_t)ju_user_start, (uint64_t)sp, (uint64_t)entry, (uint64_t)argc,
		(uint64_t)uargv);
}

int
isolation_was_open(uint64_t addr)
{
	int i;

	for (i = 0; i < nopen; i++)
		if (addr - open_ranges[i].base < open_ranges[i].size)
			return 1;
	return 0;
}

int
isolation_user_code(uint64_t pc)
{
	return pc >= (uint64_t)__user_start && pc < (uint64_t)__user_text_end;
}

#endif
