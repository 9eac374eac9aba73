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
#include "fuzz_stages.h"

enum { ARENA_SIZE = 64 << 20 };

/* Stages (fuzz_stages.h): the assembler accepted the text; the loader
 * loaded it. */
enum { ST_ASSEMBLED, ST_ALOADED, ST_ASM_N };
static const char *const names[] = {"assembled", "loaded"};
static unsigned long counts[ST_ASM_N];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (host_arena_init(ARENA_SIZE) != 0) {
		fprintf(stderr, "fuzz_asm: cannot map the JIT arena near the program text\n");
		exit(1);
	}
	stage_init("asm", names, counts, ST_ASM_N);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asm_obj *o;
	struct jit_image *img;
	struct jit_error err = {0};

	if (asm_assemble((const char *)data, size, "fuzz.s", &o, &err) == 0) {
		stage_hit(ST_ASSEMBLED);
		if (jit_load(o, &img, &err) == 0) {
			stage_hit(ST_ALOADED);
			jit_unload(img);
		}
		asm_free(o);
	}
	stage_end();
	return 0;
}
