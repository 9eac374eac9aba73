/* Host twin set-up (jit/host/): what jitrun.c needs from platform_host.c. */
#ifndef JIT_HOST_H
#define JIT_HOST_H

#include <stddef.h>

/* Map the JIT arena near the program text. Returns 0, or -1. */
int host_arena_init(size_t size);

/* The same 8 GiB above the text, out of reach of calls to the program's
 * functions: the loader's range errors, for tests. */
int host_arena_init_far(size_t size);

#endif
