/* Jumps threaded through a branch on a phi whose value is known.
 *
 * C's `a && b` at -O0 becomes a join block deciding on a phi:
 *	@cond  ... jnz %a, @rhs, @join
 *	@rhs   %b =w ...   jmp @join
 *	@join  %r =w phi @cond 0, @rhs %b   jnz %r, @yes, @no
 * QBE materialises %r (`movl $0`, `setz`, `movzbl`) and tests it again.
 * A predecessor that gives the phi a constant knows where the branch
 * goes: it jumps there directly, and the join is left to the others.
 * Only a join with no instructions and only that phi, used by its jump
 * alone, is threaded, and never from its last predecessors with a
 * constant (the join stays reachable, so no phi loses a block). The
 * value a phi of the target took from the join is defined in a block
 * dominating the join, hence every predecessor: it serves the new edge.
 *
 * Runs at QBE_HOOK_SSA, after GVN and GCM (use information is fresh). */
#include "all.h"
#include "opt.h"

/* Drop the argument of p coming from b. */
static void
droparg(Phi *p, Blk *b)
{
	uint n;

	for (n=0; n<p->narg; n++)
		if (p->blk[n] == b) {
			p->narg--;
			p->arg[n] = p->arg[p->narg];
			p->blk[n] = p->blk[p->narg];
			return;
		}
}

/* The block the branch of j goes to when its phi is c. */
static Blk *
dest(Fn *fn, Blk *j, Ref c)
{
	Con *k;

	k = &fn->con[c.val];
	if (k->type != CBits)
		return 0;
	return (uint32_t)k->bits.i ? j->s1 : j->s2;
}

/* pb's edge to j, to be redirected to t: pb must reach j by one edge
 * and not reach t already (t's phis take one argument per block). */
static Blk **
edge(Blk *pb, Blk *j, Blk *t)
{
	if (pb->jmp.type == Jjmp)
		return &pb->s1;
	if (pb->jmp.type != Jjnz || pb->s1 == pb->s2 || pb->s1 == t || pb->s2 == t)
		return 0;
	return pb->s1 == j ? &pb->s1 : &pb->s2;
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

/* Thread what can be threaded through j; returns how many edges. */
static int
thread(Fn *fn, Blk *j)
{
	Phi *p, *q;
	Blk *pb, *t, **e;
	Ref c;
	uint n, left;
	int done;

	p = j->phi;
	if (!p || p->link || p->cls != Kw || j->jmp.type != Jjnz
	|| !req(j->jmp.arg, p->to) || fn->tmp[p->to.val].nuse != 1
	|| !empty(j) || j->s1 == j->s2 || j->s1 == j || j->s2 == j)
		return 0;
	left = p->narg;
	done = 0;
	for (n=0; n<p->narg;) {
		c = p->arg[n];
		pb = p->blk[n];
		if (left == 1 || rtype(c) != RCon || !(t = dest(fn, j, c))
		|| !(e = edge(pb, j, t))) {
			n++;
			continue;
		}
		for (q=t->phi; q; q=q->link)
			opt_addarg(q, pb, phiarg(q, j));
		*e = t;
		droparg(p, pb);  /* moves the last argument to n */
		left--;
		done++;
	}
	return done;
}

void
opt_thread(Fn *fn)
{
	Blk *b;
	int n;

	n = 0;
	for (b=fn->start; b; b=b->link)
		n += thread(fn, b);
	if (n) {
		opt_stats.threaded += n;
		fillcfg(fn);
		filluse(fn);
		filldom(fn);
	}
}
