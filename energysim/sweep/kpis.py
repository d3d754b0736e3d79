"""Per-point KPIs and the sensitivity summary of a sweep.

Owns the columns of the points table (parameter columns and KPIs, with their units), the
``--full-annual`` table of many points, and the summary: KPI ranges, Spearman ranks and
the tornado effects (the figure itself is drawn by :mod:`energysim.plotting`); imports
only ``units`` and ``results`` from energysim and :mod:`energysim.sweep.spec` from the
package.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from energysim import units
from energysim.results import ANNUAL_SCHEMA
from energysim.sweep.spec import format_number, format_value

#: Number of parameters drawn in the tornado chart.
TORNADO_TOP = 8


# Parameter-column units, from the key's unit suffix (for the Parquet schema).
_COLUMN_UNITS = (("_t_per_mwh", "tCO2/MWh"), ("_g_per_kwh", "gce/kWh"), ("_per_year", "1/yr"),
                 ("_wan_kw", "万千瓦"), ("_ratio", "1"), ("_years", "yr"), ("_deg", "deg"),
                 ("_pct", "%"), ("_mwh", "MWh"), ("_mw", "MW"), ("_ms", "m/s"), ("_m", "m"))


# --------------------------------------------------------------------------- KPIs

def technologies(spec):
    """Technologies present in the base scenario, in the order pv, wind. [tuple of str]"""
    present = {f.technology for f in spec.base.fleets}
    for param in spec.parameters:
        for keys in param.targets:
            if keys in (("pv",), ("wind",)):
                present.add(keys[0])
    return tuple(t for t in ("pv", "wind") if t in present)


def kpi_schema(kpi_years, techs):
    """Column -> (unit, description) of the KPI columns of the points table. [dict]"""
    schema = {}
    for tech in techs:
        for year in kpi_years:
            schema[f"delivered_mwh_{tech}_{year}"] = (
                "MWh", f"{tech} energy delivered in {year} (after curtailment)")
            schema[f"capacity_factor_{tech}_{year}"] = (
                "1", f"{tech} delivered / (installed x hours) in {year}")
    schema["curtailed_mwh_total"] = ("MWh", "energy curtailed over all simulated years")
    for year in kpi_years:
        schema[f"cumulative_avoided_tco2_{year}"] = (
            "tCO2", f"avoided CO2 from the first simulated year through {year}")
    return schema


def headline_kpis(kpi_years, techs):
    """KPIs the summary ranks parameters against; the first one drives the tornado chart."""
    last = max(kpi_years)
    return ([f"cumulative_avoided_tco2_{last}", "curtailed_mwh_total"]
            + [f"delivered_mwh_{t}_{last}" for t in techs]
            + [f"capacity_factor_{t}_{last}" for t in techs])


def kpi_columns(arrays_list, fleet_techs, kpi_years, techs):
    """Per-point KPIs from annual arrays.

    Parameters
    ----------
    arrays_list : sequence of AnnualArrays
    fleet_techs : sequence of sequence of str
        Technology of each fleet of each point.
    kpi_years : sequence of int
    techs : sequence of str

    Returns
    -------
    dict of str to ndarray
        One array per column of :func:`kpi_schema`, length ``len(arrays_list)``; a year
        outside a point's simulated years gives NaN. A technology without capacity in a
        year has capacity factor 0 there, as in the annual table.
    """
    n = len(arrays_list)
    out = {name: np.full(n, np.nan) for name in kpi_schema(kpi_years, techs)}
    # Points of the same shape (years, fleet technologies) are stacked and done at once.
    groups = {}
    for i, (arrays, fleet_tech) in enumerate(zip(arrays_list, fleet_techs)):
        key = (int(arrays.years[0]), int(arrays.years.size), tuple(fleet_tech))
        groups.setdefault(key, []).append(i)
    for (first, _, fleet_tech), members in groups.items():
        stack = {name: np.stack([getattr(arrays_list[i], name) for i in members])
                 for name in ("delivered_mwh", "installed_mw", "curtailed_mwh", "avoided_tco2")}
        fill_kpis(out, np.asarray(members), stack, arrays_list[members[0]].hours_in_year,
                  first, fleet_tech, kpi_years, techs)
    return out


def fill_kpis(out, rows, stack, hours, first_year, fleet_tech, kpi_years, techs):
    """Write the KPIs of points of one shape into rows of the KPI columns.

    Parameters
    ----------
    out : dict of str to ndarray
        The columns of :func:`kpi_schema`, filled in place at ``rows``.
    rows : ndarray of int
        Rows of ``out`` the points go to.
    stack : dict of str to ndarray
        ``delivered_mwh``, ``installed_mw``, ``curtailed_mwh``, ``avoided_tco2``, each
        shape (n_points, n_years, n_fleets). [MWh], [MW], [MWh], [tCO2]
    hours : ndarray, shape (n_years,)
        Hours in each simulated year. [h]
    first_year : int
        The first simulated year.
    fleet_tech : sequence of str
        Technology of each fleet.
    kpi_years : sequence of int
    techs : sequence of str
    """
    n_years = stack["delivered_mwh"].shape[1]
    at = {y: y - first_year for y in kpi_years if 0 <= y - first_year < n_years}
    fleet_tech = np.asarray(fleet_tech)
    for tech in techs:
        mask = fleet_tech == tech
        delivered = stack["delivered_mwh"][:, :, mask].sum(axis=2)
        installed = stack["installed_mw"][:, :, mask].sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            factor = np.where(installed > 0, delivered / installed / hours[None, :], 0.0)
        for year, r in at.items():
            out[f"delivered_mwh_{tech}_{year}"][rows] = delivered[:, r]
            out[f"capacity_factor_{tech}_{year}"][rows] = factor[:, r]
    out["curtailed_mwh_total"][rows] = stack["curtailed_mwh"].sum(axis=(1, 2))
    cumulative = np.cumsum(stack["avoided_tco2"].sum(axis=2), axis=1)
    for year, r in at.items():
        out[f"cumulative_avoided_tco2_{year}"][rows] = cumulative[:, r]


def parameter_columns(params, codes):
    """The points table's parameter columns: value, or label for tables. [dict]"""
    out = {}
    for j, param in enumerate(params):
        column = codes[:, j]
        if not param.discrete:
            out[param.path] = column.astype(np.float64)
        elif param.tabular:
            out[param.path] = np.asarray(param.labels, dtype=object)[column.astype(np.intp)]
        else:
            levels = np.asarray(param.levels)
            out[param.path] = levels[column.astype(np.intp)]
    return out


def parameter_schema(params):
    """Column -> (unit, description) of the parameter columns. [dict]"""
    schema = {}
    for param in params:
        key = next(k for k in reversed(param.targets[0]) if isinstance(k, str))
        unit = "-"
        if not param.tabular:
            unit = next((u for suffix, u in _COLUMN_UNITS if key.endswith(suffix)), "-")
        what = "label of the value" if param.tabular else "value"
        schema[param.path] = (unit, f"swept parameter {param.path} ({what})")
    return schema


_ANNUAL_COLUMNS = ("point", "tag", "year", "fleet", "technology", "installed_mw", "effective_mw",
                   "hours_in_year", "generation_mwh", "curtailed_mwh", "delivered_mwh",
                   "capacity_factor", "full_load_hours", "emission_factor_t_per_mwh",
                   "avoided_tco2", "cumulative_avoided_tco2", "coal_rate_g_per_kwh",
                   "avoided_coal_tce", "cumulative_avoided_coal_tce")


def annual_frame(point_indices, tags, scenarios, arrays_list):
    """Annual tables of many points in one frame, with ``point`` and ``tag`` columns.

    Columns and formulas are those of ``energysim run``'s annual table
    (:data:`energysim.results.ANNUAL_SCHEMA`).

    Returns
    -------
    pandas.DataFrame
        One row per point, year and fleet.
    """
    pieces = {name: [] for name in _ANNUAL_COLUMNS}
    for index, tag, scenario, arrays in zip(point_indices, tags, scenarios, arrays_list):
        n_years, n_fleets = arrays.installed_mw.shape
        size = n_years * n_fleets
        pieces["point"].append(np.full(size, index, dtype=np.int64))
        pieces["tag"].append(np.full(size, tag, dtype=object))
        pieces["year"].append(np.repeat(arrays.years, n_fleets))
        pieces["fleet"].append(np.tile(np.array([f.name for f in scenario.fleets], dtype=object),
                                       n_years))
        pieces["technology"].append(np.tile(np.array([f.technology for f in scenario.fleets],
                                                     dtype=object), n_years))
        installed = arrays.installed_mw.ravel()
        delivered = arrays.delivered_mwh.ravel()
        hours = np.repeat(arrays.hours_in_year, n_fleets)
        with np.errstate(invalid="ignore", divide="ignore"):
            flh = np.where(installed > 0, delivered / installed, 0.0)
        coal_rate = np.repeat(arrays.coal_rate_g_per_kwh, n_fleets)
        coal = units.coal_t_from_mwh(delivered, coal_rate)
        pieces["installed_mw"].append(installed)
        pieces["effective_mw"].append(arrays.effective_mw.ravel())
        pieces["hours_in_year"].append(hours)
        pieces["generation_mwh"].append(arrays.generation_mwh.ravel())
        pieces["curtailed_mwh"].append(arrays.curtailed_mwh.ravel())
        pieces["delivered_mwh"].append(delivered)
        pieces["capacity_factor"].append(flh / hours)
        pieces["full_load_hours"].append(flh)
        pieces["emission_factor_t_per_mwh"].append(
            np.repeat(arrays.emission_factor_t_per_mwh, n_fleets))
        pieces["avoided_tco2"].append(arrays.avoided_tco2.ravel())
        pieces["coal_rate_g_per_kwh"].append(coal_rate)
        pieces["avoided_coal_tce"].append(coal)
    frame = pd.DataFrame({name: np.concatenate(parts) if parts else np.array([])
                          for name, parts in pieces.items() if not name.startswith("cumulative")})
    # The same (compensated) running sums as the run command's table, to the last bit.
    by_fleet = frame.groupby(["point", "fleet"], sort=False)
    frame["cumulative_avoided_tco2"] = by_fleet["avoided_tco2"].cumsum()
    frame["cumulative_avoided_coal_tce"] = by_fleet["avoided_coal_tce"].cumsum()
    return frame[list(_ANNUAL_COLUMNS)]


def annual_schema():
    """Column -> (unit, description) of the ``--full-annual`` tables. [dict]"""
    return {"point": ("-", "point index in the sweep"), "tag": ("-", "point tag"),
            **ANNUAL_SCHEMA}


# --------------------------------------------------------------------------- summary

def summarize(frame, spec, techs):
    """KPI ranges and the parameters that move the headline KPIs most.

    Spearman's rank correlation of each parameter with each headline KPI: numeric
    parameters by value, tables and strings by their position in the list (order
    presets from low to high). The tornado effects take the headline CO2 KPI's mean over
    the points at a parameter's lowest and highest level (discrete), or in its lowest
    and highest fifth (continuous).

    Parameters
    ----------
    frame : pandas.DataFrame
        The points table.
    spec : SweepSpec
    techs : sequence of str

    Returns
    -------
    dict
        JSON-ready: ``kpis`` {name: {unit, min, median, max}}, ``spearman``
        {kpi: {parameter: rho}}, ``tornado`` {kpi, unit, baseline, effects: [...]}.
    """
    schema = kpi_schema(spec.kpi_years, techs)
    kpis = {}
    for name, (unit, _) in schema.items():
        values = frame[name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        kpis[name] = {"unit": unit,
                      "min": float(finite.min()) if finite.size else None,
                      "median": float(np.median(finite)) if finite.size else None,
                      "max": float(finite.max()) if finite.size else None}
    ranks = {p.path: _ordinal(frame[p.path], p) for p in spec.parameters}
    # Ranks of columns without a NaN, computed once (a million points: 0.1 s a rank); a
    # pair with a NaN ranks its finite rows only, as before.
    ranked = {path: _ranks(x) for path, x in ranks.items()}
    spearman = {}
    for kpi in headline_kpis(spec.kpi_years, techs):
        y = frame[kpi].to_numpy(dtype=float)
        ry = _ranks(y)
        spearman[kpi] = {path: _spearman(x, y, ranked[path], ry) for path, x in ranks.items()}
    tornado_kpi = headline_kpis(spec.kpi_years, techs)[0]
    y = frame[tornado_kpi].to_numpy(dtype=float)
    effects = []
    for param in spec.parameters:
        x = ranks[param.path]
        low, high, low_label, high_label = _extremes(param, x, frame[param.path])
        if low.any() and high.any():
            effects.append({"parameter": param.path, "alias": param.alias,
                            "low_label": low_label, "high_label": high_label,
                            "low": float(np.nanmean(y[low])), "high": float(np.nanmean(y[high])),
                            "rho": spearman[tornado_kpi][param.path]})
    effects.sort(key=lambda e: -abs(e["high"] - e["low"]))
    return {"sweep": spec.name, "n_points": int(len(frame)), "kpis": kpis, "spearman": spearman,
            "tornado": {"kpi": tornado_kpi, "unit": schema[tornado_kpi][0],
                        "baseline": float(np.nanmean(y)) if len(y) else None,
                        "effects": effects[:TORNADO_TOP]}}


def _ordinal(column, param):
    if param.discrete and not param.numeric:
        names = param.labels if param.tabular else param.levels
        if all(isinstance(name, str) for name in names) and len(set(names)) == len(names):
            # Distinct texts: look the whole column up at once (-1: not among them).
            found = pd.Index(names, dtype=object).get_indexer(column.to_numpy(dtype=object))
            return np.where(found >= 0, found, np.nan).astype(float)
        lookup = {name: i for i, name in enumerate(names)}
        return np.array([lookup.get(v, np.nan) for v in column], dtype=float)
    return column.to_numpy(dtype=float)


def _ranks(x):
    # Average ranks of ``x`` if it has no NaN or infinity, else None.
    return pd.Series(x).rank().to_numpy() if np.isfinite(x).all() else None


def _spearman(x, y, rx=None, ry=None):
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
    if rx is None or ry is None:  # ranks of the rows finite in both
        rx = pd.Series(x[ok]).rank().to_numpy()
        ry = pd.Series(y[ok]).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def _extremes(param, x, column):
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros(len(x), bool), np.zeros(len(x), bool), "", ""
    if param.discrete:
        lo, hi = np.nanmin(x), np.nanmax(x)
        low, high = x == lo, x == hi
        if param.numeric:
            return low, high, format_value(lo), format_value(hi)
        return low, high, param.labels[int(lo)], param.labels[int(hi)]
    q20, q80 = np.nanquantile(x, [0.2, 0.8])
    return (finite & (x <= q20), finite & (x >= q80), f"<= {format_number(q20)}",
            f">= {format_number(q80)}")
