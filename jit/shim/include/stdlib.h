/* stdlib for QBE: the shim's tracking heap, error exit and qsort. */
#ifndef SHIM_STDLIB_H
#define SHIM_STDLIB_H

#include <stddef.h>
#include "../shim.h"

#define malloc shim_malloc
#define calloc shim_calloc
#define realloc shim_realloc
#define free shim_free
#define exit shim_exit
#define abort shim_abort
#define qsort shim_qsort
#define strtod shim_strtod
#define strtof shim_strtof

int abs(int x);
long labs(long x);

#endif
