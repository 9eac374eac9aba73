/* AArch64 assembler for exactly the text QBE's arm64 back end emits.
 * Text in, the same in-memory relocatable object as the x86-64
 * assembler (struct asm_obj, read with asm.h's accessors and freed with
 * asm_free): four sections, a symbol table, ELF-style RELA relocations
 * with the ELF AArch64 type numbers. The bytes and relocation records
 * are the ones GNU as (binutils 2.40, aarch64-linux-gnu-as) produces for
 * the same text; tests/test_asm_oracle_a64.py holds us to that.
 *
 *	struct asm_obj *o;
 *	struct jit_error err;
 *	if (asm_a64_assemble(text, len, "fib.s", &o, &err) != 0)
 *		... err.file, err.line, err.msg ...
 *	asm_free(o);
 *
 * Branches to labels of the same section are resolved here, with range
 * checks (b/bl: +-128 MiB, b.cond/cbz: +-1 MiB); everything else that
 * names a symbol becomes a relocation, against the symbol when it is
 * global or undefined, against its section otherwise (as GNU as does).
 * Anything the assembler does not know is an error naming the line. */
#ifndef JIT_ASM_A64_H
#define JIT_ASM_A64_H

#include <stddef.h>
#include <stdint.h>
#include "../asm.h"

/* ELF AArch64 relocation types (asm_reloc.type) */
enum {
	R_AARCH64_ABS64 = 257,
	R_AARCH64_ABS32 = 258,
	R_AARCH64_ABS16 = 259,
	R_AARCH64_PREL64 = 260,
	R_AARCH64_PREL32 = 261,
	R_AARCH64_ADR_PREL_PG_HI21 = 275,
	R_AARCH64_ADD_ABS_LO12_NC = 277,
	R_AARCH64_LDST8_ABS_LO12_NC = 278,
	R_AARCH64_CONDBR19 = 280,
	R_AARCH64_JUMP26 = 282,
	R_AARCH64_CALL26 = 283,
	R_AARCH64_LDST16_ABS_LO12_NC = 284,
	R_AARCH64_LDST32_ABS_LO12_NC = 285,
	R_AARCH64_LDST64_ABS_LO12_NC = 286,
	R_AARCH64_LDST128_ABS_LO12_NC = 299,
};

int asm_a64_assemble(const char *text, size_t len, const char *name,
	struct asm_obj **out, struct jit_error *err);

/* "R_AARCH64_CALL26" etc., "?" for a number we do not emit. */
const char *asm_a64_reloc_name(int type);

/* Apply one relocation to code or data the loader placed: where is the
 * patched location's address (P), s_plus_a the target's address plus
 * addend (S + A). Returns 0, or -1 when the value is out of the
 * relocation's range (a branch farther than 128 MiB, a page farther
 * than 4 GiB) or the type is unknown. The caller does the instruction
 * cache maintenance once all relocations are applied. */
int asm_a64_apply(int type, uint8_t *where, uint64_t p, uint64_t s_plus_a);

#endif
