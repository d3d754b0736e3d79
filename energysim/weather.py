"""Weather sources, checks and the embedded Shaoguan typical year.

Owns everything between a weather file (EPW, TMY3, PVGIS TMY, plain CSV) or the embedded
default ``builtin:shaoguan`` and the canonical hourly weather frame that physics consumes:
reading, time-zone and interval-label conversion, data checks with recorded repairs,
typical-year coercion, monthly normals and the stochastic typical-year generator. It
imports only ``errors``, ``units`` and ``timeutils`` from energysim (plus pvlib, numpy,
pandas and scipy); it must not import physics, kernels, scenario, simulate or cli.

The canonical frame
-------------------
A :class:`pandas.DataFrame` indexed by a tz-aware UTC ``DatetimeIndex`` named ``time``,
hourly, each row labelled with the **beginning** of its interval (solar position belongs
at label + 30 min). Columns, all float64:

=====================  =========  ===============================================
column                 unit       meaning
=====================  =========  ===============================================
``ghi``                W m⁻²      global horizontal irradiance, hourly mean
``dni``                W m⁻²      direct normal irradiance, hourly mean
``dhi``                W m⁻²      diffuse horizontal irradiance, hourly mean
``temp_air``           °C         dry-bulb air temperature
``wind_speed``         m s⁻¹      wind speed at ``wind_height_m``
``wind_height_m``      m          measurement height of ``wind_speed`` (constant)
``pressure``           Pa         station air pressure
``relative_humidity``  %          relative humidity
=====================  =========  ===============================================

Readers return ``(data, meta)``; ``meta`` is a dict with ``source``, ``latitude``,
``longitude``, ``altitude_m``, ``utc_offset_h``, ``interval_label`` (always
``"beginning"`` after conversion), ``sha256``, ``repairs``, ``warnings``,
``typical_year`` and ``solar_noon_offset_h`` (irradiance-weighted time of the data
minus the site's solar noon, a diagnostic of the file's time stamps).

Typical years and leap days
---------------------------
Typical-year files (CSWD, TMY3, PVGIS TMY) splice months from different years. They are
coerced onto one stated non-leap nominal year (:data:`NOMINAL_YEAR`, 2005) on the site's
**local** standard-time calendar, so the first row is local Jan 1 00:00 and there are
exactly 8,760 rows; a Feb 29 in such a file is dropped and the drop is recorded.
**energysim simulates every year on the typical year's 8,760 hours; in a leap year,
Feb 29 is a repeat of Feb 28**: the kernels weight the 24 Feb-28 hours twice
(:func:`energysim.timeutils.year_hour_weights`), so a leap year carries 8,784 hours
of energy and no hour is silently dropped or duplicated.

The embedded year
-----------------
The Shaoguan CSWD file may not be redistributed, so ``builtin:shaoguan`` is *generated*
from committed monthly normals (``energysim/data/shaoguan_normals.csv``, made by
``weather/make_normals.py``), the approach Meteonorm takes: Ineichen clear sky with the
pvlib Linke-turbidity climatology, a daily clearness sequence with persistence (AR(1)
Gaussian copula onto a per-month bounded beta distribution), hourly clear-sky-index
fluctuations (Graham & Hollands style), a Boland decomposition calibrated per month,
temperature with a diurnal cycle, Weibull wind with persistence and a diurnal shape.
Same normals and seed give a byte-identical year.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import math
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from energysim import units
from energysim.errors import EnergysimWarning, WeatherDataError
from energysim.timeutils import ensure_utc, is_leap

logger = logging.getLogger(__name__)

__all__ = [
    "CANONICAL_COLUMNS",
    "NOMINAL_YEAR",
    "BUILTIN_SHAOGUAN",
    "Normals",
    "read_epw",
    "read_tmy3",
    "read_pvgis_tmy",
    "read_csv_weather",
    "load_weather",
    "check_weather",
    "to_typical_year",
    "compute_normals",
    "read_normals",
    "to_normals_csv",
    "generate_typical_year",
    "builtin_shaoguan",
    "to_weather_csv",
    "monthly_summary",
    "hourly_clearness_index",
]

#: Canonical columns, in order.
CANONICAL_COLUMNS = (
    "ghi",
    "dni",
    "dhi",
    "temp_air",
    "wind_speed",
    "wind_height_m",
    "pressure",
    "relative_humidity",
)
IRRADIANCE_COLUMNS = ("ghi", "dni", "dhi")

#: Nominal non-leap year onto which typical years are coerced (CSWD's own nominal year).
NOMINAL_YEAR = 2005
HOURS_TYPICAL_YEAR = 8760
#: Source name of the embedded generated Shaoguan year.
BUILTIN_SHAOGUAN = "builtin:shaoguan"
GENERATOR_VERSION = "1"  # bump when the generator's output for a given seed changes

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
# Hourly clear-sky-index noise is fitted on hours within this many hours of solar noon:
# nearer sunrise/sunset the hourly files' time stamping (CSWD Shaoguan is centred 0.5 h
# late) dominates the residual. 4.5 h was chosen so that the generated Shaoguan year
# best matches the daytime kt distribution of the file; make_normals.py then calibrates the
# amplitude against PV yield (see weather/README.md).
KC_FIT_WINDOW_H = 4.5
SHOW_ROWS = 3  # how many offending rows an error message names
# Station wind recorded in 0.5-1 m/s steps with many calms fits Weibull k < 1, whose tail
# gives implausible gales at a 10 m valley station; the generator uses k >= 1.
WEIBULL_K_MIN = 1.0

# EPW "missing" sentinels (EnergyPlus Auxiliary Programs, weather file format).
_EPW_MISSING = {
    "ghi": 9999.0,
    "dni": 9999.0,
    "dhi": 9999.0,
    "temp_air": 99.9,
    "relative_humidity": 999.0,
    "atmospheric_pressure": 999999.0,
    "wind_speed": 999.0,
}
_EPW_FIELDS = 35  # data fields per EPW line
_EPW_HEADER_LINES = 8
# Header names of typical-year products; an EPW naming one is coerced to NOMINAL_YEAR.
_TYPICAL_TAGS = ("CSWD", "TMY", "IWEC", "TYA", "TRY", "CTYW", "SWERA", "TYPICAL")

# Magnus formula over water, Alduchov & Eskridge (1996), doi:10.1175/1520-0450(1996)035
_MAGNUS_B = 17.625  # [1]
_MAGNUS_C_C = 243.04  # [°C]

_DATA_DIR = Path(__file__).resolve().parent / "data"
SHAOGUAN_NORMALS_PATH = _DATA_DIR / "shaoguan_normals.csv"


# ======================================================================================
# small helpers
# ======================================================================================
def _fmt_rows(times, utc_offset_h=0.0):
    """Describe offending rows: count and the first few local time stamps."""
    times = pd.DatetimeIndex(times)
    n = len(times)
    off = pd.Timedelta(hours=float(utc_offset_h))
    shown = ", ".join(
        (t.tz_convert(None) + off).strftime("%Y-%m-%d %H:%M") for t in times[:SHOW_ROWS]
    )
    more = ", ..." if n > SHOW_ROWS else ""
    return f"{n} row{'s' if n != 1 else ''} ({shown}{more} local UTC{float(utc_offset_h):+g})"


def _runs(mask):
    """Return (start, length) of each run of True in a boolean array."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), (ends - starts).tolist()))


def _sha256_bytes(raw):
    return hashlib.sha256(raw).hexdigest()


def _read_bytes(path, what):
    path = Path(path)
    if not path.exists():
        raise WeatherDataError(f"{path}: no such file: give an existing {what} file")
    if path.is_dir():
        raise WeatherDataError(f"{path}: is a directory: give a {what} file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WeatherDataError(
            f"{path}: cannot be read ({exc.strerror or exc}): give a readable {what} file"
        ) from exc


def _decode(raw, path, what):
    for enc in ("utf-8-sig", "latin-1"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise WeatherDataError(f"{path}: not a text file: expected a {what} text file")


def _base_meta(source, latitude, longitude, altitude_m, utc_offset_h, sha256, typical):
    return {
        "source": str(source),
        "latitude": float(latitude),
        "longitude": float(longitude),
        "altitude_m": float(altitude_m),
        "utc_offset_h": float(utc_offset_h),
        "interval_label": "beginning",
        "sha256": sha256,
        "repairs": [],
        "warnings": [],
        "typical_year": bool(typical),
    }


def _typical_index(year=NOMINAL_YEAR, utc_offset_h=0.0):
    """UTC index of a typical year: 8,760 hours from local Jan 1 00:00 of ``year``."""
    if is_leap(year):
        raise WeatherDataError(
            f"typical year {year}: is a leap year: the nominal year must be a non-leap year"
        )
    start = pd.Timestamp(year=year, month=1, day=1) - pd.Timedelta(hours=float(utc_offset_h))
    return pd.date_range(
        start.tz_localize("UTC"), periods=HOURS_TYPICAL_YEAR, freq="h", name="time"
    ).as_unit("ns")


def _local_wall(index, utc_offset_h):
    """Naive local standard time of a UTC index."""
    return index.tz_convert(None) + pd.Timedelta(hours=float(utc_offset_h))


def _canonical(frame, wind_height_m):
    out = pd.DataFrame(index=frame.index)
    for col in CANONICAL_COLUMNS:
        if col == "wind_height_m":
            out[col] = float(wind_height_m)
        else:
            out[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    out.index = ensure_utc(pd.DatetimeIndex(out.index)).as_unit("ns")
    return out


# ======================================================================================
# solar geometry shared by checks, normals and generator
# ======================================================================================
_PANDAS_DEPRECATION = getattr(pd.errors, "Pandas4Warning", DeprecationWarning)


@contextlib.contextmanager
def _quiet_pvlib():
    """Silence pandas deprecation warnings raised inside pvlib (pvlib 0.16 still uses
    ``DatetimeIndex.dayofyear``, deprecated in pandas 3); they are not the user's concern."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=_PANDAS_DEPRECATION)
        yield


def _solar_elevation(times, latitude, longitude):
    """Apparent solar elevation at ``times`` (fast ephemeris; checks only). [deg]"""
    import pvlib

    with _quiet_pvlib():
        sp = pvlib.solarposition.get_solarposition(
            pd.DatetimeIndex(times), latitude, longitude, method="ephemeris"
        )
    return sp["apparent_elevation"].to_numpy(dtype=float)


def _hourly_geometry(index, latitude, longitude, altitude_m):
    """Solar geometry of hourly interval-beginning rows.

    Returns a dict of arrays: ``zenith``/``apparent_zenith``/``elevation`` at the interval
    midpoint [deg], ``dni_extra`` [W m⁻²], ``eh`` the hour-mean extraterrestrial horizontal
    irradiance [W m⁻²] (exact integral of cos Z over the hour, clamped at sunrise/sunset,
    Duffie & Beckman eq. 1.10.4), ``doy``, ``decl`` [rad], ``eot`` [min] and
    ``solar_hour`` (hours from solar noon at the midpoint).
    """
    import pvlib

    mid = index + pd.Timedelta(minutes=30)
    with _quiet_pvlib():
        sp = pvlib.solarposition.get_solarposition(
            mid, latitude, longitude, altitude_m, method="nrel_numpy"
        )
    doy = mid.day_of_year.to_numpy()
    e0 = np.asarray(pvlib.irradiance.get_extra_radiation(doy), dtype=float)
    decl = np.asarray(pvlib.solarposition.declination_spencer71(doy), dtype=float)
    eot = np.asarray(pvlib.solarposition.equation_of_time_spencer71(doy), dtype=float)
    utc_h = (index.as_unit("ns").asi8 % 86_400_000_000_000) / 3_600_000_000_000
    # hour angle at the interval start: 15 deg per hour from local apparent noon
    w1 = np.radians((utc_h + longitude / 15.0 + eot / 60.0 - 12.0) * 15.0)
    w1 = (w1 + np.pi) % (2 * np.pi) - np.pi
    dw = np.radians(15.0)
    w2 = w1 + dw
    phi = np.radians(latitude)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(decl), -1.0, 1.0))
    a, b = np.clip(w1, -ws, ws), np.clip(w2, -ws, ws)
    mean_cos = (
        np.sin(phi) * np.sin(decl) * (b - a) + np.cos(phi) * np.cos(decl) * (np.sin(b) - np.sin(a))
    ) / dw
    solar_hour = np.degrees((w1 + dw / 2 + np.pi) % (2 * np.pi) - np.pi) / 15.0
    return {
        "zenith": sp["zenith"].to_numpy(dtype=float),
        "apparent_zenith": sp["apparent_zenith"].to_numpy(dtype=float),
        "elevation": sp["apparent_elevation"].to_numpy(dtype=float),
        "dni_extra": e0,
        "eh": e0 * np.clip(mean_cos, 0.0, None),
        "doy": doy,
        "decl": decl,
        "eot": eot,
        "solar_hour": solar_hour,
        "sunset_hour_angle": ws,
    }


def _clear_sky_kt(index, geom, latitude, longitude, altitude_m):
    """Clear-sky clearness index (Ineichen, pvlib Linke-turbidity climatology). [1]

    The zenith is capped at 88 deg so that the sunrise/sunset hours, whose midpoint may be
    below the horizon while part of the hour is lit, still get a finite transmittance.
    """
    import pvlib

    mid = index + pd.Timedelta(minutes=30)
    with _quiet_pvlib():
        tl = np.asarray(pvlib.clearsky.lookup_linke_turbidity(mid, latitude, longitude), float)
    z = np.minimum(geom["apparent_zenith"], 88.0)
    am = pvlib.atmosphere.get_relative_airmass(z)
    ama = pvlib.atmosphere.get_absolute_airmass(am, pvlib.atmosphere.alt2pres(altitude_m))
    cs = pvlib.clearsky.ineichen(z, ama, tl, altitude_m, geom["dni_extra"])
    return np.asarray(cs["ghi"], float) / (geom["dni_extra"] * np.cos(np.radians(z)))


def hourly_clearness_index(data, latitude, longitude, altitude_m=0.0, min_elevation_deg=10.0):
    """Hourly clearness index of the daytime hours of a canonical frame.

    Parameters
    ----------
    data : pandas.DataFrame
        Canonical weather frame (needs ``ghi``).
    latitude, longitude : float
        Site. [deg]
    altitude_m : float
        Site altitude. [m]
    min_elevation_deg : float, default 10
        Hours whose mid-hour solar elevation is below this are left out, because the
        clearness index of low-sun hours is dominated by timing, not by the sky. [deg]

    Returns
    -------
    numpy.ndarray
        ``kt = ghi / hour-mean extraterrestrial horizontal irradiance``. [1]
    """
    geom = _hourly_geometry(data.index, latitude, longitude, altitude_m)
    ok = geom["elevation"] > min_elevation_deg
    return data["ghi"].to_numpy(float)[ok] / geom["eh"][ok]


# ======================================================================================
# checks
# ======================================================================================
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
            f"{where}: duplicate time stamps in {_fmt_rows(df.index[dup], off)}: "
            "each hour may appear once"
        )
    if not df.index.is_monotonic_increasing:
        bad = np.flatnonzero(np.diff(df.index.asi8) < 0) + 1
        raise WeatherDataError(
            f"{where}: time stamps go backwards at {_fmt_rows(df.index[bad], off)}: "
            "rows must be in time order"
        )
    if len(df) == 0:
        raise WeatherDataError(f"{where}: no data rows: at least one day of hours is needed")
    off_grid = (df.index.asi8 % 3_600_000_000_000) != 0
    if off_grid.any():
        raise WeatherDataError(
            f"{where}: time stamps not on the hour in {_fmt_rows(df.index[off_grid], off)}: "
            "hourly data labelled on the hour are required"
        )

    if expected_index is not None:
        extra = df.index.difference(expected_index)
        if len(extra):
            raise WeatherDataError(
                f"{where}: time stamps outside the expected period in {_fmt_rows(extra, off)}: "
                f"expected {expected_index[0]} to {expected_index[-1]}"
            )
        full = pd.DatetimeIndex(expected_index).as_unit("ns")
    else:
        full = pd.date_range(df.index[0], df.index[-1], freq="h", name="time").as_unit("ns")
    present = full.isin(df.index)
    gap_runs = _runs(~present)
    long_gaps = [(s, n) for s, n in gap_runs if n > MAX_REPAIRABLE_GAP_H]
    if long_gaps:
        n_missing = int((~present).sum())
        s, n = long_gaps[0]
        hint = " (the file looks truncated)" if s + n == len(full) else ""
        raise WeatherDataError(
            f"{where}: {n_missing} hour(s) missing, the longest run {n} h from "
            f"{_fmt_rows(full[s:s + n], off)}{hint}: gaps of at most "
            f"{MAX_REPAIRABLE_GAP_H} h can be interpolated"
        )
    df = df.reindex(full)
    df.index.name = "time"
    for s, n in gap_runs:
        repairs.append(
            f"{n} missing hour(s) from {_fmt_rows(full[s:s + n], off)} interpolated linearly"
        )

    # NaN runs per column (missing rows are NaN now and already reported as gaps)
    gap_mask = ~present
    for col in CANONICAL_COLUMNS:
        isna = df[col].isna().to_numpy()
        if not isna.any():
            continue
        for s, n in _runs(isna):
            if n > MAX_REPAIRABLE_GAP_H:
                raise WeatherDataError(
                    f"{where}: column {col} has a run of {n} missing values in "
                    f"{_fmt_rows(full[s:s + n], off)}: runs of at most "
                    f"{MAX_REPAIRABLE_GAP_H} h can be interpolated"
                )
            if not gap_mask[s:s + n].all():
                repairs.append(
                    f"column {col}: {n} missing value(s) in {_fmt_rows(full[s:s + n], off)} "
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
                f"{_fmt_rows(full[very], off)} (min {v.min():g}): irradiance must be >= 0 "
                f"(values down to {NEGATIVE_CLIP_W_M2:g} are clipped to 0)"
            )
        small = v < 0
        if small.any():
            df.loc[small, col] = 0.0
            repairs.append(
                f"column {col}: small negative values in {_fmt_rows(full[small], off)} "
                "clipped to 0"
            )
    if (df["wind_speed"] < 0).any():
        bad = df["wind_speed"].to_numpy() < 0
        raise WeatherDataError(
            f"{where}: negative wind speed in {_fmt_rows(full[bad], off)}: wind speed must be >= 0"
        )
    rh = df["relative_humidity"].to_numpy()
    if ((rh < 0) | (rh > 110)).any():
        bad = (rh < 0) | (rh > 110)
        raise WeatherDataError(
            f"{where}: relative humidity outside 0..110 % in {_fmt_rows(full[bad], off)}: "
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


def _noon_offset_h(ghi, solar_hour):
    """Irradiance-weighted mean time from solar noon. [h]"""
    w = np.clip(ghi, 0.0, None)
    if w.sum() <= 0:
        return float("nan")
    return float((w * solar_hour).sum() / w.sum())


def _check_solar(df, where, latitude, longitude, off):
    """Night irradiance, time zone, hemisphere and closure checks (modifies ``df``)."""
    repairs = []
    idx = df.index
    ghi = df["ghi"].to_numpy()
    geom = _hourly_geometry(idx, latitude, longitude, 0.0)
    shift = _noon_offset_h(ghi, geom["solar_hour"])
    if np.isfinite(shift) and abs(shift) > NOON_OFFSET_ERROR_H:
        raise WeatherDataError(
            f"{where}: the irradiance is centred {shift:+.1f} h from the site's solar noon "
            f"(site {latitude:g} N, {longitude:g} E, UTC{off:+g}): the time zone / UTC offset "
            f"is probably wrong by about {round(shift):+d} h; time stamps must be declared in "
            "the zone they were recorded in"
        )
    # hemisphere: the seasonal cycle of daily GHI must follow the site's, not its mirror's
    if len(df) >= HOURS_TYPICAL_YEAR - 24:
        month = _local_wall(idx, off).month
        g_m = pd.Series(ghi).groupby(month).mean()
        e_site = pd.Series(geom["eh"]).groupby(month).mean()
        geom_m = _hourly_geometry(idx, -latitude, longitude, 0.0)
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
    el0 = _solar_elevation(idx, latitude, longitude)
    el1 = _solar_elevation(idx + pd.Timedelta(hours=1), latitude, longitude)
    night = np.maximum(el0, el1) < NIGHT_ELEVATION_DEG
    irr = df.loc[:, list(IRRADIANCE_COLUMNS)].to_numpy()
    lit = night & (irr.max(axis=1) > 0)
    big = night & (irr.max(axis=1) > NIGHT_IRRADIANCE_TOL_W_M2)
    if big.any():
        raise WeatherDataError(
            f"{where}: irradiance above {NIGHT_IRRADIANCE_TOL_W_M2:g} W m⁻² at night "
            f"(sun below {NIGHT_ELEVATION_DEG:g} deg all hour) in {_fmt_rows(idx[big], off)}: "
            "check the time zone and the interval label; irradiance must be 0 at night"
        )
    if lit.any():
        df.loc[lit, list(IRRADIANCE_COLUMNS)] = 0.0
        repairs.append(
            f"irradiance <= {NIGHT_IRRADIANCE_TOL_W_M2:g} W m⁻² at night in "
            f"{_fmt_rows(idx[lit], off)} set to 0"
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
                f"{bad.sum() / day.sum():.0%} of daytime hours, e.g. {_fmt_rows(idx[bad], off)}: "
                f"at most {CLOSURE_MAX_FRACTION:.0%} may; check that DNI is normal-incidence "
                "(not horizontal) and the columns are not swapped"
            )
    return repairs


# ======================================================================================
# typical years and leap days
# ======================================================================================
def to_typical_year(data, year=NOMINAL_YEAR, *, utc_offset_h=0.0, where="weather"):
    """Coerce a typical-year frame (months from different years) onto one nominal year.

    Each row keeps its local standard-time month, day and hour and is given the nominal
    ``year``; rows are then sorted, so the result starts at local Jan 1 00:00. Rows of
    Feb 29 are dropped (energysim's rule: Feb 29 repeats Feb 28, see the module notes).
    Gaps are not filled here; :func:`check_weather` does that, with a record.

    Parameters
    ----------
    data : pandas.DataFrame
        Frame with a tz-aware, interval-beginning index (not modified).
    year : int, default 2005
        Nominal non-leap year.
    utc_offset_h : float, default 0
        Local standard-time offset whose calendar defines the months. [h]
    where : str
        Names the source in messages.

    Returns
    -------
    pandas.DataFrame
        The same rows on the nominal year, UTC index named ``time``.

    Raises
    ------
    WeatherDataError
        If ``year`` is a leap year, or two rows land on the same local hour.

    Examples
    --------
    >>> idx = pd.date_range("1999-12-31 16:00", periods=3, freq="h", tz="UTC")
    >>> out = to_typical_year(pd.DataFrame({"x": [1, 2, 3]}, index=idx), utc_offset_h=8)
    >>> str(out.index[0])
    '2004-12-31 16:00:00+00:00'
    """
    if is_leap(int(year)):
        raise WeatherDataError(
            f"{where}: nominal year {year} is a leap year: give a non-leap year (e.g. 2005)"
        )
    index = ensure_utc(pd.DatetimeIndex(data.index), where)
    wall = _local_wall(index, utc_offset_h)
    keep = ~((wall.month == 2) & (wall.day == 29))
    wall = wall[keep]
    new_wall = pd.to_datetime(
        {
            "year": np.full(len(wall), int(year)),
            "month": wall.month,
            "day": wall.day,
            "hour": wall.hour,
            "minute": wall.minute,
        }
    )
    new_index = pd.DatetimeIndex(
        new_wall - pd.Timedelta(hours=float(utc_offset_h))
    ).tz_localize("UTC")
    out = data.loc[keep].copy()
    out.index = new_index.rename("time").as_unit("ns")
    dup = out.index.duplicated(keep=False)
    if dup.any():
        raise WeatherDataError(
            f"{where}: duplicate time stamps once coerced to the typical year in "
            f"{_fmt_rows(out.index[dup], utc_offset_h)}: each calendar hour may appear once"
        )
    return out.sort_index()


# ======================================================================================
# readers
# ======================================================================================
def _finish(
    frame, meta, where, *, wind_height_m, typical, nominal_year=NOMINAL_YEAR, source_offset_h=None
):
    """Shared tail of every reader: canonical columns, typical year, checks, meta.

    ``source_offset_h`` is the calendar the source's months are defined on (UTC for
    PVGIS); the year is coerced on it first, then the non-leap year is rotated onto the
    local calendar, so a leap-year February in UTC never lands on a local Feb 29.
    """
    off = meta["utc_offset_h"]
    frame = _canonical(frame, wind_height_m)
    expected = None
    if typical:
        src_off = off if source_offset_h is None else float(source_offset_h)
        wall = _local_wall(frame.index, src_off)
        n_feb29 = int(((wall.month == 2) & (wall.day == 29)).sum())
        frame = to_typical_year(frame, nominal_year, utc_offset_h=src_off, where=where)
        if src_off != off:
            frame = to_typical_year(frame, nominal_year, utc_offset_h=off, where=where)
        expected = _typical_index(nominal_year, off)
        if n_feb29:
            meta["repairs"].append(
                f"{n_feb29} hours of Feb 29 dropped (typical years are non-leap; "
                "energysim repeats Feb 28 in leap years)"
            )
    data, repairs = check_weather(
        frame,
        where,
        latitude=meta["latitude"],
        longitude=meta["longitude"],
        utc_offset_h=off,
        expected_index=expected,
    )
    meta["repairs"].extend(repairs)
    geom = _hourly_geometry(data.index, meta["latitude"], meta["longitude"], 0.0)
    meta["solar_noon_offset_h"] = round(_noon_offset_h(data["ghi"].to_numpy(), geom["solar_hour"]), 3)
    return data, meta


def read_epw(path, *, nominal_year=NOMINAL_YEAR):
    """Read an EnergyPlus weather (EPW) file into the canonical frame.

    EPW hour *h* covers (h-1, h] local standard time; :func:`pvlib.iotools.read_epw`
    labels it with the interval start, which is what energysim uses. The offset is the
    ``LOCATION`` header's time zone. Missing-value sentinels (9999 etc.) become NaN and go
    through :func:`check_weather`. Files that name a typical-year product in the header
    (CSWD, TMY, IWEC, ...) or splice months from several years are coerced onto
    ``nominal_year``.

    Parameters
    ----------
    path : str or path-like
        EPW file.
    nominal_year : int, default 2005
        Non-leap year for typical-year files.

    Returns
    -------
    data : pandas.DataFrame
        Canonical frame (wind at 10 m, the EPW convention).
    meta : dict
        See the module notes.

    Raises
    ------
    WeatherDataError
        If the file is missing, unreadable, truncated, not EPW, or fails the checks.
    """
    import pvlib

    path = Path(path)
    raw = _read_bytes(path, "EPW")
    text = _decode(raw, path, "EPW")
    lines = text.splitlines()
    if not lines or not lines[0].startswith("LOCATION"):
        raise WeatherDataError(
            f"{path}: first line is not an EPW LOCATION record: expected an EPW file"
        )
    if len(lines) <= _EPW_HEADER_LINES:
        raise WeatherDataError(f"{path}: no data lines after the EPW header: the file is truncated")
    for i, line in enumerate(lines[_EPW_HEADER_LINES:], start=_EPW_HEADER_LINES + 1):
        if not line.strip():
            continue
        nf = line.count(",") + 1
        if nf < _EPW_FIELDS:
            raise WeatherDataError(
                f"{path}: line {i} has {nf} fields: EPW data lines have {_EPW_FIELDS} "
                "(the file is truncated or damaged)"
            )
    try:
        with _quiet_pvlib():
            df, m = pvlib.iotools.read_epw(io.StringIO(text))
    except Exception as exc:  # pvlib/pandas raise many types on malformed input
        raise WeatherDataError(
            f"{path}: cannot be parsed as EPW ({type(exc).__name__}: {exc}): expected an EPW file"
        ) from exc
    df = df.rename(columns={"atmospheric_pressure": "pressure"})
    for col, sentinel in _EPW_MISSING.items():
        col = "pressure" if col == "atmospheric_pressure" else col
        df[col] = df[col].astype(float).where(df[col].astype(float) < sentinel)
    years = pd.Series(df["year"].to_numpy()).groupby(df["month"].to_numpy()).first()
    tag = " ".join(str(m.get(k, "")) for k in ("data_type", "city")).upper()
    comments = " ".join(lines[5:7]).upper()
    typical = years.nunique() > 1 or any(t in tag or t in comments for t in _TYPICAL_TAGS)
    meta = _base_meta(
        path, m["latitude"], m["longitude"], m["altitude"], m["TZ"], _sha256_bytes(raw), typical
    )
    meta["station"] = f"{m.get('city', '')}, {m.get('state-prov', '')}, {m.get('country', '')}"
    meta["wmo"] = str(m.get("WMO_code", ""))
    df.index = ensure_utc(pd.DatetimeIndex(df.index), str(path))
    return _finish(df, meta, str(path), wind_height_m=10.0, typical=typical, nominal_year=nominal_year)


def read_tmy3(path, *, nominal_year=NOMINAL_YEAR):
    """Read a TMY3 CSV file into the canonical frame.

    :func:`pvlib.iotools.read_tmy3` labels each row with the **end** of its hour (the
    first row is 01:00, the last 24:00 -> next year's 00:00, local standard time). This
    reader has pvlib coerce the months onto ``nominal_year``, shifts the labels back one
    hour to interval-beginning (so the first row is Jan 1 00:00 local) and converts
    pressure from mbar to Pa.

    Parameters
    ----------
    path : str or path-like
        TMY3 CSV file.
    nominal_year : int, default 2005
        Non-leap nominal year.

    Returns
    -------
    data, meta
        Canonical frame (wind at 10 m) and metadata.

    Raises
    ------
    WeatherDataError
        If the file is missing, unreadable, not TMY3, or fails the checks.
    """
    import pvlib

    path = Path(path)
    raw = _read_bytes(path, "TMY3")
    text = _decode(raw, path, "TMY3")
    try:
        with _quiet_pvlib():
            # coerce onto the non-leap nominal year *before* moving the hour-ending labels
            # back: in a leap source year, Feb 28 24:00 would otherwise land on Feb 29
            df, m = pvlib.iotools.read_tmy3(
                io.StringIO(text), coerce_year=int(nominal_year), map_variables=True
            )
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as TMY3 ({type(exc).__name__}: {exc}): "
            "expected a TMY3 CSV file"
        ) from exc
    df = df.copy()
    df.index = ensure_utc(pd.DatetimeIndex(df.index), str(path)) - pd.Timedelta(hours=1)
    df["pressure"] = units.mbar_to_pa(df["pressure"].astype(float))
    meta = _base_meta(
        path, m["latitude"], m["longitude"], m["altitude"], m["TZ"], _sha256_bytes(raw), True
    )
    meta["station"] = f"{m.get('Name', '')}, {m.get('State', '')}"
    return _finish(df, meta, str(path), wind_height_m=10.0, typical=True, nominal_year=nominal_year)


def read_pvgis_tmy(path, *, utc_offset_h=0.0, nominal_year=NOMINAL_YEAR):
    """Read a PVGIS TMY file (JSON or CSV) into the canonical frame.

    PVGIS stamps rows in UTC (``time(UTC)``); each row is taken as the hour starting at
    its stamp (interval-beginning). The typical year's months are UTC months unless
    ``utc_offset_h`` names the local calendar to coerce on.

    Parameters
    ----------
    path : str or path-like
        ``.json`` or ``.csv`` file from the PVGIS TMY tool.
    utc_offset_h : float, default 0
        Offset of the local calendar used for the typical year. [h]
    nominal_year : int, default 2005
        Non-leap nominal year.

    Returns
    -------
    data, meta
        Canonical frame (wind at 10 m, ``WS10m``) and metadata.

    Raises
    ------
    WeatherDataError
        If the file is missing, unreadable, not PVGIS TMY, or fails the checks.
    """
    import pvlib

    path = Path(path)
    raw = _read_bytes(path, "PVGIS TMY")
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("json", "csv"):
        raise WeatherDataError(
            f"{path}: suffix .{fmt} is not a PVGIS TMY format: expected .json or .csv"
        )
    try:
        buf = io.StringIO(raw.decode("utf-8")) if fmt == "json" else io.BytesIO(raw)
        with _quiet_pvlib():
            df, m = pvlib.iotools.read_pvgis_tmy(buf, pvgis_format=fmt, map_variables=True)
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as PVGIS TMY {fmt} ({type(exc).__name__}: {exc}): "
            "expected a file from the PVGIS TMY tool"
        ) from exc
    inputs = m.get("inputs", {})
    loc = inputs.get("location", inputs)
    try:
        lat, lon, alt = float(loc["latitude"]), float(loc["longitude"]), float(loc["elevation"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WeatherDataError(
            f"{path}: no latitude/longitude/elevation in the PVGIS header: expected a PVGIS TMY file"
        ) from exc
    meta = _base_meta(path, lat, lon, alt, utc_offset_h, _sha256_bytes(raw), True)
    if "irradiance time offset" in inputs:
        meta["irradiance_time_offset_h"] = float(inputs["irradiance time offset"])
    df.index = ensure_utc(pd.DatetimeIndex(df.index), str(path))
    return _finish(
        df, meta, str(path), wind_height_m=10.0, typical=True, nominal_year=nominal_year,
        source_offset_h=0.0,
    )


def _comment_header(text):
    """Parse leading ``# key = value`` lines; return (dict, number of comment lines)."""
    meta, n = {}, 0
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        n += 1
        body = line[1:].strip()
        if "=" in body:
            k, v = body.split("=", 1)
            meta[k.strip()] = v.strip()
    return meta, n


def read_csv_weather(
    path,
    *,
    time_column=None,
    timezone=None,
    interval_label=None,
    column_map=None,
    wind_height_m=None,
    latitude=None,
    longitude=None,
    altitude_m=None,
    utc_offset_h=None,
    typical_year=None,
):
    """Read a plain hourly CSV whose layout the user declares.

    Every option may instead come from leading ``# key = value`` header lines (as written
    by :func:`to_weather_csv` and ``energysim weather generate``); an argument overrides
    the header. Values must already be in canonical units (W m⁻², °C, m s⁻¹, Pa, %).

    Parameters
    ----------
    path : str or path-like
        CSV file.
    time_column : str
        Column of time stamps.
    timezone : str, optional
        Zone of naive time stamps (``"Asia/Shanghai"``, ``"+08:00"``, ``"UTC"``). Required
        when the stamps carry no offset; never assumed.
    interval_label : {"beginning", "ending"}
        Whether a stamp marks the start or the end of its hour.
    column_map : dict, optional
        File column -> canonical column.
    wind_height_m : float
        Height of the wind measurement. [m]
    latitude, longitude : float
        Site. [deg]
    altitude_m : float, optional
        Site altitude, default 0. [m]
    utc_offset_h : float, optional
        Local standard-time offset for messages and typical years; defaults to the offset
        of the time stamps. [h]
    typical_year : bool, optional
        Coerce onto :data:`NOMINAL_YEAR` (default False).

    Returns
    -------
    data, meta

    Raises
    ------
    WeatherDataError
        For a missing option, naive stamps without ``timezone``, unknown columns, or a
        failed check.
    """
    path = Path(path)
    raw = _read_bytes(path, "CSV weather")
    text = _decode(raw, path, "CSV weather")
    head, n_comment = _comment_header(text)
    time_column = time_column or head.get("time_column")
    timezone = timezone or head.get("timezone")
    interval_label = interval_label or head.get("interval_label")
    opts = {
        "latitude": latitude if latitude is not None else head.get("latitude_deg"),
        "longitude": longitude if longitude is not None else head.get("longitude_deg"),
        "wind_height_m": wind_height_m if wind_height_m is not None else head.get("wind_height_m"),
    }
    needed = [k for k, v in opts.items() if v is None]
    if time_column is None:
        needed.insert(0, "time_column")
    if interval_label is None:
        needed.append("interval_label")
    if needed:
        raise WeatherDataError(
            f"{path}: plain CSV without {', '.join(needed)}: declare them "
            "(csv_options / command-line options or '# key = value' header lines)"
        )
    if interval_label not in ("beginning", "ending"):
        raise WeatherDataError(
            f"{path}: interval_label = {interval_label!r}: allowed 'beginning' or 'ending'"
        )
    try:
        lat, lon, wh = (float(opts["latitude"]), float(opts["longitude"]), float(opts["wind_height_m"]))
        alt = float(altitude_m if altitude_m is not None else head.get("altitude_m", 0.0))
    except ValueError as exc:
        raise WeatherDataError(f"{path}: site option is not a number ({exc}): give numbers") from exc
    try:
        df = pd.read_csv(io.StringIO(text), skiprows=n_comment)
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as CSV ({type(exc).__name__}: {exc}): expected a CSV file"
        ) from exc
    if column_map:
        df = df.rename(columns=dict(column_map))
    if time_column not in df.columns:
        raise WeatherDataError(
            f"{path}: no time column {time_column!r}: columns are {', '.join(map(str, df.columns))}"
        )
    missing = [c for c in CANONICAL_COLUMNS if c not in df.columns and c != "wind_height_m"]
    if missing:
        raise WeatherDataError(
            f"{path}: missing column(s) {', '.join(missing)}: map file columns to "
            f"{', '.join(CANONICAL_COLUMNS)} with column_map"
        )
    stamps = df[time_column].astype(str)
    try:
        parsed = pd.to_datetime(stamps, format="ISO8601")
    except (ValueError, TypeError):
        try:
            parsed = pd.to_datetime(stamps, utc=True, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise WeatherDataError(
                f"{path}: time column {time_column!r} is not ISO 8601 ({exc}): "
                "use e.g. 2005-01-01T00:00:00+08:00"
            ) from exc
    idx = pd.DatetimeIndex(parsed)
    if idx.tz is None:
        if not timezone:
            raise WeatherDataError(
                f"{path}: time stamps have no UTC offset and no timezone was declared: "
                "declare timezone (e.g. 'Asia/Shanghai', '+08:00' or 'UTC')"
            )
        tz = timezone
        if timezone[0] in "+-" and ":" in timezone:
            h, mnt = timezone[1:].split(":")
            sign = 1 if timezone[0] == "+" else -1
            tz = _fixed_tz(sign * (int(h) + int(mnt) / 60))
        try:
            idx = idx.tz_localize(tz)
        except Exception as exc:
            raise WeatherDataError(
                f"{path}: timezone {timezone!r} is not usable ({exc}): give an IANA name "
                "or an offset like '+08:00'"
            ) from exc
    if utc_offset_h is None:
        utc_offset_h = head.get("utc_offset_h")
    if utc_offset_h is None:
        first = idx[0]
        utc_offset_h = first.utcoffset().total_seconds() / 3600 if first.utcoffset() else 0.0
    df.index = ensure_utc(idx, str(path))
    if interval_label == "ending":
        df.index = df.index - pd.Timedelta(hours=1)
    if typical_year is None:
        typical_year = str(head.get("typical_year", "false")).lower() == "true"
    meta = _base_meta(path, lat, lon, alt, float(utc_offset_h), _sha256_bytes(raw), typical_year)
    for key in ("source", "seed", "generator"):
        if key in head:
            meta[f"header_{key}"] = head[key]
    return _finish(df, meta, str(path), wind_height_m=wh, typical=bool(typical_year))


def _fixed_tz(offset_h):
    from datetime import timedelta, timezone

    return timezone(timedelta(hours=offset_h))


def to_weather_csv(data, meta, path, *, overwrite=False):
    """Write a canonical frame as a self-describing CSV that :func:`load_weather` reads.

    The file starts with ``# key = value`` lines (site, time zone, interval label, wind
    height) and stamps rows in ISO 8601 with the local offset. It is written to a
    temporary name beside ``path`` and renamed, so a reader never sees half a file.

    Parameters
    ----------
    data : pandas.DataFrame
        Canonical frame.
    meta : dict
        Its metadata (site and offset are written).
    path : str or path-like
        Output file.
    overwrite : bool, default False
        Replace an existing file.

    Raises
    ------
    energysim.errors.OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    from energysim.errors import OutputExistsError

    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path}: already exists: pass overwrite (--overwrite) to replace it")
    off = float(meta["utc_offset_h"])
    local = data.index.tz_convert(_fixed_tz(off))
    out = data.loc[:, list(CANONICAL_COLUMNS)].copy()
    out.insert(0, "time", local.strftime("%Y-%m-%dT%H:%M:%S") + _offset_str(off))
    header = [
        "# energysim weather v1",
        f"# source = {meta.get('source', '')}",
        f"# latitude_deg = {meta['latitude']!r}",
        f"# longitude_deg = {meta['longitude']!r}",
        f"# altitude_m = {meta['altitude_m']!r}",
        f"# utc_offset_h = {off!r}",
        "# time_column = time",
        "# interval_label = beginning",
        f"# wind_height_m = {float(data['wind_height_m'].iloc[0])!r}",
        f"# typical_year = {str(bool(meta.get('typical_year', False))).lower()}",
        "# units: ghi dni dhi [W m-2], temp_air [degC], wind_speed [m s-1], "
        "wind_height_m [m], pressure [Pa], relative_humidity [%]",
    ]
    if "seed" in meta:
        header.insert(2, f"# seed = {meta['seed']}")
    buf = io.StringIO()
    buf.write("\n".join(header) + "\n")
    out.to_csv(buf, index=False, float_format="%.6g", lineterminator="\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _offset_str(off):
    sign = "+" if off >= 0 else "-"
    minutes = int(round(abs(off) * 60))
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _sniff_csv(raw):
    head = raw[:4096].decode("utf-8", errors="replace")
    lines = head.splitlines()
    if not lines:
        return "empty"
    if lines[0].startswith("# energysim weather") or lines[0].startswith("#"):
        return "energysim"
    if lines[0].lower().startswith("latitude"):
        return "pvgis"
    if len(lines) > 1 and lines[1].startswith("Date (MM/DD/YYYY)"):
        return "tmy3"
    return "plain"


def load_weather(source, *, base_dir=None, seed=0, csv_options=None):
    """Load weather from ``"builtin:shaoguan"`` or a file, by extension and content.

    Parameters
    ----------
    source : str or path-like
        ``"builtin:shaoguan"`` for the generated default year, or a path (relative to
        ``base_dir``) to a ``.epw``, TMY3 ``.csv``, PVGIS ``.json``/``.csv``, an
        energysim-written ``.csv``, or a plain ``.csv`` described by ``csv_options``.
    base_dir : str or path-like, optional
        Directory relative paths are resolved against (e.g. the scenario's folder).
    seed : int, default 0
        Seed of the generated builtin year.
    csv_options : dict, optional
        Keyword arguments of :func:`read_csv_weather` for a plain CSV.

    Returns
    -------
    data, meta

    Raises
    ------
    WeatherDataError
        ``<path>: <problem>: <what is allowed>`` for a missing file, a directory, an
        unreadable or truncated file, an unknown format, or a failed check.
    """
    if isinstance(source, str) and source.startswith("builtin:"):
        if source != BUILTIN_SHAOGUAN:
            raise WeatherDataError(
                f"{source}: unknown builtin weather: allowed {BUILTIN_SHAOGUAN!r}"
            )
        return builtin_shaoguan(seed)
    path = Path(source)
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    raw = _read_bytes(path, "weather")
    suffix = path.suffix.lower()
    if suffix == ".epw":
        return read_epw(path)
    if suffix == ".json":
        return read_pvgis_tmy(path)
    if suffix == ".csv":
        kind = _sniff_csv(raw)
        if kind == "tmy3":
            return read_tmy3(path)
        if kind == "pvgis":
            return read_pvgis_tmy(path)
        if kind == "energysim" or csv_options:
            return read_csv_weather(path, **(csv_options or {}))
        if kind == "empty":
            raise WeatherDataError(f"{path}: the file is empty: expected hourly weather data")
        raise WeatherDataError(
            f"{path}: plain CSV of unknown layout: declare it with csv_options "
            "(time_column, timezone, interval_label, column_map, wind_height_m, latitude, "
            "longitude) or use EPW, TMY3 or PVGIS TMY"
        )
    raise WeatherDataError(
        f"{path}: unknown weather format {suffix or '(no suffix)'}: allowed .epw, .csv "
        "(TMY3, PVGIS, energysim or declared plain CSV), .json (PVGIS TMY) or "
        f"{BUILTIN_SHAOGUAN!r}"
    )


# ======================================================================================
# monthly normals
# ======================================================================================
#: Required monthly columns of a normals CSV, with units in their names.
NORMALS_REQUIRED = (
    "ghi_kwh_m2",
    "dni_kwh_m2",
    "dhi_kwh_m2",
    "kt_daily_mean",
    "diffuse_fraction",
    "temp_min_c",
    "temp_max_c",
    "wind_speed_m_s",
    "relative_humidity_pct",
    "pressure_pa",
)
#: Optional monthly statistics the generator is calibrated with (derived figures).
NORMALS_OPTIONAL = (
    "kt_daily_std",
    "kt_daily_min",
    "kt_daily_max",
    "temp_daily_std_c",
    "wind_weibull_k",
    "wind_diurnal_amplitude",
    "wind_peak_hour_local_h",
)
#: Site-wide generator parameters stored in the normals header, with generic defaults
#: used (with a warning) for hand-made normals that lack them.
PARAM_DEFAULTS = {
    "kt_daily_lag1": 0.5,  # day-to-day persistence of clearness
    "kc_hourly_std_max": 0.25,  # hourly clear-sky-index noise on clear/broken days
    "kc_hourly_std_k50": 0.45,
    "kc_hourly_std_width": 0.08,
    "kc_hourly_lag1": 0.2,
    "diffuse_slope": 7.997,  # Boland (2001) hourly coefficient
    "diffuse_floor": 0.0,
    "temp_daily_lag1": 0.7,
    "temp_range_kt_slope_c": 15.0,
    "temp_peak_solar_h": 14.5,
    "wind_hourly_lag1": 0.85,
}
_SITE_KEYS = ("latitude_deg", "longitude_deg", "altitude_m", "utc_offset_h", "wind_height_m")


@dataclass(frozen=True)
class Normals:
    """Monthly normals of a site plus the generator's calibration parameters.

    Attributes
    ----------
    monthly : pandas.DataFrame
        Index ``month`` 1..12; columns :data:`NORMALS_REQUIRED` and any of
        :data:`NORMALS_OPTIONAL` (units in the names).
    params : dict
        Site (``latitude_deg``, ``longitude_deg``, ``altitude_m``, ``utc_offset_h``,
        ``wind_height_m``) and the site-wide calibration figures of :data:`PARAM_DEFAULTS`.
    source : str
        Where the normals came from.
    """

    monthly: pd.DataFrame
    params: dict = field(default_factory=dict)
    source: str = ""

    def digest(self):
        """SHA-256 of the canonical text of these normals. [hex str]"""
        text = self.monthly.to_csv(float_format="%.10g", lineterminator="\n")
        text += json.dumps({k: float(v) for k, v in sorted(self.params.items())}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _daily_frame(data, meta, geom, kcs):
    off = meta["utc_offset_h"]
    wall = _local_wall(data.index, off)
    return pd.DataFrame(
        {
            "day": wall.normalize(),
            "month": wall.month,
            "hour": wall.hour,
            "ghi": data["ghi"].to_numpy(float),
            "eh": geom["eh"],
            "cs": geom["eh"] * kcs,
            "t": data["temp_air"].to_numpy(float),
        }
    )


def _weibull_k_from_cv(cv):
    """Weibull shape from the coefficient of variation (exact moment relation). [1]"""
    from scipy import optimize, special

    def f(k):
        return special.gamma(1 + 2 / k) / special.gamma(1 + 1 / k) ** 2 - 1 - cv**2

    return float(optimize.brentq(f, 0.3, 30.0))


def compute_normals(data, meta):
    """Monthly normals and generator calibration figures of a weather year.

    Months are local standard-time calendar months (``meta["utc_offset_h"]``). Totals are
    sums of hourly means over the month. Daily statistics use local calendar days.

    Parameters
    ----------
    data : pandas.DataFrame
        Canonical frame covering one year (a typical year).
    meta : dict
        Its metadata (site, offset).

    Returns
    -------
    Normals
        ``monthly`` columns: GHI/DNI/DHI totals [kWh m⁻²]; ``kt_daily_mean`` (mean daily
        clearness index), ``kt_daily_std/min/max`` [1]; ``diffuse_fraction`` (ΣDHI/ΣGHI)
        [1]; ``temp_min_c``/``temp_max_c`` mean daily min/max [°C]; ``temp_daily_std_c``
        std of daily mean temperature about the month's mean [°C]; ``wind_speed_m_s`` mean
        [m s⁻¹]; ``wind_weibull_k`` shape of the diurnally normalised speed [1];
        ``wind_diurnal_amplitude`` (first-harmonic relative amplitude) [1] and
        ``wind_peak_hour_local_h`` [h]; ``relative_humidity_pct`` [%]; ``pressure_pa`` [Pa].
        ``params`` holds the site and the fitted site-wide figures (see Notes).

    Notes
    -----
    Site-wide fits: ``kt_daily_lag1`` lag-1 autocorrelation of daily clearness anomalies;
    ``kc_hourly_std_*`` a logistic fit, σ(Kc) = max / (1 + exp(-(Kc - k50)/width)), of the
    std of hourly clear-sky index about its day's value against the day's clear-sky index,
    using hours within 3 h of solar noon and above 10° elevation (near the day's ends the
    time stamping of hourly files dominates the residual); ``kc_hourly_lag1`` their lag-1
    autocorrelation; ``diffuse_slope`` and ``diffuse_floor`` a least-squares fit of
    ``df = floor + (1 - floor) / (1 + exp(slope (kt - b)))`` (Boland's logistic with a
    floor) to hourly diffuse fractions; ``temp_daily_lag1``; ``temp_range_kt_slope_c``
    regression of daily temperature range on daily clearness [°C]; ``temp_peak_solar_h``
    mean solar hour of the daily maximum; ``wind_hourly_lag1``.
    """
    from scipy import optimize

    lat, lon, alt = meta["latitude"], meta["longitude"], meta["altitude_m"]
    off = float(meta["utc_offset_h"])
    geom = _hourly_geometry(data.index, lat, lon, alt)
    kcs = _clear_sky_kt(data.index, geom, lat, lon, alt)
    d = _daily_frame(data, meta, geom, kcs)
    month = d["month"].to_numpy()
    daily = d.groupby("day").agg(
        ghi=("ghi", "sum"), eh=("eh", "sum"), cs=("cs", "sum"), tmin=("t", "min"),
        tmax=("t", "max"), tmean=("t", "mean"), month=("month", "first"),
    )
    daily = daily[daily["eh"] > 0]
    daily["kt"] = daily["ghi"] / daily["eh"]
    daily["kc"] = daily["ghi"] / daily["cs"]
    by_m = daily.groupby("month")

    def msum(col):
        return units.wh_to_kwh(pd.Series(data[col].to_numpy(float)).groupby(month).sum())

    out = pd.DataFrame(index=pd.RangeIndex(1, 13, name="month"))
    out["ghi_kwh_m2"] = msum("ghi")
    out["dni_kwh_m2"] = msum("dni")
    out["dhi_kwh_m2"] = msum("dhi")
    out["kt_daily_mean"] = by_m["kt"].mean()
    out["diffuse_fraction"] = out["dhi_kwh_m2"] / out["ghi_kwh_m2"]
    out["temp_min_c"] = by_m["tmin"].mean()
    out["temp_max_c"] = by_m["tmax"].mean()
    out["wind_speed_m_s"] = pd.Series(data["wind_speed"].to_numpy(float)).groupby(month).mean()
    out["relative_humidity_pct"] = (
        pd.Series(data["relative_humidity"].to_numpy(float)).groupby(month).mean()
    )
    out["pressure_pa"] = pd.Series(data["pressure"].to_numpy(float)).groupby(month).mean()
    out["kt_daily_std"] = by_m["kt"].std()
    out["kt_daily_min"] = by_m["kt"].min()
    out["kt_daily_max"] = by_m["kt"].max()
    t_anom = daily["tmean"] - by_m["tmean"].transform("mean")
    out["temp_daily_std_c"] = t_anom.groupby(daily["month"]).std()

    # wind: diurnal first harmonic per month, then Weibull k of the normalised speed
    w = data["wind_speed"].to_numpy(float)
    hour = d["hour"].to_numpy()
    prof = pd.Series(w).groupby([month, hour]).mean().unstack()
    rel = prof.div(prof.mean(axis=1), axis=0).to_numpy() - 1.0
    ang = 2 * np.pi * (np.arange(24) + 0.5) / 24
    c1 = rel @ np.cos(ang) * 2 / 24
    s1 = rel @ np.sin(ang) * 2 / 24
    out["wind_diurnal_amplitude"] = np.hypot(c1, s1)
    out["wind_peak_hour_local_h"] = (np.degrees(np.arctan2(s1, c1)) / 15.0) % 24
    g = _wind_diurnal_factor(
        hour, out["wind_diurnal_amplitude"].to_numpy()[month - 1],
        out["wind_peak_hour_local_h"].to_numpy()[month - 1],
    )
    wn = w / g
    wn_m = pd.Series(wn).groupby(month)
    out["wind_weibull_k"] = [
        _weibull_k_from_cv(s.std() / s.mean()) if s.mean() > 0 else 2.0 for _, s in wn_m
    ]

    params = {
        "latitude_deg": float(lat),
        "longitude_deg": float(lon),
        "altitude_m": float(alt),
        "utc_offset_h": off,
        "wind_height_m": float(data["wind_height_m"].iloc[0]),
    }
    kt_anom = daily["kt"] - by_m["kt"].transform("mean")
    params["kt_daily_lag1"] = float(np.clip(kt_anom.autocorr(1), 0.0, 0.95))
    # hourly clear-sky-index residuals near solar noon
    kc_h = d["ghi"].to_numpy() / np.where(d["cs"] > 0, d["cs"], np.nan)
    kc_d = daily["kc"].reindex(d["day"]).to_numpy()
    near = (geom["elevation"] > 10) & (np.abs(geom["solar_hour"]) <= KC_FIT_WINDOW_H)
    r, k = (kc_h - kc_d)[near], kc_d[near]
    ok = np.isfinite(r) & np.isfinite(k)
    r, k = r[ok], k[ok]
    bins = pd.cut(k, np.arange(0.0, 1.45, 0.05))
    stats_ = pd.Series(r).groupby(bins, observed=True).agg(["std", "count"])
    stats_ = stats_[stats_["count"] >= 20].dropna()
    mids = np.array([iv.mid for iv in stats_.index])
    try:
        p, _ = optimize.curve_fit(
            _logistic_std, mids, stats_["std"].to_numpy(), p0=[0.25, 0.45, 0.08],
            sigma=1 / np.sqrt(stats_["count"].to_numpy()),
            bounds=([0.0, 0.0, 0.01], [1.0, 1.5, 0.5]),
        )
        params["kc_hourly_std_max"], params["kc_hourly_std_k50"], params["kc_hourly_std_width"] = map(float, p)
    except (RuntimeError, ValueError, TypeError):
        for key in ("kc_hourly_std_max", "kc_hourly_std_k50", "kc_hourly_std_width"):
            params[key] = PARAM_DEFAULTS[key]
    resid = pd.Series(np.where(near, kc_h - kc_d, np.nan))
    params["kc_hourly_lag1"] = float(np.clip(np.nan_to_num(resid.autocorr(1)), 0.0, 0.95))
    # decomposition: Boland logistic with a floor, fitted to hourly diffuse fractions
    ghi = data["ghi"].to_numpy(float)
    kt_h = np.clip(ghi / (geom["dni_extra"] * np.clip(np.cos(np.radians(geom["zenith"])), 0.065, None)), 0, 1)
    day = (geom["elevation"] > 5) & (ghi > 0)
    dfh = data["dhi"].to_numpy(float)[day] / ghi[day]
    try:
        p, _ = optimize.curve_fit(
            _floored_logistic, kt_h[day], np.clip(dfh, 0, 1), p0=[8.0, 0.5, 0.1],
            sigma=1 / np.sqrt(ghi[day]), bounds=([0.5, -1.0, 0.0], [50.0, 2.0, 0.9]),
        )
        params["diffuse_slope"], params["diffuse_floor"] = float(p[0]), float(p[2])
    except (RuntimeError, ValueError, TypeError):
        params["diffuse_slope"] = PARAM_DEFAULTS["diffuse_slope"]
        params["diffuse_floor"] = PARAM_DEFAULTS["diffuse_floor"]
    params["temp_daily_lag1"] = float(np.clip(t_anom.autocorr(1), 0.0, 0.95))
    dtr = daily["tmax"] - daily["tmin"]
    dtr_anom = dtr - dtr.groupby(daily["month"]).transform("mean")
    params["temp_range_kt_slope_c"] = float((dtr_anom * kt_anom).sum() / (kt_anom**2).sum())
    t = d["t"].to_numpy()
    imax = pd.Series(t).groupby(d["day"].to_numpy()).idxmax().to_numpy()
    params["temp_peak_solar_h"] = float(12.0 + np.mean(geom["solar_hour"][imax]))
    wz = pd.Series(wn / wn_m.transform("mean").to_numpy())
    params["wind_hourly_lag1"] = float(np.clip(wz.autocorr(1), 0.0, 0.99))
    source = f"computed from {meta.get('source', 'weather data')}"
    return Normals(out.astype("float64"), params, source)


def _logistic_std(x, smax, k50, width):
    return smax / (1.0 + np.exp(-(x - k50) / width))


def _floored_logistic(kt, slope, b, floor):
    return floor + (1.0 - floor) / (1.0 + np.exp(np.clip(slope * (kt - b), -50, 50)))


def _wind_diurnal_factor(hour_local, amplitude, peak_h):
    """Relative diurnal wind factor 1 + a cos(2π (t - peak)/24), t at mid-hour. [1]"""
    t = np.asarray(hour_local, float) + 0.5
    return 1.0 + amplitude * np.cos(2 * np.pi * (t - peak_h) / 24.0)


def read_normals(path):
    """Read a normals CSV (``# key = value`` header, then one row per month).

    Parameters
    ----------
    path : str or path-like
        Normals file, e.g. ``energysim/data/shaoguan_normals.csv``.

    Returns
    -------
    Normals

    Raises
    ------
    WeatherDataError
        If the file is missing, lacks months 1..12 or a required column, or has values
        outside physical ranges.
    """
    path = Path(path)
    raw = _read_bytes(path, "normals CSV")
    text = _decode(raw, path, "normals CSV")
    head, n_comment = _comment_header(text)
    try:
        monthly = pd.read_csv(io.StringIO(text), skiprows=n_comment, index_col="month")
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as a normals CSV ({type(exc).__name__}: {exc}): "
            "expected a 'month' column and one row per month"
        ) from exc
    if sorted(monthly.index.tolist()) != list(range(1, 13)):
        raise WeatherDataError(
            f"{path}: months {monthly.index.tolist()}: exactly months 1..12 are required"
        )
    missing = [c for c in NORMALS_REQUIRED if c not in monthly.columns]
    if missing:
        raise WeatherDataError(
            f"{path}: missing column(s) {', '.join(missing)}: a normals CSV needs "
            f"{', '.join(NORMALS_REQUIRED)}"
        )
    monthly = monthly.sort_index().astype("float64")
    params = {}
    for key, value in head.items():
        try:
            params[key] = float(value)
        except ValueError:
            continue
    _validate_normals(monthly, str(path))
    return Normals(monthly, params, str(path))


def _validate_normals(monthly, where):
    checks = [
        ("ghi_kwh_m2", 0, 400),
        ("dni_kwh_m2", 0, 600),
        ("dhi_kwh_m2", 0, 250),
        ("kt_daily_mean", 0.02, 0.85),
        ("diffuse_fraction", 0.05, 1.0),
        ("wind_speed_m_s", 0, 40),
        ("relative_humidity_pct", 0, 100),
        ("pressure_pa", 50_000, 110_000),
        ("temp_min_c", -70, 50),
        ("temp_max_c", -60, 60),
    ]
    for col, lo, hi in checks:
        v = monthly[col]
        bad = (v < lo) | (v > hi) | v.isna()
        if bad.any():
            m = int(v.index[bad.to_numpy()][0])
            raise WeatherDataError(
                f"{where}: month {m} {col} = {v[m]:g}: allowed {lo:g} .. {hi:g}"
            )
    if (monthly["temp_max_c"] < monthly["temp_min_c"]).any():
        raise WeatherDataError(f"{where}: temp_max_c below temp_min_c: max must be >= min")


def to_normals_csv(normals, path, *, header_lines=()):
    """Write normals as CSV with ``# key = value`` header lines.

    Parameters
    ----------
    normals : Normals
        What to write.
    path : str or path-like
        Output file (written to a temporary name and renamed).
    header_lines : sequence of str
        Free-text comment lines (provenance) written first, each prefixed with ``#``.
    """
    path = Path(path)
    lines = [f"# {line}" if line else "#" for line in header_lines]
    for key in (*_SITE_KEYS, *PARAM_DEFAULTS):
        if key in normals.params:
            lines.append(f"# {key} = {normals.params[key]:.6g}")
    body = normals.monthly.round(6).to_csv(lineterminator="\n", float_format="%.6g")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write("\n".join(lines) + "\n" + body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ======================================================================================
# generator
# ======================================================================================
def _ar1(rng, n, phi):
    """Stationary AR(1) with unit variance: y_t = φ y_{t-1} + sqrt(1-φ²) ε_t."""
    from scipy import signal

    e = rng.standard_normal(n)
    s = math.sqrt(1.0 - phi * phi)
    e[0] /= s  # start in the stationary distribution
    return signal.lfilter([s], [1.0, -phi], e)


def _bounded_beta_ppf(u, mean, std, lo, hi):
    """Quantiles of a beta distribution on [lo, hi] with the given mean and std."""
    from scipy import stats

    span = hi - lo
    m = float(np.clip((mean - lo) / span, 0.02, 0.98))
    v = min((std / span) ** 2, 0.95 * m * (1 - m))  # keep the beta proper
    s = m * (1 - m) / v - 1.0
    return lo + span * stats.beta.ppf(u, m * s, (1 - m) * s)


def _periodic_daily(monthly_values, year):
    """Daily values interpolated linearly between mid-months, wrapping Dec -> Jan."""
    days = pd.date_range(f"{year}-01-01", periods=365, freq="D")
    mid = np.array(
        [(pd.Timestamp(year=year, month=m, day=1) - days[0]).days + days[days.month == m].size / 2
         for m in range(1, 13)]
    )
    x = np.concatenate([mid - 365, mid, mid + 365])
    y = np.tile(np.asarray(monthly_values, float), 3)
    return np.interp(np.arange(365) + 0.5, x, y)


def _param(normals, key, used_defaults):
    if key in normals.params:
        return float(normals.params[key])
    used_defaults.append(key)
    return PARAM_DEFAULTS[key]


def _monthly_opt(monthly, col, fallback):
    if col in monthly.columns and monthly[col].notna().all():
        return monthly[col].to_numpy(float)
    return np.asarray(fallback, float)


def generate_typical_year(
    normals,
    *,
    latitude=None,
    longitude=None,
    altitude_m=None,
    utc_offset_h=None,
    seed=0,
    year=NOMINAL_YEAR,
    wind_height_m=None,
):
    """Generate an hourly typical year from monthly normals.

    Parameters
    ----------
    normals : Normals
        Monthly normals and calibration figures (:func:`read_normals`,
        :func:`compute_normals`).
    latitude, longitude : float, optional
        Site; default the normals' site. [deg]
    altitude_m : float, optional
        Site altitude; default the normals'. [m]
    utc_offset_h : float, optional
        Local standard-time offset; default the normals'. [h]
    seed : int, default 0
        Random seed; the same normals and seed give a byte-identical year.
    year : int, default 2005
        Non-leap nominal year; the first row is local Jan 1 00:00.
    wind_height_m : float, optional
        Height of the wind series; default the normals' (10 m). [m]

    Returns
    -------
    data : pandas.DataFrame
        Canonical frame, 8,760 rows.
    meta : dict
        ``sha256`` hashes the normals, seed, site and generator version.

    Notes
    -----
    1. Clear sky: Ineichen with pvlib's Linke-turbidity climatology, as a clear-sky
       clearness index applied to the hour-mean extraterrestrial horizontal irradiance.
    2. Daily clearness: a stationary AR(1) Gaussian sequence (lag-1 ``kt_daily_lag1``)
       mapped through Φ onto each month's beta distribution on
       [``kt_daily_min``, ``kt_daily_max``] with the month's mean and std — a Gaussian
       copula form of the Aguiar & Collares-Pereira (1988) persistence idea.
    3. Hourly: clear-sky index = the day's value + σ(Kc)·AR(1) noise (Graham & Hollands
       1990 style, σ fitted in :func:`compute_normals`), clipped to [0, 1.2], then each day
       rescaled to its daily clearness and each month to its normal GHI total.
    4. Decomposition: :func:`pvlib.irradiance.boland` with the site's fitted slope and a
       diffuse floor; its midpoint ``b`` is solved per month so the month's diffuse
       fraction equals the normal. DNI = (GHI − DHI)/cos Z closes exactly.
    5. Temperature: daily min/max around the monthly means with AR(1) anomalies and a
       range that grows with clearness; cosine rise from sunrise to
       ``temp_peak_solar_h``, cosine fall to the next sunrise; monthly mean daily min and
       max then match the normals.
    6. Wind: AR(1) Gaussian → Weibull (monthly k, at least 1, and mean) by quantile
       transform (top 0.1 % capped), times the monthly diurnal harmonic, each month
       rescaled to its mean.
    7. Humidity from a monthly dew point solved so mean RH matches (Magnus formula);
       pressure the monthly mean.

    References
    ----------
    Aguiar, R. and Collares-Pereira, M. (1988) Solar Energy 40(3), 269-279,
    doi:10.1016/0038-092X(88)90049-7. Graham, V. A. and Hollands, K. G. T. (1990) Solar
    Energy 44(6), 333-341, doi:10.1016/0038-092X(90)90137-2. Boland, J., Scott, L. and
    Luther, M. (2001) Environmetrics 12(2), 103-116, doi:10.1002/1099-095X(200103)12:2<103::AID-ENV447>3.0.CO;2-2.
    Ineichen, P. and Perez, R. (2002) Solar Energy 73(3), 151-157,
    doi:10.1016/S0038-092X(02)00045-2.
    """
    import pvlib
    from scipy import optimize, special, stats

    p = normals.params
    lat = float(latitude if latitude is not None else p["latitude_deg"])
    lon = float(longitude if longitude is not None else p["longitude_deg"])
    alt = float(altitude_m if altitude_m is not None else p.get("altitude_m", 0.0))
    off = float(utc_offset_h if utc_offset_h is not None else p["utc_offset_h"])
    wh = float(wind_height_m if wind_height_m is not None else p.get("wind_height_m", 10.0))
    mon_n = normals.monthly
    used_defaults = []
    par = {k: _param(normals, k, used_defaults) for k in PARAM_DEFAULTS}

    index = _typical_index(int(year), off)
    geom = _hourly_geometry(index, lat, lon, alt)
    kcs = _clear_sky_kt(index, geom, lat, lon, alt)
    base = geom["eh"] * kcs  # clear-sky hour-mean GHI [W m-2]
    wall = _local_wall(index, off)
    month = wall.month.to_numpy()
    dayi = wall.day_of_year.to_numpy() - 1
    hour = wall.hour.to_numpy()
    nd = 365
    dmonth = pd.date_range(f"{year}-01-01", periods=nd, freq="D").month.to_numpy()
    # independent streams per component: changing one model leaves the others unchanged
    r_day, r_hour, r_temp, r_wind = (
        np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(4)
    )

    # --- daily clearness --------------------------------------------------------------
    kt_mean = mon_n["kt_daily_mean"].to_numpy(float)
    kt_std = _monthly_opt(mon_n, "kt_daily_std", 0.35 * kt_mean * (1 - kt_mean))
    kt_lo = _monthly_opt(mon_n, "kt_daily_min", np.maximum(0.03, kt_mean - 2.5 * kt_std))
    kt_hi = _monthly_opt(mon_n, "kt_daily_max", np.minimum(0.82, kt_mean + 2.5 * kt_std))
    u = stats.norm.cdf(_ar1(r_day, nd, par["kt_daily_lag1"]))
    kt_d = np.empty(nd)
    for m in range(1, 13):
        sel = dmonth == m
        kt_d[sel] = _bounded_beta_ppf(u[sel], kt_mean[m - 1], kt_std[m - 1], kt_lo[m - 1], kt_hi[m - 1])
    e_d = np.bincount(dayi, geom["eh"], nd)
    c_d = np.bincount(dayi, base, nd)
    kc_d = np.minimum(kt_d * e_d / c_d, 1.2)

    # --- hourly clear-sky index -------------------------------------------------------
    kc_day_h = kc_d[dayi]
    sigma = _logistic_std(
        kc_day_h, par["kc_hourly_std_max"], par["kc_hourly_std_k50"], par["kc_hourly_std_width"]
    )
    kc = np.clip(kc_day_h + sigma * _ar1(r_hour, len(index), par["kc_hourly_lag1"]), 0.0, 1.2)
    ghi = base * kc
    tot = np.bincount(dayi, ghi, nd)
    ghi *= np.where(tot > 0, kt_d * e_d / np.where(tot > 0, tot, 1.0), 0.0)[dayi]
    target_wh = units.kwh_to_wh(mon_n["ghi_kwh_m2"].to_numpy(float))
    for m in range(1, 13):
        sel = month == m
        s = ghi[sel].sum()
        if s > 0:
            ghi[sel] *= target_wh[m - 1] / s

    # --- decomposition ----------------------------------------------------------------
    dhi = ghi.copy()
    dni = np.zeros_like(ghi)
    cosz = np.cos(np.radians(geom["zenith"]))
    floor = par["diffuse_floor"]
    df_target = mon_n["diffuse_fraction"].to_numpy(float)
    for m in range(1, 13):
        sel = month == m
        g_m = ghi[sel]
        if g_m.sum() <= 0:
            continue

        def split(b, sel=sel, g_m=g_m):
            with _quiet_pvlib():
                out = pvlib.irradiance.boland(
                    g_m, geom["zenith"][sel], geom["doy"][sel],
                    a_coeff=par["diffuse_slope"], b_coeff=b,
                )
            d_b = np.asarray(out["dhi"], float)
            up = np.asarray(out["dni"], float) > 0
            return np.where(up, floor * g_m + (1 - floor) * d_b, g_m)

        target = df_target[m - 1]
        lo_b, hi_b = -3.0, 5.0
        f_lo = split(lo_b).sum() / g_m.sum() - target
        f_hi = split(hi_b).sum() / g_m.sum() - target
        if f_lo * f_hi < 0:
            b = optimize.brentq(lambda b: split(b).sum() / g_m.sum() - target, lo_b, hi_b, xtol=1e-9)
        else:  # target outside what the model can reach: take the nearest end
            b = lo_b if abs(f_lo) < abs(f_hi) else hi_b
        d_m = split(b)
        dhi[sel] = d_m
        dni[sel] = np.where(d_m < g_m, (g_m - d_m) / np.maximum(cosz[sel], 0.065), 0.0)

    # --- temperature --------------------------------------------------------------------
    tmin_n = mon_n["temp_min_c"].to_numpy(float)
    tmax_n = mon_n["temp_max_c"].to_numpy(float)
    t_std = _monthly_opt(mon_n, "temp_daily_std_c", np.full(12, 2.0))
    mean_d = _periodic_daily((tmin_n + tmax_n) / 2, year)
    range_d = _periodic_daily(tmax_n - tmin_n, year)
    noise = _ar1(r_temp, nd, par["temp_daily_lag1"]) * t_std[dmonth - 1]
    kt_anom = kt_d - kt_mean[dmonth - 1]
    range_d = np.maximum(range_d + par["temp_range_kt_slope_c"] * kt_anom, 1.0)
    tmin_d = mean_d + noise - range_d / 2
    tmax_d = mean_d + noise + range_d / 2
    sunrise = 12.0 - np.degrees(geom["sunset_hour_angle"]) / 15.0  # solar time [h]
    sr_d = np.bincount(dayi, sunrise, nd) / np.bincount(dayi, minlength=nd)
    solar_t = 12.0 + geom["solar_hour"]
    # solar day of each hour (solar time crosses midnight a little off the clock's)
    for _ in range(3):  # fix the monthly mean min/max exactly (hourly sampling bias)
        temp = _diurnal_temperature(solar_t, dayi, tmin_d, tmax_d, sr_d, par["temp_peak_solar_h"])
        dd = pd.DataFrame({"t": temp, "day": dayi})
        got_min = dd.groupby("day")["t"].min().to_numpy()
        got_max = dd.groupby("day")["t"].max().to_numpy()
        for m in range(1, 13):
            sel = dmonth == m
            tmin_d[sel] += tmin_n[m - 1] - got_min[sel].mean()
            tmax_d[sel] += tmax_n[m - 1] - got_max[sel].mean()
    temp = _diurnal_temperature(solar_t, dayi, tmin_d, tmax_d, sr_d, par["temp_peak_solar_h"])

    # --- wind ---------------------------------------------------------------------------
    w_mean = mon_n["wind_speed_m_s"].to_numpy(float)
    w_k = _monthly_opt(mon_n, "wind_weibull_k", np.full(12, 2.0))
    w_amp = _monthly_opt(mon_n, "wind_diurnal_amplitude", np.zeros(12))
    w_peak = _monthly_opt(mon_n, "wind_peak_hour_local_h", np.full(12, 15.0))
    uw = np.clip(stats.norm.cdf(_ar1(r_wind, len(index), par["wind_hourly_lag1"])), 1e-9, 0.999)
    k_h = np.maximum(w_k[month - 1], WEIBULL_K_MIN)
    scale = w_mean[month - 1] / special.gamma(1 + 1 / k_h)
    wind = scale * (-np.log1p(-uw)) ** (1 / k_h)
    wind *= _wind_diurnal_factor(hour, w_amp[month - 1], w_peak[month - 1])
    for m in range(1, 13):
        sel = month == m
        s = wind[sel].mean()
        if s > 0:
            wind[sel] *= w_mean[m - 1] / s

    # --- humidity and pressure ------------------------------------------------------------
    rh_n = mon_n["relative_humidity_pct"].to_numpy(float)
    rh = np.empty_like(temp)
    for m in range(1, 13):
        sel = month == m
        t_m = temp[sel]

        def mean_rh(td, t_m=t_m):
            return np.minimum(_rh_from_dewpoint(t_m, td), units.PERCENT).mean()

        target = rh_n[m - 1]
        lo_t, hi_t = t_m.min() - 60.0, t_m.max()
        if mean_rh(hi_t) <= target:
            td = hi_t
        else:
            td = optimize.brentq(lambda x: mean_rh(x) - target, lo_t, hi_t, xtol=1e-6)
        rh[sel] = np.minimum(_rh_from_dewpoint(t_m, td), units.PERCENT)
    pressure = mon_n["pressure_pa"].to_numpy(float)[month - 1]

    data = pd.DataFrame(
        {
            "ghi": ghi,
            "dni": dni,
            "dhi": dhi,
            "temp_air": temp,
            "wind_speed": wind,
            "wind_height_m": np.full(len(index), wh),
            "pressure": pressure,
            "relative_humidity": rh,
        },
        index=index,
    )
    h = hashlib.sha256()
    h.update(normals.digest().encode())
    h.update(json.dumps([int(seed), int(year), lat, lon, alt, off, wh, GENERATOR_VERSION]).encode())
    meta = _base_meta(
        f"generated from {normals.source or 'normals'} (seed {int(seed)})",
        lat, lon, alt, off, h.hexdigest(), True,
    )
    meta["seed"] = int(seed)
    meta["solar_noon_offset_h"] = round(_noon_offset_h(ghi, geom["solar_hour"]), 3)
    if used_defaults:
        msg = (
            f"{normals.source or 'normals'}: no {', '.join(sorted(used_defaults))}: "
            "generic generator defaults used"
        )
        meta["warnings"].append(msg)
        warnings.warn(msg, EnergysimWarning, stacklevel=2)
    return data, meta


def _diurnal_temperature(solar_t, dayi, tmin_d, tmax_d, sunrise_d, peak_h):
    """Piecewise-cosine diurnal temperature: min at sunrise, max at ``peak_h``. [°C]"""
    nd = len(tmin_d)
    prev = (dayi - 1) % nd
    nxt = (dayi + 1) % nd
    sr = sunrise_d[dayi]
    t = solar_t
    out = np.empty_like(t)
    # before sunrise: falling from yesterday's max to today's min
    a = t < sr
    frac = (t[a] - (peak_h - 24.0)) / (sr[a] - (peak_h - 24.0))
    out[a] = tmin_d[dayi[a]] + (tmax_d[prev[a]] - tmin_d[dayi[a]]) * (1 + np.cos(np.pi * frac)) / 2
    # rising
    b = (~a) & (t <= peak_h)
    frac = (t[b] - sr[b]) / (peak_h - sr[b])
    out[b] = tmin_d[dayi[b]] + (tmax_d[dayi[b]] - tmin_d[dayi[b]]) * (1 - np.cos(np.pi * frac)) / 2
    # after the peak: falling to tomorrow's min at tomorrow's sunrise
    c = t > peak_h
    frac = (t[c] - peak_h) / (sunrise_d[nxt[c]] + 24.0 - peak_h)
    out[c] = tmin_d[nxt[c]] + (tmax_d[dayi[c]] - tmin_d[nxt[c]]) * (1 + np.cos(np.pi * frac)) / 2
    return out


def _rh_from_dewpoint(temp_c, dewpoint_c):
    """Relative humidity from temperature and dew point (Magnus). [%]"""
    es = np.exp(_MAGNUS_B * np.asarray(temp_c) / (_MAGNUS_C_C + np.asarray(temp_c)))
    e = np.exp(_MAGNUS_B * dewpoint_c / (_MAGNUS_C_C + dewpoint_c))
    return units.fraction_to_pct(e / es)


@functools.lru_cache(maxsize=8)
def _builtin_cached(seed):
    normals = read_normals(SHAOGUAN_NORMALS_PATH)
    normals = Normals(normals.monthly, normals.params, "energysim/data/shaoguan_normals.csv")
    data, meta = generate_typical_year(normals, seed=seed)
    meta["source"] = f"{BUILTIN_SHAOGUAN} (generated from energysim/data/shaoguan_normals.csv, seed {seed})"
    meta["station"] = "Shaoguan, Guangdong, CHN (CSWD WMO 59082 normals)"
    return data, meta


def builtin_shaoguan(seed=0):
    """The embedded Shaoguan typical year, generated from the committed normals.

    Deterministic, so it is cached in-process per seed; each call returns a fresh copy.

    Parameters
    ----------
    seed : int, default 0
        Generator seed (0 is the default year).

    Returns
    -------
    data, meta
    """
    import copy

    data, meta = _builtin_cached(int(seed))
    return data.copy(), copy.deepcopy(meta)


# ======================================================================================
# summaries (used by the CLI)
# ======================================================================================
def monthly_summary(data, utc_offset_h=0.0):
    """Monthly table of a canonical frame on the local calendar.

    Parameters
    ----------
    data : pandas.DataFrame
        Canonical frame.
    utc_offset_h : float
        Local standard-time offset. [h]

    Returns
    -------
    pandas.DataFrame
        Index ``month``; ``ghi_kwh_m2``, ``dni_kwh_m2``, ``dhi_kwh_m2`` [kWh m⁻²],
        ``diffuse_fraction`` [1], ``temp_air_c`` mean, ``temp_min_c``/``temp_max_c`` mean
        daily min/max [°C], ``wind_speed_m_s`` [m s⁻¹], ``relative_humidity_pct`` [%],
        ``pressure_pa`` [Pa].
    """
    wall = _local_wall(data.index, utc_offset_h)
    month = wall.month
    g = data.groupby(month)
    out = pd.DataFrame(index=pd.Index(sorted(set(month)), name="month"))
    for col in IRRADIANCE_COLUMNS:
        out[f"{col}_kwh_m2"] = units.wh_to_kwh(g[col].sum())
    out["diffuse_fraction"] = out["dhi_kwh_m2"] / out["ghi_kwh_m2"]
    out["temp_air_c"] = g["temp_air"].mean()
    daily = data["temp_air"].groupby(wall.normalize())
    dmin, dmax = daily.min(), daily.max()
    out["temp_min_c"] = dmin.groupby(dmin.index.month).mean()
    out["temp_max_c"] = dmax.groupby(dmax.index.month).mean()
    out["wind_speed_m_s"] = g["wind_speed"].mean()
    out["relative_humidity_pct"] = g["relative_humidity"].mean()
    out["pressure_pa"] = g["pressure"].mean()
    return out

