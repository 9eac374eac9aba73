"""Shared fixtures: images are built once per session through doit."""

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
