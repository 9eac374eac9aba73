/*
 * watchdog.c - stop a payload that runs too long, on QEMU virt: the EL1
 * virtual timer interrupts every TICK_MS through the GICv2, and past the
 * deadline the interrupt ends the payload through its catch point with
 * vector TRAP_TIMEOUT (trap.c), as the PIT does on x86-64
 * (kernel_lib/watchdog.c).
 *
 * The deadline and the tick count are the x86-64 ones, from the same
 * code (watchdog_plan and watchdog_tick in tsc_pick.c): the generic
 * timer's rate is set by firmware rather than calibrated, so the counter
 * deadline is the one that ends first; the ticks are the rule's second
 * half, and the same hold-off applies: inside a heap operation
 * (watchdog_hold) a due stop waits for the next tick.
 *
 * Why a periodic tick and not one compare value at the deadline: the
 * hold-off needs a second look after the heap operation, and the tick
 * keeps the rule one implementation for both architectures.  Interrupts
 * are unmasked (PSTATE.I) only between watchdog_arm() and
 * watchdog_disarm(), around a payload's main and its compile; the rest
 * of the kernel runs with them masked, as it always has.
 */
#include "kernel.h"
#include "tsc_pick.h"
#include "aarch64.h"

#define TICK_MS		10

/* GICv2 (ARM IHI 0048B): distributor and CPU interface registers. */
#define GICD_CTLR	0x000
#define GICD_ISENABLER	0x100		/* one bit per interrupt, 32 a word */
#define GICD_IPRIORITYR	0x400		/* one byte per interrupt */
#define GICC_CTLR	0x000
#define GICC_PMR	0x004		/* priority mask: lower values pass */
#define GICC_IAR	0x00c		/* acknowledge: the interrupt's ID */
#define GICC_EOIR	0x010		/* end of interrupt */
#define GIC_ENABLE	1
#define GIC_SPURIOUS	1023
#define GIC_ID_MASK	0x3ff
#define PRIORITY_TIMER	0x80
#define PRIORITY_ALL	0xff

/* The EL1 virtual timer's private peripheral interrupt on QEMU virt
 * (the device tree's timer node: PPI 11, ID 16 + 11). */
#define TIMER_VIRT_ID	27
#define CNTV_ENABLE	1
#define CNTV_IMASK	2

volatile int watchdog_hold;
static struct watchdog_plan plan = { UINT64_MAX, 0 };
static uint64_t tick_cycles;

static volatile uint32_t *gicd(unsigned off)
{
	return (volatile uint32_t *)(VIRT_GICD + off);
}

static volatile uint32_t *gicc(unsigned off)
{
	return (volatile uint32_t *)(VIRT_GICC + off);
}

void watchdog_init(void)
{
	*gicd(GICD_CTLR) = 0;
	((volatile uint8_t *)gicd(GICD_IPRIORITYR))[TIMER_VIRT_ID] = PRIORITY_TIMER;
	*gicd(GICD_ISENABLER + TIMER_VIRT_ID / 32 * 4) = 1u << TIMER_VIRT_ID % 32;
	*gicd(GICD_CTLR) = GIC_ENABLE;
	*gicc(GICC_PMR) = PRIORITY_ALL;
	*gicc(GICC_CTLR) = GIC_ENABLE;
	write_sysreg(cntv_ctl_el0, CNTV_IMASK);
	tick_cycles = tsc_hz() / (1000 / TICK_MS);
}

void watchdog_arm(uint64_t ms)
{
	watchdog_plan(ms, tsc_trusted_hz(), rdtsc(), TICK_MS, &plan);
	write_sysreg(cntv_tval_el0, tick_cycles);
	write_sysreg(cntv_ctl_el0, CNTV_ENABLE);
	__asm__ volatile("isb; msr daifclr, #2" : : : "memory");
}

void watchdog_disarm(void)
{
	__asm__ volatile("msr daifset, #2" : : : "memory");
	/* Disabled, the timer drops its interrupt: nothing stays pending at
	 * the GIC for the next payload. */
	write_sysreg(cntv_ctl_el0, 0);
	__asm__ volatile("isb" : : : "memory");
	plan.deadline = UINT64_MAX;
	plan.ticks = 0;
}

int watchdog_irq(void)
{
	uint32_t iar = *gicc(GICC_IAR), id = iar & GIC_ID_MASK;
	int stop = 0;

	if (id == GIC_SPURIOUS)
		return 0;
	if (id == TIMER_VIRT_ID) {
		stop = watchdog_tick(&plan, rdtsc(), watchdog_hold);
		/* The timer's interrupt is a level: the next compare value
		 * (or disabling it) drops it before the end of interrupt. */
		if (stop)
			write_sysreg(cntv_ctl_el0, 0);
		else
			write_sysreg(cntv_tval_el0, tick_cycles);
		__asm__ volatile("isb" : : : "memory");
	}
	*gicc(GICC_EOIR) = iar;
	return stop;
}
