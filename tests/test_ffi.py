"""Typed FFI: calls from JIT'd code to exported functions are checked
against the C signatures the build reads from the DWARF of the objects
implementing them (jitboot/ffi.py, jit/passes/ffi.c).

A correct call passes; each kind of mismatch is a compile error naming
the IL call, the C prototype and the line; variadic tails, harmless width
differences and the module's own functions are not errors."""

import subprocess

import pytest

from conftest import doit
from jitboot import ROOT, ffi, payloads, render

TIMEOUT = 20


@pytest.fixture(scope="session")
def jitrun(host_tools):
    return host_tools["jitrun"]


def run(jitrun, path):
    return subprocess.run([str(jitrun), str(path)], capture_output=True, text=True,
                          timeout=TIMEOUT)


def module(body: str, extra: str = "") -> str:
    """An IL module whose main runs body (line 5 is body's first line)."""
    return ('data $s = { b "hi", b 0 }\n'
            'data $fmt = { b "%d %.2f %s %ld\\n", b 0 }\n'
            'export function w $main() {\n'
            '@start\n'
            f'{body}'
            '\tret 0\n'
            '}\n' + extra)


# (IL call on line 5, the error after "prog.ssa:5: ")
MISMATCHES = [
    ("\tcall $abs(d d_1)", "call $abs(d): abs(int) takes an integer as argument 1"),
    ("\tcall $strlen(w 1)", "call $strlen(w): strlen(const char *) takes a pointer as argument 1"),
    ("\tcall $labs(w 1)", "call $labs(w): labs(long int) takes a 64-bit integer as argument 1"),
    ("\tcall $memset(l $s, w 0, w 2)",
     "call $memset(l, w, w): memset(void *, int, size_t) takes a 64-bit integer as argument 3"),
    ("\tcall $sinf(d d_1)", "call $sinf(d): sinf(float) takes a float as argument 1"),
    ("\tcall $sin(s s_1)", "call $sin(s): sin(double) takes a double as argument 1"),
    ("\tcall $sin(w 1)", "call $sin(w): sin(double) takes a double as argument 1"),
    ("\tcall $abs(:pair $s)", "call $abs(:pair): abs(int) takes an integer as argument 1"),
    ("\tcall $strcmp(l $s)",
     "call $strcmp(l): strcmp(const char *, const char *) takes 2 arguments"),
    ("\tcall $abs(w 1, w 2)", "call $abs(w, w): abs(int) takes 1 argument"),
    ("\tcall $printf()", "call $printf(): printf(const char *, ...) takes at least 1 argument"),
    ("\tcall $printf(w 1, ..., w 2)",
     "call $printf(w, ..., w): printf(const char *, ...) takes a pointer as argument 1"),
    ("\t%x =d call $atoi(l $s)", "=d call $atoi(l): atoi(const char *) returns an integer"),
    ("\t%x =l call $abs(w 1)", "=l call $abs(w): abs(int) returns a 32-bit integer"),
    ("\t%x =w call $free(l 0)", "=w call $free(l): free(void *) returns nothing"),
    ("\t%x =w call $sqrt(d d_4)", "=w call $sqrt(d): sqrt(double) returns a double"),
    ("\t%x =l call $fopen(l $s, w 0)",
     "call $fopen(l, w): fopen(const char *, const char *) takes a pointer as argument 2"),
]


@pytest.mark.parametrize("call,message", MISMATCHES, ids=[m[0].strip() for m in MISMATCHES])
def test_each_mismatch_is_a_compile_error_naming_both_sides(jitrun, tmp_path, call, message):
    prog = tmp_path / "prog.ssa"
    prog.write_text("type :pair = { l, l }\n" + module(call + "\n"))
    p = run(jitrun, prog)
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stdout == ""
    assert p.stderr.strip() == f"{prog}:6: {message}"


def test_correct_and_harmless_calls_pass(jitrun, tmp_path):
    prog = tmp_path / "prog.ssa"
    prog.write_text(module(
        "\t%n =l call $strlen(l $s)\n"
        "\t%w =w call $strlen(l $s)\n"          # truncating a size_t, as a cast does
        "\t%a =w call $abs(l -3)\n"             # an int reads the low half of an l
        "\t%b =w call $abs(ub 200)\n"           # sub-word classes are ints
        "\t%c =w call $toupper(sb 97)\n"
        "\t%d =d call $pow(d d_2, d d_10)\n"
        "\t%f =s call $sqrtf(s s_16)\n"
        "\t%q =l call $div(w 7, w 2)\n"         # div_t comes back in %rax
        "\tcall $printf(l $fmt, ..., w %a, d %d, l $s, l %n)\n"
        "\tcall $printf(l $fmt, w %b, d d_0.5, l $s, l %q)\n"   # no `...`: amd64 sets %al anyway
        "\t%e =w call $putchar(w %c)\n"
        "\tcall $putchar(w 10)\n"))
    p = run(jitrun, prog)
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout == f"3 1024.00 hi 2\n200 0.50 hi {7 // 2 | (7 % 2) << 32}\nA\n"


def test_the_modules_own_functions_and_unexported_names_are_not_checked(jitrun, tmp_path):
    # the module's abs (taking a double) is the one called, defined below its call
    prog = tmp_path / "prog.ssa"
    prog.write_text(module(
        "\t%x =d call $abs(d d_-2)\n"
        "\t%y =w call $twice(d %x)\n"
        "\tcall $printf(l $fmt, ..., w %y, d %x, l $s, l 0)\n",
        "function d $abs(d %x) {\n@start\n\t%n =d neg %x\n\tret %n\n}\n"
        "function w $twice(d %x) {\n@start\n\t%y =d add %x, %x\n"
        "\t%w =w dtosi %y\n\tret %w\n}\n"))
    p = run(jitrun, prog)
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout == "4 2.00 hi 0\n"


def test_the_first_mismatch_is_reported_with_its_line(jitrun, tmp_path):
    prog = tmp_path / "prog.ssa"
    prog.write_text(module("\tcall $abs(w 1)\n\tcall $abs(w 2)\n\tcall $labs(w 3)\n"
                           "\tcall $sin(w 4)\n"))
    p = run(jitrun, prog)
    assert p.returncode == 2
    assert p.stderr.strip() == (f"{prog}:7: call $labs(w): labs(long int) "
                                "takes a 64-bit integer as argument 1")


def test_a_wrong_c_prototype_is_caught_through_the_c_front_door(jitrun, tmp_path):
    src = tmp_path / "wrong.c"
    src.write_text("#include <stdio.h>\nlong strlen(int);\n"
                   "int main(void)\n{\n\tprintf(\"%ld\\n\", strlen(3));\n\treturn 0;\n}\n")
    prog = tmp_path / "wrong.ssa"
    prog.write_text(payloads.translate([src]))
    p = run(jitrun, prog)
    assert p.returncode == 2
    assert "call $strlen(w): strlen(const char *) takes a pointer as argument 1" in p.stderr
    assert p.stderr.startswith(f"{prog}:")


# -- signatures from DWARF --------------------------------------------------

SIGNATURES_C = """\
#include <stdarg.h>
#include <stddef.h>
struct ring { int n; };
struct pt { int x, y; };
enum colour { RED, GREEN };
void ring_push(struct ring *r, int v) { r->n += v; }
long wide(long a, size_t b, unsigned long long c) { return a + b + c; }
float flt(float a, double b) { return a + b; }
struct pt byvalue(struct pt p) { return p; }
int vari(const char *fmt, ...) { va_list ap; va_start(ap, fmt); va_end(ap); return 0; }
enum colour small(char c, short s, unsigned char u, _Bool b) { return c + s + u + b; }
long double ld(long double x) { return x; }
void cb(int (*cmp)(const void *, const void *), char **argv) { (void)cmp; (void)argv; }
int nothing(void) { return 0; }
extern int declared_only(double);
int caller(void) { return declared_only(1.0); }
"""


def test_signatures_come_from_the_dwarf_of_objects(tmp_path):
    src = tmp_path / "sigs.c"
    src.write_text(SIGNATURES_C)
    obj = tmp_path / "sigs.o"
    subprocess.run(["gcc", "-std=gnu11", "-O2", "-g", "-c", str(src), "-o", str(obj)], check=True)
    names = ["ring_push", "wide", "flt", "byvalue", "vari", "small", "ld", "cb", "nothing",
             "declared_only", "missing"]
    sigs = ffi.signatures([obj], {n: n for n in names} | {"aliased": "wide"})
    got = {n: (s.abi, s.proto) for n, s in sigs.items()}
    assert got == {
        "ring_push": ("vpw", "ring_push(struct ring *, int)"),
        "wide": ("llll", "wide(long int, size_t, long long unsigned int)"),
        "aliased": ("llll", "aliased(long int, size_t, long long unsigned int)"),
        "flt": ("ssd", "flt(float, double)"),
        "byvalue": ("aa", "byvalue(struct pt)"),
        "vari": ("wp.", "vari(const char *, ...)"),
        "small": ("wwwww", "small(char, short int, unsigned char, _Bool)"),
        "ld": ("xx", "ld(long double)"),
        "cb": ("vpp", "cb(int (*)(const void *, const void *), char **)"),
        "nothing": ("w", "nothing(void)"),
        "declared_only": ("wd", "declared_only(double)"),
    }


def test_a_broken_object_is_one_line_naming_it(tmp_path):
    bad = tmp_path / "bad.o"
    bad.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 20)
    with pytest.raises(Exception) as e:
        ffi.signatures([bad], {"f": "f"})
    assert type(e.value).__name__ == "JitbootError"
    assert str(e.value).startswith(f"{bad}: cannot read its debugging information")


def test_every_exported_function_of_the_host_twin_has_a_signature(host_tools):
    from jitboot import build
    text = (build.host_gen_dir(ROOT) / "exports.c").read_text()
    unchecked = sorted(line.split('"')[1] for line in text.splitlines()
                       if line.startswith('\t{"') and line.endswith("NULL, NULL},"))
    # data, and setjmp/longjmp (assembly, no DWARF)
    assert unchecked == ["longjmp", "setjmp", "stderr", "stdout"]
    assert len(render.read_exports(ROOT)) > 150


# -- in the kernel -----------------------------------------------------------

def test_the_kernel_reports_a_mismatch_like_the_host(image_builder, jitrun, tmp_path):
    image = image_builder("default")
    prog = tmp_path / "ring.ssa"
    prog.write_text(module("\tcall $printf(l $fmt, ..., w 1, d d_2, l $s, l 4)\n"
                           "\t%x =w call $memcmp(l $s, l $s, w 2)\n"))
    host = run(jitrun, prog)
    message = "call $memcmp(l, l, w): memcmp(const void *, const void *, size_t) " \
              "takes a 64-bit integer as argument 3"
    assert host.stderr.strip() == f"{prog}:6: {message}"
    p = doit(ROOT, "jit-run", f"il={prog}", check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0
    assert f"ring.ssa:6: {message}" in out, out
    assert "Traceback" not in out
    # the kernel's table has the host twin's signatures (other objects, same C)
    from jitboot import build
    kernel = (image.gen / "exports.c").read_text()
    host_table = (build.host_gen_dir(ROOT) / "exports.c").read_text()

    def entries(text):
        return [line for line in text.splitlines() if line.startswith('\t{"')]
    assert entries(kernel) == entries(host_table)


def test_a_long_call_is_shortened_so_the_message_keeps_the_c_side(jitrun, tmp_path):
    prog = tmp_path / "prog.ssa"
    prog.write_text(module("\tcall $abs(" + ", ".join(["w 1"] * 80) + ")\n"))
    p = run(jitrun, prog)
    assert p.returncode == 2
    line = p.stderr.strip()
    assert line.startswith(f"{prog}:5: call $abs(w, w, w")
    assert line.endswith(" ...): abs(int) takes 1 argument")
