/* Extensions folded into the loads they extend.
 *
 * Naive IL loads a C char as `%a =w loadub %p` and converts it with
 * `%b =w extsb %a` (the front end loads i8, then sign-extends it);
 * QBE emits both, `movzbl` then `movsbl`. When the load's only use is
 * the extension, one load of the right kind gives %b directly:
 * `%b =w loadsb %p`, one `movsbl` from memory. The same holds for the
 * other widths (an int loaded and sign-extended for an index becomes
 * one `movslq`) wherever the extension takes no more bits than the load
 * read, or the same bits with the same signedness. Moving %b's
 * definition up to the load is safe in SSA form: the load dominates the
 * extension, which dominates every use of %b.
 *
 * Runs at QBE_HOOK_SSA, after GVN and GCM (use information is fresh). */
#include "all.h"
#include "opt.h"

/* folded[extension][load]: the load that gives the extension's value,
 * or 0. Loads are loadsb..loaduw of class w, and load of class w (the
 * 32 bits as they are, like loadsw). */
static const short folded[Oextuw-Oextsb+1][Oload-Oloadsb+1] = {
	/*           loadsb   loadub   loadsh   loaduh   loadsw   loaduw   load */
	[0] = /* extsb */
		{Oloadsb, Oloadsb, Oloadsb, Oloadsb, Oloadsb, Oloadsb, Oloadsb},
	[1] = /* extub */
		{Oloadub, Oloadub, Oloadub, Oloadub, Oloadub, Oloadub, Oloadub},
	[2] = /* extsh */
		{Oloadsb, Oloadub, Oloadsh, Oloadsh, Oloadsh, Oloadsh, Oloadsh},
	[3] = /* extuh */
		{0,       Oloadub, Oloaduh, Oloaduh, Oloaduh, Oloaduh, Oloaduh},
	[4] = /* extsw */
		{Oloadsb, Oloadub, Oloadsh, Oloaduh, Oloadsw, Oloadsw, Oloadsw},
	[5] = /* extuw */
		{0,       Oloadub, 0,       Oloaduh, Oloaduw, Oloaduw, Oloaduw},
};

void
opt_ext(Fn *fn)
{
	Blk *b;
	Ins *i, *ld;
	Tmp *t;
	int op, n;

	n = 0;
	for (b=fn->start; b; b=b->link)
		for (i=b->ins; i<&b->ins[b->nins]; i++) {
			if (!isext(i->op) || rtype(i->arg[0]) != RTmp)
				continue;
			t = &fn->tmp[i->arg[0].val];
			ld = t->def;
			if (t->nuse != 1 || t->ndef != 1 || !ld || !isload(ld->op)
			|| ld->cls != Kw)
				continue;
			op = folded[i->op - Oextsb][ld->op - Oloadsb];
			if (!op)
				continue;
			ld->op = op;
			ld->cls = i->cls;
			ld->to = i->to;
			*i = (Ins){.op = Onop};
			n++;
		}
	if (n) {
		opt_stats.extensions += n;
		filluse(fn);
	}
}
