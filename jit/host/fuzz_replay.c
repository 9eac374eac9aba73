/* A libFuzzer target's LLVMFuzzerTestOneInput without libFuzzer: runs
 * each input file N times, for profiling a target without sanitizers
 * (callgrind, perf) and for measuring its speed on a fixed corpus.
 *
 *	build/fuzz/fuzz_jit-plain -n 100 tests/il/*.ssa
 *
 * With -m SEED, each execution runs a fresh copy of its input mutated
 * once by the target's custom mutator (fuzz_mutate.c), from seed SEED +
 * the execution's number; its fall-back to libFuzzer's mutations is a
 * byte flip, insertion or deletion here.  -o DIR also writes each
 * mutated input to DIR/N.  With the target's stage counters
 * (FUZZ_STATS), that measures how many mutants get how far.
 *
 * Prints executions and seconds on stderr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
__attribute__((weak)) size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
	unsigned int seed);

enum { MUTANT_MAX = 16384 };

static uint64_t flips = 88172645463325252ull;

/* libFuzzer's byte-level mutations, as far as the custom mutator's
 * fall-back needs them: one byte changed, inserted or removed. */
size_t
LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max)
{
	size_t at;

	flips ^= flips << 13;
	flips ^= flips >> 7;
	flips ^= flips << 17;
	at = size ? flips % size : 0;
	switch ((flips >> 32) % 3) {
	case 0:
		if (size)
			data[at] ^= 1u << (flips >> 40) % 8;
		return size;
	case 1:
		if (size >= max)
			return size;
		memmove(data + at + 1, data + at, size - at);
		data[at] = (uint8_t)(flips >> 48);
		return size + 1;
	default:
		if (!size)
			return size;
		memmove(data + at, data + at + 1, size - at - 1);
		return size - 1;
	}
}

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
	long reps, execs, seed;
	uint8_t **in, *mutant;
	size_t *len, n;
	const char *outdir;
	char path[4096];
	FILE *f;
	int i, j, first;

	reps = 1;
	seed = -1;
	outdir = 0;
	for (first = 1; first + 1 < argc; first += 2)
		if (strcmp(argv[first], "-n") == 0)
			reps = atol(argv[first + 1]);
		else if (strcmp(argv[first], "-m") == 0)
			seed = atol(argv[first + 1]);
		else if (strcmp(argv[first], "-o") == 0)
			outdir = argv[first + 1];
		else
			break;
	if (seed >= 0 && !LLVMFuzzerCustomMutator) {
		fprintf(stderr, "fuzz-replay: -m: this target has no custom mutator\n");
		return 1;
	}
	mutant = malloc(MUTANT_MAX);
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
		for (i = first; i < argc; i++, execs++) {
			if (seed < 0) {
				LLVMFuzzerTestOneInput(in[i], len[i]);
				continue;
			}
			n = len[i] < MUTANT_MAX ? len[i] : MUTANT_MAX;
			memcpy(mutant, in[i], n);
			n = LLVMFuzzerCustomMutator(mutant, n, MUTANT_MAX,
				(unsigned)(seed + execs));
			if (outdir) {
				snprintf(path, sizeof path, "%s/%ld", outdir, execs);
				if ((f = fopen(path, "wb"))) {
					fwrite(mutant, 1, n, f);
					fclose(f);
				}
			}
			LLVMFuzzerTestOneInput(mutant, n);
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "fuzz-replay: %ld executions in %.3f s\n", execs,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = first; i < argc; i++)
		free(in[i]);
	free(in);
	free(len);
	free(mutant);
	return 0;
}
