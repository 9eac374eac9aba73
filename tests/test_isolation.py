"""Isolated payloads ([run] isolation = "user", tests/images/isolation_user.toml):
main runs at ring 3 with only its own memory user-accessible, the payload
library is a user-mode copy, and kernel services go through a gate that
checks every pointer.

The attacks are generated here, against the addresses of the linked
kernel (its ELF symbols): writes to kernel text, data, heap, page tables
and the IDT, a read of kernel memory, and, for every parameter of every
exported function the FFI signature table (jitboot.ffi) says is a
pointer, a call given a kernel pointer there.  Each must end its own
payload, reported as that payload's fault or refusal naming what and
where, with the kernel heap as before, and the kernel must go on to the
next.  The IL corpus passes unchanged in one isolated boot.
"""

import re

import pytest
from elftools.elf.elffile import ELFFile

from jitboot import ROOT, build, components, ffi, protocol, qemu, render

IMAGE = "tests/images/isolation_user.toml"
IL = ROOT / "tests" / "il"
CORPUS = sorted(IL.glob("*.ssa"))
C_CORPUS = sorted((ROOT / "tests" / "c").glob("*.c"))
HELLO = IL / "hello.ssa"
PROGS_DIR = ROOT / "tests" / "libc"
FAULTS = sorted((IL / "faults").glob("*.ssa"))
EXEC_DATA = IL / "faults" / "fault_exec_data.ssa"
CALL_COST = IL / "isolation" / "call_cost.ssa"
# printed by the isolated kernel at boot, so it is in its .rodata
KERNEL_STRING = b"# isolation: payloads at ring 3"
HEAP_KEPT = "the kernel heap is as before the payload"
KERNEL_MEMORY = "kernel memory (a supervisor-only page)"
MAX_MODULES = protocol.MAX_MODULES


def boot(image, modules, log_dir, timeout=120):
    return qemu.run_image(kernel=image.elf32, modules=modules, memory=image.recipe.memory,
                          accel="tcg", timeout=timeout, log_dir=log_dir)


def payloads(result):
    return protocol.payload_results(result.ktap.tests)


def verdict(test):
    """The check that says how main ended (the heap check follows it)."""
    names = [s.name for s in test.subtests]
    assert names[-1].startswith(HEAP_KEPT), names
    return test.subtests[-2]


@pytest.fixture(scope="module")
def image(image_builder):
    return image_builder(IMAGE)


@pytest.fixture(scope="module")
def kernel(image):
    """Addresses of the linked kernel: symbols, and where KERNEL_STRING is."""
    with open(image.elf, "rb") as f:
        elf = ELFFile(f)
        syms = {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols()
                if s.name}
        ro = elf.get_section_by_name(".rodata")
        at = ro.data().index(KERNEL_STRING)
        syms["kernel_string"] = ro["sh_addr"] + at
    return syms


def il_main(body, comment, data=""):
    return (f"# {comment}\n{data}\nexport function w $main(w %argc, l %argv) {{\n"
            f"@start\n{body}\tret 0\n}}\n")


def attack_programs(kernel, heap_address):
    """{name: IL} of the direct attacks, each expecting a #PF."""
    writes = {"text": kernel["__text_start"], "data": kernel["__data_start"],
              "heap": heap_address + 64, "page_tables": kernel["boot_pml4"],
              "idt": kernel["idt"]}
    progs = {}
    for what, addr in writes.items():
        progs[f"write_kernel_{what}.ssa"] = il_main(
            f"\t%p =l copy {addr}\n\tstorel 1, %p\n",
            f"a write to the kernel's {what} at {addr:#x}\n{protocol.FAULT_TAG} #PF")
    progs["read_kernel.ssa"] = il_main(
        f"\t%p =l copy {kernel['kernel_string']}\n\t%v =l loadl %p\n"
        "\tcall $printf(l $fmt, ..., l %v)\n",
        f"a read of kernel memory\n{protocol.FAULT_TAG} #PF",
        'data $fmt = { b "%lx\\n", b 0 }')
    return progs


def ffi_table(image):
    """The exports' signatures as the build reads them (jitboot.ffi)."""
    objs = [u.obj for u in build.units(image.recipe, image, None)
            if u.component in components.FFI_SOURCES]
    table = render.read_export_table()
    return table, ffi.signatures(objs, table)


RESULT = {"w": "=w ", "l": "=l ", "p": "=l ", "s": "=s ", "d": "=d ", "v": ""}
# sizes are loaded, not constants, so the JIT's builtin pass does not
# inline a memcpy of them into main
ARG = {"w": "w 0", "l": "l %len", "s": "s s_0", "d": "d d_0"}


def pointer_call(name, abi, target, kptr):
    """IL calling export name with kptr as its target-th argument (from 1),
    a buffer of the payload's for its other pointers."""
    params = abi[1:].rstrip(".")
    args = [f"l {kptr}" if n == target else "l $buf" if c == "p" else ARG[c]
            for n, c in enumerate(params, 1)]
    if abi.endswith("."):
        args.append("...")
    result = f"%r {RESULT[abi[0]]}" if abi[0] != "v" else ""
    return il_main(f"\t%len =l loadl $size\n\t{result}call ${name}({', '.join(args)})\n",
                   f"{name} given a kernel pointer as argument {target}\n"
                   f"{protocol.FAULT_TAG} {protocol.FAULT_REFUSED}",
                   "data $buf = { z 256 }\ndata $size = { l 16 }")


def pointer_programs(signatures, kptr):
    """{name: (IL, export, argument)} for every pointer parameter of every export."""
    progs = {}
    for name, checks in sorted(render.pointer_checks(signatures).items()):
        for n, _reg in checks:
            progs[f"ptr_{name}_{n}.ssa"] = (pointer_call(name, signatures[name].abi, n, kptr),
                                            name, n)
    return progs


def variadic_programs(kptr):
    """The variadic tail no signature describes: the library reads or
    writes the pointer at ring 3 and faults there."""
    fmt = lambda s: f'data $fmt = {{ b "{s}", b 0 }}\ndata $buf = {{ z 256 }}'
    return {
        "va_printf_s.ssa": il_main(f"\tcall $printf(l $fmt, ..., l {kptr})\n",
                                   f"%s of a kernel pointer\n{protocol.FAULT_TAG} #PF",
                                   fmt("before %s after")),
        "va_sscanf_n.ssa": il_main(f"\t%r =w call $sscanf(l $in, l $fmt, ..., l {kptr})\n",
                                   f"%n into kernel memory\n{protocol.FAULT_TAG} #PF",
                                   fmt("ab%n") + '\ndata $in = { b "ab", b 0 }'),
        "va_snprintf_s.ssa": il_main(f"\t%r =w call $snprintf(l $buf, l 256, l $fmt, ..., "
                                     f"l {kptr})\n\tcall $puts(l $buf)\n",
                                     f"%s into a buffer\n{protocol.FAULT_TAG} #PF",
                                     fmt("%s")),
        "va_sscanf_d.ssa": il_main(f"\t%r =w call $sscanf(l $in, l $fmt, ..., l {kptr})\n",
                                   f"sscanf storing into kernel memory\n{protocol.FAULT_TAG} #PF",
                                   fmt("%d") + '\ndata $in = { b "42", b 0 }'),
        # the library passes the range to the gate, which checks it whole
        "gate_write_overrun.ssa": il_main(
            "\t%f =l loadl $stdout\n\t%r =l call $fwrite(l $buf, l 1, l 268435456, l %f)\n",
            f"fwrite past the payload's memory\n{protocol.FAULT_TAG} {protocol.FAULT_REFUSED}",
            "data $buf = { z 256 }"),
    }


def write_all(progs, tmp_path):
    paths = []
    for name, text in progs.items():
        p = tmp_path / name
        p.write_text(text)
        paths.append(p)
    return paths


@pytest.fixture(scope="module")
def attack_run(image, kernel, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("isolation-attacks")
    progs = attack_programs(kernel, image.recipe.heap_address)
    progs |= variadic_programs(kernel["kernel_string"])
    modules = write_all(progs, tmp) + FAULTS + [CALL_COST, HELLO]
    return boot(image, modules, tmp / "logs")


@pytest.fixture(scope="module")
def pointer_runs(image, kernel, tmp_path_factory):
    """Every export's pointer parameters given a kernel pointer, in as many
    boots as the module limit needs; {file name: (test, export, argument)}."""
    tmp = tmp_path_factory.mktemp("isolation-pointers")
    _, sigs = ffi_table(image)
    progs = pointer_programs(sigs, kernel["kernel_string"])
    names = list(progs)
    per_boot = MAX_MODULES - 1
    out, runs = {}, []
    for i in range(0, len(names), per_boot):
        chunk = names[i:i + per_boot]
        paths = write_all({n: progs[n][0] for n in chunk}, tmp)
        run = boot(image, paths + [HELLO], tmp / f"logs{i}")
        runs.append(run)
        got = payloads(run)
        for n in chunk:
            out[n] = (got.get(n), progs[n][1], progs[n][2])
        assert got[HELLO.name].status.value == "ok", got[HELLO.name]
    return out, runs


def test_recipe_key_is_validated(tmp_path):
    from jitboot.errors import JitbootError
    from jitboot.recipe import load_recipe
    bad = tmp_path / "bad.toml"
    bad.write_text('[run]\nisolation = "ring3"\n')
    with pytest.raises(JitbootError, match=r"bad.toml:2: \[run\] isolation: expected one of "
                                           r"none, user, got 'ring3'"):
        load_recipe(str(bad))
    bad.write_text('[features]\njit = false\n[run]\nisolation = "user"\n')
    with pytest.raises(JitbootError, match=r"isolation is for JIT'd payloads"):
        load_recipe(str(bad))


def test_pointer_checks_follow_the_calling_convention():
    """The entry stubs check the registers System V gives each pointer:
    integer-class parameters in order, floating ones elsewhere; a struct
    by value or an unknown class leaves the function unchecked."""
    sig = lambda abi: ffi.Signature(abi, "f()")
    got = render.pointer_checks({"printf": sig("wp."), "strtod": sig("dpp"),
                                 "fgets": sig("ppwp"), "frexp": sig("ddp"),
                                 "abs": sig("ww"), "odd": sig("vap")})
    assert got == {"printf": [(1, "rdi")], "strtod": [(1, "rdi"), (2, "rsi")],
                   "fgets": [(1, "rdi"), (3, "rdx")], "frexp": [(2, "rdi")]}


def test_boot_log_reports_the_cpu(attack_run):
    """QEMU's TCG CPU (-cpu max) has SMEP and SMAP: both on (UMIP as it has it)."""
    log = attack_run.serial_log.read_text(errors="replace")
    assert re.search(r"^# isolation: payloads at ring 3; SMEP on, SMAP on, UMIP (on|off \(the "
                     r"CPU has none\)); user-mode library \d+ KiB at 0x[0-9a-f]+$", log, re.M), \
        log[:2000]


@pytest.mark.parametrize("what", ["text", "data", "heap", "page_tables", "idt"])
def test_kernel_writes_fault_as_the_payloads(attack_run, kernel, image, what):
    test = payloads(attack_run)[f"write_kernel_{what}.ssa"]
    v = verdict(test)
    assert v.status.value == "ok", v
    assert re.fullmatch(rf"{protocol.FAULT_CONTAINED} PF page fault in main\+0x[0-9a-f]+: "
                        rf"{re.escape(KERNEL_MEMORY)} at 0x[0-9a-f]+", v.name), v.name
    assert test.subtests[-1].status.value == "ok", test.subtests[-1]


def test_reading_kernel_memory_faults(attack_run):
    test = payloads(attack_run)["read_kernel.ssa"]
    v = verdict(test)
    assert v.status.value == "ok" and KERNEL_MEMORY in v.name, v.name
    assert test.program_output() == []


def test_executing_payload_data_faults(attack_run):
    v = verdict(payloads(attack_run)[EXEC_DATA.name])
    assert v.status.value == "ok", v
    assert "executing a non-executable page" in v.name, v.name


@pytest.mark.parametrize("name", ["va_printf_s", "va_sscanf_n", "va_snprintf_s", "va_sscanf_d"])
def test_variadic_kernel_pointer_faults_in_the_library(attack_run, kernel, name):
    """The library itself runs at ring 3: it faults reading or writing the
    kernel pointer, named as the export the payload called; no kernel
    byte reaches the output."""
    test = payloads(attack_run)[f"{name}.ssa"]
    v = verdict(test)
    export = name.split("_")[1]
    assert v.status.value == "ok", v
    assert re.search(rf"PF page fault in the payload library \({export}\) at 0x[0-9a-f]+ "
                     rf"called from main\+0x[0-9a-f]+: {re.escape(KERNEL_MEMORY)} at "
                     rf"{kernel['kernel_string']:#x}", v.name), v.name
    assert KERNEL_STRING not in test.output().data


@pytest.mark.parametrize("ssa", FAULTS, ids=lambda p: p.stem)
def test_fault_programs_are_contained_isolated(attack_run, ssa):
    """tests/il/faults/ at ring 3: the same exception or timeout as in
    mode "none"; what faulted in a kernel function the payload called
    now faults in the payload library's copy, named by the export."""
    v = verdict(payloads(attack_run)[ssa.name])
    want = protocol.expected_fault(ssa.read_text())
    assert v.status.value == "ok", v
    assert v.name.startswith(f"{protocol.FAULT_CONTAINED} {want}"), v.name
    if "kernel" in ssa.stem or "malloc" in ssa.stem:
        # stopped or faulted in whichever export the program called; a
        # loop of mallocs may also be stopped between two calls, in main
        # (the payload's heap is its own and goes with it: no hold-off)
        m = re.search(r" in the payload library \((\w+)\) at 0x[0-9a-f]+ called from main\+0x",
                      v.name)
        between = "malloc" in ssa.stem and re.search(r" in main\+0x[0-9a-f]+$", v.name)
        assert between or (m and f"${m.group(1)}(" in ssa.read_text()), v.name


def test_gate_checks_the_whole_range(attack_run):
    v = verdict(payloads(attack_run)["gate_write_overrun.ssa"])
    assert v.status.value == "ok", v
    assert re.fullmatch(rf"{protocol.FAULT_CONTAINED} {protocol.FAULT_REFUSED}: gate write: buf "
                        r"\[0x[0-9a-f]+, \+268435456\) is not the payload's memory", v.name), v.name


def test_call_costs(attack_run):
    """The figures of README "Isolated payloads": a library call stays a
    call at ring 3; a kernel service is a trip through the gate."""
    lines = payloads(attack_run)[CALL_COST.name].program_output()
    cost = {}
    for line in lines:
        m = re.fullmatch(r"(\w+) (\d+) cycles per call", line)
        assert m, lines
        cost[m.group(1)] = int(m.group(2))
    assert set(cost) == {"abs", "strlen", "tsc_hz"}
    assert 0 < cost["abs"] < cost["tsc_hz"], cost


def test_kernel_goes_on_with_an_unchanged_heap(attack_run):
    tests = payloads(attack_run)
    assert tests[HELLO.name].status.value == "ok"
    assert tests[HELLO.name].program_output() == ["hello from QBE IL"]
    for name, test in tests.items():
        assert test.subtests[-1].name.startswith(HEAP_KEPT), name
        assert test.subtests[-1].status.value == "ok", (name, test.subtests[-1])
    assert attack_run.outcome == qemu.Outcome.PASS, qemu.format_summary(attack_run)


def test_every_pointer_parameter_is_checked(pointer_runs, image):
    """Generated from the FFI table: every (export, pointer argument) pair
    is refused, naming both, with no output; the table covers the library."""
    results, runs = pointer_runs
    assert len(results) >= 100
    exports = {e for _, e, _ in results.values()}
    assert {"printf", "memcpy", "strlen", "fopen", "qsort", "free", "fwrite"} <= exports
    for name, (test, export, arg) in results.items():
        assert test is not None, name
        v = verdict(test)
        assert v.status.value == "ok", (name, v)
        assert re.fullmatch(rf"{protocol.FAULT_CONTAINED} {protocol.FAULT_REFUSED}: {export} "
                            rf"argument {arg}, 0x[0-9a-f]+, is not the payload's memory: "
                            rf"{re.escape(export)}\(.*\)", v.name), (name, v.name)
        assert test.output().data == b"", name
        assert test.subtests[-1].status.value == "ok", (name, test.subtests[-1])
    for run in runs:
        assert run.outcome == qemu.Outcome.PASS, qemu.format_summary(run)


@pytest.fixture(scope="module")
def corpus_run(image, tmp_path_factory):
    return boot(image, CORPUS, tmp_path_factory.mktemp("isolation-corpus"), timeout=200)


def test_corpus_passes_isolated(corpus_run):
    assert len(CORPUS) >= 30
    assert corpus_run.outcome == qemu.Outcome.PASS, qemu.format_summary(corpus_run)
    assert len(payloads(corpus_run)) == len(CORPUS)


@pytest.mark.parametrize("ssa", CORPUS, ids=lambda p: p.stem)
def test_corpus_output_isolated(corpus_run, ssa):
    test = payloads(corpus_run)[ssa.name]
    assert test.output().data == ssa.with_suffix(".out").read_bytes()


@pytest.fixture(scope="module")
def libc_runs(image, image_builder, tmp_path_factory):
    """tests/libc's payloads (streams, every function, a data file, the
    arguments, exit(3), abort()) in an isolated boot and a "none" one."""
    from test_libc import ARGS, DATA, PAYLOADS, PROGS
    from jitboot import payloads as translate, runner
    d = tmp_path_factory.mktemp("isolation-libc")
    modules = []
    for name, (src, _, _) in PAYLOADS.items():
        if src.endswith(".c"):
            (d / name).write_text(translate.translate([PROGS / src]))
            modules.append(d / name)
        else:
            modules.append(PROGS / src)
    return {img.recipe.isolation: runner.boot(img, "kernel", modules=modules, tag="libc",
                                              accel="tcg", data=[DATA], args=ARGS)
            for img in (image, image_builder("default"))}


def test_library_behaves_the_same_isolated(libc_runs):
    """Output byte for byte, data files through the gate, exit and abort
    through it too: as in mode "none"."""
    from jitboot import ktap
    user, none = (protocol.payload_results(libc_runs[m].ktap.tests) for m in ("user", "none"))
    assert sorted(user) == sorted(none) and len(user) == 5
    for name in none:
        assert user[name].output().data == none[name].output().data, name
        assert ktap.why_failed(user[name]) == ktap.why_failed(none[name]), name
    # the data file came through the gate into the payload's heap
    assert b"line 1: first line" in user["streams.c.ssa"].output().data
    assert user["streams.c.ssa"].output().data == (PROGS_DIR / "streams.c.out").read_bytes()


@pytest.fixture(scope="module")
def c_corpus_run(image, tmp_path_factory):
    """The C corpus at -O0 (naive IL, the JIT's optimisations at work), one boot."""
    from jitboot import payloads as translate
    d = tmp_path_factory.mktemp("isolation-c")
    mods = []
    for c in C_CORPUS:
        il = d / f"{c.stem}.ssa"
        il.write_text(translate.translate([c], "-O0"))
        mods.append(il)
    return boot(image, mods, d / "logs", timeout=300)


def test_c_corpus_passes_isolated(c_corpus_run):
    results = payloads(c_corpus_run)
    wrong = [c.stem for c in C_CORPUS
             if (t := results.get(f"{c.stem}.ssa")) is None or t.status.name != "OK"
             or t.output().data != c.with_suffix(".out").read_bytes()]
    assert len(C_CORPUS) >= 30
    assert wrong == [], f"{len(wrong)} of {len(C_CORPUS)} differ isolated: {wrong}"
    assert c_corpus_run.outcome == qemu.Outcome.PASS, qemu.format_summary(c_corpus_run)
