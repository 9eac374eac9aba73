/* fw_cfg_io.c - QEMU's fw_cfg device on x86-64: I/O ports (kernel_lib/fw_cfg.c). */
#include "kernel.h"
#include "x86.h"

#define FW_CFG_SELECTOR		0x510
#define FW_CFG_DATA		0x511

void fw_cfg_select(uint16_t item)
{
	outw(FW_CFG_SELECTOR, item);
}

uint8_t fw_cfg_byte(void)
{
	return inb(FW_CFG_DATA);
}
