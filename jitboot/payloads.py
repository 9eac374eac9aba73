"""C and LLVM IR payloads: translated to IL on the host, at build time.

A recipe's [run] payloads (and `doit jit-run src=...`) may name .c and .ll
files besides IL.  Each becomes one IL module, NAME.ssa, written next to the
image's other build products: C goes through clang-19 to LLVM IR and our
translator (jitboot/llvm.py); several sources joined with + (a.c+b.c) are
compiled one by one and linked into one LLVM module with llvmlite before
translation, so they become one program.  The kernel only ever sees IL.
A program that means to fault declares it in a comment of its source
(`// # expect fault: #DE` in C, `; # expect fault: #DE` in LLVM IR), which
the IL carries on as the kernel reads it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import protocol
from .errors import JitbootError
from .recipe import Payload

_DECLARED_FAULT = re.compile(rf"^\s*(?://|/\*|;)\s*({re.escape(protocol.FAULT_TAG)}[^*\n]*?)"
                             r"\s*(?:\*/)?\s*$", re.M)


def declared_fault(sources: list[Path] | tuple[Path, ...]) -> str:
    """The IL line declaring the fault a source's comment declares, or ""."""
    for src in sources:
        try:
            m = _DECLARED_FAULT.search(Path(src).read_text())
        except OSError:
            continue            # translating it says why
        if m:
            return m.group(1) + "\n"
    return ""


def translate(sources: list[Path] | tuple[Path, ...], opt: str = "-O0",
              arch: str = "x86_64") -> str:
    """QBE IL for the program made of sources (.c and .ll files), C
    compiled for arch: clang's IR is the target's (va_list's layout,
    plain char's signedness, how structs are passed), so an aarch64
    payload's C goes through clang's aarch64 triple."""
    return declared_fault(sources) + _translate(sources, opt, _target_flags(arch))


def _target_flags(arch: str) -> list[str]:
    from . import arch as arches
    if arch == arches.HOST:
        return []               # the translator's own default, x86-64 Linux
    return [f"--target={arches.get(arch).clang_triple}"]


def _translate(sources: list[Path] | tuple[Path, ...], opt: str, cflags: list[str]) -> str:
    from . import llvm
    if len(sources) == 1:
        return llvm.translate_file(sources[0], opt, cflags)
    import llvmlite.binding as ll
    name = "+".join(Path(s).name for s in sources)
    linked = None
    for src in sources:
        src = Path(src)
        if src.suffix == ".c":
            text = llvm.compile_c(src, opt, cflags=cflags)
        else:
            try:
                text = src.read_text()
            except OSError as e:
                raise JitbootError(f"{src}: cannot read ({e.strerror})") from None
        try:
            module = ll.parse_assembly(text)
        except RuntimeError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else "invalid LLVM IR"
            raise JitbootError(f"{src}: {first}") from None
        if linked is None:
            linked = module
        else:
            try:
                linked.link_in(module)
            except RuntimeError as e:
                raise JitbootError(f"{name}: cannot link {src.name}: "
                                   f"{str(e).strip().splitlines()[0]}") from None
    return llvm.translate(str(linked), name)


def write_il(payload: Payload) -> None:
    """Translate a C/LLVM IR payload into payload.path, atomically (a failed
    or interrupted translation leaves no IL that looks up to date)."""
    il = translate(payload.sources, payload.opt or "-O0", payload.arch)
    out = payload.path
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(il)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def prepare(payloads: tuple[Payload, ...] | list[Payload]) -> None:
    """Translate every payload that has sources (`doit jit-run`: not tracked)."""
    for p in payloads:
        if p.sources:
            write_il(p)


Module = tuple[Path, str]


def data_modules(data: list[Path] | tuple[Path, ...] | tuple[str, ...], args: list[str] | tuple[str, ...],
                 args_file: Path) -> list[Module]:
    """The modules beside the payloads: each data file as "data:NAME"
    (payloads fopen it by NAME) and, when there are arguments, args_file
    written with them, each NUL-terminated, as "args:" (the kernel gives
    them to every payload's main after its name)."""
    mods = [(Path(d), protocol.DATA_MODULE_PREFIX + Path(d).name) for d in data]
    if args:
        try:
            args_file.parent.mkdir(parents=True, exist_ok=True)
            args_file.write_bytes(b"".join(a.encode() + b"\0" for a in args))
        except OSError as e:
            raise JitbootError(f"cannot write the arguments to {args_file}: "
                               f"{e.strerror}") from None
        mods.append((args_file, protocol.ARGS_MODULE))
    return mods
