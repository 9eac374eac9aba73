"""Fuzzing the JIT with libFuzzer, and the host twin under sanitizers.

build/host-asan/jitrun   jitrun built with clang-19 -fsanitize=address,undefined
build/fuzz/fuzz_jit      libFuzzer target: IL text through jit_compile
                         (QBE on the shim, assembler, loader)
build/fuzz/fuzz_asm      libFuzzer target: assembly text through
                         asm_assemble and jit_load
build/fuzz/fuzz_diff     libFuzzer target: IL compiled with our passes and
                         without, both mains run, outputs compared

All three are programs of the manifest (jitboot/components.py) built with
the asan toolchain profile, so they share one set of objects
(build/obj/asan/): the JIT sources compiled once with ASan, UBSan and
libFuzzer's edge counters (toolchain.FUZZ_COVERAGE, harmless outside a
fuzzer).  UBSan does not
recover: undefined behaviour aborts like a crash, so the fuzzer keeps it.

`doit fuzz` runs a target for a given time; the corpus it grows is kept
under build/fuzz/corpus/<target>/, seeded from tests/il (IL) or from the
assembly our JIT makes of tests/il (asm).  A crash, hang, leak or sanitizer
report is saved under build/fuzz/artifacts/<target>/ and fails the run; once
fixed, the input goes to tests/fuzz/regressions/<target>/, where
tests/test_fuzz.py replays it for ever.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jitboot import ROOT, build, paths, toolchain
from jitboot.cbench import cpu_model
from jitboot.errors import JitbootError

CC = toolchain.PROFILES["asan"].cc
TARGETS = ("jit", "asm", "diff")
# campaign targets: the libFuzzer ones and "c", csmith's programs through
# the C front door (jitboot/csmith.py, time-bounded), not in the default:
# it needs csmith and clang's front door and makes about a program a
# second, so it would take a share of time from the 10^7 executions
CAMPAIGN_TARGETS = TARGETS + ("c",)
# IL seeds of the differential target: programs of tests/il_gen.py
# (fully defined: every loop and recursion bounded, no traps)
GENERATED_SEEDS = 40
# seconds per input: QBE takes milliseconds, so this is a hang
INPUT_TIMEOUT = 10
# A fuzzer whose log and stage file (rewritten every 2 s of executions)
# stay unchanged this long is stuck, not slow: libFuzzer's own -timeout
# ends a slow input after INPUT_TIMEOUT, but not a process deadlocked in
# a sanitizer's report (a fault while reporting a fault).
STALL_SECONDS = 600
MAX_LEN = 16384
# quarantine_size_mb: ASan keeps freed memory unused until this much
# has been freed after it (256 MB by default); QBE frees a whole module's
# heap per input, so the default made every run grow to 400 MB of RSS
# and fault fresh pages in all along.  16 MB still holds several inputs'
# worth of frees.  detect_stack_use_after_return=0: the fake stacks it
# needs are swept on every longjmp (each rejected input takes one) and
# cost 45% of the executions; the sanitized jitrun (tests) keeps it.
ASAN_OPTIONS = ("detect_leaks=1:abort_on_error=0:allocator_may_return_null=1"
                ":quarantine_size_mb=16:detect_stack_use_after_return=0")


@dataclass
class FuzzResult:
    target: str
    seconds: float
    executions: int = 0
    coverage: int = 0           # libFuzzer "cov": edges reached
    features: int = 0           # libFuzzer "ft"
    corpus: int = 0             # inputs kept
    artifacts: list[Path] = field(default_factory=list)   # crash-*, leak-*, timeout-*
    log: Path | None = None
    # the target's own count of executions and of those reaching each
    # stage (jit/host/fuzz_stages.h), in the stages' order
    stage_executions: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0    # user + system time of the fuzzer process
    interrupted: bool = False   # stopped by SIGINT or SIGTERM before its time
    stalled: bool = False       # killed after STALL_SECONDS without progress
    # how the fuzzer ended when it ended early and saved no input
    # ("killed by signal 9", "exit status 1"), else ""
    died: str = ""

    def shares(self) -> dict[str, float]:
        """Each stage's share of the executions, 0..1."""
        n = self.stage_executions
        return {k: (v / n if n else 0.0) for k, v in self.stages.items()}

    def depth(self) -> str:
        """"parsed 12.0%, ssa 30.1%, ...": the shares reaching each stage."""
        return ", ".join(f"{k} {100 * v:.1f}%" for k, v in self.shares().items())

    def line(self) -> str:
        text = (f"fuzz {self.target}: {self.executions} executions in {self.seconds:.0f} s,"
                f" coverage {self.coverage} edges ({self.features} features),"
                f" corpus {self.corpus} inputs, {len(self.artifacts)} bugs found")
        return text + (f"; reaching {self.depth()}" if self.stages else "")


def read_stages(path: Path) -> tuple[int, dict[str, int]]:
    """A target's stage file (fuzz_stages.h): its executions and the
    count reaching each stage; (0, {}) when there is none."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return 0, {}
    counts: dict[str, int] = {}
    executions = 0
    for line in lines:
        key, _, value = line.partition(" ")
        if key == "target" or not value.isdigit():
            continue
        if key == "executions":
            executions = int(value)
        else:
            counts[key] = int(value)
    return executions, counts


@functools.cache
def require_clang() -> None:
    """Raise a JitbootError saying what to install unless clang can link a
    libFuzzer target with ASan and UBSan."""
    if not shutil.which(CC):
        raise JitbootError(f"{CC} not found: install it (apt-get install {CC}) to fuzz"
                           " or build the sanitized host twin")
    probe = paths.build_dir(ROOT) / "fuzz" / ".probe"
    probe.parent.mkdir(parents=True, exist_ok=True)
    src = probe.with_suffix(".c")
    src.write_text("#include <stdint.h>\n#include <stddef.h>\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)"
                   " { return 0; }\n")
    r = subprocess.run([CC, "-fsanitize=fuzzer,address,undefined", str(src), "-o", str(probe)],
                       capture_output=True, text=True)
    src.unlink(missing_ok=True)
    probe.unlink(missing_ok=True)
    if r.returncode != 0:
        first = (r.stderr.strip().splitlines() or ["?"])[0]
        raise JitbootError(f"{CC} cannot link a libFuzzer target ({first}): install its"
                           f" runtime: apt-get install libclang-rt-19-dev")


def build_asan_jitrun(root: Path = ROOT) -> Path:
    """build/host-asan/jitrun: jitrun under ASan and UBSan."""
    require_clang()
    return build.build_programs(["jitrun-asan"], root)["jitrun-asan"]


def build_fuzzers(root: Path = ROOT) -> dict[str, Path]:
    """build/fuzz/fuzz_jit, fuzz_asm and fuzz_diff.  Built, they let other
    builds go on: a doit fuzzing for hours releases its build lock (a
    later build, the coverage one, takes it again for itself)."""
    from jitboot import locks
    require_clang()
    got = build.build_programs([f"fuzz_{t}" for t in TARGETS], root)
    locks.release_build_lock()
    return {t: got[f"fuzz_{t}"] for t in TARGETS}


# -- seeds ----------------------------------------------------------------

def il_seeds(root: Path = ROOT) -> list[Path]:
    il = root / "tests" / "il"
    return [d for d in (il, il / "bad", il / "faults", root / "tests" / "bench",
                        root / "tests" / "fuzz" / "regressions" / "jit") if d.is_dir()]


def diff_seeds(root: Path = ROOT) -> list[Path]:
    """Programs with a main: tests/il's (not bad/ or faults/) and
    GENERATED_SEEDS of tests/il_gen.py's, copied once into
    build/fuzz/seeds/diff/ (libFuzzer reads a folder with its
    subfolders)."""
    import importlib.util
    dest = paths.build_dir(root) / "fuzz" / "seeds" / "diff"
    dest.mkdir(parents=True, exist_ok=True)
    for ssa in sorted((root / "tests" / "il").glob("*.ssa")):
        target = dest / ssa.name
        if not target.exists():
            shutil.copyfile(ssa, target)
    if not (dest / f"gen_{GENERATED_SEEDS - 1}.ssa").exists():
        spec = importlib.util.spec_from_file_location("il_gen", root / "tests" / "il_gen.py")
        assert spec and spec.loader
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        for i in range(GENERATED_SEEDS):
            (dest / f"gen_{i}.ssa").write_text(gen.generate(i))
    return [dest]


def seeds(target: str, root: Path = ROOT) -> list[Path]:
    """The folders a target's corpus starts from."""
    return {"jit": il_seeds, "asm": asm_seeds, "diff": diff_seeds}[target](root)


# Options of one target: the differential target's leak check is off,
# since a program stopped at its time limit inside qsort or strdup has
# left their memory behind (the compiles' leaks are fuzz_jit's to find).
TARGET_OPTIONS = {"diff": ["-detect_leaks=0"]}
DICTIONARY = {"jit": "jit.dict", "asm": "asm.dict", "diff": "jit.dict"}


def asm_seeds(root: Path = ROOT) -> list[Path]:
    """The assembly our JIT makes of every IL seed (written once into
    build/fuzz/seeds/asm/), plus the asm regressions."""
    jitrun = build_asan_jitrun(root)
    dest = paths.build_dir(root) / "fuzz" / "seeds" / "asm"
    dest.mkdir(parents=True, exist_ok=True)
    for d in il_seeds(root)[:1] + [root / "tests" / "bench"]:
        for ssa in sorted(d.glob("*.ssa")):
            s = dest / f"{d.name}__{ssa.stem}.s"
            if s.exists():
                continue
            r = subprocess.run([str(jitrun), "-S", str(ssa)], capture_output=True)
            if r.returncode == 0:
                s.write_bytes(r.stdout)
    regress = root / "tests" / "fuzz" / "regressions" / "asm"
    return [dest] + ([regress] if regress.is_dir() else [])


# -- running --------------------------------------------------------------

STATS_RE = re.compile(r"^#(\d+)\s+(?:DONE|pulse|NEW|REDUCE|INITED)\s+cov: (\d+) ft: (\d+)"
                      r"(?: corp: (\d+))?")
EXECS_RE = re.compile(r"^stat::number_of_executed_units: (\d+)")


def fuzz(target: str, seconds: float, root: Path = ROOT, seed: int | None = None,
         artifacts: Path | None = None, extra: Sequence[Path] = (), niced: bool = False,
         log: Path | None = None, work: Path | None = None) -> FuzzResult:
    """Run one target for `seconds` (from libFuzzer's random seed `seed`, or a
    new one); return what it did and found.  A finding (crash, sanitizer
    report, hang, leak, difference) is saved under `artifacts`
    (build/fuzz/artifacts/TARGET/) and ends the run.  extra: more
    folders of inputs to start from; niced: under nice -n 19; work: the
    folder of corpora and logs (build/fuzz/)."""
    if target not in TARGETS:
        raise JitbootError(f"unknown fuzz target {target!r}: use one of {', '.join(TARGETS)}")
    if seconds <= 0:
        raise JitbootError(f"fuzz seconds must be positive, got {seconds:g}")
    binary = build_fuzzers(root)[target]
    base = work or paths.build_dir(root) / "fuzz"
    corpus = base / "corpus" / target
    artifacts = artifacts or base / "artifacts" / target
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    starts = seeds(target, root) + [d for d in extra if d.is_dir()]
    log = log or base / f"{target}.log"
    stages = log.with_suffix(".stages")
    stages.unlink(missing_ok=True)
    before = set(artifacts.iterdir())
    cmd = [str(binary), f"-max_total_time={max(1, int(seconds))}", f"-timeout={INPUT_TIMEOUT}",
           f"-max_len={MAX_LEN}", "-rss_limit_mb=2048", "-print_final_stats=1",
           "-print_funcs=0",
           *TARGET_OPTIONS.get(target, []),
           f"-artifact_prefix={artifacts}/", str(corpus), *map(str, starts)]
    if seed is not None:
        cmd.insert(1, f"-seed={seed}")
    dictionary = root / "tests" / "fuzz" / DICTIONARY[target]
    if dictionary.exists():
        cmd.insert(1, f"-dict={dictionary}")
    if niced:
        cmd = ["nice", "-n", "19", *cmd]
    start = time.monotonic()
    cpu = _children_cpu()
    interrupted = False
    with open(log, "wb") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=base,
                                env=_env(target, FUZZ_STATS=str(stages)))
        # libFuzzer stops itself at max_total_time; the margin covers the
        # corpus load and a last slow input.  Interrupted (Ctrl-C, or
        # SIGTERM in a campaign), it is told to stop as at its time's
        # end: it prints its final stats, and the run counts so far.
        stalled = False
        try:
            with _sigterm_interrupts():
                stalled = _wait_watching(proc, seconds + 4 * INPUT_TIMEOUT + 120,
                                         (log, stages))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise JitbootError(f"{binary.name} did not stop after {seconds:g} s:"
                               f" see {log}") from None
        except KeyboardInterrupt:
            interrupted = True
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    result = parse_log(log.read_text(errors="replace"), target, time.monotonic() - start)
    result.interrupted = interrupted
    result.stalled = stalled
    result.cpu_seconds = _children_cpu() - cpu
    result.log = log
    result.corpus = result.corpus or sum(1 for _ in corpus.iterdir())
    # the new files, and one the log names that was there already (the
    # same input found again: libFuzzer names it by its hash)
    named = {Path(m) for m in re.findall(r"Test unit written to (\S+)", log.read_text(
        errors="replace"))}
    result.artifacts = sorted((set(artifacts.iterdir()) - before)
                              | {p for p in named if p.is_file()})
    if not (interrupted or stalled or result.artifacts) and proc.returncode:
        rc = proc.returncode
        result.died = f"killed by signal {-rc}" if rc < 0 else f"exit status {rc}"
    result.stage_executions, result.stages = read_stages(stages)
    return result


def _wait_watching(proc: subprocess.Popen, limit: float, watched: tuple[Path, ...]) -> bool:
    """Wait for proc up to limit seconds (TimeoutExpired after); kill it
    and return True if none of the watched files changed for
    STALL_SECONDS."""
    end = time.monotonic() + limit
    while True:
        try:
            proc.wait(timeout=min(5.0, max(0.0, end - time.monotonic())))
            return False
        except subprocess.TimeoutExpired:
            if time.monotonic() >= end:
                raise
        newest = max((p.stat().st_mtime for p in watched if p.exists()), default=0.0)
        if newest and time.time() - newest > STALL_SECONDS:
            proc.kill()
            proc.wait()
            return True


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, as SIGINT does, while in the
    block (in the main thread: elsewhere signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _children_cpu() -> float:
    import resource
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _env(target: str, **extra: str) -> dict:
    asan = ASAN_OPTIONS
    if "-detect_leaks=0" in TARGET_OPTIONS.get(target, []):
        asan = asan.replace("detect_leaks=1", "detect_leaks=0")    # also at exit
    return dict(os.environ, ASAN_OPTIONS=asan,
                UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1", **extra)


def parse_log(text: str, target: str, seconds: float) -> FuzzResult:
    r = FuzzResult(target=target, seconds=seconds)
    for line in text.splitlines():
        m = STATS_RE.match(line)
        if m:
            r.executions = int(m.group(1))
            r.coverage, r.features = int(m.group(2)), int(m.group(3))
            if m.group(4):
                r.corpus = int(m.group(4))
        m = EXECS_RE.match(line)
        if m:
            r.executions = int(m.group(1))
    return r


def replay(target: str, inputs: list[Path], root: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the target once on each input (no fuzzing): exit 0 when none
    of them crashes, hangs, leaks or trips a sanitizer."""
    binary = build_fuzzers(root)[target]
    return subprocess.run([str(binary), f"-timeout={INPUT_TIMEOUT}",
                           *TARGET_OPTIONS.get(target, []), *map(str, inputs)],
                          capture_output=True, text=True, env=_env(target), cwd=root)


def run(targets: list[str], seconds: float, root: Path = ROOT,
        seed: int | None = None, work: Path | None = None) -> list[FuzzResult]:
    """`doit fuzz`: each target for `seconds`; fail naming what was found.
    A fixed seed makes the mutations the same from run to run (CI's short
    run), as far as the time lets each run go."""
    results = []
    for t in targets:
        r = fuzz(t, seconds, root, seed, work=work)
        print(r.line(), flush=True)
        results.append(r)
    died = [r for r in results if r.died]
    if died:
        r = died[0]
        assert r.log is not None
        raise JitbootError(f"fuzz {r.target}: the fuzzer died ({r.died}) and saved no input"
                           f" (log: {_rel(r.log, root)})")
    stuck = [r for r in results if r.stalled]
    if stuck:
        r = stuck[0]
        assert r.log is not None
        raise JitbootError(f"fuzz {r.target}: no progress for {STALL_SECONDS} s, killed"
                           f" (log: {_rel(r.log, root)})")
    bad = [r for r in results if r.artifacts]
    if bad:
        r = bad[0]
        files = ", ".join(_rel(a, root) for a in r.artifacts)
        assert r.log is not None    # fuzz() sets it
        raise JitbootError(
            f"fuzz {r.target} found {len(r.artifacts)} bug(s): {files} (log: {_rel(r.log, root)});"
            f" reproduce with build/fuzz/fuzz_{r.target} FILE, fix, then add the input"
            f" to tests/fuzz/regressions/{r.target}/")
    return results


def _rel(p: Path, root: Path) -> str:
    return toolchain.rel(p, root)


# -- campaigns ------------------------------------------------------------
#
# `doit fuzz-campaign hours=H [targets=jit,asm,diff]`: every target in
# turn, for its share of the time, one niced process at a time.  A
# finding does not end the campaign: it is saved under
# build/fuzz/findings/TARGET/ and the target goes on from its corpus.
# At the end each corpus is minimised (libFuzzer's -merge=1), the report
# is written to build/fuzz/report.md and one ledger entry per target is
# added to tests/fuzz/campaign.json, which adds the executions up across
# runs and machines towards GOAL.

GOAL = 10 ** 7
LEDGER = Path("tests") / "fuzz" / "campaign.json"
SEEDS = Path("tests") / "fuzz" / "seeds"
SEED_CAP = 128 << 10           # bytes of committed seeds per target
SEED_FILES = 200               # and files
MAX_RESTARTS = 50              # runs of one target after findings
FINDING_KINDS = (
    # (what the log says, the kind of finding), first match wins
    ("depends on our passes", "diff mismatch"),
    ("ERROR: LeakSanitizer", "leak"),
    ("ERROR: AddressSanitizer", "sanitizer report (ASan)"),
    ("runtime error:", "sanitizer report (UBSan)"),
    ("ERROR: libFuzzer: timeout", f"hang > {INPUT_TIMEOUT} s"),
    ("ERROR: libFuzzer: out-of-memory", "out of memory"),
    ("ERROR: libFuzzer: deadly signal", "crash"),
)


@dataclass
class Finding:
    target: str
    path: Path
    kind: str
    summary: str

    def to_json(self, root: Path) -> dict:
        return {"file": _rel(self.path, root), "kind": self.kind, "summary": self.summary}


def classify_finding(log_text: str) -> tuple[str, str]:
    """(kind, one-line summary) of the finding a libFuzzer log ends with."""
    kind = "crash"
    for needle, what in FINDING_KINDS:
        if needle in log_text:
            kind = what
            break
    summary = ""
    for line in log_text.splitlines():
        if line.startswith("SUMMARY:") or "runtime error:" in line \
                or line.startswith("fuzz_diff: passes"):
            summary = summary or line.strip()
    return kind, summary[:200]


@dataclass
class CampaignRun:
    """One target's share of a campaign: its libFuzzer runs added up."""
    target: str
    seconds: float = 0.0
    executions: int = 0
    edges: int = 0
    features: int = 0
    corpus: int = 0
    runs: int = 0
    stage_executions: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    cpu_seconds: float = 0.0
    programs: int = 0           # the C target: csmith programs run (not executions)
    compared: int = 0           # and compared with gcc -O2
    interrupted: bool = False   # stopped by SIGINT or SIGTERM before its time

    def add(self, r: FuzzResult) -> None:
        self.seconds += r.seconds
        self.cpu_seconds += r.cpu_seconds
        self.executions += r.executions
        self.edges = max(self.edges, r.coverage)
        self.features = max(self.features, r.features)
        self.corpus = r.corpus
        self.runs += 1
        self.stage_executions += r.stage_executions
        for k, v in r.stages.items():
            self.stages[k] = self.stages.get(k, 0) + v

    @property
    def rate(self) -> float:
        return self.executions / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Executions per second of CPU time: on a shared machine the
        niced fuzzer gets a fraction of a core, and this is what it
        would make on a core of its own."""
        return self.executions / self.cpu_seconds if self.cpu_seconds else 0.0

    def shares(self) -> dict[str, float]:
        n = self.stage_executions
        return {k: round(v / n, 4) if n else 0.0 for k, v in self.stages.items()}


def campaign_target(target: str, seconds: float, root: Path, work: Path) -> CampaignRun:
    """One target for `seconds` in all, started again after each finding."""
    base = work
    findings_dir = base / "findings" / target
    logs = base / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    run = CampaignRun(target)
    start = time.monotonic()
    committed = root / SEEDS / target
    while run.runs < MAX_RESTARTS:
        left = seconds - (time.monotonic() - start)
        if left < 1 or (run.runs and left < 5):
            break
        log = logs / f"{target}-{run.runs}.log"
        r = fuzz(target, left, root, artifacts=findings_dir, extra=[committed], niced=True,
                 log=log, work=work)
        run.add(r)
        text = log.read_text(errors="replace")
        for a in r.artifacts:
            kind, summary = classify_finding(text)
            run.findings.append(Finding(target, a, kind, summary))
        if r.stalled:
            run.findings.append(Finding(
                target, log, "stuck fuzzer",
                f"no progress for {STALL_SECONDS} s, killed; the input is not saved"
                " (libFuzzer keeps the one it was on in memory only)"))
        if r.died:
            run.findings.append(Finding(
                target, log, "fuzzer died",
                f"{r.died} after {r.executions} executions, no input saved (the log's"
                " last lines are where it was)"))
        if r.interrupted:
            run.interrupted = True
            break
        if not r.artifacts and not r.stalled and not r.died:
            break           # libFuzzer used its time
    return run


def campaign_c(seconds: float, root: Path, work: Path, start: int = 1) -> CampaignRun:
    """The C target: csmith programs through the C front door and the JIT
    (passes on and off) against gcc -O2 until `seconds` have gone; findings
    in WORK/findings/c/."""
    from jitboot import csmith
    jitrun = paths.build_dir(root) / "host" / "jitrun"
    if not jitrun.exists():
        build.build_programs(["jitrun"], root)
    out = work / "csmith"
    r = csmith.timed(seconds, jitrun, out, start)
    run = CampaignRun("c", seconds=r.seconds, cpu_seconds=r.cpu_seconds, runs=1,
                      programs=r.programs, compared=r.compared)
    dest = work / "findings" / "c"
    for o in r.findings:
        dest.mkdir(parents=True, exist_ok=True)
        for suffix in (".c", ".sh"):
            src = out / "findings" / f"seed{o.seed}{suffix}"
            if src.exists():
                shutil.copyfile(src, dest / src.name)
        run.findings.append(Finding("c", dest / f"seed{o.seed}.c", "C mismatch", o.why[:200]))
    return run


def merge_corpus(target: str, root: Path, work: Path) -> int:
    """Minimise WORK/corpus/TARGET with -merge=1 (the inputs that keep
    every feature); returns the inputs left."""
    binary = build_fuzzers(root)[target]
    corpus = work / "corpus" / target
    merged = corpus.with_name(target + ".merging")
    shutil.rmtree(merged, ignore_errors=True)
    merged.mkdir(parents=True)
    r = subprocess.run(["nice", "-n", "19", str(binary), "-merge=1", f"-max_len={MAX_LEN}",
                        f"-timeout={INPUT_TIMEOUT}", *TARGET_OPTIONS.get(target, []),
                        str(merged), str(corpus)],
                       capture_output=True, text=True, env=_env(target), cwd=merged.parent,
                       timeout=3600)
    if r.returncode != 0 or not any(merged.iterdir()):
        shutil.rmtree(merged, ignore_errors=True)
        return sum(1 for _ in corpus.iterdir())     # keep what there is
    shutil.rmtree(corpus)
    merged.rename(corpus)
    return sum(1 for _ in corpus.iterdir())


def refresh_seeds(target: str, root: Path, work: Path, cap: int = SEED_CAP,
                  most: int = SEED_FILES) -> int:
    """tests/fuzz/seeds/TARGET: the merged corpus's smallest inputs, up to
    `cap` bytes and `most` files in all (the corpus is minimised first).
    Returns how many."""
    corpus = work / "corpus" / target
    dest = root / SEEDS / target
    files = sorted((p for p in corpus.iterdir() if p.is_file()),
                   key=lambda p: (p.stat().st_size, p.name))
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    total = n = 0
    for p in files:
        size = p.stat().st_size
        if total + size > cap or n == most:
            break
        shutil.copyfile(p, dest / p.name)
        total += size
        n += 1
    return n


def load_ledger(path: Path) -> list[dict]:
    if not path.exists():
        return []
    import json
    try:
        data = json.loads(path.read_text())
    except ValueError as e:
        raise JitbootError(f"{path}: not a fuzz ledger ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise JitbootError(f"{path}: not a fuzz ledger (no \"runs\" list)")
    return data["runs"]


def ledger_totals(runs: list[dict]) -> dict[str, dict]:
    """Per target: executions, seconds and findings summed over the ledger."""
    out: dict[str, dict] = {}
    for e in runs:
        t = out.setdefault(e["target"], {"executions": 0, "seconds": 0.0, "runs": 0,
                                         "findings": 0})
        if e["target"] == "c":
            t["programs"] = t.get("programs", 0) + int(e.get("programs", 0))
        t["executions"] += int(e.get("executions", 0))
        t["seconds"] += float(e["seconds"])
        t["runs"] += 1
        t["findings"] += len(e.get("findings", []))
    return out


def write_ledger(path: Path, runs: list[dict]) -> None:
    import json
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"goal": GOAL, "runs": runs, "totals": ledger_totals(runs)}
    path.write_text(json.dumps(body, indent=1, sort_keys=False) + "\n")


def ledger_entry(run: CampaignRun, date: str, cpu: str, root: Path) -> dict:
    if run.target == "c":
        return {"date": date, "cpu": cpu, "target": "c", "seconds": round(run.seconds, 1),
                "programs": run.programs, "compared": run.compared,
                "programs_per_s": round(run.programs / run.seconds, 3) if run.seconds else 0.0,
                "cpu_seconds": round(run.cpu_seconds, 1), "executions": 0,
                "findings": [f.to_json(root) for f in run.findings]}
    return {
        "date": date, "cpu": cpu, "target": run.target,
        "seconds": round(run.seconds, 1), "executions": run.executions,
        "exec_per_s": round(run.rate, 1), "cpu_seconds": round(run.cpu_seconds, 1),
        "exec_per_cpu_s": round(run.cpu_rate, 1), "edges": run.edges, "features": run.features,
        "corpus": run.corpus, "stages": run.shares(), "findings": [
            f.to_json(root) for f in run.findings],
        **({"interrupted": True} if run.interrupted else {}),
    }


def report(runs: list[CampaignRun], ledger: list[dict], date: str, cpu: str,
           hours: float, coverage: str = "") -> str:
    """build/fuzz/report.md: this campaign, then the ledger's totals."""
    out = [f"# Fuzz campaign {date}", "",
           f"CPU: {cpu}; {hours:g} h split over {', '.join(r.target for r in runs)},"
           " one niced libFuzzer process at a time.", "",
           "| target | seconds | executions | exec/s | CPU s | exec/CPU s | edges | features"
           " | corpus | runs | findings |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    c_runs = [r for r in runs if r.target == "c"]
    runs = [r for r in runs if r.target != "c"]
    for r in runs:
        out.append(f"| {r.target} | {r.seconds:.0f} | {r.executions} | {r.rate:.0f}"
                   f" | {r.cpu_seconds:.0f} | {r.cpu_rate:.0f} | {r.edges}"
                   f" | {r.features} | {r.corpus} | {r.runs} | {len(r.findings)} |")
    for r in c_runs:
        rate = r.programs / r.seconds if r.seconds else 0.0
        out += ["", "## C target (csmith through the C front door)", "",
                f"c: {r.programs} csmith programs in {r.seconds:.0f} s ({rate:.2f}/s,"
                f" {r.cpu_seconds:.0f} CPU s), {r.compared} compared with gcc -O2 (clang -O0"
                f" and -O2, the JIT's passes on and off), {len(r.findings)} findings;"
                " programs, not executions: not counted in the goal below."]
    out += ["", "## Depth: share of the executions reaching each stage", ""]
    for r in runs:
        shares = ", ".join(f"{k} {100 * v:.1f}%" for k, v in r.shares().items())
        out.append(f"- {r.target} ({r.stage_executions} counted): {shares or 'no counts'}")
    out += ["", "## Findings", ""]
    found = [f for r in runs + c_runs for f in r.findings]
    if not found:
        out.append("None.")
    for f in found:
        out.append(f"- {f.target}: {f.kind}: `{f.path}`" + (f" — {f.summary}" if f.summary else ""))
    out += ["", f"## Ledger: executions across campaigns (goal {GOAL:,} per target)", "",
            "| target | campaigns | executions | of the goal | hours | findings |",
            "|---|---|---|---|---|---|"]
    for t, v in sorted(ledger_totals(ledger).items()):
        if t == "c":
            continue
        out.append(f"| {t} | {v['runs']} | {v['executions']} | {100 * v['executions'] / GOAL:.1f}%"
                   f" | {v['seconds'] / 3600:.2f} | {v['findings']} |")
    if coverage:
        out += ["", "## Source-line coverage of the merged corpora", "", coverage]
    return "\n".join(out) + "\n"


def campaign(hours: float, targets: list[str], root: Path = ROOT,
             ledger_path: Path | None = None, seeds_refresh: bool = False,
             coverage: bool = True, work: Path | None = None) -> tuple[list[CampaignRun], Path]:
    """`doit fuzz-campaign`: returns the runs and the report's path.  work:
    the folder of corpora, findings, logs and the report (build/fuzz/)."""
    import datetime
    if hours <= 0:
        raise JitbootError(f"hours={hours:g}: give a positive number of hours")
    for t in targets:
        if t not in CAMPAIGN_TARGETS:
            raise JitbootError(f"unknown fuzz target {t!r}: use one of"
                               f" {', '.join(CAMPAIGN_TARGETS)}")
    ledger_path = ledger_path or root / LEDGER
    ledger = load_ledger(ledger_path)        # a bad ledger fails before the hours go
    lf = [t for t in targets if t != "c"]
    if "c" in targets:
        from jitboot import csmith
        problem = csmith.available()
        if problem:
            raise JitbootError(f"fuzz-campaign targets=c: {problem}")
    if lf:
        build_fuzzers(root)
    if coverage and lf:
        build.build_programs([f"fuzz_{t}-cov" for t in lf], root)   # fail early
    work = work or paths.build_dir(root) / "fuzz"
    work.mkdir(parents=True, exist_ok=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = cpu_model()
    share = hours * 3600 / len(targets)
    runs: list[CampaignRun] = []
    # Interrupted (Ctrl-C, SIGTERM), the campaign stops its fuzzer as at
    # the end of its time and keeps what ran: the ledger and the report
    # are written, without the coverage replay and the targets not begun.
    interrupted = False
    with _sigterm_interrupts():
        try:
            for t in targets:
                if t == "c":
                    c_start = 1 + sum(int(e.get("programs", 0)) for e in ledger
                                      if e["target"] == "c")
                    r = campaign_c(share, root, work, c_start)
                    print(f"fuzz-campaign c: {r.programs} programs in {r.seconds:.0f} s"
                          f" ({r.programs / max(r.seconds, 1e-9):.2f}/s), {r.compared} compared,"
                          f" {len(r.findings)} findings", flush=True)
                    runs.append(r)
                    continue
                r = campaign_target(t, share, root, work)
                runs.append(r)
                if r.interrupted:
                    interrupted = True
                    break
                r.corpus = merge_corpus(t, root, work)
                if seeds_refresh:
                    refresh_seeds(t, root, work)
                print(f"fuzz-campaign {t}: {r.executions} executions in {r.seconds:.0f} s"
                      f" ({r.rate:.0f}/s), {r.edges} edges, {len(r.findings)} findings",
                      flush=True)
        except KeyboardInterrupt:
            interrupted = True
        if interrupted:
            print("fuzz-campaign: interrupted; the ledger keeps "
                  + (", ".join(f"{r.target} {r.executions} executions" for r in runs
                               if r.target != "c") or "nothing"), flush=True)
        ledger += [ledger_entry(r, date, cpu, root) for r in runs]
        write_ledger(ledger_path, ledger)
    cov = coverage_report(lf, root, work) if coverage and lf and not interrupted else ""
    path = work / "report.md"
    path.write_text(report(runs, ledger, date, cpu, hours, cov))
    return runs, path


# Source groups of the line coverage report: (name, path prefix); a
# file counts in the first group whose prefix it has.  The harnesses
# (jit/host/) are left out.
COVERAGE_GROUPS = (
    ("jit/passes (our passes)", "jit/passes/"),
    ("jit/asm (assembler)", "jit/asm/"),
    ("jit/shim", "jit/shim/"),
    ("jit/libc", "jit/libc/"),
    ("jit/ (driver, loader, arena, ...)", "jit/"),
    ("QBE (build/qbe-src)", "build/qbe-src/"),
)
REPLAY_BATCH = 400


def coverage_report(targets: list[str], root: Path = ROOT, work: Path | None = None) -> str:
    """Source-line coverage of jit/ and QBE by the merged corpora and the
    committed seeds: each target's coverage build (fuzz_TARGET-cov,
    clang's -fprofile-instr-generate) replays them, llvm-profdata-19
    merges the profiles and llvm-cov-19 counts the lines.  Returns the
    report's Markdown table, or one line saying why there is none."""
    import json
    for tool in ("llvm-profdata-19", "llvm-cov-19"):
        if not shutil.which(tool):
            return f"No coverage: {tool} not found (apt-get install llvm-19)."
    base = work or paths.build_dir(root) / "fuzz"
    out = base / "coverage"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    bins = build.build_programs([f"fuzz_{t}-cov" for t in targets], root)
    for t in targets:
        inputs = [p for d in (base / "corpus" / t, root / SEEDS / t) if d.is_dir()
                  for p in sorted(d.iterdir()) if p.is_file()]
        for i in range(0, len(inputs), REPLAY_BATCH):
            subprocess.run(["nice", "-n", "19", str(bins[f"fuzz_{t}-cov"]),
                            *map(str, inputs[i:i + REPLAY_BATCH])],
                           capture_output=True, cwd=out, timeout=3600,
                           env=dict(os.environ, LLVM_PROFILE_FILE=str(out / f"{t}-%p.profraw")))
    raws = sorted(out.glob("*.profraw"))
    if not raws:
        return "No coverage: the corpora are empty."
    prof = out / "merged.profdata"
    subprocess.run(["llvm-profdata-19", "merge", "-sparse", "-o", str(prof), *map(str, raws)],
                   check=True, capture_output=True, timeout=600)
    objs = [str(bins[f"fuzz_{t}-cov"]) for t in targets]
    exp = subprocess.run(["llvm-cov-19", "export", "-summary-only", objs[0],
                          *[a for o in objs[1:] for a in ("-object", o)],
                          f"-instr-profile={prof}"],
                         capture_output=True, text=True, check=True, timeout=600, cwd=root)
    totals: dict[str, list[int]] = {name: [0, 0] for name, _ in COVERAGE_GROUPS}
    for f in json.loads(exp.stdout)["data"][0]["files"]:
        name = f["filename"]
        if name.startswith("jit/host/"):
            continue
        for group, prefix in COVERAGE_GROUPS:
            if name.startswith(prefix):
                totals[group][0] += f["summary"]["lines"]["covered"]
                totals[group][1] += f["summary"]["lines"]["count"]
                break
    lines = ["| source | lines covered | lines | cover |", "|---|---|---|---|"]
    for group, (cov, count) in totals.items():
        if count:
            lines.append(f"| {group} | {cov} | {count} | {100 * cov / count:.1f}% |")
    ours = [totals[g] for g, p in COVERAGE_GROUPS if p.startswith("jit/")]
    cov, count = sum(c for c, _ in ours), sum(n for _, n in ours)
    qc, qn = totals["QBE (build/qbe-src)"]
    lines.append(f"| **jit/ in all** | {cov} | {count} | {100 * cov / max(count, 1):.1f}% |")
    lines.append("")
    lines.append(f"Replayed by {', '.join(f'fuzz_{t}-cov' for t in targets)}"
                 f" (build/fuzz/coverage/merged.profdata); QBE {100 * qc / max(qn, 1):.1f}%.")
    return "\n".join(lines)
