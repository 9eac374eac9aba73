/*
 * trap.c - what boot/aarch64/entry.S's vectors call: report the
 * exception and end the run with the panic code, never a silent hang.
 */
#include "kernel.h"
#include "aarch64.h"

struct frame {
	uint64_t x[31];
	uint64_t pad;
};

/* ESR_EL1.EC, the exception class (ARM ARM D17.2.37), for the ones a
 * kernel bug raises. */
static const char *ec_name(unsigned ec)
{
	switch (ec) {
	case 0x00: return "unknown reason";
	case 0x07: return "FP/SIMD access trapped";
	case 0x0e: return "illegal execution state";
	case 0x15: return "SVC";
	case 0x18: return "system register access trapped";
	case 0x20: return "instruction abort from a lower EL";
	case 0x21: return "instruction abort";
	case 0x22: return "PC alignment fault";
	case 0x24: return "data abort from a lower EL";
	case 0x25: return "data abort";
	case 0x26: return "SP alignment fault";
	case 0x2c: return "FP exception";
	case 0x2f: return "SError";
	case 0x3c: return "BRK";
	default: return "?";
	}
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
	      (unsigned long)((uintptr_t)f + sizeof *f),
	      (ec == 0x25 || ec == 0x24) && far < 0x200000 ? " (null pointer dereference)" : "");
}
