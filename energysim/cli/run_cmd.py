"""Body of ``energysim run``: load, simulate, write, print (one or several scenarios).

Owns the printing of the milestone table; imports ``scenario``, ``simulate``, ``results``,
``plotting``, ``units`` and the figure process (:mod:`energysim.cli.figure_process`).

Start-up is a large part of a run of one scenario (about half of a second run, whose
weather and profiles come from the disk caches), so ``run`` does two things for it: the
figures are drawn in a child process forked before the first kernel call (on Linux; see
:mod:`energysim.cli.figure_process`), and the simulation stack is imported with Python's
cyclic garbage collector paused (:func:`collector_paused`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import click

from energysim import units
from energysim.cli.progress import TerminalProgress
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


def check_inputs(scenarios, out, overwrite, cache, n_weather_years=None):
    """Check every input of every scenario before the first result is written.

    Each output target must be absent (or, with ``--overwrite``, an energysim result or an
    empty folder); each scenario's weather is read and checked against its site. A
    command writing several results thus fails on the last scenario's missing weather
    file before it writes the first result.

    With ``n_weather_years``, a scenario whose ``[weather] source`` is a list or a glob of
    files has all of them read and checked; its first file is the weather of its result.

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
    weathers = []
    for scenario in scenarios:
        if n_weather_years and scenario.weather_years_given():
            from energysim.ensemble import weather_years

            weathers.append(weather_years(scenario, n_weather_years, weather_cache)[0])
        else:
            weathers.append(load_scenario_weather(scenario, weather_cache))
    return weathers


@contextlib.contextmanager
def collector_paused():
    """Run the block with Python's cyclic garbage collector paused, then freeze what survived.

    Importing the simulation stack (pydantic, pandas, numba and the cached kernels it
    loads on the first call) creates several hundred thousand objects that live as long
    as the process; the collector traverses them again and again while they are being
    made (0.3 s of a 2.4 s second run, measured with ``gc.callbacks``). What exists at the
    end of the block moves to the permanent generation (:func:`gc.freeze`), which later
    collections skip; :func:`collector_thawed` gives it back when the command is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def collector_thawed():
    """Unfreeze (:func:`gc.unfreeze`) after the block what :func:`collector_paused` froze.

    The command line exits then anyway; a process that calls ``run`` again (tests, a
    notebook) gets the garbage of the frozen blocks collected as usual. Nothing is
    unfrozen if something had frozen objects before.
    """
    frozen_before = gc.get_freeze_count()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


def run_one(scenario, out, overwrite, unit_system, plots, cache, weather=None,
            n_weather_years=None, figure_process=None):
    """Simulate and write one validated scenario; return its result folder and summary.

    ``weather`` is the ``(data, meta)`` pair :func:`check_inputs` loaded; read here if None.
    With ``n_weather_years`` the scenario also runs on that many weather years: the
    folder gets ``ensemble.parquet`` and ``summary.json`` an ``uncertainty`` block. With a
    :class:`~energysim.cli.figure_process.FigureProcess` the figures are drawn there while
    the tables are written, else here.
    """
    import dataclasses

    from energysim.cache import ProfileCache
    from energysim.plotting import save_figures, write_pngs
    from energysim.results import write_result
    from energysim.simulate import run_scenario

    started = time.perf_counter()
    if weather is None:
        weather = check_inputs([scenario], out, overwrite, cache, n_weather_years)[0]
    weather, meta = weather
    logger.info("%s: weather %s: %.2f s", scenario.name, scenario.weather.source,
                time.perf_counter() - started)
    profile_cache = ProfileCache() if cache else None
    result = run_scenario(scenario, weather, meta, profile_cache=profile_cache)
    table = None
    if n_weather_years:
        from energysim.cache import WeatherCache
        from energysim.ensemble import run_ensemble, uncertainty, weather_years

        ensemble_started = time.perf_counter()
        years = weather_years(scenario, n_weather_years, WeatherCache() if cache else None)
        table = run_ensemble(scenario, years, profile_cache)
        result = dataclasses.replace(
            result, summary={**result.summary, "uncertainty": uncertainty(scenario, table)})
        logger.info("%s: %d weather years: %.2f s", scenario.name, n_weather_years,
                    time.perf_counter() - ensemble_started)
    spent = {"figures": 0.0}
    if plots and figure_process is not None:
        figure_process.submit(result, unit_system)  # drawn while the tables are written

    def figures(res, folder):
        # written into the folder being staged, so the result appears whole or not at all
        if table is not None:
            table.to_parquet(Path(folder) / "ensemble.parquet", index=False)
        if not plots:
            return []
        figures_started = time.perf_counter()
        if figure_process is not None:
            paths = write_pngs(figure_process.receive(), folder)
        else:
            paths = save_figures(res, folder, units=unit_system)
        spent["figures"] = time.perf_counter() - figures_started
        return paths

    write_started = time.perf_counter()
    folder = write_result(result, out, overwrite=overwrite, cn_units=unit_system == "cn",
                          figures=figures if plots or table is not None else None)
    logger.info("%s: write %.2f s, figures %.2f s%s", scenario.name,
                time.perf_counter() - write_started - spent["figures"], spent["figures"],
                " (waited for the figure process)" if figure_process is not None else "")
    return folder, result.summary


def run_many(paths, out, *, overwrite, unit_system, hourly_years, jobs, plots, cache, verbosity,
             n_weather_years=None):
    """Run each scenario (in ``jobs`` processes) and print its milestone table.

    Scenarios run one after the other draw their figures in one
    :class:`~energysim.cli.figure_process.FigureProcess`, forked here once the scenarios
    are loaded and the simulation stack imported; with ``jobs`` > 1 each worker draws its
    own.
    """
    from energysim.cli.figure_process import FigureProcess, fork_available

    parallel = jobs > 1 and len(paths) > 1
    with contextlib.ExitStack() as stack:
        stack.enter_context(collector_thawed())
        figure_process = None
        with collector_paused():
            scenarios = load_all(paths, hourly_years)
            if plots and not parallel and fork_available():
                import energysim.simulate  # noqa: F401 - the child inherits pandas, numpy
                figure_process = stack.enter_context(FigureProcess())
            weathers = check_inputs(scenarios, out, overwrite, cache, n_weather_years)
        args = [(s, out, overwrite, unit_system, plots, cache, w, n_weather_years)
                for s, w in zip(scenarios, weathers)]
        # A progress line on a terminal (stderr) when several scenarios run; never in a pipe.
        progress = TerminalProgress("scenarios")
        progress.enabled = progress.enabled and len(scenarios) > 1 and verbosity >= 0
        outcomes = [None] * len(args)
        try:
            progress(0, len(args))
            if parallel:
                with ProcessPoolExecutor(max_workers=min(jobs, len(scenarios))) as pool:
                    futures = {pool.submit(run_one, *a): i for i, a in enumerate(args)}
                    for done, future in enumerate(as_completed(futures), start=1):
                        outcomes[futures[future]] = future.result()
                        progress(done, len(args))
            else:
                for i, a in enumerate(args):
                    if i == 0:
                        with collector_paused():
                            outcomes[i] = run_one(*a, figure_process=figure_process)
                    else:
                        outcomes[i] = run_one(*a, figure_process=figure_process)
                    progress(i + 1, len(args))
        finally:
            progress.close()
    for folder, summary in outcomes:
        if verbosity >= 0:
            click.echo(milestone_table(summary, unit_system))
            if "uncertainty" in summary:
                click.echo(uncertainty_table(summary["uncertainty"], unit_system))
            click.echo(f"wrote {folder}/")


def load_all(paths, hourly_years=()):
    """Load and validate every scenario file (a typo in the third fails before any run).

    Returns
    -------
    list of Scenario
        With ``hourly_years`` applied; names checked to differ (each writes OUT/<name>/).
    """
    from energysim.scenario import load_scenario, with_hourly_years

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
    return scenarios


def uncertainty_table(block, unit_system="cn"):
    """P90 / P50 / P10 of annual delivered energy and avoided CO2 per milestone year. [str]

    ``unit_system`` "cn": 亿千瓦时 and 万吨CO2; "si": GWh and ktCO2.
    """
    from energysim.comparison import text_table

    cn = unit_system == "cn"
    energy, co2 = (("亿千瓦时", "万吨CO2") if cn else ("GWh", "ktCO2"))
    to_energy = units.mwh_to_yi_kwh if cn else units.mwh_to_gwh
    to_co2 = units.t_to_wan_t if cn else units.t_to_kt
    header = ["year", f"delivered P90 {energy}", "P50", "P10", "P90/P50",
              f"avoided P90 {co2}", "P50", "P10"]
    rows = []
    for stone in block["milestones"]:
        d, a = stone["delivered_mwh"], stone["avoided_tco2"]
        rows.append([str(stone["year"]),
                     *(f"{to_energy(d[k]):,.2f}" for k in ("p90", "p50", "p10")),
                     f"{d['p90'] / d['p50']:.3f}" if d["p50"] else "-",
                     *(f"{to_co2(a[k]):,.2f}" for k in ("p90", "p50", "p10"))])
    return (f"annual figures over {block['n_weather_years']} weather years "
            "(P90: exceeded in 90 % of years)\n"
            + text_table(header, rows, align="l" + "r" * (len(header) - 1)))


def milestone_table(summary, unit_system="cn"):
    """The headline table at the milestone years, then the capacity-target progress. [str]

    Every energy, CO2 and coal column says annual (年, in that year) or cumulative (累计,
    from the first simulated year through that year). ``unit_system`` "cn" gives each
    quantity in 万千瓦 / 亿千瓦时 / 万吨CO2 / 万吨标准煤 with the SI value (MW, GWh, ktCO2,
    ktce) in the column beside it; "si" gives the SI columns only, with no Chinese unit.
    """
    import pandas as pd

    from energysim.comparison import QUANTITIES, format_targets, milestone_text, text_table

    cn = unit_system == "cn"
    short = {"pv": ("光伏", "PV"), "wind": ("风电", "wind"),
             "delivered": ("年上网电量", "delivered annual"),
             "co2": ("年减排", "avoided annual"), "co2_cum": ("累计减排", "avoided cumul."),
             "coal": ("年节煤", "coal annual"), "coal_cum": ("累计节煤", "coal cumul.")}
    by_key = {q.key: q for q in QUANTITIES}
    # Two blocks, so that each fits a terminal: capacity and electricity, then CO2 and coal.
    blocks = []
    for keys, with_label in ((("pv", "wind", "delivered"), True),
                             (("co2", "co2_cum", "coal", "coal_cum"), False)):
        header, cells = ["year"], []
        for key in keys:
            q = by_key[key]
            zh, en = short[key]
            if cn:
                header.append(f"{zh} {q.cn_unit}")
                cells.append((q, True))
            header.append(f"{en} {q.shown_unit}")
            cells.append((q, False))
        if with_label:
            header.append("milestone")
        rows = []
        for stone in summary["milestones"]:
            row = [str(stone["year"])]
            for q, in_cn in cells:
                value = stone.get(q.column)
                if value is None:  # a summary written before this figure was recorded
                    row.append("-")
                elif in_cn:
                    row.append(f"{q.in_cn(value):,.2f}")
                else:
                    row.append(f"{q.shown(value):,.1f}")
            if with_label:
                row.append(milestone_text(stone["label"], unit_system))
            rows.append(row)
        align = "l" + "r" * (len(header) - 1 - with_label) + ("l" if with_label else "")
        blocks.append(text_table(header, rows, align=align))
    title = f"{summary['scenario']}  ({summary['years'][0]}-{summary['years'][1]})"
    legend = ("annual 年 = in that year; cumulative 累计 = from the first simulated year through "
              "that year; capacity in operation at year end" if cn else
              "annual = in that year; cumulative = from the first simulated year through that "
              "year; capacity in operation at year end")
    text = title + "\n" + legend + "\n" + "\n\n".join(blocks)
    targets = summary.get("capacity_targets") or []
    if targets:
        frame = pd.DataFrame([{"scenario": summary["scenario"], **t} for t in targets])
        if cn:
            frame["target_wan_kw"] = [units.mw_to_wan_kw(v) for v in frame["target_mw"]]
            frame["reached_wan_kw"] = [units.mw_to_wan_kw(v) for v in frame["reached_mw"]]
        text += "\n\n" + format_targets(frame, unit_system)
    return text
