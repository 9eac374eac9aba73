/* What the C twins may use besides arithmetic: the same four C library
 * functions the IL programs call, declared here because the twins build
 * both in the kernel (no libc headers) and on the host. */
#ifndef BENCH_TWIN_H
#define BENCH_TWIN_H

#include <stddef.h>

void *malloc(size_t size);
void free(void *p);
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

#endif
