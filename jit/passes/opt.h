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
 *	cmp     a compare kept next to the branch or select using it, so
 *	        that isel fuses them: a jump to a branch on a phi becomes
 *	        the branch, compares sink past what GCM put after them,
 *	        a range test in two branches is one compare (opt_cmp.c)
 *	sink    a computation GCM left in a branching block, used only
 *	        past the branch, moves into the successors using it
 *	        (opt_sink.c)
 *	licm    loads that read the same memory on every iteration of a
 *	        loop that writes none of it move to the loop's preheader
 *	        (`i < p->len`; opt_licm.c)
 *	iv      a 32-bit loop counter extended on every iteration gets a
 *	        64-bit twin, a multiplication by the counter becomes an
 *	        induction variable of its own, stepped by an addition, and
 *	        an invariant plus (invariant plus variable) adds the
 *	        invariants before the loop (`t[i + j]`; opt_iv.c)
 *	rotate  a loop tested at the top, by one block or several (`j < m
 *	        && t[i + j] == p[j]`), gets a copy of the test at the
 *	        bottom instead of the jump back up; the test at the top
 *	        stays as a guard run once (opt_rotate.c)
 *	builtin a call to sqrt() is the sqrtsd instruction, unless the
 *	        module defines its own sqrt (opt_builtin.c)
 *	switch  the binary search of compares a dense switch became gets a
 *	        jump table in front of it, once registers are allocated
 *	        (opt_switch.c)
 *	fold    a load whose value one later instruction of its block
 *	        uses (add, sub, mul, and, or, xor, a compare; addsd and
 *	        the like) becomes that instruction's memory operand:
 *	        `mulsd (%rax), %xmm0`; a load, an operation on what it
 *	        read and a store back to the same address are one
 *	        instruction on memory, `addl $1, (%rdi)` (opt_fold.c)
 *
 * They run after QBE's promote pass has turned the stack slots of
 * naive IL (what a C front end emits at -O0) into temporaries: tre
 * and rotate before SSA construction (QBE_HOOK_PROMOTED), so they may
 * assign a temporary again and QBE's ssa pass builds the loop phis; inline in
 * SSA form (QBE_HOOK_MODULE, with builtin), before QBE's load elimination, GVN and
 * GCM, which then work across the inlined code; thread and cmp's
 * branches after those, before if-conversion would turn the diamonds
 * of `&&` into selects (QBE_HOOK_GCM); ext, licm, iv, sink, cmp's moves
 * and rotate's compares moved down to their branch after if-conversion
 * (QBE_HOOK_SSA); rotate's block order once registers are allocated
 * and switch's jump tables (QBE_HOOK_LINKED); fold on amd64 instructions (QBE_HOOK_ISEL). Rotation itself runs before SSA construction, after
 * tre (QBE_HOOK_PROMOTED). The selection is
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
	OPT_CMP = 1 << 4,
	OPT_SINK = 1 << 5,
	OPT_LICM = 1 << 6,
	OPT_IV = 1 << 7,
	OPT_ROTATE = 1 << 8,
	OPT_BUILTIN = 1 << 9,
	OPT_SWITCH = 1 << 10,
	OPT_FOLD = 1 << 11,
	OPT_ALL = OPT_TRE | OPT_INLINE | OPT_EXT | OPT_THREAD | OPT_CMP | OPT_SINK | OPT_LICM
		| OPT_IV | OPT_ROTATE | OPT_BUILTIN | OPT_SWITCH | OPT_FOLD,
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
/* The dbgfile of the function being parsed or compiled (interned + 1,
 * 0 for none), kept by pipeline.c: a dbgloc has a line, not a file. */
extern uint32_t opt_dbgfile;
void opt_begin(void);             /* a module starts: counters to 0 */
int opt_wants_module(void);       /* does a pass need every function first? */
void opt_promoted(struct Fn *fn); /* QBE_HOOK_PROMOTED */
void opt_remember(struct Fn *fn); /* every function, at QBE_HOOK_MODULE */
void opt_snapshot(void);          /* the module is parsed */
void opt_module(struct Fn *fn);   /* QBE_HOOK_MODULE: run the passes */
void opt_gcm(struct Fn *fn);      /* QBE_HOOK_GCM */
void opt_ssa(struct Fn *fn);      /* QBE_HOOK_SSA */
void opt_isel(struct Fn *fn);     /* QBE_HOOK_ISEL */
void opt_linked(struct Fn *fn);   /* QBE_HOOK_LINKED */
void opt_reset(void);             /* forget the module (after qbe_reset) */

/* opt_tre.c, opt_inline.c */
void opt_tre(struct Fn *fn);
void opt_inline(struct Fn *fn);
void opt_builtin(struct Fn *fn);  /* opt_builtin.c */
int opt_propagate(struct Fn *fn); /* opt_inline.c: constant parameters */
struct Dat;
void opt_dataref(struct Dat *d);  /* a data item naming a symbol */
void opt_ext(struct Fn *fn);
void opt_thread(struct Fn *fn);
void opt_cmpbr(struct Fn *fn);
void opt_cmp(struct Fn *fn);
void opt_sink(struct Fn *fn);
void opt_licm(struct Fn *fn);
struct Dat;
void opt_data(struct Dat *d);     /* every data item, as parsed (licm) */
void opt_forget_data(void);
void opt_iv(struct Fn *fn);
void opt_rotate(struct Fn *fn);
void opt_rotcmp(struct Fn *fn);
void opt_rotlayout(struct Fn *fn);
void opt_forget(void);
void opt_switch(struct Fn *fn);
void opt_switch_clear(void);
/* Whether one of the function's jump tables jumps to b (after
 * opt_switch): b has a predecessor its pred list does not show. */
int opt_switch_target(struct Blk *b);
void opt_cmpflags(struct Fn *fn); /* opt_cmp.c, at QBE_HOOK_LINKED */
void opt_fold(struct Fn *fn);

/* Helpers the passes share (opt.c). */
struct Blk;
struct Ins;
/* Index of the first `arg` of the call at b->ins[ci], or -1 when the
 * call passes anything but plain w/l/s/d arguments. */
int opt_callargs(struct Blk *b, unsigned ci);
/* Whether the module held back (opt_wants_module) defines a function
 * of that name (opt_inline.c). */
int opt_defines(const char *name);
/* r, or the constant a chain of copies gives it (opt.c). */
struct Ref opt_copied(struct Fn *fn, struct Ref r);
/* Number of leading `par` of fn->start, or -1 when fn has a parameter
 * other than plain w/l/s/d, or something a pass must not move or copy
 * (alloc, vastart, variadic or aggregate return). */
int opt_params(struct Fn *fn);
/* Replace b's instructions with v[0..n). */
void opt_setins(struct Blk *b, struct Ins *v, unsigned n);
/* The phi j branches on, when j does nothing else: no other phi, no
 * instruction, the phi (of class w) used by the jnz alone, two targets
 * other than j. Otherwise 0. */
struct Phi;
struct Phi *opt_phibranch(struct Fn *fn, struct Blk *j);
/* Give the phi p the argument r for a new edge from b. */
struct Ref;
void opt_addarg(struct Phi *p, struct Blk *b, struct Ref r);
/* The block j's jnz goes to when it tests the constant c, or 0 when c
 * is not a number. */
struct Blk *opt_dest(struct Fn *fn, struct Blk *j, struct Ref c);
/* Is b a loop header: does an edge go back to it in reverse
 * post-order (fn->rpo, ids as fillcfg numbered them)? */
int opt_isheader(struct Blk *b);

#endif
