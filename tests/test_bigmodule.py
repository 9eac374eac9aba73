"""jitboot.bigmodule: big IL modules made of renamed copies of real ones,
and what the JIT's compile cost does with them.

The scaling test is an instruction count (callgrind, repeatable): one
compile of a module of 4 copies of six corpus programs must cost at most
4.3 times one compile of a single copy. Anything that grows with the module rather than with
the function (a fixed-size hash table walked per lookup, a table cleared
per block or per function in proportion to the module) breaks it."""

import re
import shutil
import subprocess

import pytest

from jitboot import ROOT, bigmodule

IL = ROOT / "tests" / "il"
PROGRAM = IL / "callbacks.ssa"
# what the scaling test copies: about 1,200 lines of the corpus
SCALED = ("callbacks", "sorting", "long_jumps", "float_arith", "aggregates_byval", "bit_ops")

SMALL = """\
type :pair = { w, w }
data $msg = { b "call $f and :pair", b 0 }
export function w $main() {
@start
\t%r =w call $f(:pair $msg)
\t%s =w call $printf(l $msg)
\tret 0
}
function w $f(l %p) {
@start
\tret 1
}
"""


def test_rename_defined_names_only():
    out = bigmodule.rename(SMALL, "c1_")
    assert "type :c1_pair" in out and "(:c1_pair $c1_msg)" in out
    assert "$c1_main()" in out and "call $c1_f(" in out and "function w $c1_f(" in out
    # used, not defined: stays; string contents are not names
    assert "call $printf(" in out
    assert 'b "call $f and :pair"' in out


def test_concatenate_keeps_the_first_copy_and_renames_the_rest():
    out = bigmodule.concatenate([SMALL, SMALL], 2)
    assert out.count("export function w $main()") == 1
    for prefix in ("m0_1_", "m1_0_", "m1_1_"):
        assert f"function w ${prefix}f(" in out
    assert len(bigmodule.defined(out)) == 4 * len(bigmodule.defined(SMALL))


def test_module_runs_the_first_programs_main(host_tools, tmp_path):
    """Every copy of a corpus program compiles into one module, and its
    main is the first copy's."""
    ils = [PROGRAM.read_text(), (IL / "float_arith.ssa").read_text()]
    mod = tmp_path / "big.ssa"
    mod.write_text(bigmodule.concatenate(ils, 3))
    r = subprocess.run([str(host_tools["jitrun"]), str(mod)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == PROGRAM.with_suffix(".out").read_text()


def compile_instructions(jitrun, il, passes=None):
    """One compile of il (with --passes=passes if given): `jitrun --cycles
    2` minus `--cycles 1`, whose compiles must all succeed."""
    select = [f"--passes={passes}"] if passes else []
    counts = []
    for n in ("1", "2"):
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                            str(jitrun), *select, "--cycles", n, str(il)],
                           capture_output=True, text=True, timeout=900)
        m = re.search(r"Collected\s*:\s*(\d+)", r.stderr)
        assert m and f"cycles {n} errors 0 " in r.stdout, r.stdout + r.stderr[-500:]
        counts.append(int(m.group(1)))
    return counts[1] - counts[0]


@pytest.mark.skipif(not shutil.which("valgrind"), reason="needs valgrind")
def test_compile_cost_grows_with_the_module_not_faster(host_tools, tmp_path):
    ils = [(IL / f"{name}.ssa").read_text() for name in SCALED]
    one, four = tmp_path / "one.ssa", tmp_path / "four.ssa"
    one.write_text(bigmodule.concatenate(ils, 1))
    four.write_text(bigmodule.concatenate(ils, 4))
    c1 = compile_instructions(host_tools["jitrun"], one)
    c4 = compile_instructions(host_tools["jitrun"], four)
    assert c4 <= 4.3 * c1, f"one copy {c1:,}, four copies {c4:,}: {c4 / c1:.2f}x"
