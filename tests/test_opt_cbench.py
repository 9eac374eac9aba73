"""Our passes never make a real program run more instructions.

Every program of tests/cbench, translated from C at -O0 (the naive IL a
C front end emits, where the passes must fire), runs under callgrind with
the passes off and on: the count with them on must not exceed the count
with them off, and each program must still print its expected output.
Instruction counts are repeatable, so this is a deterministic test of
what `doit cbench` measures with a stopwatch. The programs run at their
default sizes, two at a time.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from jitboot import cbench, llvm
from jitboot.errors import JitbootError

# Programs that cannot be translated yet, and why.
UNTRANSLATABLE = {
    "binary_trees": "calls exit(), which include/stdlib.h does not declare "
                    "(the kernel does not export it)",
}
PROGRAMS = [p for p in cbench.programs() if p.name not in UNTRANSLATABLE]


@pytest.fixture(scope="module")
def counts(host_tools, tmp_path_factory):
    """program -> (instructions with passes off, with passes on)."""
    jitrun = host_tools["jitrun"]
    work = tmp_path_factory.mktemp("cbench")

    def count(prog):
        il = work / f"{prog.name}.ssa"
        il.write_text(llvm.translate_file(prog.source, "-O0"))
        want = prog.expected.read_text()
        got = []
        for passes in ("none", "all"):
            cmd = [jitrun, f"--passes={passes}", il]
            proc = cbench._run(cmd, f"{prog.name} passes={passes}")
            if proc.returncode != 0 or proc.stdout != want:
                raise JitbootError(f"{prog.name} passes={passes}: wrong result "
                                   f"(exit {proc.returncode}): {proc.stdout[:200]!r}")
            got.append(cbench.instructions(cmd, f"{prog.name} passes={passes}"))
        return prog.name, tuple(got)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(count, PROGRAMS))


@pytest.mark.parametrize("prog", [p.name for p in PROGRAMS])
def test_passes_never_cost_instructions(counts, prog):
    off, on = counts[prog]
    assert on <= off, f"{prog}: {on:,} instructions with the passes, {off:,} without"


@pytest.mark.parametrize("prog", sorted(UNTRANSLATABLE))
def test_untranslatable_programs_still_are(prog):
    """When one of them translates, it belongs in the test above."""
    source = next(p.source for p in cbench.programs() if p.name == prog)
    with pytest.raises(JitbootError):
        llvm.translate_file(source, "-O0")
