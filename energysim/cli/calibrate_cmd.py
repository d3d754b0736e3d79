"""``energysim calibrate``: fit a scenario's fleets to observed output and write the result.

Owns the command's printing and the writing of the calibrated scenario file (whole or not
at all); the fit itself is :func:`energysim.calibrate.calibrate_scenario`.
"""

from __future__ import annotations

import os

import click

from energysim.cli.common import debug_option, fail_on_user_error


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=str))
@click.option("--observed", required=True, type=click.Path(path_type=str),
              help="CSV of observed output: fleet, year, delivered_mwh (or delivered_wan_kwh, "
                   "万千瓦时) and optionally month (1-12).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="The calibrated scenario file to write (.toml).")
@click.option("--source", default=None,
              help="Where the observed figures come from; recorded with each fit.")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Keep the generated weather year on disk between runs.")
@debug_option
@fail_on_user_error
def calibrate(scenario, observed, out, source, overwrite, cache, debug):
    """Fit SCENARIO's fleets to observed delivered energy and write OUT.

    Per fleet named in the observed file one parameter is fitted so that the modelled
    delivered energy over the observed rows equals the observed total: PV the
    irradiance_scale, wind the site mean_wind_speed_ms. OUT is the resolved scenario with
    the fitted values and a calibration table per fleet (method, value, the value before
    the fit, the observed file's SHA-256, the residual of each row); it runs as any
    scenario. Bad observed data
    stop with one line and exit 2; nothing is written then.
    """
    from pathlib import Path

    from energysim.cache import WeatherCache
    from energysim.calibrate import calibrate_scenario
    from energysim.errors import OutputError, OutputExistsError
    from energysim.scenario import load_scenario, to_toml

    target = Path(out)
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target}: exists: give --overwrite to replace it")
    base = load_scenario(scenario)
    calibrated, fits = calibrate_scenario(base, observed, source=source,
                                          weather_cache=WeatherCache() if cache else None)
    for fit in fits:
        before = "measured" if fit.before is None else f"{fit.before:g}"
        worst = max(abs(r["residual_pct"]) for r in fit.rows)
        click.echo(f"{fit.fleet}: {fit.parameter} {before} -> {fit.value:g} "
                   f"({len(fit.rows)} observed rows, largest residual {worst:.2f} %)")
    text = to_toml(calibrated)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as err:
        raise OutputError(f"{target}: cannot write: {err.strerror or err}") from None
    finally:
        temporary.unlink(missing_ok=True)
    click.echo(f"wrote {target}")
