/* Loader: places an assembled object (jit/asm.h) in the JIT arena,
 * resolves its relocations against itself and the export table, and
 * seals it W^X: text read+execute, rodata read-only, data and bss
 * read-write. Memory comes from the platform hooks in jit/platform.h.
 *
 *	struct jit_image *img;
 *	if (jit_load(obj, &img, &err) != 0) ... err.msg ...
 *	asm_free(obj);                  // the image keeps no pointer into obj
 *	long (*f)(long) = (long (*)(long))jit_image_symbol(img, "fib");
 *	jit_unload(img);
 */
#ifndef JIT_LOADER_H
#define JIT_LOADER_H

#include <stddef.h>
#include "jit_error.h"
#include "jit.h"
#include "asm.h"

struct jit_image;

/* Load o. Layout is text, rodata, data, bss (common symbols go at the end
 * of bss), then o's line table if it has one (read-only), each starting
 * on its own page so each can get its own protection. The image is
 * announced to a debugger (gdbjit.h) under the name in err->file. Errors (err->line is 0, err->file is left as the caller
 * set it or empty): undefined symbol not in the export table (named),
 * a reference out of its relocation's range (x86-64 rel32: +-2 GiB;
 * AArch64 bl/b: +-128 MiB, adrp: +-4 GiB; the target named), arena
 * exhausted, protection failure. Relocations are those of the machine
 * the loader is built for (asm.h's x86-64 ones, or asm_a64/a64.h's
 * AArch64 ones); code is made visible to instruction fetch
 * (jit_sync_code) before it is sealed. Returns 0 and sets *out, or -1 with *out NULL. */
int jit_load(const struct asm_obj *o, struct jit_image **out,
	struct jit_error *err);

/* jit_load, with lookup(ctx, name) asked for each undefined symbol
 * before the export table (NULL: not found there); lookup NULL is
 * jit_load. Called only during the load. An undefined symbol found
 * nowhere also has its name in err->symbol. */
typedef void *(*jit_lookup_fn)(void *ctx, const char *name);
int jit_load_linked(const struct asm_obj *o, jit_lookup_fn lookup, void *ctx,
	struct jit_image **out, struct jit_error *err);

/* While set, exported names resolve here instead of jit_export_lookup
 * (jit_options.exports): an isolated payload's table, the user-mode copy
 * of the library. A name the kernel's table has but this one lacks
 * fails to load as "not available to isolated payloads". */
extern void *(*jit_load_exports)(const char *name);

/* While nonzero, the pages left unused after each section of an image
 * (they keep the arena's protection).  The differential fuzzer's
 * confirmation: a program reading one section through another's
 * address (its own code through `$data - 4096`) then reads other
 * bytes, and its outcome changes. */
extern size_t jit_load_gap;

/* The arena block holding the image: its sections, bss and commons. */
void jit_image_extent(const struct jit_image *img, void **base, size_t *size);

/* Address of global symbol name defined by the image, or NULL. */
void *jit_image_symbol(struct jit_image *img, const char *name);

/* Name a code address, for crash reports: if pc is inside the text of
 * a loaded image, return the function (global or local symbol) it is in
 * and set *off to pc's offset from that function's start; NULL when no
 * loaded image holds pc. Reads only the loader's own bookkeeping, so a
 * trap handler may call it. */
const char *jit_code_lookup(const void *pc, size_t *off);

/* The same with the source line, from the object's line table (see
 * jit_where in jit.h): in img, or in any loaded image when img is NULL.
 * Returns 0, or -1 when pc is not in the text of one. */
int jit_image_where(const struct jit_image *img, const void *pc,
	struct jit_where *w);

/* Free the image's memory and bookkeeping. img may be NULL. */
void jit_unload(struct jit_image *img);

#endif
