"""Image recipes: images/<name>.toml, loaded and validated.

A recipe says what one bootable image is: where the kernel is loaded, how big
its stack, heap and JIT arena are, which kernel tests and IL payloads run, how
QEMU runs it and which size budgets it must meet.  Every key is declared once,
in KEYS below: its section, type, default, check, template variable and the
line that documents it.  Validation, the template context,
images/default.toml and the README's recipe table are all derived from it
(`python -m jitboot.recipe --write` regenerates the file and the table); the
Recipe dataclass spells its fields out for type checkers and is checked
against KEYS at import.  Any problem is a JitbootError naming the file, the
line when it can be found, and the key.

Sizes (SIZE_GRAMMAR) are integers (bytes) or strings: a number and a binary
unit, K, M or G, also written KB/KiB, MB/MiB, GB/GiB: "64K", "16 MiB", "1.5G",
"0x1000".  Every unit is a power of 1024 ("5MB" is 5,242,880 bytes),
everywhere sizes are read: recipes and `python -m jitboot.size`.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tomllib
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from . import ROOT
from .errors import JitbootError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

ACCELS = ("auto", "kvm", "tcg")
ARCHES = ("x86_64", "aarch64")      # jitboot.components.ARCHES, checked at import below
# Where RAM starts for each architecture's QEMU machine (q35: 0, virt:
# 1 GiB), and the lowest address a recipe region may use: on x86-64 the
# first MiB is the BIOS's and VGA's, on QEMU virt the device tree sits at
# the start of RAM.
RAM_BASE = {"x86_64": 0, "aarch64": 0x40000000}
LOW_MEMORY = {"x86_64": 0x100000, "aarch64": 0x40000000 + 0x100000}
BOOT_MEDIA = ("kernel", "iso")
TEST_NAME = re.compile(r"^[a-z0-9_]+$")
KTEST_DEF = re.compile(r"^\s*KTEST\(\s*([a-z0-9_]+)\s*\)", re.M)
PAYLOAD_NAME = re.compile(r"^[A-Za-z0-9_.+\-]+$")

MAX_PAYLOAD_TIMEOUT = 86400   # keeps the kernel's TSC deadline arithmetic in range
NINS_RANGE = (1024, 1 << 24)
MAX_OUTPUT_LIMIT = GIB          # a serial log past this is no longer worth reading

# The JIT's own optimization passes (jit/shim/qbe/opt.c passtab).
JIT_PASSES = ("tre", "inline", "ext", "thread", "cmp", "sink", "licm", "iv", "rotate", "builtin",
              "switch", "fold")


# -- sizes -----------------------------------------------------------------

SIZE_GRAMMAR = ("an integer, or a number with K, M or G (also KB/KiB, MB/MiB, GB/GiB): "
                "binary units, 1K = 1024")
_SIZE = re.compile(r"\s*(0x[0-9a-f]+|\d+(?:\.\d+)?)\s*(?:([KMG])(?:i?B)?|B)?\s*", re.I)
_SCALE = {None: 1, "K": KIB, "M": MIB, "G": GIB}


class _Size:
    """Marker type: an integer byte count or a string like "64K"."""


def parse_size(value: Any) -> int:
    """Return the byte count for 4096, "4K", "4 KiB", "16MB", "1.5G", "0x1000"."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size like 64K or an integer, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"size must not be negative, got {value}")
        return value
    if isinstance(value, str):
        m = _SIZE.fullmatch(value)
        if m:
            digits = m.group(1)
            number = Decimal(int(digits, 16)) if digits[:2].lower() == "0x" else Decimal(digits)
            n = number * _SCALE[m.group(2) and m.group(2).upper()]
            if n != n.to_integral_value():
                raise ValueError(f"size {value!r} is not a whole number of bytes")
            return int(n)
    raise ValueError(f"expected a size like 64K or an integer, got {value!r}")


def format_size(n: int) -> str:
    """The shortest exact spelling: 5242880 -> "5M", 1000 -> "1000"."""
    for unit, scale in (("G", GIB), ("M", MIB), ("K", KIB)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


# -- checks of one value: each returns the problem, or None ------------------

def _one_of(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if value not in choices:
            return f"expected one of {', '.join(choices)}, got {value!r}"
        return None
    return check


def _check_boot(media: list[str]) -> str | None:
    for medium in media:
        if medium not in BOOT_MEDIA:
            return f"unknown boot medium {medium!r} (use {', '.join(BOOT_MEDIA)})"
    if not media:
        return "must name at least one boot medium"
    twice = next((m for i, m in enumerate(media) if m in media[:i]), None)
    if twice:
        return f"boot medium {twice!r} is listed twice"
    return None


def _check_nins(nins: int) -> str | None:
    low, high = NINS_RANGE
    if not low <= nins <= high:
        return f"must be between {low} and {high}, got {nins}"
    return None


def _check_passes(spec: str) -> str | None:
    if spec in ("all", "none"):
        return None
    for name in spec.split(","):
        if name not in JIT_PASSES:
            return (f"unknown pass {name!r} (use \"all\", \"none\" or "
                    f"comma-separated names from {', '.join(JIT_PASSES)})")
    return None


def _check_components(budgets: dict[str, int]) -> str | None:
    """[budget] components: known names, before anything is built."""
    from .size import DEFAULT_COMPONENTS, UNATTRIBUTED
    known = sorted({c for _, c in DEFAULT_COMPONENTS} | {UNATTRIBUTED})
    for name in budgets:
        if name not in known:
            return f"unknown component {name!r} (known: {', '.join(known)})"
    return None


C_OPTS = ("-O0", "-O2")
SOURCE_SUFFIXES = (".c", ".ll")     # payloads translated to IL (jitboot/payloads.py)


def _check_c_opt(opt: str) -> str | None:
    return None if opt in C_OPTS else f"must be one of {', '.join(C_OPTS)}, got {opt!r}"


def _check_payload_timeout(seconds: float) -> str | None:
    if seconds > MAX_PAYLOAD_TIMEOUT:
        return f"at most {MAX_PAYLOAD_TIMEOUT} seconds (one day), got {seconds}"
    return None


def _check_output_limit(n: int) -> str | None:
    if n > MAX_OUTPUT_LIMIT:
        return f"at most {MAX_OUTPUT_LIMIT // GIB}G, got {n}"
    return None


MAX_RETRIES = 10
ISOLATIONS = ("none", "user")


def _check_retries(n: int) -> str | None:
    return None if 0 <= n <= MAX_RETRIES else f"must be 0 to {MAX_RETRIES}, got {n}"


def _milliseconds(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


# -- the schema ------------------------------------------------------------

@dataclass(frozen=True)
class Key:
    """One recipe key, declared once."""
    section: str            # "" for top-level keys
    name: str
    kind: Any               # int, bool, str, float (seconds), _Size, list (of str), dict (of sizes)
    default: Any
    doc: str                # one line: the README table and images/default.toml say it
    attr: str = ""          # the Recipe attribute (default: name)
    context: str = ""       # template variable under `image` ("features.nins"); "": none
    check: Callable[[Any], str | None] | None = None
    to_context: Callable[[Any], Any] | None = None   # the value as templates see it
    hex: bool = False       # an address: written 0x... in TOML

    @property
    def field(self) -> str:
        return self.attr or self.name

    @property
    def label(self) -> str:
        return f"[{self.section}] {self.name}" if self.section else self.name


KEYS: tuple[Key, ...] = (
    Key("", "description", str, "", "what this image is for"),

    Key("target", "arch", str, "x86_64", context="arch", check=_one_of(ARCHES),
        doc="the architecture: x86_64 (QEMU q35) or aarch64 (QEMU virt, the kernel "
            "medium only)"),

    Key("layout", "load_address", int, 0x100000, hex=True, context="load_address",
        doc="where the kernel is linked and loaded (>= 1 MiB, 4 KiB aligned)"),
    Key("layout", "kernel_max_size", _Size, 8 * MIB, context="kernel_max_size",
        doc="the link fails if the kernel grows past this"),
    Key("layout", "stack_size", _Size, 64 * KIB, context="stack_size",
        doc="boot stack, in the kernel's .bss, with an unmapped guard page below"),
    Key("layout", "heap_address", int, 0x1000000, hex=True, context="heap_address",
        doc="malloc/free heap (>= 1 MiB and 4 KiB aligned, like every region)"),
    Key("layout", "heap_size", _Size, 64 * MIB, context="heap_size", doc="size of the heap"),
    Key("layout", "jit_arena_address", int, 0x5000000, hex=True, context="jit_arena_address",
        doc="JIT'd code and data; within 2 GiB of the kernel (rel32 calls)"),
    Key("layout", "jit_arena_size", _Size, 32 * MIB, context="jit_arena_size",
        doc="size of the JIT arena"),

    Key("features", "jit", bool, True, context="features.jit",
        doc="build QBE and the JIT into the kernel"),
    Key("features", "qbe_nins", int, 1 << 16, context="features.nins", check=_check_nins,
        doc=f"QBE's instruction buffer, in 16-byte entries ({NINS_RANGE[0]} to {NINS_RANGE[1]})"),
    Key("features", "bench", bool, False, context="features.bench",
        doc="link the benchmark programs (needs jit; see images/bench.toml)"),
    Key("features", "jit_passes", str, "all", context="features.jit_passes", check=_check_passes,
        doc=f"our IL passes: \"all\", \"none\" or names from {', '.join(JIT_PASSES)}, "
            "comma-separated"),

    Key("qemu", "memory", _Size, 256 * MIB, context="memory_size",
        doc="guest RAM, 16M to 3G"),
    Key("qemu", "accel", str, "auto", check=_one_of(ACCELS),
        doc="auto (KVM when /dev/kvm is usable, else TCG), kvm or tcg"),
    Key("qemu", "timeout", float, 120.0, doc="seconds before a run counts as hung"),
    Key("qemu", "boot", list, ["kernel", "iso"], check=_check_boot,
        doc="media `doit qemu-test` boots: kernel (-kernel ELF32; aarch64: the ELF), iso "
            "(GRUB ISO; x86_64 only, so aarch64's default is [\"kernel\"])"),

    Key("budget", "image", _Size, 5 * MIB, attr="budget_image",
        doc="loadable bytes (file-backed PT_LOAD segments)"),
    Key("budget", "jit_core", _Size, 500 * KIB, attr="budget_jit_core",
        doc="QBE + libc shim + JIT driver + assembler + loader (text + rodata + data)"),
    Key("budget", "memory", _Size, 32 * MIB, attr="budget_memory",
        doc="memory footprint of the kernel including .bss"),
    Key("budget", "components", dict, {"libm": 32 * KIB, "libc": 32 * KIB},
        attr="budget_components", check=_check_components,
        doc="per-component limits, e.g. { qbe = \"300K\" } (text + rodata + data); the C "
            "library of JIT'd code has them by default; a table given replaces the default"),

    Key("run", "tests", list, ["aot_fib"], context="tests", to_context=list,
        doc="kernel tests (KTEST names), in order"),
    Key("run", "payloads", list, [], context="payloads",
        to_context=lambda payloads: [p.context() for p in payloads],
        doc="programs run as multiboot modules, paths from the repository root: IL (.ssa), "
            "C (.c) or LLVM IR (.ll) translated to IL; a.c+b.c links several; @O2 sets one's level"),
    Key("run", "data", list, [], context="data",
        to_context=lambda data: [{"path": d, "name": Path(d).name} for d in data],
        doc="data files payloads open with fopen (by base name), paths from the repository "
            "root: multiboot modules in the kernel, the files themselves under jitrun"),
    Key("run", "args", list, [], context="args", to_context=list,
        doc="arguments every payload's main gets after its name (argv[1]...)"),
    Key("run", "c_opt", str, "-O0", check=_check_c_opt,
        doc="clang level for C payloads: -O0 (naive IL, the JIT optimises) or -O2"),
    Key("run", "payload_timeout", float, 5.0, context="payload_timeout_ms",
        check=_check_payload_timeout, to_context=_milliseconds,
        doc="seconds a payload's main may run before the kernel stops it"),
    Key("run", "compile_timeout", float, 10.0, context="compile_timeout_ms",
        check=_check_payload_timeout, to_context=_milliseconds,
        doc="seconds the JIT may take to compile one payload before the kernel gives it up "
            "and goes on with the next"),
    Key("run", "output_limit", _Size, 128 * KIB, context="output_limit", check=_check_output_limit,
        doc="bytes of one test's or payload's stdout printed on serial; past it the test fails "
            "saying how many bytes the program wrote"),
    Key("run", "test_timeout", float, 60.0, check=_check_payload_timeout,
        doc="seconds one top-level test may run before `doit qemu-test` stops it as timed out "
            "and runs the rest in a re-boot (a boot still ends at [qemu] timeout)"),
    Key("run", "boot_per_test", bool, False,
        doc="`doit qemu-test` boots once per test instead of once for all"),
    Key("run", "retries", int, 0, check=_check_retries,
        doc=f"`doit qemu-test` runs a failed test again up to this many times (0 to {MAX_RETRIES}); "
            "a pass on a retry is reported as flaky"),
    Key("run", "isolation", str, "none", context="isolation", check=_one_of(ISOLATIONS),
        doc="\"none\": payloads run in the kernel's ring 0 (trusted code, cheapest calls); "
            "\"user\": at ring 3 with only their own memory and a user-mode copy of the "
            "library mapped, kernel services through a checked gate (x86_64)"),
)

KEY: dict[tuple[str, str], Key] = {(k.section, k.name): k for k in KEYS}

# section -> key -> (type, default), for validation and error messages.
SCHEMA: dict[str, dict[str, tuple[Any, Any]]] = {}
for _k in KEYS:
    SCHEMA.setdefault(_k.section, {})[_k.name] = (_k.kind, _k.default)

DEFAULT_QBE_NINS: int = KEY["features", "qbe_nins"].default

# What the default image (images/default.toml) sets differently from the
# defaults; the file is generated from KEYS and these.
DEFAULT_IMAGE: dict[tuple[str, str], Any] = {
    ("", "description"): "Kernel self-tests, AOT fibonacci and JIT-compiled fibonacci",
    ("run", "tests"): ["aot_fib", "heap", "klib", "jit_fib"],
}


@dataclass(frozen=True)
class Payload:
    path: Path      # absolute path of the IL file the kernel gets
    name: str       # basename, as the kernel sees it
    sources: tuple[Path, ...] = ()   # C or LLVM IR it is translated from (none: IL)
    opt: str = ""                    # clang's level for C sources: "-O0" or "-O2"
    arch: str = "x86_64"             # the architecture C sources are compiled for

    def context(self) -> dict[str, str]:
        return {"path": str(self.path), "name": self.name}


@dataclass(frozen=True)
class Recipe:
    """A validated recipe: name (the file's stem), path, then one attribute per
    key of KEYS, in KEYS order.  The fields are written out so that a type
    checker sees them; _check_fields() below makes sure they match KEYS."""
    name: str
    path: Path
    description: str
    arch: str
    load_address: int
    kernel_max_size: int
    stack_size: int
    heap_address: int
    heap_size: int
    jit_arena_address: int
    jit_arena_size: int
    jit: bool
    qbe_nins: int
    bench: bool
    jit_passes: str
    memory: int
    accel: str
    timeout: float
    boot: tuple[str, ...]
    budget_image: int
    budget_jit_core: int
    budget_memory: int
    budget_components: dict[str, int]
    tests: tuple[str, ...]
    payloads: tuple[Payload, ...]
    data: tuple[str, ...]
    args: tuple[str, ...]
    c_opt: str
    payload_timeout: float
    compile_timeout: float
    output_limit: int
    test_timeout: float
    boot_per_test: bool
    retries: int
    isolation: str

    def context(self) -> dict[str, Any]:
        """The `image` variable every template sees."""
        ctx: dict[str, Any] = {"name": self.name}
        for k in KEYS:
            if not k.context:
                continue
            value = getattr(self, k.field)
            *outer, last = k.context.split(".")
            table = ctx
            for part in outer:
                table = table.setdefault(part, {})
            table[last] = k.to_context(value) if k.to_context else value
        return ctx


def _stored_type(k: Key) -> str:
    """The annotation of k's Recipe field, as written above."""
    if k.section == "run" and k.name == "payloads":
        return "tuple[Payload, ...]"
    stored = {_Size: "int", list: "tuple[str, ...]", dict: "dict[str, int]"}
    return stored.get(k.kind, k.kind.__name__)


def _check_fields() -> None:
    want = [("name", "str"), ("path", "Path")] + [(k.field, _stored_type(k)) for k in KEYS]
    have = [(f.name, f.type) for f in fields(Recipe)]
    if have != want:
        raise AssertionError(f"Recipe's fields do not match KEYS: {have} != {want}")


_check_fields()


def _stored(k: Key, value: Any) -> Any:
    """A checked value as the Recipe holds it (lists become tuples)."""
    if k.kind is list:
        return tuple(value)
    if k.kind is dict:
        return dict(value)
    return value


def default_recipe(name: str = "default", path: Path | None = None, **changes: Any) -> Recipe:
    """A Recipe with every key at its default (not validated against a tree):
    what tests render templates with."""
    values = {k.field: _stored(k, k.default) for k in KEYS}
    values["payloads"] = ()
    values.update(changes)
    return Recipe(name=name, path=path or ROOT / "images" / f"{name}.toml", **values)


_RECIPE_NAME = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*")


def find_recipe(name_or_path: str, root: Path = ROOT) -> Path:
    """images/<name>.toml for a bare name, else the path itself; what a user
    types also works: `default.toml` (in images/) and `images/default`."""
    def resolve(p: Path) -> Path:
        if p.is_absolute():
            return p
        return (Path.cwd() / p) if (Path.cwd() / p).exists() else root / p
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        path = resolve(Path(name_or_path))
        if not path.is_file() and "/" not in name_or_path:
            path = root / "images" / name_or_path          # image=default.toml
        if not path.is_file() and not name_or_path.endswith(".toml"):
            with_suffix = resolve(Path(name_or_path + ".toml"))   # image=images/default
            path = with_suffix if with_suffix.is_file() else path
    else:
        path = root / "images" / f"{name_or_path}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in (root / "images").glob("*.toml"))
        raise JitbootError(
            f"{_show(path)}: no such recipe (images available: {', '.join(known) or 'none'})")
    if not _RECIPE_NAME.fullmatch(path.stem):
        raise JitbootError(
            f"{_show(path)}: recipe name {path.stem!r} must be letters, digits and _ . + - "
            f"and not start with '.' (it names the image's directory, build/images/NAME, "
            f"and goes into C headers)")
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


def check_payloads(given: list[str], base: Path,
                   fail: Callable[[str], JitbootError] = JitbootError,
                   il_dir: Path | None = None, opt: str = "-O0",
                   arch: str = "x86_64") -> tuple[Payload, ...]:
    """The payloads `given` names (paths relative to base), checked alike for
    a recipe's [run] payloads and `doit jit-run il=... src=...`: every file
    exists, its name uses only letters, digits and _ . + -, and no two share
    a name (the kernel tells modules apart by file name: KTAP test
    "payload:NAME").  fail turns a problem into the error raised.

    An IL payload is a .ssa file.  A C or LLVM IR payload (.c, .ll) is
    translated to IL in il_dir as NAME.ssa (jitboot/payloads.py); several
    joined with + (a.c+b.c) are linked into one program; a suffix @O0 or
    @O2 sets clang's level for that payload instead of opt; C is compiled
    for arch (clang's IR is the target's: va_list, plain char, structs)."""
    from .protocol import MAX_MODULES
    if len(given) > MAX_MODULES:
        raise fail(f"{len(given)} payloads: the kernel takes at most {MAX_MODULES} "
                   f"(multiboot modules)")
    payloads: list[Payload] = []
    for entry in given:
        spec, _, level = entry.partition("@")
        level = f"-{level.lstrip('-')}" if level else opt
        if level not in C_OPTS:
            raise fail(f"payload {entry!r}: @{level.lstrip('-')} is not one of O0, O2")
        parts = []
        for name in spec.split("+"):
            path = Path(name)
            if not path.is_absolute():
                path = base / path
            if path.is_dir():
                raise fail(f"payload {name!r} is a directory, not a file ({path})")
            if not path.is_file():
                raise fail(f"payload {name!r} not found (looked at {path})")
            parts.append(path.resolve())
        translated = [p for p in parts if p.suffix in SOURCE_SUFFIXES]
        if translated and len(translated) != len(parts):
            raise fail(f"payload {entry!r}: C and LLVM IR files join with each other, "
                       "not with IL")
        if len(parts) > 1 and not translated:
            raise fail(f"payload {entry!r}: only C and LLVM IR files can be joined with +")
        if translated:
            if il_dir is None:
                raise fail(f"payload {entry!r}: C and LLVM IR payloads need a build "
                           "directory for their IL")
            name = "+".join(p.name for p in parts) + ".ssa"
            p = Payload(path=il_dir / name, name=name, sources=tuple(parts), opt=level,
                        arch=arch)
        else:
            p = Payload(path=parts[0], name=parts[0].name)
        if not PAYLOAD_NAME.fullmatch(p.name):
            raise fail(f"payload file name {p.name!r} must use only letters, "
                       "digits and _ . + -")
        twin = next((q for q in payloads if q.name == p.name), None)
        if twin:
            shown = [_show(q.sources[0] if q.sources else q.path) for q in (twin, p)]
            raise fail(f"two payloads are named {p.name!r} ({shown[0]} and {shown[1]}); "
                       f"the kernel tells modules apart by file name")
        payloads.append(p)
    return tuple(payloads)


def check_data(given: list[str], base: Path,
               fail: Callable[[str], JitbootError] = JitbootError,
               others: int = 0) -> tuple[Path, ...]:
    """The data files `given` names (paths relative to base), checked as
    payloads are: each exists, its name uses only letters, digits and
    _ . + -, no two share a name (payloads open them by base name), and
    with the `others` modules they fit the kernel's module table."""
    from .protocol import MAX_MODULES
    if len(given) + others > MAX_MODULES:
        raise fail(f"{len(given)} data files and {others} other modules: the kernel takes "
                   f"at most {MAX_MODULES} (multiboot modules)")
    out: list[Path] = []
    for name in given:
        path = Path(name)
        if not path.is_absolute():
            path = base / path
        if not path.is_file():
            raise fail(f"data file {name!r} not found (looked at {path})")
        path = path.resolve()
        if not PAYLOAD_NAME.fullmatch(path.name):
            raise fail(f"data file name {path.name!r} must use only letters, "
                       "digits and _ . + -")
        twin = next((q for q in out if q.name == path.name), None)
        if twin:
            raise fail(f"two data files are named {path.name!r} ({_show(twin)} and "
                       f"{_show(path)}); payloads open them by base name")
        out.append(path)
    return tuple(out)


def _build(path: Path, v: dict, rep: _Reporter, root: Path) -> Recipe:
    for k in KEYS:
        problem = k.check(v[k.section, k.name]) if k.check else None
        if problem:
            raise rep.error(k.section, k.name, problem)
    if v["features", "bench"] and not v["features", "jit"]:
        raise rep.error("features", "bench", "the benchmark measures the JIT: "
                        "it needs [features] jit = true")
    if v["target", "arch"] == "aarch64":
        if rep.line_of("qemu", "boot") is None:
            v["qemu", "boot"] = ["kernel"]      # its default there: no ISO to boot
        if "iso" in v["qemu", "boot"]:
            raise rep.error("qemu", "boot", "aarch64 images boot the kernel medium only "
                            "(no GRUB ISO for arm64): use boot = [\"kernel\"]")
        if v["run", "isolation"] != "none":
            raise rep.error("run", "isolation", "isolated payloads run on x86_64 only so far: "
                            "set isolation = \"none\"")
    if v["run", "isolation"] != "none" and not v["features", "jit"]:
        raise rep.error("run", "isolation", "isolation is for JIT'd payloads: "
                        "it needs [features] jit = true")
    values = {k.field: _stored(k, v[k.section, k.name]) for k in KEYS}
    from .paths import build_dir
    values["payloads"] = check_payloads(
        v["run", "payloads"], root, lambda problem: rep.error("run", "payloads", problem),
        il_dir=build_dir(root) / "images" / path.stem / "payloads", opt=v["run", "c_opt"],
        arch=v["target", "arch"])
    values["data"] = tuple(str(d) for d in check_data(
        v["run", "data"], root, lambda problem: rep.error("run", "data", problem),
        len(values["payloads"]) + bool(v["run", "args"])))
    return Recipe(name=path.stem, path=path, **values)


PAGE = 4 * KIB
LOW_MEMORY_END = 0x100000   # below 1 MiB: BIOS data, VGA memory, option ROMs
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
    base, low = RAM_BASE[r.arch], LOW_MEMORY[r.arch]
    for key in ("load_address", "heap_address", "jit_arena_address"):
        # x86-64: page 0 stays unmapped (null dereferences fault) and the
        # rest of the first MiB is the BIOS's and the VGA's; aarch64: RAM
        # starts at 1 GiB and QEMU puts the device tree at its start
        if r.arch == "x86_64":
            need(getattr(r, key) >= low, key,
                 f"{getattr(r, key):#x} is below 1 MiB, where the BIOS and VGA memory live")
        else:
            need(getattr(r, key) >= low, key,
                 f"{getattr(r, key):#x} is below {low:#x}: on {r.arch} RAM starts at "
                 f"{base:#x} and its first MiB holds the device tree")
    need(r.memory >= 16 * MIB, "memory", f"QEMU needs at least 16M, got {r.memory}", "qemu")
    need(r.memory <= 3 * GIB, "memory",
         "more than 3G would put RAM above the 4 GiB identity map", "qemu")
    need(r.stack_size < r.memory, "stack_size",
         f"stack ({format_size(r.stack_size)}) is larger than memory ({format_size(r.memory)})")
    need(r.stack_size + PAGE <= r.kernel_max_size, "stack_size",
         f"stack ({format_size(r.stack_size)}) does not fit in kernel_max_size "
         f"({format_size(r.kernel_max_size)}): the stack lives in the kernel's .bss")
    regions = [
        ("kernel", "load_address", r.load_address, r.kernel_max_size),
        ("heap", "heap_address", r.heap_address, r.heap_size),
        ("jit_arena", "jit_arena_address", r.jit_arena_address, r.jit_arena_size),
    ]
    sizes = {"load_address": "kernel_max_size", "heap_address": "heap_size",
             "jit_arena_address": "jit_arena_size"}
    for name, key, start, size in regions:
        # a size larger than all of memory is that key's fault, not the address's
        culprit = sizes[key] if size >= r.memory else key
        need(start + size <= base + r.memory, culprit,
             f"{name} [{start:#x}, {start + size:#x}) ends beyond the "
             f"{format_size(r.memory)} of memory ([qemu] memory)"
             + (f" from {base:#x}" if base else ""))
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


def available_tests(root: Path = ROOT, jit: bool = True,
                    arch: str = "x86_64") -> dict[str, Path]:
    """Kernel tests defined with KTEST(name) in the kernel's components
    that may define them (jitboot.components: kernel_lib, the JIT's kernel
    glue when jit is on) for one architecture."""
    from .components import ktest_sources
    found: dict[str, Path] = {}
    for src in ktest_sources(root, jit=jit, arch=arch):
        for name in KTEST_DEF.findall(src.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(name, src)
    return found


def _check_tests(r: Recipe, rep: _Reporter, root: Path) -> None:
    known = available_tests(root, jit=r.jit, arch=r.arch)
    seen = set()
    for name in r.tests:
        if not TEST_NAME.fullmatch(name):
            raise rep.error("run", "tests", f"bad test name {name!r} (use [a-z0-9_])")
        if name in seen:
            raise rep.error("run", "tests", f"test {name!r} listed twice")
        seen.add(name)
        if name not in known:
            also = available_tests(root, jit=True, arch=r.arch)
            if name in also and not r.jit:
                raise rep.error("run", "tests", f"test {name!r} needs the JIT "
                                "but [features] jit = false")
            elsewhere = [a for a in ARCHES if a != r.arch
                         and name in available_tests(root, jit=r.jit, arch=a)]
            if elsewhere:
                raise rep.error("run", "tests", f"test {name!r} is {elsewhere[0]}-only; "
                                f"on {r.arch}: {', '.join(sorted(known)) or 'none'}")
            raise rep.error("run", "tests", f"unknown test {name!r} (available: "
                            f"{', '.join(sorted(known)) or 'none'})")
    if not r.tests and not r.payloads:
        raise rep.error("run", "tests", "the image runs nothing: list tests or payloads")


# -- documents derived from KEYS ---------------------------------------------

TYPE_NAMES = {_Size: "size", int: "integer", bool: "true/false", str: "string",
              float: "seconds", list: "list of strings", dict: "table of sizes"}
README = "README.md"
DEFAULT_TOML = "images/default.toml"
TABLE_BEGIN = "<!-- recipe-table:begin (python -m jitboot.recipe --write) -->"
TABLE_END = "<!-- recipe-table:end -->"
REGENERATE = "python -m jitboot.recipe --write"


def toml_value(k: Key, value: Any) -> str:
    """value as TOML text, the way a recipe would write it."""
    def string(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if k.kind is _Size:
        return string(format_size(value))
    if k.kind is bool:
        return "true" if value else "false"
    if k.kind is int:
        return f"{value:#x}" if k.hex else str(value)
    if k.kind is float:
        return f"{value:g}"
    if k.kind is str:
        return string(value)
    if k.kind is list:
        return "[" + ", ".join(string(v) for v in value) + "]"
    if k.kind is dict:
        inner = ", ".join(f"{n} = {string(format_size(v))}" for n, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise AssertionError(k.kind)


def readme_table() -> str:
    """The Markdown table of every key that README.md holds between
    TABLE_BEGIN and TABLE_END."""
    rows = ["| key | type | default | template variable | what |", "|---|---|---|---|---|"]
    for k in KEYS:
        var = f"`image.{k.context}`" if k.context else ""
        rows.append(f"| `{k.label}` | {TYPE_NAMES[k.kind]} | `{toml_value(k, k.default)}` "
                    f"| {var} | {k.doc.replace('|', '&#124;')} |")
    return "\n".join(rows) + "\n"


def default_toml() -> str:
    """images/default.toml: every key, with its default unless DEFAULT_IMAGE
    says what the default image uses instead."""
    out = ["# The default image: boots, runs the kernel self-tests and JIT-compiles",
           "# fibonacci, checking it against the same function compiled into the kernel.",
           f"# Generated from jitboot/recipe.py (KEYS, DEFAULT_IMAGE): {REGENERATE}.",
           "# Every key is optional; the values here are the defaults unless noted."]
    section = None
    for k in KEYS:
        if k.section != section:
            section = k.section
            if section:
                out += ["", f"[{section}]"]
        value = DEFAULT_IMAGE.get((k.section, k.name), k.default)
        doc = k.doc if value == k.default else \
            f"{k.doc} (default: {toml_value(k, k.default)})"
        line = f"{k.name} = {toml_value(k, value)}"
        out.append(f"{line.ljust(30)} # {doc}")
    return "\n".join(out) + "\n"


def with_readme_table(text: str) -> str:
    """README text with its recipe table block replaced by readme_table()."""
    begin, end = text.find(TABLE_BEGIN), text.find(TABLE_END)
    if begin < 0 or end < begin:
        raise JitbootError(f"{README}: no recipe table block ({TABLE_BEGIN} ... {TABLE_END})")
    return text[:begin + len(TABLE_BEGIN)] + "\n" + readme_table() + text[end:]


def stale_documents(root: Path = ROOT) -> list[str]:
    """The derived files (README table, images/default.toml) that disagree
    with KEYS."""
    stale = []
    readme = (root / README).read_text(encoding="utf-8")
    if with_readme_table(readme) != readme:
        stale.append(f"{README} (recipe table)")
    if (root / DEFAULT_TOML).read_text(encoding="utf-8") != default_toml():
        stale.append(DEFAULT_TOML)
    return stale


def write_documents(root: Path = ROOT) -> list[str]:
    """Regenerate the README table and images/default.toml; return what changed."""
    changed = []
    readme = root / README
    text = readme.read_text(encoding="utf-8")
    for path, new in ((readme, with_readme_table(text)), (root / DEFAULT_TOML, default_toml())):
        if path.read_text(encoding="utf-8") != new:
            path.write_text(new, encoding="utf-8")
            changed.append(str(path.relative_to(root)))
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m jitboot.recipe",
                                 description="The recipe schema (KEYS) and what derives from it.")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--table", action="store_true", help="print the README's recipe table")
    what.add_argument("--default-toml", action="store_true", help="print images/default.toml")
    what.add_argument("--write", action="store_true",
                      help="rewrite the README table and images/default.toml from the schema")
    what.add_argument("--check", action="store_true",
                      help="exit 1 if the README table or images/default.toml is stale")
    what.add_argument("--validate", metavar="RECIPE", help="load and check one recipe")
    a = ap.parse_args(argv)
    try:
        if a.table:
            print(readme_table(), end="")
        elif a.default_toml:
            print(default_toml(), end="")
        elif a.write:
            for name in write_documents():
                print(f"rewrote {name}")
        elif a.check:
            stale = stale_documents()
            for name in stale:
                print(f"{name} disagrees with jitboot/recipe.py: run {REGENERATE}",
                      file=sys.stderr)
            return 1 if stale else 0
        else:
            r = load_recipe(a.validate)
            print(f"{_show(r.path)}: ok")
    except JitbootError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
