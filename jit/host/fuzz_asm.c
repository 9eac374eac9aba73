/* libFuzzer target: assembly text (the dialect QBE emits) through our
 * assembler and, when it assembles, the loader.  Reaches assembler paths
 * QBE's output never takes.  Inputs that found bugs live in
 * tests/fuzz/regressions/asm/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "asm.h"
#include "loader.h"
#include "host.h"

enum { ARENA_SIZE = 64 << 20 };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (host_arena_init(ARENA_SIZE) != 0) {
		fprintf(stderr, "fuzz_asm: cannot map the JIT arena near the program text\n");
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asm_obj *o;
	struct jit_image *img;
	struct jit_error err = {0};

	if (asm_assemble((const char *)data, size, "fuzz.s", &o, &err) != 0)
		return 0;
	if (jit_load(o, &img, &err) == 0)
		jit_unload(img);
	asm_free(o);
	return 0;
}
