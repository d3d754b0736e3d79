"""Property tests of the scenario parser: accept a valid scenario or say why in one line.

Scenarios are made by perturbing a valid base (keys dropped, values replaced by random
numbers -- nan, inf, negative, huge --, strings, booleans, lists or tables, extra keys
added), written with ``tomli_w`` and fed to :func:`energysim.scenario.parse_scenario`.
Whatever the input:

* either it is accepted, and the resolved scenario round-trips through
  :func:`energysim.scenario.to_toml` to the same ``digest()``;
* or it raises :class:`energysim.errors.ScenarioError` whose message is one line starting
  with the file name -- never another exception.
"""

from __future__ import annotations

import copy
import sys

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from energysim.errors import ScenarioError
from energysim.scenario import BUILTIN_WEATHER_PREFIX, parse_scenario, to_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BASE_TOML = """\
name = "fuzz"
years = [2021, 2030]

[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
timezone = "Asia/Shanghai"

[weather]
source = "builtin:shaoguan"
seed = 3

[[pv]]
name = "utility-pv"
capacity_wan_kw = 83.895
tilt_deg = 20
dc_ac_ratio = 1.25
buildout_share = { 2021 = 0.1, 2025 = 0.5, 2030 = 1.0 }
lifetime_years = 25
repower = true
[pv.degradation]
first_year_loss_pct = 1.0
annual_rate_pct = 0.4

[[pv]]
name = "tracker"
capacity_mw = 50
tracking = "single_axis"
buildout = { shape = "linear", target_year = 2027 }

[[wind]]
name = "ridge-wind"
capacity_mw = 321
turbine = "E-115/3000"
hub_height_m = 120
mean_wind_speed_ms = 6.0
buildout = { shape = "logistic", midpoint_year = 2026, steepness_per_year = 0.8 }

[[wind]]
name = "curve-wind"
additions_mw = { 2022 = 20, 2024 = 30 }
hub_height_m = 90
[wind.power_curve]
wind_speed_ms = [0.0, 3.0, 12.0, 25.0]
power_kw = [0.0, 50.0, 2000.0, 2000.0]

[grid]
emission_factor_t_per_mwh = { 2021 = 0.5568, 2030 = 0.4 }
export_limit_mw = { 2021 = 300, 2030 = 500 }
coal_rate_g_per_kwh = 300.0

[targets]
peak_year = 2030
neutrality_year = 2060
baseline_emissions_mt = { 2021 = 20.0, 2030 = 22.0 }
[[targets.capacity]]
technology = "pv"
year = 2025
capacity_wan_kw = 50

[output]
hourly_years = [2021, 2030]
"""

BASE = tomllib.loads(BASE_TOML)

# Key names worth trying as extra keys: real ones in the wrong place, typos, unit-less names.
KEY_NAMES = ["name", "capacity", "capacity_mw", "capacity_wan_kw", "tilt_deg", "tilt",
             "latitude", "years", "source", "seed", "preset", "turbine", "hub_height_m",
             "buildout_share", "additions_mw", "buildout", "power_curve", "tracking", "pv",
             "wind", "grid", "2021", "2025", "extra", "export_limit_mw", "emission_factor",
             "shape", "midpoint_year", "base_dir", "schema_version", "hourly_years", ""]

WORDS = ["fixed", "single_axis", "E-115/3000", "guangdong", "builtin:shaoguan", "builtin:x",
         "linear", "logistic", "15th", "Asia/Shanghai", "2021", "pv", "wind", "", " ", "nan",
         "weather.epw", "a/b", ".."]

SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, -1, 1990, 2021, 2060, 2100, 8760, 10**20, -(10**400), 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, -5.0, 1e308, float("nan"), float("inf"), float("-inf")]),
    st.booleans(),
    st.text(max_size=8),
    st.sampled_from(WORDS),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEY_NAMES) | st.text(max_size=5),
                                            inner, max_size=3)),
    max_leaves=8,
)


def _items(node):
    if isinstance(node, dict):
        return node.items()
    return enumerate(node) if isinstance(node, list) else ()


def _paths(node, prefix=()):
    """Every path to a value inside ``node`` (dict keys and list indices)."""
    out = []
    items = _items(node)
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


def _containers(node, prefix=()):
    """Paths of the tables (dicts) inside ``node``, the root included."""
    out = [prefix] if isinstance(node, dict) else []
    items = _items(node)
    for key, value in items:
        out.extend(_containers(value, (*prefix, key)))
    return out


def _get(node, path):
    for key in path:
        node = node[key]
    return node


# Extra keys are printable: a key with a line break in it is its own (known) defect,
# test_unknown_key_with_a_line_break_is_still_one_line below.
PRINTABLE_KEYS = st.sampled_from(KEY_NAMES) | st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=6)


@st.composite
def perturbed(draw):
    """BASE with 1-4 edits: drop, replace by anything, nudge a number, or add a key."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["drop", "replace", "nudge", "nudge", "add"]))
        if op == "add":
            table = _get(data, draw(st.sampled_from(_containers(data))))
            table[draw(PRINTABLE_KEYS)] = draw(VALUES)
            continue
        paths = _paths(data)
        if op == "nudge":
            # A plausible number in place of a number: most such scenarios stay valid, so
            # the round trip gets exercised too.
            paths = [p for p in paths if type(_get(data, p)) in (int, float)]
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        parent = _get(data, path[:-1])
        if op == "drop":
            del parent[path[-1]]
        elif op == "replace":
            parent[path[-1]] = draw(VALUES)
        elif type(parent[path[-1]]) is int:
            parent[path[-1]] = parent[path[-1]] + draw(st.integers(min_value=-3, max_value=3))
        else:
            parent[path[-1]] = draw(st.floats(min_value=0.0, max_value=1.0)) * parent[path[-1]] * 2
    return data


def _expected_round_trip(scenario):
    """What to_toml promises: the resolved scenario, weather path made absolute."""
    expected = scenario.to_dict()
    source = scenario.weather.source
    if not source.startswith(BUILTIN_WEATHER_PREFIX):
        expected["weather"]["source"] = str(scenario.resolve_path(source).resolve())
    return expected


def _check(text):
    try:
        scenario = parse_scenario(text, where="fuzz.toml")
    except ScenarioError as err:
        message = str(err)
        assert "\n" not in message and "\r" not in message, message
        assert message.startswith("fuzz.toml"), message
        return None
    again = parse_scenario(to_toml(scenario), where="round-trip.toml")
    assert again.to_dict() == _expected_round_trip(scenario)
    if scenario.weather.source.startswith(BUILTIN_WEATHER_PREFIX):
        assert again.digest() == scenario.digest()
    return scenario


def test_the_base_is_valid_and_round_trips():
    scenario = _check(BASE_TOML)
    assert scenario is not None and len(scenario.fleets) == 4


# database=None: no .hypothesis/ folder in the working tree (tests write only to tmp_path).
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          database=None)
@given(perturbed())
def test_parser_accepts_valid_scenarios_or_raises_one_line_scenario_error(data):
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError):  # not representable in TOML (e.g. an int beyond 64 bits)
        return
    _check(text)


@settings(max_examples=150, deadline=None, database=None)
@given(st.text(max_size=200))
def test_parser_survives_arbitrary_text(text):
    _check(text)


def test_unknown_key_with_a_line_break_is_still_one_line():
    data = copy.deepcopy(BASE)
    data["site"]["lat\nitude"] = 1.0
    with pytest.raises(ScenarioError) as info:
        parse_scenario(tomli_w.dumps(data), where="fuzz.toml")
    assert "\n" not in str(info.value)


def test_recorded_scenario_keeps_the_digest_of_a_relative_weather_path(tmp_path):
    text = BASE_TOML.replace('source = "builtin:shaoguan"\nseed = 3', 'source = "weather.epw"')
    scenario = parse_scenario(text, where="rel.toml", base_dir=tmp_path)
    recorded = parse_scenario(to_toml(scenario), where="scenario.toml", base_dir=tmp_path / "out")
    assert recorded.digest() == scenario.digest()
