"""Where build products go: the build directory, a parameter.

Everything generated lives under one build directory, `build/` in the
checkout unless JITBOOT_BUILD_DIR (or the doit variable build_dir=PATH,
which sets it) names another: several independent builds of one checkout
can then coexist (a release build beside a debug one, two CI jobs).  A
relative path is taken from the repository root.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import ROOT

ENV = "JITBOOT_BUILD_DIR"


def build_dir(root: Path = ROOT) -> Path:
    """The build directory of a checkout at root."""
    given = os.environ.get(ENV, "").strip()
    if not given:
        return root / "build"
    path = Path(given).expanduser()
    return (path if path.is_absolute() else root / path).resolve()


def qbe_dir(root: Path = ROOT) -> Path:
    """QBE's fetched and adjusted sources, what the JIT is built from."""
    return build_dir(root) / "qbe-src"


def qbe_stock_dir(root: Path = ROOT) -> Path:
    """Unpatched QBE (no emitter patches): the reference the benchmark's
    QBE AOT figures and the differential tests compare with."""
    return build_dir(root) / "qbe-stock"


def host_dir(root: Path = ROOT) -> Path:
    """Host tools: jitrun, qbe, asmdump, jitbench."""
    return build_dir(root) / "host"
