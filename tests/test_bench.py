"""The benchmark runs and its variants agree: gcc -O2, QBE AOT and the JIT
with our IL passes off and on.

Timing is not judged here (that is `doit bench`'s job); these tests run the
small problem sizes and check every variant's result against the others and
against an independent Python model of each program.
"""

import math
import shutil

import pytest

from jitboot import bench
from jitboot.recipe import JIT_PASSES
from jitboot.build import build_image
from jitboot.errors import JitbootError
from jitboot.recipe import load_recipe

MASK = (1 << 64) - 1


def signed(v: int) -> int:
    v &= MASK
    return v - (1 << 64) if v >> 63 else v


def lcg(x: int) -> int:
    return (x * 6364136223846793005 + 1442695040888963407) & MASK


# -- Python models of tests/bench/*.ssa ---------------------------------------

def fib_rec(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fib_iter(n):
    return signed(fib_rec(n))


def sieve(n):
    flags = bytearray([1]) * n
    count = 0
    for i in range(2, n):
        if flags[i]:
            count += 1
            flags[i * i::i] = bytes(len(range(i * i, n, i)))
    return count


def matmul(n):
    def fill(ka, kb, m):
        return [[(ka * i + kb * j) % m - m // 2 for j in range(n)] for i in range(n)]
    a, b = fill(1, 2, 11), fill(3, 1, 13)
    total = 0
    for i in range(n):
        for j in range(n):
            total = (total * 31 + sum(a[i][k] * b[k][j] for k in range(n))) & MASK
    return signed(total)


def mandelbrot(n):
    scale, total = 3.0 / n, 0
    for y in range(n):
        ci = y * scale - 1.5
        for x in range(n):
            cr, zr, zi, k = x * scale - 2.0, 0.0, 0.0, 0
            while k < 100:
                zr2, zi2 = zr * zr, zi * zi
                if zr2 + zi2 > 4.0:
                    break
                zi = 2.0 * zr * zi + ci
                zr = zr2 - zi2 + cr
                k += 1
            total += k
    return total


def quicksort(n):
    x, a = 1, []
    for _ in range(n):
        x = lcg(x)
        a.append(x >> 33)
    return signed(sum((i + 1) * v for i, v in enumerate(sorted(a))))


def hash(n):    # noqa: A001 - the program's name
    x, buf = 1, bytearray(65536)
    for i in range(len(buf)):
        x = lcg(x)
        buf[i] = x >> 56
    h = 14695981039346656037
    for _ in range(n):
        for c in buf:
            h = ((h ^ c) * 1099511628211) & MASK
    return signed(h)


MODELS = {f.__name__: f for f in (fib_rec, fib_iter, sieve, matmul, mandelbrot,
                                  quicksort, hash)}


def check_figures(fig: bench.Figures, quick: bool,
                  passes_on: str = ",".join(JIT_PASSES)) -> dict[str, int]:
    """Every program ran at its size, all four variants (jit with passes
    off and on) were checked against each other and agreed, and the
    result is the model's.  Returns name -> result."""
    progs = {p.name: p for p in bench.programs()}
    assert [r.name for r in fig.programs] == sorted(progs), "every program reports once"
    assert fig.disagreements == []
    assert fig.env["passes_on"] == passes_on
    results = {}
    for r in fig.programs:
        p = progs[r.name]
        assert r.n == (p.n_quick if quick else p.n)
        assert f"{r.name}({r.n}): aot_gcc, aot_qbe, jit_off and jit_on agree" in fig.checks
        assert not r.jit_failed
        assert set(r.cycles) == {"aot_gcc", "aot_qbe", "jit_off", "jit_on"}
        assert all(c > 0 for c in r.cycles.values())
        assert set(r.compile) == {"off", "on"} and all(c > 0 for c in r.compile.values())
        assert r.lines == p.lines
        assert r.result == MODELS[r.name](r.n), r.name
        results[r.name] = r.result
    assert fig.tsc_hz > 0
    return results


# -- the programs themselves -------------------------------------------------

def test_every_program_has_a_model():
    assert {p.name for p in bench.programs()} == set(MODELS)
    assert len(MODELS) >= 7


@pytest.fixture(scope="module")
def host_quick():
    if not shutil.which("gcc"):
        pytest.skip("gcc is needed to build the host twin")
    return bench.run_host(quick=True)


def test_host_variants_agree(host_quick):
    check_figures(host_quick, quick=True)


def test_host_bench_runs_programs_by_name(host_quick):
    fig = bench.run_host(quick=True, names=["fib_rec"], runs=1, build=False)
    assert [r.name for r in fig.programs] == ["fib_rec"]
    assert fig.programs[0].result == fib_rec(fig.programs[0].n)
    with pytest.raises(JitbootError, match="no benchmark program nosuch"):
        bench.run_host(quick=True, names=["nosuch"], build=False)


def test_host_bench_passes_of_jit_on(host_quick):
    fig = bench.run_host(quick=True, names=["fib_rec", "quicksort"], runs=1, build=False,
                         passes="tre")
    assert fig.env["passes_on"] == "tre" and fig.disagreements == []
    assert [r.result for r in fig.programs] == [fib_rec(fig.programs[0].n),
                                                quicksort(fig.programs[1].n)]
    with pytest.raises(JitbootError, match=r"--passes nosuch: unknown pass .*some of tre,inline"):
        bench.run_host(quick=True, names=["fib_rec"], build=False, passes="nosuch")


QUICK_RECIPE = """\
description = "Benchmark at test sizes (tests/test_bench.py)"

[features]
bench = true

[qemu]
accel = "auto"
timeout = 90
boot = ["kernel"]

[run]
tests = ["bench_quick"]
"""


def test_kernel_variants_agree(tmp_path, host_quick):
    recipe = tmp_path / "bench_quick.toml"
    recipe.write_text(QUICK_RECIPE)
    image = build_image(recipe)
    run = bench.run_kernel(image)
    assert run.outcome == "pass", run.reason
    kernel = check_figures(run.figures, quick=True)
    assert "the image's JIT passes are in force again" in run.figures.checks
    host = {r.name: r.result for r in host_quick.programs}
    assert kernel == host, "the kernel computes what the host computes"
    assert run.qemu_start_to_ktap_s is not None and 0 < run.qemu_start_to_ktap_s < 60
    assert run.figures.boot, "the kernel reports its boot time"


AARCH64_QUICK_RECIPE = """\
description = "Benchmark at test sizes on aarch64 (tests/test_bench.py)"

[target]
arch = "aarch64"

[layout]
load_address = 0x40100000
heap_address = 0x41000000
heap_size = "64M"
jit_arena_address = 0x45000000

[features]
bench = true

[qemu]
memory = "512M"
accel = "tcg"
timeout = 120

[run]
tests = ["bench_quick"]
"""


def test_kernel_variants_agree_on_aarch64(tmp_path, host_quick):
    """The aarch64 bench image: gcc's C twin, stock QBE -t arm64 and the
    kernel's JIT (passes off and on) compute what the host computes; the
    report says the figures are emulation's and leaves the host out."""
    recipe = tmp_path / "bench_quick_a64.toml"
    recipe.write_text(AARCH64_QUICK_RECIPE)
    image = build_image(recipe)
    asm = (image.gen / bench.ASM_DIR / "fib_rec.S").read_text()
    assert "-t arm64" in asm and "\tbl\t" in asm, "QBE's AOT variant is arm64 code"
    run = bench.run_kernel(image)
    assert run.outcome == "pass", run.reason
    kernel = check_figures(run.figures, quick=True)
    assert kernel == {r.name: r.result for r in host_quick.programs}
    env = bench.environment(run.accel, "aarch64")
    assert env["arch"] == "aarch64" and env["guest_cpu"] == "cortex-a72 (emulated)"
    assert env["gcc"].startswith("aarch64-linux-gnu-gcc") and "-t arm64" in env["qbe"]
    text = bench.render_text({"environment": {**env, "emulated": True, "why_not_kvm": "TCG"},
                              "kernel": bench.summarize(run.figures), "host": None,
                              "boot": {}})
    assert "in the kernel (aarch64, TCG)" in text and "kernel figures are not native speed" in text
    assert "on the host: not run" in text


# -- generation and parsing --------------------------------------------------

def test_rename_defined_symbols_only():
    il = ("data $tab = { l 1 }\nfunction l $helper(l %x) {\n@s\n\tret %x\n}\n"
          "export function l $bench_x(l %n) {\n@s\n\t%p =l call $malloc(l 8)\n"
          "\t%r =l call $helper(l $tab)\n\t%q =l call $helper2(l %n)\n\tret %r\n}\n")
    out = bench.rename_defined(il, "q_")
    assert "$q_tab" in out and "$q_helper(" in out and "$q_bench_x(" in out
    assert "$malloc(" in out, "calls to the outside keep their names"
    assert "$helper2(" in out, "a longer name sharing a prefix is not renamed"
    assert "$helper(" not in out


def test_c_string_round_trips():
    text = 'data $s = { b "a\\"b\\\\c", b 0 }\n\tret 1\n# é 7\n'
    literal = bench.c_string(text)
    assert literal.startswith('"') and "\n" not in literal
    decoded = literal[1:-1].encode().decode("unicode_escape").encode("latin-1")
    assert decoded == text.encode("utf-8")


def test_table_lists_every_program():
    progs = bench.programs()
    src = bench.table_source(progs)
    for p in progs:
        assert f'{{ "{p.name}", il_{p.name}, sizeof il_{p.name} - 1, {p.lines},' in src
        assert f"q_bench_{p.name}" in src and f"c_{p.name}" in src
    assert src.endswith("\t{ 0 }\n};\n")


def test_program_needs_twin_and_sizes(tmp_path):
    d = tmp_path / "tests" / "bench"
    d.mkdir(parents=True)
    (d / "lone.ssa").write_text("# bench n=5 quick=1\nexport function l $bench_lone(l %n) {\n"
                                "@s\n\tret %n\n}\n")
    with pytest.raises(JitbootError, match=r"tests/bench/lone.ssa: no C twin"):
        bench.programs(tmp_path)
    (d / "lone.c").write_text("long c_lone(long n) { return n; }\n")
    assert [p.name for p in bench.programs(tmp_path)] == ["lone"]
    (d / "lone.ssa").write_text("export function l $bench_lone(l %n) {\n@s\n\tret %n\n}\n")
    with pytest.raises(JitbootError, match=r"lone.ssa:1: no problem sizes"):
        bench.programs(tmp_path)


LINE = "bench {} n=1 aot_gcc={} aot_qbe={} jit_off={} jit_on={} compile_off={} " \
       "compile_on={} lines={} result={}"


def test_parse_and_summarize():
    fig = bench.parse_lines([
        "bench env tsc_hz=1000000000 quick=0 passes_on=tre,inline",
        "bench boot reset_to_tests=5000",
        LINE.format("a", 100, 200, 800, 400, 1000, 2000, 10, -7),
        "not a bench line",
        LINE.format("b", 100, 100, 100, 100, 500, 500, 5, 9),
    ])
    assert fig.tsc_hz == 10**9 and fig.boot == {"reset_to_tests": 5000}
    s = bench.summarize(fig)
    assert s["passes_on"] == "tre,inline"
    a = s["programs"]["a"]
    assert a["result"] == -7 and a["jit_on_cycles"] == 400 and a["compile_off_cycles"] == 1000
    assert a["jit_off_vs_aot_gcc"] == 8.0 and a["jit_on_vs_aot_gcc"] == 4.0
    assert a["jit_on_vs_aot_qbe"] == 2.0 and a["jit_on_vs_jit_off"] == 0.5
    assert a["jit_on_ms"] == pytest.approx(400e-6) and a["compile_on_us"] == pytest.approx(2.0)
    assert a["il_lines_per_s_off"] == pytest.approx(10 / 1e-6)
    assert a["il_lines_per_s_on"] == pytest.approx(10 / 2e-6)
    assert s["geomean"]["jit_on_vs_aot_gcc"] == pytest.approx(math.sqrt(4.0 * 1.0))
    assert s["geomean"]["jit_off_vs_aot_gcc"] == pytest.approx(math.sqrt(8.0 * 1.0))
    with pytest.raises(JitbootError, match="malformed"):
        bench.parse_lines(["bench c n=1 aot_gcc=1 aot_qbe=1 jit=1 compile=1 lines=1 result=0"])


def test_failed_jit_has_no_ratios():
    fig = bench.parse_lines([LINE.format("a", 100, 200, 0, 0, 0, 0, 10, 1) + " jit_failed=1",
                             LINE.format("b", 100, 100, 300, 200, 5, 5, 5, 9)])
    s = bench.summarize(fig)
    assert s["programs"]["a"]["jit_on_vs_aot_gcc"] is None
    assert s["programs"]["a"]["aot_qbe_vs_aot_gcc"] == 2.0
    assert s["geomean"]["jit_on_vs_aot_gcc"] == pytest.approx(2.0), "b alone"


def _report():
    fig = bench.parse_lines(["bench env tsc_hz=1000 passes_on=tre,inline",
                             LINE.format("a", 10, 20, 30, 12, 1, 2, 1, 0),
                             LINE.format("b", 10, 10, 10, 10, 1, 1, 1, 0)])
    return {"environment": {"cpu": "a <cpu>", "accel": "tcg", "emulated": True},
            "kernel": bench.summarize(fig), "host": bench.summarize(fig)}


def test_table_shows_passes_off_and_on():
    text = bench.table("host", _report()["host"])
    head = text.splitlines()[1].split()
    assert head[:6] == ["program", "n", "aot_gcc", "aot_qbe", "jit_off", "jit_on"]
    assert head[6:9] == ["off/gcc", "on/gcc", "on/qbe"]
    a = next(ln for ln in text.splitlines() if ln.startswith("a "))
    assert "3.00x" in a and "1.20x" in a and "0.60x" in a
    mean = next(ln for ln in text.splitlines() if ln.startswith("geomean"))
    assert mean.split()[1:4] == [f"{math.sqrt(3):.2f}x", f"{math.sqrt(1.2):.2f}x",
                                 f"{math.sqrt(0.6):.2f}x"]
    assert "jit_on/aot_gcc: within 2x (requirement) 2/2 programs, within 1.5x 2/2; " \
           f"geomean {math.sqrt(1.2):.2f}x (goal 1.25x: met)" in text
    assert "jit_off/aot_gcc: within 2x (requirement) 1/2 programs" in text
    assert "goal 1.25x: not met" in text


def test_chart_is_svg_with_every_program():
    import xml.etree.ElementTree as ET
    svg = ET.fromstring(bench.chart_svg(_report()))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"a", "b", "geomean", "2x (requirement)", "1.5x", "1.25x"} <= set(texts)
    bars = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.find("*") is not None]
    assert len(bars) == 3 * 4, "two programs and the geomean, four bars each"
    titles = [r.find("*").text for r in bars]
    assert "a, kernel: jit_off / aot_gcc: 3.00x" in titles
    assert "a, host: jit_on / aot_gcc: 1.20x" in titles
    assert f"geomean, host: jit_on / aot_gcc: {math.sqrt(1.2):.2f}x" in titles


def test_bench_needs_the_jit(tmp_path):
    recipe = tmp_path / "x.toml"
    recipe.write_text("[features]\njit = false\nbench = true\n[run]\ntests = [\"aot_fib\"]\n")
    with pytest.raises(JitbootError, match=r"x.toml:3: \[features\] bench: .*jit = true"):
        load_recipe(recipe)


# -- the isolation cost (doit isolation-cost) --------------------------------

def test_isolation_cost_takes_the_median_of_per_pair_ratios():
    from jitboot.bench import isolation
    times = {"none": [{"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 2.0}, {"a": 4.0, "b": 2.0}],
             "user": [{"a": 1.5, "b": 2.0}, {"a": 1.1, "b": 3.0}, {"a": 4.0, "b": 2.2}]}
    costs = {"none": [{"abs": 60}, {"abs": 62}], "user": [{"abs": 70}, {"abs": 90}]}
    s = isolation.summarize(times, costs)
    assert s["pairs"] == 3
    assert s["programs"]["a"]["ratios"] == [1.5, 1.1, 1.0]
    assert s["programs"]["a"]["ratio"] == 1.1, "the median ratio, not the ratio of medians"
    assert s["programs"]["b"]["ratio"] == 1.1
    assert s["geomean_ratio"] == pytest.approx(1.1)
    assert s["calls"] == {"none": {"abs": 61}, "user": {"abs": 80}}
    text = isolation.render({"environment": {"cpu": "X", "cpus": 2, "accel": "tcg"}, **s})
    assert "emulation" in text and "a" in text and "1.10x" in text


def test_isolation_cost_reads_run_times_and_call_costs():
    from jitboot.bench import isolation
    from jitboot.ktap import parse
    ktap = parse(["KTAP version 1", "1..1", "    KTAP version 1", "    # Subtest: p.ssa",
                  "    1..1", "    ok 1 compile p.ssa (2500 us, 5000000 TSC cycles)",
                  "    # duration_ms: 12.5", "ok 1 p.ssa"])
    assert isolation.run_time(ktap.tests[0]) == pytest.approx(0.01)
    assert isolation.call_costs(["abs 66 cycles per call", "tsc_hz 2800 cycles per call"]) == \
        {"abs": 66, "tsc_hz": 2800}
    with pytest.raises(JitbootError, match="unexpected output line 'oops'"):
        isolation.call_costs(["oops"])
