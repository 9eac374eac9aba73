"""Static checks that keep the Python side clean: mypy with the project's
configuration (pyproject.toml [tool.mypy]), pyflakes, and vulture's
high-confidence dead code (ci/vulture_whitelist.py lists what a closer
look at 60% confidence kept, and why)."""

import subprocess
import sys

import pytest

from jitboot import ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT,
                          capture_output=True, text=True)


def _require(module: str) -> None:
    pytest.importorskip(module, reason=f"{module} is in the test extra: pip install -e '.[test]'")


def test_mypy_is_clean():
    _require("mypy")
    r = _run("mypy", "jitboot")
    assert r.returncode == 0, f"mypy jitboot found problems:\n{r.stdout}{r.stderr}"


def test_pyflakes_is_clean():
    _require("pyflakes")
    r = _run("pyflakes", "jitboot", "tests", "dodo.py")
    assert r.returncode == 0 and not r.stdout, \
        f"pyflakes found problems:\n{r.stdout}{r.stderr}"


def test_no_dead_code():
    _require("vulture")
    r = _run("vulture", "jitboot", "dodo.py", "ci/vulture_whitelist.py", "--min-confidence", "80")
    assert r.returncode == 0, \
        (f"vulture found dead code (remove it, or say in ci/vulture_whitelist.py"
         f" why it stays):\n{r.stdout}{r.stderr}")
