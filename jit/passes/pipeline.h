/* The QBE side of the JIT (pipeline.c, compiled with QBE's headers):
 * everything that needs QBE's types stays behind these three calls. */
#ifndef JIT_QBE_PIPELINE_H
#define JIT_QBE_PIPELINE_H

struct shim_file;
struct Fn;

/* Hook points in QBE's pass pipeline, for our own passes. A hook gets
 * the function as the pipeline has it at that point and must leave it
 * consistent (recompute the cfg/use/dom information it invalidates).
 * NULL hooks are skipped. */
enum {
	QBE_HOOK_PARSED,  /* as parsed, before ABI lowering and SSA */
	QBE_HOOK_PROMOTED,/* stack slots promoted to temporaries, not yet
	                   * in SSA form (a temporary may be assigned in
	                   * several places; the ssa pass makes the phis) */
	QBE_HOOK_MODULE,  /* SSA as built, before QBE's optimizations, once
	                   * every function of the module reached it */
	QBE_HOOK_GCM,     /* SSA after GVN and GCM, before if-conversion */
	QBE_HOOK_SSA,     /* SSA after GVN, GCM and if-conversion */
	QBE_HOOK_ISEL,    /* the target's instructions, before liveness, spilling
	                   * and register allocation */
	QBE_HOOK_LINKED,  /* registers allocated, blocks linked in the
	                   * order they are emitted (->link); a hook may
	                   * change that order, not the ids or the cfg */
	QBE_NHOOK,
};
extern void (*qbe_hooks[QBE_NHOOK])(struct Fn *);

/* The QBE target qbe_run compiles for: the machine's own (amd64 System
 * V, or arm64 when built for AArch64), the backend the kernel links. A host tool that links another backend as well points
 * it there (`jitrun -S --target=arm64`: T_arm64 of qbe:arm64/); which
 * of our passes apply follows the target's name (opt.c). */
struct Target;
extern struct Target *qbe_target;

/* Parse the IL in `in`, run the passes, emit the target's assembly to `out`.
 * Errors leave through the shim's error exit: call under shim_try(). */
void qbe_run(struct shim_file *in, const char *name, struct shim_file *out);

/* Line QBE's parser had reached (for errors found after parsing, the
 * end of the function being compiled). */
int qbe_line(void);

/* Forget everything QBE allocated or remembered, after a compile that
 * finished or failed: the next one starts from a clean slate. */
void qbe_reset(void);

#endif
