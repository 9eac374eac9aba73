/* mb_check: kernel_lib/multiboot.c on the host, fed a multiboot info
 * block built from the command line, for tests/test_multiboot.py.
 *
 *	mb_check mmap ADDR:LEN:TYPE:SIZE...    memory map entries
 *	         mods START:END...             modules (named m0, m1, ...)
 *	         usable ADDR LEN               ask mb_usable
 *	         mods_at ADDR, mmap_at ADDR    move the module list or memory map
 *
 * Prints "modules N", one "module NAME LEN" each and "usable 0|1", or
 * "PANIC: message" with exit status 3 when multiboot.c panics.  The info
 * block lives below 4 GiB (MAP_32BIT): its addresses are 32-bit.  The
 * memory map gets one more usable region, last, for the block itself, as
 * a loader's tables are in RAM. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "multiboot.h"

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("PANIC: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(3);
}

struct info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
} __attribute__((packed));

/* "A:B[:C:D]" into n numbers (C syntax, full 64 bits); 0 if malformed */
static int
numbers(const char *s, unsigned long long *v, int n)
{
	char *end;
	int i;

	for (i = 0; i < n; i++) {
		v[i] = strtoull(s, &end, 0);
		if (end == s || *end != (i + 1 < n ? ':' : 0))
			return 0;
		s = end + 1;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	char *low, *mm, *mo, *names;
	struct info *mbi;
	uint64_t ask_addr = 0, ask_len = 0, mods_at = UINT64_MAX, mmap_at = UINT64_MAX;
	int i, mode = 0, ask = 0, nmod = 0;

	low = mmap(0, 1 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		return 2;
	mbi = (struct info *)low;
	mm = low + 4096;
	mo = low + 8192;
	names = low + 12288;
	mbi->flags = 1 << 6 | 1 << 3;
	mbi->mmap_addr = (uint32_t)(uintptr_t)mm;
	mbi->mods_addr = (uint32_t)(uintptr_t)mo;
	for (i = 1; i < argc; i++) {
		unsigned long long v[4];

		if (!strcmp(argv[i], "mmap") || !strcmp(argv[i], "mods"))
			mode = argv[i][1];
		else if (!strcmp(argv[i], "usable") && i + 2 < argc) {
			ask = 1;
			ask_addr = strtoull(argv[i + 1], 0, 0);
			ask_len = strtoull(argv[i + 2], 0, 0);
			i += 2;
		} else if (!strcmp(argv[i], "mods_at") && i + 1 < argc) {
			mods_at = strtoull(argv[++i], 0, 0);
		} else if (!strcmp(argv[i], "mmap_at") && i + 1 < argc) {
			mmap_at = strtoull(argv[++i], 0, 0);
		} else if (mode == 'm' && numbers(argv[i], v, 4)) {
			uint32_t size = v[3], type = v[2];

			memcpy(mm + mbi->mmap_length, &size, 4);
			memcpy(mm + mbi->mmap_length + 4, &v[0], 8);
			memcpy(mm + mbi->mmap_length + 12, &v[1], 8);
			memcpy(mm + mbi->mmap_length + 20, &type, 4);
			mbi->mmap_length += 4 + size;
		} else if (mode == 'o' && numbers(argv[i], v, 2)) {
			uint32_t m[4] = { v[0], v[1], (uint32_t)(uintptr_t)(names + 8 * nmod), 0 };

			sprintf(names + 8 * nmod, "m%d", nmod);
			memcpy(mo + 16 * nmod++, m, sizeof m);
			mbi->mods_count = nmod;
		} else {
			fprintf(stderr, "mb_check: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	{
		uint32_t size = 20, type = 1;
		uint64_t addr = (uintptr_t)low, len = 1 << 20;

		memcpy(mm + mbi->mmap_length, &size, 4);
		memcpy(mm + mbi->mmap_length + 4, &addr, 8);
		memcpy(mm + mbi->mmap_length + 12, &len, 8);
		memcpy(mm + mbi->mmap_length + 20, &type, 4);
		mbi->mmap_length += 24;
	}
	if (mods_at != UINT64_MAX)
		mbi->mods_addr = mods_at;
	if (mmap_at != UINT64_MAX)
		mbi->mmap_addr = mmap_at;
	mb_init(0x2BADB002, (uint32_t)(uintptr_t)mbi);
	printf("modules %d\n", mb_module_count());
	for (i = 0; i < mb_module_count(); i++) {
		const void *start;
		const char *name;
		size_t len;

		mb_module(i, &start, &len, &name);
		printf("module %s %zu\n", name, len);
	}
	if (ask)
		printf("usable %d\n", mb_usable(ask_addr, ask_len));
	return 0;
}
