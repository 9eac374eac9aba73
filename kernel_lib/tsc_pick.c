/* tsc_pick.c - which TSC rate to believe, from several measurements.
 *
 * One 10 ms PIT window used to be the whole calibration, and under TCG on
 * a busy host a window is stretched or cut by the host's scheduler: in 30
 * idle boots 3 came out far off (1619, 2085, 2842 MHz for a ~2100 MHz
 * TSC), one at 448 MHz.  tsc.c measures several windows instead and this
 * picks the rate the most windows agree on: for each window, the windows
 * within TSC_AGREE_PPM of it form its cluster; the largest cluster (the
 * tighter one on a tie) wins, and its median is the rate.  A window the
 * host interrupted lands outside the cluster, whichever way it is off.
 * Kept apart from the port I/O so the host tests it on recorded samples
 * (tests/host/tsc_check.c), with watchdog_plan() and watchdog_tick(): how
 * the watchdog uses the rate without depending on it alone, on both
 * architectures (kernel_lib/watchdog.c, kernel_lib/arch/aarch64/watchdog.c). */
#include <stddef.h>
#include <stdint.h>

#include "tsc_pick.h"

static void sort(uint64_t *v, int n)
{
	int i, j;

	for (i = 1; i < n; i++) {
		uint64_t x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static int close_to(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;

	return d <= b / 1000000 * TSC_AGREE_PPM;
}

uint64_t tsc_pick(const uint64_t *hz, int n, struct tsc_calibration *out)
{
	uint64_t v[TSC_MAX_WINDOWS];
	int i, j, m, best = -1, best_n = 0, best_lo = 0, best_hi = 0;

	for (i = m = 0; i < n && m < TSC_MAX_WINDOWS; i++)
		if (hz[i])		/* 0: a window that never ended */
			v[m++] = hz[i];
	out->windows = m;
	out->used = 0;
	out->spread_ppm = 0;
	out->hz = 0;
	sort(v, m);
	for (i = 0; i < m; i++) {
		/* v is sorted: the cluster around v[i] is the run [lo, hi] */
		int lo = i, hi = i;

		while (lo > 0 && close_to(v[lo - 1], v[i]))
			lo--;
		while (hi + 1 < m && close_to(v[hi + 1], v[i]))
			hi++;
		j = hi - lo + 1;
		if (j > best_n || (j == best_n && v[hi] - v[lo] < v[best_hi] - v[best_lo])) {
			best = i;
			best_n = j;
			best_lo = lo;
			best_hi = hi;
		}
	}
	/* one window, or two that disagree, is no evidence */
	if (best < 0 || best_n < (m < TSC_MIN_AGREE ? m : TSC_MIN_AGREE) || best_n < 2)
		return 0;
	out->used = best_n;
	out->hz = v[best_lo + best_n / 2];
	if (best_n % 2 == 0)
		out->hz = v[best_lo + best_n / 2 - 1] / 2 + v[best_lo + best_n / 2] / 2;
	out->spread_ppm = (uint32_t)((v[best_hi] - v[best_lo]) / (out->hz / 1000000 + 1));
	return out->hz;
}

uint64_t tsc_median(const uint64_t *hz, int n)
{
	uint64_t v[TSC_MAX_WINDOWS];
	int i, m;

	for (i = m = 0; i < n && m < TSC_MAX_WINDOWS; i++)
		if (hz[i])
			v[m++] = hz[i];
	if (!m)
		return 0;
	sort(v, m);
	return v[m / 2];
}

void watchdog_plan(uint64_t ms, uint64_t hz, uint64_t now, unsigned tick_ms,
		   struct watchdog_plan *out)
{
	out->deadline = hz ? now + ms * hz / 1000 : UINT64_MAX;
	/* +1: a tick held pending since before arming comes at once, and
	 * the PIT's phase puts the first real one up to a tick later, so the
	 * count never ends before ms have passed, and at most a tick after */
	out->ticks = (ms + tick_ms - 1) / tick_ms + 1;
}

int watchdog_tick(struct watchdog_plan *p, uint64_t now, int hold)
{
	/* ticks is 0 when not counting: it wraps, and never gets back to 0 */
	if (now < p->deadline && --p->ticks != 0)
		return 0;
	if (hold) {
		p->ticks = 1;	/* the tick-counting mode comes back here too */
		return 0;
	}
	return 1;
}
