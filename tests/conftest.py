"""Shared fixtures: images are built once per session through doit."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jitboot import ROOT
from jitboot.build import build_image

# What a copy of the project needs to build an image on its own.
PROJECT_PARTS = ["dodo.py", "jitboot", "boot", "kernel_lib", "jit", "linker", "images",
                 "tests/images", "tests/il", "tests/bench"]


def copy_project(dest: Path) -> Path:
    """A copy of the project sources (not build/) under dest, to edit freely."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    qbe = ROOT / "build" / "qbe-src"
    if qbe.is_dir():   # share the fetched QBE sources instead of downloading again
        shutil.copytree(qbe, dest / "build" / "qbe-src", symlinks=True)
    return dest


def doit(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(root / "dodo.py"),
                           "-d", str(root), *args], capture_output=True, text=True, cwd=root)
    if check and proc.returncode != 0:
        raise AssertionError(f"doit {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def image_builder():
    """build_image with a per-session cache: each recipe is built once."""
    cache = {}

    def get(recipe: str):
        if recipe not in cache:
            cache[recipe] = build_image(recipe)
        return cache[recipe]
    return get


@pytest.fixture(scope="session")
def host_tools():
    """build/host/{qbe,jitrun,asmdump}, built once (as `doit host` does)."""
    from jitboot import host
    from jitboot.errors import JitbootError
    try:
        return host.build_all(ROOT)
    except JitbootError as e:
        pytest.fail(f"cannot build the host tools: {e}")


def pytest_runtest_makereport(item, call):
    """In CI (CI=true, as .ci/run runs) a skipped test is a failure.

    Tests skip when a tool is missing on a developer's machine (clang's
    libFuzzer, a mountable tmpfs, ...); CI installs everything, so there a
    skip would hide a broken setup behind a green run.
    """
    if not os.environ.get("CI") or call.excinfo is None:
        return None
    if call.excinfo.errisinstance(pytest.skip.Exception):
        reason = str(call.excinfo.value)
        call.excinfo = None
        from _pytest.reports import TestReport
        report = TestReport.from_item_and_call(item, call)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every tool is installed: {reason}"
        return report
    return None
