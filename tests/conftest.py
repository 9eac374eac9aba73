"""Shared fixtures: images are built once per session through doit."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from jitboot import ROOT
from jitboot.build import build_image, copy_sources


def copy_project(dest: Path) -> Path:
    """A copy of the project sources (not build/) under dest, to edit freely."""
    return copy_sources(dest)


def doit(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(root / "dodo.py"),
                           "-d", str(root), *args], capture_output=True, text=True, cwd=root)
    if check and proc.returncode != 0:
        raise AssertionError(f"doit {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Point tempfile at an empty dir so leftovers are visible."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


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
    from jitboot import build, components
    from jitboot.errors import JitbootError
    try:
        return build.build_programs(components.HOST_TOOLS, ROOT)
    except JitbootError as e:
        pytest.fail(f"cannot build the host tools: {e}")


@pytest.fixture(scope="session")
def unpatched_qbe():
    """QBE's own qbe command without our EMITTER_PATCHES (the "stock"
    variant, build/qbe-stock, built into build/host/qbe-stock): the
    reference our generated code is checked and measured against."""
    from jitboot import build
    from jitboot.errors import JitbootError
    try:
        return build.build_programs(["qbe-stock"], ROOT)["qbe-stock"]
    except JitbootError as e:
        pytest.fail(f"cannot build the unpatched qbe: {e}")


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
