"""The fuzz campaign's C target (jitboot/fuzz.py campaign_c, csmith.timed):
a few seconds of csmith programs are recorded in the ledger and the
report, and a planted mismatch is a finding."""

import json

import pytest

from jitboot import ROOT, csmith, fuzz

pytestmark = pytest.mark.skipif(csmith.available() is not None,
                                reason="csmith and libcsmith-dev are not installed "
                                       "(ci/setup.sh installs them)")


def test_campaign_c_records_programs(host_tools, tmp_path):
    ledger = tmp_path / "campaign.json"
    runs, report = fuzz.campaign(3 / 3600, ["c"], ROOT, ledger, coverage=False,
                                 work=tmp_path / "fuzz")
    (run,) = runs
    assert run.target == "c" and run.programs > 0 and run.executions == 0
    entry = json.loads(ledger.read_text())["runs"][0]
    assert entry["target"] == "c" and entry["programs"] == run.programs
    assert entry["executions"] == 0
    text = report.read_text()
    assert f"c: {run.programs} csmith programs" in text
    assert "| c |" not in text          # not in the goal table


def test_planted_mismatch_is_a_finding(host_tools, tmp_path, monkeypatch):
    def planted(seed, workdir, jitrun, src=None):
        workdir.mkdir(parents=True, exist_ok=True)
        csmith.generate(seed, workdir / f"seed{seed}.c")
        return csmith.Outcome(seed, "finding", "-O2 --passes=all: prints '1', gcc '2'")
    monkeypatch.setattr(csmith, "check_seed", planted)
    run = fuzz.campaign_c(1, ROOT, tmp_path)
    assert run.programs >= 1 and len(run.findings) == run.programs
    f = run.findings[0]
    assert f.path.exists() and f.path.parent == tmp_path / "findings" / "c"
    script = (tmp_path / "findings" / "c" / f.path.with_suffix(".sh").name).read_text()
    assert "-O2" in script and "--passes=all" in script
