/* tsc_pick.h - picking a TSC rate from several calibration windows. */
#ifndef TSC_PICK_H
#define TSC_PICK_H

#include <stdint.h>

#define TSC_MAX_WINDOWS	16
#define TSC_AGREE_PPM	10000	/* 1%: windows that far apart measured the same rate */
#define TSC_MIN_AGREE	3	/* the fewest agreeing windows a rate is believed on */

struct tsc_calibration {
	uint64_t hz;		/* the rate picked, 0 if none could be */
	int windows;		/* windows that ended */
	int used;		/* of them, the cluster the rate comes from */
	uint32_t spread_ppm;	/* (max - min) / hz of the windows used */
};

/* The rate hz[0..n) agree on (0 entries are windows that failed); fills
 * out and returns out->hz. */
uint64_t tsc_pick(const uint64_t *hz, int n, struct tsc_calibration *out);

/* The median of the windows that ended (0 if none did). */
uint64_t tsc_median(const uint64_t *hz, int n);

/*
 * What the payload watchdog arms for a limit of ms, at now (TSC cycles):
 * a TSC deadline when the rate hz is trusted (UINT64_MAX when hz is 0),
 * and always a count of timer ticks (one per tick_ms).  The payload stops at
 * whichever ends first (watchdog_tick): a rate calibrated too high,
 * consistently, would put the deadline too far away, and the tick (the
 * PIT on x86-64), which needs no calibration, still stops it within a
 * tick of ms.
 */
struct watchdog_plan {
	uint64_t deadline;	/* TSC value */
	uint64_t ticks;		/* ticks to count down to 0 */
};

void watchdog_plan(uint64_t ms, uint64_t hz, uint64_t now, unsigned tick_ms,
		   struct watchdog_plan *out);

/*
 * The rule each tick applies, at now (counter cycles): 1 when the payload
 * is to be stopped, its deadline passed or its ticks run out; but while
 * hold is set (a heap operation in progress, watchdog_hold) not yet: the
 * next tick asks again.  The aarch64 timer interrupt calls it; irq0 in
 * boot/isr.S is the same rule in assembly, before any register is saved.
 */
int watchdog_tick(struct watchdog_plan *p, uint64_t now, int hold);

#endif
