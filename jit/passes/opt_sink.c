/* Computations sunk from a branching block into the successors that
 * use them.
 *
 * Naive IL recomputes the same values on every path: each case of an
 * interpreter's switch loads the stack pointer and computes `sp - 1`,
 * its extension and its scaled offset for itself. QBE's GVN makes them
 * one computation and GCM places it where it dominates every use, the
 * block that dispatches, so each dispatch computes the offsets of all
 * cases (interp: 14 instructions before its first compare). Once GCM
 * is done, such an instruction goes back down: from a block ending in
 * `jnz` into a successor whose only predecessor is that block, when all
 * its uses are in blocks that successor dominates; when both successors
 * have uses, each gets its own copy (a new temporary, renamed in the
 * copy's blocks), unless both use it in their first block (in a jump,
 * in what GCM cannot move: a call's argument, a load's address, or
 * anywhere in a block that does not branch), where the copies would run as often as the original and only
 * lengthen what the register allocator must keep (sort_structs' merge
 * loop: 4% more instructions). A successor with one predecessor runs at most as
 * often as the block, and both together at most as often, so no path
 * computes more than before; it is never in a deeper loop (entering a
 * loop passes its header, which has two predecessors). Only what GCM
 * may move is moved (no load, store, call or trapping division), never
 * a value used by a phi or in its own block; the block's instructions
 * are scanned from the last, so a chain (sub, extsw, mul) goes down
 * together, and successors are visited after the block (reverse
 * post-order), so it goes on down the switch.
 *
 * Runs at QBE_HOOK_SSA, after if-conversion (it would see the arms as
 * too big to speculate) and before cmp (which moves a sunk compare next
 * to its select). Needs fresh use and dominator information. */
#include "all.h"
#include "opt.h"

/* The successor of b whose dominated blocks hold block bid, or 0.
 * Only a successor b dominates will do: one whose only predecessor is
 * b, and not the start block (entered first, before b). */
static Blk *
region(Fn *fn, Blk *b, uint bid)
{
	Blk *u, *s;
	int n;

	u = fn->rpo[bid];
	for (n=0; n<2; n++) {
		s = n ? b->s2 : b->s1;
		if (s != b && s != fn->start && s->npred == 1 && dom(s, u))
			return s;
	}
	return 0;
}

/* Does the use u stay in block r: a jump, what GCM cannot move, or
 * anything when r does not branch (nothing sinks out of it)? */
static int
stays(Use *u, Blk *r)
{
	return u->bid == r->id
		&& (u->type == UJmp || r->jmp.type != Jjnz || pinned(u->u.ins));
}

/* Put i first in s (after its phis). */
static void
prepend(Blk *s, Ins *i)
{
	Ins *ins;

	ins = vnew(s->nins + 1, sizeof ins[0], PFn);
	ins[0] = *i;
	if (s->nins)
		memcpy(&ins[1], s->ins, s->nins * sizeof ins[0]);
	s->ins = ins;
	s->nins++;
}

static void
retarget(Use *u, Fn *fn, Ref from, Ref to)
{
	Blk *b;
	int n;

	if (u->type == UJmp) {
		b = fn->rpo[u->bid];
		if (req(b->jmp.arg, from))
			b->jmp.arg = to;
		return;
	}
	for (n=0; n<2; n++)
		if (req(u->u.ins->arg[n], from))
			u->u.ins->arg[n] = to;
}

/* Sink b->ins[k] into b's successors; returns the instructions placed
 * (2 when each successor got one). */
static int
sinkins(Fn *fn, Blk *b, uint k)
{
	Ins i;
	Tmp *t;
	Use *u;
	Blk *r;
	Ref r2;
	int in1, in2;
	uint n;

	i = b->ins[k];
	if (i.op == Onop || i.op == Odbgloc || rtype(i.to) != RTmp
	|| pinned(&i))
		return 0;
	t = &fn->tmp[i.to.val];
	if (t->nuse == 0)
		return 0;	/* none: sweep() removed the unused */
	in1 = in2 = 0;
	for (u=t->use; u<&t->use[t->nuse]; u++) {
		if ((u->type != UIns && u->type != UJmp) || u->bid == b->id)
			return 0;
		r = region(fn, b, u->bid);
		if (!r)
			return 0;
		/* 1: used past the successor or by what may sink on,
		 * 2: by what stays in the successor itself */
		if (r == b->s1)
			in1 |= 1 + stays(u, r);
		else
			in2 |= 1 + stays(u, r);
	}
	/* both successors use it as they start: copies would save
	 * nothing, and cost registers */
	if ((in1 & 2) && (in2 & 2))
		return 0;
	b->ins[k] = (Ins){.op = Onop};
	if (in1 && in2) {
		r2 = newtmp("snk", i.cls, fn);
		t = &fn->tmp[i.to.val];
		for (n=0; n<t->nuse; n++)
			if (region(fn, b, t->use[n].bid) == b->s2)
				retarget(&t->use[n], fn, i.to, r2);
		prepend(b->s1, &i);
		i.to = r2;
		prepend(b->s2, &i);
		return 2;
	}
	prepend(in1 ? b->s1 : b->s2, &i);
	return 1;
}

/* GCM leaves the originals of what it sank, unused, and they would
 * count as uses of what they read: remove them all, and what only they
 * used, then fill the uses once (sinkins() removing them one at a time
 * filled them once each: seconds for a function with thousands). The
 * counts alone are kept up to date until then. */
static void
sweep(Fn *fn)
{
	Blk *b;
	Ins *i;
	Tmp *t;
	uint k;
	int n, gone;

	do {
		gone = 0;
		for (b=fn->start; b; b=b->link)
			for (k=b->nins; k>0;) {
				i = &b->ins[--k];
				if (i->op == Onop || i->op == Odbgloc || rtype(i->to) != RTmp
				|| pinned(i) || fn->tmp[i->to.val].nuse)
					continue;
				for (n=0; n<2; n++)
					if (rtype(i->arg[n]) == RTmp) {
						t = &fn->tmp[i->arg[n].val];
						t->nuse--;
					}
				*i = (Ins){.op = Onop};
				gone = 1;
			}
	} while (gone);
	filluse(fn);
}

void
opt_sink(Fn *fn)
{
	Blk *b;
	uint id, k;
	int n, m;

	sweep(fn);
	n = 0;
	for (id=0; id<fn->nblk; id++) {
		b = fn->rpo[id];
		if (b->jmp.type != Jjnz || b->s1 == b->s2)
			continue;
		/* earlier instructions stay where they are: k goes on down */
		for (k=b->nins; k>0;) {
			k--;
			if ((m = sinkins(fn, b, k))) {
				n += m;
				filluse(fn);
			}
		}
	}
	opt_stats.sunk += n;
}
