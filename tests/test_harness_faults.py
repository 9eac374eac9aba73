"""The QEMU harness when things go wrong around the guest, against real
QEMU (TCG): QEMU killed or stopped from outside, a guest that never
writes to the serial port, garbage and half lines on it, the QMP socket
closing early, a full disk under the logs.  Each run ends with a one-line
reason and the right outcome, and leaves no QEMU process, socket or
temporary file behind.

Guests that misbehave on purpose are tiny multiboot kernels made here:
32-bit code behind a multiboot header with the address fields (the a.out
kludge), so QEMU's -kernel loads a flat binary.
"""

import os
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from jitboot.qemu import Outcome, format_summary, run_image
from test_harness import assert_nothing_left, when_running

MB_MAGIC, MB_AOUT_KLUDGE = 0x1BADB002, 1 << 16
LOAD = 0x100000
HEADER = 32


def tiny_kernel(path: Path, serial: bytes = b"", exit_code: int | None = None) -> Path:
    """A kernel that writes `serial` to COM1, then exits through
    isa-debug-exit with exit_code (QEMU exits with 2*code+1), or halts
    forever when exit_code is None."""
    msg_at = LOAD + HEADER + 64
    code = b"\xbe" + struct.pack("<I", msg_at)              # mov esi, msg
    code += b"\xb9" + struct.pack("<I", len(serial))        # mov ecx, len
    code += b"\x66\xba\xf8\x03\xfc"                         # mov dx, 0x3f8; cld
    if serial:
        code += b"\xf3\x6e"                                 # rep outsb
    if exit_code is not None:
        code += b"\x66\xba\xf4\x00"                         # mov dx, 0xf4
        code += b"\xb8" + struct.pack("<I", exit_code)      # mov eax, code
        code += b"\xef"                                     # out dx, eax
    code += b"\xfa\xf4\xeb\xfd"                             # cli; 1: hlt; jmp 1b
    assert len(code) <= 64
    flags = MB_AOUT_KLUDGE
    header = struct.pack("<8I", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xffffffff,
                         LOAD, LOAD, 0, 0, LOAD + HEADER)
    path.write_bytes(header + code.ljust(64, b"\x90") + serial)
    return path


def boot(kernel, tmp_path, timeout=20.0, log_dir=None):
    return run_image(kernel=kernel, memory=64 << 20, accel="tcg", timeout=timeout,
                     log_dir=log_dir or tmp_path / "logs")


def one_line(r):
    """The reason is one line, and the summary's verdict line carries it."""
    assert r.reason and "\n" not in r.reason
    verdict = f"FAIL ({r.outcome.value}): {r.reason} ("
    assert any(ln.startswith(verdict) for ln in format_summary(r).splitlines())


@pytest.fixture(scope="module")
def hang_image(image_builder):
    return image_builder("tests/images/hang.toml")


# -- the guest ----------------------------------------------------------------

def test_silent_guest_is_a_hang_that_says_so(tmp_path, private_tmp):
    r = boot(tiny_kernel(tmp_path / "silent.bin"), tmp_path, timeout=2)
    assert r.outcome == Outcome.HANG, format_summary(r)
    assert r.reason == "no exit within 2 s; the guest wrote nothing to the serial port"
    one_line(r)
    assert_nothing_left(r, private_tmp)


def test_silent_guest_exiting_with_pass_code_fails(tmp_path, private_tmp):
    r = boot(tiny_kernel(tmp_path / "quiet.bin", exit_code=0x10), tmp_path)
    assert r.exit_code == 33
    assert r.outcome == Outcome.TEST_FAILURE, format_summary(r)
    assert r.reason == "the guest wrote nothing to the serial port," \
                       " though the kernel exited with the pass code"
    assert_nothing_left(r, private_tmp)


def test_garbage_on_serial(tmp_path, private_tmp):
    noise = bytes(range(256)) + b"\r\r\nPANIC\x00: no\n\xff\xfeok 1 x\n" * 3
    r = boot(tiny_kernel(tmp_path / "noise.bin", noise, exit_code=0x10), tmp_path)
    assert r.outcome == Outcome.TEST_FAILURE, format_summary(r)
    assert r.reason == "no KTAP output on the serial port," \
                       " though the kernel exited with the pass code"
    assert r.ktap.panic is None
    assert_nothing_left(r, private_tmp)


@pytest.mark.parametrize("tail", [b"ok 2 b", b"o", b"not ok 2 b # cut"])
def test_half_line_at_the_end(tmp_path, private_tmp, tail):
    """The kernel's output stops mid-line, then it exits "pass": the last
    result is not believed."""
    serial = b"KTAP version 1\n1..2\nok 1 a\n" + tail
    r = boot(tiny_kernel(tmp_path / "half.bin", serial, exit_code=0x10), tmp_path)
    assert r.outcome == Outcome.TEST_FAILURE, format_summary(r)
    assert r.reason.startswith("1/2 tests ok; 1 test(s) never ran")
    one_line(r)
    assert_nothing_left(r, private_tmp)


def test_half_line_then_hang(tmp_path, private_tmp):
    serial = b"KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: a\n    ok 1 ch"
    r = boot(tiny_kernel(tmp_path / "halfhang.bin", serial), tmp_path, timeout=2)
    assert r.outcome == Outcome.HANG, format_summary(r)
    assert r.reason == "no exit within 2 s in test 1 a"
    assert_nothing_left(r, private_tmp)


# -- QEMU from outside -----------------------------------------------------------

def test_qemu_terminated_from_outside(hang_image, tmp_path, private_tmp):
    """SIGTERM: QEMU shuts down in an orderly way (exit 0), still no verdict."""
    log_dir = tmp_path / "logs"
    killer = when_running(log_dir, lambda pid: os.kill(pid, signal.SIGTERM))
    start = time.monotonic()
    r = run_image(kernel=hang_image.elf32, memory=hang_image.recipe.memory,
                  accel="tcg", timeout=20, log_dir=log_dir)
    killer.join()
    assert r.outcome == Outcome.CRASH, format_summary(r)
    assert r.reason.startswith("QEMU was stopped from outside (SHUTDOWN host-signal)")
    assert "terminating on signal 15" in r.reason      # QEMU's own word
    one_line(r)
    assert time.monotonic() - start < 10
    assert_nothing_left(r, private_tmp)


def test_qemu_frozen_from_outside(hang_image, tmp_path, private_tmp):
    """SIGSTOP: QEMU stops answering; the timeout still ends the run and
    the frozen process is killed."""
    log_dir = tmp_path / "logs"
    killer = when_running(log_dir, lambda pid: os.kill(pid, signal.SIGSTOP))
    start = time.monotonic()
    r = run_image(kernel=hang_image.elf32, memory=hang_image.recipe.memory,
                  accel="tcg", timeout=2, log_dir=log_dir)
    killer.join()
    assert r.outcome == Outcome.HANG, format_summary(r)
    assert time.monotonic() - start < 2 + 6
    assert_nothing_left(r, private_tmp)


def _unix_sockets() -> set[int]:
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                s = socket.socket(fileno=os.dup(int(fd)))
                try:
                    if s.family == socket.AF_UNIX:
                        fds.add(int(fd))
                finally:
                    s.close()
        except OSError:
            continue
    return fds


def test_qmp_socket_closing_early(hang_image, tmp_path, private_tmp):
    """Our QMP connection is shut down mid-run (the socket, not a mock):
    the run still ends at its timeout, QEMU is killed, nothing is left."""
    log_dir = tmp_path / "logs"
    before = _unix_sockets()
    closed = []

    def cut(pid):
        for fd in _unix_sockets() - before:
            s = socket.socket(fileno=os.dup(fd))
            s.shutdown(socket.SHUT_RDWR)
            s.close()
            closed.append(fd)
    th = when_running(log_dir, cut)
    r = run_image(kernel=hang_image.elf32, memory=hang_image.recipe.memory,
                  accel="tcg", timeout=3, log_dir=log_dir)
    th.join()
    assert closed
    assert r.outcome == Outcome.HANG, format_summary(r)
    assert r.reason == "no exit within 3 s in test 1 hang; the QMP connection closed early"
    assert_nothing_left(r, private_tmp)
    assert _unix_sockets() <= before


# -- the disk under the logs ---------------------------------------------------

@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs filled up, with an empty logs/ directory on it."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up: {r.stderr.strip()}")
    try:
        (mnt / "logs").mkdir()
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        assert os.statvfs(mnt).f_bavail == 0
        yield mnt / "logs"
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_full_disk_under_the_serial_log(full_disk, tmp_path, private_tmp, image_builder):
    image = image_builder("default")
    r = run_image(kernel=image.elf32, memory=image.recipe.memory, accel="tcg",
                  timeout=20, log_dir=full_disk)
    assert r.outcome == Outcome.LOG_FAILURE, format_summary(r)
    assert r.reason == f"the serial log is cut short: no space left on the" \
                       f" file system of {full_disk}"
    one_line(r)
    assert_nothing_left(r, private_tmp)


def test_full_disk_doit_qemu_test(full_disk, tmp_path):
    """Through doit: one `error:` line, non-zero exit, no traceback."""
    from conftest import copy_project, doit
    root = copy_project(tmp_path / "proj")
    recipe = "image=tests/images/fail_example.toml"     # exits at once
    doit(root, "image", recipe)
    logs = root / "build" / "images" / "fail_example" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "kernel").symlink_to(full_disk)
    p = doit(root, "qemu-test", recipe, check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0
    assert "Traceback" not in out
    errors = [ln for ln in out.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, out
    assert errors[0].startswith("error: kernel: log failure: the serial log is cut short:"
                                " no space left on the file system of "), out
    assert "cannot write" in errors[0] and "junit.xml: No space left on device" in errors[0]
    # no 0-byte report beside the cut log: none at all
    run = (logs / "kernel" / "latest").resolve()
    assert (run / "serial.log").exists() and not (run / "junit.xml").exists()
    assert not list(run.glob(".junit*"))
