"""Parameter sweeps: a sweep file -> points -> chunks of KPIs, resumable, local or on Dask.

Owns the sweep file format (``base``, ``[design]``, ``[parameters]``, ``[output]``), its
expansion into points (grid, random, Latin hypercube) with their tags, the per-point KPIs,
the chunk store with its manifest, and the two executors (a local process pool and a Dask
cluster); imports only ``errors``, ``units``, ``scenario``, ``results``, ``physics`` (its
version, for the manifest) and ``simulate`` from energysim, ``dask``/``distributed`` only
inside the Dask code path, and never ``plotting`` or ``cli``. Physics never runs per point:
the distinct per-unit profiles are computed once on the client and sent to every worker
once; each chunk of points is arithmetic on them (:func:`energysim.simulate.simulate_batch`).

Sweep file
----------
.. code-block:: toml

    base = "../shaoguan-potential.toml"    # relative to the sweep file
    name = "potential-1000"                # optional; default: the file's stem

    [design]
    kind = "grid"                          # "grid" | "random" | "lhs"
    # samples = 500                        # random / lhs only
    # seed = 0                             # random / lhs only

    [parameters]
    "pv[0].tilt_deg" = [10, 15, 20, 25, 30]                                 # values
    "pv[utility-pv].dc_ac_ratio" = { start = 1.1, stop = 1.4, step = 0.1 }  # inclusive
    "wind[ridge-wind].hub_height_m" = { values = [90, 120], alias = "hh" }
    # random / lhs only:  "grid.export_limit_mw" = { dist = "uniform", low = 6000, high = 12000 }
    #                     { dist = "normal", mean = .., sd = .., low = .., high = .. }
    #                     { dist = "choice", values = [..] }

    [parameters."grid.emission_factor_t_per_mwh"]         # whole tables as values
    values = [{ 2021 = 0.5568, 2060 = 0.05 }, { 2021 = 0.5568, 2060 = 0.3 }]
    labels = ["3060", "slow"]                             # short tags and column values

    [parameters.pace]                                     # one value set at several paths
    paths = ["pv[0].buildout_share", "wind[0].buildout_share"]
    values = [{ 2021 = 0.1, 2030 = 1.0 }, { 2021 = 0.05, 2040 = 1.0 }]
    labels = ["fast", "slow"]

    [output]
    years = [2025, 2030, 2060]             # KPI years; default 2025, 2030, 2035, 2060 in range

Paths name a key of the resolved base scenario: ``table.key``, with ``pv[i]``/``wind[i]``
(index or fleet name) for fleets and an optional ``[year]`` on a year table
(``grid.emission_factor_t_per_mwh[2060]``). Keys with brackets must be quoted in TOML.
Setting a key replaces the keys it excludes (``capacity_wan_kw`` replaces ``capacity_mw``,
``buildout`` replaces ``buildout_share``, ``emission_factor`` replaces
``emission_factor_t_per_mwh``, ``tracking = "single_axis"`` drops the default tilt, ...;
the table is :data:`energysim.scenario_paths.REPLACES`); two swept keys that exclude each
other in one table are refused up front.

Sampling rule: a random design draws ``u ~ U(0, 1)`` per point and parameter, a Latin
hypercube stratifies ``u`` into ``samples`` equal bins (one per point, independently
permuted per parameter); both map ``u`` through the inverse CDF of the parameter's
distribution (uniform, normal truncated to ``[low, high]`` if given). Lists, ranges and
``dist = "choice"`` are discrete: level ``floor(u * k)`` of ``k`` levels, so in a Latin
hypercube every level occurs ``samples // k`` or ``samples // k + 1`` times.

Modules
-------
Imports inside the package point one way (each module imports only those listed above it):

- :mod:`~energysim.sweep.spec`: reading and checking the sweep file, parameter specs,
  parameter paths into the base scenario, tag aliases and labels.
- :mod:`~energysim.sweep.kpis`: parameter and KPI columns, the ``--full-annual`` table, the
  summary and sensitivity ranks (imports ``spec``).
- :mod:`~energysim.sweep.numbers`: the vectorised path: points that differ only in numbers
  (capacities, export limit, emission factors) checked and simulated as arrays, one
  scenario per structural combination (imports ``kpis``).
- :mod:`~energysim.sweep.design`: grid / random / Latin-hypercube expansion, tags, point
  dicts -> validated scenarios (imports ``spec``, ``numbers``).
- :mod:`~energysim.sweep.store`: the chunk store, manifest, atomic writes, resume checks,
  ``points.parquet`` (imports ``kpis``).
- :mod:`~energysim.sweep.executors`: :func:`run_chunk`, the local process pool and the Dask
  path (imports ``spec``, ``design``, ``kpis``, ``numbers``).
- :mod:`~energysim.sweep.run`: :func:`run_sweep` and the ``--dry-run`` cost estimate (imports
  all of the above).

This ``__init__`` holds no code: it re-exports the public API below.
"""

from energysim.sweep.design import PointBuilder, Points, expand, make_tags, validate_points
from energysim.sweep.executors import (
    MIN_POINTS_PER_WORKER,
    VECTORISED_MIN_POINTS_PER_WORKER,
    ChunkTask,
    Context,
    effective_workers,
    run_chunk,
    run_dask,
    run_local,
)
from energysim.sweep.kpis import (
    TORNADO_TOP,
    annual_frame,
    annual_schema,
    headline_kpis,
    kpi_columns,
    kpi_schema,
    parameter_columns,
    parameter_schema,
    summarize,
    technologies,
)
from energysim.sweep.run import (
    DEFAULT_CHUNK_SIZE,
    PROFILE_COST_S,
    SIMULATE_COST_S_PER_POINT_YEAR_FLEET,
    VECTORISED_CHUNK_SIZE,
    SweepOutcome,
    default_chunk_size,
    estimate_cost,
    run_sweep,
    sweep_points,
)
from energysim.sweep.spec import (
    DESIGNS,
    DISTRIBUTIONS,
    MAX_POINTS,
    MILESTONE_YEARS,
    Parameter,
    SweepSpec,
    load_sweep,
    parse_sweep,
    resolve_path,
)
from energysim.sweep.store import (
    MANIFEST_FORMAT,
    chunk_done,
    chunk_name,
    combine_chunks,
    manifest_for,
    open_store,
    write_chunk,
)

__all__ = [
    # spec
    "DESIGNS", "DISTRIBUTIONS", "MAX_POINTS", "MILESTONE_YEARS", "Parameter", "SweepSpec",
    "load_sweep", "parse_sweep", "resolve_path",
    # design
    "Points", "PointBuilder", "expand", "make_tags", "validate_points",
    # kpis
    "TORNADO_TOP", "annual_frame", "annual_schema", "headline_kpis", "kpi_columns",
    "kpi_schema", "parameter_columns", "parameter_schema", "summarize", "technologies",
    # store
    "MANIFEST_FORMAT", "chunk_done", "chunk_name", "combine_chunks", "manifest_for",
    "open_store", "write_chunk",
    # executors
    "MIN_POINTS_PER_WORKER", "VECTORISED_MIN_POINTS_PER_WORKER", "ChunkTask", "Context", "effective_workers", "run_chunk",
    "run_dask", "run_local",
    # run
    "DEFAULT_CHUNK_SIZE", "PROFILE_COST_S", "SIMULATE_COST_S_PER_POINT_YEAR_FLEET",
    "VECTORISED_CHUNK_SIZE", "SweepOutcome", "default_chunk_size", "estimate_cost", "run_sweep",
    "sweep_points",
]
