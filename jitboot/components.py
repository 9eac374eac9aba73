"""The component manifest: which files make up which program.

Every C or assembly source of the project belongs to exactly one component
below, and every program (the kernel image, the host twin, the fuzzers, ...)
is a list of components built with one toolchain profile (jitboot.toolchain).
Everything that lists sources derives from these two tables: the doit
compile and link tasks of every program, the size audit's attribution, the
kernel tests a recipe may name, and the README's component table.

To add a C file: put it in the folder of its component (a pattern below
already matches it).  To add a component: add one Component.  To add a host
tool: add one Program.  tests/test_components.py fails when a file in
boot/, kernel_lib/ or jit/ fits no component, or more than one.

Source patterns are globs relative to a tree: "jit/*.c" in the repository,
"qbe:amd64/*.c" in the fetched, adjusted QBE tree (build/qbe-src),
"qbe-stock:*.c" in the unpatched one, "gen:exports.c" in the generated
sources of the program (an image's gen/, or build/host/gen for host tools).

Axes:
- arch: the architectures a component is built for; an architecture's
  own sources live in its folders (boot/aarch64/, kernel_lib/arch/aarch64/,
  kernel_lib/arch/x86_64/), and the x86-64 files that predate those
  folders are named one by one (X86_64_KERNEL_LIB);
- profile: the toolchain a program is compiled with (kernel, host, asan,
  fuzz; see toolchain.PROFILES);
- QBE tree: "qbe" (our adjusted, emitter-patched QBE, what the JIT runs) or
  "qbe-stock" (the reference QBE the benchmark and oracles compare with);
- build directory: every output path is relative to the build directory
  (jitboot.paths), so several builds of one checkout coexist.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from . import ROOT

ARCHES = ("x86_64", "aarch64")

# kernel_lib's x86-64 sources that predate kernel_lib/arch/x86_64/: COM1,
# the IDT, the TSC and PIT, paging, the PIT watchdog, multiboot, and the
# x86 kmain that starts them.  (tsc_pick.c, the calibration and the
# watchdog's deadline rule, is shared.)
X86_64_KERNEL_LIB = tuple(f"kernel_lib/{f}.c" for f in (
    "kmain", "multiboot", "serial", "trap", "tsc", "vm", "watchdog"))


@dataclass(frozen=True)
class Component:
    """A set of sources compiled the same way and linked into the same programs."""
    name: str
    doc: str
    files: tuple[str, ...]                 # patterns, see the module docstring
    exclude: tuple[str, ...] = ()          # patterns removed from files
    includes: tuple[str, ...] = ()         # include directories, in order ("gen:", "qbe:")
    qbe_style: bool = False                # QBE's dialect: its headers, -w, -fwrapv, NIns
    size: str = ""                         # size-audit group (default: the name)
    kernel_when: str | None = None         # kernel takes it only if this recipe feature is on
    arch: tuple[str, ...] = ("x86_64",)    # the kernel's architectures that take it
    ktests: bool = False                   # may define KTEST(...) kernel tests
    cflags: tuple[str, ...] = ()           # added to its profile's flags
    asan_cflags: tuple[str, ...] = ()      # added in the asan profile only

    @property
    def size_group(self) -> str:
        return self.size or self.name


# The payload library under ASan: no redzones in its stack frames.  Its
# frames run on the JIT'd program's stack (fuzz_diff's programs run), and
# a program's dangling pointer into that stack (a string passed to
# printf from a frame that returned) read the redzones of printf's own
# frames: the program's undefined behaviour reported as the library's.
# Heap and global checks, and UBSan, stay.
PAYLOAD_LIB_ASAN = ("-mllvm", "-asan-stack=0", "-fno-sanitize-address-use-after-scope")

# Include directories of our JIT sources: jit/ is the root of their includes
# ("shim/libc.h", "passes/opt.h"); QBE-style sources see our libc headers
# first, then QBE's all.h.
JIT_INC = ("jit",)
QBE_INC = ("jit/shim/include", "jit", "qbe:")

COMPONENTS: tuple[Component, ...] = (
    Component("boot", "multiboot entry, long mode, interrupt stubs",
              ("boot/*.S",), includes=("gen:", "kernel_lib", "jit")),
    Component("boot_aarch64", "QEMU virt entry: EL2 to EL1, stack, BSS, exception vectors",
              ("boot/aarch64/*.S",), includes=("gen:", "kernel_lib"), arch=("aarch64",),
              size="boot"),
    Component("kernel_lib", "kernel library, every architecture: heap, printf, string, KTAP tests",
              ("kernel_lib/*.c",), exclude=("kernel_lib/gcov.c", *X86_64_KERNEL_LIB),
              includes=("gen:", "kernel_lib", "jit"), ktests=True, arch=ARCHES),
    Component("kernel_lib_x86_64", "kernel library, x86-64: COM1, IDT, TSC, paging, watchdog, multiboot",
              (*X86_64_KERNEL_LIB, "kernel_lib/arch/x86_64/*.c"),
              includes=("gen:", "kernel_lib", "jit"), ktests=True, size="kernel_lib"),
    # -mgeneral-regs-only: the trap, MMU and UART code runs where the FP
    # registers are not saved (exception entry); the shared C may use FP
    # (kfmt prints doubles), which boot.S enables
    Component("kernel_lib_aarch64", "kernel library, aarch64: PL011, exceptions and catch points, MMU, generic timer and GIC (the watchdog), semihosting exit",
              ("kernel_lib/arch/aarch64/*.c",), includes=("gen:", "kernel_lib"), ktests=True,
              size="kernel_lib", arch=("aarch64",), cflags=("-mgeneral-regs-only",)),
    Component("gcov", "the gcov runtime of `doit coverage` images: counters to .gcda over serial",
              ("kernel_lib/gcov.c",), includes=("gen:", "kernel_lib", "jit"),
              kernel_when="coverage", size="kernel_lib"),
    Component("format", "kfmt, the formatting core of the kernel's printf and of the payload library",
              ("jit/libc/format.c",), includes=JIT_INC, size="kernel_lib", arch=ARCHES,
              asan_cflags=PAYLOAD_LIB_ASAN),
    Component("libc", "the C library of JIT'd code: stdlib, string, ctype, stdio, sscanf, setjmp, clock",
              ("jit/libc/*.c",), exclude=("jit/libc/format.c",), includes=JIT_INC,
              kernel_when="jit", arch=ARCHES, asan_cflags=PAYLOAD_LIB_ASAN),
    Component("libc_kernel", "the payload library's hooks in the kernel: output, data modules, exit, abort, arguments",
              ("jit/kernel/libc_kernel.c",), includes=("gen:", "kernel_lib", "jit"),
              kernel_when="jit", size="libc", arch=ARCHES),
    Component("user_lib", "the user-mode payload library's own part (isolated images): the gate, start, hooks",
              ("jit/user/*.c",), includes=("gen:", "kernel_lib", "jit"), kernel_when="isolation",
              size="libc"),
    Component("ktests", "the kernel test table rendered from the recipe",
              ("gen:ktests.c",), includes=("gen:", "kernel_lib", "jit"), size="generated",
              arch=ARCHES),
    Component("shim", "the libc QBE needs: memory streams, printf, strtod, qsort, heap, exit",
              ("jit/shim/*.c",), includes=JIT_INC, kernel_when="jit", arch=ARCHES),
    Component("arena", "the JIT arena: page-granular code and data for loaded modules",
              ("jit/arena.c",), includes=JIT_INC, kernel_when="jit", size="shim", arch=ARCHES),
    Component("passes", "QBE's pass pipeline as a table, our passes (tre, inline, ext, thread, cmp, sink, licm, iv, rotate, builtin, switch, fold) and the typed FFI check of calls to exports",
              ("jit/passes/*.c",), includes=QBE_INC, qbe_style=True, kernel_when="jit",
              size="jit_driver", arch=ARCHES),
    Component("driver", "the JIT driver: IL text to callable code",
              ("jit/driver.c",), includes=("jit", "gen:"), kernel_when="jit",
              size="jit_driver", arch=ARCHES),     # gen: the image's config.h (JB_JIT_PASSES), if any
    Component("asm", "our x86-64 assembler for the dialect QBE emits",
              ("jit/asm/*.c",), includes=JIT_INC, kernel_when="jit", size="asm_loader", arch=ARCHES),
    Component("asm_a64", "our AArch64 assembler for the text QBE's arm64 back end emits",
              ("jit/asm_a64/*.c",), includes=JIT_INC, kernel_when="jit", size="asm_loader",
              arch=("aarch64",)),
    Component("loader", "sections, relocations, export table, W^X; line table, backtraces; gdb JIT interface",
              ("jit/loader.c", "jit/backtrace.c", "jit/gdbjit.c"), includes=JIT_INC, kernel_when="jit", size="asm_loader", arch=ARCHES),
    Component("icache_aarch64", "instruction-cache maintenance after loading code, aarch64 kernel (dc cvau, ic ivau)",
              ("jit/arch_a64_cache.c",), includes=JIT_INC, kernel_when="jit", size="asm_loader",
              arch=("aarch64",)),
    Component("qbe", "QBE itself: its target-independent passes, from build/qbe-src",
              ("qbe:*.c",), exclude=("qbe:main.c",), includes=QBE_INC,
              qbe_style=True, kernel_when="jit", arch=ARCHES),
    Component("qbe_amd64", "QBE's amd64 backend, from build/qbe-src",
              ("qbe:amd64/*.c",), includes=QBE_INC, qbe_style=True, kernel_when="jit",
              size="qbe"),
    Component("qbe_arm64", "QBE's arm64 backend, from build/qbe-src: the aarch64 kernel's JIT, `jitrun --target=arm64 -S`",
              ("qbe:arm64/*.c",), includes=QBE_INC, qbe_style=True, kernel_when="jit",
              size="qbe", arch=("aarch64",)),
    Component("libm", "the math library of JIT'd code (math.h), the same objects in the kernel and the host twin",
              ("kernel_lib/libm/*.c",), includes=("kernel_lib/libm",), kernel_when="jit", arch=ARCHES),
    Component("exports", "the table of kernel functions JIT'd code may call",
              ("gen:exports.c",), includes=JIT_INC, kernel_when="jit", size="generated", arch=ARCHES),
    Component("kernel_glue", "the JIT inside the kernel: platform hooks, JIT tests, payloads",
              ("jit/kernel/*.c",), exclude=("jit/kernel/ktest_bench.c", "jit/kernel/libc_kernel.c"),
              includes=("gen:", "kernel_lib", "jit"), kernel_when="jit", size="jit_driver",
              ktests=True, arch=ARCHES),
    Component("bench", "benchmark runner shared by the kernel and jitbench",
              ("jit/bench.c",), includes=JIT_INC, kernel_when="bench", arch=ARCHES),
    Component("bench_kernel", "benchmark kernel test",
              ("jit/kernel/ktest_bench.c",), includes=("gen:", "kernel_lib", "jit"),
              kernel_when="bench", size="bench", ktests=True, arch=ARCHES),
    Component("bench_programs", "benchmark C twins, their table and QBE's AOT assembly",
              ("tests/bench/*.c", "gen:bench_progs.c", "gen:bench_qbe/*.S"),
              includes=JIT_INC, kernel_when="bench", size="bench", arch=ARCHES),
    Component("host_glue", "the JIT as a Linux process: platform hooks over mmap, the payload library's hooks",
              ("jit/host/platform_host.c", "jit/host/libc_host.c"), includes=JIT_INC, size="jit_driver"),
    Component("jitrun_main", "jitrun: run an IL file's main on the host",
              ("jit/host/jitrun.c",), includes=JIT_INC),
    Component("asmdump_main", "asmdump: our assembler alone, for the GNU as oracle",
              ("jit/host/asmdump.c",), includes=JIT_INC),
    Component("asmdump_a64_main", "asmdump-a64: our AArch64 assembler alone, for the GNU as oracle",
              ("jit/host/asmdump_a64.c",), includes=JIT_INC),
    Component("fuzz_jit_main", "libFuzzer target: IL through the whole JIT",
              ("jit/host/fuzz_jit.c",), includes=JIT_INC),
    Component("fuzz_asm_main", "libFuzzer target: assembly text through assembler and loader",
              ("jit/host/fuzz_asm.c",), includes=JIT_INC),
    Component("fuzz_diff_main", "libFuzzer target: main of IL compiled with and without our passes, outputs compared",
              ("jit/host/fuzz_diff.c",), includes=JIT_INC),
    Component("fuzz_mutate", "libFuzzer's custom mutator for IL: token and line mutations that keep it well-formed",
              ("jit/host/fuzz_mutate.c",), includes=()),
    Component("fuzz_replay_main", "a fuzz target's inputs replayed without libFuzzer (profiling)",
              ("jit/host/fuzz_replay.c",), includes=()),
    Component("jitbench_main", "jitbench: the benchmark on the host",
              ("jit/host/jitbench.c",), includes=("jit", "jit/host")),
    Component("libm_check_main", "libm-check: our libm against glibc's (ulp sweep, special values)",
              ("tests/host/libm_vs_glibc.c",), includes=()),
    Component("frontend_check_main", "frontend-check: jit_compile_opts as an in-kernel front end uses it",
              ("tests/host/frontend_check.c",), includes=JIT_INC),
    Component("qbe_cli", "the qbe command of the JIT's QBE tree (all targets, its own main.c)",
              ("qbe:*.c", "qbe:amd64/*.c", "qbe:arm64/*.c", "qbe:rv64/*.c"),
              includes=("qbe:",), size="qbe"),
    Component("qbe_stock_cli", "the qbe command of unpatched QBE (build/qbe-stock)",
              ("qbe-stock:*.c", "qbe-stock:amd64/*.c", "qbe-stock:arm64/*.c",
               "qbe-stock:rv64/*.c"), includes=("qbe-stock:",), size="qbe"),
)

BY_NAME = {c.name: c for c in COMPONENTS}

# Libraries behind jit/exports.txt on the host: none beyond libc.  The
# math functions come from our libm component, linked into every host
# program, so JIT'd code computes the same bits there as in the kernel
# (glibc's libm is not linked, so no name can resolve to it).
EXPORT_LIBS: tuple[str, ...] = ()

# The components whose objects' DWARF gives the signatures of the exports
# (jitboot.ffi): those implementing them, and callers declaring the ones
# glibc implements on the host (the loader calls calloc).  The export
# table is rendered once they are compiled.
FFI_SOURCES = ("kernel_lib", "libm", "format", "libc", "libc_kernel", "shim", "host_glue",
               "arena", "loader")

# The JIT as every host program links it.
JIT = ("shim", "arena", "passes", "driver", "asm", "loader", "qbe", "qbe_amd64", "libm", "exports",
       "host_glue", "format", "libc")
# The same built for aarch64 (the host twin under qemu-aarch64): the
# driver takes QBE's arm64 back end and our AArch64 assembler there.
JIT_A64 = JIT + ("asm_a64", "qbe_arm64")
# The fuzz targets load JIT'd code but never run it, so the math
# functions of the export table may come from glibc's libm.  They must:
# in a program that links our libm its log() wins over glibc's, and
# libFuzzer's own scheduling (entropic energy) calls log() for every
# rare feature of every input; built with ASan, UBSan and coverage, ours
# took a quarter of the fuzzer's time and its edges counted as coverage
# of the target.
FUZZ_JIT = tuple(c for c in JIT if c != "libm")
FUZZ_LIBS = ("-Wl,--no-as-needed", "-lm")
# The IL targets count how deep each input gets by wrapping the JIT's
# calls into QBE's passes, the assembler and the loader
# (jit/host/fuzz_stages.h).
FUZZ_WRAPS = ("-Wl," + ",".join(f"--wrap={s}" for s in (
    "ffi_end", "ssa", "rega", "amd64_emitfn", "asm_assemble", "jit_load_linked")),)
# The differential target keeps the programs' output, exit and abort
# (jit/host/fuzz_diff.c).
DIFF_WRAPS = ("-Wl,--wrap=lc_write,--wrap=lc_exit_hook,--wrap=lc_abort_hook",)
# jitrun counts the bytes the JIT holds in the C heap for its --cycles
# leak check (jit/host/jitrun.c).
JITRUN_WRAPS = ("-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free",)
KERNEL = ("boot", "boot_aarch64", "kernel_lib", "kernel_lib_x86_64", "kernel_lib_aarch64", "gcov", "format", "libc", "libc_kernel", "user_lib", "ktests", "shim", "arena",
          "passes", "driver", "asm", "asm_a64", "loader", "icache_aarch64", "qbe", "qbe_amd64", "qbe_arm64", "libm",
          "exports", "kernel_glue", "bench",
          "bench_kernel",
          "bench_programs")

# The user-mode copy of the payload library in isolated images ([run]
# isolation = "user"): these components' objects, and these files' of
# other components, linked once more into one object whose symbols are
# prefixed ju_ and whose sections are .user.* (jitboot.build.link);
# USER_ONLY's objects go nowhere else.  The copy may use nothing of the
# kernel: a symbol it lacks is a link error.
USER_COPY = ("format", "libc", "libm", "user_lib")
USER_COPY_FILES = ("kernel_lib/string.c", "kernel_lib/malloc.c", "kernel_lib/arch/x86_64/mem.c",
                   "jit/shim/strtod.c")
USER_ONLY = ("user_lib",)
USER_PREFIX = "ju_"


@dataclass(frozen=True)
class Program:
    """One linked program: its components, profile and output path."""
    name: str
    doc: str
    components: tuple[str, ...]
    profile: str                          # toolchain.PROFILES key
    output: str                           # relative to the build directory
    link_flags: tuple[str, ...] = ()
    libs: tuple[str, ...] = ()            # after the objects

    def parts(self) -> list[Component]:
        return [BY_NAME[n] for n in self.components]


PROGRAMS: tuple[Program, ...] = (
    Program("kernel", "the unikernel image (per recipe: build/images/<name>/kernel.elf)",
            KERNEL, "kernel", "images/{image}/kernel.elf"),
    Program("jitrun", "host twin: `jitrun FILE.ssa [args]` runs FILE's main",
            JIT + ("qbe_arm64", "jitrun_main"), "host", "host/jitrun",
            link_flags=JITRUN_WRAPS, libs=EXPORT_LIBS),
    Program("jitrun-aarch64", "host twin for aarch64, run under qemu-aarch64: QBE's arm64 "
            "back end, our AArch64 assembler and loader",
            JIT_A64 + ("jitrun_main",), "host-aarch64", "host-aarch64/jitrun",
            link_flags=JITRUN_WRAPS, libs=EXPORT_LIBS),
    Program("qbe", "qbe from the JIT's tree (emitter patches in): the driver's oracle",
            ("qbe_cli",), "qbe", "host/qbe"),
    Program("qbe-stock", "unpatched qbe: QBE AOT in the benchmark, the differential tests",
            ("qbe_stock_cli",), "qbe", "host/qbe-stock"),
    Program("asmdump", "our assembler alone, for the GNU as oracle",
            ("asm", "asmdump_main"), "host", "host/asmdump"),
    Program("asmdump-a64", "our AArch64 assembler alone, for the GNU as oracle",
            ("asm", "asm_a64", "asmdump_a64_main"), "host", "host/asmdump-a64"),
    Program("jitbench", "the benchmark on the host: JIT, gcc twins and QBE AOT in one process",
            JIT + ("bench", "bench_programs", "jitbench_main"), "host", "host/jitbench",
            libs=EXPORT_LIBS),
    Program("libm-check", "our libm against glibc's: `libm-check sweep N SEED`, `libm-check special`",
            ("libm", "libm_check_main"), "host", "host/libm-check", libs=("-ldl",)),
    Program("frontend-check", "jit_compile_opts on the host: two linked modules, resolver, extra symbols",
            JIT + ("frontend_check_main",), "host", "host/frontend-check",
            libs=EXPORT_LIBS),
    Program("jitrun-asan", "jitrun under ASan and UBSan",
            JIT + ("qbe_arm64", "jitrun_main"), "asan", "host-asan/jitrun",
            link_flags=("-fsanitize=address,undefined", *JITRUN_WRAPS),
            libs=EXPORT_LIBS),
    Program("fuzz_jit", "libFuzzer: IL through the whole JIT",
            FUZZ_JIT + ("fuzz_jit_main", "fuzz_mutate"), "asan", "fuzz/fuzz_jit",
            link_flags=("-fsanitize=fuzzer,address,undefined", *FUZZ_WRAPS),
            libs=FUZZ_LIBS),
    Program("fuzz_asm", "libFuzzer: assembly text through the assembler and loader",
            FUZZ_JIT + ("fuzz_asm_main",), "asan", "fuzz/fuzz_asm",
            link_flags=("-fsanitize=fuzzer,address,undefined",),
            libs=FUZZ_LIBS),
    Program("fuzz_diff", "libFuzzer: IL run with and without our passes, outputs compared",
            FUZZ_JIT + ("fuzz_diff_main", "fuzz_mutate"), "asan", "fuzz/fuzz_diff",
            link_flags=("-fsanitize=fuzzer,address,undefined", *FUZZ_WRAPS, *DIFF_WRAPS),
            libs=FUZZ_LIBS),
    *(Program(f"fuzz_{t}-cov", f"fuzz_{t}'s harness with source-based coverage: replays the corpus",
              FUZZ_JIT + (f"fuzz_{t}_main", "fuzz_replay_main"), "cov", f"fuzz/fuzz_{t}-cov",
              link_flags={"jit": FUZZ_WRAPS, "asm": (), "diff": FUZZ_WRAPS + DIFF_WRAPS}[t],
              libs=FUZZ_LIBS) for t in ("jit", "asm", "diff")),
    Program("fuzz_jit-plain", "fuzz_jit's harness without sanitizers or libFuzzer: replays inputs",
            FUZZ_JIT + ("fuzz_jit_main", "fuzz_mutate", "fuzz_replay_main"), "host",
            "fuzz/fuzz_jit-plain",
            link_flags=FUZZ_WRAPS, libs=FUZZ_LIBS),
    Program("fuzz_asm-plain", "fuzz_asm's harness without sanitizers or libFuzzer: replays inputs",
            FUZZ_JIT + ("fuzz_asm_main", "fuzz_replay_main"), "host", "fuzz/fuzz_asm-plain",
            libs=FUZZ_LIBS),
)

PROGRAM = {p.name: p for p in PROGRAMS}
HOST_TOOLS = ("jitrun", "qbe", "qbe-stock", "asmdump")      # what `doit host` builds

# Folders whose every source must belong to a component.
OWNED_DIRS = ("boot", "kernel_lib", "jit")
SOURCE_SUFFIXES = (".c", ".S")


def split(pattern: str) -> tuple[str, str]:
    """"qbe:amd64/*.c" -> ("qbe", "amd64/*.c"); "jit/*.c" -> ("src", "jit/*.c")."""
    tree, sep, rest = pattern.partition(":")
    return (tree, rest) if sep else ("src", pattern)


@dataclass(frozen=True)
class Trees:
    """Where each pattern tree lives for one build."""
    src: Path
    gen: Path | None = None
    qbe: Path | None = None
    qbe_stock: Path | None = None
    gen_files: tuple[Path, ...] = ()       # what the generators write into gen

    def get(self, tree: str) -> Path | None:
        return {"src": self.src, "gen": self.gen, "qbe": self.qbe,
                "qbe-stock": self.qbe_stock}[tree]


def component_files(comp: Component, trees: Trees) -> list[Path]:
    """The component's files, sorted (so links are reproducible).  Generated
    files (gen:) are taken from trees.gen_files whether or not they exist
    yet; trees not given contribute nothing."""
    out: list[Path] = []
    excluded = set()
    for pat in comp.exclude:
        tree, rel = split(pat)
        base = trees.get(tree)
        if base is not None:
            excluded.add(base / rel)
    for pat in comp.files:
        tree, rel = split(pat)
        base = trees.get(tree)
        if base is None:
            continue
        if tree == "gen":
            # generated files are named by their generators, not found on disk
            found = sorted(f for f in trees.gen_files
                           if _glob_match(str(f.relative_to(base)), rel))
        elif any(ch in rel for ch in "*?["):
            found = sorted(base.glob(rel))
        else:
            found = [base / rel] if (base / rel).exists() else []
        out += [f for f in found if f not in excluded]
    return out


def include_dirs(comp: Component, trees: Trees) -> list[Path]:
    dirs = []
    for inc in comp.includes:
        tree, rel = split(inc)
        base = trees.get(tree)
        if base is not None:
            dirs.append(base / rel if rel else base)
    return dirs


def kernel_components(features: dict[str, bool], arch: str = "x86_64") -> list[Component]:
    """The kernel's components for a recipe's features (jit, bench) and
    architecture."""
    return [c for c in PROGRAM["kernel"].parts() if arch in c.arch
            and (c.kernel_when is None or features.get(c.kernel_when, False))]


def _glob_match(path: str, pattern: str) -> bool:
    """Glob match where * never crosses a folder: "jit/*.c" is not jit/host/x.c."""
    a, b = path.split("/"), pattern.split("/")
    return len(a) == len(b) and all(fnmatch.fnmatchcase(x, y) for x, y in zip(a, b))


def owner(path: str) -> list[str]:
    """Names of the components whose repository patterns match path
    (relative to the root); exactly one for every owned source."""
    names = []
    for c in COMPONENTS:
        pats = [rel for tree, rel in map(split, c.files) if tree == "src"]
        excl = [rel for tree, rel in map(split, c.exclude) if tree == "src"]
        if any(_glob_match(path, p) for p in pats) and not any(_glob_match(path, p) for p in excl):
            names.append(c.name)
    return names


def owned_sources(root: Path = ROOT) -> list[str]:
    """Every source file under OWNED_DIRS, relative to root."""
    out = []
    for d in OWNED_DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.suffix in SOURCE_SUFFIXES and p.is_file():
                out.append(str(p.relative_to(root)))
    return out


def ownership_problems(root: Path = ROOT) -> list[str]:
    """One line per source under OWNED_DIRS that no component, or more
    than one, claims (empty when the manifest is complete)."""
    problems = []
    for path in owned_sources(root):
        names = owner(path)
        if not names:
            problems.append(f"{path}: no component owns it: add it to a Component's files "
                            f"in jitboot/components.py (or move it to its component's folder)")
        elif len(names) > 1:
            problems.append(f"{path}: claimed by {', '.join(names)}: a file belongs to "
                            f"exactly one component (jitboot/components.py)")
    return problems


def ktest_sources(root: Path = ROOT, jit: bool = True, arch: str = "x86_64") -> list[Path]:
    """Sources that may define kernel tests (KTEST), for the recipe check."""
    trees = Trees(src=root)
    feats = {"jit": jit, "bench": jit}
    return [f for c in kernel_components(feats, arch) if c.ktests
            for f in component_files(c, trees) if f.exists()]


def size_rules(build_dir: Path | None = None, root: Path = ROOT) -> tuple[tuple[str, str], ...]:
    """The size audit's attribution rules (path prefix or pattern ->
    group) for the kernel's components.  DWARF names files relative to the
    repository, or absolute for a build directory outside it; a folder glob
    ("kernel_lib/*.c") claims its whole folder, headers' inline code too."""
    from . import paths
    bd = Path(build_dir) if build_dir else paths.build_dir(root)
    try:
        where = str(bd.resolve().relative_to(root.resolve()))
    except ValueError:
        where = str(bd.resolve())
    trees = {"qbe": f"{where}/qbe-src/"}
    rules: list[tuple[str, str]] = []
    for c in PROGRAM["kernel"].parts():
        for pat in c.files:
            tree, rel = split(pat)
            if tree == "gen":
                continue
            if tree in trees:
                rule = (trees[tree], c.size_group)
            elif re.fullmatch(r"[^*?\[]+/\*\.[cS]", rel):
                rule = (rel.rsplit("/", 1)[0] + "/", c.size_group)
            else:
                rule = (rel, c.size_group)
            if rule not in rules:
                rules.append(rule)
    # the first match wins: a folder nested in another component's folder
    # (kernel_lib/libm/ in kernel_lib/) goes first (a stable sort, longest
    # prefix first)
    rules.sort(key=lambda r: -len(r[0]))
    rules += [("*/gen/*", "generated"), ("gen/", "generated")]
    return tuple(rules)


def size_groups() -> set[str]:
    """The size audit's component names (what a recipe's budget may name)."""
    return {c.size_group for c in PROGRAM["kernel"].parts()} | {"generated"}


def readme_table() -> str:
    """The README's component table (tests/test_components.py keeps it in step)."""
    rows = ["| component | files | programs | what |", "|---|---|---|---|"]
    for c in COMPONENTS:
        progs = [p.name for p in PROGRAMS if c.name in p.components]
        when = f" (with `{c.kernel_when}`)" if c.kernel_when and "kernel" in progs else ""
        if "kernel" in progs:
            progs[progs.index("kernel")] = f"kernel ({', '.join(c.arch)})"
        files = ", ".join(f"`{f}`" for f in c.files)
        rows.append(f"| `{c.name}` | {files} | {', '.join(progs)}{when} | {c.doc} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(readme_table(), end="")
