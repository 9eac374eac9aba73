/* assert for QBE: a failed assertion is a compile error (error exit),
 * never a stopped kernel. Always on: QBE relies on its checks. */
#ifndef SHIM_ASSERT_H
#define SHIM_ASSERT_H

#include "../shim.h"

#define assert(x) ((x) ? (void)0 : shim_assert_fail(#x, __FILE__, __LINE__))

#endif
