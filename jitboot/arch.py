"""Architectures: what differs per target CPU, declared once.

An Arch names everything a tool needs to build and run code for one CPU:
QBE's target, the GNU toolchain's prefix, clang's triple, the QEMU
binaries and the Debian packages behind them.  The rest derives from
this table: tests and tasks call tool(), aot_build() and run_user()
rather than spelling "aarch64-linux-gnu-gcc" or "qemu-aarch64" themselves.

So far aarch64 is an ahead-of-time target only (milestone (a) of the
aarch64 issue): QBE's arm64 output (build/host/qbe -t arm64, or the JIT
pipeline with our passes, `jitrun --target=arm64 -S`) goes through GNU as
and ld into a static Linux program that qemu-user runs on this host:

    prog.ssa --qbe/jitrun--> prog.s --aarch64-linux-gnu-gcc -static--> prog
             --qemu-aarch64--> stdout, compared with the expected output

C goes through the C front door for the architecture's clang triple
(c_to_il()). A program whose output differs between architectures by
definition keeps its x86-64 expectation in NAME.out and gets
NAME.<arch>.out beside it (expected_output()).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import toolchain
from .errors import JitbootError


@dataclass(frozen=True)
class Arch:
    """One CPU architecture jitboot knows."""
    name: str                  # as in a recipe's [target] arch and in NAME.<name>.out
    qbe_target: str            # qbe -t / jitrun --target
    gnu_prefix: str            # GNU toolchain prefix; "" for the host's own
    clang_triple: str          # clang --target
    qemu_user: str | None      # runs this architecture's Linux programs here; None: native
    qemu_system: str           # the whole-machine emulator
    gdb: str                   # a gdb that debugs this architecture's kernel (doit qemu-debug)
    packages: dict[str, str]   # tool -> Debian package providing it


ARCHES: dict[str, Arch] = {a.name: a for a in (
    Arch("x86_64", "amd64_sysv", "", "x86_64-unknown-linux-gnu", None, "qemu-system-x86_64", "gdb",
         {"gcc": "gcc", "gdb": "gdb", "as": "binutils", "qemu-system-x86_64": "qemu-system-x86"}),
    Arch("aarch64", "arm64", "aarch64-linux-gnu-", "aarch64-unknown-linux-gnu", "qemu-aarch64",
         "qemu-system-aarch64", "gdb-multiarch",
         {"aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu",
          "aarch64-linux-gnu-as": "binutils-aarch64-linux-gnu",
          "aarch64-linux-gnu-ld": "binutils-aarch64-linux-gnu",
          "qemu-aarch64": "qemu-user",
          "qemu-system-aarch64": "qemu-system-arm",
          "gdb-multiarch": "gdb-multiarch"}),
)}

HOST = "x86_64"


def get(name: str) -> Arch:
    """The Arch called name, or a one-line error listing the known ones."""
    try:
        return ARCHES[name]
    except KeyError:
        raise JitbootError(f"unknown architecture {name!r} (known: {', '.join(ARCHES)})") from None


def tool(arch: Arch, name: str) -> str:
    """Absolute path of arch's GNU tool name ("gcc", "as"), or a one-line
    error naming the Debian package to install."""
    return require(arch, arch.gnu_prefix + name)


def require(arch: Arch, program: str) -> str:
    """Absolute path of program, or a one-line error naming arch's package for it."""
    try:
        return toolchain.require(program)
    except JitbootError:
        package = arch.packages.get(program, program)
        raise JitbootError(f"missing tool '{program}' for {arch.name}: install it with "
                           f"'apt-get install {package}'") from None


def expected_output(source: Path, arch: Arch) -> Path:
    """NAME.<arch>.out beside source if the program's output is that
    architecture's own, else the shared NAME.out."""
    own = source.with_name(f"{source.stem}.{arch.name}.out")
    return own if own.exists() else source.with_suffix(".out")


def c_to_il(source: Path, arch: Arch, opt: str = "-O0") -> str:
    """C -> QBE IL for arch, through the C front door (jitboot.llvm).
    clang's IR is the target's (plain char's signedness, struct passing,
    va_list layout), so the source is compiled for arch's triple: the
    later --target wins over the translator's x86-64 default."""
    from . import llvm
    return llvm.translate_file(source, opt, [f"--target={arch.clang_triple}"])


def aot_link_command(asm: Path, exe: Path, arch: Arch) -> list[str]:
    """Assemble and link QBE's assembly for arch into a static program
    (static: qemu-user then needs no sysroot of arch's libraries)."""
    return [tool(arch, "gcc"), "-static", "-o", str(exe), str(asm), "-lm"]


def aot_build(asm: Path, exe: Path, arch: Arch) -> None:
    """aot_link_command, run; a failure is a JitbootError with gcc's output."""
    toolchain.run(aot_link_command(asm, exe, arch), f"linking {asm} for {arch.name}")


def user_command(exe: Path, arch: Arch, args: tuple[str, ...] = ()) -> list[str]:
    """The command that runs arch's Linux program exe on this host."""
    if arch.qemu_user is None:
        return [str(exe), *args]
    return [require(arch, arch.qemu_user), str(exe), *args]


def run_user(exe: Path, arch: Arch, timeout: float = 20,
             args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run exe (arch's static Linux program) to its end; stdout and stderr as text."""
    try:
        return subprocess.run(user_command(exe, arch, args), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise JitbootError(f"{exe}: still running after {timeout:g} s under "
                           f"{arch.qemu_user or 'the host'}") from None


def aot_run(sources: list[str], arch_name: str, build_dir: Path,
            args: tuple[str, ...] = ()) -> None:
    """`doit aot-run arch=aarch64 src=prog.ssa|prog.c`: each source through
    the JIT's pipeline for arch (build/host/jitrun --target=... -S; C first
    through the C front door), linked and run here, its output printed. A
    compile error, a failed link or a non-zero exit is a JitbootError."""
    target = get(arch_name)
    if target.qemu_user is None:
        raise JitbootError(f"arch={arch_name}: it runs natively; use `doit jit-run` or jitrun")
    if not sources:
        raise JitbootError("no program: use `doit aot-run arch=aarch64 src=prog.ssa[,prog.c]`")
    jitrun = build_dir / "host" / "jitrun"
    work = build_dir / "aot" / target.name
    work.mkdir(parents=True, exist_ok=True)
    for name in sources:
        src = Path(name).expanduser()
        if src.suffix not in (".ssa", ".c") or not src.is_file():
            raise JitbootError(f"src={name}: give an existing .ssa or .c file")
        ssa = src
        if src.suffix == ".c":
            ssa = work / f"{src.stem}.ssa"
            ssa.write_text(c_to_il(src, target))
        asm, exe = work / f"{src.stem}.s", work / src.stem
        cc = subprocess.run([str(jitrun), f"--target={target.qbe_target}", "-S", str(ssa)],
                            capture_output=True, text=True)
        if cc.returncode != 0:
            raise JitbootError(cc.stderr.strip() or f"{src}: jitrun failed (exit {cc.returncode})")
        asm.write_text(cc.stdout)
        aot_build(asm, exe, target)
        r = run_user(exe, target, args=args)
        print(r.stdout, end="")
        print(r.stderr, end="")
        if r.returncode != 0:
            raise JitbootError(f"{src}: exit status {r.returncode} under {target.qemu_user}")
