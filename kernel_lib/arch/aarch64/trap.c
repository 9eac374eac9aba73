/*
 * trap.c - what boot/aarch64/entry.S's vectors call.
 *
 * A synchronous exception or the watchdog's interrupt taken while a catch
 * point is armed (catch.c) ends the running payload: the exception is
 * recorded as vector TRAP_EC(class), error ESR_EL1, cr2 FAR_EL1 (for an
 * abort), and the frame goes back to the catcher.  Anything else is
 * reported and ends the run with the panic code, never a silent hang:
 * an exception taken in the handlers themselves (on SP_EL1), an SError,
 * an FIQ, a fault in the kernel outside a payload.
 */
#include "kernel.h"
#include "aarch64.h"

#define ESR_EC(esr)	((esr) >> 26 & 0x3f)
#define ESR_WNR		(1ul << 6)	/* data abort: the access was a write */
#define ESR_FSC(esr)	((esr) & 0x3f)	/* abort: the fault status code */
#define FSC_ALIGNMENT	0x21

/* ESR_EL1.EC, the exception class (Arm ARM, ESR_EL1), each with a
 * mnemonic a payload names in "# expect fault: DABT" (as Linux's
 * ESR_ELx_EC_* names them). */
static const char *const ec_names[64] = {
	[0x00] = "UNKNOWN unknown reason (undefined instruction)",
	[0x07] = "FPSIMD FP/SIMD access trapped",
	[0x0e] = "ILL illegal execution state",
	[0x15] = "SVC supervisor call",
	[0x18] = "SYS system register access trapped",
	[EC_IABT_LOW] = "IABT instruction abort from a lower EL",
	[EC_IABT] = "IABT instruction abort",
	[0x22] = "PCALIGN PC alignment fault",
	[EC_DABT_LOW] = "DABT data abort from a lower EL",
	[EC_DABT] = "DABT data abort",
	[0x26] = "SPALIGN SP alignment fault",
	[0x2c] = "FP floating-point exception",
	[0x2f] = "SERROR SError",
	[0x31] = "BKPT breakpoint",
	[0x33] = "SOFTSTP software step",
	[0x35] = "WATCHPT watchpoint",
	[0x3c] = "BRK BRK instruction",
};

static const char *ec_name(unsigned ec)
{
	return ec < 64 && ec_names[ec] ? ec_names[ec] : "?";
}

static const char *const kinds[] = { "synchronous", "IRQ", "FIQ", "SError" };

const char *trap_name(int vector)
{
	if (vector == TRAP_TIMEOUT)
		return JB_FAULT_TIMEOUT;
	return vector >= TRAP_EC_BASE ? ec_name(vector - TRAP_EC_BASE) : "?";
}

int trap_has_address(int vector)
{
	unsigned ec = vector - TRAP_EC_BASE;

	return ec == EC_IABT || ec == EC_IABT_LOW || ec == EC_DABT || ec == EC_DABT_LOW;
}

/* What an abort's syndrome and address say, for a reader: the same
 * words as on x86-64 (kernel_lib/trap.c). */
const char *trap_hint(int vector, uint64_t error, uint64_t cr2)
{
	unsigned ec = vector - TRAP_EC_BASE;
	int fetch = ec == EC_IABT || ec == EC_IABT_LOW;

	if (!trap_has_address(vector))
		return "";
	if (ESR_FSC(error) == FSC_ALIGNMENT)
		return "misaligned access";
	if (cr2 < 0x1000)
		return "null pointer dereference";
	if (cr2 >= (uint64_t)boot_stack_guard && cr2 < (uint64_t)boot_stack_bottom)
		return "stack overflow: hit the guard page below the kernel stack";
	if (!vm_query(cr2))
		return "unmapped address";
	if (fetch)
		return "executing a non-executable page";
	if ((error & ESR_WNR) && (vm_query(cr2) & VM_X))
		return "write to executable code (W^X)";
	if (error & ESR_WNR)
		return "write to a read-only page";
	return "";
}

void trap_entry(struct frame *f, int vector);
void trap_entry(struct frame *f, int vector)
{
	uint64_t esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	unsigned ec = ESR_EC(esr);
	const char *hint;

	if (vector == VEC_IRQ_EL1T) {
		if (!watchdog_irq())
			return;
		if (catch_fault(f, TRAP_TIMEOUT, 0, 0))
			return;
		panic("watchdog: a deadline passed with no payload running, ELR=%#lx",
		      (unsigned long)f->elr);
	}
	/* FAR_EL1 holds an address for aborts only (UNKNOWN otherwise) */
	if (!trap_has_address(TRAP_EC(ec)))
		far = 0;
	if (vector == VEC_SYNC_EL1T && catch_fault(f, TRAP_EC(ec), esr, far))
		return;
	hint = trap_hint(TRAP_EC(ec), esr, far);
	panic("exception EC=%#x (%s), %s, ESR=%#lx FAR=%#lx ELR=%#lx lr=%#lx sp=%#lx%s%s%s",
	      ec, ec_name(ec), kinds[vector & 3], (unsigned long)esr, (unsigned long)far,
	      (unsigned long)f->elr, (unsigned long)f->x[30], (unsigned long)f->sp,
	      *hint ? " (" : "", hint, *hint ? ")" : "");
}
