/* Induction variables of loops: widening and strength reduction.
 *
 * C's `for (int i = 0; i < n; i++) s += a[i];` at -O0 reaches us, once
 * promoted and through GVN and GCM, as
 *	@hd    %i =w phi @pre 0, @body %i1
 *	       %c =w csltw %i, %n
 *	       jnz %c, @body, @out
 *	@body  %e =l extsw %i
 *	       %o =l mul %e, 8
 *	       %p =l add %a, %o ...
 *	       %i1 =w add %i, 1
 * and the `movslq` of %e runs on every iteration. A loop is the
 * natural loop of a header: the blocks reaching one of its back edges
 * (from blocks the header dominates) without passing the header; it is
 * entered through the header alone, and the header's immediate
 * dominator (`pre` below) runs before every entry, outside the loop.
 * A basic induction variable is a phi of the header taking one value
 * from every entry and, from every back edge, the same `add i, c`
 * (or `sub`) with c a constant.
 *
 * Widening. A 32-bit i gets a 64-bit twin I = phi(ext start, I + c),
 * which replaces every `extsw i` (or `extuw i`); every other use of i as
 * a w operand reads I instead (QBE IL lets an l value stand for a w one:
 * its low 32 bits, which are i's whether i wrapped or not), so i and its
 * increment die unless a phi or a jump uses them. I equals sext(i) only
 * while no increment has wrapped, which QBE IL does not promise (no
 * nsw), so it is proved. Call x_k the value of i in iteration k (x_0 =
 * start, x_{k+1} = x_k + c mod 2^32) and I_k = sext(start) + k*c. We
 * need a test of the loop: a block T in it ending in `jnz (x cc n)`,
 * whose successor S on one side has T as its only predecessor, is not
 * the header, and dominates every back edge's source. Then every
 * iteration that comes back to the header went through S, so it found
 * its x_k with the predicate P of S's side holding. If P bounds x on the
 * side c moves towards, tightly enough that x_k + c cannot leave the
 * 32-bit range, no completed iteration wrapped: by induction
 * I_k = sext(x_k) throughout iteration k, wherever in the loop (or after
 * it) the value is read, since the increments that produced x_k are
 * those of iterations 0..k-1, all completed. For c > 0 the bound is
 * x < n (x <= n-1, at most INT_MAX-1 when n is not a constant) or
 * x <= n with n a constant, and we need bound + c <= INT_MAX; for c < 0,
 * x > n or x >= n and bound + c >= INT_MIN; with unsigned compares
 * (for extuw, I = zext(start) + k*c) the same in [0, UINT_MAX]. The
 * bound does not need n invariant. A `!=` test bounds nothing
 * (`for (i = x; i != y; i++)` may wrap), nor does a signed test for
 * extuw or an unsigned one for extsw. An extension of the increment
 * x_k + c is I_k + c where S dominates it: reaching it, iteration k
 * went through S (a path from the header avoiding S would avoid it on
 * the first iteration too), so x_k + c did not wrap either. Loops
 * tested at the bottom (rotate's: the latch tests x_k + c, a guard
 * tests the start before the loop) have no such test of x: rotated()
 * proves them from the latch's test and the guard.
 *
 * Strength reduction. A value v = a*i + b computed in the loop from a
 * basic induction variable i through add, sub, mul and shl by loop
 * invariants (a a constant, or a constant times one invariant
 * temporary) becomes a variable of its own: V = phi(a*start + b,
 * V + a*c), a*start + b computed in pre. Arithmetic modulo 2^32 or 2^64
 * is exact for these, so nothing needs proving (a w instruction reading
 * the l twin computes modulo 2^32). `k*N + j` in a matrix loop becomes
 * one addition, and so does an address `base + k*N*8`.
 *
 * Reassociation. a + (y + z) with a and y invariant becomes (a + y) + z,
 * a + y computed in pre (reassoc()).
 *
 * Either is done only where it saves instructions in the loop: one
 * addition is added, and what dies must be more. QBE's addressing
 * modes already do base + index*{1,2,4,8} + displacement in the load
 * or store, so those parts of an address count for nothing. A new
 * variable that leaves the old ones alive takes a register for the
 * whole loop: only in innermost loops, where the loops inside do not
 * pay for it in spills.
 * What dies is removed here (QBE's isel drops dead instructions, not a
 * phi kept alive by its own increment).
 *
 * Runs at QBE_HOOK_SSA, after GVN and GCM (use and dominator
 * information is fresh; the cfg does not change). */
#include "all.h"
#include "opt.h"

typedef struct Loop Loop;
typedef struct Iv Iv;
typedef struct Aff Aff;

struct Loop {
	Blk *hd;
	Blk *pre;   /* hd->idom: runs before every entry */
	char *in;   /* in[b->id]: b belongs to the loop */
	int inner;  /* no other loop inside */
	int calls;  /* a call in the loop */
};

struct Iv {
	Phi *p;
	Ref start;  /* from every entry */
	Ref inc;    /* from every back edge: add p->to, step */
	Blk *incb;
	int64_t step;
};

/* A value a*i + b of a chain from an induction variable: made by ins
 * from the value of node par (-1: the variable itself), its operand
 * arg[ai]; a = ca * fac (fac R for 1). Its class is cls: a w
 * instruction may read an l value (its low 32 bits), and a*i + b still
 * holds modulo 2^32. */
struct Aff {
	Ins *ins;
	int par;
	int ai;
	int cls;
	int64_t ca;
	Ref fac;
};

enum { NAFF = 64, NSTEP = 16 };

static Blk **stk;
static char *header;  /* header[b->id]: b heads a loop */
static int nwidened, nreduced;

/* Value of a constant for class k: w constants are their low 32 bits. */
static int64_t
val(int64_t v, int k)
{
	return k == Kw ? (int64_t)(int32_t)v : v;
}

static int
inloop(Fn *fn, Loop *l, Ref r)
{
	uint b;

	if (rtype(r) != RTmp)
		return 0;
	b = fn->tmp[r.val].bid;
	return b == -1u || l->in[b];
}

/* A value the loop does not change: a constant, or a temporary defined
 * outside the loop (its definition then dominates pre: it dominates
 * its uses in the loop, hence the header, and is not the header). */
static int
invariant(Fn *fn, Loop *l, Ref r)
{
	if (rtype(r) == RCon)
		return 1;
	return rtype(r) == RTmp && !inloop(fn, l, r);
}

/* The natural loop of hd, if some back edge enters it. */
static int
findloop(Fn *fn, Blk *hd, Loop *l)
{
	Blk *b;
	Ins *i;
	uint n, p;
	int back;

	if (!hd->idom)
		return 0;
	memset(l->in, 0, fn->nblk);
	l->hd = hd;
	l->pre = hd->idom;
	l->in[hd->id] = 1;
	n = 0;
	back = 0;
	for (p=0; p<hd->npred; p++) {
		b = hd->pred[p];
		if (!dom(hd, b))
			continue;
		back = 1;
		if (!l->in[b->id]) {
			l->in[b->id] = 1;
			stk[n++] = b;
		}
	}
	while (n) {
		b = stk[--n];
		for (p=0; p<b->npred; p++)
			if (!l->in[b->pred[p]->id]) {
				l->in[b->pred[p]->id] = 1;
				stk[n++] = b->pred[p];
			}
	}
	l->inner = 1;
	l->calls = 0;
	for (b=fn->start; b; b=b->link) {
		if (!l->in[b->id])
			continue;
		if (b != hd && header[b->id])
			l->inner = 0;
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (i->op == Ocall)
				l->calls = 1;
	}
	return back;
}

/* Is p a basic induction variable of l? */
static int
findiv(Fn *fn, Loop *l, Phi *p, Iv *iv)
{
	Ref s, c;
	Ins *i;
	int64_t v;
	uint n;
	int nin, nout;

	if (p->cls != Kw && p->cls != Kl)
		return 0;
	iv->p = p;
	iv->start = R;
	iv->inc = R;
	nin = nout = 0;
	for (n=0; n<p->narg; n++)
		if (l->in[p->blk[n]->id]) {
			if (nin++ && !req(iv->inc, p->arg[n]))
				return 0;
			iv->inc = p->arg[n];
		} else {
			if (nout++ && !req(iv->start, p->arg[n]))
				return 0;
			iv->start = p->arg[n];
		}
	if (!nin || !nout || rtype(iv->inc) != RTmp
	|| fn->tmp[iv->inc.val].ndef != 1 || !(i = fn->tmp[iv->inc.val].def)
	|| !inloop(fn, l, iv->inc) || i->cls != p->cls)
		return 0;
	iv->incb = fn->rpo[fn->tmp[iv->inc.val].bid];
	s = p->to;
	if (i->op == Oadd && req(i->arg[0], s))
		c = i->arg[1];
	else if (i->op == Oadd && req(i->arg[1], s))
		c = i->arg[0];
	else if (i->op == Osub && req(i->arg[0], s))
		c = i->arg[1];
	else
		return 0;
	if (!isconbits(fn, c, &v))
		return 0;
	v = val(v, p->cls);
	if (i->op == Osub)
		v = val(-(uint64_t)v, p->cls);
	iv->step = v;
	return v != 0;
}

/* Instructions made for pre, put at its end but before the compare its
 * jnz tests (so isel still fuses the two), unless one of them uses it. */
static Ins pins[2*NAFF];
static uint npins;

static Ref
emitpre(Fn *fn, int op, int k, Ref a0, Ref a1)
{
	Ref r;

	r = newtmp("iv", k, fn);
	pins[npins++] = (Ins){.op = op, .cls = k, .to = r, .arg = {a0, a1}};
	return r;
}

static void
insert(Blk *b, uint at, Ins *v, uint n)
{
	Ins *ins;

	ins = vnew(b->nins + n, sizeof ins[0], PFn);
	memcpy(ins, b->ins, at * sizeof ins[0]);
	memcpy(ins + at, v, n * sizeof ins[0]);
	memcpy(ins + at + n, b->ins + at, (b->nins - at) * sizeof ins[0]);
	b->ins = ins;
	b->nins += n;
}

static void
flushpre(Blk *b)
{
	Ref r;
	uint at, n;

	at = b->nins;
	r = b->jmp.arg;
	if (b->jmp.type == Jjnz && at && req(b->ins[at-1].to, r)) {
		at--;
		for (n=0; n<npins; n++)
			if (req(pins[n].arg[0], r) || req(pins[n].arg[1], r))
				at = b->nins;
	}
	if (npins)
		insert(b, at, pins, npins);
	npins = 0;
}

/* v = add phi, step, just before the increment of iv (which dominates
 * every back edge): the value of the next iteration. */
static void
emitnext(Iv *iv, int k, Ref v, Ref phi, Ref step)
{
	Blk *b;
	Ins i;
	uint n;

	b = iv->incb;
	for (n=0; !req(b->ins[n].to, iv->inc); n++)
		;
	i = (Ins){.op = Oadd, .cls = k, .to = v, .arg = {phi, step}};
	insert(b, n, &i, 1);
}

/* A new phi in l's header: first from every entry, next from every
 * back edge. */
static void
addphi(Loop *l, Ref to, int k, Ref first, Ref next)
{
	Phi *p;
	Blk *hd;
	uint n;

	hd = l->hd;
	p = alloc(sizeof *p);
	p->to = to;
	p->cls = k;
	p->narg = hd->npred;
	p->arg = vnew(hd->npred, sizeof p->arg[0], PFn);
	p->blk = vnew(hd->npred, sizeof p->blk[0], PFn);
	for (n=0; n<hd->npred; n++) {
		p->blk[n] = hd->pred[n];
		p->arg[n] = l->in[hd->pred[n]->id] ? next : first;
	}
	p->link = hd->phi;
	hd->phi = p;
}

/* Replace every use of the temporary r by v (use lists are fresh). */
static void
replace(Fn *fn, Ref r, Ref v)
{
	Use *u;
	uint n, a;

	for (n=0; n<fn->tmp[r.val].nuse; n++) {
		u = &fn->tmp[r.val].use[n];
		switch (u->type) {
		case UIns:
			for (a=0; a<2; a++)
				if (req(u->u.ins->arg[a], r))
					u->u.ins->arg[a] = v;
			break;
		case UPhi:
			for (a=0; a<u->u.phi->narg; a++)
				if (req(u->u.phi->arg[a], r))
					u->u.phi->arg[a] = v;
			break;
		case UJmp:
			if (req(fn->rpo[u->bid]->jmp.arg, r))
				fn->rpo[u->bid]->jmp.arg = v;
			break;
		default:
			die("unreachable");
		}
	}
}

/* -- widening ----------------------------------------------------- */

/* Integer comparisons, with x on the left: swapped operands, negation. */
static const char swapped[NCmpI] = {
	[Cieq] = Cieq, [Cine] = Cine,
	[Cisge] = Cisle, [Cisgt] = Cislt, [Cisle] = Cisge, [Cislt] = Cisgt,
	[Ciuge] = Ciule, [Ciugt] = Ciult, [Ciule] = Ciuge, [Ciult] = Ciugt,
};
static const char negated[NCmpI] = {
	[Cieq] = Cine, [Cine] = Cieq,
	[Cisge] = Cislt, [Cisgt] = Cisle, [Cisle] = Cisgt, [Cislt] = Cisge,
	[Ciuge] = Ciult, [Ciugt] = Ciule, [Ciule] = Ciugt, [Ciult] = Ciuge,
};

/* Does x cc n, holding in every completed iteration, keep x + step in
 * range (signed: [INT_MIN, INT_MAX], else [0, UINT_MAX])? */
static int
nowrap(Fn *fn, int cc, Ref n, int64_t step, int sign)
{
	int64_t lo, hi, b, k;
	int isk;

	lo = sign ? INT32_MIN : 0;
	hi = sign ? INT32_MAX : UINT32_MAX;
	isk = isconbits(fn, n, &k);
	if (isk)
		k = sign ? (int64_t)(int32_t)k : (int64_t)(uint32_t)k;
	if (step > 0) {
		if (cc == (sign ? Cislt : Ciult))
			b = isk ? k - 1 : hi - 1;
		else if (cc == (sign ? Cisle : Ciule) && isk)
			b = k;
		else
			return 0;
		return b + step <= hi;
	}
	if (cc == (sign ? Cisgt : Ciugt))
		b = isk ? k + 1 : lo + 1;
	else if (cc == (sign ? Cisge : Ciuge) && isk)
		b = k;
	else
		return 0;
	return b + step >= lo;
}

/* Does every back edge of l come from a block that S dominates? */
static int
guards(Loop *l, Blk *t, Blk *s)
{
	uint n;

	if (s == l->hd || s->npred != 1 || s->pred[0] != t || !l->in[s->id]
	|| t->s1 == t->s2)
		return 0;
	for (n=0; n<l->hd->npred; n++)
		if (l->in[l->hd->pred[n]->id] && !dom(s, l->hd->pred[n]))
			return 0;
	return 1;
}

/* A test of l on iv's value that proves its increment never wraps
 * (sign: as an int, else as an unsigned): returns the block S on its
 * side that holds, or 0. */
static Blk *
proved(Fn *fn, Loop *l, Iv *iv, int sign)
{
	Tmp *tc;
	Use *u, *uj;
	Ins *i;
	Blk *t;
	Ref x, n;
	uint a, b;
	int k, cc;

	x = iv->p->to;
	for (a=0; a<fn->tmp[x.val].nuse; a++) {
		u = &fn->tmp[x.val].use[a];
		if (u->type != UIns)
			continue;
		i = u->u.ins;
		if (!iscmp(i->op, &k, &cc) || k != Kw || rtype(i->to) != RTmp
		|| req(i->arg[0], i->arg[1]))
			continue;
		if (req(i->arg[0], x))
			n = i->arg[1];
		else {
			n = i->arg[0];
			cc = swapped[cc];
		}
		tc = &fn->tmp[i->to.val];
		for (b=0; b<tc->nuse; b++) {
			uj = &tc->use[b];
			if (uj->type != UJmp)
				continue;
			t = fn->rpo[uj->bid];
			if (t->jmp.type != Jjnz || !l->in[t->id])
				continue;
			if (guards(l, t, t->s1) && nowrap(fn, cc, n, iv->step, sign))
				return t->s1;
			if (guards(l, t, t->s2) && nowrap(fn, negated[cc], n, iv->step, sign))
				return t->s2;
		}
	}
	return 0;
}

/* The compare of b's jnz, if b computes it: with x on the left, its
 * other operand in *n and its predicate on b's s1 side in *cc. */
static int
jnzcmp(Fn *fn, Blk *b, Ref x, Ref *n, int *cc)
{
	Ins *i;
	int k;

	if (b->jmp.type != Jjnz || b->s1 == b->s2 || rtype(b->jmp.arg) != RTmp)
		return 0;
	for (i=&b->ins[b->nins]; i-->b->ins;)
		if (req(i->to, b->jmp.arg))
			break;
	if (i < b->ins || !iscmp(i->op, &k, cc) || k != Kw
	|| req(i->arg[0], i->arg[1]))
		return 0;
	if (req(i->arg[0], x))
		*n = i->arg[1];
	else if (req(i->arg[1], x)) {
		*n = i->arg[0];
		*cc = swapped[*cc];
	} else
		return 0;
	return 1;
}

/* The test of the next value in the loops rotated() proves: a block T
 * of l whose jnz tests `inc cc n` computed in T, n invariant, stays in
 * the loop on the side where the predicate (in *cc, with n in *n) holds
 * and nowrap() accepts it, and every back edge passes that side: T is
 * the only block going back to the header and goes there on it, or the
 * block S on it has T as its only predecessor and dominates every back
 * edge's source (a test of several blocks, the latch testing another
 * variable after T; guards()). Returns T, or 0. */
static Blk *
nexttest(Fn *fn, Loop *l, Iv *iv, int sign, Ref *n, int *cc)
{
	Blk *t, *b, *s[2];
	uint a, k, nback;
	int c[2];

	nback = 0;
	b = 0;
	for (a=0; a<l->hd->npred; a++)
		if (l->in[l->hd->pred[a]->id]) {
			if (nback++ && b != l->hd->pred[a])
				b = 0;
			else
				b = l->hd->pred[a];
		}
	for (t=fn->start; t; t=t->link) {
		if (!l->in[t->id] || !jnzcmp(fn, t, iv->inc, n, &c[0])
		|| !invariant(fn, l, *n))
			continue;
		c[1] = negated[c[0]];
		s[0] = t->s1;
		s[1] = t->s2;
		for (k=0; k<2; k++) {
			if (s[k] == l->hd ? t != b : !guards(l, t, s[k]))
				continue;
			if (nowrap(fn, c[k], *n, iv->step, sign)) {
				*cc = c[k];
				return t;
			}
		}
	}
	return 0;
}

/* The loops rotate makes are tested at the bottom,
 *	@guard  jnz (start cc n), @pre, @out
 *	@hd     %i =w phi @pre start, @latch %i1
 *	        ...
 *	@latch  %i1 =w add %i, c
 *	        jnz (%i1 cc n), @hd, @out
 * with no test of i itself, so proved() finds nothing. Here the value
 * tested is the next one: the back edge is taken only when x_{k+1}
 * cc n held, and the guard, run before every entry, held for x_0 =
 * start. So every x_k the loop sees satisfies P, and when nowrap()
 * accepts P for the step, every x_k + c stays in range: no increment
 * in the loop wraps, completed or not, and the twins are exact for i
 * and for its increment everywhere (the header, dominating every use
 * of either, is what we return as S). We ask for:
 * - a block T whose jnz tests `inc cc n` computed in T itself (a
 *   compare from another block may be one of an earlier increment, if
 *   an inner cycle runs the increment again after it), n invariant,
 *   where every back edge is taken on the side of T where the
 *   predicate holds: T is the header's only back edge and goes there
 *   on that side, or the block on that side has T as its only
 *   predecessor and dominates every back edge (rotate's copy of a
 *   test of two blocks, `for (...; i < n && g < m; i++)`, where the
 *   latch tests g) (nexttest());
 * - x_0 = start bounded: a constant with start + c in range, or a
 *   block G outside the loop, at most a few immediate dominators up
 *   from pre, whose jnz tests `start cc n` in G, with the same
 *   predicate and the same n, on a side whose successor S has G as
 *   its only predecessor and dominates every entry of the header, or
 *   that is the header itself entered from G alone (rotate jumps from
 *   the guard straight into the loop when it needs no preheader).
 *   start and n are then the values G tested: each entry comes from
 *   the last time S ran, and neither could be redefined since (a path
 *   from S to an entry through the definition of n, which dominates
 *   G, would give a path to the entry avoiding S).
 * `!=` and a predicate of the other signedness are refused by
 * nowrap(), as for the top-tested loops. */
static Blk *
rotated(Fn *fn, Loop *l, Iv *iv, int sign)
{
	Blk *t, *g, *s, *b;
	Ref n, gn;
	int64_t v, lo, hi;
	uint a, d;
	int cc, gcc;

	if (!(t = nexttest(fn, l, iv, sign, &n, &cc)))
		return 0;
	if (isconbits(fn, iv->start, &v)) {
		lo = sign ? INT32_MIN : 0;
		hi = sign ? INT32_MAX : UINT32_MAX;
		v = sign ? (int64_t)(int32_t)v : (int64_t)(uint32_t)v;
		if (v + iv->step >= lo && v + iv->step <= hi)
			return l->hd;
	}
	for (g=l->pre, d=0; g && d<4; g=g->idom, d++) {
		if (l->in[g->id] || !jnzcmp(fn, g, iv->start, &gn, &gcc)
		|| !req(gn, n))
			continue;
		s = 0;
		if (gcc == cc)
			s = g->s1;
		else if (negated[gcc] == cc)
			s = g->s2;
		if (!s)
			continue;
		for (a=0; a<l->hd->npred; a++) {
			b = l->hd->pred[a];
			if (l->in[b->id])
				continue;
			if (s == l->hd ? b != g
			: s->npred != 1 || s->pred[0] != g || l->in[s->id] || !dom(s, b))
				break;
		}
		if (a == l->hd->npred)
			return l->hd;
	}
	return 0;
}

static int
isextw(Ins *i, int sign)
{
	return i->op == (sign ? Oextsw : Oextuw) && i->cls == Kl;
}

/* Is r computed on every iteration of l (its block in the loop and
 * dominating the increment of iv, which dominates every back edge)? */
static int
everytime(Fn *fn, Loop *l, Iv *iv, Ref r)
{
	uint b;

	b = fn->tmp[r.val].bid;
	return l->in[b] && dom(fn->rpo[b], iv->incb);
}

/* What the twin w (of i) and wn (of i's increment) do for the uses of
 * r (i or its increment): an extension of i anywhere, or of the
 * increment where the test of the proof held (in S), is the twin; any
 * other use as a w operand reads the twin's low 32 bits, which are
 * i's, wrap or not. With do0, only count: the extensions replaced on
 * every iteration (*next) and the uses left to r, but for the phi of
 * i (*left); without, next and left are not used (may be NULL). */
static void
twin(Fn *fn, Loop *l, Iv *iv, Blk *s, int sign, Ref r, Ref w, int do0,
	int *next, int *left)
{
	Use *u;
	Ins *i;
	uint n, a;
	int isinc;

	isinc = req(r, iv->inc);
	for (n=0; n<fn->tmp[r.val].nuse; n++) {
		u = &fn->tmp[r.val].use[n];
		if (u->type == UPhi && u->u.phi == iv->p && isinc)
			continue;
		if (u->type != UIns) {
			if (do0)
				++*left;
			continue;
		}
		i = u->u.ins;
		if (req(i->to, iv->inc))
			continue;
		if (isextw(i, sign) && (!isinc || dom(s, fn->rpo[u->bid]))) {
			if (!do0)
				replace(fn, i->to, w);
			else if (everytime(fn, l, iv, i->to))
				++*next;
			continue;
		}
		for (a=0; a<2; a++)
			if (req(i->arg[a], r)) {
				if (argcls(i, a) != Kw) {
					if (do0)
						++*left;
				} else if (!do0)
					i->arg[a] = w;
			}
	}
}

/* The 64-bit value of a w value r, computed in pre. */
static Ref
extend(Fn *fn, Ref r, int sign)
{
	int64_t v;

	if (isconbits(fn, r, &v))
		return getcon(sign ? (int64_t)(int32_t)v : (int64_t)(uint32_t)v, fn);
	return emitpre(fn, sign ? Oextsw : Oextuw, Kl, r, R);
}

static int
widen(Fn *fn, Loop *l, Iv *iv)
{
	Blk *s;
	Ref x, w, wn;
	int sign, next, left;

	x = iv->p->to;
	s = 0;
	next = left = 0;
	for (sign=1; sign>=0; sign--) {
		next = left = 0;
		twin(fn, l, iv, 0, sign, x, R, 1, &next, &left);
		if (next && ((s = proved(fn, l, iv, sign))
		|| (s = rotated(fn, l, iv, sign))))
			break;
	}
	if (!s)
		return 0;
	twin(fn, l, iv, s, sign, iv->inc, R, 1, &next, &left);
	/* one addition more, the extensions less, and i if it dies; a
	 * twin that leaves i alive takes a register more, which costs in
	 * the loops inside more than it saves here */
	if (next + !left - 1 <= 0 || (left && !l->inner))
		return 0;
	w = newtmp("iv", Kl, fn);
	wn = newtmp("iv", Kl, fn);
	twin(fn, l, iv, s, sign, x, w, 0, 0, 0);
	twin(fn, l, iv, s, sign, iv->inc, wn, 0, 0, 0);
	addphi(l, w, Kl, extend(fn, iv->start, sign), wn);
	flushpre(l->pre);
	emitnext(iv, Kl, wn, w, getcon(iv->step, fn));
	nwidened++;
	return 1;
}

/* -- strength reduction ------------------------------------------- */

static int
scale(Fn *fn, Ins *i)
{
	int64_t v;

	if (i->op == Omul)
		return (isconbits(fn, i->arg[0], &v) || isconbits(fn, i->arg[1], &v))
			&& (v == 1 || v == 2 || v == 4 || v == 8);
	return i->op == Oshl && isconbits(fn, i->arg[1], &v) && (v & 63) <= 3;
}

/* Is every use of r the address of a load or store? */
static int
addronly(Fn *fn, Ref r)
{
	Use *u;
	Ins *i;
	uint n;

	for (n=0; n<fn->tmp[r.val].nuse; n++) {
		u = &fn->tmp[r.val].use[n];
		if (u->type != UIns)
			return 0;
		i = u->u.ins;
		if (isload(i->op) && req(i->arg[0], r))
			continue;
		if (isstore(i->op) && req(i->arg[1], r) && !req(i->arg[0], r))
			continue;
		return 0;
	}
	return 1;
}

/* The chains of a*i + b from iv, breadth first: nodes aff[0..n). */
static uint
chains(Fn *fn, Loop *l, Iv *iv, Aff *aff)
{
	Use *u;
	Ins *i;
	Ref r, o;
	int64_t ca, v;
	uint na, q, n;
	int k, ai;

	na = 0;
	for (q=0; q<=na && na<NAFF; q++) {
		r = q ? aff[q-1].ins->to : iv->p->to;
		k = q ? aff[q-1].cls : iv->p->cls;
		for (n=0; n<fn->tmp[r.val].nuse && na<NAFF; n++) {
			u = &fn->tmp[r.val].use[n];
			if (u->type != UIns || !l->in[u->bid])
				continue;
			i = u->u.ins;
			if ((i->cls != k && !(k == Kl && i->cls == Kw))
			|| rtype(i->to) != RTmp || req(i->to, iv->inc)
			|| req(i->arg[0], i->arg[1]))
				continue;
			ai = req(i->arg[0], r) ? 0 : 1;
			o = i->arg[1-ai];
			if (!invariant(fn, l, o))
				continue;
			ca = q ? aff[q-1].ca : 1;
			aff[na].fac = q ? aff[q-1].fac : R;
			switch (i->op) {
			case Oadd:
				break;
			case Osub:
				if (ai == 1)
					ca = -(uint64_t)ca;
				break;
			case Omul:
				if (isconbits(fn, o, &v))
					ca = (uint64_t)ca * (uint64_t)v;
				else if (rtype(o) == RTmp && req(aff[na].fac, R))
					aff[na].fac = o;
				else
					continue;
				break;
			case Oshl:
				if (ai != 0 || !isconbits(fn, o, &v))
					continue;
				ca = (uint64_t)ca << (v & (i->cls == Kw ? 31 : 63));
				break;
			default:
				continue;
			}
			aff[na].ins = i;
			aff[na].par = (int)q - 1;
			aff[na].ai = ai;
			aff[na].cls = i->cls;
			aff[na].ca = val(ca, i->cls);
			na++;
		}
	}
	return na;
}

/* How many of the chain's instructions from node t down amd64's
 * addressing modes do in the load or store itself, when only loads and
 * stores use t: base + index*{1,2,4,8} + displacement, as QBE's isel
 * matches them (an estimate: enough to tell a reduction that pays). */
static int
folded(Fn *fn, Aff *aff, int t, int die)
{
	Ins *i;
	int n, base, disp;

	if (!addronly(fn, aff[t].ins->to))
		return 0;
	base = disp = 0;
	for (n=0; n<die; n++, t=aff[t].par) {
		i = aff[t].ins;
		if (scale(fn, i))
			return n + 1;  /* the index, scaled */
		if (i->op != Oadd)
			return n;
		if (rtype(i->arg[1-aff[t].ai]) == RCon) {
			if (disp++)
				return n;
		} else if (base++)
			return n;
	}
	return n;
}

/* Instructions the loop saves when node t of aff becomes a variable:
 * the chain's instructions that die, less those an addressing mode
 * does anyway, less the new addition. */
static int
savings(Fn *fn, Loop *l, Iv *iv, Aff *aff, uint na, uint t)
{
	uint n;
	int die, q;

	for (n=0; n<na; n++)
		if (aff[n].par == (int)t && fn->tmp[aff[t].ins->to.val].nuse == 1)
			return 0;  /* its only use extends the chain */
	if (aff[t].ca == 0 && req(aff[t].fac, R))
		return 0;
	if (!everytime(fn, l, iv, aff[t].ins->to))
		return 0;
	die = 0;
	for (q=t; q>=0; q=aff[q].par) {
		if (q != (int)t && fn->tmp[aff[q].ins->to.val].nuse != 1)
			break;
		die++;
	}
	return die - folded(fn, aff, t, die) - 1;
}

/* Arithmetic of the chain, folded when both operands are constants
 * or one is neutral. */
static Ref
emitop(Fn *fn, Ins *i, Ref a0, Ref a1)
{
	int64_t x, y, z;
	int kx, ky;

	kx = isconbits(fn, a0, &x);
	ky = isconbits(fn, a1, &y);
	if (ky && y == 0 && i->op != Omul)
		return a0;
	if (kx && x == 0 && i->op == Oadd)
		return a1;
	if (i->op == Omul && ((kx && x == 1) || (ky && y == 1)))
		return kx && x == 1 ? a1 : a0;
	if (i->op == Omul && ((kx && x == 0) || (ky && y == 0)))
		return getcon(0, fn);

	if (kx && ky) {
		switch (i->op) {
		case Oadd: z = (uint64_t)x + (uint64_t)y; break;
		case Osub: z = (uint64_t)x - (uint64_t)y; break;
		case Omul: z = (uint64_t)x * (uint64_t)y; break;
		default: z = (uint64_t)x << (y & (i->cls == Kw ? 31 : 63)); break;
		}
		return getcon(val(z, i->cls), fn);
	}
	return emitpre(fn, i->op, i->cls, a0, a1);
}

/* The chain's value for i = start, computed in pre. */
static Ref
startval(Fn *fn, Iv *iv, Aff *aff, int t)
{
	Ref r, a[2];
	Ins *i;

	if (t < 0)
		return iv->start;
	r = startval(fn, iv, aff, aff[t].par);
	i = aff[t].ins;
	a[0] = i->arg[0];
	a[1] = i->arg[1];
	a[aff[t].ai] = r;
	return emitop(fn, i, a[0], a[1]);
}

static void
reduce(Fn *fn, Loop *l, Iv *iv, Aff *aff, uint t)
{
	Ref v, vn, first, step;
	int64_t s;
	int k;

	k = aff[t].cls;
	first = startval(fn, iv, aff, t);
	v = newtmp("iv", k, fn);
	vn = newtmp("iv", k, fn);
	replace(fn, aff[t].ins->to, v);
	s = val((uint64_t)aff[t].ca * (uint64_t)iv->step, k);
	step = getcon(s, fn);
	if (!req(aff[t].fac, R)) {
		if (s == 1)
			step = aff[t].fac;
		else
			step = emitpre(fn, Omul, k, aff[t].fac, step);
	}
	addphi(l, v, k, first, vn);
	flushpre(l->pre);
	emitnext(iv, k, vn, v, step);
	nreduced++;
}

/* -- reassociation ------------------------------------------------ */

/* A sum a + (y + z) in l, a and y invariant, z not, y + z used there
 * alone: C's `t[i + j]` in the inner loop on j, an address computed
 * with two additions on every trip. It becomes (a + y) + z, a + y
 * computed in pre: one addition fewer on every trip, and what is left,
 * an invariant plus a variable, an addressing mode does in the load
 * itself. Exact modulo 2^64. The new invariant takes a register for
 * the whole loop: only in innermost loops with no call (where it would
 * need a callee-saved register or a spill). */
static int
reassoc(Fn *fn, Loop *l)
{
	Blk *b;
	Ins *i, *x;
	Tmp *t;
	Ref a, y, z;
	int k, m, done;

	done = 0;
	for (b=fn->start; b; b=b->link) {
		if (!l->in[b->id])
			continue;
		for (i=b->ins; i<&b->ins[b->nins] && done<NAFF; i++) {
			if (i->op != Oadd || i->cls != Kl)
				continue;
			for (k=0; k<2; k++) {
				a = i->arg[k];
				if (!invariant(fn, l, a) || rtype(i->arg[1-k]) != RTmp)
					continue;
				t = &fn->tmp[i->arg[1-k].val];
				x = t->def;
				if (!x || t->nuse != 1 || t->ndef != 1 || x->op != Oadd
				|| x->cls != Kl || !inloop(fn, l, x->to))
					continue;
				for (m=0; m<2; m++)
					if (invariant(fn, l, x->arg[m]) && !invariant(fn, l, x->arg[1-m]))
						break;
				if (m == 2)
					continue;
				y = x->arg[m];
				z = x->arg[1-m];
				i->arg[0] = emitpre(fn, Oadd, Kl, a, y);
				i->arg[1] = z;
				*x = (Ins){.op = Onop};
				done++;
				break;
			}
		}
	}
	if (done)
		flushpre(l->pre);
	return done;
}

/* -- dead code ---------------------------------------------------- */

static int
pure(int op)
{
	int k, c;

	switch (op) {
	case Oadd: case Osub: case Omul: case Oshl: case Ocopy:
		return 1;
	}
	return isext(op) || (iscmp(op, &k, &c) && KBASE(k) == 0);
}

/* Remove what the transformations left dead: pure instructions nothing
 * uses, phis nothing uses, and a phi used only by an increment that
 * only the phi uses. */
static void
dce(Fn *fn)
{
	Blk *b;
	Phi *p, **pp;
	Ins *i;
	Tmp *t;
	uint n;
	int ch, dead;

	do {
		ch = 0;
		filluse(fn);
		for (b=fn->start; b; b=b->link)
			for (pp=&b->phi; (p=*pp);) {
				t = &fn->tmp[p->to.val];
				dead = t->nuse == 0;
				if (t->nuse == 1 && t->use[0].type == UIns
				&& pure((i = t->use[0].u.ins)->op) && rtype(i->to) == RTmp) {
					t = &fn->tmp[i->to.val];
					dead = 1;
					for (n=0; n<t->nuse; n++)
						if (t->use[n].type != UPhi || t->use[n].u.phi != p)
							dead = 0;
					if (dead)
						*i = (Ins){.op = Onop};
				}
				if (dead) {
					*pp = p->link;
					ch = 1;
				} else
					pp = &p->link;
			}
		for (b=fn->start; b; b=b->link)
			for (i=&b->ins[b->nins]; i-->b->ins;)
				if (pure(i->op) && rtype(i->to) == RTmp
				&& fn->tmp[i->to.val].nuse == 0) {
					chuse(i->arg[0], -1, fn);
					chuse(i->arg[1], -1, fn);
					*i = (Ins){.op = Onop};
					ch = 1;
				}
	} while (ch);
}

/* -- driver ------------------------------------------------------- */

/* One transformation of l, if some pays; then use lists are stale. */
static int
step(Fn *fn, Loop *l, int sr)
{
	static Aff aff[NAFF];
	Phi *p;
	Iv iv;
	uint na, n, best;
	int s, bests;

	for (p=l->hd->phi; p; p=p->link) {
		if (!findiv(fn, l, p, &iv))
			continue;
		if (!sr) {
			if (p->cls == Kw && widen(fn, l, &iv))
				return 1;
			continue;
		}
		if (!l->inner)
			continue;
		na = chains(fn, l, &iv, aff);
		bests = 0;
		best = 0;
		for (n=0; n<na; n++)
			if ((s = savings(fn, l, &iv, aff, na, n)) > bests) {
				bests = s;
				best = n;
			}
		if (bests > 0) {
			reduce(fn, l, &iv, aff, best);
			return 1;
		}
	}
	return 0;
}

void
opt_iv(Fn *fn)
{
	Loop l;
	Blk *hd;
	uint n;
	int sr, k, nassoc;

	nwidened = nreduced = 0;
	stk = vnew(fn->nblk, sizeof stk[0], PFn);
	l.in = vnew(fn->nblk, 1, PFn);
	header = vnew(fn->nblk, 1, PFn);
	for (hd=fn->start; hd; hd=hd->link)
		for (n=0; n<hd->npred; n++)
			if (dom(hd, hd->pred[n]))
				header[hd->id] = 1;
	/* widen first: the twins are what strength reduction works on;
	 * reassociate last, on what is left of the chains */
	for (sr=0; sr<2; sr++)
		for (n=fn->nblk; n-->0;) {
			hd = fn->rpo[n];
			if (!findloop(fn, hd, &l))
				continue;
			for (k=0; k<NSTEP && step(fn, &l, sr); k++)
				dce(fn);
		}
	nassoc = 0;
	for (n=fn->nblk; n-->0;) {
		hd = fn->rpo[n];
		if (findloop(fn, hd, &l) && l.inner && !l.calls && (k = reassoc(fn, &l))) {
			nassoc += k;
			filluse(fn);
		}
	}
	opt_stats.widened += nwidened;
	opt_stats.reduced += nreduced;
	opt_stats.reassociated += nassoc;
}
