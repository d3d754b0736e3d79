"""A whole sweep run: :func:`run_sweep` and the ``--dry-run`` cost estimate (thin).

Owns the order of a run (expand and validate the points, load the weather, open the store,
compute the distinct profiles once, run the chunks on an executor, combine and summarize)
and the cost model of ``--dry-run``; the work itself is done by the other modules of
:mod:`energysim.sweep`, which this one imports (nothing imports it but the package's
``__init__``), with ``errors`` and ``simulate`` (inside :func:`run_sweep`) from energysim.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from energysim.errors import OutputExistsError, ScenarioError
from energysim.sweep.design import PointBuilder, expand, validate_points
from energysim.sweep.executors import (
    MIN_POINTS_PER_WORKER,
    VECTORISED_MIN_POINTS_PER_WORKER,
    ChunkTask,
    Context,
    LocalPool,
    WorkerState,
    effective_workers,
    run_dask,
    run_local,
)
from energysim.sweep.kpis import summarize, technologies
from energysim.sweep.store import (
    atomic_text,
    copy_inputs,
    read_manifest,
    combine_chunks,
    manifest_for,
    open_store,
    write_chunk,
)

logger = logging.getLogger("energysim.sweep")

#: Points per chunk (the unit of work, of writing and of resuming) unless given, when each
#: point is a scenario of its own (``--full-annual``, or parameters other than numbers).
DEFAULT_CHUNK_SIZE = 250
#: The same on the vectorised path (points differing only in numbers, see
#: :mod:`energysim.sweep.numbers`): a point costs ~30x less there, and every chunk
#: costs a Parquet file and a kernel call per structural combination.
VECTORISED_CHUNK_SIZE = 2500
#: Cost model of ``--dry-run``: one physics profile (a year of pvlib/windpowerlib), measured
#: on a 2-core machine (2026-12-02, load ~2): 6-10 ms per PV design in batches of 5-100,
#: 1-10 ms per wind configuration. [s]
PROFILE_COST_S = 0.01
#: Cost model of ``--dry-run``: kernel and bookkeeping per point, year and fleet when each
#: point is a scenario of its own, measured on a 2-core laptop-class machine (2026); the
#: validation part is measured at run time. [s]
SIMULATE_COST_S_PER_POINT_YEAR_FLEET = 3.5e-5
#: The same on the vectorised path (:mod:`energysim.sweep.numbers`), measured on a
#: 2-core machine (2026-12-02, load ~3): 10,000 points x 40 years x 2 fleets in 1.0-1.6 s
#: of chunks (kernel, KPIs, Parquet). [s]
VECTORISED_COST_S_PER_POINT_YEAR_FLEET = 2e-6


# --------------------------------------------------------------------------- dry run

def default_chunk_size(check):
    """Points per chunk unless given: :data:`VECTORISED_CHUNK_SIZE` on the vectorised path,
    :data:`DEFAULT_CHUNK_SIZE` otherwise. ``check`` is :func:`validate_points`'s result."""
    return VECTORISED_CHUNK_SIZE if check.get("plan") is not None else DEFAULT_CHUNK_SIZE


def estimate_cost(spec, points, check, workers=1):
    """Rough cost of running a sweep, for ``--dry-run``.

    Parameters
    ----------
    spec : SweepSpec
    points : Points
    check : dict
        The result of :func:`validate_points`.
    workers : int
        Processes sharing the per-point work.

    Returns
    -------
    dict
        ``profiles_s`` (distinct profiles x :data:`PROFILE_COST_S`), ``points_s`` (validation
        measured, kernel assumed, divided among workers) and ``total_s``. [s]
    """
    n_years = spec.base.years[1] - spec.base.years[0] + 1
    n_fleets = len(spec.base.fleets)
    if check.get("plan") is not None:  # validated once, as arrays; no scenario per point
        per_point = (check["seconds_per_point"]
                     + VECTORISED_COST_S_PER_POINT_YEAR_FLEET * n_years * n_fleets)
    else:
        per_point = (check["seconds_per_point"] * 2  # on the client, and again on a worker
                     + SIMULATE_COST_S_PER_POINT_YEAR_FLEET * n_years * n_fleets)
    profiles_s = len(check["profiles"]) * PROFILE_COST_S
    points_s = len(points) * per_point / max(workers, 1)
    return {"profiles_s": profiles_s, "points_s": points_s, "total_s": profiles_s + points_s,
            "seconds_per_point": per_point}


# --------------------------------------------------------------------------- the whole run

@dataclass(frozen=True)
class SweepOutcome:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    folder : Path
        ``OUT/<sweep-name>``.
    points : pandas.DataFrame
        The points table (also in ``points.parquet``).
    summary : dict
        From :func:`summarize` (also in ``summary.json``).
    n_chunks, computed_chunks : int
        Chunks in the sweep; chunks computed by this call (the rest were resumed).
    n_profiles : int
        Distinct per-unit profiles.
    seconds : dict
        Wall time of ``validate``, ``weather``, ``profiles``, ``chunks`` and ``total``. [s]
    """

    folder: Path
    points: pd.DataFrame
    summary: dict
    n_chunks: int
    computed_chunks: int
    n_profiles: int
    seconds: dict


def run_sweep(spec, out_dir, *, workers=1, scheduler=None, dask_local=None, chunk_size=None,
              full_annual=None, resume=False, overwrite=False, force_changed=False,
              cn_units=False, profile_cache=None, on_progress=None,
              min_points_per_worker=None):
    """Run a sweep into ``out_dir/<name>/``, chunk by chunk, resumably.

    Parameters
    ----------
    spec : SweepSpec
    out_dir : str or Path
    workers : int
        Local worker processes at most (1: run in this process); see
        ``min_points_per_worker``.
    scheduler : str, optional
        A Dask scheduler address; the chunks run there.
    dask_local : int, optional
        Start a Dask ``LocalCluster`` of this many worker processes.
    chunk_size : int, optional
        Points per chunk (default :func:`default_chunk_size`; on resume the first run's).
    full_annual : bool, optional
        Also write each point's annual table under ``annual/`` (default False; on resume
        the first run's).
    resume, overwrite, force_changed : bool
        Complete an existing output; replace it; resume although inputs changed.
    cn_units : bool
        Add 亿千瓦时 / 万吨CO2 columns to ``points.parquet``.
    profile_cache : optional
        An on-disk profile cache (``energysim.cache.ProfileCache``).
    on_progress : callable, optional
        ``on_progress(done, total)``: points written by this call and points it will
        compute, once with ``done = 0`` before the first chunk, then as each chunk is
        written. The library never prints; the command line draws this on a terminal.
    min_points_per_worker : int, optional
        Small sweeps use fewer local workers (see :func:`run_local`); default
        :data:`~energysim.sweep.executors.MIN_POINTS_PER_WORKER`, or
        :data:`~energysim.sweep.executors.VECTORISED_MIN_POINTS_PER_WORKER` on the
        vectorised path.

    Returns
    -------
    SweepOutcome
    """
    from energysim.simulate import (
        check_weather_distance,
        load_scenario_weather,
        profiles_for,
    )

    t0 = time.perf_counter()
    points = expand(spec)
    folder = Path(out_dir) / spec.name
    if folder.exists() and not resume and not overwrite:
        raise OutputExistsError(f"{folder}: sweep output exists: pass --resume to complete it "
                                "or --overwrite to start again")
    old = read_manifest(folder) if resume else None
    if full_annual is None:
        full_annual = bool(old["full_annual"]) if old else False
    if chunk_size is not None and chunk_size < 1:
        raise ScenarioError(f"--chunk-size {chunk_size}: give a number >= 1")
    builder = PointBuilder(spec)
    check = validate_points(spec, points, builder, vectorised=not full_annual)
    if chunk_size is None:
        chunk_size = old["chunk_size"] if old else default_chunk_size(check)
    if min_points_per_worker is None:
        min_points_per_worker = (VECTORISED_MIN_POINTS_PER_WORKER if check["plan"] is not None
                                 else MIN_POINTS_PER_WORKER)
    t_validate = time.perf_counter()
    logger.info("validate %d points: %.2f s", len(points), t_validate - t0)
    pool = None
    if not (scheduler or dask_local or resume):
        n_local = effective_workers(len(points), math.ceil(len(points) / chunk_size), workers,
                                    min_points_per_worker)
        if n_local > 1:  # the workers start while the weather loads and the physics runs
            pool = LocalPool(n_local)
    try:
        from energysim.cache import WeatherCache

        weather_cache = (WeatherCache(Path(profile_cache.folder) / "weather")
                         if getattr(profile_cache, "folder", None) is not None else None)
        weather, meta = load_scenario_weather(spec.base, weather_cache)
        for site in {site for _, site in check["profiles"].values()} - {spec.base.site}:
            # a swept site: the weather must suit each point's site too
            meta = check_weather_distance(spec.base.model_copy(update={"site": site}), meta)
        t_weather = time.perf_counter()
        logger.info("weather %s: %.2f s", spec.base.weather.source, t_weather - t_validate)
        manifest = manifest_for(spec, points, chunk_size, full_annual, meta.get("sha256"))
        todo = open_store(folder, manifest, resume=resume, overwrite=overwrite,
                          force_changed=force_changed, where=spec.where)
        copy_inputs(folder, spec)
        profiles = {}
        if todo:  # distinct PV designs are computed in batches (issue 15)
            profiles = profiles_for(check["profiles"].values(), weather, meta, profile_cache)
        t_profiles = time.perf_counter()
        logger.info("physics, %d distinct profiles: %.2f s", len(profiles),
                    t_profiles - t_weather)
        techs = technologies(spec)
        context = Context(spec=spec, weather=weather, weather_meta=meta, profiles=profiles,
                          techs=techs, full_annual=full_annual, token=uuid.uuid4().hex,
                          plan=check["plan"])
        tasks = [ChunkTask(chunk_id=i, start=i * chunk_size,
                           codes=points.codes[i * chunk_size:(i + 1) * chunk_size],
                           tags=tuple(points.tags[i * chunk_size:(i + 1) * chunk_size]))
                 for i in todo]
        total = sum(len(t.tags) for t in tasks)
        done = 0
        if on_progress is not None:
            on_progress(0, total)
        written = set()

        def on_result(result):
            nonlocal done
            chunk_id = result[0]
            if chunk_id in written:  # a duplicate result (rescheduled task): already stored
                return
            write_chunk(folder, spec, techs, result)
            written.add(chunk_id)
            done += len(result[1])
            if on_progress is not None:
                on_progress(done, total)

        if scheduler or dask_local:
            run_dask(context, tasks, on_result, scheduler=scheduler, dask_local=dask_local)
        else:
            # Chunks run in this process reuse the tables validated above.
            run_local(context, tasks, workers, on_result, min_points_per_worker,
                      state=WorkerState.for_context(context, builder), pool=pool)
    except BaseException:
        if pool is not None:
            pool.close(cancel=True)
        raise
    if pool is not None:
        pool.close()
    t_chunks = time.perf_counter()
    logger.info("kernels, %d chunks of up to %d points on %s: %.2f s", len(tasks), chunk_size,
                "Dask" if scheduler or dask_local else f"up to {workers} local process(es)",
                t_chunks - t_profiles)
    frame = combine_chunks(folder, spec, techs, len(points), cn_units=cn_units)
    summary = summarize(frame, spec, techs)
    summary["seconds"] = {"validate": t_validate - t0, "weather": t_weather - t_validate,
                          "profiles": t_profiles - t_weather,
                          "chunks": t_chunks - t_profiles,
                          "total": time.perf_counter() - t0}
    summary["n_profiles"] = len(check["profiles"])
    atomic_text(json.dumps(summary, indent=2, ensure_ascii=False, default=_json_default) + "\n",
                 folder / "summary.json")
    logger.info("write points.parquet and summary.json: %.2f s", time.perf_counter() - t_chunks)
    return SweepOutcome(folder=folder, points=frame, summary=summary,
                        n_chunks=manifest["n_chunks"], computed_chunks=len(tasks),
                        n_profiles=len(check["profiles"]), seconds=summary["seconds"])


def _json_default(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return str(value)


# --------------------------------------------------------------------------- Python API

def sweep_points(spec, out_dir=None, *, base_dir=None, **options):
    """Run a sweep given as a file or a dict and return its points table.

    This is ``energysim.run_sweep``: the sweep file format of :mod:`energysim.sweep`, from
    Python, with writing to a folder optional.

    Parameters
    ----------
    spec : str, Path, dict or SweepSpec
        A sweep TOML file, or its contents as a dict (``base``, ``[design]``,
        ``[parameters]``, ``[output]``), or a parsed :class:`SweepSpec`.
    out_dir : str or Path, optional
        Write the sweep to ``out_dir/<name>/`` (resumable, as ``energysim sweep -o``).
        Default: a temporary folder, removed before returning.
    base_dir : str or Path, optional
        For a dict: the folder a relative ``base`` is resolved against (default: the
        current folder).
    **options
        Passed to :func:`run_sweep` (``workers``, ``chunk_size``, ``profile_cache``,
        ``overwrite``, ``resume``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per point: ``point``, ``tag``, the parameters, then the KPIs
        (``delivered_mwh_<tech>_<year>`` [MWh], ``capacity_factor_<tech>_<year>`` [1],
        ``curtailed_mwh_total`` [MWh], ``cumulative_avoided_tco2_<year>`` [tCO2]).

    Raises
    ------
    ScenarioError
        One line naming the sweep (file or ``<dict>``), the parameter and what is allowed.
    """
    import hashlib
    import tempfile

    from energysim.sweep.spec import SweepSpec, load_sweep, parse_sweep

    if isinstance(spec, dict):
        import tomli_w

        try:
            text = tomli_w.dumps(spec)
        except (TypeError, ValueError) as err:
            raise ScenarioError(f"<dict sweep>: not TOML data: {err}") from None
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
        spec = parse_sweep(spec, folder / "sweep.toml", text=text,
                           sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    elif not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    if out_dir is not None:
        return run_sweep(spec, out_dir, **options).points
    with tempfile.TemporaryDirectory(prefix="energysim-sweep-") as temporary:
        return run_sweep(spec, temporary, **options).points
