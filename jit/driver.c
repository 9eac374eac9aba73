/* The JIT driver: IL text -> QBE (parse, passes, the target's emitter) ->
 * assembly text -> assembler -> loader -> callable module.
 *
 * On AArch64 the emitter is QBE's arm64 one and the assembler
 * jit/asm_a64/: the machine the driver is built for is the one whose
 * code it makes.
 *
 * QBE runs on the shim (jit/shim/): its input and output are memory
 * streams, and its way of reporting a bad program (print to stderr,
 * exit) comes back here as an error return with the message. */
#include <stddef.h>
#include "jit.h"
#include "asm.h"
#include "loader.h"
#if defined(__aarch64__)
#include "asm_a64/a64.h"
#endif
#include "shim/shim.h"
#include "shim/libc.h"
#include "passes/pipeline.h"
#include "passes/opt.h"
#include "passes/ffi.h"
/* The image's config.h, for JB_JIT_PASSES; the host twin has none (it
 * builds without a gen/ directory). */
#if __has_include("config.h")
#include "config.h"
#endif

struct jit_module {
	struct jit_image *img;
	struct jit_module **held;      /* jit_options.modules it links against */
	size_t nheld;
	size_t holders;                /* loaded modules holding this one */
};

/* The options of the jit_compile_opts in progress (one compile at a
 * time: QBE's state is global anyway). */
static const struct jit_options *linking;

struct run {
	struct shim_file in, out;
	const char *name;
};

static void
run(void *arg)
{
	struct run *r = arg;

	qbe_run(&r->in, r->name, &r->out);
}

static void
seterr(struct jit_error *err, const char *name, int line, const char *msg)
{
	size_t n;

	snprintf(err->file, sizeof err->file, "%s", name);
	err->line = line;
	/* One printable line: stop at the first newline, and replace control
	 * and non-ASCII bytes (QBE quotes the offending character of binary
	 * input) with '?' so the message is safe on a terminal and in KTAP. */
	for (n = 0; msg[n] && msg[n] != '\n' && n < sizeof err->msg - 1; n++)
		err->msg[n] = (unsigned char)msg[n] < 0x20
			|| (unsigned char)msg[n] >= 0x7f ? '?' : msg[n];
	err->msg[n] = 0;
}

static int
digits(const char **s)
{
	int n;

	for (n = 0; **s >= '0' && **s <= '9'; (*s)++)
		n = 10 * n + (**s - '0');
	return n;
}

/* Where `word` starts in s, or NULL (kernel_lib has no strstr). */
static const char *
find(const char *s, const char *word)
{
	size_t n;

	n = strlen(word);
	for (; *s; s++)
		if (strncmp(s, word, n) == 0)
			return s;
	return 0;
}

/* Turn what QBE printed before exiting into file:line: message.
 *   qbe:NAME:LINE: msg          err() in the parser: a bad program
 *   FILE.c: dying: msg          die() in a pass: a limit or a QBE bug
 *   FILE.c:N: assertion failed  assert() in QBE, or the shim's own errors */
static void
qbe_error(struct jit_error *err, const char *name, const char *text, int line)
{
	char buf[sizeof err->msg];
	const char *s, *f, *dying;
	size_t n;

	if (!text || !*text)
		text = "QBE stopped without a message";
	n = strlen(name);
	if (strncmp(text, "qbe:", 4) == 0 && strncmp(text + 4, name, n) == 0
	&& text[4 + n] == ':') {
		s = text + 5 + n;
		line = digits(&s);
		if (*s == ':')
			s++;
		if (*s == ' ')
			s++;
		seterr(err, name, line, s);
		return;
	}
	dying = find(text, ": dying: ");
	if (dying) {
		/* QBE's source file, without its directory */
		for (f = dying; f > text && f[-1] != '/'; f--)
			;
		s = dying + 9;
		for (n = 0; s[n] && s[n] != '\n'; n++)
			;
		snprintf(buf, sizeof buf, "%.*s (in QBE's %.*s)", (int)n, s,
			(int)(dying - f), f);
		seterr(err, name, line, buf);
		return;
	}
	seterr(err, name, line, text);
}

/* The assembler for the machine we run on; QBE's target follows it
 * (qbe_target in passes/pipeline.c). */
#if defined(__aarch64__)
#define assemble asm_a64_assemble
#else
#define assemble asm_assemble
#endif

static int passes_chosen;

int
jit_set_passes(const char *spec)
{
	if (opt_select(spec) != 0)
		return -1;
	passes_chosen = 1;
	return 0;
}

/* Until jit_set_passes() is called, the image's choice ([features]
 * jit_passes) is in force; on the host, every pass. */
const char *
jit_passes(void)
{
#ifdef JB_JIT_PASSES
	if (!passes_chosen)
		jit_set_passes(JB_JIT_PASSES);
#endif
	return opt_selected();
}

void
jit_stats(struct jit_stats *st)
{
	*st = opt_stats;
}

int
jit_il_to_asm(const char *il, size_t len, const char *name,
	char **text, size_t *textlen, struct jit_error *err)
{
	static struct run r;
	int rc, line;

	jit_passes();
	*text = 0;
	if (textlen)
		*textlen = 0;
	shim_open_input(&r.in, il, len);
	shim_open_output(&r.out);
	shim_open_output(shim_stderr);
	r.name = name;
	rc = shim_try(run, &r);
	line = qbe_line();
	qbe_reset();
	if (rc != 0) {
		qbe_error(err, name, shim_stderr->out, line);
		shim_close(&r.out);
		shim_close(shim_stderr);
		return -1;
	}
	shim_close(shim_stderr);
	*text = shim_take_output(&r.out, textlen);
	return 0;
}

static int
identc(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		|| (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* The 1-based IL line that first refers to $sym outside comments and
 * strings, or 0: the loader knows a symbol is undefined, not where. */
static int
il_line_of(const char *il, size_t len, const char *sym, size_t n)
{
	size_t i;
	int line, str, comment;

	line = 1;
	str = comment = 0;
	for (i = 0; i < len; i++) {
		if (il[i] == '\n') {
			line++;
			comment = 0;
		} else if (comment) {
			;
		} else if (str) {
			if (il[i] == '\\')
				i++;
			else if (il[i] == '"')
				str = 0;
		} else if (il[i] == '#') {
			comment = 1;
		} else if (il[i] == '"') {
			str = 1;
		} else if (il[i] == '$' && i + 1 + n <= len
		&& strncmp(il + i + 1, sym, n) == 0
		&& (i + 1 + n == len || !identc((unsigned char)il[i + 1 + n]))) {
			return line;
		}
	}
	return 0;
}

/* An undefined symbol from the loader (its name in err->symbol):
 * point at its first use. */
static void
undefined_line(struct jit_error *err, const char *il, size_t len)
{
	if (err->symbol[0])
		err->line = il_line_of(il, len, err->symbol, strlen(err->symbol));
}

/* Steps 1-3 of jit_compile_opts' lookup (jit.h); the loader does 4. */
static void *
link_lookup(void *ctx, const char *name)
{
	const struct jit_options *o = ctx;
	size_t i;
	void *p;

	for (i = 0; i < o->nsymbols; i++)
		if (strcmp(o->symbols[i].name, name) == 0)
			return o->symbols[i].addr;
	for (i = 0; i < o->nmodules; i++)
		if ((p = jit_symbol(o->modules[i], name)))
			return p;
	return o->resolve ? o->resolve(o->ctx, name) : 0;
}

/* The typed FFI check's question during jit_compile_opts (passes/ffi.h). */
static void *
ffi_bound(const char *name)
{
	return linking ? link_lookup((void *)linking, name) : 0;
}

int
jit_compile(const char *il, size_t len, const char *name,
	struct jit_module **m, struct jit_error *err)
{
	struct asm_obj *obj;
	struct jit_image *img;
	char *text, buf[sizeof err->msg];
	size_t n;
	int rc;

	*m = 0;
	memset(err, 0, sizeof *err);
	if (jit_il_to_asm(il, len, name, &text, &n, err) != 0)
		return -1;
	rc = assemble(text, n, name, &obj, err);
	free(text);
	if (rc != 0) {
		/* the line is one of the assembly text QBE made, not of the IL */
		snprintf(buf, sizeof buf, "%.170s (assembly line %d)", err->msg, err->line);
		seterr(err, name, 0, buf);
		return -1;
	}
	/* the loader's errors (undefined symbol, arena full) have no
	 * line, and it names the module to gdb by err->file */
	snprintf(err->file, sizeof err->file, "%s", name);
	rc = jit_load_linked(obj, linking ? link_lookup : 0, (void *)linking,
		&img, err);
	asm_free(obj);
	if (rc != 0) {
		/* an undefined symbol gets the line that uses it */
		undefined_line(err, il, len);
		return -1;
	}
	*m = malloc(sizeof **m);
	if (!*m) {
		jit_unload(img);
		seterr(err, name, 0, "out of memory");
		return -1;
	}
	(*m)->img = img;
	(*m)->held = 0;
	(*m)->nheld = (*m)->holders = 0;
	return 0;
}

int
jit_compile_opts(const char *il, size_t len, const char *name,
	const struct jit_options *opts, struct jit_module **m,
	struct jit_error *err)
{
	char saved[JIT_PASS_SPEC_MAX], buf[sizeof err->msg];
	size_t i;
	int rc;

	if (!opts)
		return jit_compile(il, len, name, m, err);
	*m = 0;
	memset(err, 0, sizeof *err);
	for (i = 0; i < opts->nmodules; i++)
		if (!opts->modules[i]) {
			snprintf(buf, sizeof buf, "jit_options.modules[%zu] is NULL", i);
			seterr(err, name, 0, buf);
			return -1;
		}
	if (opts->passes) {
		snprintf(saved, sizeof saved, "%s", jit_passes());
		if (jit_set_passes(opts->passes) != 0) {
			snprintf(buf, sizeof buf, "unknown pass in jit_options.passes "
				"'%.40s' (known: %s)", opts->passes, jit_pass_names);
			seterr(err, name, 0, buf);
			return -1;
		}
	}
	linking = opts;
	ffi_lookup = ffi_bound;
	jit_load_exports = opts->exports;
	rc = jit_compile(il, len, name, m, err);
	jit_load_exports = 0;
	ffi_lookup = 0;
	linking = 0;
	if (opts->passes)
		jit_set_passes(saved);
	if (rc != 0 || !opts->nmodules)
		return rc;
	(*m)->held = malloc(opts->nmodules * sizeof *(*m)->held);
	if (!(*m)->held) {
		jit_release(*m);
		*m = 0;
		seterr(err, name, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < opts->nmodules; i++) {
		(*m)->held[i] = opts->modules[i];
		opts->modules[i]->holders++;
	}
	(*m)->nheld = opts->nmodules;
	return 0;
}

void
jit_module_extent(struct jit_module *m, void **base, size_t *size)
{
	jit_image_extent(m->img, base, size);
}

void *
jit_symbol(struct jit_module *m, const char *name)
{
	return m ? jit_image_symbol(m->img, name) : 0;
}

int
jit_where(struct jit_module *m, const void *pc, struct jit_where *w)
{
	return jit_image_where(m ? m->img : 0, pc, w);
}

int
jit_release(struct jit_module *m)
{
	size_t i;

	if (!m)
		return 0;
	if (m->holders)
		return -1;
	for (i = 0; i < m->nheld; i++)
		m->held[i]->holders--;
	free(m->held);
	jit_unload(m->img);
	free(m);
	return 0;
}
