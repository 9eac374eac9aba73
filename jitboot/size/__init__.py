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

from .model import (
    Change,
    Component,
    DEFAULT_BUDGETS,
    DEFAULT_COMPONENTS,
    DW_OP_addr,
    Diff,
    JIT_CORE,
    KINDS,
    OTHER,
    Overrun,
    PF_R,
    PF_W,
    PF_X,
    SCHEMA_VERSION,
    SHF_ALLOC,
    SHF_EXECINSTR,
    SHF_WRITE,
    Section,
    Segment,
    SizeReport,
    Symbol,
    UNATTRIBUTED)
from .elf import (
    classify)
from .attribution import (
    Coverage,
    audit,
    read_map)
from .budgets import (
    check_budgets,
    parse_size,
    recipe_budgets)
from .report import (
    Published,
    diff,
    load_report,
    publish,
    report_dict,
    write_json)
from .cli import (
    main)

__all__ = [
    "Change",
    "Component",
    "DEFAULT_BUDGETS",
    "DEFAULT_COMPONENTS",
    "DW_OP_addr",
    "Diff",
    "JIT_CORE",
    "KINDS",
    "OTHER",
    "Overrun",
    "PF_R",
    "PF_W",
    "PF_X",
    "SCHEMA_VERSION",
    "SHF_ALLOC",
    "SHF_EXECINSTR",
    "SHF_WRITE",
    "Section",
    "Segment",
    "SizeReport",
    "Symbol",
    "UNATTRIBUTED",
    "classify",
    "Coverage",
    "audit",
    "read_map",
    "check_budgets",
    "parse_size",
    "recipe_budgets",
    "Published",
    "diff",
    "load_report",
    "publish",
    "report_dict",
    "write_json",
    "main",
]
