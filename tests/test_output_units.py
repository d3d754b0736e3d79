"""One meaning of --units, and every quantity says annual or cumulative (issue 10, items 1-3).

Runs the real commands (`run`, `compare`, `sweep`, `report`) on a small scenario with
``--units si`` and ``--units cn`` and checks their actual output: under ``si`` no Chinese
character at all (the scenario and fleet names here are ASCII), under ``cn`` the Chinese
units and the SI ones beside them; every energy, CO2 and coal header says annual or
cumulative. Then renders the report of the shipped ``shaoguan-conservative`` and
``shaoguan-14th-fyp`` scenarios and finds in it each one's 2030 grid emission factor and
the capacity-target progress of ``shaoguan-14th-fyp``.
"""

import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from energysim import units
from energysim.cli import main
from energysim.results import read_result

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
CN_UNITS = ("万千瓦", "亿千瓦时", "万吨CO2", "万吨标准煤")
SI_UNITS = ("MW", "GWh", "ktCO2", "ktce")
# A header naming an energy, CO2 or coal quantity ...
FLOW = re.compile(r"deliver|avoid|coal|curtail|CO2|GWh|kt|电量|减排|节煤|弃电|亿千瓦时|万吨",
                  re.IGNORECASE)
# (rates per unit of energy, such as tCO2/MWh or gce/kWh, are neither) ...
RATE = re.compile(r"/MWh|/kWh|factor|rate", re.IGNORECASE)
# ... must say which: annual (年) or cumulative (累计).
KIND = re.compile(r"annual|cumul|年|累计", re.IGNORECASE)
RTOL = 1e-9  # float64 round-off only

SCENARIO = """
name = "mini-units"
years = [2021, 2026]
[site]
latitude = 24.68
longitude = 113.60
altitude_m = 61
timezone = "Asia/Shanghai"
[weather]
source = "builtin:shaoguan"
[[pv]]
name = "utility-pv"
capacity_wan_kw = 40
tilt_deg = 20
buildout_share = { 2021 = 0.2, 2025 = 1.0 }
[[wind]]
name = "ridge-wind"
capacity_mw = 200
turbine = "E-115/3000"
hub_height_m = 100
mean_wind_speed_ms = 6.0
[grid]
emission_factor_t_per_mwh = { 2021 = 0.55, 2026 = 0.45 }
[targets]
[[targets.capacity]]
technology = "pv"
year = 2025
capacity_wan_kw = 50
"""

SWEEP = """
base = "../mini-units.toml"
[parameters]
"pv[0].tilt_deg" = [15, 25]
"""


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """stdout of run, compare, sweep and report (and the report's HTML) per unit system."""
    work = tmp_path_factory.mktemp("units")
    (work / "mini-units.toml").write_text(SCENARIO, encoding="utf-8")
    (work / "sweeps").mkdir()
    (work / "sweeps" / "tilt.toml").write_text(SWEEP, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("ENERGYSIM_CACHE_DIR", str(work / "cache"))
    found = {}
    try:
        for system in ("si", "cn"):
            out = work / system
            text = {"run": invoke("run", work / "mini-units.toml", "-o", out, "--no-plots",
                                  "--units", system)}
            folder = out / "mini-units"
            text["compare"] = invoke("compare", folder, folder, "--units", system)
            text["sweep"] = invoke("sweep", work / "sweeps" / "tilt.toml", "-o", out / "sweeps",
                                   "--no-plots", "--workers", "1", "--units", system)
            html = out / "report.html"
            text["report"] = invoke("report", folder, "-o", html, "--units", system)
            page = html.read_text(encoding="utf-8")
            text["report.html"] = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
            found[system] = text
    finally:
        mp.undo()
    return found


def header_cells(text, command):
    """The header cells of the printed tables of ``command``. [list of str]"""
    lines = text.splitlines()
    cells = []
    if command == "run":
        for header in (line for line in lines if line.startswith("year ")):
            cells += re.split(r"\s{2,}", header.strip())
    elif command == "compare":
        cells = [re.split(r"\s{2,}", line.strip())[0] for line in lines
                 if line.startswith("  ") and line[2] != " "]
    elif command == "sweep":
        start = next(i for i, line in enumerate(lines) if line.startswith("KPI"))
        for line in lines[start + 1:]:
            if not line.strip():
                break
            if not line.startswith(" "):
                cells.append(re.split(r"\s{2,}", line.strip())[0])
    assert cells, f"no header found in the output of {command}:\n{text}"
    return cells


class Cells(HTMLParser):
    """Text of every table row of an HTML page: a list of rows, each a list of cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html):
    parser = Cells()
    parser.feed(html)
    return parser.rows


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "compare", "sweep", "report.html"])
def test_si_output_has_no_chinese_unit(outputs, command):
    text = outputs["si"][command]
    assert not CJK.search(text), CJK.search(text).group() + " in: " + text[
        max(0, CJK.search(text).start() - 80):CJK.search(text).start() + 80]
    assert any(unit in text for unit in SI_UNITS)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "compare", "sweep", "report.html"])
def test_cn_output_has_chinese_units_and_si_beside_them(outputs, command):
    text = outputs["cn"][command]
    expected_cn = CN_UNITS if command != "sweep" else ("亿千瓦时", "万吨CO2")
    expected_si = SI_UNITS if command != "sweep" else ("GWh", "ktCO2")
    for unit in (*expected_cn, *expected_si):
        assert unit in text, f"{unit} missing from `{command} --units cn`"


@pytest.mark.slow
@pytest.mark.parametrize("system", ["si", "cn"])
@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_every_energy_co2_and_coal_header_says_annual_or_cumulative(outputs, command, system):
    cells = header_cells(outputs[system][command], command)
    flows = [c for c in cells if FLOW.search(c) and not RATE.search(c)]
    assert flows, cells
    unlabelled = [c for c in flows if not KIND.search(c)]
    assert not unlabelled, unlabelled


@pytest.mark.slow
@pytest.mark.parametrize("system", ["si", "cn"])
def test_report_quantities_say_annual_or_cumulative(outputs, system):
    rows = table_rows(outputs[system]["report.html"])
    quantities = [r[0] for r in rows
                  if len(r) > 1 and FLOW.search(r[0]) and not RATE.search(r[0])]
    assert len(quantities) >= 5
    assert not [q for q in quantities if not KIND.search(q)]


@pytest.mark.slow
def test_run_coal_columns_hold_what_their_header_says(outputs):
    """The old bug: a 万吨标准煤 column held cumulative values under a per-year header."""
    text = outputs["cn"]["run"]
    # the second block of the table: CO2 and coal
    lines = text.split("\n\n")[1].splitlines()
    header = re.split(r"\s{2,}", next(line for line in lines if line.startswith("year ")).strip())
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines if re.match(r"20\d\d ", line)]
    annual = header.index("年节煤 万吨标准煤")
    cumulative = header.index("累计节煤 万吨标准煤")
    annual_kt = header.index("coal annual ktce")
    values = {int(r[0]): (float(r[annual].replace(",", "")), float(r[cumulative].replace(",", "")),
                          float(r[annual_kt].replace(",", ""))) for r in rows}
    first = min(values)
    assert values[first][0] == pytest.approx(values[first][1], abs=0.01)  # first year: equal
    later = max(values)
    assert values[later][1] > values[later][0]  # cumulative grows past the annual value
    # 1 万吨 = 10 kt, printed with 2 and 1 decimals
    assert values[later][2] == pytest.approx(values[later][0] * 10, abs=0.06)


# --------------------------------------------------------------------------- shipped scenarios

@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory, repo_root):
    work = tmp_path_factory.mktemp("shipped")
    mp = pytest.MonkeyPatch()
    mp.setenv("ENERGYSIM_CACHE_DIR", str(work / "cache"))
    try:
        names = ("shaoguan-conservative", "shaoguan-14th-fyp")
        invoke("run", *(repo_root / "scenarios" / f"{n}.toml" for n in names), "-o",
               work / "out", "--no-plots")
        folders = [work / "out" / n for n in names]
        invoke("report", *folders, "-o", work / "report.html")
    finally:
        mp.undo()
    return [read_result(f) for f in folders], (work / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_shows_each_2030_emission_factor(shipped_report):
    items, html = shipped_report
    row = next(r for r in table_rows(html) if r[0].startswith("Grid emission factor in 2030"))
    for column, item in enumerate(items, start=1):
        totals = item.totals.set_index("year")["emission_factor_t_per_mwh"]
        decline = item.scenario["grid"]["emission_factor"]["decline_pct_per_year"]
        # the preset path declines by the scenario's rate after its last data year
        assert totals[2035] / totals[2030] == pytest.approx(
            (1 - units.pct_to_fraction(decline)) ** 5, rel=RTOL)
        assert row[column] == f"{totals[2030]:.4f}"
    assert row[1] != row[2]  # -1 %/yr and -2.4 %/yr no longer look alike
    assert 'class="differs"' in html


@pytest.mark.slow
def test_report_shows_capacity_target_progress(shipped_report):
    items, html = shipped_report
    fyp = items[1]
    installed = fyp.totals.set_index("year").at[2025, "installed_pv_mw"]
    target_mw = units.wan_kw_to_mw(376.2)  # scenarios/shaoguan-14th-fyp.toml
    share = units.fraction_to_pct(installed / target_mw)
    row = next(r for r in table_rows(html) if r[0].startswith("PV capacity target 2025"))
    assert row[1] == "\u2013"  # shaoguan-conservative has no target
    assert "376.20 万千瓦" in row[2] and "3,762.0 MW" in row[2]
    assert "(14th FYP pace)" in row[2]  # the target's label from the scenario
    assert f"{units.mw_to_wan_kw(installed):,.2f} 万千瓦" in row[2]
    assert f"{share:.1f} %" in row[2]


@pytest.mark.slow
def test_hourly_figures_show_the_first_year_with_the_full_buildout(shipped_report):
    items, html = shipped_report
    for item in items:
        # both build out linearly to the end of the 16th FYP (2035); 14th-fyp repowers,
        # so its capacity stays at the maximum (to a few ulp) after 2035
        installed = item.totals.set_index("year")[["installed_pv_mw", "installed_wind_mw"]]
        total = installed.sum(axis=1)
        assert total[2034] < total[2035] == pytest.approx(total.max(), rel=RTOL)
        assert sorted(item.hourly) == [2035]
        assert f"{item.name}: 2035 (first year with the full build-out)" in html
