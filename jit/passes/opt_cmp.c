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

void
opt_cmp(Fn *fn)
{
	Blk *b;
	uint n;
	int moved, skipped;

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
}
