"""Image recipes: images/<name>.toml, loaded and validated.

A recipe says what one bootable image is: where the kernel is loaded, how big
its stack, heap and JIT arena are, which kernel tests and IL payloads run, how
QEMU runs it and which size budgets it must meet.  The schema is a table in
this file (SCHEMA); every value is checked against it and against the machine
layout, and any problem is a JitbootError naming the file, the line when it
can be found, and the key.

Sizes may be integers (bytes) or strings with a binary suffix: "64K", "16M",
"1G" (also "64KiB", "16 MiB").
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ROOT
from .errors import JitbootError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

EXIT_PASS = 0x10   # QEMU exits (0x10 << 1) | 1 = 33
EXIT_FAIL = 0x11   # a kernel test failed: QEMU exits 35
EXIT_PANIC = 0x12  # CPU exception or kernel panic: QEMU exits 37

ACCELS = ("auto", "kvm", "tcg")
BOOT_MEDIA = ("kernel", "iso")
TEST_NAME = re.compile(r"^[a-z0-9_]+$")
KTEST_DEF = re.compile(r"^\s*KTEST\(\s*([a-z0-9_]+)\s*\)", re.M)


class _Size:
    """Marker type: an integer byte count or a string like "64K"."""


def parse_size(value: Any) -> int:
    """Return the byte count for 4096, "4K", "4 KiB", "16M", "1G"."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size like 64K or an integer, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"size must not be negative, got {value}")
        return value
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+)\s*([KMG]?)(?:i?B)?\s*", value, re.I)
        if m:
            scale = {"": 1, "K": KIB, "M": MIB, "G": GIB}[m.group(2).upper()]
            return int(m.group(1)) * scale
    raise ValueError(f"expected a size like 64K or an integer, got {value!r}")


# Schema: section -> key -> (type, default).  A default of REQUIRED means the
# key must be present.  Types: int, bool, str, float (int accepted), _Size,
# list[str] (given as `list`), dict of sizes (`dict`).
REQUIRED = object()
SCHEMA: dict[str, dict[str, tuple[Any, Any]]] = {
    "": {
        "description": (str, ""),
    },
    "layout": {
        "load_address": (int, 0x100000),
        "kernel_max_size": (_Size, 8 * MIB),
        "stack_size": (_Size, 64 * KIB),
        "heap_address": (int, 0x1000000),
        "heap_size": (_Size, 64 * MIB),
        "jit_arena_address": (int, 0x5000000),
        "jit_arena_size": (_Size, 32 * MIB),
    },
    "features": {
        "jit": (bool, True),
        "qbe_nins": (int, 1 << 16),
        "bench": (bool, False),
        "jit_passes": (str, "all"),
    },
    "qemu": {
        "memory": (_Size, 256 * MIB),
        "accel": (str, "auto"),
        "timeout": (float, 120.0),
        "boot": (list, ["kernel", "iso"]),
    },
    "budget": {
        "image": (_Size, 5 * MIB),
        "jit_core": (_Size, 500 * KIB),
        "memory": (_Size, 32 * MIB),
        "components": (dict, {}),
    },
    "run": {
        "tests": (list, ["aot_fib"]),
        "payloads": (list, []),
        "payload_timeout": (float, 5.0),
    },
}


@dataclass(frozen=True)
class Payload:
    path: Path      # absolute path of the IL file
    name: str       # basename, as the kernel sees it

    def context(self) -> dict:
        return {"path": str(self.path), "name": self.name}


@dataclass(frozen=True)
class Recipe:
    name: str
    path: Path
    description: str
    load_address: int
    kernel_max_size: int
    stack_size: int
    heap_address: int
    heap_size: int
    jit_arena_address: int
    jit_arena_size: int
    jit: bool
    qbe_nins: int
    memory: int
    accel: str
    timeout: float
    boot: tuple[str, ...]
    budget_image: int
    budget_jit_core: int
    budget_memory: int
    budget_components: dict[str, int] = field(default_factory=dict)
    tests: tuple[str, ...] = ()
    payloads: tuple[Payload, ...] = ()
    bench: bool = False     # link the benchmark programs (jitboot/bench.py)
    jit_passes: str = "all"  # our optimization passes in the JIT (jit/jit.h)
    payload_timeout: float = 5.0  # seconds a payload's main may run (kernel_lib/watchdog.c)

    def context(self) -> dict:
        """The `image` variable every template sees."""
        return {
            "name": self.name,
            "load_address": self.load_address,
            "kernel_max_size": self.kernel_max_size,
            "stack_size": self.stack_size,
            "heap_address": self.heap_address,
            "heap_size": self.heap_size,
            "jit_arena_address": self.jit_arena_address,
            "jit_arena_size": self.jit_arena_size,
            "memory_size": self.memory,
            "tests": list(self.tests),
            "features": {"jit": self.jit, "nins": self.qbe_nins, "bench": self.bench,
                         "jit_passes": self.jit_passes},
            "payloads": [p.context() for p in self.payloads],
            "payload_timeout_ms": max(1, math.ceil(self.payload_timeout * 1000)),
            "exit_pass": EXIT_PASS,
            "exit_fail": EXIT_FAIL,
            "exit_panic": EXIT_PANIC,
        }

    def with_payloads(self, paths: list[str]) -> "Recipe":
        """This recipe plus extra payloads given on the command line."""
        extra = tuple(_payload(self.path, p, None, base=Path.cwd()) for p in paths)
        merged = self.payloads + extra
        _check_payload_names(self.path, merged)
        return _replace(self, payloads=merged)


def _replace(recipe: Recipe, **changes) -> Recipe:
    from dataclasses import replace
    return replace(recipe, **changes)


def find_recipe(name_or_path: str, root: Path = ROOT) -> Path:
    """images/<name>.toml for a bare name, else the path itself."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_absolute():
            path = (Path.cwd() / path) if (Path.cwd() / path).exists() else root / path
    else:
        path = root / "images" / f"{name_or_path}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in (root / "images").glob("*.toml"))
        raise JitbootError(
            f"{_show(path)}: no such recipe (images available: {', '.join(known) or 'none'})")
    return path


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


class _Reporter:
    """Turns a bad key into 'file:line: [section] key: problem'."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, text.splitlines()

    def line_of(self, section: str, key: str) -> int | None:
        current = ""
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip()
            header = re.fullmatch(r"\[([A-Za-z0-9_.\- ]+)\]\s*(#.*)?", stripped)
            if header:
                current = header.group(1).strip()
                continue
            if current == section and re.match(rf"{re.escape(key)}\s*=", stripped):
                return number
        return None

    def error(self, section: str, key: str | None, problem: str) -> JitbootError:
        where = _show(self.path)
        line = self.line_of(section, key) if key else None
        if line is None and key is None and section:
            for number, text in enumerate(self.lines, 1):
                if text.strip().startswith(f"[{section}]"):
                    line = number
                    break
        if line:
            where += f":{line}"
        label = f"[{section}] {key}" if section and key else (key or f"[{section}]")
        return JitbootError(f"{where}: {label}: {problem}")


def load_recipe(name_or_path: str | Path, root: Path = ROOT) -> Recipe:
    """Load and validate a recipe; raise JitbootError on any problem."""
    path = find_recipe(str(name_or_path), root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise JitbootError(f"{_show(path)}: cannot read recipe: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        # Python 3.11's error has no line attribute: it ends "(at line N, column M)"
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", str(e))
        where, what = _show(path), str(e)
        if m:
            where, what = f"{where}:{m.group(1)}", f"{what[:m.start()]} (column {m.group(2)})"
        raise JitbootError(f"{where}: invalid TOML: {what}") from None
    rep = _Reporter(path, text)
    values = _check_schema(data, rep)
    recipe = _build(path, values, rep, root)
    _check_layout(recipe, rep)
    _check_tests(recipe, rep, root)
    return recipe


def _check_schema(data: dict, rep: _Reporter) -> dict[tuple[str, str], Any]:
    values: dict[tuple[str, str], Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in SCHEMA or key == "":
                raise rep.error(key, None, f"unknown section (known: "
                                f"{', '.join(s for s in SCHEMA if s)})")
            continue
        if key in SCHEMA and key != "":
            raise rep.error("", key, f"must be a table: write [{key}] and its keys under it")
        if key not in SCHEMA[""]:
            hint = [s for s in SCHEMA if key in SCHEMA[s]]
            extra = f" (did you mean [{hint[0]}] {key}?)" if hint else ""
            raise rep.error("", key, f"unknown key{extra}")
    for section, keys in SCHEMA.items():
        table = data if section == "" else data.get(section, {})
        for key, value in table.items():
            if section == "" and isinstance(value, dict):
                continue
            if key not in keys:
                raise rep.error(section, key, f"unknown key (known: {', '.join(keys)})")
        for key, (kind, default) in keys.items():
            if key not in table:
                values[section, key] = default
                continue
            values[section, key] = _convert(kind, table[key], section, key, rep)
    return values


def _convert(kind: Any, value: Any, section: str, key: str, rep: _Reporter) -> Any:
    def bad(expected: str) -> JitbootError:
        return rep.error(section, key, f"expected {expected}, got {value!r}")

    if kind is _Size:
        try:
            return parse_size(value)
        except ValueError as e:
            raise rep.error(section, key, str(e)) from None
    if kind is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer (e.g. 0x100000)")
        if value < 0:
            raise bad("a non-negative integer")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0 < value < float("inf"):    # also refuses nan
            raise bad("a positive number of seconds")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return list(value)
    if kind is dict:
        if not isinstance(value, dict):
            raise bad("a table of sizes")
        out = {}
        for name, size in value.items():
            try:
                out[name] = parse_size(size)
            except ValueError as e:
                raise rep.error(section, key, f"{name}: {e}") from None
        return out
    raise AssertionError(kind)


def _payload(recipe_path: Path, given: str, rep: _Reporter | None, base: Path) -> Payload:
    path = Path(given)
    if not path.is_absolute():
        path = base / path
    if not path.is_file():
        message = f"payload {given!r} not found (looked at {path})"
        if rep:
            raise rep.error("run", "payloads", message)
        raise JitbootError(message)
    return Payload(path=path.resolve(), name=path.name)


def _check_payload_names(recipe_path: Path, payloads: tuple[Payload, ...]) -> None:
    seen: set[str] = set()
    for p in payloads:
        if p.name in seen:
            raise JitbootError(f"{_show(recipe_path)}: two payloads are named {p.name!r}; "
                               "the kernel tells modules apart by file name")
        if not re.fullmatch(r"[A-Za-z0-9_.+\-]+", p.name):
            raise JitbootError(f"payload file name {p.name!r} must use only letters, "
                               "digits and _ . + -")
        seen.add(p.name)


def _build(path: Path, v: dict, rep: _Reporter, root: Path) -> Recipe:
    accel = v["qemu", "accel"]
    if accel not in ACCELS:
        raise rep.error("qemu", "accel", f"expected one of {', '.join(ACCELS)}, got {accel!r}")
    for medium in v["qemu", "boot"]:
        if medium not in BOOT_MEDIA:
            raise rep.error("qemu", "boot",
                            f"unknown boot medium {medium!r} (use {', '.join(BOOT_MEDIA)})")
    if not v["qemu", "boot"]:
        raise rep.error("qemu", "boot", "must name at least one boot medium")
    nins = v["features", "qbe_nins"]
    if not 1024 <= nins <= (1 << 24):
        raise rep.error("features", "qbe_nins", f"must be between 1024 and 16777216, got {nins}")
    payloads = tuple(_payload(path, p, rep, root) for p in v["run", "payloads"])
    _check_payload_names(path, payloads)
    if v["features", "bench"] and not v["features", "jit"]:
        raise rep.error("features", "bench", "the benchmark measures the JIT: "
                        "it needs [features] jit = true")
    _check_passes(v["features", "jit_passes"], rep)
    _check_components(v["budget", "components"], rep)
    if v["run", "payload_timeout"] > MAX_PAYLOAD_TIMEOUT:
        raise rep.error("run", "payload_timeout", f"at most {MAX_PAYLOAD_TIMEOUT} seconds "
                        f"(one day), got {v['run', 'payload_timeout']}")
    return Recipe(
        name=path.stem,
        path=path,
        description=v["", "description"],
        load_address=v["layout", "load_address"],
        kernel_max_size=v["layout", "kernel_max_size"],
        stack_size=v["layout", "stack_size"],
        heap_address=v["layout", "heap_address"],
        heap_size=v["layout", "heap_size"],
        jit_arena_address=v["layout", "jit_arena_address"],
        jit_arena_size=v["layout", "jit_arena_size"],
        jit=v["features", "jit"],
        qbe_nins=nins,
        memory=v["qemu", "memory"],
        accel=accel,
        timeout=v["qemu", "timeout"],
        boot=tuple(v["qemu", "boot"]),
        budget_image=v["budget", "image"],
        budget_jit_core=v["budget", "jit_core"],
        budget_memory=v["budget", "memory"],
        budget_components=v["budget", "components"],
        tests=tuple(v["run", "tests"]),
        payloads=payloads,
        bench=v["features", "bench"],
        jit_passes=v["features", "jit_passes"],
        payload_timeout=v["run", "payload_timeout"],
    )


def _check_components(budgets: dict, rep: _Reporter) -> None:
    """[budget] components: known names and sizes, before anything is built."""
    from .size import DEFAULT_COMPONENTS, UNATTRIBUTED
    known = sorted({c for _, c in DEFAULT_COMPONENTS} | {UNATTRIBUTED})
    for name, limit in budgets.items():
        if name not in known:
            raise rep.error("budget", "components",
                            f"unknown component {name!r} (known: {', '.join(known)})")
        try:
            parse_size(limit)
        except ValueError as e:
            raise rep.error("budget", "components", f"{name}: {e}") from None


MAX_PAYLOAD_TIMEOUT = 86400   # keeps the kernel's TSC deadline arithmetic in range

# The JIT's own optimization passes (jit/shim/qbe/opt.c passtab).
JIT_PASSES = ("tre", "inline")


def _check_passes(spec: str, rep: _Reporter) -> None:
    if spec in ("all", "none"):
        return
    for name in spec.split(","):
        if name not in JIT_PASSES:
            raise rep.error("features", "jit_passes",
                            f"unknown pass {name!r} (use \"all\", \"none\" or "
                            f"comma-separated names from {', '.join(JIT_PASSES)})")


PAGE = 4 * KIB
LOW_MEMORY_END = 0x100000   # below 1 MiB: BIOS data, VGA memory, option ROMs
IDENTITY_MAPPED = 4 * GIB   # the boot page tables map 0..4 GiB
REL32_REACH = 2 * GIB       # JIT'd code calls kernel functions with rel32


def _check_layout(r: Recipe, rep: _Reporter) -> None:
    def need(ok: bool, key: str, problem: str, section: str = "layout") -> None:
        if not ok:
            raise rep.error(section, key, problem)

    for key in ("load_address", "heap_address", "jit_arena_address"):
        need(getattr(r, key) % PAGE == 0, key, f"must be 4 KiB aligned, got {getattr(r, key):#x}")
    for key in ("stack_size", "heap_size", "jit_arena_size", "kernel_max_size"):
        value = getattr(r, key)
        need(value > 0 and value % PAGE == 0, key,
             f"must be a positive multiple of 4 KiB, got {value}")
    for key in ("load_address", "heap_address", "jit_arena_address"):
        # page 0 stays unmapped (null dereferences fault) and the rest of
        # the first MiB is the BIOS's and the VGA's
        need(getattr(r, key) >= LOW_MEMORY_END, key,
             f"{getattr(r, key):#x} is below 1 MiB, where the BIOS and VGA memory live")
    need(r.memory >= 16 * MIB, "memory", f"QEMU needs at least 16M, got {r.memory}", "qemu")
    need(r.memory <= 3 * GIB, "memory",
         "more than 3G would put RAM above the 4 GiB identity map", "qemu")
    need(r.stack_size < r.memory, "stack_size",
         f"stack ({_human(r.stack_size)}) is larger than memory ({_human(r.memory)})")
    need(r.stack_size + PAGE <= r.kernel_max_size, "stack_size",
         f"stack ({_human(r.stack_size)}) does not fit in kernel_max_size "
         f"({_human(r.kernel_max_size)}): the stack lives in the kernel's .bss")
    regions = [
        ("kernel", "load_address", r.load_address, r.kernel_max_size),
        ("heap", "heap_address", r.heap_address, r.heap_size),
        ("jit_arena", "jit_arena_address", r.jit_arena_address, r.jit_arena_size),
    ]
    for name, key, start, size in regions:
        need(start + size <= r.memory, key,
             f"{name} [{start:#x}, {start + size:#x}) ends beyond the "
             f"{_human(r.memory)} of memory ([qemu] memory)")
    for i, (a, akey, astart, asize) in enumerate(regions):
        for b, _bkey, bstart, bsize in regions[i + 1:]:
            if astart < bstart + bsize and bstart < astart + asize:
                raise rep.error("layout", akey if a != "kernel" else _bkey,
                                f"{a} [{astart:#x}, {astart + asize:#x}) overlaps "
                                f"{b} [{bstart:#x}, {bstart + bsize:#x})")
    arena_end = r.jit_arena_address + r.jit_arena_size
    kernel_end = r.load_address + r.kernel_max_size
    need(max(arena_end, kernel_end) - min(r.jit_arena_address, r.load_address) <= REL32_REACH,
         "jit_arena_address", "JIT arena must lie within 2 GiB of the kernel "
         "(JIT'd code calls kernel functions with rel32)")


def _human(n: int) -> str:
    for unit, scale in (("G", GIB), ("M", MIB), ("K", KIB)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


def available_tests(root: Path = ROOT, jit: bool = True) -> dict[str, Path]:
    """Kernel tests defined with KTEST(name) in the kernel's components
    that may define them (jitboot.components: kernel_lib, the JIT's kernel
    glue when jit is on)."""
    from .components import ktest_sources
    found: dict[str, Path] = {}
    for src in ktest_sources(root, jit=jit):
        for name in KTEST_DEF.findall(src.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(name, src)
    return found


def _check_tests(r: Recipe, rep: _Reporter, root: Path) -> None:
    known = available_tests(root, jit=r.jit)
    seen = set()
    for name in r.tests:
        if not TEST_NAME.fullmatch(name):
            raise rep.error("run", "tests", f"bad test name {name!r} (use [a-z0-9_])")
        if name in seen:
            raise rep.error("run", "tests", f"test {name!r} listed twice")
        seen.add(name)
        if name not in known:
            also = available_tests(root, jit=True)
            if name in also and not r.jit:
                raise rep.error("run", "tests", f"test {name!r} needs the JIT "
                                "but [features] jit = false")
            raise rep.error("run", "tests", f"unknown test {name!r} (available: "
                            f"{', '.join(sorted(known)) or 'none'})")
    if not r.tests and not r.payloads:
        raise rep.error("run", "tests", "the image runs nothing: list tests or payloads")
