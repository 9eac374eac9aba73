/* Our optimization passes over QBE's IL, run inside the JIT between
 * QBE's own passes (QBE has no inlining and no recursion elimination).
 *
 *	tre     tail recursion with accumulators: `ret f(x)` and
 *	        `ret a OP f(x)` (OP add, mul, and, or, xor) become a jump
 *	        back to the top of the function (opt_tre.c)
 *	inline  calls to small functions defined in the same module are
 *	        replaced by their bodies, recursive calls a bounded number
 *	        of levels deep (opt_inline.c)
 *	ext     an extension of a value loaded for it alone becomes a load
 *	        of the right kind: loadub + extsb is loadsb (opt_ext.c)
 *	thread  a jump to a block that only branches on a phi, from a
 *	        predecessor giving it a constant, goes where the branch
 *	        would (`a && b` at -O0; opt_thread.c)
 *	rotate  a loop tested at the top gets a copy of the test at the
 *	        bottom instead of the jump back up; the test at the top
 *	        stays as a guard run once (opt_rotate.c)
 *
 * They run after QBE's promote pass has turned the stack slots of
 * naive IL (what a C front end emits at -O0) into temporaries: tre
 * and rotate before SSA construction (QBE_HOOK_PROMOTED), so they may
 * assign a temporary again and QBE's ssa pass builds the loop phis; inline in
 * SSA form (QBE_HOOK_MODULE), before QBE's load elimination, GVN and
 * GCM, which then work across the inlined code; ext and thread after those
 * (QBE_HOOK_SSA), with rotate's compares moved down to their branch;
 * rotate's block order once registers are allocated (QBE_HOOK_LINKED).
 * The selection is
 * global, like QBE's state; the public switch is jit_set_passes() in
 * jit.h. */
#ifndef JIT_QBE_OPT_H
#define JIT_QBE_OPT_H

#include "../jit.h"

enum {
	OPT_TRE = 1 << 0,
	OPT_INLINE = 1 << 1,
	OPT_EXT = 1 << 2,
	OPT_THREAD = 1 << 3,
	OPT_ROTATE = 1 << 4,
	OPT_ALL = OPT_TRE | OPT_INLINE | OPT_EXT | OPT_THREAD | OPT_ROTATE,
};

/* The passes that run (OPT_* bits); all of them unless told otherwise. */
extern unsigned opt_passes;

/* Select passes: "all", "none" or comma-separated names ("tre,inline").
 * Returns 0, or -1 for a name it does not know (selection unchanged). */
int opt_select(const char *spec);

/* The selection as a spec opt_select() accepts: "tre,inline", "none". */
const char *opt_selected(void);

/* The known pass names, comma-separated (declared in jit.h). */
extern const char jit_pass_names[];

/* What the passes did in the last compile (struct jit_stats, jit.h). */
extern struct jit_stats opt_stats;

/* The QBE side, called by pipeline.c. */
struct Fn;
void opt_begin(void);             /* a module starts: counters to 0 */
int opt_wants_module(void);       /* does a pass need every function first? */
void opt_promoted(struct Fn *fn); /* QBE_HOOK_PROMOTED */
void opt_remember(struct Fn *fn); /* every function, at QBE_HOOK_MODULE */
void opt_snapshot(void);          /* the module is parsed */
void opt_module(struct Fn *fn);   /* QBE_HOOK_MODULE: run the passes */
void opt_ssa(struct Fn *fn);      /* QBE_HOOK_SSA */
void opt_linked(struct Fn *fn);   /* QBE_HOOK_LINKED */
void opt_reset(void);             /* forget the module (after qbe_reset) */

/* opt_tre.c, opt_inline.c */
void opt_tre(struct Fn *fn);
void opt_inline(struct Fn *fn);
void opt_ext(struct Fn *fn);
void opt_thread(struct Fn *fn);
void opt_rotate(struct Fn *fn);
void opt_rotcmp(struct Fn *fn);
void opt_rotlayout(struct Fn *fn);
void opt_forget(void);

/* Helpers the passes share (opt.c). */
struct Blk;
struct Ins;
/* Index of the first `arg` of the call at b->ins[ci], or -1 when the
 * call passes anything but plain w/l/s/d arguments. */
int opt_callargs(struct Blk *b, unsigned ci);
/* Number of leading `par` of fn->start, or -1 when fn has a parameter
 * other than plain w/l/s/d, or something a pass must not move or copy
 * (alloc, vastart, variadic or aggregate return). */
int opt_params(struct Fn *fn);
/* Replace b's instructions with v[0..n). */
void opt_setins(struct Blk *b, struct Ins *v, unsigned n);
/* Give phi p the argument r for the edge from b. */
struct Phi;
struct Ref;
void opt_addarg(struct Phi *p, struct Blk *b, struct Ref r);

#endif
