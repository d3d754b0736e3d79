"""Weather-year ensembles: sourced interannual spread, and P90 < P50 < P10."""

import numpy as np
import pytest

from energysim import weather as W
from energysim.ensemble import run_ensemble, uncertainty, weather_years
from energysim.errors import ScenarioError
from energysim.scenario import parse_scenario

#: The generator applies each year's factors exactly (months rescaled to the normals).
RTOL_EXACT = 1e-9
#: Sampling error of a standard deviation from 2,000 draws: about 1.6 % of it; 5 % margin.
STD_RTOL = 0.05

SCENARIO = """
name = "ens"
years = [2024, 2031]
[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
[[pv]]
name = "pv"
capacity_mw = 100
[[wind]]
name = "wind"
capacity_mw = 50
turbine = "E-115/3000"
hub_height_m = 120
mean_wind_speed_ms = 5.5
[grid]
emission_factor_t_per_mwh = 0.55
"""


def test_interannual_spread_is_the_sourced_figure():
    scales = W.interannual_scales(0, 2000)
    assert scales[:, 0].std() == pytest.approx(W.GHI_INTERANNUAL_STD, rel=STD_RTOL)
    assert scales[:, 1].std() == pytest.approx(W.WIND_INTERANNUAL_STD, rel=STD_RTOL)
    assert scales.mean(axis=0) == pytest.approx([1.0, 1.0], abs=0.005)
    np.testing.assert_array_equal(W.interannual_scales(0, 3), scales[:3])


def test_generated_years_carry_their_annual_factors():
    typical, _ = W.builtin_shaoguan(0)
    years = W.builtin_shaoguan_years(3, seed=0)
    scales = W.interannual_scales(0, 3)
    ghi = np.array([d["ghi"].sum() for d, _ in years]) / typical["ghi"].sum()
    wind = np.array([d["wind_speed"].mean() for d, _ in years]) / typical["wind_speed"].mean()
    np.testing.assert_allclose(ghi, scales[:, 0], rtol=RTOL_EXACT)
    np.testing.assert_allclose(wind, scales[:, 1], rtol=RTOL_EXACT)
    assert len({m["sha256"] for _, m in years}) == 3


@pytest.fixture(scope="module")
def ensemble():
    scenario = parse_scenario(SCENARIO)
    table = run_ensemble(scenario, weather_years(scenario, 8))
    return scenario, table


def test_p90_below_p50_below_p10_in_every_milestone(ensemble):
    scenario, table = ensemble
    assert len(table) == 8 * 8 * 2 and sorted(table.weather_year.unique()) == list(range(1, 9))
    block = uncertainty(scenario, table)
    assert [m["year"] for m in block["milestones"]] == [2024, 2025, 2030, 2031]
    for entry in block["milestones"]:
        for column in ("delivered_mwh", "avoided_tco2"):
            p = entry[column]
            assert p["p90"] < p["p50"] < p["p10"], (entry["year"], column, p)
        # P90 is the 10th percentile of the weather years' totals
        totals = table[table.year == entry["year"]].groupby("weather_year").delivered_mwh.sum()
        assert entry["delivered_mwh"]["p90"] == pytest.approx(np.percentile(totals, 10))


def test_wind_keeps_each_years_anomaly(ensemble):
    scenario, table = ensemble
    wind = table[(table.fleet == "wind") & (table.year == 2024)].delivered_mwh.to_numpy()
    pv = table[(table.fleet == "pv") & (table.year == 2024)].delivered_mwh.to_numpy()
    # the site mean is the long-term one; the years scatter around it (6 % in speed is
    # about 10 % in energy), PV with the irradiation (4 %)
    assert 0.04 < wind.std() / wind.mean() < 0.25
    assert 0.01 < pv.std() / pv.mean() < 0.10


def test_one_file_is_one_year():
    scenario = parse_scenario(SCENARIO.replace('altitude_m = 61', 'altitude_m = 61\n[weather]\nsource = "x.epw"'))
    with pytest.raises(ScenarioError, match="one weather file is one weather year"):
        weather_years(scenario, 5)
    with pytest.raises(ScenarioError, match="2 or more"):
        weather_years(parse_scenario(SCENARIO), 1)


def test_one_file_per_weather_year_by_list_or_glob(tmp_path):
    for i in range(3):
        data, meta = W.builtin_shaoguan(seed=10 + i)
        W.to_weather_csv(data, meta, tmp_path / f"year{i}.csv")
    glob = parse_scenario(SCENARIO.replace('altitude_m = 61', 'altitude_m = 61\n[weather]\nsource = "year*.csv"'),
                          base_dir=tmp_path)
    listed = parse_scenario(SCENARIO.replace(
        'altitude_m = 61', 'altitude_m = 61\n[weather]\nsource = ["year2.csv", "year0.csv"]'),
        base_dir=tmp_path)
    years = weather_years(glob, 3)
    assert [m["sha256"] for _, m in years] == [W.load_weather(tmp_path / f"year{i}.csv")[1]["sha256"]
                                              for i in range(3)]
    table = run_ensemble(listed, weather_years(listed, 2))
    assert sorted(table.weather_year.unique()) == [1, 2]
    with pytest.raises(ScenarioError, match="3 weather files for --weather-years 4"):
        weather_years(glob, 4)
    from energysim.simulate import run_scenario

    with pytest.raises(ScenarioError, match="names several weather years"):
        run_scenario(glob)


def test_cli_run_weather_years_writes_the_ensemble(tmp_path):
    import json

    import pandas as pd
    from click.testing import CliRunner

    from energysim.cli import main

    path = tmp_path / "ens.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    run = CliRunner().invoke(main, ["run", str(path), "-o", str(tmp_path / "out"),
                                    "--weather-years", "3", "--no-cache", "--no-plots"])
    assert run.exit_code == 0, run.output
    assert "over 3 weather years" in run.output
    folder = tmp_path / "out" / "ens"
    table = pd.read_parquet(folder / "ensemble.parquet")
    assert len(table) == 3 * 8 * 2 and set(table.columns) >= {"weather_year", "year", "fleet",
                                                              "delivered_mwh", "avoided_tco2"}
    block = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["uncertainty"]
    assert block["n_weather_years"] == 3
    assert set(block["milestones"][0]["delivered_mwh"]) == {"p50", "p90", "p10"}
    bad = CliRunner().invoke(main, ["run", str(path), "-o", str(tmp_path / "o2"),
                                    "--weather-years", "1"])
    assert bad.exit_code == 2 and not (tmp_path / "o2").exists()


def test_report_shows_the_weather_year_band(tmp_path):
    from click.testing import CliRunner

    from energysim.cli import main
    from energysim.report import render_report
    from energysim.results import read_result

    path = tmp_path / "ens.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    for extra in (["--weather-years", "3"], []):
        out = tmp_path / ("with" if extra else "without")
        run = CliRunner().invoke(main, ["run", str(path), "-o", str(out), "--no-cache",
                                        "--no-plots", *extra])
        assert run.exit_code == 0, run.output
    with_band = read_result(tmp_path / "with" / "ens")
    html = render_report([with_band], units="si")
    p = with_band.summary["uncertainty"]["milestones"][0]["delivered_mwh"]
    assert 'class="uncertainty"' in html and f"{p['p90'] / p['p50']:.3f}" in html
    assert 'class="uncertainty"' not in render_report([read_result(tmp_path / "without" / "ens")],
                                                     units="si")


def test_cli_weather_years_from_a_glob_of_files(tmp_path):
    from click.testing import CliRunner

    from energysim.cli import main

    for i in range(2):
        data, meta = W.builtin_shaoguan(seed=20 + i)
        W.to_weather_csv(data, meta, tmp_path / f"y{i}.csv")
    path = tmp_path / "ens.toml"
    path.write_text(SCENARIO.replace('altitude_m = 61', 'altitude_m = 61\n[weather]\nsource = "y*.csv"'),
                    encoding="utf-8")
    ok = CliRunner().invoke(main, ["run", str(path), "-o", str(tmp_path / "out"), "--no-cache",
                                   "--no-plots", "--weather-years", "2"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "ens" / "ensemble.parquet").is_file()
    plain = CliRunner().invoke(main, ["run", str(path), "-o", str(tmp_path / "o2"), "--no-cache"])
    assert plain.exit_code == 2 and "names several weather years" in plain.output
