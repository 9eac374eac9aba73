"""The size report's data model: sections, segments, components, symbols, budgets, diffs."""

from __future__ import annotations

from dataclasses import dataclass, field

from jitboot import components as manifest
from jitboot import recipe


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
