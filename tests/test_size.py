"""Size audit: small ELFs compiled here, checked against binutils' own view."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jitboot import recipe, size
from jitboot.errors import JitbootError
from jitboot.size.render import render_diff, render_html, render_overruns, render_table

pytestmark = pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("ld")),
                                reason="needs gcc and ld")

# A miniature source tree laid out like the project, one file per component.
# GROW makes jit/driver.c's drive() bigger for the diff test.
TREE = {
    "boot/start.c": """
        extern int drive(int);
        extern int kmain(void);
        void _start(void) { drive(kmain()); for (;;) ; }
        """,
    "kernel_lib/heap.c": """
        int heap_table[750] = {1, 2, 3};            /* 3000 bytes of .data */
        static int used;
        int heap_alloc(int n) { static int calls; calls++; used += n; return heap_table[n & 7] + used; }
        int heap_alias(int n) __attribute__((alias("heap_alloc")));
        """,
    "jit/shim/io.c": """
        const char shim_digits[1234] = "0123456789";  /* .rodata */
        int shim_putc(int c) { return shim_digits[c % 10]; }
        const char *shim_name(void) { return "a string literal: no symbol, no DWARF address"; }
        """,
    "jit/driver.c": """
        char driver_arena[8192];                      /* .bss */
        extern int qbe_parse(int);
        extern int asm_encode(int);
        __attribute__((cold, noinline)) int driver_fail(int x) { driver_arena[x] = 1; return -x; }
        int drive(int x) {
            if (x < 0) return driver_fail(x);
        #ifdef GROW
            for (int i = 0; i < x; i++) driver_arena[i * 7 % 8192] += (char)(i * i ^ x);
            driver_arena[x % 8192] = (char)asm_encode(x * 3);
        #endif
            return qbe_parse(x) + asm_encode(x);
        }
        """,
    "jit/asm/insn.c": """
        int asm_encode(int x) { return x * 5 + 1; }
        """,
    "build/qbe-src/parse.c": """
        static const long opcodes[64] = {5, 7, 9};
        long qbe_tab[100];
        static int parse_one(int c) { return (int)opcodes[c & 63] * c; }
        int qbe_parse(int x) { int s = 0; for (int i = 0; i < x; i++) s += parse_one(i) ^ (s << 1); return s; }
        """,
    "build/images/t/gen/ktests.c": """
        int kmain(void) { return 3; }
        const int ktest_count = 4;
        """,
}
CFLAGS = ["-std=gnu11", "-O2", "-g", "-ffreestanding", "-fno-pic", "-fno-pie",
          "-fno-asynchronous-unwind-tables", "-fno-stack-protector"]


def build(root: Path, defines=(), cflags=(), map_file=False) -> Path:
    """Compile TREE under root as the project build would, link it statically."""
    objs = []
    for rel, src in TREE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src)
        obj = root / "obj" / (rel.replace("/", "_") + ".o")
        obj.parent.mkdir(exist_ok=True)
        subprocess.run(["gcc", *CFLAGS, *cflags, *[f"-D{d}" for d in defines],
                        f"-ffile-prefix-map={root}=.", "-c", rel, "-o", obj],
                       cwd=root, check=True)
        objs.append(obj)
    elf = root / "kernel.elf"
    subprocess.run(["ld", "-nostdlib", "-static", "-no-pie", "-z", "max-page-size=0x1000",
                    "--build-id=none", "-e", "_start", *objs, "-o", elf,
                    *([f"-Map={root / 'kernel.map'}"] if map_file else [])], check=True)
    return elf


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    return root, build(root)


@pytest.fixture(scope="module")
def report(tree):
    return size.audit(tree[1], source_root=tree[0])


def readelf_sections(elf):
    """{name: (type, flags, size)} of allocated sections, from readelf -SW."""
    out = subprocess.run(["readelf", "-SW", elf], capture_output=True, text=True,
                         check=True).stdout
    secs = {}
    for m in re.finditer(r"\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)"
                         r"\s+[0-9a-f]+\s+([A-Z]*)", out):
        name, typ, _, _, sz, flags = m.groups()
        if "A" in flags and int(sz, 16):
            secs[name] = (typ, flags, int(sz, 16))
    return secs


def readelf_loads(elf):
    out = subprocess.run(["readelf", "-lW", elf], capture_output=True, text=True,
                         check=True).stdout
    return [(int(fs, 16), int(ms, 16)) for fs, ms in
            re.findall(r"^\s*LOAD\s+\S+\s+\S+\s+\S+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)", out, re.M)]


# --------------------------------------------------------------- layout

def test_sections_match_readelf_and_size(tree, report):
    want = readelf_sections(tree[1])
    got = {s.name: s for s in report.sections}
    assert set(got) == set(want)
    for name, (typ, flags, sz) in want.items():
        assert got[name].mem_size == sz
        assert got[name].file_size == (0 if typ == "NOBITS" else sz)
        assert set(got[name].flags) == set(flags) & set("WAX")
    # size -A agrees on the sizes too (it lists every section, loaded or not)
    out = subprocess.run(["size", "-A", tree[1]], capture_output=True, text=True).stdout
    sizes = dict(re.findall(r"^(\.\S+)\s+(\d+)", out, re.M))
    for s in report.sections:
        assert int(sizes[s.name]) == s.mem_size
    assert report.totals["debug"] > 0            # -g was used and is not counted as image


def test_segments_match_readelf(tree, report):
    loads = readelf_loads(tree[1])
    assert [(g.file_size, g.mem_size) for g in report.segments] == loads
    assert report.totals["image"] == sum(f for f, _ in loads)
    assert report.totals["memory"] == sum(m for _, m in loads)
    bss = next(s for s in report.sections if s.name == ".bss")
    seg = next(g for g in report.segments if g.index == bss.segment)
    assert ".bss" in seg.sections and seg.mem_size > seg.file_size


# ---------------------------------------------------------- attribution

def test_attribution_reconciles(report):
    for sec in report.sections:
        parts = [c.sections.get(sec.name, 0) for c in report.components]
        assert all(p >= 0 for p in parts)
        assert sum(parts) == sec.mem_size, sec.name
    for k in size.KINDS:
        assert sum(getattr(c, k) for c in report.components) == \
            sum(s.mem_size for s in report.sections if s.kind == k)
    assert sum(c.file for c in report.components) == report.totals["sections_file"]
    assert sum(report.attribution.values()) == report.totals["sections_memory"]


def test_components_from_dwarf_paths(report):
    c = report.component
    assert report.method.startswith("DWARF")
    assert c("kernel_lib").data >= 3000
    assert c("shim").rodata >= 1234
    assert c("jit_driver").bss >= 8192
    assert c("qbe").rodata >= 64 * 8 and c("qbe").bss >= 800
    assert c("asm_loader").text > 0 and c("boot").text > 0
    assert c("generated").text > 0 and c("generated").rodata >= 4
    # the cold function lives in .text.unlikely, reached through DW_AT_ranges
    cold = next(s for s in report.symbols if s.name == "driver_fail")
    assert cold.component == "jit_driver"
    # a function-scope static has no file-scope DWARF entry: found via STT_FILE
    calls = next(s for s in report.symbols if s.name.startswith("calls"))
    assert calls.component == "kernel_lib" and report.attribution["symbol"] >= 4
    assert {f["path"] for f in report.files} >= {"kernel_lib/heap.c", "jit/shim/io.c",
                                                  "build/qbe-src/parse.c"}


def test_linker_map_places_string_literals(tmp_path):
    root = tmp_path / "mapped"
    elf = build(root, map_file=True)
    without = size.audit(elf, source_root=root, map_path=None)
    lit = len("a string literal: no symbol, no DWARF address") + 1
    assert without.component(size.UNATTRIBUTED).rodata >= lit
    r = size.audit(elf, source_root=root)             # finds kernel.map by itself
    assert "linker map" in r.method and r.attribution["map"] >= lit and reconciles(r)
    assert r.component("shim").rodata >= without.component("shim").rodata + lit
    assert r.component(size.UNATTRIBUTED).rodata < lit
    for c in ("kernel_lib", "jit_driver", "qbe"):      # DWARF claims are not moved
        assert r.component(c).memory >= without.component(c).memory
    assert size.read_map(root / "kernel.map")[0][2].startswith(str(root / "obj"))


def test_custom_component_rules(tree):
    r = size.audit(tree[1], components=[("jit/", "jit"), ("kernel_lib/heap.c", "heap")])
    names = {c.name for c in r.components}
    assert {"jit", "heap", "other"} <= names and "qbe" not in names
    assert r.component("jit").bss >= 8192


def test_coverage_never_double_counts():
    cov = size.Coverage()
    assert cov.claim(10, 20, "a", "dwarf") == 10
    assert cov.claim(15, 30, "b", "symbol") == 10     # only 20..30 is new
    assert cov.claim(0, 40, "c", "symbol") == 20      # 0..10 and 30..40
    assert cov.claim(12, 18, "d", "symbol") == 0
    assert cov.owner(12) == ("a", "dwarf") and cov.owner(25) == ("b", "symbol")
    assert cov.owner(35) == ("c", "symbol") and cov.owner(40) is None
    assert sum(e - s for s, e, _, _ in cov.items) == 40


def test_top_symbols(report):
    syms = report.symbols
    assert [s.size for s in syms] == sorted((s.size for s in syms), reverse=True)
    assert syms[0].name == "driver_arena" and syms[0].size == 8192
    assert syms[1].name == "heap_table" and syms[1].component == "kernel_lib"
    # heap_alias shares heap_alloc's bytes: listed once
    assert len({s.name for s in syms} & {"heap_alloc", "heap_alias"}) == 1
    text = render_table(report, top=3)
    assert "driver_arena" in text and "heap_table" in text and "qbe_tab" not in text


# --------------------------------------------------------------- budgets

def test_budgets_pass_with_defaults(report):
    assert size.check_budgets(report) == []
    assert size.check_budgets(report, {"image": "5 MiB", "components": {"qbe": "1K"}}) == []


def test_budget_fail_names_component(report):
    over = size.check_budgets(report, {"jit_core": 64, "components": {"shim": 100}})
    by = {o.budget: o for o in over}
    assert set(by) == {"jit_core", "component shim"}
    core = by["jit_core"]
    assert core.measured == report.jit_core and core.over == report.jit_core - 64
    assert core.culprits[0][0] == "shim"           # 1234 bytes of table: the largest
    assert by["component shim"].culprits == [("shim", report.component("shim").file)]
    text = render_overruns(over)
    assert "OVER BUDGET" in text and "component shim" in text and f"+{core.over}" in text


def test_budget_errors(report):
    with pytest.raises(JitbootError, match="unknown key 'imagee'"):
        size.check_budgets(report, {"imagee": 5})
    with pytest.raises(JitbootError, match="unknown component 'qbee'"):
        size.check_budgets(report, {"components": {"qbee": 5}})
    with pytest.raises(JitbootError, match="^budget.image: expected a size like 64K"):
        size.check_budgets(report, {"image": "five megs"})
    assert size.parse_size("500 KiB") == 512000 and size.parse_size("5M") == 5 << 20
    assert size.parse_size(0x1000) == 4096 and size.parse_size("1.5K") == 1536
    # one grammar with recipes: every unit is binary
    assert size.parse_size("5MB") == recipe.parse_size("5MB") == 5 << 20
    assert size.DEFAULT_BUDGETS["memory"] == recipe.KEY["budget", "memory"].default


def test_cli_help_gives_the_schema_defaults(capsys):
    with pytest.raises(SystemExit):
        size.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "memory budget incl. bss (default 32M)" in out and "(default 5M)" in out
    assert "1K = 1024" in out


# ------------------------------------------------------------------ diff

def test_diff_when_one_function_grows(tree, report, tmp_path):
    old = tmp_path / "size.prev.json"
    size.write_json(report, old)
    grown = size.audit(build(tmp_path / "grown", defines=["GROW"]), source_root=tmp_path / "grown")
    d = size.diff(old, grown)
    syms = {c.name: c for c in d.symbols}
    assert syms["drive"].delta > 0 and syms["drive"].old is not None
    comps = {c.name: c for c in d.components}
    assert comps["jit_driver"].delta > 0
    assert "qbe" not in comps and "shim" not in comps      # unchanged ones are not listed
    text = render_diff(d)
    assert re.search(r"grow/shrink: [1-9]\d*/\d+", text) and "drive" in text


def test_diff_added_and_removed(report):
    new = size.report_dict(report)
    old = json.loads(json.dumps(new))
    old["symbols"] = [s for s in old["symbols"] if s["name"] != "qbe_tab"]
    old["symbols"].append({"name": "gone", "size": 40, "file": None})
    d = size.diff(old, new)
    by = {c.name: c for c in d.symbols}
    assert by["qbe_tab"].old is None and by["qbe_tab"].delta == 800
    assert by["gone"].new is None and by["gone"].delta == -40
    assert "add/remove: 1/1 grow/shrink: 0/0 up/down: 800/-40 (760)" in render_diff(d)


# ---------------------------------------------------------------- outputs

def test_json_schema_round_trip(report, tmp_path):
    out = tmp_path / "size.json"
    size.write_json(report, out, size.check_budgets(report, {"jit_core": 10}))
    d = size.load_report(out)
    assert d["schema_version"] == size.SCHEMA_VERSION
    assert {"elf", "method", "notes", "totals", "attribution", "sections", "segments",
            "components", "files", "symbols", "budgets"} <= set(d)
    assert sum(c["memory"] for c in d["components"]) == d["totals"]["sections_memory"]
    assert d["budgets"][0]["budget"] == "jit_core" and d["budgets"][0]["over"] > 0
    assert d["components"][-1]["name"] == "unattributed"    # padding, always last


def test_html_is_self_contained(report):
    page = render_html(report, [], None, size.DEFAULT_BUDGETS)
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 4
    assert "<script" not in page and " src=" not in page and "href=" not in page
    assert re.findall(r"https?://[^\"']+", page) == ["http://www.w3.org/2000/svg"] * \
        page.count("<svg")
    for c in report.components:
        if c.file:
            assert f">{c.name}<" in page


def test_publish_keeps_previous_report(tree, tmp_path):
    img = tmp_path / "img"
    img.mkdir()
    shutil.copy(tree[1], img / "kernel.elf")
    first = size.publish(img, {"image": "5M"}, source_root=tree[0])
    assert first.diff is None and (img / "size.json").exists() and (img / "size.html").exists()
    second = size.publish(img, {"image": 100}, source_root=tree[0])
    assert (img / "size.prev.json").exists() and second.diff is not None
    assert second.diff.symbols == [] and second.overruns[0].budget == "image"
    assert "OVER BUDGET" in second.text


@pytest.mark.parametrize("content, problem", [
    ("not json\n", "Expecting value"),
    ('{"schema_version": 1}\n', "'totals' lacks"),
    ('{"schema_version": 1, "totals": {"image": 1, "memory": 1}, "components": [{}],'
     ' "symbols": []}\n', r"components\[0\] lacks"),
])
def test_bad_baseline_fails_and_keeps_the_report(tree, tmp_path, content, problem):
    """A bad baseline is one line naming it, and size.json survives it."""
    img = tmp_path / "img"
    img.mkdir()
    shutil.copy(tree[1], img / "kernel.elf")
    size.publish(img, source_root=tree[0])
    before = (img / "size.json").read_text()
    bad = tmp_path / "old.json"
    bad.write_text(content)
    with pytest.raises(JitbootError, match=rf"^{re.escape(str(bad))}: not a size report .*{problem}"):
        size.publish(img, source_root=tree[0], baseline=bad)
    assert (img / "size.json").read_text() == before


def test_baseline_may_be_the_current_report(tree, tmp_path):
    img = tmp_path / "img"
    img.mkdir()
    shutil.copy(tree[1], img / "kernel.elf")
    size.publish(img, source_root=tree[0])
    again = size.publish(img, source_root=tree[0], baseline=img / "size.json")
    assert again.diff is not None and again.diff.image.delta == 0


# -------------------------------------------------------------- bad input

def cli(*args):
    return subprocess.run([sys.executable, "-m", "jitboot.size", *map(str, args)],
                          capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)


def test_cli_exit_codes(tree, tmp_path):
    ok = cli(tree[1], "--json", tmp_path / "s.json", "--html", tmp_path / "s.html")
    assert ok.returncode == 0, ok.stderr
    assert "size budgets: ok" in ok.stdout and (tmp_path / "s.html").exists()
    over = cli(tree[1], "--budget-image", "1K", "--baseline", tmp_path / "s.json")
    assert over.returncode == 1 and "OVER BUDGET" in over.stdout
    assert "Compared with" in over.stdout
    bad = cli(tmp_path / "nope.elf")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0 and "no such file" in bad.stderr
    assert cli(tree[1], "--budget-image", "lots").returncode == 2


def expect_error(path, pattern):
    with pytest.raises(JitbootError, match=pattern) as e:
        size.audit(path)
    assert "\n" not in str(e.value)


def test_bad_inputs(tree, tmp_path):
    elf = tree[1]
    data = elf.read_bytes()
    expect_error(tmp_path / "missing.elf", "no such file")
    (tmp_path / "text").write_text("hello, not an ELF\n")
    expect_error(tmp_path / "text", "not an ELF file")
    (tmp_path / "dir.elf").mkdir()
    expect_error(tmp_path / "dir.elf", "not a regular file")
    (tmp_path / "short").write_bytes(data[:40])
    expect_error(tmp_path / "short", "truncated")
    (tmp_path / "half").write_bytes(data[: len(data) // 2])
    expect_error(tmp_path / "half", "truncated")
    # section header table pointing into nowhere
    bad = bytearray(data)
    bad[0x28:0x30] = (len(data) * 4).to_bytes(8, "little")
    (tmp_path / "shoff").write_bytes(bytes(bad))
    expect_error(tmp_path / "shoff", "truncated|corrupt")
    # garbage section headers inside the file
    bad = bytearray(data)
    shoff = int.from_bytes(data[0x28:0x30], "little")
    bad[shoff:] = b"\xa5" * (len(data) - shoff)
    (tmp_path / "garbage").write_bytes(bytes(bad))
    expect_error(tmp_path / "garbage", "corrupt|truncated")
    # foreign machine: patch e_machine to RISC-V (x86-64 and AArch64 are audited)
    bad = bytearray(data)
    bad[0x12:0x14] = (243).to_bytes(2, "little")
    (tmp_path / "riscv").write_bytes(bytes(bad))
    expect_error(tmp_path / "riscv", r"EM_RISCV, expected x86-64 \(EM_X86_64\) or aarch64")


def test_32bit_container_rejected(tree, tmp_path):
    out = tmp_path / "kernel.elf32"
    subprocess.run(["objcopy", "-I", "elf64-x86-64", "-O", "elf32-i386", tree[1], out],
                   check=True)
    expect_error(out, "32-bit ELF.*kernel.elf32")


def reconciles(r):
    return all(sum(c.sections.get(s.name, 0) for c in r.components) == s.mem_size
               for s in r.sections)


def test_without_debug_info(tmp_path):
    root = tmp_path / "g0"
    r = size.audit(build(root, cflags=["-g0"]), source_root=root)
    assert r.method.startswith("no DWARF") and any("no DWARF" in n for n in r.notes)
    assert reconciles(r)
    # local symbols still name their file (STT_FILE): the statics land in kernel_lib
    assert r.component("kernel_lib").bss == 8 and r.attribution["symbol"] >= 8
    assert r.component(size.UNATTRIBUTED).memory > 8192      # globals: no owner known
    assert r.symbols[0].name == "driver_arena"
    assert "no DWARF" in render_table(r)


def test_debug_info_stripped(tree, tmp_path):
    out = tmp_path / "nodebug.elf"
    subprocess.run(["objcopy", "--strip-debug", tree[1], out], check=True)
    r = size.audit(out, source_root=tree[0])
    assert r.method.startswith("no DWARF") and reconciles(r)
    assert r.component(size.UNATTRIBUTED).memory == r.totals["sections_memory"]
    assert r.symbols[0].name == "driver_arena"


def test_without_symbols_or_debug_info(tree, tmp_path):
    out = tmp_path / "stripped.elf"
    subprocess.run(["strip", "-s", tree[1], "-o", out], check=True)
    r = size.audit(out)
    assert r.symbols == [] and any("no symbol table" in n for n in r.notes)
    assert [c.name for c in r.components] == [size.UNATTRIBUTED]
    assert r.component(size.UNATTRIBUTED).memory == r.totals["sections_memory"]
    assert "everything unattributed" in r.method
    # a gate that cannot attribute anything must not pass with jit_core = 0
    with pytest.raises(JitbootError) as e:
        size.check_budgets(r, {"jit_core": 1})
    assert str(e.value) == (f"{out}: no DWARF and no symbols (stripped?): no byte can be "
                            f"attributed to a component, so the jit_core and component budgets "
                            f"cannot be checked; audit the unstripped kernel.elf")


def test_a_linux_program_is_not_a_kernel(tmp_path):
    prog = tmp_path / "hello"
    (tmp_path / "hello.c").write_text("int main(void) { return 0; }\n")
    subprocess.run(["gcc", "-O2", tmp_path / "hello.c", "-o", prog], check=True)
    with pytest.raises(JitbootError, match=r": a Linux program \(it asks for the dynamic loader "
                                           r"/lib64/ld-linux-x86-64.so.2\), not a kernel"):
        size.audit(prog)
    static_pie = tmp_path / "spie"
    subprocess.run(["gcc", "-O2", "-static-pie", tmp_path / "hello.c", "-o", static_pie], check=True)
    with pytest.raises(JitbootError, match=r": ET_DYN ELF, not a kernel linked at fixed"):
        size.audit(static_pie)


def test_dwarf_without_symbols(tree, tmp_path):
    out = tmp_path / "nosym.elf"
    subprocess.run(["objcopy", "--strip-all", "--keep-section=.debug_*", tree[1], out],
                   check=True)
    r = size.audit(out, source_root=tree[0])
    assert r.symbols == [] and r.method.startswith("DWARF") and reconciles(r)
    # file-scope variables are sized from their DWARF types
    assert r.component("kernel_lib").data >= 3000 and r.component("jit_driver").bss >= 8192


# ------------------------------------------------------------ real image

def test_real_image(image_builder):
    image = image_builder("default")
    r = size.audit(image.elf)
    assert r.method.startswith("DWARF") and reconciles(r)
    assert r.component("qbe").text > 50_000 and r.component("kernel_lib").text > 0
    assert r.component("boot").text > 0 and r.component("asm_loader").text > 0
    # QBE's instruction buffer is bss: memory, not image
    assert r.component("qbe").bss > r.component("qbe").file
    assert r.component(size.UNATTRIBUTED).file < r.totals["sections_file"] // 4
    assert size.check_budgets(r, size.recipe_budgets(image.recipe)) == []
