/* stdlib.h for C compiled to JIT payloads: what jit/exports.txt exports.
 * abort() ends the payload as a fault (in the kernel: a contained #UD). */
#ifndef JITBOOT_STDLIB_H
#define JITBOOT_STDLIB_H
#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t n);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
int abs(int x);
long labs(long x);
int atoi(const char *s);
void abort(void) __attribute__((noreturn));
/* In the kernel, exit(status) ends the payload's main as `return status` would. */
void exit(int status) __attribute__((noreturn));

#endif
