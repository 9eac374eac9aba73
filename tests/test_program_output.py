"""Program output comes back exactly: the kernel frames what a test writes
to stdout as escaped "# out N: ..." lines (kernel_lib/ktest.c), the host
decodes them (jitboot/output.py), writes each payload's bytes beside the
run's log and `doit jit-run` prints them verbatim.

A program line such as `Subtest: x` used to be read as KTAP (the run
failed and the output was split); trailing blanks were stripped, bytes that
are not UTF-8 became U+FFFD, a missing final newline was invisible, lines
over 4096 bytes were split and the drop note counted the framing.  The
decoder is tested on crafted serial captures; one boot runs
tests/c/output/exact.c and flood.c against the host twin's bytes."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jitboot import ROOT, ktap, output, payloads, protocol
from jitboot.errors import JitbootError
from jitboot.recipe import load_recipe
from jitboot.render import context, environment, render_template

PROGRAMS = ROOT / "tests" / "c" / "output"
LIMIT = 128 * 1024          # [run] output_limit's default

# Everything the old diagnostics-as-output lost or misread.
HOSTILE = (b"KTAP version 1\n1..1\nSubtest: x\n# Subtest: y\n    # Subtest: z\n"
           b"ok 1 fake\nnot ok 2 fake # SKIP\nPANIC: no\nbacktrace #0 not a frame\n"
           b"out 3: x\n# out 3: y\\\n\\x41 \\t \\\\\n"
           b"\xff\xfe\x80\xc3\x28 \xc3\xa9\ntabs\t\t\nspaces  \n \t \n\r\n\x00\x07\x1b[0m\x7f\n\n"
           + b"a" * 5000 + b"\n" + b"b" * 128 + b"\n" + b"c" * 129 + b"\n" + b" " * 300 + b"\n"
           + b"no final newline ")


def capture(frames, number=1, name="payload:p.ssa", after=()):
    """A serial log whose only test, number `number`, printed these frames."""
    lines = [protocol.KTAP_HEADER, f"{protocol.KTAP_PLAN}1", f"    {protocol.KTAP_HEADER}",
             f"    {protocol.KTAP_SUBTEST}{name}"]
    lines += [f"    {protocol.KTAP_DIAGNOSTIC}{f}" for f in frames]
    lines += [f"    {protocol.KTAP_PLAN}{1 + len(after)}", f"    {protocol.KTAP_OK} 1 main returned 0",
              *after, f"{protocol.KTAP_NOT_OK if after else protocol.KTAP_OK} {number} {name}"]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("data", [b"", b"\n", b"x", b"x\n", b"\\", b" ", b"\t", b"a \n",
                                  bytes(range(256)), b"\n" * 3, b"q" * 128, b"q" * 129,
                                  b"q" * 127 + b" ", b"q" * 128 + b"\n", HOSTILE],
                         ids=lambda d: repr(d[:12]))
def test_any_bytes_round_trip_through_a_serial_log(data):
    frames = output.encode(data, 1)
    for f in frames:
        text = f.split(":", 1)[1]
        assert all(" " <= c <= "~" for c in text) and not text.endswith(" "), f
        assert len(text) <= 1 + 4 * protocol.OUTPUT_CHUNK + 1
    log = ktap.parse_text(capture(frames))
    assert log.errors == [] and log.ok(), log.errors
    [test] = log.tests
    got = test.output()
    assert got.data == data and got.errors == [] and not got.truncated
    assert got.final_newline == (data == b"" or data.endswith(b"\n"))


def test_ktap_looking_output_is_not_ktap():
    """The issue's case: `Subtest: x` in a program's output split the block
    and failed the run."""
    log = ktap.parse_text(capture(output.encode(HOSTILE, 1)))
    assert [t.name for t in log.tests] == ["payload:p.ssa"] and log.panic is None
    assert log.tests[0].subtests[0].name == "main returned 0" and log.tests[0].backtrace() == []
    assert log.tests[0].program_output()[:3] == ["KTAP version 1", "1..1", "Subtest: x"]


def test_frames_the_kernel_writes():
    """The format itself, as the top of jitboot/output.py shows it."""
    assert output.encode(b"a\tb  \n\nx\\y", 5) == ["out 5: a\\tb \\x20", "out 5:", "out 5: x\\\\y\\"]
    assert output.encode(b"\xff\x00\r\n", 2) == ["out 2: \\xff\\x00\\x0d"]
    assert output.encode(b"z" * 200, 1) == ["out 1: " + "z" * 128 + "\\", "out 1: " + "z" * 72 + "\\"]


def test_truncation_is_read_from_the_check_with_the_programs_count():
    check = (f"    {protocol.KTAP_NOT_OK} 2 {protocol.OUTPUT_CHECK}{protocol.KTAP_DIRECTIVE}"
             f"{protocol.OUTPUT_WROTE} 150000 bytes; the first 131072 are shown")
    log = ktap.parse_text(capture(output.encode(b"abc", 1), after=[check]))
    got = log.tests[0].output()
    assert got.truncated and got.written == 150000 and got.data == b"abc"
    assert ktap.why_failed(log.tests[0]).startswith(f"{protocol.OUTPUT_CHECK}: ")


@pytest.mark.parametrize("frame, data, problem", [
    ("out 1: a\\qb", b"a\\qb\n", "bad escape '\\\\qb'"),
    ("out 1: \\x4", b"\\x4\n", "bad escape"),
    ("out 1: caf\u00e9", b"caf\xc3\xa9\n", "unescaped character"),
    ("out 2: other test", b"", "a frame of test 2 in the block of test 1"),
    ("out x: not a frame", b"", None),
    ("outside: not a frame", b"", None),
])
def test_malformed_frames_are_named_not_raised(frame, data, problem):
    got = ktap.parse_text(capture([frame])).tests[0].output()
    assert got.data == data
    if problem:
        assert len(got.errors) == 1 and problem in got.errors[0], got.errors
    else:
        assert got.errors == []


def test_frames_before_a_panic_and_a_cut_log_survive():
    frames = output.encode(b"line one\nhalf a li", 1)
    log = ktap.parse_text(capture(frames).split(b"    1..")[0] + b"PANIC: boom\n")
    assert log.panic == "PANIC: boom"
    assert log.tests[0].output().data == b"line one\nhalf a li"
    cut = ktap.parse_text(capture(frames).split(b"\n    1..")[0][:-3])    # mid-frame
    assert cut.tests[0].output().data == b"line one\n"


def test_output_limit_is_a_recipe_key_reaching_config_h(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "kernel_lib").mkdir()
    (tmp_path / "kernel_lib" / "t.c").write_text("KTEST(aot_fib) {}\n")
    path = tmp_path / "images" / "chatty.toml"
    path.write_text(textwrap.dedent("""\
        [run]
        tests = ["aot_fib"]
        output_limit = "1M"
        """))
    r = load_recipe(path, tmp_path)
    assert r.output_limit == 1 << 20
    config = render_template(environment(ROOT), "boot/config.h.j2", context(r, ROOT))
    assert re.search(r"#define JB_OUTPUT_LIMIT\s+0x100000\b", config), config
    path.write_text('[run]\ntests = ["aot_fib"]\noutput_limit = "2G"\n')
    with pytest.raises(JitbootError, match=r"chatty.toml:3: \[run\] output_limit: at most 1G"):
        load_recipe(path, tmp_path)


# -- one boot: the kernel against the host twin ------------------------------

@pytest.fixture(scope="module")
def reference(host_tools, tmp_path_factory):
    """What exact.c and flood.c write, run by jitrun from the same IL."""
    d = tmp_path_factory.mktemp("ref")
    out = {}
    for name in ("exact", "flood"):
        il = d / f"{name}.ssa"
        il.write_text(payloads.translate([PROGRAMS / f"{name}.c"], "-O0"))
        p = subprocess.run([str(host_tools["jitrun"]), str(il)], capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
        out[name] = p.stdout
    assert len(out["flood"]) == 150000 > LIMIT
    return out


def test_doit_jit_run_reproduces_output_byte_for_byte(image_builder, reference):
    image_builder("default")
    p = subprocess.run([sys.executable, "-m", "doit",
                        "-f", str(ROOT / "dodo.py"), "-d", str(ROOT), "jit-run",
                        f"src={PROGRAMS / 'exact.c'},{PROGRAMS / 'flood.c'}"],
                       capture_output=True, cwd=ROOT, timeout=300)
    stdout = p.stdout
    text = stdout.decode(errors="replace")
    assert p.returncode != 0 and b"Traceback" not in stdout + p.stderr, text
    exact, flood = reference["exact"], reference["flood"]
    # printed as it is, with what the bytes cannot show said around them
    assert (b"--- output of payload:exact.c.ssa ---\n" + exact + b"\n\\ no newline at end of"
            b" output\n--- output of payload:flood.c.ssa (truncated: the program wrote 150000"
            b" bytes, the first 131072 are shown; raise [run] output_limit) ---\n"
            + flood[:LIMIT]) in stdout
    assert (f"error: run failed: test failure: 5/6 tests ok; first failure: payload:flood.c.ssa"
            f" ({protocol.OUTPUT_CHECK}: {protocol.OUTPUT_WROTE} 150000 bytes; the first"
            f" 131072 are shown)") in text
    # the files beside the log
    run_dir = Path(re.search(r"^each payload's output, byte for byte: (.*)/NAME\.out$", text,
                             re.M).group(1))
    assert (run_dir / "exact.c.ssa.out").read_bytes() == exact
    assert (run_dir / "flood.c.ssa.out").read_bytes() == flood[:LIMIT]
    # the kernel's frames are the reference framing, and nothing is misread
    log = ktap.parse_text((run_dir / "serial.log").read_bytes())
    assert log.errors == [], log.errors
    tests = protocol.payload_results(log.tests)
    framed = [d for d in tests["exact.c.ssa"].diagnostics if output.FRAME_RE.match(d)]
    assert framed == output.encode(exact, tests["exact.c.ssa"].number)
    assert tests["exact.c.ssa"].status == ktap.Status.OK
    assert [s.name for s in tests["exact.c.ssa"].subtests][1:] == ["main defined", "main returned 0"]
    assert tests["flood.c.ssa"].output().written == 150000
