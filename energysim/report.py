"""Comparison of result folders and the self-contained HTML report.

Owns reading result folders back from disk (:func:`load_result_folder`), the milestone
comparison table (:func:`comparison_table`), the local-time reductions of the hourly tables
for the comparison figures, the ``compare`` outputs (:func:`write_comparison`) and the
one-file HTML report (:func:`write_report`); imports only ``errors``, ``units``,
``timeutils``, ``results`` and ``plotting``, never ``simulate`` or ``cli``. SI values come
from the result tables; Chinese units (万千瓦, 亿千瓦时, 万吨CO2) are derived here through
:mod:`energysim.units` and appear in tables only: figures stay ASCII/SI.

Examples
--------
>>> format_number(4194.75, "MW"), format_number(-1805.25, "万千瓦", signed=True)
('4,194.8', '-1,805.25')
"""

from __future__ import annotations

import base64
import html
import json
import logging
import math
import os
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from energysim import plotting, results, units
from energysim.errors import OutputError, OutputExistsError, ScenarioError, WeatherDataError
from energysim.timeutils import CHINA_STANDARD_TIME, ensure_utc

logger = logging.getLogger(__name__)

#: Columns a result folder's tables must have for comparison.
TOTALS_COLUMNS = ("year", "installed_pv_mw", "installed_wind_mw", "delivered_mwh",
                  "curtailed_mwh", "avoided_tco2", "cumulative_avoided_tco2")
ANNUAL_COLUMNS = ("year", "fleet", "technology", "installed_mw", "delivered_mwh")
HOURLY_COLUMNS = ("time", "fleet", "technology", "delivered_mw")

#: Key performance indicators of the comparison: (quantity, SI column, SI unit,
#: Chinese-unit column, Chinese unit, converter SI -> Chinese unit).
KPIS = (
    ("installed PV", "installed_pv_mw", "MW", "installed_pv_wan_kw", "万千瓦",
     units.mw_to_wan_kw),
    ("installed wind", "installed_wind_mw", "MW", "installed_wind_wan_kw", "万千瓦",
     units.mw_to_wan_kw),
    ("delivered electricity", "delivered_mwh", "MWh", "delivered_yi_kwh", "亿千瓦时",
     units.mwh_to_yi_kwh),
    ("avoided CO2 in the year", "avoided_tco2", "tCO2", "avoided_wan_tco2", "万吨CO2",
     units.t_to_wan_t),
    ("cumulative avoided CO2", "cumulative_avoided_tco2", "tCO2",
     "cumulative_avoided_wan_tco2", "万吨CO2", units.t_to_wan_t),
)
#: Leading columns of :func:`comparison_table`; scenario columns follow.
TABLE_COLUMNS = ("year", "milestone", "quantity", "kpi", "unit")
#: Decimals shown per unit in printed and HTML tables.
DIGITS = {"万千瓦": 2, "MW": 1, "亿千瓦时": 2, "MWh": 0, "万吨CO2": 2, "tCO2": 0,
          "万吨标准煤": 2, "tce": 0, "h": 0}
#: The files ``compare -o`` writes: file name -> caption.
COMPARISON_CSV = "comparison.csv"
FIGURES = {
    "comparison_capacity.png": "Installed capacity by year (GW), one line per scenario.",
    "comparison_generation.png": "Delivered electricity by year (TWh, solid) and "
                                 "curtailment (dotted), one colour per scenario.",
    "comparison_cumulative_avoided_co2.png": "Cumulative avoided CO2 (Mt CO2) against the "
                                             "3060 goals: carbon peak and neutrality years "
                                             "marked.",
    "comparison_typical_day.png": "Typical day per season: mean delivered power per hour "
                                  "of day in the site's local time, PV solid, wind dashed.",
    "comparison_monthly_heatmap.png": "Mean delivered power of all fleets by month and "
                                      "local hour of day.",
}
_HOURLY_FIGURES = ("comparison_typical_day.png", "comparison_monthly_heatmap.png")
_RESULT_HINT = "give a result folder written by `energysim run` (OUT/<scenario name>/)"


# --------------------------------------------------------------------------- loading

@dataclass(frozen=True)
class ResultFolder:
    """A result folder read back from disk; attribute names follow :class:`results.Result`.

    Attributes
    ----------
    name : str
        Scenario name (from ``summary.json``).
    path : pathlib.Path
        The folder.
    annual : pandas.DataFrame
        One row per year and fleet (``annual.parquet``, else ``annual.csv``); columns and
        units as in :data:`energysim.results.ANNUAL_SCHEMA`.
    totals : pandas.DataFrame
        One row per year, all fleets summed (``totals.csv``). [MW, MWh, tCO2]
    hourly : dict of int to pandas.DataFrame
        Hourly tables by local calendar year (``hourly.parquet`` / ``hourly_<year>.parquet``);
        ``time`` is tz-aware UTC, power in MW. May be empty.
    summary : dict
        ``summary.json``: headline figures, ``milestones`` and ``provenance``.
    """

    name: str
    path: Path
    annual: pd.DataFrame
    totals: pd.DataFrame
    hourly: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    @property
    def metadata(self):
        """Provenance recorded by the run (``summary["provenance"]``). [dict]"""
        return self.summary.get("provenance") or {}

    @property
    def scenario(self):
        """The resolved scenario as plain data (SI units). [dict]"""
        return self.metadata.get("scenario") or {}


def load_result_folder(path):
    """Read a result folder written by ``energysim run``.

    Parameters
    ----------
    path : str or Path
        The folder ``OUT/<scenario name>/``.

    Returns
    -------
    ResultFolder

    Raises
    ------
    ScenarioError
        One line naming the path and what is wrong: not a folder, a missing file
        (``summary.json``, ``totals.csv``, ``annual.parquet``/``annual.csv``), a file that
        cannot be read, or a missing column.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: no such folder: {_RESULT_HINT}")
    if not path.is_dir():
        raise ScenarioError(f"{path}: not a folder: {_RESULT_HINT}")
    annual_file = path / "annual.parquet"
    if not annual_file.is_file():
        annual_file = path / "annual.csv"
    wanted = (path / "summary.json", path / "totals.csv", annual_file)
    missing = [p.name if p is not annual_file else "annual.parquet (or annual.csv)"
               for p in wanted if not p.is_file()]
    if missing:
        raise ScenarioError(f"{path}: not an energysim result folder: {', '.join(missing)} "
                            f"missing: {_RESULT_HINT}")
    summary = _read_summary(path / "summary.json")
    totals = _read_table(path / "totals.csv", TOTALS_COLUMNS)
    annual = _read_table(annual_file, ANNUAL_COLUMNS)
    hourly = {}
    provenance = summary.get("provenance") or {}
    zone = _zone((provenance.get("scenario") or {}), path / "summary.json")
    for file in sorted(path.glob("hourly*.parquet")):
        frame = _read_table(file, HOURLY_COLUMNS)
        try:
            frame["time"] = ensure_utc(pd.DatetimeIndex(frame["time"]), where=f"{file} time")
        except WeatherDataError as err:
            raise ScenarioError(str(err)) from None
        if len(frame):
            middle = frame["time"].iloc[len(frame) // 2].tz_convert(zone)
            hourly[int(middle.year)] = frame
    return ResultFolder(name=str(summary["scenario"]), path=path, annual=annual,
                        totals=totals, hourly=hourly, summary=summary)


def load_result_folders(paths):
    """Read several result folders; every path is checked before any figure is drawn.

    Parameters
    ----------
    paths : sequence of str or Path

    Returns
    -------
    list of ResultFolder

    Raises
    ------
    ScenarioError
        If no path is given, or for the first path that is not a result folder.
    """
    paths = list(paths)
    if not paths:
        raise ScenarioError("no result folder given: " + _RESULT_HINT)
    return [load_result_folder(p) for p in paths]


def _read_summary(file):
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ScenarioError(f"{file}: cannot read: {_reason(err)}") from None
    if not isinstance(summary, dict) or "scenario" not in summary:
        raise ScenarioError(f"{file}: no 'scenario' key: not an energysim summary")
    if not isinstance(summary.get("milestones", []), list):
        raise ScenarioError(f"{file}: 'milestones' is not a list: not an energysim summary")
    return summary


def _read_table(file, columns):
    try:
        if file.suffix == ".parquet":
            frame = pd.read_parquet(file)
            _check_units(file, frame.columns)
        else:
            frame = pd.read_csv(file, encoding="utf-8")
    except (OSError, ValueError) as err:
        raise ScenarioError(f"{file}: cannot read: {_reason(err)}") from None
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ScenarioError(f"{file}: column{'s' if len(absent) > 1 else ''} "
                            f"{', '.join(absent)} missing: not an energysim result table")
    return frame


def _check_units(file, columns):
    """The units stored in a Parquet file must be the ones the schema promises."""
    stored = results.read_parquet_schema(file)
    for column in columns:
        expected = results.unit_of(column)
        given = (stored.get(column) or {}).get("unit")
        if given is not None and expected and given != expected:
            raise ScenarioError(f"{file}: column {column} is in {given!r}: expected "
                                f"{expected!r} (written by another energysim version?)")


def _reason(err):
    text = getattr(err, "strerror", None) or str(err)
    return " ".join(str(text).split())[:200] or type(err).__name__


def _zone(scenario, where):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = (scenario.get("site") or {}).get("timezone")
    if not name:
        return CHINA_STANDARD_TIME
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError(f"{where}: site timezone {name!r} unknown: use an IANA name "
                            "such as 'Asia/Shanghai'") from None


def site_timezone(folder):
    """The site's time zone for local-time reports (UTC+8 if the scenario names none). [tzinfo]"""
    return _zone(folder.scenario, folder.path / "summary.json")


def display_labels(folders):
    """One distinct label per folder: the scenario name, with its parent folder if repeated.

    Parameters
    ----------
    folders : sequence of ResultFolder

    Returns
    -------
    list of str
    """
    names = [f.name for f in folders]
    labels = []
    for folder, name in zip(folders, names):
        label = name
        if names.count(name) > 1:
            label = f"{folder.path.resolve().parent.name}/{name}"
        if label in TABLE_COLUMNS:
            label = f"{label} (scenario)"
        labels.append(label)
    seen = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} #{seen[label]}"
    return labels


# --------------------------------------------------------------------------- comparison

def milestone_labels(folders):
    """Milestone year -> label, merged over the folders' summaries. [dict of int to str]"""
    labels = {}
    for folder in folders:
        for stone in folder.summary.get("milestones", []):
            year = int(stone["year"])
            if not labels.get(year):
                labels[year] = str(stone.get("label") or "")
    return dict(sorted(labels.items()))


def comparison_table(folders, years=None, cn_units=True):
    """Milestone years x KPIs x scenarios, with differences to the first scenario.

    Parameters
    ----------
    folders : sequence of ResultFolder (or Result)
        The scenarios; the first is the reference of the differences.
    years : sequence of int, optional
        Years to compare; default the milestone years of all summaries.
    cn_units : bool, default True
        Add a row in 万千瓦 / 亿千瓦时 / 万吨CO2 before each SI row.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``milestone``, ``quantity``, ``kpi`` (the value's column name,
        unit suffixed), ``unit``; then one column per scenario (its display label) holding
        the value in ``unit``; then ``"<label> - <first label>"`` for every further
        scenario. A year a scenario did not simulate gives NaN. [MW, MWh, tCO2, 万千瓦,
        亿千瓦时, 万吨CO2]

    Raises
    ------
    ScenarioError
        If a requested year lies outside every scenario's simulated years.
    """
    folders = list(folders)
    labels = display_labels(folders) if all(isinstance(f, ResultFolder) for f in folders) \
        else [f.name for f in folders]
    by_year = [f.totals.set_index("year") for f in folders]
    stones = milestone_labels(folders)
    simulated = sorted({int(y) for t in by_year for y in t.index})
    if years is None:
        years = list(stones) or simulated
    else:
        years = sorted({int(y) for y in years})
        outside = [y for y in years if y not in simulated]
        if outside:
            raise ScenarioError(f"year {outside[0]}: not simulated by any of the results: "
                                f"their years are {simulated[0]}..{simulated[-1]}")
    diffs = [f"{label} - {labels[0]}" for label in labels[1:]]
    rows = []
    for year in years:
        for quantity, column, si_unit, cn_column, cn_unit, convert in KPIS:
            values = [float(t.at[year, column]) if year in t.index else math.nan
                      for t in by_year]
            variants = [(cn_column, cn_unit, convert)] if cn_units else []
            variants.append((column, si_unit, None))
            for kpi, unit, conv in variants:
                shown = [conv(v) if conv else v for v in values]
                row = dict(zip(TABLE_COLUMNS, (year, stones.get(year, ""), quantity, kpi, unit)))
                row.update(zip(labels, shown))
                row.update(zip(diffs, (v - shown[0] for v in shown[1:])))
                rows.append(row)
    return pd.DataFrame(rows, columns=[*TABLE_COLUMNS, *labels, *diffs])


def format_number(value, unit, signed=False):
    """A value for a table: thousands separators, decimals by unit, ``-`` for NaN. [str]"""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    digits = DIGITS.get(unit, 2)
    text = f"{value:{'+' if signed else ''},.{digits}f}"
    if signed and float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"  # no "+0.00" / "-0.00" for a zero difference
    return text


def display_width(text):
    """Columns ``text`` takes in a terminal: East Asian wide characters count 2. [characters]"""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def _pad(text, width, right=False):
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def text_table(header, rows, align=None):
    """Rows as aligned plain text; CJK characters count double width. [str]

    Parameters
    ----------
    header : sequence of str
    rows : sequence of sequence of str
    align : str, optional
        One letter per column, ``l`` or ``r``; by default the first column is left-aligned
        and the others right-aligned (numbers).
    """
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max([display_width(header[i])] + [display_width(r[i]) for r in rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(_pad(str(c), widths[i], right=align[i] == "r")
                         for i, c in enumerate(cells)).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def format_comparison(table):
    """The comparison table as aligned plain text (CJK characters count double). [str]

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`comparison_table`.

    Returns
    -------
    str
    """
    value_columns = [c for c in table.columns if c not in TABLE_COLUMNS]
    n_scenarios = (len(value_columns) + 1) // 2
    first = value_columns[0] if value_columns else ""
    header = ["quantity", "unit", *value_columns[:n_scenarios],
              *(f"\u0394 {c.removesuffix(' - ' + first)}" for c in value_columns[n_scenarios:])]
    body = []
    for (year, stone), group in table.groupby(["year", "milestone"], sort=False):
        body.append((f"{year}" + (f"  {stone}" if stone else ""), None))
        for _, row in group.iterrows():
            cells = [f"  {row['quantity']}", row["unit"]]
            cells += [format_number(row[c], row["unit"], signed=i >= n_scenarios)
                      for i, c in enumerate(value_columns)]
            body.append((None, cells))
    widths = [max([display_width(header[i])] + [display_width(c[i]) for _, c in body if c])
              for i in range(len(header))]
    lines = [f"milestone years: values per scenario; \u0394 = difference to {first}"
             if n_scenarios > 1
             else "milestone years"]
    lines.append("  ".join(_pad(h, widths[i], right=i >= 2) for i, h in enumerate(header)))
    for title, cells in body:
        if title is not None:
            lines.append(title)
        else:
            lines.append("  ".join(_pad(c, widths[i], right=i >= 2)
                                   for i, c in enumerate(cells)).rstrip())
    return "\n".join(lines)


# --------------------------------------------------------------------------- hourly, local time

def hourly_year(folder):
    """The year of the hourly table used by the figures: the first one written. [int or None]"""
    return min(folder.hourly) if folder.hourly else None


def local_delivered(folder, year=None):
    """Hourly delivered power per technology, indexed by the site's local time.

    Parameters
    ----------
    folder : ResultFolder
    year : int, optional
        A year of ``folder.hourly``; default :func:`hourly_year`.

    Returns
    -------
    pandas.DataFrame
        Index: local time (tz-aware, site time zone), one column per technology, fleets
        of one technology summed. [MW]
    """
    year = hourly_year(folder) if year is None else year
    frame = folder.hourly[year]
    local = pd.DatetimeIndex(frame["time"]).tz_convert(site_timezone(folder))
    data = pd.DataFrame({"time": local, "technology": frame["technology"].to_numpy(),
                         "delivered_mw": frame["delivered_mw"].to_numpy(dtype=float)})
    wide = data.pivot_table(index="time", columns="technology", values="delivered_mw",
                            aggfunc="sum", fill_value=0.0)
    wide.columns.name = None
    return wide


def typical_day_profiles(folder, year=None):
    """Mean delivered power per season, local hour of day and technology.

    Seasons are meteorological (DJF, MAM, JJA, SON) by local month.

    Parameters
    ----------
    folder : ResultFolder
    year : int, optional
        A year of ``folder.hourly``; default :func:`hourly_year`.

    Returns
    -------
    pandas.DataFrame
        Index ``(season, hour)``, seasons in the order DJF, MAM, JJA, SON and hours 0..23;
        one column per technology. [MW]
    """
    wide = local_delivered(folder, year)
    season_of = {m: s for s, months in plotting.SEASONS.items() for m in months}
    season = pd.Index([season_of[m] for m in wide.index.month], name="season")
    hour = pd.Index(wide.index.hour, name="hour")
    means = wide.groupby([season, hour]).mean()
    order = pd.MultiIndex.from_product([list(plotting.SEASONS), range(24)],
                                       names=["season", "hour"])
    return means.reindex(order.intersection(means.index, sort=False))


def monthly_hour_table(folder, year=None):
    """Mean delivered power of all fleets by local month (rows) and hour of day (columns).

    Parameters
    ----------
    folder : ResultFolder
    year : int, optional
        A year of ``folder.hourly``; default :func:`hourly_year`.

    Returns
    -------
    pandas.DataFrame
        12 rows (months 1..12) x 24 columns (hours 0..23); NaN where no hour exists. [MW]
    """
    total = local_delivered(folder, year).sum(axis=1)
    month = pd.Index(total.index.month, name="month")
    hour = pd.Index(total.index.hour, name="hour")
    table = total.groupby([month, hour]).mean().unstack("hour")
    return table.reindex(index=range(1, 13), columns=range(24))


# --------------------------------------------------------------------------- figures

def _targets(folders):
    targets = (folders[0].scenario.get("targets") or {}) if folders else {}
    return int(targets.get("peak_year", 2030)), int(targets.get("neutrality_year", 2060))


def comparison_pngs(folders):
    """Draw the comparison figures as PNG images.

    Parameters
    ----------
    folders : sequence of ResultFolder

    Returns
    -------
    dict of str to bytes
        File name (a key of :data:`FIGURES`) -> PNG. The hourly figures are left out when
        no folder has an hourly table; folders without one are left out of them.
    """
    labels = display_labels(folders)
    peak, neutral = _targets(folders)
    pngs = {
        "comparison_capacity.png": plotting.capacity_comparison_figure(folders, labels),
        "comparison_generation.png": plotting.generation_comparison_figure(folders, labels),
        "comparison_cumulative_avoided_co2.png": plotting.cumulative_avoided_comparison_figure(
            folders, labels, peak_year=peak, neutrality_year=neutral),
    }
    pngs = {name: plotting.png_bytes(fig) for name, fig in pngs.items()}
    with_hourly = [i for i, f in enumerate(folders) if f.hourly]
    for folder in folders:
        if not folder.hourly:
            logger.warning("%s: no hourly table: left out of the hourly figures", folder.path)
    if with_hourly:
        titles = [_hourly_title(plotting.plot_label(labels[i], i), folders[i])
                  for i in with_hourly]
        profiles = [typical_day_profiles(folders[i]) for i in with_hourly]
        pngs["comparison_typical_day.png"] = plotting.png_bytes(
            plotting.typical_day_figure(profiles, titles))
        tables = [monthly_hour_table(folders[i]) for i in with_hourly]
        pngs["comparison_monthly_heatmap.png"] = plotting.png_bytes(
            plotting.monthly_heatmap_figure(tables, titles))
    return pngs


def _hourly_title(label, folder):
    return f"{label} ({hourly_year(folder)})"


def write_comparison(folders, out_dir, *, years=None, cn_units=True, overwrite=False):
    """Write ``comparison.csv`` and the comparison figures into ``out_dir``.

    Parameters
    ----------
    folders : sequence of ResultFolder
    out_dir : str or Path
        Created if missing; may hold other files.
    years : sequence of int, optional
        Years of the table; default the milestone years.
    cn_units : bool, default True
        Add the Chinese-unit rows to the table.
    overwrite : bool, default False
        Replace existing comparison files.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OutputExistsError
        If a file to write exists and ``overwrite`` is false (nothing is written then).
    OutputError
        If the folder cannot be written.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"{out_dir}: exists and is not a folder: give a folder for "
                                "the comparison files")
    table = comparison_table(folders, years=years, cn_units=cn_units)
    names = [COMPARISON_CSV, *FIGURES]
    if not overwrite:
        for name in names:
            if (out_dir / name).exists():
                raise OutputExistsError(f"{out_dir / name}: exists: pass --overwrite to "
                                        "replace the comparison files")
    csv_text = table.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    outputs = {COMPARISON_CSV: csv_text.encode("utf-8"), **comparison_pngs(folders)}
    _make_folder(out_dir)
    return [write_atomic(out_dir / name, data, overwrite=overwrite)
            for name, data in outputs.items()]


def _make_folder(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{folder}: cannot create the folder: {_reason(err)}") from err


def write_atomic(path, data, overwrite=False):
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A reader sees the old file or the new one, never a part. Without ``overwrite`` an
    existing file, even one that appears while writing, is never replaced.

    Parameters
    ----------
    path : str or Path
    data : bytes
    overwrite : bool, default False

    Returns
    -------
    Path

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    OutputError
        If the file cannot be written.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as err:
        raise OutputError(f"{path}: cannot write here: {_reason(err)}") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_no_clobber(tmp, path)
    except OSError as err:
        if isinstance(err, FileExistsError):
            raise OutputExistsError(f"{path}: exists: pass --overwrite to replace it") from None
        raise OutputError(f"{path}: cannot write: {_reason(err)}") from err
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return path


def _link_no_clobber(tmp, path):
    try:
        os.link(tmp, path)  # fails with FileExistsError if the path exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if path.exists():
            raise FileExistsError(str(path)) from None
        os.replace(tmp, path)


# --------------------------------------------------------------------------- HTML report

_CSS = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--head:#f2f5f8;--accent:#0b5394}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);font:14px/1.5 "Noto Sans CJK SC",
"Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Zen Hei","Helvetica Neue",
Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 32px 48px}
h1{font-size:25px;margin:0 0 4px;color:var(--accent)}
h2{font-size:19px;margin:34px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
h3{font-size:16px;margin:22px 0 6px}
h4{font-size:13.5px;margin:14px 0 4px;color:var(--muted)}
p{margin:4px 0 10px}
.meta,.note,figcaption{color:var(--muted)}
.note{font-size:12.5px}
nav ol{margin:6px 0 0;padding-left:22px}
a{color:var(--accent)}
.wrap{overflow-x:auto;margin:6px 0 16px}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 9px;vertical-align:top;text-align:left}
thead th{background:var(--head);position:sticky;top:0}
tbody th{background:#fafbfc;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.num .si{display:block;color:var(--muted);font-size:11.5px}
td.diff{background:#f8fafc}
.pos{color:#1a7f37}.neg{color:#b42318}
tr.year-start td,tr.year-start th{border-top:2px solid #9aa7b4}
table.kv th{width:210px;background:#fafbfc;font-weight:600}
table.kv td{max-width:820px}
.nw{white-space:nowrap}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;
vertical-align:baseline}
code{font:12px/1.4 "DejaVu Sans Mono",Menlo,Consolas,monospace;word-break:break-all}
figure{margin:16px 0 28px;page-break-inside:avoid}
figure img{display:block;max-width:100%;height:auto;border:1px solid #eceff2}
figcaption{font-size:12.5px;margin-top:4px}
footer{margin-top:40px;font-size:12px;color:var(--muted);border-top:1px solid var(--line);
padding-top:8px}
@media print{main{max-width:none;padding:0}.wrap{overflow:visible}thead th{position:static}}
"""


def _e(value):
    return html.escape(str(value), quote=True)


def _version():
    from importlib import metadata

    try:
        return metadata.version("energysim")
    except metadata.PackageNotFoundError:  # pragma: no cover - source tree
        return "unknown"


def _swatch(index):
    return f'<span class="swatch" style="background:{plotting.scenario_color(index)}"></span>'


def _num(value, unit, signed=False):
    text = format_number(value, unit, signed)
    return text.replace("-", "\u2212") if text != "-" else "\u2013"


def _points(points, unit="", scale=None, fmt="{:g}"):
    """Year points ({"2021": 0.1, ...}) or a plain number as short text."""
    if points is None:
        return "\u2013"
    if isinstance(points, dict):
        items = sorted(points.items(), key=lambda kv: int(kv[0]))
        return ", ".join(f"{y}: {fmt.format(scale(v) if scale else v)}{unit}" for y, v in items)
    return f"{fmt.format(scale(points) if scale else points)}{unit}"


def _capacity_text(mw):
    if mw is None:
        return "\u2013"
    return (f"{format_number(units.mw_to_wan_kw(mw), '万千瓦')} 万千瓦 "
            f"<span class=\"note\">({format_number(mw, 'MW')} MW)</span>")


def _buildout_text(fleet, years):
    if fleet.get("buildout_share"):
        return "share of capacity in operation: " + _points(
            fleet["buildout_share"], " %", units.fraction_to_pct, "{:.0f}")
    if fleet.get("additions_mw"):
        return "additions: " + _points(fleet["additions_mw"], " 万千瓦", units.mw_to_wan_kw,
                                       "{:+,.2f}")
    shape = fleet.get("buildout")
    if shape and shape.get("shape") == "linear":
        target = (f"in {shape['target_year']}" if shape.get("target_year")
                  else f"by the end of the {shape.get('by_fyp')} FYP")
        start = shape.get("start_year") or (years[0] if years else "the first year")
        share = units.fraction_to_pct(shape.get("start_share", 0.0))
        return f"linear from {share:.0f} % in {start} to 100 % {target}"
    if shape and shape.get("shape") == "logistic":
        return (f"logistic: 50 % in {shape.get('midpoint_year'):g}, steepness "
                f"{shape.get('steepness_per_year', 0.8):g} /a")
    return "full capacity from the first year"


def _degradation_text(fleet):
    deg = fleet.get("degradation") or {}
    return (f"{deg.get('first_year_loss_pct', 0.0):g} % in the first year, then "
            f"{deg.get('annual_rate_pct', 0.0):g} %/a")


def _lifetime_text(fleet):
    life = fleet.get("lifetime_years")
    if life is None:
        return "\u2013"
    return f"{life} a, {'repowered' if fleet.get('repower') else 'retired'} at end of life"


def _operation_text(fleet):
    return (f"availability {fleet.get('availability_pct', 100.0):g} %, curtailment "
            f"{fleet.get('curtailment_pct', 0.0):g} %")


def _table(head, rows, cls=""):
    """An HTML table; ``head`` and cells are pre-escaped HTML strings."""
    thead = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<div class="wrap"><table class="{cls}"><thead><tr>{thead}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _kv(pairs):
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f'<div class="wrap"><table class="kv"><tbody>{rows}</tbody></table></div>'


def _pv_table(fleets, years):
    head = ["Fleet", "Capacity (DC)", "Tracking", "Tilt / azimuth", "DC/AC", "Losses",
            "Build-out", "Degradation", "Lifetime", "Operation"]
    rows = []
    for f in fleets:
        tilt = ("tracker" if f.get("tracking") == "single_axis"
                else f"{f.get('tilt_deg', 0):g}\u00b0")
        rows.append([
            f'<b class="nw">{_e(f.get("name"))}</b>', _capacity_text(f.get("capacity_mw")),
            _e(str(f.get("tracking", "fixed")).replace("_", " ")),
            f"{tilt} / {f.get('azimuth_deg', 180):g}\u00b0",
            f"{f.get('dc_ac_ratio', 1.2):g}", f"{f.get('losses_pct', 0):g} %",
            _e(_buildout_text(f, years)), _e(_degradation_text(f)), _e(_lifetime_text(f)),
            _e(_operation_text(f))])
    return _table(head, rows)


def _wind_table(fleets, years):
    head = ["Fleet", "Capacity", "Turbine", "Hub height", "Mean wind at hub", "Wake etc.",
            "Build-out", "Degradation", "Lifetime", "Operation"]
    rows = []
    for f in fleets:
        turbine = f.get("turbine") or "power curve from the scenario"
        mean = f.get("mean_wind_speed_ms")
        rows.append([
            f'<b class="nw">{_e(f.get("name"))}</b>', _capacity_text(f.get("capacity_mw")),
            f'<span class="nw">{_e(turbine)}</span>',
            f"{f.get('hub_height_m', 0):g} m",
            f"{mean:g} m/s" if mean is not None else "from the weather data",
            f"{f.get('wind_farm_efficiency', 1.0):g}",
            _e(_buildout_text(f, years)), _e(_degradation_text(f)), _e(_lifetime_text(f)),
            _e(_operation_text(f))])
    return _table(head, rows)


def _grid_pairs(folder):
    scenario = folder.scenario
    grid = scenario.get("grid") or {}
    prov = folder.metadata
    factor = grid.get("emission_factor_t_per_mwh")
    preset = grid.get("emission_factor")
    if factor is not None:
        factor_text = _e(_points(factor, " tCO2/MWh"))
    elif preset:
        factor_text = _e(f"preset {preset.get('preset')}, then {preset.get('extend')}")
    else:
        factor_text = "default preset"
    limit = grid.get("export_limit_mw")
    if limit is None:
        limit_text = "none"
    elif isinstance(limit, dict):
        limit_text = _e(_points(limit, " MW", fmt="{:,.0f}"))
    else:
        limit_text = _capacity_text(limit)
    coal = grid.get("coal_rate_g_per_kwh")
    targets = scenario.get("targets") or {}
    target_text = (f"carbon peak {targets.get('peak_year', 2030)}, neutrality "
                   f"{targets.get('neutrality_year', 2060)}")
    for t in targets.get("capacity") or []:
        target_text += (f"; {t.get('technology')} {t.get('year')}: "
                        f"{format_number(units.mw_to_wan_kw(t.get('capacity_mw', 0)), '万千瓦')}"
                        " 万千瓦")
    site = scenario.get("site") or {}
    weather = scenario.get("weather") or {}
    years = scenario.get("years") or folder.summary.get("years") or []
    return [
        ("Description", _e(scenario.get("description") or "\u2013")),
        ("Simulated years", _e("\u2013".join(str(y) for y in years))),
        ("Site", _e(f"{site.get('latitude', float('nan')):.2f}\u00b0N, "
                    f"{site.get('longitude', float('nan')):.2f}\u00b0E, "
                    f"{site.get('altitude_m', 0):g} m; time zone "
                    f"{site.get('timezone', 'UTC+8')}")),
        ("Weather", _e(prov.get("weather_source")
                       or f"{weather.get('source', '?')} (seed {weather.get('seed', 0)})")),
        ("Emission-factor source", _e(prov.get("emission_factor_source") or "\u2013")),
        ("Grid emission factor", factor_text),
        ("Export limit", limit_text),
        ("Coal rate of thermal supply", _e(_points(coal, " gce/kWh")) if coal else "default"),
        ("Targets", _e(target_text)),
    ]


def _assumptions_html(folders, labels):
    parts = []
    for i, (folder, label) in enumerate(zip(folders, labels)):
        scenario = folder.scenario
        years = scenario.get("years") or folder.summary.get("years") or []
        parts.append(f'<h3 id="scenario-{i + 1}">{_swatch(i)}{_e(label)}</h3>')
        if not scenario:
            parts.append('<p class="note">summary.json records no resolved scenario: '
                         "assumptions unknown.</p>")
            continue
        parts.append(_kv(_grid_pairs(folder)))
        if scenario.get("pv"):
            parts.append("<h4>PV fleets 光伏</h4>" + _pv_table(scenario["pv"], years))
        if scenario.get("wind"):
            parts.append("<h4>Wind fleets 风电</h4>" + _wind_table(scenario["wind"], years))
    return "\n".join(parts)


def _comparison_html(table, labels):
    diffs = [c for c in table.columns if c not in TABLE_COLUMNS and c not in labels]
    head = ["Year", "Milestone", "Quantity"]
    head += [f"{_swatch(i)}{_e(label)}" for i, label in enumerate(labels)]
    head += [_e(d).replace(" - ", " \u2212 ") for d in diffs]
    thead = "".join(f'<th class="{"num" if k >= 3 else ""}">{h}</th>' for k, h in enumerate(head))
    rows = []
    si_units = {kpi[1]: kpi[2] for kpi in KPIS}
    for year, by_year in table.groupby("year", sort=False):
        quantities = list(dict.fromkeys(by_year["quantity"]))
        for q_index, quantity in enumerate(quantities):
            pair = by_year[by_year["quantity"] == quantity]
            cn = pair[~pair["kpi"].isin(si_units)]
            si = pair[pair["kpi"].isin(si_units)]
            cells = []
            if q_index == 0:
                span = len(quantities)
                stone = by_year["milestone"].iloc[0]
                cells.append(f'<th rowspan="{span}">{year}</th>')
                cells.append(f'<td rowspan="{span}">{_e(stone) or "&nbsp;"}</td>')
            cells.append(f"<td>{_e(quantity)}</td>")
            base = None
            for k, column in enumerate([*labels, *diffs]):
                signed = k >= len(labels)
                si_value = float(si[column].iloc[0])
                si_unit = si["unit"].iloc[0]
                text = ""
                if len(cn):
                    cn_value = float(cn[column].iloc[0])
                    text = f"{_num(cn_value, cn['unit'].iloc[0], signed)} {_e(cn['unit'].iloc[0])}"
                si_text = f"{_num(si_value, si_unit, signed)} {_e(si_unit)}"
                if k == 0:
                    base = si_value
                cls = "num diff" if signed else "num"
                extra = ""
                if signed and base and not math.isnan(si_value) and base != 0:
                    pct = units.fraction_to_pct(si_value / base)
                    extra = f" ({pct:+.1f} %)".replace("-", "\u2212")
                    cls += " pos" if si_value > 0 else " neg" if si_value < 0 else ""
                if text:
                    cells.append(f'<td class="{cls}">{text}{extra}'
                                 f'<span class="si">{si_text}</span></td>')
                else:
                    cells.append(f'<td class="{cls}">{si_text}{extra}</td>')
            css = ' class="year-start"' if q_index == 0 else ""
            rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    return (f'<div class="wrap"><table class="comparison"><thead><tr>{thead}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _totals_html(folders, labels):
    head = ["Scenario", "Years", "Delivered", "Curtailed", "Avoided CO2", "Avoided coal",
            "Full-load hours PV / wind"]
    rows = []
    for i, (folder, label) in enumerate(zip(folders, labels)):
        s = folder.summary
        techs = s.get("technologies") or {}
        flh = " / ".join(f"{format_number(techs[t]['mean_full_load_hours'], 'h')} h"
                         if t in techs else "\u2013" for t in ("pv", "wind"))
        years = s.get("years") or [int(folder.totals["year"].min()),
                                   int(folder.totals["year"].max())]

        def pair(value, cn_convert, cn_unit, si_unit):
            if value is None:
                return "\u2013"
            return (f"{_num(cn_convert(value), cn_unit)} {cn_unit}"
                    f'<span class="si">{_num(value, si_unit)} {si_unit}</span>')

        delivered = s.get("total_delivered_mwh", float(folder.totals["delivered_mwh"].sum()))
        curtailed = s.get("total_curtailed_mwh", float(folder.totals["curtailed_mwh"].sum()))
        avoided = s.get("total_avoided_tco2", float(folder.totals["avoided_tco2"].sum()))
        coal = s.get("total_avoided_coal_tce")
        rows.append(f"<tr><td>{_swatch(i)}{_e(label)}</td><td>{years[0]}\u2013{years[-1]}</td>"
                    f'<td class="num">{pair(delivered, units.mwh_to_yi_kwh, "亿千瓦时", "MWh")}</td>'
                    f'<td class="num">{pair(curtailed, units.mwh_to_yi_kwh, "亿千瓦时", "MWh")}</td>'
                    f'<td class="num">{pair(avoided, units.t_to_wan_t, "万吨CO2", "tCO2")}</td>'
                    f'<td class="num">{pair(coal, units.t_to_wan_t, "万吨标准煤", "tce")}</td>'
                    f'<td class="num">{flh}</td></tr>')
    thead = "".join(f'<th class="{"num" if k >= 2 else ""}">{h}</th>' for k, h in enumerate(head))
    return (f'<div class="wrap"><table><thead><tr>{thead}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _figures_html(folders, labels, pngs):
    parts = []
    hourly_note = "; ".join(
        f"{plotting.plot_label(label, i)}: {hourly_year(f)}, "
        f"{getattr(site_timezone(f), 'key', 'UTC+08:00')}"
        for i, (f, label) in enumerate(zip(folders, labels)) if f.hourly)
    for n, (name, png) in enumerate(pngs.items(), start=1):
        caption = FIGURES[name]
        if name in _HOURLY_FIGURES and hourly_note:
            caption += f" Hourly year and time zone: {hourly_note}."
        data = base64.b64encode(png).decode("ascii")
        parts.append(f'<figure id="{_e(name[:-4])}"><img alt="{_e(caption)}" '
                     f'src="data:image/png;base64,{data}">'
                     f"<figcaption>Figure {n}. {_e(caption)}</figcaption></figure>")
    return "\n".join(parts)


def _provenance_html(folders, labels):
    parts = []
    for i, (folder, label) in enumerate(zip(folders, labels)):
        prov = folder.metadata
        versions = prov.get("versions") or {}
        repairs = prov.get("weather_repairs") or []
        warnings = prov.get("weather_warnings") or []
        parts.append(f"<h3>{_swatch(i)}{_e(label)}</h3>")
        parts.append(_kv([
            ("Result folder", f"<code>{_e(folder.path)}</code>"),
            ("Scenario SHA-256", f"<code>{_e(prov.get('scenario_sha256', 'not recorded'))}</code>"),
            ("Weather source", _e(prov.get("weather_source") or "not recorded")),
            ("Weather SHA-256", f"<code>{_e(prov.get('weather_sha256') or 'not recorded')}</code>"),
            ("Weather repairs", _e("; ".join(map(str, repairs)) or "none")),
            ("Weather warnings", _e("; ".join(map(str, warnings)) or "none")),
            ("Emission-factor source", _e(prov.get("emission_factor_source") or "not recorded")),
            ("Physics version", _e(prov.get("physics_version") or "not recorded")),
            ("Leap years", _e(prov.get("leap_years") or "\u2013")),
            ("Package versions", _e(", ".join(f"{k} {v}" for k, v in versions.items()
                                              if v is not None) or "not recorded")),
        ]))
    return "\n".join(parts)


def render_report(folders, *, title=None, date=None):
    """The HTML report as one self-contained string (inline CSS, base64 PNG figures).

    Parameters
    ----------
    folders : sequence of ResultFolder
    title : str, optional
        Default: "Scenario comparison" with the scenario names.
    date : datetime or str, optional
        Shown under the title; default now, China Standard Time.

    Returns
    -------
    str
        UTF-8 HTML with no external resource (no links, fonts or scripts).
    """
    folders = list(folders)
    labels = display_labels(folders)
    table = comparison_table(folders, cn_units=True)
    pngs = comparison_pngs(folders)
    if date is None:
        date = datetime.now(CHINA_STANDARD_TIME)
    if isinstance(date, datetime):
        date = date.strftime("%Y-%m-%d %H:%M (UTC%z)").replace("UTC+0800", "UTC+08:00")
    title = title or ("Scenario comparison 情景对比: " + " vs ".join(labels))
    overview = []
    for i, (folder, label) in enumerate(zip(folders, labels)):
        years = folder.summary.get("years") or []
        digest = folder.metadata.get("scenario_sha256", "")
        in_figures = plotting.plot_label(label, i)
        overview.append([
            f'{_swatch(i)}<a href="#scenario-{i + 1}">{_e(label)}</a>'
            + (f' <span class="note">(in figures: {_e(in_figures)})</span>'
               if in_figures != label else ""),
            _e(folder.scenario.get("description") or ""),
            _e("\u2013".join(str(y) for y in years)),
            f"<code>{_e(digest[:12])}</code>" if digest else "\u2013"])
    reference = _e(labels[0])
    body = f"""<main>
<header><h1>{_e(title)}</h1>
<p class="meta">Generated {_e(date)} by energysim {_e(_version())} from {len(folders)}
result folder{'s' if len(folders) != 1 else ''}.<br>Chinese units: 1 万千瓦 = 10 MW,
1 亿千瓦时 = 100 GWh = 10<sup>5</sup> MWh, 1 万吨 = 10<sup>4</sup> t.</p></header>
<nav><b>Contents</b><ol><li><a href="#assumptions">Scenarios and assumptions 情景与假设</a></li>
<li><a href="#comparison">Milestone comparison 里程碑对比</a></li>
<li><a href="#figures">Figures 图表</a></li><li><a href="#provenance">Provenance 数据来源</a></li>
</ol></nav>
{_table(["Scenario", "Description", "Years", "Scenario hash"], overview)}
<section id="assumptions"><h2>1. Scenarios and assumptions 情景与假设</h2>
{_assumptions_html(folders, labels)}
</section>
<section id="comparison"><h2>2. Milestone comparison 里程碑对比</h2>
<p class="note">Values at the milestone years (end of each Five-Year Plan, carbon peak,
neutrality, first and last simulated year). Each cell gives the Chinese unit first and SI
below; difference columns are relative to <b>{reference}</b>.</p>
{_comparison_html(table, labels)}
<h3>Totals over the simulated years 模拟期合计</h3>
{_totals_html(folders, labels)}
</section>
<section id="figures"><h2>3. Figures 图表</h2>
{_figures_html(folders, labels, pngs)}
</section>
<section id="provenance"><h2>4. Provenance 数据来源</h2>
{_provenance_html(folders, labels)}
</section>
<footer>energysim {_e(_version())}: renewable-energy potential simulator. This file is
self-contained: figures are embedded, nothing is loaded from elsewhere.</footer>
</main>"""
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


def write_report(folders, path, overwrite=False, *, title=None, date=None):
    """Write the self-contained HTML report to ``path`` atomically.

    Parameters
    ----------
    folders : sequence of ResultFolder
        The scenarios; the first is the reference of the differences.
    path : str or Path
        The HTML file; its folder is created if missing.
    overwrite : bool, default False
        Replace an existing file.
    title : str, optional
        See :func:`render_report`.
    date : datetime or str, optional
        See :func:`render_report`.

    Returns
    -------
    Path

    Raises
    ------
    OutputExistsError
        If ``path`` exists (checked before any work) and ``overwrite`` is false, or is a
        folder.
    OutputError
        If the file cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(f"{path}: is a folder: give the report's file name, "
                                "e.g. report.html")
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path}: exists: pass --overwrite to replace it")
    folders = list(folders)
    if not folders:
        raise ScenarioError("no result folder given: " + _RESULT_HINT)
    text = render_report(folders, title=title, date=date)
    _make_folder(path.parent)
    return write_atomic(path, text.encode("utf-8"), overwrite=overwrite)
