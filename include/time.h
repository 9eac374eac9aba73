/* time.h for C compiled to JIT payloads: clock() from the TSC
 * (jit/libc/setjmp.c), microseconds since the program's first call. */
#ifndef JITBOOT_TIME_H
#define JITBOOT_TIME_H

typedef long clock_t;
#define CLOCKS_PER_SEC 1000000L

clock_t clock(void);

#endif
