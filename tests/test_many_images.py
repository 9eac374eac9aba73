"""`doit qemu-test image=A,B` and image=all (jitboot/multirun.py): one
doit sub-task per image, run two at a time with `doit -n 2` against real
QEMU, each with its own logs, one combined summary and one exit code."""

import re
import shutil

import pytest

from conftest import doit
from jitboot import ROOT, multirun
from jitboot.errors import JitbootError

FAILING = "tests/images/fail_example.toml"      # one test, fails at once


def table(out: str) -> list[list[str]]:
    """The combined summary's rows: [image, medium, result, tests, ...]."""
    head = out.index("== qemu-test: 2 images ==")
    rows = []
    for ln in out[head:].splitlines()[2:]:
        if not ln.startswith("  "):
            break
        rows.append(re.split(r"\s{2,}", ln.strip()))
    return rows


def test_two_images_in_parallel_one_failing(image_builder):
    image_builder("nojit")
    image_builder(FAILING)
    p = doit(ROOT, "-n", "2", "qemu-test", f"image=nojit,{FAILING}", check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    assert "Traceback" not in out, out
    # each image's own summary, live, under its name
    assert len(re.findall(r"^nojit        \| PASS: 4/4 tests ok \(tcg", out, re.M)) == 2, out
    assert re.search(r"^fail_example \| FAIL \(test failure\): 0/1 tests ok; first failure:"
                     r" fail_example", out, re.M), out
    assert re.search(r"^fail_example \| \[1/1\] fail_example FAIL ", out, re.M), out
    # then one table of every boot, and one verdict
    rows = table(out)
    assert [r[:4] for r in rows] == [["nojit", "kernel", "pass", "4/4"],
                                     ["nojit", "iso", "pass", "4/4"],
                                     ["fail_example", "kernel", "test failure", "0/1"]], out
    assert "FAIL: 1 of 2 images failed: fail_example" in out
    errors = [ln for ln in out.splitlines() if ln.startswith("error:")]
    assert errors == ["error: 1 of 2 images failed in QEMU: fail_example: kernel: test failure:"
                      " 0/1 tests ok; first failure: fail_example (a check that fails: on purpose)"], out
    # each boot kept its logs where a single run keeps them
    for name, medium, *_, logs in rows:
        run = ROOT / logs
        assert run.parent == ROOT / "build" / "images" / name / "logs" / medium, logs
        assert (run / "serial.log").read_bytes().startswith(b"KTAP version 1\n")
        assert (run / "junit.xml").is_file()
    # and each image's console output is in this run's directory
    run_dir = ROOT / re.search(r"console output of each image: (\S+)/NAME\.out", out).group(1)
    assert "PASS: 4/4 tests ok" in (run_dir / "nojit.out").read_text()
    assert "FAIL (test failure)" in (run_dir / "fail_example.out").read_text()
    assert "FAIL: 1 of 2 images failed" in (run_dir / "summary.txt").read_text()


def test_two_images_in_parallel_passing(image_builder):
    image_builder("nojit")
    image_builder("default")
    p = doit(ROOT, "-n", "2", "qemu-test", "image=nojit,default", check=False)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert [r[:3] for r in table(out)] == [["nojit", "kernel", "pass"], ["nojit", "iso", "pass"],
                                           ["default", "kernel", "pass"],
                                           ["default", "iso", "pass"]], out
    assert "PASS: 2 images, 4 boots" in out
    assert len(re.findall(r"^default \| \[4/4\] jit_fib ok 9/9 \(", out, re.M)) == 2, out


def test_all_is_every_recipe_in_images():
    want = sorted(p.stem for p in (ROOT / "images").glob("*.toml"))
    assert [r.name for r in multirun.recipes("all", ROOT)] == want
    # a name given again, or as its path, runs once
    assert [r.name for r in multirun.recipes("default,all,images/default.toml", ROOT)] == \
        ["default"] + [n for n in want if n != "default"]
    listed = doit(ROOT, "list", "--all", "image=all").stdout
    subtasks = re.findall(r"^qemu-test:(\S+)", listed, re.M)
    assert subtasks == want + [multirun.SUMMARY], listed


def test_bad_image_lists(tmp_path):
    with pytest.raises(JitbootError, match=r"^image=default,,demo: an empty name between commas$"):
        multirun.recipes("default,,demo", ROOT)
    other = tmp_path / "default.toml"
    shutil.copy(ROOT / "images" / "default.toml", other)
    with pytest.raises(JitbootError, match=r"two recipes named 'default' \(images/default.toml"
                                           rf" and {re.escape(str(other))}\) would share"):
        multirun.recipes(f"default,{other}", ROOT)
    # through doit: one line, no traceback
    for args, msg in [
            (("qemu-test", "image=default,nosuch"),
             "error: images/nosuch.toml: no such recipe (images available: "),
            (("image", "image=default,demo"),
             "error: image=default,demo: several images are for `doit qemu-test` only"),
            (("image=all",), "error: image=all: several images are for `doit qemu-test` only")]:
        p = doit(ROOT, *args, check=False)
        assert p.returncode != 0
        assert p.stderr.startswith(msg) and p.stderr.count("\n") == 1, p.stderr
        assert "Traceback" not in p.stdout + p.stderr
