"""Random valid QBE IL programs for differential testing of the JIT's passes.

generate(seed) returns the text of a program whose main prints one line per
call it makes. The functions use integer arithmetic (w and l, and square
roots of integers through doubles), branches,
counted loops, loops reading and writing memory (_Fn.memloop), loops tested
by `i < k && b` (_Fn.scloop), phis,
short-circuit conditions and calls: to themselves (one, two or tail calls, in the
shapes tail recursion elimination and inlining look for, and others), to
functions defined earlier and later, and to printf. Besides them, small
helpers (h0, h1, ...) are called from loops, and call each other (a helper
calls only helpers of higher number: nested calls, no recursion); some of
them, and some of the functions, are naive code as a C front end emits at
-O0 (every variable in a stack slot of its own, of 1, 2, 4 or 8 bytes,
loaded and extended at each use), which QBE's promotion must turn into
temporaries before the passes can see it. Every recursion is bounded by a
depth argument that decreases, every loop by a counter, and no operation
can trap (no division), so every program terminates and its output is fully
defined.
"""

from __future__ import annotations

import random

BINOPS = ("add", "sub", "mul", "and", "or", "xor")
ACCOPS = ("add", "mul", "and", "or", "xor")   # what tail recursion may accumulate
SHIFTS = ("shl", "sar", "shr")
CMPS = ("csltl", "cslel", "csgtl", "csgel", "ceql", "cnel", "cultl", "cugtl")
# 32-bit loop counters (C's int): tests of every kind, starts and bounds
# near the ends of the int range (where an increment wraps), steps of
# both signs
WCMPS = ("csltw", "cslew", "csgtw", "csgew", "cnew", "cultw", "culew", "cugtw", "cugew")
WEDGES = (0, 1, 5, -3, 2147483645, 2147483647, -2147483647, -2147483648, 4294967294)
WSTEPS = (1, 1, -1, 2, -2, 3)


class _Fn:
    """Emits one function's body; temporaries are non-SSA variables."""

    def __init__(self, rng: random.Random, name: str, nparams: int, callees: list[tuple[str, int]],
                 helpers: list[str] = ()):
        self.rng, self.name, self.nparams, self.callees = rng, name, nparams, callees
        self.helpers = list(helpers)
        self.lines: list[str] = []
        self.vars = [f"%p{i}" for i in range(nparams)]
        self.ntmp = 0
        self.nlbl = 0
        self.calls = 0
        self.inloop = False     # no calls in loops: keeps the call tree small

    def tmp(self) -> str:
        self.ntmp += 1
        return f"%t{self.ntmp}"

    def label(self, what: str) -> str:
        self.nlbl += 1
        return f"@{what}{self.nlbl}"

    def emit(self, line: str) -> None:
        self.lines.append("\t" + line)

    def block(self, lbl: str) -> None:
        self.lines.append(lbl)
        self.cur = lbl

    def value(self) -> str:
        r = self.rng
        if r.random() < 0.25:
            return str(r.choice((0, 1, 2, 3, 7, -1, -5, 255, 1 << 20, 123456789)))
        return r.choice(self.vars)

    def expr(self) -> str:
        """A new temporary holding a random computation over the variables."""
        r, t = self.rng, self.tmp()
        kind = r.random()
        if kind < 0.55:
            self.emit(f"{t} =l {r.choice(BINOPS)} {self.value()}, {self.value()}")
        elif kind < 0.7:
            self.emit(f"{t} =l {r.choice(SHIFTS)} {self.value()}, {r.randrange(64)}")
        elif kind < 0.85:
            c = self.tmp()
            self.emit(f"{c} =w {r.choice(CMPS)} {self.value()}, {self.value()}")
            self.emit(f"{t} =l extsw {c}")
        elif r.random() < 0.8:
            w = self.tmp()
            self.emit(f"{w} =w add {self.value()}, {self.value()}")
            self.emit(f"{t} =l {r.choice(('extsw', 'extuw'))} {w}")
        else:
            # the square root of a non-negative value (the builtin pass
            # makes the call an instruction), back to an integer
            m, d, q = self.tmp(), self.tmp(), self.tmp()
            self.emit(f"{m} =l and {self.value()}, {r.choice((0xffff, 0xffffffffff, 3))}")
            self.emit(f"{d} =d sltof {m}")
            self.emit(f"{q} =d call $sqrt(d {d})")
            self.emit(f"{t} =l dtosi {q}")
        return t

    def assign(self) -> None:
        v = self.rng.choice(self.vars[self.nparams:] or self.vars)
        self.emit(f"{v} =l copy {self.expr()}")

    def call(self, depth: str) -> str:
        """Call self or another function with a smaller depth."""
        name, n = self.rng.choice(self.callees + [(self.name, self.nparams)])
        self.calls += 1
        args = ", ".join(["l " + depth] + [f"l {self.value()}" for _ in range(n - 1)])
        t = self.tmp()
        self.emit(f"{t} =l call ${name}({args})")
        return t

    def stmt(self, depth: str, budget: int) -> None:
        r = self.rng.random()
        if r < 0.36 or budget <= 0:
            self.assign()
        elif r < 0.4:
            self.scloop(depth, budget - 1)
        elif r < 0.43:
            self.dispatch()
        elif r < 0.46:
            self.switch()
        elif r < 0.6 and self.calls < 3 and not self.inloop:
            v = self.rng.choice(self.vars[self.nparams:] or self.vars)
            self.emit(f"{v} =l add {v}, {self.call(depth)}")
        elif r < 0.6 and self.helpers:
            v = self.rng.choice(self.vars[self.nparams:] or self.vars)
            t = self.tmp()
            self.emit(f"{t} =l call ${self.rng.choice(self.helpers)}(l {self.value()}, l {self.value()})")
            self.emit(f"{v} =l xor {v}, {t}")
        elif r < 0.7:
            self.branch(depth, budget - 1)
        elif r < 0.73:
            self.shortcircuit()
        elif r < 0.8:
            self.rangetest()
        elif r < 0.84:
            self.loop(depth, budget - 1)
        elif r < 0.93:
            self.memloop(depth, budget - 1)
        else:
            self.wloop(depth, budget - 1)

    def branch(self, depth: str, budget: int) -> None:
        c, yes, no, join = self.tmp(), self.label("then"), self.label("else"), self.label("join")
        self.emit(f"{c} =w {self.rng.choice(CMPS)} {self.value()}, {self.value()}")
        self.emit(f"jnz {c}, {yes}, {no}")
        arms = []
        for lbl in (yes, no):
            self.block(lbl)
            self.stmt(depth, budget)
            v = self.expr()
            if self.rng.random() < 0.3 and self.calls < 3 and not self.inloop:
                v = self.call(depth)      # a call right before the jump to a phi
            arms.append((self.cur, v))
            self.emit(f"jmp {join}")
        self.block(join)
        dst = self.rng.choice(self.vars[self.nparams:] or self.vars)
        m = self.tmp()
        self.emit(f"{m} =l phi {arms[0][0]} {arms[0][1]}, {arms[1][0]} {arms[1][1]}")
        self.emit(f"{dst} =l xor {dst}, {m}")

    def shortcircuit(self) -> None:
        """`if (a && b)` or `if (a || b)` as C at -O0 has it: a join
        block branching on a phi that one side gives a constant."""
        r = self.rng
        a, rhs, join, yes, no, done = (self.tmp(), self.label("rhs"), self.label("sc"),
                                       self.label("yes"), self.label("no"), self.label("scdone"))
        orr = r.random() < 0.5
        self.emit(f"{a} =w {r.choice(CMPS)} {self.value()}, {self.value()}")
        self.emit(f"jnz {a}, {join if orr else rhs}, {rhs if orr else join}")
        cond = self.cur
        self.block(rhs)
        b, x, y = self.tmp(), self.tmp(), self.tmp()
        # a load: QBE's if-conversion does not make it a select
        self.emit(f"{x} =w loadsb $tab")
        self.emit(f"{y} =l extsw {x}")
        self.emit(f"{b} =w {r.choice(CMPS)} {y}, {self.value()}")
        self.emit(f"jmp {join}")
        self.block(join)
        m = self.tmp()
        self.emit(f"{m} =w phi {cond} {1 if orr else 0}, {rhs} {b}")
        self.emit(f"jnz {m}, {yes}, {no}")
        dst = self.rng.choice(self.vars[self.nparams:] or self.vars)
        for lbl in (yes, no):
            self.block(lbl)
            x, y = self.tmp(), self.tmp()
            self.emit(f"{x} =w loadub $tab")   # no select either
            self.emit(f"{y} =l extuw {x}")
            self.emit(f"{dst} =l add {dst}, {self.expr()}")
            self.emit(f"{dst} =l xor {dst}, {y}")
            self.emit(f"jmp {done}")
        self.block(done)

    def rangetest(self) -> None:
        """`if (lo <= v && v <= hi)` once the join is gone: a branch on
        one bound into a block that only branches on the other, both
        leaving to the same block, whose phi may or may not get the same
        value from both (cmp merges the tests into one only if it does).
        Bounds of either order, strict or not, signed or unsigned, 32 or
        64 bits, at the ends of the ranges too; sometimes the constant
        comes first."""
        r = self.rng
        w = r.random() < 0.5
        k = "w" if w else "l"
        uns = r.random() < 0.3
        edges = WEDGES if w else (0, 1, -1, 9, 1 << 40, (1 << 63) - 1, -(1 << 63))
        bounds = sorted(r.choice(edges + (r.randrange(-20, 20), r.randrange(-20, 20)))
                        for _ in range(2))
        if uns:
            bounds = sorted(b % (1 << 32 if w else 1 << 64) for b in bounds)
        lo, hi = bounds if r.random() < 0.9 else bounds[::-1]
        v = self.tmp()
        near = (r.choice((lo, hi, 0)) + (1 << 63)) % (1 << 64) - (1 << 63)
        self.emit(f"{v} ={k} add {self.value()}, {near}")

        def test(lower: bool) -> str:
            strict = r.random() < 0.5
            sign = "u" if uns else "s"
            bound = (lo if lower else hi) + ((-1 if lower else 1) if strict else 0)
            bound = (bound + (1 << 63)) % (1 << 64) - (1 << 63)   # an int64 literal
            op = ("gt" if strict else "ge") if lower else ("lt" if strict else "le")
            if r.random() < 0.2:    # bound OP' v
                op = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}[op]
                return f"c{sign}{op}{k} {bound}, {v}"
            return f"c{sign}{op}{k} {v}, {bound}"
        x, y, a, b = self.tmp(), self.tmp(), self.expr(), self.expr()
        rhs, yes, no, done = self.label("rng"), self.label("in"), self.label("out"), self.label("rngdone")
        first = r.random() < 0.5
        self.emit(f"{x} =w {test(first)}")
        self.emit(f"jnz {x}, {rhs}, {no}")
        cond = self.cur
        self.block(rhs)
        self.emit(f"{y} =w {test(not first)}")
        self.emit(f"jnz {y}, {yes}, {no}")
        dst = r.choice(self.vars[self.nparams:] or self.vars)
        self.block(yes)
        self.emit(f"{dst} =l add {dst}, {a}")
        self.emit(f"jmp {done}")
        self.block(no)
        m = self.tmp()
        self.emit(f"{m} =l phi {cond} {a}, {rhs} {a if r.random() < 0.85 else b}")
        self.emit(f"{dst} =l xor {dst}, {m}")
        self.emit(f"{dst} =l add {dst}, 77")
        self.emit(f"jmp {done}")
        self.block(done)

    def dispatch(self) -> None:
        """A switch of four cases as the C front door lowers it (a binary
        search of compares), two of which compute the same value (the stack
        offset every case of an interpreter computes at -O0): GVN makes it
        one computation and GCM puts it before the dispatch."""
        r = self.rng
        sel, c, x, done = self.tmp(), self.tmp(), self.tmp(), self.label("swdone")
        lo, hi = self.label("swlo"), self.label("swhi")
        cases = [self.label("case") for _ in range(4)]
        a, b, op = self.value(), self.value(), r.choice(BINOPS)
        self.emit(f"{sel} =l and {self.value()}, 3")
        self.emit(f"{c} =w cultl {sel}, 2")
        self.emit(f"jnz {c}, {lo}, {hi}")
        for lbl, k, (yes, no) in ((lo, 0, cases[:2]), (hi, 2, cases[2:])):
            self.block(lbl)
            self.emit(f"{x} =w ceql {sel}, {k}")
            self.emit(f"jnz {x}, {yes}, {no}")
        dst = r.choice(self.vars[self.nparams:] or self.vars)
        for n, lbl in enumerate(cases):
            self.block(lbl)
            if n in (0, 2):
                w, t = self.tmp(), self.tmp()
                self.emit(f"{w} =w {op} {a}, {b}")
                self.emit(f"{t} =l extsw {w}")
                self.emit(f"{dst} =l {'xor' if n else 'add'} {dst}, {t}")
            else:
                self.emit(f"{dst} =l add {dst}, {n}")
            self.emit(f"jmp {done}")
        self.block(done)

    def switch(self) -> None:
        """A switch of 12 to 32 cases as the C front door lowers it
        (jitboot/llvm.py: a binary search of unsigned compares, linear
        below four cases, the last value of a range jumped to without a
        compare), of class w or l, over a dense range that may start below
        zero, or now and then a sparse one (no jump table). Cases share
        targets, each changes a variable (phis at the join), and the
        selector falls outside the range about half the time, so both a
        table's range check and its fall-through into the search run."""
        r = self.rng
        k = r.choice("wl")
        mask = (1 << (32 if k == "w" else 64)) - 1
        base = r.choice((0, 0, 1, -3, -12, 40, 1000))
        step = 1 if r.random() < 0.8 else r.choice((3, 50))
        n = r.randrange(12, 33)
        values = [base + step * i for i in range(n) if i in (0, n - 1) or r.random() < 0.9]
        targets = [self.label("sw") for _ in range(max(2, len(values) * 3 // 4))]
        cases = sorted(((v & mask), targets[i % len(targets)] if r.random() < 0.8
                        else r.choice(targets)) for i, v in enumerate(values))
        default, done = self.label("swdef"), self.label("swend")
        t, sel = self.tmp(), self.tmp()
        self.emit(f"{t} =l and {self.value()}, {63 if step == 1 else 2047}")
        self.emit(f"{sel} ={k} add {t}, {base - 8}")

        def lit(v: int) -> str:
            return str(v - (mask + 1) if v > mask >> 1 else v)

        def search(cs: list[tuple[int, str]], lo: int, hi: int) -> None:
            if len(cs) <= 3:
                for v, dest in cs:
                    if lo == hi == v:
                        self.emit(f"jmp {dest}")
                        return
                    c, nxt = self.tmp(), self.label("swnext")
                    self.emit(f"{c} =w ceq{k} {sel}, {lit(v)}")
                    self.emit(f"jnz {c}, {dest}, {nxt}")
                    self.block(nxt)
                    if v == lo:
                        lo += 1
                self.emit(f"jmp {default}")
                return
            mid = len(cs) // 2
            pivot = cs[mid][0]
            c, low, high = self.tmp(), self.label("swlo"), self.label("swhi")
            self.emit(f"{c} =w cult{k} {sel}, {lit(pivot)}")
            self.emit(f"jnz {c}, {low}, {high}")
            self.block(low)
            search(cs[:mid], lo, pivot - 1)
            self.block(high)
            search(cs[mid:], pivot, hi)

        search(cases, 0, mask)
        dst = r.choice(self.vars[self.nparams:] or self.vars)
        for n, lbl in enumerate(targets + [default]):
            self.block(lbl)
            if n % 3 == 0:
                self.emit(f"{dst} =l {r.choice(BINOPS)} {dst}, {self.value()}")
            else:
                self.emit(f"{dst} =l add {dst}, {n * 7 + 1}")
            self.emit(f"jmp {done}")
        self.block(done)

    def loop(self, depth: str, budget: int) -> None:
        """A counted loop tested at the top, the shape loop rotation looks
        for: sometimes with more work in the header (a value the body and
        the code after the loop read, or a helper call, which keeps the
        loop as it is), a `continue` (a second latch) and a `break` into
        a join whose phi takes a value from the header."""
        r = self.rng
        i, head, body, done = self.tmp(), self.label("loop"), self.label("body"), self.label("done")
        self.emit(f"{i} =l copy 0")
        self.emit(f"jmp {head}")
        self.block(head)
        hv = None
        if r.random() < 0.4:
            hv = self.tmp()
            if self.helpers and r.random() < 0.3:
                self.emit(f"{hv} =l call ${r.choice(self.helpers)}(l {i}, l {self.value()})")
            else:
                self.emit(f"{hv} =l {r.choice(BINOPS)} {i}, {self.value()}")
        c = self.tmp()
        self.emit(f"{c} =w csltl {i}, {r.randrange(1, 6)}")
        self.emit(f"jnz {c}, {body}, {done}")
        self.block(body)
        outer, self.inloop = self.inloop, True
        brk = None
        if r.random() < 0.3:
            b, more = self.tmp(), self.label("more")
            self.emit(f"{b} =w {r.choice(CMPS)} {self.value()}, {self.value()}")
            brk = (self.cur, self.expr() if r.random() < 0.5 else str(r.randrange(9)))
            self.emit(f"jnz {b}, {done}, {more}")
            self.block(more)
        if r.random() < 0.3:
            b, latch, more = self.tmp(), self.label("next"), self.label("more")
            self.emit(f"{b} =w {r.choice(CMPS)} {self.value()}, {self.value()}")
            self.emit(f"jnz {b}, {latch}, {more}")
            self.block(latch)
            self.emit(f"{i} =l add {i}, 1")
            self.emit(f"jmp {head}")
            self.block(more)
        self.stmt(depth, budget)
        self.inloop = outer
        self.emit(f"{i} =l add {i}, 1")
        self.emit(f"jmp {head}")
        self.block(done)
        dst = self.rng.choice(self.vars[self.nparams:] or self.vars)
        if brk:
            # the header's own value (defined there, used by a phi: the
            # loop stays unrotated) or a constant
            fromhead = hv if hv and r.random() < 0.5 else str(r.randrange(-3, 9))
            m = self.tmp()
            self.emit(f"{m} =l phi {head} {fromhead}, {brk[0]} {brk[1]}")
            self.emit(f"{dst} =l xor {dst}, {m}")
        if hv:
            self.emit(f"{dst} =l add {dst}, {hv}")

    def scloop(self, depth: str, budget: int) -> None:
        """A loop tested by `i < k && b` as C has it at -O0: the header
        jumps to a join branching on a phi it gives 0, the other side
        computes b from i. Rotation takes the join apart and copies the
        test of two blocks to each latch; sometimes with a `continue` (a
        second latch) or a `break` test right after the test, which then
        joins it, or a value of the second block the body reads (which
        ends the test before that block)."""
        r = self.rng
        i, head, rhs, join, body, done = (self.tmp(), self.label("scl"), self.label("sclrhs"),
                                          self.label("scljoin"), self.label("sclbody"),
                                          self.label("scldone"))
        self.emit(f"{i} =l copy 0")
        self.emit(f"jmp {head}")
        self.block(head)
        a = self.tmp()
        self.emit(f"{a} =w csltl {i}, {r.randrange(1, 7)}")
        self.emit(f"jnz {a}, {rhs}, {join}")
        self.block(rhs)
        x, y, b = self.tmp(), self.tmp(), self.tmp()
        v = self.value()
        if r.random() < 0.7:
            # a byte of $tab at (k & 15) + i, i < 7: `t[k + i]`, which
            # iv reassociates when k does not change in the loop (a
            # parameter, mostly)
            o, p, q, v = self.tmp(), self.tmp(), self.tmp(), self.tmp()
            k = r.choice(self.vars[:self.nparams] or self.vars)
            self.emit(f"{o} =l and {k}, 15")
            self.emit(f"{p} =l add {o}, {i}")
            self.emit(f"{q} =l add $tab, {p}")
            self.emit(f"{v} =l loadub {q}")
        self.emit(f"{x} =l xor {i}, {v}")
        self.emit(f"{y} =l and {x}, 7")
        self.emit(f"{b} =w {r.choice(CMPS)} {y}, {r.randrange(8)}")
        self.emit(f"jmp {join}")
        self.block(join)
        m = self.tmp()
        self.emit(f"{m} =w phi {head} 0, {rhs} {b}")
        self.emit(f"jnz {m}, {body}, {done}")
        self.block(body)
        dst = r.choice(self.vars[self.nparams:] or self.vars)
        if r.random() < 0.3:
            self.emit(f"{dst} =l add {dst}, {y}")
        outer, self.inloop = self.inloop, True
        if r.random() < 0.3:
            c, more = self.tmp(), self.label("more")
            self.emit(f"{c} =w {r.choice(CMPS)} {self.value()}, {self.value()}")
            self.emit(f"jnz {c}, {done}, {more}")
            self.block(more)
        if r.random() < 0.3:
            c, latch, more = self.tmp(), self.label("next"), self.label("more")
            self.emit(f"{c} =w {r.choice(CMPS)} {self.value()}, {self.value()}")
            self.emit(f"jnz {c}, {latch}, {more}")
            self.block(latch)
            self.emit(f"{i} =l add {i}, 1")
            self.emit(f"jmp {head}")
            self.block(more)
        self.stmt(depth, budget)
        self.inloop = outer
        self.emit(f"{i} =l add {i}, 1")
        self.emit(f"jmp {head}")
        self.block(done)

    def address(self, base: str, words: list[int]) -> str:
        """A fixed address in $mem, of a word read before when there is
        one (so stores hit loads): from the symbol, or from base, a
        pointer to $mem loaded from $pmem (another alias class)."""
        r, a = self.rng, self.tmp()
        w = r.choice(words) if words and r.random() < 0.6 else r.randrange(4)
        words.append(w)
        self.emit(f"{a} =l add {r.choice(('$mem', base))}, {8 * w}")
        return a

    def memloop(self, depth: str, budget: int) -> None:
        """A loop reading memory at loop-invariant addresses (in the
        header, in the body, behind a null check), that may write it
        (a store to the same or another word, through a pointer varying
        with the counter, in a call), may run zero times (then its body
        reads through a null pointer) and may be entered from two
        blocks that give its counter different values."""
        r = self.rng
        i, head, body, done = self.tmp(), self.label("mhead"), self.label("mbody"), self.label("mdone")
        base, null, n, words = self.tmp(), self.tmp(), r.randrange(0, 5), []
        self.emit(f"{base} =l loadl $pmem")
        self.emit(f"{null} =l loadl $pnull")
        acc = self.tmp()
        self.emit(f"{acc} =l copy 0")
        self.emit(f"{i} =l copy 0")
        if r.random() < 0.4:
            c, alt = self.tmp(), self.label("malt")
            self.emit(f"{c} =w {r.choice(CMPS)} {self.value()}, {self.value()}")
            self.emit(f"jnz {c}, {head}, {alt}")
            self.block(alt)
            self.emit(f"{i} =l copy 1")
        self.emit(f"jmp {head}")
        self.block(head)
        dst = self.rng.choice(self.vars[self.nparams:] or self.vars)
        if r.random() < 0.6:
            x = self.tmp()
            self.emit(f"{x} =l loadl {self.address(base, words)}")
            self.emit(f"{acc} =l mul {acc}, 3")
            self.emit(f"{acc} =l add {acc}, {x}")
        c = self.tmp()
        self.emit(f"{c} =w csltl {i}, {n}")
        self.emit(f"jnz {c}, {body}, {done}")
        self.block(body)
        x = self.tmp()
        self.emit(f"{x} =l loadl {null if n == 0 else self.address(base, words)}")
        self.emit(f"{acc} =l mul {acc}, 5")
        self.emit(f"{acc} =l xor {acc}, {x}")
        if r.random() < 0.4:
            yes, join, y = self.label("mld"), self.label("mjoin"), self.tmp()
            self.emit(f"jnz {null}, {yes}, {join}")
            self.block(yes)
            self.emit(f"{y} =l loadl {null}")
            self.emit(f"{acc} =l add {acc}, {y}")
            self.emit(f"jmp {join}")
            self.block(join)
        what = r.random()
        if what < 0.4:
            self.emit(f"storel {self.value()}, {self.address(base, words)}")
        elif what < 0.5:
            k, off, a = self.tmp(), self.tmp(), self.tmp()
            self.emit(f"{k} =l and {i}, 3")
            self.emit(f"{off} =l mul {k}, 8")
            self.emit(f"{a} =l add {base}, {off}")
            self.emit(f"storel {acc}, {a}")
        elif what < 0.6:
            # through a pointer: not inlined, the call stays a call
            f = self.tmp()
            self.emit(f"{f} =l loadl $ppoke")
            self.emit(f"call {f}(l {self.address(base, words)}, l {self.value()})")
        outer, self.inloop = self.inloop, True
        self.stmt(depth, budget)
        self.inloop = outer
        self.emit(f"{i} =l add {i}, 1")
        self.emit(f"jmp {head}")
        self.block(done)
        # what the loads read, into $sink (main prints it) and dst
        s0, s1 = self.tmp(), self.tmp()
        self.emit(f"{s0} =l loadl $sink")
        self.emit(f"{s1} =l mul {s0}, 7")
        self.emit(f"{s1} =l add {s1}, {acc}")
        self.emit(f"storel {s1}, $sink")
        # a counter updated in place: one instruction on memory (fold's rmw)
        t0, t1 = self.tmp(), self.tmp()
        self.emit(f"{t0} =l loadl $tally")
        self.emit(f"{t1} =l sub {t0}, {acc}")
        self.emit(f"storel {t1}, $tally")
        self.emit(f"{dst} =l xor {dst}, {acc}")

    def wedge(self) -> str:
        """A 32-bit start or bound: a constant near an end of the range
        or of 0, or a variable's low 32 bits."""
        r = self.rng
        if r.random() < 0.7:
            return str(r.choice(WEDGES) + r.randrange(-2, 3))
        w = self.tmp()
        self.emit(f"{w} =w copy {self.value()}")
        return w

    def wloop(self, depth: str, budget: int) -> None:
        """A loop on a 32-bit counter as C's `for (int i = ...)` gives it:
        a test of i against a bound, i extended to 64 bits (sign or zero)
        and multiplied in the body, before and after its increment. A
        second counter stops it after a few iterations, whether or not
        i wraps (a `!=` test, a step past the bound)."""
        r = self.rng
        i, g, n = self.tmp(), self.tmp(), self.wedge()
        head, guard, body, done = (self.label(x) for x in ("whead", "wguard", "wbody", "wdone"))
        step = r.choice(WSTEPS)
        signed = r.random() < 0.7
        exts = ("extsw", "extsw", "extuw") if signed else ("extuw", "extuw", "extsw")
        if r.random() < 0.6:
            # C's shape: the test bounds i on the side it moves to
            cmp = (("csltw", "cslew") if step > 0 else ("csgtw", "csgew")) if signed \
                else (("cultw", "culew") if step > 0 else ("cugtw", "cugew"))
            cmp, pair, stay = r.choice(cmp), f"{i}, {n}", True
        else:
            cmp = r.choice(WCMPS)
            pair = f"{i}, {n}" if r.random() < 0.8 else f"{n}, {i}"
            stay = r.random() < 0.8
        self.emit(f"{i} =w copy {self.wedge()}")
        self.emit(f"{g} =l copy 0")
        self.emit(f"jmp {head}")
        self.block(head)
        c = self.tmp()
        self.emit(f"{c} =w {cmp} {pair}")
        self.emit(f"jnz {c}, {guard}, {done}" if stay else f"jnz {c}, {done}, {guard}")
        self.block(guard)
        self.emit(f"{g} =l add {g}, 1")
        cg = self.tmp()
        # at least one trip: a loop that never runs its body (g < 1)
        # folds away once rotation copies this test to the entry
        self.emit(f"{cg} =w csltl {g}, {r.randrange(2, 7)}")
        self.emit(f"jnz {cg}, {body}, {done}")
        self.block(body)
        dst = r.choice(self.vars[self.nparams:] or self.vars)
        for after in (False, True):
            if after:
                if step > 0 or r.random() < 0.5:
                    self.emit(f"{i} =w add {i}, {step}")
                else:
                    self.emit(f"{i} =w sub {i}, {-step}")
            for _ in range(r.randrange(not after, 3)):
                e, m = self.tmp(), self.tmp()
                self.emit(f"{e} =l {r.choice(exts)} {i}")
                k = r.choice(("8", "24", "7919", "-3", self.value()))
                if r.random() < 0.5:
                    # k*i + b: what strength reduction makes a variable
                    p = self.tmp()
                    self.emit(f"{p} =l mul {e}, {k}")
                    self.emit(f"{m} =l add {p}, {self.value()}")
                else:
                    w, w2, x = self.tmp(), self.tmp(), self.tmp()
                    self.emit(f"{w} =w mul {i}, {k}")
                    self.emit(f"{w2} =w sub {w}, {self.value()}")
                    self.emit(f"{x} =l extsw {w2}")
                    self.emit(f"{m} =l add {e}, {x}")
                self.emit(f"{dst} =l add {dst}, {m}")
            if not after and r.random() < 0.5:
                outer, self.inloop = self.inloop, True
                self.stmt(depth, budget)
                self.inloop = outer
        self.emit(f"jmp {head}")
        self.block(done)

    def build(self) -> str:
        r = self.rng
        params = ", ".join(f"l %p{i}" for i in range(self.nparams))
        self.lines = ["@start"]
        stop = self.tmp()
        self.emit(f"{stop} =w cslel %p0, 0")
        self.emit(f"jnz {stop}, @base, @rec")
        self.lines.append("@base")
        self.emit(f"ret {self.expr()}")
        self.block("@rec")
        depth = self.tmp()
        self.emit(f"{depth} =l sub %p0, {r.choice((1, 1, 2, 3))}")
        for k in range(r.randrange(1, 3)):
            v = f"%v{k}"
            self.emit(f"{v} =l copy {self.value()}")
            self.vars.append(v)
        for _ in range(r.randrange(1, 5)):
            self.stmt(depth, 2)
        shape = r.random()
        args = ", ".join(["l " + depth] + [f"l {self.value()}" for _ in range(self.nparams - 1)])
        if shape < 0.35:       # acc OP f(...): tail recursion with an accumulator
            x, t, res = self.expr(), self.tmp(), self.tmp()
            self.emit(f"{t} =l call ${self.name}({args})")
            op = r.choice(ACCOPS)
            pair = f"{x}, {t}" if r.random() < 0.5 else f"{t}, {x}"
            self.emit(f"{res} =l {op} {pair}")
            self.emit(f"ret {res}")
        elif shape < 0.5:      # plain tail call
            t = self.tmp()
            self.emit(f"{t} =l call ${self.name}({args})")
            self.emit(f"ret {t}")
        elif shape < 0.6:      # not accumulable: sub
            t, res = self.tmp(), self.tmp()
            self.emit(f"{t} =l call ${self.name}({args})")
            self.emit(f"{res} =l sub {self.value()}, {t}")
            self.emit(f"ret {res}")
        else:
            self.emit(f"ret {self.expr()}")
        head = f"function l ${self.name}({params}) {{"
        return "\n".join([head, *self.lines, "}"])


# Stack slots of naive code: (size, store, loads that read it back).
SLOTS = ((1, "storeb", ("loadsb", "loadub")), (2, "storeh", ("loadsh", "loaduh")),
         (4, "storew", ("loadsw", "loaduw", "loadw")), (8, "storel", ("loadl",)))


def _helper(rng: random.Random, name: str, callees: list[str]) -> str:
    """A small function of two parameters, without loops or recursion,
    that may call the helpers in callees; naive (stack slots) or not."""
    lines = [f"function l ${name}(l %a, l %b) {{", "@start"]
    naive = rng.random() < 0.6
    vals = ["%a", "%b"]
    n = 0

    def tmp():
        nonlocal n
        n += 1
        return f"%h{n}"

    if naive:
        slots = []
        for k in range(rng.randrange(2, 5)):
            size, store, loads = rng.choice(SLOTS)
            slot = tmp()
            lines.append(f"	{slot} =l alloc{max(4, size)} {size}")
            slots.append((slot, size, store, loads))
        lines.append("@body")
        for slot, size, store, loads in slots:
            lines.append(f"	{store} {rng.choice(vals + ['5', '-3'])}, {slot}")

        def use():
            """A value read back from a slot and extended to 64 bits."""
            slot, size, store, loads = rng.choice(slots)
            ld, t = rng.choice(loads), tmp()
            if size == 8:
                lines.append(f"	{t} =l loadl {slot}")
                return t
            lines.append(f"	{t} =w {ld} {slot}")
            if size < 4 and rng.random() < 0.7:
                # a C char or short converted again, as clang -O0 does
                e = tmp()
                lines.append(f"	{e} =w {rng.choice(('extsb', 'extub', 'extsh', 'extuh'))} {t}")
                t = e
            x = tmp()
            lines.append(f"	{x} =l {rng.choice(('extsw', 'extuw'))} {t}")
            return x
    else:
        lines.append("@body")

        def use():
            return rng.choice(vals)
    plain = use

    def use():
        """Sometimes an element of $tab (memory, not a slot: promotion
        leaves it a load) loaded narrow and extended."""
        if rng.random() > 0.3:
            return plain()
        size, _, loads = rng.choice(SLOTS[:3])
        i, off, addr, t = tmp(), tmp(), tmp(), tmp()
        lines.append(f"\t{i} =l and {plain()}, 7")
        lines.append(f"\t{off} =l mul {i}, {size}")
        lines.append(f"\t{addr} =l add $tab, {off}")
        lines.append(f"\t{t} =w {rng.choice(loads)} {addr}")
        e, x = tmp(), tmp()
        lines.append(f"\t{e} =w {rng.choice(('extsb', 'extub', 'extsh', 'extuh', 'copy'))} {t}")
        lines.append(f"\t{x} =l {rng.choice(('extsw', 'extuw'))} {e}")
        return x
    for _ in range(rng.randrange(1, 5)):
        t = tmp()
        if callees and rng.random() < 0.3:
            lines.append(f"	{t} =l call ${rng.choice(callees)}(l {use()}, l {use()})")
        else:
            lines.append(f"	{t} =l {rng.choice(BINOPS)} {use()}, {use()}")
        if naive:
            slot, size, store, loads = rng.choice(slots)
            lines.append(f"	{store} {t}, {slot}")
        vals.append(t)
    lines.append(f"	ret {use() if naive else vals[-1]}")
    lines.append("}")
    return "\n".join(lines)


def generate(seed: int) -> str:
    """The text of random program number seed."""
    rng = random.Random(seed)
    nfn = rng.randrange(1, 5)
    arity = [rng.randrange(1, 4) for _ in range(nfn)]
    names = [f"f{i}" for i in range(nfn)]
    helpers = [f"h{i}" for i in range(rng.randrange(0, 4))]
    out = [f"# random program {seed} (tests/il_gen.py)",
           'data $fmt = { b "%ld\\n", b 0 }',
           "data $tab = { " + ", ".join(f"b {rng.randrange(256)}" for _ in range(32)) + " }",
           # memory the loops of _Fn.memloop read and write
           "data $mem = { " + ", ".join(f"l {rng.randrange(-99, 99)}" for _ in range(4)) + " }",
           "data $pmem = { l $mem }", "data $pnull = { l 0 }", "data $ppoke = { l $poke }",
           "data $sink = { l 0 }", "data $tally = { l 0 }",
           "function $poke(l %a, l %v) {\n@start\n\tstorel %v, %a\n\tret\n}"]
    for i, h in enumerate(helpers):
        # a helper calls later helpers only: nested calls, no cycle
        out.append(_helper(rng, h, [g for g in helpers[i + 1:] if rng.random() < 0.5]))
    for i in range(nfn):
        # earlier and later functions: inlining must see both
        others = [(names[j], arity[j]) for j in range(nfn) if j != i and rng.random() < 0.5]
        out.append(_Fn(rng, names[i], arity[i], others, helpers).build())
    main = ["export function w $main() {", "@start"]
    for k in range(rng.randrange(2, 6)):
        i = rng.randrange(nfn)
        args = [f"l {rng.randrange(0, 8)}"] + [f"l {rng.randrange(-50, 50)}" for _ in range(arity[i] - 1)]
        main.append(f"\t%r{k} =l call ${names[i]}({', '.join(args)})")
        main.append(f"\tcall $printf(l $fmt, ..., l %r{k})")
    main += ["\t%sink =l loadl $sink", "\tcall $printf(l $fmt, ..., l %sink)",
             "\t%tally =l loadl $tally", "\tcall $printf(l $fmt, ..., l %tally)", "\tret 0", "}"]
    out.append("\n".join(main))
    return "\n\n".join(out) + "\n"


if __name__ == "__main__":
    import sys
    print(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0), end="")
