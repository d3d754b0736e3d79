"""Parameter sweeps: a sweep file -> points -> chunks of KPIs, resumable, local or on Dask.

Owns the sweep file format (``base``, ``[design]``, ``[parameters]``, ``[output]``), its
expansion into points (grid, random, Latin hypercube) with their tags, the per-point KPIs,
the chunk store with its manifest, and the two executors (a local process pool and a Dask
cluster); imports only ``errors``, ``units``, ``scenario``, ``results``, ``physics`` (its
version, for the manifest) and ``simulate`` from energysim, ``dask``/``distributed`` only
inside the Dask code path, and never ``plotting`` or ``cli``. Physics never runs per point:
the distinct per-unit profiles are computed once on the client and sent to every worker
once; each chunk of points is arithmetic on them (:func:`energysim.simulate.simulate_batch`).

Sweep file
----------
.. code-block:: toml

    base = "../shaoguan-potential.toml"    # relative to the sweep file
    name = "potential-1000"                # optional; default: the file's stem

    [design]
    kind = "grid"                          # "grid" | "random" | "lhs"
    # samples = 500                        # random / lhs only
    # seed = 0                             # random / lhs only

    [parameters]
    "pv[0].tilt_deg" = [10, 15, 20, 25, 30]                                 # values
    "pv[utility-pv].dc_ac_ratio" = { start = 1.1, stop = 1.4, step = 0.1 }  # inclusive
    "wind[ridge-wind].hub_height_m" = { values = [90, 120], alias = "hh" }
    # random / lhs only:  "grid.export_limit_mw" = { dist = "uniform", low = 6000, high = 12000 }
    #                     { dist = "normal", mean = .., sd = .., low = .., high = .. }
    #                     { dist = "choice", values = [..] }

    [parameters."grid.emission_factor_t_per_mwh"]         # whole tables as values
    values = [{ 2021 = 0.5568, 2060 = 0.05 }, { 2021 = 0.5568, 2060 = 0.3 }]
    labels = ["3060", "slow"]                             # short tags and column values

    [parameters.pace]                                     # one value set at several paths
    paths = ["pv[0].buildout_share", "wind[0].buildout_share"]
    values = [{ 2021 = 0.1, 2030 = 1.0 }, { 2021 = 0.05, 2040 = 1.0 }]
    labels = ["fast", "slow"]

    [output]
    years = [2025, 2030, 2060]             # KPI years; default 2025, 2030, 2035, 2060 in range

Paths name a key of the resolved base scenario: ``table.key``, with ``pv[i]``/``wind[i]``
(index or fleet name) for fleets and an optional ``[year]`` on a year table
(``grid.emission_factor_t_per_mwh[2060]``). Keys with brackets must be quoted in TOML.
Setting a key replaces the keys it excludes (``capacity_wan_kw`` replaces ``capacity_mw``,
``buildout`` replaces ``buildout_share``, ``emission_factor`` replaces
``emission_factor_t_per_mwh``, ``tracking = "single_axis"`` drops the default tilt, ...).

Sampling rule: a random design draws ``u ~ U(0, 1)`` per point and parameter, a Latin
hypercube stratifies ``u`` into ``samples`` equal bins (one per point, independently
permuted per parameter); both map ``u`` through the inverse CDF of the parameter's
distribution (uniform, normal truncated to ``[low, high]`` if given). Lists, ranges and
``dist = "choice"`` are discrete: level ``floor(u * k)`` of ``k`` levels, so in a Latin
hypercube every level occurs ``samples // k`` or ``samples // k + 1`` times.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import logging
import math
import os
import re
import shutil
import signal
import sys
import time
import types
import typing
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from energysim import units
from energysim.errors import EnergysimError, OutputError, OutputExistsError, ScenarioError
from energysim.results import ANNUAL_SCHEMA, to_parquet
from energysim.scenario import Scenario, load_scenario, scenario_from_dict, to_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

logger = logging.getLogger(__name__)

DESIGNS = ("grid", "random", "lhs")
DISTRIBUTIONS = ("uniform", "normal", "choice")
#: Default KPI years (Five-Year-Plan ends, the carbon peak and neutrality), kept where in range.
MILESTONE_YEARS = (2025, 2030, 2035, 2060)
#: Points per chunk (the unit of work, of writing and of resuming) unless given.
DEFAULT_CHUNK_SIZE = 250
#: Refuse sweeps larger than this before expanding them (memory). [points]
MAX_POINTS = 2_000_000
#: Cost model of ``--dry-run``: one physics profile (a year of pvlib/windpowerlib). [s]
PROFILE_COST_S = 0.3
#: Cost model of ``--dry-run``: kernel and bookkeeping per point, year and fleet, measured on
#: a 2-core laptop-class machine (2026); the validation part is measured at run time. [s]
SIMULATE_COST_S_PER_POINT_YEAR_FLEET = 3.5e-5
#: A worker process costs a few seconds to start (imports, compiled-kernel load) and a
#: point about a millisecond: fewer points than this per worker use fewer workers. [points]
MIN_POINTS_PER_WORKER = 2000
#: Number of parameters drawn in the tornado chart.
TORNADO_TOP = 8
MANIFEST_FORMAT = 1

_TOP_KEYS = ("base", "name", "description", "design", "parameters", "output")
_DESIGN_KEYS = ("kind", "samples", "seed")
_OUTPUT_KEYS = ("years",)
_SPEC_KEYS = {"values", "labels", "alias", "start", "stop", "step", "dist", "low", "high",
              "mean", "sd", "paths"}
# Top-level scenario keys a sweep may not vary, and why.
_FIXED_KEYS = {
    "weather": "the weather is fixed in a sweep (one weather year is loaded for all points): "
               "run one sweep per weather source",
    "name": "the scenario name is fixed; points are told apart by their tag",
    "schema_version": "the schema version is fixed",
    "base_dir": "not a scenario key",
    "description": "the description does not change results",
    "output": "the run command's output options do not apply to sweeps: use [output] years",
}
# Setting a key removes the keys it excludes from the same table (unless also swept).
_REPLACES = {
    "capacity_mw": ("capacity_wan_kw", "additions_mw", "additions_wan_kw"),
    "capacity_wan_kw": ("capacity_mw", "additions_mw", "additions_wan_kw"),
    "additions_mw": ("additions_wan_kw", "capacity_mw", "capacity_wan_kw", "buildout_share",
                     "buildout"),
    "additions_wan_kw": ("additions_mw", "capacity_mw", "capacity_wan_kw", "buildout_share",
                         "buildout"),
    "buildout_share": ("additions_mw", "additions_wan_kw", "buildout"),
    "buildout": ("additions_mw", "additions_wan_kw", "buildout_share"),
    "emission_factor_t_per_mwh": ("emission_factor",),
    "emission_factor": ("emission_factor_t_per_mwh",),
    "turbine": ("power_curve",),
    "power_curve": ("turbine",),
}
# Short tag aliases where the first word of the key would say little.
_ALIASES = {
    "dc_ac_ratio": "dcac", "hub_height_m": "hub", "mean_wind_speed_ms": "ws",
    "emission_factor_t_per_mwh": "ef", "emission_factor": "ef", "buildout_share": "pace",
    "buildout": "pace", "additions_mw": "add", "additions_wan_kw": "add",
    "capacity_mw": "cap", "capacity_wan_kw": "cap", "annual_rate_pct": "degr",
    "first_year_loss_pct": "lid", "wind_farm_efficiency": "wake", "roughness_length_m": "z0",
    "azimuth_deg": "az", "max_angle_deg": "maxang", "coal_rate_g_per_kwh": "coal",
    "decline_pct_per_year": "decline", "curtailment_pct": "curt", "availability_pct": "avail",
    "steepness_per_year": "steep", "midpoint_year": "mid", "tracking": "track",
}
_UNIT_SUFFIXES = ("_t_per_mwh", "_g_per_kwh", "_per_year", "_wan_kw", "_ratio", "_years",
                  "_deg", "_pct", "_mwh", "_mw", "_ms", "_mt", "_m")
# Parameter-column units, from the key's unit suffix (for the Parquet schema).
_COLUMN_UNITS = (("_t_per_mwh", "tCO2/MWh"), ("_g_per_kwh", "gce/kWh"), ("_per_year", "1/yr"),
                 ("_wan_kw", "万千瓦"), ("_ratio", "1"), ("_years", "yr"), ("_deg", "deg"),
                 ("_pct", "%"), ("_mwh", "MWh"), ("_mw", "MW"), ("_ms", "m/s"), ("_m", "m"))


# --------------------------------------------------------------------------- the spec

@dataclass(frozen=True, eq=False)
class Parameter:
    """One swept parameter.

    Attributes
    ----------
    path : str
        The key in ``[parameters]`` (a path, or the name of a linked parameter); also the
        column name of the points table.
    targets : tuple of tuple
        Concrete keys into the resolved base scenario's dict (fleet names made indices),
        one per path the parameter sets (several for ``paths = [..]``).
    alias : str
        Short name used in tags.
    kind : str
        ``"values"`` (a list), ``"range"``, or a distribution name (``"uniform"``,
        ``"normal"``, ``"choice"``).
    levels : tuple
        The discrete values (lists, ranges, choices); empty for continuous distributions.
    labels : tuple of str
        One tag label per level.
    tabular : bool
        Levels are tables or lists: the points table holds their label.
    dist : dict
        Parameters of a continuous distribution (``low``/``high``, ``mean``/``sd``).
    drops : tuple of tuple of str
        For each target, the keys of the same table its key replaces.
    """

    path: str
    targets: tuple
    alias: str
    kind: str
    levels: tuple = ()
    labels: tuple = ()
    tabular: bool = False
    dist: dict = field(default_factory=dict)
    drops: tuple = ()

    @property
    def discrete(self):
        """True when the parameter takes one of ``levels``. [bool]"""
        return self.kind not in ("uniform", "normal")

    @property
    def numeric(self):
        """True when its values are plain numbers (not tables, strings or booleans). [bool]"""
        if not self.discrete:
            return True
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.levels)

    def value(self, code):
        """The value at one point, from its code (level index or drawn value)."""
        return self.levels[int(code)] if self.discrete else float(code)

    def label(self, code):
        """The tag label at one point. [str]"""
        return self.labels[int(code)] if self.discrete else _format_number(float(code))

    def assign(self, data, value):
        """Set ``value`` at every target of ``data`` (copying containers on the paths)."""
        for keys, drops in zip(self.targets, self.drops):
            if keys[-1] == "tracking" and value != "single_axis":
                drops = tuple(d for d in drops if d != "tilt_deg")
            _assign(data, keys, value, drops)


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """A parsed, checked sweep file.

    Attributes
    ----------
    path : Path
        The sweep file.
    name : str
        Sweep name; results go to ``OUT/<name>/``.
    kind : str
        ``"grid"``, ``"random"`` or ``"lhs"``.
    samples : int or None
        Points of a random or Latin-hypercube design.
    seed : int
        Seed of the random draws.
    parameters : tuple of Parameter
        In file order (the grid's last parameter varies fastest).
    base : Scenario
        The validated base scenario.
    base_path : Path
        Its file.
    base_dict : dict
        ``base.to_dict()``: the resolved base every point starts from.
    kpi_years : tuple of int
        Years of the per-year KPIs.
    sweep_sha256, sweep_digest, base_sha256 : str
        SHA-256 of the sweep file's bytes, of its parsed content (comments and layout do
        not count) and of the base file's bytes.
    text : str
        The sweep file's text (copied into the output folder).
    """

    path: Path
    name: str
    kind: str
    samples: typing.Optional[int]
    seed: int
    parameters: tuple
    base: Scenario
    base_path: Path
    base_dict: dict
    kpi_years: tuple
    sweep_sha256: str
    sweep_digest: str
    base_sha256: str
    text: str

    @property
    def where(self):
        """The sweep file as named in messages. [str]"""
        return str(self.path)


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


def load_sweep(path):
    """Read and check a sweep file and its base scenario.

    Parameters
    ----------
    path : str or Path
        The sweep TOML file.

    Returns
    -------
    SweepSpec

    Raises
    ------
    ScenarioError
        One line naming the sweep file, the table or parameter, and what is allowed.
    """
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ScenarioError(f"{where}: no such sweep file" if not path.exists()
                            else f"{where}: not a file: give a sweep .toml file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{where}: not UTF-8 text (byte {err.start}): "
                            "save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{where}: TOML syntax error: {err}") from None
    return parse_sweep(data, path, text=text, sha256=hashlib.sha256(raw).hexdigest())


def parse_sweep(data, path, text="", sha256=""):
    """Check a sweep given as a parsed TOML table; see :func:`load_sweep`."""
    path = Path(path)
    where = str(path)
    _check_keys(data, _TOP_KEYS, where, "(top level)")
    if "base" not in data:
        raise ScenarioError(f"{where}: base missing: give base = \"path/to/scenario.toml\" "
                            "(relative to the sweep file)")
    base_text = data["base"]
    if not isinstance(base_text, str) or not base_text.strip():
        raise ScenarioError(f"{where} base = {base_text!r}: give the base scenario's path "
                            "as a string")
    base_path = Path(base_text).expanduser()
    if not base_path.is_absolute():
        base_path = path.resolve().parent / base_path
    if not base_path.is_file():
        raise ScenarioError(f"{where} base = {base_text!r}: no such scenario file ({base_path})")
    base = load_scenario(base_path)
    base_dict = base.to_dict()

    name = data.get("name", path.stem)
    if not isinstance(name, str) or not re.fullmatch(r"[\w.\-+]+", name) or name in (".", ".."):
        raise ScenarioError(f"{where} name = {name!r}: a sweep name is a folder name: use "
                            "letters, digits, '-', '_', '.'")

    design = data.get("design", {})
    if not isinstance(design, dict):
        raise ScenarioError(f"{where} design = {design!r}: give a [design] table")
    _check_keys(design, _DESIGN_KEYS, where, "[design]")
    kind = design.get("kind", "grid")
    if kind not in DESIGNS:
        raise ScenarioError(f"{where} [design] kind = {kind!r}: allowed: "
                            f"{', '.join(repr(d) for d in DESIGNS)}")
    samples = design.get("samples")
    seed = design.get("seed", 0)
    if kind == "grid":
        for key in ("samples", "seed"):
            if key in design:
                raise ScenarioError(f"{where} [design] {key} = {design[key]!r}: {key} is for "
                                    "kind = \"random\" or \"lhs\"; a grid takes every combination")
    else:
        if samples is None:
            raise ScenarioError(f"{where} [design] samples missing: kind = {kind!r} needs "
                                "samples = <number of points>")
        if (not isinstance(samples, int) or isinstance(samples, bool)
                or not 1 <= samples <= MAX_POINTS):
            raise ScenarioError(f"{where} [design] samples = {samples!r}: give a whole number "
                                f"in 1..{MAX_POINTS}")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ScenarioError(f"{where} [design] seed = {seed!r}: give a whole number >= 0")

    raw_params = data.get("parameters")
    if not isinstance(raw_params, dict) or not raw_params:
        raise ScenarioError(f"{where} [parameters]: missing or empty: give at least one "
                            "\"path\" = [values]")
    flat = _flatten_parameters(raw_params)
    parameters = []
    for param_path, spec in flat:
        parameters.append(_parse_parameter(param_path, spec, kind, base, base_dict, where))
    _check_overlaps(parameters, where)
    parameters = _set_drops(_unique_aliases(parameters, where))
    if kind == "grid":
        n_points = math.prod(len(p.levels) for p in parameters)
        if n_points > MAX_POINTS:
            raise ScenarioError(f"{where} [parameters]: the grid has {n_points:,} points: at most "
                                f"{MAX_POINTS:,} are allowed; use kind = \"lhs\" with samples")

    output = data.get("output", {})
    if not isinstance(output, dict):
        raise ScenarioError(f"{where} output = {output!r}: give an [output] table")
    _check_keys(output, _OUTPUT_KEYS, where, "[output]")
    first, last = base.years
    if "years" in output:
        years = output["years"]
        if (not isinstance(years, list) or not years
                or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)):
            raise ScenarioError(f"{where} [output] years = {years!r}: give a list of years")
        bad = [y for y in years if not first <= y <= last]
        if bad:
            raise ScenarioError(f"{where} [output] years = {years!r}: {bad[0]} is outside the "
                                f"base scenario's years {first}..{last}")
        kpi_years = tuple(sorted(set(years)))
    else:
        kpi_years = tuple(y for y in MILESTONE_YEARS if first <= y <= last) or (last,)

    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return SweepSpec(path=path, name=name, kind=kind, samples=samples, seed=seed,
                     parameters=tuple(parameters), base=base, base_path=base_path,
                     base_dict=base_dict, kpi_years=kpi_years, sweep_sha256=sha256,
                     sweep_digest=digest, base_sha256=_file_sha256(base_path), text=text)


def _file_sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _check_keys(table, allowed, where, label):
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
            raise ScenarioError(f"{where} {label} {key}: unknown key; {hint}")


def _is_spec_table(value):
    return isinstance(value, dict) and bool(_SPEC_KEYS & set(value))


def _flatten_parameters(table, prefix=""):
    # TOML turns an unquoted dotted key (grid.export_limit_mw = ...) into nested tables:
    # a nested table that is not itself a spec is a path prefix.
    out = []
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not _is_spec_table(value):
            if not value:
                out.append((path, value))
            else:
                out.extend(_flatten_parameters(value, path))
        else:
            out.append((path, value))
    return out


# --------------------------------------------------------------------------- paths

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")


def _split_path(text):
    """``pv[utility-pv].tilt_deg`` -> [("pv", "utility-pv"), ("tilt_deg", None)]."""
    segments = []
    pos = 0
    while True:
        match = _SEGMENT.match(text, pos)
        if not match:
            return None
        segments.append((match.group(1), match.group(2)))
        pos = match.end()
        if pos == len(text):
            return segments
        if text[pos] != ".":
            return None
        pos += 1


def _field_shape(annotation):
    """("model", M) | ("list", M) | ("years", None) | ("leaf", None) for a field's type."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return "list", args[0]
    if origin in (typing.Union, types.UnionType):
        shapes = [_field_shape(a) for a in args if a is not type(None)]
        for wanted in ("model", "list", "years"):
            for shape in shapes:
                if shape[0] == wanted:
                    return shape
        return "leaf", None
    if origin is dict:
        return "years", None
    return "leaf", None


def _model_keys(model):
    return [k for k in model.model_fields if k not in ("base_dir", "technology")]


def resolve_path(text, base, base_dict, where="<sweep>"):
    """Concrete keys into the base scenario's dict for a parameter path.

    Parameters
    ----------
    text : str
        ``table.key``, ``pv[0].tilt_deg``, ``wind[ridge-wind].hub_height_m``,
        ``grid.emission_factor_t_per_mwh[2060]``.
    base : Scenario
        The validated base (fleet names, for selectors and suggestions).
    base_dict : dict
        Its resolved dict.
    where : str
        The sweep file, for messages.

    Returns
    -------
    tuple
        Keys (str) and list indices (int); a year selector is the last key (int).

    Raises
    ------
    ScenarioError
        Unknown key or fleet (with close matches), or a path the sweep cannot vary.
    """
    head = f"{where} [parameters] {text}"
    segments = _split_path(text)
    fleets = {f.name: f.technology for f in base.fleets}
    head_name = next((n for n in sorted(fleets, key=len, reverse=True)
                      if text == n or text.startswith(n + ".")), None)
    if head_name is not None and (not segments or segments[0][0] not in _model_keys(Scenario)):
        tech = fleets[head_name]
        raise ScenarioError(f"{head}: {head_name} is a {tech} fleet: write "
                            f"{tech}[{head_name}].<key>")
    if not segments:
        raise ScenarioError(f"{head}: not a parameter path: write table.key, pv[0].key, "
                            "wind[<fleet name>].key or table.key[<year>] (quoted in TOML)")
    model = Scenario
    node = base_dict
    keys = []
    for depth, (key, selector) in enumerate(segments):
        allowed = _model_keys(model)
        if depth == 0 and key in _FIXED_KEYS:
            raise ScenarioError(f"{head}: cannot be swept: {_FIXED_KEYS[key]}")
        if key not in allowed:
            raise ScenarioError(f"{head}: {_unknown_key(key, model, allowed, base, depth)}")
        annotation = model.model_fields[key].annotation
        shape, sub = _field_shape(annotation)
        keys.append(key)
        child = node.get(key) if isinstance(node, dict) else None
        last = depth == len(segments) - 1
        if shape == "list":
            if selector is None:
                if not last:
                    raise ScenarioError(f"{head}: {key} is a list of tables: select one, e.g. "
                                        f"{key}[0] or {key}[<name>]")
                return tuple(keys)
            index = _select(selector, child or [], key, head)
            keys.append(index)
            model, node = sub, (child or [])[index]
        elif shape == "model":
            if selector is not None:
                raise ScenarioError(f"{head}: [{selector}] after {key}: {key} is a table, "
                                    f"not a list; write {key}.<key>")
            model, node = sub, child if isinstance(child, dict) else {}
        elif shape == "years":
            if selector is not None:
                if not last:
                    raise ScenarioError(f"{head}: nothing can follow {key}[{selector}]")
                if not re.fullmatch(r"\d{4}", selector.strip()):
                    raise ScenarioError(f"{head}: [{selector}]: a year table takes a year, "
                                        f"e.g. {key}[2060]")
                if child is not None and not isinstance(child, dict):
                    raise ScenarioError(f"{head}: {key} is a single number in the base "
                                        f"scenario: sweep {key} itself, or give year points "
                                        "in the base")
                keys.append(int(selector))
                return tuple(keys)
            if not last:
                raise ScenarioError(f"{head}: {key} is a year table: write {key}[<year>] to "
                                    "vary one year's point")
        else:
            if selector is not None:
                raise ScenarioError(f"{head}: [{selector}] after {key}: {key} is a value, "
                                    "not a list or year table")
            if not last:
                raise ScenarioError(f"{head}: {key} is a value: nothing can follow it")
        if last:
            return tuple(keys)
    return tuple(keys)  # pragma: no cover


def _unknown_key(key, model, allowed, base, depth):
    fleets = {f.name: f.technology for f in base.fleets}
    if depth == 0 and key in fleets:
        tech = fleets[key]
        return f"unknown key {key!r}: {key} is a {tech} fleet: write {tech}[{key}].<key>"
    close = difflib.get_close_matches(key, allowed, n=3, cutoff=0.5)
    table = "the scenario's top level" if model is Scenario else f"[{model.__name__}]"
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown key {key!r} in {table}{hint}; allowed: {', '.join(allowed)}"


def _select(selector, items, key, head):
    selector = selector.strip()
    if re.fullmatch(r"-?\d+", selector):
        index = int(selector)
        if not 0 <= index < len(items):
            span = f"0..{len(items) - 1}" if items else "none: the base has no such table"
            raise ScenarioError(f"{head}: {key}[{index}]: no such {key} entry; indices: {span}")
        return index
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if selector in names:
        return names.index(selector)
    close = difflib.get_close_matches(selector, [n for n in names if n], n=2, cutoff=0.4)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    listing = ", ".join(repr(n) for n in names if n) or "none"
    raise ScenarioError(f"{head}: no {key} entry named {selector!r} in the base scenario; "
                        f"{hint}{key} names: {listing} (or an index 0..{max(len(items) - 1, 0)})")


# --------------------------------------------------------------------------- specs

def _parse_parameter(path, spec, kind, base, base_dict, where):
    head = f"{where} [parameters] {path}"
    alias = None
    labels = None
    if isinstance(spec, dict) and "paths" in spec:
        # A linked parameter: one value set at several paths (e.g. the build-out pace of
        # every fleet); the key is its name.
        spec = dict(spec)
        paths = spec.pop("paths")
        if not re.fullmatch(r"[A-Za-z][\w\-]*", path):
            raise ScenarioError(f"{head}: a parameter with paths = [..] is named by a plain word "
                                "(e.g. pace = {{ paths = [..], values = [..] }})")
        if (not isinstance(paths, list) or not paths
                or not all(isinstance(x, str) for x in paths)):
            raise ScenarioError(f"{head} paths = {_short(paths)}: give a list of parameter paths")
        if path in ("point", "tag"):
            raise ScenarioError(f"{head}: {path!r} names a column of the points table: choose "
                                "another name")
        targets = tuple(resolve_path(x, base, base_dict, where) for x in paths)
        if len(set(targets)) != len(targets):
            raise ScenarioError(f"{head} paths = {_short(paths)}: a path is given twice")
        if not _SPEC_KEYS & set(spec):
            raise ScenarioError(f"{head}: give values = [..] (each value is set at every path)")
    else:
        targets = (resolve_path(path, base, base_dict, where),)
    if isinstance(spec, list):
        levels, spec_kind, dist = spec, "values", {}
    elif isinstance(spec, dict) and _is_spec_table(spec):
        spec = dict(spec)
        alias = spec.pop("alias", None)
        labels = spec.pop("labels", None)
        levels, spec_kind, dist = _parse_spec_table(spec, kind, head)
        if labels is not None and spec_kind not in ("values", "choice"):
            raise ScenarioError(f"{head}: labels are for a list of values "
                                "({ values = [...], labels = [...] }), not a range or distribution")
    else:
        raise ScenarioError(
            f"{head} = {_short(spec)}: give a list of values [..], {{ start, stop, step }}, "
            "{ values = [..], labels = [..] } or "
            "{ dist = \"uniform\" | \"normal\" | \"choice\", .. } "
            "(a single value belongs in the base scenario)")
    if spec_kind in ("values", "range", "choice"):
        if not levels:
            raise ScenarioError(f"{head} = []: give at least one value")
        tabular = any(isinstance(v, (dict, list)) for v in levels)
        if labels is None:
            labels = [(f"v{i}" if isinstance(v, (dict, list)) else _format_value(v))
                      for i, v in enumerate(levels)]
        else:
            if (not isinstance(labels, list) or len(labels) != len(levels)
                    or not all(isinstance(x, str) and x.strip() for x in labels)):
                raise ScenarioError(f"{head} labels = {_short(labels)}: give one non-empty "
                                    f"string per value ({len(levels)})")
            if len(set(labels)) != len(labels):
                raise ScenarioError(f"{head} labels = {_short(labels)}: labels must be unique")
            labels = [_sanitize(x) for x in labels]
        mixed = len({_kind_of(v) for v in levels}) > 1
        tabular = tabular or mixed
    else:
        tabular = False
        labels = []
    if alias is not None:
        if not isinstance(alias, str) or not re.fullmatch(r"[A-Za-z][\w\-]*", alias):
            raise ScenarioError(f"{head} alias = {alias!r}: give a short word "
                                "(letters, digits, '_', '-')")
    return Parameter(path=path, targets=targets, alias=alias or "", kind=spec_kind,
                     levels=tuple(levels), labels=tuple(labels), tabular=tabular, dist=dist)


def _kind_of(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _parse_spec_table(spec, design, head):
    keys = set(spec)
    if "dist" in keys:
        dist = spec["dist"]
        if dist not in DISTRIBUTIONS:
            raise ScenarioError(f"{head} dist = {dist!r}: unknown distribution; allowed: "
                                f"{', '.join(repr(d) for d in DISTRIBUTIONS)}")
        if design == "grid":
            raise ScenarioError(f"{head} dist = {dist!r}: distributions need [design] kind = "
                                "\"random\" or \"lhs\"; a grid takes a list or "
                                "{ start, stop, step }")
        allowed = {"uniform": {"dist", "low", "high"},
                   "normal": {"dist", "mean", "sd", "low", "high"},
                   "choice": {"dist", "values"}}[dist]
        _spec_keys(spec, allowed, head, f"dist = {dist!r}")
        if dist == "choice":
            values = spec.get("values")
            if not isinstance(values, list) or not values:
                raise ScenarioError(f"{head}: dist = \"choice\" needs values = [..] (at least one)")
            return values, "choice", {}
        if dist == "uniform":
            low, high = _numbers(spec, ("low", "high"), head, "dist = \"uniform\"")
            if not low < high:
                raise ScenarioError(f"{head} low = {low}, high = {high}: a uniform distribution "
                                    "needs low < high")
            return [], "uniform", {"low": low, "high": high}
        mean, sd = _numbers(spec, ("mean", "sd"), head, "dist = \"normal\"")
        if not sd > 0:
            raise ScenarioError(f"{head} sd = {sd}: a normal distribution needs sd > 0")
        bounds = {k: _numbers(spec, (k,), head, "dist = \"normal\"")[0] for k in ("low", "high")
                  if k in spec}
        if "low" in bounds and "high" in bounds and not bounds["low"] < bounds["high"]:
            raise ScenarioError(f"{head} low = {bounds['low']}, high = {bounds['high']}: "
                                "truncation bounds need low < high")
        return [], "normal", {"mean": mean, "sd": sd, **bounds}
    if keys & {"start", "stop", "step"}:
        _spec_keys(spec, {"start", "stop", "step"}, head, "a range")
        start, stop, step = _numbers(spec, ("start", "stop", "step"), head,
                                     "a range { start, stop, step }")
        if step <= 0 or stop < start:
            raise ScenarioError(f"{head} = {{ start = {start}, stop = {stop}, step = {step} }}: "
                                "empty range: give stop >= start and step > 0")
        return _range_values(start, stop, step, head), "range", {}
    if "values" in keys:
        _spec_keys(spec, {"values"}, head, "a list of values")
        values = spec["values"]
        if not isinstance(values, list):
            raise ScenarioError(f"{head} values = {_short(values)}: give a list")
        return values, "values", {}
    raise ScenarioError(f"{head}: give values = [..], {{ start, stop, step }} or dist = ..")


def _spec_keys(spec, allowed, head, what):
    extra = sorted(set(spec) - allowed)
    if extra:
        allowed = allowed | {"alias"} | ({"labels"} if "values" in allowed else set())
        raise ScenarioError(f"{head}: {extra[0]} does not belong to {what}; allowed: "
                            f"{', '.join(sorted(allowed))}")


def _numbers(spec, names, head, what):
    out = []
    for name in names:
        if name not in spec:
            raise ScenarioError(f"{head}: {what} needs {', '.join(names)}; {name} is missing")
        value = spec[name]
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value)):
            raise ScenarioError(f"{head} {name} = {value!r}: must be a finite number")
        out.append(value)
    return out


def _range_values(start, stop, step, head):
    """Inclusive, float-safe range: stop is kept when it lies on the grid within round-off."""
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_POINTS:
        raise ScenarioError(f"{head}: the range has {count:,} values: at most {MAX_POINTS:,}")
    if all(isinstance(v, int) for v in (start, stop, step)):
        return [start + i * step for i in range(count)]
    return [float(f"{start + i * step:.12g}") for i in range(count)]


def _check_overlaps(parameters, where):
    for a, b in itertools.combinations(parameters, 2):
        for ka, kb in itertools.product(a.targets, b.targets):
            short, long = sorted((ka, kb), key=len)
            if long[:len(short)] == short:
                raise ScenarioError(f"{where} [parameters] {b.path}: overlaps {a.path} "
                                    "(the same key, or one inside the other): sweep one of them")


def _default_alias(param):
    if len(param.targets) > 1:
        return param.path  # a linked parameter is named by its key
    keys = param.targets[0]
    key = next(k for k in reversed(keys) if isinstance(k, str))
    year = keys[-1] if isinstance(keys[-1], int) and keys[-2] == key else None
    if key in _ALIASES:
        alias = _ALIASES[key]
    else:
        stem = key
        for suffix in _UNIT_SUFFIXES:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
        words = [w for w in stem.split("_") if w]
        alias = words[0]
        for word in words[1:]:
            if len(alias) >= 3:
                break
            alias += word
    return f"{alias}{year}" if year is not None else alias


def _unique_aliases(parameters, where):
    aliases = [p.alias or _default_alias(p) for p in parameters]
    explicit = Counter(p.alias for p in parameters if p.alias)
    for alias, count in explicit.items():
        if count > 1:
            raise ScenarioError(f"{where} [parameters]: alias = {alias!r} is given twice: aliases "
                                "must be unique")
    counts = Counter(aliases)
    out = []
    for param, alias in zip(parameters, aliases):
        if counts[alias] > 1 and not param.alias:
            # Two parameters of the same name (pv[0].tilt_deg, pv[1].tilt_deg): prefix the table.
            keys = param.targets[0]
            index = next((k for k in keys if isinstance(k, int)), None)
            alias = f"{keys[0]}{'' if index is None else index}{alias}"
        out.append(alias)
    if len(set(out)) != len(out):
        dupe = next(a for a, n in Counter(out).items() if n > 1)
        raise ScenarioError(f"{where} [parameters]: two parameters get the tag alias {dupe!r}: "
                            "give one of them alias = \"...\"")
    return [Parameter(**{**_fields(p), "alias": a}) for p, a in zip(parameters, out)]


def _set_drops(parameters):
    swept = {keys for p in parameters for keys in p.targets}
    out = []
    for p in parameters:
        per_target = []
        for keys in p.targets:
            key = keys[-1]
            drops = tuple(d for d in _REPLACES.get(key, ()) if (*keys[:-1], d) not in swept)
            if key == "tracking" and (*keys[:-1], "tilt_deg") not in swept:
                drops += ("tilt_deg",)  # applied only where the value is "single_axis"
            per_target.append(drops)
        out.append(Parameter(**{**_fields(p), "drops": tuple(per_target)}))
    return out


def _fields(param):
    return {name: getattr(param, name) for name in Parameter.__dataclass_fields__}


def _format_number(value):
    text = f"{value:.4g}"
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def _format_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return _format_number(value)
    return _sanitize(str(value))


def _sanitize(text):
    return re.sub(r"[^\w.\-+]+", "-", text.strip()).strip("-") or "x"


def _short(value, limit=60):
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
            parts.append([f"{param.alias}{sep}{_format_number(float(c))}" for c in codes[:, j]])
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
        for unit in self._units:
            key = tuple([codes[j] for j in self._unit_params[unit]])
            hit = self._memo[unit].get(key)
            if hit is None:
                return self._full(index, code_row, tag)
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
                alone.append(f"{param.path} = {_short(param.value(code), 40)}")
        if alone:
            return f" [swept: {'; '.join(alone)}]"
        values = "; ".join(f"{p.path} = {_short(p.value(c), 30)}"
                           for p, c in zip(self._params, code_row))
        return f" [the combination {values}]"


def _assign(root, keys, value, drops=()):
    """Set ``root[keys...] = value``, copying the containers on the path (never mutating)."""
    node = root
    for depth, key in enumerate(keys[:-1]):
        child = node[key] if (isinstance(node, list) or key in node) else {}
        year_table = depth + 1 == len(keys) - 1 and isinstance(keys[-1], int)
        if year_table and isinstance(child, dict):
            # A year table: its keys may be str ("2030", from TOML) or int.
            child = {int(k) if str(k).isdigit() else k: v for k, v in child.items()}
        elif isinstance(child, list):
            child = list(child)
        elif isinstance(child, dict):
            child = dict(child)
        else:
            child = {}
        node[key] = child
        node = child
    node[keys[-1]] = value
    for name in drops:
        if isinstance(node, dict):
            node.pop(name, None)


def validate_points(spec, points, builder=None, progress=None):
    """Validate every point; return the distinct physics configurations and the timing.

    Parameters
    ----------
    spec : SweepSpec
    points : Points
    builder : PointBuilder, optional
    progress : callable, optional
        Called with the number of points validated so far, now and then.

    Returns
    -------
    dict
        ``profiles``: {profile identity: (fleet, site)} for every distinct per-unit profile,
        ``groups``: number of distinct physical configurations of whole points,
        ``seconds_per_point``: validation time per point. [s]

    Raises
    ------
    ScenarioError
        The first invalid point, naming its index, tag and the parameter.
    """
    builder = builder or PointBuilder(spec)
    profiles = {}
    groups = set()
    seen = {}
    start = time.perf_counter()
    for i, (row, tag) in enumerate(zip(points.codes, points.tags)):
        scenario = builder.scenario(i, row, tag)
        site = (scenario.site.latitude, scenario.site.longitude, scenario.site.altitude_m)
        ids = []
        for fleet_cfg in scenario.fleets:
            # Memoised fleet tables are shared between points: hash each one once. The
            # entry holds the fleet itself, so its id cannot be reused by another object.
            known = seen.get(id(fleet_cfg))
            if known is None or known[1] is not fleet_cfg:
                known = (json.dumps(fleet_cfg.physics_key(), sort_keys=True, default=str),
                         fleet_cfg)
                seen[id(fleet_cfg)] = known
            ident = (known[0], site)
            profiles.setdefault(ident, (fleet_cfg, scenario.site))
            ids.append(ident)
        groups.add((scenario.years, tuple(ids)))
        if progress is not None and i % 1000 == 999:
            progress(i + 1)
    elapsed = time.perf_counter() - start
    return {"profiles": profiles, "groups": len(groups),
            "seconds_per_point": elapsed / max(len(points), 1)}


def estimate_cost(spec, points, check, workers=1):
    """Rough cost of running a sweep, for ``--dry-run``.

    Parameters
    ----------
    spec : SweepSpec
    points : Points
    check : dict
        The result of :func:`validate_points`.
    workers : int
        Processes sharing the per-point work.

    Returns
    -------
    dict
        ``profiles_s`` (distinct profiles x :data:`PROFILE_COST_S`), ``points_s`` (validation
        measured, kernel assumed, divided among workers) and ``total_s``. [s]
    """
    n_years = spec.base.years[1] - spec.base.years[0] + 1
    n_fleets = len(spec.base.fleets)
    per_point = (check["seconds_per_point"] * 2  # on the client, and again on a worker
                 + SIMULATE_COST_S_PER_POINT_YEAR_FLEET * n_years * n_fleets)
    profiles_s = len(check["profiles"]) * PROFILE_COST_S
    points_s = len(points) * per_point / max(workers, 1)
    return {"profiles_s": profiles_s, "points_s": points_s, "total_s": profiles_s + points_s,
            "seconds_per_point": per_point}


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
    for (first, n_years, fleet_tech), members in groups.items():
        rows = np.asarray(members)
        stack = {name: np.stack([getattr(arrays_list[i], name) for i in members])
                 for name in ("delivered_mwh", "installed_mw", "curtailed_mwh", "avoided_tco2")}
        hours = arrays_list[members[0]].hours_in_year
        at = {y: y - first for y in kpi_years if 0 <= y - first < n_years}
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
    return out


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


# --------------------------------------------------------------------------- running chunks

@dataclass(frozen=True, eq=False)
class Context:
    """Everything a worker needs, sent once per worker.

    Attributes
    ----------
    spec : SweepSpec
    weather : pandas.DataFrame
        The canonical weather year all points share.
    weather_meta : dict
    profiles : dict of str to ndarray
        Every distinct per-unit profile of the sweep, by ``simulate.profile_key``. [MW/MW]
    techs : tuple of str
    full_annual : bool
        Also return each point's annual table.
    token : str
        Unique per run; workers keep one prepared state per token.
    """

    spec: SweepSpec
    weather: pd.DataFrame
    weather_meta: dict
    profiles: dict
    techs: tuple
    full_annual: bool
    token: str


@dataclass(frozen=True)
class ChunkTask:
    """One chunk: points ``start .. start + len(codes) - 1``."""

    chunk_id: int
    start: int
    codes: np.ndarray
    tags: tuple


class _ProfileDict:
    """A profile cache over the profiles shipped with the context (``get``/``put``)."""

    def __init__(self, profiles):
        self._profiles = profiles

    def get(self, key):
        return self._profiles.get(key)

    def put(self, key, profile):
        self._profiles[key] = profile


_WORKER_STATE = {}


def _worker_state(context):
    state = _WORKER_STATE.get(context.token)
    if state is None:
        _WORKER_STATE.clear()  # one sweep at a time per process
        state = {"builder": PointBuilder(context.spec), "cache": _ProfileDict(context.profiles)}
        _WORKER_STATE[context.token] = state
    return state


def run_chunk(context, task):
    """Simulate one chunk of points; the unit of work on every executor.

    Parameters
    ----------
    context : Context
    task : ChunkTask

    Returns
    -------
    tuple
        ``(chunk_id, points_frame, annual_frame or None)``.
    """
    from energysim.simulate import simulate_batch

    state = _worker_state(context)
    builder = state["builder"]
    indices = range(task.start, task.start + len(task.tags))
    scenarios = [builder.scenario(i, row, tag)
                 for i, row, tag in zip(indices, task.codes, task.tags)]
    arrays = simulate_batch(scenarios, context.weather, context.weather_meta, state["cache"])
    spec = context.spec
    columns = {"point": np.arange(task.start, task.start + len(task.tags), dtype=np.int64),
               "tag": np.asarray(task.tags, dtype=object)}
    columns.update(parameter_columns(spec.parameters, task.codes))
    columns.update(kpi_columns(arrays, [[f.technology for f in s.fleets] for s in scenarios],
                               spec.kpi_years, context.techs))
    frame = pd.DataFrame(columns)
    annual = (annual_frame(list(indices), task.tags, scenarios, arrays)
              if context.full_annual else None)
    return task.chunk_id, frame, annual


def _pool_init(context):
    global _POOL_CONTEXT
    _POOL_CONTEXT = context
    # Ctrl-C is the parent's to handle: it stops submitting, and workers end after their
    # current chunk instead of each printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_POOL_CONTEXT = None


def _pool_task(task):
    return run_chunk(_POOL_CONTEXT, task)


def _dask_task(context, task):
    return run_chunk(context, task)


def effective_workers(n_points, n_tasks, workers, min_points_per_worker=MIN_POINTS_PER_WORKER):
    """Local worker processes worth starting for ``n_points`` in ``n_tasks`` chunks. [int]

    Examples
    --------
    >>> effective_workers(1000, 4, 8), effective_workers(10_000, 40, 2)
    (1, 2)
    >>> effective_workers(10_000, 3, 8)
    3
    """
    return max(1, min(workers, n_tasks, n_points // max(min_points_per_worker, 1)))


def run_local(context, tasks, workers, on_result, min_points_per_worker=MIN_POINTS_PER_WORKER):
    """Run chunk tasks in this process or in a pool of worker processes.

    The context goes to each worker once, through the pool's initializer. Workers are
    started with ``forkserver`` (never a bare ``fork`` of a process that may already run
    numba's OpenMP threads, which aborts the child).

    Parameters
    ----------
    context : Context
    tasks : sequence of ChunkTask
    workers : int
        At most this many processes; 1 runs in this process.
    on_result : callable
        Called in this process with each ``run_chunk`` result, as chunks complete.
    min_points_per_worker : int
        Use no more workers than ``points / min_points_per_worker`` (at least one), since
        starting a worker costs more than a small sweep.
    """
    if not tasks:
        return
    workers = effective_workers(sum(len(task.tags) for task in tasks), len(tasks), workers,
                                min_points_per_worker)
    if workers <= 1:
        for task in tasks:
            on_result(run_chunk(context, task))
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    if "forkserver" in multiprocessing.get_all_start_methods():
        mp_context = multiprocessing.get_context("forkserver")
        # The server imports the simulation stack once; each worker forks from it ready.
        mp_context.set_forkserver_preload(["energysim.sweep", "energysim.simulate"])
    else:  # pragma: no cover - Windows, macOS without forkserver
        mp_context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp_context,
                               initializer=_pool_init, initargs=(context,))
    try:
        pending = {pool.submit(_pool_task, task) for task in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                on_result(future.result())
    except BaseException:
        # Interrupted (Ctrl-C) or failed: stop now. Chunks being computed are lost and
        # will be recomputed on --resume; completed ones are already on disk.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown(wait=True)


def run_dask(context, tasks, on_result, scheduler=None, dask_local=None):
    """Run chunk tasks on a Dask distributed cluster.

    The context (with every profile) is scattered to all workers once
    (``broadcast=True``); each task names it. Dask reschedules the tasks of a worker that
    dies; the results come back here, one per chunk, and the chunk store writes each chunk
    id once.

    Parameters
    ----------
    context : Context
    tasks : sequence of ChunkTask
    on_result : callable
        Called with each ``run_chunk`` result as chunks complete.
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:port``).
    dask_local : int, optional
        Start a ``LocalCluster`` of this many single-threaded worker processes on the
        loopback interface instead.
    """
    if not tasks:
        return
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as err:  # pragma: no cover - distributed is a test dependency
        raise EnergysimError("--scheduler/--dask-local need dask.distributed: "
                            "pip install 'energysim[distributed]'") from err
    cluster = None
    client = None
    try:
        if dask_local:
            cluster = LocalCluster(n_workers=int(dask_local), threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="20s")
            except OSError as err:
                raise EnergysimError(f"--scheduler {scheduler}: cannot connect: {err}") from None
        shared = client.scatter(context, broadcast=True, hash=False)
        futures = [client.submit(_dask_task, shared, task, pure=False,
                                 key=f"energysim-sweep-{context.token}-{task.chunk_id:05d}")
                   for task in tasks]
        for future in as_completed(futures):
            on_result(future.result())
            future.release()
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- the store

def chunk_name(chunk_id):
    """File name of a chunk. [str]"""
    return f"chunk-{chunk_id:05d}.parquet"


def _temporary_name(path):
    # A hidden name in the same folder (so os.replace is atomic), unique per process.
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _atomic_parquet(frame, path, schema):
    path = Path(path)
    temporary = _temporary_name(path)
    try:
        to_parquet(frame, temporary, schema)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _atomic_text(text, path):
    path = Path(path)
    temporary = _temporary_name(path)
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def manifest_for(spec, points, chunk_size, full_annual, weather_sha256):
    """The manifest of a sweep's output folder (what a resume must match). [dict]"""
    from energysim import __version__
    from energysim.physics import PHYSICS_VERSION

    tags_sha = hashlib.sha256("\n".join(points.tags).encode()).hexdigest()
    return {
        "format": MANIFEST_FORMAT,
        "sweep": spec.name,
        "sweep_file": str(spec.path.resolve()),
        "sweep_sha256": spec.sweep_sha256,
        "sweep_digest": spec.sweep_digest,
        "base_file": str(spec.base_path.resolve()),
        "base_sha256": spec.base_sha256,
        "base_digest": spec.base.digest(),
        "weather_sha256": weather_sha256,
        "physics_version": PHYSICS_VERSION,
        "design": spec.kind,
        "parameters": [p.path for p in spec.parameters],
        "kpi_years": list(spec.kpi_years),
        "n_points": len(points),
        "chunk_size": chunk_size,
        "n_chunks": math.ceil(len(points) / chunk_size),
        "full_annual": bool(full_annual),
        "tags_sha256": tags_sha,
        "energysim_version": __version__,
    }


#: Manifest entries that decide the results: a resume with other values is refused
#: unless forced (``sweep_digest`` ignores comments and layout; the byte hash is recorded).
_CHANGE_KEYS = {"sweep_digest": "the sweep file", "base_digest": "the base scenario",
                "weather_sha256": "the weather data", "physics_version": "the physics code"}
#: Manifest entries that decide the chunk layout: never resumable when they differ.
_LAYOUT_KEYS = ("n_points", "chunk_size", "full_annual")


def open_store(folder, manifest, *, resume, overwrite, force_changed, where):
    """Prepare a sweep's output folder; return the ids of the chunks still to compute.

    Parameters
    ----------
    folder : Path
        ``OUT/<sweep-name>``.
    manifest : dict
        From :func:`manifest_for`.
    resume, overwrite, force_changed : bool
        See ``energysim sweep --help``.
    where : str
        The sweep file, for messages.

    Returns
    -------
    list of int

    Raises
    ------
    OutputExistsError
        The folder exists and neither ``resume`` nor ``overwrite`` was asked for.
    ScenarioError
        ``resume`` on a folder from a different or changed sweep.
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    n_chunks = manifest["n_chunks"]
    if folder.exists() and not resume:
        if not overwrite:
            raise OutputExistsError(f"{folder}: sweep output exists: pass --resume to complete "
                                    "it or --overwrite to start again")
        _remove_folder(folder)
    if folder.exists() and resume:
        if not manifest_path.is_file():
            raise OutputExistsError(f"{folder}: exists but holds no manifest.json (not a sweep "
                                    "output?): pass --overwrite to replace it")
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise OutputExistsError(f"{manifest_path}: unreadable ({err}): pass --overwrite "
                                    "to start again") from None
        for key in _LAYOUT_KEYS:
            if old.get(key) != manifest[key]:
                raise ScenarioError(f"{where}: cannot resume {folder}: {key} was "
                                    f"{old.get(key)!r} and is now {manifest[key]!r}: pass "
                                    "--overwrite to start again")
        changed = [what for key, what in _CHANGE_KEYS.items() if old.get(key) != manifest[key]]
        if changed and not force_changed:
            raise ScenarioError(f"{where}: {' and '.join(changed)} changed since the run in "
                                f"{folder} began: pass --force-changed to resume anyway (old "
                                "chunks are kept) or --overwrite to start again")
        if changed:
            manifest = {**manifest, "forced_changes": [*old.get("forced_changes", []), changed]}
            logger.warning("resuming %s although %s changed (--force-changed)", folder,
                           " and ".join(changed))
        for stale in itertools.chain(folder.glob(".*.tmp"), (folder / "chunks").glob(".*.tmp"),
                                     (folder / "annual").glob(".*.tmp")):
            stale.unlink(missing_ok=True)
    try:
        (folder / "chunks").mkdir(parents=True, exist_ok=True)
        if manifest["full_annual"]:
            (folder / "annual").mkdir(exist_ok=True)
        _atomic_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", manifest_path)
    except OSError as err:
        raise OutputError(f"{folder}: cannot write the sweep output: "
                          f"{err.strerror or err}") from None
    return [i for i in range(n_chunks) if not chunk_done(folder, i, manifest["full_annual"])]


def _remove_folder(folder):
    # Move aside first, so a crash mid-delete never leaves a half-removed sweep in place.
    aside = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.removing")
    try:
        os.replace(folder, aside)
        shutil.rmtree(aside)
    except OSError as err:
        raise OutputError(f"{folder}: cannot replace it: {err.strerror or err}") from None


def chunk_done(folder, chunk_id, full_annual):
    """True when a chunk's files are all in place. [bool]"""
    folder = Path(folder)
    done = (folder / "chunks" / chunk_name(chunk_id)).is_file()
    if full_annual:
        done = done and (folder / "annual" / chunk_name(chunk_id)).is_file()
    return done


def write_chunk(folder, spec, techs, result):
    """Write one chunk's files atomically (the annual table first, then the points).

    A chunk counts as done once its points file exists, so a crash between the two
    writes only costs recomputing that chunk; writing the same chunk twice (a rescheduled
    Dask task) replaces it with identical content.
    """
    chunk_id, frame, annual = result
    folder = Path(folder)
    try:
        if annual is not None:
            _atomic_parquet(annual, folder / "annual" / chunk_name(chunk_id), annual_schema())
        schema = {"point": ("-", "point index in the sweep"), "tag": ("-", "point tag"),
                  **parameter_schema(spec.parameters), **kpi_schema(spec.kpi_years, techs)}
        _atomic_parquet(frame, folder / "chunks" / chunk_name(chunk_id), schema)
    except OSError as err:
        raise OutputError(f"{folder}: cannot write chunk {chunk_id}: "
                          f"{err.strerror or err}") from None


def combine_chunks(folder, spec, techs, n_points, cn_units=False):
    """Combine the chunk files into ``points.parquet`` (atomically) and return the table.

    Raises
    ------
    OutputError
        A chunk is missing or unreadable, or the points are not exactly ``0 .. n - 1``
        once each.
    """
    import pyarrow.parquet as pq

    folder = Path(folder)
    paths = sorted((folder / "chunks").glob("chunk-*.parquet"))
    frames = []
    for path in paths:
        try:
            frames.append(pq.read_table(path).to_pandas())
        except (OSError, ValueError) as err:
            raise OutputError(f"{path}: unreadable chunk ({err}): delete it and pass "
                              "--resume") from None
    frame = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
    points = frame["point"].to_numpy() if len(frame) else np.array([], dtype=np.int64)
    if len(points) != n_points or len(np.unique(points)) != n_points:
        raise OutputError(f"{folder}: the chunks hold {len(points)} rows for {n_points} points "
                          f"({len(points) - len(np.unique(points))} repeated): pass --resume to "
                          "complete, or --overwrite to start again")
    frame = frame.sort_values("point", kind="stable", ignore_index=True)
    schema = {"point": ("-", "point index in the sweep"), "tag": ("-", "point tag"),
              **parameter_schema(spec.parameters), **kpi_schema(spec.kpi_years, techs)}
    if cn_units:
        frame, schema = _with_cn_columns(frame, schema)
    try:
        _atomic_parquet(frame, folder / "points.parquet", schema)
    except OSError as err:
        raise OutputError(f"{folder}: cannot write points.parquet: {err.strerror or err}") from None
    return frame


def _with_cn_columns(frame, schema):
    frame = frame.copy()
    schema = dict(schema)
    for column in list(frame.columns):
        if column.startswith("delivered_mwh_"):
            name = column.replace("delivered_mwh_", "delivered_yi_kwh_")
            frame[name] = units.mwh_to_yi_kwh(frame[column])
            schema[name] = ("亿千瓦时", schema.get(column, ("", ""))[1])
        elif column == "curtailed_mwh_total":
            frame["curtailed_yi_kwh_total"] = units.mwh_to_yi_kwh(frame[column])
            schema["curtailed_yi_kwh_total"] = ("亿千瓦时", schema[column][1])
        elif column.startswith("cumulative_avoided_tco2_"):
            name = column.replace("cumulative_avoided_tco2_", "cumulative_avoided_wan_tco2_")
            frame[name] = units.t_to_wan_t(frame[column])
            schema[name] = ("万吨CO2", schema.get(column, ("", ""))[1])
    return frame, schema


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
    spearman = {}
    for kpi in headline_kpis(spec.kpi_years, techs):
        y = frame[kpi].to_numpy(dtype=float)
        spearman[kpi] = {path: _spearman(x, y) for path, x in ranks.items()}
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
        lookup = {name: i for i, name in enumerate(names)}
        return np.array([lookup.get(v, np.nan) for v in column], dtype=float)
    return column.to_numpy(dtype=float)


def _spearman(x, y):
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
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
            return low, high, _format_value(lo), _format_value(hi)
        return low, high, param.labels[int(lo)], param.labels[int(hi)]
    q20, q80 = np.nanquantile(x, [0.2, 0.8])
    return (finite & (x <= q20), finite & (x >= q80), f"<= {_format_number(q20)}",
            f">= {_format_number(q80)}")


# --------------------------------------------------------------------------- the whole run

@dataclass(frozen=True)
class SweepOutcome:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    folder : Path
        ``OUT/<sweep-name>``.
    points : pandas.DataFrame
        The points table (also in ``points.parquet``).
    summary : dict
        From :func:`summarize` (also in ``summary.json``).
    n_chunks, computed_chunks : int
        Chunks in the sweep; chunks computed by this call (the rest were resumed).
    n_profiles : int
        Distinct per-unit profiles.
    seconds : dict
        Wall time of ``validate``, ``weather``, ``profiles``, ``chunks`` and ``total``. [s]
    """

    folder: Path
    points: pd.DataFrame
    summary: dict
    n_chunks: int
    computed_chunks: int
    n_profiles: int
    seconds: dict


def run_sweep(spec, out_dir, *, workers=1, scheduler=None, dask_local=None, chunk_size=None,
              full_annual=None, resume=False, overwrite=False, force_changed=False,
              cn_units=False, profile_cache=None, progress=None,
              min_points_per_worker=MIN_POINTS_PER_WORKER):
    """Run a sweep into ``out_dir/<name>/``, chunk by chunk, resumably.

    Parameters
    ----------
    spec : SweepSpec
    out_dir : str or Path
    workers : int
        Local worker processes at most (1: run in this process); see
        ``min_points_per_worker``.
    scheduler : str, optional
        A Dask scheduler address; the chunks run there.
    dask_local : int, optional
        Start a Dask ``LocalCluster`` of this many worker processes.
    chunk_size : int, optional
        Points per chunk (default :data:`DEFAULT_CHUNK_SIZE`; on resume the first run's).
    full_annual : bool, optional
        Also write each point's annual table under ``annual/`` (default False; on resume
        the first run's).
    resume, overwrite, force_changed : bool
        Complete an existing output; replace it; resume although inputs changed.
    cn_units : bool
        Add 亿千瓦时 / 万吨CO2 columns to ``points.parquet``.
    profile_cache : optional
        An on-disk profile cache (``energysim.cache.ProfileCache``).
    progress : callable, optional
        ``progress(event, value)``: ``("total", n_points_to_compute)`` once, then
        ``("points", n)`` as each chunk of ``n`` points is written.
    min_points_per_worker : int
        Small sweeps use fewer local workers (see :func:`run_local`).

    Returns
    -------
    SweepOutcome
    """
    from energysim.simulate import load_scenario_weather, profile_for, profile_key

    t0 = time.perf_counter()
    points = expand(spec)
    folder = Path(out_dir) / spec.name
    if folder.exists() and not resume and not overwrite:
        raise OutputExistsError(f"{folder}: sweep output exists: pass --resume to complete it "
                                "or --overwrite to start again")
    old = _read_manifest(folder) if resume else None
    if chunk_size is None:
        chunk_size = old["chunk_size"] if old else DEFAULT_CHUNK_SIZE
    if full_annual is None:
        full_annual = bool(old["full_annual"]) if old else False
    if chunk_size < 1:
        raise ScenarioError(f"--chunk-size {chunk_size}: give a number >= 1")
    builder = PointBuilder(spec)
    check = validate_points(spec, points, builder)
    t_validate = time.perf_counter()
    weather, meta = load_scenario_weather(spec.base)
    t_weather = time.perf_counter()
    manifest = manifest_for(spec, points, chunk_size, full_annual, meta.get("sha256"))
    todo = open_store(folder, manifest, resume=resume, overwrite=overwrite,
                      force_changed=force_changed, where=spec.where)
    _copy_inputs(folder, spec)
    profiles = {}
    if todo:
        for fleet_cfg, site in check["profiles"].values():
            key = profile_key(fleet_cfg, site, meta)
            if key not in profiles:
                profiles[key] = profile_for(fleet_cfg, site, weather, meta, profile_cache)
    t_profiles = time.perf_counter()
    techs = technologies(spec)
    context = Context(spec=spec, weather=weather, weather_meta=meta, profiles=profiles,
                      techs=techs, full_annual=full_annual, token=uuid.uuid4().hex)
    tasks = [ChunkTask(chunk_id=i, start=i * chunk_size,
                       codes=points.codes[i * chunk_size:(i + 1) * chunk_size],
                       tags=tuple(points.tags[i * chunk_size:(i + 1) * chunk_size]))
             for i in todo]
    if progress is not None:
        progress("total", sum(len(t.tags) for t in tasks))
    written = set()

    def on_result(result):
        chunk_id = result[0]
        if chunk_id in written:  # a duplicate result (rescheduled task): already stored
            return
        write_chunk(folder, spec, techs, result)
        written.add(chunk_id)
        if progress is not None:
            progress("points", len(result[1]))

    try:
        if scheduler or dask_local:
            run_dask(context, tasks, on_result, scheduler=scheduler, dask_local=dask_local)
        else:
            # Chunks run in this process reuse the tables validated above.
            _WORKER_STATE.clear()
            _WORKER_STATE[context.token] = {"builder": builder,
                                            "cache": _ProfileDict(context.profiles)}
            run_local(context, tasks, workers, on_result, min_points_per_worker)
    finally:
        _WORKER_STATE.clear()
    t_chunks = time.perf_counter()
    frame = combine_chunks(folder, spec, techs, len(points), cn_units=cn_units)
    summary = summarize(frame, spec, techs)
    summary["seconds"] = {"validate": t_validate - t0, "weather": t_weather - t_validate,
                          "profiles": t_profiles - t_weather,
                          "chunks": t_chunks - t_profiles,
                          "total": time.perf_counter() - t0}
    summary["n_profiles"] = len(check["profiles"])
    _atomic_text(json.dumps(summary, indent=2, ensure_ascii=False, default=_json_default) + "\n",
                 folder / "summary.json")
    return SweepOutcome(folder=folder, points=frame, summary=summary,
                        n_chunks=manifest["n_chunks"], computed_chunks=len(tasks),
                        n_profiles=len(check["profiles"]), seconds=summary["seconds"])


def _json_default(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return str(value)


def _read_manifest(folder):
    try:
        return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _copy_inputs(folder, spec):
    try:
        _atomic_text(spec.text, folder / "sweep.toml")
        _atomic_text(to_toml(spec.base), folder / "base-scenario.toml")
    except OSError as err:
        raise OutputError(f"{folder}: cannot write the sweep output: "
                          f"{err.strerror or err}") from None
