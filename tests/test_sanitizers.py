"""The host twin under AddressSanitizer and UndefinedBehaviorSanitizer:
build/host-asan/jitrun (clang -fsanitize=address,undefined, no recovery)
runs the whole IL corpus with the expected output and not one report.

The loader needs every export within +-2 GiB of the JIT arena.  ASan
interposes malloc, printf, memcpy, ...; clang links its runtime into the
executable, so those interceptors are jitrun's own functions, near its
text (-no-pie), like the rest: the corpus passing here shows it.
"""

import os
import subprocess

import pytest

from jitboot import ROOT, fuzz
from jitboot.errors import JitbootError

IL = ROOT / "tests" / "il"
CORPUS = sorted(IL.glob("*.ssa"))
BAD = sorted((IL / "bad").glob("*.ssa"))
REPORTS = ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer")


@pytest.fixture(scope="module")
def jitrun():
    try:
        return fuzz.build_asan_jitrun()
    except JitbootError as e:
        if "clang" in str(e) and ("not found" in str(e) or "cannot link" in str(e)):
            pytest.skip(str(e))
        raise


def run(jitrun, *args):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    return subprocess.run([str(jitrun), *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=60)


def no_reports(r):
    return not any(s in r.stderr for s in REPORTS)


@pytest.mark.parametrize("ssa", CORPUS, ids=lambda p: p.stem)
def test_corpus_under_sanitizers(jitrun, ssa):
    r = run(jitrun, ssa)
    assert no_reports(r), r.stderr
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ssa.with_suffix(".out").read_text().splitlines()


@pytest.mark.parametrize("ssa", BAD, ids=lambda p: p.stem)
def test_bad_inputs_under_sanitizers(jitrun, ssa):
    """Rejected cleanly, and compile/release cycles of a failing compile
    leak nothing (LeakSanitizer and jitrun's own heap accounting)."""
    r = run(jitrun, "-S", ssa)
    assert no_reports(r), r.stderr
    r = run(jitrun, ssa)                  # the plain run, error path included
    assert no_reports(r), r.stderr
    assert r.returncode == 2, r.stdout + r.stderr
    r = run(jitrun, "--cycles", "2", ssa)
    assert no_reports(r), r.stderr
    assert r.returncode == 0, r.stdout + r.stderr
    assert (" errors 0 " if ssa.stem == "empty" else " errors 3 ") in r.stdout  # no main: loads


def test_sanitizers_catch_a_bug(jitrun, tmp_path):
    """The build really is sanitized: a use of freed memory in a JIT'd
    program that calls free (through the interposed export) is reported."""
    prog = tmp_path / "uaf.ssa"
    prog.write_text("export function w $main(w %argc, l %argv) {\n@start\n"
                    "\t%p =l call $malloc(l 16)\n\tcall $free(l %p)\n"
                    "\tcall $free(l %p)\n\tret 0\n}\n")
    r = run(jitrun, prog)
    assert r.returncode != 0
    assert "attempting double-free" in r.stderr
