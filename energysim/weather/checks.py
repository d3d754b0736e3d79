"""Checks of a canonical weather frame, with recorded repairs.

Owns :func:`check_weather` and its thresholds: time stamps (duplicates, order, hourly
grid, expected period), gaps and NaN runs (short ones interpolated), units and ranges,
and the solar checks (night irradiance, time zone, hemisphere, GHI = DNI cos Z + DHI
closure). It imports ``errors`` and ``timeutils`` from energysim and, from this package,
only ``frame`` and ``geometry``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from energysim.errors import EnergysimWarning, WeatherDataError
from energysim.timeutils import ensure_utc
from energysim.weather.frame import (
    CANONICAL_COLUMNS,
    HOURS_TYPICAL_YEAR,
    IRRADIANCE_COLUMNS,
    format_rows,
    local_wall,
    true_runs,
)
from energysim.weather.geometry import hourly_geometry, noon_offset_h, solar_elevation

# --- check thresholds, each with its reason -------------------------------------------
MAX_REPAIRABLE_GAP_H = 3  # gaps of <= 3 h are interpolated (issue 3); longer ones refused
NEGATIVE_CLIP_W_M2 = -10.0  # sensor offsets reach a few W m⁻²; below this it is bad data
KW_SUSPECT_MAX_GHI = 2.0  # a year whose GHI never exceeds 2 is in kW m⁻², not W m⁻²
NIGHT_ELEVATION_DEG = -5.0  # sun below this all through the hour: no twilight excuse
NIGHT_IRRADIANCE_TOL_W_M2 = 10.0  # above this at night is an error, below a recorded zeroing
NOON_OFFSET_ERROR_H = 1.25  # CSWD Shaoguan sits at +0.48 h; a 1 h zone error gives > 1.4 h
CLOSURE_ZENITH_DEG = 80.0  # closure is ill-conditioned for lower sun
CLOSURE_ABS_W_M2 = 50.0  # hourly DNI/DHI from different sensors/models disagree this much
CLOSURE_REL = 0.25
CLOSURE_MAX_FRACTION = 0.05  # Shaoguan CSWD fails 0.9 % of daytime hours; 5 % is broken


def check_weather(
    data,
    where,
    *,
    latitude=None,
    longitude=None,
    utc_offset_h=0.0,
    expected_index=None,
):
    """Check a canonical weather frame; repair what is safe and say so.

    Parameters
    ----------
    data : pandas.DataFrame
        Frame with the canonical columns and a tz-aware index (not modified).
    where : str
        Names the source (usually the file path) in every message.
    latitude, longitude : float, optional
        Site. [deg] The solar-geometry checks (night irradiance, time zone, hemisphere,
        closure) run only when both are given; every reader gives them.
    utc_offset_h : float, default 0
        Local standard-time offset, used only to print local time stamps. [h]
    expected_index : pandas.DatetimeIndex, optional
        The hours the source must cover (e.g. the 8,760 hours of a typical year);
        missing ones are treated as gaps, extra ones are an error.

    Returns
    -------
    data : pandas.DataFrame
        A checked copy on a regular hourly UTC index named ``time``.
    repairs : list of str
        One message per repair made (gap interpolated, small negative clipped, small
        night value zeroed). Also emitted as one :class:`EnergysimWarning`.

    Raises
    ------
    WeatherDataError
        ``<where>: <problem with the rows concerned>: <what is allowed>`` for duplicate
        time stamps, gaps or NaN runs longer than 3 h, irradiance below -10 W m⁻²,
        irradiance that looks like kW m⁻², irradiance at night, irradiance centred more
        than 1.25 h away from the site's solar noon (wrong time zone), a seasonal cycle of
        the opposite hemisphere, or GHI far from DNI·cos Z + DHI on > 5 % of daytime hours.
    """
    off = float(utc_offset_h)
    missing_cols = [c for c in CANONICAL_COLUMNS if c not in data.columns]
    if missing_cols:
        raise WeatherDataError(
            f"{where}: missing column(s) {', '.join(missing_cols)}: "
            f"a weather frame needs {', '.join(CANONICAL_COLUMNS)}"
        )
    df = data.loc[:, list(CANONICAL_COLUMNS)].astype("float64").copy()
    df.index = ensure_utc(pd.DatetimeIndex(df.index), where).as_unit("ns")
    repairs = []

    dup = df.index.duplicated(keep=False)
    if dup.any():
        raise WeatherDataError(
            f"{where}: duplicate time stamps in {format_rows(df.index[dup], off)}: "
            "each hour may appear once"
        )
    if not df.index.is_monotonic_increasing:
        bad = np.flatnonzero(np.diff(df.index.asi8) < 0) + 1
        raise WeatherDataError(
            f"{where}: time stamps go backwards at {format_rows(df.index[bad], off)}: "
            "rows must be in time order"
        )
    if len(df) == 0:
        raise WeatherDataError(f"{where}: no data rows: at least one day of hours is needed")
    off_grid = (df.index.asi8 % 3_600_000_000_000) != 0
    if off_grid.any():
        raise WeatherDataError(
            f"{where}: time stamps not on the hour in {format_rows(df.index[off_grid], off)}: "
            "hourly data labelled on the hour are required"
        )

    if expected_index is not None:
        extra = df.index.difference(expected_index)
        if len(extra):
            raise WeatherDataError(
                f"{where}: time stamps outside the expected period in {format_rows(extra, off)}: "
                f"expected {expected_index[0]} to {expected_index[-1]}"
            )
        full = pd.DatetimeIndex(expected_index).as_unit("ns")
    else:
        full = pd.date_range(df.index[0], df.index[-1], freq="h", name="time").as_unit("ns")
    present = full.isin(df.index)
    gap_runs = true_runs(~present)
    long_gaps = [(s, n) for s, n in gap_runs if n > MAX_REPAIRABLE_GAP_H]
    if long_gaps:
        n_missing = int((~present).sum())
        s, n = long_gaps[0]
        hint = " (the file looks truncated)" if s + n == len(full) else ""
        raise WeatherDataError(
            f"{where}: {n_missing} hour(s) missing, the longest run {n} h from "
            f"{format_rows(full[s:s + n], off)}{hint}: gaps of at most "
            f"{MAX_REPAIRABLE_GAP_H} h can be interpolated"
        )
    df = df.reindex(full)
    df.index.name = "time"
    for s, n in gap_runs:
        repairs.append(
            f"{n} missing hour(s) from {format_rows(full[s:s + n], off)} interpolated linearly"
        )

    # NaN runs per column (missing rows are NaN now and already reported as gaps)
    gap_mask = ~present
    for col in CANONICAL_COLUMNS:
        isna = df[col].isna().to_numpy()
        if not isna.any():
            continue
        for s, n in true_runs(isna):
            if n > MAX_REPAIRABLE_GAP_H:
                raise WeatherDataError(
                    f"{where}: column {col} has a run of {n} missing values in "
                    f"{format_rows(full[s:s + n], off)}: runs of at most "
                    f"{MAX_REPAIRABLE_GAP_H} h can be interpolated"
                )
            if not gap_mask[s:s + n].all():
                repairs.append(
                    f"column {col}: {n} missing value(s) in {format_rows(full[s:s + n], off)} "
                    "interpolated linearly"
                )
        df[col] = df[col].interpolate(method="linear", limit_direction="both")

    ghi_max = float(df["ghi"].max())
    if 0.0 < ghi_max < KW_SUSPECT_MAX_GHI:
        raise WeatherDataError(
            f"{where}: GHI never exceeds {ghi_max:g}: this looks like kW m⁻²: "
            "irradiance must be in W m⁻²"
        )
    for col in IRRADIANCE_COLUMNS:
        v = df[col].to_numpy()
        very = v < NEGATIVE_CLIP_W_M2
        if very.any():
            raise WeatherDataError(
                f"{where}: column {col} is below {NEGATIVE_CLIP_W_M2:g} W m⁻² in "
                f"{format_rows(full[very], off)} (min {v.min():g}): irradiance must be >= 0 "
                f"(values down to {NEGATIVE_CLIP_W_M2:g} are clipped to 0)"
            )
        small = v < 0
        if small.any():
            df.loc[small, col] = 0.0
            repairs.append(
                f"column {col}: small negative values in {format_rows(full[small], off)} "
                "clipped to 0"
            )
    if (df["wind_speed"] < 0).any():
        bad = df["wind_speed"].to_numpy() < 0
        raise WeatherDataError(
            f"{where}: negative wind speed in {format_rows(full[bad], off)}: wind speed must be >= 0"
        )
    rh = df["relative_humidity"].to_numpy()
    if ((rh < 0) | (rh > 110)).any():
        bad = (rh < 0) | (rh > 110)
        raise WeatherDataError(
            f"{where}: relative humidity outside 0..110 % in {format_rows(full[bad], off)}: "
            "give relative humidity in %"
        )

    if latitude is not None and longitude is not None:
        repairs += _check_solar(df, where, float(latitude), float(longitude), off)

    if repairs:
        warnings.warn(
            f"{where}: {len(repairs)} repair(s): " + "; ".join(repairs),
            EnergysimWarning,
            stacklevel=2,
        )
    return df, repairs


def _check_solar(df, where, latitude, longitude, off):
    """Night irradiance, time zone, hemisphere and closure checks (modifies ``df``)."""
    repairs = []
    idx = df.index
    ghi = df["ghi"].to_numpy()
    geom = hourly_geometry(idx, latitude, longitude, 0.0)
    shift = noon_offset_h(ghi, geom["solar_hour"])
    if np.isfinite(shift) and abs(shift) > NOON_OFFSET_ERROR_H:
        raise WeatherDataError(
            f"{where}: the irradiance is centred {shift:+.1f} h from the site's solar noon "
            f"(site {latitude:g} N, {longitude:g} E, UTC{off:+g}): the time zone / UTC offset "
            f"is probably wrong by about {round(shift):+d} h; time stamps must be declared in "
            "the zone they were recorded in"
        )
    # hemisphere: the seasonal cycle of daily GHI must follow the site's, not its mirror's
    if len(df) >= HOURS_TYPICAL_YEAR - 24:
        month = local_wall(idx, off).month
        g_m = pd.Series(ghi).groupby(month).mean()
        e_site = pd.Series(geom["eh"]).groupby(month).mean()
        geom_m = hourly_geometry(idx, -latitude, longitude, 0.0)
        e_flip = pd.Series(geom_m["eh"]).groupby(month).mean()
        c_site = np.corrcoef(g_m, e_site)[0, 1]
        c_flip = np.corrcoef(g_m, e_flip)[0, 1]
        if abs(latitude) > 10 and c_flip > 0.5 and c_site < 0:
            raise WeatherDataError(
                f"{where}: the seasonal cycle of GHI follows latitude {-latitude:g} "
                f"(correlation {c_flip:.2f}) not the declared {latitude:g} ({c_site:.2f}): "
                "the latitude sign is probably wrong (north is positive)"
            )
    # night: the sun stays below -5 deg through the whole hour
    el0 = solar_elevation(idx, latitude, longitude)
    el1 = solar_elevation(idx + pd.Timedelta(hours=1), latitude, longitude)
    night = np.maximum(el0, el1) < NIGHT_ELEVATION_DEG
    irr = df.loc[:, list(IRRADIANCE_COLUMNS)].to_numpy()
    lit = night & (irr.max(axis=1) > 0)
    big = night & (irr.max(axis=1) > NIGHT_IRRADIANCE_TOL_W_M2)
    if big.any():
        raise WeatherDataError(
            f"{where}: irradiance above {NIGHT_IRRADIANCE_TOL_W_M2:g} W m⁻² at night "
            f"(sun below {NIGHT_ELEVATION_DEG:g} deg all hour) in {format_rows(idx[big], off)}: "
            "check the time zone and the interval label; irradiance must be 0 at night"
        )
    if lit.any():
        df.loc[lit, list(IRRADIANCE_COLUMNS)] = 0.0
        repairs.append(
            f"irradiance <= {NIGHT_IRRADIANCE_TOL_W_M2:g} W m⁻² at night in "
            f"{format_rows(idx[lit], off)} set to 0"
        )
    # closure GHI = DNI cos Z + DHI on daytime hours
    day = geom["zenith"] < CLOSURE_ZENITH_DEG
    if day.sum() >= 24:
        cz = np.cos(np.radians(geom["zenith"]))
        resid = df["ghi"].to_numpy() - (df["dni"].to_numpy() * cz + df["dhi"].to_numpy())
        tol = np.maximum(CLOSURE_ABS_W_M2, CLOSURE_REL * df["ghi"].to_numpy())
        bad = day & (np.abs(resid) > tol)
        if bad.sum() > CLOSURE_MAX_FRACTION * day.sum():
            raise WeatherDataError(
                f"{where}: GHI differs from DNI*cos(zenith) + DHI by more than "
                f"max({CLOSURE_ABS_W_M2:g} W m⁻², {CLOSURE_REL:.0%}) on "
                f"{bad.sum() / day.sum():.0%} of daytime hours, e.g. {format_rows(idx[bad], off)}: "
                f"at most {CLOSURE_MAX_FRACTION:.0%} may; check that DNI is normal-incidence "
                "(not horizontal) and the columns are not swapped"
            )
    return repairs
