"""Fault containment in the kernel: JIT'd code that takes a CPU exception,
or runs past the recipe's payload_timeout, fails its own payload test,
named by exception (or "timeout"), function and offset, and the kernel
goes on with the next module.

tests/images/faults.toml runs every tests/il/faults/ program; each declares
the fault it expects ("# expect fault: #PF", "# expect fault: timeout"), so
the image passes when each fault is contained as declared.  The same faults
without the declaration are test failures (exit 35), never panics, hangs or
passes.  The C programs of tests/c/faults/ fault at known lines: the report
names the line, and the backtrace the lines of the calls.
"""

import re

import pytest

from jitboot import ROOT, protocol, qemu
from jitboot.payloads import declared_fault
from jitboot.protocol import FAULT_TAG
from test_debug_lines import at_line, expected_frames

FAULTS = sorted((ROOT / "tests" / "il" / "faults").glob("*.ssa"))
C_FAULTS = sorted((ROOT / "tests" / "c" / "faults").glob("*.c"))
C_FAULT_OUTPUT = {"fault_div_chain": ["dividing"], "fault_null_in_kernel_call": ["measuring"]}
HELLO = ROOT / "tests" / "il" / "hello.ssa"
# "contained PF page fault in main+0xb: null pointer dereference at 0x0",
# "... in kernel code at 0x105a40 called from main+0x17: ...",
# "contained timeout: still running after 500 ms in main+0x10"
CONTAINED = re.compile(rf"^{protocol.FAULT_CONTAINED} ([A-Z]{{2}}|{protocol.FAULT_TIMEOUT})[ :]"
                       r".*?(?:in|called from) (\w+)\+0x[0-9a-f]+\b")


def expected(ssa):
    return protocol.expected_fault(ssa.read_text())


def payloads(result):
    return protocol.payload_results(result.ktap.tests)


@pytest.fixture(scope="module")
def faults_image(image_builder):
    return image_builder("tests/images/faults.toml")


@pytest.fixture(scope="module")
def faults_run(faults_image, tmp_path_factory):
    return qemu.run_image(kernel=faults_image.elf32,
                          modules=[p.path for p in faults_image.recipe.payloads],
                          memory=faults_image.recipe.memory, accel="tcg", timeout=60,
                          log_dir=tmp_path_factory.mktemp("faults"))


def test_recipe_lists_every_fault_program(faults_image):
    listed = {p.path.name for p in faults_image.recipe.payloads}
    assert len(FAULTS) >= 8 and len(C_FAULTS) >= 2
    assert {p.name for p in FAULTS} | {f"{c.name}.ssa" for c in C_FAULTS} <= listed


@pytest.mark.parametrize("src", C_FAULTS, ids=lambda p: p.stem)
def test_c_fault_names_its_line_and_backtrace(faults_run, src):
    """"contained DE divide error at tests/c/faults/x.c:10 in divide
    (divide+0x7)"; the backtrace, innermost first, names the line of each
    call: JIT'd frames by file, line and function, kernel ones by address
    (and none of the runner's own past the outermost JIT'd frame)."""
    test = payloads(faults_run)[f"{src.name}.ssa"]
    last = test.subtests[-1]
    want = expected_frames(src)
    first = min(want)
    fault = protocol.expected_fault(declared_fault([src]))
    where = "at" if first == 0 else r"in kernel code at 0x[0-9a-f]+ called from"
    assert last.status.value == "ok", last
    assert re.match(rf"{protocol.FAULT_CONTAINED} {fault} [a-z ]+ {where} "
                    rf"{at_line(src, *want[first])}", last.name), last.name
    frames = test.backtrace()
    assert len(frames) == max(want) + 1, frames
    for n, text in enumerate(frames):
        frame = at_line(src, *want[n]) if n in want else r"kernel code at 0x[0-9a-f]+"
        assert re.fullmatch(rf"#{n} {frame}", text), frames
    assert test.program_output() == C_FAULT_OUTPUT[src.stem]     # the frames are not output


def test_il_fault_backtraces(faults_run):
    """Without line info, frames are named by function and offset; a
    runaway recursion's backtrace stops at the kernel's bound (16), one
    whose saved frame pointer is garbage where the garbage begins."""
    tests = payloads(faults_run)
    names = {n: [re.sub(r"\+0x[0-9a-f]+$", "", f) for f in t.backtrace()]
             for n, t in tests.items()}
    assert names["fault_invalid_opcode.ssa"] == ["#0 bytes", "#1 main"]
    assert names["fault_div0.ssa"] == ["#0 main"]
    assert names["fault_in_kernel_call.ssa"][1:] == ["#1 main"]
    assert re.fullmatch(r"#0 kernel code at 0x[0-9a-f]+", names["fault_in_kernel_call.ssa"][0])
    assert names["fault_stack_overflow.ssa"] == [f"#{n} down" for n in range(16)]
    assert names["fault_corrupt_frame.ssa"] == ["#0 divide", "#1 main"]
    assert tests["hello.ssa"].backtrace() == []


def test_faults_image_passes(faults_run):
    assert faults_run.outcome == qemu.Outcome.PASS, qemu.format_summary(faults_run)
    assert faults_run.exit_code == qemu.EXIT_PASS
    assert faults_run.ktap.panic is None


@pytest.mark.parametrize("ssa", FAULTS, ids=lambda p: p.stem)
def test_fault_is_contained_and_named(faults_run, ssa):
    test = payloads(faults_run)[ssa.name]
    last = test.subtests[-1]
    m = CONTAINED.search(last.name)
    assert m, last.name
    assert m.group(1) == expected(ssa)
    # the function is one of the program's own
    assert re.search(rf"function \w \${re.escape(m.group(2))}\b|\${re.escape(m.group(2))}\(",
                     ssa.read_text()), last.name


def test_fault_details(faults_image, faults_run):
    names = {n: t.subtests[-1].name for n, t in payloads(faults_run).items()}
    assert "null pointer dereference at 0x0" in names["fault_null.ssa"]
    assert "guard page below the payload stack" in names["fault_stack_overflow.ssa"]
    assert "W^X" in names["fault_write_code.ssa"]
    assert "non-executable" in names["fault_exec_data.ssa"]
    assert "kernel code at 0x" in names["fault_in_kernel_call.ssa"]
    assert "called from main+0x" in names["fault_in_kernel_call.ssa"]
    timeout = faults_image.recipe.payload_timeout
    assert timeout <= 1, "keep the faults image quick"
    stopped = f"{protocol.FAULT_CONTAINED} {protocol.FAULT_TIMEOUT}: still running after {round(timeout * 1000)} ms in "
    assert names["infinite_loop.ssa"].startswith(stopped + "main+0x")
    # nearly all its time is in strlen: stopped there, named by its caller
    assert re.match(re.escape(stopped) + r"kernel code at 0x[0-9a-f]+ called from main\+0x",
                    names["infinite_loop_in_kernel.ssa"])


def test_timeout_never_stops_a_payload_inside_the_heap(faults_image, faults_run):
    """malloc_loop spends nearly all its time in malloc/free: without the
    watchdog's hold it is stopped inside them (leaving the heap broken for
    later modules); with it, never inside the heap's internals (the public
    malloc/free/... only hold the watchdog between entry and exit, where the
    heap is untouched)."""
    from elftools.elf.elffile import ELFFile
    name = payloads(faults_run)["malloc_loop.ssa"].subtests[-1].name
    m = re.search(r"kernel code at (0x[0-9a-f]+)", name)
    if m is None:
        assert " in main+0x" in name, name      # stopped in its own code
        return
    pc = int(m.group(1), 16)
    with open(faults_image.elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        where = [s.name for s in symtab.iter_symbols()
                 if s["st_info"]["type"] == "STT_FUNC"
                 and s["st_value"] <= pc < s["st_value"] + s["st_size"]]
    assert where and not {"heap_alloc", "heap_free", "heap_calloc", "heap_realloc",
                          "bin_insert", "bin_remove", "release", "trim", "block_size",
                          "checked", "set_footer", "bin_of"} & set(where), (name, where)


def test_kernel_keeps_going_after_faults(faults_run):
    tests = payloads(faults_run)
    assert tests["hello.ssa"].program_output() == HELLO.with_suffix(".out").read_text().splitlines()
    assert list(tests)[-1] == "hello.ssa"


def failing_run(image, modules, tmp_path):
    """Boot the faults kernel with modules; the run must be a test failure
    (exit 35), never a panic."""
    r = qemu.run_image(kernel=image.elf32, modules=modules, memory=image.recipe.memory,
                       accel="tcg", timeout=60, log_dir=tmp_path / "logs")
    assert r.outcome == qemu.Outcome.TEST_FAILURE, qemu.format_summary(r)
    assert r.exit_code == qemu.EXIT_FAIL and r.ktap.panic is None
    return r


def _variant(tmp_path, ssa, name, expect=None):
    """ssa's program under another name, expecting `expect` (or nothing)."""
    text = re.sub(rf"^{re.escape(FAULT_TAG)} .*$", "", ssa.read_text(), flags=re.M)
    if expect:
        text = f"{FAULT_TAG} {expect}\n" + text
    out = tmp_path / name
    out.write_text(text)
    return out


def test_unexpected_faults_are_test_failures(faults_image, tmp_path):
    """Undeclared faults, a different fault than declared, and a declared
    fault that does not happen all fail; a panic never shows up."""
    faults = ROOT / "tests" / "il" / "faults"
    mods = [_variant(tmp_path, faults / "fault_div0.ssa", "div0.ssa"),
            _variant(tmp_path, faults / "fault_stack_overflow.ssa", "overflow.ssa"),
            _variant(tmp_path, faults / "fault_null.ssa", "wrong.ssa", expect="#UD"),
            _variant(tmp_path, HELLO, "nofault.ssa", expect="#DE"),
            HELLO]
    r = failing_run(faults_image, mods, tmp_path)
    assert f"first failure: {protocol.payload_test_name('div0.ssa')}" in r.reason
    assert "DE divide error in main+0x" in r.reason
    tests = payloads(r)
    assert [n for n, t in tests.items() if t.status.value != "ok"] == \
        ["div0.ssa", "overflow.ssa", "wrong.ssa", "nofault.ssa"]
    assert "guard page" in tests["overflow.ssa"].subtests[-1].reason
    assert tests["wrong.ssa"].subtests[-1].name == "fault UD expected"
    assert tests["wrong.ssa"].subtests[-1].reason.startswith("got PF page fault in main+0x")
    assert tests["nofault.ssa"].subtests[-1].reason == "main returned 0"
    assert tests["hello.ssa"].status.value == "ok"


def _long_function(path, blocks):
    """main as a chain of `blocks` basic blocks: QBE recurses once per
    block along the dominator tree while compiling it."""
    body = "".join(f"@b{i}\n\t%x =w add %x, 1\n" for i in range(blocks))
    path.write_text("export function w $main(w %argc, l %argv) {\n@start\n"
                    f"\t%x =w copy 0\n{body}\tret 0\n}}\n")
    return path


def test_compiler_stack(faults_image, tmp_path):
    """A 1000-block function overflowed the 64 KiB boot stack (a panic);
    payloads now compile on the payload stack.  One so long that even
    that runs out fails to compile, and the kernel goes on."""
    mods = [_long_function(tmp_path / "long.ssa", 1000),
            _long_function(tmp_path / "huge.ssa", 12000), HELLO]
    r = qemu.run_image(kernel=faults_image.elf32, modules=mods,
                       memory=faults_image.recipe.memory, accel="tcg", timeout=60,
                       log_dir=tmp_path / "logs")
    assert r.outcome == qemu.Outcome.TEST_FAILURE, qemu.format_summary(r)
    assert r.ktap.panic is None
    tests = payloads(r)
    assert tests["long.ssa"].status.value == "ok"
    huge = tests["huge.ssa"].subtests[0]
    assert huge.name == "compile huge.ssa" and huge.status.value == "not ok"
    assert huge.reason.startswith("the compiler faulted: PF page fault in kernel code at 0x")
    assert "guard page below the payload stack" in huge.reason
    assert tests["hello.ssa"].program_output() == ["hello from QBE IL"]


def _sse_under_ticks(path, lanes=8):
    """main spins for 100 ms of TSC time with `lanes` doubles live in SSE
    registers while the watchdog's tick interrupts it every 10 ms, then
    checks each lane (lane k counted k per iteration) against the integer
    count: a tick that touched an SSE register makes main return 1."""
    init = "".join(f"\t%d{k} =d copy d_0\n" for k in range(1, lanes + 1))
    step = "".join(f"\t%d{k} =d add %d{k}, d_{k}\n" for k in range(1, lanes + 1))
    check = "".join(f"\t%w{k} =d mul %nd, d_{k}\n\t%e{k} =w ceqd %d{k}, %w{k}\n"
                    f"\t%ok =w and %ok, %e{k}\n" for k in range(1, lanes + 1))
    path.write_text(f"""data $fmt = {{ b "%ld iterations, %ld ms\\n", b 0 }}
export function w $main(w %argc, l %argv) {{
@start
\t%hz =l call $tsc_hz()
\t%ms =l udiv %hz, 1000
\t%t0 =l call $rdtsc()
\t%n =l copy 0
{init}@outer
\t%i =l copy 4096
@inner
{step}\t%n =l add %n, 1
\t%i =l sub %i, 1
\tjnz %i, @inner, @clock
@clock
\t%t =l call $rdtsc()
\t%dt =l sub %t, %t0
\t%el =l udiv %dt, %ms
\t%more =w cultl %el, 100
\tjnz %more, @outer, @check
@check
\t%nd =d sltof %n
\t%ok =w copy 1
{check}\t%r =w call $printf(l $fmt, ..., l %n, l %el)
\t%bad =w xor %ok, 1
\tret %bad
}}
""")
    return path


def test_runaway_payloads_are_stopped(faults_image, tmp_path):
    """An undeclared endless loop is stopped at payload_timeout and fails
    its test (exit 35: not a hang, not a panic), named by "timeout" and
    where it was; the modules after it still run, and code that finishes
    in time keeps its SSE registers across the ticks.  A declared timeout
    that does not come fails too."""
    faults = ROOT / "tests" / "il" / "faults"
    mods = [_variant(tmp_path, faults / "infinite_loop.ssa", "spin.ssa"),
            _sse_under_ticks(tmp_path / "sse.ssa"),
            _variant(tmp_path, HELLO, "finishes.ssa", expect="timeout"),
            HELLO]
    r = failing_run(faults_image, mods, tmp_path)
    ms = round(faults_image.recipe.payload_timeout * 1000)
    assert f"first failure: {protocol.payload_test_name('spin.ssa')}" in r.reason
    assert f"timeout: still running after {ms} ms in main+0x" in r.reason
    tests = payloads(r)
    assert [n for n, t in tests.items() if t.status.value != "ok"] == ["spin.ssa", "finishes.ssa"]
    spin = tests["spin.ssa"].subtests[-1]
    assert spin.name == "main returned 0", spin
    assert re.fullmatch(rf"timeout: still running after {ms} ms in main\+0x[0-9a-f]+", spin.reason)
    out = tests["sse.ssa"].program_output()
    m = re.fullmatch(r"(\d+) iterations, (\d+) ms", out[0]) if len(out) == 1 else None
    assert m and int(m.group(2)) >= 100, out     # ran through ten ticks or so
    assert tests["finishes.ssa"].subtests[-1].name == "fault timeout expected"
    assert tests["finishes.ssa"].subtests[-1].reason == "main returned 0"
    assert tests["hello.ssa"].program_output() == HELLO.with_suffix(".out").read_text().splitlines()


def _nested_loops(n: int) -> str:
    """IL whose compile takes QBE a long time: n loops nested in each other."""
    lines = ["export function w $main() {", "@start", "\t%x =w copy 0"]
    for k in range(n):
        lines += [f"@h{k}", f"\t%c{k} =w csltw %x, 0", f"\tjnz %c{k}, @h{k + 1}, @e{k}"]
    lines += [f"@h{n}", "\t%x =w add %x, 1", f"\tjmp @h{n - 1}"]
    for k in range(n - 1, -1, -1):
        lines += [f"@e{k}", f"\tjmp @h{k - 1}" if k else "\tret 0"]
    return "\n".join(lines + ["}", ""])


SCRIBBLE = """# writes over the heap block header of its own allocation, then returns 0
export function w $main() {
@start
	%p =l call $malloc(l 16)
	%h =l sub %p, 8
	storel -1, %h
	%n =l add %p, 16
	storel -1, %n
	ret 0
}
"""


def test_compile_under_the_watchdog_and_heap_checked_after_every_payload(tmp_path,
                                                                          image_builder):
    """A payload whose compile takes too long is given up after [run]
    compile_timeout and the next one runs (it stalled the boot for the whole
    QEMU timeout); a payload that corrupts the heap and returns normally is
    named at once (the kernel panicked later, in bin_remove)."""
    (tmp_path / "nested.ssa").write_text(_nested_loops(1500))
    (tmp_path / "scribble.ssa").write_text(SCRIBBLE)
    recipe = tmp_path / "compile_watchdog.toml"
    recipe.write_text(f'[features]\njit = true\n[qemu]\ntimeout = 60\n[run]\ntests = []\n'
                      f'compile_timeout = 0.5\npayloads = ["{tmp_path / "nested.ssa"}", '
                      f'"tests/il/hello.ssa", "{tmp_path / "scribble.ssa"}"]\n')
    image = image_builder(str(recipe))
    r = qemu.run_image(kernel=image.elf32, modules=[p.path for p in image.recipe.payloads],
                       memory=image.recipe.memory, accel="tcg", timeout=60,
                       log_dir=tmp_path / "logs")
    got = payloads(r)
    nested = got["nested.ssa"].subtests[0]
    assert nested.name == "compile nested.ssa" and nested.status.value == "not ok"
    assert nested.reason.startswith(f"the compiler faulted: {protocol.FAULT_TIMEOUT}: "
                                    f"still running after 500 ms"), nested.reason
    assert got["hello.ssa"].status.value == "ok"
    assert r.outcome == qemu.Outcome.PANIC, r.reason
    assert r.reason == ("PANIC: heap inconsistent after payload scribble.ssa returned 0: it "
                        "wrote over memory it was not given"), r.reason
