"""The JIT inside the kernel: the IL corpus and bad inputs as multiboot payloads.

The whole corpus runs in one boot (every program is a module); each
program's output, decoded from its frames on the serial port, must equal
its expected .out file byte for byte.  Bad inputs must be reported with
FILE:LINE and must not stop the kernel from running the modules after them.
"""

import subprocess
import sys

import pytest

from jitboot import ROOT, protocol, qemu, runner

IL = ROOT / "tests" / "il"
CORPUS = sorted(IL.glob("*.ssa"))
BAD = sorted((IL / "bad").glob("*.ssa"))


def boot_with(image, modules, tmp_path, timeout=120):
    return qemu.run_image(kernel=image.elf32, modules=modules, memory=image.recipe.memory,
                          accel="tcg", timeout=timeout, log_dir=tmp_path)


def payloads(result):
    return protocol.payload_results(result.ktap.tests)


@pytest.fixture(scope="module")
def corpus_run(image_builder, tmp_path_factory):
    image = image_builder("default")
    return boot_with(image, CORPUS, tmp_path_factory.mktemp("corpus"))


def test_corpus_boot_passes(corpus_run):
    assert len(CORPUS) >= 30
    assert corpus_run.outcome == qemu.Outcome.PASS, corpus_run.reason
    assert len(payloads(corpus_run)) == len(CORPUS)


@pytest.mark.parametrize("ssa", CORPUS, ids=lambda p: p.stem)
def test_corpus_program_output_in_kernel(corpus_run, ssa):
    test = payloads(corpus_run)[ssa.name]
    assert test.output().data == ssa.with_suffix(".out").read_bytes()     # byte for byte


@pytest.fixture(scope="module")
def bad_run(image_builder, tmp_path_factory):
    image = image_builder("default")
    # a good module after each bad one shows that the kernel keeps going
    hello = IL / "hello.ssa"
    modules = []
    for bad in BAD:
        modules.append(bad)
    modules.append(hello)
    return boot_with(image, modules, tmp_path_factory.mktemp("bad"))


def test_bad_inputs_fail_the_run_but_not_the_kernel(bad_run):
    assert bad_run.outcome == qemu.Outcome.TEST_FAILURE, bad_run.reason
    assert bad_run.exit_code == qemu.EXIT_FAIL
    runs = payloads(bad_run)
    assert runs["hello.ssa"].status.name == "OK"
    assert runs["hello.ssa"].program_output() == ["hello from QBE IL"]


@pytest.mark.parametrize("ssa", BAD, ids=lambda p: p.stem)
def test_bad_input_reported_in_kernel(bad_run, ssa):
    test = payloads(bad_run)[ssa.name]
    assert test.status.name == "NOT_OK"
    serial = bad_run.serial_log.read_text(errors="replace")
    name = protocol.payload_test_name(ssa.name)
    block = serial[serial.index(f"{protocol.KTAP_SUBTEST}{name}"):]
    block = block[:block.index(f"{name}\n", 30)]
    expected = ssa.with_suffix(".err").read_text().strip()
    if expected.startswith(":"):       # QBE's own message, at QBE's line
        assert f"{ssa.name}{expected}" in block, block
    else:                              # found by our assembler or loader
        assert expected in block, block


def test_doit_jit_run_prints_program_output(image_builder):
    image_builder("default")
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "jit-run",
                           f"il={IL / 'hello.ssa'},{IL / 'int_arith.ssa'}"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "hello from QBE IL" in proc.stdout
    for line in (IL / "int_arith.out").read_text().splitlines():
        assert line in proc.stdout


def test_doit_jit_run_reports_compile_error(image_builder):
    image_builder("default")
    bad = IL / "bad" / "syntax_error.ssa"
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "jit-run", f"il={bad}"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "syntax_error.ssa:" in proc.stdout


def test_payloads_from_recipe_boot_from_iso(image_builder, tmp_path):
    image = image_builder("demo")
    result = qemu.run_image(iso=image.iso, memory=image.recipe.memory, accel="tcg",
                            timeout=120, log_dir=tmp_path)
    assert result.outcome == qemu.Outcome.PASS, result.reason
    runs = payloads(result)
    assert set(runs) == {p.name for p in image.recipe.payloads}
    for p in image.recipe.payloads:
        assert runs[p.name].program_output() == \
            (IL / p.name).with_suffix(".out").read_text().splitlines()


def test_front_end_api_in_the_kernel(image_builder):
    """KTEST(jit_frontend): module B calls module A's function and data, a
    kernel function a resolver gives (aot_fib, not exported) and one of an
    extra table; A is not released while B holds it; an undefined symbol
    is named in err.symbol; the heap ends as it began."""
    image = image_builder("tests/images/frontend.toml")
    run = runner.boot(image, "kernel", accel="tcg")
    assert run.outcome == qemu.Outcome.PASS, run.reason
    [test] = run.ktap.tests
    assert test.name == "jit_frontend" and test.status.name == "OK"
    assert [c.name for c in test.subtests] == [
        "compile lib.ssa",
        "compile prog.ssa against lib.ssa",
        "the resolver is asked for kfib alone",
        "compute(4) == kfib(lib_square(4)) + 1000 + lib_count == 1988",
        "lib.ssa is not released while prog.ssa holds it",
        "lib.ssa still runs: compute(4) == 1989",
        "prog.ssa released",
        "lib.ssa released after prog.ssa",
        "an undefined symbol is in err.symbol",
        "the heap is as it was",
    ]
    assert all(c.status.name == "OK" for c in test.subtests)
