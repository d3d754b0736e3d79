"""Body of ``energysim run``: load, simulate, write, print (one or several scenarios).

Owns the printing of the milestone table; imports ``scenario``, ``simulate``, ``results``,
``plotting`` and ``units``.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import click

from energysim.cli.progress import TerminalProgress

from energysim import units
from energysim.errors import ScenarioError

logger = logging.getLogger(__name__)


def resolve_scenario_path(path):
    """A scenario file, or the ``scenario.toml`` recorded in a result folder."""
    path = Path(path)
    if path.is_dir():
        recorded = path / "scenario.toml"
        if not recorded.is_file():
            raise ScenarioError(f"{path}: is a directory without scenario.toml: give a scenario "
                                ".toml file or an energysim result folder")
        return recorded
    return path


def check_inputs(scenarios, out, overwrite, cache):
    """Check every input of every scenario before the first result is written.

    Each output target must be absent (or, with ``--overwrite``, an energysim result or an
    empty folder); each scenario's weather is read and checked against its site. A
    command writing several results thus fails on the last scenario's missing weather
    file before it writes the first result.

    Returns
    -------
    list of (pandas.DataFrame, dict)
        The weather and its metadata for each scenario, in order.
    """
    from energysim.cache import WeatherCache
    from energysim.errors import OutputExistsError
    from energysim.results import check_replaceable
    from energysim.simulate import load_scenario_weather

    for scenario in scenarios:
        target = Path(out) / scenario.name
        if target.exists() or target.is_symlink():
            if not overwrite:
                raise OutputExistsError(f"{target}: result exists: pass --overwrite to replace it")
            check_replaceable(target)
    weather_cache = WeatherCache() if cache else None
    return [load_scenario_weather(scenario, weather_cache) for scenario in scenarios]


def run_one(scenario, out, overwrite, cn_units, plots, cache, weather=None):
    """Simulate and write one validated scenario; return its result folder and summary.

    ``weather`` is the ``(data, meta)`` pair :func:`check_inputs` loaded; read here if None.
    """
    from energysim.cache import ProfileCache
    from energysim.plotting import save_figures
    from energysim.results import write_result
    from energysim.simulate import run_scenario

    started = time.perf_counter()
    if weather is None:
        weather = check_inputs([scenario], out, overwrite, cache)[0]
    weather, meta = weather
    logger.info("%s: weather %s: %.2f s", scenario.name, scenario.weather.source,
                time.perf_counter() - started)
    result = run_scenario(scenario, weather, meta,
                          profile_cache=ProfileCache() if cache else None)
    spent = {"figures": 0.0}

    def figures(res, folder):
        figures_started = time.perf_counter()
        paths = save_figures(res, folder, units="cn" if cn_units else "si")
        spent["figures"] = time.perf_counter() - figures_started
        return paths

    write_started = time.perf_counter()
    folder = write_result(result, out, overwrite=overwrite, cn_units=cn_units,
                          figures=figures if plots else None)
    logger.info("%s: write %.2f s, figures %.2f s", scenario.name,
                time.perf_counter() - write_started - spent["figures"], spent["figures"])
    return folder, result.summary


def run_many(paths, out, *, overwrite, cn_units, hourly_years, jobs, plots, cache, verbosity):
    """Run each scenario (in ``jobs`` processes) and print its milestone table."""
    from energysim.scenario import load_scenario, with_hourly_years

    # Validate every file first, so a typo in the third file fails before any run; the
    # validated scenarios are what runs (each file is read once).
    names = {}
    scenarios = []
    for path in paths:
        started = time.perf_counter()
        scenario = load_scenario(resolve_scenario_path(path))
        logger.info("load scenario %s: %.2f s", path, time.perf_counter() - started)
        first, last = scenario.years
        for year in hourly_years:
            if not first <= year <= last:
                raise ScenarioError(f"--hourly-year {year}: {path} simulates {first}..{last}: "
                                    "give years in that range")
        if hourly_years:
            scenario = with_hourly_years(scenario, list(hourly_years), where=str(path))
        name = scenario.name
        if name in names:
            raise ScenarioError(f"{path}: name = {name!r} is also the name of {names[name]}: "
                                "each scenario writes OUT/<name>/, so names must differ")
        names[name] = path
        scenarios.append(scenario)
    weathers = check_inputs(scenarios, out, overwrite, cache)
    args = [(s, out, overwrite, cn_units, plots, cache, w) for s, w in zip(scenarios, weathers)]
    # A progress line on a terminal (stderr) when several scenarios run; never in a pipe.
    progress = TerminalProgress("scenarios")
    progress.enabled = progress.enabled and len(scenarios) > 1 and verbosity >= 0
    outcomes = [None] * len(args)
    try:
        progress(0, len(args))
        if jobs > 1 and len(scenarios) > 1:
            with ProcessPoolExecutor(max_workers=min(jobs, len(scenarios))) as pool:
                futures = {pool.submit(run_one, *a): i for i, a in enumerate(args)}
                for done, future in enumerate(as_completed(futures), start=1):
                    outcomes[futures[future]] = future.result()
                    progress(done, len(args))
        else:
            for i, a in enumerate(args):
                outcomes[i] = run_one(*a)
                progress(i + 1, len(args))
    finally:
        progress.close()
    for folder, summary in outcomes:
        if verbosity >= 0:
            click.echo(milestone_table(summary, cn_units))
            click.echo(f"wrote {folder}/")


def milestone_table(summary, cn_units=False):
    """The headline table at the milestone years, in 万千瓦, 亿千瓦时 and 万吨CO2. [str]

    With ``cn_units`` the SI figures (MW, MWh, tCO2) and cumulative avoided standard coal
    (万吨标准煤) are printed next to them.
    """
    from energysim.report import text_table

    header = ["year", "PV 万千瓦", "wind 万千瓦", "delivered 亿千瓦时", "avoided 万吨CO2",
              "cumulative 万吨CO2"]
    if cn_units:
        header += ["PV MW", "wind MW", "delivered MWh", "avoided tCO2", "coal 万吨标准煤"]
    header.append("milestone")
    rows = []
    for stone in summary["milestones"]:
        row = [str(stone["year"]), f"{units.mw_to_wan_kw(stone['installed_pv_mw']):,.2f}",
               f"{units.mw_to_wan_kw(stone['installed_wind_mw']):,.2f}",
               f"{stone['delivered_yi_kwh']:,.2f}", f"{stone['avoided_wan_tco2']:,.2f}",
               f"{stone['cumulative_avoided_wan_tco2']:,.2f}"]
        if cn_units:
            row += [f"{stone['installed_pv_mw']:,.1f}", f"{stone['installed_wind_mw']:,.1f}",
                    f"{stone['delivered_mwh']:,.0f}", f"{stone['avoided_tco2']:,.0f}",
                    f"{units.t_to_wan_t(stone['cumulative_avoided_coal_tce']):,.2f}"]
        rows.append(row + [stone["label"]])
    title = f"{summary['scenario']}  ({summary['years'][0]}-{summary['years'][1]})"
    return title + "\n" + text_table(header, rows, align="l" + "r" * (len(header) - 2) + "l")
