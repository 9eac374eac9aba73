"""The benchmark programs (tests/bench: IL and C twin) and what is generated from them: the table of jit/bench.h and QBE's AOT assembly."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import ROOT, protocol, toolchain
from ..errors import JitbootError

if TYPE_CHECKING:
    from ..build import Image


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


def qbe_assembly(qbe: Path, prog: Program, root: Path = ROOT, target: str = QBE_TARGET) -> str:
    """Stock QBE's assembly for target (amd64_sysv, arm64) of the renamed IL of prog."""
    where = toolchain.rel(prog.il, root)
    with tempfile.TemporaryDirectory(prefix="jitboot-bench-") as tmp:
        src = Path(tmp) / prog.il.name
        src.write_text(rename_defined(prog.il.read_text(encoding="utf-8")), encoding="utf-8")
        try:
            proc = subprocess.run([str(qbe), "-t", target, str(src)],
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
    out = ["/* bench_progs.c - generated by jitboot/bench/programs.py from tests/bench/: do not edit.",
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


def generate(out: Path, qbe: Path, root: Path = ROOT, target: str = QBE_TARGET) -> list[Path]:
    """Write the table and QBE's assembly for target of every program under out."""
    from ..render import write_if_changed
    progs = programs(root)
    for p in progs:
        header = (f"/* generated by jitboot/bench/programs.py: {toolchain.rel(p.il, root)} through "
                  f"stock QBE -t {target},\n * its symbols renamed {AOT_PREFIX}NAME. */\n")
        write_if_changed(out / ASM_DIR / f"{p.name}.S", header + qbe_assembly(qbe, p, root, target))
    write_if_changed(out / TABLE, table_source(progs, root))
    return generated_files(out, root)


def generate_for_image(image: "Image", root: Path = ROOT) -> None:
    """The bench_gen task: the kernel's table and QBE's assembly (the qbe
    program, built by its own task, makes the assembly)."""
    from ..arch import get
    from ..build import program_output
    generate(image.gen, program_output("qbe-stock", root), root, get(image.recipe.arch).qbe_target)
