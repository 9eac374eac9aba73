/* tsc_check: kernel_lib/tsc_pick.c on the host, for tests/test_tsc.py.
 *
 *	tsc_check HZ...        the rates calibration windows measured (0: a
 *	                       window that never ended)
 *
 * Prints "hz H used U windows W spread_ppm S". */
#include <stdio.h>
#include <stdlib.h>

#include "tsc_pick.h"

int main(int argc, char **argv)
{
	uint64_t hz[TSC_MAX_WINDOWS];
	struct tsc_calibration c;
	int i, n = argc - 1 < TSC_MAX_WINDOWS ? argc - 1 : TSC_MAX_WINDOWS;

	for (i = 0; i < n; i++)
		hz[i] = strtoull(argv[i + 1], 0, 10);
	tsc_pick(hz, n, &c);
	printf("hz %llu used %d windows %d spread_ppm %u\n", (unsigned long long)c.hz, c.used,
	       c.windows, c.spread_ppm);
	return 0;
}
