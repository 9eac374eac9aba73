/* gdb's JIT interface (gdb manual, "JIT Compilation Interface").
 *
 * gdb looks for two symbols in the program it debugs: the descriptor
 * __jit_debug_descriptor, a list of code entries each pointing at an
 * ELF object in memory, and the function __jit_debug_register_code, on
 * which it sets a breakpoint of its own. Each time we add or remove an
 * entry we say which in the descriptor and call the function; gdb
 * stops there, reads the object (through QEMU's gdb stub in the
 * kernel), adds or drops its symbols, re-sets pending breakpoints and
 * carries on. Without a debugger the call returns at once.
 *
 * The object is what a reader needs and no more, built in one
 * allocation (a counting pass sizes it, a second writes it):
 *
 *	ELF header (ET_REL, x86-64)
 *	.symtab  a file symbol, then each function: STT_FUNC in .text,
 *	         value its offset, size up to the next one
 *	.strtab, .shstrtab
 *	.debug_abbrev, .debug_info, .debug_line   only with a line table:
 *	         one DWARF 2 compile unit over the text, no DIEs inside;
 *	         gdb names functions from .symtab and lines from here
 *	section headers; .text is SHT_NOBITS at the loaded address
 *
 * A relocatable object whose sections have addresses is placed where
 * they say (gdb leaves it there), so symbol values are section offsets
 * and DWARF addresses absolute, as in an object after linking. */
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include "gdbjit.h"

/* The descriptor and entries as gdb reads them: names, field order
 * and version are the interface. */
enum { JIT_NOACTION, JIT_REGISTER_FN, JIT_UNREGISTER_FN };

struct gdbjit_entry {
	struct gdbjit_entry *next_entry;
	struct gdbjit_entry *prev_entry;
	const char *symfile_addr;
	uint64_t symfile_size;
};

struct jit_descriptor {
	uint32_t version;
	uint32_t action_flag;
	struct gdbjit_entry *relevant_entry;
	struct gdbjit_entry *first_entry;
};

struct jit_descriptor __jit_debug_descriptor = { 1, JIT_NOACTION, 0, 0 };

/* gdb's breakpoint goes here: it must be a real call (noinline), and
 * the empty asm keeps the compiler from proving it does nothing and
 * dropping the calls. */
void __attribute__((noinline, used))
__jit_debug_register_code(void)
{
	__asm__ volatile("" ::: "memory");
}

/* The ELF constants used (elf.h is not freestanding). */
enum {
	ET_REL = 1, EM_X86_64 = 62, EV_CURRENT = 1,
	SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8,
	SHF_ALLOC = 2, SHF_EXECINSTR = 4,
	STB_LOCAL = 0, STB_GLOBAL = 1, STT_FUNC = 2, STT_FILE = 4,
	SHN_ABS = 0xfff1,
	EHSIZE = 64, SHENTSIZE = 64, SYMSIZE = 24,
};

enum { S_NULL, S_TEXT, S_SYMTAB, S_STRTAB, S_SHSTRTAB, S_ABBREV, S_INFO, S_LINE, NSEC };

static const char shstrtab[] =
	"\0.text\0.symtab\0.strtab\0.shstrtab\0.debug_abbrev\0.debug_info\0.debug_line";
static const uint8_t shname[NSEC] = { 0, 1, 7, 15, 23, 33, 47, 59 };

/* DWARF 2 numbers */
enum {
	DW_TAG_compile_unit = 0x11, DW_CHILDREN_no = 0,
	DW_AT_name = 0x03, DW_AT_stmt_list = 0x10, DW_AT_low_pc = 0x11,
	DW_AT_high_pc = 0x12, DW_FORM_addr = 0x01, DW_FORM_data4 = 0x06,
	DW_FORM_string = 0x08,
	DW_LNS_copy = 1, DW_LNS_advance_pc = 2, DW_LNS_advance_line = 3,
	DW_LNS_set_file = 4, DW_LNE_end_sequence = 1, DW_LNE_set_address = 2,
	LINE_BASE = -5, LINE_RANGE = 14, OPCODE_BASE = 13,
};

static const uint8_t abbrev[] = {
	1, DW_TAG_compile_unit, DW_CHILDREN_no,
	DW_AT_name, DW_FORM_string,
	DW_AT_low_pc, DW_FORM_addr,
	DW_AT_high_pc, DW_FORM_addr,
	DW_AT_stmt_list, DW_FORM_data4,
	0, 0,
	0,
};

/* Operand counts of the standard opcodes 1..12 */
static const uint8_t oplen[OPCODE_BASE - 1] = { 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1 };

/* Output: counts only while p is NULL. */
struct out {
	uint8_t *p;
	size_t n;
};

static void
put(struct out *o, const void *s, size_t n)
{
	if (o->p)
		memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void
putn(struct out *o, uint64_t v, int bytes)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < bytes; i++, v >>= 8)
		b[i] = (uint8_t)v;
	put(o, b, (size_t)bytes);
}

static void
putstr(struct out *o, const char *s)
{
	put(o, s, strlen(s) + 1);
}

static void
uleb(struct out *o, uint64_t v)
{
	uint8_t b;

	do {
		b = v & 0x7f;
		v >>= 7;
		putn(o, b | (v ? 0x80 : 0), 1);
	} while (v);
}

static void
sleb(struct out *o, int64_t v)
{
	uint8_t b;
	int more;

	do {
		b = v & 0x7f;
		v >>= 7;    /* arithmetic on every compiler we use */
		more = !((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)));
		putn(o, b | (more ? 0x80 : 0), 1);
	} while (more);
}

/* Patch a 4-byte length at off: the bytes after it up to here. */
static void
length(struct out *o, size_t off)
{
	size_t n;

	n = o->n;
	o->n = off;
	putn(o, n - off - 4, 4);
	o->n = n;
}

static void
align(struct out *o, size_t a)
{
	while (o->n & (a - 1))
		putn(o, 0, 1);
}

static void
sym(struct out *o, uint32_t name, int info, int shndx, uint64_t value, uint64_t size)
{
	putn(o, name, 4);
	putn(o, (uint64_t)info, 1);
	putn(o, 0, 1);
	putn(o, (uint64_t)shndx, 2);
	putn(o, value, 8);
	putn(o, size, 8);
}

static int
row_ok(const struct gdbjit_module *m, const struct jit_row *r)
{
	return r->file > 0 && r->file < m->nfile && m->file[r->file];
}

static int
has_lines(const struct gdbjit_module *m)
{
	size_t i;

	for (i = 0; i < m->nline; i++)
		if (row_ok(m, &m->line[i]))
			return 1;
	return 0;
}

static void
line_program(struct out *o, const struct gdbjit_module *m)
{
	const struct jit_row *r;
	size_t start, hdr, i;
	uint32_t addr, line, file;
	int first;

	start = o->n;
	putn(o, 0, 4);                  /* unit_length */
	putn(o, 2, 2);                  /* version */
	hdr = o->n;
	putn(o, 0, 4);                  /* header_length */
	putn(o, 1, 1);                  /* minimum_instruction_length */
	putn(o, 1, 1);                  /* default_is_stmt */
	putn(o, (uint64_t)(uint8_t)LINE_BASE, 1);
	putn(o, LINE_RANGE, 1);
	putn(o, OPCODE_BASE, 1);
	put(o, oplen, sizeof oplen);
	putn(o, 0, 1);                  /* no include directories */
	for (i = 1; i < m->nfile; i++) {        /* file i is .file i */
		putstr(o, m->file[i] ? m->file[i] : "?");
		putn(o, 0, 3);          /* directory, mtime, length */
	}
	putn(o, 0, 1);
	length(o, hdr);
	addr = 0;
	line = 1;
	file = 1;
	first = 1;
	for (i = 0; i < m->nline; i++) {
		r = &m->line[i];
		if (!row_ok(m, r))
			continue;
		if (first) {
			putn(o, 0, 1);
			uleb(o, 9);
			putn(o, DW_LNE_set_address, 1);
			putn(o, (uint64_t)(uintptr_t)(m->text + r->addr), 8);
			first = 0;
		} else if (r->addr != addr) {
			putn(o, DW_LNS_advance_pc, 1);
			uleb(o, r->addr - addr);
		}
		addr = r->addr;
		if (r->file != file) {
			putn(o, DW_LNS_set_file, 1);
			uleb(o, r->file);
			file = r->file;
		}
		if (r->line != line) {
			putn(o, DW_LNS_advance_line, 1);
			sleb(o, (int64_t)r->line - (int64_t)line);
			line = r->line;
		}
		putn(o, DW_LNS_copy, 1);
	}
	if (m->textsize > addr) {
		putn(o, DW_LNS_advance_pc, 1);
		uleb(o, m->textsize - addr);
	}
	putn(o, 0, 1);
	uleb(o, 1);
	putn(o, DW_LNE_end_sequence, 1);
	length(o, start);
}

struct sec {
	size_t off, size;
};

static void
shdr(struct out *o, int name, int type, uint64_t flags, uint64_t addr,
	const struct sec *s, int link, int info, uint64_t align_, uint64_t entsize)
{
	putn(o, (uint64_t)name, 4);
	putn(o, (uint64_t)type, 4);
	putn(o, flags, 8);
	putn(o, addr, 8);
	putn(o, s->off, 8);
	putn(o, s->size, 8);
	putn(o, (uint64_t)link, 4);
	putn(o, (uint64_t)info, 4);
	putn(o, align_, 8);
	putn(o, entsize, 8);
}

/* The whole object; returns nothing, o->n is its size. */
static void
build(struct out *o, const struct gdbjit_module *m)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, EV_CURRENT };
	struct sec s[NSEC];
	const uint8_t *end;
	size_t i, str, shoff, info;
	int nsec, k;

	memset(s, 0, sizeof s);
	o->n = EHSIZE;
	/* .symtab: names are laid out in .strtab in the same order */
	s[S_SYMTAB].off = o->n;
	sym(o, 0, 0, 0, 0, 0);
	sym(o, 1, STB_LOCAL << 4 | STT_FILE, SHN_ABS, 0, 0);
	str = 1 + strlen(m->name) + 1;
	for (i = 0; i < m->nfn; i++) {
		end = i + 1 < m->nfn ? m->fn[i + 1].addr : m->text + m->textsize;
		sym(o, (uint32_t)str, STB_GLOBAL << 4 | STT_FUNC, S_TEXT,
			(uint64_t)((const uint8_t *)m->fn[i].addr - m->text),
			(uint64_t)(end - (const uint8_t *)m->fn[i].addr));
		str += strlen(m->fn[i].name) + 1;
	}
	s[S_SYMTAB].size = o->n - s[S_SYMTAB].off;
	s[S_STRTAB].off = o->n;
	putn(o, 0, 1);
	putstr(o, m->name);
	for (i = 0; i < m->nfn; i++)
		putstr(o, m->fn[i].name);
	s[S_STRTAB].size = o->n - s[S_STRTAB].off;
	s[S_SHSTRTAB].off = o->n;
	put(o, shstrtab, sizeof shstrtab);
	s[S_SHSTRTAB].size = sizeof shstrtab;
	nsec = S_SHSTRTAB + 1;
	if (has_lines(m)) {
		s[S_ABBREV].off = o->n;
		put(o, abbrev, sizeof abbrev);
		s[S_ABBREV].size = sizeof abbrev;
		s[S_INFO].off = info = o->n;
		putn(o, 0, 4);
		putn(o, 2, 2);          /* version */
		putn(o, 0, 4);          /* abbrev offset */
		putn(o, 8, 1);          /* address size */
		uleb(o, 1);
		putstr(o, m->name);
		putn(o, (uint64_t)(uintptr_t)m->text, 8);
		putn(o, (uint64_t)(uintptr_t)(m->text + m->textsize), 8);
		putn(o, 0, 4);          /* stmt_list: the one line program */
		length(o, info);
		s[S_INFO].size = o->n - info;
		s[S_LINE].off = o->n;
		line_program(o, m);
		s[S_LINE].size = o->n - s[S_LINE].off;
		nsec = NSEC;
	}
	align(o, 8);
	shoff = o->n;
	shdr(o, 0, 0, 0, 0, &s[S_NULL], 0, 0, 0, 0);
	s[S_TEXT].size = m->textsize;
	shdr(o, shname[S_TEXT], SHT_NOBITS, SHF_ALLOC | SHF_EXECINSTR,
		(uint64_t)(uintptr_t)m->text, &s[S_TEXT], 0, 0, 16, 0);
	shdr(o, shname[S_SYMTAB], SHT_SYMTAB, 0, 0, &s[S_SYMTAB], S_STRTAB, 2, 8, SYMSIZE);
	for (k = S_STRTAB; k < nsec; k++)
		shdr(o, shname[k], k <= S_SHSTRTAB ? SHT_STRTAB : SHT_PROGBITS, 0, 0,
			&s[k], 0, 0, 1, 0);
	/* the header last: now the section table's place is known */
	i = o->n;
	o->n = 0;
	put(o, ident, sizeof ident);
	putn(o, ET_REL, 2);
	putn(o, EM_X86_64, 2);
	putn(o, EV_CURRENT, 4);
	putn(o, 0, 8);                  /* entry */
	putn(o, 0, 8);                  /* phoff */
	putn(o, shoff, 8);
	putn(o, 0, 4);                  /* flags */
	putn(o, EHSIZE, 2);
	putn(o, 0, 2);                  /* phentsize */
	putn(o, 0, 2);                  /* phnum */
	putn(o, SHENTSIZE, 2);
	putn(o, (uint64_t)nsec, 2);
	putn(o, S_SHSTRTAB, 2);
	o->n = i;
}

static void
announce(struct gdbjit_entry *e, int action)
{
	__jit_debug_descriptor.relevant_entry = e;
	__jit_debug_descriptor.action_flag = (uint32_t)action;
	__jit_debug_register_code();
	__jit_debug_descriptor.action_flag = JIT_NOACTION;
}

struct gdbjit_entry *
gdbjit_register(const struct gdbjit_module *m)
{
	struct gdbjit_entry *e;
	struct out o;

	o.p = 0;
	build(&o, m);
	if (!(e = malloc(sizeof *e + o.n)))
		return 0;
	o.p = (uint8_t *)(e + 1);
	build(&o, m);
	e->symfile_addr = (const char *)o.p;
	e->symfile_size = o.n;
	e->prev_entry = 0;
	e->next_entry = __jit_debug_descriptor.first_entry;
	if (e->next_entry)
		e->next_entry->prev_entry = e;
	__jit_debug_descriptor.first_entry = e;
	announce(e, JIT_REGISTER_FN);
	return e;
}

void
gdbjit_unregister(struct gdbjit_entry *e)
{
	if (!e)
		return;
	if (e->prev_entry)
		e->prev_entry->next_entry = e->next_entry;
	else
		__jit_debug_descriptor.first_entry = e->next_entry;
	if (e->next_entry)
		e->next_entry->prev_entry = e->prev_entry;
	announce(e, JIT_UNREGISTER_FN);
	free(e);
}
