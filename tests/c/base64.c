/* Base64 encode and decode with lookup tables. */
#include <stdio.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
	}
	out[o] = 0;
	return o;
}

static size_t decode(const char *in, unsigned char *out)
{
	signed char rev[256];
	memset(rev, -1, sizeof rev);
	for (int i = 0; i < 64; i++)
		rev[(unsigned char)alphabet[i]] = (signed char)i;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *in && *in != '='; in++) {
		acc = acc << 6 | (unsigned)rev[(unsigned char)*in];
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

int main(void)
{
	const char *msgs[] = { "", "f", "fo", "foo", "foobar", "Many hands make light work." };
	char enc[128];
	unsigned char dec[128];
	for (int i = 0; i < 6; i++) {
		size_t n = encode((const unsigned char *)msgs[i], strlen(msgs[i]), enc);
		size_t m = decode(enc, dec);
		dec[m] = 0;
		printf("%zu [%s] %zu [%s]\n", n, enc, m, (char *)dec);
	}
	return 0;
}
