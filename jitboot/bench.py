"""Benchmark: JIT-compiled code against the same programs compiled ahead of time.

Each program of tests/bench/ is a QBE IL file NAME.ssa exporting
`l $bench_NAME(l %n)` and a C twin NAME.c defining `long c_NAME(long n)`
that computes the same result; a line `# bench n=N quick=M` in the IL
gives the benchmark and the test problem sizes.  Four variants run:

    aot_gcc   the C twin compiled by gcc -O2 (the strongest AOT baseline)
    aot_qbe   the IL compiled by stock QBE (-t amd64_sysv) and GNU as at
              build time, its symbols renamed q_... so it links beside the
              rest; isolates the JIT's own overhead from QBE's code quality
    jit_off   the IL text compiled at run time by our JIT with our IL
              passes off (jit_set_passes("none"): plain QBE), the 'before'
    jit_on    the same with our passes on (the image's [features]
              jit_passes in the kernel, "all" on the host), the 'after'

`generate()` writes the table bench_progs[] (jit/bench.h: IL text, lines,
sizes, both AOT entry points) and QBE's assembly.  Images with
[features] bench = true link them into the kernel, where KTEST(bench)
times the variants with the TSC; the host twin build/host/jitbench runs
the same table natively.  Both print "# bench ..." lines (format in
jit/bench.h) that parse_lines() reads.

`doit bench` (run_benchmark) adds boot time and build times, prints a
table, and writes build/bench.json and the chart build/bench.svg.
Timing is reported, never judged; a disagreement between variants is an
error.

build/bench.json:

    environment   {accel, cpu, cpus, guest_cpu, kernel, python, gcc, qemu,
                   qbe, aot_gcc_flags, image, emulated, why_not_kvm}
    kernel, host  one run each (summarize()):
      tsc_hz        TSC frequency the cycles convert with (0: unknown)
      passes_on     the passes of jit_on ("tre,inline")
      programs      {NAME: {
          n, il_lines, result, jit_failed,
          aot_gcc_cycles, aot_qbe_cycles, jit_off_cycles, jit_on_cycles,
          compile_off_cycles, compile_on_cycles      best runs, TSC cycles
          jit_off_vs_aot_gcc, jit_on_vs_aot_gcc,     time ratios, null when
          jit_off_vs_aot_qbe, jit_on_vs_aot_qbe,     the JIT failed
          jit_on_vs_jit_off, aot_qbe_vs_aot_gcc,
          and when tsc_hz is known:
          aot_gcc_ms, aot_qbe_ms, jit_off_ms, jit_on_ms,
          compile_off_us, compile_on_us,
          il_lines_per_s_off, il_lines_per_s_on}}
      geomean       {RATIO: geometric mean over the programs} for each ratio
      disagreements ["name(n): ... # results"]: empty when all agreed
    boot          qemu_start_to_first_ktap_line_s, qemu_run_s, tsc_hz and
                  the kernel's TSC stamps (reset_to_entry, entry_to_tests or
                  reset_to_tests, cycles; the same with _ms)
    build         {image, clean_s, noop_s, jobs, note} (absent without builds)
"""
from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import ROOT, build, protocol, toolchain
from .errors import JitbootError

BENCH_DIR = Path("tests") / "bench"
QBE_TARGET = "amd64_sysv"       # stock QBE's default target is the host's (arm64_apple on a Mac)
AOT_PREFIX = "q_"
TABLE = "bench_progs.c"         # generated: the table of jit/bench.h
ASM_DIR = "bench_qbe"           # generated: QBE's assembly, one .S per program
RESERVED = {"env", "boot", "done"}   # words the "# bench" lines use
KTESTS = ("bench", "bench_quick")
VARIANTS = ("aot_gcc", "aot_qbe", "jit_off", "jit_on")
JITS = {"jit_off": "off", "jit_on": "on"}   # JIT variant -> suffix of its compile figures
RATIOS = (("jit_off", "aot_gcc"), ("jit_on", "aot_gcc"), ("jit_off", "aot_qbe"),
          ("jit_on", "aot_qbe"), ("jit_on", "jit_off"), ("aot_qbe", "aot_gcc"))
REQUIREMENT = 2.0               # jit no more than 2x slower than AOT (gcc -O2)
GOALS = (1.5, 1.25)             # per program (recursive fib) and geomean, jit_on / aot_gcc

SIZE_RE = re.compile(r"^#\s*bench\s+n=(\d+)\s+quick=(\d+)\s*$", re.M)
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# IL definitions whose names are global symbols: functions and data.
DEFINE_RE = re.compile(r"^\s*(?:export\s+)?(?:thread\s+)?(?:function|data)\b[^$\n]*"
                       r"\$([A-Za-z_.][\w.]*)", re.M)
LINE_RE = re.compile(rf"^{protocol.BENCH_PREFIX} (\S+)((?: [a-z_]+=\S+)*)\s*$")
PAIR_RE = re.compile(r"([a-z_]+)=(\S+)")


# -- the programs -------------------------------------------------------------

@dataclass(frozen=True)
class Program:
    name: str
    il: Path
    twin: Path
    n: int
    n_quick: int
    lines: int          # lines of IL proper: no blanks, no comments

    @property
    def symbol(self) -> str:
        return f"bench_{self.name}"


def programs(root: Path = ROOT) -> list[Program]:
    """The benchmark programs of tests/bench/, checked, in name order."""
    found = []
    for il in sorted((root / BENCH_DIR).glob("*.ssa")):
        found.append(_program(il, root))
    if not found:
        raise JitbootError(f"{BENCH_DIR}: no benchmark programs (NAME.ssa + NAME.c)")
    return found


def _program(il: Path, root: Path) -> Program:
    where = toolchain.rel(il, root)
    name = il.stem
    if not NAME_RE.fullmatch(name) or name in RESERVED:
        raise JitbootError(f"{where}: program name {name!r} must match [a-z][a-z0-9_]* "
                           f"and not be one of {', '.join(sorted(RESERVED))}")
    text = il.read_text(encoding="utf-8")
    twin = il.with_suffix(".c")
    if not twin.is_file():
        raise JitbootError(f"{where}: no C twin {toolchain.rel(twin, root)}: each program "
                           f"needs one defining long c_{name}(long n)")
    size = SIZE_RE.search(text)
    if not size:
        raise JitbootError(f"{where}:1: no problem sizes: add a line '# bench n=N quick=M'")
    symbol = f"bench_{name}"
    if not re.search(rf"^\s*export\s+function\s+l\s+\${symbol}\s*\(\s*l\s+%\w+\s*\)",
                     text, re.M):
        raise JitbootError(f"{where}: must define export function l ${symbol}(l %n)")
    if not re.search(rf"^long\s+c_{name}\s*\(\s*long\s+\w+\s*\)", twin.read_text(), re.M):
        raise JitbootError(f"{toolchain.rel(twin, root)}: must define long c_{name}(long n)")
    lines = sum(1 for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
    return Program(name, il, twin, int(size.group(1)), int(size.group(2)), lines)


def rename_defined(text: str, prefix: str = AOT_PREFIX) -> str:
    """The IL with every function and data it defines renamed prefix+name
    (uses included), so a program links next to its C twin and the other
    programs; what it only calls (malloc, memset ...) keeps its name."""
    names = set(DEFINE_RE.findall(text))
    if not names:
        return text
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.sub(rf"\$({alt})(?![\w.])", lambda m: f"${prefix}{m.group(1)}", text)


# -- generation ---------------------------------------------------------------

def qbe_assembly(qbe: Path, prog: Program, root: Path = ROOT) -> str:
    """Stock QBE's amd64 assembly for the renamed IL of prog."""
    where = toolchain.rel(prog.il, root)
    with tempfile.TemporaryDirectory(prefix="jitboot-bench-") as tmp:
        src = Path(tmp) / prog.il.name
        src.write_text(rename_defined(prog.il.read_text(encoding="utf-8")), encoding="utf-8")
        try:
            proc = subprocess.run([str(qbe), "-t", QBE_TARGET, str(src)],
                                  capture_output=True, text=True)
        except OSError as e:
            raise JitbootError(f"cannot run {qbe}: {e.strerror} (build it with `doit host`)") \
                from None
    if proc.returncode != 0:
        message = proc.stderr.strip().replace(str(src), where)
        raise JitbootError(f"{where}: stock QBE rejects it: {message}")
    return proc.stdout


def table_source(progs: list[Program], root: Path = ROOT) -> str:
    """C source of bench_progs[] (struct bench_prog in jit/bench.h)."""
    out = ["/* bench_progs.c - generated by jitboot/bench.py from tests/bench/: do not edit.",
           " * The IL text of each program for the JIT, and its two AOT variants. */",
           '#include "bench.h"', ""]
    for p in progs:
        out.append(f"long c_{p.name}(long n);")
        out.append(f"long {AOT_PREFIX}{p.symbol}(long n);")
    for p in progs:
        out += ["", f"/* {toolchain.rel(p.il, root)} */", f"static const char il_{p.name}[] ="]
        lines = p.il.read_text(encoding="utf-8").splitlines(keepends=True)
        out += [f"\t{c_string(line)}" for line in lines]
        out[-1] += ";"
    out += ["", "const struct bench_prog bench_progs[] = {"]
    for p in progs:
        out.append(f'\t{{ "{p.name}", il_{p.name}, sizeof il_{p.name} - 1, {p.lines},'
                   f" c_{p.name}, {AOT_PREFIX}{p.symbol}, {p.n}L, {p.n_quick}L }},")
    out += ["\t{ 0 }", "};", ""]
    return "\n".join(out)


def c_string(s: str) -> str:
    """s as a C string literal (ASCII; other bytes as three-digit octal
    escapes, which, unlike hex ones, cannot swallow a following digit)."""
    special = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
    body = []
    for b in s.encode("utf-8"):
        c = chr(b)
        if c in special:
            body.append(special[c])
        elif 32 <= b < 127:
            body.append(c)
        else:
            body.append(f"\\{b:03o}")
    return '"' + "".join(body) + '"'


def generated_files(out: Path, root: Path = ROOT) -> list[Path]:
    """What generate(out) writes."""
    return [out / TABLE] + [out / ASM_DIR / f"{p.name}.S" for p in programs(root)]


def generate(out: Path, qbe: Path, root: Path = ROOT) -> list[Path]:
    """Write the table and QBE's assembly of every program under out."""
    from .render import write_if_changed
    progs = programs(root)
    for p in progs:
        header = (f"/* generated by jitboot/bench.py: {toolchain.rel(p.il, root)} through "
                  f"stock QBE -t {QBE_TARGET},\n * its symbols renamed {AOT_PREFIX}NAME. */\n")
        write_if_changed(out / ASM_DIR / f"{p.name}.S", header + qbe_assembly(qbe, p, root))
    write_if_changed(out / TABLE, table_source(progs, root))
    return generated_files(out, root)


def generate_for_image(image, root: Path = ROOT) -> None:
    """The bench_gen task: the kernel's table and QBE's assembly (the qbe
    program, built by its own task, makes the assembly)."""
    from .build import program_output
    generate(image.gen, program_output("qbe-stock", root), root)


# -- the host twin ------------------------------------------------------------

def build_jitbench(root: Path = ROOT) -> Path:
    """build/host/jitbench: the JIT, the table, the twins (host gcc -O2)
    and QBE's assembly in one Linux program (the jitbench task)."""
    from .build import build_programs
    return build_programs(["jitbench"], root)["jitbench"]


def run_host(root: Path = ROOT, quick: bool = False, names: list[str] = (),
             runs: int | None = None, build: bool = True,
             passes: str | None = None) -> "Figures":
    """Run jitbench (built first unless build is False), with passes as
    jit_on's passes (default all); its figures."""
    from .build import program_output
    tool = build_jitbench(root) if build else program_output("jitbench", root)
    cmd = [str(tool)] + (["--quick"] if quick else []) + \
        (["--runs", str(runs)] if runs else []) + \
        (["--passes", passes] if passes else []) + list(names)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = proc.stdout.splitlines()
    figures = parse_lines([ln[2:] for ln in out if ln.startswith("# ")])
    figures.disagreements = [f"host: {ln[len('not ok '):]}" for ln in out
                             if ln.startswith("not ok ")]
    figures.checks = [ln[len("ok "):] for ln in out if ln.startswith("ok ")]
    if proc.returncode not in (0, 1) or not figures.programs:
        raise JitbootError(f"{toolchain.rel(tool, root)} failed (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-500:]}")
    return figures


# -- the figures --------------------------------------------------------------

@dataclass
class Result:
    """One program's line: cycles of each variant, compile cycles of each
    JIT variant, results."""
    name: str
    n: int
    cycles: dict[str, int]
    compile: dict[str, int]         # "off"/"on" -> cycles
    lines: int
    result: int
    jit_failed: bool = False

    def ratio(self, a: str, b: str) -> float | None:
        if self.jit_failed and (a in JITS or b in JITS):
            return None
        return self.cycles[a] / self.cycles[b] if self.cycles[b] else None


def ratio_key(a: str, b: str) -> str:
    return f"{a}_vs_{b}"


@dataclass
class Figures:
    """Everything one run (kernel or host) printed."""
    programs: list[Result] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    boot: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)     # the checks that passed

    @property
    def tsc_hz(self) -> int:
        return int(self.env.get("tsc_hz", 0))


def parse_lines(lines: list[str]) -> Figures:
    """Figures from "bench ..." lines (diagnostics without their '# ')."""
    fig = Figures()
    for line in lines:
        m = LINE_RE.match(line.strip())
        if not m:
            continue
        what, pairs = m.group(1), dict(PAIR_RE.findall(m.group(2)))
        if what == "env":
            fig.env.update(pairs)
        elif what in ("boot", "done"):
            getattr(fig, what).update({k: int(v) for k, v in pairs.items()})
        else:
            try:
                fig.programs.append(Result(
                    name=what, n=int(pairs["n"]),
                    cycles={v: int(pairs[v]) for v in VARIANTS},
                    compile={k: int(pairs[f"compile_{k}"]) for k in JITS.values()},
                    lines=int(pairs["lines"]),
                    result=int(pairs["result"]), jit_failed="jit_failed" in pairs))
            except (KeyError, ValueError):
                raise JitbootError(f"malformed benchmark line: {line!r}") from None
    return fig


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def summarize(fig: Figures) -> dict:
    """JSON-ready figures of one run, with ratios and their geometric
    means (shape in the module docstring)."""
    hz = fig.tsc_hz
    progs = {}
    for r in fig.programs:
        entry = {"n": r.n, "il_lines": r.lines, "result": r.result,
                 "jit_failed": r.jit_failed,
                 **{f"{v}_cycles": r.cycles[v] for v in VARIANTS},
                 **{f"compile_{k}_cycles": r.compile[k] for k in JITS.values()},
                 **{ratio_key(a, b): r.ratio(a, b) for a, b in RATIOS}}
        if hz:
            entry.update({f"{v}_ms": r.cycles[v] * 1e3 / hz for v in VARIANTS})
            for k, c in r.compile.items():
                entry[f"compile_{k}_us"] = c * 1e6 / hz
                entry[f"il_lines_per_s_{k}"] = r.lines * hz / c if c else None
        progs[r.name] = entry
    means = {ratio_key(a, b): geomean([p[ratio_key(a, b)] for p in progs.values()])
             for a, b in RATIOS}
    return {"tsc_hz": hz, "passes_on": fig.env.get("passes_on"), "programs": progs,
            "geomean": means, "disagreements": fig.disagreements}


# -- the kernel run -----------------------------------------------------------

@dataclass
class KernelRun:
    figures: Figures
    accel: str
    outcome: str
    reason: str
    qemu_start_to_ktap_s: float | None
    run_s: float
    serial_log: Path


def run_kernel(image) -> KernelRun:
    """Boot a built bench image (its -kernel ELF32) and read its figures."""
    from . import ktap, qemu, runner
    tests = [t for t in image.recipe.tests if t in KTESTS]
    if not tests:
        raise JitbootError(f"{toolchain.rel(image.recipe.path)}: [run] tests lists neither "
                           f"{' nor '.join(KTESTS)}: nothing to benchmark")
    serial = image.log_dir / "bench" / "serial.log"
    serial.unlink(missing_ok=True)     # the watcher must not see an old run
    watch = _FirstLine(serial, b"KTAP version 1")
    watch.start()
    try:
        result = runner.boot(image, "kernel", tag="bench")
    finally:
        watch.stop()
    test = next((t for t in result.ktap.tests if t.name in KTESTS), None)
    fig = parse_lines(test.diagnostics if test else [])
    fig.disagreements = [f"{c.name}{' # ' + c.reason if c.reason else ''}"
                         for c in (test.subtests if test else [])
                         if c.status == ktap.Status.NOT_OK]
    fig.checks = [c.name for c in (test.subtests if test else []) if c.status == ktap.Status.OK]
    if result.outcome != qemu.Outcome.PASS and not fig.disagreements:
        fig.disagreements.append(f"the kernel run ended in {result.outcome.value}: "
                                 f"{result.reason}")
    return KernelRun(fig, result.accel, result.outcome.value, result.reason,
                     watch.elapsed, result.duration, result.serial_log)


class _FirstLine:
    """Seconds from start() until `needle` appears in a file QEMU writes,
    watched from a thread while the main thread runs QEMU."""

    POLL = 0.002

    def __init__(self, path: Path, needle: bytes):
        self.path, self.needle = path, needle
        self.elapsed: float | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.is_set():
            try:
                if self.needle in self.path.read_bytes():
                    self.elapsed = time.monotonic() - self._t0
                    return
            except OSError:
                pass
            time.sleep(self.POLL)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


# -- build times --------------------------------------------------------------


def measure_builds(root: Path = ROOT, image: str = "default") -> dict:
    """Wall time of a clean `doit image` and of a no-op one, in a scratch
    copy of the project (so the real build/ is left alone).  QBE's
    sources are copied in already fetched: no download is timed."""
    with tempfile.TemporaryDirectory(prefix="jitboot-buildtime-") as tmp:
        copy = build.copy_sources(Path(tmp) / "jitboot", root)
        times = {}
        for kind in ("clean_s", "noop_s"):
            t0 = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(copy / "dodo.py"),
                                   "-d", str(copy), "image", f"image={image}"],
                                  capture_output=True, text=True, cwd=copy)
            times[kind] = time.monotonic() - t0
            if proc.returncode != 0:
                tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
                raise JitbootError(f"timing `doit image image={image}` failed:\n{tail}")
    return {"image": image, **times, "jobs": 1,
            "note": "QBE sources already fetched; doit runs one job at a time"}


# -- environment --------------------------------------------------------------

def environment(accel: str | None) -> dict:
    def first(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
        except OSError:
            return "unknown"
        return out.splitlines()[0].strip() if out else "unknown"
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"accel": accel, "cpu": cpu, "cpus": os.cpu_count(),
            "guest_cpu": {"kvm": "host (-cpu host)", "tcg": "max (emulated)"}.get(accel or ""),
            "kernel": platform.release(), "python": platform.python_version(),
            "gcc": first(["gcc", "--version"]), "qemu": first(["qemu-system-x86_64", "--version"]),
            "qbe": f"qbepy sdist (see jitboot/qbe.py), unpatched (build/qbe-stock), -t {QBE_TARGET}",
            "aot_gcc_flags": "kernel: " + " ".join(toolchain.KERNEL_CFLAGS)
                             + "; host: gcc -std=gnu11 -O2 -fno-omit-frame-pointer"}


# -- report -------------------------------------------------------------------

def _fmt_ratio(x: float | None) -> str:
    return f"{x:.2f}x" if x else "-"


TABLE_RATIOS = (("jit_off", "aot_gcc", "off/gcc"), ("jit_on", "aot_gcc", "on/gcc"),
                ("jit_on", "aot_qbe", "on/qbe"))


def table(title: str, summary: dict) -> str:
    """One run as a table: times, the ratios that matter, compile speed."""
    hz = summary["tsc_hz"]
    unit = "ms" if hz else "Mcycles"
    head = (f"{'program':<12}{'n':>10}" + "".join(f"{v:>10}" for v in VARIANTS)
            + "".join(f"{label:>8}" for _, _, label in TABLE_RATIOS)
            + f"{'compile off/on':>17}{'IL lines/s on':>15}")
    out = [f"{title}: times in {unit} (best of several runs), compile in "
           f"{'us' if hz else 'cycles'}; jit_on has our passes "
           f"{summary.get('passes_on') or '?'}", head, "-" * len(head)]
    for name, p in summary["programs"].items():
        times = "".join(f"{p[f'{v}_ms'] if hz else p[f'{v}_cycles'] / 1e6:>10.2f}"
                        for v in VARIANTS)
        ratios = "".join(f"{_fmt_ratio(p[ratio_key(a, b)]):>8}" for a, b, _ in TABLE_RATIOS)
        comp = [f"{p[f'compile_{k}_us']:.0f}" if hz else str(p[f"compile_{k}_cycles"])
                for k in JITS.values()]
        lps = p.get("il_lines_per_s_on")
        out.append(f"{name:<12}{p['n']:>10}{times}{ratios}{' / '.join(comp):>17}"
                   f"{f'{lps:,.0f}' if lps else '-':>15}")
    g = summary["geomean"]
    out.append(f"{'geomean':<12}{'':>{10 + 10 * len(VARIANTS)}}"
               + "".join(f"{_fmt_ratio(g[ratio_key(a, b)]):>8}" for a, b, _ in TABLE_RATIOS))
    for v in ("jit_on", "jit_off"):
        out.append(verdict(summary, v))
    return "\n".join(out)


def verdict(summary: dict, variant: str) -> str:
    """How variant/aot_gcc stands against the requirement and the goals."""
    key = ratio_key(variant, "aot_gcc")
    ratios = [p[key] for p in summary["programs"].values()]
    count = lambda limit: sum(1 for r in ratios if r and r <= limit)     # noqa: E731
    mean = summary["geomean"][key]
    goal = GOALS[1]
    met = "met" if mean and mean <= goal else "not met"
    return (f"{variant}/aot_gcc: within {REQUIREMENT:g}x (requirement) {count(REQUIREMENT)}/"
            f"{len(ratios)} programs, within {GOALS[0]:g}x {count(GOALS[0])}/{len(ratios)}; "
            f"geomean {_fmt_ratio(mean)} (goal {goal:g}x: {met})")


CHART_SERIES = (   # environment, variant, colour
    ("kernel", "jit_off", "#f1948a"), ("kernel", "jit_on", "#c0392b"),
    ("host", "jit_off", "#85c1e9"), ("host", "jit_on", "#1f618d"))
GEOMEAN_ROW = "geomean"


def chart_svg(report: dict) -> str:
    """Horizontal bars of jit/aot_gcc per program and their geometric
    mean, our passes off and on, in the kernel and on the host, against
    the 1x line, the 2x requirement and the goals."""
    series = [s for s in CHART_SERIES if report.get(s[0])]
    names = list(next(report[s[0]] for s in series)["programs"]) if series else []
    rows = names + [GEOMEAN_ROW] if names else []

    def value(where: str, variant: str, row: str) -> float:
        key = ratio_key(variant, "aot_gcc")
        run = report[where]
        v = run["geomean"].get(key) if row == GEOMEAN_ROW else \
            run["programs"].get(row, {}).get(key)
        return v or 0

    values = [value(w, v, r) for r in rows for w, v, _ in series]
    top = max([math.ceil(REQUIREMENT) + 1] + [math.ceil(v) for v in values])
    bar, gap, left, width = 10, 14, 110, 560
    group = bar * len(series) + gap
    y0 = 66
    bottom = y0 + group * len(rows)
    height = bottom + 40 + 20 * (len(series) + 2)
    x = lambda v: left + width * v / top      # noqa: E731
    env = report["environment"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" '
           f'height="{height}" font-family="sans-serif" font-size="12">',
           '<text x="10" y="20" font-size="15">jitboot: JIT-compiled code / gcc -O2, '
           'our IL passes off and on (time ratio, lower is better)</text>',
           f'<text x="10" y="38" fill="#555">{_xml(env.get("cpu", ""))}; kernel under '
           f'{(env.get("accel") or "?").upper()}'
           f'{" (emulated: kernel figures are not native speed)" if env.get("emulated") else ""}'
           f'</text>']
    for v in range(top + 1):
        req = v == REQUIREMENT
        style = 'stroke="#c00" stroke-dasharray="4,3"' if req else 'stroke="#bbb"'
        out.append(f'<line x1="{x(v):.1f}" y1="{y0}" x2="{x(v):.1f}" y2="{bottom}" {style}/>')
        out.append(f'<text x="{x(v):.1f}" y="{bottom + 14}" text-anchor="middle">'
                   f'{v}x{" (requirement)" if req else ""}</text>')
    for g in GOALS:
        out.append(f'<line x1="{x(g):.1f}" y1="{y0 - 4}" x2="{x(g):.1f}" y2="{bottom}" '
                   f'stroke="#1e8449" stroke-dasharray="2,2"/>')
        out.append(f'<text x="{x(g):.1f}" y="{y0 - 8}" text-anchor="middle" font-size="10" '
                   f'fill="#1e8449">{g:g}x</text>')
    for i, row in enumerate(rows):
        gy = y0 + i * group + gap / 2
        weight = ' font-weight="bold"' if row == GEOMEAN_ROW else ""
        out.append(f'<text x="{left - 6}" y="{gy + bar * len(series) / 2 + 4:.1f}" '
                   f'text-anchor="end"{weight}>{_xml(row)}</text>')
        for j, (where, variant, color) in enumerate(series):
            v = value(where, variant, row)
            label = f"{where}: {variant} / aot_gcc"
            out.append(f'<rect x="{left}" y="{gy + j * bar:.1f}" width="{x(v) - left:.1f}" '
                       f'height="{bar - 1}" fill="{color}"><title>{row}, {label}: '
                       f'{v:.2f}x</title></rect>')
            out.append(f'<text x="{x(v) + 3:.1f}" y="{gy + j * bar + bar - 2:.1f}" '
                       f'font-size="9">{v:.2f}</text>')
    ly = bottom + 30
    passes = {w: report[w].get("passes_on") or "all" for w, _, _ in series}
    for j, (where, variant, color) in enumerate(series):
        what = "plain QBE" if variant == "jit_off" else f"passes {passes[where]}"
        out.append(f'<rect x="{left}" y="{ly + j * 20}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{left + 18}" y="{ly + j * 20 + 10}">{where}: {variant} '
                   f'({_xml(what)}) / aot_gcc</text>')
    ly += 20 * len(series)
    out.append(f'<line x1="{left}" y1="{ly + 6}" x2="{left + 12}" y2="{ly + 6}" stroke="#c00" '
               f'stroke-dasharray="4,3"/>')
    out.append(f'<text x="{left + 18}" y="{ly + 10}">requirement: at most {REQUIREMENT:g}x '
               f'slower than gcc -O2</text>')
    out.append(f'<line x1="{left}" y1="{ly + 26}" x2="{left + 12}" y2="{ly + 26}" '
               f'stroke="#1e8449" stroke-dasharray="2,2"/>')
    out.append(f'<text x="{left + 18}" y="{ly + 30}">goals: {GOALS[0]:g}x (recursive fib), '
               f'{GOALS[1]:g}x (geomean)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run_benchmark(recipe=None, root: Path = ROOT, builds: bool = True,
                  real_programs: bool = True) -> dict:
    """`doit bench`: boot the bench image, run the host twin, time the
    builds, run the real-program benchmark (jitboot/cbench.py, its own
    build/cbench.json too); print the tables, write build/bench.json and
    .svg.  The bench task's dependencies built the image, jitbench, jitrun
    and qbe-stock; called without a bench recipe (from Python), it builds
    the image and jitbench first."""
    from .build import build_image, image_for
    if recipe is not None and recipe.bench:
        image = image_for(recipe, root)
        built = True
    else:
        image = build_image("bench", root)
        built = False
    kernel = run_kernel(image)
    host = run_host(root, quick="bench_quick" in image.recipe.tests, build=not built)
    report = {
        "environment": {**environment(kernel.accel), "image": image.name,
                        "emulated": kernel.accel == "tcg", "why_not_kvm": _why_not_kvm(kernel)},
        "kernel": summarize(kernel.figures),
        "host": summarize(host),
        "boot": {"qemu_start_to_first_ktap_line_s": kernel.qemu_start_to_ktap_s,
                 "qemu_run_s": kernel.run_s, **kernel.figures.boot,
                 "tsc_hz": kernel.figures.tsc_hz},
    }
    boot, hz = report["boot"], kernel.figures.tsc_hz
    for key in ("reset_to_entry", "entry_to_tests", "reset_to_tests"):
        if key in boot and hz:
            boot[f"{key}_ms"] = boot[key] * 1e3 / hz
    if builds:
        report["build"] = measure_builds(root)
    if real_programs:
        from . import cbench
        print("real-program benchmark (tests/cbench, host):", flush=True)
        report["real_programs"] = cbench.run(root)
    from .paths import build_dir
    out = build_dir(root)
    out.mkdir(parents=True, exist_ok=True)
    from .render import write_if_changed      # atomic: never a half-written report
    write_if_changed(out / "bench.json", json.dumps(report, indent=2) + "\n")
    write_if_changed(out / "bench.svg", chart_svg(report))
    print(render_text(report), flush=True)
    print(f"figures: {toolchain.rel(out / 'bench.json', root)}, chart: "
          f"{toolchain.rel(out / 'bench.svg', root)}")
    bad = report["kernel"]["disagreements"] + report["host"]["disagreements"]
    if bad:
        raise JitbootError(f"benchmark variants disagree or failed: {'; '.join(bad)}")
    return report


def _why_not_kvm(kernel: KernelRun) -> str | None:
    from . import qemu
    if kernel.accel == "kvm":
        return None
    problem = getattr(qemu, "kvm_problem", None)    # the harness's diagnosis, if it has one
    return (problem() if problem else None) or "the recipe asked for TCG"


def render_text(report: dict) -> str:
    env = report["environment"]
    accel = (env.get("accel") or "?").upper()
    lines = [f"machine: {env['cpu']} ({env['cpus']} CPUs), Linux {env['kernel']}, {env['gcc']}",
             f"kernel bench under {accel}" + (f": emulation ({env.get('why_not_kvm')}), so "
                                              "kernel figures are not native speed"
                                              if env.get("emulated") else
                                              " (hardware virtualization)"),
             "", table(f"in the kernel ({accel})", report["kernel"]), "",
             table("on the host (native Linux)", report["host"])]
    b = report["boot"]
    lines.append("")
    parts = []
    if b.get("qemu_start_to_first_ktap_line_s") is not None:
        parts.append(f"QEMU start to first KTAP line {b['qemu_start_to_first_ktap_line_s']:.3f} s")
    for key, label in (("entry_to_tests_ms", "kernel entry to tests"),
                       ("reset_to_tests_ms", "CPU reset to tests (firmware included)")):
        if key in b:
            parts.append(f"{label} {b[key]:.1f} ms")
    lines.append("boot: " + "; ".join(parts))
    if "build" in report:
        bt = report["build"]
        lines.append(f"build (doit image image={bt['image']}, -j1): clean {bt['clean_s']:.1f} s,"
                     f" no-op {bt['noop_s']:.2f} s")
    return "\n".join(lines)
