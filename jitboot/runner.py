"""The doit-facing runs: qemu-test, qemu-debug and run (payloads).

Each boots a built image through jitboot.qemu.run_image (the one QEMU
runner), prints each result as it arrives (jitboot.progress), then the
KTAP summary, keeps logs, JUnit XML, results.json under
build/images/<name>/logs/<medium>/<time>-<pid>/ (latest/ is the newest),
with each payload's output beside them byte for byte (NAME.out), and
turns anything but a pass into a JitbootError with a one-line reason.

qemu-test may boot a medium more than once (run_tests): after a boot
that ended inside a test (a panic, a triple fault, a hang or a test past
its test_timeout) it boots again with the tests that never started, so a
crash costs one test; boot_per_test boots once per test; retries runs
failed tests again.  The boots' results merge into one report, and the
second boot's logs go to boot-2/ beside the first's, and so on.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from . import ktap, multirun, progress, protocol, qemu, results, selection
from .build import Image
from .recipe import MAX_RETRIES, Recipe, check_payloads
from .errors import JitbootError
from .junit import write_junit
from .ktap import Status, TestResult

# After output that does not end with a newline (diff's convention).
NO_NEWLINE = "\\ no newline at end of output"


def boot(image: Image, medium: str, modules: Sequence[Path] = (), tag: str | None = None,
         accel: str | None = None, data: Sequence[Path | str] | None = None,
         args: Sequence[str] | None = None) -> qemu.RunResult:
    """Boot one medium ('kernel' or 'iso') of a built image and report it;
    data files and arguments (default: the recipe's) go with the payloads."""
    from . import locks
    tag = tag or medium
    locks.release_build_lock()      # built: other builds of the image may go on
    log_dir = locks.run_dir(image.log_dir / tag)
    header(image, medium, accel)
    result = boot_once(image, medium, log_dir, modules=modules, accel=accel, data=data,
                       payload_args=args)
    report(image, medium, tag, log_dir, result)
    return result


def header(image: Image, medium: str, accel: str | None = None) -> None:
    """'== default (kernel, TCG: why not KVM) ==', before the boots' progress."""
    wanted = accel or image.recipe.accel
    used = qemu.pick_accel(wanted) if image.recipe.arch == "x86_64" else "tcg"
    note = ""
    if used == "tcg" and wanted != "tcg":
        note = f": {qemu.kvm_problem() or 'KVM not usable'}"
    print(f"== {image.name} ({medium}, {used.upper()}{note}) ==", flush=True)


def boot_once(image: Image, medium: str, log_dir: Path, modules: Sequence[Path] = (),
              accel: str | None = None, args: str = "",
              watch: Callable[[Path], Callable[[], str | None]] | None = None,
              data: Sequence[Path | str] | None = None,
              payload_args: Sequence[str] | None = None,
              label: str = "") -> qemu.RunResult:
    """One boot, logs in log_dir, each result printed as it arrives
    (after label: "boot 2: "); args: the boot arguments
    (jitboot.selection.boot_args); data files and the payloads'
    arguments: the recipe's unless given."""
    from .payloads import data_modules
    recipe = image.recipe
    if medium == "kernel":
        mods: list[Any] = list(modules) or [p.path for p in recipe.payloads]
        mods += data_modules([Path(d) for d in (recipe.data if data is None else data)],
                             list(recipe.args if payload_args is None else payload_args),
                             log_dir / "args")
        kwargs: dict[str, Any] = {"kernel": image.boot_kernel, "modules": mods,
                                  "arch": recipe.arch}
    elif medium == "iso":
        kwargs = {"iso": image.iso}
    else:
        raise JitbootError(f"unknown boot medium {medium!r}")
    with progress.Progress(label=label) as live:
        result = qemu.run_image(memory=recipe.memory, accel=accel or recipe.accel,
                                timeout=recipe.timeout, log_dir=log_dir,
                                extra_args=selection.qemu_args(args) if args else (),
                                watch=watch, on_serial=live, **kwargs)
    if result.outcome == qemu.Outcome.PANIC:
        # the kernel prints a raw RIP; the ELF knows what it is
        from .symbolize import panic_location
        at = panic_location(image.elf, result.ktap.panic)
        if at:
            result = dataclasses.replace(result, reason=f"{result.reason} [rip is {at}]")
    return result


def report(image: Image, medium: str, tag: str, log_dir: Path, result: qemu.RunResult,
           notes: Sequence[str] = (),
           flaky: dict[str, TestResult] | None = None, attempts: int = 1,
           test_attempts: dict[str, int] | None = None) -> None:
    """Print the summary, write junit.xml, results.json and each payload's
    NAME.out (attempts: the boots the run took; test_attempts: how often
    each test ran)."""
    print(qemu.format_summary(result), flush=True)
    for line in notes:
        print(f"  {line}", flush=True)
    multirun.record(image.name, tag, result)
    path = log_dir / "junit.xml"
    try:
        write_junit(path, result, f"{image.name}.{tag}", flaky=flaky)
        path = log_dir / results.FILE_NAME
        results.record(path, result, image.name, tag, attempts, test_attempts, set(flaky or ()))
        for module, test in protocol.payload_results(result.ktap.tests).items():
            path = output_path(log_dir, module)
            path.write_bytes(test.output().data)
    except OSError as e:
        raise JitbootError(f"{medium}: {result.outcome.value}: {result.reason};"
                           f" and cannot write {path}: {e.strerror}") from None


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


# -- qemu-test: selection, re-boots, retries -------------------------------

@dataclass(frozen=True)
class RunOptions:
    """How `doit qemu-test` runs an image's tests: the recipe's [run]
    keys, overridden from the command line (options())."""
    tests: tuple[str, ...] | None = None    # globs; None: every test
    retries: int = 0
    boot_per_test: bool = False
    test_timeout: float | None = None       # seconds; None: the boot timeout alone


def options(recipe: Recipe, tests: str | None = None, retries: str | None = None,
            boot_per_test: str | None = None, test_timeout: str | None = None) -> RunOptions:
    """RunOptions from the doit variables (strings, None where not given);
    a glob that selects nothing is an error here, before anything boots."""
    patterns = None
    if tests is not None:
        patterns = tuple(selection.split_patterns(tests))
        if not patterns:
            raise JitbootError("tests=: give test names or globs, e.g. tests='jit_*,heap'")
        selection.resolve(patterns, selection.selectable(recipe))
    return RunOptions(
        tests=patterns,
        retries=recipe.retries if retries is None else
        selection.parse_count(retries, "retries", MAX_RETRIES),
        boot_per_test=recipe.boot_per_test if boot_per_test is None else
        selection.parse_bool(boot_per_test, "boot_per_test"),
        test_timeout=recipe.test_timeout if test_timeout is None else
        selection.parse_seconds(test_timeout, "test_timeout"))


# Boots that ended inside a test: the tests after it may still run.
CRASHES = (qemu.Outcome.PANIC, qemu.Outcome.TRIPLE_FAULT, qemu.Outcome.HANG)


@dataclass
class Attempt:
    test: TestResult
    boot: int                   # 1: the medium's first boot
    crashed: str = ""           # how the boot ended inside the test, or ""

    @property
    def ok(self) -> bool:
        return ktap.tree_ok(self.test)


@dataclass
class Session:
    """Every boot of one medium and what each test did in them."""
    planned: list[str]
    boots: list[qemu.RunResult] = field(default_factory=list)
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def flaky(self) -> dict[str, TestResult]:
        """Tests that passed on a retry: {name: the first failed attempt}."""
        return {n: a[0].test for n, a in self.attempts.items() if len(a) > 1 and a[-1].ok}


class TestClock:
    """The per-test timeout, for qemu.run_image's watch: reads the serial
    log as QEMU writes it and says when the top-level test now running
    (its "# Subtest:" line seen, its result line not yet) has run past
    limit seconds of wall time."""

    _START = re.compile(rf"^{' ' * protocol.KTAP_INDENT}{re.escape(protocol.KTAP_SUBTEST)}(.*)$")
    _RESULT = re.compile(rf"^(?:{protocol.KTAP_OK}|{protocol.KTAP_NOT_OK}) \d+")

    def __init__(self, serial_log: Path, limit: float) -> None:
        self.path, self.limit = serial_log, limit
        self.offset, self.partial = 0, b""
        self.test: str | None = None
        self.since = 0.0

    def __call__(self) -> str | None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            data = b""
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        for raw in lines:
            line = ktap.decode(raw).rstrip("\r")
            m = self._START.match(line)
            if m:
                self.test, self.since = m.group(1).strip(), time.monotonic()
            elif self._RESULT.match(line):
                self.test = None
        if self.test is not None and time.monotonic() - self.since > self.limit:
            return f"test {self.test} timed out: still running after test_timeout ({self.limit:g} s)"
        return None


def _renumbered(t: TestResult, number: int) -> TestResult:
    """t as test `number` of the merged report; its program output frames
    ("# out N: ...") follow it."""
    old, new = f"{protocol.OUTPUT_FRAME} {t.number}:", f"{protocol.OUTPUT_FRAME} {number}:"
    diags = [new + d[len(old):] if d.startswith(old) else d for d in t.diagnostics]
    return dataclasses.replace(t, number=number, diagnostics=diags)


def merge(session: Session) -> qemu.RunResult:
    """One RunResult for all the boots: each test's last attempt, in
    the order planned, and how the whole ended."""
    boots = session.boots
    first, last = boots[0], boots[-1]
    ran = [n for n in session.planned if n in session.attempts]
    root = TestResult(name="", status=Status.OK, plan=len(session.planned),
                      subtests=[_renumbered(session.attempts[n][-1].test, i)
                                for i, n in enumerate(ran, 1)])
    errors = [e if len(boots) == 1 else f"boot {i}: {e}"
              for i, b in enumerate(boots, 1) for e in b.ktap.errors]
    log = ktap.KtapLog(root=root, errors=errors, panic=next((b.ktap.panic for b in boots
                                                             if b.ktap.panic), None),
                       preamble=first.ktap.preamble,
                       has_ktap=any(b.ktap.has_ktap for b in boots))
    if len(boots) == 1 and len(ran) == len(first.ktap.tests) and \
            session.planned == [t.name for t in first.ktap.tests]:
        return first        # the common case: one boot, nothing merged
    root.status = Status.OK if log.ok() else Status.NOT_OK
    crashed = [a for n in ran for a in session.attempts[n][-1:] if a.crashed]
    if log.ok():
        flaky = len(session.flaky())
        outcome, reason = qemu.Outcome.PASS, f"{ktap.count_ok(root.subtests)}/{len(ran)} tests ok" \
            + (f", {flaky} of them flaky (passed on a retry)" if flaky else "")
    elif crashed:
        b = boots[crashed[0].boot - 1]
        outcome, reason = b.outcome, b.reason
        if len(boots) > 1:
            reason = f"{ktap.count_ok(root.subtests)}/{len(session.planned)} tests ok" \
                f" in {len(boots)} boots; first crash: {b.reason}"
    elif last.outcome not in (qemu.Outcome.PASS, qemu.Outcome.TEST_FAILURE):
        outcome, reason = last.outcome, last.reason
    else:
        outcome, reason = qemu.Outcome.TEST_FAILURE, qemu._failure_reason(log, None)
    return dataclasses.replace(
        last, outcome=outcome, reason=reason, ktap=log, serial_log=first.serial_log,
        duration=sum(b.duration for b in boots), accel=first.accel,
        events=[e for b in boots for e in b.events])


def run_tests(image: Image, medium: str, log_dir: Path, opts: RunOptions,
              accel: str | None = None) -> Session:
    """Boot a medium until every selected test has run (or cannot), then
    retry the failed ones; the boots' logs go to log_dir and
    log_dir/boot-N/."""
    names = selection.selectable(image.recipe)
    planned = selection.resolve(opts.tests, names) if opts.tests else names
    s = Session(planned=planned)
    watch = None
    if opts.test_timeout and opts.test_timeout < image.recipe.timeout:
        limit = opts.test_timeout
        watch = lambda serial_log: TestClock(serial_log, limit)     # noqa: E731

    def run(tests: list[str], asked: Sequence[str] | None) -> None:
        pending = list(tests)
        while pending:
            batch = pending[:1] if opts.boot_per_test else pending
            n = len(s.boots) + 1
            # the first boot gets the globs as given (none: every test)
            globs = asked if n == 1 and not opts.boot_per_test else batch
            r = boot_once(image, medium, log_dir if n == 1 else log_dir / f"boot-{n}",
                          accel=accel, args=selection.boot_args(globs, n), watch=watch,
                          label=f"boot {n}: " if n > 1 else "")
            s.boots.append(r)
            seen = {t.name: t for t in r.ktap.tests}
            started = [t for t in batch if t in seen]
            for t in started:
                done = seen[t].status != Status.INCOMPLETE
                if not done and r.outcome == qemu.Outcome.HANG:
                    seen[t].reason = r.reason       # the log just ends: say why
                s.attempts.setdefault(t, []).append(
                    Attempt(seen[t], n, "" if done else f"{r.outcome.value}: {r.reason}"))
            pending = [t for t in pending if t not in seen]
            if not pending:
                return
            if not started or (not opts.boot_per_test and r.outcome not in CRASHES):
                s.notes.append(f"{len(pending)} test(s) never started: boot {n} ended"
                               f" ({r.outcome.value}: {r.reason}) before {pending[0]}")
                return
            if not opts.boot_per_test:
                crashed = next((f"in {t}" for t in started
                                if seen[t].status == Status.INCOMPLETE), "between tests")
                s.notes.append(f"re-booted after {r.outcome.value} {crashed} (boot {n}):"
                               f" {len(pending)} test(s) that had not started ran in boot {n + 1}"
                               f" ({log_dir / f'boot-{n + 1}'})")

    run(planned, opts.tests)
    for attempt in range(1, opts.retries + 1):
        failed = [t for t in planned if t in s.attempts and not s.attempts[t][-1].ok]
        if not failed:
            break
        s.notes.append(f"retry {attempt} of {opts.retries}: {', '.join(failed)}"
                       f" (boot {len(s.boots) + 1})")
        run(failed, failed)
    if opts.boot_per_test:
        s.notes.append(f"booted once per test: {len(s.boots)} boots (boot N's logs in"
                       f" {log_dir / 'boot-N'})")
    for name, first in s.flaky().items():
        why = ktap.why_failed(first) or first.status.value
        s.notes.append(f"flaky: {name} passed on attempt {len(s.attempts[name])}"
                       f" (attempt 1: {why})")
    return s


def qemu_test(image: Image, opts: RunOptions | None = None) -> None:
    """Boot every medium the recipe lists; fail unless all of them pass."""
    from . import locks
    opts = opts or options(image.recipe)
    failures = []
    locks.release_build_lock()      # built: other builds of the image may go on
    for medium in image.recipe.boot:
        log_dir = locks.run_dir(image.log_dir / medium)
        header(image, medium)
        session = run_tests(image, medium, log_dir, opts)
        result = merge(session)
        report(image, medium, medium, log_dir, result, notes=session.notes,
               flaky=session.flaky(), attempts=len(session.boots),
               test_attempts={n: len(a) for n, a in session.attempts.items()})
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
    """The gdb command line that loads the kernel's symbols and attaches.

    Breakpoints may be pending: a payload's functions exist only once the
    kernel has compiled it, and gdb learns of them then (jit/gdbjit.c).
    An aarch64 kernel needs gdb-multiarch (Debian's gdb debugs x86 only)."""
    from . import arch
    gdb = arch.get(image.recipe.arch).gdb
    return (f"{gdb} {shlex.quote(str(image.elf))} -ex 'target remote :{port}' "
            "-ex 'set breakpoint pending on' -ex 'hbreak kmain' -ex continue")


def qemu_debug(image: Image, port: int = 1234) -> None:
    """Start QEMU halted with a gdb stub and print how to attach."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as e:
            raise JitbootError(f"gdb_port={port}: 127.0.0.1:{port} is not free ({e.strerror}; "
                               f"another QEMU's gdb stub?): give another with gdb_port=N") from None
    from . import arch
    target = arch.get(image.recipe.arch)
    arch.require(target, target.gdb)     # say which package before QEMU halts for nothing
    # TCG: gdb's hardware breakpoints and single-stepping are exact there
    cmd = qemu.qemu_command(kernel=image.boot_kernel,
                            modules=[p.path for p in image.recipe.payloads],
                            memory=image.recipe.memory, accel="tcg", serial="stdio",
                            arch=image.recipe.arch,
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
