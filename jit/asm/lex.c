/* The text side: lines, tokens, symbols, expressions and operands, and
 * the statement a line holds (labels, then one directive or
 * instruction). Nothing here decides bytes; directive.c and insn.c do. */
#include "asm_impl.h"

/* ---------------------------------------------------------------- utils */

void
as_scopy(char *d, size_t n, const char *s)
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

	/* a word ends at the end of its line: as_nextline() may leave the
	 * line in place, ending at its newline */
	l = strlen(m);
	for (i = 0; l+1 < 200 && s[i] && s[i] != '\n' && (n < 0 || (int)i < n); i++)
		m[l++] = s[i];
	m[l] = 0;
}

/* Record an error: msg, then "'" word "'" if word is given. Only the
 * first error counts. Always returns -1. */
int
as_fail(struct as *a, const char *msg, const char *word, int wlen)
{
	if (a->failed)
		return -1;
	a->failed = 1;
	as_scopy(a->err->file, sizeof a->err->file, a->name);
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

void *
as_grow(void *p, int *cap, int need, size_t elt)
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

void
as_skipws(struct as *a)
{
	while (a->p < a->end && (*a->p == ' ' || *a->p == '\t'))
		a->p++;
}

int
as_peek(struct as *a)
{
	as_skipws(a);
	return a->p < a->end ? (uchar)*a->p : 0;
}

int
as_accept(struct as *a, int c)
{
	if (as_peek(a) != c)
		return 0;
	a->p++;
	return 1;
}

/* identifier at p, length in *n (0 if none) */
const char *
as_ident(struct as *a, int *n)
{
	const char *s;

	as_skipws(a);
	s = a->p;
	if (a->p < a->end && isid0(*a->p))
		while (a->p < a->end && isid(*a->p))
			a->p++;
	*n = a->p - s;
	return s;
}

/* a symbol name: identifier or "quoted" (QBE quotes some names) */
const char *
as_symtok(struct as *a, int *n)
{
	const char *s;

	if (as_peek(a) != '"')
		return as_ident(a, n);
	s = ++a->p;
	while (a->p < a->end && *a->p != '"')
		a->p++;
	*n = a->p - s;
	if (a->p < a->end)
		a->p++;
	return s;
}

int
as_eq(const char *s, int n, const char *lit)
{
	return (int)strlen(lit) == n && strncmp(s, lit, n) == 0;
}

/* ------------------------------------------------------------ hashing */

unsigned
as_hash(const char *s, int n)
{
	unsigned h;

	for (h = 2166136261u; n-- > 0; s++)
		h = (h ^ (uchar)*s) * 16777619u;
	return h;
}

/* the n names name(0..n-1) into t; the first of equal names wins */
static void
kwbuild(struct kwtab *t, const char *(*name)(int), int n)
{
	const char *s;
	unsigned h;
	int i, l;

	for (i = 0; i < n; i++) {
		s = name(i);
		l = strlen(s);
		for (h = as_hash(s, l); t->slot[h % KWSLOTS]; h++)
			if (t->len[h % KWSLOTS] == l
			&& memcmp(name(t->slot[h % KWSLOTS] - 1), s, l) == 0)
				break;
		if (!t->slot[h % KWSLOTS]) {
			t->slot[h % KWSLOTS] = i + 1;
			t->len[h % KWSLOTS] = l;
		}
	}
	t->ready = 1;
}

/* index of the first name equal to s[0..n), or -1. The tables are
 * static and read-only once built; QBE's own state already makes one
 * compile at a time the rule. */
int
as_kwlook(struct kwtab *t, const char *(*name)(int), int nname,
	const char *s, int n)
{
	unsigned h;
	int k;

	if (!t->ready)
		kwbuild(t, name, nname);
	if (n <= 0 || n > 255)
		return -1;
	for (h = as_hash(s, n); (k = t->slot[h % KWSLOTS]); h++)
		if (t->len[h % KWSLOTS] == n && memcmp(name(k - 1), s, n) == 0)
			return k - 1;
	return -1;
}

/* -------------------------------------------------------------- symbols */

/* double the buckets when they average more than one symbol */
static int
rehash(struct as *a)
{
	struct sym **h, *y, *nx;
	int i, nh;
	unsigned b;

	nh = a->nhash ? a->nhash * 2 : NSYMHASH;
	if (!(h = calloc(nh, sizeof *h)))
		return -1;
	for (i = 0; i < a->nhash; i++)
		for (y = a->hash[i]; y; y = nx) {
			nx = y->hnext;
			b = as_hash(y->name, y->len) & (nh - 1);
			y->hnext = h[b];
			h[b] = y;
		}
	free(a->hash);
	a->hash = h;
	a->nhash = nh;
	return 0;
}

int
as_symlook(struct as *a, const char *s, int n)
{
	struct sym *y, **hp;
	unsigned h;

	if (a->nsym >= a->nhash && rehash(a) < 0)
		return as_fail(a, "out of memory", 0, 0);
	h = as_hash(s, n);
	hp = &a->hash[h & (a->nhash - 1)];
	for (y = *hp; y; y = y->hnext)
		if (y->len == n && memcmp(y->name, s, n) == 0)
			return y->out;
	y = calloc(1, sizeof *y);
	if (!y || !GROW(a, a->sym, a->nsym, a->csym))
		return as_fail(a, "out of memory", 0, 0);
	y->name = malloc(n + 1);
	if (!y->name)
		return as_fail(a, "out of memory", 0, 0);
	memcpy(y->name, s, n);
	y->name[n] = 0;
	y->len = n;
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
			return as_fail(a, "bad digit in number", a->p, 1);
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
		return as_fail(a, "expression nested too deeply", 0, 0);
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

	c = as_peek(a);
	e->sym = -1;
	e->sub = 0;
	e->val = 0;
	if (c == '-' || c == '~') {
		a->p++;
		if (term(a, e) < 0)
			return -1;
		if (e->sym >= 0)
			return as_fail(a, "cannot negate a symbol", 0, 0);
		e->val = c == '-' ? (int64_t)-(uint64_t)e->val : ~e->val;
		return 0;
	}
	if (c == '(') {
		a->p++;
		if (as_expr(a, e) < 0)
			return -1;
		if (!as_accept(a, ')'))
			return as_fail(a, "missing ')' in expression", 0, 0);
		return 0;
	}
	if (c >= '0' && c <= '9')
		return number(a, &e->val);
	s = as_symtok(a, &n);
	if (n == 0 || as_eq(s, n, "."))
		return as_fail(a, "expected a number or symbol", a->p, 1);
	if (a->p < a->end && *a->p == '@')
		return as_fail(a, "unsupported symbol modifier", a->p, 6);
	e->sym = as_symlook(a, s, n);
	return e->sym < 0 ? -1 : 0;
}

/* left to right, no precedence: enough for "sym+8", "4+-8",
 * "123>>32" which is all QBE writes */
int
as_expr(struct as *a, struct expr *e)
{
	struct expr r;
	int op;

	if (term(a, e) < 0)
		return -1;
	for (;;) {
		op = as_peek(a);
		if (op == '>' || op == '<') {
			if (a->p + 1 >= a->end || a->p[1] != op)
				return as_fail(a, "bad operator", a->p, 1);
			a->p++;
		} else if (op != '+' && op != '-' && op != '*')
			return 0;
		a->p++;
		/* "(%" starts a memory operand, not a subexpression */
		if (term(a, &r) < 0)
			return -1;
		/* in data, one symbol less another: `.long .L1-.L2` */
		if (r.sym >= 0 && op == '-' && e->sym >= 0 && a->diffok
		&& !e->sub && !r.sub) {
			e->sub = r.sym + 1;
			r.sym = -1;
		}
		if (r.sym >= 0 && (op != '+' || e->sym >= 0))
			return as_fail(a, "unsupported symbol arithmetic", 0, 0);
		if (r.sub && op != '+')
			return as_fail(a, "unsupported symbol arithmetic", 0, 0);
		if (e->sym >= 0 && op != '+' && op != '-')
			return as_fail(a, "unsupported symbol arithmetic", 0, 0);
		if (r.sym >= 0) {
			e->sym = r.sym;
			e->sub = r.sub;
		}
		if ((op == '<' || op == '>') && (r.val < 0 || r.val > 63))
			return as_fail(a, "shift count out of range", 0, 0);
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

/* ------------------------------------------------------------ operands */

/* names in place, like forms[].mn: no table of pointers beside them */
static const char regs[4][16][5] = {
	{"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
	 "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"},
	{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
	 "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"},
	{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	 "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"},
	{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	 "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"},
};

static const char *
regname(int i)
{
	return regs[i / 16][i % 16];
}

static struct kwtab regtab;

/* "%name" -> o->kind OREG/OXMM or RIP; -1 on error */
static int
reg(struct as *a, struct opnd *o)
{
	const char *s;
	int n, i, k;

	if (!as_accept(a, '%'))
		return as_fail(a, "expected a register", a->p, 1);
	s = as_ident(a, &n);
	if (as_peek(a) == ':')
		return as_fail(a, "segment overrides are not supported", 0, 0);
	if (n == 3 && s[0] == 'r' && s[1] == 'i' && s[2] == 'p') {
		o->kind = OREG;
		o->reg = RIP;
		o->size = 8;
		return 0;
	}
	/* xmm0-xmm15, no leading zeros */
	if (n >= 4 && n <= 5 && s[0] == 'x' && s[1] == 'm' && s[2] == 'm'
	&& s[3] >= '0' && s[3] <= '9') {
		i = s[3] - '0';
		if (n == 5)
			i = s[3] == '1' && s[4] >= '0' && s[4] <= '5'
				? 10 + s[4] - '0' : -1;
		if (i >= 0) {
			o->kind = OXMM;
			o->reg = i;
			return 0;
		}
	}
	if ((i = as_kwlook(&regtab, regname, 64, s, n)) >= 0) {
		k = i / 16;
		i %= 16;
		o->kind = OREG;
		o->reg = i;
		o->size = 1 << k;
		o->rex8 = k == 0 && i >= 4 && i < 8;
		return 0;
	}
	return as_fail(a, "unknown register", s - 1, n + 1);
}

/* memory operand after the displacement: "(base, index, scale)" */
static int
memref(struct as *a, struct opnd *o)
{
	struct opnd r;
	int64_t sc;

	o->kind = OMEM;
	if (as_peek(a) != ',') {
		memset(&r, 0, sizeof r);
		if (reg(a, &r) < 0)
			return -1;
		if (r.kind != OREG || r.size != 8)
			return as_fail(a, "base must be a 64-bit register", 0, 0);
		o->base = r.reg;
	}
	if (as_accept(a, ',')) {
		memset(&r, 0, sizeof r);
		if (reg(a, &r) < 0)
			return -1;
		if (r.kind != OREG || r.size != 8 || r.reg == 4
		|| r.reg == RIP || o->base == RIP)
			return as_fail(a, "bad index register", 0, 0);
		o->index = r.reg;
		o->scale = 1;
		if (as_accept(a, ',')) {
			as_skipws(a);
			if (number(a, &sc) < 0)
				return -1;
			if (sc != 1 && sc != 2 && sc != 4 && sc != 8)
				return as_fail(a, "scale must be 1, 2, 4 or 8", 0, 0);
			o->scale = sc;
		}
	}
	if (!as_accept(a, ')'))
		return as_fail(a, "expected ')'", 0, 0);
	return 0;
}

int
as_operand(struct as *a, struct opnd *o)
{
	memset(o, 0, sizeof *o);
	o->base = o->index = -1;
	o->e.sym = -1;
	if (as_accept(a, '*'))
		o->star = 1;
	switch (as_peek(a)) {
	case '%':
		if (reg(a, o) < 0)
			return -1;
		if (o->reg == RIP)
			return as_fail(a, "%rip outside a memory operand", 0, 0);
		return 0;
	case '$':
		a->p++;
		o->kind = OIMM;
		return as_expr(a, &o->e);
	}
	if (!(as_peek(a) == '(' && a->p + 1 < a->end
	&& (a->p[1] == '%' || a->p[1] == ',')))
		if (as_expr(a, &o->e) < 0)
			return -1;
	o->kind = OMEM;
	if (as_accept(a, '('))
		return memref(a, o);
	return 0;
}

/* ----------------------------------------------------------- statements */

static int
label(struct as *a, const char *s, int n)
{
	struct sym *y;
	int i;

	if ((i = as_symlook(a, s, n)) < 0)
		return -1;
	y = a->sym[i];
	if (y->sec != ASM_UNDEF)
		return as_fail(a, "symbol already defined", s, n);
	if (a->cur == SECNOTE)
		return as_fail(a, "label in .note.GNU-stack", s, n);
	y->sec = a->cur;
	y->frag = as_cursec(a)->nfrag - 1;
	y->off = as_curfrag(a)->len;
	as_cursec(a)->used = 1;
	return 0;
}

/* one line: labels, then one directive or instruction; comments are
 * '#' to the end of the line and C-style slash-star blocks */
int
as_statement(struct as *a)
{
	const char *s;
	int n;

	for (;;) {
		s = as_symtok(a, &n);
		if (n == 0) {
			if (as_peek(a) == 0)
				return 0;
			return as_fail(a, "syntax error at", a->p, 1);
		}
		if (as_peek(a) != ':')
			break;
		a->p++;
		if (label(a, s, n) < 0)
			return -1;
	}
	if (a->cur == SECNOTE && s[0] != '.')
		return as_fail(a, "instruction in .note.GNU-stack", s, n);
	if (s[0] == '.')
		return as_directive(a, s, n);
	if (as_locrow(a) < 0)
		return -1;
	return as_instruction(a, s, n);
}

/* the next line as a->p..a->end, without comments; 0 at end of input.
 * A line with nothing to strip (no comment, string or NUL), and so
 * most of what QBE writes, is used where it is; others are copied into
 * buf without their comments. */
int
as_nextline(struct as *a, const char **p, const char *end, char **buf, size_t *cbuf,
	int *incomment)
{
	const char *q;
	size_t n;
	int instr;
	char c;

	if (*p >= end)
		return 0;
	if (!*incomment) {
		for (q = *p; q < end; q++)
			if (*q == '\n' || *q == '#' || *q == '"' || *q == '/' || *q == 0)
				break;
		if (q < end && *q == '\n') {
			a->p = *p;
			a->end = q;
			*p = q + 1;
			return 1;
		}
	}
	q = *p;
	while (q < end && *q != '\n')
		q++;
	if ((size_t)(q - *p) + 1 > *cbuf) {
		*cbuf = (q - *p) + 64;
		free(*buf);
		if (!(*buf = malloc(*cbuf)))
			return as_fail(a, "out of memory", 0, 0);
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
	a->p = *buf;
	a->end = *buf + strlen(*buf);
	return 1;
}

