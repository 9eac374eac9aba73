"""QBE's amd64 code generation with our EMITTER_PATCHES (jitboot/qbe.py).

For each patch a small program goes through the JIT (`jitrun -S` for the
assembly, `jitrun` to run it): the new instruction sequence must be there,
the one it replaces must not, the program must still print the right
result, and QBE as published (the unpatched reference) must still emit the
old sequence, so the test would notice a patch that silently stopped
applying. The programs in tests/il (div_pow2, int_to_float_loop,
swap_cycles) exercise the same code end to end.
"""

import re
import subprocess

import pytest

TIMEOUT = 20
MAIN = 'data $fmt = {{ b "{fmt}\\n", b 0 }}\n' \
       "export function w $main() {{\n@start\n{body}\tret 0\n}}\n"

# (a) int -> FP conversions in a loop whose FP sum is loop-carried
CONVERT = """
function d $conv(w %n) {
@start
	%k =w copy 1
	%s =d copy d_0
	%t =s copy s_0
@loop
	%f =d swtof %k
	%s =d add %s, %f
	%kl =l extsw %k
	%g =d sltof %kl
	%s =d add %s, %g
	%h =s swtof %k
	%t =s add %t, %h
	%k =w add %k, 1
	%more =w cslew %k, %n
	jnz %more, @loop, @end
@end
	%td =d exts %t
	%r =d add %s, %td
	ret %r
}
""" + MAIN.format(fmt="%.17g", body="\t%r =d call $conv(w 1000)\n"
                  "\tcall $printf(l $fmt, ..., d %r)\n")

# (b) FP register copies: a 2-address sub/div, a neg into another register
COPIES = """
function d $fsub(d %a, d %b) {
@start
	%c =d sub %b, %a
	%d =d mul %c, %a
	%e =d add %d, %b
	ret %e
}
function s $fneg(s %a, s %b) {
@start
	%c =s neg %a
	%d =s div %b, %c
	%e =s add %d, %a
	ret %e
}
""" + MAIN.format(fmt="%.17g %.9g", body="\t%x =d call $fsub(d d_1.5, d d_-4.25)\n"
                  "\t%y =s call $fneg(s s_3, s s_7.5)\n\t%yd =d exts %y\n"
                  "\tcall $printf(l $fmt, ..., d %x, d %yd)\n")

# (c) a two-value phi cycle, as in iterative Fibonacci
SWAP = """
function l $fib(l %n) {
@start
	%a =l copy 0
	%b =l copy 1
	%i =l copy 0
@loop
	%t =l add %a, %b
	%a =l copy %b
	%b =l copy %t
	%i =l add %i, 1
	%more =w csltl %i, %n
	jnz %more, @loop, @end
@end
	ret %a
}
""" + MAIN.format(fmt="%ld", body="\t%r =l call $fib(l 90)\n\tcall $printf(l $fmt, ..., l %r)\n")

# (d) signed division and remainder by 8 and 2 (words), 2^40 (longs);
# by INT_MIN (2^31 read unsigned) it stays a real division
DIVIDE = """
function w $dw(w %x) {
@start
	%q =w div %x, 8
	%r =w rem %x, 8
	%h =w div %x, 2
	%s =w mul %q, 100
	%s =w add %s, %r
	%s =w mul %s, 100
	%s =w add %s, %h
	ret %s
}
function l $dl(l %x) {
@start
	%q =l div %x, 1099511627776
	%r =l rem %x, 1099511627776
	%s =l add %q, %r
	ret %s
}
function w $dmin(w %x) {
@start
	%q =w div %x, 2147483648
	ret %q
}
""" + MAIN.format(fmt="%d %d %ld %ld %d %d", body=(
    "\t%a =w call $dw(w -2147483648)\n\t%b =w call $dw(w -13)\n"
    "\t%c =l call $dl(l -3298534883329)\n\t%d =l call $dl(l 3298534883329)\n"
    "\t%e =w call $dmin(w -2147483648)\n\t%f =w call $dmin(w 5)\n"
    "\tcall $printf(l $fmt, ..., w %a, w %b, l %c, l %d, w %e, w %f)\n"))


def cdiv(a, b):
    """C's truncating division and remainder."""
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    return q, a - q * b


def dw(x):
    q, r = cdiv(x, 8)
    return (q * 100 + r) * 100 + cdiv(x, 2)[0]


def wrap32(v):
    return (v + 2**31) % 2**32 - 2**31


def dl(x):
    return sum(cdiv(x, 2**40))


# (f) a loop the code falls into, tested at the bottom: its top is not
# aligned (the padding would run on every entry)
FALLIN = """
function l $up(l %n) {
@start
	%s =l copy 0
	%i =l copy 0
@loop
	%s =l add %s, %i
	%i =l add %i, 1
	%c =w csltl %i, %n
	jnz %c, @loop, @end
@end
	ret %s
}
""" + MAIN.format(fmt="%ld", body="\t%r =l call $up(l 10)\n"
                  "\tcall $printf(l $fmt, ..., l %r)\n")
# (h) integer adds into a third register: a and b stay live, so the sum
# gets a register of its own
LEA = """
function l $lea3(l %a, l %b) {
@start
	%s =l add %a, %b
	%t =l mul %s, %a
	%u =l xor %t, %b
	ret %u
}
function w $leaimm(w %a) {
@start
	%s =w add %a, -1000
	%t =w mul %s, %a
	ret %t
}
function w $flags(w %a, w %b) {
@start
	%s =w add %a, %b
	jnz %s, @y, @n
@y
	%r =w mul %a, %b
	ret %r
@n
	%q =w sub %a, %b
	ret %q
}
""" + MAIN.format(fmt="%ld %d %d %d", body=(
    "\t%a =l call $lea3(l 6, l 7)\n\t%b =w call $leaimm(w 3)\n"
    "\t%c =w call $flags(w 5, w -5)\n\t%d =w call $flags(w 5, w 6)\n"
    "\tcall $printf(l $fmt, ..., l %a, w %b, w %c, w %d)\n"))

# (j) FP 2-address operations whose first operand dies there: dx's
# register is chosen first (it lives longest); x, loaded for the sub
# alone, prefers it
TWOADDR = """
function d $delta(l %p, l %q) {
@start
	%x =d loadd %p
	%y =d loadd %q
	%dx =d sub %x, %y
	%p8 =l add %p, 8
	%x2 =d loadd %p8
	%q8 =l add %q, 8
	%y2 =d loadd %q8
	%dy =d sub %x2, %y2
	%s =d mul %dx, %dx
	%t =d mul %dy, %dy
	%r =d add %s, %t
	%u =d mul %r, %dx
	%v =d mul %u, %dy
	ret %v
}
data $P = { d d_1.5 d_-2 }
data $Q = { d d_4 d_0.25 }
""" + MAIN.format(fmt="%.17g", body="\t%r =d call $delta(l $P, l $Q)\n"
                  "\tcall $printf(l $fmt, ..., d %r)\n")

CASES = {
    "fallin": (FALLIN, "45"),
    "convert": (CONVERT, f"{sum(2.0 * k for k in range(1, 1001)) + 500500.0:.17g}"),
    "copies": (COPIES, f"{(-4.25 - 1.5) * 1.5 + -4.25:.17g} {7.5 / -3.0 + 3.0:.9g}"),
    "swap": (SWAP, str(2880067194370816120)),
    "twoaddr": (TWOADDR, f"{(((1.5 - 4) ** 2 + (-2 - 0.25) ** 2) * (1.5 - 4)) * (-2 - 0.25):.17g}"),
    "lea": (LEA, f"{(6 + 7) * 6 ^ 7} {(3 - 1000) * 3} 10 30"),
    "divide": (DIVIDE, f"{wrap32(dw(-2**31))} {dw(-13)} {dl(-3298534883329)} "
                       f"{dl(3298534883329)} 1 0"),
}


@pytest.fixture(scope="module")
def jitrun(host_tools):
    return host_tools["jitrun"]


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)


@pytest.fixture
def compiled(jitrun, unpatched_qbe, tmp_path):
    """name -> (JIT assembly, unpatched qbe's assembly), after checking
    the JIT'd program prints what it should. The assembly is compiled
    without our IL passes: what is compared is QBE's emitter."""
    def get(name):
        il, want = CASES[name]
        prog = tmp_path / f"{name}.ssa"
        prog.write_text(il)
        r = run([jitrun, prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", want + "\n")
        ours, ref = run([jitrun, "--passes=none", "-S", prog]), run([unpatched_qbe, prog])
        assert ours.returncode == 0 and ref.returncode == 0, ours.stderr + ref.stderr
        return ours.stdout, ref.stdout
    return get


def conversions(asm):
    """(instruction before, conversion) for every cvtsi2s[sd]."""
    lines = asm.splitlines()
    return [(lines[n - 1].strip(), line.strip()) for n, line in enumerate(lines)
            if line.strip().startswith("cvtsi2s")]


def zeroes_destination(before, conv):
    dest = conv.rsplit(", ", 1)[1]
    return before == f"pxor {dest}, {dest}"


def test_conversion_breaks_the_dependency(compiled):
    ours, ref = compiled("convert")
    convs = conversions(ours)
    assert {c.split()[0] for _, c in convs} == {"cvtsi2sd", "cvtsi2ss"}
    assert all(zeroes_destination(b, c) for b, c in convs), convs
    assert not any(zeroes_destination(b, c) for b, c in conversions(ref))


FP_REG_MOV = re.compile(r"^\tmovs[sd] %xmm\d+, %xmm\d+$", re.M)


def test_fp_register_copies_are_whole_register(compiled):
    ours, ref = compiled("copies")
    assert not FP_REG_MOV.search(ours)
    assert re.search(r"^\tmovapd %xmm\d+, %xmm\d+$", ours, re.M)
    assert re.search(r"^\tmovaps %xmm\d+, %xmm\d+$", ours, re.M)
    assert len(FP_REG_MOV.findall(ref)) >= 2


def test_swap_goes_through_a_free_register(compiled):
    ours, ref = compiled("swap")
    assert "xchg" not in ours
    assert re.search(r"^\txchgq %\w+, %\w+$", ref, re.M)
    # the cycle is three moves: a -> scratch, b -> a, scratch -> b
    m = re.search(r"^\tmovq %(\w+), %(\w+)\n\tmovq %(\w+), %\1\n\tmovq %\2, %\3$", ours, re.M)
    assert m and len({m[1], m[2], m[3]}) == 3, ours


def function(asm, name):
    return asm.split(f"\n{name}:\n", 1)[1].split(".type", 1)[0]


def test_division_by_power_of_two_is_shifts(compiled):
    ours, ref = compiled("divide")
    for name, shift in (("dw", "sarl $3,"), ("dl", "sarq $40,")):
        body = function(ours, name)
        assert "idiv" not in body and shift in body, body
        assert "idiv" in function(ref, name)
    assert "andl $-8," in function(ours, "dw")
    assert "idivl" in function(ours, "dmin")


def division_program(rng, count):
    """IL dividing loaded (so not constant-folded) words and longs by every
    constant 2^n, n = 1..30 for words and 1..62 for longs; and the
    expected output, C's truncating / and % computed here."""
    ws = [rng.choice([-2**31, 2**31 - 1, 0, -1, 1]) if rng.random() < 0.1
          else rng.randint(-2**31, 2**31 - 1) for _ in range(count)]
    ls = [rng.choice([-2**63, 2**63 - 1, 0, -1, 1]) if rng.random() < 0.1
          else rng.randint(-2**63, 2**63 - 1) >> rng.randint(0, 62) for _ in range(count)]
    lines = ['data $fmt = { b "%d %d %ld %ld\\n", b 0 }',
             f"data $ws = {{ w {' '.join(map(str, ws))} }}",
             f"data $ls = {{ l {' '.join(map(str, ls))} }}",
             "export function w $main() {", "@start"]
    want = []
    for k in range(count):
        nw, nl = 1 + k % 30, 1 + k % 62
        lines += [f"\t%pw{k} =l add $ws, {4 * k}", f"\t%x{k} =w loadw %pw{k}",
                  f"\t%pl{k} =l add $ls, {8 * k}", f"\t%y{k} =l loadl %pl{k}",
                  f"\t%qw{k} =w div %x{k}, {2**nw}", f"\t%rw{k} =w rem %x{k}, {2**nw}",
                  f"\t%ql{k} =l div %y{k}, {2**nl}", f"\t%rl{k} =l rem %y{k}, {2**nl}",
                  f"\tcall $printf(l $fmt, ..., w %qw{k}, w %rw{k}, l %ql{k}, l %rl{k})"]
        want.append(" ".join(map(str, cdiv(ws[k], 2**nw) + cdiv(ls[k], 2**nl))))
    return "\n".join(lines + ["\tret 0", "}", ""]), "\n".join(want) + "\n"


def test_division_by_power_of_two_matches_c(jitrun, tmp_path):
    import random
    il, want = division_program(random.Random(12), 400)
    prog = tmp_path / "divs.ssa"
    prog.write_text(il)
    asm = run([jitrun, "-S", prog]).stdout
    assert "idiv" not in asm and "sarq $62," in asm
    r = run([jitrun, prog])
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == want


def test_no_padding_on_the_way_into_a_loop(compiled):
    ours, ref = compiled("fallin")
    top = re.search(r"\tj\w+ (\.L\w+)\n", function(ours, "up"))[1]
    assert re.search(rf"\tmovl \$0, %\w+\n{top}:", ours), ours
    assert re.search(rf"\.p2align 4\n{top}:", function(ref, "up")), ref
def test_three_address_add_is_lea(compiled):
    ours, ref = compiled("lea")
    assert re.search(r"^\tleaq \(%rdi, %rsi, 1\), %\w+$", function(ours, "lea3"), re.M), ours
    assert re.search(r"^\tleal -1000\(%rdi\), %\w+$", function(ours, "leaimm"), re.M), ours
    assert "lea" not in function(ref, "lea3") + function(ref, "leaimm")
    # a 3-address add too, but the jnz reads its zero flag: it stays an add
    flags = function(ours, "flags")
    assert "lea" not in flags, flags
    assert re.search(r"^\tmovl %edi, (%\w+)\n\taddl %esi, \1\n\tjn?z ", flags, re.M), flags


def test_fp_first_operand_takes_the_destination(compiled):
    ours, ref = compiled("twoaddr")
    body, stock = function(ours, "delta"), function(ref, "delta")
    # stock QBE: x in a register of its own, the sub done as neg and add
    assert "xorpd" in stock and "xorpd" not in body, body
    # ours: each operand loaded into the sub's destination
    assert len(re.findall(r"^\tmovsd \d*\(%r[ds]i\), (%xmm\d+)\n\tmovsd [^\n]*\n\tsubsd %xmm\d+, \1$",
                          body, re.M)) == 2, body


# An address of two symbols and a run-time value (a differential fuzzer
# finding): u = $a + ($b - $a) is $b. Instruction selection folds an add
# chain's constants into the load's displacement, which holds one symbol;
# QBE as published dropped the second (the load read $a + %x), ours stops
# folding at it (jitboot/qbe.py, "an address keeps every symbol it adds").
TWO_SYMBOLS = """\
data $a = { w 11 }
data $b = { w 22 }
data $fmt = { b "b through a: %d", b 10, b 0 }

export function w $main() {
@start
	%z =l copy 0
	%x =l sub %z, $a
	%t =l add $b, %x
	%u =l add $a, %t
	%v =w loadw %u
	call $printf(l $fmt, ..., w %v)
	ret 0
}
"""


def test_an_address_keeps_both_symbols(jitrun, unpatched_qbe, tmp_path):
    prog = tmp_path / "two_symbols.ssa"
    prog.write_text(TWO_SYMBOLS)
    for passes in ("none", "all"):
        r = run([jitrun, f"--passes={passes}", prog])
        assert (r.returncode, r.stdout) == (0, "b through a: 22\n"), r.stderr
    # the published QBE folds both symbols into one displacement and
    # loses $b: main never refers to it
    ref = run([unpatched_qbe, prog]).stdout
    ours = run([jitrun, "--passes=none", "-S", prog]).stdout
    main = lambda asm: asm[asm.index("main:"):]      # noqa: E731
    assert "b(%rip)" not in main(ref), ref
    assert "b(%rip)" in main(ours), ours


# Branches on the result of a shift by a count that is 0 modulo the width
# (a variable 0, a constant 0, 32 for w, 64 for l), right after a sub that
# leaves ZF set: the shift leaves the flags as they were, so QBE's ops
# table, which has every shift set ZF, made the branch test the sub's.
# (function, label printed, class of %n, shift, count, %n)
SHIFTS = [("byvar", "var", "w", "shr", "%k", "5"), ("byzero", "zero", "w", "shr", "0", "5"),
          ("by32", "w32", "w", "shr", "32", "5"), ("by64", "l64", "l", "shr", "64", "5"),
          ("sarvar", "sar", "w", "sar", "%k", "-8"), ("shlvar", "shl", "w", "shl", "%k", "3")]
SHIFT_BY_ZERO = (
    'data $fmt = { b "%s %d\\n", b 0 }\n'
    + "".join(f'data ${lab} = {{ b "{lab}", b 0 }}\n' for _, lab, *_ in SHIFTS)
    + "\n# each branches on a shift of %n (not 0) by a count that is 0 modulo the\n"
    "# width right after a sub that leaves ZF set: 1 is the right answer\n"
    + "".join(f"function w ${fn}({k} %n, w %k, w %j) {{\n@start\n\t%d =w sub %k, %j\n"
              f"\t%s ={k} {op} %n, {count}\n\tjnz %s, @nz, @z\n@nz\n\t%r =w add %d, 1\n"
              f"\tret %r\n@z\n\tret %d\n}}\n\n" for fn, _, k, op, count, _ in SHIFTS)
    + "export function w $main(w %argc, l %argv) {\n@start\n\t%k =w sub %argc, 1\n"
    + "".join(f"\t%a =w call ${fn}({k} {n}, w %k, w %k)\n"
              f"\tcall $printf(l $fmt, ..., l ${lab}, w %a)\n" for fn, lab, k, _, _, n in SHIFTS)
    + "\tret 0\n}\n")


def test_a_shift_by_zero_is_tested_again(jitrun, unpatched_qbe, tmp_path):
    prog = tmp_path / "shift_zero.ssa"
    prog.write_text(SHIFT_BY_ZERO)
    want = "var 1\nzero 1\nw32 1\nl64 1\nsar 1\nshl 1\n"
    for passes in ("none", "all"):
        r = run([jitrun, f"--passes={passes}", prog])
        assert (r.returncode, r.stdout) == (0, want), (passes, r.stderr)
    # the published QBE branches on the shift's flags: no test between
    # the shift by %k and the jump
    ref = run([unpatched_qbe, prog]).stdout
    ours = run([jitrun, "--passes=none", "-S", prog]).stdout
    byvar = lambda asm: asm[asm.index("byvar:"):asm.index("byzero:")]  # noqa: E731
    assert re.search(r"shrl %cl, %\w+\n\tjn?z ", byvar(ref)), byvar(ref)
    assert re.search(r"shrl %cl, %(\w+)\n\tcmpl \$0, %\1\n\tjn?z ", byvar(ours)), byvar(ours)
