/* stdio.h for C compiled to JIT payloads: what jit/exports.txt exports.
 * stdout is the serial console in the kernel, the terminal under jitrun. */
#ifndef JITBOOT_STDIO_H
#define JITBOOT_STDIO_H
#include <stddef.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int puts(const char *s);
int putchar(int c);

#endif
