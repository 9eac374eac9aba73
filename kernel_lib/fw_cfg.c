/*
 * fw_cfg.c - read a named file of QEMU's firmware configuration device.
 *
 * QEMU hands the guest data through fw_cfg (docs/specs/fw_cfg.rst in
 * QEMU's tree): select an item, then read it byte by byte; how is per
 * architecture (fw_cfg_select, fw_cfg_byte in kernel_lib/arch/: I/O ports
 * 0x510/0x511 on x86-64, MMIO at 0x09020000 on QEMU virt).  Item 0x19 is the directory of named
 * files, big-endian like every fw_cfg number.  The harness puts the boot
 * arguments there (-fw_cfg name=opt/jitboot/args,string=...) because it
 * reaches the kernel the same way whether -kernel or a GRUB ISO booted it.
 * Without QEMU (or without the file) fw_cfg_read returns -1: the device
 * then reads 0xff, which is no "QEMU" signature.
 */
#include "kernel.h"

#define FW_CFG_SIGNATURE	0x0000	/* item: the bytes "QEMU" */
#define FW_CFG_FILE_DIR		0x0019	/* item: count, then struct file entries */
#define FW_CFG_NAME_MAX		JB_FW_CFG_NAME_MAX

struct fw_cfg_file {			/* one directory entry, as QEMU lays it out */
	uint32_t size;			/* big-endian */
	uint16_t select;		/* big-endian */
	uint16_t reserved;
	char name[FW_CFG_NAME_MAX];
};

static void read_bytes(void *dst, size_t n)
{
	uint8_t *p = dst;

	while (n--)
		*p++ = fw_cfg_byte();
}

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* Copies file name (at most size - 1 bytes, NUL-terminated) into buf;
 * returns its length, or -1 if there is no such file. */
int fw_cfg_read(const char *name, char *buf, size_t size)
{
	struct fw_cfg_file f;
	char sig[4];
	uint32_t count, i, n;

	fw_cfg_select(FW_CFG_SIGNATURE);
	read_bytes(sig, sizeof sig);
	if (memcmp(sig, "QEMU", sizeof sig) != 0 || !size)
		return -1;
	fw_cfg_select(FW_CFG_FILE_DIR);
	read_bytes(&count, sizeof count);
	for (i = 0; i < be32(count); i++) {
		read_bytes(&f, sizeof f);
		f.name[FW_CFG_NAME_MAX - 1] = 0;
		if (strcmp(f.name, name) != 0)
			continue;
		n = be32(f.size) < size - 1 ? be32(f.size) : size - 1;
		fw_cfg_select(__builtin_bswap16(f.select));
		read_bytes(buf, n);
		buf[n] = 0;
		return n;
	}
	return -1;
}

int fw_cfg_list(const char *prefix, struct fw_cfg_entry *out, int max)
{
	struct fw_cfg_file f;
	char sig[4];
	uint32_t count, i;
	size_t plen = strlen(prefix);
	int n = 0;

	fw_cfg_select(FW_CFG_SIGNATURE);
	read_bytes(sig, sizeof sig);
	if (memcmp(sig, "QEMU", sizeof sig) != 0)
		return 0;
	fw_cfg_select(FW_CFG_FILE_DIR);
	read_bytes(&count, sizeof count);
	for (i = 0; i < be32(count); i++) {
		read_bytes(&f, sizeof f);
		f.name[FW_CFG_NAME_MAX - 1] = 0;
		if (strncmp(f.name, prefix, plen) != 0)
			continue;
		if (n < max) {
			out[n].size = be32(f.size);
			out[n].select = __builtin_bswap16(f.select);
			memcpy(out[n].name, f.name, sizeof out[n].name);
		}
		n++;
	}
	return n;
}

void fw_cfg_item(uint16_t select, void *buf, size_t n)
{
	fw_cfg_select(select);
	read_bytes(buf, n);
}
