"""The JIT on the host: build/host/jitrun runs the IL corpus in-process.

Every tests/il/NAME.ssa must print NAME.out and exit 0; every
tests/il/bad/NAME.ssa must fail with one `FILE:LINE: message` line that
contains bad/NAME.err, exit status 2. Our driver must emit exactly the
assembly stock qbe emits, and compiling must not leak.
"""

import random
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from jitboot import ROOT, qbe

IL = ROOT / "tests" / "il"
PROGRAMS = sorted(p for p in IL.glob("*.ssa") if p.with_suffix(".out").exists())
BAD = sorted((IL / "bad").glob("*.ssa"))
TIMEOUT = 20
# Valid IL that stock qbe compiles but the JIT refuses (no TLS).
JIT_ONLY = {"thread_local"}


@pytest.fixture(scope="session")
def tools(host_tools):
    """(jitrun, stock qbe)."""
    return host_tools["jitrun"], host_tools["qbe"]


@pytest.fixture(scope="session")
def jitrun(tools):
    return tools[0]


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)


@pytest.mark.parametrize("ssa", PROGRAMS, ids=lambda p: p.stem)
def test_program(jitrun, ssa):
    r = run([jitrun, ssa])
    assert r.stderr == ""
    assert r.returncode == 0
    assert r.stdout == ssa.with_suffix(".out").read_text()


@pytest.mark.parametrize("ssa", BAD, ids=lambda p: p.stem)
def test_bad_input(jitrun, ssa):
    r = run([jitrun, ssa])
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"{ssa}:")
    line, _, msg = lines[0][len(str(ssa)) + 1:].partition(": ")
    assert line.isdigit() and msg
    assert ssa.with_suffix(".err").read_text().strip() in lines[0]


@pytest.mark.parametrize("ssa", PROGRAMS + BAD, ids=lambda p: p.stem)
def test_asm_equals_stock_qbe(tools, ssa):
    """QBE in our driver (shim streams, float parsing, qsort, resets) emits
    what stock qbe emits; for bad inputs both refuse at the same line.
    Our own passes (tests/test_opt.py) are off for the comparison."""
    jitrun, stock = tools
    ours, ref = run([jitrun, "--passes=none", "-S", ssa]), run([stock, ssa])
    if ssa.stem in JIT_ONLY:
        assert ref.returncode == 0 and ours.returncode == 2
        return
    if ref.returncode != 0:
        assert ours.returncode == 2
        assert ref.stderr.split(":")[2] == ours.stderr.split(":")[1]   # line
        return
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == ref.stdout


def test_argv_and_exit_status(jitrun, tmp_path):
    prog = tmp_path / "args.ssa"
    prog.write_text(
        'data $fmt = { b "%d %s\\n", b 0 }\n'
        "export function w $main(w %argc, l %argv) {\n"
        "@start\n"
        "\t%p =l add %argv, 16\n"
        "\t%a =l loadl %p\n"
        "\tcall $printf(l $fmt, ..., w %argc, l %a)\n"
        "\t%r =w add %argc, 4\n"
        "\tret %r\n"
        "}\n")
    r = run([jitrun, prog, "one", "two"])
    assert r.stdout == "3 two\n"
    assert r.returncode == 7


def test_unreadable_file(jitrun, tmp_path):
    r = run([jitrun, tmp_path / "nosuch.ssa"])
    assert r.returncode == 2
    assert "cannot read" in r.stderr and "nosuch.ssa" in r.stderr


def test_too_many_instructions_is_an_error(jitrun, tmp_path):
    """More instructions in one block than NIns: a clean error, not memory
    corruption. Instruction k (from 0) is on line k+3; QBE reports the
    line after it, having read its newline already."""
    n = qbe.DEFAULT_NINS + 10
    body = "".join(f"\t%x{i} =w add {i}, 1\n" for i in range(n))
    prog = tmp_path / "huge.ssa"
    prog.write_text("export function w $main() {\n@start\n" + body + "\tret 0\n}\n")
    r = run([jitrun, prog])
    assert r.returncode == 2
    assert r.stderr == f"{prog}:{qbe.DEFAULT_NINS + 4}: too many instructions\n"


def test_limit_inside_a_pass_is_an_error(jitrun, tmp_path):
    """QBE's die() in a pass (here: the ABI lowering of 20000 calls needs
    more than NIns instructions in one block) comes back as an error.
    Without our passes: the inliner would replace the calls by nothing."""
    calls = "".join("\tcall $f(w 1, w 2)\n" for _ in range(20000))
    prog = tmp_path / "calls.ssa"
    prog.write_text("function $f(w %a, w %b) {\n@s\n\tret\n}\n"
                    "export function w $main() {\n@start\n" + calls + "\tret 0\n}\n")
    r = run([jitrun, "--passes=none", prog])
    assert r.returncode == 2
    assert r.stderr == f"{prog}:20008: emit, too many instructions (in QBE's util.c)\n"
    r = run([jitrun, "--passes=none", "--cycles", 3, prog])
    assert r.returncode == 0 and "errors 4 " in r.stdout


def float32(lit: str) -> float:
    """lit correctly rounded to binary32 (normal range), as a Python float."""
    v = Fraction(lit)
    sign, v = (-1 if v < 0 else 1), abs(v)
    e = v.numerator.bit_length() - v.denominator.bit_length() - 24
    while v / Fraction(2) ** e >= 2 ** 24:
        e += 1
    while v / Fraction(2) ** e < 2 ** 23:
        e -= 1
    q = round(v / Fraction(2) ** e)          # Fraction rounds half to even
    return sign * float(q * Fraction(2) ** e)


def test_float_literals_round_correctly(tools, tmp_path):
    jitrun, stock = tools
    rng = random.Random(1)
    lits = ["0.1", "1.5", "-2.25", "1e10", "9007199254740993", "2.2250738585072011e-308",
            "1.7976931348623157e308", "1.00000005960464477550", "3.4028234663852886e38",
            "1.17549435e-38", "123456789012345678901234567890e-30", "4.9e-324"]
    lits += [f"{rng.randint(1, 10**rng.randint(1, 19))}e{rng.randint(-30, 30)}" for _ in range(30)]
    singles = [x for x in lits if 1.2e-38 < abs(float(x)) < 3.4e38]
    lines = ['data $fmt = { b "%.17g\\n", b 0 }',
             "export function w $main() {", "@start"]
    for i, x in enumerate(lits):
        lines += [f"\t%d{i} =d copy d_{x}", f"\tcall $printf(l $fmt, ..., d %d{i})"]
    for i, x in enumerate(singles):
        lines += [f"\t%s{i} =s copy s_{x}", f"\t%e{i} =d exts %s{i}",
                  f"\tcall $printf(l $fmt, ..., d %e{i})"]
    prog = tmp_path / "floats.ssa"
    prog.write_text("\n".join(lines + ["\tret 0", "}", ""]))
    want = [f"{float(x):.17g}" for x in lits] + [f"{float32(x):.17g}" for x in singles]
    r = run([jitrun, prog])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == want
    assert run([jitrun, "--passes=none", "-S", prog]).stdout == run([stock, prog]).stdout


def test_folded_float_to_int_conversions_match_the_hardware(jitrun, tmp_path):
    """A conversion QBE folds at compile time gives what the same
    conversion of a loaded value gives at run time, also for NaN, the
    infinities and values out of range (cvttsd2si's integer indefinite),
    where a C cast in the folder would be undefined."""
    vals = ["nan", "-nan", "inf", "-inf", "1e300", "-1e300", "3e9", "-3e9", "4294967295.5",
            "1e19", "-1", "-0.5", "9223372036854775808", "18446744073709551616",
            "2147483648", "-2147483649", "-2147483648.75", "1.5"]
    fmt = '"%d %u %ld %lu\\n"'
    lines = ["data $dv = { d " + " ".join(f"d_{v}" for v in vals) + " }",
             "data $sv = { s " + " ".join(f"s_{v}" for v in vals) + " }",
             f"data $fmt = {{ b {fmt}, b 0 }}", "export function w $main() {", "@start"]
    for i, v in enumerate(vals):
        for k in "ds":
            size = 8 if k == "d" else 4
            lines += [f"\t%p{k}{i} =l add ${k}v, {i * size}", f"\t%x{k}{i} ={k} load{k} %p{k}{i}"]
            for src, tag in ((f"{k}_{v}", "c"), (f"%x{k}{i}", "r")):
                n = f"{tag}{k}{i}"
                lines += [f"\t%a{n} =w {k}tosi {src}", f"\t%b{n} =w {k}toui {src}",
                          f"\t%c{n} =l {k}tosi {src}", f"\t%d{n} =l {k}toui {src}",
                          f"\tcall $printf(l $fmt, ..., w %a{n}, w %b{n}, l %c{n}, l %d{n})"]
    prog = tmp_path / "ftoi.ssa"
    prog.write_text("\n".join(lines + ["\tret 0", "}", ""]))
    assert "dtoui d_nan" in prog.read_text()
    r = run([jitrun, prog])
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert len(out) == 4 * len(vals)
    assert out[0::2] == out[1::2]           # folded == run time, value by value
    assert out[0] == "-2147483648 0 -9223372036854775808 9223372036854775808"   # NaN
    assert out[4 * vals.index("1.5")] == "1 1 1 1"


@pytest.mark.parametrize("ssa,n", [(IL / "sorting.ssa", 1000), (IL / "spill_pressure.ssa", 100),
                                   (IL / "bad" / "type_mismatch.ssa", 200),
                                   (IL / "bad" / "undefined_symbol.ssa", 200)],
                         ids=lambda v: v.stem if isinstance(v, Path) else str(v))
def test_compile_release_cycles_do_not_leak(jitrun, ssa, n):
    """The C heap, QBE's heap and the arena end where they started, also
    when every compile fails (error exit in the parser, loader error)."""
    r = run([jitrun, "--cycles", n, ssa])
    assert r.returncode == 0, r.stdout + r.stderr
    f = r.stdout.split()
    stats = dict(zip(f[::2], f[1::2]))
    assert stats["cycles"] == str(n)
    assert stats["heap_before"] == stats["heap_after"]
    assert stats["qbe_live"] == "0"
    free, size = stats["arena_free"].split("/")
    assert free == size and stats["extents"] == "1"


def test_error_for_binary_input_is_printable(jitrun):
    """QBE quotes the offending byte; our message must stay printable ASCII."""
    r = subprocess.run([str(jitrun), str(IL / "bad" / "binary_garbage.ssa")],
                       capture_output=True)
    assert r.returncode == 2
    line = r.stderr.decode("latin-1").strip()
    assert "binary_garbage.ssa:1: invalid character" in line
    assert all(0x20 <= ord(ch) < 0x7f for ch in line), repr(line)


FRONTEND_CHECKS = [
    "the resolver is asked only for what no table and no module has",
    "compute(5) == 1076: module, resolver, table and module data",
    "releasing lib while prog holds it is refused",
    "lib still works after the refusal: compute(2) == 1014",
    "prog released",
    "lib released after prog",
    "the extra table before the modules",
    "the modules before the resolver",
    "the resolver before the kernel's export table",
    "the resolver asked for strlen alone",
    "abs(d) against the exported abs(int) is a mismatch",
    "with the front end's own abs(double), abs(d) binds to it unchecked",
    "an unresolved symbol: missing.ssa:3, err.symbol fe_nowhere",
    "the resolver was asked for it",
    "jit_compile also names it in err.symbol",
    "no symbol after a good compile",
    "a NULL module is refused",
    "an unknown pass is refused",
    'passes = "none": tre did not run',
    "the selection is back after the compile",
    'passes = "tre": the tail call became a jump',
]


def test_front_end_api_on_the_host():
    """jit_compile_opts (jit/jit.h) from tests/host/frontend_check.c, built
    from jitrun's objects: every check it makes, by name, passes."""
    from jitboot import build
    exe = build.build_programs(["frontend-check"], ROOT)["frontend-check"]
    r = run([exe])
    failed = [line for line in r.stdout.splitlines() if line.startswith("not ok")]
    assert failed == [] and r.returncode == 0, r.stdout + r.stderr
    passed = [line.partition(" - ")[2] for line in r.stdout.splitlines()
              if line.startswith("ok ")]
    assert passed == FRONTEND_CHECKS
    assert r.stdout.splitlines()[-1] == f"1..{len(FRONTEND_CHECKS)}"
