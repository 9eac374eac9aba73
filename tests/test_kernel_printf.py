"""kernel_lib's printf core (kfmt) against glibc, on the host.

JIT-compiled programs print through kfmt in the kernel, and their expected
output comes from glibc on the host, so the two must agree digit for digit.
kernel_lib/printf.c is built for the host with its public names prefixed,
then tests/host/fmt_vs_glibc.c compares random formats.
"""
import pathlib
import shutil
import subprocess

import pytest

from jitboot import render

REPO = pathlib.Path(__file__).resolve().parents[1]
KLIB = REPO / "kernel_lib"
# host-only test harness, compiled here with deliberately odd flags (renamed
# symbols) against one kernel_lib file: a test program, not a build target
HOST_HARNESS = REPO / "tests" / "host"
PUBLIC = ["printf", "vprintf", "snprintf", "vsnprintf", "sprintf", "puts", "putchar"]


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if not shutil.which("gcc"):
        pytest.skip("gcc not found")
    d = tmp_path_factory.mktemp("fmt")
    (d / "config.h").write_text("")
    (d / "protocol.h").write_text(render.protocol_header())
    renames = [f"-D{n}=k_{n}" for n in PUBLIC]
    exe = d / "fmt_vs_glibc"
    subprocess.run(["gcc", "-O2", "-fno-builtin", "-w", "-I", str(d), "-I", str(KLIB), *renames,
                    "-c", str(KLIB / "printf.c"), "-o", str(d / "printf.o")], check=True)
    subprocess.run(["gcc", "-O2", "-fno-builtin", "-w", "-c", str(REPO / "jit" / "libc" / "format.c"),
                    "-o", str(d / "format.o")], check=True)
    subprocess.run(["gcc", "-O2", str(HOST_HARNESS / "fmt_vs_glibc.c"), str(d / "printf.o"), str(d / "format.o"),
                    "-lm", "-o", str(exe)], check=True)
    return exe


@pytest.mark.parametrize("seed", [1, 0xC0FFEE])
def test_kfmt_matches_glibc(checker, seed):
    r = subprocess.run([str(checker), str(seed), "50000"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert "0 mismatches in 50000 formats" in r.stdout
