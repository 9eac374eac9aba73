/* tsc_check: kernel_lib/tsc_pick.c on the host, for tests/test_tsc.py.
 *
 *	tsc_check HZ...        the rates calibration windows measured (0: a
 *	                       window that never ended)
 *
 * Prints "hz H used U windows W spread_ppm S".
 *
 *	tsc_check --watchdog MS HZ TRUE_HZ PHASE_US [HOLD_MS]
 *
 * Arms the payload watchdog for MS as watchdog_arm() does, at the rate HZ
 * the calibration gave (0: none trusted), on a TSC that really runs at
 * TRUE_HZ, and ticks the PIT every TICK_MS from PHASE_US after arming (0:
 * a tick was pending), applying at each tick watchdog_tick(), the rule
 * of the aarch64 timer interrupt and of irq0 in boot/isr.S: stop once the
 * TSC is past the deadline or the ticks have run out, but not while a heap
 * operation holds it off (at every tick before HOLD_MS).  Prints
 * "stopped_us T by tsc|ticks". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsc_pick.h"

#define TICK_MS		10	/* kernel_lib/watchdog.c */
#define START		1000000000ull	/* the TSC when the watchdog is armed */

static int watchdog(int argc, char **argv)
{
	uint64_t hold_us = argc > 4 ? strtoull(argv[4], 0, 10) * 1000 : 0;
	uint64_t ms = strtoull(argv[0], 0, 10), hz = strtoull(argv[1], 0, 10);
	uint64_t true_hz = strtoull(argv[2], 0, 10), t = strtoull(argv[3], 0, 10);
	struct watchdog_plan p;
	uint64_t now;

	watchdog_plan(ms, hz, START, TICK_MS, &p);
	for (;; t += TICK_MS * 1000) {
		now = START + t * (true_hz / 1000000);
		if (watchdog_tick(&p, now, t < hold_us)) {
			printf("stopped_us %llu by %s\n", (unsigned long long)t,
			       now >= p.deadline ? "tsc" : "ticks");
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	uint64_t hz[TSC_MAX_WINDOWS];
	struct tsc_calibration c;
	int i, n = argc - 1 < TSC_MAX_WINDOWS ? argc - 1 : TSC_MAX_WINDOWS;

	if ((argc == 6 || argc == 7) && strcmp(argv[1], "--watchdog") == 0)
		return watchdog(argc - 2, argv + 2);
	for (i = 0; i < n; i++)
		hz[i] = strtoull(argv[i + 1], 0, 10);
	tsc_pick(hz, n, &c);
	printf("hz %llu used %d windows %d spread_ppm %u\n", (unsigned long long)c.hz, c.used,
	       c.windows, c.spread_ppm);
	return 0;
}
