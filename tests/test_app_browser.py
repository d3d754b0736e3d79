"""The what-if page in a real browser: ``energysim app`` driven by headless Chromium.

Starts the app on a free loopback port in its own process and drives Debian's
``/usr/bin/chromium`` (installed by .ci/run) through Playwright. Screenshots go to
``tmp_path`` (or to ``$ENERGYSIM_SCREENSHOTS`` when set) to be looked at.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from energysim.errors import ScenarioError
from energysim.results import read_result
from energysim.scenario import load_scenario
from energysim.simulate import SimulationMemo, run_scenario

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "shaoguan-potential.toml"
CELL_2030 = "section.slot tr[data-year='2030'] td[data-key='delivered_mwh']"
PACE = "select[name='pv[utility-pv].pace']"
LIMIT = "input[name='grid.export_limit_mw']"
CALIBRATION = "select[name='wind[ridge-wind].calibration']"
#: Generous bounds for start-up and the first physics on a busy machine (not a speed test).
PATIENCE_MS = 600_000

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium installed")]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _delivered_2030(result):
    return next(s for s in result.summary["milestones"] if s["year"] == 2030)["delivered_mwh"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(cache)}
    proc = subprocess.Popen([sys.executable, "-m", "energysim", "app", "--no-browser", "--port",
                             str(_free_port()), str(SCENARIO)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("energysim what-if page: http://127.0.0.1:"), \
        line + proc.stderr.read()
    url = line.split()[3]
    try:
        yield url, cache
    finally:
        proc.terminate()
        proc.wait()
    # the server wrote nothing but the cache
    assert all(p.is_relative_to(cache) for p in cache.rglob("*"))


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("ENERGYSIM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(PATIENCE_MS)
    page.goto(url)
    page.wait_for_selector(CELL_2030)
    page.wait_for_function("document.body.dataset.computing === 'false'")
    return page


def _figures_shown(page):
    """Wait until the three figures of the page's current version have loaded."""
    page.wait_for_function(
        "[...document.querySelectorAll('#figures img')].every(img => img.complete && "
        "img.naturalWidth > 0 && img.src.endsWith('&v=' + document.body.dataset.version))")


def _value(page):
    return float(page.locator(CELL_2030).get_attribute("data-value"))


def test_page_follows_run_scenario_refuses_bad_values_and_downloads(server, browser, shots,
                                                                    tmp_path):
    url, cache = server
    base = load_scenario(SCENARIO)
    memo = SimulationMemo()
    page = _open(browser, url)
    # 1. the shipped scenario's 2030 figure
    assert _value(page) == pytest.approx(_delivered_2030(run_scenario(base, memo=memo)),
                                         rel=1e-12)
    assert "亿千瓦时" in page.locator(CELL_2030).inner_text()
    # the file is named, never the server's folder
    assert "shipped: shaoguan-potential.toml" in page.locator("section.slot .hint").inner_text()
    assert str(SCENARIO.parent) not in page.content()
    _figures_shown(page)
    page.screenshot(path=str(shots / "app-loaded.png"), full_page=True)

    # 2. the PV pace: the number run_scenario gives for the same change
    before = _value(page)
    started = time.perf_counter()
    page.select_option(PACE, "year:2035")
    page.wait_for_function(f"document.querySelector(\"{CELL_2030}\").dataset.value != '{before!r}'")
    seen_s = time.perf_counter() - started
    print(f"\nbrowser saw the new 2030 figure {seen_s * 1000:.0f} ms after the change; server "
          f"recompute {page.locator('.ms').inner_text()}")
    changed = base.with_changes({"pv[utility-pv].buildout": {
        "shape": "linear", "start_year": 2021, "start_share": 0.1, "target_year": 2035}})
    expected = _delivered_2030(run_scenario(changed, memo=memo))
    assert _value(page) == pytest.approx(expected, rel=1e-12)
    assert expected < before
    assert "PV utility-pv pace" in page.locator(".diff").inner_text()
    _figures_shown(page)
    page.screenshot(path=str(shots / "app-changed.png"), full_page=True)

    # 3. a refused value: the model's message beside the field, numbers unchanged
    page.fill(LIMIT, "-3")
    page.press(LIMIT, "Tab")
    message = page.locator(".err[data-lever='grid.export_limit_mw']")
    message.wait_for()
    with pytest.raises(ScenarioError) as err:
        changed.with_changes({"grid.export_limit_mw": -3.0}, where="shaoguan-potential")
    assert message.inner_text() == str(err.value)
    assert _value(page) == pytest.approx(expected, rel=1e-12)
    assert page.input_value(LIMIT) == "-3"
    page.screenshot(path=str(shots / "app-refused.png"), full_page=True)

    # 4. the downloaded TOML runs with `energysim run` and gives the same 2030 figure
    with page.expect_download() as download:
        page.click("a.download-toml")
    toml = tmp_path / "edited.toml"
    download.value.save_as(toml)
    env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-m", "energysim", "run", str(toml), "-o",
                           str(tmp_path / "out"), "--no-plots"], env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    rerun = read_result(tmp_path / "out" / "shaoguan-potential")
    assert _delivered_2030(rerun) == pytest.approx(expected, rel=1e-9)

    # 5. the HTML report of the current view
    with page.expect_download() as download:
        page.click("#report")
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert "shaoguan-potential" in html and "<script" not in html

    # 6. another tab has its own session: the file's values, no edits
    other = _open(browser, url)
    assert _value(other) == pytest.approx(before, rel=1e-12)
    assert other.locator(".err").count() == 0
    assert _value(page) == pytest.approx(expected, rel=1e-12)

    # 7. the English toggle: SI units only
    other.click("#lang")
    other.wait_for_function(f"!document.querySelector(\"{CELL_2030}\").innerText"
                            ".includes('亿千瓦时')")
    assert "GWh" in other.locator(CELL_2030).inner_text()
    assert other.locator("input[name='pv[utility-pv].capacity_mw']").input_value() == "8389.5"
    _figures_shown(other)
    other.screenshot(path=str(shots / "app-english.png"), full_page=True)

    # 8. calibration off: the file with the wind fleet's site mean before the fit (new
    # physics, in the background), as run_scenario gives it
    calibrated = _value(other)
    other.select_option(CALIBRATION, "off")
    other.wait_for_function(f"document.querySelector(\"{CELL_2030}\").dataset.value != "
                            f"'{calibrated!r}' && document.body.dataset.computing === 'false'")
    uncalibrated = load_scenario(SCENARIO).with_changes(
        {"wind[ridge-wind].mean_wind_speed_ms": 6.0, "wind[ridge-wind].calibration": None})
    assert _value(other) == pytest.approx(
        _delivered_2030(run_scenario(uncalibrated, memo=memo)), rel=1e-12)
    assert "off: 6 m/s (before the fit)" in other.locator(".diff").inner_text()
    _figures_shown(other)
    other.screenshot(path=str(shots / "app-calibration-off.png"), full_page=True)
