/* libFuzzer's custom mutator for QBE IL: mutations of lines and tokens
 * that keep the text a well-formed module most of the time, so that the
 * inputs get past the parser into the optimiser, the register allocator,
 * the emitter, the assembler and the loader.  Byte-level mutations
 * (libFuzzer's own, LLVMFuzzerMutate) still come one time in FALLBACK,
 * and whenever the input has no function to work on.
 *
 * One mutation (sometimes a few in a row) of the function it picks:
 *   operand   a temporary used by an instruction becomes another
 *             temporary of the same function
 *   opcode    an instruction's operation becomes another of its class
 *             (ops[]: add/sub/.../shl, compares with the same type
 *             letter, loads into the same class, stores, extensions)
 *   constant  an integer or float literal becomes an edge value
 *             (0, -1, INT32_MIN, UINT64_MAX, 2^63 as a double, NaN, ...)
 *             or its neighbour
 *   dup, del, swap   an instruction duplicated, deleted (a definition
 *             becomes a copy of 0), or swapped with the next one of its
 *             block when that does not use it (terminators stay)
 *   copy      an instruction of the function copied before another
 *   type      every definition of one temporary changes its class
 *             letter (w <-> l, s <-> d)
 *   block     a new block before a label, ending in a jump to it or a
 *             jnz on a temporary, maybe made the target of a jump
 *   target    a jump goes to another block of the function
 *
 * FUZZ_MUTATE=off in the environment leaves every mutation to
 * LLVMFuzzerMutate: the same binary measures what the mutator adds
 * (jitboot/fuzz.py's compare_mutators). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed);

enum {
	FALLBACK = 8,      /* 1 in FALLBACK mutations is libFuzzer's */
	MAXTOK = 64,       /* tokens of a line looked at */
	MAXNAMES = 256,    /* temporaries or labels of a function */
	TRIES = 16,
};

static uint64_t rs;

static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static size_t
below(size_t n)
{
	return n ? rnd() % n : 0;
}

/* -- the text, as lines of a kind ---------------------------------------- */

enum kind { K_OTHER, K_FUNC, K_END, K_LABEL, K_DEF, K_PHI, K_STMT, K_TERM };

struct line {
	size_t off, len;        /* without the newline */
	int fn;                 /* the function it is in, or -1 */
	enum kind kind;
};

struct text {
	char *p;
	size_t n, cap;
	struct line *l;
	size_t nl;
};

struct tok {
	size_t off, len;        /* in the text */
};

static int
delim(int c)
{
	return c == ' ' || c == '\t' || c == ',' || c == '(' || c == ')' || c == '{'
		|| c == '}' || c == '\r';
}

/* The tokens of line i (at most MAXTOK), comments excluded. */
static size_t
tokens(const struct text *t, size_t i, struct tok *tk)
{
	size_t k, e, n;
	const char *s;

	s = t->p + t->l[i].off;
	e = t->l[i].len;
	n = 0;
	for (k = 0; k < e && n < MAXTOK;) {
		if (s[k] == '#' || s[k] == '"')
			break;
		if (delim((unsigned char)s[k])) {
			k++;
			continue;
		}
		tk[n].off = t->l[i].off + k;
		while (k < e && !delim((unsigned char)s[k]) && s[k] != '#')
			k++;
		tk[n].len = t->l[i].off + k - tk[n].off;
		n++;
	}
	return n;
}

static int
is(const struct text *t, struct tok k, const char *w)
{
	return k.len == strlen(w) && memcmp(t->p + k.off, w, k.len) == 0;
}

static int
prefix(const struct text *t, struct tok k, const char *w)
{
	return k.len >= strlen(w) && memcmp(t->p + k.off, w, strlen(w)) == 0;
}

static void
classify(struct text *t)
{
	struct tok tk[MAXTOK];
	size_t i, n, a;
	int fn, nfn;

	t->nl = 0;
	for (a = 0; a <= t->n;) {
		for (i = a; i < t->n && t->p[i] != '\n'; i++)
			;
		t->l[t->nl].off = a;
		t->l[t->nl].len = i - a;
		t->nl++;
		a = i + 1;
	}
	fn = -1;
	nfn = 0;
	for (i = 0; i < t->nl; i++) {
		t->l[i].kind = K_OTHER;
		t->l[i].fn = fn;
		n = tokens(t, i, tk);
		if (!n) {
			for (a = t->l[i].off; a < t->l[i].off + t->l[i].len
			&& (t->p[a] == ' ' || t->p[a] == '\t'); a++)
				;
			if (fn >= 0 && a < t->n && t->p[a] == '}') {
				t->l[i].kind = K_END;
				fn = -1;
			}
			continue;
		}
		if (fn < 0) {
			for (a = 0; a < n; a++)
				if (is(t, tk[a], "function"))
					break;
			if (a < n) {
				t->l[i].kind = K_FUNC;
				t->l[i].fn = fn = nfn++;
			}
			continue;
		}
		if (t->p[tk[0].off] == '@')
			t->l[i].kind = K_LABEL;
		else if (t->p[tk[0].off] == '%' && n >= 3)
			t->l[i].kind = is(t, tk[2], "phi") ? K_PHI : K_DEF;
		else if (is(t, tk[0], "jmp") || is(t, tk[0], "jnz") || is(t, tk[0], "ret")
		|| is(t, tk[0], "hlt"))
			t->l[i].kind = K_TERM;
		else if (prefix(t, tk[0], "store") || is(t, tk[0], "call") || is(t, tk[0], "blit"))
			t->l[i].kind = K_STMT;
		if (memchr(t->p + t->l[i].off, '}', t->l[i].len) && t->l[i].kind != K_STMT
		&& t->l[i].kind != K_DEF && t->l[i].kind != K_PHI) {
			t->l[i].kind = t->l[i].kind == K_OTHER ? K_END : t->l[i].kind;
			fn = -1;
		}
	}
}

/* Replace [off, off+del) by ins[0..n); -1 when it would not fit. */
static int
edit(struct text *t, size_t off, size_t del, const char *ins, size_t n)
{
	if (t->n - del + n > t->cap)
		return -1;
	memmove(t->p + off + n, t->p + off + del, t->n - off - del);
	memcpy(t->p + off, ins, n);
	t->n = t->n - del + n;
	return 0;
}

/* A random line of function fn of one of the kinds in mask, or -1. */
static long
pick(const struct text *t, int fn, unsigned mask)
{
	size_t i, n, k;

	n = 0;
	for (i = 0; i < t->nl; i++)
		if (t->l[i].fn == fn && (mask >> t->l[i].kind & 1))
			n++;
	if (!n)
		return -1;
	k = below(n);
	for (i = 0; i < t->nl; i++)
		if (t->l[i].fn == fn && (mask >> t->l[i].kind & 1) && k-- == 0)
			return (long)i;
	return -1;
}

#define M(k) (1u << (k))
#define INS (M(K_DEF) | M(K_STMT))           /* instructions that may move */

/* Copy a token out (edits move the text under it). */
static size_t
save(const struct text *t, struct tok k, char *buf, size_t cap)
{
	size_t n;

	n = k.len < cap ? k.len : cap - 1;
	memcpy(buf, t->p + k.off, n);
	buf[n] = 0;
	return n;
}

/* A random function of the text, or -1 when it has none. */
static int
randfn(const struct text *t)
{
	size_t i, n;

	for (n = i = 0; i < t->nl; i++)
		n += t->l[i].kind == K_FUNC;
	if (!n)
		return -1;
	n = below(n);
	for (i = 0; i < t->nl; i++)
		if (t->l[i].kind == K_FUNC && n-- == 0)
			return t->l[i].fn;
	return -1;
}

/* -- the mutations -------------------------------------------------------- */

/* A temporary of a function: its name, class (w, l, s, d) and the line
 * of its first definition (the function's header for a parameter). */
struct temp {
	struct tok name;
	char cls;
	size_t line;
};

static int
same(const struct text *t, struct tok a, struct tok b)
{
	return a.len == b.len && memcmp(t->p + a.off, t->p + b.off, a.len) == 0;
}

/* The class a parameter's type token gives. */
static char
paramclass(const struct text *t, struct tok k)
{
	const char *s = t->p + k.off;

	if (k.len == 1 && strchr("wlsd", s[0]))
		return s[0];
	if (s[0] == ':')
		return 'l';
	if (k.len == 2 && strchr("us", s[0]) && strchr("bh", s[1]))
		return 'w';
	return 0;
}

static size_t
temps(const struct text *t, int fn, struct temp *out)
{
	struct tok tk[MAXTOK];
	size_t i, j, k, n, m;
	char c;

	m = 0;
	for (i = 0; i < t->nl && m < MAXNAMES; i++) {
		if (t->l[i].fn != fn)
			continue;
		n = tokens(t, i, tk);
		for (j = 0; j < n && m < MAXNAMES; j++) {
			if (t->p[tk[j].off] != '%' || tk[j].len < 2)
				continue;
			c = 0;
			if (t->l[i].kind == K_FUNC && j > 0)
				c = paramclass(t, tk[j - 1]);
			else if ((t->l[i].kind == K_DEF || t->l[i].kind == K_PHI) && j == 0
			&& n > 1 && tk[1].len == 2 && t->p[tk[1].off] == '=')
				c = t->p[tk[1].off + 1];
			for (k = 0; k < m; k++)
				if (same(t, out[k].name, tk[j]))
					break;
			if (k == m) {
				out[m].name = tk[j];
				out[m].cls = c;
				out[m].line = c ? i : (size_t)-1;
				m++;
			} else if (c && !out[k].cls) {
				out[k].cls = c;
				out[k].line = i;
			}
		}
	}
	return m;
}

/* A temporary of class cls (any, if 0) defined before line `before`
 * most of the time, so that it is defined where it is used: or -1. */
static long
pick_temp(const struct temp *tp, size_t nt, char cls, size_t before)
{
	size_t i, n, k;
	int early;

	for (early = rnd() % 4 != 0; early >= 0; early--) {
		for (n = i = 0; i < nt; i++)
			n += (!cls || tp[i].cls == cls) && (!early || tp[i].line < before);
		if (!n)
			continue;
		k = below(n);
		for (i = 0; i < nt; i++)
			if ((!cls || tp[i].cls == cls) && (!early || tp[i].line < before)
			&& k-- == 0)
				return (long)i;
	}
	return -1;
}

static int
m_operand(struct text *t, int fn)
{
	struct tok tk[MAXTOK];
	struct temp tp[MAXNAMES];
	char buf[128];
	size_t n, nt, first, j, k;
	long i, r;
	char cls;

	i = pick(t, fn, M(K_DEF) | M(K_PHI) | M(K_STMT) | M(K_TERM));
	nt = temps(t, fn, tp);
	if (i < 0 || nt < 2)
		return -1;
	n = tokens(t, i, tk);
	first = t->l[i].kind == K_DEF || t->l[i].kind == K_PHI ? 1 : 0;
	for (j = first + below(n); j < n; j++)
		if (t->p[tk[j].off] == '%')
			break;
	if (j >= n)
		return -1;
	cls = 0;
	for (k = 0; k < nt; k++)
		if (same(t, tp[k].name, tk[j]))
			cls = tp[k].cls;
	if ((r = pick_temp(tp, nt, cls, (size_t)i)) < 0)
		return -1;
	n = save(t, tp[r].name, buf, sizeof buf);
	return edit(t, tk[j].off, tk[j].len, buf, n);
}

/* Operations that take each other's place, by class; the compares are
 * written without their type letter. */
static const char *const ops[][12] = {
	{"add", "sub", "mul", "div", "rem", "udiv", "urem", "and", "or", "xor", "sar", "shr"},
	{"shl", "shr", "sar", "add", "sub", "mul"},
	{"ceq", "cne", "csle", "cslt", "csge", "csgt", "cule", "cult", "cuge", "cugt"},
	{"ceq", "cne", "cle", "clt", "cge", "cgt", "co", "cuo"},
	{"loadw", "loadsw", "loaduw", "loadsh", "loaduh", "loadsb", "loadub", "loadl"},
	{"loads", "loadd"},
	{"storeb", "storeh", "storew", "storel"},
	{"stores", "stored"},
	{"extsw", "extuw", "extsh", "extuh", "extsb", "extub"},
	{"stosi", "stoui"},
	{"dtosi", "dtoui"},
	{"swtof", "uwtof", "sltof", "ultof"},
	{"alloc4", "alloc8", "alloc16"},
	{"copy", "neg"},
};
enum { NOPS = sizeof ops / sizeof ops[0] };

static int
m_opcode(struct text *t, int fn)
{
	struct tok tk[MAXTOK], op;
	char buf[32];
	size_t n, c, k, m, len;
	int cmp;
	long i;

	i = pick(t, fn, M(K_DEF) | M(K_STMT));
	if (i < 0)
		return -1;
	n = tokens(t, i, tk);
	op = t->l[i].kind == K_DEF ? tk[2] : tk[0];
	if (t->l[i].kind == K_DEF && n < 3)
		return -1;
	for (c = 0; c < NOPS; c++)
		for (k = 0; k < 12 && ops[c][k]; k++) {
			len = strlen(ops[c][k]);
			cmp = c == 2 || c == 3;
			if (op.len == len + cmp && memcmp(t->p + op.off, ops[c][k], len) == 0
			&& (!cmp || strchr(c == 2 ? "wl" : "sd", t->p[op.off + len])))
				goto found;
		}
	return -1;
found:
	for (m = 0; m < 12 && ops[c][m]; m++)
		;
	k = (k + 1 + below(m - 1)) % m;
	n = (size_t)snprintf(buf, sizeof buf, "%s", ops[c][k]);
	if (c == 2 || c == 3)
		buf[n++] = t->p[op.off + op.len - 1];
	return edit(t, op.off, op.len, buf, n);
}

static const char *const iedge[] = {
	"0", "1", "-1", "2", "3", "7", "8", "15", "16", "31", "32", "33", "63", "64", "65",
	"127", "128", "255", "256", "-128", "32767", "32768", "65535", "65536",
	"2147483647", "-2147483648", "2147483648", "4294967295", "4294967296",
	"9223372036854775807", "-9223372036854775808", "-9223372036854775807",
	"18446744073709551615", "4096", "-4096",
};
static const char *const fedge[] = {
	"0", "-0", "1", "-1", "0.5", "nan", "-nan", "inf", "-inf", "4.9e-324",
	"2.2250738585072014e-308", "1.7976931348623157e308", "9.2233720368547758e18",
	"-9.2233720368547758e18", "1.8446744073709552e19", "2147483648", "-2147483649",
	"4294967296", "3.4028234663852886e38", "1e-45",
};

static int
isnum(const struct text *t, struct tok k)
{
	const char *s = t->p + k.off;

	if (k.len >= 3 && (s[0] == 'd' || s[0] == 's') && s[1] == '_')
		return 2;
	if (s[0] >= '0' && s[0] <= '9')
		return 1;
	return k.len > 1 && s[0] == '-' && s[1] >= '0' && s[1] <= '9';
}

static int
m_constant(struct text *t, int fn)
{
	struct tok tk[MAXTOK], at[MAXTOK];
	char buf[64];
	size_t n, j, m;
	long i, v;
	int f;

	i = pick(t, fn, M(K_DEF) | M(K_PHI) | M(K_STMT) | M(K_TERM));
	if (i < 0)
		return -1;
	n = tokens(t, i, tk);
	for (m = j = 0; j < n; j++)
		if (isnum(t, tk[j]))
			at[m++] = tk[j];
	if (!m)
		return -1;
	j = below(m);
	f = isnum(t, at[j]);
	if (f == 2) {
		buf[0] = t->p[at[j].off];
		n = 2 + (size_t)snprintf(buf + 2, sizeof buf - 2, "%s",
			fedge[below(sizeof fedge / sizeof fedge[0])]);
		buf[1] = '_';
	} else if (rnd() % 3 == 0) {
		save(t, at[j], buf, sizeof buf);
		/* a neighbour, wrapping at the ends of the range */
		v = (long)((unsigned long)strtol(buf, 0, 10) + (rnd() & 1 ? 1 : -1ul));
		n = (size_t)snprintf(buf, sizeof buf, "%ld", v);
	} else {
		n = (size_t)snprintf(buf, sizeof buf, "%s",
			iedge[below(sizeof iedge / sizeof iedge[0])]);
	}
	return edit(t, at[j].off, at[j].len, buf, n);
}

/* A copy of line i, with its newline, at the start of line at. */
static int
copyline(struct text *t, size_t i, size_t at)
{
	char buf[512];
	size_t n;

	n = t->l[i].len < sizeof buf - 1 ? t->l[i].len : sizeof buf - 2;
	memcpy(buf, t->p + t->l[i].off, n);
	buf[n++] = '\n';
	return edit(t, t->l[at].off, 0, buf, n);
}

static int
m_dup(struct text *t, int fn)
{
	long i;

	i = pick(t, fn, INS);
	if (i < 0 || (size_t)i + 1 >= t->nl)
		return -1;
	return copyline(t, i, i + 1);
}

static int
m_copy(struct text *t, int fn)
{
	long i, at;

	i = pick(t, fn, M(K_DEF) | M(K_STMT));
	at = pick(t, fn, M(K_DEF) | M(K_STMT) | M(K_TERM));
	if (i < 0 || at < 0)
		return -1;
	return copyline(t, i, at);
}

/* A statement deleted; a definition keeps its temporary, defined as a
 * constant (deleting it would leave its uses undefined). */
static int
m_del(struct text *t, int fn)
{
	struct tok tk[MAXTOK];
	char buf[160], cls;
	size_t n;
	long i;

	i = pick(t, fn, INS);
	if (i < 0 || (size_t)i + 1 >= t->nl)
		return -1;
	if (t->l[i].kind == K_STMT)
		return edit(t, t->l[i].off, t->l[i + 1].off - t->l[i].off, "", 0);
	n = tokens(t, i, tk);
	if (n < 2 || tk[1].len != 2 || tk[0].len > 100)
		return -1;
	cls = t->p[tk[1].off + 1];
	n = (size_t)snprintf(buf, sizeof buf, "\t%.*s =%c copy %s", (int)tk[0].len,
		t->p + tk[0].off, cls, cls == 's' ? "s_0" : cls == 'd' ? "d_0" : "0");
	return edit(t, t->l[i].off, t->l[i].len, buf, n);
}

/* Does line i mention the temporary line d defines? */
static int
uses_def(const struct text *t, size_t d, size_t i)
{
	struct tok a[MAXTOK], b[MAXTOK];
	size_t n, j;

	if (t->l[d].kind != K_DEF || !tokens(t, d, a))
		return 0;
	n = tokens(t, i, b);
	for (j = 0; j < n; j++)
		if (same(t, a[0], b[j]))
			return 1;
	return 0;
}

static int
m_swap(struct text *t, int fn)
{
	char buf[1024];
	size_t a, b, n;
	long i;

	i = pick(t, fn, INS);
	if (i < 0 || (size_t)i + 2 >= t->nl || !(INS >> t->l[i + 1].kind & 1)
	|| uses_def(t, i, i + 1))
		return -1;
	a = t->l[i].len;
	b = t->l[i + 1].len;
	if (a + b + 1 > sizeof buf)
		return -1;
	memcpy(buf, t->p + t->l[i + 1].off, b);
	buf[b] = '\n';
	memcpy(buf + b + 1, t->p + t->l[i].off, a);
	n = a + b + 1;
	return edit(t, t->l[i].off, n, buf, n);
}

static int
m_type(struct text *t, int fn)
{
	struct tok tk[MAXTOK], name;
	char nm[128], to;
	size_t i, n;
	long d;

	d = pick(t, fn, M(K_DEF) | M(K_PHI));
	if (d < 0)
		return -1;
	n = tokens(t, d, tk);
	if (n < 2 || tk[1].len != 2 || t->p[tk[1].off] != '=')
		return -1;
	switch (t->p[tk[1].off + 1]) {
	case 'w': to = 'l'; break;
	case 'l': to = 'w'; break;
	case 's': to = 'd'; break;
	case 'd': to = 's'; break;
	default: return -1;
	}
	name = tk[0];
	save(t, name, nm, sizeof nm);
	/* every definition of the temporary, back to front: the edits keep
	 * their length, so the line table stays right */
	for (i = t->nl; i-- > 0;) {
		if (t->l[i].fn != fn || (t->l[i].kind != K_DEF && t->l[i].kind != K_PHI))
			continue;
		n = tokens(t, i, tk);
		if (n >= 2 && tk[0].len == strlen(nm) && memcmp(t->p + tk[0].off, nm, tk[0].len) == 0
		&& tk[1].len == 2 && t->p[tk[1].off] == '=')
			t->p[tk[1].off + 1] = to;
	}
	return 0;
}

/* Labels of fn whose block has no phi (a new predecessor of a block
 * with phis would need an argument in each of them). */
static size_t
phifree(const struct text *t, int fn, size_t *at)
{
	size_t i, m;

	m = 0;
	for (i = 0; i + 1 < t->nl && m < MAXNAMES; i++)
		if (t->l[i].fn == fn && t->l[i].kind == K_LABEL && t->l[i + 1].kind != K_PHI)
			at[m++] = i;
	return m;
}

static int
m_block(struct text *t, int fn)
{
	struct tok tk[MAXTOK];
	struct temp tp[MAXNAMES];
	char buf[512], l1[128], l2[128], v[128];
	size_t at[MAXNAMES], m, nt, n, i, j;
	unsigned id;
	long jl, r;

	m = phifree(t, fn, at);
	if (m < 2)
		return -1;
	i = at[1 + below(m - 1)];       /* not the start block */
	tokens(t, i, tk);
	save(t, tk[0], l1, sizeof l1);
	id = (unsigned)rnd() & 0xffff;
	nt = temps(t, fn, tp);
	r = pick_temp(tp, nt, rnd() & 1 ? 'w' : 'l', i);
	if (r >= 0 && rnd() & 1) {
		tokens(t, at[1 + below(m - 1)], tk);
		save(t, tk[0], l2, sizeof l2);
		save(t, tp[r].name, v, sizeof v);
		n = (size_t)snprintf(buf, sizeof buf, "@fz%x\n\tjnz %s, %s, %s\n", id, v, l1, l2);
	} else {
		n = (size_t)snprintf(buf, sizeof buf, "@fz%x\n\tjmp %s\n", id, l1);
	}
	if (n >= sizeof buf || edit(t, t->l[i].off, 0, buf, n) != 0)
		return -1;
	if (rnd() & 1)
		return 0;
	/* and a jump of the function goes there instead */
	classify(t);
	jl = pick(t, fn, M(K_TERM));
	if (jl < 0)
		return 0;
	n = tokens(t, jl, tk);
	for (j = 1; j < n; j++)
		if (t->p[tk[j].off] == '@' && !prefix(t, tk[j], "@fz"))
			break;
	if (j >= n)
		return 0;
	n = (size_t)snprintf(buf, sizeof buf, "@fz%x", id);
	return edit(t, tk[j].off, tk[j].len, buf, n);
}

static int
m_target(struct text *t, int fn)
{
	struct tok tk[MAXTOK];
	char buf[128];
	size_t at[MAXNAMES], m, n, j;
	long i;

	i = pick(t, fn, M(K_TERM));
	m = phifree(t, fn, at);
	if (i < 0 || m < 2)
		return -1;
	n = tokens(t, i, tk);
	for (j = 1 + below(n); j < n; j++)
		if (t->p[tk[j].off] == '@')
			break;
	if (j >= n)
		return -1;
	{
		struct tok lt[MAXTOK];
		tokens(t, at[1 + below(m - 1)], lt);
		n = save(t, lt[0], buf, sizeof buf);
	}
	return edit(t, tk[j].off, tk[j].len, buf, n);
}

static int (*const mutations[])(struct text *, int) = {
	m_operand, m_operand, m_opcode, m_opcode, m_constant, m_constant, m_dup, m_copy,
	m_del, m_swap, m_type, m_block, m_target,
};
enum { NMUT = sizeof mutations / sizeof mutations[0] };

/* One structured mutation of t: 0, or -1 when none applied. */
static int
mutate(struct text *t)
{
	int k, fn;

	for (k = 0; k < TRIES; k++) {
		classify(t);
		if ((fn = randfn(t)) < 0)
			return -1;
		if (mutations[below(NMUT)](t, fn) == 0)
			return 0;
	}
	return -1;
}

static int
disabled(void)
{
	static int off = -1;
	const char *s;

	if (off < 0)
		off = (s = getenv("FUZZ_MUTATE")) && strcmp(s, "off") == 0;
	return off;
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed)
{
	struct text t;
	size_t lines;
	int k, done;

	rs = seed * 0x9e3779b97f4a7c15ull + 1;
	if (disabled() || rnd() % FALLBACK == 0 || size == 0 || size > max)
		return LLVMFuzzerMutate(data, size, max);
	lines = 2;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	/* blocks and copied lines add a few lines each */
	t.l = malloc((lines + 8 * 4) * sizeof *t.l);
	t.p = malloc(max);
	if (!t.l || !t.p) {
		free(t.l);
		free(t.p);
		return LLVMFuzzerMutate(data, size, max);
	}
	t.cap = max;
	t.n = size;
	memcpy(t.p, data, size);
	done = 0;
	for (k = 0; k < 4 && (k == 0 || rnd() % 3 == 0); k++) {
		if (t.n > max - 1)
			break;
		if (mutate(&t) == 0)
			done++;
	}
	/* a mutation may give the text back (an operand replaced by itself) */
	if (done && t.n == size && memcmp(t.p, data, size) == 0)
		done = 0;
	if (done) {
		memcpy(data, t.p, t.n);
		size = t.n;
	}
	free(t.l);
	free(t.p);
	return done ? size : LLVMFuzzerMutate(data, size, max);
}
