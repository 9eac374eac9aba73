"""doit tasks of jitboot.  `doit list` shows them; `doit image` builds.

Variables (doit VAR=VALUE on the command line):
    image=NAME|PATH   recipe to build (images/NAME.toml or a .toml path); default: default
                      `doit qemu-test` takes several, image=A,B,C or image=all (every
                      images/*.toml), one sub-task each: `doit -n N` runs N at once
    il=A.ssa,B.ssa    IL payloads for `doit jit-run`
    src=a.c,b.ll,c.ssa  payloads for `doit jit-run`: C and LLVM IR translated, a.c+b.c linked
    opt=O0|O2         clang's level for `doit jit-run src=` C files (default: the recipe's c_opt)
    data=a.txt,b.bin  data files for `doit jit-run` (payloads fopen them by name)
    args="a b c"      arguments of every payload's main for `doit jit-run` (split as a shell does)
    qbe_src=PATH      use a local QBE checkout instead of the pinned qbepy sdist
    baseline=JSON     size report to diff against for `doit size`
    gdb_port=N        gdb stub port of `doit qemu-debug` (default 1234)
    seconds=N         how long `doit fuzz` runs each target (default 60)
    target=jit|asm|diff  which fuzz targets `doit fuzz` runs, a,b for two (default: all three)
    seed=N            libFuzzer's random seed for `doit fuzz` (default: a new one)
    hours=H           how long `doit fuzz-campaign` runs, split over its targets
    targets=a,b       the targets of `doit fuzz-campaign` (default: jit,asm,diff)
    ledger=PATH       `doit fuzz-campaign`'s ledger (default tests/fuzz/campaign.json)
    refresh_seeds=1   `doit fuzz-campaign` rewrites tests/fuzz/seeds/ from the merged corpora
    fuzz_dir=PATH     `doit fuzz` and `doit fuzz-campaign`: corpora, findings, logs, report (default build/fuzz)
    coverage=0        `doit fuzz-campaign` without the line coverage of the corpora
    tests=GLOB,GLOB   tests `doit qemu-test` runs (KTEST names, payload:NAME; * and ?)
    retries=N         runs of a failed test again in `doit qemu-test` (default: [run] retries)
    boot_per_test=true|false  one boot per test in `doit qemu-test` ([run] boot_per_test)
    test_timeout=S    seconds one test may run in `doit qemu-test` ([run] test_timeout)
    build_dir=PATH    build directory (default build/; also JITBOOT_BUILD_DIR)
    json=PATH         `doit qemu-test`, `jit-run`: also write every run's results there
                      (each run writes results.json beside its junit.xml anyway);
                      `doit parse`: the log's results
    log=PATH          serial.log (or its run directory) for `doit parse`
    junit=PATH        `doit parse`: also write the log's JUnit XML there
    components=a,b    what `doit coverage` instruments: kernel_lib, jit, qbe, libc or component names (default: all four)

The logic lives in the jitboot package; this file only declares tasks.
"""

import os
import sys
from pathlib import Path

from doit import create_after, get_var
from doit.task import clean_targets
from doit.tools import config_changed

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from jitboot import build, components, multirun, paths, render, toolchain  # noqa: E402
from jitboot.doit_glue import Reporter, action, depfile_unchanged, targets_intact  # noqa: E402
from jitboot.errors import JitbootError  # noqa: E402
from jitboot.recipe import load_recipe  # noqa: E402


def _remove(path) -> None:
    """A `doit clean` action: remove a by-product that is not a target."""
    Path(path).unlink(missing_ok=True)


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


# Every command-line variable a task reads (`doit image image=demo`): a
# misspelt one is an error instead of being ignored.
KNOWN_VARS = ("image", "n", "build_dir", "qbe_src", "baseline", "il", "src", "opt", "data", "args",
              "gdb_port",
              "names", "pairs", "levels", "seeds", "start", "jobs", "seconds", "target", "seed",
              "tests", "retries", "boot_per_test", "test_timeout", "json", "log", "junit",
              "components", "arch", "hours", "targets", "ledger", "refresh_seeds", "fuzz_dir",
              "coverage", "accel")


def _check_vars() -> None:
    import difflib
    from doit import doit_cmd
    for name in sorted(getattr(doit_cmd, "_CMDLINE_VARS", None) or {}):
        if name not in KNOWN_VARS:
            close = difflib.get_close_matches(name, KNOWN_VARS, n=1)
            hint = f" (did you mean {close[0]}=?)" if close else ""
            _fail(f"{name}=: unknown variable{hint}; known: {', '.join(sorted(KNOWN_VARS))}")


_check_vars()
if get_var("build_dir", None):
    # set before anything asks for a path, and inherited by the tools we run
    os.environ[paths.ENV] = str(Path(get_var("build_dir")).expanduser().resolve())

try:
    # `doit bench` benchmarks the bench image unless image= names another
    DEFAULT_IMAGE = "bench" if sys.argv[-1:] == ["bench"] else "default"
    IMAGE_SPEC = get_var("image", DEFAULT_IMAGE)
    MANY = multirun.is_many(IMAGE_SPEC)
    RECIPES = multirun.recipes(IMAGE_SPEC, ROOT) if MANY else [load_recipe(IMAGE_SPEC, ROOT)]
except JitbootError as e:
    _fail(str(e))
RECIPE = RECIPES[0]     # several: the tasks other than qemu-test are the first one's
from jitboot import locks  # noqa: E402
_command = next((w for w in locks.command_words(sys.argv[1:]) if "=" not in w), "run")
# `doit coverage` builds the image's coverage variant, in a directory of its own
COVERAGE: tuple[str, ...] = ()
if _command == "coverage":
    from jitboot import coverage as _coverage
    try:
        COVERAGE = _coverage.selection(get_var("components", None), RECIPE)
    except JitbootError as e:
        _fail(str(e))
IMAGE = build.image_for(RECIPE, ROOT, "coverage" if COVERAGE else "")
QBE_SRC = get_var("qbe_src", os.environ.get("JITBOOT_QBE_SRC"))
if QBE_SRC:
    # checked once, here: tasks ask about the tree while doit loads them
    from jitboot import qbe as _qbe_tree
    try:
        _qbe_tree.check_checkout(Path(QBE_SRC))
    except JitbootError as e:
        _fail(str(e))
QBE_DIR = paths.qbe_dir(ROOT)
BUILD_DIR = paths.build_dir(ROOT)
BASELINE = get_var("baseline", None)
IL_FILES = [f for f in get_var("il", "").replace(",", " ").split() if f]
SRC_FILES = [f for f in get_var("src", "").replace(",", " ").split() if f]
# relative to where doit was started (`jitboot` passes absolute paths)
JSON_PATH = get_var("json", None)
if JSON_PATH and JSON_PATH != "-":      # "-": stdout, for `doit parse`
    JSON_PATH = str(Path(JSON_PATH).expanduser().absolute())
DATA_FILES = get_var("data", None)

# doit commands that only look: they need no build lock, and work in a
# checkout where nothing can be written
_LOOKING = {"list", "help", "info", "dumpdb", "tabcompletion", "strace", "list-tests",
            "parse"}      # `doit parse log=...` reads a saved log, builds nothing
_tasks = [w for w in locks.command_words(sys.argv[1:]) if "=" not in w and w != "run"]
if MANY and _command not in _LOOKING and \
        (not _tasks or any(t.split(":")[0] != "qemu-test" for t in _tasks)):
    _fail(f"image={IMAGE_SPEC}: several images are for `doit qemu-test` only "
          f"(build one with `doit image image=NAME`)")
if MANY and JSON_PATH:
    _fail(f"json={get_var('json')}: one image's results; with image={IMAGE_SPEC} each boot's "
          f"results.json is in its log directory, which the summary lists")

DOIT_CONFIG = {
    "default_tasks": ["image"],
    "reporter": Reporter,
    "verbosity": 2,
    # several images: each child `doit qemu-test` keeps its own image's
    "dep_file": ":memory:" if MANY else str(IMAGE.dir / ".doit.db"),
    "backend": "sqlite3",
}
try:
    IMAGE.dir.mkdir(parents=True, exist_ok=True)
    if not os.access(IMAGE.dir, os.W_OK):
        raise PermissionError(13, "Permission denied")
except OSError as e:
    if _command not in _LOOKING:
        _fail(f"cannot write the build directory {toolchain.rel(IMAGE.dir, ROOT)} "
              f"({e.strerror}): build elsewhere with build_dir=DIR or JITBOOT_BUILD_DIR")
    DOIT_CONFIG["dep_file"] = ":memory:"      # nothing to remember for a look

RUN_DIR = None       # several images: this invocation's transcripts and results
if _command not in _LOOKING:
    try:
        if MANY:
            RUN_DIR = locks.run_dir(BUILD_DIR / "runs" / "images")
        else:
            locks.build_lock(IMAGE.dir, RECIPE.name)
    except JitbootError as e:
        _fail(str(e))

PYTHON_DEPS = [ROOT / "jitboot" / f for f in ("recipe.py", "protocol.py", "render.py", "build.py",
                                               "toolchain.py", "components.py")]


def task_render():
    """Render linker script, config.h and other templates from the recipe."""
    deps = [ROOT / t.source for t in render.templates_for(RECIPE)] + [RECIPE.path] + PYTHON_DEPS
    if RECIPE.jit and (ROOT / render.EXPORTS_LIST).exists():
        deps.append(ROOT / render.EXPORTS_LIST)
    deps += [p.path for p in RECIPE.payloads]
    return {
        "actions": [action(render.render_image, RECIPE, IMAGE.gen, ROOT)],
        "file_dep": [str(d) for d in deps],
        "targets": [str(IMAGE.gen / t.output) for t in render.templates_first(RECIPE)],
        "uptodate": [config_changed(repr(RECIPE.context()))],
        "clean": True,
        "verbosity": 1,
    }


def _qbe_dir():
    return QBE_DIR if RECIPE.jit else None


TRANSLATOR_DEPS = [ROOT / "jitboot" / f for f in ("llvm.py", "payloads.py")] + \
    sorted((ROOT / "include").glob("*.h"))


def task_translate():
    """Translate the recipe's C and LLVM IR payloads to IL (an edit redoes only that payload)."""
    from jitboot import payloads
    for p in RECIPE.payloads:
        if not p.sources:
            continue
        yield {
            "name": p.name,
            "actions": [action(payloads.write_il, p)],
            "file_dep": [str(s) for s in p.sources] + [str(d) for d in TRANSLATOR_DEPS],
            "targets": [str(p.path)],
            "uptodate": [config_changed(f"{p.opt} {p.arch}")],
            "clean": True,
            "verbosity": 1,
        }
    yield {"name": None}      # the group exists even without C payloads


def task_qbe_source():
    """Fetch QBE's sources (pinned, hash-checked) into build/qbe-src."""
    needed = any(r.jit for r in RECIPES)

    def fetch():
        if not needed:
            return
        from jitboot import qbe
        qbe.ensure_qbe_source(BUILD_DIR, override=QBE_SRC)
    def current():
        if not needed:
            return True
        from jitboot import qbe
        return qbe.source_is_current(BUILD_DIR, override=QBE_SRC)
    return {"actions": [action(fetch)], "uptodate": [current], "verbosity": 1}


def _host_qbe_source():
    from jitboot import qbe
    for variant in qbe.VARIANTS:
        qbe.ensure_qbe_source(BUILD_DIR, override=QBE_SRC, variant=variant)


def _host_qbe_current() -> bool:
    from jitboot import qbe
    return all(qbe.source_is_current(BUILD_DIR, override=QBE_SRC, variant=v)
               for v in qbe.VARIANTS)


def task_host_qbe_source():
    """QBE's sources for the host programs: the JIT's tree and the unpatched one."""
    def current():
        return _host_qbe_current()
    return {"actions": [action(_host_qbe_source)], "uptodate": [current], "verbosity": 1}


def task_bench_gen():
    """Generate the benchmark table and QBE's AOT assembly ([features] bench images)."""
    if not RECIPE.bench:
        return {"actions": [], "uptodate": [True], "verbosity": 1}
    from jitboot import bench
    return {
        "actions": [action(bench.generate_for_image, IMAGE, ROOT)],
        "file_dep": [str(p.il) for p in bench.programs(ROOT)]
                    + [str(ROOT / "jitboot" / "bench" / "programs.py")],
        "task_dep": ["qbe-stock"],               # QBE AOT: unpatched QBE
        "targets": [str(f) for f in bench.generated_files(IMAGE.gen, ROOT)],
        "clean": True,
        "verbosity": 1,
    }


@create_after(executed="qbe_source")
def task_compile():
    """Compile every kernel source (ours and QBE's) to an object."""
    units = build.units(RECIPE, IMAGE, _qbe_dir(), ROOT, COVERAGE)
    if RECIPE.jit:
        yield _exports_task(IMAGE.gen, units, host=False)
    for unit in units:
        yield {
            "name": toolchain.rel(unit.src, ROOT),
            "actions": [action(build.compile_unit, unit, ROOT)],
            "file_dep": [str(unit.src)],
            "task_dep": ["render"],
            "targets": [str(unit.obj)],
            "uptodate": [config_changed(" ".join(unit.cmd)),
                         depfile_unchanged(unit.dep, ROOT), targets_intact],
            "clean": [clean_targets, (_remove, [unit.dep])],
            "verbosity": 1,
        }


def _exports_task(gen, units, host):
    """gen/exports.c from the DWARF of the objects implementing the
    exports (jitboot.ffi): a task of the generator compiling them, so
    doit sees its file_dep among their targets."""
    objs = [str(u.obj) for u in units if u.component in components.FFI_SOURCES]
    table = [str(ROOT / render.EXPORTS_LIST), str(ROOT / "jit" / "exports.c.j2"),
             str(ROOT / "jitboot" / "ffi.py")]
    task = {"basename": "exports"} if host else {"name": "render:exports.c"}
    return task | {
        "doc": "the export table with the exports' signatures (jitboot/ffi.py)",
        "actions": [action(render.render_exports, gen, [Path(o) for o in objs], host, ROOT,
                           not host and RECIPE.isolation == "user")],
        "file_dep": table + objs + [str(d) for d in PYTHON_DEPS],
        "uptodate": [config_changed(f"isolation={not host and RECIPE.isolation}")],
        "targets": [str(gen / "exports.c")],
        "clean": True,
        "verbosity": 1,
    }


@create_after(executed="qbe_source")
def task_link():
    """Link kernel.elf and wrap it as kernel.elf32 for multiboot loaders."""
    objs = [u.obj for u in build.units(RECIPE, IMAGE, _qbe_dir(), ROOT, COVERAGE)]
    return {
        "actions": [action(build.link, IMAGE, objs, ROOT)],
        "file_dep": [str(o) for o in objs] + [str(IMAGE.gen / "kernel.ld")],
        "task_dep": ["compile"],
        "targets": [str(t) for t in IMAGE.link_targets],
        # the link order is the manifest's: reordering components relinks
        "uptodate": [targets_intact, config_changed(" ".join(str(o) for o in objs))],
        "clean": [clean_targets, (_remove, [IMAGE.dir / "kernel.map"])],
        "verbosity": 1,
    }


def task_iso():
    """Make a GRUB rescue ISO booting the same kernel (and its payloads)."""
    if RECIPE.arch != "x86_64":
        def no_iso():
            raise JitbootError(f"image {RECIPE.name!r} is {RECIPE.arch}: no GRUB ISO for it "
                               "(it boots the kernel medium only)")
        return {"actions": [action(no_iso)], "uptodate": [False], "verbosity": 1}
    return {
        "actions": [action(build.make_iso, IMAGE, ROOT)],
        "file_dep": [str(IMAGE.elf32), str(IMAGE.gen / "grub.cfg")]
                    + [str(p.path) for p in RECIPE.payloads] + list(RECIPE.data),
        "task_dep": ["link"],
        "targets": [str(IMAGE.iso)],
        "uptodate": [targets_intact],
        "clean": True,
        "verbosity": 1,
    }


def task_size():
    """Audit the kernel's sizes (table, size.json, size.html) against the budgets."""
    def audit():
        from jitboot import size
        if BASELINE and not Path(BASELINE).is_file():
            raise JitbootError(f"{BASELINE}: no such baseline size report")
        result = size.publish(IMAGE.dir, budgets=size.recipe_budgets(RECIPE),
                              source_root=ROOT, baseline=BASELINE)
        print(result.text, flush=True)
        print(f"size report: {toolchain.rel(IMAGE.size_json)}, {toolchain.rel(IMAGE.size_html)}")
        if result.overruns:
            worst = result.overruns[0]
            names = ", ".join(n for n, _ in worst.culprits) or "unattributed"
            raise JitbootError(
                f"image {RECIPE.name!r} is over budget: {worst.budget} is {worst.measured} bytes, "
                f"{worst.over} over its {worst.limit} (largest: {names})")
    return {
        "actions": [action(audit)],
        "file_dep": [str(IMAGE.elf), str(RECIPE.path)],
        "task_dep": ["link"],
        "targets": [str(IMAGE.size_json), str(IMAGE.size_html)],
        "clean": [clean_targets, (_remove, [IMAGE.dir / "size.prev.json"])],
        # asked for by name, it always prints the report; as part of `doit
        # image` it runs only when the kernel changed
        "uptodate": [not BASELINE and "size" not in sys.argv[1:]],
        "verbosity": 2,
    }


def task_image():
    """Build the image of the selected recipe (ELF, ELF32, ISO) and show its size."""
    return {
        "actions": None,
        "task_dep": ["link", "iso", "size"] if RECIPE.arch == "x86_64" else ["link", "size"],
    }


def _collecting_results(run, *args):
    """run(*args), its runs' results also written to json=PATH."""
    from jitboot import results
    with results.collecting(JSON_PATH):
        run(*args)


def _qemu_test_many():
    """Boot each image in QEMU (a child `doit qemu-test` per image), then one summary."""
    from doit import doit_cmd
    variables = dict(getattr(doit_cmd, "_CMDLINE_VARS", None) or {})
    width = max(len(r.name) for r in RECIPES)
    for r in RECIPES:
        yield {
            "basename": "qemu-test",
            "name": r.name,
            "doc": f"boot image {r.name} in QEMU",
            # fetched once here, not by two children at once
            "actions": [action(multirun.run_child, r,
                               multirun.child_command(ROOT / "dodo.py", r, variables),
                               RUN_DIR, width)],
            "task_dep": ["qbe_source"],
            "uptodate": [False],
            "verbosity": 2,
        }
    yield {
        "basename": "qemu-test",
        "name": multirun.SUMMARY,
        "doc": "one table of every image's boots; fails when any image failed",
        "actions": [action(multirun.report, [r.name for r in RECIPES], RUN_DIR, ROOT)],
        "task_dep": [f"qemu-test:{r.name}" for r in RECIPES],
        "uptodate": [False],
        "verbosity": 2,
    }


def _qemu_test_one():
    """Boot the image in QEMU (ELF and ISO) and check every KTAP result: [tests=GLOB,..] [retries=N] [boot_per_test=true] [test_timeout=S]."""
    from jitboot import runner
    if "qemu-test" in sys.argv[1:]:
        # a selection that matches nothing fails now, not after the build
        try:
            opts = runner.options(RECIPE, tests=get_var("tests", None),
                                  retries=get_var("retries", None),
                                  boot_per_test=get_var("boot_per_test", None),
                                  test_timeout=get_var("test_timeout", None))
        except JitbootError as e:
            _fail(str(e))
    else:
        opts = None
    return {
        "basename": "qemu-test",
        "actions": [action(_collecting_results, runner.qemu_test, IMAGE, opts)],
        "task_dep": ["image"],
        "uptodate": [False],
        "verbosity": 2,
    }


# qemu-test is one task, or a group of one sub-task per image
task_qemu_test = _qemu_test_many if MANY else _qemu_test_one


def task_list_tests():
    """List every KTEST in the sources (file:line; * = in the image) and the image's payloads."""
    from jitboot import selection
    return {
        "basename": "list-tests",
        "actions": [action(lambda: print(selection.listing(RECIPE, ROOT)))],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_coverage():
    """Coverage of the kernel's C code by its tests and tests/il: doit coverage [components=kernel_lib,jit,qbe,libc]."""
    from jitboot import coverage
    return {
        "actions": [action(coverage.run, IMAGE, COVERAGE, ROOT)],
        "task_dep": ["link", "translate"],        # C payloads of the recipe become IL
        "uptodate": [False],
        "verbosity": 2,
    }


def task_qemu_debug():
    """Start QEMU halted with a gdb stub; print the gdb command to attach."""
    from jitboot import runner

    def debug():
        given = get_var("gdb_port", "1234")
        if not given.isdigit() or not 1 <= int(given) <= 65535:
            raise JitbootError(f"gdb_port={given!r}: give a TCP port number (1-65535)")
        runner.qemu_debug(IMAGE, int(given))
    return {
        "basename": "qemu-debug",
        "actions": [action(debug)],
        "task_dep": ["link"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_jit_run():
    """Boot the kernel with payloads: doit jit-run src=prog.c[,b.ll,c.ssa] or il=A.ssa (prints their output)."""
    from jitboot import runner
    opt = get_var("opt", None)
    return {
        "basename": "jit-run",
        "actions": [action(_collecting_results, runner.run_payloads, IMAGE, IL_FILES + SRC_FILES,
                           f"-{opt.lstrip('-')}" if opt else None,
                           None if DATA_FILES is None else
                           [f for f in DATA_FILES.replace(",", " ").split() if f],
                           get_var("args", None))],
        "task_dep": ["link"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_aot_run():
    """Another architecture's code, run here: doit aot-run arch=aarch64 src=prog.ssa[,prog.c] [args=...]."""
    from jitboot import arch
    return {
        "basename": "aot-run",
        "actions": [action(arch.aot_run, IL_FILES + SRC_FILES, get_var("arch", "aarch64"),
                           BUILD_DIR, tuple(get_var("args", "").split()))],
        "task_dep": ["jitrun"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_parse():
    """Re-parse a saved serial log: doit parse log=PATH [json=F] [junit=F] (summary, JSON, JUnit)."""
    from jitboot import results

    def parse():
        log = get_var("log", None)
        if not log:
            raise JitbootError("no log: use `doit parse log=build/images/NAME/logs/kernel/latest"
                               "/serial.log` [json=F] [junit=F]")
        junit_path = get_var("junit", None)
        if not results.parse_command(Path(log).expanduser(), JSON_PATH,
                                     junit_path and str(Path(junit_path).expanduser().absolute())):
            raise JitbootError(f"{log}: the run did not pass (the summary above says why)")
    return {
        "actions": [action(parse)],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_libm_ulp():
    """libm against glibc, the ulp sweep: doit libm-ulp [n=1000000] [seed=1] (build/libm-ulp.txt)."""
    from jitboot import libm_check
    return {
        "basename": "libm-ulp",
        "actions": [action(libm_check.run, get_var("n", "1000000"), get_var("seed", "1"), ROOT)],
        "task_dep": ["libm-check"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_bench():
    """Benchmark JIT vs AOT in the kernel and on the host; build/bench.json, build/bench.svg."""
    from jitboot import bench

    def run():
        if not RECIPE.bench:
            raise JitbootError(f"image {RECIPE.name!r} has no benchmark ([features] bench = "
                               f"false): run `doit bench` or `doit bench image=bench`")
        bench.run_benchmark(RECIPE, ROOT)
    return {
        "actions": [action(run)],
        "task_dep": ["image", "jitbench", "jitrun", "qbe-stock"] if RECIPE.bench else [],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_isolation_cost():
    """What isolated payloads cost: doit isolation-cost [pairs=3] [accel=auto]; build/isolation-cost.json."""
    def run():
        from jitboot.bench import isolation
        given = get_var("pairs", "3")
        if not given.isdigit() or int(given) < 1:
            raise JitbootError(f"pairs={given!r}: give a number of A B pairs (1 or more)")
        accel = get_var("accel", "auto")
        if accel not in ("auto", "kvm", "tcg"):
            raise JitbootError(f"accel={accel!r}: give auto, kvm or tcg")
        isolation.run(ROOT, int(given), accel)
    return {
        "basename": "isolation-cost",
        "actions": [action(run)],
        "task_dep": ["qbe_source"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_cbench():
    """Real-program benchmark (tests/cbench) on the host: doit cbench [names=a,b] [pairs=5] [levels=O0,O2]."""
    def run():
        from jitboot import cbench
        names = [n for n in get_var("names", "").split(",") if n]
        given = get_var("pairs", "5")
        if not given.isdigit():
            raise JitbootError(f"pairs={given!r}: give a number of A B pairs (0 for none)")
        levels = tuple(f"-{lvl.strip().lstrip('-')}" for lvl in get_var("levels", "O0,O2").split(","))
        bad = [lvl for lvl in levels if lvl not in cbench.LEVELS]
        if bad:
            raise JitbootError(f"levels: {bad[0][1:]!r} is not one of O0, O2")
        cbench.run(ROOT, names or None, int(given), levels)
    return {
        "actions": [action(run)],
        "task_dep": ["jitrun", "qbe-stock"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_csmith():
    """Random C programs (csmith) through the C front door vs gcc -O2: doit csmith [seeds=200] [start=1] [jobs=N]."""
    def run():
        from jitboot import csmith
        vals = {}
        for key, default in (("seeds", "200"), ("start", "1"), ("jobs", str(csmith.jobs_default()))):
            given = get_var(key, default)
            if not given.isdigit() or (key != "start" and int(given) == 0):
                raise JitbootError(f"{key}={given!r}: give a positive number")
            vals[key] = int(given)
        csmith.run(ROOT, vals["seeds"], vals["start"], vals["jobs"])
    return {
        "actions": [action(run)],
        "task_dep": ["jitrun"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_host_gen():
    """Generated sources of the host programs: config.h (the export table is task exports)."""
    gen = build.host_gen_dir(ROOT)
    return {
        "actions": [action(render.render_host, gen, ROOT)],
        "file_dep": [str(ROOT / "boot" / "config.h.j2")] + PYTHON_DEPS,
        "targets": [str(gen / f) for f in render.HOST_GENERATED],
        "clean": True,
        "verbosity": 1,
    }


def _host_bench_gen():
    """jitbench's generated sources: the benchmark table and stock QBE's assembly."""
    from jitboot import bench
    gen = build.host_gen_dir(ROOT)
    qbe_bin = build.program_output("qbe-stock", ROOT)     # QBE AOT: unpatched QBE
    return {
        "basename": "host_bench_gen",
        "doc": "jitbench's generated sources: the benchmark table and stock QBE's assembly",
        "actions": [action(bench.generate, gen, qbe_bin, ROOT)],
        "file_dep": [str(p.il) for p in bench.programs(ROOT)]
                    + [str(ROOT / "jitboot" / "bench" / "programs.py"), str(qbe_bin)],
        "targets": [str(f) for f in bench.generated_files(gen, ROOT)],
        "clean": True,
        "verbosity": 1,
    }


HOST_PROGRAMS = [p for p in components.PROGRAMS if p.profile != "kernel"]


def _after_qbe_source(creates):
    """The host programs' tasks need QBE's file list.  Once the tree is in
    place they are created with the others (so `doit clean`, `doit info`
    and task_dep see them); on a fresh checkout, after host_qbe_source."""
    if _host_qbe_current():
        return lambda fn: fn
    return create_after(executed="host_qbe_source", creates=creates)


@_after_qbe_source(["obj", "host_bench_gen", "exports", *[p.name for p in HOST_PROGRAMS]])
def task_programs():
    """Host programs of the manifest (jitboot/components.py): `doit jitrun`,
    `doit qbe`, `doit asmdump`, `doit jitbench`, `doit jitrun-asan`,
    `doit fuzz_jit`, `doit fuzz_asm`; their objects are obj:PATH.  One
    generator for all of them: doit checks a file_dep against the targets
    of delayed tasks only when they come from the same generator."""
    yield _host_bench_gen()
    yield _exports_task(build.host_gen_dir(ROOT), build.program_units("jitrun", ROOT), host=True)
    seen = set()
    for prog in HOST_PROGRAMS:
        units = build.program_units(prog.name, ROOT)
        for unit in units:
            if unit.obj in seen:
                continue        # one object per profile and source, shared
            seen.add(unit.obj)
            yield {
                "basename": "obj",
                "name": toolchain.rel(unit.obj, ROOT),
                "actions": [action(build.compile_unit, unit, ROOT)],
                "file_dep": [str(unit.src)],
                "task_dep": ["host_qbe_source", "host_gen"],   # config.h
                "targets": [str(unit.obj)],
                "uptodate": [config_changed(" ".join(unit.cmd)),
                             depfile_unchanged(unit.dep, ROOT), targets_intact],
                "clean": [clean_targets, (_remove, [unit.dep])],
                "verbosity": 1,
            }
        objs = [u.obj for u in units]
        pre = [action(fuzz_require_clang)] if prog.profile == "asan" else []
        yield {
            "basename": prog.name,
            "doc": prog.doc,
            "actions": pre + [action(build.link_program, prog.name, objs, ROOT)],
            "file_dep": [str(o) for o in objs],        # doit runs their obj tasks first
            "targets": [str(build.program_output(prog.name, ROOT))],
            "uptodate": [targets_intact, config_changed(" ".join(str(o) for o in objs))],
            "clean": True,
            "verbosity": 1,
        }


def fuzz_require_clang():
    from jitboot import fuzz as fz
    fz.require_clang()


def task_host():
    """Build the host twin: build/host/jitrun, stock build/host/qbe, build/host/asmdump
    (`doit clean --clean-dep host` removes them and their objects)."""
    return {
        "actions": None,
        "task_dep": list(components.HOST_TOOLS),
    }


def task_fuzz_campaign():
    """A fuzz campaign: doit fuzz-campaign hours=H [targets=jit,asm,diff; c: csmith] [ledger=PATH]
    [refresh_seeds=1] [coverage=0] [fuzz_dir=PATH]; report in build/fuzz/report.md,
    ledger tests/fuzz/campaign.json."""
    def campaign():
        from jitboot import fuzz as fz
        hours = get_var("hours", None)
        if hours is None:
            raise JitbootError("doit fuzz-campaign needs hours=H (e.g. hours=0.5)")
        try:
            h = float(hours)
        except ValueError:
            raise JitbootError(f"hours={hours!r}: give a number of hours") from None
        targets = [t for t in get_var("targets", ",".join(fz.TARGETS)).split(",") if t]
        ledger = get_var("ledger", None)
        flags = {}
        for key, default in (("refresh_seeds", "0"), ("coverage", "1")):
            flags[key] = get_var(key, default)
            if flags[key] not in ("0", "1"):
                raise JitbootError(f"{key}={flags[key]!r}: give 0 or 1")
        work = get_var("fuzz_dir", None)
        runs, report = fz.campaign(h, targets, ROOT, Path(ledger).resolve() if ledger else None,
                                   flags["refresh_seeds"] == "1", flags["coverage"] == "1",
                                   Path(work).resolve() if work else None)
        print(f"fuzz-campaign: report {toolchain.rel(report, ROOT)}", flush=True)
        if any(r.interrupted for r in runs):
            raise JitbootError("fuzz-campaign: interrupted before its time; the ledger"
                               " keeps the executions that ran")
        found = sum(len(r.findings) for r in runs)
        if found:
            raise JitbootError(f"fuzz-campaign: {found} finding(s) under build/fuzz/findings/:"
                               f" see {toolchain.rel(report, ROOT)}")
    return {
        "basename": "fuzz-campaign",
        "actions": [action(campaign)],
        "task_dep": ["qbe_source"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_fuzz():
    """Fuzz the JIT with libFuzzer: doit fuzz [seconds=60] [target=jit|asm|diff] [seed=N]."""
    def fuzz():
        from jitboot import fuzz as fz
        try:
            seconds = float(get_var("seconds", "60"))
        except ValueError:
            raise JitbootError(f"seconds={get_var('seconds')!r}: give a number of seconds")
        target = get_var("target", None)
        seed = get_var("seed", None)
        if seed is not None and not seed.isdigit():
            raise JitbootError(f"seed={seed!r}: give a non-negative integer (libFuzzer's -seed)")
        work = get_var("fuzz_dir", None)
        fz.run(target.split(",") if target else list(fz.TARGETS), seconds, ROOT,
               int(seed) if seed is not None else None, Path(work).resolve() if work else None)
    return {
        "actions": [action(fuzz)],
        "task_dep": ["qbe_source"],
        "uptodate": [False],
        "verbosity": 2,
    }
