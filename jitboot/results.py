"""Machine-readable results: one JSON document per run, and re-parsing a
serial log after the fact (`jitboot parse`, `doit parse log=...`).

The document's shape is jitboot/results.schema.json (JSON Schema 2020-12,
shipped in the package); README "Running tests" describes it.  It holds
runs, each one boot of one image on one medium:

    {"format": "jitboot-results", "version": 1, "passed": true,
     "runs": [{"image": "default", "medium": "kernel", "accel": "tcg",
               "outcome": "pass", "reason": "4/4 tests ok",
               "counts": {"tests": 4, "ok": 4, ...},
               "tests": [{"number": 1, "name": "aot_fib", "status": "ok",
                          "duration": 0.0155, "subtests": [...], ...}]}]}

Everything about the tests comes from the KTAP tree (jitboot.ktap), and
a test's status and check counts are the ones the text summary shows
(ktap.summary), so the two always agree.  What only QEMU knows (its exit
status, the accelerator, the wall time, QMP events) is in the document
of a boot; a run re-parsed from its serial log lists those facts under
"unknown" and leaves them null.  Every runner.boot() writes results.json
beside junit.xml; collecting(PATH) also gathers the runs made inside it
into one document at PATH (`doit qemu-test json=PATH`).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import ROOT, junit, ktap, protocol
from .errors import JitbootError
from .ktap import KtapLog, Status, TestResult
from .output import FRAME_RE

if TYPE_CHECKING:
    from .qemu import RunResult

FORMAT = "jitboot-results"
VERSION = 1
SCHEMA = Path(__file__).with_name("results.schema.json")
FILE_NAME = "results.json"          # beside junit.xml in each run's log directory

# A log re-parsed on its own cannot say these: QEMU never wrote them to it.
NOT_IN_LOG = ("accel", "exit_code", "events", "duration", "started", "git_revision")
# The outcome of a log that stops before the run ended: only QEMU's exit
# status and events tell a hang, a triple fault and a QEMU crash apart.
UNKNOWN = "unknown"
# The kernel's first diagnostic names its image: "# image default: kernel [..."
_IMAGE_LINE = re.compile(r"image (\S+): ")


def git_revision(root: Path = ROOT) -> str | None:
    """The checkout's commit (git rev-parse HEAD), or None outside a git
    checkout or without git."""
    try:
        proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"],
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    rev = proc.stdout.strip()
    return rev if proc.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", rev) else None


# -- the tree ---------------------------------------------------------------

def shown_status(t: TestResult) -> Status:
    """A test's status as the summary shows it: a block that said ok while
    one of its checks failed (or never reported) is not ok."""
    if t.status == Status.OK and not ktap.tree_ok(t):
        return Status.NOT_OK
    return t.status


def _checks(t: TestResult) -> dict[str, int] | None:
    """The summary's "checks" column ("6/6"), ok checks of how many."""
    shown = ktap.checks(t)
    if not shown:
        return None
    ok, total = map(int, shown.split("/"))
    return {"ok": ok, "total": total}


def _output(t: TestResult) -> dict[str, Any] | None:
    out = t.output()
    if not out.data and not out.truncated and not out.errors:
        return None
    text = out.data.decode("utf-8", errors="replace")
    doc: dict[str, Any] = {"text": text, "bytes": len(out.data), "written": out.written,
                           "truncated": out.truncated, "errors": out.errors}
    if text.encode("utf-8") != out.data:
        doc["base64"] = base64.b64encode(out.data).decode("ascii")
    return doc


def _is_frame(diagnostic: str) -> bool:
    return FRAME_RE.match(diagnostic) is not None


def entry(t: TestResult, top: bool = False, attempts: int = 1,
             flaky: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "number": t.number,
        "name": t.name,
        "status": shown_status(t).value,
        "passed": ktap.tree_ok(t),
        "reason": t.reason,
        "note": ktap.why_failed(t),
        "duration": t.duration,
        "plan": t.plan,
        "missing": t.missing,
        "checks": _checks(t),
        "line": t.line,
        # program output is under "output", decoded; the frames are not text
        "diagnostics": [d for d in t.diagnostics if not _is_frame(d)],
        "backtrace": t.backtrace(),
        "output": _output(t),
        "subtests": [entry(s) for s in t.subtests],
    }
    if top:
        doc["payload"] = t.name.startswith(protocol.PAYLOAD_PREFIX)
        doc["attempts"] = attempts
        doc["flaky"] = flaky
    return doc


def counts(log: KtapLog, flaky: int = 0) -> dict[str, Any]:
    """Top-level tests by the summary's status; "ok" counts skipped tests
    too, as the summary's "N/M tests ok" does."""
    shown = [shown_status(t) for t in log.tests]
    return {
        "tests": len(log.tests),
        "planned": log.root.plan,
        "ok": ktap.count_ok(log.tests),
        "failed": shown.count(Status.NOT_OK),
        "skipped": shown.count(Status.SKIPPED),
        "incomplete": shown.count(Status.INCOMPLETE),
        "not_started": log.root.missing,
        "checks": len(ktap.leaves(log.root)) if log.tests else 0,
        "checks_ok": sum(1 for c in ktap.leaves(log.root) if ktap.tree_ok(c)) if log.tests else 0,
        "flaky": flaky,
    }


def _log_part(log: KtapLog, attempts: dict[str, int] | None = None,
              flaky: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    attempts = attempts or {}
    return {
        "panic": log.panic,
        "plan": log.root.plan,
        "counts": counts(log, flaky=sum(1 for t in log.tests if t.name in flaky)),
        "diagnostics": list(log.root.diagnostics),
        "ktap_errors": list(log.errors),
        "tests": [entry(t, top=True, attempts=attempts.get(t.name, 1),
                           flaky=t.name in flaky) for t in log.tests],
    }


def _iso(stamp: float) -> str:
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(source: str, image: str | None, medium: str | None, serial_log: Path,
         facts: dict[str, Any], outcome: str, reason: str, attempts: int,
         log: KtapLog, test_attempts: dict[str, int] | None = None,
         flaky: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """One run's document; facts holds the NOT_IN_LOG fields a source knows."""
    doc: dict[str, Any] = {"source": source, "image": image, "medium": medium,
                           "serial_log": str(serial_log)}
    doc.update({k: facts.get(k) for k in NOT_IN_LOG})
    doc.update({"outcome": outcome, "reason": reason,
                "unknown": [k for k in NOT_IN_LOG if k not in facts],
                "attempts": attempts})
    doc.update(_log_part(log, test_attempts, flaky))
    return doc


def run_doc(result: RunResult, image: str | None, medium: str | None,
            attempts: int = 1, test_attempts: dict[str, int] | None = None,
            flaky: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The document of one boot.  attempts: boots this run took;
    test_attempts and flaky: per top-level test name, for retries."""
    facts = {"accel": result.accel, "exit_code": result.exit_code,
             "events": list(result.events), "duration": round(result.duration, 6),
             "started": _iso(time.time() - result.duration), "git_revision": git_revision()}
    return _run("boot", image, medium, result.serial_log, facts, result.outcome.value,
                result.reason, attempts, result.ktap, test_attempts, flaky)


def document(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole document: every run, and whether all of them passed."""
    from . import __version__
    return {
        "format": FORMAT,
        "version": VERSION,
        "jitboot": __version__,
        "created": _iso(time.time()),
        "passed": bool(runs) and all(r["outcome"] == "pass" for r in runs),
        "runs": runs,
    }


def write(path: Path | str, doc: dict[str, Any]) -> Path:
    """Write doc as JSON, whole or not at all (like junit.xml)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return path


# -- the runs of one command (doit qemu-test json=PATH) -----------------------

_collected: list[list[dict[str, Any]]] = []


@contextlib.contextmanager
def collecting(path: Path | str | None) -> Iterator[None]:
    """Gather every run recorded inside into one document written to path
    (nothing when path is None), also when a run failed."""
    if path is None:
        yield
        return
    if str(path) == "-":
        raise JitbootError("json=-: the summaries go to stdout; give a file name")
    runs: list[dict[str, Any]] = []
    _collected.append(runs)
    try:
        yield
    finally:
        _collected.remove(runs)
        try:
            write(path, document(runs))
        except OSError as e:
            raise JitbootError(f"json={path}: cannot write the results: {e.strerror}") from None
        print(f"results: {path}", flush=True)


def record(path: Path, result: RunResult, image: str, medium: str, attempts: int = 1,
           test_attempts: dict[str, int] | None = None,
           flaky: set[str] | frozenset[str] = frozenset()) -> Path:
    """Write the run's document to path (its log directory's results.json)
    and add the run to any document being collected (the retry fields as
    in run_doc).  Raises OSError like write()."""
    run = run_doc(result, image, medium, attempts, test_attempts, flaky)
    for runs in _collected:
        runs.append(run)
    return write(path, document([run]))


# -- re-parsing a saved serial log --------------------------------------------

@dataclass
class ParsedLog:
    """A serial log read after the fact: what it says, and what it cannot."""
    path: Path
    log: KtapLog
    outcome: str                    # a qemu.Outcome value, or "unknown"
    reason: str
    image: str | None = None
    medium: str | None = None

    def passed(self) -> bool:
        return self.outcome == "pass"


def read_log(path: Path | str) -> ParsedLog:
    """Parse a saved serial.log (or a run directory holding one).  A file
    that cannot be read or is not a KTAP serial log is a JitbootError."""
    path = Path(path)
    if path.is_dir():
        path = path / "serial.log"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise JitbootError(f"{path}: no such file (give a serial.log or the run"
                           f" directory that holds it)") from None
    except OSError as e:
        raise JitbootError(f"{path}: cannot read it: {e.strerror}") from None
    if not data:
        raise JitbootError(f"{path}: the file is empty (the guest wrote nothing to the serial port)")
    # looked for before parsing, so a big binary file is not split into lines
    header = re.search(rb"(?m)^" + re.escape(protocol.KTAP_VERSION_PREFIX.encode()), data)
    if not header and b"\0" in data:
        raise JitbootError(f"{path}: a binary file (NUL byte at offset {data.index(0)}),"
                           f" not a serial log")
    log = ktap.parse_text(data) if header else None
    if log is None or not log.has_ktap:
        raise JitbootError(f"{path}: not a KTAP log: no '{protocol.KTAP_HEADER}' line"
                           f" at the start of a line")
    outcome, reason = classify_log(log)
    image, medium = _where_from(path.absolute())
    if image is None:
        m = next((m for m in map(_IMAGE_LINE.match, log.root.diagnostics) if m), None)
        image = m.group(1) if m else None
    return ParsedLog(path=path, log=log, outcome=outcome, reason=reason,
                     image=image, medium=medium)


def _where_from(path: Path) -> tuple[str | None, str | None]:
    """(image, medium) from a log kept where runner.boot() keeps it:
    .../images/<image>/logs/<medium>/<run>/serial.log."""
    parts = path.parts
    if len(parts) >= 6 and parts[-4] == "logs" and parts[-6] == "images":
        return parts[-5], parts[-3]
    return None, None


def classify_log(log: KtapLog) -> tuple[str, str]:
    """How the run ended as far as its log shows: qemu.classify's verdict
    when the log alone decides it (a panic, every test reported), else
    "unknown"."""
    from . import qemu
    if log.panic:
        return qemu.Outcome.PANIC.value, log.panic
    # the log got to its plan's end: the kernel finished the run
    complete = log.root.plan is not None and not log.root.missing and \
        (not log.tests or log.tests[-1].status != Status.INCOMPLETE)
    if log.ok():
        ok = ktap.count_ok(log.tests)
        return qemu.Outcome.PASS.value, f"{ok}/{len(log.tests)} tests ok"
    if complete:
        return qemu.Outcome.TEST_FAILURE.value, qemu._failure_reason(log, None)
    where = qemu._where(log)
    return UNKNOWN, (f"{qemu._failure_reason(log, None)}; the log stops before the run"
                     f" ended{where} (a hang, a triple fault or a crash: only QEMU's exit"
                     f" status could tell)")


def parsed_doc(p: ParsedLog) -> dict[str, Any]:
    """The document of a re-parsed log: the same shape as a boot's, with
    what the log cannot say null and listed under "unknown"."""
    return _run("log", p.image, p.medium, p.path, {}, p.outcome, p.reason, 1, p.log)


def format_parsed(p: ParsedLog) -> str:
    """The text summary of a re-parsed log (qemu.format_summary's shape)."""
    where = ", ".join(x for x in (p.image and f"image {p.image}", p.medium) if x)
    lines = [f"== {p.path}" + (f" ({where})" if where else "") + " ==",
             ktap.summary(p.log)]
    word = "PASS" if p.passed() else f"FAIL ({p.outcome})"
    lines.append(f"{word}: {p.reason} (from the serial log)")
    lines.append("  not in a serial log: the accelerator, QEMU's exit status and"
                 " events, the wall time, the git revision")
    return "\n".join(lines)


def write_parsed_junit(path: Path | str, p: ParsedLog) -> Path:
    """junit.xml of a re-parsed log, as runner.boot() writes it for a
    boot; the timestamp is the log's last write, the hostname unknown."""
    run_error = None
    if p.outcome not in ("pass", "test failure"):
        run_error = f"{p.outcome}: {p.reason}"
    name = ".".join(x for x in (p.image, p.medium) if x) or p.path.stem
    started = p.path.stat().st_mtime if p.path.exists() else None
    tree = junit.to_xml(p.log, name, run_error, started=started, hostname="unknown")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tree.write(tmp, encoding="utf-8", xml_declaration=True)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return path


def parse_command(log: Path | str, json_path: str | None = None,
                  junit_path: str | None = None) -> bool:
    """`jitboot parse` and `doit parse`: print the summary of a saved log,
    write its JSON (json_path "-": to stdout, the summary to stderr) and
    JUnit.  True when the log shows a passing run."""
    p = read_log(log)
    text = format_parsed(p)
    print(text, file=sys.stderr if json_path == "-" else sys.stdout, flush=True)
    doc = document([parsed_doc(p)])
    for what, target in (("json", json_path), ("junit", junit_path)):
        if target is None:
            continue
        try:
            if what == "json" and target == "-":
                sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
            elif what == "json":
                write(target, doc)
            else:
                write_parsed_junit(target, p)
        except OSError as e:
            raise JitbootError(f"{what}={target}: cannot write it: {e.strerror}") from None
    return p.passed()

