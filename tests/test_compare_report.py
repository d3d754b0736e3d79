"""`energysim compare` and `energysim report`: the comparison table, figures and HTML report.

Fast tests run on small result folders written here by :func:`energysim.results.write_result`
from hand-made, internally consistent tables (two fleets, ten years, one hourly year).
The slow tests run `energysim run` on ``scenarios/shaoguan-potential.toml`` and a faster
build-out derived from it, then compare and report on the real results. The rendering
test needs Debian's ``chromium`` on PATH (CI installs it) and skips with a reason elsewhere.
"""

import hashlib
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from energysim import comparison, report, results, units
from energysim.errors import OutputExistsError, ScenarioError
from energysim.results import Result, write_result

RTOL = 1e-9  # values pass through CSV with 10 significant digits: round-off only
PV_FLH_H = 1100.0  # full-load hours of the fake PV fleet [h]
WIND_FLH_H = 2000.0  # full-load hours of the fake wind fleet [h]
CST_OFFSET_H = 8  # China Standard Time = UTC+8 [h]


# --------------------------------------------------------------------------- fake results

def fake_result(name, pv_mw, wind_mw, years=(2021, 2030), ramp_years=5, hourly_year=2021):
    """A small, internally consistent Result: linear build-out, fixed full-load hours."""
    year_list = np.arange(years[0], years[1] + 1)
    share = np.minimum(1.0, (np.arange(year_list.size) + 1) / ramp_years)
    factor = np.linspace(0.55, 0.40, year_list.size)  # tCO2/MWh
    rows = []
    for tech, fleet, mw, flh in (("pv", "utility-pv", pv_mw, PV_FLH_H),
                                 ("wind", "ridge-wind", wind_mw, WIND_FLH_H)):
        installed = mw * share
        delivered = installed * flh
        generation = delivered * 1.02
        avoided = delivered * factor
        coal = units.coal_t_from_mwh(delivered, 300.0)
        rows.append(pd.DataFrame({
            "year": year_list, "fleet": fleet, "technology": tech, "installed_mw": installed,
            "effective_mw": installed, "hours_in_year": 8760.0, "generation_mwh": generation,
            "curtailed_mwh": generation - delivered, "delivered_mwh": delivered,
            "capacity_factor": flh / 8760.0, "full_load_hours": flh,
            "emission_factor_t_per_mwh": factor, "avoided_tco2": avoided,
            "cumulative_avoided_tco2": np.cumsum(avoided), "coal_rate_g_per_kwh": 300.0,
            "avoided_coal_tce": coal, "cumulative_avoided_coal_tce": np.cumsum(coal)}))
    annual = pd.concat(rows).sort_values(["year", "technology"], kind="stable")
    annual = annual.reset_index(drop=True)
    sums = annual.groupby("year")[["installed_mw", "generation_mwh", "curtailed_mwh",
                                   "delivered_mwh", "avoided_tco2", "avoided_coal_tce"]].sum()
    by_tech = annual.pivot_table(index="year", columns="technology", values="installed_mw")
    sums["installed_pv_mw"] = by_tech["pv"]
    sums["installed_wind_mw"] = by_tech["wind"]
    sums["cumulative_avoided_tco2"] = sums["avoided_tco2"].cumsum()
    sums["cumulative_avoided_coal_tce"] = sums["avoided_coal_tce"].cumsum()
    sums["emission_factor_t_per_mwh"] = factor
    totals = sums.reset_index()
    labels = {years[0]: "", years[1]: "", 2025: "end of 14th FYP",
              2030: "carbon peak, end of 15th FYP"}
    milestones = []
    for year in sorted(y for y in labels if years[0] <= y <= years[1]):
        row = totals.set_index("year").loc[year]
        milestones.append({
            "year": int(year), "label": labels[year], "installed_mw": row.installed_mw,
            "installed_wan_kw": units.mw_to_wan_kw(row.installed_mw),
            "installed_pv_mw": row.installed_pv_mw, "installed_wind_mw": row.installed_wind_mw,
            "delivered_mwh": row.delivered_mwh,
            "delivered_yi_kwh": units.mwh_to_yi_kwh(row.delivered_mwh),
            "avoided_tco2": row.avoided_tco2,
            "avoided_wan_tco2": units.t_to_wan_t(row.avoided_tco2),
            "cumulative_avoided_tco2": row.cumulative_avoided_tco2,
            "cumulative_avoided_wan_tco2": units.t_to_wan_t(row.cumulative_avoided_tco2),
            "cumulative_avoided_coal_tce": row.cumulative_avoided_coal_tce})
    summary = {"scenario": name, "years": list(years),
               "total_delivered_mwh": float(totals.delivered_mwh.sum()),
               "total_curtailed_mwh": float(totals.curtailed_mwh.sum()),
               "total_avoided_tco2": float(totals.avoided_tco2.sum()),
               "total_avoided_coal_tce": float(totals.avoided_coal_tce.sum()),
               "technologies": {"pv": {"mean_full_load_hours": PV_FLH_H},
                                "wind": {"mean_full_load_hours": WIND_FLH_H}},
               "milestones": milestones}
    # Hourly: PV follows the *local* clock (peak at 12:00 UTC+8), wind is flat.
    local = pd.date_range(f"{hourly_year}-01-01", periods=8760, freq="h")
    time = (local - pd.Timedelta(hours=CST_OFFSET_H)).tz_localize("UTC")
    i = int(hourly_year - years[0])
    sun = np.clip(np.sin(np.pi * (local.hour.to_numpy() - 6) / 12), 0.0, None)
    hourly = pd.concat([
        pd.DataFrame({"time": time, "fleet": "utility-pv", "technology": "pv",
                      "generation_mw": pv_mw * share[i] * sun,
                      "delivered_mw": pv_mw * share[i] * sun, "curtailed_mw": 0.0}),
        pd.DataFrame({"time": time, "fleet": "ridge-wind", "technology": "wind",
                      "generation_mw": wind_mw * share[i] * 0.25,
                      "delivered_mw": wind_mw * share[i] * 0.25, "curtailed_mw": 0.0}),
    ], ignore_index=True)
    scenario = {
        "name": name, "description": f"test scenario {name}", "years": list(years),
        "site": {"latitude": 24.68, "longitude": 113.6, "altitude_m": 61.0,
                 "timezone": "Asia/Shanghai"},
        "weather": {"source": "builtin:shaoguan", "seed": 0},
        "pv": [{"name": "utility-pv", "capacity_mw": pv_mw, "tracking": "fixed",
                "tilt_deg": 20.0, "azimuth_deg": 180.0, "dc_ac_ratio": 1.2, "gcr": 0.4,
                "losses_pct": 14.08, "buildout_share": {"2021": 0.2, "2025": 1.0},
                "lifetime_years": 25, "repower": True, "availability_pct": 100.0,
                "curtailment_pct": 0.0,
                "degradation": {"first_year_loss_pct": 1.0, "annual_rate_pct": 0.4}}],
        "wind": [{"name": "ridge-wind", "capacity_mw": wind_mw, "turbine": "E-115/3000",
                  "hub_height_m": 120.0, "mean_wind_speed_ms": 6.0,
                  "roughness_length_m": 0.1, "wind_farm_efficiency": 0.8855,
                  "lifetime_years": 20, "repower": True, "availability_pct": 97.0,
                  "curtailment_pct": 0.0,
                  "buildout": {"shape": "linear", "start_share": 0.0, "by_fyp": "14th",
                               "steepness_per_year": 0.8},
                  "degradation": {"first_year_loss_pct": 0.0, "annual_rate_pct": 0.2}}],
        "grid": {"emission_factor_t_per_mwh": {"2021": 0.55, "2030": 0.40},
                 "export_limit_mw": 9000.0, "coal_rate_g_per_kwh": 300.0},
        "targets": {"peak_year": 2030, "neutrality_year": 2060, "capacity": []},
    }
    metadata = {
        "scenario_sha256": hashlib.sha256(name.encode()).hexdigest(),
        "scenario": scenario, "weather_source": "builtin:shaoguan (test)",
        "weather_sha256": hashlib.sha256(b"weather").hexdigest(), "weather_repairs": [],
        "emission_factor_source": "scenario points", "physics_version": "test-1",
        "versions": {"energysim": "0.0.test", "pandas": pd.__version__}}
    return Result(name=name, annual=annual, totals=totals, hourly={hourly_year: hourly},
                  summary=summary, metadata=metadata)


@pytest.fixture(scope="module")
def fake_dirs(tmp_path_factory):
    """Two fake result folders: a base case and a faster, larger build-out."""
    out = tmp_path_factory.mktemp("results")
    base = write_result(fake_result("base-case", pv_mw=4000.0, wind_mw=1500.0), out)
    fast = write_result(fake_result("fast-pv", pv_mw=6000.0, wind_mw=1500.0, ramp_years=3),
                        out)
    return base, fast


@pytest.fixture(scope="module")
def cli():
    """The `compare` and `report` commands on energysim's group (registered if absent)."""
    from energysim.cli import main
    from energysim.cli.compare_cmd import compare, report

    for command in (compare, report):
        if command.name not in main.commands:
            main.add_command(command)
    return main


def invoke(cli, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def one_error_line(result):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# --------------------------------------------------------------------------- loading

def test_load_result_folder_reads_every_table(fake_dirs):
    folder = results.read_result(fake_dirs[0])
    assert folder.name == "base-case"
    assert folder.path == fake_dirs[0]
    assert len(folder.annual) == 20 and len(folder.totals) == 10
    assert list(folder.hourly) == [2021]
    assert str(folder.hourly[2021]["time"].dt.tz) == "UTC"
    assert folder.metadata["scenario_sha256"] == hashlib.sha256(b"base-case").hexdigest()


@pytest.mark.parametrize("remove, named", [("summary.json", "summary.json"),
                                           ("totals.csv", "totals.csv"),
                                           ("annual", "annual.parquet")])
def test_load_names_the_missing_file(tmp_path, fake_dirs, remove, named):
    broken = tmp_path / "broken"
    shutil.copytree(fake_dirs[0], broken)
    for path in broken.glob(f"{remove}*"):
        path.unlink()
    with pytest.raises(ScenarioError, match=rf"{re.escape(str(broken))}: .*{re.escape(named)}"):
        results.read_result(broken)


def test_load_rejects_a_file_and_a_missing_path(tmp_path):
    afile = tmp_path / "x.csv"
    afile.write_text("a\n1\n")
    with pytest.raises(ScenarioError, match="not a folder"):
        results.read_result(afile)
    with pytest.raises(ScenarioError, match="no such folder"):
        results.read_result(tmp_path / "nope")


def test_load_names_a_missing_column(tmp_path, fake_dirs):
    broken = tmp_path / "broken"
    shutil.copytree(fake_dirs[0], broken)
    totals = pd.read_csv(broken / "totals.csv").drop(columns="avoided_tco2")
    totals.to_csv(broken / "totals.csv", index=False)
    with pytest.raises(ScenarioError, match=r"totals\.csv: column avoided_tco2 missing"):
        results.read_result(broken)


def test_repeated_names_get_distinct_labels(tmp_path, fake_dirs):
    other = tmp_path / "rerun" / "base-case"
    shutil.copytree(fake_dirs[0], other)
    folders = results.read_results([fake_dirs[0], other])
    labels = comparison.display_labels(folders)
    assert len(set(labels)) == 2 and all(label.endswith("base-case") for label in labels)


# --------------------------------------------------------------------------- table

def test_comparison_table_values_come_from_the_results(fake_dirs):
    folders = results.read_results(fake_dirs)
    table = comparison.comparison_table(folders)
    assert list(table.columns) == [*comparison.TABLE_COLUMNS, "base-case", "fast-pv",
                                   "fast-pv - base-case"]
    assert sorted(table["year"].unique()) == [2021, 2025, 2030]
    for folder in folders:
        annual = folder.annual.groupby(["year", "technology"])["installed_mw"].sum()
        totals = folder.totals.set_index("year")
        for year in (2021, 2025, 2030):
            rows = table[table["year"] == year].set_index("kpi")[folder.name]
            assert rows["installed_pv_mw"] == pytest.approx(annual[year, "pv"], rel=RTOL)
            assert rows["installed_wind_mw"] == pytest.approx(annual[year, "wind"], rel=RTOL)
            assert rows["installed_pv_wan_kw"] == pytest.approx(
                units.mw_to_wan_kw(annual[year, "pv"]), rel=RTOL)
            delivered = folder.annual[folder.annual.year == year]["delivered_mwh"].sum()
            assert rows["delivered_mwh"] == pytest.approx(delivered, rel=RTOL)
            assert rows["delivered_yi_kwh"] == pytest.approx(units.mwh_to_yi_kwh(delivered),
                                                             rel=RTOL)
            assert rows["avoided_wan_tco2"] == pytest.approx(
                units.t_to_wan_t(totals.at[year, "avoided_tco2"]), rel=RTOL)
            cumulative = folder.annual[folder.annual.year <= year]["avoided_tco2"].sum()
            assert rows["cumulative_avoided_tco2"] == pytest.approx(cumulative, rel=RTOL)
    difference = table["fast-pv"] - table["base-case"]
    assert np.allclose(table["fast-pv - base-case"], difference, rtol=RTOL)
    pv_2021 = table[(table.year == 2021) & (table.kpi == "installed_pv_mw")]
    # fast-pv: 6000 MW / 3 = 2000 MW in 2021; base-case: 4000 MW / 5 = 800 MW
    assert pv_2021["fast-pv - base-case"].iloc[0] == pytest.approx(1200.0, rel=RTOL)
    assert (table[table.year == 2030]["milestone"] == "carbon peak, end of 15th FYP").all()


def test_comparison_table_si_only_and_chosen_years(fake_dirs):
    folders = results.read_results(fake_dirs)
    table = comparison.comparison_table(folders, years=[2027], units="si")
    assert set(table["unit"]) == {"MW", "MWh", "tCO2", "tce"}
    assert not table["quantity"].str.contains("[\u4e00-\u9fff]").any()
    assert table["year"].unique().tolist() == [2027]
    with pytest.raises(ScenarioError, match="year 2099"):
        comparison.comparison_table(folders, years=[2099])


def test_printed_table_aligns_chinese_units(fake_dirs):
    table = comparison.comparison_table(results.read_results(fake_dirs))
    text = comparison.format_comparison(table)
    assert "万千瓦" in text and "亿千瓦时" in text and "万吨CO2" in text
    widths = {comparison.text_width(line) for line in text.splitlines()
              if line.startswith("  光伏装机 installed PV")}
    assert len(widths) == 1  # CJK units counted double: the columns line up
    assert "+1,200.0" in text  # fast-pv - base-case, installed PV 2021 [MW]


# --------------------------------------------------------------------------- hourly

def test_typical_day_uses_local_time(fake_dirs):
    folder = results.read_result(fake_dirs[0])
    profiles = comparison.typical_day_profiles(folder)
    assert list(profiles.index.get_level_values("season").unique()) == ["DJF", "MAM", "JJA",
                                                                        "SON"]
    for season in ("DJF", "JJA"):
        day = profiles.loc[season]
        assert day["pv"].idxmax() == 12  # the fake PV peaks at local noon
        assert day["pv"].loc[0] == 0.0
        assert day["wind"].to_numpy() == pytest.approx(1500.0 / 5 * 0.25)
    heat = comparison.monthly_hour_table(folder)
    assert heat.shape == (12, 24)
    assert heat.loc[6, 12] == pytest.approx(800.0 + 75.0)


# --------------------------------------------------------------------------- compare CLI

def test_compare_prints_and_writes(tmp_path, fake_dirs, cli):
    out = tmp_path / "cmp"
    result = invoke(cli, "compare", *fake_dirs, "-o", out)
    assert result.exit_code == 0, result.output
    assert "base-case" in result.stdout and "fast-pv" in result.stdout
    assert "万千瓦" in result.stdout
    written = {p.name for p in out.iterdir()}
    assert written == {"comparison.csv", *comparison.FIGURES}
    csv = pd.read_csv(out / "comparison.csv")
    assert csv["base-case"].iloc[0] == pytest.approx(units.mw_to_wan_kw(800.0), rel=RTOL)
    for name in comparison.FIGURES:
        image = plt_image(out / name)
        assert image.shape[0] > 200 and image.std() > 0.02, name  # drawn, not blank
    before = (out / "comparison.csv").read_bytes()
    again = invoke(cli, "compare", *fake_dirs, "-o", out)
    assert again.exit_code == 2
    assert "comparison.csv: exists" in one_error_line(again)
    assert (out / "comparison.csv").read_bytes() == before


def test_compare_units_si(fake_dirs, cli):
    result = invoke(cli, "compare", *fake_dirs, "--units", "si", "--year", "2025")
    assert result.exit_code == 0, result.output
    assert "万千瓦" not in result.stdout and "MW" in result.stdout


def plt_image(path):
    import matplotlib.image

    return matplotlib.image.imread(path)


def test_comparison_axes_carry_units(fake_dirs):
    from energysim import plotting

    folders = results.read_results(fake_dirs)
    figures = [plotting.capacity_comparison_figure(folders, units="si"),
               plotting.generation_comparison_figure(folders, units="si"),
               plotting.cumulative_avoided_comparison_figure(folders, units="si"),
               plotting.typical_day_figure([comparison.typical_day_profiles(f) for f in folders],
                                           [f.name for f in folders], units="si"),
               plotting.monthly_heatmap_figure([comparison.monthly_hour_table(f) for f in folders],
                                               [f.name for f in folders], units="si")]
    for fig in figures:
        labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
        if fig._supylabel is not None:  # the typical day's one label for both rows
            labels.append(fig._supylabel.get_text())
        assert labels and all(re.search(r"\[(GW|MW|TWh|Mt CO2)\]", label) or label == "month"
                              for label in labels), labels
        assert all(text.isascii() for ax in fig.axes for text in
                   [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()])
        plotting.png_bytes(fig)  # closes it


def test_compare_bad_folder_exits_2_with_one_line(tmp_path, fake_dirs, cli):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "cmp"
    result = invoke(cli, "compare", fake_dirs[0], empty, "-o", out)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert str(empty) in line and "summary.json" in line
    assert not out.exists()
    result = invoke(cli, "compare", tmp_path / "missing")
    assert result.exit_code == 2 and "no such folder" in one_error_line(result)


# --------------------------------------------------------------------------- report

class _Collector(HTMLParser):
    """Tags and attributes of an HTML document, to look for external references."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def report_file(tmp_path_factory, fake_dirs, cli):
    path = tmp_path_factory.mktemp("report") / "report.html"
    result = invoke(cli, "report", *fake_dirs, "-o", path)
    assert result.exit_code == 0, result.output
    return path


def check_self_contained(path, folders):
    """The report is one file naming every scenario and hash, with nothing external."""
    text = path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in text
    for folder in folders:
        assert folder.name in text
        assert folder.metadata["scenario_sha256"] in text
        assert folder.metadata["weather_sha256"] in text
    parser = _Collector()
    parser.feed(text)
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed"}
    for tag, attrs in parser.tags:
        for key in ("src", "href", "srcset", "action", "data"):
            value = attrs.get(key) or ""
            assert not value or value.startswith(("data:image/png;base64,", "#")), (tag, key)
    without_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert "http" not in without_images and "url(" not in without_images
    images = [a for t, a in parser.tags if t == "img"]
    assert len(images) == len(comparison.FIGURES)
    return text


def test_report_is_one_self_contained_file(report_file, fake_dirs):
    folders = results.read_results(fake_dirs)
    text = check_self_contained(report_file, folders)
    assert [p.name for p in report_file.parent.iterdir()] == ["report.html"]  # no temp left
    for needle in ("万千瓦", "亿千瓦时", "万吨CO2", "E-115/3000", "120 m", "1.2",
                   "scenario points", "Physics version", "test-1", "0.0.test"):
        assert needle in text, needle


def test_report_refuses_to_overwrite(report_file, fake_dirs, cli):
    before = report_file.read_bytes()
    result = invoke(cli, "report", *fake_dirs, "-o", report_file)
    assert result.exit_code == 2
    assert "exists: pass --overwrite" in one_error_line(result)
    assert report_file.read_bytes() == before


@pytest.fixture
def no_figures(monkeypatch):
    """Skip drawing where a test is about files, not figures (saves seconds)."""
    tiny = {name: b"\x89PNG\r\n\x1a\n" for name in comparison.FIGURES}
    monkeypatch.setattr(comparison, "comparison_pngs", lambda *args, **kwargs: dict(tiny))


def test_report_overwrites_when_asked(tmp_path, fake_dirs, cli, no_figures):
    path = tmp_path / "r.html"
    path.write_text("old")
    result = invoke(cli, "report", fake_dirs[1], "-o", path, "--overwrite", "--title", "Mine")
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert "<title>Mine</title>" in text and "fast-pv" in text


def test_report_bad_inputs_write_nothing(tmp_path, fake_dirs, cli):
    no_summary = tmp_path / "no-summary"
    shutil.copytree(fake_dirs[0], no_summary)
    (no_summary / "summary.json").unlink()
    path = tmp_path / "out" / "report.html"
    for bad in (no_summary, tmp_path / "not-there", fake_dirs[0] / "totals.csv"):
        result = invoke(cli, "report", fake_dirs[1], bad, "-o", path)
        assert result.exit_code == 2, result.output
        assert str(bad) in one_error_line(result)
        assert not path.exists() and not path.parent.exists()


def test_write_report_api(tmp_path, fake_dirs, no_figures):
    folders = results.read_results(fake_dirs)
    path = report.write_report(folders, tmp_path / "a.html", date="2025-01-01")
    assert "2025-01-01" in path.read_text(encoding="utf-8")
    with pytest.raises(OutputExistsError):
        report.write_report(folders, path)
    with pytest.raises(OutputExistsError, match="is a folder"):
        report.write_report(folders, tmp_path)


def test_write_file_never_clobbers_without_overwrite(tmp_path):
    path = tmp_path / "x.csv"
    comparison.write_file(path, b"one")
    with pytest.raises(OutputExistsError, match="exists"):
        comparison.write_file(path, b"two")
    assert path.read_bytes() == b"one"
    comparison.write_file(path, b"three", overwrite=True)
    assert path.read_bytes() == b"three"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]  # no temporary file left


def test_report_with_a_chinese_name_and_no_hourly_table(tmp_path, fake_dirs):
    out = tmp_path / "results"
    chinese = write_result(fake_result("韶关-潜力", pv_mw=8389.5, wind_mw=3210.0), out)
    (chinese / "hourly.parquet").unlink()
    folders = results.read_results([fake_dirs[0], chinese])
    assert folders[1].hourly == {}
    text = report.render_report(folders, date="2025-01-01")
    # figures draw Chinese names in a CJK font: no "(in figures: S2)" stand-in any more
    assert "韶关-潜力" in text and "(in figures:" not in text
    # the hourly figures are drawn from base-case alone
    assert text.count('src="data:image/png;base64,') == len(comparison.FIGURES)


# --------------------------------------------------------------------------- rendering

CHROMIUM = shutil.which("chromium")


def chromium(*args, user_dir):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={user_dir}", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def render(path, tmp_path):
    """Chromium's DOM of the report and a screenshot of its first 3000 px. [(str, Path)]"""
    shot = tmp_path / "shot.png"
    dom = chromium("--dump-dom", path.resolve().as_uri(), user_dir=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    run = chromium(f"--screenshot={shot}", "--window-size=1200,3000", path.resolve().as_uri(),
                   user_dir=tmp_path / "profile-shot")
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    return dom.stdout, shot


def check_rendering(dom, shot, n_scenarios):
    import matplotlib.image

    assert dom.count("<table") >= 4 + n_scenarios  # overview, assumptions, milestones, totals,
    # provenance per scenario
    assert dom.count('src="data:image/png;base64,') == len(comparison.FIGURES)
    assert "Milestone comparison" in dom
    image = matplotlib.image.imread(shot)
    assert image.shape[:2] == (3000, 1200)
    assert image[..., :3].std() > 0.05  # text, tables and figures, not a blank page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not on PATH (Debian package "
                                             "'chromium'; CI installs it)")
def test_chromium_renders_the_report(report_file, tmp_path):
    dom, shot = render(report_file, tmp_path)
    check_rendering(dom, shot, n_scenarios=2)


# --------------------------------------------------------------------------- real results

@pytest.fixture(scope="module")
def real_dirs(tmp_path_factory, repo_root, cli):
    """`energysim run` on the Shaoguan scenario and on a faster, smaller-wind variant."""
    import tomli_w
    import tomllib

    work = tmp_path_factory.mktemp("real")
    source = repo_root / "scenarios" / "shaoguan-potential.toml"
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    data["name"] = "shaoguan-fast-pv"
    data["description"] = "PV complete by 2025, wind at 80 % of the potential"
    data["pv"][0]["buildout_share"] = {"2021": 0.3, "2025": 1.0}
    data["wind"][0]["capacity_wan_kw"] = 0.8 * data["wind"][0]["capacity_wan_kw"]
    variant = work / "shaoguan-fast-pv.toml"
    variant.write_text(tomli_w.dumps(data), encoding="utf-8")
    out = work / "results"
    result = invoke(cli, "run", source, variant, "-o", out, "--no-plots")
    assert result.exit_code == 0, result.output
    return out / "shaoguan-potential", out / "shaoguan-fast-pv"


@pytest.mark.slow
def test_compare_real_results(real_dirs, tmp_path, cli):
    folders = results.read_results(real_dirs)
    result = invoke(cli, "compare", *real_dirs, "-o", tmp_path / "cmp")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert {2021, 2025, 2030, 2035, 2060} <= set(table["year"])
    for folder in folders:
        totals = folder.totals.set_index("year")
        for year in (2025, 2060):
            rows = table[table.year == year].set_index("kpi")[folder.name]
            assert rows["cumulative_avoided_tco2"] == pytest.approx(
                totals.at[year, "cumulative_avoided_tco2"], rel=RTOL)
            pv = folder.annual[(folder.annual.year == year) & (folder.annual.technology == "pv")]
            assert rows["installed_pv_wan_kw"] == pytest.approx(
                units.mw_to_wan_kw(pv["installed_mw"].sum()), rel=RTOL)
    pv_2030 = table[(table.year == 2030) & (table.kpi == "installed_pv_wan_kw")]
    assert pv_2030["shaoguan-potential"].iloc[0] == pytest.approx(838.95, rel=1e-6)
    wind = table[(table.year == 2030) & (table.kpi == "installed_wind_wan_kw")]
    assert wind["shaoguan-fast-pv - shaoguan-potential"].iloc[0] == pytest.approx(-0.2 * 321,
                                                                                  rel=1e-6)


@pytest.mark.slow
def test_report_on_real_results(real_dirs, tmp_path, cli):
    path = tmp_path / "report.html"
    result = invoke(cli, "report", *real_dirs, "-o", path)
    assert result.exit_code == 0, result.output
    folders = results.read_results(real_dirs)
    check_self_contained(path, folders)
    profiles = comparison.typical_day_profiles(folders[0])
    summer = profiles.loc["JJA", "pv"]
    assert 10 <= summer.idxmax() <= 14  # solar noon at 113.6 E is about 12:25 UTC+8
    assert summer.loc[0] == pytest.approx(0.0, abs=1e-9)


# --------------------------------------------------------------------------- hourly year

def test_hourly_figures_use_the_full_buildout_year_unless_chosen(tmp_path):
    result = fake_result("two-years", pv_mw=4000.0, wind_mw=1500.0)  # full from 2025
    later = fake_result("two-years", pv_mw=4000.0, wind_mw=1500.0, hourly_year=2025)
    both = Result(name=result.name, annual=result.annual, totals=result.totals,
                  hourly={2021: result.hourly[2021], 2025: later.hourly[2025]},
                  summary=result.summary, metadata=result.metadata)
    folder = results.read_result(write_result(both, tmp_path))
    assert sorted(folder.hourly) == [2021, 2025]
    assert results.full_buildout_year(folder.totals) == 2025  # 4000 MW / 5 a ramp
    assert comparison.hourly_year(folder) == 2025
    heat = comparison.monthly_hour_table(folder)
    assert heat.loc[6, 12] == pytest.approx(4000.0 + 1500.0 * 0.25)  # full build-out
    assert comparison.hourly_year(folder, 2021) == 2021
    with pytest.raises(ScenarioError, match="--hourly-year 2023: .* hourly tables for "
                                            "2021, 2025"):
        comparison.hourly_year(folder, 2023)
    note = comparison.hourly_note([folder], ["two-years"])
    assert "2025 (first year with the full build-out)" in note
    # a folder without the full build-out year falls back to its latest earlier hourly year
    only_first = results.read_result(write_result(result, tmp_path / "first"))
    assert comparison.hourly_year(only_first) == 2021
    assert "latest hourly year before the full build-out" in comparison.hourly_note(
        [only_first], ["two-years"])


@pytest.mark.parametrize("system", ["cn", "si"])
def test_report_assumptions_list_hydro_biomass_storage_electrolysers(repo_root, system,
                                                                   no_figures):
    # Issue 12 / 10 item 3: the [[hydro]], [[biomass]], [[storage]] and [[electrolyser]]
    # assumptions of shaoguan-integrated stand beside shaoguan-potential (which has none).
    from energysim.scenario import load_scenario

    items = []
    for name in ("shaoguan-integrated", "shaoguan-potential"):
        item = fake_result(name, 1000.0, 300.0)
        item.metadata["scenario"] = load_scenario(
            repo_root / "scenarios" / f"{name}.toml").to_dict()
        items.append(item)
    html = report.render_report(items, units=system)
    hydro_mw = units.wan_kw_to_mw(units.mw_to_wan_kw(236.1))
    expected = ["small-hydro: " + ("23.61 万千瓦 (236.1 MW)" if system == "cn" else "236.1 MW"),
                "Jan 0.22, Feb 0.24, Mar 0.30", "Jun 0.58", "Dec 0.22",
                "biomass: " + ("12.00 万千瓦 (120.0 MW)" if system == "cn" else "120.0 MW"),
                "4175 full-load hours/a",
                "guangdong pairing rule: power and duration follow the PV and wind additions",
                "round-trip efficiency 85 %, min SOC 5 %",
                "shaogang-h2-park: " + ("10.00 万千瓦 (100.0 MW)" if system == "cn" else "100.0 MW"),
                "2027: +5.00 万千瓦 (+50.0 MW)" if system == "cn" else "2027: +50.0 MW",
                "55 kWh/kg H2, min load 15 %", "supply: ridge-wind first, then the surplus",
                "displaces 19 kgCO2/kg H2"]
    for text in expected:
        assert text in html, text
    assert hydro_mw == pytest.approx(236.1)
    for cn, en in (("水电", "Hydro"), ("生物质发电", "Biomass"), ("储能", "Storage"),
                   ("电解槽", "Electrolyser")):
        rows = re.findall(r'<tr class="([^"]*)">\s*<td class="name">([^<]*)</td>', html)
        names = [(cls, name) for cls, name in rows if en in name]
        assert names, en
        # only potential's column is empty: every such row is marked as differing
        assert all("differs" in cls for cls, _ in names), names
        assert all((cn in name) == (system == "cn") for _, name in names)
    if system == "si":  # SI only (the scenario descriptions may still quote 万千瓦)
        assert "small-hydro: 23.61" not in html and "万千瓦 (100.0 MW)" not in html


# --------------------------------------------------------------------------- long names in print

#: Scenario names of Shaoguan's counties joined by underscores: long, without hyphens, and
#: of words that ordinary report text does not contain.
LONG_NAMES = ("qujiang_wengyuan_lechang_nanxiong", "renhua_shixing_xinfeng_ruyuan",
              "wujiang_zhenjiang_qujiang_lechang")


def test_wrappable_marks_the_joints_of_a_name_and_escapes():
    assert str(report.wrappable("a_b-c.d/e <x>")) == "a_<wbr>b-<wbr>c.<wbr>d/<wbr>e &lt;x&gt;"
    assert str(report.wrappable("韶关 − 潜力")) == "韶关 − 潜力"


def _misbroken(text, names):
    """Pieces of ``names`` in ``text`` that start or end inside a word. [list of str]"""
    bad = []
    for token in re.findall(r"[a-z_]+", text):
        if len(token) < 3 and "_" not in token:
            continue
        for name in names:
            starts = [0] + [m.end() for m in re.finditer("_", name)]
            if token not in name:
                continue
            whole = any(name.startswith(token, k) and (token.endswith("_")
                                                       or k + len(token) == len(name)
                                                       or name[k + len(token)] == "_")
                        for k in starts)
            if not whole:
                bad.append(token)
            break
    return bad


def test_misbroken_finds_a_name_cut_inside_a_word():
    # The control of the next test, on the text of a header cut as before the fix.
    cut = "qujiang_wengyuan_lec\nhang_nanxiong renhua_shixing_\nxinfeng_ruyuan"
    assert _misbroken(cut, LONG_NAMES) == ["qujiang_wengyuan_lec", "hang_nanxiong"]


@pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftotext") is None,
                    reason="chromium and pdftotext (poppler-utils) not on PATH")
def test_printed_report_wraps_long_names_where_their_words_join(tmp_path, cli, no_figures):
    # Three results with long names, two difference columns: printed on A4 by chromium,
    # every line of every header holds whole words of the names.
    out = tmp_path / "results"
    folders = [write_result(fake_result(name, pv_mw=4000.0 + 500.0 * i, wind_mw=1500.0), out)
               for i, name in enumerate(LONG_NAMES)]
    path = tmp_path / "report.html"
    assert invoke(cli, "report", *folders, "-o", path).exit_code == 0
    html = path.read_text(encoding="utf-8")
    assert "qujiang_<wbr>wengyuan_<wbr>lechang_<wbr>nanxiong" in html
    assert "<title>Scenario comparison" in html and "<wbr>" not in html.split("</title>")[0]
    pdf = tmp_path / "report.pdf"
    run = chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", path.resolve().as_uri(),
                   user_dir=tmp_path / "profile-pdf")
    assert run.returncode == 0 and pdf.is_file(), run.stderr[-2000:]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "wujiang_" in text  # the names are there, as text
    assert _misbroken(text, LONG_NAMES) == []
