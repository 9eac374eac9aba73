"""The C front door: LLVM IR text in, QBE IL text out.

    python -m jitboot.llvm prog.c|prog.ll [-O0|-O2] -o prog.ssa

C goes through Debian's clang-19 (opaque pointers) against our include/
headers; LLVM IR is parsed with llvmlite, which gives the structure
(functions, blocks, instructions, operands and their types).  What it has
no accessors for (comparison predicates, GEP and alloca element types,
call and parameter attributes, global initializers, constant expressions,
!dbg lines) is read from LLVM's own printed form, in the "printed form"
section below and nowhere else.

Values: integers up to 32 bits are QBE `w`, 64-bit integers and pointers
`l`, float `s`, double `d`.  An i8 or i16 keeps garbage above its width;
operations whose result depends on those bits (compares, divisions, right
shifts, extensions, conversions) extend first.  An i1 is always exactly 0
or 1.  Aggregates and the small vectors clang uses for ABI lowering are
values in memory: a temporary holds the address of a slot that is written
once, so extractvalue is an address and insertvalue a copy.

Debug lines: with debug info (clang's -g, always given), each function
gets a `dbgfile` naming its source file and its blocks a `dbgloc LINE`
wherever the line changes, before the code of that line; QBE passes them
on as .file/.loc, so a fault in the JIT'd code is reported with its line
(README, "Payloads in C").  A dbgloc has no file: code clang inlined from
another file is put at the line of its call in this one.

Anything that cannot be translated is one JitbootError naming the
construct and the source line (from !dbg, else the IR line): never wrong
code, never a traceback.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from . import ROOT, render
from .errors import JitbootError

CLANG = "clang-19"
INCLUDE = ROOT / "include"
# -ffreestanding: no hosted assumptions, and it implies -fno-builtin, so
#   clang neither rewrites calls (printf -> puts, memcmp == 0 -> bcmp) nor
#   invents calls to functions the kernel does not export;
# -nostdlibinc: our include/ instead of glibc's headers; clang's own
#   stdarg.h, stddef.h, stdint.h and stdbool.h stay;
# -fno-math-errno: sqrt() (a builtin in our math.h) becomes llvm.sqrt;
# -ffp-contract=off: a*b+c stays two roundings, as gcc -O2 does on x86-64.
CLANG_FLAGS = ["--target=x86_64-unknown-linux-gnu", "-S", "-emit-llvm", "-g",
               "-ffreestanding", "-nostdlibinc", "-fno-math-errno", "-ffp-contract=off",
               "-fno-stack-protector", "-fno-exceptions", "-fno-unwind-tables",
               "-fno-asynchronous-unwind-tables"]
OPT_FLAGS = {"-O0": ["-O0"], "-O2": ["-O2", "-fno-vectorize", "-fno-slp-vectorize"]}


# -- types ----------------------------------------------------------------
# ("i", bits) ("f", 32|64) ("p",) ("v",) ("a", n, elem) ("x", n, elem)
# ("s", fields, packed) ("fn", ret, params, vararg) ("label",) ("meta",)

# A type is a tuple tagged by its first element, with the shapes above; the
# tag decides what the rest is, which a checker cannot follow through t[0].
LType = tuple[Any, ...]
# A constant: ("int", v) ("fp", x) ("zero",) ("undef",) ("agg", [..])
# ("bytes", b) ("sym", name, offset) (see Printed.const).
Const = tuple[Any, ...]
# An llvmlite.binding.ValueRef (module, global, function, instruction or
# operand); llvmlite ships no type information.
Value = Any
# Named struct types: %name -> its type (resolve_structs).
Structs = dict[str, LType]
# An argument's attributes: "byval"/"sret" -> the pointee type, "signext",
# "zeroext", "inalloca", "preallocated" -> True (arg_attrs).
ArgAttrs = dict[str, Any]

PTR: LType = ("p",)
I1, I64 = ("i", 1), ("i", 64)


def is_int(t: LType) -> bool:
    return t[0] == "i"


def is_fp(t: LType) -> bool:
    return t[0] == "f"


def is_agg(t: LType) -> bool:
    return t[0] in "asx"


def cls(t: LType) -> str:
    """QBE base class of a scalar LLVM type."""
    k = t[0]
    if k == "i":
        return "w" if t[1] <= 32 else "l"
    if k == "p":
        return "l"
    if k == "f":
        return "s" if t[1] == 32 else "d"
    raise AssertionError(t)


def align_of(t: LType) -> int:
    k = t[0]
    if k == "i":
        return 1 if t[1] <= 8 else 2 if t[1] <= 16 else 4 if t[1] <= 32 else 8
    if k == "p":
        return 8
    if k == "f":
        return t[1] // 8
    if k == "a":
        return align_of(t[2])
    if k == "x":
        n = store_size(t)
        a = 1
        while a < n:
            a *= 2
        return a
    if k == "s":
        return 1 if t[2] else max([align_of(f) for f in t[1]] or [1])
    raise AssertionError(t)


def store_size(t: LType) -> int:
    k = t[0]
    if k == "i":
        return (t[1] + 7) // 8
    if k == "x":
        return (t[1] * _bits(t[2]) + 7) // 8
    if k in "pf":
        return size_of(t)
    return size_of(t)


def _bits(t: LType) -> int:
    return t[1] if t[0] in "if" else 64


def size_of(t: LType) -> int:
    """LLVM's alloc size: the distance between array elements."""
    k = t[0]
    if k == "i" or k == "x":
        return _round(store_size(t), align_of(t))
    if k == "p":
        return 8
    if k == "f":
        return t[1] // 8
    if k == "a":
        return t[1] * size_of(t[2])
    if k == "s":
        offs = field_offsets(t)
        end = offs[-1] + size_of(t[1][-1]) if t[1] else 0
        return _round(end, align_of(t))
    raise AssertionError(t)


def field_offsets(t: LType) -> list[int]:
    offs, at = [], 0
    for f in t[1]:
        if not t[2]:
            at = _round(at, align_of(f))
        offs.append(at)
        at += size_of(f)
    return offs


def elem_offset(t: LType, i: int) -> tuple[int, LType]:
    """Byte offset and type of member i of aggregate t."""
    if t[0] == "s":
        return field_offsets(t)[i], t[1][i]
    return i * size_of(t[2]), t[2]


def _round(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def type_str(t: LType) -> str:
    k = t[0]
    if k == "i":
        return f"i{t[1]}"
    if k == "f":
        return "float" if t[1] == 32 else "double"
    if k == "p":
        return "ptr"
    if k == "a":
        return f"[{t[1]} x {type_str(t[2])}]"
    if k == "x":
        return f"<{t[1]} x {type_str(t[2])}>"
    if k == "s":
        inner = "{ " + ", ".join(type_str(f) for f in t[1]) + " }"
        return f"<{inner}>" if t[2] else inner
    return {"v": "void", "label": "label", "meta": "metadata"}.get(k, str(k))


# -- the printed form ------------------------------------------------------
# Everything llvmlite does not expose is read here, from LLVM's printing.

_TOKEN = re.compile(r"""\s*(c?"[^"]*"|[%@]"[^"]*"|\.\.\.|-?0x[0-9A-Fa-fKLMHR]+|
    -?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[%@!#]?[-A-Za-z$._][-\w$.]*|[%@!]\d+|\S)""", re.X)
_UNSUPPORTED_TYPES = {"half": "half", "bfloat": "bfloat", "x86_fp80": "long double (x86_fp80)",
                      "fp128": "fp128", "ppc_fp128": "ppc_fp128", "x86_amx": "x86_amx",
                      "token": "token", "target": "target"}


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


class Printed:
    """A cursor over the tokens of one printed LLVM construct."""

    def __init__(self, text: str, structs: Structs) -> None:
        self.t = tokens(text)
        self.i = 0
        self.structs = structs

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.t[j] if j < len(self.t) else ""

    def next(self) -> str:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        got = self.next()
        if got != tok:
            raise Unsupported(f"LLVM text: expected '{tok}', found '{got}'")

    def accept(self, tok: str) -> bool:
        if self.peek() == tok:
            self.i += 1
            return True
        return False

    def skip_balanced(self) -> None:
        """Skip a parenthesised group starting at the cursor."""
        depth = 0
        while True:
            tok = self.next()
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
                if depth == 0:
                    return
            elif tok == "":
                return

    def type(self) -> LType:
        tok = self.next()
        if tok == "ptr":
            if self.peek() == "addrspace":
                raise Unsupported("LLVM 'addrspace' pointers are not supported")
            t = PTR
        elif tok == "void":
            t = ("v",)
        elif tok == "float":
            t = ("f", 32)
        elif tok == "double":
            t = ("f", 64)
        elif tok == "label":
            t = ("label",)
        elif tok == "metadata":
            t = ("meta",)
        elif re.fullmatch(r"i\d+", tok):
            bits = int(tok[1:])
            if bits > 64:
                raise Unsupported(f"LLVM type '{tok}' is not supported (integers wider than 64 bits)")
            t = ("i", bits)
        elif tok == "[":
            n = int(self.next())
            self.expect("x")
            e = self.type()
            self.expect("]")
            t = ("a", n, e)
        elif tok == "<":
            if self.peek() == "{":
                self.next()
                t = ("s", self._fields("}"), True)
                self.expect(">")
            else:
                if self.peek() == "vscale":
                    raise Unsupported("LLVM scalable vectors are not supported")
                n = int(self.next())
                self.expect("x")
                e = self.type()
                self.expect(">")
                t = ("x", n, e)
        elif tok == "{":
            t = ("s", self._fields("}"), False)
        elif tok.startswith("%"):
            named = self.structs.get(tok)
            if named is None:
                raise Unsupported(f"LLVM type '{tok}' is opaque or unknown")
            t = named
        elif tok in _UNSUPPORTED_TYPES:
            raise Unsupported(f"LLVM type '{_UNSUPPORTED_TYPES[tok]}' is not supported")
        else:
            raise Unsupported(f"LLVM text: expected a type, found '{tok}'")
        while self.peek() == "(":            # a function type
            self.next()
            params, vararg = [], False
            while not self.accept(")"):
                if self.accept("..."):
                    vararg = True
                else:
                    params.append(self.type())
                self.accept(",")
            t = ("fn", t, tuple(params), vararg)
        return t

    def _fields(self, close: str) -> tuple[LType, ...]:
        fields = []
        while not self.accept(close):
            fields.append(self.type())
            self.accept(",")
        return tuple(fields)

    def value(self, t: LType) -> Const:
        """A constant of type t, or ("ref", name) for a %local."""
        tok = self.peek()
        if tok.startswith("%"):
            self.next()
            return ("ref", tok[1:])
        return self.const(t)

    def const(self, t: LType) -> Const:
        """Constant nodes: ("int", v) ("fp", x) ("zero",) ("undef",) ("agg", [..])
        ("bytes", b) ("sym", name, offset)."""
        tok = self.next()
        if tok in ("zeroinitializer", "null"):
            return ("zero",)
        if tok in ("undef", "poison"):
            return ("undef",)
        if tok == "true":
            return ("int", 1)
        if tok == "false":
            return ("int", 0)
        if tok.startswith("@"):
            return ("sym", global_name(tok), 0)
        if tok == "splat" and t[0] == "x":
            self.expect("(")
            c = self.const(self.type())
            self.expect(")")
            return ("agg", [c] * t[1])
        if tok.startswith('c"'):
            return ("bytes", _unescape(tok[2:-1]))
        if tok in ("[", "{", "<"):
            packed = tok == "<" and self.accept("{")
            close = "}" if packed else {"[": "]", "{": "}", "<": ">"}[tok]
            elems = []
            while not self.accept(close):
                elems.append(self.const(self.type()))
                self.accept(",")
            if packed:
                self.expect(">")
            return ("agg", elems)
        if is_fp(t) and re.fullmatch(r"-?(0x[0-9A-Fa-f]+|\d.*|inf|nan)", tok):
            return ("fp", _parse_fp(tok))
        if re.fullmatch(r"-?\d+", tok):
            return ("int", int(tok))
        if tok in ("getelementptr", "ptrtoint", "inttoptr", "bitcast", "addrspacecast",
                   "sub", "add", "trunc"):
            return self._constexpr(tok)
        raise Unsupported(f"LLVM constant '{tok}' is not supported")

    def _constexpr(self, op: str) -> Const:
        while self.peek() in ("inbounds", "nuw", "nsw", "nusw"):
            self.next()
        if self.peek() == "inrange":
            self.next()
            self.skip_balanced()
        self.expect("(")
        if op == "getelementptr":
            src = self.type()
            self.expect(",")
            bt = self.type()
            base = self.const(bt)
            idx = []
            while self.accept(","):
                if self.peek() == "inrange":
                    self.next()
                    self.skip_balanced()
                it = self.type()
                c = self.const(it)
                if c[0] not in ("int", "zero"):
                    raise Unsupported("LLVM constant getelementptr with a non-constant index")
                idx.append(c[1] if c[0] == "int" else 0)
            self.expect(")")
            off = gep_const_offset(src, idx)
            if base[0] == "zero":
                return ("int", off)
            if base[0] != "sym":
                raise Unsupported("LLVM constant getelementptr on a non-symbol")
            return ("sym", base[1], base[2] + off)
        if op in ("add", "sub"):
            a = self.const(self.type())
            self.expect(",")
            b = self.const(self.type())
            self.expect(")")
            if op == "sub" and a[0] == "sym" and b[0] == "sym" and a[1] == b[1]:
                return ("int", a[2] - b[2])
            if a[0] == "int" and b[0] == "int":
                return ("int", a[1] + b[1] if op == "add" else a[1] - b[1])
            if op == "add" and a[0] == "sym" and b[0] == "int":
                return ("sym", a[1], a[2] + b[1])
            raise Unsupported(f"LLVM constant expression '{op}' on symbols is not supported")
        inner = self.const(self.type())
        self.expect("to")
        self.type()
        self.expect(")")
        return inner


def gep_const_offset(src: LType, idx: list[int]) -> int:
    off = idx[0] * size_of(src) if idx else 0
    t = src
    for i in idx[1:]:
        o, t = elem_offset(t, i)
        off += o
    return off


def _found(m: re.Match[str] | None, text: str) -> re.Match[str]:
    """m, from reading text, which LLVM always prints with what was sought."""
    if m is None:
        raise Unsupported(f"LLVM text: cannot read '{text.strip()}'")
    return m


def global_name(tok: str) -> str:
    name = tok[1:]
    if name.startswith('"'):
        name = name[1:-1]
    return name


def _unescape(s: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == "\\":
            if s[i + 1] == "\\":
                out.append(0x5C)
                i += 2
            else:
                out.append(int(s[i + 1:i + 3], 16))
                i += 3
        else:
            out += s[i].encode("latin-1")
            i += 1
    return bytes(out)


def _parse_fp(tok: str) -> float:
    neg = tok.startswith("-")
    body = tok[1:] if neg else tok
    if body.startswith("0x"):
        if not re.fullmatch(r"0x[0-9A-Fa-f]{16}", body):
            raise Unsupported(f"LLVM floating-point constant '{tok}' is not supported")
        v = struct.unpack("<d", int(body, 16).to_bytes(8, "little"))[0]
    else:
        v = float(body)
    return -v if neg else v


_DBG = re.compile(r",?\s*!dbg !(\d+)")
_PRED = re.compile(r"= [if]cmp (?:(?:samesign|fast|nnan|ninf|nsz|arcp|contract|afn|reassoc) )*(\w+)")
_TRAILING_INDICES = re.compile(r"((?:,\s*\d+)+)\s*(?:,\s*!.*)?$")
_LABELS = re.compile(r"label %([-\w$.]+)")
_CASES = re.compile(r"i\d+ (-?\d+), label %([-\w$.]+)")
_ALIGN = re.compile(r"align (\d+)")
_SKIP_KEYWORDS = {"tail", "musttail", "notail", "fast", "nnan", "ninf", "nsz", "arcp",
                  "contract", "afn", "reassoc", "ccc", "fastcc", "coldcc", "cc"}


def split_top(text: str) -> list[str]:
    """Split at commas outside (), [], {} and <>."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def paren_body(text: str, start: int) -> tuple[str, int]:
    """The text inside the parenthesis that opens at text[start]."""
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:j], j + 1
    return text[start + 1:], len(text)


def arg_attrs(arg: str, structs: Structs) -> ArgAttrs:
    """byval/sret types and extension attributes of one printed argument."""
    out: ArgAttrs = {}
    for attr in ("byval", "sret"):
        m = re.search(attr + r"\(", arg)
        if m:
            body, _ = paren_body(arg, m.end() - 1)
            out[attr] = Printed(body, structs).type()
    for attr in ("signext", "zeroext", "inalloca", "preallocated"):
        if re.search(r"\b" + attr + r"\b", arg):
            out[attr] = True
    return out


def call_signature(text: str, structs: Structs) -> tuple[int | None, list[ArgAttrs]]:
    """(fixed parameter count or None if not variadic, [attrs per argument])
    of a printed call."""
    body = text.split("call", 1)[1]
    p = Printed(body, structs)
    while True:
        tok = p.peek()
        if tok in _SKIP_KEYWORDS or (re.fullmatch(r"[a-z_]+", tok) and tok not in
                                     ("void", "ptr", "float", "double") and
                                     not re.fullmatch(r"i\d+", tok)):
            p.next()
            if p.peek() == "(":
                p.skip_balanced()
            elif tok in ("align", "dereferenceable"):
                p.next()
            continue
        break
    ty = p.type()
    nfixed = None
    if ty[0] == "fn" and ty[3]:
        nfixed = len(ty[2])
    # the argument list opens right after the callee
    callee = p.peek()
    args, _ = paren_body(body, body.find(callee + "(") + len(callee))
    return nfixed, [arg_attrs(a, structs) for a in split_top(args)]


def param_attrs(header: str, structs: Structs) -> list[ArgAttrs]:
    """Attributes of each parameter of a printed `define` line."""
    m = re.search(r"@(\"[^\"]*\"|[-\w$.]+)\(", header)
    params, _ = paren_body(header, _found(m, header).end() - 1)
    return [arg_attrs(a, structs) for a in split_top(params) if a != "..."]


def return_attrs(header: str) -> set[str]:
    head = header.split("@", 1)[0]
    return {a for a in ("signext", "zeroext") if re.search(r"\b" + a + r"\b", head)}


def instruction_lines(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(line number, text) of each instruction in a printed function body:
    labels, comments, blank lines and debug records skipped, a switch's
    case list joined onto its line."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start, depth = 0, 0
    for number, line in body:
        s = line.strip()
        if not pending:
            if not s or s.startswith(";") or s.startswith("#dbg_") or \
                    re.fullmatch(r"[-\w$.\"]+:\s*(;.*)?", s):
                continue
            start = number
        pending.append(s)
        depth += s.count("[") - s.count("]")
        if depth <= 0:
            out.append((start, " ".join(pending)))
            pending, depth = [], 0
    return out


_OPCODE = re.compile(r"(?:%[-\w$.]+ = )?(?:(?:tail|musttail|notail) )?([a-z_]+)")


def opcode_of(text: str) -> str:
    """The opcode of a printed instruction ("call" for "tail call")."""
    m = _OPCODE.match(text)
    return m.group(1) if m else ""


def split_module_text(text: str) -> tuple[dict[str, str], list[tuple[int, str]], dict[int, str],
                                          dict[str, tuple[str, list[tuple[int, str]]]]]:
    """Module text -> (struct definitions, global lines, metadata lines,
    {function name: (header, [(line, instruction text)])})."""
    structs: dict[str, str] = {}
    globals_: list[tuple[int, str]] = []
    meta: dict[int, str] = {}
    funcs: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("%") and " = type " in line:
            name, _, body = line.partition(" = type ")
            structs[name] = body
        elif line.startswith("@"):
            globals_.append((i + 1, line))
        elif line.startswith("!"):
            m = re.match(r"!(\d+) = ", line)
            if m:
                meta[int(m.group(1))] = line
        elif line.startswith("define "):
            header = line
            fn_lines = []
            i += 1
            while i < len(lines) and lines[i] != "}":
                fn_lines.append((i + 1, lines[i]))
                i += 1
            m = re.search(r"@(\"[^\"]*\"|[-\w$.]+)\(", header)
            name = global_name("@" + _found(m, header).group(1))
            funcs[name] = (header, instruction_lines(fn_lines))
        i += 1
    return structs, globals_, meta, funcs


def resolve_structs(defs: dict[str, str]) -> Structs:
    """Named struct types, resolved in any order (pointers are opaque, so
    definitions cannot be recursive)."""
    out: dict[str, LType | None] = {}    # None: being resolved

    class Lazy(dict[str, LType]):
        def get(self, key: str, default: Any = None, /) -> Any:
            if key not in out and key in defs:
                if defs[key].strip() == "opaque":
                    return default
                out[key] = None
                out[key] = Printed(defs[key], self).type()
            return out.get(key, default)

    lazy = Lazy()
    for name in defs:
        try:
            lazy.get(name)
        except Unsupported:     # raised again, with a line, where it is used
            out.pop(name, None)
    return lazy


def debug_lines(meta: dict[int, str]) -> dict[int, int]:
    """Metadata number -> source line, for DILocations, DISubprograms and
    a global's DIGlobalVariableExpression (through its variable)."""
    lines, exprs = {}, {}
    for n, text in meta.items():
        m = re.search(r"DILocation\(line: (\d+)", text) or \
            re.search(r"DI(?:GlobalVariable|Subprogram)\(.*?\bline: (\d+)", text)
        if m:
            lines[n] = int(m.group(1))
        m = re.search(r"DIGlobalVariableExpression\(var: !(\d+)", text)
        if m:
            exprs[n] = int(m.group(1))
    for n, var in exprs.items():
        if var in lines:
            lines[n] = lines[var]
    return lines


_FILE_NAME = re.compile(r'DIFile\(filename: "([^"\\]*)"(?:, directory: "([^"\\]*)")?')
_SCOPE_FILE = re.compile(r"\bfile: !(\d+)")
_LOC = re.compile(r"DILocation\(line: (\d+)(?:, column: \d+)?, scope: !(\d+)"
                  r"(?:, inlinedAt: !(\d+))?")


def _file_name(name: str, directory: str | None) -> str:
    """A DIFile as the user named it: clang gives a file outside the
    current directory relative to the deepest directory it shares with it
    (/tmp/x/a.c compiled from /tmp/proj is "x/a.c" in "/tmp"), so such a
    name is joined back; one relative to the current directory stays so."""
    if os.path.isabs(name) or not directory or directory == os.getcwd():
        return name
    return os.path.join(directory, name)


@dataclass(frozen=True)
class DebugLoc:
    """One DILocation: its source file (None if unknown) and line, and the
    call it was inlined at (a metadata number, or None)."""
    file: str | None
    line: int
    inlined_at: int | None


def debug_locations(meta: dict[int, str]) -> tuple[dict[int, DebugLoc], dict[int, str]]:
    """Metadata number -> DebugLoc for every DILocation, and -> file name
    for every scope (DISubprogram, DILexicalBlock...) that names a file."""
    files = {n: _file_name(m.group(1), m.group(2))
             for n, text in meta.items() if (m := _FILE_NAME.search(text))}
    scopes = {n: files[int(m.group(1))] for n, text in meta.items()
              if (m := _SCOPE_FILE.search(text)) and int(m.group(1)) in files}
    locs = {}
    for n, text in meta.items():
        if (m := _LOC.search(text)):
            locs[n] = DebugLoc(scopes.get(int(m.group(2))), int(m.group(1)),
                               int(m.group(3)) if m.group(3) else None)
    return locs, scopes


# A file name QBE's dbgfile (a quoted string, printed back into a .file
# directive) carries as it is.
_DBGFILE_SAFE = re.compile(r'[^"\\\x00-\x1f\x7f]+')


# -- errors ----------------------------------------------------------------

class Unsupported(Exception):
    """Raised inside the translator; becomes a JitbootError with a line."""


# -- module translation ----------------------------------------------------

_INTERNAL = {"internal", "private"}


def _linkage(v: Any) -> str:
    """A global's linkage by name: llvmlite gives it as the number of
    its Linkage enum ("internal" is 8, what C's static gives)."""
    import llvmlite.binding as llvm
    try:
        return str(llvm.Linkage(v).name)
    except (ValueError, TypeError):
        return str(v).split(".")[-1]
_QBE_NAME = re.compile(r"[A-Za-z_.][\w.$]*")


class Module:
    def __init__(self, text: str, path: str, exports: set[str]) -> None:
        import llvmlite.binding as llvm
        self.path = path
        self.exports = exports
        try:
            self.m = llvm.parse_assembly(text)
        except RuntimeError as e:
            raise JitbootError(_parse_error(path, str(e))) from None
        self.original_lines = _original_instruction_lines(text)
        self.global_lines = _original_global_lines(text)
        self._rename()
        printed = str(self.m)
        sdefs, self.gtext, meta, self.ftext = split_module_text(printed)
        self.structs = resolve_structs(sdefs)
        self.dbg = debug_lines(meta)
        self.locs, self.scope_files = debug_locations(meta)
        m = re.search(r'^source_filename = "([^"]*)"', printed, re.M)
        self.source = m.group(1) if m else path
        self.types: dict[tuple, str] = {}       # aggregate type -> QBE name
        self.typedefs: list[str] = []
        self.defined = {f.name for f in self.m.functions if not f.is_declaration}
        self.defined |= {g.name for g in self.m.global_variables if not g.is_declaration}
        self.out: list[str] = []
        self.type_cache: dict[int, tuple] = {}
        self.dbgfile: str | None = None     # the last dbgfile written to out

    def _rename(self) -> None:
        # Every local gets a plain name, so operands can be referred to by
        # name and the printed form agrees with llvmlite's view.
        void: dict[int, bool] = {}
        self.local: dict[int, str] = {}     # argument or instruction -> QBE temp
        for f in self.m.functions:
            if f.is_declaration:
                continue
            n = 0
            for a in f.arguments:
                a.name = f"a{n}"
                self.local[_address(a)] = "%" + a.name
                n += 1
            for b in f.blocks:
                b.name = f"b{n}"
                n += 1
                for ins in b.instructions:
                    key = _address(ins.type)
                    if key not in void:
                        void[key] = str(ins.type) == "void"
                    if not void[key]:
                        ins.name = f"v{n}"
                        # read back: LLVM renames on a clash with a name
                        # not yet replaced
                        self.local[_address(ins)] = "%" + ins.name
                        n += 1

    def ty(self, typeref: Value) -> LType:
        # LLVM types are unique per context: the pointer is the key, which
        # spares printing the type for every operand
        key = _address(typeref)
        t = self.type_cache.get(key)
        if t is None:
            t = self.type_cache[key] = Printed(str(typeref), self.structs).type()
        return t

    def aggtype(self, t: LType) -> str:
        """The QBE aggregate type with t's layout (for ABI passing)."""
        name = self.types.get(t)
        if name:
            return name
        name = f":t{len(self.types)}"
        self.types[t] = name
        fields, at = [], 0
        for off, bt in _flat(t):
            if off > at:
                fields.append(f"b {off - at}")
            elif off < at:
                raise Unsupported(f"LLVM type '{type_str(t)}' has overlapping fields")
            sz = store_size(bt)
            if bt[0] == "i" and sz not in (1, 2, 4, 8) or off % sz:
                fields.append(f"b {sz}")
            else:
                fields.append({"w": {1: "b", 2: "h", 4: "w"}.get(sz, "w"),
                               "l": "l", "s": "s", "d": "d"}[cls(bt)])
            at = off + sz
        size = size_of(t)
        if size > at:
            fields.append(f"b {size - at}")
        self.typedefs.append(f"type {name} = align {align_of(t)} {{ {', '.join(fields) or 'b 1'} }}")
        return name

    def check_symbol(self, name: str) -> None:
        if not _QBE_NAME.fullmatch(name):
            raise Unsupported(f"LLVM symbol name '{name}' is not a valid QBE name")
        if name not in self.defined and name not in self.exports:
            raise Unsupported(f"'{name}' is not defined here and the kernel does not export it "
                              f"(jit/exports.txt)")

    def translate(self) -> str:
        for g in self.m.global_variables:
            self.global_var(g)
        for f in self.m.functions:
            if not f.is_declaration:
                Function(self, f).translate()
        return "\n".join(self.typedefs + self.out) + "\n"

    def fail(self, where: str, msg: str) -> JitbootError:
        return JitbootError(f"{where}: {msg}")

    # -- data --

    def global_place(self, name: str, line: str) -> str:
        """A global's source line: its !dbg; for one without (clang's
        constant for a local initializer), the first instruction using it;
        without line info, its line in the IR file."""
        m = _DBG.search(line)
        if m and int(m.group(1)) in self.dbg:
            return f"{self.source}:{self.dbg[int(m.group(1))]}"
        if self.dbg:
            use = re.compile(rf"@{re.escape(name)}\b.*!dbg !(\d+)")
            for _, body in self.ftext.values():
                for _, text in body:
                    m = use.search(text)
                    if m and int(m.group(1)) in self.dbg:
                        return f"{self.source}:{self.dbg[int(m.group(1))]}"
        return f"{self.path}:{self.global_lines.get(name, 0)}"

    def global_var(self, g: Value) -> None:
        name = g.name
        line = next((l for n, l in self.gtext if l.startswith(f"@{name} ") or
                     l.startswith(f'@"{name}" ')), "")
        where = self.global_place(name, line)
        try:
            if re.search(r"\bthread_local\b", line):
                raise Unsupported("LLVM 'thread_local' globals are not supported")
            if g.is_declaration:
                return
            self.check_symbol(name)
            p = Printed(line.split("=", 1)[1], self.structs)
            while p.peek() not in ("global", "constant", ""):
                if p.next() in ("addrspace",):
                    raise Unsupported("LLVM 'addrspace' globals are not supported")
            p.next()
            t = p.type()
            init = p.const(t)
            m = _ALIGN.search(line)
            align = int(m.group(1)) if m else align_of(t)
            items: list[str] = []
            _data_items(t, init, items, self)
            export = "" if _linkage(g.linkage) in _INTERNAL else "export "
            self.out.append(f"{export}data ${name} = align {align} {{ {', '.join(_merge_zeros(items)) or 'z 1'} }}")
        except Unsupported as e:
            raise self.fail(where, str(e)) from None


def _address(ref: Value) -> int:
    """The LLVM object behind an llvmlite reference (values and types are
    unique, so this identifies them without a call into LLVM)."""
    return ctypes.cast(ref._ptr, ctypes.c_void_p).value or 0


def _flat(t: LType, base: int = 0) -> list[tuple[int, LType]]:
    """(offset, scalar type) of every scalar inside t."""
    k = t[0]
    if k == "s":
        return [x for off, f in zip(field_offsets(t), t[1]) for x in _flat(f, base + off)]
    if k in "ax":
        es = size_of(t[2]) if k == "a" else store_size(t[2])
        return [x for i in range(t[1]) for x in _flat(t[2], base + i * es)]
    return [(base, t)]


def _le_bytes(v: int, n: int) -> list[int]:
    return list((v & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))


def _data_items(t: LType, c: Const, items: list[str], mod: Module) -> None:
    k = c[0]
    if k in ("zero", "undef"):
        items.append(f"z {size_of(t)}")
        return
    if t[0] in "asx":
        if k == "bytes":
            _bytes_items(c[1], items)
            pad = size_of(t) - len(c[1])
        else:
            if k != "agg":
                raise Unsupported(f"LLVM initializer for '{type_str(t)}' is not supported")
            at = 0
            for i, e in enumerate(c[1]):
                off, et = elem_offset(t, i) if t[0] != "x" else (i * store_size(t[2]), t[2])
                if off > at:
                    items.append(f"z {off - at}")
                _data_items(et, e, items, mod)
                at = off + size_of(et)
            pad = size_of(t) - at
        if pad > 0:
            items.append(f"z {pad}")
        return
    if k == "sym":
        if size_of(t) != 8:
            raise Unsupported(f"a symbol address in a {type_str(t)} initializer is not supported")
        mod.check_symbol(c[1])
        items.append(f"l ${c[1]}" + (f" + {c[2]}" if c[2] else "") if c[2] >= 0 else
                     f"l ${c[1]} - {-c[2]}")
        return
    if k == "fp":
        if t[1] == 32:
            items.append(f"w {struct.unpack('<I', struct.pack('<f', c[1]))[0]}")
        else:
            items.append(f"l {struct.unpack('<q', struct.pack('<d', c[1]))[0]}")
        return
    if k == "int":
        n = size_of(t) if t[0] == "p" else store_size(t)
        word = {1: "b", 2: "h", 4: "w", 8: "l"}.get(n)
        if word:
            items.append(f"{word} {c[1] & ((1 << (8 * n)) - 1)}")
        else:
            items += [f"b {b}" for b in _le_bytes(c[1], n)]
        pad = size_of(t) - n
        if pad:
            items.append(f"z {pad}")
        return
    raise Unsupported(f"LLVM initializer for '{type_str(t)}' is not supported")


def _bytes_items(b: bytes, items: list[str]) -> None:
    run = []
    for ch in b:
        if 32 <= ch < 127 and ch not in (34, 92):
            run.append(chr(ch))
            continue
        if run:
            items.append(f'b "{"".join(run)}"')
            run = []
        items.append(f"b {ch}")
    if run:
        items.append(f'b "{"".join(run)}"')


def _merge_zeros(items: list[str]) -> list[str]:
    out: list[str] = []
    for it in items:
        if it.startswith("z ") and out and out[-1].startswith("z "):
            out[-1] = f"z {int(out[-1][2:]) + int(it[2:])}"
        elif it != "z 0":
            out.append(it)
    return out


def _parse_error(path: str, msg: str) -> str:
    m = re.search(r"<string>:(\d+):(\d+): error: (.*)", msg)
    if m:
        return f"{path}:{m.group(1)}: LLVM IR does not parse: {m.group(3).strip()}"
    text = " ".join(msg.split())
    return f"{path}:0: LLVM IR does not parse: {text}"


def _original_instruction_lines(text: str) -> dict[str, list[int]]:
    out, lines = {}, text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("define"):
            m = re.search(r"@(\"[^\"]*\"|[-\w$.]+)\(", lines[i])
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("}"):
                body.append((i + 1, lines[i]))
                i += 1
            if m:
                out[global_name("@" + m.group(1))] = [n for n, _ in instruction_lines(body)]
        i += 1
    return out


def _original_global_lines(text: str) -> dict[str, int]:
    out = {}
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"@(\"[^\"]*\"|[-\w$.]+)\s*=", line)
        if m:
            out[global_name("@" + m.group(1))] = n
    return out


# -- function translation --------------------------------------------------

_INT_OPS = {"add": "add", "sub": "sub", "mul": "mul", "and": "and", "or": "or", "xor": "xor",
            "shl": "shl", "lshr": "shr", "ashr": "sar", "udiv": "udiv", "sdiv": "div",
            "urem": "urem", "srem": "rem"}
_FP_OPS = {"fadd": "add", "fsub": "sub", "fmul": "mul", "fdiv": "div"}
# operand extension each integer op needs for narrow types: s(igned), u(nsigned)
_INT_EXT = {"lshr": "u", "ashr": "s", "udiv": "u", "urem": "u", "sdiv": "s", "srem": "s"}
_ICMP = {"eq": "ceq", "ne": "cne", "slt": "cslt", "sle": "csle", "sgt": "csgt", "sge": "csge",
         "ult": "cult", "ule": "cule", "ugt": "cugt", "uge": "cuge"}
# fcmp predicate -> (QBE compare, negate)
_FCMP = {"oeq": ("ceq", 0), "ogt": ("cgt", 0), "oge": ("cge", 0), "olt": ("clt", 0),
         "ole": ("cle", 0), "une": ("cne", 0), "ord": ("co", 0), "uno": ("cuo", 0),
         "ult": ("cge", 1), "ule": ("cgt", 1), "ugt": ("cle", 1), "uge": ("clt", 1)}
_IGNORED_INTRINSICS = {"lifetime", "dbg", "assume", "experimental", "stacksave", "stackrestore",
                       "va_end", "var", "annotation", "invariant", "donothing", "sideeffect",
                       "launder", "strip", "pseudoprobe", "threadlocal"}
_LOAD = {1: "loadub", 2: "loaduh", 4: "loadw", 8: "loadl"}
_STORE = {1: "storeb", 2: "storeh", 4: "storew", 8: "storel"}


# A line of a function's IL body, or a phi that can only be written once
# every edge into its block is known (called when the body is printed).
Line = str | Callable[[], str]


class Function:
    def __init__(self, mod: Module, f: Value) -> None:
        self.mod = mod
        self.f = f
        self.name = f.name
        self.header, self.lines = mod.ftext[f.name]
        self.orig = mod.original_lines.get(f.name, [])
        self.ntmp = 0
        self.start: list[str] = []          # allocs and constants, in @start
        self.pin = ""                       # slot volatile locals' addresses go to
        self.blocks: list[tuple[str, list[Line]]] = []
        self.body: list[Line] = []
        self.label = ""                     # current QBE label
        self.llvm_block = ""
        self.edges: dict[tuple[str, str], list[str]] = {}
        self.consts: dict[str, str] = {}
        self.after_phis: list[str] = []
        self.compares: dict[str, str] = {}  # i1 temp -> the compare computing it
        self.zext: dict[str, int] = {}       # w temp -> width it is zero-extended from
        self.where = f"{mod.path}:0"
        self.cur_line = 0                   # of the last dbgloc in the current block
        m = _DBG.search(self.header)
        file = mod.scope_files.get(int(m.group(1))) if m else None
        # debug lines only for a file name dbgfile can carry
        self.file = file if file and _DBGFILE_SAFE.fullmatch(file) else None

    # -- small helpers --

    def tmp(self) -> str:
        self.ntmp += 1
        return f"%_{self.ntmp}"

    def emit(self, line: str) -> None:
        self.body.append("\t" + line)

    def op(self, k: str, opcode: str, *args: object) -> str:
        r = self.tmp()
        self.emit(f"{r} ={k} {opcode} {', '.join(map(str, args))}")
        return r

    def new_label(self) -> str:
        self.ntmp += 1
        return f"@_L{self.ntmp}"

    def start_block(self, label: str) -> None:
        self.blocks.append((self.label, self.body))
        self.label = label
        self.body = []
        self.cur_line = 0       # QBE may lay the block out anywhere

    def source_line(self, text: str) -> int:
        """The line of this function's source file an instruction comes
        from (0: unknown). Code inlined from another file (a header's
        static inline function at -O2) is put at its call in this one."""
        m = _DBG.search(text)
        if not m or not self.file:
            return 0
        loc = self.mod.locs.get(int(m.group(1)))
        while loc is not None and loc.file != self.file:
            loc = self.mod.locs.get(loc.inlined_at) if loc.inlined_at is not None else None
        return loc.line if loc is not None else 0

    def debug_location(self, line: int, body: list[Line], at: int) -> None:
        """A dbgloc before what the instruction at body[at:] emitted, when
        its line is not the one in force: one per line change in a block
        (phis and allocas, which emit nothing there, never get one)."""
        if line and line != self.cur_line and body is self.body and len(body) > at:
            body.insert(at, f"\tdbgloc {line}")
            self.cur_line = line

    def jump(self, target_block: str) -> str:
        label = "@" + target_block
        self.edges.setdefault((self.llvm_block, target_block), [])
        if self.label not in self.edges[(self.llvm_block, target_block)]:
            self.edges[(self.llvm_block, target_block)].append(self.label)
        return label

    def slot(self, size: int, align: int = 8, name: str | None = None) -> str:
        r = name or self.tmp()
        a = 16 if align > 8 else 8 if align > 4 else 4
        self.start.append(f"\t{r} =l alloc{a} {max(size, 1)}")
        return r

    def ext(self, v: str, t: LType, how: str, to: str = "w") -> str:
        """v (of integer type t) extended to a full w or l."""
        if t[0] != "i":
            return v
        bits = t[1]
        if re.fullmatch(r"-?\d+", v):
            mask = (1 << bits) - 1
            x = int(v) & mask
            if how == "s" and bits > 1 and x >> (bits - 1):
                x -= 1 << bits
            return str(x)
        if how == "u" and to == "w" and self.zext.get(v, 64) <= bits:
            return v
        if bits == 64 or (bits == 32 and to == "w") or how == "":
            return v
        if bits == 1:
            if how == "s":
                v = self.op("w", "neg", v)
                return self.op("l", "extsw", v) if to == "l" else v
            return self.op("l", "extuw", v) if to == "l" else v
        if bits == 32:
            return self.op("l", "extsw" if how == "s" else "extuw", v)
        if bits in (8, 16):
            return self.op(to, f"ext{how}{'b' if bits == 8 else 'h'}", v)
        if bits < 32:
            sh = self.op("w", "shl", v, 32 - bits)
            v = self.op("w", "sar" if how == "s" else "shr", sh, 32 - bits)
            return self.op("l", f"ext{how}w", v) if to == "l" else v
        sh = self.op("l", "shl", v, 64 - bits)
        return self.op("l", "sar" if how == "s" else "shr", sh, 64 - bits)

    # -- operands --

    def val(self, o: Value) -> str:
        local = self.mod.local.get(_address(o))
        if local:
            return local
        kind = o.value_kind.name
        if kind in ("instruction", "argument"):
            return "%" + o.name
        if kind in ("function", "global_variable"):
            self.mod.check_symbol(o.name)
            return "$" + o.name
        if kind == "global_alias":
            raise Unsupported("LLVM global aliases are not supported")
        if kind == "inline_asm":
            raise Unsupported("inline assembly is not supported")
        if kind == "block_address":
            raise Unsupported("LLVM 'blockaddress' is not supported")
        text = str(o)
        if text in self.consts:
            return self.consts[text]
        p = Printed(text, self.mod.structs)
        t = p.type()
        c = p.const(t)
        r = self.materialize(t, c)
        self.consts[text] = r
        return r

    def materialize(self, t: LType, c: Const) -> str:
        """A constant as a QBE operand; anything needing instructions is
        computed once in @start, which dominates every use."""
        if is_agg(t):
            s = self.slot(size_of(t), align_of(t))
            if c[0] != "undef":
                self._store_const(t, c, s, 0)
            return s
        if c[0] in ("zero", "undef"):
            return {"s": "s_0", "d": "d_0"}.get(cls(t), "0")
        if c[0] == "int":
            if is_fp(t):
                raise Unsupported("LLVM integer constant of floating type")
            v = c[1]
            if t == I1:
                v &= 1
            return str(v)
        if c[0] == "fp":
            if math.isfinite(c[1]):
                return f"{'s' if t[1] == 32 else 'd'}_{c[1]!r}"
            r = self.tmp()
            if t[1] == 32:
                bits = struct.unpack("<i", struct.pack("<f", c[1]))[0]
                self.start.append(f"\t{r} =s cast {bits}")
            else:
                bits = struct.unpack("<q", struct.pack("<d", c[1]))[0]
                self.start.append(f"\t{r} =d cast {bits}")
            return r
        if c[0] == "sym":
            self.mod.check_symbol(c[1])
            if not c[2]:
                return f"${c[1]}"
            r = self.tmp()
            self.start.append(f"\t{r} =l add ${c[1]}, {c[2]}")
            return r
        raise Unsupported(f"LLVM constant of type '{type_str(t)}' is not supported")

    def _store_const(self, t: LType, c: Const, base: str, off: int) -> None:
        if c[0] == "undef":
            return
        if c[0] == "bytes":
            c = ("agg", [("int", b) for b in c[1]])
        if is_agg(t):
            if c[0] == "zero":
                for o, bt in _flat(t):
                    self._store_const(bt, ("zero",), base, off + o)
                return
            for i, e in enumerate(c[1]):
                o, et = elem_offset(t, i) if t[0] != "x" else (i * store_size(t[2]), t[2])
                self._store_const(et, e, base, off + o)
            return
        v = self.materialize(t, c)
        addr = self.tmp()
        self.start.append(f"\t{addr} =l add {base}, {off}")
        store = self._store_op(t)
        if store is None:          # odd-sized integers, byte by byte
            for i, byte in enumerate(_le_bytes(c[1] if c[0] == "int" else 0, store_size(t))):
                a2 = self.tmp()
                self.start.append(f"\t{a2} =l add {addr}, {i}")
                self.start.append(f"\tstoreb {byte}, {a2}")
            return
        self.start.append(f"\t{store} {v}, {addr}")

    # -- entry --

    def translate(self) -> None:
        f = self.f
        m = _DBG.search(self.header)
        if m and int(m.group(1)) in self.mod.dbg:
            self.where = f"{self.mod.source}:{self.mod.dbg[int(m.group(1))]}"
        else:
            self.where = f"{self.mod.path}:{self.orig[0] - 1 if self.orig else 0}"
        try:
            ftype = self.mod.ty(f.global_value_type)
            ret, params, vararg = ftype[1], ftype[2], ftype[3]
            attrs = param_attrs(self.header, self.mod.structs)
            self.ret_ext = return_attrs(self.header)
            self.ret = ret
            plist = []
            for a, t, at in zip(f.arguments, params, attrs + [{}] * len(params)):
                plist.append(f"{self.abi_class(t, at)} %{a.name}")
            if vararg:
                plist.append("...")
            self.mod.check_symbol(self.name)
            rtype = "" if ret[0] == "v" else self.ret_class(ret)
            export = "" if _linkage(f.linkage) in _INTERNAL else "export "
            head = f"{export}function {rtype} ${self.name}({', '.join(plist)}) {{"
            places = self.places()
            pos = 0
            entry = True
            for b in f.blocks:
                self.start_block("@" + b.name)
                self.llvm_block = b.name
                for ins in b.instructions:
                    text = self.lines[pos][1] if pos < len(self.lines) else ""
                    self.where = places[pos] if pos < len(places) else self.where
                    pos += 1
                    body, emitted = self.body, len(self.body)
                    try:
                        self.instruction(ins, text, entry)
                        if opcode_of(text) != "phi":
                            self.debug_location(self.source_line(text), body, emitted)
                    except Unsupported:
                        raise
                    except Exception as e:     # a gap in the translator, still one line
                        raise Unsupported(f"LLVM '{opcode_of(text)}' could not be translated "
                                          f"({type(e).__name__}: {e}): `{text[:80]}`") from None
                entry = False
            self.blocks.append((self.label, self.body))
        except Unsupported as e:
            raise self.mod.fail(self.where, str(e)) from None
        out = [head, "@start"] + self.start
        for label, body in self.blocks[1:]:
            out.append(label)
            for item in body:
                out.append(item() if callable(item) else item)
        out.append("}")
        if self.file and self.file != self.mod.dbgfile:
            self.mod.out.append(f'dbgfile "{self.file}"')
            self.mod.dbgfile = self.file
        self.mod.out.append("\n".join(fold_copies(out)))

    def places(self) -> list[str]:
        """Where each instruction comes from, for errors: its !dbg line; in
        code with line info, an instruction without one (allocas at -O0)
        takes the next line that has one; else the line in the IR file."""
        dbg = self.mod.dbg
        lines = []
        for _, text in self.lines:
            m = _DBG.search(text)
            lines.append(dbg.get(int(m.group(1))) if m else None)
        if not any(lines):
            return [f"{self.mod.path}:{n}" for n in self.orig] or [self.where]
        out, nxt = [], None
        for line in reversed(lines):
            nxt = line or nxt
            out.append(nxt)
        out.reverse()
        last = next(l for l in reversed(lines) if l)
        return [f"{self.mod.source}:{l or last}" for l in out]

    def abi_class(self, t: LType, attrs: ArgAttrs) -> str:
        if "byval" in attrs:
            return self.mod.aggtype(attrs["byval"])
        if "inalloca" in attrs or "preallocated" in attrs:
            raise Unsupported("LLVM 'inalloca' arguments are not supported")
        if is_agg(t):
            return self.mod.aggtype(t)
        if is_int(t) and t[1] in (8, 16) and ("signext" in attrs or "zeroext" in attrs):
            return ("s" if "signext" in attrs else "u") + ("b" if t[1] == 8 else "h")
        return cls(t)

    def ret_class(self, t: LType) -> str:
        attrs = {a: True for a in self.ret_ext}
        return self.abi_class(t, attrs)

    # -- instructions --

    def instruction(self, ins: Value, text: str, entry: bool) -> None:
        opc = opcode_of(text) or ins.opcode
        if opc != "phi" and self.after_phis:
            self.body += self.after_phis
            self.after_phis = []
        handler = getattr(self, "i_" + opc, None)
        if handler is None:
            if opc in _INT_OPS or opc in _FP_OPS or opc == "frem":
                return self.binary(ins, opc)
            if opc in _CASTS:
                return self.cast(ins, opc)
            raise Unsupported(f"LLVM '{opc}' is not supported")
        if opc in ("load", "store") and re.search(r"\b(atomic)\b", text):
            raise Unsupported(f"LLVM atomic '{opc}' is not supported")
        handler(ins, text, entry) if opc == "alloca" else handler(ins, text)

    def res(self, ins: Value) -> str:
        return self.mod.local.get(_address(ins)) or "%" + ins.name

    def binary(self, ins: Value, opc: str) -> None:
        t = self.mod.ty(ins.type)
        a, b = [self.val(o) for o in ins.operands]
        if t[0] == "x":
            return self.lanes(ins, t, [a, b], lambda x, y: self.scalar_binary(opc, t[2], x, y))
        r = self.scalar_binary(opc, t, a, b)
        self.emit(f"{self.res(ins)} ={cls(t)} copy {r}")

    def scalar_binary(self, opc: str, t: LType, a: str, b: str) -> str:
        k = cls(t)
        if opc in _FP_OPS:
            return self.op(k, _FP_OPS[opc], a, b)
        if opc == "frem":
            raise Unsupported("LLVM 'frem' (fmod) is not supported: the kernel exports no fmod")
        if t == I1:
            qop = {"add": "xor", "sub": "xor", "mul": "and"}.get(opc, _INT_OPS[opc])
            if opc in ("shl", "lshr", "ashr"):
                return a
            return self.op("w", qop, a, b)
        how = _INT_EXT.get(opc, "")
        if how:
            a = self.ext(a, t, how, k)
            if opc not in ("lshr", "ashr"):
                b = self.ext(b, t, how, k)
        return self.op(k, _INT_OPS[opc], a, b)

    def lanes(self, ins: Value, t: LType, args: list[str], fn: Callable[..., str],
              arg_types: list[LType] | None = None) -> None:
        """Element-wise vector operation through memory slots."""
        n, et = t[1], t[2]
        es = store_size(et) if et != I1 else 1
        r = self.slot(n * es, align_of(t), self.res(ins))
        for i in range(n):
            lane = []
            for j, a in enumerate(args):
                at = arg_types[j] if arg_types else t
                aes = store_size(at[2]) if at[2] != I1 else 1
                lane.append(self.load(at[2], self.op("l", "add", a, i * aes)))
            v = fn(*lane)
            self.store(et, v, self.op("l", "add", r, i * es))

    def i_fneg(self, ins: Value, text: str) -> None:
        t = self.mod.ty(ins.type)
        a = self.val(list(ins.operands)[0])
        if t[0] == "x":
            return self.lanes(ins, t, [a], lambda x: self.op(cls(t[2]), "neg", x))
        self.emit(f"{self.res(ins)} ={cls(t)} neg {a}")

    def i_icmp(self, ins: Value, text: str) -> None:
        pred = _found(_PRED.search(text), text).group(1)
        ops = list(ins.operands)
        t = self.mod.ty(ops[0].type)
        a, b = self.val(ops[0]), self.val(ops[1])
        if t[0] == "x":
            return self.lanes(ins, ("x", t[1], I1), [a, b],
                              lambda x, y: self.scalar_icmp(pred, t[2], x, y), [t, t])
        self.emit(f"{self.res(ins)} =w copy {self.scalar_icmp(pred, t, a, b)}")
        self.remember_compare(self.res(ins))

    def remember_compare(self, r: str) -> None:
        """If r is one QBE compare, remember it: a branch on r repeats it
        right before the jnz, where QBE fuses compare and jump."""
        prev = self.body[-2] if len(self.body) > 1 else ""
        last = self.body[-1]
        assert isinstance(last, str)    # the compare just emitted
        src = last.split()[-1]
        if isinstance(prev, str) and prev.startswith(f"\t{src} =w c"):
            self.compares[r] = prev.split("=w ", 1)[1]

    def condition(self, c: str) -> str:
        rhs = self.compares.get(c)
        return self.op("w", *rhs.split(" ", 1)) if rhs else c

    def scalar_icmp(self, pred: str, t: LType, a: str, b: str) -> str:
        k = cls(t)
        how = "s" if pred[0] == "s" else "u"
        if t != I1:
            a, b = self.ext(a, t, how, k), self.ext(b, t, how, k)
        elif how == "s":         # i1 true is -1
            pred = {"slt": "ugt", "sle": "uge", "sgt": "ult", "sge": "ule"}[pred]
        return self.op("w", f"{_ICMP[pred]}{k}", a, b)

    def i_fcmp(self, ins: Value, text: str) -> None:
        pred = _found(_PRED.search(text), text).group(1)
        ops = list(ins.operands)
        t = self.mod.ty(ops[0].type)
        a, b = self.val(ops[0]), self.val(ops[1])
        if t[0] == "x":
            return self.lanes(ins, ("x", t[1], I1), [a, b],
                              lambda x, y: self.scalar_fcmp(pred, t[2], x, y), [t, t])
        self.emit(f"{self.res(ins)} =w copy {self.scalar_fcmp(pred, t, a, b)}")
        self.remember_compare(self.res(ins))

    def scalar_fcmp(self, pred: str, t: LType, a: str, b: str) -> str:
        k = cls(t)
        if pred in ("true", "false"):
            return "1" if pred == "true" else "0"
        if pred == "one":
            return self.op("w", "and", self.op("w", f"co{k}", a, b), self.op("w", f"cne{k}", a, b))
        if pred == "ueq":
            return self.op("w", "or", self.op("w", f"cuo{k}", a, b), self.op("w", f"ceq{k}", a, b))
        qop, neg = _FCMP[pred]
        r = self.op("w", f"{qop}{k}", a, b)
        return self.op("w", "xor", r, 1) if neg else r

    def cast(self, ins: Value, opc: str) -> None:
        src = self.mod.ty(list(ins.operands)[0].type)
        dst = self.mod.ty(ins.type)
        a = self.val(list(ins.operands)[0])
        r = self.res(ins)
        if opc == "bitcast" and (is_agg(src) or is_agg(dst)):
            return self.bitcast_memory(ins, src, dst, a)
        if src[0] == "x":
            return self.lanes(ins, dst, [a], lambda x: self.scalar_cast(opc, src[2], dst[2], x),
                              [src])
        self.emit(f"{r} ={cls(dst)} copy {self.scalar_cast(opc, src, dst, a)}")

    def scalar_cast(self, opc: str, src: LType, dst: LType, a: str) -> str:
        ks, kd = cls(src), cls(dst)
        if opc == "trunc":
            return self.op("w", "and", a, 1) if dst == I1 else a
        if opc in ("zext", "sext"):
            return self.ext(a, src, opc[0] if opc == "sext" else "u", kd)
        if opc == "fptrunc":
            return self.op("s", "truncd", a)
        if opc == "fpext":
            return self.op("d", "exts", a)
        if opc in ("fptosi", "fptoui"):
            qop = f"{ks}to{'si' if opc == 'fptosi' else 'ui'}"
            if dst[1] < 32 and opc == "fptoui":
                qop = f"{ks}tosi"
            return self.op(kd, qop, a)
        if opc in ("sitofp", "uitofp"):
            how = "s" if opc == "sitofp" else "u"
            v = self.ext(a, src, how, ks)
            return self.op(kd, f"{how}{ks}tof", v)
        if opc in ("ptrtoint", "inttoptr"):
            if ks == "w" and kd == "l":
                return self.ext(a, src, "u", "l")
            return a
        if opc in ("bitcast", "freeze", "addrspacecast"):
            return self.op(kd, "cast", a) if ks != kd else a
        raise Unsupported(f"LLVM '{opc}' is not supported")

    def bitcast_memory(self, ins: Value, src: LType, dst: LType, a: str) -> None:
        if store_size(src) != store_size(dst) or I1 in (src[-1], dst[-1]):
            raise Unsupported(f"LLVM bitcast from '{type_str(src)}' to '{type_str(dst)}' "
                              "is not supported")
        r = self.res(ins)
        if is_agg(src) and is_agg(dst):
            self.slot(size_of(dst), align_of(dst), r)
            self.emit(f"blit {a}, {r}, {store_size(dst)}")
        elif is_agg(src):
            self.emit(f"{r} ={cls(dst)} copy {self.load(dst, a)}")
        else:
            self.slot(size_of(dst), align_of(dst), r)
            self.store(src, a, r)

    def i_freeze(self, ins: Value, text: str) -> None:
        t = self.mod.ty(ins.type)
        a = self.val(list(ins.operands)[0])
        if is_agg(t):
            self.emit(f"{self.res(ins)} =l copy {a}")
        else:
            self.emit(f"{self.res(ins)} ={cls(t)} copy {a}")

    # -- memory --

    def _store_op(self, t: LType) -> str | None:
        if t[0] == "f":
            return "stores" if t[1] == 32 else "stored"
        return _STORE.get(store_size(t))

    def load(self, t: LType, addr: str) -> str:
        if is_fp(t):
            return self.op(cls(t), "loads" if t[1] == 32 else "loadd", addr)
        n = store_size(t)
        k = cls(t)
        if n in _LOAD:
            return self.op(k, _LOAD[n] if k == "w" or n == 8 else
                           {1: "loadub", 2: "loaduh", 4: "loaduw"}[n], addr)
        acc = None
        for off, size in _pieces(n):
            a = self.op("l", "add", addr, off)
            piece = self.op(k, {1: "loadub", 2: "loaduh", 4: "loaduw"}[size], a)
            if off:
                piece = self.op(k, "shl", piece, off * 8)
            acc = piece if acc is None else self.op(k, "or", acc, piece)
        assert acc is not None      # n > 0: at least one piece
        return acc

    def store(self, t: LType, v: str, addr: str) -> None:
        op = self._store_op(t)
        if op:
            self.emit(f"{op} {v}, {addr}")
            return
        k = cls(t)
        for off, size in _pieces(store_size(t)):
            a = self.op("l", "add", addr, off)
            piece = self.op(k, "shr", v, off * 8) if off else v
            self.emit(f"{_STORE[size]} {piece}, {a}")

    def pin_volatile(self, text: str, addr: str) -> None:
        """QBE has no volatile: a volatile access to a local keeps the
        local in memory by storing its address (QBE then neither promotes
        it to a register nor forwards its stores), so a value written
        between setjmp and longjmp survives the jump, as C requires."""
        if not re.match(r"\s*(%\S+ = )?(load|store) volatile\b", text) or not addr.startswith("%"):
            return
        if not self.pin:
            # the slot's own address in it: QBE must not promote the slot
            # either, which would drop the stores that pin the locals
            self.pin = self.slot(8)
            self.start.append(f"\tstorel {self.pin}, {self.pin}")
        self.emit(f"storel {addr}, {self.pin}")

    def i_load(self, ins: Value, text: str) -> None:
        t = self.mod.ty(ins.type)
        addr = self.val(list(ins.operands)[0])
        self.pin_volatile(text, addr)
        r = self.res(ins)
        if is_agg(t):
            self.slot(size_of(t), align_of(t), r)
            self.emit(f"blit {addr}, {r}, {store_size(t)}")
            return
        v = self.load(t, addr)
        self.emit(f"{r} ={cls(t)} copy {v}")
        if is_int(t) and store_size(t) < 4 and cls(t) == "w":
            self.zext[r] = self.zext[v] = 8 * store_size(t)

    def i_store(self, ins: Value, text: str) -> None:
        vo, po = list(ins.operands)
        t = self.mod.ty(vo.type)
        v, addr = self.val(vo), self.val(po)
        self.pin_volatile(text, addr)
        if is_agg(t):
            self.emit(f"blit {v}, {addr}, {store_size(t)}")
        else:
            self.store(t, v, addr)

    def i_alloca(self, ins: Value, text: str, entry: bool) -> None:
        p = Printed(text.split("alloca", 1)[1], self.mod.structs)
        p.accept("inalloca")
        t = p.type()
        m = _ALIGN.search(text)
        align = int(m.group(1)) if m else align_of(t)
        if align > 16:
            raise Unsupported(f"LLVM 'alloca' aligned to {align} bytes is not supported (at most 16)")
        count = list(ins.operands)[0]
        r = self.res(ins)
        if count.value_kind.name == "constant_int" and entry:
            n = cint(count)
            self.slot(size_of(t) * n, align, r)
            return
        ct = self.mod.ty(count.type)
        nbytes = self.ext(self.val(count), ct, "u", "l")
        size = self.op("l", "mul", nbytes, size_of(t))
        size = self.op("l", "and", self.op("l", "add", size, 15), -16)
        self.emit(f"{r} =l alloc16 {size}")

    def i_getelementptr(self, ins: Value, text: str) -> None:
        p = Printed(text.split("getelementptr", 1)[1], self.mod.structs)
        while p.peek() in ("inbounds", "nuw", "nusw", "inrange"):
            if p.next() == "inrange":
                p.skip_balanced()
        src = p.type()
        ops = list(ins.operands)
        if self.mod.ty(ins.type)[0] == "x":
            raise Unsupported("LLVM vector 'getelementptr' is not supported")
        addr = self.val(ops[0])
        const = 0
        t = src
        for n, o in enumerate(ops[1:]):
            if n == 0:
                step = size_of(src)
            elif t[0] == "s":
                i = cint(o)
                off, t = elem_offset(t, i)
                const += off
                continue
            else:
                t = t[2]
                step = size_of(t)
            if o.value_kind.name == "constant_int":
                const += cint(o) * step
                continue
            it = self.mod.ty(o.type)
            if it[0] == "x":
                raise Unsupported("LLVM vector 'getelementptr' is not supported")
            idx = self.ext(self.val(o), it, "s", "l")
            if step != 1:
                idx = self.op("l", "mul", idx, step)
            addr = self.op("l", "add", addr, idx)
        if const:
            addr = self.op("l", "add", addr, const)
        self.emit(f"{self.res(ins)} =l copy {addr}")

    # -- aggregates and vectors --

    def _indices(self, text: str) -> list[int]:
        m = _TRAILING_INDICES.search(_DBG.sub("", text))
        return [int(x) for x in _found(m, text).group(1).split(",") if x.strip()]

    def _path(self, t: LType, idx: list[int]) -> tuple[int, LType]:
        off = 0
        for i in idx:
            o, t = elem_offset(t, i)
            off += o
        return off, t

    def i_extractvalue(self, ins: Value, text: str) -> None:
        agg = list(ins.operands)[0]
        t = self.mod.ty(agg.type)
        off, et = self._path(t, self._indices(text))
        base = self.val(agg)
        addr = self.op("l", "add", base, off) if off else base
        r = self.res(ins)
        if is_agg(et):
            self.emit(f"{r} =l copy {addr}")
        else:
            self.emit(f"{r} ={cls(et)} copy {self.load(et, addr)}")

    def i_insertvalue(self, ins: Value, text: str) -> None:
        agg, v = list(ins.operands)
        t = self.mod.ty(agg.type)
        off, et = self._path(t, self._indices(text))
        r = self.slot(size_of(t), align_of(t), self.res(ins))
        src = self.val(agg)
        if agg.value_kind.name != "undef_value" and agg.value_kind.name != "poison_value":
            self.emit(f"blit {src}, {r}, {size_of(t)}")
        self.put(et, self.val(v), self.op("l", "add", r, off) if off else r)

    def put(self, t: LType, v: str, addr: str) -> None:
        if is_agg(t):
            self.emit(f"blit {v}, {addr}, {store_size(t)}")
        else:
            self.store(t, v, addr)

    def lane_addr(self, t: LType, base: str, o: Value) -> str:
        es = store_size(t[2])
        if o.value_kind.name == "constant_int":
            i = cint(o)
            return self.op("l", "add", base, i * es) if i else base
        idx = self.ext(self.val(o), self.mod.ty(o.type), "u", "l")
        return self.op("l", "add", base, self.op("l", "mul", idx, es))

    def i_extractelement(self, ins: Value, text: str) -> None:
        vec, idx = list(ins.operands)
        t = self.mod.ty(vec.type)
        self._plain_vector(t)
        addr = self.lane_addr(t, self.val(vec), idx)
        self.emit(f"{self.res(ins)} ={cls(t[2])} copy {self.load(t[2], addr)}")

    def i_insertelement(self, ins: Value, text: str) -> None:
        vec, v, idx = list(ins.operands)
        t = self.mod.ty(vec.type)
        self._plain_vector(t)
        r = self.slot(size_of(t), align_of(t), self.res(ins))
        if vec.value_kind.name not in ("undef_value", "poison_value"):
            self.emit(f"blit {self.val(vec)}, {r}, {store_size(t)}")
        self.store(t[2], self.val(v), self.lane_addr(t, r, idx))

    def _plain_vector(self, t: LType) -> None:
        if t[2] == I1 or store_size(t[2]) * 8 != _bits(t[2]):
            raise Unsupported(f"LLVM vectors of '{type_str(t[2])}' are not supported")

    def i_shufflevector(self, ins: Value, text: str) -> None:
        a, b = list(ins.operands)[:2]
        t = self.mod.ty(a.type)
        self._plain_vector(t)
        p = Printed(text.split("shufflevector", 1)[1], self.mod.structs)
        for _ in range(2):
            p.value(p.type())
            p.expect(",")
        mt = p.type()
        mask = p.const(mt)
        n = mt[1]
        lanes = [None] * n if mask[0] == "undef" else [0] * n if mask[0] == "zero" else \
            [e[1] if e[0] == "int" else None for e in mask[1]]
        rt = ("x", n, t[2])
        es = store_size(t[2])
        r = self.slot(size_of(rt), align_of(rt), self.res(ins))
        va, vb = self.val(a), self.val(b)
        for i, m in enumerate(lanes):
            if m is None:
                continue
            src = va if m < t[1] else vb
            m = m if m < t[1] else m - t[1]
            x = self.load(t[2], self.op("l", "add", src, m * es))
            self.store(t[2], x, self.op("l", "add", r, i * es))

    # -- control flow --

    def i_phi(self, ins: Value, text: str) -> None:
        t = self.mod.ty(ins.type)
        values = [self.val(o) for o in ins.operands]
        blocks = [b.name for b in ins.incoming_blocks]
        me = self.llvm_block
        r = self.res(ins)
        k = "l" if is_agg(t) else cls(t)
        target = self.tmp() if is_agg(t) else r

        def resolve() -> str:
            args, seen = [], set()
            for v, b in zip(values, blocks):
                if b in seen:
                    continue
                seen.add(b)
                for label in self.edges.get((b, me), []):
                    args.append(f"{label} {v}")
            return f"\t{target} ={k} phi {', '.join(args)}"
        self.body.append(resolve)
        if is_agg(t):
            # the incoming slots may be rewritten while this value lives;
            # copied once the block's phis are done
            self.slot(size_of(t), align_of(t), r)
            self.after_phis.append(f"\tblit {target}, {r}, {size_of(t)}")

    def i_br(self, ins: Value, text: str) -> None:
        labels = _LABELS.findall(text)
        if len(labels) == 1:
            self.emit(f"jmp {self.jump(labels[0])}")
            return
        c = self.val(list(ins.operands)[0])
        if labels[0] == labels[1]:
            self.emit(f"jmp {self.jump(labels[0])}")
            return
        c = self.condition(c)
        self.emit(f"jnz {c}, {self.jump(labels[0])}, {self.jump(labels[1])}")

    def i_switch(self, ins: Value, text: str) -> None:
        """A binary search over the case values, linear below four cases
        (QBE has no indirect jump for a table).  The search knows the range
        of values left (unsigned, inclusive): a case that is all of it is
        jumped to without a compare (the last of 0, 1, 2 below 3)."""
        ops = list(ins.operands)
        t = self.mod.ty(ops[0].type)
        k = cls(t)
        x = self.ext(self.val(ops[0]), t, "u", k)
        default = _found(_LABELS.search(text), text).group(1)
        mask = (1 << t[1]) - 1
        cases = sorted((int(value) & mask, dest)
                       for value, dest in _CASES.findall(text.split("[", 1)[1]))
        lit = (lambda n: _s64(n)) if k == "l" else (lambda n: n)

        def search(cases: list[tuple[int, str]], lo: int, hi: int) -> None:
            if len(cases) <= 3:
                for value, dest in cases:
                    if lo == hi == value:
                        self.emit(f"jmp {self.jump(dest)}")
                        return
                    c = self.op("w", f"ceq{k}", x, lit(value))
                    nxt = self.new_label()
                    self.emit(f"jnz {c}, {self.jump(dest)}, {nxt}")
                    self.start_block(nxt)
                    if value == lo:
                        lo += 1
                self.emit(f"jmp {self.jump(default)}")
                return
            mid = len(cases) // 2
            pivot = cases[mid][0]
            c = self.op("w", f"cult{k}", x, lit(pivot))
            low, high = self.new_label(), self.new_label()
            self.emit(f"jnz {c}, {low}, {high}")
            self.start_block(low)
            search(cases[:mid], lo, pivot - 1)
            self.start_block(high)
            search(cases[mid:], pivot, hi)
        search(cases, 0, mask)

    def i_ret(self, ins: Value, text: str) -> None:
        ops = list(ins.operands)
        if not ops:
            self.emit("ret")
            return
        self.emit(f"ret {self.val(ops[0])}")

    def i_unreachable(self, ins: Value, text: str) -> None:
        self.emit("hlt")

    def i_select(self, ins: Value, text: str) -> None:
        c, a, b = list(ins.operands)
        t = self.mod.ty(ins.type)
        if self.mod.ty(c.type)[0] == "x":
            ct = self.mod.ty(c.type)
            cv, av, bv = self.val(c), self.val(a), self.val(b)
            return self.lanes(ins, t, [cv, av, bv],
                              lambda x, y, z: self.scalar_select(t[2], x, y, z), [ct, t, t])
        self.emit(f"{self.res(ins)} ={'l' if is_agg(t) else cls(t)} copy "
                  f"{self.scalar_select(t, self.val(c), self.val(a), self.val(b))}")

    def scalar_select(self, t: LType, c: str, a: str, b: str) -> str:
        """A diamond with a phi (QBE's if-conversion turns it into cmov)."""
        k = "l" if is_agg(t) else cls(t)
        lt, lf, lj = self.new_label(), self.new_label(), self.new_label()
        self.emit(f"jnz {c}, {lt}, {lf}")
        self.start_block(lt)
        self.emit(f"jmp {lj}")
        self.start_block(lf)
        self.emit(f"jmp {lj}")
        self.start_block(lj)
        return self.op(k, "phi", f"{lt} {a}", f"{lf} {b}")

    # -- calls --

    def i_va_arg(self, ins: Value, text: str) -> None:
        t = self.mod.ty(ins.type)
        if is_agg(t):
            raise Unsupported("LLVM 'va_arg' of an aggregate is not supported")
        self.emit(f"{self.res(ins)} ={cls(t)} vaarg {self.val(list(ins.operands)[0])}")

    def i_call(self, ins: Value, text: str) -> None:
        ops = list(ins.operands)
        callee = ops[-1]
        args = ops[:-1]
        kind = callee.value_kind.name
        if kind == "inline_asm":
            raise Unsupported("inline assembly is not supported")
        if kind == "function" and callee.name.startswith("llvm."):
            return self.intrinsic(ins, callee.name, args, text)
        nfixed, attrs = call_signature(text, self.mod.structs)
        fn = self.val(callee)
        parts = []
        for n, o in enumerate(args):
            if nfixed is not None and n == nfixed:
                parts.append("...")
            t = self.mod.ty(o.type)
            at = attrs[n] if n < len(attrs) else {}
            v = self.val(o)
            if is_int(t) and t[1] not in (1, 8, 16, 32, 64) and {"signext", "zeroext"} & at.keys():
                v = self.ext(v, t, "s" if "signext" in at else "u")
            parts.append(f"{self.abi_class(t, at)} {v}")
        if nfixed is not None and nfixed >= len(args):
            parts.append("...")
        rt = self.mod.ty(ins.type)
        call = f"call {fn}({', '.join(parts)})"
        if rt[0] == "v":
            self.emit(call)
        else:
            self.emit(f"{self.res(ins)} ={self.abi_class(rt, {})} {call}")

    def intrinsic(self, ins: Value, name: str, args: list[Value], text: str) -> None:
        base = name.split(".")[1]
        if base in _IGNORED_INTRINSICS:
            t = self.mod.ty(ins.type)
            if t[0] != "v":     # llvm.stacksave: VLA space lives until return
                self.emit(f"{self.res(ins)} ={'l' if is_agg(t) else cls(t)} copy 0")
            return
        handler = getattr(self, "x_" + base, None)
        if handler is None:
            raise Unsupported(f"LLVM intrinsic '{name}' is not supported")
        vals = [self.val(a) for a in args if a.value_kind.name != "metadata_as_value"]
        types = [self.mod.ty(a.type) for a in args if a.value_kind.name != "metadata_as_value"]
        t = self.mod.ty(ins.type)
        r = handler(t, vals, types, name)
        if r is not None:
            self.emit(f"{self.res(ins)} ={'l' if is_agg(t) else cls(t)} copy {r}")

    def _call_export(self, name: str, rt: str, args: list[str]) -> str | None:
        self.mod.check_symbol(name)
        call = f"call ${name}({', '.join(args)})"
        if not rt:
            self.emit(call)
            return None
        r = self.tmp()
        self.emit(f"{r} ={rt} {call}")
        return r

    def x_memcpy(self, t: LType, v: list[str], ts: list[LType], name: str) -> None:
        self._call_export("memcpy", "l", [f"l {v[0]}", f"l {v[1]}", f"l {self.ext(v[2], ts[2], 'u', 'l')}"])

    def x_memmove(self, t: LType, v: list[str], ts: list[LType], name: str) -> None:
        self._call_export("memmove", "l", [f"l {v[0]}", f"l {v[1]}", f"l {self.ext(v[2], ts[2], 'u', 'l')}"])

    def x_memset(self, t: LType, v: list[str], ts: list[LType], name: str) -> None:
        c = self.ext(v[1], ts[1], "u", "w")
        self._call_export("memset", "l", [f"l {v[0]}", f"w {c}", f"l {self.ext(v[2], ts[2], 'u', 'l')}"])

    def x_va_start(self, t: LType, v: list[str], ts: list[LType], name: str) -> None:
        self.emit(f"vastart {v[0]}")

    def x_va_copy(self, t: LType, v: list[str], ts: list[LType], name: str) -> None:
        self.emit(f"blit {v[1]}, {v[0]}, 24")

    def x_expect(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return v[0]

    def x_is(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        if name.startswith("llvm.is.constant"):
            return "0"
        if not name.startswith("llvm.is.fpclass") or ts[0][0] != "f":
            raise Unsupported(f"LLVM intrinsic '{name}' is not supported")
        return self._fpclass(ts[0], v[0], int(v[1]))

    def _fpclass(self, t: LType, x: str, mask: int) -> str:
        """llvm.is.fpclass: bit 0 snan, 1 qnan, 2-5 negative inf, normal,
        subnormal, zero, 6-9 positive zero, subnormal, normal, inf."""
        ik, mag, _ = self._fbits(t)
        inf, quiet, small = (0x7F800000, 0x7FC00000, 0x00800000) if ik == "w" else \
            (0x7FF0000000000000, 0x7FF8000000000000, 0x0010000000000000)
        bits = self.op(ik, "cast", x)
        a = self.op(ik, "and", bits, mag)
        c = lambda op, y: self.op("w", f"{op}{ik}", a, y)
        nan = c("cugt", inf)
        qnan = self.op("w", "and", nan, c("cuge", quiet))
        kinds = {"snan": self.op("w", "xor", nan, qnan) if mask & 1 else None,
                 "qnan": qnan, "inf": c("ceq", inf), "zero": c("ceq", 0),
                 "sub": self.op("w", "and", c("cne", 0), c("cult", small)),
                 "normal": self.op("w", "and", c("cuge", small), c("cult", inf))}
        neg = self.op("w", f"cslt{ik}", bits, 0)
        pos = self.op("w", "xor", neg, 1)
        acc = "0"
        for bit, kind, sign in ((0, "snan", None), (1, "qnan", None), (2, "inf", neg),
                                (3, "normal", neg), (4, "sub", neg), (5, "zero", neg),
                                (6, "zero", pos), (7, "sub", pos), (8, "normal", pos),
                                (9, "inf", pos)):
            if mask >> bit & 1:
                k = kinds[kind] if sign is None else self.op("w", "and", kinds[kind], sign)
                acc = self.op("w", "or", acc, k)
        return acc

    def x_objectsize(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return "0" if v[1] == "1" else "-1"

    def x_trap(self, t: LType, v: list[str], ts: list[LType], name: str) -> None:
        self.emit("hlt")

    x_debugtrap = x_trap
    x_ubsantrap = x_trap

    def _minmax(self, t: LType, v: list[str], ts: list[LType], name: str, pred: str) -> str:
        if t[0] == "x":
            raise Unsupported(f"LLVM intrinsic '{name}' on vectors is not supported")
        c = self.scalar_icmp(pred, t, v[0], v[1])
        return self.scalar_select(t, c, v[0], v[1])

    def x_smax(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._minmax(t, v, ts, name, "sgt")

    def x_smin(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._minmax(t, v, ts, name, "slt")

    def x_umax(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._minmax(t, v, ts, name, "ugt")

    def x_umin(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._minmax(t, v, ts, name, "ult")

    def x_abs(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        k = cls(t)
        x = self.ext(v[0], t, "s", k)
        s = self.op(k, "sar", x, 31 if k == "w" else 63)
        return self.op(k, "sub", self.op(k, "xor", x, s), s)

    def _fbits(self, t: LType) -> tuple[str, int, int]:
        return ("w", 0x7FFFFFFF, -0x80000000) if t[1] == 32 else \
            ("l", 0x7FFFFFFFFFFFFFFF, -0x8000000000000000)

    def x_fabs(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        ik, mag, _ = self._fbits(t)
        i = self.op(ik, "cast", v[0])
        return self.op(cls(t), "cast", self.op(ik, "and", i, mag))

    def x_copysign(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        ik, mag, sign = self._fbits(t)
        a = self.op(ik, "and", self.op(ik, "cast", v[0]), mag)
        b = self.op(ik, "and", self.op(ik, "cast", v[1]), sign)
        return self.op(cls(t), "cast", self.op(ik, "or", a, b))

    def x_sqrt(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        if t[0] == "x":
            raise Unsupported(f"LLVM intrinsic '{name}' on vectors is not supported")
        x = v[0] if t[1] == 64 else self.op("d", "exts", v[0])
        r = self._call_export("sqrt", "d", [f"d {x}"])
        # sqrt of a float through double is correctly rounded
        return r if t[1] == 64 else self.op("s", "truncd", r)

    def x_fmuladd(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        k = cls(t)
        return self.op(k, "add", self.op(k, "mul", v[0], v[1]), v[2])

    def _wide(self, t: LType, v: str, how: str) -> str:
        """Zero- or sign-extended to 64 bits."""
        return self.ext(v, t, how, "l")

    def x_ctpop(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        x = self._wide(t, v[0], "u")
        return self._popcount(x, t)

    def _popcount(self, x: str, t: LType) -> str:
        m1, m2, m4 = 0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F
        x = self.op("l", "sub", x, self.op("l", "and", self.op("l", "shr", x, 1), _s64(m1)))
        x = self.op("l", "add", self.op("l", "and", x, _s64(m2)),
                    self.op("l", "and", self.op("l", "shr", x, 2), _s64(m2)))
        x = self.op("l", "and", self.op("l", "add", x, self.op("l", "shr", x, 4)), _s64(m4))
        x = self.op("l", "shr", self.op("l", "mul", x, _s64(0x0101010101010101)), 56)
        return x if cls(t) == "l" else self.op("w", "copy", x)

    def x_ctlz(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        x = self._wide(t, v[0], "u")
        for s in (1, 2, 4, 8, 16, 32):
            x = self.op("l", "or", x, self.op("l", "shr", x, s))
        n = self._popcount(self.op("l", "xor", x, -1), I64)
        n = self.op("l", "sub", n, 64 - t[1])
        return n if cls(t) == "l" else self.op("w", "copy", n)

    def x_cttz(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        x = self._wide(t, v[0], "u")
        x = self.op("l", "or", x, 1 << t[1] if t[1] < 64 else 0)
        low = self.op("l", "and", x, self.op("l", "sub", 0, x))
        return self._popcount(self.op("l", "sub", low, 1), t)

    def x_bswap(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        k = cls(t)
        x = self._wide(t, v[0], "u")
        acc = None
        n = t[1] // 8
        for i in range(n):
            byte = self.op("l", "and", self.op("l", "shr", x, 8 * i), 255)
            byte = self.op("l", "shl", byte, 8 * (n - 1 - i))
            acc = byte if acc is None else self.op("l", "or", acc, byte)
        return acc if k == "l" else self.op("w", "copy", acc)

    def _funnel(self, t: LType, v: list[str], left: bool) -> str:
        w = t[1]
        k = cls(t)
        a, b = self._wide(t, v[0], "u"), self._wide(t, v[1], "u")
        s = self.op("l", "urem", self._wide(t, v[2], "u"), w)
        if w < 64:
            cat = self.op("l", "or", self.op("l", "shl", a, w), b)
            if left:
                r = self.op("l", "shr", self.op("l", "shl", cat, s), w)
            else:
                r = self.op("l", "shr", cat, s)
            return self.op("w", "copy", r) if k == "w" else r
        if left:
            hi = self.op("l", "shl", a, s)
            lo = self.op("l", "shr", self.op("l", "shr", b, 1), self.op("l", "sub", 63, s))
        else:
            lo = self.op("l", "shr", b, s)
            hi = self.op("l", "shl", self.op("l", "shl", a, 1), self.op("l", "sub", 63, s))
        return self.op("l", "or", hi, lo)

    def x_fshl(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._funnel(t, v, True)

    def x_fshr(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._funnel(t, v, False)

    def _overflow(self, t: LType, v: list[str], name: str, opc: str) -> str:
        """{ iN result, i1 overflow } in a slot."""
        et = t[1][0]
        w = et[1]
        k = cls(et)
        signed = opc[0] == "s"
        how = "s" if signed else "u"
        a, b = v
        qop = {"add": "add", "sub": "sub", "mul": "mul"}[opc[1:]]
        if w < 64:
            # exact in 64 bits: overflow iff the result does not fit in w bits
            wa, wb = self._wide(et, a, how), self._wide(et, b, how)
            full = self.op("l", qop, wa, wb)
            r = self.op(k, "copy", full)
            back = self.ext(r, et, how, "l")
            ov = self.op("w", "cnel", back, full)
        else:
            r = self.op("l", qop, a, b)
            if opc == "uadd":
                ov = self.op("w", "cultl", r, a)
            elif opc == "usub":
                ov = self.op("w", "cultl", a, b)
            elif opc == "sadd":
                x = self.op("l", "and", self.op("l", "xor", a, r), self.op("l", "xor", b, r))
                ov = self.op("w", "csltl", x, 0)
            elif opc == "ssub":
                x = self.op("l", "and", self.op("l", "xor", a, b), self.op("l", "xor", a, r))
                ov = self.op("w", "csltl", x, 0)
            elif opc == "umul":
                nz = self.op("w", "cnel", a, 0)
                d = self.op("l", "or", a, self.op("l", "extuw", self.op("w", "ceql", a, 0)))
                ov = self.op("w", "and", nz, self.op("w", "cnel", self.op("l", "udiv", r, d), b))
            else:   # smul: divide back, with a divisor that cannot trap
                m1 = self.op("w", "ceql", a, -1)
                ok = self.op("w", "and", self.op("w", "cnel", a, 0), self.op("w", "xor", m1, 1))
                okl = self.op("l", "extuw", ok)
                d = self.op("l", "or", self.op("l", "and", a, self.op("l", "sub", 0, okl)),
                            self.op("l", "xor", okl, 1))
                q = self.op("l", "div", r, d)
                ov1 = self.op("w", "and", ok, self.op("w", "cnel", q, b))
                ov2 = self.op("w", "and", m1, self.op("w", "ceql", b, -0x8000000000000000))
                ov = self.op("w", "or", ov1, ov2)
        s = self.slot(size_of(t), align_of(t))
        self.store(et, r, s)
        off, _ = elem_offset(t, 1)
        self.emit(f"storeb {ov}, {self.op('l', 'add', s, off)}")
        return s

    def x_sadd(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._overflow(t, v, name, "sadd")

    def x_uadd(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._overflow(t, v, name, "uadd")

    def x_ssub(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._overflow(t, v, name, "ssub")

    def x_usub(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._overflow(t, v, name, "usub")

    def x_smul(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._overflow(t, v, name, "smul")

    def x_umul(self, t: LType, v: list[str], ts: list[LType], name: str) -> str | None:
        return self._overflow(t, v, name, "umul")


def cint(o: Value) -> int:
    """A constant_int operand's value, signed at its own width."""
    text = str(o).split()[-1]
    return {"true": 1, "false": 0}[text] if text in ("true", "false") else int(text)


def _s64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _pieces(n: int) -> list[tuple[int, int]]:
    out, off = [], 0
    for size in (4, 2, 1):
        while n - off >= size:
            out.append((off, size))
            off += size
    return out


_CASTS = {"trunc", "zext", "sext", "fptrunc", "fpext", "fptoui", "fptosi", "uitofp", "sitofp",
          "ptrtoint", "inttoptr", "bitcast", "addrspacecast"}


_NAME = re.compile(r"%[\w.]+")
_DEF = re.compile(r"\t(%_\d+) =(\w+) ")
_COPY = re.compile(r"\t(%[\w.]+) =(\w+) copy (%_\d+)$")
_COMPARE = re.compile(r"\t(%[\w.]+) =w c(?:eq|ne|[su](?:lt|le|gt|ge)|lt|le|gt|ge|o|uo)[wlsd] ")


def fold_copies(lines: list[str]) -> list[str]:
    """Two clean-ups of the function's IL, which the JIT would otherwise
    parse and then remove itself, at a cost per line: `%_5 =w add ...`
    then `%x =w copy %_5`, where the copy is %_5's only use, becomes
    `%x =w add ...` (most instructions compute into a scratch temporary
    before naming the result); and a comparison whose value nothing uses
    goes (a branch on a compare recomputes it next to the `jnz`, so QBE
    fuses the two)."""
    uses: dict[str, int] = {}
    for line in lines:
        for t in _NAME.findall(line):
            uses[t] = uses.get(t, 0) + 1
    out: list[str] = []
    for line in lines:
        c = _COPY.match(line)
        if c and out and uses.get(c.group(3)) == 2:
            d = _DEF.match(out[-1])
            if d and d.group(1) == c.group(3) and d.group(2) == c.group(2):
                out[-1] = f"\t{c.group(1)} ={d.group(2)} " + out[-1][d.end():]
                continue
        out.append(line)
    return [line for line in out
            if not ((m := _COMPARE.match(line)) and uses.get(m.group(1)) == 1)]


# -- entry points ----------------------------------------------------------

def translate(text: str, path: str = "<input>", exports: set[str] | None = None) -> str:
    """LLVM IR text -> QBE IL text (JitbootError when it cannot)."""
    if exports is None:
        exports = set(render.read_exports(ROOT))
    try:
        return Module(text, path, exports).translate()
    except Unsupported as e:       # outside any function or global
        raise JitbootError(f"{path}:0: {e}") from None


def compile_c(path: str | Path, opt: str = "-O0", out_ll: str | Path | None = None,
              cflags: Sequence[str] = ()) -> str:
    """Compile C to LLVM IR text with clang-19; write it to out_ll if given.
    cflags are extra clang flags (-I, -D)."""
    if opt not in OPT_FLAGS:
        raise JitbootError(f"unknown optimisation level {opt} (use -O0 or -O2)")
    clang = shutil.which(CLANG)
    if clang is None:
        raise JitbootError(f"{CLANG} not found: apt-get install clang-19 (ci/setup.sh does)")
    cmd = [clang, *CLANG_FLAGS, *OPT_FLAGS[opt], "-isystem", str(INCLUDE), *cflags, str(path),
           "-o", "-"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        errors = [l for l in r.stderr.splitlines() if ": error: " in l or "fatal error" in l]
        raise JitbootError("\n".join(errors or [r.stderr.strip() or f"{CLANG} failed"]))
    if out_ll is not None:
        Path(out_ll).write_text(r.stdout)
    return r.stdout


def translate_file(path: str | Path, opt: str = "-O0", cflags: Sequence[str] = ()) -> str:
    """A .c or .ll file -> QBE IL text (cflags: extra clang flags for C)."""
    path = Path(path)
    if path.suffix == ".c":
        return translate(compile_c(path, opt, cflags=cflags), str(path))
    try:
        text = path.read_text()
    except OSError as e:
        raise JitbootError(f"{path}: cannot read ({e.strerror})") from None
    return translate(text, str(path))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m jitboot.llvm",
                                 description="Translate C or LLVM IR to QBE IL.")
    ap.add_argument("input", help="prog.c or prog.ll")
    ap.add_argument("-O0", dest="opt", action="store_const", const="-O0", default="-O0")
    ap.add_argument("-O2", dest="opt", action="store_const", const="-O2")
    ap.add_argument("-o", dest="output", help="output file (default: stdout)")
    ap.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                    help="also search DIR for headers (C input)")
    ap.add_argument("--emit-llvm", metavar="FILE", help="also write clang's LLVM IR to FILE")
    ap.add_argument("--run", nargs=argparse.REMAINDER, metavar="ARGS",
                    help="run the result with build/host/jitrun (`doit host` builds it), "
                         "passing ARGS to main")
    args = ap.parse_args(argv)
    try:
        cflags = [f"-I{d}" for d in args.include]
        if args.emit_llvm and args.input.endswith(".c"):
            il = translate(compile_c(args.input, args.opt, args.emit_llvm, cflags), args.input)
        else:
            il = translate_file(args.input, args.opt, cflags)
    except JitbootError as e:
        print(e, file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(il)
    elif args.run is None:
        sys.stdout.write(il)
    if args.run is not None:
        return _run_jitrun(il, args.output, Path(args.input).stem, args.run)
    return 0


def _run_jitrun(il: str, output: str | None, stem: str, argv: list[str]) -> int:
    jitrun = ROOT / "build" / "host" / "jitrun"
    if not jitrun.exists():
        print(f"{jitrun}: not built; run `doit host` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        path = output or str(Path(tmp) / f"{stem}.ssa")
        if not output:
            Path(path).write_text(il)
        sys.stdout.flush()
        return subprocess.run([str(jitrun), path, *argv]).returncode


if __name__ == "__main__":
    sys.exit(main())
