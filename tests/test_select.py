"""`doit qemu-test` picks tests at boot (tests=), lists them (list-tests),
re-boots after a crash with the tests that never started, boots once per
test (boot_per_test), retries failed tests and marks passes on a retry
as flaky, and stops a test past its test_timeout.  Real QEMU (TCG) on
tests/images/isolation.toml, whose tests are, in order: aot_fib, klib,
fault_null (panics), heap, hang (never ends), vm, fails_first_boot
(fails on a run's first boot only), payload:hello.ssa (fails: no JIT)."""

import fcntl
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import doit
from jitboot import ROOT, protocol, selection
from jitboot.errors import JitbootError
from jitboot.recipe import load_recipe
from jitboot.runner import RunOptions, merge, run_tests

RECIPE = "tests/images/isolation.toml"
IMAGE = f"image={RECIPE}"


@pytest.fixture(scope="module")
def image(image_builder):
    return image_builder(RECIPE)


@pytest.fixture(autouse=True)
def one_run_of_the_image_at_a_time(image):
    """The tests read the image's logs/kernel/latest: under pytest-xdist a
    test on another worker must not boot the image meanwhile."""
    with open(image.dir / ".test-select.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def qemu_test(*args):
    return doit(ROOT, "qemu-test", IMAGE, *args, check=False)


def rows(stdout):
    """{test: (number, result word, note)} of the summary table, cut at
    its header's columns."""
    table, cols = {}, None
    for line in stdout.splitlines():
        if re.match(r"^\s+#  test\s+result\s+checks\s+note$", line):
            cols = [line.index(w) for w in ("test", "result", "checks", "note")]
        elif cols and re.match(r"^\s+\d+  \S", line):
            name, result = line[cols[0]:cols[1]].strip(), line[cols[1]:cols[2]].strip()
            table[name] = (int(line[:cols[0]]), result, line[cols[3]:].strip())
        else:
            cols = None
    return table


def latest(image):
    return image.log_dir / "kernel" / "latest"


def junit_suites(image):
    tree = ET.parse(latest(image) / "junit.xml")
    return {s.get("name").removeprefix("isolation.kernel."): s for s in tree.iter("testsuite")}


def error_line(proc):
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out
    return [ln for ln in out.splitlines() if ln.startswith("error: ")]


# -- listing -----------------------------------------------------------------

def test_list_tests_gives_every_ktest_with_its_file_and_line():
    proc = doit(ROOT, "list-tests", IMAGE)
    listed = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"^  ([* ]) (\S+)\s+(\S+):(\d+)$", line)
        if m:
            listed[m.group(2)] = (m.group(1), m.group(3), int(m.group(4)))
    # the definitions, found here independently of jitboot.selection
    want = {}
    for folder in ("kernel_lib", "kernel_lib/arch/x86_64", "jit/kernel"):
        for src in sorted((ROOT / folder).glob("*.c")):
            for n, text in enumerate(src.read_text().splitlines(), 1):
                m = re.match(r"KTEST\((\w+)\)", text)
                if m:
                    want[m.group(1)] = (str(src.relative_to(ROOT)), n)
    assert {k: v[1:] for k, v in listed.items()} == want
    runs = load_recipe(RECIPE).tests
    assert {k for k, v in listed.items() if v[0] == "*"} == set(runs)
    assert "  * payload:hello.ssa" in proc.stdout and "tests/il/hello.ssa" in proc.stdout


def test_list_tests_shows_the_payloads_of_the_recipe():
    proc = doit(ROOT, "list-tests", "image=tests/images/faults.toml")
    payloads = re.findall(r"^  \* (payload:\S+)\s+(\S+)$", proc.stdout, re.M)
    recipe = load_recipe("tests/images/faults.toml")
    assert [p for p, _ in payloads] == [f"payload:{p.name}" for p in recipe.payloads]
    assert ("payload:fault_div_chain.c.ssa", "tests/c/faults/fault_div_chain.c") in payloads


# -- selection -----------------------------------------------------------------

def test_selection_runs_only_what_the_globs_match(image):
    proc = qemu_test("tests=k*,v?,payload:hel*")
    assert rows(proc.stdout) == {"klib": (1, "ok", ""), "vm": (2, "ok", ""),
                                 "payload:hello.ssa": (3, "FAIL", "JIT available")}
    serial = (latest(image) / "serial.log").read_text()
    # the kernel matched the globs itself: it got them as given
    assert "\n1..3\n" in serial
    assert f"# {protocol.SELECTED} 3 of 8 tests: k*,v?,payload:hel*\n" in serial
    assert not (latest(image) / "boot-2").exists()


@pytest.mark.parametrize("given, error", [
    ("nope*", "tests=: 'nope*' matches no test; `doit list-tests` lists them"),
    ("heap,kilb", "tests=: 'kilb' is not a test of the image (did you mean klib?); "
                  "`doit list-tests` lists them"),
    ("payload:helo.ssa", "tests=: 'payload:helo.ssa' is not a test of the image "
                         "(did you mean payload:hello.ssa?); `doit list-tests` lists them"),
    (",", "tests=: give test names or globs, e.g. tests='jit_*,heap'"),
])
def test_a_selection_of_nothing_fails_before_booting(image, given, error):
    before = latest(image).resolve() if latest(image).exists() else None
    proc = qemu_test(f"tests={given}")
    assert proc.returncode != 0
    assert error_line(proc) == [f"error: {error}"]
    after = latest(image).resolve() if latest(image).exists() else None
    assert after == before          # no run directory: nothing booted


@pytest.mark.parametrize("var, error", [
    ("retries=x", "retries='x': give a whole number from 0 to 10"),
    ("retries=11", "retries='11': give a whole number from 0 to 10"),
    ("boot_per_test=maybe", "boot_per_test='maybe': give true or false"),
    ("test_timeout=0", "test_timeout='0': give a positive number of seconds"),
])
def test_bad_run_variables(var, error):
    proc = qemu_test(var)
    assert proc.returncode != 0 and error_line(proc) == [f"error: {error}"]


def test_recipe_run_keys_are_checked(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[run]\ntests = ["heap"]\nretries = 11\n')
    with pytest.raises(JitbootError, match=r"\[run\] retries: must be 0 to 10, got 11"):
        load_recipe(bad)


def test_host_and_kernel_globs_agree_on_the_edge_cases():
    """The kernel's glob (ktest.c) knows only '*' and '?'; the host's must
    not read [...] as a class."""
    names = ["a[1].ssa", "a1.ssa", "abc", "ab", "payload:x.ssa"]
    assert selection.resolve(["a[1]*"], names) == ["a[1].ssa"]
    assert selection.resolve(["a?c", "*.ssa"], names) == ["a[1].ssa", "a1.ssa", "abc",
                                                          "payload:x.ssa"]
    assert selection.resolve(["*b*"], names) == ["abc", "ab"]


def test_the_iso_gets_the_selection_too(image, tmp_path):
    """GRUB's command line is fixed in the ISO; fw_cfg reaches the kernel
    through it."""
    s = run_tests(image, "iso", tmp_path, RunOptions(tests=("heap", "aot_*")))
    r = merge(s)
    assert [t.name for t in r.ktap.tests] == ["aot_fib", "heap"]
    assert r.outcome.value == "pass" and len(s.boots) == 1


# -- isolation -----------------------------------------------------------------

def test_a_panic_costs_one_test_and_the_rest_run_after_a_re_boot(image):
    """The whole recipe: test 3 panics, boot 2 runs 4.. until hang times
    out, boot 3 runs the rest."""
    proc = qemu_test()
    assert proc.returncode != 0
    table = rows(proc.stdout)
    assert list(table) == ["aot_fib", "klib", "fault_null", "heap", "hang", "vm",
                           "fails_first_boot", "payload:hello.ssa"]
    assert [table[t][1] for t in table] == ["ok", "ok", "INCOMPLETE", "ok", "INCOMPLETE",
                                            "ok", "ok", "FAIL"]
    assert table["fault_null"][2].startswith("PANIC: exception 14 (#PF")
    assert table["hang"][2] == "test hang timed out: still running after test_timeout (3 s)"
    run = latest(image)
    assert f"re-booted after panic in fault_null (boot 1): 5 test(s) that had not started ran " \
           f"in boot 2 ({run.resolve() / 'boot-2'})" in proc.stdout
    assert "re-booted after hang in hang (boot 2): 3 test(s)" in proc.stdout
    [line] = error_line(proc)
    assert line.startswith("error: image 'isolation' failed in QEMU: kernel: panic: 5/8 tests "
                           f"ok in 3 boots; first crash: {table['fault_null'][2]} [rip is "
                           "ktest_fault_null+0x"), line
    # each boot ran what it was told, with its number
    boot2 = (run / "boot-2" / "serial.log").read_text()
    assert "# boot 2\n" in boot2 and "# selected 5 of 8 tests: heap,hang,vm," in boot2
    assert "# Subtest: aot_fib" not in boot2
    boot3 = (run / "boot-3" / "serial.log").read_text()
    assert "# Subtest: vm" in boot3 and "# Subtest: heap" not in boot3
    # fails_first_boot passed: it ran in boot 3
    suites = junit_suites(image)
    assert suites["heap"].get("failures") == "0" and suites["heap"].get("errors") == "0"
    assert suites["fault_null"].find("testcase/error") is not None
    assert suites["vm"].get("tests") == "14"


def test_boot_per_test(image):
    proc = qemu_test("tests=aot_fib,klib,vm", "boot_per_test=true")
    assert proc.returncode == 0, proc.stdout
    assert [v[1] for v in rows(proc.stdout).values()] == ["ok", "ok", "ok"]
    run = latest(image)
    logs = [run / "serial.log", run / "boot-2" / "serial.log", run / "boot-3" / "serial.log"]
    ran = [re.findall(r"# Subtest: (\S+)", p.read_text()) for p in logs]
    assert ran == [["aot_fib"], ["klib"], ["vm"]]
    assert not (run / "boot-4").exists()
    assert "booted once per test: 3 boots" in proc.stdout


# -- retries ---------------------------------------------------------------------

def test_a_test_that_fails_once_is_flaky_with_retries(image):
    once = qemu_test("tests=klib,fails_first_boot")
    assert once.returncode != 0
    assert rows(once.stdout)["fails_first_boot"][1] == "FAIL"

    proc = qemu_test("tests=klib,fails_first_boot", "retries=2")
    assert proc.returncode == 0, proc.stdout
    assert rows(proc.stdout)["fails_first_boot"][1] == "ok"
    assert "PASS: 2/2 tests ok, 1 of them flaky (passed on a retry)" in proc.stdout
    assert "retry 1 of 2: fails_first_boot (boot 2)" in proc.stdout
    assert "retry 2 of 2" not in proc.stdout        # it passed: no more retries
    assert "flaky: fails_first_boot passed on attempt 2 (attempt 1: passes once " \
           "re-booted: this is boot 1)" in proc.stdout
    suites = junit_suites(image)
    flaky = suites["fails_first_boot"]
    assert flaky.get("failures") == "0"
    assert flaky.find("properties/property[@name='flaky']") is not None
    marks = flaky.findall("testcase/flakyFailure")
    assert [(m.get("type"), m.get("message")) for m in marks] == [("not ok", "this is boot 1")]
    assert suites["klib"].find(".//flakyFailure") is None
    retry = (latest(image) / "boot-2" / "serial.log").read_text()
    assert re.findall(r"# Subtest: (\S+)", retry) == ["fails_first_boot"]


def test_retries_give_up_on_a_test_that_always_fails(image):
    proc = qemu_test("tests=aot_fib,fault_null", "retries=1")
    assert proc.returncode != 0
    assert rows(proc.stdout)["fault_null"][1] == "INCOMPLETE"
    assert "retry 1 of 1: fault_null (boot 2)" in proc.stdout and "flaky" not in proc.stdout


def test_a_re_booted_test_keeps_its_program_output():
    """A test's output frames carry its KTAP number in the boot that ran
    it ("# out 1: ..."); in the merged report it has another number."""
    from jitboot import ktap
    from jitboot.runner import _renumbered
    log = ktap.parse_text("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: payload:a\n"
                          "    1..1\n    # out 1: hello\\x20\n    ok 1 main returned 0\n"
                          "ok 1 payload:a\n")
    [t] = log.tests
    moved = _renumbered(t, 4)
    assert moved.number == 4 and moved.output().data == b"hello \n" and not moved.output().errors
    assert t.number == 1 and t.output().data == b"hello \n"


def test_the_kernel_reads_its_multiboot_command_line_too(image, tmp_path):
    """For a loader of one's own: the same words on the command line
    (QEMU prepends the kernel's path); fw_cfg's come later and win."""
    from jitboot.qemu import run_image

    def ran(extra):
        r = run_image(kernel=image.elf32, memory=image.recipe.memory, accel="tcg", timeout=30,
                      log_dir=tmp_path / str(len(extra)), extra_args=extra)
        return [t.name for t in r.ktap.tests], r.serial_log.read_text()
    names, serial = ran(["-append", "tests=v?,aot_* boot=7"])
    assert names == ["aot_fib", "vm"] and "\n# boot 7\n" in serial
    names, serial = ran(["-append", "tests=vm boot=7",
                         *selection.qemu_args(selection.boot_args(["klib"], 2))])
    assert names == ["klib"] and "\n# boot 2\n" in serial
