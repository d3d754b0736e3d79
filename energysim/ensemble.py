"""Weather-year ensembles: one scenario over many weather years, and its P50/P90.

Owns the loading of N weather years for a scenario (generated Shaoguan years with
interannual variability, or one file per year), the simulation of the scenario on each
(the weather years are one more batch axis of the annual arithmetic), the ensemble table
and the exceedance figures. It imports ``units``, ``weather``, ``scenario`` and
``simulate``; it writes nothing and never imports ``cli``.

Exceedance in the energy industry's sense: P90 is the value exceeded in 90 % of weather
years, the 10th percentile; P10 the 90th percentile; P50 the median.

A fleet's ``mean_wind_speed_ms`` is the site's long-term mean; in weather year ``i`` the
site mean is that times the year's station mean wind over the ensemble's, so the scaling
to the site keeps each year's anomaly instead of erasing it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from energysim import weather as weather_mod
from energysim.errors import ScenarioError
from energysim.simulate import load_scenario_weather, milestone_years, simulate_batch

#: Exceedance levels reported, as {key: percentile of the weather years}. [%]
EXCEEDANCE_PERCENTILES = {"p90": 10.0, "p50": 50.0, "p10": 90.0}
#: Annual quantities of the ensemble table. [MWh], [tCO2]
ENSEMBLE_COLUMNS = ("generation_mwh", "curtailed_mwh", "delivered_mwh", "avoided_tco2")


def weather_years(scenario, n_years, weather_cache=None):
    """The weather years of an ensemble run.

    Parameters
    ----------
    scenario : Scenario
    n_years : int
        Number of weather years, >= 2.
    weather_cache : optional
        As in :func:`energysim.simulate.load_scenario_weather` (typical year only).

    Returns
    -------
    list of (DataFrame, dict)

    Raises
    ------
    ScenarioError
        ``n_years`` < 2, or the source is a single file (give one file per year).
    """
    if n_years < 2:
        raise ScenarioError(f"--weather-years {n_years}: give 2 or more weather years")
    source = scenario.weather.source
    if not scenario.weather_years_given():
        if source.startswith(weather_mod.BUILTIN_SHAOGUAN):
            return weather_mod.builtin_shaoguan_years(n_years, scenario.weather.seed)
        raise ScenarioError(f"{source}: one weather file is one weather year: an ensemble of "
                            f"{n_years} needs builtin:shaoguan (generated years) or [weather] "
                            "source as a list or a glob of files")
    files = weather_files(scenario)
    if n_years > len(files):
        raise ScenarioError(f"[weather] source = {source!r}: {len(files)} weather files for "
                            f"--weather-years {n_years}: give at most {len(files)}")
    out = []
    for path in files[:n_years]:
        one = scenario.model_copy(update={"weather": scenario.weather.model_copy(
            update={"source": str(path)})})
        out.append(load_scenario_weather(one, weather_cache))
    return out


def weather_files(scenario):
    """The files of a ``[weather] source`` given as a list or a glob, in that order.

    A glob (``*``, ``?``, ``[``) is expanded relative to the scenario's folder and sorted.

    Returns
    -------
    list of Path

    Raises
    ------
    ScenarioError
        A glob that matches no file.
    """
    source = scenario.weather.source
    if isinstance(source, list):
        return [scenario.resolve_path(s) for s in source]
    pattern = scenario.resolve_path(source)
    files = sorted(p for p in pattern.parent.glob(pattern.name) if p.is_file())
    if not files:
        raise ScenarioError(f"[weather] source = {source!r}: the glob matches no file")
    return files


def run_ensemble(scenario, weathers, profile_cache=None):
    """Simulate a scenario on each weather year.

    Parameters
    ----------
    scenario : Scenario
    weathers : list of (DataFrame, dict)
        From :func:`weather_years`.
    profile_cache : optional
        On-disk profile cache (each weather year's profiles are cached like any).

    Returns
    -------
    pandas.DataFrame
        One row per weather year, simulated year and fleet: ``weather_year`` (1..N),
        ``year``, ``fleet``, ``technology``, ``installed_mw`` and
        :data:`ENSEMBLE_COLUMNS`.
    """
    station_means = np.array([np.nanmean(w["wind_speed"].to_numpy(float)) for w, _ in weathers])
    anomaly = station_means / station_means.mean()
    fleets = scenario.fleets
    frames = []
    for i, ((weather, meta), factor) in enumerate(zip(weathers, anomaly)):
        member = scenario
        if any(f.technology == "wind" and f.mean_wind_speed_ms for f in fleets):
            member = scenario.model_copy(update={"wind": [
                f.model_copy(update={"mean_wind_speed_ms": f.mean_wind_speed_ms * factor})
                if f.mean_wind_speed_ms else f for f in scenario.wind]})
        arrays = simulate_batch([member], weather, meta, profile_cache)[0]
        n_years, n_fleets = arrays.installed_mw.shape
        frame = pd.DataFrame({
            "weather_year": i + 1,
            "year": np.repeat(arrays.years, n_fleets),
            "fleet": np.tile([f.name for f in fleets], n_years),
            "technology": np.tile([f.technology for f in fleets], n_years),
            "installed_mw": arrays.installed_mw.ravel(),
        })
        for column in ENSEMBLE_COLUMNS:
            frame[column] = getattr(arrays, column).ravel()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def uncertainty(scenario, ensemble):
    """P50, P90 and P10 of delivered energy and avoided CO2 in each milestone year.

    Parameters
    ----------
    scenario : Scenario
    ensemble : pandas.DataFrame
        From :func:`run_ensemble`.

    Returns
    -------
    dict
        ``n_weather_years``, ``definition``, ``milestones``: a list of
        ``{"year": ..., "delivered_mwh": {"p50", "p90", "p10"}, "avoided_tco2": {...}}``
        summed over the fleets, and ``annual``: the same of ``delivered_mwh`` for every
        simulated year (for the bands of the figures). [MWh], [tCO2]
    """
    totals = ensemble.groupby(["year", "weather_year"])[["delivered_mwh", "avoided_tco2"]].sum()
    milestones = []
    for year in milestone_years(scenario):
        per_year = totals.loc[year]
        entry = {"year": int(year)}
        for column in ("delivered_mwh", "avoided_tco2"):
            values = per_year[column].to_numpy(float)
            entry[column] = {key: float(np.percentile(values, q))
                             for key, q in EXCEEDANCE_PERCENTILES.items()}
        milestones.append(entry)
    annual = [{"year": int(year),
               "delivered_mwh": {key: float(np.percentile(group["delivered_mwh"], q))
                                 for key, q in EXCEEDANCE_PERCENTILES.items()}}
              for year, group in totals.groupby(level="year")]
    return {
        "n_weather_years": int(ensemble["weather_year"].max()),
        "annual": annual,
        "definition": "P90 is exceeded in 90 % of weather years (10th percentile), P10 in "
                      "10 % (90th percentile), P50 is the median; sums over the fleets",
        "milestones": milestones,
    }

