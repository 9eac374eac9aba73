/* Tail recursion elimination with accumulators.
 *
 * A block that ends in
 *	%r =k call $f(args)        ret %r            (a tail call)
 *	%c =k call $f(args)  %r =k OP %x, %c  ret %r  (OP add mul and or xor)
 * inside $f itself becomes a jump back to the top of $f with the
 * parameters set to args. For the second form an accumulator %acc,
 * starting at OP's identity, collects the %x of every trip and each
 * return of $f returns `%acc OP value` instead. OP must be associative
 * and commutative, as LLVM's tail recursion elimination requires:
 * fib(n-1) + fib(n-2) becomes a loop over n with one call inside.
 *
 * It runs after QBE's promote pass (QBE_HOOK_PROMOTED), before SSA
 * construction: parameters and %acc are simply assigned again, and
 * QBE's ssa pass makes the loop phis. The stack slots of naive IL are
 * then temporaries, so a C front end's `store %r, %retval; jmp @ret`
 * ... `@ret %v = load %retval; ret %v` has become copies: copies after
 * the call are looked through (the function returns after them, so
 * nothing reads what they assign), and a block that jumps to a block
 * of copies ending in a return takes a copy of it first (tailcopy). */

#include "all.h"
#include "opt.h"

typedef struct Site Site;

struct Site {
	Blk *b;
	uint a;     /* first arg of the call */
	Ins *acc;   /* the OP instruction, or 0 for a plain tail call */
};

static int
isself(Fn *fn, Ins *i, uint32_t id)
{
	Con *c;

	if (i->op != Ocall || rtype(i->arg[0]) != RCon || !req(i->arg[1], R))
		return 0;
	c = &fn->con[i->arg[0].val];
	return c->type == CAddr && c->sym.type == SGlo && c->sym.id == id
		&& c->bits.i == 0;
}

static int
accop(int op)
{
	return op == Oadd || op == Omul || op == Oand || op == Oor || op == Oxor;
}

static int64_t
identity(int op)
{
	switch (op) {
	case Omul: return 1;
	case Oand: return -1;
	default: return 0;
	}
}

/* The call's arguments must match the parameters one for one. */
static int
argsmatch(Blk *b, uint ci, Blk *start, int np)
{
	int a, n;

	a = opt_callargs(b, ci);
	if (a < 0 || (int)ci - a != np)
		return -1;
	for (n=0; n<np; n++)
		if (b->ins[a+n].cls != start->ins[n].cls)
			return -1;
	return a;
}

static int
iscopy(Ins *i)
{
	return i->op == Ocopy || i->op == Onop || i->op == Odbgloc;
}

/* The last instruction of b that is not a copy, and in *r the value
 * the return gives as it was before the copies (*r is R for ret0). */
static Ins *
beforecopies(Blk *b, Ref *r)
{
	Ins *i;

	*r = b->jmp.arg;
	for (i=&b->ins[b->nins]; i>b->ins; i--) {
		if (!iscopy(i-1))
			return i-1;
		if (i[-1].op == Ocopy && req(i[-1].to, *r))
			*r = i[-1].arg[0];
	}
	return 0;
}

/* A block of copies ending in a return, jumped to from b. */
static int
retblk(Blk *s)
{
	uint n;

	if (!s || !isret(s->jmp.type) || s->phi)
		return 0;
	for (n=0; n<s->nins; n++)
		if (!iscopy(&s->ins[n]))
			return 0;
	return 1;
}

/* b ends `jmp @s` with s a retblk: b takes s's copies and return. */
static void
tailcopy(Blk *b)
{
	Blk *s;
	Ins *v;

	s = b->s1;
	v = emalloc((b->nins + s->nins + 1) * sizeof v[0]);
	memcpy(v, b->ins, b->nins * sizeof v[0]);
	memcpy(v + b->nins, s->ins, s->nins * sizeof v[0]);
	opt_setins(b, v, b->nins + s->nins);
	free(v);
	b->jmp = s->jmp;
	b->s1 = 0;
	b->s2 = 0;
}

/* Is b a recursion site? Fills s; *op is the accumulator operation of
 * the function, set by its first accumulating site. */
static int
site(Fn *fn, Blk *b, uint32_t id, int np, int *op, Site *s)
{
	Ins *i, *c;
	Ref r;
	int k, a;

	if (b->jmp.type == Jjmp && retblk(b->s1)) {
		i = beforecopies(b, &r);
		if (!i || (!isself(fn, i, id) && !(accop(i->op) && i > b->ins
		&& isself(fn, i-1, id))))
			return 0;
		tailcopy(b);
	}
	if (!isret(b->jmp.type) || b->nins == 0)
		return 0;
	k = b->jmp.type - Jretw;
	i = beforecopies(b, &r);
	if (!i)
		return 0;
	if (isself(fn, i, id)) {
		if (b->jmp.type != Jret0
		&& (i->cls != k || !req(i->to, r)))
			return 0;
		a = argsmatch(b, i - b->ins, fn->start, np);
		if (a < 0)
			return 0;
		*s = (Site){b, a, 0};
		return 1;
	}
	if (i == b->ins || (k != Kw && k != Kl) || !accop(i->op)
	|| i->cls != k || !req(i->to, r))
		return 0;
	c = i - 1;
	if (!isself(fn, c, id) || c->cls != k || rtype(c->to) != RTmp)
		return 0;
	if (!req(i->arg[1], c->to) && !req(i->arg[0], c->to))
		return 0;
	if (req(i->arg[0], i->arg[1]))
		return 0;
	if (*op >= 0 && *op != (int)i->op)
		return 0;
	a = argsmatch(b, c - b->ins, fn->start, np);
	if (a < 0)
		return 0;
	*op = i->op;
	*s = (Site){b, a, i};
	return 1;
}

/* t_n = copy arg_n; [acc = OP acc, x]; par_n = copy t_n; jmp @loop
 * (par[] are the function's par instructions) */
static void
rewrite(Fn *fn, Site *s, Ins *par, Blk *loop, int np, Ref acc)
{
	Ins *v, *i;
	Ref x, t;
	uint n;
	int p;

	v = emalloc((s->a + 2*np + 1) * sizeof v[0]);
	memcpy(v, s->b->ins, s->a * sizeof v[0]);
	n = s->a;
	for (p=0; p<np; p++) {
		i = &s->b->ins[s->a+p];
		t = newtmp("tre", i->cls, fn);
		v[n++] = (Ins){Ocopy, i->cls, t, {i->arg[0], R}};
	}
	if (s->acc) {
		i = s->acc;
		x = req(i->arg[0], (i-1)->to) ? i->arg[1] : i->arg[0];
		v[n++] = (Ins){i->op, i->cls, acc, {acc, x}};
	}
	for (p=0; p<np; p++)
		v[n++] = (Ins){Ocopy, par[p].cls, par[p].to, {v[s->a+p].to, R}};
	opt_setins(s->b, v, n);
	free(v);
	s->b->jmp.type = Jjmp;
	s->b->jmp.arg = R;
	s->b->s1 = loop;
	s->b->s2 = 0;
}

/* The other returns give `acc OP value`. */
static void
accret(Fn *fn, Blk *b, int op, Ref acc)
{
	Ins *v;
	Ref r;
	int k;

	k = b->jmp.type - Jretw;
	r = newtmp("tre", k, fn);
	v = emalloc((b->nins + 1) * sizeof v[0]);
	memcpy(v, b->ins, b->nins * sizeof v[0]);
	v[b->nins] = (Ins){op, k, r, {acc, b->jmp.arg}};
	opt_setins(b, v, b->nins + 1);
	free(v);
	b->jmp.arg = r;
}

/* QBE's ssa pass takes a temporary used by a phi to be in SSA form
 * already: such a parameter cannot be assigned again. */
static int
parinphi(Fn *fn, int np)
{
	Blk *b;
	Phi *p;
	uint n;
	int k;

	for (b=fn->start; b; b=b->link)
		for (p=b->phi; p; p=p->link)
			for (n=0; n<p->narg; n++)
				for (k=0; k<np; k++)
					if (req(p->arg[n], fn->start->ins[k].to))
						return 1;
	return 0;
}

void
opt_tre(Fn *fn)
{
	Site *s;
	Blk *b, *entry, *loop;
	Ins *v;
	Ref acc;
	uint32_t id;
	int np, ns, n, j, op, k;

	np = opt_params(fn);
	if (np < 0 || parinphi(fn, np))
		return;
	id = intern(fn->name);
	s = emalloc(fn->nblk * sizeof s[0]);
	ns = 0;
	op = -1;
	for (b=fn->start; b; b=b->link)
		if (b != fn->start && site(fn, b, id, np, &op, &s[ns]))
			ns++;
	if (ns == 0) {
		free(s);
		return;
	}
	/* entry: the parameters (and acc = identity); the old start
	 * block, now the loop header, keeps the rest */
	loop = fn->start;
	entry = newblk();
	strcpy(entry->name, "tre.entry");
	entry->id = fn->nblk++;
	acc = R;
	k = Kx;
	v = emalloc((np + 1) * sizeof v[0]);
	memcpy(v, loop->ins, np * sizeof v[0]);
	n = np;
	if (op >= 0) {
		for (j=0; j<ns; j++)
			if (s[j].acc)
				k = s[j].acc->cls;
		acc = newtmp("tre.acc", k, fn);
		v[n++] = (Ins){Ocopy, k, acc, {getcon(identity(op), fn), R}};
	}
	opt_setins(entry, v, n);
	free(v);
	opt_setins(loop, loop->ins + np, loop->nins - np);
	entry->jmp.type = Jjmp;
	entry->s1 = loop;
	entry->link = loop;
	fn->start = entry;
	for (n=0; n<ns; n++)
		rewrite(fn, &s[n], entry->ins, loop, np, acc);
	opt_stats.tre += ns;
	if (op >= 0)
		for (b=fn->start; b; b=b->link)
			if (isret(b->jmp.type) && b->jmp.type != Jret0)
				accret(fn, b, op, acc);
	free(s);
	fillcfg(fn);
	filluse(fn);
}
