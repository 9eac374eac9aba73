"""Differential test of the JIT's passes on random programs (tests/il_gen.py).

Each program is run three ways: jitrun with every pass, jitrun with none,
and unpatched stock qbe + GNU as + gcc linked on the host. All three must print the
same. The normal suite runs SEEDS programs; set JITBOOT_OPT_SEEDS=N (and
JITBOOT_OPT_SEED0 to start elsewhere) for a longer run:

    JITBOOT_OPT_SEEDS=2000 python -m pytest -q tests/test_opt_differential.py
"""

import os
import subprocess

import pytest


import il_gen

SEEDS = int(os.environ.get("JITBOOT_OPT_SEEDS", "60"))
SEED0 = int(os.environ.get("JITBOOT_OPT_SEED0", "1"))
TIMEOUT = 20


@pytest.fixture(scope="module")
def tools(host_tools, unpatched_qbe):
    """(jitrun, qbe without our emitter patches): the reference is QBE as
    published, so a wrong patch cannot hide in both sides."""
    return host_tools["jitrun"], unpatched_qbe


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)


def test_generator_is_deterministic_and_varied():
    assert il_gen.generate(7) == il_gen.generate(7)
    assert len({il_gen.generate(s) for s in range(10)}) == 10


@pytest.mark.parametrize("seed", range(SEED0, SEED0 + SEEDS))
def test_passes_on_off_and_gcc_agree(tools, tmp_path, seed):
    jitrun, stock = tools
    prog = tmp_path / f"rand{seed}.ssa"
    prog.write_text(il_gen.generate(seed))
    asm = run([stock, prog])
    assert asm.returncode == 0, asm.stderr
    (tmp_path / "rand.s").write_text(asm.stdout)
    exe = tmp_path / "rand"
    link = run(["gcc", "-no-pie", "-o", exe, tmp_path / "rand.s", "-lm"])
    assert link.returncode == 0, link.stderr
    ref = run([exe])
    assert ref.returncode == 0 and ref.stdout
    for sel in ("all", "none"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", ref.stdout), \
            f"--passes={sel} differs from qbe+gcc on {prog} (il_gen seed {seed})"


def test_generated_programs_exercise_every_pass(tools, tmp_path):
    """The generator's programs give each pass work (jitrun --stats): a
    differential test of a pass that never fires would prove nothing."""
    jitrun, _ = tools
    total = {}
    for seed in range(SEED0, SEED0 + 40):
        prog = tmp_path / f"rand{seed}.ssa"
        prog.write_text(il_gen.generate(seed))
        r = run([jitrun, "--stats", "-S", prog])
        assert r.returncode == 0, r.stderr
        for line in r.stderr.splitlines():
            name, n = line.split()
            total[name] = total.get(name, 0) + int(n)
    assert set(total) == {"tre", "inlined", "extensions", "threaded", "branches", "compares", "sunk",
                          "hoisted", "widened", "reduced", "rotated", "ranges", "builtins", "propagated",
                          "switches", "reassociated", "folded", "rmw"}
    assert all(n >= 5 for n in total.values()), total
