"""The kernel's build templates (boot/*.j2, linker/kernel.ld.j2) rendered
with a sample image: generated C compiles with the recipe's values, GRUB
gets one module line per payload, and the linker script lays out and
bounds the image as documented."""
import pathlib
import shutil
import subprocess

import pytest

from jitboot import protocol
from jitboot.recipe import Payload, default_recipe
from jitboot.render import environment

REPO = pathlib.Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not shutil.which("gcc") or not shutil.which("ld"),
                                reason="needs gcc and ld")


def sample_image(**over):
    """The `image` context of a recipe with every key at its default (and
    two tests and a payload), as jitboot.recipe derives it; over replaces
    context entries."""
    recipe = default_recipe("sample", tests=("aot_fib", "heap"), payload_timeout=2.5,
                            payloads=(Payload(pathlib.Path("tests/il/hello.ssa"), "hello.ssa"),))
    image = recipe.context()
    image.update(over)
    return image


def render(template, image):
    env = environment(REPO)
    return env.get_template(template).render(image=image, exports=[],
                                             protocol=protocol.context())


def c_checks(macros, values):
    return [f"_Static_assert({m} == {values[k]}ULL, \"{m}\");" for m, k in macros.items()]


def compiles_as_c_and_assembly(tmp_path, header, checks):
    src = tmp_path / "check.c"
    src.write_text(f'#include "{header}"\n' + "\n".join(checks) + "\n")
    subprocess.run(["gcc", "-std=gnu11", "-fsyntax-only", "-Wall", "-Werror", "-I", str(tmp_path),
                    str(src)], check=True)
    # boot.S includes it too: must preprocess as assembly
    subprocess.run(["gcc", "-E", "-D__ASSEMBLY__", "-x", "assembler-with-cpp", "-I", str(tmp_path),
                    str(tmp_path / header)], check=True, capture_output=True)


def test_config_h_has_recipe_values(tmp_path):
    image = sample_image()
    (tmp_path / "config.h").write_text(render("boot/config.h.j2", image))
    macros = {"JB_LOAD_ADDR": "load_address", "JB_KERNEL_MAX": "kernel_max_size",
              "JB_STACK_SIZE": "stack_size", "JB_HEAP_ADDR": "heap_address",
              "JB_HEAP_SIZE": "heap_size", "JB_JIT_ARENA_ADDR": "jit_arena_address",
              "JB_JIT_ARENA_SIZE": "jit_arena_size", "JB_MEMORY_SIZE": "memory_size",
              "JB_PAYLOAD_TIMEOUT_MS": "payload_timeout_ms"}
    checks = c_checks(macros, image)
    checks += ['_Static_assert(JB_FEATURE_JIT == 1, "jit");',
               '_Static_assert(sizeof JB_IMAGE_NAME == sizeof "sample", "name");',
               '_Static_assert(sizeof JB_JIT_PASSES == sizeof "all", "passes");']
    assert image["payload_timeout_ms"] == 2500
    compiles_as_c_and_assembly(tmp_path, "config.h", checks)


def test_protocol_h_has_protocol_values(tmp_path):
    (tmp_path / "protocol.h").write_text(render("boot/protocol.h.j2", sample_image()))
    ctx = protocol.context()
    numbers = {"JB_EXIT_PASS": "exit_pass", "JB_EXIT_FAIL": "exit_fail",
               "JB_EXIT_PANIC": "exit_panic", "JB_DEBUG_EXIT_PORT": "debug_exit_port"}
    strings = {"JB_KTAP_HEADER": "ktap_header", "JB_PANIC": "panic",
               "JB_PAYLOAD_PREFIX": "payload_prefix", "JB_FAULT_TAG": "fault_tag",
               "JB_KTAP_INDENT": "ktap_indent", "JB_BENCH_PREFIX": "bench_prefix"}
    checks = c_checks(numbers, ctx)
    checks += [f"_Static_assert(sizeof {m} == {len(ctx[k]) + 1}, \"{m}\");"
               for m, k in strings.items()]
    compiles_as_c_and_assembly(tmp_path, "protocol.h", checks)


def test_ktests_table_lists_recipe_tests_in_order(tmp_path):
    (tmp_path / "ktests.c").write_text(render("boot/ktests.c.j2", sample_image(tests=["klib", "aot_fib"])))
    obj = tmp_path / "ktests.o"
    subprocess.run(["gcc", "-std=gnu11", "-c", "-O2", "-Wall", "-Wextra", "-Werror",
                    "-I", str(REPO / "kernel_lib"), str(tmp_path / "ktests.c"), "-o", str(obj)], check=True)
    undefined = subprocess.run(["nm", "-u", str(obj)], capture_output=True, text=True, check=True).stdout
    assert "ktest_klib" in undefined and "ktest_aot_fib" in undefined
    text = (tmp_path / "ktests.c").read_text()
    assert text.index('"klib"') < text.index('"aot_fib"')


def test_ktests_table_may_be_empty(tmp_path):
    (tmp_path / "ktests.c").write_text(render("boot/ktests.c.j2", sample_image(tests=[])))
    subprocess.run(["gcc", "-std=gnu11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                    "-I", str(REPO / "kernel_lib"), str(tmp_path / "ktests.c")], check=True)


def test_grub_cfg_has_one_module_line_per_payload():
    payloads = [{"path": "a/x.ssa", "name": "x.ssa"}, {"path": "y.ssa", "name": "y.ssa"}]
    lines = [l.strip() for l in render("boot/grub.cfg.j2", sample_image(payloads=payloads)).splitlines()]
    assert "multiboot /boot/kernel.elf32" in lines
    assert [l for l in lines if l.startswith("module")] == [
        "module /boot/payloads/x.ssa x.ssa", "module /boot/payloads/y.ssa y.ssa"]
    assert "set timeout=0" in lines and lines.index("boot") > lines.index("module /boot/payloads/y.ssa y.ssa")


TINY_KERNEL = r"""
	.section .multiboot, "a"
	.long 0x1BADB002
	.section .text.boot, "ax"
	.globl _start32
_start32: hlt
	.section .rodata
	.long 1
	.section .data
	.long 2
	.section .bss
	.skip BSS_SIZE
"""


def link(tmp_path, image, bss_size=0x100):
    (tmp_path / "kernel.ld").write_text(render("linker/kernel.ld.j2", image))
    (tmp_path / "tiny.S").write_text(TINY_KERNEL)
    obj, elf = tmp_path / "tiny.o", tmp_path / "kernel.elf"
    subprocess.run(["gcc", "-c", f"-DBSS_SIZE={bss_size}", str(tmp_path / "tiny.S"), "-o", str(obj)], check=True)
    return subprocess.run(["ld", "-nostdlib", "-static", "-no-pie", "-z", "max-page-size=0x1000",
                           "--build-id=none", "-T", str(tmp_path / "kernel.ld"), str(obj), "-o", str(elf)],
                          capture_output=True, text=True), elf


def symbols(elf):
    out = subprocess.run(["nm", str(elf)], capture_output=True, text=True, check=True).stdout
    return {name: int(addr, 16) for addr, _, name in (l.split() for l in out.splitlines() if len(l.split()) == 3)}


def test_linker_script_page_aligns_sections_from_load_address(tmp_path):
    r, elf = link(tmp_path, sample_image(load_address=0x200000))
    assert r.returncode == 0, r.stderr
    sym = symbols(elf)
    assert sym["__kernel_start"] == 0x200000
    order = ["__text_start", "__rodata_start", "__data_start", "__bss_start", "__kernel_end"]
    addrs = [sym[s] for s in order]
    assert addrs == sorted(addrs) and all(a % 0x1000 == 0 for a in addrs)
    assert sym["_start32"] == sym["__text_start"]
    # the multiboot header must sit in the first 8 KiB of the file
    hdr = subprocess.run(["readelf", "-SW", str(elf)], capture_output=True, text=True, check=True).stdout
    line = next(l for l in hdr.splitlines() if ".multiboot" in l)
    assert int(line.split()[line.split().index("PROGBITS") + 2], 16) < 8192


def test_linker_script_rejects_kernel_larger_than_budget(tmp_path):
    r, _ = link(tmp_path, sample_image(kernel_max_size=0x10000), bss_size=0x20000)
    assert r.returncode != 0
    assert "larger than kernel_max_size" in r.stderr


def test_linker_script_rejects_kernel_overlapping_heap(tmp_path):
    r, _ = link(tmp_path, sample_image(heap_address=0x110000), bss_size=0x20000)
    assert r.returncode != 0
    assert "overlaps the heap" in r.stderr


def test_written_files_get_the_usual_mode(tmp_path):
    """Reports and generated files were 0600 (tempfile.mkstemp's mode)."""
    import os
    import stat
    from jitboot.render import write_if_changed
    old = os.umask(0o027)
    try:
        write_if_changed(tmp_path / "report.json", "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o640
    write_if_changed(tmp_path / "other.json", "{}\n")
    assert stat.S_IMODE((tmp_path / "other.json").stat().st_mode) == 0o666 & ~old
