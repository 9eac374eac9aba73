"""Running the benchmark: the host twin (jitbench), the bench image in QEMU, build times, the machine; the figures they print."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import ROOT, build, toolchain
from ..errors import JitbootError

if TYPE_CHECKING:
    from ..build import Image

from .programs import JITS, KTESTS, LINE_RE, PAIR_RE, RATIOS, VARIANTS


def build_jitbench(root: Path = ROOT) -> Path:
    """build/host/jitbench: the JIT, the table, the twins (host gcc -O2)
    and QBE's assembly in one Linux program (the jitbench task)."""
    from ..build import build_programs
    return build_programs(["jitbench"], root)["jitbench"]


def run_host(root: Path = ROOT, quick: bool = False, names: tuple[str, ...] | list[str] = (),
             runs: int | None = None, build: bool = True,
             passes: str | None = None) -> "Figures":
    """Run jitbench (built first unless build is False), with passes as
    jit_on's passes (default all); its figures."""
    from ..build import program_output
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


def geomean(values: Sequence[float | None]) -> float | None:
    """Geometric mean of the figures there are: None (a variant that
    failed), zero, negative and non-finite values are left out."""
    have = [v for v in values if v and v > 0 and math.isfinite(v)]
    return math.exp(sum(math.log(v) for v in have) / len(have)) if have else None


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


@dataclass
class KernelRun:
    figures: Figures
    accel: str
    outcome: str
    reason: str
    qemu_start_to_ktap_s: float | None
    run_s: float
    serial_log: Path


def run_kernel(image: "Image") -> KernelRun:
    """Boot a built bench image (its -kernel ELF32) and read its figures."""
    from .. import ktap, qemu, runner
    tests = [t for t in image.recipe.tests if t in KTESTS]
    if not tests:
        raise JitbootError(f"{toolchain.rel(image.recipe.path)}: [run] tests lists neither "
                           f"{' nor '.join(KTESTS)}: nothing to benchmark")
    # the run's own log directory is made by runner.boot, which points
    # logs/bench/latest at it: the watcher follows that link, removed
    # first so it cannot see an old run
    latest = image.log_dir / "bench" / "latest"
    latest.unlink(missing_ok=True)
    watch = _FirstLine(latest / "serial.log", b"KTAP version 1")
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


def environment(accel: str | None, arch_name: str = "x86_64") -> dict:
    """The machine and tools behind a run's figures; arch_name is the
    image's architecture (its emulator, guest CPU, QBE target, flags)."""
    from .. import arch as arches
    target = arches.get(arch_name)
    def first(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
        except OSError:
            return "unknown"
        return out.splitlines()[0].strip() if out else "unknown"
    from ..cbench import cpu_model      # cbench imports this module
    cpu = cpu_model()
    native = arch_name == arches.HOST
    guest = {"kvm": "host (-cpu host)", "tcg": "max (emulated)"} if native else \
        {"tcg": "cortex-a72 (emulated)"}
    kernel_flags = toolchain.PROFILES[toolchain.KERNEL_PROFILE[arch_name]].cflags
    return {"accel": accel, "cpu": cpu, "cpus": os.cpu_count(), "arch": arch_name,
            "guest_cpu": guest.get(accel or ""),
            "kernel": platform.release(), "python": platform.python_version(),
            "gcc": first([arches.tool(target, "gcc") if not native else "gcc", "--version"]),
            "qemu": first([target.qemu_system, "--version"]),
            "qbe": f"qbepy sdist (see jitboot/qbe.py), unpatched (build/qbe-stock), "
                   f"-t {target.qbe_target}",
            "aot_gcc_flags": "kernel: " + " ".join(kernel_flags)
                             + ("; host: gcc -std=gnu11 -O2 -fno-omit-frame-pointer" if native else "")}
