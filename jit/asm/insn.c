/* Instructions: the mnemonic and the shapes of its operands pick a row
 * of forms[], the row says how to encode it -- amd64/emit.c's omap[]
 * read backwards. Jumps and calls to labels leave their bytes to
 * layout.c (relaxation) and output.c. */
#include "asm_impl.h"

enum { MAXOPS = 3 };

/* operand sizes as a bit mask in forms[].sizes */
enum { SB = 1, SW = 2, SL = 4, SQ = 8 };

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

enum { NFORMS = sizeof forms / sizeof forms[0] };

/* condition code suffixes and their numbers, GNU's synonyms included */
static const struct { char s[4]; uchar cc; } ccs[] = {
	{"o", 0}, {"no", 1}, {"b", 2}, {"c", 2}, {"nae", 2},
	{"ae", 3}, {"nb", 3}, {"nc", 3}, {"z", 4}, {"e", 4},
	{"nz", 5}, {"ne", 5}, {"be", 6}, {"na", 6}, {"a", 7}, {"nbe", 7},
	{"s", 8}, {"ns", 9}, {"p", 10}, {"pe", 10}, {"np", 11}, {"po", 11},
	{"l", 12}, {"nge", 12}, {"ge", 13}, {"nl", 13}, {"le", 14},
	{"ng", 14}, {"g", 15}, {"nle", 15},
};

static struct kwtab formtab, cctab;
static short formnext[NFORMS];   /* next form of the same mnemonic, -1 */
static uchar formnops[NFORMS];
static int formready;

static const char *
formname(int i)
{
	return forms[i].mn;
}

static const char *
ccname(int i)
{
	return ccs[i].s;
}

/* chain the forms of each mnemonic in table order: match() tries
 * them in that order, as it did walking the whole table */
static void
forminit(void)
{
	short last[NFORMS];
	int i, k;

	for (i = 0; i < NFORMS; i++) {
		formnext[i] = -1;
		formnops[i] = strlen(forms[i].ops);
		k = as_kwlook(&formtab, formname, NFORMS, forms[i].mn,
			strlen(forms[i].mn));
		if (k < i)
			formnext[last[k]] = i;
		last[k] = i;
	}
	formready = 1;
}

static int
ccode(const char *s, int n)
{
	int i;

	i = as_kwlook(&cctab, ccname, sizeof ccs / sizeof ccs[0], s, n);
	return i < 0 ? -1 : ccs[i].cc;
}

static int
fits8(int64_t v)
{
	return v >= -128 && v <= 127;
}

/* The value GNU as tries as a sign-extended imm8 (binutils'
 * optimize_imm): one that is unsigned and fits 16 bits reads as signed
 * 16-bit for a word operation, one that fits 32 bits as signed 32-bit
 * for a word or long one ($4294967295 is -1); any other stays as
 * written, so $-4294967294 (whose low 32 bits are 2, as QBE's -O0 code
 * for C has it) takes an imm32. */
static int64_t
sext(int64_t v, int size)
{
	if (size <= 2 && v >= 0 && v <= 0xffff)
		v = (int16_t)v;
	if (size <= 4 && v >= 0 && v <= 0xffffffff)
		v = (int32_t)v;
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

/* match mnemonic mn[0..nmn) (with suffix size sfx, 0 if none) and
 * operands */
static const struct form *
match(const char *mn, int nmn, int sfx, int cc, struct opnd *op, int nop,
	int *psize, int *known)
{
	const struct form *f;
	int i, size, fi;

	if (!formready)
		forminit();
	fi = as_kwlook(&formtab, formname, NFORMS, mn, nmn);
	for (; fi >= 0; fi = formnext[fi]) {
		f = &forms[fi];
		if ((f->flags & FCC) != (cc >= 0) * FCC)
			continue;
		*known = 1;
		if (formnops[fi] != nop)
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
		/* in unsigned arithmetic: an addend near INT64_MIN wraps
		 * (the fixup's range check sees the result) */
		if (in->fix[i].kind == FPC)
			e.val = (int64_t)((uint64_t)e.val - (uint64_t)(in->n - in->fix[i].at));
		if (as_fixup(a, in->fix[i].at, in->fix[i].size, in->fix[i].kind, e) < 0)
			return -1;
	}
	return as_emit(a, in->b, in->n);
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
		return as_fail(a, f->opc == 0xe8 ? "call to an absolute address"
			: "jump to an absolute address", 0, 0);
	if (f->opc == 0xe8) {
		b[0] = 0xe8;
		if (as_fixup(a, 1, 4, FBRANCH, (struct expr){(int64_t)((uint64_t)o->e.val - 4), o->e.sym}) < 0)
			return -1;
		if (as_emit(a, b, 1) < 0)
			return -1;
		return as_emit(a, "\0\0\0\0", 4);
	}
	a->sym[o->e.sym]->referenced = 1;
	if (!(fr = as_endfrag(a, VJUMP)))
		return -1;
	fr->cc = f->opc == 0xe9 ? -1 : cc;
	fr->e = o->e;
	return 0;
}

int
as_instruction(struct as *a, const char *s, int n)
{
	struct opnd op[MAXOPS];
	struct insn in;
	const struct form *f;
	int nop, cc, sfx, size, k, pass, known;

	nop = 0;
	known = 0;
	f = 0;
	if (as_peek(a) != 0)
		for (;;) {
			if (nop == MAXOPS)
				return as_fail(a, "too many operands", 0, 0);
			if (as_operand(a, &op[nop++]) < 0)
				return -1;
			if (!as_accept(a, ','))
				break;
		}
	if (as_peek(a) != 0)
		return as_fail(a, "junk after operands", 0, 0);
	if (n >= 16)
		return as_fail(a, "unknown mnemonic", s, n);
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
		cc = -1;
		f = match(s, k, sfx, -1, op, nop, &size, &known);
		if (!f && k > 1 && s[0] == 'j' && (cc = ccode(s+1, k-1)) >= 0)
			f = match("j", 1, sfx, cc, op, nop, &size, &known);
		if (!f && k > 3 && memcmp(s, "set", 3) == 0
		&& (cc = ccode(s+3, k-3)) >= 0)
			f = match("set", 3, sfx, cc, op, nop, &size, &known);
		if (!f && k > 4 && memcmp(s, "cmov", 4) == 0
		&& (cc = ccode(s+4, k-4)) >= 0)
			f = match("cmov", 4, sfx, cc, op, nop, &size, &known);
		if (f)
			break;
	}
	if (!f)
		return as_fail(a, known ? "bad operands for" : "unknown mnemonic", s, n);
	if (f->enc == EJ)
		return branch(a, f, cc, &op[0]);
	if (encode(a, f, size, cc, op, nop, &in) < 0)
		return -1;
	return emitinsn(a, &in);
}

