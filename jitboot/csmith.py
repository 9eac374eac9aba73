"""Differential testing of the C front door with random programs.

csmith (Debian's `csmith` and `libcsmith-dev`) writes a random C program
that prints a checksum of its globals.  Each seed is built natively with
gcc -O2 (the reference) and translated at clang -O0 and -O2 then run by
the JIT (build/host/jitrun) with our passes on and off; every JIT run must
print what gcc's program printed.  timed() runs seeds until a deadline
(the campaign's C target, jitboot/fuzz.py).

A seed whose native program does not finish in time, or crashes, has no
reference and is skipped (csmith programs may loop for a long time).  A
mismatch or a JIT run that fails is a finding; a translation refused
with "... is not supported" (integers wider than 64 bits from packed
bit-fields, for one) is counted apart.  Either program is kept in the output directory as seedN.c with seedN.sh, an
interestingness test for `cvise seedN.sh seedN.c` (Debian's `cvise`),
which keeps the program a mismatch while it shrinks it.  Generated
programs are never committed: a finding is rewritten by hand as a small
program of our own in tests/c/.

The test suite runs a few fixed seeds (tests/test_llvm.py); `doit csmith
seeds=N start=S` runs a long round on demand.
"""

from __future__ import annotations

import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from jitboot import llvm
from jitboot.errors import JitbootError

INCLUDE = Path("/usr/include/csmith")
LEVELS = ("-O0", "-O2")
PASSES = ("all", "none")         # jitrun --passes=: ours on, and off
# Native and JIT runs of one program; csmith's programs that finish at all
# finish in well under a second natively.
TIMEOUT = 10.0


@dataclass
class Outcome:
    """What one seed gave: a verdict and, for findings, why."""
    seed: int
    verdict: str                      # "agree", "skipped", "refused" or "finding"
    why: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


def available() -> str | None:
    """None when csmith can run here, else what to install."""
    if shutil.which("csmith") is None or not INCLUDE.is_dir():
        return "csmith and its headers are not installed: apt-get install csmith libcsmith-dev"
    return None


def _run(cmd: list[str]) -> tuple[str, str]:
    """(status, output): status "ok", "timeout" or "exit N"."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    return ("ok" if r.returncode == 0 else f"exit {r.returncode}"), r.stdout + r.stderr


def generate(seed: int, path: Path) -> None:
    r = subprocess.run(["csmith", "--seed", str(seed), "-o", str(path)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise JitbootError(f"csmith --seed {seed}: {r.stderr.strip() or 'failed'}")


def check_seed(seed: int, workdir: Path, jitrun: Path, src: Path | None = None) -> Outcome:
    """Generate (unless src is given), build and compare one program."""
    workdir.mkdir(parents=True, exist_ok=True)
    if src is None:
        src = workdir / f"seed{seed}.c"
        generate(seed, src)
    exe = workdir / f"seed{seed}.gcc"
    r = subprocess.run(["gcc", "-O2", "-w", f"-I{INCLUDE}", str(src), "-o", str(exe)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return Outcome(seed, "skipped", "gcc cannot compile it")
    status, ref = _run([str(exe)])
    if status != "ok":
        return Outcome(seed, "skipped", f"the native program's {status}")
    out = Outcome(seed, "agree", outputs={"gcc": ref})
    for opt in LEVELS:
        try:
            il = llvm.translate(llvm.compile_c(src, opt, cflags=[f"-I{INCLUDE}", "-w"]),
                                str(src))
        except JitbootError as e:
            first = str(e).splitlines()[0]
            # a construct the translator refuses by design (wide integers of
            # bit-fields, long double...) is not a miscompile
            verdict = "refused" if " is not supported" in first else "finding"
            return Outcome(seed, verdict, f"{opt}: {first}", out.outputs)
        ssa = workdir / f"seed{seed}{opt}.ssa"
        ssa.write_text(il)
        # the JIT with our passes and without: both must print gcc's output
        for passes in PASSES:
            key = f"{opt} --passes={passes}"
            status, got = _run([str(jitrun), f"--passes={passes}", str(ssa)])
            out.outputs[key] = got
            if status != "ok":
                return Outcome(seed, "finding", f"{key}: the JIT run's {status}", out.outputs)
            if got != ref:
                return Outcome(seed, "finding",
                               f"{key}: prints {_first(got)!r}, gcc {_first(ref)!r}", out.outputs)
    return out


def _first(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def interestingness(src: Path, jitrun: Path, opt: str, passes: str = "all") -> str:
    """A cvise test script: true while gcc's program finishes and the JIT
    (at opt) prints something else. It runs in cvise's scratch directory,
    on the file named like src."""
    name = shlex.quote(src.name)
    front = shlex.quote(sys.executable)
    return f"""#!/bin/sh
# cvise {src.stem}.sh {src.name}: keeps {src.name} a mismatch at {opt}
gcc -O2 -w -I{INCLUDE} {name} -o ref.exe 2>/dev/null || exit 1
timeout {TIMEOUT:g} ./ref.exe > ref.out 2>&1 || exit 1
{front} -m jitboot.llvm {opt} -I{INCLUDE} {name} -o jit.ssa 2>/dev/null || exit 1
timeout {TIMEOUT:g} {shlex.quote(str(jitrun))} --passes={passes} jit.ssa > jit.out 2>&1
! cmp -s ref.out jit.out
"""


def keep(outcome: Outcome, src: Path, jitrun: Path, findings: Path) -> Path:
    """Copy a finding's program to findings/ with its cvise script (a
    refused program without one: there is no mismatch to keep)."""
    findings.mkdir(parents=True, exist_ok=True)
    dest = findings / f"seed{outcome.seed}.c"
    shutil.copyfile(src, dest)
    if outcome.verdict != "finding":
        return dest
    key = outcome.why.split(":", 1)[0] if outcome.why.startswith("-O") else "-O0"
    opt, _, passes = key.partition(" --passes=")
    script = findings / f"seed{outcome.seed}.sh"
    script.write_text(interestingness(dest, jitrun, opt, passes or "all"))
    script.chmod(0o755)
    return dest


def _ready(jitrun: Path, outdir: Path) -> None:
    """Raise a JitbootError unless csmith and jitrun are there; make outdir."""
    problem = available()
    if problem:
        raise JitbootError(problem)
    if not jitrun.exists():
        raise JitbootError(f"{jitrun}: not built; run `doit jitrun` first")
    outdir.mkdir(parents=True, exist_ok=True)


def _one(seed: int, workdir: str, jitrun: str, findings: str) -> Outcome:
    """Check one seed in a scratch directory; keep it if it is a finding
    or refused."""
    with tempfile.TemporaryDirectory(dir=workdir, prefix=f"seed{seed}-") as tmp:
        out = check_seed(seed, Path(tmp), Path(jitrun))
        if out.verdict in ("finding", "refused"):
            keep(out, Path(tmp) / f"seed{seed}.c", Path(jitrun), Path(findings))
        return out


def campaign(seeds: range, jitrun: Path, outdir: Path, jobs: int = 2,
             echo: bool = True) -> list[Outcome]:
    """Check every seed, jobs at a time; findings go to outdir/findings."""
    _ready(jitrun, outdir)
    findings = outdir / "findings"
    results: list[Outcome] = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_one, s, str(outdir), str(jitrun), str(findings)) for s in seeds]
        for f in concurrent.futures.as_completed(futures):
            out = f.result()
            results.append(out)
            if echo and out.verdict != "agree":
                print(f"seed {out.seed}: {out.verdict}: {out.why}", flush=True)
    results.sort(key=lambda o: o.seed)
    return results


def summary(results: list[Outcome], outdir: Path) -> str:
    n = {v: sum(o.verdict == v for o in results)
         for v in ("agree", "skipped", "refused", "finding")}
    line = (f"csmith: {len(results)} seeds: {n['agree']} agree with gcc -O2 at -O0 and -O2, "
            f"{n['skipped']} skipped (no native reference), {n['refused']} refused "
            f"(a construct the translator does not support), {n['finding']} findings")
    if n["finding"] or n["refused"]:
        line += (f" in {outdir / 'findings'} (reduce one with `cvise seedN.sh seedN.c` "
                 f"in that directory)")
    return line


def run(root: Path, count: int, start: int, jobs: int) -> None:
    """doit csmith: the long round. Raises JitbootError on findings."""
    outdir = root / "build" / "csmith"
    jitrun = root / "build" / "host" / "jitrun"
    results = campaign(range(start, start + count), jitrun, outdir, jobs)
    line = summary(results, outdir)
    print(line)
    if any(o.verdict == "finding" for o in results):
        raise JitbootError(line)


def jobs_default() -> int:
    return max(1, len(os.sched_getaffinity(0)))


@dataclass
class Timed:
    """A time-bounded round (timed()): how many programs ran, how many
    were compared with gcc, skipped and refused ones by reason, findings."""
    programs: int = 0
    compared: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    skipped: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    findings: list[Outcome] = field(default_factory=list)
    next_seed: int = 1


def timed(seconds: float, jitrun: Path, outdir: Path, start: int = 1) -> Timed:
    """Seeds from `start`, one at a time, until `seconds` have gone (a
    program started before the deadline is finished).  Findings (and
    refused programs) are kept in outdir/findings."""
    _ready(jitrun, outdir)
    res = Timed(next_seed=start)
    t0, c0 = time.monotonic(), _children_cpu()
    while time.monotonic() - t0 < seconds:
        seed = res.next_seed
        res.next_seed += 1
        out = _one(seed, str(outdir), str(jitrun), str(outdir / "findings"))
        res.programs += 1
        if out.verdict == "skipped":
            res.skipped[out.why] = res.skipped.get(out.why, 0) + 1
        elif out.verdict == "refused":
            res.refused += 1
        else:
            res.compared += 1
            if out.verdict == "finding":
                res.findings.append(out)
    res.seconds = time.monotonic() - t0
    res.cpu_seconds = _children_cpu() - c0
    return res


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system + t.user + t.system
