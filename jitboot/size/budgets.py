"""Budgets: the recipe's limits and the check against a report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from jitboot import components as manifest
from jitboot import recipe
from jitboot.errors import JitbootError

from .model import DEFAULT_BUDGETS, JIT_CORE, Overrun, SizeReport, UNATTRIBUTED

if TYPE_CHECKING:
    from jitboot.recipe import Recipe


def parse_size(v: Any, where: str = "size") -> int:
    """recipe.parse_size (one size grammar: "5 MiB", "500K", "0x1000";
    binary units), with a JitbootError naming where the size came from."""
    try:
        return recipe.parse_size(v)
    except ValueError as e:
        raise JitbootError(f"{where}: {e}") from None


def recipe_budgets(recipe: Recipe) -> dict[str, Any]:
    """The budgets of a jitboot.recipe.Recipe in check_budgets' form."""
    return {"image": recipe.budget_image, "jit_core": recipe.budget_jit_core,
            "memory": recipe.budget_memory,
            "components": dict(getattr(recipe, "budget_components", None) or {})}


def check_budgets(report: SizeReport,
                  budgets: Mapping[str, Any] | None = None) -> list[Overrun]:
    """Compare a report with budgets; [] means everything fits.

    budgets: {"image": N, "jit_core": N, "memory": N, "components": {name: N}}
    (sizes as for parse_size; missing keys take DEFAULT_BUDGETS).  image and
    memory are PT_LOAD file and memory sizes; jit_core and per-component
    budgets count text+rodata+data (bss is memory, not image).
    """
    b = dict(DEFAULT_BUDGETS)
    b.update({k: v for k, v in (budgets or {}).items()})
    known = {"image", "jit_core", "memory", "components"}
    for k in b:
        if k not in known:
            raise JitbootError(f"budget: unknown key {k!r} (known: {', '.join(sorted(known))})")
    known_bytes = sum(n for how, n in report.attribution.items() if how != UNATTRIBUTED)
    if not known_bytes and report.totals.get("sections_memory"):
        raise JitbootError(f"{report.elf}: no DWARF and no symbols (stripped?): no byte can be "
                           f"attributed to a component, so the jit_core and component budgets "
                           f"cannot be checked; audit the unstripped kernel.elf")
    real = [c for c in report.components if c.name != UNATTRIBUTED]
    by_file = sorted(((c.name, c.file) for c in real), key=lambda x: -x[1])
    by_mem = sorted(((c.name, c.memory) for c in real), key=lambda x: -x[1])
    core = [(n, f) for n, f in by_file if n in JIT_CORE]
    # (what, measured, culprits, limit); None: the limit is b[what]
    checks: list[tuple[str, int, list[tuple[str, int]], int | None]] = [
        ("image", report.totals["image"], by_file, None),
        ("jit_core", report.jit_core, core, None),
        ("memory", report.totals["memory"], by_mem, None)]
    comps = b.get("components") or {}
    if not isinstance(comps, Mapping):
        raise JitbootError("budget: 'components' must be a table of component = size")
    names = {c.name for c in report.components} | set(JIT_CORE) | \
        manifest.size_groups()
    for name, limit in comps.items():
        if name not in names:
            raise JitbootError(f"budget: unknown component {name!r} "
                               f"(known: {', '.join(sorted(names))})")
        c = report.component(name)
        checks.append((f"component {name}", c.file, [(name, c.file)],
                       parse_size(limit, f"budget.components.{name}")))
    out = []
    for what, measured, culprits, fixed in checks:
        limit = fixed if fixed is not None else parse_size(b[what], f"budget.{what}")
        if measured > limit:
            out.append(Overrun(what, measured, limit, [c for c in culprits if c[1]][:3]))
    return out
