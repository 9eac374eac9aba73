"""Attribution: every allocated byte to one component (DWARF, symbols, linker map)."""

from __future__ import annotations

import bisect
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from jitboot.errors import JitbootError

from .elf import (_Unit, _check_extent, _check_header, _check_kernel, _check_machine, _layout,
                  _one_line, _read_dwarf, _read_symbols, classify)
from .model import (Component, DEFAULT_COMPONENTS, KINDS, OTHER, Section, SizeReport, Symbol,
                    UNATTRIBUTED)

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile

    from .elf import _Sym

Rules = Iterable[tuple[str, str]]
# (start, end, file path, component, method): bytes some evidence places
Claim = tuple[int, int, str, str, str]


def audit(elf_path: str | Path, components: Rules | None = None,
          source_root: str | Path | None = None,
          map_path: str | Path | None = "auto") -> SizeReport:
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
            _check_kernel(path, elf)
            return _audit(path, elf, rules, source_root, map_path)
    except JitbootError:
        raise
    except (ELFError, OSError, ValueError, KeyError, IndexError,
            AssertionError, EOFError) as e:
        raise JitbootError(f"{path}: corrupt or truncated ELF ({_one_line(e)})")
    except Exception as e:  # construct's StreamError and friends
        raise JitbootError(f"{path}: corrupt or truncated ELF "
                           f"({type(e).__name__}: {_one_line(e)})")



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


def _unit_at(units: list[_Unit], spans: list[tuple[int, int, int]], addr: int) -> _Unit | None:
    """The unit whose range holds addr; spans are (lo, hi, unit index) by lo."""
    k = bisect.bisect_right(spans, (addr, float("inf"), 0)) - 1
    for lo, hi, i in reversed(spans[max(k - 7, 0):k + 1]):   # ranges rarely nest
        if lo <= addr < hi:
            return units[i]
    return None


def _claims(units: list[_Unit], syms: list[_Sym] | None, rules: Rules,
            root: str | None) -> list[Claim]:
    """(start, end, path, component, method) in priority order."""
    claims: list[Claim] = []
    for u in units:
        for lo, hi in u.ranges:
            claims.append((lo, hi, u.path, u.component, "dwarf"))
    sym_size: dict[int, int] = {}
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
        unit = _unit_at(units, spans, s.addr)
        if unit is not None:
            claims.append((s.addr, s.addr + s.size, unit.path, unit.component, "symbol"))
        elif s.file and s.file in by_base:
            path = by_base[s.file]
            claims.append((s.addr, s.addr + s.size, path, classify(path, rules), "symbol"))
    return claims


def _basename_index(units: list[_Unit], root: str | None, rules: Rules) -> dict[str, str]:
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


def read_map(path: str | Path) -> list[tuple[int, int, str]]:
    """Input sections (addr, size, object) from a GNU ld -Map file.  Unlike
    DWARF it also places string literals and jump tables; *fill* stays out."""
    out: list[tuple[int, int, str]] = []
    pending: bool | None = None
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


def _map_claims(pieces: list[tuple[int, int, str]], claims: list[Claim],
                rules: Rules) -> list[Claim]:
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


def _audit(path: Path, elf: ELFFile, rules: Rules, source_root: str | Path | None,
           map_path: str | Path | None = None) -> SizeReport:
    sections, segments, totals = _layout(elf)
    root = str(Path(source_root).resolve()) if source_root else None
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


def _symbols(syms: list[_Sym], elf: ELFFile, covers: list[tuple[Section, Coverage]],
             comp_of_path: dict[str, str]) -> list[Symbol]:
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
