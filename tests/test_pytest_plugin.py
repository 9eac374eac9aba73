"""The pytest plugin (jitboot/pytest_plugin.py) run as a user runs it: pytest
in a subprocess with --jitboot-images, real builds and real QEMU boots, under
pytest-xdist with two local workers and with three popen gateways standing
in for hosts, each with a build directory of its own.  The results are read
back from the run's JUnit XML.

The images are the cheapest with a few tests: nojit (4 tests, booted from
the ELF and from the ISO) and tests/images/plugin_mix.toml (2 pass, one
fails a check, one panics the kernel, the last never runs)."""

import os
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from jitboot import ROOT

MIX = "tests/images/plugin_mix.toml"
IMAGES = f"--jitboot-images=nojit,{MIX}"
NOJIT_TESTS = ["aot_fib", "heap", "klib", "vm"]
MIX_TESTS = ["aot_fib", "klib", "fail_example", "fault_null", "heap"]
ALL_ITEMS = ([f"images/nojit.toml::{m}::{t}" for m in ("kernel", "iso") for t in NOJIT_TESTS]
             + [f"{MIX}::kernel::{t}" for t in MIX_TESTS])
MIX_FAILED = {f"{MIX}::kernel::{t}" for t in ("fail_example", "fault_null", "heap")}


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "JITBOOT_"))}


def run_pytest(*args: str, build_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """pytest with this checkout's plugin, in a subprocess, building under
    build_dir.  The plugin is named with -p (and its entry point blocked):
    the environment's installed entry point may be older than the checkout
    or missing (test_entry_point_registers_the_plugin checks it)."""
    env = _clean_env()
    env["JITBOOT_BUILD_DIR"] = str(build_dir)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "-p", "no:jitboot", "-p", "jitboot.pytest_plugin", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def junit_id(nodeid: str) -> str:
    """How pytest's JUnit XML names an item: "classname::name"."""
    parent, name = nodeid.rsplit("::", 1)
    return f"{parent.replace('::', '.').replace('/', '.')}::{name}"


def junit_cases(path: Path) -> dict[str, dict]:
    """node id -> {"outcome", "message", "props"} of every item of an image
    in pytest's JUnit XML (an item reported twice fails the test), and the
    other testcases under their junit_id."""
    by_id = {junit_id(i): i for i in ALL_ITEMS}
    cases: dict[str, dict] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        key = f"{case.get('classname')}::{case.get('name')}"
        nodeid = by_id.get(key, key)
        assert nodeid not in cases, f"{nodeid} reported twice"
        failure, error = case.find("failure"), case.find("error")
        outcome = "failed" if failure is not None else "error" if error is not None else \
            "skipped" if case.find("skipped") is not None else "passed"
        shown = failure if failure is not None else error
        cases[nodeid] = {
            "outcome": outcome,
            "message": (shown.text or "") if shown is not None else "",
            "props": {p.get("name"): p.get("value") for p in case.iter("property")},
        }
    return cases


def check_mix_failures(cases: dict[str, dict]) -> None:
    """Each failing item of plugin_mix says why, in the kernel's words."""
    fail = cases[f"{MIX}::kernel::fail_example"]["message"]
    assert fail.startswith("fail_example: FAIL: a check that fails"), fail
    assert "not ok 2 a check that fails # on purpose" in fail
    panic = cases[f"{MIX}::kernel::fault_null"]["message"]
    assert panic.startswith("fault_null: INCOMPLETE: PANIC: exception 14 (#PF"), panic
    assert "the boot ended: panic:" in panic
    unreported = cases[f"{MIX}::kernel::heap"]["message"]
    assert unreported.startswith("heap: the boot did not report this test\n"
                                 "the boot ended: panic:"), unreported
    assert "serial log: " in unreported


def test_entry_point_registers_the_plugin(tmp_path):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["pytest11"] == {"jitboot": "jitboot.pytest_plugin"}
    # what the environment has installed, seen from outside the checkout
    # (whose own jitboot.egg-info an editable install leaves in it)
    env = _clean_env()
    probe = subprocess.run([sys.executable, "-c",
                            "import importlib.metadata as m; print(sorted("
                            "(e.name, e.value) for e in m.entry_points(group='pytest11')))"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    if "('jitboot', 'jitboot.pytest_plugin')" not in probe.stdout:
        pytest.skip("the installed jitboot predates its pytest11 entry point: "
                    "pip install -e '.[test]'")
    r = subprocess.run([sys.executable, "-m", "pytest", "--help"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert "--jitboot-images=NAME[,NAME]|all" in r.stdout


def test_items_are_known_without_building(tmp_path):
    build = tmp_path / "build"
    r = run_pytest(f"{IMAGES},demo", "--collect-only", "-q", build_dir=build)
    assert r.returncode == 0, r.stdout + r.stderr
    ids = [ln for ln in r.stdout.splitlines() if "::" in ln]
    demo = [f"images/demo.toml::{m}::{t}" for m in ("kernel", "iso")
            for t in ("jit_fib", "payload:hello.ssa", "payload:recursion.ssa",
                      "payload:varargs_printf.ssa")]
    assert ids == ALL_ITEMS + demo
    assert not build.exists()           # nothing built, nothing booted
    # -k over the names, with the image's name as a keyword
    r = run_pytest(f"{IMAGES},demo", "--collect-only", "-q", "-k", "demo and payload and not iso",
                   build_dir=build)
    assert [ln for ln in r.stdout.splitlines() if "::" in ln] == \
        [i for i in demo if "payload" in i and "::kernel::" in i]


def test_inactive_without_the_option(tmp_path):
    r = run_pytest("--collect-only", "-q", "images", build_dir=tmp_path / "build")
    assert r.returncode == 5, r.stdout + r.stderr       # no tests collected
    assert "no tests collected" in r.stdout


def test_unknown_image_is_a_one_line_usage_error(tmp_path):
    r = run_pytest("--jitboot-images=nojit,nosuch", build_dir=tmp_path / "build")
    assert r.returncode == 4                            # pytest's usage error
    assert r.stderr.strip().splitlines() == [
        "ERROR: --jitboot-images=nosuch: images/nosuch.toml: no such recipe "
        "(images available: aarch64, aarch64_bench, bench, default, demo, nojit)"]


def test_two_workers_boot_each_image_once(tmp_path):
    """-n 2 with -k: the selected items run once each, each image boots
    once, on one worker; deselected boots (iso) never happen.  A test of
    one's own, given beside, gets the same boot through the fixture."""
    own = tmp_path / "test_own.py"
    own.write_text("def test_own_boot(jitboot_boot):\n"
                   "    run = jitboot_boot('nojit')\n"
                   "    assert [t.name for t in run.ktap.tests] == "
                   f"{NOJIT_TESTS!r}\n"
                   "    assert run.ktap.ok()\n")
    build, xml = tmp_path / "build", tmp_path / "junit.xml"
    r = run_pytest(IMAGES, str(own), "-n", "2", "-k", "not iso and not vm",
                   f"--junitxml={xml}", build_dir=build)
    assert r.returncode == 1, r.stdout + r.stderr       # plugin_mix has failures
    cases = junit_cases(xml)
    own_case = cases.pop(next(k for k in cases if k.endswith("test_own_boot")))
    assert own_case["outcome"] == "passed", own_case
    selected = [i for i in ALL_ITEMS if "::iso::" not in i and not i.endswith("::vm")]
    assert sorted(cases) == sorted(selected)
    assert {i for i, c in cases.items() if c["outcome"] == "failed"} == MIX_FAILED
    assert all(c["outcome"] == "passed" for i, c in cases.items() if i not in MIX_FAILED)
    check_mix_failures(cases)
    boots = {}
    for case in cases.values():
        p = case["props"]
        boots.setdefault((p["image"], p["medium"]), set()).add((p["worker"], p["serial_log"]))
    # one boot (one serial log, one worker) per image
    assert sorted(boots) == [("nojit", "kernel"), ("plugin_mix", "kernel")]
    assert all(len(b) == 1 for b in boots.values()), boots
    assert {w for b in boots.values() for w, _ in b} <= {"gw0", "gw1"}
    assert not (build / "images" / "nojit" / "logs" / "iso").exists()
    assert "3 failed, 6 passed" in r.stdout


def test_three_popen_gateways_as_hosts(tmp_path):
    """Three execnet gateways, each a process in a directory of its own with
    its own build directory (as each host of a team would have): every item
    runs exactly once, each boot on one gateway, each gateway building only
    the image it boots, into its own directory; the results merge into one
    report."""
    hosts = [tmp_path / f"host{i}" for i in range(3)]
    dirs = [h / "build" for h in hosts]
    for h in hosts:
        h.mkdir()
    xml = tmp_path / "junit.xml"
    tx = [a for h, d in zip(hosts, dirs)
          for a in ("--tx", f"popen//chdir={h}//env:JITBOOT_BUILD_DIR={d}")]
    r = run_pytest(IMAGES, *tx, f"--junitxml={xml}", build_dir=tmp_path / "controller")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "3 failed, 10 passed" in r.stdout
    cases = junit_cases(xml)
    assert sorted(cases) == sorted(ALL_ITEMS)
    assert {i for i, c in cases.items() if c["outcome"] == "failed"} == MIX_FAILED
    check_mix_failures(cases)
    host_of = {}            # worker -> its build directory
    boots = {}
    for case in cases.values():
        p = case["props"]
        assert host_of.setdefault(p["worker"], p["build_dir"]) == p["build_dir"]
        boots.setdefault((p["image"], p["medium"]), set()).add((p["worker"], p["serial_log"]))
        assert p["serial_log"].startswith(p["build_dir"] + "/images/")
    assert sorted(host_of) == ["gw0", "gw1", "gw2"]
    assert sorted(host_of.values()) == sorted(str(d) for d in dirs)
    assert sorted(boots) == [("nojit", "iso"), ("nojit", "kernel"), ("plugin_mix", "kernel")]
    assert all(len(b) == 1 for b in boots.values()), boots
    # three boots over three gateways: one each, and each gateway built
    # only the image it booted
    assert Counter(w for b in boots.values() for w, _ in b) == Counter(["gw0", "gw1", "gw2"])
    for (image, _medium), b in boots.items():
        ((worker, _log),) = b
        built = sorted(p.name for p in (Path(host_of[worker]) / "images").iterdir())
        assert built == [image]
    assert not (tmp_path / "controller").exists()


SERIAL = """\
KTAP version 1
1..4
# image t: a preamble diagnostic
    KTAP version 1
    # Subtest: good
    1..1
    ok 1 fine
ok 1 good
ok 2 quiet # SKIP no device here
    KTAP version 1
    # Subtest: short
    1..3
    ok 1 first
    # a diagnostic of short
    not ok 2 second # got 7
not ok 3 short
    KTAP version 1
    # Subtest: cut
    1..2
    ok 1 begun
"""


def test_judge_reads_every_ending(tmp_path):
    """Each way a KTAP test can end, as an item reports it (pure: a
    written serial log, no boot)."""
    from jitboot import ktap
    from jitboot.pytest_plugin import judge
    from jitboot.qemu import Outcome, RunResult
    log = tmp_path / "serial.log"
    log.write_text(SERIAL)
    run = RunResult(outcome=Outcome.HANG, reason="no exit within 5 s", exit_code=None,
                    accel="tcg", duration=5.0, serial_log=log, stderr_log=tmp_path / "err",
                    ktap=ktap.parse_text(SERIAL), command=["qemu"])
    tests = {t.name: t for t in run.ktap.tests}
    assert judge("good", tests["good"], run).failure == ""
    assert judge("quiet", tests["quiet"], run).skip == "quiet: no device here"
    short = judge("short", tests["short"], run).failure.splitlines()
    assert short[0] == "short: FAIL: second: got 7"
    assert short[1] == f"the boot ended: hang: no exit within 5 s (tcg, 5.00 s); serial log: {log}"
    # its block and result line, not the previous test's or the preamble
    assert short[2:] == ["the kernel's lines for it:", "      KTAP version 1",
                         "      # Subtest: short", "      1..3", "      ok 1 first",
                         "      # a diagnostic of short", "      not ok 2 second # got 7",
                         "  not ok 3 short"]
    cut = judge("cut", tests["cut"], run).failure.splitlines()
    assert cut[0] == "cut: INCOMPLETE: log ends here"
    assert cut[-1] == "      ok 1 begun"
    gone = judge("never", None, run).failure.splitlines()
    assert gone[:3] == ["never: the boot did not report this test", short[1],
                        "last lines of the serial log:"]
    assert gone[-1] == "      ok 1 begun"
