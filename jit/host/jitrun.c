/* jitrun: the JIT as a Linux command, for fast tests without QEMU.
 *
 *	jitrun FILE.ssa [args...]      compile FILE, run its main(argc, argv),
 *	                               exit with main's return value
 *	jitrun -S FILE.ssa             print the assembly QBE emits for FILE
 *	jitrun --cycles N FILE.ssa     compile and release FILE N times and
 *	                               check that no memory is left behind
 *	                               (exit 0), also when FILE is bad
 *	jitrun --passes=SPEC ...       our optimization passes: all (the
 *	                               default), none, or names (tre,inline,...);
 *	                               comes before the other options
 *	jitrun --stats ...             after compiling, print what the
 *	                               passes did to stderr ("inlined 3")
 *
 * Errors in FILE go to stderr as FILE:LINE: message, exit status 2. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "jit.h"
#include "arena.h"
#include "shim/shim.h"
#include "host.h"

enum {
	ARENA_SIZE = 64 << 20,
	EXIT_USAGE = 2,
};

static void
usage(void)
{
	fprintf(stderr, "usage: jitrun [--passes=all|none|%s] [--stats] [-S | --cycles N] "
		"FILE.ssa [args...]\n", jit_pass_names);
	exit(EXIT_USAGE);
}

static char *
readfile(const char *path, size_t *len)
{
	FILE *f;
	char *buf;
	size_t n, cap;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "jitrun: cannot read %s: %s\n", path, strerror(errno));
		exit(EXIT_USAGE);
	}
	cap = 1 << 16;
	buf = malloc(cap);
	n = 0;
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	if (!buf || ferror(f)) {
		fprintf(stderr, "jitrun: cannot read %s: %s\n", path,
			buf ? strerror(errno) : "out of memory");
		exit(EXIT_USAGE);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Report a compile error under the path the user gave (err->file has
 * only its base name, and may be truncated). */
static void
fail(const char *path, struct jit_error *err)
{
	fprintf(stderr, "%s:%d: %s\n", path, err->line, err->msg);
	exit(EXIT_USAGE);
}

static const char *
basename_of(const char *path)
{
	const char *s;

	s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int showstats;

static void
printstats(void)
{
	struct jit_stats st;

	if (!showstats)
		return;
	jit_stats(&st);
	fprintf(stderr, "tre %lu\ninlined %lu\nextensions %lu\nthreaded %lu\n",
		st.tre, st.inlined, st.extensions, st.threaded);
	fprintf(stderr, "rotated %lu\n", st.rotated);
}

static int
print_asm(const char *path, const char *il, size_t len)
{
	struct jit_error err;
	char *text;
	size_t n;

	memset(&err, 0, sizeof err);
	if (jit_il_to_asm(il, len, basename_of(path), &text, &n, &err) != 0)
		fail(path, &err);
	printstats();
	fwrite(text, 1, n, stdout);
	free(text);
	return 0;
}

/* Compile/release cycles must leave the C heap, QBE's heap and the
 * arena exactly as they were, after compiles that fail too. Measured
 * after one warm-up cycle (libc sets some state up lazily) and with
 * glibc's per-thread cache off: mallinfo2 counts cached blocks as used,
 * so jitrun re-executes itself with the cache disabled. */
static int
cycles(char **argv, const char *path, const char *il, size_t len, long n)
{
	struct jit_module *m;
	struct jit_error err;
	struct arena_stats as;
	size_t before = 0, after;
	long i, nerr;

	if (!getenv("GLIBC_TUNABLES")) {
		setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
		execv("/proc/self/exe", argv);
		/* no /proc: measure anyway */
	}
	nerr = 0;
	for (i = 0; i <= n; i++) {
		if (i == 1)
			before = mallinfo2().uordblks;
		if (jit_compile(il, len, basename_of(path), &m, &err) != 0)
			nerr++;
		jit_release(m);
	}
	after = mallinfo2().uordblks;
	arena_stats(&as);
	printf("cycles %ld errors %ld heap_before %zu heap_after %zu qbe_live %zu "
		"arena_free %zu/%zu extents %zu\n", n, nerr, before, after,
		shim_heap_live(), as.free_bytes, as.size, as.free_extents);
	return after == before && shim_heap_live() == 0
		&& as.free_bytes == as.size && as.free_extents == 1 ? 0 : 1;
}

/* The program's run alone, apart from compiling it: under callgrind,
 * --toggle-collect=jitrun_call counts just this (tests/test_opt_cbench.py). */
__attribute__((noinline)) int
jitrun_call(int (*entry)(int, char **), int argc, char **argv)
{
	return entry(argc, argv);
}

int
main(int argc, char **argv)
{
	struct jit_module *m;
	struct jit_error err;
	int (*entry)(int, char **);
	const char *path, *name;
	char *il, *end, **argv0;
	size_t len;
	long ncycles;
	int asmonly, rc;

	argv0 = argv;
	asmonly = 0;
	ncycles = -1;
	argv++;
	argc--;
	if (argc > 0 && strncmp(argv[0], "--passes=", 9) == 0) {
		if (jit_set_passes(argv[0] + 9) != 0) {
			fprintf(stderr, "jitrun: unknown pass in %s (known: %s)\n",
				argv[0], jit_pass_names);
			return EXIT_USAGE;
		}
		argv++;
		argc--;
	}
	if (argc > 0 && strcmp(argv[0], "--stats") == 0) {
		showstats = 1;
		argv++;
		argc--;
	}
	if (argc > 0 && strcmp(argv[0], "-S") == 0) {
		asmonly = 1;
		argv++;
		argc--;
	} else if (argc > 1 && strcmp(argv[0], "--cycles") == 0) {
		ncycles = strtol(argv[1], &end, 10);
		if (*end || ncycles < 1)
			usage();
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		usage();
	path = argv[0];
	name = basename_of(path);
	il = readfile(path, &len);
	if (asmonly)
		return print_asm(path, il, len);
	if (host_arena_init(ARENA_SIZE) != 0) {
		fprintf(stderr, "jitrun: cannot map the JIT arena near the program text\n");
		return EXIT_USAGE;
	}
	if (ncycles > 0)
		return cycles(argv0, path, il, len, ncycles);
	memset(&err, 0, sizeof err);
	if (jit_compile(il, len, name, &m, &err) != 0)
		fail(path, &err);
	printstats();
	free(il);
	entry = (int (*)(int, char **))jit_symbol(m, "main");
	if (!entry) {
		fprintf(stderr, "%s:0: no function $main (export function w $main ...)\n", path);
		jit_release(m);
		return EXIT_USAGE;
	}
	rc = jitrun_call(entry, argc, argv);
	fflush(stdout);
	jit_release(m);
	return rc;
}
