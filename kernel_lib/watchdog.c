/*
 * watchdog.c - stop a payload that runs too long.
 *
 * A JIT'd payload that never returns would hang the whole run.  The PIT
 * (8254 channel 0) interrupts every TICK_MS through the 8259 PICs; the
 * interrupt stub (irq0 in boot/isr.S) compares the TSC with the deadline
 * set here and, once it has passed, ends the payload through its catch
 * point like a CPU exception with vector TRAP_TIMEOUT (trap.c).
 *
 * Why the PIT and not the local APIC timer: the PIT ticks at a fixed,
 * known rate (no calibration), every PC and every QEMU machine has it,
 * and tsc.c already drives its channel 2; the APIC timer would first have
 * to be measured against the PIT anyway.  The deadline itself is kept in
 * TSC cycles, so a late or lost tick delays the stop by one tick instead
 * of stretching the limit; and ticks are counted as well, so a TSC rate
 * calibrated too high (consistently, so that the windows agreed on it)
 * cannot stretch it either: whichever ends first stops the payload
 * (watchdog_plan in tsc_pick.c).  Should the calibration have failed (no
 * windows agreed, tsc.c), the ticks alone count.
 *
 * Interrupts are enabled only between watchdog_arm() and
 * watchdog_disarm(), around a payload's main: everywhere else the kernel
 * runs with interrupts off, as it always has, and the PIC just holds the
 * tick pending.
 */
#include "kernel.h"
#include "tsc_pick.h"
#include "x86.h"

#define PIC1_CMD	0x20		/* master 8259: IRQ 0-7 */
#define PIC1_DATA	0x21
#define PIC2_CMD	0xA0		/* slave 8259: IRQ 8-15 */
#define PIC2_DATA	0xA1
#define ICW1_INIT	0x11		/* edge triggered, cascaded, ICW4 follows */
#define ICW3_MASTER	0x04		/* the slave hangs on master IRQ2 */
#define ICW3_SLAVE	0x02		/* ... and knows it is number 2 */
#define ICW4_8086	0x01
#define MASK_ALL_BUT_IRQ0 0xFE
#define MASK_ALL	0xFF

#define PIT_HZ		1193182		/* the PIT's input clock */
#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_CH0_RATE	0x34		/* channel 0, lobyte/hibyte, mode 2 (rate generator) */
#define TICK_MS		10

/* Read by irq0 in boot/isr.S: the TSC value past which the payload is
 * stopped, and the ticks left before it is stopped anyway (0: not
 * counting).  Disarmed, neither ever comes. */
uint64_t watchdog_deadline = UINT64_MAX;
uint64_t watchdog_ticks;
volatile int watchdog_hold;

/* Old PICs need a moment between initialization words; a write to the
 * POST diagnostic port takes about a microsecond. */
static void io_wait(void)
{
	outb(0x80, 0);
}

/* The BIOS leaves IRQ 0-7 on vectors 8-15, on top of CPU exceptions:
 * move all sixteen lines to TRAP_TIMEOUT.. (0x20-0x2f) and mask all but
 * the PIT's. */
static void pic_init(void)
{
	static const struct { uint16_t port; uint8_t val; } seq[] = {
		{ PIC1_CMD, ICW1_INIT }, { PIC2_CMD, ICW1_INIT },
		{ PIC1_DATA, TRAP_TIMEOUT }, { PIC2_DATA, TRAP_TIMEOUT + 8 },
		{ PIC1_DATA, ICW3_MASTER }, { PIC2_DATA, ICW3_SLAVE },
		{ PIC1_DATA, ICW4_8086 }, { PIC2_DATA, ICW4_8086 },
		{ PIC1_DATA, MASK_ALL_BUT_IRQ0 }, { PIC2_DATA, MASK_ALL },
	};
	size_t i;

	for (i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		outb(seq[i].port, seq[i].val);
		io_wait();
	}
}

static void pit_init(void)
{
	uint16_t divisor = (PIT_HZ + 500 / TICK_MS) / (1000 / TICK_MS);

	outb(PIT_CMD, PIT_CH0_RATE);
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
}

void watchdog_init(void)
{
	pic_init();
	pit_init();
}

void watchdog_arm(uint64_t ms)
{
	struct watchdog_plan p;

	watchdog_plan(ms, tsc_trusted_hz(), rdtsc(), TICK_MS, &p);
	watchdog_ticks = p.ticks;
	watchdog_deadline = p.deadline;
	__asm__ volatile("sti" : : : "memory");
}

void watchdog_disarm(void)
{
	__asm__ volatile("cli" : : : "memory");
	watchdog_deadline = UINT64_MAX;
	watchdog_ticks = 0;
}
