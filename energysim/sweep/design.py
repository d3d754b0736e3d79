"""The points of a sweep: grid, random and Latin-hypercube expansion, tags, scenarios.

Owns the expansion of a :class:`~energysim.sweep.spec.SweepSpec` into :class:`Points` (the
sampling rule of :mod:`energysim.sweep`), the deterministic point tags, and turning a
point's codes into its scenario dict and validated ``Scenario`` (:class:`PointBuilder`,
:func:`validate_points`); imports only ``errors`` and ``scenario`` from energysim and
:mod:`energysim.sweep.spec` and :mod:`energysim.sweep.numbers` (the vectorised checks)
from the package.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from pydantic import ValidationError

from energysim.errors import ScenarioError
from energysim.scenario import STANDALONE_TABLES, Scenario, scenario_from_dict, validate_table
from energysim.sweep import numbers
from energysim.sweep.spec import format_numbers, short_json

#: Validated tables kept per swept table: an in-process run reuses those validated up front
#: (10,000 points of continuous values; beyond that memory is bounded, not time).
_MEMO_MAX = 10_000

# --------------------------------------------------------------------------- points

@dataclass(frozen=True, eq=False)
class Points:
    """The expanded points of a sweep.

    Attributes
    ----------
    codes : ndarray of float64, shape (n_points, n_parameters)
        Level index (discrete parameters) or drawn value (continuous ones).
    tags : list of str
        Deterministic, unique tag of each point.
    """

    codes: np.ndarray
    tags: list

    def __len__(self):
        return len(self.tags)


# --------------------------------------------------------------------------- expansion

def expand(spec):
    """All points of a sweep, in a fixed order, with their tags.

    A grid is ``itertools.product`` of the parameters' levels in file order (the last
    parameter varies fastest). Random and Latin-hypercube designs draw ``samples`` points
    with ``numpy.random.default_rng(seed)``, one parameter after the other in file order.

    Parameters
    ----------
    spec : SweepSpec

    Returns
    -------
    Points
    """
    params = spec.parameters
    if spec.kind == "grid":
        grids = np.meshgrid(*[np.arange(len(p.levels), dtype=np.float64) for p in params],
                            indexing="ij")
        codes = np.stack([g.ravel() for g in grids], axis=1)
    else:
        rng = np.random.default_rng(spec.seed)
        n = spec.samples
        codes = np.empty((n, len(params)))
        for j, param in enumerate(params):
            if spec.kind == "lhs":
                u = (rng.permutation(n) + rng.random(n)) / n
            else:
                u = rng.random(n)
            codes[:, j] = _from_unit(param, u)
    codes = np.ascontiguousarray(codes)
    return Points(codes=codes, tags=make_tags(params, codes))


def _from_unit(param, u):
    """Map ``u`` in [0, 1) through the parameter's inverse CDF (a level index if discrete)."""
    if param.discrete:
        k = len(param.levels)
        return np.minimum(np.floor(u * k), k - 1)
    if param.kind == "uniform":
        low, high = param.dist["low"], param.dist["high"]
        return low + u * (high - low)
    mean, sd = param.dist["mean"], param.dist["sd"]
    normal = NormalDist(mean, sd)
    lo = normal.cdf(param.dist["low"]) if "low" in param.dist else 0.0
    hi = normal.cdf(param.dist["high"]) if "high" in param.dist else 1.0
    p = np.clip(lo + u * (hi - lo), 1e-12, 1.0 - 1e-12)
    return np.array([normal.inv_cdf(float(x)) for x in p])


def make_tags(params, codes):
    """Deterministic tags: ``<alias><label>`` joined by ``_``; a hash suffix where not unique.

    Parameters
    ----------
    params : sequence of Parameter
    codes : ndarray, shape (n_points, n_parameters)

    Returns
    -------
    list of str
    """
    parts = []
    for j, param in enumerate(params):
        sep = "-" if param.alias[-1:].isdigit() else ""
        if param.discrete:
            labels = [f"{param.alias}{sep}{label}" for label in param.labels]
            parts.append([labels[int(c)] for c in codes[:, j]])
        else:
            prefix = f"{param.alias}{sep}"
            parts.append([prefix + text for text in format_numbers(codes[:, j].tolist())])
    tags = ["_".join(items) for items in zip(*parts)] if parts else []
    counts = Counter(tags)
    if len(counts) == len(tags):
        return tags
    out = []
    seen = Counter()
    for i, tag in enumerate(tags):
        if counts[tag] > 1:
            values = [p.value(c) if p.discrete else float(c) for p, c in zip(params, codes[i])]
            text = json.dumps(values, sort_keys=True, default=str)
            seen[(tag, text)] += 1
            if seen[(tag, text)] > 1:  # the same values drawn twice: the index tells them apart
                text += f"#{i}"
            tag = f"{tag}_{hashlib.sha256(text.encode()).hexdigest()[:6]}"
        out.append(tag)
    return out


# --------------------------------------------------------------------------- points -> scenarios

class PointBuilder:
    """Builds and validates the scenario of each point, fast.

    Each point's scenario dict is the resolved base with only the swept keys replaced
    (the containers on their paths are copied, nothing else). The first point of each
    distinct combination of a table's swept values is validated as a whole scenario
    through :func:`energysim.scenario.scenario_from_dict` (which gives the error
    messages); its validated tables are kept, and later points that reuse them are
    assembled from those tables, so a point costs one ``Scenario`` check on already
    validated parts instead of a full parse.

    Parameters
    ----------
    spec : SweepSpec
    """

    def __init__(self, spec):
        self._where = spec.where
        self._base = spec.base
        self._base_dict = spec.base_dict
        self._base_dir = spec.base.base_dir
        self._params = spec.parameters
        # A "unit" is the part of the scenario a parameter sits in: a list entry (pv, 0)
        # or a top-level key (grid, site, years, ...).
        units_of = []
        for param in self._params:
            units_of.append({keys[:2] if len(keys) >= 2 and isinstance(keys[1], int)
                             else keys[:1] for keys in param.targets})
        self._units = sorted(set().union(*units_of), key=lambda u: [str(k) for k in u])
        self._unit_params = {u: [j for j, v in enumerate(units_of) if u in v]
                             for u in self._units}
        self._memo = {u: {} for u in self._units}
        self._base_fields = {k: getattr(spec.base, k) for k in Scenario.model_fields
                             if k != "base_dir"}

    def point_dict(self, code_row):
        """The scenario dict of one point (shared structure with the base; do not mutate)."""
        data = dict(self._base_dict)
        for param, code in zip(self._params, code_row):
            param.assign(data, param.value(code))
        return data

    def scenario(self, index, code_row, tag):
        """The validated scenario of point ``index``.

        Raises
        ------
        ScenarioError
            The point's combination is invalid; names the point, its tag and the
            parameter(s) responsible.
        """
        slots = {}
        codes = code_row.tolist()
        data = None
        for unit in self._units:
            key = tuple([codes[j] for j in self._unit_params[unit]])
            hit = self._memo[unit].get(key)
            if hit is None:
                if unit[0] not in STANDALONE_TABLES:
                    return self._full(index, code_row, tag)
                # Validate just this table; an error is re-raised with the full message.
                data = self.point_dict(code_row) if data is None else data
                raw = data[unit[0]][unit[1]] if len(unit) == 2 else data[unit[0]]
                try:
                    hit = validate_table(unit[0], raw)
                except ScenarioError:
                    return self._full(index, code_row, tag)
                if len(self._memo[unit]) < _MEMO_MAX:
                    self._memo[unit][key] = hit
            slots[unit] = hit
        payload = dict(self._base_fields)
        lists = {}
        for unit, value in slots.items():
            if len(unit) == 2:
                lists.setdefault(unit[0], list(payload[unit[0]]))[unit[1]] = value
            else:
                payload[unit[0]] = value
        payload.update(lists)
        payload["base_dir"] = self._base_dir
        try:
            return Scenario.model_validate(payload)
        except (ValidationError, ValueError):
            return self._full(index, code_row, tag)

    def _full(self, index, code_row, tag):
        where = f"{self._where} point {index} ({tag})"
        data = self.point_dict(code_row)
        try:
            scenario = scenario_from_dict(data, where=where, base_dir=self._base_dir)
        except ScenarioError as err:
            raise ScenarioError(f"{err}{self._culprits(code_row)}") from None
        codes = code_row.tolist()
        for unit in self._units:
            key = tuple([codes[j] for j in self._unit_params[unit]])
            value = getattr(scenario, unit[0])
            if len(self._memo[unit]) < _MEMO_MAX:
                self._memo[unit][key] = value[unit[1]] if len(unit) == 2 else value
        return scenario

    def _culprits(self, code_row):
        # Which parameter makes the point invalid: each alone on the base, else the combination.
        alone = []
        for param, code in zip(self._params, code_row):
            data = dict(self._base_dict)
            param.assign(data, param.value(code))
            try:
                scenario_from_dict(data, base_dir=self._base_dir)
            except ScenarioError:
                alone.append(f"{param.path} = {short_json(param.value(code), 40)}")
        if alone:
            return f" [swept: {'; '.join(alone)}]"
        values = "; ".join(f"{p.path} = {short_json(p.value(c), 30)}"
                           for p, c in zip(self._params, code_row))
        return f" [the combination {values}]"


def validate_points(spec, points, builder=None, progress=None, vectorised=True):
    """Validate every point; return the distinct physics configurations and the timing.

    Points that differ only in numbers are checked as arrays with one scenario per
    structural combination (:mod:`energysim.sweep.numbers`); the others one scenario
    per point.

    Parameters
    ----------
    spec : SweepSpec
    points : Points
    builder : PointBuilder, optional
    progress : callable, optional
        Called with the number of points validated one by one so far, now and then.
    vectorised : bool
        Use the vectorised path where the sweep allows it (False: a scenario per point,
        as ``--full-annual`` needs).

    Returns
    -------
    dict
        ``profiles``: {profile identity: (fleet, site)} for every distinct per-unit profile,
        ``groups``: number of distinct physical configurations of whole points,
        ``seconds_per_point``: validation time per point [s], ``plan``: the
        :class:`~energysim.sweep.numbers.Plan` of the vectorised path, or None.

    Raises
    ------
    ScenarioError
        The first invalid point, naming its index, tag and the parameter.
    """
    builder = builder or PointBuilder(spec)
    start = time.perf_counter()
    plan = numbers.plan_for(spec, full_annual=not vectorised)
    if plan is not None:
        scenarios = numbers.check_points(points, plan, builder, progress)
    else:
        scenarios = _each_point(points, builder, progress)
    profiles = {}
    groups = set()
    for scenario in scenarios:
        site = (scenario.site.latitude, scenario.site.longitude, scenario.site.altitude_m)
        ids = []
        for fleet_cfg in scenario.fleets:
            ident = (fleet_cfg.physics_signature(), site)
            profiles.setdefault(ident, (fleet_cfg, scenario.site))
            ids.append(ident)
        groups.add((scenario.years, tuple(ids)))
    elapsed = time.perf_counter() - start
    return {"profiles": profiles, "groups": len(groups),
            "seconds_per_point": elapsed / max(len(points), 1), "plan": plan}


def _each_point(points, builder, progress):
    for i, (row, tag) in enumerate(zip(points.codes, points.tags)):
        yield builder.scenario(i, row, tag)
        if progress is not None and i % 1000 == 999:
            progress(i + 1)
