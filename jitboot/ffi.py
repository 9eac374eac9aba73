"""Signatures of the exported functions, read from the DWARF of objects.

The JIT checks every call JIT'd code makes to an exported function
(jit/exports.txt) against the C function's parameters (jit/passes/ffi.c).
What it checks against comes from here: the build reads the debugging
information of the objects that implement the exports (compiled with -g,
jitboot.toolchain) and renders each function's ABI classes into the export
table (jit/exports.c.j2).  The objects, not the linked kernel: the table is
linked into the kernel, so it cannot depend on the link.

A signature is a string of ABI classes, the return first, then one per
parameter, then "." if the function is variadic (the tail is not checked):

    w  an integer of at most 32 bits (int, unsigned, char, short, enum, _Bool)
    l  a 64-bit integer (long, size_t, long long)
    p  a pointer
    s  float          d  double
    a  a struct or union passed by value
    v  void (a return only)
    x  anything else (long double, ...): not checked

`printf` is "wp.", `memcpy` "pppl", `sin` "dd", `exit` "vw".  The C
prototype is kept too, for the message naming both sides of a mismatch.
A symbol the objects only declare (on the host the heap and mem*
functions are glibc's, which has no DWARF here) takes its signature from
a declaration: a caller compiled with -g describes what it calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from elftools.common.exceptions import ELFError
from elftools.dwarf.die import DIE
from elftools.elf.elffile import ELFFile

from .errors import JitbootError


@dataclass(frozen=True)
class Signature:
    abi: str          # return class, parameter classes, "." if variadic
    proto: str        # "ring_push(struct ring *, int)", with the exported name


def _strip(die: Optional[DIE]) -> Optional[DIE]:
    """die without typedefs and qualifiers (None for void)."""
    while die is not None and die.tag in ("DW_TAG_typedef", "DW_TAG_const_type",
                                          "DW_TAG_volatile_type", "DW_TAG_restrict_type",
                                          "DW_TAG_atomic_type"):
        die = _type(die)
    return die


def _type(die: DIE) -> Optional[DIE]:
    if "DW_AT_type" not in die.attributes:
        return None
    return die.get_DIE_from_attribute("DW_AT_type")


def abi_class(die: Optional[DIE]) -> str:
    """The ABI class of a C type (a DIE, None for void)."""
    t = _strip(die)
    if t is None:
        return "v"
    tag = t.tag
    if tag == "DW_TAG_pointer_type" or tag == "DW_TAG_array_type":
        return "p"
    size = t.attributes["DW_AT_byte_size"].value if "DW_AT_byte_size" in t.attributes else 0
    if tag == "DW_TAG_enumeration_type":
        return "w" if size <= 4 else "l"
    if tag in ("DW_TAG_structure_type", "DW_TAG_union_type"):
        return "a"
    if tag == "DW_TAG_base_type":
        enc = t.attributes["DW_AT_encoding"].value
        if enc == 0x04:                       # DW_ATE_float
            return {4: "s", 8: "d"}.get(size, "x")
        return "w" if size <= 4 else "l" if size == 8 else "x"
    return "x"


def c_type(die: Optional[DIE]) -> str:
    """A C spelling of a type, for messages ("const char *")."""
    if die is None:
        return "void"
    tag = die.tag
    name = die.attributes["DW_AT_name"].value.decode() if "DW_AT_name" in die.attributes else ""
    if tag in ("DW_TAG_base_type", "DW_TAG_typedef"):
        return name
    if tag in ("DW_TAG_structure_type", "DW_TAG_union_type", "DW_TAG_enumeration_type"):
        kind = {"DW_TAG_structure_type": "struct", "DW_TAG_union_type": "union",
                "DW_TAG_enumeration_type": "enum"}[tag]
        return f"{kind} {name}" if name else kind
    if tag == "DW_TAG_const_type":
        inner = _type(die)
        if inner is not None and inner.tag == "DW_TAG_pointer_type":
            return c_type(inner) + " const"
        return "const " + c_type(inner)
    if tag == "DW_TAG_volatile_type":
        return "volatile " + c_type(_type(die))
    if tag in ("DW_TAG_restrict_type", "DW_TAG_atomic_type"):
        return c_type(_type(die))
    if tag == "DW_TAG_pointer_type":
        inner = _type(die)
        if inner is not None and inner.tag == "DW_TAG_subroutine_type":
            return f"{c_type(_type(inner))} (*)({_params(inner)})"
        text = c_type(inner)
        return text + ("*" if text.endswith("*") else " *")
    if tag == "DW_TAG_array_type":
        return c_type(_type(die)) + " *"
    return name or "?"


def _params(die: DIE) -> str:
    kinds = []
    for child in die.iter_children():
        if child.tag == "DW_TAG_formal_parameter":
            kinds.append(c_type(_type(child)))
        elif child.tag == "DW_TAG_unspecified_parameters":
            kinds.append("...")
    return ", ".join(kinds) or "void"


def signature(die: DIE, name: str) -> Signature:
    """The signature of a DW_TAG_subprogram, under the exported name."""
    abi = [abi_class(_type(die))]
    for child in die.iter_children():
        if child.tag == "DW_TAG_formal_parameter":
            abi.append(abi_class(_type(child)))
        elif child.tag == "DW_TAG_unspecified_parameters":
            abi.append(".")
    return Signature("".join(abi), f"{name}({_params(die)})")


def _subprograms(path: Path, wanted: set[str]) -> Iterator[tuple[str, bool, DIE]]:
    """(symbol, is_declaration, DIE) of the external functions path's
    DWARF describes, among wanted."""
    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            if not elf.has_dwarf_info():
                return
            for cu in elf.get_dwarf_info().iter_CUs():
                for die in cu.get_top_DIE().iter_children():
                    attrs = die.attributes
                    if (die.tag != "DW_TAG_subprogram" or "DW_AT_external" not in attrs
                            or "DW_AT_name" not in attrs):
                        continue
                    symbol = attrs["DW_AT_name"].value.decode()
                    if symbol in wanted:
                        yield symbol, "DW_AT_declaration" in attrs, die
    except (OSError, ELFError) as e:
        raise JitbootError(f"{path}: cannot read its debugging information: {e}") from None


def signatures(objects: Iterable[Path], exports: dict[str, str]) -> dict[str, Signature]:
    """{exported name: Signature} for the exports ({name: symbol}) that the
    objects define or declare as functions; a definition wins over a
    declaration.  Data (stdout) and names no object describes are absent:
    calls to them are not checked."""
    by_symbol: dict[str, list[str]] = {}
    for name, symbol in exports.items():
        by_symbol.setdefault(symbol, []).append(name)
    found: dict[str, tuple[bool, DIE]] = {}
    for path in objects:
        for symbol, decl, die in _subprograms(Path(path), set(by_symbol)):
            if symbol in found and (decl or not found[symbol][0]):
                continue
            found[symbol] = (decl, die)
    return {name: signature(die, name) for symbol, (_, die) in found.items()
            for name in sorted(by_symbol[symbol])}
