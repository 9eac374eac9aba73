"""`doit qemu-test` over many images: image=default,demo,... or image=all.

Each image is one doit sub-task (qemu-test:NAME), so `doit -n N` runs N
at once with doit's own parallelism.  A sub-task runs the single-image
`doit qemu-test image=PATH` as a child process, which builds under that
image's own build lock and dependency file and keeps its logs where a
single run keeps them (build/images/NAME/logs/<medium>/...).  Its console
output is echoed live, each line after the image's name, and kept whole
in this invocation's run directory (build/runs/images/<time>-<pid>/
NAME.out); each boot of the child also appends one JSON line to
NAME.boots.jsonl there (record(), called by the runner).  The last
sub-task, qemu-test:summary, waits for the others and prints one table
of every image and medium, then fails, so that doit exits non-zero,
when any of them did.  An image sub-task itself never fails: a failure
there would stop doit from running the summary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from . import ktap, toolchain
from .errors import JitbootError
from .recipe import Recipe, load_recipe

ALL = "all"                         # image=all: every recipe in images/
RECORD_ENV = "JITBOOT_BOOT_RECORD"  # where a child's runner appends its boots
SUMMARY = "summary"                 # the sub-task that prints the table


def is_many(spec: str) -> bool:
    """Whether an image= value names more than one image (or all)."""
    return "," in spec or spec.strip() == ALL


def recipes(spec: str, root: Path) -> list[Recipe]:
    """The recipes of image=A,B,... in order, 'all' for every images/*.toml.
    Raises JitbootError naming the bad entry."""
    words = [w.strip() for w in spec.split(",")]
    if "" in words:
        raise JitbootError(f"image={spec}: an empty name between commas")
    names: list[str] = []
    for w in words:
        if w == ALL:
            names += sorted(str(p) for p in (root / "images").glob("*.toml"))
        else:
            names.append(w)
    out: list[Recipe] = []
    seen: dict[str, Path] = {}
    for n in names:
        r = load_recipe(n, root)
        if r.name in seen:
            if seen[r.name] == r.path:
                continue        # all,default: default once
            raise JitbootError(f"image={spec}: two recipes named {r.name!r} "
                               f"({toolchain.rel(seen[r.name], root)} and "
                               f"{toolchain.rel(r.path, root)}) would share build/images/{r.name}")
        if r.name == SUMMARY:
            raise JitbootError(f"image={spec}: a recipe named {SUMMARY!r} cannot run among"
                               f" others (qemu-test:{SUMMARY} is the combined summary)")
        seen[r.name] = r.path
        out.append(r)
    if not out:
        raise JitbootError(f"image={spec}: no recipes in {toolchain.rel(root / 'images', root)}")
    return out


# -- the child's side: one line per boot ---------------------------------------

def record(image: str, medium: str, result: Any) -> None:
    """Append one boot to $JITBOOT_BOOT_RECORD (a multi-image run set it)."""
    path = os.environ.get(RECORD_ENV)
    if not path:
        return
    log = result.ktap
    total = log.root.plan if log.root.plan is not None else len(log.tests)
    line = {"image": image, "medium": medium, "outcome": result.outcome.value,
            "reason": result.reason, "ok": ktap.count_ok(log.tests), "total": total,
            "accel": result.accel, "duration": round(result.duration, 3),
            "log_dir": str(result.serial_log.parent)}
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
    except OSError as e:
        raise JitbootError(f"cannot write {path}: {e.strerror}") from None


# -- the parent's side -------------------------------------------------------

@dataclass
class ImageRun:
    """How one image's child `doit qemu-test` went."""
    name: str
    returncode: int
    boots: list[dict[str, Any]]
    error: str              # its last "error:" line, if any
    transcript: Path


def child_command(dodo: Path, recipe: Recipe, variables: dict[str, str]) -> list[str]:
    """The single-image `doit qemu-test` for recipe, with the other
    command-line variables of this invocation."""
    words = [f"{k}={v}" for k, v in variables.items() if k != "image"]
    return [sys.executable, "-m", "doit", "-f", str(dodo), "-d", os.getcwd(),
            "qemu-test", f"image={recipe.path}", *words]


def run_child(recipe: Recipe, command: Sequence[str], run_dir: Path, width: int) -> None:
    """Run one image's child, echo its output live, keep the transcript
    and a result file for the summary."""
    name = recipe.name
    transcript = run_dir / f"{name}.out"
    boots = run_dir / f"{name}.boots.jsonl"
    env = dict(os.environ, **{RECORD_ENV: str(boots)})
    error = ""
    try:
        boots.unlink(missing_ok=True)
        with open(transcript, "w", encoding="utf-8") as out:
            proc = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, text=True,
                                    errors="replace", bufsize=1)
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    out.write(line)
                    line = line.rstrip("\n")
                    if line.startswith("error: "):
                        error = line[len("error: "):]
                    if not line.startswith("-- "):      # doit's up-to-date tasks
                        print(f"{name:<{width}} | {line}", flush=True)
                code = proc.wait()
            except BaseException:
                _stop(proc)
                raise
    except OSError as e:
        raise JitbootError(f"image {name!r}: cannot run its qemu-test ({e.strerror})") from None
    result = {"name": name, "returncode": code, "error": error, "transcript": str(transcript)}
    (run_dir / f"{name}.result.json").write_text(json.dumps(result) + "\n", encoding="utf-8")


def _stop(proc: subprocess.Popen) -> None:
    """Interrupted: the child got the terminal's Ctrl-C too and stops its
    QEMU; give it the time, then make sure."""
    try:
        proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        proc.kill()
        proc.wait()


def load_runs(names: Sequence[str], run_dir: Path) -> list[ImageRun]:
    runs = []
    for name in names:
        path = run_dir / f"{name}.result.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            runs.append(ImageRun(name, -1, [], "did not run", run_dir / f"{name}.out"))
            continue
        boots = []
        try:
            text = (run_dir / f"{name}.boots.jsonl").read_text(encoding="utf-8")
            boots = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
        except (OSError, ValueError):
            pass
        runs.append(ImageRun(name, data["returncode"], boots, data["error"],
                             Path(data["transcript"])))
    return runs


def failed(run: ImageRun) -> bool:
    return run.returncode != 0 or not run.boots or \
        any(b["outcome"] != "pass" for b in run.boots)


def summary(runs: Sequence[ImageRun], run_dir: Path, root: Path) -> str:
    """One row per boot (image and medium), a row for an image that never
    booted, and the verdict."""
    rows = [("image", "medium", "result", "tests", "time", "logs / why")]
    for r in runs:
        for b in r.boots:
            rows.append((r.name, b["medium"], b["outcome"], f"{b['ok']}/{b['total']}",
                         f"{b['duration']:.2f} s", toolchain.rel(Path(b["log_dir"]), root)))
        if not r.boots:
            rows.append((r.name, "-", "no boot", "-", "-", r.error or
                         f"exit status {r.returncode}, see {toolchain.rel(r.transcript, root)}"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"== qemu-test: {len(runs)} image{'s' if len(runs) != 1 else ''} =="]
    lines += ["  " + "  ".join(f"{c:<{w}}" for c, w in zip(row, widths)) + "  " + row[5]
              for row in rows]
    bad = [r for r in runs if failed(r)]
    boots = sum(len(r.boots) for r in runs)
    if bad:
        lines.append(f"FAIL: {len(bad)} of {len(runs)} images failed: "
                     + ", ".join(r.name for r in bad))
    else:
        lines.append(f"PASS: {len(runs)} images, {boots} boots")
    lines.append(f"  console output of each image: {toolchain.rel(run_dir, root)}/NAME.out")
    return "\n".join(lines)


def report(names: Sequence[str], run_dir: Path, root: Path) -> None:
    """The qemu-test:summary action."""
    runs = load_runs(names, run_dir)
    text = summary(runs, run_dir, root)
    print(text, flush=True)
    try:
        (run_dir / "summary.txt").write_text(text + "\n", encoding="utf-8")
    except OSError:
        pass
    bad = [r for r in runs if failed(r)]
    if bad:
        why = "; ".join(f"{r.name}: {_why(r)}" for r in bad)
        raise JitbootError(f"{len(bad)} of {len(runs)} images failed in QEMU: {why}")


def _why(r: ImageRun) -> str:
    for b in r.boots:
        if b["outcome"] != "pass":
            return f"{b['medium']}: {b['outcome']}: {b['reason']}"
    return r.error or f"exit status {r.returncode}"
