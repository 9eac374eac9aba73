"""The host twin: the JIT built as Linux programs for fast tests.

build/host/jitrun    our JIT (QBE on the shim, assembler, loader) in-process:
                     `jitrun FILE.ssa [args...]` runs FILE's main
build/host/qbe       stock QBE from build/qbe-src, the reference/oracle
build/host/asmdump   our assembler alone, for the GNU as oracle

The same jit/ sources as the kernel, compiled with the host gcc; only the
platform hooks (jit/host/platform_host.c) differ. Objects go under
build/host/obj/ and are rebuilt when a source, a header it includes or the
command changes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from jitboot import ROOT, qbe, render
from jitboot.errors import JitbootError

HOST_CFLAGS = ["-std=gnu11", "-O2", "-g", "-fno-pie", "-fno-omit-frame-pointer",
               "-Wall", "-Wextra", "-Wno-unused-parameter"]
# jit/ sources that only make sense inside the kernel
KERNEL_ONLY = {"platform_kernel.c", "ktest_jit.c", "ktest_bench.c", "opt_image.c"}
# Libraries behind jit/exports.txt on the host: libm for sqrt (the kernel's
# is kernel_lib/libm.c).  The exports are weak references, which alone
# would not pull in a library linked --as-needed.
EXPORT_LIBS = ["-Wl,--no-as-needed", "-lm"]
# QBE's own build: C99, its warnings are not ours to fix.
QBE_CFLAGS = ["-std=c99", "-O2", "-g", "-fno-pie", "-w"]


def build_all(root: Path = ROOT, build_dir: Path | None = None,
              override: str | None = None) -> dict[str, Path]:
    """Build jitrun, qbe and asmdump under build_dir/host; return their paths."""
    build_dir = Path(build_dir) if build_dir else root / "build"
    qbe_dir = qbe.ensure_qbe_source(build_dir, override)
    out = build_dir / "host"
    return {
        "qbe": build_qbe(qbe_dir, out),
        "jitrun": build_jitrun(qbe_dir, out, root),
        "asmdump": build_asmdump(out, root),
    }


def build_qbe(qbe_dir: Path, out: Path) -> Path:
    """Stock qbe (all targets, its own main.c) with the host libc."""
    srcs = qbe.host_qbe_sources(qbe_dir)
    objs = [_compile(s, out / "obj" / "qbe" / _objname(s, qbe_dir), QBE_CFLAGS + [f"-I{qbe_dir}"])
            for s in srcs]
    return _link(objs, out / "qbe")


def build_jitrun(qbe_dir: Path, out: Path, root: Path = ROOT,
                 nins: int = qbe.DEFAULT_NINS) -> Path:
    """jitrun: QBE on the shim plus driver, assembler, loader and host hooks."""
    jit = root / "jit"
    obj = out / "obj" / "jitrun"
    exports = out / "exports.c"
    names = render.read_exports(root)
    text = render.render_template(render.environment(root), "jit/exports.c.j2",
                                  {"exports": names, "host": True})
    render.write_if_changed(exports, text)

    qbe_flags = HOST_CFLAGS + ["-w", f"-I{jit / 'shim' / 'include'}", f"-I{jit}",
                               *qbe.extra_cflags({"nins": nins}, qbe_dir)]
    objs = [_compile(s, obj / "qbe" / _objname(s, qbe_dir if _under(s, qbe_dir) else jit),
                     qbe_flags)
            for s in qbe.kernel_sources(qbe_dir)]
    ours = (sorted(jit.glob("*.c")) + sorted((jit / "shim").glob("*.c"))
            + [jit / "host" / "jitrun.c", jit / "host" / "platform_host.c"])
    ours = [s for s in ours if s.name not in KERNEL_ONLY]
    objs += [_compile(s, obj / _objname(s, jit), HOST_CFLAGS + [f"-I{jit}"]) for s in ours]
    objs.append(_compile(exports, obj / "exports.o", HOST_CFLAGS))
    return _link(objs, out / "jitrun", libs=EXPORT_LIBS)


def build_asmdump(out: Path, root: Path = ROOT) -> Path:
    jit = root / "jit"
    srcs = [jit / "host" / "asmdump.c", jit / "asm.c"]
    missing = [s for s in srcs if not s.exists()]
    if missing:
        raise JitbootError(f"{missing[0]}: missing, cannot build asmdump")
    objs = [_compile(s, out / "obj" / "asmdump" / _objname(s, jit), HOST_CFLAGS + [f"-I{jit}"])
            for s in srcs]
    return _link(objs, out / "asmdump")


# -- a small make ---------------------------------------------------------

def _objname(src: Path, base: Path) -> str:
    return str(src.relative_to(base).with_suffix(".o")).replace("/", "__")


def _under(p: Path, d: Path) -> bool:
    try:
        p.resolve().relative_to(Path(d).resolve())
        return True
    except ValueError:
        return False


def _compile(src: Path, obj: Path, flags: list[str], cc: str = "gcc") -> Path:
    cmd = [cc, *flags, "-MMD", "-MP", "-MF", str(obj.with_suffix(".d")),
           "-c", str(src), "-o", str(obj)]
    stamp = obj.with_suffix(".cmd")
    if _fresh(obj, [src, *_deps(obj.with_suffix(".d"))]) and _read(stamp) == " ".join(cmd):
        return obj
    obj.parent.mkdir(parents=True, exist_ok=True)
    # No stamp while the object is being written: an interrupted or failed
    # compile may leave a newer, broken object that must not look fresh.
    stamp.unlink(missing_ok=True)
    _run(cmd, f"compiling {src}")
    stamp.write_text(" ".join(cmd))
    return obj


def _link(objs: list[Path], out: Path, flags: list[str] = (), cc: str = "gcc",
          libs: list[str] = ()) -> Path:
    cmd = [cc, "-no-pie", *flags, "-o", str(out), *map(str, objs), *libs]
    stamp = out.with_name(f".{out.name}.cmd")
    if _fresh(out, objs) and _read(stamp) == " ".join(cmd):
        return out
    stamp.unlink(missing_ok=True)     # as in _compile
    _run(cmd, f"linking {out}")
    stamp.write_text(" ".join(cmd))
    return out


def _fresh(target: Path, deps: list[Path]) -> bool:
    try:
        t = target.stat().st_mtime_ns
        return all(d.stat().st_mtime_ns <= t for d in deps)
    except OSError:
        return False


def _deps(depfile: Path) -> list[Path]:
    text = _read(depfile)
    if text is None:
        return []
    # the first rule is "obj: src headers..."; -MP adds "header:" lines after
    first = text.replace("\\\n", " ").split("\n")[0]
    _, _, prereqs = first.partition(":")
    return [Path(p) for p in prereqs.split()]


def _read(p: Path) -> str | None:
    try:
        return p.read_text()
    except OSError:
        return None


def _run(cmd: list[str], what: str) -> None:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise JitbootError(f"{what}: cannot run {cmd[0]} ({e}); install {cmd[0]}") from None
    if r.returncode != 0:
        raise JitbootError(f"{what} failed:\n{(r.stderr + r.stdout).strip()}")


if __name__ == "__main__":
    for name, path in build_all().items():
        print(f"{name}: {path}")
