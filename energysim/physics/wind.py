"""Per-unit wind-farm output from station wind, with windpowerlib.

Owns the wind physics of energysim: wind at hub height, the optional scaling of its mean
to a site resource, air density at hub height, the density-corrected turbine power curve
and the lumped wind-farm (wake and other) losses, ending in output per unit of turbine
nominal power. It imports only numpy, pandas, windpowerlib, ``energysim.units``,
``energysim.kernels`` (the compiled density-corrected power curve) and
``energysim.turbines`` (the turbine list, also used by the scenario check); it
must not import scenario, weather, fleet or anything that knows a Scenario.
Availability is not applied here (the fleet layer does that). Apart from windpowerlib's
own turbine library, which ships with windpowerlib and is read once per turbine type, it
reads no file and no environment variable.

Examples
--------
>>> "E-115/3000" in turbine_names()
True
>>> check_turbine_name("E-115/3000")
'E-115/3000'
"""

import functools
import warnings
from types import MappingProxyType

import numpy as np
import pandas as pd
import windpowerlib

from energysim import kernels, units
from energysim.turbines import check_turbine_name, turbine_names

#: Wind-farm efficiency (wake and other farm losses) that PyPSA-Eur applies to onshore
#: wind from reanalysis: 0.8855, i.e. 11.45 % losses (REFERENCE.md §7; pypsa-eur pull
#: request #278, issue #153). [1]
WIND_FARM_EFFICIENCY = 0.8855

#: Height of the air temperature in the canonical weather frame (screen height). [m]
TEMP_AIR_HEIGHT_M = 2.0
#: Height of the pressure in the canonical weather frame (station level). [m]
PRESSURE_HEIGHT_M = 0.0


def wind_profile_pu(wind_speed, temp_air, pressure, *, wind_height_m, turbine,
                    hub_height_m, mean_wind_speed_ms=None, mean_wind_height_m=None,
                    roughness_length_m=0.1, wind_farm_efficiency=WIND_FARM_EFFICIENCY,
                    shear_exponent=None, weibull_k=None,
                    temp_air_height_m=TEMP_AIR_HEIGHT_M,
                    pressure_height_m=PRESSURE_HEIGHT_M):
    r"""
    Output of a wind farm per unit of turbine nominal power, step by step.

    Parameters
    ----------
    wind_speed : pandas.Series or array_like
        Wind speed measured at ``wind_height_m``. [m s⁻¹]
    temp_air : pandas.Series, array_like or float
        Air temperature at ``temp_air_height_m``. [°C]
    pressure : pandas.Series, array_like or float
        Air pressure at ``pressure_height_m``. [Pa]
    wind_height_m : float
        Height of the wind measurement above ground, > 0. [m]
    turbine : str or pandas.DataFrame
        A turbine type of windpowerlib's OEDB library (see :func:`turbine_names`), or a
        power curve with columns ``wind_speed`` [m s⁻¹] (strictly increasing) and
        ``value`` [W] (≥ 0, not all 0), whose maximum is taken as nominal power. Since
        the output is per unit, a curve in kW gives the same result; the scenario layer
        converts kW to W anyway.
    hub_height_m : float
        Hub height above ground, > 0. [m]
    mean_wind_speed_ms : float, optional
        If given, the site's mean wind at ``mean_wind_height_m`` (a wind atlas or a
        mast), > 0; the hub-height wind is scaled multiplicatively so that its mean is
        this carried to the hub by the profile. [m s⁻¹]
    mean_wind_height_m : float, optional
        Height of ``mean_wind_speed_ms``, > 0; default ``hub_height_m``. [m]
    roughness_length_m : float or None, default 0.1
        Surface roughness length for the logarithmic profile, > 0; unused (may be None)
        with ``shear_exponent``. [m]
    wind_farm_efficiency : float, default 0.8855
        Fraction of the turbines' summed output the farm delivers (wakes and other farm
        losses), in (0, 1]; see ``WIND_FARM_EFFICIENCY``. [1]
    shear_exponent : float, optional
        If given, the power law (Hellman's) with this exponent (≥ 0) replaces the
        logarithmic profile. [1]
    weibull_k : float, optional
        If given, the hub-height speeds are mapped by rank onto a Weibull distribution
        of this shape (> 0) with the same mean, keeping their order in time; see
        :func:`weibull_by_rank`. [1]
    temp_air_height_m : float, default 2.0
        Height of ``temp_air`` above ground, ≥ 0. [m]
    pressure_height_m : float, default 0.0
        Height of ``pressure`` above ground, ≥ 0. [m]

    Returns
    -------
    pandas.Series or numpy.ndarray
        ``"wind_pu"``: farm output per unit of turbine nominal power, in
        [0, wind_farm_efficiency]; a Series on ``wind_speed``'s index if that is a
        Series, else an array (a float for a scalar); NaN wherever ``wind_speed``,
        ``temp_air`` or ``pressure`` is NaN. [p.u.]

    Raises
    ------
    ValueError
        If an argument is outside its range, the turbine name is unknown (the message
        lists the closest names), the power curve is malformed, or the wind to be scaled
        has no positive mean.

    Notes
    -----
    1. Hub-height wind, :func:`hub_wind_speed`: windpowerlib's logarithmic profile
       :math:`v_h = v_m \ln(h/z_0)/\ln(h_m/z_0)` (or Hellman's law), then, if
       ``mean_wind_speed_ms`` is given, :math:`v_h \bar v_{hub}/\bar v_h` with the site
       mean carried from its height to the hub by the same profile,
       :math:`\bar v_{hub} = \bar v_{site} \ln(h/z_0)/\ln(h_{site}/z_0)` (or
       :math:`(h/h_{site})^\alpha`). Scaling keeps the station's hour-to-hour shape and
       moves the level to the site's; the station wind itself (a valley town) says
       little about ridge-top farms. With ``weibull_k`` the speeds are then mapped by
       rank onto a Weibull of that shape and the same mean.
    2. Air density at hub height, :func:`hub_air_density`: temperature with the standard
       lapse rate of 6.5 K km⁻¹ (``temperature.linear_gradient``), then the barometric
       height formula (``density.barometric``).
    3. Turbine power from the density-corrected power curve
       (``power_output.power_curve(..., density_correction=True)``): the curve's wind
       speeds are stretched by :math:`(1.225/\rho)^{p(v)}`, p from 1/3 to 2/3
       (Svenningsen 2010).
    4. Divided by the nominal power and multiplied by ``wind_farm_efficiency``.

    This equals windpowerlib's ``ModelChain`` (``density_model="barometric"``,
    ``temperature_model="linear_gradient"``, ``power_output_model="power_curve"``,
    ``density_correction=True``) fed the same hub-height wind, times the farm efficiency
    over the nominal power.

    References
    ----------
    .. [1] S. Haas, B. Schachler, U. Krien et al., windpowerlib (software), Zenodo.
       :doi:`10.5281/zenodo.824267`
    .. [2] L. Svenningsen, "Power Curve Air Density Correction And Other Power Curve
       Options in WindPRO", EMD International A/S, 2010.

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.date_range("2005-01-01", periods=4, freq="h", tz="UTC", name="time")
    >>> ws = pd.Series([0.0, 3.0, 6.0, 30.0], index=times)
    >>> pu = wind_profile_pu(ws, 15.0, 101_325.0, wind_height_m=120.0,
    ...                      turbine="E-115/3000", hub_height_m=120.0)
    >>> pu.name, float(pu.iloc[0]), bool(0 < pu.iloc[2] < 0.8855), float(pu.iloc[3])
    ('wind_pu', 0.0, True, 0.0)
    """
    _check_range("wind_farm_efficiency", wind_farm_efficiency,
                 0.0 < wind_farm_efficiency <= 1.0, "in (0, 1]")
    curve_wind_speed, curve_power_w, nominal_power_w = _power_curve(turbine)
    v_hub = hub_wind_speed(wind_speed, wind_height_m, hub_height_m,
                           roughness_length_m=roughness_length_m,
                           hellman_exponent=shear_exponent,
                           mean_wind_speed_ms=mean_wind_speed_ms,
                           mean_wind_height_m=mean_wind_height_m)
    if weibull_k is not None:
        v_hub = weibull_by_rank(v_hub, weibull_k)
    density = hub_air_density(temp_air, pressure, hub_height_m,
                              temp_air_height_m=temp_air_height_m,
                              pressure_height_m=pressure_height_m)
    v_hub_a = np.asarray(v_hub, dtype=float)
    v_hub_a, density = np.broadcast_arrays(v_hub_a, np.asarray(density, dtype=float))
    missing = np.isnan(v_hub_a) | np.isnan(density)
    power_w = np.zeros(v_hub_a.shape)
    ok = ~missing
    if ok.any():
        # windpowerlib's density-corrected power curve, compiled (it stretches the curve
        # hour by hour in Python); a NaN density would make the interpolation undefined,
        # and those steps are NaN anyway
        out = np.empty(int(ok.sum()))
        kernels.density_corrected_power(
            np.ascontiguousarray(v_hub_a[ok], dtype=float),
            np.ascontiguousarray(density[ok], dtype=float),
            np.ascontiguousarray(curve_wind_speed, dtype=float),
            np.ascontiguousarray(curve_power_w, dtype=float), out)
        power_w[ok] = out
    pu = np.where(missing, np.nan, power_w / nominal_power_w * wind_farm_efficiency)
    if isinstance(wind_speed, pd.Series):
        return pd.Series(pu, index=wind_speed.index, name="wind_pu")
    return pu if pu.ndim else float(pu)


def hub_wind_speed(wind_speed, wind_height_m, hub_height_m, *, roughness_length_m=0.1,
                   hellman_exponent=None, mean_wind_speed_ms=None, mean_wind_height_m=None):
    """
    Wind speed at hub height, optionally scaled to a site's mean.

    Parameters
    ----------
    wind_speed : pandas.Series or array_like
        Wind speed measured at ``wind_height_m``. [m s⁻¹]
    wind_height_m : float
        Measurement height, > 0. [m]
    hub_height_m : float
        Hub height, > 0. [m]
    roughness_length_m : float or None, default 0.1
        Roughness length of the logarithmic profile, > 0; unused (may be None) with
        ``hellman_exponent``. [m]
    hellman_exponent : float, optional
        Use Hellman's power law with this exponent (≥ 0) instead. [1]
    mean_wind_speed_ms : float, optional
        The site's mean wind at ``mean_wind_height_m``, > 0; the returned series is
        scaled to this mean carried to the hub by the profile (NaN ignored). [m s⁻¹]
    mean_wind_height_m : float, optional
        Height of ``mean_wind_speed_ms``, > 0; default ``hub_height_m`` (then the
        returned mean is ``mean_wind_speed_ms`` itself). [m]

    Returns
    -------
    pandas.Series or numpy.ndarray
        Hub-height wind; type and index of ``wind_speed``. [m s⁻¹]

    Raises
    ------
    ValueError
        If an argument is outside its range, or scaling is asked of a series whose mean
        is not positive.

    Examples
    --------
    >>> v = hub_wind_speed([1.0, 2.0, 3.0], 10.0, 120.0, mean_wind_speed_ms=6.0)
    >>> [round(float(x), 12) for x in v]
    [3.0, 6.0, 9.0]
    >>> v = hub_wind_speed([1.0, 2.0, 3.0], 10.0, 140.0, mean_wind_speed_ms=6.0,
    ...                    mean_wind_height_m=100.0, hellman_exponent=0.2)
    >>> round(float(v.mean()), 4)  # 6 (140/100)^0.2
    6.4177
    """
    _check_range("wind_height_m", wind_height_m, wind_height_m > 0.0, "> 0 m")
    _check_range("hub_height_m", hub_height_m, hub_height_m > 0.0, "> 0 m")
    if hellman_exponent is None or roughness_length_m is not None:
        _check_range("roughness_length_m", roughness_length_m,
                     roughness_length_m is not None and roughness_length_m > 0.0, "> 0 m")
    if hellman_exponent is not None:
        _check_range("hellman_exponent", hellman_exponent, hellman_exponent >= 0.0, ">= 0")
    if mean_wind_speed_ms is not None:
        _check_range("mean_wind_speed_ms", mean_wind_speed_ms, mean_wind_speed_ms > 0.0,
                     "> 0 m/s")
    if mean_wind_height_m is not None:
        _check_range("mean_wind_height_m", mean_wind_height_m, mean_wind_height_m > 0.0,
                     "> 0 m")

    def profile(v, height_m):
        if hellman_exponent is None:
            v = windpowerlib.wind_speed.logarithmic_profile(v, height_m, hub_height_m,
                                                            roughness_length_m)
        else:
            v = windpowerlib.wind_speed.hellman(v, height_m, hub_height_m,
                                                hellman_exponent=hellman_exponent)
        return np.asarray(v, dtype=float)

    v = profile(np.asarray(wind_speed, dtype=float), wind_height_m)
    if mean_wind_speed_ms is not None:
        mean = np.nanmean(v) if np.isfinite(v).any() else np.nan
        if not mean > 0.0:
            raise ValueError(f"hub_wind_speed: mean hub-height wind = {mean!r} m/s: cannot "
                             f"scale it to mean_wind_speed_ms = {mean_wind_speed_ms!r}")
        hub_mean = mean_wind_speed_ms
        if mean_wind_height_m is not None and mean_wind_height_m != hub_height_m:
            hub_mean = float(profile(np.array(mean_wind_speed_ms), mean_wind_height_m))
        v = v * (hub_mean / mean)
    if isinstance(wind_speed, pd.Series):
        return pd.Series(v, index=wind_speed.index, name=wind_speed.name)
    return v


def weibull_by_rank(wind_speed, weibull_k):
    r"""
    Map wind speeds by rank onto a Weibull distribution with their mean.

    The i-th smallest of n speeds becomes the Weibull quantile at
    :math:`p_i = (i - 1/2)/n`, :math:`v_i = \lambda (-\ln(1 - p_i))^{1/k}` with
    :math:`\lambda = \bar v / \Gamma(1 + 1/k)`; so the hour-to-hour order (diurnal and
    seasonal patterns, persistence) stays and the distribution becomes the Weibull's.
    Equal speeds (calms) are ranked in time order. NaN stays NaN and is not ranked.

    Parameters
    ----------
    wind_speed : pandas.Series or array_like
        Wind speed, mean > 0. [m s⁻¹]
    weibull_k : float
        Weibull shape, > 0. [1]

    Returns
    -------
    pandas.Series or numpy.ndarray
        Type and index of ``wind_speed``. [m s⁻¹]

    Raises
    ------
    ValueError
        If ``weibull_k`` is not > 0 or the speeds have no positive mean.

    Examples
    --------
    >>> v = weibull_by_rank([3.0, 1.0, 2.0, 2.0], 2.0)
    >>> [round(float(x), 3) for x in v]  # order kept; mean 1.965: 4 quantiles
    [3.254, 0.825, 1.547, 2.235]
    """
    from scipy import special

    _check_range("weibull_k", weibull_k, weibull_k > 0.0, "> 0")
    v = np.asarray(wind_speed, dtype=float)
    ok = np.isfinite(v)
    mean = v[ok].mean() if ok.any() else np.nan
    if not mean > 0.0:
        raise ValueError(f"weibull_by_rank: mean wind = {mean!r} m/s: must be > 0")
    order = np.argsort(v[ok], kind="stable")
    p = (np.arange(order.size) + 0.5) / order.size
    quantiles = mean / special.gamma(1.0 + 1.0 / weibull_k) * (-np.log1p(-p)) ** (1.0 / weibull_k)
    mapped = np.empty(order.size)
    mapped[order] = quantiles
    out = np.full(v.shape, np.nan)
    out[ok] = mapped
    if isinstance(wind_speed, pd.Series):
        return pd.Series(out, index=wind_speed.index, name=wind_speed.name)
    return out


def hub_air_density(temp_air, pressure, hub_height_m, *, temp_air_height_m=TEMP_AIR_HEIGHT_M,
                    pressure_height_m=PRESSURE_HEIGHT_M):
    """
    Air density at hub height (linear temperature gradient, barometric height formula).

    Parameters
    ----------
    temp_air : numeric
        Air temperature at ``temp_air_height_m``. [°C]
    pressure : numeric
        Air pressure at ``pressure_height_m``. [Pa]
    hub_height_m : float
        Hub height, > 0. [m]
    temp_air_height_m : float, default 2.0
        Height of ``temp_air``, ≥ 0. [m]
    pressure_height_m : float, default 0.0
        Height of ``pressure``, ≥ 0. [m]

    Returns
    -------
    numeric
        Air density at hub height; type and index of ``temp_air``. [kg m⁻³]

    Examples
    --------
    >>> round(float(hub_air_density(15.0, 101_325.0, 2.0)), 3)  # standard atmosphere
    1.225
    """
    _check_range("hub_height_m", hub_height_m, hub_height_m > 0.0, "> 0 m")
    _check_range("temp_air_height_m", temp_air_height_m, temp_air_height_m >= 0.0, ">= 0 m")
    _check_range("pressure_height_m", pressure_height_m, pressure_height_m >= 0.0, ">= 0 m")
    temp_k = units.celsius_to_kelvin(np.asarray(temp_air, dtype=float))
    temp_hub_k = windpowerlib.temperature.linear_gradient(temp_k, temp_air_height_m,
                                                          hub_height_m)
    density = windpowerlib.density.barometric(np.asarray(pressure, dtype=float),
                                              pressure_height_m, hub_height_m, temp_hub_k)
    density = np.asarray(density, dtype=float)
    if isinstance(temp_air, pd.Series):
        return pd.Series(density, index=temp_air.index, name="density")
    return density if density.ndim else float(density)


def turbine_power_curve(name):
    """
    Power curve and nominal power of a turbine type of windpowerlib's OEDB library.

    Parameters
    ----------
    name : str
        Turbine type, e.g. ``"E-115/3000"``.

    Returns
    -------
    curve : pandas.DataFrame
        Columns ``wind_speed`` [m s⁻¹] and ``value`` [W]; a fresh copy.
    nominal_power_w : float
        Nominal power. [W]

    Raises
    ------
    ValueError
        If the name is unknown (see :func:`check_turbine_name`).

    Examples
    --------
    >>> curve, nominal_power_w = turbine_power_curve("E-115/3000")
    >>> nominal_power_w, list(curve.columns)
    (3000000.0, ['wind_speed', 'value'])
    """
    wind_speed, power_w, nominal_power_w = _oedb_turbine(check_turbine_name(name))
    curve = pd.DataFrame({"wind_speed": np.array(wind_speed), "value": np.array(power_w)})
    return curve, nominal_power_w


@functools.cache
def _oedb_turbine(name):
    """Power curve (as tuples; m/s, W) and nominal power (W) of an OEDB turbine, read once."""
    # windpowerlib 0.2.2 reads its CSV with DataFrame.dropna(inplace=True), deprecated in
    # pandas 3.1 (Pandas4Warning); harmless, so silenced here, once per turbine type.
    # The hub height is irrelevant to the curve; the real one is applied by the caller.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=pd.errors.Pandas4Warning)
        turbine = windpowerlib.WindTurbine(hub_height=100.0, turbine_type=name)
    curve = turbine.power_curve
    return (tuple(curve["wind_speed"].astype(float)), tuple(curve["value"].astype(float)),
            float(turbine.nominal_power))


def _power_curve(turbine):
    """Curve wind speeds [m s⁻¹], curve powers [W] and nominal power [W] of ``turbine``."""
    if isinstance(turbine, str):
        wind_speed, power_w, nominal_power_w = _oedb_turbine(check_turbine_name(turbine))
        return np.array(wind_speed), np.array(power_w), nominal_power_w
    if not isinstance(turbine, pd.DataFrame):
        raise ValueError(f"wind_profile_pu: turbine is a {type(turbine).__name__}: expected "
                         "a windpowerlib turbine name or a DataFrame power curve")
    absent = [c for c in ("wind_speed", "value") if c not in turbine.columns]
    if absent:
        raise ValueError(f"wind_profile_pu: power curve lacks column(s) {', '.join(absent)}: "
                         "expected wind_speed [m/s] and value [W]")
    wind_speed = turbine["wind_speed"].to_numpy(dtype=float)
    power_w = turbine["value"].to_numpy(dtype=float)
    if wind_speed.size < 2 or not np.all(np.diff(wind_speed) > 0):
        raise ValueError("wind_profile_pu: power curve wind_speed: must be at least two "
                         "strictly increasing values [m/s]")
    if not (np.all(np.isfinite(power_w)) and np.all(power_w >= 0) and power_w.max() > 0):
        raise ValueError("wind_profile_pu: power curve value: must be finite, >= 0 and not "
                         "all 0 [W]")
    return wind_speed, power_w, float(power_w.max())


def _check_range(name, value, ok, allowed):
    """Raise ValueError naming ``name`` unless ``ok`` (False for NaN too)."""
    if not ok:
        raise ValueError(f"{name} = {value!r}: must be {allowed}")


#: Wind models by name, for the scenario layer's registry check.
WIND_MODELS = MappingProxyType({"power_curve": wind_profile_pu})
