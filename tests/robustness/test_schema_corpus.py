"""Bad-input corpus generated from the scenario schema (issue 14.10).

Every key of the pydantic models in :mod:`energysim.scenario` (walked by
:func:`._schema.walk`) gets, in a scenario that is otherwise valid and uses every table:

* a value of the wrong type (text for a number, a number written as text, a number for
  text, a choice or a yes/no key, ...),
* a value out of range, from its ``Field`` bounds (and a choice that is not allowed, a
  year outside 1990..2100 for year tables, text longer than its limit),
* its removal, when the key is required.

Each case runs the real command line (``energysim run``, in-process) and must end with
exit status 2, exactly one ``error:`` line that names the key, no traceback and no output
folder. A key added to the schema is covered without writing a case by hand; the number
of generated cases is checked to be at least one per key.
"""

from __future__ import annotations

import copy
import sys

import pytest
import tomli_w

from ._cli import assert_one_line_error, invoke
from ._schema import DELETE, get, put, walk

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: A valid scenario that uses every table of the schema (so every key has a place).
FULL = """\
name = "full"
description = "every table"
years = [2021, 2022]

[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
timezone = "Asia/Shanghai"

[weather]
source = "builtin:shaoguan"
seed = 0
allow_distant = false

[[pv]]
name = "pv"
capacity_mw = 100
lifetime_years = 25
repower = false
availability_pct = 99
curtailment_pct = 1
tracking = "fixed"
tilt_deg = 20
azimuth_deg = 180
dc_ac_ratio = 1.2
gcr = 0.4
losses_pct = 14
max_angle_deg = 60
albedo = 0.2
[pv.degradation]
first_year_loss_pct = 1
annual_rate_pct = 0.5
[pv.buildout]
shape = "linear"
start_year = 2021
start_share = 0.2
target_year = 2022
steepness_per_year = 0.8

[pv.calibration]
method = "irradiance scale fitted"
parameter = "irradiance_scale"
value = 1.0
observed_file = "observed.csv"
observed_sha256 = "c7494bb05c9a073c1e310b7a8e1c9213f96ada717203d9ff7777a9334e0d7373"
source = "a test"
rows = [{ year = 2021, month = 1, observed_mwh = 100.0, modelled_mwh = 100.0, residual_pct = 0.0 }]

[[wind]]
name = "wind"
capacity_mw = 50
turbine = "E-115/3000"
hub_height_m = 120
mean_wind_speed_ms = 6
roughness_length_m = 0.1
wind_farm_efficiency = 0.9
[wind.buildout]
shape = "logistic"
midpoint_year = 2021.5
steepness_per_year = 0.8

[wind.calibration]
method = "mean wind speed fitted"
parameter = "mean_wind_speed_ms"
value = 6.0
observed_file = "observed.csv"
observed_sha256 = "c7494bb05c9a073c1e310b7a8e1c9213f96ada717203d9ff7777a9334e0d7373"
source = "a test"
rows = [{ year = 2021, month = 1, observed_mwh = 100.0, modelled_mwh = 100.0, residual_pct = 0.0 }]

[[wind]]
name = "curve"
additions_mw = { 2021 = 10 }
hub_height_m = 80
[wind.power_curve]
wind_speed_ms = [3, 12, 25]
power_kw = [0, 2000, 2000]

[[hydro]]
name = "hydro"
capacity_mw = 50
monthly_capacity_factor = [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
daily_shape = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
lifetime_years = 30
repower = false
availability_pct = 99
curtailment_pct = 1
[hydro.degradation]
first_year_loss_pct = 0
annual_rate_pct = 0.1
[hydro.buildout]
shape = "linear"
start_year = 2021
start_share = 0.5
target_year = 2022
steepness_per_year = 0.8
[hydro.calibration]
method = "fitted"
parameter = "capacity_mw"
value = 1.0
observed_file = "observed.csv"
observed_sha256 = "c7494bb05c9a073c1e310b7a8e1c9213f96ada717203d9ff7777a9334e0d7373"
rows = [{ year = 2021, observed_mwh = 100.0, modelled_mwh = 100.0, residual_pct = 0.0 }]

[[biomass]]
name = "bio"
capacity_mw = 20
annual_full_load_hours = 4000
lifetime_years = 30
repower = false
availability_pct = 99
curtailment_pct = 1
[biomass.degradation]
first_year_loss_pct = 0
annual_rate_pct = 0.1
[biomass.buildout]
shape = "linear"
start_year = 2021
start_share = 0.5
target_year = 2022
steepness_per_year = 0.8
[biomass.calibration]
method = "fitted"
parameter = "capacity_mw"
value = 1.0
observed_file = "observed.csv"
observed_sha256 = "c7494bb05c9a073c1e310b7a8e1c9213f96ada717203d9ff7777a9334e0d7373"
rows = [{ year = 2021, observed_mwh = 100.0, modelled_mwh = 100.0, residual_pct = 0.0 }]

[[storage]]
name = "store"
capacity_mw = 30
duration_h = 2
round_trip_efficiency = 0.85
min_soc_pct = 5
lifetime_years = 30
repower = false
availability_pct = 99
curtailment_pct = 0  # a rate applies to generating fleets only
[storage.degradation]
first_year_loss_pct = 0
annual_rate_pct = 0.1
[storage.buildout]
shape = "linear"
start_year = 2021
start_share = 0.5
target_year = 2022
steepness_per_year = 0.8
[storage.calibration]
method = "fitted"
parameter = "capacity_mw"
value = 1.0
observed_file = "observed.csv"
observed_sha256 = "c7494bb05c9a073c1e310b7a8e1c9213f96ada717203d9ff7777a9334e0d7373"
rows = [{ year = 2021, observed_mwh = 100.0, modelled_mwh = 100.0, residual_pct = 0.0 }]

[[electrolyser]]
name = "h2"
capacity_mw = 10
supply = "surplus"
kwh_per_kg = 55
min_load_pct = 15
displaced_kgco2_per_kg = 19
lifetime_years = 30
repower = false
availability_pct = 99
curtailment_pct = 0  # a rate applies to generating fleets only
[electrolyser.degradation]
first_year_loss_pct = 0
annual_rate_pct = 0.1
[electrolyser.buildout]
shape = "linear"
start_year = 2021
start_share = 0.5
target_year = 2022
steepness_per_year = 0.8
[electrolyser.calibration]
method = "fitted"
parameter = "capacity_mw"
value = 1.0
observed_file = "observed.csv"
observed_sha256 = "c7494bb05c9a073c1e310b7a8e1c9213f96ada717203d9ff7777a9334e0d7373"
rows = [{ year = 2021, observed_mwh = 100.0, modelled_mwh = 100.0, residual_pct = 0.0 }]

[grid]
export_limit_mw = 120
coal_rate_g_per_kwh = 300
emission_factor_hourly_shape = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
[grid.emission_factor]
preset = "guangdong"
extend = "decline"
decline_pct_per_year = 2.4

[targets]
peak_year = 2030
neutrality_year = 2060
baseline_emissions_mt = { 2021 = 34.5 }
[[targets.capacity]]
technology = "pv"
year = 2022
capacity_mw = 100
label = "plan"

[output]
hourly_years = [2021]
"""

# Keys whose place in FULL is elsewhere than index 0 of their list (a second wind fleet
# carries the power curve), and keys FULL leaves out because they exclude a key it has.
_MOVED = {("wind", 0, "power_curve"): ("wind", 1, "power_curve")}

WRONG_TYPE = {"number": "x", "integer": "x", "text": 12, "choice": 12, "bool": "yes",
              "years": "x", "list": "x", "pair": "x", "table": 5, "tables": 5}


def _out_of_range(key):
    """Values outside the key's declared range. [list of (label, value)]"""
    b = key.bounds
    out = []
    step = 1 if key.kind == "integer" else 0.5
    if "ge" in b:
        out.append(("below", b["ge"] - step))
    if "gt" in b:
        out.append(("at-lower-bound", b["gt"]))
    if "le" in b:
        out.append(("above", b["le"] + step))
    if "lt" in b:
        out.append(("at-upper-bound", b["lt"]))
    if "max_length" in b and key.kind in ("text", "list"):
        out.append(("too-long", "a" * (b["max_length"] + 1) if key.kind == "text"
                    else [1.0] * (b["max_length"] + 1)))
    if "min_length" in b and key.kind in ("text", "list"):
        out.append(("too-short", "" if key.kind == "text" else []))
    if key.kind == "choice":
        out.append(("not-a-choice", "no-such-choice"))
    if key.kind == "years":
        out.append(("year-1800", {"1800": 1.0}))
    if key.kind == "pair":
        out.append(("year-1800", [1800, 1801]))
    if key.kind == "integer":
        out.append(("fractional", 2.5))
    return out


def _place(path):
    for moved, to in _MOVED.items():
        if path[:len(moved)] == moved:
            return (*to, *path[len(moved):])
    return path


def generated_cases():
    """(id, path, value, kind of case) for every key of the schema."""
    cases = []
    for key in walk():
        path = _place(key.path)
        label = ".".join(str(p) for p in path)
        if key.kind in WRONG_TYPE:
            cases.append((f"{label}:wrong-type", path, WRONG_TYPE[key.kind], "wrong type"))
        if key.kind in ("number", "integer"):
            # a number written as text, e.g. capacity_mw = "100": refused, not converted
            text = str(key.bounds.get("ge", key.bounds.get("le", 1)))
            cases.append((f"{label}:number-as-text", path, text, "wrong type"))
        if key.kind == "bool":
            cases.append((f"{label}:number-for-bool", path, 1, "wrong type"))
        for what, value in _out_of_range(key):
            cases.append((f"{label}:{what}", path, value, "out of range"))
        if key.required:
            cases.append((f"{label}:missing", path, DELETE, "missing"))
    return cases


CASES = generated_cases()


def test_the_full_scenario_is_valid():
    # Every case breaks one key of a scenario that is otherwise valid. (A key FULL leaves
    # out is added by its case: a leaf key needs no table around it but its own.)
    from energysim.scenario import parse_scenario

    parse_scenario(FULL)


def test_every_key_has_generated_cases():
    keys = list(walk())
    named = {c[1] for c in CASES}
    assert all(_place(k.path) in named for k in keys if k.kind in WRONG_TYPE)
    assert len(CASES) >= len(keys)


@pytest.mark.parametrize("case_id, path, value, what", CASES, ids=[c[0] for c in CASES])
def test_generated_bad_input(tmp_path, case_id, path, value, what):
    data = copy.deepcopy(tomllib.loads(FULL))
    put(data, path, value)
    scenario = tmp_path / "gen.toml"
    scenario.write_text(tomli_w.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", scenario, "-o", out, "--no-plots", "--no-cache"])
    assert_one_line_error(code, stderr, ["gen.toml", str(path[-1])], exception=exc)
    assert not out.exists(), "an output folder was created for a failed run"
