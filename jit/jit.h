/* Public JIT API: QBE IL text in, callable machine code out.
 *
 *	struct jit_module *m;
 *	struct jit_error err;
 *	if (jit_compile(il, len, "fib.ssa", &m, &err) != 0)
 *		printf("%s:%d: %s\n", err.file, err.line, err.msg);
 *	long (*fib)(long) = (long (*)(long))jit_symbol(m, "fib");
 *	...
 *	jit_release(m);
 *
 * Not reentrant: QBE keeps its state in globals, so one compile at a
 * time (the kernel is single-threaded). */
#ifndef JIT_JIT_H
#define JIT_JIT_H

#include <stddef.h>
#include <stdint.h>
#include "jit_error.h"

struct jit_module;

/* Compile the IL module il[0..len) (it needs no NUL terminator), assemble
 * and load it. name is used in error messages ("fib.ssa"). On success
 * returns 0 and stores the module in *m; on failure returns -1, leaves
 * *m NULL and fills *err (file, 1-based line, one-line message). */
int jit_compile(const char *il, size_t len, const char *name,
	struct jit_module **m, struct jit_error *err);

/* Address of the global symbol name defined by the module, or NULL. */
void *jit_symbol(struct jit_module *m, const char *name);

/* Where a code address is, for fault reports and backtraces:
 *
 *	struct jit_where w;
 *	if (jit_where(m, pc, &w) == 0 && w.line)
 *		printf("%s:%d in %s (%s+%#zx)\n", w.file, w.line, w.func,
 *			w.func, w.off);
 *
 * func is the function pc is in (a local one too) and off pc's offset
 * from its start; file and line come from the IL's dbgfile/dbgloc (the
 * C front door writes them from clang's debug info), NULL and 0 when
 * the code has none. m NULL looks in every loaded module. Returns 0, or
 * -1 when pc is not in a module's code. Reads only the loader's own
 * bookkeeping and the module's read-only line table, so a trap handler
 * may call it. For a return address, look up pc - 1: the call. */
struct jit_where {
	const char *func;
	size_t off;
	const char *file;
	int line;
};
int jit_where(struct jit_module *m, const void *pc, struct jit_where *w);

/* "prog.c:12 in main (main+0x1f)", or "main+0x1f" without a line:
 * snprintf's contract. */
int jit_where_format(char *buf, size_t n, const struct jit_where *w);

/* The frames of a fault at pc with stack pointer sp and frame pointer
 * fp, innermost first, at most max; reads the stack only inside
 * [lo, hi) (the stack JIT'd code ran on), so a corrupt one ends the
 * walk early instead of faulting. Frame 0 is the fault; the others are
 * return addresses, whose where names the call (off is the return
 * address's). jit is 0 for a frame outside JIT'd code (the kernel's,
 * or jitrun's). Returns the number of frames. */
struct jit_frame {
	uintptr_t pc;
	int jit;
	struct jit_where where;
};
int jit_backtrace(uintptr_t pc, uintptr_t sp, uintptr_t fp, uintptr_t lo,
	uintptr_t hi, struct jit_frame *f, int max);

/* Unload the module and free everything it owns. m may be NULL. */
void jit_release(struct jit_module *m);

/* First half of jit_compile: run QBE on the IL and return the amd64
 * assembly text it emits in *text (NUL terminated, *textlen bytes, the
 * caller frees it with free()). Used to compare against stock qbe and
 * by jitrun -S. Returns 0, or -1 with *err filled. */
int jit_il_to_asm(const char *il, size_t len, const char *name,
	char **text, size_t *textlen, struct jit_error *err);

/* Our own optimization passes, run on QBE's IL between QBE's passes
 * (jit/passes/opt.h): "tre" (tail recursion with accumulators into
 * loops), "inline" (small functions of the same module, recursion
 * unrolled a few levels), "ext" (extensions folded into loads),
 * "thread" (a jump to a branch on a known phi goes to its target),
 * "cmp" (compares kept next to the branches using them, so they fuse;
 * range tests in two branches made one),
 * "sink" (computations moved into the branch that uses them),
 * "licm" (loop-invariant loads moved out of loops), "iv" (32-bit
 * counters widened, multiplications by a counter reduced), "rotate"
 * (loops tested at the bottom), "builtin" (sqrt() calls compiled as
 * sqrtsd, small constant memcpy as moves), "switch" (jump tables for
 * the compare searches of dense switches) and "fold" (loads made the
 * memory operand of the instruction using them, `x[i] += y` one
 * instruction).
 * All are on unless the image recipe says
 * otherwise ([features] jit_passes, in the kernel) or this is called.
 * spec is "all", "none" or comma-separated names ("tre,inline").
 * Applies to later compiles; returns 0, or -1 for an unknown name
 * (the selection is then unchanged). */
int jit_set_passes(const char *spec);

/* The passes selected, as a spec: "tre,inline", "none". */
const char *jit_passes(void);

/* The known pass names, comma-separated. */
extern const char jit_pass_names[];

/* Room for any spec jit_passes() returns (every name, commas, NUL). */
#define JIT_PASS_SPEC_MAX 192

/* What our passes did in the last compile (jit_compile or
 * jit_il_to_asm), summed over the module's functions. */
struct jit_stats {
	unsigned long tre;      /* recursive calls turned into jumps (tre) */
	unsigned long inlined;  /* calls replaced by the callee (inline) */
	unsigned long extensions; /* extensions folded into loads (ext) */
	unsigned long threaded; /* jumps threaded past a known branch (thread) */
	unsigned long branches; /* jumps to a branch on a phi that became the branch (cmp) */
	unsigned long compares; /* compares moved next to their branch or select (cmp) */
	unsigned long ranges;   /* two-branch range tests made one compare (cmp) */
	unsigned long builtins; /* library calls compiled as instructions (builtin) */
	unsigned long propagated; /* parameters every call passes as one constant (inline) */
	unsigned long sunk;     /* instructions sunk into the branch using them (sink) */
	unsigned long hoisted;  /* loop-invariant loads moved out of loops (licm) */
	unsigned long widened;  /* 32-bit counters given a 64-bit twin (iv) */
	unsigned long reduced;  /* multiplications made induction variables (iv) */
	unsigned long rotated;  /* loop latches given the loop test (rotate) */
	unsigned long switches; /* jump tables before compare searches (switch) */
	unsigned long reassociated; /* a + (y + z) made (a + y) + z, a + y hoisted (iv) */
	unsigned long folded;   /* loads made a memory operand (fold) */
	unsigned long rmw;      /* load, operation, store made one instruction (fold) */
};
void jit_stats(struct jit_stats *st);

#endif
