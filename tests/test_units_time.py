"""Unit round trips and time handling."""

import numpy as np
import pandas as pd
import pytest

from energysim import timeutils, units
from energysim.errors import WeatherDataError


@pytest.mark.parametrize("value", [0.0, 1.0, 838.95, 321.0, 1e6])
def test_wan_kw_round_trip(value):
    assert units.mw_to_wan_kw(units.wan_kw_to_mw(value)) == pytest.approx(value, rel=1e-15)


def test_city_potential_in_mw():
    assert units.wan_kw_to_mw(838.95) == pytest.approx(8389.5)
    assert units.wan_kw_to_mw(321) == pytest.approx(3210.0)


def test_energy_and_mass_round_trips():
    assert units.yi_kwh_to_mwh(units.mwh_to_yi_kwh(12345.6)) == pytest.approx(12345.6)
    assert units.wan_t_to_t(units.t_to_wan_t(98765.0)) == pytest.approx(98765.0)
    # 1 亿 kWh at 300 gce/kWh is 3.0 万 tce (REFERENCE §6)
    assert units.t_to_wan_t(units.coal_t_from_mwh(units.yi_kwh_to_mwh(1.0), 300.0)) == pytest.approx(3.0)


def test_naive_index_raises():
    with pytest.raises(WeatherDataError, match="no time zone"):
        timeutils.ensure_utc(pd.date_range("2021-01-01", periods=3, freq="h"))


def test_two_offsets_give_the_same_utc():
    a = pd.date_range("2021-01-01 08:00", periods=3, freq="h", tz="Asia/Shanghai")
    b = pd.date_range("2021-01-01 00:00", periods=3, freq="h", tz="UTC")
    assert (timeutils.ensure_utc(a) == timeutils.ensure_utc(b)).all()


def test_check_regular_names_the_row():
    idx = pd.DatetimeIndex(["2021-01-01 00:00", "2021-01-01 01:00", "2021-01-01 03:00"], tz="UTC")
    with pytest.raises(WeatherDataError, match="row 2"):
        timeutils.check_regular(idx, 1.0)
    timeutils.check_regular(idx[:2], 1.0)


def test_leap_year_repeats_feb_28():
    rows = timeutils.typical_year_rows(2024)
    assert len(rows) == 8784 and len(timeutils.typical_year_rows(2023)) == 8760
    feb28 = np.arange(58 * 24, 59 * 24)
    np.testing.assert_array_equal(rows[59 * 24:60 * 24], feb28)
    np.testing.assert_array_equal(rows[60 * 24:], np.arange(59 * 24, 8760))
    weights = timeutils.year_hour_weights([2024, 2100])
    assert weights[0, feb28].tolist() == [2.0] * 24 and weights[1].sum() == 8760
