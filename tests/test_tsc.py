"""TSC calibration: the rate picked from several PIT windows
(kernel_lib/tsc_pick.c), on recorded samples, and what a boot prints.

One 10 ms window was the whole calibration: in 30 idle boots under TCG 3
were far off (1619, 2085, 2842 MHz for a ~2100 MHz TSC) and one came out at
448 MHz, which made a "5000 ms" payload timeout fire after ~1.07 s."""

import re
import subprocess

import pytest

from jitboot import ROOT

KLIB = ROOT / "kernel_lib"
MHZ = 1_000_000


@pytest.fixture(scope="module")
def tsc_check(tmp_path_factory):
    exe = tmp_path_factory.mktemp("tsc") / "tsc_check"
    subprocess.run(["gcc", "-O1", "-fsanitize=undefined", "-fno-sanitize-recover", "-I", str(KLIB),
                    str(KLIB / "tsc_pick.c"), str(ROOT / "tests" / "host" / "tsc_check.c"),
                    "-o", str(exe)], check=True)
    return exe


def pick(exe, *hz):
    r = subprocess.run([str(exe), *map(str, hz)], capture_output=True, text=True, check=True)
    assert "runtime error" not in r.stderr, r.stderr
    v = dict(zip(*[iter(r.stdout.split())] * 2))
    return int(v["hz"]), int(v["used"]), int(v["windows"]), int(v["spread_ppm"])


def test_windows_recorded_on_a_busy_host(tsc_check):
    """Seven windows of one boot here: three cut or stretched by the host."""
    hz, used, windows, spread = pick(tsc_check, 2444830400, 2444835400, 2322296200, 1911029400,
                                     2444213200, 3405656800, 2444977400)
    assert (used, windows) == (4, 7)
    assert abs(hz - 2444830400) < 200_000 and spread < 400


def test_the_bad_single_calibrations_are_outliers(tsc_check):
    """The rates the old one-window calibration reported, among good windows."""
    bad = [1619 * MHZ, 2085 * MHZ, 2842 * MHZ, 448 * MHZ]
    good = [2100_100_000, 2099_900_000, 2100_050_000, 2100_000_000]
    hz, used, windows, _ = pick(tsc_check, *[x for pair in zip(good, bad) for x in pair])
    # 2085 MHz is 0.7 % off, inside the 1 % two windows may differ by: it
    # joins the cluster but cannot move its median
    assert (used, windows) == (5, 8)
    assert 2099_900_000 <= hz <= 2100_100_000


def test_failed_windows_are_left_out(tsc_check):
    hz, used, windows, _ = pick(tsc_check, 0, 2 * 10**9, 0, 2 * 10**9, 2 * 10**9 + 1000)
    assert (hz, used, windows) == (2 * 10**9, 3, 3)


@pytest.mark.parametrize("hz", [
    [1000 * MHZ, 1500 * MHZ, 2000 * MHZ, 2500 * MHZ, 3000 * MHZ, 3500 * MHZ, 4000 * MHZ],
    [2100 * MHZ, 2101 * MHZ * 2],             # two windows that disagree
    [2100 * MHZ],                             # one window is no evidence
    [0, 0, 0],
])
def test_no_agreement_is_no_rate(tsc_check, hz):
    assert pick(tsc_check, *hz)[0] == 0


def test_the_tighter_of_two_equal_clusters_wins(tsc_check):
    hz, used, _, _ = pick(tsc_check, 1000 * MHZ, 1004 * MHZ, 1008 * MHZ,
                          2000 * MHZ, 2000 * MHZ + 10, 2000 * MHZ + 20)
    assert used == 3 and hz == 2000 * MHZ + 10


def stop(exe, ms, hz, true_hz, phase_us, hold_ms=0):
    """When the watchdog armed for ms at the calibrated rate hz stops a
    payload on a TSC really running at true_hz, a heap operation holding it
    off until hold_ms: (ms after arming, by what)."""
    r = subprocess.run([str(exe), "--watchdog", str(ms), str(hz), str(true_hz), str(phase_us),
                        str(hold_ms)], capture_output=True, text=True, check=True)
    assert "runtime error" not in r.stderr, r.stderr
    _, us, _, by = r.stdout.split()
    return int(us) / 1000, by


@pytest.mark.parametrize("phase_us", [0, 1, 4000, 9999])
def test_watchdog_counts_pit_ticks_even_with_a_trusted_rate(tsc_check, phase_us):
    """A rate calibrated too high, consistently (the windows agreed on it),
    put the deadline too far: 3332 MHz for a 2100 MHz TSC made a 5000 ms
    timeout 7933 ms.  The PIT ticks stop the payload within a tick anyway;
    a right rate stops it by the TSC, and no rate by the ticks alone."""
    at, by = stop(tsc_check, 5000, 3332 * MHZ, 2100 * MHZ, phase_us)
    assert by == "ticks" and 5000 <= at <= 5010, (at, by)
    at, by = stop(tsc_check, 5000, 2100 * MHZ, 2100 * MHZ, phase_us)
    assert by == "tsc" and 5000 <= at <= 5010, (at, by)
    at, by = stop(tsc_check, 5000, 0, 2100 * MHZ, phase_us)
    assert by == "ticks" and 5000 <= at <= 5010, (at, by)
    at, by = stop(tsc_check, 500, 2100 * MHZ * 2, 2100 * MHZ, phase_us)   # compile_timeout 0.5
    assert by == "ticks" and 500 <= at <= 510, (at, by)


@pytest.mark.parametrize("hz", [2100 * MHZ, 0])
def test_watchdog_waits_for_a_heap_operation(tsc_check, hz):
    """watchdog_tick, the rule both architectures' timer interrupts apply:
    a stop that comes due inside a heap operation waits for the first tick
    after it, whether the deadline or the ticks said stop."""
    at, by = stop(tsc_check, 500, hz, 2100 * MHZ, 4000, hold_ms=700)
    assert 700 <= at <= 710 and by == ("tsc" if hz else "ticks"), (at, by)
    assert stop(tsc_check, 500, hz, 2100 * MHZ, 4000, hold_ms=300)[0] <= 510


def test_a_boot_prints_its_calibration(image_builder, tmp_path):
    from jitboot.qemu import Outcome, run_image
    image = image_builder("nojit")
    r = run_image(kernel=image.elf32, memory=image.recipe.memory, accel="tcg", timeout=60,
                  log_dir=tmp_path)
    assert r.outcome == Outcome.PASS, r.reason
    serial = r.serial_log.read_text()
    m = re.search(r"^# tsc calibration: (pit|none), (\d+) of (\d+) windows agree, spread "
                  r"(\d+)\.(\d\d)%$", serial, re.M)
    assert m, serial[:600]
    used, windows = int(m.group(2)), int(m.group(3))
    rate = re.search(r"; tsc: (\d+)\.\d{3} MHz(.*?); ", serial)
    assert rate and 7 <= windows <= 16
    if m.group(1) == "pit":       # a rate: at least three windows within 1 % agree on it
        assert 3 <= used <= windows and int(rate.group(1)) > 0 and not rate.group(2)
        assert int(m.group(4)) <= 2
    else:                         # a host too busy for agreement: said so, a rough median shown
        assert rate.group(2) == " (rough: windows disagree)" and int(rate.group(1)) > 0
