/* x86-64 assembler for exactly the AT&T dialect QBE's amd64 back end
 * emits. Text in, an in-memory relocatable object out: four sections,
 * a symbol table and ELF-style RELA relocations. The bytes and the
 * relocation records are the ones GNU as (binutils 2.40) produces for
 * the same text; tests/test_asm_oracle.py holds us to that.
 *
 *	struct asm_obj *o;
 *	struct jit_error err;
 *	if (asm_assemble(text, len, "fib.s", &o, &err) != 0)
 *		... err.file, err.line, err.msg ...
 *	jit_load(o, &img, &err);
 *	asm_free(o);
 *
 * Anything the assembler does not know (mnemonic, operand form,
 * directive, section) is an error naming the line, never guessed bytes. */
#ifndef JIT_ASM_H
#define JIT_ASM_H

#include <stddef.h>
#include <stdint.h>
#include "jit_error.h"

/* Sections, in the order the loader lays them out. */
enum {
	ASM_TEXT,
	ASM_RODATA,
	ASM_DATA,
	ASM_BSS,
	ASM_NSEC,

	ASM_UNDEF = -1,   /* asm_symbol.sec of a symbol defined elsewhere */
	ASM_COMMON = -2,  /* .comm symbol: value = alignment, size = size */
};

/* Relocation types: the ELF x86-64 numbers, so dumps compare with readelf. */
enum {
	R_X86_64_64 = 1,     /* S + A, 8 bytes */
	R_X86_64_PC32 = 2,   /* S + A - P, 4 bytes signed */
	R_X86_64_PLT32 = 4,  /* L + A - P, 4 bytes; we use S for L (no PLT) */
	R_X86_64_32 = 10,    /* S + A, 4 bytes, zero-extends */
	R_X86_64_32S = 11,   /* S + A, 4 bytes, sign-extends */
};

enum {
	ASM_STT_NOTYPE,
	ASM_STT_OBJECT,
	ASM_STT_FUNC,
};

struct asm_section {
	const char *name;     /* ".text", ".rodata", ".data", ".bss" */
	const uint8_t *data;  /* size bytes; NULL for .bss (all zero) */
	size_t size;
	size_t align;         /* largest alignment requested, at least 1 */
};

/* A symbol the object defines or references. Local labels (.L...) are
 * not in the table: like GNU as, references to them and to other local
 * symbols become section-relative relocations. */
struct asm_symbol {
	const char *name;
	int sec;              /* ASM_TEXT.. or ASM_UNDEF / ASM_COMMON */
	uint64_t value;       /* offset in sec (alignment for ASM_COMMON) */
	uint64_t size;        /* from .size / .comm, 0 if not given */
	int global;           /* .globl was seen */
	int type;             /* ASM_STT_* from .type */
};

/* Patch the bytes at sec:offset with the value of the target plus addend.
 * The target is symbol sym (an index for asm_symbol()), or when sym < 0
 * the start of section tsec. */
struct asm_reloc {
	int sec;
	uint64_t offset;
	int type;             /* R_X86_64_* */
	int sym;              /* symbol index, or -1 for section-relative */
	int tsec;             /* target section when sym < 0 */
	int64_t addend;
};

/* One row of the line table that .file and .loc make: the code from
 * addr (an offset in .text) up to the next row's addr comes from line
 * of file. Rows are the ones GNU as writes to .debug_line, in address
 * order (a .loc followed by another before any instruction gives a row
 * too, at the same address: the later row wins). */
struct asm_line {
	uint32_t addr;
	uint32_t line;        /* 1-based */
	uint32_t file;        /* index for asm_file() */
};

struct asm_obj;

/* Assemble text[0..len) (no NUL terminator needed). name is used as the
 * file name in errors. Returns 0 and sets *out, or -1 with *out NULL and
 * *err filled (line = 1-based line of the offending statement). */
int asm_assemble(const char *text, size_t len, const char *name,
	struct asm_obj **out, struct jit_error *err);

/* Free the object and everything it owns. o may be NULL. */
void asm_free(struct asm_obj *o);

/* Section sec (ASM_TEXT..ASM_BSS); never NULL, size may be 0. */
const struct asm_section *asm_section(const struct asm_obj *o, int sec);

size_t asm_nsym(const struct asm_obj *o);
const struct asm_symbol *asm_symbol(const struct asm_obj *o, size_t i);

/* Relocations of all sections, sorted by (sec, offset). */
size_t asm_nreloc(const struct asm_obj *o);
const struct asm_reloc *asm_reloc(const struct asm_obj *o, size_t i);

/* The line table (empty without .loc), and the file names its rows
 * refer to: asm_file(o, n) is what ".file n" named ("prog.c", without
 * the quotes), or NULL for a number no .file assigned. */
size_t asm_nline(const struct asm_obj *o);
const struct asm_line *asm_line(const struct asm_obj *o, size_t i);
size_t asm_nfile(const struct asm_obj *o);
const char *asm_file(const struct asm_obj *o, size_t i);

/* "R_X86_64_PC32" etc., for dumps and error messages. */
const char *asm_reloc_name(int type);

#endif
