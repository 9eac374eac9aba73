/* Sections as lists of fragments: the bytes statements append, and the
 * variable parts (alignments, jumps to labels) whose sizes as_relax()
 * settles once the whole text is read. */
#include "asm_impl.h"

const char *const as_secname[NSEC] = {
	".text", ".rodata", ".data", ".bss", ".note.GNU-stack"
};

/* ------------------------------------------------------------- sections */

struct sec *
as_cursec(struct as *a)
{
	return &a->sec[a->cur];
}

struct frag *
as_curfrag(struct as *a)
{
	struct sec *s;

	s = as_cursec(a);
	return &s->frag[s->nfrag - 1];
}

int
as_newfrag(struct as *a, int si)
{
	struct sec *s;
	struct frag *f;

	s = &a->sec[si];
	if (!GROW(a, s->frag, s->nfrag, s->cfrag))
		return as_fail(a, "out of memory", 0, 0);
	f = &s->frag[s->nfrag++];
	memset(f, 0, sizeof *f);
	f->start = s->nbuf;
	f->line = a->line;
	return 0;
}

/* No section of a module grows past this: far more than any arena
 * holds, and .fill's counts could otherwise ask for gigabytes. */
#define MAX_SECTION ((size_t)256 << 20)

/* room for n more bytes at the end of the current section, in *d
 * (NULL while a section has no byte yet, after ".fill 64,0,0") */
static int
reserve(struct as *a, size_t n, uchar **d)
{
	struct sec *s;
	uchar *buf;
	size_t c;

	s = as_cursec(a);
	if (n > MAX_SECTION - s->nbuf)
		return as_fail(a, "section larger than 256 MiB", 0, 0);
	if (s->nbuf + n > s->cbuf) {
		c = s->cbuf ? s->cbuf * 2 : 256;
		while (c < s->nbuf + n)
			c *= 2;
		if (!(buf = realloc(s->buf, c)))
			return as_fail(a, "out of memory", 0, 0);
		s->buf = buf;
		s->cbuf = c;
	}
	*d = s->buf ? s->buf + s->nbuf : 0;
	s->nbuf += n;
	as_curfrag(a)->len += n;
	s->used = 1;
	return 0;
}

/* .bss holds no bytes: refuse any of the n at p that is not zero */
static int
zeroinbss(struct as *a, const uchar *p, size_t n)
{
	size_t i;

	if (a->cur == ASM_BSS)
		for (i = 0; i < n; i++)
			if (p[i])
				return as_fail(a, "non-zero data in .bss", 0, 0);
	return 0;
}

int
as_emit(struct as *a, const void *p, size_t n)
{
	uchar *d;

	if (zeroinbss(a, p, n) < 0 || reserve(a, n, &d) < 0)
		return -1;
	if (n)
		memcpy(d, p, n);
	return 0;
}

/* n copies of one byte at once: `z 262144` in a data definition is
 * .fill/.zero, and a byte at a time was most of such a module's compile */
int
as_emitfill(struct as *a, int byte, size_t n)
{
	uchar *d;

	if (a->cur == ASM_BSS && byte)
		return as_fail(a, "non-zero data in .bss", 0, 0);
	if (reserve(a, n, &d) < 0)
		return -1;
	if (n)
		memset(d, byte, n);
	return 0;
}

/* n copies of the size bytes at p (.fill of a value wider than a byte) */
int
as_emitrepeat(struct as *a, const uchar *p, size_t size, size_t n)
{
	uchar *d;
	size_t i;

	if (zeroinbss(a, p, size) < 0 || reserve(a, n * size, &d) < 0)
		return -1;
	for (i = 0; d && i < n; i++)
		memcpy(d + i * size, p, size);
	return 0;
}

/* the fixed part of the current fragment is 'here'; a fixup at
 * here + at, computed once the fragment has an address */
int
as_fixup(struct as *a, size_t at, int size, int kind, struct expr e)
{
	struct sec *s;
	struct fixup *x;

	s = as_cursec(a);
	if (!GROW(a, s->fix, s->nfix, s->cfix))
		return as_fail(a, "out of memory", 0, 0);
	x = &s->fix[s->nfix++];
	x->frag = s->nfrag - 1;
	x->off = as_curfrag(a)->len + at;
	x->size = size;
	x->kind = kind;
	x->e = e;
	x->line = a->line;
	if (e.sym >= 0)
		a->sym[e.sym]->referenced = 1;
	if (e.sub)
		a->sym[e.sub - 1]->referenced = 1;
	return 0;
}

/* end the current fragment with a variable part */
struct frag *
as_endfrag(struct as *a, int var)
{
	struct frag *f;

	f = as_curfrag(a);
	f->var = var;
	f->line = a->line;
	if (as_newfrag(a, a->cur) < 0)
		return 0;
	as_cursec(a)->used = 1;
	return &as_cursec(a)->frag[as_cursec(a)->nfrag - 2];
}

int
as_align(struct as *a, int n, int fill)
{
	struct frag *f;

	if (n <= 0 || (n & (n - 1)))
		return as_fail(a, "alignment is not a power of 2", 0, 0);
	if (fill < 0 && a->cur != ASM_TEXT)
		fill = 0;
	if ((size_t)n > as_cursec(a)->align)
		as_cursec(a)->align = n;
	if (!(f = as_endfrag(a, VALIGN)))
		return -1;
	f->align = n;
	f->fill = fill;
	return 0;
}

/* ----------------------------------------------------------- relaxation */

static size_t
jumpsize(struct frag *f)
{
	if (!f->big)
		return 2;
	return f->cc < 0 ? 5 : 6;
}

/* give every fragment an address; returns the section size */
size_t
as_layout(struct as *a, struct sec *s)
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
void
as_relax(struct as *a, int si)
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
	as_layout(a, s);
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
	as_layout(a, s);
}

