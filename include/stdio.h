/* stdio.h for C compiled to JIT payloads: what jit/exports.txt exports
 * (the payload library, jit/libc/).  stdout and stderr are the serial
 * console in the kernel (one stream, in the order written), the process's
 * under jitrun.  Files are read-only: in the kernel the data files given
 * with `doit jit-run data=...` or [run] data, found by base name; under
 * jitrun the file system.  There is no standard input. */
#ifndef JITBOOT_STDIO_H
#define JITBOOT_STDIO_H
#include <stddef.h>
#include <stdarg.h>

typedef struct lc_file FILE;

#define EOF (-1)
#define BUFSIZ 1024
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

extern FILE *stdout;
extern FILE *stderr;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *fmt, va_list ap);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int vsprintf(char *buf, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);
int fputs(const char *s, FILE *f);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
int fflush(FILE *f);

FILE *fopen(const char *path, const char *mode);     /* "r" or "rb" only */
int fclose(FILE *f);
size_t fread(void *p, size_t size, size_t n, FILE *f);
char *fgets(char *s, int n, FILE *f);
int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);                                  /* always EOF */
int ungetc(int c, FILE *f);
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
long ftell(FILE *f);
int fseek(FILE *f, long off, int whence);
void rewind(FILE *f);

int sscanf(const char *s, const char *fmt, ...) __attribute__((format(scanf, 2, 3)));
int vsscanf(const char *s, const char *fmt, va_list ap);

#endif
