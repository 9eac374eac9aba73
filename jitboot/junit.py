"""JUnit XML from a parsed KTAP log, for CI test reports.

Each top-level KTAP test becomes a <testsuite>, each leaf check a
<testcase>.  A top-level test without checks is a suite of one case.
Checks announced by a plan but never reported, and a run that ended
badly (panic, hang, triple fault, crash), become <error> cases so a CI
page shows them instead of silently counting fewer tests.
"""

from __future__ import annotations

import datetime
import os
import re
import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from jitboot import ktap
from jitboot.ktap import Status

if TYPE_CHECKING:
    from jitboot.qemu import RunResult

# XML 1.0 cannot carry most control characters, and serial logs have them.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(s: str) -> str:
    return _BAD_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def _sub(parent: ET.Element, tag: str, text: str | None = None,
         **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text:
        el.text = clean(text)
    return el


def _case(parent: ET.Element, classname: str, name: str) -> ET.Element:
    return _sub(parent, "testcase", classname=classname, name=name)


def _add_check(suite: ET.Element, classname: str, name: str,
               t: ktap.TestResult) -> None:
    case = _case(suite, classname, name)
    if t.status == Status.NOT_OK:
        _sub(case, "failure", "\n".join(t.diagnostics), type="not ok",
             message=t.reason or "not ok")
    elif t.status == Status.INCOMPLETE:
        _sub(case, "error", type="incomplete",
             message=t.reason or "no result reported")
    elif t.status == Status.SKIPPED:
        _sub(case, "skipped", message=t.reason)


def _suite(root: ET.Element, prefix: str, t: ktap.TestResult,
           failed_before: ktap.TestResult | None = None) -> ET.Element:
    classname = f"{prefix}.{t.name or t.number}"
    suite = _sub(root, "testsuite", name=classname)
    checks = _flatten(t)
    for path, leaf in checks:
        _add_check(suite, classname, path, leaf)
    if failed_before is not None:
        _mark_flaky(suite, failed_before)
    if t.subtests:
        for n in range(t.missing):
            case = _case(suite, classname, f"check {len(t.subtests) + n + 1}")
            _sub(case, "error", type="missing",
                 message=f"announced by plan 1..{t.plan}, never run")
        # a block that failed or never finished with every check passing
        if not ktap.tree_ok(t) and ktap.children_ok(t):
            _add_check(suite, classname, t.name or str(t.number), t)
    out = t.program_output() or t.diagnostics
    if out:
        _sub(suite, "system-out", "\n".join(out))
    _count(suite)
    if t.duration is not None:
        suite.set("time", f"{t.duration:.3f}")
    return suite


def _mark_flaky(suite: ET.Element, before: ktap.TestResult) -> None:
    """A test that passed on a retry: Maven Surefire's <flakyFailure> (the
    convention CI report readers know) in each case that failed the first
    time, or in the first case if none of them did (the first attempt
    crashed, or failed elsewhere)."""
    why = ktap.why_failed(before) or before.status.value
    props = _sub(suite, "properties")
    _sub(props, "property", name="flaky", value=f"passed on a retry; first attempt: {why}")
    failed = {path: leaf for path, leaf in _flatten(before) if not ktap.tree_ok(leaf)}
    cases = suite.findall("testcase")
    marked = [c for c in cases if c.get("name") in failed] or cases[:1]
    for case in marked:
        leaf = failed.get(case.get("name", ""))
        _sub(case, "flakyFailure", "\n".join((leaf or before).diagnostics),
             type="not ok" if leaf is not None and leaf.status == Status.NOT_OK else "error",
             message=(leaf.reason if leaf is not None else "") or why)
    suite.remove(props)
    suite.insert(0, props)      # JUnit's schema puts properties first


def _flatten(t: ktap.TestResult, path: str = "") -> list:
    """(name, leaf) pairs; nested blocks are joined with '/'."""
    if not t.subtests:
        return [(path or t.name or str(t.number), t)]
    pairs = []
    for s in t.subtests:
        name = s.name or str(s.number)
        pairs += _flatten(s, f"{path}/{name}" if path else name)
    return pairs


def _count(el: ET.Element) -> None:
    cases = el.iter("testcase")
    n = fail = err = skip = 0
    for c in cases:
        n += 1
        fail += c.find("failure") is not None
        err += c.find("error") is not None
        skip += c.find("skipped") is not None
    el.set("tests", str(n))
    el.set("failures", str(fail))
    el.set("errors", str(err))
    el.set("skipped", str(skip))


def to_xml(log: ktap.KtapLog, name: str, run_error: str | None = None,
           duration: float | None = None, started: float | None = None,
           hostname: str | None = None,
           flaky: dict[str, ktap.TestResult] | None = None) -> ET.ElementTree:
    """name: the image name (suite prefix).  run_error: why the run as a
    whole failed when the tests alone do not say (panic, hang, crash).
    started (a time.time()) and hostname become every testsuite's
    timestamp and hostname, which strict JUnit readers require.  flaky:
    the tests that passed on a retry, with their first (failed) attempt."""
    root = ET.Element("testsuites", name=clean(name))
    flaky = flaky or {}
    for t in log.tests:
        _suite(root, name, t, flaky.get(t.name))
    problems = []
    if run_error:
        problems.append(("run", run_error))
    if not log.has_ktap:
        problems.append(("ktap", "no KTAP output on the serial port"))
    elif log.root.plan is None:
        problems.append(("ktap", "no top-level test plan"))
    elif log.root.missing:
        problems.append(("ktap", f"{log.root.missing} of {log.root.plan}"
                                 f" tests never started"))
    if problems:
        suite = _sub(root, "testsuite", name=f"{name}.run")
        for case_name, msg in problems:
            case = _case(suite, f"{name}.run", case_name)
            _sub(case, "error", message=msg)
        _count(suite)
    _count(root)
    if duration is not None:
        root.set("time", f"{duration:.3f}")
    for suite in root.iter("testsuite"):
        if started is not None:
            stamp = datetime.datetime.fromtimestamp(started, datetime.timezone.utc)
            suite.set("timestamp", stamp.strftime("%Y-%m-%dT%H:%M:%S"))
        if hostname:
            suite.set("hostname", clean(hostname))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path | str, result: RunResult, name: str,
                flaky: dict[str, ktap.TestResult] | None = None) -> Path:
    """Write the JUnit report of a jitboot.qemu.RunResult."""
    from jitboot.qemu import Outcome
    run_error = None
    if result.outcome not in (Outcome.PASS, Outcome.TEST_FAILURE):
        run_error = f"{result.outcome.value}: {result.reason}"
    tree = to_xml(result.ktap, name, run_error, result.duration,
                  started=time.time() - result.duration, hostname=socket.gethostname(),
                  flaky=flaky)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # whole or not at all: a full disk used to leave a 0-byte junit.xml
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tree.write(tmp, encoding="utf-8", xml_declaration=True)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
