/* frontend-check: jit_compile_opts (jit/jit.h) on the host, the way a
 * front end running inside the kernel uses it: module A exports a
 * function and data, module B calls them, a function the resolver
 * provides and one of an extra table; the lookup order; unresolved
 * symbols in err.symbol; a module held by another refuses to go; the
 * pass selection of one compile. One "ok N - what" or "not ok N - what
 * # why" line per check (tests/test_jitrun.py reads them); exits 1 if
 * any failed. Built from the same objects as jitrun. */
#include <stdio.h>
#include <string.h>
#include "jit.h"
#include "host/host.h"

static const char lib_il[] =
	"export data $lib_count = { w 0 }\n"
	"export function l $lib_square(l %x) {\n"
	"@start\n"
	"	%c =w loadw $lib_count\n"
	"	%c1 =w add %c, 1\n"
	"	storew %c1, $lib_count\n"
	"	%r =l mul %x, %x\n"
	"	ret %r\n"
	"}\n"
	"export function l $lib_twice(l %x) {\n"
	"@start\n"
	"	%r =l add %x, %x\n"
	"	ret %r\n"
	"}\n";

/* compute(x) = fe_bias(fe_scale(lib_square(x))) + lib_count */
static const char prog_il[] =
	"export function l $compute(l %x) {\n"
	"@start\n"
	"	%a =l call $lib_square(l %x)\n"
	"	%b =l call $fe_scale(l %a)\n"
	"	%c =l call $fe_bias(l %b)\n"
	"	%n =w loadw $lib_count\n"
	"	%n2 =l extsw %n\n"
	"	%r =l add %c, %n2\n"
	"	ret %r\n"
	"}\n";

/* Each name here is defined in two places of the lookup order. */
static const char order_il[] =
	"data $abc = { b \"abc\", b 0 }\n"
	"export function l $by_table() {\n"
	"@start\n"
	"	%r =l call $lib_square(l 3)\n"
	"	ret %r\n"
	"}\n"
	"export function l $by_module() {\n"
	"@start\n"
	"	%r =l call $lib_twice(l 3)\n"
	"	ret %r\n"
	"}\n"
	"export function l $by_resolver() {\n"
	"@start\n"
	"	%r =l call $strlen(l $abc)\n"
	"	ret %r\n"
	"}\n";

static const char missing_il[] =
	"export function l $f() {\n"
	"@start\n"
	"	%r =l call $fe_nowhere(l 1)\n"
	"	ret %r\n"
	"}\n";

/* tail recursion "tre" turns into a loop */
static const char tre_il[] =
	"export function l $sum(l %n, l %acc) {\n"
	"@start\n"
	"	jnz %n, @more, @done\n"
	"@done\n"
	"	ret %acc\n"
	"@more\n"
	"	%a =l add %acc, %n\n"
	"	%m =l sub %n, 1\n"
	"	%r =l call $sum(l %m, l %a)\n"
	"	ret %r\n"
	"}\n";

static int nchecks, nfailed;

static int
check(int ok, const char *what, const char *why)
{
	nchecks++;
	if (ok) {
		printf("ok %d - %s\n", nchecks, what);
	} else {
		nfailed++;
		printf("not ok %d - %s # %s\n", nchecks, what, why);
	}
	return ok;
}

static long fe_scale(long x) { return 3 * x; }
static long fe_bias(long x) { return x + 1000; }
static long fake_square(long x) { return -x; }
static long fake_twice(long x) { return -2 * x; }
static size_t fake_strlen(const char *s) { (void)s; return 77; }

/* What the resolver was asked, in order, space-separated. */
static char asked[256];

static void *
resolve(void *ctx, const char *name)
{
	size_t n = strlen(asked);

	snprintf(asked + n, sizeof asked - n, "%s%s", n ? " " : "", name);
	if (ctx != asked)
		return 0;
	if (strcmp(name, "fe_scale") == 0)
		return (void *)fe_scale;
	if (strcmp(name, "lib_twice") == 0)
		return (void *)fake_twice;
	if (strcmp(name, "strlen") == 0)
		return (void *)fake_strlen;
	return 0;
}

static const struct jit_extern runtime[] = {
	{"fe_bias", (void *)fe_bias},
};

static const struct jit_extern shadows[] = {
	{"lib_square", (void *)fake_square},
};

/* A front end's own abs, of another signature than the exported one. */
static long fe_abs(double x) { return (long)(x * 10); }

static const struct jit_extern own_abs[] = {
	{"abs", (void *)fe_abs},
};

static const char abs_il[] =
	"export function l $f() {\n"
	"@start\n"
	"\t%r =l call $abs(d d_2.5)\n"
	"\tret %r\n"
	"}\n";

static int
compile(const char *il, const char *name, const struct jit_options *o,
	struct jit_module **m)
{
	struct jit_error err;
	char why[400];

	if (jit_compile_opts(il, strlen(il), name, o, m, &err) != 0) {
		snprintf(why, sizeof why, "%s:%d: %s", err.file, err.line, err.msg);
		check(0, name, why);
		return 0;
	}
	return 1;
}

static long
call(struct jit_module *m, const char *fn)
{
	long (*f)(void) = (long (*)(void))jit_symbol(m, fn);

	return f ? f() : -999;
}

static void
link_two_modules(void)
{
	struct jit_module *lib, *prog;
	struct jit_options o = {0};
	long (*compute)(long), got;
	char why[200];

	if (!compile(lib_il, "lib.ssa", 0, &lib))
		return;
	o.symbols = runtime;
	o.nsymbols = 1;
	o.modules = &lib;
	o.nmodules = 1;
	o.resolve = resolve;
	o.ctx = asked;
	asked[0] = 0;
	if (!compile(prog_il, "prog.ssa", &o, &prog)) {
		jit_release(lib);
		return;
	}
	check(strcmp(asked, "fe_scale") == 0,
		"the resolver is asked only for what no table and no module has",
		asked);
	compute = (long (*)(long))jit_symbol(prog, "compute");
	got = compute ? compute(5) : -1;
	/* 5*5 in lib, *3 by the resolver's, +1000 by the table's, + lib's count */
	snprintf(why, sizeof why, "got %ld", got);
	check(got == 25 * 3 + 1000 + 1, "compute(5) == 1076: module, resolver, table and module data", why);
	check(jit_release(lib) == -1, "releasing lib while prog holds it is refused", "returned 0");
	got = compute ? compute(2) : -1;
	snprintf(why, sizeof why, "got %ld", got);
	check(got == 4 * 3 + 1000 + 2, "lib still works after the refusal: compute(2) == 1014", why);
	check(jit_release(prog) == 0, "prog released", "refused");
	check(jit_release(lib) == 0, "lib released after prog", "refused");
}

/* The typed FFI check applies to calls that bind to the export table:
 * with the front end's own abs(double) the call is the front end's. */
static void
own_function_of_an_exported_name(void)
{
	struct jit_options o = {0};
	struct jit_module *m;
	struct jit_error err;
	char why[300];
	long got;

	check(jit_compile(abs_il, strlen(abs_il), "abs.ssa", &m, &err) != 0
		&& strstr(err.msg, "abs(int) takes an integer as argument 1"),
		"abs(d) against the exported abs(int) is a mismatch", err.msg);
	o.symbols = own_abs;
	o.nsymbols = 1;
	if (!compile(abs_il, "abs.ssa", &o, &m))
		return;
	got = call(m, "f");
	snprintf(why, sizeof why, "got %ld", got);
	check(got == 25, "with the front end's own abs(double), abs(d) binds to it unchecked", why);
	jit_release(m);
}

static void
lookup_order(void)
{
	struct jit_module *lib, *order;
	struct jit_options o = {0};
	char why[200];
	long got;

	if (!compile(lib_il, "lib.ssa", 0, &lib))
		return;
	o.symbols = shadows;
	o.nsymbols = 1;
	o.modules = &lib;
	o.nmodules = 1;
	o.resolve = resolve;
	o.ctx = asked;
	asked[0] = 0;
	if (compile(order_il, "order.ssa", &o, &order)) {
		got = call(order, "by_table");
		snprintf(why, sizeof why, "got %ld", got);
		check(got == -3, "the extra table before the modules", why);
		got = call(order, "by_module");
		snprintf(why, sizeof why, "got %ld", got);
		check(got == 6, "the modules before the resolver", why);
		got = call(order, "by_resolver");
		snprintf(why, sizeof why, "got %ld", got);
		check(got == 77, "the resolver before the kernel's export table", why);
		check(strcmp(asked, "strlen") == 0, "the resolver asked for strlen alone", asked);
		jit_release(order);
	}
	jit_release(lib);
}

static void
unresolved(void)
{
	struct jit_module *m;
	struct jit_options o = {0};
	struct jit_error err;
	char why[600];
	int rc;

	o.resolve = resolve;
	o.ctx = asked;
	asked[0] = 0;
	rc = jit_compile_opts(missing_il, sizeof missing_il - 1, "missing.ssa", &o, &m, &err);
	snprintf(why, sizeof why, "rc %d, %s:%d: %s [symbol '%s']", rc, err.file,
		err.line, err.msg, err.symbol);
	check(rc == -1 && m == 0 && strcmp(err.symbol, "fe_nowhere") == 0
		&& err.line == 3 && strcmp(err.file, "missing.ssa") == 0
		&& strcmp(err.msg, "undefined symbol 'fe_nowhere'") == 0,
		"an unresolved symbol: missing.ssa:3, err.symbol fe_nowhere", why);
	check(strcmp(asked, "fe_nowhere") == 0, "the resolver was asked for it", asked);
	rc = jit_compile(missing_il, sizeof missing_il - 1, "missing.ssa", &m, &err);
	check(rc == -1 && strcmp(err.symbol, "fe_nowhere") == 0,
		"jit_compile also names it in err.symbol", err.symbol);
	rc = jit_compile(lib_il, sizeof lib_il - 1, "lib.ssa", &m, &err);
	check(rc == 0 && err.symbol[0] == 0, "no symbol after a good compile", err.symbol);
	jit_release(m);
}

static void
bad_options(void)
{
	struct jit_module *m, *none = 0;
	struct jit_options o = {0};
	struct jit_error err;
	int rc;

	o.modules = &none;
	o.nmodules = 1;
	rc = jit_compile_opts(lib_il, sizeof lib_il - 1, "lib.ssa", &o, &m, &err);
	check(rc == -1 && strcmp(err.msg, "jit_options.modules[0] is NULL") == 0,
		"a NULL module is refused", err.msg);
	memset(&o, 0, sizeof o);
	o.passes = "tre,nosuch";
	rc = jit_compile_opts(lib_il, sizeof lib_il - 1, "lib.ssa", &o, &m, &err);
	check(rc == -1 && strncmp(err.msg, "unknown pass in jit_options.passes "
		"'tre,nosuch' (known: tre,", 45) == 0, "an unknown pass is refused", err.msg);
}

static void
passes_of_one_compile(void)
{
	struct jit_module *m;
	struct jit_options o = {0};
	struct jit_stats st;
	char before[JIT_PASS_SPEC_MAX], why[200];

	snprintf(before, sizeof before, "%s", jit_passes());
	o.passes = "none";
	if (compile(tre_il, "sum.ssa", &o, &m)) {
		jit_stats(&st);
		snprintf(why, sizeof why, "%lu recursive calls made jumps", st.tre);
		check(st.tre == 0, "passes = \"none\": tre did not run", why);
		jit_release(m);
	}
	check(strcmp(jit_passes(), before) == 0, "the selection is back after the compile",
		jit_passes());
	o.passes = "tre";
	if (compile(tre_il, "sum.ssa", &o, &m)) {
		jit_stats(&st);
		snprintf(why, sizeof why, "%lu recursive calls made jumps", st.tre);
		check(st.tre == 1, "passes = \"tre\": the tail call became a jump", why);
		jit_release(m);
	}
}

int
main(void)
{
	if (host_arena_init(16 << 20) != 0) {
		fprintf(stderr, "frontend-check: cannot map the JIT arena near the program text\n");
		return 2;
	}
	link_two_modules();
	lookup_order();
	own_function_of_an_exported_name();
	unresolved();
	bad_options();
	passes_of_one_compile();
	printf("1..%d\n", nchecks);
	return nfailed != 0;
}
