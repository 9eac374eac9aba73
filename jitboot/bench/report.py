"""The benchmark's report: tables, verdicts, the SVG chart, bench.json, and `doit bench` itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import json
import math
from pathlib import Path

from .. import ROOT, toolchain
from ..arch import HOST
from ..errors import JitbootError

if TYPE_CHECKING:
    from ..recipe import Recipe

from .programs import GOALS, JITS, REQUIREMENT, VARIANTS
from .runs import (KernelRun, environment, measure_builds, ratio_key, run_host, run_kernel,
                   summarize)


def _fmt_ratio(x: float | None) -> str:
    return f"{x:.2f}x" if x else "-"


TABLE_RATIOS = (("jit_off", "aot_gcc", "off/gcc"), ("jit_on", "aot_gcc", "on/gcc"),
                ("jit_on", "aot_qbe", "on/qbe"))


def table(title: str, summary: dict) -> str:
    """One run as a table: times, the ratios that matter, compile speed."""
    hz = summary["tsc_hz"]
    unit = "ms" if hz else "Mcycles"
    head = (f"{'program':<12}{'n':>10}" + "".join(f"{v:>10}" for v in VARIANTS)
            + "".join(f"{label:>8}" for _, _, label in TABLE_RATIOS)
            + f"{'compile off/on':>17}{'IL lines/s on':>15}")
    out = [f"{title}: times in {unit} (best of several runs), compile in "
           f"{'us' if hz else 'cycles'}; jit_on has our passes "
           f"{summary.get('passes_on') or '?'}", head, "-" * len(head)]
    for name, p in summary["programs"].items():
        times = "".join(f"{p[f'{v}_ms'] if hz else p[f'{v}_cycles'] / 1e6:>10.2f}"
                        for v in VARIANTS)
        ratios = "".join(f"{_fmt_ratio(p[ratio_key(a, b)]):>8}" for a, b, _ in TABLE_RATIOS)
        comp = [f"{p[f'compile_{k}_us']:.0f}" if hz else str(p[f"compile_{k}_cycles"])
                for k in JITS.values()]
        lps = p.get("il_lines_per_s_on")
        out.append(f"{name:<12}{p['n']:>10}{times}{ratios}{' / '.join(comp):>17}"
                   f"{f'{lps:,.0f}' if lps else '-':>15}")
    g = summary["geomean"]
    out.append(f"{'geomean':<12}{'':>{10 + 10 * len(VARIANTS)}}"
               + "".join(f"{_fmt_ratio(g[ratio_key(a, b)]):>8}" for a, b, _ in TABLE_RATIOS))
    for v in ("jit_on", "jit_off"):
        out.append(verdict(summary, v))
    return "\n".join(out)


def verdict(summary: dict, variant: str) -> str:
    """How variant/aot_gcc stands against the requirement and the goals."""
    key = ratio_key(variant, "aot_gcc")
    ratios = [p[key] for p in summary["programs"].values()]
    count = lambda limit: sum(1 for r in ratios if r and r <= limit)     # noqa: E731
    mean = summary["geomean"][key]
    goal = GOALS[1]
    met = "met" if mean and mean <= goal else "not met"
    return (f"{variant}/aot_gcc: within {REQUIREMENT:g}x (requirement) {count(REQUIREMENT)}/"
            f"{len(ratios)} programs, within {GOALS[0]:g}x {count(GOALS[0])}/{len(ratios)}; "
            f"geomean {_fmt_ratio(mean)} (goal {goal:g}x: {met})")


CHART_SERIES = (   # environment, variant, colour
    ("kernel", "jit_off", "#f1948a"), ("kernel", "jit_on", "#c0392b"),
    ("host", "jit_off", "#85c1e9"), ("host", "jit_on", "#1f618d"))
GEOMEAN_ROW = "geomean"


def chart_svg(report: dict) -> str:
    """Horizontal bars of jit/aot_gcc per program and their geometric
    mean, our passes off and on, in the kernel and on the host, against
    the 1x line, the 2x requirement and the goals."""
    series = [s for s in CHART_SERIES if report.get(s[0])]
    names = list(next(report[s[0]] for s in series)["programs"]) if series else []
    rows = names + [GEOMEAN_ROW] if names else []

    def value(where: str, variant: str, row: str) -> float:
        key = ratio_key(variant, "aot_gcc")
        run = report[where]
        v = run["geomean"].get(key) if row == GEOMEAN_ROW else \
            run["programs"].get(row, {}).get(key)
        return v or 0

    values = [value(w, v, r) for r in rows for w, v, _ in series]
    top = max([math.ceil(REQUIREMENT) + 1] + [math.ceil(v) for v in values])
    bar, gap, left, width = 10, 14, 110, 560
    group = bar * len(series) + gap
    y0 = 66
    bottom = y0 + group * len(rows)
    height = bottom + 40 + 20 * (len(series) + 2)
    x = lambda v: left + width * v / top      # noqa: E731
    env = report["environment"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" '
           f'height="{height}" font-family="sans-serif" font-size="12">',
           '<text x="10" y="20" font-size="15">jitboot: JIT-compiled code / gcc -O2, '
           'our IL passes off and on (time ratio, lower is better)</text>',
           f'<text x="10" y="38" fill="#555">{_xml(env.get("cpu", ""))}; kernel under '
           f'{(env.get("accel") or "?").upper()}'
           f'{" (emulated: kernel figures are not native speed)" if env.get("emulated") else ""}'
           f'</text>']
    for tick in range(top + 1):
        req = tick == REQUIREMENT
        style = 'stroke="#c00" stroke-dasharray="4,3"' if req else 'stroke="#bbb"'
        out.append(f'<line x1="{x(tick):.1f}" y1="{y0}" x2="{x(tick):.1f}" y2="{bottom}" {style}/>')
        out.append(f'<text x="{x(tick):.1f}" y="{bottom + 14}" text-anchor="middle">'
                   f'{tick}x{" (requirement)" if req else ""}</text>')
    for g in GOALS:
        out.append(f'<line x1="{x(g):.1f}" y1="{y0 - 4}" x2="{x(g):.1f}" y2="{bottom}" '
                   f'stroke="#1e8449" stroke-dasharray="2,2"/>')
        out.append(f'<text x="{x(g):.1f}" y="{y0 - 8}" text-anchor="middle" font-size="10" '
                   f'fill="#1e8449">{g:g}x</text>')
    for i, row in enumerate(rows):
        gy = y0 + i * group + gap / 2
        weight = ' font-weight="bold"' if row == GEOMEAN_ROW else ""
        out.append(f'<text x="{left - 6}" y="{gy + bar * len(series) / 2 + 4:.1f}" '
                   f'text-anchor="end"{weight}>{_xml(row)}</text>')
        for j, (where, variant, color) in enumerate(series):
            v = value(where, variant, row)
            label = f"{where}: {variant} / aot_gcc"
            out.append(f'<rect x="{left}" y="{gy + j * bar:.1f}" width="{x(v) - left:.1f}" '
                       f'height="{bar - 1}" fill="{color}"><title>{row}, {label}: '
                       f'{v:.2f}x</title></rect>')
            out.append(f'<text x="{x(v) + 3:.1f}" y="{gy + j * bar + bar - 2:.1f}" '
                       f'font-size="9">{v:.2f}</text>')
    ly = bottom + 30
    passes = {w: report[w].get("passes_on") or "all" for w, _, _ in series}
    for j, (where, variant, color) in enumerate(series):
        what = "plain QBE" if variant == "jit_off" else f"passes {passes[where]}"
        out.append(f'<rect x="{left}" y="{ly + j * 20}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{left + 18}" y="{ly + j * 20 + 10}">{where}: {variant} '
                   f'({_xml(what)}) / aot_gcc</text>')
    ly += 20 * len(series)
    out.append(f'<line x1="{left}" y1="{ly + 6}" x2="{left + 12}" y2="{ly + 6}" stroke="#c00" '
               f'stroke-dasharray="4,3"/>')
    out.append(f'<text x="{left + 18}" y="{ly + 10}">requirement: at most {REQUIREMENT:g}x '
               f'slower than gcc -O2</text>')
    out.append(f'<line x1="{left}" y1="{ly + 26}" x2="{left + 12}" y2="{ly + 26}" '
               f'stroke="#1e8449" stroke-dasharray="2,2"/>')
    out.append(f'<text x="{left + 18}" y="{ly + 30}">goals: {GOALS[0]:g}x (recursive fib), '
               f'{GOALS[1]:g}x (geomean)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run_benchmark(recipe: "Recipe | None" = None, root: Path = ROOT, builds: bool = True,
                  real_programs: bool = True) -> dict[str, Any]:
    """`doit bench`: boot the bench image, run the host twin, time the
    builds, run the real-program benchmark (jitboot/cbench.py, its own
    build/cbench.json too); print the tables, write build/bench.json and
    .svg.  The bench task's dependencies built the image, jitbench, jitrun
    and qbe-stock; called without a bench recipe (from Python), it builds
    the image and jitbench first."""
    from ..build import build_image, image_for
    if recipe is not None and recipe.bench:
        image = image_for(recipe, root)
        built = True
    else:
        image = build_image("bench", root)
        built = False
    arch = image.recipe.arch
    native = arch == HOST       # the host twin, the build times and cbench are this CPU's
    kernel = run_kernel(image)
    host = run_host(root, quick="bench_quick" in image.recipe.tests, build=not built) \
        if native else None
    report: dict[str, Any] = {
        "environment": {**environment(kernel.accel, arch), "image": image.name,
                        "emulated": kernel.accel == "tcg", "why_not_kvm": _why_not_kvm(kernel)},
        "kernel": summarize(kernel.figures),
        "host": summarize(host) if host else None,
        "boot": {"qemu_start_to_first_ktap_line_s": kernel.qemu_start_to_ktap_s,
                 "qemu_run_s": kernel.run_s, **kernel.figures.boot,
                 "tsc_hz": kernel.figures.tsc_hz},
    }
    boot, hz = report["boot"], kernel.figures.tsc_hz
    for key in ("reset_to_entry", "entry_to_tests", "reset_to_tests"):
        if key in boot and hz:
            boot[f"{key}_ms"] = boot[key] * 1e3 / hz
    if builds and native:
        report["build"] = measure_builds(root)
    if real_programs and native:
        from .. import cbench
        print("real-program benchmark (tests/cbench, host):", flush=True)
        report["real_programs"] = cbench.run(root)
    from ..paths import build_dir
    out = build_dir(root)
    out.mkdir(parents=True, exist_ok=True)
    from ..render import write_if_changed      # atomic: never a half-written report
    write_if_changed(out / "bench.json", json.dumps(report, indent=2) + "\n")
    write_if_changed(out / "bench.svg", chart_svg(report))
    print(render_text(report), flush=True)
    print(f"figures: {toolchain.rel(out / 'bench.json', root)}, chart: "
          f"{toolchain.rel(out / 'bench.svg', root)}")
    bad = report["kernel"]["disagreements"] + (report["host"] or {}).get("disagreements", [])
    if bad:
        raise JitbootError(f"benchmark variants disagree or failed: {'; '.join(bad)}")
    return report


def _why_not_kvm(kernel: KernelRun) -> str | None:
    from .. import qemu
    if kernel.accel == "kvm":
        return None
    problem = getattr(qemu, "kvm_problem", None)    # the harness's diagnosis, if it has one
    return (problem() if problem else None) or "the recipe asked for TCG"


def render_text(report: dict) -> str:
    env = report["environment"]
    accel = (env.get("accel") or "?").upper()
    lines = [f"machine: {env['cpu']} ({env['cpus']} CPUs), Linux {env['kernel']}, {env['gcc']}",
             f"kernel bench under {accel}" + (f": emulation ({env.get('why_not_kvm')}), so "
                                              "kernel figures are not native speed"
                                              if env.get("emulated") else
                                              " (hardware virtualization)"),
             "", table(f"in the kernel ({env.get('arch', 'x86_64')}, {accel})", report["kernel"]),
             ""]
    if report.get("host"):
        lines.append(table("on the host (native Linux)", report["host"]))
    else:
        lines.append(f"on the host: not run (the host twin is {HOST}'s; the image is "
                     f"{env.get('arch')}'s: `doit bench` gives the host figures)")
    b = report["boot"]
    lines.append("")
    parts = []
    if b.get("qemu_start_to_first_ktap_line_s") is not None:
        parts.append(f"QEMU start to first KTAP line {b['qemu_start_to_first_ktap_line_s']:.3f} s")
    for key, label in (("entry_to_tests_ms", "kernel entry to tests"),
                       ("reset_to_tests_ms", "CPU reset to tests (firmware included)")):
        if key in b:
            parts.append(f"{label} {b[key]:.1f} ms")
    lines.append("boot: " + "; ".join(parts))
    if "build" in report:
        bt = report["build"]
        lines.append(f"build (doit image image={bt['image']}, -j1): clean {bt['clean_s']:.1f} s,"
                     f" no-op {bt['noop_s']:.2f} s")
    return "\n".join(lines)
