/* stdio for QBE: memory streams from the shim (jit/shim/shim.h). */
#ifndef SHIM_STDIO_H
#define SHIM_STDIO_H

#include <stdarg.h>
#include <stddef.h>
#include "../shim.h"

typedef struct shim_file FILE;

#define EOF SHIM_EOF
#define stderr shim_stderr
#define fgetc shim_fgetc
#define getc shim_fgetc
#define ungetc shim_ungetc
#define fscanf shim_fscanf
#define fputc shim_fputc
#define putc shim_fputc
#define fputs shim_fputs
#define fprintf shim_fprintf
#define vfprintf shim_vfprintf

/* Plain string formatting: kernel_lib (kfmt) in the kernel, libc on the host. */
int sprintf(char *buf, const char *fmt, ...);
int snprintf(char *buf, size_t n, const char *fmt, ...);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#endif
