/* Jump tables for the binary searches switches become.
 *
 * QBE IL has no indirect jump, so the C front door (jitboot/llvm.py)
 * lowers a switch to a search of compares of one value against
 * constants. Once registers are allocated, a search is a tree of blocks
 * that each compare one register with a constant and branch on it
 * (`cmpl $7, %eax; jb ...`): the blocks below the root do nothing else.
 * For a tree over a dense range of values, a `jmptbl` goes before the
 * root's compare. With two dead registers (4-byte entries):
 *
 *	leal -lo(%rax), %ecx       movl %eax, %ecx when lo is 0
 *	cmpl $n-1, %ecx
 *	ja .Ljt<N>x                outside the table: the search decides
 *	leaq .Ljt<N>(%rip), %rdx
 *	movslq (%rdx,%rcx,4), %rcx
 *	addq %rdx, %rcx
 *	jmp *%rcx
 *	.p2align 2
 *	.Ljt<N>: .long .Lbb<T>-.Ljt<N> ...
 *	.Ljt<N>x:
 *
 * and with one, or for a 64-bit value, the value is the index into
 * 8-byte entries (a 32-bit one sign-extended in place first, when its
 * upper half is dead where the table jumps to):
 *
 *	cmpl $n-1, %eax            leaq -lo(%rax), %rcx; cmpq $n-1, %rcx (l)
 *	ja .Ljt<N>x
 *	movslq %eax, %rax          (w only)
 *	leaq .Ljt<N>(%rip), %rcx
 *	addq -8*lo(%rcx,%rax,8), %rcx
 *	jmp *%rcx
 *	.p2align 3
 *	.Ljt<N>: .quad .Lbb<T>-.Ljt<N> ...
 *	.Ljt<N>x:
 *
 * Entry v - lo of the table is the block the search reaches for v,
 * found by running the search: each compare block on the way only
 * sets the flags its own jump reads, so jumping past them changes
 * nothing else, and the walk stops at the first block that does
 * anything more (a block of register moves on an edge, a compare of
 * something else, the case's code). The tree stays whole, and the
 * table is a shortcut through it: values outside the range, and the
 * code when no table is made, run the search as before.
 *
 * A table is made only when it pays in instructions, values of the
 * range taken as equally likely: the search must run, on average over
 * the range, at least one instruction more (a compare and a branch per
 * level) than the table's path (5 to 7 instructions, t->cost; the
 * margin is for the values outside the range, which pay for the range
 * check too: with none, coremark_like's 8-state machine got a table
 * that ran 0.3% more instructions). The range must be at most MaxTbl
 * values and at most 4 per block of the tree (sparse switches keep the
 * search), and the registers must be dead where the search starts
 * (caller-saved ones, or callee-saved ones the prologue saves); the
 * registers live into each block are computed here, on the allocated
 * code, only for functions with a search worth a table.
 *
 * Runs at QBE_HOOK_LINKED, after everything else of QBE's: nothing
 * later moves or deletes the instruction. amd64/emit.c prints it with
 * jitboot_jmptbl (jitboot/qbe.py) and labels every block a table
 * names (jitboot_tbltarget). */
#include "amd64/all.h"   /* QBE's all.h, and amd64's registers */
#include "opt.h"

enum {
	MaxTbl = 4096,   /* entries of one table */
	MaxTree = 4096,  /* blocks of one search */
	MaxDepth = 64,   /* compares on one path (a loop of compares) */
	MinCostL = 5,    /* instructions of the shortest table path, l */
	MinCostW = 6,    /* and w */
	MinBlk = 4,      /* blocks of the smallest search worth it */
};

typedef struct Tbl Tbl;

struct Tbl {
	int reg, k, s, t;  /* value, its class, scratch registers */
	int wide;          /* 8-byte entries indexed by the value */
	int cost;          /* instructions on the table's path */
	uint64_t depth;    /* compares the search runs, summed over the range */
	int64_t lo;
	uint n;
	uint *to;          /* block ids, by value - lo */
	uint id;           /* label number: the root's */
};

/* emit.c's (jitboot/qbe.py) */
extern void (*jitboot_jmptbl)(Ins *, FILE *);
extern int (*jitboot_tbltarget)(Blk *);
extern int jitboot_id0;

/* The function being emitted: its tables and the blocks they name.
 * In QBE's per-function pool, forgotten before the next one. */
static Tbl *tbl;
static uint ntbl;
static uchar *target;
static uint ntarget;
/* extent()'s walk: blocks to visit, and the walk that saw each */
static Blk **stk;
static uint *seen, gen;

static const char *const r64[] = {
	[RAX] = "rax", [RCX] = "rcx", [RDX] = "rdx", [RSI] = "rsi",
	[RDI] = "rdi", [R8] = "r8", [R9] = "r9", [R10] = "r10", [R11] = "r11",
	[RBX] = "rbx", [R12] = "r12", [R13] = "r13", [R14] = "r14",
	[R15] = "r15", [RBP] = "rbp", [RSP] = "rsp",
};
static const char *const r32[] = {
	[RAX] = "eax", [RCX] = "ecx", [RDX] = "edx", [RSI] = "esi",
	[RDI] = "edi", [R8] = "r8d", [R9] = "r9d", [R10] = "r10d", [R11] = "r11d",
	[RBX] = "ebx", [R12] = "r12d", [R13] = "r13d", [R14] = "r14d",
	[R15] = "r15d", [RBP] = "ebp", [RSP] = "esp",
};

/* in the order they are taken as scratch: caller-saved ones, then
 * callee-saved ones the prologue saves anyway */
static const int scratch[] = {
	R11, R10, R9, R8, RSI, RDI, RDX, RCX, RAX, RBX, R12, R13, R14, R15,
};

static int
istarget(Blk *b)
{
	return b->id < ntarget && target[b->id];
}

int
opt_switch_target(Blk *b)
{
	return istarget(b);
}

static void
print(Ins *i, FILE *f)
{
	Tbl *t;
	const char *idx;
	uint n, id;

	t = &tbl[i->arg[1].val];
	id = t->id;
	idx = r64[t->s];
	if (t->k == Kw && t->lo == 0 && t->wide)
		fprintf(f, "\tcmpl $%u, %%%s\n", t->n - 1, r32[t->reg]);
	else if (t->k == Kw) {
		if (t->lo == 0)
			fprintf(f, "\tmovl %%%s, %%%s\n", r32[t->reg], r32[t->s]);
		else
			fprintf(f, "\tleal %d(%%%s), %%%s\n", (int32_t)(uint32_t)-(uint64_t)t->lo,
				r64[t->reg], r32[t->s]);
		fprintf(f, "\tcmpl $%u, %%%s\n", t->n - 1, r32[t->s]);
	} else {
		if (t->lo == 0 && t->t != t->reg)
			idx = r64[t->reg];
		else if (t->lo == 0)
			fprintf(f, "\tmovq %%%s, %%%s\n", r64[t->reg], idx);
		else
			fprintf(f, "\tleaq %"PRId64"(%%%s), %%%s\n", -t->lo, r64[t->reg], idx);
		fprintf(f, "\tcmpq $%u, %%%s\n", t->n - 1, idx);
	}
	fprintf(f, "\tja %sjt%ux\n", T.asloc, id);
	if (t->wide) {
		/* s = table + entry[value - lo], the value as the index */
		if (t->k == Kw)
			fprintf(f, "\tmovslq %%%s, %%%s\n", r32[t->reg], r64[t->reg]);
		fprintf(f, "\tleaq %sjt%u(%%rip), %%%s\n", T.asloc, id, r64[t->s]);
		fprintf(f, "\taddq %"PRId64"(%%%s,%%%s,8), %%%s\n", -8 * t->lo,
			r64[t->s], r64[t->reg], r64[t->s]);
	} else {
		fprintf(f, "\tleaq %sjt%u(%%rip), %%%s\n", T.asloc, id, r64[t->t]);
		fprintf(f, "\tmovslq (%%%s,%%%s,4), %%%s\n", r64[t->t], idx, r64[t->s]);
		fprintf(f, "\taddq %%%s, %%%s\n", r64[t->t], r64[t->s]);
	}
	fprintf(f, "\tjmp *%%%s\n", r64[t->s]);
	fprintf(f, ".p2align %d\n%sjt%u:\n", t->wide ? 3 : 2, T.asloc, id);
	for (n=0; n<t->n; n++)
		fprintf(f, "\t.%s %sbb%u-%sjt%u\n", t->wide ? "quad" : "long", T.asloc,
			jitboot_id0 + t->to[n], T.asloc, id);
	fprintf(f, "%sjt%ux:\n", T.asloc, id);
}

/* Is b a compare of a register with a constant, then a jump on it,
 * (with whole) and nothing else but debug lines? The register, class
 * and constant (sign-extended from the class) go to *r, *k, *c. */
static int
cmpblk(Fn *fn, Blk *b, int whole, int *r, int *k, int64_t *c)
{
	Ins *i;
	Con *con;
	int cc;

	cc = b->jmp.type - Jjf;
	if (b->nins == 0 || cc < 0 || cc >= NCmpI)
		return 0;
	i = &b->ins[b->nins-1];
	if (whole)
		for (; i>b->ins; i--)
			if (i[-1].op != Odbgloc && i[-1].op != Onop)
				return 0;
	i = &b->ins[b->nins-1];
	if (i->cls != Kw && i->cls != Kl)
		return 0;
	if (rtype(i->arg[1]) != RTmp || i->arg[1].val >= Tmp0)
		return 0;
	if (i->op == Oxcmp && rtype(i->arg[0]) == RCon) {
		con = &fn->con[i->arg[0].val];
		if (con->type != CBits)
			return 0;
		*c = con->bits.i;
	} else if (i->op == Oxtest && req(i->arg[0], i->arg[1]))
		*c = 0;
	else
		return 0;
	if (i->cls == Kw)
		*c = (int32_t)*c;
	*r = i->arg[1].val;
	*k = i->cls;
	return 1;
}

/* Does a search block compare register r of class k? */
static int
inner(Fn *fn, Blk *b, int r, int k, int64_t *c)
{
	int r1, k1;

	return cmpblk(fn, b, 1, &r1, &k1, c) && r1 == r && k1 == k;
}

/* x cc y, in class k: what the flags of `cmp y, x` tell jcc */
static int
holds(int cc, int k, int64_t x, int64_t y)
{
	uint64_t ux, uy;

	if (k == Kw) {
		x = (int32_t)x;
		y = (int32_t)y;
		ux = (uint32_t)x;
		uy = (uint32_t)y;
	} else {
		ux = x;
		uy = y;
	}
	switch (cc) {
	case Cieq: return x == y;
	case Cine: return x != y;
	case Cisge: return x >= y;
	case Cisgt: return x > y;
	case Cisle: return x <= y;
	case Cislt: return x < y;
	case Ciuge: return ux >= uy;
	case Ciugt: return ux > uy;
	case Ciule: return ux <= uy;
	default: return ux < uy;
	}
}

/* Where the search from root goes for x, and how many compares it
 * takes to get there (in *depth); 0 on a path of more than MaxDepth. */
static Blk *
walk(Fn *fn, Blk *root, int r, int k, int64_t c, int64_t x, uint *depth)
{
	Blk *b;
	uint d;

	b = root;
	for (d=1; d<=MaxDepth; d++) {
		b = holds(b->jmp.type - Jjf, k, x, c) ? b->s1 : b->s2;
		if (!inner(fn, b, r, k, &c)) {
			*depth += d;
			return b;
		}
	}
	return 0;
}

/* The smallest and largest constant of the search from root, and the
 * number of its blocks; -1 for a search of more than MaxTree blocks. */
static int
extent(Fn *fn, Blk *root, int r, int k, int64_t c, int64_t *lo, int64_t *hi)
{
	Blk *b, *s[2];
	int nstk, nblk, n;

	if (!stk) {
		stk = alloc(fn->nblk * sizeof stk[0]);
		seen = alloc(fn->nblk * sizeof seen[0]);
	}
	gen++;
	*lo = *hi = c;
	seen[root->id] = gen;
	stk[0] = root;
	nstk = 1;
	nblk = 1;
	while (nstk) {
		b = stk[--nstk];
		s[0] = b->s1;
		s[1] = b->s2;
		for (n=0; n<2; n++) {
			if (!s[n] || seen[s[n]->id] == gen || !inner(fn, s[n], r, k, &c))
				continue;
			seen[s[n]->id] = gen;
			if (++nblk > MaxTree)
				return -1;
			stk[nstk++] = s[n];
			if (c < *lo)
				*lo = c;
			if (c > *hi)
				*hi = c;
		}
	}
	return nblk;
}

/* A table for the search rooted at b, into *t; 0 when it does not pay. */
static int
table(Fn *fn, Blk *b, Tbl *t)
{
	Blk *to;
	int64_t c, c1, lo, hi;
	uint64_t n, j;
	uint depth;
	int nblk;

	if (!cmpblk(fn, b, 0, &t->reg, &t->k, &c))
		return 0;
	nblk = extent(fn, b, t->reg, t->k, c, &lo, &hi);
	if (nblk < MinBlk)
		return 0;
	n = (uint64_t)hi - (uint64_t)lo + 1;
	if (n > MaxTbl || n > 4 * (uint64_t)nblk)
		return 0;
	if (t->k == Kl && (lo < -INT32_MAX || lo > INT32_MAX))
		return 0;
	t->lo = lo;
	t->n = n;
	t->to = alloc(n * sizeof t->to[0]);
	depth = 0;
	for (j=0; j<n; j++) {
		c1 = c;
		to = walk(fn, b, t->reg, t->k, c1, lo + (int64_t)j, &depth);
		if (!to)
			return 0;
		t->to[j] = to->id;
	}
	t->depth = depth;
	if (2 * t->depth < (uint64_t)((t->k == Kl ? MinCostL : MinCostW) + 1) * n)
		return 0;
	t->id = jitboot_id0 + b->id;
	return 1;
}

/* Is b a search block below another comparing the same register?
 * (A block doing more than its compare is a root: searches only walk
 * through blocks that do nothing else.) */
static int
below(Fn *fn, Blk *b, int r, int k)
{
	int64_t c;
	uint n;
	int r1, k1;

	if (!inner(fn, b, r, k, &c))
		return 0;
	for (n=0; n<b->npred; n++)
		if (cmpblk(fn, b->pred[n], 0, &r1, &k1, &c) && r1 == r && k1 == k)
			return 1;
	return 0;
}

void
opt_switch_clear(void)
{
	tbl = 0;
	ntbl = 0;
	target = 0;
	ntarget = 0;
	stk = 0;
	seen = 0;
	gen = 0;
}

static bits
regbit(Ref r)
{
	return rtype(r) == RTmp && r.val < Tmp0 ? BIT(r.val) : 0;
}

/* Registers live into each block (by id), on the allocated code, where
 * temporaries are registers: in[] whole, wide[] with their upper 32
 * bits (read by a 64-bit use before being written). filllive()'s rules
 * for register sets (it takes no stack slot as a result): calls and
 * returns read the registers their RCall names; the other implicit
 * uses (idiv's %rax and %rdx) follow an explicit use in the same
 * block. A use reads 32 bits when QBE's table says the argument has
 * class w for the instruction's class (`cmpl`, `movl`, `extsw`, the
 * value of `storew`); addresses and everything else read 64. */
static void
live(Fn *fn, bits *in, bits *wide)
{
	bits l, w, r;
	Blk *b;
	Ins *i;
	Mem *m;
	int n, k, chg, nr[2];

	do {
		chg = 0;
		for (n=fn->nblk-1; n>=0; n--) {
			b = fn->rpo[n];
			l = w = T.rglob;
			if (b->s1) {
				l |= in[b->s1->id];
				w |= wide[b->s1->id];
			}
			if (b->s2) {
				l |= in[b->s2->id];
				w |= wide[b->s2->id];
			}
			if (rtype(b->jmp.arg) == RCall)
				r = T.retregs(b->jmp.arg, nr);
			else
				r = regbit(b->jmp.arg);
			l |= r;
			w |= r;
			for (i=&b->ins[b->nins]; i!=b->ins;) {
				if ((--i)->op == Ocall && rtype(i->arg[1]) == RCall) {
					r = T.retregs(i->arg[1], nr);
					l &= ~r;
					w &= ~r;
					r = T.argregs(i->arg[1], nr);
					l |= r;
					w |= r;
				}
				l &= ~regbit(i->to);
				w &= ~regbit(i->to);
				for (k=0; k<2; k++)
					if (rtype(i->arg[k]) == RMem) {
						m = &fn->mem[i->arg[k].val];
						r = regbit(m->base) | regbit(m->index);
						l |= r;
						w |= r;
					} else {
						r = regbit(i->arg[k]);
						l |= r;
						if (i->cls > Kd || optab[i->op].argcls[k][i->cls] != Kw)
							w |= r;
					}
			}
			if (l != in[b->id] || w != wide[b->id]) {
				in[b->id] = l;
				wide[b->id] = w;
				chg = 1;
			}
		}
	} while (chg);
}

/* Is register r read, or with wide its upper half read, in a block the
 * table t jumps to before being written? */
static int
readat(Tbl *t, bits *set, int r)
{
	uint n;

	for (n=0; n<t->n; n++)
		if (set[t->to[n]] & BIT(r))
			return 1;
	return 0;
}

/* Registers for the table's path, dead where the search rooted at b
 * starts (not live out of b: the compare reads only the value), and
 * caller-saved or saved by the prologue anyway; the variant of the
 * path, and its length in instructions (t->cost). With t->wide the
 * value is the index into 8-byte entries, and one register holds the
 * table's address: a 64-bit value as it is, a 32-bit one sign-extended
 * in place, when its upper half is dead where the table jumps to.
 * Otherwise t->s is the index into 4-byte entries and t->t holds the
 * address: a second dead register, or the value's own register when no
 * block the table jumps to reads it (it is written after the range
 * check, so the search still has it). */
static int
pickregs(Fn *fn, Blk *b, bits *in, bits *wide, Tbl *t)
{
	bits out;
	uint n;
	int r, ns, s[2], near;

	out = T.rglob;
	if (b->s1)
		out |= in[b->s1->id];
	if (b->s2)
		out |= in[b->s2->id];
	for (ns=0, n=0; ns<2 && n<sizeof scratch/sizeof scratch[0]; n++) {
		r = scratch[n];
		if (r == t->reg || (out & BIT(r)))
			continue;
		if (r > R11 && !(fn->reg & BIT(r)))
			continue;
		s[ns++] = r;
	}
	if (ns == 0)
		return 0;
	t->s = s[0];
	t->t = -1;
	t->wide = 1;
	near = t->lo >= -(1 << 27) && t->lo <= (1 << 27);  /* -8*lo: a disp32 */
	if (near && t->k == Kl) {
		t->cost = t->lo ? 6 : 5;
		return 1;
	}
	if (near && t->lo == 0 && !readat(t, wide, t->reg)) {
		t->cost = 6;
		return 1;
	}
	t->wide = 0;
	t->cost = 7;
	if (ns == 2) {
		t->t = s[1];
		return 1;
	}
	if (!readat(t, in, t->reg)) {
		t->t = t->reg;
		return 1;
	}
	if (near && !readat(t, wide, t->reg)) {
		t->wide = 1;
		return 1;
	}
	return 0;
}

void
opt_switch(Fn *fn)
{
	Blk *b;
	Tbl t;
	Ins *v;
	int r, k;
	uint n;
	int64_t c;
	bits *in, *wide;

	opt_switch_clear();
	jitboot_jmptbl = print;
	jitboot_tbltarget = istarget;
	in = wide = 0;
	for (b=fn->start; b; b=b->link) {
		if (!cmpblk(fn, b, 0, &r, &k, &c) || below(fn, b, r, k))
			continue;
		if (!table(fn, b, &t))
			continue;
		if (!in) {
			in = alloc(fn->nblk * sizeof in[0]);
			wide = alloc(fn->nblk * sizeof wide[0]);
			live(fn, in, wide);
		}
		if (!pickregs(fn, b, in, wide, &t))
			continue;
		if (2 * t.depth < (uint64_t)(t.cost + 1) * t.n)
			continue;
		if (!target) {
			target = alloc(fn->nblk);
			ntarget = fn->nblk;
			tbl = vnew(0, sizeof tbl[0], PFn);
		}
		for (n=0; n<t.n; n++)
			target[t.to[n]] = 1;
		vgrow(&tbl, ntbl+1);
		tbl[ntbl] = t;
		v = vnew(b->nins+1, sizeof v[0], PFn);
		memcpy(v, b->ins, (b->nins-1) * sizeof v[0]);
		v[b->nins-1] = (Ins){.op = Ojmptbl, .cls = k, .to = R,
			.arg = {TMP(r), INT(ntbl)}};
		v[b->nins] = b->ins[b->nins-1];
		b->ins = v;
		b->nins++;
		ntbl++;
		opt_stats.switches++;
	}
}
