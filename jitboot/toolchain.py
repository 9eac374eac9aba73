"""The one toolchain wrapper: compile and link commands for every program.

A Profile is one way of compiling C: the freestanding kernel (gcc, ld), the
host twin (gcc), QBE's own C99 build of the stock qbe command, and the
sanitized and libFuzzer builds (clang).  Every compile and link command of
every program (jitboot.components) is built here from a profile, so doit
tasks, tests and benchmarks use the same flags.  Builds are reproducible:
commands use paths relative to the repository root, the root is mapped to
"." in debug info, ld writes no build id, and inputs are sorted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Iterator, Sequence

from . import ROOT
from .errors import JitbootError

# tool -> Debian package that provides it
TOOLS = {
    "gcc": "gcc",
    "ld": "binutils",
    "objcopy": "binutils",
    "as": "binutils",
    "grub-mkrescue": "grub-common",
    "xorriso": "xorriso",
    "mformat": "mtools",
    "qemu-system-x86_64": "qemu-system-x86",
    "aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu",
    "aarch64-linux-gnu-ld": "binutils-aarch64-linux-gnu",
    "qemu-system-aarch64": "qemu-system-arm",
    "clang-19": "clang-19",
    "valgrind": "valgrind",
}

GRUB_PC_DIR = Path("/usr/lib/grub/i386-pc")

KERNEL_CFLAGS = [
    "-std=gnu11", "-O2", "-g",
    "-ffreestanding", "-fno-pic", "-fno-pie", "-mcmodel=small", "-mno-red-zone",
    "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
    "-fno-omit-frame-pointer",
    "-Wall", "-Wextra", "-Wno-unused-parameter",
]

# The aarch64 kernel: -mstrict-align because until the MMU is on every
# access is Device memory, where an unaligned one faults; no outline
# atomics (they call libgcc helpers that read the host's HWCAPs).  The FP
# registers stay allowed here (kfmt prints doubles; boot.S enables them);
# the trap and MMU code adds -mgeneral-regs-only (jitboot.components).
KERNEL_AARCH64_CFLAGS = [
    "-std=gnu11", "-O2", "-g",
    "-ffreestanding", "-nostdlib", "-fno-pic", "-fno-pie", "-mstrict-align",
    "-mno-outline-atomics", "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
    "-fno-omit-frame-pointer",
    "-Wall", "-Wextra", "-Wno-unused-parameter",
    "-ffp-contract=off",   # see AARCH64_FP
]

# gcc contracts a * b + c into one fused multiply-add on aarch64 by
# default (never on x86-64 without -mfma): our libm's double-double
# arithmetic needs the rounding of each step, and the same bits on both.
AARCH64_FP = ["-ffp-contract=off"]

HOST_CFLAGS = ["-std=gnu11", "-O2", "-g", "-fno-pie", "-fno-omit-frame-pointer",
               "-Wall", "-Wextra", "-Wno-unused-parameter"]

# -fno-sanitize=function: clang's check of indirect calls reads a type
# signature in front of the callee, and JIT'd code has none.
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
            "-fno-sanitize=function"]
# libFuzzer's coverage: edge counters and their table only.  The rest of
# -fsanitize=fuzzer-no-link (a callback on every comparison, switch and
# indirect call) halved the executions per second, and in paired runs
# from the same seeds (doit fuzz, 120-180 s, one core each, AMD EPYC)
# the corpora it grew covered fewer lines of jit/ and QBE than these of
# twice the executions: the IL targets' dictionaries and mutator give
# the tokens that comparison tracing would have found.
FUZZ_COVERAGE = ["-fsanitize-coverage=inline-8bit-counters,pc-table"]
ASAN_CFLAGS = ["-std=gnu11", "-O1", "-g", "-fno-pie", "-fno-omit-frame-pointer",
               "-Wall", "-Wno-unused-parameter", *SANITIZE, *FUZZ_COVERAGE]

# clang's source-based coverage (`doit fuzz-campaign`'s line coverage of
# the corpora, read by llvm-cov-19).
SOURCE_COVERAGE = ["-fprofile-instr-generate", "-fcoverage-mapping"]

# QBE's sources (and our passes, which include its all.h): its warnings are
# not ours to fix, and -fwrapv because QBE folds and offsets 64-bit
# constants with signed arithmetic that may wrap (alias.c, fold.c), which C
# leaves undefined (found by fuzzing).  NIns comes from the recipe.
QBE_STYLE = ["-w", "-fwrapv"]
# Under UBSan, QBE's idiom of indexing the NULL that alloc(0) returns with 0
# (amd64/sysv.c argsclass for a call without arguments) is harmless and not
# ours to change.
QBE_STYLE_ASAN = ["-w", "-fwrapv", "-fno-sanitize=pointer-overflow"]


# gcov's counters (`doit coverage`): without constructors, gcc 12 puts a
# pointer to each object's counters in a section the kernel's gcov runtime
# walks (kernel_lib/gcov.c).
COVERAGE_CFLAGS = ["-fprofile-arcs", "-ftest-coverage", "-fprofile-info-section=gcov_info"]


def coverage_flags(obj: Path, root: Path = ROOT) -> list[str]:
    """COVERAGE_CFLAGS for one object, its .gcno and .gcda named after the
    object (obj/x.gcno) rather than the temporary file gcc writes."""
    return [*COVERAGE_CFLAGS, "-dumpdir", rel(obj.parent, root) + "/", "-dumpbase", obj.stem]


@dataclass(frozen=True)
class Profile:
    """One way to compile and link C."""
    name: str
    cc: str
    cflags: tuple[str, ...]
    qbe_style: tuple[str, ...]       # added for components in QBE's dialect
    objdir: str                      # objects, relative to the build directory
    link: str = "cc"                 # "cc" links with cc; "kernel" with ld and our script
    ldflags: tuple[str, ...] = ("-no-pie",)
    doc: str = ""
    ld: str = "ld"                   # the linker of "kernel" links


PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile("kernel", "gcc", tuple(KERNEL_CFLAGS), tuple(QBE_STYLE), "images/{image}/obj",
            link="kernel", doc="freestanding gcc for the kernel image, linked by ld"),
    Profile("kernel-aarch64", "aarch64-linux-gnu-gcc", tuple(KERNEL_AARCH64_CFLAGS),
            tuple(QBE_STYLE), "images/{image}/obj", link="kernel",
            ld="aarch64-linux-gnu-ld",
            doc="freestanding aarch64-linux-gnu-gcc for the aarch64 kernel, linked by its ld"),
    Profile("host", "gcc", tuple(HOST_CFLAGS), tuple(QBE_STYLE), "obj/host",
            doc="host gcc -O2 for the host twin and tools"),
    Profile("host-aarch64", "aarch64-linux-gnu-gcc",
            (*HOST_CFLAGS, *AARCH64_FP), tuple(QBE_STYLE), "obj/host-aarch64",
            ldflags=("-no-pie", "-static"),
            doc="aarch64-linux-gnu-gcc -O2 for the host twin under qemu-aarch64, linked static"),
    Profile("qbe", "gcc", ("-std=c99", "-O2", "-g", "-fno-pie", "-w"), (), "obj/qbe",
            doc="QBE's own C99 build, for the stock qbe command"),
    Profile("asan", "clang-19", tuple(ASAN_CFLAGS), tuple(QBE_STYLE_ASAN), "obj/asan",
            doc="clang with ASan, UBSan and libFuzzer coverage"),
    Profile("cov", "clang-19", ("-std=gnu11", "-O1", "-g", "-fno-pie", "-Wall",
                                "-Wno-unused-parameter", *SOURCE_COVERAGE),
            tuple(QBE_STYLE), "obj/cov", ldflags=("-no-pie", *SOURCE_COVERAGE),
            doc="clang with source-based coverage: the fuzz corpora's line coverage"),
)}

# The kernel's profile for each architecture of a recipe ([target] arch).
KERNEL_PROFILE = {"x86_64": "kernel", "aarch64": "kernel-aarch64"}

LDFLAGS = ["-nostdlib", "-static", "-no-pie", "-z", "max-page-size=0x1000",
           "-z", "noexecstack", "--build-id=none"]


def require(tool: str) -> str:
    """Absolute path of tool, or a one-line error naming the package."""
    path = shutil.which(tool)
    if path is None:
        package = TOOLS.get(tool, tool)
        raise JitbootError(f"missing tool '{tool}': install it with "
                           f"'apt-get install {package}'")
    return path


def require_grub() -> None:
    require("grub-mkrescue")
    require("xorriso")
    require("mformat")
    if not GRUB_PC_DIR.is_dir():
        raise JitbootError(f"GRUB's BIOS modules ({GRUB_PC_DIR}) are missing: install them "
                           "with 'apt-get install grub-pc-bin'")


def reproducible_flags(root: Path = ROOT) -> list[str]:
    return [f"-ffile-prefix-map={root}=."]


@cache
def libgcc(cc: str = "gcc") -> str:
    """libgcc.a: gcc may call its helpers even in freestanding code."""
    gcc = require(cc)
    out = subprocess.run([gcc, "-print-libgcc-file-name"], capture_output=True,
                         text=True, check=False).stdout.strip()
    if not out or not Path(out).exists():
        raise JitbootError(f"{cc} -print-libgcc-file-name found no libgcc.a: "
                           f"install it with 'apt-get install {TOOLS.get(cc, cc)}'")
    return out


def rel(path: Path, root: Path = ROOT) -> str:
    """Path as written on command lines: relative to the root when inside it."""
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def compile_command(src: Path, obj: Path, include_dirs: list[Path],
                    extra: Sequence[str] = (), root: Path = ROOT,
                    profile: Profile | str = "kernel") -> list[str]:
    """The command compiling one source (.c or .S) with a .d file."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    cmd = [prof.cc, *prof.cflags, *reproducible_flags(root)]
    if str(src).endswith(".S"):
        cmd.append("-D__ASSEMBLY__")
    cmd += [f"-I{rel(d, root)}" for d in include_dirs]
    cmd += list(extra)
    cmd += ["-MMD", "-MP", "-MF", rel(obj.with_suffix(".d"), root), "-MT", rel(obj, root),
            "-c", rel(src, root), "-o", rel(obj, root)]
    return cmd


def link_command(objs: list[Path], script: Path, out: Path, root: Path = ROOT,
                 profile: Profile | str = "kernel") -> list[str]:
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    return [prof.ld, *LDFLAGS, "-T", rel(script, root), "-Map", rel(out.with_suffix(".map"), root),
            "-o", rel(out, root), *[rel(o, root) for o in objs], libgcc(prof.cc)]


def program_link_command(objs: list[Path], out: Path, profile: Profile | str,
                         flags: tuple[str, ...] = (), root: Path = ROOT,
                         libs: tuple[str, ...] = ()) -> list[str]:
    """The command linking a host program from its objects."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    return [prof.cc, *prof.ldflags, *flags, "-o", rel(out, root), *[rel(o, root) for o in objs],
            *libs]


def elf32_command(elf: Path, out: Path, root: Path = ROOT) -> list[str]:
    """QEMU's multiboot loader refuses ELF64: wrap the kernel in ELF32."""
    return ["objcopy", "-I", "elf64-x86-64", "-O", "elf32-i386",
            "--strip-debug", rel(elf, root), rel(out, root)]


def run(cmd: list[str], what: str, root: Path = ROOT, env: dict | None = None) -> str:
    """Run a tool from the root; a failure is a JitbootError with its output."""
    require(cmd[0])
    # The tool and whatever it starts (grub-mkrescue runs xorriso) are a
    # process group of their own, stopped as a whole when the build is
    # interrupted, so none of them goes on writing after we return.
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, start_new_session=True)
    try:
        stdout, stderr = proc.communicate()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if proc.returncode != 0:
        output = (stderr + stdout).strip()
        raise JitbootError(f"{what} failed (exit {proc.returncode}):\n{output}\n"
                           f"command: {' '.join(cmd)}")
    return stdout + stderr


def parse_depfile(path: Path, root: Path = ROOT) -> list[Path]:
    """Prerequisites listed in a gcc -MMD dependency file (missing file: none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    text = text.replace("\\\n", " ")
    deps: list[Path] = []
    for line in text.splitlines():
        if ":" not in line:
            continue
        target, _, prereqs = line.partition(":")
        if not target.strip().endswith(".o"):
            continue      # -MP phony targets
        for p in prereqs.split():
            full = (root / p) if not Path(p).is_absolute() else Path(p)
            deps.append(full)
    return deps


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """SIGTERM normally kills Python without running finally blocks; make
    it raise SystemExit so they run: QEMU is stopped (Machine.shutdown()),
    a tool's temporary files are removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)
    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old if old is not None
                      else signal.SIG_DFL)
