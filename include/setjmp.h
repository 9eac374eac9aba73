/* setjmp.h for C compiled to JIT payloads (jit/libc/setjmp.c): the
 * registers the ABI preserves, the stack pointer and the return address
 * (x86-64: 8 words; aarch64: x19-x30, sp and d8-d15, 21 words and one
 * to keep it 16-byte sized).  Locals changed between setjmp and longjmp must be volatile,
 * as C says. */
#ifndef JITBOOT_SETJMP_H
#define JITBOOT_SETJMP_H

#ifdef __aarch64__
typedef long jmp_buf[22];
#else
typedef long jmp_buf[8];
#endif

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __attribute__((noreturn));

#endif
