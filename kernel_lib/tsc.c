/* tsc.c - time stamp counter, calibrated against the PIT (8254). */
#include "kernel.h"
#include "x86.h"

#define PIT_HZ		1193182		/* the PIT's input clock */
#define PIT_CH2		0x42		/* channel 2 data port */
#define PIT_CMD		0x43
#define PIT_CH2_MODE0	0xB0		/* channel 2, lobyte/hibyte, mode 0 (count down once) */
#define PORT_B		0x61		/* system control port B */
#define PORTB_GATE2	0x01		/* channel 2 gate: counts while high */
#define PORTB_SPEAKER	0x02		/* speaker data: keep it quiet */
#define PORTB_OUT2	0x20		/* channel 2 output: goes high at count 0 */
#define CALIBRATE_MS	10

uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Count TSC ticks while PIT channel 2 counts down CALIBRATE_MS, the way
 * Linux's pit_calibrate_tsc() does.  Gives up (returns 0) if OUT2 never
 * rises, e.g. on a machine without the port B wiring. */
static uint64_t calibrate(void)
{
	uint32_t latch = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t t0, t1, limit;

	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPEAKER) | PORTB_GATE2);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	limit = t0 + 100000000000ull;	/* far more than 10 ms at any TSC rate */
	do
		t1 = rdtsc();
	while (!(inb(PORT_B) & PORTB_OUT2) && t1 < limit);
	if (t1 >= limit)
		return 0;
	return (t1 - t0) * (1000 / CALIBRATE_MS);
}

uint64_t tsc_hz(void)
{
	static uint64_t hz;

	if (!hz)
		hz = calibrate();
	return hz;
}
