"""Small pieces that make doit speak like a jitboot command.

- action(): wraps a function so a JitbootError becomes a doit TaskFailed with
  the error's one-line message (no traceback);
- Reporter: doit's console reporter, printing a failure as
  "error: <message>" instead of a banner and exception dump.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

from doit.exceptions import TaskFailed
from doit.reporter import ConsoleReporter

from .errors import JitbootError


class _Action:
    """A doit python-action calling fn(*args, **kwargs).

    A class rather than a closure so that `doit -n N` can pickle tasks
    created at execution time (ours are: compile and link wait for QBE's
    sources) and send them to worker processes.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __call__(self) -> dict[str, Any] | TaskFailed | None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except JitbootError as e:
            return TaskFailed(str(e))
        except KeyboardInterrupt:
            return TaskFailed("interrupted")
        return result if isinstance(result, (dict, TaskFailed)) else None


def action(fn: Callable[..., Any], *args: Any,
           **kwargs: Any) -> tuple[_Action, list[Any], dict[str, Any]]:
    """A doit python-action calling fn(*args, **kwargs)."""
    return (_Action(fn, args, kwargs), [], {})


class Reporter(ConsoleReporter):
    """Console output with one clean line per failed task."""

    def _write_failure(self, result: dict[str, Any], write_exception: bool = True) -> None:
        exc = result["exception"]
        task = result["task"]
        if isinstance(exc, TaskFailed) and not exc.traceback:
            self.write(f"error: {exc.message}\n" if exc.message.strip()
                       else f"error: task {task.name} failed\n")
            return
        super()._write_failure(result, write_exception)

    def skip_uptodate(self, task: Any) -> None:
        # One line per up-to-date compile would bury what did happen.
        if not task.name.startswith(("compile:", "obj:")):
            super().skip_uptodate(task)

    def complete_run(self) -> None:
        # Each failure was already printed as one line when it happened.
        if self.runtime_errors:
            self.write("error: " + "\n".join(self.runtime_errors) + "\n")


def depfile_unchanged(depfile: str | Path, root: Path) -> Callable[[Any, dict[str, Any]], bool]:
    """doit uptodate check: the headers a gcc -MMD file lists are unchanged.

    Headers are not file_deps because the list is only known after the first
    compile, and doit counts a changed file_dep list as a change: the first
    no-op rebuild would recompile everything.  Instead this hashes the
    listed files and compares with the hash saved after the last compile.
    """
    from .toolchain import parse_depfile

    def digest() -> str | None:
        deps = parse_depfile(Path(depfile), root)
        if not deps:
            return None
        h = hashlib.sha256()
        for path in sorted(set(deps)):
            h.update(str(path).encode() + b"\0")
            try:
                h.update(hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                h.update(b"missing")
        return h.hexdigest()

    def check(task: Any, values: dict[str, Any]) -> bool:
        task.value_savers.append(lambda: {"headers": digest()})
        saved = values.get("headers")
        return saved is not None and saved == digest()
    return check


def _digest_files(paths: list[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.encode() + b"\0")
        try:
            with open(p, "rb") as f:
                h.update(hashlib.file_digest(f, "sha256").digest())
        except OSError:
            h.update(b"missing")
    return h.hexdigest()


def targets_intact(task: Any, values: dict[str, Any]) -> bool:
    """doit uptodate check: the task's targets still hold what it wrote.

    doit only checks that a target exists: a truncated kernel.elf32 was
    taken as up to date and an ISO was built from it.  The targets' hash
    is saved after each run and compared before the next."""
    task.value_savers.append(lambda: {"targets": _digest_files(list(task.targets))})
    saved = values.get("targets")
    return saved is not None and saved == _digest_files(list(task.targets))
