/* What the payload runner (ktest_jit.c) shares with the library hooks
 * (libc_kernel.c). */
#ifndef JIT_KERNEL_PAYLOAD_H
#define JIT_KERNEL_PAYLOAD_H

enum { PAYLOAD_MAXARGS = 64 };

/* Set by abort(): the payload fails with "abort called". */
extern int payload_aborted;

/* Fill argv (max entries, NULL-terminated) for payload name; returns argc. */
int payload_argv(const char *name, char **argv, int max);

#endif
