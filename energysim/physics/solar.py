"""Per-unit PV plant output from a canonical weather frame, with pvlib.

Owns the PV physics of energysim: sun position, transposition, row self-shading,
reflection, spectrum, cell temperature, the module, lumped losses and the inverter, ending
in AC output per unit of DC nameplate. It imports only numpy, pandas, pvlib,
``energysim.units`` and ``energysim.kernels`` (the compiled terms); it must not import
scenario, weather, fleet or anything that knows a Scenario, and it reads no file and no
environment variable.

The default chain stands in for NREL's PVWatts v8 (the model behind SAM's and NREL's
online PVWatts) with public, documented pvlib components; ``tests/physics/test_solar.py``
checks that its annual energy on the Shaoguan typical year stays within ±2 % of PySAM's
Pvwattsv8 for a fixed-tilt and a backtracking single-axis plant.

Examples
--------
>>> sorted(PV_MODELS)
['pvwatts_shading']
>>> TRACKING_TYPES
('fixed', 'single_axis')
"""

import hashlib
import inspect
from types import MappingProxyType

import numpy as np
import pandas as pd
import pvlib

from energysim import kernels, units

#: Mounting types :func:`pv_profile_pu` knows. ``"single_axis"`` is a horizontal
#: north-south axis with backtracking.
TRACKING_TYPES = ("fixed", "single_axis")

#: Weather columns the PV chain reads (canonical frame of ``energysim.weather``).
WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed", "pressure")

#: CEC single-diode parameters of the reference module: JA Solar JAM72S01-385/PR, a
#: 72-cell mono-Si PERC module of 385 W and 20.5 % (A_c 1.88 m²), entry
#: ``JA_Solar_JAM72S01_385_PR`` of the CEC table that pvlib ships (SAM 2018.11.11 r2,
#: dated 2019-01-03). It stands for a typical mainstream module: among the 62 entries of
#: that table from Canadian Solar, JA Solar, Jinko, LONGi and Trina (mono-Si, not
#: bifacial, 19-21.4 %, γ -0.34 to -0.39 %/°C), its annual DC yield on the Shaoguan
#: typical year, for the same irradiance and cell temperature, is 0.1 % above the median
#: (the entries spread from -2.4 % to +0.9 % around it).
MODULE_CEC = MappingProxyType({
    "alpha_sc": 0.004246,  # short-circuit current temperature coefficient [A °C⁻¹]
    "a_ref": 1.849046,  # modified diode ideality factor at reference conditions [V]
    "I_L_ref": 10.116335,  # light-generated current at reference conditions [A]
    "I_o_ref": 3.138217e-11,  # diode saturation current at reference conditions [A]
    "R_sh_ref": 506.821045,  # shunt resistance at reference conditions [Ω]
    "R_s": 0.317577,  # series resistance [Ω]
    "Adjust": 10.237704,  # CEC adjustment of the temperature coefficient [%]
})
#: Nominal operating cell temperature of the reference module (CEC table). [°C]
MODULE_NOCT_C = 44.91
#: Efficiency of the reference module at STC: 385.17 W over 1.88 m² at 1000 W m⁻². [1]
MODULE_EFFICIENCY = 0.2049

#: Air-mass modifier polynomial (coefficients of AM_a⁰…AM_a⁴) for crystalline silicon, as
#: in De Soto et al. (2006) and SAM's CEC module model; evaluated with
#: :func:`pvlib.spectrum.spectral_factor_sapm`, which has the same polynomial form. [1]
SPECTRAL_AM_COEFFICIENTS = MappingProxyType({
    "A0": 0.918093, "A1": 0.086257, "A2": -0.024459, "A3": 0.002816, "A4": -0.000126})

#: Largest absolute air mass fed to the air-mass modifier (f1 = 0.89 there); the same
#: default limit as :func:`pvlib.spectrum.spectral_factor_firstsolar`. [1]
MAX_SPECTRAL_AIRMASS = 10.0

#: Front glass of the reference module for :func:`pvlib.iam.physical`: refractive index,
#: extinction coefficient [m⁻¹] and thickness [m] (De Soto et al. 2006), plus the effective
#: index of an anti-reflective coating (pvlib's typical value), which every mainstream
#: module of the last decade carries.
GLASS_IAM = MappingProxyType({"n": 1.526, "K": 4.0, "L": 0.002, "n_ar": 1.29})

#: Grid step over surface tilt for the diffuse reflection factors of a tracker (Marion's
#: integration costs ~10 ms per tilt); linear interpolation between 5° nodes changes a
#: tracker's annual energy on the Shaoguan year by 3e-6 relative to a 0.25° grid. [°]
DIFFUSE_IAM_STEP_DEG = 5.0

#: Nominal inverter efficiency, PVWatts' default. [1]
ETA_INV_NOM = 0.96


def pv_profile_pu(weather, latitude, longitude, altitude_m, *, tracking="fixed",
                  tilt_deg=20.0, azimuth_deg=180.0, dc_ac_ratio=1.2, gcr=0.4,
                  losses_pct=14.08, max_angle_deg=60.0, albedo=0.2,
                  eta_inv_nom=ETA_INV_NOM, interval_h=1.0, irradiance_scale=1.0):
    """
    AC output of a utility PV plant per unit of DC nameplate, hour by hour.

    Parameters
    ----------
    weather : pandas.DataFrame
        Canonical weather frame: tz-aware ``DatetimeIndex`` with interval-beginning
        labels, columns ``ghi``, ``dni``, ``dhi`` [W m⁻²], ``temp_air`` [°C],
        ``wind_speed`` (10 m station wind, as in the weather file) [m s⁻¹] and
        ``pressure`` [Pa]. Other columns are ignored.
    latitude : float
        Site latitude, north positive. [°]
    longitude : float
        Site longitude, east positive. [°]
    altitude_m : float
        Site altitude above sea level. [m]
    tracking : {"fixed", "single_axis"}, default "fixed"
        Fixed rack, or horizontal north-south single-axis trackers with backtracking.
    tilt_deg : float or None, default 20.0
        Tilt of a fixed array from horizontal; ignored (and may be None) for trackers. [°]
    azimuth_deg : float, default 180.0
        Azimuth a fixed array faces, clockwise from north; ignored for trackers. [°]
    dc_ac_ratio : float, default 1.2
        DC nameplate over inverter AC nameplate; output is clipped at 1/dc_ac_ratio. [1]
    gcr : float, default 0.4
        Ground coverage ratio: collector width over row pitch, in (0, 1). [1]
    losses_pct : float, default 14.08
        Lumped DC losses, in [0, 100). The default is PVWatts' 14.08 %, which already
        holds 3 % availability (with soiling, mismatch, wiring, LID, nameplate): keep a
        fleet's own availability at 100 % with it, or lower this. [%]
    max_angle_deg : float, default 60.0
        Rotation limit of a tracker, in (0, 90]; ignored for fixed arrays. [°]
    albedo : float, default 0.2
        Ground reflectance, in [0, 1]. [1]
    eta_inv_nom : float, default 0.96
        Nominal inverter efficiency, in (0, 1]. [1]
    interval_h : float, default 1.0
        Length of the interval each row covers; the sun is placed at its middle. [h]
    irradiance_scale : float, default 1.0
        Factor on ``ghi``, ``dni`` and ``dhi`` before anything else, > 0: the bias
        correction a calibration to metered output fits (``energysim.calibrate``). [1]

    Returns
    -------
    pandas.Series
        ``"pv_pu"``: AC power per unit of DC nameplate (MW AC per MWp), index of
        ``weather``; 0 at night, in [0, 1/dc_ac_ratio], NaN wherever one of the weather
        columns read is NaN. [p.u.]

    Raises
    ------
    ValueError
        If an argument is outside its range, ``tracking`` is unknown, or ``weather``
        lacks a column or a tz-aware ``DatetimeIndex``.

    Notes
    -----
    The chain, with the choice made at each step and why:

    1. Sun position (SPA, Reda & Andreas 2004) at the middle of each interval, refracted
       with the interval's pressure and air temperature.
    2. Orientation: fixed, or :func:`pvlib.tracking.singleaxis` with backtracking at the
       given ``gcr`` and rotation limit (Anderson & Mikofski 2020).
    3. Plane-of-array irradiance with the Perez 1990 model, kept as components.
    4. Row self-shading, on infinitely long rows on flat ground (what PVWatts v8 models):
       beam and circumsolar are reduced by the shaded fraction of the row
       (:func:`pvlib.shading.shaded_fraction1d`, Anderson & Jensen 2024), since Perez
       treats circumsolar light as coming from the sun's direction; isotropic and horizon
       sky diffuse by the row-averaged sky view factor with the front row in the way,
       over the unobstructed one (:func:`pvlib.bifacial.utils.vf_row_sky_2d_integ`);
       ground-reflected light is the front-side ground term of pvlib's infinite-sheds
       model, with row shadows on the ground and the ground's reduced view of the sky
       (:func:`pvlib.bifacial.infinite_sheds.get_irradiance_poa`). That function is not
       used for the whole plane of array because it offers only isotropic or Hay-Davies
       skies and applies reflection losses to beam only; taking its pieces keeps Perez
       and diffuse reflection losses.
    5. Reflection at the AR-coated glass (:func:`pvlib.iam.physical`, ``GLASS_IAM``) on
       beam and circumsolar at the angle of incidence, and on sky, horizon and ground
       diffuse with Marion's (2017) integration of the same function.
    6. Spectrum: air-mass modifier ``SPECTRAL_AM_COEFFICIENTS`` on all irradiance
       reaching the cells, with the Kasten-Young absolute air mass held at or below
       ``MAX_SPECTRAL_AIRMASS`` (the polynomial falls to 0 beyond AM ~13, which would
       black out the hours with the sun low).
    7. Cell temperature: SAM's NOCT model (:func:`pvlib.temperature.noct_sam`, Gilman et al.
       2018), open rack, with the reference module's NOCT and efficiency.
    8. DC: the reference module's CEC single-diode model at its maximum power point,
       per unit of its own STC power (:func:`module_dc_pu`), so low-light and temperature
       behaviour come from the diode model rather than from a linear law.
    9. Lumped losses: DC × (1 - ``losses_pct``/100).
    10. Inverter: PVWatts' part-load efficiency curve (Dobos 2014) with AC nameplate
        1/``dc_ac_ratio`` p.u. and DC input limit 1/(``dc_ac_ratio`` ``eta_inv_nom``),
        clipping above it (:func:`inverter_ac_pu`). The inverter's night tare is ignored:
        AC is never negative.

    Rows whose interval midpoint has the sun at or below the horizon are 0, so light in a
    sunrise or sunset hour whose midpoint is still dark is dropped (SAM instead moves the
    sun to the middle of the sunlit part); on the Shaoguan typical year that is 141 hours
    holding 0.2 % of the annual GHI.

    References
    ----------
    .. [1] I. Reda and A. Andreas, "Solar position algorithm for solar radiation
       applications", Solar Energy 76(5), 577-589, 2004. :doi:`10.1016/j.solener.2003.12.003`
    .. [2] R. Perez et al., "Modeling daylight availability and irradiance components from
       direct and global irradiance", Solar Energy 44(5), 271-289, 1990.
       :doi:`10.1016/0038-092X(90)90055-H`
    .. [3] K. Anderson and M. Mikofski, "Slope-Aware Backtracking for Single-Axis
       Trackers", NREL/TP-5K00-76626, 2020. :doi:`10.2172/1660126`
    .. [4] K. S. Anderson and A. R. Jensen, "Shaded fraction and backtracking in
       single-axis trackers on rolling terrain", J. Renewable Sustainable Energy 16,
       023504, 2024. :doi:`10.1063/5.0202220`
    .. [5] B. Marion, "Numerical method for angle-of-incidence correction factors for
       diffuse radiation incident photovoltaic modules", Solar Energy 147, 344-348,
       2017. :doi:`10.1016/j.solener.2017.03.027`
    .. [6] W. De Soto, S. Klein and W. Beckman, "Improvement and validation of a model for
       photovoltaic array performance", Solar Energy 80(1), 78-88, 2006.
       :doi:`10.1016/j.solener.2005.06.010`
    .. [7] P. Gilman et al., "SAM Photovoltaic Model Technical Reference Update",
       NREL/TP-6A20-67399, 2018. :doi:`10.2172/1429291`
    .. [8] A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641, 2014.
       :doi:`10.2172/1158421`

    Examples
    --------
    A day of steady bright sky in Shaoguan (interval-beginning UTC labels):

    >>> import pandas as pd
    >>> times = pd.date_range("2005-06-21 00:00+08:00", periods=24, freq="h").tz_convert("UTC")
    >>> weather = pd.DataFrame({"ghi": 800.0, "dni": 600.0, "dhi": 250.0, "temp_air": 30.0,
    ...                         "wind_speed": 2.0, "pressure": 100_500.0}, index=times)
    >>> pu = pv_profile_pu(weather, 24.68, 113.60, 61.0, dc_ac_ratio=1.2)
    >>> pu.name, float(pu.iloc[0]), bool(0.0 < pu.iloc[12] <= 1 / 1.2)  # midnight, noon
    ('pv_pu', 0.0, True)
    """
    config = {"tracking": tracking, "tilt_deg": tilt_deg, "azimuth_deg": azimuth_deg,
              "dc_ac_ratio": dc_ac_ratio, "gcr": gcr, "losses_pct": losses_pct,
              "max_angle_deg": max_angle_deg, "albedo": albedo, "eta_inv_nom": eta_inv_nom,
              "irradiance_scale": irradiance_scale}
    profiles = pv_profiles_pu(weather, latitude, longitude, altitude_m, [config],
                              interval_h=interval_h)
    return pd.Series(profiles[0], index=weather.index, name="pv_pu")


def pv_profiles_pu(weather, latitude, longitude, altitude_m, configs, *, interval_h=1.0):
    """
    AC output per unit of DC nameplate of a batch of PV designs on one weather year.

    The chain of :func:`pv_profile_pu`, with a configuration axis: what depends only on
    the weather and the site (sun position, air mass, extraterrestrial irradiance, the
    spectral factor) is computed once (:func:`solar_site_terms`, kept in memory for the
    last few weather years and sites), and what depends on the design is computed for all
    ``configs`` at once on arrays of shape (n_configs × n_hours).

    Parameters
    ----------
    weather, latitude, longitude, altitude_m, interval_h
        As for :func:`pv_profile_pu`.
    configs : sequence of dict
        One dict of keyword arguments of :func:`pv_profile_pu` per design (``tracking``,
        ``tilt_deg``, ``azimuth_deg``, ``dc_ac_ratio``, ``gcr``, ``losses_pct``,
        ``max_angle_deg``, ``albedo``, ``eta_inv_nom``, ``irradiance_scale``); missing
        keys take that function's defaults.

    Returns
    -------
    ndarray of float64, shape (n_configs, n_hours)
        AC power per unit of DC nameplate; 0 at night, NaN in rows with NaN weather. [p.u.]

    Raises
    ------
    ValueError
        If a design has an argument outside its range or an unknown key, or ``weather``
        lacks a column or a tz-aware ``DatetimeIndex``.

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.date_range("2005-06-21 00:00+08:00", periods=24, freq="h").tz_convert("UTC")
    >>> weather = pd.DataFrame({"ghi": 800.0, "dni": 600.0, "dhi": 250.0, "temp_air": 30.0,
    ...                         "wind_speed": 2.0, "pressure": 100_500.0}, index=times)
    >>> pu = pv_profiles_pu(weather, 24.68, 113.60, 61.0,
    ...                     [{"tilt_deg": 10.0}, {"tilt_deg": 30.0, "dc_ac_ratio": 1.4}])
    >>> pu.shape, bool((pu[:, 12] > 0).all())
    ((2, 24), True)
    """
    designs = [_design(c, latitude, longitude, interval_h) for c in configs]
    _check_weather(weather)
    site = solar_site_terms(weather, latitude, longitude, altitude_m, interval_h)
    n_cfg, n_hours = len(designs), site["zenith"].shape[0]
    out = np.zeros((n_cfg, n_hours))
    # rows with the sun down are 0 whatever the design: run the design chain on the
    # daylight rows only
    day = np.flatnonzero(site["day"])
    if n_cfg and day.size:
        daylight = {k: v[day] for k, v in site.items()}
        # passes of at most DESIGN_CHUNK designs: beyond, the temporaries outgrow the
        # caches and the cost per design rises again
        for start in range(0, n_cfg, DESIGN_CHUNK):
            chunk = designs[start:start + DESIGN_CHUNK]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[start:start + len(chunk), day] = _design_chain(daylight, chunk).reshape(
                    len(chunk), day.size)
    out[:, site["missing"]] = np.nan
    return out


#: Designs per pass of the batched chain: the cost per design falls up to ~100 and rises
#: again at 1,000 (~50 temporaries of n_designs × daylight hours). [1]
DESIGN_CHUNK = 100

#: Weather-and-site terms kept in memory (the last few weather years and sites). [1]
SITE_TERMS_CACHE_SIZE = 8
_SITE_TERMS = {}


def solar_site_terms(weather, latitude, longitude, altitude_m, interval_h=1.0):
    """
    The part of the PV chain that depends on the weather and the site only.

    Parameters
    ----------
    weather, latitude, longitude, altitude_m, interval_h
        As for :func:`pv_profile_pu`.

    Returns
    -------
    dict of ndarray
        ``ghi``, ``dni``, ``dhi`` [W m⁻²], ``temp_air`` [°C], ``wind_speed`` [m s⁻¹],
        ``zenith`` (apparent) and ``sun_azimuth`` [°], ``day`` and ``missing`` masks,
        ``dni_extra`` [W m⁻²], relative ``airmass`` [1] and the ``spectral`` factor [1];
        read-only. Kept for the last ``SITE_TERMS_CACHE_SIZE`` weather years and sites
        (keyed by the weather's content, so a changed frame is recomputed).
    """
    columns = [weather[c].to_numpy(dtype=float) for c in WEATHER_COLUMNS]
    digest = hashlib.sha1(weather.index.asi8.tobytes())
    for column in columns:
        digest.update(np.ascontiguousarray(column).tobytes())
    key = (digest.hexdigest(), float(latitude), float(longitude), float(altitude_m),
           float(interval_h))
    hit = _SITE_TERMS.get(key)
    if hit is not None:
        return hit
    ghi, dni, dhi, temp_air, wind_speed, pressure = columns
    missing = ~np.isfinite(np.column_stack(columns)).all(axis=1)
    # Hourly weather values are interval means; the sun at the interval's middle is the
    # best single position to represent them.
    midpoints = weather.index + pd.Timedelta(hours=interval_h / 2)
    # NaN weather travels through pvlib as NaN and is masked at the end; silence numpy's
    # "invalid value" chatter on those rows (and on 0/0 at night) meanwhile.
    with np.errstate(invalid="ignore", divide="ignore"):
        sun = pvlib.solarposition.get_solarposition(
            midpoints, latitude, longitude, altitude_m, pressure=pressure,
            temperature=temp_air)
        zenith = sun["apparent_zenith"].to_numpy(dtype=float)
        # day of year passed as numbers: pvlib 0.16 reads DatetimeIndex.dayofyear, which
        # pandas 3.1 deprecates (Pandas4Warning)
        dni_extra = np.asarray(pvlib.irradiance.get_extra_radiation(
            midpoints.day_of_year.to_numpy(dtype=float)), dtype=float)
        airmass = np.asarray(pvlib.atmosphere.get_relative_airmass(zenith), dtype=float)
        # the quartic is a fit over ordinary daytime air masses and plunges to 0 past
        # AM ~13 (sun within ~5° of the horizon): cap the air mass fed to it at
        # MAX_SPECTRAL_AIRMASS, the default limit of pvlib's First Solar spectral model
        airmass_absolute = np.minimum(
            pvlib.atmosphere.get_absolute_airmass(airmass, pressure), MAX_SPECTRAL_AIRMASS)
        spectral = np.asarray(pvlib.spectrum.spectral_factor_sapm(
            airmass_absolute, SPECTRAL_AM_COEFFICIENTS), dtype=float)
    terms = {"ghi": ghi, "dni": dni, "dhi": dhi, "temp_air": temp_air,
             "wind_speed": wind_speed, "zenith": zenith,
             "sun_azimuth": sun["azimuth"].to_numpy(dtype=float), "day": zenith < 90.0,
             "missing": missing, "dni_extra": dni_extra, "airmass": airmass,
             "spectral": spectral}
    for value in terms.values():
        value.flags.writeable = False
    if len(_SITE_TERMS) >= SITE_TERMS_CACHE_SIZE:
        _SITE_TERMS.pop(next(iter(_SITE_TERMS)))
    _SITE_TERMS[key] = terms
    return terms


def _design(config, latitude, longitude, interval_h):
    """One design's arguments with defaults filled in, checked. [dict]"""
    unknown = set(config) - set(_DESIGN_DEFAULTS)
    if unknown:
        raise ValueError(f"pv_profiles_pu: unknown design key(s) {', '.join(sorted(unknown))}: "
                         f"expected {', '.join(_DESIGN_DEFAULTS)}")
    d = {**_DESIGN_DEFAULTS, **config}
    _check_pv_arguments(d["tracking"], d["tilt_deg"], d["azimuth_deg"], d["dc_ac_ratio"],
                        d["gcr"], d["losses_pct"], d["max_angle_deg"], d["albedo"],
                        d["eta_inv_nom"], interval_h, latitude, longitude)
    if not d["irradiance_scale"] > 0.0:
        raise ValueError(f"irradiance_scale = {d['irradiance_scale']!r}: must be > 0")
    return d


def _per_config(designs, key, n_hours):
    """A design field repeated over each design's hours, flattened. [ndarray]"""
    return np.repeat(np.array([d[key] for d in designs], dtype=float), n_hours)


def _design_chain(site, designs):
    """Steps 2-10 of :func:`pv_profile_pu` for all designs, flattened (n_cfg × n_hours)."""
    n_cfg, n_hours = len(designs), site["zenith"].shape[0]

    def tile(name):
        return np.tile(site[name], n_cfg)

    scale = _per_config(designs, "irradiance_scale", n_hours)
    ghi, dni, dhi = tile("ghi") * scale, tile("dni") * scale, tile("dhi") * scale
    zenith, sun_azimuth, day = tile("zenith"), tile("sun_azimuth"), tile("day")
    gcr = _per_config(designs, "gcr", n_hours)

    # 2. orientation, per design
    parts = [_orientation(d["tracking"], site["zenith"], site["sun_azimuth"], d["tilt_deg"],
                          d["azimuth_deg"], d["gcr"], d["max_angle_deg"]) for d in designs]
    tilt, surface_azimuth, rotation = (np.concatenate([p[i] for p in parts]) for i in range(3))
    axis_azimuth = np.repeat([p[3] for p in parts], n_hours)

    # 3. plane of array, Perez components
    aoi = pvlib.irradiance.aoi(tilt, surface_azimuth, zenith, sun_azimuth)
    perez = pvlib.irradiance.perez(tilt, surface_azimuth, dhi, dni, tile("dni_extra"), zenith,
                                   sun_azimuth, tile("airmass"), return_components=True)
    isotropic, circumsolar, horizon = (
        np.where(day, np.nan_to_num(np.asarray(perez[k], dtype=float)), 0.0)
        for k in ("poa_isotropic", "poa_circumsolar", "poa_horizon"))
    beam = np.where(day, np.maximum(dni * np.cos(np.radians(aoi)), 0.0), 0.0)

    # 4. row self-shading
    shaded = pvlib.shading.shaded_fraction1d(
        zenith, sun_azimuth, axis_azimuth, rotation, collector_width=1.0, pitch=1.0 / gcr)
    shaded = np.where(day, np.clip(np.nan_to_num(shaded), 0.0, 1.0), 0.0)
    views = _view_factors(designs, tilt, n_hours)
    sky_factor = views["row_sky"]
    direct_front = (beam + circumsolar) * (1.0 - shaded)
    sky_front = (isotropic + horizon) * sky_factor
    ground_front = _row_ground_irradiance(tilt, surface_azimuth, zenith, sun_azimuth, gcr,
                                          ghi, dhi, _per_config(designs, "albedo", n_hours),
                                          day, views)
    poa_global = np.maximum(direct_front + sky_front + ground_front, 0.0)

    # 5. reflection, 6. spectrum
    # pvlib.iam.physical with GLASS_IAM, compiled
    iam_direct = np.empty(aoi.shape[0])
    kernels.iam_physical(np.ascontiguousarray(aoi, dtype=float), GLASS_IAM["n"],
                         GLASS_IAM["K"], GLASS_IAM["L"], GLASS_IAM["n_ar"], iam_direct)
    iam_sky, iam_horizon, iam_ground = _diffuse_iam_batch(designs, tilt, n_hours)
    transmitted = (direct_front * np.nan_to_num(iam_direct)
                   + isotropic * sky_factor * iam_sky
                   + horizon * sky_factor * iam_horizon
                   + ground_front * iam_ground)
    effective = np.where(day, np.maximum(transmitted * tile("spectral"), 0.0), 0.0)

    # 7. cell temperature, 8. module, 9. lumped losses, 10. inverter
    temp_air = tile("temp_air")
    temp_cell = pvlib.temperature.noct_sam(
        poa_global, temp_air, tile("wind_speed"), MODULE_NOCT_C, MODULE_EFFICIENCY,
        effective_irradiance=effective)
    # noct_sam divides effective by incident irradiance: 0/0 in the dark, where the
    # cells are at air temperature
    temp_cell = np.where(poa_global > 0.0, temp_cell, temp_air)
    keep = 1.0 - units.pct_to_fraction(_per_config(designs, "losses_pct", n_hours))
    dc = module_dc_pu(effective, temp_cell) * keep
    dc_ac = _per_config(designs, "dc_ac_ratio", n_hours)
    ac = inverter_ac_pu(dc, dc_ac, _per_config(designs, "eta_inv_nom", n_hours))
    return np.where(day, ac, 0.0)


def module_dc_pu(effective_irradiance, temp_cell):
    """
    DC output of the reference module per unit of its STC power (CEC single-diode model).

    Parameters
    ----------
    effective_irradiance : numeric
        Irradiance converted to photocurrent, after reflection and spectral losses.
        [W m⁻²]
    temp_cell : numeric
        Cell temperature. [°C]

    Returns
    -------
    numeric
        Maximum-power-point DC power over the same model's power at 1000 W m⁻² and 25 °C;
        type and index of ``effective_irradiance``; 0 where it is ≤ 0, NaN where an input
        is NaN. [p.u.]

    Notes
    -----
    :func:`pvlib.pvsystem.calcparams_cec` with ``MODULE_CEC`` gives the five diode
    parameters, :func:`energysim.kernels.single_diode_p_mp` the maximum power (the Newton
    iteration of :func:`pvlib.pvsystem.max_power_point`, compiled). Dividing
    by the model's own STC power (not the datasheet's) makes the output exactly 1 at STC.

    Examples
    --------
    >>> round(float(module_dc_pu(1000.0, 25.0)), 12)
    1.0
    >>> bool(module_dc_pu(200.0, 25.0) < 0.2)  # efficiency drops at low light
    True
    """
    e = np.asarray(effective_irradiance, dtype=float)
    t = np.asarray(temp_cell, dtype=float)
    e_b, t_b = np.broadcast_arrays(e, t)
    out = np.where(np.isnan(e_b) | np.isnan(t_b), np.nan, 0.0)
    lit = (e_b > 0) & np.isfinite(t_b)
    if lit.any():
        out[lit] = _cec_p_mp(e_b[lit], t_b[lit]) / _cec_p_mp(1000.0, 25.0)
    out = np.maximum(out, 0.0)  # keeps NaN
    return _like(effective_irradiance, out if out.ndim else float(out))


def inverter_ac_pu(dc_pu, dc_ac_ratio, eta_inv_nom=ETA_INV_NOM):
    r"""
    AC output per unit of DC nameplate through a PVWatts inverter sized by the DC/AC ratio.

    Parameters
    ----------
    dc_pu : numeric
        DC power per unit of DC nameplate. [p.u.]
    dc_ac_ratio : float
        DC nameplate over inverter AC nameplate, > 0. [1]
    eta_inv_nom : float, default 0.96
        Nominal inverter efficiency. [1]

    Returns
    -------
    numeric
        AC power per unit of DC nameplate in [0, 1/dc_ac_ratio]; type and index of
        ``dc_pu``; NaN where ``dc_pu`` is NaN. [p.u.]

    Notes
    -----
    AC nameplate :math:`P_{ac0} = 1/r` and DC input limit :math:`P_{dc0} = P_{ac0}/\eta_{nom}`
    per unit of DC nameplate, with :math:`r` the DC/AC ratio, into
    :func:`pvlib.inverter.pvwatts` (Dobos 2014); AC is clipped at :math:`P_{ac0}` and at 0
    (no night tare).

    Examples
    --------
    >>> round(float(inverter_ac_pu(2.0, 1.25)), 6)  # clipped at 1/1.25
    0.8
    >>> float(inverter_ac_pu(0.0, 1.25))
    0.0
    """
    pac0 = 1.0 / dc_ac_ratio
    dc = np.asarray(dc_pu, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ac = np.asarray(pvlib.inverter.pvwatts(dc, pac0 / eta_inv_nom, eta_inv_nom),
                        dtype=float)
    ac = np.where(np.isnan(dc), np.nan, np.clip(ac, 0.0, pac0))
    return _like(dc_pu, ac if ac.ndim else float(ac))


#: Registry of PV models by name (``scenario.py`` lists the same names). The name stands
#: for "a PVWatts-v8-like chain with row self-shading"; see :func:`pv_profile_pu`.
PV_MODELS = MappingProxyType({"pvwatts_shading": pv_profile_pu})


#: Defaults of a design's keyword arguments, from :func:`pv_profile_pu`'s signature.
_DESIGN_DEFAULTS = MappingProxyType({
    name: p.default for name, p in inspect.signature(pv_profile_pu).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "interval_h"})


# --------------------------------------------------------------------------- helpers

def _check_pv_arguments(tracking, tilt_deg, azimuth_deg, dc_ac_ratio, gcr, losses_pct,
                        max_angle_deg, albedo, eta_inv_nom, interval_h, latitude, longitude):
    """Raise ValueError naming the first argument outside its range."""
    if tracking not in TRACKING_TYPES:
        raise ValueError(f"pv_profile_pu: tracking = {tracking!r}: expected one of "
                         f"{', '.join(TRACKING_TYPES)}")
    if tracking == "fixed" and tilt_deg is None:
        raise ValueError("pv_profile_pu: tilt_deg = None: a fixed array needs a tilt in "
                         "[0, 90] °")
    checks = [
        ("latitude", latitude, -90.0 <= latitude <= 90.0, "in [-90, 90] °"),
        ("longitude", longitude, -180.0 <= longitude <= 180.0, "in [-180, 180] °"),
        # trackers set their own tilt: the scenario layer passes None there
        ("tilt_deg", tilt_deg, tilt_deg is None or 0.0 <= tilt_deg <= 90.0, "in [0, 90] °"),
        ("azimuth_deg", azimuth_deg, 0.0 <= azimuth_deg <= 360.0, "in [0, 360] °"),
        ("dc_ac_ratio", dc_ac_ratio, dc_ac_ratio > 0.0, "> 0"),
        ("gcr", gcr, 0.0 < gcr < 1.0, "in (0, 1)"),
        ("losses_pct", losses_pct, 0.0 <= losses_pct < 100.0, "in [0, 100) %"),
        ("max_angle_deg", max_angle_deg, 0.0 < max_angle_deg <= 90.0, "in (0, 90] °"),
        ("albedo", albedo, 0.0 <= albedo <= 1.0, "in [0, 1]"),
        ("eta_inv_nom", eta_inv_nom, 0.0 < eta_inv_nom <= 1.0, "in (0, 1]"),
        ("interval_h", interval_h, interval_h > 0.0, "> 0 h"),
    ]
    for name, value, ok, allowed in checks:
        # `not ok` also catches NaN, for which every comparison is False
        if not ok:
            raise ValueError(f"pv_profile_pu: {name} = {value!r}: must be {allowed}")


def _check_weather(weather):
    """Raise ValueError if ``weather`` is not a frame with the columns and index needed."""
    if not isinstance(weather, pd.DataFrame):
        raise ValueError(f"pv_profile_pu: weather is a {type(weather).__name__}: "
                         "expected a pandas DataFrame")
    absent = [c for c in WEATHER_COLUMNS if c not in weather.columns]
    if absent:
        raise ValueError(f"pv_profile_pu: weather lacks column(s) {', '.join(absent)}: "
                         f"expected {', '.join(WEATHER_COLUMNS)}")
    if not isinstance(weather.index, pd.DatetimeIndex) or weather.index.tz is None:
        raise ValueError("pv_profile_pu: weather index is not a tz-aware DatetimeIndex: "
                         "the sun position needs absolute times")


def _orientation(tracking, zenith, sun_azimuth, tilt_deg, azimuth_deg, gcr, max_angle_deg):
    """Surface tilt and azimuth, row rotation and row-axis azimuth for each row, in °."""
    n = zenith.shape[0]
    if tracking == "fixed":
        tilt = np.full(n, float(tilt_deg))
        # a fixed row is a tracker frozen at rotation = tilt about an axis 90° left of
        # the direction it faces (right-handed), which is how shaded_fraction1d sees it
        return tilt, np.full(n, float(azimuth_deg)), tilt, (azimuth_deg - 90.0) % 360.0
    tracker = pvlib.tracking.singleaxis(zenith, sun_azimuth, axis_tilt=0.0,
                                        axis_azimuth=180.0, max_angle=max_angle_deg,
                                        backtrack=True, gcr=gcr)
    # singleaxis gives NaN with the sun down; park flat (output is 0 there anyway)
    rotation = np.nan_to_num(np.asarray(tracker["tracker_theta"], dtype=float))
    tilt = np.nan_to_num(np.asarray(tracker["surface_tilt"], dtype=float))
    surface_azimuth = np.nan_to_num(np.asarray(tracker["surface_azimuth"], dtype=float),
                                    nan=180.0)
    return tilt, surface_azimuth, rotation, 180.0


def _view_factors(designs, tilt, n_hours):
    """Row-to-sky, ground-to-sky and row-to-ground view factors of each design and hour.

    They depend on the tilt and the GCR only, so each is evaluated by pvlib once per
    distinct tilt of a design (once for a fixed array) and spread over the hours; the
    values are pvlib's own, not an approximation.

    Returns
    -------
    dict of ndarray, shape (n_cfg × n_hours,)
        ``row_sky``: row-averaged sky view factor over the lone plane's (1 + cos β)/2;
        ``ground_sky``: the ground's view of the sky between rows (infinite sheds, rows
        of unit width at centre height 1); ``row_ground``: the row's view of that ground.
    """
    out = {k: np.empty(tilt.shape[0]) for k in ("row_sky", "ground_sky", "row_ground")}
    for i, d in enumerate(designs):
        rows = slice(i * n_hours, (i + 1) * n_hours)
        values, inverse = np.unique(tilt[rows], return_inverse=True)
        gcr = d["gcr"]
        pitch = 1.0 / gcr
        lone = (1.0 + np.cos(np.radians(values))) / 2.0
        row_sky = np.asarray(pvlib.bifacial.utils.vf_row_sky_2d_integ(values, gcr),
                             dtype=float) / lone
        # rows in front and behind so that the ground's sky view is resolved to within 5°
        # of the horizon, as pvlib.bifacial.infinite_sheds.get_irradiance_poa does
        max_rows = np.ceil(1.0 / (pitch * np.tan(np.radians(5.0))))
        ground_sky = np.asarray(pvlib.bifacial.utils.vf_ground_sky_2d_integ(
            values, gcr, 1.0, pitch, g0=0, g1=1, max_rows=max_rows), dtype=float)
        row_ground = np.asarray(pvlib.bifacial.utils.vf_row_ground_2d_integ(
            values, gcr, x0=0.0, x1=1.0, g0=0.0, g1=1.0), dtype=float)
        out["row_sky"][rows] = row_sky.reshape(-1)[inverse]
        out["ground_sky"][rows] = ground_sky.reshape(-1)[inverse]
        out["row_ground"][rows] = row_ground.reshape(-1)[inverse]
    return out


def _row_ground_irradiance(tilt, surface_azimuth, zenith, sun_azimuth, gcr, ghi, dhi,
                           albedo, day, views):
    """Ground-reflected irradiance on the front of a row inside an infinite array, W m⁻².

    pvlib's infinite-sheds front-side ground term
    (:func:`pvlib.bifacial.infinite_sheds.get_irradiance_poa`, ``poa_ground_diffuse``),
    evaluated in its pieces: the ground between rows is lit by beam only where no row
    shades it (:func:`energysim.kernels.unshaded_ground_fraction`, the same geometry
    compiled) and by the part of the sky it sees, and the row sees that ground past the
    foot of the row in front (``views``). On flat ground the front-side result does not
    depend on the row height once the row clears the ground, so the centre height is set
    to one collector width: a row of unit width tilted even to 90° stays 0.5 above ground.
    """
    tan_phi = (np.cos(np.radians(sun_azimuth - surface_azimuth))
               * np.tan(np.radians(zenith)))
    lit = np.empty(tilt.shape[0])
    kernels.unshaded_ground_fraction(np.ascontiguousarray(tilt, dtype=float),
                                     np.ascontiguousarray(tan_phi, dtype=float),
                                     np.ascontiguousarray(gcr, dtype=float), lit)
    ground = (albedo * (lit * (ghi - dhi) + views["ground_sky"] * dhi)
              * views["row_ground"])
    return np.where(day, np.maximum(np.nan_to_num(ground), 0.0), 0.0)


def _diffuse_iam_batch(designs, tilt, n_hours):
    """Marion's diffuse reflection factors (sky, horizon, ground) of each design and hour.

    A fixed array's factors are evaluated at its tilt; a tracker's on the multiples of
    ``DIFFUSE_IAM_STEP_DEG`` spanning its tilts, with linear interpolation (as before).
    All tilts of the batch are integrated in one compiled pass.
    """
    node_sets = []
    for i, d in enumerate(designs):
        rows = tilt[i * n_hours:(i + 1) * n_hours]
        lo, hi = float(np.min(rows)), float(np.max(rows))
        if lo == hi:
            node_sets.append(np.array([lo]))
        else:
            step = DIFFUSE_IAM_STEP_DEG
            first, last = int(np.floor(lo / step)), int(np.ceil(hi / step))
            node_sets.append(np.arange(first, last + 1) * step)
    factors = marion_factors(np.concatenate(node_sets))
    out = np.empty((3, tilt.shape[0]))
    start = 0
    for i, nodes in enumerate(node_sets):
        rows = slice(i * n_hours, (i + 1) * n_hours)
        for region in range(3):
            out[region, rows] = np.interp(tilt[rows], nodes,
                                          factors[region, start:start + nodes.size])
        start += nodes.size
    return out[0], out[1], out[2]


def marion_factors(tilt_deg):
    """
    Marion's diffuse reflection factors of the reference glass at each tilt.

    Parameters
    ----------
    tilt_deg : array_like
        Surface tilts. [°]

    Returns
    -------
    ndarray of float64, shape (3, n_tilts)
        Sky, horizon and ground factors of :func:`pvlib.iam.physical` with ``GLASS_IAM``,
        integrated as :func:`pvlib.iam.marion_diffuse` does (compiled,
        :func:`energysim.kernels.marion_diffuse_physical`). [1]

    Examples
    --------
    >>> f = marion_factors([0.0, 90.0])
    >>> f.shape, float(f[2, 0])  # a flat module sees no ground
    ((3, 2), 0.0)
    """
    tilt = np.ascontiguousarray(np.atleast_1d(np.asarray(tilt_deg, dtype=float)))
    unique, inverse = np.unique(tilt, return_inverse=True)
    out = np.empty((3, unique.size))
    kernels.marion_diffuse_physical(unique, GLASS_IAM["n"], GLASS_IAM["K"], GLASS_IAM["L"],
                                    GLASS_IAM["n_ar"], out)
    return out[:, inverse.reshape(-1)]


def _cec_p_mp(effective_irradiance, temp_cell):
    """Maximum power of one reference module (CEC single-diode model), in W."""
    params = pvlib.pvsystem.calcparams_cec(effective_irradiance, temp_cell, **MODULE_CEC)
    shape = np.shape(params[0])
    # the five parameters broadcast to one flat float64 array each, for the kernel
    flat = [np.ascontiguousarray(np.broadcast_to(np.asarray(p, dtype=float), shape).ravel())
            for p in params]
    p_mp = np.empty(flat[0].shape[0])
    kernels.single_diode_p_mp(*flat, p_mp)
    return p_mp.reshape(shape)


def _like(template, values):
    """Return ``values`` as a Series on ``template``'s index if ``template`` is one."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index, name=template.name)
    return values
