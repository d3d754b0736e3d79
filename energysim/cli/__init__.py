"""The ``energysim`` command line (click): thin commands over ``energysim.simulate``.

Owns argument parsing, printing and exit codes; holds no logic a Python user of
``energysim.simulate`` would miss. Nothing imports this package. Heavy packages (pvlib,
windpowerlib, numba, matplotlib) are imported inside command bodies so that
``energysim --help`` stays fast.

Exit codes: 0 success; 2 a user error (bad scenario, weather file, flag, or an existing
output without ``--overwrite``), printed as one line; 1 an output that cannot be written
(permissions, full disk), also one line; any other failure is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

import click

from energysim.cli.common import (
    OneLineErrorGroup,
    debug_option,
    fail_on_user_error,
    out_options,
    verbosity_options,
)

__all__ = ["main"]


@click.group(cls=OneLineErrorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="energysim")
def main():
    """energysim: hourly PV and wind potential, build-out and avoided CO2 (Shaoguan default).

    Start with `energysim run scenarios/shaoguan-potential.toml`.
    """


@main.command()
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=True, path_type=Path))
@out_options
@click.option("--hourly-year", "hourly_years", multiple=True, type=int,
              help="Write hourly.parquet for these years (default: the first year with the full "
                   "build-out, i.e. of maximum installed capacity).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Scenarios run in parallel (processes).")
@click.option("--plots/--no-plots", default=True, show_default=True, help="Write PNG figures.")
@click.option("--weather-years", "n_weather_years", type=click.IntRange(min=2), default=None,
              help="Also simulate N weather years (builtin:shaoguan: generated years with "
                   "interannual variability) and write ensemble.parquet and P50/P90/P10 in "
                   "summary.json.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Keep per-unit profiles on disk between runs ($ENERGYSIM_CACHE_DIR or the "
                   "user cache folder); stale ones are never used.")
@verbosity_options
@debug_option
@fail_on_user_error
def run(scenarios, out, overwrite, unit_system, hourly_years, jobs, plots, n_weather_years,
        cache, verbosity, debug):
    """Simulate each SCENARIO (.toml, or a result folder to rerun) and write OUT/<name>/.

    Writes annual.csv/.parquet (a row per year and fleet), totals.csv (a row per year),
    hourly.parquet, summary.json (headline figures, milestones, provenance) and PNG figures,
    and prints the milestone table (installed capacity; delivered electricity, avoided CO2
    and coal, each annual and cumulative; capacity-target progress). An existing result is
    replaced only with --overwrite, and only as a whole.
    """
    from energysim.cli.run_cmd import run_many

    run_many(scenarios, out, overwrite=overwrite, unit_system=unit_system,
             hourly_years=hourly_years, jobs=jobs, plots=plots, cache=cache, verbosity=verbosity,
             n_weather_years=n_weather_years)


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@debug_option
@fail_on_user_error
def validate(scenarios, debug):
    """Check SCENARIO files without running them; print the resolved capacities."""
    from energysim import units
    from energysim.scenario import load_scenario

    for path in scenarios:
        scenario = load_scenario(path)
        fleets = ", ".join(
            f"{f.name} ({f.technology}, "
            f"{_capacity_text(f, units)})"
            for f in scenario.units)
        click.echo(f"{path}: ok: {scenario.name}, {scenario.years[0]}-{scenario.years[1]}, {fleets}")


def _capacity_text(unit, units):
    # How a validated table states its capacity, for `validate`.
    if getattr(unit, "pairing", None):
        return f"paired: {unit.pairing} rule"
    if unit.capacity_mw is None:
        return "additions"
    return f"{units.mw_to_wan_kw(unit.capacity_mw):g} 万千瓦"


def _register_optional_groups():
    # Sub-command groups that live in their own modules.
    from energysim.cli.app_cmd import app
    from energysim.cli.calibrate_cmd import calibrate
    from energysim.cli.compare_cmd import compare, report
    from energysim.cli.regress_cmd import regress
    from energysim.cli.sweep_cmd import sweep
    from energysim.cli.weather_cmd import weather

    main.add_command(weather)
    main.add_command(compare)
    main.add_command(report)
    main.add_command(sweep)
    main.add_command(regress)
    main.add_command(calibrate)
    main.add_command(app)


_register_optional_groups()
