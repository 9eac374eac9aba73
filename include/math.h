/* math.h for C compiled to JIT payloads.  Only sqrt is exported; the
 * rest are compiler builtins, which the translator expands inline.  The
 * macros keep them builtins even under -fno-builtin. */
#ifndef JITBOOT_MATH_H
#define JITBOOT_MATH_H

double sqrt(double x);
double fabs(double x);
double copysign(double x, double y);

#define sqrt(x) __builtin_sqrt(x)
#define fabs(x) __builtin_fabs(x)
#define copysign(x, y) __builtin_copysign(x, y)
#define sqrtf(x) __builtin_sqrtf(x)
#define fabsf(x) __builtin_fabsf(x)
#define INFINITY __builtin_inff()
#define NAN __builtin_nanf("")
#define isnan(x) __builtin_isnan(x)

#endif
