"""kernel_lib/multiboot.c against malformed multiboot info, on the host.

What the bootloader hands over is checked before the kernel trusts it:
an inverted module range, a short memory map entry, or a table, module or
command line outside RAM below 4 GiB is a PANIC naming it, not a 4 GiB
module, fields read from the next entry or a fault later on.
tests/host/mb_check.c builds the info block from its arguments.
"""

import subprocess

import pytest

from jitboot import ROOT, render

KLIB = ROOT / "kernel_lib"
# host-only test harness, compiled here with UBSan against multiboot.c alone:
# a test program, not a build target
HOST_HARNESS = ROOT / "tests" / "host"
QEMU_MAP = ["mmap", "0:0x9fc00:1:20", "0x100000:0x7ee0000:1:20"]   # what QEMU gives 128M


@pytest.fixture(scope="module")
def mb_check(tmp_path_factory):
    d = tmp_path_factory.mktemp("mb")
    (d / "config.h").write_text("")
    (d / "protocol.h").write_text(render.protocol_header())
    exe = d / "mb_check"
    subprocess.run(["gcc", "-O1", "-fsanitize=undefined", "-fno-sanitize-recover",
                    "-I", str(d), "-I", str(KLIB), str(KLIB / "multiboot.c"),
                    str(HOST_HARNESS / "mb_check.c"), "-o", str(exe)], check=True)
    return exe


def run(exe, *args):
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=10)
    assert "runtime error" not in r.stderr, r.stderr
    return r


def test_well_formed_info(mb_check):
    r = run(mb_check, *QEMU_MAP, "mods", "0x200000:0x201000", "0x201000:0x201005",
            "usable", "0x1000000", "0x4000000")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == ["modules 2", "module m0 4096", "module m1 5", "usable 1"]


def test_inverted_module_panics(mb_check):
    r = run(mb_check, *QEMU_MAP, "mods", "0x201000:0x200000")
    assert r.returncode == 3
    assert r.stdout.strip() == \
        "PANIC: multiboot: module 0 ends (0x200000) before it starts (0x201000)"


def test_short_memory_map_entry_panics(mb_check):
    r = run(mb_check, "mmap", "0:0x9fc00:1:20", "0x100000:0x7ee0000:1:8")
    assert r.returncode == 3
    assert r.stdout.strip() == ("PANIC: multiboot: memory map entry at offset 24 is 8 bytes, "
                                "less than the 20 of an entry")


def test_region_ending_past_2_64_is_clipped(mb_check):
    r = run(mb_check, "mmap", "0x1000:0xffffffffffffffff:1:20", "usable", "0x2000", "0x1000")
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == "usable 1"


def test_too_many_modules_panics(mb_check):
    mods = [f"{0x200000 + i * 0x1000:#x}:{0x200000 + i * 0x1000 + 1:#x}" for i in range(65)]
    r = run(mb_check, *QEMU_MAP, "mods", *mods)
    assert r.returncode == 3 and r.stdout.strip() == \
        "PANIC: multiboot: 65 modules, at most 64 supported"


BAD_ADDRESS = "is not in RAM below 4 GiB: the bootloader passed a bad address"


def test_module_outside_ram_panics(mb_check):
    r = run(mb_check, *QEMU_MAP, "mods", "0x200000:0x201000", "0x7ff0000:0x8000010")
    assert r.returncode == 3
    assert r.stdout.startswith(f"PANIC: multiboot: module 1 [0x7ff0000, 0x8000010) {BAD_ADDRESS}")


def test_module_in_the_first_mib_is_accepted(mb_check):
    # outside the map's usable regions, but where loaders put things
    r = run(mb_check, *QEMU_MAP, "mods", "0xf0000:0xf0010")
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "module m0 16"


def test_module_list_outside_ram_panics(mb_check):
    r = run(mb_check, *QEMU_MAP, "mods", "0x200000:0x201000", "mods_at", "0x10000000")
    assert r.returncode == 3
    assert r.stdout.startswith(f"PANIC: multiboot: module list [0x10000000, 0x10000010) {BAD_ADDRESS}")


@pytest.mark.parametrize("addr, shown", [("0", "0, 0x30"), ("0xfffffff0", "0xfffffff0, 0x100000020")])
def test_memory_map_outside_the_identity_map_panics(mb_check, addr, shown):
    """Checked before it is read: page 0 and past 4 GiB are unmapped."""
    r = run(mb_check, "mmap", "0:0x9fc00:1:20", "mmap_at", addr)
    assert r.returncode == 3
    assert r.stdout.startswith(f"PANIC: multiboot: memory map [{shown}) {BAD_ADDRESS}")


def test_no_modules_with_a_null_module_list_is_fine(mb_check):
    r = run(mb_check, *QEMU_MAP, "mods_at", "0")
    assert r.returncode == 0 and r.stdout.splitlines() == ["modules 0"]
