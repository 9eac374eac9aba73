"""Our passes never make a real program run more instructions.

Every program of tests/cbench, translated from C at -O0 (the naive IL a
C front end emits, where the passes must fire), runs under callgrind with
the passes off and on, at its default size, two at a time. Instruction
counts are repeatable, so this is a deterministic test of what
`doit cbench` measures with a stopwatch:

- the program's run (from jitrun_call on: JIT'd code and the library
  functions it calls, not the compile) must not take more
  instructions with the passes than without, within RUN_SLACK: where
  the passes change nothing, the JIT'd code runs exactly the same
  instructions, but glibc's malloc and printf, which it calls, run a
  few instructions more or less as the compile left the heap (up to
  2,200 in 123 million, 0.002%, measured here);
- the whole jitrun process (compile and run) must not either, within
  WHOLE_SLACK: where the passes change little, the compile's extra work
  (holding the module until it is parsed, the passes' scans) and the
  heap layout's effect on glibc's string functions are a few 10^5
  instructions either way (sort_structs: 0.11%), and where inlining
  unrolls a recursion the copies are compiled too: binary_trees' node
  count unrolled saves 4.3 M instructions in its run and costs 11.5 M in
  its compile (+4.1% in all, at the default size; the compile is paid
  once, the run grows with the input).  The bound is there for blow-ups:
  before the inliner left recursions around malloc and free alone,
  binary_trees compiled 5.7x dearer (+17% in all), which fails.

Both counts are printed (pytest -s) as the test's figures.
"""

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from jitboot import cbench, llvm
from jitboot.errors import JitbootError

PROGRAMS = cbench.programs()
RUN_SLACK = 0.0001
WHOLE_SLACK = 0.05


SUMMARY = re.compile(r"^summary: (\d+)$", re.M)


def callgrind(cmd: list, out: Path) -> tuple[int, int]:
    """(instructions of the program's run, of the whole process): one
    callgrind run, its counts dumped when jitrun_call starts (out.1:
    start-up and compile) and at the end (out: the run and exit)."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                           "--dump-before=jitrun_call", *map(str, cmd)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-500:]
    before = int(SUMMARY.search(Path(f"{out}.1").read_text())[1])
    run = int(SUMMARY.search(out.read_text())[1])
    return run, before + run


@pytest.fixture(scope="module")
def counts(host_tools, tmp_path_factory):
    """program -> {passes: (run, whole)} instructions."""
    jitrun = host_tools["jitrun"]
    work = tmp_path_factory.mktemp("cbench")

    def count(job):
        prog, passes = job
        il = work / f"{prog.name}.ssa"
        cmd = [jitrun, f"--passes={passes}", il]
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0 or proc.stdout != prog.expected.read_text():
            raise JitbootError(f"{prog.name} passes={passes}: wrong result "
                               f"(exit {proc.returncode}): {proc.stdout[:200]!r}")
        return prog.name, passes, callgrind(cmd, work / f"{prog.name}.{passes}.cg")

    for prog in PROGRAMS:
        (work / f"{prog.name}.ssa").write_text(llvm.translate_file(prog.source, "-O0"))
    got: dict = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [(p, s) for p in PROGRAMS for s in ("none", "all")]
        for name, passes, n in pool.map(count, jobs):
            got.setdefault(name, {})[passes] = n
    for name, c in got.items():
        print(f"{name}: run {c['none'][0]:,} -> {c['all'][0]:,}, "
              f"whole {c['none'][1]:,} -> {c['all'][1]:,}")
    return got


@pytest.mark.parametrize("prog", [p.name for p in PROGRAMS])
def test_passes_never_cost_instructions(counts, prog):
    c = counts[prog]
    off, on = c["none"][0], c["all"][0]
    assert on <= off * (1 + RUN_SLACK), f"{prog}: its run took {on:,} instructions with the passes, {off:,} without"
    off, on = c["none"][1], c["all"][1]
    assert on <= off * (1 + WHOLE_SLACK), \
        f"{prog}: jitrun took {on:,} instructions with the passes, {off:,} without"
