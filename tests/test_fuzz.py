"""Fuzzing the JIT (jitboot/fuzz.py): every input that once found a bug
is replayed, and a short libFuzzer run of each target goes through
`doit fuzz`, so a new crash, hang, leak or sanitizer report fails CI.

JITBOOT_FUZZ_SECONDS sets the short run's length per target (default 10).
"""

import os
import re
import subprocess
import sys
import time

import pytest

from jitboot import ROOT, fuzz
from jitboot.errors import JitbootError

REGRESSIONS = ROOT / "tests" / "fuzz" / "regressions"
CASES = [(t, p) for t in fuzz.TARGETS for p in sorted((REGRESSIONS / t).glob("*"))
         if p.is_file()]
# A diff-target input named undef_* or ub_*: the program's output
# follows an undefined value (QBE's UNDEF constant, a register the
# caller left), so the passes may change it; fuzz_diff must see that
# and skip it, jitrun's two outputs may differ.
UNSTABLE = ("undef_", "ub_")
PLAIN_CASES = [(t, p) for t, p in CASES
               if not (t == "diff" and p.name.startswith(UNSTABLE))]
SECONDS = int(os.environ.get("JITBOOT_FUZZ_SECONDS", "10"))
# The targets of the short run.
SHORT_RUN = ("jit", "asm", "diff")


@pytest.fixture(scope="module")
def fuzzers():
    try:
        return fuzz.build_fuzzers()
    except JitbootError as e:
        if "clang" in str(e) and ("not found" in str(e) or "cannot link" in str(e)):
            pytest.skip(str(e))
        raise


def test_there_are_regressions():
    assert len(CASES) >= 2


@pytest.mark.parametrize("target, path", CASES, ids=lambda x: getattr(x, "name", x))
def test_regression_replays_clean(fuzzers, target, path):
    r = fuzz.replay(target, [path])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "runtime error" not in r.stderr


@pytest.mark.parametrize("target, path", PLAIN_CASES, ids=lambda x: getattr(x, "name", x))
def test_regression_in_plain_host_tools(host_tools, target, path):
    """Without sanitizers too: jitrun's compile/release cycles end cleanly
    (exit 0, also for rejected input); asmdump assembles or says why
    (exit 0 or 1), never dies of a signal; a differential finding ends
    the same way with the passes on and off."""
    if target == "diff":
        # the passes on and off end the same way and print the same
        on, off = (subprocess.run([str(host_tools["jitrun"]), f"--passes={p}", str(path)],
                                  capture_output=True, timeout=60) for p in ("all", "none"))
        assert (on.returncode, on.stdout) == (off.returncode, off.stdout)
        return
    if target == "jit":
        cmd, ok = [str(host_tools["jitrun"]), "--cycles", "2", str(path)], {0}
    else:
        cmd, ok = [str(host_tools["asmdump"]), str(path)], {0, 1}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode in ok, r.stdout[-2000:] + r.stderr[-2000:]


@pytest.mark.parametrize("name", ["undef_return.ssa", "ub_format_without_zero.ssa",
                                  "ub_symbol_address_bit.ssa", "ub_format_float_for_int.ssa",
                                  "ub_bare_ret_value.ssa", "ub_code_read_as_data.ssa",
                                  "undef_tre_loop_value.ssa", "ub_vaarg_past_arguments.ssa"])
def test_undefined_value_is_not_a_difference(fuzzers, name):
    """A program whose output is QBE's UNDEF constant (a temporary
    returned on a path that does not define it) prints 0xdeaddead
    without our passes and something else with them: fuzz_diff changes
    the constant when it confirms a difference and skips the program as
    unstable instead of reporting it.  So with a format string that has
    no zero byte at its end (printf reads a register the caller left),
    and with a program reading its own code as data (the confirmation
    leaves pages between a module's sections), and with one that reads
    a temporary before it is defined (tre's loop gives it the iteration
    before's value, QBE UNDEF: a use given UNDEF is counted)."""
    path = REGRESSIONS / "diff" / name
    r = fuzz.replay("diff", [path])
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"^fuzz-stages: .* unstable (\d+)$", r.stderr, re.M)
    assert m and int(m.group(1)) >= 1, r.stderr[-3000:]


def test_each_run_sees_the_heap_filled(fuzzers):
    """A program that reads a 4 MiB block before writing it: without our
    passes it must read the fill pattern, not what the run with them
    wrote, or the two outcomes differ (and the program counts as
    unstable).  fuzz_diff refills only what the last run allocated."""
    path = REGRESSIONS / "diff" / "heap_written_then_read.ssa"
    r = fuzz.replay("diff", [path])
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"^fuzz-stages: .* compared (\d+) .* unstable (\d+)$", r.stderr, re.M)
    assert m and (int(m.group(1)), int(m.group(2))) == (1, 0), r.stderr[-3000:]


def test_diff_checks_calls_of_its_stand_ins(fuzzers):
    """fuzz_diff's own memset, malloc and the rest replace the
    library's for the programs, yet a call of one with too few
    arguments is rejected as jitrun rejects it (the typed FFI check):
    accepted, the missing count was a leftover register, different with
    the passes on and off."""
    path = REGRESSIONS / "diff" / "short_library_call.ssa"
    r = fuzz.replay("diff", [path])
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"^fuzz-stages: .* parsed (\d+) .* ran (\d+) ", r.stderr, re.M)
    assert m and (int(m.group(1)), int(m.group(2))) == (1, 0), r.stderr[-3000:]


def test_diff_gives_each_run_its_own_argv(fuzzers):
    """A program that reads through argv and then writes over it: each
    run reads the argv it was given, not what the run before it in the
    same process wrote (the outcomes are compared, not unstable)."""
    path = REGRESSIONS / "diff" / "ub_argv_written_by_program.ssa"
    r = fuzz.replay("diff", [path])
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"^fuzz-stages: .* compared (\d+) .* unstable (\d+)$", r.stderr, re.M)
    assert m and (int(m.group(1)), int(m.group(2))) == (1, 0), r.stderr[-3000:]


def test_parse_log():
    log = ("INFO: Seed: 1\n#2\tINITED cov: 10 ft: 12 corp: 3/1Kb exec/s: 0 rss: 30Mb\n"
           "#4096\tpulse  cov: 20 ft: 30 corp: 5/2Kb lim: 40 exec/s: 2048 rss: 40Mb\n"
           "#5000\tDONE   cov: 25 ft: 33 corp: 6/2Kb lim: 40 exec/s: 2500 rss: 40Mb\n"
           "stat::number_of_executed_units: 5003\n")
    r = fuzz.parse_log(log, "jit", 2.0)
    assert (r.executions, r.coverage, r.features, r.corpus) == (5003, 25, 33, 6)
    assert r.line().startswith("fuzz jit: 5003 executions in 2 s, coverage 25 edges")


def test_doit_fuzz_short_run(fuzzers, tmp_path):
    """`doit fuzz`, as CI runs it: every target, SECONDS each, from a fixed
    seed and a fresh corpus (the seeds alone) so that every run makes the
    same mutations as far as it gets (a new finding fails the change that
    makes it, not a later one by luck; `doit fuzz` without a seed and the
    long campaigns look further)."""
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "fuzz", f"seconds={SECONDS}", "seed=1",
                           f"target={','.join(SHORT_RUN)}", f"fuzz_dir={tmp_path}"],
                          capture_output=True, text=True, cwd=ROOT,
                          timeout=len(SHORT_RUN) * (SECONDS + 60) + 60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    for target in SHORT_RUN:
        m = re.search(rf"^fuzz {target}: (\d+) executions in \d+ s, coverage (\d+) edges",
                      out, re.M)
        assert m, out[-4000:]
        assert int(m.group(1)) > 100 and int(m.group(2)) > 100, m.group(0)
        assert f"fuzz {target}: " in out and " 0 bugs found" in out
        assert "INFO: Seed: 1\n" in (tmp_path / f"{target}.log").read_text()


def test_doit_fuzz_rejects_bad_arguments():
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "fuzz", "target=nope", "seconds=1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode != 0
    assert "unknown fuzz target 'nope': use one of jit, asm, diff" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "fuzz", "seed=x", "seconds=1"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode != 0
    assert "seed='x': give a non-negative integer" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_plain_replay_runs_each_input_n_times():
    """fuzz_jit-plain (no sanitizers, no libFuzzer, for profiling) runs
    every input -n times and says how many executions it made; a file it
    cannot read is a one-line error."""
    from jitboot import build
    try:
        plain = build.build_programs(["fuzz_jit-plain"])["fuzz_jit-plain"]
    except JitbootError as e:
        pytest.fail(str(e))
    inputs = [str(p) for t, p in CASES if t == "jit"][:2]
    r = subprocess.run([str(plain), "-n", "3", *inputs], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert re.search(rf"^fuzz-replay: {3 * len(inputs)} executions in ", r.stderr, re.M), r.stderr
    r = subprocess.run([str(plain), "/nonexistent.ssa"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == "fuzz-replay: cannot read /nonexistent.ssa"


def test_fuzzers_do_not_link_our_libm():
    """libFuzzer calls log(): the fuzz targets take glibc's, so its
    scheduling is neither slowed nor counted as coverage by our libm."""
    from jitboot import components
    for t in fuzz.TARGETS:
        assert "libm" not in components.PROGRAM[f"fuzz_{t}"].components
        assert "-lm" in components.PROGRAM[f"fuzz_{t}"].libs


# -- depth counters (jit/host/fuzz_stages.h) --------------------------------

@pytest.fixture(scope="module")
def plain_jit():
    from jitboot import build
    try:
        return build.build_programs(["fuzz_jit-plain"])["fuzz_jit-plain"]
    except JitbootError as e:
        pytest.fail(str(e))


def _stages(binary, inputs, tmp_path, reps=1, args=(), **env):
    stats = tmp_path / "stages"
    cmd = [str(binary), "-n", str(reps), *args, *map(str, inputs)]
    if reps is None:        # a libFuzzer binary: runs each input once
        cmd = [str(binary), *fuzz.TARGET_OPTIONS.get("diff", []), *map(str, inputs)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                       env=dict(fuzz._env("diff"), FUZZ_STATS=str(stats), **env))
    assert r.returncode == 0, r.stderr[-2000:]
    executions, counts = fuzz.read_stages(stats)
    line = " ".join(f"{k} {v}" for k, v in counts.items())
    assert f"fuzz-stages: executions {executions} {line}" in r.stderr
    return executions, counts


def test_stage_counts_follow_the_inputs(plain_jit, tmp_path):
    """Every program of tests/il reaches every stage, each execution
    counted once however many functions it has; a parse error stops
    before all of them, an undefined symbol at the loader."""
    good = sorted((ROOT / "tests" / "il").glob("*.ssa"))
    executions, counts = _stages(plain_jit, good, tmp_path, reps=2)
    assert executions == 2 * len(good)
    assert list(counts) == ["parsed", "ssa", "rega", "emit", "asm", "load", "loaded"]
    assert set(counts.values()) == {executions}
    bad = ROOT / "tests" / "il" / "bad"
    executions, counts = _stages(plain_jit, [bad / "syntax_error.ssa"], tmp_path)
    assert executions == 1 and counts["parsed"] == counts["asm"] == counts["loaded"] == 0
    executions, counts = _stages(plain_jit, [bad / "undefined_symbol.ssa"], tmp_path)
    assert (counts["parsed"], counts["emit"], counts["load"], counts["loaded"]) == (1, 1, 1, 0)


def test_read_stages(tmp_path):
    p = tmp_path / "s"
    p.write_text("target jit\nexecutions 10\nparsed 5\nemit 2\n")
    assert fuzz.read_stages(p) == (10, {"parsed": 5, "emit": 2})
    assert fuzz.read_stages(tmp_path / "none") == (0, {})
    r = fuzz.FuzzResult("jit", 1.0, stage_executions=10, stages={"parsed": 5, "emit": 2})
    assert r.depth() == "parsed 50.0%, emit 20.0%"


# -- the custom mutator (jit/host/fuzz_mutate.c) ------------------------------

def test_mutator_keeps_il_well_formed(plain_jit, tmp_path):
    """Ten mutants of every program of tests/il, one mutation each: with
    the structure-aware mutator about 80% still compile, load and reach
    the emitter (measured: 304 of 380); with single byte changes alone
    (FUZZ_MUTATE=off) 30% (113 of 380)."""
    good = sorted((ROOT / "tests" / "il").glob("*.ssa"))
    n, custom = _stages(plain_jit, good, tmp_path, reps=10, args=("-m", "1"))
    assert n == 10 * len(good)
    _, plain = _stages(plain_jit, good, tmp_path, reps=10, args=("-m", "1"), FUZZ_MUTATE="off")
    assert custom["emit"] >= 0.7 * n and custom["loaded"] >= 0.7 * n, custom
    assert custom["emit"] >= plain["emit"] + 0.3 * n, (custom, plain)
    # the mutants differ from their seeds and from each other
    out = tmp_path / "mutants"
    out.mkdir()
    _stages(plain_jit, good[:1], tmp_path, reps=20, args=("-m", "5", "-o", str(out)))
    texts = {p.read_bytes() for p in out.iterdir()}
    assert len(texts) >= 15 and good[0].read_bytes() not in texts


def test_plain_replay_without_mutator_refuses_m():
    from jitboot import build
    plain = build.build_programs(["fuzz_asm-plain"])["fuzz_asm-plain"]
    r = subprocess.run([str(plain), "-m", "1", "/dev/null"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == "fuzz-replay: -m: this target has no custom mutator"


# -- the differential target (jit/host/fuzz_diff.c) ---------------------------

def test_diff_agrees_on_the_corpus(fuzzers, tmp_path):
    """Every program of tests/il prints and returns the same with our
    passes and without: each one run and compared."""
    good = sorted((ROOT / "tests" / "il").glob("*.ssa"))
    n, counts = _stages(fuzzers["diff"], good, tmp_path, reps=None)
    assert counts["ran"] == counts["compared"] == len(good), counts
    assert counts["fault"] == counts["timeout"] == counts["unstable"] == 0


def test_diff_fences_faults_and_hangs(fuzzers, tmp_path):
    """tests/il/faults: null and wild accesses, a write to code, a jump
    into data, a division by zero, a stack overflow, loops in the
    program and inside a kernel call: each side's run ends (fault, stack
    overflow or time limit), the process goes on, and none is a finding."""
    faults = sorted((ROOT / "tests" / "il" / "faults").glob("*.ssa"))
    n, counts = _stages(fuzzers["diff"], faults, tmp_path, reps=None)
    assert counts["ran"] == len(faults)
    assert counts["fault"] + counts["timeout"] + counts["overflow"] == len(faults), counts
    assert counts["timeout"] >= 2 and counts["fault"] >= 6 and counts["overflow"] == 1, counts


def test_diff_keeps_only_comparable_inputs(fuzzers, tmp_path):
    """fuzz_diff rejects (libFuzzer's -1) an input that does not compile,
    loops past the time limit or overflows its stack, so that its corpus
    does not fill with them; the campaign's -merge=1 drops them too."""
    il = ROOT / "tests" / "il"
    corpus = tmp_path / "corpus" / "diff"
    corpus.mkdir(parents=True)
    keep = [il / "bit_ops.ssa", il / "faults" / "fault_null.ssa"]
    drop = [il / "faults" / "infinite_loop.ssa", il / "faults" / "fault_stack_overflow.ssa"]
    for p in keep + drop:
        (corpus / p.name).write_bytes(p.read_bytes())
    (corpus / "broken.ssa").write_bytes((il / "bit_ops.ssa").read_bytes()[:-40])
    assert fuzz.merge_corpus("diff", ROOT, tmp_path) == len(keep)
    kept = sorted(p.read_bytes() for p in corpus.iterdir())
    assert kept == sorted(p.read_bytes() for p in keep)


def test_diff_reports_a_mismatch(fuzzers):
    """FUZZ_DIFF_INJECT=1 flips the first output byte of the side with
    passes: the target confirms the difference and aborts with both
    outcomes, and libFuzzer keeps the input as a crash."""
    r = subprocess.run([str(fuzzers["diff"]), *fuzz.TARGET_OPTIONS["diff"],
                        str(ROOT / "tests" / "il" / "hello.ssa")],
                       capture_output=True, text=True, timeout=120,
                       env=dict(fuzz._env("diff"), FUZZ_DIFF_INJECT="1"))
    assert r.returncode != 0
    assert "fuzz_diff: the program's outcome depends on our passes\n" in r.stderr
    assert ("fuzz_diff: passes on: returned 0, 18 bytes of output:\niello from QBE IL\n"
            in r.stderr), r.stderr[-3000:]
    assert "fuzz_diff: passes off: returned 0, 18 bytes of output:\nhello from QBE IL\n" in r.stderr



def test_diff_survives_a_run_that_kills_its_process(fuzzers):
    """The runs happen in a process of their own: FUZZ_DIFF_INJECT=2
    kills the one of the side with passes before its run has ended (as
    a program that broke the harness there would die).  fuzz_diff goes
    on, runs the other side in a new process and reports a fault with
    passes only, confirmed, with the other side's output."""
    r = subprocess.run([str(fuzzers["diff"]), *fuzz.TARGET_OPTIONS["diff"],
                        str(ROOT / "tests" / "il" / "hello.ssa")],
                       capture_output=True, text=True, timeout=120,
                       env=dict(fuzz._env("diff"), FUZZ_DIFF_INJECT="2"))
    assert r.returncode != 0
    assert "fuzz_diff: the program's outcome depends on our passes\n" in r.stderr
    assert "fuzz_diff: passes on: fault 9, 0 bytes of output:" in r.stderr, r.stderr[-3000:]
    assert "fuzz_diff: passes off: returned 0, 18 bytes of output:\nhello from QBE IL\n" in r.stderr


def test_diff_reports_ubsan_in_a_run_but_not_asan(fuzzers):
    """A run's process that ends in UBSan's report (the payload library's
    undefined behaviour on what a program passed; FUZZ_DIFF_INJECT=3
    stands in) is a finding, with the report; one that ends in ASan's
    (here a program that poisons its buffer's shadow and prints it) is
    a fault of its side: the program's doing."""
    r = subprocess.run([str(fuzzers["diff"]), *fuzz.TARGET_OPTIONS["diff"],
                        str(ROOT / "tests" / "il" / "hello.ssa")],
                       capture_output=True, text=True, timeout=120,
                       env=dict(fuzz._env("diff"), FUZZ_DIFF_INJECT="3"))
    assert r.returncode != 0
    assert "fuzz_diff.c: runtime error: injected for the tests\n" in r.stderr, r.stderr[-3000:]
    assert "fuzz_diff: a run's process exited with status 1: UBSan's report" in r.stderr
    r = fuzz.replay("diff", [REGRESSIONS / "diff" / "ub_poisons_asan_shadow.ssa"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert re.search(r"^fuzz-stages: .* fault 1 unstable 0$", r.stderr, re.M), r.stderr[-3000:]


SHORT_PRINTF = """\
data $fmt = { b "%s, %d and %5.*f\\n", b 0 }
data $ok = { b "two %d %d\\n", b 0 }
data $hi = { b "hi", b 0 }
export function w $main(w %argc, l %argv) {
@start
	call $printf(l $ok, ..., w 1, w 2)
	%never =w csltw %argc, 0
	jnz %never, @short, @end
@short
	call $printf(l $fmt, ..., l $hi, w 7, w 3)
@end
	ret 0
}
"""


@pytest.mark.parametrize("short", [True, False], ids=["short", "whole"])
def test_diff_skips_a_printf_call_short_of_arguments(fuzzers, tmp_path, short):
    """A printf whose constant format names more arguments than the call
    passes reads the rest from what the caller left in registers:
    undefined, and not the same with our passes and without. fuzz_diff
    skips a difference in such a program as unstable (here FUZZ_DIFF_INJECT's,
    the short call never runs); with the missing argument passed, the same
    difference is reported."""
    prog = tmp_path / "printf.ssa"
    prog.write_text(SHORT_PRINTF if short else SHORT_PRINTF.replace("w 7, w 3)", "w 7, w 3, d d_1)"))
    r = subprocess.run([str(fuzzers["diff"]), *fuzz.TARGET_OPTIONS["diff"], str(prog)],
                       capture_output=True, text=True, timeout=120,
                       env=dict(fuzz._env("diff"), FUZZ_DIFF_INJECT="1"))
    reported = "fuzz_diff: the program's outcome depends on our passes\n" in r.stderr
    assert reported == (not short) and (r.returncode == 0) == short, r.stderr[-3000:]
    if short:
        assert re.search(r"^fuzz-stages: .* unstable 1$", r.stderr, re.M), r.stderr[-3000:]


# -- campaigns (doit fuzz-campaign) ------------------------------------------

def test_fuzz_campaign_writes_report_and_ledger(fuzzers, tmp_path):
    """A 15-second campaign of all three targets (5 s each) into a
    ledger of its own that already holds one run: the report has every
    target's executions and depth and the ledger's totals add both
    runs up."""
    import json
    ledger = tmp_path / "campaign.json"
    old = {"date": "2026-01-01 00:00 UTC", "cpu": "earlier", "target": "asm", "seconds": 5.0,
           "executions": 1000, "exec_per_s": 200.0, "edges": 1, "features": 1, "corpus": 1,
           "stages": {}, "findings": []}
    fuzz.write_ledger(ledger, [old])
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "fuzz-campaign", f"hours={15 / 3600}",
                           f"ledger={ledger}", f"fuzz_dir={tmp_path / 'work'}", "coverage=0"],
                          capture_output=True, text=True, cwd=ROOT, timeout=400)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    body = json.loads(ledger.read_text())
    runs = body["runs"]
    assert [e["target"] for e in runs] == ["asm", "jit", "asm", "diff"]
    new = {e["target"]: e for e in runs[1:]}
    for t, e in new.items():
        assert e["executions"] > 0 and e["seconds"] > 2, e
        assert e["cpu"] == fuzz.cpu_model()
        m = re.search(rf"^fuzz-campaign {t}: (\d+) executions", out, re.M)
        assert m and int(m.group(1)) == e["executions"], out[-2000:]
    assert set(new["jit"]["stages"]) == {"parsed", "ssa", "rega", "emit", "asm", "load", "loaded"}
    assert 0 < new["jit"]["stages"]["emit"] <= 1
    assert body["totals"]["asm"]["executions"] == 1000 + new["asm"]["executions"]
    assert body["totals"]["asm"]["runs"] == 2
    report = (tmp_path / "work" / "report.md").read_text()
    total = 1000 + new["asm"]["executions"]
    assert f"| asm | 2 | {total} | {100 * total / fuzz.GOAL:.1f}% |" in report
    assert re.search(rf"^\| jit \| \d+ \| {new['jit']['executions']} \|", report, re.M), report
    assert "- jit (" in report and "emit " in report
    assert "Source-line coverage" not in report, "coverage=0 builds no coverage harness"
    assert (tmp_path / "work" / "corpus" / "diff").is_dir()


def test_fuzz_campaign_line_coverage(fuzzers, tmp_path):
    """The report's source-line coverage of jit/ and QBE: the corpus of a
    5-second campaign of the jit target replayed by its coverage build
    (one target, so one coverage build in the test run)."""
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "fuzz-campaign", f"hours={5 / 3600}", "targets=jit",
                           f"ledger={tmp_path / 'campaign.json'}", f"fuzz_dir={tmp_path / 'work'}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    report = (tmp_path / "work" / "report.md").read_text()
    # the corpora's line coverage, from the coverage builds
    m = re.search(r"^\| QBE \(build/qbe-src\) \| (\d+) \| (\d+) \|", report, re.M)
    assert m and 0 < int(m.group(1)) < int(m.group(2)), report
    assert re.search(r"^\| jit/passes \(our passes\) \| [1-9]\d* \|", report, re.M), report


def test_interrupted_campaign_keeps_its_executions(fuzzers, tmp_path):
    """SIGTERM to an hour's campaign once its first target runs: the
    fuzzer is stopped as at its time's end, the ledger keeps its
    executions (marked interrupted), the targets not begun have no
    entry, and doit ends with a one-line error, not a traceback."""
    import json
    import signal
    ledger, work = tmp_path / "campaign.json", tmp_path / "work"
    proc = subprocess.Popen([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                             "-d", str(ROOT), "fuzz-campaign", "hours=1", "targets=asm,jit",
                             f"ledger={ledger}", f"fuzz_dir={work}", "coverage=0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    log = work / "logs" / "asm-0.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and re.search(r"^#\d+\s+(NEW|REDUCE|pulse)", log.read_text(errors="replace"), re.M):
            break
        time.sleep(0.5)
    assert proc.poll() is None, proc.communicate()[0][-3000:]
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0, out[-3000:]
    assert "fuzz-campaign: interrupted" in out and "Traceback" not in out, out[-3000:]
    runs = json.loads(ledger.read_text())["runs"]
    assert [e["target"] for e in runs] == ["asm"], runs
    assert runs[0]["executions"] > 0 and runs[0]["interrupted"] is True, runs[0]
    assert f"asm {runs[0]['executions']} executions" in out, out[-3000:]
    assert not (work / "logs" / "jit-0.log").exists()


def test_a_stuck_fuzzer_is_killed(monkeypatch, tmp_path):
    """A fuzzer whose log and stage file stop changing is killed after
    STALL_SECONDS (a process deadlocked in a sanitizer's report ignores
    libFuzzer's own timeout); one that ends by itself is left alone."""
    monkeypatch.setattr(fuzz, "STALL_SECONDS", 2)
    log = tmp_path / "x.log"
    log.write_text("#1 INITED\n")
    old = time.time() - 60
    os.utime(log, (old, old))
    stuck = subprocess.Popen(["sleep", "120"])
    start = time.monotonic()
    assert fuzz._wait_watching(stuck, 100, (log, tmp_path / "none.stages")) is True
    assert stuck.poll() is not None and time.monotonic() - start < 30
    done = subprocess.Popen(["true"])
    assert fuzz._wait_watching(done, 100, (log,)) is False
    with pytest.raises(subprocess.TimeoutExpired):
        slow = subprocess.Popen(["sleep", "120"])
        log.touch()
        try:
            fuzz._wait_watching(slow, 1, (log,))
        finally:
            slow.kill()
            slow.wait()


def test_a_fuzzer_that_dies_is_a_finding(monkeypatch, tmp_path):
    """A fuzzer killed by a signal without saving an input (a program
    that broke the harness so badly that no handler ran) is a finding
    of its own in a campaign, and the target starts again; `doit fuzz`
    fails saying so.  Before, it passed for a fuzzer that used its time."""
    fake = tmp_path / "fake_fuzzer"
    fake.write_text("#!/bin/sh\necho '#77\tpulse  cov: 5 ft: 6 corp: 1/1b exec/s: 7 rss: 1Mb'\n"
                    "kill -9 $$\n")
    fake.chmod(0o755)
    monkeypatch.setattr(fuzz, "build_fuzzers", lambda root=ROOT: {"asm": fake})
    run = fuzz.campaign_target("asm", 3, ROOT, tmp_path / "work")
    assert [f.kind for f in run.findings] == ["fuzzer died"], run.findings
    assert "killed by signal 9 after 77 executions" in run.findings[0].summary
    assert run.executions == 77
    with pytest.raises(JitbootError, match=r"fuzz asm: the fuzzer died \(killed by signal 9\)"):
        fuzz.run(["asm"], 2, ROOT, work=tmp_path / "work2")
    # one that finds an input it had found before (the file is there
    # already: libFuzzer names it by its hash) found it, it did not die
    found = tmp_path / "work3" / "findings" / "asm" / "crash-1234"
    found.parent.mkdir(parents=True)
    found.write_text("x")
    fake.write_text("#!/bin/sh\necho '#5\tpulse  cov: 5 ft: 6 corp: 1/1b exec/s: 7 rss: 1Mb'\n"
                    f"echo 'Test unit written to {found}'\nexit 1\n")
    again = fuzz.campaign_target("asm", 3, ROOT, tmp_path / "work3")
    assert [(f.kind, f.path) for f in again.findings] == [("crash", found)], again.findings


def test_ledger_totals_add_up():
    runs = [{"target": "jit", "executions": 5, "seconds": 1.5, "findings": []},
            {"target": "jit", "executions": 7, "seconds": 2.0, "findings": [{"file": "x"}]},
            {"target": "diff", "executions": 1, "seconds": 1.0}]
    assert fuzz.ledger_totals(runs) == {
        "jit": {"executions": 12, "seconds": 3.5, "runs": 2, "findings": 1},
        "diff": {"executions": 1, "seconds": 1.0, "runs": 1, "findings": 0}}


def test_bad_ledger_and_arguments_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"runs\": 3}")
    for args, message in ((["hours=0.001", f"ledger={bad}"], f"{bad}: not a fuzz ledger"),
                          (["hours=x"], "hours='x': give a number of hours"),
                          ([], "doit fuzz-campaign needs hours=H"),
                          (["hours=0.001", "targets=jit,nope"], "unknown fuzz target 'nope'")):
        proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                               "-d", str(ROOT), "fuzz-campaign", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert proc.returncode != 0
        assert message in proc.stdout + proc.stderr, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr


def test_classify_finding():
    assert fuzz.classify_finding("fuzz_diff: the program's outcome depends on our passes\n"
                                 "fuzz_diff: passes on: returned 0\n")[0] == "diff mismatch"
    kind, summary = fuzz.classify_finding(
        "x.c:3:4: runtime error: signed integer overflow\nSUMMARY: UndefinedBehaviorSanitizer\n")
    assert kind == "sanitizer report (UBSan)" and summary.startswith("x.c:3:4: runtime error")
    assert fuzz.classify_finding("==1== ERROR: libFuzzer: timeout after 11 seconds\n")[0] \
        == "hang > 10 s"
