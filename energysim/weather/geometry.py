"""Solar geometry of hourly interval-beginning rows, shared by checks, normals and generator.

Owns the sun's position and the hour-mean extraterrestrial irradiance of each hourly row,
the Ineichen clear-sky clearness index, the irradiance-weighted offset of data from solar
noon, :func:`hourly_clearness_index`, and the context that silences pandas deprecation
warnings raised inside pvlib. It imports pvlib (lazily, inside the functions), numpy and
pandas, and nothing from energysim.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd

_PANDAS_DEPRECATION = getattr(pd.errors, "Pandas4Warning", DeprecationWarning)

#: Mean radius of the Earth (IUGG R1), for great-circle distances. [km]
EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Great-circle distance between two points on a spherical Earth (haversine). [km]

    Parameters
    ----------
    lat1_deg, lon1_deg, lat2_deg, lon2_deg : float
        Latitudes (north positive) and longitudes (east positive). [deg]

    Returns
    -------
    float
        Distance along the sphere of radius :data:`EARTH_RADIUS_KM`; within 0.5 % of the
        ellipsoidal distance. [km]

    Examples
    --------
    >>> round(great_circle_km(0.0, 0.0, 0.0, 1.0), 3)
    111.195
    """
    phi1, phi2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dphi = phi2 - phi1
    dlam = np.radians(lon2_deg - lon1_deg)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(min(h, 1.0))))


@contextlib.contextmanager
def quiet_pvlib():
    """Silence pandas deprecation warnings raised inside pvlib (pvlib 0.16 still uses
    ``DatetimeIndex.dayofyear``, deprecated in pandas 3); they are not the user's concern."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=_PANDAS_DEPRECATION)
        yield


def solar_elevation(times, latitude, longitude):
    """Apparent solar elevation at ``times`` (fast ephemeris; checks only). [deg]"""
    import pvlib

    with quiet_pvlib():
        sp = pvlib.solarposition.get_solarposition(
            pd.DatetimeIndex(times), latitude, longitude, method="ephemeris"
        )
    return sp["apparent_elevation"].to_numpy(dtype=float)


def hourly_geometry(index, latitude, longitude, altitude_m):
    """Solar geometry of hourly interval-beginning rows.

    Returns a dict of arrays: ``zenith``/``apparent_zenith``/``elevation`` at the interval
    midpoint [deg], ``dni_extra`` [W m⁻²], ``eh`` the hour-mean extraterrestrial horizontal
    irradiance [W m⁻²] (exact integral of cos Z over the hour, clamped at sunrise/sunset,
    Duffie & Beckman eq. 1.10.4), ``doy``, ``decl`` [rad], ``eot`` [min] and
    ``solar_hour`` (hours from solar noon at the midpoint).
    """
    import pvlib

    mid = index + pd.Timedelta(minutes=30)
    with quiet_pvlib():
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


def clear_sky_kt(index, geom, latitude, longitude, altitude_m):
    """Clear-sky clearness index (Ineichen, pvlib Linke-turbidity climatology). [1]

    The zenith is capped at 88 deg so that the sunrise/sunset hours, whose midpoint may be
    below the horizon while part of the hour is lit, still get a finite transmittance.
    """
    import pvlib

    mid = index + pd.Timedelta(minutes=30)
    with quiet_pvlib():
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
    geom = hourly_geometry(data.index, latitude, longitude, altitude_m)
    ok = geom["elevation"] > min_elevation_deg
    return data["ghi"].to_numpy(float)[ok] / geom["eh"][ok]


def noon_offset_h(ghi, solar_hour):
    """Irradiance-weighted mean time from solar noon. [h]"""
    w = np.clip(ghi, 0.0, None)
    if w.sum() <= 0:
        return float("nan")
    return float((w * solar_hour).sum() / w.sum())
