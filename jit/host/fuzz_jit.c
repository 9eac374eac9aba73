/* libFuzzer target: IL text through the whole JIT (QBE on the shim,
 * assembler, loader), as jit_compile runs in the kernel.  The code is
 * loaded, never run: a fuzzed program may do anything.
 *
 * Anything but an error return or a module is a bug: a crash, a hang,
 * a leak or a sanitizer report.  Built by jitboot/fuzz.py, run by
 * `doit fuzz`; inputs that found bugs live in tests/fuzz/regressions/jit/.
 * Counts how deep each execution gets (fuzz_stages.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "jit.h"
#include "host.h"
#define FUZZ_STAGE_WRAPS
#include "fuzz_stages.h"

enum { ARENA_SIZE = 64 << 20 };

static const char *const names[] = {ST_JIT_NAMES};
static unsigned long counts[ST_JIT_N];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (host_arena_init(ARENA_SIZE) != 0) {
		fprintf(stderr, "fuzz_jit: cannot map the JIT arena near the program text\n");
		exit(1);
	}
	stage_init("jit", names, counts, ST_JIT_N);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jit_module *m;
	struct jit_error err;

	if (jit_compile((const char *)data, size, "fuzz.ssa", &m, &err) == 0)
		jit_symbol(m, "main");
	jit_release(m);
	stage_end();
	return 0;
}
