"""The build: doit does work exactly when inputs change, and builds are reproducible."""

import re
import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from conftest import copy_project, doit
from jitboot import ROOT, components


def executed(output: str) -> list[str]:
    """Task names doit ran (lines '.  name'), not the up-to-date ones ('-- name')."""
    return re.findall(r"^\.  (\S+)", output, re.M)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("proj") / "jitboot")
    doit(root, "image", "image=nojit")
    return root


def test_image_products(project):
    out = project / "build" / "images" / "nojit"
    with open(out / "kernel.elf", "rb") as f:
        elf = ELFFile(f)
        assert elf.elfclass == 64 and elf["e_machine"] == "EM_X86_64"
        assert elf.get_section_by_name(".debug_info") is not None
    with open(out / "kernel.elf32", "rb") as f:
        elf32 = ELFFile(f)
        assert elf32.elfclass == 32 and elf32["e_machine"] == "EM_386"
    assert (out / "kernel.iso").read_bytes()[0x8001:0x8006] == b"CD001"
    assert (out / "gen" / "kernel.ld").exists() and (out / "gen" / "config.h").exists()


def test_noop_rebuild_does_nothing(project):
    proc = doit(project, "image", "image=nojit")
    assert executed(proc.stdout) == [], proc.stdout


def test_corrupt_products_are_rebuilt(project):
    """A truncated kernel.elf32 used to be taken as up to date, and the ISO
    was built from it; an emptied object was linked as it was."""
    out = project / "build" / "images" / "nojit"
    good = {n: (out / n).read_bytes() for n in ("kernel.elf32", "kernel.iso")}
    obj = next((out / "obj" / "kernel_lib").rglob("*.o"))
    good_obj = obj.read_bytes()
    (out / "kernel.elf32").write_bytes(good["kernel.elf32"][:1000])
    ran = executed(doit(project, "image", "image=nojit").stdout)
    assert "link" in ran and "iso" not in ran, ran   # the ISO was built from the intact one
    assert {n: (out / n).read_bytes() for n in good} == good
    obj.write_bytes(b"")
    ran = executed(doit(project, "image", "image=nojit").stdout)
    assert [t for t in ran if t.startswith("compile:")] == \
        [f"compile:{obj.relative_to(out / 'obj').with_suffix('.c')}"], ran
    assert obj.read_bytes() == good_obj and "link" not in ran
    (out / "kernel.iso").write_bytes(b"not an iso")
    assert executed(doit(project, "image", "image=nojit").stdout) == ["iso"]
    assert (out / "kernel.iso").read_bytes() == good["kernel.iso"]


def test_template_edit_relinks(project):
    ld = project / "linker" / "kernel.ld.j2"
    ld.write_text(ld.read_text() + "\n/* edited */\n")
    ran = executed(doit(project, "image", "image=nojit").stdout)
    assert "render" in ran and "link" in ran
    assert not [t for t in ran if t.startswith("compile:")], "a linker-script edit recompiles nothing"
    assert executed(doit(project, "image", "image=nojit").stdout) == []


def test_recipe_value_recompiles_dependents(project):
    recipe = project / "images" / "nojit.toml"
    recipe.write_text(recipe.read_text().replace('[qemu]', '[layout]\nstack_size = "128K"\n\n[qemu]'))
    ran = executed(doit(project, "image", "image=nojit").stdout)
    assert "render" in ran and "link" in ran
    compiled = [t for t in ran if t.startswith("compile:")]
    assert compiled, "config.h changed, so its users must be rebuilt"
    config = (project / "build" / "images" / "nojit" / "gen" / "config.h").read_text()
    assert "0x20000" in config        # 128 KiB
    assert executed(doit(project, "image", "image=nojit").stdout) == []


def test_source_edit_recompiles_one_file(project):
    src = next(p for p in sorted((project / "kernel_lib").glob("*.c"))
               if components.owner(f"kernel_lib/{p.name}") == ["kernel_lib"])   # not gcov.c
    src.write_text(src.read_text() + "\n/* a comment changes no byte of the object */\n")
    ran = executed(doit(project, "image", "image=nojit").stdout)
    assert ran == [f"compile:kernel_lib/{src.name}"], "same object: nothing to relink"
    src.write_text(src.read_text() + "\nint edited_function(void) { return 42; }\n")
    ran = executed(doit(project, "image", "image=nojit").stdout)
    compiled = [t for t in ran if t.startswith("compile:")]
    assert compiled == [f"compile:kernel_lib/{src.name}"]
    assert "link" in ran


def test_two_clean_builds_are_identical(tmp_path, project):
    other = copy_project(tmp_path / "elsewhere" / "deeper")
    doit(other, "image", "image=nojit")
    # the first copy was edited by earlier tests: rebuild it clean from the same sources
    for part in ("linker", "kernel_lib", "images"):
        import shutil
        shutil.rmtree(project / part)
        shutil.copytree(other / part, project / part)
    doit(project, "clean", "image=nojit")
    doit(project, "image", "image=nojit")
    a = project / "build" / "images" / "nojit"
    b = other / "build" / "images" / "nojit"
    for name in ("kernel.elf", "kernel.elf32", "kernel.iso"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs"


def test_size_gate_fails_naming_the_component(tmp_path):
    """`doit image` runs the size audit; over budget, it fails naming the culprit."""
    recipe = tmp_path / "tiny_budget.toml"
    recipe.write_text('[features]\njit = false\n[budget]\nmemory = "64K"\n'
                      '[run]\ntests = ["aot_fib"]\n')
    proc = doit(ROOT, "image", f"image={recipe}", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert "error: image 'tiny_budget' is over budget: memory" in out
    assert "(largest: kernel_lib" in out
    json_path = ROOT / "build" / "images" / "tiny_budget" / "size.json"
    import json
    report = json.loads(json_path.read_text())
    assert [o["budget"] for o in report["budgets"]] == ["memory"]


@pytest.mark.parametrize("recipe, gdb_name, source", [
    ("hang", "gdb", "kernel_lib/kmain.c"),
    ("aarch64_hang", "gdb-multiarch", "kernel_lib/arch/aarch64/kmain.c"),
])
def test_qemu_debug_prints_a_gdb_command_that_works(image_builder, recipe, gdb_name, source):
    """`doit qemu-debug` halts QEMU; the gdb command it prints (gdb-multiarch
    for an aarch64 kernel) stops in kmain."""
    import shlex
    import socket
    import subprocess
    import sys
    import time

    image_builder(f"tests/images/{recipe}.toml")
    with socket.socket() as s:           # a free port, so parallel runs don't clash
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qemu = subprocess.Popen([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                             "-d", str(ROOT), "qemu-debug", f"image=tests/images/{recipe}.toml",
                             f"gdb_port={port}"], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        lines = []
        for line in qemu.stdout:
            lines.append(line)
            if line.startswith(f"  {gdb_name} "):
                break
        gdb = shlex.split(lines[-1].strip())
        assert gdb[0] == gdb_name and gdb[1].endswith(f"build/images/{recipe}/kernel.elf")
        time.sleep(0.5)
        gdb = gdb[:1] + ["-q", "-batch"] + gdb[1:] + ["-ex", "bt 1", "-ex", "kill"]
        out = subprocess.run(gdb, capture_output=True, text=True, timeout=60).stdout
        assert "Breakpoint 1, kmain" in out and source in out, out
    finally:
        import os
        import signal
        os.killpg(qemu.pid, signal.SIGTERM)
        qemu.wait(timeout=10)


def test_missing_tool_names_the_debian_package(tmp_path):
    """Without xorriso on PATH the ISO step fails with one line naming the package."""
    import os
    import shutil
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("gcc", "ld", "objcopy", "as", "cc1", "grub-mkrescue", "mformat",
                 "qemu-system-x86_64", "python3"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    recipe = tmp_path / "notools.toml"
    recipe.write_text('[features]\njit = false\n[run]\ntests = ["aot_fib"]\n')
    env = dict(os.environ, PATH=str(bin_dir))
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "image", f"image={recipe}"],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "error: missing tool 'xorriso': install it with 'apt-get install xorriso'" \
        in proc.stdout


def test_template_errors_name_the_template_and_line(tmp_path):
    from jitboot import render
    from jitboot.errors import JitbootError
    (tmp_path / "linker").mkdir()
    (tmp_path / "linker" / "bad.ld.j2").write_text("SECTIONS\n{\n{% if %}\n}\n")
    (tmp_path / "linker" / "typo.ld.j2").write_text(". = {{ image.lod_address }};\n")
    env = render.environment(tmp_path)
    with pytest.raises(JitbootError, match=r"^linker/bad.ld.j2:3: template syntax error"):
        render.render_template(env, "linker/bad.ld.j2", {"image": {}})
    with pytest.raises(JitbootError, match=r"^linker/typo.ld.j2:1: .*lod_address"):
        render.render_template(env, "linker/typo.ld.j2", {"image": {"load_address": 1}})


def test_doit_size_prints_the_report_when_up_to_date(image_builder):
    """It printed nothing once the kernel had been audited; the README
    shows it printing the report."""
    image_builder("tests/images/hang.toml")
    for _ in range(2):
        proc = doit(ROOT, "size", "image=tests/images/hang.toml")
        assert "size budgets: ok" in proc.stdout, proc.stdout
    # inside `doit image` nothing changed, so the audit does not run again
    assert "size budgets" not in doit(ROOT, "image", "image=tests/images/hang.toml").stdout
