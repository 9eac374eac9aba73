/* Directives: dirs[] maps each name to its handler and the handler's
 * argument, the way forms[] maps mnemonics to encodings. The handlers
 * read their operands from the statement and append to the current
 * section, or set what a symbol's table entry will say. */
#include "asm_impl.h"

/* The loader starts each section on a page and gives it nothing more:
 * a larger alignment would be silently broken.  QBE asks for at most 64. */
enum { MAXALIGN = 4096 };
/* A .comm size the loader can add up without overflow (the JIT arena
 * is at most 2 GiB anyway). */
#define MAXCOMM ((int64_t)1 << 31)

/* a number-only expression */
static int
absexpr(struct as *a, int64_t *v)
{
	struct expr e;

	if (as_expr(a, &e) < 0)
		return -1;
	*v = e.val;
	if (e.sym >= 0)
		return as_fail(a, "expected a constant", 0, 0);
	return 0;
}

static int
symname(struct as *a)
{
	const char *s;
	int n;

	s = as_symtok(a, &n);
	if (n == 0)
		return as_fail(a, "expected a symbol name", 0, 0);
	return as_symlook(a, s, n);
}

/* n items of size bytes, each the low bytes of val */
static int
repeat(struct as *a, int64_t n, int64_t size, int64_t val)
{
	uchar b[8];
	int i;

	if (n < 0 || size < 0 || size > 8 || n > (1 << 28))
		return as_fail(a, "bad .fill", 0, 0);
	for (i = 0; i < size; i++)
		b[i] = (uint64_t)val >> 8*i;
	for (i = 1; i < size && b[i] == b[0]; i++)
		;
	if (size && i == size)	/* one byte repeated, the usual .zero */
		return as_emitfill(a, b[0], n * size);
	return as_emitrepeat(a, b, size, n);
}

/* .text, .data, .bss */
static int
setsec(struct as *a, int sec)
{
	a->cur = sec;
	return 0;
}

static int
section(struct as *a, int arg)
{
	const char *s;
	int n, i;

	as_skipws(a);
	for (s = a->p; a->p < a->end && *a->p != ',' && *a->p != ' '
	&& *a->p != '\t'; a->p++)
		;
	n = a->p - s;
	for (i = 0; i < NSEC; i++)
		if (as_eq(s, n, as_secname[i])) {
			a->cur = i;
			/* flags and type ("aw", @progbits) change nothing */
			a->p = a->end;
			return 0;
		}
	if (n == 0 && as_peek(a) == '"')
		return as_fail(a, "quoted section names are not supported", 0, 0);
	return as_fail(a, "unsupported section", s, n);
}

/* .ident: not kept */
static int
skipline(struct as *a, int arg)
{
	a->p = a->end;
	return 0;
}

/* More .file numbers than a program has files: the table is by number. */
enum { MAXFILE = 4096 };

/* .file N "name": file number N of the line table (QBE's dbgfile). The
 * form without a number only names the source for a symbol table: not
 * kept. */
static int
file(struct as *a, int arg)
{
	struct asm_obj *o;
	int64_t n;
	char *name;
	size_t k;
	int c;

	if (as_peek(a) == '"') {
		a->p = a->end;
		return 0;
	}
	if (absexpr(a, &n) < 0)
		return -1;
	if (n < 1 || n > MAXFILE)
		return as_fail(a, "bad file number in .file", 0, 0);
	as_skipws(a);
	if (!as_accept(a, '"'))
		return as_fail(a, "expected a string", 0, 0);
	if (!(name = malloc(a->end - a->p + 1)))
		return as_fail(a, "out of memory", 0, 0);
	for (k = 0; ; k++) {
		if (a->p >= a->end) {
			free(name);
			return as_fail(a, "unterminated string", 0, 0);
		}
		if ((c = *a->p++) == '"')
			break;
		if (c == '\\' && a->p < a->end)
			c = *a->p++;
		name[k] = c;
	}
	name[k] = 0;
	o = a->obj;
	if (!GROW(a, o->file, (int)n, a->cfile)) {
		free(name);
		return as_fail(a, "out of memory", 0, 0);
	}
	while ((int64_t)o->nfile <= n)
		o->file[o->nfile++] = 0;
	free(o->file[n]);
	o->file[n] = name;
	return 0;
}

/* a row at the current place in .text for the .loc waiting, if any */
int
as_locrow(struct as *a)
{
	struct lrow *r;

	if (!a->locfile)
		return 0;
	if (a->cur == ASM_TEXT) {
		if (!GROW(a, a->lrow, a->nlrow, a->clrow))
			return as_fail(a, "out of memory", 0, 0);
		r = &a->lrow[a->nlrow++];
		r->frag = as_cursec(a)->nfrag - 1;
		r->off = as_curfrag(a)->len;
		r->file = a->locfile;
		r->line = a->locline;
	}
	a->locfile = 0;
	return 0;
}

/* .loc FILE LINE [COLUMN]: the next instruction starts that line (GNU
 * as: a .loc still waiting gets its row here, at the same address) */
static int
loc(struct as *a, int arg)
{
	int64_t f, line, col;

	if (as_locrow(a) < 0 || absexpr(a, &f) < 0 || absexpr(a, &line) < 0)
		return -1;
	as_skipws(a);
	if (as_peek(a) && absexpr(a, &col) < 0)
		return -1;
	if (as_peek(a))
		return as_fail(a, "unsupported .loc option", a->p, -1);
	if (f < 1 || f >= (int64_t)a->obj->nfile || !a->obj->file[f])
		return as_fail(a, "unassigned file number in .loc", 0, 0);
	if (line < 0 || line > INT32_MAX)
		return as_fail(a, "bad line number in .loc", 0, 0);
	a->locfile = f;
	a->locline = line;
	return 0;
}

static int
globl(struct as *a, int arg)
{
	int i;

	do {
		if ((i = symname(a)) < 0)
			return -1;
		a->sym[i]->global = 1;
	} while (as_accept(a, ','));
	return 0;
}

static int
symtype(struct as *a, int arg)
{
	const char *t;
	int i, k;

	if ((i = symname(a)) < 0)
		return -1;
	if (!as_accept(a, ','))
		return as_fail(a, "expected ','", 0, 0);
	as_accept(a, '@');
	t = as_ident(a, &k);
	if (as_eq(t, k, "function"))
		a->sym[i]->type = ASM_STT_FUNC;
	else if (as_eq(t, k, "object"))
		a->sym[i]->type = ASM_STT_OBJECT;
	else if (!as_eq(t, k, "notype"))
		return as_fail(a, "unsupported symbol type", t, k);
	return 0;
}

/* ".size sym, N" or ".size sym, .-start": the distance is measured
 * once fragments have addresses (output.c's symtab) */
static int
symsize(struct as *a, int arg)
{
	struct sym *y;
	int64_t v;
	int i, k;

	if ((i = symname(a)) < 0)
		return -1;
	y = a->sym[i];
	if (!as_accept(a, ','))
		return as_fail(a, "expected ','", 0, 0);
	if (as_peek(a) == '.' && a->p + 1 < a->end && a->p[1] == '-') {
		a->p += 2;
		if ((k = symname(a)) < 0)
			return -1;
		y->sizemode = 2;
		y->sizesym = k;
		y->sizesec = a->cur;
		y->sizefrag = as_cursec(a)->nfrag - 1;
		y->sizeoff = as_curfrag(a)->len;
	} else {
		if (absexpr(a, &v) < 0)
			return -1;
		y->sizemode = 1;
		y->size = v;
	}
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
		a->diffok = 1;
		i = as_expr(a, &e);
		a->diffok = 0;
		if (i < 0)
			return -1;
		if (e.sym >= 0) {
			if (size < 4)
				return as_fail(a, "symbol in a data item smaller than 4 bytes", 0, 0);
			if (as_fixup(a, 0, size, e.sub ? FDIFF : FABS, e) < 0)
				return -1;
			e.val = 0;
		}
		for (v = e.val, i = 0; i < size; i++, v >>= 8)
			b[i] = v;
		if (as_emit(a, b, size) < 0)
			return -1;
	} while (as_accept(a, ','));
	return 0;
}

static int
string(struct as *a, int zero)
{
	uchar c;
	int v, k;

	do {
		if (!as_accept(a, '"'))
			return as_fail(a, "expected a string", 0, 0);
		for (;;) {
			if (a->p >= a->end)
				return as_fail(a, "unterminated string", 0, 0);
			c = *a->p++;
			if (c == '"')
				break;
			if (c == '\\') {
				if (a->p >= a->end)
					return as_fail(a, "unterminated string", 0, 0);
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
			if (as_emit(a, &c, 1) < 0)
				return -1;
		}
		if (zero && as_emit(a, "", 1) < 0)
			return -1;
	} while (as_accept(a, ','));
	return 0;
}

/* .fill n[, size[, value]] */
static int
fill(struct as *a, int arg)
{
	int64_t n, size, val;

	size = 1;
	val = 0;
	if (absexpr(a, &n) < 0)
		return -1;
	if (as_accept(a, ',') && absexpr(a, &size) < 0)
		return -1;
	if (as_accept(a, ',') && absexpr(a, &val) < 0)
		return -1;
	return repeat(a, n, size, val);
}

/* .zero n[, value] */
static int
zero(struct as *a, int arg)
{
	int64_t n, val;

	val = 0;
	if (absexpr(a, &n) < 0)
		return -1;
	if (as_accept(a, ',') && absexpr(a, &val) < 0)
		return -1;
	return repeat(a, n, 1, val);
}

/* .balign n[, fill] in bytes; .p2align (log2 set) in powers of 2 */
static int
alignment(struct as *a, int log2)
{
	int64_t v, x;

	x = -1;
	if (absexpr(a, &v) < 0)
		return -1;
	if (as_accept(a, ',') && as_peek(a) != ',' && absexpr(a, &x) < 0)
		return -1;
	if (as_accept(a, ','))
		return as_fail(a, "alignment with a maximum is not supported", 0, 0);
	if (log2) {
		if (v < 0 || v > 16)
			return as_fail(a, "bad alignment", 0, 0);
		v = 1 << v;
	}
	if (v > MAXALIGN)
		return as_fail(a, "alignment above 4096 is not supported", 0, 0);
	return as_align(a, v, x < 0 ? -1 : (int)(x & 0xff));
}

/* .comm sym, size[, alignment] */
static int
comm(struct as *a, int arg)
{
	struct sym *y;
	int64_t v, w;
	int i;

	if ((i = symname(a)) < 0)
		return -1;
	y = a->sym[i];
	if (!as_accept(a, ',') || absexpr(a, &v) < 0)
		return as_fail(a, "expected ', size'", 0, 0);
	/* GNU as: without an alignment, the size rounded up to a
	 * power of 2, at most 16 */
	for (w = 1; w < v && w < 16; w *= 2)
		;
	if (as_accept(a, ',') && absexpr(a, &w) < 0)
		return -1;
	if (y->sec != ASM_UNDEF || v < 0 || v > MAXCOMM
	|| w <= 0 || (w & (w - 1)))
		return as_fail(a, "bad .comm", y->name, -1);
	if (w > MAXALIGN)
		return as_fail(a, "alignment above 4096 is not supported", 0, 0);
	y->sec = ASM_COMMON;
	y->global = 1;
	y->type = ASM_STT_OBJECT;
	y->size = v;
	y->commalign = w;
	return 0;
}

/* What QBE writes, and GNU's other spellings of the same. arg is the
 * handler's: a section, an item size, a NUL after each string,
 * alignment as a power of 2. */
static const struct dir {
	char name[10];
	signed char arg;
	int (*fn)(struct as *, int);
} dirs[] = {
	{".text", ASM_TEXT, setsec},
	{".data", ASM_DATA, setsec},
	{".bss", ASM_BSS, setsec},
	{".section", 0, section},
	{".file", 0, file},
	{".loc", 0, loc},
	{".ident", 0, skipline},
	{".globl", 0, globl},
	{".global", 0, globl},
	{".type", 0, symtype},
	{".size", 0, symsize},
	{".byte", 1, data},
	{".short", 2, data},
	{".value", 2, data},
	{".2byte", 2, data},
	{".int", 4, data},
	{".long", 4, data},
	{".4byte", 4, data},
	{".quad", 8, data},
	{".8byte", 8, data},
	{".ascii", 0, string},
	{".asciz", 1, string},
	{".string", 1, string},
	{".fill", 0, fill},
	{".zero", 0, zero},
	{".skip", 0, zero},
	{".space", 0, zero},
	{".balign", 0, alignment},
	{".align", 0, alignment},
	{".p2align", 1, alignment},
	{".comm", 0, comm},
};

static struct kwtab dirtab;

static const char *
dirkey(int i)
{
	return dirs[i].name;
}

int
as_directive(struct as *a, const char *s, int n)
{
	const struct dir *d;
	int i;

	i = as_kwlook(&dirtab, dirkey, sizeof dirs / sizeof dirs[0], s, n);
	if (i < 0)
		return as_fail(a, "unknown directive", s, n);
	d = &dirs[i];
	return d->fn(a, d->arg);
}
