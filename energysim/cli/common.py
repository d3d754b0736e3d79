"""Options and error handling shared by every energysim command.

Owns the shared options (declared once) and the mapping of energysim errors to exit codes;
imports only click and ``energysim.errors``.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
import warnings
from pathlib import Path

import click

from energysim.errors import EnergysimError, EnergysimWarning, OutputError, one_line

#: Exit status of a user error (bad scenario, weather file, flag or existing output).
EXIT_USER_ERROR = 2
#: Exit status of an output that cannot be written (permissions, full disk).
EXIT_OUTPUT_ERROR = 1
#: Longest error or warning line printed, after ``error: ``; a longer message is cut. [chars]
MAX_ERROR_CHARS = 1000


class OneLineErrorGroup(click.Group):
    """The main group: a bad flag, a missing argument or an unknown command is one line.

    click's standalone mode prints usage errors as ``Usage: ...``, ``Try ... for help.``, a
    blank line and ``Error: ...``; energysim promises one ``error: ...`` line and exit 2
    for every user error. Everything else behaves as in standalone mode.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as err:
            where = err.ctx.command_path if err.ctx is not None else (prog_name or "energysim")
            click.echo(f"error: {where}: {err.format_message()} (see {where} --help)", err=True)
            sys.exit(err.exit_code)
        except click.ClickException as err:
            err.show()
            sys.exit(err.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


#: Help of --units, the same in every command.
UNITS_HELP = ("cn: every quantity in 万千瓦 / 亿千瓦时 / 万吨CO2 / 万吨标准煤 with the SI value "
              "(MW, GWh, ktCO2, ktce) beside it, labels in Chinese and English; si: SI units "
              "and English only. Files always keep their SI columns; cn adds Chinese-unit "
              "columns.")


def units_option(func):
    """--units cn|si (default cn), declared once; the command receives ``unit_system``."""
    return click.option("--units", "unit_system", type=click.Choice(["si", "cn"]),
                        default="cn", show_default=True, help=UNITS_HELP)(func)


def out_options(func):
    """--out, --overwrite and --units, declared once for every writing command."""
    func = units_option(func)
    func = click.option("--overwrite", is_flag=True,
                        help="Replace existing results (as a whole).")(func)
    func = click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
                        default="results", show_default=True,
                        help="Folder that receives one sub-folder per scenario.")(func)
    return func


#: Loggers of the Dask cluster: below WARNING they are shown only from -vv on.
QUIET_LOGGERS = ("distributed", "tornado", "bokeh")


class QuietLibraries(logging.Filter):
    """Drop records below WARNING from :data:`QUIET_LOGGERS` (Dask sets them to INFO)."""

    def filter(self, record):
        if record.levelno >= logging.WARNING:
            return True
        return not any(record.name == name or record.name.startswith(name + ".")
                       for name in QUIET_LOGGERS)


def configure_logging(verbosity):
    """Log to stderr at WARNING, INFO with -v (phases and timings), DEBUG with -vv.

    The handler, not only the root logger, carries the level: a library that sets its own
    logger to INFO (``distributed`` does) still shows nothing below the chosen level, and
    nothing of ``distributed``/``tornado`` below WARNING unless -vv is given.
    """
    level = max(logging.DEBUG, min(logging.ERROR, logging.WARNING - 10 * verbosity))
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
        if verbosity < 2 and not any(isinstance(f, QuietLibraries) for f in handler.filters):
            handler.addFilter(QuietLibraries())


def verbosity_options(func):
    """-v / -q: more or less output on stderr (-v: phases and their durations)."""
    func = click.option("-q", "--quiet", "quiet", count=True, help="Less output.")(func)
    func = click.option("-v", "--verbose", "verbose", count=True,
                        help="More output: -v the phases and their durations, -vv debug "
                             "(and Dask's own logging).")(func)

    @functools.wraps(func)
    def wrapper(*args, verbose, quiet, **kwargs):
        verbosity = verbose - quiet
        configure_logging(verbosity)
        return func(*args, verbosity=verbosity, **kwargs)

    return wrapper


def debug_option(func):
    """--debug: show the traceback of a user error too."""
    return click.option("--debug", is_flag=True, help="Show tracebacks of errors.")(func)


def fail_on_user_error(func):
    """Turn energysim errors into one line on stderr and exit 2 (input) or 1 (output).

    Whatever a message holds (a library's text with line breaks, a very long list), the
    line printed is one line of at most :data:`MAX_ERROR_CHARS` characters. Warnings of
    energysim (a repair made, distant weather) are printed as one ``warning: ...`` line each.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", EnergysimWarning)
                warnings.showwarning = show_warning
                return func(*args, **kwargs)
        except EnergysimError as err:
            if kwargs.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {one_line(err, MAX_ERROR_CHARS)}", err=True)
            raise SystemExit(EXIT_OUTPUT_ERROR if isinstance(err, OutputError) else EXIT_USER_ERROR)

    return wrapper


_SHOW_WARNING = warnings.showwarning


def show_warning(message, category, filename, lineno, file=None, line=None):
    """Print an energysim warning as one ``warning: ...`` line; others as Python does."""
    if issubclass(category, EnergysimWarning):
        click.echo(f"warning: {one_line(message, MAX_ERROR_CHARS)}", err=True)
    else:
        _SHOW_WARNING(message, category, filename, lineno, file, line)
