/* The few standard functions the shim itself builds on, declared here
 * because the kernel build has no libc headers: kernel_lib provides
 * them in the kernel, libc on the host. */
#ifndef JIT_SHIM_LIBC_H
#define JIT_SHIM_LIBC_H

#include <stdarg.h>
#include <stddef.h>

void *malloc(size_t n);
void *realloc(void *p, size_t n);
void free(void *p);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int snprintf(char *buf, size_t n, const char *fmt, ...);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#endif
