"""The IL corpus (tests/il) checked against the reference: stock QBE + gcc.

Every tests/il/NAME.ssa is compiled with stock qbe (as published, without
our emitter patches: build/host/stock/qbe), assembled and linked by gcc and
run; its stdout must equal NAME.out. Every tests/il/bad/NAME.ssa
must be rejected by qbe or the linker with a message containing NAME.err,
except the few inputs only our JIT refuses (JIT_ONLY). This checks the
corpus itself; the JIT tests run the same files through our JIT.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from jitboot import ROOT, arch

IL = ROOT / "tests" / "il"
PROGRAMS = sorted(IL.glob("*.ssa"))
BAD = sorted((IL / "bad").glob("*.ssa"))
MIN_PROGRAMS = 30
# Valid for stock QBE and a Linux link, but outside what the JIT supports.
JIT_ONLY = {"thread_local", "minus_letter"}   # minus_letter: stock QBE reads `-s` as -67
TIMEOUT = 10


@pytest.fixture(scope="session")
def stock_qbe(unpatched_qbe):
    """QBE as published (without our emitter patches), so the expected
    outputs do not depend on the code the JIT generates."""
    if shutil.which("gcc") is None:
        pytest.fail("gcc not found: the corpus reference needs the host gcc")
    return unpatched_qbe


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True,
                          timeout=TIMEOUT, **kw)


def qbe_compile(qbe, ssa: Path, asm: Path):
    return run([qbe, "-t", "amd64_sysv", "-o", asm, ssa], cwd=ssa.parent)


def link(asm: Path, exe: Path):
    return run(["gcc", "-no-pie", asm, "-o", exe])


def test_corpus_is_complete():
    names = {p.stem for p in PROGRAMS}
    outs = {p.stem for p in IL.glob("*.out") if "." not in p.stem}
    for own in IL.glob("*.*.out"):       # NAME.<arch>.out: jitboot.arch.expected_output
        name, arch_name = own.stem.split(".", 1)
        assert name in names and arch_name in arch.ARCHES, f"{own.name}: no {name}.ssa or arch"
    assert len(names) >= MIN_PROGRAMS, f"only {len(names)} programs in {IL}"
    assert names == outs, f"without .out: {sorted(names - outs)}, " \
                          f"without .ssa: {sorted(outs - names)}"
    for p in PROGRAMS:
        assert "export function w $main(" in p.read_text(), f"{p.name}: no exported $main"
    for p in BAD:
        err = p.with_suffix(".err")
        assert err.is_file(), f"{p.name}: no {err.name}"
        lines = err.read_text().splitlines()
        assert len(lines) == 1 and lines[0].strip(), f"{err.name}: want one non-empty line"


@pytest.mark.parametrize("ssa", PROGRAMS, ids=lambda p: p.stem)
def test_program_matches_reference(stock_qbe, ssa, tmp_path):
    asm, exe = tmp_path / f"{ssa.stem}.s", tmp_path / ssa.stem
    r = qbe_compile(stock_qbe, ssa, asm)
    assert r.returncode == 0, f"{ssa.name}: qbe failed: {r.stderr.decode()}"
    r = link(asm, exe)
    assert r.returncode == 0, f"{ssa.name}: gcc failed: {r.stderr.decode()}"
    r = run([exe])
    assert r.returncode == 0, f"{ssa.name}: exit status {r.returncode}"
    want = ssa.with_suffix(".out").read_text()
    assert r.stdout.decode() == want


@pytest.mark.parametrize("ssa", BAD, ids=lambda p: p.stem)
def test_bad_input_is_rejected(stock_qbe, ssa, tmp_path):
    want = ssa.with_suffix(".err").read_text().strip()
    asm, exe = tmp_path / f"{ssa.stem}.s", tmp_path / ssa.stem
    r = qbe_compile(stock_qbe, ssa, asm)
    if r.returncode == 0:
        r = link(asm, exe)
    if ssa.stem in JIT_ONLY:
        assert r.returncode == 0, f"{ssa.name}: meant to be valid outside the JIT: " \
                                  f"{r.stderr.decode()}"
        return
    assert r.returncode != 0, f"{ssa.name}: accepted by qbe and the linker"
    assert want in r.stderr.decode(errors="replace")
