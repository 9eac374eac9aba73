/*
 * platform.c - the aarch64 kernel's console, clock and exit on QEMU virt:
 * the PL011 UART, the generic timer's counter, semihosting.  What the
 * shared kernel_lib code asks of the x86-64 loader (multiboot modules,
 * the watchdog) has no aarch64 counterpart yet: the functions below say
 * "none".  The boot arguments come through fw_cfg, as on x86-64.
 */
#include "kernel.h"
#include "multiboot.h"
#include "aarch64.h"

/* ---- PL011 UART (ARM DDI 0183) ---- */

#define UART_DR		0x00	/* data */
#define UART_FR		0x18	/* flags */
#define UART_FR_TXFF	(1 << 5)	/* transmit FIFO full */
#define UART_CR		0x30	/* control */
#define UART_CR_EN	((1 << 0) | (1 << 8) | (1 << 9))	/* UARTEN, TXE, RXE */

static volatile uint32_t *uart_reg(unsigned off)
{
	return (volatile uint32_t *)(VIRT_UART0 + off);
}

void serial_init(void)
{
	/* QEMU needs no baud rate; a real PL011 would want IBRD/FBRD/LCR_H. */
	*uart_reg(UART_CR) = UART_CR_EN;
}

void serial_putc(char c)
{
	while (*uart_reg(UART_FR) & UART_FR_TXFF)
		;
	*uart_reg(UART_DR) = (unsigned char)c;
}

void serial_write(const char *s, size_t n)
{
	while (n--)
		serial_putc(*s++);
}

/* ---- the generic timer: a constant-rate counter, its rate in CNTFRQ ---- */

uint64_t rdtsc(void)
{
	/* isb: without it the read may happen before earlier instructions. */
	__asm__ volatile("isb" : : : "memory");
	return read_sysreg(cntvct_el0);
}

uint64_t tsc_hz(void)
{
	return read_sysreg(cntfrq_el0);
}

uint64_t tsc_trusted_hz(void)
{
	return tsc_hz();	/* firmware-set, not calibrated */
}

/* ---- the end of a run: semihosting SYS_EXIT_EXTENDED (QEMU -semihosting) ---- */

void qemu_exit(int code)
{
	/* QEMU exits with the subcode: the same status isa-debug-exit gives
	 * on x86-64 (jitboot/protocol.py EXIT_PATHS). */
	static uint64_t block[2];
	register uint64_t op __asm__("x0") = JB_SEMIHOSTING_SYS_EXIT_EXTENDED;
	register uint64_t arg __asm__("x1") = (uintptr_t)block;

	block[0] = JB_SEMIHOSTING_APPLICATION_EXIT;
	block[1] = JB_QEMU_STATUS(code);
	__asm__ volatile("hlt #0xf000" : "+r"(op) : "r"(arg) : "memory");
	/* Only reached without -semihosting: stop here. */
	cpu_halt_forever();
	__builtin_unreachable();
}

/* ---- QEMU's fw_cfg on virt: MMIO, the selector big-endian (kernel_lib/fw_cfg.c) ---- */

#define FW_CFG_DATA	0x0
#define FW_CFG_SELECTOR	0x8

void fw_cfg_select(uint16_t item)
{
	*(volatile uint16_t *)(VIRT_FW_CFG + FW_CFG_SELECTOR) = __builtin_bswap16(item);
}

uint8_t fw_cfg_byte(void)
{
	return *(volatile uint8_t *)(VIRT_FW_CFG + FW_CFG_DATA);
}

/* ---- what aarch64 does not have yet ---- */

volatile int watchdog_hold;

int mb_module_count(void) { return 0; }

int mb_module(int i, const void **start, size_t *len, const char **name)
{
	return -1;
}

const char *mb_cmdline(void) { return ""; }
