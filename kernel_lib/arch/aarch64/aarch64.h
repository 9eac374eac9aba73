/* aarch64.h - system registers and the QEMU virt devices the kernel uses. */
#ifndef AARCH64_H
#define AARCH64_H

#include <stdint.h>

#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)) : "memory")

/* QEMU virt (hw/arm/virt.c memmap): the GICv2 distributor and CPU
 * interface, the PL011 UART, fw_cfg, the start of RAM.  All but RAM are
 * in the first GiB, which mmu.c maps as Device memory. */
#define VIRT_GICD	0x08000000ul
#define VIRT_GICC	0x08010000ul
#define VIRT_UART0	0x09000000ul
#define VIRT_FW_CFG	0x09020000ul
#define VIRT_RAM_BASE	0x40000000ul

/* Saved by boot/aarch64/entry.S's vectors, lowest address first. */
struct frame {
	uint64_t x[31];
	uint64_t sp;		/* SP_EL0: the interrupted code's stack */
	uint64_t elr, spsr;
};

/* The vector table's entries (entry.S): 4 kinds (synchronous, IRQ,
 * FIQ, SError) for each of 4 origins.  The kernel runs on SP_EL0, so
 * what it and its payloads raise comes through the first four. */
#define VEC_SYNC_EL1T	0
#define VEC_IRQ_EL1T	1

/* The "vector" of a caught exception (struct trap_catch, kernel.h):
 * ESR_EL1's exception class moved above TRAP_TIMEOUT and TRAP_EXIT,
 * which are exception classes too (instruction aborts). */
#define TRAP_EC_BASE	0x40
#define TRAP_EC(ec)	(TRAP_EC_BASE + (ec))
#define EC_IABT_LOW	0x20
#define EC_IABT		0x21
#define EC_DABT_LOW	0x24
#define EC_DABT		0x25

/* Resume the armed catch point from an exception: record the fault in
 * it and rewrite *f so that eret returns from trap_catch() with 1.
 * Returns 0 (f untouched) when no catch point is armed (catch.c). */
int catch_fault(struct frame *f, uint64_t vector, uint64_t error, uint64_t addr);

/* The payload watchdog's interrupt (watchdog.c), called for an IRQ:
 * acknowledges it at the GIC; returns 1 when the payload is to be
 * stopped now. */
int watchdog_irq(void);

static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("msr daifset, #0xf; wfi");
}

void mmu_init(void);

#endif
