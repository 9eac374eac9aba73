/* Compares kept next to the branches and selects that use them.
 *
 * QBE's amd64 isel fuses a compare with the `jnz` (or the `sel`) using
 * it only when the compare is the last flag-setting instruction before
 * it; otherwise the compare's value is materialised and tested again:
 * `cmp; setcc; movzbl; cmp $0; jcc`, three instructions too many, on
 * the hottest paths of naive IL (every `if`, every loop condition).
 * Three shapes keep them apart:
 *
 * 1. the compare and its branch in different blocks: C's `a && b` at
 *    -O0 decides on a phi in a join block (`%r =w phi @cond 0, @rhs %b;
 *    jnz %r`); thread redirects the predecessors giving a constant, but
 *    the last ones still jump to the join, and QBE's if-conversion
 *    turns such a diamond into `sel` + `jnz` (both operands
 *    materialised, selected, then tested). cmpbr, run before
 *    if-conversion: a predecessor ending in `jmp @join` takes the
 *    join's branch itself, on its own argument of the phi (`jnz %b`;
 *    for a constant, a jump to where the branch would go). The join is
 *    left to the others, or dies.
 * 2. something computed between the compare and its use: GCM sinks the
 *    address arithmetic a branch's successors need to the end of the
 *    branching block, after the compare (an add or a mul sets the
 *    flags). cmp moves the compare down, next to the `jnz` or `sel0`
 *    using it; its operands are defined before it, and nothing between
 *    uses its value (checked), so the move is sound in SSA form.
 * 3. a branch on a compare with 0 of a value (`cnew %x, 0; jnz`): the
 *    branch tests %x itself (`ceqw` swaps the targets), so a compare
 *    that defines %x fuses with it.
 *
 * 4. a range test in two branches: `c >= '0' && c <= '9'` at -O0 is,
 *    once the join is gone (an inlined `isdigit` returns a phi that
 *    shape 3 and if-conversion leave branching), a block branching on
 *    the lower bound into a block that only branches on the upper one,
 *    both leaving to the same block when out of range. cmp makes it one
 *    unsigned compare in the first block, `culew (sub %c, 48), 9`, as C
 *    compilers do: one branch instead of two, the second block dies.
 *
 * 5. a compare used only in other blocks: GVN made a loop's test and
 *    the same test after the loop one compare, which GCM put in the
 *    loop, materialised on every iteration and tested again by the
 *    branch. cmp gives each use a copy of its own (remat()) when the
 *    loop weights say that is cheaper.
 *
 * 6. the same compare twice: a binary search splits at a value and
 *    tests it again in the block only that split leads to; the flags
 *    still hold there (cmpflags, once registers are allocated).
 *
 * cmpbr runs at QBE_HOOK_GCM (after thread, before if-conversion), cmp
 * at QBE_HOOK_SSA (after ext and sink, whose moves it completes); both
 * need fresh use information and leave it fresh. */
#include "all.h"
#include "opt.h"

/* The predecessors of j ending in `jmp @j` take j's branch on its
 * phi themselves; returns how many. */
static int
takebranch(Fn *fn, Blk *j)
{
	Phi *p, *q;
	Blk *pb, *t;
	Ref c;
	uint n;
	int done;

	if (!(p = opt_phibranch(fn, j)))
		return 0;
	done = 0;
	for (n=0; n<p->narg; n++) {
		c = p->arg[n];
		pb = p->blk[n];
		if (pb->jmp.type != Jjmp || pb->s1 != j)
			continue;
		if (rtype(c) == RCon) {
			if (!(t = opt_dest(fn, j, c)))
				continue;
			for (q=t->phi; q; q=q->link)
				opt_addarg(q, pb, phiarg(q, j));
			pb->s1 = t;
		} else if (rtype(c) == RTmp) {
			for (q=j->s1->phi; q; q=q->link)
				opt_addarg(q, pb, phiarg(q, j));
			for (q=j->s2->phi; q; q=q->link)
				opt_addarg(q, pb, phiarg(q, j));
			pb->jmp.type = Jjnz;
			pb->jmp.arg = c;
			pb->s1 = j->s1;
			pb->s2 = j->s2;
		} else
			continue;
		/* p's argument for pb stays: fillcfg drops it */
		done++;
	}
	return done;
}

static int
iszero(Fn *fn, Ref r)
{
	return rtype(r) == RCon && fn->con[r.val].type == CBits
		&& fn->con[r.val].bits.i == 0;
}

/* Index in b of the instruction defining r, or -1. */
static int
defidx(Blk *b, uint end, Ref r)
{
	uint n;

	for (n=end; n>0; n--)
		if (req(b->ins[n-1].to, r))
			return n-1;
	return -1;
}

/* A bound on %x that holds where a block branches to: x >= lo
 * (lower) or x <= hi, from a compare of the temporary x with a
 * constant (either side), negated for the branch's second target. */
struct bound {
	Ref x;
	int k, lower, uns;
	int64_t v;
};

static int
isbound(Fn *fn, Ins *i, int neg, struct bound *bd)
{
	static const struct { int c, flip, lower, off; } tab[] = {
		/* x OP v, and what the bound is: x >= v+off or x <= v+off */
		{Cisge, Cisle, 1, 0}, {Cisgt, Cislt, 1, 1},
		{Cisle, Cisge, 0, 0}, {Cislt, Cisgt, 0, -1},
		{Ciuge, Ciule, 1, 0}, {Ciugt, Ciult, 1, 1},
		{Ciule, Ciuge, 0, 0}, {Ciult, Ciugt, 0, -1},
	};
	static const int negc[NCmpI] = {
		[Cisge] = Cislt, [Cisgt] = Cisle, [Cisle] = Cisgt, [Cislt] = Cisge,
		[Ciuge] = Ciult, [Ciugt] = Ciule, [Ciule] = Ciugt, [Ciult] = Ciuge,
	};
	int k, c, n, j;
	int64_t v, min, max;
	Ref x, y;

	if (!iscmp(i->op, &k, &c) || KBASE(k) != 0 || c == Cieq || c == Cine)
		return 0;
	x = i->arg[0];
	y = i->arg[1];
	if (rtype(x) == RCon) {	/* v OP x is x OP' v */
		x = i->arg[1];
		y = i->arg[0];
		for (j=0; j<8 && tab[j].c != c; j++)
			;
		c = tab[j].flip;
	}
	if (rtype(x) != RTmp || rtype(y) != RCon || fn->con[y.val].type != CBits)
		return 0;
	if (neg)
		c = negc[c];
	for (n=0; tab[n].c != c; n++)
		;
	v = fn->con[y.val].bits.i;
	bd->uns = c >= Ciuge;
	if (k == Kw)
		v = bd->uns ? (int64_t)(uint32_t)v : (int64_t)(int32_t)v;
	min = bd->uns ? 0 : k == Kw ? INT32_MIN : INT64_MIN;
	max = bd->uns ? (k == Kw ? UINT32_MAX : INT64_MAX) : k == Kw ? INT32_MAX : INT64_MAX;
	if (bd->uns && k == Kl && v < 0)	/* past INT64_MAX: leave it */
		return 0;
	/* x > max or x < min: no value passes, nothing to merge */
	if ((tab[n].off > 0 && v == max) || (tab[n].off < 0 && v == min))
		return 0;
	bd->x = x;
	bd->k = k;
	bd->lower = tab[n].lower;
	bd->v = v + tab[n].off;
	return 1;
}

/* The only instruction of b (debug locations aside) that is not a
 * nop, when there is exactly one. */
static Ins *
onlyins(Blk *b)
{
	Ins *i, *r;

	r = 0;
	for (i=b->ins; i<&b->ins[b->nins]; i++) {
		if (i->op == Onop || i->op == Odbgloc)
			continue;
		if (r)
			return 0;
		r = i;
	}
	return r;
}

/* Shape 4: a branches on one bound of %x into b, which only branches
 * on the other bound; both leave to f when out of range. a's compare
 * becomes `%d = sub %x, lo; culX %d, hi-lo`, its branch goes where
 * b's went, and b is left unreachable. Returns 1 when merged. */
static int
range(Fn *fn, Blk *a)
{
	struct bound b1, b2, *lo, *hi;
	Blk *b, *f, *t;
	Ins *ia, *ib, *ins;
	Phi *p;
	Ref d, c;
	int d1, inb, k;
	uint n;

	if (a->jmp.type != Jjnz || rtype(a->jmp.arg) != RTmp
	|| fn->tmp[a->jmp.arg.val].nuse != 1
	|| (d1 = defidx(a, a->nins, a->jmp.arg)) < 0)
		return 0;
	for (inb=0; inb<2; inb++) {
		b = inb ? a->s2 : a->s1;
		f = inb ? a->s1 : a->s2;
		if (b == f || b == a || b->npred != 1 || b->phi
		|| b->jmp.type != Jjnz || rtype(b->jmp.arg) != RTmp
		|| fn->tmp[b->jmp.arg.val].nuse != 1
		|| !(ib = onlyins(b)) || !req(ib->to, b->jmp.arg)
		|| (b->s1 != f && b->s2 != f) || b->s1 == b->s2)
			continue;
		ia = &a->ins[d1];
		if (!isbound(fn, ia, inb, &b1)
		|| !isbound(fn, ib, b->s2 == f ? 0 : 1, &b2)
		|| !req(b1.x, b2.x) || b1.k != b2.k || b1.uns != b2.uns
		|| b1.lower == b2.lower)
			continue;
		t = b->s1 == f ? b->s2 : b->s1;
		lo = b1.lower ? &b1 : &b2;
		hi = b1.lower ? &b2 : &b1;
		if (lo->v > hi->v || t == f)
			continue;
		/* f gets to keep one edge from a: b's arguments must agree */
		for (p=f->phi; p; p=p->link)
			if (!req(phiarg(p, a), phiarg(p, b)))
				break;
		if (p)
			continue;
		k = b1.k;
		d = newtmp("rng", k, fn);
		c = newtmp("rng", Kw, fn);
		ins = vnew(a->nins + 1, sizeof ins[0], PFn);
		memcpy(ins, a->ins, d1 * sizeof ins[0]);
		ins[d1] = (Ins){.op = Osub, .cls = k, .to = d,
			.arg = {lo->x, getcon(lo->v, fn)}};
		ins[d1+1] = (Ins){.op = (k == Kw ? Ocmpw : Ocmpl) + Ciule, .cls = Kw,
			.to = c, .arg = {d, getcon(hi->v - lo->v, fn)}};
		memcpy(&ins[d1+2], &a->ins[d1+1], (a->nins - d1 - 1) * sizeof ins[0]);
		a->ins = ins;
		a->nins++;
		a->jmp.arg = c;
		a->s1 = t;
		a->s2 = f;
		/* t's arguments from b are now from a */
		for (p=t->phi; p; p=p->link)
			for (n=0; n<p->narg; n++)
				if (p->blk[n] == b)
					p->blk[n] = a;
		return 1;
	}
	return 0;
}

void
opt_cmpbr(Fn *fn)
{
	Blk *b;
	int n;

	n = 0;
	for (b=fn->start; b; b=b->link)
		n += takebranch(fn, b);
	if (n) {
		opt_stats.branches += n;
		fillcfg(fn);
		filluse(fn);
		filldom(fn);
	}
}

/* Shape 3: b's branch on `cnew %x, 0` or `ceqw %x, 0` (32 bits, like
 * the branch's own test) branches on %x, when that compare is its
 * only use. */
static int
skipzero(Fn *fn, Blk *b)
{
	Ins *i;
	Blk *s;
	Ref x;
	int d, done;

	done = 0;
	while (rtype(b->jmp.arg) == RTmp
	&& fn->tmp[b->jmp.arg.val].nuse == 1
	&& (d = defidx(b, b->nins, b->jmp.arg)) >= 0) {
		i = &b->ins[d];
		if (i->op != Ocnew && i->op != Oceqw)
			break;
		if (iszero(fn, i->arg[1]))
			x = i->arg[0];
		else if (iszero(fn, i->arg[0]))
			x = i->arg[1];
		else
			break;
		if (rtype(x) != RTmp)
			break;
		if (i->op == Oceqw) {
			s = b->s1;
			b->s1 = b->s2;
			b->s2 = s;
		}
		b->jmp.arg = x;
		*i = (Ins){.op = Onop};
		/* x lost a use and gained one: its count is unchanged */
		done++;
	}
	return done;
}

static int
uses(Ins *i, Ref r)
{
	return req(i->arg[0], r) || req(i->arg[1], r);
}

/* Shape 2: the compare defining r moves to just before b->ins[at]
 * when it is in b and nothing between uses its value. Returns 1 when
 * it moved. */
static int
sink(Blk *b, uint at, Ref r)
{
	Ins cmp;
	int d, k, c;
	uint n;

	if (rtype(r) != RTmp || (d = defidx(b, at, r)) < 0
	|| (uint)d + 1 == at || !iscmp(b->ins[d].op, &k, &c))
		return 0;
	for (n=d+1; n<at; n++)
		if (uses(&b->ins[n], r))
			return 0;
	cmp = b->ins[d];
	memmove(&b->ins[d], &b->ins[d+1], (at - d - 1) * sizeof b->ins[0]);
	b->ins[at-1] = cmp;
	return 1;
}

/* Shape 5: a compare whose value is used only in other blocks (GVN
 * merged a loop's test with the same test after the loop, and GCM put
 * the one compare in the loop's header, where it is materialised on
 * every iteration: `ucomisd; setae; movzbl`, then `cmp $0; jz` where
 * the branch is). Each use gets a copy of the compare right before
 * it, so a branch fuses with its copy and the value is materialised
 * only where an instruction needs it; the original dies. Done when it
 * costs less by the blocks' loop weights (b->loop, from fillloop):
 * three instructions in b against three for each instruction that
 * uses it elsewhere (a branch's copy costs what its test did; the
 * weights are filled for the function's first candidate).
 * Returns 1 when done; the uses are stale then. */
static int
remat(Fn *fn, Blk *b, Ins *i, int *weighed)
{
	struct { uint bid, at; } *at, x;
	Tmp *t;
	Use *u;
	Blk *ub;
	Ins *ins, c;
	Ref r;
	uint n, m, nat;
	int k, cc;
	int64_t here, there;

	if (!iscmp(i->op, &k, &cc) || rtype(i->to) != RTmp)
		return 0;
	t = &fn->tmp[i->to.val];
	if (!t->nuse)
		return 0;
	for (n=0; n<t->nuse; n++)
		if (t->use[n].bid == b->id || t->use[n].type == UPhi)
			return 0;
	if (!*weighed) {	/* the first candidate of the function */
		fillloop(fn);
		*weighed = 1;
	}
	here = 3 * (int64_t)b->loop;
	there = 0;
	for (n=0; n<t->nuse; n++) {
		u = &t->use[n];
		if (u->type == UIns)
			there += 3 * (int64_t)fn->rpo[u->bid]->loop;
	}
	if (there >= here)
		return 0;
	/* the places, last first in each block, so inserting keeps the
	 * indices of the others */
	nat = t->nuse;
	at = emalloc(nat * sizeof at[0]);
	for (n=0; n<nat; n++) {
		u = &t->use[n];
		ub = fn->rpo[u->bid];
		at[n].bid = u->bid;
		at[n].at = u->type == UJmp ? ub->nins : (uint)(u->u.ins - ub->ins);
	}
	for (n=1; n<nat; n++)	/* insertion sort: few uses */
		for (m=n; m>0 && (at[m-1].bid > at[m].bid
		|| (at[m-1].bid == at[m].bid && at[m-1].at < at[m].at)); m--) {
			x = at[m];
			at[m] = at[m-1];
			at[m-1] = x;
		}
	c = *i;
	for (n=0; n<nat; n++) {
		ub = fn->rpo[at[n].bid];
		r = newtmp("cmp", c.cls, fn);
		ins = vnew(ub->nins + 1, sizeof ins[0], PFn);
		memcpy(ins, ub->ins, at[n].at * sizeof ins[0]);
		ins[at[n].at] = (Ins){.op = c.op, .cls = c.cls, .to = r,
			.arg = {c.arg[0], c.arg[1]}};
		memcpy(&ins[at[n].at + 1], &ub->ins[at[n].at],
			(ub->nins - at[n].at) * sizeof ins[0]);
		ub->ins = ins;
		ub->nins++;
		if (at[n].at == ub->nins - 1 && req(ub->jmp.arg, c.to))
			ub->jmp.arg = r;
		else
			for (m=0; m<2; m++)
				if (req(ins[at[n].at + 1].arg[m], c.to))
					ins[at[n].at + 1].arg[m] = r;
	}
	free(at);
	*i = (Ins){.op = Onop};
	return 1;
}

void
opt_cmp(Fn *fn)
{
	Blk *b;
	uint n;
	int moved, skipped, r, weighed;

	moved = skipped = 0;
	for (b=fn->start; b; b=b->link) {
		if (b->jmp.type == Jjnz) {
			skipped += skipzero(fn, b);
			moved += sink(b, b->nins, b->jmp.arg);
		}
		for (n=0; n<b->nins; n++)
			if (b->ins[n].op == Osel0)
				moved += sink(b, n, b->ins[n].arg[0]);
	}
	opt_stats.compares += moved + skipped;
	/* the moves and the nops left Tmp.def pointing elsewhere */
	if (moved || skipped)
		filluse(fn);
	r = 0;
	for (b=fn->start; b; b=b->link)
		r += range(fn, b);
	if (r) {
		opt_stats.ranges += r;
		fillcfg(fn);
		filluse(fn);
		filldom(fn);
	}
	r = weighed = 0;
	for (b=fn->start; b; b=b->link)
		for (n=0; n<b->nins; n++)
			if (remat(fn, b, &b->ins[n], &weighed)) {
				/* b->ins is still b's: copies go to other blocks */
				filluse(fn);
				r++;
			}
	opt_stats.compares += r;
}

/* Once registers are allocated: a block reached only from a block
 * ending in the same compare (a switch's binary search splits at a
 * value with `cmp $6; jb` and tests it again with `cmp $6; jz`) starts
 * with the flags that compare set, so its own is dropped. Not in a
 * block a jump table jumps to, whose flags come from elsewhere. */
void
opt_cmpflags(Fn *fn)
{
	Blk *b, *a;
	Ins *i, *c;
	int n;

	n = 0;
	for (b=fn->start; b; b=b->link) {
		if (b->npred != 1 || opt_switch_target(b))
			continue;
		a = b->pred[0];
		if (a == b || a->jmp.type < Jjf || a->jmp.type > Jjf1 || !a->nins)
			continue;
		c = &a->ins[a->nins-1];
		if (c->op != Oxcmp)
			continue;
		for (i=b->ins; i<&b->ins[b->nins]
		&& (i->op == Odbgloc || i->op == Onop); i++)
			;
		if (i == &b->ins[b->nins] || i->op != Oxcmp || i->cls != c->cls
		|| !req(i->arg[0], c->arg[0]) || !req(i->arg[1], c->arg[1]))
			continue;
		*i = (Ins){.op = Onop};
		n++;
	}
	opt_stats.compares += n;
}
