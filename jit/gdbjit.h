/* gdb's JIT interface: tell a debugger about each loaded module, so
 * that gdb names JIT'd functions in backtraces, stops at breakpoints on
 * them (pending ones too: `break fib` before fib is compiled) and shows
 * their source lines. The loader calls these; nothing else needs to.
 *
 *	e = gdbjit_register(&m);      // after the module is sealed
 *	...
 *	gdbjit_unregister(e);         // before its memory is freed
 *
 * Each module is described to gdb as a small ELF object in memory (the
 * protocol of the gdb manual, "JIT Compilation Interface"): .text as
 * SHT_NOBITS at the loaded address, every function of the module an
 * STT_FUNC symbol in .symtab, and, when the IL carried dbgfile/dbgloc,
 * a one-unit .debug_info with the module's line table in .debug_line.
 * gdb reads it from the process (jitrun) or through QEMU's gdb stub
 * (the kernel) when it stops on __jit_debug_register_code. Without a
 * debugger attached, registering costs one allocation and a copy of
 * the names. */
#ifndef JIT_GDBJIT_H
#define JIT_GDBJIT_H

#include <stddef.h>
#include <stdint.h>

/* The loader's records of a loaded module, shared with the symbol file:
 * a function (or any symbol: name and address) ... */
struct jit_sym {
	char *name;
	void *addr;
};

/* ... and a line table row: the code from text + addr on comes from
 * line of file number file. 8 bytes; the loader drops a row that does
 * not fit. */
struct jit_row {
	uint32_t addr;
	uint32_t line : 24, file : 8;
};

enum { JIT_ROW_MAXLINE = (1 << 24) - 1, JIT_ROW_MAXFILE = 255 };

struct gdbjit_module {
	const char *name;              /* the IL file's name, "" if none */
	const uint8_t *text;
	size_t textsize;
	const struct jit_sym *fn;      /* the functions, by address */
	size_t nfn;
	const struct jit_row *line;    /* by address */
	size_t nline;
	const char *const *file;       /* by .file number, NULL if none */
	size_t nfile;
};

struct gdbjit_entry;

/* Build m's symbol file and announce it. Returns the entry to pass to
 * gdbjit_unregister, or NULL when out of memory (the module is then
 * just invisible to gdb). */
struct gdbjit_entry *gdbjit_register(const struct gdbjit_module *m);

/* Withdraw and free an entry. e may be NULL. */
void gdbjit_unregister(struct gdbjit_entry *e);

#endif
