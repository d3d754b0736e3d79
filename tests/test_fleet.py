"""Build-out shapes, vintages, degradation and retirement against hand-computed cases."""

import numpy as np
import pytest

from energysim import fleet


def test_year_eleven_is_first_year_times_degradation():
    additions = np.zeros(30)
    additions[0] = 100.0
    installed, effective = fleet.vintage_capacity(additions, 25, False, 1.0, 0.4, 100.0)
    assert effective[0] == pytest.approx(100.0 * 0.99)
    assert effective[10] == pytest.approx(effective[0] * 0.996 ** 10, rel=1e-12)
    assert installed[10] == 100.0


def test_twenty_year_life_produces_nothing_in_year_21():
    additions = np.zeros(30)
    additions[0] = 50.0
    installed, effective = fleet.vintage_capacity(additions, 20, False, 0.0, 0.0, 100.0)
    assert installed[19] == 50.0 and installed[20] == 0.0 and effective[20] == 0.0


def test_repowering_restarts_the_vintage():
    additions = np.zeros(30)
    additions[0] = 50.0
    installed, effective = fleet.vintage_capacity(additions, 20, True, 2.0, 0.5, 97.0)
    assert installed[20] == 50.0
    # year 21 is a new plant again: first-year loss only, times availability
    assert effective[20] == pytest.approx(50.0 * 0.98 * 0.97)
    assert effective[19] == pytest.approx(50.0 * 0.98 * 0.995 ** 19 * 0.97)


def test_vintages_age_separately():
    installed, effective = fleet.vintage_capacity([10.0, 20.0, 0.0], 25, False, 0.0, 10.0, 100.0)
    assert installed.tolist() == [10.0, 30.0, 30.0]
    np.testing.assert_allclose(effective, [10.0, 10 * 0.9 + 20.0, 10 * 0.81 + 20 * 0.9])


def test_additions_from_target_refuses_decrease():
    assert fleet.additions_from_target([10.0, 10.0, 30.0]).tolist() == [10.0, 0.0, 20.0]
    with pytest.raises(ValueError, match="may only grow"):
        fleet.additions_from_target([10.0, 5.0])


def test_fyp_periods():
    assert fleet.fyp_years("14th") == (2021, 2025)
    assert fleet.fyp_end_year("15th FYP") == 2030
    assert fleet.fyp_end_year(16) == 2035
    assert fleet.fyp_label(2030) == "15th FYP"
    with pytest.raises(ValueError, match="five-year plan"):
        fleet.fyp_years("next")


def test_shapes():
    years = np.arange(2021, 2032)
    linear = fleet.share_linear(years, 2021, 0.1, 2030)
    assert linear[0] == pytest.approx(0.1) and linear[9] == 1.0 and linear[-1] == 1.0
    assert np.all(np.diff(linear) >= 0)
    logistic = fleet.share_logistic(years, 2026, 1.0)
    assert logistic[5] == pytest.approx(0.5) and np.all(np.diff(logistic) > 0)


def test_interpolation_holds_outside_points():
    values = fleet.interpolate_points({2021: 0.5568, 2060: 0.05}, [2000, 2021, 2040.5, 2070])
    np.testing.assert_allclose(values, [0.5568, 0.5568, (0.5568 + 0.05) / 2, 0.05])
