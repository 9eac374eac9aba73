/* The object: each section's fragments laid out into bytes, with
 * alignment padding, jump opcodes and fixups filled in or turned into
 * relocations; the symbol table; asm_assemble(), which runs the whole
 * pipeline, and the accessors of asm.h. */
#include "asm_impl.h"

/* -------------------------------------------------------------- output */

/* a defined symbol's offset in its section, once laid out */
static size_t
symaddr(struct as *a, struct sym *y)
{
	return a->sec[y->sec].frag[y->frag].addr + y->off;
}

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
		return as_fail(a, "out of memory", 0, 0);
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

/* the multi-byte nops GNU as pads code with, by length */
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

/* resolve one fixup at section offset pos, or make it a relocation */
static int
resolve(struct as *a, int si, uint8_t *buf, uint64_t pos, int size,
	int kind, struct expr e, int line)
{
	struct sym *y, *z;
	int64_t v;
	int type;

	a->line = line;
	y = a->sym[e.sym];
	if (y->dotl && y->sec == ASM_UNDEF)
		return as_fail(a, "undefined local label", y->name, -1);
	if (kind == FDIFF) {
		z = a->sym[e.sub - 1];
		if (z->dotl && z->sec == ASM_UNDEF)
			return as_fail(a, "undefined local label", z->name, -1);
		/* both fixed once this section is laid out, as GNU as
		 * resolves them; anything else would need a relocation */
		if (y->sec != si || z->sec != si || y->global || z->global)
			return as_fail(a, "unsupported symbol difference", 0, 0);
		store(buf + pos, symaddr(a, y) - symaddr(a, z) + e.val, size);
		return 0;
	}
	if (kind == FPC || kind == FBRANCH) {
		if (y->sec == si && !y->global) {
			v = (int64_t)(symaddr(a, y) + e.val) - (int64_t)pos;
			if (v != (int32_t)v)
				return as_fail(a, "pc-relative reference out of range", 0, 0);
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
		return as_fail(a, "symbol in a field smaller than 4 bytes", 0, 0);
	if (si == ASM_BSS || si == SECNOTE)
		return as_fail(a, "relocation in a section without contents", 0, 0);
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
	size = as_layout(a, s);
	if (si == SECNOTE) {
		if (size)
			return as_fail(a, "contents in .note.GNU-stack", 0, 0);
		return 0;
	}
	a->obj->sec[si].name = as_secname[si];
	a->obj->sec[si].size = size;
	a->obj->sec[si].align = s->align ? s->align : 1;
	if (!(buf = calloc(1, size ? size : 1)))
		return as_fail(a, "out of memory", 0, 0);
	a->obj->buf[si] = buf;
	if (si != ASM_BSS)
		a->obj->sec[si].data = buf;
	for (f = s->frag; f < s->frag + s->nfrag; f++) {
		a->line = f->line;
		if (f->len && si != ASM_BSS)	/* zeros: as_emit checked */
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
				(struct expr){(int64_t)((uint64_t)f->e.val - 4), f->e.sym}, f->line) < 0)
					return -1;
				continue;
			}
			d = (int64_t)(symaddr(a, y) + (uint64_t)f->e.val
				- (uint64_t)(k + (f->big ? 4 : 1)));
			store(buf + k, d, f->big ? 4 : 1);
		}
	}
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
		return as_fail(a, "out of memory", 0, 0);
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
				return as_fail(a, ".size of an undefined symbol", z->name, -1);
			if (z->sec != y->sizesec)
				return as_fail(a, ".size across sections", z->name, -1);
			t->size = a->sec[y->sizesec].frag[y->sizefrag].addr
				+ y->sizeoff - symaddr(a, z);
		}
	}
	for (i = 0; i < (int)o->nrel; i++)
		if (o->rel[i].sym >= 0)
			o->rel[i].sym = a->sym[o->rel[i].sym]->out;
	return 0;
}

/* the rows of the line table, now that .text has addresses */
static int
lines(struct as *a)
{
	struct asm_obj *o;
	struct lrow *r;
	int i;

	o = a->obj;
	if (!a->nlrow)
		return 0;
	if (!(o->line = calloc(a->nlrow, sizeof *o->line)))
		return as_fail(a, "out of memory", 0, 0);
	for (i = 0; i < a->nlrow; i++) {
		r = &a->lrow[i];
		o->line[i].addr = a->sec[ASM_TEXT].frag[r->frag].addr + r->off;
		o->line[i].line = r->line;
		o->line[i].file = r->file;
	}
	o->nline = a->nlrow;
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
	free(a->lrow);
	for (i = 0; i < a->nsym; i++)
		free(a->sym[i]);   /* names now belong to the object */
	free(a->sym);
	free(a->hash);
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
		as_scopy(err->file, sizeof err->file, name);
		err->line = 0;
		as_scopy(err->msg, sizeof err->msg, "out of memory");
		return -1;
	}
	a->name = name;
	a->err = err;
	for (i = 0; i < NSEC; i++)
		if (as_newfrag(a, i) < 0)
			goto out;
	p = text;
	end = text + len;
	line = 0;
	cline = 0;
	incomment = 0;
	while ((r = as_nextline(a, &p, end, &line, &cline, &incomment)) > 0) {
		a->line++;
		if (as_statement(a) < 0)
			break;
	}
	free(line);
	if (a->failed)
		goto out;
	a->line = 0;
	for (i = 0; i < NSEC; i++)
		as_relax(a, i);
	for (i = 0; i < NSEC; i++)
		if (finish(a, i) < 0)
			goto out;
	for (i = 0; i < a->nsym; i++)
		if (a->sym[i]->dotl && a->sym[i]->sec == ASM_UNDEF) {
			a->line = a->sym[i]->line;
			as_fail(a, "undefined local label", a->sym[i]->name, -1);
			goto out;
		}
	if (symtab(a) < 0 || lines(a) < 0)
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
	free(o->line);
	for (i = 0; i < o->nfile; i++)
		free(o->file[i]);
	free(o->file);
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

size_t
asm_nline(const struct asm_obj *o)
{
	return o->nline;
}

const struct asm_line *
asm_line(const struct asm_obj *o, size_t i)
{
	return &o->line[i];
}

size_t
asm_nfile(const struct asm_obj *o)
{
	return o->nfile;
}

const char *
asm_file(const struct asm_obj *o, size_t i)
{
	return o->file[i];
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
