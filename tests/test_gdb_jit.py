"""gdb's JIT interface (jit/gdbjit.c): JIT'd functions by name in gdb.

Each loaded module is announced to gdb as an in-memory ELF object; gdb
reads it when it stops on __jit_debug_register_code. Checked with gdb
itself, on jitrun (a pending `break fib` on a function that exists only
once compiled, and `bt` naming the JIT'd frames and their source lines)
and in the kernel through QEMU's gdb stub as `doit qemu-debug` starts it;
the symbol file itself is read back from the process and checked with
pyelftools, independently of gdb.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from jitboot import ROOT, llvm, payloads

GDB = shutil.which("gdb")
FIB_C = ROOT / "tests" / "data" / "gdb" / "fib.c"
RECURSION = ROOT / "tests" / "il" / "recursion.ssa"
needs_gdb = pytest.mark.skipif(GDB is None, reason="gdb is not installed (apt-get install gdb)")
needs_clang = pytest.mark.skipif(shutil.which(llvm.CLANG) is None,
                                 reason=f"{llvm.CLANG} is not installed (ci/setup.sh installs it)")


def gdb_batch(*args: str, timeout: int = 60) -> str:
    proc = subprocess.run([GDB, "-q", "-nx", "-batch", *args], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc.stdout + proc.stderr


def line_of(src: Path, text: str) -> int:
    return next(n for n, line in enumerate(src.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def fib_il(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gdb") / "fib.ssa"
    path.write_text(payloads.translate([FIB_C], "-O0"))
    return path


@needs_gdb
def test_pending_breakpoint_on_a_jit_function_hits_and_bt_names_jit_frames(host_tools):
    out = gdb_batch("-ex", "set breakpoint pending on", "-ex", "break ack", "-ex", "run",
                    "-ex", "bt", "-ex", "kill",
                    "--args", str(host_tools["jitrun"]), str(RECURSION))
    assert 'Function "ack" not defined.' in out, out   # pending: not compiled yet
    assert re.search(r"Breakpoint 1, 0x[0-9a-f]+ in ack \(\)", out), out
    # frame 0 the JIT'd ack, then JIT'd main, then jitrun's own main
    frames = re.findall(r"^#(\d+) +(?:0x[0-9a-f]+ in )?(\w+) \(", out, re.M)
    assert [f for _, f in frames[:3]] == ["ack", "main", "main"], out
    assert "jitrun.c" in out.split("#2", 1)[1], out


@needs_gdb
@needs_clang
def test_gdb_shows_the_source_lines_of_jit_code(host_tools, fib_il):
    body, call = line_of(FIB_C, "calls++"), line_of(FIB_C, "fib(12)")
    out = gdb_batch("-ex", "set breakpoint pending on", "-ex", "break fib", "-ex", "run",
                    "-ex", "bt 2", "-ex", f"break fib.c:{call}", "-ex", "kill",
                    "--args", str(host_tools["jitrun"]), str(fib_il))
    assert re.search(rf"Breakpoint 1, fib \(\) at \S*fib\.c:{body}\b", out), out
    assert re.search(rf"^#1 +0x[0-9a-f]+ in main \(\) at \S*fib\.c:{call}$", out, re.M), out
    # a breakpoint by source line, found through the module's .debug_line
    assert re.search(rf"Breakpoint 2 at 0x[0-9a-f]+: file \S*fib\.c, line {call}\.", out), out


@needs_gdb
def test_modules_are_withdrawn_on_release(host_tools, tmp_path):
    """--cycles 2 compiles and releases three times: register and
    unregister alternate, and nothing is left registered."""
    script = tmp_path / "actions.gdb"
    script.write_text("break __jit_debug_register_code\n"
                      "commands\nsilent\n"
                      'printf "action %d\\n", __jit_debug_descriptor.action_flag\n'
                      "continue\nend\n"
                      "break exit\nrun\n"
                      "p/x (long)__jit_debug_descriptor.first_entry\nkill\n")
    out = gdb_batch("-x", str(script),
                    "--args", str(host_tools["jitrun"]), "--cycles", "2", str(RECURSION))
    assert re.findall(r"^action (\d)$", out, re.M) == ["1", "2"] * 3, out
    assert re.search(r"^\$1 = 0x0$", out, re.M), out


@needs_gdb
@needs_clang
def test_the_symbol_file_is_an_elf_object_at_the_loaded_address(host_tools, fib_il, tmp_path):
    """The in-memory object, dumped from jitrun at the first fib call:
    .text NOBITS at the module's code, each function a sized STT_FUNC,
    and a line program pyelftools decodes to the lines gdb showed."""
    dump = tmp_path / "symfile.elf"
    e = "__jit_debug_descriptor.first_entry"
    out = gdb_batch("-ex", "set breakpoint pending on", "-ex", "break fib", "-ex", "run",
                    "-ex", f"dump binary memory {dump} {e}->symfile_addr "
                           f"{e}->symfile_addr+{e}->symfile_size",
                    "-ex", "p/x $pc", "-ex", "kill",
                    "--args", str(host_tools["jitrun"]), str(fib_il))
    pc = int(re.search(r"^\$1 = (0x[0-9a-f]+)$", out, re.M).group(1), 16)
    with dump.open("rb") as f:
        elf = ELFFile(f)
        assert elf["e_type"] == "ET_REL" and elf["e_machine"] == "EM_X86_64"
        text = elf.get_section_by_name(".text")
        assert text["sh_type"] == "SHT_NOBITS"
        base, size = text["sh_addr"], text["sh_size"]
        assert base <= pc < base + size
        funcs = {s.name: s for s in elf.get_section_by_name(".symtab").iter_symbols()
                 if s["st_info"]["type"] == "STT_FUNC"}
        assert set(funcs) == {"fib", "main"}
        fib = funcs["fib"]
        assert base + fib["st_value"] < pc < base + fib["st_value"] + fib["st_size"]
        spans = sorted((s["st_value"], s["st_value"] + s["st_size"]) for s in funcs.values())
        assert spans[0][0] == 0 and spans[-1][1] == size
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))   # no gaps, no overlaps
        dwarf = elf.get_dwarf_info()
        cu = next(dwarf.iter_CUs())
        rows = [e.state for e in dwarf.line_program_for_CU(cu).get_entries() if e.state]
        lines = {r.line for r in rows if not r.end_sequence}
        assert rows[-1].end_sequence and rows[-1].address == base + size
        assert {line_of(FIB_C, "calls++"), line_of(FIB_C, "fib(12)")} <= lines
        assert all(base <= r.address <= base + size for r in rows)


@needs_gdb
@needs_clang
def test_qemu_debug_breaks_on_a_jit_function_of_a_payload(image_builder):
    """`doit qemu-debug` with a C payload: the gdb command it prints, plus
    a pending breakpoint on the payload's fib, stops in the JIT'd fib
    inside the kernel (QEMU TCG), and the backtrace names it, its JIT'd
    caller and the kernel's payload runner."""
    image_builder("tests/images/gdb_jit.toml")
    with socket.socket() as s:           # a free port, so parallel runs don't clash
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qemu = subprocess.Popen([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                             "-d", str(ROOT), "qemu-debug", "image=tests/images/gdb_jit.toml",
                             f"gdb_port={port}"], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        command = ""
        for line in qemu.stdout:
            if line.startswith("  gdb "):
                command = line
                break
        gdb = shlex.split(command)
        assert gdb[:2] == ["gdb", str(ROOT / "build/images/gdb_jit/kernel.elf")], command
        # the printed command stops in kmain; then on to the payload's fib
        out = gdb_batch(*gdb[1:], "-ex", "break fib",
                        "-ex", "continue", "-ex", "bt", "-ex", "kill")
        body, call = line_of(FIB_C, "calls++"), line_of(FIB_C, "fib(12)")
        assert "Breakpoint 1, kmain" in out, out
        assert re.search(rf"Breakpoint 2, fib \(\) at \S*fib\.c:{body}\b", out), out
        frames = re.findall(r"^#(\d+) +(?:0x[0-9a-f]+ in )?(\w+) \(.*? at (\S+):(\d+)$",
                            out, re.M)
        assert [(f, os.path.basename(p)) for _, f, p, _ in frames[:3]] == \
            [("fib", "fib.c"), ("main", "fib.c"), ("main_job", "ktest_jit.c")], out
        assert int(frames[1][3]) == call, out
    finally:
        os.killpg(qemu.pid, signal.SIGTERM)
        qemu.wait(timeout=10)
