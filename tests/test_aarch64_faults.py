"""Fault containment and the payload watchdog in the aarch64 kernel (QEMU
virt, TCG), as tests/test_fault_containment.py checks them on x86-64.

tests/images/aarch64_faults.toml runs each tests/il/faults_aarch64/
program, and two of tests/il/faults/ (a loop in JIT'd code, a loop in the
heap allocator), in one boot: every exception a payload takes under its
catch point (a data or instruction abort, a PC alignment fault, an
undefined instruction) and every payload the virtual timer stops is
reported by exception class, function and offset, with what the syndrome
and address say, and the kernel goes on; exit(3) ends its payload with
status 3.  A second boot checks what
must fail: undeclared and wrongly declared faults, an endless loop nobody
declared, a compile that never ends, and that FP registers survive the
watchdog's ticks.
"""

import re
import shutil

import pytest

from jitboot import ROOT, arch, protocol, qemu
from test_fault_containment import _nested_loops, _sse_under_ticks, _variant

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None
                                or shutil.which("aarch64-linux-gnu-gcc") is None,
                                reason="needs qemu-system-arm and gcc-aarch64-linux-gnu "
                                       "(ci/setup.sh installs them)")

FAULTS = ROOT / "tests" / "il" / "faults_aarch64"
HELLO = ROOT / "tests" / "il" / "hello.ssa"
AARCH64 = arch.get("aarch64")
HEX = r"0x[0-9a-f]+"

# payload -> its report after "contained ", as a regular expression
REPORTS = {
    "null_write.ssa": rf"DABT data abort in main\+{HEX}: null pointer dereference at 0x0",
    "write_code.ssa": rf"DABT data abort in main\+{HEX}: write to executable code \(W\^X\) at {HEX}",
    "write_rodata.ssa": rf"DABT data abort in main\+{HEX}: write to a read-only page at {HEX}",
    "exec_heap.ssa": rf"IABT instruction abort in non-code at (?P<a>{HEX}) called from main\+{HEX}: "
                     r"executing a non-executable page at (?P=a)",
    "pc_align.ssa": r"PCALIGN PC alignment fault in main\+0x2",
    # past main's code, in its text page: no function's
    "undefined.ssa": rf"UNKNOWN unknown reason \(undefined instruction\) in non-code at {HEX} "
                     rf"called from main\+{HEX}",
    "stack_overflow.ssa": rf"DABT data abort in down\+0x4: stack overflow: hit the guard page "
                          rf"below the payload stack at {HEX}",
    "fault_in_kernel_call.ssa": rf"DABT data abort in kernel code at {HEX} called from main\+{HEX}: "
                                r"null pointer dereference at 0x0",
    "infinite_loop.ssa": rf"timeout: still running after 500 ms in main\+{HEX}",
    "malloc_loop.ssa": rf"timeout: still running after 500 ms in "
                       rf"(?:main\+{HEX}|kernel code at (?P<pc>{HEX}) called from main\+{HEX})",
}


def payloads(result):
    return protocol.payload_results(result.ktap.tests)


def boot(image, modules, log_dir):
    return qemu.run_image(kernel=image.boot_kernel, modules=modules, arch="aarch64",
                          memory=image.recipe.memory, accel="tcg", timeout=60, log_dir=log_dir)


@pytest.fixture(scope="module")
def faults_image(image_builder):
    return image_builder("tests/images/aarch64_faults.toml")


@pytest.fixture(scope="module")
def faults_run(faults_image, tmp_path_factory):
    return boot(faults_image, [p.path for p in faults_image.recipe.payloads],
                tmp_path_factory.mktemp("faults-aarch64"))


def test_the_run_fails_only_where_exit_3_says_so(faults_image, faults_run):
    r = faults_run
    assert r.outcome == qemu.Outcome.TEST_FAILURE, qemu.format_summary(r)
    assert r.exit_code == protocol.QEMU_EXIT_FAIL and r.ktap.panic is None
    n = len(faults_image.recipe.payloads) + 1
    assert r.reason == (f"{n - 1}/{n} tests ok; first failure: "
                        f"{protocol.payload_test_name('exit3.ssa')} (main returned 0: got 3)")
    assert faults_image.recipe.payload_timeout == 0.5      # REPORTS say 500 ms


def test_every_fault_program_is_in_the_image(faults_image):
    listed = {p.path.name for p in faults_image.recipe.payloads}
    assert {p.name for p in FAULTS.glob("*.ssa")} <= listed
    assert set(REPORTS) <= listed


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_fault_is_contained_and_named(faults_image, faults_run, name):
    """"ok 3 contained DABT data abort in main+0x1c: null pointer
    dereference at 0x0": the class the program declares, where it was,
    and what the syndrome and address mean."""
    src = next(p.path for p in faults_image.recipe.payloads if p.path.name == name)
    last = payloads(faults_run)[name].subtests[-1]
    assert last.status.value == "ok", last
    declared = protocol.expected_fault(src.read_text())
    assert re.match(rf"{protocol.FAULT_CONTAINED} {declared}[ :]", last.name), last.name
    m = re.fullmatch(REPORTS[name], last.name.removeprefix(f"{protocol.FAULT_CONTAINED} "))
    assert m, last.name
    if name == "exec_heap.ssa":     # the heap, not code
        a, recipe = int(m.group("a"), 16), faults_image.recipe
        assert recipe.heap_address <= a < recipe.heap_address + recipe.heap_size


def test_write_to_code_is_in_the_jit_arena(faults_image, faults_run):
    name = payloads(faults_run)["write_code.ssa"].subtests[-1].name
    a, recipe = int(name.rsplit(" at ", 1)[1], 16), faults_image.recipe
    assert recipe.jit_arena_address <= a < recipe.jit_arena_address + recipe.jit_arena_size


def test_backtraces_read_arm64_frames(faults_run):
    """Frame records (x29, x30) up the payload stack; before a function's
    stp has stored its record (the stp overflowing the stack, a jump to a
    bad address, a leaf kernel function) its caller is in x30."""
    frames = {n: [re.sub(r"(\+| at )0x[0-9a-f]+$", "", f) for f in t.backtrace()]
              for n, t in payloads(faults_run).items()}
    assert frames["null_write.ssa"] == ["#0 main"]
    assert frames["stack_overflow.ssa"] == [f"#{n} down" for n in range(16)]
    bt = payloads(faults_run)["stack_overflow.ssa"].backtrace()
    assert bt[0] == "#0 down+0x4" and len(set(f.split()[1] for f in bt[1:])) == 1, bt
    assert frames["pc_align.ssa"] == ["#0 main", "#1 main"]
    assert frames["exec_heap.ssa"] == ["#0 non-code", "#1 main"]
    assert frames["undefined.ssa"] == ["#0 non-code", "#1 main"]
    assert frames["fault_in_kernel_call.ssa"] == ["#0 kernel code", "#1 main"]
    assert payloads(faults_run)["hello.ssa"].backtrace() == []


def test_timeout_never_stops_a_payload_inside_the_heap(faults_image, faults_run):
    """The watchdog holds off while malloc and free run (watchdog_hold),
    as on x86-64: a stop inside a kernel function is never in the heap's
    internals."""
    from elftools.elf.elffile import ELFFile
    m = re.fullmatch(REPORTS["malloc_loop.ssa"], payloads(faults_run)["malloc_loop.ssa"]
                     .subtests[-1].name.removeprefix(f"{protocol.FAULT_CONTAINED} "))
    if m.group("pc") is None:
        return                                  # stopped in its own code
    pc = int(m.group("pc"), 16)
    with open(faults_image.elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        where = {s.name for s in symtab.iter_symbols() if s["st_info"]["type"] == "STT_FUNC"
                 and s["st_value"] <= pc < s["st_value"] + s["st_size"]}
    assert where and not {"heap_alloc", "heap_free", "heap_calloc", "heap_realloc", "bin_insert",
                          "bin_remove", "release", "trim", "block_size", "checked", "set_footer",
                          "bin_of"} & where, where


def test_exit_ends_its_payload_and_the_kernel_goes_on(faults_run):
    tests = payloads(faults_run)
    exit3 = tests["exit3.ssa"]
    assert exit3.program_output() == ["leaving with 3"]
    assert (exit3.subtests[-1].name, exit3.subtests[-1].reason) == ("main returned 0", "got 3")
    for name in ("heap_alloc.ssa", "hello.ssa"):
        src = ROOT / "tests" / "il" / name
        assert tests[name].status.value == "ok"
        assert tests[name].output().data == arch.expected_output(src, AARCH64).read_bytes()
    assert list(tests)[-1] == "hello.ssa"


def test_what_must_fail_fails(faults_image, tmp_path):
    """An undeclared fault and a wrongly declared one fail their tests; an
    endless loop nobody declared is stopped and fails (not a hang); a
    compile that never ends is given up after compile_timeout; doubles live
    in FP registers across ten ticks of the watchdog come out right.  The
    run is a test failure, never a panic, and hello.ssa still runs."""
    faults = ROOT / "tests" / "il" / "faults"
    (tmp_path / "nested.ssa").write_text(_nested_loops(1500))
    mods = [_variant(tmp_path, FAULTS / "null_write.ssa", "undeclared.ssa"),
            _variant(tmp_path, FAULTS / "null_write.ssa", "wrong.ssa", expect="IABT"),
            _variant(tmp_path, faults / "infinite_loop.ssa", "spin.ssa"),
            tmp_path / "nested.ssa",
            _sse_under_ticks(tmp_path / "fp.ssa"),
            HELLO]
    r = boot(faults_image, mods, tmp_path / "logs")
    assert r.outcome == qemu.Outcome.TEST_FAILURE, qemu.format_summary(r)
    assert r.ktap.panic is None
    tests = payloads(r)
    assert [n for n, t in tests.items() if t.status.value != "ok"] == \
        ["undeclared.ssa", "wrong.ssa", "spin.ssa", "nested.ssa"]
    last = {n: t.subtests[-1] for n, t in tests.items()}
    assert last["undeclared.ssa"].name == "main returned 0"
    assert re.fullmatch(rf"DABT data abort in main\+{HEX}: null pointer dereference at 0x0",
                        last["undeclared.ssa"].reason), last["undeclared.ssa"]
    assert last["wrong.ssa"].name == "fault IABT expected"
    assert last["wrong.ssa"].reason.startswith("got DABT data abort in main+0x")
    assert re.fullmatch(rf"timeout: still running after 500 ms in main\+{HEX}",
                        last["spin.ssa"].reason), last["spin.ssa"]
    nested = tests["nested.ssa"].subtests[0]
    assert nested.name == "compile nested.ssa" and nested.status.value == "not ok"
    assert nested.reason.startswith(f"the compiler faulted: {protocol.FAULT_TIMEOUT}: "
                                    f"still running after 500 ms"), nested.reason
    out = tests["fp.ssa"].program_output()
    m = re.fullmatch(r"(\d+) iterations, (\d+) ms", out[0]) if len(out) == 1 else None
    assert m and int(m.group(2)) >= 100, out
    assert tests["hello.ssa"].output().data == arch.expected_output(HELLO, AARCH64).read_bytes()
