"""Today's PV chain against a frozen reference over a grid of designs (issue 15).

``tests/data/pv_design_reference.json`` was computed with the per-configuration chain as it
stood before the batched rewrite (``tests/data/make_pv_design_reference.py`` regenerates
it). Every profile's annual energy must stay within 1e-4 relative and each stored hour
within 1e-3 of the profile's peak, for the single-configuration call and for the batch.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from energysim.physics.solar import pv_profile_pu, pv_profiles_pu

DATA = Path(__file__).resolve().parents[1] / "data"
#: The issue's bounds: annual energy, relative; an hour, over the profile's peak. [1]
ANNUAL_RTOL = 1e-4
HOUR_OVER_PEAK_ATOL = 1e-3

_spec = importlib.util.spec_from_file_location("make_ref", DATA / "make_pv_design_reference.py")
make_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ref)
REFERENCE = json.loads((DATA / "pv_design_reference.json").read_text())
DESIGNS = REFERENCE["designs"]


@pytest.fixture(scope="module")
def weather_sets():
    sets = make_ref.weather_sets()
    if "cswd-shaoguan" not in sets:
        pytest.skip("real weather file not available")
    return sets


def _check(name, index, profile, expected):
    summary = make_ref.summarise(profile, np.asarray(REFERENCE["sample_hours"])
                                 if "hours_over_peak" in expected else None)
    where = f"{name}, design {index} {DESIGNS[index]}"
    assert summary["annual_h"] == pytest.approx(expected["annual_h"], rel=ANNUAL_RTOL), where
    assert summary["peak_pu"] == pytest.approx(expected["peak_pu"], rel=1e-3), where
    np.testing.assert_allclose(summary["monthly_h"], expected["monthly_h"], rtol=1e-3,
                               atol=1e-3, err_msg=where)
    if "hours_over_peak" in expected:
        hours = np.asarray(REFERENCE["sample_hours"])
        np.testing.assert_allclose(profile[hours] / expected["peak_pu"],
                                   expected["hours_over_peak"], rtol=0,
                                   atol=HOUR_OVER_PEAK_ATOL, err_msg=where)


def test_reference_covers_the_ranges():
    fixed = [d for d in DESIGNS if d["tracking"] == "fixed"]
    tracker = [d for d in DESIGNS if d["tracking"] == "single_axis"]
    assert len(DESIGNS) >= 30 and len(tracker) >= 10
    assert min(d["tilt_deg"] for d in fixed) == 0.0 and max(d["tilt_deg"] for d in fixed) == 90.0
    assert max(d["azimuth_deg"] for d in fixed) - min(d["azimuth_deg"] for d in fixed) > 300
    assert min(d["gcr"] for d in DESIGNS) <= 0.15 and max(d["gcr"] for d in DESIGNS) >= 0.85
    assert set(REFERENCE["weather"]) == {"builtin:shaoguan", "tmy3-723170", "tmy3-703165",
                                         "cswd-shaoguan"}


@pytest.mark.realweather
def test_batch_matches_the_frozen_reference(weather_sets):
    for name, (data, lat, lon, alt, _) in weather_sets.items():
        profiles = pv_profiles_pu(data, lat, lon, alt, DESIGNS)
        assert profiles.shape == (len(DESIGNS), len(data))
        for i, expected in enumerate(REFERENCE["weather"][name]):
            _check(name, i, profiles[i], expected)


@pytest.mark.realweather
@pytest.mark.parametrize("index", [0, 1, 3, 6, 8, 40])
def test_single_call_matches_the_frozen_reference(weather_sets, index):
    for name, (data, lat, lon, alt, _) in weather_sets.items():
        profile = pv_profile_pu(data, lat, lon, alt, **DESIGNS[index]).to_numpy()
        _check(name, index, profile, REFERENCE["weather"][name][index])
