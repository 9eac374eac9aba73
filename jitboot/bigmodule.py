"""Big IL modules for measuring the JIT's compile speed at scale.

The compile goal is counted on modules of thousands of lines, bigger than
any one program of tests/cbench. concatenate() makes one of copies of
real modules (the IL of the cbench programs, say): every copy after the
first gets its own names for what the module defines (functions, data,
aggregate types), so the copies are independent functions of one module
and QBE, our passes and the assembler see as many functions, blocks,
temporaries and symbols as the sum of the copies. Names the modules only
use (printf, malloc) stay as they are, and the first copy keeps its own
names, so its main still is the module's main.

    python -m jitboot.bigmodule OUT.ssa COPIES IL...

writes the modules IL... concatenated COPIES times over.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# a global name ($f) or an aggregate type (:t), outside string literals
_NAME = re.compile(r"([$:])([A-Za-z_.][A-Za-z0-9_.]*)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_DEFINES = re.compile(r"^\s*(?:export\s+|thread\s+)*(?:function\b[^$]*|data\s+|type\s+)"
                      r"([$:])([A-Za-z_.][A-Za-z0-9_.]*)")


def defined(il: str) -> set[tuple[str, str]]:
    """The (sigil, name) pairs il defines."""
    out = set()
    for line in il.splitlines():
        m = _DEFINES.match(line)
        if m:
            out.add((m.group(1), m.group(2)))
    return out


def rename(il: str, prefix: str) -> str:
    """il with prefix before every name it defines, wherever it is used."""
    names = defined(il)

    def one(m: re.Match[str]) -> str:
        if (m.group(1), m.group(2)) in names:
            return f"{m.group(1)}{prefix}{m.group(2)}"
        return m.group(0)

    def line(text: str) -> str:
        if text.lstrip().startswith("#"):
            return text
        parts, last = [], 0
        for s in _STRING.finditer(text):
            parts.append(_NAME.sub(one, text[last:s.start()]))
            parts.append(s.group(0))
            last = s.end()
        parts.append(_NAME.sub(one, text[last:]))
        return "".join(parts)

    return "\n".join(line(t) for t in il.splitlines()) + "\n"


def concatenate(ils: list[str], copies: int) -> str:
    """copies rounds of every module of ils, renamed apart."""
    out = []
    for k in range(copies):
        for i, il in enumerate(ils):
            out.append(il if k == 0 and i == 0 else rename(il, f"m{k}_{i}_"))
    return "".join(out)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m jitboot.bigmodule OUT.ssa COPIES IL...", file=sys.stderr)
        return 2
    ils = [Path(p).read_text() for p in argv[2:]]
    Path(argv[0]).write_text(concatenate(ils, int(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
