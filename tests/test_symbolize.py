"""A kernel PANIC's RIP named from kernel.elf (jitboot/symbolize.py)."""

import re
import subprocess

from conftest import doit
from jitboot import ROOT, symbolize


def test_addresses_agree_with_addr2line(image_builder):
    elf = image_builder("tests/images/fault_unmapped.toml").elf
    nm = subprocess.run(["nm", "-n", "-S", str(elf)], capture_output=True, text=True,
                        check=True).stdout.splitlines()
    funcs = [ln.split() for ln in nm if len(ln.split()) == 4 and ln.split()[2] in "Tt"]
    picked = funcs[:: max(1, len(funcs) // 12)][:12]
    for addr, size, _, name in picked:
        a = int(addr, 16) + min(int(size, 16) - 1, 5)
        want = subprocess.run(["addr2line", "-e", str(elf), hex(a)], capture_output=True,
                              text=True, check=True).stdout.strip()
        got = symbolize.describe(elf, a)
        if want.startswith("??:"):      # no line (a function written in asm)
            assert got == f"{name}+{a - int(addr, 16):#x}", (got, name)
            continue
        assert got.startswith(f"{name}+{a - int(addr, 16):#x} "), (got, name)
        file, line = want.rsplit(":", 1)
        line = line.split()[0]           # "12 (discriminator 3)"
        assert got.endswith(f"({file.removeprefix('./')}:{line})"), (got, want)


def test_outside_the_kernel_is_unknown(image_builder):
    elf = image_builder("tests/images/fault_unmapped.toml").elf
    assert symbolize.describe(elf, 0x10) is None


def test_doit_qemu_test_names_the_panic_rip(image_builder):
    image_builder("tests/images/fault_unmapped.toml")
    src = (ROOT / "kernel_lib" / "arch" / "x86_64" / "ktests_arch.c").read_text().splitlines()
    line = next(n for n, text in enumerate(src, 1) if "movq (%1), %0" in text)
    p = doit(ROOT, "qemu-test", "image=tests/images/fault_unmapped.toml", check=False)
    err = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.startswith("error: ")]
    assert p.returncode != 0 and len(err) == 1
    assert "rip=0x" in err[0]
    assert re.search(r" \[rip is ktest_fault_unmapped\+0x[0-9a-f]+ "
                     rf"\(kernel_lib/arch/x86_64/ktests_arch\.c:{line}\)\]$", err[0]), err[0]
