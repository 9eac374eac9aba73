/* stdlib.h for C compiled to JIT payloads: what jit/exports.txt exports
 * (the payload library, jit/libc/).  exit(status) ends the payload as
 * `return status` from main would; abort() ends it failed ("abort
 * called"), in the kernel without stopping it. */
#ifndef JITBOOT_STDLIB_H
#define JITBOOT_STDLIB_H
#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 0x7fffffff

typedef struct { int quot, rem; } div_t;
typedef struct { long quot, rem; } ldiv_t;
typedef struct { long long quot, rem; } lldiv_t;

void *malloc(size_t n);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

int abs(int x);
long labs(long x);
long long llabs(long long x);
div_t div(int a, int b);
ldiv_t ldiv(long a, long b);
lldiv_t lldiv(long long a, long long b);

int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
double atof(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
double strtod(const char *s, char **end);          /* correctly rounded */
float strtof(const char *s, char **end);

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size,
	int (*cmp)(const void *, const void *));

/* The same sequence in the kernel and under jitrun (not glibc's). */
int rand(void);
void srand(unsigned seed);

void abort(void) __attribute__((noreturn));
void exit(int status) __attribute__((noreturn));

#endif
