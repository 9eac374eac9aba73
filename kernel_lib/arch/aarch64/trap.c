/*
 * trap.c - what boot/aarch64/entry.S's vectors call: report the
 * exception and end the run with the panic code, never a silent hang.
 */
#include "kernel.h"
#include "aarch64.h"

/* Saved by boot/aarch64/entry.S's vectors, lowest address first. */
struct frame {
	uint64_t x[31];
	uint64_t sp;		/* SP_EL0: the interrupted code's stack */
	uint64_t elr, spsr;
};

/* ESR_EL1.EC, the exception class (Arm ARM, ESR_EL1), for the ones a
 * kernel bug raises. */
static const char *const ec_names[64] = {
	[0x00] = "unknown reason",
	[0x07] = "FP/SIMD access trapped",
	[0x0e] = "illegal execution state",
	[0x15] = "SVC",
	[0x18] = "system register access trapped",
	[0x20] = "instruction abort from a lower EL",
	[0x21] = "instruction abort",
	[0x22] = "PC alignment fault",
	[0x24] = "data abort from a lower EL",
	[0x25] = "data abort",
	[0x26] = "SP alignment fault",
	[0x2c] = "FP exception",
	[0x2f] = "SError",
	[0x3c] = "BRK",
};

static const char *ec_name(unsigned ec)
{
	return ec < 64 && ec_names[ec] ? ec_names[ec] : "?";
}

/* The vector table's entries: 4 origins (current EL with SP_EL0, with
 * SP_ELx, lower EL AArch64, lower EL AArch32) x 4 kinds. */
static const char *const kinds[] = { "synchronous", "IRQ", "FIQ", "SError" };

const char *trap_name(int ec)
{
	return ec_name(ec);
}

void trap_entry(struct frame *f, int vector);
void trap_entry(struct frame *f, int vector)
{
	uint64_t esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	uint64_t elr = read_sysreg(elr_el1);
	unsigned ec = esr >> 26 & 0x3f;

	panic("exception EC=%#x (%s), %s, ESR=%#lx FAR=%#lx ELR=%#lx lr=%#lx sp=%#lx%s",
	      ec, ec_name(ec), kinds[vector & 3], (unsigned long)esr, (unsigned long)far,
	      (unsigned long)elr, (unsigned long)f->x[30],
	      (unsigned long)f->sp,
	      (ec == 0x25 || ec == 0x24) && far < 0x200000 ? " (null pointer dereference)" : "");
}
