/* Pass selection and dispatch for our passes (opt.h). */
#include "all.h"
#include "opt.h"

static const struct {
	char *name;
	unsigned bit;
} passtab[] = {
	{"tre", OPT_TRE},
	{"inline", OPT_INLINE},
	{"ext", OPT_EXT},
	{"thread", OPT_THREAD},
	{"cmp", OPT_CMP},
	{"sink", OPT_SINK},
	{"licm", OPT_LICM},
	{"iv", OPT_IV},
	{"rotate", OPT_ROTATE},
	{"builtin", OPT_BUILTIN},
	{"switch", OPT_SWITCH},
	{"fold", OPT_FOLD},
};

enum { NPASS = sizeof passtab / sizeof passtab[0] };

/* jit.h: keep in step with passtab */
const char jit_pass_names[] = "tre,inline,ext,thread,cmp,sink,licm,iv,rotate,builtin,switch,fold";
_Static_assert(sizeof jit_pass_names <= JIT_PASS_SPEC_MAX, "JIT_PASS_SPEC_MAX (jit.h) is too small");
unsigned opt_passes = OPT_ALL;

static unsigned
lookup(const char *s, size_t n)
{
	int i;

	for (i=0; i<NPASS; i++)
		if (strlen(passtab[i].name) == n
		&& strncmp(passtab[i].name, s, n) == 0)
			return passtab[i].bit;
	return 0;
}

int
opt_select(const char *spec)
{
	unsigned set, bit;
	size_t n;

	if (strcmp(spec, "all") == 0) {
		opt_passes = OPT_ALL;
		return 0;
	}
	if (strcmp(spec, "none") == 0 || !*spec) {
		opt_passes = 0;
		return 0;
	}
	set = 0;
	for (;;) {
		for (n=0; spec[n] && spec[n] != ','; n++)
			;
		bit = lookup(spec, n);
		if (!bit)
			return -1;
		set |= bit;
		if (!spec[n])
			break;
		spec += n + 1;
	}
	opt_passes = set;
	return 0;
}

const char *
opt_selected(void)
{
	static char buf[sizeof jit_pass_names];
	size_t n;
	int i;

	n = 0;
	for (i=0; i<NPASS; i++)
		if (opt_passes & passtab[i].bit) {
			if (n)
				buf[n++] = ',';
			strcpy(buf + n, passtab[i].name);
			n += strlen(passtab[i].name);
		}
	buf[n] = 0;
	return n ? buf : "none";
}

struct jit_stats opt_stats;

void
opt_begin(void)
{
	memset(&opt_stats, 0, sizeof opt_stats);
}

/* Inlining needs the bodies of functions defined later in the file,
 * builtin to know that none is named sqrt: pipeline.c then holds every
 * function back at QBE_HOOK_MODULE until the module is parsed, handing
 * each to opt_remember() on the way. */
int
opt_wants_module(void)
{
	return (opt_passes & (OPT_INLINE | OPT_BUILTIN)) != 0;
}

/* Tail recursion elimination runs before opt_remember(), so an
 * inlined recursive function brings its loop along; rotation after
 * it, so that loop is rotated too. */
void
opt_promoted(Fn *fn)
{
	if (opt_passes & OPT_TRE)
		opt_tre(fn);
	if (opt_passes & OPT_ROTATE)
		opt_rotate(fn);
}

void
opt_module(Fn *fn)
{
	if (opt_passes & OPT_INLINE)
		opt_stats.propagated += opt_propagate(fn);
	if (opt_passes & OPT_BUILTIN)
		opt_builtin(fn);
	if (opt_passes & OPT_INLINE)
		opt_inline(fn);
}

void
opt_gcm(Fn *fn)
{
	if (opt_passes & OPT_THREAD)
		opt_thread(fn);
	if (opt_passes & OPT_CMP)
		opt_cmpbr(fn);
}

void
opt_ssa(Fn *fn)
{
	if (opt_passes & OPT_EXT)
		opt_ext(fn);
	if (opt_passes & OPT_LICM)
		opt_licm(fn);
	if (opt_passes & OPT_IV)
		opt_iv(fn);
	if (opt_passes & OPT_SINK)
		opt_sink(fn);
	if (opt_passes & OPT_CMP)
		opt_cmp(fn);
	if (opt_passes & OPT_ROTATE)
		opt_rotcmp(fn);
}

/* After isel the instructions are the target's: fold makes amd64
 * memory operands, switch puts amd64 jump tables (jmptbl) before
 * compare chains, cmp's flags pass drops amd64 compares whose flags are
 * already set. They run for amd64 alone (QBE's T, set by qbe_run); the
 * passes before isel work on IL and run for every target. */
static int
amd64(void)
{
	return strncmp(T.name, "amd64", 5) == 0;
}

void
opt_isel(Fn *fn)
{
	if ((opt_passes & OPT_FOLD) && amd64())
		opt_fold(fn);
}

void
opt_linked(Fn *fn)
{
	if (opt_passes & OPT_ROTATE)
		opt_rotlayout(fn);
	opt_switch_clear();
	if (!amd64())
		return;
	if (opt_passes & OPT_SWITCH)
		opt_switch(fn);
	/* after the tables: their searches' blocks keep their compares */
	if (opt_passes & OPT_CMP)
		opt_cmpflags(fn);
}

Ref
opt_copied(Fn *fn, Ref r)
{
	Ins *d;
	int n;

	for (n=0; n<8 && rtype(r) == RTmp && (d = fn->tmp[r.val].def)
	&& d->op == Ocopy; n++)
		r = d->arg[0];
	return r;
}

int
opt_callargs(Blk *b, uint ci)
{
	uint a;

	for (a=ci; a>0 && isarg(b->ins[a-1].op); a--)
		if (b->ins[a-1].op != Oarg)
			return -1;
	return a;
}

int
opt_params(Fn *fn)
{
	Blk *b;
	Ins *i;
	int np;

	if (fn->vararg || fn->retty != Kx)
		return -1;
	np = 0;
	for (b=fn->start; b; b=b->link) {
		if (b->jmp.type == Jretc || isretbh(b->jmp.type))
			return -1;
		for (i=b->ins; i<&b->ins[b->nins]; i++) {
			if (isalloc(i->op) || i->op == Ovastart)
				return -1;
			if (!ispar(i->op))
				continue;
			if (i->op != Opar || b != fn->start || i != &b->ins[np])
				return -1;
			np++;
		}
	}
	return np;
}

static int
empty(Blk *b)
{
	uint n;

	for (n=0; n<b->nins; n++)
		if (b->ins[n].op != Onop && b->ins[n].op != Odbgloc)
			return 0;
	return 1;
}

Phi *
opt_phibranch(Fn *fn, Blk *j)
{
	Phi *p;

	p = j->phi;
	if (!p || p->link || p->cls != Kw || j->jmp.type != Jjnz
	|| !req(j->jmp.arg, p->to) || fn->tmp[p->to.val].nuse != 1
	|| !empty(j) || j->s1 == j->s2 || j->s1 == j || j->s2 == j)
		return 0;
	return p;
}

void
opt_addarg(Phi *p, Blk *b, Ref r)
{
	vgrow(&p->arg, p->narg + 1);
	vgrow(&p->blk, p->narg + 1);
	p->arg[p->narg] = r;
	p->blk[p->narg] = b;
	p->narg++;
}

Blk *
opt_dest(Fn *fn, Blk *j, Ref c)
{
	Con *k;

	k = &fn->con[c.val];
	if (k->type != CBits)
		return 0;
	return (uint32_t)k->bits.i ? j->s1 : j->s2;
}

void
opt_setins(Blk *b, Ins *v, uint n)
{
	Ins *ins;

	ins = vnew(n, sizeof ins[0], PFn);
	if (n)
		memcpy(ins, v, n * sizeof ins[0]);
	b->ins = ins;
	b->nins = n;
}

int
opt_isheader(Blk *b)
{
	uint n;

	for (n=0; n<b->npred; n++)
		if (b->pred[n]->id >= b->id)
			return 1;
	return 0;
}

void
opt_reset(void)
{
	opt_forget();
	opt_forget_data();
	opt_switch_clear();
}
