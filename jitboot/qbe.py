"""QBE's C sources: fetched at build time into build/qbe-src/, never committed.

The pinned source is the sdist of the PyPI package qbepy, which vendors QBE
under vendor/qbe/. It is downloaded with pip (so the usual pip index and
proxy settings apply), checked against a SHA-256 before anything is
extracted, and only vendor/qbe/ is unpacked. A local QBE checkout can stand
in for it: set JITBOOT_QBE_SRC (or the doit variable qbe_src=PATH).

On the extracted copy we apply a few build-time adjustments (ADJUSTMENTS
below): NIns becomes a compile-time parameter, and QBE's file-scope state
gets reset functions so the kernel can compile many modules in a row.
EMITTER_PATCHES then change the code QBE generates for amd64 where stock
QBE's choice of instructions is measurably slow.

Two variants of the tree exist side by side (ensure_qbe_source's variant):

    "jit"    build_dir/qbe-src    ADJUSTMENTS + EMITTER_PATCHES: what the JIT
                                  compiles and what build/host/qbe is built
                                  from, so `jitrun -S` and that qbe agree
    "stock"  build_dir/qbe-stock  only STOCK_ADJUSTMENTS (what a host qbe
                                  command needs): the unpatched baseline for
                                  "QBE AOT" figures and differential tests,
                                  so our code-generation changes show in them
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

from jitboot import recipe
from jitboot.errors import JitbootError

QBEPY_VERSION = "2026.2.2"
QBEPY_SHA256 = "6cfad26a83621c995d8853e002b539404fd129e01ffb35927f7019eb3bf6a347"
SDIST_NAME = f"qbepy-{QBEPY_VERSION}.tar.gz"
SDIST_QBE_DIR = f"qbepy-{QBEPY_VERSION}/vendor/qbe/"

DEFAULT_NINS = recipe.DEFAULT_QBE_NINS     # the recipe schema's
ENV_OVERRIDE = "JITBOOT_QBE_SRC"
STAMP = ".jitboot-stamp"

# Files whose presence says "this directory is QBE".
QBE_MARKERS = ("all.h", "parse.c", "amd64/emit.c")

# Bump when ADJUSTMENTS or EMITTER_PATCHES change, so cached copies are redone.
ADJUST_VERSION = 28


class Adjust:
    """Replace exactly one match of pattern in one file of the QBE tree."""

    def __init__(self, path: str, pattern: str, repl: str, why: str):
        self.path, self.pattern, self.repl, self.why = path, pattern, repl, why

    def apply(self, qbe_dir: Path) -> None:
        f = qbe_dir / self.path
        text = f.read_text()
        new, n = re.subn(self.pattern, lambda m: self.repl, text, flags=re.M)
        if n != 1:
            raise JitbootError(
                f"{f}: cannot apply build adjustment ({self.why}): pattern "
                f"{self.pattern!r} found {n} times, expected once; use "
                f"qbepy=={QBEPY_VERSION} or a QBE checkout of the same vintage")
        f.write_text(new)


class Append:
    """Append our C text to one file of the QBE tree."""

    def __init__(self, path: str, text: str):
        self.path, self.text = path, text

    def apply(self, qbe_dir: Path) -> None:
        f = qbe_dir / self.path
        f.write_text(f.read_text() + "\n/* jitboot: */\n" + self.text)


# One step of turning the pinned QBE sources into the tree we build.
Step = Adjust | Append

# The stock config.h names the host qbepy was packaged on.
DEFAULT_TARGET = Adjust("config.h", r"^#define Deftgt .*$", "#define Deftgt T_amd64_sysv",
                        "amd64 default target")

# vgrow()'s new vector: v's elements, then zeros (vnew()'s layout, from
# the same pool), without zeroing what the copy overwrites.
VGROWN = r"""static void *
jitboot_vgrown(ulong len, Vec *v, int zero)
{
	void **pp;
	ulong cap;
	size_t n, keep;
	Vec *w;

	for (cap=VMin; cap<len; cap*=2)
		;
	n = cap * v->esz + sizeof(Vec);
	keep = v->cap * v->esz;
	if (v->pool != PHeap && nptr >= NPtr) {
		pp = emalloc(NPtr * sizeof(void *));
		pp[0] = pool;
		pool = pp;
		nptr = 1;
	}
	w = malloc(n);
	if (!w)
		die("emalloc, out of memory");
	if (v->pool != PHeap)
		pool[nptr++] = w;
	memcpy(w+1, v+1, keep);
	if (zero)
		memset((char *)(w+1) + keep, 0, n - sizeof(Vec) - keep);
	w->mag = VMag;
	w->cap = cap;
	w->esz = v->esz;
	w->pool = v->pool;
	return w + 1;
}

/* newtmp() clears each temporary it adds: fn->tmp grows unzeroed */
static void
jitboot_vgrowtmp(Tmp **vp, ulong len)
{
	Vec *v;
	void *v1;

	v = (Vec *)*vp - 1;
	assert(v+1 && v->mag == VMag);
	if (v->cap >= len)
		return;
	v1 = jitboot_vgrown(len, v, 0);
	vfree(v+1);
	*vp = v1;
}

"""

# cvttsd2si on amd64, for fold.c: the truncation when it fits, else the
# "integer indefinite" value; and QBE's dtoui l sequence built on it.
FTOI_FOLD = r"""static int64_t
jitboot_cvtt64(double d)
{
	if (d >= -0x1p63 && d < 0x1p63)
		return (int64_t)d;
	return INT64_MIN;
}

static int32_t
jitboot_cvtt32(double d)
{
	if (d > -0x1p31 - 1 && d < 0x1p31)
		return (int32_t)d;
	return INT32_MIN;
}

static uint64_t
jitboot_cvttu64(double d)
{
	uint64_t try0, try1, mask;

	try0 = jitboot_cvtt64(d);
	mask = -(try0 >> 63);
	try1 = jitboot_cvtt64(d - 0x1p63);
	return (mask & try1) | try0;
}

/* fcvtzs/fcvtzu on arm64: a value out of range saturates, NaN is 0 */
static int
jitboot_saturates(void)
{
	return strcmp(T.name, "arm64") == 0 || strcmp(T.name, "arm64_apple") == 0;
}

static int64_t
jitboot_fcvtzs(double d, int w)
{
	if (d != d)
		return 0;
	if (d <= (w ? -0x1p63 : -0x1p31))
		return w ? INT64_MIN : INT32_MIN;
	if (d >= (w ? 0x1p63 : 0x1p31))
		return w ? INT64_MAX : INT32_MAX;
	return w ? (int64_t)d : (int32_t)d;
}

static uint64_t
jitboot_fcvtzu(double d, int w)
{
	if (d != d || d <= -1)
		return 0;
	if (d >= (w ? 0x1p64 : 0x1p32))
		return w ? UINT64_MAX : UINT32_MAX;
	return (uint64_t)d;
}

"""

ADJUSTMENTS: list[Step] = [
    # insb[NIns] is a static array of NIns 16-byte instructions: 16 MiB
    # at QBE's default. The image recipe picks the size instead.
    # The value comes from config.h (JB_QBE_NINS), which our builds force
    # into every QBE-style source; the stock qbe command keeps QBE's own.
    Adjust("all.h", r"^\tNIns\s*=\s*1 << 20,$", "\tNIns    = JB_QBE_NINS,",
           "NIns from config.h"),
    Adjust("all.h", r"^enum \{\n\tNString", "#ifndef JB_QBE_NINS\n"
           "#define JB_QBE_NINS (1 << 20)\n#endif\n\nenum {\n\tNString",
           "QBE's default NIns without config.h"),
    # Label numbers restart with every module, as in a fresh qbe process.
    Adjust("amd64/emit.c", r"^\tstatic int id0;\n", "", "resettable id0"),
    Adjust("amd64/emit.c", r"^void\namd64_emitfn\(",
           "int jitboot_id0;\n#define id0 jitboot_id0\n\nvoid\namd64_emitfn(",
           "resettable id0"),
    # arm64's emitter numbers its labels with the same counter (the JIT
    # runs one target at a time; the aarch64 kernel, which has no amd64
    # emitter, gets it from jit/passes/pipeline.c).
    Adjust("arm64/emit.c", r"^\tstatic int id0;\n", "", "resettable id0"),
    Adjust("arm64/emit.c", r"^void\narm64_emitfn\(",
           "extern int jitboot_id0;\n#define id0 jitboot_id0\n\nvoid\narm64_emitfn(",
           "resettable id0"),
    # limit() keeps a heap array between calls in function statics.
    Adjust("spill.c", r"^\tstatic int \*tarr, maxt;\n", "", "resettable tarr"),
    Adjust("spill.c", r"^static void\nlimit\(BSet",
           "int *jitboot_tarr, jitboot_maxt;\n#define tarr jitboot_tarr\n"
           "#define maxt jitboot_maxt\n\nstatic void\nlimit(BSet",
           "resettable tarr"),
    # QBE's IL reference spells a number as an optional '-' and digits,
    # but getint() takes the character after '-' as a digit whatever it
    # is: `-s` was the constant -67 (and as a double's bits a NaN, which
    # fold.c then converted to an integer: undefined behaviour, found by
    # fuzzing: tests/fuzz/regressions/jit/minus_letter.ssa).
    Adjust("parse.c", r"^\tm = \(c == '-'\);\n\tif \(m\)\n\t\tc = fgetc\(inf\);\n",
           "\tm = (c == '-');\n\tif (m)\n\t\tc = fgetc(inf);\n"
           "\tif (c < '0' || c > '9')\n\t\terr(\"a number needs a digit after '-'\");\n",
           "a digit after '-'"),
    # QBE gives a use no definition reaches (a temporary defined on
    # another path, a load of a slot nothing stored) its UNDEF constant,
    # 0xdeaddead. The value is a variable so that the differential fuzzer
    # (jit/host/fuzz_diff.c) can change it between runs: a program whose
    # output follows it depends on an undefined value, not on our passes.
    Adjust("parse.c", r"^\tcurf->con\[0\]\.bits\.i = 0xdeaddead;  /\* UNDEF \*/\n",
           "\tcurf->con[0].bits.i = jitboot_undef;  /* UNDEF */\n", "UNDEF's value a variable"),
    Adjust("parse.c", r"^static PState\nparseline\(",
           "int64_t jitboot_undef = 0xdeaddead;\nlong jitboot_undef_uses;\n\n"
           "static PState\nparseline(",
           "UNDEF's value a variable"),
    # And the uses it gives UNDEF are counted: a program whose output
    # differs with our passes after reading an undefined value (tre turns
    # a recursive call into a loop, and a temporary read before it is
    # defined then holds the last iteration's value) is not a finding.
    Adjust("ssa.c", r"^\t\t/\* uh, oh, warn \*/\n\t\treturn UNDEF;\n",
           "\t\t/* uh, oh, warn */\n\t\t{ extern long jitboot_undef_uses; jitboot_undef_uses++; }\n"
           "\t\treturn UNDEF;\n", "count the uses given UNDEF"),
    Adjust("mem.c", r"^\t\t\ti->op = Ocopy;\n\t\t\ti->arg\[0\] = UNDEF;\n",
           "\t\t\ti->op = Ocopy;\n\t\t\ti->arg[0] = UNDEF;\n"
           "\t\t\t{ extern long jitboot_undef_uses; jitboot_undef_uses++; }\n",
           "count the uses given UNDEF"),
    # An empty aggregate, `type :t = { }`, leaves its alignment at -1 and
    # parsefields() shifts by it (undefined behaviour, found by fuzzing:
    # tests/fuzz/regressions/jit/empty_type.ssa): give it alignment 1.
    Adjust("parse.c", r"^\ta = 1 << al;\n\tif \(sz < ty->size\)",
           "\tif (al < 0)\n\t\tal = 0;\n\ta = 1 << al;\n\tif (sz < ty->size)",
           "empty aggregate types"),
    # The JIT's inliner needs every function of the module before it
    # compiles the first one; it finishes them when parsing reaches the
    # end, while the module's aggregate types still exist.
    Adjust("parse.c", r"^void\nparse\(FILE \*f,",
           "void (*jitboot_parse_end)(void);\n\nvoid\nparse(FILE *f,",
           "end-of-module hook"),
    # The JIT checks each call to an exported function against the C
    # function's signature (jit/passes/ffi.c) while the parser is on the
    # call's line, for the message's line number.
    Adjust("parse.c", r"^static PState\nparseline\(",
           "void (*jitboot_parse_call)(Fn *, Ref, Ins *, Ins *, Ref, int, int);\n"
           "static Ins *jitboot_args;\n\nstatic PState\nparseline(", "call hook"),
    Adjust("parse.c", r"^\t\targ\[0\] = parseref\(\);\n\t\tparserefl\(1\);\n",
           "\t\targ[0] = parseref();\n\t\tjitboot_args = curi;\n\t\tparserefl(1);\n"
           "\t\tif (jitboot_parse_call)\n\t\t\tjitboot_parse_call(curf, arg[0], jitboot_args,"
           " curi, r, k, k == Kc ? ty : -1);\n", "call hook"),
    Adjust("parse.c", r"^\t\tcase Teof:\n",
           "\t\tcase Teof:\n\t\t\tif (jitboot_parse_end)\n\t\t\t\tjitboot_parse_end();\n",
           "end-of-module hook"),
    # A block left with nothing but dbgloc lines (the debug lines of C
    # payloads) has no code, like one with no instruction: simpljmp must
    # thread jumps through it too, or debug lines would change the code
    # (tests/test_debug_lines.py compiles the C corpus with and without).
    Adjust("cfg.c", r"^/\* requires rpo and no phis, breaks cfg \*/\n",
           "static int\njitboot_nocode(Blk *b)\n{\n\tIns *i;\n\n"
           "\tfor (i=b->ins; i<&b->ins[b->nins]; i++)\n\t\tif (i->op != Odbgloc)\n"
           "\t\t\treturn 0;\n\treturn 1;\n}\n\n"
           "/* requires rpo and no phis, breaks cfg */\n", "dbgloc-only blocks have no code"),
    Adjust("cfg.c", r"^\t\tif \(b->nins == 0\)\n\t\tif \(b->jmp\.type == Jjmp\) \{\n",
           "\t\tif (jitboot_nocode(b))\n\t\tif (b->jmp.type == Jjmp) {\n",
           "dbgloc-only blocks have no code"),
    # simplcfg replaces a jnz whose two successors are empty and jump
    # alike by their jump; an empty block whose jnz names itself and a
    # block jumping alike (`@a jnz %c, @a, @b` with `@b` empty and
    # `jnz %c, @a, @b`) is replaced by itself, and the loop never ended
    # (a fuzz_jit finding: tests/fuzz/regressions/jit/simplcfg_self_jnz.ssa).
    Adjust("cfg.c", r"^\t\t\t&& jmpnophi\(&jmp\[j->s1->id\]\)\) \{\n",
           "\t\t\t&& jmpnophi(&jmp[j->s1->id])\n"
           "\t\t\t&& !jmpeq(j, &jmp[j->s1->id])) {\n",
           "simplcfg: no replacement of a jump by itself"),
    # A square root instruction, `sqrt`, for the JIT's builtin pass
    # (jit/passes/opt_builtin.c): calls to sqrt() become sqrtsd instead
    # of a call that clobbers every floating-point register. After cast,
    # so the ranges of all.h (isext, the compares) keep their members;
    # pure, not folded (fold.c knows nothing of it), flags untouched.
    # As a two-address instruction (`-`), the emitter copies the operand
    # to the destination first unless the allocator gave both one
    # register: sqrtsd writes only the low lane, and a destination holding
    # some other value would make it wait for that value's writer.
    Adjust("ops.h", r"^O\(cast,    T\(s,d,w,l, x,x,x,x\), F\(1,0,0,0,0,0,0,0,0,0\)\) X\(0,0,1\) V\(0\)\n",
           "O(cast,    T(s,d,w,l, x,x,x,x), F(1,0,0,0,0,0,0,0,0,0)) X(0,0,1) V(0)\n"
           "O(sqrt,    T(e,e,s,d, e,e,x,x), F(0,0,0,0,0,0,0,0,0,0)) X(0,0,1) V(0)\n",
           "sqrt instruction"),
    # amd64's shl, shr and sar leave the flags as they were when the
    # count is 0 modulo the width, but QBE's ops table has them set ZF,
    # so a branch on a shift's result tested flags of some earlier
    # instruction: `udiv %n, 1`, strength-reduced to `shr %n, 0`, then
    # `jnz` on it (with our cmp pass, `ceqw %m, 0; jnz`) branched on the
    # flags of the sub before (a differential fuzzer finding:
    # tests/fuzz/regressions/diff/shift_zero_flags.ssa). A shift sets the
    # flags for flagi() only by a constant count that is not 0 modulo
    # the width; any other shift is a flag-clobbering instruction.
    Adjust("amd64/isel.c", r"^static Ins \*\nflagi\(Ins \*i0, Ins \*i\)\n\{\n\twhile \(i>i0\) \{\n"
           r"\t\ti--;\n\t\tif \(amd64_op\[i->op\]\.zflag\)\n",
           "static Fn *jitboot_iselfn;\n\n"
           "/* may i leave the flags as they were (a shift by 0)? */\n"
           "static int\njitboot_keepsflags(Ins *i)\n{\n\tCon *c;\n\n"
           "\tif (i->op != Oshl && i->op != Oshr && i->op != Osar)\n\t\treturn 0;\n"
           "\tif (rtype(i->arg[1]) != RCon)\n\t\treturn 1;\n"
           "\tc = &jitboot_iselfn->con[i->arg[1].val];\n"
           "\treturn c->type != CBits || (c->bits.i & (i->cls == Kl ? 63 : 31)) == 0;\n}\n\n"
           "static Ins *\nflagi(Ins *i0, Ins *i)\n{\n\twhile (i>i0) {\n"
           "\t\ti--;\n\t\tif (amd64_op[i->op].zflag && !jitboot_keepsflags(i))\n",
           "shifts by 0 keep the flags"),
    Adjust("amd64/isel.c", r"^\t/\* assign slots to fast allocs \*/\n",
           "\tjitboot_iselfn = fn;\n\t/* assign slots to fast allocs */\n", "shifts by 0 keep the flags"),
    # adisp() folded every constant of an address chain into its
    # displacement and ignored addcon()'s refusal: an address can hold one
    # symbol, and a scaled one none, so `$a + ($a + %x)` became `$a + %x`
    # (the second $a silently dropped, a load from the wrong place; a
    # differential fuzzer finding). It stops at the constant it cannot
    # add, which then stays in the register part.
    Adjust("amd64/isel.c", r"^\t\taddcon\(c, &fn->con\[v\[0\]\.val\], s\);\n",
           "\t\tif (!addcon(c, &fn->con[v[0].val], s))\n\t\t\tbreak;\n",
           "an address keeps every symbol it adds"),
    Adjust("amd64/isel.c", r"^\tcase Oexts:\n", "\tcase Osqrt:\n\tcase Oexts:\n",
           "sqrt instruction"),
    Adjust("amd64/emit.c", r'^\t\{ Ocast,    Ka, "movq %L0, %D=" \},\n',
           '\t{ Ocast,    Ka, "movq %L0, %D=" },\n'
           '\t{ Osqrt,    Ks, "-sqrtss %S=, %S=" },\n\t{ Osqrt,    Kd, "-sqrtsd %D=, %D=" },\n',
           "sqrt instruction"),
    # The other targets' emitters know it too (their isel fixes the
    # operands of any instruction): the qbe command built from this
    # tree emits it for `-t arm64` and `-t rv64`.
    Adjust("arm64/emit.c", r'^\t\{ Ocast,   Kd, "fmov %=, %L0" \},\n',
           '\t{ Ocast,   Kd, "fmov %=, %L0" },\n\t{ Osqrt,   Ka, "fsqrt %=, %0" },\n',
           "sqrt instruction"),
    Adjust("rv64/emit.c", r'^\t\{ Oexts,   Kd, "fcvt\.d\.s %=, %0" \},\n',
           '\t{ Oexts,   Kd, "fcvt.d.s %=, %0" },\n\t{ Osqrt,   Ka, "fsqrt.%k %=, %0" },\n',
           "sqrt instruction"),
    DEFAULT_TARGET,
    # Reset functions: after a compile (finished or abandoned by an error
    # exit) the shim frees every block QBE still holds, and these forget
    # the pointers to them.
    Append("util.c", "void jitboot_reset_util(void)\n{\n"
           "\twhile (jitboot_niused) {\n\t\tjitboot_niused--;\n"
           "\t\titbl[jitboot_iused[jitboot_niused]].nstr = 0;\n"
           "\t\titbl[jitboot_iused[jitboot_niused]].str = 0;\n\t}\n"
           "\tpool = ptr;\n\tnptr = 1;\n"
           "\ttyp = 0;\n\tcuri = insb;\n}\n"),
    Append("parse.c", "void jitboot_reset_parse(void)\n{\n"
           "\tinf = 0;\n\tcurf = 0;\n\tcurb = 0;\n\ttmph = 0;\n\ttmphcap = 0;\n"
           "\twhile (jitboot_nblkhu)\n\t\tblkh[jitboot_blkhu[--jitboot_nblkhu]] = 0;\n"
           "\tnblk = 0;\n\tntyp = 0;\n}\n\n"
           "int jitboot_lnum(void)\n{\n\treturn lnum;\n}\n"),
    Append("emit.c", "void jitboot_reset_emit(void)\n{\n"
           "\tstash = 0;\n\tfile = 0;\n\tnfile = 0;\n\tcurfile = 0;\n}\n"),
    Append("ssa.c", "void jitboot_reset_ssa(void)\n{\n\tnamel = 0;\n}\n"),
    Append("gvn.c", "void jitboot_reset_gvn(void)\n{\n\tgvntbl = 0;\n}\n"),
    Append("spill.c", "void jitboot_reset_spill(void)\n{\n\ttarr = 0;\n\tmaxt = 0;\n}\n"),
    Append("load.c", "void jitboot_reset_load(void)\n{\n\tilog = 0;\n\tnlog = 0;\n}\n"),
    # Compile cost. Clearing QBE's fixed hash tables by memset costs in
    # proportion to their size, not to the module: the temporaries' table
    # (16384 ints) after every function, the blocks' (8192 pointers) and
    # the interned strings' (4096 buckets) after every module, about 2 M
    # instructions per compile of a 6-function module under callgrind.
    # The tables keep their sizes; the buckets a function or module filled
    # are remembered as they fill and only they are cleared. The
    # temporaries' table starts at 256 slots (it doubles when half full,
    # as before).
    Adjust("parse.c", r"^\t\ttmphcap = tmphcap \? tmphcap\*2 : TMask\+1;$",
           "\t\ttmphcap = tmphcap ? tmphcap*2 : 256;", "small first temporaries' table"),
    Adjust("parse.c", r"^static Blk \*blkh\[BMask\+1\];\n",
           "static Blk *blkh[BMask+1];\n"
           "static uint jitboot_blkhu[BMask+1], jitboot_nblkhu; /* filled buckets */\n",
           "blocks' buckets in use"),
    Adjust("parse.c", r"^\tb->dlink = blkh\[h\];\n\tblkh\[h\] = b;\n",
           "\tif (!blkh[h])\n\t\tjitboot_blkhu[jitboot_nblkhu++] = h;\n"
           "\tb->dlink = blkh[h];\n\tblkh[h] = b;\n", "blocks' buckets in use"),
    Adjust("parse.c", r"^\tfor \(i=0; i<BMask\+1; \+\+i\)\n\t\tblkh\[i\] = 0;\n",
           "\twhile (jitboot_nblkhu)\n\t\tblkh[jitboot_blkhu[--jitboot_nblkhu]] = 0;\n",
           "clear the blocks' buckets in use"),
    Adjust("util.c", r"^static Bucket itbl\[IMask\+1\];.*\n",
           "static Bucket itbl[IMask+1]; /* string interning table */\n"
           "static uint jitboot_iused[IMask+1], jitboot_niused; /* filled buckets */\n",
           "interning buckets in use"),
    Adjust("util.c", r"^\tif \(n == 0\)\n\t\tb->str = vnew\(1, sizeof b->str\[0\], PHeap\);\n",
           "\tif (n == 0) {\n\t\tb->str = vnew(1, sizeof b->str[0], PHeap);\n"
           "\t\tjitboot_iused[jitboot_niused++] = h;\n\t}\n", "interning buckets in use"),
    # vgrow() took a zeroed vector (calloc) and copied the old one over
    # its first half: only the new part needs the zeros, and in fn->tmp
    # not even that, since newtmp() clears each temporary as it adds it
    # (nothing reads fn->tmp past fn->ntmp).
    Adjust("util.c", r"^\tv1 = vnew\(len, v->esz, v->pool\);\n\tmemcpy\(v1, v\+1, v->cap \* v->esz\);\n",
           "\tv1 = jitboot_vgrown(len, v, 1);\n", "vgrow zeroes only the new part"),
    Adjust("util.c", r"^void\nvgrow\(void \*vp, ulong len\)\n",
           VGROWN + "void\nvgrow(void *vp, ulong len)\n", "vgrow zeroes only the new part"),
    Adjust("util.c", r"^\tvgrow\(&fn->tmp, fn->ntmp\);\n\tmemset\(&fn->tmp\[t\], 0, sizeof\(Tmp\)\);\n",
           "\tjitboot_vgrowtmp(&fn->tmp, fn->ntmp);\n\tmemset(&fn->tmp[t], 0, sizeof(Tmp));\n",
           "newtmp grows fn->tmp unzeroed"),
    # amd64_isel() cleared its per-temporary numbering (ntmp entries)
    # before every block: blocks times temporaries, 10.7 M instructions of
    # a 17,000-line module. The entries a block's numbering writes
    # (anumber() for what the block defines, refn() for what it reads)
    # are remembered, and only they are cleared before the next block.
    Adjust("amd64/isel.c", r"^static int\nrefn\(Ref r, Num \*tn, Con \*con\)\n",
           "static uint *jitboot_numt, jitboot_nnumt; /* entries of num written */\n\n"
           "static void\njitboot_numtouch(int t)\n{\n"
           "\tvgrow(&jitboot_numt, ++jitboot_nnumt);\n"
           "\tjitboot_numt[jitboot_nnumt-1] = t;\n}\n\n"
           "static int\nrefn(Ref r, Num *tn, Con *con)\n", "isel clears what it numbered"),
    Adjust("amd64/isel.c", r"^\t\tif \(!tn\[r.val\].n\)\n\t\t\ttn\[r.val\].n = 2;\n",
           "\t\tif (!tn[r.val].n) {\n\t\t\ttn[r.val].n = 2;\n"
           "\t\t\tjitboot_numtouch(r.val);\n\t\t}\n", "isel clears what it numbered"),
    Adjust("amd64/isel.c", r"^\t\tn = &tn\[i->to.val\];\n",
           "\t\tjitboot_numtouch(i->to.val);\n\t\tn = &tn[i->to.val];\n",
           "isel clears what it numbered"),
    Adjust("amd64/isel.c", r"^\tnum = emalloc\(n \* sizeof num\[0\]\);\n",
           "\tnum = emalloc(n * sizeof num[0]);\n"
           "\tjitboot_numt = vnew(0, sizeof jitboot_numt[0], PFn);\n\tjitboot_nnumt = 0;\n",
           "isel clears what it numbered"),
    Adjust("amd64/isel.c", r"^\t\tmemset\(num, 0, n \* sizeof num\[0\]\);\n",
           "\t\tfor (; jitboot_nnumt; jitboot_nnumt--)\n"
           "\t\t\tif (jitboot_numt[jitboot_nnumt-1] < (uint)n)\n"
           "\t\t\t\tmemset(&num[jitboot_numt[jitboot_nnumt-1]], 0, sizeof num[0]);\n",
           "isel clears what it numbered"),
    # usewidthle() (copy.c: "no more than w bits of r are used", asked by
    # GVN for every extension and parameter) marks a phi while it looks
    # at the phi's uses and unmarks it after, so a phi reached along k
    # paths is looked at k times: through a chain of n phis that each
    # name the same value twice (`%p2 =w phi @l %p1, @r %p1`, what load
    # elimination leaves across diamonds) that is 2^n walks. A csmith
    # program at -O0 with its safe_* helpers inlined never finished
    # compiling; stock QBE hangs the same way on such IL
    # (tests/test_opt.py's phi chain). w is the same all along one query
    # and any "no" below makes the whole query "no", so a phi already
    # looked at in this query either is still being looked at (a cycle:
    # QBE already takes it as yes) or answered yes: it need not be walked
    # again. The marks now stay until the query ends and are then
    # cleared along the same edges, so each phi is walked once.
    Adjust("copy.c", r"^/\* no more than w bits are used \*/\nstatic int\nusewidthle\(Fn \*fn, Ref r, int w\)\n\{\n",
           "static int jitboot_usewidthle(Fn *, Ref, int);\n\n"
           "/* clear the phi marks a usewidthle() query left from r on */\n"
           "static void\njitboot_uwclear(Fn *fn, Ref r)\n{\n"
           "\tTmp *t;\n\tUse *u;\n\tPhi *p;\n\tIns *i;\n\n"
           "\tt = &fn->tmp[r.val];\n"
           "\tfor (u=t->use; u<&t->use[t->nuse]; u++)\n"
           "\t\tif (u->type == UPhi) {\n"
           "\t\t\tp = u->u.phi;\n"
           "\t\t\tif (!p->visit)\n\t\t\t\tcontinue;\n"
           "\t\t\tp->visit = 0;\n"
           "\t\t\tif (!req(p->to, R))\n\t\t\t\tjitboot_uwclear(fn, p->to);\n"
           "\t\t} else if (u->type == UIns) {\n"
           "\t\t\ti = u->u.ins;\n"
           "\t\t\tif (i->op == Ocopy || isext(i->op))\n"
           "\t\t\t\tjitboot_uwclear(fn, i->to);\n"
           "\t\t}\n}\n\n"
           "/* no more than w bits are used */\n"
           "static int\nusewidthle(Fn *fn, Ref r, int w)\n{\n"
           "\tint b;\n\n"
           "\tb = jitboot_usewidthle(fn, r, w);\n"
           "\tjitboot_uwclear(fn, r);\n"
           "\treturn b;\n}\n\n"
           "static int\njitboot_usewidthle(Fn *fn, Ref r, int w)\n{\n",
           "usewidthle walks each phi once"),
    Adjust("copy.c", r"^\t\t\tb = usewidthle\(fn, p->to, w\);\n\t\t\tp->visit = 0;\n",
           "\t\t\tb = jitboot_usewidthle(fn, p->to, w);\n", "usewidthle walks each phi once"),
    Adjust("copy.c", r"^\t\t\tif \(i->op == Ocopy\)\n\t\t\t\tif \(usewidthle\(fn, i->to, w\)\)\n",
           "\t\t\tif (i->op == Ocopy)\n\t\t\t\tif (jitboot_usewidthle(fn, i->to, w))\n",
           "usewidthle walks each phi once"),
    Adjust("copy.c", r"^\t\t\t\t\tcontinue;\n\t\t\t\tif \(usewidthle\(fn, i->to, w\)\)\n",
           "\t\t\t\t\tcontinue;\n\t\t\t\tif (jitboot_usewidthle(fn, i->to, w))\n",
           "usewidthle walks each phi once"),
    # defwidthle() (copy.c: "r is narrower than w bits", asked for every
    # extension, comparison and branch) walks a phi's arguments, marking
    # the phi only while it is on the walk, so a phi reached along k paths
    # is walked k times: exponential on the phi DAGs that inlining leaves
    # (a csmith program at -O0, seed 9, never finished compiling with the
    # inliner on; stock QBE hangs on tests/test_opt.py's phi lattice). Unlike
    # usewidthle() the width changes along the walk and `and` takes either
    # operand, so an answer cannot simply be kept for the rest of the
    # query. Each query gets a budget of steps instead, as LLVM's known-bits
    # analysis has a depth limit: a query that runs out answers "not
    # proven narrower", which only keeps an extension or comparison that
    # could have gone, and the answer never depends on the walk's order
    # more than before (no step negates an answer).
    Adjust("copy.c", r"^/\* is the ref narrower than w bits \*/\nstatic int\ndefwidthle\(Fn \*fn, Ref r, int w\)\n\{\n",
           "enum { JitbootDwSteps = 4096 };\n"
           "static uint jitboot_dwsteps;\n"
           "static int jitboot_defwidthle(Fn *, Ref, int);\n\n"
           "/* is the ref narrower than w bits: one query */\n"
           "static int\ndefwidthle(Fn *fn, Ref r, int w)\n{\n"
           "\tjitboot_dwsteps = 0;\n"
           "\treturn jitboot_defwidthle(fn, r, w);\n}\n\n"
           "#define defwidthle jitboot_defwidthle\n\n"
           "/* is the ref narrower than w bits */\n"
           "static int\ndefwidthle(Fn *fn, Ref r, int w)\n{\n",
           "defwidthle has a budget"),
    Adjust("copy.c", r"^\tint x;\n\n\tif \(isconbits\(fn, r, &v\)\n\t&& bitwidth\(v\) <= w\)\n",
           "\tint x;\n\n\tif (++jitboot_dwsteps > JitbootDwSteps)\n\t\treturn 0;\n"
           "\tif (isconbits(fn, r, &v)\n\t&& bitwidth(v) <= w)\n",
           "defwidthle has a budget"),
    Adjust("copy.c", r"^static int\nisw1\(Fn \*fn, Ref r\)\n",
           "#undef defwidthle\n\nstatic int\nisw1(Fn *fn, Ref r)\n", "defwidthle has a budget"),
    # Constant folding of float -> integer conversions did them with C
    # casts, which are undefined for NaN and for values out of range
    # (UBSan in the fuzzer: `dtoui` of a NaN constant). Folding now gives
    # what the emitted code gives on amd64: cvttss2si/cvttsd2si's
    # "integer indefinite" (the lowest value of the width) when the
    # truncation does not fit, dtoui w as the low half of a 64-bit
    # conversion, and dtoui l by the sequence isel emits (a second try
    # at x - 2^63 where the first was out of range). For arm64 it gives
    # what fcvtzs/fcvtzu give: saturation, NaN as 0
    # (tests/il/float_to_int_range.aarch64.out).
    Adjust("fold.c", r"^int\nfoldint\(Con \*res, int op, int w, Con \*cl, Con \*cr\)\n",
           FTOI_FOLD + "int\nfoldint(Con *res, int op, int w, Con *cl, Con *cr)\n",
           "float to integer folding without undefined behaviour"),
    Adjust("fold.c", r"^\tcase Ostosi: x = .*\n\tcase Ostoui: x = .*\n"
           r"\tcase Odtosi: x = .*\n\tcase Odtoui: x = .*\n",
           "\tcase Ostosi: x = jitboot_saturates() ? jitboot_fcvtzs(cl->bits.s, w)\n"
           "\t\t: w ? jitboot_cvtt64(cl->bits.s) : jitboot_cvtt32(cl->bits.s); break;\n"
           "\tcase Ostoui: x = jitboot_saturates() ? jitboot_fcvtzu(cl->bits.s, w)\n"
           "\t\t: w ? jitboot_cvttu64(cl->bits.s) : (uint32_t)jitboot_cvtt64(cl->bits.s); break;\n"
           "\tcase Odtosi: x = jitboot_saturates() ? jitboot_fcvtzs(cl->bits.d, w)\n"
           "\t\t: w ? jitboot_cvtt64(cl->bits.d) : jitboot_cvtt32(cl->bits.d); break;\n"
           "\tcase Odtoui: x = jitboot_saturates() ? jitboot_fcvtzu(cl->bits.d, w)\n"
           "\t\t: w ? jitboot_cvttu64(cl->bits.d) : (uint32_t)jitboot_cvtt64(cl->bits.d); break;\n",
           "float to integer folding without undefined behaviour"),
    # Folding add, sub, mul or div of two non-NaN floats into a NaN
    # (inf - inf, 0 / 0) made the NaN of the CPU QBE runs on, not of the
    # one the code is for: x86-64's default NaN has the sign bit set,
    # arm64's and rv64's do not, so `jitrun --target=arm64 -S` on x86-64
    # folded a NaN arm64 hardware never makes (tests/c/floats.c's
    # inf - inf printed -nan from the cross-compiled arm64 code, nan from
    # the arm64 JIT). A new NaN is now the target's default NaN; a NaN
    # operand propagates as the host's arithmetic propagates it, which
    # both architectures do alike (the first NaN operand, quieted).
    Adjust("fold.c", r"^\t\tres->bits\.d = xd;\n",
           "\t\tif (xd != xd && ld == ld && rd == rd && jitboot_arith(op))\n"
           "\t\t\tres->bits.i = jitboot_nan64();\n"
           "\t\telse\n\t\t\tres->bits.d = xd;\n",
           "a folded new NaN is the target's"),
    Adjust("fold.c", r"^\t\tres->bits\.s = xs;\n",
           "\t\tif (xs != xs && ls == ls && rs == rs && jitboot_arith(op))\n"
           "\t\t\tres->bits.i = jitboot_nan32();\n"
           "\t\telse\n\t\t\tres->bits.s = xs;\n",
           "a folded new NaN is the target's"),
    Adjust("fold.c", r"^static void\nfoldflt\(",
           "static int\njitboot_arith(int op)\n{\n"
           "\treturn op == Oadd || op == Osub || op == Omul || op == Odiv;\n}\n\n"
           "/* the default NaN: sign bit set on amd64, clear on arm64 and rv64 */\n"
           "static int64_t\njitboot_nan64(void)\n{\n"
           "\treturn strncmp(T.name, \"amd64\", 5) == 0 ? (int64_t)0xfff8000000000000ull\n"
           "\t\t: (int64_t)0x7ff8000000000000ull;\n}\n\n"
           "static int64_t\njitboot_nan32(void)\n{\n"
           "\treturn strncmp(T.name, \"amd64\", 5) == 0 ? 0xffc00000 : 0x7fc00000;\n}\n\n"
           "static void\nfoldflt(",
           "a folded new NaN is the target's"),
    # Slot coalescing (mem.c) keeps a byte mask per stack slot and shifted
    # each access's mask by its offset: with an offset outside 0..63 (IL
    # that adds a huge constant to an alloc's address, from the fuzzer)
    # that shift is undefined. The shift now covers exactly the bytes of
    # the access that fall within the mask's 64, and none when none do.
    Adjust("mem.c", r"^static void\nload\(Ref r, bits x, int ip, Fn \*fn, Slot \*sl\)\n",
           "static bits\njitboot_shl(bits x, int64_t off)\n{\n"
           "\tif (off <= -NBit || off >= NBit)\n\t\treturn 0;\n"
           "\treturn off < 0 ? x >> -off : x << off;\n}\n\n"
           "static void\nload(Ref r, bits x, int ip, Fn *fn, Slot *sl)\n",
           "slot masks without undefined shifts"),
    Adjust("mem.c", r"^\t\ts->l \|= x << off;\n", "\t\ts->l |= jitboot_shl(x, off);\n",
           "slot masks without undefined shifts"),
    Adjust("mem.c", r"^\t\t\ts->l &= ~\(x << off\);\n", "\t\t\ts->l &= ~jitboot_shl(x, off);\n",
           "slot masks without undefined shifts"),
]


# emit.c helpers of EMITTER_PATCHES (e), (f) and (g).
MEMTHROUGH = r"""/* jitboot: is r a memory operand addressed through register to? */
static int
memthrough(Ref r, Ref to, E *e)
{
	Mem *m;

	if (rtype(r) != RMem || rtype(to) != RTmp)
		return 0;
	m = &e->fn->mem[r.val];
	return req(m->base, to) || req(m->index, to);
}

"""

LEA = r"""/* jitboot: does the instruction i set the flags anew, whatever its
 * operands? (Not shifts: by 0 they leave them. An add may become a lea
 * only when the flags after it are dead, so those after the add before
 * it are dead too.) */
static int
setsflags(Ins *i)
{
	switch (i->op) {
	case Oxcmp:
	case Oxtest:
	case Ocall:
	case Oxdiv:
	case Oxidiv:
		return 1;
	case Oadd:
	case Osub:
	case Oand:
	case Oor:
	case Oxor:
	case Omul:
	case Oneg:
		return KBASE(i->cls) == 0;
	default:
		return 0;
	}
}

/* jitboot: are the flags set by the instruction being emitted dead? */
static int
flagsdead(E *e)
{
	Ins *i;

	if (!e->blk)
		return 0;
	for (i=e->cur+1; i<&e->blk->ins[e->blk->nins]; i++) {
		if (INRANGE(i->op, Oflag, Oflag1) || isxsel(i->op))
			return 0;
		if (setsflags(i))
			return 1;
	}
	return !INRANGE(e->blk->jmp.type, Jjf, Jjf1);
}

/* jitboot: the fold pass's read-modify-write i of memory; 0 if i is
 * no such instruction */
static int
emitrmw(Ins *i, E *e)
{
	static struct { short op; char *fmt; } rmw[] = {
		{ Oadd, "add%k %1, %M0" },
		{ Osub, "sub%k %1, %M0" },
		{ Oand, "and%k %1, %M0" },
		{ Oor,  "or%k %1, %M0" },
		{ Oxor, "xor%k %1, %M0" },
	};
	uint n;

	if (KBASE(i->cls) != 0)
		return 0;
	for (n=0; n<sizeof rmw/sizeof rmw[0]; n++)
		if (rmw[n].op == i->op) {
			emitf(rmw[n].fmt, i, e);
			return 1;
		}
	return 0;
}

/* jitboot: the integer add i (into a register of its own) as one lea;
 * 0 when its operands do not make an address. */
static int
emitlea(Ins *i, E *e)
{
	Ref a, b;
	Con *c;
	int64_t v;
	int sz;
	char *k;

	a = i->arg[0];
	b = i->arg[1];
	if (rtype(a) == RCon || (isreg(b) && a.val == RSP)) {
		a = i->arg[1];
		b = i->arg[0];
	}
	if (!isreg(a))
		return 0;
	k = KWIDE(i->cls) ? "q" : "l";
	sz = KWIDE(i->cls) ? SLong : SWord;
	if (isreg(b)) {
		if (b.val == RSP)  /* cannot be an index */
			return 0;
		fprintf(e->f, "\tlea%s (%%%s, %%%s, 1), %%%s\n", k,
			regtoa(a.val, SLong), regtoa(b.val, SLong),
			regtoa(i->to.val, sz));
		return 1;
	}
	if (rtype(b) != RCon)
		return 0;
	c = &e->fn->con[b.val];
	if (c->type != CBits)
		return 0;
	v = KWIDE(i->cls) ? c->bits.i : (int32_t)c->bits.i;
	if (v < INT32_MIN || v > INT32_MAX)
		return 0;
	fprintf(e->f, "\tlea%s %"PRId64"(%%%s), %%%s\n", k, v,
		regtoa(a.val, SLong), regtoa(i->to.val, sz));
	return 1;
}

"""


# Code generation: where stock QBE's amd64 output is slow. Effects measured
# with `jitrun prog.ssa` (tests/bench programs, plus a spectral-norm IL
# kernel) against the same jitrun without the patch, on an AMD EPYC
# (Zen 3, family 25): CPU time of 25 pairs A B A B, median of per-pair
# ratios (identical code measures 0.98-1.02 that way), and callgrind
# instruction counts; "Intel" figures are the hand-patched measurements
# of an Intel Xeon, "Skylake model" is llvm-mca -mcpu=skylake on the
# innermost loop. Each is a change to QBE's own emitter or passes rather
# than a peephole pass of ours over its text: the emitter knows the
# operand classes and registers a text pass would have to parse back, and
# build/host/qbe, built from the same tree, keeps printing exactly what
# the JIT compiles (tests/test_jitrun.py compares them).
EMITTER_PATCHES: list[Step] = [
    # (a) cvtsi2sd/cvtsi2ss write only the low lane of the destination and
    # so wait for its previous value, often a loop-carried FP result: an
    # int->double conversion in a loop serialises with it. gcc breaks the
    # dependency with a zeroing idiom first, which the renamer resolves
    # without executing. spectral-norm (Intel): 6.8x -> 3.3x gcc by hand;
    # Skylake model of its inner loop (with (d)): 24.0 -> 6.3 cycles per
    # iteration. Zen 3 shows no change in time (0.97-1.03), +2.6% instructions.
    Adjust("amd64/emit.c", r'^\t\{ Oswtof,   Ka, "cvtsi2%k %W0, %=" \},\n'
           r'\t\{ Osltof,   Ka, "cvtsi2%k %L0, %=" \},\n',
           '\t{ Oswtof,   Ka, "pxor %=, %=\\n\\tcvtsi2%k %W0, %=" },\n'
           '\t{ Osltof,   Ka, "pxor %=, %=\\n\\tcvtsi2%k %L0, %=" },\n',
           "pxor before cvtsi2sd/cvtsi2ss"),
    # (b) movsd/movss between registers merge into the old destination
    # (a dependency on its last writer) while movapd/movaps copy the whole
    # register and are eliminated at rename. All FP register copies go
    # through Ocopy: Odiv's and Oneg's own moves are made copies too.
    # mandelbrot 1.53x -> 1.30x, nbody 1.80x -> 1.49x gcc (Intel, by hand);
    # Zen 3: mandelbrot time x0.85 (1.19x -> 1.02x gcc), same instructions.
    Adjust("amd64/emit.c", r"^\t\t/\* conveniently, the assembler knows if it\n",
           "\t\tif (KBASE(i.cls) == 1 && isreg(i.to) && isreg(i.arg[0])) {\n"
           "\t\t\temitf(i.cls == Kd ? \"movapd %D0, %D=\" : \"movaps %S0, %S=\", &i, e);\n"
           "\t\t\tbreak;\n\t\t}\n"
           "\t\t/* conveniently, the assembler knows if it\n",
           "movapd/movaps for FP register copies"),
    Adjust("amd64/emit.c", r'^\t\t\temitf\("mov%k %=, %1", &i, e\);\n'
           r'\t\t\temitf\("mov%k %0, %=", &i, e\);\n\t\t\ti\.arg\[0\] = i\.to;\n',
           "\t\t\temitcopy(i.arg[1], i.to, i.cls, e);\n"
           "\t\t\temitcopy(i.to, i.arg[0], i.cls, e);\n\t\t\ti.arg[0] = i.to;\n",
           "Odiv moves as copies"),
    Adjust("amd64/emit.c", r'^\tcase Oneg:\n\t\tif \(!req\(i\.to, i\.arg\[0\]\)\)\n'
           r'\t\t\temitf\("mov%k %0, %=", &i, e\);\n',
           "\tcase Oneg:\n\t\temitcopy(i.to, i.arg[0], i.cls, e);\n",
           "Oneg move as a copy"),
    # (c) rega breaks cycles of parallel moves (phis, call arguments) with
    # xchg: 3 micro-ops on Intel with a 2-cycle latency on both values,
    # and an implicitly locked bus cycle when one side is a spill slot.
    # Three movs through a register the function never mentions (so it is
    # dead everywhere in it) are eliminated at rename instead; without one
    # the swap stays an xchg. fib_iter (Intel) 1.71x -> 1.15x gcc by hand;
    # Skylake model 3.0 -> 2.0 cycles per iteration. Zen 3 renames xchg
    # away, so there it costs: fib_iter time x1.07, instructions +33%.
    Adjust("amd64/emit.c", r"^\tint nclob;\n\};\n",
           "\tint nclob;\n\tint scratch;  /* jitboot: a free GPR for swaps, or -1 */\n};\n",
           "scratch register for swaps"),
    Adjust("amd64/emit.c", r"^static void\nframesz\(E \*e\)\n",
           "/* jitboot: a caller-saved GPR that no instruction of fn names and\n"
           " * the register allocator never assigned: its value is dead all\n"
           " * through fn, so swaps may go through it. -1 if there is none. */\n"
           "static int\nscratchreg(Fn *fn)\n{\n"
           "\tbits used;\n\tBlk *b;\n\tIns *i;\n\tMem *m;\n\tRef r[4];\n\tint n, *p;\n\n"
           "\tused = fn->reg;\n"
           "\tfor (b=fn->start; b; b=b->link) {\n"
           "\t\tif (rtype(b->jmp.arg) == RTmp && b->jmp.arg.val < Tmp0)\n"
           "\t\t\tused |= BIT(b->jmp.arg.val);\n"
           "\t\tfor (i=b->ins; i<&b->ins[b->nins]; i++) {\n"
           "\t\t\tr[0] = i->to;\n\t\t\tr[1] = i->arg[0];\n\t\t\tr[2] = i->arg[1];\n"
           "\t\t\tfor (n=0; n<3; n++)\n"
           "\t\t\t\tif (rtype(r[n]) == RMem) {\n"
           "\t\t\t\t\tm = &fn->mem[r[n].val];\n"
           "\t\t\t\t\tif (rtype(m->base) == RTmp && m->base.val < Tmp0)\n"
           "\t\t\t\t\t\tused |= BIT(m->base.val);\n"
           "\t\t\t\t\tif (rtype(m->index) == RTmp && m->index.val < Tmp0)\n"
           "\t\t\t\t\t\tused |= BIT(m->index.val);\n"
           "\t\t\t\t} else if (rtype(r[n]) == RTmp && r[n].val < Tmp0)\n"
           "\t\t\t\t\tused |= BIT(r[n].val);\n"
           "\t\t}\n\t}\n"
           "\tfor (p=amd64_sysv_rsave; *p>=0; p++)\n"
           "\t\tif (*p < XMM0 && !(used & BIT(*p)))\n"
           "\t\t\treturn *p;\n"
           "\treturn -1;\n}\n\n"
           "static void\nframesz(E *e)\n",
           "scratch register for swaps"),
    Adjust("amd64/emit.c", r"^\te = &\(E\)\{\.f = f, \.fn = fn\};\n",
           "\te = &(E){.f = f, .fn = fn};\n\te->scratch = scratchreg(fn);\n",
           "scratch register for swaps"),
    Adjust("amd64/emit.c", r"^\tcase Oswap:\n\t\tif \(KBASE\(i\.cls\) == 0\)\n\t\t\tgoto Table;\n",
           "\tcase Oswap:\n\t\tif (KBASE(i.cls) == 0 && e->scratch >= 0) {\n"
           "\t\t\temitcopy(TMP(e->scratch), i.arg[0], i.cls, e);\n"
           "\t\t\temitcopy(i.arg[0], i.arg[1], i.cls, e);\n"
           "\t\t\temitcopy(i.arg[1], TMP(e->scratch), i.cls, e);\n"
           "\t\t\tbreak;\n\t\t}\n"
           "\t\tif (KBASE(i.cls) == 0)\n\t\t\tgoto Table;\n",
           "swaps through a scratch register"),
    # (d) Signed division and remainder by a constant 2^n went to idiv
    # (tens of cycles); simpl() already turns the unsigned ones into a
    # shift and an and. As gcc does, add 2^n-1 to a negative dividend so
    # that the arithmetic shift rounds toward zero as idiv does:
    #   bias = (x >>s w-1) >>u w-n      (n == 1: x >>u w-1)
    #   x / 2^n = (x + bias) >>s n      x % 2^n = x - ((x + bias) & -2^n)
    # A divisor that is 2^n only as an unsigned number (INT_MIN) is left.
    # Zen 3 time: spectral-norm x0.80, matmul (its init loop) x0.84,
    # quicksort x0.98; Skylake model of spectral's loop 55 -> 24 cycles.
    Adjust("simpl.c", r"^static void\nins\(Ins \*\*pi, int \*new, Blk \*b, Fn \*fn\)\n",
           "/* jitboot: start the rewritten copy of b's instructions after i */\n"
           "static void\nnewins(Ins *i, int *new, Blk *b)\n{\n\tulong ni;\n\n"
           "\tif (*new)\n\t\treturn;\n"
           "\tcuri = &insb[NIns];\n\tni = &b->ins[b->nins] - (i+1);\n"
           "\tcuri -= ni;\n\ticpy(curi, i+1, ni);\n\t*new = 1;\n}\n\n"
           "/* jitboot: signed x / 2^n and x % 2^n without idiv; emitted\n"
           " * backwards, as everything here */\n"
           "static int\nsdivpow2(Ins *i, int *new, Blk *b, Fn *fn)\n{\n"
           "\tCon *c;\n\tint64_t v;\n\tint k, n, w;\n\tRef sgn, bias, sum, low;\n\n"
           "\tk = i->cls;\n"
           "\tif (KBASE(k) != 0 || req(i->to, R)\n"
           "\t|| rtype(i->arg[0]) != RTmp || i->arg[0].val < Tmp0\n"
           "\t|| rtype(i->arg[1]) != RCon)\n\t\treturn 0;\n"
           "\tc = &fn->con[i->arg[1].val];\n"
           "\tif (c->type != CBits)\n\t\treturn 0;\n"
           "\tw = KWIDE(k) ? 64 : 32;\n"
           "\tv = w == 64 ? c->bits.i : (int32_t)c->bits.i;\n"
           "\tif (v < 2 || !ispow2(v))\n\t\treturn 0;\n"
           "\tn = ulog2(v);\n"
           "\tnewins(i, new, b);\n"
           "\tbias = newtmp(\"sdiv\", k, fn);\n"
           "\tsum = newtmp(\"sdiv\", k, fn);\n"
           "\tif (i->op == Odiv)\n"
           "\t\temit(Osar, k, i->to, sum, getcon(n, fn));\n"
           "\telse {\n"
           "\t\tlow = newtmp(\"sdiv\", k, fn);\n"
           "\t\temit(Osub, k, i->to, i->arg[0], low);\n"
           "\t\temit(Oand, k, low, sum, getcon(-v, fn));\n\t}\n"
           "\temit(Oadd, k, sum, i->arg[0], bias);\n"
           "\tif (n == 1)\n"
           "\t\temit(Oshr, k, bias, i->arg[0], getcon(w-1, fn));\n"
           "\telse {\n"
           "\t\tsgn = newtmp(\"sdiv\", k, fn);\n"
           "\t\temit(Oshr, k, bias, sgn, getcon(w-n, fn));\n"
           "\t\temit(Osar, k, sgn, i->arg[0], getcon(w-1, fn));\n\t}\n"
           "\treturn 1;\n}\n\n"
           "static void\nins(Ins **pi, int *new, Blk *b, Fn *fn)\n",
           "signed division by 2^n"),
    Adjust("simpl.c", r"^\tcase Oudiv:\n\tcase Ourem:\n\t\tr = i->arg\[1\];\n",
           "\tcase Odiv:\n\tcase Orem:\n"
           "\t\tif (sdivpow2(i, new, b, fn))\n\t\t\treturn;\n\t\tbreak;\n"
           "\tcase Oudiv:\n\tcase Ourem:\n\t\tr = i->arg[1];\n",
           "signed division by 2^n"),
    # (e) Jump tables. QBE IL has no indirect jump, so a switch reaches
    # QBE as a binary search of compares (jitboot/llvm.py). `jmptbl` is
    # an amd64-internal instruction (not parseable: it sits after
    # NPubOp) that jit/passes/opt_switch.c puts before the root compare
    # of such a search once registers are allocated: "if the register is
    # in the table's range, jump where the search would end up,
    # otherwise go on into the search". The emitter hands it to that
    # pass's printer; without one (build/host/qbe) it prints nothing,
    # and the search alone is still the whole, correct code. The blocks
    # a table jumps to get labels even when only fallen into.
    Adjust("ops.h", r"^(O\(rnez, .*\n)",
           "O(rnez,    T(w,l,e,e, x,x,e,e), F(0,0,0,0,0,0,0,0,0,0)) X(0,0,0) V(0)\n"
           "O(jmptbl,  T(w,l,e,e, x,x,e,e), F(0,0,0,0,0,0,0,0,0,1)) X(0,0,0) V(0)\n",
           "jump table instruction"),
    Adjust("amd64/emit.c", r"^static void\nemitins\(Ins i, E \*e\)\n",
           "/* jitboot: prints a jmptbl (jit/passes/opt_switch.c), says which\n"
           " * blocks a table jumps to; 0 in build/host/qbe */\n"
           "void (*jitboot_jmptbl)(Ins *, FILE *);\n"
           "int (*jitboot_tbltarget)(Blk *);\n\n"
           "static void\nemitins(Ins i, E *e)\n", "jump table instruction"),
    Adjust("amd64/emit.c", r"^\tcase Onop:\n",
           "\tcase Ojmptbl:\n\t\tif (jitboot_jmptbl)\n\t\t\tjitboot_jmptbl(&i, e->f);\n\t\tbreak;\n"
           "\tcase Onop:\n", "jump table instruction"),
    # Only amd64 has them: opt.c runs the switch pass for amd64 alone,
    # and the other emitters refuse the instruction by name.
    Adjust("arm64/emit.c", r"^\tcase Onop:\n",
           "\tcase Ojmptbl:\n\t\tdie(\"jmptbl: jump tables are amd64-only\");\n"
           "\tcase Onop:\n", "jump table instruction"),
    Adjust("rv64/emit.c", r"^\tcase Onop:\n",
           "\tcase Ojmptbl:\n\t\tdie(\"jmptbl: jump tables are amd64-only\");\n"
           "\tcase Onop:\n", "jump table instruction"),
    Adjust("amd64/emit.c", r"^\t\tif \(lbl \|\| b->npred > 1\) \{\n",
           "\t\tif (lbl || b->npred > 1\n\t\t|| (jitboot_tbltarget && jitboot_tbltarget(b))) {\n",
           "labels for jump table targets"),
    # (f) QBE aligns the label of every loop top (a block reached back from
    # below) to 16 bytes. Where the block before it falls into it, the
    # padding is executed: one or two multi-byte nops on every entry of
    # the loop, which for short inner loops outweighs what the alignment
    # gains (strsearch's rotated search loops, entered once per text
    # position: 7.5 M nops, 5% of its run, by callgrind). A loop top the
    # code falls into is not aligned; one reached only by jumps still is.
    Adjust("amd64/emit.c", r'^\t\t\tif \(p != b->npred\)\n\t\t\t\tfprintf\(f, "\.p2align 4\\n"\);\n',
           "\t\t\tif (p != b->npred) {\n"
           "\t\t\t\tfor (p=0; p<b->npred; p++)\n"
           "\t\t\t\t\tif (b->pred[p]->link == b)\n"
           "\t\t\t\t\t\tbreak;\n"
           "\t\t\t\tif (p == b->npred)\n"
           "\t\t\t\t\tfprintf(f, \".p2align 4\\n\");\n"
           "\t\t\t}\n",
           "no alignment padding run on the way into a loop"),
    # (g) The fold pass (jit/passes/opt_fold.c) makes loads the memory
    # operand of their user. The 2-address conversion of `%d = add %a,
    # (%b)` copies %a into %d first, which overwrites the address when
    # rega gave %d the register of %b (free when %b dies there): such an
    # operand is loaded into %d first instead, then the other one added
    # (sub: the negation trick QBE has for `%d = sub %a, %d`). An FP
    # destination never shares a register with an address.
    Adjust("amd64/emit.c", r"^static void\nemitf\(char \*s, Ins \*i, E \*e\)\n",
           MEMTHROUGH + "static void\nemitf(char *s, Ins *i, E *e)\n",
           "memory operand through the destination"),
    Adjust("amd64/emit.c", r"^\tcase '\+':\n\t\tif \(req\(i->arg\[1\], i->to\)\) \{\n"
           r"\t\t\tref = i->arg\[0\];\n\t\t\ti->arg\[0\] = i->arg\[1\];\n\t\t\ti->arg\[1\] = ref;\n\t\t\}\n",
           "\tcase '+':\n\t\tif (req(i->arg[1], i->to)\n"
           "\t\t|| (memthrough(i->arg[1], i->to, e) && !req(i->arg[0], i->to))) {\n"
           "\t\t\tref = i->arg[0];\n\t\t\ti->arg[0] = i->arg[1];\n\t\t\ti->arg[1] = ref;\n\t\t}\n",
           "memory operand through the destination"),
    Adjust("amd64/emit.c", r"^\tcase Osub:\n\t\t/\* we have to use the negation trick to handle\n",
           "\tcase Osub:\n"
           "\t\tif (memthrough(i.arg[1], i.to, e) && !req(i.arg[0], i.to)) {\n"
           "\t\t\temitcopy(i.to, i.arg[1], i.cls, e);\n"
           "\t\t\ti.arg[1] = i.to;\n\t\t}\n"
           "\t\t/* we have to use the negation trick to handle\n",
           "memory operand through the destination"),
    # (h) An integer add into a third register, `mov %a, %d; add %b, %d`
    # (or `add $c, %d`), is one `lea (%a, %b, 1), %d` (`lea c(%a), %d`),
    # as gcc emits it, when no later instruction of the block reads the
    # flags the add would set: isel lets a jnz on an add's result use
    # the add's zero flag, and sets, cmovs and flag jumps read what
    # precedes them; a compare, test, call or ALU operation sets them
    # anew first.
    Adjust("amd64/emit.c", r"^\tint scratch;  /\* jitboot: a free GPR for swaps, or -1 \*/\n\};\n",
           "\tint scratch;  /* jitboot: a free GPR for swaps, or -1 */\n"
           "\tBlk *blk;     /* jitboot: the block being emitted, */\n"
           "\tIns *cur;     /* and its instruction */\n};\n",
           "lea for 3-address adds"),
    Adjust("amd64/emit.c", r"^\t\tfor \(i=b->ins; i!=&b->ins\[b->nins\]; i\+\+\)\n\t\t\temitins\(\*i, e\);\n",
           "\t\tfor (i=b->ins; i!=&b->ins[b->nins]; i++) {\n"
           "\t\t\te->blk = b;\n\t\t\te->cur = i;\n\t\t\temitins(*i, e);\n\t\t}\n",
           "lea for 3-address adds"),
    Adjust("amd64/emit.c", r"^static void\nemitins\(Ins i, E \*e\)\n\{\n",
           LEA + "static void\nemitins(Ins i, E *e)\n{\n",
           "lea for 3-address adds"),
    # (i) The fold pass's read-modify-write of memory (`x[i] += y`): an
    # add, sub, and, or or xor with no result, its memory operand in
    # arg[0], is that instruction on memory, `addl %esi, (%rdi)`.
    Adjust("amd64/emit.c", r"^\tswitch \(i\.op\) \{\n\tdefault:\n\t\tif \(isxsel\(i\.op\)\)\n",
           "\tif (req(i.to, R) && rtype(i.arg[0]) == RMem && emitrmw(&i, e))\n"
           "\t\treturn;\n"
           "\tswitch (i.op) {\n\tdefault:\n\t\tif (isxsel(i.op))\n",
           "read-modify-write"),
    # Its register operand must be one: x86 has no add from memory to
    # memory, and spill.c would otherwise let it be a spill slot (an add
    # takes two memory operands when it is the usual 2-address one).
    Adjust("spill.c", r"^\t\t\tj = T\.memargs\(i->op\);\n",
           "\t\t\tj = T.memargs(i->op);\n"
           "\t\t\tif (req(i->to, R) && rtype(i->arg[0]) == RMem)\n"
           "\t\t\t\tj = 1;  /* jitboot: read-modify-write */\n",
           "read-modify-write"),
    # (j) emit.c makes `%d = sub %a, %b` `mov %a, %d; sub %b, %d`, and
    # rega chooses %a's register by hints from copies alone: a first
    # operand dying there, with no register preferred, gets one of its
    # own and the mov stays (nbody: `movsd 8(%rbx), %xmm0; movapd %xmm0,
    # %xmm3; subsd 8(%r13), %xmm3`). It prefers the destination's. Only
    # FP: integer operands are mostly parameters and counters, whose
    # hints from the ABI's copies do better (for all classes: nbody and
    # spectral-norm's passes-off build gained and lost 3%, a 3-address
    # add of two parameters got two movs). nbody -O0: 1.57x -> 1.53x gcc
    # -O2's instructions (callgrind, AMD EPYC), the others unchanged.
    Adjust("rega.c", r"^\t\tfor \(x=0, nr=0; x<2; x\+\+\)\n\t\t\tswitch \(rtype\(i->arg\[x\]\)\) \{\n",
           "\t\tif (rf != -1 && KBASE(i->cls) == 1 && twoaddr(i) && rtype(i->arg[0]) == RTmp\n"
           "\t\t&& i->arg[0].val >= Tmp0 && !bshas(cur->b, i->arg[0].val)\n"
           "\t\t&& !req(i->arg[0], i->arg[1]))\n"
           "\t\t\tsethint(i->arg[0].val, rf);  /* jitboot */\n"
           "\t\tfor (x=0, nr=0; x<2; x++)\n\t\t\tswitch (rtype(i->arg[x])) {\n",
           "first operands of 2-address instructions"),
    Adjust("rega.c", r"^static void\ndoblk\(Blk \*b, RMap \*cur\)\n",
           "/* jitboot: does emit.c copy arg[0] of i into its destination? */\n"
           "static int\ntwoaddr(Ins *i)\n{\n"
           "\tswitch (i->op) {\n"
           "\tcase Oadd: case Osub: case Oand: case Oor: case Oxor:\n"
           "\tcase Omul: case Osar: case Oshr: case Oshl: case Oneg:\n"
           "\t\treturn 1;\n"
           "\tcase Odiv:\n\t\treturn KBASE(i->cls) == 1;\n"
           "\tdefault:\n\t\treturn 0;\n\t}\n}\n\n"
           "static void\ndoblk(Blk *b, RMap *cur)\n",
           "first operands of 2-address instructions"),
    Adjust("amd64/emit.c", r"^\tcase Osub:\n\t\tif \(memthrough",
           "\tcase Oadd:\n"
           "\t\tif (KBASE(i.cls) == 0 && isreg(i.to)\n"
           "\t\t&& !req(i.to, i.arg[0]) && !req(i.to, i.arg[1])\n"
           "\t\t&& flagsdead(e) && emitlea(&i, e))\n"
           "\t\t\tbreak;\n"
           "\t\tgoto Table;\n"
           "\tcase Osub:\n\t\tif (memthrough",
           "lea for 3-address adds"),
]

# What the stock variant gets: enough for QBE's own qbe command to build
# and emit amd64 code on this host, nothing that changes its output.
STOCK_ADJUSTMENTS: list[Step] = [DEFAULT_TARGET]

VARIANTS: dict[str, tuple[str, list[Step]]] = {
    "jit": ("qbe-src", ADJUSTMENTS + EMITTER_PATCHES),
    "stock": ("qbe-stock", STOCK_ADJUSTMENTS),
}


# -- public API -------------------------------------------------------------

def ensure_qbe_source(build_dir: Path, override: str | os.PathLike | None = None,
                      variant: str = "jit") -> Path:
    """Return the adjusted QBE tree of variant under build_dir, creating it
    if needed: build_dir/qbe-src for "jit" (ADJUSTMENTS + EMITTER_PATCHES),
    build_dir/qbe-stock for "stock" (STOCK_ADJUSTMENTS only, the unpatched
    baseline; build its qbe command from host_qbe_sources() like the other).

    override (or $JITBOOT_QBE_SRC) names a local QBE checkout to copy
    instead of the pinned qbepy sdist.
    """
    build_dir = Path(build_dir)
    dest = build_dir / _variant(variant)[0]
    stamp = _wanted_stamp(override, variant)
    if _stamp_matches(dest, stamp):
        return dest
    adjustments = _variant(variant)[1]
    if stamp["source"].startswith("path:"):
        src = Path(stamp["source"][5:])
        return _install(dest, stamp, lambda tmp: _copy_checkout(src, tmp), adjustments)
    sdist = fetch_sdist(build_dir / "downloads")
    return _install(dest, stamp, lambda tmp: _extract_qbe(sdist, tmp), adjustments)


def _variant(variant: str) -> tuple[str, list[Step]]:
    try:
        return VARIANTS[variant]
    except KeyError:
        raise JitbootError(f"unknown QBE source variant {variant!r}; "
                           f"known: {', '.join(VARIANTS)}") from None


def _wanted_stamp(override: str | os.PathLike | None,
                  variant: str = "jit") -> dict[str, str]:
    """What the stamp of an up-to-date tree of variant must say."""
    if not override:
        override = os.environ.get(ENV_OVERRIDE) or None
    if override:
        src = check_checkout(Path(override))
        stamp = {"source": f"path:{src}", "sha256": _tree_hash(src)}
    else:
        stamp = {"source": f"pypi:qbepy=={QBEPY_VERSION}", "sha256": QBEPY_SHA256}
    if variant != "jit":
        stamp["variant"] = variant
    # the adjustments too: a tree made with other ones is made again
    stamp["adjustments"] = _steps_hash(_variant(variant)[1])
    return stamp


def _steps_hash(steps: list[Step]) -> str:
    h = hashlib.sha256()
    for st in steps:
        parts = ((st.path, st.pattern, st.repl) if isinstance(st, Adjust)
                 else (st.path, st.text))
        for part in parts:
            h.update(part.encode() + b"\0")
    return h.hexdigest()


def source_is_current(build_dir: Path, override: str | os.PathLike | None = None,
                      variant: str = "jit") -> bool:
    """True when ensure_qbe_source() would have nothing to do."""
    dest = Path(build_dir) / _variant(variant)[0]
    return _stamp_matches(dest, _wanted_stamp(override, variant))


# -- download and verification ---------------------------------------------

def fetch_sdist(cache: Path) -> Path:
    """The verified qbepy sdist in cache, downloading it when absent."""
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / SDIST_NAME
    if sdist.exists():
        if sha256_file(sdist) == QBEPY_SHA256:
            return sdist
        sdist.unlink()          # stale or truncated: fetch again
    with tempfile.TemporaryDirectory(dir=cache, prefix="dl-") as tmp:
        got = download_sdist(Path(tmp))
        verify_sdist(got, cache)
        os.replace(got, sdist)
    return sdist


def download_sdist(dest: Path) -> Path:
    """Run pip download for the pinned qbepy sdist into dest; return the file."""
    req = dest / "requirements.txt"
    # --require-hashes makes pip itself refuse a wrong file before it runs
    # anything from it; we check the hash again ourselves afterwards.
    req.write_text(f"qbepy=={QBEPY_VERSION} --hash=sha256:{QBEPY_SHA256}\n")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
           ":all:", "--ignore-requires-python", "--require-hashes",
           "--disable-pip-version-check", "-q", "-r", str(req), "-d", str(dest)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise JitbootError(f"cannot download qbepy=={QBEPY_VERSION} ({e}); "
                           f"set {ENV_OVERRIDE} to a local QBE checkout") from None
    got = dest / SDIST_NAME
    if r.returncode != 0 or not got.exists():
        last = (r.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise JitbootError(f"cannot download qbepy=={QBEPY_VERSION} from the "
                           f"package index: {last}; set {ENV_OVERRIDE} to a "
                           f"local QBE checkout")
    return got


def verify_sdist(path: Path, cache: Path) -> None:
    """Refuse path unless its SHA-256 is the pinned one; a bad file is kept
    aside as <name>.rejected for inspection, never extracted."""
    digest = sha256_file(path)
    if digest == QBEPY_SHA256:
        return
    rejected = cache / (path.name + ".rejected")
    os.replace(path, rejected)
    raise JitbootError(f"{path.name}: SHA-256 {digest} does not match the pinned "
                       f"{QBEPY_SHA256}; refusing to use it (kept as {rejected}); "
                       f"check your package index or set {ENV_OVERRIDE}")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


# -- extraction and copying --------------------------------------------------

def _extract_qbe(sdist: Path, out: Path) -> None:
    """Unpack vendor/qbe/ of sdist into out, refusing anything that is not
    a plain file or directory strictly inside it."""
    try:
        tf = tarfile.open(sdist, "r:gz")
    except (OSError, tarfile.TarError) as e:
        raise JitbootError(f"{sdist}: not a readable .tar.gz ({e})") from None
    n = 0
    with tf:
        for m in tf:
            if not m.name.startswith(SDIST_QBE_DIR):
                continue
            rel = m.name[len(SDIST_QBE_DIR):]
            parts = Path(rel).parts
            if rel.startswith("/") or ".." in parts:
                raise JitbootError(f"{sdist}: unsafe path {m.name!r} in archive")
            if not parts:
                continue
            target = out.joinpath(*parts)
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif m.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tf.extractfile(m)
                assert src is not None      # a regular file has contents
                with src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                n += 1
            else:
                raise JitbootError(f"{sdist}: {m.name!r} is not a regular file")
    if n == 0:
        raise JitbootError(f"{sdist}: no {SDIST_QBE_DIR} in archive")
    check_checkout(out)


def check_checkout(src: Path) -> Path:
    src = src.expanduser().resolve()
    missing = [m for m in QBE_MARKERS if not (src / m).is_file()]
    if missing:
        raise JitbootError(f"{src}: not a QBE source tree (missing "
                           f"{', '.join(missing)}); point {ENV_OVERRIDE} / "
                           f"qbe_src at a directory holding QBE's all.h")
    return src


def _copy_checkout(src: Path, out: Path) -> None:
    for f in _tree_files(src):
        target = out / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)


def _tree_files(src: Path) -> list[Path]:
    """The .c/.h files and config.h of a QBE tree (skipping .git etc.)."""
    return sorted(p for p in src.rglob("*")
                  if p.is_file() and p.suffix in (".c", ".h")
                  and not any(part.startswith(".") for part in p.relative_to(src).parts))


def _tree_hash(src: Path) -> str:
    h = hashlib.sha256()
    for f in _tree_files(src):
        h.update(str(f.relative_to(src)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _install(dest: Path, stamp: dict[str, str], fill: Callable[[Path], None],
             adjustments: list[Step] | None = None) -> Path:
    """Build the tree in a temporary sibling of dest, apply adjustments
    (default: the jit variant's), stamp it, then swap it in with renames
    so dest is never half-written."""
    if adjustments is None:
        adjustments = _variant("jit")[1]
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f"{dest.name}.tmp-"))
    try:
        fill(tmp)
        if not (tmp / "config.h").exists():
            (tmp / "config.h").write_text("#define Deftgt T_amd64_sysv\n")
        for adj in adjustments:
            adj.apply(tmp)
        (tmp / STAMP).write_text(json.dumps({**stamp, "adjust": ADJUST_VERSION}) + "\n")
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f"{dest.name}.old-"))
            os.replace(dest, old / dest.name)
        os.replace(tmp, dest)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _stamp_matches(dest: Path, stamp: dict[str, str]) -> bool:
    try:
        have = json.loads((dest / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return have == {**stamp, "adjust": ADJUST_VERSION}
