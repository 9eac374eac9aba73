/* x86-64 assembler for the AT&T text QBE's amd64 emitter writes.
 *
 * It works like GNU as, in the small: each statement appends bytes to the
 * current section's "fragment"; a jump to a label or an alignment ends the
 * fragment with a variable part whose size is settled later. Once the
 * whole text is read, jumps are relaxed (short first, long when the target
 * is out of rel8 range, repeated until nothing changes), fragments get
 * addresses, and fixups are either resolved in place or turned into
 * relocations exactly where GNU as would emit them.
 *
 * Instructions are matched against forms[], a table of mnemonic, operand
 * shapes and encoding -- amd64/emit.c's omap[] read backwards. */
#include <stdlib.h>
#include <string.h>
#include "asm.h"

typedef unsigned char uchar;

enum { NSYMHASH = 1024, MAXOPS = 3 };
/* The loader starts each section on a page and gives it nothing more:
 * a larger alignment would be silently broken.  QBE asks for at most 64. */
enum { MAXALIGN = 4096 };
/* A .comm size the loader can add up without overflow (the JIT arena
 * is at most 2 GiB anyway). */
#define MAXCOMM ((int64_t)1 << 31)

/* operand sizes as a bit mask in forms[].sizes */
enum { SB = 1, SW = 2, SL = 4, SQ = 8 };

enum { ONONE, OREG, OXMM, OIMM, OMEM };

enum { RIP = 16 };

struct expr {
	int64_t val;
	int sym;          /* -1: plain number */
};

struct opnd {
	int kind;
	int reg, size;    /* OREG: number 0-15 and size 1,2,4,8; OXMM: number */
	int rex8;         /* spl, bpl, sil, dil need a REX prefix */
	int star;         /* "*%rax", "*8(%rax)": indirect call/jmp */
	struct expr e;    /* OIMM value, OMEM displacement */
	int base, index, scale;  /* OMEM: -1 when absent; base RIP */
};

/* fixup kinds */
enum {
	FABS,     /* S + A, size 1, 2, 4 or 8 */
	FABSS,    /* S + A, 4 bytes sign-extended (R_X86_64_32S) */
	FPC,      /* S + A - P (rip-relative data) */
	FBRANCH,  /* S + A - P (call/jmp rel32: PLT32 for external targets) */
};

struct fixup {
	int frag;
	size_t off;       /* from the start of the fragment */
	int size, kind, line;
	struct expr e;
};

/* variable part ending a fragment */
enum { VNONE, VALIGN, VJUMP };

struct frag {
	size_t start, len;     /* fixed bytes: sec->buf[start..start+len) */
	int var, line;
	int cc;                /* VJUMP: condition code, -1 for jmp */
	struct expr e;         /* VJUMP: target */
	int big;               /* VJUMP: rel32 form */
	int relax;             /* VJUMP: target in this section, may be short */
	int align, fill;       /* VALIGN: bytes, fill (-1 means nops) */
	int region, mark;      /* relax(): alignments passed, pass parity */
	size_t addr, varsz;
};

struct sec {
	uchar *buf;
	size_t nbuf, cbuf;
	struct frag *frag;
	int nfrag, cfrag;
	struct fixup *fix;
	int nfix, cfix;
	size_t align;
	int used;
};

struct sym {
	char *name;
	int sec;               /* ASM_UNDEF until defined, ASM_COMMON */
	int frag;
	size_t off;
	int global, type, dotl, referenced;
	int sizemode;          /* 0 none, 1 number, 2 ". - sizefrom" */
	int sizesec, sizefrag, sizesym;
	size_t sizeoff;
	uint64_t size, commalign;
	int out;               /* index in the object's symbol table, -1 */
	int line;              /* first reference, for errors */
	struct sym *hnext;
};

struct asm_obj {
	struct asm_section sec[ASM_NSEC];
	uint8_t *buf[ASM_NSEC];
	struct asm_symbol *sym;
	size_t nsym;
	struct asm_reloc *rel;
	size_t nrel, crel;
};

#define NSEC (ASM_NSEC + 1)    /* plus a sink for .note.GNU-stack */
enum { SECNOTE = ASM_NSEC };

struct as {
	const char *p, *end;   /* remaining input */
	const char *name;
	int line;
	struct sec sec[NSEC];
	int cur;
	struct sym **sym;
	int nsym, csym;
	struct sym *hash[NSYMHASH];
	struct jit_error *err;
	int failed;
	struct asm_obj *obj;
	int depth;             /* of nested terms: the kernel stack is small */
};

static const char *secname[NSEC] = {
	".text", ".rodata", ".data", ".bss", ".note.GNU-stack"
};

/* ---------------------------------------------------------------- utils */

static void
scopy(char *d, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i+1 < n && s[i]; i++)
		d[i] = s[i];
	d[i] = 0;
}

/* append s (at most n chars, all if n < 0) to the message */
static void
mcat(char *m, const char *s, int n)
{
	size_t i, l;

	l = strlen(m);
	for (i = 0; l+1 < 200 && s[i] && (n < 0 || (int)i < n); i++)
		m[l++] = s[i];
	m[l] = 0;
}

/* Record an error: msg, then "'" word "'" if word is given. Only the
 * first error counts. Always returns -1. */
static int
fail(struct as *a, const char *msg, const char *word, int wlen)
{
	if (a->failed)
		return -1;
	a->failed = 1;
	scopy(a->err->file, sizeof a->err->file, a->name);
	a->err->line = a->line;
	a->err->msg[0] = 0;
	mcat(a->err->msg, msg, -1);
	if (word) {
		mcat(a->err->msg, " '", -1);
		mcat(a->err->msg, word, wlen);
		mcat(a->err->msg, "'", -1);
	}
	return -1;
}

static void *
grow(void *p, int *cap, int need, size_t elt)
{
	int c;

	if (need <= *cap)
		return p;
	c = *cap ? *cap * 2 : 16;
	while (c < need)
		c *= 2;
	p = realloc(p, c * elt);
	if (p)
		*cap = c;
	return p;
}

#define GROW(a, arr, n, cap) \
	((arr) = grow((arr), &(cap), (n) + 1, sizeof *(arr)))

static int
isid0(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		|| c == '_' || c == '.' || c == '$';
}

static int
isid(int c)
{
	return isid0(c) || (c >= '0' && c <= '9');
}

static void
skipws(struct as *a)
{
	while (a->p < a->end && (*a->p == ' ' || *a->p == '\t'))
		a->p++;
}

static int
peek(struct as *a)
{
	skipws(a);
	return a->p < a->end ? (uchar)*a->p : 0;
}

static int
accept(struct as *a, int c)
{
	if (peek(a) != c)
		return 0;
	a->p++;
	return 1;
}

/* identifier at p, length in *n (0 if none) */
static const char *
ident(struct as *a, int *n)
{
	const char *s;

	skipws(a);
	s = a->p;
	if (a->p < a->end && isid0(*a->p))
		while (a->p < a->end && isid(*a->p))
			a->p++;
	*n = a->p - s;
	return s;
}

/* a symbol name: identifier or "quoted" (QBE quotes some names) */
static const char *
symtok(struct as *a, int *n)
{
	const char *s;

	if (peek(a) != '"')
		return ident(a, n);
	s = ++a->p;
	while (a->p < a->end && *a->p != '"')
		a->p++;
	*n = a->p - s;
	if (a->p < a->end)
		a->p++;
	return s;
}

static int
eq(const char *s, int n, const char *lit)
{
	return (int)strlen(lit) == n && strncmp(s, lit, n) == 0;
}

/* -------------------------------------------------------------- symbols */

static unsigned
hashstr(const char *s, int n)
{
	unsigned h;

	for (h = 2166136261u; n-- > 0; s++)
		h = (h ^ (uchar)*s) * 16777619u;
	return h;
}

static int
symlook(struct as *a, const char *s, int n)
{
	struct sym *y, **hp;

	hp = &a->hash[hashstr(s, n) % NSYMHASH];
	for (y = *hp; y; y = y->hnext)
		if ((int)strlen(y->name) == n && strncmp(y->name, s, n) == 0)
			return y->out;
	y = calloc(1, sizeof *y);
	if (!y || !GROW(a, a->sym, a->nsym, a->csym))
		return fail(a, "out of memory", 0, 0);
	y->name = malloc(n + 1);
	if (!y->name)
		return fail(a, "out of memory", 0, 0);
	memcpy(y->name, s, n);
	y->name[n] = 0;
	y->sec = ASM_UNDEF;
	y->dotl = n >= 2 && s[0] == '.' && s[1] == 'L';
	y->out = a->nsym;    /* temporarily: our own index */
	y->line = a->line;
	y->hnext = *hp;
	*hp = y;
	a->sym[a->nsym] = y;
	return a->nsym++;
}

/* ---------------------------------------------------------- expressions */

static int expr(struct as *a, struct expr *e);

static int
number(struct as *a, int64_t *v)
{
	uint64_t x;
	int base, d, c;

	x = 0;
	base = 10;
	if (a->p[0] == '0' && a->p + 1 < a->end
	&& (a->p[1] == 'x' || a->p[1] == 'X')) {
		base = 16;
		a->p += 2;
	} else if (a->p[0] == '0' && a->p + 1 < a->end
	&& (a->p[1] == 'b' || a->p[1] == 'B')) {
		base = 2;
		a->p += 2;
	} else if (a->p[0] == '0')
		base = 8;
	for (; a->p < a->end; a->p++) {
		c = *a->p;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (d >= base)
			return fail(a, "bad digit in number", a->p, 1);
		x = x * base + d;
	}
	*v = (int64_t)x;
	return 0;
}

enum { MAXDEPTH = 32 };

static int term1(struct as *a, struct expr *e);

/* "-(-(-(..." recurses once per level: bound it, so hostile text cannot
 * run the kernel stack out (QBE nests nothing). */
static int
term(struct as *a, struct expr *e)
{
	int r;

	if (a->depth >= MAXDEPTH)
		return fail(a, "expression nested too deeply", 0, 0);
	a->depth++;
	r = term1(a, e);
	a->depth--;
	return r;
}

static int
term1(struct as *a, struct expr *e)
{
	const char *s;
	int n, c;

	c = peek(a);
	e->sym = -1;
	e->val = 0;
	if (c == '-' || c == '~') {
		a->p++;
		if (term(a, e) < 0)
			return -1;
		if (e->sym >= 0)
			return fail(a, "cannot negate a symbol", 0, 0);
		e->val = c == '-' ? (int64_t)-(uint64_t)e->val : ~e->val;
		return 0;
	}
	if (c == '(') {
		a->p++;
		if (expr(a, e) < 0)
			return -1;
		if (!accept(a, ')'))
			return fail(a, "missing ')' in expression", 0, 0);
		return 0;
	}
	if (c >= '0' && c <= '9')
		return number(a, &e->val);
	s = symtok(a, &n);
	if (n == 0 || eq(s, n, "."))
		return fail(a, "expected a number or symbol", a->p, 1);
	if (a->p < a->end && *a->p == '@')
		return fail(a, "unsupported symbol modifier", a->p, 6);
	e->sym = symlook(a, s, n);
	return e->sym < 0 ? -1 : 0;
}

/* left to right, no precedence: enough for "sym+8", "4+-8",
 * "123>>32" which is all QBE writes */
static int
expr(struct as *a, struct expr *e)
{
	struct expr r;
	int op;

	if (term(a, e) < 0)
		return -1;
	for (;;) {
		op = peek(a);
		if (op == '>' || op == '<') {
			if (a->p + 1 >= a->end || a->p[1] != op)
				return fail(a, "bad operator", a->p, 1);
			a->p++;
		} else if (op != '+' && op != '-' && op != '*')
			return 0;
		a->p++;
		/* "(%" starts a memory operand, not a subexpression */
		if (term(a, &r) < 0)
			return -1;
		if (r.sym >= 0 && (op != '+' || e->sym >= 0))
			return fail(a, "unsupported symbol arithmetic", 0, 0);
		if (e->sym >= 0 && op != '+' && op != '-')
			return fail(a, "unsupported symbol arithmetic", 0, 0);
		if (r.sym >= 0)
			e->sym = r.sym;
		if ((op == '<' || op == '>') && (r.val < 0 || r.val > 63))
			return fail(a, "shift count out of range", 0, 0);
		/* 64-bit wraparound, as GNU as computes; in unsigned
		 * arithmetic, where C defines it (found by fuzz_asm) */
		switch (op) {
		case '+': e->val = (int64_t)((uint64_t)e->val + (uint64_t)r.val); break;
		case '-': e->val = (int64_t)((uint64_t)e->val - (uint64_t)r.val); break;
		case '*': e->val = (int64_t)((uint64_t)e->val * (uint64_t)r.val); break;
		case '>': e->val >>= r.val; break;
		case '<': e->val = (int64_t)((uint64_t)e->val << r.val); break;
		}
	}
}

/* ------------------------------------------------------------- sections */

static struct sec *
cursec(struct as *a)
{
	return &a->sec[a->cur];
}

static struct frag *
curfrag(struct as *a)
{
	struct sec *s;

	s = cursec(a);
	return &s->frag[s->nfrag - 1];
}

static int
newfrag(struct as *a, int si)
{
	struct sec *s;
	struct frag *f;

	s = &a->sec[si];
	if (!GROW(a, s->frag, s->nfrag, s->cfrag))
		return fail(a, "out of memory", 0, 0);
	f = &s->frag[s->nfrag++];
	memset(f, 0, sizeof *f);
	f->start = s->nbuf;
	f->line = a->line;
	return 0;
}

static int
emit(struct as *a, const void *p, size_t n)
{
	struct sec *s;
	size_t c;

	s = cursec(a);
	if (s->nbuf + n > s->cbuf) {
		c = s->cbuf ? s->cbuf * 2 : 256;
		while (c < s->nbuf + n)
			c *= 2;
		if (!(s->buf = realloc(s->buf, c)))
			return fail(a, "out of memory", 0, 0);
		s->cbuf = c;
	}
	if (n)		/* buf is still NULL after ".fill 64,0,0" */
		memcpy(s->buf + s->nbuf, p, n);
	s->nbuf += n;
	curfrag(a)->len += n;
	s->used = 1;
	return 0;
}

/* the fixed part of the current fragment is 'here'; a fixup at
 * here + at, computed once the fragment has an address */
static int
fixup(struct as *a, size_t at, int size, int kind, struct expr e)
{
	struct sec *s;
	struct fixup *x;

	s = cursec(a);
	if (!GROW(a, s->fix, s->nfix, s->cfix))
		return fail(a, "out of memory", 0, 0);
	x = &s->fix[s->nfix++];
	x->frag = s->nfrag - 1;
	x->off = curfrag(a)->len + at;
	x->size = size;
	x->kind = kind;
	x->e = e;
	x->line = a->line;
	if (e.sym >= 0)
		a->sym[e.sym]->referenced = 1;
	return 0;
}

/* end the current fragment with a variable part */
static struct frag *
endfrag(struct as *a, int var)
{
	struct frag *f;

	f = curfrag(a);
	f->var = var;
	f->line = a->line;
	if (newfrag(a, a->cur) < 0)
		return 0;
	cursec(a)->used = 1;
	return &cursec(a)->frag[cursec(a)->nfrag - 2];
}

static int
align(struct as *a, int n, int fill)
{
	struct frag *f;

	if (n <= 0 || (n & (n - 1)))
		return fail(a, "alignment is not a power of 2", 0, 0);
	if (fill < 0 && a->cur != ASM_TEXT)
		fill = 0;
	if ((size_t)n > cursec(a)->align)
		cursec(a)->align = n;
	if (!(f = endfrag(a, VALIGN)))
		return -1;
	f->align = n;
	f->fill = fill;
	return 0;
}

/* ------------------------------------------------------------ operands */

static const char *regs[4][16] = {
	{"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
	 "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"},
	{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
	 "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"},
	{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	 "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"},
	{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	 "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"},
};

/* "%name" -> o->kind OREG/OXMM or RIP; -1 on error */
static int
reg(struct as *a, struct opnd *o)
{
	const char *s;
	int n, i, k;

	if (!accept(a, '%'))
		return fail(a, "expected a register", a->p, 1);
	s = ident(a, &n);
	if (peek(a) == ':')
		return fail(a, "segment overrides are not supported", 0, 0);
	if (eq(s, n, "rip")) {
		o->kind = OREG;
		o->reg = RIP;
		o->size = 8;
		return 0;
	}
	if (n >= 4 && strncmp(s, "xmm", 3) == 0) {
		for (i = 0; i < 16; i++)
			if (n - 3 == (i < 10 ? 1 : 2)
			&& s[3] == '0' + (i < 10 ? i : 1)
			&& (i < 10 || s[4] == '0' + i - 10)) {
				o->kind = OXMM;
				o->reg = i;
				return 0;
			}
	}
	for (k = 0; k < 4; k++)
		for (i = 0; i < 16; i++)
			if (eq(s, n, regs[k][i])) {
				o->kind = OREG;
				o->reg = i;
				o->size = 1 << k;
				o->rex8 = k == 0 && i >= 4 && i < 8;
				return 0;
			}
	return fail(a, "unknown register", s - 1, n + 1);
}

/* memory operand after the displacement: "(base, index, scale)" */
static int
memref(struct as *a, struct opnd *o)
{
	struct opnd r;
	int64_t sc;

	o->kind = OMEM;
	if (peek(a) != ',') {
		memset(&r, 0, sizeof r);
		if (reg(a, &r) < 0)
			return -1;
		if (r.kind != OREG || r.size != 8)
			return fail(a, "base must be a 64-bit register", 0, 0);
		o->base = r.reg;
	}
	if (accept(a, ',')) {
		memset(&r, 0, sizeof r);
		if (reg(a, &r) < 0)
			return -1;
		if (r.kind != OREG || r.size != 8 || r.reg == 4
		|| r.reg == RIP || o->base == RIP)
			return fail(a, "bad index register", 0, 0);
		o->index = r.reg;
		o->scale = 1;
		if (accept(a, ',')) {
			skipws(a);
			if (number(a, &sc) < 0)
				return -1;
			if (sc != 1 && sc != 2 && sc != 4 && sc != 8)
				return fail(a, "scale must be 1, 2, 4 or 8", 0, 0);
			o->scale = sc;
		}
	}
	if (!accept(a, ')'))
		return fail(a, "expected ')'", 0, 0);
	return 0;
}

static int
operand(struct as *a, struct opnd *o)
{
	memset(o, 0, sizeof *o);
	o->base = o->index = -1;
	o->e.sym = -1;
	if (accept(a, '*'))
		o->star = 1;
	switch (peek(a)) {
	case '%':
		if (reg(a, o) < 0)
			return -1;
		if (o->reg == RIP)
			return fail(a, "%rip outside a memory operand", 0, 0);
		return 0;
	case '$':
		a->p++;
		o->kind = OIMM;
		return expr(a, &o->e);
	}
	if (!(peek(a) == '(' && a->p + 1 < a->end
	&& (a->p[1] == '%' || a->p[1] == ',')))
		if (expr(a, &o->e) < 0)
			return -1;
	o->kind = OMEM;
	if (accept(a, '('))
		return memref(a, o);
	return 0;
}

/* ---------------------------------------------------------------- forms */

/* Operand shapes, in AT&T order (source first):
 *	r  general register of the operand size   R  r or memory
 *	a  the accumulator of the operand size    m  memory
 *	c  %cl                                    1  $1
 *	i  immediate, operand size (at most 4 bytes, sign-extended for q)
 *	b  immediate that fits a sign-extended byte (no symbol)
 *	u  immediate byte                         q  64-bit immediate
 *	B W L  byte/word/long register or memory (fixed source size)
 *	x  xmm register                           X  x or memory
 *	g  32/64-bit register or memory (the operand size, default l)
 *	e  32/64-bit register (the operand size)
 *	p  64-bit register, push/pop
 *	j  branch target                          *  indirect: *%reg, *mem
 */

/* encodings */
enum {
	EZ,   /* opcode only */
	ERM,  /* ModRM.reg = last operand, r/m = the one before */
	EMR,  /* ModRM.reg = first operand, r/m = last */
	EM,   /* ModRM.reg = opcode extension, r/m = last operand */
	EO,   /* register in the opcode's low bits: last operand */
	EO0,  /* register in the opcode's low bits: first operand */
	EI,   /* opcode, immediate (accumulator forms) */
	EJ,   /* rel32 call / relaxable jmp, jcc */
};

/* flags */
enum {
	FW = 1,    /* always REX.W */
	FNOW = 2,  /* operand size 8 is the default: no REX.W */
	FCC = 4,   /* condition code added to the last opcode byte */
};

struct form {
	char mn[10];
	uchar sizes;     /* allowed operand sizes (SB|SW|SL|SQ), 0: none */
	char ops[4];
	uchar pfx;       /* mandatory prefix 66/f2/f3 or 0 */
	int opc;         /* 1-3 opcode bytes, big-endian */
	int opc8;        /* opcode for byte operands, -1: same as opc */
	signed char ext; /* ModRM.reg for EM */
	uchar enc, flags;
};

#define SWLQ (SW|SL|SQ)
#define SALL (SB|SW|SL|SQ)

/* integer ALU group: add or adc sbb and sub xor cmp = 0..7 */
#define ALU(mn, n) \
	{mn, SALL, "rR",  0, 8*n+1, 8*n,   0, EMR, 0}, \
	{mn, SALL, "mr",  0, 8*n+3, 8*n+2, 0, ERM, 0}, \
	{mn, SWLQ, "bR",  0, 0x83, -1,     n, EM,  0}, \
	{mn, SALL, "ia",  0, 8*n+5, 8*n+4, 0, EI,  0}, \
	{mn, SALL, "iR",  0, 0x81, 0x80,   n, EM,  0}

#define SHIFT(mn, n) \
	{mn, SALL, "1R", 0, 0xd1, 0xd0, n, EM, 0}, \
	{mn, SALL, "cR", 0, 0xd3, 0xd2, n, EM, 0}, \
	{mn, SALL, "uR", 0, 0xc1, 0xc0, n, EM, 0}

#define UNARY(mn, n) \
	{mn, SALL, "R", 0, 0xf7, 0xf6, n, EM, 0}

#define SSE(mn, pfx, op) \
	{mn, 0, "Xx", pfx, 0x0f00 | op, -1, 0, ERM, 0}

static const struct form forms[] = {
	ALU("add", 0), ALU("or", 1), ALU("adc", 2), ALU("sbb", 3),
	ALU("and", 4), ALU("sub", 5), ALU("xor", 6), ALU("cmp", 7),
	SHIFT("rol", 0), SHIFT("ror", 1), SHIFT("shl", 4), SHIFT("sal", 4),
	SHIFT("shr", 5), SHIFT("sar", 7),
	UNARY("not", 2), UNARY("neg", 3), UNARY("mul", 4),
	UNARY("div", 6), UNARY("idiv", 7),
	{"inc",   SALL, "R",   0, 0xff, 0xfe, 0, EM, 0},
	{"dec",   SALL, "R",   0, 0xff, 0xfe, 1, EM, 0},
	{"imul",  SALL, "R",   0, 0xf7, 0xf6, 5, EM, 0},
	{"imul",  SWLQ, "Rr",  0, 0x0faf, -1, 0, ERM, 0},
	{"imul",  SWLQ, "bRr", 0, 0x6b, -1, 0, ERM, 0},
	{"imul",  SWLQ, "iRr", 0, 0x69, -1, 0, ERM, 0},
	{"test",  SALL, "rR",  0, 0x85, 0x84, 0, EMR, 0},
	{"test",  SALL, "mr",  0, 0x85, 0x84, 0, ERM, 0},
	{"test",  SALL, "ia",  0, 0xa9, 0xa8, 0, EI, 0},
	{"test",  SALL, "iR",  0, 0xf7, 0xf6, 0, EM, 0},
	{"xchg",  SWLQ, "ar",  0, 0x90, -1, 0, EO, 0},
	{"xchg",  SWLQ, "ra",  0, 0x90, -1, 0, EO0, 0},
	{"xchg",  SALL, "rR",  0, 0x87, 0x86, 0, EMR, 0},
	{"xchg",  SALL, "mr",  0, 0x87, 0x86, 0, ERM, 0},
	{"mov",   SALL, "rR",  0, 0x89, 0x88, 0, EMR, 0},
	{"mov",   SALL, "mr",  0, 0x8b, 0x8a, 0, ERM, 0},
	{"mov",   SB|SW|SL, "ir", 0, 0xb8, 0xb0, 0, EO, 0},
	{"mov",   SALL, "iR",  0, 0xc7, 0xc6, 0, EM, 0},
	{"mov",   SQ,   "qr",  0, 0xb8, -1, 0, EO, 0},
	{"movabs", SQ,  "qr",  0, 0xb8, -1, 0, EO, 0},
	{"movzb", SWLQ, "Br",  0, 0x0fb6, -1, 0, ERM, 0},
	{"movzw", SL|SQ, "Wr", 0, 0x0fb7, -1, 0, ERM, 0},
	{"movsb", SWLQ, "Br",  0, 0x0fbe, -1, 0, ERM, 0},
	{"movsw", SL|SQ, "Wr", 0, 0x0fbf, -1, 0, ERM, 0},
	{"movsl", SQ,   "Lr",  0, 0x63, -1, 0, ERM, 0},
	{"lea",   SWLQ, "mr",  0, 0x8d, -1, 0, ERM, 0},
	{"cmov",  SWLQ, "Rr",  0, 0x0f40, -1, 0, ERM, FCC},
	{"set",   0,    "B",   0, 0x0f90, -1, 0, EM, FCC},
	{"j",     0,    "j",   0, 0x0f80, -1, 0, EJ, FCC},
	{"jmp",   SQ,   "j",   0, 0xe9, -1, 0, EJ, FNOW},
	{"jmp",   SQ,   "*",   0, 0xff, -1, 4, EM, FNOW},
	{"call",  SQ,   "j",   0, 0xe8, -1, 0, EJ, FNOW},
	{"call",  SQ,   "*",   0, 0xff, -1, 2, EM, FNOW},
	{"push",  SQ,   "p",   0, 0x50, -1, 0, EO, FNOW},
	{"pop",   SQ,   "p",   0, 0x58, -1, 0, EO, FNOW},
	{"ret",   0,    "",    0, 0xc3, -1, 0, EZ, 0},
	{"leave", 0,    "",    0, 0xc9, -1, 0, EZ, 0},
	{"cltd",  0,    "",    0, 0x99, -1, 0, EZ, 0},
	{"cqto",  0,    "",    0, 0x99, -1, 0, EZ, FW},
	{"cltq",  0,    "",    0, 0x98, -1, 0, EZ, FW},
	{"ud2",   0,    "",    0, 0x0f0b, -1, 0, EZ, 0},
	{"nop",   0,    "",    0, 0x90, -1, 0, EZ, 0},
	{"hlt",   0,    "",    0, 0xf4, -1, 0, EZ, 0},
	{"endbr64", 0,  "",    0xf3, 0x0f1efa, -1, 0, EZ, 0},

	{"movss", 0, "Xx",  0xf3, 0x0f10, -1, 0, ERM, 0},
	{"movss", 0, "xm",  0xf3, 0x0f11, -1, 0, EMR, 0},
	{"movsd", 0, "Xx",  0xf2, 0x0f10, -1, 0, ERM, 0},
	{"movsd", 0, "xm",  0xf2, 0x0f11, -1, 0, EMR, 0},
	{"movaps", 0, "Xx", 0, 0x0f28, -1, 0, ERM, 0},
	{"movaps", 0, "xm", 0, 0x0f29, -1, 0, EMR, 0},
	{"movapd", 0, "Xx", 0x66, 0x0f28, -1, 0, ERM, 0},
	{"movapd", 0, "xm", 0x66, 0x0f29, -1, 0, EMR, 0},
	{"movq",  SQ, "ex", 0x66, 0x0f6e, -1, 0, ERM, 0},
	{"movq",  SQ, "xe", 0x66, 0x0f7e, -1, 0, EMR, 0},
	{"movq",  0, "Xx",  0xf3, 0x0f7e, -1, 0, ERM, 0},
	{"movq",  0, "xm",  0x66, 0x0fd6, -1, 0, EMR, 0},
	{"movd",  SL, "gx", 0x66, 0x0f6e, -1, 0, ERM, 0},
	{"movd",  SL, "xg", 0x66, 0x0f7e, -1, 0, EMR, 0},
	SSE("addss", 0xf3, 0x58), SSE("addsd", 0xf2, 0x58),
	SSE("subss", 0xf3, 0x5c), SSE("subsd", 0xf2, 0x5c),
	SSE("mulss", 0xf3, 0x59), SSE("mulsd", 0xf2, 0x59),
	SSE("divss", 0xf3, 0x5e), SSE("divsd", 0xf2, 0x5e),
	SSE("sqrtss", 0xf3, 0x51), SSE("sqrtsd", 0xf2, 0x51),
	SSE("minss", 0xf3, 0x5d), SSE("minsd", 0xf2, 0x5d),
	SSE("maxss", 0xf3, 0x5f), SSE("maxsd", 0xf2, 0x5f),
	SSE("ucomiss", 0, 0x2e), SSE("ucomisd", 0x66, 0x2e),
	SSE("comiss", 0, 0x2f), SSE("comisd", 0x66, 0x2f),
	SSE("andps", 0, 0x54), SSE("andpd", 0x66, 0x54),
	SSE("andnps", 0, 0x55), SSE("andnpd", 0x66, 0x55),
	SSE("orps", 0, 0x56), SSE("orpd", 0x66, 0x56),
	SSE("xorps", 0, 0x57), SSE("xorpd", 0x66, 0x57),
	SSE("pxor", 0x66, 0xef),
	SSE("cvtss2sd", 0xf3, 0x5a), SSE("cvtsd2ss", 0xf2, 0x5a),
	{"cvtsi2ss",  SL|SQ, "gx", 0xf3, 0x0f2a, -1, 0, ERM, 0},
	{"cvtsi2sd",  SL|SQ, "gx", 0xf2, 0x0f2a, -1, 0, ERM, 0},
	{"cvttss2si", SL|SQ, "Xe", 0xf3, 0x0f2c, -1, 0, ERM, 0},
	{"cvttsd2si", SL|SQ, "Xe", 0xf2, 0x0f2c, -1, 0, ERM, 0},
	{"cvtss2si",  SL|SQ, "Xe", 0xf3, 0x0f2d, -1, 0, ERM, 0},
	{"cvtsd2si",  SL|SQ, "Xe", 0xf2, 0x0f2d, -1, 0, ERM, 0},
};

static const char *ccname[16][3] = {
	{"o"}, {"no"}, {"b", "c", "nae"}, {"ae", "nb", "nc"},
	{"z", "e"}, {"nz", "ne"}, {"be", "na"}, {"a", "nbe"},
	{"s"}, {"ns"}, {"p", "pe"}, {"np", "po"},
	{"l", "nge"}, {"ge", "nl"}, {"le", "ng"}, {"g", "nle"},
};

static int
ccode(const char *s, int n)
{
	int c, k;

	for (c = 0; c < 16; c++)
		for (k = 0; k < 3 && ccname[c][k]; k++)
			if (eq(s, n, ccname[c][k]))
				return c;
	return -1;
}

static int
fits8(int64_t v)
{
	return v >= -128 && v <= 127;
}

/* value as the operand size sees it, sign-extended */
static int64_t
sext(int64_t v, int size)
{
	switch (size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	}
	return v;
}

static int
isgpr(struct opnd *o, int *size, int want)
{
	if (o->kind != OREG)
		return 0;
	if (want)
		return o->size == want;
	if (*size == 0)
		*size = o->size;
	return o->size == *size;
}

/* does operand o fit shape c; *size is the operand size found so far */
static int
shape(int c, struct opnd *o, int *size)
{
	int64_t v;

	if (o->star != (c == '*'))
		return 0;
	v = o->e.val;
	switch (c) {
	case 'r': return isgpr(o, size, 0);
	case 'R': return o->kind == OMEM || isgpr(o, size, 0);
	case 'a': return isgpr(o, size, 0) && o->reg == 0;
	case 'm': return o->kind == OMEM;
	case 'c': return o->kind == OREG && o->size == 1 && o->reg == 1;
	case '1': return o->kind == OIMM && o->e.sym < 0 && v == 1;
	case 'i': return o->kind == OIMM && (*size != 8 || o->e.sym >= 0
			|| v == (int32_t)v);
	case 'b': return o->kind == OIMM && o->e.sym < 0
			&& fits8(sext(v, *size ? *size : 8));
	case 'u': return o->kind == OIMM && o->e.sym < 0;
	case 'q': return o->kind == OIMM;
	case 'B': return o->kind == OMEM || isgpr(o, size, 1);
	case 'W': return o->kind == OMEM || isgpr(o, size, 2);
	case 'L': return o->kind == OMEM || isgpr(o, size, 4);
	case 'x': return o->kind == OXMM;
	case 'X': return o->kind == OXMM || o->kind == OMEM;
	case 'g': return o->kind == OMEM
			|| (isgpr(o, size, 0) && o->size >= 4);
	case 'e': return isgpr(o, size, 0) && o->size >= 4;
	case 'p': return isgpr(o, size, 8);
	case 'j': return o->kind == OMEM && o->base < 0 && o->index < 0;
	case '*': return o->kind == OMEM || isgpr(o, size, 8);
	}
	return 0;
}

static int
popcount(int x)
{
	int n;

	for (n = 0; x; x &= x - 1)
		n++;
	return n;
}

/* match mnemonic mn (with suffix size sfx, 0 if none) and operands */
static const struct form *
match(const char *mn, int sfx, int cc, struct opnd *op, int nop, int *psize,
	int *known)
{
	const struct form *f;
	int i, size;

	for (f = forms; f < forms + sizeof forms / sizeof forms[0]; f++) {
		if (strcmp(f->mn, mn) != 0 || (f->flags & FCC) != (cc >= 0) * FCC)
			continue;
		*known = 1;
		if ((int)strlen(f->ops) != nop)
			continue;
		if (sfx && !(f->sizes & sfx))
			continue;
		size = sfx;
		/* the register operands fix the size; immediates need it */
		for (i = 0; i < nop; i++)
			if (strchr("rRaegp", f->ops[i]) && op[i].kind == OREG)
				shape(f->ops[i], &op[i], &size);
		for (i = 0; i < nop; i++)
			if (!shape(f->ops[i], &op[i], &size))
				break;
		if (i < nop)
			continue;
		if (size == 0 && f->sizes) {
			if (popcount(f->sizes) == 1)
				size = f->sizes;
			else if (strchr(f->ops, 'g'))
				size = 4;   /* GNU as: cvtsi2sd mem means l */
			else
				continue;
		}
		if (size && f->sizes && !(f->sizes & size))
			continue;
		/* xchgl %eax, %eax is not a nop in 64-bit mode */
		if ((f->enc == EO || f->enc == EO0) && f->opc == 0x90
		&& size == 4 && op[0].reg == 0 && op[1].reg == 0)
			continue;
		*psize = size;
		return f;
	}
	return 0;
}

/* ------------------------------------------------------------- encoding */

struct insn {
	uchar b[24];
	int n;
	struct { int at, size, kind; struct expr e; } fix[2];
	int nfix;
	int immat;   /* where the immediate starts, for rip-relative bias */
};

static void
put(struct insn *in, uint64_t v, int n)
{
	while (n-- > 0) {
		in->b[in->n++] = v & 0xff;
		v >>= 8;
	}
}

static void
putfix(struct insn *in, struct expr e, int size, int kind)
{
	if (e.sym >= 0) {
		in->fix[in->nfix].at = in->n;
		in->fix[in->nfix].size = size;
		in->fix[in->nfix].kind = kind;
		in->fix[in->nfix].e = e;
		in->nfix++;
		e.val = 0;   /* RELA: the addend lives in the relocation */
	}
	put(in, e.val, size);
}

/* ModRM, SIB and displacement for register field r and operand o */
static void
modrm(struct insn *in, int r, struct opnd *o)
{
	int mod, b, ds;

	r &= 7;
	if (o->kind != OMEM) {
		put(in, 0xc0 | r << 3 | (o->reg & 7), 1);
		return;
	}
	if (o->base == RIP) {
		put(in, r << 3 | 5, 1);
		putfix(in, o->e, 4, FPC);
		return;
	}
	if (o->base < 0) {
		put(in, r << 3 | 4, 1);
		put(in, (o->index < 0 ? 4 << 3 : (popcount(o->scale - 1) << 6
			| (o->index & 7) << 3)) | 5, 1);
		putfix(in, o->e, 4, FABSS);
		return;
	}
	b = o->base & 7;
	if (o->e.sym >= 0)
		ds = 4;
	else if (o->e.val == 0 && b != 5)
		ds = 0;
	else if (fits8(o->e.val))
		ds = 1;
	else
		ds = 4;
	mod = ds == 0 ? 0 : ds == 1 ? 0x40 : 0x80;
	if (o->index >= 0 || b == 4) {
		put(in, mod | r << 3 | 4, 1);
		put(in, (o->index < 0 ? 4 << 3 : (popcount(o->scale - 1) << 6
			| (o->index & 7) << 3)) | b, 1);
	} else
		put(in, mod | r << 3 | b, 1);
	if (ds == 4)
		putfix(in, o->e, 4, FABSS);
	else
		put(in, o->e.val, ds);
}

static int
encode(struct as *a, const struct form *f, int size, int cc,
	struct opnd *op, int nop, struct insn *in)
{
	struct opnd *rm, *rg, *im;
	int rex, opc, i, n, imsz;

	memset(in, 0, sizeof *in);
	rm = rg = im = 0;
	for (i = 0; i < nop; i++)
		if (op[i].kind == OIMM && f->ops[i] != '1')
			im = &op[i];
	switch (f->enc) {
	case ERM: rg = &op[nop-1]; rm = &op[nop-2]; break;
	case EMR: rg = &op[0]; rm = &op[nop-1]; break;
	case EM: rm = &op[nop-1]; break;
	case EO: rg = &op[nop-1]; break;
	case EO0: rg = &op[0]; break;
	}
	rex = 0;
	if ((size == 8 && !(f->flags & FNOW)) || (f->flags & FW))
		rex |= 8;
	if (rm && rm->kind == OMEM) {
		if (rm->base >= 0 && rm->base != RIP && (rm->base & 8))
			rex |= 1;
		if (rm->index >= 0 && (rm->index & 8))
			rex |= 2;
	} else if (rm && (rm->reg & 8))
		rex |= 1;
	if (rg && (rg->reg & 8))
		rex |= f->enc == EO || f->enc == EO0 ? 1 : 4;
	/* %spl, %bpl, %sil, %dil exist only with a REX prefix */
	for (i = 0; i < nop; i++)
		if (op[i].kind == OREG && op[i].rex8)
			rex |= 0x40;
	if (size == 2)
		put(in, 0x66, 1);
	if (f->pfx)
		put(in, f->pfx, 1);
	if (rex)
		put(in, 0x40 | (rex & 0xf), 1);
	opc = size == 1 && f->opc8 >= 0 ? f->opc8 : f->opc;
	if (f->flags & FCC)
		opc += cc;
	n = opc > 0xffff ? 3 : opc > 0xff ? 2 : 1;
	if (f->enc == EO || f->enc == EO0)
		opc += rg->reg & 7;
	put(in, (uint64_t)opc >> 8*(n-1) & 0xff, 1);
	if (n > 1)
		put(in, (uint64_t)opc >> 8*(n-2) & 0xff, 1);
	if (n > 2)
		put(in, opc & 0xff, 1);
	if (rm)
		modrm(in, f->enc == EM ? f->ext : rg->reg, rm);
	in->immat = in->n;
	if (im) {
		switch (f->ops[im - op]) {
		case 'b': case 'u': imsz = 1; break;
		case 'q': imsz = 8; break;
		default: imsz = size < 4 ? size : 4;
		}
		if (imsz == 8 && (f->enc == EO) && size == 8 && f->opc == 0xb8)
			putfix(in, im->e, 8, FABS);
		else
			putfix(in, im->e, imsz, size == 8 ? FABSS : FABS);
	}
	return 0;
}

/* after the instruction is known, rip-relative fixups are biased by the
 * bytes that follow the displacement, as in GNU as */
static int
emitinsn(struct as *a, struct insn *in)
{
	int i;
	struct expr e;

	for (i = 0; i < in->nfix; i++) {
		e = in->fix[i].e;
		if (in->fix[i].kind == FPC)
			e.val -= in->n - in->fix[i].at;
		if (fixup(a, in->fix[i].at, in->fix[i].size, in->fix[i].kind, e) < 0)
			return -1;
	}
	return emit(a, in->b, in->n);
}

/* jmp/jcc/call to a label */
static int
branch(struct as *a, const struct form *f, int cc, struct opnd *o)
{
	struct frag *fr;
	uchar b[2];

	/* GNU as would relocate against *ABS*; JIT'd code has no use for a
	 * fixed target (found by fuzz_asm: "callq 0" indexed symbol -1) */
	if (o->e.sym < 0)
		return fail(a, f->opc == 0xe8 ? "call to an absolute address"
			: "jump to an absolute address", 0, 0);
	if (f->opc == 0xe8) {
		b[0] = 0xe8;
		if (fixup(a, 1, 4, FBRANCH, (struct expr){o->e.val - 4, o->e.sym}) < 0)
			return -1;
		if (emit(a, b, 1) < 0)
			return -1;
		return emit(a, "\0\0\0\0", 4);
	}
	a->sym[o->e.sym]->referenced = 1;
	if (!(fr = endfrag(a, VJUMP)))
		return -1;
	fr->cc = f->opc == 0xe9 ? -1 : cc;
	fr->e = o->e;
	return 0;
}

static int
instruction(struct as *a, const char *s, int n)
{
	struct opnd op[MAXOPS];
	struct insn in;
	const struct form *f;
	char mn[16];
	int nop, cc, sfx, size, k, pass, known;

	nop = 0;
	known = 0;
	f = 0;
	if (peek(a) != 0)
		for (;;) {
			if (nop == MAXOPS)
				return fail(a, "too many operands", 0, 0);
			if (operand(a, &op[nop++]) < 0)
				return -1;
			if (!accept(a, ','))
				break;
		}
	if (peek(a) != 0)
		return fail(a, "junk after operands", 0, 0);
	if (n >= (int)sizeof mn)
		return fail(a, "unknown mnemonic", s, n);
	/* pass 0: the mnemonic as written; pass 1: minus a size suffix */
	for (pass = 0; pass < 2; pass++) {
		sfx = 0;
		k = n;
		if (pass == 1) {
			switch (s[n-1]) {
			case 'b': sfx = SB; break;
			case 'w': sfx = SW; break;
			case 'l': sfx = SL; break;
			case 'q': sfx = SQ; break;
			default: continue;
			}
			k = n - 1;
		}
		memcpy(mn, s, k);
		mn[k] = 0;
		cc = -1;
		f = match(mn, sfx, -1, op, nop, &size, &known);
		if (!f && k > 1 && mn[0] == 'j' && (cc = ccode(mn+1, k-1)) >= 0)
			f = match("j", sfx, cc, op, nop, &size, &known);
		if (!f && k > 3 && strncmp(mn, "set", 3) == 0
		&& (cc = ccode(mn+3, k-3)) >= 0)
			f = match("set", sfx, cc, op, nop, &size, &known);
		if (!f && k > 4 && strncmp(mn, "cmov", 4) == 0
		&& (cc = ccode(mn+4, k-4)) >= 0)
			f = match("cmov", sfx, cc, op, nop, &size, &known);
		if (f)
			break;
	}
	if (!f)
		return fail(a, known ? "bad operands for" : "unknown mnemonic", s, n);
	if (f->enc == EJ)
		return branch(a, f, cc, &op[0]);
	if (encode(a, f, size, cc, op, nop, &in) < 0)
		return -1;
	return emitinsn(a, &in);
}

/* ----------------------------------------------------------- directives */

static int
string(struct as *a, int zero)
{
	uchar c;
	int v, k;

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
				case 'a': c = 7; break;
				case 'e': c = 27; break;
				case 'x': case 'X':
					for (v = 0; a->p < a->end; a->p++) {
						k = *a->p;
						if (k >= '0' && k <= '9') k -= '0';
						else if (k >= 'a' && k <= 'f') k -= 'a' - 10;
						else if (k >= 'A' && k <= 'F') k -= 'A' - 10;
						else break;
						/* every digit counts, the byte keeps
						 * the low 8 bits (GNU as; found by
						 * fuzz_asm: "\X0AAAA..." overflowed) */
						v = (v * 16 + k) & 0xff;
					}
					c = v;
					break;
				default:
					if (c >= '0' && c <= '7') {
						v = c - '0';
						for (k = 0; k < 2 && a->p < a->end
						&& *a->p >= '0' && *a->p <= '7'; k++)
							v = v * 8 + *a->p++ - '0';
						c = v;
					}
				}
			}
			if (emit(a, &c, 1) < 0)
				return -1;
		}
		if (zero && emit(a, "", 1) < 0)
			return -1;
	} while (accept(a, ','));
	return 0;
}

static int
data(struct as *a, int size)
{
	struct expr e;
	uint64_t v;
	uchar b[8];
	int i;

	do {
		if (expr(a, &e) < 0)
			return -1;
		if (e.sym >= 0) {
			if (size < 4)
				return fail(a, "symbol in a data item smaller than 4 bytes", 0, 0);
			if (fixup(a, 0, size, FABS, e) < 0)
				return -1;
			e.val = 0;
		}
		for (v = e.val, i = 0; i < size; i++, v >>= 8)
			b[i] = v;
		if (emit(a, b, size) < 0)
			return -1;
	} while (accept(a, ','));
	return 0;
}

/* a number-only expression */
static int
absexpr(struct as *a, int64_t *v)
{
	struct expr e;

	if (expr(a, &e) < 0)
		return -1;
	if (e.sym >= 0)
		return fail(a, "expected a constant", 0, 0);
	*v = e.val;
	return 0;
}

static int
fill(struct as *a, int64_t n, int64_t size, int64_t val)
{
	uchar b[8];
	int i;

	if (n < 0 || size < 0 || size > 8 || n > (1 << 28))
		return fail(a, "bad .fill", 0, 0);
	for (i = 0; i < size; i++)
		b[i] = (uint64_t)val >> 8*i;
	while (n-- > 0)
		if (emit(a, b, size) < 0)
			return -1;
	return 0;
}

static int
symname(struct as *a)
{
	const char *s;
	int n;

	s = symtok(a, &n);
	if (n == 0)
		return fail(a, "expected a symbol name", 0, 0);
	return symlook(a, s, n);
}

static int
section(struct as *a)
{
	const char *s;
	int n, i;

	skipws(a);
	for (s = a->p; a->p < a->end && *a->p != ',' && *a->p != ' '
	&& *a->p != '\t'; a->p++)
		;
	n = a->p - s;
	for (i = 0; i < NSEC; i++)
		if (eq(s, n, secname[i])) {
			a->cur = i;
			/* flags and type ("aw", @progbits) change nothing */
			a->p = a->end;
			return 0;
		}
	if (n == 0 && peek(a) == '"')
		return fail(a, "quoted section names are not supported", 0, 0);
	return fail(a, "unsupported section", s, n);
}

static int
directive(struct as *a, const char *s, int n)
{
	struct sym *y;
	int64_t v, w, x;
	int i, k;
	const char *t;

	if (eq(s, n, ".text"))
		a->cur = ASM_TEXT;
	else if (eq(s, n, ".data"))
		a->cur = ASM_DATA;
	else if (eq(s, n, ".bss"))
		a->cur = ASM_BSS;
	else if (eq(s, n, ".section"))
		return section(a);
	else if (eq(s, n, ".file") || eq(s, n, ".loc") || eq(s, n, ".ident"))
		a->p = a->end;   /* debug info: not kept */
	else if (eq(s, n, ".globl") || eq(s, n, ".global")) {
		do {
			if ((i = symname(a)) < 0)
				return -1;
			a->sym[i]->global = 1;
		} while (accept(a, ','));
	} else if (eq(s, n, ".type")) {
		if ((i = symname(a)) < 0)
			return -1;
		if (!accept(a, ','))
			return fail(a, "expected ','", 0, 0);
		accept(a, '@');
		t = ident(a, &k);
		if (eq(t, k, "function"))
			a->sym[i]->type = ASM_STT_FUNC;
		else if (eq(t, k, "object"))
			a->sym[i]->type = ASM_STT_OBJECT;
		else if (!eq(t, k, "notype"))
			return fail(a, "unsupported symbol type", t, k);
	} else if (eq(s, n, ".size")) {
		if ((i = symname(a)) < 0)
			return -1;
		y = a->sym[i];
		if (!accept(a, ','))
			return fail(a, "expected ','", 0, 0);
		if (peek(a) == '.' && a->p + 1 < a->end && a->p[1] == '-') {
			a->p += 2;
			if ((k = symname(a)) < 0)
				return -1;
			y->sizemode = 2;
			y->sizesym = k;
			y->sizesec = a->cur;
			y->sizefrag = cursec(a)->nfrag - 1;
			y->sizeoff = curfrag(a)->len;
		} else {
			if (absexpr(a, &v) < 0)
				return -1;
			y->sizemode = 1;
			y->size = v;
		}
	} else if (eq(s, n, ".byte"))
		return data(a, 1);
	else if (eq(s, n, ".short") || eq(s, n, ".value") || eq(s, n, ".2byte"))
		return data(a, 2);
	else if (eq(s, n, ".int") || eq(s, n, ".long") || eq(s, n, ".4byte"))
		return data(a, 4);
	else if (eq(s, n, ".quad") || eq(s, n, ".8byte"))
		return data(a, 8);
	else if (eq(s, n, ".ascii"))
		return string(a, 0);
	else if (eq(s, n, ".asciz") || eq(s, n, ".string"))
		return string(a, 1);
	else if (eq(s, n, ".fill")) {
		w = 1;
		x = 0;
		if (absexpr(a, &v) < 0)
			return -1;
		if (accept(a, ',') && absexpr(a, &w) < 0)
			return -1;
		if (accept(a, ',') && absexpr(a, &x) < 0)
			return -1;
		return fill(a, v, w, x);
	} else if (eq(s, n, ".zero") || eq(s, n, ".skip") || eq(s, n, ".space")) {
		x = 0;
		if (absexpr(a, &v) < 0)
			return -1;
		if (accept(a, ',') && absexpr(a, &x) < 0)
			return -1;
		return fill(a, v, 1, x);
	} else if (eq(s, n, ".balign") || eq(s, n, ".p2align")
	|| eq(s, n, ".align")) {
		x = -1;
		if (absexpr(a, &v) < 0)
			return -1;
		if (accept(a, ',') && peek(a) != ',' && absexpr(a, &x) < 0)
			return -1;
		if (accept(a, ','))
			return fail(a, "alignment with a maximum is not supported", 0, 0);
		if (s[1] == 'p') {
			if (v < 0 || v > 16)
				return fail(a, "bad alignment", 0, 0);
			v = 1 << v;
		}
		if (v > MAXALIGN)
			return fail(a, "alignment above 4096 is not supported", 0, 0);
		return align(a, v, x < 0 ? -1 : (int)(x & 0xff));
	} else if (eq(s, n, ".comm")) {
		if ((i = symname(a)) < 0)
			return -1;
		y = a->sym[i];
		if (!accept(a, ',') || absexpr(a, &v) < 0)
			return fail(a, "expected ', size'", 0, 0);
		/* GNU as: without an alignment, the size rounded up to a
		 * power of 2, at most 16 */
		for (w = 1; w < v && w < 16; w *= 2)
			;
		if (accept(a, ',') && absexpr(a, &w) < 0)
			return -1;
		if (y->sec != ASM_UNDEF || v < 0 || v > MAXCOMM
		|| w <= 0 || (w & (w - 1)))
			return fail(a, "bad .comm", y->name, -1);
		if (w > MAXALIGN)
			return fail(a, "alignment above 4096 is not supported", 0, 0);
		y->sec = ASM_COMMON;
		y->global = 1;
		y->type = ASM_STT_OBJECT;
		y->size = v;
		y->commalign = w;
	} else
		return fail(a, "unknown directive", s, n);
	return 0;
}

static int
label(struct as *a, const char *s, int n)
{
	struct sym *y;
	int i;

	if ((i = symlook(a, s, n)) < 0)
		return -1;
	y = a->sym[i];
	if (y->sec != ASM_UNDEF)
		return fail(a, "symbol already defined", s, n);
	if (a->cur == SECNOTE)
		return fail(a, "label in .note.GNU-stack", s, n);
	y->sec = a->cur;
	y->frag = cursec(a)->nfrag - 1;
	y->off = curfrag(a)->len;
	cursec(a)->used = 1;
	return 0;
}

/* one line: labels, then one directive or instruction; comments are
 * '#' to the end of the line and C-style slash-star blocks */
static int
statement(struct as *a)
{
	const char *s;
	int n;

	for (;;) {
		s = symtok(a, &n);
		if (n == 0) {
			if (peek(a) == 0)
				return 0;
			return fail(a, "syntax error at", a->p, 1);
		}
		if (peek(a) != ':')
			break;
		a->p++;
		if (label(a, s, n) < 0)
			return -1;
	}
	if (a->cur == SECNOTE && s[0] != '.')
		return fail(a, "instruction in .note.GNU-stack", s, n);
	if (s[0] == '.')
		return directive(a, s, n);
	return instruction(a, s, n);
}

/* copy the next line into buf without comments; 0 at end of input */
static int
nextline(struct as *a, const char **p, const char *end, char **buf, size_t *cbuf,
	int *incomment)
{
	const char *q;
	size_t n;
	int instr;
	char c;

	if (*p >= end)
		return 0;
	q = *p;
	while (q < end && *q != '\n')
		q++;
	if ((size_t)(q - *p) + 1 > *cbuf) {
		*cbuf = (q - *p) + 64;
		free(*buf);
		if (!(*buf = malloc(*cbuf)))
			return fail(a, "out of memory", 0, 0);
	}
	n = 0;
	instr = 0;
	for (; *p < q; (*p)++) {
		c = **p;
		if (*incomment) {
			if (c == '*' && *p + 1 < q && (*p)[1] == '/') {
				*incomment = 0;
				(*p)++;
			}
			continue;
		}
		if (instr) {
			if (c == '\\' && *p + 1 < q) {
				(*buf)[n++] = c;
				c = *++(*p);
			} else if (c == '"')
				instr = 0;
		} else if (c == '"')
			instr = 1;
		else if (c == '#') {
			*p = q;
			break;
		} else if (c == '/' && *p + 1 < q && (*p)[1] == '*') {
			*incomment = 1;
			(*p)++;
			(*buf)[n++] = ' ';
			continue;
		}
		(*buf)[n++] = c;
	}
	(*buf)[n] = 0;
	if (*p < end)
		(*p)++;   /* the newline */
	return 1;
}

/* ----------------------------------------------------------- relaxation */

static size_t
symaddr(struct as *a, struct sym *y)
{
	return a->sec[y->sec].frag[y->frag].addr + y->off;
}

static const uchar nops[12][11] = {
	{0},
	{0x90},
	{0x66, 0x90},
	{0x0f, 0x1f, 0x00},
	{0x0f, 0x1f, 0x40, 0x00},
	{0x0f, 0x1f, 0x44, 0x00, 0x00},
	{0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
	{0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
	{0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
	{0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
	{0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
	{0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
};

static size_t
jumpsize(struct frag *f)
{
	if (!f->big)
		return 2;
	return f->cc < 0 ? 5 : 6;
}

/* give every fragment an address; returns the section size */
static size_t
layout(struct as *a, struct sec *s)
{
	struct frag *f;
	size_t addr;

	addr = 0;
	for (f = s->frag; f < s->frag + s->nfrag; f++) {
		f->addr = addr;
		addr += f->len;
		if (f->var == VALIGN)
			f->varsz = (f->align - addr % f->align) % f->align;
		else if (f->var == VJUMP)
			f->varsz = jumpsize(f);
		else
			f->varsz = 0;
		addr += f->varsz;
	}
	return addr;
}

/* Jumps to labels of the same section start short and grow to rel32
 * when their target is out of rel8 reach. This is GNU as's relax_segment
 * and relax_frag, step for step, because the result depends on the
 * order of the decisions: a pass walks the fragments in order and moves
 * each by the growth so far ("stretch"); a target not yet reached in this
 * pass is assumed to move by the stretch too unless an alignment lies in
 * between; a jump that grew never shrinks again. */
static void
relax(struct as *a, int si)
{
	struct sec *s;
	struct frag *f, *t;
	struct sym *y;
	size_t was, old, new, here, target;
	int64_t stretch, growth, aim;
	int region, stretched;

	s = &a->sec[si];
	region = 0;
	for (f = s->frag; f < s->frag + s->nfrag; f++) {
		f->region = region;
		f->mark = 0;
		if (f->var == VALIGN)
			region++;
		if (f->var == VJUMP) {
			y = a->sym[f->e.sym];
			f->relax = y->sec == si;
			f->big = !f->relax;
		}
	}
	layout(a, s);
	do {
		stretch = 0;
		stretched = 0;
		for (f = s->frag; f < s->frag + s->nfrag; f++) {
			f->mark ^= 1;
			was = f->addr;
			f->addr += stretch;
			growth = 0;
			if (f->var == VALIGN) {
				old = (f->align - (was + f->len) % f->align) % f->align;
				new = (f->align - (f->addr + f->len) % f->align) % f->align;
				growth = (int64_t)new - (int64_t)old;
			} else if (f->var == VJUMP && !f->big) {
				y = a->sym[f->e.sym];
				t = &s->frag[y->frag];
				target = t->addr + y->off + f->e.val;
				here = f->addr + f->len + 1;
				if (stretch != 0 && t->mark != f->mark) {
					if (stretch < 0 || t->region == f->region)
						target += stretch;
					else if (target < here)
						continue;
				}
				aim = (int64_t)(target - here);
				if (aim < -127 || aim > 128) {
					f->big = 1;
					growth = f->cc < 0 ? 3 : 4;
				}
			}
			if (growth) {
				stretch += growth;
				stretched = 1;
			}
		}
	} while (stretched);
	layout(a, s);
}

/* -------------------------------------------------------------- output */

static int
addrel(struct as *a, int si, uint64_t off, int type, int sym, int tsec,
	int64_t addend)
{
	struct asm_obj *o;
	struct asm_reloc *r;
	int c;

	o = a->obj;
	c = o->crel;
	if (!GROW(a, o->rel, (int)o->nrel, c))
		return fail(a, "out of memory", 0, 0);
	o->crel = c;
	r = &o->rel[o->nrel++];
	r->sec = si;
	r->offset = off;
	r->type = type;
	r->sym = sym;
	r->tsec = tsec;
	r->addend = addend;
	return 0;
}

static void
store(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		*p++ = v;
		v >>= 8;
	}
}

/* resolve one fixup at section offset pos, or make it a relocation */
static int
resolve(struct as *a, int si, uint8_t *buf, uint64_t pos, int size,
	int kind, struct expr e, int line)
{
	struct sym *y;
	int64_t v;
	int type;

	a->line = line;
	y = a->sym[e.sym];
	if (y->dotl && y->sec == ASM_UNDEF)
		return fail(a, "undefined local label", y->name, -1);
	if (kind == FPC || kind == FBRANCH) {
		if (y->sec == si && !y->global) {
			v = (int64_t)(symaddr(a, y) + e.val) - (int64_t)pos;
			if (v != (int32_t)v)
				return fail(a, "pc-relative reference out of range", 0, 0);
			store(buf + pos, v, 4);
			return 0;
		}
		type = kind == FBRANCH && (y->global || y->sec == ASM_UNDEF
			|| y->sec == ASM_COMMON) ? R_X86_64_PLT32 : R_X86_64_PC32;
	} else if (size == 8)
		type = R_X86_64_64;
	else if (size == 4)
		type = kind == FABSS ? R_X86_64_32S : R_X86_64_32;
	else
		return fail(a, "symbol in a field smaller than 4 bytes", 0, 0);
	if (si == ASM_BSS || si == SECNOTE)
		return fail(a, "relocation in a section without contents", 0, 0);
	if (y->global || y->sec < 0)
		return addrel(a, si, pos, type, e.sym, 0, e.val);
	return addrel(a, si, pos, type, -1, y->sec, symaddr(a, y) + e.val);
}

static int
finish(struct as *a, int si)
{
	struct sec *s;
	struct frag *f;
	struct fixup *x;
	struct sym *y;
	uint8_t *buf;
	size_t size, pad, k;
	int64_t d;
	int i;

	s = &a->sec[si];
	size = layout(a, s);
	if (si == SECNOTE) {
		if (size)
			return fail(a, "contents in .note.GNU-stack", 0, 0);
		return 0;
	}
	a->obj->sec[si].name = secname[si];
	a->obj->sec[si].size = size;
	a->obj->sec[si].align = s->align ? s->align : 1;
	if (!(buf = calloc(1, size ? size : 1)))
		return fail(a, "out of memory", 0, 0);
	a->obj->buf[si] = buf;
	if (si != ASM_BSS)
		a->obj->sec[si].data = buf;
	for (f = s->frag; f < s->frag + s->nfrag; f++) {
		a->line = f->line;
		if (f->len)
			memcpy(buf + f->addr, s->buf + f->start, f->len);
		k = f->addr + f->len;
		if (f->var == VALIGN) {
			if (f->fill >= 0)
				memset(buf + k, f->fill, f->varsz);
			for (pad = f->varsz; f->fill < 0 && pad > 0; ) {
				d = pad > 11 ? 11 : pad;
				memcpy(buf + k, nops[d], d);
				k += d;
				pad -= d;
			}
		} else if (f->var == VJUMP) {
			y = a->sym[f->e.sym];
			if (f->cc < 0)
				buf[k++] = f->big ? 0xe9 : 0xeb;
			else if (f->big) {
				buf[k++] = 0x0f;
				buf[k++] = 0x80 + f->cc;
			} else
				buf[k++] = 0x70 + f->cc;
			if (!f->relax) {
				if (resolve(a, si, buf, k, 4, FBRANCH,
				(struct expr){f->e.val - 4, f->e.sym}, f->line) < 0)
					return -1;
				continue;
			}
			d = (int64_t)(symaddr(a, y) + f->e.val)
				- (int64_t)(k + (f->big ? 4 : 1));
			store(buf + k, d, f->big ? 4 : 1);
		}
	}
	if (si == ASM_BSS)
		for (k = 0; k < size; k++)
			if (buf[k])
				return fail(a, "non-zero data in .bss", 0, 0);
	/* by index: fix is NULL in a section without fixups, and NULL + 0
	 * is undefined behaviour (UBSan, tests/test_sanitizers.py) */
	for (i = 0; i < s->nfix; i++) {
		x = &s->fix[i];
		if (resolve(a, si, buf, s->frag[x->frag].addr + x->off,
		x->size, x->kind, x->e, x->line) < 0)
			return -1;
	}
	return 0;
}

/* the object's symbol table: every symbol except .L labels, defined
 * first in definition order then undefined ones */
static int
symtab(struct as *a)
{
	struct asm_obj *o;
	struct asm_symbol *t;
	struct sym *y, *z;
	int i;

	o = a->obj;
	if (!(o->sym = calloc(a->nsym + 1, sizeof *o->sym)))
		return fail(a, "out of memory", 0, 0);
	for (i = 0; i < a->nsym; i++) {
		y = a->sym[i];
		y->out = -1;
		if (y->dotl)
			continue;
		if (y->sec == ASM_UNDEF && !y->global && !y->referenced)
			continue;
		y->out = o->nsym;
		t = &o->sym[o->nsym++];
		t->name = y->name;
		t->sec = y->sec;
		t->global = y->global || y->sec == ASM_UNDEF;
		t->type = y->type;
		t->size = y->size;
		if (y->sec == ASM_COMMON)
			t->value = y->commalign;
		else if (y->sec >= 0)
			t->value = symaddr(a, y);
		if (y->sizemode == 2) {
			z = a->sym[y->sizesym];
			a->line = y->line;
			if (z->sec < 0)
				return fail(a, ".size of an undefined symbol", z->name, -1);
			if (z->sec != y->sizesec)
				return fail(a, ".size across sections", z->name, -1);
			t->size = a->sec[y->sizesec].frag[y->sizefrag].addr
				+ y->sizeoff - symaddr(a, z);
		}
	}
	for (i = 0; i < (int)o->nrel; i++)
		if (o->rel[i].sym >= 0)
			o->rel[i].sym = a->sym[o->rel[i].sym]->out;
	return 0;
}

static void
sortrel(struct asm_obj *o)
{
	struct asm_reloc t;
	size_t i, j;

	/* insertion sort: relocations arrive almost sorted */
	for (i = 1; i < o->nrel; i++) {
		t = o->rel[i];
		for (j = i; j > 0 && (o->rel[j-1].sec > t.sec
		|| (o->rel[j-1].sec == t.sec && o->rel[j-1].offset > t.offset)); j--)
			o->rel[j] = o->rel[j-1];
		o->rel[j] = t;
	}
}

static void
cleanup(struct as *a)
{
	int i;

	for (i = 0; i < NSEC; i++) {
		free(a->sec[i].buf);
		free(a->sec[i].frag);
		free(a->sec[i].fix);
	}
	for (i = 0; i < a->nsym; i++)
		free(a->sym[i]);   /* names now belong to the object */
	free(a->sym);
}

int
asm_assemble(const char *text, size_t len, const char *name,
	struct asm_obj **out, struct jit_error *err)
{
	struct as *a;
	const char *p, *end;
	char *line;
	size_t cline;
	int i, r, incomment;

	*out = 0;
	if (!(a = calloc(1, sizeof *a)) || !(a->obj = calloc(1, sizeof *a->obj))) {
		free(a);
		scopy(err->file, sizeof err->file, name);
		err->line = 0;
		scopy(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	a->name = name;
	a->err = err;
	for (i = 0; i < NSEC; i++)
		if (newfrag(a, i) < 0)
			goto out;
	p = text;
	end = text + len;
	line = 0;
	cline = 0;
	incomment = 0;
	while ((r = nextline(a, &p, end, &line, &cline, &incomment)) > 0) {
		a->line++;
		a->p = line;
		a->end = line + strlen(line);
		if (statement(a) < 0)
			break;
	}
	free(line);
	if (a->failed)
		goto out;
	a->line = 0;
	for (i = 0; i < NSEC; i++)
		relax(a, i);
	for (i = 0; i < NSEC; i++)
		if (finish(a, i) < 0)
			goto out;
	for (i = 0; i < a->nsym; i++)
		if (a->sym[i]->dotl && a->sym[i]->sec == ASM_UNDEF) {
			a->line = a->sym[i]->line;
			fail(a, "undefined local label", a->sym[i]->name, -1);
			goto out;
		}
	if (symtab(a) < 0)
		goto out;
	for (i = 0; i < a->nsym; i++)
		if (a->sym[i]->out < 0)
			free(a->sym[i]->name);
	sortrel(a->obj);
	*out = a->obj;
	a->obj = 0;
out:
	if (a->obj) {
		for (i = 0; i < a->nsym; i++)
			free(a->sym[i]->name);
		a->obj->nsym = 0;
		asm_free(a->obj);
	}
	cleanup(a);
	free(a);
	return *out ? 0 : -1;
}

/* --------------------------------------------------------------- access */

void
asm_free(struct asm_obj *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < ASM_NSEC; i++)
		free(o->buf[i]);
	for (i = 0; i < o->nsym; i++)
		free((char *)o->sym[i].name);
	free(o->sym);
	free(o->rel);
	free(o);
}

const struct asm_section *
asm_section(const struct asm_obj *o, int sec)
{
	return &o->sec[sec];
}

size_t
asm_nsym(const struct asm_obj *o)
{
	return o->nsym;
}

const struct asm_symbol *
asm_symbol(const struct asm_obj *o, size_t i)
{
	return &o->sym[i];
}

size_t
asm_nreloc(const struct asm_obj *o)
{
	return o->nrel;
}

const struct asm_reloc *
asm_reloc(const struct asm_obj *o, size_t i)
{
	return &o->rel[i];
}

const char *
asm_reloc_name(int type)
{
	switch (type) {
	case R_X86_64_64: return "R_X86_64_64";
	case R_X86_64_PC32: return "R_X86_64_PC32";
	case R_X86_64_PLT32: return "R_X86_64_PLT32";
	case R_X86_64_32: return "R_X86_64_32";
	case R_X86_64_32S: return "R_X86_64_32S";
	}
	return "R_X86_64_UNKNOWN";
}
