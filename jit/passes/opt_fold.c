/* Loads folded into the instruction using their value, as its memory
 * operand: `%x =d load %p` then `%s =d mul %y, %x` is one
 * `mulsd (%p), %s` -- what gcc does with the a[i] * b[i] of a dot
 * product, one instruction where QBE emits a movsd and a mulsd.
 *
 * Runs at QBE_HOOK_ISEL, on amd64 instructions. That is the place for
 * it: isel has made each load's address an addressing mode (fn->mem)
 * and fixed every operand, while no register is given yet; liveness,
 * spill.c and rega.c take a memory operand in any argument already
 * (isel's float constants are ones: base and index must be registers,
 * the other argument one too where the instruction allows only one
 * memory operand), and emit.c prints it. In QBE's isel.c the fold would
 * change what build/host/qbe prints, and there it could not be turned
 * off like our other passes. One hazard is the emitter's: its 2-address
 * conversion of `%d = add %a, (%b)`, `mov %a, %d; add (%b), %d`, would
 * overwrite the address when the register allocator gives %d the
 * register of %b (which may die there); emit.c then loads the memory
 * operand into %d first (jitboot/qbe.py, "memory operand through the
 * destination").
 *
 * A load folds when its value is defined once and used once, by a later
 * instruction of the same block that reads it at the width it was loaded
 * (foldable[]; never an extending load), whose other operand is a
 * register (x86 takes one memory operand, and against a constant a fold
 * saves nothing, but in a compare), with nothing between the two that
 * writes memory (a store, a call), traps (a division: the fault would
 * come first) or defines the address's registers. The load then reads
 * the same memory at its new place.
 *
 * Before that, read-modify-writes: a store of what an add, sub, and, or
 * or xor computed from a load of the same address (`count[c]++`, both
 * values used only there, the store as wide as the operation) becomes
 * that operation on memory, `addl $1, (%rdi, %rcx, 4)` for three
 * instructions, when nothing between the load and the store may write
 * memory and nothing between the operation and the store sets the
 * flags (the operation now sets them at the store). Its other operand
 * is a register or a constant: spill.c is adjusted to keep it out of
 * spill slots (x86 has no operation from memory to memory). */
#include "all.h"
#include "opt.h"

enum {
	Arg0 = 1,  /* the memory operand may be arg[0] */
	Arg1 = 2,  /* ... arg[1] */
	Swap = 4,  /* either, the operation commutes: it goes to arg[1] */
	MaxGap = 64, /* instructions looked through between load and use */
};

/* Where a memory operand may go, by class w, l, s, d. emit.c prints
 * arg[1] as the source of a 2-address instruction; a compare's arg[0]
 * is the source, the only place ucomisd takes memory. */
static const struct {
	short op;
	uchar where[4];
} foldable[] = {
	{Oadd,  {Swap, Swap, Swap, Swap}},
	{Omul,  {Swap, Swap, Swap, Swap}},
	{Oand,  {Swap, Swap, 0, 0}},
	{Oor,   {Swap, Swap, 0, 0}},
	{Oxor,  {Swap, Swap, 0, 0}},
	{Osub,  {Arg1, Arg1, Arg1, Arg1}},
	{Odiv,  {0, 0, Arg1, Arg1}},   /* integer division is Oxdiv by now */
	{Oxcmp, {Arg0|Arg1, Arg0|Arg1, Arg0, Arg0}},
};

static int
where(Ins *i)
{
	uint n;

	for (n=0; n<sizeof foldable/sizeof foldable[0]; n++)
		if (foldable[n].op == i->op)
			return foldable[n].where[i->cls];
	return 0;
}

/* Does the load ld give a value of class k at full width? */
static int
fullwidth(Ins *ld, int k)
{
	if (ld->cls != k)
		return 0;
	return ld->op == Oload
		|| (k == Kw && (ld->op == Oloadsw || ld->op == Oloaduw));
}

/* Memory writes and traps a load may not move past. */
static int
barrier(int op)
{
	return isstore(op) || op == Ocall || op == Oxdiv || op == Oxidiv
		|| op == Osalloc || op == Ovastart || op == Ovaarg
		|| op == Oblit0 || op == Oblit1;
}

static void
count(Ref r, uint *nuse, Fn *fn)
{
	Mem *m;

	if (rtype(r) == RMem) {
		m = &fn->mem[r.val];
		count(m->base, nuse, fn);
		count(m->index, nuse, fn);
	} else if (rtype(r) == RTmp)
		nuse[r.val]++;
}

/* An address register the fold may keep alive to the use: none, a
 * stack slot, or a temporary (not a machine register, which the
 * instructions between may well set). */
static int
movable(Ref r)
{
	return req(r, R) || rtype(r) == RSlot
		|| (rtype(r) == RTmp && r.val >= Tmp0);
}

static int
defines(Ins *i, Ref r)
{
	return rtype(r) == RTmp && req(i->to, r);
}

/* The load's address as a memory operand, or R when it cannot be one. */
static Ref
memof(Ins *ld, Fn *fn)
{
	Ref a;
	Mem m;

	a = ld->arg[0];
	memset(&m, 0, sizeof m);
	m.base = R;
	m.index = R;
	switch (rtype(a)) {
	case RMem:
		return a;
	case RTmp:
	case RSlot:
		m.base = a;
		break;
	case RCon:
		if (fn->con[a.val].type != CAddr
		|| fn->con[a.val].sym.type == SThr)
			return R;
		m.offset = fn->con[a.val];
		break;
	default:
		return R;
	}
	vgrow(&fn->mem, ++fn->nmem);
	fn->mem[fn->nmem-1] = m;
	return MEM(fn->nmem-1);
}

/* Can the load ld move down to u, just before it? */
static int
canmove(Ins *ld, Ins *u, Fn *fn)
{
	Ins *i;
	Mem *m;
	Ref base, index;

	base = index = R;
	if (rtype(ld->arg[0]) == RMem) {
		m = &fn->mem[ld->arg[0].val];
		base = m->base;
		index = m->index;
	} else if (rtype(ld->arg[0]) == RTmp)
		base = ld->arg[0];
	if (!movable(base) || !movable(index) || u - ld > MaxGap)
		return 0;
	for (i=ld+1; i<u; i++)
		if (barrier(i->op) || defines(i, base) || defines(i, index))
			return 0;
	return 1;
}

/* What opt_fold() knows of the function's temporaries. */
typedef struct {
	uint *nuse, *ndef;
	Ins **def;     /* the defining instruction, */
	uint *defblk;  /* in this block */
} Uses;

/* Fold into arg[n] of u, an instruction of block b, the load that
 * defines it, if it may; 1 if done. */
static int
fold(Blk *b, Ins *u, int n, Uses *us, Fn *fn)
{
	Ins *ld;
	Ref r, other, mem;
	int t, w;

	w = where(u);
	r = u->arg[n];
	other = u->arg[!n];
	if (!(w & (n ? Arg1|Swap : Arg0|Swap)) || rtype(r) != RTmp || r.val < Tmp0)
		return 0;
	t = r.val;
	ld = us->def[t];
	if (us->nuse[t] != 1 || us->ndef[t] != 1 || !ld || us->defblk[t] != b->id
	|| ld >= u || !isload(ld->op) || !fullwidth(ld, u->cls))
		return 0;
	if (rtype(other) != RTmp
	&& !(rtype(other) == RCon && u->op == Oxcmp))
		return 0;
	if (!canmove(ld, u, fn))
		return 0;
	mem = memof(ld, fn);
	if (req(mem, R))
		return 0;
	if (n == 0 && !(w & Arg0)) {
		u->arg[0] = other;
		n = 1;
	}
	u->arg[n] = mem;
	*ld = (Ins){.op = Onop};
	return 1;
}

/* The store of class k (storew for w, storel for l), or -1. */
static int
storeof(int k)
{
	return k == Kw ? Ostorew : k == Kl ? Ostorel : -1;
}

static int
sameaddr(Ref a, Ref b, Fn *fn)
{
	Mem *m, *n;

	if (req(a, b))
		return rtype(a) != RMem;
	if (rtype(a) != RMem || rtype(b) != RMem)
		return 0;
	m = &fn->mem[a.val];
	n = &fn->mem[b.val];
	return req(m->base, n->base) && req(m->index, n->index)
		&& (req(m->index, R) || m->scale == n->scale)
		&& m->offset.type == n->offset.type
		&& (m->offset.type == CUndef
		|| (m->offset.bits.i == n->offset.bits.i
		&& (m->offset.type != CAddr
		|| (m->offset.sym.id == n->offset.sym.id
		&& m->offset.sym.type == n->offset.sym.type))));
}

/* Does i leave the flags as they were? The operation of a
 * read-modify-write sets them at the store, where it was computed
 * before: nothing between may set them (a compare for a later jump). */
static int
keepsflags(Ins *i)
{
	return i->op == Onop || i->op == Odbgloc || i->op == Ocopy
		|| i->op == Oaddr || isload(i->op) || isext(i->op)
		|| (KBASE(i->cls) == 1 && i->op != Oxcmp);
}

/* The load giving u's operand v that the store st may take as a
 * read-modify-write of the same memory, or 0. */
static Ins *
rmwload(Blk *b, Ins *u, Ref v, Ins *st, Uses *us, Fn *fn)
{
	Ins *ld;

	if (rtype(v) != RTmp || v.val < Tmp0)
		return 0;
	ld = us->def[v.val];
	if (us->nuse[v.val] != 1 || us->ndef[v.val] != 1 || !ld
	|| us->defblk[v.val] != b->id || ld >= u || !isload(ld->op)
	|| !fullwidth(ld, u->cls) || !sameaddr(ld->arg[0], st->arg[1], fn)
	|| !canmove(ld, st, fn))
		return 0;
	return ld;
}

/* Make the store st of block b, of a value computed from what a load of
 * the same address gave (`x[i] += y`, `count[c]++`), one instruction
 * on memory: `addl %esi, (%rdi)`. It has no result (to is R) and its
 * memory operand is arg[0]; emit.c prints it (jitboot/qbe.py,
 * "read-modify-write"). 1 if done. */
static int
rmw(Blk *b, Ins *st, Uses *us, Fn *fn)
{
	Ins *u, *ld, *i;
	Ref r, x, mem;
	int t, n;

	r = st->arg[0];
	if (rtype(r) != RTmp || r.val < Tmp0)
		return 0;
	t = r.val;
	u = us->def[t];
	if (us->nuse[t] != 1 || us->ndef[t] != 1 || !u || us->defblk[t] != b->id
	|| u >= st || storeof(u->cls) != st->op || u->op == Omul || u->op == Oxcmp
	|| !(where(u) & (Swap|Arg1)))
		return 0;
	for (n=0; n<2; n++) {
		if (n == 1 && !(where(u) & Swap))
			return 0;
		x = u->arg[!n];
		if (!(rtype(x) == RCon || (rtype(x) == RTmp && x.val >= Tmp0)))
			continue;
		ld = rmwload(b, u, u->arg[n], st, us, fn);
		if (ld)
			break;
	}
	if (n == 2)
		return 0;
	for (i=u+1; i<st; i++)
		if (!keepsflags(i) || req(i->to, x))
			return 0;
	mem = memof(ld, fn);
	if (req(mem, R))
		return 0;
	*st = (Ins){.op = u->op, .cls = u->cls, .to = R, .arg = {mem, x}};
	*u = (Ins){.op = Onop};
	*ld = (Ins){.op = Onop};
	return 1;
}

void
opt_fold(Fn *fn)
{
	Blk *b;
	Phi *p;
	Ins *i;
	Uses us;
	uint a;
	int n;

	us.nuse = vnew(fn->ntmp, sizeof us.nuse[0], PFn);
	us.ndef = vnew(fn->ntmp, sizeof us.ndef[0], PFn);
	us.defblk = vnew(fn->ntmp, sizeof us.defblk[0], PFn);
	us.def = vnew(fn->ntmp, sizeof us.def[0], PFn);
	memset(us.nuse, 0, fn->ntmp * sizeof us.nuse[0]);
	memset(us.ndef, 0, fn->ntmp * sizeof us.ndef[0]);
	memset(us.def, 0, fn->ntmp * sizeof us.def[0]);
	for (b=fn->start; b; b=b->link) {
		for (p=b->phi; p; p=p->link) {
			us.ndef[p->to.val]++;
			for (a=0; a<p->narg; a++)
				count(p->arg[a], us.nuse, fn);
		}
		for (i=b->ins; i<&b->ins[b->nins]; i++) {
			if (rtype(i->to) == RTmp) {
				us.ndef[i->to.val]++;
				us.def[i->to.val] = i;
				us.defblk[i->to.val] = b->id;
			}
			count(i->arg[0], us.nuse, fn);
			count(i->arg[1], us.nuse, fn);
		}
		count(b->jmp.arg, us.nuse, fn);
	}
	/* read-modify-writes first: folding the load into the operation
	 * would leave the store nothing to take */
	for (b=fn->start; b; b=b->link)
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			if (isstore(i->op) && rmw(b, i, &us, fn))
				opt_stats.rmw++;
	for (b=fn->start; b; b=b->link)
		for (i=b->ins; i<&b->ins[b->nins]; i++)
			for (n=1; n>=0; n--)
				if (fold(b, i, n, &us, fn)) {
					opt_stats.folded++;
					break;
				}
}
