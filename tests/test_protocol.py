"""The kernel <-> harness protocol is declared once, in jitboot/protocol.py:
the Python side reads it from there, the C side from gen/protocol.h, and
the one copy the host twin needs (jit/bench.h) agrees with it."""

import re

from jitboot import ROOT, ktap, protocol, qemu
from jitboot.bench import parse_lines
from jitboot.render import protocol_header

# Protocol words that C sources must take from protocol.h, not spell out.
LITERALS = ["payload:", "PANIC:", "KTAP version", "# expect fault", "# Subtest", "contained ",
            "bench env", "bench boot", "bench done", "bench %s", "gcov-"]


def c_code(path):
    """path's text without comments."""
    text = path.read_text(encoding="utf-8")
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def test_exit_statuses_derive_from_the_kernel_codes():
    assert (qemu.EXIT_PASS, qemu.EXIT_FAIL, qemu.EXIT_PANIC) == (33, 35, 37)
    assert qemu.EXIT_PASS == protocol.qemu_status(protocol.EXIT_PASS)


def test_c_sources_take_protocol_words_from_the_header():
    sources = [*sorted((ROOT / "kernel_lib").glob("*.[ch]")),
               *sorted((ROOT / "jit").glob("*.[ch]")),
               *sorted((ROOT / "jit" / "asm").glob("*.[ch]")),
               *sorted((ROOT / "boot").glob("*.S"))]
    found = [f"{p.relative_to(ROOT)}: {word!r}" for p in sources
             for word in LITERALS if re.search(r'"[^"\n]*' + re.escape(word), c_code(p))]
    found += [f"{p.relative_to(ROOT)}: debug exit port" for p in sources
              if re.search(r"\b0xf4\b", c_code(p), re.I) and p.name != "insn.c"]   # hlt's opcode
    assert not found, "use the JB_* macros of gen/protocol.h (jitboot/protocol.py)"


def test_host_fallback_agrees():
    """jit/bench.h defines JB_BENCH_PREFIX itself when there is no gen/."""
    text = (ROOT / "jit" / "bench.h").read_text()
    fallback = dict(re.findall(r"#define (JB_\w+)\s+(\S+)", text.split("#else", 1)[1]))
    header = dict(re.findall(r"#define (JB_\w+)\s+(\S+)", protocol_header()))
    assert fallback and all(header[k] == v for k, v in fallback.items()), fallback


def test_bench_line_keys():
    """bench_line() prints BENCH_KEYS in order; bench.py reads such a line."""
    fmt = re.search(r"snprintf\(buf, size, JB_BENCH_PREFIX ((?:\s*\"[^\"]*\")+)",
                    (ROOT / "jit" / "bench.c").read_text()).group(1)
    printed = re.findall(r"(\w+)=%", "".join(re.findall(r'"([^"]*)"', fmt)))
    assert tuple(printed) == protocol.BENCH_KEYS
    line = " ".join([protocol.BENCH_PREFIX, "fib", *(f"{k}=7" for k in protocol.BENCH_KEYS)])
    fig = parse_lines([line, f"{protocol.BENCH_PREFIX} env tsc_hz=5"])
    assert fig.programs[0].name == "fib" and fig.programs[0].result == 7 and fig.tsc_hz == 5


def test_ktap_parser_reads_what_the_kernel_writes():
    p = protocol
    log = ktap.parse([p.KTAP_HEADER, f"{p.KTAP_PLAN}2",
                      f"    {p.KTAP_HEADER}", f"    {p.KTAP_SUBTEST}{p.payload_test_name('x.ssa')}",
                      f"    {p.KTAP_PLAN}1", f"    {p.KTAP_DIAGNOSTIC}{p.OUTPUT_FRAME} 1: hello",
                      f"    {p.KTAP_OK} 1 main returned 0",
                      f"{p.KTAP_OK} 1 {p.payload_test_name('x.ssa')}",
                      f"{p.KTAP_OK} 2 vm{p.KTAP_DIRECTIVE}{p.KTAP_SKIP} no reason"])
    assert log.ok() and not log.errors
    results = protocol.payload_results(log.tests)
    assert list(results) == ["x.ssa"] and results["x.ssa"].program_output() == ["hello"]
    assert ktap.parse([p.KTAP_HEADER, f"{p.PANIC} boom"]).panic == f"{p.PANIC} boom"


def test_expected_fault():
    assert protocol.expected_fault(f"{protocol.FAULT_TAG} #PF\nfunction ...") == "PF"
    assert protocol.expected_fault(f"x\n{protocol.FAULT_TAG} timeout\n") == "timeout"
    assert protocol.expected_fault(f"  {protocol.FAULT_TAG} DE\n") is None   # line start only
    faults = sorted((ROOT / "tests" / "il" / "faults").glob("*.ssa"))
    assert faults and all(protocol.expected_fault(f.read_text()) for f in faults)
