"""The self-contained HTML report comparing results.

Owns the data the report shows (assumptions side by side, milestone and target tables,
figures, provenance) and its rendering through the Jinja2 template
``energysim/templates/report.html.j2`` (autoescaped; shipped as package data); imports only
``errors``, ``units``, ``atomic``, ``results``, ``plotting`` and ``comparison``, never
``simulate`` or ``cli``. Python builds plain data (strings and numbers); the template holds
all markup, so nothing is escaped by hand.
"""

from __future__ import annotations

import base64
import math
import re
from datetime import datetime
from pathlib import Path

from energysim import comparison, plotting
from energysim import units as conv  # "units" is the keyword naming the unit system
from energysim.errors import OutputExistsError, ScenarioError
from energysim.timeutils import CHINA_STANDARD_TIME

#: The template, in ``energysim/templates/``.
TEMPLATE = "report.html.j2"
DASH = "\u2013"


def _bi(cn, en, system):
    return f"{en} {cn}" if system == "cn" else en


def _num(value, unit, signed=False):
    text = comparison.format_number(value, unit, signed)
    return text.replace("-", "\u2212") if text != "-" else DASH


def _capacity(mw, system):
    if mw is None or (isinstance(mw, float) and math.isnan(mw)):
        return DASH
    si = f"{_num(mw, 'MW')} MW"
    return f"{_num(conv.mw_to_wan_kw(mw), '万千瓦')} 万千瓦 ({si})" if system == "cn" else si


def _points(points, unit="", scale=None, fmt="{:g}"):
    """Year points ({"2021": 0.1, ...}) or a plain number as short text."""
    if points is None:
        return DASH
    if isinstance(points, dict):
        items = sorted(points.items(), key=lambda kv: int(kv[0]))
        return ", ".join(f"{y}: {fmt.format(scale(v) if scale else v)}{unit}" for y, v in items)
    return f"{fmt.format(scale(points) if scale else points)}{unit}"


def _buildout_text(fleet, years, system):
    if fleet.get("buildout_share"):
        return "share in operation: " + _points(fleet["buildout_share"], " %",
                                                conv.fraction_to_pct, "{:.0f}")
    if fleet.get("additions_mw"):
        if system == "cn":  # the Chinese unit with the SI value beside it
            items = sorted(fleet["additions_mw"].items(), key=lambda kv: int(kv[0]))
            return "additions: " + ", ".join(
                f"{y}: {conv.mw_to_wan_kw(v):+,.2f} 万千瓦 ({v:+,.1f} MW)" for y, v in items)
        return "additions: " + _points(fleet["additions_mw"], " MW", None, "{:+,.1f}")
    shape = fleet.get("buildout")
    if shape and shape.get("shape") == "linear":
        target = (f"in {shape['target_year']}" if shape.get("target_year")
                  else f"by the end of the {shape.get('by_fyp')} FYP")
        start = shape.get("start_year") or (years[0] if years else "the first year")
        share = conv.fraction_to_pct(shape.get("start_share", 0.0))
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
        return "no end of life"
    return f"{life} a, {'repowered' if fleet.get('repower') else 'retired'} at end of life"


def _design_text(fleet, technology):
    if technology == "pv":
        tilt = ("tracker" if fleet.get("tracking") == "single_axis"
                else f"tilt {fleet.get('tilt_deg', 0):g}\u00b0")
        return (f"{str(fleet.get('tracking', 'fixed')).replace('_', ' ')}, {tilt}, azimuth "
                f"{fleet.get('azimuth_deg', 180):g}\u00b0, "
                f"DC/AC {fleet.get('dc_ac_ratio', 1.2):g}, "
                f"losses {fleet.get('losses_pct', 0):g} %")
    mean = fleet.get("mean_wind_speed_ms")
    height = fleet.get("mean_wind_height_m", fleet.get("hub_height_m", 0))
    law = (f"power law {fleet['shear_exponent']:g}" if fleet.get("shear_exponent") is not None
           else f"log law z0 {fleet.get('roughness_length_m', 0.1):g} m")
    site = (f"site mean {mean:g} m/s at {height:g} m ({law})" if mean is not None
            else "wind from the weather data")
    calibration = fleet.get("calibration")
    if calibration:
        site += f", calibrated to {calibration.get('observed_file')}"
    return (f"{fleet.get('turbine') or 'power curve from the scenario'}, hub "
            f"{fleet.get('hub_height_m', 0):g} m, {site}, "
            f"farm efficiency {fleet.get('wind_farm_efficiency', 1.0):g}")


def _operation_text(fleet):
    return (f"availability {fleet.get('availability_pct', 100.0):g} %, curtailment "
            f"{fleet.get('curtailment_pct', 0.0):g} %")


def _factor_config(grid):
    factor = grid.get("emission_factor_t_per_mwh")
    preset = grid.get("emission_factor")
    if factor is not None:
        return _points(factor, " tCO2/MWh")
    if preset:
        extras = ", ".join(f"{k} = {v:g}" if isinstance(v, (int, float)) else f"{k} = {v}"
                           for k, v in preset.items() if k not in ("preset", "extend"))
        text = f"preset {preset.get('preset')}, then {preset.get('extend')}"
        return text + (f" ({extras})" if extras else "")
    return "default preset"


def _by_year(item, column):
    """Column of the totals (else the annual table's first value per year) by year. [Series]"""
    if column in item.totals:
        return item.totals.set_index("year")[column]
    if column in item.annual:
        return item.annual.groupby("year")[column].first()
    return None


def _row(name, cells, unit=""):
    return {"name": name, "unit": unit, "cells": cells,
            "differs": len(cells) > 1 and len({str(c) for c in cells}) > 1}


def assumptions(items, years, system):
    """The assumptions that decide the numbers, one column per scenario.

    Parameters
    ----------
    items : sequence of Result
    years : sequence of int
        Milestone years at which paths are shown.
    system : {"cn", "si"}

    Returns
    -------
    list of dict
        Groups ``{"title", "rows"}``; each row ``{"name", "unit", "cells", "differs"}``
        with one text (or list of texts) per scenario; ``differs`` marks rows whose
        scenarios differ.
    """
    scen = [r.scenario for r in items]
    grid = [s.get("grid") or {} for s in scen]
    sims = [s.get("years") or r.summary.get("years") or [] for s, r in zip(scen, items)]

    def at(item, column, year, unit):
        series = _by_year(item, column)
        if series is None or year not in series.index:
            return DASH
        return _num(float(series.loc[year]), unit)

    carbon = [_row(_bi("情景说明", "Description", system),
                   [s.get("description") or DASH for s in scen]),
              _row(_bi("模拟年份", "Simulated years", system),
                   [DASH.join(str(y) for y in y_) for y_ in sims]),
              _row(_bi("电网排放因子设定", "Grid emission factor, as configured", system),
                   [_factor_config(g) for g in grid])]
    for year in years:
        carbon.append(_row(_bi(f"{year}年电网排放因子", f"Grid emission factor in {year}",
                               system), [at(r, "emission_factor_t_per_mwh", year, "tCO2/MWh")
                                         for r in items], "tCO2/MWh"))
    carbon += [
        _row(_bi("排放因子来源", "Emission-factor source", system),
             [r.metadata.get("emission_factor_source") or DASH for r in items]),
        _row(_bi("火电供电煤耗", "Coal rate of thermal supply", system),
             [", ".join(f"{y}: {at(r, 'coal_rate_g_per_kwh', y, 'h')}" for y in years)
              for r in items], "gce/kWh"),
        _row(_bi("外送上限", "Export limit", system),
             [_export_text(g.get("export_limit_mw"), system) for g in grid]),
        _row(_bi("碳达峰 / 碳中和年份", "Carbon peak / neutrality year", system),
             [f"{(s.get('targets') or {}).get('peak_year', 2030)} / "
              f"{(s.get('targets') or {}).get('neutrality_year', 2060)}" for s in scen]),
    ]
    build = []
    for year in years:
        for tech, cn, en in (("pv", "光伏", "PV"), ("wind", "风电", "wind")):
            build.append(_row(_bi(f"{year}年{cn}装机", f"Installed {en} in {year}", system),
                              [_capacity(_value(r, f"installed_{tech}_mw", year), system)
                               for r in items]))
    fleets = []
    for tech, cn, en in (("pv", "光伏", "PV"), ("wind", "风电", "Wind")):
        lists = [s.get(tech) or [] for s in scen]
        if not any(lists):
            continue

        def each(render, lists=lists):
            return [[f"{f.get('name')}: {render(f)}" for f in fl] or [DASH] for fl in lists]

        fleets += [
            _row(_bi(f"{cn}规模", f"{en} fleets, full capacity", system),
                 each(lambda f: _capacity(f.get("capacity_mw"), system))),
            _row(_bi(f"{cn}建设进度", f"{en} build-out", system),
                 [[f"{f.get('name')}: {_buildout_text(f, y_, system)}" for f in fl] or [DASH]
                  for fl, y_ in zip(lists, sims)]),
            _row(_bi(f"{cn}衰减", f"{en} degradation", system), each(_degradation_text)),
            _row(_bi(f"{cn}寿命", f"{en} lifetime", system), each(_lifetime_text)),
            _row(_bi(f"{cn}设计", f"{en} design", system),
                 each(lambda f, t=tech: _design_text(f, t))),
            _row(_bi(f"{cn}运行", f"{en} operation", system), each(_operation_text)),
        ]
    fleets += _unit_rows(scen, sims, system)
    weather = [_row(_bi("气象数据", "Weather source", system),
                    [r.metadata.get("weather_source")
                     or f"{(s.get('weather') or {}).get('source', '?')}" for r, s in
                     zip(items, scen)]),
               _row(_bi("站点", "Site", system), [_site_text(s) for s in scen])]
    target_rows = []
    table = comparison.target_table(items, units=system)
    labels = comparison.display_labels(items)
    keys = sorted({(t.technology, int(t.year)) for t in table.itertuples()})
    for tech, year in keys:
        cells = []
        for label in labels:
            match = table[(table.scenario == label) & (table.technology == tech)
                          & (table.year == year)]
            cells.append(_target_text(match.iloc[0], system) if len(match) else DASH)
        name = {"pv": ("光伏", "PV"), "wind": ("风电", "wind")}.get(tech, (tech, tech))
        target_rows.append(_row(_bi(f"{year}年{name[0]}装机目标进度",
                                    f"{name[1]} capacity target {year}: progress", system),
                                cells))
    groups = [(_bi("电网与碳排放", "Grid and carbon", system), carbon),
              (_bi("装机进程（里程碑年份）", "Build-out at the milestone years", system), build),
              (_bi("机组", "Fleets", system), fleets),
              (_bi("气象与站点", "Weather and site", system), weather)]
    if target_rows:
        groups.append((_bi("装机目标进度", "Capacity-target progress", system), target_rows))
    return [{"title": title, "rows": rows} for title, rows in groups if rows]


#: The issue-12 tables in the assumptions, in the scenario's order: key, Chinese, English.
_UNIT_TABLES = (("hydro", "水电", "Hydro"), ("biomass", "生物质发电", "Biomass"),
                ("storage", "储能", "Storage"), ("electrolyser", "电解槽", "Electrolyser"))
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _unit_rows(scen, sims, system):
    """Assumption rows of the hydro, biomass, storage and electrolyser tables. [list of dict]"""
    rows = []
    for key, cn, en in _UNIT_TABLES:
        lists = [s.get(key) or [] for s in scen]
        if not any(lists):
            continue

        def each(render, lists=lists):
            return [[f"{f.get('name')}: {render(f)}" for f in fl] or [DASH] for fl in lists]

        size = _bi(f"{cn}功率", f"{en} power, full build-out", system) if key in (
            "storage", "electrolyser") else _bi(f"{cn}规模", f"{en} fleets, full capacity", system)
        rows.append(_row(size, each(lambda f, k=key: _unit_size_text(f, k, system))))
        rows.append(_row(_bi(f"{cn}建设进度", f"{en} build-out", system),
                         [[f"{f.get('name')}: {_unit_buildout_text(f, y_, system)}"
                           for f in fl] or [DASH] for fl, y_ in zip(lists, sims)]))
        rows.append(_row(_bi(f"{cn}运行", f"{en} operation", system),
                         each(lambda f, k=key: _unit_operation_text(f, k))))
        rows.append(_row(_bi(f"{cn}寿命", f"{en} lifetime", system), each(_lifetime_text)))
    return rows


def _unit_size_text(fleet, key, system):
    if key == "storage" and fleet.get("pairing"):
        return (f"{fleet['pairing']} pairing rule: power and duration follow the PV and wind "
                "additions")
    capacity_mw = fleet.get("capacity_mw")
    if capacity_mw is None and fleet.get("additions_mw"):  # additions: the full build-out
        capacity_mw = sum(fleet["additions_mw"].values())
    text = _capacity(capacity_mw, system)
    if key == "storage":
        energy_mwh = (capacity_mw or 0.0) * fleet.get("duration_h", 0.0)
        energy = f"{_num(energy_mwh, 'MWh')} MWh"
        if system == "cn":
            energy = f"{_num(conv.mwh_to_wan_kwh(energy_mwh), '万千瓦时')} 万千瓦时 ({energy})"
        text += f" × {fleet.get('duration_h', 0):g} h = {energy}"
    return text


def _unit_buildout_text(fleet, years, system):
    if fleet.get("pairing"):
        return "with the PV and wind additions (pairing rule)"
    return _buildout_text(fleet, years, system)


def _unit_operation_text(fleet, key):
    availability = f"availability {fleet.get('availability_pct', 100.0):g} %"
    if key == "hydro":
        factors = ", ".join(f"{m} {v:.2f}" for m, v in
                            zip(_MONTHS, fleet.get("monthly_capacity_factor") or []))
        shape = "; hourly shape given" if fleet.get("daily_shape") else "; flat within the day"
        return f"monthly capacity factors {factors}{shape}; {availability}"
    if key == "biomass":
        if fleet.get("annual_full_load_hours") is not None:
            output = f"{fleet['annual_full_load_hours']:g} full-load hours/a"
        else:
            output = f"capacity factor {fleet.get('capacity_factor', 0):g}"
        return f"{output}; {availability}"
    if key == "storage":
        return (f"round-trip efficiency {conv.fraction_to_pct(fleet.get('round_trip_efficiency', 0)):g}"
                f" %, min SOC {fleet.get('min_soc_pct', 0.0):g} %; {availability}")
    supply = fleet.get("supply", "surplus")
    supply = ("curtailed surplus" if supply == "surplus"
              else ", ".join(supply) + " first, then the surplus")
    return (f"{fleet.get('kwh_per_kg', 0):g} kWh/kg H2, min load {fleet.get('min_load_pct', 0):g} %, "
            f"supply: {supply}; displaces {fleet.get('displaced_kgco2_per_kg', 0):g} kgCO2/kg H2; "
            f"{availability}")


def _value(item, column, year):
    series = _by_year(item, column)
    if series is None or year not in series.index:
        return None
    return float(series.loc[year])


def _export_text(limit, system):
    if limit is None:
        return "none"
    if isinstance(limit, dict):
        return _points(limit, " MW", fmt="{:,.0f}")
    return _capacity(limit, system)


def _site_text(scenario):
    site = scenario.get("site") or {}
    return (f"{site.get('latitude', float('nan')):.2f}\u00b0N, "
            f"{site.get('longitude', float('nan')):.2f}\u00b0E, {site.get('altitude_m', 0):g} m; "
            f"time zone {site.get('timezone', 'UTC+8')}")


def _text(value):
    """A text field that may be absent (None or NaN in a table): the text or ''. [str]"""
    return value if isinstance(value, str) else ""


def _target_text(t, system):
    share = _num(conv.fraction_to_pct(t["share"]), "%")
    reached_in = f" in {t['reached_year']}" if int(t["reached_year"]) != int(t["year"]) else ""
    label = f" ({_text(t.get('label'))})" if _text(t.get("label")) else ""
    return (f"target {_capacity(t['target_mw'], system)}{label}; reached "
            f"{_capacity(t['reached_mw'], system)}{reached_in}: {share} %")


def milestone_tables(table, labels, system):
    """The milestone comparison, one block per year, cells ready for the template.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`energysim.comparison.comparison_table` with ``units=system``.
    labels : list of str
        Scenario labels (the value columns).
    system : {"cn", "si"}

    Returns
    -------
    list of dict
        ``{"year", "milestone", "rows"}``; each row ``{"quantity", "unit", "cells"}``, a
        cell ``{"main", "si", "pct", "cls"}``: numbers in the row's unit (``si`` is the SI
        line under the Chinese-unit value).
    """
    diffs = [c for c in table.columns if c not in comparison.TABLE_COLUMNS and c not in labels]
    si_kpis = {q.column: q for q in comparison.QUANTITIES}
    blocks = []
    for year, by_year in table.groupby("year", sort=False):
        rows = []
        for quantity in dict.fromkeys(by_year["quantity"]):
            pair = by_year[by_year["quantity"] == quantity]
            si = pair[pair["kpi"].isin(si_kpis)].iloc[0]
            cn = pair[~pair["kpi"].isin(si_kpis)]
            q = si_kpis[si["kpi"]]
            cells = []
            base = float(si[labels[0]])
            for k, column in enumerate([*labels, *diffs]):
                signed = k >= len(labels)
                value = float(si[column])
                si_text = _num(q.shown(value), q.shown_unit, signed)
                cell = {"main": si_text, "si": "", "pct": "", "cls": "num"}
                if len(cn):
                    cell["main"] = _num(float(cn.iloc[0][column]), q.cn_unit, signed)
                    cell["si"] = si_text
                if signed:
                    cell["cls"] += " diff"
                    if base and not math.isnan(value):
                        cell["pct"] = f"({conv.fraction_to_pct(value / base):+.1f} %)".replace(
                            "-", "\u2212")
                    cell["cls"] += " pos" if value > 0 else " neg" if value < 0 else ""
                cells.append(cell)
            unit = (f"{q.cn_unit}, SI below: {q.shown_unit}" if len(cn) else q.shown_unit)
            rows.append({"quantity": quantity, "unit": unit, "cells": cells})
        blocks.append({"year": int(year),
                       "milestone": comparison.milestone_text(str(by_year["milestone"].iloc[0]),
                                                              system),
                       "rows": rows})
    return blocks, diffs


def target_rows(items, system):
    """Capacity-target progress of the scenarios with targets, cells for the template."""
    names = {"pv": ("光伏", "PV"), "wind": ("风电", "wind")}
    rows = []
    for t in comparison.target_table(items, units=system).to_dict("records"):
        zh, en = names.get(t["technology"], (t["technology"], t["technology"]))
        rows.append({"scenario": t["scenario"], "what": _bi(zh, en, system),
                     "year": int(t["year"]), "label": _text(t.get("label")),
                     "target": _capacity(t["target_mw"], system),
                     "reached": _capacity(t["reached_mw"], system),
                     "reached_year": int(t["reached_year"]),
                     "share": f"{_num(conv.fraction_to_pct(t['share']), '%')} %"})
    return rows


def totals_rows(items, labels, system):
    """Cumulative totals over each scenario's simulated years, cells for the template."""
    rows = []
    for i, (item, label) in enumerate(zip(items, labels)):
        s = item.summary
        years = s.get("years") or [int(item.totals["year"].min()),
                                   int(item.totals["year"].max())]
        techs = s.get("technologies") or {}

        def pair(value, quantity):
            if value is None:
                return {"main": DASH, "si": ""}
            si = f"{_num(quantity.shown(value), quantity.shown_unit)} {quantity.shown_unit}"
            if system == "cn":
                return {"main": f"{_num(quantity.in_cn(value), quantity.cn_unit)} "
                                f"{quantity.cn_unit}", "si": si}
            return {"main": si, "si": ""}

        q = {x.key: x for x in comparison.QUANTITIES}
        delivered = s.get("total_delivered_mwh", float(item.totals["delivered_mwh"].sum()))
        curtailed = s.get("total_curtailed_mwh", float(item.totals["curtailed_mwh"].sum()))
        avoided = s.get("total_avoided_tco2", float(item.totals["avoided_tco2"].sum()))
        rows.append({
            "label": label, "color": plotting.scenario_color(i),
            "years": f"{years[0]}{DASH}{years[-1]}",
            "cells": [pair(delivered, q["delivered"]), pair(curtailed, q["delivered"]),
                      pair(avoided, q["co2"]), pair(s.get("total_avoided_coal_tce"), q["coal"])],
            "flh": " / ".join(f"{comparison.format_number(techs[t]['mean_full_load_hours'], 'h')} h"
                              if t in techs else DASH for t in ("pv", "wind")),
        })
    return rows


def uncertainty_rows(items, labels, system):
    """P90 / P50 / P10 over weather years (``run --weather-years``), cells for the template.

    Returns
    -------
    list of dict
        One row per scenario that has an ``uncertainty`` block and milestone year:
        ``label``, ``color``, ``year``, ``n`` (weather years) and ``cells`` (delivered
        P90, P50, P10, P90/P50; avoided CO2 P90, P50, P10) as ``{"main", "si"}``.
    """
    rows = []
    for i, (item, label) in enumerate(zip(items, labels)):
        block = (item.summary or {}).get("uncertainty")
        if not block:
            continue
        for stone in block["milestones"]:
            d, a = stone["delivered_mwh"], stone["avoided_tco2"]
            cells = []
            for value in (d["p90"], d["p50"], d["p10"]):
                twh = _num(conv.mwh_to_twh(value), "TWh")
                cells.append({"main": _num(conv.mwh_to_yi_kwh(value), "亿kWh"), "si": twh}
                             if system == "cn" else {"main": twh, "si": ""})
            cells.append({"main": f"{d['p90'] / d['p50']:.3f}" if d["p50"] else "-", "si": ""})
            for value in (a["p90"], a["p50"], a["p10"]):
                mt = _num(conv.t_to_mt(value), "Mt CO2")
                cells.append({"main": _num(conv.t_to_wan_t(value), "万t CO2"), "si": mt}
                             if system == "cn" else {"main": mt, "si": ""})
            rows.append({"label": label, "color": plotting.scenario_color(i),
                         "year": stone["year"], "n": block["n_weather_years"], "cells": cells})
    return rows


def provenance(items, labels):
    """Per scenario: (what, value, is_code) pairs of the provenance recorded by the run."""
    out = []
    for i, (item, label) in enumerate(zip(items, labels)):
        prov = item.metadata
        versions = prov.get("versions") or {}
        out.append({"label": label, "color": plotting.scenario_color(i), "pairs": [
            ("Result folder", str(item.path) if item.path else "not read from a folder", True),
            ("Scenario SHA-256", prov.get("scenario_sha256", "not recorded"), True),
            ("Weather source", prov.get("weather_source") or "not recorded", False),
            ("Weather SHA-256", prov.get("weather_sha256") or "not recorded", True),
            ("Weather repairs", "; ".join(map(str, prov.get("weather_repairs") or [])) or "none",
             False),
            ("Weather warnings",
             "; ".join(map(str, prov.get("weather_warnings") or [])) or "none", False),
            ("Emission-factor source", prov.get("emission_factor_source") or "not recorded",
             False),
            ("Physics version", prov.get("physics_version") or "not recorded", False),
            ("Leap years", prov.get("leap_years") or DASH, False),
            ("Package versions", ", ".join(f"{k} {v}" for k, v in versions.items()
                                           if v is not None) or "not recorded", False),
        ]})
    return out


def render_report(items, *, title=None, date=None, units="cn", hourly_year=None):
    """The HTML report as one self-contained string (inline CSS, base64 PNG figures).

    Parameters
    ----------
    items : sequence of Result
        The scenarios; the first is the reference of the differences.
    title : str, optional
        Default: "Scenario comparison" with the scenario names.
    date : datetime or str, optional
        Shown under the title; default now, China Standard Time.
    units : {"cn", "si"}, default "cn"
        ``cn``: Chinese units with SI beside them, labels in Chinese and English; ``si``:
        SI units and English labels only.
    hourly_year : int, optional
        Year of the typical-day and heat-map figures (default: the first year with the
        full build-out of each scenario).

    Returns
    -------
    str
        UTF-8 HTML with no external resource (no links, fonts or scripts).
    """
    import jinja2

    system = comparison.check_units(units)
    items = list(items)
    labels = comparison.display_labels(items)
    table = comparison.comparison_table(items, units=system)
    years = list(dict.fromkeys(int(y) for y in table["year"]))
    blocks, diffs = milestone_tables(table, labels, system)
    pngs = comparison.comparison_pngs(items, units=system, shown_year=hourly_year)
    note = comparison.hourly_note(items, labels, hourly_year, system)
    figures = []
    for n, (name, png) in enumerate(pngs.items(), start=1):
        caption = comparison.FIGURES[name]
        if name in comparison.HOURLY_FIGURES and note:
            caption += f" Year shown and time zone: {note}."
        figures.append({"id": name[:-4], "n": n, "caption": caption,
                        "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii")})
    if date is None:
        date = datetime.now(CHINA_STANDARD_TIME)
    if isinstance(date, datetime):
        date = date.strftime("%Y-%m-%d %H:%M (UTC%z)").replace("UTC+0800", "UTC+08:00")
    title = title or (_bi("情景对比", "Scenario comparison", system) + ": "
                      + " vs ".join(labels))
    scenarios = [{"label": label, "color": plotting.scenario_color(i), "n": i + 1,
                  "in_figures": plotting.plot_label(label, i),
                  "description": item.scenario.get("description") or "",
                  "years": DASH.join(str(y) for y in (item.summary.get("years") or [])),
                  "digest": (item.metadata.get("scenario_sha256") or "")[:12]}
                 for i, (item, label) in enumerate(zip(items, labels))]
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("energysim", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["wrappable"] = wrappable
    return environment.get_template(TEMPLATE).render(
        cn=system == "cn", title=title, date=date, version=_version(), scenarios=scenarios,
        groups=assumptions(items, years, system), blocks=blocks, diffs=diffs,
        reference=labels[0], totals=totals_rows(items, labels, system), figures=figures,
        provenance=provenance(items, labels),
        uncertainty=uncertainty_rows(items, labels, system),
        targets=target_rows(items, system))


#: Characters that join the words of a name; a long name may wrap after each of them.
WRAP_AFTER = "-_./"


def wrappable(text):
    """``text`` escaped for HTML, with ``<wbr>`` after each of :data:`WRAP_AFTER`.

    A long scenario name in a narrow (printed) table header then wraps where its words
    join (``shaoguan_deep_<wbr>decarb``), not inside a word; the header cells of the
    template break a word only if it is wider than the column alone.

    Examples
    --------
    >>> str(wrappable("a_b-c <x>"))
    'a_<wbr>b-<wbr>c &lt;x&gt;'

    Returns
    -------
    markupsafe.Markup
    """
    import markupsafe

    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(re.sub(f"([{re.escape(WRAP_AFTER)}])", r"\1<wbr>", escaped))


def _version():
    from importlib import metadata

    try:
        return metadata.version("energysim")
    except metadata.PackageNotFoundError:  # pragma: no cover - source tree
        return "unknown"


def write_report(items, path, overwrite=False, *, title=None, date=None, units="cn",
                 hourly_year=None):
    """Write the self-contained HTML report to ``path`` atomically.

    Parameters
    ----------
    items : sequence of Result
        The scenarios; the first is the reference of the differences.
    path : str or Path
        The HTML file; its folder is created if missing.
    overwrite : bool, default False
        Replace an existing file.
    title, date, units, hourly_year
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
    items = list(items)
    if not items:
        raise ScenarioError("no result folder given: give a result folder written by "
                            "`energysim run` (OUT/<scenario name>/)")
    text = render_report(items, title=title, date=date, units=units, hourly_year=hourly_year)
    comparison.make_folder(path.parent)
    return comparison.write_file(path, text.encode("utf-8"), overwrite=overwrite)

