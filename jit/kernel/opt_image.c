/* The image recipe's choice of JIT passes ([features] jit_passes),
 * which jit_compile() applies unless jit_set_passes() was called. */
#include "config.h"

const char jit_image_passes[] = JB_JIT_PASSES;
