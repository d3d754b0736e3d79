"""Options and error handling shared by every energysim command.

Owns the shared options (declared once) and the mapping of energysim errors to exit codes;
imports only click and ``energysim.errors``.
"""

from __future__ import annotations

import functools
import logging
import traceback

import click
from pathlib import Path

from energysim.errors import EnergysimError, OutputError

#: Exit status of a user error (bad scenario, weather file, flag or existing output).
EXIT_USER_ERROR = 2
#: Exit status of an output that cannot be written (permissions, full disk).
EXIT_OUTPUT_ERROR = 1


def out_options(func):
    """--out, --overwrite and --units, declared once for every writing command."""
    func = click.option("--units", "unit_system", type=click.Choice(["si", "cn"]), default="si",
                        show_default=True,
                        help="cn adds 万千瓦 / 亿千瓦时 / 万吨CO2 / 万吨标准煤 columns next to SI.")(func)
    func = click.option("--overwrite", is_flag=True, help="Replace existing results (as a whole).")(func)
    func = click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
                        default="results", show_default=True,
                        help="Folder that receives one sub-folder per scenario.")(func)

    @functools.wraps(func)
    def wrapper(*args, unit_system, **kwargs):
        return func(*args, cn_units=unit_system == "cn", **kwargs)

    return wrapper


def verbosity_options(func):
    """-v / -q: more or less output on stderr."""
    func = click.option("-q", "--quiet", "quiet", count=True, help="Less output.")(func)
    func = click.option("-v", "--verbose", "verbose", count=True, help="More output.")(func)

    @functools.wraps(func)
    def wrapper(*args, verbose, quiet, **kwargs):
        verbosity = verbose - quiet
        level = logging.WARNING - 10 * verbosity
        logging.basicConfig(level=max(logging.DEBUG, min(logging.ERROR, level)),
                            format="%(levelname)s %(name)s: %(message)s")
        return func(*args, verbosity=verbosity, **kwargs)

    return wrapper


def debug_option(func):
    """--debug: show the traceback of a user error too."""
    return click.option("--debug", is_flag=True, help="Show tracebacks of errors.")(func)


def fail_on_user_error(func):
    """Turn energysim errors into one line on stderr and exit 2 (input) or 1 (output)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except EnergysimError as err:
            if kwargs.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {err}", err=True)
            raise SystemExit(EXIT_OUTPUT_ERROR if isinstance(err, OutputError) else EXIT_USER_ERROR)

    return wrapper
