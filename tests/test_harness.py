"""The QEMU runner against real QEMU (TCG): every outcome, and after each
run no QEMU process, QMP socket or temp dir left behind."""

import os
import signal
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from jitboot import junit, ktap, protocol
from jitboot.errors import JitbootError
from jitboot.qemu import (Outcome, classify, exit_code_for, format_summary,
                          qemu_command, run_image)


def qemu_children() -> list[int]:
    """QEMU processes whose parent is this test process."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(ln.split(":\t", 1) for ln in status.splitlines()
                      if ":\t" in ln)
        if fields.get("Name", "").startswith("qemu-system") and \
                int(fields.get("PPid", "0")) == os.getpid():
            pids.append(int(entry.name))
    return pids


def assert_nothing_left(result, private_tmp):
    assert result.pid is not None
    assert result.pid not in qemu_children()
    assert qemu_children() == []
    assert list(private_tmp.iterdir()) == []   # temp dir and socket gone


def boot(image, tmp_path, timeout=60.0):
    return run_image(kernel=image.elf32, memory=image.recipe.memory,
                     accel="tcg", timeout=timeout, log_dir=tmp_path / "logs")


def find_qemu(log_dir: Path) -> int | None:
    for pid in qemu_children():
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if str(log_dir).encode() in cmd:
            return pid
    return None


def when_running(log_dir: Path, action, deadline: float = 10.0):
    """Run action(pid) from another thread once QEMU has printed KTAP."""
    def watch():
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            pid = find_qemu(log_dir)
            serial = log_dir / "serial.log"
            if pid and serial.exists() and b"KTAP" in serial.read_bytes():
                action(pid)
                return
            time.sleep(0.05)
    th = threading.Thread(target=watch, daemon=True)
    th.start()
    return th


@pytest.fixture(scope="session")
def default_image(image_builder):
    return image_builder("default")


@pytest.fixture(scope="session")
def hang_image(image_builder):
    return image_builder("tests/images/hang.toml")


def test_default_image_passes(default_image, tmp_path, private_tmp):
    r = boot(default_image, tmp_path)
    assert r.outcome == Outcome.PASS, format_summary(r)
    assert r.exit_code == protocol.QEMU_EXIT_PASS and r.accel == "tcg"
    assert r.ktap.ok()
    assert len(r.ktap.tests) == len(default_image.recipe.tests)
    assert r.serial_log.read_bytes().startswith(protocol.KTAP_HEADER.encode())
    last = format_summary(r).splitlines()[-1]
    assert last.startswith(f"PASS: {len(r.ktap.tests)}/{len(r.ktap.tests)}"
                           f" tests ok (tcg, ")
    assert exit_code_for(r) == 0
    assert_nothing_left(r, private_tmp)


def test_default_iso_passes(default_image, tmp_path, private_tmp):
    r = run_image(iso=default_image.iso, memory=default_image.recipe.memory,
                  accel="tcg", timeout=60, log_dir=tmp_path / "logs")
    assert r.outcome == Outcome.PASS, format_summary(r)
    assert_nothing_left(r, private_tmp)


def test_fault_is_panic_with_rip_and_cr2(image_builder, tmp_path,
                                         private_tmp):
    r = boot(image_builder("tests/images/fault_unmapped.toml"), tmp_path)
    assert r.outcome == Outcome.PANIC, format_summary(r)
    assert r.exit_code == protocol.QEMU_EXIT_PANIC
    assert r.reason.startswith(f"{protocol.PANIC} ")
    assert "rip=" in r.reason and "cr2=" in r.reason
    assert r.ktap.tests[0].status.value == "incomplete"
    assert any(ln.startswith("FAIL (panic): PANIC: ")
               for ln in format_summary(r).splitlines())
    assert exit_code_for(r) == 1
    assert_nothing_left(r, private_tmp)


def test_nojit_image_passes_with_page_protection_checks(image_builder, tmp_path, private_tmp):
    """images/nojit.toml carries the `vm` kernel test, which no other image runs."""
    image = image_builder("nojit")
    r = boot(image, tmp_path)
    assert r.outcome == Outcome.PASS, format_summary(r)
    assert "vm" in [t.name for t in r.ktap.tests]
    assert_nothing_left(r, private_tmp)


# Kernel tests that must end in a reported page fault, never a pass or a
# triple fault: null pointer, W^X both ways, the boot stack's guard page.
KERNEL_FAULTS = {
    "fault_null": "(null pointer dereference)",
    "fault_nx": "(executing a non-executable page)",
    "fault_write_text": "(write to executable code (W^X))",
    "stack_overflow": "(stack overflow: hit the guard page below the kernel stack)",
}


@pytest.mark.parametrize("name", sorted(KERNEL_FAULTS))
def test_kernel_fault_is_reported(image_builder, tmp_path, private_tmp, name):
    r = boot(image_builder(f"tests/images/{name}.toml"), tmp_path)
    assert r.outcome == Outcome.PANIC, format_summary(r)
    assert r.reason.startswith("PANIC: exception 14 (#PF page fault)")
    assert r.reason.endswith(KERNEL_FAULTS[name])
    assert [t.name for t in r.ktap.tests] == [name]
    assert_nothing_left(r, private_tmp)


def test_hang_times_out(hang_image, tmp_path, private_tmp):
    start = time.monotonic()
    r = boot(hang_image, tmp_path, timeout=3)
    wall = time.monotonic() - start
    assert r.outcome == Outcome.HANG, format_summary(r)
    assert 3.0 <= r.duration < 4.5
    assert wall < 3 + 5          # quit over QMP, no long kill wait
    assert "no exit within 3 s" in r.reason
    assert_nothing_left(r, private_tmp)


def test_triple_fault(image_builder, tmp_path, private_tmp):
    r = boot(image_builder("tests/images/triple_fault.toml"), tmp_path)
    assert r.outcome == Outcome.TRIPLE_FAULT, format_summary(r)
    assert "SHUTDOWN(guest-reset)" in r.events
    assert_nothing_left(r, private_tmp)


def test_failing_test(image_builder, tmp_path, private_tmp):
    r = boot(image_builder("tests/images/fail_example.toml"), tmp_path)
    assert r.outcome == Outcome.TEST_FAILURE, format_summary(r)
    assert r.exit_code == protocol.QEMU_EXIT_FAIL
    assert [t.name for t in r.ktap.failures()] == ["fail_example"]
    xml = junit.write_junit(tmp_path / "junit.xml", r, "fail_example")
    root = ET.parse(xml).getroot()
    assert int(root.get("failures")) >= 1
    # every test timed by the kernel, within the whole run
    suites = root.findall("testsuite")
    assert suites and all(0 <= float(s.get("time")) <= r.duration for s in suites), \
        [s.get("time") for s in suites]
    assert_nothing_left(r, private_tmp)


def test_missing_kernel_is_start_failure(tmp_path, private_tmp):
    missing = tmp_path / "no-such-kernel.elf32"
    r = run_image(kernel=missing, memory=64 << 20, accel="tcg", timeout=10,
                  log_dir=tmp_path / "logs")
    assert r.outcome == Outcome.START_FAILURE
    assert str(missing) in r.reason and "No such file" in r.reason
    assert str(missing) in r.stderr_tail
    summary = format_summary(r)
    assert "command: qemu-system-x86_64 " in summary
    assert_nothing_left(r, private_tmp)


def test_qemu_killed_from_outside_is_crash(hang_image, tmp_path,
                                           private_tmp):
    log_dir = tmp_path / "logs"
    killer = when_running(log_dir, lambda pid: os.kill(pid, signal.SIGKILL))
    start = time.monotonic()
    r = run_image(kernel=hang_image.elf32, memory=hang_image.recipe.memory,
                  accel="tcg", timeout=20, log_dir=log_dir)
    killer.join()
    assert r.outcome == Outcome.CRASH, format_summary(r)
    assert r.exit_code == -signal.SIGKILL
    assert "SIGKILL" in r.reason
    assert time.monotonic() - start < 10
    assert_nothing_left(r, private_tmp)


@pytest.mark.parametrize("sig, exc", [(signal.SIGINT, KeyboardInterrupt),
                                      (signal.SIGTERM, SystemExit)])
def test_interrupt_stops_qemu(hang_image, tmp_path, private_tmp, sig, exc):
    """Ctrl-C or SIGTERM to us while QEMU runs: QEMU must go too."""
    log_dir = tmp_path / "logs"
    me = os.getpid()
    seen = []

    def interrupt(pid):
        seen.append(pid)
        os.kill(me, sig)
    # generous: on a loaded machine QEMU may take seconds to print KTAP,
    # and the run must not time out before the signal comes
    th = when_running(log_dir, interrupt, deadline=50)
    # a test run started in the background (a shell without job control)
    # inherits SIGINT ignored: Ctrl-C's handler is what is under test
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(exc):
            run_image(kernel=hang_image.elf32, memory=hang_image.recipe.memory,
                      accel="tcg", timeout=60, log_dir=log_dir)
    finally:
        signal.signal(signal.SIGINT, old)
    th.join()
    assert seen and not Path(f"/proc/{seen[0]}").exists()
    assert qemu_children() == []
    assert list(private_tmp.iterdir()) == []


# -- command line (no QEMU) -------------------------------------------------

def test_command_line_kernel_and_modules():
    cmd = qemu_command(kernel="k.elf32", modules=["p/a.ssa", "q/b,c.ssa"],
                       memory=256 << 20, accel="tcg", serial="file:s.log")
    assert cmd[0] == "qemu-system-x86_64"
    assert cmd[cmd.index("-m") + 1] == "256M"
    assert cmd[cmd.index("-cpu") + 1] == "max"
    assert cmd[cmd.index("-serial") + 1] == "file:s.log"
    assert cmd[cmd.index("-initrd") + 1] == "p/a.ssa a.ssa,q/b,,c.ssa b,c.ssa"
    assert "-no-reboot" in cmd and "-nodefaults" in cmd
    assert "isa-debug-exit,iobase=0xf4,iosize=0x04" in cmd


def test_command_line_iso_kvm_and_debug():
    cmd = qemu_command(iso="x.iso", accel="kvm", extra=["-s", "-S"])
    assert cmd[cmd.index("-cdrom") + 1] == "x.iso"
    assert cmd[cmd.index("-boot") + 1] == "d"
    assert cmd[cmd.index("-cpu") + 1].startswith("host")
    assert cmd[-2:] == ["-s", "-S"]


@pytest.mark.parametrize("kwargs, msg", [
    (dict(), "boot either a kernel or an ISO"),
    (dict(kernel="k", iso="i"), "boot either a kernel or an ISO"),
    (dict(iso="i", modules=["a.ssa"]), "pass modules only with a kernel"),
    (dict(kernel="k", memory=1000), "whole number of MiB"),
    (dict(kernel="k", modules=["a b.ssa"]), "cannot contain spaces"),
])
def test_command_line_errors(kwargs, msg):
    with pytest.raises(JitbootError, match=msg):
        qemu_command(**kwargs)


def test_unknown_accelerator(tmp_path):
    with pytest.raises(JitbootError, match="unknown accelerator 'hvf'"):
        run_image(kernel="k", accel="hvf", log_dir=tmp_path)


# -- classification (no QEMU) -----------------------------------------------

DONE = "KTAP version 1\n1..1\nok 1 a\n"
CUT = "KTAP version 1\n1..2\n    KTAP version 1\n    # Subtest: b\n"
PANIC = CUT + "    PANIC: exception 13 (#GP) rip=0x1 cr2=0x0\n"
RESET = [{"event": "SHUTDOWN", "data": {"guest": True,
                                        "reason": "guest-reset"}}]
OFF = [{"event": "SHUTDOWN", "data": {"guest": True,
                                      "reason": "guest-shutdown"}}]


@pytest.mark.parametrize("code, events, serial, timed_out, stop, want", [
    (33, [], DONE, False, None, Outcome.PASS),
    (33, [], CUT, False, None, Outcome.TEST_FAILURE),   # pass code, tests cut
    (33, [], "", False, None, Outcome.TEST_FAILURE),    # pass code, no KTAP
    (35, [], DONE, False, None, Outcome.TEST_FAILURE),
    (37, [], CUT, False, None, Outcome.PANIC),
    (0, [], PANIC, True, None, Outcome.PANIC),          # PANIC line beats hang
    (0, RESET, CUT, False, None, Outcome.TRIPLE_FAULT),
    (0, [], CUT, True, None, Outcome.HANG),
    (-9, [], CUT, False, None, Outcome.CRASH),
    (0, [], CUT, False, "internal-error", Outcome.CRASH),
    (0, OFF, CUT, False, None, Outcome.CRASH),          # powered off, no verdict
    (1, [], DONE, False, None, Outcome.CRASH),
])
def test_classify(code, events, serial, timed_out, stop, want):
    outcome, reason = classify(code, events, ktap.parse_text(serial),
                               timed_out, 3.0, stop)
    assert outcome == want, reason
    assert "\n" not in reason and reason


def test_classify_names_the_running_test():
    _, reason = classify(0, RESET, ktap.parse_text(CUT), False, 3.0)
    assert reason.endswith(" in test 1 b")
    _, reason = classify(0, OFF, ktap.parse_text(CUT), False, 3.0)
    assert "guest-shutdown" in reason
