"""Live progress of a boot: each top-level KTAP result as it arrives.

    with Progress() as live:
        result = qemu.run_image(..., on_serial=live)

prints, while the guest runs,

    [1/6] aot_fib ok 3/3 (0.01 s)
    [2/6] heap FAIL 3/4 (0.05 s): free list: got 2
    [3/6] jit_fib ok 9/9 (0.21 s)

one line per top-level test once its result line is in: its number of
the plan's total ("?" before a plan), its name, its status and checks as
the summary table words them, the kernel's own time for it (the block's
`# duration_ms:`), and why it failed.  On a terminal a status line under
them turns a spinner and shows the test that is running and the time
since the boot began; anywhere else (a pipe, CI, a file) only the result
lines are written, each flushed at once.  The summary after the run is
the runner's, from serial.log, as without progress.

The serial stream is split into lines and fed to ktap.Stream, the same
parser parse_text() runs over the whole log, so a line reads the same
live and afterwards.
"""

from __future__ import annotations

import codecs
import sys
import threading
import time
from typing import TextIO

from . import ktap, protocol

SPINNER = "|/-\\"
TICK = 0.1                  # seconds between two turns of the spinner
CLEAR = "\r\x1b[K"          # back to column 0, erase the line


def result_line(t: ktap.TestResult, total: int | None) -> str:
    """'[3/6] jit_fib ok 9/9 (0.21 s)' for a top-level test whose result is in."""
    status = ktap.shown_status(t)
    words = [f"[{t.number}/{total if total is not None else '?'}]", t.name or "(unnamed)",
             ktap.STATUS_WORD[status], ktap.checks(t)]
    line = " ".join(w for w in words if w)
    if t.duration is not None:
        line += f" ({t.duration:.2f} s)"
    why = ktap.why_failed(t) if status != ktap.Status.OK else ""
    if status == ktap.Status.SKIPPED:
        why = why[len(protocol.KTAP_SKIP):].strip() if why.upper().startswith(
            protocol.KTAP_SKIP) else why
    return f"{line}: {why}" if why else line


class Progress:
    """A serial sink (call it with each chunk of bytes) that prints results
    as they complete, each after label.  tty=None asks the output stream."""

    def __init__(self, out: TextIO | None = None, tty: bool | None = None,
                 label: str = "") -> None:
        self.out = out or sys.stdout
        self.label = label
        self.tty = _isatty(self.out) if tty is None else tty
        self.stream = ktap.Stream()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""          # the line the guest is still writing
        self._shown = 0             # top-level tests printed so far
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._spinner: threading.Thread | None = None
        self._turn = 0
        self._status = False        # a status line is on screen
        self.started = time.monotonic()

    def __enter__(self) -> Progress:
        self.started = time.monotonic()
        if self.tty:
            with self._lock:
                self._draw_status()
                self.out.flush()
            self._spinner = threading.Thread(target=self._spin, name="jitboot-progress",
                                             daemon=True)
            self._spinner.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the spinner and take its line off the screen."""
        self._stop.set()
        if self._spinner:
            self._spinner.join()
            self._spinner = None
        with self._lock:
            self._clear_status()
            self.out.flush()

    def __call__(self, data: bytes) -> None:
        text = self._partial + self._decoder.decode(data)
        *lines, self._partial = text.split("\n")
        for raw in lines:
            self.stream.feed(raw.rstrip("\r"))
        done = self._completed()
        if not done:
            return
        total = self.stream.log.root.plan
        with self._lock:
            self._clear_status()
            for t in done:
                self.out.write(self.label + result_line(t, total) + "\n")
            self._draw_status()
            self.out.flush()

    def _completed(self) -> list[ktap.TestResult]:
        """Top-level tests whose results came in since the last call: all
        but the one still open (the last, if any)."""
        tests = self.stream.log.tests
        running = self.stream.running()
        done = []
        while self._shown < len(tests) and tests[self._shown] is not running:
            done.append(tests[self._shown])
            self._shown += 1
        return done

    # -- the status line (terminals only) ----------------------------------

    def status_text(self) -> str:
        """'/ [4/6] heap  3.2 s': spinner, running test, time since boot."""
        log = self.stream.log
        total = log.root.plan if log.root.plan is not None else "?"
        running = self.stream.running()
        if running is not None:
            what = f"[{running.number}/{total}] {running.name or '...'}"
        elif log.has_ktap:
            what = f"{self._shown}/{total} done"
        else:
            what = "booting"
        spin = SPINNER[self._turn % len(SPINNER)]
        return f"{spin} {self.label}{what}  {time.monotonic() - self.started:.1f} s"

    def _spin(self) -> None:
        while not self._stop.wait(TICK):
            with self._lock:
                self._turn += 1
                self._clear_status()
                self._draw_status()
                self.out.flush()

    def _draw_status(self) -> None:
        if self.tty and not self._stop.is_set():
            self.out.write(self.status_text())
            self._status = True

    def _clear_status(self) -> None:
        if self._status:
            self.out.write(CLEAR)
            self._status = False


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
