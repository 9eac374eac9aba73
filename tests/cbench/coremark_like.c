/* A CoreMark-style mix of the kernels embedded code spends its time in:
 * linked-list search and merge sort through comparator pointers, small
 * integer matrix arithmetic, a state machine scanning numbers out of
 * text, and a bitwise CRC-16 over every result.  Same algorithms as the
 * EEMBC benchmark describes, written from the description. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef short i16;
typedef int i32;

/* -- CRC-16 (CCITT polynomial, bit by bit) ---------------------------- */

static u16 crcu8(u8 data, u16 crc)
{
	for (u8 i = 0; i < 8; i++) {
		u8 x16 = (u8)((data & 1) ^ ((u8)crc & 1));
		data >>= 1;
		if (x16 == 1) {
			crc ^= 0x4002;
			crc >>= 1;
			crc |= 0x8000;
		} else {
			crc >>= 1;
		}
	}
	return crc;
}

static u16 crcu16(u16 v, u16 crc)
{
	crc = crcu8((u8)v, crc);
	return crcu8((u8)(v >> 8), crc);
}

static u16 crcu32(u32 v, u16 crc)
{
	crc = crcu16((u16)v, crc);
	return crcu16((u16)(v >> 16), crc);
}

/* -- linked list ------------------------------------------------------ */

struct item {
	i16 data;
	i16 idx;
};

struct node {
	struct node *next;
	struct item *info;
};

#define LIST_LEN 64

static struct node nodes[LIST_LEN];
static struct item items[LIST_LEN];

typedef int (*cmp_fn)(const struct item *a, const struct item *b);

static int cmp_idx(const struct item *a, const struct item *b)
{
	return a->idx - b->idx;
}

static int cmp_data(const struct item *a, const struct item *b)
{
	return a->data - b->data;
}

static struct node *list_init(u32 seed)
{
	for (int i = 0; i < LIST_LEN; i++) {
		seed = seed * 1103515245u + 12345u;
		items[i].idx = (i16)i;
		items[i].data = (i16)((seed >> 16) & 0x7fff);
		nodes[i].info = &items[i];
		nodes[i].next = i + 1 < LIST_LEN ? &nodes[i + 1] : 0;
	}
	return &nodes[0];
}

static struct node *list_find(struct node *l, i16 data)
{
	while (l && l->info->data != data)
		l = l->next;
	return l;
}

static struct node *list_reverse(struct node *l)
{
	struct node *done = 0;
	while (l) {
		struct node *next = l->next;
		l->next = done;
		done = l;
		l = next;
	}
	return done;
}

/* bottom-up merge sort of a singly linked list (no recursion, no arrays) */
static struct node *list_sort(struct node *list, cmp_fn cmp)
{
	for (int insize = 1;; insize *= 2) {
		struct node *p = list, *tail = 0;
		int merges = 0;
		list = 0;
		while (p) {
			merges++;
			struct node *q = p;
			int psize = 0;
			for (int i = 0; i < insize && q; i++) {
				psize++;
				q = q->next;
			}
			int qsize = insize;
			while (psize > 0 || (qsize > 0 && q)) {
				struct node *e;
				if (psize == 0) {
					e = q; q = q->next; qsize--;
				} else if (qsize == 0 || !q || cmp(p->info, q->info) <= 0) {
					e = p; p = p->next; psize--;
				} else {
					e = q; q = q->next; qsize--;
				}
				if (tail)
					tail->next = e;
				else
					list = e;
				tail = e;
			}
			p = q;
		}
		tail->next = 0;
		if (merges <= 1)
			return list;
	}
}

static u16 bench_list(u32 seed, int *ok)
{
	struct node *l = list_init(seed);
	u16 crc = 0;
	int found = 0;
	for (int i = 0; i < 16; i++) {
		struct node *n = list_find(l, items[(i * 7) % LIST_LEN].data);
		if (n)
			found++;
		crc = crcu16((u16)(n ? n->info->idx : -1), crc);
	}
	l = list_sort(l, cmp_data);
	for (struct node *n = l; n && n->next; n = n->next)
		if (n->info->data > n->next->info->data)
			*ok = 0;
	l = list_reverse(l);
	crc = crcu16((u16)l->info->data, crc);
	l = list_sort(l, cmp_idx);
	int i = 0;
	for (struct node *n = l; n; n = n->next, i++) {
		if (n->info->idx != i)
			*ok = 0;
		crc = crcu16((u16)n->info->data, crc);
	}
	if (found != 16 || i != LIST_LEN)
		*ok = 0;
	return crc;
}

/* -- matrices --------------------------------------------------------- */

#define MN 16

static i16 ma[MN][MN], mb[MN][MN];
static i32 mc[MN][MN];

static void matrix_init(u32 seed)
{
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			seed = seed * 1664525u + 1013904223u;
			ma[i][j] = (i16)((seed >> 20) & 0xff) - 128;
			mb[i][j] = (i16)((seed >> 8) & 0xff) - 128;
		}
}

static void mat_add_const(i16 m[MN][MN], i16 v)
{
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++)
			m[i][j] += v;
}

static void mat_mul_const(i32 out[MN][MN], i16 m[MN][MN], i16 v)
{
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++)
			out[i][j] = (i32)m[i][j] * v;
}

static void mat_mul_vect(i32 *out, i16 m[MN][MN], const i16 *v)
{
	for (int i = 0; i < MN; i++) {
		i32 s = 0;
		for (int j = 0; j < MN; j++)
			s += (i32)m[i][j] * v[j];
		out[i] = s;
	}
}

static void mat_mul(i32 out[MN][MN], i16 a[MN][MN], i16 b[MN][MN])
{
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			i32 s = 0;
			for (int k = 0; k < MN; k++)
				s += (i32)a[i][k] * b[k][j];
			out[i][j] = s;
		}
}

/* the sum as CoreMark defines it: count how often the running sum
 * crosses a clip value, folding the elements in */
static i16 mat_sum(i32 m[MN][MN], i32 clip)
{
	i32 cur = 0, prev = 0;
	i16 ret = 0;
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			cur += m[i][j];
			if (cur > clip) {
				ret += 10;
				cur = 0;
			} else {
				ret += cur > prev ? 1 : 0;
			}
			prev = cur;
		}
	return ret;
}

static u16 bench_matrix(u32 seed)
{
	u16 crc = 0;
	i32 vec[MN];
	matrix_init(seed);
	mat_add_const(ma, 3);
	mat_mul_const(mc, ma, 7);
	crc = crcu16((u16)mat_sum(mc, 5000), crc);
	mat_mul_vect(vec, ma, mb[0]);
	for (int i = 0; i < MN; i++)
		crc = crcu32((u32)vec[i], crc);
	mat_mul(mc, ma, mb);
	crc = crcu16((u16)mat_sum(mc, 50000), crc);
	mat_add_const(ma, -3);
	return crc;
}

/* -- state machine ---------------------------------------------------- */

enum state { START, INVALID, S1, S2, INT, FLOAT, EXPONENT, SCIENTIFIC, NSTATES };

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* advance over one comma-terminated token; count every transition */
static enum state next_state(const char **p, unsigned *transitions)
{
	const char *s = *p;
	enum state st = START;
	for (; *s && st != INVALID; s++) {
		char c = *s;
		if (c == ',') {
			s++;
			break;
		}
		switch (st) {
		case START:
			if (is_digit(c))
				st = INT;
			else if (c == '+' || c == '-')
				st = S1;
			else if (c == '.')
				st = FLOAT;
			else {
				st = INVALID;
				transitions[INVALID]++;
			}
			transitions[START]++;
			break;
		case S1:
			if (is_digit(c)) {
				st = INT;
				transitions[S1]++;
			} else if (c == '.') {
				st = FLOAT;
				transitions[S1]++;
			} else {
				st = INVALID;
				transitions[S1]++;
			}
			break;
		case INT:
			if (c == '.') {
				st = FLOAT;
				transitions[INT]++;
			} else if (!is_digit(c)) {
				st = INVALID;
				transitions[INT]++;
			}
			break;
		case FLOAT:
			if (c == 'E' || c == 'e') {
				st = S2;
				transitions[FLOAT]++;
			} else if (!is_digit(c)) {
				st = INVALID;
				transitions[FLOAT]++;
			}
			break;
		case S2:
			if (c == '+' || c == '-') {
				st = EXPONENT;
				transitions[S2]++;
			} else {
				st = INVALID;
				transitions[S2]++;
			}
			break;
		case EXPONENT:
			if (is_digit(c)) {
				st = SCIENTIFIC;
				transitions[EXPONENT]++;
			} else {
				st = INVALID;
				transitions[EXPONENT]++;
			}
			break;
		case SCIENTIFIC:
			if (!is_digit(c)) {
				st = INVALID;
				transitions[INVALID]++;
			}
			break;
		default:
			break;
		}
	}
	/* an invalid token is skipped to its comma */
	while (*s && s[-1] != ',')
		s++;
	*p = s;
	return st;
}

static const char *const tokens[] = {
	"5012", "1234", "-874", "+122", "35.54400", ".1234500", "-110.700", "+0.64400",
	"5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z",
	"34.0e-T^",
};

static char text[4096];

static u16 bench_state(u32 seed, int *ok)
{
	unsigned final[NSTATES] = {0}, transitions[NSTATES] = {0};
	size_t len = 0;
	int ntok = 0;
	while (len + 12 < sizeof text) {
		seed = seed * 1103515245u + 12345u;
		const char *t = tokens[(seed >> 16) % (sizeof tokens / sizeof tokens[0])];
		size_t n = strlen(t);
		memcpy(text + len, t, n);
		len += n;
		text[len++] = ',';
		ntok++;
	}
	text[len] = 0;
	const char *p = text;
	int seen = 0;
	while (*p) {
		final[next_state(&p, transitions)]++;
		seen++;
	}
	if (seen != ntok)
		*ok = 0;
	u16 crc = 0;
	for (int i = 0; i < NSTATES; i++) {
		crc = crcu32(final[i], crc);
		crc = crcu32(transitions[i], crc);
	}
	return crc;
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	int iterations = 1000 * scale;
	u16 crc_list = 0, crc_matrix = 0, crc_state = 0, crc = 0;
	int ok = 1;
	for (int it = 0; it < iterations; it++) {
		u32 seed = (u32)it * 2654435761u + 1;
		crc_list = crcu16(bench_list(seed, &ok), crc_list);
		crc_matrix = crcu16(bench_matrix(seed), crc_matrix);
		crc_state = crcu16(bench_state(seed, &ok), crc_state);
	}
	crc = crcu16(crc_list, crcu16(crc_matrix, crcu16(crc_state, 0)));
	printf("list %04x matrix %04x state %04x final %04x\n", crc_list, crc_matrix,
	       crc_state, crc);
	printf("%s\n", ok ? "ok" : "FAIL: a self-check failed");
	return ok ? 0 : 1;
}
