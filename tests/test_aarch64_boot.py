"""The aarch64 kernel on QEMU virt (qemu-system-aarch64, TCG): it boots
through the same doit tasks and harness as x86-64, and each way a run can
end is told apart the same way."""

import os
import shutil
import signal

import pytest

from conftest import copy_project, doit
from jitboot import ROOT, ktap, multiboot, protocol, qemu
from jitboot.errors import JitbootError
from jitboot.recipe import load_recipe

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None
                                or shutil.which("aarch64-linux-gnu-gcc") is None,
                                reason="needs qemu-system-arm and gcc-aarch64-linux-gnu "
                                       "(ci/setup.sh installs them)")


def run(image, **kw):
    return qemu.run_image(kernel=image.boot_kernel, arch="aarch64", accel="tcg",
                          timeout=image.recipe.timeout, log_dir=image.log_dir / "test", **kw)


def test_qemu_test_passes_with_the_ktap_summary():
    proc = doit(ROOT, "qemu-test", "image=aarch64")
    out = proc.stdout
    assert "== aarch64 (kernel, TCG) ==" in out
    for n, name, checks in ((1, "aot_fib", "6/6"), (2, "heap", "12/12"), (3, "klib", "27/27"),
                            (4, "jit_fib", "9/9")):
        assert any(line.split() == [str(n), name, "ok", checks] for line in out.splitlines()), out
    assert "PASS: 4/4 tests ok" in out


def test_boot_arguments_reach_the_kernel_through_fw_cfg():
    out = doit(ROOT, "qemu-test", "image=aarch64", "tests=klib").stdout
    assert "PASS: 1/1 tests ok" in out, out
    log = ROOT / "build" / "images" / "aarch64" / "logs" / "kernel" / "latest" / "serial.log"
    assert "# selected 1 of 4 tests: klib" in log.read_text()


def test_the_kernel_is_an_aarch64_elf_qemu_boots(image_builder):
    image = image_builder("aarch64")
    assert image.boot_kernel == image.elf and not image.elf32.exists()
    assert multiboot.elf_problem(image.elf, "aarch64", 0x40100000) is None
    assert multiboot.elf_problem(image.elf, "aarch64", 0x40200000) == \
        "a segment loads at 0x40100000, below the recipe's load_address 0x40200000"
    x86 = image_builder("tests/images/hang.toml").elf
    assert multiboot.elf_problem(x86, "aarch64", 0x100000) == \
        "an ELF for EM_X86_64, not aarch64 (EM_AARCH64)"
    assert (image.dir / "size.json").is_file()      # the size audit read it


def test_entered_at_el2_it_drops_to_el1(image_builder):
    image = image_builder("aarch64")
    r = run(image, extra_args=["-machine", "virtualization=on"])
    assert r.outcome == qemu.Outcome.PASS, r.reason
    assert r.exit_code == protocol.EXIT_PATHS["aarch64"].statuses[protocol.EXIT_PASS] == 33
    lines = r.serial_log.read_text().splitlines()
    assert "entered at EL2, running at EL1" in lines[2], lines[2]
    # the generic timer: QEMU's counter runs at 62.5 MHz, and times each test
    assert lines[3] == "# generic timer: 62.500 MHz"
    durations = [float(ln.split()[-1]) for ln in lines if "# duration_ms:" in ln]
    assert len(durations) == 4 and durations[0] > 0    # aot_fib's fib(30) takes time


def test_a_null_write_is_a_panic_naming_the_exception(image_builder):
    """Outside a payload's catch point a fault stays fatal."""
    r = run(image_builder("tests/images/aarch64_fault_null.toml"))
    assert r.outcome == qemu.Outcome.PANIC, r.reason
    assert r.exit_code == protocol.QEMU_EXIT_PANIC
    assert r.reason.startswith("PANIC: exception EC=0x25 (DABT data abort), synchronous, ESR=0x96")
    assert "FAR=0 " in r.reason and r.reason.endswith("(null pointer dereference)")


def test_a_failing_check_is_a_test_failure(image_builder):
    r = run(image_builder("tests/images/aarch64_fail_example.toml"))
    assert r.outcome == qemu.Outcome.TEST_FAILURE
    assert r.exit_code == protocol.QEMU_EXIT_FAIL
    assert r.reason == "1/2 tests ok; first failure: fail_example (a check that fails: on purpose)"


def test_a_hang_is_a_hang(image_builder):
    r = run(image_builder("tests/images/aarch64_hang.toml"))
    assert r.outcome == qemu.Outcome.HANG
    assert r.reason == "no exit within 5 s in test 1 hang"


def test_qemu_killed_from_outside_is_a_crash(image_builder, tmp_path):
    from test_harness import when_running
    image = image_builder("tests/images/aarch64_hang.toml")
    killer = when_running(tmp_path, lambda pid: os.kill(pid, signal.SIGKILL))
    r = qemu.run_image(kernel=image.boot_kernel, arch="aarch64", accel="tcg", timeout=20,
                       log_dir=tmp_path)
    killer.join()
    assert r.outcome == qemu.Outcome.CRASH, r.reason
    assert r.exit_code == -signal.SIGKILL and "SIGKILL" in r.reason


def test_two_clean_builds_are_identical(tmp_path):
    kernels = []
    for where in ("a", "b/deeper"):
        root = copy_project(tmp_path / where / "jitboot")
        doit(root, "image", "image=aarch64")
        kernels.append((root / "build" / "images" / "aarch64" / "kernel.elf").read_bytes())
    assert kernels[0] == kernels[1]


def test_the_command_line():
    cmd = qemu.qemu_command(kernel="k.elf", arch="aarch64", memory=256 << 20, serial="stdio")
    assert cmd[:9] == ["qemu-system-aarch64", "-machine", "virt", "-m", "256M",
                       "-accel", "tcg", "-cpu", "cortex-a72"]
    assert "-semihosting-config" in cmd and "isa-debug-exit" not in " ".join(cmd)
    assert cmd[-2:] == ["-kernel", "k.elf"]
    with pytest.raises(JitbootError, match="kernel medium only"):
        qemu.qemu_command(iso="k.iso", arch="aarch64")
    # no multiboot loader: modules are fw_cfg files, numbered in order
    cmd = qemu.qemu_command(kernel="k.elf", arch="aarch64",
                            modules=["p/hello.ssa", ("d/in,1.txt", "data:in.txt")])
    assert cmd[-4:] == ["-fw_cfg", "name=opt/jitboot/m/00/hello.ssa,file=p/hello.ssa",
                        "-fw_cfg", "name=opt/jitboot/m/01/data:in.txt,file=d/in,,1.txt"]
    assert "-initrd" not in cmd
    with pytest.raises(JitbootError) as e:
        qemu.qemu_command(kernel="k.elf", arch="aarch64", modules=["p/" + "x" * 40 + ".ssa"])
    assert str(e.value) == (f"p/{'x' * 40}.ssa: module name '{'x' * 40}.ssa' is too long for "
                            "fw_cfg on aarch64 (at most 38 bytes): rename the file")
    with pytest.raises(JitbootError, match="KVM needs an arm64 host"):
        qemu.qemu_command(kernel="k.elf", arch="aarch64", accel="kvm")


@pytest.mark.parametrize("text, message", [
    ('[target]\narch = "arm"\n',
     'r.toml:2: [target] arch: expected one of x86_64, aarch64, got \'arm\''),
    ('[target]\narch = "aarch64"\n[layout]\nload_address = 0x100000\n[features]\njit = false\n',
     "r.toml:4: [layout] load_address: 0x100000 is below 0x40100000: on aarch64 RAM starts at "
     "0x40000000 and its first MiB holds the device tree"),
    ('[target]\narch = "aarch64"\n[layout]\nload_address = 0x40100000\nheap_address = 0x41000000\n'
     'jit_arena_address = 0x45000000\n[features]\njit = false\n[run]\ntests = ["fault_unmapped"]\n',
     "r.toml:10: [run] tests: test 'fault_unmapped' is x86_64-only; on aarch64: aot_fib, "
     "fail_example, fails_first_boot, fault_null, hang, heap, klib, vm, vm_code"),
    ('[target]\narch = "aarch64"\n[features]\njit = false\n[qemu]\nboot = ["kernel", "iso"]\n',
     'r.toml:6: [qemu] boot: aarch64 images boot the kernel medium only (no GRUB ISO for '
     'arm64): use boot = ["kernel"]'),
])
def test_recipe_errors(tmp_path, text, message):
    path = tmp_path / "r.toml"
    path.write_text(text)
    with pytest.raises(JitbootError) as e:
        load_recipe(path)
    assert str(e.value).endswith(message), str(e.value)


def test_no_iso_for_aarch64():
    proc = doit(ROOT, "iso", "image=aarch64", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stdout + proc.stderr
    assert "image 'aarch64' is aarch64: no GRUB ISO for it" in proc.stdout + proc.stderr


def test_page_protection_is_per_page_w_x(image_builder):
    """vm: the kernel's sections and the stack guard page have their own
    permissions (4 KiB pages in the kernel's 2 MiB blocks); vm_code: code
    written into RW pages runs once they are RX, and again after a rewrite
    (the I-cache is synchronised, not stale)."""
    r = run(image_builder("tests/images/aarch64_vm.toml"))
    assert r.outcome == qemu.Outcome.PASS, r.reason
    got = {t.name: (t.status, ktap.checks(t)) for t in r.ktap.tests}
    assert got["vm"] == (ktap.Status.OK, "17/17") and got["vm_code"] == (ktap.Status.OK, "6/6"), got
