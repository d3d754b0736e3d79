"""Points that differ only in numbers: checked and simulated as arrays (issue 13 item 4).

Owns the vectorised path of a sweep. Its parameters fall in two kinds: *numeric* ones
(a continuous distribution on a fleet's ``capacity_wan_kw``/``capacity_mw``, on
``grid.export_limit_mw`` or on ``grid.emission_factor_t_per_mwh``, whole or one year of
it) and *structural* ones (every discrete parameter). The points sharing the structural
parameters' levels form a *combination*; within one, a point differs from the others
only in numbers, so one validated ``Scenario`` per combination (its *representative*)
and the points' values as arrays give every point's capacity, export-limit and
emission-factor paths, and one kernel call gives their energies
(:func:`energysim.simulate.simulate_numbers`), bit for bit what a scenario per point
gives. A sweep with another continuous parameter, or ``--full-annual``, takes the path
of a scenario per point (:class:`~energysim.sweep.design.PointBuilder`), as do the
combinations needing the dispatch kernel (storage, electrolysers, biomass).

Checking numbers without a scenario per point relies on one property of the scenario
model: each numeric key's rule is a range (bounds, finiteness). The bounds pydantic
declares on a field (``annotated_types`` ``ge``/``gt``/``le``/``lt`` in its metadata) are
checked on the whole array; the rules its validators state in code (a capacity ``>= 0``,
an export limit ``> 0``) are checked by validating the representative with every numeric
parameter at its smallest, then at its largest value in the combination. A point outside
either check, and every point of a combination whose representative or corners fail, is
validated on its own, in point order, so the first invalid point raises today's message
(point index, tag and the parameter responsible).

Imports ``errors``, ``units``, ``fleet`` (year-point interpolation), ``scenario`` and
``simulate`` (inside :func:`chunk_kpis`) from energysim, and :mod:`energysim.sweep.kpis`
from the package.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

import annotated_types
import numpy as np

from energysim import units
from energysim.errors import ScenarioError
from energysim.fleet import interpolate_points_rows
from energysim.scenario import Scenario
from energysim.sweep.kpis import fill_kpis, kpi_columns, kpi_schema

#: Fleet lists whose capacity may vary within a combination (the curtailment kernel's).
CAPACITY_TABLES = ("pv", "wind", "hydro")
#: Capacity keys and the conversion of their values to MW (None: already MW).
CAPACITY_KEYS = {"capacity_mw": None, "capacity_wan_kw": units.wan_kw_to_mw}
#: Grid keys whose path (a number, or year points) may vary within a combination.
GRID_KEYS = ("export_limit_mw", "emission_factor_t_per_mwh")
#: Representatives a worker keeps (beyond, it starts again: memory stays bounded when
#: nearly every point is a combination of its own). [scenarios]
MAX_REPRESENTATIVES = 10_000


# --------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class Slot:
    """Where one numeric parameter goes.

    Attributes
    ----------
    column : int
        The parameter's index in ``spec.parameters`` (its column of ``Points.codes``).
    table : str
        ``"pv"``, ``"wind"``, ``"hydro"`` or ``"grid"``.
    index : int or None
        The fleet's index in its list (fleets only).
    key : str
        ``capacity_mw``, ``capacity_wan_kw``, ``export_limit_mw`` or
        ``emission_factor_t_per_mwh``.
    year : int or None
        The year of a year-points table, or None for the whole key (a number).
    """

    column: int
    table: str
    index: typing.Optional[int]
    key: str
    year: typing.Optional[int]


@dataclass(frozen=True)
class Plan:
    """How a sweep's points split into numbers and structure.

    Attributes
    ----------
    slots : tuple of Slot
        The numeric parameters.
    structural : tuple of int
        Columns of the structural (discrete) parameters.
    radix : tuple of int
        Number of levels of each structural parameter (for :func:`combination_keys`).
    """

    slots: tuple
    structural: tuple
    radix: tuple


def slot_for(column, param):
    """The :class:`Slot` of a parameter if it is numeric, else None. [Slot or None]"""
    if param.discrete or len(param.targets) != 1:
        return None
    keys = param.targets[0]
    if (len(keys) == 3 and keys[0] in CAPACITY_TABLES and isinstance(keys[1], int)
            and keys[2] in CAPACITY_KEYS):
        return Slot(column, keys[0], keys[1], keys[2], None)
    if len(keys) in (2, 3) and keys[0] == "grid" and keys[1] in GRID_KEYS:
        year = keys[2] if len(keys) == 3 else None
        if year is None or (isinstance(year, int) and not isinstance(year, bool)):
            return Slot(column, "grid", None, keys[1], year)
    return None


def plan_for(spec, full_annual=False):
    """The vectorised plan of a sweep, or None when its points take the per-point path.

    Parameters
    ----------
    spec : SweepSpec
    full_annual : bool
        ``--full-annual`` (each point's annual table) takes the per-point path.

    Returns
    -------
    Plan or None
        None when there is no continuous parameter, when one is not numeric (see the
        module docstring), or with ``full_annual``.
    """
    if full_annual:
        return None
    slots, structural = [], []
    for column, param in enumerate(spec.parameters):
        if param.discrete:
            structural.append(column)
            continue
        slot = slot_for(column, param)
        if slot is None:
            return None
        slots.append(slot)
    if not slots:
        return None
    radix = tuple(len(spec.parameters[c].levels) for c in structural)
    return Plan(slots=tuple(slots), structural=tuple(structural), radix=radix)


def combination_keys(plan, codes):
    """One integer per point naming its structural combination. [ndarray of int64]

    The mixed-radix number of the structural parameters' level indices (0 for a sweep
    without structural parameters); equal keys, equal combinations, in any chunk.
    """
    keys = np.zeros(len(codes), dtype=np.int64)
    for column, k in zip(plan.structural, plan.radix):
        keys = keys * k + codes[:, column].astype(np.int64)
    return keys


def combinations(keys):
    """Points grouped by combination, in order of first appearance.

    Returns
    -------
    list of (int, ndarray of int)
        ``(key, indices)`` with indices ascending.
    """
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    groups = [(int(keys[part[0]]), part) for part in np.split(order, cuts) if part.size]
    groups.sort(key=lambda group: group[1][0])
    return groups


# --------------------------------------------------------------------------- checks

def _table_model(table):
    annotation = Scenario.model_fields[table].annotation
    args = typing.get_args(annotation)
    return args[0] if args else annotation


def field_bounds(slot):
    """The bounds pydantic declares on a slot's field. [list of annotated_types bounds]

    Only a whole key (a number) has them; the values of a year-points table are plain
    floats checked by validators.
    """
    if slot.year is not None:
        return []
    info = _table_model(slot.table).model_fields[slot.key]
    bounds = (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)
    return [m for m in info.metadata if isinstance(m, bounds)]


def within_bounds(values, bounds):
    """True where ``values`` are finite and satisfy every bound. [ndarray of bool]"""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values)
    for bound in bounds:
        if isinstance(bound, annotated_types.Ge):
            ok &= values >= bound.ge
        elif isinstance(bound, annotated_types.Gt):
            ok &= values > bound.gt
        elif isinstance(bound, annotated_types.Le):
            ok &= values <= bound.le
        else:
            ok &= values < bound.lt
    return ok


def numbers_only(scenario, plan):
    """Whether the points of this representative's combination can go by arrays. [bool]

    False when the scenario needs the dispatch kernel, a varied fleet is given by
    additions, or a varied grid key is not of the kind the slot sets (a number, or
    year points holding the slot's year).
    """
    if scenario.needs_dispatch:
        return False
    for slot in plan.slots:
        if slot.table != "grid":
            if getattr(scenario, slot.table)[slot.index].additions_mw is not None:
                return False
            continue
        value = getattr(scenario.grid, slot.key)
        if slot.year is None and not isinstance(value, float):
            return False
        if slot.year is not None and not (isinstance(value, dict) and slot.year in value):
            return False
    return True


def _corners_valid(builder, plan, codes, members, tag):
    # The representative with every numeric parameter at its smallest, then its largest.
    for pick in (np.min, np.max):
        row = codes[members[0]].copy()
        for slot in plan.slots:
            row[slot.column] = pick(codes[members, slot.column])
        try:
            builder.scenario(int(members[0]), row, tag)
        except ScenarioError:
            return False
    return True


def check_points(points, plan, builder, progress=None):
    """Validate a sweep's points by combination and by array; see the module docstring.

    Parameters
    ----------
    points : Points
    plan : Plan
    builder : PointBuilder
    progress : callable, optional
        Called with the number of points validated one by one so far, now and then.

    Yields
    ------
    Scenario
        The validated scenarios the sweep's profiles come from: each combination's
        representative, then each point validated on its own (one at a time: a sweep of
        many combinations never holds them all).

    Raises
    ------
    ScenarioError
        The first invalid point, naming its index, tag and the parameter.
    """
    codes, tags = points.codes, points.tags
    one_by_one = np.zeros(len(tags), dtype=bool)
    for slot in plan.slots:
        one_by_one |= ~within_bounds(codes[:, slot.column], field_bounds(slot))
    for _, members in combinations(combination_keys(plan, codes)):
        clean = members[~one_by_one[members]]
        if not clean.size:
            continue
        first = int(clean[0])
        try:
            rep = builder.scenario(first, codes[first], tags[first])
        except ScenarioError:
            one_by_one[members] = True
            continue
        # (a combination of one point: its representative is the point, no corners)
        if not numbers_only(rep, plan) or (clean.size > 1 and not _corners_valid(
                builder, plan, codes, clean, tags[first])):
            one_by_one[members] = True
            continue
        yield rep
    for count, i in enumerate(np.flatnonzero(one_by_one).tolist()):
        yield builder.scenario(i, codes[i], tags[i])
        if progress is not None and count % 1000 == 999:
            progress(count + 1)


# --------------------------------------------------------------------------- simulation

def _fleet_index(scenario, table, index):
    offset = 0
    for name in CAPACITY_TABLES:
        if name == table:
            return offset + index
        offset += len(getattr(scenario, name))
    raise KeyError(table)


def number_arrays(scenario, plan, codes):
    """The varied inputs of points of one combination, as arrays.

    Parameters
    ----------
    scenario : Scenario
        The combination's representative.
    plan : Plan
    codes : ndarray, shape (n_points, n_parameters)
        The points' codes (their numeric columns are the values).

    Returns
    -------
    dict
        Keyword arguments of :func:`energysim.simulate.simulate_numbers`:
        ``capacity_mw`` {fleet index: (n_points,)} [MW], ``export_limit_mw`` and
        ``emission_factor_t_per_mwh`` (n_points, n_years) where varied [MW], [tCO2/MWh].
    """
    years = scenario.year_list
    out = {"capacity_mw": {}}
    by_key = {}
    for slot in plan.slots:
        values = codes[:, slot.column].astype(np.float64)
        if slot.table != "grid":
            to_mw = CAPACITY_KEYS[slot.key]
            out["capacity_mw"][_fleet_index(scenario, slot.table, slot.index)] = (
                to_mw(values) if to_mw is not None else values)
        else:
            by_key.setdefault(slot.key, []).append((slot.year, values))
    for key, items in by_key.items():
        if items[0][0] is None:  # a number held for every year
            out[key] = np.repeat(items[0][1][:, None], len(years), axis=1)
            continue
        table = getattr(scenario.grid, key)
        point_years = sorted(table)
        matrix = np.tile(np.array([table[y] for y in point_years], dtype=float),
                         (len(codes), 1))
        for year, values in items:
            matrix[:, point_years.index(year)] = values
        out[key] = interpolate_points_rows(point_years, matrix, years)
    return out


def chunk_kpis(spec, plan, techs, codes, tags, start, weather, weather_meta, state):
    """The KPI columns of one chunk of points, by combination.

    A combination whose representative goes by numbers is simulated at once
    (:func:`energysim.simulate.simulate_numbers`); the others point by point
    (:func:`energysim.simulate.simulate_batch`).

    Parameters
    ----------
    spec : SweepSpec
    plan : Plan
    techs : tuple of str
    codes : ndarray, shape (n_points, n_parameters)
    tags : sequence of str
    start : int
        Index of the chunk's first point in the sweep.
    weather, weather_meta : pandas.DataFrame, dict
    state : WorkerState
        Its ``builder``, ``memo`` and ``representatives`` ({combination key: Scenario, or
        None for a combination that goes point by point}), filled as combinations are met.

    Returns
    -------
    dict of str to ndarray
        The columns of :func:`energysim.sweep.kpis.kpi_schema`.
    """
    from energysim.simulate import simulate_batch, simulate_numbers

    out = {name: np.full(len(tags), np.nan) for name in kpi_schema(spec.kpi_years, techs)}
    reps = state.representatives
    for key, members in combinations(combination_keys(plan, codes)):
        if key not in reps:
            if len(reps) >= MAX_REPRESENTATIVES:
                reps.clear()
            first = int(members[0])
            rep = state.builder.scenario(start + first, codes[first], tags[first])
            reps[key] = rep if numbers_only(rep, plan) else None
        rep = reps[key]
        if rep is None:
            scenarios = [state.builder.scenario(start + int(i), codes[i], tags[i])
                         for i in members]
            arrays = simulate_batch(scenarios, weather, weather_meta, memo=state.memo)
            columns = kpi_columns(arrays, [[f.technology for f in s.fleets] for s in scenarios],
                                  spec.kpi_years, techs)
            for name, column in columns.items():
                out[name][members] = column
            continue
        arrays = simulate_numbers(rep, weather, weather_meta, memo=state.memo,
                                  n_points=len(members), **number_arrays(rep, plan,
                                                                         codes[members]))
        fill_kpis(out, members, arrays, arrays["hours_in_year"], rep.years[0],
                  [f.technology for f in rep.fleets], spec.kpi_years, techs)
    return out
