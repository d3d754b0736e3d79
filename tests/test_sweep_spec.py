"""The sweep file's model: strict types, the scenario's one-line messages, exclusive keys.

Every message goes through :func:`energysim.scenario.format_validation_error`; keys that
replace each other (both ways) come from :data:`energysim.scenario_paths.REPLACES`, and a
test checks that the scenario itself refuses each such pair (a new pair needs a value in
VALUES below).
"""

import math

import pytest

from energysim.errors import ScenarioError
from energysim.scenario import scenario_from_dict
from energysim.scenario_paths import REPLACES
from energysim.sweep import expand, parse_sweep, validate_points

BASE = """
name = "mini"
years = [2021, 2030]
[site]
latitude = 24.68
longitude = 113.60
[[pv]]
name = "utility-pv"
capacity_wan_kw = 40
buildout_share = { 2021 = 0.5, 2030 = 1.0 }
[[wind]]
name = "ridge-wind"
capacity_mw = 200
turbine = "E-115/3000"
hub_height_m = 100
mean_wind_speed_ms = 6.0
[grid]
emission_factor_t_per_mwh = { 2021 = 0.55, 2030 = 0.4 }
"""

# A valid value of every key in REPLACES, and the table that holds it.
VALUES = {
    "capacity_mw": 100, "capacity_wan_kw": 10, "additions_mw": {"2021": 50.0},
    "additions_wan_kw": {"2021": 5.0}, "buildout_share": {"2021": 0.5, "2030": 1.0},
    "buildout": {"shape": "linear", "target_year": 2030},
    "turbine": "E-115/3000", "power_curve": {"wind_speed_ms": [3, 12, 25],
                                             "power_kw": [0, 3000, 3000]},
    "emission_factor_t_per_mwh": {"2021": 0.5}, "emission_factor": {"preset": "guangdong"},
    "roughness_length_m": 0.1, "shear_exponent": 0.2,
}
TABLE = {"turbine": "wind", "power_curve": "wind", "roughness_length_m": "wind",
         "shear_exponent": "wind", "emission_factor_t_per_mwh": "grid", "emission_factor": "grid"}
# Pairs that replace each other (a key that replaces another one way only, such as the
# wind_profile derived from roughness_length_m, may be swept beside it).
PAIRS = sorted({tuple(sorted((key, other))) for key, others in REPLACES.items()
                for other in others if key in REPLACES.get(other, ())})


@pytest.fixture
def base_path(tmp_path):
    path = tmp_path / "base.toml"
    path.write_text(BASE, encoding="utf-8")
    return path


def sweep_error(base_path, data):
    with pytest.raises(ScenarioError) as info:
        parse_sweep({"base": "base.toml", **data}, base_path.parent / "bad.toml")
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(base_path.parent / "bad.toml"))
    return message


def _table(keys):
    """A scenario table holding ``keys`` (and what it needs besides them)."""
    table = TABLE.get(keys[0], "pv")
    data = {key: VALUES[key] for key in keys}
    if table == "wind":
        data.update(name="w", capacity_mw=10, hub_height_m=100, mean_wind_speed_ms=6.0)
        if not {"turbine", "power_curve"} & set(keys):
            data["turbine"] = VALUES["turbine"]
    elif table == "pv":
        data["name"] = "p"
        if not any(k.startswith(("capacity", "additions")) for k in keys):
            data["capacity_mw"] = 100
    scenario = {"name": "s", "years": [2021, 2030], "site": {"latitude": 24.7, "longitude": 113.6},
                "pv": [{"name": "p", "capacity_mw": 1}], "wind": []}
    scenario[table] = [data] if table in ("pv", "wind") else data
    return scenario


@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
def test_keys_that_replace_each_other_are_refused_together_by_scenario_and_sweep(base_path, pair):
    # The table agrees with the scenario: each key alone validates, the two together do not.
    for key in pair:
        scenario_from_dict(_table([key]))
    with pytest.raises(ScenarioError):
        scenario_from_dict(_table(list(pair)))
    # A sweep setting both is refused up front, naming both parameters.
    table = TABLE.get(pair[0], "pv")
    prefix = f"{table}[0]." if table in ("pv", "wind") else f"{table}."
    a, b = (prefix + key for key in pair)
    message = sweep_error(base_path, {"parameters": {a: [VALUES[pair[0]]], b: [VALUES[pair[1]]]}})
    assert f"[parameters] {b}: sets {pair[1]}, which excludes {pair[0]} set by {a}" in message
    # Either one alone is swept, replacing the other in every point.
    spec = parse_sweep({"base": "base.toml", "parameters": {b: [VALUES[pair[1]]]}},
                       base_path.parent / "ok.toml")
    assert validate_points(spec, expand(spec))["groups"] == 1


def test_a_key_replaced_one_way_only_may_be_swept_beside_the_key_replacing_it(base_path):
    spec = parse_sweep({"base": "base.toml", "parameters": {
        "wind[0].wind_profile": ["logarithmic"], "wind[0].roughness_length_m": [0.05, 0.2]}},
        base_path.parent / "ok.toml")
    assert validate_points(spec, expand(spec))["groups"] == 2


def test_a_linked_parameter_cannot_set_both_keys_of_a_pair(base_path):
    message = sweep_error(base_path, {"parameters": {"cap": {
        "paths": ["pv[0].capacity_mw", "pv[utility-pv].capacity_wan_kw"], "values": [10]}}})
    assert "[parameters] cap: sets capacity_wan_kw, which excludes capacity_mw" in message


@pytest.mark.parametrize("data, expected", [
    ({"design": {"kind": "random", "samples": True}}, "[design] samples = True: give a whole"),
    ({"design": {"kind": "random", "samples": 4, "seed": 1.5}}, "[design] seed = 1.5: give a whole"),
    ({"design": {"kind": 3}}, "[design] kind = 3: allowed: 'grid', 'random', 'lhs'"),
    ({"parameters": {"pv[0].azimuth_deg": {"start": "1", "stop": 3, "step": 1}}},
     "[parameters] pv[0].azimuth_deg start = '1': must be a finite number"),
    ({"design": {"kind": "lhs", "samples": 4},
      "parameters": {"pv[0].azimuth_deg": {"dist": "uniform", "low": False, "high": 3}}},
     "[parameters] pv[0].azimuth_deg low = False: must be a finite number"),
    ({"design": {"kind": "lhs", "samples": 4},
      "parameters": {"pv[0].azimuth_deg": {"dist": "normal", "mean": math.inf, "sd": 1}}},
     "[parameters] pv[0].azimuth_deg mean = inf: must be a finite number"),
    ({"parameters": {"pv[0].azimuth_deg": [180, math.nan]}},
     "[parameters] pv[0].azimuth_deg = [180, NaN]: nan is not a finite number"),
    ({"parameters": {"pv[0].azimuth_deg": {"values": [1, 2], "labels": ["a", 2]}}},
     "[parameters] pv[0].azimuth_deg labels = [\"a\", 2]: give one non-empty string per value"),
    ({"parameters": {"pv[0].azimuth_deg": [180]}, "output": {"years": [2025.0]}},
     "[output] years = [2025.0]: give a list of years"),
], ids=["samples-bool", "seed-float", "kind-int", "start-text", "low-bool", "mean-inf",
        "value-nan", "label-int", "year-float"])
def test_numbers_are_strict_and_finite(base_path, data, expected):
    assert expected in sweep_error(base_path, data)


def test_messages_are_the_scenario_formatters(base_path):
    # Unknown keys get "did you mean" or the allowed keys of their table.
    assert "[design] kid: unknown key; did you mean 'kind'?" in sweep_error(
        base_path, {"design": {"kid": "grid"}, "parameters": {"pv[0].azimuth_deg": [1]}})
    message = sweep_error(base_path, {"parameters": {"pv[0].azimuth_deg": {
        "start": 1, "stop": 3, "step": 1, "labels": ["a", "b", "c"]}}})
    assert "[parameters] pv[0].azimuth_deg labels: unknown key; allowed: paths, alias, start" \
        in message
    # A key a table needs; further problems are counted.
    assert "[parameters] pv[0].azimuth_deg high: required key missing" in sweep_error(
        base_path, {"design": {"kind": "lhs", "samples": 3},
                    "parameters": {"pv[0].azimuth_deg": {"dist": "uniform", "low": 1}}})
    message = sweep_error(base_path, {"design": {"kind": "lhs"}, "parameters": {}})
    assert message.endswith("[design] samples missing: kind = 'lhs' needs samples = <number of "
                            "points> (and 1 more problem)")
    # A quoted key holding a line break stays on one line.
    assert "'pv[0].\\nazimuth_deg'" in sweep_error(
        base_path, {"parameters": {"pv[0].\nazimuth_deg": [1]}})


def test_format_numbers_gives_format_number_text_in_one_pass():
    from energysim.sweep.spec import format_number, format_numbers

    values = [12345.6, 1e-5, 0.00012345, 99995.0, 1e16, -2.5e-12, 0.0, -0.0, 250.0, 0.35,
              math.inf, -math.inf, math.nan]
    # By hand: 4 significant digits, the exponent without "+" or leading zeros.
    assert format_numbers(values) == ["1.235e4", "1e-5", "0.0001234", "1e5", "1e16", "-2.5e-12",
                                      "0", "-0", "250", "0.35", "inf", "-inf", "nan"]
    assert format_numbers(values) == [format_number(v) for v in values]
