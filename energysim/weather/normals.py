"""Monthly normals of a site: computing, reading, writing, and the monthly summary table.

Owns :class:`Normals` (monthly table plus the generator's calibration parameters),
:func:`compute_normals` (monthly figures and site-wide fits from a weather year),
:func:`read_normals` / :func:`to_normals_csv` (the normals CSV with ``# key = value``
header), the model forms the fits share with the generator, and :func:`monthly_summary`
(the monthly table the CLI prints). It imports ``errors`` and ``units`` from energysim
(plus scipy, lazily) and, from this package, only ``frame`` and ``geometry``.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from energysim import atomic, units
from energysim.errors import WeatherDataError, describe_exception
from energysim.weather.frame import (
    IRRADIANCE_COLUMNS,
    comment_header,
    decode_text,
    local_wall,
    read_file_bytes,
)
from energysim.weather.geometry import clear_sky_kt, hourly_geometry

# Hourly clear-sky-index noise is fitted on hours within this many hours of solar noon:
# nearer sunrise/sunset the hourly files' time stamping (CSWD Shaoguan is centred 0.5 h
# late) dominates the residual. 4.5 h was chosen so that the generated Shaoguan year
# best matches the daytime kt distribution of the file; make_normals.py then calibrates the
# amplitude against PV yield (see weather/README.md).
KC_FIT_WINDOW_H = 4.5
#: Below this speed an hour counts as calm; WMO calm is below 0.5 m/s (1 knot ~ 0.51 m/s),
#: and CSWD records calms as 0. [m s⁻¹]
WIND_CALM_MS = 0.5
#: Largest diurnal amplitude in normal-score space; the generator's hourly score is
#: sqrt(1 - a²/2) AR(1) + a cos(...), unit variance for a <= sqrt(2). [1]
WIND_SCORE_AMPLITUDE_MAX = 1.0


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
    "wind_calm_fraction",
    "wind_weibull_k",
    "wind_diurnal_amplitude",
    "wind_peak_hour_local_h",
    "wind_diurnal_score_amplitude",
    "wind_diurnal_score_peak_h",
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
#: The site keys of a normals file (its ``params`` besides the generator parameters).
SITE_KEYS = ("latitude_deg", "longitude_deg", "altitude_m", "utc_offset_h", "wind_height_m")


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
    wall = local_wall(data.index, off)
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
        [m s⁻¹]; ``wind_calm_fraction`` share of calm hours (speed below
        :data:`WIND_CALM_MS`) [1]; ``wind_weibull_k`` shape of the excess over
        :data:`WIND_CALM_MS` of the speed in the other hours [1];
        ``wind_diurnal_score_amplitude`` and ``wind_diurnal_score_peak_h``, the first
        harmonic of the hourly mean normal score of the speed (what the generator uses)
        [1], [h];
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
    geom = hourly_geometry(data.index, lat, lon, alt)
    kcs = clear_sky_kt(data.index, geom, lat, lon, alt)
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
    g = wind_diurnal_factor(
        hour, out["wind_diurnal_amplitude"].to_numpy()[month - 1],
        out["wind_peak_hour_local_h"].to_numpy()[month - 1],
    )
    wn = w / g
    wn_m = pd.Series(wn).groupby(month)
    # Station wind is a mixture: calm hours (recorded 0) and a Weibull-like rest. One
    # Weibull over both fits k < 1, whose thin bulk and long tail misplace the energy
    # once the series is scaled to a ridge-top mean; the calm share and k of the rest
    # do. A non-calm hour blows at WIND_CALM_MS or more, so the Weibull is of the excess
    # over it (of the raw speed: the generator keeps each month's marginal). Mapped onto
    # the CSWD year's own ranks, this gives E-115/3000 at 120 m (6 m/s) +1 % of the
    # file's energy; a Weibull from 0 gives +5 %, one Weibull over calms too -17 %.
    calm = w < WIND_CALM_MS
    out["wind_calm_fraction"] = pd.Series(calm.astype(float)).groupby(month).mean()
    excess = pd.Series(w[~calm] - WIND_CALM_MS)
    out["wind_weibull_k"] = [
        _weibull_k_from_cv(s.std() / s.mean()) if s.size > 1 and s.mean() > 0 else 2.0
        for _, s in excess.groupby(month[~calm])
    ]
    # The diurnal cycle in normal-score space (calms are more frequent at night, which a
    # factor on the speed cannot express): first harmonic of the hourly mean score.
    score = _normal_scores(w, month)
    prof = pd.Series(score).groupby([month, hour]).mean().unstack().to_numpy()
    c1 = prof @ np.cos(ang) * 2 / 24
    s1 = prof @ np.sin(ang) * 2 / 24
    out["wind_diurnal_score_amplitude"] = np.minimum(np.hypot(c1, s1), WIND_SCORE_AMPLITUDE_MAX)
    out["wind_diurnal_score_peak_h"] = (np.degrees(np.arctan2(s1, c1)) / 15.0) % 24
    score_amp = out["wind_diurnal_score_amplitude"].to_numpy()[month - 1]
    cycle = score_amp * np.cos(
        2 * np.pi * (hour + 0.5 - out["wind_diurnal_score_peak_h"].to_numpy()[month - 1]) / 24.0)
    residual = (score - cycle) / np.sqrt(1.0 - score_amp**2 / 2.0)

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
            logistic_std, mids, stats_["std"].to_numpy(), p0=[0.25, 0.45, 0.08],
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
    params["wind_hourly_lag1"] = float(np.clip(pd.Series(residual).autocorr(1), 0.0, 0.99))
    source = f"computed from {meta.get('source', 'weather data')}"
    return Normals(out.astype("float64"), params, source)


def _normal_scores(values, groups):
    """Normal scores of ``values`` ranked within each group; a tie gets the mean score
    of the normal quantiles it spans (so the calms, tied at 0, keep their share). [1]"""
    from scipy import stats

    frame = pd.DataFrame({"v": values, "g": groups})
    ranks = frame.groupby("g")["v"]
    n = ranks.transform("size").to_numpy(float)
    lo = stats.norm.ppf((ranks.rank(method="min").to_numpy() - 1.0) / n)
    hi = stats.norm.ppf(ranks.rank(method="max").to_numpy() / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (stats.norm.pdf(lo) - stats.norm.pdf(hi)) / (stats.norm.cdf(hi) - stats.norm.cdf(lo))
    return np.nan_to_num(score)


def logistic_std(x, smax, k50, width):
    """Logistic curve ``smax / (1 + exp(-(x - k50) / width))``, in the units of ``smax``."""
    return smax / (1.0 + np.exp(-(x - k50) / width))


def _floored_logistic(kt, slope, b, floor):
    return floor + (1.0 - floor) / (1.0 + np.exp(np.clip(slope * (kt - b), -50, 50)))


def wind_diurnal_factor(hour_local, amplitude, peak_h):
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
    raw = read_file_bytes(path, "normals CSV")
    text = decode_text(raw, path, "normals CSV")
    head, n_comment = comment_header(text)
    try:
        monthly = pd.read_csv(io.StringIO(text), skiprows=n_comment, index_col="month")
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as a normals CSV ({describe_exception(exc)}): "
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
    for key in (*SITE_KEYS, *PARAM_DEFAULTS):
        if key in normals.params:
            lines.append(f"# {key} = {normals.params[key]:.6g}")
    body = normals.monthly.round(6).to_csv(lineterminator="\n", float_format="%.6g")
    atomic.write_text(path, "\n".join(lines) + "\n" + body)
    return path


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
    wall = local_wall(data.index, utc_offset_h)
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
