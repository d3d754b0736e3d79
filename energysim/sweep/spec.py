"""The sweep file: reading and checking it, parameter specs and dotted paths.

Owns the sweep file format (``base``, ``[design]``, ``[parameters]``, ``[output]``; see
:mod:`energysim.sweep`), its checks and one-line messages, the :class:`Parameter` and
:class:`SweepSpec` it parses into, the parameter paths into the base scenario
(:func:`~energysim.scenario_paths.resolve_path`, shared with
:meth:`~energysim.scenario.Scenario.with_changes`), and the tag aliases and labels;
imports only ``errors``, ``scenario`` and ``scenario_paths`` from energysim and nothing from the rest of
:mod:`energysim.sweep` (every other module of the package builds on this one).
"""

from __future__ import annotations

import difflib
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

from energysim.errors import ScenarioError
from energysim.scenario import Scenario, check_name_bytes, decode_text, load_scenario
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


_TOP_KEYS = ("base", "name", "description", "design", "parameters", "output")
_DESIGN_KEYS = ("kind", "samples", "seed")
_OUTPUT_KEYS = ("years",)
_SPEC_KEYS = {"values", "labels", "alias", "start", "stop", "step", "dist", "low", "high",
              "mean", "sd", "paths"}
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
    try:
        check_name_bytes(name)
    except ValueError as err:
        raise ScenarioError(f"{where} name = {name!r}: {err}") from None

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
            raise ScenarioError(f"{head} paths = {short_json(paths)}: give a list of parameter paths")
        if path in ("point", "tag"):
            raise ScenarioError(f"{head}: {path!r} names a column of the points table: choose "
                                "another name")
        targets = tuple(resolve_path(x, base, base_dict, where) for x in paths)
        if len(set(targets)) != len(targets):
            raise ScenarioError(f"{head} paths = {short_json(paths)}: a path is given twice")
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
            f"{head} = {short_json(spec)}: give a list of values [..], {{ start, stop, step }}, "
            "{ values = [..], labels = [..] } or "
            "{ dist = \"uniform\" | \"normal\" | \"choice\", .. } "
            "(a single value belongs in the base scenario)")
    if spec_kind in ("values", "range", "choice"):
        if not levels:
            raise ScenarioError(f"{head} = []: give at least one value")
        for value in levels:
            if isinstance(value, float) and not math.isfinite(value):
                raise ScenarioError(f"{head} = {short_json(levels)}: {value} is not a finite number: "
                                    "give finite values")
        tabular = any(isinstance(v, (dict, list)) for v in levels)
        if labels is None:
            labels = [(f"v{i}" if isinstance(v, (dict, list)) else format_value(v))
                      for i, v in enumerate(levels)]
        else:
            if (not isinstance(labels, list) or len(labels) != len(levels)
                    or not all(isinstance(x, str) and x.strip() for x in labels)):
                raise ScenarioError(f"{head} labels = {short_json(labels)}: give one non-empty "
                                    f"string per value ({len(levels)})")
            if len(set(labels)) != len(labels):
                raise ScenarioError(f"{head} labels = {short_json(labels)}: labels must be unique")
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
            raise ScenarioError(f"{head} values = {short_json(values)}: give a list")
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
    text = f"{value:.4g}"
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
