"""Fetching QBE's sources into build/qbe-src (jitboot/qbe.py).

The pinned qbepy sdist is downloaded at most once per checkout (into
build/downloads); every other test works on copies under tmp_path, with
the downloader monkeypatched where the test is about not downloading.
"""

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from jitboot import ROOT, qbe
from jitboot.errors import JitbootError


@pytest.fixture(scope="session")
def sdist():
    """The real pinned sdist (downloaded once into build/downloads)."""
    try:
        return qbe.fetch_sdist(ROOT / "build" / "downloads")
    except JitbootError as e:
        # Offline with a local checkout is a supported setup; anywhere else
        # the pinned download is how the build gets QBE and must work.
        if os.environ.get(qbe.ENV_OVERRIDE):
            pytest.skip(f"qbepy sdist unavailable, using ${qbe.ENV_OVERRIDE}: {e}")
        pytest.fail(f"cannot fetch the pinned qbepy sdist: {e}")


@pytest.fixture
def build_with_sdist(tmp_path, sdist):
    """A build dir whose download cache already holds the verified sdist."""
    build = tmp_path / "build"
    (build / "downloads").mkdir(parents=True)
    shutil.copy(sdist, build / "downloads" / qbe.SDIST_NAME)
    return build


@pytest.fixture
def checkout(tmp_path, sdist):
    """A plain (unadjusted) QBE tree, as a local checkout would be."""
    out = tmp_path / "checkout"
    out.mkdir()
    qbe._extract_qbe(sdist, out)
    return out


def no_download(*args, **kwargs):
    raise AssertionError("downloaded although the cache should have been used")


def fake_tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_hash_mismatch_is_refused_before_extracting(tmp_path, monkeypatch):
    monkeypatch.delenv(qbe.ENV_OVERRIDE, raising=False)
    prefix = qbe.SDIST_QBE_DIR

    def fake_download(dest):
        return fake_tarball(dest / qbe.SDIST_NAME, {
            prefix + "all.h": b"evil", prefix + "parse.c": b"", prefix + "amd64/emit.c": b""})
    monkeypatch.setattr(qbe, "download_sdist", fake_download)

    build = tmp_path / "build"
    with pytest.raises(JitbootError, match="does not match the pinned") as e:
        qbe.ensure_qbe_source(build)
    assert "\n" not in str(e.value)
    assert not (build / "qbe-src").exists()
    assert not list(build.glob("qbe-src*"))              # no half-extracted tree
    assert not (build / "downloads" / qbe.SDIST_NAME).exists()
    assert (build / "downloads" / (qbe.SDIST_NAME + ".rejected")).exists()


def test_unsafe_archive_paths_are_refused(tmp_path):
    evil = fake_tarball(tmp_path / "evil.tar.gz", {
        qbe.SDIST_QBE_DIR + "../../../escaped.c": b"int x;"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(JitbootError, match="unsafe path"):
        qbe._extract_qbe(evil, out)
    assert not list(tmp_path.rglob("escaped.c"))


def test_download_failure_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.delenv(qbe.ENV_OVERRIDE, raising=False)

    def failing_pip(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: Could not find a version "
                                           "that satisfies the requirement qbepy==2026.2.2\n")
    monkeypatch.setattr(qbe.subprocess, "run", failing_pip)
    with pytest.raises(JitbootError) as e:
        qbe.ensure_qbe_source(tmp_path / "build")
    msg = str(e.value)
    assert "\n" not in msg
    assert "cannot download qbepy" in msg and qbe.ENV_OVERRIDE in msg


def test_cached_sdist_is_used_without_downloading(build_with_sdist, monkeypatch):
    monkeypatch.delenv(qbe.ENV_OVERRIDE, raising=False)
    monkeypatch.setattr(qbe, "download_sdist", no_download)
    src = qbe.ensure_qbe_source(build_with_sdist)
    assert (src / "all.h").is_file() and (src / "amd64" / "emit.c").is_file()
    stamp = json.loads((src / qbe.STAMP).read_text())
    assert stamp["sha256"] == qbe.QBEPY_SHA256
    # and a second call with everything in place touches nothing
    mtime = (src / "parse.c").stat().st_mtime_ns
    assert qbe.source_is_current(build_with_sdist)
    assert qbe.ensure_qbe_source(build_with_sdist) == src
    assert (src / "parse.c").stat().st_mtime_ns == mtime


def test_corrupt_cached_sdist_is_fetched_again(build_with_sdist, sdist, monkeypatch):
    monkeypatch.delenv(qbe.ENV_OVERRIDE, raising=False)
    cached = build_with_sdist / "downloads" / qbe.SDIST_NAME
    cached.write_bytes(cached.read_bytes()[:1000])      # truncated download
    calls = []

    def download(dest):
        calls.append(dest)
        return Path(shutil.copy(sdist, dest / qbe.SDIST_NAME))
    monkeypatch.setattr(qbe, "download_sdist", download)
    assert (qbe.ensure_qbe_source(build_with_sdist) / "all.h").is_file()
    assert len(calls) == 1


def test_override_must_look_like_qbe(tmp_path, monkeypatch):
    notqbe = tmp_path / "notqbe"
    notqbe.mkdir()
    (notqbe / "all.h").write_text("")
    with pytest.raises(JitbootError, match="not a QBE source tree") as e:
        qbe.ensure_qbe_source(tmp_path / "build", override=notqbe)
    assert "parse.c" in str(e.value) and "amd64/emit.c" in str(e.value)
    # the environment variable is the same override
    monkeypatch.setenv(qbe.ENV_OVERRIDE, str(notqbe))
    with pytest.raises(JitbootError, match="not a QBE source tree"):
        qbe.ensure_qbe_source(tmp_path / "build")


def test_override_checkout_is_copied_and_adjusted(tmp_path, checkout, monkeypatch):
    monkeypatch.setattr(qbe, "download_sdist", no_download)
    build = tmp_path / "build"
    src = qbe.ensure_qbe_source(build, override=checkout)
    assert json.loads((src / qbe.STAMP).read_text())["source"] == f"path:{checkout.resolve()}"
    assert "JB_QBE_NINS" not in (checkout / "all.h").read_text()   # checkout untouched
    # an edit in the checkout is picked up
    (checkout / "README").write_text("x")                           # not a source: ignored
    assert qbe.source_is_current(build, override=checkout)
    with open(checkout / "util.c", "a") as f:
        f.write("\n/* edited */\n")
    assert not qbe.source_is_current(build, override=checkout)
    assert "/* edited */" in (qbe.ensure_qbe_source(build, override=checkout) / "util.c").read_text()


def test_nins_is_a_build_parameter(tmp_path, checkout):
    src = qbe.ensure_qbe_source(tmp_path / "build", override=checkout)
    assert "1 << 20" not in (src / "all.h").read_text().split("enum {")[1].split("}")[0]
    probe = tmp_path / "probe.c"
    probe.write_text('#include "all.h"\n'
                     '_Static_assert(NIns == EXPECTED, "NIns");\n'
                     '_Static_assert(sizeof insb == EXPECTED * sizeof(Ins), "insb");\n')
    for flags, expected in (([f"-I{src}", "-DJB_QBE_NINS=4096"], 4096),
                            ([f"-I{src}"], 1 << 20)):
        r = subprocess.run(["gcc", "-fsyntax-only", *flags, f"-DEXPECTED={expected}",
                            str(probe)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_kernel_sources_are_amd64_only(tmp_path, checkout):
    from jitboot import components
    src = qbe.ensure_qbe_source(tmp_path / "build", override=checkout)
    trees = components.Trees(src=ROOT, qbe=src)
    files = [f for c in ("qbe", "qbe_amd64")
             for f in components.component_files(components.BY_NAME[c], trees)]
    names = {str(p.relative_to(src)) for p in files if src in p.parents}
    assert "parse.c" in names and "amd64/emit.c" in names
    assert "main.c" not in names
    assert not any(n.startswith(("arm64/", "rv64/", "minic/", "tools/")) for n in names)
    assert all(p.exists() for p in files)


def test_stock_variant_has_no_emitter_patches(tmp_path, checkout, monkeypatch):
    """build/qbe-stock is QBE as published plus only what the host qbe
    command needs; the jit variant beside it carries EMITTER_PATCHES."""
    monkeypatch.setattr(qbe, "download_sdist", no_download)
    build = tmp_path / "build"
    jit = qbe.ensure_qbe_source(build, override=checkout)
    stock = qbe.ensure_qbe_source(build, override=checkout, variant="stock")
    assert (jit.name, stock.name) == ("qbe-src", "qbe-stock")
    assert qbe.source_is_current(build, override=checkout, variant="stock")
    assert qbe.source_is_current(build, override=checkout)
    patched = {p.path for p in qbe.EMITTER_PATCHES}
    assert {"amd64/emit.c", "simpl.c"} <= patched
    for rel in patched | {"all.h", "util.c"}:
        assert (stock / rel).read_text() == (checkout / rel).read_text(), rel
    assert (jit / "amd64/emit.c").read_text() != (checkout / "amd64/emit.c").read_text()
    assert "#define Deftgt T_amd64_sysv" in (stock / "config.h").read_text()
    assert json.loads((stock / qbe.STAMP).read_text())["variant"] == "stock"
    with pytest.raises(JitbootError, match="unknown QBE source variant 'fast'"):
        qbe.ensure_qbe_source(build, override=checkout, variant="fast")


def test_emitter_patches_apply_once_each(tmp_path, checkout):
    """Every patch matches the pinned QBE exactly once (Adjust checks it)
    and says why it is there."""
    src = qbe.ensure_qbe_source(tmp_path / "build", override=checkout)
    assert all(p.why for p in qbe.EMITTER_PATCHES)
    assert "scratchreg(fn)" in (src / "amd64/emit.c").read_text()
    assert "sdivpow2(i, new, b, fn)" in (src / "simpl.c").read_text()


def test_changed_adjustments_make_the_tree_again(monkeypatch):
    """The stamp names the adjustments: a tree made with other ones (a
    checkout pulled a new adjustment) is not current, so the next build
    makes it again instead of compiling the stale one."""
    monkeypatch.delenv(qbe.ENV_OVERRIDE, raising=False)
    before = qbe._wanted_stamp(None)
    assert before["adjustments"] == qbe._steps_hash(qbe.ADJUSTMENTS + qbe.EMITTER_PATCHES)
    more = qbe.ADJUSTMENTS + qbe.EMITTER_PATCHES + [qbe.Append("all.h", "/* more */\n")]
    monkeypatch.setitem(qbe.VARIANTS, "jit", ("qbe-src", more))
    after = qbe._wanted_stamp(None)
    assert after["adjustments"] != before["adjustments"]
    assert {k: v for k, v in after.items() if k != "adjustments"} == \
        {k: v for k, v in before.items() if k != "adjustments"}
