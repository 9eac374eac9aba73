"""Two runs in one checkout: builds of one image are serialised by a lock
that says who holds it, and every boot has its own log directory
(jitboot/locks.py).  Two `doit qemu-test` used to share serial.log (one
reported a false failure); two `doit image` died with a FileNotFoundError."""

import os
import shutil
import subprocess
import sys
import time

from conftest import copy_project
from jitboot import locks

IMAGE = "nojit"


def start(root, *args, env=None):
    return subprocess.Popen([sys.executable, "-m", "doit", "-f", str(root / "dodo.py"),
                             "-d", str(root), *args], cwd=root, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


STALL = """#!/bin/sh
"{real}" "$@" || exit $?
case "$*" in *kernel_lib/string.c*) touch "{mark}"; sleep {secs};; esac
"""


def test_two_builds_of_one_image_take_turns(tmp_path):
    root = copy_project(tmp_path / "jitboot")
    bindir, mark = tmp_path / "slow", tmp_path / "stalled"
    bindir.mkdir()
    (bindir / "gcc").write_text(STALL.format(real=shutil.which("gcc"), mark=mark, secs=3))
    (bindir / "gcc").chmod(0o755)
    first = start(root, "image", f"image={IMAGE}",
                  env=dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}"))
    deadline = time.monotonic() + 120
    while not mark.exists():
        assert first.poll() is None, first.stdout.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = start(root, "image", f"image={IMAGE}")
    out2, _ = second.communicate(timeout=300)
    out1, _ = first.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, out1 + out2
    assert "Traceback" not in out1 + out2
    waiting = [l for l in out2.splitlines() if l.startswith("waiting")]
    assert len(waiting) == 1 and waiting[0].startswith(
        f"waiting for image '{IMAGE}': it is being built by pid {first.pid} (doit image "
        f"image={IMAGE}), since "), out2
    # the second found everything built by the first
    assert "\n.  link" not in out2 and "\n.  compile:" not in out2, out2


def test_two_test_runs_of_one_image_at_once(tmp_path, image_builder):
    root = copy_project(tmp_path / "jitboot")
    runs = [start(root, "qemu-test", f"image={IMAGE}") for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in runs]
    assert all(p.returncode == 0 for p in runs), outs
    for out in outs:
        assert out.count("PASS: ") == 2, out       # kernel and iso media
    for medium in ("kernel", "iso"):
        base = root / "build" / "images" / IMAGE / "logs" / medium
        dirs = sorted(p for p in base.iterdir() if not p.is_symlink())
        assert len(dirs) == 2, dirs
        assert (base / "latest").resolve() in dirs
        for d in dirs:
            serial = (d / "serial.log").read_text()
            assert serial.startswith("KTAP version 1\n1..4\n") and "not ok" not in serial
            assert '<testsuites name="nojit.' in (d / "junit.xml").read_text()
            assert 'failures="0" errors="0"' in (d / "junit.xml").read_text()


def test_run_directories_are_pruned_and_latest_is_the_newest(tmp_path):
    made = [locks.run_dir(tmp_path) for _ in range(locks.KEEP + 3)]
    kept = sorted(p for p in tmp_path.iterdir() if not p.is_symlink())
    assert kept == sorted(made[-locks.KEEP:])
    assert (tmp_path / locks.LATEST).resolve() == made[-1]


def test_the_lock_is_not_waited_for_by_a_child_of_its_holder(tmp_path, monkeypatch):
    """`doit fuzz` and `doit bench` run doit for the same image: the child
    must not wait for the lock its parent holds."""
    monkeypatch.delenv(locks.HELD_ENV, raising=False)
    code = ("import sys; from pathlib import Path; from jitboot import locks; "
            "locks.build_lock(Path(sys.argv[1]), 'x', wait=False); print('child ok')")
    locks.build_lock(tmp_path, "x")
    try:
        r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                           text=True, timeout=30)
        assert r.stdout == "child ok\n", r.stderr
        env = {k: v for k, v in os.environ.items() if k != locks.HELD_ENV}
        r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                           text=True, timeout=30, env=env)
        assert r.returncode != 0 and "is being built by pid" in r.stderr
    finally:
        locks.release_build_lock()
    assert locks.HELD_ENV not in os.environ
