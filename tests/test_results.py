"""results.json and `parse` (jitboot/results.py): the documents validate
against the shipped schema and say what the text summary says; a saved
serial log re-parsed gives what the live run gave; bad logs are one-line
errors.  One real `doit qemu-test` of the default image (both media)."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import doit
from jitboot import ROOT, ktap, output, results
from jitboot.errors import JitbootError
from jitboot.qemu import Outcome, RunResult

DATA = Path(__file__).parent / "data" / "ktap"
KTAP_LOGS = sorted(p.name for p in DATA.glob("*.log"))
SCHEMA = json.loads(results.SCHEMA.read_text())


def validate(doc: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def summary_rows(text: str) -> list[tuple[int, str, str, str]]:
    """(number, name, result word, checks) of each row of ktap.summary's
    table in text, cut at the header's column positions."""
    lines = text.splitlines()
    head = next(i for i, ln in enumerate(lines) if re.match(r"^\s+#\s+test\s+result", ln))
    h = lines[head]
    cols = [h.index(w) for w in ("test", "result", "checks", "note")]
    rows = []
    for ln in lines[head + 1:]:
        if not ln[:cols[0]].strip().isdigit():
            break
        rows.append((int(ln[:cols[0]]), ln[cols[0]:cols[1]].strip(),
                     ln[cols[1]:cols[2]].strip(), ln[cols[2]:cols[3]].strip()))
    return rows


def json_rows(run: dict) -> list[tuple[int, str, str, str]]:
    word = {s.value: w for s, w in ktap.STATUS_WORD.items()}
    return [(t["number"], t["name"], word[t["status"]],
             f"{t['checks']['ok']}/{t['checks']['total']}" if t["checks"] else "")
            for t in run["tests"]]


def assert_matches_summary(run: dict, text: str) -> None:
    """The JSON run says what the text summary says: the same tests with
    the same statuses and checks, the same counts and last line."""
    rows = summary_rows(text)
    assert json_rows(run) == rows
    c = run["counts"]
    assert c["tests"] == len(rows)
    assert c["ok"] == sum(1 for t in run["tests"] if t["passed"])
    words = [r[2] for r in rows]
    assert (c["failed"], c["skipped"], c["incomplete"]) == \
        (words.count("FAIL"), words.count("skip"), words.count("INCOMPLETE"))
    missing = re.search(r"(\d+) test\(s\) announced by the plan never started", text)
    assert c["not_started"] == (int(missing.group(1)) if missing else 0)
    last = next(ln for ln in text.splitlines() if re.match(r"^(PASS|FAIL)", ln))
    word = "PASS" if run["outcome"] == "pass" else f"FAIL ({run['outcome']})"
    assert last.startswith(f"{word}: {run['reason']} (")
    if run["outcome"] == "pass":
        assert run["reason"] == f"{c['ok']}/{c['tests']} tests ok"


def jitboot_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jitboot.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


# -- captured logs, no QEMU ---------------------------------------------------

@pytest.mark.parametrize("name", KTAP_LOGS)
def test_parsed_log_validates_and_matches_its_summary(name):
    p = results.read_log(DATA / name)
    doc = results.document([results.parsed_doc(p)])
    validate(doc)
    run = doc["runs"][0]
    assert_matches_summary(run, results.format_parsed(p))
    assert doc["passed"] == (run["outcome"] == "pass") == p.log.ok()
    # what a log cannot say is null and listed, nothing more
    assert run["source"] == "log"
    assert set(run["unknown"]) == set(results.NOT_IN_LOG)
    assert all(run[k] is None for k in results.NOT_IN_LOG)
    assert run["ktap_errors"] == p.log.errors and run["panic"] == p.log.panic
    json.dumps(doc, allow_nan=False)


def test_outcomes_a_log_alone_decides():
    """A panic and a complete log say how the run ended; a log that stops
    mid-test cannot tell a hang from a triple fault or a crash."""
    got = {n: results.read_log(DATA / n) for n in ("panic.log", "captured_fail_example.log",
                                                    "truncated.log", "pass.log")}
    assert got["panic.log"].outcome == Outcome.PANIC.value
    assert got["panic.log"].reason == got["panic.log"].log.panic
    assert got["captured_fail_example.log"].outcome == Outcome.TEST_FAILURE.value
    assert got["captured_fail_example.log"].reason == \
        "0/1 tests ok; first failure: fail_example (a check that fails: on purpose)"
    t = got["truncated.log"]
    assert t.outcome == "unknown"
    assert "the log stops before the run ended in test 1 aot_fib" in t.reason
    assert "only QEMU's exit status could tell" in t.reason
    assert got["pass.log"].outcome == "pass"
    text = results.format_parsed(t)
    assert "not in a serial log: the accelerator, QEMU's exit status" in text


def test_tests_subtests_durations_diagnostics_and_output():
    p = results.read_log(DATA / "pass.log")
    run = results.parsed_doc(p)
    for t, d in zip(p.log.tests, run["tests"]):
        assert (d["name"], d["number"], d["duration"]) == (t.name, t.number, t.duration)
        assert [s["name"] for s in d["subtests"]] == [s.name for s in t.subtests]
        assert [s["status"] for s in d["subtests"]] == [s.status.value for s in t.subtests]
        assert d["payload"] == t.name.startswith("payload:")
        assert (d["attempts"], d["flaky"]) == (1, False)
        # program output decoded, its frames not repeated as diagnostics
        out = t.output()
        assert (d["output"] or {}).get("text", "") == out.data.decode()
        assert not any(x.startswith("out ") for x in d["diagnostics"])
        assert d["diagnostics"] == [x for x in t.diagnostics if not output.FRAME_RE.match(x)]
    hello = next(d for d in run["tests"] if d["name"] == "payload:hello.ssa")
    assert hello["output"]["text"] and "base64" not in hello["output"]
    assert run["tests"][0]["diagnostics"] == ["aot_fib: 3 checks in 0.12 ms"]


def test_output_that_is_not_utf8_is_kept_exactly(tmp_path):
    data = b"caf\xe9 \x00\xff\n# not ok\n"
    frames = "".join(f"    # {f}\n" for f in output.encode(data, 1))
    log = tmp_path / "serial.log"
    log.write_text(f"KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: p\n    1..1\n"
                   f"{frames}    ok 1 ran\n    # duration_ms: 2.500\nok 1 p\n")
    run = results.parsed_doc(results.read_log(log))
    validate(results.document([run]))
    import base64
    out = run["tests"][0]["output"]
    assert base64.b64decode(out["base64"]) == data and out["bytes"] == len(data)
    assert out["text"] == data.decode("utf-8", errors="replace")
    assert run["tests"][0]["duration"] == 0.0025


def test_boot_document_with_retry_fields(tmp_path):
    """run_doc of a RunResult: QEMU's facts filled in, and the retry
    fields (attempts, flaky) carried per test."""
    log = ktap.parse_text((DATA / "captured_default.log").read_bytes())
    r = RunResult(outcome=Outcome.PASS, reason="4/4 tests ok", exit_code=33, accel="tcg",
                  duration=0.5, serial_log=tmp_path / "serial.log",
                  stderr_log=tmp_path / "qemu-stderr.log", ktap=log, command=["qemu"],
                  events=["SHUTDOWN(guest-shutdown)"])
    run = results.run_doc(r, "default", "kernel", attempts=2,
                          test_attempts={"heap": 2}, flaky={"heap"})
    doc = results.document([run])
    validate(doc)
    assert run["unknown"] == [] and run["source"] == "boot"
    assert (run["accel"], run["exit_code"], run["duration"]) == ("tcg", 33, 0.5)
    assert run["git_revision"] == results.git_revision() and \
        re.fullmatch(r"[0-9a-f]{40}", run["git_revision"])
    heap = next(t for t in run["tests"] if t["name"] == "heap")
    assert (heap["attempts"], heap["flaky"], run["counts"]["flaky"]) == (2, True, 1)
    assert run["attempts"] == 2 and doc["passed"]


def test_git_revision_is_null_outside_a_checkout(tmp_path):
    assert results.git_revision(tmp_path) is None


def test_schema_rejects_what_it_should():
    run = results.parsed_doc(results.read_log(DATA / "pass.log"))
    doc = results.document([run])
    for broken in ({**run, "outcome": "fine"}, {**run, "tests": [{**run["tests"][0], "status": "ok!"}]},
                   {**run, "tests": [{**run["tests"][0], "attempts": 0}]}):
        with pytest.raises(jsonschema.ValidationError):
            validate({**doc, "runs": [broken]})


def test_collecting_writes_even_when_a_run_fails(tmp_path):
    """json=PATH gets every run recorded, also when the command then fails."""
    log = ktap.parse_text((DATA / "captured_fail_example.log").read_bytes())
    r = RunResult(outcome=Outcome.TEST_FAILURE, reason="0/1 tests ok", exit_code=35,
                  accel="tcg", duration=0.1, serial_log=tmp_path / "serial.log",
                  stderr_log=tmp_path / "e.log", ktap=log, command=["qemu"])
    out = tmp_path / "all.json"
    with pytest.raises(JitbootError, match="failed"):
        with results.collecting(out):
            results.record(tmp_path / "run" / "results.json", r, "fail_example", "kernel")
            results.record(tmp_path / "run2" / "results.json", r, "fail_example", "iso")
            raise JitbootError("image 'fail_example' failed in QEMU")
    doc = json.loads(out.read_text())
    validate(doc)
    assert [x["medium"] for x in doc["runs"]] == ["kernel", "iso"] and not doc["passed"]
    one = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [x["medium"] for x in one["runs"]] == ["kernel"]
    with pytest.raises(JitbootError, match="json=-"):
        with results.collecting("-"):
            pass


def test_schema_is_package_data(tmp_path):
    """The schema ships in the package (pyproject's package-data): a
    build of the package's files has it beside results.py."""
    import shutil
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / f, tmp_path / f)
    shutil.copytree(ROOT / "jitboot", tmp_path / "jitboot",
                    ignore=shutil.ignore_patterns("__pycache__"))
    p = subprocess.run([sys.executable, "-W", "ignore", "-c", "from setuptools import setup; setup()",
                        "-q", "build_py", "-d", str(tmp_path / "lib")],
                       cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    built = tmp_path / "lib" / "jitboot" / "results.schema.json"
    assert json.loads(built.read_text()) == SCHEMA


@pytest.mark.parametrize("case", ["missing", "not_ktap", "binary", "empty", "directory"])
def test_bad_input_to_parse_is_one_line(tmp_path, case):
    path = tmp_path / "serial.log"
    expect = {"missing": "no such file",
              "not_ktap": "not a KTAP log: no 'KTAP version 1' line",
              "binary": "a binary file (NUL byte at offset 4), not a serial log",
              "empty": "the file is empty",
              "directory": "no such file"}[case]
    if case == "not_ktap":
        path.write_text("SeaBIOS (version 1.16)\nBooting from ROM...\n")
    elif case == "binary":
        path.write_bytes(b"\x7fELF\x00\x02\x01KTAP\x00version 1\n\xff" * 50)
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "directory":
        path = tmp_path
    p = jitboot_cli("parse", str(path), "--json", str(tmp_path / "out.json"))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("error: "), p.stderr
    assert expect in p.stderr and str(path) in p.stderr
    assert not (tmp_path / "out.json").exists()


def test_doit_parse_errors_are_one_line(tmp_path):
    p = doit(ROOT, "parse", check=False)
    assert p.returncode != 0 and "Traceback" not in p.stdout + p.stderr
    assert "error: no log: use `doit parse log=" in p.stdout + p.stderr
    p = doit(ROOT, "parse", f"log={tmp_path / 'nothing.log'}", check=False)
    errors = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.startswith("error:")]
    assert p.returncode != 0 and len(errors) == 1 and "no such file" in errors[0]


def test_parse_json_to_stdout():
    p = jitboot_cli("parse", str(DATA / "captured_default.log"), "--json", "-")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    validate(doc)
    assert summary_rows(p.stderr) == json_rows(doc["runs"][0])


def test_jitboot_test_passes_json_to_doit(monkeypatch, tmp_path):
    from jitboot import cli
    seen = []
    monkeypatch.setattr(cli, "run_doit", lambda args: seen.append(args) or 0)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["test", "-i", "demo", "--json", "out.json"]) == 0
    assert seen == [["qemu-test", "image=demo", f"json={tmp_path / 'out.json'}"]]


# -- one real run --------------------------------------------------------------

@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`doit qemu-test json=PATH` of the default image: (stdout, document)."""
    out = tmp_path_factory.mktemp("live") / "all.json"
    p = doit(ROOT, "qemu-test", f"json={out}")
    return p.stdout, json.loads(out.read_text())


def medium_summary(stdout: str, medium: str) -> str:
    """The summary qemu-test printed for one medium."""
    start = stdout.index(f"== default ({medium}, ")
    end = stdout.find("\n== default (", start + 1)
    return stdout[start:end if end != -1 else None]


def test_live_json_validates_and_matches_the_summary(live):
    stdout, doc = live
    validate(doc)
    assert doc["passed"] and [r["medium"] for r in doc["runs"]] == ["kernel", "iso"]
    for run in doc["runs"]:
        text = medium_summary(stdout, run["medium"])
        assert_matches_summary(run, text)
        assert (run["image"], run["source"], run["unknown"]) == ("default", "boot", [])
        assert run["exit_code"] == 33 and run["git_revision"] == results.git_revision()
        assert f"PASS: {run['reason']} ({run['accel']}, {run['duration']:.2f} s)" in text
        assert f"{run['accel'].upper()}" in text.splitlines()[0]
        assert all(t["duration"] is not None and t["duration"] > 0 for t in run["tests"])
        # each run's own results.json beside its junit.xml holds the same run
        log_dir = Path(run["serial_log"]).parent
        assert (log_dir / "junit.xml").exists()
        own = json.loads((log_dir / results.FILE_NAME).read_text())
        validate(own)
        assert own["runs"] == [run]


def _junit_cases(path: Path) -> list[tuple]:
    root = ET.parse(path).getroot()
    return [(s.get("name"), s.get("tests"), s.get("failures"), s.get("errors"), s.get("time"),
             [(c.get("name"), [x.tag for x in c]) for c in s.iter("testcase")])
            for s in root.iter("testsuite")]


def test_parse_of_the_saved_log_gives_the_live_result(live, tmp_path):
    _, doc = live
    run = doc["runs"][0]
    log = Path(run["serial_log"])
    p = jitboot_cli("parse", str(log), "--json", str(tmp_path / "p.json"),
                    "--junit", str(tmp_path / "p.xml"))
    assert p.returncode == 0, p.stderr
    parsed = json.loads((tmp_path / "p.json").read_text())
    validate(parsed)
    again = parsed["runs"][0]
    assert again["source"] == "log" and again["unknown"] == list(results.NOT_IN_LOG)
    same = {k: v for k, v in run.items() if k not in results.NOT_IN_LOG + ("source", "unknown")}
    assert {k: again[k] for k in same} == same       # tests, counts, outcome, image, medium...
    assert summary_rows(p.stdout) == summary_rows(medium_summary(live[0], "kernel"))
    assert f"PASS: {run['reason']} (from the serial log)" in p.stdout
    # the same JUnit, but for when and where (which a log does not hold)
    assert _junit_cases(tmp_path / "p.xml") == _junit_cases(log.parent / "junit.xml")


def test_doit_parse_of_a_run_directory(live, tmp_path):
    run = live[1]["runs"][1]
    p = doit(ROOT, "parse", f"log={Path(run['serial_log']).parent}",
             f"json={tmp_path / 'p.json'}", f"junit={tmp_path / 'p.xml'}")
    assert summary_rows(p.stdout) == json_rows(run)
    parsed = json.loads((tmp_path / "p.json").read_text())["runs"][0]
    assert (parsed["tests"], parsed["outcome"], parsed["medium"]) == \
        (run["tests"], "pass", "iso")
    assert (tmp_path / "p.xml").exists()
