/* Library calls the JIT compiles as instructions.
 *
 * A call to sqrt() clobbers every floating-point register (none is
 * callee-saved in the SysV ABI), so a loop computing a distance spills
 * and reloads all its doubles around it, on top of the call itself:
 * nbody's inner loop kept five values on the stack for it. C compilers
 * treat sqrt as a builtin and emit sqrtsd; so does this pass, with
 * the `sqrt` instruction our QBE adjustments add (jitboot/qbe.py).
 *
 * Exact: sqrt of the JIT's payload library is sqrtsd itself
 * (kernel_lib/libm.c: correctly rounded, as C requires), and the C
 * front door compiles payloads with -fno-math-errno, so no errno is
 * lost; the host twin follows the kernel. A module that defines its
 * own function named sqrt keeps its calls, which is why the pass needs
 * the whole module first (opt_wants_module()).
 *
 * A call `%r =d call $sqrt(d %x)` becomes `%r =d sqrt %x`: one plain
 * argument of class d, a result of class d. Runs at QBE_HOOK_MODULE,
 * before QBE's optimizations, so GVN and GCM treat it as any other
 * pure instruction. */
#include "all.h"
#include "opt.h"

void
opt_builtin(Fn *fn)
{
	Blk *b;
	Ins *i, *a;
	Con *c;
	int first, n;
	uint ci;

	if (opt_defines("sqrt"))
		return;
	n = 0;
	for (b=fn->start; b; b=b->link)
		for (ci=0; ci<b->nins; ci++) {
			i = &b->ins[ci];
			if (i->op != Ocall || i->cls != Kd || rtype(i->arg[0]) != RCon
			|| !req(i->arg[1], R))
				continue;
			c = &fn->con[i->arg[0].val];
			if (c->type != CAddr || c->sym.type != SGlo || c->bits.i != 0
			|| strcmp(str(c->sym.id), "sqrt") != 0)
				continue;
			if ((first = opt_callargs(b, ci)) < 0 || (uint)first + 1 != ci)
				continue;
			a = &b->ins[first];
			if (a->op != Oarg || a->cls != Kd)
				continue;
			*a = (Ins){.op = Osqrt, .cls = Kd, .to = i->to, .arg = {a->arg[0], R}};
			*i = (Ins){.op = Onop};
			n++;
		}
	opt_stats.builtins += n;
}
