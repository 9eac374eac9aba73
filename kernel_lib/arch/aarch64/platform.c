/*
 * platform.c - the aarch64 kernel's console, clock and exit on QEMU virt:
 * the PL011 UART, the generic timer's counter, semihosting; and what the
 * shared kernel_lib code asks of the x86-64 multiboot loader (modules,
 * the command line), from fw_cfg.
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

/* ---- modules: fw_cfg files instead of multiboot ones ----
 *
 * Without a multiboot loader the harness hands payloads, data files and
 * the arguments over as fw_cfg files "opt/jitboot/m/NN/NAME" (jitboot/
 * protocol.py MODULE_FILE_PREFIX; NN keeps its order).  They are read
 * into the heap at the first question, so the rest of the kernel sees
 * the multiboot interface (multiboot.h) unchanged. */

static struct {
	const void *start;
	size_t len;
	char name[MB_NAME_MAX];
} mods[MB_MAX_MODULES];
static int nmods = -1;

static void load_modules(void)
{
	static struct fw_cfg_entry files[MB_MAX_MODULES];
	size_t plen = strlen(JB_MODULE_FILE_PREFIX);
	const char *name;
	char *buf;
	int i, n;

	n = fw_cfg_list(JB_MODULE_FILE_PREFIX, files, MB_MAX_MODULES);
	if (n > MB_MAX_MODULES)
		panic("fw_cfg: %d modules, at most %d supported", n, MB_MAX_MODULES);
	for (i = 0; i < n; i++) {
		name = files[i].name + plen;		/* "NN/NAME" */
		name = strchr(name, '/') ? strchr(name, '/') + 1 : name;
		buf = malloc(files[i].size + 1);
		if (!buf)
			panic("fw_cfg: no heap for module %s (%u bytes)", name, files[i].size);
		fw_cfg_item(files[i].select, buf, files[i].size);
		buf[files[i].size] = 0;
		mods[i].start = buf;
		mods[i].len = files[i].size;
		snprintf(mods[i].name, sizeof mods[i].name, "%s", name);
	}
	nmods = n;
}

int mb_module_count(void)
{
	if (nmods < 0)
		load_modules();
	return nmods;
}

int mb_module(int i, const void **start, size_t *len, const char **name)
{
	if (i < 0 || i >= mb_module_count())
		return -1;
	*start = mods[i].start;
	*len = mods[i].len;
	*name = mods[i].name;
	return 0;
}

const char *mb_cmdline(void) { return ""; }
