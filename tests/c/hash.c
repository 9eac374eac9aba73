/* Hashes with 32- and 64-bit wrap-around: FNV-1a, djb2, CRC-32, a hash table. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static uint32_t fnv1a(const char *s) { uint32_t h = 2166136261u; while (*s) h = (h ^ (unsigned char)*s++) * 16777619u; return h; }
static uint64_t fnv64(const char *s) { uint64_t h = 14695981039346656037ull; while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull; return h; }
static unsigned long djb2(const char *s) { unsigned long h = 5381; int c; while ((c = *s++)) h = h * 33 + c; return h; }
static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return ~c;
}

#define SLOTS 64
static const char *keys[SLOTS];
static int vals[SLOTS];
static void put(const char *k, int v)
{
	uint32_t i = fnv1a(k) % SLOTS;
	while (keys[i] && strcmp(keys[i], k) != 0)
		i = (i + 1) % SLOTS;
	keys[i] = k;
	vals[i] += v;
}
static int get(const char *k)
{
	for (uint32_t i = fnv1a(k) % SLOTS; keys[i]; i = (i + 1) % SLOTS)
		if (strcmp(keys[i], k) == 0)
			return vals[i];
	return -1;
}

int main(void)
{
	const char *w[] = { "", "a", "abc", "hello world", "The quick brown fox jumps" };
	for (int i = 0; i < 5; i++)
		printf("%08x %016llx %lu %08x\n", fnv1a(w[i]), (unsigned long long)fnv64(w[i]), djb2(w[i]),
		       crc32((const unsigned char *)w[i], strlen(w[i])));
	const char *text[] = { "to", "be", "or", "not", "to", "be", "that", "is", "the", "question" };
	for (int i = 0; i < 10; i++)
		put(text[i], i + 1);
	printf("%d %d %d %d\n", get("to"), get("be"), get("question"), get("missing"));
	return 0;
}
