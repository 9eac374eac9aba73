"""Render a size report: terminal tables, bloat-o-meter diff, HTML picture.

Pure functions from jitboot.size data to text; the HTML page is one file
with inline SVG and CSS (no scripts, no external assets) so CI can keep it
as an artifact and anyone can open it.
"""

from __future__ import annotations

import colorsys
import html
import posixpath
import zlib
from pathlib import Path

from .model import (JIT_CORE, KINDS, UNATTRIBUTED, Diff, Overrun,
                          SizeReport)


def human(n: int) -> str:
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= div:
            return f"{n / div:.1f} {unit}"
    return f"{n} B"


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"


def _table(head: list[str], rows: list[list], align: str = "") -> list[str]:
    """Aligned columns: align has 'l' or 'r' per column (default: first
    column left, the rest right)."""
    cells = [head] + [[str(c) for c in r] for r in rows]
    align = align or "l" + "r" * (len(head) - 1)
    w = [max(len(r[i]) for r in cells) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.ljust(w[i]) if align[i] == "l" else c.rjust(w[i])
                              for i, c in enumerate(r)).rstrip()
    return [fmt(r) for r in cells]


def usage(report: SizeReport, budgets: dict | None) -> list[tuple[str, int, int | None]]:
    """(budget name, measured, limit or None) for the three global budgets."""
    b = budgets or {}
    from .budgets import parse_size
    lim = lambda k: parse_size(b[k], f"budget.{k}") if k in b else None
    return [("image", report.totals["image"], lim("image")),
            ("jit_core", report.jit_core, lim("jit_core")),
            ("memory", report.totals["memory"], lim("memory"))]


def render_table(report: SizeReport, top: int = 15, budgets: dict | None = None) -> str:
    t = report.totals
    out = [f"{report.elf}"]
    for name, n, limit in usage(report, budgets):
        tail = f" of {human(limit)} budget ({_pct(n, limit)})" if limit else ""
        out.append(f"  {name:<9} {human(n):>10} ({n} bytes){tail}")
    a, total = report.attribution, t["sections_memory"]
    out.append(f"  attribution: {report.method}")
    out.append("    " + ", ".join(f"{k} {v} bytes ({_pct(v, total)})" for k, v in a.items())
               + " of the allocated sections")
    out += [f"  note: {n}" for n in report.notes]

    out += ["", "Sections (allocated)"]
    rows = [[s.name, f"{s.addr:#x}", s.file_size, s.mem_size, s.flags,
             "-" if s.segment is None else s.segment] for s in report.sections]
    rows.append(["total", "", t["sections_file"], t["sections_memory"], "", ""])
    out += _table(["section", "addr", "file", "memory", "flags", "segment"], rows, "lrrrlr")
    out.append(f"  not loaded (debug, symbols, notes): {t['debug']} bytes")

    out += ["", "Load segments"]
    rows = [[g.index, f"{g.vaddr:#x}", f"{g.paddr:#x}", g.file_size, g.mem_size, g.flags,
             " ".join(g.sections)] for g in report.segments]
    rows.append(["total", "", "", t["image"], t["memory"], "", ""])
    out += _table(["#", "vaddr", "paddr", "file", "memory", "flags", "sections"], rows,
                  "lrrrrll")
    out.append(f"  image {t['image']} = section bytes {t['image'] - t['load_padding']}"
               f" + alignment padding and headers {t['load_padding']}")

    out += ["", "Components (file = text+rodata+data; memory adds bss)"]
    rows = [[c.name, c.text, c.rodata, c.data, c.bss, c.file, c.memory,
             _pct(c.file, t["sections_file"])] for c in report.components]
    tot = [sum(getattr(c, k) for c in report.components) for k in KINDS]
    rows.append(["total", *tot, sum(tot[:3]), sum(tot), ""])
    out += _table(["component", "text", "rodata", "data", "bss", "file", "memory",
                   "of file"], rows)
    un = report.component(UNATTRIBUTED)
    if un.memory:
        out.append("  unattributed: " + ", ".join(f"{n} {b}" for n, b in un.sections.items())
                   + " (alignment padding, code without debug info; without a"
                   " linker map also string literals and jump tables)")
    core = [n for n in JIT_CORE if report.component(n).memory]
    out.append(f"  jit_core = {' + '.join(core) or '(none)'} = {report.jit_core} bytes")

    if report.symbols:
        out += ["", f"Top {min(top, len(report.symbols))} symbols"]
        rows = [[s.size, s.type, s.component, s.section, s.name]
                for s in report.symbols[:top]]
        out += _table(["size", "type", "component", "section", "name"], rows, "rllll")
    return "\n".join(out)


def render_diff(d: Diff) -> str:
    out = [f"Compared with {d.baseline}: image {_signed(d.image.delta)} bytes, "
           f"memory {_signed(d.memory.delta)} bytes"]
    if d.components:
        rows = [[c.name, "-" if c.old is None else c.old, "-" if c.new is None else c.new,
                 _signed(c.delta)] for c in d.components]
        out += _table(["component", "old", "new", "delta"], rows)
    add = sum(1 for c in d.symbols if c.old is None)
    rem = sum(1 for c in d.symbols if c.new is None)
    grow = sum(1 for c in d.symbols if c.old is not None and c.new is not None and c.delta > 0)
    shrink = sum(1 for c in d.symbols if c.old is not None and c.new is not None and c.delta < 0)
    up = sum(c.delta for c in d.symbols if c.delta > 0)
    down = sum(c.delta for c in d.symbols if c.delta < 0)
    out.append(f"add/remove: {add}/{rem} grow/shrink: {grow}/{shrink} "
               f"up/down: {up}/{down} ({up + down})")
    if d.symbols:
        rows = [[c.name, "-" if c.old is None else c.old, "-" if c.new is None else c.new,
                 _signed(c.delta)] for c in d.symbols]
        out += _table(["symbol", "old", "new", "delta"], rows)
    return "\n".join(out)


def render_overruns(over: list[Overrun]) -> str:
    if not over:
        return "size budgets: ok"
    rows = [[o.budget, o.measured, o.limit, f"+{o.over} ({human(o.over)})",
             ", ".join(f"{n} {human(b)}" for n, b in o.culprits) or "-"] for o in over]
    return "\n".join(["OVER BUDGET"] +
                     _table(["budget", "measured", "limit", "over by", "largest components"],
                            rows, "lrrrl"))


# --------------------------------------------------------------- picture

_HUE = {"qbe": 210, "shim": 275, "jit_driver": 330, "asm_loader": 25, "kernel_lib": 140,
        "boot": 50, "generated": 180, "other": 0}
_SHADE = {"text": 0.42, "rodata": 0.58, "data": 0.70, "bss": 0.82}


def color(comp: str, kind: str = "text") -> str:
    if comp == UNATTRIBUTED:
        grey = int(255 * (0.45 + 0.35 * _SHADE[kind]))
        return f"#{grey:02x}{grey:02x}{grey:02x}"
    hue = _HUE.get(comp, zlib.crc32(comp.encode()) % 360)
    r, g, b = colorsys.hls_to_rgb(hue / 360, _SHADE[kind], 0.55)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def _worst(row: list[float], side: float) -> float:
    s = sum(row)
    return max(max(side * side * r / (s * s), s * s / (side * side * r)) for r in row)


def squarify(values: list[float], x: float, y: float, w: float,
             h: float) -> list[tuple[float, float, float, float]]:
    """Squarified treemap (Bruls, Huizing, van Wijk): rectangles for values
    sorted largest first, in the same order."""
    total = sum(values)
    if total <= 0:
        return [(x, y, 0.0, 0.0) for _ in values]
    areas = [v * w * h / total for v in values]
    rects: list[tuple[float, float, float, float]] = []
    i = 0
    while i < len(areas):
        side = min(w, h)
        row = [areas[i]]
        i += 1
        while i < len(areas) and side > 0 and \
                _worst(row + [areas[i]], side) <= _worst(row, side):
            row.append(areas[i])
            i += 1
        s = sum(row)
        if w >= h:                      # a column on the left
            cw, ry = (s / h if h else 0), y
            for a in row:
                rects.append((x, ry, cw, a / cw if cw else 0))
                ry += a / cw if cw else 0
            x, w = x + cw, w - cw
        else:                           # a row along the top
            rh, rx = (s / w if w else 0), x
            for a in row:
                rects.append((rx, y, a / rh if rh else 0, rh))
                rx += a / rh if rh else 0
            y, h = y + rh, h - rh
    return rects


def _esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def _label(x: float, y: float, w: float, h: float, lines: list[str], size: int = 12) -> str:
    out = []
    for i, text in enumerate(lines):
        fs = size if i == 0 else size - 2
        bold = ' font-weight="bold"' if i == 0 else ""
        if h < (i + 1) * (size + 3) + 4 or w < len(text) * fs * 0.6 + 8:
            break
        out.append(f'<text x="{x + 5:.1f}" y="{y + 4 + (i + 1) * (size + 2):.1f}" '
                   f'font-size="{fs}"{bold}>'
                   f'{_esc(text)}</text>')
    return "".join(out)


def _parts(report: SizeReport, comp: str, kind: str) -> list[tuple[str, int]]:
    """What one component's bytes of one kind are made of: source files,
    or sections for the unattributed bytes (which have no file)."""
    if comp == UNATTRIBUTED:
        parts = [(s.name, report.component(comp).sections.get(s.name, 0))
                 for s in report.sections if s.kind == kind]
    else:
        parts = [(f["path"], f[kind]) for f in report.files if f["component"] == comp]
    return sorted(((n, b) for n, b in parts if b), key=lambda p: -p[1])


def _short(name: str, parts: list[tuple[str, int]]) -> str:
    """A file's path without the directory all its neighbours share."""
    if len(parts) < 2 or "/" not in name:
        return name
    common = posixpath.commonpath([n for n, _ in parts])
    return posixpath.relpath(name, common) if common else name


def _treemap(report: SizeReport, W: int = 960, H: int = 440) -> str:
    """Image bytes: components, split into text/rodata/data, then into files."""
    comps = sorted((c for c in report.components if c.file), key=lambda c: -c.file)
    total = sum(c.file for c in comps)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" class="map">']
    for c, (x, y, w, h) in zip(comps, squarify([c.file for c in comps], 0, 0, W, H)):
        kinds = [(k, getattr(c, k)) for k in ("text", "rodata", "data") if getattr(c, k)]
        band = 34 if h > 60 and w > 80 else 0     # room for the component's name
        for (k, n), (kx, ky, kw, kh) in zip(kinds, squarify([n for _, n in kinds],
                                                             x, y + band, w, h - band)):
            parts = _parts(report, c.name, k)
            for (name, b), (px, py, pw, ph) in zip(parts, squarify([b for _, b in parts],
                                                                   kx, ky, kw, kh)):
                out.append(f'<rect x="{px:.1f}" y="{py:.1f}" width="{pw:.1f}" '
                           f'height="{ph:.1f}" fill="{color(c.name, k)}" stroke="#fff" '
                           f'stroke-opacity="0.45" stroke-width="0.6"><title>{_esc(name)} '
                           f'{k}: {b} bytes ({human(b)})</title></rect>')
                if band and pw > 70 and ph > 30 and b < n:
                    out.append(_label(px, py + 12, pw, ph - 12,
                                      [_short(name, parts), human(b)], 10))
            out.append(f'<rect x="{kx:.1f}" y="{ky:.1f}" width="{kw:.1f}" height="{kh:.1f}" '
                       f'fill="none" stroke="#fff" stroke-width="1.5"/>')
            if band:
                out.append(_label(kx, ky - 3, kw, kh, [f"{k} {human(n)}"], 11))
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                   f'fill="{"none" if kinds else color(c.name)}" stroke="#fff" '
                   f'stroke-width="3"><title>{_esc(c.name)}: {c.file} bytes</title></rect>')
        if band:
            out.append(f'<rect x="{x + 1.5:.1f}" y="{y + 1.5:.1f}" width="{w - 3:.1f}" '
                       f'height="{band - 1.5:.1f}" fill="{color(c.name)}"/>')
        out.append(_label(x, y - 2, w, max(band, h),
                          [c.name, f"{human(c.file)} · {_pct(c.file, total)}"], 13))
    out.append("</svg>")
    legend = " ".join(f'<span class="lg">{_swatch(c.name)} {human(c.file)}</span>'
                      for c in comps)
    return "".join(out) + f'<div class="legend">{legend}</div>'


def _bar(title: str, parts: list[tuple[str, str, int]], limit: int | None,
         W: int = 960) -> str:
    """One stacked bar: parts are (label, color, bytes); the budget is a line."""
    used = sum(n for _, _, n in parts)
    scale = max(used, limit or 0) or 1
    over = limit is not None and used > limit
    x, out = 0.0, [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="62" '
                   f'viewBox="0 0 {W} 62" class="bar">',
                   f'<rect x="0" y="22" width="{W}" height="26" fill="#eef0f3"/>']
    for label, fill, n in parts:
        w = W * n / scale
        out.append(f'<rect x="{x:.1f}" y="22" width="{w:.1f}" height="26" fill="{fill}">'
                   f'<title>{_esc(label)}: {n} bytes ({human(n)})</title></rect>')
        if w > len(label) * 7 + 8:
            out.append(f'<text x="{x + 4:.1f}" y="40" font-size="11">{_esc(label)}</text>')
        x += w
    head = f"{title}: {human(used)}"
    if limit:
        lx = W * limit / scale
        out.append(f'<line x1="{lx:.1f}" y1="16" x2="{lx:.1f}" y2="54" stroke="#c00" '
                   f'stroke-width="2"/>')
        head += f" of {human(limit)} budget ({_pct(used, limit)})"
        if over:
            head += f" — OVER by {human(used - limit)}"
    out.insert(1, f'<text x="0" y="14" font-size="13" font-weight="bold" '
                  f'fill="{"#c00" if over else "#222"}">{_esc(head)}</text>')
    out.append("</svg>")
    return "".join(out)


def _bars(report: SizeReport, budgets: dict | None) -> str:
    lim = {n: l for n, _, l in usage(report, budgets)}
    comps = report.components
    image = [(c.name, color(c.name), c.file) for c in comps if c.file]
    pad = report.totals["load_padding"]
    if pad:
        image.append(("padding", "#f4f4f4", pad))
    core = [(n, color(n), report.component(n).file) for n in JIT_CORE
            if report.component(n).file]
    mem = [(f"{c.name}", color(c.name), c.file) for c in comps if c.file] + \
          [(f"{c.name} bss", color(c.name, "bss"), c.bss) for c in comps if c.bss]
    mem_pad = report.totals["memory"] - report.totals["sections_memory"]
    if mem_pad > 0:
        mem.append(("padding", "#f4f4f4", mem_pad))
    return "".join([_bar("Image (loadable bytes)", image, lim["image"]),
                    _bar("JIT core (text+rodata+data)", core, lim["jit_core"]),
                    _bar("Memory (incl. bss)", mem, lim["memory"])])


def _html_table(head: list[str], rows: list[list], align: str = "") -> str:
    """align: 'l' or 'r' per column (default: first left, the rest right)."""
    align = align or "l" + "r" * (len(head) - 1)
    st = lambda i: ' class="r"' if align[i] == "r" else ""
    th = "".join(f"<th{st(i)}>{_esc(h)}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{st(i)}>{c}</td>" for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _swatch(comp: str) -> str:
    return f'<span class="sw" style="background:{color(comp)}"></span>{_esc(comp)}'


def render_html(report: SizeReport, overruns: list[Overrun] | None = None,
                dif: Diff | None = None, budgets: dict | None = None) -> str:
    t = report.totals
    rows = [[_swatch(c.name), *(f"{getattr(c, k):,}" for k in KINDS), f"{c.file:,}",
             f"{c.memory:,}", _pct(c.file, t["sections_file"])] for c in report.components]
    comps = _html_table(["component", "text", "rodata", "data", "bss", "file", "memory",
                         "of file"], rows)
    secs = _html_table(["section", "addr", "file", "memory", "flags", "segment"],
                       [[_esc(s.name), f"{s.addr:#x}", f"{s.file_size:,}", f"{s.mem_size:,}",
                         s.flags, "-" if s.segment is None else s.segment]
                        for s in report.sections], "lrrrlr")
    syms = _html_table(["size", "component", "section", "name"],
                       [[f"{s.size:,}", _swatch(s.component), _esc(s.section),
                         f"<code>{_esc(s.name)}</code>"] for s in report.symbols[:25]], "rlll")
    over = ""
    if overruns:
        over = '<div class="over"><b>Over budget</b>' + _html_table(
            ["budget", "measured", "limit", "over by", "largest components"],
            [[_esc(o.budget), human(o.measured), human(o.limit), human(o.over),
              _esc(", ".join(f"{n} {human(b)}" for n, b in o.culprits))]
              for o in overruns], "lrrrl") + "</div>"
    elif overruns is not None:
        over = '<div class="ok">All size budgets met.</div>'
    growth = ""
    if dif is not None:
        growth = (f"<h2>Since {_esc(dif.baseline)}</h2><p>image {_signed(dif.image.delta)} "
                  f"bytes, memory {_signed(dif.memory.delta)} bytes</p>" + _html_table(
                      ["component", "old", "new", "delta"],
                      [[_swatch(c.name), c.old if c.old is not None else "-",
                        c.new if c.new is not None else "-", _signed(c.delta)]
                       for c in dif.components]) + (_html_table(
                      ["symbol", "old", "new", "delta"],
                      [[f"<code>{_esc(c.name)}</code>", c.old if c.old is not None else "-",
                        c.new if c.new is not None else "-", _signed(c.delta)]
                       for c in dif.symbols[:30]]) if dif.symbols else
                      "<p>No symbol changed size.</p>"))
    notes = "".join(f"<li>{_esc(n)}</li>" for n in report.notes)
    att = ", ".join(f"{k} {_pct(v, t['sections_memory'])}"
                    for k, v in report.attribution.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Size of {_esc(Path(report.elf).name)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; color: #222; margin: 24px; max-width: 980px; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }} h2 {{ font-size: 16px; margin: 22px 0 6px; }}
svg text {{ font-family: system-ui, sans-serif; fill: #111; }}
svg.map {{ display: block; margin-top: 6px; }}
table {{ border-collapse: collapse; margin: 6px 0; }}
td, th {{ padding: 2px 10px; border-bottom: 1px solid #e4e4e4; text-align: left; }}
td.r, th.r {{ text-align: right; font-variant-numeric: tabular-nums; }}
.legend {{ margin: 6px 0; font-size: 13px; }} .lg {{ margin-right: 14px; white-space: nowrap; }}
.sw {{ display: inline-block; width: 10px; height: 10px; margin-right: 6px; }}
.over {{ background: #fde8e8; border-left: 4px solid #c00; padding: 6px 10px; }}
.ok {{ background: #e8f6e8; border-left: 4px solid #393; padding: 6px 10px; }}
.meta {{ color: #666; font-size: 12px; }}
</style></head><body>
<h1>Size of {_esc(report.elf)}</h1>
<div class="meta">attributed by {_esc(report.method)} — {att}</div>
<ul class="meta">{notes}</ul>
{over}
<h2>Budgets</h2>
{_bars(report, budgets)}
<h2>Where the image bytes go</h2>
<div class="meta">area = file bytes (text + rodata + data); hover for exact sizes</div>
{_treemap(report)}
<h2>Components</h2>
{comps}
{growth}
<h2>Largest symbols</h2>
{syms}
<h2>Sections</h2>
{secs}
</body></html>
"""


def write_html(report: SizeReport, path: str | Path, overruns: list[Overrun] | None = None,
               dif: Diff | None = None, budgets: dict | None = None) -> None:
    from jitboot.render import write_if_changed      # atomic: never a half-written page
    write_if_changed(Path(path), render_html(report, overruns, dif, budgets))
