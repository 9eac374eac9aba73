"""The build under faults: Ctrl-C in the middle of a compile or a link
never leaves a product doit later takes as up to date, and `doit -n 2`
builds the same bytes as a serial build.

The interrupted tool is real gcc or ld, behind a wrapper (first on PATH)
that lets it write its whole output, then stalls before exiting: the
worst moment, a complete-looking file exists under its temporary name.
The test then sends SIGINT to the build's process group, as a terminal's
Ctrl-C does.  Uses the small image `nojit` (no QBE), so builds take
seconds.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_project

IMAGE = "nojit"
PRODUCTS = ("kernel.elf", "kernel.elf32", "kernel.iso")
EDITED = "kernel_lib/string.c"
EDIT = "\n/* a later edit */\nint string_edit_marker(void);\nint string_edit_marker(void) { return 7; }\n"

WRAPPER = """#!/bin/sh
# {tool} that stalls after doing its work, when {when}
"{real}" "$@" || exit $?
case "$*" in *{match}*) touch "{mark}"; sleep 60;; esac
"""


def _default_sigint() -> None:
    """In the child: Ctrl-C as a terminal gives it, even when the tests were
    started in the background (a shell without job control starts them
    with SIGINT ignored, and exec keeps that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_doit(root: Path, *args: str, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doit", "-f", str(root / "dodo.py"),
                           "-d", str(root), *args], capture_output=True, text=True,
                          cwd=root, env=env, **kw)


def products(root: Path) -> dict[str, bytes]:
    out = root / "build" / "images" / IMAGE
    return {p: (out / p).read_bytes() for p in PRODUCTS}


def executed(output: str) -> list[str]:
    return re.findall(r"^\.  (\S+)", output, re.M)


def leftovers(root: Path) -> list[Path]:
    return [p for p in (root / "build" / "images" / IMAGE).rglob("*") if p.name.endswith(".tmp")]


def edit(root: Path) -> None:
    src = root / EDITED
    src.write_text(src.read_text() + EDIT)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A clean, serial build of the edited tree."""
    root = copy_project(tmp_path_factory.mktemp("ref") / "jitboot")
    edit(root)
    p = run_doit(root, "image", f"image={IMAGE}")
    assert p.returncode == 0, p.stdout + p.stderr
    return products(root)


def signal_when_stalled(root: Path, env: dict, mark: Path, what: str, send):
    """Run `doit image` in root; once the stalled tool has touched mark,
    send(proc) signals it; return the process and its output."""
    proc = subprocess.Popen([sys.executable, "-m", "doit", "-f", str(root / "dodo.py"),
                             "-d", str(root), "image", f"image={IMAGE}"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 300   # the build before the stall, on a loaded machine
        while not mark.exists():
            assert proc.poll() is None, f"the build ended before {what} stalled:\n" \
                                        + proc.stdout.read()
            assert time.monotonic() < deadline, f"never stalled: {what}"
            time.sleep(0.02)
        send(proc)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc, out


def interrupt(root: Path, tool: str, match: str, tmp: Path) -> subprocess.CompletedProcess:
    """Run `doit image` with `tool` stalling on `match`; Ctrl-C it there."""
    bindir = tmp / f"slow-{tool}"
    bindir.mkdir()
    mark = tmp / f"{tool}.stalled"
    wrapper = bindir / tool
    wrapper.write_text(WRAPPER.format(tool=tool, when=match, real=shutil.which(tool),
                                      match=match, mark=mark))
    wrapper.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")
    proc, out = signal_when_stalled(root, env, mark, f"{tool} on {match}",
                                    lambda p: os.killpg(p.pid, signal.SIGINT))
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def test_parallel_build_is_identical(reference, tmp_path):
    root = copy_project(tmp_path / "jitboot")
    edit(root)
    p = run_doit(root, "-n", "2", "image", f"image={IMAGE}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert products(root) == reference


def test_interrupted_compile_and_link(reference, tmp_path):
    root = copy_project(tmp_path / "jitboot")
    p = run_doit(root, "image", f"image={IMAGE}")
    assert p.returncode == 0, p.stdout + p.stderr
    before = products(root)
    edit(root)
    obj = root / "build" / "images" / IMAGE / "obj" / "kernel_lib" / "string.o"
    old_obj = obj.read_bytes()

    # Ctrl-C while gcc compiles the edited file: its new object exists,
    # complete, under the temporary name only
    p = interrupt(root, "gcc", EDITED, tmp_path)
    assert p.returncode != 0, p.stdout
    assert p.stdout.rstrip().endswith("error: interrupted"), p.stdout
    assert obj.read_bytes() == old_obj
    assert leftovers(root) == []

    # Ctrl-C while ld links: the new kernel exists under its temporary name
    p = interrupt(root, "ld", "kernel.elf.tmp", tmp_path)
    assert p.stdout.rstrip().endswith("error: interrupted"), p.stdout
    assert "compile:kernel_lib/string.c" in executed(p.stdout)
    assert products(root)["kernel.elf"] == before["kernel.elf"]
    assert leftovers(root) == []

    # the next build finishes the job: it relinks, and makes what a clean
    # build of the same sources makes
    p = run_doit(root, "image", f"image={IMAGE}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "link" in executed(p.stdout)
    assert products(root) == reference
    assert executed(run_doit(root, "image", f"image={IMAGE}").stdout) == []


GRUB_WRAPPER = """#!/bin/sh
# grub-mkrescue's scratch, as the real one makes it, then a stall with a child
mkdir "${{TMPDIR:-/tmp}}/grub.test" && echo scratch > "${{TMPDIR:-/tmp}}/grub.test/file"
sleep 60 &
echo $! > "{child}"
touch "{mark}"
wait
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_iso_leaves_nothing_behind(reference, tmp_path, sig):
    """Ctrl-C or SIGTERM while grub-mkrescue runs used to leave its
    $TMPDIR/grub.* (5-9 MB each); now its scratch is inside ours and the
    tool's whole process group is stopped."""
    root = copy_project(tmp_path / "jitboot")
    p = run_doit(root, "image", f"image={IMAGE}")
    assert p.returncode == 0, p.stdout + p.stderr
    (root / "build" / "images" / IMAGE / "kernel.iso").unlink()
    bindir, tmpdir = tmp_path / "slow-grub", tmp_path / "tmpdir"
    bindir.mkdir()
    tmpdir.mkdir()
    mark, child = tmp_path / "grub.stalled", tmp_path / "grub.child"
    wrapper = bindir / "grub-mkrescue"
    wrapper.write_text(GRUB_WRAPPER.format(mark=mark, child=child))
    wrapper.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", TMPDIR=str(tmpdir))
    # to doit alone, as `kill` or a CI runner does
    proc, out = signal_when_stalled(root, env, mark, "grub-mkrescue", lambda p: p.send_signal(sig))
    assert proc.returncode != 0, out
    assert "Traceback" not in out, out
    assert list(tmpdir.iterdir()) == [], "scratch left in TMPDIR"
    pid = int(child.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)       # a zombie until init reaps it
    status = Path(f"/proc/{pid}/stat")
    assert not status.exists() or status.read_text().split()[2] == "Z", "the tool's child still runs"
    assert not (root / "build" / "images" / IMAGE / "kernel.iso").exists()
    assert leftovers(root) == []
