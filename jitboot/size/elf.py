"""Reading the kernel ELF: headers, sections and segments, DWARF compile units, symbols."""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, cast

from jitboot.errors import JitbootError

from .model import (DW_OP_addr, OTHER, PF_R, PF_W, PF_X, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE,
                    Section, Segment)

if TYPE_CHECKING:
    from elftools.dwarf.compileunit import CompileUnit
    from elftools.dwarf.die import DIE
    from elftools.dwarf.dwarfinfo import DWARFInfo
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import Section as ElfSection


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _check_header(path: Path) -> None:
    if not path.exists():
        raise JitbootError(f"{path}: no such file (build the image first: doit image)")
    if not path.is_file():
        raise JitbootError(f"{path}: not a regular file")
    with open(path, "rb") as f:
        head = f.read(64)
    if head[:4] != b"\x7fELF":
        raise JitbootError(f"{path}: not an ELF file (starts with {head[:4]!r})")
    if len(head) < 64:
        raise JitbootError(f"{path}: truncated ELF ({len(head)} bytes, header alone is 64)")
    if head[4] == 1:
        raise JitbootError(f"{path}: 32-bit ELF; audit the 64-bit kernel.elf, "
                           "not the kernel.elf32 boot container")
    if head[4] != 2 or head[5] != 1:
        raise JitbootError(f"{path}: unsupported ELF class/data "
                           f"({head[4]}/{head[5]}), expected 64-bit little-endian")


# Kernels the audit reads: e_machine -> architecture.
MACHINES = {"EM_X86_64": "x86-64", "EM_AARCH64": "aarch64"}


def _check_machine(path: Path, elf: ELFFile) -> None:
    if elf["e_machine"] not in MACHINES:
        raise JitbootError(f"{path}: ELF for {elf['e_machine']}, expected x86-64 (EM_X86_64) "
                           f"or aarch64 (EM_AARCH64)")


def _check_kernel(path: Path, elf: ELFFile) -> None:
    """A Linux program is not a kernel: refuse it rather than report sizes
    against a kernel's budgets."""
    for seg in elf.iter_segments():
        if seg["p_type"] == "PT_INTERP":
            interp = seg.get_interp_name() if hasattr(seg, "get_interp_name") else "?"
            raise JitbootError(f"{path}: a Linux program (it asks for the dynamic loader "
                               f"{interp}), not a kernel: audit an image's kernel.elf")
    if elf["e_type"] != "ET_EXEC":
        raise JitbootError(f"{path}: {elf['e_type']} ELF, not a kernel linked at fixed "
                           f"addresses (ET_EXEC): audit an image's kernel.elf")


def _check_extent(path: Path, elf: ELFFile) -> None:
    """pyelftools reads lazily; catch truncation up front, with a clear message."""
    size = path.stat().st_size
    end = elf["e_shoff"] + elf["e_shnum"] * elf["e_shentsize"]
    if elf["e_shoff"] and end > size:
        raise JitbootError(f"{path}: truncated ELF (section headers end at {end}, file has {size} bytes)")
    for s in elf.iter_sections():
        if s["sh_type"] != "SHT_NOBITS" and s["sh_offset"] + s["sh_size"] > size:
            raise JitbootError(f"{path}: truncated ELF (section {s.name} ends at "
                               f"{s['sh_offset'] + s['sh_size']}, file has {size} bytes)")


def _kind(s: ElfSection) -> str:
    if s["sh_type"] == "SHT_NOBITS":
        return "bss"
    if s["sh_flags"] & SHF_EXECINSTR:
        return "text"
    if s["sh_flags"] & SHF_WRITE:
        return "data"
    return "rodata"


def _sflags(f: int) -> str:
    return ("W" if f & SHF_WRITE else "") + ("A" if f & SHF_ALLOC else "") + \
           ("X" if f & SHF_EXECINSTR else "")


def _pflags(f: int) -> str:
    return "".join(c if f & b else "-" for c, b in (("R", PF_R), ("W", PF_W), ("X", PF_X)))


def _layout(elf: ELFFile) -> tuple[list[Section], list[Segment], dict[str, int]]:
    loads = [(i, seg) for i, seg in enumerate(elf.iter_segments()) if seg["p_type"] == "PT_LOAD"]
    segments = [Segment(i, seg["p_vaddr"], seg["p_paddr"], seg["p_filesz"], seg["p_memsz"],
                        _pflags(seg["p_flags"]), []) for i, seg in loads]
    sections, debug = [], 0
    for s in elf.iter_sections():
        if not s["sh_flags"] & SHF_ALLOC:
            if s["sh_type"] != "SHT_NOBITS":
                debug += s["sh_size"]
            continue
        if s["sh_size"] == 0:
            continue
        seg = next((k for k, (i, g) in enumerate(loads) if g.section_in_segment(s)), None)
        nobits = s["sh_type"] == "SHT_NOBITS"
        sections.append(Section(s.name, _kind(s), s["sh_addr"], 0 if nobits else s["sh_size"],
                                s["sh_size"], _sflags(s["sh_flags"]),
                                None if seg is None else segments[seg].index))
        if seg is not None:
            segments[seg].sections.append(s.name)
    sections.sort(key=lambda s: (s.addr, s.name))
    in_load = sum(s.file_size for s in sections if s.segment is not None)
    image = sum(g.file_size for g in segments)
    totals = {
        "image": image,
        "memory": sum(g.mem_size for g in segments),
        "sections_file": sum(s.file_size for s in sections),
        "sections_memory": sum(s.mem_size for s in sections),
        "load_padding": image - in_load,
        "debug": debug,
    }
    return sections, segments, totals


@dataclass
class _Unit:
    path: str
    component: str
    ranges: list[tuple[int, int]]
    variables: list[tuple[int, int | None]]   # (addr, DWARF type size or None)


def _attr_str(die: DIE, name: str) -> str | None:
    a = die.attributes.get(name)
    if a is None:
        return None
    v = a.value
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _relpath(name: str, comp_dir: str | None, root: str | None) -> str:
    p = name
    if not posixpath.isabs(p) and comp_dir and posixpath.isabs(comp_dir):
        p = posixpath.join(comp_dir, p)
    if posixpath.isabs(p) and root:
        r = posixpath.normpath(str(root))
        if p == r or p.startswith(r + "/"):
            p = posixpath.relpath(p, r)
    p = posixpath.normpath(p)
    return p[2:] if p.startswith("./") else p


def classify(path: str, rules: Iterable[tuple[str, str]]) -> str:
    """The component a repository-relative path belongs to."""
    for rule, comp in rules:
        if any(c in rule for c in "*?["):
            if fnmatch.fnmatchcase(path, rule):
                return comp
        elif path.startswith(rule):
            return comp
    return OTHER


def _cu_ranges(dw: DWARFInfo, cu: CompileUnit, top: DIE) -> list[tuple[int, int]]:
    from elftools.dwarf.ranges import BaseAddressEntry

    attrs = top.attributes
    low = attrs["DW_AT_low_pc"].value if "DW_AT_low_pc" in attrs else 0
    if "DW_AT_ranges" in attrs:
        rl = dw.range_lists()
        if rl is None:
            return []
        out, base = [], low
        for e in rl.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu):
            if isinstance(e, BaseAddressEntry):
                base = e.base_address
            elif e.is_absolute:
                out.append((e.begin_offset, e.end_offset))
            else:
                out.append((base + e.begin_offset, base + e.end_offset))
        return out
    if "DW_AT_high_pc" in attrs:
        hi = attrs["DW_AT_high_pc"]
        end = hi.value if hi.form == "DW_FORM_addr" else low + hi.value
        return [(low, end)]
    return []


def _type_size(die: DIE | None, depth: int = 0) -> int | None:
    """Byte size of a variable's type, following typedef/const/volatile/arrays."""
    if die is None or depth > 16:
        return None
    a = die.attributes
    if "DW_AT_byte_size" in a:
        return a["DW_AT_byte_size"].value
    if die.tag == "DW_TAG_pointer_type":
        return die.cu["address_size"]
    inner = die.get_DIE_from_attribute("DW_AT_type") if "DW_AT_type" in a else None
    if die.tag == "DW_TAG_array_type":
        n = 1
        for sub in die.iter_children():
            sa = sub.attributes
            if "DW_AT_count" in sa:
                n *= sa["DW_AT_count"].value
            elif "DW_AT_upper_bound" in sa:
                n *= sa["DW_AT_upper_bound"].value + 1
            else:
                return None
        elem = _type_size(inner, depth + 1)
        return None if elem is None else n * elem
    return _type_size(inner, depth + 1)


def _variables(top: DIE) -> list[tuple[int, int | None]]:
    """File-scope variables with a fixed address.  Function-scope statics are
    local symbols and get their owner from the STT_FILE symbols instead."""
    out = []
    for die in top.iter_children():
        if die.tag != "DW_TAG_variable" or "DW_AT_location" not in die.attributes:
            continue
        loc = die.attributes["DW_AT_location"].value
        if not isinstance(loc, list) or len(loc) != 9 or loc[0] != DW_OP_addr:
            continue
        addr = int.from_bytes(bytes(loc[1:9]), "little")
        size = None
        if "DW_AT_type" in die.attributes:
            try:
                size = _type_size(die.get_DIE_from_attribute("DW_AT_type"))
            except Exception:
                size = None
        out.append((addr, size))
    return out


def _read_dwarf(elf: ELFFile, rules: Iterable[tuple[str, str]],
                root: str | None) -> tuple[list[_Unit], str | None]:
    """Compile units, or ([], reason) when there is no usable DWARF."""
    if not elf.has_dwarf_info() or elf.get_section_by_name(".debug_info") is None:
        return [], "no DWARF"
    units = []
    try:
        dw = elf.get_dwarf_info()
        for cu in dw.iter_CUs():
            top = cu.get_top_DIE()
            name = _attr_str(top, "DW_AT_name")
            if name is None:
                continue
            path = _relpath(name, _attr_str(top, "DW_AT_comp_dir"), root)
            units.append(_Unit(path, classify(path, rules), _cu_ranges(dw, cu, top),
                               _variables(top)))
    except Exception as e:
        return units, f"DWARF unreadable ({_one_line(e)})"
    return units, None


_SYMTYPE = {"STT_FUNC": "func", "STT_OBJECT": "object", "STT_NOTYPE": "other",
            "STT_TLS": "object", "STT_GNU_IFUNC": "func"}


@dataclass
class _Sym:
    name: str
    addr: int
    size: int
    type: str
    shndx: int
    file: str | None     # STT_FILE name in front of a local symbol


def _read_symbols(elf: ELFFile) -> list[_Sym] | None:
    from elftools.elf.sections import SymbolTableSection

    tab = cast(SymbolTableSection | None, elf.get_section_by_name(".symtab"))
    if tab is None:
        return None
    out, cur_file = [], None
    for s in tab.iter_symbols():
        t = s["st_info"]["type"]
        if t == "STT_FILE":
            cur_file = s.name
            continue
        local = s["st_info"]["bind"] == "STB_LOCAL"
        if t not in _SYMTYPE or s["st_size"] == 0 or not isinstance(s["st_shndx"], int):
            continue
        out.append(_Sym(s.name, s["st_value"], s["st_size"], _SYMTYPE[t], s["st_shndx"],
                        cur_file if local else None))
    return out
