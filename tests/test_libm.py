"""kernel_lib/libm: the constants, glibc as the oracle on the host (special
values bit for bit, a sampled ulp sweep; `doit libm-ulp` runs the full
one), the exports, and one C program through jitrun, a native build against
the same objects, and (tests/c/libm.c in the C corpus) the kernel."""

import math
from decimal import Decimal, getcontext
import re
import struct
import subprocess

import pytest

from jitboot import ROOT, build, libm_check, libm_consts, payloads, render
from jitboot.errors import JitbootError

MATH_H = ROOT / "include" / "math.h"
PROGRAM = ROOT / "tests" / "c" / "libm.c"


@pytest.fixture(scope="module")
def checker():
    try:
        return build.build_programs(["libm-check"], ROOT)["libm-check"]
    except JitbootError as e:
        pytest.fail(f"cannot build libm-check: {e}")


def test_constants_header_is_what_the_generator_prints():
    assert (ROOT / "kernel_lib" / "libm" / "consts.h").read_text() == libm_consts.header()


def test_constants_are_right():
    """Spot checks against Python's own (glibc-free) float constants."""
    h = libm_consts.header()
    pieces = [float.fromhex(v) for v in re.findall(r"#define PIO2_\d (\S+)", h)]
    assert len(pieces) == 4 and pieces[0] + pieces[1] == math.pi / 2
    assert float.fromhex(re.search(r"DD_PI \(\(dd\)\{(\S+),", h).group(1)) == math.pi
    assert float.fromhex(re.search(r"DD_LN2 \(\(dd\)\{(\S+),", h).group(1)) == math.log(2)
    assert "0xa2f983, 0x6e4e44, 0x1529fc" in h          # 2/pi = 0.a2f9836e4e441529fc...


def test_special_values_match_glibc_bit_for_bit(checker):
    r = subprocess.run([str(checker), "special"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert re.search(r"^0 mismatches in \d+ special-value calls$", r.stdout, re.M), r.stdout


def test_sampled_sweep_within_an_ulp(checker):
    report = libm_check.sweep(2000, 1, ROOT)         # raises if any input failed
    rows = [ln.split() for ln in report.splitlines()[1:]]
    names = {r[0] for r in rows}
    assert {"sin", "cosf", "pow", "atan2f", "sin@huge", "fmod", "ldexpf"} <= names
    for name, glibc, ref, _gref, failed, *_ in rows:
        assert failed == "0", name
        if ref != "-":
            assert int(ref) <= 1, f"{name}: {ref} ulp from the reference"
        else:
            assert glibc == "0", f"{name} is exact, {glibc} ulp from glibc"


def test_sweep_arguments_are_checked():
    with pytest.raises(JitbootError, match=r"^n='10k': give a positive integer$"):
        libm_check.parse_count("n", "10k")


def test_every_math_h_function_is_exported():
    declared = set(re.findall(r"^(?:double|float) (\w+)\(", MATH_H.read_text(), re.M))
    assert len(declared) == 60            # 30 functions and their f variants
    assert declared - set(render.read_exports(ROOT)) == set()


def _bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _run_il_call(jitrun, tmp_path, fn: str, x: float) -> int:
    """The bits of fn(x) computed by JIT'd code under jitrun."""
    il = tmp_path / f"{fn}.ssa"
    il.write_text('data $fmt = { b "%016llx\\n", b 0 }\n'
                  "export function w $main() {\n@start\n"
                  f"\t%y =d call ${fn}(d d_{x!r})\n"
                  "\t%b =l cast %y\n\tcall $printf(l $fmt, ..., l %b)\n\tret 0\n}\n")
    r = subprocess.run([str(jitrun), str(il)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return int(r.stdout, 16)


def test_jitrun_calls_our_libm_not_glibc(host_tools, tmp_path):
    """sinh at an input where glibc is 2 ulp off: jitrun gives our bits."""
    x = float.fromhex("-0x1.68fc13d2ff4dep-1")
    ours = 0xbfe87a4ded5d973a                 # correctly rounded
    assert _bits(math.sinh(x)) != ours        # Python's math is glibc's
    assert _run_il_call(host_tools["jitrun"], tmp_path, "sinh", x) == ours


def test_cos_at_the_hardest_reduction_is_correctly_rounded(host_tools, tmp_path):
    """6381956970095103 * 2^797 is the double closest to a multiple of pi/2
    (Muller): cos there is -r for r ~ 2^-61, which takes 120 bits of 2/pi
    past the point to get right; the expected value is computed here with
    400-digit pi."""
    getcontext().prec = 400
    x = 6381956970095103 * 2.0 ** 797
    pio2 = libm_consts.PI / 2
    k = (Decimal(6381956970095103) * Decimal(2) ** 797 / pio2).to_integral_value()
    r = Decimal(6381956970095103) * Decimal(2) ** 797 - k * pio2
    assert int(k) % 4 == 1                    # cos(k pi/2 + r) = -sin r = -r
    expected = _bits(-float(r))
    assert _run_il_call(host_tools["jitrun"], tmp_path, "cos", x) == expected


@pytest.mark.parametrize("level", ["-O0", "-O2"])
def test_c_program_on_jitrun_matches_the_native_build(host_tools, tmp_path, level):
    il = tmp_path / "libm.ssa"
    il.write_text(payloads.translate([PROGRAM], level))
    r = subprocess.run([str(host_tools["jitrun"]), str(il)], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == PROGRAM.with_suffix(".out").read_bytes()


def test_native_build_against_the_same_objects_matches(checker, tmp_path):
    """The expected output is the native program linked with the objects
    jitrun and libm-check link (build/obj/host/kernel_lib/libm)."""
    objs = sorted((build.program_output("libm-check", ROOT).parents[1]
                   / "obj" / "host" / "kernel_lib" / "libm").glob("*.o"))
    assert len(objs) == 3
    exe = tmp_path / "libm-native"
    subprocess.run(["gcc", "-O2", "-no-pie", "-fno-builtin", f"-I{ROOT / 'include'}",
                    str(PROGRAM), *map(str, objs), "-o", str(exe)], check=True)
    r = subprocess.run([str(exe)], capture_output=True, check=True)
    assert r.stdout == PROGRAM.with_suffix(".out").read_bytes()
