"""One build of an image at a time, and a log directory per run.

Two `doit image` of one image at once used to trip over each other's
temporary files (a FileNotFoundError traceback), and two `doit qemu-test`
shared logs/<medium>/serial.log, so one reported a false failure.

- build_lock(): an flock on build/images/<name>/.build.lock, held while a
  doit process builds that image; a second one waits, saying who holds
  it (pid, command, since when), and goes on when it is released.  Images
  differ, locks differ: builds of different images run in parallel.  The
  lock is released before QEMU boots, so runs of one image may overlap.
- run_dir(): logs/<medium>/<time>-<pid>/ for one run, with
  logs/<medium>/latest pointing at the newest; the KEEP newest are kept.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import time
from pathlib import Path
from typing import IO

from .errors import JitbootError

KEEP = 10
LATEST = "latest"
# Locks this process or an ancestor holds: a doit a task runs (`doit fuzz`
# builds jitrun-asan, `doit bench` the bench image) builds under its
# parent's lock instead of waiting for it forever.
HELD_ENV = "JITBOOT_LOCKS_HELD"

_held: IO[str] | None = None


def _describe(holder: str) -> str:
    parts = holder.strip().split(" ", 2)
    if len(parts) == 3 and parts[0].isdigit():
        return f"pid {parts[0]} ({parts[2]}), since {parts[1]}"
    return "another process"


def build_lock(image_dir: Path, name: str, wait: bool = True) -> None:
    """Hold image_dir's build lock for this process (until release_build_lock
    or exit); wait for it when another process holds it."""
    global _held
    if _held is not None:
        return
    image_dir.mkdir(parents=True, exist_ok=True)
    path = image_dir / ".build.lock"
    held = os.environ.get(HELD_ENV, "").split(os.pathsep)
    if str(path.resolve()) in held:
        return
    try:
        f = open(path, "a+", encoding="utf-8")
    except OSError as e:
        raise JitbootError(f"{path}: cannot open the build lock ({e.strerror})") from None
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        who = _describe(f.read())
        if not wait:
            f.close()
            raise JitbootError(f"image {name!r} is being built by {who}") from None
        print(f"waiting for image {name!r}: it is being built by {who}", file=sys.stderr,
              flush=True)
        try:
            fcntl.flock(f, fcntl.LOCK_EX)
        except KeyboardInterrupt:
            f.close()
            raise JitbootError("interrupted while waiting for the build lock") from None
    f.seek(0)
    f.truncate()
    command = " ".join(["doit", *command_words(sys.argv[1:])])
    f.write(f"{os.getpid()} {time.strftime('%H:%M:%S')} {command}\n")
    f.flush()
    _held = f
    os.environ[HELD_ENV] = os.pathsep.join([p for p in held if p] + [str(path.resolve())])


def command_words(argv: list[str]) -> list[str]:
    """doit's tasks and variables, without its options (-f dodo.py -d DIR)."""
    words, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in ("-f", "--file", "-d", "--dir", "--db-file", "--backend", "-n", "--process"):
            skip = True
        elif not a.startswith("-"):
            words.append(a)
    return words


def release_build_lock() -> None:
    global _held
    if _held is not None:
        mine = str(Path(_held.name).resolve())
        fcntl.flock(_held, fcntl.LOCK_UN)
        _held.close()
        _held = None
        left = [p for p in os.environ.get(HELD_ENV, "").split(os.pathsep) if p and p != mine]
        if left:
            os.environ[HELD_ENV] = os.pathsep.join(left)
        else:
            os.environ.pop(HELD_ENV, None)


def run_dir(base: Path) -> Path:
    """A fresh directory for one run under base; base/latest points at it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        base.mkdir(parents=True, exist_ok=True)
        for n in range(100):
            d = base / (f"{stamp}-{os.getpid()}" + (f"-{n}" if n else ""))
            try:
                d.mkdir()
                break
            except FileExistsError:
                continue
        tmp = base / f".{LATEST}-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(d.name)
        os.replace(tmp, base / LATEST)
    except OSError as e:
        raise JitbootError(f"cannot make a log directory in {base}: {e.strerror}") from None
    _prune(base)
    return d


def _prune(base: Path) -> None:
    runs = sorted((p for p in base.iterdir()
                   if p.is_dir() and not p.is_symlink() and p.name[:8].isdigit()),
                  key=lambda p: (p.stat().st_mtime_ns, p.name))
    for old in runs[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
