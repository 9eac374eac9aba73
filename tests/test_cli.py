"""The installed `jitboot` command: thin over the doit tasks and the C front door."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jitboot import ROOT

HELLO = '#include <stdio.h>\nint main(void)\n{\n\tprintf("cli %d\\n", 40 + 2);\n\treturn 0;\n}\n'


def jitboot(*args, cwd=None):
    exe = Path(sys.executable).parent / "jitboot"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "jitboot.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_console_script_is_installed():
    assert shutil.which("jitboot", path=str(Path(sys.executable).parent)), \
        "pip install -e . should install the jitboot command"
    p = jitboot("--help")
    assert p.returncode == 0 and "ll2il" in p.stdout and "jitrun" in p.stdout


def test_ll2il_and_jitrun_on_c(host_tools, tmp_path):
    src = tmp_path / "hello.c"
    src.write_text(HELLO)
    p = jitboot("ll2il", str(src), "-O2", "-o", str(tmp_path / "hello.ssa"))
    assert p.returncode == 0, p.stderr
    assert "export function w $main" in (tmp_path / "hello.ssa").read_text()
    p = jitboot("jitrun", str(src))
    assert (p.returncode, p.stdout) == (0, "cli 42\n"), p.stderr
    p = jitboot("jitrun", str(tmp_path / "hello.ssa"))
    assert (p.returncode, p.stdout) == (0, "cli 42\n"), p.stderr


def test_user_errors_are_one_line(tmp_path):
    p = jitboot("image", "-i", "nosuch", cwd=ROOT)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert "no such recipe" in p.stderr
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) { return x; }\n")
    p = jitboot("jitrun", str(bad))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().count("\n") == 0 and "undeclared identifier 'x'" in p.stderr


@pytest.mark.parametrize("command", ["image", "test", "size", "run", "bench", "host"])
def test_every_command_has_help(command):
    p = jitboot(command, "--help")
    assert p.returncode == 0 and "usage: jitboot" in p.stdout
