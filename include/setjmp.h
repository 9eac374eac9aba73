/* setjmp.h for C compiled to JIT payloads (jit/libc/setjmp.c): the
 * registers the SysV ABI preserves, the stack pointer and the return
 * address.  Locals changed between setjmp and longjmp must be volatile,
 * as C says. */
#ifndef JITBOOT_SETJMP_H
#define JITBOOT_SETJMP_H

#if defined(__aarch64__)
typedef long jmp_buf[21];      /* x19-x30, sp, d8-d15 */
#else
typedef long jmp_buf[8];
#endif

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __attribute__((noreturn));

#endif
