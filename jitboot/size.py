"""Size audit of a kernel ELF: where every byte goes, and whether it fits.

The project exists because a JIT backend had to fit in 5 MB; this module is
the gate that keeps it honest.  It reads the final 64-bit kernel ELF with
pyelftools and answers three questions:

  * how big is the image (file-backed bytes of the PT_LOAD segments) and its
    memory footprint (PT_LOAD memory sizes, so bss included);
  * which part of the source tree each byte came from (a "component");
  * what grew since the previous build (bloat-o-meter style).

Attribution.  Every byte of every allocated section gets one owner, claimed
in this order (first claim wins, so overlapping ranges are never counted
twice):

  1. "dwarf": the address ranges of each DWARF compile unit
     (DW_AT_low_pc/DW_AT_high_pc or DW_AT_ranges) and the addresses of its
     file-scope variables (DW_OP_addr locations, sized from the symbol
     table or the DWARF type);
  2. "symbol": each sized symbol (st_value, st_size) whose compile unit is
     known, from a DWARF range containing its address or, for local
     symbols, from the STT_FILE symbol in front of it;
  3. "map": if the link wrote a GNU ld map (ld -Map, kernel.map next to
     kernel.elf), each input section it lists goes to the compile unit that
     owns most of that object file's DWARF-claimed bytes: this places
     string literals, jump tables and constants that have no symbol;
  4. whatever is left is an explicit "unattributed" row (alignment padding,
     .eh_frame, code from files built without -g, and without a map the
     string literals and jump tables).

The compile unit's path (DW_AT_name, relative to the repository because the
build uses -ffile-prefix-map=<repo>=.) picks the component through an
ordered list of rules (DEFAULT_COMPONENTS): a rule is a path prefix
("kernel_lib/") or, if it contains * ? or [, an fnmatch pattern
("jit/asm*.c"); the first match wins, no match means "other".

JSON schema (size.json, "schema_version": 1).  All sizes are bytes, all
addresses integers.

  schema_version  1
  elf             path of the audited ELF
  method          one line: how components were attributed
  notes           list of one-line remarks (missing DWARF, symbols ...)
  totals          {image, memory, sections_file, sections_memory,
                   load_padding, debug}: image/memory are the PT_LOAD
                   file/memory sizes; sections_* the allocated sections;
                   load_padding = image - file bytes of sections inside
                   load segments (alignment gaps, ELF headers); debug =
                   bytes of non-allocated sections (not loaded)
  attribution     {dwarf, symbol, map, unattributed}: bytes per method
  sections        [{name, kind, addr, file_size, mem_size, flags, segment}]
                  allocated sections in address order; kind is text,
                  rodata, data or bss; flags like "AX"; segment is the
                  index of the PT_LOAD segment holding it, or null
  segments        [{index, vaddr, paddr, file_size, mem_size, flags,
                   sections}]  PT_LOAD segments; flags like "RX"
  components      [{name, text, rodata, data, bss, file, memory,
                   sections: {section: bytes}}]  largest first,
                  "unattributed" last; file = text+rodata+data,
                  memory = file+bss; they sum exactly to the totals
  files           [{path, component, text, rodata, data, bss}]
  symbols         [{name, addr, size, type, section, component, file}]
                  every sized symbol, largest first (aliases at the same
                  address and size listed once)
  budgets         [{budget, measured, limit, over}]  present when
                  budgets were checked; over > 0 means over budget

Public API: audit(), check_budgets(), recipe_budgets(), diff(),
load_report(), report_dict(), write_json(), publish(); rendering (tables,
diff, HTML) lives in jitboot.size_render.  Command line:

  python -m jitboot.size ELF [--budget-image N] [--baseline JSON]
                             [--json OUT] [--html OUT]

exits 0 when within budget, 1 when over, 2 on bad input.
"""

from __future__ import annotations

import argparse
import bisect
import fnmatch
import json
import os
import posixpath
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from jitboot import components as manifest
from jitboot import recipe
from jitboot.errors import JitbootError

SCHEMA_VERSION = 1

#: (rule, component): first matching rule wins.  Paths are as the compiler
#: saw them, relative to the repository.
# Derived from the component manifest (jitboot/components.py), which says
# which size group every source belongs to.
DEFAULT_COMPONENTS: tuple[tuple[str, str], ...] = manifest.size_rules()

#: Components whose text+rodata+data make up the JIT core budget.
JIT_CORE = ("qbe", "shim", "jit_driver", "asm_loader")

UNATTRIBUTED = "unattributed"
OTHER = "other"
KINDS = ("text", "rodata", "data", "bss")

# The recipe's [budget] defaults.
DEFAULT_BUDGETS = {name: recipe.KEY["budget", name].default
                   for name in ("image", "jit_core", "memory")}

SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
PF_X, PF_W, PF_R = 0x1, 0x2, 0x4
DW_OP_addr = 0x03


# ---------------------------------------------------------------- model

@dataclass
class Section:
    name: str
    kind: str            # text, rodata, data, bss
    addr: int
    file_size: int
    mem_size: int
    flags: str
    segment: int | None


@dataclass
class Segment:
    index: int
    vaddr: int
    paddr: int
    file_size: int
    mem_size: int
    flags: str
    sections: list[str]


@dataclass
class Component:
    name: str
    text: int = 0
    rodata: int = 0
    data: int = 0
    bss: int = 0
    sections: dict[str, int] = field(default_factory=dict)

    @property
    def file(self) -> int:
        return self.text + self.rodata + self.data

    @property
    def memory(self) -> int:
        return self.file + self.bss

    def add(self, kind: str, section: str, n: int) -> None:
        setattr(self, kind, getattr(self, kind) + n)
        self.sections[section] = self.sections.get(section, 0) + n


@dataclass
class Symbol:
    name: str
    addr: int
    size: int
    type: str            # func, object, other
    section: str
    component: str
    file: str | None


@dataclass
class SizeReport:
    elf: str
    method: str
    notes: list[str]
    sections: list[Section]
    segments: list[Segment]
    components: list[Component]
    files: list[dict]
    symbols: list[Symbol]
    attribution: dict[str, int]
    totals: dict[str, int]

    def component(self, name: str) -> Component:
        for c in self.components:
            if c.name == name:
                return c
        return Component(name)

    @property
    def jit_core(self) -> int:
        return sum(self.component(n).file for n in JIT_CORE)


@dataclass
class Overrun:
    budget: str          # "image", "jit_core", "memory", "component qbe"
    measured: int
    limit: int
    culprits: list[tuple[str, int]]   # largest contributing components

    @property
    def over(self) -> int:
        return self.measured - self.limit


@dataclass
class Change:
    name: str
    old: int | None      # None: added
    new: int | None      # None: removed

    @property
    def delta(self) -> int:
        return (self.new or 0) - (self.old or 0)


@dataclass
class Diff:
    baseline: str
    components: list[Change]
    symbols: list[Change]
    image: Change
    memory: Change


# ------------------------------------------------------------- reading

def audit(elf_path, components: Iterable[tuple[str, str]] | None = None,
          source_root=None, map_path="auto") -> SizeReport:
    """Read a 64-bit x86-64 ELF and attribute its bytes to components.

    components: (rule, component) pairs, DEFAULT_COMPONENTS if None.
    source_root: the repository, used to turn absolute DWARF paths into
    relative ones and, without DWARF, to find the directory of a file named
    by an STT_FILE symbol.  map_path: a GNU ld -Map file of the same link,
    used after DWARF and symbols to place the rest (string literals, jump
    tables); "auto" takes kernel.map next to the ELF if present, None none.
    Raises JitbootError for unusable input.
    """
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    path = Path(elf_path)
    rules = tuple(components) if components is not None else DEFAULT_COMPONENTS
    _check_header(path)
    if map_path == "auto":
        auto = path.with_suffix(".map")
        map_path = auto if auto.is_file() else None
    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            _check_machine(path, elf)
            _check_extent(path, elf)
            return _audit(path, elf, rules, source_root, map_path)
    except JitbootError:
        raise
    except (ELFError, OSError, ValueError, KeyError, IndexError,
            AssertionError, EOFError) as e:
        raise JitbootError(f"{path}: corrupt or truncated ELF ({_one_line(e)})")
    except Exception as e:  # construct's StreamError and friends
        raise JitbootError(f"{path}: corrupt or truncated ELF "
                           f"({type(e).__name__}: {_one_line(e)})")


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


def _check_machine(path: Path, elf) -> None:
    if elf["e_machine"] != "EM_X86_64":
        raise JitbootError(f"{path}: ELF for {elf['e_machine']}, expected x86-64 (EM_X86_64)")


def _check_extent(path: Path, elf) -> None:
    """pyelftools reads lazily; catch truncation up front, with a clear message."""
    size = path.stat().st_size
    end = elf["e_shoff"] + elf["e_shnum"] * elf["e_shentsize"]
    if elf["e_shoff"] and end > size:
        raise JitbootError(f"{path}: truncated ELF (section headers end at {end}, file has {size} bytes)")
    for s in elf.iter_sections():
        if s["sh_type"] != "SHT_NOBITS" and s["sh_offset"] + s["sh_size"] > size:
            raise JitbootError(f"{path}: truncated ELF (section {s.name} ends at "
                               f"{s['sh_offset'] + s['sh_size']}, file has {size} bytes)")


def _kind(s) -> str:
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


def _layout(elf) -> tuple[list[Section], list[Segment], dict[str, int]]:
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


# ----------------------------------------------------------- DWARF side

@dataclass
class _Unit:
    path: str
    component: str
    ranges: list[tuple[int, int]]
    variables: list[tuple[int, int | None]]   # (addr, DWARF type size or None)


def _attr_str(die, name: str) -> str | None:
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


def _cu_ranges(dw, cu, top) -> list[tuple[int, int]]:
    attrs = top.attributes
    low = attrs["DW_AT_low_pc"].value if "DW_AT_low_pc" in attrs else 0
    if "DW_AT_ranges" in attrs:
        rl = dw.range_lists()
        if rl is None:
            return []
        out, base = [], low
        for e in rl.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu):
            if hasattr(e, "base_address"):
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


def _type_size(die, depth: int = 0) -> int | None:
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


def _variables(top) -> list[tuple[int, int | None]]:
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


def _read_dwarf(elf, rules, root) -> tuple[list[_Unit], str | None]:
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


# --------------------------------------------------------- symbol side

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


def _read_symbols(elf) -> list[_Sym] | None:
    tab = elf.get_section_by_name(".symtab")
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


# --------------------------------------------------------- attribution

class Coverage:
    """Disjoint claimed intervals of one section; the first claim wins."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.items: list[tuple[int, int, str, str]] = []   # start, end, owner, method

    def claim(self, start: int, end: int, owner: str, method: str) -> int:
        """Claim what is still free in [start, end); returns bytes claimed."""
        free, pos = [], start
        j = max(bisect.bisect_right(self.starts, start) - 1, 0)
        while pos < end:
            while j < len(self.items) and self.items[j][1] <= pos:
                j += 1
            if j == len(self.items) or self.items[j][0] >= end:
                free.append((pos, end))
                break
            s, e = self.items[j][:2]
            if s > pos:
                free.append((pos, s))
            pos = max(pos, e)
            j += 1
        for s, e in free:
            k = bisect.bisect_left(self.starts, s)
            self.starts.insert(k, s)
            self.items.insert(k, (s, e, owner, method))
        return sum(e - s for s, e in free)

    def owner(self, addr: int) -> tuple[str, str] | None:
        k = bisect.bisect_right(self.starts, addr) - 1
        if k >= 0 and self.items[k][0] <= addr < self.items[k][1]:
            return self.items[k][2], self.items[k][3]
        return None


def _unit_at(units: list[_Unit], spans: list[tuple[int, int, int]], addr: int):
    """The unit whose range holds addr; spans are (lo, hi, unit index) by lo."""
    k = bisect.bisect_right(spans, (addr, float("inf"), 0)) - 1
    for lo, hi, i in reversed(spans[max(k - 7, 0):k + 1]):   # ranges rarely nest
        if lo <= addr < hi:
            return units[i]
    return None


def _claims(units, syms, rules, root):
    """(start, end, path, component, method) in priority order."""
    claims = []
    for u in units:
        for lo, hi in u.ranges:
            claims.append((lo, hi, u.path, u.component, "dwarf"))
    sym_size = {}
    for s in syms or ():
        sym_size[s.addr] = max(sym_size.get(s.addr, 0), s.size)
    for u in units:
        for addr, tsize in u.variables:
            n = sym_size.get(addr) or tsize
            if n:
                claims.append((addr, addr + n, u.path, u.component, "dwarf"))
    spans = sorted((lo, hi, i) for i, u in enumerate(units) for lo, hi in u.ranges if hi > lo)
    by_base = _basename_index(units, root, rules)
    for s in syms or ():
        u = _unit_at(units, spans, s.addr)
        if u is not None:
            claims.append((s.addr, s.addr + s.size, u.path, u.component, "symbol"))
        elif s.file and s.file in by_base:
            path = by_base[s.file]
            claims.append((s.addr, s.addr + s.size, path, classify(path, rules), "symbol"))
    return claims


def _basename_index(units, root, rules) -> dict[str, str]:
    """STT_FILE names are basenames; map those that name exactly one file
    (one compile unit, or without DWARF one source file under root that
    some rule claims)."""
    seen: dict[str, set[str]] = {}
    for u in units:
        seen.setdefault(posixpath.basename(u.path), set()).add(u.path)
    if not units and root:
        for p in Path(root).rglob("*"):
            if p.suffix in (".c", ".S", ".s") and p.is_file():
                rel = p.relative_to(root).as_posix()
                if classify(rel, rules) != OTHER:
                    seen.setdefault(p.name, set()).add(rel)
    return {b: next(iter(ps)) for b, ps in seen.items() if len(ps) == 1}


_MAP_ONE = re.compile(r"^ (\.\S+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_MAP_NAME = re.compile(r"^ (\.\S+|COMMON)$")
_MAP_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def read_map(path) -> list[tuple[int, int, str]]:
    """Input sections (addr, size, object) from a GNU ld -Map file.  Unlike
    DWARF it also places string literals and jump tables; *fill* stays out."""
    out, pending = [], None
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError as e:
        raise JitbootError(f"{path}: cannot read linker map ({_one_line(e)})")
    for line in lines:
        m = _MAP_ONE.match(line)
        if m:
            addr, size, obj = int(m.group(2), 16), int(m.group(3), 16), m.group(4).strip()
        elif pending and (m := _MAP_REST.match(line)):
            addr, size, obj = int(m.group(1), 16), int(m.group(2), 16), m.group(3).strip()
        else:
            pending = bool(_MAP_NAME.match(line))
            continue
        pending = None
        if size and not obj.startswith("("):
            out.append((addr, size, obj))
    return out


def _map_claims(pieces, claims, rules) -> list[tuple]:
    """Claims for each object's input sections, under the compile unit that
    owns most of that object's DWARF-claimed bytes (objects without DWARF
    keep their own name, e.g. libgcc.a(_udivti3.o))."""
    spans = sorted((lo, hi, i) for i, (lo, hi, *_r) in enumerate(claims)
                   if claims[i][4] == "dwarf" and hi > lo)
    starts = [sp[0] for sp in spans]
    votes: dict[str, dict[int, int]] = {}
    for addr, size, obj in pieces:
        k = bisect.bisect_left(starts, addr + size)
        for lo, hi, i in reversed(spans[max(k - 64, 0):k]):
            n = min(hi, addr + size) - max(lo, addr)
            if n > 0:
                v = votes.setdefault(obj, {})
                v[i] = v.get(i, 0) + n
    out = []
    for addr, size, obj in pieces:
        if obj in votes:
            best = max(votes[obj].items(), key=lambda kv: kv[1])[0]
            _, _, fpath, comp, _ = claims[best]
        else:
            fpath, comp = obj, classify(obj, rules)
        out.append((addr, addr + size, fpath, comp, "map"))
    return out


def _audit(path: Path, elf, rules, root, map_path=None) -> SizeReport:
    sections, segments, totals = _layout(elf)
    root = str(Path(root).resolve()) if root else None
    units, dwarf_problem = _read_dwarf(elf, rules, root)
    syms = _read_symbols(elf)
    notes = []
    if dwarf_problem:
        notes.append(f"{dwarf_problem}: components attributed by symbol file names only "
                     "(local symbols); the rest is unattributed")
    if syms is None:
        notes.append("no symbol table: top symbols unavailable")
    if not sections:
        notes.append("no allocated sections")

    claims = _claims(units, syms, rules, root)
    if map_path is not None:
        claims += _map_claims(read_map(map_path), claims, rules)
    comps: dict[str, Component] = {}
    files: dict[str, dict] = {}
    method = {"dwarf": 0, "symbol": 0, "map": 0, UNATTRIBUTED: 0}
    covers = []
    for sec in sections:
        cov = Coverage()
        lo, hi = sec.addr, sec.addr + sec.mem_size
        for s, e, fpath, comp, how in claims:
            s, e = max(s, lo), min(e, hi)
            if s < e:
                n = cov.claim(s, e, fpath, how)
                if n:
                    comps.setdefault(comp, Component(comp)).add(sec.kind, sec.name, n)
                    f = files.setdefault(fpath, {"path": fpath, "component": comp,
                                                 **{k: 0 for k in KINDS}})
                    f[sec.kind] += n
                    method[how] += n
        left = sec.mem_size - sum(e - s for s, e, _, _ in cov.items)
        if left:
            comps.setdefault(UNATTRIBUTED, Component(UNATTRIBUTED)).add(sec.kind, sec.name, left)
            method[UNATTRIBUTED] += left
        covers.append((sec, cov))

    comp_of_path = {f["path"]: f["component"] for f in files.values()}
    symbols = _symbols(syms or [], elf, covers, comp_of_path)
    ordered = sorted((c for c in comps.values() if c.name != UNATTRIBUTED),
                     key=lambda c: (-c.memory, c.name))
    if UNATTRIBUTED in comps:
        ordered.append(comps[UNATTRIBUTED])
    if units and not dwarf_problem:
        how = ("DWARF compile units (address ranges and file-scope variables), "
               "then sized symbols inside them")
        if map_path is not None:
            how += f", then the linker map {Path(map_path).name}"
    elif syms:
        how = "no DWARF: components attributed by symbol file names only"
    else:
        how = "no DWARF and no symbols: everything unattributed"
    return SizeReport(str(path), how, notes, sections, segments, ordered,
                      sorted(files.values(), key=lambda f: f["path"]), symbols,
                      method, totals)


def _symbols(syms, elf, covers, comp_of_path) -> list[Symbol]:
    names = {i: s.name for i, s in enumerate(elf.iter_sections())}
    seen, out = set(), []
    for s in sorted(syms, key=lambda s: (-s.size, s.addr, s.name)):
        if (s.addr, s.size) in seen:
            continue
        sec = next((sec for sec, cov in covers
                    if sec.addr <= s.addr < sec.addr + sec.mem_size), None)
        if sec is None:
            continue
        seen.add((s.addr, s.size))
        own = next(cov.owner(s.addr) for c, cov in covers if c is sec)
        fpath = own[0] if own else None
        comp = comp_of_path.get(fpath, UNATTRIBUTED) if fpath else UNATTRIBUTED
        out.append(Symbol(s.name, s.addr, s.size, s.type, names.get(s.shndx, sec.name),
                          comp, fpath))
    return out


# -------------------------------------------------------------- budgets

def parse_size(v, where: str = "size") -> int:
    """recipe.parse_size (one size grammar: "5 MiB", "500K", "0x1000";
    binary units), with a JitbootError naming where the size came from."""
    try:
        return recipe.parse_size(v)
    except ValueError as e:
        raise JitbootError(f"{where}: {e}") from None


def recipe_budgets(recipe) -> dict:
    """The budgets of a jitboot.recipe.Recipe in check_budgets' form."""
    return {"image": recipe.budget_image, "jit_core": recipe.budget_jit_core,
            "memory": recipe.budget_memory,
            "components": dict(getattr(recipe, "budget_components", None) or {})}


def check_budgets(report: SizeReport, budgets: Mapping | None = None) -> list[Overrun]:
    """Compare a report with budgets; [] means everything fits.

    budgets: {"image": N, "jit_core": N, "memory": N, "components": {name: N}}
    (sizes as for parse_size; missing keys take DEFAULT_BUDGETS).  image and
    memory are PT_LOAD file and memory sizes; jit_core and per-component
    budgets count text+rodata+data (bss is memory, not image).
    """
    b = dict(DEFAULT_BUDGETS)
    b.update({k: v for k, v in (budgets or {}).items()})
    known = {"image", "jit_core", "memory", "components"}
    for k in b:
        if k not in known:
            raise JitbootError(f"budget: unknown key {k!r} (known: {', '.join(sorted(known))})")
    real = [c for c in report.components if c.name != UNATTRIBUTED]
    by_file = sorted(((c.name, c.file) for c in real), key=lambda x: -x[1])
    by_mem = sorted(((c.name, c.memory) for c in real), key=lambda x: -x[1])
    core = [(n, f) for n, f in by_file if n in JIT_CORE]
    checks = [("image", report.totals["image"], by_file),
              ("jit_core", report.jit_core, core),
              ("memory", report.totals["memory"], by_mem)]
    comps = b.get("components") or {}
    if not isinstance(comps, Mapping):
        raise JitbootError("budget: 'components' must be a table of component = size")
    names = {c.name for c in report.components} | set(JIT_CORE) | \
        manifest.size_groups()
    for name, limit in comps.items():
        if name not in names:
            raise JitbootError(f"budget: unknown component {name!r} "
                               f"(known: {', '.join(sorted(names))})")
        c = report.component(name)
        checks.append((f"component {name}", c.file, [(name, c.file)],
                       parse_size(limit, f"budget.components.{name}")))
    out = []
    for chk in checks:
        what, measured, culprits = chk[:3]
        limit = chk[3] if len(chk) > 3 else parse_size(b[what], f"budget.{what}")
        if measured > limit:
            out.append(Overrun(what, measured, limit, [c for c in culprits if c[1]][:3]))
    return out


# ----------------------------------------------------------------- diff

def load_report(path) -> dict:
    """A size.json as a dict; JitbootError if unreadable or another schema."""
    p = Path(path)
    try:
        d = json.loads(p.read_text())
    except FileNotFoundError:
        raise JitbootError(f"{p}: no such baseline report")
    except (OSError, ValueError) as e:
        raise JitbootError(f"{p}: not a size report ({_one_line(e)})")
    if not isinstance(d, dict) or d.get("schema_version") != SCHEMA_VERSION:
        raise JitbootError(f"{p}: not a size report with schema_version {SCHEMA_VERSION}")
    problem = _report_problem(d)
    if problem:
        raise JitbootError(f"{p}: not a size report ({problem})")
    return d


def _report_problem(d: dict) -> str | None:
    """What diff() would trip over in a size.json, or None."""
    totals = d.get("totals")
    if not isinstance(totals, dict) or not all(
            isinstance(totals.get(k), int) for k in ("image", "memory")):
        return "'totals' lacks integer 'image' and 'memory'"
    for key, fields in (("components", ("name", "text", "rodata", "data")),
                        ("symbols", ("name", "size"))):
        items = d.get(key)
        if not isinstance(items, list):
            return f"'{key}' is not a list"
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or \
                    not all(isinstance(item.get(f), int) for f in fields[1:]):
                return f"{key}[{i}] lacks {', '.join(fields)}"
    return None


def _symbol_sizes(symbols: list[dict]) -> dict[str, int]:
    """name -> size; a name used by several files (static functions) gets
    '@file' appended so that they stay apart."""
    count: dict[str, int] = {}
    for s in symbols:
        count[s["name"]] = count.get(s["name"], 0) + 1
    out: dict[str, int] = {}
    for s in symbols:
        key = s["name"]
        if count[key] > 1:
            key = f"{key}@{posixpath.basename(s.get('file') or '?')}"
        out[key] = out.get(key, 0) + s["size"]
    return out


def _changes(old: dict[str, int], new: dict[str, int]) -> list[Change]:
    ch = [Change(k, old.get(k), new.get(k)) for k in old.keys() | new.keys()
          if old.get(k) != new.get(k)]
    return sorted(ch, key=lambda c: (-abs(c.delta), c.name))


def diff(old, new) -> Diff:
    """Growth between a baseline (dict from load_report, or a path) and a new
    report (SizeReport or dict), per component (file bytes) and per symbol."""
    if not isinstance(old, dict):
        old = load_report(old)
    base = old.get("elf", "?")
    new = report_dict(new) if isinstance(new, SizeReport) else new
    comp = lambda d: {c["name"]: c["text"] + c["rodata"] + c["data"] for c in d["components"]}
    return Diff(base, _changes(comp(old), comp(new)),
                _changes(_symbol_sizes(old["symbols"]), _symbol_sizes(new["symbols"])),
                Change("image", old["totals"]["image"], new["totals"]["image"]),
                Change("memory", old["totals"]["memory"], new["totals"]["memory"]))


# --------------------------------------------------------------- output

def report_dict(report: SizeReport, overruns: list[Overrun] | None = None) -> dict:
    d = {"schema_version": SCHEMA_VERSION, "elf": report.elf, "method": report.method,
         "notes": report.notes, "totals": report.totals, "attribution": report.attribution,
         "sections": [asdict(s) for s in report.sections],
         "segments": [asdict(s) for s in report.segments],
         "components": [{"name": c.name, **{k: getattr(c, k) for k in KINDS},
                         "file": c.file, "memory": c.memory, "sections": c.sections}
                        for c in report.components],
         "files": report.files,
         "symbols": [asdict(s) for s in report.symbols]}
    if overruns is not None:
        d["budgets"] = [{"budget": o.budget, "measured": o.measured, "limit": o.limit,
                         "over": o.over} for o in overruns]
    return d


def write_json(report: SizeReport, path, overruns: list[Overrun] | None = None) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(report_dict(report, overruns), indent=1) + "\n")
    os.replace(tmp, path)


@dataclass
class Published:
    report: SizeReport
    overruns: list[Overrun]
    diff: Diff | None
    text: str            # what to print


def publish(image_dir, budgets: Mapping | None = None, components=None,
            source_root=None, baseline=None, top: int = 15) -> Published:
    """The whole `doit size` step for build/images/NAME: audit kernel.elf,
    keep the previous size.json as size.prev.json, write size.json and
    size.html, and diff against the baseline (given, or size.prev.json)."""
    from jitboot import size_render

    d = Path(image_dir)
    report = audit(d / "kernel.elf", components, source_root)
    over = check_budgets(report, budgets)
    cur, prev = d / "size.json", d / "size.prev.json"
    # Read the baseline before rotating: it may be size.json itself, and a
    # bad one must fail before the current report is moved away.
    old = load_report(baseline) if baseline is not None else None
    if cur.exists():
        os.replace(cur, prev)
    if old is None and prev.exists():
        try:
            old = load_report(prev)
        except JitbootError:
            old = None       # a previous report of another schema: no diff
    dif = diff(old, report) if old is not None else None
    write_json(report, cur, over)
    lim = dict(DEFAULT_BUDGETS, **(budgets or {}))
    size_render.write_html(report, d / "size.html", over, dif, lim)
    text = size_render.render_table(report, top=top, budgets=lim)
    if dif is not None:
        text += "\n" + size_render.render_diff(dif)
    text += "\n" + size_render.render_overruns(over)
    return Published(report, over, dif, text)


# ------------------------------------------------------------------ CLI

def main(argv: list[str] | None = None) -> int:
    from jitboot import size_render

    ap = argparse.ArgumentParser(prog="python -m jitboot.size",
                                 description="Size audit of a 64-bit x86-64 kernel ELF.",
                                 epilog=f"Sizes: {recipe.SIZE_GRAMMAR}.")
    default = {k: recipe.format_size(v) for k, v in DEFAULT_BUDGETS.items()}
    ap.add_argument("elf")
    ap.add_argument("--budget-image", help=f"image budget (default {default['image']})")
    ap.add_argument("--budget-jit-core",
                    help=f"JIT core budget (default {default['jit_core']})")
    ap.add_argument("--budget-memory",
                    help=f"memory budget incl. bss (default {default['memory']})")
    ap.add_argument("--baseline", help="size.json of an earlier build to diff against")
    ap.add_argument("--json", help="write the JSON report here")
    ap.add_argument("--html", help="write the HTML picture here")
    ap.add_argument("--map", default="auto",
                    help="GNU ld map of the link, or 'none' (default: the ELF's name "
                         "with .map, if present)")
    ap.add_argument("--top", type=int, default=15, help="how many symbols to list")
    ap.add_argument("--source-root", default=None,
                    help="repository root (default: the jitboot checkout)")
    a = ap.parse_args(argv)
    try:
        from jitboot import ROOT
        budgets = {k: parse_size(v, f"--budget-{k.replace('_', '-')}")
                   for k, v in (("image", a.budget_image), ("jit_core", a.budget_jit_core),
                                ("memory", a.budget_memory)) if v is not None}
        report = audit(a.elf, source_root=a.source_root or ROOT, map_path=None if a.map == "none" else a.map)
        over = check_budgets(report, budgets)
        dif = diff(load_report(a.baseline), report) if a.baseline else None
        lim = dict(DEFAULT_BUDGETS, **budgets)
        if a.json:
            write_json(report, a.json, over)
        if a.html:
            size_render.write_html(report, a.html, over, dif, lim)
    except JitbootError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(size_render.render_table(report, top=a.top, budgets=lim))
    if dif is not None:
        print(size_render.render_diff(dif))
    print(size_render.render_overruns(over))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
