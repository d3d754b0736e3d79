"""Any scenario that validates can be simulated (issue 14.7): a property over the schema.

Scenarios are drawn from the schema itself: a valid scenario using every table, with a
random subset of its numeric and enumerated keys (walked by :func:`._schema.walk`) set to
random values *inside* their declared bounds, edges included. Whatever validates must run:
:func:`energysim.simulate.run_scenario` either returns a result whose energies are finite
and non-negative, or raises one of energysim's own errors (a one-line message for the
user) -- never a library's exception (a traceback). Kept small: two simulated years, the
builtin weather year generated once, few examples, no deadline.
"""

from __future__ import annotations

import copy
import math
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from energysim.errors import EnergysimError, EnergysimWarning, ScenarioError
from energysim.scenario import scenario_from_dict

from ._schema import get, put, walk
from .test_schema_corpus import FULL

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BASE = tomllib.loads(FULL)

#: Upper end of keys declared without one (capacity, limits), large but finite. [MW etc.]
UNBOUNDED_MAX = 1e6


def _perturbable():
    """(path, key) of every number, integer and choice FULL uses. [list]"""
    out = []
    for key in walk():
        if key.kind not in ("number", "integer", "choice"):
            continue
        try:
            value = get(BASE, key.path)
        except (KeyError, IndexError):
            continue
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out.append((key.path, key))
    return out


PERTURBABLE = _perturbable()


def _value(key):
    """A strategy for values inside ``key``'s bounds."""
    if key.kind == "choice":
        return st.sampled_from(key.choices)
    b = key.bounds
    lo = b.get("ge", b.get("gt", -UNBOUNDED_MAX))
    hi = b.get("le", b.get("lt", UNBOUNDED_MAX))
    if key.kind == "integer":
        return st.integers(int(math.ceil(lo)), int(math.floor(hi)))
    return st.floats(lo, hi, exclude_min="gt" in b, exclude_max="lt" in b,
                     allow_nan=False, allow_infinity=False)


@st.composite
def scenarios(draw):
    data = copy.deepcopy(BASE)
    chosen = draw(st.lists(st.sampled_from(PERTURBABLE), min_size=1, max_size=6,
                           unique_by=lambda item: item[0]))
    for path, key in chosen:
        value = draw(_value(key))
        note(f"{'.'.join(map(str, path))} = {value!r}")
        put(data, path, value)
    return data


@pytest.fixture(scope="module")
def weather():
    from energysim.weather import load_weather

    return load_weather("builtin:shaoguan", seed=0)


def test_the_perturbed_keys_cover_the_numeric_schema():
    names = {key.name for _, key in PERTURBABLE}
    assert {"hub_height_m", "roughness_length_m", "tilt_deg", "gcr", "dc_ac_ratio",
            "max_angle_deg", "altitude_m", "latitude", "steepness_per_year",
            "tracking", "extend"} <= names


@settings(max_examples=int(__import__("os").environ.get("HYP_N", 40)), deadline=None, database=None, derandomize=not __import__("os").environ.get("HYP_N"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
@given(data=scenarios())
def test_every_valid_scenario_runs_or_fails_with_an_energysim_error(weather, data):
    from energysim.simulate import check_weather_distance, run_scenario

    try:
        scenario = scenario_from_dict(data, where="drawn.toml")
    except ScenarioError:
        assume(False)
    frame, meta = weather
    try:
        with warnings.catch_warnings():  # distant weather warns: recorded, not the point here
            warnings.simplefilter("ignore", EnergysimWarning)
            meta = check_weather_distance(scenario, meta)
            result = run_scenario(scenario, frame, meta)
    except EnergysimError:
        return
    except Exception as err:  # a library's exception: a traceback for the user
        pytest.fail(f"{type(err).__name__} escaped run_scenario for a valid scenario: {err}")
    energies = result.annual[["generation_mwh", "curtailed_mwh", "delivered_mwh"]].to_numpy()
    assert np.isfinite(energies).all()
    # delivered = generation - curtailed: round-off of the largest energy, no more
    assert (energies >= -1e-12 * max(1.0, float(np.abs(energies).max()))).all()
