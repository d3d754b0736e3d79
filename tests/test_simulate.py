"""The orchestrator against independent derivations: physics x capacity, vintages, carbon."""

import numpy as np
import pytest

from energysim import carbon
from energysim.physics.solar import pv_profile_pu
from energysim.physics.wind import wind_profile_pu
from energysim.scenario import load_scenario, parse_scenario
from energysim.simulate import load_scenario_weather, run_scenario

RTOL = 1e-9  # float64 round-off over 8760-hour sums

HEAD = """
name = "t"
years = [2021, 2033]
[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
"""
ONE_PV = HEAD + """
[[pv]]
name = "pv"
capacity_mw = 100
[grid]
emission_factor_t_per_mwh = 0.5
"""


@pytest.fixture(scope="module")
def builtin_weather():
    scenario = parse_scenario(ONE_PV)
    return load_scenario_weather(scenario)


def run(text, weather):
    return run_scenario(parse_scenario(text), *weather)


def test_generation_is_capacity_times_the_pvlib_profile(builtin_weather):
    weather, meta = builtin_weather
    result = run(ONE_PV, builtin_weather)
    profile = pv_profile_pu(weather, 24.68, 113.6, 61.0, tracking="fixed", tilt_deg=20.0,
                            azimuth_deg=180.0, dc_ac_ratio=1.2, gcr=0.4, losses_pct=14.08)
    energy_per_mw = float(np.nansum(profile))
    row = result.annual.set_index("year").loc[2023]
    assert row.generation_mwh == pytest.approx(100 * energy_per_mw, rel=RTOL)
    assert row.avoided_tco2 == pytest.approx(0.5 * 100 * energy_per_mw, rel=RTOL)
    # 2024 is a leap year: Feb 28 counted twice
    leap = result.annual.set_index("year").loc[2024]
    feb28 = float(np.nansum(profile.to_numpy()[58 * 24:59 * 24]))
    assert leap.generation_mwh == pytest.approx(100 * (energy_per_mw + feb28), rel=RTOL)
    assert leap.hours_in_year == 8784


def test_wind_generation_matches_windpowerlib_profile(builtin_weather):
    weather, _ = builtin_weather
    text = HEAD + """
[[wind]]
name = "w"
capacity_mw = 30
turbine = "E-115/3000"
hub_height_m = 120
mean_wind_speed_ms = 6.0
availability_pct = 97
"""
    result = run(text, builtin_weather)
    profile = wind_profile_pu(weather["wind_speed"], weather["temp_air"], weather["pressure"],
                              wind_height_m=float(weather["wind_height_m"].iloc[0]),
                              turbine="E-115/3000", hub_height_m=120.0, mean_wind_speed_ms=6.0)
    expected = 30 * 0.97 * float(np.nansum(profile))
    assert result.annual.set_index("year").loc[2021].generation_mwh == pytest.approx(expected, rel=RTOL)


def test_vintage_degradation_and_retirement_end_to_end(builtin_weather):
    text = ONE_PV.replace("capacity_mw = 100", """capacity_mw = 100
lifetime_years = 10
[pv.degradation]
first_year_loss_pct = 2.0
annual_rate_pct = 0.5""")
    annual = run(text, builtin_weather).annual.set_index("year")
    year1 = annual.loc[2021].generation_mwh
    assert annual.loc[2023].generation_mwh == pytest.approx(year1 * 0.995 ** 2, rel=RTOL)
    assert annual.loc[2030].installed_mw == 100 and annual.loc[2031].installed_mw == 0
    assert annual.loc[2031].generation_mwh == 0
    repowered = run(text.replace("lifetime_years = 10", "lifetime_years = 10\nrepower = true"),
                    builtin_weather).annual.set_index("year")
    assert repowered.loc[2031].generation_mwh == pytest.approx(year1, rel=RTOL)


def test_conservation_linearity_and_zero(builtin_weather):
    base = ONE_PV + "export_limit_mw = 40\n"
    one = run(base, builtin_weather).annual
    assert one.curtailed_mwh.sum() > 0
    np.testing.assert_allclose(one.delivered_mwh + one.curtailed_mwh, one.generation_mwh, rtol=RTOL)
    free = run(ONE_PV, builtin_weather).annual
    double = run(ONE_PV.replace("capacity_mw = 100", "capacity_mw = 200"), builtin_weather).annual
    for column in ("generation_mwh", "delivered_mwh", "avoided_tco2"):
        np.testing.assert_allclose(double[column], 2 * free[column], rtol=RTOL)
    zero = run(ONE_PV.replace("capacity_mw = 100", "capacity_mw = 0"), builtin_weather).annual
    assert not zero[["generation_mwh", "delivered_mwh", "avoided_tco2"]].to_numpy().any()


def test_hourly_table_respects_limit_and_sums_to_annual(builtin_weather):
    text = ONE_PV.replace("[grid]", """[[wind]]
name = "w"
capacity_mw = 60
turbine = "E-115/3000"
hub_height_m = 120
mean_wind_speed_ms = 6.0
[grid]
export_limit_mw = 80""")
    result = run(text, builtin_weather)
    hourly = result.hourly[2021]
    total = hourly.groupby("time")["delivered_mw"].sum()
    assert total.max() <= 80 * (1 + 1e-12)
    assert len(total) == 8760 and str(total.index[0]) == "2020-12-31 16:00:00+00:00"
    first = result.annual[result.annual.year == 2021].set_index("fleet")
    by_fleet = hourly.groupby("fleet")[["generation_mw", "delivered_mw"]].sum()  # x 1 h
    np.testing.assert_allclose(by_fleet.generation_mw, first.generation_mwh[by_fleet.index], rtol=RTOL)
    np.testing.assert_allclose(by_fleet.delivered_mw, first.delivered_mwh[by_fleet.index], rtol=RTOL)


def test_cumulative_avoided_is_sum_of_delivered_times_factor(builtin_weather, repo_root):
    scenario = load_scenario(repo_root / "scenarios" / "shaoguan-potential.toml")
    result = run_scenario(scenario, *builtin_weather)
    annual = result.annual
    np.testing.assert_allclose(annual.avoided_tco2,
                               annual.delivered_mwh * annual.emission_factor_t_per_mwh, rtol=RTOL)
    totals = result.totals.set_index("year")
    assert totals.cumulative_avoided_tco2.iloc[-1] == pytest.approx(
        (annual.delivered_mwh * annual.emission_factor_t_per_mwh).sum(), rel=RTOL)
    # the city's full potential is in operation from 2030
    assert totals.loc[2030].installed_pv_mw == pytest.approx(8389.5)
    assert totals.loc[2030].installed_wind_mw == pytest.approx(3210.0)
    assert [m["year"] for m in result.summary["milestones"]] == [2021, 2025, 2030, 2035, 2060]


def test_emission_shape_weights_the_hours(builtin_weather):
    flat = run(ONE_PV, builtin_weather).annual
    day_only = [0.0] * 6 + [2.0] * 12 + [0.0] * 6  # local 06-18 h count double, night not at all
    shaped = run(ONE_PV.replace("[grid]", f"[grid]\nemission_factor_hourly_shape = {day_only}"),
                 builtin_weather).annual
    ratio = shaped.avoided_tco2.sum() / flat.avoided_tco2.sum()
    assert 1.9 < ratio <= 2.0  # PV output is almost all between 06 and 18 h local


def test_preset_and_capacity_targets(builtin_weather):
    text = ONE_PV.replace("emission_factor_t_per_mwh = 0.5",
                          'emission_factor = { preset = "guangdong", extend = "hold" }') + """
[targets]
peak_year = 2030
baseline_emissions_mt = { 2021 = 10.0, 2033 = 8.0 }
[[targets.capacity]]
technology = "pv"
year = 2025
capacity_wan_kw = 20
"""
    result = run(text, builtin_weather)
    totals = result.totals.set_index("year")
    assert totals.loc[2022].emission_factor_t_per_mwh == 0.4403
    assert totals.loc[2025].target_pv_2025_progress == pytest.approx(100 / 200)
    assert totals.loc[2021].baseline_offset_share == pytest.approx(totals.loc[2021].avoided_tco2 / 1e7)
    np.testing.assert_allclose(
        carbon.preset_path("guangdong", [2021, 2022, 2023], extend="hold"),
        totals.loc[2021:2023].emission_factor_t_per_mwh)


@pytest.mark.parametrize("name", ["shaoguan-potential", "shaoguan-conservative",
                                  "shaoguan-14th-fyp", "shaoguan-deep-decarb"])
def test_shipped_scenarios_run_and_conserve_energy(name, repo_root, builtin_weather):
    scenario = load_scenario(repo_root / "scenarios" / f"{name}.toml")
    result = run_scenario(scenario, *builtin_weather)
    annual = result.annual
    assert len(annual) == 40 * len(scenario.fleets)
    np.testing.assert_allclose(annual.delivered_mwh + annual.curtailed_mwh, annual.generation_mwh,
                               rtol=RTOL)
    flh = annual[annual.installed_mw > 0].groupby("technology").full_load_hours.mean()
    # plausibility against REFERENCE §2/§7: PV ~880 h on this climate, wind ~2000 h design
    assert 700 < flh["pv"] < 1200 and 1500 < flh["wind"] < 2800


def test_additions_table_builds_vintages(builtin_weather):
    text = ONE_PV.replace("capacity_mw = 100", """additions_wan_kw = { 2021 = 5, 2024 = 5 }
lifetime_years = 5""")
    annual = run(text, builtin_weather).annual.set_index("year")
    assert annual.installed_mw.tolist() == [50, 50, 50, 100, 100, 50, 50, 50, 0, 0, 0, 0, 0]


def test_taller_hub_over_the_same_site_gives_more_energy(builtin_weather):
    wind = """
[[wind]]
name = "w"
capacity_mw = 30
turbine = "E-115/3000"
hub_height_m = {hub}
mean_wind_speed_ms = 6.0
mean_wind_height_m = 100
"""
    energy = {hub: run(HEAD + wind.format(hub=hub), builtin_weather).annual.generation_mwh.sum()
              for hub in (90, 140)}
    assert energy[140] > 1.05 * energy[90]
    # the default height is the hub's: 6.0 m/s at the hub, as before
    at_hub = run(HEAD + wind.format(hub=140).replace("mean_wind_height_m = 100", ""),
                 builtin_weather).annual.generation_mwh.sum()
    same = run(HEAD + wind.format(hub=140).replace("= 100", "= 140"),
               builtin_weather).annual.generation_mwh.sum()
    assert at_hub == same and at_hub < energy[140]  # 6.0 m/s at 140 m < 6.0 at 100 m
