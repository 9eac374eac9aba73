/* Typed FFI: every call the IL makes to an exported function (the export
 * table, jit/exports.txt) is checked against the C function's signature,
 * which the build read from the DWARF of the objects implementing it
 * (jitboot/ffi.py): the count of arguments and, for each, its ABI class.
 * A mismatch is a compile error naming both sides and the call's line:
 *
 *	prog.ssa:14: call $ring_push(l, d): ring_push(struct ring *, int)
 *	takes an integer as argument 2
 *
 * What is a mismatch, on amd64 System V:
 *
 *	C int (char, short, enum)  w, l or a sub-word class (sb ub sh uh):
 *	                           the callee reads the low 32 bits only, so
 *	                           `l` for an int is harmless
 *	C long, size_t, pointer    l only: `w` leaves the upper half of the
 *	                           register undefined, and the callee reads it
 *	C float, double            s, d respectively
 *	C struct by value          an aggregate (:type)
 *	count                      exact, or at least the fixed parameters of
 *	                           a variadic function; the variadic tail
 *	                           (`...` or not: amd64 QBE sets %al for
 *	                           every call) is not checked
 *	result                     none is always fine; `=w` of a long or a
 *	                           pointer truncates as a cast would, `=l` of
 *	                           an int reads undefined bits, a struct
 *	                           result comes back in whatever registers
 *	                           the front end lowered it to (not checked)
 *
 * The parser calls check() on the call's line (a hook our QBE
 * adjustments add, jitboot/qbe.py), before the callee may be defined
 * further down: a module defining its own function of an exported name
 * calls that one, so a mismatch waits for the end of the module and is
 * reported only if the module did not define the name. Names not in the
 * table (a front end's own symbols, the module's functions) and data are
 * not checked. */
#include "all.h"
#include "ffi.h"
#include "platform.h"

extern void (*jitboot_parse_call)(Fn *, Ref, Ins *, Ins *, Ref, int, int);
int jitboot_lnum(void);

/* parse.c's classes beyond all.h's Kw Kl Ks Kd, as the hook gets them */
enum { Ksb = 4, Kub, Ksh, Kuh, Kc };

typedef struct Mismatch Mismatch;

struct Mismatch {
	uint32_t callee;  /* interned name */
	int line;
	char msg[200];
};

static Mismatch *pending;
static uint npending;
static uint32_t *defined;
static uint ndefined;

/* IL classes as letters: b is a sub-word class (sb ub sh uh), a an
 * aggregate; signatures use jitboot/ffi.py's letters. */
static int
ilclass(int k)
{
	if (k == Kc)
		return 'a';
	if (k >= Ksb)
		return 'b';
	return "wlsd"[k];
}

static int
argok(int c, int il)
{
	switch (c) {
	case 'w': return il == 'w' || il == 'l' || il == 'b';
	case 'l':
	case 'p': return il == 'l';
	case 's':
	case 'd':
	case 'a': return il == c;
	default: return 1;
	}
}

static int
retok(int c, int il)
{
	switch (c) {
	case 'v': return 0;
	case 'w': return il == 'w' || il == 'b';
	case 'l':
	case 'p': return il == 'w' || il == 'l' || il == 'b';
	case 's':
	case 'd': return il == c;
	default: return 1;
	}
}

static const char *
what(int c)
{
	switch (c) {
	case 'w': return "an integer";
	case 'l': return "a 64-bit integer";
	case 'p': return "a pointer";
	case 's': return "a float";
	case 'd': return "a double";
	case 'a': return "a struct by value";
	default: return "nothing";
	}
}

static const char *clsname[] = {"w", "l", "s", "d", "sb", "ub", "sh", "uh"};

/* The call as the IL has it, classes only: "=w call $f(l, d, ...)"; a
 * long list ends in " ...)" where buf is full. */
static void
ilcall(char *buf, size_t n, const char *name, Ins *a0, Ins *a1, Ref r, int k, int ty)
{
	char arg[NString+4];
	size_t len, m;
	Ins *i;

	len = 0;
	if (!req(r, R))
		len = snprintf(buf, n, "=%s%s ", k == Kc ? ":" : "",
			k == Kc ? typ[ty].name : clsname[k]);
	len += snprintf(buf+len, n-len, "call $%s(", name);
	m = n - sizeof " ...)";
	for (i=a0; i<a1; i++) {
		if (i->op == Oargv)
			snprintf(arg, sizeof arg, "...");
		else if (i->op == Oarge)
			snprintf(arg, sizeof arg, "env");
		else if (i->op == Oargc)
			snprintf(arg, sizeof arg, ":%s", typ[i->arg[0].val].name);
		else if (i->op >= Oargsb && i->op <= Oarguh)
			snprintf(arg, sizeof arg, "%s", clsname[Ksb+i->op-Oargsb]);
		else
			snprintf(arg, sizeof arg, "%s", clsname[i->cls]);
		if (len + strlen(arg) + 2 > m) {
			snprintf(buf+len, n-len, " ...)");
			return;
		}
		len += snprintf(buf+len, n-len, "%s%s", i == a0 ? "" : ", ", arg);
	}
	snprintf(buf+len, n-len, ")");
}

static int
ilarg(Ins *i)
{
	if (i->op == Oargc)
		return 'a';
	if (i->op >= Oargsb && i->op <= Oarguh)
		return 'b';
	return "wlsd"[i->cls];
}

static void
check(Fn *fn, Ref callee, Ins *a0, Ins *a1, Ref r, int k, int ty)
{
	char il[2*NString+64], why[80];
	const char *abi, *proto, *name;
	Mismatch *m;
	Con *c;
	Ins *i;
	uint nfix, n;
	size_t room;
	int vararg;

	if (rtype(callee) != RCon)
		return;
	c = &fn->con[callee.val];
	if (c->type != CAddr || c->bits.i != 0)
		return;
	name = str(c->sym.id);
	if (!(abi = jit_export_abi(name, &proto)))
		return;
	for (nfix=0; abi[1+nfix] && abi[1+nfix] != '.'; nfix++)
		;
	vararg = abi[1+nfix] == '.';
	why[0] = 0;
	n = 0;
	for (i=a0; i<a1; i++) {
		if (i->op == Oarge || i->op == Oargv)
			continue;
		if (++n <= nfix && !argok(abi[n], ilarg(i))) {
			snprintf(why, sizeof why, "takes %s as argument %u", what(abi[n]), n);
			break;
		}
	}
	if (!why[0] && (n < nfix || (n > nfix && !vararg)))
		snprintf(why, sizeof why, "takes %s%u argument%s", vararg ? "at least " : "",
			nfix, nfix == 1 ? "" : "s");
	if (!why[0] && !req(r, R) && !retok(abi[0], ilclass(k)))
		snprintf(why, sizeof why, "returns %s", abi[0] == 'w' && k == Kl
			? "a 32-bit integer" : what(abi[0]));
	else
		r = R;  /* the result is shown only when it is what is wrong */
	if (!why[0])
		return;
	/* the message is one line of struct jit_error: shorten the IL side */
	room = sizeof m->msg - strlen(proto) - strlen(why) - 3;
	ilcall(il, room < 48 ? 48 : room > sizeof il ? sizeof il : room, name, a0, a1, r, k, ty);
	vgrow(&pending, ++npending);
	m = &pending[npending-1];
	m->callee = c->sym.id;
	m->line = jitboot_lnum();
	snprintf(m->msg, sizeof m->msg, "%s: %s %s", il, proto, why);
}

void *(*ffi_lookup)(const char *name);

void
ffi_begin(void)
{
	pending = vnew(0, sizeof pending[0], PHeap);
	defined = vnew(0, sizeof defined[0], PHeap);
	npending = ndefined = 0;
	jitboot_parse_call = check;
}

void
ffi_defined(Fn *fn)
{
	vgrow(&defined, ++ndefined);
	defined[ndefined-1] = intern(fn->name);
}

void
ffi_end(const char *inpath)
{
	uint p, d;

	jitboot_parse_call = 0;
	for (p=0; p<npending; p++) {
		for (d=0; d<ndefined; d++)
			if (defined[d] == pending[p].callee)
				break;
		if (d == ndefined && !(ffi_lookup && ffi_lookup(str(pending[p].callee)))) {
			fprintf(stderr, "qbe:%s:%d: %s\n", inpath, pending[p].line,
				pending[p].msg);
			exit(1);
		}
	}
	vfree(pending);
	vfree(defined);
	ffi_reset();
}

void
ffi_reset(void)
{
	jitboot_parse_call = 0;
	pending = 0;
	defined = 0;
	npending = ndefined = 0;
}
