"""Which tests a run boots with, and the list of the tests there are.

A recipe's tests stay compiled into its kernel; `doit qemu-test
tests='jit_*,heap'` picks some of them at boot.  The globs go to the
kernel as boot arguments (jitboot/protocol.py: "tests=... boot=N"), which
kernel_lib/ktest.c matches with the same rules as glob_match() here ('*'
any run of characters, '?' one; nothing else is special), so the host
knows before booting what will run and refuses a glob that matches
nothing.  A payload is selected as "payload:NAME".
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from . import protocol
from .errors import JitbootError
from .recipe import KTEST_DEF, Recipe


def selectable(recipe: Recipe) -> list[str]:
    """The recipe's top-level test names, in the order the kernel runs them."""
    return list(recipe.tests) + [protocol.payload_test_name(p.name) for p in recipe.payloads]


def glob_match(pattern: str, name: str) -> bool:
    """The kernel's glob: fnmatch without its [...] classes."""
    return fnmatch.fnmatchcase(name, pattern.replace("[", "[[]"))


def split_patterns(text: str) -> list[str]:
    """'jit_*, heap' -> ['jit_*', 'heap']."""
    return [p.strip() for p in text.split(protocol.TEST_SEPARATOR) if p.strip()]


def resolve(patterns: Sequence[str], names: Sequence[str], where: str = "tests=") -> list[str]:
    """The names (in their order) that the patterns select.  A pattern
    that selects nothing is an error naming the close matches."""
    for p in patterns:
        if " " in p:
            raise JitbootError(f"{where}: {p!r}: a test name has no spaces")
        if not any(glob_match(p, n) for n in names):
            close = difflib.get_close_matches(p, names, n=3, cutoff=0.5)
            if not close and "*" not in p and "?" not in p:
                close = [n for n in names if p in n][:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            kind = "matches no test" if any(c in p for c in "*?") else "is not a test of the image"
            raise JitbootError(f"{where}: {p!r} {kind}{hint}; `doit list-tests` lists them")
    return [n for n in names if any(glob_match(p, n) for p in patterns)]


def boot_args(tests: Iterable[str] | None, boot: int) -> str:
    """The boot arguments: which tests (None: all) and the boot number."""
    words = []
    if tests is not None:
        words.append(f"{protocol.ARG_TESTS}={protocol.TEST_SEPARATOR.join(tests)}")
    words.append(f"{protocol.ARG_BOOT}={boot}")
    return " ".join(words)


def qemu_args(args: str) -> list[str]:
    """QEMU options that hand args to the kernel (fw_cfg: either medium)."""
    # QEMU's option parser reads ',,' as a literal comma
    return ["-fw_cfg", f"name={protocol.BOOT_ARGS_FILE},string={args.replace(',', ',,')}"]


# -- listing ---------------------------------------------------------------

@dataclass(frozen=True)
class Defined:
    name: str
    path: Path
    line: int


def defined_tests(root: Path, arch: str = "x86_64") -> list[Defined]:
    """Every KTEST(name) in the kernel sources of arch that may define
    them, any image's (the JIT's and the benchmark's too), by file and line."""
    from .components import ktest_sources
    found = []
    for src in ktest_sources(root, jit=True, arch=arch):
        text = src.read_text(encoding="utf-8", errors="replace")
        for m in KTEST_DEF.finditer(text):
            found.append(Defined(m.group(1), src, text.count("\n", 0, m.start(1)) + 1))
    return found


def listing(recipe: Recipe, root: Path) -> str:
    """What `doit list-tests` prints."""
    from .toolchain import rel
    runs = set(recipe.tests)
    defined = defined_tests(root, recipe.arch)
    width = max([len(d.name) for d in defined] + [len(n) for n in selectable(recipe)] + [4])
    lines = [f"kernel tests (KTEST) in the sources; * = in image {recipe.name!r}"
             f" ({rel(recipe.path, root)}), in the order it runs them:"]
    order = {n: i for i, n in enumerate(recipe.tests)}
    for d in sorted(defined, key=lambda d: (d.name not in runs, order.get(d.name, 0), d.name)):
        mark = "*" if d.name in runs else " "
        lines.append(f"  {mark} {d.name:<{width}}  {rel(d.path, root)}:{d.line}")
    if recipe.payloads:
        lines.append(f"payloads of image {recipe.name!r}:")
        for p in recipe.payloads:
            src = p.sources[0] if p.sources else p.path
            name = protocol.payload_test_name(p.name)
            lines.append(f"  * {name:<{width}}  {rel(src, root)}")
    else:
        lines.append(f"image {recipe.name!r} has no payloads")
    lines.append("select with `doit qemu-test tests='GLOB,GLOB'` ('*' and '?'; payloads as"
                 " payload:NAME)")
    return "\n".join(lines)


_WORD = re.compile(r"^[0-9]+$")


def parse_count(text: str, what: str, top: int) -> int:
    """A command-line count (retries=2) with its one-line error."""
    if not _WORD.match(text.strip()) or int(text) > top:
        raise JitbootError(f"{what}={text!r}: give a whole number from 0 to {top}")
    return int(text)


def parse_bool(text: str, what: str) -> bool:
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if text.strip().lower() not in words:
        raise JitbootError(f"{what}={text!r}: give true or false")
    return words[text.strip().lower()]


def parse_seconds(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not 0 < v < float("inf"):
        raise JitbootError(f"{what}={text!r}: give a positive number of seconds")
    return v
