"""The orchestrator: scenario + weather -> physics profiles -> fleet -> kernels -> Result.

Owns the one place where scenarios meet physics; may import every module above it in the
layer list (``errors`` .. ``results``) but never ``plotting``, ``report`` or ``cli``.
Physics runs once per distinct physical configuration and weather (``profile_for``); every
year- and scenario-dependent quantity is arithmetic on those per-unit profiles.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from dataclasses import dataclass
from importlib import metadata as importlib_metadata

import numpy as np
import pandas as pd

from energysim import carbon, fleet, kernels, units
from energysim import weather as weather_mod
from energysim.errors import EnergysimWarning, ScenarioError, WeatherDataError
from energysim.results import Result, full_buildout_year, target_progress
from energysim.scenario import to_toml
from energysim.timeutils import typical_year_rows, year_hour_weights

logger = logging.getLogger(__name__)

#: Largest longitude difference between a site and its weather: 15 deg is one hour of solar
#: time, beyond which the data's daylight falls on the wrong hours of the site. [deg]
MAX_WEATHER_LONGITUDE_OFFSET_DEG = 15.0
#: Weather farther from the site than this is used with a warning (printed, recorded). [km]
WARN_WEATHER_DISTANCE_KM = 100.0
#: Weather farther than this is refused unless ``[weather] allow_distant = true``. [km]
MAX_WEATHER_DISTANCE_KM = 500.0

_PACKAGES = ("energysim", "pvlib", "windpowerlib", "numpy", "pandas", "numba", "pyarrow",
             "pydantic")


# --------------------------------------------------------------------------- profiles

def profile_key(fleet_cfg, scenario_site, weather_meta):
    """Hash of everything that decides a fleet's per-unit profile. [hex str]"""
    from energysim.physics import PHYSICS_VERSION

    payload = {
        "physics_version": PHYSICS_VERSION,
        "fleet": fleet_cfg.physics_key(),
        "site": [scenario_site.latitude, scenario_site.longitude, scenario_site.altitude_m],
        "weather": weather_meta["sha256"],
    }
    if fleet_cfg.technology == "hydro":  # months and hours are local to the site
        payload["timezone"] = scenario_site.timezone
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class SimulationMemo:
    """In-memory caches of simulations in one process, passed in explicitly.

    Holds per-unit profiles (about 70 kB each, at most ``max_profiles``, oldest out first)
    and capacity paths of 1 MW (at most ``max_unit_paths``, cleared when full). Every array
    it hands out is read-only (``flags.writeable`` is False): one cached profile is shared
    by every scenario that uses it. It has the ``get``/``put`` methods of a profile cache.

    Parameters
    ----------
    profiles : dict of str to ndarray, optional
        Profiles to start with, by :func:`profile_key`.
    max_profiles, max_unit_paths : int
        Bounds on the entries kept.
    """

    def __init__(self, profiles=None, max_profiles=1024, max_unit_paths=4096):
        self.max_profiles = max_profiles
        self.max_unit_paths = max_unit_paths
        self._profiles = {}
        self._unit_paths = {}
        self._prepared = {}
        for key, profile in (profiles or {}).items():
            self.put(key, profile)

    def get(self, key):
        """The profile stored under ``key`` (read-only), or None. [MW/MW]"""
        return self._profiles.get(key)

    def put(self, key, profile):
        """Keep a read-only copy of ``profile`` under ``key``; return it. [MW/MW]"""
        profile = read_only(profile)
        if key not in self._profiles and len(self._profiles) >= self.max_profiles:
            self._profiles.pop(next(iter(self._profiles)))
        self._profiles[key] = profile
        return profile

    def __len__(self):
        return len(self._profiles)

    def prepared(self, key, compute):
        """Kernel inputs derived from profiles (``kernels.prepare_profiles``) under ``key``,
        from ``compute()`` the first time; at most ``max_profiles`` kept. [dict]"""
        value = self._prepared.get(key)
        if value is None:
            value = compute()
            if len(self._prepared) >= self.max_profiles:
                self._prepared.clear()
            self._prepared[key] = value
        return value

    def unit_paths(self, key, compute):
        """Capacity paths of 1 MW under ``key``, from ``compute()`` the first time. [MW/MW]"""
        paths = self._unit_paths.get(key)
        if paths is None:
            paths = tuple(read_only(a) for a in compute())
            if len(self._unit_paths) >= self.max_unit_paths:
                self._unit_paths.clear()
            self._unit_paths[key] = paths
        return paths


def read_only(array):
    """``array`` as a read-only float64 array (a copy unless it already is one)."""
    array = np.asarray(array, dtype=float)
    if array.flags.writeable:
        array = array.copy()
        array.flags.writeable = False
    return array


def profile_for(fleet_cfg, site, weather, weather_meta, cache=None, memo=None):
    """Per-unit hourly profile of one fleet, computed once per configuration and weather.

    Parameters
    ----------
    fleet_cfg : PVFleet or WindFleet
        The fleet's physical configuration (capacity is not used).
    site : Site
        Location of the plants.
    weather : pandas.DataFrame
        Canonical weather frame.
    weather_meta : dict
        Its metadata (``sha256`` keys the cache).
    cache : object with ``get(key)`` / ``put(key, array)``, optional
        An on-disk profile cache (``energysim.cache.ProfileCache``).
    memo : SimulationMemo, optional
        In-memory profiles, looked up before ``cache`` and filled after.

    Returns
    -------
    ndarray of float64, shape (n_hours,)
        Output per unit of nameplate, read-only. [MW/MW]
    """
    key = profile_key(fleet_cfg, site, weather_meta)
    if memo is not None:
        profile = memo.get(key)
        if profile is not None:
            return profile
    profile = cache.get(key) if cache is not None else None
    if profile is not None and (profile.shape != (len(weather),)
                                or not np.isfinite(profile).all()):
        # A damaged or foreign file under the right name: never use it.
        logger.warning("cached profile %s has shape %s or non-finite values: recomputed",
                       key[:12], profile.shape)
        profile = None
    if profile is None:
        profile = compute_profile(fleet_cfg, site, weather)
        if cache is not None:
            cache.put(key, profile)
    return memo.put(key, profile) if memo is not None else read_only(profile)


#: Distinct PV designs computed in one pass of the batched chain (issue 15): per design the
#: cost falls up to ~100 and is flat beyond, while memory grows (~50 arrays of
#: n_designs × daylight hours). [1]
PV_BATCH_SIZE = 100


def profiles_for(pairs, weather, weather_meta, cache=None, memo=None,
                 batch_size=PV_BATCH_SIZE):
    """Per-unit profiles of many fleet configurations, PV designs computed in batches.

    Parameters
    ----------
    pairs : iterable of (fleet configuration, Site)
        The fleets (``PVFleet``, ``WindFleet``, ...) and where they stand; repeats are
        computed once.
    weather, weather_meta, cache, memo
        As for :func:`profile_for`.
    batch_size : int, default PV_BATCH_SIZE
        Distinct PV designs per pass of :func:`energysim.physics.solar.pv_profiles_pu`.

    Returns
    -------
    dict
        ``{profile_key: read-only ndarray of shape (n_hours,)}``, one entry per distinct
        configuration and site. [MW/MW]
    """
    out, todo = {}, {}
    for fleet_cfg, site in pairs:
        key = profile_key(fleet_cfg, site, weather_meta)
        if key in out or key in todo:
            continue
        profile = memo.get(key) if memo is not None else None
        if profile is None and cache is not None:
            profile = cache.get(key)
            if profile is not None and (profile.shape != (len(weather),)
                                        or not np.isfinite(profile).all()):
                logger.warning("cached profile %s has shape %s or non-finite values: "
                               "recomputed", key[:12], profile.shape)
                profile = None
        if profile is not None:
            out[key] = memo.put(key, profile) if memo is not None else read_only(profile)
        else:
            todo[key] = (fleet_cfg, site)
    by_site = {}
    for key, (fleet_cfg, site) in todo.items():
        by_site.setdefault(site, []).append(key)
    step = max(1, batch_size)
    for site, keys in by_site.items():
        # compute_profiles batches the PV designs and runs the other fleets one by one
        for start in range(0, len(keys), step):
            chunk = keys[start:start + step]
            computed = compute_profiles([todo[k][0] for k in chunk], site, weather)
            if cache is not None:
                put_many = getattr(cache, "put_many", None)
                if put_many is not None:
                    put_many(zip(chunk, computed))
                else:
                    for key, profile in zip(chunk, computed):
                        cache.put(key, profile)
            for key, profile in zip(chunk, computed):
                out[key] = memo.put(key, profile) if memo is not None else read_only(profile)
    return out


def compute_profiles(fleet_cfgs, site, weather):
    """Run the physics for several fleet configurations at one site (no caching).

    PV designs go through the batched chain in one pass; other technologies one by one.

    Returns
    -------
    list of ndarray of float64, shape (n_hours,)
        In the order of ``fleet_cfgs``; NaN weather gives 0. [MW/MW]
    """
    pv = [i for i, f in enumerate(fleet_cfgs) if f.technology == "pv"]
    out = [None] * len(fleet_cfgs)
    if pv:
        from energysim.physics.solar import pv_profiles_pu

        batch = pv_profiles_pu(weather, site.latitude, site.longitude, site.altitude_m,
                               [fleet_cfgs[i].physics_kwargs() for i in pv])
        for row, i in enumerate(pv):
            out[i] = np.ascontiguousarray(np.nan_to_num(batch[row], nan=0.0))
    for i, fleet_cfg in enumerate(fleet_cfgs):
        if out[i] is None:
            out[i] = compute_profile(fleet_cfg, site, weather)
    return out


def compute_profile(fleet_cfg, site, weather):
    """Run the physics for one fleet configuration (no caching). [MW/MW]"""
    if fleet_cfg.technology == "hydro":
        local = weather.index.tz_convert(site.timezone)
        return fleet.hydro_profile_pu(np.asarray(local.month), np.asarray(local.hour),
                                      fleet_cfg.monthly_capacity_factor, fleet_cfg.daily_shape)
    if fleet_cfg.technology == "biomass":
        return np.full(len(weather), fleet_cfg.output_pu())
    if fleet_cfg.technology == "pv":
        return compute_profiles([fleet_cfg], site, weather)[0]
    from energysim.physics.wind import wind_profile_pu

    kwargs = fleet_cfg.physics_kwargs()  # the same fields as the cache key
    curve = kwargs.pop("power_curve")
    if curve is not None:
        kwargs["turbine"] = pd.DataFrame({
            "wind_speed": curve.wind_speed_ms,
            "value": units.kw_to_w(np.asarray(curve.power_kw, dtype=float)),
        })
    series = wind_profile_pu(
        weather["wind_speed"], weather["temp_air"], weather["pressure"],
        wind_height_m=float(weather["wind_height_m"].iloc[0]), **kwargs)
    profile = np.ascontiguousarray(np.nan_to_num(series.to_numpy(dtype=float), nan=0.0))
    return profile


# --------------------------------------------------------------------------- annual inputs

#: Fields of a fleet that shape its capacity path, apart from the capacity itself.
_PATH_FIELDS = frozenset({"buildout_share", "buildout", "lifetime_years", "repower",
                          "degradation", "availability_pct"})


def capacity_paths(fleet_cfg, years, memo=None):
    """Installed and effective capacity of one fleet in each simulated year.

    Both are linear in ``capacity_mw`` (share x capacity -> additions -> vintages), so the
    path of one MW is computed once per build-out description and year span and scaled:
    a sweep over capacities costs one multiplication per point and fleet.

    Parameters
    ----------
    fleet_cfg : PVFleet or WindFleet
    years : sequence of int
        The simulated years, consecutive.
    memo : SimulationMemo, optional
        Keeps the paths of 1 MW between calls.

    Returns
    -------
    installed_mw, effective_mw : ndarray, shape (n_years,)
        [MW]
    """
    years = np.asarray(years)
    capacity = fleet_cfg.capacity_mw
    if fleet_cfg.additions_mw is not None or not capacity:
        return _capacity_paths(fleet_cfg, years, capacity)
    unit = unit_capacity_paths(fleet_cfg, years, memo)
    return unit[0] * capacity, unit[1] * capacity


def unit_capacity_paths(fleet_cfg, years, memo=None):
    """Installed and effective capacity of one MW of a fleet's build-out, each year.

    :func:`capacity_paths` is this times ``capacity_mw`` (a sweep over capacities
    multiplies whole arrays of capacities by it). For a fleet given by its capacity
    (not by ``additions_mw``).

    Parameters
    ----------
    fleet_cfg : PVFleet or WindFleet
    years : sequence of int
        The simulated years, consecutive.
    memo : SimulationMemo, optional
        Keeps the paths between calls.

    Returns
    -------
    installed_mw, effective_mw : ndarray, shape (n_years,)
        Read-only when from ``memo``. [MW/MW]

    Raises
    ------
    ScenarioError
        The build-out cannot be built (the message names the fleet's real capacity).
    """
    years = np.asarray(years)
    key = (fleet_cfg.technology, fleet_cfg.model_dump_json(include=_PATH_FIELDS),
           int(years[0]), int(years[-1]))
    try:
        return (memo.unit_paths(key, lambda: _capacity_paths(fleet_cfg, years, 1.0))
                if memo is not None else _capacity_paths(fleet_cfg, years, 1.0))
    except ScenarioError:
        _capacity_paths(fleet_cfg, years, fleet_cfg.capacity_mw)  # the message in real MW
        raise


def _capacity_paths(fleet_cfg, years, capacity):
    additions = additions_path(fleet_cfg, years, capacity)
    deg = fleet_cfg.degradation
    return fleet.vintage_capacity(additions, fleet_cfg.lifetime_years, fleet_cfg.repower,
                                  deg.first_year_loss_pct, deg.annual_rate_pct,
                                  fleet_cfg.availability_pct)


def additions_path(fleet_cfg, years, capacity=None):
    """Nameplate commissioned in each simulated year (before retirement). [MW]"""
    years = np.asarray(years)
    capacity = fleet_cfg.capacity_mw if capacity is None else capacity
    where = f"[{fleet_cfg.technology}.{fleet_cfg.name}]"
    if fleet_cfg.additions_mw is not None:
        # The scenario checked the years lie in range and the additions are >= 0.
        additions = np.zeros(years.size)
        for year, mw in fleet_cfg.additions_mw.items():
            additions[year - years[0]] += mw
    else:
        if fleet_cfg.buildout_share is not None:
            share = fleet.interpolate_points(fleet_cfg.buildout_share, years)
            # Before the first point nothing is built yet: held only *after* the last point.
            share[years < min(fleet_cfg.buildout_share)] = 0.0
        elif fleet_cfg.buildout is not None:
            shape = fleet_cfg.buildout
            if shape.shape == "linear":
                target = shape.target_year or fleet.fyp_end_year(shape.by_fyp)
                start = shape.start_year if shape.start_year is not None else int(years[0])
                share = fleet.share_linear(years, start, shape.start_share, target)
            else:
                share = fleet.share_logistic(years, shape.midpoint_year, shape.steepness_per_year)
        else:
            share = np.ones(years.size)
        try:
            additions = fleet.additions_from_target(share * capacity, where=f"{where} capacity")
        except ValueError as err:
            raise ScenarioError(str(err)) from None
    return additions


def storage_paths(storage_cfg, scenario, years):
    """Power and usable energy of one storage fleet in each simulated year.

    A paired fleet (``pairing``) follows the pairing rule on the scenario's PV and wind
    additions (:func:`energysim.fleet.paired_storage_additions`); otherwise its power
    follows its own build-out and its energy is power x ``duration_h``.

    Returns
    -------
    installed_mw, effective_mw, usable_mwh : ndarray, shape (n_years,)
        Power in operation; power x degradation x availability; energy above the
        minimum state of charge (effective). [MW], [MW], [MWh]
    """
    years = np.asarray(years)
    deg = storage_cfg.degradation
    keep = 1.0 - units.pct_to_fraction(storage_cfg.min_soc_pct)
    if storage_cfg.pairing is None:
        installed, effective = capacity_paths(storage_cfg, years)
        return installed, effective, effective * storage_cfg.duration_h * keep
    added = sum(additions_path(f, years) for f in (*scenario.pv, *scenario.wind))
    power, energy = fleet.paired_storage_additions(added, years, storage_cfg.pairing)
    args = (storage_cfg.lifetime_years, storage_cfg.repower, deg.first_year_loss_pct,
            deg.annual_rate_pct, storage_cfg.availability_pct)
    installed, effective = fleet.vintage_capacity(power, *args)
    _, energy_effective = fleet.vintage_capacity(energy, *args)
    return installed, effective, energy_effective * keep


def emission_factor_path(grid, years):
    """Annual grid emission factor and a note on where it comes from. [tCO2/MWh]"""
    if grid.emission_factor_t_per_mwh is not None:
        return carbon.points_or_constant(grid.emission_factor_t_per_mwh, years), "scenario points"
    spec = grid.emission_factor
    if spec is None:
        path = carbon.preset_path(carbon.DEFAULT_PRESET, years, "decline",
                                  carbon.DEFAULT_DECLINE_PCT_PER_YEAR)
        return path, f"default: {carbon.EMISSION_FACTOR_SOURCES[carbon.DEFAULT_PRESET]}, " \
                     f"-{carbon.DEFAULT_DECLINE_PCT_PER_YEAR} %/yr after 2023"
    path = carbon.preset_path(spec.preset, years, spec.extend, spec.decline_pct_per_year,
                              spec.points_t_per_mwh)
    return path, f"{carbon.EMISSION_FACTOR_SOURCES[spec.preset]}, extended by '{spec.extend}'"


# --------------------------------------------------------------------------- run

def load_scenario_weather(scenario, weather_cache=None):
    """Load the weather a scenario names, checked against its site. [(DataFrame, dict)]

    ``weather_cache`` (``energysim.cache.WeatherCache``: ``key(source, seed)``, ``get(key)``,
    ``put(key, data, meta)``) keeps generated ``builtin:`` years on disk, so a later run
    neither imports pvlib and scipy nor regenerates the year.
    """
    source = scenario.weather.source
    if scenario.weather_years_given():
        raise ScenarioError(f"[weather] source = {source!r} names several weather years (a list "
                            "or a glob): run with --weather-years N, or give one file")
    key = hit = None
    if weather_cache is not None and source.startswith(weather_mod.BUILTIN_SHAOGUAN):
        key = weather_cache.key(source, scenario.weather.seed)
        hit = weather_cache.get(key)
    if hit is not None:
        data, meta = hit
    else:
        data, meta = weather_mod.load_weather(source, base_dir=scenario.base_dir,
                                              seed=scenario.weather.seed)
        if key is not None:
            weather_cache.put(key, data, meta)
    lat = meta.get("latitude")
    if lat is not None and np.sign(lat) != np.sign(scenario.site.latitude) and abs(lat) > 1:
        raise ScenarioError(
            f"{scenario.weather.source}: weather latitude {lat:g} is in the other hemisphere "
            f"from [site] latitude = {scenario.site.latitude:g}: use weather for the site")
    lon = meta.get("longitude")
    if lon is not None:
        offset = (scenario.site.longitude - lon + 180.0) % 360.0 - 180.0
        if abs(offset) > MAX_WEATHER_LONGITUDE_OFFSET_DEG:
            raise ScenarioError(
                f"{scenario.weather.source}: weather longitude {lon:g} is {abs(offset) / 15:.1f} h "
                f"of solar time from [site] longitude = {scenario.site.longitude:g}: use weather "
                f"within {MAX_WEATHER_LONGITUDE_OFFSET_DEG:g} deg of the site")
    if len(data) != weather_mod.HOURS_TYPICAL_YEAR:
        raise WeatherDataError(
            f"{scenario.weather.source}: {len(data)} hourly rows: every simulated year is built "
            f"from one {weather_mod.HOURS_TYPICAL_YEAR}-hour year: give a full year of hourly "
            "data (a typical year, or one calendar year)")
    return data, check_weather_distance(scenario, meta)


def check_weather_distance(scenario, meta):
    """Check the great-circle distance from the weather's coordinates to the site.

    More than :data:`WARN_WEATHER_DISTANCE_KM` warns (:class:`EnergysimWarning`) and is
    recorded in the returned metadata's ``warnings`` (so in the result's provenance); more
    than :data:`MAX_WEATHER_DISTANCE_KM` is an error unless ``[weather] allow_distant``.

    Returns
    -------
    dict
        ``meta``, or a copy with the warning added (``meta`` itself is not modified).

    Raises
    ------
    ScenarioError
        The weather is too far from the site.
    """
    lat, lon = meta.get("latitude"), meta.get("longitude")
    if lat is None or lon is None:
        return meta
    site = scenario.site
    distance_km = weather_mod.great_circle_km(lat, lon, site.latitude, site.longitude)
    if distance_km <= WARN_WEATHER_DISTANCE_KM:
        return meta
    text = (f"{scenario.weather.source}: the weather ({lat:g} N, {lon:g} E) is "
            f"{distance_km:.0f} km from [site] latitude = {site.latitude:g}, longitude = "
            f"{site.longitude:g}")
    if distance_km > MAX_WEATHER_DISTANCE_KM and not scenario.weather.allow_distant:
        raise ScenarioError(f"{text}: at most {MAX_WEATHER_DISTANCE_KM:g} km: use weather "
                            "for the site, or set [weather] allow_distant = true")
    note = f"{text} (more than {WARN_WEATHER_DISTANCE_KM:g} km)"
    warnings.warn(note, EnergysimWarning, stacklevel=3)
    return {**meta, "warnings": [*meta.get("warnings", []), note]}


@dataclass(frozen=True)
class AnnualArrays:
    """Annual results of one scenario as plain arrays, shape (n_years, n_fleets) unless noted.

    Attributes
    ----------
    years : ndarray, shape (n_years,)
    installed_mw, effective_mw : ndarray
        Nameplate in operation; nameplate x degradation x availability. [MW]
    hours_in_year : ndarray, shape (n_years,)
        8760 or 8784. [h]
    generation_mwh, curtailed_mwh, delivered_mwh : ndarray
        [MWh]
    avoided_tco2 : ndarray
        [tCO2]
    emission_factor_t_per_mwh, coal_rate_g_per_kwh, export_limit_mw : ndarray, shape (n_years,)
        [tCO2/MWh], [gce/kWh], [MW]
    dispatch : DispatchArrays or None
        Storage and electrolysers, and what the fleets sent them; ``None`` when the
        scenario has no biomass, storage or electrolyser (the curtailment kernel ran).
    """

    years: np.ndarray
    installed_mw: np.ndarray
    effective_mw: np.ndarray
    hours_in_year: np.ndarray
    generation_mwh: np.ndarray
    curtailed_mwh: np.ndarray
    delivered_mwh: np.ndarray
    avoided_tco2: np.ndarray
    emission_factor_t_per_mwh: np.ndarray
    coal_rate_g_per_kwh: np.ndarray
    export_limit_mw: np.ndarray
    emission_factor_note: str
    dispatch: "DispatchArrays | None" = None


@dataclass(frozen=True)
class DispatchArrays:
    """What the hourly dispatch adds to :class:`AnnualArrays` (issue 12).

    Attributes
    ----------
    fleet_charged_mwh, fleet_consumed_mwh : ndarray, shape (n_years, n_fleets)
        Each fleet's energy sent into storage and to electrolysers. [MWh]
    fleet_backoff_mwh : ndarray, shape (n_years, n_fleets)
        Dispatchable (biomass) output not produced because the limit bound. [MWh]
    storage_installed_mw, storage_effective_mw : ndarray, shape (n_years, n_storage)
        [MW]
    storage_usable_mwh, storage_min_mwh : ndarray, shape (n_years, n_storage)
        Energy above the minimum state of charge, and that minimum. [MWh]
    storage_charged_mwh, storage_discharged_mwh : ndarray, shape (n_years, n_storage)
        [MWh]
    storage_energy_end_mwh : ndarray, shape (n_years, n_storage)
        Usable energy at the end of each year (carried into the next). [MWh]
    storage_avoided_tco2 : ndarray, shape (n_years, n_storage)
        Discharge x emission factor (x hourly shape). [tCO2]
    electrolyser_installed_mw, electrolyser_effective_mw : ndarray, shape (n_years, n_elec)
        [MW]
    electrolyser_consumed_mwh, electrolyser_hydrogen_t, electrolyser_avoided_tco2 : ndarray
        shape (n_years, n_elec). [MWh], [tH2], [tCO2]
    """

    fleet_charged_mwh: np.ndarray
    fleet_consumed_mwh: np.ndarray
    fleet_backoff_mwh: np.ndarray
    storage_installed_mw: np.ndarray
    storage_effective_mw: np.ndarray
    storage_usable_mwh: np.ndarray
    storage_min_mwh: np.ndarray
    storage_charged_mwh: np.ndarray
    storage_discharged_mwh: np.ndarray
    storage_energy_end_mwh: np.ndarray
    storage_avoided_tco2: np.ndarray
    electrolyser_installed_mw: np.ndarray
    electrolyser_effective_mw: np.ndarray
    electrolyser_consumed_mwh: np.ndarray
    electrolyser_hydrogen_t: np.ndarray
    electrolyser_avoided_tco2: np.ndarray


#: Fields of a grid table its yearly paths are made of (:func:`_grid_paths`).
_GRID_PATH_FIELDS = frozenset({"emission_factor_t_per_mwh", "emission_factor",
                               "export_limit_mw", "coal_rate_g_per_kwh"})


def _path_key(fleet_cfg):
    # What decides a fleet's capacity paths for given years: its technology and fields.
    return (fleet_cfg.technology, fleet_cfg.model_dump_json(
        include=_PATH_FIELDS | {"capacity_mw", "additions_mw"}))


def _grid_paths(grid, years):
    """Emission factor [tCO2/MWh] and its note, export limit [MW], coal rate [gce/kWh]."""
    ef, note = emission_factor_path(grid, years)
    limit = (np.full(len(years), np.inf) if grid.export_limit_mw is None
             else carbon.points_or_constant(grid.export_limit_mw, years))
    coal = carbon.points_or_constant(
        grid.coal_rate_g_per_kwh or carbon.DEFAULT_COAL_RATE_G_PER_KWH, years)
    return ef, note, limit, coal


def simulate_batch(scenarios, weather, weather_meta, profile_cache=None, memo=None,
                   timings=None):
    """Annual arrays for many scenarios that share one weather year.

    Scenarios are grouped by their fleets' physical configuration and their years; each
    group's profiles are computed (or fetched) once and the kernels run over the whole
    group at once. This is what makes a sweep over build-out, emission paths or export
    limits cost arithmetic only.

    Parameters
    ----------
    scenarios : sequence of Scenario
        Validated scenarios; their weather must be ``weather``.
    weather, weather_meta : pandas.DataFrame, dict
        The canonical weather year and its metadata.
    profile_cache : optional
        On-disk profile cache (see :func:`profile_for`).
    memo : SimulationMemo, optional
        In-memory profiles and capacity paths kept between calls (default: a new one,
        dropped at return).
    timings : dict, optional
        If given, seconds spent are added under ``"physics"`` (profiles) and ``"kernels"``
        (everything else). [s]

    Returns
    -------
    list of AnnualArrays
        In the order of ``scenarios``.
    """
    started = time.perf_counter()
    physics_s = 0.0
    if memo is None:
        memo = SimulationMemo()
    n_hours = len(weather)
    utc_offset_h = weather_meta.get("utc_offset_h", 0.0)
    local_hour = (np.arange(n_hours) + _first_local_hour(weather, utc_offset_h)) % 24
    groups = {}
    for i, scenario in enumerate(scenarios):
        key = (scenario.years, tuple(f.physics_signature() for f in scenario.fleets),
               (scenario.site.latitude, scenario.site.longitude, scenario.site.altitude_m),
               dispatch_signature(scenario))
        groups.setdefault(key, []).append(i)
    results = [None] * len(scenarios)
    # Scenarios of a sweep share fleet and grid tables: compute each distinct capacity path
    # and grid path (by content, per year span) and each year span's hour weights once.
    weights_memo = {}
    for members in groups.values():
        first = scenarios[members[0]]
        years = np.array(first.year_list)
        paths_memo, grid_memo = {}, {}
        physics_started = time.perf_counter()
        profiles = np.vstack([profile_for(f, first.site, weather, weather_meta, profile_cache,
                                          memo) for f in first.fleets])
        physics_s += time.perf_counter() - physics_started
        weights = weights_memo.get(first.years)
        if weights is None:
            weights = weights_memo[first.years] = year_hour_weights(years, n_hours)
        hours = weights.sum(axis=1)
        n_fleets = len(first.fleets)
        installed = np.empty((len(members), years.size, n_fleets))
        effective = np.empty_like(installed)
        limit = np.empty((len(members), years.size))
        ef = np.empty_like(limit)
        coal = np.empty_like(limit)
        rate = np.empty((len(members), 1, n_fleets))
        shapes, notes = [], []
        for j, index in enumerate(members):
            scenario = scenarios[index]
            for f, cfg in enumerate(scenario.fleets):
                key = _path_key(cfg)
                if key not in paths_memo:
                    paths_memo[key] = capacity_paths(cfg, years, memo)
                installed[j, :, f], effective[j, :, f] = paths_memo[key]
                rate[j, 0, f] = units.pct_to_fraction(cfg.curtailment_pct)
            grid = scenario.grid
            key = grid.model_dump_json(include=_GRID_PATH_FIELDS)
            if key not in grid_memo:
                grid_memo[key] = _grid_paths(grid, years)
            ef[j], note, limit[j], coal[j] = grid_memo[key]
            notes.append(note)
            shapes.append(grid.emission_factor_hourly_shape)
        # The hourly emission shape enters the kernel; scenarios differing in it run apart.
        by_shape = {}
        for j, shape in enumerate(shapes):
            by_shape.setdefault(None if shape is None else tuple(shape), []).append(j)
        if first.needs_dispatch:
            year_rows = weights_memo.get(("rows", first.years))
            if year_rows is None:
                year_rows = weights_memo[("rows", first.years)] = _year_rows(years, n_hours)
            for shape, rows in by_shape.items():
                hourly = carbon.hourly_shape(shape, n_hours, local_hour)
                arrays = _dispatch_rows([scenarios[members[j]] for j in rows], years, profiles,
                                        weights, year_rows, hourly, effective[rows], limit[rows],
                                        ef[rows], rate[rows])
                for k, j in enumerate(rows):
                    results[members[j]] = AnnualArrays(
                        years=years, installed_mw=installed[j], effective_mw=effective[j],
                        hours_in_year=hours, coal_rate_g_per_kwh=coal[j],
                        export_limit_mw=limit[j], emission_factor_t_per_mwh=ef[j],
                        emission_factor_note=notes[j], **arrays[k])
            continue
        for shape, rows in by_shape.items():
            hourly = carbon.hourly_shape(shape, n_hours, local_hour)
            out = kernels.annual_energy(profiles, effective[rows],
                                        limit[rows], ef[rows], weights, hourly)
            # A plain annual curtailment rate applies to what the export limit left.
            extra = (out["generation_mwh"] - out["curtailed_mwh"]) * rate[rows]
            curtailed = out["curtailed_mwh"] + extra
            avoided = out["avoided_tco2"] * (1.0 - rate[rows])
            for k, j in enumerate(rows):
                results[members[j]] = AnnualArrays(
                    years=years, installed_mw=installed[j], effective_mw=effective[j],
                    hours_in_year=hours, generation_mwh=out["generation_mwh"][k],
                    curtailed_mwh=curtailed[k],
                    delivered_mwh=out["generation_mwh"][k] - curtailed[k],
                    avoided_tco2=avoided[k], emission_factor_t_per_mwh=ef[j],
                    coal_rate_g_per_kwh=coal[j], export_limit_mw=limit[j],
                    emission_factor_note=notes[j])
    if timings is not None:
        timings["physics"] = timings.get("physics", 0.0) + physics_s
        timings["kernels"] = (timings.get("kernels", 0.0) + time.perf_counter() - started
                              - physics_s)
    return results


def simulate_numbers(scenario, weather, weather_meta, *, capacity_mw=None,
                     export_limit_mw=None, emission_factor_t_per_mwh=None, n_points=None,
                     memo=None, profile_cache=None):
    """Annual arrays of many variants of one scenario that differ only in numbers.

    Variant ``i`` is ``scenario`` with fleet ``f``'s capacity ``capacity_mw[f][i]``, the
    export limit path ``export_limit_mw[i]`` and the emission factor path
    ``emission_factor_t_per_mwh[i]`` (each where given; the scenario's own otherwise).
    Each variant's numbers are bit for bit those :func:`simulate_batch` gives the
    scenario with those values validated: capacity paths are the path of one MW times
    the capacity, and the curtailment kernel gives every scenario of a batch the bits it
    gets alone. No scenario is built per variant: a sweep of a million points costs array
    arithmetic and kernel time. Scenarios needing the dispatch kernel (biomass, storage,
    electrolysers) and fleets given by ``additions_mw`` whose capacity varies are not
    for this function (:func:`simulate_batch` runs them).

    Parameters
    ----------
    scenario : Scenario
        The validated scenario the variants share everything else with.
    weather, weather_meta : pandas.DataFrame, dict
        The canonical weather year and its metadata.
    capacity_mw : dict of int to ndarray, optional
        Fleet index (in ``scenario.fleets``) -> capacity of each variant,
        shape (n_points,). [MW]
    export_limit_mw, emission_factor_t_per_mwh : ndarray, optional
        Shape (n_points, n_years): each variant's path. [MW], [tCO2/MWh]
    n_points : int, optional
        Number of variants when no array is given.
    memo : SimulationMemo, optional
        Profiles and capacity paths of 1 MW kept between calls.
    profile_cache : optional
        On-disk profile cache (see :func:`profile_for`).

    Returns
    -------
    dict of ndarray
        ``years`` (n_years,), ``hours_in_year`` (n_years,) [h]; shape
        (n_points, n_years, n_fleets): ``installed_mw``, ``effective_mw`` [MW],
        ``generation_mwh``, ``curtailed_mwh``, ``delivered_mwh`` [MWh], ``avoided_tco2``
        [tCO2]; shape (n_points, n_years): ``export_limit_mw`` [MW],
        ``emission_factor_t_per_mwh`` [tCO2/MWh], ``coal_rate_g_per_kwh`` [gce/kWh].

    Raises
    ------
    ValueError
        The scenario needs the dispatch kernel, or a varied fleet is given by additions.
    """
    capacity_mw = capacity_mw or {}
    if scenario.needs_dispatch:
        raise ValueError("simulate_numbers: the scenario needs the dispatch kernel: use "
                         "simulate_batch")
    sizes = {len(np.asarray(v)) for v in (*capacity_mw.values(), export_limit_mw,
                                           emission_factor_t_per_mwh) if v is not None}
    if n_points is not None:
        sizes.add(int(n_points))
    if len(sizes) != 1:
        raise ValueError(f"simulate_numbers: give n_points or arrays of one length, got {sizes}")
    n = sizes.pop()
    if memo is None:
        memo = SimulationMemo()
    years = np.array(scenario.year_list)
    n_hours = len(weather)
    fleets = scenario.fleets
    shape = scenario.grid.emission_factor_hourly_shape
    key = (tuple(profile_key(f, scenario.site, weather_meta) for f in fleets),
           scenario.years, n_hours, None if shape is None else tuple(shape))

    def prepare():
        profiles = np.vstack([profile_for(f, scenario.site, weather, weather_meta,
                                          profile_cache, memo) for f in fleets])
        utc_offset_h = weather_meta.get("utc_offset_h", 0.0)
        local_hour = (np.arange(n_hours) + _first_local_hour(weather, utc_offset_h)) % 24
        weights = year_hour_weights(years, n_hours)
        prepared = kernels.prepare_profiles(profiles, weights,
                                            carbon.hourly_shape(shape, n_hours, local_hour))
        return prepared, read_only(weights.sum(axis=1))

    prepared, hours = memo.prepared(key, prepare)
    installed = np.empty((n, years.size, len(fleets)))
    effective = np.empty_like(installed)
    rate = np.empty((1, 1, len(fleets)))
    for f, cfg in enumerate(fleets):
        if f in capacity_mw:
            if cfg.additions_mw is not None:
                raise ValueError(f"simulate_numbers: [{cfg.technology}.{cfg.name}] is given "
                                 "by additions_mw: its capacity cannot vary")
            cap = np.asarray(capacity_mw[f], dtype=float)
            unit_installed, unit_effective = unit_capacity_paths(cfg, years, memo)
            np.multiply(unit_installed[None, :], cap[:, None], out=installed[:, :, f])
            np.multiply(unit_effective[None, :], cap[:, None], out=effective[:, :, f])
            if not cap.all():  # a zero capacity: the path capacity_paths gives it
                zero = np.flatnonzero(cap == 0)
                paths = capacity_paths(cfg.model_copy(update={"capacity_mw": 0.0}), years)
                installed[zero, :, f], effective[zero, :, f] = paths
        else:
            installed[:, :, f], effective[:, :, f] = capacity_paths(cfg, years, memo)
        rate[0, 0, f] = units.pct_to_fraction(cfg.curtailment_pct)
    ef, _, limit, coal = _grid_paths(scenario.grid, years)
    limit = (np.broadcast_to(limit, (n, years.size)) if export_limit_mw is None
             else np.asarray(export_limit_mw, dtype=float))
    ef = (np.broadcast_to(ef, (n, years.size)) if emission_factor_t_per_mwh is None
          else np.asarray(emission_factor_t_per_mwh, dtype=float))
    out = kernels.annual_energy(None, effective, limit, ef, None, prepared=prepared)
    # The same arithmetic as simulate_batch: a plain annual curtailment rate applies to
    # what the export limit left.
    extra = (out["generation_mwh"] - out["curtailed_mwh"]) * rate
    curtailed = out["curtailed_mwh"] + extra
    return {"years": years, "hours_in_year": hours, "installed_mw": installed,
            "effective_mw": effective, "generation_mwh": out["generation_mwh"],
            "curtailed_mwh": curtailed, "delivered_mwh": out["generation_mwh"] - curtailed,
            "avoided_tco2": out["avoided_tco2"] * (1.0 - rate),
            "export_limit_mw": limit, "emission_factor_t_per_mwh": ef,
            "coal_rate_g_per_kwh": np.broadcast_to(coal, (n, years.size))}


def dispatch_signature(scenario):
    """What of a scenario's storage and electrolysers the dispatch kernel takes as constants
    (scenarios differing in it run apart). [tuple]"""
    return (tuple(s.round_trip_efficiency for s in scenario.storage),
            tuple((e.min_load_pct, tuple(e.supply) if isinstance(e.supply, list) else e.supply)
                  for e in scenario.electrolyser))


def _year_rows(years, n_hours):
    rows = [typical_year_rows(int(y), n_hours) for y in years]
    out = np.zeros((len(rows), max(r.size for r in rows)), dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, :r.size] = r
    return out, np.array([r.size for r in rows], dtype=np.int64)


def _dispatch_inputs(scenario, years):
    """Per-unit constants and yearly paths of storage and electrolysers of one scenario."""
    n_years = len(years)
    names = [f.name for f in scenario.fleets]
    store = [storage_paths(cfg, scenario, years) for cfg in scenario.storage]
    elec = [capacity_paths(cfg, years) for cfg in scenario.electrolyser]

    def stack(parts, i):
        return (np.stack([p[i] for p in parts], axis=1) if parts
                else np.zeros((n_years, 0)))

    keep = np.array([1.0 - units.pct_to_fraction(c.min_soc_pct) for c in scenario.storage])
    usable = stack(store, 2)
    supply = np.zeros((len(scenario.electrolyser), len(names)), dtype=np.int64)
    for k, cfg in enumerate(scenario.electrolyser):
        if isinstance(cfg.supply, list):
            for name in cfg.supply:
                supply[k, names.index(name)] = 1
    return {
        "storage_installed_mw": stack(store, 0), "storage_effective_mw": stack(store, 1),
        "storage_usable_mwh": usable,
        # usable = total x (1 - min share) -> minimum = usable x min / (1 - min)
        "storage_min_mwh": usable * (1.0 - keep) / keep if keep.size else usable,
        "rte": np.array([c.round_trip_efficiency for c in scenario.storage]),
        "electrolyser_installed_mw": stack(elec, 0), "electrolyser_effective_mw": stack(elec, 1),
        "min_load": np.array([units.pct_to_fraction(c.min_load_pct)
                              for c in scenario.electrolyser]),
        "supply": supply,
        "dispatchable": np.array([f.technology == "biomass" for f in scenario.fleets],
                                 dtype=np.int64),
    }


def _dispatch_rows(scenarios, years, profiles, weights, year_rows, ef_shape, effective, limit,
                   ef, rate):
    """Run the dispatch kernel for scenarios sharing profiles and unit constants.

    Returns one dict of :class:`AnnualArrays` fields per scenario (the fleet and dispatch
    parts; the caller adds capacity, grid and note fields).
    """
    inputs = [_dispatch_inputs(s, years) for s in scenarios]
    first = inputs[0]
    out = kernels.dispatch_energy(
        profiles, effective, limit, year_rows[0], year_rows[1],
        dispatchable=first["dispatchable"], hour_weights=weights, ef_shape=ef_shape,
        storage_power_mw=np.stack([i["storage_effective_mw"] for i in inputs]),
        storage_usable_mwh=np.stack([i["storage_usable_mwh"] for i in inputs]),
        storage_rte=first["rte"],
        elec_capacity_mw=np.stack([i["electrolyser_effective_mw"] for i in inputs]),
        elec_min_load=first["min_load"], elec_supply=first["supply"])
    fl, st, el = out["fleet"], out["store"], out["elec"]
    results = []
    for k, (scenario, inp) in enumerate(zip(scenarios, inputs)):
        gen = fl[k, :, :, kernels.FLEET_GENERATION]
        delivered = fl[k, :, :, kernels.FLEET_DELIVERED]
        # A plain annual curtailment rate applies to what reached the grid.
        extra = delivered * rate[k]
        hydrogen = np.stack([units.hydrogen_t_from_mwh(el[k, :, i], c.kwh_per_kg)
                             for i, c in enumerate(scenario.electrolyser)], axis=1) \
            if scenario.electrolyser else np.zeros((len(years), 0))
        displaced = np.array([c.displaced_kgco2_per_kg for c in scenario.electrolyser])
        results.append({
            "generation_mwh": gen,
            "curtailed_mwh": fl[k, :, :, kernels.FLEET_CURTAILED] + extra,
            "delivered_mwh": delivered - extra,
            "avoided_tco2": fl[k, :, :, kernels.FLEET_DELIVERED_SHAPED] * (1.0 - rate[k])
                            * ef[k][:, None],
            "dispatch": DispatchArrays(
                fleet_charged_mwh=fl[k, :, :, kernels.FLEET_CHARGED],
                fleet_consumed_mwh=fl[k, :, :, kernels.FLEET_CONSUMED],
                fleet_backoff_mwh=fl[k, :, :, kernels.FLEET_BACKOFF],
                storage_installed_mw=inp["storage_installed_mw"],
                storage_effective_mw=inp["storage_effective_mw"],
                storage_usable_mwh=inp["storage_usable_mwh"],
                storage_min_mwh=inp["storage_min_mwh"],
                storage_charged_mwh=st[k, :, :, kernels.STORE_CHARGED],
                storage_discharged_mwh=st[k, :, :, kernels.STORE_DISCHARGED],
                storage_energy_end_mwh=st[k, :, :, kernels.STORE_ENERGY_END],
                storage_avoided_tco2=st[k, :, :, kernels.STORE_DISCHARGED_SHAPED] * ef[k][:, None],
                electrolyser_installed_mw=inp["electrolyser_installed_mw"],
                electrolyser_effective_mw=inp["electrolyser_effective_mw"],
                electrolyser_consumed_mwh=el[k],
                electrolyser_hydrogen_t=hydrogen,
                electrolyser_avoided_tco2=units.co2_t_from_hydrogen_t(hydrogen, displaced)),
        })
    return results


def run_scenario(scenario, weather=None, weather_meta=None, profile_cache=None, memo=None):
    """Simulate one scenario.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    weather, weather_meta : pandas.DataFrame and dict, optional
        A canonical weather year and its metadata; loaded from ``scenario.weather`` if
        omitted.
    profile_cache : optional
        On-disk profile cache (see :func:`profile_for`).
    memo : SimulationMemo, optional
        In-memory profiles kept between calls (default: one for this call).

    Returns
    -------
    Result
    """
    if weather is None:
        weather, weather_meta = load_scenario_weather(scenario)
    if memo is None:
        memo = SimulationMemo()
    timings = {}
    arrays = simulate_batch([scenario], weather, weather_meta, profile_cache, memo,
                            timings)[0]
    tables_started = time.perf_counter()
    fleets = scenario.fleets
    annual = _annual_table(fleets, arrays)
    if arrays.dispatch is not None:
        annual = _with_dispatch_rows(annual, scenario, arrays)
    totals = _totals_table(scenario, annual)
    profiles = np.vstack([profile_for(f, scenario.site, weather, weather_meta, profile_cache, memo)
                          for f in fleets])
    rate = np.array([units.pct_to_fraction(f.curtailment_pct) for f in fleets])
    utc_offset_h = weather_meta.get("utc_offset_h", 0.0)
    hourly = {}
    # Default: the first year with the full build-out (what the typical-day figures show).
    for year in scenario.output.hourly_years or [full_buildout_year(totals)]:
        i = int(year - scenario.years[0])
        if arrays.dispatch is not None:
            hourly[year] = _dispatch_hourly_table(year, i, scenario, profiles, arrays,
                                                  weather, utc_offset_h, rate)
            continue
        hourly[year] = _hourly_table(year, fleets, profiles, arrays.effective_mw[i],
                                     arrays.export_limit_mw[i], utc_offset_h, rate)
    metadata = _provenance(scenario, weather_meta, arrays.emission_factor_note)
    summary = _summary(scenario, annual, totals)
    logger.info("%s: physics %.2f s (%d fleets), kernels %.2f s, tables %.2f s", scenario.name,
                timings["physics"], len(fleets), timings["kernels"],
                time.perf_counter() - tables_started)
    return Result(name=scenario.name, annual=annual, totals=totals, hourly=hourly,
                  summary=summary, metadata=metadata)


def _first_local_hour(weather, utc_offset_h):
    first = weather.index[0] + pd.Timedelta(hours=utc_offset_h)
    return int(first.hour)


def _annual_table(fleets, arrays):
    n_years, n_fleets = arrays.installed_mw.shape
    frame = pd.DataFrame({
        "year": np.repeat(arrays.years, n_fleets),
        "fleet": np.tile([f.name for f in fleets], n_years),
        "technology": np.tile([f.technology for f in fleets], n_years),
        "installed_mw": arrays.installed_mw.ravel(),
        "effective_mw": arrays.effective_mw.ravel(),
        "hours_in_year": np.repeat(arrays.hours_in_year, n_fleets),
        "generation_mwh": arrays.generation_mwh.ravel(),
        "curtailed_mwh": arrays.curtailed_mwh.ravel(),
        "delivered_mwh": arrays.delivered_mwh.ravel(),
    })
    with np.errstate(invalid="ignore", divide="ignore"):
        flh = np.where(frame.installed_mw > 0, frame.delivered_mwh / frame.installed_mw, 0.0)
    frame["capacity_factor"] = flh / frame["hours_in_year"]
    frame["full_load_hours"] = flh
    frame["emission_factor_t_per_mwh"] = np.repeat(arrays.emission_factor_t_per_mwh, n_fleets)
    frame["avoided_tco2"] = arrays.avoided_tco2.ravel()
    frame["cumulative_avoided_tco2"] = frame.groupby("fleet", sort=False)["avoided_tco2"].cumsum()
    frame["coal_rate_g_per_kwh"] = np.repeat(arrays.coal_rate_g_per_kwh, n_fleets)
    frame["avoided_coal_tce"] = units.coal_t_from_mwh(frame.delivered_mwh, frame.coal_rate_g_per_kwh)
    frame["cumulative_avoided_coal_tce"] = frame.groupby("fleet", sort=False)["avoided_coal_tce"].cumsum()
    return frame


#: Columns the annual table gains when the scenario has biomass, storage or electrolysers.
DISPATCH_COLUMNS = ("charged_mwh", "discharged_mwh", "consumed_mwh", "hydrogen_t")


def _with_dispatch_rows(annual, scenario, arrays):
    """Add the dispatch columns to the fleet rows and one row per storage and electrolyser
    and year: storage delivers its discharge (generation 0); an electrolyser delivers
    nothing and avoids hydrogen_t x displaced_kgco2_per_kg."""
    d = arrays.dispatch
    years = arrays.years
    annual = annual.copy()
    annual["charged_mwh"] = d.fleet_charged_mwh.ravel()
    annual["discharged_mwh"] = 0.0
    annual["consumed_mwh"] = d.fleet_consumed_mwh.ravel()
    annual["hydrogen_t"] = 0.0
    parts = [annual]
    n_years = years.size
    zeros = np.zeros(n_years)
    for b, cfg in enumerate(scenario.storage):
        parts.append(pd.DataFrame({
            "year": years, "fleet": cfg.name, "technology": "storage",
            "installed_mw": d.storage_installed_mw[:, b],
            "effective_mw": d.storage_effective_mw[:, b], "hours_in_year": arrays.hours_in_year,
            "generation_mwh": zeros, "curtailed_mwh": zeros,
            "delivered_mwh": d.storage_discharged_mwh[:, b],
            "emission_factor_t_per_mwh": arrays.emission_factor_t_per_mwh,
            "avoided_tco2": d.storage_avoided_tco2[:, b],
            "coal_rate_g_per_kwh": arrays.coal_rate_g_per_kwh,
            "charged_mwh": d.storage_charged_mwh[:, b],
            "discharged_mwh": d.storage_discharged_mwh[:, b], "consumed_mwh": zeros,
            "hydrogen_t": zeros}))
    for k, cfg in enumerate(scenario.electrolyser):
        parts.append(pd.DataFrame({
            "year": years, "fleet": cfg.name, "technology": "electrolyser",
            "installed_mw": d.electrolyser_installed_mw[:, k],
            "effective_mw": d.electrolyser_effective_mw[:, k],
            "hours_in_year": arrays.hours_in_year, "generation_mwh": zeros,
            "curtailed_mwh": zeros, "delivered_mwh": zeros,
            "emission_factor_t_per_mwh": arrays.emission_factor_t_per_mwh,
            "avoided_tco2": d.electrolyser_avoided_tco2[:, k],
            "coal_rate_g_per_kwh": arrays.coal_rate_g_per_kwh, "charged_mwh": zeros,
            "discharged_mwh": zeros, "consumed_mwh": d.electrolyser_consumed_mwh[:, k],
            "hydrogen_t": d.electrolyser_hydrogen_t[:, k]}))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["year"], kind="stable", ignore_index=True)
    new = frame.technology.isin(["storage", "electrolyser"])
    # Capacity factor and full-load hours: of the discharge for storage, of the input
    # for an electrolyser (its utilisation).
    base = np.where(frame.technology == "electrolyser", frame.consumed_mwh, frame.delivered_mwh)
    with np.errstate(invalid="ignore", divide="ignore"):
        flh = np.where(frame.installed_mw > 0, base / frame.installed_mw, 0.0)
    frame.loc[new, "full_load_hours"] = flh[new]
    frame.loc[new, "capacity_factor"] = (flh / frame.hours_in_year)[new]
    frame["cumulative_avoided_tco2"] = frame.groupby("fleet", sort=False)["avoided_tco2"].cumsum()
    frame["avoided_coal_tce"] = units.coal_t_from_mwh(frame.delivered_mwh, frame.coal_rate_g_per_kwh)
    frame["cumulative_avoided_coal_tce"] = frame.groupby("fleet", sort=False)["avoided_coal_tce"].cumsum()
    front = [c for c in annual.columns if c not in DISPATCH_COLUMNS]
    return frame[front + list(DISPATCH_COLUMNS)]


def _totals_table(scenario, annual):
    sums = annual.groupby("year", sort=True)[
        ["installed_mw", "generation_mwh", "curtailed_mwh", "delivered_mwh", "avoided_tco2",
         "avoided_coal_tce"]].sum()
    by_tech = annual.pivot_table(index="year", columns="technology", values="installed_mw",
                                 aggfunc="sum")
    for tech in ("pv", "wind"):
        sums[f"installed_{tech}_mw"] = by_tech[tech] if tech in by_tech else 0.0
    for tech in ("hydro", "biomass", "storage", "electrolyser"):
        if tech in by_tech:
            sums[f"installed_{tech}_mw"] = by_tech[tech]
    if "charged_mwh" in annual:
        # Storage power and electrolyser input are not generating capacity.
        units_rows = annual.technology.isin(["storage", "electrolyser"])
        sums["installed_mw"] = annual[~units_rows].groupby("year", sort=True)["installed_mw"].sum()
        for column, tech in (("charged_mwh", "storage"), ("discharged_mwh", "storage"),
                             ("consumed_mwh", "electrolyser"), ("hydrogen_t", "electrolyser")):
            rows = annual[annual.technology == tech]
            sums[column] = (rows.groupby("year", sort=True)[column].sum()
                            .reindex(sums.index, fill_value=0.0))
    sums["cumulative_avoided_tco2"] = sums["avoided_tco2"].cumsum()
    sums["cumulative_avoided_coal_tce"] = sums["avoided_coal_tce"].cumsum()
    sums["emission_factor_t_per_mwh"] = annual.groupby("year", sort=True)["emission_factor_t_per_mwh"].first()
    baseline = scenario.targets.baseline_emissions_mt
    if baseline:
        base_t = carbon.baseline_emissions_t(baseline, sums.index,
                                             scenario.targets.baseline_decline_pct_per_year)
        sums["baseline_emissions_tco2"] = base_t
        sums["baseline_offset_share"] = sums["avoided_tco2"] / base_t
    for target in scenario.targets.capacity:
        column = f"target_{target.technology}_{target.year}_progress"
        sums[column] = sums[f"installed_{target.technology}_mw"] / target.capacity_mw
    return sums.reset_index()


def milestone_years(scenario):
    """End of each Five-Year Plan through 2035, the peak and neutrality years, first, last."""
    first, last = scenario.years
    candidates = {first, last, scenario.targets.peak_year, scenario.targets.neutrality_year}
    candidates |= {fleet.fyp_end_year(n) for n in range(14, 17)}
    return sorted(y for y in candidates if first <= y <= last)


def _summary(scenario, annual, totals):
    by_year = totals.set_index("year")
    milestones = []
    for year in milestone_years(scenario):
        row = by_year.loc[year]
        labels = []
        if year == scenario.targets.peak_year:
            labels.append("carbon peak")
        if year == scenario.targets.neutrality_year:
            labels.append("neutrality")
        if year in (fleet.fyp_end_year(n) for n in range(14, 17)):
            labels.append(f"end of {fleet.fyp_label(year)}")
        milestones.append({
            "year": int(year), "label": ", ".join(labels),
            "installed_mw": float(row.installed_mw),
            "installed_wan_kw": float(units.mw_to_wan_kw(row.installed_mw)),
            "installed_pv_mw": float(row.installed_pv_mw),
            "installed_wind_mw": float(row.installed_wind_mw),
            "delivered_mwh": float(row.delivered_mwh),
            "delivered_yi_kwh": float(units.mwh_to_yi_kwh(row.delivered_mwh)),
            "avoided_tco2": float(row.avoided_tco2),
            "avoided_wan_tco2": float(units.t_to_wan_t(row.avoided_tco2)),
            "cumulative_avoided_tco2": float(row.cumulative_avoided_tco2),
            "cumulative_avoided_wan_tco2": float(units.t_to_wan_t(row.cumulative_avoided_tco2)),
            "avoided_coal_tce": float(row.avoided_coal_tce),
            "cumulative_avoided_coal_tce": float(row.cumulative_avoided_coal_tce),
        })
        if "baseline_offset_share" in row:
            milestones[-1]["baseline_emissions_tco2"] = float(row.baseline_emissions_tco2)
            milestones[-1]["baseline_offset_share"] = float(row.baseline_offset_share)
    techs = {}
    for tech, group in annual.groupby("technology", sort=True):
        peak = group.groupby("year")[["installed_mw", "delivered_mwh"]].sum()
        full = peak[peak.installed_mw > 0]
        techs[tech] = {
            "max_installed_mw": float(peak.installed_mw.max()),
            "total_delivered_mwh": float(group.delivered_mwh.sum()),
            "mean_full_load_hours": float((full.delivered_mwh / full.installed_mw).mean()) if len(full) else 0.0,
        }
    return {
        "scenario": scenario.name,
        "years": list(scenario.years),
        "total_delivered_mwh": float(totals.delivered_mwh.sum()),
        "total_curtailed_mwh": float(totals.curtailed_mwh.sum()),
        "total_avoided_tco2": float(totals.avoided_tco2.sum()),
        "total_avoided_coal_tce": float(totals.avoided_coal_tce.sum()),
        "technologies": techs,
        "milestones": milestones,
        "capacity_targets": target_progress(totals, scenario.to_dict()),
    }


def _hourly_table(year, fleets, profiles, effective_mw, limit_mw, utc_offset_h, rate):
    n_fleets, n_hours = profiles.shape
    rows = typical_year_rows(year, n_hours)
    generation = np.empty((n_fleets, n_hours))
    delivered = np.empty((n_fleets, n_hours))
    kernels.hourly_dispatch(profiles, np.ascontiguousarray(effective_mw, dtype=float),
                            float(limit_mw), generation, delivered)
    delivered = delivered * (1.0 - rate)[:, None]
    local = pd.date_range(f"{year}-01-01", periods=rows.size, freq="h")
    time = (local - pd.Timedelta(hours=utc_offset_h)).tz_localize("UTC")
    frames = []
    for f, cfg in enumerate(fleets):
        gen = generation[f, rows]
        dlv = delivered[f, rows]
        frames.append(pd.DataFrame({
            "time": time, "fleet": cfg.name, "technology": cfg.technology,
            "generation_mw": gen, "delivered_mw": dlv, "curtailed_mw": gen - dlv}))
    return pd.concat(frames, ignore_index=True)


def _dispatch_hourly_table(year, i, scenario, profiles, arrays, weather, utc_offset_h, rate):
    """Hourly table of a dispatched year: the fleets, then each storage (state of charge)
    and electrolyser (load), from the year's start state the annual run left."""
    d = arrays.dispatch
    years = arrays.years
    n_hours = profiles.shape[1]
    rows = typical_year_rows(year, n_hours)
    inputs = _dispatch_inputs(scenario, years)
    start = (np.zeros(len(scenario.storage)) if i == 0
             else np.ascontiguousarray(d.storage_energy_end_mwh[i - 1]))
    local_hour = (np.arange(n_hours) + _first_local_hour(weather, utc_offset_h)) % 24
    shape = carbon.hourly_shape(scenario.grid.emission_factor_hourly_shape, n_hours, local_hour)
    n_f, n_b, n_k = profiles.shape[0], len(scenario.storage), len(scenario.electrolyser)
    hf = np.empty((5, n_f, rows.size))
    hs = np.empty((3, n_b, rows.size))
    he = np.empty((n_k, rows.size))
    kernels.dispatch_year(profiles, inputs["dispatchable"],
                          np.ascontiguousarray(arrays.effective_mw[i], dtype=float),
                          float(arrays.export_limit_mw[i]), rows.astype(np.int64), shape,
                          np.ascontiguousarray(inputs["storage_effective_mw"][i]),
                          np.ascontiguousarray(inputs["storage_usable_mwh"][i]), inputs["rte"],
                          start, np.ascontiguousarray(inputs["electrolyser_effective_mw"][i]),
                          inputs["min_load"], inputs["supply"], hf, hs, he)
    local = pd.date_range(f"{year}-01-01", periods=rows.size, freq="h")
    time = (local - pd.Timedelta(hours=utc_offset_h)).tz_localize("UTC")
    zeros = np.zeros(rows.size)
    frames = []
    for f, cfg in enumerate(scenario.fleets):
        gen, dlv, cut = hf[0, f], hf[1, f], hf[2, f]
        lost = dlv * rate[f]  # the annual curtailment rate, as in the annual table
        frames.append(pd.DataFrame({
            "time": time, "fleet": cfg.name, "technology": cfg.technology,
            "generation_mw": gen, "delivered_mw": dlv - lost, "curtailed_mw": cut + lost,
            "charged_mw": hf[3, f], "consumed_mw": hf[4, f], "soc_mwh": np.nan}))
    for b, cfg in enumerate(scenario.storage):
        frames.append(pd.DataFrame({
            "time": time, "fleet": cfg.name, "technology": "storage", "generation_mw": zeros,
            "delivered_mw": hs[1, b], "curtailed_mw": zeros, "charged_mw": hs[0, b],
            "consumed_mw": zeros, "soc_mwh": hs[2, b] + inputs["storage_min_mwh"][i, b]}))
    for k, cfg in enumerate(scenario.electrolyser):
        frames.append(pd.DataFrame({
            "time": time, "fleet": cfg.name, "technology": "electrolyser",
            "generation_mw": zeros, "delivered_mw": zeros, "curtailed_mw": zeros,
            "charged_mw": zeros, "consumed_mw": he[k], "soc_mwh": np.nan}))
    return pd.concat(frames, ignore_index=True)


def _provenance(scenario, weather_meta, ef_note):
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            versions[package] = None
    from energysim.physics import PHYSICS_VERSION

    return {
        "scenario_sha256": scenario.digest(),
        "scenario": scenario.to_dict(),
        "scenario_toml": to_toml(scenario),
        "weather_source": weather_meta.get("source"),
        "weather_sha256": weather_meta.get("sha256"),
        "weather_repairs": list(weather_meta.get("repairs", [])),
        "weather_warnings": list(weather_meta.get("warnings", [])),
        "emission_factor_source": ef_note,
        "physics_version": PHYSICS_VERSION,
        "leap_years": "Feb 29 repeats the typical year's Feb 28",
        "versions": versions,
    }
