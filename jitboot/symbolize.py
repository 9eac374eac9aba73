"""Kernel addresses as function+offset and file:line, from kernel.elf.

The kernel prints a PANIC line with the raw RIP (it has no symbol table at
run time); the harness has the ELF with its symbols and DWARF, so the
summary says where that is: `rip=0x10a2f3` becomes `vm_check+0x13
(kernel_lib/vm.c:88)`.
"""

from __future__ import annotations

import re
from pathlib import Path

RIP = re.compile(r"\brip=(0x[0-9a-fA-F]+)")


def describe(elf_path: Path, addr: int) -> str | None:
    """`func+0xOFF (file:line)` for addr in elf_path, as much as is known;
    None when the address is in no function and no line."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    try:
        with open(elf_path, "rb") as f:
            elf = ELFFile(f)
            func = _function(elf, addr)
            line = _line(elf, addr)
    except (OSError, ELFError, ValueError, KeyError, IndexError, AssertionError) as e:
        return f"(cannot read {elf_path.name}: {e})"
    if func is None and line is None:
        return None
    parts = [func] if func else []
    if line:
        parts.append(f"({line})" if func else line)
    return " ".join(parts)


def _function(elf: object, addr: int) -> str | None:
    symtab = elf.get_section_by_name(".symtab")  # type: ignore[attr-defined]
    if symtab is None:
        return None
    best = None
    for sym in symtab.iter_symbols():
        if sym["st_info"]["type"] != "STT_FUNC" or not sym.name:
            continue
        start, size = sym["st_value"], sym["st_size"]
        if start <= addr < start + max(size, 1):
            best = (sym.name, addr - start)
            break
    return f"{best[0]}+{best[1]:#x}" if best else None


def _line(elf: object, addr: int) -> str | None:
    if not elf.has_dwarf_info():  # type: ignore[attr-defined]
        return None
    dwarf = elf.get_dwarf_info()  # type: ignore[attr-defined]
    for cu in dwarf.iter_CUs():
        prog = dwarf.line_program_for_CU(cu)
        if prog is None:
            continue
        prev = None
        for entry in prog.get_entries():
            st = entry.state
            if st is None:
                continue
            if prev is not None and prev.address <= addr < st.address and not prev.end_sequence:
                return f"{_file_name(prog, prev.file, cu)}:{prev.line}"
            prev = None if st.end_sequence else st
    return None


def _file_name(prog: object, index: int, cu: object) -> str:
    entries = prog["file_entry"]  # type: ignore[index]
    version = prog["version"]  # type: ignore[index]
    i = index if version >= 5 else index - 1
    if not 0 <= i < len(entries):
        return "?"
    entry = entries[i]
    name = entry.name.decode(errors="replace")
    dirs = prog["include_directory"]  # type: ignore[index]
    d = entry.dir_index if version >= 5 else entry.dir_index - 1
    if 0 <= d < len(dirs) and not name.startswith("/"):
        base = dirs[d].decode(errors="replace")
        if base not in (".", ""):
            name = f"{base}/{name}"
    return name.removeprefix("./")


def panic_location(elf_path: Path, panic_line: str | None) -> str | None:
    """Where a `PANIC: ... rip=0x...` line's RIP is, or None."""
    if not panic_line:
        return None
    m = RIP.search(panic_line)
    return describe(elf_path, int(m.group(1), 16)) if m else None
