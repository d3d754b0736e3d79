"""Carbon accounting: grid emission-factor paths, coal equivalents and 3060 milestones.

Owns the sourced emission-factor presets and every rule that turns them into a yearly path;
imports only ``errors``, ``units`` and ``fleet`` (for interpolation and plan periods). The
hourly arithmetic lives in ``kernels``; this module prepares its annual inputs.

Sources (see ``../shared/REFERENCE.md`` §1a and §6): MEE/NBS 《电力二氧化碳排放因子》 average
factors for data years 2021-2023 (national 0.5568/0.5366/0.5306; Southern region
0.4326/0.3869/0.4042; Guangdong 0.4715/0.4403/0.4419; fossil-only 0.8426/0.8325/0.8273
tCO2/MWh). No official forward path exists; the default extension is the 2021-2023
national trend of -2.4 %/yr (REFERENCE §1c, a stated assumption the user can change).
"""

import numpy as np

from energysim import units
from energysim.fleet import interpolate_points

#: Published average grid emission factors by data year. [tCO2/MWh]
EMISSION_FACTOR_PRESETS = {
    "national-average": {2021: 0.5568, 2022: 0.5366, 2023: 0.5306},
    "southern-region": {2021: 0.4326, 2022: 0.3869, 2023: 0.4042},
    "guangdong": {2021: 0.4715, 2022: 0.4403, 2023: 0.4419},
    "national-fossil-only": {2021: 0.8426, 2022: 0.8325, 2023: 0.8273},
}

#: Source line per preset, written into results.
EMISSION_FACTOR_SOURCES = {
    "national-average": "MEE/NBS electricity CO2 factors, national average, data 2021-2023",
    "southern-region": "MEE/NBS electricity CO2 factors, Southern region average, data 2021-2023",
    "guangdong": "MEE/NBS electricity CO2 factors, Guangdong provincial average, data 2021-2023",
    "national-fossil-only": "MEE/NBS electricity CO2 factors, national fossil-only, data 2021-2023",
}

#: National thermal power supply coal rate (供电标准煤耗): 305.5 gce/kWh in 2020 and the
#: NDRC coal-power upgrade plan's ~300 gce/kWh for 2025 (REFERENCE §6), held after. [gce/kWh]
DEFAULT_COAL_RATE_G_PER_KWH = {2020: 305.5, 2025: 300.0}

#: Default when a scenario gives no factor: the Guangdong preset, declining 2.4 %/yr.
DEFAULT_PRESET = "guangdong"
DEFAULT_DECLINE_PCT_PER_YEAR = 2.4

#: The city's own territorial CO2, by preset. [MtCO2] Shaoguan: CEADs "Emission Inventories
#: for 290 Chinese Cities 1997-2019" (Shan et al., Sci. Bull. 2022; Sci. Data 2019),
#: REFERENCE §8; 2019 is the inventory's last year (2018's 22.57 looks like an artefact).
BASELINE_PRESETS = {"shaoguan-ceads": {2019: 34.53}}
BASELINE_SOURCES = {"shaoguan-ceads": "CEADs city inventory (Shan et al. 2022), Shaoguan 2019: "
                                      "34.53 MtCO2"}


def baseline_emissions_t(baseline, years, decline_pct_per_year=0.0):
    """The city's emissions in each year: points or a preset, then held or declining.

    Parameters
    ----------
    baseline : dict of int to float, or str
        ``{year: MtCO2}`` points, or a key of :data:`BASELINE_PRESETS`.
    years : sequence of int
    decline_pct_per_year : float
        Compound decline after the last point; 0 holds the last value. [%/yr]

    Returns
    -------
    ndarray of float64
        [tCO2]

    Examples
    --------
    >>> baseline_emissions_t("shaoguan-ceads", [2019, 2021], 10.0).round().tolist()
    [34530000.0, 27969300.0]
    """
    points = BASELINE_PRESETS[baseline] if isinstance(baseline, str) else baseline
    years = np.asarray(years)
    path = interpolate_points(points, years)
    after = np.maximum(years - max(points), 0)
    path = path * (1.0 - units.pct_to_fraction(decline_pct_per_year)) ** after
    return units.mt_to_t(path)


def preset_path(preset, years, extend="decline", decline_pct_per_year=DEFAULT_DECLINE_PCT_PER_YEAR,
                points_t_per_mwh=None):
    """Emission-factor path from a preset of published figures.

    Parameters
    ----------
    preset : str
        A key of :data:`EMISSION_FACTOR_PRESETS`.
    years : sequence of int
        Simulated years.
    extend : {"hold", "decline", "points"}
        After the last published year: hold it, decline by ``decline_pct_per_year``
        compounding each year, or interpolate linearly to ``points_t_per_mwh``.
        Before the first published year the first value is held.
    decline_pct_per_year : float
        Rate for ``extend="decline"``. [%/yr]
    points_t_per_mwh : dict of int to float, optional
        Later points for ``extend="points"``. [tCO2/MWh]

    Returns
    -------
    ndarray of float64
        Factor for each year. [tCO2/MWh]

    Examples
    --------
    >>> preset_path("guangdong", [2021, 2023, 2024], extend="decline").round(6).tolist()
    [0.4715, 0.4419, 0.431294]
    """
    published = EMISSION_FACTOR_PRESETS[preset]
    years = np.asarray(years)
    last = max(published)
    if extend == "points":
        return interpolate_points({**published, **(points_t_per_mwh or {})}, years)
    path = interpolate_points(published, years)
    if extend == "decline":
        keep = 1.0 - units.pct_to_fraction(decline_pct_per_year)
        after = years > last
        path[after] = published[last] * keep ** (years[after] - last)
    return path


def points_or_constant(value, years):
    """A scalar held for all years, or ``{year: value}`` points interpolated. [same unit]"""
    if isinstance(value, dict):
        return interpolate_points(value, years)
    return np.full(len(years), float(value))


def hourly_shape(values, n_hours, local_hour_of_row):
    """Expand an emission-factor hourly shape to the typical year's hours.

    Parameters
    ----------
    values : sequence of float or None
        24 values (local hour of day) or one per hour of the typical year. [1]
    n_hours : int
        Hours of the typical year.
    local_hour_of_row : ndarray of int, shape (n_hours,)
        Local hour of day (0..23) of each row.

    Returns
    -------
    ndarray of float64, shape (n_hours,)
    """
    if values is None:
        return np.ones(n_hours)
    values = np.asarray(values, dtype=float)
    if values.size == 24:
        return values[np.asarray(local_hour_of_row)]
    if values.size != n_hours:
        raise ValueError(f"emission_factor_hourly_shape has {values.size} values: give 24 or {n_hours}")
    return values.copy()
