/* FNV-1a over a 64 KiB buffer, n rounds: the C twin of hash.ssa. */
#include "twin.h"

enum { BUF = 65536 };

long c_hash(long n)
{
	unsigned char *buf = malloc(BUF), *p;
	unsigned long x = 1, h = 14695981039346656037UL;
	long i, r;

	for (i = 0; i < BUF; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		buf[i] = (unsigned char)(x >> 56);
	}
	for (r = 0; r < n; r++)
		for (p = buf; p < buf + BUF; p++) {
			h ^= *p;
			h *= 1099511628211UL;
		}
	free(buf);
	return (long)h;
}
