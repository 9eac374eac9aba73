"""QEMU runner: boot one image, watch it over QMP, say how it ended.

One Machine owns one QEMU process, its QMP socket and serial pipes (in
a private temp dir) and its logs.  QEMU starts paused (-S); we accept its
QMP connection, listen for events, send `cont`, and wait for the guest to
leave through isa-debug-exit, a reset (a triple fault under -no-reboot),
or our timeout.

COM1 is a pipe chardev (a FIFO QEMU writes and we read), so the harness
reads the guest's output as it is written: each chunk goes to serial.log,
byte for byte, and to on_serial (live progress).  Not a socket chardev
with its logfile=: QEMU logs a byte again each time a full socket makes
the UART retry it.  A log that cannot be written whole (a full disk) is
a LOG_FAILURE, whatever the rest of it seems to say.

Every way out of a run, exceptions and SIGTERM included, goes through
Machine.shutdown(), which stops QEMU and removes the temp dir.

run_image() is the one entry point: it builds the command line, runs the
machine, parses the serial log (jitboot.ktap) and classifies the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import enum
import errno
import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Awaitable, Callable, Iterable, Sequence, TypeVar, cast

from qemu.qmp import EventListener, QMPClient, QMPError
from qemu.qmp.protocol import Runstate

from jitboot import ROOT, ktap, paths, protocol
from jitboot.errors import JitbootError
from jitboot.toolchain import sigterm_raises

QEMU = "qemu-system-x86_64"
# QEMU system emulator and machine for each recipe architecture.
QEMUS = {"x86_64": QEMU, "aarch64": "qemu-system-aarch64"}
MACHINES = {"x86_64": "q35", "aarch64": "virt"}

# QEMU's exit status for each isa-debug-exit code the kernel writes.
EXIT_PASS = protocol.QEMU_EXIT_PASS
EXIT_FAIL = protocol.QEMU_EXIT_FAIL
EXIT_PANIC = protocol.QEMU_EXIT_PANIC

CONNECT_TIMEOUT = 10.0  # QEMU start-up until QMP connects
QUIT_GRACE = 1.0        # after QMP quit, before SIGKILL
DRAIN_TIMEOUT = 0.5     # reading the last QMP events after QEMU exits
POLL = 0.01
SERIAL_CHARDEV = "com1"     # the id of COM1's chardev: -serial chardev:com1
SERIAL_CHUNK = 1 << 16
# A pipe holds 64 KiB; more lets a guest write on while we are busy.
# F_SETPIPE_SZ (Linux), not in Python 3.11's fcntl module.
SERIAL_PIPE_SIZE = 1 << 20
F_SETPIPE_SZ = 1031
STDERR_TAIL = 10        # lines kept in RunResult.stderr_tail

# Under nested KVM, QEMU 7.2 aborts setting IA32_ARCH_CAPABILITIES
# ("failed to set MSR 0x10a") for -cpu host; the kernel never reads it.
CPU = {"kvm": "host,-arch-capabilities", "tcg": "max"}


class Outcome(enum.Enum):
    PASS = "pass"
    TEST_FAILURE = "test failure"
    PANIC = "panic"
    TRIPLE_FAULT = "triple fault"
    HANG = "hang"
    START_FAILURE = "start failure"
    CRASH = "crash"
    LOG_FAILURE = "log failure"     # the serial log could not be written whole


@dataclass
class RunResult:
    outcome: Outcome
    reason: str                     # one line
    exit_code: int | None           # QEMU's status; -N: killed by signal N
    accel: str                      # "kvm" or "tcg": what actually ran
    duration: float                 # seconds from `cont` to exit/timeout
    serial_log: Path
    stderr_log: Path
    ktap: ktap.KtapLog
    command: list[str]
    stderr_tail: str = ""
    events: list[str] = field(default_factory=list)   # "SHUTDOWN(guest-reset)"
    pid: int | None = None


class StartError(Exception):
    """QEMU did not get as far as answering on QMP."""


# -- command line -----------------------------------------------------------

def kvm_problem() -> str | None:
    """Why KVM cannot run our kernel here, or None when it can.

    /dev/kvm must open read-write and be backed by hardware virtualization
    (kvm_intel or kvm_amd).  Some hosts expose /dev/kvm through kvm_pvm, a
    paravirtual KVM that emulates ring-0 guest code instruction by
    instruction and stops at the kernel's first SSE instruction ("KVM
    internal error ... emulation failure"): that one is not usable.
    """
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"/dev/kvm cannot be opened read-write ({e.strerror})"
    os.close(fd)
    modules = Path("/sys/module")
    if any((modules / m).exists() for m in ("kvm_intel", "kvm_amd")):
        return None
    if (modules / "kvm_pvm").exists():
        return "/dev/kvm is kvm_pvm (paravirtual KVM), which cannot run this kernel"
    return None


def pick_accel(want: str = "auto") -> str:
    """'kvm' or 'tcg' for a recipe's preference ('auto', 'kvm', 'tcg')."""
    if want == "tcg":
        return "tcg"
    if want not in ("auto", "kvm"):
        raise JitbootError(f"unknown accelerator {want!r}:"
                           f" use 'auto', 'kvm' or 'tcg'")
    problem = kvm_problem()
    if problem is None:
        return "kvm"
    if want == "kvm":
        raise JitbootError(f"accelerator 'kvm' requested but {problem}: "
                           "use accel = 'auto' or 'tcg'")
    return "tcg"


def memory_arg(memory: int | str) -> str:
    """Bytes (as in a recipe's memory_size) -> QEMU's -m value."""
    if isinstance(memory, str):
        return memory
    if memory <= 0 or memory % (1 << 20):
        raise JitbootError(f"QEMU memory size {memory:#x} is not a positive"
                           f" whole number of MiB")
    return f"{memory >> 20}M"


def module_arg(module: Path | str | tuple[Path | str, str]) -> str:
    """One -initrd entry: 'path name', name the file's (or the one given
    with it: "data:x.txt" for a data file).  The multiboot module cmdline
    QEMU passes is this whole string, so the kernel takes the last word."""
    path, name = ((str(module[0]), module[1]) if isinstance(module, tuple)
                  else (str(module), os.path.basename(module)))
    if " " in path:
        raise JitbootError(f"{path}: payload paths cannot contain spaces"
                           f" (QEMU splits -initrd module arguments on them)")
    # QEMU's option parser reads ',,' as a literal comma
    return f"{path.replace(',', ',,')} {name}"


def fw_cfg_module_arg(index: int, module: Path | str | tuple[Path | str, str]) -> str:
    """Module index as one fw_cfg file (aarch64: no multiboot loader):
    'name=opt/jitboot/m/NN/NAME,file=PATH' (protocol.MODULE_FILE_PREFIX)."""
    path, name = ((str(module[0]), module[1]) if isinstance(module, tuple)
                  else (str(module), os.path.basename(module)))
    fw_name = f"{protocol.MODULE_FILE_PREFIX}{index:02d}/{name}"
    if len(fw_name) >= protocol.FW_CFG_NAME_MAX:
        raise JitbootError(f"{path}: module name {name!r} is too long for fw_cfg on aarch64 "
                           f"(at most {protocol.FW_CFG_NAME_MAX - 1 - len(fw_name) + len(name)} "
                           f"bytes): rename the file")
    if index >= 100:
        raise JitbootError(f"{path}: more than 100 modules for one aarch64 boot")
    # QEMU's option parser reads ',,' as a literal comma
    return f"name={fw_name.replace(',', ',,')},file={path.replace(',', ',,')}"


def qemu_command(kernel: Path | str | None = None,
                 iso: Path | str | None = None,
                 modules: Iterable[Path | str | tuple[Path | str, str]] = (),
                 memory: int | str = 128 << 20,
                 accel: str = "tcg",
                 serial: str = "stdio",
                 extra: Sequence[str] = (),
                 name: str | None = None,
                 arch: str = "x86_64") -> list[str]:
    """The QEMU command line for one image of arch (a recipe's [target]
    arch: qemu-system-x86_64 -machine q35, or qemu-system-aarch64
    -machine virt -cpu cortex-a72, which boots the kernel ELF itself and
    exits through semihosting; KVM there needs an arm64 host).  `accel` must already be
    resolved ('kvm' or 'tcg'); `serial` is a QEMU chardev ('stdio',
    'file:PATH', 'chardev:ID' for one a Machine adds); `name` is the
    guest's name, shown by ps and QMP (a run's log directory).  For a
    debugger session pass extra=['-s', '-S']."""
    if (kernel is None) == (iso is None):
        raise JitbootError("boot either a kernel or an ISO, not both/neither")
    modules = list(modules)
    if arch not in QEMUS:
        raise JitbootError(f"unknown architecture {arch!r} (known: {', '.join(QEMUS)})")
    if arch == "aarch64":
        if iso is not None:
            raise JitbootError("aarch64 images boot the kernel medium only (no ISO)")
        if accel != "tcg":
            raise JitbootError("aarch64 guests run under TCG here (KVM needs an arm64 host)")
    cmd = [QEMUS[arch], "-machine", MACHINES[arch], "-m", memory_arg(memory),
           "-accel", accel, "-cpu", CPU[accel] if arch == "x86_64" else "cortex-a72",
           "-display", "none", "-no-reboot", "-no-user-config",
           # -nodefaults drops the default serial port; -serial adds COM1
           # (the PL011 on virt)
           "-nodefaults", "-serial", serial, *protocol.EXIT_PATHS[arch].qemu_args]
    if name is not None:
        # QEMU's option parser reads ',,' as a literal comma
        cmd += ["-name", "guest=" + name.replace(",", ",,")]
    if kernel is not None:
        cmd += ["-kernel", str(kernel)]
        if modules and arch == "aarch64":
            # fw_cfg's directory holds 32 files by default, QEMU's own included
            cmd += ["-global", f"fw_cfg_mem.x-file-slots={protocol.MAX_MODULES + 32}"]
            cmd += [a for i, m in enumerate(modules) for a in ("-fw_cfg", fw_cfg_module_arg(i, m))]
        elif modules:
            cmd += ["-initrd", ",".join(module_arg(m) for m in modules)]
    else:
        if modules:
            raise JitbootError("an ISO carries its payloads in grub.cfg;"
                               " pass modules only with a kernel")
        cmd += ["-cdrom", str(iso), "-boot", "d"]
    return cmd + list(extra)


def format_command(cmd: Sequence[str]) -> str:
    return shlex.join(cmd)


# -- the machine ------------------------------------------------------------

def _die_with_parent_fn() -> Callable[[], int] | None:
    """QEMU must not outlive us even if we are SIGKILLed: ask the kernel
    to kill it when its parent dies (PR_SET_PDEATHSIG).  Resolved before
    fork so the child only makes one syscall."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    PR_SET_PDEATHSIG = 1
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


_T = TypeVar("_T")


SerialSink = Callable[[bytes], None]


class Machine:
    """One QEMU process, its QMP connection and its stderr log.

    With serial_log, the command's `-serial chardev:com1` is given a
    pipe chardev: each chunk the guest writes is written to serial_log
    and handed to on_serial as it arrives.

    Use as a context manager.  launch() and shutdown() are symmetric and
    shutdown() is safe to call on any path, any number of times."""

    def __init__(self, command: Sequence[str], stderr_log: Path,
                 name: str = "jitboot", serial_log: Path | None = None,
                 on_serial: SerialSink | None = None) -> None:
        self.command = list(command)
        self.stderr_log = Path(stderr_log)
        self.name = name
        self.serial_log = Path(serial_log) if serial_log else None
        self.on_serial = on_serial
        self.proc: subprocess.Popen | None = None
        self.tmpdir: str | None = None
        self.started_at: float | None = None   # when `cont` went out
        self.ended_at: float | None = None
        self.stop_status: str | None = None    # run state of a stopped guest
        self.qmp_lost = False                  # QMP went away while QEMU ran
        self.stopped_by: str | None = None     # why a watch stopped the run
        self._loop: asyncio.AbstractEventLoop | None = None
        self._qmp: QMPClient | None = None
        self._listener = EventListener()
        self._stderr: IO[bytes] | None = None
        self._serial_fd: int | None = None          # our end of com1.out
        self._serial_file: IO[bytes] | None = None
        self.serial_error: OSError | None = None   # writing serial_log failed

    def __enter__(self) -> Machine:
        self.launch()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode if self.proc else None

    def events(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self._listener.history]

    def full_command(self, sock: str, serial_pipe: str | None = None) -> list[str]:
        serial = []
        if serial_pipe and self.serial_log:
            # QEMU writes PATH.out and reads PATH.in
            serial = ["-chardev", f"pipe,id={SERIAL_CHARDEV},path={serial_pipe}"]
        return self.command + serial + [
            "-chardev", f"socket,id=qmp,path={sock}",
            "-mon", "chardev=qmp,mode=control", "-S"]

    def launch(self) -> None:
        """Start QEMU paused, connect QMP, then let the guest run.
        Raises StartError if QEMU dies or stalls before QMP answers."""
        self.tmpdir = tempfile.mkdtemp(prefix="jitboot-qemu-")
        self._loop = asyncio.new_event_loop()
        try:
            self._run(self._launch(os.path.join(self.tmpdir, "qmp.sock"),
                                   os.path.join(self.tmpdir, SERIAL_CHARDEV)))
        except BaseException:
            self.shutdown()
            raise

    async def _launch(self, sock: str, serial_pipe: str) -> None:
        self._qmp = QMPClient(self.name)
        self._qmp.register_listener(self._listener)
        # We listen and QEMU connects, so there is no polling for a socket
        # file to appear.
        await self._qmp.start_server(sock)
        if self.serial_log:
            self._open_serial(serial_pipe)
        try:
            self._stderr = open(self.stderr_log, "wb")
        except OSError as e:
            raise StartError(f"cannot write {self.stderr_log}: {e.strerror}") from e
        try:
            self.proc = subprocess.Popen(
                self.full_command(sock, serial_pipe), stdin=subprocess.DEVNULL,
                stdout=self._stderr, stderr=subprocess.STDOUT,
                # our Ctrl-C goes to us, and we stop QEMU ourselves
                start_new_session=True, preexec_fn=_die_with_parent_fn())
        except OSError as e:
            from .toolchain import TOOLS
            package = TOOLS.get(os.path.basename(self.command[0]), "qemu-system-x86")
            raise StartError(f"cannot run {self.command[0]}: {e.strerror}"
                             f" (is {package} installed?)") from e
        accept = asyncio.ensure_future(self._qmp.accept())
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while not accept.done():
            if self.proc.poll() is not None:
                await _cancel(accept)
                raise StartError(f"QEMU exited with code"
                                 f" {self.proc.returncode} before QMP"
                                 f" connected")
            if time.monotonic() > deadline:
                await _cancel(accept)
                raise StartError(f"QEMU did not connect to QMP within"
                                 f" {CONNECT_TIMEOUT:.0f} s")
            await asyncio.wait([accept], timeout=POLL)
        try:
            accept.result()
        except QMPError as e:
            raise StartError(f"QMP handshake failed: {e}") from e
        # The socket and pipe files are only needed to connect and open:
        # remove them now, so even a SIGKILL to us from here on leaves
        # nothing on disk.
        self._remove_files()
        self.started_at = time.monotonic()
        try:
            await self._qmp.execute("cont")
        except (QMPError, OSError, EOFError):
            # A guest may exit before QEMU sends the reply; the exit code
            # tells that story, so carry on to wait().
            pass

    def _open_serial(self, path: str) -> None:
        """serial_log, and the FIFOs of the pipe chardev with our end of
        the guest's output open.  Opened read-write, as QEMU opens its
        ends: neither side ever sees an end of file, and what is in the
        pipe when QEMU exits is read by _finish_serial()."""
        assert self.serial_log is not None and self._loop is not None
        try:
            # unbuffered: the log on disk is as far as the guest got
            self._serial_file = open(self.serial_log, "wb", buffering=0)
        except OSError as e:
            raise StartError(f"cannot write {self.serial_log}: {e.strerror}") from e
        try:
            os.mkfifo(path + ".in", 0o600)
            os.mkfifo(path + ".out", 0o600)
            self._serial_fd = os.open(path + ".out", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            raise StartError(f"cannot make the serial pipe {path}.out: {e.strerror}") from e
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._serial_fd, F_SETPIPE_SZ, SERIAL_PIPE_SIZE)
        fd = self._serial_fd
        self._loop.add_reader(fd, self._read_serial, fd)

    def _read_serial(self, fd: int, until_empty: bool = False) -> bool:
        """One chunk of what the guest wrote (all of it, until_empty) to
        serial_log and on_serial; False once the pipe is empty.  After a
        failed write, or a sink that raised, reading goes on without it:
        a guest whose output nobody reads stalls."""
        while True:
            try:
                data = os.read(fd, SERIAL_CHUNK)
            except (BlockingIOError, InterruptedError):
                return False
            if not data:
                return False
            self._log_serial(data)
            if self.on_serial:
                try:
                    self.on_serial(data)
                except Exception:
                    self.on_serial = None
            if not until_empty:
                return True     # back to the loop: QMP and the clock go on too

    def _finish_serial(self) -> None:
        """Once QEMU is gone: the rest of its output, then close our end."""
        fd, self._serial_fd = self._serial_fd, None
        if fd is None:
            return
        try:
            if self._loop and not self._loop.is_closed():
                self._loop.remove_reader(fd)
            self._read_serial(fd, until_empty=True)
        finally:
            os.close(fd)

    def _log_serial(self, data: bytes) -> None:
        f = self._serial_file
        if f is None or self.serial_error:
            return
        try:
            while data:
                n = f.write(data)
                if not n:
                    raise OSError(errno.EIO, "the log file took no bytes")
                data = data[n:]
        except OSError as e:
            self.serial_error = e

    def wait(self, timeout: float, watch: Callable[[], str | None] | None = None) -> bool:
        """Wait for QEMU to exit; False if it is still running at timeout,
        or when watch(), asked at every poll, gives a reason to stop."""
        return self._run(self._wait(timeout, watch))

    async def _wait(self, timeout: float, watch: Callable[[], str | None] | None) -> bool:
        assert self.proc is not None and self._qmp is not None    # launched
        deadline = (self.started_at or time.monotonic()) + timeout
        while self.proc.poll() is None:
            if self._qmp.runstate != Runstate.RUNNING:
                # only a hint: QEMU closes the socket as it exits, too
                self.qmp_lost = True
            elif await self._guest_stopped():
                break
            if watch and (why := watch()):
                self.stopped_by = why
            if self.stopped_by or time.monotonic() >= deadline:
                self.ended_at = time.monotonic()
                return False
            await asyncio.sleep(POLL)
        self.ended_at = time.monotonic()
        await self._drain()
        return True

    async def _guest_stopped(self) -> bool:
        """A STOP we did not ask for means the guest can no longer run
        (e.g. a KVM internal error): QEMU stays up, so without this check
        the run would sit until the timeout."""
        if self.stop_status or not any(e["event"] == "STOP"
                                       for e in self._listener.history):
            return bool(self.stop_status)
        assert self._qmp is not None
        try:
            reply = cast(dict[str, Any], await self._qmp.execute("query-status"))
        except (QMPError, OSError, EOFError):
            return False
        if reply.get("running"):
            return False
        self.stop_status = reply.get("status", "stopped")
        return True

    async def _drain(self) -> None:
        """Let the reader take the events QEMU sent just before exiting
        (a SHUTDOWN event is often the last thing it says)."""
        assert self._qmp is not None
        end = time.monotonic() + DRAIN_TIMEOUT
        while self._qmp.runstate == Runstate.RUNNING and \
                time.monotonic() < end:
            await asyncio.sleep(POLL)

    def shutdown(self) -> None:
        """Stop QEMU (QMP quit, then SIGKILL), close QMP, remove the temp
        dir.  Keeps the logs.  Each step runs even if an earlier one
        fails or is interrupted."""
        try:
            if self.proc and self.proc.poll() is None:
                self._run(self._quit())
        finally:
            try:
                self._kill()
            finally:
                try:
                    try:
                        self._finish_serial()
                    finally:
                        self._close_loop()
                finally:
                    self._remove_files()
                    for f in (self._stderr, self._serial_file):
                        if f:
                            with contextlib.suppress(OSError):
                                f.close()
                    self._stderr = self._serial_file = None

    def _kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()

    def _remove_files(self) -> None:
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    async def _quit(self) -> None:
        if self._qmp and self._qmp.runstate == Runstate.RUNNING:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._qmp.execute("quit"), QUIT_GRACE)
        end = time.monotonic() + QUIT_GRACE
        assert self.proc is not None    # shutdown() checked
        while self.proc.poll() is None and time.monotonic() < end:
            await asyncio.sleep(POLL)
        await self._drain()

    def _close_loop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        try:
            if self._qmp:
                with contextlib.suppress(Exception):
                    loop.run_until_complete(self._qmp.disconnect())
            tasks = asyncio.all_tasks(loop)
            for t in tasks:
                t.cancel()
            if tasks:
                loop.run_until_complete(
                    asyncio.gather(*tasks, return_exceptions=True))
        finally:
            loop.close()

    def _run(self, coro: Awaitable[_T]) -> _T:
        assert self._loop is not None    # launch() made it
        return self._loop.run_until_complete(coro)


async def _cancel(fut: asyncio.Future[Any]) -> None:
    fut.cancel()
    with contextlib.suppress(BaseException):
        await fut


# -- one run ----------------------------------------------------------------

def run_image(kernel: Path | str | None = None,
              iso: Path | str | None = None,
              modules: Iterable[Path | str | tuple[Path | str, str]] = (),
              memory: int | str = 128 << 20,
              accel: str = "auto",
              timeout: float = 60.0,
              log_dir: Path | str | None = None,
              extra_args: Sequence[str] = (),
              watch: Callable[[Path], Callable[[], str | None]] | None = None,
              on_serial: SerialSink | None = None,
              arch: str = "x86_64") -> RunResult:
    """Boot an image once and classify the run.  Logs go to
    log_dir/serial.log and log_dir/qemu-stderr.log.  watch(serial_log)
    makes a function asked while the guest runs: a reason it returns
    stops the run as a hang with that reason (a per-test timeout).
    on_serial is given the guest's serial output, chunk by chunk, as it
    comes."""
    accel = pick_accel(accel) if arch == "x86_64" else "tcg"
    image = Path(kernel if kernel is not None else iso or "image")
    log_dir = Path(log_dir) if log_dir else paths.build_dir(ROOT) / "runs" / image.stem
    serial_log = log_dir / "serial.log"
    stderr_log = log_dir / "qemu-stderr.log"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        # a run that never opens the log must not show the previous run's one
        serial_log.unlink(missing_ok=True)
    except OSError as e:
        raise JitbootError(f"cannot write logs in {log_dir}: {e.strerror}") from None
    cmd = qemu_command(kernel=kernel, iso=iso, modules=modules,
                       memory=memory, accel=accel,
                       serial=f"chardev:{SERIAL_CHARDEV}", extra=extra_args,
                       name=str(log_dir), arch=arch)
    machine = Machine(cmd, stderr_log, serial_log=serial_log, on_serial=on_serial)
    start_error = None
    exited = False
    with sigterm_raises():
        try:
            machine.launch()
            exited = machine.wait(timeout, watch(serial_log) if watch else None)
        except StartError as e:
            start_error = str(e)
        finally:
            machine.shutdown()
    return _result(machine, cmd, accel, serial_log, stderr_log, start_error,
                   timed_out=not exited, timeout=timeout)


def _result(m: Machine, cmd: list[str], accel: str, serial_log: Path, stderr_log: Path,
            start_error: str | None, timed_out: bool, timeout: float) -> RunResult:
    serial = serial_log.read_bytes() if serial_log.exists() else b""
    log = ktap.parse_text(serial)
    stderr = _read_lines(stderr_log)
    events = m.events()
    duration = 0.0
    if m.started_at is not None:
        duration = (m.ended_at or time.monotonic()) - m.started_at
    if start_error is not None:
        # QEMU's own message ("could not load kernel ...") says it best
        outcome, reason = Outcome.START_FAILURE, _first(stderr) or start_error
    else:
        outcome, reason = classify(m.returncode, events, log, timed_out,
                                   timeout, m.stop_status, _first(stderr),
                                   serial_empty=not serial, qmp_lost=m.qmp_lost,
                                   log_cut=_log_problem(m.serial_error, serial_log))
        if m.stopped_by and outcome == Outcome.HANG:
            reason = m.stopped_by
    return RunResult(outcome=outcome, reason=reason, exit_code=m.returncode,
                     accel=accel, duration=duration, serial_log=serial_log,
                     stderr_log=stderr_log, ktap=log, command=_by_hand(cmd, serial_log),
                     stderr_tail="\n".join(stderr[-STDERR_TAIL:]),
                     events=[_event_str(e) for e in events], pid=m.pid)


def _by_hand(cmd: list[str], serial_log: Path) -> list[str]:
    """The command line to run the same boot by hand: COM1 into the log
    file, where the run's socket chardev (gone with the run) logged it."""
    ours = f"chardev:{SERIAL_CHARDEV}"
    return [f"file:{serial_log}" if a == ours else a for a in cmd]


def _log_problem(error: OSError | None, serial_log: Path) -> str | None:
    """Why serial_log is not all the guest wrote, or None."""
    if error is None:
        return None
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the file system of {serial_log.parent}"
    return f"cannot write {serial_log}: {error.strerror}"


def _read_lines(path: Path) -> list[str]:
    try:
        text = ktap.decode(path.read_bytes())
    except OSError:
        return []
    return [ln for ln in text.rstrip("\n").split("\n") if ln.strip()]


def _first(lines: list[str]) -> str:
    return lines[0].strip() if lines else ""


def _event_str(e: dict) -> str:
    reason = (e.get("data") or {}).get("reason")
    return f"{e['event']}({reason})" if reason else e["event"]


def _shutdown_reasons(events: list[dict]) -> set[str]:
    return {(e.get("data") or {}).get("reason", "") for e in events
            if e["event"] == "SHUTDOWN"}


def classify(code: int | None, events: list[dict], log: ktap.KtapLog,
             timed_out: bool, timeout: float, stop_status: str | None = None,
             stderr_first: str = "", serial_empty: bool = False,
             qmp_lost: bool = False, log_cut: str | None = None) -> tuple[Outcome, str]:
    """How a run ended, most specific evidence first: the kernel's own
    PANIC line beats a timeout or a reset that followed it; a serial log
    cut short by a full disk beats whatever the rest of it seems to say."""
    names = {e["event"] for e in events}
    where = _where(log)
    if log.panic:
        return Outcome.PANIC, log.panic
    if log_cut:
        return Outcome.LOG_FAILURE, f"the serial log is cut short: {log_cut}"
    if code == EXIT_PANIC:
        return Outcome.PANIC, "kernel exited with the panic code but" \
                              " printed no PANIC line" + where
    if timed_out:
        why = f"no exit within {timeout:g} s{where}"
        if serial_empty:
            why += "; the guest wrote nothing to the serial port"
        if qmp_lost:
            why += "; the QMP connection closed early"
        return Outcome.HANG, why
    if code is not None and code < 0:
        return Outcome.CRASH, f"QEMU killed by {_signame(-code)}{where}"
    if "host-signal" in _shutdown_reasons(events):
        # SIGTERM, SIGINT or SIGHUP to QEMU: it shuts down in order, exit 0
        return Outcome.CRASH, f"QEMU was stopped from outside" \
                              f" (SHUTDOWN host-signal){where}" + \
            (f": {stderr_first}" if stderr_first else "")
    if stop_status:
        # KVM cannot run the guest on (e.g. an emulation failure after a
        # fault storm); QEMU says why on stderr
        return Outcome.CRASH, f"the VM stopped ({stop_status}){where}" + \
            (f": {stderr_first}" if stderr_first else "")
    if "guest-reset" in _shutdown_reasons(events) or "RESET" in names:
        return Outcome.TRIPLE_FAULT, "the CPU reset itself (a triple" \
                                     " fault; -no-reboot ended the run)" + where
    if "GUEST_PANICKED" in names:
        return Outcome.PANIC, "QEMU reported GUEST_PANICKED" + where
    if code == EXIT_FAIL or (code == EXIT_PASS and not log.ok()):
        return Outcome.TEST_FAILURE, _failure_reason(log, code, serial_empty)
    if code == EXIT_PASS:
        ok = ktap.count_ok(log.tests)
        return Outcome.PASS, f"{ok}/{len(log.tests)} tests ok"
    why = ", ".join(sorted(r for r in _shutdown_reasons(events) if r))
    msg = f"QEMU exited with code {code}"
    if why:
        msg += f" after shutdown ({why})"
    return Outcome.CRASH, msg + where + (f": {stderr_first}" if stderr_first
                                         else "")


def _failure_reason(log: ktap.KtapLog, code: int | None,
                    serial_empty: bool = False) -> str:
    passed = ", though the kernel exited with the pass code" \
        if code == EXIT_PASS else ""
    if serial_empty:
        return "the guest wrote nothing to the serial port" + passed
    if not log.has_ktap:
        return "no KTAP output on the serial port" + passed
    total = log.root.plan if log.root.plan is not None else len(log.tests)
    ok = ktap.count_ok(log.tests)
    parts = [f"{ok}/{total} tests ok"]
    bad = log.failures()
    if bad:
        t = bad[0]
        why = ktap.why_failed(t)
        parts.append(f"first failure: {t.name}" + (f" ({why})" if why
                                                    else ""))
    elif log.root.missing:
        parts.append(f"{log.root.missing} test(s) never ran")
    elif log.root.plan is None:
        parts.append("no test plan")
    if code == EXIT_PASS:
        parts.append("though the kernel exited with the pass code")
    return "; ".join(parts)


def _where(log: ktap.KtapLog) -> str:
    """' in test 2 jit_fib > check' for the test that was running."""
    path = []
    tests = log.tests
    while tests and tests[-1].status == ktap.Status.INCOMPLETE:
        path.append(tests[-1].name or f"#{tests[-1].number}")
        tests = tests[-1].subtests
    if not path:
        return ""
    return f" in test {log.tests[-1].number} {' > '.join(path)}"


def _signame(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


# -- reporting --------------------------------------------------------------

def format_summary(r: RunResult) -> str:
    """Per-test table, then one line saying how the run ended."""
    lines = [ktap.summary(r.ktap) if r.ktap.has_ktap
             else "  (no KTAP output on the serial port)"]
    where = f"({r.accel}, {r.duration:.2f} s)"
    if r.outcome == Outcome.PASS:
        lines.append(f"PASS: {r.reason} {where}")
        return "\n".join(lines)
    lines.append(f"FAIL ({r.outcome.value}): {r.reason} {where}")
    lines.append(f"  serial log: {r.serial_log}")
    if r.outcome in (Outcome.START_FAILURE, Outcome.CRASH):
        lines.append(f"  command: {format_command(r.command)}")
        if r.stderr_tail:
            lines += ["  stderr: " + ln for ln in r.stderr_tail.split("\n")]
    return "\n".join(lines)


def exit_code_for(r: RunResult) -> int:
    return 0 if r.outcome == Outcome.PASS else 1
