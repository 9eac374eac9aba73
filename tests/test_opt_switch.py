"""Jump tables for the compare searches of dense switches
(jit/passes/opt_switch.c, the `switch` pass).

A C program with switches of every kind the pass must tell apart goes
through the C front door (clang's IR translated to QBE IL, a switch
becoming a binary search of compares) at -O0 and -O2: it prints what gcc's
build prints with the pass on, off and alone; the dense switches get a
table (`jmp *` in their function) and the sparse and the small one keep
their search; the assembly the tables make assembles byte for byte as GNU
as does; and the interpreter of the real-program benchmark gets one for
its dispatch, in the variant indexed by the value itself (8-byte entries)
since its loop leaves only one register free there.
"""
import re
import subprocess

import pytest

from jitboot import ROOT, llvm
from jitboot.recipe import JIT_PASSES
from test_asm_oracle import check_same

TIMEOUT = 30
NOT_SWITCH = ",".join(p for p in JIT_PASSES if p != "switch")

SWITCH_C = r"""/* Switches: dense and sparse, signed and unsigned, 32 and 64 bits. */
#include <stdio.h>
#include <stdint.h>

static int dense(int x)
{
	switch (x) {
	case 0: return 11;
	case 1: return 22;
	case 2: return 33;
	case 3: return 44;
	case 4: return 55;
	case 5: return 66;
	case 6: return 77;
	case 7: return 88;
	case 8: return 99;
	case 9: return 110;
	case 10: return 121;
	case 11: return 132;
	default: return -1;
	}
}

static int negative(int x)
{
	int r = 0;
	switch (x) {
	case -12: r = 1; break;
	case -11: r = x; break;
	case -10: r = 2 * x; break;
	case -9: r = 7; break;
	case -8: r = 8; break;
	case -7: r = 3; break;
	case -6: r = 9; break;
	case -5: r = 27; break;
	case -4: r += x; /* fall through */
	case -3: r = 81 - r; break;
	case -2: r = 243; break;
	case -1: r = 729; break;
	case 0: r = 1; break;
	case 1: r = 5; break;
	case 2: r = 25; break;
	case 3: r = 125; break;
	case 4: r = 625; break;
	}
	return r;
}

static long wide(long x, long y)
{
	long r;
	switch (x) {
	case 100: r = y + 1; break;
	case 101: r = y * 3; break;
	case 102: r = y - 7; break;
	case 103: r = y ^ 0x55; break;
	case 104: r = y << 2; break;
	case 105: r = y >> 1; break;
	case 106: r = -y; break;
	case 107: r = y & 0xff; break;
	case 108: r = y | 0x100; break;
	case 109: r = y % 10; break;
	case 110: r = y / 3; break;
	default: r = x; break;
	}
	return r;
}

static long lneg(long x)
{
	switch (x) {
	case -9: return 900;
	case -8: return 800;
	case -7: return 700;
	case -6: return 600;
	case -5: return 500;
	case -4: return 400;
	case -3: return 300;
	case -2: return 200;
	case -1: return 100;
	case 0: return 0;
	case 1: return -100;
	case 2: return -200;
	default: return x * x;
	}
}

static unsigned uns(unsigned x)
{
	switch (x) {
	case 0xfffffff8u: return 1;
	case 0xfffffff9u: return 2;
	case 0xfffffffau: return 3;
	case 0xfffffffbu: return 4;
	case 0xfffffffcu: return 5;
	case 0xfffffffdu: return 6;
	case 0xfffffffeu: return 7;
	case 0xffffffffu: return 8;
	case 0: return 9;
	case 1: return 10;
	default: return 0;
	}
}

/* four cases: the search is two compares deep, a table would cost more */
static int tiny(int x)
{
	switch (x) {
	case 0: return 5;
	case 1: return 6;
	case 2: return 8;
	case 3: return 11;
	default: return 0;
	}
}

static int sparse(int x)
{
	switch (x) {
	case 0: return 1;
	case 100: return 2;
	case 1000: return 3;
	case 10000: return 4;
	case 100000: return 5;
	case 1000000: return 6;
	case -1000: return 7;
	case 77777: return 8;
	default: return 0;
	}
}

/* the switch's result flows into a phi at the join */
static int phis(int x, int a, int b)
{
	int r, s = a;
	switch (x & 15) {
	case 0: r = a; s = b; break;
	case 1: r = b; break;
	case 2: r = a + b; s = a - b; break;
	case 3: r = a - b; break;
	case 4: r = a * b; s = 3; break;
	case 5: r = b; s = a; break;
	case 6: r = a; break;
	case 7: r = 7; s = b + 1; break;
	case 8: r = 8; break;
	case 9: r = a ^ b; break;
	case 10: r = s; s = 10; break;
	default: r = -x; break;
	}
	return r * 31 + s;
}

static uint8_t small(uint8_t c)
{
	switch (c) {
	case 'a': return 'A';
	case 'b': return 'B';
	case 'c': return 'C';
	case 'd': return 'D';
	case 'e': return 'E';
	case 'f': return 'F';
	case 'g': return 'G';
	case 'h': return 'H';
	case 'i': return 'I';
	default: return '.';
	}
}

int main(void)
{
	long sum = 0;
	int x;
	unsigned u;

	for (x = -20; x < 20; x++)
		sum = sum * 7 + dense(x) + negative(x) * 3 + phis(x, x * 5, 13 - x);
	for (x = 90; x < 120; x++)
		sum = sum * 3 + wide(x, x * 1000 + 17) + wide(x + 0x100000000L, 5)
			+ lneg(x - 105) + lneg((x - 105) * 0x100000000L);
	for (u = 0xfffffff0u; u != 20; u++)
		sum = sum * 5 + uns(u);
	for (x = -2000; x < 2000000; x += 997)
		sum += sparse(x) + sparse(x % 1001 * 1000) + sparse(77777);
	for (x = 0; x < 300; x++)
		sum = sum * 11 + small((uint8_t)x) + tiny(x % 7 - 1);
	printf("%ld\n", sum);
	return 0;
}
"""


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT)


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    """{"gcc": gcc -O2's output, "O0"/"O2": the translated IL's path}"""
    d = tmp_path_factory.mktemp("switch")
    src = d / "switches.c"
    src.write_text(SWITCH_C)
    exe = d / "switches"
    b = run(["gcc", "-O2", "-w", "-o", exe, src])
    assert b.returncode == 0, b.stderr
    out = {"gcc": run([exe]).stdout}
    for lvl in ("O0", "O2"):
        il = d / f"switches-{lvl}.ssa"
        il.write_text(llvm.translate_file(src, f"-{lvl}"))
        out[lvl] = il
    return out


def _bodies(asm):
    """{function: its assembly}"""
    parts = re.split(r"^([A-Za-z_][A-Za-z0-9_.]*):$", asm, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _stats(r):
    return {k: int(v) for k, v in (line.split() for line in r.stderr.splitlines())}


@pytest.mark.parametrize("lvl", ["O0", "O2"])
def test_switches_print_what_gcc_prints(host_tools, program, lvl):
    for sel in ("all", "none", "switch", NOT_SWITCH):
        r = run([host_tools["jitrun"], f"--passes={sel}", program[lvl]])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", program["gcc"]), sel


def test_dense_switches_get_tables(host_tools, program):
    jitrun = host_tools["jitrun"]
    r = run([jitrun, "--stats", "-S", program["O0"]])
    assert r.returncode == 0, r.stderr
    fns = _bodies(r.stdout)
    # int from 0 (8-byte entries: the int sign-extended in place is the
    # index), int from -12 (4-byte entries: two registers are free), long
    # from 100 and from -9 (the long is the index)
    for name, entry in (("dense", "quad"), ("negative", "long"), ("wide", "quad"),
                        ("lneg", "quad")):
        assert "jmp *" in fns[name], name
        assert re.search(rf"\t\.{entry} \.Lbb\d+-\.Ljt\d+", fns[name]), name
    assert "jmp *" not in fns["sparse"]
    assert "jmp *" not in fns["tiny"]
    assert _stats(r)["switches"] == r.stdout.count("jmp *") >= 4
    for sel in ("none", NOT_SWITCH):
        off = run([jitrun, f"--passes={sel}", "--stats", "-S", program["O0"]])
        assert "jmp *" not in off.stdout, sel
        assert _stats(off)["switches"] == 0, sel


@pytest.mark.parametrize("lvl", ["O0", "O2"])
def test_tables_assemble_as_gnu_as_does(host_tools, program, lvl, tmp_path):
    asm = run([host_tools["jitrun"], "-S", program[lvl]]).stdout
    assert "jmp *" in asm
    check_same(host_tools["asmdump"], asm, tmp_path)


def test_interpreter_dispatch_gets_a_table(host_tools, tmp_path):
    """tests/cbench/interp.c at -O0: the dispatch loop of `run` keeps all
    but one caller-saved register busy, so its table is indexed by the
    opcode's register, sign-extended in place (its upper half is dead
    where the table jumps to), with 8-byte entries."""
    src = ROOT / "tests" / "cbench" / "interp.c"
    il = tmp_path / "interp.ssa"
    il.write_text(llvm.translate_file(src, "-O0"))
    r = run([host_tools["jitrun"], "--stats", "-S", il])
    body = _bodies(r.stdout)["run"]
    assert "jmp *" in body
    assert re.search(r"\taddq -?\d+\(%r\w+,%r\w+,8\), %r\w+", body), body
    assert re.search(r"\t\.quad \.Lbb\d+-\.Ljt\d+", body)
    check_same(host_tools["asmdump"], r.stdout, tmp_path)
    out = run([host_tools["jitrun"], il])
    assert (out.returncode, out.stdout) == (0, src.with_suffix(".out").read_text())
