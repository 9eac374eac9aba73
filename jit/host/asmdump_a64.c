/* asmdump-a64 FILE.s: assemble AArch64 text with jit/asm_a64/ and print
 * the object in asmdump's canonical text form (see asmdump.c), so
 * tests/test_asm_oracle_a64.py can compare it with what
 * aarch64-linux-gnu-as produced:
 *
 *	section NAME SIZE ALIGN
 *	bytes NAME HEX              (not for .bss)
 *	reloc SEC OFFSET TYPE TARGET ADDEND
 *	symbol NAME SEC VALUE SIZE global|local notype|object|func
 *
 * Errors go to stderr as "file:line: message", exit status 1. */
#include <stdio.h>
#include <stdlib.h>
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

int
main(int argc, char **argv)
{
	static const char *types[] = {"notype", "object", "func"};
	const struct asm_section *s;
	const struct asm_reloc *r;
	const struct asm_symbol *y;
	struct asm_obj *o;
	struct jit_error err;
	size_t len, i, k;
	char *text;
	int sec;

	if (argc != 2) {
		fprintf(stderr, "usage: asmdump-a64 FILE.s\n");
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
	asm_free(o);
	free(text);
	return 0;
}
