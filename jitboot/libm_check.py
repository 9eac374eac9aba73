"""The libm sweep: build/host/libm-check (tests/host/libm_vs_glibc.c) over N
random inputs per function, as `doit libm-ulp [n=1000000] [seed=1]`.

The report (one line per function: worst ulp from glibc, worst ulp of ours
and of glibc from glibc's long double reference, failed inputs) is printed
and written to build/libm-ulp.txt.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import ROOT, build, paths
from .errors import JitbootError


def parse_count(name: str, text: str) -> int:
    """A positive integer from a doit variable, or a one-line error."""
    if not text.isdigit() or int(text) == 0:
        raise JitbootError(f"{name}={text!r}: give a positive integer")
    return int(text)


def sweep(n: int, seed: int, root: Path = ROOT, only: str | None = None) -> str:
    """Run the sweep; return the report, raising when a function failed."""
    exe = build.program_output("libm-check", root)
    cmd = [str(exe), "sweep", str(n), str(seed)] + ([only] if only else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise JitbootError(f"{exe.name} failed ({proc.returncode}): {proc.stderr.strip()}")
    report = proc.stdout
    out = paths.build_dir(root) / "libm-ulp.txt"
    out.write_text(f"# {' '.join(cmd[1:])}\n{report}")
    if proc.returncode == 1:
        bad = [ln.split()[0] for ln in report.splitlines()[1:] if ln.split()[4] != "0"]
        raise JitbootError(f"libm sweep: {', '.join(bad)} beyond the bound (report in {out})")
    return report


def run(n: str, seed: str, root: Path = ROOT) -> None:
    report = sweep(parse_count("n", n), parse_count("seed", seed), root)
    print(report, end="")
    print(f"(written to {paths.build_dir(root) / 'libm-ulp.txt'})")
