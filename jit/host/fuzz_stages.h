/* How deep the fuzz targets' executions get: per-stage counters.
 *
 * Each execution sets a bit for every stage it reached (stage_hit());
 * stage_end() counts the bits once per execution, so a module of ten
 * functions that all reach the emitter counts once.  At exit, and every
 * STAGE_FLUSH executions (a run that ends in a crash keeps almost all of
 * its counts), the counts go to the file $FUZZ_STATS as lines
 *
 *	target jit
 *	executions 123456
 *	parsed 80000
 *	...
 *
 * and, at exit after any execution, as one line on stderr
 * ("fuzz-stages: executions 123456 parsed 80000 ...").  jitboot/fuzz.py reads the file for the report.
 *
 * The IL target's stages inside the JIT are seen through the linker's
 * --wrap (components.py FUZZ_WRAPS): jit_compile calls QBE's passes,
 * the assembler and the loader across objects, and --wrap=SYM sends
 * those calls to __wrap_SYM here, which counts and calls __real_SYM. */
#ifndef JIT_HOST_FUZZ_STAGES_H
#define JIT_HOST_FUZZ_STAGES_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define STAGE_FLUSH 2           /* seconds */

struct stage_table {
	const char *target;
	int n;
	const char *const *names;
	unsigned long *counts;
	unsigned long executions;
	unsigned hit;                  /* bits of this execution */
	time_t flushed;
};

static struct stage_table stage_tab;

static void
stage_hit(int s)
{
	stage_tab.hit |= 1u << s;
}

static void
stage_write(void)
{
	const char *path;
	FILE *f;
	int i;

	if (!(path = getenv("FUZZ_STATS")) || !*path || !(f = fopen(path, "w")))
		return;
	fprintf(f, "target %s\nexecutions %lu\n", stage_tab.target, stage_tab.executions);
	for (i = 0; i < stage_tab.n; i++)
		fprintf(f, "%s %lu\n", stage_tab.names[i], stage_tab.counts[i]);
	fclose(f);
}

static void
stage_atexit(void)
{
	int i;

	stage_write();
	if (!stage_tab.executions)
		return;
	fprintf(stderr, "fuzz-stages: executions %lu", stage_tab.executions);
	for (i = 0; i < stage_tab.n; i++)
		fprintf(stderr, " %s %lu", stage_tab.names[i], stage_tab.counts[i]);
	fprintf(stderr, "\n");
}

static void
stage_init(const char *target, const char *const *names, unsigned long *counts, int n)
{
	stage_tab.target = target;
	stage_tab.names = names;
	stage_tab.counts = counts;
	stage_tab.n = n;
	atexit(stage_atexit);
}

/* The end of one execution: count what it reached. */
static void
stage_end(void)
{
	int i;

	for (i = 0; i < stage_tab.n; i++)
		if (stage_tab.hit & 1u << i)
			stage_tab.counts[i]++;
	stage_tab.hit = 0;
	if (++stage_tab.executions % 64 == 0 && time(0) >= stage_tab.flushed + STAGE_FLUSH) {
		stage_tab.flushed = time(0);
		stage_write();
	}
}

/* The JIT's stages, as the IL targets (fuzz_jit, fuzz_diff) see them. */
enum {
	ST_PARSED,      /* the parser read the whole module */
	ST_SSA,         /* a function went into SSA form (QBE's optimiser) */
	ST_REGA,        /* a function reached the register allocator */
	ST_EMIT,        /* a function reached the emitter */
	ST_ASM,         /* the assembly text reached the assembler */
	ST_LOAD,        /* the object reached the loader */
	ST_LOADED,      /* the module was loaded */
	ST_JIT_N,
};

#define ST_JIT_NAMES "parsed", "ssa", "rega", "emit", "asm", "load", "loaded"

#ifdef FUZZ_STAGE_WRAPS
#include "asm.h"
#include "loader.h"

struct Fn;
void __real_ffi_end(const char *inpath);
void __real_ssa(struct Fn *fn);
void __real_rega(struct Fn *fn);
void __real_amd64_emitfn(struct Fn *fn, void *f);
int __real_asm_assemble(const char *text, size_t len, const char *name,
	struct asm_obj **out, struct jit_error *err);
int __real_jit_load_linked(const struct asm_obj *o, jit_lookup_fn lookup, void *ctx,
	struct jit_image **out, struct jit_error *err);
void __wrap_ffi_end(const char *inpath);
void __wrap_ssa(struct Fn *fn);
void __wrap_rega(struct Fn *fn);
void __wrap_amd64_emitfn(struct Fn *fn, void *f);
int __wrap_asm_assemble(const char *text, size_t len, const char *name,
	struct asm_obj **out, struct jit_error *err);
int __wrap_jit_load_linked(const struct asm_obj *o, jit_lookup_fn lookup, void *ctx,
	struct jit_image **out, struct jit_error *err);

void __wrap_ffi_end(const char *inpath) { stage_hit(ST_PARSED); __real_ffi_end(inpath); }
void __wrap_ssa(struct Fn *fn) { stage_hit(ST_SSA); __real_ssa(fn); }
void __wrap_rega(struct Fn *fn) { stage_hit(ST_REGA); __real_rega(fn); }
void __wrap_amd64_emitfn(struct Fn *fn, void *f) { stage_hit(ST_EMIT); __real_amd64_emitfn(fn, f); }

int
__wrap_asm_assemble(const char *text, size_t len, const char *name,
	struct asm_obj **out, struct jit_error *err)
{
	stage_hit(ST_ASM);
	return __real_asm_assemble(text, len, name, out, err);
}

int
__wrap_jit_load_linked(const struct asm_obj *o, jit_lookup_fn lookup, void *ctx,
	struct jit_image **out, struct jit_error *err)
{
	int rc;

	stage_hit(ST_LOAD);
	rc = __real_jit_load_linked(o, lookup, ctx, out, err);
	if (rc == 0)
		stage_hit(ST_LOADED);
	return rc;
}
#endif

#endif
