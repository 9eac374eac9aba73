"""pytest plugin: image recipes as test items, one per KTAP test.

    pytest --jitboot-images=nojit,demo           # or =all: every images/*.toml
    pytest --jitboot-images=all -k 'jit_ and not iso' --junitxml=out.xml
    pytest --jitboot-images=all -n 4             # pytest-xdist: boots spread over 4 workers

The package registers it through the `pytest11` entry point, and it does
nothing unless --jitboot-images is given.  Then each selected recipe is
collected as a file, each medium of its [qemu] boot list as a collector
below it, and each test of its [run] tests (KTEST names, checked against
the sources by the recipe loader) and payload of its [run] payloads
(`payload:NAME`, the kernel's KTAP name for it) as an item:

    images/nojit.toml::kernel::aot_fib
    images/demo.toml::iso::payload:hello.ssa

So item names are known without building or booting anything, and
pytest's own -k, --junitxml, --lf, -x ... apply to them.  The first item of
a (recipe, medium) that runs builds the image (jitboot.build.build_image:
the doit tasks, under the build directory's lock) and boots it once
(jitboot.runner.boot, the same run `doit qemu-test` makes); every item of
that boot then reports its own KTAP test: passed, skipped (KTAP SKIP), or
failed with the kernel's lines for it, the run's outcome and the serial
log.  A test the boot never reported (a panic or hang before it) fails
saying so.  A build that fails is an error of every item of the image.

Builds and boots are cached per process.  Under pytest-xdist (-n N or
--tx) with no --dist given, the plugin distributes by scope (--dist
loadscope): an item's scope is its (recipe, medium) collector, so each boot
happens once, on one worker, and a worker builds only the images it boots.
The items also carry xdist_group("IMAGE.MEDIUM") for --dist loadgroup, but
that mode does not group anything under pytest 9.2 with xdist 3.8 (xdist
still renames node ids the old way, pytest-xdist#1386).  With --dist load
or loadgroup a boot's items may go to several workers; each of those then
builds and boots the image once (the build directory's lock makes workers
sharing one build directory build an image one at a time).

Without --jitboot-images on the command line's test paths, only the
recipes are collected (not the ini file's testpaths); with paths, the
recipes come in addition.  The jitboot_boot fixture gives a test of one's
own the same cached run: jitboot_boot("demo", "kernel") -> RunResult.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Generator, Iterator

import pytest

from . import ROOT, ktap, paths, protocol
from .errors import JitbootError
from .recipe import KTEST_DEF, Recipe, available_tests, load_recipe

if TYPE_CHECKING:       # imported when first used: pytest loads this module in every run
    from .build import Image
    from .qemu import RunResult

OPTION = "--jitboot-images"
PLUGIN_NAME = "jitboot-images"
# Lines of the kernel's own output shown with a failure, at most.
MAX_BLOCK_LINES = 60


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jitboot", "jitboot image recipes as tests")
    group.addoption(OPTION, dest="jitboot_images", default=None, metavar="NAME[,NAME]|all",
                    help="collect these image recipes (names under images/, paths to .toml "
                         "files, or all) as tests: one item per KTAP test and payload, one "
                         "boot per image and medium")


def _requested(config: pytest.Config) -> str | None:
    value: str | None = config.getoption("jitboot_images", None)
    return value


def select_recipes(value: str, root: Path = ROOT) -> list[Recipe]:
    """The recipes --jitboot-images names, in order, each once."""
    words = [w for w in re.split(r"[,\s]+", value) if w]
    if not words:
        raise pytest.UsageError(f"{OPTION}: no image given (NAME[,NAME], a .toml path, or all)")
    names: list[str] = []
    for w in words:
        if w == "all":
            names += sorted(str(p) for p in (root / "images").glob("*.toml"))
        else:
            names.append(w)
    recipes: dict[Path, Recipe] = {}
    for name in names:
        try:
            r = load_recipe(name, root)
        except JitbootError as e:
            raise pytest.UsageError(f"{OPTION}={name}: {e}") from None
        recipes.setdefault(r.path.resolve(), r)
    by_name: dict[str, Path] = {}
    for path, r in recipes.items():
        if r.name in by_name:
            # both would build into build/images/NAME
            raise pytest.UsageError(f"{OPTION}: two recipes are named {r.name!r} "
                                    f"({by_name[r.name]} and {path}): rename one")
        by_name[r.name] = path
    return list(recipes.values())


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    # Runs before pytest-xdist turns -n N into --dist load: when the user
    # chose no distribution mode, one boot's items go to one worker.
    if (_requested(config) is not None and not hasattr(config, "workerinput")
            and config.getoption("dist", None) == "no"
            and (config.getoption("numprocesses", None) or config.getoption("tx", None))):
        config.option.dist = "loadscope"
    return (yield)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "jitboot(image, medium): an item of a jitboot image "
                                       "recipe (--jitboot-images)")
    boots = Boots()
    value = _requested(config)
    if value is not None:
        boots.recipes = {r.path.resolve(): r for r in select_recipes(value)}
        files = [str(p) for p in boots.recipes]
        if config.args_source == pytest.Config.ArgsSource.ARGS:
            config.args += [f for f in files if f not in config.args]
        else:           # not the ini file's testpaths or the current directory
            config.args, config.args_source = files, pytest.Config.ArgsSource.ARGS
    config.pluginmanager.register(boots, PLUGIN_NAME)


def _boots(config: pytest.Config) -> Boots:
    boots = config.pluginmanager.get_plugin(PLUGIN_NAME)
    assert isinstance(boots, Boots)
    return boots


@dataclass
class Boot:
    """One boot of one medium of an image, or why there is none."""
    run: RunResult | None = None
    error: str = ""             # the build failed: every item errors with it


class Boots:
    """The selected recipes and, per process, their builds and boots."""

    def __init__(self) -> None:
        self.recipes: dict[Path, Recipe] = {}
        self.images: dict[Path, Image | str] = {}     # recipe path -> image, or why it did not build
        self.runs: dict[tuple[Path, str], Boot] = {}

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> RecipeFile | None:
        recipe = self.recipes.get(file_path.resolve())
        if recipe is None:
            return None
        f: RecipeFile = RecipeFile.from_parent(parent, path=file_path, nodeid=recipe_id(recipe))
        f.recipe = recipe
        return f

    def image(self, recipe: Recipe) -> Image | str:
        from .build import build_image
        key = recipe.path.resolve()
        if key not in self.images:
            try:
                self.images[key] = build_image(recipe.path)
            except JitbootError as e:
                self.images[key] = str(e)
        return self.images[key]

    def boot(self, recipe: Recipe, medium: str) -> Boot:
        from .runner import boot
        key = (recipe.path.resolve(), medium)
        if key not in self.runs:
            image = self.image(recipe)
            if isinstance(image, str):
                self.runs[key] = Boot(error=f"image {recipe.name!r} did not build: {image}")
            else:
                try:
                    self.runs[key] = Boot(run=boot(image, medium))
                except JitbootError as e:
                    self.runs[key] = Boot(error=f"{recipe.name} ({medium}): {e}")
        return self.runs[key]


def recipe_id(recipe: Recipe) -> str:
    """A recipe's node id: its path from the checkout (absolute if outside),
    whatever pytest's rootdir is, so that workers started elsewhere (another
    host's directory) collect the same ids, and two recipes outside the
    rootdir do not share one."""
    path = recipe.path.resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


def ktest_locations(root: Path = ROOT, jit: bool = True,
                    arch: str = "x86_64") -> dict[str, tuple[Path, int]]:
    """file and 1-based line of each KTEST(name) definition."""
    found: dict[str, tuple[Path, int]] = {}
    for name, path in available_tests(root, jit=jit, arch=arch).items():
        text = path.read_text(encoding="utf-8", errors="replace")
        m = next((m for m in KTEST_DEF.finditer(text) if m.group(1) == name), None)
        found[name] = (path, text.count("\n", 0, m.start()) + 1 if m else 0)
    return found


class RecipeFile(pytest.File):
    """An image recipe: one collector per boot medium."""
    recipe: Recipe

    def collect(self) -> Iterator[pytest.Collector]:
        for medium in self.recipe.boot:
            m: Medium = Medium.from_parent(self, name=medium)
            m.recipe = self.recipe
            yield m


class Medium(pytest.Collector):
    """One boot of the image: an item per KTAP test it is to report."""
    recipe: Recipe

    def collect(self) -> Iterator[pytest.Item]:
        r = self.recipe
        where = ktest_locations(jit=r.jit, arch=r.arch)
        tests = [(t, where.get(t, (r.path, 0))) for t in r.tests]
        tests += [(protocol.payload_test_name(p.name), ((p.sources or (p.path,))[0], 0))
                  for p in r.payloads]
        for name, (path, line) in tests:
            item: KtapItem = KtapItem.from_parent(self, name=name)
            item.recipe, item.medium, item.source, item.source_line = r, self.name, path, line
            item.add_marker(pytest.mark.jitboot(r.name, self.name))
            item.add_marker(pytest.mark.xdist_group(f"{r.name}.{self.name}"))
            item.extra_keyword_matches.add(r.name)
            yield item


class KtapItem(pytest.Item):
    """One top-level KTAP test of one boot."""
    recipe: Recipe
    medium: str
    source: Path
    source_line: int

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.source, self.source_line - 1 if self.source_line else None, \
            f"{self.recipe.name} ({self.medium}): {self.name}"

    run: RunResult

    def setup(self) -> None:
        self.user_properties += [("image", self.recipe.name), ("medium", self.medium),
                                 ("build_dir", str(paths.build_dir()))]
        if os.environ.get("PYTEST_XDIST_WORKER"):
            self.user_properties.append(("worker", os.environ["PYTEST_XDIST_WORKER"]))
        boot = _boots(self.config).boot(self.recipe, self.medium)
        if boot.run is None:
            pytest.fail(boot.error, pytrace=False)
        self.run = boot.run

    def runtest(self) -> None:
        run = self.run
        self.user_properties += [("accel", run.accel), ("serial_log", str(run.serial_log))]
        test = next((t for t in run.ktap.tests if t.name == self.name), None)
        if test is not None and test.duration is not None:
            self.user_properties.append(("kernel_duration_ms", f"{test.duration * 1000:.3f}"))
        verdict = judge(self.name, test, run)
        if verdict.skip:
            pytest.skip(verdict.skip)
        if verdict.failure:
            pytest.fail(verdict.failure, pytrace=False)


@dataclass
class Verdict:
    failure: str = ""
    skip: str = ""


def judge(name: str, test: ktap.TestResult | None, run: RunResult) -> Verdict:
    """What one KTAP test of a run says: passed (empty verdict), skipped,
    or failed with the kernel's lines for it and how the run ended."""
    ended = (f"the boot ended: {run.outcome.value}: {run.reason} ({run.accel}, "
             f"{run.duration:.2f} s); serial log: {run.serial_log}")
    lines = _serial_lines(run.serial_log)
    if test is None:
        tail = lines[-15:]
        shown = ["last lines of the serial log:", *("  " + ln for ln in tail)] if tail \
            else ["the serial log is empty"]
        return Verdict(failure="\n".join([f"{name}: the boot did not report this test",
                                          ended, *shown]))
    if test.status == ktap.Status.SKIPPED:
        why = test.reason.removeprefix(protocol.KTAP_SKIP).strip()
        return Verdict(skip=f"{name}: {why or 'skipped by the kernel'}")
    if ktap.tree_ok(test):
        return Verdict()
    word = ktap.STATUS_WORD[test.status if test.status != ktap.Status.OK else ktap.Status.NOT_OK]
    why = ktap.why_failed(test)
    head = f"{name}: {word}" + (f": {why}" if why else "")
    block = _block(lines, run.ktap.tests, test)
    return Verdict(failure="\n".join([head, ended, "the kernel's lines for it:",
                                      *("  " + ln for ln in block)]))


def _serial_lines(path: Path) -> list[str]:
    try:
        return ktap.split_lines(ktap.decode(path.read_bytes()))[0]
    except OSError:
        return []


def _block(lines: list[str], tests: list[ktap.TestResult], test: ktap.TestResult) -> list[str]:
    """The serial lines of a top-level test: its indented block and its
    result line, or, when it never ended, everything from its start on."""
    i = tests.index(test)
    start = tests[i - 1].line if i else 0
    if test.status == ktap.Status.INCOMPLETE:
        block = lines[start:]
    else:
        block = [ln for ln in lines[start:test.line - 1] if ln.startswith(" ")]
        block.append(lines[test.line - 1] if 0 < test.line <= len(lines) else "")
    if len(block) > MAX_BLOCK_LINES:
        cut = len(block) - MAX_BLOCK_LINES
        block = [f"... {cut} lines before these are in the serial log"] + block[cut:]
    return block


@pytest.fixture
def jitboot_boot(request: pytest.FixtureRequest) -> Callable[..., RunResult]:
    """Boot an image (a recipe name or path) on one medium, once per
    process, and return its qemu.RunResult: the boot the items of that
    image and medium share."""
    boots = _boots(request.config)

    def get(image: str, medium: str = "kernel") -> RunResult:
        try:
            recipe = load_recipe(image)
        except JitbootError as e:
            pytest.fail(str(e), pytrace=False)
        boot = boots.boot(recipe, medium)
        if boot.run is None:
            pytest.fail(boot.error, pytrace=False)
        return boot.run
    return get
