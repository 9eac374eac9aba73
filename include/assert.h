/* assert.h for C compiled to JIT payloads: a failed assertion prints
 * where and what, then aborts (the payload fails with "abort called"). */
#ifndef JITBOOT_ASSERT_H
#define JITBOOT_ASSERT_H

int printf(const char *fmt, ...);
void abort(void) __attribute__((noreturn));

#endif

#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : \
	(printf("%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #e), abort()))
#endif
