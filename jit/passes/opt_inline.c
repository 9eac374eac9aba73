/* Inlining of small functions defined in the same module.
 *
 * Every function of the module reaches opt_remember() in SSA form,
 * right after QBE's promote and ssa passes (pipeline.c holds them all
 * there until the module is parsed): a C front end's naive IL has all
 * its locals in stack slots, and only after promotion do its small
 * helpers look small. opt_remember() counts the calls to each function
 * and keeps a copy of those that may be inlined, after tail recursion
 * elimination. In the real pass a call to one of them,
 * `%r =k call $g(args)`, splits its block: the part before the call
 * jumps into a fresh copy of $g's blocks, whose parameters are copies
 * of args and whose returns give %r (one return: a copy; several: a
 * phi) and jump to the part after the call. The copy is in SSA form
 * like its caller; QBE's load elimination, GVN and GCM run after it.
 * The copies may call again; inlining goes ROUNDS levels deep, so a
 * recursive function is unrolled that many times into its callers
 * (and into itself), within a size budget.
 *
 * The cost model (worth): size is what the callee will cost, its
 * instructions and phis without copies (most vanish in GVN and
 * register allocation). What inlining saves is the call's own work
 * (argument moves, call, frame, return) each time it runs, and what it
 * costs is compile time (every copy goes through QBE's later passes),
 * paid once. So a tiny callee, at most TINYSIZE, is inlined anywhere,
 * and others only where the call runs often: in a loop of the caller
 * (QBE's loop nest estimate) or in a recursive caller. There a callee
 * of at most MAXSIZE is inlined, up to ONCESIZE when it is the only
 * call to it in the module (there is one copy only). Each function may
 * grow by GROWTH through inlining. A callee with a loop is not inlined
 * (unless the loop is its own recursion, as tail recursion elimination
 * leaves fib: inlining then unrolls it): its time goes to the loop, so
 * the call saved is noise, while the copy adds the loop's live values
 * to the caller's register pressure and compile time. Measured on tests/cbench at -O0 with
 * such callees inlined up to 30: strsearch ran 11% more instructions,
 * the CoreMark-like mix 6%, and a recursive quicksort's partition loop
 * inlined into itself ran slower and compiled ten times slower.
 *
 * Only calls whose callee is known are inlined: external symbols
 * (printf) and calls through pointers stay calls, and so do functions
 * with aggregate parameters or results, variadic ones and those that
 * keep a stack slot (opt_params). */
#include "all.h"
#include "opt.h"

enum {
	TINYSIZE = 6,   /* size of a function worth inlining anywhere */
	MAXSIZE = 40,   /* ... where the call runs often */
	ONCESIZE = 80,  /* ... there, when it is the only call to it */
	ROUNDS = 3,     /* levels of calls inlined into a function */
	GROWTH = 400,   /* instructions inlining may add to a function */
	MAXPAR = 8,     /* parameters whose constants opt_propagate follows */
};

enum { PNone, PConst, PVary };

typedef struct Body Body;

/* A function kept for inlining; blocks are in fn->start order, so
 * blk[0] is the start block. Phi and jump targets are indices. */
struct Body {
	uint32_t id;
	uint32_t file;  /* its dbgfile (opt_dbgfile) */
	int np, size, nblk, ntmp, ncon;
	int nret;       /* blocks returning, with a value or not */
	int k;          /* class returned, Kx when it returns nothing */
	short *cls;     /* class of each temporary */
	Con *con;
	struct {
		Ins *ins;
		uint nins;
		Phi *phi;       /* .blk holds indices cast to pointers */
		short jmp;
		Ref arg;
		int s1, s2;
	} *blk;
};

/* The module's functions by interned name (open addressing): how many
 * calls name each, and its body when it may be inlined. */
typedef struct Callee Callee;

struct Callee {
	uint32_t key;   /* interned name + 1; 0: free */
	uint ncall;
	Fn *fn;         /* until opt_snapshot() */
	uint32_t file;  /* fn's dbgfile */
	Body *bd;
	int defined;    /* the module defines it (opt_defines) */
	/* What the calls pass (opt_propagate): par[k] is PNone until a
	 * call is seen, PConst while every call passes parc[k] (or, in
	 * a call of the function to itself, its own parameter k), PVary
	 * after; park[k] is 1 + the class every call passes argument k
	 * as, 0 before the first call, -1 if calls differ or one does not
	 * pass it: a parameter of another class than an argument before
	 * it or at its place is in another register than the call put
	 * the constant in. addr: the symbol is used other than as a call's target
	 * (stored, passed, in data), so calls may come from elsewhere. */
	uchar par[MAXPAR];
	Con parc[MAXPAR];
	short park[MAXPAR];
	int addr;
};

static Callee *tab;
static uint ntab, nused;  /* ntab a power of 2 */

static Callee *
entry(uint32_t id)
{
	Callee *old;
	uint h, n, j;

	if (2 * (nused + 1) > ntab) {
		old = tab;
		n = ntab;
		ntab = ntab ? 2*ntab : 64;
		tab = emalloc(ntab * sizeof tab[0]);
		nused = 0;
		for (j=0; j<n; j++)
			if (old[j].key)
				*entry(old[j].key - 1) = old[j];
		free(old);
	}
	for (h=id*0x9e3779b1u;; h++) {
		h &= ntab - 1;
		if (tab[h].key == id + 1)
			return &tab[h];
		if (!tab[h].key) {
			nused++;
			tab[h].key = id + 1;
			return &tab[h];
		}
	}
}

static Callee *
lookup(uint32_t id)
{
	uint h;

	if (!ntab)
		return 0;
	for (h=id*0x9e3779b1u;; h++) {
		h &= ntab - 1;
		if (tab[h].key == id + 1)
			return &tab[h];
		if (!tab[h].key)
			return 0;
	}
}

int
opt_defines(const char *name)
{
	Callee *e;

	e = lookup(intern((char *)name));
	return e && e->defined;
}

/* The symbol a direct call names, or -1. */
static int64_t
target(Fn *fn, Ins *i)
{
	Con *c;

	if (i->op != Ocall || rtype(i->arg[0]) != RCon)
		return -1;
	c = &fn->con[i->arg[0].val];
	if (c->type != CAddr || c->sym.type != SGlo || c->bits.i != 0)
		return -1;
	return c->sym.id;
}

static int
inssize(Ins *i)
{
	switch (i->op) {
	case Ocopy: case Onop: case Odbgloc: case Opar:
		return 0;
	default:
		return 1;
	}
}

static int
fnsize(Fn *fn)
{
	Blk *b;
	Phi *p;
	Ins *i;
	int n;

	n = 0;
	for (b=fn->start; b; b=b->link) {
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			n += inssize(i);
		for (p=b->phi; p; p=p->link)
			n++;
	}
	return n;
}

static int
hascall(Blk *b)
{
	Ins *i;

	for (i=b->ins; i<&b->ins[b->nins]; i++)
		if (i->op == Ocall)
			return 1;
	return 0;
}

/* Depth-first from b over the blocks without calls; a successor on
 * the DFS stack closes a loop. mark: 0 new, 1 on the stack, 2 done. */
static int
loopfrom(Blk *b, char *mark)
{
	Blk *s[2];
	int n;

	if (hascall(b))
		return 0;
	mark[b->id] = 1;
	s[0] = b->s1;
	s[1] = b->s2;
	for (n=0; n<2; n++) {
		if (!s[n] || hascall(s[n]))
			continue;
		if (mark[s[n]->id] == 1
		|| (mark[s[n]->id] == 0 && loopfrom(s[n], mark)))
			return 1;
	}
	mark[b->id] = 2;
	return 0;
}

/* Whether fn has a loop none of whose blocks calls. */
static int
workloop(Fn *fn)
{
	Blk *b;
	char *mark;
	int found;

	mark = emalloc(fn->nblk);
	memset(mark, 0, fn->nblk);
	found = 0;
	for (b=fn->start; b && !found; b=b->link)
		if (!mark[b->id])
			found = loopfrom(b, mark);
	free(mark);
	return found;
}

static int
callsself(Fn *fn, uint32_t id)
{
	Blk *b;
	Ins *i;

	for (b=fn->start; b; b=b->link)
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (target(fn, i) == id)
				return 1;
	return 0;
}

/* Whether fn calls anything but itself (malloc, printf, another helper). */
static int
callsother(Fn *fn, uint32_t id)
{
	Blk *b;
	Ins *i;

	for (b=fn->start; b; b=b->link)
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (i->op == Ocall && target(fn, i) != id)
				return 1;
	return 0;
}

static int
samecon(Con *a, Con *b)
{
	return a->type == b->type && a->bits.i == b->bits.i && a->flt == b->flt
		&& (a->type != CAddr || (a->sym.type == b->sym.type && a->sym.id == b->sym.id));
}

/* Index of fn's parameter r (a temporary a `par` defines), or -1. */
static int
parindex(Fn *fn, Ref r)
{
	Ins *i;

	if (rtype(r) != RTmp || !fn->tmp[r.val].def || fn->tmp[r.val].def->op != Opar)
		return -1;
	for (i=fn->start->ins; i<&fn->start->ins[fn->start->nins]; i++)
		if (req(i->to, r))
			return i - fn->start->ins;
	return -1;
}

/* What the call at b->ins[ci] passes to the callee e. */
static void
noteargs(Fn *fn, Blk *b, uint ci, Callee *e, int self)
{
	Con *c;
	Ref r;
	int first, k, n;

	first = opt_callargs(b, ci);
	n = first < 0 ? 0 : (int)ci - first;
	for (k=0; k<MAXPAR; k++) {
		if (k >= n)
			e->park[k] = -1;
		else if (e->park[k] == 0)
			e->park[k] = 1 + b->ins[first+k].cls;
		else if (e->park[k] != 1 + b->ins[first+k].cls)
			e->park[k] = -1;
		if (e->par[k] == PVary)
			continue;
		if (k >= n) {	/* an argument it does not pass, or not plainly */
			e->par[k] = PVary;
			continue;
		}
		r = opt_copied(fn, b->ins[first+k].arg[0]);
		if (self && parindex(fn, r) == k)
			continue;
		if (rtype(r) != RCon) {
			e->par[k] = PVary;
			continue;
		}
		c = &fn->con[r.val];
		if (e->par[k] == PNone) {
			e->par[k] = PConst;
			e->parc[k] = *c;
		} else if (!samecon(&e->parc[k], c))
			e->par[k] = PVary;
	}
}

/* A function's symbol used as a value: it may be called from anywhere. */
static void
noteaddr(Fn *fn, Ref r)
{
	Con *c;

	if (rtype(r) != RCon)
		return;
	c = &fn->con[r.val];
	if (c->type == CAddr && c->sym.type == SGlo)
		entry(c->sym.id)->addr = 1;
}

static void
countcalls(Fn *fn)
{
	Blk *b;
	Ins *i;
	Phi *p;
	int64_t id;
	uint n, self;

	self = intern(fn->name);
	for (b=fn->start; b; b=b->link) {
		for (p=b->phi; p; p=p->link)
			for (n=0; n<p->narg; n++)
				noteaddr(fn, p->arg[n]);
		for (i=b->ins; i<&b->ins[b->nins]; i++) {
			if ((id = target(fn, i)) >= 0) {
				entry(id)->ncall++;
				noteargs(fn, b, i - b->ins, entry(id), id == self);
			} else
				noteaddr(fn, i->arg[0]);
			noteaddr(fn, i->arg[1]);
		}
		noteaddr(fn, b->jmp.arg);
	}
}

void
opt_dataref(Dat *d)
{
	if (d->type != DStart && d->type != DEnd && d->type != DZ && d->isref)
		entry(intern(d->u.ref.name))->addr = 1;
}

/* Whether every use of t, through copies, is as the target of a call
 * or an argument of one. */
static int
calledonly(Fn *fn, Ref t, int depth)
{
	Tmp *tp;
	Ins *i;
	uint n;

	tp = &fn->tmp[t.val];
	for (n=0; n<tp->nuse; n++) {
		if (tp->use[n].type != UIns)
			return 0;
		i = tp->use[n].u.ins;
		if (i->op == Ocopy && depth < 8 && rtype(i->to) == RTmp
		&& calledonly(fn, i->to, depth + 1))
			continue;
		/* passed along (to a recursive call): a lea instead of a move */
		if (i->op == Oarg)
			continue;
		if (i->op != Ocall || !req(i->arg[0], t))
			return 0;
	}
	return 1;
}

/* Parameters every call in the module passes the same constant become
 * that constant (the element size a recursive sort passes along, so its
 * memcpy has a known size): only in a function the module alone can
 * call, not exported and whose address is not taken. A symbol's
 * address only where the function calls it or passes it on (a
 * comparator, and a recursion passing it along):
 * isel cannot index from a RIP-relative address, so a data address in
 * place of a register costs a lea at each use. Returns how many. */
/* *u, if it is one of the parameters par[0..np), replaced by its
 * constant (R: it stays) */
static void
subst(Ref *u, Ref *par, Ref *con, int np)
{
	int k;

	for (k=0; k<np; k++)
		if (req(*u, par[k])) {
			if (!req(con[k], R))
				*u = con[k];
			return;
		}
}

int
opt_propagate(Fn *fn)
{
	Callee *e;
	Blk *b;
	Ins *i;
	Phi *p;
	Ref par[MAXPAR], con[MAXPAR], *u;
	uint n;
	int np, done;

	e = lookup(intern(fn->name));
	if (!e || e->addr || !e->ncall || fn->lnk.export)
		return 0;
	/* the calls pass what the parameters are, class by class: checked
	 * for all of them first, since newcon() below adds to fn's constants */
	for (i=fn->start->ins, np=0; i<&fn->start->ins[fn->start->nins] && i->op == Opar
	&& np < MAXPAR; i++, np++)
		if (e->park[np] != 1 + i->cls)
			return 0;
	done = 0;
	np = 0;
	for (i=fn->start->ins; i<&fn->start->ins[fn->start->nins] && i->op == Opar
	&& np < MAXPAR; i++, np++) {
		par[np] = i->to;
		con[np] = R;
		if (e->par[np] == PConst
		&& (e->parc[np].type == CBits || calledonly(fn, i->to, 0))) {
			con[np] = newcon(&e->parc[np], fn);
			done++;
		}
	}
	if (!done)
		return 0;
	for (b=fn->start; b; b=b->link) {
		for (p=b->phi; p; p=p->link)
			for (n=0; n<p->narg; n++)
				subst(&p->arg[n], par, con, np);
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			for (u=i->arg; u<&i->arg[2]; u++)
				subst(u, par, con, np);
		subst(&b->jmp.arg, par, con, np);
	}
	filluse(fn);
	return done;
}

/* Count fn's calls and note where fn is: its body is copied, if it may
 * be inlined, when the whole module is known (opt_snapshot), so the
 * functions nothing calls cost nothing. */
void
opt_remember(Fn *fn)
{
	Callee *e;

	countcalls(fn);
	e = entry(intern(fn->name));
	e->defined = 1;
	if (!e->fn && !e->bd) {
		e->fn = fn;
		e->file = opt_dbgfile;
	}
}

/* Whether fn has a loop: a jump back in reverse post-order. */
static int
hasloop(Fn *fn)
{
	Blk *b;

	for (b=fn->start; b; b=b->link)
		if (opt_isheader(b))
			return 1;
	return 0;
}

static void
keep(Callee *e, Fn *fn)
{
	Body *bd;
	Blk *b, **order;
	Phi *p, *q, **pp;
	int np, n, j, t, size;
	uint *idx;

	np = opt_params(fn);
	if (np < 0 || (size = fnsize(fn)) > ONCESIZE || workloop(fn))
		return;
	/* a loop that calls: worth it only as recursion unrolled */
	if (hasloop(fn) && !callsself(fn, e->key - 1))
		return;
	/* Recursion around calls elsewhere (a tree built with malloc,
	 * released with free): the time goes to those calls, so unrolling
	 * saves little, while every copy is compiled again and again;
	 * binary_trees' compile grew 5.7x, 8 M to 47 M instructions, for
	 * no fewer in its run.  Pure recursion (fib, a node count) stays. */
	if (callsself(fn, e->key - 1) && callsother(fn, e->key - 1))
		return;
	bd = emalloc(sizeof *bd);
	e->bd = bd;
	bd->id = e->key - 1;
	bd->file = e->file;
	bd->np = np;
	bd->size = size;
	bd->k = Kx;
	bd->nret = 0;
	bd->ntmp = fn->ntmp;
	bd->cls = emalloc(fn->ntmp * sizeof bd->cls[0]);
	for (t=0; t<fn->ntmp; t++)
		bd->cls[t] = fn->tmp[t].cls;
	bd->ncon = fn->ncon;
	bd->con = emalloc(fn->ncon * sizeof bd->con[0]);
	memcpy(bd->con, fn->con, fn->ncon * sizeof bd->con[0]);
	n = 0;
	for (b=fn->start; b; b=b->link)
		n++;
	bd->nblk = n;
	bd->blk = emalloc(n * sizeof bd->blk[0]);
	order = emalloc(n * sizeof order[0]);
	idx = emalloc(fn->nblk * sizeof idx[0]);
	for (j=0, b=fn->start; b; b=b->link, j++) {
		order[j] = b;
		idx[b->id] = j;
	}
	for (j=0; j<n; j++) {
		b = order[j];
		bd->blk[j].nins = b->nins;
		bd->blk[j].ins = emalloc((b->nins + 1) * sizeof(Ins));
		memcpy(bd->blk[j].ins, b->ins, b->nins * sizeof(Ins));
		bd->blk[j].jmp = b->jmp.type;
		bd->blk[j].arg = b->jmp.arg;
		bd->blk[j].s1 = b->s1 ? (int)idx[b->s1->id] : -1;
		bd->blk[j].s2 = b->s2 ? (int)idx[b->s2->id] : -1;
		if (isret(b->jmp.type)) {
			if (b->jmp.type != Jret0)
				bd->k = b->jmp.type - Jretw;
			bd->nret++;
		}
		pp = &bd->blk[j].phi;
		for (p=b->phi; p; p=p->link) {
			q = emalloc(sizeof *q);
			*q = *p;
			q->arg = emalloc(p->narg * sizeof q->arg[0]);
			q->blk = emalloc(p->narg * sizeof q->blk[0]);
			memcpy(q->arg, p->arg, p->narg * sizeof q->arg[0]);
			for (t=0; t<(int)p->narg; t++)
				q->blk[t] = (Blk *)(uintptr_t)idx[p->blk[t]->id];
			q->link = 0;
			*pp = q;
			pp = &q->link;
		}
	}
	free(order);
	free(idx);
}

void
opt_snapshot(void)
{
	uint j;

	for (j=0; j<ntab; j++)
		if (tab[j].fn) {
			if (tab[j].ncall)
				keep(&tab[j], tab[j].fn);
			tab[j].fn = 0;
		}
}

static void
freebody(Body *bd)
{
	Phi *p, *q;
	int j;

	for (j=0; j<bd->nblk; j++) {
			free(bd->blk[j].ins);
			for (p=bd->blk[j].phi; p; p=q) {
				q = p->link;
				free(p->arg);
				free(p->blk);
				free(p);
			}
		}
	free(bd->blk);
	free(bd->con);
	free(bd->cls);
	free(bd);
}

void
opt_forget(void)
{
	uint j;

	for (j=0; j<ntab; j++)
		if (tab[j].bd)
			freebody(tab[j].bd);
	free(tab);
	tab = 0;
	ntab = nused = 0;
}

/* The cost model (see the top of the file); hot: the call runs often. */
static int
worth(Body *bd, uint ncall, int hot)
{
	if (bd->size <= TINYSIZE)
		return 1;
	if (!hot)
		return 0;
	return bd->size <= MAXSIZE || (ncall == 1 && bd->size <= ONCESIZE);
}

/* The body $g of `call $g`, if this call can be replaced by it. */
static Body *
callee(Fn *fn, Blk *b, uint ci, int rec)
{
	Ins *i;
	Callee *e;
	Body *bd;
	int64_t id;
	int a, n;

	i = &b->ins[ci];
	id = target(fn, i);
	if (id < 0 || !req(i->arg[1], R))
		return 0;
	e = lookup(id);
	if (!e || !(bd = e->bd) || !worth(bd, e->ncall, rec || b->loop > 1))
		return 0;
	if (!req(i->to, R) && bd->k != i->cls)
		return 0;
	a = opt_callargs(b, ci);
	if (a < 0 || (int)ci - a != bd->np)
		return 0;
	for (n=0; n<bd->np; n++)
		if (b->ins[a+n].cls != bd->blk[0].ins[n].cls)
			return 0;
	return bd;
}

typedef struct Map Map;

struct Map {
	Ref *tmp, *con;
	Blk **blk;
	Ins at;         /* the dbgloc in force at the call, or a nop */
	int samefile;   /* the callee's dbglocs are of the caller's file */
};

static Ref
mapref(Map *m, Ref r)
{
	if (req(r, R))
		return r;
	switch (rtype(r)) {
	case RTmp:
		return m->tmp[r.val];
	case RCon:
		return m->con[r.val];
	default:
		return r;
	}
}

/* Successors of b name it in their phis; after the split they must
 * name the block holding b's jump. */
static void
renamepred(Blk *s, Blk *from, Blk *to)
{
	Phi *p;
	uint n;

	if (!s)
		return;
	for (p=s->phi; p; p=p->link)
		for (n=0; n<p->narg; n++)
			if (p->blk[n] == from)
				p->blk[n] = to;
}

/* Copy block j of bd; its returns jump to cont, either assigning the
 * call's result or, when ret is not null, adding to the phi ret. */
static void
copyblk(Fn *fn, Map *m, Body *bd, int j, Ins *args, Ins *call, Blk *cont, Phi *ret)
{
	Blk *b;
	Ins *v, *i;
	Phi *p, *q, **pp;
	Ref r, arg;
	uint n, a;

	b = m->blk[j];
	v = emalloc((bd->blk[j].nins + 1) * sizeof v[0]);
	for (n=0, a=0; n<bd->blk[j].nins; n++) {
		i = &bd->blk[j].ins[n];
		if (i->op == Opar)
			v[n] = (Ins){Ocopy, i->cls, mapref(m, i->to), {args[a++].arg[0], R}};
		else if (i->op == Odbgloc && !m->samefile)
			v[n] = m->at;   /* a line of another file: the call's */
		else
			v[n] = (Ins){i->op, i->cls, mapref(m, i->to),
				{mapref(m, i->arg[0]), mapref(m, i->arg[1])}};
	}
	b->jmp.type = bd->blk[j].jmp;
	b->jmp.arg = mapref(m, bd->blk[j].arg);
	b->s1 = bd->blk[j].s1 >= 0 ? m->blk[bd->blk[j].s1] : 0;
	b->s2 = bd->blk[j].s2 >= 0 ? m->blk[bd->blk[j].s2] : 0;
	if (isret(b->jmp.type)) {
		/* A bare ret (QBE parses one in a function of any class)
		 * leaves the result undefined, but defined on every path:
		 * cont's phi has an argument for each of its predecessors. */
		arg = b->jmp.type == Jret0 ? UNDEF : b->jmp.arg;
		if (!req(call->to, R)) {
			if (ret) {
				/* one definition each, for cont's phi */
				r = newtmp("inl.ret", call->cls, fn);
				v[n++] = (Ins){Ocopy, call->cls, r, {arg, R}};
				ret->arg[ret->narg] = r;
				ret->blk[ret->narg++] = b;
			} else
				v[n++] = (Ins){Ocopy, call->cls, call->to, {arg, R}};
		}
		b->jmp.type = Jjmp;
		b->jmp.arg = R;
		b->s1 = cont;
		b->s2 = 0;
	}
	opt_setins(b, v, n);
	free(v);
	pp = &b->phi;
	for (p=bd->blk[j].phi; p; p=p->link) {
		q = alloc(sizeof *q);
		*q = *p;
		q->to = mapref(m, p->to);
		q->arg = vnew(p->narg, sizeof q->arg[0], PFn);
		q->blk = vnew(p->narg, sizeof q->blk[0], PFn);
		for (n=0; n<p->narg; n++) {
			q->arg[n] = mapref(m, p->arg[n]);
			q->blk[n] = m->blk[(uintptr_t)p->blk[n]];
		}
		q->link = 0;
		*pp = q;
		pp = &q->link;
	}
}

/* Replace the call at b->ins[ci] by a copy of bd. */
static void
inlinecall(Fn *fn, Blk *b, uint ci, Body *bd)
{
	Map m;
	Blk *cont, *last;
	Ins *args, *v, call;
	Phi *ret;
	uint a, k;
	int t, c, j;

	a = opt_callargs(b, ci);
	call = b->ins[ci];
	/* Debug lines: the copy keeps the callee's when they are of the
	 * caller's file (a dbgloc has no file), and what follows it gets
	 * the call's line back. */
	m.at = (Ins){.op = Onop};
	for (k=ci; k-- > 0;)
		if (b->ins[k].op == Odbgloc) {
			m.at = b->ins[k];
			break;
		}
	m.samefile = bd->file == opt_dbgfile;
	m.tmp = emalloc(bd->ntmp * sizeof m.tmp[0]);
	for (t=0; t<Tmp0; t++)
		m.tmp[t] = TMP(t);
	for (; t<bd->ntmp; t++)
		m.tmp[t] = newtmp(0, bd->cls[t], fn);  /* unnamed: no sprintf */
	m.con = emalloc(bd->ncon * sizeof m.con[0]);
	m.con[0] = UNDEF;
	for (c=1; c<bd->ncon; c++)
		m.con[c] = newcon(&bd->con[c], fn);
	m.blk = emalloc(bd->nblk * sizeof m.blk[0]);
	for (j=0; j<bd->nblk; j++) {
		m.blk[j] = newblk();
		m.blk[j]->id = fn->nblk++;
		m.blk[j]->loop = b->loop;
		strcpy(m.blk[j]->name, "inl");
	}
	/* cont: what followed the call */
	cont = newblk();
	cont->id = fn->nblk++;
	cont->loop = b->loop;
	strcpy(cont->name, "inl.cont");
	if (m.at.op == Odbgloc) {
		v = emalloc((b->nins - ci) * sizeof v[0]);
		v[0] = m.at;
		memcpy(v + 1, &b->ins[ci+1], (b->nins - ci - 1) * sizeof v[0]);
		opt_setins(cont, v, b->nins - ci);
		free(v);
	} else
		opt_setins(cont, &b->ins[ci+1], b->nins - ci - 1);
	cont->jmp = b->jmp;
	cont->s1 = b->s1;
	cont->s2 = b->s2;
	renamepred(b->s1, b, cont);
	if (b->s2 != b->s1)
		renamepred(b->s2, b, cont);
	/* Several returns meet in a phi of cont: QBE's ssa pass leaves a
	 * temporary used by a phi alone, so the call's result (which may
	 * be one) must not be assigned in several blocks. */
	ret = 0;
	if (bd->nret > 1 && !req(call.to, R)) {
		ret = alloc(sizeof *ret);
		ret->to = newtmp("inl.phi", call.cls, fn);
		ret->cls = call.cls;
		ret->arg = vnew(bd->nret, sizeof ret->arg[0], PFn);
		ret->blk = vnew(bd->nret, sizeof ret->blk[0], PFn);
		ret->narg = 0;
		ret->link = 0;
		cont->phi = ret;
		v = emalloc((cont->nins + 1) * sizeof v[0]);
		v[0] = (Ins){Ocopy, call.cls, call.to, {ret->to, R}};
		memcpy(v + 1, cont->ins, cont->nins * sizeof v[0]);
		opt_setins(cont, v, cont->nins + 1);
		free(v);
	}
	args = &b->ins[a];
	for (j=0; j<bd->nblk; j++)
		copyblk(fn, &m, bd, j, args, &call, cont, ret);
	/* b: what preceded the call's arguments */
	b->nins = a;
	b->jmp.type = Jjmp;
	b->jmp.arg = R;
	b->s1 = m.blk[0];
	b->s2 = 0;
	last = b;
	cont->link = b->link;
	for (j=0; j<bd->nblk; j++) {
		last->link = m.blk[j];
		last = m.blk[j];
	}
	last->link = cont;
	free(m.tmp);
	free(m.con);
	free(m.blk);
}

typedef struct Call Call;

struct Call {
	Blk *b;
	uint ci;
	Body *bd;
};

static int
anycallee(Fn *fn)
{
	Blk *b;
	Ins *i;
	Callee *e;
	int64_t id;

	for (b=fn->start; b; b=b->link)
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if ((id = target(fn, i)) >= 0 && (e = lookup(id)) && e->bd)
				return 1;
	return 0;
}

/* An alloc in the start block reserves a fixed stack slot; moved to
 * another block by a split it would allocate on every pass. */
static int
allocafter(Blk *b, uint ci)
{
	for (; ci<b->nins; ci++)
		if (isalloc(b->ins[ci].op))
			return 1;
	return 0;
}

void
opt_inline(Fn *fn)
{
	Call *v;
	Blk *b;
	Body *bd;
	uint i, nv, cap;
	int r, rec, budget, done;

	if (!nused || !anycallee(fn))
		return;
	fillloop(fn);
	rec = callsself(fn, intern(fn->name));
	budget = GROWTH;
	done = 0;
	for (r=0; r<ROUNDS && budget > 0; r++) {
		v = 0;
		nv = cap = 0;
		for (b=fn->start; b; b=b->link)
			for (i=0; i<b->nins; i++) {
				bd = callee(fn, b, i, rec);
				if (!bd || (b == fn->start && allocafter(b, i)))
					continue;
				if (nv == cap) {
					cap = cap ? 2*cap : 16;
					v = realloc(v, cap * sizeof v[0]);
					if (!v)
						die("out of memory");
				}
				v[nv++] = (Call){b, i, bd};
			}
		/* last first: splitting a block keeps the earlier calls
		 * of that block where they were */
		for (i=nv; i-- > 0;) {
			if (v[i].bd->size > budget)
				continue;
			/* at least 1: the copy's blocks cost too */
			budget -= v[i].bd->size ? v[i].bd->size : 1;
			inlinecall(fn, v[i].b, v[i].ci, v[i].bd);
			opt_stats.inlined++;
			done++;
		}
		free(v);
		if (nv == 0)
			break;
	}
	if (done) {
		fillcfg(fn);
		filluse(fn);
		filldom(fn);
	}
}
