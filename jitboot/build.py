"""What an image is made of, and the steps that make it.

dodo.py turns these into doit tasks; tests and benchmarks call build_image(),
which runs the same doit tasks in a subprocess, so there is one way to build.

Layout of build/images/<name>/:
    gen/          rendered templates (kernel.ld, config.h, ktests.c, ...)
    obj/          objects and gcc dependency files, mirroring the sources
    kernel.elf    the 64-bit kernel with symbols and DWARF (gdb, size audit)
    kernel.elf32  the same kernel in an ELF32 container (QEMU -kernel, GRUB)
    kernel.iso    GRUB rescue ISO booting kernel.elf32 with the payloads
    logs/         serial logs, QEMU stderr, JUnit XML of qemu-test runs
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import ROOT, toolchain
from .errors import JitbootError
from .recipe import Recipe, load_recipe

BUILD = "build"
QBE_DIR = "build/qbe-src"


@dataclass(frozen=True)
class Image:
    """Paths of one image's build products."""
    name: str
    recipe: Recipe
    dir: Path

    @property
    def gen(self) -> Path: return self.dir / "gen"
    @property
    def obj(self) -> Path: return self.dir / "obj"
    @property
    def elf(self) -> Path: return self.dir / "kernel.elf"
    @property
    def elf32(self) -> Path: return self.dir / "kernel.elf32"
    @property
    def iso(self) -> Path: return self.dir / "kernel.iso"
    @property
    def log_dir(self) -> Path: return self.dir / "logs"
    @property
    def size_json(self) -> Path: return self.dir / "size.json"
    @property
    def size_html(self) -> Path: return self.dir / "size.html"


def image_for(recipe: Recipe, root: Path = ROOT) -> Image:
    return Image(name=recipe.name, recipe=recipe, dir=root / BUILD / "images" / recipe.name)


@dataclass(frozen=True)
class Unit:
    """One compilation: source -> object, with its command line."""
    src: Path
    obj: Path
    cmd: tuple[str, ...]

    @property
    def dep(self) -> Path:
        return self.obj.with_suffix(".d")


def _obj_path(image: Image, src: Path, root: Path) -> Path:
    try:
        relative = src.resolve().relative_to(root)
    except ValueError:
        relative = Path("external") / src.name
    if relative.parts[:3] == ("build", "images", image.name):
        relative = Path(*relative.parts[3:])
    elif relative.parts[:1] == ("build",):
        relative = Path(*relative.parts[1:])
    return image.obj / relative.with_suffix(".o")


def kernel_sources(recipe: Recipe, image: Image, root: Path = ROOT) -> list[Path]:
    """Our sources of the kernel, sorted so links are reproducible."""
    srcs = sorted((root / "boot").glob("*.S")) + sorted((root / "kernel_lib").glob("*.c"))
    srcs.append(image.gen / "ktests.c")
    if recipe.jit:
        srcs += sorted((root / "jit").glob("*.c"))
        srcs += sorted((root / "jit" / "shim").glob("*.c"))
        srcs.append(image.gen / "exports.c")
    if recipe.bench:
        from . import bench
        srcs += bench.kernel_sources(image, root)
    return srcs


def include_dirs(image: Image, root: Path = ROOT) -> list[Path]:
    return [image.gen, root / "kernel_lib", root / "jit"]


def units(recipe: Recipe, image: Image, qbe_dir: Path | None = None,
          root: Path = ROOT) -> list[Unit]:
    """Every compilation of the image (QBE's only when qbe_dir is given)."""
    incs = include_dirs(image, root)
    out = []
    for src in kernel_sources(recipe, image, root):
        obj = _obj_path(image, src, root)
        out.append(Unit(src, obj, tuple(toolchain.compile_command(src, obj, incs, root=root))))
    if recipe.jit and qbe_dir is not None:
        from . import qbe
        qbe_incs = [root / "jit" / "shim" / "include"] + incs
        extra = ["-w", *qbe.extra_cflags(recipe, qbe_dir=qbe_dir)]
        for src in qbe.kernel_sources(qbe_dir):
            obj = _obj_path(image, src, root)
            out.append(Unit(src, obj, tuple(
                toolchain.compile_command(src, obj, qbe_incs, extra, root=root))))
    return out


def compile_unit(unit: Unit, root: Path = ROOT) -> None:
    unit.obj.parent.mkdir(parents=True, exist_ok=True)
    # gcc writes the object in place; compile to a temporary name and rename
    # so an interrupted build never leaves a half-written object behind.
    tmp = unit.obj.with_name(f".{unit.obj.name}.tmp")
    cmd = list(unit.cmd)
    cmd[cmd.index("-o") + 1] = toolchain.rel(tmp, root)
    try:
        toolchain.run(cmd, f"compiling {toolchain.rel(unit.src, root)}", root)
        os.replace(tmp, unit.obj)
    finally:
        tmp.unlink(missing_ok=True)


def link(image: Image, objs: list[Path], root: Path = ROOT) -> None:
    tmp = image.dir / ".kernel.elf.tmp"
    try:
        toolchain.run(toolchain.link_command(objs, image.gen / "kernel.ld", tmp, root),
                      "linking the kernel", root)
        toolchain.run(toolchain.elf32_command(tmp, image.dir / ".kernel.elf32.tmp", root),
                      "making the ELF32 container", root)
        os.replace(image.dir / ".kernel.elf32.tmp", image.elf32)
        os.replace(tmp, image.elf)
        map_tmp = tmp.with_suffix(".map")
        if map_tmp.exists():
            os.replace(map_tmp, image.dir / "kernel.map")
    finally:
        for leftover in (tmp, image.dir / ".kernel.elf32.tmp", tmp.with_suffix(".map")):
            leftover.unlink(missing_ok=True)


# A fixed date for the volume and every file GRUB and xorriso put in the ISO
# (creation, modification, UUID), so two builds of one kernel give one ISO.
SOURCE_DATE_EPOCH = "1700000000"
ISO_DATE = "2023111422133400"    # the same instant, as xorriso writes it


def make_iso(image: Image, root: Path = ROOT) -> None:
    """A GRUB rescue ISO that boots kernel.elf32 and loads the payloads."""
    toolchain.require_grub()
    with tempfile.TemporaryDirectory(prefix="jitboot-iso-") as tmp:
        tree = Path(tmp) / "iso"
        (tree / "boot" / "grub").mkdir(parents=True)
        shutil.copyfile(image.elf32, tree / "boot" / "kernel.elf32")
        shutil.copyfile(image.gen / "grub.cfg", tree / "boot" / "grub" / "grub.cfg")
        if image.recipe.payloads:
            (tree / "boot" / "payloads").mkdir()
            for p in image.recipe.payloads:
                shutil.copyfile(p.path, tree / "boot" / "payloads" / p.name)
        for path in sorted(tree.rglob("*")):
            os.utime(path, (int(SOURCE_DATE_EPOCH),) * 2)
        out = image.dir / ".kernel.iso.tmp"
        env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
        cmd = ["grub-mkrescue", "--compress=no", "-o", str(out), str(tree), "--"]
        for kind in ("c", "m", "uuid", "all_file_dates"):
            cmd += ["-volume_date", kind, ISO_DATE]
        try:
            toolchain.run(cmd, "making the GRUB ISO", root, env=env)
            os.replace(out, image.iso)
        finally:
            out.unlink(missing_ok=True)


# What a copy of the project needs to build any image on its own.
SOURCE_PARTS = ("dodo.py", "jitboot", "boot", "kernel_lib", "jit", "linker", "images",
                "tests/images", "tests/il", "tests/bench")


def copy_sources(dest: Path, root: Path = ROOT) -> Path:
    """Copy the project's sources (not build/) to dest, plus QBE's already
    fetched sources so the copy builds without downloading; return dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in SOURCE_PARTS:
        src = root / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    qbe = root / QBE_DIR
    if qbe.is_dir():
        shutil.copytree(qbe, dest / QBE_DIR, symlinks=True)
    return dest


def build_image(name_or_path: str | Path, root: Path = ROOT,
                extra_args: list[str] = ()) -> Image:
    """Build an image with doit (as `doit image image=...` does); return its paths."""
    recipe = load_recipe(name_or_path, root)
    cmd = [sys.executable, "-m", "doit", "-f", str(root / "dodo.py"), "-d", str(root),
           "image", f"image={recipe.path}", *extra_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise JitbootError(f"building image {recipe.name!r} failed:\n{tail}")
    return image_for(recipe, root)
