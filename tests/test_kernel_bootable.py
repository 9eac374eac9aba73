"""A linked kernel no loader would boot fails the build (jitboot/multiboot.py).

With `.multiboot` discarded in the linker template the build used to
succeed; QEMU's -kernel then said "Error loading uncompressed kernel
without PVH ELF Note" and the ISO medium waited for the whole timeout."""

import struct
import subprocess
import sys

import pytest

from conftest import copy_project
from jitboot import multiboot


@pytest.fixture(scope="module")
def elf32(image_builder):
    return image_builder("tests/images/hang.toml").elf32.read_bytes()


def problem_of(tmp_path, data: bytes) -> str | None:
    p = tmp_path / "kernel.elf32"
    p.write_bytes(data)
    return multiboot.problem(p)


def test_the_real_kernel_is_bootable(tmp_path, elf32):
    assert problem_of(tmp_path, elf32) is None
    off, flags = multiboot.header(elf32)
    assert off % 4 == 0 and off + 12 <= multiboot.SEARCH and flags == 0b11


def test_broken_headers(tmp_path, elf32):
    off, flags = multiboot.header(elf32)
    bad_sum = bytearray(elf32)
    struct.pack_into("<I", bad_sum, off + 8, 0)
    assert problem_of(tmp_path, bytes(bad_sum)) == "its multiboot header's checksum is wrong"

    gone = bytearray(elf32)
    gone[off:off + 12] = bytes(12)
    assert problem_of(tmp_path, bytes(gone)).startswith("no multiboot header in its first 8192 bytes")

    video = bytearray(elf32)           # an unknown required flag, checksum kept right
    struct.pack_into("<II", video, off + 4, flags | 0x10, (-(multiboot.MAGIC + (flags | 0x10))) & 0xFFFFFFFF)
    assert problem_of(tmp_path, bytes(video)) == \
        "its multiboot header asks for flags 0x10, which loaders do not know"


def test_entry_point_outside_the_kernel(tmp_path, elf32):
    moved = bytearray(elf32)
    struct.pack_into("<I", moved, 24, 0x10)        # e_entry of an ELF32
    assert problem_of(tmp_path, bytes(moved)) == \
        "its entry point 0x10 is not in a loaded executable segment"


def test_a_64_bit_elf_is_not_the_container(tmp_path, image_builder):
    elf64 = image_builder("tests/images/hang.toml").elf.read_bytes()
    assert problem_of(tmp_path, elf64).startswith("not an i386 ELF32 (EM_X86_64")


def test_discarded_multiboot_section_fails_the_build(tmp_path):
    root = copy_project(tmp_path / "jitboot")
    ld = root / "linker" / "kernel.ld.j2"
    text = ld.read_text()
    assert "KEEP(*(.multiboot))" in text and "/DISCARD/ : {" in text
    ld.write_text(text.replace("KEEP(*(.multiboot))", "")
                  .replace("/DISCARD/ : {", "/DISCARD/ : {\n\t\t*(.multiboot)"))
    p = subprocess.run([sys.executable, "-m", "doit", "-f", str(root / "dodo.py"), "-d", str(root),
                        "image", "image=nojit"], capture_output=True, text=True, cwd=root)
    out = p.stdout + p.stderr
    assert p.returncode != 0 and "Traceback" not in out
    assert ("kernel.elf32 cannot boot: no multiboot header in its first 8192 bytes (the "
            ".multiboot section must come first in the linker script, and be kept); check the "
            "linker template linker/kernel.ld.j2 (rendered as build/images/nojit/gen/kernel.ld)") in out
    image = root / "build" / "images" / "nojit"
    assert not (image / "kernel.elf").exists() and not (image / "kernel.elf32").exists()
    assert not list(image.glob(".kernel*"))
