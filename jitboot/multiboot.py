"""Is a linked kernel bootable? Checked after every link, on the host.

A linker-template edit can link a kernel no loader will boot: with
`.multiboot` discarded the build used to succeed, QEMU's -kernel said
"Error loading uncompressed kernel without PVH ELF Note" and the ISO
medium waited for the whole timeout. The Multiboot Specification 0.6.96
(section 3.1) says what a loader needs, and so what is checked here on
kernel.elf32, the container loaders read:

  - the header: magic 0x1BADB002, 32-bit aligned, entirely inside the
    file's first 8192 bytes, and magic + flags + checksum = 0 (mod 2^32);
  - flags a loader can honour: no required bit (0-15) it does not know,
    and without bit 16 (the a.out kludge: our header has no address
    fields) an ELF32 the loader reads: i386, executable, with loadable
    segments;
  - segments above the first MiB (legacy memory and the BIOS are below)
    and the entry point inside a loaded, executable segment.
"""

from __future__ import annotations

import struct
from pathlib import Path


MAGIC = 0x1BADB002
SEARCH = 8192
# bits 0-2 are what the specification defines for loaders to honour
# (page-aligned modules, memory information, video mode)
KNOWN_REQUIRED = 0b111
AOUT_KLUDGE = 1 << 16
LOW_MEMORY_END = 0x100000


def header(data: bytes) -> tuple[int, int] | None:
    """(offset, flags) of the first valid multiboot header in data[:8192]."""
    for off in range(0, min(len(data), SEARCH) - 11, 4):
        magic, flags, checksum = struct.unpack_from("<III", data, off)
        if magic == MAGIC and (magic + flags + checksum) & 0xFFFFFFFF == 0:
            return off, flags
    return None


def problem(elf32: Path) -> str | None:
    """Why a multiboot loader would refuse kernel.elf32, or None."""
    try:
        data = elf32.read_bytes()
    except OSError as e:
        return f"cannot read it ({e.strerror})"
    found = header(data)
    if found is None:
        near = any(struct.unpack_from("<I", data, o)[0] == MAGIC
                   for o in range(0, min(len(data), SEARCH) - 3, 4))
        return ("its multiboot header's checksum is wrong" if near else
                f"no multiboot header in its first {SEARCH} bytes (the .multiboot section must "
                f"come first in the linker script, and be kept)")
    off, flags = found
    unknown = flags & 0xFFFF & ~KNOWN_REQUIRED
    if unknown:
        return f"its multiboot header asks for flags {unknown:#x}, which loaders do not know"
    if flags & AOUT_KLUDGE:
        return None          # the address fields say where to load: not our header's form
    return _elf_problem(elf32)


# The ELF machine of each architecture's kernel.elf (e_machine).
ELF_MACHINE = {"x86_64": "EM_X86_64", "aarch64": "EM_AARCH64"}


def elf_problem(elf_path: Path, arch: str, load_address: int) -> str | None:
    """Why QEMU -kernel would not boot an ELF kernel of arch (aarch64:
    QEMU virt loads the segments at their physical addresses and jumps to
    the entry), or None: multiboot is x86-only, so this checks what that
    loader reads instead: the machine, an executable, segments at or above
    the recipe's load address, the entry inside an executable one."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    try:
        with open(elf_path, "rb") as f:
            elf = ELFFile(f)
            want = ELF_MACHINE[arch]
            if elf["e_machine"] != want:
                return f"an ELF for {elf['e_machine']}, not {arch} ({want})"
            if elf["e_type"] != "ET_EXEC":
                return f"{elf['e_type']}, not an executable (ET_EXEC)"
            loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_memsz"]]
            if not loads:
                return "no loadable segment"
            low = min(s["p_paddr"] for s in loads)
            if low < load_address:
                return (f"a segment loads at {low:#x}, below the recipe's load_address "
                        f"{load_address:#x}")
            entry = elf["e_entry"]
            if not any(s["p_vaddr"] <= entry < s["p_vaddr"] + s["p_memsz"] and s["p_flags"] & 1
                       for s in loads):
                return f"its entry point {entry:#x} is not in a loaded executable segment"
            return None
    except (ELFError, OSError, ValueError, struct.error) as e:
        return f"not a readable ELF ({e})"


def _elf_problem(elf32: Path) -> str | None:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    try:
        with open(elf32, "rb") as f:
            elf = ELFFile(f)
            if elf.elfclass != 32 or elf["e_machine"] != "EM_386":
                return f"not an i386 ELF32 ({elf['e_machine']}, ELFCLASS{elf.elfclass})"
            if elf["e_type"] != "ET_EXEC":
                return f"{elf['e_type']}, not an executable (ET_EXEC)"
            loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
            if not loads:
                return "no loadable segment"
            for s in loads:
                if s["p_memsz"] and s["p_paddr"] < LOW_MEMORY_END:
                    return (f"a segment loads at {s['p_paddr']:#x}, below 1 MiB (the loader's and "
                            f"the BIOS's memory)")
            entry = elf["e_entry"]
            for s in loads:
                if s["p_vaddr"] <= entry < s["p_vaddr"] + s["p_memsz"] and s["p_flags"] & 1:
                    return None
            return f"its entry point {entry:#x} is not in a loaded executable segment"
    except (ELFError, OSError, ValueError, struct.error) as e:
        return f"not a readable ELF ({e})"
