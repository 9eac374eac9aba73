"""Recipe loading and validation: every kind of mistake is one clear line."""

import dataclasses
import subprocess
import sys
import textwrap
import tomllib

import pytest

from jitboot import ROOT
from jitboot.errors import JitbootError
from jitboot import recipe
from jitboot.recipe import MIB, load_recipe, parse_size


@pytest.fixture
def root(tmp_path):
    """A fake project root with two kernel tests and one JIT test."""
    (tmp_path / "kernel_lib").mkdir()
    (tmp_path / "jit" / "kernel").mkdir(parents=True)
    (tmp_path / "images").mkdir()
    (tmp_path / "kernel_lib" / "t.c").write_text("KTEST(aot_fib)\n{\n}\nKTEST(heap) {}\n")
    (tmp_path / "jit" / "kernel" / "ktest_jit.c").write_text("KTEST(jit_fib) {}\n")
    return tmp_path


def write(root, text, name="img"):
    path = root / "images" / f"{name}.toml"
    path.write_text(textwrap.dedent(text))
    return path


def error_of(root, text):
    path = write(root, text)
    with pytest.raises(JitbootError) as info:
        load_recipe(path, root)
    message = str(info.value)
    assert "\n" not in message, "recipe errors are one line"
    return message


def test_defaults(root):
    r = load_recipe(write(root, "[run]\ntests = ['aot_fib']\n"), root)
    assert r.name == "img"
    assert r.load_address == 0x100000 and r.stack_size == 64 * 1024
    assert r.jit and r.accel == "auto" and r.budget_image == 5 * MIB
    ctx = r.context()
    assert ctx["tests"] == ["aot_fib"] and ctx["payload_timeout_ms"] == 5000
    assert ctx["features"]["jit"] is True


def test_lookup_by_name(root):
    write(root, "[run]\ntests = ['heap']\n", name="small")
    assert load_recipe("small", root).tests == ("heap",)


def test_missing_recipe_lists_known(root):
    write(root, "[run]\ntests = ['heap']\n", name="small")
    with pytest.raises(JitbootError, match=r"no such recipe.*small"):
        load_recipe("nope", root)


@pytest.mark.parametrize("value,expected", [
    (4096, 4096), ("4K", 4096), ("4 KiB", 4096), ("16M", 16 * MIB), ("1G", 1 << 30),
    ("64kb", 65536), ("5MB", 5 * MIB), ("5 mib", 5 * MIB), ("1.5K", 1536), ("0x1000", 4096),
    ("100B", 100), ("0.5G", 512 * MIB)])
def test_parse_size(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize("value", ["4X", "-1", True, 1.5, "", "K", "1.5", "100iB", "5 MBB"])
def test_parse_size_rejects(value):
    with pytest.raises(ValueError):
        parse_size(value)


def test_unknown_key_names_file_line_and_key(root):
    msg = error_of(root, """\
        [layout]
        stack_size = "64K"
        stak_size = "64K"
        """)
    assert msg.startswith("images/img.toml:3: [layout] stak_size: unknown key") or \
        "img.toml:3: [layout] stak_size: unknown key" in msg


def test_unknown_section(root):
    msg = error_of(root, "[qemuu]\nmemory = '1G'\n")
    assert "img.toml:1" in msg and "[qemuu]" in msg and "unknown section" in msg


def test_top_level_key_suggests_section(root):
    msg = error_of(root, "stack_size = '64K'\n")
    assert "unknown key" in msg and "did you mean [layout] stack_size" in msg


def test_wrong_type(root):
    msg = error_of(root, "[features]\njit = 'yes'\n")
    assert "img.toml:2: [features] jit: expected true or false, got 'yes'" in msg


def test_wrong_size(root):
    msg = error_of(root, "[layout]\nheap_size = 'lots'\n")
    assert "[layout] heap_size" in msg and "expected a size" in msg


def test_stack_larger_than_memory(root):
    msg = error_of(root, "[layout]\nstack_size = '512M'\n[qemu]\nmemory = '256M'\n")
    assert "[layout] stack_size" in msg and "larger than memory" in msg


def test_overlapping_regions(root):
    msg = error_of(root, """\
        [layout]
        heap_address = 0x1000000
        heap_size = "64M"
        jit_arena_address = 0x2000000
        """)
    assert "overlaps" in msg and "heap" in msg and "jit_arena" in msg


def test_heap_overlapping_kernel(root):
    msg = error_of(root, "[layout]\nheap_address = 0x200000\n")
    assert "kernel" in msg and "overlaps" in msg


def test_region_beyond_memory(root):
    msg = error_of(root, "[qemu]\nmemory = '64M'\n")
    assert "ends beyond" in msg and "64M" in msg


def test_misaligned_address(root):
    msg = error_of(root, "[layout]\nheap_address = 0x1000001\n")
    assert "4 KiB aligned" in msg


def test_load_address_below_1mib(root):
    msg = error_of(root, "[layout]\nload_address = 0x8000\n")
    assert "below 1 MiB" in msg


@pytest.mark.parametrize("key", ["heap_address", "jit_arena_address"])
def test_region_below_1mib(root, key):
    # page 0 is unmapped in the kernel: a heap there faulted at boot
    msg = error_of(root, f"[layout]\n{key} = 0\nheap_size = '64K'\njit_arena_size = '64K'\n")
    assert f"img.toml:2: [layout] {key}: 0x0 is below 1 MiB" in msg


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-3"])
def test_timeout_must_be_finite_and_positive(root, value):
    msg = error_of(root, f"[qemu]\ntimeout = {value}\n")
    assert "img.toml:2: [qemu] timeout: expected a positive number of seconds" in msg


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-0.5", "'5'", "true"])
def test_payload_timeout_must_be_finite_and_positive(root, value):
    msg = error_of(root, f"[run]\ntests = ['heap']\npayload_timeout = {value}\n")
    assert "img.toml:3: [run] payload_timeout: expected a positive number of seconds" in msg


def test_payload_timeout_has_an_upper_bound(root):
    msg = error_of(root, "[run]\npayload_timeout = 1e9\ntests = ['heap']\n")
    assert "img.toml:2: [run] payload_timeout: at most 86400 seconds" in msg


@pytest.mark.parametrize("value, ms", [("0.5", 500), ("2", 2000), ("0.0001", 1), ("1.0005", 1001)])
def test_payload_timeout_reaches_the_kernel_in_ms(root, value, ms):
    r = load_recipe(write(root, f"[run]\ntests = ['heap']\npayload_timeout = {value}\n"), root)
    assert r.context()["payload_timeout_ms"] == ms


def test_payload_timeout_default(root):
    r = load_recipe(write(root, "[run]\ntests = ['heap']\n"), root)
    assert r.payload_timeout == 5.0 and r.context()["payload_timeout_ms"] == 5000


def test_unknown_test(root):
    msg = error_of(root, "[run]\ntests = ['nosuch']\n")
    assert "unknown test 'nosuch'" in msg and "aot_fib" in msg


def test_jit_test_without_jit(root):
    msg = error_of(root, "[features]\njit = false\n[run]\ntests = ['jit_fib']\n")
    assert "needs the JIT" in msg


def test_missing_payload(root):
    msg = error_of(root, "[run]\npayloads = ['nope.ssa']\n")
    assert "payload 'nope.ssa' not found" in msg


def test_bad_accel(root):
    msg = error_of(root, "[qemu]\naccel = 'hvf'\n")
    assert "[qemu] accel" in msg and "auto, kvm, tcg" in msg


def test_invalid_toml(root):
    msg = error_of(root, "[layout\n")
    assert "img.toml:1: invalid TOML" in msg


def test_repo_recipes_are_valid():
    for path in sorted((ROOT / "images").glob("*.toml")) + \
            sorted((ROOT / "tests" / "images").glob("*.toml")):
        load_recipe(path)


def test_doit_reports_bad_recipe_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[layout]\nstack_size = true\n")
    proc = subprocess.run([sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"),
                           "-d", str(ROOT), "list", f"image={bad}"],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "bad.toml:2: [layout] stack_size" in proc.stderr


def test_section_given_as_a_value(root):
    msg = error_of(root, "layout = 3\n")
    assert "img.toml:1: layout: must be a table" in msg


@pytest.mark.parametrize("table, problem", [
    ('{ qbee = "300K" }', "unknown component 'qbee' (known: asm_loader, bench, boot,"),
    ('{ qbe = "300Q" }', "qbe: expected a size like 64K or an integer, got '300Q'"),
])
def test_budget_components_checked_before_building(root, table, problem):
    msg = error_of(root, f"[budget]\nimage = \"5M\"\ncomponents = {table}\n")
    assert "img.toml:3: [budget] components: " in msg and problem in msg, msg


def test_one_declaration_per_key():
    """Recipe's fields, SCHEMA and the template context all come from KEYS."""
    fields = [f.name for f in dataclasses.fields(recipe.Recipe)]
    assert fields == ["name", "path"] + [k.field for k in recipe.KEYS]
    assert [(s, k) for s, keys in recipe.SCHEMA.items() for k in keys] == \
        [(k.section, k.name) for k in recipe.KEYS]
    ctx = recipe.default_recipe("x").context()
    for k in recipe.KEYS:
        if k.context:
            value = ctx
            for part in k.context.split("."):
                value = value[part]
    assert recipe.DEFAULT_QBE_NINS == recipe.KEY["features", "qbe_nins"].default


def test_every_default_passes_its_own_check():
    for k in recipe.KEYS:
        assert k.check is None or k.check(k.default) is None, k.label


def test_readme_table_and_default_toml_follow_the_schema():
    stale = recipe.stale_documents(ROOT)
    assert not stale, f"{', '.join(stale)} disagree with KEYS in jitboot/recipe.py: " \
        f"run `{recipe.REGENERATE}`"


def test_default_toml_sets_every_key():
    data = tomllib.loads((ROOT / recipe.DEFAULT_TOML).read_text())
    for k in recipe.KEYS:
        table = data if not k.section else data[k.section]
        assert k.name in table, k.label
    assert load_recipe("default").qbe_nins == recipe.DEFAULT_QBE_NINS


def test_stale_readme_table_is_found(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / recipe.DEFAULT_TOML).write_text(recipe.default_toml())
    readme = (ROOT / recipe.README).read_text().replace("`\"8M\"`", "`\"9M\"`", 1)
    (tmp_path / recipe.README).write_text(readme)
    assert recipe.stale_documents(tmp_path) == ["README.md (recipe table)"]
    assert recipe.write_documents(tmp_path) == ["README.md"]
    assert recipe.stale_documents(tmp_path) == []


def test_two_payloads_with_one_name(root):
    for d in ("a", "b"):
        (root / d).mkdir()
        (root / d / "x.ssa").write_text("")
    msg = error_of(root, "[run]\npayloads = ['a/x.ssa', 'b/x.ssa']\n")
    assert msg.startswith("images/img.toml:2: [run] payloads: two payloads are named 'x.ssa'") \
        or "img.toml:2: [run] payloads: two payloads are named 'x.ssa'" in msg, msg
    assert "the kernel tells modules apart by file name" in msg


def test_payload_file_name_characters(root):
    (root / "a b.ssa").write_text("")
    msg = error_of(root, "[run]\npayloads = ['a b.ssa']\n")
    assert "img.toml:2: [run] payloads: payload file name 'a b.ssa' must use only" in msg


def test_jit_run_checks_payloads_as_recipes_do(tmp_path, monkeypatch):
    """`doit jit-run il=...` goes through check_payloads: the same problems,
    the same words, before anything boots."""
    from types import SimpleNamespace

    from jitboot import runner
    # what run_payloads reads of a built image: where C payloads are translated to
    image = SimpleNamespace(dir=tmp_path / "image", recipe=recipe.default_recipe())
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.ssa").write_text("")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(JitbootError) as info:
        runner.run_payloads(image, ["a/x.ssa", "b/x.ssa"])
    assert str(info.value).startswith("two payloads are named 'x.ssa' (")
    with pytest.raises(JitbootError) as info:
        recipe.check_payloads(["a/x.ssa", "b/x.ssa"], tmp_path)
    assert str(info.value).startswith("two payloads are named 'x.ssa' (")
    with pytest.raises(JitbootError, match=r"^payload 'nope.ssa' not found \(looked at "):
        runner.run_payloads(image, ["nope.ssa"])


@pytest.mark.parametrize("stem", ['a"b', "..", ".hidden", "sp ace"])
def test_recipe_file_name_must_be_a_plain_name(tmp_path, stem):
    """`a"b.toml` broke gen/config.h with a C error; `...toml` (stem `..`)
    wrote the image's products straight into build/."""
    path = tmp_path / f"{stem}.toml"
    path.write_text("[run]\n")
    with pytest.raises(JitbootError) as e:
        load_recipe(path)
    assert str(e.value) == (f"{path}: recipe name {stem!r} must be letters, digits and _ . + - "
                            f"and not start with '.' (it names the image's directory, "
                            f"build/images/NAME, and goes into C headers)")


@pytest.mark.parametrize("typed", ["default", "default.toml", "images/default",
                                   "images/default.toml"])
def test_what_a_user_types_finds_the_recipe(typed):
    assert load_recipe(typed).path == ROOT / "images" / "default.toml"


def test_a_size_beyond_memory_names_the_size_and_its_line(root):
    """`heap_size = "1024G"` used to name heap_address, with no line."""
    msg = error_of(root, '[layout]\nheap_size = "1024G"\n')
    assert msg == (f"{root / 'images' / 'img.toml'}:2: [layout] heap_size: heap [0x1000000, "
                   f"0x10001000000) ends beyond the 256M of memory ([qemu] memory)")
    # an address that pushes a region out is still the address's fault
    msg = error_of(root, '[layout]\nheap_address = 0xfa00000\n')
    assert ":2: [layout] heap_address: heap [0xfa00000, " in msg


def test_boot_medium_twice(root):
    assert error_of(root, '[qemu]\nboot = ["kernel", "kernel"]\n').endswith(
        ":2: [qemu] boot: boot medium 'kernel' is listed twice")


def test_payload_that_is_a_directory(root):
    (root / "dir.ssa").mkdir()
    assert error_of(root, '[run]\npayloads = ["dir.ssa"]\n').endswith(
        f":2: [run] payloads: payload 'dir.ssa' is a directory, not a file ({root / 'dir.ssa'})")


def test_more_payloads_than_the_kernel_takes(root):
    """65 modules used to pass the build and panic the kernel at boot."""
    for n in range(65):
        (root / f"p{n}.ssa").write_text("export function w $main() {\n@s\n\tret 0\n}\n")
    names = ", ".join(f'"p{n}.ssa"' for n in range(65))
    assert error_of(root, f"[run]\npayloads = [{names}]\n").endswith(
        ":2: [run] payloads: 65 payloads: the kernel takes at most 64 (multiboot modules)")
