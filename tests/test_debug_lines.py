"""Debug lines of C payloads, from clang's !dbg to a fault report.

jitboot/llvm.py writes `dbgfile` and one `dbgloc` per source-line change;
QBE turns them into `.file`/`.loc`; our assembler keeps the line table
GNU as would put in .debug_line; the loader keeps it beside the code; a
fault in jitrun is reported with the source line and a backtrace through
the frame pointers (the kernel's report is tests/test_fault_containment.py's).

The debug lines must never change the code: the corpus compiles to the
same assembly with and without them, and the same bytes with and without
.loc.
"""

from __future__ import annotations

import concurrent.futures
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from jitboot import ROOT, llvm, payloads, protocol
from test_asm_oracle import check_same, run_asmdump

C = ROOT / "tests" / "c"
CORPUS = sorted(C.glob("*.c"))
FAULTS = sorted((C / "faults").glob("*.c"))
LEVELS = ("-O0", "-O2")
# the programs whose line tables are held against GNU as's
ORACLE = ("recursion", "sorting", "struct_mixed", "interp", "func_ptr", "printf_mixed",
          "switch_table", "stdarg_ints", "vla")

pytestmark = pytest.mark.skipif(shutil.which(llvm.CLANG) is None,
                                reason=f"{llvm.CLANG} is not installed (ci/setup.sh installs it)")


def _run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=30, **kw)


def _translate(path: str, level: str) -> str:
    return payloads.translate([Path(path)], level)


@pytest.fixture(scope="module")
def corpus_il():
    """{(program, level): IL} for the C corpus, two translations at a time."""
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        futures = {(c.stem, lv): pool.submit(_translate, str(c), lv)
                   for c in CORPUS for lv in LEVELS}
        return {k: f.result() for k, f in futures.items()}


def expected_frames(src: Path) -> dict[int, tuple[str, int]]:
    """{frame number: (function, line)} from the "frame N: FUNCTION"
    comments of a fault program."""
    out = {}
    for n, line in enumerate(src.read_text().splitlines(), 1):
        m = re.search(r"/\* frame (\d+): (\w+) \*/", line)
        if m:
            out[int(m.group(1))] = (m.group(2), n)
    return out


def at_line(src: Path, func: str, line: int) -> str:
    """The regex of a frame's name: "tests/c/faults/x.c:12 in f (f+0x1f)"."""
    return rf"(?:\S*/)?{re.escape(src.name)}:{line} in {func} \({func}\+0x[0-9a-f]+\)"


# -- the IL ------------------------------------------------------------------

def blocks(il: str):
    """Each block's lines, function by function."""
    block: list[str] = []
    for line in il.splitlines():
        if line.startswith("@") or line.startswith("}"):
            yield block
            block = []
        else:
            block.append(line.strip())
    yield block


def test_one_dbgloc_per_line_change(corpus_il):
    """Within a block, a dbgloc comes only where the line changes and
    always before code (never two in a row, never last in a block); every
    function with code has a dbgfile before it."""
    total = 0
    for (name, level), il in corpus_il.items():
        assert il.count("dbgfile ") >= 1, (name, level)
        for block in blocks(il):
            locs = [i for i, s in enumerate(block) if s.startswith("dbgloc ")]
            total += len(locs)
            lines = [block[i] for i in locs]
            assert all(a != b for a, b in zip(lines, lines[1:])), (name, level, block)
            for i in locs:
                assert i + 1 < len(block) and not block[i + 1].startswith("dbgloc"), \
                    (name, level, block)
    assert total > 1000


def test_no_debug_info_no_dbgloc(tmp_path):
    src = C / "recursion.c"
    il = llvm.translate(llvm.compile_c(src, "-O0", cflags=["-g0"]), str(src))
    assert "dbgloc" not in il and "dbgfile" not in il
    assert "dbgloc" in llvm.translate(llvm.compile_c(src, "-O0"), str(src))


def strip_debug(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines()
                     if not re.match(r"\s*(dbgloc|dbgfile|\.loc|\.file) ", ln)) + "\n"


def test_debug_lines_do_not_change_the_code(corpus_il, host_tools, tmp_path):
    """QBE and our passes give the same assembly with and without the
    dbglocs, for every corpus program at both levels (a block left with
    only dbglocs has no code: jitboot/qbe.py's adjustment of simpljmp)."""
    jitrun = host_tools["jitrun"]
    differ = []
    for (name, level), il in corpus_il.items():
        with_dbg = tmp_path / f"{name}{level}.ssa"
        without = tmp_path / f"{name}{level}-nodbg.ssa"
        with_dbg.write_text(il)
        without.write_text(strip_debug(il))
        a, b = _run([jitrun, "-S", with_dbg]), _run([jitrun, "-S", without])
        assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
        assert ".loc " in a.stdout and ".loc " not in b.stdout
        if strip_debug(a.stdout) != b.stdout:
            differ.append(f"{name}{level}")
    assert differ == []


# -- the assembler's line table ----------------------------------------------

def gas_lines(text: str, tmp_path: Path) -> list[tuple[int, str, int]]:
    """(address, file base name, line) of each row GNU as writes, from
    readelf's decoded .debug_line (end-of-sequence rows left out)."""
    src, obj = tmp_path / "gas.s", tmp_path / "gas.o"
    src.write_text(text)
    subprocess.run(["as", "--64", "-o", str(obj), str(src)], check=True, capture_output=True)
    out = _run(["readelf", "-W", "--debug-dump=decodedline", obj]).stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1].isdigit() and re.fullmatch(r"0|0x[0-9a-f]+", f[2]):
            rows.append((int(f[2], 0), f[0], int(f[1])))
    return rows


def our_lines(asmdump, text: str, tmp_path: Path) -> list[tuple[int, str, int]]:
    p = run_asmdump(asmdump, text, tmp_path)
    assert p.returncode == 0, p.stderr
    return [(int(f[1]), Path(f[2]).name, int(f[3])) for f in map(str.split, p.stdout.splitlines())
            if f[0] == "line"]


def _asm(jitrun, il: str, tmp_path: Path, name: str) -> str:
    (tmp_path / name).write_text(il)
    p = _run([jitrun, "-S", tmp_path / name])
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.parametrize("level", LEVELS)
def test_line_table_is_gnu_as(corpus_il, host_tools, tmp_path, level):
    """For several programs, our rows are GNU as's rows, and the code is
    GNU as's byte for byte (with the .loc lines and without them)."""
    asmdump = host_tools["asmdump"]
    rows = 0
    for name in ORACLE:
        text = _asm(host_tools["jitrun"], corpus_il[(name, level)], tmp_path, f"{name}.ssa")
        ours = our_lines(asmdump, text, tmp_path)
        rows += len(ours)
        assert ours and ours == gas_lines(text, tmp_path), name
        secs = check_same(asmdump, text, tmp_path)[0]
        assert check_same(asmdump, strip_debug(text), tmp_path)[0] == secs, name
    assert rows > 100


def test_line_table_of_a_program_in_two_files(host_tools, tmp_path):
    """Functions of a.c and b.c joined: two .file numbers, each function's
    rows in its own file, with the inliner on (it defers every function to
    the end of the module)."""
    a, b = tmp_path / "a.c", tmp_path / "b.c"
    a.write_text("int twice(int);\nint main(void)\n{\n\treturn twice(21) - 42;\n}\n")
    b.write_text("int twice(int x)\n{\n\tint y = x;\n\treturn y + x;\n}\n")
    il = payloads.translate([a, b], "-O0")
    text = _asm(host_tools["jitrun"], il, tmp_path, "ab.ssa")
    ours = our_lines(host_tools["asmdump"], text, tmp_path)
    assert ours == gas_lines(text, tmp_path)
    assert {(f, ln) for _, f, ln in ours} >= {("a.c", 4), ("b.c", 3), ("b.c", 4)}


# -- jitrun's fault reports -----------------------------------------------------

SIGNALS = {"DE": signal.SIGFPE, "PF": signal.SIGSEGV}


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("src", FAULTS, ids=lambda p: p.stem)
def test_jitrun_reports_line_and_backtrace(host_tools, tmp_path, src, level):
    il = tmp_path / f"{src.stem}.ssa"
    il.write_text(payloads.translate([src], level))
    p = _run([host_tools["jitrun"], il])
    sig = SIGNALS[protocol.expected_fault(il.read_text())]
    assert p.returncode == 128 + sig, p.stderr
    report, *frames = p.stderr.splitlines()
    want = expected_frames(src)
    first = min(want)
    func, line = want[first]
    assert re.fullmatch(rf"jitrun: SIG\w+ \([a-z ]+\) {'at' if first == 0 else 'in a call from'} "
                        rf"{at_line(src, func, line)}(: access to 0x[0-9a-f]+)?", report), report
    assert len(frames) == max(want) + 1, frames
    for n, text in enumerate(frames):
        if n in want:
            assert re.fullmatch(rf"    #{n} {at_line(src, *want[n])}", text), frames
        else:
            assert re.fullmatch(rf"    #{n} 0x[0-9a-f]+ \(outside JIT'd code\)", text), frames


def test_jitrun_fault_in_a_program_in_two_files(host_tools, tmp_path):
    """Code inlined from b.c into a.c's main is put at main's call (a
    dbgloc has no file); without the inliner, each frame has its file."""
    a, b = tmp_path / "a.c", tmp_path / "b.c"
    a.write_text("int crash(int *p);\nint main(void)\n{\n\treturn crash(0) + 1;\n}\n")
    b.write_text("int load(int *p)\n{\n\treturn *p;\n}\n"
                 "int crash(int *p)\n{\n\tint v = load(p);\n\treturn v * 3;\n}\n")
    il = tmp_path / "ab.ssa"
    il.write_text(payloads.translate([a, b], "-O0"))
    p = _run([host_tools["jitrun"], il])
    assert p.returncode == 128 + signal.SIGSEGV
    frames = [re.sub(r"\+0x[0-9a-f]+", "", ln) for ln in p.stderr.splitlines()[1:]]
    assert frames == [f"    #0 {a}:4 in main (main)"]
    p = _run([host_tools["jitrun"], "--passes=none", il])
    frames = [re.sub(r"\+0x[0-9a-f]+", "", ln) for ln in p.stderr.splitlines()[1:]]
    assert frames == [f"    #0 {b}:3 in load (load)", f"    #1 {b}:7 in crash (crash)",
                      f"    #2 {a}:4 in main (main)"]


def test_jitrun_fault_without_line_info(host_tools, tmp_path):
    """IL without dbgloc: the function and offset alone; a leaf without a
    frame of its own still has its caller found (from its prologue)."""
    il = tmp_path / "leaf.ssa"
    il.write_text("function w $leaf(w %a, w %b) {\n@start\n\t%q =w div %a, %b\n\tret %q\n}\n"
                  "export function w $main() {\n@start\n\t%r =w call $leaf(w 1, w 0)\n"
                  "\t%s =w add %r, 1\n\tret %s\n}\n")
    p = _run([host_tools["jitrun"], "--passes=none", il])
    assert p.returncode == 128 + signal.SIGFPE
    lines = p.stderr.splitlines()
    assert re.fullmatch(r"jitrun: SIGFPE \(arithmetic fault\) at leaf\+0x[0-9a-f]+", lines[0])
    assert [re.sub(r"0x[0-9a-f]+", "", ln) for ln in lines[1:]] == \
        ["    #0 leaf+", "    #1 main+"]


SNIPPET = """.file 1 "s.c"
.file 2 "inc/t.h"
.text
f:
\t.loc 1 1
\tjmp .L2
\t.loc 1 2 5
\tmovl $1, %eax
\tjz .L3
\t.fill 200, 1, 0x90
.L2:
\t.loc 2 7
\t.p2align 4
\tret
\t.loc 1 3
\t.loc 1 4
\tnop
.L3:
\t.loc 1 9
\tjmp .L2
\t.loc 1 10
"""


def test_line_table_snippet_is_gnu_as(host_tools, tmp_path):
    """Rows at relaxed jumps (short and long), after an alignment, two
    .loc in a row (both rows, one address), a .loc with no instruction
    after it (no row), two files."""
    ours = our_lines(host_tools["asmdump"], SNIPPET, tmp_path)
    assert ours == gas_lines(SNIPPET, tmp_path)
    assert [ln for _, _, ln in ours] == [1, 2, 7, 3, 4, 9]
    assert {f for _, f, _ in ours} == {"s.c", "t.h"}
    check_same(host_tools["asmdump"], SNIPPET, tmp_path)


def test_jitrun_backtrace_stops_at_a_corrupt_frame(host_tools):
    """main overwrites its saved frame pointer with garbage before the
    fault: the walk checks it against the stack and stops, no second
    fault in the handler."""
    p = _run([host_tools["jitrun"], ROOT / "tests" / "il" / "faults" / "fault_corrupt_frame.ssa"])
    assert p.returncode == 128 + signal.SIGFPE, p.stderr
    assert [re.sub(r"\+0x[0-9a-f]+", "", ln) for ln in p.stderr.splitlines()[1:]] == \
        ["    #0 divide", "    #1 main"]


def test_jitrun_finds_the_caller_of_a_leaf_with_a_prologue(host_tools, tmp_path):
    """A leaf that reserves stack (subq) and saves callee-saved registers
    (pushq) has no rbp frame: its return address is found above what its
    prologue pushed."""
    n = 12      # more values live at the division than caller-saved registers
    body = "".join(f"\t%v{i} =w mul %a, {i + 3}\n" for i in range(n))
    use = "".join(f"\t%s =w add %s, %v{i}\n" for i in range(n))
    il = tmp_path / "leaf.ssa"
    il.write_text("function w $leaf(w %a, w %b, l %i) {\n@start\n\t%p =l alloc4 16\n"
                  "\tstorew %a, %p\n\t%q =l add %p, %i\n\t%x =w loadw %q\n"
                  f"{body}\t%d =w div %x, %b\n\t%s =w copy %d\n{use}\tret %s\n}}\n"
                  "export function w $main() {\n@start\n\t%r =w call $leaf(w 7, w 0, l 0)\n"
                  "\t%t =w add %r, 1\n\tret %t\n}\n")
    asm = _run([host_tools["jitrun"], "--passes=none", "-S", il]).stdout
    leaf = asm[asm.index("leaf:"):asm.index("idivl")]
    assert "pushq %rbp" not in leaf and "subq $" in leaf and "pushq %rbx" in leaf, leaf
    p = _run([host_tools["jitrun"], "--passes=none", il])
    assert p.returncode == 128 + signal.SIGFPE
    assert [re.sub(r"\+0x[0-9a-f]+", "", ln) for ln in p.stderr.splitlines()[1:]] == \
        ["    #0 leaf", "    #1 main"]
