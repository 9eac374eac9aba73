/* The assembler's insides, shared by its files; asm.h is the contract
 * with the rest of the JIT. It works like GNU as, in the small: each
 * statement appends bytes to the current section's "fragment"; a jump
 * to a label or an alignment ends the fragment with a variable part
 * whose size is settled later. Once the whole text is read, jumps are
 * relaxed (short first, long when the target is out of rel8 range,
 * repeated until nothing changes), fragments get addresses, and fixups
 * are either resolved in place or turned into relocations exactly where
 * GNU as would emit them.
 *
 *	lex.c        lines, tokens, symbols, expressions, operands; a
 *	             statement is labels, then a directive or an instruction
 *	insn.c       forms[]: mnemonic and operand shapes to encodings
 *	             (amd64/emit.c's omap[] read backwards)
 *	directive.c  dirs[]: directive name to handler; the line table
 *	             rows of .file and .loc (as_locrow)
 *	layout.c     sections as fragments; jump relaxation
 *	output.c     fixups to bytes or relocations, the symbol table,
 *	             the line table's addresses, asm_assemble() and the
 *	             object's accessors
 *
 * Every function that can fail records the error with as_fail() (only the
 * first one counts) and returns -1 (or NULL). What the files share is
 * named as_*: QBE and the kernel link beside the assembler, and QBE has
 * an emit() of its own; the rest stays static, with short names. */
#ifndef JIT_ASM_IMPL_H
#define JIT_ASM_IMPL_H

#include <stdlib.h>
#include <string.h>
#include "asm.h"

typedef unsigned char uchar;

enum { NSYMHASH = 1024 };   /* initial buckets; doubled as symbols come */

/* A fixed set of names (mnemonics, registers, directives) hashed once,
 * on first use, from the array that defines them: a lookup hashes the
 * word and compares one or two candidates instead of walking the array
 * with strcmp. Open addressing; slot holds index + 1, 0 when empty. */
enum { KWSLOTS = 512 };

struct kwtab {
	int ready;
	short slot[KWSLOTS];
	uchar len[KWSLOTS];
};

/* operand kinds */
enum { ONONE, OREG, OXMM, OIMM, OMEM };

enum { RIP = 16 };        /* opnd.reg and opnd.base of %rip */

struct expr {
	int64_t val;
	int sym;          /* -1: plain number */
	int sub;          /* symbol subtracted + 1 (data only), 0: none */
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
	FDIFF,    /* S - S2 + A, both local to the fixup's section */
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
	int region, mark;      /* as_relax(): alignments passed, pass parity */
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
	int len;               /* of name */
	int out;               /* index in the object's symbol table, -1 */
	int line;              /* first reference, for errors */
	struct sym *hnext;
};

/* a row of the line table before layout: .text fragment and offset */
struct lrow {
	int frag;
	size_t off;
	int file, line;
};

struct asm_obj {
	struct asm_section sec[ASM_NSEC];
	uint8_t *buf[ASM_NSEC];
	struct asm_symbol *sym;
	size_t nsym;
	struct asm_reloc *rel;
	size_t nrel, crel;
	struct asm_line *line;
	size_t nline;
	char **file;           /* by .file number; NULL where unassigned */
	size_t nfile;
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
	struct sym **hash;
	int nhash;             /* buckets, a power of 2 */
	struct jit_error *err;
	int failed;
	struct asm_obj *obj;
	int depth;             /* of nested terms: the kernel stack is small */
	int diffok;            /* the expression may be a symbol difference */
	struct lrow *lrow;     /* the line table (directive.c's .loc) */
	int nlrow, clrow;
	int locfile, locline;  /* a .loc waiting for its instruction */
	int cfile;
};

#define GROW(a, arr, n, cap) \
	((arr) = as_grow((arr), &(cap), (n) + 1, sizeof *(arr)))

/* lex.c */
void as_scopy(char *, size_t, const char *);
int as_fail(struct as *, const char *, const char *, int);
void *as_grow(void *, int *, int, size_t);
void as_skipws(struct as *);
int as_peek(struct as *);
int as_accept(struct as *, int);
const char *as_ident(struct as *, int *);
const char *as_symtok(struct as *, int *);
int as_eq(const char *, int, const char *);
unsigned as_hash(const char *, int);
int as_kwlook(struct kwtab *, const char *(*)(int), int, const char *, int);
int as_symlook(struct as *, const char *, int);
int as_expr(struct as *, struct expr *);
int as_operand(struct as *, struct opnd *);
int as_nextline(struct as *, const char **, const char *, char **, size_t *, int *);
int as_statement(struct as *);

/* insn.c */
int as_instruction(struct as *, const char *, int);

/* directive.c */
int as_directive(struct as *, const char *, int);
int as_locrow(struct as *);

/* layout.c */
extern const char *const as_secname[NSEC];
struct sec *as_cursec(struct as *);
struct frag *as_curfrag(struct as *);
int as_newfrag(struct as *, int);
int as_emit(struct as *, const void *, size_t);
int as_emitfill(struct as *, int, size_t);
int as_emitrepeat(struct as *, const uchar *, size_t, size_t);
int as_fixup(struct as *, size_t, int, int, struct expr);
struct frag *as_endfrag(struct as *, int);
int as_align(struct as *, int, int);
size_t as_layout(struct as *, struct sec *);
void as_relax(struct as *, int);

#endif
