/*
 * multiboot.h - what the bootloader told us: memory map and modules.
 *
 * mb_init() copies everything it needs out of the multiboot info at boot
 * (the info itself may sit in memory we later reuse or unmap).
 */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"	/* JB_MAX_MODULES */

#define MB_MAX_MODULES	JB_MAX_MODULES
#define MB_NAME_MAX	128	/* longer module names are cut */
#define MB_MAX_REGIONS	64

void mb_init(uint32_t magic, uint32_t info_addr);

/* Payload modules.  A module's name is the last word of its command line
 * without any directory part: GRUB's "module /boot/payloads/x.ssa x.ssa"
 * and QEMU's "-initrd path/x.ssa" both give "x.ssa".  mb_module returns 0,
 * or -1 if i is out of range. */
int mb_module_count(void);
int mb_module(int i, const void **start, size_t *len, const char **name);

/* The kernel's command line ("" if the loader gave none): QEMU's
 * "-kernel PATH -append ARGS" and GRUB's "multiboot PATH ARGS" both give
 * "PATH ARGS".  Copied at mb_init; one of MB_CMDLINE_MAX bytes or more is
 * a PANIC. */
#define MB_CMDLINE_MAX	4096
const char *mb_cmdline(void);

/* 1 if [addr, addr+len) lies entirely in usable RAM (type 1 regions of the
 * memory map, or mem_upper if the loader gave no map). */
int mb_usable(uint64_t addr, uint64_t len);

/* Description ("module x.ssa", "the multiboot info") of something the
 * loader placed in [addr, addr+len), for error messages; 0 if nothing. */
const char *mb_overlap(uint64_t addr, uint64_t len);

/* Usable RAM in bytes (sum of type 1 regions), for the boot report. */
uint64_t mb_usable_total(void);

#endif
