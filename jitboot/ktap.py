"""KTAP parser: serial log lines in, a tree of test results out.

The kernel prints KTAP version 1 the way Linux kunit does:

    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: aot_fib
        1..2
        ok 1 fib(0) == 0
        not ok 2 fib(20) == 6765 # got 6764
    not ok 1 aot_fib
    ...

A subtest block is indented 4 spaces deeper than the result line that
closes it.  What a test's program writes to stdout is among its
diagnostics as escaped "# out N: ..." frames (jitboot/output.py decodes
them: TestResult.output()), so no program output is read as KTAP.  The
parser is a pure function over lines.  A serial log is whatever the
machine managed to print before it stopped, so nothing here raises on
bad input: truncated blocks become INCOMPLETE tests, and malformed lines,
plan mismatches and misnumbered results are reported in the `errors`
list with their line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

from . import output, protocol
from .output import ProgramOutput

INDENT = protocol.KTAP_INDENT

VERSION_RE = re.compile(rf"^{re.escape(protocol.KTAP_VERSION_PREFIX)}(\S+)$")
PLAN_RE = re.compile(rf"^{re.escape(protocol.KTAP_PLAN)}(\d+)$")
RESULT_RE = re.compile(rf"^({protocol.KTAP_OK}|{protocol.KTAP_NOT_OK}) (\d+)(.*)$")
SUBTEST_RE = re.compile(rf"^{re.escape(protocol.KTAP_SUBTEST)}(.*)$")
DIRECTIVE_RE = re.compile(r"(?:^|\s)#\s?")
PANIC_PREFIX = protocol.PANIC


class Status(Enum):
    OK = "ok"
    NOT_OK = "not ok"
    SKIPPED = "skipped"
    INCOMPLETE = "incomplete"


@dataclass
class TestResult:
    """One KTAP test: a leaf check or a block with subtests."""
    name: str = ""
    number: int = 0
    status: Status = Status.INCOMPLETE
    reason: str = ""                # text after '#' on the result line
    plan: int | None = None         # N from "1..N", if the block had one
    diagnostics: list[str] = field(default_factory=list)
    subtests: list[TestResult] = field(default_factory=list)
    line: int = 0                   # 1-based line of the result (or block start)
    duration: float | None = None   # seconds, as the kernel timed the block

    @property
    def missing(self) -> int:
        """Tests announced by the plan that never reported."""
        if self.plan is None:
            return 0
        return max(0, self.plan - len(self.subtests))

    def output(self) -> ProgramOutput:
        """What the test's program wrote to stdout, exactly: the "# out N:"
        frames among its diagnostics (jitboot/output.py)."""
        return output.decode(self.diagnostics, self.number, self.subtests)

    def program_output(self) -> list[str]:
        """The same as text lines."""
        return self.output().lines()

    def backtrace(self) -> list[str]:
        """A faulted payload's frames, innermost first: "#0 prog.c:4 in
        div (div+0x7)", "#1 ..."."""
        return [d.removeprefix(protocol.BACKTRACE + " ") for d in self.diagnostics
                if _is_frame(d)]


def _is_frame(diagnostic: str) -> bool:
    return re.match(rf"{protocol.BACKTRACE} #\d+ ", diagnostic) is not None


@dataclass
class KtapLog:
    """The parse of one serial log."""
    root: TestResult                # unnamed; top-level tests are its subtests
    errors: list[str] = field(default_factory=list)   # "line N: what"
    panic: str | None = None        # first PANIC: line, stripped
    preamble: list[str] = field(default_factory=list)  # lines before KTAP
    has_ktap: bool = False

    @property
    def tests(self) -> list[TestResult]:
        return self.root.subtests

    def ok(self) -> bool:
        """Every test passed or was skipped and every plan was complete."""
        return self.has_ktap and self.root.plan is not None and \
            children_ok(self.root)

    def failures(self) -> list[TestResult]:
        """Top-level tests that did not pass (not ok or incomplete)."""
        return [t for t in self.tests if not tree_ok(t)]


def tree_ok(t: TestResult) -> bool:
    """t and everything below it passed (or was skipped)."""
    return t.status in (Status.OK, Status.SKIPPED) and children_ok(t)


def children_ok(t: TestResult) -> bool:
    return not t.missing and all(tree_ok(s) for s in t.subtests)


def leaves(t: TestResult) -> list[TestResult]:
    """The individual checks below t (t itself if it has no subtests)."""
    if not t.subtests:
        return [t]
    return [leaf for s in t.subtests for leaf in leaves(s)]


def decode(data: bytes) -> str:
    """Serial output may hold any byte: never fail on it."""
    return data.decode("utf-8", errors="replace")


def split_lines(text: str) -> tuple[list[str], bool]:
    """Split on newlines only (splitlines() also splits on form feeds and
    other bytes a garbled serial line can contain).  Returns the lines and
    whether the last one was cut off before its newline."""
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    partial = lines[-1] != ""
    if not partial:
        lines.pop()
    return lines, partial


def parse_text(text: str | bytes) -> KtapLog:
    if isinstance(text, bytes):
        text = decode(text)
    lines, partial = split_lines(text)
    return parse(lines, partial_last=partial)


_DURATION = re.compile(rf"{re.escape(protocol.KTAP_DURATION)} (\d+(?:\.\d+)?)")


class _Parser:
    """Stack of open blocks: stack[d] is the test whose body is printed at
    indentation level d (stack[0] is the root)."""

    def __init__(self) -> None:
        self.log = KtapLog(root=TestResult(name="", status=Status.OK))
        self.stack = [self.log.root]
        self.lineno = 0

    def error(self, msg: str) -> None:
        self.log.errors.append(f"line {self.lineno}: {msg}")

    @property
    def depth(self) -> int:
        return len(self.stack) - 1

    def open_to(self, level: int) -> None:
        """Open blocks until the line at `level` has a home."""
        while self.depth < level:
            parent = self.stack[-1]
            t = TestResult(number=len(parent.subtests) + 1, line=self.lineno)
            parent.subtests.append(t)
            self.stack.append(t)

    def abandon_from(self, level: int, why: str) -> None:
        """Blocks at `level` and deeper end without a result line."""
        while self.depth >= level:
            t = self.stack.pop()
            t.status = Status.INCOMPLETE
            if not t.reason:
                t.reason = why
            self.error(f"test {t.number} {t.name or '(unnamed)'}"
                       f" has no result line ({why})")
            self.check_plan(t)

    def check_plan(self, t: TestResult) -> None:
        if t.plan is not None and t.plan != len(t.subtests):
            self.error(f"{t.name or 'top level'}: plan 1..{t.plan} but"
                       f" {len(t.subtests)} results")

    def fresh_block(self, level: int, name_too: bool) -> None:
        """A block header at `level` starts a new block unless the block
        open there has not printed its plan or results yet (its header
        lines may come in either order)."""
        if level >= 1 and self.depth >= level:
            t = self.stack[level]
            if t.plan is not None or t.subtests or (name_too and t.name):
                self.abandon_from(level, "next test started")
        self.open_to(level)

    def version(self, level: int, ver: str) -> None:
        if ver != str(protocol.KTAP_VERSION):
            self.error(f"{protocol.KTAP_VERSION_PREFIX}{ver} (expected {protocol.KTAP_VERSION})")
        if level == 0:
            if self.log.has_ktap:
                self.error("second top-level KTAP header (did the machine"
                           " reboot?)")
            self.log.has_ktap = True
            return
        self.fresh_block(level, name_too=False)

    def subtest(self, level: int, name: str) -> None:
        if level == 0:
            self.error(f"'# Subtest: {name}' at top level")
            return
        self.fresh_block(level, name_too=True)
        self.stack[level].name = name.strip()

    def plan(self, level: int, n: int) -> None:
        if self.depth > level:
            self.abandon_from(level + 1, "plan of enclosing block follows")
        self.open_to(level)
        t = self.stack[level]
        if t.plan is not None:
            self.error(f"second plan 1..{n} (already 1..{t.plan})")
            return
        if t.subtests:
            self.error(f"plan 1..{n} after {len(t.subtests)} results")
        t.plan = n

    def result(self, level: int, ok: bool, num: int, rest: str) -> None:
        name, reason = split_directive(rest)
        status = Status.OK if ok else Status.NOT_OK
        if ok and reason.upper().startswith(protocol.KTAP_SKIP):
            status = Status.SKIPPED
        # "not ok N name # SKIP why" stays a failure: the kernel uses it
        # when it could not run a test it was asked to run.
        if self.depth > level + 1:
            self.abandon_from(level + 2, "enclosing test finished")
        self.open_to(level)
        parent = self.stack[level]
        if self.depth == level + 1:
            t = self.stack.pop()      # closes the block printed below us
            if t.name and name and t.name != name:
                self.error(f"result '{name}' closes subtest '{t.name}'")
            t.name = name or t.name
            self.check_plan(t)
            if ok and not children_ok(t):
                self.error(f"{t.name} reported ok but a check failed")
        else:
            t = TestResult(name=name)
            parent.subtests.append(t)
        expect = len(parent.subtests)
        if num != expect:
            self.error(f"test number {num}, expected {expect}")
        t.number, t.status, t.reason, t.line = num, status, reason, self.lineno

    def diagnostic(self, level: int, text: str) -> None:
        if self.depth < level:
            self.open_to(level)
        m = _DURATION.fullmatch(text)
        if m:
            self.stack[level].duration = float(m.group(1)) / 1000
            return
        self.stack[level].diagnostics.append(text)

    def panic(self, text: str) -> None:
        if self.log.panic is None:
            self.log.panic = text
        self.stack[-1].diagnostics.append(text)
        # the unfinished tests are the ones that crashed
        for t in self.stack[1:]:
            t.reason = t.reason or text

    def line(self, raw: str) -> None:
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        stripped = stripped.rstrip()
        if stripped.startswith(PANIC_PREFIX):
            self.panic(stripped)
            return
        if not self.log.has_ktap:
            m = VERSION_RE.match(stripped)
            if m and indent == 0:
                self.version(0, m.group(1))
            elif stripped:
                self.log.preamble.append(raw)
            return
        if not stripped:
            return
        if indent % INDENT:
            self.error(f"indentation of {indent} spaces is not a multiple"
                       f" of {INDENT}: {stripped!r}")
        level = indent // INDENT
        self.dispatch(level, stripped)

    def dispatch(self, level: int, s: str) -> None:
        m = VERSION_RE.match(s)
        if m:
            return self.version(level, m.group(1))
        m = SUBTEST_RE.match(s)
        if m:
            return self.subtest(level, m.group(1))
        m = PLAN_RE.match(s)
        if m:
            return self.plan(level, int(m.group(1)))
        m = RESULT_RE.match(s)
        if m and (not m.group(3) or m.group(3)[0] in " #"):
            return self.result(level, m.group(1) == "ok",
                               int(m.group(2)), m.group(3))
        if s == protocol.KTAP_DIAGNOSTIC.strip() or s.startswith(protocol.KTAP_DIAGNOSTIC):
            return self.diagnostic(level, s[len(protocol.KTAP_DIAGNOSTIC):])
        self.error(f"unrecognised line: {s[:80]!r}")

    def finish(self) -> KtapLog:
        why = "log ends here"
        if self.log.panic:
            why = self.log.panic
        if self.depth >= 1:
            self.abandon_from(1, why)
        root = self.log.root
        if not self.log.has_ktap:
            self.log.errors.append(f"no '{protocol.KTAP_HEADER}' header in the log")
            root.status = Status.INCOMPLETE
            return self.log
        if root.plan is None:
            self.log.errors.append(f"no top-level test plan ({protocol.KTAP_PLAN}N)")
        self.check_plan(root)
        root.status = Status.OK if self.log.ok() else Status.NOT_OK
        return self.log


def split_directive(rest: str) -> tuple[str, str]:
    """' - name # reason' -> ('name', 'reason')."""
    rest = rest.strip()
    if rest.startswith("- "):
        rest = rest[2:]
    m = DIRECTIVE_RE.search(rest)
    if not m:
        return rest.strip(), ""
    return rest[:m.start()].strip(), rest[m.end():].strip()


class Stream:
    """The parser fed one line at a time, for a log that is still being
    written: feed() each complete line as it arrives, finish() at the end.
    `log` is the parse so far; parse() is this over a list of lines."""

    def __init__(self) -> None:
        self._p = _Parser()

    @property
    def log(self) -> KtapLog:
        return self._p.log

    def running(self) -> TestResult | None:
        """The top-level test whose block is open (printed, not closed)."""
        return self._p.stack[1] if self._p.depth >= 1 else None

    def feed(self, raw: str) -> None:
        """One line without its newline."""
        self._p.lineno += 1
        self._p.line(raw)

    def finish(self, partial: str | None = None) -> KtapLog:
        """The log ends; partial is a last line cut off before its newline,
        kept as a diagnostic, not read as a result."""
        p = self._p
        if partial is not None:
            p.lineno += 1
            p.error(f"last line cut off: {partial.strip()[:80]!r}")
            if partial.strip().startswith(PANIC_PREFIX):
                p.panic(partial.strip())
            else:
                p.stack[-1].diagnostics.append(partial.strip())
        return p.finish()


def parse(lines: Iterable[str], partial_last: bool = False) -> KtapLog:
    """Parse serial lines (without newlines).  partial_last says the last
    line was cut off; it is kept as a diagnostic, not read as a result."""
    s = Stream()
    lines = list(lines)
    last = lines.pop() if partial_last and lines else None
    for raw in lines:
        s.feed(raw)
    return s.finish(last)


# -- report -------------------------------------------------------------

STATUS_WORD = {
    Status.OK: "ok",
    Status.NOT_OK: "FAIL",
    Status.SKIPPED: "skip",
    Status.INCOMPLETE: "INCOMPLETE",
}


def count_ok(tests: list[TestResult]) -> int:
    return sum(1 for t in tests if tree_ok(t))


def shown_status(t: TestResult) -> Status:
    """A test's status as reports show it: "ok" with a failed check is a failure."""
    return t.status if tree_ok(t) or t.status != Status.OK else Status.NOT_OK


def checks(t: TestResult) -> str:
    """"8/9": checks passed of those planned ("" for a leaf test)."""
    if not t.subtests and t.plan is None:
        return ""
    n = count_ok(t.subtests)
    total = t.plan if t.plan is not None else len(t.subtests)
    return f"{n}/{max(total, len(t.subtests))}"


def why_failed(t: TestResult) -> str:
    """First reason a test failed: its own, or its first failing check."""
    if t.status in (Status.SKIPPED, Status.INCOMPLETE):
        return t.reason
    for s in t.subtests:
        if not tree_ok(s):
            r = why_failed(s)
            return f"{s.name}: {r}" if r else s.name
    if t.missing:
        return f"{t.missing} of {t.plan} checks never reported"
    return t.reason if not tree_ok(t) else ""


def summary(log: KtapLog) -> str:
    """Per-test table, one row per top-level test."""
    tests = log.tests
    width = max([len(t.name) for t in tests] + [4])
    rows = [f"  {'#':>3}  {'test':<{width}}  {'result':<10}  {'checks':<7}"
            f"  note"]
    for t in tests:
        rows.append(f"  {t.number:>3}  {t.name:<{width}}  "
                    f"{STATUS_WORD[shown_status(t)]:<10}  {checks(t):<7}  "
                    f"{why_failed(t)}".rstrip())
    if log.root.missing:
        rows.append(f"  {log.root.missing} test(s) announced by the plan"
                    f" never started")
    for e in log.errors[:10]:
        rows.append(f"  ktap: {e}")
    if len(log.errors) > 10:
        rows.append(f"  ktap: ... {len(log.errors) - 10} more problems")
    return "\n".join(rows)
