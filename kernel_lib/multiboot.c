/* multiboot.c - parse the multiboot v1 info block (Multiboot Spec 0.6.96, 3.3). */
#include "kernel.h"
#include "multiboot.h"

#define MB_BOOT_MAGIC		0x2BADB002
#define MB_INFO_MEMORY		(1 << 0)	/* mem_lower/mem_upper valid */
#define MB_INFO_CMDLINE		(1 << 2)	/* cmdline valid */
#define MB_INFO_MODS		(1 << 3)	/* mods_count/mods_addr valid */
#define MB_INFO_MMAP		(1 << 6)	/* mmap_length/mmap_addr valid */
#define MB_MMAP_AVAILABLE	1		/* region type: usable RAM */
#define HIGH_MEMORY		0x100000	/* mem_upper counts KiB from 1 MiB */
#define PAGE			0x1000		/* page 0 is never a loader's table */
#define IDENTITY_MAPPED		0x100000000ull	/* boot.S maps 0..4 GiB */
#define CMDLINE_MAX		MB_CMDLINE_MAX

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;		/* KiB below 640K / above 1 MiB */
	uint32_t boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size;				/* of the rest of the entry */
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

struct mb_mod {
	uint32_t start, end;			/* [start, end) physical */
	uint32_t cmdline;
	uint32_t reserved;
};

static struct {
	uint64_t addr, len;
} regions[MB_MAX_REGIONS];
static int nregions;

static struct {
	uint32_t start, end;
	char name[MB_NAME_MAX];
	char what[MB_NAME_MAX + 16];
} mods[MB_MAX_MODULES];
static int nmods;

static uint32_t info_start, info_end;
static char cmdline[MB_CMDLINE_MAX];

static void add_region(uint64_t addr, uint64_t len)
{
	if (nregions == MB_MAX_REGIONS)
		panic("multiboot: more than %d usable memory regions", MB_MAX_REGIONS);
	if (len > UINT64_MAX - addr)	/* the end must not wrap in mb_usable */
		len = UINT64_MAX - addr;
	regions[nregions].addr = addr;
	regions[nregions].len = len;
	nregions++;
}

/*
 * The loader's addresses are trusted only once they are known to point
 * into memory we can read: mapped (not page 0, below the 4 GiB identity
 * map) and RAM (a usable region, or the first MiB, where loaders keep
 * their own tables).  A bad one is a PANIC naming it, instead of a fault
 * somewhere later or payload bytes read from a device hole.
 */
static int mapped(uint64_t addr, uint64_t len)
{
	return addr >= PAGE && addr + len >= addr && addr + len <= IDENTITY_MAPPED;
}

static int in_ram(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (!mapped(addr, len))
		return 0;
	if (end <= HIGH_MEMORY)
		return 1;
	if (addr < HIGH_MEMORY)
		addr = HIGH_MEMORY;
	return mb_usable(addr, end - addr);
}

/* what is "module", ... with i >= 0, "module list", ... without. */
static void need(int ok, const char *what, int i, uint64_t addr, uint64_t len)
{
	char num[16] = "";

	if (ok)
		return;
	if (i >= 0)
		snprintf(num, sizeof num, " %d", i);
	panic("multiboot: %s%s [%#lx, %#lx) is not in RAM below 4 GiB: the bootloader "
	      "passed a bad address (check its memory map and module list)",
	      what, num, (unsigned long)addr, (unsigned long)(addr + len));
}

/* A command line must end, in RAM, within CMDLINE_MAX bytes (i < 0: not
 * a module's). */
static void need_string(const char *what, int i, uint32_t addr)
{
	const char *s = (const char *)(uintptr_t)addr;
	uint32_t n;

	for (n = 0; n < CMDLINE_MAX; n++) {
		need(in_ram(addr + n, 1), what, i, addr, n + 1);
		if (!s[n])
			return;
	}
	if (i >= 0)
		panic("multiboot: %s %d at %#x has no end within %d bytes", what, i, addr, CMDLINE_MAX);
	panic("multiboot: %s at %#x has no end within %d bytes", what, addr, CMDLINE_MAX);
}

/* Last word of the command line, without directories. */
static void module_name(char *dst, const char *cmdline)
{
	const char *end = cmdline + strlen(cmdline), *s;
	size_t n;

	while (end > cmdline && end[-1] == ' ')
		end--;
	for (s = end; s > cmdline && s[-1] != ' ' && s[-1] != '/'; s--)
		;
	n = end - s < MB_NAME_MAX - 1 ? (size_t)(end - s) : MB_NAME_MAX - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

void mb_init(uint32_t magic, uint32_t info_addr)
{
	const struct mb_info *mbi = (const void *)(uintptr_t)info_addr;
	uint32_t i;

	/* boot.S already refused a wrong magic; this guards other entry paths. */
	if (magic != MB_BOOT_MAGIC)
		panic("bad multiboot magic %#x", magic);
	need(mapped(info_addr, sizeof *mbi), "info block", -1, info_addr, sizeof *mbi);
	info_start = info_addr;
	info_end = info_addr + sizeof *mbi;

	if (mbi->flags & MB_INFO_MMAP) {
		uint32_t off = 0;

		/* before reading it: the regions to check it against are in it */
		need(mapped(mbi->mmap_addr, mbi->mmap_length), "memory map", -1,
		     mbi->mmap_addr, mbi->mmap_length);
		while (off < mbi->mmap_length) {
			const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);
			/* a short entry would make us read its fields from the next one */
			if (e->size < sizeof *e - sizeof e->size)
				panic("multiboot: memory map entry at offset %u is %u bytes, "
				      "less than the %zu of an entry", off, e->size,
				      sizeof *e - sizeof e->size);
			if (e->type == MB_MMAP_AVAILABLE)
				add_region(e->addr, e->len);
			off += e->size + sizeof e->size;
		}
	} else if (mbi->flags & MB_INFO_MEMORY) {
		add_region(HIGH_MEMORY, (uint64_t)mbi->mem_upper * 1024);
	} else {
		panic("multiboot: the loader gave no memory information");
	}
	need(in_ram(info_addr, sizeof *mbi), "info block", -1, info_addr, sizeof *mbi);
	if (mbi->flags & MB_INFO_MMAP)
		need(in_ram(mbi->mmap_addr, mbi->mmap_length), "memory map", -1,
		     mbi->mmap_addr, mbi->mmap_length);

	if (mbi->flags & MB_INFO_CMDLINE) {
		need_string("kernel command line", -1, mbi->cmdline);
		strncpy(cmdline, (const char *)(uintptr_t)mbi->cmdline, sizeof cmdline - 1);
	}

	if (!(mbi->flags & MB_INFO_MODS))
		return;
	if (mbi->mods_count > MB_MAX_MODULES)
		panic("multiboot: %u modules, at most %d supported", mbi->mods_count, MB_MAX_MODULES);
	if (mbi->mods_count)	/* with none, mods_addr may be anything, 0 included */
		need(in_ram(mbi->mods_addr, mbi->mods_count * sizeof(struct mb_mod)), "module list",
		     -1, mbi->mods_addr, mbi->mods_count * sizeof(struct mb_mod));
	for (i = 0; i < mbi->mods_count; i++) {
		const struct mb_mod *m = (const void *)(uintptr_t)(mbi->mods_addr + i * sizeof *m);
		/* mb_module's length is end - start: an inverted range would
		 * make a module of nearly 4 GiB */
		if (m->end < m->start)
			panic("multiboot: module %u ends (%#x) before it starts (%#x)",
			      i, m->end, m->start);
		need(in_ram(m->start, m->end - m->start), "module", i, m->start, m->end - m->start);
		if (m->cmdline)
			need_string("command line of module", i, m->cmdline);
		mods[i].start = m->start;
		mods[i].end = m->end;
		module_name(mods[i].name, m->cmdline ? (const char *)(uintptr_t)m->cmdline : "");
		snprintf(mods[i].what, sizeof mods[i].what, "module %s", mods[i].name);
	}
	nmods = mbi->mods_count;
}

const char *mb_cmdline(void)
{
	return cmdline;
}

int mb_module_count(void)
{
	return nmods;
}

int mb_module(int i, const void **start, size_t *len, const char **name)
{
	if (i < 0 || i >= nmods)
		return -1;
	*start = (const void *)(uintptr_t)mods[i].start;
	*len = mods[i].end - mods[i].start;
	*name = mods[i].name;
	return 0;
}

/* Walk forward from addr through usable regions until the range is covered
 * (adjacent regions count as one). */
int mb_usable(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;
	int i, moved = 1;

	while (addr < end && moved) {
		moved = 0;
		for (i = 0; i < nregions; i++) {
			uint64_t rend = regions[i].addr + regions[i].len;
			if (regions[i].addr <= addr && addr < rend) {
				addr = rend;
				moved = 1;
			}
		}
	}
	return addr >= end;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

const char *mb_overlap(uint64_t addr, uint64_t len)
{
	int i;

	for (i = 0; i < nmods; i++)
		if (overlaps(addr, len, mods[i].start, mods[i].end - mods[i].start))
			return mods[i].what;
	if (overlaps(addr, len, info_start, info_end - info_start))
		return "the multiboot info";
	return 0;
}

uint64_t mb_usable_total(void)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < nregions; i++)
		sum += regions[i].len;
	return sum;
}
