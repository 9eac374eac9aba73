/* jitbench: the benchmark on Linux, without virtualization.
 *
 *	jitbench [--quick] [--runs N] [--passes SPEC] [NAME...]
 *
 * Runs the programs of the generated table bench_progs[] (all, or the
 * NAMEs given) the way KTEST(bench) does in the kernel: the C twin built
 * with gcc -O2, the IL through stock QBE and GNU as, and the IL through
 * our JIT in this process with our IL passes off and on (SPEC, default
 * "all"; see jit_set_passes()), timed with the TSC (best of N runs after
 * a warm-up).  Prints the kernel's "# bench ..." lines (format in
 * bench.h); jitboot/bench.py builds this tool and reads its output.
 * Exit status: 0 if every program's four results agree, 1 if not, 2 on
 * usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "jit.h"
#include "host.h"

/* The host versions of kernel_lib's TSC services (platform_host.c). */
uint64_t rdtsc(void);
uint64_t tsc_hz(void);

enum {
	ARENA_SIZE = 64 << 20,
	NCOMPILE = 5, NRUNS = 5,
	EXIT_DISAGREE = 1, EXIT_USAGE = 2,
};

static void
usage(void)
{
	fprintf(stderr, "usage: jitbench [--quick] [--runs N] [--passes SPEC] [NAME...]\n");
	exit(EXIT_USAGE);
}

static const struct bench_prog *
find(const char *name)
{
	const struct bench_prog *p;

	for (p = bench_progs; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return 0;
}

/* Whether to run p: every program when no names are given. */
static int
wanted(const struct bench_prog *p, char **names, int nnames)
{
	int i;

	for (i = 0; i < nnames; i++)
		if (strcmp(names[i], p->name) == 0)
			return 1;
	return nnames == 0;
}

static int
report(const struct bench_prog *p, const struct bench_result *r)
{
	char line[256];

	bench_line(line, sizeof line, p, r);
	printf("# %s\n", line);
	if (r->failed) {
		printf("not ok %s: the JIT compiles it (%s) # %s:%d: %s\n", p->name,
			bench_variant[r->failed], r->err.file, r->err.line, r->err.msg);
		return 0;
	}
	if (!bench_agree(r)) {
		printf("not ok %s(%ld): aot_gcc, aot_qbe, jit_off and jit_on agree"
			" # aot_gcc %ld, aot_qbe %ld, jit_off %ld, jit_on %ld\n", p->name,
			r->n, r->result[BENCH_GCC], r->result[BENCH_QBE],
			r->result[BENCH_JIT_OFF], r->result[BENCH_JIT_ON]);
		return 0;
	}
	printf("ok %s(%ld): aot_gcc, aot_qbe, jit_off and jit_on agree\n", p->name, r->n);
	return 1;
}

int
main(int argc, char **argv)
{
	const struct bench_prog *p;
	struct bench_result r;
	char onbuf[JIT_PASS_SPEC_MAX];
	const char *on;
	int quick, nruns, ncompile, ok, i, j;
	char *end;

	quick = 0;
	nruns = NRUNS;
	on = "all";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			nruns = (int)strtol(argv[++i], &end, 10);
			if (*end || nruns < 1)
				usage();
		} else if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
			on = argv[++i];
		else
			usage();
	}
	for (j = i; j < argc; j++)
		if (!find(argv[j])) {
			fprintf(stderr, "jitbench: no benchmark program %s (see tests/bench/)\n",
				argv[j]);
			return EXIT_USAGE;
		}
	if (host_arena_init(ARENA_SIZE) != 0) {
		fprintf(stderr, "jitbench: cannot map the JIT arena near the program text\n");
		return EXIT_USAGE;
	}
	if (jit_set_passes(on) != 0) {
		fprintf(stderr, "jitbench: --passes %s: unknown pass (the passes of jit_on are"
			" all, none or some of %s)\n", on, jit_pass_names);
		return EXIT_USAGE;
	}
	snprintf(onbuf, sizeof onbuf, "%s", jit_passes());	/* "all" as "tre,inline" */
	on = onbuf;
	ncompile = quick ? 1 : NCOMPILE;
	printf("# bench env tsc_hz=%llu quick=%d passes_on=%s\n",
		(unsigned long long)tsc_hz(), quick, on);
	ok = 1;
	for (p = bench_progs; p->name; p++) {
		if (!wanted(p, argv + i, argc - i))
			continue;
		bench_measure(p, quick ? p->n_quick : p->n, ncompile, nruns, on, rdtsc,
			&r);
		ok &= report(p, &r);
		fflush(stdout);
	}
	return ok ? 0 : EXIT_DISAGREE;
}
