/* QBE's pass pipeline: the body of func() in QBE's main.c, as a table
 * with named hook points where our own passes go. main.c itself is not
 * compiled into the JIT: its option parsing and target list (which names
 * arm64 and rv64) are not needed; the target is the one of the CPU we
 * are compiled for (amd64 System V, or arm64 in the aarch64 kernel)
 * unless a host tool linking another backend sets qbe_target
 * (pipeline.h). */
#include "all.h"
#include "pipeline.h"
#include "opt.h"
#include "ffi.h"

/* main.c's globals, which the rest of QBE refers to */
Target T;
char debug['Z'+1];

#ifdef __aarch64__
extern Target T_arm64;
Target *qbe_target = &T_arm64;
#else
extern Target T_amd64_sysv;
Target *qbe_target = &T_amd64_sysv;
#endif

/* What jitboot/qbe.py's adjustments of amd64/emit.c define: the label
 * counter both emitters share and the jump-table hooks of opt_switch.c.
 * Weak stand-ins here for a build without the amd64 emitter (the aarch64
 * kernel), where the switch pass never runs (opt.c: amd64 alone). */
__attribute__((weak)) int jitboot_id0;
__attribute__((weak)) void (*jitboot_jmptbl)(Ins *, FILE *);
__attribute__((weak)) int (*jitboot_tbltarget)(Blk *);

/* Reset functions appended to QBE's files by jitboot/qbe.py. */
void jitboot_reset_util(void);
void jitboot_reset_parse(void);
void jitboot_reset_emit(void);
void jitboot_reset_ssa(void);
void jitboot_reset_gvn(void);
void jitboot_reset_load(void);
void jitboot_reset_spill(void);
int jitboot_lnum(void);
extern int jitboot_id0;

/* Hook points (pipeline.h): where our own passes go (opt.h). */
void (*qbe_hooks[QBE_NHOOK])(Fn *) = {
	[QBE_HOOK_PROMOTED] = opt_promoted,
	[QBE_HOOK_MODULE] = opt_module,
	[QBE_HOOK_GCM] = opt_gcm,
	[QBE_HOOK_SSA] = opt_ssa,
	[QBE_HOOK_ISEL] = opt_isel,
	[QBE_HOOK_LINKED] = opt_linked,
};

/* parse.c calls it (if set) at the end of the module, while the
 * module's aggregate types still exist (jitboot/qbe.py). */
extern void (*jitboot_parse_end)(void);

static FILE *outf;

/* The loader has no thread-local storage: refuse it with the IL's line
 * instead of an assembler error about .tdata or %fs. */
static void
nothread(Fn *fn)
{
	int i;

	for (i=0; i<fn->ncon; i++)
		if (fn->con[i].type == CAddr && fn->con[i].sym.type == SThr)
			err("thread-local $%s is not supported by the JIT",
				str(fn->con[i].sym.id));
}

static void abi0(Fn *fn) { T.abi0(fn); }
static void abi1(Fn *fn) { T.abi1(fn); }
static void isel(Fn *fn) { T.isel(fn); }
static void hook(int h, Fn *fn) { if (qbe_hooks[h]) qbe_hooks[h](fn); }
static void hook_parsed(Fn *fn) { hook(QBE_HOOK_PARSED, fn); }
static void hook_promoted(Fn *fn) { hook(QBE_HOOK_PROMOTED, fn); }
static void hook_module(Fn *fn) { hook(QBE_HOOK_MODULE, fn); }
static void hook_gcm(Fn *fn) { hook(QBE_HOOK_GCM, fn); }
static void hook_ssa(Fn *fn) { hook(QBE_HOOK_SSA, fn); }
static void hook_isel(Fn *fn) { hook(QBE_HOOK_ISEL, fn); }
static void hook_linked(Fn *fn) { hook(QBE_HOOK_LINKED, fn); }

static void
ifconv(Fn *fn)
{
	if (!T.cansel)
		return;
	ifconvert(fn);
	fillcfg(fn);
	filluse(fn);
	filldom(fn);
	ssacheck(fn);
}

/* Dead code, cycles included: QBE drops an unused instruction in GCM,
 * but a value feeding only phis that feed back into it stays. Load
 * forwarding makes such a cycle of a load in a loop that nothing
 * reads (`%ld =l phi @pre %t, @latch %ld`), and the load stays with
 * it, hoisted out of the loop; a dead induction variable is another.
 * Live is what a jump, a pinned instruction (a store, a call, ...) or
 * a live value uses; phis and the instructions GCM could drop (the
 * unpinned ones, loads, allocs, divisions) go when they are not live. */
static int
removable(Ins *i)
{
	switch (i->op) {
	case Odiv:
	case Orem:
	case Oudiv:
	case Ourem:
		return 1;
	default:
		return !pinned(i) || isload(i->op) || isalloc(i->op);
	}
}

static void
deadcode(Fn *fn)
{
	Blk *b;
	Phi *p, **pp, **phi;
	Ins *i;
	uchar *live;
	uint *stk, nstk, n, t;
	int dead;

	live = emalloc(fn->ntmp);
	phi = emalloc(fn->ntmp * sizeof phi[0]);
	stk = emalloc(fn->ntmp * sizeof stk[0]);
	nstk = 0;
#define USE(r) \
	if (rtype(r) == RTmp && (r).val >= Tmp0 && !live[(r).val]) { \
		live[(r).val] = 1; \
		stk[nstk++] = (r).val; \
	}
	for (b=fn->start; b; b=b->link) {
		for (p=b->phi; p; p=p->link)
			phi[p->to.val] = p;
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (rtype(i->to) != RTmp || i->to.val < Tmp0 || !removable(i)) {
				USE(i->arg[0]);
				USE(i->arg[1]);
			}
		USE(b->jmp.arg);
	}
	while (nstk) {
		t = stk[--nstk];
		if ((i = fn->tmp[t].def)) {
			USE(i->arg[0]);
			USE(i->arg[1]);
		} else if ((p = phi[t]))
			for (n=0; n<p->narg; n++)
				USE(p->arg[n]);
	}
#undef USE
	dead = 0;
	for (b=fn->start; b; b=b->link) {
		for (pp=&b->phi; (p=*pp);)
			if (!live[p->to.val]) {
				*pp = p->link;
				dead = 1;
			} else
				pp = &p->link;
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (rtype(i->to) == RTmp && i->to.val >= Tmp0
			&& !live[i->to.val] && removable(i)) {
				*i = (Ins){.op = Onop};
				dead = 1;
			}
	}
	free(live);
	free(phi);
	free(stk);
	if (dead)
		filluse(fn);
}

/* The emitter walks blocks through ->link in reverse post-order. */
static void
linkblocks(Fn *fn)
{
	uint n;

	assert(fn->rpo[0] == fn->start);
	for (n=0;; n++)
		if (n == fn->nblk-1) {
			fn->rpo[n]->link = 0;
			break;
		} else
			fn->rpo[n]->link = fn->rpo[n+1];
}

/* Functions wait at this entry until the whole module is parsed, when
 * a pass needs to see every function first (opt_wants_module): the
 * inliner takes its callees' bodies as they are here, with their
 * stack slots promoted to SSA temporaries. */
static void waitmodule(Fn *fn) { (void)fn; }

static void (*const pipeline[])(Fn *) = {
	nothread,
	hook_parsed,
	abi0, fillcfg, filluse, promote, filluse,
	hook_promoted,
	ssa, filluse, ssacheck,
	waitmodule,
	hook_module,
	fillalias, loadopt, filluse, fillalias, coalesce, filluse, filldom,
	ssacheck, gvn, fillcfg, simplcfg, filluse, deadcode, filldom, gcm, filluse,
	ssacheck,
	hook_gcm,
	ifconv,
	hook_ssa,
	abi1, simpl, fillcfg, filluse, isel, fillcfg,
	hook_isel,
	filllive, fillloop, fillcost, spill, rega, fillcfg, simpljmp, fillcfg,
	linkblocks,
	hook_linked,
};

enum { NPIPE = sizeof pipeline / sizeof pipeline[0] };

/* The functions waiting at waitmodule, in the module's order, and the
 * dbgfile in force where each was parsed (interned, +1: 0 is none). */
static Fn **waiting;
static uint32_t *waitfile;
static uint nwaiting;

/* The last dbgfile directive (interned, +1), and the one QBE's emitter
 * now writes its .loc lines for. */
static uint32_t curfile, emitfile;
uint32_t opt_dbgfile;

static void
runfrom(uint i, Fn *fn, uint32_t file)
{
	/* A waiting function is emitted after every dbgfile of the module
	 * was read: point the emitter's .loc lines back at its own file
	 * (emitdbgfile prints a known file's .file line only once). */
	if (file && file != emitfile) {
		emitdbgfile(str(file - 1), outf);
		emitfile = file;
	}
	opt_dbgfile = file;
	for (; i<NPIPE; i++)
		pipeline[i](fn);
	T.emitfn(fn, outf);
	fprintf(outf, "/* end function %s */\n\n", fn->name);
}

static uint
waitpoint(void)
{
	uint i;

	for (i=0; pipeline[i] != waitmodule; i++)
		;
	return i;
}

static void
func(Fn *fn)
{
	uint i;

	ffi_defined(fn);
	for (i=0; pipeline[i] != waitmodule; i++)
		pipeline[i](fn);
	if (waiting) {
		opt_remember(fn);
		vgrow(&waiting, ++nwaiting);
		vgrow(&waitfile, nwaiting);
		waiting[nwaiting-1] = fn;
		waitfile[nwaiting-1] = curfile;
		return;
	}
	runfrom(i, fn, curfile);
	freeall();
}

/* Everything is parsed: the waiting functions go on, one by one. Their
 * memory is QBE's per-function pool, so it is freed once, here. */
static void
moduleend(void)
{
	uint i, w;

	w = waitpoint();
	opt_snapshot();
	for (i=0; i<nwaiting; i++)
		runfrom(w, waiting[i], waitfile[i]);
	freeall();
	vfree(waiting);
	vfree(waitfile);
	waiting = 0;
	waitfile = 0;
	nwaiting = 0;
}

static void
nothreaddat(Dat *d)
{
	if (d->type == DStart && d->lnk->thread)
		err("thread-local data $%s is not supported by the JIT", d->name);
}

static void
data(Dat *d)
{
	nothreaddat(d);
	opt_data(d);
	opt_dataref(d);
	emitdat(d, outf);
	if (d->type == DEnd) {
		fputs("/* end data */\n\n", outf);
		if (!waiting)
			freeall();
	}
}

static void
dbgfile(char *fn)
{
	curfile = emitfile = opt_dbgfile = intern(fn) + 1;
	emitdbgfile(fn, outf);
}

void
qbe_run(FILE *in, const char *name, FILE *out)
{
	T = *qbe_target;
	outf = out;
	curfile = emitfile = opt_dbgfile = 0;
	opt_begin();
	if (opt_wants_module()) {
		waiting = vnew(0, sizeof waiting[0], PHeap);
		waitfile = vnew(0, sizeof waitfile[0], PHeap);
		nwaiting = 0;
		jitboot_parse_end = moduleend;
	}
	ffi_begin();
	parse(in, (char *)name, dbgfile, data, func);
	jitboot_parse_end = 0;
	ffi_end(name);
	T.emitfin(outf);
}

int
qbe_line(void)
{
	return jitboot_lnum();
}

void
qbe_reset(void)
{
	opt_reset();
	ffi_reset();
	waiting = 0;
	waitfile = 0;
	nwaiting = 0;
	curfile = emitfile = opt_dbgfile = 0;
	jitboot_parse_end = 0;
	shim_heap_release();
	jitboot_reset_util();
	jitboot_reset_parse();
	jitboot_reset_emit();
	jitboot_reset_ssa();
	jitboot_reset_gvn();
	jitboot_reset_load();
	jitboot_reset_spill();
	jitboot_id0 = 0;
	outf = 0;
}
