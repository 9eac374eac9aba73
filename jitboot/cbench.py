"""The real-program benchmark: tests/cbench/*.c through the C front door.

Every program runs natively (gcc -O2, clang -O2), through unpatched QBE
ahead of time (its IL compiled by build/host/qbe-stock, assembled and
linked by gcc: "QBE AOT") and through the JIT on the host (build/host/
jitrun with our passes off and on), the IL translated from clang's IR at
-O0 (naive: every local in an alloc slot, what a runtime front end emits)
and at -O2 (pre-optimised by LLVM).  Every variant must print the
program's .out file.

Two measures, as the project measures speed:
  - instructions: callgrind's count for the whole process (repeatable on
    these machines), at the default size; for the JIT the compile is
    counted on its own (`jitrun --cycles 1`, which compiles and releases
    the module without running it) and taken out, so the figure compares
    the code, and `compile` says what the JIT itself cost;
  - paired wall time against gcc -O2, at WALL_SCALE times the default
    work so start-up and scheduling noise matter less: A B A B ..., the
    median of the per-pair ratios (one run is never a figure on a shared
    machine).

`doit cbench` runs it (`names=a,b`, `pairs=N`, `levels=O0`); the table goes
to the terminal and build/cbench.json.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ROOT, paths, toolchain
from .bench.runs import geomean
from .errors import JitbootError

PROGRAMS_DIR = Path("tests") / "cbench"
LEVELS = ("-O0", "-O2")
NATIVE = ("gcc", "clang")
PER_LEVEL = ("qbe_aot", "jit_off", "jit_on")
CLANG = "clang-19"
RUN_TIMEOUT = 600
WALL_SCALE = "3"        # argv[1] of the wall-time runs (every program takes a scale)


@dataclass(frozen=True)
class Program:
    name: str
    source: Path
    expected: Path


def programs(root: Path = ROOT, names: list[str] | None = None) -> list[Program]:
    found = [Program(c.stem, c, c.with_suffix(".out"))
             for c in sorted((root / PROGRAMS_DIR).glob("*.c"))]
    if names:
        known = {p.name for p in found}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise JitbootError(f"no benchmark program {unknown[0]!r} in {PROGRAMS_DIR} "
                               f"(known: {', '.join(sorted(known))})")
        found = [p for p in found if p.name in names]
    return found


def variant_names(levels: tuple[str, ...] = LEVELS) -> list[str]:
    return list(NATIVE) + [f"{v}{lvl}" for lvl in levels for v in PER_LEVEL]


Command = list["str | Path"]


def _run(cmd: Command, what: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, **kw)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise JitbootError(f"{what}: {e}") from None
    return proc


def _checked(cmd: Command, what: str) -> str:
    proc = _run(cmd, what)
    if proc.returncode != 0:
        raise JitbootError(f"{what} failed (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-400:]}")
    return proc.stdout


def prepare(prog: Program, work: Path, levels: tuple[str, ...] = LEVELS,
            root: Path = ROOT) -> dict[str, Command]:
    """Build every variant of prog under work; return variant -> command."""
    from . import llvm
    from .build import program_output
    work.mkdir(parents=True, exist_ok=True)
    cmds: dict[str, Command] = {}
    for cc, name in (("gcc", "gcc"), (CLANG, "clang")):
        exe = work / f"{name}.exe"
        _checked([toolchain.require(cc), "-O2", "-o", exe, prog.source, "-lm"],
                 f"{name} -O2 {prog.source.name}")
        cmds[name] = [exe]
    qbe = program_output("qbe-stock", root)
    jitrun = program_output("jitrun", root)
    for lvl in levels:
        il = work / f"{prog.name}{lvl}.ssa"
        il.write_text(llvm.translate_file(prog.source, lvl))
        asm = work / f"aot{lvl}.s"
        asm.write_text(_checked([qbe, il], f"qbe-stock {il.name}"))
        exe = work / f"aot{lvl}.exe"
        _checked(["gcc", "-no-pie", "-o", exe, asm, "-lm"], f"linking {asm.name}")
        cmds[f"qbe_aot{lvl}"] = [exe]
        cmds[f"jit_off{lvl}"] = [jitrun, "--passes=none", il]
        cmds[f"jit_on{lvl}"] = [jitrun, il]
    return cmds


def compile_cost(cmd: Command, what: str) -> int | None:
    """Instructions of one compile of the JIT command's module: `jitrun
    --cycles N` compiles and releases it N+1 times without running main,
    so the difference of N = 2 and N = 1 is one compile.  None for native
    programs."""
    if not str(cmd[0]).endswith("jitrun"):
        return None
    counts = [instructions([cmd[0], *cmd[1:-1], "--cycles", n, cmd[-1]], what)
              for n in ("1", "2")]
    return counts[1] - counts[0]


COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def instructions(cmd: Command, what: str) -> int:
    """Instructions the whole process ran, by callgrind."""
    vg = toolchain.require("valgrind")
    proc = _run([vg, "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd], what)
    m = COLLECTED.search(proc.stderr)
    if proc.returncode != 0 or not m:
        raise JitbootError(f"{what} under callgrind failed (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-300:]}")
    return int(m.group(1))


def il_lines(il: Path) -> int:
    """Lines of IL that are not blank or comments."""
    return sum(1 for line in il.read_text().splitlines()
               if line.strip() and not line.lstrip().startswith("#"))


def front_cost(il: Path, work: Path, root: Path = ROOT, compiles: int = 10,
               repeats: int = 3) -> dict[str, Any]:
    """What turning il into code costs: its size, the instructions of the
    stock `qbe` and GNU `as` processes that make an object of it (the
    ahead-of-time path the JIT replaces), and the JIT's native speed in IL
    lines per second (the median over repeats of `jitrun --cycles` with
    compiles+1 compiles minus the run with one, so process start-up and
    loading cancel out)."""
    from .build import program_output
    qbe = program_output("qbe-stock", root)
    jitrun = program_output("jitrun", root)
    asm, obj = work / f"{il.stem}.front.s", work / f"{il.stem}.front.o"
    qbe_ins = instructions([qbe, "-o", asm, il], f"qbe-stock {il.name}")
    as_ins = instructions([toolchain.require("as"), "-o", obj, asm], f"as {asm.name}")
    spans = []
    for _ in range(repeats):
        many = _time([jitrun, "--cycles", str(compiles + 1), il])
        one = _time([jitrun, "--cycles", "1", il])
        spans.append(max(many - one, 1e-9) / compiles)
    lines = il_lines(il)
    per = statistics.median(spans)
    return {"il_lines": lines, "qbe_as_instructions": qbe_ins + as_ins,
            "jit_compile_seconds": per, "il_lines_per_second": lines / per}


def _time(cmd: Command) -> float:
    """Wall time of one run.  A blocking wait, with a timer to kill a hung
    run: subprocess's wait(timeout=) polls with sleeps of up to 50 ms and
    would round every time up to its next poll."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    killer = threading.Timer(RUN_TIMEOUT, proc.kill)
    killer.start()
    try:
        proc.wait()
    finally:
        killer.cancel()
    return time.perf_counter() - start


def paired_ratio(base: Command, other: Command, pairs: int) -> float:
    """Median over pairs of time(other) / time(base), run A B A B ..."""
    ratios = []
    for _ in range(pairs):
        a = _time(base)
        b = _time(other)
        ratios.append(b / a if a > 0 else math.inf)
    return statistics.median(ratios)


def measure(prog: Program, cmds: dict[str, Command], pairs: int = 5) -> dict[str, Any]:
    """Check every variant's output, then count and time it."""
    expected = prog.expected.read_text()
    row: dict[str, Any] = {"program": prog.name, "instructions": {}, "compile": {}, "wall_vs_gcc": {}}
    for name, cmd in cmds.items():
        proc = _run(cmd, f"{prog.name} {name}")
        if proc.returncode != 0 or proc.stdout != expected:
            raise JitbootError(f"{prog.name} {name}: wrong result (exit {proc.returncode}, "
                               f"output {proc.stdout[:200]!r}, expected {prog.expected.name})")
        total = instructions(cmd, f"{prog.name} {name}")
        comp = compile_cost(cmd, f"{prog.name} {name} compile")
        if comp is not None:
            row["compile"][name] = comp
            total -= comp
        row["instructions"][name] = total
    for name, cmd in cmds.items():
        if name != "gcc" and pairs > 0:
            row["wall_vs_gcc"][name] = paired_ratio(cmds["gcc"] + [WALL_SCALE],
                                                    cmd + [WALL_SCALE], pairs)
    return row


def summarize(rows: list[dict[str, Any]], variants: list[str]) -> dict[str, Any]:
    ratios = {v: [r["instructions"][v] / r["instructions"]["gcc"] for r in rows]
              for v in variants if v != "gcc"}
    walls = {v: [r["wall_vs_gcc"][v] for r in rows if v in r["wall_vs_gcc"]]
             for v in variants if v != "gcc"}
    return {"instructions_vs_gcc_geomean": {v: geomean(x) for v, x in ratios.items()},
            "wall_vs_gcc_geomean": {v: geomean(x) for v, x in walls.items()}}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def table(report: dict[str, Any]) -> str:
    variants = [v for v in report["variants"] if v != "gcc"]
    head = "| program | gcc -O2 instr | " + " | ".join(variants) + " |"
    lines = [f"real-program benchmark, host: {report['cpu']}, {report['cores']} cores: "
             f"instructions / gcc -O2 (JIT: without its compile), then paired wall time "
             f"/ gcc -O2 (scale {WALL_SCALE}, {report['pairs']} pairs)", "",
             head, "|---|--:|" + "--:|" * len(variants)]

    def fmt(x: float | None) -> str:
        return f"{x:.2f}x" if x is not None else "-"
    for r in report["programs"]:
        g = r["instructions"]["gcc"]
        cells = []
        for v in variants:
            ins = r["instructions"][v] / g
            wall = r["wall_vs_gcc"].get(v)
            cells.append(fmt(ins) + (f" / {fmt(wall)}" if wall is not None else ""))
        lines.append(f"| {r['program']} | {g:,} | " + " | ".join(cells) + " |")
    s = report["summary"]
    cells = []
    for v in variants:
        ins, wall = s["instructions_vs_gcc_geomean"].get(v), s["wall_vs_gcc_geomean"].get(v)
        cells.append(f"**{fmt(ins)}**" + (f" / **{fmt(wall)}**" if wall else ""))
    lines.append("| **geomean** | | " + " | ".join(cells) + " |")
    levels = [lvl for lvl in LEVELS if any(lvl in r.get("front", {}) for r in report["programs"])]
    if levels:
        lines += ["", "compile: IL lines, the JIT's compile (passes on) in instructions and "
                  "against stock qbe + GNU as as processes, and IL lines/s natively", "",
                  "| program | " + " | ".join(f"IL lines {lvl} | JIT compile {lvl} | "
                                             f"vs qbe+as {lvl} | lines/s {lvl}"
                                             for lvl in levels) + " |",
                  "|---|" + "--:|" * (4 * len(levels))]
        for r in report["programs"]:
            cells = []
            for lvl in levels:
                f = r["front"][lvl]
                comp = r["compile"].get(f"jit_on{lvl}")
                cells += [f"{f['il_lines']:,}", f"{comp / 1e6:.1f} M" if comp else "-",
                          fmt(comp / f["qbe_as_instructions"]) if comp else "-",
                          f"{f['il_lines_per_second'] / 1e3:,.0f} k"]
            lines.append(f"| {r['program']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(root: Path = ROOT, names: list[str] | None = None, pairs: int = 5,
        levels: tuple[str, ...] = LEVELS, out: Path | None = None) -> dict[str, Any]:
    """Build, check, count and time every program; write build/cbench.json."""
    progs = programs(root, names)
    work = paths.build_dir(root) / "cbench"
    rows = []
    for prog in progs:
        cmds = prepare(prog, work / prog.name, levels, root)
        row = measure(prog, cmds, pairs)
        row["front"] = {lvl: front_cost(work / prog.name / f"{prog.name}{lvl}.ssa",
                                        work / prog.name, root) for lvl in levels}
        rows.append(row)
        print(f"  {prog.name}: done", flush=True)
    variants = variant_names(levels)
    report = {"cpu": cpu_model(), "cores": os.cpu_count(), "pairs": pairs,
              "variants": variants, "programs": rows, "summary": summarize(rows, variants)}
    out = out or paths.build_dir(root) / "cbench.json"
    from .render import write_if_changed
    write_if_changed(out, json.dumps(report, indent=2) + "\n")
    print(table(report), flush=True)
    print(f"figures: {toolchain.rel(out, root)}")
    return report
