/* Loop rotation: a loop tested at the top becomes a guard and a loop
 * tested at the bottom.
 *
 * QBE emits a C `while`/`for` loop as it is written:
 *	@head  %c =w csltw %i, %n     jnz %c, @body, @end
 *	@body  ...                    jmp @head
 * a jump and a conditional branch on every trip. Each latch (a block
 * ending in `jmp @head`, with @head dominating it) takes a copy of
 * @head's instructions and its jnz instead of the jump:
 *	@head  %c =w csltw %i, %n     jnz %c, @body, @end   (once: the guard)
 *	@body  ...  %c =w csltw %i, %n  jnz %c, @body, @end
 * and QBE's block order (reverse post-order, the deeper loop first)
 * puts @body after the guard and @end after the body, so the loop runs
 * one conditional branch back up and no jump.
 *
 * Copying a block into a predecessor that ends in a jump to it is tail
 * duplication, correct for any straight-line block: each path runs one
 * of the two copies. It runs after QBE's promote pass, before SSA
 * construction (QBE_HOOK_PROMOTED, as tre does): the copy assigns
 * @head's temporaries again, and QBE's ssa pass builds their phis at
 * @body and @end. What that needs of the header:
 *	- no phis of its own, and none of its temporaries used by a phi
 *	  elsewhere (QBE's ssa pass takes those to be in SSA form already,
 *	  so they must keep one definition; -O2 IL has such phis);
 *	- not the start block (its parameters, and temporaries defined
 *	  once there are taken to dominate everything);
 *	- the phis of @body and @end get an argument for each latch, the
 *	  value they take from @head: a constant or a temporary defined
 *	  before the loop (one of @head's own is excluded above), which
 *	  reaches the latch, a block @head dominates.
 * Only profitable shapes are rotated: a header of at most MaxIns
 * instructions, no call (a copied call would be paid in size for a
 * jump's worth of time) and no operation on two temporaries but
 * compares (see hsize()), whose jnz has one target in the loop and one
 * outside (a test that only chooses between two paths of the body,
 * say the left side of `&&`, is left alone), reached back by a latch
 * through a back edge: a retreating edge into a block that does not
 * dominate its source (irreducible flow) is not a loop here. A
 * function grows by at most MaxGrowth instructions; inner loops,
 * later in reverse post-order, are served first.
 *
 * The guard's exit often needs moves the loop's exit does not (the
 * sum of an empty loop is the constant 0): register allocation puts
 * them in a block of their own on that edge, and reverse post-order
 * places that block between the loop and the exit it jumps to, so the
 * loop would end `jcc @exit; jmp @body`. Once the blocks are linked
 * for emission (QBE_HOOK_LINKED), opt_rotlayout() moves such a block
 * to the end of the function: the hotter block before it falls
 * through to their common target, the colder one pays the jump. A
 * loop with two latches (a `continue`) or an exit in the middle still
 * has a latch whose targets are both elsewhere: its branch is written
 * so the trip back up is the taken conditional one, not a jump.
 *
 * The guard also becomes the block GCM hoists loop-invariant work into,
 * behind the guard's compare, which would then be computed as a value
 * and tested again: opt_rotcmp() moves such compares down to their jnz
 * (QBE_HOOK_SSA). */
#include "all.h"
#include "opt.h"

enum {
	MaxIns = 16,     /* instructions of a header copied per latch */
	MaxGrowth = 256, /* instructions a function may grow by */
};

static int
skipped(Ins *i)
{
	return i->op == Onop;
}

/* Instructions of h worth copying, or -1 when h must not be copied:
 * a call, a temporary a phi uses, too many instructions, or one of two
 * temporaries other than a compare (`i + m`; a store too): GVN shares
 * such a value of the top-tested header with the body computing it
 * again (horspool's `t[i + m - 1]` after `i + m <= n`), and the copy
 * at the bottom, of the next trip's i, would not share it. */
static int
hsize(Fn *fn, Blk *h)
{
	Ins *i;
	Tmp *t;
	Use *u;
	int n, k, c;

	n = 0;
	for (i=h->ins; i<&h->ins[h->nins]; i++) {
		if (skipped(i))
			continue;
		if (i->op == Ocall || isarg(i->op) || ispar(i->op)
		|| isalloc(i->op) || i->op == Ovastart)
			return -1;
		if (!iscmp(i->op, &k, &c) && !isload(i->op)
		&& rtype(i->arg[0]) == RTmp && rtype(i->arg[1]) == RTmp)
			return -1;
		if (rtype(i->to) == RTmp) {
			t = &fn->tmp[i->to.val];
			if (t->phi)
				return -1;
			for (u=t->use; u<&t->use[t->nuse]; u++)
				if (u->type == UPhi)
					return -1;
		}
		if (++n > MaxIns)
			return -1;
	}
	return n;
}

/* Mark in inloop[] the natural loop of the back edge l -> h: h and
 * the blocks reaching l without passing through h. */
static void
markloop(Blk *h, Blk *l, uint *inloop, Blk **stk)
{
	Blk *b;
	uint n, p;

	inloop[h->id] = h->id + 1;
	if (inloop[l->id] == h->id + 1)
		return;
	inloop[l->id] = h->id + 1;
	stk[0] = l;
	for (n=1; n;) {
		b = stk[--n];
		for (p=0; p<b->npred; p++)
			if (inloop[b->pred[p]->id] != h->id + 1) {
				inloop[b->pred[p]->id] = h->id + 1;
				stk[n++] = b->pred[p];
			}
	}
}

/* l ends `jmp @h`: it takes h's instructions and branch. */
static void
rotate(Blk *h, Blk *l, int size)
{
	Ins *v, *i;
	Blk *s[2];
	Phi *p;
	uint n, k;

	v = emalloc((l->nins + size + 1) * sizeof v[0]);
	memcpy(v, l->ins, l->nins * sizeof v[0]);
	n = l->nins;
	for (i=h->ins; i<&h->ins[h->nins]; i++)
		if (!skipped(i))
			v[n++] = *i;
	opt_setins(l, v, n);
	free(v);
	l->jmp = h->jmp;
	l->s1 = h->s1;
	l->s2 = h->s2;
	s[0] = h->s1;
	s[1] = h->s2;
	for (k=0; k<2; k++)
		for (p=s[k]->phi; p; p=p->link)
			opt_addarg(p, l, phiarg(p, h));
}

/* Rotate the loop headed by h; returns the latches rotated. */
static int
rotloop(Fn *fn, Blk *h, uint *inloop, Blk **stk, int *budget)
{
	Blk *l;
	uint p, mark;
	int size, nback, done;

	if (h == fn->start || h->phi || h->jmp.type != Jjnz || h->s1 == h->s2)
		return 0;
	nback = 0;
	for (p=0; p<h->npred; p++)
		if (dom(h, h->pred[p])) {
			markloop(h, h->pred[p], inloop, stk);
			nback++;
		}
	mark = h->id + 1;
	if (!nback || (inloop[h->s1->id] == mark) == (inloop[h->s2->id] == mark))
		return 0;
	size = hsize(fn, h);
	if (size < 0)
		return 0;
	done = 0;
	for (p=0; p<h->npred; p++) {
		l = h->pred[p];
		if (l->jmp.type != Jjmp || !dom(h, l) || *budget < size)
			continue;
		rotate(h, l, size);
		*budget -= size;
		done++;
	}
	return done;
}

void
opt_rotate(Fn *fn)
{
	uint *inloop, n;
	Blk **stk;
	int budget, done;

	filldom(fn);
	inloop = emalloc(fn->nblk * sizeof inloop[0]);
	stk = emalloc(fn->nblk * sizeof stk[0]);
	budget = MaxGrowth;
	done = 0;
	for (n=fn->nblk; n--;)
		done += rotloop(fn, fn->rpo[n], inloop, stk, &budget);
	free(inloop);
	free(stk);
	if (done) {
		opt_stats.rotated += done;
		fillcfg(fn);
		filluse(fn);
	}
}

/* The test of a guard: GCM hoists what the loop's body computes from
 * values fixed before the loop into the block that dominates the loop,
 * which after rotation is the guard, after its compare. amd64 isel
 * fuses a compare with its jnz only when no instruction setting flags
 * comes between them, and would compute the compare's value with
 * setcc, extend it and test it again. Moving the compare down to the
 * jnz is safe in SSA form when the jnz is its only use: its arguments
 * are defined before it and keep their values. Runs at QBE_HOOK_SSA. */
void
opt_rotcmp(Fn *fn)
{
	Blk *b;
	Ins *i, c;
	Tmp *t;
	int k, cc, moved;

	moved = 0;
	for (b=fn->start; b; b=b->link) {
		if (b->jmp.type != Jjnz || rtype(b->jmp.arg) != RTmp)
			continue;
		t = &fn->tmp[b->jmp.arg.val];
		i = t->def;
		if (t->nuse != 1 || t->bid != b->id || !i
		|| i == &b->ins[b->nins-1] || !iscmp(i->op, &k, &cc))
			continue;
		c = *i;
		memmove(i, i+1, (&b->ins[b->nins] - (i+1)) * sizeof *i);
		b->ins[b->nins-1] = c;
		moved = 1;
	}
	if (moved)
		filluse(fn);
}

/* May x leave its place between b and y = x->link, for the end of
 * the function? b branches to y but not to x. Either x does not go to
 * y either (moving it costs nothing), or it only jumps there and b is
 * in a deeper loop (b's trips save more than x's one jump costs). */
static int
sinks(Blk *b, Blk *x, Blk *y)
{
	if (b->s1 == x || b->s2 == x || (b->s1 != y && b->s2 != y))
		return 0;
	if (x->s1 != y && x->s2 != y)
		return 1;
	return x->jmp.type == Jjmp && b->loop > x->loop;
}

void
opt_rotlayout(Fn *fn)
{
	Blk *b, *x, *end, *last, *s;

	for (end=fn->start; end->link; end=end->link)
		;
	last = end;
	/* only blocks before the last one move, each once */
	for (b=fn->start; b != end && (x=b->link) != end;) {
		if (!sinks(b, x, x->link)) {
			b = x;
			continue;
		}
		b->link = x->link;
		last->link = x;
		x->link = 0;
		last = x;
	}
	/* A branch with neither target next is emitted `jcc @s2; jmp @s1`
	 * (the condition negated): the target in the deeper loop, usually
	 * the loop's own top, goes in s2, to be one taken branch a trip. */
	for (b=fn->start; b; b=b->link) {
		if (b->jmp.type < Jjf || b->jmp.type > Jjf1
		|| b->link == b->s1 || b->link == b->s2
		|| b->s1->loop <= b->s2->loop)
			continue;
		s = b->s1;
		b->s1 = b->s2;
		b->s2 = s;
		b->jmp.type = Jjf + cmpneg(b->jmp.type - Jjf);
	}
}
