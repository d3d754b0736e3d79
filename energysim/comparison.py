"""Comparison of results: the milestone table, target progress and the hourly reductions.

Owns what ``energysim compare`` prints and writes (:func:`compare`,
:func:`comparison_table`, :func:`format_comparison`, :func:`write_comparison`), the
quantities every printed table shows with their labels in both unit systems
(:data:`QUANTITIES`), capacity-target progress (:func:`target_table`) and the local-time
reductions of the hourly tables (:func:`typical_day_profiles`,
:func:`monthly_hour_table`) at the year they show (:func:`hourly_year`); imports only
``errors``, ``units``, ``atomic``, ``results`` and ``plotting``, never ``simulate`` or
``cli``. Values come from :class:`energysim.results.Result` objects in SI; the Chinese
units (万千瓦, 亿千瓦时, 万吨CO2, 万吨标准煤) are derived here through
:mod:`energysim.units`.

Unit systems (``units=``): ``"cn"`` gives every quantity in its Chinese unit and, beside
it, in SI (MW, GWh, ktCO2, ktce); ``"si"`` gives SI only, with English labels and no
Chinese unit. Every energy, CO2 and coal quantity says whether it is the value of one year
(annual, 年) or the sum from the first simulated year through that year (cumulative, 累计).

Examples
--------
>>> format_number(4194.75, "MW"), format_number(-1805.25, "万千瓦", signed=True)
('4,194.8', '-1,805.25')
"""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from energysim import atomic, plotting, results
from energysim import units as conv  # "units" is the keyword naming the unit system
from energysim.errors import OutputError, OutputExistsError, ScenarioError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Quantity:
    """A quantity of the printed tables, with its label and unit in both unit systems.

    Attributes
    ----------
    key : str
        Short name (also the column of :data:`energysim.results.CN_COLUMNS` sources).
    column : str
        The SI column of the totals table. [MW, MWh, tCO2, tce]
    unit : str
        Unit of ``column`` (as stored in files).
    shown_unit : str
        SI unit printed (MW, GWh, ktCO2, ktce). ``shown(value)`` converts to it.
    cn_column, cn_unit : str
        The Chinese-unit column and unit (万千瓦, 亿千瓦时, 万吨CO2, 万吨标准煤).
    en, cn : str
        Labels; energy, CO2 and coal labels say annual/cumulative (年/累计).
    """

    key: str
    column: str
    unit: str
    shown_unit: str
    cn_column: str
    cn_unit: str
    en: str
    cn: str

    def shown(self, value):
        """``value`` (in ``unit``) in ``shown_unit``. [MW, GWh, ktCO2, ktce]"""
        return _SHOWN[self.unit](value)

    def in_cn(self, value):
        """``value`` (in ``unit``) in ``cn_unit``. [万千瓦, 亿千瓦时, 万吨]"""
        return _CN[self.unit](value)

    def label(self, system):
        """The label in unit system ``system`` ("cn": Chinese and English). [str]"""
        return f"{self.cn} {self.en}" if system == "cn" else self.en


_SHOWN = {"MW": lambda v: v, "MWh": conv.mwh_to_gwh, "tCO2": conv.t_to_kt,
          "tce": conv.t_to_kt, "t": lambda v: v, "1": conv.fraction_to_pct}
_CN = {"MW": conv.mw_to_wan_kw, "MWh": conv.mwh_to_yi_kwh, "tCO2": conv.t_to_wan_t,
       "tce": conv.t_to_wan_t, "t": lambda v: v, "1": conv.fraction_to_pct}

#: The quantities of the milestone tables, in order.
QUANTITIES = (
    Quantity("pv", "installed_pv_mw", "MW", "MW", "installed_pv_wan_kw", "万千瓦",
             "installed PV (in operation)", "光伏装机"),
    Quantity("wind", "installed_wind_mw", "MW", "MW", "installed_wind_wan_kw", "万千瓦",
             "installed wind (in operation)", "风电装机"),
    Quantity("delivered", "delivered_mwh", "MWh", "GWh", "delivered_yi_kwh", "亿千瓦时",
             "delivered electricity, annual", "年上网电量"),
    Quantity("co2", "avoided_tco2", "tCO2", "ktCO2", "avoided_wan_tco2", "万吨CO2",
             "avoided CO2, annual", "年减排CO2"),
    Quantity("co2_cum", "cumulative_avoided_tco2", "tCO2", "ktCO2",
             "cumulative_avoided_wan_tco2", "万吨CO2", "avoided CO2, cumulative", "累计减排CO2"),
    Quantity("coal", "avoided_coal_tce", "tce", "ktce", "avoided_coal_wan_tce", "万吨标准煤",
             "avoided standard coal, annual", "年节约标准煤"),
    Quantity("coal_cum", "cumulative_avoided_coal_tce", "tce", "ktce",
             "cumulative_avoided_coal_wan_tce", "万吨标准煤", "avoided standard coal, cumulative",
             "累计节约标准煤"),
    # Shown only when a result has them (issue 12): hydro, biomass, storage, hydrogen and
    # the share of the city's own emissions.
    Quantity("hydro", "installed_hydro_mw", "MW", "MW", "installed_hydro_wan_kw", "万千瓦",
             "installed hydro (in operation)", "水电装机"),
    Quantity("biomass", "installed_biomass_mw", "MW", "MW", "installed_biomass_wan_kw", "万千瓦",
             "installed biomass (in operation)", "生物质装机"),
    Quantity("storage", "installed_storage_mw", "MW", "MW", "installed_storage_wan_kw", "万千瓦",
             "storage power (in operation)", "储能功率"),
    Quantity("hydrogen", "hydrogen_t", "t", "t", "hydrogen_t", "吨", "hydrogen made, annual",
             "年制氢"),
    Quantity("baseline_share", "baseline_offset_share", "1", "%", "baseline_offset_pct", "%",
             "avoided CO2 / city emissions, annual", "年减排占全市排放"),
)
#: Keys of :data:`QUANTITIES` left out of a table when no result has their column.
OPTIONAL_QUANTITIES = ("hydro", "biomass", "storage", "hydrogen", "baseline_share")
#: Leading columns of :func:`comparison_table`; scenario columns follow.
TABLE_COLUMNS = ("year", "milestone", "quantity", "kpi", "unit")
#: Decimals shown per unit in printed and HTML tables.
DIGITS = {"万千瓦": 2, "MW": 1, "亿千瓦时": 2, "GWh": 1, "MWh": 0, "万吨CO2": 2, "ktCO2": 1,
          "tCO2": 0, "万吨标准煤": 2, "ktce": 1, "tce": 0, "t": 0, "吨": 0, "h": 0, "%": 1, "tCO2/MWh": 4, "1": 4}
#: The file ``compare -o`` writes besides the figures.
COMPARISON_CSV = "comparison.csv"
#: The comparison figures: file name -> caption (English; the figures carry the units).
FIGURES = {
    "comparison_capacity.png": "Installed capacity by year, one line per scenario.",
    "comparison_generation.png": "Delivered electricity per year (solid) and curtailment "
                                 "per year (dotted), one colour per scenario.",
    "comparison_cumulative_avoided_co2.png": "Cumulative avoided CO2 against the 3060 goals: "
                                             "carbon peak and neutrality years marked.",
    "comparison_typical_day.png": "Typical day per season: mean delivered power per hour "
                                  "of day in the site's local time, PV solid, wind dashed.",
    "comparison_monthly_heatmap.png": "Mean delivered power of all fleets by month and "
                                      "local hour of day.",
}
HOURLY_FIGURES = ("comparison_typical_day.png", "comparison_monthly_heatmap.png")


def check_units(system):
    """``system`` if it is a unit system ("cn" or "si"), else ValueError. [str]"""
    if system not in results.UNIT_SYSTEMS:
        raise ValueError(f"units={system!r}: use one of {', '.join(results.UNIT_SYSTEMS)}")
    return system


# --------------------------------------------------------------------------- labels

def display_labels(items):
    """One distinct label per result: the scenario name, with its parent folder if repeated.

    Parameters
    ----------
    items : sequence of Result

    Returns
    -------
    list of str
    """
    names = [r.name for r in items]
    labels = []
    for item, name in zip(items, names):
        label = name
        if names.count(name) > 1 and item.path is not None:
            label = f"{Path(item.path).resolve().parent.name}/{name}"
        if label in TABLE_COLUMNS:
            label = f"{label} (scenario)"
        labels.append(label)
    seen = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} #{seen[label]}"
    return labels


def milestone_labels(items):
    """Milestone year -> label, merged over the results' summaries. [dict of int to str]"""
    labels = {}
    for item in items:
        for stone in item.summary.get("milestones", []):
            year = int(stone["year"])
            if not labels.get(year):
                labels[year] = str(stone.get("label") or "")
    return dict(sorted(labels.items()))


def milestone_text(label, system):
    """A milestone label in unit system ``system`` (Chinese added under "cn"). [str]"""
    if not label or system != "cn":
        return label
    words = {"carbon peak": "碳达峰", "neutrality": "碳中和", "end of 14th FYP": "“十四五”末",
             "end of 15th FYP": "“十五五”末", "end of 16th FYP": "“十六五”末"}
    return ", ".join(f"{words[part]} {part}" if part in words else part
                     for part in label.split(", "))


# --------------------------------------------------------------------------- tables

def _as_results(items):
    return [item if isinstance(item, results.Result) else results.read_result(item)
            for item in items]


def comparison_table(items, years=None, units="cn"):
    """Milestone years x quantities x scenarios, with differences to the first scenario.

    Parameters
    ----------
    items : sequence of Result
        The scenarios; the first is the reference of the differences.
    years : sequence of int, optional
        Years to compare; default the milestone years of all summaries.
    units : {"cn", "si"}, default "cn"
        ``cn`` puts a row in the Chinese unit before each SI row; ``si`` gives SI rows only.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``milestone`` (English, as in ``summary.json``), ``quantity``
        (label; says annual or cumulative),
        ``kpi`` (the value's column name), ``unit``; then one column per scenario (its
        display label) holding the value in ``unit``; then ``"<label> - <first label>"``
        for every further scenario. SI rows are in the files' units (MW, MWh, tCO2, tce).
        A year a scenario did not simulate, or a column it lacks, gives NaN.

    Raises
    ------
    ScenarioError
        If a requested year lies outside every scenario's simulated years.
    """
    system = check_units(units)
    items = list(items)
    labels = display_labels(items)
    by_year = [r.totals.set_index("year") for r in items]
    stones = milestone_labels(items)
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
        for q in QUANTITIES:
            if q.key in OPTIONAL_QUANTITIES and not any(q.column in t for t in by_year):
                continue
            values = [float(t.at[year, q.column]) if year in t.index and q.column in t
                      else math.nan for t in by_year]
            variants = [(q.cn_column, q.cn_unit, q.in_cn)] if system == "cn" else []
            variants.append((q.column, q.unit, None))
            for kpi, unit, convert in variants:
                shown = [convert(v) if convert else v for v in values]
                row = dict(zip(TABLE_COLUMNS, (year, stones.get(year, ""), q.label(system),
                                               kpi, unit)))
                row.update(zip(labels, shown))
                row.update(zip(diffs, (v - shown[0] for v in shown[1:])))
                rows.append(row)
    return pd.DataFrame(rows, columns=[*TABLE_COLUMNS, *labels, *diffs])


def compare(results_or_folders, years=None):
    """Compare results at the milestone years (or ``years``), in SI units.

    Parameters
    ----------
    results_or_folders : sequence of Result or path
        Results, or result folders (read with :func:`energysim.results.read_result`); the
        first is the reference of the differences.
    years : sequence of int, optional
        Default: the milestone years of all summaries.

    Returns
    -------
    pandas.DataFrame
        :func:`comparison_table` with ``units="si"``: one row per year and quantity, one
        column per scenario and one per difference to the first. [MW, MWh, tCO2, tce]
    """
    items = _as_results(results_or_folders)
    if not items:
        raise ScenarioError("no result given: give Result objects or result folders")
    return comparison_table(items, years=years, units="si")


def target_table(items, units="cn"):
    """Capacity-target progress of every result that has targets.

    Parameters
    ----------
    items : sequence of Result
    units : {"cn", "si"}, default "cn"

    Returns
    -------
    pandas.DataFrame
        One row per scenario and target: ``scenario``, ``technology``, ``year``,
        ``label``, ``target_mw``, ``reached_mw``, ``reached_year``, ``share`` (reached / target),
        and under ``cn`` also ``target_wan_kw`` and ``reached_wan_kw``. Empty when no
        result has targets. [MW, 万千瓦, 1]
    """
    system = check_units(units)
    items = list(items)
    rows = []
    for label, item in zip(display_labels(items), items):
        progress = item.summary.get("capacity_targets")
        if progress is None:  # written before summaries recorded it
            progress = results.target_progress(item.totals, item.scenario)
        for p in progress:
            row = {"scenario": label, **p}
            if system == "cn":
                row["target_wan_kw"] = conv.mw_to_wan_kw(p["target_mw"])
                row["reached_wan_kw"] = conv.mw_to_wan_kw(p["reached_mw"])
            rows.append(row)
    columns = ["scenario", "technology", "year", "label", "target_mw", "reached_mw",
               "reached_year", "share"]
    if system == "cn":
        columns += ["target_wan_kw", "reached_wan_kw"]
    return pd.DataFrame(rows, columns=columns)



def format_number(value, unit, signed=False):
    """A value for a table: thousands separators, decimals by unit, ``-`` for NaN. [str]"""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    digits = DIGITS.get(unit, 2)
    text = f"{value:{'+' if signed else ''},.{digits}f}"
    if signed and float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"  # no "+0.00" / "-0.00" for a zero difference
    return text


def text_width(text):
    """Width of ``text`` on a terminal: CJK characters count double. [int]"""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def _pad(text, width, right=False):
    fill = " " * max(0, width - text_width(text))
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
    widths = [max([text_width(header[i])] + [text_width(r[i]) for r in rows])
              for i in range(len(header))]

    def line(cells):
        return "  ".join(_pad(str(c), widths[i], right=align[i] == "r")
                         for i, c in enumerate(cells)).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def shown_value(value, unit):
    """An SI value of the files (MWh, tCO2, tce) in its printed unit. [(float, str)]"""
    quantity = next((q for q in QUANTITIES if q.unit == unit), None)
    if quantity is None:
        return value, unit
    return quantity.shown(value), quantity.shown_unit


def format_comparison(table, units="cn"):
    """The comparison table as aligned plain text (CJK characters count double). [str]

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`comparison_table` with the same ``units``.
    units : {"cn", "si"}, default "cn"

    Returns
    -------
    str
        A header that explains annual and cumulative, then per year one row per quantity
        and unit: under ``cn`` the Chinese-unit row, then the same quantity in SI (MW,
        GWh, ktCO2, ktce); under ``si`` the SI row only.
    """
    system = check_units(units)
    value_columns = [c for c in table.columns if c not in TABLE_COLUMNS]
    n_scenarios = (len(value_columns) + 1) // 2
    first = value_columns[0] if value_columns else ""
    header = ["quantity", "unit", *value_columns[:n_scenarios],
              *(f"\u0394 {c.removesuffix(' - ' + first)}" for c in value_columns[n_scenarios:])]
    body = []
    for (year, stone), group in table.groupby(["year", "milestone"], sort=False):
        stone = milestone_text(stone, system)
        body.append((f"{year}" + (f"  {stone}" if stone else ""), None))
        previous = None
        for _, row in group.iterrows():
            values = [row[c] for c in value_columns]
            unit = row["unit"]
            si_row = row["kpi"] in {q.column for q in QUANTITIES}
            if si_row:
                converted = [shown_value(v, unit) for v in values]
                values = [v for v, _ in converted]
                unit = converted[0][1] if converted else unit
            name = row["quantity"]
            label = f"  {name}" if name != previous else ""
            previous = name
            cells = [label, unit]
            cells += [format_number(v, unit, signed=i >= n_scenarios)
                      for i, v in enumerate(values)]
            body.append((None, cells))
    widths = [max([text_width(header[i])] + [text_width(c[i]) for _, c in body if c])
              for i in range(len(header))]
    if system == "cn":
        intro = ("milestone years 里程碑年份: annual 年 = in that year; cumulative 累计 = from the "
                 "first simulated year through that year; installed = in operation at year "
                 "end. Each quantity in its Chinese unit, then in SI (MW, GWh, ktCO2, ktce).")
    else:
        intro = ("milestone years: annual = in that year; cumulative = from the first "
                 "simulated year through that year; installed = in operation at year end. "
                 "SI units (MW, GWh, ktCO2, ktce).")
    if n_scenarios > 1:
        intro += f" \u0394 = difference to {first}."
    lines = [intro]
    lines.append("  ".join(_pad(h, widths[i], right=i >= 2) for i, h in enumerate(header)))
    for title, cells in body:
        if title is not None:
            lines.append(title)
        else:
            lines.append("  ".join(_pad(c, widths[i], right=i >= 2)
                                   for i, c in enumerate(cells)).rstrip())
    return "\n".join(lines)


def format_targets(targets, units="cn"):
    """Capacity-target progress as aligned text; empty string when there is none. [str]

    Parameters
    ----------
    targets : pandas.DataFrame
        From :func:`target_table` with the same ``units``.
    units : {"cn", "si"}, default "cn"
    """
    system = check_units(units)
    if targets.empty:
        return ""
    tech = {"pv": ("光伏 PV", "PV"), "wind": ("风电 wind", "wind")}
    if system == "cn":
        header = ["capacity target 装机目标", "year", "target 万千瓦", "target MW",
                  "reached 万千瓦", "reached MW", "in", "share %"]
    else:
        header = ["capacity target", "year", "target MW", "reached MW", "in", "share %"]
    rows = []
    for _, t in targets.iterrows():
        names = tech.get(t["technology"], (t["technology"],) * 2)
        name = f"{t['scenario']}: {names[system == 'si']}"
        share = format_number(conv.fraction_to_pct(t["share"]), "%")
        if system == "cn":
            rows.append([name, str(t["year"]), format_number(t["target_wan_kw"], "万千瓦"),
                         format_number(t["target_mw"], "MW"),
                         format_number(t["reached_wan_kw"], "万千瓦"),
                         format_number(t["reached_mw"], "MW"), str(t["reached_year"]), share])
        else:
            rows.append([name, str(t["year"]), format_number(t["target_mw"], "MW"),
                         format_number(t["reached_mw"], "MW"), str(t["reached_year"]), share])
    return text_table(header, rows)


# --------------------------------------------------------------------------- hourly, local time

def hourly_year(item, year=None):
    """The year of the hourly table the typical-day and heat-map figures show.

    Parameters
    ----------
    item : Result
    year : int, optional
        Chosen by the user (``--hourly-year``); it must have an hourly table.

    Returns
    -------
    int or None
        ``year``; else the first year with the full build-out (maximum installed
        capacity, :func:`energysim.results.full_buildout_year`) when its hourly table was
        written; else the latest hourly year before it (logged); None without hourly data.

    Raises
    ------
    ScenarioError
        If ``year`` is given and the result has no hourly table for it.
    """
    if year is not None:
        if int(year) not in item.hourly:
            have = ", ".join(map(str, sorted(item.hourly))) or "none"
            raise ScenarioError(f"--hourly-year {year}: {item.path or item.name} has hourly "
                                f"tables for {have}: rerun `energysim run --hourly-year "
                                f"{year}` or choose one of those")
        return int(year)
    if not item.hourly:
        return None
    full = results.full_buildout_year(item.totals)
    if full in item.hourly:
        return full
    before = [y for y in item.hourly if y <= full]
    chosen = max(before) if before else min(item.hourly)
    logger.warning("%s: no hourly table for %d (full build-out); showing %d",
                   item.path or item.name, full, chosen)
    return chosen


def local_delivered(item, year=None):
    """Hourly delivered power per technology, indexed by the site's local time.

    Parameters
    ----------
    item : Result
    year : int, optional
        See :func:`hourly_year`.

    Returns
    -------
    pandas.DataFrame
        Index: local time (tz-aware, site time zone), one column per technology, fleets
        of one technology summed. [MW]
    """
    frame = item.hourly[hourly_year(item, year)]
    local = pd.DatetimeIndex(frame["time"]).tz_convert(results.site_timezone_of(item.scenario))
    data = pd.DataFrame({"time": local, "technology": frame["technology"].to_numpy(),
                         "delivered_mw": frame["delivered_mw"].to_numpy(dtype=float)})
    wide = data.pivot_table(index="time", columns="technology", values="delivered_mw",
                            aggfunc="sum", fill_value=0.0)
    wide.columns.name = None
    return wide


def typical_day_profiles(item, year=None):
    """Mean delivered power per season, local hour of day and technology.

    Seasons are meteorological (DJF, MAM, JJA, SON) by local month.

    Parameters
    ----------
    item : Result
    year : int, optional
        See :func:`hourly_year`.

    Returns
    -------
    pandas.DataFrame
        Index ``(season, hour)``, seasons in the order DJF, MAM, JJA, SON and hours 0..23;
        one column per technology. [MW]
    """
    wide = local_delivered(item, year)
    season_of = {m: s for s, months in plotting.SEASONS.items() for m in months}
    season = pd.Index([season_of[m] for m in wide.index.month], name="season")
    hour = pd.Index(wide.index.hour, name="hour")
    means = wide.groupby([season, hour]).mean()
    order = pd.MultiIndex.from_product([list(plotting.SEASONS), range(24)],
                                       names=["season", "hour"])
    return means.reindex(order.intersection(means.index, sort=False))


def monthly_hour_table(item, year=None):
    """Mean delivered power of all fleets by local month (rows) and hour of day (columns).

    Parameters
    ----------
    item : Result
    year : int, optional
        See :func:`hourly_year`.

    Returns
    -------
    pandas.DataFrame
        12 rows (months 1..12) x 24 columns (hours 0..23); NaN where no hour exists. [MW]
    """
    total = local_delivered(item, year).sum(axis=1)
    month = pd.Index(total.index.month, name="month")
    hour = pd.Index(total.index.hour, name="hour")
    table = total.groupby([month, hour]).mean().unstack("hour")
    return table.reindex(index=range(1, 13), columns=range(24))


def hourly_note(items, labels, year=None, units="cn"):
    """Which year and time zone the hourly figures show, per scenario. [str]"""
    parts = []
    for i, (item, label) in enumerate(zip(items, labels)):
        if not item.hourly:
            continue
        shown = hourly_year(item, year)
        why = ("chosen" if year is not None
               else "first year with the full build-out"
               if shown == results.full_buildout_year(item.totals)
               else "latest hourly year before the full build-out")
        zone = results.site_timezone_of(item.scenario)
        parts.append(f"{plotting.plot_label(label, i)}: {shown} ({why}), "
                     f"{getattr(zone, 'key', 'UTC+08:00')}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- figures and files

def _targets(items):
    targets = (items[0].scenario.get("targets") or {}) if items else {}
    return int(targets.get("peak_year", 2030)), int(targets.get("neutrality_year", 2060))


def comparison_pngs(items, units="cn", shown_year=None):
    """Draw the comparison figures as PNG images.

    Parameters
    ----------
    items : sequence of Result
    units : {"cn", "si"}, default "cn"
        Passed to the figure functions.
    shown_year : int, optional
        Year of the hourly figures (default :func:`hourly_year`).

    Returns
    -------
    dict of str to bytes
        File name (a key of :data:`FIGURES`) -> PNG. The hourly figures are left out when
        no result has an hourly table; results without one are left out of them.
    """
    system = check_units(units)
    labels = display_labels(items)
    peak, neutral = _targets(items)
    figures = {
        "comparison_capacity.png": plotting.capacity_comparison_figure(items, labels,
                                                                       units=system),
        "comparison_generation.png": plotting.generation_comparison_figure(items, labels,
                                                                           units=system),
        "comparison_cumulative_avoided_co2.png": plotting.cumulative_avoided_comparison_figure(
            items, labels, peak_year=peak, neutrality_year=neutral, units=system),
    }
    pngs = {name: plotting.png_bytes(fig) for name, fig in figures.items()}
    with_hourly = [i for i, r in enumerate(items) if r.hourly]
    for item in items:
        if not item.hourly:
            logger.warning("%s: no hourly table: left out of the hourly figures",
                           item.path or item.name)
    if with_hourly:
        years = [hourly_year(items[i], shown_year) for i in with_hourly]
        titles = [plotting.plot_label(labels[i], i) for i in with_hourly]
        # The year shown goes into the figures' titles: one year, or one per scenario.
        shown = (years[0] if len(set(years)) == 1
                 else ", ".join(f"{y} ({t})" for y, t in zip(years, titles)))
        profiles = [typical_day_profiles(items[i], y) for i, y in zip(with_hourly, years)]
        pngs["comparison_typical_day.png"] = plotting.png_bytes(
            plotting.typical_day_figure(profiles, titles, year=shown, units=system))
        tables = [monthly_hour_table(items[i], y) for i, y in zip(with_hourly, years)]
        pngs["comparison_monthly_heatmap.png"] = plotting.png_bytes(
            plotting.monthly_heatmap_figure(tables, titles, year=shown, units=system))
    return pngs


def make_folder(folder):
    """Create an output folder, or raise OutputError in one line. [Path]"""
    try:
        return atomic.make_folder(folder)
    except OSError as err:
        raise OutputError(f"{folder}: cannot create the folder: "
                          f"{err.strerror or err}") from err


def write_file(path, data, overwrite=False):
    """Write ``data`` (bytes) to ``path`` atomically; errors as one line. [Path]

    Raises
    ------
    OutputExistsError
        If ``path`` exists (or appears while writing) and ``overwrite`` is false.
    OutputError
        If the file cannot be written.
    """
    try:
        return atomic.write_bytes(path, data, overwrite=overwrite)
    except FileExistsError:
        raise OutputExistsError(f"{path}: exists: pass --overwrite to replace it") from None
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from err


def write_comparison(items, out_dir, *, years=None, units="cn", overwrite=False,
                     shown_year=None):
    """Write ``comparison.csv`` and the comparison figures into ``out_dir``.

    Parameters
    ----------
    items : sequence of Result
    out_dir : str or Path
        Created if missing; may hold other files.
    years : sequence of int, optional
        Years of the table; default the milestone years.
    units : {"cn", "si"}, default "cn"
        ``cn`` adds the Chinese-unit rows to the table (the SI rows are always there) and
        draws the figures with Chinese and SI units.
    overwrite : bool, default False
        Replace existing comparison files.
    shown_year : int, optional
        Year of the hourly figures.

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
    table = comparison_table(items, years=years, units=units)
    names = [COMPARISON_CSV, *FIGURES]
    if not overwrite:
        for name in names:
            if (out_dir / name).exists():
                raise OutputExistsError(f"{out_dir / name}: exists: pass --overwrite to "
                                        "replace the comparison files")
    csv_text = table.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    outputs = {COMPARISON_CSV: csv_text.encode("utf-8"),
               **comparison_pngs(items, units=units, shown_year=shown_year)}
    make_folder(out_dir)
    return [write_file(out_dir / name, data, overwrite=overwrite)
            for name, data in outputs.items()]
