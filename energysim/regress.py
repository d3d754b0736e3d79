"""Regression runs: golden KPIs of benchmark scenarios, compared under a tolerance profile.

Owns the KPI set of a regression run (a flat ``{"kpi-name": value}`` made from a
:class:`~energysim.results.Result`), the baseline files that hold them with their
provenance, the tolerance profiles and the comparison that turns a baseline and a rerun
into rows (KPI, baseline, now, diff, relative diff, tolerance). It imports ``errors``,
``scenario``, ``simulate`` and ``cache`` from energysim and never ``plotting`` or ``cli``;
the ``energysim regress`` command (``energysim.cli.regress_cmd``) only prints the rows and
chooses the exit status.

KPI names
---------
Names are paths joined by ``/`` (fleet names cannot contain ``/``); the last part is the
quantity and carries its unit:

=================================================  ==========================================
``fleet/<fleet>/<year>/<q>``                       ``q`` in generation_mwh, curtailed_mwh,
                                                   delivered_mwh, avoided_tco2, capacity_factor
``total/<q>``                                      all years and fleets: generation_mwh,
                                                   curtailed_mwh, delivered_mwh, avoided_tco2,
                                                   avoided_coal_tce
``technology/<pv|wind>/<q>``                       max_installed_mw, total_delivered_mwh,
                                                   mean_full_load_hours
``milestone/<year>/<q>``                           installed_mw, installed_pv_mw,
                                                   installed_wind_mw, delivered_mwh,
                                                   avoided_tco2, cumulative_avoided_tco2,
                                                   cumulative_avoided_coal_tce
=================================================  ==========================================

Folders
-------
A scenarios folder holds scenario ``.toml`` files and, optionally, ``index.toml`` with
``scenarios = ["../../scenarios/x.toml", ...]`` (paths relative to the index file), so that
shipped scenarios are checked where they live instead of through copies that could drift
from them. A baselines folder holds one ``<scenario-name>.json`` per scenario.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from energysim import atomic
from energysim.errors import EnergysimError, OutputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Version of the baseline file layout.
BASELINE_FORMAT = 1
#: File in a scenarios folder that lists scenario files kept elsewhere.
INDEX_FILE = "index.toml"
#: Default folders, looked up from the current directory and its parents.
DEFAULT_SCENARIOS_DIR = Path("benchmarks") / "scenarios"
DEFAULT_BASELINES_DIR = Path("benchmarks") / "baselines"
#: How to regenerate the baselines (recorded in each file).
UPDATE_COMMAND = "energysim regress --update"

#: ``exact``: round-off only. Measured on the seven benchmark scenarios (2026-11, numba
#: 0.68, x86-64), largest relative change of any KPI against a baseline made by a normal
#: run: a rerun 0 (bit-identical); NUMBA_NUM_THREADS=1 0 (a scenario never spans threads);
#: a cold numba cache (fresh NUMBA_CACHE_DIR, so the kernels are recompiled) 2.1e-16, one
#: ulp, while the curtailment kernel used ``fastmath`` (LLVM reassociated the sums as it
#: chose; the kernel now writes its summation order, and a recompile gives the same bits);
#: NUMBA_DISABLE_JIT=1 (the kernels as plain Python, sequential sums) 2.0e-15.
#: 1e-9 leaves more than five orders of magnitude for another CPU, LLVM or numpy build,
#: and is still far below any change of physics or defaults: a stale profile from a
#: slightly older PV model (same PHYSICS_VERSION) moved PV energy by 5.2e-5 and was caught.
RTOL_EXACT = 1e-9
#: Absolute floor of every tolerance, so that a KPI that is 0 may come back as 0.0 or a
#: denormal; far below any reported figure. [unit of the KPI]
ATOL_FLOOR = 1e-12


@dataclass(frozen=True)
class Tolerance:
    """How far one kind of KPI may move.

    Attributes
    ----------
    rtol : float
        Allowed change as a fraction of the scale. [1]
    scale : str
        ``"self"``: of the baseline value itself; ``"generation"``: of the same fleet-year's
        (or total) generation, for curtailed energy, which is a small difference that a
        tiny change of the hourly profile can move by a large share of itself although
        the energy balance moved only by round-off.
    why : str
        One line for the table.
    """

    rtol: float
    scale: str = "self"
    why: str = ""

    def describe(self):
        """The tolerance as shown in the table. [str]"""
        amount = f"{self.rtol:.0e}" if self.rtol < 1e-4 else f"{self.rtol * 100:g} %"
        return amount + (" of generation" if self.scale == "generation" else "")


#: Tolerance profiles: KPI kind -> Tolerance. Kinds are given by :func:`kpi_kind`.
PROFILES = {
    "exact": {
        "energy": Tolerance(RTOL_EXACT, why="round-off only"),
        "curtailed": Tolerance(RTOL_EXACT, "generation", "round-off of the energy balance"),
        "emissions": Tolerance(RTOL_EXACT, why="round-off only"),
        "yield": Tolerance(RTOL_EXACT, why="round-off only"),
        "capacity": Tolerance(RTOL_EXACT, why="round-off only"),
        "other": Tolerance(RTOL_EXACT, why="round-off only"),
    },
    # A library upgrade (pvlib, windpowerlib, numpy) may move the physics a little; it must
    # not move scenario arithmetic (installed capacity) at all.
    "physical": {
        "energy": Tolerance(0.005, why="0.5 % on annual energy"),
        "curtailed": Tolerance(0.005, "generation", "moves with generation"),
        "emissions": Tolerance(0.005, why="energy x fixed factors"),
        "yield": Tolerance(0.01, why="capacity factor / full-load hours"),
        "capacity": Tolerance(RTOL_EXACT, why="scenario arithmetic, not physics"),
        "other": Tolerance(RTOL_EXACT, why="not physics"),
    },
}


class BaselineError(EnergysimError, ValueError):
    """A regression folder or baseline file is missing or malformed (a user error)."""


# --------------------------------------------------------------------------- KPIs

_FLEET_KPIS = ("generation_mwh", "curtailed_mwh", "delivered_mwh", "avoided_tco2",
               "capacity_factor")
_TOTAL_KPIS = ("generation_mwh", "curtailed_mwh", "delivered_mwh", "avoided_tco2",
               "avoided_coal_tce")
_TECH_KPIS = ("max_installed_mw", "total_delivered_mwh", "mean_full_load_hours")
_MILESTONE_KPIS = ("installed_mw", "installed_pv_mw", "installed_wind_mw", "delivered_mwh",
                   "avoided_tco2", "cumulative_avoided_tco2", "cumulative_avoided_coal_tce")
#: KPIs present only in results that have them (storage and electrolysers, a city baseline).
_OPTIONAL_FLEET_KPIS = ("charged_mwh", "discharged_mwh", "consumed_mwh", "hydrogen_t")
_OPTIONAL_MILESTONE_KPIS = ("baseline_offset_share",)


def kpis_from_result(result):
    """The flat KPI set of one result.

    Parameters
    ----------
    result : Result
        A scenario run (``energysim.simulate.run_scenario``).

    Returns
    -------
    dict of str to float
        KPI name (see the module docstring) -> value, sorted by name. [unit in the name]
    """
    kpis = {}
    annual = result.annual
    optional = [q for q in _OPTIONAL_FLEET_KPIS if q in annual]
    for row in annual.itertuples(index=False):
        for q in (*_FLEET_KPIS, *optional):
            kpis[f"fleet/{row.fleet}/{int(row.year)}/{q}"] = float(getattr(row, q))
    for q in _TOTAL_KPIS:
        kpis[f"total/{q}"] = float(annual[q].sum())
    for tech, values in result.summary.get("technologies", {}).items():
        for q in _TECH_KPIS:
            kpis[f"technology/{tech}/{q}"] = float(values[q])
    for stone in result.summary.get("milestones", []):
        for q in (*_MILESTONE_KPIS, *(q for q in _OPTIONAL_MILESTONE_KPIS if q in stone)):
            kpis[f"milestone/{int(stone['year'])}/{q}"] = float(stone[q])
    return dict(sorted(kpis.items()))


def kpi_kind(name):
    """The tolerance kind of a KPI, from the quantity (last part) of its name.

    Examples
    --------
    >>> kpi_kind("fleet/pv/2030/curtailed_mwh"), kpi_kind("total/avoided_tco2")
    ('curtailed', 'emissions')
    >>> kpi_kind("milestone/2030/installed_mw"), kpi_kind("fleet/pv/2030/capacity_factor")
    ('capacity', 'yield')
    """
    q = name.rsplit("/", 1)[-1]
    if q in ("capacity_factor", "mean_full_load_hours", "full_load_hours"):
        return "yield"
    if q.endswith("curtailed_mwh"):
        return "curtailed"
    if q.endswith("_mwh") or q == "hydrogen_t":
        return "energy"
    if q.endswith("_tco2") or q.endswith("_tce") or q == "baseline_offset_share":
        return "emissions"
    if q.endswith("_mw"):
        return "capacity"
    return "other"


def _scale_name(name):
    head, _, q = name.rpartition("/")
    return f"{head}/{q.replace('curtailed_mwh', 'generation_mwh')}"


# --------------------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Row:
    """One KPI compared.

    Attributes
    ----------
    kpi : str
    baseline, now : float or None
        None where the KPI is absent from that side.
    diff : float
        ``now - baseline`` (NaN if a side is absent). [unit of the KPI]
    rel_diff : float
        ``diff / |baseline|``; 0 if both are 0, inf if only the baseline is 0. [1]
    allowed : float
        Largest ``|diff|`` within tolerance. [unit of the KPI]
    tolerance : str
        The tolerance as text (``"0.5 %"``, ``"1e-09 of generation"``).
    ok : bool
    status : str
        ``"ok"``, ``"DRIFT"``, ``"missing"`` (in the baseline only) or ``"new"``.
    """

    kpi: str
    baseline: float | None
    now: float | None
    diff: float
    rel_diff: float
    allowed: float
    tolerance: str
    ok: bool
    status: str

    @property
    def moved(self):
        """True if the value changed at all (or a side is absent). [bool]"""
        return self.status != "ok" or self.diff != 0.0


def resolve_profile(profile):
    """A profile name or mapping -> mapping of kind to :class:`Tolerance`."""
    if isinstance(profile, str):
        try:
            return PROFILES[profile]
        except KeyError:
            raise BaselineError(f"--profile {profile}: unknown; allowed: "
                                f"{', '.join(PROFILES)}") from None
    return profile


def compare(baseline, now, profile="exact"):
    """Compare two KPI sets under a tolerance profile.

    Parameters
    ----------
    baseline, now : dict of str to float
        Golden and rerun KPIs.
    profile : str or dict
        ``"exact"``, ``"physical"`` or a mapping of kind to :class:`Tolerance`.

    Returns
    -------
    list of Row
        Every KPI of either side: failing rows first, then by decreasing relative drift.

    Examples
    --------
    >>> rows = compare({"total/delivered_mwh": 100.0}, {"total/delivered_mwh": 100.3},
    ...                "physical")
    >>> rows[0].ok, round(rows[0].rel_diff, 6), rows[0].tolerance
    (True, 0.003, '0.5 %')
    >>> compare({"total/delivered_mwh": 100.0}, {"total/delivered_mwh": 100.3})[0].status
    'DRIFT'
    """
    tolerances = resolve_profile(profile)
    rows = []
    for name in sorted(set(baseline) | set(now)):
        kind = kpi_kind(name)
        tol = tolerances.get(kind, tolerances.get("other", Tolerance(RTOL_EXACT)))
        base = baseline.get(name)
        value = now.get(name)
        if base is None or value is None:
            rows.append(Row(name, base, value, math.nan, math.nan, 0.0, tol.describe(), False,
                            "new" if base is None else "missing"))
            continue
        scale = abs(base)
        if tol.scale == "generation":
            scale = max(scale, abs(baseline.get(_scale_name(name), 0.0)))
        allowed = max(tol.rtol * scale, ATOL_FLOOR)
        diff = value - base
        if diff == 0.0:
            rel = 0.0
        elif base == 0.0:
            rel = math.inf
        else:
            rel = diff / abs(base)
        ok = abs(diff) <= allowed and math.isfinite(value)
        rows.append(Row(name, base, value, diff, rel, allowed, tol.describe(), ok,
                        "ok" if ok else "DRIFT"))
    rows.sort(key=lambda r: (r.ok, -(abs(r.rel_diff) if not math.isnan(r.rel_diff) else math.inf),
                             r.kpi))
    return rows


def format_table(rows, limit=None):
    """A fixed-width table of rows: KPI, baseline, now, diff, rel diff, tolerance, status.

    Parameters
    ----------
    rows : list of Row
        As returned by :func:`compare` (already sorted).
    limit : int, optional
        Show at most this many rows and say how many were left out.

    Returns
    -------
    str
    """
    shown = rows if limit is None else rows[:limit]
    width = max([len("KPI"), *(len(r.kpi) for r in shown)])
    header = (f"{'KPI':<{width}}  {'baseline':>16}  {'now':>16}  {'diff':>11}  "
              f"{'rel diff':>10}  {'tolerance':>18}  status")
    lines = [header, "-" * len(header)]
    for r in shown:
        lines.append(f"{r.kpi:<{width}}  {_num(r.baseline):>16}  {_num(r.now):>16}  "
                     f"{_short(r.diff):>11}  {_rel(r.rel_diff):>10}  {r.tolerance:>18}  {r.status}")
    if limit is not None and len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more row(s)")
    return "\n".join(lines)


def _num(value):
    return "-" if value is None else f"{value:.10g}"


def _short(value):
    return "-" if math.isnan(value) else f"{value:+.3g}"


def _rel(value):
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf"
    return f"{value:+.2e}"


# --------------------------------------------------------------------------- baselines

def baseline_path(baselines_dir, name):
    """The baseline file of scenario ``name``. [Path]"""
    return Path(baselines_dir) / f"{name}.json"


def read_baseline(path):
    """Read a baseline file.

    Returns
    -------
    dict
        ``{"format", "scenario", "provenance", "kpis"}``; ``kpis`` is flat name -> float.

    Raises
    ------
    BaselineError
        If the file is missing, not JSON, or lacks a flat ``kpis`` table of numbers.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no baseline: create it with `{UPDATE_COMMAND}`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BaselineError(f"{path}: not a readable baseline: {err}") from None
    kpis = data.get("kpis") if isinstance(data, dict) else None
    if not isinstance(kpis, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in kpis.values()):
        raise BaselineError(f"{path}: 'kpis' must be a flat table of numbers "
                            f"(recreate it with `{UPDATE_COMMAND}`)")
    if data.get("format", BASELINE_FORMAT) != BASELINE_FORMAT:
        raise BaselineError(f"{path}: baseline format {data.get('format')!r}, this energysim "
                            f"reads {BASELINE_FORMAT}: recreate it with `{UPDATE_COMMAND}`")
    data["kpis"] = {k: float(v) for k, v in kpis.items()}
    return data


def baseline_document(name, kpis, provenance):
    """The JSON document of a baseline (what :func:`write_baseline` writes). [dict]"""
    return {"format": BASELINE_FORMAT, "scenario": name, "provenance": provenance,
            "kpis": dict(sorted(kpis.items()))}


def write_baseline(path, document):
    """Write a baseline document atomically (temporary file in the folder, then rename).

    Raises
    ------
    OutputError
        If the folder cannot be written.
    """
    path = Path(path)
    text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        atomic.make_folder(path.parent)
        atomic.write_text(path, text)
    except OSError as err:
        raise OutputError(f"{path}: cannot write baseline: {err.strerror or err}") from err


def provenance_of(result):
    """What a baseline records about how it was made. [dict]"""
    meta = result.metadata
    versions = dict(meta.get("versions", {}))
    return {
        "energysim_version": versions.get("energysim"),
        "physics_version": meta.get("physics_version"),
        "versions": versions,
        "created_utc": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "weather_source": meta.get("weather_source"),
        "weather_sha256": meta.get("weather_sha256"),
        "scenario_sha256": meta.get("scenario_sha256"),
        "numba_disable_jit": os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"),
        "regenerate": UPDATE_COMMAND,
    }


# --------------------------------------------------------------------------- folders

def find_default_dirs(start=None):
    """``benchmarks/scenarios`` and ``benchmarks/baselines`` of the nearest folder up.

    Parameters
    ----------
    start : Path, optional
        Where to start looking (default: the current directory).

    Returns
    -------
    (Path, Path) or (None, None)
    """
    start = Path.cwd() if start is None else Path(start)
    for folder in (start, *start.resolve().parents):
        if (folder / DEFAULT_SCENARIOS_DIR).is_dir():
            return folder / DEFAULT_SCENARIOS_DIR, folder / DEFAULT_BASELINES_DIR
    return None, None


def scenario_files(scenarios_dir):
    """The scenario files of a scenarios folder: its ``*.toml`` and those ``index.toml`` lists.

    Returns
    -------
    list of Path
        In a fixed order: the index's entries in its order, then the folder's files by name.

    Raises
    ------
    BaselineError
        If the folder is missing or empty, or the index is malformed or names a missing file.
    """
    folder = Path(scenarios_dir)
    if not folder.is_dir():
        raise BaselineError(f"{folder}: no such scenarios folder: give --scenarios DIR")
    files = []
    index = folder / INDEX_FILE
    if index.is_file():
        try:
            data = tomllib.loads(index.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise BaselineError(f"{index}: not a readable index: {err}") from None
        entries = data.get("scenarios")
        if (not isinstance(entries, list) or not all(isinstance(e, str) for e in entries)
                or set(data) - {"scenarios"}):
            raise BaselineError(f"{index}: expected only `scenarios = [\"path.toml\", ...]` "
                                "(paths relative to the index file)")
        for entry in entries:
            path = (folder / entry).resolve()
            if not path.is_file():
                raise BaselineError(f"{index}: scenarios entry {entry!r}: no such file "
                                    f"({path})")
            files.append(path)
    files += sorted(p for p in folder.glob("*.toml") if p.name != INDEX_FILE)
    if not files:
        raise BaselineError(f"{folder}: no scenario files (*.toml or {INDEX_FILE})")
    return files


def load_scenarios(scenarios_dir):
    """Validated scenarios of a scenarios folder, with unique names.

    Returns
    -------
    list of (Path, Scenario)

    Raises
    ------
    ScenarioError
        If a scenario is invalid.
    BaselineError
        If the folder is unusable or two scenarios share a name (they would share a
        baseline file).
    """
    from energysim.scenario import load_scenario

    loaded = []
    names = {}
    for path in scenario_files(scenarios_dir):
        scenario = load_scenario(path)
        if scenario.name in names:
            raise BaselineError(f"{path}: name = {scenario.name!r} is also the name of "
                                f"{names[scenario.name]}: each scenario has one baseline file "
                                "named after it, so names must differ")
        names[scenario.name] = path
        loaded.append((path, scenario))
    return loaded


# --------------------------------------------------------------------------- running

@dataclass(frozen=True)
class Check:
    """The regression check of one scenario.

    Attributes
    ----------
    name : str
    path : Path
        The scenario file.
    baseline_path : Path
    kpis : dict
        Rerun KPIs.
    provenance : dict
        Provenance of the rerun.
    rows : list of Row
        Comparison with the baseline (empty when there was no baseline to compare).
    """

    name: str
    path: Path
    baseline_path: Path
    kpis: dict
    provenance: dict
    rows: list

    @property
    def failed(self):
        """Rows beyond tolerance. [list of Row]"""
        return [r for r in self.rows if not r.ok]


def rerun(scenario, profile_cache=None):
    """Run one scenario and return its KPIs and provenance. [(dict, dict)]"""
    from energysim.simulate import run_scenario

    result = run_scenario(scenario, profile_cache=profile_cache)
    return kpis_from_result(result), provenance_of(result)


def run_checks(scenarios_dir, baselines_dir, profile="exact", *, update=False,
               profile_cache=None, progress=None):
    """Rerun every scenario of a folder and compare it with its baseline.

    Every baseline is read before anything runs, so a missing one fails at once. With
    ``update`` the baselines are neither required nor changed here: the caller writes
    :func:`baseline_document` of each check with :func:`write_baseline` once all ran.

    Parameters
    ----------
    scenarios_dir, baselines_dir : Path
    profile : str or dict
        Tolerance profile.
    update : bool
        Compare with the old baseline where one exists (for the report), else skip.
    profile_cache : optional
        On-disk profile cache; None (the default for regression runs) recomputes the
        physics, so that a physics change is never hidden by a stale cache entry.
    progress : callable, optional
        ``progress(name)`` before each scenario runs.

    Returns
    -------
    list of Check
    """
    tolerances = resolve_profile(profile)
    loaded = load_scenarios(scenarios_dir)
    baselines = {}
    for _, scenario in loaded:
        path = baseline_path(baselines_dir, scenario.name)
        if update and not path.exists():
            continue
        baselines[scenario.name] = read_baseline(path)["kpis"]
    checks = []
    for path, scenario in loaded:
        if progress is not None:
            progress(scenario.name)
        kpis, provenance = rerun(scenario, profile_cache)
        old = baselines.get(scenario.name)
        rows = compare(old, kpis, tolerances) if old is not None else []
        checks.append(Check(scenario.name, path, baseline_path(baselines_dir, scenario.name),
                            kpis, provenance, rows))
    return checks


def orphan_baselines(baselines_dir, names):
    """Baseline files in ``baselines_dir`` whose scenario is not among ``names``. [list]"""
    folder = Path(baselines_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if p.stem not in set(names))


__all__ = ["PROFILES", "RTOL_EXACT", "Tolerance", "Row", "Check", "BaselineError",
           "kpis_from_result", "kpi_kind", "compare", "format_table", "read_baseline",
           "write_baseline", "baseline_document", "provenance_of", "find_default_dirs",
           "scenario_files", "load_scenarios", "rerun", "run_checks", "orphan_baselines"]
