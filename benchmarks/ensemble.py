"""Cost of ``--weather-years 20`` against one weather year (issue 11).

Times, on the shipped potential scenario, the run on its one typical year and the
ensemble of N generated weather years (generation, physics per year, annual arithmetic),
cold (no disk cache: the weather years are generated and every profile computed) and
warm (the same process again: profiles from the in-process memo, weather regenerated).
The reference is one new weather year generated and simulated cold in the same process;
the ratios say what N years cost against it (about N if nothing is shared).
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks._common import fmt_s, fmt_x

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "shaoguan-potential.toml"
REFERENCE_SEED = 987_654  # a generated year no ensemble member shares


def run(report, quick):
    from energysim.ensemble import run_ensemble, weather_years
    from energysim.scenario import load_scenario
    from energysim.simulate import load_scenario_weather, run_scenario
    from energysim.weather import builtin_shaoguan

    n = 2 if quick else 20
    report.section(f"weather-year ensemble: {n} years against one (shaoguan-potential)")
    scenario = load_scenario(SCENARIO)
    weather, meta = load_scenario_weather(scenario)
    run_scenario(scenario, weather, meta)  # warm-up: imports, JIT, the typical year's profiles
    # the reference: one weather year never seen before, generated and simulated cold
    t0 = time.perf_counter()
    weather, meta = builtin_shaoguan(seed=REFERENCE_SEED)
    run_scenario(scenario, weather, meta)
    reference = time.perf_counter() - t0
    t0 = time.perf_counter()
    years = weather_years(scenario, n)
    generate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_ensemble(scenario, years)
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_ensemble(scenario, years)
    warm_s = time.perf_counter() - t0
    report.row("1 new weather year (generate + run)", fmt_s(reference))
    report.row(f"{n} weather years: generate", fmt_s(generate_s), fmt_x(generate_s / reference))
    report.row(f"{n} weather years: physics + run", fmt_s(cold_s), fmt_x(cold_s / reference))
    report.row(f"{n} weather years: run, profiles memoised", fmt_s(warm_s),
               fmt_x(warm_s / reference))
    total = generate_s + cold_s
    report.note(f"--weather-years {n}: {fmt_s(total)} in all, {fmt_x(total / reference)} the "
                f"one-year run, {fmt_s(total / n)} per weather year")
    report.figures["ensemble"] = {"n_weather_years": n, "one_year_s": reference,
                                  "generate_s": generate_s, "cold_s": cold_s, "warm_s": warm_s}
