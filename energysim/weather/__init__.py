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

Modules
-------
The package re-exports its public API, so ``energysim.weather.<name>`` is all a caller
needs. Each submodule has one job and imports only the submodules named in its row, so
the imports point one way and form no cycle; no submodule imports names from this ``__init__``.

=============  =============================================  ==========================
module         owns                                           imports from the package
=============  =============================================  ==========================
``frame``      canonical columns, nominal year, metadata,     none
               file, hashing and row-description helpers
``geometry``   solar geometry of hourly rows, clear-sky       none
               clearness, :func:`hourly_clearness_index`
``checks``     :func:`check_weather` and its thresholds       frame, geometry
``readers``    EPW, TMY3, PVGIS TMY and CSV readers,          frame, geometry, checks
               :func:`to_typical_year`,
               :func:`to_weather_csv`
``normals``    :class:`Normals`, computing, reading and       frame, geometry
               writing normals, :func:`monthly_summary`
``generator``  :func:`generate_typical_year`,                 frame, geometry, normals
               :func:`builtin_shaoguan`
``load``       :func:`load_weather` (source name or path)     frame, readers, generator
=============  =============================================  ==========================
"""

import logging

# Everything in __all__, plus the public constants that tests and tools reach as
# ``energysim.weather.<name>`` (re-exported with ``as``); no private name.
from energysim.weather.checks import (
    CLOSURE_ABS_W_M2 as CLOSURE_ABS_W_M2,
    CLOSURE_MAX_FRACTION as CLOSURE_MAX_FRACTION,
    CLOSURE_REL as CLOSURE_REL,
    CLOSURE_ZENITH_DEG as CLOSURE_ZENITH_DEG,
    KW_SUSPECT_MAX_GHI as KW_SUSPECT_MAX_GHI,
    MAX_REPAIRABLE_GAP_H as MAX_REPAIRABLE_GAP_H,
    NEGATIVE_CLIP_W_M2 as NEGATIVE_CLIP_W_M2,
    NIGHT_ELEVATION_DEG as NIGHT_ELEVATION_DEG,
    NIGHT_IRRADIANCE_TOL_W_M2 as NIGHT_IRRADIANCE_TOL_W_M2,
    NOON_OFFSET_ERROR_H as NOON_OFFSET_ERROR_H,
    check_weather,
)
from energysim.weather.frame import (
    BUILTIN_SHAOGUAN,
    CANONICAL_COLUMNS,
    HOURS_TYPICAL_YEAR as HOURS_TYPICAL_YEAR,
    IRRADIANCE_COLUMNS as IRRADIANCE_COLUMNS,
    NOMINAL_YEAR,
    SHOW_ROWS as SHOW_ROWS,
)
from energysim.weather.generator import (
    GENERATOR_VERSION as GENERATOR_VERSION,
    SHAOGUAN_NORMALS_PATH as SHAOGUAN_NORMALS_PATH,
    WEIBULL_K_MIN as WEIBULL_K_MIN,
    GHI_INTERANNUAL_STD as GHI_INTERANNUAL_STD,
    WIND_INTERANNUAL_STD as WIND_INTERANNUAL_STD,
    builtin_shaoguan,
    builtin_shaoguan_years,
    generate_typical_year,
    interannual_scales,
)
from energysim.weather.geometry import great_circle_km, hourly_clearness_index
from energysim.weather.load import load_weather
from energysim.weather.normals import (
    KC_FIT_WINDOW_H as KC_FIT_WINDOW_H,
    NORMALS_OPTIONAL as NORMALS_OPTIONAL,
    NORMALS_REQUIRED as NORMALS_REQUIRED,
    PARAM_DEFAULTS as PARAM_DEFAULTS,
    SITE_KEYS as SITE_KEYS,
    WIND_CALM_MS as WIND_CALM_MS,
    Normals,
    compute_normals,
    monthly_summary,
    read_normals,
    to_normals_csv,
)
from energysim.weather.readers import (
    read_csv_weather,
    read_epw,
    read_pvgis_tmy,
    read_tmy3,
    to_typical_year,
    to_weather_csv,
)

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
    "great_circle_km",
]
