/* Backtraces through JIT'd code, for fault reports: the kernel's payload
 * runner and jitrun's signal handler walk the stack of a fault with
 * jit_backtrace() and name each frame with jit_where_format().
 *
 * QBE's amd64 code keeps frame pointers where it matters: a function
 * that calls (or is variadic, or allocas) starts with
 *
 *	endbr64; pushq %rbp; movq %rsp, %rbp
 *
 * and never uses rbp for anything else, so from there on 0(%rbp) is the
 * caller's rbp and 8(%rbp) the return address. A leaf has no frame of
 * its own (amd64/emit.c amd64_emitfn): rbp is still its caller's, and
 * its return address sits above what its prologue (subq $N, %rsp, then
 * a pushq per callee-saved register) put on the stack. The kernel is
 * built with frame pointers too, so the chain goes through kernel
 * functions between JIT'd ones.
 *
 * QBE's arm64 code keeps a frame record in every function (arm64/emit.c
 * arm64_emitfn):
 *
 *	hint #34; [sub sp, sp, #N;] stp x29, x30, [sp, -M]!; mov x29, sp
 *
 * so from there on 0(x29) is the caller's x29 and 8(x29) the return
 * address; before the stp has run the return address is still in x30,
 * which a stack overflow (the stp's store is what faults) needs. The
 * kernel functions keep records too, but a leaf may never store x30:
 * when frame 0 is such a function called from JIT'd code, x30 is the
 * return into it.
 *
 * The stack may be what the fault broke: every slot is checked to lie in
 * [lo, hi) before it is read, frame pointers must go up, and the walk
 * stops after max frames. */
#include <stdint.h>
#include "loader.h"
#include "shim/libc.h"

/* Words above a non-JIT'd frame 0 searched for a return into JIT'd code. */
enum { SCAN = 64 };

/* What prologue() says besides a depth: the frame pointer is already
 * frame 0's, or (aarch64) the return address is still in the link
 * register. */
enum { FRAMED = -1, IN_LR = -2 };

static int
readable(uintptr_t a, uintptr_t lo, uintptr_t hi)
{
	return a >= lo && a + 8 <= hi && a + 8 > a && !(a & 7);
}

static uintptr_t
word(uintptr_t a)
{
	return *(const uintptr_t *)a;
}

#if defined(__aarch64__)
static uint32_t
insn(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
		| (uint32_t)p[3] << 24;
}

/* Where the return address of the function at fn is when pc runs: in
 * x30 until its stp x29, x30, [sp, -M]! has run, at 8(sp) until the mov
 * x29, sp after it has, and in the frame record (FRAMED) from then on. */
static long
prologue(const uint8_t *fn, const uint8_t *pc)
{
	const uint8_t *p;

	for (p = fn; p < pc; p += 4)
		if ((insn(p) & 0xffc07fff) == 0xa9807bfd)     /* stp x29, x30, [sp, #imm]! */
			return p + 4 == pc ? 8 : FRAMED;
	return IN_LR;
}
#else
static int
same(const uint8_t *p, const char *bytes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (uint8_t)bytes[i])
			return 0;
	return 1;
}

/* How many bytes the prologue of the function at fn has put on the
 * stack by the time pc runs, or FRAMED once it has set rbp to its frame. */
static long
prologue(const uint8_t *fn, const uint8_t *pc)
{
	const uint8_t *p;
	long depth;

	p = fn;
	depth = 0;
	if (p + 4 <= pc && same(p, "\xf3\x0f\x1e\xfa", 4))        /* endbr64 */
		p += 4;
	if (p < pc && *p == 0x55)                                   /* pushq %rbp */
		return p + 4 <= pc && same(p + 1, "\x48\x89\xe5", 3) ? FRAMED : 8;
	if (p + 4 <= pc && same(p, "\x48\x83\xec", 3)) {          /* subq $imm8, %rsp */
		depth += p[3];
		p += 4;
	} else if (p + 7 <= pc && same(p, "\x48\x81\xec", 3)) {   /* subq $imm32, %rsp */
		depth += (long)((uint32_t)p[3] | (uint32_t)p[4] << 8
			| (uint32_t)p[5] << 16 | (uint32_t)p[6] << 24);
		p += 7;
	}
	for (;;) {                                                  /* pushq rbx, r12..r15 */
		if (p < pc && *p == 0x53)
			p += 1;
		else if (p + 2 <= pc && p[0] == 0x41 && p[1] >= 0x54 && p[1] <= 0x57)
			p += 2;
		else
			break;
		depth += 8;
	}
	return depth;
}
#endif

/* Frame n at pc: named by pc itself for the fault, by the call before
 * it for a return address (which may be a function's last byte). */
static void
frame(struct jit_frame *f, int n, uintptr_t pc)
{
	f->pc = pc;
	f->jit = jit_image_where(0, (const void *)(n ? pc - 1 : pc), &f->where) == 0;
	if (f->jit && n)
		f->where.off++;
}

/* The caller of a frame 0 outside JIT'd code (a kernel or libc function
 * the payload called, which may keep no frame of its own): the slot of
 * the first return into JIT'd code above sp, or 0. */
static uintptr_t
jit_return(uintptr_t sp, uintptr_t lo, uintptr_t hi)
{
	struct jit_where w;
	uintptr_t a;
	int i;

	for (i = 0, a = sp; i < SCAN && readable(a, lo, hi); i++, a += 8)
		if (jit_image_where(0, (const void *)(word(a) - 1), &w) == 0)
			return a;
	return 0;
}

int
jit_backtrace(uintptr_t pc, uintptr_t sp, uintptr_t fp, uintptr_t lr,
	uintptr_t lo, uintptr_t hi, struct jit_frame *f, int max)
{
	struct jit_where w;
	uintptr_t a, up;
	long depth;
	int n;

	if (max <= 0)
		return 0;
	frame(&f[0], 0, pc);
	n = 1;
	/* frame 0's caller, when rbp is not (yet) frame 0's frame */
	if (f[0].jit) {
		depth = prologue((const uint8_t *)(pc - f[0].where.off), (const uint8_t *)pc);
		if (depth == IN_LR) {
			if (n == max)
				return n;
			frame(&f[n], n, lr);
			n++;
		} else if (depth >= 0) {
			a = sp + (uintptr_t)depth;
			if (!readable(a, lo, hi) || n == max)
				return n;
			frame(&f[n], n, word(a));
			n++;
		}
	} else if (lr && jit_image_where(0, (const void *)(lr - 1), &w) == 0 && n < max) {
		/* aarch64: frame 0 was called from JIT'd code and has not
		 * called anything since; if it stored a frame record, that
		 * record's return address is this same one */
		frame(&f[n], n, lr);
		n++;
		if (readable(fp, lo, hi) && readable(fp + 8, lo, hi) && word(fp + 8) == lr)
			fp = word(fp);
	} else if ((a = jit_return(sp, lo, hi)) && a != fp + 8 && a < fp && n < max) {
		/* the slot is not the one above rbp's frame: frame 0 kept
		 * none, and rbp is still its caller's */
		frame(&f[n], n, word(a));
		n++;
	}
	/* then the chain of frame pointers, up the stack */
	while (n < max && readable(fp, lo, hi) && readable(fp + 8, lo, hi)) {
		if (!word(fp + 8))
			break;
		frame(&f[n], n, word(fp + 8));
		n++;
		up = word(fp);
		if (up <= fp)
			break;
		fp = up;
	}
	return n;
}

int
jit_where_format(char *buf, size_t n, const struct jit_where *w)
{
	if (w->file && w->line)
		return snprintf(buf, n, "%s:%d in %s (%s+%#zx)", w->file, w->line,
			w->func, w->func, w->off);
	return snprintf(buf, n, "%s+%#zx", w->func, w->off);
}
