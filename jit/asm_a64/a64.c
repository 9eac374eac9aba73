/* AArch64 assembler (see a64.h). One pass appends each statement's
 * bytes to its section and records a fixup where a symbol is named;
 * at the end fixups become bytes (branches within a section) or
 * relocations. Every instruction is 4 bytes, so no relaxation: a
 * branch out of range is an error, as it is for GNU as.
 *
 * forms[] maps a mnemonic and its operand shapes to a base opcode and
 * an encoder (arm64/emit.c's omap[] read backwards). */
#include "a64.h"
#include "../asm/asm_impl.h"

enum { NSYMB = 1024 };

/* operand kinds, also the letters of forms[].shape */
enum {
	KR = 'r',    /* general register w/x, zr; sp when .sp */
	KV = 'v',    /* fp register s/d/q */
	KI = 'i',    /* #imm, imm */
	KL = 'l',    /* #:lo12:expr */
	KS = 'e',    /* a bare expression (branch target, adrp) */
	KM = 'm',    /* [..] */
	KC = 'c',    /* condition */
	KH = 'h',    /* lsl #n */
};

enum { MOFF, MPRE, MREG };

struct xp {
	int64_t val;
	int sym;          /* -1 none */
	int dot;          /* expression minus "." (PREL) */
};

struct op {
	int k;
	int reg, sz, sp;  /* KR: sz 4/8; KV: sz 4/8/16 */
	int64_t imm;
	struct xp e;      /* KL, KS */
	int mode, base, idx, idxsz, shift, hasoff;   /* KM */
	struct xp moff;   /* KM offset: #:lo12: when moff.sym >= 0 */
	const char *name; /* KC: the word, a symbol where a target is due */
	int nlen;
};

struct asym {
	char *name;
	int sec, def, global, type, ref, line;
	int idx;          /* in a64.sym */
	int out;          /* in the object's symbol table, -1 */
	uint64_t off, size;
	struct asym *next;
};

enum { FX_B26, FX_CALL26, FX_B19, FX_ADRP, FX_LO12, FX_DATA };

struct afix {
	int sec, kind, size, line, shift;   /* shift: LDST scale for FX_LO12 */
	size_t off;
	struct xp e;
};

struct abuf {
	uint8_t *b;
	size_t n, cap, align;
};

struct a64 {
	const char *name;
	int line, failed, cur;
	struct jit_error *err;
	struct abuf sec[ASM_NSEC + 1];    /* + the .note.GNU-stack sink */
	struct asym **sym, *hash[NSYMB];
	int nsym, csym;
	struct afix *fix;
	int nfix, cfix;
	const char *p, *end;              /* rest of the current line */
	struct asm_obj *obj;              /* line table and file names */
	int cline, cfile;                 /* their capacities */
	int locfile, locline;             /* a .loc waiting for its instruction */
};

static const char *const secnames[] = {".text", ".rodata", ".data", ".bss"};

/* ---------------------------------------------------------------- basics */

static int
fail(struct a64 *a, const char *msg, const char *w, int wl)
{
	char *m;
	size_t n, max;

	if (a->failed)
		return -1;
	a->failed = 1;
	as_scopy(a->err->file, sizeof a->err->file, a->name);
	a->err->line = a->line;
	m = a->err->msg;
	max = sizeof a->err->msg - 1;
	as_scopy(m, sizeof a->err->msg, msg);
	if (w) {
		n = strlen(m);
		if (wl < 0)
			wl = strlen(w);
		if (n + 3 + wl > max)
			wl = max > n + 3 ? max - n - 3 : 0;
		m[n++] = ' ';
		m[n++] = '\'';
		memcpy(m + n, w, wl);
		n += wl;
		m[n++] = '\'';
		m[n] = 0;
	}
	return -1;
}

static int
emitb(struct a64 *a, const void *p, size_t n)
{
	struct abuf *s;
	size_t c;
	uint8_t *nb;

	s = &a->sec[a->cur];
	if (s->n + n > s->cap) {
		c = s->cap ? s->cap : 256;
		while (c < s->n + n)
			c *= 2;
		if (!(nb = realloc(s->b, c)))
			return fail(a, "out of memory", 0, 0);
		s->b = nb;
		s->cap = c;
	}
	if (p)
		memcpy(s->b + s->n, p, n);
	else
		memset(s->b + s->n, 0, n);
	s->n += n;
	return 0;
}

static int
emit32(struct a64 *a, uint32_t w)
{
	uint8_t b[4];

	b[0] = w;
	b[1] = w >> 8;
	b[2] = w >> 16;
	b[3] = w >> 24;
	return emitb(a, b, 4);
}

static int
addfix(struct a64 *a, int kind, int size, struct xp e, int shift)
{
	struct afix *f;

	if (!(a->fix = as_grow(a->fix, &a->cfix, a->nfix + 1, sizeof *a->fix)))
		return fail(a, "out of memory", 0, 0);
	f = &a->fix[a->nfix++];
	f->sec = a->cur;
	f->off = a->sec[a->cur].n;
	f->kind = kind;
	f->size = size;
	f->line = a->line;
	f->shift = shift;
	f->e = e;
	return 0;
}

static int
symlook(struct a64 *a, const char *s, int n)
{
	struct asym *y;
	unsigned h;

	h = as_hash(s, n) & (NSYMB - 1);
	for (y = a->hash[h]; y; y = y->next)
		if ((int)strlen(y->name) == n && memcmp(y->name, s, n) == 0)
			return y->idx;
	if (!(a->sym = as_grow(a->sym, &a->csym, a->nsym + 1, sizeof *a->sym))
	|| !(y = calloc(1, sizeof *y)) || !(y->name = malloc(n + 1))) {
		if (y)
			free(y);
		return fail(a, "out of memory", 0, 0);
	}
	memcpy(y->name, s, n);
	y->name[n] = 0;
	y->sec = ASM_UNDEF;
	y->line = a->line;
	y->idx = a->nsym;
	y->out = -1;
	y->next = a->hash[h];
	a->hash[h] = y;
	a->sym[a->nsym] = y;
	return a->nsym++;
}

/* ---------------------------------------------------------------- lexing */

static void
ws(struct a64 *a)
{
	while (a->p < a->end && (*a->p == ' ' || *a->p == '\t'))
		a->p++;
}

static int
peek(struct a64 *a)
{
	ws(a);
	return a->p < a->end ? (unsigned char)*a->p : 0;
}

static int
accept(struct a64 *a, int c)
{
	if (peek(a) != c)
		return 0;
	a->p++;
	return 1;
}

static int
isid(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
		|| c == '.' || c == '$' || (!first && c >= '0' && c <= '9');
}

static const char *
ident(struct a64 *a, int *n)
{
	const char *s;

	ws(a);
	s = a->p;
	if (a->p >= a->end || !isid(*a->p, 1))
		return 0;
	while (a->p < a->end && isid(*a->p, 0))
		a->p++;
	*n = a->p - s;
	return s;
}

static int
number(struct a64 *a, int64_t *v)
{
	uint64_t x;
	int neg, d, any;

	neg = accept(a, '-');
	if (!neg)
		accept(a, '+');
	x = 0;
	any = 0;
	if (a->p + 1 < a->end && a->p[0] == '0' && (a->p[1] == 'x' || a->p[1] == 'X')) {
		a->p += 2;
		for (; a->p < a->end; a->p++, any = 1) {
			d = *a->p;
			if (d >= '0' && d <= '9')
				d -= '0';
			else if ((d | 32) >= 'a' && (d | 32) <= 'f')
				d = (d | 32) - 'a' + 10;
			else
				break;
			if (x >> 60)
				return fail(a, "number too large", 0, 0);
			x = x * 16 + d;
		}
	} else {
		for (; a->p < a->end && *a->p >= '0' && *a->p <= '9'; a->p++, any = 1) {
			if (x > (UINT64_MAX - 9) / 10)
				return fail(a, "number too large", 0, 0);
			x = x * 10 + (*a->p - '0');
		}
	}
	if (!any)
		return fail(a, "expected a number", 0, 0);
	if (a->p < a->end && isid(*a->p, 0))
		return fail(a, "bad number", 0, 0);
	*v = (int64_t)(neg ? -x : x);
	return 0;
}

/* sym, sym+n, sym-n, n, sym-. (dot), .-sym is handled by .size */
static int
expr(struct a64 *a, struct xp *e)
{
	const char *s;
	int64_t v;
	int n, c;

	e->val = 0;
	e->sym = -1;
	e->dot = 0;
	c = peek(a);
	if (c == '-' || c == '+' || (c >= '0' && c <= '9'))
		return number(a, &e->val);
	if (c == '"') {
		s = ++a->p;
		while (a->p < a->end && *a->p != '"')
			a->p++;
		if (a->p >= a->end || !(n = a->p - s))
			return fail(a, "bad quoted symbol", 0, 0);
		a->p++;
	} else if (!(s = ident(a, &n)))
		return fail(a, "expected a symbol or a number", 0, 0);
	if ((e->sym = symlook(a, s, n)) < 0)
		return -1;
	a->sym[e->sym]->ref = 1;
	for (;;) {
		c = peek(a);
		if (c != '+' && c != '-')
			return 0;
		a->p++;
		if (c == '-' && peek(a) == '.' && (a->p + 1 >= a->end || !isid(a->p[1], 0))) {
			a->p++;
			e->dot = 1;
			continue;
		}
		if (number(a, &v) < 0)
			return -1;
		e->val = (int64_t)((uint64_t)e->val + (c == '+' ? (uint64_t)v : -(uint64_t)v));
	}
}

static const char *const conds[] = {
	"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc",
	"hi", "ls", "ge", "lt", "gt", "le", "al", "nv",
};

static int
condnum(const char *s, int n)
{
	int i;

	if (n != 2)
		return -1;
	if (as_eq(s, n, "hs"))
		return 2;
	if (as_eq(s, n, "lo"))
		return 3;
	for (i = 0; i < 16; i++)
		if (as_eq(s, n, conds[i]))
			return i;
	return -1;
}

/* register name: returns kind or 0 */
static int
regname(const char *s, int n, struct op *o)
{
	int r, i;

	o->sp = 0;
	if (as_eq(s, n, "sp") || as_eq(s, n, "wsp")) {
		o->reg = 31;
		o->sz = s[0] == 'w' ? 4 : 8;
		o->sp = 1;
		return KR;
	}
	if (as_eq(s, n, "xzr") || as_eq(s, n, "wzr")) {
		o->reg = 31;
		o->sz = s[0] == 'w' ? 4 : 8;
		return KR;
	}
	if (as_eq(s, n, "lr")) {
		o->reg = 30;
		o->sz = 8;
		return KR;
	}
	if (n < 2 || n > 3)
		return 0;
	r = 0;
	for (i = 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		r = r * 10 + s[i] - '0';
	}
	if (n == 3 && s[1] == '0')
		return 0;
	o->reg = r;
	switch (s[0]) {
	case 'x': case 'w':
		if (r > 30)
			return 0;
		o->sz = s[0] == 'x' ? 8 : 4;
		return KR;
	case 's': case 'd': case 'q':
		if (r > 31)
			return 0;
		o->sz = s[0] == 's' ? 4 : s[0] == 'd' ? 8 : 16;
		return KV;
	}
	return 0;
}

static int
immop(struct a64 *a, struct op *o)
{
	int n;
	const char *s;

	if (a->p + 1 < a->end && a->p[0] == ':') {
		a->p++;
		s = ident(a, &n);
		if (!s || !as_eq(s, n, "lo12") || !accept(a, ':'))
			return fail(a, "only :lo12: is supported", 0, 0);
		o->k = KL;
		return expr(a, &o->e);
	}
	o->k = KI;
	return number(a, &o->imm);
}

static int
memop(struct a64 *a, struct op *o)
{
	struct op r;
	const char *s;
	int n;

	o->k = KM;
	o->mode = MOFF;
	o->hasoff = 0;
	o->moff.sym = -1;
	o->moff.val = 0;
	o->shift = -1;
	if (!(s = ident(a, &n)) || regname(s, n, &r) != KR || r.sz != 8)
		return fail(a, "expected a 64-bit base register", 0, 0);
	o->base = r.reg;
	if (accept(a, ',')) {
		accept(a, '#');
		if (peek(a) == ':') {
			if (immop(a, &r) < 0)
				return -1;
			o->moff = r.e;
			o->hasoff = 1;
		} else if (peek(a) == '-' || (peek(a) >= '0' && peek(a) <= '9')) {
			if (number(a, &o->moff.val) < 0)
				return -1;
			o->hasoff = 1;
		} else {
			if (!(s = ident(a, &n)) || regname(s, n, &r) != KR || r.sp || r.sz != 8)
				return fail(a, "expected a 64-bit index register", 0, 0);
			o->mode = MREG;
			o->idx = r.reg;
			o->idxsz = r.sz;
			if (accept(a, ',')) {
				s = ident(a, &n);
				if (!s || !as_eq(s, n, "lsl") || !accept(a, '#')
				|| number(a, &o->imm) < 0)
					return fail(a, "bad index shift", 0, 0);
				o->shift = o->imm;
			}
		}
	}
	if (!accept(a, ']'))
		return fail(a, "expected ']'", 0, 0);
	if (accept(a, '!')) {
		if (!o->hasoff || o->moff.sym >= 0)
			return fail(a, "bad pre-index", 0, 0);
		o->mode = MPRE;
	}
	return 0;
}

static int
operand(struct a64 *a, struct op *o)
{
	const char *s, *save;
	int n, c;

	memset(o, 0, sizeof *o);
	o->e.sym = -1;
	c = peek(a);
	if (c == '#' || c == ':') {
		if (c == '#')
			a->p++;
		return immop(a, o);
	}
	if (c == '[') {
		a->p++;
		return memop(a, o);
	}
	if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
		o->k = KI;
		return number(a, &o->imm);
	}
	save = a->p;
	if ((s = ident(a, &n))) {
		if ((o->k = regname(s, n, o))) {
			o->name = s;    /* a symbol where a target is due */
			o->nlen = n;
			return 0;
		}
		if ((o->reg = condnum(s, n)) >= 0) {
			o->k = KC;
			o->name = s;
			o->nlen = n;
			return 0;
		}
		if (as_eq(s, n, "lsl") && accept(a, '#')) {
			o->k = KH;
			return number(a, &o->imm);
		}
		a->p = save;
	}
	o->k = KS;
	return expr(a, &o->e);
}

/* ------------------------------------------------------------ encoders */

/* the N:immr:imms of a logical immediate, or -1 (the bitmask search of
 * the architecture manual's DecodeBitMasks, run backwards) */
static int64_t
logimm(uint64_t v, int sz)
{
	uint64_t m, r;
	int e, ones, rot, immr, imms, ok, i;

	if (sz == 4) {
		v &= 0xffffffffu;
		v |= v << 32;
	}
	if (v == 0 || v == ~(uint64_t)0)
		return -1;
	/* e is the element size: smallest e with v periodic */
	for (e = 2; e <= 64; e *= 2) {
		ok = 1;
		m = e == 64 ? ~(uint64_t)0 : ((uint64_t)1 << e) - 1;
		for (i = e; i < 64; i += e)
			if (((v >> i) & m) != (v & m))
				ok = 0;
		if (ok)
			break;
	}
	m = e == 64 ? ~(uint64_t)0 : ((uint64_t)1 << e) - 1;
	r = v & m;
	/* rotate right until it is 0..01..1 */
	for (rot = 0; rot < e; rot++) {
		if ((r & (r + 1)) == 0 && r != 0)
			break;
		r = ((r >> 1) | (r << (e - 1))) & m;
	}
	if (rot == e)
		return -1;
	for (ones = 0; r >> ones & 1; ones++)
		;
	/* r is v rotated right by rot: immr rotates the run back (right by
	 * e - rot); imms is the run length - 1 under the element size's
	 * marker bits (0 for 32 and 64, 10xxxx for 16, ..., 11110x for 2) */
	immr = (e - rot) % e;
	imms = ((~(e * 2 - 1) & 0x3f) | (ones - 1)) & 0x3f;
	return (int64_t)(e == 64) << 12 | immr << 6 | imms;
}

static uint32_t
sf(struct op *o)
{
	return o->sz == 8 ? 0x80000000u : 0;
}

static int
ftype(struct op *o)
{
	return o->sz == 8 ? 1 << 22 : 0;
}

/* one forms[] row */
struct form {
	const char *mn;
	const char *shape;
	uint32_t op;
	int (*enc)(struct a64 *, const struct form *, struct op *, int);
};

static int
same(struct a64 *a, struct op *o, int n)
{
	int i;

	for (i = 1; i < n; i++)
		if (o[i].k == KR && o[i].sz != o[0].sz)
			return fail(a, "register sizes differ", 0, 0);
	return 0;
}

static int
nosp(struct a64 *a, struct op *o, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (o[i].k == KR && o[i].sp)
			return fail(a, "sp is not allowed here", 0, 0);
	return 0;
}

/* add/sub/adds/subs Rd, Rn, Rm{, lsl #n} (shifted, or extended uxtx when sp) */
static int
e_arith(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int sh;

	if (same(a, o, 3) < 0)
		return -1;
	sh = n == 4 ? o[3].imm : 0;
	if (o[2].sp || ((f->op & 1 << 29) && o[0].sp))
		return fail(a, "bad sp operand", 0, 0);
	if (o[0].sp || o[1].sp) {
		if (sh > 4)
			return fail(a, "shift out of range", 0, 0);
		return emit32(a, f->op | sf(o) | 0x00200000 | o[2].reg << 16
			| (o[0].sz == 8 ? 3 : 2) << 13 | sh << 10 | o[1].reg << 5 | o[0].reg);
	}
	if (sh < 0 || sh >= o[0].sz * 8)
		return fail(a, "shift out of range", 0, 0);
	return emit32(a, f->op | sf(o) | o[2].reg << 16 | sh << 10 | o[1].reg << 5 | o[0].reg);
}

/* add/sub Rd, Rn, #imm{, lsl #12} and #:lo12:sym */
static int
e_arithi(struct a64 *a, const struct form *f, struct op *o, int n)
{
	uint32_t op;
	int64_t v;
	int sh;

	if (same(a, o, 2) < 0)
		return -1;
	op = f->op;
	if ((op & 1 << 29) && o[0].sp)
		return fail(a, "bad sp operand", 0, 0);
	if (o[2].k == KL) {
		if (n == 4)
			return fail(a, "no shift with :lo12:", 0, 0);
		if (addfix(a, FX_LO12, 4, o[2].e, -1) < 0)
			return -1;
		return emit32(a, op | sf(o) | o[1].reg << 5 | o[0].reg);
	}
	v = o[2].imm;
	sh = 0;
	if (n == 4) {
		if (o[3].imm != 0 && o[3].imm != 12)
			return fail(a, "shift must be 0 or 12", 0, 0);
		sh = o[3].imm == 12;
	}
	if (v < 0 && v > -0x1000000 && !sh) {
		v = -v;
		op ^= 1 << 30;    /* add <-> sub, as GNU as does */
	}
	if (!sh && v > 0xfff && !(v & 0xfff) && v <= 0xfff000) {
		v >>= 12;
		sh = 1;
	}
	if (v < 0 || v > 0xfff)
		return fail(a, "immediate out of range", 0, 0);
	return emit32(a, op | sf(o) | sh << 22 | v << 10 | o[1].reg << 5 | o[0].reg);
}

/* cmp/cmn Rn, Rm / #imm: subs/adds with the zero register */
static int
e_cmp(struct a64 *a, const struct form *f, struct op *o, int n)
{
	struct op t[4];
	struct form g;
	int i;

	t[0] = o[0];
	t[0].reg = 31;
	t[0].sp = 0;
	for (i = 0; i < n; i++)
		t[i + 1] = o[i];
	g = *f;
	return f->shape[1] == 'i' ? e_arithi(a, &g, t, n + 1) : e_arith(a, &g, t, n + 1);
}

/* and/orr/eor/ands Rd, Rn, Rm{, lsl #n} */
static int
e_logic(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int sh;

	if (same(a, o, 3) < 0 || nosp(a, o, 3) < 0)
		return -1;
	sh = n == 4 ? o[3].imm : 0;
	if (sh < 0 || sh >= o[0].sz * 8)
		return fail(a, "shift out of range", 0, 0);
	return emit32(a, f->op | sf(o) | o[2].reg << 16 | sh << 10 | o[1].reg << 5 | o[0].reg);
}

static int
e_logici(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int64_t m;

	if (same(a, o, 2) < 0 || o[1].sp || (o[0].sp && (f->op & 0x60000000) == 0x60000000))
		return fail(a, "bad operand", 0, 0);
	if ((m = logimm(o[2].imm, o[0].sz)) < 0 || (o[0].sz == 4 && m >> 12))
		return fail(a, "immediate is not a bitmask", 0, 0);
	return emit32(a, f->op | sf(o) | m << 10 | o[1].reg << 5 | o[0].reg);
}

/* tst Rn, Rm / #imm */
static int
e_tst(struct a64 *a, const struct form *f, struct op *o, int n)
{
	struct op t[3];

	t[0] = o[0];
	t[0].reg = 31;
	t[1] = o[0];
	t[2] = o[1];
	return f->shape[1] == 'i' ? e_logici(a, f, t, n + 1) : e_logic(a, f, t, n + 1);
}

/* Rd, Rn, Rm (data processing, 2 source; mul as madd with zr) */
static int
e_rrr(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int ra;

	if (same(a, o, n) < 0 || nosp(a, o, n) < 0)
		return -1;
	ra = n == 4 ? o[3].reg : 31;
	if ((f->op & 0x1f000000) != 0x1b000000)
		ra = 0;            /* not madd/msub: bits 15:10 are the opcode's */
	return emit32(a, f->op | sf(o) | o[2].reg << 16 | ra << 10 | o[1].reg << 5 | o[0].reg);
}

/* neg Rd, Rm; mvn Rd, Rm: op with zr as Rn */
static int
e_rzr(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (same(a, o, 2) < 0 || nosp(a, o, 2) < 0)
		return -1;
	return emit32(a, f->op | sf(o) | o[1].reg << 16 | 31 << 5 | o[0].reg);
}

/* lsl/lsr/asr Rd, Rn, #n as ubfm/sbfm */
static int
e_shifti(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int w, s, immr, imms;

	if (same(a, o, 2) < 0 || nosp(a, o, 2) < 0)
		return -1;
	w = o[0].sz * 8;
	s = o[2].imm;
	if (o[2].imm < 0 || o[2].imm >= w)
		return fail(a, "shift out of range", 0, 0);
	if (f->op == 0) {        /* lsl */
		immr = (w - s) % w;
		imms = w - 1 - s;
		return emit32(a, 0x53000000 | (w == 64 ? 0x80400000 : 0) | immr << 16
			| imms << 10 | o[1].reg << 5 | o[0].reg);
	}
	return emit32(a, f->op | (w == 64 ? 0x80400000 : 0) | s << 16 | (w - 1) << 10
		| o[1].reg << 5 | o[0].reg);
}

/* sxtb/sxth/sxtw/uxtb/uxth Rd, Wn */
static int
e_ext(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (o[1].sz != 4 || nosp(a, o, 2) < 0)
		return fail(a, "source must be a w register", 0, 0);
	if (o[0].sz == 8 && (f->op & 0x40000000))
		return fail(a, "destination must be a w register", 0, 0);
	if (f->op == 0x93407c00 && o[0].sz != 8)
		return fail(a, "destination must be an x register", 0, 0);
	return emit32(a, f->op | (o[0].sz == 8 ? 0x80400000 : 0) | o[1].reg << 5 | o[0].reg);
}

/* mov Rd, Rm: orr with zr, or add #0 when sp is involved */
static int
e_mov(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (same(a, o, 2) < 0)
		return -1;
	if (o[0].sp || o[1].sp)
		return emit32(a, 0x11000000 | sf(o) | o[1].reg << 5 | o[0].reg);
	return emit32(a, 0x2a0003e0 | sf(o) | o[1].reg << 16 | o[0].reg);
}

/* the half-word where v (width w bits) has its only nonzero 16 bits, or -1 */
static int
onehw(uint64_t v, int w)
{
	int h, at;

	at = -1;
	for (h = 0; h < w / 16; h++)
		if (v >> (16 * h) & 0xffff) {
			if (at >= 0)
				return -1;
			at = h;
		}
	return at < 0 ? 0 : at;
}

/* mov Rd, #imm: movz, else movn, else orr with a bitmask (GNU as's order) */
static int
e_movi(struct a64 *a, const struct form *f, struct op *o, int n)
{
	uint64_t v, m;
	int64_t li;
	int h, w;

	w = o[0].sz * 8;
	v = o[1].imm;
	m = w == 64 ? ~(uint64_t)0 : 0xffffffffu;
	if (w == 32 && (o[1].imm > 0xffffffffll || o[1].imm < -0x80000000ll))
		return fail(a, "immediate out of range", 0, 0);
	v &= m;
	if (!o[0].sp) {
		if ((h = onehw(v, w)) >= 0)
			return emit32(a, 0x52800000 | sf(o) | h << 21 | (v >> (16 * h) & 0xffff) << 5 | o[0].reg);
		if ((h = onehw(~v & m, w)) >= 0)
			return emit32(a, 0x12800000 | sf(o) | h << 21 | ((~v & m) >> (16 * h) & 0xffff) << 5 | o[0].reg);
	}
	if ((li = logimm(v, o[0].sz)) >= 0)
		return emit32(a, 0x320003e0 | sf(o) | li << 10 | o[0].reg);
	return fail(a, "immediate cannot be moved in one instruction", 0, 0);
}

/* movz/movk/movn Rd, #imm16{, lsl #n} */
static int
e_movw(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int sh;

	if (o[0].sp)
		return fail(a, "sp is not allowed here", 0, 0);
	sh = n == 3 ? o[2].imm : 0;
	if (sh % 16 || sh < 0 || sh >= o[0].sz * 8)
		return fail(a, "shift must be a multiple of 16 within the register", 0, 0);
	if (o[1].imm < 0 || o[1].imm > 0xffff)
		return fail(a, "immediate out of range", 0, 0);
	return emit32(a, f->op | sf(o) | (sh / 16) << 21 | o[1].imm << 5 | o[0].reg);
}

/* cset Rd, cond: csinc Rd, zr, zr, !cond; csel Rd, Rn, Rm, cond */
static int
e_cset(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (o[0].sp || o[1].reg >= 14)
		return fail(a, "bad cset operand", 0, 0);
	return emit32(a, f->op | sf(o) | (o[1].reg ^ 1) << 12 | o[0].reg);
}

static int
e_csel(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (same(a, o, 3) < 0 || nosp(a, o, 3) < 0)
		return -1;
	return emit32(a, f->op | sf(o) | o[2].reg << 16 | o[3].reg << 12 | o[1].reg << 5 | o[0].reg);
}

static int
e_branch(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int kind;

	if (o[0].e.dot)
		return fail(a, "bad branch target", 0, 0);
	kind = f->op == 0x94000000 ? FX_CALL26 : f->op == 0x14000000 ? FX_B26 : FX_B19;
	if (addfix(a, kind, 4, o[0].e, -1) < 0)
		return -1;
	return emit32(a, f->op);
}

static int
e_cbz(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (o[0].sp || o[1].e.dot)
		return fail(a, "bad operand", 0, 0);
	if (addfix(a, FX_B19, 4, o[1].e, -1) < 0)
		return -1;
	return emit32(a, f->op | sf(o) | o[0].reg);
}

static int
e_rn(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int r;

	r = n ? o[0].reg : 30;
	if (n && (o[0].sz != 8 || o[0].sp))
		return fail(a, "expected an x register", 0, 0);
	return emit32(a, f->op | r << 5);
}

static int
e_imm16(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (!n)
		return emit32(a, f->op);
	if (o[0].imm < 0 || o[0].imm > (f->op == 0xd503201f ? 127 : 0xffff))
		return fail(a, "immediate out of range", 0, 0);
	return emit32(a, f->op | o[0].imm << 5);
}

static int
e_adrp(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (o[0].sz != 8 || o[0].sp || o[1].e.sym < 0 || o[1].e.dot)
		return fail(a, "adrp takes an x register and a symbol", 0, 0);
	if (addfix(a, FX_ADRP, 4, o[1].e, -1) < 0)
		return -1;
	return emit32(a, f->op | o[0].reg);
}

/* loads and stores: f->op is the unsigned-offset opcode of the form;
 * its size field gives the scale */
static int
e_ldst(struct a64 *a, const struct form *f, struct op *o, int n)
{
	struct op *m;
	uint32_t op;
	int scale, lg;
	int64_t off;

	m = &o[1];
	op = f->op;
	lg = op >> 30;
	if ((op & 0x04000000) && (op & 0x00800000) && lg == 0)
		lg = 4;            /* q: opc<1> with size 00 */
	scale = 1 << lg;
	if (o[0].k == KR && o[0].sp)
		return fail(a, "sp is not allowed here", 0, 0);
	if (n == 3) {              /* [Xn], #imm: post-index */
		if (m->mode != MOFF || m->hasoff || o[2].k != KI)
			return fail(a, "bad post-index", 0, 0);
		if (o[2].imm < -256 || o[2].imm > 255)
			return fail(a, "offset out of range", 0, 0);
		return emit32(a, (op & ~0x01000000u) | (o[2].imm & 0x1ff) << 12
			| 1 << 10 | m->base << 5 | o[0].reg);
	}
	if (m->mode == MREG) {
		if (m->shift >= 0 && m->shift != 0 && m->shift != lg)
			return fail(a, "index shift must be 0 or the access size", 0, 0);
		return emit32(a, (op & ~0x01000000u) | 1 << 21 | m->idx << 16
			| (m->idxsz == 8 ? 3 : 2) << 13 | (m->shift > 0) << 12
			| 2 << 10 | m->base << 5 | o[0].reg);
	}
	if (m->moff.sym >= 0) {
		if (m->mode != MOFF)
			return fail(a, "bad :lo12: offset", 0, 0);
		if (addfix(a, FX_LO12, 4, m->moff, lg) < 0)
			return -1;
		return emit32(a, op | m->base << 5 | o[0].reg);
	}
	off = m->moff.val;
	if (m->mode == MPRE) {
		if (off < -256 || off > 255)
			return fail(a, "offset out of range", 0, 0);
		return emit32(a, (op & ~0x01000000u) | (off & 0x1ff) << 12
			| 3 << 10 | m->base << 5 | o[0].reg);
	}
	if (off >= 0 && off % scale == 0 && off / scale <= 0xfff)
		return emit32(a, op | (off / scale) << 10 | m->base << 5 | o[0].reg);
	if (off >= -256 && off <= 255)      /* ldur/stur, as GNU as picks */
		return emit32(a, (op & ~0x01000000u) | (off & 0x1ff) << 12
			| m->base << 5 | o[0].reg);
	return fail(a, "offset out of range", 0, 0);
}

/* ldp/stp Rt, Rt2, [Xn{, #imm}]{!} / [Xn], #imm; f->op: signed offset
 * form of the 64-bit variant (opc 10) */
static int
e_pair(struct a64 *a, const struct form *f, struct op *o, int n)
{
	struct op *m;
	uint32_t op;
	int64_t off;
	int scale, mode;

	m = &o[2];
	if (o[0].k != o[1].k || o[0].sz != o[1].sz || o[0].sp || o[1].sp
	|| m->mode == MREG || m->moff.sym >= 0)
		return fail(a, "bad load/store pair", 0, 0);
	scale = o[0].sz;
	op = f->op;
	if (o[0].k == KR)
		op = o[0].sz == 8 ? op : op & ~0x80000000u;
	else    /* fp: opc 00 s, 01 d, 10 q; V bit */
		op = (op & ~0xc0000000u) | 0x04000000 | (scale == 4 ? 0 : scale == 8 ? 1u << 30 : 2u << 30);
	off = m->moff.val;
	mode = m->mode == MPRE ? 3 : 2;
	if (n == 4) {
		if (m->hasoff || o[3].k != KI)
			return fail(a, "bad post-index", 0, 0);
		off = o[3].imm;
		mode = 1;
	}
	if (off % scale || off / scale < -64 || off / scale > 63)
		return fail(a, "offset out of range", 0, 0);
	return emit32(a, (op & ~(3u << 23)) | mode << 23 | ((off / scale) & 0x7f) << 15
		| o[1].reg << 10 | m->base << 5 | o[0].reg);
}

/* fp Vd, Vn, Vm / Vd, Vn */
static int
e_f3(struct a64 *a, const struct form *f, struct op *o, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (o[i].sz != o[0].sz || o[i].sz == 16)
			return fail(a, "fp register sizes differ", 0, 0);
	if (n == 2)
		return emit32(a, f->op | ftype(o) | o[1].reg << 5 | o[0].reg);
	return emit32(a, f->op | ftype(o) | o[2].reg << 16 | o[1].reg << 5 | o[0].reg);
}

static int
e_fcmp(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (o[1].k == KI) {
		if (o[1].imm != 0 || o[0].sz == 16)
			return fail(a, "fcmp compares with 0 only", 0, 0);
		return emit32(a, f->op | ftype(o) | o[0].reg << 5 | 8);
	}
	if (o[0].sz != o[1].sz || o[0].sz == 16)
		return fail(a, "fp register sizes differ", 0, 0);
	return emit32(a, f->op | ftype(o) | o[1].reg << 16 | o[0].reg << 5);
}

/* fcvt Dd, Sn / Sd, Dn */
static int
e_fcvt(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (o[0].sz == 8 && o[1].sz == 4)
		return emit32(a, 0x1e22c000 | o[1].reg << 5 | o[0].reg);
	if (o[0].sz == 4 && o[1].sz == 8)
		return emit32(a, 0x1e624000 | o[1].reg << 5 | o[0].reg);
	return fail(a, "fcvt converts between s and d", 0, 0);
}

/* between general and fp registers: fcvtzs/fcvtzu Rd, Vn; scvtf/ucvtf
 * Vd, Rn; fmov either way (sizes must match) */
static int
e_fint(struct a64 *a, const struct form *f, struct op *o, int n)
{
	struct op *r, *v;

	r = o[0].k == KR ? &o[0] : &o[1];
	v = o[0].k == KR ? &o[1] : &o[0];
	if (r->sp || v->sz == 16)
		return fail(a, "bad convert operands", 0, 0);
	return emit32(a, f->op | sf(r) | ftype(v) | o[1].reg << 5 | o[0].reg);
}

static int
e_fmov(struct a64 *a, const struct form *f, struct op *o, int n)
{
	if (o[0].k == KV && o[1].k == KV) {
		if (o[0].sz != o[1].sz || o[0].sz == 16)
			return fail(a, "fp register sizes differ", 0, 0);
		return emit32(a, 0x1e204000 | ftype(o) | o[1].reg << 5 | o[0].reg);
	}
	if (o[0].k == KR && o[1].k == KR)
		return fail(a, "fmov needs an fp register", 0, 0);
	{
		struct op *r = o[0].k == KR ? &o[0] : &o[1];
		struct op *v = o[0].k == KR ? &o[1] : &o[0];
		if (r->sp || r->sz != v->sz)
			return fail(a, "fmov register sizes differ", 0, 0);
		return emit32(a, (o[0].k == KR ? 0x1e260000 : 0x1e270000) | sf(r) | ftype(v)
			| o[1].reg << 5 | o[0].reg);
	}
}

/* Shapes: r general register, v fp register, i immediate, l #:lo12:,
 * e expression, m memory, c condition, h "lsl #n"; a form also matches
 * its shape with one trailing h (shift) where the encoder takes n+1. */
static const struct form forms[] = {
	{"add",   "rrr",  0x0b000000, e_arith},
	{"add",   "rrrh", 0x0b000000, e_arith},
	{"add",   "rri",  0x11000000, e_arithi},
	{"add",   "rrih", 0x11000000, e_arithi},
	{"add",   "rrl",  0x11000000, e_arithi},
	{"adds",  "rrr",  0x2b000000, e_arith},
	{"adds",  "rri",  0x31000000, e_arithi},
	{"sub",   "rrr",  0x4b000000, e_arith},
	{"sub",   "rrrh", 0x4b000000, e_arith},
	{"sub",   "rri",  0x51000000, e_arithi},
	{"sub",   "rrih", 0x51000000, e_arithi},
	{"subs",  "rrr",  0x6b000000, e_arith},
	{"subs",  "rri",  0x71000000, e_arithi},
	{"cmp",   "rr",   0x6b000000, e_cmp},
	{"cmp",   "ri",   0x71000000, e_cmp},
	{"cmp",   "rih",  0x71000000, e_cmp},
	{"cmn",   "rr",   0x2b000000, e_cmp},
	{"cmn",   "ri",   0x31000000, e_cmp},
	{"cmn",   "rih",  0x31000000, e_cmp},
	{"and",   "rrr",  0x0a000000, e_logic},
	{"and",   "rrrh", 0x0a000000, e_logic},
	{"and",   "rri",  0x12000000, e_logici},
	{"orr",   "rrr",  0x2a000000, e_logic},
	{"orr",   "rrrh", 0x2a000000, e_logic},
	{"orr",   "rri",  0x32000000, e_logici},
	{"eor",   "rrr",  0x4a000000, e_logic},
	{"eor",   "rrrh", 0x4a000000, e_logic},
	{"eor",   "rri",  0x52000000, e_logici},
	{"ands",  "rrr",  0x6a000000, e_logic},
	{"ands",  "rri",  0x72000000, e_logici},
	{"tst",   "rr",   0x6a000000, e_tst},
	{"tst",   "ri",   0x72000000, e_tst},
	{"mul",   "rrr",  0x1b000000, e_rrr},
	{"madd",  "rrrr", 0x1b000000, e_rrr},
	{"msub",  "rrrr", 0x1b008000, e_rrr},
	{"sdiv",  "rrr",  0x1ac00c00, e_rrr},
	{"udiv",  "rrr",  0x1ac00800, e_rrr},
	{"lsl",   "rrr",  0x1ac02000, e_rrr},
	{"lsr",   "rrr",  0x1ac02400, e_rrr},
	{"asr",   "rrr",  0x1ac02800, e_rrr},
	{"lsl",   "rri",  0,          e_shifti},
	{"lsr",   "rri",  0x53000000, e_shifti},
	{"asr",   "rri",  0x13000000, e_shifti},
	{"neg",   "rr",   0x4b000000, e_rzr},
	{"mvn",   "rr",   0x2a200000, e_rzr},
	{"sxtb",  "rr",   0x13001c00, e_ext},
	{"sxth",  "rr",   0x13003c00, e_ext},
	{"sxtw",  "rr",   0x93407c00, e_ext},
	{"uxtb",  "rr",   0x53001c00, e_ext},
	{"uxth",  "rr",   0x53003c00, e_ext},
	{"mov",   "rr",   0,          e_mov},
	{"mov",   "ri",   0,          e_movi},
	{"movz",  "ri",   0x52800000, e_movw},
	{"movz",  "rih",  0x52800000, e_movw},
	{"movk",  "ri",   0x72800000, e_movw},
	{"movk",  "rih",  0x72800000, e_movw},
	{"movn",  "ri",   0x12800000, e_movw},
	{"movn",  "rih",  0x12800000, e_movw},
	{"cset",  "rc",   0x1a9f07e0, e_cset},
	{"csel",  "rrrc", 0x1a800000, e_csel},
	{"b",     "e",    0x14000000, e_branch},
	{"bl",    "e",    0x94000000, e_branch},
	{"cbz",   "re",   0x34000000, e_cbz},
	{"cbnz",  "re",   0x35000000, e_cbz},
	{"br",    "r",    0xd61f0000, e_rn},
	{"blr",   "r",    0xd63f0000, e_rn},
	{"ret",   "",     0xd65f0000, e_rn},
	{"ret",   "r",    0xd65f0000, e_rn},
	{"hint",  "i",    0xd503201f, e_imm16},
	{"nop",   "",     0xd503201f, e_imm16},
	{"brk",   "i",    0xd4200000, e_imm16},
	{"adrp",  "re",   0x90000000, e_adrp},
	/* loads and stores: first letter of the shape narrows the register
	 * (x: 64-bit only, w: 32-bit only, r: size from the opcode) */
	{"ldr",   "xm",   0xf9400000, e_ldst},
	{"ldr",   "wm",   0xb9400000, e_ldst},
	{"str",   "xm",   0xf9000000, e_ldst},
	{"str",   "wm",   0xb9000000, e_ldst},
	{"ldrb",  "wm",   0x39400000, e_ldst},
	{"strb",  "wm",   0x39000000, e_ldst},
	{"ldrh",  "wm",   0x79400000, e_ldst},
	{"strh",  "wm",   0x79000000, e_ldst},
	{"ldrsb", "xm",   0x39800000, e_ldst},
	{"ldrsb", "wm",   0x39c00000, e_ldst},
	{"ldrsh", "xm",   0x79800000, e_ldst},
	{"ldrsh", "wm",   0x79c00000, e_ldst},
	{"ldrsw", "xm",   0xb9800000, e_ldst},
	{"ldr",   "sm",   0xbd400000, e_ldst},
	{"ldr",   "dm",   0xfd400000, e_ldst},
	{"ldr",   "qm",   0x3dc00000, e_ldst},
	{"str",   "sm",   0xbd000000, e_ldst},
	{"str",   "dm",   0xfd000000, e_ldst},
	{"str",   "qm",   0x3d800000, e_ldst},
	{"ldp",   "rrm",  0xa9400000, e_pair},
	{"stp",   "rrm",  0xa9000000, e_pair},
	{"ldp",   "vvm",  0xa9400000, e_pair},
	{"stp",   "vvm",  0xa9000000, e_pair},
	{"fadd",  "vvv",  0x1e202800, e_f3},
	{"fsub",  "vvv",  0x1e203800, e_f3},
	{"fmul",  "vvv",  0x1e200800, e_f3},
	{"fdiv",  "vvv",  0x1e201800, e_f3},
	{"fneg",  "vv",   0x1e214000, e_f3},
	{"fabs",  "vv",   0x1e20c000, e_f3},
	{"fsqrt", "vv",   0x1e21c000, e_f3},
	{"fcmp",  "vv",   0x1e202000, e_fcmp},
	{"fcmp",  "vi",   0x1e202000, e_fcmp},
	{"fcmpe", "vv",   0x1e202010, e_fcmp},
	{"fcmpe", "vi",   0x1e202010, e_fcmp},
	{"fcvt",  "vv",   0,          e_fcvt},
	{"fcvtzs","rv",   0x1e380000, e_fint},
	{"fcvtzu","rv",   0x1e390000, e_fint},
	{"scvtf", "vr",   0x1e220000, e_fint},
	{"ucvtf", "vr",   0x1e230000, e_fint},
	{"fmov",  "vv",   0,          e_fmov},
	{"fmov",  "rv",   0,          e_fmov},
	{"fmov",  "vr",   0,          e_fmov},
};

static int
shapeok(const char *sh, struct op *o, int n)
{
	int i, c;

	if ((int)strlen(sh) != n)
		return 0;
	for (i = 0; i < n; i++) {
		c = sh[i];
		switch (c) {
		case 'x': case 'w':
			if (o[i].k != KR || o[i].sz != (c == 'x' ? 8 : 4))
				return 0;
			break;
		case 's': case 'd': case 'q':
			if (o[i].k != KV || o[i].sz != (c == 's' ? 4 : c == 'd' ? 8 : 16))
				return 0;
			break;
		case 'm':
			if (o[i].k != KM)
				return 0;
			break;
		case 'e':       /* a register or condition name is a symbol here */
			if (o[i].k != KS && o[i].k != KC && o[i].k != KR && o[i].k != KV)
				return 0;
			break;
		default:
			if (o[i].k != c)
				return 0;
		}
	}
	return 1;
}

/* a condition or register name where a symbol is due ("adrp x1, ls",
 * "adrp x0, w3": GNU as takes them as symbols there) is the symbol */
static int
condsym(struct a64 *a, struct op *o)
{
	if (o->k != KC && o->k != KR && o->k != KV)
		return 0;
	o->k = KS;
	o->e.val = 0;
	o->e.dot = 0;
	if ((o->e.sym = symlook(a, o->name, o->nlen)) < 0)
		return -1;
	a->sym[o->e.sym]->ref = 1;
	return 0;
}

static int
isbcond(const char *s, int n)
{
	if (n >= 3 && (as_eq(s + n - 2, 2, "al") || as_eq(s + n - 2, 2, "nv")))
		return -1;
	if (n == 4 && s[0] == 'b' && s[1] == '.')
		return condnum(s + 2, 2);
	if (n == 3 && s[0] == 'b')
		return condnum(s + 1, 2);
	return -1;
}

static int
instruction(struct a64 *a, const char *mn, int mlen)
{
	struct op o[5];
	const struct form *f, *named;
	int n, c, k;
	size_t i;

	n = 0;
	if (peek(a)) {
		do {
			if (n == 5)
				return fail(a, "too many operands", 0, 0);
			if (operand(a, &o[n++]) < 0)
				return -1;
		} while (accept(a, ','));
	}
	if (peek(a))
		return fail(a, "junk after operands:", a->p, a->end - a->p);
	if ((c = isbcond(mn, mlen)) >= 0) {
		if (n != 1 || (o[0].k != KS && o[0].k != KC && o[0].k != KR && o[0].k != KV) || condsym(a, &o[0]) < 0)
			return fail(a, "expected a branch target", 0, 0);
		{
			struct form g = {"b.cond", "e", 0x54000000u | c, e_branch};
			return e_branch(a, &g, o, n);
		}
	}
	named = 0;
	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		f = &forms[i];
		if (!as_eq(mn, mlen, f->mn))
			continue;
		named = f;
		/* post-indexed: the memory operand followed by an immediate */
		if (f->enc == e_ldst && n == 3 && shapeok(f->shape, o, 2) && o[2].k == KI)
			return f->enc(a, f, o, n);
		if (f->enc == e_pair && n == 4 && shapeok(f->shape, o, 3) && o[3].k == KI)
			return f->enc(a, f, o, n);
		if (shapeok(f->shape, o, n)) {
			for (k = 0; k < n; k++)
				if (f->shape[k] == 'e' && condsym(a, &o[k]) < 0)
					return -1;
			return f->enc(a, f, o, n);
		}
	}
	if (named)
		return fail(a, "bad operands for", mn, mlen);
	return fail(a, "unknown instruction", mn, mlen);
}

/* ------------------------------------------------------------ directives */

static int
dsec(struct a64 *a, int sec)
{
	a->cur = sec;
	return 0;
}

static int
dsection(struct a64 *a)
{
	const char *s;
	int n, i;

	ws(a);
	s = a->p;
	while (a->p < a->end && *a->p != ',' && *a->p != ' ' && *a->p != '\t')
		a->p++;
	if (!(n = a->p - s))
		return fail(a, "expected a section name", 0, 0);
	for (i = 0; i < ASM_NSEC; i++)
		if (as_eq(s, n, secnames[i]))
			break;
	if (i == ASM_NSEC) {
		if (!as_eq(s, n, ".note.GNU-stack"))
			return fail(a, "unsupported section", s, n);
	}
	a->cur = i;
	/* flags and type, if given, are the standard ones: not checked */
	if (accept(a, ',')) {
		if (accept(a, '"')) {
			while (a->p < a->end && *a->p != '"')
				a->p++;
			if (!accept(a, '"'))
				return fail(a, "unterminated string", 0, 0);
		}
		if (accept(a, ',') && (!accept(a, '@') || !ident(a, &n)))
			return fail(a, "expected a section type", 0, 0);
	}
	return 0;
}

static int
align(struct a64 *a, uint64_t al)
{
	struct abuf *s;
	size_t pad;
	uint32_t nop;

	if (al == 0)
		al = 1;
	if (al & (al - 1) || al > 4096)
		return fail(a, "alignment must be a power of 2 up to 4096", 0, 0);
	s = &a->sec[a->cur];
	if (s->align < al)
		s->align = al;
	pad = (al - s->n % al) % al;
	if (a->cur == ASM_TEXT) {
		/* code: zeros to the instruction boundary, then nops */
		while (pad && s->n % 4) {
			if (emitb(a, 0, 1) < 0)
				return -1;
			pad--;
		}
		nop = 0xd503201f;
		for (; pad >= 4; pad -= 4)
			if (emit32(a, nop) < 0)
				return -1;
	}
	return pad ? emitb(a, 0, pad) : 0;
}

static int
dalign(struct a64 *a, int p2)
{
	int64_t v;

	if (number(a, &v) < 0)
		return -1;
	if (p2 && (v < 0 || v > 12))
		return fail(a, "alignment out of range", 0, 0);
	if (!p2 && v < 0)
		return fail(a, "alignment out of range", 0, 0);
	return align(a, p2 ? (uint64_t)1 << v : (uint64_t)v);
}

static int
symarg(struct a64 *a, struct asym **y)
{
	const char *s;
	int n, i;

	if (!(s = ident(a, &n)))
		return fail(a, "expected a symbol", 0, 0);
	if ((i = symlook(a, s, n)) < 0)
		return -1;
	*y = a->sym[i];
	return 0;
}

static int
dglobl(struct a64 *a)
{
	struct asym *y;

	if (symarg(a, &y) < 0)
		return -1;
	y->global = 1;
	return 0;
}

static int
dtype(struct a64 *a)
{
	struct asym *y;
	const char *s;
	int n;

	if (symarg(a, &y) < 0 || !accept(a, ',') || !accept(a, '@') || !(s = ident(a, &n)))
		return fail(a, "expected .type SYMBOL, @function|@object", 0, 0);
	if (as_eq(s, n, "function"))
		y->type = ASM_STT_FUNC;
	else if (as_eq(s, n, "object"))
		y->type = ASM_STT_OBJECT;
	else
		return fail(a, "unknown symbol type", s, n);
	return 0;
}

static int
dsize(struct a64 *a)
{
	struct asym *y, *z;
	int64_t v;

	if (symarg(a, &y) < 0 || !accept(a, ','))
		return fail(a, "expected .size SYMBOL, EXPR", 0, 0);
	if (accept(a, '.')) {
		if (!accept(a, '-') || symarg(a, &z) < 0)
			return fail(a, "expected .size SYMBOL, .-SYMBOL", 0, 0);
		if (!z->def || z->sec != a->cur)
			return fail(a, ".size of a symbol not defined in this section", z->name, -1);
		y->size = a->sec[a->cur].n - z->off;
		return 0;
	}
	if (number(a, &v) < 0)
		return -1;
	y->size = v;
	return 0;
}

static int
ddata(struct a64 *a, int size)
{
	struct xp e;
	uint8_t b[8];
	int i, type;
	uint64_t v;

	if (a->cur == ASM_BSS)
		return fail(a, "data in .bss", 0, 0);
	do {
		if (expr(a, &e) < 0)
			return -1;
		v = e.val;
		if (e.sym >= 0 || e.dot) {
			if (e.sym < 0 || (size == 1) || (e.dot && size < 4))
				return fail(a, "bad relocatable data", 0, 0);
			type = e.dot ? (size == 8 ? R_AARCH64_PREL64 : R_AARCH64_PREL32)
				: size == 8 ? R_AARCH64_ABS64 : size == 4 ? R_AARCH64_ABS32 : R_AARCH64_ABS16;
			if (addfix(a, FX_DATA, type, e, -1) < 0)
				return -1;
			v = 0;
		} else if (size < 8 && (e.val >= (int64_t)1 << (8 * size)
		|| e.val < -((int64_t)1 << (8 * size - 1))))
			return fail(a, "value does not fit", 0, 0);
		for (i = 0; i < size; i++)
			b[i] = v >> (8 * i);
		if (emitb(a, b, size) < 0)
			return -1;
	} while (accept(a, ','));
	return 0;
}

static int
dascii(struct a64 *a, int z)
{
	uint8_t c;
	int d, k;

	if (a->cur == ASM_BSS)
		return fail(a, "data in .bss", 0, 0);
	do {
		if (!accept(a, '"'))
			return fail(a, "expected a string", 0, 0);
		for (;;) {
			if (a->p >= a->end)
				return fail(a, "unterminated string", 0, 0);
			c = *a->p++;
			if (c == '"')
				break;
			if (c == '\\') {
				if (a->p >= a->end)
					return fail(a, "unterminated string", 0, 0);
				c = *a->p++;
				switch (c) {
				case 'n': c = '\n'; break;
				case 't': c = '\t'; break;
				case 'r': c = '\r'; break;
				case 'b': c = '\b'; break;
				case 'f': c = '\f'; break;
				case 'v': c = '\v'; break;
				case '\\': case '"': case '\'': break;
				default:
					if (c >= '0' && c <= '7') {
						d = c - '0';
						for (k = 0; k < 2 && a->p < a->end && *a->p >= '0' && *a->p <= '7'; k++)
							d = d * 8 + *a->p++ - '0';
						c = d;
					} else
						return fail(a, "unknown string escape", 0, 0);
				}
			}
			if (emitb(a, &c, 1) < 0)
				return -1;
		}
		if (z && emitb(a, 0, 1) < 0)
			return -1;
	} while (accept(a, ','));
	return 0;
}

static int
dfill(struct a64 *a)
{
	int64_t n, sz, v;
	int64_t i, k;
	uint8_t b;

	sz = 1;
	v = 0;
	if (number(a, &n) < 0)
		return -1;
	if (accept(a, ',') && (number(a, &sz) < 0 || (accept(a, ',') && number(a, &v) < 0)))
		return -1;
	if (n < 0 || n > (1 << 28) || sz < 0 || sz > 8)
		return fail(a, "bad .fill", 0, 0);
	if (a->cur == ASM_BSS) {
		if (v)
			return fail(a, "data in .bss", 0, 0);
		return emitb(a, 0, n * sz);
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < sz; k++) {
			/* GNU as: the value's low 4 bytes, then zeros */
			b = k < 4 ? (uint64_t)v >> (8 * k) : 0;
			if (emitb(a, &b, 1) < 0)
				return -1;
		}
	return 0;
}

static int
dzero(struct a64 *a)
{
	int64_t n;

	if (number(a, &n) < 0)
		return -1;
	if (n < 0 || n > (1 << 28))
		return fail(a, "bad size", 0, 0);
	return emitb(a, 0, n);
}

/* .comm SYMBOL, SIZE[, ALIGN]: without ALIGN, GNU as takes the size
 * rounded up to a power of 2, at most 16 */
static int
dcomm(struct a64 *a)
{
	struct asym *y;
	int64_t size, al;

	if (symarg(a, &y) < 0 || !accept(a, ',') || number(a, &size) < 0)
		return fail(a, "expected .comm SYMBOL, SIZE[, ALIGN]", 0, 0);
	if (size < 0 || size > (1ll << 32))
		return fail(a, "bad .comm size", y->name, -1);
	if (accept(a, ',')) {
		if (number(a, &al) < 0)
			return -1;
		if (al <= 0 || al & (al - 1) || al > 4096)
			return fail(a, "alignment must be a power of 2 up to 4096", 0, 0);
	} else
		for (al = 1; al < size && al < 16; al *= 2)
			;
	if (y->def)
		return fail(a, "symbol already defined", y->name, -1);
	y->def = 1;
	y->sec = ASM_COMMON;
	y->global = 1;
	y->type = ASM_STT_OBJECT;
	y->off = al;
	y->size = size;
	return 0;
}

enum { MAXFILE = 4096 };

/* .file N "name" (.file "name" alone names the unit: nothing to keep) */
static int
dfile(struct a64 *a)
{
	struct asm_obj *o;
	int64_t n;
	char *name;
	size_t k;
	int c;

	o = a->obj;
	if (peek(a) == '"') {
		a->p = a->end;
		return 0;
	}
	if (number(a, &n) < 0)
		return -1;
	if (n < 1 || n > MAXFILE)
		return fail(a, "bad file number in .file", 0, 0);
	if (!accept(a, '"'))
		return fail(a, "expected a string", 0, 0);
	if (!(name = malloc(a->end - a->p + 1)))
		return fail(a, "out of memory", 0, 0);
	for (k = 0; ; k++) {
		if (a->p >= a->end) {
			free(name);
			return fail(a, "unterminated string", 0, 0);
		}
		if ((c = *a->p++) == '"')
			break;
		if (c == '\\' && a->p < a->end)
			c = *a->p++;
		name[k] = c;
	}
	name[k] = 0;
	if (!(o->file = as_grow(o->file, &a->cfile, (int)n + 1, sizeof *o->file))) {
		free(name);
		return fail(a, "out of memory", 0, 0);
	}
	while ((int64_t)o->nfile <= n)
		o->file[o->nfile++] = 0;
	free(o->file[n]);
	o->file[n] = name;
	return 0;
}

/* the row of a waiting .loc, at the current address of .text */
static int
locrow(struct a64 *a)
{
	struct asm_obj *o;
	struct asm_line *r;

	o = a->obj;
	if (!a->locfile)
		return 0;
	if (a->cur == ASM_TEXT) {
		if (!(o->line = as_grow(o->line, &a->cline, (int)o->nline + 1, sizeof *o->line)))
			return fail(a, "out of memory", 0, 0);
		r = &o->line[o->nline++];
		r->addr = a->sec[ASM_TEXT].n;
		r->file = a->locfile;
		r->line = a->locline;
	}
	a->locfile = 0;
	return 0;
}

/* .loc FILE LINE [COLUMN]: the next instruction starts that line (a
 * .loc still waiting gets its row at the same address, as in GNU as) */
static int
dloc(struct a64 *a)
{
	int64_t f, line, col;

	if (locrow(a) < 0 || number(a, &f) < 0 || number(a, &line) < 0)
		return -1;
	if (peek(a) && number(a, &col) < 0)
		return -1;
	if (peek(a))
		return fail(a, "unsupported .loc option", a->p, a->end - a->p);
	if (f < 1 || f >= (int64_t)a->obj->nfile || !a->obj->file[f])
		return fail(a, "unassigned file number in .loc", 0, 0);
	if (line < 0 || line > INT32_MAX)
		return fail(a, "bad line number in .loc", 0, 0);
	a->locfile = f;
	a->locline = line;
	return 0;
}

static int
directive(struct a64 *a, const char *s, int n)
{
	if (as_eq(s, n, ".text")) return dsec(a, ASM_TEXT);
	if (as_eq(s, n, ".data")) return dsec(a, ASM_DATA);
	if (as_eq(s, n, ".bss")) return dsec(a, ASM_BSS);
	if (as_eq(s, n, ".section")) return dsection(a);
	if (as_eq(s, n, ".balign")) return dalign(a, 0);
	if (as_eq(s, n, ".p2align")) return dalign(a, 1);
	if (as_eq(s, n, ".globl") || as_eq(s, n, ".global")) return dglobl(a);
	if (as_eq(s, n, ".type")) return dtype(a);
	if (as_eq(s, n, ".size")) return dsize(a);
	if (as_eq(s, n, ".byte")) return ddata(a, 1);
	if (as_eq(s, n, ".short") || as_eq(s, n, ".hword")) return ddata(a, 2);
	if (as_eq(s, n, ".int") || as_eq(s, n, ".word") || as_eq(s, n, ".long")) return ddata(a, 4);
	if (as_eq(s, n, ".quad") || as_eq(s, n, ".xword")) return ddata(a, 8);
	if (as_eq(s, n, ".ascii")) return dascii(a, 0);
	if (as_eq(s, n, ".asciz") || as_eq(s, n, ".string")) return dascii(a, 1);
	if (as_eq(s, n, ".fill")) return dfill(a);
	if (as_eq(s, n, ".zero")) return dzero(a);
	if (as_eq(s, n, ".comm")) return dcomm(a);
	if (as_eq(s, n, ".file")) return dfile(a);
	if (as_eq(s, n, ".loc")) return dloc(a);
	return fail(a, "unknown directive", s, n);
}

/* ------------------------------------------------------------ statements */

static int
deflabel(struct a64 *a, const char *s, int n)
{
	struct asym *y;
	int i;

	if ((i = symlook(a, s, n)) < 0)
		return -1;
	y = a->sym[i];
	if (y->def)
		return fail(a, "symbol already defined", s, n);
	if (a->cur == ASM_NSEC)
		return fail(a, "label in .note.GNU-stack", s, n);
	y->def = 1;
	y->sec = a->cur;
	y->off = a->sec[a->cur].n;
	return 0;
}

static int
statement(struct a64 *a)
{
	const char *s;
	int n;

	for (;;) {
		if (!peek(a))
			return 0;
		if (!(s = ident(a, &n)))
			return fail(a, "expected a label, directive or instruction", 0, 0);
		if (a->p < a->end && *a->p == ':') {
			a->p++;
			if (deflabel(a, s, n) < 0)
				return -1;
			continue;
		}
		if (s[0] == '.')
			return directive(a, s, n) < 0 ? -1 : peek(a)
				? fail(a, "junk after directive:", a->p, a->end - a->p) : 0;
		if (a->cur == ASM_NSEC)
			return fail(a, "instruction in .note.GNU-stack", 0, 0);
		if (a->cur != ASM_TEXT)
			return fail(a, "instruction outside .text", s, n);
		if (a->sec[a->cur].n % 4)
			return fail(a, "misaligned instruction", 0, 0);
		if (locrow(a) < 0)
			return -1;
		return instruction(a, s, n);
	}
}

/* ---------------------------------------------------------------- output */

static int
outsym(struct a64 *a, struct asm_obj *o, struct asym *y)
{
	struct asm_symbol *s;
	char *nm;
	size_t n;

	if (y->out >= 0)
		return y->out;
	n = strlen(y->name);
	if (!(nm = malloc(n + 1)))
		return fail(a, "out of memory", 0, 0);
	memcpy(nm, y->name, n + 1);
	s = &o->sym[o->nsym];
	s->name = nm;
	s->sec = y->def ? y->sec : ASM_UNDEF;
	s->value = y->def ? y->off : 0;
	s->size = y->size;
	s->global = y->global || !y->def;
	s->type = y->type;
	y->out = o->nsym++;
	return y->out;
}

static int
addrel(struct a64 *a, struct asm_obj *o, struct afix *f, int type)
{
	struct asm_reloc *r;
	struct asym *y;

	if (!(o->rel = as_grow(o->rel, (int *)&o->crel, o->nrel + 1, sizeof *o->rel)))
		return fail(a, "out of memory", 0, 0);
	r = &o->rel[o->nrel++];
	y = a->sym[f->e.sym];
	r->sec = f->sec;
	r->offset = f->off;
	r->type = type;
	r->addend = f->e.val;
	if (y->def && !y->global) {
		r->sym = -1;
		r->tsec = y->sec;
		r->addend = (int64_t)((uint64_t)r->addend + y->off);
	} else {
		if ((r->sym = outsym(a, o, y)) < 0)
			return -1;
		r->tsec = 0;
	}
	return 0;
}

static void
put32(uint8_t *p, uint32_t w)
{
	p[0] = w;
	p[1] = w >> 8;
	p[2] = w >> 16;
	p[3] = w >> 24;
}

static uint32_t
get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int
resolve(struct a64 *a, struct asm_obj *o, struct afix *f)
{
	static const int ldst[] = {
		R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_LDST16_ABS_LO12_NC,
		R_AARCH64_LDST32_ABS_LO12_NC, R_AARCH64_LDST64_ABS_LO12_NC,
		R_AARCH64_LDST128_ABS_LO12_NC,
	};
	struct asym *y;
	uint8_t *p;
	int64_t d;

	a->line = f->line;
	y = a->sym[f->e.sym];
	p = a->sec[f->sec].b + f->off;
	switch (f->kind) {
	case FX_DATA:
		if (f->e.dot) {
			if (y->def && y->sec == f->sec) {
				d = (int64_t)(y->off + (uint64_t)f->e.val - f->off);
				if (f->size == R_AARCH64_PREL32 && (d < INT32_MIN || d > INT32_MAX))
					return fail(a, "value does not fit", 0, 0);
				for (int i = 0; i < (f->size == R_AARCH64_PREL32 ? 4 : 8); i++)
					p[i] = (uint64_t)d >> (8 * i);
				return 0;
			}
		}
		return addrel(a, o, f, f->size);
	case FX_ADRP:
		return addrel(a, o, f, R_AARCH64_ADR_PREL_PG_HI21);
	case FX_LO12:
		return addrel(a, o, f, f->shift < 0 ? R_AARCH64_ADD_ABS_LO12_NC : ldst[f->shift]);
	}
	/* branches: resolved when the target is a local label of this section */
	if (!y->def || y->global || y->sec != f->sec) {
		if (f->kind == FX_B19)
			return addrel(a, o, f, R_AARCH64_CONDBR19);
		return addrel(a, o, f, f->kind == FX_CALL26 ? R_AARCH64_CALL26 : R_AARCH64_JUMP26);
	}
	d = (int64_t)(y->off + (uint64_t)f->e.val - f->off);
	if (d & 3)
		return fail(a, "misaligned branch target", y->name, -1);
	d >>= 2;
	if (f->kind == FX_B19) {
		if (d < -(1 << 18) || d >= (1 << 18))
			return fail(a, "branch out of range (+-1 MiB) to", y->name, -1);
		put32(p, get32(p) | (uint32_t)(d & 0x7ffff) << 5);
	} else {
		if (d < -(1 << 25) || d >= (1 << 25))
			return fail(a, "branch out of range (+-128 MiB) to", y->name, -1);
		put32(p, get32(p) | (uint32_t)(d & 0x3ffffff));
	}
	return 0;
}

static int
relcmp(const void *x, const void *y)
{
	const struct asm_reloc *r = x, *s = y;

	if (r->sec != s->sec)
		return r->sec - s->sec;
	return r->offset < s->offset ? -1 : r->offset > s->offset;
}

static int
finish(struct a64 *a, struct asm_obj *o)
{
	struct asym *y;
	int i;

	for (i = 0; i < a->nsym; i++) {
		y = a->sym[i];
		if (!y->def && y->name[0] == '.' && y->name[1] == 'L' && y->ref) {
			a->line = y->line;
			return fail(a, "undefined local label", y->name, -1);
		}
	}
	/* room for every symbol: the table holds the defined non-.L ones
	 * and whatever a relocation names */
	if (!(o->sym = calloc(a->nsym + 1, sizeof *o->sym)))
		return fail(a, "out of memory", 0, 0);
	for (i = 0; i < a->nsym; i++) {
		y = a->sym[i];
		if (y->def && !(y->name[0] == '.' && y->name[1] == 'L'))
			if (outsym(a, o, y) < 0)
				return -1;
	}
	for (i = 0; i < a->nfix; i++)
		if (resolve(a, o, &a->fix[i]) < 0)
			return -1;
	for (i = 0; i < ASM_NSEC; i++) {
		o->sec[i].name = secnames[i];
		o->sec[i].size = a->sec[i].n;
		o->sec[i].align = a->sec[i].align ? a->sec[i].align : 1;
		if (i == ASM_BSS) {
			o->sec[i].data = 0;
			continue;
		}
		o->buf[i] = a->sec[i].b;
		a->sec[i].b = 0;
		o->sec[i].data = o->buf[i];
	}
	if (o->nrel)
		qsort(o->rel, o->nrel, sizeof *o->rel, relcmp);
	return 0;
}

/* split the text into lines, dropping C comments (which may span lines)
 * and "//" comments, outside strings */
int
asm_a64_assemble(const char *text, size_t len, const char *name,
	struct asm_obj **out, struct jit_error *err)
{
	struct a64 *a;
	struct asm_obj *o;
	const char *p, *end, *q;
	char *line;
	size_t cap, n;
	int incomment, instr, i, ok;

	*out = 0;
	a = calloc(1, sizeof *a);
	o = calloc(1, sizeof *o);
	line = malloc(cap = 256);
	if (!a || !o || !line) {
		free(a);
		free(o);
		free(line);
		as_scopy(err->file, sizeof err->file, name);
		err->line = 0;
		as_scopy(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	a->name = name;
	a->err = err;
	a->obj = o;
	a->cur = ASM_TEXT;
	p = text;
	end = text + len;
	incomment = 0;
	while (p < end && !a->failed) {
		a->line++;
		q = p;
		while (q < end && *q != '\n')
			q++;
		n = 0;
		instr = 0;
		for (; p < q; p++) {
			if (n + 2 > cap) {
				char *nl = realloc(line, cap *= 2);
				if (!nl) {
					fail(a, "out of memory", 0, 0);
					break;
				}
				line = nl;
			}
			if (*p == 0) {
				fail(a, "NUL byte in the input", 0, 0);
				break;
			}
			if (incomment) {
				if (*p == '*' && p + 1 < q && p[1] == '/') {
					incomment = 0;
					p++;
					line[n++] = ' ';
				}
				continue;
			}
			if (instr) {
				if (*p == '\\' && p + 1 < q) {
					line[n++] = *p++;
				} else if (*p == '"')
					instr = 0;
				line[n++] = *p;
				continue;
			}
			if (*p == '"')
				instr = 1;
			else if (*p == '/' && p + 1 < q && p[1] == '*') {
				incomment = 1;
				p++;
				continue;
			} else if (*p == '/' && p + 1 < q && p[1] == '/')
				break;
			else if (*p == ';') {
				/* statement separator: not emitted by QBE */
				fail(a, "';' separators are not supported", 0, 0);
				break;
			}
			line[n++] = *p;
		}
		p = q < end ? q + 1 : q;
		if (a->failed)
			break;
		a->p = line;
		a->end = line + n;
		statement(a);
	}
	if (!a->failed && incomment) {
		fail(a, "unterminated comment", 0, 0);
	}
	ok = !a->failed && finish(a, o) == 0;
	for (i = 0; i < a->nsym; i++) {
		free(a->sym[i]->name);
		free(a->sym[i]);
	}
	free(a->sym);
	free(a->fix);
	for (i = 0; i <= ASM_NSEC; i++)
		free(a->sec[i].b);
	free(a);
	free(line);
	if (!ok) {
		asm_free(o);
		return -1;
	}
	*out = o;
	return 0;
}

const char *
asm_a64_reloc_name(int type)
{
	switch (type) {
	case R_AARCH64_ABS64: return "R_AARCH64_ABS64";
	case R_AARCH64_ABS32: return "R_AARCH64_ABS32";
	case R_AARCH64_ABS16: return "R_AARCH64_ABS16";
	case R_AARCH64_PREL64: return "R_AARCH64_PREL64";
	case R_AARCH64_PREL32: return "R_AARCH64_PREL32";
	case R_AARCH64_ADR_PREL_PG_HI21: return "R_AARCH64_ADR_PREL_PG_HI21";
	case R_AARCH64_ADD_ABS_LO12_NC: return "R_AARCH64_ADD_ABS_LO12_NC";
	case R_AARCH64_LDST8_ABS_LO12_NC: return "R_AARCH64_LDST8_ABS_LO12_NC";
	case R_AARCH64_LDST16_ABS_LO12_NC: return "R_AARCH64_LDST16_ABS_LO12_NC";
	case R_AARCH64_LDST32_ABS_LO12_NC: return "R_AARCH64_LDST32_ABS_LO12_NC";
	case R_AARCH64_LDST64_ABS_LO12_NC: return "R_AARCH64_LDST64_ABS_LO12_NC";
	case R_AARCH64_LDST128_ABS_LO12_NC: return "R_AARCH64_LDST128_ABS_LO12_NC";
	case R_AARCH64_CONDBR19: return "R_AARCH64_CONDBR19";
	case R_AARCH64_JUMP26: return "R_AARCH64_JUMP26";
	case R_AARCH64_CALL26: return "R_AARCH64_CALL26";
	}
	return "?";
}

int
asm_a64_apply(int type, uint8_t *w, uint64_t p, uint64_t sa)
{
	int64_t d;
	uint32_t ins;
	int i, sh;

	ins = get32(w);
	switch (type) {
	case R_AARCH64_ABS64:
		for (i = 0; i < 8; i++)
			w[i] = sa >> (8 * i);
		return 0;
	case R_AARCH64_ABS32:
		if (sa > 0xffffffffu && (int64_t)sa < INT32_MIN)
			return -1;
		for (i = 0; i < 4; i++)
			w[i] = sa >> (8 * i);
		return 0;
	case R_AARCH64_ABS16:
		if (sa > 0xffff && (int64_t)sa < -0x8000)
			return -1;
		w[0] = sa;
		w[1] = sa >> 8;
		return 0;
	case R_AARCH64_PREL32:
		d = (int64_t)(sa - p);
		if (d < INT32_MIN || d > (int64_t)UINT32_MAX)
			return -1;
		for (i = 0; i < 4; i++)
			w[i] = (uint64_t)d >> (8 * i);
		return 0;
	case R_AARCH64_PREL64:
		for (i = 0; i < 8; i++)
			w[i] = (sa - p) >> (8 * i);
		return 0;
	case R_AARCH64_CALL26:
	case R_AARCH64_JUMP26:
		d = (int64_t)(sa - p);
		if (d & 3 || d < -(1ll << 27) || d >= (1ll << 27))
			return -1;
		put32(w, (ins & 0xfc000000u) | ((uint64_t)d >> 2 & 0x3ffffff));
		return 0;
	case R_AARCH64_CONDBR19:
		d = (int64_t)(sa - p);
		if (d & 3 || d < -(1ll << 20) || d >= (1ll << 20))
			return -1;
		put32(w, (ins & ~(0x7ffffu << 5)) | ((uint64_t)d >> 2 & 0x7ffff) << 5);
		return 0;
	case R_AARCH64_ADR_PREL_PG_HI21:
		d = (int64_t)((sa & ~0xfffull) - (p & ~0xfffull)) >> 12;
		if (d < -(1ll << 20) || d >= (1ll << 20))
			return -1;
		put32(w, (ins & 0x9f00001fu) | (uint32_t)(d & 3) << 29
			| (uint32_t)(d >> 2 & 0x7ffff) << 5);
		return 0;
	case R_AARCH64_ADD_ABS_LO12_NC:
		put32(w, (ins & ~(0xfffu << 10)) | (uint32_t)(sa & 0xfff) << 10);
		return 0;
	case R_AARCH64_LDST8_ABS_LO12_NC: sh = 0; break;
	case R_AARCH64_LDST16_ABS_LO12_NC: sh = 1; break;
	case R_AARCH64_LDST32_ABS_LO12_NC: sh = 2; break;
	case R_AARCH64_LDST64_ABS_LO12_NC: sh = 3; break;
	case R_AARCH64_LDST128_ABS_LO12_NC: sh = 4; break;
	default:
		return -1;
	}
	if ((sa & 0xfff) & ((1u << sh) - 1))
		return -1;       /* misaligned for the scaled offset */
	put32(w, (ins & ~(0xfffu << 10)) | (uint32_t)((sa & 0xfff) >> sh) << 10);
	return 0;
}
