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

/* Compiling for a front end that runs in the same program (it makes
 * its IL at run time and links it with its own runtime):
 *
 *	static void *
 *	resolve(void *ctx, const char *name)   // asked last but one
 *	{
 *		return strcmp(name, "rt_alloc") == 0 ? (void *)gc_alloc : NULL;
 *	}
 *
 *	static const struct jit_extern rt[] = {
 *		{"rt_print", (void *)my_print},
 *	};
 *	struct jit_module *lib, *prog;
 *	struct jit_options o = {0};
 *	if (jit_compile(lib_il, lib_len, "lib.ssa", &lib, &err) != 0) ...
 *	o.symbols = rt;
 *	o.nsymbols = 1;
 *	o.modules = &lib;          // prog calls $lib_fn, which lib exports
 *	o.nmodules = 1;
 *	o.resolve = resolve;
 *	if (jit_compile_opts(il, len, "prog.ssa", &o, &prog, &err) != 0) {
 *		if (err.symbol[0])         // nobody defines it
 *			printf("%s:%d: no '%s'\n", err.file, err.line, err.symbol);
 *		...
 *	}
 *	...
 *	jit_release(prog);         // first: prog holds lib
 *	jit_release(lib);
 *
 * A symbol the module uses but does not define is looked up, first
 * match wins, in
 *   1. symbols[0..nsymbols): the front end's own runtime;
 *   2. modules[0..nmodules), in order: their global definitions
 *      (`export` functions and data), as jit_symbol() finds them;
 *   3. resolve(ctx, name), when resolve is not NULL: NULL means "not
 *      mine";
 *   4. the kernel's export table (jit/exports.txt): what jit_compile
 *      alone finds.
 * The caller's choices come before the kernel-wide table, the most
 * specific first: a front end may define a name the kernel also
 * exports (its own malloc) without renaming it in its IL, a kernel
 * export added later never changes what existing front-end code binds
 * to, and the resolver (which may be slow, or hand out stubs) is
 * asked only for names no table and no module has; it must not
 * compile (one compile at a time). A name found nowhere
 * fails the compile with "undefined symbol 'NAME'", NAME in
 * err->symbol and err->line the IL line of its first use. Addresses
 * are bound once, at load: the module keeps no pointer to symbols,
 * modules' array or ctx, and resolve is not called after this returns.
 * Like every call into a kernel function, a call through an address
 * found here must reach it with rel32 (within 2 GiB of the JIT arena:
 * anything in the kernel image or the arena is).
 *
 * Lifetime: every module in modules[] is held by the new one (whether
 * or not it used a symbol from it) until the new one is released;
 * jit_release of a held module refuses (returns -1, the module stays
 * loaded and usable), so release in the reverse order of compiling.
 * passes, when not NULL, is the pass selection for this compile only
 * (the spec jit_set_passes takes; "none" for a front end's quick
 * unoptimised code); an unknown name fails the compile. opts NULL is
 * jit_compile. */
struct jit_extern {
	const char *name;
	void *addr;
};

struct jit_options {
	const struct jit_extern *symbols;      /* may be NULL if nsymbols is 0 */
	size_t nsymbols;
	struct jit_module *const *modules;     /* loaded earlier, not NULL */
	size_t nmodules;
	void *(*resolve)(void *ctx, const char *name);  /* or NULL */
	void *ctx;                             /* resolve's first argument */
	const char *passes;                    /* NULL: jit_passes() */
	/* The export table for step 4 (NULL: the kernel's): isolated
	 * payloads get the user-mode library copy's, where a name without
	 * a copy fails to load ("not available to isolated payloads"). */
	void *(*exports)(const char *name);
};

int jit_compile_opts(const char *il, size_t len, const char *name,
	const struct jit_options *opts, struct jit_module **m,
	struct jit_error *err);

/* The memory the module's code and data occupy, one block of the JIT
 * arena: what an isolated payload's ring 3 may reach of it. */
void jit_module_extent(struct jit_module *m, void **base, size_t *size);

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

/* The frames of a fault at pc with stack pointer sp, frame pointer fp
 * and, on aarch64, link register lr (ignored on x86-64, where the
 * return address is on the stack), innermost first, at most max; reads
 * the stack only inside [lo, hi) (the stack JIT'd code ran on), so a
 * corrupt one ends the walk early instead of faulting. Frame 0 is the
 * fault; the others are return addresses, whose where names the call
 * (off is the return address's). jit is 0 for a frame outside JIT'd
 * code (the kernel's, or jitrun's). Returns the number of frames. */
struct jit_frame {
	uintptr_t pc;
	int jit;
	struct jit_where where;
};
int jit_backtrace(uintptr_t pc, uintptr_t sp, uintptr_t fp, uintptr_t lr,
	uintptr_t lo, uintptr_t hi, struct jit_frame *f, int max);

/* Unload the module and free everything it owns, and let go of the
 * modules it was linked against (jit_options.modules). Returns 0; or
 * -1, doing nothing, while a module linked against m is loaded (see
 * jit_compile_opts). m may be NULL. */
int jit_release(struct jit_module *m);

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
