/*
 * klib.h - the C library subset the kernel provides, with standard names and
 * prototypes so that JIT-compiled code and QBE's libc shim can call it as
 * they would call libc.  Kernel-only services are in kernel.h.
 */
#ifndef KLIB_H
#define KLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Formatting core shared by printf, snprintf and the shim's FILE streams:
 * calls emit(ctx, c) for each output character and returns their count.
 * Conversions: d i u x X o c s p % f F e E g G, flags -+ #0 and space,
 * width and precision (also *), lengths hh h l ll z j t L.  Floating point
 * is converted exactly and rounded half-to-even, as glibc does (%L reads a
 * long double but formats it as a double).  Precision is capped at 500. */
int kfmt(void (*emit)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

/* stdout is COM1.  While a kernel test runs, each stdout line becomes a
 * "# " diagnostic line of that test (see ktest.h). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int puts(const char *s);
int putchar(int c);

/* Heap over [JB_HEAP_ADDR, +JB_HEAP_SIZE): 16-byte aligned blocks,
 * free blocks coalesce.  malloc(0) returns a unique pointer. */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
int abs(int x);
long labs(long x);
int atoi(const char *s);
double sqrt(double x);			/* kernel_lib/libm.c */
void abort(void) __attribute__((noreturn));
void exit(int status) __attribute__((noreturn));

#endif
