/* QBE's pass pipeline: the body of func() in QBE's main.c, as a table
 * with named hook points where our own passes go. main.c itself is not
 * compiled into the JIT: its option parsing and target list (which names
 * arm64 and rv64) are not needed; the target is always amd64 System V. */
#include "all.h"
#include "pipeline.h"
#include "opt.h"

/* main.c's globals, which the rest of QBE refers to */
Target T;
char debug['Z'+1];

extern Target T_amd64_sysv;

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
	[QBE_HOOK_PARSED] = opt_parsed,
};

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
static void hook_ssa(Fn *fn) { hook(QBE_HOOK_SSA, fn); }
static void hook_isel(Fn *fn) { hook(QBE_HOOK_ISEL, fn); }

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

static void (*const pipeline[])(Fn *) = {
	nothread,
	hook_parsed,
	abi0, fillcfg, filluse, promote, filluse, ssa, filluse, ssacheck,
	fillalias, loadopt, filluse, fillalias, coalesce, filluse, filldom,
	ssacheck, gvn, fillcfg, simplcfg, filluse, filldom, gcm, filluse,
	ssacheck, ifconv,
	hook_ssa,
	abi1, simpl, fillcfg, filluse, isel, fillcfg,
	hook_isel,
	filllive, fillloop, fillcost, spill, rega, fillcfg, simpljmp, fillcfg,
	linkblocks,
};

static void
func(Fn *fn)
{
	uint i;

	for (i=0; i<sizeof pipeline/sizeof pipeline[0]; i++)
		pipeline[i](fn);
	T.emitfn(fn, outf);
	fprintf(outf, "/* end function %s */\n\n", fn->name);
	freeall();
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
	emitdat(d, outf);
	if (d->type == DEnd) {
		fputs("/* end data */\n\n", outf);
		freeall();
	}
}

static void
dbgfile(char *fn)
{
	emitdbgfile(fn, outf);
}

/* The first parse, for passes that look at the whole module. It
 * refuses what the real one refuses, in the same order, so a bad
 * program gets the same error either way. */
static void
scanfn(Fn *fn)
{
	nothread(fn);
	opt_scan(fn);
	freeall();
}

static void
scandat(Dat *d)
{
	nothreaddat(d);
	if (d->type == DEnd)
		freeall();
}

static void
nodbgfile(char *fn)
{
}

void
qbe_run(FILE *in, const char *name, FILE *out)
{
	T = T_amd64_sysv;
	outf = out;
	if (opt_wants_module()) {
		parse(in, (char *)name, nodbgfile, scandat, scanfn);
		in->inpos = 0;
	}
	parse(in, (char *)name, dbgfile, data, func);
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
