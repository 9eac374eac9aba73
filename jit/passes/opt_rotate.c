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
 * The test may span blocks: `while (j < m && t[i + j] == p[j])` is a
 * header testing j < m and a block testing the characters, each
 * leaving the loop on one side (once unjoin() has taken apart the join
 * C's `&&` decides on at -O0). Such a test is the header and the
 * blocks after it that only it reaches, with no phi, each branching
 * out of the loop or on (findtest()); a latch takes the header's
 * instructions and copies of the other blocks, new blocks chained to
 * the body.
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
 * Only profitable shapes are rotated: a test of at most MaxIns
 * instructions, no call (a copied call would be paid in size for a
 * jump's worth of time), no load or operation on two temporaries but
 * compares that the rest of the loop computes too (see bsize()), whose
 * jnz has one target in the loop and one
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
	MaxIns = 16,     /* instructions of a loop's test copied per latch */
	MaxGrowth = 256, /* instructions a function may grow by */
	MaxTest = 4,     /* blocks of a loop's test */
	MaxJoin = 16,    /* joins taken apart in loop tests (unjoin) */
};

/* The test of a loop: the header and the blocks after it that only
 * compute and branch out of the loop or on to the next; the last one
 * branches to the body. */
typedef struct {
	Blk *b[MaxTest];
	uint n;
	Blk *body;
	int size;
} Test;

static int
skipped(Ins *i)
{
	return i->op == Onop;
}

/* The temporary an operand r of i in b reads: promoted slots are read
 * by copies, so `i + m` is an add of two copies; the source of the
 * last copy into r before i in b, or r itself. */
static Ref
root(Blk *b, Ins *i, Ref r)
{
	Ins *d;

	for (d=i; d-->b->ins;)
		if (req(d->to, r))
			return d->op == Ocopy && rtype(d->arg[0]) == RTmp ? d->arg[0] : r;
	return r;
}

static int
commutes(int op)
{
	return op == Oadd || op == Omul || op == Oand || op == Oor || op == Oxor;
}

static int
intest(Test *t, Blk *b)
{
	uint n;

	for (n=0; n<t->n; n++)
		if (t->b[n] == b)
			return 1;
	return 0;
}

/* Does a block of the loop (marked in inloop[]) other than the test
 * compute what i of b does, from the same variables? GVN shares such
 * a value of the test with the body computing it again (horspool's
 * `t[i + m - 1]` after `i + m <= n`), and the test's copy at the
 * bottom, of the next trip's i, would not share it. */
static int
shared(Fn *fn, Blk *b, Ins *i, uint *inloop, uint mark, Test *t)
{
	Blk *o;
	Ins *j;
	Ref a0, a1, b0, b1;

	a0 = root(b, i, i->arg[0]);
	a1 = root(b, i, i->arg[1]);
	for (o=fn->start; o; o=o->link) {
		if (o->id >= fn->nblk || inloop[o->id] != mark || intest(t, o))
			continue;
		for (j=o->ins; j<&o->ins[o->nins]; j++) {
			if (j->op != i->op || j->cls != i->cls)
				continue;
			b0 = root(o, j, j->arg[0]);
			b1 = root(o, j, j->arg[1]);
			if ((req(a0, b0) && req(a1, b1))
			|| (commutes(i->op) && req(a0, b1) && req(a1, b0)))
				return 1;
		}
	}
	return 0;
}

/* Instructions of b worth copying, or -1 when b must not be copied:
 * a call, a temporary a phi uses, a store of a temporary, a load the
 * rest of the loop does too (`c = *s` after `*s &&`), or an operation
 * on two temporaries but a compare the rest of the loop computes too
 * (shared()). A block of the test after the header must compute for
 * the test alone: a value it gives the body would reach the body
 * through a phi of its two copies (coremark's `c = *s` after `*s &&
 * st != INVALID`, whose extensions then stay in the body instead of
 * folding into the load). */
static int
bsize(Fn *fn, Blk *b, uint *inloop, uint mark, Test *t)
{
	Ins *i;
	Tmp *tp;
	Use *u;
	int n, k, c;

	n = 0;
	for (i=b->ins; i<&b->ins[b->nins]; i++) {
		if (skipped(i))
			continue;
		if (i->op == Ocall || isarg(i->op) || ispar(i->op)
		|| isalloc(i->op) || i->op == Ovastart)
			return -1;
		if (isload(i->op) && rtype(i->arg[0]) == RTmp
		&& shared(fn, b, i, inloop, mark, t))
			return -1;
		if (!iscmp(i->op, &k, &c) && !isload(i->op)
		&& rtype(i->arg[0]) == RTmp && rtype(i->arg[1]) == RTmp
		&& (isstore(i->op) || shared(fn, b, i, inloop, mark, t)))
			return -1;
		if (rtype(i->to) == RTmp) {
			tp = &fn->tmp[i->to.val];
			if (tp->phi)
				return -1;
			for (u=tp->use; u<&tp->use[tp->nuse]; u++)
				if (u->type == UPhi
				|| (b != t->b[0] && !intest(t, fn->rpo[u->bid])))
					return -1;
		}
		n++;
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

/* Mark the loop headed by h: the union of its back edges' natural
 * loops (h->id + 1 in inloop[]). Returns the number of back edges. */
static int
markall(Blk *h, uint *inloop, Blk **stk)
{
	uint p;
	int nback;

	nback = 0;
	for (p=0; p<h->npred; p++)
		if (dom(h, h->pred[p])) {
			markloop(h, h->pred[p], inloop, stk);
			nback++;
		}
	return nback;
}

static int
inl(Blk *b, uint *inloop, uint mark)
{
	return inloop[b->id] == mark;
}

/* Does b branch out of the loop on one side and stay in it on the
 * other? */
static int
tests(Blk *b, uint *inloop, uint mark)
{
	return b->jmp.type == Jjnz && b->s1 != b->s2
		&& inl(b->s1, inloop, mark) != inl(b->s2, inloop, mark);
}

/* The test of the loop headed by h in *t: h, then while the block the
 * test stays in the loop for is one only the test reaches, with no phi
 * and itself such a test, that block too. The last one's target in
 * the loop is the body. A block that must not be copied, or one that
 * would make the test too big, ends it (and the blocks after it join
 * the body, which shared() must see again); 0 when h itself does, or
 * when the test's last block goes back to h (tested at the bottom
 * already). */
static int
findtest(Fn *fn, Blk *h, uint *inloop, uint mark, Test *t)
{
	Blk *b, *next;
	uint n, m;
	int size;

	if (h == fn->start || h->phi || !tests(h, inloop, mark))
		return 0;
	t->n = 0;
	for (b=h;; b=next) {
		t->b[t->n++] = b;
		next = inl(b->s1, inloop, mark) ? b->s1 : b->s2;
		if (t->n == MaxTest || next == h || next->npred != 1 || next->phi
		|| !tests(next, inloop, mark))
			break;
	}
	do {
		m = t->n;
		t->size = 0;
		for (n=0; n<m; n++) {
			size = bsize(fn, t->b[n], inloop, mark, t);
			if (size < 0 || t->size + size > MaxIns)
				break;
			t->size += size;
		}
		t->n = n;
	} while (n && n != m);
	if (!t->n)
		return 0;
	b = t->b[t->n-1];
	t->body = inl(b->s1, inloop, mark) ? b->s1 : b->s2;
	return t->body != h;
}

/* l ends `jmp @h`: it takes the test's instructions and branch, h's
 * itself and, for each block after h in the test, a copy of its own,
 * which branches out where the block does and on to the next copy (the
 * last one to the body). Each path runs one of the two copies of the
 * test: tail duplication of the test's blocks. */
static void
rotate(Fn *fn, Test *t, Blk *l)
{
	Blk *c[MaxTest], *b, *x, *in, *to, *s[2];
	Ins *v, *i;
	Phi *p;
	uint n, k, at;

	c[0] = l;
	for (k=1; k<t->n; k++) {
		c[k] = newblk();
		strcpy(c[k]->name, "rot");
		c[k]->id = fn->nblk;  /* an id inloop[] never marks */
		c[k]->link = c[k-1]->link;
		c[k-1]->link = c[k];
	}
	for (k=0; k<t->n; k++) {
		b = t->b[k];
		x = c[k];
		at = k ? 0 : x->nins;
		v = emalloc((at + b->nins + 1) * sizeof v[0]);
		memcpy(v, x->ins, at * sizeof v[0]);
		n = at;
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (!skipped(i))
				v[n++] = *i;
		opt_setins(x, v, n);
		free(v);
		in = k+1 < t->n ? t->b[k+1] : t->body;
		to = k+1 < t->n ? c[k+1] : t->body;
		x->jmp = b->jmp;
		x->s1 = b->s1 == in ? to : b->s1;
		x->s2 = b->s2 == in ? to : b->s2;
		s[0] = b->s1;
		s[1] = b->s2;
		/* the test's blocks have no phis: only the body and the
		 * exits get an argument, what they take from b */
		for (n=0; n<2; n++)
			for (p=s[n]->phi; p; p=p->link)
				opt_addarg(p, x, phiarg(p, b));
	}
}

/* Rotate the loop headed by h; returns the latches rotated. */
static int
rotloop(Fn *fn, Blk *h, uint *inloop, Blk **stk, int *budget)
{
	Test t;
	Blk *l;
	uint p;
	int done;

	if (!markall(h, inloop, stk) || !findtest(fn, h, inloop, h->id + 1, &t))
		return 0;
	done = 0;
	for (p=0; p<h->npred; p++) {
		l = h->pred[p];
		if (l->jmp.type != Jjmp || !dom(h, l) || *budget < t.size)
			continue;
		rotate(fn, &t, l);
		*budget -= t.size;
		done++;
	}
	return done;
}

/* C's `a && b` in a loop's test, `while (j < m && t[i + j] == p[j])`,
 * decides at -O0 on a phi in a join block:
 *	@hd    %c =w csltl %j, %m      jnz %c, @rhs, @join
 *	@rhs   %b =w ceqw ...          jmp @join
 *	@join  %r =w phi @hd 0, @rhs %b    jnz %r, @body, @out
 * so both targets of the header are in the loop and its test is no
 * test of the loop. The join's predecessors take its branch
 * themselves, as thread and cmpbr do after GCM: one giving a constant
 * goes where the branch would (@hd to @out), one jumping to the join
 * with a temporary branches on it (@rhs: jnz %b, @body, @out); the
 * join dies, and @hd, @rhs are a test of two blocks. Done only when
 * every predecessor can, some constant leaves the loop (for `||` none
 * does, and the header would not test the loop either way), and the
 * join's targets have no phis. */
static int
unjoin(Fn *fn, Blk *h, Blk *j, uint *inloop, uint mark)
{
	Phi *p;
	Blk *pb, *t;
	uint n;
	int out;

	if (j == h || !inl(j, inloop, mark) || !(p = opt_phibranch(fn, j))
	|| j->s1->phi || j->s2->phi || p->narg != j->npred)
		return 0;
	out = 0;
	for (n=0; n<p->narg; n++) {
		pb = p->blk[n];
		if (rtype(p->arg[n]) == RCon) {
			if (!(t = opt_dest(fn, j, p->arg[n])))
				return 0;
			if (pb->jmp.type == Jjnz) {
				if (pb->s1 == pb->s2 || pb->s1 == t || pb->s2 == t)
					return 0;
			} else if (pb->jmp.type != Jjmp)
				return 0;
			out |= !inl(t, inloop, mark);
		} else if (rtype(p->arg[n]) != RTmp || pb->jmp.type != Jjmp)
			return 0;
	}
	if (!out)
		return 0;
	for (n=0; n<p->narg; n++) {
		pb = p->blk[n];
		if (rtype(p->arg[n]) == RCon) {
			t = opt_dest(fn, j, p->arg[n]);
			if (pb->s1 == j)
				pb->s1 = t;
			else
				pb->s2 = t;
			opt_stats.threaded++;
		} else {
			pb->jmp.type = Jjnz;
			pb->jmp.arg = p->arg[n];
			pb->s1 = j->s1;
			pb->s2 = j->s2;
			opt_stats.branches++;
		}
	}
	return 1;
}

/* Take apart a join in the test of the loop headed by h (see unjoin):
 * the first block of the test with both targets in the loop. */
static int
unjointest(Fn *fn, Blk *h, uint *inloop, uint mark)
{
	Blk *b;
	uint n;

	if (h == fn->start || h->phi)
		return 0;
	for (b=h, n=0; n<MaxTest; n++) {
		if (b->jmp.type != Jjnz || b->s1 == b->s2)
			return 0;
		if (inl(b->s1, inloop, mark) && inl(b->s2, inloop, mark))
			return unjoin(fn, h, b->s1, inloop, mark)
				|| unjoin(fn, h, b->s2, inloop, mark);
		if (!tests(b, inloop, mark))
			return 0;
		b = inl(b->s1, inloop, mark) ? b->s1 : b->s2;
		if (b == h || b->npred != 1 || b->phi)
			return 0;
	}
	return 0;
}

/* One join taken apart in some loop's test; then the cfg and uses are
 * fresh again. */
static int
unjoins(Fn *fn)
{
	uint *inloop, n;
	Blk **stk, *h;
	int found;

	filldom(fn);
	inloop = emalloc((fn->nblk + 1) * sizeof inloop[0]);
	stk = emalloc(fn->nblk * sizeof stk[0]);
	found = 0;
	for (n=fn->nblk; n-- && !found;) {
		h = fn->rpo[n];
		if (markall(h, inloop, stk))
			found = unjointest(fn, h, inloop, h->id + 1);
	}
	free(inloop);
	free(stk);
	if (found) {
		fillcfg(fn);
		filluse(fn);
	}
	return found;
}

void
opt_rotate(Fn *fn)
{
	uint *inloop, n;
	Blk **stk;
	int budget, done;

	for (n=0; n<MaxJoin && unjoins(fn); n++)
		;
	filldom(fn);
	/* blocks made by rotate() have id nblk, marked in no loop */
	inloop = emalloc((fn->nblk + 1) * sizeof inloop[0]);
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
