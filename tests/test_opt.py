"""The JIT's own optimization passes (jit/shim/qbe/opt*.c) and their switch.

Every corpus program prints the same with each selection of passes, on the
host and in the kernel; recursive functions of the shapes the passes look
for are transformed (fewer calls in the assembly) and still compute the
right values; the selection is refused when it names an unknown pass, in
jitrun and in the image recipe.
"""

import re
import shutil
import subprocess

import pytest

from jitboot import ROOT, llvm, protocol, qemu, render
from jitboot.errors import JitbootError
from jitboot.recipe import JIT_PASSES, load_recipe
from test_bigmodule import compile_instructions

IL = ROOT / "tests" / "il"
CORPUS = sorted(p for p in IL.glob("*.ssa") if p.with_suffix(".out").exists())
SELECTIONS = ["none", "all", *JIT_PASSES]
TIMEOUT = 20


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=TIMEOUT)


@pytest.fixture(scope="module")
def jitrun():
    from jitboot import build
    try:
        return build.build_programs(["jitrun"], ROOT)["jitrun"]
    except JitbootError as e:
        pytest.fail(f"cannot build jitrun: {e}")


@pytest.mark.parametrize("ssa", CORPUS, ids=lambda p: p.stem)
def test_corpus_same_output_with_any_passes(jitrun, ssa):
    expected = ssa.with_suffix(".out").read_text()
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", ssa])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", expected), sel


# Recursions of the shapes the passes handle, with what main must print.
# Each defines $f and a main printing f(arg) for the listed args.
RECURSIONS = {
    "fib": ("""
function l $f(l %n) {
@start
	%small =w csltl %n, 2
	jnz %small, @base, @rec
@base
	ret %n
@rec
	%n1 =l sub %n, 1
	%a =l call $f(l %n1)
	%n2 =l sub %n, 2
	%b =l call $f(l %n2)
	%r =l add %a, %b
	ret %r
}""", lambda n: _fib(n), [0, 1, 2, 10, 25]),
    "tribonacci_w": ("""
function w $f(w %n) {
@start
	%small =w csltw %n, 3
	jnz %small, @base, @rec
@base
	%z =w ceqw %n, 2
	ret %z
@rec
	%n1 =w sub %n, 1
	%a =w call $f(w %n1)
	%n2 =w sub %n, 2
	%b =w call $f(w %n2)
	%ab =w add %a, %b
	%n3 =w sub %n, 3
	%c =w call $f(w %n3)
	%r =w add %c, %ab
	ret %r
}""", lambda n: _trib(n), [0, 2, 5, 18]),
    "product": ("""
function l $f(l %n) {
@start
	%z =w ceql %n, 0
	jnz %z, @one, @rec
@one
	ret 1
@rec
	%m =l sub %n, 1
	%p =l call $f(l %m)
	%r =l mul %n, %p
	ret %r
}""", lambda n: _fact(n), [0, 1, 5, 20]),
    "gcd_tail": ("""
function l $g(l %a, l %b) {
@start
	%z =w ceql %b, 0
	jnz %z, @done, @rec
@done
	ret %a
@rec
	%m =l rem %a, %b
	%r =l call $g(l %b, l %m)
	ret %r
}
function l $f(l %n) {
@start
	%k =l mul %n, 7
	%r =l call $g(l %k, l 91)
	ret %r
}""", lambda n: _gcd(7 * n, 91), [0, 3, 13, 26]),
    "ackermann": ("""
function l $ack(l %m, l %n) {
@start
	%m0 =w ceql %m, 0
	jnz %m0, @inc, @m1
@inc
	%r =l add %n, 1
	ret %r
@m1
	%n0 =w ceql %n, 0
	%mm =l sub %m, 1
	jnz %n0, @one, @both
@one
	%r1 =l call $ack(l %mm, l 1)
	ret %r1
@both
	%nn =l sub %n, 1
	%in =l call $ack(l %m, l %nn)
	%r2 =l call $ack(l %mm, l %in)
	ret %r2
}
function l $f(l %n) {
@start
	%r =l call $ack(l 2, l %n)
	ret %r
}""", lambda n: 2 * n + 3, [0, 1, 9]),
}


def _fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def _trib(n):
    t = [0, 0, 1]
    while len(t) <= n:
        t.append(t[-1] + t[-2] + t[-3])
    return t[n]


def _fact(n):
    r = 1
    for k in range(2, n + 1):
        r *= k
    return r % (1 << 64) - ((1 << 64) if r % (1 << 64) >= (1 << 63) else 0)


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def _program(body, args):
    lines = ['data $fmt = { b "%ld\\n", b 0 }', body, "export function w $main() {", "@start"]
    ret = "w" if "function w $f" in body else "l"
    for k, a in enumerate(args):
        lines.append(f"\t%r{k} ={ret} call $f({ret} {a})")
        if ret == "w":
            lines.append(f"\t%x{k} =l extsw %r{k}")
            lines.append(f"\tcall $printf(l $fmt, ..., l %x{k})")
        else:
            lines.append(f"\tcall $printf(l $fmt, ..., l %r{k})")
    lines += ["\tret 0", "}"]
    return "\n".join(lines) + "\n"


def _calls(asm, fn):
    """Call instructions in the assembly of function fn."""
    body = asm[asm.index(f"\n{fn}:"):]
    body = body[:body.index("/* end function")]
    return len(re.findall(r"\bcallq? ", body))


@pytest.mark.parametrize("name", RECURSIONS)
def test_recursion_transformed_and_correct(jitrun, tmp_path, name):
    body, model, args = RECURSIONS[name]
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_program(body, args))
    expected = "".join(f"{model(a)}\n" for a in args)
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", expected), sel
    recursive = re.search(r"function \w \$(\w+)", body).group(1)
    off = _calls(run([jitrun, "--passes=none", "-S", prog]).stdout, recursive)
    tre = _calls(run([jitrun, "--passes=tre", "-S", prog]).stdout, recursive)
    assert tre < off, "tail recursion elimination removed no call"


def test_recursion_inlined_into_itself(jitrun, tmp_path):
    """Bounded recursive inlining: fib's body holds copies of itself, and
    every copy still ends in a call (the recursion is not unrolled away)."""
    body, _, _ = RECURSIONS["fib"]
    prog = tmp_path / "fib.ssa"
    prog.write_text(_program(body, [5]))
    tre = run([jitrun, "--passes=tre", "-S", prog]).stdout
    both = run([jitrun, "--passes=all", "-S", prog]).stdout
    assert _calls(tre, "f") == 1
    assert _calls(both, "f") == 1
    assert _body(both, "f").count("\n") > 2 * _body(tre, "f").count("\n")


def _body(asm, fn):
    """The assembly of function fn."""
    text = asm[asm.index(f"\n{fn}:"):]
    return text[:text.index("/* end function")]


MEDIUM = "".join(f"\t%x =l xor %x, {k}\n\t%x =l mul %x, 3\n" for k in range(6))
COST_MODEL = """
function l $sum(l %n) {
@start
	%s =l copy 0
@loop
	%s =l add %s, %n
	%n =l sub %n, 1
	%more =w csgtl %n, 0
	jnz %more, @loop, @done
@done
	ret %s
}
function w $tiny(w %c) {
@start
	%d =w sub %c, 48
	%r =w cultw %d, 10
	ret %r
}
function l $medium(l %x) {
@start
""" + MEDIUM + """	ret %x
}
export function l $once(l %n) {
@start
	%a =l call $medium(l %n)
	%t =w call $tiny(w 7)
	%b =l extsw %t
	%r =l add %a, %b
	ret %r
}
export function l $hot(l %n) {
@start
	%s =l copy 0
@loop
	%a =l call $medium(l %n)
	%t =w call $tiny(w 55)
	%c =l call $sum(l %n)
	%b =l extsw %t
	%s =l add %s, %a
	%s =l add %s, %b
	%s =l add %s, %c
	%n =l sub %n, 1
	%more =w csgtl %n, 0
	jnz %more, @loop, @done
@done
	ret %s
}
data $fmt = { b "%ld %ld\\n", b 0 }
export function w $main() {
@start
	%a =l call $once(l 5)
	%b =l call $hot(l 4)
	call $printf(l $fmt, ..., l %a, l %b)
	ret 0
}
"""


def _medium(x):
    for k in range(6):
        x = ((x ^ k) * 3) % 2**64
    return x


def test_cost_model(jitrun, tmp_path):
    """The inliner's cost model: a tiny callee is inlined anywhere; one of
    medium size only where the call runs often (in a loop); a callee with
    a loop that makes no call stays a call even there (its time is its
    loop's); every decision shows in --stats and in the assembly."""
    prog = tmp_path / "cost.ssa"
    prog.write_text(COST_MODEL)
    hot = sum(_medium(n) + 1 + n * (n + 1) // 2 for n in range(1, 5)) % 2**64
    want = f"{(_medium(5) + 0) % 2**64} {hot}\n"
    for sel in ("none", "all"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    r = run([jitrun, "--stats", "-S", prog])
    # tiny into once and hot, medium into hot's loop; once is tiny too
    # (six instructions): into main, and tiny again into that copy
    assert "inlined 5\n" in r.stderr, r.stderr
    once, hot = _body(r.stdout, "once"), _body(r.stdout, "hot")
    assert "callq tiny" not in once and "callq medium" in once
    assert "callq tiny" not in hot and "callq medium" not in hot
    assert "callq sum" in hot


def test_external_and_variadic_calls_not_inlined(jitrun, tmp_path):
    prog = tmp_path / "ext.ssa"
    prog.write_text('data $fmt = { b "%d\\n", b 0 }\n'
                    "function w $v(w %a, ...) {\n@start\n\tret %a\n}\n"
                    "export function w $main() {\n@start\n"
                    "\t%x =w call $v(w 5, ..., w 6)\n"
                    "\tcall $printf(l $fmt, ..., w %x)\n\tret 0\n}\n")
    r = run([jitrun, "-S", prog])
    assert r.returncode == 0, r.stderr
    main = r.stdout[r.stdout.index("\nmain:"):]
    assert "callq v" in main and "callq printf" in main
    assert run([jitrun, prog]).stdout == "5\n"


def _phi_chain(n, inlined):
    """main keeps a byte in a slot whose address escapes (memset), loads it
    before and after n diamonds (max(x, k)), and uses both loads only
    narrowly (extub): load elimination forwards the first load's value
    to the second through one phi per join, `%ld =w phi @l %p, @r %p`.
    inlined: the diamonds are copies of $pick, called n times."""
    lines = ['data $fmt = { b "%d\\n", b 0 }']
    if inlined:
        lines += ["function w $pick(w %a, w %b) {", "@start", "\t%c =w csgtw %a, %b",
                  "\tjnz %c, @l, @r", "@l", "\tjmp @j", "@r", "\tjmp @j", "@j",
                  "\t%m =w phi @l %a, @r %b", "\tret %m", "}"]
    lines += ["export function w $main(w %argc, l %argv) {", "@start",
              "\t%s =l alloc4 4", "\tcall $memset(l %s, w 0, l 4)",
              "\t%a =w xor %argc, 3", "\tstoreb %a, %s", "\t%u =w loadub %s",
              "\t%x0 =w copy %argc"]
    for k in range(1, n + 1):
        if inlined:
            lines.append(f"\t%x{k} =w call $pick(w %x{k-1}, w {k})")
        else:
            lines += [f"\t%c{k} =w csgtw %x{k-1}, {k}", f"\tjnz %c{k}, @l{k}, @r{k}",
                      f"@l{k}", f"\tjmp @j{k}", f"@r{k}", f"\tjmp @j{k}", f"@j{k}",
                      f"\t%x{k} =w phi @l{k} %x{k-1}, @r{k} {k}"]
    lines += ["\t%v =w loadub %s", "\t%v8 =w extub %v", "\t%u8 =w extub %u",
              f"\t%y =w add %x{n}, %v8", "\t%z =w add %y, %u8",
              "\tcall $printf(l $fmt, ..., w %z)", "\tret 0", "}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("inlined", [False, True], ids=["diamonds", "inlined"])
def test_phi_chain_compiles(jitrun, tmp_path, inlined):
    """QBE's usewidthle() (is an extension's result used only in its low
    bits?) walked a phi once per path reaching it: through the chain of
    load-elimination phis of _phi_chain, 2^40 walks, and the compile never
    ended. A csmith program at -O0 got there once the inliner had copied
    its safe_* helpers (diamonds) into a long function; stock QBE hangs on
    the hand-written diamonds too. jitboot/qbe.py's adjustment walks each
    phi once; the compile must finish within TIMEOUT and print max(1..40)
    + the byte twice, with every selection of passes."""
    prog = tmp_path / "chain.ssa"
    prog.write_text(_phi_chain(40, inlined))
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", "44\n"), sel
    if inlined:
        r = run([jitrun, "--passes=inline", "--stats", "-S", prog])
        assert "inlined 40\n" in r.stderr, r.stderr
        assert "callq pick" not in _body(r.stdout, "main")


BARE_RETURNS = """
data $fmt = { b "%d %d %d\\n", b 0 }

function w $two(w %x) {
@start
	%big =w csgtw %x, 5
	jnz %big, @one, @t
@t
	%neg =w csltw %x, 0
	jnz %neg, @none, @other
@one
	ret 1
@none
	ret
@other
	ret 2
}

function w $single(w %x) {
@start
	%neg =w csltw %x, 0
	jnz %neg, @none, @val
@none
	ret
@val
	%y =w add %x, 40
	ret %y
}

function $nothing(w %x) {
@start
	ret
}

export function w $main() {
@start
	%a =w call $two(w 9)
	%b =w call $two(w 3)
	%c =w call $single(w 2)
	%u =w call $two(w -1)
	%v =w call $single(w -1)
	%w =w call $nothing(w 1)
	call $printf(l $fmt, ..., w %a, w %b, w %c)
	ret 0
}
"""


def test_inlined_callee_with_a_bare_ret(jitrun, tmp_path):
    """QBE parses a bare `ret` in a function of any class (the result is
    undefined). The inliner gave such a return no definition of the
    call's result: with several returns cont's phi lacked an argument
    (simplcfg wrote through phiargn's -1), with one value return the
    result was not defined on every path (QBE's SSA check). Each call of
    $two and $single is inlined; $nothing, which returns no class, is
    called."""
    prog = tmp_path / "bare.ssa"
    prog.write_text(BARE_RETURNS)
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", "1 2 42\n"), sel
    r = run([jitrun, "--passes=inline", "--stats", "-S", prog])
    assert "inlined 5\n" in r.stderr, r.stderr
    main = _body(r.stdout, "main")
    assert "callq two" not in main and "callq single" not in main
    assert "callq nothing" in main


# A load nothing reads, in a loop the rotate pass rotates: load forwarding
# left it feeding a phi of itself, and GCM hoisted it out of the loop. The
# address (2) faults when read; without rotation QBE drops the load.
DEAD_LOAD = """
function $f(l %p) {
@start
	%k =l copy 0
@head
	%c =w csltl %k, 3
	jnz %c, @rhs, @join
@rhs
	%t =l loadub %p
	%one =w copy 1
@join
	%go =w phi @head 0, @rhs %one
	jnz %go, @body, @done
@body
	%k =l add %k, 1
	jmp @head
@done
	ret
}
export function w $main() {
@start
	call $f(l 2)
	%i =w copy 0
	%j =w copy 0
@loop
	%j =w add %j, 7
	%i =w add %i, 1
	%c =w csltw %i, 10
	jnz %c, @loop, @end
@end
	ret %i
}
"""


def test_dead_cycles_are_removed(jitrun, unpatched_qbe, tmp_path):
    """Values that only phis feeding back into them use go before GCM
    (pipeline.c's deadcode): the forwarded load of $f (which would fault)
    and main's counter %j, which stock QBE keeps (its `add $7`)."""
    prog = tmp_path / "dead.ssa"
    prog.write_text(DEAD_LOAD)
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr) == (10, ""), sel
        asm = run([jitrun, f"--passes={sel}", "-S", prog]).stdout
        assert "(%rdi)" not in _body(asm, "f"), sel
        assert "$7" not in _body(asm, "main"), sel
    stock = run([unpatched_qbe, prog]).stdout
    assert "$7" in _body(stock, "main")


def test_crossed_phis_compile(jitrun, tmp_path):
    """The same walk over phis that do not name one value twice: two
    narrow values swapped at each of 40 joins, so each phi is reached
    along 2^k paths (no phi there folds away in GVN)."""
    lines = ["export function w $main(w %argc, l %argv) {", "@start",
             "\t%a =w xor %argc, 3", "\t%p0 =w extub %a", "\t%q0 =w extub %argc"]
    for k in range(1, 41):
        lines += [f"\t%c{k} =w csgtw %argc, {k}", f"\tjnz %c{k}, @l{k}, @r{k}",
                  f"@l{k}", f"\tjmp @j{k}", f"@r{k}", f"\tjmp @j{k}", f"@j{k}",
                  f"\t%p{k} =w phi @l{k} %p{k-1}, @r{k} %q{k-1}",
                  f"\t%q{k} =w phi @l{k} %q{k-1}, @r{k} %p{k-1}"]
    lines += ["\t%r =w and %p40, 255", "\tret %r", "}"]
    prog = tmp_path / "crossed.ssa"
    prog.write_text("\n".join(lines) + "\n")
    for sel in ("none", "all"):
        r = run([jitrun, f"--passes={sel}", prog])
        # argc 1: every join swaps, 40 swaps leave p0 = 1 ^ 3
        assert (r.returncode, r.stderr) == (2, ""), sel


def _narrow_lattice(n):
    """Two narrow values (4 and 3 bits) swapped or not at each of n joins,
    then masked to a byte: QBE's defwidthle() proves the mask redundant
    by walking both arguments of every phi, 2^n walks."""
    lines = ["export function w $main(w %argc, l %argv) {", "@start",
             "\t%a =w xor %argc, 3", "\t%p0 =w and %a, 15", "\t%q0 =w and %argc, 7"]
    for k in range(1, n + 1):
        lines += [f"\t%c{k} =w csgtw %argc, {k}", f"\tjnz %c{k}, @l{k}, @r{k}",
                  f"@l{k}", f"\tjmp @j{k}", f"@r{k}", f"\tjmp @j{k}", f"@j{k}",
                  f"\t%p{k} =w phi @l{k} %p{k-1}, @r{k} %q{k-1}",
                  f"\t%q{k} =w phi @l{k} %q{k-1}, @r{k} %p{k-1}"]
    lines += [f"\t%r =w and %p{n}, 255", "\tret %r", "}"]
    return "\n".join(lines) + "\n"


def test_narrow_phi_lattice_compiles(jitrun, tmp_path):
    """defwidthle() (is a value narrower than w bits?) walked a phi once
    per path to it: through _narrow_lattice(40), 2^40 walks, and stock
    QBE never finishes; a csmith program at -O0 got there once inlined.
    jitboot/qbe.py gives each question a budget of steps: at 40 joins the
    compile finishes, keeps the mask (not proven redundant) and returns
    argc 1's value; at 6 joins, within the budget, the mask still goes."""
    deep, shallow = tmp_path / "deep.ssa", tmp_path / "shallow.ssa"
    deep.write_text(_narrow_lattice(40))
    shallow.write_text(_narrow_lattice(6))
    for sel in ("none", "all"):
        r = run([jitrun, f"--passes={sel}", deep])
        # argc 1: every join swaps, 40 swaps leave p0 = (1 ^ 3) & 15
        assert (r.returncode, r.stderr) == (2, ""), sel
    r = run([jitrun, "--passes=none", "-S", deep])
    assert "andl $255" in r.stdout
    r = run([jitrun, "--passes=none", "-S", shallow])
    assert r.returncode == 0 and "andl $15" in r.stdout, r.stderr
    assert "andl $255" not in r.stdout


@pytest.mark.skipif(not shutil.which("valgrind"), reason="needs valgrind")
def test_sink_removes_dead_originals_at_once(jitrun):
    """GCM leaves thousands of dead originals in a fuzzed mutant of
    long_jumps; sink removed them one at a time, refilling the whole
    function's uses after each: 21 billion instructions, 250 times the
    compile without our passes. Now the passes cost a fraction more
    (callgrind's counts: repeatable)."""
    il = ROOT / "tests" / "fuzz" / "regressions" / "jit" / "sink_dead_originals.ssa"
    none = compile_instructions(jitrun, il, "none")
    every = compile_instructions(jitrun, il, "all")
    assert every < 1.5 * none, (every, none)


def test_unknown_pass_is_refused(jitrun):
    r = run([jitrun, "--passes=tre,unroll", CORPUS[0]])
    assert r.returncode == 2
    assert "unknown pass" in r.stderr and "tre,inline" in r.stderr


def test_passes_known_to_recipe_and_jit_agree(jitrun):
    r = run([jitrun])
    assert f"none|{','.join(JIT_PASSES)}" in r.stderr


def _recipe(tmp_path, passes):
    path = tmp_path / "opt.toml"
    path.write_text(f'[features]\njit_passes = "{passes}"\n')
    return path


@pytest.mark.parametrize("passes", ["all", "none", "tre", "inline,tre"])
def test_recipe_passes_rendered_into_config(tmp_path, passes):
    recipe = load_recipe(_recipe(tmp_path, passes))
    text = render.render_template(render.environment(ROOT), "boot/config.h.j2",
                                  {"image": recipe.context()})
    assert f'#define JB_JIT_PASSES\t\t"{passes}"' in text


@pytest.mark.parametrize("passes", ["unroll", "", "tre,", "all,tre"])
def test_recipe_unknown_pass_is_an_error(tmp_path, passes):
    with pytest.raises(JitbootError) as e:
        load_recipe(_recipe(tmp_path, passes))
    assert re.search(r"opt\.toml:2: \[features\] jit_passes: unknown pass", str(e.value))


def test_corpus_in_kernel_with_passes_off(tmp_path):
    """The default image runs the corpus with every pass on
    (test_kernel_jit.py); this one with none."""
    from jitboot.build import build_image
    recipe = tmp_path / "opt_none.toml"
    recipe.write_text('description = "JIT passes off"\n'
                      '[features]\njit_passes = "none"\n'
                      '[qemu]\nboot = ["kernel"]\n')
    image = build_image(str(recipe))
    result = qemu.run_image(kernel=image.elf32, modules=CORPUS, memory=image.recipe.memory,
                            accel="tcg", timeout=120, log_dir=tmp_path)
    assert result.outcome == qemu.Outcome.PASS, result.reason
    runs = protocol.payload_results(result.ktap.tests)
    for ssa in CORPUS:
        assert runs[ssa.name].program_output() == ssa.with_suffix(".out").read_text().splitlines()


NAIVE_C = r"""
#include <stdio.h>
static int fib(int n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int digits(const char *p)
{
	int s = 0;
	for (int i = 0; p[i]; i++)
		s += is_digit(p[i]);
	return s;
}
static int upto(const char *t, char c)
{
	int i = 0;
	while (t[i] && t[i] != c)
		i++;
	return i;
}
int main(void)
{
	printf("%d %d %d\n", fib(20), digits("a1b22c333"), upto("hello world", 'w'));
	return 0;
}
"""


def test_passes_fire_on_naive_c(jitrun, tmp_path):
    """C at -O0 (every local in a stack slot): after QBE's promotion
    fib's tail call becomes a loop, the one-line helper is inlined into
    the loop that calls it, and the char loaded for it is loaded
    sign-extended (movsbl from memory) instead of loaded and extended; the
    `&&` of the while loop jumps out directly when its left side fails
    instead of materialising false and testing it."""
    from jitboot import llvm
    src = tmp_path / "naive.c"
    src.write_text(NAIVE_C)
    prog = tmp_path / "naive.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    for sel in ("none", "all"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == "6765 6 6\n", sel
    r = run([jitrun, "--stats", "-S", prog])
    stats = dict(line.split() for line in r.stderr.splitlines())
    assert int(stats["tre"]) == 1 and int(stats["inlined"]) >= 1, stats
    assert int(stats["extensions"]) >= 1, stats
    assert int(stats["threaded"]) >= 1, stats
    d = _body(r.stdout, "digits")
    assert "callq is_digit" not in d
    assert re.search(r"movsbl \(", d) and "movsbl %" not in d, d
    off = run([jitrun, "--passes=none", "-S", prog]).stdout
    assert _calls(r.stdout, "fib") < _calls(off, "fib")
    assert "callq is_digit" in _body(off, "digits")


# cmp: programs whose compares QBE materialises (setcc, movzbl, cmp $0)
# before branching on them unless the pass keeps each compare next to the
# branch using it. Each main prints what f computes for a few inputs.
CMP_FUSED = {
    # `a < n && t[a] != 0` at -O0 after thread: the right side's compare
    # decided in the join block; its block takes the join's branch.
    "and_join": ("""
function w $f(w %a, w %n) {
@start
	%c =w csltw %a, %n
	jnz %c, @rhs, @join
@rhs
	%b =w cnew %a, 7
	jmp @join
@join
	%r =w phi @start 0, @rhs %b
	jnz %r, @yes, @no
@yes
	ret 1
@no
	ret 2
}
""", "branches", [(3, 5), (7, 9), (6, 5)]),
    # an add between the compare and its branch sets the flags
    "add_between": ("""
function w $f(w %a, w %n) {
@start
	%c =w csltw %a, %n
	%x =w add %a, %n
	jnz %c, @yes, @no
@yes
	%y =w mul %x, 3
	ret %y
@no
	%z =w sub %x, 1
	ret %z
}
""", "compares", [(3, 5), (7, 2), (5, 5)]),
    # a branch on `cnew %b, 0` of a compare %b branches on %b
    "cnew_zero": ("""
function w $f(w %a, w %n) {
@start
	%b =w cugtw %a, %n
	%c =w ceqw %b, 0
	jnz %c, @yes, @no
@yes
	ret 10
@no
	ret 20
}
""", "compares", [(3, 5), (7, 2), (-1, 5)]),
}

# Programs the pass must leave as they are (the assembly is the same with
# and without it): a compare with 0 of 64 bits, where the branch would test
# only the low 32; a compare whose value is used between it and the branch.
CMP_KEPT = {
    "ceql_zero": ("""
function w $f(l %a, l %n) {
@start
	%s =l shl %a, %n
	%c =w cnel %s, 0
	jnz %c, @yes, @no
@yes
	ret 1
@no
	ret 2
}
""", [(1, 32), (1, 3), (0, 40)]),
    "used_between": ("""
function w $f(w %a, w %n) {
@start
	%c =w csltw %a, %n
	%x =w add %c, %a
	%y =w mul %x, %n
	jnz %c, @yes, @no
@yes
	ret %y
@no
	%z =w sub %y, 1
	ret %z
}
""", [(3, 5), (7, 2), (5, 5)]),
}


def _cmp_program(body, args):
    cls = "l" if "function w $f(l" in body else "w"
    lines = ['data $fmt = { b "%d\\n", b 0 }', body, "export function w $main() {", "@start"]
    for k, (a, n) in enumerate(args):
        lines.append(f"\t%r{k} =w call $f({cls} {a}, {cls} {n})")
        lines.append(f"\tcall $printf(l $fmt, ..., w %r{k})")
    lines += ["\tret 0", "}"]
    return "\n".join(lines) + "\n"


def _stats(r):
    return {k: int(v) for k, v in (line.split() for line in r.stderr.splitlines())}


@pytest.mark.parametrize("name", CMP_FUSED)
def test_cmp_fuses_compare_with_branch(jitrun, tmp_path, name):
    body, counter, args = CMP_FUSED[name]
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_cmp_program(body, args))
    expected = run([jitrun, "--passes=none", prog]).stdout
    assert expected.count("\n") == len(args)
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", expected), sel
    r = run([jitrun, "--stats", "-S", prog])
    assert _stats(r)[counter] >= 1, r.stderr
    on = _body(r.stdout, "f")
    off = _body(run([jitrun, "--passes=tre,inline,ext,thread,sink", "-S", prog]).stdout, "f")
    assert re.search(r"\tset", off), off
    assert not re.search(r"\tset|movzb", on), on


@pytest.mark.parametrize("name", CMP_KEPT)
def test_cmp_leaves_what_it_must(jitrun, tmp_path, name):
    body, args = CMP_KEPT[name]
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_cmp_program(body, args))
    expected = run([jitrun, "--passes=none", prog]).stdout
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == expected, sel
    r = run([jitrun, "--passes=cmp", "--stats", "-S", prog])
    assert _stats(r)["compares"] == 0, r.stderr
    assert r.stdout == run([jitrun, "--passes=none", "-S", prog]).stdout


# cmp's range tests: `lo <= x && x <= hi` in two branches, both leaving to
# one block when out of range, is one unsigned compare of x - lo. Each
# case: the two tests (first block, second block), the class, the inputs
# around both bounds and at the ends of the range, and whether it merges.
def _range_program(cls, first, second, out_phi):
    return f"""
function w $f({cls} %x, {cls} %unused) {{
@start
	%a =w {first}
	jnz %a, @rhs, @out
@rhs
	%b =w {second}
	jnz %b, @in, @out
@in
	ret 1
@out
	%r =w phi @start 2, @rhs {out_phi}
	ret %r
}}
"""


W_EDGES = [-2147483648, -2147483647, -1, 0, 1, 2147483646, 2147483647]
RANGES = {
    # c >= '0' && c <= '9'
    "digit": ("w", "csgew %x, 48", "cslew %x, 57", 2, W_EDGES + [47, 48, 50, 57, 58], 1),
    # the upper bound first, strict tests, the constant on the left
    "upper_first": ("w", "csltw %x, 100", "csltw -5, %x", 2, W_EDGES + [-5, -4, 99, 100], 1),
    "unsigned": ("w", "cugtw %x, 9", "culew %x, 4000000000", 2,
                 W_EDGES + [9, 10, -294967296, -294967295], 1),
    "long": ("l", "csgel %x, -9223372036854775807", "csltl %x, 9223372036854775807", 2,
             [-9223372036854775808, -9223372036854775807, 0, 9223372036854775806,
              9223372036854775807], 1),
    # the out-of-range block tells the two tests apart: no merge
    "phi_differs": ("w", "csgew %x, 48", "cslew %x, 57", 3, [47, 48, 57, 58], 0),
    # an empty range (lo > hi) and tests of two values are left alone
    "empty": ("w", "csgew %x, 10", "cslew %x, 3", 2, [2, 3, 5, 10, 11], 0),
    "two_values": ("w", "csgew %x, 48", "cslew %unused, 57", 2, [47, 48, 58], 0),
    # x > INT_MAX cannot hold: nothing to merge
    "never": ("w", "csgtw %x, 2147483647", "cslew %x, 9", 2, [2147483647, 0], 0),
}


@pytest.mark.parametrize("name", RANGES)
def test_cmp_merges_range_tests(jitrun, tmp_path, name):
    cls, first, second, out_phi, xs, merged = RANGES[name]
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_cmp_program(_range_program(cls, first, second, out_phi), [(x, 0) for x in xs]))
    expected = run([jitrun, "--passes=none", prog]).stdout
    assert expected.count("\n") == len(xs)
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", expected), sel
    r = run([jitrun, "--passes=cmp", "--stats", "-S", prog])
    assert _stats(r)["ranges"] == merged, r.stderr
    jumps = len(re.findall(r"\tj(?!mp)[a-z]+ ", _body(r.stdout, "f")))
    assert jumps == (1 if merged else 2), r.stdout


def test_cmp_merges_coremark_digit_test(jitrun, tmp_path):
    """The inlined `c >= '0' && c <= '9'` of the CoreMark-like state
    machine: every call site becomes one compare."""
    il = tmp_path / "coremark_like.ssa"
    il.write_text(llvm.translate_file(ROOT / "tests" / "cbench" / "coremark_like.c", "-O0"))
    r = run([jitrun, "--stats", "-S", il])
    assert _stats(r)["ranges"] >= 3, r.stderr


# sink: a dispatch computing, before its first branch, a value that only
# some of the cases past it use (what GVN and GCM make of an
# interpreter's switch at -O0); the xor shows where it is computed.
SINK = """
function w $f(w %op, w %sp) {
@start
	%a =w xor %sp, 12345
	%b =l extsw %a
	%c =l mul %b, 3
	%x =w cultw %op, 2
	jnz %x, @low, @high
@low
	%y =w ceqw %op, 0
	jnz %y, @case0, @case1
@case0
	%r0 =l add %c, 100
	%w0 =w copy %r0
	ret %w0
@case1
	ret 1
@high
	%z =w ceqw %op, 2
	jnz %z, @case2, @case3
@case2
	%r2 =l sub %c, 7
	%w2 =w copy %r2
	ret %w2
@case3
	ret 3
}
"""


def _before_branch(asm, fn):
    """f's instructions up to its first conditional jump."""
    body = _body(asm, fn)
    return body[:re.search(r"\tj(?!mp)", body).start()]


def test_sink_moves_what_only_some_cases_use(jitrun, tmp_path):
    prog = tmp_path / "sink.ssa"
    prog.write_text(_cmp_program(SINK, [(0, 5), (1, 5), (2, 9), (3, 9), (0, -4)]))
    expected = run([jitrun, "--passes=none", prog]).stdout
    assert expected.count("\n") == 5
    for sel in SELECTIONS:
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", expected), sel
    r = run([jitrun, "--stats", "-S", prog])
    assert _stats(r)["sunk"] >= 4, r.stderr  # 3 down, copies for both sides
    off = run([jitrun, "--passes=tre,inline,ext,thread,cmp", "-S", prog]).stdout
    assert "12345" in _before_branch(off, "f")
    assert "12345" not in _before_branch(r.stdout, "f")
    assert _body(r.stdout, "f").count("12345") == 2  # case0 and case2


# What sink must leave: a value used in the dispatching block itself, by a
# phi, or by both successors as they start (copies would save nothing).
SINK_KEPT = {
    "used_in_block": """
function w $f(w %op, w %sp) {
@start
	%a =w xor %sp, 12345
	%x =w csltw %op, %a
	jnz %x, @one, @two
@one
	%r =w add %a, 1
	ret %r
@two
	ret 2
}
""",
    "used_by_phi": """
function w $f(w %op, w %sp) {
@start
	%a =w xor %sp, 12345
	jnz %op, @one, @join
@one
	jmp @join
@join
	%p =w phi @start %a, @one 5
	ret %p
}
""",
    "both_start_with_it": """
function w $f(w %op, w %sp) {
@start
	%a =w xor %sp, 12345
	jnz %op, @one, @two
@one
	%r =w call $abs(w %a)
	ret %r
@two
	%s =w call $abs(w %a)
	%t =w add %s, 1
	ret %t
}
""",
}


@pytest.mark.parametrize("name", SINK_KEPT)
def test_sink_leaves_what_it_must(jitrun, tmp_path, name):
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_cmp_program(SINK_KEPT[name], [(0, 5), (1, 5), (3, -9)]))
    expected = run([jitrun, "--passes=none", prog]).stdout
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == expected, sel
    r = run([jitrun, "--passes=sink", "--stats", "-S", prog])
    assert _stats(r)["sunk"] == 0, r.stderr
    assert r.stdout == run([jitrun, "--passes=none", "-S", prog]).stdout


# Loop-invariant loads (licm): each function has one loop; the ones named
# hoist_* read memory no instruction of the loop writes, at a point the
# loop always reaches (its header) or that cannot fault (module data),
# and the load moves before the loop; keep_* must keep theirs, and main
# calls them where moving it would change the result or fault (or, for
# keep_seldom, only cost a load the loop does not make).
LICM = """
data $fmt = { b "%ld\\n", b 0 }
data $glen = { w 5 }
data $garr = { l 1, l 2, l 3, l 4, l 5 }
data $gp = { l $garr }

# p->len in the loop's condition (the header)
export function l $hoist_header(l %p, l %a) {
@start
	jmp @loop
@loop
	%i =l phi @start 0, @body %i1
	%s =l phi @start 0, @body %s1
	%n =l loadl %p
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%o =l mul %i, 8
	%e =l add %a, %o
	%x =l loadl %e
	%s1 =l add %s, %x
	%i1 =l add %i, 1
	jmp @loop
@done
	ret %s
}

# a global's length in the header and its base pointer in the body of
# a loop tested at the top: data of the module is there to read
export function l $hoist_global() {
@start
	jmp @loop
@loop
	%i =l phi @start 0, @body %i1
	%s =l phi @start 0, @body %s1
	%n =w loadw $glen
	%nl =l extsw %n
	%c =w csltl %i, %nl
	jnz %c, @body, @done
@body
	%b =l loadl $gp
	%o =l mul %i, 8
	%e =l add %b, %o
	%x =l loadl %e
	%s1 =l add %s, %x
	%i1 =l add %i, 1
	jmp @loop
@done
	ret %s
}

# entered from two blocks with different counters: a new preheader,
# with a phi for the counter
export function l $hoist_twoentry(l %p, w %c) {
@start
	jnz %c, @one, @zero
@one
	%u =l add %p, 0
	jmp @loop
@zero
	%z =l add %p, 0
	jmp @loop
@loop
	%i =l phi @one 1, @zero 0, @loop %i1
	%n =l loadl %p
	%i1 =l add %i, %n
	%k =w csltl %i1, 100
	jnz %k, @loop, @done
@done
	ret %i1
}

# a store through a pointer that may be p (main passes p itself)
export function l $keep_store(l %p, l %q) {
@start
	jmp @loop
@loop
	%i =l phi @start 0, @body %i1
	%n =l loadl %p
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	storel 3, %q
	%i1 =l add %i, 1
	jmp @loop
@done
	ret %i
}

# a call, which may write anything (memset clears *p)
export function l $keep_call(l %p) {
@start
	jmp @loop
@loop
	%i =l phi @start 0, @body %i1
	%n =l loadl %p
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	call $memset(l %p, w 0, l 8)
	%i1 =l add %i, 1
	jmp @loop
@done
	ret %i
}

# a load behind a null check (main passes a null pointer)
export function l $keep_guarded(l %p, l %n) {
@start
	jmp @loop
@loop
	%i =l phi @start 0, @next %i1
	%s =l phi @start 0, @next %s2
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	jnz %p, @load, @next
@load
	%x =l loadl %p
	%s1 =l add %s, %x
	jmp @next
@next
	%s2 =l phi @body %s, @load %s1
	%i1 =l add %i, 1
	jmp @loop
@done
	ret %s
}

# the body of a loop that may run zero times (main runs it zero times,
# over a null pointer)
export function l $keep_zerotrip(l %p, l %n) {
@start
	jmp @loop
@loop
	%i =l phi @start 0, @body %i1
	%s =l phi @start 0, @body %s1
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%x =l loadl %p
	%s1 =l add %s, %x
	%i1 =l add %i, 1
	jmp @loop
@done
	ret %s
}

# module data read on a path of the loop seldom taken: it could move out
# safely, but would then be read each time the loop is entered
export function l $keep_seldom(l %n) {
@start
	jmp @loop
@loop
	%i =l phi @start 0, @next %i1
	%s =l phi @start 0, @next %s2
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%r =w ceql %i, 7
	jnz %r, @rare, @next
@rare
	%x =l loadl $gp
	%s1 =l add %s, %x
	jmp @next
@next
	%s2 =l phi @body %s, @rare %s1
	%i1 =l add %i, 1
	jmp @loop
@done
	ret %s
}

export function w $main() {
@start
	%v =l alloc8 16
	storel 4, %v
	%e =l add %v, 8
	storel 10, %e
	%r0 =l call $hoist_header(l %v, l $garr)
	call $printf(l $fmt, ..., l %r0)
	%r1 =l call $hoist_global()
	call $printf(l $fmt, ..., l %r1)
	%r2 =l call $hoist_twoentry(l %e, w 1)
	call $printf(l $fmt, ..., l %r2)
	%r3 =l call $keep_store(l %e, l %e)
	call $printf(l $fmt, ..., l %r3)
	storel 10, %e
	%r4 =l call $keep_call(l %e)
	call $printf(l $fmt, ..., l %r4)
	%r5 =l call $keep_guarded(l 0, l 3)
	call $printf(l $fmt, ..., l %r5)
	%r6 =l call $keep_zerotrip(l 0, l 0)
	call $printf(l $fmt, ..., l %r6)
	%r7 =l call $keep_seldom(l 3)
	call $printf(l $fmt, ..., l %r7)
	ret 0
}
"""


def _loop(asm, fn):
    """The assembly of fn's loop: from the first label a later jump goes
    back to, to that jump."""
    lines = _body(asm, fn).splitlines()
    for n, line in enumerate(lines):
        if re.fullmatch(r"\.L\w+:", line):
            back = [m for m in range(n + 1, len(lines))
                    if re.search(rf"\tj\w+ {re.escape(line[:-1])}$", lines[m])]
            if back:
                return "\n".join(lines[n:back[-1] + 1])
    raise AssertionError(f"no loop in {fn}:\n{_body(asm, fn)}")


def _loads(text):
    """Instructions reading memory (a parenthesised operand or a
    %rip-relative symbol) before a register: loads, not stores."""
    return len(re.findall(r"^\t\w+ [^,\n]*\(.*\), %\w+$", text, re.M))


def test_licm_hoists_what_is_safe_and_no_more(jitrun, tmp_path):
    prog = tmp_path / "licm.ssa"
    prog.write_text(LICM)
    want = "10\n15\n101\n3\n1\n0\n0\n0\n"
    for sel in ("none", "all", "licm"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", want), sel
    r = run([jitrun, "--stats", "-S", prog])
    assert "hoisted 4\n" in r.stderr, r.stderr
    off = run([jitrun, "--passes=none", "-S", prog]).stdout
    for fn, moved in (("hoist_header", 1), ("hoist_global", 2), ("hoist_twoentry", 1),
                      ("keep_store", 0), ("keep_call", 0), ("keep_guarded", 0),
                      ("keep_zerotrip", 0), ("keep_seldom", 0)):
        assert _loads(_loop(off, fn)) - _loads(_loop(r.stdout, fn)) == moved, \
            (fn, _loop(off, fn), _loop(r.stdout, fn))


NAIVE_LICM_C = r"""
#include <stdio.h>
struct vec { int len; int *data; };
static int tab[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static int ntab = 8;
static int *ptab = tab;
static int sum(const struct vec *v)
{
	int s = 0;
	for (int i = 0; i < v->len; i++)
		s += v->data[i];
	return s;
}
static int sumtab(void)
{
	int s = 0;
	for (int i = 0; i < ntab; i++)
		s += ptab[i];
	return s;
}
int main(void)
{
	struct vec v = {5, tab};
	printf("%d %d\n", sum(&v), sumtab());
	return 0;
}
"""


def test_licm_on_naive_c(jitrun, tmp_path):
    """C at -O0: what a loop reads through a pointer (v->data, in the body)
    and a global's base pointer (ptab) are loaded once before their loops
    instead of on every iteration. (The bounds v->len and ntab are
    loaded once by rotation already: the header's copy at the latch reads
    them where licm finds them invariant too.) Each loop keeps one load,
    of the element."""
    from jitboot import llvm
    src = tmp_path / "licm.c"
    src.write_text(NAIVE_LICM_C)
    prog = tmp_path / "licm.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    for sel in ("none", "all"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == "15 36\n", sel
    r = run([jitrun, "--stats", "-S", prog])
    stats = dict(line.split() for line in r.stderr.splitlines())
    assert int(stats["hoisted"]) == 2, stats
    without = run([jitrun, "--passes=" + ",".join(p for p in JIT_PASSES if p != "licm"),
                   "-S", prog]).stdout
    off = run([jitrun, "--passes=none", "-S", prog]).stdout
    for fn in ("sum", "sumtab"):
        assert _loads(_loop(off, fn)) == 3, fn
        assert _loads(_loop(without, fn)) == 2, fn
        assert _loads(_loop(r.stdout, fn)) == 1, fn
    assert "ntab(%rip)" not in _loop(r.stdout, "sumtab")
    assert "ptab(%rip)" not in _loop(r.stdout, "sumtab")


BUILTIN_C = r"""
#include <stdio.h>
#include <math.h>
/* a distance in a loop: the call to sqrt spilled every double */
static double walk(const double *xs, int n)
{
	double d = 0;
	for (int i = 0; i + 1 < n; i++) {
		double dx = xs[i + 1] - xs[i], dy = dx * 0.5;
		d += sqrt(dx * dx + dy * dy) / (1 + sqrtf((float)i));
	}
	return d;
}
int main(void)
{
	double xs[6] = {0, 1.5, -2.25, 1e10, 1e-300, 3};
	printf("%.17g %.17g %.17g\n", walk(xs, 6), sqrt(2.0), sqrt(-0.0));
	printf("%.9g %d\n", (double)sqrtf(3.0f), sqrt(-1.0) != sqrt(-1.0));
	return 0;
}
"""

OWN_SQRT = """
data $fmt = { b "%.17g\\n", b 0 }
export function d $sqrt(d %x) {
@start
	%r =d mul %x, d_2
	ret %r
}
export function w $main() {
@start
	%r =d call $sqrt(d d_9)
	call $printf(l $fmt, ..., d %r)
	ret 0
}
"""


def test_builtin_sqrt_is_an_instruction(jitrun, host_tools, tmp_path):
    """sqrt() of a C payload (and sqrtf, through double) is sqrtsd, with the
    bits gcc's program prints: no call is left, and the loop's doubles stay
    in registers across it. Our assembler encodes it as GNU as does."""
    from test_asm_oracle import check_same
    from jitboot import llvm
    src = tmp_path / "b.c"
    src.write_text(BUILTIN_C)
    prog = tmp_path / "b.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    want = run(["sh", "-c", f"gcc -O2 -o {tmp_path}/b {src} -lm && {tmp_path}/b"]).stdout
    assert want.count("\n") == 2
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    r = run([jitrun, "--passes=builtin", "--stats", "-S", prog])
    assert _stats(r)["builtins"] == 7, r.stderr   # 2 in walk, 5 in main
    assert not re.search(r"call.*sqrt", r.stdout), r.stdout
    assert "call" not in _loop(r.stdout, "walk")
    assert re.search(r"\tsqrtsd %xmm\d+, %xmm\d+", _loop(r.stdout, "walk"))
    off = run([jitrun, "--passes=none", "-S", prog]).stdout
    assert "callq sqrt" in _loop(off, "walk")
    check_same(host_tools["asmdump"], r.stdout, tmp_path)


def test_builtin_keeps_a_module_sqrt(jitrun, tmp_path):
    """A module that defines its own sqrt calls it."""
    prog = tmp_path / "own.ssa"
    prog.write_text(OWN_SQRT)
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == "18\n", sel
    r = run([jitrun, "--passes=builtin", "--stats", "-S", prog])
    assert _stats(r)["builtins"] == 0 and "sqrtsd" not in r.stdout, r.stdout


MEMCPY_C = r"""
#include <stdio.h>
#include <string.h>
struct pt { double x, y; long tag; };
static struct pt pts[8];
static char big[200], big2[200];
static void *copy_ret(void *d, const void *s) { return memcpy(d, s, 16); }
int main(void)
{
	struct pt p = {1.5, -2.5, 7};
	long sum = 0;
	for (int i = 0; i < 8; i++) {
		pts[i] = p;                         /* struct assignment: llvm.memcpy, 24 */
		p.x += i; p.tag += i * 3;
	}
	for (int i = 0; i < 200; i++)
		big[i] = (char)(i * 7);
	for (int n = 1; n <= 70; n += 23) {     /* 1, 24, 47, 70: a variable size */
		memcpy(big2, big + 3, n);
		sum += big2[n - 1];
	}
	memcpy(big2 + 100, big, 64);            /* the largest made a blit */
	memcpy(big2, big + 1, 65);              /* one past: the call stays */
	char *r = copy_ret(big2 + 10, big + 50);
	for (int i = 0; i < 8; i++)
		sum += (long)pts[i].x * 100 + pts[i].tag;
	for (int i = 0; i < 200; i++)
		sum = sum * 31 + big2[i];
	printf("%ld %d\n", sum, (int)(r - big2));
	return 0;
}
"""


def test_builtin_memcpy_of_a_constant_size(jitrun, host_tools, tmp_path):
    """memcpy of a constant size up to 64 bytes (C's struct assignment,
    copies of a fixed size) is QBE's blit, loads and stores; a variable
    size or a bigger one stays a call; memcpy's result is its first
    argument."""
    from jitboot import llvm
    from test_asm_oracle import check_same
    src = tmp_path / "m.c"
    src.write_text(MEMCPY_C)
    prog = tmp_path / "m.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    want = run(["sh", "-c", f"gcc -O2 -o {tmp_path}/m {src} && {tmp_path}/m"]).stdout
    assert want.count(" ") == 1
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    r = run([jitrun, "--passes=builtin", "--stats", "-S", prog])
    assert _stats(r)["builtins"] == 4, r.stderr     # p's initialiser, pts[i] = p, 64, copy_ret's 16
    assert "memcpy" not in _body(r.stdout, "copy_ret")
    assert len(re.findall(r"call.*memcpy", _body(r.stdout, "main"))) == 2   # n, 65
    check_same(host_tools["asmdump"], r.stdout, tmp_path)


PROPAGATE_C = r"""
#include <stdio.h>
#include <string.h>
typedef int (*cmp_fn)(const void *, const void *);
/* every call passes 12 for size, passed along by the recursion, and
 * one comparator; two different steps: step stays a parameter */
static long walk(const char *p, int n, long size, cmp_fn cmp, int step)
{
	if (n <= 1)
		return 0;
	long here = cmp(p, p + size) + (long)size * n;
	return here + walk(p + size * step, n - step, size, cmp, step);
}
static int cmp_first(const void *a, const void *b)
{
	return *(const char *)a - *(const char *)b;
}
/* called with one constant, but exported: the host may call it too */
long exported(long k) { return k * 3; }
/* one constant, but its address is taken: called through a pointer */
static long viaptr(long k) { return k + 1; }
long (*volatile fp)(long) = viaptr;
int main(void)
{
	char buf[64];
	for (int i = 0; i < 64; i++)
		buf[i] = (char)(i * 13);
	long s = walk(buf, 5, 12, cmp_first, 1) + walk(buf, 4, 12, cmp_first, 2);
	s += exported(5) + viaptr(9) + fp(1);
	printf("%ld\n", s);
	return 0;
}
"""


def test_inline_propagates_constant_parameters(jitrun, tmp_path):
    """A parameter every call in the module passes as the same constant
    (an element size a recursion passes along, a comparator) is that
    constant in the function: not in an exported function, nor in one
    whose address is taken, nor where calls differ."""
    from jitboot import llvm
    src = tmp_path / "p.c"
    src.write_text(PROPAGATE_C)
    prog = tmp_path / "p.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    want = run(["sh", "-c", f"gcc -O2 -o {tmp_path}/p {src} && {tmp_path}/p"]).stdout
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    r = run([jitrun, "--passes=inline", "--stats", "-S", prog])
    assert _stats(r)["propagated"] == 2, r.stderr    # walk's size and cmp
    walk = _body(r.stdout, "walk")
    assert re.search(r"callq cmp_first", walk), walk          # a direct call now
    assert "imul" not in walk or re.search(r"imul\w* \$12", walk), walk


def test_data_naming_a_function_keeps_its_parameters(jitrun, tmp_path):
    """A function a data item names may be called through it."""
    prog = tmp_path / "d.ssa"
    prog.write_text("""
data $fmt = { b "%ld\\n", b 0 }
data $tab = { l $twice }
function l $twice(l %x) {
@start
	%r =l mul %x, 2
	ret %r
}
export function w $main() {
@start
	%a =l call $twice(l 5)
	%p =l loadl $tab
	%b =l call %p(l 21)
	%s =l add %a, %b
	call $printf(l $fmt, ..., l %s)
	ret 0
}
""")
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == "52\n", sel
    assert _stats(run([jitrun, "--passes=inline", "--stats", "-S", prog]))["propagated"] == 0


SEARCH = """
function w $f(w %x) {
@start
	%a =w cultw %x, 6
	jnz %a, @low, @high
@low
	%b =w ceqw %x, 2
	jnz %b, @two, @other
@high
	%c =w ceqw %x, 6
	jnz %c, @six, @other
@two
	ret 20
@six
	ret 60
@other
	ret 1
}
"""


def test_cmp_drops_a_compare_the_flags_still_hold(jitrun, tmp_path):
    """A binary search splits at 6 (`cmp $6; jb`) and tests 6 again in the
    block only that compare leads to: the flags still hold there, the
    second `cmp $6` goes."""
    prog = tmp_path / "search.ssa"
    prog.write_text(_cmp_program(_exported(SEARCH).replace("(w %x)", "(w %x, w %unused)"),
                                 [(x, 0) for x in (0, 2, 5, 6, 7, -1)]))
    want = "1\n20\n1\n60\n1\n1\n"
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    on = _body(run([jitrun, "--passes=cmp", "-S", prog]).stdout, "f")
    off = _body(run([jitrun, "--passes=none", "-S", prog]).stdout, "f")
    assert off.count("cmpl $6,") == 2 and on.count("cmpl $6,") == 1, on


REMAT_C = r"""
#include <stdio.h>
/* the loop's escape test, and the same test after the loop: GVN makes
 * them one compare, which GCM puts in the loop */
static int inside(double cr, double ci)
{
	double zr = 0, zi = 0, tr = 0, ti = 0;
	int i;
	for (i = 0; i < 50 && tr + ti <= 4.0; i++) {
		zi = 2.0 * zr * zi + ci;
		zr = tr - ti + cr;
		tr = zr * zr;
		ti = zi * zi;
	}
	return (tr + ti <= 4.0) * 100 + i;
}
int main(void)
{
	printf("%d %d %d %d\n", inside(0, 0), inside(1, 1), inside(-0.75, 0.1), inside(0.3, 0.5));
	return 0;
}
"""


def test_cmp_copies_compare_to_its_uses(jitrun, tmp_path):
    """A compare used by a branch in the loop and by an instruction after
    it is computed by each (the branch fuses with its copy), not
    materialised with setcc on every iteration and tested again."""
    from jitboot import llvm
    src = tmp_path / "remat.c"
    src.write_text(REMAT_C)
    prog = tmp_path / "remat.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    want = run(["sh", "-c", f"gcc -O2 -o {tmp_path}/remat {src} && {tmp_path}/remat"]).stdout
    assert want.count(" ") == 3
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    # rotation copies the whole test to the latch (the compare is next to
    # its branch there already): without it, only cmp keeps it so
    without = run([jitrun, "--passes=" + ",".join(p for p in JIT_PASSES
                                                  if p not in ("cmp", "rotate")),
                   "-S", prog]).stdout
    on = run([jitrun, "--passes=" + ",".join(p for p in JIT_PASSES if p != "rotate"),
              "-S", prog]).stdout
    assert re.search(r"\tset", _loop(without, "inside")), _loop(without, "inside")
    assert not re.search(r"\tset|movzb", _loop(on, "inside")), _loop(on, "inside")
    assert re.search(r"\tset", _body(on, "inside"))    # after the loop


FLOAT_LICM_C = r"""
#include <stdio.h>
#include <math.h>
/* escapes: how many steps of z = z*z + c stay within 4 */
static int escapes(double c)
{
	double z = 0;
	int n = 0;
	while (z * z <= 4.0 && n < 100) {
		z = z * z + c;
		n++;
	}
	return n;
}
/* the same test, and a call in the loop: its constant stays */
static int escapes_call(double c)
{
	double z = 0;
	int n = 0;
	while (z * z <= 4.0 && n < 100) {
		z = sqrt(z * z) + c;
		n++;
	}
	return n;
}
int main(void)
{
	printf("%d %d %d %d\n", escapes(0.2), escapes(0.3), escapes(-2.0), escapes(0.25));
	printf("%d %d %d\n", escapes_call(0.2), escapes_call(1.5), escapes_call(0.26));
	return 0;
}
"""


def test_licm_float_constants_of_compares(jitrun, tmp_path):
    """A double compared with a constant in a loop (`z*z <= 4.0`, the
    escape test of a Mandelbrot loop) needs the constant in a register:
    licm gives it one before the loop instead of a load from memory on
    every iteration; a loop that calls a function keeps its load (no
    floating-point register survives the call)."""
    from jitboot import llvm
    src = tmp_path / "fl.c"
    src.write_text(FLOAT_LICM_C)
    prog = tmp_path / "fl.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    want = run(["sh", "-c", f"gcc -O2 -o {tmp_path}/fl {src} -lm && {tmp_path}/fl"]).stdout
    assert want.count(" ") == 5
    for sel in SELECTIONS:
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    r = run([jitrun, "--passes=licm", "--stats", "-S", prog])
    assert _stats(r)["hoisted"] == 1, r.stderr
    off = run([jitrun, "--passes=none", "-S", prog]).stdout
    assert re.search(r"Lfp\d+\"\(%rip\), %xmm", _loop(off, "escapes")), _loop(off, "escapes")
    assert "Lfp" not in _loop(r.stdout, "escapes"), _loop(r.stdout, "escapes")
    assert "Lfp" in _loop(r.stdout, "escapes_call")


# Loops on C int counters at -O0, for the induction-variable pass (iv):
# name -> (loop of f over a[] or m[], f's call in main, widened, reduced).
# Widened: f's 32-bit counter gets a 64-bit twin and no `movslq` is left
# in f; reduced: a multiplication by the counter becomes an addition
# (no `imul` left in f). The others must be left alone: a counter that
# may wrap past INT_MAX (a step of 2 towards a bound that is not a
# constant), a step that is not a constant.
IV_C = {
    "sum_up": ("long f(const long *a, int n) { long s = 0;"
               " for (int i = 0; i < n; i++) s += a[i]; return s; }", "f(a, n)", True, False),
    "sum_down": ("long f(const long *a, int n) { long s = 0;"
                 " for (int i = n - 1; i >= 0; i--) s += a[i]; return s; }", "f(a, n)", True, False),
    "unsigned_up": ("long f(const long *a, unsigned n) { long s = 0;"
                    " for (unsigned i = 0; i < n; i++) s += a[i]; return s; }", "f(a, n)", True, False),
    "step2_const_bound": ("long f(const long *a) { long s = 0;"
                          " for (int i = 0; i < 300; i += 2) s += a[i]; return s; }", "f(a)", True, False),
    "step2_var_bound": ("long f(const long *a, int n) { long s = 0;"
                        " for (int i = 0; i < n; i += 2) s += a[i]; return s; }", "f(a, n)", False, False),
    "var_step": ("long f(const long *a, int n, int k) { long s = 0;"
                 " for (int i = 0; i < n; i += k) s += a[i]; return s; }", "f(a, n, 3)", False, False),
    "matrix_column": ("long f(const long *m, int n, int j) { long s = 0;"
                      " for (int k = 0; k < n; k++) s += m[k * n + j]; return s; }", "f(a, n / 17, 5)",
                      False, True),
}

IV_MAIN = r"""
#include <stdio.h>
static long a[300];
%s
int main(int argc, char **argv)
{
	int n = 299 + argc;  /* 300, not a constant once f is inlined */
	(void)argv;
	long v = -100;
	for (long i = 0; i < 300; i++, v += 7)  /* nothing for iv here */
		a[i] = v;
	printf("%%ld\n", %s);
	return 0;
}
"""


def _iv_expected(name):
    a = [i * 7 - 100 for i in range(300)]
    return {"sum_up": sum(a), "sum_down": sum(a), "unsigned_up": sum(a),
            "step2_const_bound": sum(a[::2]), "step2_var_bound": sum(a[::2]),
            "var_step": sum(a[::3]), "matrix_column": sum(a[k * 17 + 5] for k in range(17))}[name]


@pytest.mark.parametrize("name", IV_C)
def test_iv_on_naive_c_counters(jitrun, tmp_path, name):
    from jitboot import llvm
    fn, call, widened, reduced = IV_C[name]
    src = tmp_path / f"{name}.c"
    src.write_text(IV_MAIN % (fn, call))
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    want = f"{_iv_expected(name)}\n"
    for sel in ("none", "all", "iv"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    r = run([jitrun, "--stats", "-S", prog])
    stats = _stats(r)
    assert (stats["widened"] > 0, stats["reduced"] > 0) == (widened, reduced), stats
    # against all the other passes: rotate reshapes the loop either way
    noiv = ",".join(p for p in JIT_PASSES if p != "iv")
    on, off = _body(r.stdout, "f"), _body(run([jitrun, f"--passes={noiv}", "-S", prog]).stdout, "f")
    if widened:  # the extension (movslq, or movl for unsigned) left the loop
        assert re.search(r"movslq|movl %", _iv_loop(off)) and not re.search(r"movslq|movl %", _iv_loop(on)), on
    if reduced:
        assert "imul" in _iv_loop(off) and "imul" not in on, on
    if widened or reduced:
        assert _iv_loop(on).count("\n\t") < _iv_loop(off).count("\n\t")
    else:
        assert on == off


def _iv_loop(body):
    """The loop of a function's assembly with one loop (from its head:
    the first label a jump further down goes back to)."""
    lines = body.splitlines(keepends=True)
    for n, line in enumerate(lines):
        if (m := re.match(r"(\.L\w+):", line)) and any(
                re.match(rf"\tj\w+ {m.group(1)}$", x) for x in lines[n:]):
            return "".join(lines[n:])
    raise AssertionError(f"no loop in {body}")


# Counters near the ends of the int range, in IL: $f sums its counter
# extended to 64 bits, for at most `stop` iterations. name -> (start,
# test, op, step, stop, widened). Where the 32-bit counter wraps (a `!=` test, a step of 2
# past INT_MAX, unsigned past 0) a 64-bit twin would count on and give
# another sum: the loop must be left as it is.
IV_EDGES = {
    "int_lt_max": (2**31 - 4, "csltw %i, 2147483647", "add", 1, 9, True),
    "int_ne_wraps": (2**31 - 3, "cnew %i, -2147483645", "add", 1, 9, False),
    "int_step2_wraps": (2**31 - 4, "csltw %i, 2147483647", "add", 2, 4, False),
    "int_gt_min": (-2**31 + 3, "csgtw %i, -2147483648", "sub", 1, 9, True),
    "int_ge_min_step2": (-2**31 + 3, "csgew %i, -2147483648", "sub", 2, 4, False),
    "uint_lt_max": (2**32 - 4, "cultw %i, 4294967295", "add", 1, 9, True),
    "uint_ne_wraps": (2**32 - 2, "cnew %i, 2", "add", 1, 9, False),
    "uint_gt_0": (3, "cugtw %i, 0", "sub", 1, 9, True),
    "uint_ge_0_wraps": (2, "cugew %i, 0", "sub", 1, 6, False),
}

IV_EDGE_IL = """
export function l $f(w %x) {
@start
	%s =l copy 0
	%g =l copy 0
	%i =w copy %x
@head
	%c =w TEST
	jnz %c, @guard, @done
@guard
	%g =l add %g, 1
	%more =w cslel %g, STOP
	jnz %more, @body, @done
@body
	%e =l EXT %i
	%s =l add %s, %e
	%i =w OP %i, STEP
	jmp @head
@done
	ret %s
}
data $fmt = { b "%ld\\n", b 0 }
export function w $main() {
@start
	%r =l call $f(w START)
	call $printf(l $fmt, ..., l %r)
	ret 0
}
"""


@pytest.mark.parametrize("name", IV_EDGES)
def test_iv_counters_near_the_ends_of_the_range(jitrun, tmp_path, name):
    start, test, op, step, stop, widened = IV_EDGES[name]
    ext = "extuw" if name.startswith("uint") else "extsw"
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(IV_EDGE_IL.replace("STOP", str(stop)).replace("STEP", str(step))
                    .replace("START", str(start - 2**32 if start >= 2**31 else start))
                    .replace("TEST", test).replace("EXT", ext).replace("OP", op))
    s, i = 0, start
    for _ in range(stop):
        if not _holds(test, i):
            break
        s += i - 2**32 if ext == "extsw" and i >= 2**31 else i
        i = (i + (step if op == "add" else -step)) % 2**32
    for sel in ("none", "all", "iv"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stdout) == (0, f"{s}\n"), sel
    stats = _stats(run([jitrun, "--stats", "-S", prog]))
    assert stats["widened"] == int(widened), stats


def _holds(test, i):
    """The IL test of IV_EDGE_IL on the 32 bits i (0 <= i < 2**32)."""
    cc, bound = test.split()[0], int(test.split(", ")[1]) % 2**32

    def signed(v):
        return v - 2**32 if v >= 2**31 else v
    return {"csltw": signed(i) < signed(bound), "csgtw": signed(i) > signed(bound),
            "csgew": signed(i) >= signed(bound), "cnew": i != bound, "cultw": i < bound,
            "cugtw": i > bound, "cugew": i >= bound}[cc]


# Loops rotate turns into a guard and a bottom-tested loop (the latch
# tests i + 1, not i): iv must still widen their counters, its proof then
# resting on the guard for the start and on the latch for the rest.
# name -> (f, f's call in main, the sum), as in IV_C.
IV_ROTATED_C = {
    "for_up": ("long f(const long *a, int n) { long s = 0;"
               " for (int i = 0; i < n; i++) s += a[i]; return s; }", "f(a, n)",
               lambda a: sum(a)),
    "while_from_param": ("long f(const long *a, int k, int n) { long s = 0; int i = k;"
                         " while (i < n) { s += a[i]; i++; } return s; }", "f(a, 10, n)",
                         lambda a: sum(a[10:])),
    "for_down": ("long f(const long *a, int n) { long s = 0;"
                 " for (int i = n - 1; i > 4; i--) s += a[i]; return s; }", "f(a, n)",
                 lambda a: sum(a[5:])),
    "unsigned_up": ("long f(const long *a, unsigned n) { long s = 0;"
                    " for (unsigned i = 3; i < n; i++) s += a[i]; return s; }", "f(a, n)",
                    lambda a: sum(a[3:])),
}


@pytest.mark.parametrize("name", IV_ROTATED_C)
def test_iv_widens_rotated_loops(jitrun, tmp_path, name):
    from jitboot import llvm
    fn, call, expected = IV_ROTATED_C[name]
    src = tmp_path / f"{name}.c"
    src.write_text(IV_MAIN % (fn, call))
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    want = f"{expected([i * 7 - 100 for i in range(300)])}\n"
    for sel in ("none", "all", "iv", "rotate", "rotate,iv"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    r = run([jitrun, "--stats", "-S", prog])
    stats = _stats(r)
    assert stats["rotated"] > 0 and stats["widened"] > 0, stats
    on = _body(r.stdout, "f")
    noiv = _body(run([jitrun, "--passes=" + ",".join(p for p in JIT_PASSES if p != "iv"), "-S", prog]).stdout, "f")
    assert re.search(r"movslq|movl %", _iv_loop(noiv)) and not re.search(r"movslq|movl %", _iv_loop(on)), on
    assert _iv_loop(on).count("\n\t") < _iv_loop(noiv).count("\n\t")


# Rotated loops in IL near the ends of the range: $f(x, n) sums its
# counter extended to 64 bits, for at most `stop` iterations, in the
# shape rotate leaves (a guard, the latch testing the incremented
# counter). name -> (start, n, guard, latch test, op, step, stop,
# widened). The guard must bound the start by the latch's own test: a
# `<=` guard lets INT_MAX in, whose increment wraps and still passes
# `< n`; no guard at all, a `!=` test, a signed guard for an unsigned
# counter, a step of 2 past INT_MAX: the 32-bit counter wraps and a
# 64-bit twin would give another sum.
IV_ROTATED_EDGES = {
    "lt_guarded": (2**31 - 4, 2**31 - 1, "csltw %i, %n", "csltw %i, %n", "add", 1, 9, True),
    "lt_guard_negated": (2**31 - 4, 2**31 - 1, "csgew %i, %n", "csltw %i, %n", "add", 1, 9, True),
    "gt_guarded": (-2**31 + 3, -2**31, "csgtw %i, %n", "csgtw %i, %n", "sub", 1, 9, True),
    "ult_guarded": (2**32 - 4, 2**32 - 1, "cultw %i, %n", "cultw %i, %n", "add", 1, 9, True),
    "le_guard_wraps": (2**31 - 1, 2**31 - 1, "cslew %i, %n", "csltw %i, %n", "add", 1, 4, False),
    "no_guard_wraps": (2**31 - 1, 2**31 - 1, None, "csltw %i, %n", "add", 1, 4, False),
    "ne_wraps": (2**31 - 2, -2**31 + 2, "cnew %i, %n", "cnew %i, %n", "add", 1, 9, False),
    "signed_guard_unsigned_wraps": (2**32 - 1, 5, "csltw %i, %n", "cultw %i, %n", "add", 1, 9, False),
    "step2_wraps": (2**31 - 3, 2**31 - 1, "csltw %i, %n", "csltw %i, %n", "add", 2, 4, False),
}

IV_ROTATED_IL = """
export function l $f(w %x, w %n) {
@start
	%s =l copy 0
	%g =l copy 0
	%i =w copy %x
GUARD
@body
	%e =l EXT %i
	%s =l add %s, %e
	%g =l add %g, 1
	%more =w csltl %g, STOP
	jnz %more, @latch, @done
@latch
	%i =w OP %i, STEP
	%c =w TEST
	jnz %c, @body, @done
@done
	ret %s
}
data $fmt = { b "%ld\\n", b 0 }
export function w $main() {
@start
	%r =l call $f(w START, w N)
	call $printf(l $fmt, ..., l %r)
	ret 0
}
"""


@pytest.mark.parametrize("name", IV_ROTATED_EDGES)
def test_iv_rotated_counters_near_the_ends_of_the_range(jitrun, tmp_path, name):
    start, n, guard, test, op, step, stop, widened = IV_ROTATED_EDGES[name]
    ext = "extuw" if test.startswith("cu") else "extsw"
    if guard is None:
        gil = "\tjmp @body"
    elif guard.startswith("csge"):  # the loop on the false side
        gil = f"\t%c0 =w {guard}\n\tjnz %c0, @done, @body"
    else:
        gil = f"\t%c0 =w {guard}\n\tjnz %c0, @body, @done"

    def w(v):
        return str(v - 2**32 if v >= 2**31 else v)
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(IV_ROTATED_IL.replace("GUARD", gil).replace("STOP", str(stop))
                    .replace("STEP", str(step)).replace("START", w(start % 2**32))
                    .replace("N", w(n % 2**32)).replace("TEST", test).replace("EXT", ext)
                    .replace("OP", op))
    i, bound = start % 2**32, n % 2**32
    s = 0
    if guard is None or _holds2(guard, i, bound) != guard.startswith("csge"):
        for g in range(1, stop + 1):
            s += i - 2**32 if ext == "extsw" and i >= 2**31 else i
            if g >= stop:
                break
            i = (i + (step if op == "add" else -step)) % 2**32
            if not _holds2(test, i, bound):
                break
    for sel in ("none", "all", "iv"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stdout) == (0, f"{s}\n"), sel
    stats = _stats(run([jitrun, "--passes=iv", "--stats", "-S", prog]))
    assert stats["widened"] == int(widened), stats
    stats = _stats(run([jitrun, "--stats", "-S", prog]))
    assert (stats["widened"] > 0) == widened, stats


def _holds2(test, i, bound):
    """`cc %i, %n` on the 32 bits i and bound."""
    def signed(v):
        return v - 2**32 if v >= 2**31 else v
    return {"csltw": signed(i) < signed(bound), "cslew": signed(i) <= signed(bound),
            "csgtw": signed(i) > signed(bound), "csgew": signed(i) >= signed(bound),
            "cnew": i != bound, "cultw": i < bound}[test.split()[0]]


# Loops for the rotation pass: (function $f(l %n) returning l, what it
# computes, latches that must be rotated). Written as naive code is after
# QBE's promotion: variables assigned in several blocks, no phis, except
# where a case is about phis.
LOOPS = {
    "count": ("""
@start
	%i =l copy 0
	%s =l copy 0
@head
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%s =l add %s, %i
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: sum(range(n)), 1),
    # the header's value is read in the body and after the loop: the copy
    # at the bottom assigns it again, and SSA construction joins the two
    "header_value_live_out": ("""
@start
	%i =l copy 0
	%s =l copy 0
@head
	%k =l mul %i, 3
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%s =l add %s, %k
	%i =l add %i, 1
	jmp @head
@done
	%r =l add %s, %k
	ret %r
""", lambda n: sum(3 * i for i in range(n)) + 3 * max(n, 0), 1),
    # `continue`: two latches, each gets the test
    "two_latches": ("""
@start
	%i =l copy 0
	%s =l copy 0
@head
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%i =l add %i, 1
	%odd =l and %i, 1
	jnz %odd, @skip, @even
@skip
	jmp @head
@even
	%s =l add %s, %i
	jmp @head
@done
	ret %s
""", lambda n: sum(i for i in range(1, n + 1) if i % 2 == 0), 2),
    # both loops of a nest; the exit's phi takes a constant from the
    # header and gets it from each latch too
    "nested_exit_phi": ("""
@start
	%i =l copy 0
	%s =l copy 0
@outer
	%c =w csltl %i, %n
	jnz %c, @obody, @done
@obody
	%j =l copy 0
@inner
	%d =w csltl %j, %i
	jnz %d, @ibody, @onext
@ibody
	%s =l add %s, %j
	%big =w csgtl %s, 1000
	jnz %big, @done, @inext
@inext
	%j =l add %j, 1
	jmp @inner
@onext
	%i =l add %i, 1
	jmp @outer
@done
	%x =l phi @outer 7, @ibody 0
	%r =l add %s, %x
	ret %r
""", lambda n: _nested(n), 2),
    # not rotated: the header has phis (SSA input, as LLVM -O2 gives)
    "phi_header": ("""
@start
@head
	%i =l phi @start 0, @body %i1
	%s =l phi @start 0, @body %s1
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%s1 =l add %s, %i
	%i1 =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: sum(range(n)), 0),
    # not rotated: a call in the header
    "call_header": ("""
@start
	%i =l copy 0
	%s =l copy 0
@head
	%c =w call $less(l %i, l %n)
	jnz %c, @body, @done
@body
	%s =l add %s, %i
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: sum(range(n)), 0),
    # not rotated: a header of more than 16 instructions
    "big_header": ("""
@start
	%i =l copy 0
	%s =l copy 0
@head
""" + "".join(f"\t%h{k} =l add %i, {k}\n" for k in range(16)) + """\
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%s =l add %s, %h15
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: sum(i + 15 for i in range(n)), 0),
    # not rotated: the header computes from two variables (`i + m <= n`),
    # a value GVN would share with a body computing it again
    "two_variable_header": ("""
@start
	%i =l copy 0
	%s =l copy 0
@head
	%e =l add %i, %n
	%c =w csltl %e, 60
	jnz %c, @body, @done
@body
	%t =l add %i, %n
	%s =l add %s, %t
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: sum(i + n for i in range(max(60 - n, 0))), 0),
    # not rotated: a value of the header is used by a phi (QBE's SSA
    # construction takes such a temporary to have one definition)
    "header_value_in_phi": ("""
@start
	%i =l copy 0
	%s =l copy 0
@head
	%k =l add %i, 100
	%c =w csltl %i, %n
	jnz %c, @body, @done
@body
	%s =l add %s, %i
	%big =w csgtl %s, 1000
	jnz %big, @done, @next
@next
	%i =l add %i, 1
	jmp @head
@done
	%x =l phi @head %k, @body 1
	%r =l add %s, %x
	ret %r
""", lambda n: _in_phi(n), 0),
    # not rotated: a loop entered in two places (irreducible), where
    # neither block dominates the other, so no edge is a back edge
    "irreducible": ("""
@start
	%i =l copy 0
	%s =l copy 0
	%odd =l and %n, 1
	jnz %odd, @head, @side
@head
	%c =w csltl %i, %n
	jnz %c, @side, @done
@side
	%s =l add %s, %i
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: sum(range(n)), 0),
}
LESS = """
function w $less(l %a, l %b) {
@start
	%r =w csltl %a, %b
	ret %r
}
"""


def _nested(n):
    s = 0
    for i in range(max(n, 0)):
        for j in range(i):
            s += j
            if s > 1000:
                return s
    return s + 7


def _in_phi(n):
    s = 0
    for i in range(max(n, 0)):
        s += i
        if s > 1000:
            return s + 1
    return s + max(n, 0) + 100


def _backjumps(asm, fn):
    """The mnemonics of the jumps back up to a loop's top in function
    fn's assembly: jumps to a label further up, before the function's
    last `ret` (rotate's layout puts blocks that only jump back to an
    exit after it)."""
    lines = _body(asm, fn).splitlines()
    last = max(n for n, line in enumerate(lines) if line == "\tret")
    labels, back = set(), []
    for line in lines[:last]:
        if m := re.match(r"(\.L\w+):", line):
            labels.add(m.group(1))
        elif (m := re.match(r"\t(j\w+) (\.L\w+)", line)) and m.group(2) in labels:
            back.append(m.group(1))
    return back


@pytest.mark.parametrize("name", LOOPS)
def test_loop_rotation(jitrun, tmp_path, name):
    """A loop tested at the top keeps the test as a guard and gets a copy
    at the bottom of each latch: the loop then goes back up by one
    conditional branch, not a jump. Loops whose header has phis, a call,
    too many instructions, or a value a phi reads, stay as they are;
    every loop computes the same with the passes on and off."""
    body, model, latches = LOOPS[name]
    args = [0, 1, 2, 7, 40, 100]
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_program(LESS + "function l $f(l %n) {" + body + "}", args))
    want = "".join(f"{model(a)}\n" for a in args)
    for sel in ("none", "rotate", "all"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", want), sel
    r = run([jitrun, "--passes=rotate", "--stats", "-S", prog])
    stats = dict(line.split() for line in r.stderr.splitlines())
    assert int(stats["rotated"]) == latches, stats
    off = _backjumps(run([jitrun, "--passes=none", "-S", prog]).stdout, "f")
    on = _backjumps(r.stdout, "f")
    assert "jmp" in off, off
    if latches:
        assert on and "jmp" not in on, on
    else:
        assert on == off


# Loops whose test spans blocks, as C's `while (i < n && (i & 7) != k)`
# is at -O0: the header jumps to a join branching on a phi it gives 0.
# name -> (function $f(l %n) returning l, what it computes, latches
# rotated, copies of the test's second block (its `and $7`) in f
# 2 when the whole test went to the latch, 1 when the header alone did
# or nothing was rotated, joins taken apart (threaded, branches)).
TEST_BLOCKS = {
    "and_test": ("""
@start
	%i =l shr %n, 3
	%s =l copy 0
@head
	%c =w csltl %i, %n
	jnz %c, @rhs, @join
@rhs
	%m =l and %i, 7
	%d =w cnel %m, 5
	jmp @join
@join
	%r =w phi @head 0, @rhs %d
	jnz %r, @body, @done
@body
	%s =l add %s, %i
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: _and_loop(n), 1, 2, 1),
    # `continue`: both latches get both blocks of the test
    "and_test_continue": ("""
@start
	%i =l shr %n, 3
	%s =l copy 0
@head
	%c =w csltl %i, %n
	jnz %c, @rhs, @join
@rhs
	%m =l and %i, 7
	%d =w cnel %m, 5
	jmp @join
@join
	%r =w phi @head 0, @rhs %d
	jnz %r, @body, @done
@body
	%i =l add %i, 1
	%odd =l and %i, 1
	jnz %odd, @skip, @even
@skip
	jmp @head
@even
	%s =l add %s, %i
	jmp @head
@done
	ret %s
""", lambda n: _and_loop(n, evens=True), 2, 2, 1),
    # the second block gives the body a value: it would reach the body
    # through a phi of its two copies, so the header alone is copied
    "test_value_in_body": ("""
@start
	%i =l shr %n, 3
	%s =l copy 0
@head
	%c =w csltl %i, %n
	jnz %c, @rhs, @join
@rhs
	%m =l and %i, 7
	%d =w cnel %m, 5
	jmp @join
@join
	%r =w phi @head 0, @rhs %d
	jnz %r, @body, @done
@body
	%s =l add %s, %m
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: _and_loop(n, low=True), 1, 1, 1),
    # `i < n || (i & 7) == 6`: the header's constant goes into the loop, so
    # the header tests nothing of the loop; the join stays for thread
    "or_test": ("""
@start
	%i =l shr %n, 3
	%s =l copy 0
@head
	%c =w csltl %i, %n
	jnz %c, @join, @rhs
@rhs
	%m =l and %i, 7
	%d =w ceql %m, 6
	jmp @join
@join
	%r =w phi @head 1, @rhs %d
	jnz %r, @body, @done
@body
	%s =l add %s, %i
	%i =l add %i, 1
	jmp @head
@done
	ret %s
""", lambda n: _or_loop(n), 0, 1, 0),
}


def _or_loop(n):
    s, i = 0, n >> 3
    while i < n or i & 7 == 6:
        s += i
        i += 1
    return s


def _and_loop(n, evens=False, low=False):
    """What TEST_BLOCKS' loops compute: from i = n >> 3 while i < n and
    i & 7 != 5, the sum of i (of i + 1 when even, with `continue`; of
    i & 7 when the body reads the test's value)."""
    s, i = 0, n >> 3
    while i < n and i & 7 != 5:
        if evens:
            i += 1
            s += i if i % 2 == 0 else 0
            continue
        s += i & 7 if low else i
        i += 1
    return s


@pytest.mark.parametrize("name", TEST_BLOCKS)
def test_loop_test_of_blocks(jitrun, tmp_path, name):
    """A loop tested by `a && b` has its join taken apart (the header
    leaves the loop on its own, the second block branches itself) and
    gets both blocks of its test at each latch, which then goes back up
    by one conditional branch; a block whose value the body reads ends
    the test, and `||` (whose header does not leave the loop) is left
    to thread."""
    body, model, latches, copies, joins = TEST_BLOCKS[name]
    args = [0, 1, 3, 5, 9, 40]
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_program("function l $f(l %n) {" + body + "}", args))
    want = "".join(f"{model(a)}\n" for a in args)
    for sel in ("none", "rotate", "all"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", want), sel
    r = run([jitrun, "--passes=rotate", "--stats", "-S", prog])
    stats = _stats(r)
    assert (stats["rotated"], stats["threaded"], stats["branches"]) == (latches, joins, joins), stats
    asm = _body(r.stdout, "f")
    assert len(re.findall(r"\tand\w \$7", asm)) == copies, asm
    back = _backjumps(r.stdout, "f")
    if latches:
        assert back and "jmp" not in back, back
    else:
        assert back == _backjumps(run([jitrun, "--passes=none", "-S", prog]).stdout, "f")


SEARCH_C = r"""
#include <stdio.h>
static const char text[] = "abcabcabdabcabcd";
static long find(const char *t, long n, const char *p, long m)
{
	long count = 0;
	for (long i = 0; i + m <= n; i++) {
		long j = 0;
		while (j < m && t[i + j] == p[j])
			j++;
		if (j == m)
			count += i + 1;
	}
	return count;
}
int main(void)
{
	printf("%ld %ld %ld\n", find(text, 16, "abc", 3), find(text, 16, "abcd", 4), find(text, 16, "x", 1));
	return 0;
}
"""


def test_rotated_search_of_naive_c(jitrun, tmp_path):
    """C at -O0, strsearch's naive search: the inner loop's test `j < m
    && t[i + j] == p[j]` is two blocks and a join, the outer one's
    `i + m <= n` computes from two variables the body does not combine;
    both loops are rotated and go back up by a conditional branch."""
    from jitboot import llvm
    src = tmp_path / "search.c"
    src.write_text(SEARCH_C)
    prog = tmp_path / "search.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    for sel in ("none", "rotate", "all"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == "28 13 0\n", sel
    r = run([jitrun, "--passes=rotate", "--stats", "-S", prog])
    stats = _stats(r)
    assert stats["rotated"] >= 2 and stats["threaded"] >= 1, stats
    back = _backjumps(r.stdout, "find")
    assert len(back) == 2 and "jmp" not in back, back
    assert "jmp" in _backjumps(run([jitrun, "--passes=none", "-S", prog]).stdout, "find")


# iv's reassociation: $f(t, i) sums the bytes t[i + j], j = 0..7, the
# address computed as t + (i + j). name -> (what the body does besides,
# reassociated): (t + i) + j with t + i before the loop, unless the loop
# calls something (t + i would live across the call), i changes in the
# loop too, or i + j has another use.
REASSOC = {
    "inner_index": ("", 1),
    "call_in_loop": ("\tcall $g()\n", 0),
    "both_vary": ("\t%i =l add %i, 1\n", 0),
    "sum_used_twice": ("\t%s =l add %s, %x\n", 0),
}
REASSOC_IL = """
data $fmt = { b "%ld\\n", b 0 }
data $bytes = { BYTES }
function $g() {
@start
	ret
}
function l $f(l %t, l %i) {
@start
	%j =l copy 0
	%s =l copy 0
@head
	%c =w csltl %j, 8
	jnz %c, @body, @done
@body
	%x =l add %i, %j
	%p =l add %t, %x
	%b =l loadub %p
	%s =l add %s, %b
EXTRA	%j =l add %j, 1
	jmp @head
@done
	ret %s
}
export function w $main() {
@start
	%r =l call $f(l $bytes, l 3)
	call $printf(l $fmt, ..., l %r)
	ret 0
}
"""


@pytest.mark.parametrize("name", REASSOC)
def test_iv_reassociates_invariant_sums(jitrun, tmp_path, name):
    extra, done = REASSOC[name]
    data = list(range(5, 37, 1))
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(REASSOC_IL.replace("BYTES", ", ".join(f"b {b}" for b in data))
                    .replace("EXTRA", extra))
    i, s = 3, 0
    for j in range(8):
        s += data[i + j] + ((i + j) if "%x\n" in extra else 0)
        i += "%i =l add" in extra
    for sel in ("none", "iv", "all"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stdout) == (0, f"{s}\n"), sel
    r = run([jitrun, "--passes=iv", "--stats", "-S", prog])
    assert _stats(r)["reassociated"] == done, r.stderr
    loop = _iv_loop(_body(r.stdout, "f"))
    # the load's address: one register plus another, no addition before it
    if done:
        assert re.search(r"movzb\w \(%\w+, %\w+, 1\)", loop) and not re.search(r"\taddq %\w+, %\w+\n\tmovzb", loop), loop


def test_rotation_growth_is_bounded(jitrun, tmp_path):
    """A function of many loops grows by at most 256 instructions: of 20
    loops with headers of 16, the last 16 (inner and later loops first)
    are rotated, the first 4 are not."""
    head = "".join(f"\t%h{k} =l add %i, {k}\n" for k in range(15))
    loops = "".join(f"""@head{j}
{head}\t%c =w csltl %i, %n
	jnz %c, @body{j}, @done{j}
@body{j}
	%s =l add %s, %h14
	%i =l add %i, 1
	jmp @head{j}
@done{j}
	%i =l copy 0
""" for j in range(20))
    fn = "function l $f(l %n) {\n@start\n\t%i =l copy 0\n\t%s =l copy 0\n" + loops + "\tret %s\n}"
    prog = tmp_path / "many.ssa"
    args = [0, 3, 9]
    prog.write_text(_program(fn, args))
    want = "".join(f"{20 * sum(i + 14 for i in range(a))}\n" for a in args)
    for sel in ("none", "all"):
        r = run([jitrun, f"--passes={sel}", prog])
        assert (r.returncode, r.stderr, r.stdout) == (0, "", want), sel
    r = run([jitrun, "--passes=rotate", "--stats", "-S", prog])
    assert "rotated 16\n" in r.stderr, r.stderr
    back = _backjumps(r.stdout, "f")
    assert back.count("jmp") == 4 and len(back) == 20, back


NESTED_C = r"""
#include <stdio.h>
static double tab[16];
static double pairs(const double *a, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			s += a[i] * a[j];
	return s;
}
int main(void)
{
	for (int i = 0; i < 16; i++)
		tab[i] = i * 0.5;
	printf("%g %g\n", pairs(tab, 16), pairs(tab, 0));
	return 0;
}
"""


def test_rotated_nest_of_naive_c(jitrun, tmp_path):
    """C at -O0: both loops of the nest are rotated and go back up by a
    conditional branch; the inner loop's guard, where GCM hoists the
    address of a[i] behind the compare, still branches on the compare's
    flags (no setcc, extension and second test)."""
    from jitboot import llvm
    src = tmp_path / "nest.c"
    src.write_text(NESTED_C)
    prog = tmp_path / "nest.ssa"
    prog.write_text(llvm.translate_file(src, "-O0"))
    for sel in ("none", "all"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == "1645 0\n", sel
    r = run([jitrun, "--stats", "-S", prog])
    stats = dict(line.split() for line in r.stderr.splitlines())
    assert int(stats["rotated"]) >= 3, stats   # main's loop too
    back = _backjumps(r.stdout, "pairs")
    assert len(back) == 2 and "jmp" not in back, back
    assert not re.search(r"\tset\w+ ", _body(r.stdout, "pairs"))


# fold: a load used once by an ALU op or compare later in its block is the
# instruction's memory operand. Each function is one shape; the regex is
# what its body must show with the pass (and must not without it).
FOLD_SHAPES = {
    "mulsd": ("""
function d $f(l %a, l %b, w %n) {
@start
	%s =d copy d_0
	%i =w copy 0
@loop
	%il =l extsw %i
	%o =l mul %il, 8
	%pa =l add %a, %o
	%pb =l add %b, %o
	%x =d loadd %pa
	%y =d loadd %pb
	%m =d mul %x, %y
	%s =d add %s, %m
	%i =w add %i, 1
	%c =w csltw %i, %n
	jnz %c, @loop, @end
@end
	ret %s
}""", "d", "l $D, l $E, w 4", r"\tmulsd \(%\w+, %\w+, 8\), %xmm\d+\n"),
    "addq": ("""
function l $f(l %p, l %a) {
@start
	%v =l loadl %p
	%r =l add %a, %v
	ret %r
}""", "l", "l $L, l 7", r"\taddq \(%rdi\), %rax\n"),
    "subl_offset": ("""
function w $f(l %p, w %a) {
@start
	%q =l add %p, 8
	%v =w loadw %q
	%r =w sub %a, %v
	ret %r
}""", "w", "l $L, w 100", r"\tsubl 8\(%rdi\), %eax\n"),
    "imulq": ("""
function l $f(l %p, l %a) {
@start
	%v =l loadl %p
	%r =l mul %v, %a
	ret %r
}""", "l", "l $L, l -3", r"\timulq \(%rdi\), %rax\n"),
    "and_or_xor": ("""
function w $f(l %p, w %a) {
@start
	%v =w loadw %p
	%r =w and %a, %v
	%q =l add %p, 8
	%u =w loaduw %q
	%s =w or %r, %u
	%q2 =l add %p, 16
	%t =w loadw %q2
	%x =w xor %t, %s
	ret %x
}""", "w", "l $L, w 255", r"\tandl \(%rdi\), %\w+\n(.*\n)*\torl 8\(%rdi\), %\w+\n(.*\n)*\txorl 16\(%rdi\), %\w+\n"),
    "cmp_register": ("""
function w $f(l %p, w %k) {
@start
	%v =w loadw %p
	%c =w csltw %v, %k
	jnz %c, @y, @n
@y
	ret 1
@n
	ret 2
}""", "w", "l $L, w 11", r"\tcmpl %esi, \(%rdi\)\n"),
    "cmp_constant": ("""
function w $f(l %p) {
@start
	%v =l loadl %p
	%c =w csltl %v, 11
	ret %c
}""", "w", "l $L", r"\tcmpq \$11, \(%rdi\)\n"),
    "ucomisd_source": ("""
function w $f(l %p, d %x) {
@start
	%v =d loadd %p
	%c =w cltd %v, %x
	ret %c
}""", "w", "l $D, d d_1.5", r"\tucomisd \(%rdi\), %xmm0\n"),
    "divsd_addss": ("""
function d $f(l %p, d %x, s %y) {
@start
	%v =d loadd %p
	%r =d div %x, %v
	%q =l add %p, 8
	%u =s loads %q
	%t =s add %y, %u
	%td =d exts %t
	%z =d add %r, %td
	ret %z
}""", "d", "l $D, d d_3, s s_0.25", r"\tdivsd \(%rdi\), %xmm0\n(.*\n)*\taddss 8\(%rdi\), %xmm1\n"),
}

# Loads that must stay loads: the regex is the load, still there.
FOLD_REFUSED = {
    # a sign-extending load is not the 64-bit operand of a Kl add
    "extending": ("""
function l $f(l %p, l %a) {
@start
	%v =l loadsw %p
	%r =l add %a, %v
	ret %r
}""", "l", "l $L, l 7", r"\tmovslq \(%rdi\), %\w+\n"),
    "used_twice": ("""
function l $f(l %p, l %a) {
@start
	%v =l loadl %p
	%r =l add %a, %v
	%s =l mul %r, %v
	ret %s
}""", "l", "l $L, l 7", r"\tmovq \(%rdi\), %\w+\n"),
    "store_between": ("""
function l $f(l %p, l %a, l %q) {
@start
	%v =l loadl %p
	storel 99, %q
	%r =l add %a, %v
	ret %r
}""", "l", "l $M, l 7, l $M", r"\tmovq \(%rdi\), %\w+\n"),
    "call_between": ("""
function l $f(l %p, l %a) {
@start
	%v =l loadl %p
	%x =w call $g()
	%r =l add %a, %v
	ret %r
}
function w $g() {
@start
	storel 5, $M
	ret 0
}""", "l", "l $M, l 7", r"\tmovq \(%\w+\), %\w+\n"),
    "other_block": ("""
function l $f(l %p, l %a) {
@start
	%v =l loadl %p
	%c =w csltl %a, 0
	jnz %c, @neg, @pos
@neg
	%r =l sub %a, %v
	ret %r
@pos
	ret %a
}""", "l", "l $L, l -1", r"\tmovq \(%rdi\), %\w+\n"),
    "minuend": ("""
function l $f(l %p, l %a) {
@start
	%v =l loadl %p
	%r =l sub %v, %a
	ret %r
}""", "l", "l $L, l 7", r"\tmovq \(%rdi\), %\w+\n"),
    # against a constant the fold saves nothing: mov $5, %d; add (%p), %d
    "constant": ("""
function l $f(l %p) {
@start
	%v =l loadl %p
	%r =l add %v, 5
	ret %r
}""", "l", "l $L", r"\tmovq \(%rdi\), %\w+\n"),
}

FOLD_DATA = """data $L = { l 10 20 -30 }
data $M = { l 3 }
data $D = { d d_1 d_2 d_3 d_4 }
data $E = { d d_5 d_6 d_7 d_8 }
"""


def _exported(fn):
    """fn's functions exported: main's constant arguments would otherwise
    be constants in them (inline's propagation), and the shapes change."""
    return re.sub(r"^function ", "export function ", fn, flags=re.M)


def _fold_program(fn, cls, args):
    fmt = {"w": "%d", "l": "%ld", "d": "%.17g"}[cls]
    return (_exported(fn) + "\n" + FOLD_DATA + f'data $fmt = {{ b "{fmt}\\n", b 0 }}\n'
            "export function w $main() {\n@start\n"
            f"\t%r ={cls} call $f({args})\n"
            f"\tcall $printf(l $fmt, ..., {cls} %r)\n\tret 0\n}}\n")


# A register copied into a register a memory operand is addressed through,
# just before the operand is read: the hazard of the 2-address conversion.
CLOBBERED_ADDRESS = re.compile(r"\tmov[lq] %\w+, %(\w+)\n\t\w+ [^,\n]*\(%\1[,)]")


def test_fold_shapes(jitrun, tmp_path):
    """Each shape is folded (jitrun --stats counts it), is not without the
    pass, and computes what it computes without it."""
    for name, (fn, cls, args, want) in FOLD_SHAPES.items():
        prog = tmp_path / f"{name}.ssa"
        prog.write_text(_fold_program(fn, cls, args))
        off, on = run([jitrun, "--passes=none", prog]), run([jitrun, "--stats", prog])
        assert off.returncode == 0 and off.stdout and on.stdout == off.stdout, name
        assert _stats(on)["folded"] >= 1, name
        asm_on = _body(run([jitrun, "-S", prog]).stdout, "f")
        asm_off = _body(run([jitrun, "--passes=none", "-S", prog]).stdout, "f")
        assert re.search(want, asm_on), (name, asm_on)
        assert not re.search(want, asm_off), (name, asm_off)
        assert not CLOBBERED_ADDRESS.search(asm_on), (name, asm_on)


@pytest.mark.parametrize("name", sorted(FOLD_REFUSED))
def test_fold_refused(jitrun, tmp_path, name):
    fn, cls, args, load = FOLD_REFUSED[name]
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_fold_program(fn, cls, args))
    off, on = run([jitrun, "--passes=none", prog]), run([jitrun, "--stats", "-S", prog])
    assert on.returncode == 0 and _stats(on)["folded"] == 0, on.stderr
    assert re.search(load, _body(on.stdout, "f")), _body(on.stdout, "f")
    assert run([jitrun, prog]).stdout == off.stdout


# The destination of `%r = add %a, (%p)` is hinted to %rdi (the call's
# argument) and %p dies there, in %rdi: the emitter must load (%rdi)
# into %rdi before adding %a, not copy %a over the address.
FOLD_THROUGH_DEST = """
function l $g(l %x, l %y) {
@start
	%r =l mul %x, %y
	ret %r
}
function l $add(l %p, l %a) {
@start
	%v =l loadl %p
	%r =l add %a, %v
	%x =l call $g(l %r, l %a)
	%y =l add %x, %a
	ret %y
}
function l $sub(l %p, l %a) {
@start
	%v =l loadl %p
	%r =l sub %a, %v
	%x =l call $g(l %r, l %a)
	%y =l add %x, %a
	ret %y
}
data $L = { l 10 20 30 }
data $fmt = { b "%ld %ld\\n", b 0 }
export function w $main() {
@start
	%x =l call $add(l $L, l 7)
	%y =l call $sub(l $L, l 7)
	call $printf(l $fmt, ..., l %x, l %y)
	ret 0
}
"""


def test_fold_memory_operand_through_destination(jitrun, tmp_path):
    prog = tmp_path / "through.ssa"
    prog.write_text(FOLD_THROUGH_DEST)
    want = f"{(7 + 10) * 7 + 7} {(7 - 10) * 7 + 7}\n"
    for sel in ("none", "fold"):
        assert run([jitrun, f"--passes={sel}", prog]).stdout == want, sel
    asm = run([jitrun, "--passes=fold", "-S", prog]).stdout
    assert "\tmovq (%rdi), %rdi\n\taddq %rsi, %rdi\n" in _body(asm, "add"), asm
    assert "\tmovq (%rdi), %rdi\n\tnegq %rdi\n\taddq %rsi, %rdi\n" in _body(asm, "sub"), asm
    assert not CLOBBERED_ADDRESS.search(asm), asm


def _pressure_program(n):
    """n pointers live across a loop that adds what each points to: more
    than there are registers, so some folded loads have a spilled base.
    The loop stores through a pointer that may alias them all (licm
    cannot hoist the loads)."""
    lines = ["function l $f(l %base, w %k, l %out) {", "@start", "\t%s =l copy 0"]
    lines += [f"\t%p{j} =l loadl $P{j}" for j in range(n)]   # opaque to isel
    lines += ["@loop"]
    for j in range(n):
        lines += [f"\t%v{j} =l loadl %p{j}", f"\t%s =l {'xor' if j % 3 else 'add'} %s, %v{j}"]
    lines += ["\tstorel %s, %out", "\t%k =w sub %k, 1", "\tjnz %k, @loop, @end", "@end"]
    for j in range(n):   # keeps the pointers live; the output no address
        lines += [f"\t%d{j} =l sub %p{j}, %base", f"\t%s =l add %s, %d{j}"]
    lines += ["\tret %s", "}",
              "data $A = { l " + " ".join(str(j * 7919 % 1000) for j in range(n)) + " }",
              *(f"data $P{j} = {{ l $A + {8 * j} }}" for j in range(n)),
              'data $fmt = { b "%ld\\n", b 0 }',
              "export function w $main() {", "@start", "\t%o =l add $A, 8", "\t%r =l call $f(l $A, w 5, l %o)",
              "\tcall $printf(l $fmt, ..., l %r)", "\tret 0", "}", ""]
    return "\n".join(lines)


def test_fold_with_spilled_addresses(jitrun, tmp_path):
    prog = tmp_path / "pressure.ssa"
    prog.write_text(_pressure_program(24))
    off = run([jitrun, "--passes=none", prog])
    on = run([jitrun, "--stats", "-S", prog])
    assert off.returncode == 0 and _stats(on)["folded"] >= 20, on.stderr
    body = _body(on.stdout, "f")
    assert re.search(r"\t(add|xor)q \(%\w+\), %\w+\n", body)
    assert re.search(r"\tmovq -?\d+\(%r[bs]p\), (%\w+)\n\t(add|xor)q \(\1\), ", body)   # a reloaded base
    assert run([jitrun, prog]).stdout == off.stdout
    assert not CLOBBERED_ADDRESS.search(on.stdout)


# fold's read-modify-write: `load; op; store` to the same address, the
# loaded and computed values used only there, is one instruction on
# memory. The regex is what the body shows with the pass.
RMW_SHAPES = {
    "counter": ("""
function $f(l %t, l %x, w %n) {
@start
@loop
	%n =w sub %n, 1
	%nl =l extsw %n
	%bp =l add $S, %nl
	%b =w loadub %bp
	%bl =l extuw %b
	%o =l mul %bl, 4
	%p =l add %t, %o
	%v =w loadw %p
	%v1 =w add %v, 1
	storew %v1, %p
	jnz %n, @loop, @end
@end
	ret
}""", r"\taddl \$1, \(%rdi, %\w+, 4\)\n", 1),
    "sub_register": ("""
function $f(l %t, l %x) {
@start
	%q =l add %t, 1024
	%w =l loadl %q
	%w1 =l sub %w, %x
	storel %w1, %q
	ret
}""", r"\tsubq %rsi, 1024\(%rdi\)\n", 1),
    "and_or_xor": ("""
function $f(l %t, w %x) {
@start
	%a =w loadw %t
	%a1 =w and %x, %a
	storew %a1, %t
	%q =l add %t, 8
	%b =w loadw %q
	%b1 =w or %b, 6
	storew %b1, %q
	%r =l add %t, 16
	%c =l loadl %r
	%c1 =l xor %c, -1
	storel %c1, %r
	ret
}""", r"\tandl %esi, \(%rdi\)\n\torl \$6, 8\(%rdi\)\n\txorq \$-1, 16\(%rdi\)\n", 3),
}

# Stores that stay stores.
RMW_REFUSED = {
    # the computed value is used again
    "value_used": """
function $f(l %t, l %x) {
@start
	%w =l loadl %t
	%w1 =l add %w, %x
	storel %w1, %t
	%q =l add %t, 8
	storel %w1, %q
	ret
}""",
    # another address (the load folds into the add instead)
    "other_address": """
function $f(l %t, l %x) {
@start
	%w =l loadl %t
	%w1 =l add %w, %x
	%q =l add %t, 8
	storel %w1, %q
	ret
}""",
    # a store narrower than the operation
    "narrower_store": """
function $f(l %t, w %x) {
@start
	%w =w loadw %t
	%w1 =w add %w, %x
	storeb %w1, %t
	ret
}""",
    # a compare between the operation and the store (kept there: its
    # value is stored too) sets flags the operation may not set again
    # at the store
    "compare_between": """
function $f(l %t, l %x) {
@start
	%w =l loadl %t
	%w1 =l add %w, 1
	%c =w csltl %x, 5
	storel %w1, %t
	%q =l add %t, 8
	storew %c, %q
	jnz %c, @y, @n
@y
	storel 100, %t
	ret
@n
	ret
}""",
}

RMW_MAIN = """data $T = { z 1032 }
data $S = { b "hello world, hello" }
data $fmt = { b "%ld %ld %ld %ld\\n", b 0 }
export function w $main() {
@start
	%p0 =l add $T, 4
	storel 1234567, %p0
	call $f(l $T, l 77, w 18)
	%a =l loadl $T
	%p1 =l add $T, 8
	%b =l loadl %p1
	%p2 =l add $T, 16
	%c =l loadl %p2
	%p3 =l add $T, 432
	%d =l loadl %p3
	call $printf(l $fmt, ..., l %a, l %b, l %c, l %d)
	ret 0
}
"""


def test_rmw_shapes(jitrun, tmp_path):
    for name, (fn, want, count) in RMW_SHAPES.items():
        prog = tmp_path / f"{name}.ssa"
        prog.write_text(_exported(fn) + "\n" + RMW_MAIN)
        off, on = run([jitrun, "--passes=none", prog]), run([jitrun, "--stats", "-S", prog])
        assert off.returncode == 0 and _stats(on)["rmw"] == count, (name, on.stderr)
        assert re.search(want, _body(on.stdout, "f")), (name, _body(on.stdout, "f"))
        assert not re.search(want, _body(run([jitrun, "--passes=none", "-S", prog]).stdout, "f"))
        assert run([jitrun, prog]).stdout == off.stdout, name


@pytest.mark.parametrize("name", sorted(RMW_REFUSED))
def test_rmw_refused(jitrun, tmp_path, name):
    prog = tmp_path / f"{name}.ssa"
    prog.write_text(_exported(RMW_REFUSED[name]) + "\n" + RMW_MAIN)
    off, on = run([jitrun, "--passes=none", prog]), run([jitrun, "--stats", "-S", prog])
    assert off.returncode == 0 and _stats(on)["rmw"] == 0, on.stderr
    assert re.search(r"\tmov[bwlq] %\w+, [^,\n]*\(%rdi\)\n", _body(on.stdout, "f"))
    assert run([jitrun, prog]).stdout == off.stdout


def _rmw_pressure_program(n):
    """n counters x[j] += y[j] in a loop, the pointers and the addends all
    live across it: more than there are registers. An addend spilled
    must still reach the instruction in a register (no add from memory
    to memory)."""
    lines = ["function l $f(w %k) {", "@start"]
    for j in range(n):
        lines += [f"\t%p{j} =l loadl $P{j}", f"\t%y{j} =l loadl $Y{j}"]
    lines += ["@loop"]
    for j in range(n):
        lines += [f"\t%v{j} =l loadl %p{j}", f"\t%w{j} =l {('add', 'sub', 'xor')[j % 3]} %v{j}, %y{j}",
                  f"\tstorel %w{j}, %p{j}"]
    lines += ["\t%k =w sub %k, 1", "\tjnz %k, @loop, @end", "@end", "\t%s =l copy 0"]
    for j in range(n):
        lines += [f"\t%s =l add %s, %y{j}", f"\t%d{j} =l sub %p{j}, $A",
                  f"\t%s =l xor %s, %d{j}"]
    lines += ["\tret %s", "}",
              "data $A = { l " + " ".join(str(j * 7919 % 1000) for j in range(n)) + " }",
              *(f"data $P{j} = {{ l $A + {8 * j} }}" for j in range(n)),
              *(f"data $Y{j} = {{ l {j * 31 - 200} }}" for j in range(n)),
              'data $fmt = { b "%ld %ld %ld %ld\\n", b 0 }',
              "export function w $main() {", "@start", "\t%r =l call $f(w 7)",
              "\t%a =l loadl $A", "\t%q =l add $A, 64", "\t%b =l loadl %q",
              "\t%q2 =l add $A, 8", "\t%c =l loadl %q2",
              "\tcall $printf(l $fmt, ..., l %r, l %a, l %b, l %c)", "\tret 0", "}", ""]
    return "\n".join(lines)


def test_rmw_with_spilled_operands(jitrun, tmp_path):
    prog = tmp_path / "rmw_pressure.ssa"
    prog.write_text(_rmw_pressure_program(20))
    off = run([jitrun, "--passes=none", prog])
    on = run([jitrun, "--stats", "-S", prog])
    assert off.returncode == 0 and _stats(on)["rmw"] == 20, on.stderr
    body = _body(on.stdout, "f")
    assert not re.search(r"\t\w+ -?\d+\(%r[sb]p\), [^,\n]*\(", body), body
    assert re.search(r"\tmovq -?\d+\(%r[sb]p\), (%\w+)\n\t(add|sub|xor)q \1, \(%\w+\)\n", body), body
    assert run([jitrun, prog]).stdout == off.stdout
