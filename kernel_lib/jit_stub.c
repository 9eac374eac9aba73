/* jit_stub.c - stand-in for jit_run_payload in images built without the
 * JIT: jit/ provides the strong definition when the recipe enables it. */
#include "ktest.h"

__attribute__((weak)) void jit_run_payload(struct ktest *t, const char *name,
					   const char *il, size_t len)
{
	kt_check(t, 0, "JIT available");
	kt_skip(t, "no JIT in this image");
}
