/* A libFuzzer target's LLVMFuzzerTestOneInput without libFuzzer: runs
 * each input file N times, for profiling a target without sanitizers
 * (callgrind, perf) and for measuring its speed on a fixed corpus.
 *
 *	build/fuzz/fuzz_jit-plain -n 100 tests/il/*.ssa
 *
 * Prints executions and seconds on stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *
slurp(const char *path, size_t *n)
{
	FILE *f;
	uint8_t *buf;
	long len;

	if (!(f = fopen(path, "rb")))
		return 0;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len > 0 ? len : 1);
	*n = buf ? fread(buf, 1, len, f) : 0;
	fclose(f);
	return buf;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	long reps, execs;
	uint8_t **in;
	size_t *len;
	int i, j, first;

	reps = 1;
	first = 1;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		reps = atol(argv[2]);
		first = 3;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	in = calloc(argc, sizeof *in);
	len = calloc(argc, sizeof *len);
	for (i = first; i < argc; i++)
		if (!(in[i] = slurp(argv[i], &len[i]))) {
			fprintf(stderr, "fuzz-replay: cannot read %s\n", argv[i]);
			return 1;
		}
	execs = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (j = 0; j < reps; j++)
		for (i = first; i < argc; i++, execs++)
			LLVMFuzzerTestOneInput(in[i], len[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "fuzz-replay: %ld executions in %.3f s\n", execs,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = first; i < argc; i++)
		free(in[i]);
	free(in);
	free(len);
	return 0;
}
