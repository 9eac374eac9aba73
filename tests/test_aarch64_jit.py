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
