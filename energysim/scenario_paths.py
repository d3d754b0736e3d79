"""Dotted parameter paths into a scenario: ``pv[utility-pv].tilt_deg``, ``grid.x[2060]``.

Owns the path syntax shared by sweep files (:mod:`energysim.sweep.spec`) and
:meth:`energysim.scenario.Scenario.with_changes`: resolving a path against a validated
scenario's model and dict (with one-line :class:`~energysim.errors.ScenarioError` messages
naming close matches), the keys a sweep may not set, the keys a set key replaces (unit
pairs such as ``capacity_wan_kw`` / ``capacity_mw``) and setting a value without mutating
the dict. Imports only ``errors`` from energysim and never ``scenario`` (which imports it):
the scenario's model class is taken from the scenario passed in.
"""

from __future__ import annotations

import difflib
import re
import types
import typing

from pydantic import BaseModel

from energysim.errors import ScenarioError

#: Top-level scenario keys a sweep or ``with_changes`` may not set, and why.
FIXED_KEYS = {
    "weather": "the weather is fixed in a sweep (one weather year is loaded for all points): "
               "run one sweep per weather source",
    "name": "the scenario name is fixed; points are told apart by their tag",
    "schema_version": "the schema version is fixed",
    "base_dir": "not a scenario key",
    "description": "the description does not change results",
    "output": "the run command's output options do not apply to sweeps: use [output] years",
}
#: Setting a key removes the keys it excludes from the same table (unless also set).
REPLACES = {
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
    # the wind profile law: the resolved roughness (or exponent) and its wind_profile name
    "roughness_length_m": ("shear_exponent", "wind_profile"),
    "shear_exponent": ("roughness_length_m", "wind_profile"),
}


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


def resolve_path(text, base, base_dict, where="<sweep>", table="[parameters] "):
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
    table : str
        Printed between ``where`` and the path in messages.

    Returns
    -------
    tuple
        Keys (str) and list indices (int); a year selector is the last key (int).

    Raises
    ------
    ScenarioError
        Unknown key or fleet (with close matches), or a path the sweep cannot vary.
    """
    # A quoted TOML key may hold a line break; the message must stay one line.
    head = f"{where} {table}{text if text.isprintable() else repr(text)}"
    root = type(base)
    segments = _split_path(text)
    fleets = {f.name: f.technology for f in base.fleets}
    head_name = next((n for n in sorted(fleets, key=len, reverse=True)
                      if text == n or text.startswith(n + ".")), None)
    if head_name is not None and (not segments or segments[0][0] not in _model_keys(root)):
        tech = fleets[head_name]
        raise ScenarioError(f"{head}: {head_name} is a {tech} fleet: write "
                            f"{tech}[{head_name}].<key>")
    if not segments:
        raise ScenarioError(f"{head}: not a parameter path: write table.key, pv[0].key, "
                            "wind[<fleet name>].key or table.key[<year>] (quoted in TOML)")
    model = root
    node = base_dict
    keys = []
    for depth, (key, selector) in enumerate(segments):
        allowed = _model_keys(model)
        if depth == 0 and key in FIXED_KEYS:
            raise ScenarioError(f"{head}: cannot be swept: {FIXED_KEYS[key]}")
        if key not in allowed:
            raise ScenarioError(f"{head}: {_unknown_key(key, model, allowed, base, depth, root)}")
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


def _unknown_key(key, model, allowed, base, depth, root):
    fleets = {f.name: f.technology for f in base.fleets}
    if depth == 0 and key in fleets:
        tech = fleets[key]
        return f"unknown key {key!r}: {key} is a {tech} fleet: write {tech}[{key}].<key>"
    close = difflib.get_close_matches(key, allowed, n=3, cutoff=0.5)
    table = "the scenario's top level" if model is root else f"[{model.__name__}]"
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


def assign_path(root, keys, value, drops=()):
    """Set ``root[keys...] = value``, copying the containers on the path (never mutating).

    Parameters
    ----------
    root : dict
        A scenario as a dict; its top-level containers on the path are replaced by copies.
    keys : tuple
        From :func:`resolve_path`.
    value : object
        The new value (in the unit its key names).
    drops : sequence of str
        Keys of the same table to remove (see :func:`replaced_keys`).
    """
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


def replaced_keys(keys, value, others=()):
    """Keys of the same table that setting ``keys`` to ``value`` removes.

    Parameters
    ----------
    keys : tuple
        From :func:`resolve_path`.
    value : object
        The value set (``tracking = "single_axis"`` also removes the default tilt).
    others : collection of tuple
        Other targets set at the same time: a key set explicitly is never removed.

    Returns
    -------
    tuple of str
    """
    key = keys[-1]
    drops = tuple(d for d in REPLACES.get(key, ()) if (*keys[:-1], d) not in others)
    if key == "tracking" and value == "single_axis" and (*keys[:-1], "tilt_deg") not in others:
        drops += ("tilt_deg",)
    return drops
