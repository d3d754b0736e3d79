"""Time-index helpers: UTC enforcement, regular steps, China Standard Time.

Owns the rules on time stamps inside energysim (tz-aware UTC ``DatetimeIndex`` named
``time``); imports only ``errors``.
"""

from datetime import timedelta, timezone

import numpy as np
import pandas as pd

from energysim.errors import WeatherDataError

#: China Standard Time, fixed UTC+08:00, for reports only.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def ensure_utc(index, where="time index"):
    """Return ``index`` converted to UTC; raise if it is naive.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Time stamps, tz-aware.
    where : str
        Names the source in the error message.

    Returns
    -------
    pandas.DatetimeIndex
        The same instants in UTC, named ``time``.

    Raises
    ------
    WeatherDataError
        If ``index`` has no time zone; energysim never assumes one.

    Examples
    --------
    >>> idx = pd.date_range("2021-01-01", periods=2, freq="h", tz="Asia/Shanghai")
    >>> str(ensure_utc(idx)[0])
    '2020-12-31 16:00:00+00:00'
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise WeatherDataError(f"{where}: not a DatetimeIndex: time stamps are required")
    if index.tz is None:
        raise WeatherDataError(
            f"{where}: time stamps have no time zone: declare one (e.g. 'Asia/Shanghai' or '+08:00')"
        )
    return index.tz_convert("UTC").rename("time")


def check_regular(index, step_h, where="time index"):
    """Check that ``index`` steps by exactly ``step_h`` hours, with no gap or duplicate.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Time stamps.
    step_h : float
        Declared step. [h]
    where : str
        Names the source in the error message.

    Raises
    ------
    WeatherDataError
        Naming the first offending row when the step is not regular.
    """
    if len(index) < 2:
        return
    steps = np.diff(index.as_unit("ns").asi8) / pd.Timedelta(hours=1).value
    bad = np.flatnonzero(~np.isclose(steps, step_h))
    if bad.size:
        i = int(bad[0])
        raise WeatherDataError(
            f"{where}: row {i + 1}: step from {index[i]} to {index[i + 1]} is "
            f"{steps[i]:g} h: expected a regular {step_h:g} h step"
        )


def is_leap(year):
    """Return True for a Gregorian leap year.

    Examples
    --------
    >>> is_leap(2024), is_leap(2100), is_leap(2000)
    (True, False, True)
    """
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


#: 0-based row of Feb 28 00:00 (local) in a non-leap typical year starting Jan 1 00:00.
FEB28_FIRST_ROW = (31 + 27) * 24


def typical_year_rows(year, n_hours=8760):
    """Rows of the typical year that make up one calendar year, in order.

    energysim simulates every year on the typical year's hours (local Jan 1 00:00 first).
    A leap year repeats Feb 28 as Feb 29, so it has 8,784 hours; no hour is dropped.

    Parameters
    ----------
    year : int
        Calendar year.
    n_hours : int
        Hours of the typical year (8760).

    Returns
    -------
    ndarray of int
        Row indices, length 8760 or 8784.

    Examples
    --------
    >>> rows = typical_year_rows(2024)
    >>> len(rows), int(rows[1416]), int(rows[1440])
    (8784, 1392, 1416)
    """
    rows = np.arange(n_hours)
    if not is_leap(year) or n_hours < FEB28_FIRST_ROW + 24:
        return rows
    feb28 = rows[FEB28_FIRST_ROW:FEB28_FIRST_ROW + 24]
    return np.concatenate([rows[:FEB28_FIRST_ROW + 24], feb28, rows[FEB28_FIRST_ROW + 24:]])


def year_hour_weights(years, n_hours=8760):
    """How many times each typical-year hour occurs in each calendar year.

    Parameters
    ----------
    years : sequence of int
    n_hours : int

    Returns
    -------
    ndarray of float64, shape (n_years, n_hours)
        1.0, and 2.0 on the Feb 28 hours of leap years. [1]

    Examples
    --------
    >>> w = year_hour_weights([2023, 2024])
    >>> w.sum(axis=1).tolist()
    [8760.0, 8784.0]
    """
    weights = np.empty((len(years), n_hours))
    for i, year in enumerate(years):
        weights[i] = np.bincount(typical_year_rows(int(year), n_hours), minlength=n_hours)
    return weights
