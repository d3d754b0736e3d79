"""Scenario parsing: the shipped files, unit handling and every bad-input case of issue 2/4."""

import pytest

from energysim import units
from energysim.errors import ScenarioError
from energysim.scenario import load_scenario, parse_scenario, to_toml

BASE = """
name = "t"
years = [2021, 2030]
[site]
latitude = 24.68
longitude = 113.6
"""
PV = """
[[pv]]
name = "a"
capacity_mw = 10
"""
WIND = """
[[wind]]
name = "w"
capacity_wan_kw = 5
turbine = "E-115/3000"
hub_height_m = 120
"""


def parse(text):
    return parse_scenario(text, where="s.toml")


def test_shipped_potential_scenario(repo_root):
    scenario = load_scenario(repo_root / "scenarios" / "shaoguan-potential.toml")
    assert scenario.pv[0].capacity_mw == pytest.approx(8389.5)
    assert scenario.wind[0].capacity_mw == pytest.approx(3210.0)
    assert scenario.years == (2021, 2060)
    assert scenario.pv[0].buildout_share == {2021: 0.10, 2025: 0.50, 2030: 1.0}
    assert scenario.grid.emission_factor_t_per_mwh[2060] == 0.05


def test_wan_kw_and_mw_give_the_same_scenario():
    a = parse(BASE + PV.replace("capacity_mw = 10", "capacity_wan_kw = 1"))
    b = parse(BASE + PV)
    assert a.digest() == b.digest()
    assert a.pv[0].capacity_mw == units.wan_kw_to_mw(1)


def test_toml_round_trip_keeps_the_digest(tmp_path):
    scenario = parse(BASE + PV + "buildout_share = { 2021 = 0.5, 2025 = 1.0 }\n" + WIND)
    path = tmp_path / "again.toml"
    path.write_text(to_toml(scenario), encoding="utf-8")
    assert load_scenario(path).digest() == scenario.digest()


def test_single_axis_has_no_tilt():
    scenario = parse(BASE + PV + 'tracking = "single_axis"\n')
    assert scenario.pv[0].tilt_deg is None
    with pytest.raises(ScenarioError, match="tilt_deg is for fixed"):
        parse(BASE + PV + 'tracking = "single_axis"\ntilt_deg = 10\n')


@pytest.mark.parametrize("text, fragments", [
    ('name = "t"\nyears = [2021', ["s.toml", "TOML syntax error"]),
    (BASE + PV + "tilt_dg = 20\n", ["[pv.a] tilt_dg", "unknown key", "tilt_deg"]),
    (BASE + PV + "capacity = 20\n", ["[pv.a] capacity", "capacity_mw or capacity_wan_kw"]),
    (BASE + PV.replace("10", '"ten"'), ["[pv.a] capacity_mw", "valid number"]),
    (BASE + PV.replace("10", "-5"), ["[pv.a]", "-5", ">= 0"]),
    (BASE + PV.replace("capacity_mw = 10", ""), ["[pv.a]", "capacity missing"]),
    (BASE + PV + "capacity_wan_kw = 1\n", ["[pv.a]", "not both"]),
    (BASE + PV + "buildout_share = { 2021 = 1.5 }\n", ["[pv.a] buildout_share", "0..1"]),
    (BASE + PV + "buildout_share = { 2021 = -0.1 }\n", ["buildout_share", "0..1"]),
    (BASE + PV + "buildout_share = {}\n", ["buildout_share", "empty"]),
    (BASE + PV + "buildout_share = { soon = 0.5 }\n", ["buildout_share.soon", "not a year"]),
    (BASE.replace("[2021, 2030]", "[2030, 2021]") + PV, ["years", "first <= last"]),
    (BASE.replace("24.68", "124.68") + PV, ["[site] latitude", "90"]),
    (BASE + PV + 'tracking = "dual"\n', ["[pv.a] tracking", "'fixed' or 'single_axis'"]),
    (BASE + PV + "dc_ac_ratio = nan\n", ["dc_ac_ratio"]),
    (BASE + PV + PV, ["unique", "a"]),
    (BASE, ["no fleet"]),
    (BASE + PV + "[grid]\nemission_factor = { preset = \"guangdon\" }\n", ["unknown preset", "guangdong"]),
    (BASE + PV + "[grid]\nexport_limit_mw = 0\n", ["export_limit_mw", "> 0"]),
    (BASE + PV + "[grid]\nemission_factor_t_per_mwh = 0.5\nemission_factor = { preset = \"guangdong\" }\n",
     ["not both"]),
    (BASE + PV + "[grid]\nemission_factor_hourly_shape = [1.0, 2.0]\n", ["24", "8760"]),
    (BASE + PV + "[targets]\npeak_year = 2400\n", ["peak_year", "2100"]),
    (BASE + PV + "[[targets.capacity]]\ntechnology = \"pv\"\nyear = 2050\ncapacity_mw = 5\n",
     ["targets.capacity", "2050"]),
    (BASE + PV + 'buildout = { shape = "linear", by_fyp = "next" }\n', ["five-year plan", "15th"]),
    (BASE + PV + 'buildout = { shape = "cubic" }\n', ["shape", "linear"]),
    (BASE + WIND.replace("E-115/3000", "E-115/300"), ["[wind.w] turbine", "E-115/3000"]),
    (BASE + WIND.replace('turbine = "E-115/3000"\n', ""), ["[wind.w]", "turbine"]),
    (BASE + WIND.replace("hub_height_m = 120\n", ""), ["[wind.w] hub_height_m", "missing"]),
    (BASE + WIND + "[wind.power_curve]\nwind_speed_ms = [1, 2]\npower_kw = [0, 5]\n", ["one of the two"]),
    ('name = "a/b"\n' + BASE.replace('name = "t"\n', "") + PV, ["name", "folder"]),
    (BASE + PV.replace("capacity_mw = 10", "additions_mw = { 2021 = 10, 2022 = -20 }"),
     ["additions_mw[2022]", "negative"]),
    (BASE + PV.replace("capacity_mw = 10", "additions_mw = { 2021 = 10, 2022 = -5 }"),
     ["additions_mw[2022]", ">= 0"]),
    (BASE + PV.replace("capacity_mw = 10", "additions_mw = { 2045 = 10 }"), ["2045", "2021..2030"]),
    (BASE + PV + "buildout_share = { 2021 = 0.5, 2025 = 0.3 }\n", ["buildout_share[2025]", "only grow"]),
])
def test_bad_input_is_one_clear_line(text, fragments):
    with pytest.raises(ScenarioError) as info:
        parse(text)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("s.toml")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_missing_and_directory_paths(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "absent.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("name = 'caf\xe9'".encode("latin-1"))
    with pytest.raises(ScenarioError, match="UTF-8"):
        load_scenario(bad)


def test_builtin_weather_names_match_the_weather_package():
    from energysim import weather
    from energysim.scenario import BUILTIN_WEATHER

    assert BUILTIN_WEATHER == (weather.BUILTIN_SHAOGUAN,)


def test_tracking_names_match_the_physics_registry():
    import typing

    from energysim.physics.solar import TRACKING_TYPES
    from energysim.scenario import PVFleet

    allowed = typing.get_args(PVFleet.model_fields["tracking"].annotation)
    assert allowed == TRACKING_TYPES


# --------------------------------------------------------------------------- wind profile keys

def test_wind_site_mean_height_defaults_to_the_hub_and_the_law_is_recorded():
    fleet = parse(BASE + WIND).wind[0]
    assert fleet.mean_wind_height_m is None and fleet.site_mean_height_m == 120
    assert fleet.physics_kwargs()["mean_wind_height_m"] == 120
    assert fleet.wind_profile == "logarithmic"
    assert fleet.roughness_length_m == 0.1 and fleet.shear_exponent is None
    power = parse(BASE + WIND + "shear_exponent = 0.2\nmean_wind_height_m = 100\n").wind[0]
    assert power.wind_profile == "power_law" and power.roughness_length_m is None
    resolved = parse(BASE + WIND + "shear_exponent = 0.2\n").to_dict()["wind"][0]
    assert resolved["wind_profile"] == "power_law" and "roughness_length_m" not in resolved
    # the resolved scenario reads back to the same scenario
    again = parse_scenario(to_toml(parse(BASE + WIND + "shear_exponent = 0.2\n")))
    assert again.wind[0] == power.model_copy(update={"mean_wind_height_m": None})
    assert parse(BASE + WIND).wind[0].physics_key() != power.physics_key()


def test_a_site_mean_at_the_hub_follows_a_changed_hub():
    # Issue 11: without mean_wind_height_m the site mean is "at the hub", whatever the hub
    # is; changing the hub keeps it there, as the file written with the new hub does.
    mean = "mean_wind_speed_ms = 6.0\n"
    changed = parse(BASE + WIND + mean).with_changes({"wind[0].hub_height_m": 90})
    fresh = parse(BASE + WIND.replace("hub_height_m = 120", "hub_height_m = 90") + mean)
    assert changed.wind[0] == fresh.wind[0]
    assert changed.wind[0].physics_kwargs() == fresh.wind[0].physics_kwargs()
    assert changed.wind[0].physics_kwargs()["mean_wind_height_m"] == 90
    assert changed.digest() == fresh.digest()
    # a height given stays where it was given
    pinned = parse(BASE + WIND + mean + "mean_wind_height_m = 120\n")
    assert pinned.with_changes({"wind[0].hub_height_m": 90}).wind[0].site_mean_height_m == 120
    # "at the hub" and the hub's height given explicitly simulate (and digest) alike
    assert pinned.digest() == parse(BASE + WIND + mean).digest()
    assert pinned.wind[0].physics_key() == parse(BASE + WIND + mean).wind[0].physics_key()


@pytest.mark.parametrize("extra, fragment", [
    ("shear_exponent = 0.2\nroughness_length_m = 0.3\n", "not both"),
    ('wind_profile = "power_law"\n', "needs shear_exponent"),
    ("shear_exponent = 1.5\n", "shear_exponent = 1.5"),
    ("mean_wind_height_m = 0\n", "mean_wind_height_m = 0"),
    ("weibull_k = 0.5\n", "weibull_k = 0.5"),
])
def test_bad_wind_profile_keys(extra, fragment):
    with pytest.raises(ScenarioError, match=fragment) as err:
        parse(BASE + WIND + extra)
    assert "\n" not in str(err.value) and str(err.value).startswith("s.toml")


def test_switching_the_wind_law_with_changes():
    scenario = parse(BASE + WIND)
    power = scenario.with_changes({"wind[w].shear_exponent": 0.2})
    assert power.wind[0].wind_profile == "power_law" and power.wind[0].roughness_length_m is None
    back = power.with_changes({"wind[w].roughness_length_m": 0.3})
    assert back.wind[0].wind_profile == "logarithmic" and back.wind[0].shear_exponent is None


@pytest.mark.parametrize("table", ["[grid]\nexport_limit_mw = -3.0\n",
                                   "[grid]\ncoal_rate_g_per_kwh = -1.0\n"])
def test_an_error_names_the_key_and_value_once(table):
    # The validator names key and value; the formatter names them too: say them once.
    with pytest.raises(ScenarioError) as info:
        parse(BASE + PV + table)
    message = str(info.value)
    key, value = table.split("\n")[1].split(" = ")
    assert message.count(f"{key} = {value}") == 1, message
    assert message.endswith(f"[grid] {key} = {value}: must be a finite number "
                            f"{'>' if key == 'export_limit_mw' else '>='} 0")
