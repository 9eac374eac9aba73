"""The component manifest: every source has one home, every program's
source list comes from it, and builds of every program are exact and
parallel-safe."""

import re
import shutil

from conftest import copy_project, doit
from jitboot import ROOT, build, components, paths
from jitboot.recipe import load_recipe


def test_every_source_belongs_to_exactly_one_component():
    assert components.ownership_problems(ROOT) == []
    assert len(components.owned_sources(ROOT)) > 30


def test_a_file_that_fits_nowhere_says_where_to_declare_it(tmp_path):
    for d in components.OWNED_DIRS:
        shutil.copytree(ROOT / d, tmp_path / d)
    stray = tmp_path / "jit" / "newpart" / "thing.c"
    stray.parent.mkdir()
    stray.write_text("int thing;\n")
    assert components.ownership_problems(tmp_path) == [
        "jit/newpart/thing.c: no component owns it: add it to a Component's files in "
        "jitboot/components.py (or move it to its component's folder)"]


def test_glob_stays_in_its_folder():
    assert components.owner("jit/driver.c") == ["driver"]
    assert components.owner("jit/kernel/ktest_jit.c") == ["kernel_glue"]
    assert components.owner("jit/host/jitrun.c") == ["jitrun_main"]
    assert components.owner("jit/shim/include/stdio.h") == []     # headers are not units


def _sources(units):
    """The repository sources of a unit list (not QBE's, not generated)."""
    return {str(u.src.relative_to(ROOT)) for u in units
            if ROOT in u.src.parents and paths.build_dir(ROOT) not in u.src.parents}


def test_programs_derive_their_sources(host_tools):
    jitrun = _sources(build.program_units("jitrun"))
    asm = {str(p.relative_to(ROOT)) for p in (ROOT / "jit" / "asm").glob("*.c")}
    assert len(asm) > 1
    assert {"jit/driver.c", "jit/loader.c", "jit/arena.c",
            "jit/host/platform_host.c", "jit/host/jitrun.c"} | asm <= jitrun
    assert not any(s.startswith(("jit/kernel/", "boot/")) for s in jitrun)
    # of kernel_lib, the host twin shares the math library only (same results)
    libm = {str(p.relative_to(ROOT)) for p in (ROOT / "kernel_lib" / "libm").glob("*.c")}
    assert len(libm) == 3
    assert {s for s in jitrun if s.startswith("kernel_lib/")} == libm
    # QBE's sources come from the fetched tree, without its main.c
    qbe_files = {u.src.name for u in build.program_units("jitrun")
                 if paths.qbe_dir(ROOT) in u.src.parents}
    assert "parse.c" in qbe_files and "main.c" not in qbe_files
    assert _sources(build.program_units("asmdump")) == asm | {"jit/host/asmdump.c"}
    # the kernel: ours from the manifest, by the recipe's features
    recipe = load_recipe("default")
    kernel = _sources(build.units(recipe, build.image_for(recipe), paths.qbe_dir(ROOT)))
    assert {"jit/kernel/ktest_jit.c", "kernel_lib/kmain.c", "boot/boot.S"} <= kernel
    assert not any(s.startswith("jit/host/") for s in kernel)
    nojit = load_recipe("nojit")
    small = _sources(build.units(nojit, build.image_for(nojit), paths.qbe_dir(ROOT)))
    # without the JIT only kfmt, the formatting core kernel_lib's printf
    # shares with the payload library (and so with the host twin)
    assert [s for s in small if s.startswith("jit/")] == ["jit/libc/format.c"]
    # every object of a profile has one command: programs share them
    for name in ("jitrun", "jitbench", "asmdump"):
        for u in build.program_units(name):
            assert paths.build_dir(ROOT) / "obj" / "host" in u.obj.parents


def test_readme_component_table_is_the_manifest():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- components:begin -->\n(.*?)<!-- components:end -->", text, re.S)
    assert m, "README.md lost its <!-- components:begin/end --> block"
    assert m.group(1) == components.readme_table(), \
        "README component table is stale: paste jitboot.components.readme_table() " \
        "(python -m jitboot.components)"


def _doit(root, *args):
    return doit(root, *args).stdout


def _executed(out):
    return re.findall(r"^\.  (\S+)", out, re.M)


PRODUCTS = ("images/default/kernel.elf", "images/default/kernel.elf32",
            "images/default/kernel.iso", "host/jitrun", "host/qbe", "host/asmdump")


def test_parallel_build_of_everything_is_the_serial_build(tmp_path, host_tools, image_builder):
    """`doit -n 2 image host` in a fresh copy gives the bytes the session's
    own builds gave (those ran task by task, as tests asked for them)."""
    image_builder("default")
    serial = paths.build_dir(ROOT)
    parallel = copy_project(tmp_path / "parallel" / "jitboot")
    _doit(parallel, "-n", "2", "image", "host")
    for p in PRODUCTS:
        assert (serial / p).read_bytes() == (parallel / "build" / p).read_bytes(), p
    assert _executed(_doit(parallel, "image", "host")) == []

    # an edited header rebuilds exactly the objects whose depfiles name it,
    # in the kernel and in the host twin
    header = "jit/loader.h"
    users = sorted(str(d.with_suffix(".o").relative_to(parallel))
                   for d in (parallel / "build").rglob("*.d")
                   if header in d.read_text())
    assert any("/images/default/" in u for u in users) and any("/obj/host/" in u for u in users)
    (parallel / header).write_text((parallel / header).read_text() + "\n/* edited */\n")
    ran = _executed(_doit(parallel, "image", "host"))
    compiled = sorted(t.split(":", 1)[1] for t in ran if t.startswith(("compile:", "obj:")))
    kernel_objs = sorted(u for u in users if "/images/default/" in u)
    host_objs = sorted(u for u in users if "/images/default/" not in u)
    expect = sorted([str((parallel / o).relative_to(parallel / "build" / "images" / "default"
                                                     / "obj").with_suffix(".c"))
                     for o in kernel_objs] + host_objs)
    assert compiled == expect


def test_build_directory_is_a_parameter(tmp_path, host_tools):
    root = copy_project(tmp_path / "jitboot")
    elsewhere = tmp_path / "out"
    shutil.copytree(paths.build_dir(ROOT) / "downloads", elsewhere / "downloads")  # no refetch
    _doit(root, "asmdump", f"build_dir={elsewhere}")
    assert (elsewhere / "host" / "asmdump").is_file()
    assert not (root / "build" / "host" / "asmdump").exists()
