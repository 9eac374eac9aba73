"""`doit coverage`: the kernel's C code compiled with gcov's counters, booted
in QEMU with its tests and the IL corpus, the counters sent back over
serial as .gcda files and rendered by gcovr.

One coverage build and boot (module fixture) serves every assertion; the
frame reader and the component selection are also checked on their own,
and the runtime's .gcda files against libgcov's for the same objects.
"""

import base64
import re
import subprocess
import zlib
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from jitboot import ROOT, components, coverage, toolchain
from jitboot.build import image_for
from jitboot.errors import JitbootError
from jitboot.recipe import load_recipe
from jitboot.render import protocol_header
from conftest import doit

RECIPE = load_recipe("default", ROOT)
VARIANT = image_for(RECIPE, ROOT, "coverage")


@pytest.fixture(scope="module")
def coverage_run():
    proc = doit(ROOT, "-n", "2", "coverage")
    figures = {f.path: f for f in coverage.summarize(coverage.report_dir(VARIANT) / "summary.json")}
    return proc, figures


def test_corpus_covers_the_assembler_and_malloc(coverage_run):
    _, figures = coverage_run
    asm = coverage.total([f for p, f in figures.items() if p.startswith("jit/asm/")])
    assert asm.total > 1000, f"jit/asm/ has only {asm.total} instrumented lines"
    assert asm.percent >= 60, f"jit/asm/: {asm.covered}/{asm.total} lines"
    malloc = figures["kernel_lib/malloc.c"]
    assert malloc.percent >= 60, f"kernel_lib/malloc.c: {malloc.covered}/{malloc.total} lines"


def test_report_covers_every_chosen_component(coverage_run):
    proc, figures = coverage_run
    folders = {p.rsplit("/", 1)[0] for p in figures}
    assert {"kernel_lib", "jit", "jit/asm", "jit/passes", "jit/shim",
            "build/qbe-src", "build/qbe-src/amd64"} <= folders
    assert "kernel_lib/gcov.c" not in figures        # the runtime is not measured
    core = re.search(r"^JIT core \(jit/ and QBE\)\s+(\d+)\s+(\d+)", proc.stdout, re.M)
    assert core, proc.stdout[-2000:]
    want = coverage.total([f for p, f in figures.items() if coverage.is_jit_core(p)])
    assert (int(core.group(1)), int(core.group(2))) == (want.covered, want.total)
    out = coverage.report_dir(VARIANT)
    assert "jit/asm/insn.c" in (out / "coverage.txt").read_text()
    assert (out / "index.html").stat().st_size > 0


def test_counts_are_the_runs_own(coverage_run):
    """gcov reads the kernel's .gcda: kmain ran once, and the loop over the
    payloads once per module of the boot."""
    obj = VARIANT.obj / "kernel_lib"
    text = subprocess.run(["gcov", "-t", "-o", str(obj), "kernel_lib/kmain.c"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    assert re.search(r"^\s+1:\s+\d+:\s+serial_init\(\);", text, re.M), text[:3000]
    text = subprocess.run(["gcov", "-t", "-o", str(obj), "kernel_lib/ktest.c"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    runs = re.search(r"^\s+(\d+):\s+\d+:\s+jit_run_payload\(", text, re.M)
    assert runs and int(runs.group(1)) == len(coverage.payloads_for(RECIPE)), text[-3000:]


def test_normal_image_has_no_gcov_runtime(coverage_run, image_builder):
    image = image_builder("default")
    with open(image.elf, "rb") as f:
        elf = ELFFile(f)
        syms = {s.name: s for s in elf.get_section_by_name(".symtab").iter_symbols()}
        assert elf.get_section_by_name("gcov_info") is None
    # only the linker script's (empty) bounds; the weak gcov_dump hook is unresolved
    defined = sorted(n for n, s in syms.items() if "gcov" in n and s["st_shndx"] != "SHN_UNDEF")
    assert defined == ["__gcov_info_end", "__gcov_info_start"]
    assert syms["__gcov_info_start"]["st_value"] == syms["__gcov_info_end"]["st_value"]
    assert not list(image.obj.rglob("*.gcno"))


# -- the frames on serial ----------------------------------------------------

def frames(path: str, data: bytes, crc: int | None = None) -> bytes:
    b64 = base64.b64encode(data).decode()
    lines = [f"# gcov-file {len(data)} {crc if crc is not None else zlib.crc32(data):x} {path}"]
    lines += [f"# gcov-data {b64[i:i + 76]}" for i in range(0, len(b64), 76)]
    return ("\n".join(lines) + "\n").encode()


def test_frames_decode_and_check():
    data = bytes(range(256)) * 3
    log = b"ok 1 heap\n" + frames("/x/a.gcda", data) + frames("/x/b.gcda", b"") \
        + b"# gcov-end 2\n"
    got = coverage.read_frames(log)
    assert [(f.path, f.data) for f in got] == [("/x/a.gcda", data), ("/x/b.gcda", b"")]


def test_damaged_frames_are_errors():
    data = b"gcda" * 100
    with pytest.raises(JitbootError, match=r"gcov data of /x/a.gcda on serial is damaged"):
        coverage.read_frames(frames("/x/a.gcda", data, crc=zlib.crc32(data) ^ 1)
                             + b"# gcov-end 1\n")
    with pytest.raises(JitbootError, match="no gcov data"):
        coverage.read_frames(frames("/x/a.gcda", data))          # cut off before the end
    with pytest.raises(JitbootError, match="announced 2 .gcda files and sent 1"):
        coverage.read_frames(frames("/x/a.gcda", data) + b"# gcov-end 2\n")


def test_gcda_goes_only_beside_its_gcno(tmp_path):
    (tmp_path / "obj").mkdir()
    (tmp_path / "obj" / "a.gcno").write_bytes(b"")
    wrote = coverage.write_gcda([coverage.GcdaFile(str(tmp_path / "obj" / "a.gcda"), b"x")],
                                tmp_path / "obj")
    assert wrote[0].read_bytes() == b"x"
    with pytest.raises(JitbootError, match="not a .gcda under"):
        coverage.write_gcda([coverage.GcdaFile(str(tmp_path / "elsewhere.gcda"), b"x")],
                            tmp_path / "obj")


def test_component_selection():
    kernel = {c.name for c in components.kernel_components({"jit": True, "bench": False})}
    want = [n for g in ("kernel_lib", "jit", "qbe", "libc") for n in coverage.GROUPS[g]
            if n in kernel]
    assert coverage.selection(None, RECIPE) == tuple(want)
    assert "kernel_lib_x86_64" in want and "libc" in want
    # the group qbe: QBE's target-independent passes and the image's back end
    assert coverage.selection("qbe,asm", RECIPE) == ("qbe", "qbe_amd64", "asm")
    with pytest.raises(JitbootError, match=r"'qbee' is not a component .* \(did you mean qbe\?\)"):
        coverage.selection("qbee", RECIPE)
    nojit = load_recipe("nojit", ROOT)
    with pytest.raises(JitbootError, match="image 'nojit' builds no qbe"):
        coverage.selection("qbe", nojit)


def test_bad_components_variable_is_one_line():
    proc = doit(ROOT, "coverage", "components=kernel_lib,qbee", check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        proc.stderr.strip()] and "'qbee' is not a component" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- the oracle: libgcov -------------------------------------------------------

# kernel_lib/gcov.c compiled for the host against stand-ins for the kernel
# headers: its UART writes to stdout.
HOST_KERNEL_H = "#include <stddef.h>\n#include <stdint.h>\n" + "".join(
    line + "\n" for line in protocol_header().splitlines()
    if re.match(r"#define JB_(KTAP_DIAGNOSTIC|GCOV_)", line))
HOST_X86_H = """#include <stdio.h>
static inline uint8_t inb(uint16_t port) { (void)port; return 0x20; }
static inline void outb(uint16_t port, uint8_t v) { (void)port; putchar(v); }
"""
DUMP_AT_EXIT = """#include <stdio.h>
void gcov_dump(void);
__attribute__((destructor)) static void dump_at_exit(void) { fflush(stdout); gcov_dump(); }
"""
PROGRAM = {
    "prog.c": """#include <stdio.h>
        int steps(long n);
        static int never(int x) { return x * 3; }
        int main(int argc, char **argv) {
            int t = 0;
            for (long i = 1; i < 300; i++) t += steps(i);
            if (argc > 5) t += never(argc);
            printf("%d\\n", t);
            return 0;
        }
        """,
    "lib.c": """int steps(long n) {
            int s = 0;
            while (n != 1) { n = n & 1 ? 3 * n + 1 : n / 2; s++; }
            return s;
        }
        static int unused(int x) { return x ? unused(x - 1) + 1 : 0; }
        int (*keep)(int) = unused;
        """,
}


def test_gcda_bytes_equal_libgcov(tmp_path):
    """The same objects run once with libgcov (constructors, files written
    at exit) and once with our runtime (gcov_info section, frames on
    stdout): every .gcda byte for byte the same, program summary included."""
    import shutil
    for name, text in PROGRAM.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "kernel.h").write_text(HOST_KERNEL_H)
    (tmp_path / "x86.h").write_text(HOST_X86_H)
    (tmp_path / "dump.c").write_text(DUMP_AT_EXIT)
    shutil.copy(ROOT / "kernel_lib" / "gcov.c", tmp_path / "gcov.c")   # beside the stand-ins
    flags = ["-O1", "-frandom-seed=oracle", "-fprofile-arcs", "-ftest-coverage"]

    def sh(*cmd):
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True,
                              check=True).stdout

    def build(extra, out, *more):
        for src in PROGRAM:
            sh("gcc", *flags, *extra, "-c", src, "-o", src.replace(".c", ".o"))
        sh("gcc", *[s.replace(".c", ".o") for s in PROGRAM], *more, "-o", out)

    build([], "ref", "-fprofile-arcs")
    assert sh("./ref") == f"{sum(_steps(i) for i in range(1, 300))}\n"
    want = {n: (tmp_path / n.replace(".c", ".gcda")).read_bytes() for n in PROGRAM}
    for n in PROGRAM:
        (tmp_path / n.replace(".c", ".gcda")).unlink()
    sh("gcc", "-O1", "-c", "gcov.c", "-o", "gcov.o")
    sh("gcc", "-O1", "-c", "dump.c", "-o", "dumpx.o")
    section = [f for f in toolchain.COVERAGE_CFLAGS if f.startswith("-fprofile-info-section")]
    build(section, "ours", "gcov.o", "dumpx.o",
          "-Wl,--defsym,__gcov_info_start=__start_gcov_info",
          "-Wl,--defsym,__gcov_info_end=__stop_gcov_info")
    got = {Path(f.path).name.replace(".gcda", ".c"): f.data
           for f in coverage.read_frames(sh("./ours").encode())}
    assert got.keys() == want.keys()
    for name in PROGRAM:
        assert got[name] == want[name], f"{name}: {got[name].hex()} != {want[name].hex()}"


def _steps(n):
    s = 0
    while n != 1:
        n = 3 * n + 1 if n & 1 else n // 2
        s += 1
    return s
