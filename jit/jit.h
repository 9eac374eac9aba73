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
 * unrolled a few levels), "ext" (extensions folded into loads) and
 * "thread" (a jump to a branch on a known phi goes to its target) and
 * "rotate" (loops tested at the bottom). All are on unless the image recipe says
 * otherwise ([features] jit_passes, in the kernel) or this is called.
 * spec is "all", "none" or comma-separated names ("tre,inline").
 * Applies to later compiles; returns 0, or -1 for an unknown name
 * (the selection is then unchanged). */
int jit_set_passes(const char *spec);

/* The passes selected, as a spec: "tre,inline", "none". */
const char *jit_passes(void);

/* The known pass names, comma-separated. */
extern const char jit_pass_names[];

/* What our passes did in the last compile (jit_compile or
 * jit_il_to_asm), summed over the module's functions. */
struct jit_stats {
	unsigned long tre;      /* recursive calls turned into jumps (tre) */
	unsigned long inlined;  /* calls replaced by the callee (inline) */
	unsigned long extensions; /* extensions folded into loads (ext) */
	unsigned long threaded; /* jumps threaded past a known branch (thread) */
	unsigned long rotated;  /* loop latches given the loop test (rotate) */
};
void jit_stats(struct jit_stats *st);

#endif
