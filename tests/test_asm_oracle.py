"""The in-kernel assembler (jit/asm/) against its oracle, GNU as.

For the same assembly text, build/host/asmdump (our assembler) and GNU as
must produce identical section bytes, relocation records and symbols.
The texts are QBE's output for every IL program in tests/il/ plus
hand-written snippets that cover each addressing form, each mnemonic
family, jump relaxation and alignment padding.
"""
import re
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.descriptions import describe_reloc_type

REPO = Path(__file__).resolve().parent.parent
HOST = REPO / "build" / "host"
QBE = HOST / "qbe"
ASMDUMP = HOST / "asmdump"
IL_DIR = REPO / "tests" / "il"
SECTIONS = (".text", ".rodata", ".data", ".bss")


@pytest.fixture(scope="session")
def asmdump(host_tools):
    # host_tools builds asmdump and the stock qbe the QBE-output tests
    # compile IL with, through the manifest like every program
    return host_tools["asmdump"]


def gas_dump(text, tmp_path):
    """Assemble with GNU as; same shape as parse_dump()."""
    src = tmp_path / "gas.s"
    obj = tmp_path / "gas.o"
    src.write_text(text)
    subprocess.run(["as", "--64", "-o", str(obj), str(src)], check=True,
                   capture_output=True)
    with open(obj, "rb") as f:
        elf = ELFFile(f)
        secs = {}
        for name in SECTIONS:
            s = elf.get_section_by_name(name)
            if s is None or s["sh_size"] == 0:
                secs[name] = (0, b"")
                continue
            data = b"" if name == ".bss" else s.data()
            secs[name] = (s["sh_size"], data)
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
                relocs.append((target, r["r_offset"],
                               describe_reloc_type(r["r_info_type"], elf),
                               tname, r["r_addend"]))
        syms = set()
        for sym in symtab.iter_symbols():
            kind = sym["st_info"]["type"]
            if not sym.name or kind in ("STT_SECTION", "STT_FILE"):
                continue
            ndx = sym["st_shndx"]
            sec = {"SHN_UNDEF": "UND", "SHN_COMMON": "COM"}.get(ndx)
            if sec is None:
                sec = elf.get_section(ndx).name
            syms.add((sym.name, sec, sym["st_value"], sym["st_size"],
                      "global" if sym["st_info"]["bind"] == "STB_GLOBAL" else "local",
                      {"STT_FUNC": "func", "STT_OBJECT": "object"}.get(kind, "notype")))
    return secs, sorted(relocs), syms


def parse_dump(out):
    secs, relocs, syms = {}, [], set()
    for line in out.splitlines():
        f = line.split()
        if f[0] == "section":
            secs[f[1]] = (int(f[2]), b"")
        elif f[0] == "bytes":
            secs[f[1]] = (secs[f[1]][0], bytes.fromhex(f[2] if len(f) > 2 else ""))
        elif f[0] == "reloc":
            relocs.append((f[1], int(f[2]), f[3], f[4], int(f[5])))
        elif f[0] == "symbol":
            syms.add((f[1], f[2], int(f[3]), int(f[4]), f[5], f[6]))
    for name in SECTIONS:
        if secs.get(name, (0,))[0] == 0:
            secs[name] = (0, b"")
    return secs, sorted(relocs), syms


def run_asmdump(asmdump, text, tmp_path, name="ours.s"):
    (tmp_path / name).write_text(text)
    return subprocess.run([str(asmdump), name], capture_output=True, text=True,
                          cwd=tmp_path)


def check_same(asmdump, text, tmp_path):
    p = run_asmdump(asmdump, text, tmp_path)
    assert p.returncode == 0, p.stderr
    ours = parse_dump(p.stdout)
    gas = gas_dump(text, tmp_path)
    for name in SECTIONS:
        assert ours[0][name][0] == gas[0][name][0], f"{name} size"
        if ours[0][name][1] != gas[0][name][1]:
            a, b = ours[0][name][1], gas[0][name][1]
            at = next(i for i in range(min(len(a), len(b)) + 1)
                      if i == min(len(a), len(b)) or a[i] != b[i])
            pytest.fail(f"{name} differs at offset {at:#x}: ours "
                        f"{a[at:at+12].hex()} gas {b[at:at+12].hex()}")
    assert ours[1] == gas[1], "relocations"
    assert ours[2] == gas[2], "symbols"
    return ours


# ------------------------------------------------------------ QBE output

def il_files():
    return sorted(IL_DIR.glob("*.ssa"))


def test_corpus_not_empty():
    assert il_files(), "tests/il/*.ssa is empty: the oracle has nothing to check"


def test_jit_output(host_tools, asmdump, tmp_path):
    """What only the JIT prints (build/host/qbe runs none of our passes):
    jitrun -S of the corpus with every pass on, folded memory operands
    included."""
    folds = 0
    for il in il_files():
        p = subprocess.run([str(host_tools["jitrun"]), "-S", str(il)],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        folds += len(re.findall(r"^\t(add|sub|imul|and|or|xor|cmp)[lq] [^,]*\(|"
                                r"^\t(add|sub|mul|div|ucomi)s[sd] [^,]*\(", p.stdout, re.M))
        check_same(asmdump, p.stdout, tmp_path)
    assert folds >= 20, folds


@pytest.mark.parametrize("il", il_files(), ids=lambda p: p.name)
def test_qbe_output(asmdump, il, tmp_path):
    assert QBE.exists(), f"{QBE} missing: build the host qbe first (doit host)"
    p = subprocess.run([str(QBE), "-t", "amd64_sysv", str(il)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    check_same(asmdump, p.stdout, tmp_path)


# -------------------------------------------------------- hand-written

ADDRESSING = """
.text
f:
\tmovq (%rax), %rcx
\tmovq 8(%rax), %rcx
\tmovq -8(%rbp), %rcx
\tmovq (%rbp), %rcx
\tmovq (%r13), %rcx
\tmovq (%rsp), %rcx
\tmovq 16(%rsp), %rcx
\tmovq (%r12), %rcx
\tmovq -300(%r12), %r15
\tmovq 1024(%rax), %rcx
\tmovq -129(%rax), %rcx
\tmovq 127(%rax), %rcx
\tmovq (%rax, %rbx, 1), %rcx
\tmovq 8(%rax, %rbx, 2), %rcx
\tmovq -8(%rbp, %r9, 4), %r10
\tmovq 4096(%r13, %r14, 8), %rcx
\tmovq (%rsp, %rax, 8), %rcx
\tmovq (, %rax, 8), %rcx
\tmovq 16(, %r11, 4), %rcx
\tmovq sym(, %rax, 8), %rcx
\tmovq sym, %rcx
\tmovq sym+8(%rax), %rcx
\tmovq sym(%rip), %rcx
\tmovq sym+16(%rip), %rcx
\tmovq sym-16(%rip), %rcx
\tmovq .Lc(%rip), %rcx
\tmovq .Lc+4(%rip), %rcx
\tmovq loc(%rip), %rcx
\tmovq glob(%rip), %rcx
\tmovl $5, loc(%rip)
\tmovl $500, glob+4(%rip)
\tmovq $-1, .Lc(%rip)
\tmovl $1, 4+-8(%rbp)
\tleaq f(%rip), %rax
\tleaq g(%rip), %rax
\tleaq 4+-8(%rbp), %rax
\tret
.globl g
g:
\tret
.section .rodata
.p2align 3
.Lc:
\t.quad 7
.data
loc:
\t.int 1
.globl glob
glob:
\t.int 2, 3
"""

ALU = "\n".join(
    f"\t{op}{sfx} {src}, {dst}"
    for op in ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp")
    for sfx, regs in (("b", ("%al", "%cl", "%sil", "%r9b")),
                      ("w", ("%ax", "%cx", "%si", "%r9w")),
                      ("l", ("%eax", "%ecx", "%esi", "%r9d")),
                      ("q", ("%rax", "%rcx", "%rsi", "%r9")))
    for src, dst in ((regs[1], regs[0]), (regs[2], regs[3]), ("$1", regs[0]),
                     ("$-128", regs[1]), ("$127", regs[3]), ("$1000", regs[0]),
                     ("$1000", regs[1]), ("$-129", regs[2]), ("(%rax)", regs[1]),
                     (regs[1], "8(%rsp)"), ("$3", "(%rdi)"), ("$300", "-8(%rbp)"))
    if not (sfx == "b" and src in ("$1000", "$-129", "$300")))

MNEMONICS = """
.text
f:
\tendbr64
\tpushq %rbp
\tpushq %r12
\tmovq %rsp, %rbp
\tsubq $24, %rsp
\tsubq %rax, %rsp
\tmovl $5, %eax
\tmovl $4294967295, %r8d
\tmovl $12345678901, -8(%rbp)
\tmovl $12345678901>>32, 4+-8(%rbp)
\tmovl $-12345678901, -8(%rbp)
\tmovl $-12345678901>>32, 4+-8(%rbp)
\tmovsd ".Lfp0"(%rip), %xmm1
\tmovq $-1, %rax
\tmovq $2147483647, %r11
\tmovq $2147483648, %rax
\tmovq $-9223372036854775808, %r9
\tmovq $sym, %rax
\tmovq $sym+8, (%rax)
\tmovl $sym, %ecx
\tmovw $5, 8(%r12)
\tmovw %ax, (%rdi)
\tmovb $200, %cl
\tmovb %sil, (%rax)
\tmovb %r10b, %dil
\tmov %rax, %rcx
\tmov %r8d, %eax
\tmovzbl %al, %eax
\tmovzbq %dil, %r8
\tmovzbw (%rax), %cx
\tmovzwl %ax, %eax
\tmovzwq (%rsi), %rax
\tmovsbl (%rax), %ecx
\tmovsbq %r12b, %rax
\tmovswl %cx, %eax
\tmovswq %ax, %rax
\tmovslq %eax, %rax
\tmovslq -4(%rbp), %r13
\tleaq 8(%rax, %rcx, 4), %rdx
\tleal -1(%rdi), %eax
\timull %ecx, %eax
\timulq -8(%rbp), %rax
\timull $3, %eax, %ecx
\timulq $300, %rax, %r9
\timulq $-7, -8(%rbp), %rax
\timulw %cx, %ax
\tnegl %eax
\tnegq %r10
\tnotq %rax
\tcltd
\tcqto
\tcltq
\tidivl %ecx
\tidivq %r8
\tdivl -4(%rbp)
\tdivq %rsi
\tmulq %rcx
\tincl %eax
\tdecq %r11
\tsarl %cl, %eax
\tshrq %cl, %r9
\tshlw %cl, %ax
\tshlb %cl, %dl
\tsarq $1, %rax
\tshll $1, %r8d
\tshrl $3, %eax
\tshlq $63, %r12
\tsarw $2, -2(%rbp)
\trolq $7, %rax
\trorl %cl, %edx
\ttestl %eax, %eax
\ttestq %rax, -8(%rbp)
\ttestb %al, %al
\ttestb $1, %al
\ttestl $5, %eax
\ttestq $256, %rcx
\ttestw $-1, (%rax)
\txchgq %rax, %rcx
\txchgq %rcx, %rax
\txchgl %ecx, %edx
\txchgl %eax, %eax
\txchgq %r9, %rax
\txchgl %r10d, %r11d
\txchgq %rcx, (%rax)
\tsetz %al
\tsetnz %cl
\tsetl %sil
\tsetle %r9b
\tsetg %al
\tsetge %al
\tsetb %al
\tsetbe %al
\tseta %al
\tsetae %al
\tsetp %al
\tsetnp %dil
\tsete (%rax)
\tcmovz %rax, %rcx
\tcmovnz %eax, %ecx
\tcmovl -8(%rbp), %r8
\tcmovle %eax, %ecx
\tcmovg %rax, %rcx
\tcmovge %rax, %rcx
\tcmovb %rax, %rcx
\tcmovbe %rax, %rcx
\tcmova %rax, %rcx
\tcmovae %rax, %rcx
\tcmovp %rax, %rcx
\tcmovnp %rax, %rcx
\tmovss (%rax), %xmm0
\tmovss %xmm1, %xmm2
\tmovss %xmm15, -4(%rbp)
\tmovsd -8(%rbp), %xmm8
\tmovsd %xmm1, %xmm12
\tmovsd %xmm3, 8(%rsp)
\tmovaps %xmm7, -80(%rbp)
\tmovaps %xmm0, %xmm9
\tmovaps -80(%rbp), %xmm1
\tmovq %xmm0, %rax
\tmovq %r11, %xmm14
\tmovq -8(%rbp), %xmm0
\tmovq %xmm9, -8(%rbp)
\tmovq %xmm1, %xmm2
\taddss %xmm1, %xmm0
\taddsd -8(%rbp), %xmm0
\tsubss %xmm1, %xmm0
\tsubsd %xmm10, %xmm11
\tmulss (%rax), %xmm0
\tmulsd %xmm1, %xmm0
\tdivss %xmm1, %xmm0
\tdivsd %xmm1, %xmm15
\tsqrtsd %xmm1, %xmm0
\tucomiss %xmm1, %xmm0
\tucomisd -8(%rbp), %xmm9
\tcomisd %xmm1, %xmm0
\txorps .Lfp0(%rip), %xmm1
\txorpd .Lfp0(%rip), %xmm9
\tandpd %xmm1, %xmm2
\tpxor %xmm0, %xmm0
\tcvtss2sd %xmm1, %xmm0
\tcvtsd2ss -8(%rbp), %xmm0
\tcvtsi2sd %eax, %xmm0
\tcvtsi2sd %rax, %xmm0
\tcvtsi2sd -8(%rbp), %xmm0
\tcvtsi2sdq -8(%rbp), %xmm0
\tcvtsi2ss %r9d, %xmm10
\tcvtsi2ssq %r9, %xmm10
\tcvttss2sil %xmm0, %eax
\tcvttss2siq %xmm0, %rax
\tcvttsd2sil %xmm9, %r8d
\tcvttsd2siq -8(%rbp), %rax
\tcallq f
\tcall ext
\tcallq *%rax
\tcallq *%r11
\tcall *8(%rax)
\tjmp *%rax
\tpopq %r12
\tpopq %rbp
\tleave
\tret
\tud2
\tnop
.section .rodata
.p2align 4
.Lfp0:
\t.quad -9223372036854775808
\t.quad 0
"""

DATA = """
.data
.balign 8
.globl d
d:
\t.byte 1, -1, 255
\t.short 7, -2
\t.int 4294967295, -5
\t.quad 1, -1, 9223372036854775807
\t.quad d, d+8, f-3, ext+16, .Lr
\t.int ext
\t.ascii "a\\n\\t\\"\\\\\\101\\x41z\\0"
\t.asciz "hi", "yo"
\t.balign 16
\t.fill 3,1,0
\t.fill 2,4,0x01020304
\t.zero 5
\t.p2align 2
e:
\t.quad e
.type d, @object
.size d, 16
.section .rodata
\t.byte 1
.p2align 3
.Lr:
\t.int 1080033280 /* 3.500000 */
.bss
.balign 32
z:
\t.fill 10,1,0
.comm cbuf,64,16
.comm cb2,8
.text
.globl f
f:
\tret
.type f, @function
.size f, .-f
.section .note.GNU-stack,"",@progbits
"""


GPR64 = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
         "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
GPR32 = ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
         "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d")


def emitter_patch_text():
    """The instruction forms jitboot's EMITTER_PATCHES (jitboot/qbe.py) make
    QBE emit, over low and high registers: zeroing idioms before integer
    to FP conversions, whole-register FP copies, swaps as three moves,
    the shift/and sequences of signed division by 2^n, and the forms of
    the fold pass and of lea (fold_lea_lines)."""
    xmm = [f"%xmm{n}" for n in range(16)]
    lines = [".text", "f:"]
    for x in xmm:
        lines += [f"\tpxor {x}, {x}", f"\txorps {x}, {x}", f"\txorpd {x}, {x}"]
    for a, b in ((0, 1), (1, 0), (7, 8), (8, 7), (9, 15), (15, 2), (3, 3)):
        for op in ("movapd", "movaps"):
            lines.append(f"\t{op} {xmm[a]}, {xmm[b]}")
    for n in range(16):
        x = xmm[(n * 5) % 16]
        lines += [f"\tpxor {x}, {x}", f"\tcvtsi2sd %{GPR32[n]}, {x}",
                  f"\tpxor {x}, {x}", f"\tcvtsi2sd %{GPR64[n]}, {x}",
                  f"\tpxor {x}, {x}", f"\tcvtsi2ss %{GPR32[n]}, {x}",
                  f"\tpxor {x}, {x}", f"\tcvtsi2ss %{GPR64[n]}, {x}"]
    lines += ["\tpxor %xmm3, %xmm3", "\tcvtsi2sd -8(%rbp), %xmm3",
              "\tpxor %xmm12, %xmm12", "\tcvtsi2ssq 16(%rsp), %xmm12",
              "\tpxor %xmm12, %xmm12", "\tcvtsi2sdl (%r13), %xmm12"]
    for a, b, t in ((0, 1, 2), (6, 7, 11), (8, 15, 0), (12, 3, 10)):
        for regs, sfx in ((GPR64, "q"), (GPR32, "l")):
            ra, rb, rt = regs[a], regs[b], regs[t]
            lines += [f"\tmov{sfx} %{ra}, %{rt}", f"\tmov{sfx} %{rb}, %{ra}",
                      f"\tmov{sfx} %{rt}, %{rb}"]
    lines += ["\tmovq -8(%rbp), %r11", "\tmovq %rax, -8(%rbp)", "\tmovq %r11, %rax",
              "\tmovl 12(%rsp), %edi", "\tmovl %r9d, 12(%rsp)"]
    for n in (1, 2, 3, 30, 31):
        lines += [f"\tsarl $31, %{GPR32[n % 16]}", f"\tshrl ${32 - n}, %{GPR32[(n + 8) % 16]}",
                  f"\tsarl ${n}, %{GPR32[(n + 3) % 16]}", f"\tandl ${-(1 << n)}, %{GPR32[n % 16]}"]
    for n in (1, 3, 31, 32, 62):
        lines += [f"\tsarq $63, %{GPR64[n % 16]}", f"\tshrq ${64 - n}, %{GPR64[(n + 8) % 16]}",
                  f"\tsarq ${n}, %{GPR64[(n + 3) % 16]}"]
        if n < 32:
            lines.append(f"\tandq ${-(1 << n)}, %{GPR64[n % 16]}")
    lines += ["\tmovabsq $-4611686018427387904, %rcx", "\tandq %rcx, %rax"]
    lines += fold_lea_lines()
    lines.append("\tret")
    return "\n".join(lines) + "\n"


def fold_lea_lines():
    """The fold pass's memory operands (ALU, compare and SSE instructions
    reading memory, ALU instructions writing it) and the lea of 3-address adds, over bases that need a
    SIB byte (%rsp, %r12) or a displacement (%rbp, %r13)."""
    mems = ["(%rax)", "(%rsp)", "(%rbp)", "(%r12)", "(%r13)", "8(%rdi)", "-4(%r15)",
            "4096(%rbx, %rcx, 8)", "(%rsi, %r13, 1)", "-16(%rsp)", "-24(%rbp)",
            "tab(%rip)", "tab+8(%rip)", "(%r12, %rax, 4)"]
    lines = []
    for n, m in enumerate(mems):
        q, l, x = GPR64[(3 * n + 1) % 16], GPR32[(5 * n + 2) % 16], f"%xmm{(7 * n) % 16}"
        for op in ("add", "sub", "and", "or", "xor", "imul", "cmp"):
            lines += [f"\t{op}q {m}, %{q}", f"\t{op}l {m}, %{l}"]
        lines += [f"\tcmpq %{q}, {m}", f"\tcmpl %{l}, {m}", f"\tcmpq $11, {m}",
                  f"\tcmpl $-300000, {m}", f"\tcmpl $127, {m}"]
        for op in ("add", "sub", "mul", "div"):
            lines += [f"\t{op}sd {m}, {x}", f"\t{op}ss {m}, {x}"]
        lines += [f"\tucomisd {m}, {x}", f"\tucomiss {m}, {x}"]
        for op in ("add", "sub", "and", "or", "xor"):     # read-modify-write
            lines += [f"\t{op}q %{q}, {m}", f"\t{op}l %{l}, {m}", f"\t{op}q $-1, {m}",
                      f"\t{op}l $1, {m}", f"\t{op}l $100000, {m}", f"\t{op}q $-129, {m}"]
    for a in range(16):
        for b in range(16):
            if b == 4:      # %rsp is no index
                continue
            lines += [f"\tleaq (%{GPR64[a]}, %{GPR64[b]}, 1), %{GPR64[(a + b) % 16]}",
                      f"\tleal (%{GPR64[a]}, %{GPR64[b]}, 1), %{GPR32[(a + 2 * b) % 16]}"]
        for d in (1, -1, 127, -128, 128, -1000, 2147483647, -2147483648):
            lines += [f"\tleaq {d}(%{GPR64[a]}), %{GPR64[(a + 3) % 16]}",
                      f"\tleal {d}(%{GPR64[a]}), %{GPR32[(a + 5) % 16]}"]
    return lines


def relax_text(n, stride):
    """Jumps over n blocks of stride bytes: some fit rel8, some do not,
    and growing one moves others out of range."""
    lines = [".text", "big:"]
    for i in range(n):
        lines.append(f"\tjz .Lb{(i * 7 + 3) % n}")
        lines.append(f"\tjmp .Lb{(i * 3 + 1) % n}")
        if i % 5 == 0:
            lines.append(".p2align 4")
        lines.append(f".Lb{i}:")
        lines.append(f"\t.fill {stride + i % 7},1,0x90")
        lines.append(f"\tjnz .Lb{max(i - 1, 0)}")
    lines.append("\tret")
    return "\n".join(lines) + "\n"


def padding_text():
    lines = [".text", "p:"]
    for k in range(1, 40):
        lines.append(f"\t.fill {k},1,0xc3")
        lines.append(".p2align 5" if k % 2 else ".balign 16")
    lines.append("\tret")
    return "\n".join(lines) + "\n"


def jump_table_text():
    """What jit/passes/opt_switch.c prints: tables of label differences in
    .text between relaxable jumps, so the distances are known only after
    relaxation; entries before and after the table (backward and forward
    references), 4- and 8-byte entries, their alignment padding, the
    indirect jump and the indexed loads."""
    lines = [".text", "f:", "\tcmpl $4, %edi", "\tja .Lfar"]
    for n in range(3):
        lines.append(f".Lb{n}:")
        lines.append(f"\t.fill {40 + 50 * n},1,0x90")
        lines.append(f"\tjnz .Lb{n + 3}")
    lines += ["\tmovl %edi, %r11d", "\tcmpl $5, %r11d", "\tja .Ljt1x",
              "\tleaq .Ljt1(%rip), %r10", "\tmovslq (%r10,%r11,4), %r11",
              "\taddq %r10, %r11", "\tjmp *%r11", ".p2align 2", ".Ljt1:"]
    lines += [f"\t.long .Lb{n}-.Ljt1" for n in (0, 3, 1, 4, 2, 5)]
    lines += [".Ljt1x:", "\tleal -3(%rdx), %ecx", "\tcmpl $2, %ecx", "\tja .Ljt2x",
              "\tmovslq %edx, %rdx", "\tleaq .Ljt2(%rip), %rcx",
              "\taddq -24(%rcx,%rdx,8), %rcx", "\taddq 0(%r13,%rax,8), %rsi",
              "\taddq (%r12,%r13,8), %r9", "\tmovslq (%r13,%r12,4), %r8",
              "\tjmp *%rcx", "\tjmp *%rax", "\tjmp *%r13", ".p2align 3", ".Ljt2:",
              "\t.quad .Lb5-.Ljt2", "\t.quad .Lb0-.Ljt2", "\t.quad .Ljt2x-.Ljt2+8",
              ".Ljt2x:"]
    for n in range(3, 6):
        lines.append(f".Lb{n}:")
        lines.append(f"\t.fill {30 + 45 * n},1,0xc3")
        lines.append(f"\tjmp .Lb{n - 3}")
    lines += [".Lfar:", "\tret", ".data", "d0:", "\t.long 1", ".Ld1:",
              "\t.long .Ld1-d0, d0-.Ld1", "\t.quad .Ld1-d0+3"]
    return "\n".join(lines) + "\n"


SNIPPETS = {
    # which immediates GNU as takes as imm8: QBE's -O0 code for C has
    # `subl $-4294967294, %ecx` (2 in 32 bits, but no imm8)
    "imm8_range": ".text\nf:\n" + "".join(
        f"\t{op} ${v}, %{r}\n" for op, r in (("subl", "ecx"), ("subw", "cx"), ("subb", "cl"),
                                            ("subq", "rcx"))
        for v in (2, -2, 255, 65535, 4294967295, -4294967294, 4294967298, -2147483650,
                  -65534, -254, 127, 128, -128, -129)
        if not (r == "rcx" and not -2**31 <= v < 2**31)) +
    "\t.file 1 \"f.c\"\n\t.loc 1 1\n\tsubl $-4294967294, %ecx\n",
    "addressing": ADDRESSING,
    "alu": ".text\nf:\n" + ALU + "\n",
    "mnemonics": MNEMONICS,
    "data": DATA,
    "relax_short": relax_text(20, 3),
    "relax_mixed": relax_text(60, 9),
    "relax_long": relax_text(40, 130),
    "padding": padding_text(),
    "emitter_patches": emitter_patch_text(),
    "jump_tables": jump_table_text(),
    "branch_targets": """
.text
f:
\tjmp g
\tjz g
\tjmp ext
\tjnz ext
\tjmp .Lr
\tje .Lr
\tcall .Lr
\tcall g
\tcall h
\tcall ext
\tjmp h
h:
\tret
.globl g
g:
\tret
.section .rodata
.Lr:
\t.byte 0
""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet(asmdump, name, tmp_path):
    check_same(asmdump, SNIPPETS[name], tmp_path)


def test_relaxation_really_mixes_sizes(asmdump, tmp_path):
    """The relaxation snippet must contain both short and long jumps,
    or it tests nothing."""
    secs = check_same(asmdump, SNIPPETS["relax_mixed"], tmp_path)[0]
    text = secs[".text"][1]
    assert b"\xeb" in text and b"\xe9" in text
    assert any(0x70 <= b <= 0x7f for b in text) and b"\x0f\x84" in text


# -------------------------------------------------------------- errors

BAD = [
    ("unknown mnemonic", ".text\nf:\n\tret\n\tfrobq %rax\n", 4, "unknown mnemonic 'frobq'"),
    ("bad operand", ".text\n\tmovq %rax\n", 2, "bad operands for 'movq'"),
    ("bad register", ".text\n\n\taddq %rqx, %rax\n", 3, "unknown register '%rqx'"),
    ("size mismatch", ".text\n\taddl %eax, %rcx\n", 2, "bad operands for 'addl'"),
    ("imm too big", ".text\n\taddq $4294967296, %rax\n", 2, "bad operands for 'addq'"),
    ("unknown directive", ".text\nf:\n.frobnicate 3\n", 3, "unknown directive '.frobnicate'"),
    ("unknown section", ".section .init_array\n", 1, "unsupported section '.init_array'"),
    ("redefined", ".text\nf:\nf:\n", 3, "symbol already defined 'f'"),
    ("undefined local", ".text\n\tjmp .Lnowhere\n\tret\n", 2, "undefined local label '.Lnowhere'"),
    # .bss holds no bytes: each directive is checked as it is read
    ("byte in .bss", ".bss\n\t.zero 4\n\t.byte 1\n", 3, "non-zero data in .bss"),
    ("fill in .bss", ".bss\n\t.fill 100000,1,0\n\t.fill 8,1,7\n", 3, "non-zero data in .bss"),
    # a fuzzed .fill asked for 200 MB, and two such for over 1.5 GB
    ("huge .fill", ".data\n\t.byte 1\n\t.fill 0x8000000,2,7\n", 3, "section larger than 256 MiB"),
    ("huge .bss", ".bss\n\t.zero 8\n\t.fill 0x8000000,2,0\n", 3, "section larger than 256 MiB"),
    ("tls", ".text\n\tmovq %fs:0, %rax\n", 2, "segment overrides are not supported"),
    ("junk", ".text\n\tret %rax %rcx\n", 2, "junk after operands"),
    # a negative or huge common size wrapped the loader's layout arithmetic
    # and could place later commons outside the module's memory
    ("negative .comm", ".comm a,-65536\n.comm b,8\n", 1, "bad .comm 'a'"),
    ("huge .comm", ".comm a,0x4000000000000000\n", 1, "bad .comm 'a'"),
    # sections are page aligned in the JIT arena, no more
    ("big .balign", ".data\n.balign 8192\n.byte 1\n", 2,
     "alignment above 4096 is not supported"),
    ("big .p2align", ".data\n.p2align 16\n", 2, "alignment above 4096 is not supported"),
    ("wrapping .balign", ".data\n.balign 0x100000010\n", 2,
     "alignment above 4096 is not supported"),
    ("big .comm alignment", ".comm a,8,8192\n", 1, "alignment above 4096 is not supported"),
    # the line table: a .loc names a file a .file gave a number
    ("unassigned .loc file", ".text\n.loc 1 3\n\tret\n", 2, "unassigned file number in .loc"),
    ("bad .file number", '.file 0 "a.c"\n', 1, "bad file number in .file"),
    ("unterminated .file", '.file 1 "a.c\n', 1, "unterminated string"),
    # a difference of labels is resolved when both are in the section
    # being assembled; anything else would need a relocation
    ("difference across sections", ".data\nd:\n.text\nt:\n\t.long t-d\n", 5,
     "unsupported symbol difference"),
    ("difference of undefined", ".text\nt:\n\t.long t-u\n", 3,
     "unsupported symbol difference"),
    ("undefined local in difference", ".text\nt:\n\t.long t-.Lnone\n", 3,
     "undefined local label '.Lnone'"),
    ("difference in an operand", ".text\nt:\n\tmovl $t-u, %eax\n", 3,
     "unsupported symbol arithmetic"),
    ("difference of differences", ".text\nt:\nu:\n\t.long t-(t-u)\n", 4,
     "unsupported symbol arithmetic"),
    (".loc option", '.file 1 "a.c"\n.text\n.loc 1 3 4 is_stmt 0\n\tret\n', 3,
     "unsupported .loc option 'is_stmt 0'"),
]


@pytest.mark.parametrize("case", BAD, ids=[b[0] for b in BAD])
def test_errors_name_the_line(asmdump, case, tmp_path):
    _, text, line, msg = case
    p = run_asmdump(asmdump, text, tmp_path, name="bad.s")
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr.strip() == f"bad.s:{line}: {msg}"
