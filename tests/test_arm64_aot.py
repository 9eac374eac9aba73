"""QBE's arm64 output, ahead of time, under qemu-user (jitboot.arch).

Every program of the IL corpus (tests/il/NAME.ssa) is compiled for arm64
twice: by the qbe command of the JIT's QBE tree (build/host/qbe -t arm64)
and by the JIT's own pipeline with our passes (jitrun --target=arm64 -S).
The C corpus (tests/c/NAME.c) goes through the C front door for clang's
aarch64 triple, at -O0 and -O2, then the JIT pipeline. aarch64-linux-gnu-gcc
assembles and links each into a static program, qemu-aarch64 runs it,
and it must print the program's expectation for aarch64 (NAME.aarch64.out
where the architectures differ by definition, ARCH_DIFFERENCES, else
NAME.out) and exit 0. With our passes off, the JIT pipeline's arm64
assembly is the qbe command's, as for amd64 (tests/test_jitrun.py).
"""

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from jitboot import ROOT, arch, paths
from jitboot.errors import JitbootError

IL = ROOT / "tests" / "il"
C = ROOT / "tests" / "c"
PROGRAMS = sorted(p for p in IL.glob("*.ssa") if p.with_suffix(".out").exists())
AARCH64 = arch.get("aarch64")
COMPILERS = ("qbe", "jit")

# Why each NAME.aarch64.out exists: what the architectures define differently.
ARCH_DIFFERENCES = {
    IL / "float_to_int_range.ssa": "out-of-range float-to-integer conversions saturate "
                                   "on arm64 (NaN gives 0); amd64 gives the lowest integer",
    C / "printf_mixed.c": "plain char is unsigned in the AAPCS64 (char c = -3 prints 253)",
    C / "libm.c": "the default NaN an operation makes is positive on arm64 (7ff8...), "
                  "negative on x86-64 (fff8...); every other bit of our libm is the same "
                  "(tests/test_jitrun_a64.py runs it: jitrun-aarch64 links our libm)",
    C / "floats.c": "the default NaN (inf - inf) has the sign bit clear on arm64, set on "
                    "x86-64; QBE's constant folding makes the target's (jitboot/qbe.py)",
}
# C programs the ahead-of-time builds do not run, and why.
C_NOT_YET = {
    "libm": "it prints the bits of our libm (kernel_lib/libm); a program linked by "
            "gcc -static gets glibc's, and the output would test glibc (jitrun-aarch64 "
            "links ours: tests/test_jitrun_a64.py runs it)",
}
C_PROGRAMS = sorted(p for p in C.glob("*.c")
                    if p.with_suffix(".out").exists() and p.stem not in C_NOT_YET)
C_OPTS = ("-O0", "-O2")
WORKERS = 2          # the machine is shared: two programs at a time
TIMEOUT = 20


def compile_command(compiler: str, tools: dict, ssa: Path, asm: Path) -> list[str]:
    if compiler == "qbe":
        return [str(tools["qbe"]), "-t", AARCH64.qbe_target, "-o", str(asm), str(ssa)]
    return [str(tools["jitrun"]), f"--target={AARCH64.qbe_target}", "-S", str(ssa)]


def build_and_run(compiler: str, tools: dict, src: Path, work: Path) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of src compiled by compiler ("qbe",
    "jit", or "jit-O0"/"jit-O2" for C), run under qemu-aarch64; a failure
    to compile or link is reported as status -1."""
    asm = work / f"{src.stem}.{compiler}.s"
    exe = work / f"{src.stem}.{compiler}"
    ssa = src
    if src.suffix == ".c":
        ssa = work / f"{src.stem}.{compiler}.ssa"
        try:
            ssa.write_text(arch.c_to_il(src, AARCH64, compiler[len("jit"):]))
        except JitbootError as e:
            return -1, "", f"translating: {e}"
        compiler = "jit"
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
    jobs += [(f"jit{o}", p) for o in C_OPTS for p in C_PROGRAMS]
    with ThreadPoolExecutor(WORKERS) as pool:
        out = pool.map(lambda j: build_and_run(j[0], host_tools, j[1], work), jobs)
        return {(c, p.stem): r for (c, p), r in zip(jobs, out)}


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("ssa", PROGRAMS, ids=lambda p: p.stem)
def test_corpus_under_qemu_aarch64(results, compiler, ssa):
    status, stdout, stderr = results[(compiler, ssa.stem)]
    assert status == 0, stderr
    assert stdout == arch.expected_output(ssa, AARCH64).read_text()


@pytest.mark.parametrize("opt", C_OPTS)
@pytest.mark.parametrize("c", C_PROGRAMS, ids=lambda p: p.stem)
def test_c_corpus_under_qemu_aarch64(results, opt, c):
    status, stdout, stderr = results[(f"jit{opt}", c.stem)]
    assert status == 0, stderr
    assert stdout == arch.expected_output(c, AARCH64).read_text()


def test_every_architecture_expectation_says_why():
    owns = {p.with_name(p.name.replace(".aarch64.out", "")) for d in (IL, C)
            for p in d.glob("*.aarch64.out")}
    sources = {p.with_suffix("") for p in ARCH_DIFFERENCES}
    assert owns == sources
    for src in ARCH_DIFFERENCES:
        assert src.exists()
        assert arch.expected_output(src, AARCH64).read_text() != src.with_suffix(".out").read_text()


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


def test_aot_run_prints_the_output_and_reports_a_failing_exit(host_tools, tmp_path, capsys):
    """`doit aot-run arch=aarch64 src=...` (arch.aot_run): IL and C."""
    build_dir = paths.build_dir(ROOT)
    arch.aot_run([str(IL / "hello.ssa"), str(C / "printf_mixed.c")], "aarch64", build_dir)
    assert capsys.readouterr().out == ((IL / "hello.out").read_text()
                                       + (C / "printf_mixed.aarch64.out").read_text())
    three = tmp_path / "three.ssa"
    three.write_text("export function w $main() {\n@start\n\tret 3\n}\n")
    with pytest.raises(JitbootError, match=rf"^{three}: exit status 3 under qemu-aarch64$"):
        arch.aot_run([str(three)], "aarch64", build_dir)
    with pytest.raises(JitbootError, match=r"^src=x\.txt: give an existing \.ssa or \.c file$"):
        arch.aot_run(["x.txt"], "aarch64", build_dir)
