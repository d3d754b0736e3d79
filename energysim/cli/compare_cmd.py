"""The ``energysim compare`` and ``energysim report`` commands (click, thin).

Owns their options and printing only; the work is in :mod:`energysim.report`, imported
inside the command bodies so that ``energysim --help`` stays fast. A path that is not a
result folder, an existing output without ``--overwrite`` or a bad year ends with one line
on stderr and exit status 2; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path

import click

from energysim.cli.common import debug_option, fail_on_user_error

_RESULT_DIRS = click.argument("result_dirs", metavar="RESULT_DIR...", nargs=-1, required=True,
                              type=click.Path(path_type=Path))


@click.command()
@_RESULT_DIRS
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Write comparison.csv and the comparison figures (PNG) into this folder.")
@click.option("--units", "unit_system", type=click.Choice(["si", "cn"]), default="cn",
              show_default=True,
              help="cn shows 万千瓦 / 亿千瓦时 / 万吨CO2 rows next to the SI ones; si only MW, "
                   "MWh, tCO2.")
@click.option("--year", "years", multiple=True, type=int,
              help="Compare this year (repeatable); default the milestone years.")
@click.option("--overwrite", is_flag=True, help="Replace existing comparison files in --out.")
@debug_option
@fail_on_user_error
def compare(result_dirs, out, unit_system, years, overwrite, debug):
    """Compare result folders side by side at the milestone years.

    Prints installed PV and wind, delivered electricity, and annual and cumulative avoided
    CO2 for each RESULT_DIR (written by `energysim run`), with differences to the first.
    With --out, also writes comparison.csv and figures: capacity and generation by year,
    cumulative avoided CO2 against the 3060 goals, typical day per season, and a monthly
    heatmap.
    """
    from energysim.report import (
        comparison_table,
        format_comparison,
        load_result_folders,
        write_comparison,
    )

    folders = load_result_folders(result_dirs)
    cn_units = unit_system == "cn"
    table = comparison_table(folders, years=years or None, cn_units=cn_units)
    written = []
    if out is not None:
        written = write_comparison(folders, out, years=years or None, cn_units=cn_units,
                                   overwrite=overwrite)
    click.echo(format_comparison(table))
    for path in written:
        click.echo(f"wrote {path}")


@click.command()
@_RESULT_DIRS
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path),
              help="The HTML file to write, e.g. report.html.")
@click.option("--title", default=None, help="Report title (default: the scenario names).")
@click.option("--overwrite", is_flag=True, help="Replace an existing report file.")
@debug_option
@fail_on_user_error
def report(result_dirs, out, title, overwrite, debug):
    """Write one self-contained HTML report comparing the RESULT_DIRs.

    The file embeds its figures and styles (no external links, fonts or scripts), so it
    can be e-mailed as it is: assumptions of each scenario, milestone tables in Chinese
    units next to SI, figures, and provenance (scenario and weather hashes, versions).
    """
    from energysim.errors import OutputExistsError
    from energysim.report import load_result_folders, write_report

    if out.exists() and not overwrite and not out.is_dir():
        # Checked first, so that a refused report costs no reading or drawing.
        raise OutputExistsError(f"{out}: exists: pass --overwrite to replace it")
    folders = load_result_folders(result_dirs)
    path = write_report(folders, out, overwrite=overwrite, title=title)
    click.echo(f"wrote {path}")
