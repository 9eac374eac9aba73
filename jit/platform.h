/* Platform hooks: the only things the JIT needs from whatever it runs in.
 * The kernel implements them in jit/platform_kernel.c, the host twin in
 * jit/host/platform_host.c. Everything else the JIT uses is plain C
 * (malloc, memcpy, ...) by standard names. */
#ifndef JIT_PLATFORM_H
#define JIT_PLATFORM_H

#include <stddef.h>

enum {
	JIT_PROT_R = 1,
	JIT_PROT_W = 2,
	JIT_PROT_X = 4,
};

/* Writable memory for code and data of loaded modules, placed within
 * +-2 GiB of the kernel (or program) text so rel32 calls and RIP-relative
 * references to exported symbols reach (on AArch64 within +-128 MiB: bl
 * reaches that far, and the loader makes no veneers). size is rounded up to whole
 * pages; align is a power of two (at least the page size is guaranteed).
 * Returns NULL when the arena is exhausted. */
void *jit_arena_alloc(size_t size, size_t align);

/* Return [p, p+size) to the arena; size is what was passed to
 * jit_arena_alloc. Protections are reset to read-write by the arena. */
void jit_arena_free(void *p, size_t size);

/* Set page protections on [addr, addr+len) (page aligned): a mask of
 * JIT_PROT_*. Returns 0 on success, -1 on failure. */
int jit_protect(void *addr, size_t len, int prot);

/* Make the code just written to [p, p+len) visible to instruction
 * fetch (the loader calls it once the relocations are applied, before
 * sealing). x86-64 keeps instruction fetch coherent with stores, so
 * there it is nothing. AArch64 does not: the data cache must be cleaned
 * to the point of unification and the instruction cache invalidated
 * over the range; the host twin has __builtin___clear_cache do it
 * (jit/host/platform_host.c), the kernel jit/arch_a64_cache.c. */
#if defined(__aarch64__)
void jit_sync_code(void *p, size_t len);
#else
static inline void
jit_sync_code(void *p, size_t len)
{
	(void)p;
	(void)len;
}
#endif

/* Address of a symbol JIT'd code may call or reference (printf, malloc,
 * ...), or NULL if unknown. */
void *jit_export_lookup(const char *name);

/* The ABI classes of an exported function's return and parameters
 * (jitboot/ffi.py) and its C prototype, for the typed FFI check
 * (jit/passes/ffi.c); NULL for data and names not exported. */
const char *jit_export_abi(const char *name, const char **proto);

#endif
