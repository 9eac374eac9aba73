/* The C library of JIT'd code (jit/exports.txt names it, include/ declares
 * it to C payloads).  One implementation for the kernel and the host twin:
 * every function is named lc_NAME here, and the export table maps NAME to
 * it, so jitrun links ours beside glibc without either replacing the
 * other, and a program prints the same in both places.
 *
 * The library touches nothing outside its arguments and its own state but
 * through the hooks at the end of this file, which the kernel implements
 * in kernel_lib/libc_kernel.c and the host in jit/host/libc_host.c.  So it
 * can run inside a payload's own mappings once payloads are isolated: it
 * reads and writes only memory the payload handed it. */
#ifndef JIT_LIBC_H
#define JIT_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A stream: stdout and stderr write through lc_write; a file opened for
 * reading is a whole data file in memory. */
typedef struct lc_file {
	int fd;                 /* 1 or 2 for output, -1 for an input file */
	const char *buf;        /* input: the file's bytes */
	size_t len, pos;
	int eof, err;
	int ungot;              /* a byte ungetc pushed back, or -1 */
	void *owned;            /* what lc_data_open gave to free at fclose */
} LC_FILE;

extern LC_FILE *lc_stdout, *lc_stderr;

/* jmp_buf of JIT'd code: rbx, rbp, r12-r15, rsp, return address; on
 * AArch64 x19-x30, sp, d8-d15 (setjmp.c). */
#if defined(__aarch64__)
typedef long lc_jmp_buf[21];
#else
typedef long lc_jmp_buf[8];
#endif

/* Formatting and streams (stdio.c) */
int lc_vfprintf(LC_FILE *f, const char *fmt, va_list ap);
int lc_fprintf(LC_FILE *f, const char *fmt, ...);
int lc_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int lc_fputc(int c, LC_FILE *f);
int lc_fputs(const char *s, LC_FILE *f);
size_t lc_fwrite(const void *p, size_t size, size_t n, LC_FILE *f);
int lc_fflush(LC_FILE *f);
LC_FILE *lc_fopen(const char *path, const char *mode);
int lc_fgetc(LC_FILE *f);
int lc_fclose(LC_FILE *f);

/* Conversions (stdlib.c, scanf.c) */
long lc_strtol(const char *s, char **end, int base);
unsigned long long lc_strtoull(const char *s, char **end, int base);
long long lc_strtoll(const char *s, char **end, int base);
double lc_strtod(const char *s, char **end);
float lc_strtof(const char *s, char **end);
int lc_vsscanf(const char *s, const char *fmt, va_list ap);
int lc_isspace(int c);

/* Hooks: what the library needs from where it runs. */

/* Write n bytes to stdout (fd 1) or stderr (fd 2), in order with each
 * other. */
void lc_write(int fd, const char *s, size_t n);
/* The bytes of the data file path names, or -1 when there is none:
 * in the kernel a data module of that base name, on the host the file.
 * *owned is what lc_data_close must free (NULL when nothing). */
int lc_data_open(const char *path, const char **buf, size_t *len, void **owned);
void lc_data_close(void *owned);
/* End the payload: exit(status), or abort() (which fails it with
 * "abort called"). */
__attribute__((noreturn)) void lc_exit_hook(int status);
__attribute__((noreturn)) void lc_abort_hook(void);

/* From the platform: the TSC and its rate (kernel_lib/tsc.c, the host's
 * platform_host.c), the heap and the few mem* functions whose results
 * C fixes exactly (kernel_lib or glibc). */
uint64_t rdtsc(void);
uint64_t tsc_hz(void);
void *malloc(size_t n);
void free(void *p);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *lc_memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
int kfmt(void (*emit)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);
double shim_strtod(const char *s, char **end);
float shim_strtof(const char *s, char **end);

#endif
