"""jitboot/host.py's small make: a compile that dies after writing part of
its object never leaves that object looking up to date."""

import os

import pytest

from jitboot import host
from jitboot.errors import JitbootError

# A stand-in compiler: writes the object named after -o, then succeeds or,
# with FAIL present, dies as an interrupted gcc would (output half written).
FAKE_CC = """#!/bin/sh
dir=$(dirname "$0")
echo run >> "$dir/runs"
while [ $# -gt 0 ]; do
    if [ "$1" = -o ]; then out=$2; fi
    shift
done
if [ -e "$dir/FAIL" ]; then printf 'half' > "$out"; exit 1; fi
printf 'whole object' > "$out"
"""


@pytest.fixture
def fake_cc(tmp_path):
    cc = tmp_path / "cc"
    cc.write_text(FAKE_CC)
    cc.chmod(0o755)
    return cc


def runs(cc):
    return len((cc.parent / "runs").read_text().split())


def test_failed_compile_is_redone(fake_cc, tmp_path):
    src = tmp_path / "a.c"
    src.write_text("int a;\n")
    obj = tmp_path / "obj" / "a.o"
    host._compile(src, obj, [], cc=str(fake_cc))
    assert runs(fake_cc) == 1 and obj.read_text() == "whole object"
    host._compile(src, obj, [], cc=str(fake_cc))
    assert runs(fake_cc) == 1                       # up to date: not run again

    # an edit, then a compile that dies having written part of the object
    src.write_text("int a = 1;\n")
    past = src.stat().st_mtime_ns - 10**9
    os.utime(obj, ns=(past, past))                  # the edit is newer than the object
    (tmp_path / "FAIL").touch()
    with pytest.raises(JitbootError):
        host._compile(src, obj, [], cc=str(fake_cc))
    assert obj.read_text() == "half"
    (tmp_path / "FAIL").unlink()
    host._compile(src, obj, [], cc=str(fake_cc))
    assert runs(fake_cc) == 3 and obj.read_text() == "whole object"
