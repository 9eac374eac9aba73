"""The C front door (jitboot/llvm.py): C and LLVM IR to QBE IL.

Every tests/c/NAME.c runs four ways and each must print NAME.out and exit
0: native gcc -O2, native clang-19 -O2, and our translation of clang's IR
at -O0 and at -O2 run by build/host/jitrun.  A census checks that the
corpus exercises every construct the translator claims; bad input must
give one clear error per problem, never a traceback.  Hand-written IR
covers what clang does not emit for the corpus, and a few csmith programs
are checked against gcc.
"""

from __future__ import annotations

import concurrent.futures
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jitboot import ROOT, csmith, llvm, paths
from jitboot.errors import JitbootError

CORPUS = ROOT / "tests" / "c"
PROGRAMS = sorted(p.stem for p in CORPUS.glob("*.c"))
WAYS = ("gcc", "clang", "jit-O0", "jit-O2")
TIMEOUT = 20

pytestmark = pytest.mark.skipif(shutil.which(llvm.CLANG) is None,
                                reason=f"{llvm.CLANG} is not installed (ci/setup.sh installs it)")


def _run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)


def _four_ways(name: str, jitrun: str, out: str) -> dict:
    """Build and run one program every way: {way: (status, stdout, stderr)},
    plus the LLVM IR clang produced at each level under "ir-O0", "ir-O2"."""
    src = CORPUS / f"{name}.c"
    out = Path(out)
    res = {}
    # math.h is ours (kernel_lib/libm) in the kernel and in jitrun: native
    # builds link the same objects, and do not fold calls at compile time
    libm = []
    if "<math.h>" in src.read_text():
        libm = ["-fno-builtin", "-no-pie", *sorted((paths.build_dir(ROOT) / "obj" / "host" / "kernel_lib"
                                         / "libm").glob("*.o"))]
        assert len(libm) > 1, "no libm objects in build/obj/host/kernel_lib/libm (jitrun's)"
    for way, cc in (("gcc", "gcc"), ("clang", llvm.CLANG)):
        exe = out / f"{name}.{way}"
        b = _run([cc, "-O2", "-w", src, *libm, "-o", exe, "-lm"])
        res[way] = (b.returncode, "", b.stderr) if b.returncode else \
            (lambda r: (r.returncode, r.stdout, r.stderr))(_run([exe]))
    for opt in ("-O0", "-O2"):
        try:
            ir = llvm.compile_c(src, opt)
            il = llvm.translate(ir, str(src))
        except JitbootError as e:
            res[f"jit{opt}"] = (-1, "", str(e))
            continue
        res[f"ir{opt}"] = ir
        ssa = out / f"{name}{opt}.ssa"
        ssa.write_text(il)
        r = _run([jitrun, ssa])
        res[f"jit{opt}"] = (r.returncode, r.stdout, r.stderr)
    return res


@pytest.fixture(scope="module")
def corpus(host_tools, tmp_path_factory):
    """Every program built and run every way, two programs at a time."""
    out = tmp_path_factory.mktemp("c-corpus")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        futures = {n: pool.submit(_four_ways, n, str(host_tools["jitrun"]), str(out))
                   for n in PROGRAMS}
        return {n: f.result() for n, f in futures.items()}


def test_corpus_is_large_enough():
    assert len(PROGRAMS) >= 40
    missing = [n for n in PROGRAMS if not (CORPUS / f"{n}.out").exists()]
    assert not missing, f"no expected output for {missing}"


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("name", PROGRAMS)
def test_program(corpus, name, way):
    status, stdout, stderr = corpus[name][way]
    assert status == 0, f"{name} ({way}) exited {status}: {stderr.strip()[:500]}"
    assert stdout == (CORPUS / f"{name}.out").read_text(), f"{name} ({way}) printed other output"


# What the translator claims to handle, and a pattern that finds it in
# clang's IR of the corpus (at -O0 or -O2).  clang never leaves llvm.expect
# in its output (-O0 drops it, -O2 lowers it), so test_hand_written_ir has it.
CENSUS = {
    **{op: rf"= {op} " for op in (
        "add", "sub", "mul", "udiv", "sdiv", "urem", "srem", "shl", "lshr", "ashr", "and",
        "or", "xor", "fadd", "fsub", "fmul", "fdiv", "fneg", "icmp", "fcmp", "trunc", "zext",
        "sext", "fptrunc", "fpext", "fptoui", "fptosi", "uitofp", "sitofp", "ptrtoint",
        "inttoptr", "select", "phi", "alloca", "load", "getelementptr", "extractvalue",
        "insertvalue", "extractelement", "insertelement", "shufflevector")},
    **{f"type {t}": rf"\b{re.escape(t)}\b" for t in ("i1", "i8", "i16", "i24", "i32", "i40",
                                                     "i48", "i56", "i64", "float", "double",
                                                     "ptr")},
    "<2 x float>": r"<2 x float>",
    "store": r"^\s+store ",
    "br": r"^\s+br ",
    "switch": r"^\s+switch ",
    "switch lookup table": r"^@switch\.table\.",
    "unreachable": r"^\s+unreachable",
    "ret": r"^\s+ret ",
    "indirect call": r"call \w+ (\([^)]*\) )?%",
    "variadic call": r"call i32 \(ptr, \.\.\.\) @printf",
    "variadic definition": r"^define .*, \.\.\.\)",
    "dynamic alloca": r"= alloca \w+, i64 %",
    "byval": r"byval\(",
    "sret": r"sret\(",
    "gep inbounds": r"getelementptr inbounds",
    "gep variable index": r"getelementptr inbounds \[\d+ x i\d+\], ptr %\w+, i64 0, i64 %",
    "gep struct": r"getelementptr inbounds %struct\.\w+, ptr %\w+, i32 0, i32 [1-9]",
    "global gep": r"^@\S+ = .*getelementptr",
    "global ptrtoint": r"^@\S+ = .*ptrtoint",
    "global pointer to global": r"^@\S+ = .*\bptr @",
    "string": r'c".*\\00"',
    "struct return INTEGER": r"^define .*\{ i64, i64 \} @",
    "struct return SSE": r"^define .*\{ double, double \} @",
    "struct return SSE pair of floats": r"^define .*\{ <2 x float>, float \} @",
    "struct return mixed": r"^define .*\{ (i64|double), (i64|i32|double|float) \} @",
    "struct return MEMORY (sret)": r"^define .*sret\(%struct",
    "struct argument MEMORY (byval)": r"^define .*byval\(%struct",
    **{f"llvm.{x}": rf"@llvm\.{re.escape(x)}\b" for x in (
        "memcpy", "memmove", "memset", "lifetime.start", "smax", "smin", "umax", "umin",
        "abs", "fabs", "ctpop", "ctlz", "cttz", "bswap", "fshl", "fshr", "copysign", "sqrt",
        "sadd.with.overflow", "uadd.with.overflow", "ssub.with.overflow",
        "usub.with.overflow", "smul.with.overflow", "umul.with.overflow", "assume",
        "va_start", "va_end", "va_copy", "stacksave", "is.fpclass")},
}


def test_census(corpus):
    """Every construct above occurs in the corpus."""
    lines = [line for res in corpus.values() for key in ("ir-O0", "ir-O2")
             for line in res.get(key, "").splitlines()]
    text = "\n".join(lines)
    missing = [what for what, pat in CENSUS.items() if not re.search(pat, text, re.M)]
    assert not missing, f"the corpus never uses {missing}"


# -- bad input -------------------------------------------------------------

def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def _error(path, opt="-O0") -> str:
    with pytest.raises(JitbootError) as e:
        llvm.translate_file(path, opt)
    return str(e.value)


def test_malformed_ir(tmp_path):
    p = _write(tmp_path, "broken.ll", "define i32 @main() {\n  %x = add i32 1, 2\n  ret i64 %x\n}\n")
    msg = _error(p)
    assert msg.startswith(f"{p}:3: LLVM IR does not parse: ")
    assert "\n" not in msg


def test_unsupported_instruction_names_ir_line(tmp_path):
    p = _write(tmp_path, "atomic.ll", "define i32 @main() {\n  %p = alloca i32\n"
               "  %v = atomicrmw add ptr %p, i32 1 seq_cst\n  ret i32 %v\n}\n")
    assert _error(p) == f"{p}:3: LLVM 'atomicrmw' is not supported"


def test_unsupported_construct_names_c_line(tmp_path):
    p = _write(tmp_path, "atomic.c", "int x;\nint main(void)\n{\n"
               "\treturn __atomic_fetch_add(&x, 1, __ATOMIC_SEQ_CST);\n}\n")
    assert _error(p) == f"{p}:4: LLVM 'atomicrmw' is not supported"


@pytest.mark.parametrize("decl, what", [
    ("__int128 v = 5; return (int)(v * v);", "LLVM type 'i128' is not supported"),
    ("long double v = 5; return (int)(v * v);", "LLVM type 'long double (x86_fp80)' is not supported"),
    ("double a = 7, b = 2; return (int)__builtin_fmod(a, b);", "LLVM 'frem' (fmod) is not supported"),
])
def test_unsupported_types(tmp_path, decl, what):
    p = _write(tmp_path, "t.c", f"int main(void)\n{{\n\t{decl}\n}}\n")
    msg = _error(p)
    assert msg.startswith(f"{p}:3: ") and what in msg, msg


def test_c_that_does_not_compile(tmp_path):
    p = _write(tmp_path, "bad.c", "int main(void)\n{\n\tint x = y;\n\treturn z;\n}\n")
    msg = _error(p)
    lines = msg.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{p}:3:") and "use of undeclared identifier 'y'" in lines[0]
    assert lines[1].startswith(f"{p}:4:") and "'z'" in lines[1]


def test_call_to_something_not_exported(tmp_path):
    p = _write(tmp_path, "ext.c", "int launch(int);\nint main(void)\n{\n\treturn launch(3);\n}\n")
    assert _error(p) == (f"{p}:4: 'launch' is not defined here and the kernel does not export "
                         "it (jit/exports.txt)")


def test_data_reference_to_something_not_exported(tmp_path):
    p = _write(tmp_path, "ext.ll", "@environ = external global ptr\n"
               "@alias = global ptr @environ\n"
               "define i32 @main() {\n  ret i32 0\n}\n")
    assert _error(p) == (f"{p}:2: 'environ' is not defined here and the kernel does not export "
                         "it (jit/exports.txt)")


def test_cli_success_and_failure(tmp_path, host_tools):
    good = _write(tmp_path, "good.c", '#include <stdio.h>\nint main(void)\n{\n'
                  '\tprintf("%d %.1f\\n", 6 * 7, 2.5);\n\treturn 3;\n}\n')
    out = tmp_path / "good.ssa"
    r = _run([sys.executable, "-m", "jitboot.llvm", good, "-O2", "-o", out], cwd=ROOT)
    assert r.returncode == 0, r.stderr
    run = _run([host_tools["jitrun"], out])
    assert (run.returncode, run.stdout) == (3, "42 2.5\n")
    bad = _write(tmp_path, "bad.c", "int main(void) { return nope(); }\n")
    r = _run([sys.executable, "-m", "jitboot.llvm", bad], cwd=ROOT)
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{bad}:1:")


def test_compile_c_writes_ir_and_ll_input_translates(tmp_path, host_tools):
    src = _write(tmp_path, "p.c", "int main(void) { return 40 + 2; }\n")
    ll = tmp_path / "p.ll"
    llvm.compile_c(src, "-O0", ll)
    assert "define dso_local i32 @main()" in ll.read_text()
    ssa = _write(tmp_path, "p.ssa", llvm.translate_file(ll))
    assert _run([host_tools["jitrun"], ssa]).returncode == 42


def test_unknown_optimisation_level(tmp_path):
    with pytest.raises(JitbootError, match="unknown optimisation level -O3"):
        llvm.compile_c(tmp_path / "x.c", "-O3")


# -- the printed form ------------------------------------------------------

STRUCTS = {"%struct.S": ("s", (("i", 8), ("f", 64), ("a", 3, ("i", 16))), False)}


@pytest.mark.parametrize("text, want", [
    ("i32", ("i", 32)),
    ("ptr", ("p",)),
    ("[4 x { i8, double }]", ("a", 4, ("s", (("i", 8), ("f", 64)), False))),
    ("<2 x float>", ("x", 2, ("f", 32))),
    ("<{ i8, i32 }>", ("s", (("i", 8), ("i", 32)), True)),
    ("%struct.S", STRUCTS["%struct.S"]),
    ("i32 (ptr, ...)", ("fn", ("i", 32), (("p",),), True)),
])
def test_type_parser(text, want):
    assert llvm.Printed(text, STRUCTS).type() == want


@pytest.mark.parametrize("text", ["i128", "x86_fp80", "ptr addrspace(1)"])
def test_type_parser_refuses(text):
    with pytest.raises(llvm.Unsupported):
        llvm.Printed(text, {}).type()


@pytest.mark.parametrize("text, want", [
    ("i32 -7", ("int", -7)),
    ("double 0x7FF0000000000000", ("fp", float("inf"))),
    ("float 1.500000e+00", ("fp", 1.5)),
    ('[3 x i8] c"a\\0A\\00"', ("bytes", b"a\n\0")),
    ("ptr getelementptr inbounds ([4 x i32], ptr @t, i64 0, i64 2)", ("sym", "t", 8)),
    ("ptr getelementptr (i8, ptr @t, i64 -3)", ("sym", "t", -3)),
    ("i64 ptrtoint (ptr @x to i64)", ("sym", "x", 0)),
    ("{ i32, ptr } { i32 1, ptr null }", ("agg", [("int", 1), ("zero",)])),
    ("<{ i8, [2 x i8] }> <{ i8 1, [2 x i8] zeroinitializer }>",
     ("agg", [("int", 1), ("zero",)])),
])
def test_constant_parser(text, want):
    p = llvm.Printed(text, STRUCTS)
    assert p.const(p.type()) == want


def test_layout_agrees_with_llvm():
    import llvmlite.binding as binding
    types = ["{ i8, double, [3 x i16] }", "{ i8, i24 }", "<{ i8, i32 }>", "[5 x { i32, i1 }]",
             "{ <2 x float>, float }", "{ i16, { i8, i64 }, i8 }", "<3 x float>"]
    text = "\n".join(f"@g{i} = global {t} zeroinitializer" for i, t in enumerate(types))
    m = binding.parse_assembly(
        'target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-'
        'n8:16:32:64-S128"\n' + text)
    td = binding.create_target_data(m.data_layout)
    for i, t in enumerate(types):
        ref = m.get_global_variable(f"g{i}").global_value_type
        ours = llvm.Printed(t, {}).type()
        assert llvm.size_of(ours) == td.get_abi_size(ref), t
        assert llvm.align_of(ours) == td.get_abi_alignment(ref), t
        if ours[0] == "s":
            assert llvm.field_offsets(ours) == [td.get_element_offset(ref, k)
                                                for k in range(len(ours[1]))], t


def test_call_signature():
    text = ("%v3 = call i32 (ptr, ...) @printf(ptr noundef @.str, double noundef %v1, "
            "ptr noundef byval(%struct.S) align 8 %v2, i8 noundef signext %v4), !dbg !12")
    nfixed, attrs = llvm.call_signature(text, STRUCTS)
    assert nfixed == 1
    assert attrs[2]["byval"] == STRUCTS["%struct.S"]
    assert attrs[3] == {"signext": True}
    nfixed, attrs = llvm.call_signature("call void %v9(i32 range(i32 0, 5) %v1)", {})
    assert (nfixed, attrs) == (None, [{}])


def test_instruction_lines_join_switch_cases():
    body = list(enumerate(["b1:", "  switch i32 %v, label %b2 [", "    i32 0, label %b3",
                           "  ]", "", "b2:  ; preds = %b1", "    #dbg_value(ptr %x, !1)",
                           "  ret void"], 1))
    assert llvm.instruction_lines(body) == [
        (2, "switch i32 %v, label %b2 [ i32 0, label %b3 ]"), (8, "ret void")]


# IR clang does not write for the corpus but the translator accepts: the
# va_arg instruction, llvm.expect, vector arithmetic, compares and selects
# on vectors, a switch on i8 with duplicate phi edges, a constant
# expression as an instruction operand, i1 arithmetic, freeze.
HAND_WRITTEN = r"""
@fmt = private constant [4 x i8] c"%d\0A\00"
@fmtl = private constant [5 x i8] c"%ld\0A\00"
@arr = global [4 x i32] [i32 10, i32 20, i32 30, i32 40]

declare i32 @printf(ptr, ...)
declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)
declare i64 @llvm.expect.i64(i64, i64)

define i32 @sum(i32 %n, ...) {
entry:
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i1, %loop ]
  %s = phi i32 [ 0, %entry ], [ %s1, %loop ]
  %x = va_arg ptr %ap, i32
  %s1 = add i32 %s, %x
  %i1 = add i32 %i, 1
  %c = icmp slt i32 %i1, %n
  br i1 %c, label %loop, label %done
done:
  call void @llvm.va_end.p0(ptr %ap)
  ret i32 %s1
}

define signext i8 @classify(i8 signext %c) {
entry:
  switch i8 %c, label %other [ i8 -5, label %neg5
                               i8 7, label %seven
                               i8 8, label %seven ]
neg5:
  br label %seven
seven:
  %p = phi i8 [ 2, %entry ], [ 2, %entry ], [ 3, %neg5 ]
  ret i8 %p
other:
  %e = freeze i8 %c
  %r = add i8 %e, 100
  ret i8 %r
}

define i32 @main() {
entry:
  %s = call i32 (i32, ...) @sum(i32 4, i32 1, i32 2, i32 3, i32 4)
  call i32 (ptr, ...) @printf(ptr @fmt, i32 %s)
  %a = call signext i8 @classify(i8 signext -5)
  %b = call signext i8 @classify(i8 signext 8)
  %d = call signext i8 @classify(i8 signext 100)
  %ab = add i8 %a, %b
  %ae = sext i8 %ab to i32
  %de = sext i8 %d to i32
  %sum2 = add i32 %ae, %de
  call i32 (ptr, ...) @printf(ptr @fmt, i32 %sum2)
  %v1 = insertelement <2 x i32> <i32 1, i32 2>, i32 %s, i32 1
  %v2 = add <2 x i32> %v1, <i32 100, i32 200>
  %cmp = icmp sgt <2 x i32> %v2, <i32 150, i32 150>
  %sel = select <2 x i1> %cmp, <2 x i32> %v2, <2 x i32> zeroinitializer
  %sh = shufflevector <2 x i32> %sel, <2 x i32> %v2, <2 x i32> <i32 1, i32 2>
  %e0 = extractelement <2 x i32> %sh, i32 0
  %e1 = extractelement <2 x i32> %sh, i64 1
  %m = mul i32 %e0, %e1
  call i32 (ptr, ...) @printf(ptr @fmt, i32 %m)
  %fv = insertelement <2 x float> poison, float 1.0, i32 0
  %fv2 = insertelement <2 x float> %fv, float -2.0, i32 1
  %fn = fneg <2 x float> %fv2
  %bits = bitcast <2 x float> %fn to i64
  %hi = lshr i64 %bits, 32
  call i32 (ptr, ...) @printf(ptr @fmtl, i64 %hi)
  %ex = call i64 @llvm.expect.i64(i64 %hi, i64 0)
  %g = load i32, ptr getelementptr inbounds ([4 x i32], ptr @arr, i64 0, i64 2)
  %gl = zext i32 %g to i64
  %t = add i64 %ex, %gl
  call i32 (ptr, ...) @printf(ptr @fmtl, i64 %t)
  %t1 = icmp eq i32 %g, 30
  %t2 = add i1 %t1, true
  %t3 = xor i1 %t2, true
  %t4 = zext i1 %t3 to i32
  %t5 = sext i1 %t3 to i32
  %t6 = add i32 %t4, %t5
  %t7 = add i32 %t6, 7
  call i32 (ptr, ...) @printf(ptr @fmt, i32 %t7)
  %odd = icmp eq i32 %t7, 8
  br i1 %odd, label %never, label %ok
never:
  unreachable
ok:
  ret i32 0
}
"""


def test_hand_written_ir(tmp_path, host_tools):
    ssa = _write(tmp_path, "hand.ssa", llvm.translate(HAND_WRITTEN, "hand.ll"))
    r = _run([host_tools["jitrun"], ssa])
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "10\n-51\n21210\n1073741824\n1073741854\n7\n"


def test_global_errors_name_the_c_line(tmp_path):
    p = _write(tmp_path, "g.c", "extern int elsewhere;\n\nint *p = &elsewhere;\n"
               "int main(void) { return 0; }\n")
    assert _error(p) == (f"{p}:3: 'elsewhere' is not defined here and the kernel does not "
                         "export it (jit/exports.txt)")


def test_unsupported_type_in_a_struct_names_the_use(tmp_path):
    p = _write(tmp_path, "s.c", "struct big { __int128 x; int y; };\n"
               "struct ok { int a; };\n"
               "int unused(struct ok o) { return o.a; }\n"
               "int main(void)\n{\n\tstruct big b = { 0, 4 };\n\treturn b.y;\n}\n")
    assert _error(p) == f"{p}:6: LLVM type 'i128' is not supported (integers wider than 64 bits)"


def test_cli_run(tmp_path, host_tools):
    src = _write(tmp_path, "args.c", '#include <stdio.h>\nint main(int argc, char **argv)\n{\n'
                 '\tfor (int i = 1; i < argc; i++)\n\t\tputs(argv[i]);\n\treturn argc;\n}\n')
    r = _run([sys.executable, "-m", "jitboot.llvm", src, "--run", "one", "two"], cwd=ROOT)
    assert (r.returncode, r.stdout) == (3, "one\ntwo\n"), r.stderr


def test_odd_width_extensions(tmp_path, host_tools):
    """i24 and i40 values (bit-field and odd-struct storage) widen right."""
    ir = r"""
@fmt = private constant [20 x i8] c"%ld %ld %ld %ld %d\0A\00"
declare i32 @printf(ptr, ...)
define i32 @main() {
  %x = add i24 0, -3
  %s = sext i24 %x to i64
  %z = zext i24 %x to i64
  %y = add i40 0, -5
  %t = sext i40 %y to i64
  %u = zext i40 %y to i64
  %w = sext i24 %x to i32
  call i32 (ptr, ...) @printf(ptr @fmt, i64 %s, i64 %z, i64 %t, i64 %u, i32 %w)
  ret i32 0
}
"""
    ssa = _write(tmp_path, "odd.ssa", llvm.translate(ir, "odd.ll"))
    r = _run([host_tools["jitrun"], ssa])
    assert r.stdout == "-3 16777213 -5 1099511627771 -3\n", r.stderr


CSMITH_SEEDS = (1, 2, 3, 4)
needs_csmith = pytest.mark.skipif(csmith.available() is not None,
                                  reason="csmith and libcsmith-dev are not installed "
                                         "(ci/setup.sh installs them)")


@needs_csmith
def test_csmith_programs_agree_with_gcc(host_tools, tmp_path):
    """Random C (csmith, fixed seeds): gcc -O2 and the translation at -O0
    and -O2, each with the JIT's passes on and off, print the same checksum
    (the short round of `doit csmith`)."""
    results = csmith.campaign(range(1, 1 + len(CSMITH_SEEDS)), host_tools["jitrun"], tmp_path,
                              jobs=2, echo=False)
    assert [o.seed for o in results] == list(CSMITH_SEEDS)
    for o in results:
        assert o.verdict == "agree", f"csmith seed {o.seed}: {o.verdict}: {o.why}"
        assert o.outputs["gcc"].startswith("checksum = ")
        runs = [o.outputs[f"{opt} --passes={p}"] for opt in ("-O0", "-O2") for p in ("all", "none")]
        assert runs == [o.outputs["gcc"]] * 4
    assert not (tmp_path / "findings").exists()
    assert csmith.summary(results, tmp_path).startswith(
        f"csmith: {len(CSMITH_SEEDS)} seeds: {len(CSMITH_SEEDS)} agree")


def test_csmith_mismatch_is_a_finding_kept_for_cvise(tmp_path):
    """A JIT that prints the wrong checksum is caught, and the program is
    kept with an interestingness script that holds for it (a small program
    of ours stands for csmith's)."""
    liar = tmp_path / "liar"
    liar.write_text("#!/bin/sh\necho 'checksum = 0'\n")
    liar.chmod(0o755)
    src = tmp_path / "seed5.c"
    src.write_text('#include <stdio.h>\nint main(void) { printf("checksum = %X\\n", 0xBEEFu); return 0; }\n')
    out = csmith.check_seed(5, tmp_path / "work", liar, src)
    assert out.verdict == "finding" and out.why == ("-O0 --passes=all: prints 'checksum = 0',"
                                                " gcc 'checksum = BEEF'")
    kept = csmith.keep(out, src, liar, tmp_path / "findings")
    assert kept.read_text() == src.read_text()
    script = tmp_path / "findings" / "seed5.sh"
    # cvise runs the script in a directory holding the program alone
    r = subprocess.run([str(script)], cwd=kept.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (tmp_path / "honest").write_text("#!/bin/sh\ncat ref.out\n")
    (tmp_path / "honest").chmod(0o755)
    script.write_text(csmith.interestingness(kept, tmp_path / "honest", "-O0"))
    r = subprocess.run([str(script)], cwd=kept.parent, capture_output=True, text=True)
    assert r.returncode == 1, "a program that agrees must not stay interesting"


def test_unsupported_parameter_names_the_function_line(tmp_path):
    p = _write(tmp_path, "ld.c", "#include <stdio.h>\n\nint f(long double x)\n{\n"
               "\treturn 1;\n}\nint main(void) { return 0; }\n")
    assert _error(p) == f"{p}:3: LLVM type 'long double (x86_fp80)' is not supported"


SWITCH_RANGES = """
@fmt = private constant [4 x i8] c"%d\\0A\\00"
declare i32 @printf(ptr, ...)

define i32 @dense(i32 %x) {
entry:
  switch i32 %x, label %other [ i32 0, label %c0
                                i32 1, label %c1
                                i32 2, label %c2
                                i32 3, label %c3
                                i32 4, label %c4
                                i32 5, label %c5 ]
c0:
  ret i32 10
c1:
  ret i32 11
c2:
  ret i32 12
c3:
  ret i32 13
c4:
  ret i32 14
c5:
  ret i32 15
other:
  ret i32 -1
}

define i32 @main() {
entry:
  br label %loop
loop:
  %i = phi i32 [ -2, %entry ], [ %i1, %loop ]
  %r = call i32 @dense(i32 %i)
  call i32 (ptr, ...) @printf(ptr @fmt, i32 %r)
  %i1 = add i32 %i, 1
  %c = icmp slt i32 %i1, 8
  br i1 %c, label %loop, label %done
done:
  ret i32 0
}
"""


def test_switch_search_knows_the_range_left(tmp_path, host_tools):
    """Cases 0..5: the search splits them at 3, so below it the values
    left are 0, 1 and 2 (unsigned): once 0 and 1 are ruled out, 2 is
    jumped to without a compare. Above, 3..5 leave the rest of the range
    to the default: each is compared. Values outside (-2, -1, 6, 7) still
    go to the default."""
    il = llvm.translate(SWITCH_RANGES, "ranges.ll")
    dense = il[il.index("$dense("):il.index("$main(")]
    assert re.findall(r"ceqw %\w+, (\d+)", dense) == ["0", "1", "3", "4", "5"], dense
    ssa = _write(tmp_path, "ranges.ssa", il)
    r = _run([host_tools["jitrun"], ssa])
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.split() == ["-1", "-1", "10", "11", "12", "13", "14", "15", "-1", "-1"]


def test_static_definitions_are_not_exported(tmp_path):
    """C's static functions and data are local to the module (LLVM's
    internal linkage): not exported, so the JIT knows every call to
    them; the others are exported."""
    src = tmp_path / "s.c"
    src.write_text("static int hidden(int x) { return x + 1; }\n"
                   "static int table[2] = {1, 2};\n"
                   "int counter = 3;\n"
                   "int main(void) { return hidden(table[1]) + counter; }\n")
    il = llvm.translate_file(src, "-O0")
    assert re.search(r"^function w \$hidden\(", il, re.M), il
    assert re.search(r"^data \$table = ", il, re.M), il
    assert re.search(r"^export data \$counter = ", il, re.M), il
    assert re.search(r"^export function w \$main\(", il, re.M), il
