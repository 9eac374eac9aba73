r"""Program output on the serial port: how the kernel frames it, and how the
host reads it back byte for byte.

A test's stdout (a payload's printf, puts and putchar) may hold any byte,
and a program line such as `ok 1 x` or `# Subtest: y` must not be read as
KTAP.  So the kernel (kernel_lib/ktest.c) never prints it as it is: every
piece goes out as one diagnostic line of the test's KTAP block, a frame,

    # out N: TEXT

N being the test's KTAP number (the N of the `ok N name` line that closes
the block) and TEXT the program's bytes, escaped:

    \\       a backslash
    \t       a tab
    \xHH     a control byte, a byte past 0x7e, or a space that would end TEXT
    c        any other byte from 0x20 to 0x7e, as it is

A frame holds at most OUTPUT_CHUNK (128) of the program's bytes and ends
where the program wrote a newline, which is not written; a frame whose
TEXT ends with a lone backslash (OUTPUT_CONTINUED) ends where the program
wrote none, and the next frame goes on with the same line.  So a long line
takes several frames, an empty line is `# out N:`, and output without a
final newline ends with a continued frame:

    printf("a\tb  \n\n%s", "x\\y");      prints    # out 5: a\tb \x20
                                                  # out 5:
                                                  # out 5: x\\y\

Every frame starts `# out N:` and its TEXT is printable ASCII that does not
end in a space, so no output can look like a KTAP line, lose trailing
whitespace to the serial reader, or be changed by the log's decoding;
decode(encode(b)) == b for any bytes b.

The kernel prints frames as the program writes them (a panic loses none
of them), before the block's plan and check lines.  Past the recipe's
[run] output_limit it prints no more, and the test gets a failing check

    not ok 4 output within output_limit # the program wrote 200000 bytes; ...

which decode() reads back as ProgramOutput.written.

Like jitboot.ktap, nothing here raises on what a serial log holds: a
malformed frame is named in ProgramOutput.errors and decoded as far as it
goes.  encode() is the kernel's framing written in Python, to make
captures for tests and to check what the kernel printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from . import protocol

FRAME_RE = re.compile(rf"^{re.escape(protocol.OUTPUT_FRAME)} (\d+):(?: (.*))?$", re.S)
WROTE_RE = re.compile(rf"{re.escape(protocol.OUTPUT_WROTE)} (\d+) bytes")
CONTINUED = protocol.OUTPUT_CONTINUED
_HEX = re.compile(r"[0-9a-f]{2}")


@dataclass
class ProgramOutput:
    """What one test's program wrote, as far as the log shows it."""
    data: bytes = b""
    written: int | None = None      # bytes it wrote, when more than data (truncated)
    errors: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.written is not None

    @property
    def final_newline(self) -> bool:
        """The output ends with a newline (or is empty)."""
        return not self.data or self.data.endswith(b"\n")

    def lines(self) -> list[str]:
        """The output as text lines, without their newlines (bytes that are
        not UTF-8 become U+FFFD here; data has them as they were)."""
        if not self.data:
            return []
        lines = self.data.decode("utf-8", errors="replace").split("\n")
        if lines[-1] == "":
            lines.pop()
        return lines


def unescape(text: str) -> tuple[bytes, bool, str | None]:
    """One frame's TEXT -> (bytes, continued, first problem or None)."""
    out = bytearray()
    problem = None
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            if not " " <= c <= "~" and problem is None:
                problem = f"unescaped character {c!r}"
            out += c.encode("utf-8", errors="replace")
            i += 1
            continue
        nxt = text[i + 1:i + 2]
        if nxt == "":
            return bytes(out), True, problem
        if nxt in ("\\", "t"):
            out += b"\\" if nxt == "\\" else b"\t"
            i += 2
        elif nxt == "x" and _HEX.fullmatch(text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            if problem is None:
                problem = f"bad escape {text[i:i + 4]!r}"
            out += b"\\"
            i += 1
    return bytes(out), False, problem


def decode(diagnostics: Iterable[str], number: int | None = None,
           checks: Iterable[object] = ()) -> ProgramOutput:
    """The output of the test numbered `number` from its block's
    diagnostics (KTAP "# " lines without the "# "); `checks` are its check
    results (anything with .name and .reason), for the output_limit check."""
    out = ProgramOutput()
    data = bytearray()
    for d in diagnostics:
        m = FRAME_RE.match(d)
        if not m:
            continue
        if number is not None and int(m.group(1)) != number:
            out.errors.append(f"a frame of test {m.group(1)} in the block of test {number}: "
                              f"{d[:60]!r}")
            continue
        piece, continued, problem = unescape(m.group(2) or "")
        if problem:
            out.errors.append(f"{problem} in {d[:60]!r}")
        data += piece
        if not continued:
            data += b"\n"
    out.data = bytes(data)
    for c in checks:
        if getattr(c, "name", "") == protocol.OUTPUT_CHECK:
            m = WROTE_RE.search(getattr(c, "reason", ""))
            if m:
                out.written = int(m.group(1))
            else:
                out.errors.append(f"{protocol.OUTPUT_CHECK} without a byte count")
    return out


def _escape(b: int, last: bool) -> str:
    if b == 0x5C:
        return "\\\\"
    if b == 0x09:
        return "\\t"
    if 0x20 < b < 0x7F or (b == 0x20 and not last):
        return chr(b)
    return f"\\x{b:02x}"


def encode(data: bytes, number: int) -> list[str]:
    """The frames the kernel prints for data (diagnostics, without the "# "
    and the block's indentation): kernel_lib/ktest.c's frame_write."""
    frames = []
    head = f"{protocol.OUTPUT_FRAME} {number}:"
    chunk = bytearray()

    def emit(more: bool) -> None:
        text = "".join(_escape(b, i == len(chunk) - 1 and not more) for i, b in enumerate(chunk))
        sep = " " if chunk or more else ""
        frames.append(head + sep + text + (CONTINUED if more else ""))
        chunk.clear()

    for b in data:
        if b == 0x0A:
            emit(False)
            continue
        if len(chunk) == protocol.OUTPUT_CHUNK:
            emit(True)
        chunk.append(b)
    if chunk:
        emit(True)
    return frames
