/*
 * kernel.h - kernel services beyond the C library subset of klib.h.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "protocol.h"
#include "klib.h"

/* Exit QEMU through isa-debug-exit (QEMU exits with (code << 1) | 1), then
 * halt forever in case the device is absent.  Codes: JB_EXIT_PASS,
 * JB_EXIT_FAIL, JB_EXIT_PANIC. */
void qemu_exit(int code) __attribute__((noreturn));

/* Print one "PANIC: <message>" line and exit with JB_EXIT_PANIC. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* COM1, 115200 8N1. */
void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);

/* Page protection on the identity map (0..4 GiB).  prot is a mask of VM_*;
 * without VM_R the pages are unmapped.  Rounds out to 4 KiB pages, splits
 * 2 MiB pages as needed (page tables come from a static pool) and flushes
 * the TLB.  Returns 0, or -1 if the range leaves 0..4 GiB or the pool is
 * exhausted. */
#define VM_R 1
#define VM_W 2
#define VM_X 4
#define VM_U 8		/* user: ring 3 may use the pages (isolated payloads) */
int vm_protect(uintptr_t addr, size_t len, int prot);
/* Open (on) or close [addr, addr + len) to ring 3, permissions as they
 * are; vm_user_init() lets the upper table levels allow it first. */
int vm_user(uintptr_t addr, size_t len, int on);
void vm_user_init(void);
/* 1 if every byte of [addr, addr + len) is on user pages (writable ones
 * when write): the gate's check of a payload's pointer. */
int vm_user_range(uintptr_t addr, size_t len, int write);
int vm_query(uintptr_t addr);		/* VM_* bits of the page at addr, 0 if unmapped */
void vm_init(void);

/* Time stamp counter and its rate, calibrated once against the PIT. */
uint64_t rdtsc(void);
uint64_t tsc_hz(void);
/* The rate when calibration windows agreed on it, else 0 (the watchdog
 * then counts PIT ticks instead of trusting a rough figure). */
uint64_t tsc_trusted_hz(void);
struct tsc_calibration;
/* How tsc_hz() was found: *how is "pit", "cpuid 0x15" or "none". */
const struct tsc_calibration *tsc_calibration(const char **how);

void trap_init(void);

/* QEMU's firmware configuration file name into buf (NUL-terminated, cut
 * to size - 1 bytes); its length, or -1 without QEMU or such a file. */
int fw_cfg_read(const char *name, char *buf, size_t size);
/* The files whose names start with prefix, in the directory's order: at
 * most max of them into out; returns how many there are (0 without
 * fw_cfg).  fw_cfg_item reads n bytes of the item select. */
struct fw_cfg_entry {
	uint32_t size;
	uint16_t select;
	char name[JB_FW_CFG_NAME_MAX];
};
int fw_cfg_list(const char *prefix, struct fw_cfg_entry *out, int max);
void fw_cfg_item(uint16_t select, void *buf, size_t n);
/* The device's two operations, per architecture (kernel_lib/arch/). */
void fw_cfg_select(uint16_t item);
uint8_t fw_cfg_byte(void);

/*
 * Payload watchdog: the PIT interrupts every 10 ms (IRQ0 through the 8259
 * PICs, every other line masked; on aarch64 the virtual timer through the
 * GIC, kernel_lib/arch/aarch64/watchdog.c); past the deadline the
 * interrupt ends the running code through the armed catch point, as if it
 * had faulted with vector TRAP_TIMEOUT.  watchdog_arm(ms) sets the
 * deadline and enables interrupts; watchdog_disarm() disables them and
 * clears it.  Interrupts are on only in between: the rest of the kernel
 * never sees one.
 */
#define TRAP_TIMEOUT	0x20	/* IRQ0's vector, as a fault "vector" */
void watchdog_init(void);
void watchdog_arm(uint64_t ms);
void watchdog_disarm(void);
/* Non-zero while the kernel must not be stopped by a timeout (inside a
 * heap operation): the tick that finds the deadline passed waits for the
 * next one. */
extern volatile int watchdog_hold;

/*
 * Catch points: survive a CPU exception in code we do not trust (JIT'd
 * payloads).  Like setjmp, trap_catch(c) returns 0 when called; if an
 * exception other than NMI, #DF or #MC, or the watchdog's TRAP_TIMEOUT,
 * happens before trap_uncatch(), the fault is recorded in *c, the catch point is disarmed, and trap_catch
 * returns again, with 1, in the function that called it, with its stack
 * and callee-saved registers as they were.  That function must still be
 * running.  One catch point at a time.
 *
 *	struct trap_catch c;
 *	if (trap_catch(&c) == 0) {
 *		untrusted();
 *		trap_uncatch();
 *	} else
 *		printf("%s at %#lx\n", trap_name(c.vector), c.fault_rip);
 */
struct trap_catch {
	/* saved by trap_catch on x86-64 (aarch64 keeps its registers in catch.c) */
	uint64_t rip, rsp, rbp, rbx, r12, r13, r14, r15;
	uint64_t vector, error, cr2;				/* the fault */
	uint64_t fault_rip, fault_rsp, fault_rbp;
	uint64_t fault_lr;		/* aarch64: the link register (x30) */
};
int trap_catch(struct trap_catch *c) __attribute__((returns_twice));
void trap_uncatch(void);
/* exit() for a payload: trap_catch returns a third way, 2, with the status
 * in c->error (vector TRAP_EXIT); the catch point is disarmed and
 * interrupts are off.  Without a catch point it is a panic. */
#define TRAP_EXIT	0x21
void trap_exit(long status) __attribute__((noreturn));
void trap_exit_uncaught(long status) __attribute__((noreturn));
/* Isolated images ([run] isolation = "user", jit/kernel/isolate.c): ring 3
 * asks the kernel for its services with int $TRAP_GATE, the service in
 * rax and its arguments in rdi, rsi, rdx, the result back in rax. */
#define TRAP_GATE	0x80
long isolation_gate(long service, long a, long b, long c);
void isolation_init(void);
/* "#PF page fault" for 14, "timeout" for TRAP_TIMEOUT, else "?".  On
 * aarch64 a vector is an exception class, "DABT data abort" (kernel_lib/
 * arch/aarch64/trap.c). */
const char *trap_name(int vector);
/* Does cr2 hold the address a fault of this vector accessed (x86-64's
 * #PF; aarch64's instruction and data aborts)? */
int trap_has_address(int vector);
/* What a fault's error code and address mean ("null pointer dereference",
 * "write to executable code (W^X)", ...), or "". */
const char *trap_hint(int vector, uint64_t error, uint64_t cr2);
void heap_init(void);
void heap_init_at(uintptr_t addr, size_t size);

/* Heap walk, for tests and diagnostics.  heap_check() returns 0 if every
 * block header is consistent and no two free blocks are adjacent. */
struct heap_stats {
	size_t free_blocks, free_bytes;
	size_t used_blocks, used_bytes;
};
void heap_stats(struct heap_stats *st);
int heap_check(void);

/* Section bounds from the linker script (linker/kernel.ld.j2). */
extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];
/* From boot/boot.S. */
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];
extern uint64_t boot_pml4[];
extern uint64_t boot_gdt[];

void kmain(uint32_t magic, uint32_t info) __attribute__((noreturn));

#endif
