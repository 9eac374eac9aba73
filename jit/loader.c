/* Loader: lay an assembled object out in the JIT arena, apply its
 * relocations and seal it W^X.
 *
 * One arena block holds the image. Each section starts on its own page
 * because protections are per page: text becomes R+X, rodata R, data and
 * bss R+W; no page is ever writable and executable once loaded. Common
 * symbols (.comm) are placed at the end of bss. The line table, when the
 * object has one, goes on read-only pages after them: a fault report
 * reads it after the payload ran, and the payload cannot have written
 * there. */
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "platform.h"
#include "gdbjit.h"

enum { PAGE = 4096 };

/* Symbols and line table rows are struct jit_sym and struct jit_row
 * (gdbjit.h), which gdb's symbol file is made from. */

struct jit_image {
	uint8_t *base;
	size_t size;
	uint8_t *sec[ASM_NSEC];
	size_t secsize[ASM_NSEC];
	struct jit_sym *sym;   /* global definitions */
	size_t nsym;
	void **common;         /* address of each object symbol if COMMON */
	struct jit_sym *fn;    /* text symbols, local ones too, by address */
	size_t nfn;
	size_t bssend;         /* offset of the end of bss and the commons */
	struct jit_row *line;  /* line table, by address (in the block) */
	size_t nline;
	const char **file;     /* by .file number, NULL if none (in the block) */
	size_t nfile;
	struct gdbjit_entry *gdb;      /* the image as gdb sees it, or NULL */
	jit_lookup_fn lookup;          /* asked before the export table, while loading */
	void *lookupctx;
	struct jit_image *next;        /* in the list of loaded images */
};

void *(*jit_load_exports)(const char *name);
size_t jit_load_gap;

void
jit_image_extent(const struct jit_image *img, void **base, size_t *size)
{
	*base = img->base;
	*size = img->size;
}

/* Every loaded image, so a fault address can be named (jit_code_lookup). */
static struct jit_image *loaded;

static int
lfail(struct jit_error *err, const char *msg, const char *name)
{
	size_t n, k;

	err->line = 0;
	n = 0;
	for (k = 0; msg[k] && n + 1 < sizeof err->msg; k++)
		err->msg[n++] = msg[k];
	if (name) {
		for (k = 0; " '"[k] && n + 1 < sizeof err->msg; k++)
			err->msg[n++] = " '"[k];
		for (k = 0; name[k] && n + 2 < sizeof err->msg; k++)
			err->msg[n++] = name[k];
		err->msg[n++] = '\'';
	}
	err->msg[n] = 0;
	return -1;
}

/* "undefined symbol 'NAME'", and NAME in err->symbol */
static void
undefined(struct jit_error *err, const char *name)
{
	size_t n;

	lfail(err, "undefined symbol", name);
	for (n = 0; name[n] && n + 1 < sizeof err->symbol; n++)
		err->symbol[n] = name[n];
	err->symbol[n] = 0;
}

static size_t
roundup(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* where symbol i of o lives in img, or NULL with *err set */
static uint8_t *
symaddr(const struct asm_obj *o, struct jit_image *img, int i,
	struct jit_error *err)
{
	const struct asm_symbol *y;
	void *p;

	y = asm_symbol(o, i);
	if (y->sec >= 0)
		return img->sec[y->sec] + y->value;
	if (y->sec == ASM_COMMON)
		return img->common[i];
	if (img->lookup && (p = img->lookup(img->lookupctx, y->name)))
		return p;
	if (jit_load_exports) {
		/* an isolated payload: only what has a user-mode copy */
		if (!(p = jit_load_exports(y->name)) && jit_export_lookup(y->name))
			lfail(err, "not available to isolated payloads (no user-mode copy):",
				y->name);
		else if (!p)
			undefined(err, y->name);
		return p;
	}
	if (!(p = jit_export_lookup(y->name)))
		undefined(err, y->name);
	return p;
}

/* Relocations are applied for the machine the loader runs on: the JIT
 * only loads code it can call. */
#if defined(__aarch64__)
#include "asm_a64/a64.h"

/* What an AArch64 relocation asm_a64_apply() refused means: the target is
 * out of the instruction's reach, or its low 12 bits do not fit the
 * scaled offset of the load or store. No veneers: the arena sits within
 * 128 MiB of the code it calls (jit_arena_alloc in platform.h), and a
 * branch that still misses is an error naming its target. */
static const struct {
	int type;
	const char *msg;
} a64why[] = {
	{R_AARCH64_CALL26, "call out of +-128 MiB range (place the JIT arena near the kernel) to"},
	{R_AARCH64_JUMP26, "branch out of +-128 MiB range (place the JIT arena near the kernel) to"},
	{R_AARCH64_CONDBR19, "conditional branch out of +-1 MiB range to"},
	{R_AARCH64_ADR_PREL_PG_HI21, "adrp reference out of +-4 GiB range (place the JIT arena near the kernel) to"},
	{R_AARCH64_PREL32, "32-bit relative reference out of range to"},
	{R_AARCH64_ABS32, "32-bit absolute reference out of range to"},
	{R_AARCH64_ABS16, "16-bit absolute reference out of range to"},
	{R_AARCH64_LDST16_ABS_LO12_NC, "misaligned 16-bit access to"},
	{R_AARCH64_LDST32_ABS_LO12_NC, "misaligned 32-bit access to"},
	{R_AARCH64_LDST64_ABS_LO12_NC, "misaligned 64-bit access to"},
	{R_AARCH64_LDST128_ABS_LO12_NC, "misaligned 128-bit access to"},
};

static int
apply(const struct asm_reloc *r, uint8_t *p, uint64_t v, const char *what,
	struct jit_error *err)
{
	size_t i;

	if (asm_a64_apply(r->type, p, (uint64_t)(uintptr_t)p, v) == 0)
		return 0;
	for (i = 0; i < sizeof a64why / sizeof a64why[0]; i++)
		if (a64why[i].type == r->type)
			return lfail(err, a64why[i].msg, what);
	return lfail(err, "unsupported relocation", asm_a64_reloc_name(r->type));
}
#else
static int
fits32(int64_t v)
{
	return v == (int32_t)v;
}

static int
apply(const struct asm_reloc *r, uint8_t *p, uint64_t v, const char *what,
	struct jit_error *err)
{
	int32_t v32;

	switch (r->type) {
	case R_X86_64_64:
		memcpy(p, &v, 8);
		return 0;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		v -= (uint64_t)(uintptr_t)p;
		if (!fits32((int64_t)v))
			return lfail(err, "rel32 reference out of +-2 GiB range "
				"(place the JIT arena near the kernel) to", what);
		break;
	case R_X86_64_32:
		if (v > 0xffffffffu)
			return lfail(err, "32-bit absolute reference above 4 GiB to", what);
		break;
	case R_X86_64_32S:
		if (!fits32((int64_t)v))
			return lfail(err, "32-bit absolute reference out of range to", what);
		break;
	default:
		return lfail(err, "unsupported relocation", asm_reloc_name(r->type));
	}
	v32 = (int32_t)v;
	memcpy(p, &v32, 4);
	return 0;
}
#endif

static int
relocate(const struct asm_obj *o, struct jit_image *img,
	const struct asm_reloc *r, struct jit_error *err)
{
	uint8_t *s;
	const char *what;

	if (r->sym >= 0) {
		if (!(s = symaddr(o, img, r->sym, err)))
			return -1;
		what = asm_symbol(o, r->sym)->name;
	} else {
		s = img->sec[r->tsec];
		what = asm_section(o, r->tsec)->name;
	}
	return apply(r, img->sec[r->sec] + r->offset,
		(uint64_t)(uintptr_t)s + (uint64_t)r->addend, what, err);
}

/* offsets of sections (page aligned) and common symbols in the block;
 * returns where bss and the commons end */
static size_t
plan(const struct asm_obj *o, size_t off[ASM_NSEC], size_t *commoff)
{
	const struct asm_section *s;
	const struct asm_symbol *y;
	size_t at, i;
	int k;

	at = 0;
	for (k = 0; k < ASM_NSEC; k++) {
		s = asm_section(o, k);
		off[k] = at;
		at = roundup(at + s->size, PAGE) + jit_load_gap * PAGE;
	}
	/* commons extend bss: back up over its page rounding */
	at = off[ASM_BSS] + asm_section(o, ASM_BSS)->size;
	for (i = 0; i < asm_nsym(o); i++) {
		y = asm_symbol(o, i);
		commoff[i] = 0;
		if (y->sec != ASM_COMMON)
			continue;
		at = roundup(at, y->value ? y->value : 1);
		commoff[i] = at;
		at += y->size;
	}
	return at;
}

static int
row_fits(const struct asm_line *l)
{
	return l->line <= JIT_ROW_MAXLINE && l->file <= JIT_ROW_MAXFILE;
}

/* Bytes the line table needs: rows, the file pointers, the names. */
static size_t
dbgsize(const struct asm_obj *o)
{
	size_t i, n;

	n = 0;
	for (i = 0; i < asm_nline(o); i++)
		n += row_fits(asm_line(o, i)) ? sizeof(struct jit_row) : 0;
	if (n == 0)
		return 0;
	n = roundup(n, sizeof(char *)) + asm_nfile(o) * sizeof(char *);
	for (i = 0; i < asm_nfile(o); i++)
		if (asm_file(o, i))
			n += strlen(asm_file(o, i)) + 1;
	return n;
}

/* Copy the line table to p (dbgsize(o) bytes). A row the next one
 * replaces at the same address (GNU as's rows for two .loc in a row)
 * is left out. */
static void
lines(const struct asm_obj *o, struct jit_image *img, uint8_t *p)
{
	const struct asm_line *l;
	char *names;
	size_t i, n;

	img->line = (struct jit_row *)p;
	for (i = 0; i < asm_nline(o); i++) {
		l = asm_line(o, i);
		if (!row_fits(l))
			continue;
		if (img->nline && img->line[img->nline - 1].addr == l->addr)
			img->nline--;
		img->line[img->nline].addr = l->addr;
		img->line[img->nline].line = l->line;
		img->line[img->nline].file = l->file;
		img->nline++;
	}
	img->file = (const char **)(p + roundup(img->nline * sizeof *img->line, sizeof(char *)));
	img->nfile = asm_nfile(o);
	names = (char *)(img->file + img->nfile);
	for (i = 0; i < img->nfile; i++) {
		img->file[i] = 0;
		if (!asm_file(o, i))
			continue;
		n = strlen(asm_file(o, i)) + 1;
		memcpy(names, asm_file(o, i), n);
		img->file[i] = names;
		names += n;
	}
}

static int
globals(const struct asm_obj *o, struct jit_image *img, struct jit_error *err)
{
	const struct asm_symbol *y;
	size_t i, n;

	img->sym = calloc(asm_nsym(o) + 1, sizeof *img->sym);
	if (!img->sym)
		return lfail(err, "out of memory", 0);
	for (i = 0; i < asm_nsym(o); i++) {
		y = asm_symbol(o, i);
		if (!y->global || y->sec == ASM_UNDEF)
			continue;
		n = strlen(y->name) + 1;
		if (!(img->sym[img->nsym].name = malloc(n)))
			return lfail(err, "out of memory", 0);
		memcpy(img->sym[img->nsym].name, y->name, n);
		img->sym[img->nsym].addr = y->sec == ASM_COMMON ? img->common[i]
			: img->sec[y->sec] + y->value;
		img->nsym++;
	}
	return 0;
}

static char *
strdup_(const char *s)
{
	size_t n;
	char *p;

	n = strlen(s) + 1;
	if ((p = malloc(n)))
		memcpy(p, s, n);
	return p;
}

/* Labels the assembler keeps (.Lbb3) are not functions. */
static int
is_function(const struct asm_symbol *y)
{
	return y->sec == ASM_TEXT && y->name && y->name[0]
		&& strncmp(y->name, ".L", 2) != 0;
}

/* The text symbols, sorted by address (insertion sort: a module has a
 * handful), for naming code addresses in crash reports. */
static int
functions(const struct asm_obj *o, struct jit_image *img, struct jit_error *err)
{
	const struct asm_symbol *y;
	struct jit_sym t;
	size_t i, j;

	img->fn = calloc(asm_nsym(o) + 1, sizeof *img->fn);
	if (!img->fn)
		return lfail(err, "out of memory", 0);
	for (i = 0; i < asm_nsym(o); i++) {
		y = asm_symbol(o, i);
		if (!is_function(y))
			continue;
		t.addr = img->sec[ASM_TEXT] + y->value;
		if (!(t.name = strdup_(y->name)))
			return lfail(err, "out of memory", 0);
		for (j = img->nfn; j > 0 && (uint8_t *)img->fn[j - 1].addr > (uint8_t *)t.addr; j--)
			img->fn[j] = img->fn[j - 1];
		img->fn[j] = t;
		img->nfn++;
	}
	return 0;
}

static int
seal(struct jit_image *img, struct jit_error *err)
{
	static const int prot[ASM_NSEC] = {
		[ASM_TEXT] = JIT_PROT_R | JIT_PROT_X,
		[ASM_RODATA] = JIT_PROT_R,
		[ASM_DATA] = JIT_PROT_R | JIT_PROT_W,
		[ASM_BSS] = JIT_PROT_R | JIT_PROT_W,
	};
	size_t len;
	int k;

	if (img->line && jit_protect(img->line, img->base + img->size
	- (uint8_t *)img->line, JIT_PROT_R) != 0)
		return lfail(err, "cannot set page protections for", "the line table");
	for (k = 0; k < ASM_NSEC; k++) {
		if (k == ASM_BSS)   /* with the common symbols after it */
			len = roundup(img->bssend, PAGE) - (size_t)(img->sec[k] - img->base);
		else
			len = roundup(img->secsize[k], PAGE);
		if (len == 0)
			continue;
		if (jit_protect(img->sec[k], len, prot[k]) != 0)
			return lfail(err, "cannot set page protections for",
				k == ASM_TEXT ? ".text" : k == ASM_RODATA ? ".rodata"
				: k == ASM_DATA ? ".data" : ".bss");
	}
	return 0;
}

/* Tell gdb about the image; a failure only hides it from gdb. */
static void
debugger(struct jit_image *img, const char *name)
{
	struct gdbjit_module m;

	m.name = name;
	m.text = img->sec[ASM_TEXT];
	m.textsize = img->secsize[ASM_TEXT];
	m.fn = img->fn;
	m.nfn = img->nfn;
	m.line = img->line;
	m.nline = img->nline;
	m.file = img->file;
	m.nfile = img->nfile;
	img->gdb = gdbjit_register(&m);
}

int
jit_load(const struct asm_obj *o, struct jit_image **out,
	struct jit_error *err)
{
	return jit_load_linked(o, 0, 0, out, err);
}

int
jit_load_linked(const struct asm_obj *o, jit_lookup_fn lookup, void *ctx,
	struct jit_image **out, struct jit_error *err)
{
	struct jit_image *img;
	const struct asm_section *s;
	size_t off[ASM_NSEC], *commoff, i, dbgoff, nd;
	int k;

	*out = 0;
	if (!(img = calloc(1, sizeof *img)))
		return lfail(err, "out of memory", 0);
	img->lookup = lookup;
	img->lookupctx = ctx;
	commoff = calloc(asm_nsym(o) + 1, sizeof *commoff);
	img->common = calloc(asm_nsym(o) + 1, sizeof *img->common);
	if (!commoff || !img->common) {
		lfail(err, "out of memory", 0);
		goto bad;
	}
	/* A module without a byte still gets a page: labels in its empty
	 * sections need real, distinct addresses (NULL + offset is not one). */
	img->bssend = plan(o, off, commoff);
	dbgoff = roundup(img->bssend, PAGE);
	nd = dbgsize(o);
	img->size = dbgoff + roundup(nd, PAGE);
	if (!img->size)
		img->size = PAGE;
	img->base = jit_arena_alloc(img->size, PAGE);
	if (!img->base) {
		lfail(err, "JIT arena exhausted (raise jit_arena_size in "
			"the image recipe)", 0);
		goto bad;
	}
	memset(img->base, 0, img->size);
	for (k = 0; k < ASM_NSEC; k++) {
		s = asm_section(o, k);
		img->sec[k] = img->base + off[k];
		img->secsize[k] = s->size;
		if (s->data && s->size)
			memcpy(img->sec[k], s->data, s->size);
	}
	for (i = 0; i < asm_nsym(o); i++)
		if (asm_symbol(o, i)->sec == ASM_COMMON)
			img->common[i] = img->base + commoff[i];
	if (nd)
		lines(o, img, img->base + dbgoff);
	for (i = 0; i < asm_nreloc(o); i++)
		if (relocate(o, img, asm_reloc(o, i), err) < 0)
			goto bad;
	/* the code was written through the data side; make instruction
	 * fetch see it before anything can run it */
	if (img->secsize[ASM_TEXT])
		jit_sync_code(img->sec[ASM_TEXT], img->secsize[ASM_TEXT]);
	if (globals(o, img, err) < 0 || functions(o, img, err) < 0
	|| seal(img, err) < 0)
		goto bad;
	free(commoff);
	free(img->common);
	img->common = 0;
	img->lookup = 0;
	img->next = loaded;
	loaded = img;
	debugger(img, err->file);
	*out = img;
	return 0;
bad:
	free(commoff);
	jit_unload(img);
	return -1;
}

void *
jit_image_symbol(struct jit_image *img, const char *name)
{
	size_t i;

	for (i = 0; i < img->nsym; i++)
		if (strcmp(img->sym[i].name, name) == 0)
			return img->sym[i].addr;
	return 0;
}

/* The row of img's line table covering text offset off, or NULL. */
static const struct jit_row *
row_at(const struct jit_image *img, uint32_t off)
{
	size_t lo, hi, mid;

	lo = 0;
	hi = img->nline;
	while (lo < hi) {       /* the first row past off */
		mid = lo + (hi - lo) / 2;
		if (img->line[mid].addr <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &img->line[lo - 1] : 0;
}

static int
image_where(const struct jit_image *img, const uint8_t *p, struct jit_where *w)
{
	const struct jit_row *r;
	const uint8_t *fn;
	size_t i;

	if (p < img->sec[ASM_TEXT] || p >= img->sec[ASM_TEXT] + img->secsize[ASM_TEXT])
		return -1;
	w->func = ".text";
	w->off = (size_t)(p - img->sec[ASM_TEXT]);
	w->file = 0;
	w->line = 0;
	fn = img->sec[ASM_TEXT];
	for (i = img->nfn; i > 0; i--)
		if ((const uint8_t *)img->fn[i - 1].addr <= p) {
			fn = img->fn[i - 1].addr;
			w->func = img->fn[i - 1].name;
			w->off = (size_t)(p - fn);
			break;
		}
	/* a row before the function's start is the previous function's */
	r = row_at(img, (uint32_t)(p - img->sec[ASM_TEXT]));
	if (r && img->sec[ASM_TEXT] + r->addr >= fn && r->file < img->nfile
	&& img->file[r->file]) {
		w->file = img->file[r->file];
		w->line = r->line;
	}
	return 0;
}

int
jit_image_where(const struct jit_image *img, const void *pc, struct jit_where *w)
{
	if (img)
		return image_where(img, pc, w);
	for (img = loaded; img; img = img->next)
		if (image_where(img, pc, w) == 0)
			return 0;
	return -1;
}

const char *
jit_code_lookup(const void *pc, size_t *off)
{
	struct jit_where w;

	if (jit_image_where(0, pc, &w) != 0)
		return 0;
	*off = w.off;
	return w.func;
}

void
jit_unload(struct jit_image *img)
{
	struct jit_image **pp;
	size_t i;

	if (!img)
		return;
	gdbjit_unregister(img->gdb);
	for (pp = &loaded; *pp; pp = &(*pp)->next)
		if (*pp == img) {
			*pp = img->next;
			break;
		}
	for (i = 0; i < img->nfn; i++)
		free(img->fn[i].name);
	free(img->fn);
	if (img->base)
		jit_arena_free(img->base, img->size);
	for (i = 0; i < img->nsym; i++)
		free(img->sym[i].name);
	free(img->sym);
	free(img->common);
	free(img);
}
