/* Library calls the JIT compiles as instructions.
 *
 * sqrt: a call clobbers every floating-point register (none is
 * callee-saved in the SysV ABI), so a loop computing a distance spills
 * and reloads all its doubles around it, on top of the call itself:
 * nbody's inner loop kept five values on the stack for it. C compilers
 * treat sqrt as a builtin and emit sqrtsd; so does this pass, with the
 * `sqrt` instruction our QBE adjustments add (jitboot/qbe.py). Exact:
 * sqrt of the JIT's payload library is sqrtsd itself (kernel_lib/libm/basic.c:
 * correctly rounded, as C requires), and the C front door compiles
 * payloads with -fno-math-errno, so no errno is lost; the host twin
 * follows the kernel.
 *
 * memcpy of a constant size up to MAXBLIT bytes: C's struct assignment
 * (llvm.memcpy, then `call $memcpy` from the translator) and copies of
 * a known element size, a call and a loop in the library for what is a
 * few loads and stores. It becomes QBE's `blit`, which simpl() expands
 * to those loads and stores (memcpy's regions do not overlap, or the
 * call was undefined). A size the program computes counts when it is a
 * copy of a constant by now.
 *
 * A module that defines its own function of the name keeps its calls,
 * which is why the pass needs the whole module first
 * (opt_wants_module()). Runs at QBE_HOOK_MODULE, before QBE's
 * optimizations, so GVN, GCM and load elimination see what the calls
 * became. */
#include "all.h"
#include "opt.h"

enum { MAXBLIT = 64 };

/* `%r =d call $sqrt(d %x)`: `%r =d sqrt %x` */
static int
sqrtcall(Fn *fn, Ins *a, int na, Ins *call)
{
	(void)fn;
	if (na != 1 || a[0].cls != Kd || call->cls != Kd)
		return 0;
	a[0] = (Ins){.op = Osqrt, .cls = Kd, .to = call->to, .arg = {a[0].arg[0], R}};
	return 1;
}

/* `call $memcpy(l %d, l %s, l N)`: `blit %s, %d, N`, and the result,
 * when used, is %d */
static int
memcpycall(Fn *fn, Ins *a, int na, Ins *call)
{
	Ref n, d, s;
	Con *c;

	if (na != 3 || a[0].cls != Kl || a[1].cls != Kl || a[2].cls != Kl)
		return 0;
	n = opt_copied(fn, a[2].arg[0]);
	if (rtype(n) != RCon)
		return 0;
	c = &fn->con[n.val];
	if (c->type != CBits || c->bits.i < 1 || c->bits.i > MAXBLIT)
		return 0;
	d = a[0].arg[0];
	s = a[1].arg[0];
	a[0] = (Ins){.op = Oblit0, .arg = {s, d}};
	a[1] = (Ins){.op = Oblit1, .arg = {INT(c->bits.i)}};
	if (!req(call->to, R))
		a[2] = (Ins){.op = Ocopy, .cls = Kl, .to = call->to, .arg = {d}};
	else
		a[2] = (Ins){.op = Onop};
	return 1;
}

static const struct {
	char *name;
	int (*make)(Fn *, Ins *, int, Ins *);
} builtins[] = {
	{"sqrt", sqrtcall},
	{"memcpy", memcpycall},
};

enum { NBUILTIN = sizeof builtins / sizeof builtins[0] };

void
opt_builtin(Fn *fn)
{
	Blk *b;
	Ins *i;
	Con *c;
	int first, k, n;
	uint ci;

	n = 0;
	for (b=fn->start; b; b=b->link)
		for (ci=0; ci<b->nins; ci++) {
			i = &b->ins[ci];
			if (i->op != Ocall || rtype(i->arg[0]) != RCon || !req(i->arg[1], R))
				continue;
			c = &fn->con[i->arg[0].val];
			if (c->type != CAddr || c->sym.type != SGlo || c->bits.i != 0)
				continue;
			for (k=0; k<NBUILTIN && strcmp(str(c->sym.id), builtins[k].name); k++)
				;
			if (k == NBUILTIN || opt_defines(builtins[k].name)
			|| (first = opt_callargs(b, ci)) < 0)
				continue;
			if (builtins[k].make(fn, &b->ins[first], ci - first, i)) {
				*i = (Ins){.op = Onop};
				n++;
			}
		}
	opt_stats.builtins += n;
	if (n)	/* the arguments' uses moved, the results' definitions too */
		filluse(fn);
}
