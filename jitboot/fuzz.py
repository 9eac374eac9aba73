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
libFuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link, harmless
outside a fuzzer).  UBSan does not
recover: undefined behaviour aborts like a crash, so the fuzzer keeps it.

`doit fuzz` runs a target for a given time; the corpus it grows is kept
under build/fuzz/corpus/<target>/, seeded from tests/il (IL) or from the
assembly our JIT makes of tests/il (asm).  A crash, hang, leak or sanitizer
report is saved under build/fuzz/artifacts/<target>/ and fails the run; once
fixed, the input goes to tests/fuzz/regressions/<target>/, where
tests/test_fuzz.py replays it for ever.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from jitboot import ROOT, build, paths, toolchain
from jitboot.errors import JitbootError

CC = toolchain.PROFILES["asan"].cc
TARGETS = ("jit", "asm", "diff")
# IL seeds of the differential target: programs of tests/il_gen.py
# (fully defined: every loop and recursion bounded, no traps)
GENERATED_SEEDS = 40
# seconds per input: QBE takes milliseconds, so this is a hang
INPUT_TIMEOUT = 10
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
    """build/fuzz/fuzz_jit, fuzz_asm and fuzz_diff."""
    require_clang()
    got = build.build_programs([f"fuzz_{t}" for t in TARGETS], root)
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


def fuzz(target: str, seconds: float, root: Path = ROOT, seed: int | None = None) -> FuzzResult:
    """Run one target for `seconds` (from libFuzzer's random seed `seed`, or a
    new one); return what it did and found."""
    if target not in TARGETS:
        raise JitbootError(f"unknown fuzz target {target!r}: use one of {', '.join(TARGETS)}")
    if seconds <= 0:
        raise JitbootError(f"fuzz seconds must be positive, got {seconds:g}")
    binary = build_fuzzers(root)[target]
    base = paths.build_dir(root) / "fuzz"
    corpus = base / "corpus" / target
    artifacts = base / "artifacts" / target
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    starts = seeds(target, root)
    log = base / f"{target}.log"
    stages = base / f"{target}.stages"
    stages.unlink(missing_ok=True)
    before = set(artifacts.iterdir())
    cmd = [str(binary), f"-max_total_time={int(seconds)}", f"-timeout={INPUT_TIMEOUT}",
           f"-max_len={MAX_LEN}", "-rss_limit_mb=2048", "-print_final_stats=1",
           *TARGET_OPTIONS.get(target, []),
           f"-artifact_prefix={artifacts}/", str(corpus), *map(str, starts)]
    if seed is not None:
        cmd.insert(1, f"-seed={seed}")
    dictionary = root / "tests" / "fuzz" / DICTIONARY[target]
    if dictionary.exists():
        cmd.insert(1, f"-dict={dictionary}")
    start = time.monotonic()
    with open(log, "wb") as f:
        # libFuzzer stops itself at max_total_time; the margin covers the
        # corpus load and a last slow input
        try:
            subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=base,
                           env=_env(target, FUZZ_STATS=str(stages)),
                           timeout=seconds + 4 * INPUT_TIMEOUT + 30)
        except subprocess.TimeoutExpired:
            raise JitbootError(f"{binary.name} did not stop after {seconds:g} s:"
                               f" see {log}") from None
    result = parse_log(log.read_text(errors="replace"), target, time.monotonic() - start)
    result.log = log
    result.corpus = result.corpus or sum(1 for _ in corpus.iterdir())
    result.artifacts = sorted(set(artifacts.iterdir()) - before)
    result.stage_executions, result.stages = read_stages(stages)
    return result


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
        seed: int | None = None) -> list[FuzzResult]:
    """`doit fuzz`: each target for `seconds`; fail naming what was found.
    A fixed seed makes the mutations the same from run to run (CI's short
    run), as far as the time lets each run go."""
    results = []
    for t in targets:
        r = fuzz(t, seconds, root, seed)
        print(r.line(), flush=True)
        results.append(r)
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
