"""Calibration of fleets to observed output: one physical parameter per observed fleet.

Owns reading a file of observed (metered) delivered energy, checking it against a
scenario, and fitting, per observed fleet, PV's ``irradiance_scale`` or wind's
``mean_wind_speed_ms`` so that the modelled delivered energy over the observed rows sums
to the observed total (for wind this is the bias correction of Renewables.ninja's
Virtual Wind Farm model, Staffell & Pfenninger 2016, doi:10.1016/j.energy.2016.08.068).
The calibrated scenario carries a ``calibration`` table per fitted fleet. It imports
``errors``, ``units``, ``timeutils``, ``weather.frame`` (the shared text decoding),
``scenario`` and ``simulate``; it writes nothing
(the command line writes the scenario) and never imports ``cli``.

The modelled energy of a row is the fleet's effective capacity in that year times the
hourly per-unit profile summed over the year's (or month's) hours, less the fleet's plain
curtailment rate. An export limit, which couples the fleets hour by hour, is not modelled
in the fit: observed output of a year the grid curtailed is not what the plants could give.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from energysim import units
from energysim.errors import ObservedDataError, describe_exception
from energysim.scenario import scenario_from_dict
from energysim.simulate import capacity_paths, compute_profile, load_scenario_weather
from energysim.timeutils import year_hour_weights
from energysim.weather.frame import decode_text

#: Columns of an observed-output file; exactly one of the two energy columns.
OBSERVED_KEY_COLUMNS = ("fleet", "year")
#: ``full_load_hours`` is delivered energy per MW installed, for a reported yield (a
#: plant's hours applied to a fleet); it is turned into MWh with the fleet's capacity.
OBSERVED_ENERGY_COLUMNS = {"delivered_mwh": float, "delivered_wan_kwh": units.wan_kwh_to_mwh,
                           "full_load_hours": float}
OBSERVED_OPTIONAL_COLUMNS = ("month",)

#: The parameter fitted per technology, its search range and the method recorded.
FIT_PARAMETERS = {
    "pv": ("irradiance_scale", (0.2, 3.0),
           "irradiance scale factor fitted so that modelled delivered energy over the "
           "observed rows equals the observed total (brentq)"),
    "wind": ("mean_wind_speed_ms", (0.5, 30.0),
             "site mean wind speed fitted so that modelled delivered energy over the "
             "observed rows equals the observed total (brentq; the bias correction of "
             "Renewables.ninja's VWF, Staffell & Pfenninger 2016)"),
}
#: Relative tolerance of the fitted parameter: far below the 1 % the rerun must meet. [1]
FIT_XTOL_REL = 1e-7
#: Digits the fitted value is written with in the scenario file.
FIT_DIGITS = 6


@dataclass(frozen=True)
class ObservedRow:
    """One row of an observed-output file.

    Attributes
    ----------
    line : int
        Line number in the file (the header is line 1).
    fleet : str
    year : int
    month : int or None
        1-12, or None for the whole year.
    value : float
        Delivered energy [MWh], or full-load hours [h] if ``unit`` is ``"h"``.
    unit : str
        ``"MWh"`` or ``"h"``.
    """

    line: int
    fleet: str
    year: int
    month: int | None
    value: float
    unit: str = "MWh"


def read_observed(path):
    """Read an observed-output CSV file.

    Parameters
    ----------
    path : str or Path
        CSV with a header ``fleet, year, delivered_mwh`` (or ``delivered_wan_kwh``,
        万千瓦时, or ``full_load_hours``, delivered MWh per MW installed) and optionally
        ``month`` (1-12; empty for a whole year).

    Returns
    -------
    rows : list of ObservedRow
    sha256 : str
        SHA-256 of the file's bytes. [hex str]

    Raises
    ------
    ObservedDataError
        One line naming the file, the line and what is wrong.
    """
    path = Path(path)
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ObservedDataError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise ObservedDataError(f"{where}: is a directory: give a CSV file") from None
    except OSError as err:
        raise ObservedDataError(f"{where}: cannot read: {err.strerror}") from None
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ObservedDataError(f"{where}: not UTF-8 text (byte {err.start})") from None
    # the shared decoding: with or without a BOM, CRLF or CR alone read as LF
    reader = csv.reader(io.StringIO(decode_text(raw, where, "CSV")))
    try:
        return _parse_observed(reader, where), hashlib.sha256(raw).hexdigest()
    except csv.Error as err:  # the csv module's own parser error, as one line
        raise ObservedDataError(f"{where} line {reader.line_num}: cannot parse the CSV: "
                                f"{describe_exception(err)}") from None


def _parse_observed(reader, where):
    header = next(reader, None)
    if not header:
        raise ObservedDataError(f"{where}: empty: give a header fleet,year,delivered_mwh[,month]")
    header = [h.strip() for h in header]
    allowed = (*OBSERVED_KEY_COLUMNS, *OBSERVED_ENERGY_COLUMNS, *OBSERVED_OPTIONAL_COLUMNS)
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise ObservedDataError(f"{where} line 1: unknown column {unknown[0]!r}: allowed "
                                f"{', '.join(allowed)}")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise ObservedDataError(f"{where} line 1: column {repeated[0]!r} given twice")
    missing = [c for c in OBSERVED_KEY_COLUMNS if c not in header]
    energy = [c for c in OBSERVED_ENERGY_COLUMNS if c in header]
    if missing or len(energy) != 1:
        what = (f"column {missing[0]!r} missing" if missing else
                "give one energy column, delivered_mwh, delivered_wan_kwh or full_load_hours"
                + (", not both" if energy else ""))
        raise ObservedDataError(f"{where} line 1: {what}")
    to_mwh = OBSERVED_ENERGY_COLUMNS[energy[0]]
    rows = []
    for line, record in enumerate(reader, start=2):
        if not any(field.strip() for field in record):
            continue  # a blank line
        if len(record) != len(header):
            raise ObservedDataError(f"{where} line {line}: {len(record)} fields: the header "
                                    f"has {len(header)}")
        cells = dict(zip(header, (field.strip() for field in record)))
        fleet = cells["fleet"]
        if not fleet:
            raise ObservedDataError(f"{where} line {line}: fleet is empty: give a fleet name")
        year = _integer(cells["year"], "year", where, line)
        month = None
        if cells.get("month"):
            month = _integer(cells["month"], "month", where, line)
            if not 1 <= month <= 12:
                raise ObservedDataError(f"{where} line {line}: month = {month}: must be 1-12 "
                                        "(or empty for the whole year)")
        text_value = cells[energy[0]]
        try:
            value = float(text_value)
        except ValueError:
            raise ObservedDataError(f"{where} line {line}: {energy[0]} = {text_value!r}: not a "
                                    "number") from None
        if not math.isfinite(value) or value < 0:
            raise ObservedDataError(f"{where} line {line}: {energy[0]} = {text_value}: must be "
                                    "a finite number >= 0")
        unit = "h" if energy[0] == "full_load_hours" else "MWh"
        rows.append(ObservedRow(line, fleet, year, month, to_mwh(value), unit))
    if not rows:
        raise ObservedDataError(f"{where}: no data rows under the header")
    return rows


def _integer(text, name, where, line):
    try:
        return int(text)
    except ValueError:
        raise ObservedDataError(f"{where} line {line}: {name} = {text!r}: must be a whole "
                                "number") from None


def check_observed(rows, scenario, where):
    """Check observed rows against a scenario; raise on the first problem.

    A row must name a PV or wind fleet of the scenario, lie in its years, not repeat
    another row (a fleet's year given as a whole and by month counts as a repeat), and
    fall in a year the fleet has capacity installed.

    Parameters
    ----------
    rows : list of ObservedRow
    scenario : Scenario
    where : str
        The observed file, for messages.

    Raises
    ------
    ObservedDataError
    """
    fleets = {f.name: f for f in scenario.fleets}
    first, last = scenario.years
    seen = {}
    installed = {}
    for row in rows:
        at = f"{where} line {row.line}"
        cfg = fleets.get(row.fleet)
        if cfg is None:
            raise ObservedDataError(f"{at}: fleet {row.fleet!r} is not in the scenario: "
                                    f"allowed {', '.join(sorted(fleets))}")
        if cfg.technology not in FIT_PARAMETERS:
            raise ObservedDataError(f"{at}: fleet {row.fleet!r} is {cfg.technology}: only "
                                    f"{', '.join(FIT_PARAMETERS)} fleets can be calibrated")
        if not first <= row.year <= last:
            raise ObservedDataError(f"{at}: year {row.year} is outside the scenario's years "
                                    f"{first}..{last}")
        same = seen.get((row.fleet, row.year, row.month))
        whole = seen.get((row.fleet, row.year, None)) if row.month is not None else None
        months = [ln for (f, y, m), ln in seen.items()
                  if f == row.fleet and y == row.year and m is not None]
        clash = same or whole or (months[0] if row.month is None and months else None)
        if clash:
            what = f"month {row.month}" if row.month is not None else "the whole year"
            raise ObservedDataError(f"{at}: duplicate row: {row.fleet} {row.year} "
                                    f"({what}) is already given on line {clash}")
        seen[(row.fleet, row.year, row.month)] = row.line
        if row.fleet not in installed:
            installed[row.fleet] = capacity_paths(cfg, np.array(scenario.year_list))[0]
        if not installed[row.fleet][row.year - first] > 0:
            raise ObservedDataError(f"{at}: fleet {row.fleet!r} has no capacity installed in "
                                    f"{row.year}: nothing to calibrate to")


@dataclass(frozen=True)
class FleetFit:
    """The fit of one fleet.

    Attributes
    ----------
    fleet : str
    parameter : str
        The fleet key fitted.
    before, value : float or None
        Its value before (None: not set) and fitted.
    rows : list of dict
        Per observed row: ``year``, ``month`` (if given), ``observed_mwh``,
        ``modelled_mwh``, ``residual_pct``.
    """

    fleet: str
    parameter: str
    before: float | None
    value: float
    rows: list


def calibrate_scenario(scenario, observed_path, *, source=None, weather=None,
                       weather_meta=None, weather_cache=None):
    """Fit each observed fleet of a scenario to observed delivered energy.

    Parameters
    ----------
    scenario : Scenario
    observed_path : str or Path
        Observed-output CSV (see :func:`read_observed`).
    source : str, optional
        Where the observed figures come from; recorded in each calibration table.
    weather, weather_meta : optional
        The scenario's weather, loaded if omitted.
    weather_cache : optional
        See :func:`energysim.simulate.load_scenario_weather`.

    Returns
    -------
    calibrated : Scenario
        The scenario with the fitted values and a ``calibration`` table per fitted fleet.
    fits : list of FleetFit

    Raises
    ------
    ObservedDataError
        Bad observed data, or an observed figure no value of the parameter within its
        range can reach.
    """
    where = str(observed_path)
    rows, sha256 = read_observed(observed_path)
    check_observed(rows, scenario, where)
    if weather is None:
        weather, weather_meta = load_scenario_weather(scenario, weather_cache)
    n_hours = len(weather)
    years = np.array(scenario.year_list)
    weights = year_hour_weights(years, n_hours)
    local = weather.index + pd.Timedelta(hours=weather_meta.get("utc_offset_h", 0.0))
    month_of_hour = np.asarray(local.month)
    data = scenario.to_dict()
    fits = []
    for cfg in scenario.fleets:
        mine = [r for r in rows if r.fleet == cfg.name]
        if not mine:
            continue
        effective = capacity_paths(cfg, years)[1]
        keep = 1.0 - units.pct_to_fraction(cfg.curtailment_pct)
        # energy per unit of profile: one weight vector per row [MWh per p.u. h]
        row_weights = np.vstack([
            weights[r.year - years[0]] * (1.0 if r.month is None else month_of_hour == r.month)
            * effective[r.year - years[0]] * keep for r in mine])
        installed = capacity_paths(cfg, years)[0]
        observed = np.array([r.value * (installed[r.year - years[0]] if r.unit == "h" else 1.0)
                             for r in mine])
        fit = _fit_fleet(cfg, scenario.site, weather, row_weights, observed, where)
        modelled = row_weights @ compute_profile(
            cfg.model_copy(update={fit[0]: fit[1]}), scenario.site, weather)
        table = []
        for r, obs, mod in zip(mine, observed, modelled):
            entry = {"year": r.year}
            if r.month is not None:
                entry["month"] = r.month
            entry.update(observed_mwh=float(obs), modelled_mwh=round(float(mod), 3),
                         residual_pct=round(units.fraction_to_pct(mod / obs - 1.0), 4) + 0.0
                         if obs > 0 else 0.0)
            table.append(entry)
        parameter, value = fit
        fits.append(FleetFit(cfg.name, parameter, getattr(cfg, parameter), value, table))
        record = {"method": FIT_PARAMETERS[cfg.technology][2], "parameter": parameter,
                  "value": value, "uncalibrated_value": uncalibrated_value(cfg, parameter),
                  "observed_file": Path(observed_path).name,
                  "observed_sha256": sha256, "rows": table}
        if source:
            record["source"] = source
        entry = next(f for f in data[cfg.technology] if f["name"] == cfg.name)
        entry[parameter] = value
        entry["calibration"] = record
    calibrated = scenario_from_dict(data, where=f"{where} (calibrated scenario)",
                                    base_dir=scenario.base_dir)
    return calibrated, fits


def uncalibrated_value(cfg, parameter):
    """The value of ``parameter`` a fleet had before any fit, as its calibration records it.

    A fleet calibrated before (to the same parameter) keeps the value recorded then, so that
    calibrating again never records a fitted value as the uncalibrated one.

    Parameters
    ----------
    cfg : PVFleet or WindFleet
    parameter : str
        The fleet key fitted.

    Returns
    -------
    float or str
        The value, or ``"not set"`` when the fleet gave none (wind at the weather's mean).
    """
    before = cfg.calibration
    if before is not None and before.parameter == parameter \
            and before.uncalibrated_value is not None:
        return before.uncalibrated_value
    value = getattr(cfg, parameter)
    return "not set" if value is None else value


def _fit_fleet(cfg, site, weather, row_weights, observed, where):
    """(parameter, fitted value) so that the modelled total equals the observed total."""
    from scipy import optimize

    parameter, (lo, hi), _ = FIT_PARAMETERS[cfg.technology]
    target = float(observed.sum())
    memo = {}

    def total(x):
        if x not in memo:
            profile = compute_profile(cfg.model_copy(update={parameter: x}), site, weather)
            memo[x] = float((row_weights @ profile).sum())
        return memo[x]

    start = getattr(cfg, parameter)
    if start is None:  # wind at the measured mean: start from a ridge-top 6 m/s
        start = 6.0
    if target <= 0:
        raise ObservedDataError(f"{where}: fleet {cfg.name!r}: observed total is 0 MWh: "
                                "nothing to fit")
    # Bracket the root around the start, widening toward the range's ends.
    a, b = max(lo, start / 1.25), min(hi, start * 1.25)
    while total(a) > target and a > lo:
        a = max(lo, a / 1.5)
    while total(b) < target and b < hi:
        b = min(hi, b * 1.5)
    if not total(a) <= target <= total(b):
        raise ObservedDataError(
            f"{where}: fleet {cfg.name!r}: the observed {target:,.0f} MWh is out of reach: "
            f"{parameter} from {lo:g} to {hi:g} gives {total(lo):,.0f} to {total(hi):,.0f} MWh")
    value = optimize.brentq(lambda x: total(x) - target, a, b, xtol=start * FIT_XTOL_REL)
    return parameter, round(float(value), FIT_DIGITS)
