"""The payload library (jit/libc/): against glibc on the host, and the same
programs in the kernel and under jitrun with the same output.

tests/host/libc_vs_glibc.c links the library's objects (every function is
lc_NAME, so glibc's stay beside them) and compares each function with
glibc's on edge cases and random inputs.  Then C and IL payloads using
stdout, stderr, fprintf, fopen on a data file, argv, exit(3) and abort()
run in one kernel boot (the data file and the arguments as multiboot
modules) and under jitrun, and must print the same bytes.
"""
import shutil
import subprocess

import pytest

from jitboot import ROOT, ktap, payloads, protocol, qemu, render, runner
from jitboot.errors import JitbootError
from jitboot.recipe import check_data, default_recipe

HARNESS = ROOT / "tests" / "host" / "libc_vs_glibc.c"
PROGS = ROOT / "tests" / "libc"
DATA = PROGS / "input.txt"
ARGS = ["a", "b c"]


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if not shutil.which("gcc"):
        pytest.skip("gcc not found")
    exe = tmp_path_factory.mktemp("libc") / "libc_vs_glibc"
    srcs = sorted((ROOT / "jit" / "libc").glob("*.c")) + [
        ROOT / "jit" / "shim" / "strtod.c", ROOT / "jit" / "host" / "libc_host.c"]
    subprocess.run(["gcc", "-O2", "-g", "-w", "-fno-builtin", "-I", str(ROOT / "jit"),
                    "-I", str(ROOT / "jit" / "shim"), str(HARNESS), *map(str, srcs), "-lm",
                    "-o", str(exe)], check=True)
    return exe


@pytest.mark.parametrize("seed", [1, 0xC0FFEE])
def test_library_matches_glibc(checker, seed, tmp_path):
    r = subprocess.run([str(checker), str(seed), "20000", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("0 mismatches in ")


# name the kernel gives the payload -> (source, expected result line, jitrun status)
PAYLOADS = {
    "streams.c.ssa": ("streams.c", None, 0),
    "streams.ssa": ("streams.ssa", None, 0),
    "each.c.ssa": ("each.c", None, 0),
    "exit3.c.ssa": ("exit3.c", "main returned 0: got 3", 3),
    "aborts.c.ssa": ("aborts.c", "main returned 0: " + protocol.ABORT_CALLED, 134),
}


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """Each payload's IL: C translated at -O0, IL as it is."""
    d = tmp_path_factory.mktemp("libc-il")
    out = {}
    for name, (src, _, _) in PAYLOADS.items():
        if src.endswith(".c"):
            (d / name).write_text(payloads.translate([PROGS / src]))
            out[name] = d / name
        else:
            out[name] = PROGS / src
    return out


@pytest.fixture(scope="module")
def kernel_run(image_builder, programs):
    """One boot: every payload, the data file and the arguments."""
    image = image_builder("default")
    return runner.boot(image, "kernel", modules=list(programs.values()), tag="libc",
                       accel="tcg", data=[DATA], args=ARGS)


def test_payloads_in_kernel_pass_exit_and_abort_as_expected(kernel_run):
    results = protocol.payload_results(kernel_run.ktap.tests)
    # the data file and the arguments are modules, not payloads
    assert sorted(results) == sorted(PAYLOADS)
    for name, (_, reason, _) in PAYLOADS.items():
        test = results[name]
        assert ktap.why_failed(test) == (reason or ""), name


def test_kernel_and_jitrun_print_the_same(kernel_run, programs, host_tools):
    results = protocol.payload_results(kernel_run.ktap.tests)
    for name, il in programs.items():
        host = subprocess.run([str(host_tools["jitrun"]), str(il), *ARGS], cwd=PROGS,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert host.returncode == PAYLOADS[name][2], (name, host.stdout)
        # jitrun's own words about the abort are not the program's output
        out = b"".join(line for line in host.stdout.splitlines(keepends=True)
                       if not line.startswith(b"jitrun: "))
        assert results[name].output().data == out, name
    expected = (PROGS / "streams.c.out").read_bytes()
    assert results["streams.c.ssa"].output().data == expected
    assert results["streams.ssa"].output().data == (PROGS / "streams.ssa.out").read_bytes()


def test_every_function_prints_as_a_native_build_with_glibc(kernel_run, tmp_path):
    """tests/libc/each.c calls each function of the library: built by gcc
    against glibc it must print what the kernel's payload printed."""
    if not shutil.which("gcc"):
        pytest.skip("gcc not found")
    exe = tmp_path / "each"
    subprocess.run(["gcc", "-O1", "-w", str(PROGS / "each.c"), "-o", str(exe)], check=True)
    native = subprocess.run([str(exe)], cwd=PROGS, capture_output=True, check=True).stdout
    kernel = protocol.payload_results(kernel_run.ktap.tests)["each.c.ssa"].output().data
    assert kernel == native


def test_data_and_args_modules(tmp_path):
    mods = payloads.data_modules([DATA], ["x", "y z", ""], tmp_path / "args")
    assert mods == [(DATA, "data:input.txt"), (tmp_path / "args", "args:")]
    assert (tmp_path / "args").read_bytes() == b"x\0y z\0\0"
    assert payloads.data_modules([], [], tmp_path / "none") == []
    assert qemu.module_arg((DATA, "data:input.txt")) == f"{DATA} data:input.txt"


def test_data_files_are_checked(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "x.txt").write_text("x")
    (tmp_path / "bad name.txt").write_text("x")
    with pytest.raises(JitbootError, match=r"^data file 'nosuch.txt' not found \(looked at "):
        check_data(["nosuch.txt"], tmp_path)
    with pytest.raises(JitbootError, match="^two data files are named 'x.txt'"):
        check_data(["a/x.txt", "b/x.txt"], tmp_path)
    with pytest.raises(JitbootError, match="^data file name 'bad name.txt' must use only"):
        check_data(["bad name.txt"], tmp_path)
    with pytest.raises(JitbootError, match="the kernel takes at most 64"):
        check_data(["a/x.txt"], tmp_path, others=64)
    assert check_data(["a/x.txt"], tmp_path) == ((tmp_path / "a" / "x.txt").resolve(),)


def test_jit_run_args_that_do_not_split_are_one_line(image_builder):
    image = image_builder("default")
    with pytest.raises(JitbootError, match="^args=\"'a\": No closing quotation$"):
        runner.run_payloads(image, [str(PROGS / "streams.ssa")], args="'a")


def test_grub_cfg_loads_data_and_args(tmp_path):
    recipe = default_recipe(data=(str(DATA),), args=("a", "b c"))
    cfg = render.render_template(render.environment(ROOT), "boot/grub.cfg.j2",
                                 render.context(recipe))
    assert "\tmodule /boot/data/input.txt data:input.txt\n" in cfg
    assert "\tmodule /boot/args args:\n" in cfg
    assert "module /boot/args" not in render.render_template(render.environment(ROOT), "boot/grub.cfg.j2",
                                                 render.context(default_recipe()))


def test_recipe_data_and_args_reach_payloads_from_iso_and_kernel(image_builder):
    image = image_builder("tests/images/libc.toml")
    for medium in ("iso", "kernel"):
        run = runner.boot(image, medium, accel="tcg")
        assert run.outcome == qemu.Outcome.PASS, (medium, run.reason)
        results = protocol.payload_results(run.ktap.tests)
        assert results["streams.ssa"].output().data == (PROGS / "streams.ssa.out").read_bytes()
        assert results["streams.c.ssa"].output().data == (PROGS / "streams.c.out").read_bytes()


def test_doit_jit_run_takes_data_and_args(image_builder):
    from conftest import doit
    image_builder("default")
    p = doit(ROOT, "jit-run", f"il={PROGS / 'streams.ssa'}", f"data={DATA}", "args=a 'b c'",
             check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    out = (PROGS / "streams.ssa.out").read_text()
    assert f"--- output of payload:streams.ssa ---\n{out}" in p.stdout
    p = doit(ROOT, "jit-run", f"il={PROGS / 'streams.ssa'}", "data=nosuch.txt", check=False)
    assert p.returncode != 0 and "Traceback" not in p.stdout + p.stderr
    assert "data file 'nosuch.txt' not found (looked at " in p.stdout + p.stderr


def test_export_list_names_the_symbol_behind_a_name(tmp_path):
    (tmp_path / "jit").mkdir()
    exports = tmp_path / "jit" / "exports.txt"
    exports.write_text("# comment\nputs lc_puts  # ours\nmalloc\n")
    assert render.read_export_table(tmp_path) == {"malloc": "malloc", "puts": "lc_puts"}
    assert render.read_exports(tmp_path) == ["malloc", "puts"]
    for text, problem in [("a b c\n", "expected NAME or NAME SYMBOL, got 3 words"),
                          ("puts lc_puts\nputs puts\n", "puts is already exported as lc_puts"),
                          ("puts lc-puts\n", "'lc-puts' is not a C identifier")]:
        exports.write_text(text)
        with pytest.raises(JitbootError, match=f"^jit/exports.txt:\\d+: {problem}$"):
            render.read_export_table(tmp_path)
    # every library name is exported under the standard name, in the kernel's table
    table = render.read_export_table(ROOT)
    assert table["strtol"] == "lc_strtol" and table["stdout"] == "lc_stdout"
    assert table["memcpy"] == "memcpy"
