"""The sweep file: reading and checking it, parameter specs and dotted paths.

Owns the sweep file format (``base``, ``[design]``, ``[parameters]``, ``[output]``; see
:mod:`energysim.sweep`) as pydantic models (:class:`SweepFile`: keys, types, ranges; its
one-line messages come from the scenario's
:func:`~energysim.scenario.format_validation_error`), the checks against the base scenario
(parameter paths through :func:`~energysim.scenario_paths.resolve_path`, shared with
:meth:`~energysim.scenario.Scenario.with_changes`; keys that replace each other from
:data:`~energysim.scenario_paths.REPLACES`), the :class:`Parameter` and :class:`SweepSpec` it
parses into, and the tag aliases and labels; imports only ``errors``, ``scenario`` and
``scenario_paths`` from energysim and nothing from the rest of :mod:`energysim.sweep` (every
other module of the package builds on this one).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import sys
import typing
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from energysim.errors import ScenarioError
from energysim.scenario import (
    Scenario,
    check_name_bytes,
    decode_text,
    format_validation_error,
    load_scenario,
)
from energysim.scenario_paths import REPLACES, assign_path, resolve_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DESIGNS = ("grid", "random", "lhs")
DISTRIBUTIONS = ("uniform", "normal", "choice")
#: Default KPI years (Five-Year-Plan ends, the carbon peak and neutrality), kept where in range.
MILESTONE_YEARS = (2025, 2030, 2035, 2060)
#: Refuse sweeps larger than this before expanding them (memory). [points]
MAX_POINTS = 2_000_000


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
        return self.labels[int(code)] if self.discrete else format_number(float(code))

    def assign(self, data, value):
        """Set ``value`` at every target of ``data`` (copying containers on the paths)."""
        for keys, drops in zip(self.targets, self.drops):
            if keys[-1] == "tracking" and value != "single_axis":
                drops = tuple(d for d in drops if d != "tilt_deg")
            assign_path(data, keys, value, drops)


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
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"{where}: cannot read: {err.strerror or err}") from None
    text = decode_text(raw, where)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{where}: TOML syntax error: {err}") from None
    return parse_sweep(data, path, text=text, sha256=hashlib.sha256(raw).hexdigest())


def parse_sweep(data, path, text="", sha256=""):
    """Check a sweep given as a parsed TOML table; see :func:`load_sweep`."""
    path = Path(path)
    where = str(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: a sweep is a TOML table")
    try:
        sweep = SweepFile.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(
            err, data, where, location=_location, allowed=_allowed_keys, shown=_shown)) from None
    base_path = Path(sweep.base).expanduser()
    if not base_path.is_absolute():
        base_path = path.resolve().parent / base_path
    if not base_path.is_file():
        raise ScenarioError(f"{where} base = {sweep.base!r}: no such scenario file ({base_path})")
    base = load_scenario(base_path)
    base_dict = base.to_dict()

    try:
        check_name_bytes(sweep.name or path.stem)  # the output folder's name, staged
    except ValueError as err:
        raise ScenarioError(f"{where} name = {sweep.name or path.stem!r}: {err}") from None
    kind = sweep.design.kind
    parameters = [_parameter(name, entry, kind, base, base_dict, where)
                  for name, entry in sweep.parameters.items()]
    _check_overlaps(parameters, where)
    _check_exclusive(parameters, where)
    parameters = _set_drops(_unique_aliases(parameters, where))
    if kind == "grid":
        n_points = math.prod(len(p.levels) for p in parameters)
        if n_points > MAX_POINTS:
            raise ScenarioError(f"{where} [parameters]: the grid has {n_points:,} points: at most "
                                f"{MAX_POINTS:,} are allowed; use kind = \"lhs\" with samples")

    first, last = base.years
    years = sweep.output.years
    if years is not None:
        bad = [y for y in years if not first <= y <= last]
        if bad:
            raise ScenarioError(f"{where} [output] years = {years!r}: {bad[0]} is outside the "
                                f"base scenario's years {first}..{last}")
        kpi_years = tuple(sorted(set(years)))
    else:
        kpi_years = tuple(y for y in MILESTONE_YEARS if first <= y <= last) or (last,)

    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return SweepSpec(path=path, name=sweep.name or path.stem, kind=kind,
                     samples=sweep.design.samples, seed=sweep.design.seed,
                     parameters=tuple(parameters), base=base, base_path=base_path,
                     base_dict=base_dict, kpi_years=kpi_years, sweep_sha256=sha256,
                     sweep_digest=digest, base_sha256=_file_sha256(base_path), text=text)


def _file_sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the file's shape

def _say(text):
    """Any failure of the type it wraps (an item of a list too) reads ``text``.

    Pydantic checks the type and range; the message says what is allowed in the sweep
    file's words ("give a whole number in 1..2000000", not "Input should be ...").
    """
    def wrap(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("allowed", text) from None
    return WrapValidator(wrap)


def _required(hint):
    """A key left out (``None``) reads ``<key> missing: <hint>``."""
    def check(value):
        if value is None:
            raise PydanticCustomError("missing", hint)
        return value
    return AfterValidator(check)


def _finite_levels(levels):
    for value in levels:
        if isinstance(value, float) and not math.isfinite(value):
            raise PydanticCustomError("finite_number", f"{value} is not a finite number: "
                                      "give finite values")
    return levels


def _unique(labels):
    if len(set(labels)) != len(labels):
        raise PydanticCustomError("allowed", "labels must be unique")
    return labels


def _table(text):
    """A value that is not a TOML table reads ``text``."""
    def check(value):
        if not isinstance(value, dict):
            raise PydanticCustomError("allowed", text)
        return value
    return BeforeValidator(check)


def _folder_name(name):
    if name in (".", ".."):
        raise PydanticCustomError("allowed", _NAME_RULE)
    return name


_NAME_RULE = "a sweep name is a folder name: use letters, digits, '-', '_', '.'"
_WORD = r"[A-Za-z][\w\-]*"  # an alias, or the name of a linked parameter
#: A number of the sweep file: TOML integer or float, never true/false, nan or inf.
Number = Annotated[Union[int, float], _say("must be a finite number")]
#: Values of a list, ``values = [..]`` or ``dist = "choice"``: anything a key can take.
Levels = Annotated[list[Any], Field(min_length=1), _say("give a list of at least one value"),
                   AfterValidator(_finite_levels)]
Labels = Annotated[list[Annotated[str, StringConstraints(pattern=r"\S")]],
                   _say("give one non-empty string per value"), AfterValidator(_unique)]


class _SweepModel(BaseModel):
    # strict: a number is a TOML number (not true/false, not text); finite numbers only.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Design(_SweepModel):
    """``[design]``: how points are chosen."""

    kind: Annotated[Literal[DESIGNS],
                    _say(f"allowed: {', '.join(repr(d) for d in DESIGNS)}")] = "grid"
    samples: Optional[Annotated[int, Field(ge=1, le=MAX_POINTS),
                                _say(f"give a whole number in 1..{MAX_POINTS}")]] = Field(
        None, validate_default=True, description="points of a random or lhs design")
    seed: Annotated[int, Field(ge=0), _say("give a whole number >= 0")] = Field(
        0, description="seed of the random draws (random and lhs only)")

    @field_validator("samples", "seed")
    @classmethod
    def _sampled_designs_only(cls, value, info):
        # samples is validated when left out (None); seed only when given.
        kind = info.data.get("kind")
        if kind == "grid" and value is not None:
            raise PydanticCustomError("allowed", f"{info.field_name} is for kind = \"random\" or "
                                      "\"lhs\"; a grid takes every combination")
        if kind in ("random", "lhs") and value is None:
            raise PydanticCustomError("missing", f"kind = {kind!r} needs samples = <number of "
                                      "points>")
        return value


class Output(_SweepModel):
    """``[output]``: what the points table holds besides the parameters."""

    years: Optional[Annotated[list[int], Field(min_length=1), _say("give a list of years")]] = None


class _Spec(_SweepModel):
    # Any entry may set its value at several paths (then its key is a name) and may
    # name itself in tags.
    paths: Optional[Annotated[list[str], Field(min_length=1),
                              _say("give a list of parameter paths")]] = None
    alias: Optional[Annotated[str, StringConstraints(pattern=f"^{_WORD}$"),
                              _say("give a short word (letters, digits, '_', '-')")]] = None


class ValuesSpec(_Spec):
    """``{ values = [..], labels = [..] }``: a list of values with their tag labels."""

    values: Levels
    labels: Optional[Labels] = None

    @field_validator("labels")
    @classmethod
    def _one_per_value(cls, labels, info):
        values = info.data.get("values")
        if labels is not None and values is not None and len(labels) != len(values):
            raise PydanticCustomError("allowed", f"give one non-empty string per value "
                                      f"({len(values)})")
        return labels


class ChoiceSpec(ValuesSpec):
    """``{ dist = "choice", values = [..] }``: a level drawn at random."""

    dist: Literal["choice"]


class RangeSpec(_Spec):
    """``{ start, stop, step }``: an inclusive range."""

    start: Number
    stop: Number
    step: Number

    @model_validator(mode="after")
    def _not_empty(self):
        if self.step <= 0 or self.stop < self.start:
            raise PydanticCustomError("allowed", "empty range: give stop >= start and step > 0")
        count = self.count()
        if count > MAX_POINTS:
            raise PydanticCustomError("allowed", f"the range has {count:,} values: at most "
                                      f"{MAX_POINTS:,}")
        return self

    def count(self):
        """Values of the range, ``stop`` included when it lies on the grid. [1]"""
        return math.floor((self.stop - self.start) / self.step + 1e-9) + 1

    def levels(self):
        """The values, float-safe: 1.1 + 2 * 0.1 is 1.3. [list]"""
        start, step = self.start, self.step
        if all(isinstance(v, int) for v in (start, self.stop, step)):
            return [start + i * step for i in range(self.count())]
        return [float(f"{start + i * step:.12g}") for i in range(self.count())]


class UniformSpec(_Spec):
    """``{ dist = "uniform", low, high }``."""

    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise PydanticCustomError("allowed", "a uniform distribution needs low < high")
        return self


class NormalSpec(_Spec):
    """``{ dist = "normal", mean, sd, low, high }``, truncated to ``[low, high]`` if given."""

    dist: Literal["normal"]
    mean: Number
    sd: Number
    low: Optional[Number] = None
    high: Optional[Number] = None

    @field_validator("sd")
    @classmethod
    def _positive(cls, sd):
        if not sd > 0:
            raise PydanticCustomError("allowed", "a normal distribution needs sd > 0")
        return sd

    @model_validator(mode="after")
    def _ordered(self):
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise PydanticCustomError("allowed", "truncation bounds need low < high")
        return self


class _UnknownDist(_SweepModel):
    # A table whose dist is none of DISTRIBUTIONS: fails on dist alone, naming them.
    model_config = ConfigDict(extra="allow")
    dist: Annotated[Literal[DISTRIBUTIONS], _say(
        f"unknown distribution; allowed: {', '.join(repr(d) for d in DISTRIBUTIONS)}")]


# The model of each kind of [parameters] table, by the tag _entry_kind gives it.
_SPEC_MODELS = {"values": ValuesSpec, "range": RangeSpec, "uniform": UniformSpec,
               "normal": NormalSpec, "choice": ChoiceSpec, "dist": _UnknownDist}
_SPEC_KEYS = frozenset().union(*(m.model_fields for m in _SPEC_MODELS.values()))


def _entry_kind(value):
    # The tag of an entry; None: neither a list nor a table of spec keys (a single value).
    if isinstance(value, list):
        return "list"
    if not isinstance(value, dict) or not _SPEC_KEYS & set(value):
        return None
    if "dist" in value:
        return value["dist"] if value["dist"] in DISTRIBUTIONS else "dist"
    return "range" if {"start", "stop", "step"} & set(value) else "values"


#: One ``[parameters]`` entry: a list of values, or a values, range or distribution table.
Entry = Annotated[
    Union[tuple([Annotated[Levels, Tag("list")],
                 *(Annotated[model, Tag(tag)] for tag, model in _SPEC_MODELS.items())])],
    Discriminator(_entry_kind, custom_error_type="allowed", custom_error_message=(
        "give a list of values [..], { start, stop, step }, { values = [..], labels = [..] } "
        "or { dist = \"uniform\" | \"normal\" | \"choice\", .. } "
        "(a single value belongs in the base scenario)"))]


def _parameter_table(table):
    if table is None:
        return None  # left out: _required says so
    if not isinstance(table, dict) or not table:
        raise PydanticCustomError("allowed", "give at least one \"path\" = [values]")
    return dict(_flatten_parameters(table))


class SweepFile(_SweepModel):
    """A sweep file as written: its keys, types and ranges (the base is not read here)."""

    base: Annotated[Optional[Annotated[str, StringConstraints(pattern=r"\S"),
                                       _say("give the base scenario's path as a string")]],
                    _required("give base = \"path/to/scenario.toml\" (relative to the sweep "
                              "file)")] = Field(None, validate_default=True)
    name: Optional[Annotated[str, StringConstraints(pattern=r"^[\w.\-+]+$"), _say(_NAME_RULE),
                             AfterValidator(_folder_name)]] = None
    description: Optional[Annotated[str, _say("give the description as text")]] = None
    design: Annotated[Design, _table("give a [design] table")] = Design()
    parameters: Annotated[Optional[dict[str, Entry]], BeforeValidator(_parameter_table),
                          _required("give at least one \"path\" = [values]")] = Field(
        None, validate_default=True)
    output: Annotated[Output, _table("give an [output] table")] = Output()


def _location(loc, data):
    """``(top level) key``, ``[design] kind``, ``[parameters] <path> <key>``."""
    if not loc:
        return "(top level)"
    head, rest = str(loc[0]), list(loc[1:])
    if head == "parameters" and rest:
        path = _printable(rest[0])
        keys = [str(k) for k in rest[2:] if not isinstance(k, int)]  # rest[1]: the entry tag
        return " ".join(("[parameters]", path, *keys[:1]))
    if rest:
        return f"[{head}] {_printable(rest[0])}"
    if head not in SweepFile.model_fields:
        return f"(top level) {_printable(head)}"  # an unknown key
    table = head in ("parameters", "design", "output") and isinstance(data.get(head, {}), dict)
    return f"[{head}]" if table else head


def _shown(value):
    # The value given, as the line shows it after "=": lists and tables too, cut short.
    if isinstance(value, (dict, list)):
        return short_json(value)
    return None if value is None else repr(value)


def _allowed_keys(loc, data):
    model = SweepFile
    if len(loc) >= 2:
        model = {"design": Design, "output": Output}.get(loc[0])
        if loc[0] == "parameters" and len(loc) >= 4:
            model = _SPEC_MODELS.get(loc[2])
    return list(model.model_fields) if model is not None else []


def _printable(key):
    # A quoted TOML key may hold a line break; the message must stay one line.
    text = str(key)
    return text if text.isprintable() else repr(text)


def _flatten_parameters(table, prefix=""):
    # TOML turns an unquoted dotted key (grid.export_limit_mw = ...) into nested tables:
    # a nested table that is not itself a spec is a path prefix.
    out = []
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and not _SPEC_KEYS & set(value):
            out.extend(_flatten_parameters(value, path))
        else:
            out.append((path, value))
    return out


# --------------------------------------------------------------------------- parameters

def _parameter(path, entry, design, base, base_dict, where):
    """A :class:`Parameter` from a validated entry: its paths resolved against the base."""
    head = f"{where} [parameters] {_printable(path)}"
    if isinstance(entry, list):
        entry = ValuesSpec.model_construct(values=entry)  # validated as Levels already
    if isinstance(entry, (UniformSpec, NormalSpec, ChoiceSpec)) and design == "grid":
        raise ScenarioError(f"{head} dist = {entry.dist!r}: distributions need [design] kind = "
                            "\"random\" or \"lhs\"; a grid takes a list or "
                            "{ start, stop, step }")
    if entry.paths is not None:
        # A linked parameter: one value set at several paths (e.g. the build-out pace of
        # every fleet); the key is its name.
        if not re.fullmatch(_WORD, path):
            raise ScenarioError(f"{head}: a parameter with paths = [..] is named by a plain word "
                                "(e.g. pace = { paths = [..], values = [..] })")
        if path in ("point", "tag"):
            raise ScenarioError(f"{head}: {path!r} names a column of the points table: choose "
                                "another name")
        targets = tuple(resolve_path(x, base, base_dict, where) for x in entry.paths)
        if len(set(targets)) != len(targets):
            raise ScenarioError(f"{head} paths = {short_json(entry.paths)}: a path is given twice")
    else:
        targets = (resolve_path(path, base, base_dict, where),)
    dist, labels, tabular = {}, (), False
    if isinstance(entry, (UniformSpec, NormalSpec)):
        kind, levels = entry.dist, []
        dist = entry.model_dump(include={"low", "high", "mean", "sd"}, exclude_none=True)
    else:
        if isinstance(entry, RangeSpec):
            kind, levels, labels = "range", entry.levels(), None
        else:
            kind, levels, labels = getattr(entry, "dist", "values"), entry.values, entry.labels
        if labels is None:
            labels = [f"v{i}" if isinstance(v, (dict, list)) else format_value(v)
                      for i, v in enumerate(levels)]
        else:
            labels = [_sanitize(x) for x in labels]
        # Tables, lists or values of mixed kinds: the points table holds their label.
        tabular = (any(isinstance(v, (dict, list)) for v in levels)
                   or len({_kind_of(v) for v in levels}) > 1)
    return Parameter(path=path, targets=targets, alias=entry.alias or "", kind=kind,
                     levels=tuple(levels), labels=tuple(labels), tabular=tabular, dist=dist)


def _kind_of(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _check_overlaps(parameters, where):
    for a, b in itertools.combinations(parameters, 2):
        for ka, kb in itertools.product(a.targets, b.targets):
            short, long = sorted((ka, kb), key=len)
            if long[:len(short)] == short:
                raise ScenarioError(f"{where} [parameters] {b.path}: overlaps {a.path} "
                                    "(the same key, or one inside the other): sweep one of them")


def _table_and_key(keys):
    # ("grid", "emission_factor_t_per_mwh", 2060) -> (("grid",), "emission_factor_t_per_mwh")
    if isinstance(keys[-1], int):
        keys = keys[:-1]
    return keys[:-1], keys[-1]


def _exclusive(key, other):
    # Keys that replace each other (capacity_mw and capacity_wan_kw), not one way only
    # (roughness_length_m replaces the wind_profile derived from it, which may be given).
    return other in REPLACES.get(key, ()) and key in REPLACES.get(other, ())


def _check_exclusive(parameters, where):
    """Keys of one table that replace each other (:data:`REPLACES`) cannot both be swept."""
    seen = []
    for param in parameters:
        for keys in param.targets:
            table, key = _table_and_key(keys)
            for other, other_table, other_key in seen:
                if other_table == table and _exclusive(key, other_key):
                    raise ScenarioError(
                        f"{where} [parameters] {_printable(param.path)}: sets {key}, which "
                        f"excludes {other_key} set by {_printable(other.path)} (a table takes "
                        "one of them): sweep one of them")
            seen.append((param, table, key))


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
            drops = tuple(d for d in REPLACES.get(key, ()) if (*keys[:-1], d) not in swept)
            if key == "tracking" and (*keys[:-1], "tilt_deg") not in swept:
                drops += ("tilt_deg",)  # applied only where the value is "single_axis"
            per_target.append(drops)
        out.append(Parameter(**{**_fields(p), "drops": tuple(per_target)}))
    return out


def _fields(param):
    return {name: getattr(param, name) for name in Parameter.__dataclass_fields__}


def format_number(value):
    """A number as short tag text: 4 significant digits, exponent without padding."""
    return _tidy_exponent(f"{value:.4g}")


def format_numbers(values):
    """Many numbers as :func:`format_number` text, in one pass. [list of str]

    Parameters
    ----------
    values : iterable of float
        E.g. ``ndarray.tolist()`` (a sweep's tags format a million numbers).
    """
    texts = [f"{value:.4g}" for value in values]
    return [_tidy_exponent(text) if "e" in text else text for text in texts]


def _tidy_exponent(text):
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def format_value(value):
    """A parameter value as it appears in tags and messages (TOML-like)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return format_number(value)
    return _sanitize(str(value))


def _sanitize(text):
    return re.sub(r"[^\w.\-+]+", "-", text.strip()).strip("-") or "x"


def short_json(value, limit=60):
    """``value`` as JSON, cut to ``limit`` characters with '...'."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
