/* Isolated payloads ([run] isolation = "user", jit/kernel/isolate.c):
 * what the payload runner (ktest_jit.c) uses. */
#ifndef JIT_KERNEL_ISOLATE_H
#define JIT_KERNEL_ISOLATE_H

#include <stddef.h>
#include <stdint.h>

struct jit_module;

enum { ISOLATION_REFUSAL_MAX = 200 };

/* The export table of isolated payloads (jit_options.exports): the
 * user-mode library copy's entries (gen/exports.c). */
void *jit_export_lookup_user(const char *name);
void *isolation_exports(const char *name);
/* The export whose entry is addr in that table, or NULL. */
const char *jit_export_user_name(const void *addr);

/* Run entry(argc, argv) of module m at ring 3 on [stack, stack + size)
 * under the watchdog; never returns: the end comes back through the
 * caller's catch point (trap_catch), 2 with the status when main
 * returned or exit() was called, 1 on a fault or a timeout.  argv's
 * strings are copied onto the stack. */
void isolation_run(struct jit_module *m, int (*entry)(int, char **), int argc, char **argv,
	char *stack, size_t size) __attribute__((noreturn));
/* After the catch point returned, whichever way: close every user
 * mapping of the run and free the payload's heap. */
void isolation_end(void);
/* Why the gate ended the run ("" when it did not): a pointer argument
 * that is not the payload's memory, named with its service or export. */
extern char isolation_refusal[ISOLATION_REFUSAL_MAX];
/* Was addr in the memory the last run had open to ring 3? */
int isolation_was_open(uint64_t addr);
/* Is pc in the user-mode library copy's code? */
int isolation_user_code(uint64_t pc);

#endif
