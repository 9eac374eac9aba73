"""The AArch64 assembler (jit/asm_a64/) against its oracle, GNU as.

For the same text, build/host/asmdump-a64 (our assembler) and
aarch64-linux-gnu-as must produce identical section bytes and identical
relocation records (section, offset, type, target, addend) and symbols.
The texts are QBE's arm64 output (`qbe -t arm64`) for every IL program in
tests/il/, plus hand-written snippets for the forms the corpus does not
reach (immediates GNU as turns into other instructions, every load/store
addressing mode, pairs, fp conversions, branches to other sections).
Malformed input is a one-line `FILE:LINE: message`, never a crash.
"""
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.descriptions import describe_reloc_type

from test_asm_oracle import SECTIONS, il_files, parse_dump

REPO = Path(__file__).resolve().parent.parent
QBE = REPO / "build" / "host" / "qbe"
GAS = "aarch64-linux-gnu-as"
IL_DIR_FIRST = REPO / "tests" / "il" / "float_conv.ssa"
# relocation types pyelftools has no name for
PYELFTOOLS_MISSES = {299: "R_AARCH64_LDST128_ABS_LO12_NC"}


@pytest.fixture(scope="session")
def asmdump_a64():
    from jitboot import ROOT, build
    from jitboot.errors import JitbootError
    try:
        return build.build_programs(["asmdump-a64"], ROOT)["asmdump-a64"]
    except JitbootError as e:
        pytest.fail(f"cannot build asmdump-a64: {e}")


@pytest.fixture(scope="session")
def gas():
    path = shutil.which(GAS)
    assert path, f"{GAS} missing: ci/setup.sh installs binutils-aarch64-linux-gnu"
    return path


def gas_dump(gas, text, tmp_path):
    """Assemble with GNU as for aarch64; the shape of parse_dump()."""
    src = tmp_path / "gas.s"
    obj = tmp_path / "gas.o"
    src.write_bytes(text if isinstance(text, bytes) else text.encode())
    subprocess.run([gas, "-o", str(obj), str(src)], check=True, capture_output=True)
    with open(obj, "rb") as f:
        elf = ELFFile(f)
        secs = {}
        for name in SECTIONS:
            s = elf.get_section_by_name(name)
            if s is None or s["sh_size"] == 0:
                secs[name] = (0, b"")
                continue
            secs[name] = (s["sh_size"], b"" if name == ".bss" else s.data())
        symtab = elf.get_section_by_name(".symtab")
        relocs = []
        for rsec in elf.iter_sections():
            if rsec["sh_type"] != "SHT_RELA":
                continue
            target = elf.get_section(rsec["sh_info"]).name
            if target not in SECTIONS:      # .debug_line and friends, from .loc
                continue
            for r in rsec.iter_relocations():
                sym = symtab.get_symbol(r["r_info_sym"])
                if sym["st_info"]["type"] == "STT_SECTION":
                    tname = elf.get_section(sym["st_shndx"]).name
                else:
                    tname = sym.name
                rtype = describe_reloc_type(r["r_info_type"], elf)
                rtype = PYELFTOOLS_MISSES.get(r["r_info_type"], rtype)
                relocs.append((target, r["r_offset"], rtype,
                               tname, r["r_addend"]))
        syms = set()
        for sym in symtab.iter_symbols():
            kind = sym["st_info"]["type"]
            # $x/$d are the ELF for AArch64 mapping symbols: no part of
            # the program, the loader has no use for them
            if not sym.name or kind in ("STT_SECTION", "STT_FILE") or sym.name[0] == "$":
                continue
            ndx = sym["st_shndx"]
            sec = {"SHN_UNDEF": "UND", "SHN_COMMON": "COM"}.get(ndx)
            if sec is None:
                sec = elf.get_section(ndx).name
            syms.add((sym.name, sec, sym["st_value"], sym["st_size"],
                      "global" if sym["st_info"]["bind"] == "STB_GLOBAL" else "local",
                      {"STT_FUNC": "func", "STT_OBJECT": "object"}.get(kind, "notype")))
    return secs, sorted(relocs), syms


def run_ours(asmdump_a64, text, tmp_path, name="ours.s"):
    (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return subprocess.run([str(asmdump_a64), name], capture_output=True, text=True,
                          cwd=tmp_path, errors="replace")


def check_same(asmdump_a64, gas, text, tmp_path):
    p = run_ours(asmdump_a64, text, tmp_path)
    assert p.returncode == 0, p.stderr
    ours = parse_dump(p.stdout)
    theirs = gas_dump(gas, text, tmp_path)
    for name in SECTIONS:
        a, b = ours[0][name][1], theirs[0][name][1]
        if a != b:
            at = next(i for i in range(min(len(a), len(b)) + 1)
                      if i == min(len(a), len(b)) or a[i] != b[i])
            pytest.fail(f"{name} differs at offset {at:#x}: ours "
                        f"{a[at:at+8].hex()} gas {b[at:at+8].hex()}")
        assert ours[0][name][0] == theirs[0][name][0], f"{name} size"
    assert ours[1] == theirs[1], "relocations"
    assert ours[2] == theirs[2], "symbols"
    return ours


def qbe_arm64(il):
    assert QBE.exists(), f"{QBE} missing: build the host qbe first (doit host)"
    p = subprocess.run([str(QBE), "-t", "arm64", str(il)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.parametrize("il", il_files(), ids=lambda p: p.name)
def test_qbe_arm64_output(asmdump_a64, gas, il, tmp_path):
    check_same(asmdump_a64, gas, qbe_arm64(il), tmp_path)


def test_corpus_reaches_the_main_families(asmdump_a64, gas, tmp_path):
    """The corpus must exercise what QBE's arm64 emitter prints most, or
    the oracle above checks little: calls, page/offset pairs, pairs,
    conditional branches, fp arithmetic and conversions."""
    text = "".join(qbe_arm64(il) for il in il_files())
    for form in ("\tbl\t", "\tadrp\t", ":lo12:", "\tstp\t", "\tldp\t", "\tblt\t",
                 "\tfadd\t", "\tscvtf\t", "\tfcvtzs\t", "\tmovk\t", "\tmsub\t", "\tcset\t"):
        assert form in text, form


# ---------------------------------------------------- applying relocations

LINK_SCRIPT = """SECTIONS {
  .text 0x400000 : { *(.text) }
  .rodata 0x500000 : { *(.rodata) }
  .data 0x600000 : { *(.data) }
  .bss 0x700000 : { *(.bss) }
}
"""


def check_link(asmdump_a64, gas, text, tmp_path):
    """asm_a64_apply() (through asmdump-a64 --link) against GNU ld: our
    object with its relocations applied at fixed addresses has the bytes
    GNU as's object linked by ld at the same addresses has."""
    p = run_ours(asmdump_a64, text, tmp_path, "link.s")
    p = subprocess.run([str(asmdump_a64), "--link", "link.s"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    defs, ours = [], {}
    for line in p.stdout.splitlines():
        f = line.split()
        if f[0] == "define":
            defs += ["--defsym", f"{f[1]}={f[2]}"]
        else:
            ours[f[1]] = bytes.fromhex(f[2])
    subprocess.run([gas, "-o", str(tmp_path / "link.o"), str(tmp_path / "link.s")],
                   check=True, capture_output=True)
    (tmp_path / "link.ld").write_text(LINK_SCRIPT)
    ld = gas.replace("-as", "-ld")
    subprocess.run([ld, "-T", str(tmp_path / "link.ld"), *defs, "-o", str(tmp_path / "link.elf"),
                    str(tmp_path / "link.o")], check=True, capture_output=True)
    with open(tmp_path / "link.elf", "rb") as f:
        elf = ELFFile(f)
        theirs = {}
        for name in SECTIONS[:3]:
            sec = elf.get_section_by_name(name)
            if sec is not None and sec["sh_size"]:
                theirs[name] = sec.data()
    assert ours == theirs
    return ours


@pytest.mark.parametrize("il", il_files(), ids=lambda p: p.name)
def test_relocations_applied_like_ld(asmdump_a64, gas, il, tmp_path):
    check_link(asmdump_a64, gas, qbe_arm64(il), tmp_path)


# ------------------------------------------------------------ line table

DEBUG_IL = """dbgfile "prog.c"
export function w $add(w %a, w %b) {
@start
	dbgloc 3
	%c =w add %a, %b
	dbgloc 4, 7
	%d =w mul %c, %a
	dbgloc 4, 9
	dbgloc 5
	jnz %d, @yes, @no
@yes
	dbgloc 6
	ret %d
@no
	ret 0
}
dbgfile "other.c"
export function w $main() {
@start
	dbgloc 10
	%r =w call $add(w 1, w 2)
	dbgloc 11
	ret %r
}
"""


def test_line_table_is_gnu_as(asmdump_a64, gas, tmp_path):
    """QBE's .file/.loc for arm64: our rows (address, file, line) are the
    rows GNU as writes to .debug_line (readelf's decoding, end-of-sequence
    rows left out), two .loc at one address included."""
    (tmp_path / "dbg.ssa").write_text(DEBUG_IL)
    text = qbe_arm64(tmp_path / "dbg.ssa")
    assert ".loc 1 4 9" in text
    p = run_ours(asmdump_a64, text, tmp_path)
    assert p.returncode == 0, p.stderr
    ours = [(int(f[1]), f[2], int(f[3])) for f in map(str.split, p.stdout.splitlines())
            if f[0] == "line"]
    obj = tmp_path / "gas.o"
    subprocess.run([gas, "-o", str(obj), str(tmp_path / "ours.s")], check=True, capture_output=True)
    out = subprocess.run([gas.replace("-as", "-readelf"), "-W", "--debug-dump=decodedline",
                          str(obj)], capture_output=True, text=True, check=True).stdout
    theirs = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1].isdigit() and re.fullmatch(r"0|0x[0-9a-f]+", f[2]):
            theirs.append((int(f[2], 0), f[0], int(f[1])))
    assert len(ours) == 7 and ours == theirs
    check_same(asmdump_a64, gas, text, tmp_path)


# ------------------------------------------------------------ hand-written

# Every form the encoder knows, and the immediates GNU as turns into other
# instructions (mov as movz/movn/orr, add of a negative as sub, ldr with an
# unscaled offset as ldur), which QBE's output reaches only in part.
FORMS = r"""
.text
.balign 16
.globl f
f:
	mov	x0, #0
	mov	x0, #-1
	mov	w0, #-1
	mov	w1, #-2
	mov	x2, #0x10000
	mov	x3, #0xffff0000
	mov	x4, #-65536
	mov	x5, #0x5555555555555555
	mov	w6, #0xff00ff00
	mov	x7, #0x0f0f0f0f0f0f0f0f
	mov	w8, #65535
	mov	x9, #-4294967296
	mov	x10, #4294967295
	mov	w11, #2147483648
	mov	x12, #0x7fffffffffffffff
	mov	x13, #0x8000000000000000
	mov	sp, x29
	mov	x29, sp
	mov	wsp, w1
	mov	x14, x15
	mov	w14, wzr
	movz	x1, #5, lsl #32
	movn	w2, #7
	movk	x3, #0xbeef, lsl #48
	add	x0, x1, #4095
	add	x0, x1, #1, lsl #12
	add	w0, w1, #4096
	add	x0, x1, #-8
	sub	x0, x1, #-8
	sub	sp, sp, #32
	add	sp, sp, #32
	add	x0, sp, #16
	adds	x0, x1, x2
	subs	w0, w1, w2
	adds	x0, x1, #3
	subs	w0, w1, #3
	add	x0, x1, x2, lsl #3
	sub	w0, w1, w2, lsl #31
	add	x0, sp, x1
	add	sp, sp, x16
	sub	sp, sp, x16
	add	wsp, wsp, w1
	cmp	x0, #0
	cmp	x0, #-1
	cmp	w0, #4095
	cmp	w0, #1, lsl #12
	cmp	x0, x1
	cmp	sp, #16
	cmn	w0, #5
	cmn	x0, x1
	tst	x0, x1
	tst	w0, #1
	tst	x0, #0xff00
	and	x0, x1, #0xff
	and	w0, w1, #0x7fffffff
	orr	x0, x1, #0x8000000000000001
	eor	w0, w1, #0xaaaaaaaa
	eor	x0, x1, #0xfffffffffffffffe
	ands	x0, x1, #3
	and	sp, x1, #0xfff0
	and	x0, x1, x2, lsl #4
	orr	w0, w1, w2
	eor	x0, x1, x2
	ands	w0, w1, w2
	mul	w0, w1, w2
	madd	x0, x1, x2, x3
	msub	w0, w1, w2, w3
	sdiv	x0, x1, x2
	udiv	w0, w1, w2
	lsl	x0, x1, x2
	lsr	w0, w1, w2
	asr	x0, x1, x2
	lsl	x0, x1, #3
	lsl	w0, w1, #31
	lsl	x0, x1, #0
	lsr	x0, x1, #63
	lsr	w0, w1, #1
	asr	x0, x1, #7
	asr	w0, w1, #31
	neg	x0, x1
	neg	w0, w1
	mvn	x0, x1
	sxtb	x0, w1
	sxtb	w0, w1
	sxth	x0, w1
	sxth	w0, w1
	sxtw	x0, w1
	uxtb	w0, w1
	uxth	w0, w1
	cset	w0, eq
	cset	x0, hs
	cset	w0, lo
	cset	w0, le
	csel	x0, x1, x2, ne
	csel	w0, w1, w2, gt
	hint	#34
	brk	#1000
	br	x16
	blr	x17
	ret
	ret	x1
	ldr	x0, [x1]
	ldr	x0, [x1, 8]
	ldr	x0, [x1, #32760]
	ldr	x0, [x1, #-8]
	ldr	x0, [x1, #3]
	ldr	x0, [x1, #16]!
	ldr	x0, [x1], #-16
	ldr	x0, [x1, x2]
	ldr	x0, [x1, x2, lsl #3]
	ldr	w0, [x1, x2, lsl #2]
	ldr	w0, [sp, 4]
	str	w0, [x29, 16380]
	strb	w0, [x1, 4095]
	ldrb	w0, [x1, x2]
	strh	w0, [x1, 2]
	ldrh	w0, [x1, 3]
	ldrsb	x0, [x1, 1]
	ldrsb	w0, [x1]
	ldrsh	x0, [x1, 2]
	ldrsh	w0, [x1, x2, lsl #1]
	ldrsw	x0, [x1, 4]
	ldrsw	x0, [x1, -4]
	ldr	s0, [x1, 4]
	ldr	d0, [x1, 8]
	ldr	q0, [x1, 16]
	str	s1, [x29, 100]
	str	d1, [x29, -8]
	str	q7, [sp, -16]!
	ldr	q7, [sp], 16
	ldr	d2, [x1, x2, lsl #3]
	stp	x29, x30, [sp, -16]!
	ldp	x29, x30, [sp], 16
	stp	x19, x20, [sp, 16]
	ldp	x19, x20, [sp]
	stp	w1, w2, [x0, 8]
	ldp	w1, w2, [x0, -8]!
	stp	d8, d9, [sp, -32]!
	ldp	d8, d9, [sp], 32
	stp	s0, s1, [x0, 4]
	stp	q0, q1, [sp, -32]!
	ldp	x0, x1, [sp, 504]
	ldp	x0, x1, [sp, -512]
	fadd	s0, s1, s2
	fadd	d0, d1, d2
	fsub	d3, d4, d5
	fmul	s3, s4, s5
	fdiv	d31, d30, d29
	fneg	s0, s1
	fneg	d0, d1
	fabs	d0, d1
	fsqrt	s0, s1
	fsqrt	d0, d1
	fcmp	s0, s1
	fcmp	d0, d1
	fcmpe	s0, s1
	fcmpe	d0, d1
	fcvt	d0, s1
	fcvt	s0, d1
	fcvtzs	w0, s1
	fcvtzs	x0, s1
	fcvtzs	w0, d1
	fcvtzs	x0, d1
	fcvtzu	w0, s1
	fcvtzu	x0, d1
	scvtf	s0, w1
	scvtf	s0, x1
	scvtf	d0, w1
	scvtf	d0, x1
	ucvtf	s0, w1
	ucvtf	d0, x1
	fmov	s0, s1
	fmov	d0, d1
	fmov	w0, s1
	fmov	s0, w1
	fmov	x0, d1
	fmov	d0, x1
.L1:
	cbz	x0, .L1
	cbnz	w0, .L2
	b.eq	.L2
	b.ne	.L1
	bhs	.L2
	blo	.L2
	b	.L2
	bl	f
	bl	g
	b	g
	b	ext
	bl	ext
	beq	ext
	cbz	x0, ext
	b	h
	bl	h
	beq	h
	adrp	x0, d
	add	x0, x0, #:lo12:d
	adrp	x0, d+8
	add	x0, x0, :lo12:d+8
	ldr	x1, [x0, #:lo12:d]
	ldr	w1, [x0, #:lo12:d+4]
	ldrh	w1, [x0, #:lo12:d+2]
	ldrb	w1, [x0, #:lo12:d+1]
	ldr	q1, [x0, #:lo12:d]
	ldr	d1, [x0, #:lo12:gd]
	str	s1, [x0, :lo12:ext]
	adrp	x0, ext
	adrp	x0, gd-16
	adrp	x0, h
	add	x0, x0, #:lo12:h
.L2:
	ret
.type f, @function
.size f, .-f
.globl g
g:
	nop
h:
	ret
.p2align 4
	ret
.balign 8
.type g, @function
.size g, 8

.data
.balign 8
d:
	.quad 1, -1, 0x123456789abcdef0
	.quad d, d+8, gd, ext+4, f, h
	.int 4294967295, -2147483648, ext, d+4
	.int ext - .
	.int h - .
	.int d - .
	.int .L3 - .
	.quad ext - .
	.quad gd - .
.L3:
	.short 65535, -1, 7
	.hword 3
	.byte 1, 255, -128
	.ascii "a\tb\n\"\\\001\377"
	.asciz "z"
	.string "yy"
	.fill 3,1,0
	.fill 2,4,7
	.fill 1,8,-1
	.zero 5
	.word 9
	.xword 10
	.balign 8
.globl gd
gd:
	.quad gd
.type gd, @object
.size gd, 8

.section .rodata
.p2align 3
r:
	.quad 4607182418800017408 /* 1.0 */
	.int 1065353216
	.ascii "ro"
/* a comment
   over lines */
.bss
.balign 16
b1:
	.fill 40,1,0
	.zero 3
.comm cm8,8,8
.comm cm100,100
.comm cm3,3
.text
	adrp	x0, cm8
	add	x0, x0, #:lo12:cm8
	ldr	x1, [x0, #:lo12:cm100]
.section .note.GNU-stack,"",@progbits
"""


def test_every_form(asmdump_a64, gas, tmp_path):
    ours = check_same(asmdump_a64, gas, FORMS, tmp_path)
    kinds = {r[2] for r in ours[1]}
    assert {"R_AARCH64_CALL26", "R_AARCH64_JUMP26", "R_AARCH64_CONDBR19",
            "R_AARCH64_ADR_PREL_PG_HI21", "R_AARCH64_ADD_ABS_LO12_NC",
            "R_AARCH64_LDST8_ABS_LO12_NC", "R_AARCH64_LDST16_ABS_LO12_NC",
            "R_AARCH64_LDST32_ABS_LO12_NC", "R_AARCH64_LDST64_ABS_LO12_NC",
            "R_AARCH64_LDST128_ABS_LO12_NC", "R_AARCH64_ABS64", "R_AARCH64_ABS32",
            "R_AARCH64_PREL32", "R_AARCH64_PREL64"} <= kinds, kinds


def bitmasks(width):
    """Every logical immediate of a width-bit register: a run of ones,
    rotated, in an element of 2..width bits, repeated."""
    out = set()
    e = 2
    while e <= width:
        m = (1 << e) - 1
        for ones in range(1, e):
            run = (1 << ones) - 1
            for rot in range(e):
                v = ((run >> rot) | (run << (e - rot))) & m
                x = 0
                for k in range(0, width, e):
                    x |= v << k
                out.add(x)
        e *= 2
    return sorted(out)


def test_every_bitmask_immediate(asmdump_a64, gas, tmp_path):
    """All 5334 64-bit and 1302 32-bit logical immediates, as and/orr/eor
    operands and as mov (where GNU as prefers movz or movn when one
    instruction of those does), against GNU as; and a value next to
    each, which must not be taken for a bitmask."""
    b64, b32 = bitmasks(64), bitmasks(32)
    assert (len(b64), len(b32)) == (5334, 1302)
    lines = [".text"]
    lines += [f"\tand x0, x1, #{v:#x}\n\tmov x2, #{v:#x}" for v in b64]
    lines += [f"\teor w0, w1, #{v:#x}\n\tmov w2, #{v:#x}" for v in b32]
    check_same(asmdump_a64, gas, "\n".join(lines) + "\n", tmp_path)
    rejected = 0
    for v in b64[::97]:
        w = v ^ (1 << 17)
        if w in b64 or w == 0:
            continue
        p = run_ours(asmdump_a64, f".text\n\torr x0, x1, #{w:#x}\n", tmp_path, "nb.s")
        assert p.stderr == "nb.s:2: immediate is not a bitmask\n", hex(w)
        rejected += 1
    assert rejected > 30


def test_every_form_linked(asmdump_a64, gas, tmp_path):
    # undefined symbols are 4 MiB away: out of a b.cond's reach (ld says
    # so too), which test_apply_range_is_checked covers
    # and ld places common symbols where it likes: they stay out too
    text = FORMS.replace("\tbeq\text\n", "").replace("\tcbz\tx0, ext\n", "")
    text = "\n".join(l for l in text.splitlines()
                     if not l.startswith(".comm") and not re.search(r"\bcm[0-9]", l))
    check_link(asmdump_a64, gas, text, tmp_path)


def test_apply_range_is_checked(asmdump_a64, tmp_path):
    p = run_ours(asmdump_a64, ".text\n\tbeq ext\n\tldr x0, [x0, #:lo12:ext+4]\n", tmp_path, "far.s")
    p = subprocess.run([str(asmdump_a64), "--link", "far.s"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr == ("relocation R_AARCH64_CONDBR19 at .text+0 out of range\n"
                        "relocation R_AARCH64_LDST64_ABS_LO12_NC at .text+4 out of range\n")


def test_branch_range_is_checked(asmdump_a64, tmp_path):
    """A b.cond reaches +-1 MiB: one instruction past is an error naming
    the branch's line; b reaches it."""
    far = ".text\nf:\n\tb.eq .Lfar\n\tb .Lfar\n\t.fill 262142,4,0\n.Lfar:\n\tret\n"
    p = run_ours(asmdump_a64, far, tmp_path, "far.s")
    assert p.returncode == 1
    assert p.stderr.strip() == "far.s:3: branch out of range (+-1 MiB) to '.Lfar'"
    near = far.replace("262142", "262141")
    p = run_ours(asmdump_a64, near, tmp_path, "near.s")
    assert p.returncode == 0, p.stderr


# -------------------------------------------------------------- errors

BAD = [
    ("unknown mnemonic", ".text\nf:\n\tret\n\tfrob x0\n", 4, "unknown instruction 'frob'"),
    ("bad operands", ".text\n\tadd x0, x1\n", 2, "bad operands for 'add'"),
    ("size mismatch", ".text\n\tadd x0, w1, x2\n", 2, "register sizes differ"),
    ("sp as Rm", ".text\n\tadd x0, x1, sp\n", 2, "bad sp operand"),
    ("add imm range", ".text\n\tadd x0, x1, #4097\n", 2, "immediate out of range"),
    ("not a bitmask", ".text\n\tand x0, x1, #5\n", 2, "immediate is not a bitmask"),
    ("mov imm", ".text\n\tmov x0, #0x12345\n", 2,
     "immediate cannot be moved in one instruction"),
    ("mov w imm", ".text\n\tmov w0, #0x100000000\n", 2, "immediate out of range"),
    ("movk shift", ".text\n\tmovk w0, #1, lsl #32\n", 2,
     "shift must be a multiple of 16 within the register"),
    ("shift range", ".text\n\tlsl w0, w1, #32\n", 2, "shift out of range"),
    ("ldr offset", ".text\n\tldr x0, [x1, 32768]\n", 2, "offset out of range"),
    ("pre-index range", ".text\n\tstr x0, [x1, 256]!\n", 2, "offset out of range"),
    ("pair offset", ".text\n\tstp x0, x1, [sp, 12]\n", 2, "offset out of range"),
    ("pair kinds", ".text\n\tstp x0, d1, [sp]\n", 2, "bad operands for 'stp'"),
    ("32-bit index", ".text\n\tldr w0, [x1, w2]\n", 2, "expected a 64-bit index register"),
    ("32-bit base", ".text\n\tldr w0, [w1]\n", 2, "expected a 64-bit base register"),
    ("missing bracket", ".text\n\tldr x0, [x1\n", 2, "expected ']'"),
    ("fp sizes", ".text\n\tfadd d0, s1, d2\n", 2, "fp register sizes differ"),
    ("fmov sizes", ".text\n\tfmov w0, d1\n", 2, "fmov register sizes differ"),
    ("no al branch", ".text\n\tbal f\n", 2, "unknown instruction 'bal'"),
    ("tls", ".text\n\tadd x0, x0, #:tprel_lo12_nc:v\n", 2, "only :lo12: is supported"),
    ("junk", ".text\n\tret x0 x1\n", 2, "junk after operands: 'x1'"),
    ("bad number", ".data\n\t.quad 12ab\n", 2, "bad number"),
    ("huge number", ".data\n\t.quad 99999999999999999999\n", 2, "number too large"),
    ("byte range", ".data\n\t.byte 256\n", 2, "value does not fit"),
    ("unknown directive", ".text\nf:\n.frobnicate 3\n", 3, "unknown directive '.frobnicate'"),
    ("unknown section", ".section .init_array\n", 1, "unsupported section '.init_array'"),
    ("redefined", ".text\nf:\nf:\n", 3, "symbol already defined 'f'"),
    ("undefined local", ".text\n\tb .Lnowhere\n\tret\n", 2, "undefined local label '.Lnowhere'"),
    ("data in .bss", ".bss\n\t.zero 4\n\t.byte 1\n", 3, "data in .bss"),
    ("code in .data", ".data\n\tret\n", 2, "instruction outside .text 'ret'"),
    ("misaligned code", ".text\n\t.byte 1\n\tret\n", 3, "misaligned instruction"),
    ("big .balign", ".data\n.balign 8192\n", 2, "alignment must be a power of 2 up to 4096"),
    ("odd .balign", ".data\n.balign 12\n", 2, "alignment must be a power of 2 up to 4096"),
    ("big .p2align", ".data\n.p2align 13\n", 2, "alignment out of range"),
    ("string", '.data\n\t.ascii "abc\n', 2, "unterminated string"),
    ("escape", '.data\n\t.ascii "\\q"\n', 2, "unknown string escape"),
    ("comment", ".text\n/* never closed\n\tret\n", 3, "unterminated comment"),
    ("unassigned .loc file", ".text\n.loc 1 3\n\tret\n", 2, "unassigned file number in .loc"),
    ("bad .file number", '.file 0 "a.c"\n', 1, "bad file number in .file"),
    (".loc option", '.file 1 "a.c"\n.text\n.loc 1 3 4 is_stmt 0\n\tret\n', 3,
     "unsupported .loc option 'is_stmt 0'"),
    ("bad .type", ".text\n.type f, @frob\n", 2, "unknown symbol type 'frob'"),
    (".size elsewhere", ".data\nd:\n.text\n.size d, .-d\n", 4,
     ".size of a symbol not defined in this section 'd'"),
]


@pytest.mark.parametrize("case", BAD, ids=[b[0] for b in BAD])
def test_errors_name_the_line(asmdump_a64, case, tmp_path):
    _, text, line, msg = case
    p = run_ours(asmdump_a64, text, tmp_path, name="bad.s")
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr == f"bad.s:{line}: {msg}\n"


# ----------------------------------------------------------- robustness

def mutants(text, count, seed):
    """Lines of QBE's output cut, duplicated, with bytes replaced or
    inserted: deterministic, so a failure reproduces."""
    rng = random.Random(seed)
    lines = text.splitlines(keepends=True)
    alphabet = "x0w1sd[],#:!-+.\"/*;lsp\t 9zq\x00\xff"
    for _ in range(count):
        ls = list(lines)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(ls))
            line = ls[i]
            op = rng.randrange(5)
            at = rng.randrange(len(line) + 1)
            if op == 0:
                ls[i] = line[:at]
            elif op == 1:
                ls[i] = line[:at] + rng.choice(alphabet) + line[at + 1:]
            elif op == 2:
                ls[i] = line[:at] + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) + line[at:]
            elif op == 3:
                ls.insert(i, line)
            else:
                del ls[i]
        yield "".join(ls)


def test_malformed_input_is_one_line_error(asmdump_a64, gas, tmp_path):
    """Mutated corpus text: either assembled (then GNU as must agree byte
    for byte, when it accepts the text too) or one `FILE:LINE: message`
    line with exit status 1; never a crash."""
    base = qbe_arm64(IL_DIR_FIRST)
    rejected = agreed = 0
    for n, text in enumerate(mutants(base, 300, seed=16)):
        p = run_ours(asmdump_a64, text.encode("latin-1"), tmp_path, name="m.s")
        assert p.returncode in (0, 1), (n, p.returncode, p.stderr)
        if p.returncode == 1:
            assert p.stdout == ""
            assert re.fullmatch(r"m\.s:[0-9]+: [^\n]+\n", p.stderr), (n, p.stderr)
            rejected += 1
            continue
        src = tmp_path / "gas.s"
        src.write_bytes(text.encode("latin-1"))
        g = subprocess.run([gas, "-o", str(tmp_path / "gas.o"), str(src)], capture_output=True)
        if g.returncode == 0:
            ours = parse_dump(p.stdout)
            theirs = gas_dump(gas, text.encode("latin-1"), tmp_path)
            assert ours[0] == theirs[0] and ours[1] == theirs[1], f"mutant {n}"
            agreed += 1
    # the mutations must really hit both outcomes
    assert rejected > 50 and agreed > 20, (rejected, agreed)
