"""The `jitboot` command: the doit tasks under short names, plus the C front door.

    jitboot image [-i NAME]           build an image (doit image)
    jitboot test [-i NAME] [--json F] boot it and check every test (doit qemu-test)
    jitboot parse LOG [--json F] [--junit F]
                                      re-parse a saved serial.log: summary, JSON, JUnit
    jitboot run FILE... [-i NAME]     boot with payloads: .ssa, .c, .ll, a.c+b.c (doit jit-run)
    jitboot size [-i NAME]            size audit against the budgets (doit size)
    jitboot bench                     JIT vs AOT benchmark (doit bench)
    jitboot cbench [NAME...]          real-program benchmark on the host (doit cbench)
    jitboot host                      build jitrun, qbe, qbe-stock, asmdump (doit host)
    jitboot ll2il FILE [-O2] [-o OUT] C or LLVM IR to QBE IL (python -m jitboot.llvm)
    jitboot jitrun FILE [ARGS...]     run FILE's main on the host twin; C and LLVM IR
                                      are translated first

Each command is the doit task of the same job, run in this process, so
there is one way to do each thing; -j N builds with N processes, and
--build-dir PATH is the doit variable build_dir.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT
from .errors import JitbootError

TASKS = {"image": "image", "test": "qemu-test", "run": "jit-run", "size": "size",
         "bench": "bench", "cbench": "cbench", "host": "host"}


def run_doit(args: list[str]) -> int:
    """Run doit on the project's dodo.py with args (tasks and VAR=VALUE)."""
    from doit.doit_cmd import DoitMain
    saved = sys.argv
    # dodo.py looks at the command line (doit bench picks the bench image)
    sys.argv = ["doit", *args]
    try:
        # doit loads dodo.py itself, after reading the VAR=VALUE arguments
        return DoitMain().run(["-f", str(ROOT / "dodo.py"), "-d", str(ROOT), *args])
    except SystemExit as e:
        return int(e.code or 0)
    finally:
        sys.argv = saved


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="jitboot", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:14]))
    ap.add_argument("-j", type=int, default=None, metavar="N", help="parallel build processes")
    ap.add_argument("--build-dir", default=None, metavar="PATH",
                    help="build directory (default build/)")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, doc in (("image", "build an image"), ("test", "boot it and check every test"),
                      ("size", "size audit against the budgets")):
        p = sub.add_parser(name, help=doc)
        p.add_argument("-i", "--image", default=None, help="recipe name or path")
        if name == "test":
            p.add_argument("--json", default=None, metavar="F",
                           help="also write every run's results (JSON) to F")
    p = sub.add_parser("parse", help="re-parse a saved serial log: summary, JSON, JUnit")
    p.add_argument("log", help="a serial.log, or the run directory holding it")
    p.add_argument("--json", default=None, metavar="F", help="write the results (JSON) to F; - for stdout")
    p.add_argument("--junit", default=None, metavar="F", help="write JUnit XML to F")
    p = sub.add_parser("run", help="boot with payloads (.ssa, .c, .ll, a.c+b.c)")
    p.add_argument("files", nargs="+")
    p.add_argument("-i", "--image", default=None, help="recipe name or path")
    p.add_argument("-O", dest="opt", choices=("0", "2"), default=None,
                   help="clang level for C payloads")
    sub.add_parser("bench", help="JIT vs AOT benchmark (kernel and host)")
    p = sub.add_parser("cbench", help="real-program benchmark on the host")
    p.add_argument("names", nargs="*")
    p.add_argument("--pairs", type=int, default=5, help="A B pairs of wall-time runs")
    sub.add_parser("host", help="build the host programs")
    p = sub.add_parser("ll2il", help="C or LLVM IR to QBE IL")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p = sub.add_parser("jitrun", help="run FILE's main on the host twin")
    p.add_argument("file")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.add_argument("-O", dest="opt", choices=("0", "2"), default="0",
                   help="clang level for a C file")
    return ap


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    if a.build_dir:
        from . import paths
        os.environ[paths.ENV] = str(Path(a.build_dir).expanduser().resolve())
    try:
        if a.command == "ll2il":
            from . import llvm
            return llvm.main(a.rest)
        if a.command == "jitrun":
            return _jitrun(a.file, a.args, f"-O{a.opt}")
        if a.command == "parse":
            from . import results
            return 0 if results.parse_command(a.log, a.json, a.junit) else 1
    except JitbootError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args = [] if a.j is None else ["-n", str(a.j)]
    args.append(TASKS[a.command])
    if getattr(a, "image", None):
        args.append(f"image={a.image}")
    if getattr(a, "json", None):
        args.append(f"json={Path(a.json).expanduser().absolute()}")
    if a.command == "run":
        args.append("src=" + ",".join(str(Path(f).resolve()) for f in a.files))
        if a.opt:
            args.append(f"opt=O{a.opt}")
    if a.command == "cbench":
        args.append(f"pairs={a.pairs}")
        if a.names:
            args.append("names=" + ",".join(a.names))
    return run_doit(args)


def _jitrun(file: str, args: list[str], opt: str) -> int:
    from .build import program_output
    jitrun = program_output("jitrun")
    if not jitrun.exists() and run_doit(["jitrun"]) != 0:
        return 2
    path = Path(file)
    if path.suffix not in (".c", ".ll"):
        return subprocess.run([str(jitrun), str(path), *args]).returncode
    from .payloads import translate
    il = translate([path], opt)
    with tempfile.TemporaryDirectory(prefix="jitboot-") as tmp:
        ssa = Path(tmp) / f"{path.name}.ssa"
        ssa.write_text(il)
        sys.stdout.flush()
        return subprocess.run([str(jitrun), str(ssa), *args]).returncode


if __name__ == "__main__":
    sys.exit(main())
