"""Command-line mistakes a user can make are one `error:` line and a
non-zero exit, never a Python traceback."""

import json

from conftest import doit
from jitboot import ROOT

HANG = "image=tests/images/hang.toml"      # small, no JIT: quick to link


def one_line_error(proc, text):
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Traceback" not in out, out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {text}"], out


def test_bad_gdb_port(image_builder):
    image_builder("tests/images/hang.toml")
    # the variable used to be parsed while doit loaded the tasks: every
    # command, `doit list` too, died with a ValueError
    assert doit(ROOT, "list", "gdb_port=abc").returncode == 0
    for port in ("abc", "0", "70000"):
        one_line_error(doit(ROOT, "qemu-debug", HANG, f"gdb_port={port}", check=False),
                       f"gdb_port='{port}': give a TCP port number (1-65535)")


def test_bad_size_baselines(image_builder, tmp_path):
    image = image_builder("tests/images/hang.toml")
    (image.dir / "size.baseline.json").unlink(missing_ok=True)   # older versions copied it
    assert doit(ROOT, "size", HANG, check=False).returncode == 0
    report = image.size_json.read_text()
    missing = tmp_path / "missing.json"
    one_line_error(doit(ROOT, "size", HANG, f"baseline={missing}", check=False),
                   f"{missing}: no such baseline size report")
    bad = tmp_path / "bad.json"
    bad.write_text("not json\n")
    one_line_error(doit(ROOT, "size", HANG, f"baseline={bad}", check=False),
                   f"{bad}: not a size report (Expecting value: line 1 column 1 (char 0))")
    bad.write_text(json.dumps({"schema_version": 1}))
    one_line_error(doit(ROOT, "size", HANG, f"baseline={bad}", check=False),
                   f"{bad}: not a size report ('totals' lacks integer 'image' and 'memory')")
    # the failed runs left the current report in place
    assert image.size_json.read_text() == report
    assert not (image.dir / "size.baseline.json").exists()


def test_jit_run_without_or_with_missing_il(image_builder):
    image_builder("default")
    one_line_error(doit(ROOT, "jit-run", check=False),
                   "no payloads: use `doit jit-run src=prog.c[,b.ll,c.ssa]` "
                   "or `doit jit-run il=FILE.ssa[,FILE2.ssa...]`")
    one_line_error(doit(ROOT, "jit-run", "il=missing.ssa", check=False),
                   f"payload 'missing.ssa' not found (looked at {ROOT / 'missing.ssa'})")


def test_misspelt_variable_is_named_with_the_known_ones():
    """`imgae=demo` used to be ignored: the default image was built."""
    proc = doit(ROOT, "list", "imgae=demo", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out
    line = next(l for l in out.splitlines() if l.startswith("error: "))
    assert line.startswith("error: imgae=: unknown variable (did you mean image=?); known: ")
    assert "build_dir" in line and "seeds" in line


def test_every_variable_a_task_reads_is_known():
    """KNOWN_VARS is what dodo.py reads with get_var, so no real variable is
    refused as misspelt."""
    import re
    text = (ROOT / "dodo.py").read_text()
    read = set(re.findall(r'get_var\("(\w+)"', text))
    read |= {k for group in re.findall(r"for key, default in \((.*?)\):", text)
             for k in re.findall(r'\("(\w+)", ', group)}
    known = re.search(r"KNOWN_VARS = \((.*?)\)", text, re.S).group(1)
    assert read == set(re.findall(r'"(\w+)"', known))


def test_qemu_debug_with_the_gdb_port_taken(image_builder):
    """It used to print attach instructions for a QEMU that never started,
    and exit 0."""
    import socket
    image_builder("tests/images/hang.toml")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        proc = doit(ROOT, "qemu-debug", HANG, f"gdb_port={port}", check=False)
    one_line_error(proc, f"gdb_port={port}: 127.0.0.1:{port} is not free (Address already in use; "
                         f"another QEMU's gdb stub?): give another with gdb_port=N")
    assert "attach with" not in proc.stdout


def test_qbe_src_naming_a_missing_directory(tmp_path):
    """It was 35 lines of traceback (exit 3), from `doit list` on."""
    missing = tmp_path / "no-qbe"
    for cmd in (["image", f"qbe_src={missing}"], ["list", f"qbe_src={missing}"]):
        one_line_error(doit(ROOT, *cmd, check=False),
                       f"{missing}: not a QBE source tree (missing all.h, parse.c, amd64/emit.c); "
                       f"point JITBOOT_QBE_SRC / qbe_src at a directory holding QBE's all.h")


def test_a_build_directory_that_cannot_be_written(tmp_path):
    """In a read-only checkout even `doit list` died with a traceback from
    mkdir.  (A path through a regular file fails the same way for root,
    who may write anywhere else.)"""
    blocker = tmp_path / "file"
    blocker.write_text("")
    where = f"build_dir={blocker / 'build'}"
    listed = doit(ROOT, "list", where, check=False)
    assert listed.returncode == 0 and "qemu-test" in listed.stdout, listed.stderr
    rel = blocker / "build" / "images" / "default"
    one_line_error(doit(ROOT, "image", where, check=False),
                   f"cannot write the build directory {rel} (Not a directory): build "
                   f"elsewhere with build_dir=DIR or JITBOOT_BUILD_DIR")


def test_bad_isolation_cost_arguments():
    for given in ("0", "x"):
        one_line_error(doit(ROOT, "isolation-cost", f"pairs={given}", check=False),
                       f"pairs='{given}': give a number of A B pairs (1 or more)")
    one_line_error(doit(ROOT, "isolation-cost", "accel=fast", check=False),
                   "accel='fast': give auto, kvm or tcg")


def test_qemu_debug_without_gdb_multiarch_names_the_package(image_builder, tmp_path):
    """An aarch64 kernel needs gdb-multiarch: without it on PATH, one line
    naming the package, before QEMU is started for nothing."""
    import os
    import shutil
    import sys
    image_builder("tests/images/aarch64_hang.toml")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("qemu-system-aarch64", "python3"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    import subprocess
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "-d",
                           str(ROOT), "qemu-debug", "image=tests/images/aarch64_hang.toml",
                           "gdb_port=4999"], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PATH=str(bin_dir)), timeout=120)
    one_line_error(proc, "missing tool 'gdb-multiarch' for aarch64: install it with "
                         "'apt-get install gdb-multiarch'")
