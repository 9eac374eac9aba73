"""Coverage of the kernel's C code: `doit coverage`.

The image's coverage variant (build/images/<name>-coverage/) compiles the
chosen components with gcc's counters (toolchain.COVERAGE_CFLAGS) and links
the gcov runtime (kernel_lib/gcov.c).  It boots once with the image's
kernel tests and, as payloads, the recipe's own plus every program of the
IL corpus (tests/il), so the headline figure is how much of the QBE JIT
the corpus exercises.  When the tests end the kernel sends each object's
.gcda over serial, framed as KTAP diagnostics (the words are jitboot.protocol's):

    # gcov-file <bytes> <crc32 hex> <path of the .gcda>
    # gcov-data <base64>
    # gcov-end <files>

read_frames() checks every file against its length and CRC-32,
write_gcda() puts it beside its .gcno (only there: the path comes from the
guest), and gcovr renders the report into coverage/ of the variant:
index.html (a page per file), coverage.txt, and summary.json, from which
summarize() prints the figures per file and for the JIT core (jit/ and
QBE).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from . import ROOT, components, paths, protocol, toolchain
from .build import Image
from .errors import JitbootError
from .recipe import Recipe

# What components= may name besides a component: the folders a kernel
# developer thinks in.  Their union, less what the recipe does not build,
# is the default.
GROUPS = {
    "kernel_lib": ("kernel_lib", "kernel_lib_x86_64", "kernel_lib_aarch64"),
    "jit": ("shim", "arena", "passes", "driver", "asm", "asm_a64", "loader", "kernel_glue"),
    "qbe": ("qbe", "qbe_amd64", "qbe_arm64"),
    "libc": ("libm", "format", "libc", "libc_kernel"),     # what JIT'd programs call
}
# Never instrumented: the runtime itself, assembly, and generated tables.
NEVER = ("gcov", "boot", "ktests", "exports", "bench_programs")

CORPUS = "tests/il"
FRAME_FILE = f"{protocol.KTAP_DIAGNOSTIC}{protocol.GCOV_FILE} "
FRAME_DATA = f"{protocol.KTAP_DIAGNOSTIC}{protocol.GCOV_DATA} "
FRAME_END = f"{protocol.KTAP_DIAGNOSTIC}{protocol.GCOV_END} "
FILE_RE = re.compile(r"(\d+) ([0-9a-f]{1,8}) (\S.*)")


def selection(given: str | None, recipe: Recipe) -> tuple[str, ...]:
    """The components to instrument for components=GIVEN (kernel_lib,
    jit, qbe, libc or component names, comma-separated; None: all four)."""
    kernel = [c.name for c in components.kernel_components(
        {"jit": recipe.jit, "bench": recipe.bench})]
    allowed = [n for n in kernel if n not in NEVER]
    if given is None:
        return tuple(n for g in GROUPS.values() for n in g if n in kernel)
    names: list[str] = []
    for word in (w.strip() for w in given.split(",")):
        if not word:
            continue
        if word in GROUPS:
            picked = [n for n in GROUPS[word] if n in kernel]
        elif word in allowed:
            picked = [word]
        else:
            import difflib
            choices = sorted(GROUPS) + allowed
            close = difflib.get_close_matches(word, choices, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise JitbootError(f"components={given}: {word!r} is not a component of image "
                               f"{recipe.name!r}'s kernel{hint}; give some of "
                               f"{', '.join(choices)}")
        if not picked:
            raise JitbootError(f"components={given}: image {recipe.name!r} builds no {word} "
                               f"([features] jit = false in {toolchain.rel(recipe.path)})")
        names += [n for n in picked if n not in names]
    if not names:
        raise JitbootError(f"components={given!r}: name at least one of "
                           f"{', '.join(sorted(GROUPS))}")
    return tuple(names)


@dataclass(frozen=True)
class GcdaFile:
    path: str           # as the guest named it: the object's path with .gcda
    data: bytes


def read_frames(serial: bytes) -> list[GcdaFile]:
    """The .gcda files in a serial log; a JitbootError if a frame is
    missing, short or does not match its checksum."""
    files: list[GcdaFile] = []
    cur: tuple[int, int, str] | None = None
    chunks: list[str] = []
    ended = None

    def close() -> None:
        assert cur is not None
        size, crc, path = cur
        try:
            data = base64.b64decode("".join(chunks), validate=True)
        except binascii.Error as e:
            raise JitbootError(f"gcov data of {path} on serial is not base64 ({e})") from None
        if len(data) != size or zlib.crc32(data) != crc:
            raise JitbootError(f"gcov data of {path} on serial is damaged: {len(data)} bytes, "
                               f"crc32 {zlib.crc32(data):08x}; the kernel sent {size} bytes, "
                               f"crc32 {crc:08x}")
        files.append(GcdaFile(path, data))

    for raw in serial.decode("ascii", "replace").splitlines():
        line = raw.rstrip("\r")
        if line.startswith(FRAME_DATA) and cur is not None:
            chunks.append(line[len(FRAME_DATA):].strip())
        elif line.startswith(FRAME_FILE):
            if cur is not None:
                close()
            m = FILE_RE.fullmatch(line[len(FRAME_FILE):].strip())
            if not m:
                raise JitbootError(f"malformed gcov frame on serial: {line[:120]!r}")
            cur, chunks = (int(m.group(1)), int(m.group(2), 16), m.group(3)), []
        elif line.startswith(FRAME_END):
            if cur is not None:
                close()
                cur = None
            ended = line[len(FRAME_END):].strip()
    if ended is None:
        raise JitbootError(f"the kernel sent no gcov data (no '{FRAME_END.strip()}' on serial): "
                           "the run did not reach the end of its tests")
    if ended != str(len(files)):
        raise JitbootError(f"the kernel announced {ended} .gcda files and sent {len(files)}")
    return files


def write_gcda(files: Sequence[GcdaFile], obj_dir: Path) -> list[Path]:
    """Write each file where the guest says, which must be a .gcda beside
    a .gcno under obj_dir (nothing else is written)."""
    out = []
    base = obj_dir.resolve()
    for f in files:
        path = Path(f.path)
        if not path.is_absolute() or path.suffix != ".gcda" \
                or not path.resolve().is_relative_to(base):
            raise JitbootError(f"gcov data names {f.path}, not a .gcda under {obj_dir}")
        if not path.with_suffix(".gcno").is_file():
            raise JitbootError(f"gcov data for {f.path} has no {path.with_suffix('.gcno').name} "
                               f"beside it: rebuild with `doit coverage`")
        path.write_bytes(f.data)
        out.append(path)
    return out


def report_dir(image: Image) -> Path:
    return image.dir / "coverage"


def gcovr(image: Image, root: Path = ROOT) -> Path:
    """Render the report of the .gcda files under the image's objects;
    returns the JSON summary's path."""
    out = report_dir(image)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    qbe = paths.qbe_dir(root)
    cmd = [sys.executable, "-m", "gcovr", "--root", str(root),
           "--filter", str(root / "kernel_lib"), "--filter", str(root / "jit"),
           "--filter", str(qbe), "--gcov-executable", toolchain.require("gcov"),
           "--txt", str(out / "coverage.txt"),
           "--html-details", str(out / "index.html"),
           "--json-summary-pretty", "--json-summary", str(out / "summary.json"),
           str(image.obj)]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr + proc.stdout).strip().splitlines()[-15:])
        raise JitbootError(f"gcovr failed (exit {proc.returncode}):\n{tail}\n"
                           f"command: {' '.join(cmd)}")
    return out / "summary.json"


@dataclass(frozen=True)
class FileCoverage:
    path: str           # relative to the root (QBE's as build/qbe-src/...)
    covered: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


def summarize(summary_json: Path) -> list[FileCoverage]:
    """Lines covered per file, from gcovr's JSON summary."""
    data = json.loads(summary_json.read_text(encoding="utf-8"))
    return [FileCoverage(f["filename"], f["line_covered"], f["line_total"])
            for f in data["files"]]


def is_jit_core(path: str, root: Path = ROOT) -> bool:
    """The JIT core: our jit/ sources and QBE's, not the C library JIT'd
    programs call (jit/libc/, the size audit's libc, not jit_core)."""
    qbe = toolchain.rel(paths.qbe_dir(root), root)
    if path.startswith("jit/libc/") or path == "jit/kernel/libc_kernel.c":
        return False
    return path.startswith("jit/") or path.startswith(qbe.rstrip("/") + "/")


def total(files: Sequence[FileCoverage]) -> FileCoverage:
    return FileCoverage("total", sum(f.covered for f in files), sum(f.total for f in files))


def headline(files: Sequence[FileCoverage], root: Path = ROOT) -> str:
    """The figures `doit coverage` prints: by folder and for the JIT core."""
    groups: dict[str, list[FileCoverage]] = {}
    for f in files:
        groups.setdefault(f.path.rsplit("/", 1)[0] if "/" in f.path else ".", []).append(f)
    lines = [f"{'lines covered':<28} {'covered':>8} {'total':>7} {'%':>6}"]
    for name in sorted(groups):
        t = total(groups[name])
        lines.append(f"{name + '/':<28} {t.covered:>8} {t.total:>7} {t.percent:>6.1f}")
    core = total([f for f in files if is_jit_core(f.path, root)])
    if core.total:
        lines.append(f"{'JIT core (jit/ and QBE)':<28} {core.covered:>8} {core.total:>7} "
                     f"{core.percent:>6.1f}")
    everything = total(files)
    lines.append(f"{'all instrumented':<28} {everything.covered:>8} {everything.total:>7} "
                 f"{everything.percent:>6.1f}")
    return "\n".join(lines)


def payloads_for(recipe: Recipe, root: Path = ROOT) -> list[Path]:
    """The boot's modules: the recipe's payloads, then the IL corpus."""
    mods = [p.path for p in recipe.payloads]
    names = {p.name for p in mods}
    if recipe.jit:
        mods += [p for p in sorted((root / CORPUS).glob("*.ssa")) if p.name not in names]
    return mods


def run(image: Image, instrumented: Sequence[str], root: Path = ROOT) -> None:
    """Boot the coverage variant, collect its .gcda files and report."""
    from . import qemu, runner
    if not instrumented:
        raise JitbootError("coverage needs its own build: run `doit coverage` on its own "
                           "(not among other tasks)")
    # this run's counters only, and notes only of what this selection
    # instruments (gcovr reports a .gcno without data as never run)
    from .build import units
    notes = {u.obj.with_suffix(".gcno") for u in units(image.recipe, image, paths.qbe_dir(root),
                                                       root, instrumented)
             if u.component in instrumented}
    for stale in [*image.obj.rglob("*.gcda"), *image.obj.rglob("*.gcno")]:
        if stale.suffix == ".gcda" or stale not in notes:
            stale.unlink()
    mods = payloads_for(image.recipe, root)
    if len(mods) > protocol.MAX_MODULES:
        raise JitbootError(f"{len(mods)} payloads: the kernel keeps at most "
                           f"{protocol.MAX_MODULES} modules")
    print(f"coverage of {', '.join(instrumented)}: {len(mods)} payloads "
          f"(the recipe's and {CORPUS}/*.ssa)", flush=True)
    result = runner.boot(image, "kernel", modules=mods, tag="coverage", accel=None)
    if result.outcome not in (qemu.Outcome.PASS, qemu.Outcome.TEST_FAILURE):
        raise JitbootError(f"coverage run: {result.outcome.value}: {result.reason} "
                           f"(serial log: {toolchain.rel(result.serial_log, root)})")
    files = write_gcda(read_frames(result.serial_log.read_bytes()), image.obj)
    print(f"{len(files)} .gcda files under {toolchain.rel(image.obj, root)}", flush=True)
    figures = summarize(gcovr(image, root))
    print(headline(figures, root))
    out = report_dir(image)
    print(f"coverage report: {toolchain.rel(out / 'index.html', root)}, "
          f"{toolchain.rel(out / 'coverage.txt', root)}, "
          f"{toolchain.rel(out / 'summary.json', root)}")
    if result.outcome != qemu.Outcome.PASS:
        raise JitbootError(f"coverage run: {result.outcome.value}: {result.reason} "
                           f"(the report above still counts the tests that ran)")
