/* aarch64.h - system registers and the QEMU virt devices the kernel uses. */
#ifndef AARCH64_H
#define AARCH64_H

#include <stdint.h>

#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)) : "memory")

/* QEMU virt (hw/arm/virt.c memmap): the PL011 UART, fw_cfg, the start of RAM. */
#define VIRT_UART0	0x09000000ul
#define VIRT_FW_CFG	0x09020000ul
#define VIRT_RAM_BASE	0x40000000ul

static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("msr daifset, #0xf; wfi");
}

void mmu_init(void);

#endif
