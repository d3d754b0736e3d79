"""Target 3: one scenario from the command line (second run) and ``energysim --help``.

* ``energysim run SCENARIO -o TMP --overwrite`` three times in a row with a private,
  initially empty profile cache (``ENERGYSIM_CACHE_DIR``): run 1 computes the physics,
  runs 2 and 3 find the profiles on disk and the kernels in numba's cache. Judged: run 2.
  Reference: the interpreter alone (``python -c pass``) and run 1, in the same run.
* ``energysim --help``: best of several, against ``python -c pass``; ``python -X
  importtime -c "import energysim.cli"`` lists what the import spends its time on.
* ``import energysim`` and ``import energysim.scenario``, each timed inside a fresh
  interpreter (best of several), and the heavy modules the second leaves in
  ``sys.modules`` (none of numba, pandas, matplotlib, windpowerlib may be there).
* A phase breakdown of a second run, in a fresh process, with the same calls ``run``
  makes (imports, scenario, figure process, weather, cached profiles, kernels, tables,
  files, waiting for the figures), then what the figures cost drawn in-process, so what
  limits the wall time is visible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import REPO, fmt_s, fmt_x, in_child

FULL = {"scenario": "scenarios/shaoguan-potential.toml", "runs": 3, "help_runs": 5}
QUICK = {"scenario": "benchmarks/scenarios/bench-pv-3yr.toml", "runs": 2, "help_runs": 2}
TARGET_RUN_S = 3.0
TARGET_HELP_S = 0.5
TARGET_IMPORT_S = 0.2
#: What ``import energysim.scenario`` must not load (issue 13: the scenario layer is lean).
HEAVY_MODULES = ("numba", "pandas", "matplotlib", "windpowerlib")
#: Run in a fresh interpreter: the import's own time and the heavy modules it loaded.
_IMPORT_PROBE = ("import sys, time; t = time.perf_counter(); import {module}; "
                 "s = time.perf_counter() - t; "
                 "print(s, ','.join(m for m in {heavy!r} if m in sys.modules))")


def _energysim():
    script = Path(sys.executable).with_name("energysim")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from energysim.cli import main; main()"]


def _wall(cmd, env):
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, proc


def importtime(env, top=6):
    """``-X importtime`` of ``import energysim.cli``: its cumulative time and biggest parts.

    Returns
    -------
    total_s : float
        Cumulative time of ``energysim.cli`` (the interpreter's own ``site`` start-up, which
        ``python -c pass`` also pays, is not in it).
    parts : list of (float, str)
        The largest imports one or two levels below it, by cumulative time. [s]
    """
    _, proc = _wall([sys.executable, "-X", "importtime", "-c", "import energysim.cli"], env)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        try:
            rows.append((int(cumulative) / 1e6, len(name) - len(name.lstrip()), name.strip()))
        except ValueError:
            continue  # the header line
    names = [r[2] for r in rows]
    if "energysim.cli" not in names:
        return float("nan"), []
    first = names.index("site") + 1 if "site" in names else 0
    cli = names.index("energysim.cli")
    total, indent, _ = rows[cli]
    inside = [r for r in rows[first:cli] if indent < r[1] <= indent + 4]
    parts = sorted(((s, n) for s, _, n in inside), reverse=True)[:top]
    return total, parts


def phases(scenario, cache_dir, out_dir):
    """Wall time of each step of a second ``energysim run`` (fresh process). [dict]

    The steps are the calls ``run`` makes, in its order: the imports with the garbage
    collector paused, the figure process forked (on Linux) once pandas and numba are
    imported, the simulation and tables while the child imports matplotlib and draws,
    then the wait for its PNG images. Afterwards, for reference, what the figures cost
    drawn in this process (import matplotlib, then draw), as a run without the figure
    process pays them.
    """
    os.environ["ENERGYSIM_CACHE_DIR"] = cache_dir
    steps = []
    t_prev = time.perf_counter()

    def mark(name):
        nonlocal t_prev
        now = time.perf_counter()
        steps.append((name, now - t_prev))
        t_prev = now

    import energysim.cli  # noqa: F401

    mark("import energysim.cli (click)")
    from energysim.cli.figure_process import FigureProcess, fork_available
    from energysim.cli.run_cmd import collector_paused, collector_thawed

    with collector_thawed(), collector_paused():
        from energysim.scenario import load_scenario

        mark("import scenario (pydantic)")
        sc = load_scenario(REPO / scenario)
        mark("load + validate scenario (turbine list check)")
        from energysim.cache import ProfileCache, WeatherCache
        from energysim.results import write_result
        from energysim.simulate import (load_scenario_weather, profile_for, run_scenario,
                                        simulate_batch)

        mark("import simulate (numba, pandas)")
        figures = FigureProcess() if fork_available() else None
        mark("fork the figure process (it imports matplotlib meanwhile)")
        weather, meta = load_scenario_weather(sc, WeatherCache())
        mark("weather (on-disk cache of the builtin year)")
        cache = ProfileCache()
        for fleet in sc.fleets:
            profile_for(fleet, sc.site, weather, meta, cache)
        mark("profiles (from the on-disk cache)")
        simulate_batch([sc], weather, meta, cache)
        mark("annual kernels (first call: numba cache load)")
        result = run_scenario(sc, weather, meta, cache)
        mark("tables, summary, hourly year")
        if figures is not None:
            figures.submit(result, "cn")
        waited = {}

        def draw(res, folder):
            from energysim.plotting import write_pngs

            started = time.perf_counter()
            write_pngs(figures.receive(), folder)
            waited["s"] = time.perf_counter() - started

        folder = write_result(result, out_dir, overwrite=True, cn_units=True,
                              figures=draw if figures is not None else None)
        mark("write CSV / Parquet / JSON, then the PNGs of the figure process")
        if figures is not None:
            steps.append(("  of which waiting for the figure process", waited["s"]))
            figures.close()
        t_prev = time.perf_counter()
    import matplotlib.backends.backend_agg  # noqa: F401 - what the figures import first
    import matplotlib.figure  # noqa: F401

    from energysim.plotting import save_figures

    mark("reference, in this process: import matplotlib (Figure, Agg canvas)")
    save_figures(result, folder)
    mark("reference, in this process: draw + save 3 PNG figures")
    return {"steps": steps}


def import_time(module, env, repeats):
    """Best time of ``import MODULE`` in fresh interpreters, and the heavy modules it loads.

    Returns
    -------
    tuple of (float, list of str)
        The best import time [s] over ``repeats`` processes, and the names from
        :data:`HEAVY_MODULES` found in ``sys.modules`` after the import.
    """
    best, loaded = float("inf"), []
    probe = _IMPORT_PROBE.format(module=module, heavy=HEAVY_MODULES)
    for _ in range(repeats):
        _, proc = _wall([sys.executable, "-c", probe], env)
        seconds, _, names = proc.stdout.strip().partition(" ")
        best = min(best, float(seconds))
        loaded = [n for n in names.split(",") if n]
    return best, loaded


def run(report, quick):
    """Target 3."""
    sizes = QUICK if quick else FULL
    report.section("3. command line: second `energysim run`, and `energysim --help`")
    tmp = Path(tempfile.mkdtemp(prefix="energysim-bench-cli-"))
    try:
        env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(tmp / "cache")}
        py = min(_wall([sys.executable, "-c", "pass"], env)[0] for _ in range(sizes["help_runs"]))
        helps = [_wall([*_energysim(), "--help"], env)[0] for _ in range(sizes["help_runs"])]
        total_import, ranked = importtime(env)
        package_s, _ = import_time("energysim", env, sizes["help_runs"])
        scenario_s, scenario_heavy = import_time("energysim.scenario", env, sizes["help_runs"])
        cmd = [*_energysim(), "run", sizes["scenario"], "-o", str(tmp / "out"), "--overwrite"]
        runs = [_wall(cmd, env)[0] for _ in range(sizes["runs"])]
        breakdown = in_child("cli:phases", scenario=sizes["scenario"],
                             cache_dir=str(tmp / "cache"), out_dir=str(tmp / "phases"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report.figures["cli"] = {"python_s": py, "help_s": helps, "runs_s": runs,
                             "import_total_s": total_import, "import_ranked": ranked,
                             "import_energysim_s": package_s,
                             "import_scenario_s": scenario_s, "scenario_heavy": scenario_heavy,
                             "phases": breakdown["steps"]}
    second = runs[1]
    report.row("python -c pass (reference)", fmt_s(py))
    report.row("energysim run, run 1 (cold cache)", fmt_s(runs[0]),
               f"{sizes['scenario']}; computes the physics")
    for i, wall in enumerate(runs[1:], start=2):
        report.row(f"energysim run, run {i}", fmt_s(wall),
                   f"{fmt_x(wall / py)} the bare interpreter, {wall / runs[0]:.0%} of run 1",
                   f"<= {TARGET_RUN_S:g} s" if i == 2 else "")
    report.note("second run, step by step (fresh process, same calls as `run`; the figures "
                "are drawn in a forked child during the steps after the fork):")
    for name, seconds in breakdown["steps"]:
        report.row(f"  {name}", fmt_s(seconds))
    report.row("energysim --help (best)", fmt_s(min(helps)),
               f"{fmt_x(min(helps) / py)} the bare interpreter; all: "
               + ", ".join(fmt_s(h) for h in helps), f"<= {TARGET_HELP_S:g} s")
    report.note(f"python -X importtime -c 'import energysim.cli': {fmt_s(total_import)} "
                "cumulative; largest parts: " + ", ".join(f"{p} {fmt_s(s)}" for s, p in ranked))
    report.judge("3a", "second `energysim run` of one scenario", f"{fmt_s(second)} wall "
                 f"({fmt_x(second / py)} python -c pass)", f"<= {TARGET_RUN_S:g} s",
                 second <= TARGET_RUN_S, "" if not quick else "")
    report.judge("3b", "`energysim --help`", f"{fmt_s(min(helps))} wall "
                 f"({fmt_x(min(helps) / py)} python -c pass)", f"<= {TARGET_HELP_S:g} s",
                 min(helps) <= TARGET_HELP_S)
    heavy = ", ".join(scenario_heavy) if scenario_heavy else "none of " + ", ".join(HEAVY_MODULES)
    report.judge("3c", "`import energysim`; `import energysim.scenario` stays lean",
                 f"{fmt_s(package_s)} (best of {sizes['help_runs']} fresh interpreters); "
                 f"energysim.scenario {fmt_s(scenario_s)}, loads {heavy}",
                 f"<= {TARGET_IMPORT_S:g} s; no {', '.join(HEAVY_MODULES)}",
                 package_s <= TARGET_IMPORT_S and not scenario_heavy)
