/* asmdump-a64 FILE.s: assemble AArch64 text with jit/asm_a64/ and print
 * the object in asmdump's canonical text form (see asmdump.c), so
 * tests/test_asm_oracle_a64.py can compare it with what
 * aarch64-linux-gnu-as produced:
 *
 *	section NAME SIZE ALIGN
 *	bytes NAME HEX              (not for .bss)
 *	reloc SEC OFFSET TYPE TARGET ADDEND
 *	symbol NAME SEC VALUE SIZE global|local notype|object|func
 *	line ADDR FILE LINE         (the line table of .file/.loc, in order)
 *
 * asmdump-a64 --link FILE.s applies the relocations instead, with
 * asm_a64_apply() as a loader would, at fixed addresses: .text at
 * 0x400000, .rodata 0x500000, .data 0x600000, .bss 0x700000, the n-th
 * undefined symbol at 0x800000 + 16n; it prints
 *
 *	define NAME ADDR            (each undefined symbol)
 *	linked NAME HEX             (each section with bytes)
 *
 * so a test can link GNU as's object with ld at the same addresses.
 *
 * Errors go to stderr as "file:line: message", exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../asm_a64/a64.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *buf, *nb;
	size_t cap, n;

	if (!(f = fopen(path, "rb")))
		return 0;
	cap = 1 << 16;
	buf = malloc(cap);
	n = 0;
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		if (!(nb = realloc(buf, cap)))
			free(buf);
		buf = nb;
	}
	fclose(f);
	*len = n;
	return buf;
}

static const char *
secname(const struct asm_obj *o, int sec)
{
	if (sec == ASM_UNDEF)
		return "UND";
	if (sec == ASM_COMMON)
		return "COM";
	return asm_section(o, sec)->name;
}

static uint64_t
base(int sec)
{
	return 0x400000 + 0x100000 * (uint64_t)sec;
}

static int
link(struct asm_obj *o)
{
	const struct asm_reloc *r;
	const struct asm_symbol *y;
	const struct asm_section *s;
	uint8_t *buf[ASM_NSEC];
	uint64_t *addr, sa;
	size_t i, k, nund;
	int sec, rc;

	rc = 0;
	addr = calloc(asm_nsym(o) + 1, sizeof *addr);
	for (i = nund = 0; i < asm_nsym(o); i++) {
		y = asm_symbol(o, i);
		if (y->sec == ASM_COMMON) {
			fprintf(stderr, "--link does not lay out common symbols ('%s')\n", y->name);
			free(addr);
			return 1;
		}
		if (y->sec == ASM_UNDEF) {
			addr[i] = 0x800000 + 16 * nund++;
			printf("define %s %#llx\n", y->name, (unsigned long long)addr[i]);
		} else
			addr[i] = base(y->sec) + y->value;
	}
	for (sec = 0; sec < ASM_NSEC; sec++) {
		s = asm_section(o, sec);
		buf[sec] = malloc(s->size + 1);
		if (s->data)
			memcpy(buf[sec], s->data, s->size);
	}
	for (i = 0; i < asm_nreloc(o); i++) {
		r = asm_reloc(o, i);
		sa = (r->sym >= 0 ? addr[r->sym] : base(r->tsec)) + (uint64_t)r->addend;
		if (asm_a64_apply(r->type, buf[r->sec] + r->offset,
				base(r->sec) + r->offset, sa) != 0) {
			fprintf(stderr, "relocation %s at %s+%llu out of range\n",
				asm_a64_reloc_name(r->type), asm_section(o, r->sec)->name,
				(unsigned long long)r->offset);
			rc = 1;
		}
	}
	for (sec = 0; sec < ASM_NSEC; sec++) {
		s = asm_section(o, sec);
		if (s->data && s->size) {
			printf("linked %s ", s->name);
			for (k = 0; k < s->size; k++)
				printf("%02x", buf[sec][k]);
			printf("\n");
		}
		free(buf[sec]);
	}
	free(addr);
	return rc;
}

int
main(int argc, char **argv)
{
	static const char *types[] = {"notype", "object", "func"};
	const struct asm_section *s;
	const struct asm_reloc *r;
	const struct asm_symbol *y;
	const struct asm_line *l;
	struct asm_obj *o;
	struct jit_error err;
	size_t len, i, k;
	char *text;
	int sec;

	int linkmode;

	linkmode = argc == 3 && strcmp(argv[1], "--link") == 0;
	if (linkmode) {
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: asmdump-a64 [--link] FILE.s\n");
		return 2;
	}
	if (!(text = slurp(argv[1], &len))) {
		perror(argv[1]);
		return 2;
	}
	if (asm_a64_assemble(text, len, argv[1], &o, &err) != 0) {
		fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
		free(text);
		return 1;
	}
	if (linkmode) {
		sec = link(o);
		asm_free(o);
		free(text);
		return sec;
	}
	for (sec = 0; sec < ASM_NSEC; sec++) {
		s = asm_section(o, sec);
		printf("section %s %zu %zu\n", s->name, s->size, s->align);
		if (!s->data)
			continue;
		printf("bytes %s ", s->name);
		for (k = 0; k < s->size; k++)
			printf("%02x", s->data[k]);
		printf("\n");
	}
	for (i = 0; i < asm_nreloc(o); i++) {
		r = asm_reloc(o, i);
		printf("reloc %s %llu %s %s %lld\n", secname(o, r->sec),
			(unsigned long long)r->offset, asm_a64_reloc_name(r->type),
			r->sym >= 0 ? asm_symbol(o, r->sym)->name : secname(o, r->tsec),
			(long long)r->addend);
	}
	for (i = 0; i < asm_nsym(o); i++) {
		y = asm_symbol(o, i);
		printf("symbol %s %s %llu %llu %s %s\n", y->name,
			secname(o, y->sec), (unsigned long long)y->value,
			(unsigned long long)y->size,
			y->global ? "global" : "local", types[y->type]);
	}
	for (i = 0; i < asm_nline(o); i++) {
		l = asm_line(o, i);
		printf("line %lu %s %lu\n", (unsigned long)l->addr,
			asm_file(o, l->file), (unsigned long)l->line);
	}
	asm_free(o);
	free(text);
	return 0;
}
