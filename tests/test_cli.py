"""End-to-end: `energysim run` and `validate` through click's runner, in tmp_path."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from energysim.cli import main
from energysim.results import read_parquet_schema

SCENARIO = """
name = "mini"
years = [2021, 2025]
[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
[[pv]]
name = "pv"
capacity_wan_kw = 10
buildout_share = { 2021 = 0.5, 2023 = 1.0 }
[[wind]]
name = "wind"
capacity_mw = 50
turbine = "E-115/3000"
hub_height_m = 120
mean_wind_speed_ms = 6.0
[grid]
emission_factor_t_per_mwh = { 2021 = 0.5568, 2025 = 0.5 }
export_limit_mw = 100
"""


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_run_writes_a_complete_result(tmp_path, scenario_file):
    out = tmp_path / "out"
    result = invoke("run", scenario_file, "-o", out, "--units", "cn", "--no-cache")
    assert result.exit_code == 0, result.output
    folder = out / "mini"
    names = {p.name for p in folder.iterdir()}
    assert {"annual.csv", "annual.parquet", "totals.csv", "hourly.parquet", "summary.json",
            "scenario.toml", "installed_capacity.png", "annual_generation.png",
            "cumulative_avoided_co2.png"} <= names
    assert not [n for n in names if n.endswith(".partial")]
    annual = pd.read_csv(folder / "annual.csv")
    assert len(annual) == 5 * 2
    for column in ("year", "fleet", "technology", "installed_mw", "generation_mwh", "curtailed_mwh",
                   "delivered_mwh", "capacity_factor", "full_load_hours",
                   "emission_factor_t_per_mwh", "avoided_tco2", "installed_wan_kw",
                   "delivered_yi_kwh", "avoided_wan_tco2"):
        assert column in annual, column
    assert annual.installed_wan_kw[annual.fleet == "pv"].tolist() == pytest.approx([5, 7.5, 10, 10, 10])
    schema = read_parquet_schema(folder / "annual.parquet")
    assert schema["generation_mwh"]["unit"] == "MWh" and schema["installed_wan_kw"]["unit"] == "万千瓦"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    provenance = summary["provenance"]
    assert len(provenance["scenario_sha256"]) == 64 and provenance["weather_sha256"]
    assert provenance["versions"]["pvlib"]
    assert "亿千瓦时" in result.output and "万吨CO2" in result.output
    hourly = pd.read_parquet(folder / "hourly.parquet")
    assert len(hourly) == 8760 * 2


def test_existing_result_is_refused_then_replaced_whole(tmp_path, scenario_file):
    out = tmp_path / "out"
    assert invoke("run", scenario_file, "-o", out, "--no-plots", "--no-cache").exit_code == 0
    again = CliRunner().invoke(main, ["run", str(scenario_file), "-o", str(out), "--no-plots"])
    assert again.exit_code == 2
    assert "--overwrite" in again.output and "Traceback" not in again.output
    replaced = invoke("run", scenario_file, "-o", out, "--no-plots", "--overwrite", "--no-cache")
    assert replaced.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["mini"]


def test_rerun_from_a_result_folder_gives_identical_annual(tmp_path, scenario_file):
    first = tmp_path / "a"
    second = tmp_path / "b"
    assert invoke("run", scenario_file, "-o", first, "--no-plots", "--no-cache").exit_code == 0
    assert invoke("run", first / "mini", "-o", second, "--no-plots").exit_code == 0
    assert (first / "mini" / "annual.csv").read_bytes() == (second / "mini" / "annual.csv").read_bytes()


@pytest.mark.parametrize("edit, fragment", [
    (lambda s: s.replace("capacity_mw = 50", "capacity_mw = -50"), "[wind.wind]"),
    (lambda s: s.replace('turbine = "E-115/3000"', 'turbine = "E-115/300"'), "E-115/3000"),
    (lambda s: s.replace("years = [2021, 2025]", "years = [2025, 2021]"), "first <= last"),
    (lambda s: s.replace("[grid]", '[weather]\nsource = "missing.epw"\n[grid]'), "missing.epw"),
    (lambda s: s + "tilt = 3\n", "unit in the key"),
    (lambda s: s.replace("[[pv]]", "[[pv]\n"), "TOML syntax error"),
])
def test_bad_input_exits_2_with_one_line_and_no_output(tmp_path, edit, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(edit(SCENARIO), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines
    assert not out.exists()


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.replace("capacity_mw = 50", "capacity_mw = -50"), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(path), "--debug", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" in result.output


def test_validate_and_help(scenario_file):
    result = invoke("validate", scenario_file)
    assert result.exit_code == 0 and "ok: mini" in result.output
    assert "--overwrite" in invoke("run", "--help").output
