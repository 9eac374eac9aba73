"""QBE's C sources: fetched at build time into build/qbe-src/, never committed.

The pinned source is the sdist of the PyPI package qbepy, which vendors QBE
under vendor/qbe/. It is downloaded with pip (so the usual pip index and
proxy settings apply), checked against a SHA-256 before anything is
extracted, and only vendor/qbe/ is unpacked. A local QBE checkout can stand
in for it: set JITBOOT_QBE_SRC (or the doit variable qbe_src=PATH).

On the extracted copy we apply a few build-time adjustments (ADJUSTMENTS
below): NIns becomes a compile-time parameter, and QBE's file-scope state
gets reset functions so the kernel can compile many modules in a row.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from jitboot import recipe
from jitboot.errors import JitbootError

QBEPY_VERSION = "2026.2.2"
QBEPY_SHA256 = "6cfad26a83621c995d8853e002b539404fd129e01ffb35927f7019eb3bf6a347"
SDIST_NAME = f"qbepy-{QBEPY_VERSION}.tar.gz"
SDIST_QBE_DIR = f"qbepy-{QBEPY_VERSION}/vendor/qbe/"

DEFAULT_NINS = recipe.DEFAULT_QBE_NINS     # the recipe schema's
ENV_OVERRIDE = "JITBOOT_QBE_SRC"
STAMP = ".jitboot-stamp"

# Files whose presence says "this directory is QBE".
QBE_MARKERS = ("all.h", "parse.c", "amd64/emit.c")

# Bump when ADJUSTMENTS change, so cached copies are redone.
ADJUST_VERSION = 4


class Adjust:
    """Replace exactly one match of pattern in one file of the QBE tree."""

    def __init__(self, path: str, pattern: str, repl: str, why: str):
        self.path, self.pattern, self.repl, self.why = path, pattern, repl, why

    def apply(self, qbe_dir: Path) -> None:
        f = qbe_dir / self.path
        text = f.read_text()
        new, n = re.subn(self.pattern, lambda m: self.repl, text, flags=re.M)
        if n != 1:
            raise JitbootError(
                f"{f}: cannot apply build adjustment ({self.why}): pattern "
                f"{self.pattern!r} found {n} times, expected once; use "
                f"qbepy=={QBEPY_VERSION} or a QBE checkout of the same vintage")
        f.write_text(new)


class Append:
    """Append our C text to one file of the QBE tree."""

    def __init__(self, path: str, text: str):
        self.path, self.text = path, text

    def apply(self, qbe_dir: Path) -> None:
        f = qbe_dir / self.path
        f.write_text(f.read_text() + "\n/* jitboot: */\n" + self.text)


ADJUSTMENTS = [
    # insb[NIns] is a static array of NIns 16-byte instructions: 16 MiB
    # at QBE's default. The image recipe picks the size instead.
    # The value comes from config.h (JB_QBE_NINS), which our builds force
    # into every QBE-style source; the stock qbe command keeps QBE's own.
    Adjust("all.h", r"^\tNIns\s*=\s*1 << 20,$", "\tNIns    = JB_QBE_NINS,",
           "NIns from config.h"),
    Adjust("all.h", r"^enum \{\n\tNString", "#ifndef JB_QBE_NINS\n"
           "#define JB_QBE_NINS (1 << 20)\n#endif\n\nenum {\n\tNString",
           "QBE's default NIns without config.h"),
    # Label numbers restart with every module, as in a fresh qbe process.
    Adjust("amd64/emit.c", r"^\tstatic int id0;\n", "", "resettable id0"),
    Adjust("amd64/emit.c", r"^void\namd64_emitfn\(",
           "int jitboot_id0;\n#define id0 jitboot_id0\n\nvoid\namd64_emitfn(",
           "resettable id0"),
    # limit() keeps a heap array between calls in function statics.
    Adjust("spill.c", r"^\tstatic int \*tarr, maxt;\n", "", "resettable tarr"),
    Adjust("spill.c", r"^static void\nlimit\(BSet",
           "int *jitboot_tarr, jitboot_maxt;\n#define tarr jitboot_tarr\n"
           "#define maxt jitboot_maxt\n\nstatic void\nlimit(BSet",
           "resettable tarr"),
    # An empty aggregate, `type :t = { }`, leaves its alignment at -1 and
    # parsefields() shifts by it (undefined behaviour, found by fuzzing:
    # tests/fuzz/regressions/jit/empty_type.ssa): give it alignment 1.
    Adjust("parse.c", r"^\ta = 1 << al;\n\tif \(sz < ty->size\)",
           "\tif (al < 0)\n\t\tal = 0;\n\ta = 1 << al;\n\tif (sz < ty->size)",
           "empty aggregate types"),
    # The stock config.h names the host qbepy was packaged on.
    Adjust("config.h", r"^#define Deftgt .*$", "#define Deftgt T_amd64_sysv",
           "amd64 default target"),
    # Reset functions: after a compile (finished or abandoned by an error
    # exit) the shim frees every block QBE still holds, and these forget
    # the pointers to them.
    Append("util.c", "void jitboot_reset_util(void)\n{\n"
           "\tmemset(itbl, 0, sizeof itbl);\n\tpool = ptr;\n\tnptr = 1;\n"
           "\ttyp = 0;\n\tcuri = insb;\n}\n"),
    Append("parse.c", "void jitboot_reset_parse(void)\n{\n"
           "\tinf = 0;\n\tcurf = 0;\n\tcurb = 0;\n\ttmph = 0;\n\ttmphcap = 0;\n"
           "\tmemset(blkh, 0, sizeof blkh);\n\tnblk = 0;\n\tntyp = 0;\n}\n\n"
           "int jitboot_lnum(void)\n{\n\treturn lnum;\n}\n"),
    Append("emit.c", "void jitboot_reset_emit(void)\n{\n"
           "\tstash = 0;\n\tfile = 0;\n\tnfile = 0;\n\tcurfile = 0;\n}\n"),
    Append("ssa.c", "void jitboot_reset_ssa(void)\n{\n\tnamel = 0;\n}\n"),
    Append("gvn.c", "void jitboot_reset_gvn(void)\n{\n\tgvntbl = 0;\n}\n"),
    Append("spill.c", "void jitboot_reset_spill(void)\n{\n\ttarr = 0;\n\tmaxt = 0;\n}\n"),
    Append("load.c", "void jitboot_reset_load(void)\n{\n\tilog = 0;\n\tnlog = 0;\n}\n"),
]


# -- public API -------------------------------------------------------------

def ensure_qbe_source(build_dir: Path, override: str | os.PathLike | None = None) -> Path:
    """Return build_dir/qbe-src holding adjusted QBE sources, creating it if needed.

    override (or $JITBOOT_QBE_SRC) names a local QBE checkout to copy
    instead of the pinned qbepy sdist.
    """
    build_dir = Path(build_dir)
    dest = build_dir / "qbe-src"
    stamp = _wanted_stamp(override)
    if _stamp_matches(dest, stamp):
        return dest
    if stamp["source"].startswith("path:"):
        src = Path(stamp["source"][5:])
        return _install(dest, stamp, lambda tmp: _copy_checkout(src, tmp))
    sdist = fetch_sdist(build_dir / "downloads")
    return _install(dest, stamp, lambda tmp: _extract_qbe(sdist, tmp))


def _wanted_stamp(override) -> dict:
    """What the stamp of an up-to-date build/qbe-src must say."""
    if not override:
        override = os.environ.get(ENV_OVERRIDE) or None
    if override:
        src = _check_checkout(Path(override))
        return {"source": f"path:{src}", "sha256": _tree_hash(src)}
    return {"source": f"pypi:qbepy=={QBEPY_VERSION}", "sha256": QBEPY_SHA256}


def source_is_current(build_dir: Path, override: str | os.PathLike | None = None) -> bool:
    """True when ensure_qbe_source() would have nothing to do."""
    dest = Path(build_dir) / "qbe-src"
    return _stamp_matches(dest, _wanted_stamp(override))


# -- download and verification ---------------------------------------------

def fetch_sdist(cache: Path) -> Path:
    """The verified qbepy sdist in cache, downloading it when absent."""
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / SDIST_NAME
    if sdist.exists():
        if sha256_file(sdist) == QBEPY_SHA256:
            return sdist
        sdist.unlink()          # stale or truncated: fetch again
    with tempfile.TemporaryDirectory(dir=cache, prefix="dl-") as tmp:
        got = download_sdist(Path(tmp))
        verify_sdist(got, cache)
        os.replace(got, sdist)
    return sdist


def download_sdist(dest: Path) -> Path:
    """Run pip download for the pinned qbepy sdist into dest; return the file."""
    req = dest / "requirements.txt"
    # --require-hashes makes pip itself refuse a wrong file before it runs
    # anything from it; we check the hash again ourselves afterwards.
    req.write_text(f"qbepy=={QBEPY_VERSION} --hash=sha256:{QBEPY_SHA256}\n")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
           ":all:", "--ignore-requires-python", "--require-hashes",
           "--disable-pip-version-check", "-q", "-r", str(req), "-d", str(dest)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise JitbootError(f"cannot download qbepy=={QBEPY_VERSION} ({e}); "
                           f"set {ENV_OVERRIDE} to a local QBE checkout") from None
    got = dest / SDIST_NAME
    if r.returncode != 0 or not got.exists():
        last = (r.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise JitbootError(f"cannot download qbepy=={QBEPY_VERSION} from the "
                           f"package index: {last}; set {ENV_OVERRIDE} to a "
                           f"local QBE checkout")
    return got


def verify_sdist(path: Path, cache: Path) -> None:
    """Refuse path unless its SHA-256 is the pinned one; a bad file is kept
    aside as <name>.rejected for inspection, never extracted."""
    digest = sha256_file(path)
    if digest == QBEPY_SHA256:
        return
    rejected = cache / (path.name + ".rejected")
    os.replace(path, rejected)
    raise JitbootError(f"{path.name}: SHA-256 {digest} does not match the pinned "
                       f"{QBEPY_SHA256}; refusing to use it (kept as {rejected}); "
                       f"check your package index or set {ENV_OVERRIDE}")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


# -- extraction and copying --------------------------------------------------

def _extract_qbe(sdist: Path, out: Path) -> None:
    """Unpack vendor/qbe/ of sdist into out, refusing anything that is not
    a plain file or directory strictly inside it."""
    try:
        tf = tarfile.open(sdist, "r:gz")
    except (OSError, tarfile.TarError) as e:
        raise JitbootError(f"{sdist}: not a readable .tar.gz ({e})") from None
    n = 0
    with tf:
        for m in tf:
            if not m.name.startswith(SDIST_QBE_DIR):
                continue
            rel = m.name[len(SDIST_QBE_DIR):]
            parts = Path(rel).parts
            if rel.startswith("/") or ".." in parts:
                raise JitbootError(f"{sdist}: unsafe path {m.name!r} in archive")
            if not parts:
                continue
            target = out.joinpath(*parts)
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif m.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                with tf.extractfile(m) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                n += 1
            else:
                raise JitbootError(f"{sdist}: {m.name!r} is not a regular file")
    if n == 0:
        raise JitbootError(f"{sdist}: no {SDIST_QBE_DIR} in archive")
    _check_checkout(out)


def _check_checkout(src: Path) -> Path:
    src = src.expanduser().resolve()
    missing = [m for m in QBE_MARKERS if not (src / m).is_file()]
    if missing:
        raise JitbootError(f"{src}: not a QBE source tree (missing "
                           f"{', '.join(missing)}); point {ENV_OVERRIDE} / "
                           f"qbe_src at a directory holding QBE's all.h")
    return src


def _copy_checkout(src: Path, out: Path) -> None:
    for f in _tree_files(src):
        target = out / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)


def _tree_files(src: Path) -> list[Path]:
    """The .c/.h files and config.h of a QBE tree (skipping .git etc.)."""
    return sorted(p for p in src.rglob("*")
                  if p.is_file() and p.suffix in (".c", ".h")
                  and not any(part.startswith(".") for part in p.relative_to(src).parts))


def _tree_hash(src: Path) -> str:
    h = hashlib.sha256()
    for f in _tree_files(src):
        h.update(str(f.relative_to(src)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _install(dest: Path, stamp: dict, fill) -> Path:
    """Build the tree in a temporary sibling of dest, adjust it, stamp it,
    then swap it in with renames so dest is never half-written."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix="qbe-src.tmp-"))
    try:
        fill(tmp)
        if not (tmp / "config.h").exists():
            (tmp / "config.h").write_text("#define Deftgt T_amd64_sysv\n")
        for adj in ADJUSTMENTS:
            adj.apply(tmp)
        (tmp / STAMP).write_text(json.dumps({**stamp, "adjust": ADJUST_VERSION}) + "\n")
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(dir=dest.parent, prefix="qbe-src.old-"))
            os.replace(dest, old / "qbe-src")
        os.replace(tmp, dest)
        if old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _stamp_matches(dest: Path, stamp: dict) -> bool:
    try:
        have = json.loads((dest / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return have == {**stamp, "adjust": ADJUST_VERSION}
