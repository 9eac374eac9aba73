/* The gate between an isolated payload (ring 3) and the kernel: the
 * services, shared by the kernel's side (jit/kernel/isolate.c) and the
 * user-mode library's (jit/user/user.c).  int $0x80 (TRAP_GATE in
 * kernel.h) with the service in rax, its arguments in rdi, rsi, rdx and
 * the result in rax.  Every pointer argument is checked against the
 * payload's user pages; one that is not the payload's ends it, refused
 * with the service and the argument named. */
#ifndef JIT_USER_GATE_H
#define JIT_USER_GATE_H

enum gate_service {
	GATE_WRITE,		/* (fd, buf, n): n bytes of buf to the payload's output */
	GATE_EXIT,		/* (status): main returned or exit(status) */
	GATE_ABORT,		/* (): abort() */
	GATE_TSC_HZ,		/* (): the TSC's rate, 0 when unknown */
	GATE_HEAP,		/* (out): out[0], out[1] = the payload's heap pages and their size */
	GATE_DATA_SIZE,		/* (path): the size of data file path, -1 if none */
	GATE_DATA_READ,		/* (path, buf, n): its first n bytes into buf */
	GATE_REFUSE,		/* (code, value): an export's pointer argument is not the payload's */
	GATE_COUNT
};

/* The address ranges ju_ptr_check accepts: the payload's module, stack,
 * heap, and the library copy, written by the kernel before each run. */
enum { USER_MAXRANGES = 8 };

#endif
