"""Targets 2 and 2b: a 10,000-point sweep from a sweep file against the naive per-scenario-year
loop (one worker), and two worker processes against one.

Fast path: ``energysim.sweep.run_sweep`` on ``benchmarks/sweeps/potential-10000.toml`` in
a fresh process with an empty profile cache, one local worker (the kernels already use
every core through numba threads), timed from ``load_sweep`` to the written
``points.parquet``: point validation, the weather year, the physics of the distinct
configurations (computed once each, then cached), every chunk and its file. Imports and
the JIT load of the kernels happen before the timer. The same sweep is then rerun in the
same process with the profile cache warm, for the figure a user sees the second time.
Target 2b runs the same sweep, cold, with two local worker processes (one numba thread
each; their start-up overlaps the weather and the physics; forced with
``min_points_per_worker=1``, since by default a vectorised sweep of fewer than 100,000
points runs in one process) and compares the times.

Naive loop (the reference): what a straightforward script would do for every scenario and
year: build a pvlib ``PVSystem``/``Location``/``ModelChain`` (PVWatts DC and inverter,
physical IAM, SAPM cell temperature) and a windpowerlib ``WindTurbine``/``ModelChain`` for
that scenario's configuration, run both on the hourly weather, scale them to the year's
capacity, apply the hourly export limit pro rata, and sum energy and avoided CO2. It is
timed over a few scenario-years after one untimed iteration (imports, turbine table); the
median is the reference (robust to a burst of load from other users), and the ratio is
taken per scenario-year.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import REPO, fmt_s, fmt_x, in_child, peak_rss_mb

SWEEP_FILE = REPO / "benchmarks" / "sweeps" / "potential-10000.toml"
FULL = {"samples": None, "naive_scenario_years": 7, "workers": (1, 2)}
QUICK = {"samples": 20, "naive_scenario_years": 1, "workers": (1,)}
TARGET_RATIO = 10_000.0
TARGET_TWO_WORKERS = 1.6
TURBINE = "E-115/3000"


# --------------------------------------------------------------------------- naive loop

def _naive_weather(weather):
    import pandas as pd

    from energysim import units

    pv_weather = weather[["ghi", "dni", "dhi", "temp_air", "wind_speed"]]
    height = float(weather["wind_height_m"].iloc[0])
    wind_weather = pd.DataFrame(
        {("wind_speed", height): weather["wind_speed"].to_numpy(),
         ("temperature", 2.0): units.celsius_to_kelvin(weather["temp_air"].to_numpy()),
         ("pressure", 0.0): weather["pressure"].to_numpy(),
         ("roughness_length", 0.0): np.full(len(weather), 0.1)},
        index=weather.index)
    return pv_weather, wind_weather


def naive_scenario_year(pv_weather, wind_weather, site, pv_mw, wind_mw, dc_ac_ratio,
                        hub_height_m, limit_mw, ef_t_per_mwh):
    """One scenario-year the naive way: both ModelChains rerun from scratch.

    Returns
    -------
    delivered_mwh, avoided_tco2 : float
    """
    from pvlib.location import Location
    from pvlib.modelchain import ModelChain as PVModelChain
    from pvlib.pvsystem import PVSystem
    from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS
    from windpowerlib import ModelChain as WindModelChain
    from windpowerlib import WindTurbine

    from energysim import units

    location = Location(site["latitude"], site["longitude"], tz="UTC",
                        altitude=site["altitude_m"])
    pdc0_w = pv_mw * units.W_PER_MW
    system = PVSystem(
        surface_tilt=20.0, surface_azimuth=180.0,
        module_parameters={"pdc0": pdc0_w, "gamma_pdc": -0.004},
        inverter_parameters={"pdc0": pdc0_w / dc_ac_ratio},
        temperature_model_parameters=TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"])
    chain = PVModelChain(system, location, aoi_model="physical", spectral_model="no_loss",
                         losses_model="pvwatts")
    chain.run_model(pv_weather)
    pv_power_mw = units.w_to_mw(np.clip(chain.results.ac.to_numpy(dtype=float), 0.0, None))

    turbine = WindTurbine(hub_height=hub_height_m, turbine_type=TURBINE)
    wind = WindModelChain(turbine).run_model(wind_weather)
    n_turbines = wind_mw / units.w_to_mw(turbine.nominal_power)
    wind_power_mw = units.w_to_mw(wind.power_output.to_numpy(dtype=float)) * n_turbines

    total = pv_power_mw + wind_power_mw
    keep = np.where(total > limit_mw, limit_mw / np.maximum(total, 1e-300), 1.0)
    delivered = float(np.sum(total * keep))  # hourly MW over 1 h steps -> MWh
    return delivered, delivered * ef_t_per_mwh


def measure_naive(n_scenario_years, seed=0):
    """Time the naive loop per scenario-year (fresh process). [dict]"""
    import pandas as pd  # noqa: F401
    import pvlib  # noqa: F401
    import windpowerlib  # noqa: F401

    from energysim.weather import builtin_shaoguan

    weather, meta = builtin_shaoguan(0)
    site = {"latitude": meta["latitude"], "longitude": meta["longitude"],
            "altitude_m": meta["altitude_m"]}
    pv_weather, wind_weather = _naive_weather(weather)
    rng = np.random.default_rng(seed)

    def one():
        return naive_scenario_year(
            pv_weather, wind_weather, site, pv_mw=rng.uniform(4000, 12000),
            wind_mw=rng.uniform(1000, 5000), dc_ac_ratio=float(rng.choice([1.1, 1.2, 1.3])),
            hub_height_m=float(rng.choice([100.0, 120.0])), limit_mw=rng.uniform(4000, 12000),
            ef_t_per_mwh=rng.uniform(0.05, 0.55))

    one()  # untimed: first-call imports, turbine table
    times = []
    delivered = []
    for _ in range(n_scenario_years):
        t0 = time.perf_counter()
        delivered.append(one()[0])
        times.append(time.perf_counter() - t0)
    return {"n": n_scenario_years, "times_s": times, "median_s": float(np.median(times)),
            "min_s": float(np.min(times)), "max_s": float(np.max(times)),
            "delivered_mwh_example": delivered[0]}


# --------------------------------------------------------------------------- sweep

def _sweep_file(samples, folder):
    if samples is None:
        return SWEEP_FILE
    text = SWEEP_FILE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^samples = \d+", f"samples = {int(samples)}", text)
    base = (SWEEP_FILE.parent / "../../scenarios/shaoguan-potential.toml").resolve()
    text = re.sub(r'(?m)^base = ".*"', f'base = "{base.as_posix()}"', text)
    path = Path(folder) / SWEEP_FILE.name
    path.write_text(text, encoding="utf-8")
    return path


def measure_sweep(samples=None, workers=1):
    """Run the benchmark sweep cold (empty profile cache), then warm (fresh process). [dict]"""
    from energysim import kernels, sweep
    from energysim.cache import ProfileCache

    kernels.annual_energy([[0.5, 0.5]], [[[10.0]]], [[4.0]], [[0.5]], [[1.0, 1.0]])  # JIT
    folder = Path(tempfile.mkdtemp(prefix="energysim-bench-sweep-"))
    try:
        path = _sweep_file(samples, folder)
        cache = ProfileCache(folder / "profile-cache")
        t0 = time.perf_counter()
        spec = sweep.load_sweep(path)
        # min_points_per_worker=1: really run `workers` processes (the library would run
        # this sweep in one, VECTORISED_MIN_POINTS_PER_WORKER)
        outcome = sweep.run_sweep(spec, folder / "out", workers=workers, profile_cache=cache,
                                  min_points_per_worker=1)
        cold = time.perf_counter() - t0
        rss = peak_rss_mb()
        t0 = time.perf_counter()
        spec = sweep.load_sweep(path)
        again = sweep.run_sweep(spec, folder / "out", workers=workers, profile_cache=cache,
                                overwrite=True, min_points_per_worker=1)
        warm = time.perf_counter() - t0
        first, last = spec.base.years
        return {"n_points": len(outcome.points), "n_years": last - first + 1,
                "n_fleets": len(spec.base.fleets), "n_profiles": outcome.n_profiles,
                "n_chunks": outcome.n_chunks, "workers": workers, "cold_s": cold,
                "warm_s": warm, "cold_phases_s": dict(outcome.seconds),
                "warm_phases_s": dict(again.seconds), "rss_peak_mb": rss}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(report, quick):
    """Targets 2 and 2b."""
    sizes = QUICK if quick else FULL
    report.section("2. end to end: sweep file -> points.parquet vs naive ModelChain loop")
    naive = in_child("end_to_end:measure_naive", n_scenario_years=sizes["naive_scenario_years"])
    runs = [in_child("end_to_end:measure_sweep", samples=sizes["samples"], workers=w)
            for w in sizes["workers"]]
    report.figures["end_to_end"] = {"naive": naive, "sweeps": runs}
    report.row("naive loop per scenario-year", fmt_s(naive["median_s"]),
               f"median of {naive['n']} (min {fmt_s(naive['min_s'])}, max "
               f"{fmt_s(naive['max_s'])}); pvlib + windpowerlib ModelChain rerun each time")
    first = runs[0]
    sy = first["n_points"] * first["n_years"]
    report.note(f"sweep: {first['n_points']:,} points x {first['n_years']} years = {sy:,} "
                f"scenario-years, {first['n_fleets']} fleets, {first['n_profiles']} distinct "
                f"physics configurations, {first['n_chunks']} chunks")
    for fast in runs:
        cold_per_sy = fast["cold_s"] / sy
        warm_per_sy = fast["warm_s"] / sy
        label = f"{fast['workers']} worker process{'es' if fast['workers'] > 1 else ''}"
        phases = ", ".join(f"{k} {fmt_s(v)}" for k, v in fast["cold_phases_s"].items()
                           if k != "total")
        report.row(f"sweep, {label}, cold cache", fmt_s(fast["cold_s"]),
                   f"{fmt_s(cold_per_sy)} per scenario-year = "
                   f"{fmt_x(naive['median_s'] / cold_per_sy)} the naive loop ({phases})",
                   f">= x {TARGET_RATIO:,.0f}")
        phases = ", ".join(f"{k} {fmt_s(v)}" for k, v in fast["warm_phases_s"].items()
                           if k != "total")
        report.row(f"sweep, {label}, warm cache", fmt_s(fast["warm_s"]),
                   f"{fmt_s(warm_per_sy)} per scenario-year = "
                   f"{fmt_x(naive['median_s'] / warm_per_sy)} the naive loop ({phases})")
        report.row("  peak memory (ru_maxrss, main process)", f"{fast['rss_peak_mb']:.0f} MiB")
    first = runs[0]  # one worker: target 2
    ratio = naive["median_s"] / (first["cold_s"] / sy)
    budget = naive["median_s"] * sy / TARGET_RATIO
    report.judge("2", "end-to-end sweep speed-up per scenario-year (physics included)",
                 f"{fmt_x(ratio)} ({fmt_s(first['cold_s'])} for {sy:,} scenario-years with "
                 f"1 worker; the target allows {fmt_s(budget)})",
                 f">= x {TARGET_RATIO:,.0f}", ratio >= TARGET_RATIO)
    if len(runs) > 1:  # two workers against one: target 2b
        two = runs[1]
        speedup = first["cold_s"] / two["cold_s"]
        report.judge("2b", "2 worker processes against 1 on the same sweep, cold cache",
                     f"{fmt_x(speedup)} faster ({fmt_s(two['cold_s'])} against "
                     f"{fmt_s(first['cold_s'])})", f">= x {TARGET_TWO_WORKERS:.1f}",
                     speedup >= TARGET_TWO_WORKERS)
    else:
        report.judge("2b", "2 worker processes against 1 on the same sweep, cold cache",
                     "not run", f">= x {TARGET_TWO_WORKERS:.1f}", None)
