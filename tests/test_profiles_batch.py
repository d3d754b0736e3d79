"""Batched profiles (issue 15): ``simulate.profiles_for`` equals one-by-one physics."""

import numpy as np
import pytest

from energysim.cache import ProfileCache
from energysim.scenario import load_scenario
from energysim.simulate import (
    SimulationMemo,
    compute_profile,
    load_scenario_weather,
    profile_key,
    profiles_for,
)


@pytest.fixture(scope="module")
def potential(repo_root):
    scenario = load_scenario(repo_root / "scenarios" / "shaoguan-potential.toml")
    weather, meta = load_scenario_weather(scenario)
    return scenario, weather, meta


def _pairs(scenario):
    pv = next(f for f in scenario.fleets if f.technology == "pv")
    wind = next(f for f in scenario.fleets if f.technology == "wind")
    designs = [pv.model_copy(update={"tilt_deg": t, "gcr": g})
               for t, g in ((5.0, 0.3), (25.0, 0.5), (40.0, 0.6))]
    designs += [pv.model_copy(update={"tracking": "single_axis", "tilt_deg": None})]
    designs += [wind.model_copy(update={"hub_height_m": h}) for h in (90.0, 130.0)]
    return [(d, scenario.site) for d in designs + designs[:2]]  # repeats computed once


def test_batched_profiles_equal_one_by_one(potential, tmp_path):
    scenario, weather, meta = potential
    pairs = _pairs(scenario)
    cache, memo = ProfileCache(tmp_path / "cache"), SimulationMemo()
    got = profiles_for(pairs, weather, meta, cache=cache, memo=memo, batch_size=3)
    assert len(got) == 6 and len(memo) == 6
    for fleet_cfg, site in pairs:
        key = profile_key(fleet_cfg, site, meta)
        alone = compute_profile(fleet_cfg, site, weather)
        np.testing.assert_allclose(got[key], alone, rtol=1e-12, atol=1e-15)
        assert not got[key].flags.writeable
        np.testing.assert_array_equal(cache.get(key), got[key])  # stored once per batch
    energies = sorted(float(p.sum()) for p in got.values())
    assert energies[0] > 500.0 and len(set(energies)) == 6  # six different designs
    # a second call is served from the cache, the same numbers
    again = profiles_for(pairs, weather, meta, cache=cache)
    assert all(np.array_equal(again[k], got[k]) for k in got)
