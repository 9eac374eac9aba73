"""QBE's arm64 output, ahead of time, under qemu-user (jitboot.arch).

Every program of the IL corpus (tests/il/NAME.ssa) is compiled for arm64
twice: by the qbe command of the JIT's QBE tree (build/host/qbe -t arm64)
and by the JIT's own pipeline with our passes (jitrun --target=arm64 -S).
aarch64-linux-gnu-gcc assembles and links each into a static program,
qemu-aarch64 runs it, and it must print the program's expectation for
aarch64 (NAME.aarch64.out where the architectures differ by definition,
else NAME.out) and exit 0. With our passes off, the JIT pipeline's arm64
assembly is the qbe command's, as for amd64 (tests/test_jitrun.py).
"""

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from jitboot import ROOT, arch
from jitboot.errors import JitbootError

IL = ROOT / "tests" / "il"
PROGRAMS = sorted(p for p in IL.glob("*.ssa") if p.with_suffix(".out").exists())
AARCH64 = arch.get("aarch64")
COMPILERS = ("qbe", "jit")
WORKERS = 2          # the machine is shared: two programs at a time
TIMEOUT = 20


def compile_command(compiler: str, tools: dict, ssa: Path, asm: Path) -> list[str]:
    if compiler == "qbe":
        return [str(tools["qbe"]), "-t", AARCH64.qbe_target, "-o", str(asm), str(ssa)]
    return [str(tools["jitrun"]), f"--target={AARCH64.qbe_target}", "-S", str(ssa)]


def build_and_run(compiler: str, tools: dict, ssa: Path, work: Path) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ssa compiled by compiler, run under
    qemu-aarch64; a failure to compile or link is reported as status -1."""
    asm = work / f"{ssa.stem}.{compiler}.s"
    exe = work / f"{ssa.stem}.{compiler}"
    cc = subprocess.run(compile_command(compiler, tools, ssa, asm), capture_output=True,
                        text=True, timeout=TIMEOUT)
    if cc.returncode != 0:
        return -1, "", f"{compiler}: {cc.stderr}"
    if compiler == "jit":
        asm.write_text(cc.stdout)
    try:
        arch.aot_build(asm, exe, AARCH64)
        r = arch.run_user(exe, AARCH64, TIMEOUT)
    except JitbootError as e:
        return -1, "", str(e)
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope="module")
def results(host_tools, tmp_path_factory):
    """{(compiler, program name): (status, stdout, stderr)} for the corpus."""
    try:
        for t in ("gcc", "as"):
            arch.tool(AARCH64, t)
        arch.require(AARCH64, AARCH64.qemu_user)
    except JitbootError as e:
        pytest.fail(f"{e} (ci/setup.sh installs it)")
    work = tmp_path_factory.mktemp("arm64")
    jobs = [(c, p) for c in COMPILERS for p in PROGRAMS]
    with ThreadPoolExecutor(WORKERS) as pool:
        out = pool.map(lambda j: build_and_run(j[0], host_tools, j[1], work), jobs)
        return {(c, p.stem): r for (c, p), r in zip(jobs, out)}


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("ssa", PROGRAMS, ids=lambda p: p.stem)
def test_corpus_under_qemu_aarch64(results, compiler, ssa):
    status, stdout, stderr = results[(compiler, ssa.stem)]
    assert status == 0, stderr
    assert stdout == arch.expected_output(ssa, AARCH64).read_text()


@pytest.mark.parametrize("ssa", PROGRAMS, ids=lambda p: p.stem)
def test_jit_pipeline_without_passes_is_qbe(host_tools, ssa):
    ours = subprocess.run([str(host_tools["jitrun"]), "--passes=none", "--target=arm64", "-S",
                           str(ssa)], capture_output=True, text=True, timeout=TIMEOUT)
    ref = subprocess.run([str(host_tools["qbe"]), "-t", "arm64", str(ssa)],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert ours.returncode == 0 and ref.returncode == 0, ours.stderr + ref.stderr
    assert ours.stdout == ref.stdout


def test_target_option_errors(host_tools):
    jitrun = str(host_tools["jitrun"])
    prog = str(PROGRAMS[0])
    r = subprocess.run([jitrun, "--target=riscv", "-S", prog], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (
        2, "jitrun: unknown target in --target=riscv (known: amd64_sysv, arm64)\n")
    r = subprocess.run([jitrun, "--target=arm64", prog], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (
        2, "jitrun: --target=arm64 needs -S (only amd64 code runs here)\n")


def test_amd64_only_passes_stay_off_for_arm64(host_tools):
    """The switch corpus program gets a jump table (amd64's `jmp *`) from
    the switch pass on amd64; for arm64 the pass does not run, and the
    arm64 emitter, which has no jmptbl, is never handed one."""
    ssa = str(IL / "switch_chain.ssa")
    jitrun = str(host_tools["jitrun"])
    amd = subprocess.run([jitrun, "-S", ssa], capture_output=True, text=True, check=True)
    arm = subprocess.run([jitrun, "--target=arm64", "-S", ssa], capture_output=True, text=True,
                         check=True)
    assert "jmp *" in amd.stdout
    assert "br\t" not in arm.stdout and "\tb\t" in arm.stdout


def test_expected_output_prefers_the_architectures_own(tmp_path):
    ssa = tmp_path / "p.ssa"
    (tmp_path / "p.out").write_text("x86\n")
    assert arch.expected_output(ssa, AARCH64) == tmp_path / "p.out"
    (tmp_path / "p.aarch64.out").write_text("arm\n")
    assert arch.expected_output(ssa, AARCH64) == tmp_path / "p.aarch64.out"
    assert arch.expected_output(ssa, arch.get("x86_64")) == tmp_path / "p.out"


def test_unknown_architecture_is_one_line():
    with pytest.raises(JitbootError, match=r"^unknown architecture 'riscv64' \(known: x86_64, aarch64\)$"):
        arch.get("riscv64")
