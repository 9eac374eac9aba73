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
from typing import Sequence

from . import ROOT, components, paths, toolchain
from .errors import JitbootError
from .recipe import Recipe, load_recipe

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
    def boot_kernel(self) -> Path:
        """What QEMU -kernel boots: the ELF32 container on x86-64 (QEMU's
        multiboot loader refuses ELF64), the ELF itself on aarch64."""
        return self.elf32 if self.recipe.arch == "x86_64" else self.elf
    @property
    def link_targets(self) -> list[Path]:
        return [self.elf, self.elf32] if self.recipe.arch == "x86_64" else [self.elf]
    @property
    def log_dir(self) -> Path: return self.dir / "logs"
    @property
    def size_json(self) -> Path: return self.dir / "size.json"
    @property
    def size_html(self) -> Path: return self.dir / "size.html"


def image_for(recipe: Recipe, root: Path = ROOT, variant: str = "") -> Image:
    """The image's paths; a variant (coverage) is built in a directory of
    its own, build/images/<name>-<variant>, leaving the image untouched."""
    return Image(name=recipe.name, recipe=recipe,
                 dir=paths.build_dir(root) / "images" / "-".join(filter(None, (recipe.name, variant))))


@dataclass(frozen=True)
class Unit:
    """One compilation: source -> object, with its command line."""
    src: Path
    obj: Path
    cmd: tuple[str, ...]
    component: str = ""

    @property
    def dep(self) -> Path:
        return self.obj.with_suffix(".d")


def _relative_obj(src: Path, bases: list[Path], root: Path) -> Path:
    """src's object name: relative to the first base holding it."""
    src = src.resolve()
    for base in [*bases, root]:
        try:
            return src.relative_to(base.resolve()).with_suffix(".o")
        except ValueError:
            continue
    return (Path("external") / src.name).with_suffix(".o")


def host_gen_dir(root: Path = ROOT) -> Path:
    """Generated sources of the host programs (exports.c, bench table)."""
    return paths.host_dir(root) / "gen"


def host_generated(root: Path = ROOT) -> list[Path]:
    """Files the host_gen tasks write."""
    from . import bench
    gen = host_gen_dir(root)
    return [gen / "exports.c"] + bench.generated_files(gen, root)


def trees_for(gen: Path, generated: list[Path], root: Path = ROOT) -> components.Trees:
    return components.Trees(src=root, gen=gen, qbe=paths.qbe_dir(root),
                            qbe_stock=paths.qbe_stock_dir(root), gen_files=tuple(generated))


def kernel_generated(recipe: Recipe, image: Image, root: Path = ROOT) -> list[Path]:
    from . import bench, render
    files = [image.gen / t.output for t in render.templates_for(recipe)]
    if recipe.bench:
        files += bench.generated_files(image.gen, root)
    return files


def units(recipe: Recipe, image: Image, qbe_dir: Path | None = None,
          root: Path = ROOT, coverage: Sequence[str] = ()) -> list[Unit]:
    """Every compilation of the image's kernel, in link order (QBE's
    sources only when qbe_dir is given: they exist once fetched).
    coverage names the components compiled with gcov's counters; the
    gcov runtime comes with them (jitboot.coverage)."""
    comps = components.kernel_components({"jit": recipe.jit, "bench": recipe.bench,
                                          "coverage": bool(coverage),
                                          "isolation": recipe.isolation == "user"}, recipe.arch)
    if qbe_dir is None:
        comps = [c for c in comps if not any(f.startswith("qbe") for f in c.files)]
    trees = trees_for(image.gen, kernel_generated(recipe, image, root), root)
    return _units(comps, trees, toolchain.KERNEL_PROFILE[recipe.arch], image.obj,
                  [image.dir, paths.build_dir(root)], root, coverage)


def program_units(name: str, root: Path = ROOT) -> list[Unit]:
    """Every compilation of a host program of the manifest."""
    prog = components.PROGRAM[name]
    profile = toolchain.PROFILES[prog.profile]
    objdir = paths.build_dir(root) / profile.objdir
    trees = trees_for(host_gen_dir(root), host_generated(root), root)
    return _units(prog.parts(), trees, prog.profile, objdir, [paths.build_dir(root)], root)


def _units(comps: list[components.Component], trees: components.Trees, profile_name: str,
           objdir: Path, bases: list[Path], root: Path,
           coverage: Sequence[str] = ()) -> list[Unit]:
    profile = toolchain.PROFILES[profile_name]
    out = []
    for comp in comps:
        incs = components.include_dirs(comp, trees)
        # QBE's sources never include our config.h (QBE has a config.h of
        # its own): force ours in by path
        extra: list[str] = []
        if comp.qbe_style:
            assert trees.gen is not None    # trees_for() always names it
            extra = [*profile.qbe_style, "-include", toolchain.rel(trees.gen / "config.h", root)]
        extra += comp.cflags
        if profile_name == "asan":
            extra += comp.asan_cflags
        for src in components.component_files(comp, trees):
            obj = objdir / _relative_obj(src, bases, root)
            flags = extra + toolchain.coverage_flags(obj, root) if comp.name in coverage else extra
            cmd = toolchain.compile_command(src, obj, incs, flags, root=root, profile=profile)
            out.append(Unit(src, obj, tuple(cmd), comp.name))
    return out


def program_output(name: str, root: Path = ROOT) -> Path:
    return paths.build_dir(root) / components.PROGRAM[name].output


def link_program(name: str, objs: list[Path], root: Path = ROOT) -> None:
    """Link a host program atomically (never a half-written binary)."""
    prog = components.PROGRAM[name]
    out = program_output(name, root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        toolchain.run(toolchain.program_link_command(objs, tmp, prog.profile, prog.link_flags,
                                                     root, prog.libs),
                      f"linking {toolchain.rel(out, root)}", root)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


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


def user_copy(image: Image, objs: list[Path], root: Path = ROOT) -> list[Path]:
    """objs with the user-mode library copy of an isolated image in place of
    USER_ONLY's objects (components.USER_COPY): `ld -r` of the copy's
    objects, then objcopy prefixing every symbol ju_ and every section
    .user, into obj/user_lib.o.  An undefined symbol left is one the copy
    would take from the kernel: an error naming it."""
    if image.recipe.isolation != "user":
        return objs
    copy, only = set(), set()
    for u in units(image.recipe, image, None, root):
        rel = toolchain.rel(u.src, root)
        if u.component in components.USER_COPY or rel in components.USER_COPY_FILES:
            copy.add(u.obj)
        if u.component in components.USER_ONLY:
            only.add(u.obj)
    blob = image.obj / "user_lib.o"
    raw = image.obj / ".user_lib.raw.o"
    try:
        toolchain.run(["ld", "-r", "-o", toolchain.rel(raw, root),
                       *[toolchain.rel(o, root) for o in objs if o in copy]],
                      "linking the user-mode library copy", root)
        toolchain.run(["objcopy", "--strip-debug", f"--prefix-symbols={components.USER_PREFIX}",
                       "--prefix-alloc-sections=.user", toolchain.rel(raw, root),
                       toolchain.rel(blob, root)], "prefixing the user-mode library copy", root)
    finally:
        raw.unlink(missing_ok=True)
    undefined = subprocess.run(["nm", "-u", str(blob)], capture_output=True, text=True,
                               check=True).stdout.split()[1::2]
    if undefined:
        raise JitbootError(f"the user-mode library copy needs {', '.join(undefined)} from the "
                           f"kernel: give jit/user/ its own (components.USER_COPY)")
    return [o for o in objs if o not in only] + [blob]


def link(image: Image, objs: list[Path], root: Path = ROOT) -> None:
    if image.recipe.arch != "x86_64":
        return _link_elf(image, objs, root)
    objs = user_copy(image, objs, root)
    tmp = image.dir / ".kernel.elf.tmp"
    try:
        toolchain.run(toolchain.link_command(objs, image.gen / "kernel.ld", tmp, root),
                      "linking the kernel", root)
        toolchain.run(toolchain.elf32_command(tmp, image.dir / ".kernel.elf32.tmp", root),
                      "making the ELF32 container", root)
        from . import multiboot
        why = multiboot.problem(image.dir / ".kernel.elf32.tmp")
        if why:
            raise JitbootError(f"kernel.elf32 cannot boot: {why}; check the linker template "
                               f"linker/kernel.ld.j2 (rendered as "
                               f"{toolchain.rel(image.gen / 'kernel.ld', root)})")
        os.replace(image.dir / ".kernel.elf32.tmp", image.elf32)
        os.replace(tmp, image.elf)
        map_tmp = tmp.with_suffix(".map")
        if map_tmp.exists():
            os.replace(map_tmp, image.dir / "kernel.map")
    finally:
        for leftover in (tmp, image.dir / ".kernel.elf32.tmp", tmp.with_suffix(".map")):
            leftover.unlink(missing_ok=True)


def _link_elf(image: Image, objs: list[Path], root: Path = ROOT) -> None:
    """Link a kernel QEMU boots as it is (aarch64: -kernel loads the ELF's
    segments where they are linked and jumps to its entry), checked first
    (jitboot.multiboot.elf_problem) like the x86-64 multiboot container."""
    from . import multiboot
    arch = image.recipe.arch
    tmp = image.dir / ".kernel.elf.tmp"
    try:
        toolchain.run(toolchain.link_command(objs, image.gen / "kernel.ld", tmp, root,
                                             toolchain.KERNEL_PROFILE[arch]),
                      "linking the kernel", root)
        why = multiboot.elf_problem(tmp, arch, image.recipe.load_address)
        if why:
            raise JitbootError(f"kernel.elf cannot boot: {why}; check the linker template "
                               f"(rendered as {toolchain.rel(image.gen / 'kernel.ld', root)})")
        os.replace(tmp, image.elf)
        if tmp.with_suffix(".map").exists():
            os.replace(tmp.with_suffix(".map"), image.dir / "kernel.map")
    finally:
        for leftover in (tmp, tmp.with_suffix(".map")):
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
        if image.recipe.data:
            (tree / "boot" / "data").mkdir()
            for d in map(Path, image.recipe.data):
                shutil.copyfile(d, tree / "boot" / "data" / d.name)
        if image.recipe.args:       # the module "args:" (jitboot/payloads.py data_modules)
            (tree / "boot" / "args").write_bytes(
                b"".join(a.encode() + b"\0" for a in image.recipe.args))
        for path in sorted(tree.rglob("*")):
            os.utime(path, (int(SOURCE_DATE_EPOCH),) * 2)
        out = image.dir / ".kernel.iso.tmp"
        # grub-mkrescue's own scratch (grub.XXXX, 5-9 MB) goes inside ours,
        # so an interrupted or failed build leaves nothing in $TMPDIR
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, TMPDIR=str(scratch))
        cmd = ["grub-mkrescue", "--compress=no", "-o", str(out), str(tree), "--"]
        for kind in ("c", "m", "uuid", "all_file_dates"):
            cmd += ["-volume_date", kind, ISO_DATE]
        try:
            with toolchain.sigterm_raises():
                toolchain.run(cmd, "making the GRUB ISO", root, env=env)
            if not out.is_file():
                raise JitbootError(f"grub-mkrescue succeeded but wrote no {out.name}")
            os.replace(out, image.iso)
        finally:
            out.unlink(missing_ok=True)


# What a copy of the project needs to build any image on its own.
SOURCE_PARTS = ("dodo.py", "jitboot", "boot", "kernel_lib", "jit", "linker", "images", "include",
                "tests/images", "tests/il", "tests/bench", "tests/c", "tests/cbench")


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
    qbe = paths.qbe_dir(root)
    if qbe.is_dir():
        shutil.copytree(qbe, dest / "build" / "qbe-src", symlinks=True)
    return dest


def build_image(name_or_path: str | Path, root: Path = ROOT,
                extra_args: Sequence[str] = ()) -> Image:
    """Build an image with doit (as `doit image image=...` does); return its paths."""
    recipe = load_recipe(name_or_path, root)
    cmd = [sys.executable, "-m", "doit", "-f", str(root / "dodo.py"), "-d", str(root),
           "image", f"image={recipe.path}", *extra_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise JitbootError(f"building image {recipe.name!r} failed:\n{tail}")
    return image_for(recipe, root)


def build_programs(names: list[str] | tuple[str, ...], root: Path = ROOT,
                   extra_args: Sequence[str] = ()) -> dict[str, Path]:
    """Build host programs of the manifest with doit (as `doit jitrun`
    does); return their paths by name."""
    unknown = [n for n in names if n not in components.PROGRAM or n == "kernel"]
    if unknown:
        raise JitbootError(f"unknown program {unknown[0]!r} (known: "
                           f"{', '.join(p.name for p in components.PROGRAMS if p.name != 'kernel')})")
    cmd = [sys.executable, "-m", "doit", "-f", str(root / "dodo.py"), "-d", str(root),
           *names, *extra_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise JitbootError(f"building {', '.join(names)} failed:\n{tail}")
    return {n: program_output(n, root) for n in names}
