"""``energysim regress``: rerun the benchmark scenarios and compare them with golden KPIs.

Owns the command's options, its printed tables and its exit status (0 all KPIs within
tolerance, 1 drift, 2 a user error such as a missing folder or baseline); the comparison is
:mod:`energysim.regress`, imported inside the command body so that ``energysim --help``
stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from energysim.cli.common import debug_option, fail_on_user_error

#: Exit status when a KPI drifted beyond tolerance (or a KPI appeared or vanished).
EXIT_DRIFT = 1


@click.command()
@click.option("--update", is_flag=True,
              help="Rewrite the baselines from this run (each file atomically, after every "
                   "scenario ran) and exit 0.")
@click.option("--profile", type=click.Choice(["exact", "physical"]), default="exact",
              show_default=True,
              help="exact: round-off only (rtol 1e-9). physical: what a library upgrade may "
                   "move (0.5 % on energy and CO2, 1 % on capacity factor).")
@click.option("--scenarios", "scenarios_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of scenario .toml files and/or an index.toml listing them.  "
                   "[default: benchmarks/scenarios in . or the nearest parent]")
@click.option("--baselines", "baselines_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of <scenario-name>.json baselines.  "
                   "[default: benchmarks/baselines next to the default scenarios]")
@click.option("--cache/--no-cache", default=False, show_default=True,
              help="Use the on-disk profile cache (faster; off by default so that a physics "
                   "change cannot hide behind a cached profile).")
@click.option("--show", type=click.IntRange(min=1), default=25, show_default=True,
              help="Rows of the drift table shown per scenario.")
@debug_option
@fail_on_user_error
def regress(update, profile, scenarios_dir, baselines_dir, cache, show, debug):
    """Rerun the benchmark scenarios and compare every KPI with its baseline.

    KPIs are per fleet and year (generation, curtailed, delivered MWh, avoided tCO2,
    capacity factor), totals, per-technology figures and the 3060 milestones. Prints what
    moved and by how much, sorted by relative drift, and exits 1 if anything moved beyond
    the tolerance profile.
    """
    from energysim import regress as reg

    scenarios_dir, baselines_dir = _folders(scenarios_dir, baselines_dir)
    reg.scenario_files(scenarios_dir)  # a missing or empty scenarios folder fails first
    if not update and not baselines_dir.is_dir():
        raise reg.BaselineError(f"{baselines_dir}: no such baselines folder: give --baselines "
                                f"DIR or create the baselines with `{reg.UPDATE_COMMAND}`")
    profile_cache = None
    if cache:
        from energysim.cache import ProfileCache

        profile_cache = ProfileCache()

    def progress(name):
        click.echo(f"running {name} ...", err=True)

    checks = reg.run_checks(scenarios_dir, baselines_dir, profile, update=update,
                            profile_cache=profile_cache, progress=progress)
    names = [c.name for c in checks]
    if update:
        _write_all(reg, checks, profile, show)
        for path in reg.orphan_baselines(baselines_dir, names):
            click.echo(f"note: {path} has no scenario in {scenarios_dir}; left as it is")
        return
    drifted = 0
    for check in checks:
        failed = check.failed
        moved = [r for r in check.rows if r.moved]
        if failed:
            drifted += 1
            click.echo(f"\n{check.name}: DRIFT: {len(failed)} of {len(check.rows)} KPIs beyond "
                       f"the {profile} tolerance ({check.path})")
            click.echo(reg.format_table(moved, limit=show))
        else:
            largest = max((abs(r.rel_diff) for r in moved), default=0.0)
            click.echo(f"{check.name}: ok: {len(check.rows)} KPIs within {profile} "
                       f"({len(moved)} moved, largest relative change {largest:.2e})")
    for path in reg.orphan_baselines(baselines_dir, names):
        click.echo(f"note: {path} has no scenario in {scenarios_dir} (renamed or removed?)")
    click.echo(f"regress: {len(checks)} scenario(s), {drifted} with drift "
               f"(profile {profile}; baselines {baselines_dir})")
    if drifted:
        raise SystemExit(EXIT_DRIFT)


def _folders(scenarios_dir, baselines_dir):
    from energysim import regress as reg

    if scenarios_dir is None or baselines_dir is None:
        found_scenarios, found_baselines = reg.find_default_dirs()
        if scenarios_dir is None:
            if found_scenarios is None:
                raise reg.BaselineError(
                    f"no {reg.DEFAULT_SCENARIOS_DIR} folder in {Path.cwd()} or its parents: "
                    "give --scenarios DIR (and --baselines DIR)")
            scenarios_dir = found_scenarios
        if baselines_dir is None:
            baselines_dir = (found_baselines if found_baselines is not None
                             else Path(scenarios_dir).parent / "baselines")
    return Path(scenarios_dir), Path(baselines_dir)


def _write_all(reg, checks, profile, show):
    # Every scenario ran before the first file is replaced: a failure leaves all old files.
    for check in checks:
        reg.write_baseline(check.baseline_path,
                           reg.baseline_document(check.name, check.kpis, check.provenance))
        if not check.rows:
            click.echo(f"{check.name}: created {check.baseline_path} ({len(check.kpis)} KPIs)")
            continue
        failed = check.failed
        click.echo(f"{check.name}: updated {check.baseline_path} ({len(check.kpis)} KPIs; "
                   f"{len(failed)} had moved beyond {profile})")
        if failed:
            click.echo(reg.format_table([r for r in check.rows if r.moved], limit=show))
