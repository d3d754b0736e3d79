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
import warnings
from dataclasses import dataclass
from importlib import metadata as importlib_metadata

import numpy as np
import pandas as pd

from energysim import carbon, fleet, kernels, units
from energysim import weather as weather_mod
from energysim.errors import EnergysimWarning, ScenarioError, WeatherDataError
from energysim.results import Result
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


def compute_profile(fleet_cfg, site, weather):
    """Run the physics for one fleet configuration (no caching). [MW/MW]"""
    kwargs = fleet_cfg.physics_kwargs()  # the same fields as the cache key
    if fleet_cfg.technology == "pv":
        from energysim.physics.solar import pv_profile_pu

        series = pv_profile_pu(weather, site.latitude, site.longitude, site.altitude_m, **kwargs)
    else:
        from energysim.physics.wind import wind_profile_pu

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
    key = (fleet_cfg.technology, fleet_cfg.model_dump_json(include=_PATH_FIELDS),
           int(years[0]), int(years[-1]))
    try:
        unit = (memo.unit_paths(key, lambda: _capacity_paths(fleet_cfg, years, 1.0))
                if memo is not None else _capacity_paths(fleet_cfg, years, 1.0))
    except ScenarioError:
        return _capacity_paths(fleet_cfg, years, capacity)  # the message in real MW
    return unit[0] * capacity, unit[1] * capacity


def _capacity_paths(fleet_cfg, years, capacity):
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
    deg = fleet_cfg.degradation
    return fleet.vintage_capacity(additions, fleet_cfg.lifetime_years, fleet_cfg.repower,
                                  deg.first_year_loss_pct, deg.annual_rate_pct,
                                  fleet_cfg.availability_pct)


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


def _grid_paths(grid, years):
    """Emission factor [tCO2/MWh] and its note, export limit [MW], coal rate [gce/kWh]."""
    ef, note = emission_factor_path(grid, years)
    limit = (np.full(len(years), np.inf) if grid.export_limit_mw is None
             else carbon.points_or_constant(grid.export_limit_mw, years))
    coal = carbon.points_or_constant(
        grid.coal_rate_g_per_kwh or carbon.DEFAULT_COAL_RATE_G_PER_KWH, years)
    return ef, note, limit, coal


def simulate_batch(scenarios, weather, weather_meta, profile_cache=None, memo=None):
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

    Returns
    -------
    list of AnnualArrays
        In the order of ``scenarios``.
    """
    if memo is None:
        memo = SimulationMemo()
    n_hours = len(weather)
    utc_offset_h = weather_meta.get("utc_offset_h", 0.0)
    local_hour = (np.arange(n_hours) + _first_local_hour(weather, utc_offset_h)) % 24
    groups = {}
    for i, scenario in enumerate(scenarios):
        key = (scenario.years, tuple(f.physics_signature() for f in scenario.fleets),
               (scenario.site.latitude, scenario.site.longitude, scenario.site.altitude_m))
        groups.setdefault(key, []).append(i)
    results = [None] * len(scenarios)
    # Sweeps share validated fleet tables between scenarios (energysim.sweep reuses them):
    # compute each fleet's capacity path and each year span's hour weights once per batch.
    paths_memo, weights_memo, grid_memo = {}, {}, {}
    for members in groups.values():
        first = scenarios[members[0]]
        years = np.array(first.year_list)
        profiles = np.vstack([profile_for(f, first.site, weather, weather_meta, profile_cache,
                                          memo) for f in first.fleets])
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
                key = (id(cfg), first.years)  # the scenarios keep cfg alive meanwhile
                if key not in paths_memo:
                    paths_memo[key] = capacity_paths(cfg, years, memo)
                installed[j, :, f], effective[j, :, f] = paths_memo[key]
                rate[j, 0, f] = units.pct_to_fraction(cfg.curtailment_pct)
            grid = scenario.grid
            key = (id(grid), first.years)  # shared grid tables: one set of paths each
            if key not in grid_memo:
                grid_memo[key] = _grid_paths(grid, years)
            ef[j], note, limit[j], coal[j] = grid_memo[key]
            notes.append(note)
            shapes.append(grid.emission_factor_hourly_shape)
        # The hourly emission shape enters the kernel; scenarios differing in it run apart.
        by_shape = {}
        for j, shape in enumerate(shapes):
            by_shape.setdefault(None if shape is None else tuple(shape), []).append(j)
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
    arrays = simulate_batch([scenario], weather, weather_meta, profile_cache, memo)[0]
    fleets = scenario.fleets
    annual = _annual_table(fleets, arrays)
    totals = _totals_table(scenario, annual)
    profiles = np.vstack([profile_for(f, scenario.site, weather, weather_meta, profile_cache, memo)
                          for f in fleets])
    rate = np.array([units.pct_to_fraction(f.curtailment_pct) for f in fleets])
    utc_offset_h = weather_meta.get("utc_offset_h", 0.0)
    hourly = {}
    for year in scenario.output.hourly_years or [scenario.years[0]]:
        i = int(year - scenario.years[0])
        hourly[year] = _hourly_table(year, fleets, profiles, arrays.effective_mw[i],
                                     arrays.export_limit_mw[i], utc_offset_h, rate)
    metadata = _provenance(scenario, weather_meta, arrays.emission_factor_note)
    summary = _summary(scenario, annual, totals)
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


def _totals_table(scenario, annual):
    sums = annual.groupby("year", sort=True)[
        ["installed_mw", "generation_mwh", "curtailed_mwh", "delivered_mwh", "avoided_tco2",
         "avoided_coal_tce"]].sum()
    by_tech = annual.pivot_table(index="year", columns="technology", values="installed_mw",
                                 aggfunc="sum")
    for tech in ("pv", "wind"):
        sums[f"installed_{tech}_mw"] = by_tech[tech] if tech in by_tech else 0.0
    sums["cumulative_avoided_tco2"] = sums["avoided_tco2"].cumsum()
    sums["cumulative_avoided_coal_tce"] = sums["avoided_coal_tce"].cumsum()
    sums["emission_factor_t_per_mwh"] = annual.groupby("year", sort=True)["emission_factor_t_per_mwh"].first()
    baseline = scenario.targets.baseline_emissions_mt
    if baseline:
        base_t = units.mt_to_t(fleet.interpolate_points(baseline, sums.index))
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
            "cumulative_avoided_coal_tce": float(row.cumulative_avoided_coal_tce),
        })
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
