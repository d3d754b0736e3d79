"""Issue 12 end to end: the [[hydro]], [[biomass]], [[storage]] and [[electrolyser]] tables,
their bad inputs, and the dispatch through run_scenario on the built-in Shaoguan year."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from energysim import units
from energysim.cli import main
from energysim.errors import ScenarioError
from energysim.scenario import parse_scenario, to_toml
from energysim.simulate import load_scenario_weather, run_scenario

RTOL = 1e-9   # float64 round-off over 8,760-hour sums
ATOL = 1e-6   # MWh, on annual sums of up to ~10^6 MWh

HEAD = """
name = "t"
years = [2023, 2026]
[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
[grid]
emission_factor_t_per_mwh = 0.5
"""
PV = """
[[pv]]
name = "pv"
capacity_mw = 400
"""
HYDRO = """
[[hydro]]
name = "hydro"
capacity_mw = 100
monthly_capacity_factor = [0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.5, 0.4, 0.4, 0.3, 0.2, 0.2]
"""
BIOMASS = """
[[biomass]]
name = "bio"
capacity_wan_kw = 3
annual_full_load_hours = 5256
"""
STORAGE = """
[[storage]]
name = "bat"
power_mw = 50
duration_h = 2
min_soc_pct = 10
"""
ELECTROLYSER = """
[[electrolyser]]
name = "h2"
capacity_mw = 20
"""
LIMIT = "export_limit_mw = 250\n"  # goes into [grid]


def parse(text):
    return parse_scenario(text, where="s.toml")


def with_limit(text, limit=LIMIT):
    return text.replace("[grid]\n", "[grid]\n" + limit, 1)


# --------------------------------------------------------------------------- schema

def test_new_tables_parse_with_defaults_and_chinese_units():
    s = parse(HEAD + PV + HYDRO + BIOMASS + STORAGE + ELECTROLYSER)
    assert [f.technology for f in s.fleets] == ["pv", "hydro", "biomass"]
    assert s.biomass[0].capacity_mw == pytest.approx(30.0)
    assert s.storage[0].capacity_mw == 50.0 and s.storage[0].round_trip_efficiency == 0.85
    e = s.electrolyser[0]
    assert (e.kwh_per_kg, e.min_load_pct, e.supply, e.displaced_kgco2_per_kg) == \
        (55.0, 15.0, "surplus", 19.0)
    w = parse(HEAD + PV + STORAGE.replace("power_mw = 50", "power_wan_kw = 5"))
    assert w.storage[0].capacity_mw == pytest.approx(50.0)
    g = parse(HEAD + PV + ELECTROLYSER + 'displaced_kgco2_per_kg = "gas-reforming"\n')
    assert g.electrolyser[0].displaced_kgco2_per_kg == 10.0


def test_resolved_scenario_reads_back_with_the_same_digest():
    text = (HEAD + PV + HYDRO + BIOMASS + STORAGE + '[[storage]]\nname = "p"\npairing = "guangdong"\n'
            + ELECTROLYSER + 'supply = ["hydro"]\n')
    s = parse(text)
    again = parse(to_toml(s))
    assert again.digest() == s.digest()


@pytest.mark.parametrize("text, fragments", [
    (HEAD + PV + STORAGE.replace("50", "-5"), ["[storage.bat]", "-5", ">= 0"]),
    (HEAD + PV + STORAGE + "round_trip_efficiency = 1.2\n", ["[storage.bat] round_trip_efficiency", "1.2", "1"]),
    (HEAD + PV + STORAGE.replace("duration_h = 2", ""), ["[storage.bat]", "duration_h missing"]),
    (HEAD + PV + STORAGE + "capacity_mw = 5\n", ["[storage.bat]", "not both"]),
    (HEAD + PV + STORAGE + 'pairing = "guangdong"\n', ["[storage.bat]", "pairing", "drop"]),
    (HEAD + PV + STORAGE + 'pairing = "hainan"\n', ["[storage.bat] pairing", "guangdong"]),
    (HEAD + PV + STORAGE.replace("min_soc_pct = 10", "min_soc_pct = 100"), ["[storage.bat] min_soc_pct", "100"]),
    (HEAD + PV + STORAGE + "power = 3\n", ["[storage.bat] power", "power_mw or power_wan_kw"]),
    (HEAD + PV + HYDRO.replace("0.2, 0.2, 0.3", "0.2, 0.3"), ["[hydro.hydro] monthly_capacity_factor",
                                                              "11 values", "give 12"]),
    (HEAD + PV + HYDRO.replace("0.6", "1.6"), ["[hydro.hydro] monthly_capacity_factor", "0..1"]),
    (HEAD + PV + HYDRO + "daily_shape = [1.0, 2.0]\n", ["[hydro.hydro] daily_shape", "give 24"]),
    (HEAD + PV + HYDRO + "daily_shape = " + str([0.0] * 23 + [1.0]) + "\n",
     ["[hydro.hydro]", "exceed the capacity"]),
    (HEAD + PV + BIOMASS.replace("annual_full_load_hours = 5256", ""), ["[biomass.bio]", "one of the two"]),
    (HEAD + PV + BIOMASS + "capacity_factor = 0.5\n", ["[biomass.bio]", "one of the two"]),
    (HEAD + PV + BIOMASS.replace("5256", "9000"), ["[biomass.bio] annual_full_load_hours", "8760"]),
    (HEAD + PV + ELECTROLYSER + "min_load_pct = 120\n", ["[electrolyser.h2] min_load_pct", "120", "100"]),
    (HEAD + PV + ELECTROLYSER + "kwh_per_kg = -3\n", ["[electrolyser.h2] kwh_per_kg", "-3"]),
    (HEAD + PV + ELECTROLYSER + 'supply = ["pv", "wnd"]\n', ["[electrolyser.h2] supply", "unknown fleet 'wnd'"]),
    (HEAD + PV + BIOMASS + ELECTROLYSER + 'supply = ["bio"]\n', ["supply", "'bio'", "PV, wind or hydro"]),
    (HEAD + PV + ELECTROLYSER + 'supply = "grid"\n', ["[electrolyser.h2] supply"]),
    (HEAD + PV + ELECTROLYSER + 'displaced_kgco2_per_kg = "coal"\n',
     ["displaced_kgco2_per_kg", "unknown preset 'coal'", "coal-gasification"]),
    (HEAD + PV + ELECTROLYSER + ELECTROLYSER.replace('"h2"', '"h3"') + 'supply = ["pv"]\n'
     + ELECTROLYSER.replace('"h2"', '"h4"') + 'supply = ["pv"]\n', ["already feeds"]),
    (HEAD + PV + STORAGE.replace('"bat"', '"pv"'), ["unique", "pv"]),
    (HEAD + PV + STORAGE + "curtailment_pct = 2\n", ["[storage.bat]", "generating fleets"]),
    (HEAD + PV + ELECTROLYSER + "curtailment_pct = 2\n", ["[electrolyser.h2]", "not to electrolyser"]),
    (HEAD + HYDRO + '[[storage]]\nname = "p"\npairing = "guangdong"\n', ["pairing", "no PV or wind"]),
    (HEAD.replace("[grid]", '[targets]\nbaseline_emissions_mt = "shaoguan"\n[grid]') + PV,
     ["baseline_emissions_mt"]),
])
def test_bad_input_is_one_line(text, fragments):
    with pytest.raises(ScenarioError) as err:
        parse(text)
    message = str(err.value)
    assert "\n" not in message and message.startswith("s.toml ")
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("extra", [
    STORAGE.replace("50", "-5"), STORAGE + "round_trip_efficiency = 1.2\n",
    HYDRO.replace("0.2, 0.2, 0.3", "0.2, 0.3"), ELECTROLYSER + 'supply = ["nope"]\n',
    ELECTROLYSER + "min_load_pct = 120\n"])
def test_cli_exits_2_with_one_line(tmp_path, extra):
    path = tmp_path / "bad.toml"
    path.write_text(HEAD + PV + extra, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert not out.exists()


# --------------------------------------------------------------------------- simulate

@pytest.fixture(scope="module")
def weather():
    return load_scenario_weather(parse(HEAD + PV))


def run(text, weather):
    return run_scenario(parse(text), *weather)


def rows(result, tech, year=None):
    a = result.annual
    a = a[a.technology == tech]
    return a if year is None else a[a.year == year].iloc[0]


def test_hydro_energy_is_monthly_factor_times_hours(weather):
    result = run(HEAD + HYDRO, weather)
    cf = [0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.5, 0.4, 0.4, 0.3, 0.2, 0.2]
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    expected = 100.0 * sum(c * d * 24 for c, d in zip(cf, days))
    assert rows(result, "hydro", 2023).generation_mwh == pytest.approx(expected, rel=RTOL)
    # 2024 is a leap year: Feb 28 is repeated as Feb 29.
    assert rows(result, "hydro", 2024).generation_mwh == pytest.approx(expected + 100 * 0.2 * 24,
                                                                     rel=RTOL)
    shaped = run(HEAD + HYDRO + "daily_shape = " + str([0.5] * 12 + [1.5] * 12) + "\n", weather)
    assert rows(shaped, "hydro", 2023).generation_mwh == pytest.approx(expected, rel=RTOL)
    hourly = shaped.hourly[2023]
    assert hourly.generation_mw.max() == pytest.approx(100 * 0.6 * 1.5)


def test_biomass_backs_off_before_pv_is_curtailed(weather):
    free = run(HEAD + PV + BIOMASS, weather)
    assert rows(free, "biomass", 2023).generation_mwh == pytest.approx(30.0 * 5256, rel=RTOL)
    limited = run(with_limit(HEAD + PV + BIOMASS, "export_limit_mw = 300\n"), weather)
    pv_only = run(with_limit(HEAD + PV, "export_limit_mw = 300\n"), weather)
    bio = rows(limited, "biomass", 2023)
    assert 0 < bio.generation_mwh < 30.0 * 5256
    # PV loses exactly what it lost without biomass: biomass made the room first.
    np.testing.assert_allclose(rows(limited, "pv").curtailed_mwh, rows(pv_only, "pv").curtailed_mwh,
                               rtol=RTOL)
    hourly = limited.hourly[2023]
    total = hourly.groupby("time").delivered_mw.sum()
    assert total.max() <= 300.0 + 1e-9


def test_fleet_rows_conserve_energy_and_storage_rows_deliver_discharge(weather):
    result = run(with_limit(HEAD + PV + HYDRO + BIOMASS + STORAGE + ELECTROLYSER), weather)
    a = result.annual
    fleets = a[a.technology.isin(["pv", "hydro", "biomass"])]
    np.testing.assert_allclose(fleets.generation_mwh, fleets.delivered_mwh + fleets.charged_mwh
                               + fleets.consumed_mwh + fleets.curtailed_mwh, rtol=RTOL, atol=ATOL)
    bat = rows(result, "storage")
    assert (bat.generation_mwh == 0).all() and (bat.delivered_mwh == bat.discharged_mwh).all()
    assert bat.charged_mwh.sum() > 0
    # What the fleets sent is what storage received; the discharge is at most RTE x charge.
    by_year = fleets.groupby("year").charged_mwh.sum().to_numpy()
    np.testing.assert_allclose(by_year, bat.charged_mwh.to_numpy(), rtol=RTOL)
    assert bat.discharged_mwh.sum() <= 0.85 * bat.charged_mwh.sum() + 1e-6
    h2 = rows(result, "electrolyser")
    assert (h2.generation_mwh == 0).all() and (h2.delivered_mwh == 0).all()
    np.testing.assert_allclose(h2.hydrogen_t, units.hydrogen_t_from_mwh(h2.consumed_mwh, 55.0))
    np.testing.assert_allclose(h2.avoided_tco2, h2.hydrogen_t * 19.0, rtol=RTOL)
    np.testing.assert_allclose(h2.consumed_mwh.sum(), fleets.consumed_mwh.sum(), rtol=RTOL)


def test_storage_and_electrolyser_lower_curtailment_by_what_they_took(weather):
    base = with_limit(HEAD + PV + HYDRO)
    plain = run(base, weather).annual
    both = run(base + STORAGE + ELECTROLYSER, weather).annual
    cut0 = plain.groupby("year").curtailed_mwh.sum()
    fleets = both[both.technology.isin(["pv", "hydro"])]
    cut1 = fleets.groupby("year").curtailed_mwh.sum()
    took = fleets.groupby("year")[["charged_mwh", "consumed_mwh"]].sum().sum(axis=1)
    assert (cut0 > 0).all() and (took > 0).all()
    np.testing.assert_allclose(cut0 - cut1, took, rtol=1e-9, atol=ATOL)
    # The fleets' generation is untouched by storage.
    np.testing.assert_allclose(plain.groupby("year").generation_mwh.sum(),
                               fleets.groupby("year").generation_mwh.sum(), rtol=RTOL)


def test_hourly_table_matches_the_annual_rows_and_soc_stays_in_bounds(weather):
    text = with_limit(HEAD + PV + HYDRO + STORAGE + ELECTROLYSER) + "[output]\nhourly_years = [2024]\n"
    result = run(text, weather)
    hourly = result.hourly[2024]
    assert len(hourly) == 8784 * 4
    sums = hourly.groupby("fleet")[["generation_mw", "delivered_mw", "curtailed_mw",
                                     "charged_mw", "consumed_mw"]].sum()
    year = result.annual[result.annual.year == 2024].set_index("fleet")
    for fleet in ("pv", "hydro", "bat"):
        for h_col, a_col in (("generation_mw", "generation_mwh"), ("delivered_mw", "delivered_mwh"),
                             ("curtailed_mw", "curtailed_mwh"), ("charged_mw", "charged_mwh")):
            assert sums.loc[fleet, h_col] == pytest.approx(year.loc[fleet, a_col], rel=1e-9, abs=ATOL)
    assert sums.loc["h2", "consumed_mw"] == pytest.approx(year.loc["h2", "consumed_mwh"], rel=1e-9)
    soc = hourly[hourly.technology == "storage"].soc_mwh
    assert soc.min() >= 10.0 - 1e-9 and soc.max() <= 100.0 + 1e-9  # 10 % of 50 MW x 2 h
    load = hourly[hourly.technology == "electrolyser"].consumed_mw
    assert ((load == 0) | (load >= 0.15 * 20 - 1e-9)).all() and load.max() <= 20 + 1e-9
    total = hourly[hourly.technology.isin(["pv", "hydro", "storage"])].groupby("time").delivered_mw.sum()
    assert total.max() <= 250.0 + 1e-9


def test_dedicated_electrolyser_runs_without_a_limit(weather):
    result = run(HEAD + PV + HYDRO + ELECTROLYSER + 'supply = ["hydro"]\n', weather)
    h2 = rows(result, "electrolyser", 2023)
    hydro = rows(result, "hydro", 2023)
    # Hydro never falls below 20 MW (0.2 x 100 MW): the 20 MW electrolyser runs every hour.
    assert h2.consumed_mwh == pytest.approx(20.0 * 8760, rel=RTOL)
    assert hydro.consumed_mwh == pytest.approx(h2.consumed_mwh, rel=RTOL)
    assert hydro.curtailed_mwh == 0.0


def test_paired_storage_follows_the_guangdong_rule(weather):
    text = (HEAD.replace("[2023, 2026]", "[2022, 2026]") + PV.replace("capacity_mw = 400", "")
            + "additions_mw = { 2022 = 100, 2023 = 100, 2024 = 100, 2025 = 100 }\n"
            + '[[storage]]\nname = "paired"\npairing = "guangdong"\n')
    bat = rows(run(text, weather), "storage").set_index("year")
    assert bat.installed_mw.tolist() == pytest.approx([0.0, 5.0, 15.0, 25.0, 25.0])


def test_baseline_preset_and_milestone_share(weather):
    text = HEAD.replace("[grid]", '[targets]\nbaseline_emissions_mt = "shaoguan-ceads"\n'
                        'baseline_decline_pct_per_year = 2.0\n[grid]') + PV
    result = run(text, weather)
    totals = result.totals.set_index("year")
    assert totals.baseline_emissions_tco2[2023] == pytest.approx(34.53e6 * 0.98 ** 4)
    np.testing.assert_allclose(totals.baseline_offset_share,
                               totals.avoided_tco2 / totals.baseline_emissions_tco2)
    first = result.summary["milestones"][0]
    assert first["baseline_offset_share"] == pytest.approx(totals.baseline_offset_share[2023])


def test_pv_wind_scenarios_keep_their_columns(weather):
    result = run(with_limit(HEAD + PV), weather)
    assert "charged_mwh" not in result.annual and "soc_mwh" not in result.hourly[2023]
    assert isinstance(result.annual, pd.DataFrame)


def test_shipped_integrated_scenario(repo_root, weather):
    from energysim.scenario import load_scenario

    scenario = load_scenario(repo_root / "scenarios" / "shaoguan-integrated.toml")
    assert {f.technology for f in scenario.units} == {"pv", "wind", "hydro", "biomass", "storage",
                                                      "electrolyser"}
    result = run_scenario(scenario, *weather)
    a = result.annual
    fleets = a[~a.technology.isin(["storage", "electrolyser"])]
    np.testing.assert_allclose(fleets.generation_mwh, fleets.delivered_mwh + fleets.charged_mwh
                               + fleets.consumed_mwh + fleets.curtailed_mwh, rtol=RTOL, atol=ATOL)
    paired = rows(result, "storage").set_index("year")
    assert paired.installed_mw[2022] == 0 and paired.installed_mw[2030] > 0
    assert rows(result, "electrolyser").hydrogen_t.sum() > 0
    assert "baseline_offset_share" in result.summary["milestones"][0]


def test_figures_show_new_fleets_but_not_storage_as_capacity(weather):
    from energysim.plotting import annual_generation_figure, installed_capacity_figure

    result = run(with_limit(HEAD + PV + HYDRO + BIOMASS + STORAGE + ELECTROLYSER), weather)
    fig = installed_capacity_figure(result, units="si")
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    assert names == ["biomass", "hydro", "PV"]
    fig = annual_generation_figure(result, units="cn")
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(n.startswith("储能 storage") for n in names)
    assert not any("electrolyser" in n for n in names)


def test_batch_of_dispatched_scenarios_equals_single_runs(weather):
    from energysim.simulate import simulate_batch

    texts = [with_limit(HEAD + PV + HYDRO + STORAGE + ELECTROLYSER, f"export_limit_mw = {mw}\n")
             for mw in (200, 260)]
    texts.append(texts[0].replace("power_mw = 50", "power_mw = 80"))
    scenarios = [parse(t) for t in texts]
    batch = simulate_batch(scenarios, *weather)
    for scenario, arrays in zip(scenarios, batch):
        alone = simulate_batch([scenario], *weather)[0]
        np.testing.assert_allclose(arrays.curtailed_mwh, alone.curtailed_mwh, rtol=RTOL)
        np.testing.assert_allclose(arrays.dispatch.storage_charged_mwh,
                                   alone.dispatch.storage_charged_mwh, rtol=RTOL)
    assert not np.allclose(batch[0].curtailed_mwh, batch[1].curtailed_mwh)
    assert not np.allclose(batch[0].dispatch.storage_charged_mwh,
                           batch[2].dispatch.storage_charged_mwh)


def test_validate_lists_storage_and_electrolysers(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(HEAD + PV + STORAGE + '[[storage]]\nname = "p"\npairing = "guangdong"\n'
                    + ELECTROLYSER, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "bat (storage, 5 万千瓦)" in result.output and "p (storage, paired: guangdong rule)" in result.output
    assert "h2 (electrolyser, 2 万千瓦)" in result.output


def test_compare_shows_new_quantities_only_when_present(weather):
    from energysim.comparison import compare

    plain = run(HEAD + PV, weather)
    full = run(HEAD.replace("[grid]", '[targets]\nbaseline_emissions_mt = "shaoguan-ceads"\n[grid]')
               + PV + HYDRO + STORAGE + ELECTROLYSER + 'supply = ["hydro"]\n', weather)
    assert "installed_hydro_mw" not in set(compare([plain]).kpi)
    table = compare([full, plain])
    kpis = set(table.kpi)
    assert {"installed_hydro_mw", "installed_storage_mw", "hydrogen_t",
            "baseline_offset_share"} <= kpis
    row = table[(table.kpi == "hydrogen_t") & (table.year == 2023)].iloc[0]
    assert row[full.name] == pytest.approx(
        full.totals.set_index("year").hydrogen_t[2023])
