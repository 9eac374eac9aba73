"""The AArch64 assembler (jit/asm_a64/) against its oracle, GNU as.

For the same text, build/host/asmdump-a64 (our assembler) and
aarch64-linux-gnu-as must produce identical section bytes and identical
relocation records (section, offset, type, target, addend) and symbols.
The texts are QBE's arm64 output (`qbe -t arm64`) for every IL program in
tests/il/, plus hand-written snippets for the forms the corpus does not
reach (immediates GNU as turns into other instructions, every load/store
addressing mode, pairs, fp conversions, branches to other sections).
Malformed input is a one-line `FILE:LINE: message`, never a crash.
"""
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.descriptions import describe_reloc_type

from test_asm_oracle import SECTIONS, il_files, parse_dump

REPO = Path(__file__).resolve().parent.parent
QBE = REPO / "build" / "host" / "qbe"
GAS = "aarch64-linux-gnu-as"
# relocation types pyelftools has no name for
PYELFTOOLS_MISSES = {299: "R_AARCH64_LDST128_ABS_LO12_NC"}


@pytest.fixture(scope="session")
def asmdump_a64():
    from jitboot import ROOT, build
    from jitboot.errors import JitbootError
    try:
        return build.build_programs(["asmdump-a64"], ROOT)["asmdump-a64"]
    except JitbootError as e:
        pytest.fail(f"cannot build asmdump-a64: {e}")


@pytest.fixture(scope="session")
def gas():
    path = shutil.which(GAS)
    assert path, f"{GAS} missing: ci/setup.sh installs binutils-aarch64-linux-gnu"
    return path


def gas_dump(gas, text, tmp_path):
    """Assemble with GNU as for aarch64; the shape of parse_dump()."""
    src = tmp_path / "gas.s"
    obj = tmp_path / "gas.o"
    src.write_text(text)
    subprocess.run([gas, "-o", str(obj), str(src)], check=True, capture_output=True)
    with open(obj, "rb") as f:
        elf = ELFFile(f)
        secs = {}
        for name in SECTIONS:
            s = elf.get_section_by_name(name)
            if s is None or s["sh_size"] == 0:
                secs[name] = (0, b"")
                continue
            secs[name] = (s["sh_size"], b"" if name == ".bss" else s.data())
        symtab = elf.get_section_by_name(".symtab")
        relocs = []
        for rsec in elf.iter_sections():
            if rsec["sh_type"] != "SHT_RELA":
                continue
            target = elf.get_section(rsec["sh_info"]).name
            for r in rsec.iter_relocations():
                sym = symtab.get_symbol(r["r_info_sym"])
                if sym["st_info"]["type"] == "STT_SECTION":
                    tname = elf.get_section(sym["st_shndx"]).name
                else:
                    tname = sym.name
                rtype = describe_reloc_type(r["r_info_type"], elf)
                rtype = PYELFTOOLS_MISSES.get(r["r_info_type"], rtype)
                relocs.append((target, r["r_offset"], rtype,
                               tname, r["r_addend"]))
        syms = set()
        for sym in symtab.iter_symbols():
            kind = sym["st_info"]["type"]
            # $x/$d are the ELF for AArch64 mapping symbols: no part of
            # the program, the loader has no use for them
            if not sym.name or kind in ("STT_SECTION", "STT_FILE") or sym.name[0] == "$":
                continue
            ndx = sym["st_shndx"]
            sec = {"SHN_UNDEF": "UND", "SHN_COMMON": "COM"}.get(ndx)
            if sec is None:
                sec = elf.get_section(ndx).name
            syms.add((sym.name, sec, sym["st_value"], sym["st_size"],
                      "global" if sym["st_info"]["bind"] == "STB_GLOBAL" else "local",
                      {"STT_FUNC": "func", "STT_OBJECT": "object"}.get(kind, "notype")))
    return secs, sorted(relocs), syms


def run_ours(asmdump_a64, text, tmp_path, name="ours.s"):
    (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return subprocess.run([str(asmdump_a64), name], capture_output=True, text=True,
                          cwd=tmp_path, errors="replace")


def check_same(asmdump_a64, gas, text, tmp_path):
    p = run_ours(asmdump_a64, text, tmp_path)
    assert p.returncode == 0, p.stderr
    ours = parse_dump(p.stdout)
    theirs = gas_dump(gas, text, tmp_path)
    for name in SECTIONS:
        a, b = ours[0][name][1], theirs[0][name][1]
        if a != b:
            at = next(i for i in range(min(len(a), len(b)) + 1)
                      if i == min(len(a), len(b)) or a[i] != b[i])
            pytest.fail(f"{name} differs at offset {at:#x}: ours "
                        f"{a[at:at+8].hex()} gas {b[at:at+8].hex()}")
        assert ours[0][name][0] == theirs[0][name][0], f"{name} size"
    assert ours[1] == theirs[1], "relocations"
    assert ours[2] == theirs[2], "symbols"
    return ours


def qbe_arm64(il):
    assert QBE.exists(), f"{QBE} missing: build the host qbe first (doit host)"
    p = subprocess.run([str(QBE), "-t", "arm64", str(il)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.parametrize("il", il_files(), ids=lambda p: p.name)
def test_qbe_arm64_output(asmdump_a64, gas, il, tmp_path):
    check_same(asmdump_a64, gas, qbe_arm64(il), tmp_path)
