"""The ``energysim compare`` and ``energysim report`` commands (click, thin).

Owns their options and printing only; the work is in :mod:`energysim.comparison` and
:mod:`energysim.report`, imported inside the command bodies so that ``energysim --help``
stays fast. A path that is not a result folder, an existing output without
``--overwrite`` or a bad year ends with one line on stderr and exit status 2; nothing is
written then.
"""

from __future__ import annotations

from pathlib import Path

import click

from energysim.cli.common import debug_option, fail_on_user_error, units_option

_RESULT_DIRS = click.argument("result_dirs", metavar="RESULT_DIR...", nargs=-1, required=True,
                              type=click.Path(path_type=Path))
_HOURLY_YEAR = click.option(
    "--hourly-year", "hourly_year", type=int, default=None,
    help="Year of the typical-day and heat-map figures (needs its hourly table: "
         "`energysim run --hourly-year`). Default: each scenario's first year with the full "
         "build-out (maximum installed capacity).")


@click.command()
@_RESULT_DIRS
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Write comparison.csv and the comparison figures (PNG) into this folder.")
@units_option
@click.option("--year", "years", multiple=True, type=int,
              help="Compare this year (repeatable); default the milestone years.")
@_HOURLY_YEAR
@click.option("--overwrite", is_flag=True, help="Replace existing comparison files in --out.")
@debug_option
@fail_on_user_error
def compare(result_dirs, out, unit_system, years, hourly_year, overwrite, debug):
    """Compare result folders side by side at the milestone years.

    Prints installed PV and wind (in operation at year end), delivered electricity, avoided
    CO2 and avoided standard coal (each annual and cumulative) for each RESULT_DIR (written
    by `energysim run`), with differences to the first, then the capacity-target progress
    of the scenarios that have targets. With --out, also writes comparison.csv and
    figures: capacity and generation by year, cumulative avoided CO2 against the 3060
    goals, typical day per season, and a monthly heatmap.
    """
    from energysim.comparison import (
        comparison_table,
        format_comparison,
        format_targets,
        target_table,
        write_comparison,
    )
    from energysim.results import read_results

    items = read_results(result_dirs)
    table = comparison_table(items, years=years or None, units=unit_system)
    written = []
    if out is not None:
        written = write_comparison(items, out, years=years or None, units=unit_system,
                                   overwrite=overwrite, shown_year=hourly_year)
    click.echo(format_comparison(table, unit_system))
    targets = format_targets(target_table(items, unit_system), unit_system)
    if targets:
        click.echo("")
        click.echo(targets)
    for path in written:
        click.echo(f"wrote {path}")


@click.command()
@_RESULT_DIRS
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path),
              help="The HTML file to write, e.g. report.html.")
@click.option("--title", default=None, help="Report title (default: the scenario names).")
@units_option
@_HOURLY_YEAR
@click.option("--overwrite", is_flag=True, help="Replace an existing report file.")
@debug_option
@fail_on_user_error
def report(result_dirs, out, title, unit_system, hourly_year, overwrite, debug):
    """Write one self-contained HTML report comparing the RESULT_DIRs.

    The file embeds its figures and styles (no external links, fonts or scripts), so it
    can be e-mailed as it is: every assumption that decides the numbers side by side
    (emission factor at the milestone years, build-out, export limit, degradation,
    lifetimes, weather, capacity targets) with differences highlighted, the milestone
    table, figures, and provenance (scenario and weather hashes, versions).
    """
    from energysim.errors import OutputExistsError
    from energysim.report import write_report
    from energysim.results import read_results

    if out.exists() and not overwrite and not out.is_dir():
        # Checked first, so that a refused report costs no reading or drawing.
        raise OutputExistsError(f"{out}: exists: pass --overwrite to replace it")
    items = read_results(result_dirs)
    path = write_report(items, out, overwrite=overwrite, title=title, units=unit_system,
                        hourly_year=hourly_year)
    click.echo(f"wrote {path}")
