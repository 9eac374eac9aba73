"""Render the Jinja2 templates of an image into build/images/<name>/gen/.

Templates live next to what they configure (linker/, boot/, jit/) so kernel
developers edit them in place.  Rendering is strict: an undefined variable is
an error naming the template and line.  A file is rewritten only when its text
changes, so doit's content checks (and the compiler) see no change when a
recipe edit does not affect it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import ROOT, protocol
from .errors import JitbootError
from .recipe import Recipe


@dataclass(frozen=True)
class Template:
    source: str       # path relative to the repository root
    output: str       # file name under gen/
    jit_only: bool = False
    after_objects: bool = False   # needs the DWARF of compiled objects (exports.c)
    arch: tuple[str, ...] = ("x86_64", "aarch64")   # the recipes' [target] arch it is for


TEMPLATES = (
    Template("linker/kernel.ld.j2", "kernel.ld", arch=("x86_64",)),
    Template("linker/aarch64/kernel.ld.j2", "kernel.ld", arch=("aarch64",)),
    Template("boot/config.h.j2", "config.h"),
    Template("boot/protocol.h.j2", "protocol.h"),
    Template("boot/ktests.c.j2", "ktests.c"),
    Template("boot/grub.cfg.j2", "grub.cfg", arch=("x86_64",)),
    Template("jit/exports.c.j2", "exports.c", jit_only=True, after_objects=True),
)

EXPORTS_LIST = "jit/exports.txt"


def templates_for(recipe: Recipe) -> list[Template]:
    return [t for t in TEMPLATES if (recipe.jit or not t.jit_only) and recipe.arch in t.arch]


def templates_first(recipe: Recipe) -> list[Template]:
    """The templates rendered before anything is compiled (task render)."""
    return [t for t in templates_for(recipe) if not t.after_objects]


def environment(root: Path = ROOT) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["hex"] = lambda value: f"{int(value):#x}"
    env.filters["c_string"] = c_string
    return env


def c_string(text: str) -> str:
    """text as a C string literal."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):03o}")
    return '"' + "".join(out) + '"'


def read_export_table(root: Path = ROOT) -> dict[str, str]:
    """{name: symbol} from jit/exports.txt: a line is a name JIT'd code
    uses, optionally followed by the C symbol that implements it (the
    payload library's lc_NAME); '#' starts a comment."""
    path = root / EXPORTS_LIST
    if not path.exists():
        return {}
    table: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 2:
            raise JitbootError(f"{EXPORTS_LIST}:{number}: expected NAME or NAME SYMBOL, "
                               f"got {len(words)} words")
        for word in words:
            if not word.isidentifier():
                raise JitbootError(f"{EXPORTS_LIST}:{number}: {word!r} is not a C identifier")
        name, symbol = words[0], words[-1]
        if table.get(name, symbol) != symbol:
            raise JitbootError(f"{EXPORTS_LIST}:{number}: {name} is already exported "
                               f"as {table[name]}")
        table[name] = symbol
    return dict(sorted(table.items()))


def read_exports(root: Path = ROOT) -> list[str]:
    """The names JIT'd code may use (jit/exports.txt), sorted."""
    return list(read_export_table(root))


def context(recipe: Recipe, root: Path = ROOT) -> dict:
    return {"image": recipe.context(), "protocol": protocol.context(),
            "exports": read_exports(root) if recipe.jit else [],
            "export_symbols": read_export_table(root) if recipe.jit else {},
            "signatures": {}}


INT_ARG_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")


def pointer_checks(signatures: dict) -> dict[str, list[tuple[int, str]]]:
    """{export: [(argument number from 1, register)]} of the pointer
    parameters of each exported function, for the user-mode table's
    entry checks (isolated payloads): the integer-class parameters take
    the System V registers in order; a function with a parameter of an
    unknown class (x, a) or past the sixth integer one is not checked."""
    out: dict[str, list[tuple[int, str]]] = {}
    for name, sig in signatures.items():
        params = sig.abi[1:].rstrip(".")
        regs, checks = iter(INT_ARG_REGS), []
        if any(c in "xa" for c in params) or sum(c in "wlp" for c in params) > len(INT_ARG_REGS):
            continue
        for n, c in enumerate(params, 1):
            if c in "wlp":
                reg = next(regs)
                if c == "p":
                    checks.append((n, reg))
        if checks:
            out[name] = checks
    return out


def render_exports(gen_dir: Path, objects: list[Path], host: bool = False,
                   root: Path = ROOT, user: bool = False) -> None:
    """gen/exports.c: the export table, with the signatures the DWARF of
    objects gives (jitboot.ffi), once they are compiled; with user (an
    isolated image), the user-mode library copy's table too, its pointer
    parameters checked on entry."""
    from . import ffi
    table = read_export_table(root)
    sigs = ffi.signatures(objects, table)
    write_if_changed(gen_dir / "exports.c", render_template(
        environment(root), "jit/exports.c.j2",
        {"exports": list(table), "export_symbols": table, "host": host,
         "signatures": sigs, "user": user, "pointer_checks": pointer_checks(sigs) if user else {}}))


def protocol_header(root: Path = ROOT) -> str:
    """gen/protocol.h's text: it depends on no recipe (host builds of kernel
    sources use it too)."""
    return render_template(environment(root), "boot/protocol.h.j2",
                           {"protocol": protocol.context()})


def render_template(env: jinja2.Environment, source: str, ctx: dict) -> str:
    try:
        return env.get_template(source).render(ctx)
    except jinja2.TemplateSyntaxError as e:
        # e.name is the template as loaded (relative to the root), like the
        # undefined-variable errors below; e.filename would be absolute.
        raise JitbootError(f"{e.name or source}:{e.lineno}: template syntax error: "
                           f"{e.message}") from None
    except jinja2.UndefinedError as e:
        raise JitbootError(f"{source}:{_template_line(e, source)}: {e.message}"
                           f"{_known_names(e.message or '', ctx)}") from None
    except jinja2.TemplateNotFound:
        raise JitbootError(f"{source}: template not found") from None


def _known_names(message: str, ctx: dict) -> str:
    """For "'dict object' has no attribute 'x'": what image has instead."""
    if "'dict object' has no attribute" not in message or "image" not in ctx:
        return ""
    return f" (image has: {', '.join(sorted(ctx['image']))})"


def _template_line(exc: BaseException, source: str) -> str:
    """The template line an exception was raised from (Jinja2 maps it)."""
    tb = exc.__traceback__
    line = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(source):
            line = str(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _umask() -> int:
    """The process's umask, read without setting it (os.umask would, for
    a moment, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def write_if_changed(path: Path, text: str) -> bool:
    """Atomically replace path with text unless it already holds it."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mkstemp's 0600 is for secrets: a report or generated header is
        # created as any other file (0666 less the umask)
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return True


def render_image(recipe: Recipe, gen_dir: Path, root: Path = ROOT) -> list[Path]:
    """Render every template of the image; return the files that changed."""
    env = environment(root)
    ctx = context(recipe, root)
    changed = []
    for t in templates_first(recipe):
        out = gen_dir / t.output
        if write_if_changed(out, render_template(env, t.source, ctx)):
            changed.append(out)
    return changed


HOST_GENERATED = ("config.h",)


def render_host(gen_dir: Path, root: Path = ROOT) -> None:
    """The host programs' config.h, with every recipe value at its default,
    so recipe values reach the host twin's C the way they reach the
    kernel's.  Their export table (the same list, weak entries: the host
    twin has no kernel_lib; see jit/exports.c.j2) is render_exports', once
    the objects it reads are compiled."""
    from .recipe import default_recipe
    env = environment(root)
    write_if_changed(gen_dir / "config.h", render_template(
        env, "boot/config.h.j2", context(default_recipe(name="host"), root)))
