"""C and LLVM IR payloads in the kernel: `doit jit-run src=...`, recipe
payloads translated by doit tasks, joined sources, bad C, and the C corpus
(tests/c) JIT-compiled in the kernel at -O0 and -O2, one boot per level."""

import re

import pytest

from conftest import copy_project, doit
from jitboot import ROOT, payloads, protocol, qemu
from jitboot.recipe import check_payloads

C = ROOT / "tests" / "c"
CORPUS = sorted(C.glob("*.c"))

HELLO = '#include <stdio.h>\nint main(void)\n{\n\tprintf("hello from C %d\\n", 6 * 7);\n\treturn 0;\n}\n'
MAIN = ('#include <stdio.h>\nint twice(int);\nextern const char *greeting;\n'
        'int main(void)\n{\n\tprintf("%s %d\\n", greeting, twice(21));\n\treturn 0;\n}\n')
LIB = 'const char *greeting = "linked";\nint twice(int x)\n{\n\treturn 2 * x;\n}\n'


def executed(out: str) -> list[str]:
    return re.findall(r"^\.  (\S+)", out, re.M)


def jit_run(root, *args):
    return doit(root, "jit-run", *args, check=False)


def test_jit_run_src_runs_c_and_joined_sources(image_builder, tmp_path):
    image_builder("default")
    (tmp_path / "hello.c").write_text(HELLO)
    (tmp_path / "main.c").write_text(MAIN)
    (tmp_path / "lib.c").write_text(LIB)
    p = jit_run(ROOT, f"src={tmp_path / 'hello.c'},{tmp_path / 'main.c'}+{tmp_path / 'lib.c'}",
                "opt=O2")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "--- output of payload:hello.c.ssa ---\nhello from C 42\n" in p.stdout
    assert "--- output of payload:main.c+lib.c.ssa ---\nlinked 42\n" in p.stdout


def test_bad_c_is_one_line_naming_file_and_line(image_builder, tmp_path):
    image_builder("default")
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void)\n{\n\treturn nosuch;\n}\n")
    p = jit_run(ROOT, f"src={bad}")
    assert p.returncode != 0
    assert "Traceback" not in p.stdout + p.stderr
    errors = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.startswith("error:")]
    assert errors == [f"error: {bad}:3:9: error: use of undeclared identifier 'nosuch'"]
    unexported = tmp_path / "calls.c"
    unexported.write_text("int kernel_secret(void);\nint main(void)\n{\n"
                          "\treturn kernel_secret();\n}\n")
    p = jit_run(ROOT, f"src={unexported}")
    assert p.returncode != 0 and "kernel_secret" in p.stdout + p.stderr
    assert "Traceback" not in p.stdout + p.stderr


def test_payload_specs_are_checked(tmp_path):
    (tmp_path / "a.c").write_text(HELLO)
    (tmp_path / "b.ssa").write_text("")
    got = check_payloads(["a.c@O2", "b.ssa"], tmp_path, il_dir=tmp_path / "il")
    assert [(p.name, p.opt, p.path) for p in got] == [
        ("a.c.ssa", "-O2", tmp_path / "il" / "a.c.ssa"), ("b.ssa", "", tmp_path / "b.ssa")]
    for spec, problem in (("a.c@O3", "@O3 is not one of O0, O2"),
                          ("a.c+b.ssa", "C and LLVM IR files join with each other"),
                          ("b.ssa+b.ssa", "only C and LLVM IR files can be joined"),
                          ("nope.c", "payload 'nope.c' not found")):
        with pytest.raises(Exception, match=re.escape(problem)):
            check_payloads([spec], tmp_path, il_dir=tmp_path / "il")


def test_recipe_c_payloads_are_translated_by_doit(tmp_path):
    root = copy_project(tmp_path / "jitboot")
    (root / "progs").mkdir()
    (root / "progs" / "hello.c").write_text(HELLO)
    (root / "progs" / "main.c").write_text(MAIN)
    (root / "progs" / "lib.c").write_text(LIB)
    (root / "images" / "cprog.toml").write_text(
        '[run]\ntests = ["aot_fib"]\npayloads = ["progs/hello.c", "progs/main.c+progs/lib.c@O2",'
        ' "tests/il/hello.ssa"]\n[qemu]\nboot = ["kernel", "iso"]\n')
    ran = executed(doit(root, "image", "image=cprog").stdout)
    assert {"translate:hello.c.ssa", "translate:main.c+lib.c.ssa"} <= set(ran)
    p = doit(root, "qemu-test", "image=cprog", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    # ELF and ISO boots: a progress line and a summary row each
    assert len(re.findall(r"^\[3/4\] payload:main\.c\+lib\.c\.ssa ok ", p.stdout, re.M)) == 2
    assert len(re.findall(r"^\s+3  payload:main\.c\+lib\.c\.ssa\s+ok ", p.stdout, re.M)) == 2
    assert executed(doit(root, "image", "image=cprog").stdout) == []
    # an edit re-translates that payload only
    lib = root / "progs" / "lib.c"
    lib.write_text(lib.read_text().replace('"linked"', '"relinked"'))
    ran = executed(doit(root, "image", "image=cprog").stdout)
    assert [t for t in ran if t.startswith("translate:")] == ["translate:main.c+lib.c.ssa"]
    il = root / "build" / "images" / "cprog" / "payloads" / "main.c+lib.c.ssa"
    assert "relinked" in il.read_text()


@pytest.fixture(scope="module")
def corpus_boots(image_builder, tmp_path_factory):
    """The C corpus translated at each level and booted, one boot per level."""
    image = image_builder("default")
    runs = {}
    for level in ("-O0", "-O2"):
        d = tmp_path_factory.mktemp(f"c{level}")
        mods = []
        for c in CORPUS:
            il = d / f"{c.stem}{level}.ssa"
            il.write_text(payloads.translate([c], level))
            mods.append(il)
        runs[level] = qemu.run_image(kernel=image.elf32, modules=mods,
                                     memory=image.recipe.memory, accel="tcg", timeout=300,
                                     log_dir=d / "logs")
    return runs


@pytest.mark.parametrize("level", ["-O0", "-O2"])
def test_c_corpus_in_kernel(corpus_boots, level):
    run = corpus_boots[level]
    results = protocol.payload_results(run.ktap.tests)
    wrong = []
    for c in CORPUS:
        test = results.get(f"{c.stem}{level}.ssa")
        # byte for byte: the framing keeps trailing blanks and every byte
        if test is None or test.status.name != "OK" or \
                test.output().data != c.with_suffix(".out").read_bytes():
            wrong.append(c.stem)
    assert wrong == [], f"{len(wrong)} of {len(CORPUS)} differ in the kernel: {wrong}"
    assert run.outcome == qemu.Outcome.PASS, run.reason


EXITS = ('#include <stdio.h>\n#include <stdlib.h>\nstatic void deep(int n)\n{\n'
         '\tif (n == 0) {\n\t\tprintf("leaving\\n");\n\t\texit(0);\n\t}\n\tdeep(n - 1);\n}\n'
         'int main(void)\n{\n\tdeep(50);\n\tprintf("not reached\\n");\n\treturn 1;\n}\n')


def test_exit_ends_the_payload_like_a_return(image_builder, tmp_path):
    image_builder("default")
    (tmp_path / "exits.c").write_text(EXITS)
    (tmp_path / "three.c").write_text("#include <stdlib.h>\nint main(void)\n{\n\texit(3);\n}\n")
    (tmp_path / "hello.c").write_text(HELLO)
    p = jit_run(ROOT, "src=" + ",".join(str(tmp_path / f) for f in ("exits.c", "three.c",
                                                                    "hello.c")))
    assert p.returncode != 0                        # three.c's status is a failure
    assert "--- output of payload:exits.c.ssa ---\nleaving\n" in p.stdout
    assert "not reached" not in p.stdout
    assert "payload:three.c.ssa (main returned 0: got 3)" in p.stdout
    assert "--- output of payload:hello.c.ssa ---\nhello from C 42\n" in p.stdout   # kernel went on
