"""The stochastic typical-year generator and the embedded ``builtin:shaoguan`` year.

Owns :func:`generate_typical_year` (an hourly typical year from monthly normals: clear
sky, daily clearness with persistence, hourly fluctuations, decomposition, temperature,
wind, humidity) with its stochastic helpers, and :func:`builtin_shaoguan`, the year
generated from the committed ``energysim/data/shaoguan_normals.csv`` and cached
in-process per seed. It imports ``errors`` and ``units`` from energysim (plus pvlib and
scipy, lazily) and, from this package, only ``frame``, ``geometry`` and ``normals``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from energysim import units
from energysim.errors import EnergysimWarning
from energysim.weather.frame import (
    BUILTIN_SHAOGUAN,
    NOMINAL_YEAR,
    base_meta,
    local_wall,
    typical_index,
)
from energysim.weather.geometry import clear_sky_kt, hourly_geometry, noon_offset_h, quiet_pvlib
from energysim.weather.normals import (
    PARAM_DEFAULTS,
    WIND_CALM_MS,
    WIND_SCORE_AMPLITUDE_MAX,
    Normals,
    logistic_std,
    wind_diurnal_factor,
    read_normals,
)

GENERATOR_VERSION = "2"  # bump when the generator's output for a given seed changes

# Calms are drawn apart (``wind_calm_fraction``), so the Weibull shape is that of the
# non-calm hours, k > 1 at Shaoguan; a k < 1 from hand-made normals would give
# implausible gales at a 10 m valley station, so the generator uses k >= 1.
WEIBULL_K_MIN = 1.0

# Magnus formula over water, Alduchov & Eskridge (1996), doi:10.1175/1520-0450(1996)035
_MAGNUS_B = 17.625  # [1]
_MAGNUS_C_C = 243.04  # [°C]

_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SHAOGUAN_NORMALS_PATH = _DATA_DIR / "shaoguan_normals.csv"


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
    ghi_scale=1.0,
    wind_scale=1.0,
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
    ghi_scale, wind_scale : float, default 1.0
        Factors on every month's GHI total and mean wind speed, > 0: one year of an
        ensemble with interannual variability (:func:`interannual_scales`). [1]

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
    6. Wind: AR(1) Gaussian plus the month's diurnal harmonic in normal-score space
       (variance kept at 1), → uniform by Φ; the lowest ``wind_calm_fraction`` of it
       calm, the rest ``WIND_CALM_MS`` plus a Weibull excess (monthly k, at least 1) by
       quantile transform (top 0.1 % capped); each month rescaled to its mean. So each month's
       distribution, calms included, is the station's, and calms gather at night as
       they do there. Normals without the score harmonic (hand-made) get the diurnal
       cycle as a factor on the speed instead.
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

    index = typical_index(int(year), off)
    geom = hourly_geometry(index, lat, lon, alt)
    kcs = clear_sky_kt(index, geom, lat, lon, alt)
    base = geom["eh"] * kcs  # clear-sky hour-mean GHI [W m-2]
    wall = local_wall(index, off)
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
    sigma = logistic_std(
        kc_day_h, par["kc_hourly_std_max"], par["kc_hourly_std_k50"], par["kc_hourly_std_width"]
    )
    kc = np.clip(kc_day_h + sigma * _ar1(r_hour, len(index), par["kc_hourly_lag1"]), 0.0, 1.2)
    ghi = base * kc
    tot = np.bincount(dayi, ghi, nd)
    ghi *= np.where(tot > 0, kt_d * e_d / np.where(tot > 0, tot, 1.0), 0.0)[dayi]
    target_wh = units.kwh_to_wh(mon_n["ghi_kwh_m2"].to_numpy(float)) * float(ghi_scale)
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
            with quiet_pvlib():
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
    w_mean = mon_n["wind_speed_m_s"].to_numpy(float) * float(wind_scale)
    w_k = _monthly_opt(mon_n, "wind_weibull_k", np.full(12, 2.0))
    w_calm = _monthly_opt(mon_n, "wind_calm_fraction", np.zeros(12))
    z = _ar1(r_wind, len(index), par["wind_hourly_lag1"])
    if "wind_diurnal_score_amplitude" in mon_n.columns:
        # diurnal cycle in score space: keeps each month's marginal (calms and Weibull)
        a = np.clip(_monthly_opt(mon_n, "wind_diurnal_score_amplitude", np.zeros(12)), 0.0,
                    WIND_SCORE_AMPLITUDE_MAX)[month - 1]
        peak = _monthly_opt(mon_n, "wind_diurnal_score_peak_h", np.full(12, 15.0))[month - 1]
        z = np.sqrt(1.0 - a**2 / 2.0) * z + a * np.cos(2 * np.pi * (hour + 0.5 - peak) / 24.0)
        factor = 1.0
    else:  # hand-made normals: a factor on the speed
        factor = wind_diurnal_factor(
            hour, _monthly_opt(mon_n, "wind_diurnal_amplitude", np.zeros(12))[month - 1],
            _monthly_opt(mon_n, "wind_peak_hour_local_h", np.full(12, 15.0))[month - 1])
    uw = stats.norm.cdf(z)
    calm_h = np.clip(w_calm[month - 1], 0.0, 0.95)
    u_rest = np.clip((uw - calm_h) / (1.0 - calm_h), 1e-9, 0.999)
    k_h = np.maximum(w_k[month - 1], WEIBULL_K_MIN)
    # non-calm hours: the calm threshold plus a Weibull excess, whose mean follows
    rest_mean = w_mean[month - 1] / (1.0 - calm_h)
    floor = np.where(calm_h > 0, np.minimum(WIND_CALM_MS, 0.5 * rest_mean), 0.0)
    scale = (rest_mean - floor) / special.gamma(1 + 1 / k_h)
    wind = np.where(uw < calm_h, 0.0,
                    floor + scale * (-np.log1p(-u_rest)) ** (1 / k_h)) * factor
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
    scales = [] if ghi_scale == 1.0 and wind_scale == 1.0 else [float(ghi_scale), float(wind_scale)]
    h.update(json.dumps([int(seed), int(year), lat, lon, alt, off, wh, GENERATOR_VERSION,
                         *scales]).encode())
    meta = base_meta(
        f"generated from {normals.source or 'normals'} (seed {int(seed)})",
        lat, lon, alt, off, h.hexdigest(), True,
    )
    meta["seed"] = int(seed)
    meta["solar_noon_offset_h"] = round(noon_offset_h(ghi, geom["solar_hour"]), 3)
    if used_defaults:
        msg = (
            f"{normals.source or 'normals'}: no {', '.join(sorted(used_defaults))}: "
            "generic generator defaults used"
        )
        meta["warnings"].append(msg)
        warnings.warn(msg, EnergysimWarning, stacklevel=2)
    return data, meta


#: Interannual standard deviation of a site's annual GHI, relative: 4 %, the middle of the
#: 3-5 % of annual PV yield at single sites (REFERENCE.md §9: Atlanta 3.1 %, Toronto 3.9 %;
#: Gueymard & Wilcox 2011, Solar Energy 85(5) 1068-1084, doi:10.1016/j.solener.2011.02.030,
#: coefficients of variation of annual GHI mostly 2-5 % over the US, higher where humid and
#: cloudy, as South China is). [1]
GHI_INTERANNUAL_STD = 0.04
#: Interannual standard deviation of the annual mean wind speed, relative: 6 %, the wind
#: industry's convention; Pryor, Shepherd & Barthelmie (2018), Wind Energ. Sci. 3, 651-665,
#: doi:10.5194/wes-3-651-2018, find real variability often lower, so P90 from it is
#: cautious. [1]
WIND_INTERANNUAL_STD = 0.06
#: Draws beyond this many standard deviations are clipped (no negative years). [1]
INTERANNUAL_CLIP_STD = 3.0


def interannual_scales(seed, n_years):
    """Factors on annual GHI and mean wind speed for ``n_years`` generated weather years.

    Independent normal draws with standard deviations :data:`GHI_INTERANNUAL_STD` and
    :data:`WIND_INTERANNUAL_STD` (clipped at :data:`INTERANNUAL_CLIP_STD`); the same seed
    gives the same factors, and the first ``k`` of ``n`` years are those of ``k``.

    Parameters
    ----------
    seed : int
        The scenario's weather seed, >= 0.
    n_years : int
        Number of weather years, >= 1.

    Returns
    -------
    ndarray, shape (n_years, 2)
        Columns: GHI factor, wind-speed factor. [1]

    Examples
    --------
    >>> interannual_scales(0, 3).shape
    (3, 2)
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 11]))
    z = np.clip(rng.standard_normal((int(n_years), 2)), -INTERANNUAL_CLIP_STD, INTERANNUAL_CLIP_STD)
    return 1.0 + z * np.array([GHI_INTERANNUAL_STD, WIND_INTERANNUAL_STD])


def builtin_shaoguan_years(n_years, seed=0):
    """``n_years`` generated Shaoguan weather years with interannual variability.

    Year ``i`` is generated with its own seed (from ``seed`` and ``i``) and the annual
    factors of :func:`interannual_scales`; unlike the typical year, annual irradiation
    and mean wind differ between them as they do between real years.

    Parameters
    ----------
    n_years : int
        >= 1.
    seed : int, default 0

    Returns
    -------
    list of (DataFrame, dict)
    """
    normals = read_normals(SHAOGUAN_NORMALS_PATH)
    normals = Normals(normals.monthly, normals.params, "energysim/data/shaoguan_normals.csv")
    out = []
    for i, (ghi_scale, wind_scale) in enumerate(interannual_scales(seed, n_years)):
        member_seed = int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0])
        data, meta = generate_typical_year(normals, seed=member_seed, ghi_scale=ghi_scale,
                                           wind_scale=wind_scale)
        meta["source"] = (f"{BUILTIN_SHAOGUAN} weather year {i + 1} of {n_years} (seed {seed}; "
                          f"GHI x {ghi_scale:.4f}, wind x {wind_scale:.4f})")
        meta["ghi_scale"], meta["wind_scale"] = float(ghi_scale), float(wind_scale)
        out.append((data, meta))
    return out


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
