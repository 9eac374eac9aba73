"""The JIT inside the aarch64 kernel: the IL corpus as payloads on QEMU virt.

As tests/test_kernel_jit.py does on x86-64, the whole corpus runs in one
boot, the programs travelling as fw_cfg files (there is no multiboot
loader on virt); each program's output, decoded from its frames on the
PL011, must equal its expected output byte for byte: NAME.aarch64.out
where the architectures differ by definition (jitboot.arch.expected_output),
else the shared NAME.out.
"""

import shutil

import pytest

from jitboot import ROOT, arch, protocol, qemu

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None
                                or shutil.which("aarch64-linux-gnu-gcc") is None,
                                reason="needs qemu-system-arm and gcc-aarch64-linux-gnu "
                                       "(ci/setup.sh installs them)")

CORPUS = sorted((ROOT / "tests" / "il").glob("*.ssa"))
AARCH64 = arch.get("aarch64")


@pytest.fixture(scope="module")
def corpus_run(image_builder, tmp_path_factory):
    image = image_builder("aarch64")
    return qemu.run_image(kernel=image.boot_kernel, modules=CORPUS, arch="aarch64",
                          memory=image.recipe.memory, accel="tcg", timeout=240,
                          log_dir=tmp_path_factory.mktemp("corpus-aarch64"))


def test_corpus_boot_passes(corpus_run):
    assert len(CORPUS) >= 30
    assert corpus_run.outcome == qemu.Outcome.PASS, corpus_run.reason
    assert len(protocol.payload_results(corpus_run.ktap.tests)) == len(CORPUS)


@pytest.mark.parametrize("ssa", CORPUS, ids=lambda p: p.stem)
def test_corpus_program_output_in_the_aarch64_kernel(corpus_run, ssa):
    test = protocol.payload_results(corpus_run.ktap.tests)[ssa.name]
    assert test.output().data == arch.expected_output(ssa, AARCH64).read_bytes()


C_CORPUS = sorted((ROOT / "tests" / "c").glob("*.c"))


@pytest.fixture(scope="module")
def c_corpus_run(image_builder, tmp_path_factory):
    """The C corpus at -O2 as an aarch64 recipe's C payloads are made
    (payloads.translate for the recipe's arch: clang's aarch64 triple, so
    va_list, plain char and struct passing are the AAPCS64's), one boot."""
    from jitboot import payloads
    image = image_builder("aarch64")
    work = tmp_path_factory.mktemp("c-aarch64")
    mods = []
    for c in C_CORPUS:
        il = work / f"{c.stem}.ssa"
        il.write_text(payloads.translate([c], "-O2", "aarch64"))
        mods.append(il)
    return qemu.run_image(kernel=image.boot_kernel, modules=mods, arch="aarch64",
                          memory=image.recipe.memory, accel="tcg", timeout=300,
                          log_dir=work / "logs")


def test_c_corpus_in_the_aarch64_kernel(c_corpus_run):
    results = protocol.payload_results(c_corpus_run.ktap.tests)
    wrong = [c.stem for c in C_CORPUS
             if (t := results.get(f"{c.stem}.ssa")) is None or t.status.name != "OK"
             or t.output().data != arch.expected_output(c, AARCH64).read_bytes()]
    assert wrong == [], f"{len(wrong)} of {len(C_CORPUS)} differ in the aarch64 kernel: {wrong}"
    assert c_corpus_run.outcome == qemu.Outcome.PASS, c_corpus_run.reason


def test_an_aarch64_recipe_translates_its_c_for_aarch64(tmp_path):
    """A C payload of an aarch64 recipe is compiled for clang's aarch64
    triple: a variadic function's va_list is the AAPCS64's (32 bytes, its
    stack pointer first), not x86-64's (24 bytes, gp_offset first)."""
    from jitboot import payloads
    from jitboot.recipe import check_payloads
    src = ROOT / "tests" / "c" / "varargs_own.c"
    (p,) = check_payloads([str(src)], ROOT, il_dir=tmp_path, arch="aarch64")
    assert p.arch == "aarch64"
    a64 = payloads.translate(p.sources, "-O2", p.arch)
    x86 = payloads.translate(p.sources, "-O2")
    assert "alloc8 32\n\tdbgloc 9\n\tvastart" in a64.replace("@b1\n", "")
    assert "alloc16 24\n\tdbgloc 9\n\tvastart" in x86.replace("@b1\n", "")
    assert a64 == arch.c_to_il(src, AARCH64, "-O2")
