"""The JIT arena's allocator (jit/arena.c), on the host: tests/host/arena_check.c."""
import shutil
import subprocess

import pytest

from jitboot import ROOT


def test_arena_allocator(tmp_path):
    if not shutil.which("gcc"):
        pytest.skip("gcc not found")
    exe = tmp_path / "arena_check"
    subprocess.run(["gcc", "-O2", "-g", "-Wall", "-Werror", "-I", str(ROOT / "jit"),
                    str(ROOT / "tests" / "host" / "arena_check.c"), str(ROOT / "jit" / "arena.c"),
                    "-o", str(exe)], check=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "ok\n", r.stdout + r.stderr
