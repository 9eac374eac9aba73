/* Typed FFI (ffi.c): calls to exported functions checked against their
 * C signatures while QBE parses a module. */
#ifndef JIT_QBE_FFI_H
#define JIT_QBE_FFI_H

struct Fn;

void ffi_begin(void);              /* before parse() */
void ffi_defined(struct Fn *fn);   /* each function the module defines */
void ffi_end(const char *inpath);  /* after parse(): the first mismatch
                                    * left is an error exit */
void ffi_reset(void);              /* after an error exit */

/* Set by the driver during a jit_compile_opts with symbols of its own:
 * a name it finds (extra table, earlier modules, resolver: steps 1-3 of
 * jit.h's lookup) binds to the front end's function, not the export, so
 * its calls are not checked against the export's signature. */
extern void *(*ffi_lookup)(const char *name);

#endif
