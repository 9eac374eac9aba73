"""The JIT on arm64: jitrun cross-built for aarch64 (build/host-aarch64/jitrun)
under qemu-aarch64, compiling natively: QBE's arm64 backend, our AArch64
assembler (jit/asm_a64/), the loader's AArch64 relocations, then a call.

The IL corpus with our passes on and off, and the C corpus (the C front
door for clang's aarch64 triple, -O0 and -O2, libm too) must print their
aarch64 expectations (test_arm64_aot's corpus and ARCH_DIFFERENCES) and
exit 0. The host arena sits 40-56 MiB above jitrun's text
(platform_host.c), within b/bl's 128 MiB of every export it calls;
`jitrun --far-arena` puts it out of reach, for the loader's range error.
"""

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from jitboot import ROOT, arch, build
from jitboot.errors import JitbootError
from test_arm64_aot import AARCH64, C, C_OPTS, IL, PROGRAMS

# jitrun-aarch64 links our libm, so tests/c/libm.c runs here too.
C_ALL = sorted(p for p in C.glob("*.c") if p.with_suffix(".out").exists())

PASSES = ("all", "none")
WORKERS = 2
TIMEOUT = 30


@pytest.fixture(scope="module")
def jitrun_a64():
    try:
        arch.require(AARCH64, AARCH64.qemu_user)
        return build.build_programs(["jitrun-aarch64"], ROOT)["jitrun-aarch64"]
    except JitbootError as e:
        pytest.fail(f"{e} (ci/setup.sh installs the aarch64 cross tools and qemu-user)")


def run(jitrun: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(arch.user_command(jitrun, AARCH64, args), capture_output=True,
                          text=True, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def results(jitrun_a64, tmp_path_factory):
    """{(program, opt or "il", passes): (status, stdout, stderr)}"""
    work = tmp_path_factory.mktemp("jit-a64")

    def c_job(job):
        src, opt = job
        ssa = work / f"{src.stem}{opt}.ssa"
        try:
            ssa.write_text(arch.c_to_il(src, AARCH64, opt))
        except JitbootError as e:
            return [(-1, "", f"translating: {e}")] * len(PASSES)
        return [il_job(ssa, p) for p in PASSES]

    def il_job(ssa, passes):
        r = run(jitrun_a64, f"--passes={passes}", str(ssa))
        return r.returncode, r.stdout, r.stderr

    with ThreadPoolExecutor(WORKERS) as pool:
        il = [(p, passes) for p in PROGRAMS for passes in PASSES]
        out = {(p.stem, "il", passes): r
               for (p, passes), r in zip(il, pool.map(lambda j: il_job(*j), il))}
        cs = [(c, o) for c in C_ALL for o in C_OPTS]
        for (c, o), rs in zip(cs, pool.map(c_job, cs)):
            out.update({(c.stem, o, passes): r for passes, r in zip(PASSES, rs)})
    return out


@pytest.mark.parametrize("passes", PASSES)
@pytest.mark.parametrize("ssa", PROGRAMS, ids=lambda p: p.stem)
def test_il_corpus_through_the_arm64_jit(results, ssa, passes):
    status, stdout, stderr = results[(ssa.stem, "il", passes)]
    assert status == 0, stderr
    assert stdout == arch.expected_output(ssa, AARCH64).read_text()


@pytest.mark.parametrize("passes", PASSES)
@pytest.mark.parametrize("opt", C_OPTS)
@pytest.mark.parametrize("c", C_ALL, ids=lambda p: p.stem)
def test_c_corpus_through_the_arm64_jit(results, c, opt, passes):
    status, stdout, stderr = results[(c.stem, opt, passes)]
    assert status == 0, stderr
    assert stdout == arch.expected_output(c, AARCH64).read_text()


def test_only_the_native_target_runs(jitrun_a64):
    r = run(jitrun_a64, "--target=amd64_sysv", str(IL / "hello.ssa"))
    assert (r.returncode, r.stderr) == (
        2, "jitrun: --target=amd64_sysv needs -S (only arm64 code runs here)\n")
    r = run(jitrun_a64, "--target=arm64", str(IL / "hello.ssa"))
    assert (r.returncode, r.stdout) == (0, (IL / "hello.out").read_text())


def test_undefined_export_is_one_line(jitrun_a64, tmp_path):
    prog = tmp_path / "undef.ssa"
    prog.write_text("export function w $main() {\n@start\n"
                    "\t%r =w call $no_such_export()\n\tret %r\n}\n")
    r = run(jitrun_a64, str(prog))
    assert (r.returncode, r.stderr) == (2, f"{prog}:3: undefined symbol 'no_such_export'\n")


def test_a_call_out_of_bl_range_is_one_line(jitrun_a64):
    """--far-arena puts the arena 8 GiB from the program: puts is out of
    a bl's +-128 MiB, and the loader says so instead of branching wild."""
    r = run(jitrun_a64, "--far-arena", str(IL / "hello.ssa"))
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == (f"{IL / 'hello.ssa'}:0: call out of +-128 MiB range "
                        "(place the JIT arena near the kernel) to 'puts'\n")


def test_the_payload_library_on_arm64_prints_what_glibc_prints(jitrun_a64, tmp_path, opt="-O2"):
    """tests/libc/each.c calls every function of the payload library
    (setjmp/longjmp's AArch64 register save, qsort's callbacks, the printf
    family's variadic tails under the AAPCS64): through the arm64 JIT it
    prints what a native gcc build against glibc prints (at -O2: the C
    corpus above covers -O0's translation)."""
    libc = ROOT / "tests" / "libc"
    exe = tmp_path / "each"
    subprocess.run(["gcc", "-O1", "-w", str(libc / "each.c"), "-o", str(exe)], check=True)
    native = subprocess.run([str(exe)], cwd=libc, capture_output=True, check=True).stdout
    ssa = tmp_path / f"each{opt}.ssa"
    ssa.write_text(arch.c_to_il(libc / "each.c", AARCH64, opt))
    r = subprocess.run(arch.user_command(jitrun_a64, AARCH64, [str(ssa)]), cwd=libc,
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == native
