"""The command line: python -m jitboot.size ELF [options]."""

from __future__ import annotations

import argparse
import sys

from jitboot import recipe
from jitboot.errors import JitbootError

from .attribution import audit
from .budgets import check_budgets, parse_size
from .model import DEFAULT_BUDGETS
from .report import diff, load_report, write_json


def main(argv: list[str] | None = None) -> int:
    from . import render as size_render

    ap = argparse.ArgumentParser(prog="python -m jitboot.size",
                                 description="Size audit of a 64-bit x86-64 kernel ELF.",
                                 epilog=f"Sizes: {recipe.SIZE_GRAMMAR}.")
    default = {k: recipe.format_size(v) for k, v in DEFAULT_BUDGETS.items()}
    ap.add_argument("elf")
    ap.add_argument("--budget-image", help=f"image budget (default {default['image']})")
    ap.add_argument("--budget-jit-core",
                    help=f"JIT core budget (default {default['jit_core']})")
    ap.add_argument("--budget-memory",
                    help=f"memory budget incl. bss (default {default['memory']})")
    ap.add_argument("--baseline", help="size.json of an earlier build to diff against")
    ap.add_argument("--json", help="write the JSON report here")
    ap.add_argument("--html", help="write the HTML picture here")
    ap.add_argument("--map", default="auto",
                    help="GNU ld map of the link, or 'none' (default: the ELF's name "
                         "with .map, if present)")
    ap.add_argument("--top", type=int, default=15, help="how many symbols to list")
    ap.add_argument("--source-root", default=None,
                    help="repository root (default: the jitboot checkout)")
    a = ap.parse_args(argv)
    try:
        from jitboot import ROOT
        budgets = {k: parse_size(v, f"--budget-{k.replace('_', '-')}")
                   for k, v in (("image", a.budget_image), ("jit_core", a.budget_jit_core),
                                ("memory", a.budget_memory)) if v is not None}
        report = audit(a.elf, source_root=a.source_root or ROOT, map_path=None if a.map == "none" else a.map)
        over = check_budgets(report, budgets)
        dif = diff(load_report(a.baseline), report) if a.baseline else None
        lim = dict(DEFAULT_BUDGETS, **budgets)
        if a.json:
            write_json(report, a.json, over)
        if a.html:
            size_render.write_html(report, a.html, over, dif, lim)
    except JitbootError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(size_render.render_table(report, top=a.top, budgets=lim))
    if dif is not None:
        print(size_render.render_diff(dif))
    print(size_render.render_overruns(over))
    return 1 if over else 0
