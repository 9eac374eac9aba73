"""KTAP parser and JUnit writer on captured serial logs (tests/data/ktap)."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jitboot import junit, ktap
from jitboot.ktap import Status

DATA = Path(__file__).parent / "data" / "ktap"


def load(name: str) -> ktap.KtapLog:
    return ktap.parse_text((DATA / name).read_bytes())


def names(tests):
    return [t.name for t in tests]


def statuses(tests):
    return [t.status for t in tests]


def test_pass_log_tree():
    log = load("pass.log")
    assert log.ok()
    assert log.errors == []
    assert log.root.plan == 4
    assert names(log.tests) == ["aot_fib", "heap", "payload:hello.ssa",
                                "jit_fib"]
    assert [t.number for t in log.tests] == [1, 2, 3, 4]
    fib = log.tests[0]
    assert fib.plan == 3
    assert names(fib.subtests) == ["fib(0) == 0", "fib(1) == 1",
                                   "fib(20) == 6765"]
    assert statuses(fib.subtests) == [Status.OK] * 3
    assert fib.diagnostics == ["aot_fib: 3 checks in 0.12 ms"]
    assert len(ktap.leaves(log.root)) == 3 + 2 + 1 + 1


def test_payload_output_and_skip():
    log = load("pass.log")
    payload, jit = log.tests[2], log.tests[3]
    # program output keeps its own indentation and empty lines
    assert payload.program_output() == ["hello, world", "  indented output",
                                        ""]
    assert log.tests[0].program_output() == []
    assert jit.status == Status.SKIPPED
    assert jit.reason == "SKIP no JIT in this image"


def test_failures_carry_reasons():
    log = load("fail.log")
    assert not log.ok()
    assert statuses(log.tests) == [Status.NOT_OK, Status.OK, Status.NOT_OK]
    bad = log.tests[0].subtests[1]
    assert (bad.name, bad.status, bad.reason) == \
        ("fib(20) == 6765", Status.NOT_OK, "got 6764")
    # "ok 1 - name" drops the TAP dash
    assert log.tests[1].subtests[0].name == 'strlen("abc") == 3'
    # a skip the kernel reports as "not ok" still fails
    assert log.tests[2].status == Status.NOT_OK
    assert names(log.failures()) == ["aot_fib", "payload:loop.ssa"]
    table = ktap.summary(log)
    assert "fib(20) == 6765: got 6764" in table
    assert "1/2" in table


def test_truncated_log_is_incomplete():
    log = load("truncated.log")
    assert not log.ok()
    fib = log.tests[0]
    assert fib.status == Status.INCOMPLETE
    assert fib.subtests[0].status == Status.OK
    # the half line is kept as text, never read as a result
    assert len(fib.subtests) == 1
    assert "ok 2 fib(1" in fib.diagnostics
    assert log.root.missing == 1
    assert any("cut off" in e for e in log.errors)
    assert any("has no result line" in e for e in log.errors)


def test_panic_line_marks_running_test():
    log = load("panic.log")
    assert log.panic.startswith("PANIC: exception 14 (#PF page fault)")
    assert "cr2=0x4000000000" in log.panic and "rip=0x10a2f3" in log.panic
    t = log.tests[0]
    assert t.status == Status.INCOMPLETE
    assert t.reason == log.panic
    assert t.diagnostics == ["reading 0x4000000000", log.panic]
    assert "PANIC: exception 14" in ktap.summary(log)


def test_malformed_lines_are_reported_not_fatal():
    log = load("malformed.log")
    errs = "\n".join(log.errors)
    assert "line 7: indentation of 6 spaces" in errs
    assert "line 8: unrecognised line: 'okay 3 three'" in errs
    assert "line 9: second plan 1..7" in errs
    assert "line 11: test number 5, expected 2" in errs
    assert names(log.tests) == ["alpha", "beta", "gamma"]
    assert names(log.tests[0].subtests) == ["one", "two"]


def test_plan_mismatch():
    log = load("plan_mismatch.log")
    assert not log.ok()
    block = log.tests[0]
    # the block said ok, but its plan promised 4 checks and 3 came
    assert block.status == Status.OK and block.missing == 1
    assert not ktap.tree_ok(block)
    assert log.root.missing == 1
    assert "line 9: short_block: plan 1..4 but 3 results" in log.errors
    assert "line 10: top level: plan 1..3 but 2 results" in log.errors


def test_missing_plan():
    log = load("no_plan.log")
    assert statuses(log.tests) == [Status.OK, Status.OK]
    assert not log.ok()
    assert "no top-level test plan (1..N)" in log.errors


def test_block_without_result_before_next_block():
    log = load("next_block.log")
    assert names(log.tests) == ["first", "second"]
    assert statuses(log.tests) == [Status.INCOMPLETE, Status.OK]
    assert log.tests[0].reason == "next test started"
    assert log.tests[1].subtests[0].name == "b"


def test_second_header_means_reboot():
    log = load("reboot.log")
    assert not log.ok()
    assert any("second top-level KTAP header" in e for e in log.errors)


def test_garbage_bytes_and_crlf():
    log = load("garbage.log")
    # firmware noise before the header is preamble, not an error
    assert log.preamble[0].startswith("SeaBIOS")
    assert "\ufffd" in log.preamble[0]
    assert names(log.tests) == ["klib", "heap"]
    assert log.tests[0].subtests[0].name == "memcpy"  # no '\r' left over
    assert len(log.errors) == 1 and "unrecognised line" in log.errors[0]
    assert log.ok()


@pytest.mark.parametrize("text", ["", "\n\n", "no ktap here\n",
                                  "\x00\xff\xfe", "KTAP version 1"])
def test_no_ktap(text):
    log = ktap.parse_text(text.encode("latin-1"))
    assert not log.ok()
    assert log.tests == []


def test_version_other_than_1():
    log = ktap.parse(["KTAP version 2", "1..1", "ok 1 a"])
    assert "line 1: KTAP version 2 (expected 1)" in log.errors
    assert log.ok()


def test_every_prefix_of_a_log_parses():
    """A run can stop after any byte; no cut may crash the parser or make
    an unfinished run look passed."""
    data = (DATA / "pass.log").read_bytes()
    for cut in range(len(data)):
        log = ktap.parse_text(data[:cut])
        assert not log.ok(), f"cut at byte {cut} looks like a pass"
    assert ktap.parse_text(data).ok()


# -- JUnit ------------------------------------------------------------------

def junit_of(name: str, run_error=None) -> ET.Element:
    tree = junit.to_xml(load(name), "img", run_error)
    return ET.fromstring(ET.tostring(tree.getroot()))


def test_junit_one_case_per_check():
    root = junit_of("fail.log")
    cases = root.findall(".//testcase")
    assert len(cases) == 2 + 1 + 1
    assert root.get("tests") == "4" and root.get("failures") == "2"
    bad = [c for c in cases if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in bad] == \
        [("img.aot_fib", "fib(20) == 6765"),
         ("img.payload:loop.ssa", "payload:loop.ssa")]
    assert bad[0].find("failure").get("message") == "got 6764"


def test_junit_skip_and_output():
    root = junit_of("pass.log")
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert root.get("skipped") == "1"
    out = root.find("testsuite[@name='img.payload:hello.ssa']/system-out")
    assert out.text.startswith("hello, world\n  indented output")


def test_junit_panic_run():
    root = junit_of("panic.log", run_error="panic: PANIC: exception 14")
    errors = [e.get("message") for e in root.iter("error")]
    assert any(m.startswith("PANIC: exception 14") for m in errors)
    assert "panic: PANIC: exception 14" in errors
    assert "1 of 2 tests never started" in errors


def test_junit_is_valid_xml_with_control_bytes(tmp_path):
    tree = junit.to_xml(load("garbage.log"), "img")
    path = tmp_path / "out.xml"
    tree.write(path, encoding="utf-8", xml_declaration=True)
    root = ET.parse(path).getroot()
    assert "\\x01" in root.find(".//system-out").text


# -- logs captured from the kernel under QEMU --------------------------------

def test_captured_default_run():
    log = load("captured_default.log")
    assert log.ok() and log.errors == []
    assert names(log.tests) == ["aot_fib", "heap", "klib", "jit_fib"]
    assert all(len(t.subtests) == t.plan for t in log.tests)
    assert log.root.diagnostics[0].startswith("image default:")


def test_captured_fail_example():
    log = load("captured_fail_example.log")
    assert names(log.failures()) == ["fail_example"]
    assert statuses(log.tests[0].subtests) == [Status.OK, Status.NOT_OK]


def test_captured_fault():
    log = load("captured_fault_unmapped.log")
    assert log.panic.startswith("PANIC: exception 14 (#PF page fault)")
    assert log.tests[0].status == Status.INCOMPLETE
    assert log.tests[0].reason == log.panic


def test_junit_suites_carry_timestamp_and_hostname():
    """Strict JUnit consumers want both on every testsuite."""
    tree = junit.to_xml(load("pass.log"), "img", duration=1.5, started=1700000000.25,
                        hostname="builder-1")
    root = ET.fromstring(ET.tostring(tree.getroot()))
    suites = root.findall("testsuite")
    assert suites and all(s.get("timestamp") == "2023-11-14T22:13:20" and
                          s.get("hostname") == "builder-1" for s in suites)
    assert root.get("time") == "1.500"


def test_durations_time_their_suites():
    """The kernel times each test ("# duration_ms: N" in its block): the
    test's duration, and its JUnit testsuite's time; not a diagnostic."""
    log = ktap.parse_text("KTAP version 1\n1..2\n"
                          "    KTAP version 1\n    # Subtest: a\n    1..1\n"
                          "    ok 1 x\n    # duration_ms: 12.345\nok 1 a\n"
                          "    KTAP version 1\n    # Subtest: b\n    1..1\n"
                          "    # note\n    not ok 1 y\nnot ok 2 b\n")
    a, b = log.tests
    assert a.duration == 0.012345 and a.diagnostics == []
    assert b.duration is None and b.diagnostics == ["note"]
    root = junit.to_xml(log, "img").getroot()
    times = {s.get("name"): s.get("time") for s in root.findall("testsuite")}
    assert times == {"img.a": "0.012", "img.b": None}
