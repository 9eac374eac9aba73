"""Reports: size.json, the diff against a baseline, publishing a build's figures."""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from jitboot.errors import JitbootError

from .attribution import audit
from .budgets import check_budgets
from .elf import _one_line
from .model import Change, DEFAULT_BUDGETS, Diff, KINDS, Overrun, SCHEMA_VERSION, SizeReport


def load_report(path: str | Path) -> dict[str, Any]:
    """A size.json as a dict; JitbootError if unreadable or another schema."""
    p = Path(path)
    try:
        d = json.loads(p.read_text())
    except FileNotFoundError:
        raise JitbootError(f"{p}: no such baseline report")
    except (OSError, ValueError) as e:
        raise JitbootError(f"{p}: not a size report ({_one_line(e)})")
    if not isinstance(d, dict) or d.get("schema_version") != SCHEMA_VERSION:
        raise JitbootError(f"{p}: not a size report with schema_version {SCHEMA_VERSION}")
    problem = _report_problem(d)
    if problem:
        raise JitbootError(f"{p}: not a size report ({problem})")
    return d


def _report_problem(d: dict) -> str | None:
    """What diff() would trip over in a size.json, or None."""
    totals = d.get("totals")
    if not isinstance(totals, dict) or not all(
            isinstance(totals.get(k), int) for k in ("image", "memory")):
        return "'totals' lacks integer 'image' and 'memory'"
    for key, fields in (("components", ("name", "text", "rodata", "data")),
                        ("symbols", ("name", "size"))):
        items = d.get(key)
        if not isinstance(items, list):
            return f"'{key}' is not a list"
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or \
                    not all(isinstance(item.get(f), int) for f in fields[1:]):
                return f"{key}[{i}] lacks {', '.join(fields)}"
    return None


def _symbol_sizes(symbols: list[dict]) -> dict[str, int]:
    """name -> size; a name used by several files (static functions) gets
    '@file' appended so that they stay apart."""
    count: dict[str, int] = {}
    for s in symbols:
        count[s["name"]] = count.get(s["name"], 0) + 1
    out: dict[str, int] = {}
    for s in symbols:
        key = s["name"]
        if count[key] > 1:
            key = f"{key}@{posixpath.basename(s.get('file') or '?')}"
        out[key] = out.get(key, 0) + s["size"]
    return out


def _changes(old: dict[str, int], new: dict[str, int]) -> list[Change]:
    ch = [Change(k, old.get(k), new.get(k)) for k in old.keys() | new.keys()
          if old.get(k) != new.get(k)]
    return sorted(ch, key=lambda c: (-abs(c.delta), c.name))


def diff(old: dict[str, Any] | str | Path, new: SizeReport | dict[str, Any]) -> Diff:
    """Growth between a baseline (dict from load_report, or a path) and a new
    report (SizeReport or dict), per component (file bytes) and per symbol."""
    if not isinstance(old, dict):
        old = load_report(old)
    base = old.get("elf", "?")
    new = report_dict(new) if isinstance(new, SizeReport) else new
    comp = lambda d: {c["name"]: c["text"] + c["rodata"] + c["data"] for c in d["components"]}
    return Diff(base, _changes(comp(old), comp(new)),
                _changes(_symbol_sizes(old["symbols"]), _symbol_sizes(new["symbols"])),
                Change("image", old["totals"]["image"], new["totals"]["image"]),
                Change("memory", old["totals"]["memory"], new["totals"]["memory"]))


def report_dict(report: SizeReport, overruns: list[Overrun] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
         "schema_version": SCHEMA_VERSION, "elf": report.elf, "method": report.method,
         "notes": report.notes, "totals": report.totals, "attribution": report.attribution,
         "sections": [asdict(s) for s in report.sections],
         "segments": [asdict(s) for s in report.segments],
         "components": [{"name": c.name, **{k: getattr(c, k) for k in KINDS},
                         "file": c.file, "memory": c.memory, "sections": c.sections}
                        for c in report.components],
         "files": report.files,
         "symbols": [asdict(s) for s in report.symbols]}
    if overruns is not None:
        d["budgets"] = [{"budget": o.budget, "measured": o.measured, "limit": o.limit,
                         "over": o.over} for o in overruns]
    return d


def write_json(report: SizeReport, path: str | Path, overruns: list[Overrun] | None = None) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(report_dict(report, overruns), indent=1) + "\n")
    os.replace(tmp, path)


@dataclass
class Published:
    report: SizeReport
    overruns: list[Overrun]
    diff: Diff | None
    text: str            # what to print


def publish(image_dir: str | Path, budgets: Mapping[str, Any] | None = None,
            components: Iterable[tuple[str, str]] | None = None,
            source_root: str | Path | None = None,
            baseline: str | Path | None = None, top: int = 15) -> Published:
    """The whole `doit size` step for build/images/NAME: audit kernel.elf,
    keep the previous size.json as size.prev.json, write size.json and
    size.html, and diff against the baseline (given, or size.prev.json)."""
    from . import render as size_render

    d = Path(image_dir)
    report = audit(d / "kernel.elf", components, source_root)
    over = check_budgets(report, budgets)
    cur, prev = d / "size.json", d / "size.prev.json"
    # Read the baseline before rotating: it may be size.json itself, and a
    # bad one must fail before the current report is moved away.
    old = load_report(baseline) if baseline is not None else None
    if cur.exists():
        os.replace(cur, prev)
    if old is None and prev.exists():
        try:
            old = load_report(prev)
        except JitbootError:
            old = None       # a previous report of another schema: no diff
    dif = diff(old, report) if old is not None else None
    write_json(report, cur, over)
    lim = dict(DEFAULT_BUDGETS, **(budgets or {}))
    size_render.write_html(report, d / "size.html", over, dif, lim)
    text = size_render.render_table(report, top=top, budgets=lim)
    if dif is not None:
        text += "\n" + size_render.render_diff(dif)
    text += "\n" + size_render.render_overruns(over)
    return Published(report, over, dif, text)
