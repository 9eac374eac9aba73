/* inttypes for QBE: the PRI* macros for x86-64 (LP64). */
#ifndef SHIM_INTTYPES_H
#define SHIM_INTTYPES_H

#include <stdint.h>

#define PRId32 "d"
#define PRIi32 "i"
#define PRIu32 "u"
#define PRIx32 "x"
#define PRId64 "ld"
#define PRIi64 "li"
#define PRIu64 "lu"
#define PRIx64 "lx"

#endif
