"""The benchmark runs and its variants agree: gcc -O2, QBE AOT and the JIT.

Timing is not judged here (that is `doit bench`'s job); these tests run the
small problem sizes and check every variant's result against the others and
against an independent Python model of each program.
"""

import math
import shutil

import pytest

from jitboot import bench
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


def check_figures(fig: bench.Figures, quick: bool) -> dict[str, int]:
    """Every program ran at its size, its variants agreed, and the result
    is the model's.  Returns name -> result."""
    progs = {p.name: p for p in bench.programs()}
    assert [r.name for r in fig.programs] == sorted(progs), "every program reports once"
    assert fig.disagreements == []
    results = {}
    for r in fig.programs:
        p = progs[r.name]
        assert r.n == (p.n_quick if quick else p.n)
        assert not r.jit_failed
        assert all(c > 0 for c in r.cycles.values()) and r.compile > 0
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
    host = {r.name: r.result for r in host_quick.programs}
    assert kernel == host, "the kernel computes what the host computes"
    assert run.qemu_start_to_ktap_s is not None and 0 < run.qemu_start_to_ktap_s < 60
    assert run.figures.boot, "the kernel reports its boot time"


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


def test_parse_and_summarize():
    fig = bench.parse_lines([
        "bench env tsc_hz=1000000000 quick=0",
        "bench boot reset_to_tests=5000",
        "bench a n=3 aot_gcc=100 aot_qbe=200 jit=400 compile=1000 lines=10 result=-7",
        "not a bench line",
        "bench b n=4 aot_gcc=100 aot_qbe=100 jit=100 compile=500 lines=5 result=9",
    ])
    assert fig.tsc_hz == 10**9 and fig.boot == {"reset_to_tests": 5000}
    s = bench.summarize(fig)
    a = s["programs"]["a"]
    assert a["result"] == -7 and a["jit_vs_aot_gcc"] == 4.0 and a["jit_vs_aot_qbe"] == 2.0
    assert a["il_lines_per_s"] == pytest.approx(10 / 1e-6)
    assert s["geomean"]["jit_vs_aot_gcc"] == pytest.approx(math.sqrt(4.0 * 1.0))
    with pytest.raises(JitbootError, match="malformed"):
        bench.parse_lines(["bench c n=1 aot_gcc=1"])


def test_chart_is_svg_with_every_program():
    import xml.etree.ElementTree as ET
    fig = bench.parse_lines(["bench env tsc_hz=1000",
                             "bench a n=1 aot_gcc=10 aot_qbe=20 jit=25 compile=1 lines=1 result=0",
                             "bench b n=1 aot_gcc=10 aot_qbe=10 jit=10 compile=1 lines=1 result=0"])
    report = {"environment": {"cpu": "a <cpu>", "accel": "tcg", "emulated": True},
              "kernel": bench.summarize(fig), "host": bench.summarize(fig)}
    svg = ET.fromstring(bench.chart_svg(report))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "a" in texts and "b" in texts and "2x (requirement)" in texts
    bars = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.find("*") is not None]
    assert len(bars) == 2 * 4, "two programs, four ratios each"


def test_bench_needs_the_jit(tmp_path):
    recipe = tmp_path / "x.toml"
    recipe.write_text("[features]\njit = false\nbench = true\n[run]\ntests = [\"aot_fib\"]\n")
    with pytest.raises(JitbootError, match=r"x.toml:3: \[features\] bench: .*jit = true"):
        load_recipe(recipe)
