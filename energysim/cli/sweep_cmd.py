"""``energysim sweep``: run a parameter sweep file (click, thin).

Owns the sweep command's options and its printed summary (the progress line is
``cli.progress``); the work is :func:`energysim.sweep.run_sweep`, imported inside the
command body (with ``cache`` and ``plotting``) so that ``energysim --help`` stays fast. A
bad sweep file, a bad flag or an existing output without ``--resume``/``--overwrite`` ends
with one line on stderr and exit status 2; Ctrl-C keeps the completed chunks and exits with
status 130.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import click

from energysim.cli.common import debug_option, fail_on_user_error, out_options, verbosity_options
from energysim.cli.progress import TerminalProgress

logger = logging.getLogger(__name__)

#: Exit status after Ctrl-C (128 + SIGINT), as a shell reports it.
EXIT_INTERRUPTED = 130


@click.command()
@click.argument("sweep_file", metavar="SWEEP.toml", type=click.Path(path_type=Path))
@out_options
@click.option("--dry-run", is_flag=True,
              help="Check the sweep and print its size and cost estimate; run nothing.")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
              help="Local worker processes at most; a sweep of fewer than 2,000 points per "
                   "worker (50,000 when points differ only in numbers) uses fewer, as a "
                   "worker takes seconds to start.  [default: the number of CPUs]")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Run the chunks on this Dask distributed scheduler.")
@click.option("--dask-local", type=click.IntRange(min=1), metavar="N", default=None,
              help="Start a Dask LocalCluster of N worker processes on 127.0.0.1 and run there.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None,
              help="Points per chunk (unit of work, writing and resuming).  "
                   "[default: 2,500 when points differ only in capacities, export limit and "
                   "emission factors, else 250; on --resume the first run's]")
@click.option("--full-annual/--no-full-annual", default=None,
              help="Also write every point's annual table, one Parquet file per chunk under "
                   "annual/.  [default: no; on --resume the first run's]")
@click.option("--resume", is_flag=True,
              help="Complete an interrupted sweep: compute only the chunks not yet written.")
@click.option("--force-changed", is_flag=True,
              help="With --resume: accept a sweep file, base scenario or weather that changed "
                   "since the first run (completed chunks are kept as they are).")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Keep per-unit profiles in the user cache folder between runs.")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Write tornado.png.")
@verbosity_options
@debug_option
@fail_on_user_error
def sweep(sweep_file, out, overwrite, unit_system, dry_run, workers, scheduler, dask_local,
          chunk_size, full_annual, resume, force_changed, cache, plots, verbosity, debug):
    """Run the parameter sweep in SWEEP.toml and write OUT/<sweep-name>/.

    The sweep file names a base scenario and the parameters to vary (grid, random or
    Latin-hypercube design). Each point is the base with those values; points that share
    a physical configuration share one pvlib/windpowerlib run. Writes points.parquet (a
    row per point: tag, parameters, KPIs), summary.json, tornado.png and, as the run goes,
    chunks/ and manifest.json, so that an interrupted sweep continues with --resume.
    Prints the KPI ranges and the parameters that move them most (Spearman rank
    correlation).
    """
    from energysim import sweep as sweep_mod

    if scheduler and dask_local:
        raise click.UsageError("give --scheduler or --dask-local, not both")
    if workers is not None and (scheduler or dask_local):
        raise click.UsageError("--workers is for local runs; a Dask cluster has its own workers")
    if resume and overwrite:
        raise click.UsageError("give --resume (complete the output) or --overwrite (start "
                               "again), not both")
    if force_changed and not resume:
        raise click.UsageError("--force-changed only applies with --resume")
    workers = workers or os.cpu_count() or 1

    spec = sweep_mod.load_sweep(sweep_file)
    if dry_run:
        _dry_run(spec, sweep_mod, dask_local or workers, chunk_size,
                 dask=bool(scheduler or dask_local), full_annual=bool(full_annual))
        return

    profile_cache = None
    if cache:
        from energysim.cache import ProfileCache

        profile_cache = ProfileCache()
    bar = TerminalProgress("points")  # drawn only when stderr is a terminal
    bar.enabled = bar.enabled and verbosity >= 0
    try:
        outcome = sweep_mod.run_sweep(
            spec, out, workers=workers, scheduler=scheduler, dask_local=dask_local,
            chunk_size=chunk_size, full_annual=full_annual, resume=resume, overwrite=overwrite,
            force_changed=force_changed, cn_units=unit_system == "cn",
            profile_cache=profile_cache, on_progress=bar)
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"\ninterrupted: completed chunks are kept in {Path(out) / spec.name}/; "
                   "rerun with --resume to finish", err=True)
        raise SystemExit(EXIT_INTERRUPTED)
    finally:
        bar.close()
    if plots:
        started = time.perf_counter()
        _write_tornado(outcome, unit_system)
        logger.info("figures (tornado.png): %.2f s", time.perf_counter() - started)
    if verbosity >= 0:
        click.echo(format_summary(outcome, spec, unit_system))


def _dry_run(spec, sweep_mod, workers, chunk_size, dask=False, full_annual=False):
    points = sweep_mod.expand(spec)
    check = sweep_mod.validate_points(spec, points, vectorised=not full_annual)
    chunk_size = chunk_size or sweep_mod.default_chunk_size(check)
    n_chunks = -(-len(points) // chunk_size)
    if not dask:
        workers = sweep_mod.effective_workers(
            len(points), n_chunks, workers,
            sweep_mod.VECTORISED_MIN_POINTS_PER_WORKER if check["plan"] is not None
            else sweep_mod.MIN_POINTS_PER_WORKER)
    cost = sweep_mod.estimate_cost(spec, points, check, workers=workers)
    click.echo(f"sweep {spec.name} ({spec.path}): {spec.kind} design, base {spec.base.name}, "
               f"{len(spec.parameters)} parameter{'s' if len(spec.parameters) != 1 else ''}")
    for param in spec.parameters:
        if param.discrete:
            what = f"{len(param.levels)} values: {', '.join(param.labels[:6])}"
            what += ", ..." if len(param.labels) > 6 else ""
        else:
            what = f"{param.kind} " + ", ".join(f"{k} = {v:g}" for k, v in param.dist.items())
        click.echo(f"  {param.path:<40} alias {param.alias:<8} {what}")
    click.echo(f"points:                 {len(points):,} (first tag {points.tags[0]})")
    click.echo(f"physics configurations: {len(check['profiles'])} distinct profiles, "
               f"{check['groups']} distinct fleet combinations")
    click.echo(f"chunks:                 {n_chunks} of up to {chunk_size} points")
    click.echo(f"estimated cost:         ~{cost['profiles_s']:.1f} s physics "
               f"({len(check['profiles'])} x {sweep_mod.PROFILE_COST_S} s, less for cached "
               f"profiles) + ~{cost['points_s']:.1f} s per-point work "
               f"({cost['seconds_per_point'] * 1e6:.0f} us/point on {workers} "
               f"worker{'s' if workers != 1 else ''}) = ~{cost['total_s']:.0f} s, "
               "plus worker start-up")


def _write_tornado(outcome, unit_system="cn"):
    from energysim.atomic import write_bytes
    from energysim.errors import OutputError
    from energysim.plotting import png_bytes, tornado_figure

    tornado = outcome.summary["tornado"]
    if not tornado["effects"]:
        return
    fig = tornado_figure(tornado, title=f"{outcome.summary['sweep']}: parameter effects",
                         units=unit_system)
    path = outcome.folder / "tornado.png"
    try:
        write_bytes(path, png_bytes(fig))
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None


def kpi_label(name, unit_system="cn"):
    """What a sweep KPI is, saying annual or cumulative (Chinese too under "cn"). [str]"""
    import re

    tech = {"pv": ("光伏", "PV"), "wind": ("风电", "wind")}
    match = re.fullmatch(r"(delivered_mwh|capacity_factor)_(pv|wind)_(\d{4})", name)
    if match:
        zh, en = tech[match[2]]
        if match[1] == "delivered_mwh":
            text = (f"{match[3]}年{zh}上网电量", f"{en} delivered in {match[3]}, annual")
        else:
            text = (f"{match[3]}年{zh}容量系数", f"{en} capacity factor in {match[3]}")
    elif name == "curtailed_mwh_total":
        text = ("累计弃电量", "curtailed over all years, cumulative")
    elif (match := re.fullmatch(r"cumulative_avoided_tco2_(\d{4})", name)):
        text = (f"截至{match[1]}年累计减排CO2", f"avoided CO2 through {match[1]}, cumulative")
    else:
        text = (name, name)
    return f"{text[0]} {text[1]}" if unit_system == "cn" else text[1]


def format_summary(outcome, spec, unit_system="cn"):
    """The printed summary: what was written, KPI ranges, parameters that matter. [str]

    Energy and CO2 KPIs are shown in GWh and ktCO2; under ``unit_system`` "cn" a row in
    亿千瓦时 / 万吨CO2 comes first. Every label says annual or cumulative.
    """
    from energysim.comparison import QUANTITIES, format_number, text_table

    by_unit = {}
    for q in QUANTITIES:
        by_unit.setdefault(q.unit, q)
    summary = outcome.summary
    seconds = outcome.seconds
    resumed = outcome.n_chunks - outcome.computed_chunks
    lines = [f"wrote {outcome.folder}/points.parquet: {summary['n_points']:,} points, "
             f"{outcome.computed_chunks} chunk{'s' if outcome.computed_chunks != 1 else ''} "
             f"computed" + (f", {resumed} resumed" if resumed else "")
             + f", {outcome.n_profiles} profiles, {seconds['total']:.1f} s "
             f"(physics {seconds['profiles']:.1f} s, points {seconds['chunks']:.1f} s)"]
    rows = []
    for name, row in summary["kpis"].items():
        stats = [row["min"], row["median"], row["max"]]
        q = by_unit.get(row["unit"])
        label = kpi_label(name, unit_system)
        if q is None:
            unit = row["unit"]
            rows.append([label, unit, *(format_number(v, unit)
                                        if v is not None else "-" for v in stats)])
            continue
        if unit_system == "cn":
            rows.append([label, q.cn_unit, *(format_number(q.in_cn(v), q.cn_unit)
                                             if v is not None else "-" for v in stats)])
            label = ""
        rows.append([label, q.shown_unit, *(format_number(q.shown(v), q.shown_unit)
                                            if v is not None else "-" for v in stats)])
    lines.append("")
    lines.append(text_table(["KPI", "unit", "min", "median", "max"], rows, align="llrrr"))
    lines.append("")
    lines.append("Spearman rank correlation of each parameter with the headline KPIs "
                 "(strongest first):")
    for kpi, rhos in summary["spearman"].items():
        ranked = sorted(((p, r) for p, r in rhos.items() if r is not None),
                        key=lambda item: -abs(item[1]))
        text = ", ".join(f"{p} {r:+.2f}" for p, r in ranked) or "no variation"
        lines.append(f"  {kpi}: {text}")
    return "\n".join(lines)
