"""The doit-facing runs: qemu-test, qemu-debug and run (payloads).

Each boots a built image through jitboot.qemu.run_image (the one QEMU
runner), prints the KTAP summary, keeps logs and JUnit XML under
build/images/<name>/logs/<medium>/<time>-<pid>/ (latest/ is the newest),
with each payload's output beside them byte for byte (NAME.out), and
turns anything but a pass into a JitbootError with a one-line reason.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Sequence

from . import protocol, qemu
from .build import Image
from .recipe import check_payloads
from .errors import JitbootError
from .junit import write_junit
from .ktap import TestResult

# After output that does not end with a newline (diff's convention).
NO_NEWLINE = "\\ no newline at end of output"


def boot(image: Image, medium: str, modules: Sequence[Path] = (), tag: str | None = None,
         accel: str | None = None, data: Sequence[Path | str] | None = None,
         args: Sequence[str] | None = None) -> qemu.RunResult:
    """Boot one medium ('kernel' or 'iso') of a built image and report it;
    data files and arguments (default: the recipe's) go with the payloads."""
    from . import locks
    from .payloads import data_modules
    tag = tag or medium
    locks.release_build_lock()      # built: other builds of the image may go on
    log_dir = locks.run_dir(image.log_dir / tag)
    recipe = image.recipe
    if medium == "kernel":
        mods: list[Any] = list(modules) or [p.path for p in recipe.payloads]
        mods += data_modules([Path(d) for d in (recipe.data if data is None else data)],
                             list(recipe.args if args is None else args), log_dir / "args")
        kwargs: dict[str, Any] = {"kernel": image.elf32, "modules": mods}
    elif medium == "iso":
        kwargs = {"iso": image.iso}
    else:
        raise JitbootError(f"unknown boot medium {medium!r}")
    result = qemu.run_image(memory=recipe.memory, accel=accel or recipe.accel,
                            timeout=recipe.timeout, log_dir=log_dir, **kwargs)
    if result.outcome == qemu.Outcome.PANIC:
        # the kernel prints a raw RIP; the ELF knows what it is
        from .symbolize import panic_location
        at = panic_location(image.elf, result.ktap.panic)
        if at:
            result = dataclasses.replace(result, reason=f"{result.reason} [rip is {at}]")
    note = ""
    if result.accel == "tcg" and (accel or recipe.accel) != "tcg":
        note = f": {qemu.kvm_problem() or 'KVM not usable'}"
    print(f"== {image.name} ({medium}, {result.accel.upper()}{note}) ==")
    print(qemu.format_summary(result), flush=True)
    path = log_dir / "junit.xml"
    try:
        write_junit(path, result, f"{image.name}.{tag}")
        for module, test in protocol.payload_results(result.ktap.tests).items():
            path = output_path(log_dir, module)
            path.write_bytes(test.output().data)
    except OSError as e:
        raise JitbootError(f"{medium}: {result.outcome.value}: {result.reason};"
                           f" and cannot write {path}: {e.strerror}") from None
    return result


def output_path(log_dir: Path, module: str) -> Path:
    """Where a payload's output goes: NAME.out beside the run's serial.log,
    the bytes its program wrote (as far as [run] output_limit let them
    through)."""
    return log_dir / f"{module}.out"


def write_bytes(data: bytes) -> None:
    """data on stdout as it is, even where stdout is a text stream that
    tees (doit's Writer, which has the terminal's fileno())."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError):
        sys.stdout.write(data.decode("utf-8", errors="backslashreplace"))
        return
    while data:
        data = data[os.write(fd, data):]


def print_output(test: TestResult) -> None:
    """A test's output as the program wrote it, between header lines that
    say what is not in the bytes: truncation, a missing final newline."""
    out = test.output()
    if not out.data and not out.truncated and not out.errors:
        return
    note = ""
    if out.truncated:
        note = (f" (truncated: the program wrote {out.written} bytes, the first"
                f" {len(out.data)} are shown; raise [run] output_limit)")
    print(f"--- output of {test.name}{note} ---")
    write_bytes(out.data)
    if not out.final_newline:
        print(f"\n{NO_NEWLINE}")
    for e in out.errors:
        print(f"--- output of {test.name}: {e} ---")


def qemu_test(image: Image) -> None:
    """Boot every medium the recipe lists; fail unless all of them pass."""
    failures = []
    for medium in image.recipe.boot:
        result = boot(image, medium)
        if result.outcome != qemu.Outcome.PASS:
            failures.append(f"{medium}: {result.outcome.value}: {result.reason}")
    if failures:
        raise JitbootError(f"image {image.name!r} failed in QEMU: " + "; ".join(failures))


def run_payloads(image: Image, files: list[str], opt: str | None = None,
                 data: list[str] | None = None, args: str | None = None) -> None:
    """Boot the kernel with payloads as multiboot modules (`doit jit-run`),
    checked as a recipe's [run] payloads are (paths from the current
    directory); C and LLVM IR files are translated first, into the image's
    run/ directory, at opt (default: the recipe's c_opt).  data (files)
    and args (one string, split as a shell would) replace the recipe's
    [run] data and args when given."""
    from .payloads import prepare
    from .recipe import check_data
    if not files:
        raise JitbootError("no payloads: use `doit jit-run src=prog.c[,b.ll,c.ssa]` "
                           "or `doit jit-run il=FILE.ssa[,FILE2.ssa...]`")
    payloads = check_payloads(files, Path.cwd(), il_dir=image.dir / "run",
                              opt=opt or image.recipe.c_opt)
    argv = None
    if args is not None:
        try:
            argv = shlex.split(args)
        except ValueError as e:
            raise JitbootError(f"args={args!r}: {e}") from None
    files_in = None if data is None else check_data(
        data, Path.cwd(), others=len(payloads) + bool(image.recipe.args if argv is None else argv))
    prepare(payloads)
    result = boot(image, "kernel", modules=[p.path for p in payloads], tag="run",
                  data=files_in, args=argv)
    for test in result.ktap.tests:
        print_output(test)
        frames = test.backtrace()
        if frames:
            print(f"--- backtrace of {test.name} ---")
            print("\n".join(frames))
    print(f"each payload's output, byte for byte: {output_path(result.serial_log.parent, 'NAME')}")
    if result.outcome != qemu.Outcome.PASS:
        raise JitbootError(f"run failed: {result.outcome.value}: {result.reason}")


def gdb_command(image: Image, port: int) -> str:
    """The gdb command line that loads the kernel's symbols and attaches."""
    return (f"gdb {shlex.quote(str(image.elf))} -ex 'target remote :{port}' "
            "-ex 'hbreak kmain' -ex continue")


def qemu_debug(image: Image, port: int = 1234) -> None:
    """Start QEMU halted with a gdb stub and print how to attach."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as e:
            raise JitbootError(f"gdb_port={port}: 127.0.0.1:{port} is not free ({e.strerror}; "
                               f"another QEMU's gdb stub?): give another with gdb_port=N") from None
    # TCG: gdb's hardware breakpoints and single-stepping are exact there
    cmd = qemu.qemu_command(kernel=image.elf32, modules=[p.path for p in image.recipe.payloads],
                            memory=image.recipe.memory, accel="tcg", serial="stdio",
                            extra=["-S", "-gdb", f"tcp:127.0.0.1:{port}"])
    print(f"QEMU is halted at the first instruction with a gdb stub on port {port}.")
    print("In another terminal, attach with:")
    print(f"  {gdb_command(image, port)}")
    print(f"QEMU command: {qemu.format_command(cmd)}")
    print("Serial output follows; stop QEMU with Ctrl-C.", flush=True)
    import subprocess
    try:
        proc = subprocess.run(cmd, check=False)
    except KeyboardInterrupt:
        return
    # the kernel's own exits through isa-debug-exit are odd statuses from
    # 33 up; 1 is QEMU failing to start (its message is above)
    if proc.returncode == 1:
        raise JitbootError("QEMU could not start (exit status 1, its message is above)")
