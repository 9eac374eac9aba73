/* Error report shared by every stage of the JIT (QBE front end, assembler,
 * loader). A stage that fails fills one of these and returns non-zero;
 * nothing in the JIT prints on its own. */
#ifndef JIT_ERROR_H
#define JIT_ERROR_H

struct jit_error {
	char file[64];   /* input name ("fib.ssa", "<asm>"), may be empty */
	int line;        /* 1-based line in that input, 0 if unknown */
	char msg[200];   /* one line, no trailing newline */
	char symbol[128]; /* the symbol the error is about (an undefined
	                   * one: "undefined symbol 'NAME'" has NAME here,
	                   * whole up to 127 bytes), or empty */
};

#endif
