/*
 * gcov.c - a freestanding gcov runtime: the coverage image's counters,
 * written out as .gcda files over the serial port when the tests end.
 *
 * Only `doit coverage` links this file (component "gcov", jitboot/coverage.py);
 * normal images do not.  The instrumented objects are compiled with gcc 12's
 * -fprofile-arcs -ftest-coverage -fprofile-info-section=gcov_info: instead
 * of a constructor calling __gcov_init() for each object (this kernel runs
 * no constructors), gcc puts a pointer to each object's struct gcov_info in
 * the section gcov_info, which the linker script gathers between
 * __gcov_info_start and __gcov_info_end.  The counters themselves are in
 * .bss, incremented in place by the instrumented code.
 *
 * At the end of the run ktest_run_all() calls gcov_dump() (a weak
 * reference: zero in normal images), which turns every object's counters
 * into the bytes libgcov would have written to its .gcda file, and sends
 * them framed as KTAP diagnostics, so the harness's KTAP parser skips them
 * (the words are JB_GCOV_* of gen/protocol.h):
 *
 *	# gcov-file <bytes> <crc32 hex> <path of the .gcda>
 *	# gcov-data <base64, JB_GCOV_LINE_BYTES bytes a line>
 *	...
 *	# gcov-end <files>
 *
 * jitboot/coverage.py checks each file's length and CRC-32 and writes it
 * next to its .gcno.  Serial rather than a QMP memory dump, because the
 * kernel has the structures at hand (the host would have to re-derive
 * gcc's layout from the ELF and know the physical address of every
 * counter), the dump is taken at a known point of the run, and a short or
 * garbled transfer is detected by the frame itself.
 *
 * Nothing here may be instrumented or call instrumented code (printf,
 * serial_putc): counters that move while they are written would make the
 * file disagree with itself, so this file drives the UART on its own.
 */
#include "kernel.h"
#include "x86.h"

/* gcc 12's in-memory layout (libgcc/libgcov.h, GCOV_COUNTERS = 8 in
 * gcc/gcov-counter.def); gcov checks `version` against the .gcno.  Other
 * gcc versions change the counter kinds and the file format: check both
 * (tests/test_coverage.py compares with libgcov) before allowing them. */
#if __GNUC__ != 12
#error "kernel_lib/gcov.c follows gcc 12's gcov ABI: build coverage images with gcc 12"
#endif
#define GCOV_COUNTERS		8

typedef int64_t gcov_type;
typedef void (*gcov_merge_fn)(gcov_type *, uint32_t);

struct gcov_ctr_info {
	uint32_t num;			/* number of counters */
	gcov_type *values;
};

struct gcov_fn_info {
	const struct gcov_info *key;	/* the object that owns the function */
	uint32_t ident;
	uint32_t lineno_checksum;
	uint32_t cfg_checksum;
	struct gcov_ctr_info ctrs[];	/* one per counter kind with a merge function */
};

struct gcov_info {
	uint32_t version;
	struct gcov_info *next;
	uint32_t stamp;
	uint32_t checksum;
	const char *filename;		/* the .gcda path, absolute */
	gcov_merge_fn merge[GCOV_COUNTERS];
	uint32_t n_functions;
	const struct gcov_fn_info *const *functions;
};

/* The .gcda format (gcc/gcov-io.h): 32-bit words in the machine's byte
 * order, 64-bit counters low word first; since gcc 12 a record's length
 * is in bytes, and negative for a counter record whose counters are all
 * zero (the counters are then left out). */
#define GCOV_DATA_MAGIC		0x67636461u	/* "gcda" */
#define GCOV_TAG_FUNCTION	0x01000000u
#define GCOV_TAG_FUNCTION_LENGTH 12
#define GCOV_TAG_COUNTER_BASE	0x01a10000u
#define GCOV_TAG_OBJECT_SUMMARY	0xa1000000u
#define GCOV_TAG_SUMMARY_LENGTH	8
#define GCOV_TAG_FOR_COUNTER(n)	(GCOV_TAG_COUNTER_BASE + ((uint32_t)(n) << 17))
#define GCOV_COUNTER_ARCS	0		/* sum_max is over these */

extern const struct gcov_info *const __gcov_info_start[];
extern const struct gcov_info *const __gcov_info_end[];

/* Referenced by every gcov_info's merge[]; only libgcov's merging of an
 * existing .gcda calls it, which the host's files never need. */
void __gcov_merge_add(gcov_type *counters, uint32_t n)
{
	(void)counters;
	(void)n;
}

/* -- the UART, without serial.c ---------------------------------------- */

#define COM1		0x3F8
#define UART_LSR	5
#define LSR_THRE	0x20

static void putc_raw(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;
	outb(COM1, c);
}

static void puts_raw(const char *s)
{
	while (*s)
		putc_raw(*s++);
}

static void putu_raw(uint64_t v, unsigned base)
{
	char buf[24];
	int n = 0;

	do
		buf[n++] = "0123456789abcdef"[v % base];
	while (v /= base);
	while (n)
		putc_raw(buf[--n]);
}

/* -- one pass over a file's words: count, checksum, or send ------------- */

/* Each .gcda is generated twice, once to learn its length and CRC-32 for
 * the header line and once to send it, so no buffer is needed. */
struct gcda_sink {
	int send;
	uint64_t len;
	uint32_t crc;			/* CRC-32 (zlib's), inverted while running */
	uint8_t pend[3];		/* bytes waiting for a base64 quantum */
	int npend;
	int col;			/* base64 characters on this line */
};

#define B64_LINE	(JB_GCOV_LINE_BYTES / 3 * 4)

static void b64_quantum(struct gcda_sink *s, int n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v = (uint32_t)s->pend[0] << 16 | (uint32_t)s->pend[1] << 8 | s->pend[2];

	if (s->col == 0)
		puts_raw(JB_KTAP_DIAGNOSTIC JB_GCOV_DATA " ");
	putc_raw(tab[v >> 18 & 63]);
	putc_raw(tab[v >> 12 & 63]);
	putc_raw(n > 1 ? tab[v >> 6 & 63] : '=');
	putc_raw(n > 2 ? tab[v & 63] : '=');
	s->col += 4;
	if (s->col == B64_LINE) {
		putc_raw('\n');
		s->col = 0;
	}
}

static void put_byte(struct gcda_sink *s, uint8_t b)
{
	int k;

	s->len++;
	s->crc ^= b;
	for (k = 0; k < 8; k++)
		s->crc = (s->crc >> 1) ^ (0xEDB88320u & -(s->crc & 1));
	if (!s->send)
		return;
	s->pend[s->npend++] = b;
	if (s->npend == 3) {
		b64_quantum(s, 3);
		s->npend = 0;
	}
}

static void put_word(struct gcda_sink *s, uint32_t w)
{
	put_byte(s, w);
	put_byte(s, w >> 8);
	put_byte(s, w >> 16);
	put_byte(s, w >> 24);
}

static void put_counter(struct gcda_sink *s, gcov_type v)
{
	put_word(s, (uint32_t)v);
	put_word(s, (uint32_t)((uint64_t)v >> 32));
}

static void sink_end(struct gcda_sink *s)
{
	if (s->npend) {
		s->pend[s->npend] = 0;
		if (s->npend == 1)
			s->pend[2] = 0;
		b64_quantum(s, s->npend);
	}
	if (s->col)
		putc_raw('\n');
}

static int all_zero(const struct gcov_ctr_info *c)
{
	uint32_t i;

	for (i = 0; i < c->num; i++)
		if (c->values[i])
			return 0;
	return 1;
}

/* The largest arc counter of an object, at least max. */
static gcov_type arcs_max(const struct gcov_info *gi, gcov_type max)
{
	uint32_t f, i;

	if (!gi->merge[GCOV_COUNTER_ARCS])
		return max;
	for (f = 0; f < gi->n_functions; f++) {
		const struct gcov_fn_info *fn = gi->functions[f];

		if (!fn || fn->key != gi)
			continue;
		for (i = 0; i < fn->ctrs[0].num; i++)
			if (fn->ctrs[0].values[i] > max)
				max = fn->ctrs[0].values[i];
	}
	return max;
}

/* The file libgcov's write_one_data() writes for one object after one
 * run; sum_max is the largest arc counter of the whole program, as in
 * libgcov's summary. */
static void write_gcda(struct gcda_sink *s, const struct gcov_info *gi, gcov_type sum_max)
{
	uint32_t f, i;
	int t;

	put_word(s, GCOV_DATA_MAGIC);
	put_word(s, gi->version);
	put_word(s, gi->stamp);
	put_word(s, gi->checksum);
	put_word(s, GCOV_TAG_OBJECT_SUMMARY);
	put_word(s, GCOV_TAG_SUMMARY_LENGTH);
	put_word(s, 1);				/* runs */
	put_word(s, (uint32_t)sum_max);	/* 32 bits in the file */
	for (f = 0; f < gi->n_functions; f++) {
		const struct gcov_fn_info *fn = gi->functions[f];
		const struct gcov_ctr_info *c;

		put_word(s, GCOV_TAG_FUNCTION);
		if (!fn || fn->key != gi) {
			/* a comdat function another object owns: announced empty */
			put_word(s, 0);
			continue;
		}
		put_word(s, GCOV_TAG_FUNCTION_LENGTH);
		put_word(s, fn->ident);
		put_word(s, fn->lineno_checksum);
		put_word(s, fn->cfg_checksum);
		c = fn->ctrs;
		for (t = 0; t < GCOV_COUNTERS; t++) {
			if (!gi->merge[t])
				continue;
			put_word(s, GCOV_TAG_FOR_COUNTER(t));
			if (all_zero(c)) {
				put_word(s, (uint32_t)-(int32_t)(c->num * 8));
			} else {
				put_word(s, c->num * 8);
				for (i = 0; i < c->num; i++)
					put_counter(s, c->values[i]);
			}
			c++;
		}
	}
	put_word(s, 0);				/* end of file */
}

void gcov_dump(void)
{
	const struct gcov_info *const *p;
	gcov_type sum_max = 0;
	int files = 0;

	for (p = __gcov_info_start; p < __gcov_info_end; p++)
		if (*p)
			sum_max = arcs_max(*p, sum_max);
	for (p = __gcov_info_start; p < __gcov_info_end; p++) {
		struct gcda_sink s = { .crc = 0xFFFFFFFFu };

		if (!*p)
			continue;
		write_gcda(&s, *p, sum_max);
		puts_raw(JB_KTAP_DIAGNOSTIC JB_GCOV_FILE " ");
		putu_raw(s.len, 10);
		putc_raw(' ');
		putu_raw(~s.crc, 16);
		putc_raw(' ');
		puts_raw((*p)->filename);
		putc_raw('\n');
		s = (struct gcda_sink){ .send = 1, .crc = 0xFFFFFFFFu };
		write_gcda(&s, *p, sum_max);
		sink_end(&s);
		files++;
	}
	puts_raw(JB_KTAP_DIAGNOSTIC JB_GCOV_END " ");
	putu_raw(files, 10);
	putc_raw('\n');
}
