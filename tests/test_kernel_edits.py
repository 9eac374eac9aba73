"""Edits a kernel developer makes as the README describes them: a section
added to the linker script, a kernel function exported to JIT'd code.  Each
is made in a copy of the project and built (and booted) from there."""

import subprocess
from pathlib import Path


from conftest import copy_project, doit

KDATA_SECTION = """\
	.kdata ALIGN(0x1000) : {
		__kdata_start = .;
		KEEP(*(.kdata))
		. = ALIGN(0x1000);
		__kdata_end = .;
	}

	.data ALIGN(0x1000) : {"""

KDATA_TEST = r"""
#include "kernel.h"
#include "ktest.h"

__attribute__((section(".kdata"))) int kdata_words[4] = { 1, 2, 3, 4 };

KTEST(kdata_section)
{
	int p = vm_query((uintptr_t)kdata_words);

	kt_checkf(t, kdata_words[2] == 3, "the section is loaded # got %d", kdata_words[2]);
	kt_checkf(t, (p & (VM_W | VM_X)) != (VM_W | VM_X),
		  "a section the kernel does not know is not writable and executable # prot %d", p);
}
"""


def test_added_linker_section_is_not_writable_and_executable(tmp_path):
    root = copy_project(tmp_path / "jitboot")
    ld = root / "linker" / "kernel.ld.j2"
    text = ld.read_text()
    assert "\t.data ALIGN(0x1000) : {" in text
    ld.write_text(text.replace("\t.data ALIGN(0x1000) : {", KDATA_SECTION, 1))
    (root / "kernel_lib" / "kdata_test.c").write_text(KDATA_TEST)
    (root / "images" / "kdata.toml").write_text(
        '[features]\njit = false\n[qemu]\nmemory = "128M"\naccel = "tcg"\ntimeout = 60\n'
        'boot = ["kernel"]\n[run]\ntests = ["kdata_section", "vm"]\n')
    proc = doit(root, "qemu-test", "image=kdata", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS: 2/2" in proc.stdout


def test_kernel_only_export_leaves_the_host_twin_building(tmp_path):
    """jit/exports.txt serves the kernel and the host twin: a kernel_lib
    function exported there must not break `doit host`; on the host it is
    an undefined symbol at load time, named, with the call's line."""
    root = copy_project(tmp_path / "jitboot")
    exports = root / "jit" / "exports.txt"
    exports.write_text(exports.read_text() + "\n# kernel only\nvm_query\n")
    doit(root, "host")
    jitrun = root / "build" / "host" / "jitrun"
    hello = subprocess.run([str(jitrun), str(root / "tests" / "il" / "hello.ssa")],
                           capture_output=True, text=True)
    assert hello.returncode == 0 and hello.stdout == "hello from QBE IL\n", hello.stderr
    prog = tmp_path / "kq.ssa"
    prog.write_text("export function w $main(w %argc, l %argv) {\n@start\n"
                    "\t%r =w call $vm_query(l 4096)\n\tret %r\n}\n")
    r = subprocess.run([str(jitrun), str(prog)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == f"{prog}:3: undefined symbol 'vm_query'\n"


def test_undefined_symbol_names_the_line_that_uses_it(host_tools, tmp_path):
    # the corpus program mentions $nosuch in a comment on line 1 first
    bad = Path(__file__).parent / "il" / "bad" / "undefined_symbol.ssa"
    r = subprocess.run([str(host_tools["jitrun"]), str(bad)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == f"{bad}:4: undefined symbol 'nosuch'\n"
    # a string holding it is not a use
    prog = tmp_path / "p.ssa"
    prog.write_text('data $s = { b "$nosuch", b 0 }\n'
                    "export function w $main(w %argc, l %argv) {\n@start\n"
                    "\t%a =w call $puts(l $s)\n"
                    "\t%r =w call $nosuch(w 1)\n\tret %r\n}\n")
    r = subprocess.run([str(host_tools["jitrun"]), str(prog)], capture_output=True, text=True)
    assert r.stderr == f"{prog}:5: undefined symbol 'nosuch'\n"


def test_misspelt_template_variable_lists_what_image_has(tmp_path):
    root = copy_project(tmp_path / "jitboot")
    ld = root / "linker" / "kernel.ld.j2"
    lines = ld.read_text().splitlines(keepends=True)
    n = next(i for i, l in enumerate(lines) if "image.heap_address | hex" in l)
    lines[n] = lines[n].replace("image.heap_address", "image.heap_adress", 1)
    ld.write_text("".join(lines))
    proc = doit(root, "render", "image=nojit", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out
    err = [l for l in out.splitlines() if l.startswith("error:")][-1]
    assert err.startswith(f"error: linker/kernel.ld.j2:{n + 1}: 'dict object' has no attribute "
                          "'heap_adress' (image has: "), err
    assert "heap_address" in err
