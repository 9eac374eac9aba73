"""Live progress of `doit qemu-test` (jitboot/progress.py) against real
QEMU: each top-level result is printed while the guest still runs, as
plain lines into a pipe and under a spinner on a terminal; and the
incremental parser it reads with gives what parse_text gives."""

import os
import pty
import random
import re
import subprocess
import sys
from pathlib import Path

from jitboot import ROOT, ktap
from jitboot.progress import CLEAR, Progress, result_line

RECIPE = "tests/images/progress.toml"     # aot_fib, heap, then hang: timeout 4 s
DATA = Path(__file__).parent / "data" / "ktap"
RESULT = re.compile(r"^\[(\d+)/(\d+)\] (\S+) (ok|FAIL|skip|INCOMPLETE)\b")


def doit_command(*args):
    return [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "-d", str(ROOT),
            "qemu-test", f"image={RECIPE}", *args]


def qemu_children(pid):
    """QEMU processes whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(ln.split(":\t", 1) for ln in status.splitlines() if ":\t" in ln)
        if fields.get("Name", "").startswith("qemu-system") and fields.get("PPid") == str(pid):
            found.append(int(entry.name))
    return found


def test_results_are_printed_while_qemu_runs(image_builder):
    image_builder(RECIPE)
    proc = subprocess.Popen(doit_command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=ROOT)
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if RESULT.match(line):
                break
        # the first result is in while doit, and the QEMU it started, still run
        # (the third test never returns: QEMU goes on until the 4 s timeout)
        assert proc.poll() is None, "".join(seen)
        assert qemu_children(proc.pid), "".join(seen)
        rest = proc.stdout.read()
    finally:
        proc.wait(timeout=120)
    out = "".join(seen) + rest
    assert seen[-1].startswith("[1/3] aot_fib ok 6/6 (") and seen[-1].endswith(" s)\n"), out
    results = [ln for ln in out.splitlines() if RESULT.match(ln)]
    assert [RESULT.match(ln).group(3) for ln in results] == ["aot_fib", "heap"], out
    assert results[1].startswith("[2/3] heap ok 12/12 ("), out
    # the header comes first, the summary as before last
    assert out.index("== progress (kernel, TCG") < out.index("[1/3] aot_fib")
    assert out.index("[2/3] heap") < out.index("FAIL (hang): no exit within 4 s in test 3 hang")
    # into a pipe: plain lines, no spinner, no terminal escapes
    assert "\r" not in out and "\x1b" not in out, repr(out)
    assert proc.returncode != 0


def test_spinner_on_a_terminal(image_builder):
    image_builder(RECIPE)
    master, slave = pty.openpty()
    proc = subprocess.Popen(doit_command(), stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, cwd=ROOT)
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:         # EIO: every writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.wait(timeout=120)
    out = b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
    # the status line: spinner, the running test, the time since the boot began
    status = re.findall(r"[|/\-\\] \[3/3\] hang  (\d+\.\d) s", out)
    assert len(status) >= 2, repr(out)
    assert len(set(status)) >= 2, status        # the time moves on
    # results replace the status line (or follow one another), and it is
    # drawn again below them
    for result in (r"\[1/3\] aot_fib ok 6/6", r"\[2/3\] heap ok 12/12"):
        assert re.search(rf"(?:^|\r\x1b\[K){result} \(\d+\.\d\d s\)\n", out, re.M), repr(out)
    assert CLEAR + "[1/3] aot_fib ok" in out, repr(out)    # drawn from the start
    # and it is gone before the summary
    tail = out[out.rindex("[2/3] heap"):]
    assert tail.index(CLEAR + "    #  test") >= 0, repr(tail)
    assert "FAIL (hang): no exit within 4 s in test 3 hang" in out


# -- the pieces, on captured logs ------------------------------------------------

def captured_logs():
    logs = sorted(DATA.glob("*.log"))
    assert logs
    return logs


def test_stream_fed_line_by_line_is_parse_text():
    for path in captured_logs():
        data = path.read_bytes()
        s = ktap.Stream()
        lines, partial = ktap.split_lines(ktap.decode(data))
        for ln in lines[:-1] if partial else lines:
            s.feed(ln)
        log = s.finish(lines[-1] if partial else None)
        assert repr(log) == repr(ktap.parse_text(data)), path


class Sink:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_lines_do_not_depend_on_chunking():
    """However the bytes come (one at a time, split UTF-8), the lines are
    those of the finished parse, each once."""
    rnd = random.Random(7)
    for path in captured_logs():
        data = path.read_bytes()
        log = ktap.parse_text(data)
        done = log.tests
        for cut in ([1] * len(data), None):
            out = Sink()
            live = Progress(out=out, tty=False)
            i = 0
            while i < len(data):
                n = cut[i] if cut else rnd.randint(1, 40)
                live(data[i:i + n])
                i += n
            live.close()
            printed = out.text.splitlines()
            total = log.root.plan
            expect = [result_line(t, total) for t in done[:len(printed)]]
            assert printed == expect, path
            # every test but a last one left open is printed
            open_last = live.stream.running() is not None
            assert len(printed) == len(done) - open_last, (path, printed)


def test_result_line_words():
    log = ktap.parse_text(
        "KTAP version 1\n1..3\n"
        "    KTAP version 1\n    # Subtest: jit_fib\n    1..2\n    ok 1 a\n    ok 2 b\n"
        "    # duration_ms: 212.5\nok 1 jit_fib\n"
        "    KTAP version 1\n    # Subtest: heap\n    1..2\n    ok 1 a\n"
        "    not ok 2 free list # got 2\nnot ok 2 heap\n"
        "ok 3 vm # SKIP no paging\n")
    a, b, c = log.tests
    assert result_line(a, 3) == "[1/3] jit_fib ok 2/2 (0.21 s)"
    assert result_line(b, 3) == "[2/3] heap FAIL 1/2: free list: got 2"
    assert result_line(c, None) == "[3/?] vm skip: no paging"
