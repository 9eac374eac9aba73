/* An open-addressing hash table (linear probing, FNV-1a, tombstones) with
 * string keys: insert, look up hits and misses, delete half, reinsert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP 8192            /* a power of two, at most half full */

struct slot {
	char key[16];
	long value;
	int state;              /* 0 empty, 1 used, 2 deleted */
};

static struct slot table[CAP];

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct slot *find(const char *key, int for_insert)
{
	unsigned i = hash(key) & (CAP - 1);
	struct slot *tomb = 0;
	for (;;) {
		struct slot *s = &table[i];
		if (s->state == 0)
			return for_insert ? (tomb ? tomb : s) : 0;
		if (s->state == 2) {
			if (!tomb)
				tomb = s;
		} else if (strcmp(s->key, key) == 0) {
			return s;
		}
		i = (i + 1) & (CAP - 1);
	}
}

static void put(const char *key, long value)
{
	struct slot *s = find(key, 1);
	if (s->state != 1) {
		strcpy(s->key, key);
		s->state = 1;
	}
	s->value = value;
}

static int get(const char *key, long *value)
{
	struct slot *s = find(key, 0);
	if (!s)
		return 0;
	*value = s->value;
	return 1;
}

static int del(const char *key)
{
	struct slot *s = find(key, 0);
	if (!s)
		return 0;
	s->state = 2;
	return 1;
}

static void make_key(char *buf, long i)
{
	/* "k" and the number in base 36, reversed: short, distinct keys */
	int n = 0;
	buf[n++] = 'k';
	do {
		buf[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36];
		i /= 36;
	} while (i);
	buf[n] = 0;
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	const long n = 4000;
	char key[16];
	long sum = 0, hits = 0, misses = 0, value = 0;
	int ok = 1;

	for (int round = 0; round < 24 * scale; round++) {
		memset(table, 0, sizeof table);
		for (long i = 0; i < n; i++) {
			make_key(key, i * 7 + round);
			put(key, i);
		}
		for (long i = 0; i < 2 * n; i++) {
			make_key(key, i * 7 + round);
			if (get(key, &value)) {
				hits++;
				sum += value;
				ok &= value == i;
			} else {
				misses++;
			}
		}
		for (long i = 0; i < n; i += 2) {
			make_key(key, i * 7 + round);
			ok &= del(key);
		}
		for (long i = 0; i < n; i++) {
			make_key(key, i * 7 + round);
			long v;
			int present = get(key, &v);
			ok &= present == (i % 2 == 1);
			if (!present)
				put(key, -i);
		}
		for (long i = 0; i < n; i++) {
			make_key(key, i * 7 + round);
			ok &= get(key, &value) && value == (i % 2 ? i : -i);
			sum += value;
		}
	}
	printf("hits %ld misses %ld sum %ld\n", hits, misses, sum);
	printf("%s\n", ok ? "ok" : "FAIL: table lost a key");
	return ok ? 0 : 1;
}
