/* tsc.c - time stamp counter, calibrated against the PIT (8254). */
#include "kernel.h"
#include "x86.h"
#include "tsc_pick.h"

#define PIT_HZ		1193182		/* the PIT's input clock */
#define PIT_CH2		0x42		/* channel 2 data port */
#define PIT_CMD		0x43
#define PIT_CH2_MODE0	0xB0		/* channel 2, lobyte/hibyte, mode 0 (count down once) */
#define PORT_B		0x61		/* system control port B */
#define PORTB_GATE2	0x01		/* channel 2 gate: counts while high */
#define PORTB_SPEAKER	0x02		/* speaker data: keep it quiet */
#define PORTB_OUT2	0x20		/* channel 2 output: goes high at count 0 */
#define WINDOW_MS	5		/* one calibration window */
#define WINDOWS		7		/* windows measured; tsc_pick() chooses */

uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Count TSC ticks while PIT channel 2 counts down WINDOW_MS, the way
 * Linux's pit_calibrate_tsc() does.  Gives up (returns 0) if OUT2 never
 * rises, e.g. on a machine without the port B wiring. */
static uint64_t window(void)
{
	uint32_t latch = PIT_HZ / (1000 / WINDOW_MS);
	uint64_t t0, t1, limit;

	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPEAKER) | PORTB_GATE2);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	limit = t0 + 100000000000ull;	/* far more than 5 ms at any TSC rate */
	do
		t1 = rdtsc();
	while (!(inb(PORT_B) & PORTB_OUT2) && t1 < limit);
	if (t1 >= limit)
		return 0;
	return (t1 - t0) * (1000 / WINDOW_MS);
}

/* CPUID leaf 0x15: TSC = crystal * EBX / EAX, when the CPU says all three
 * (recent Intel parts; QEMU's models mostly do not). */
static uint64_t cpuid_hz(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 0x15)
		return 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x15), "c"(0));
	if (!a || !b || !c)
		return 0;
	return (uint64_t)c * b / a;
}

static struct tsc_calibration cal;
static const char *source = "none";
/* With no agreement, the median of the windows: a figure to report and
 * convert benchmark cycles with, not one to time a watchdog by. */
static uint64_t rough;

/* Windows until TSC_GOOD of them agree, at least WINDOWS and at most
 * TSC_MAX_WINDOWS: a quiet host needs 7 (35 ms), a busy one more. */
#define TSC_GOOD	4

static void calibrate(void)
{
	uint64_t hz[TSC_MAX_WINDOWS];
	int n;

	if ((cal.hz = cpuid_hz())) {
		source = "cpuid 0x15";
		cal.windows = cal.used = 0;
		return;
	}
	for (n = 0; n < TSC_MAX_WINDOWS; n++) {
		hz[n] = window();
		if (n + 1 >= WINDOWS && tsc_pick(hz, n + 1, &cal) && cal.used >= TSC_GOOD)
			break;
	}
	if (n == TSC_MAX_WINDOWS)
		n--;
	tsc_pick(hz, n + 1, &cal);
	source = cal.hz ? "pit" : "none";
	if (!cal.hz)
		rough = tsc_median(hz, n + 1);
}

static void once(void)
{
	static int done;

	if (!done) {
		calibrate();
		done = 1;
	}
}

uint64_t tsc_hz(void)
{
	once();
	return cal.hz ? cal.hz : rough;
}

uint64_t tsc_trusted_hz(void)
{
	once();
	return cal.hz;
}

const struct tsc_calibration *tsc_calibration(const char **how)
{
	once();
	*how = source;
	return &cal;
}
