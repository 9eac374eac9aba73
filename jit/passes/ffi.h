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

#endif
