"""Emission-factor presets and paths against the figures of REFERENCE.md §1a and §6."""

import numpy as np
import pytest

from energysim import carbon

# REFERENCE.md §1a, MEE/NBS average factors by data year [tCO2/MWh]
PUBLISHED = {
    "national-average": (0.5568, 0.5366, 0.5306),
    "southern-region": (0.4326, 0.3869, 0.4042),
    "guangdong": (0.4715, 0.4403, 0.4419),
    "national-fossil-only": (0.8426, 0.8325, 0.8273),
}


@pytest.mark.parametrize("preset", sorted(PUBLISHED))
@pytest.mark.parametrize("extend", ["hold", "decline"])
def test_published_years_reproduce_reference(preset, extend):
    path = carbon.preset_path(preset, [2021, 2022, 2023], extend=extend)
    np.testing.assert_allclose(path, PUBLISHED[preset], rtol=0, atol=1e-12)


def test_decline_rule_compounds_from_the_last_published_year():
    path = carbon.preset_path("national-average", [2023, 2030, 2060], extend="decline",
                              decline_pct_per_year=2.4)
    # REFERENCE §1c: 0.5306 x 0.976^7 ~ 0.45 and x 0.976^37 ~ 0.22
    assert path[1] == pytest.approx(0.5306 * 0.976 ** 7) and round(path[1], 2) == 0.45
    assert round(path[2], 2) == 0.22


def test_hold_and_points_extensions():
    hold = carbon.preset_path("guangdong", [2019, 2030], extend="hold")
    assert hold.tolist() == [0.4715, 0.4419]
    points = carbon.preset_path("guangdong", [2023, 2030, 2045, 2060], extend="points",
                                points_t_per_mwh={2030: 0.35, 2060: 0.05})
    np.testing.assert_allclose(points, [0.4419, 0.35, 0.2, 0.05])


def test_hourly_shape_expansion():
    local_hour = np.arange(48) % 24
    shape = carbon.hourly_shape(list(range(24)), 48, local_hour)
    assert shape[25] == 1.0 and shape[47] == 23.0
    assert carbon.hourly_shape(None, 5, np.arange(5)).tolist() == [1.0] * 5
    with pytest.raises(ValueError, match="24"):
        carbon.hourly_shape([1.0, 2.0], 48, local_hour)


def test_default_coal_rate_is_sourced():
    # REFERENCE §6: 305.5 gce/kWh in 2020, about 300 by 2025
    assert carbon.DEFAULT_COAL_RATE_G_PER_KWH == {2020: 305.5, 2025: 300.0}
