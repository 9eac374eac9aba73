/* Loop-invariant loads hoisted out of loops.
 *
 * QBE's GCM moves pure instructions out of loops but never a load (loads
 * are pinned), and naive IL reads struct fields and globals again on
 * every iteration: `i < p->len` loads p->len each time round. A load is
 * moved to the loop's preheader when
 *	- its address is loop-invariant (defined outside the loop, or by an
 *	  instruction already moved out);
 *	- nothing in the loop may write what it reads: no call (any call
 *	  may write any memory), no vastart, vaarg or blit, and no store
 *	  that QBE's alias analysis (fillalias, alias()) does not prove
 *	  disjoint: a store to another stack slot, or through the same base
 *	  at an offset that does not overlap, is fine; one through a pointer
 *	  it knows nothing about is not;
 *	- it runs on every iteration that goes round again (its block
 *	  dominates every latch, and no inner loop stands between the
 *	  header and it), so moving it out does not load what the loop
 *	  seldom needs;
 *	- executing it before the loop cannot fault where the program would
 *	  not have: its block also dominates every exiting block (whenever
 *	  the loop is entered it runs), or it reads a stack slot or data of
 *	  the module within bounds. A load behind a condition (a null check)
 *	  stays where it is, and so does one through a pointer in the body
 *	  of a loop tested at the top (which may run zero times).
 * Floating-point constants the loop's compares use go out too, once
 * each, in loops without calls (floatcons()): QBE loads a double
 * constant from memory at every use, and `x <= 4.0` needs it in a
 * register.
 * Pure instructions that become invariant once their operands are moved
 * out (the address arithmetic of a field of a hoisted pointer, `q->next`
 * once q is known) follow them, and so does the next load; comparisons
 * stay, as isel fuses them with the branch that uses them.
 *
 * Loops are the natural loops of QBE's dominators: a header h with back
 * edges from blocks it dominates (a retreating edge whose source h does
 * not dominate makes the loop irreducible, and it is left alone). Inner
 * loops go first, so a value moved to an inner preheader can leave the
 * outer loop too. The preheader is the header's only outside
 * predecessor when that one jumps to it alone; otherwise a new block
 * takes every edge from outside (with phis for the header's phis when
 * there were several) and jumps to the header.
 *
 * Runs at QBE_HOOK_SSA, after GVN and GCM (use information is fresh). */
#include "all.h"
#include "opt.h"

typedef struct Loop Loop;

struct Loop {
	Blk *hd;
	uchar *in;     /* in[b->id]: b belongs to the loop */
	uchar *var;    /* var[t]: temporary t is defined in the loop */
	uchar *need;   /* need[t]: an instruction moving out uses t */
	Ins **st;      /* the loop's stores */
	uint nst;
	int dirty;     /* a call, vaarg, vastart or blit: memory unknown */
	int calls;     /* a call: no register survives it */
};

static void
mark(Loop *l, Blk *b)
{
	uint n;

	if (l->in[b->id])
		return;
	l->in[b->id] = 1;
	for (n=0; n<b->npred; n++)
		mark(l, b->pred[n]);
}

/* The blocks of h's loop; 0 when the loop is irreducible. */
static int
body(Fn *fn, Loop *l, Blk *h)
{
	uint n;
	Blk *p;

	memset(l->in, 0, fn->nblk);
	l->hd = h;
	l->in[h->id] = 1;
	for (n=0; n<h->npred; n++) {
		p = h->pred[n];
		if (p->id < h->id)
			continue;
		if (!dom(h, p))
			return 0;
		mark(l, p);
	}
	return 1;
}

static void
scan(Fn *fn, Loop *l)
{
	Blk *b;
	Phi *p;
	Ins *i;
	uint id;

	memset(l->var, 0, fn->ntmp);
	l->nst = 0;
	l->dirty = 0;
	l->calls = 0;
	for (id=l->hd->id; id<fn->nblk; id++) {
		if (!l->in[id])
			continue;
		b = fn->rpo[id];
		for (p=b->phi; p; p=p->link)
			l->var[p->to.val] = 1;
		for (i=b->ins; i<&b->ins[b->nins]; i++) {
			if (!req(i->to, R))
				l->var[i->to.val] = 1;
			if (isstore(i->op)) {
				vgrow(&l->st, l->nst + 1);
				l->st[l->nst++] = i;
			}
			switch (i->op) {
			case Ocall:
				l->calls = 1;
				/* fall through */
			case Ovaarg:
			case Ovastart:
			case Oblit0:
			case Oblit1:
				l->dirty = 1;
			}
		}
	}
}

static int
invariant(Loop *l, Ref r)
{
	if (rtype(r) != RTmp)
		return 1;
	if (r.val < Tmp0)
		return req(r, R);  /* no register is invariant */
	return !l->var[r.val];
}

/* Does any store of the loop possibly write [r, r+sz)? */
static int
written(Fn *fn, Loop *l, Ref r, int sz)
{
	uint n;
	int d;

	if (l->dirty)
		return 1;
	for (n=0; n<l->nst; n++)
		if (alias(r, 0, sz, l->st[n]->arg[1], storesz(l->st[n]), &d, fn)
		!= NoAlias)
			return 1;
	return 0;
}

/* Does every iteration of the loop that goes round again run b (the
 * loop's latches are all below it), and, when exits is set, every one
 * that leaves it too? */
static int
always(Fn *fn, Loop *l, Blk *b, int exits)
{
	Blk *x;
	uint id;

	for (x=b; x!=l->hd; x=x->idom)
		if (x != b && opt_isheader(x))
			return 0;  /* after an inner loop that may not end */
	for (id=l->hd->id; id<fn->nblk; id++) {
		if (!l->in[id])
			continue;
		x = fn->rpo[id];
		if ((x->s1 == l->hd || x->s2 == l->hd
		|| (exits && ((x->s1 && !l->in[x->s1->id])
		|| (x->s2 && !l->in[x->s2->id]))))
		&& !dom(b, x))
			return 0;
	}
	return 1;
}

/* The sizes of the module's data parsed so far (opt_data). */
static struct {
	uint32_t id;
	int64_t sz;
} *dat;
static uint ndat;

void
opt_data(Dat *d)
{
	static const int itemsz[] = {[DB] = 1, [DH] = 2, [DW] = 4, [DL] = 8};

	if (d->type == DStart) {
		if (!dat)
			dat = vnew(0, sizeof dat[0], PHeap);
		vgrow(&dat, ndat + 1);
		dat[ndat].id = intern(d->name);
		dat[ndat++].sz = 0;
	} else if (d->type == DZ)
		dat[ndat-1].sz += d->u.num;
	else if (d->type != DEnd && !d->isstr)  /* a string: length unknown, 0 is safe */
		dat[ndat-1].sz += itemsz[d->type];
}

void
opt_forget_data(void)
{
	if (dat)
		vfree(dat);
	dat = 0;
	ndat = 0;
}

/* A read within a stack slot, or within data of the module, cannot
 * fault. */
static int
valid(Fn *fn, Ref r, int sz)
{
	Alias a;
	uint n;

	getalias(&a, r, fn);
	if (a.offset < 0)
		return 0;
	if (astack(a.type))
		return a.slot->u.loc.sz >= 0 && a.offset + sz <= a.slot->u.loc.sz;
	if (a.type == ASym && a.u.sym.type == SGlo)
		for (n=0; n<ndat; n++)
			if (dat[n].id == a.u.sym.id)
				return a.offset + sz <= dat[n].sz;
	return 0;
}

static int
movable(Fn *fn, Loop *l, Blk *b, Ins *i)
{
	int k, c, sz;

	if (i->op == Onop || !invariant(l, i->arg[0]) || !invariant(l, i->arg[1]))
		return 0;
	if (isload(i->op)) {
		sz = loadsz(i);
		/* run before the loop, it must not fault where the loop
		 * would not have run it; and it had better have run on
		 * every iteration: one on a path of the loop that is
		 * seldom taken would run every time the loop is entered */
		return !written(fn, l, i->arg[0], sz)
			&& (always(fn, l, b, 1)
			|| (always(fn, l, b, 0) && valid(fn, i->arg[0], sz)));
	}
	return !pinned(i) && !iscmp(i->op, &k, &c);
}

/* The header's phi p takes from pre what it took from outside: the
 * value, when every outside edge gave the same, else a phi of pre. */
static void
splitphi(Fn *fn, Loop *l, Phi *p, Blk *pre)
{
	Phi *q;
	Ref r;
	uint n, m;

	r = R;
	for (n=0; n<p->narg; n++)
		if (!l->in[p->blk[n]->id]) {
			if (!req(r, R) && !req(r, p->arg[n]))
				break;
			r = p->arg[n];
		}
	if (n < p->narg) {
		q = alloc(sizeof *q);
		*q = (Phi){.cls = p->cls};
		q->to = newtmp("licm", p->cls, fn);
		q->arg = vnew(0, sizeof q->arg[0], PFn);
		q->blk = vnew(0, sizeof q->blk[0], PFn);
		for (n=0; n<p->narg; n++)
			if (!l->in[p->blk[n]->id])
				opt_addarg(q, p->blk[n], p->arg[n]);
		q->link = pre->phi;
		pre->phi = q;
		r = q->to;
	}
	for (n=m=0; n<p->narg; n++)
		if (l->in[p->blk[n]->id]) {
			p->blk[m] = p->blk[n];
			p->arg[m++] = p->arg[n];
		}
	p->narg = m;
	opt_addarg(p, pre, r);
}

/* The block instructions moved out of l go to: the header's only
 * predecessor from outside when it jumps there alone, else a new
 * block taking every edge from outside. 0 when the header is the
 * function's entry. */
static Blk *
preheader(Fn *fn, Loop *l, int *made)
{
	Blk *h, *b, *pre, **pb;
	Phi *p;
	uint n, nout;

	h = l->hd;
	*made = 0;
	nout = 0;
	b = 0;
	for (n=0; n<h->npred; n++)
		if (!l->in[h->pred[n]->id]) {
			b = h->pred[n];
			nout++;
		}
	if (!nout)
		return 0;
	if (nout == 1 && b->jmp.type == Jjmp)
		return b;
	pre = newblk();
	strcpy(pre->name, "licm");
	pre->jmp.type = Jjmp;
	pre->s1 = h;
	for (pb=&fn->start; *pb!=h; pb=&(*pb)->link)
		;
	pre->link = h;
	*pb = pre;
	for (p=h->phi; p; p=p->link)
		splitphi(fn, l, p, pre);
	for (n=0; n<h->npred; n++) {
		b = h->pred[n];
		if (l->in[b->id])
			continue;
		if (b->s1 == h)
			b->s1 = pre;
		if (b->s2 == h)
			b->s2 = pre;
	}
	*made = 1;
	return pre;
}

/* The floating-point constants l's compares use (a compare of
 * doubles needs its constant in a register for `x <= k`: isel loads
 * it from memory at every use, every iteration), each given once to a
 * temporary in pre, which the compares use instead. Only in a loop
 * without calls, across which no floating-point register survives:
 * the temporary would be spilled and reloaded, no better than the
 * load. Returns how many. */
static uint
floatcons(Fn *fn, Loop *l, Blk *pre, Ins **v, uint *nv)
{
	Blk *b;
	Ins *i;
	Ref *tmp;
	uint id, n;
	int k, kc, cc;

	if (l->calls)
		return 0;
	tmp = 0;
	n = 0;
	for (id=l->hd->id; id<fn->nblk; id++) {
		if (!l->in[id])
			continue;
		b = fn->rpo[id];
		for (i=b->ins; i<&b->ins[b->nins]; i++) {
			if (!iscmp(i->op, &kc, &cc) || KBASE(kc) != 1)
				continue;
			for (k=0; k<2; k++) {
				if (rtype(i->arg[k]) != RCon)
					continue;
				if (!pre) {	/* only counting */
					n++;
					continue;
				}
				if (!tmp)
					tmp = emalloc(fn->ncon * sizeof tmp[0]);
				if (req(tmp[i->arg[k].val], R)) {
					tmp[i->arg[k].val] = newtmp("licm", kc, fn);
					vgrow(v, *nv + 1);
					(*v)[(*nv)++] = (Ins){.op = Ocopy, .cls = kc,
						.to = tmp[i->arg[k].val], .arg = {i->arg[k]}};
					n++;
				}
				i->arg[k] = tmp[i->arg[k].val];
			}
		}
	}
	free(tmp);
	return n;
}

/* Move what can be moved out of l; returns how many loads and
 * constants, and sets *made when a preheader was made. */
static uint
hoist(Fn *fn, Loop *l, int *made)
{
	Blk *b, *pre;
	Ins *i, *v;
	uint id, nv, nld, ncon;
	int k;

	*made = 0;
	scan(fn, l);
	memset(l->need, 0, fn->ntmp);
	v = vnew(0, sizeof v[0], PHeap);
	nv = nld = 0;
	for (id=l->hd->id; id<fn->nblk; id++) {
		if (!l->in[id])
			continue;
		b = fn->rpo[id];
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (movable(fn, l, b, i)) {
				vgrow(&v, nv + 1);
				v[nv++] = *i;
				l->var[i->to.val] = 0;
			}
	}
	/* A pure instruction GCM left in the loop is there for a reason
	 * (address arithmetic stays by its load, which folds it into the
	 * memory operand): one moves out only when a load moving out needs
	 * it. v is in definition order, so a backward walk sees every user
	 * first. */
	for (id=nv; id-- > 0;) {
		i = &v[id];
		if (isload(i->op))
			nld++;
		else if (!l->need[i->to.val]) {
			l->var[i->to.val] = 1;  /* stays */
			i->op = Onop;
			continue;
		}
		for (k=0; k<2; k++)
			if (rtype(i->arg[k]) == RTmp)
				l->need[i->arg[k].val] = 1;
	}
	ncon = floatcons(fn, l, 0, 0, 0);
	if ((nld || ncon) && (pre = preheader(fn, l, made))) {
		ncon = floatcons(fn, l, pre, &v, &nv);
		for (id=l->hd->id; id<fn->nblk; id++) {
			if (!l->in[id])
				continue;
			b = fn->rpo[id];
			for (i=b->ins; i<&b->ins[b->nins]; i++)
				if (!req(i->to, R) && !l->var[i->to.val])
					*i = (Ins){.op = Onop};
		}
		/* after what pre computes already */
		k = pre->nins;
		vgrow(&v, nv + k);
		memmove(&v[k], v, nv * sizeof v[0]);
		memcpy(v, pre->ins, k * sizeof v[0]);
		nv += k;
		for (id=k; id<nv; id++)
			if (v[id].op != Onop)
				v[k++] = v[id];
		opt_setins(pre, v, k);
	} else
		nld = ncon = 0;
	vfree(v);
	return nld + ncon;
}

void
opt_licm(Fn *fn)
{
	Loop l;
	Blk **done;
	uint id, n, ndone, nld;
	int made, changed;

	fillalias(fn);
	done = vnew(0, sizeof done[0], PHeap);
	ndone = nld = 0;
	l = (Loop){0};
	l.st = vnew(0, sizeof l.st[0], PHeap);
	do {
		changed = 0;
		l.in = emalloc(fn->nblk);
		l.var = emalloc(fn->ntmp);
		l.need = emalloc(fn->ntmp);
		/* highest rpo id first: an inner loop before the loops
		 * around it, whose headers dominate its header */
		for (id=fn->nblk; id-- > 0;) {
			l.hd = fn->rpo[id];
			if (!opt_isheader(l.hd))
				continue;
			for (n=0; n<ndone && done[n]!=l.hd; n++)
				;
			if (n < ndone)
				continue;
			vgrow(&done, ndone + 1);
			done[ndone++] = l.hd;
			if (!body(fn, &l, l.hd))
				continue;
			n = hoist(fn, &l, &made);
			if (!n)
				continue;
			nld += n;
			changed = 1;
			if (made) {
				fillcfg(fn);
				filldom(fn);
			}
			filluse(fn);
			fillalias(fn);
			break;
		}
		free(l.in);
		free(l.var);
		free(l.need);
	} while (changed);
	vfree(l.st);
	vfree(done);
	opt_stats.hoisted += nld;
}
