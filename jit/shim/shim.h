/* The libc shim QBE runs on: memory-backed streams, a tracking heap,
 * float parsing, qsort and an error exit. QBE's sources see it through
 * the headers in include/ (compiled with -I jit/shim/include), which
 * map the libc names QBE uses onto the shim_* names below; so the shim
 * never collides with a real libc (the host) or with kernel_lib (which
 * provides printf, malloc, vsnprintf ... by their standard names). */
#ifndef JIT_SHIM_H
#define JIT_SHIM_H

#include <stdarg.h>
#include <stddef.h>

#define SHIM_EOF (-1)

/* A stream reads from a fixed buffer or appends to a growable one. */
struct shim_file {
	const char *in;
	size_t inlen, inpos;
	char *out;         /* NUL terminated while open; malloc'd */
	size_t outlen, outcap;
};

void shim_open_input(struct shim_file *f, const char *buf, size_t len);
void shim_open_output(struct shim_file *f);
/* Hand over the output text (NUL terminated, free() it) and reset f. */
char *shim_take_output(struct shim_file *f, size_t *len);
void shim_close(struct shim_file *f);

extern struct shim_file *shim_stderr;

int shim_fgetc(struct shim_file *f);
int shim_ungetc(int c, struct shim_file *f);
int shim_fscanf(struct shim_file *f, const char *fmt, ...);
int shim_fputc(int c, struct shim_file *f);
int shim_fputs(const char *s, struct shim_file *f);
int shim_fprintf(struct shim_file *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int shim_vfprintf(struct shim_file *f, const char *fmt, va_list ap);

/* Heap for QBE: every block is on a list, so whatever QBE still holds
 * when a compile ends (normally or by an error exit) can be freed. */
void *shim_malloc(size_t n);
void *shim_calloc(size_t n, size_t size);
void *shim_realloc(void *p, size_t n);
void shim_free(void *p);
size_t shim_heap_live(void);      /* blocks currently allocated */
void shim_heap_release(void);     /* free them all */

/* Stable merge sort (glibc's qsort is stable for the sizes QBE sorts,
 * and stock qbe's output depends on the order of equal elements). */
void shim_qsort(void *base, size_t n, size_t size,
	int (*cmp)(const void *, const void *));

/* Correctly rounded decimal (and hex) to binary conversion, the
 * strtod/strtof grammar without locale. */
double shim_strtod(const char *s, char **end);
float shim_strtof(const char *s, char **end);

/* Error exit. shim_try runs fn(arg); if QBE calls exit, abort, die or
 * fails an assertion meanwhile, control comes back here (the message
 * is in shim_stderr) and shim_try returns -1 instead of 0. */
int shim_try(void (*fn)(void *), void *arg);
__attribute__((noreturn)) void shim_exit(int status);
__attribute__((noreturn)) void shim_abort(void);
__attribute__((noreturn)) void shim_assert_fail(const char *expr,
	const char *file, int line);
/* printf to shim_stderr, then exit: for the shim's own failures. */
__attribute__((noreturn)) void shim_fail(const char *fmt, ...);

#endif
