"""The scenario schema walked as data: every key a user can set, its type and its bounds.

Both the schema-generated bad-input corpus (``test_schema_corpus.py``) and the property
test of ``run_scenario`` (``test_run_properties.py``) read the pydantic models of
:mod:`energysim.scenario` through these helpers, so a key added to the schema is covered
without writing a case by hand.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

import annotated_types
from pydantic import BaseModel

from energysim.scenario import Scenario

#: Fields of the models that are not keys a user writes.
NOT_USER_KEYS = {"base_dir"}


@dataclass(frozen=True)
class Key:
    """One key of the schema.

    Attributes
    ----------
    path : tuple
        Where it lives in a scenario dict, e.g. ``("pv", 0, "tilt_deg")``.
    kind : str
        ``"number"``, ``"integer"``, ``"text"``, ``"choice"``, ``"bool"``, ``"years"``
        (a year -> number table), ``"list"``, ``"pair"`` or ``"table"``.
    required : bool
    bounds : dict
        ``ge``/``gt``/``le``/``lt``/``min_length``/``max_length`` from the declaration.
    choices : tuple
        The allowed values of a ``"choice"``.
    """

    path: tuple
    kind: str
    required: bool
    bounds: dict
    choices: tuple = ()

    @property
    def name(self):
        """The key's own name (last path element). [str]"""
        return self.path[-1]


def _strip_optional(annotation):
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
        return args  # a real union: several kinds
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _kind(annotation):
    inner = _strip_optional(annotation)
    if isinstance(inner, list):  # Union[float, YearPoints]: a number or a year table
        # Union[str, list[str]] ([weather] source: a file, or a list of files): text
        return "text" if str in inner else "number"
    origin = typing.get_origin(inner)
    if origin is typing.Literal:
        return "choice"
    if origin is dict:
        return "years"
    if origin is tuple:
        return "pair"
    if origin is list:
        args = typing.get_args(inner)
        if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return "tables"
        return "list"
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return "table"
    return {bool: "bool", int: "integer", float: "number", str: "text"}.get(inner, "other")


def _bounds(field):
    out = {}
    for meta in field.metadata:
        for name, cls in (("ge", annotated_types.Ge), ("gt", annotated_types.Gt),
                          ("le", annotated_types.Le), ("lt", annotated_types.Lt),
                          ("min_length", annotated_types.MinLen),
                          ("max_length", annotated_types.MaxLen)):
            if isinstance(meta, cls):
                out[name] = getattr(meta, name)
    return out


def model_of(annotation):
    """The pydantic model inside ``annotation`` (a table or a list of tables), or None."""
    inner = _strip_optional(annotation)
    if typing.get_origin(inner) is list:
        inner = typing.get_args(inner)[0]
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def walk(model=Scenario, prefix=()):
    """Every key of ``model`` and of its nested tables, depth first. [iterator of Key]

    A list of tables (``[[pv]]``) is walked at index 0.
    """
    for name, field in model.model_fields.items():
        if name in NOT_USER_KEYS:
            continue
        kind = _kind(field.annotation)
        path = (*prefix, name)
        choices = ()
        if kind == "choice":
            choices = typing.get_args(_strip_optional(field.annotation))
        yield Key(path, kind, field.is_required(), _bounds(field), choices)
        sub = model_of(field.annotation)
        if sub is not None:
            yield from walk(sub, (*path, 0) if kind == "tables" else path)


def get(data, path):
    """The value at ``path`` in a nested dict/list, or KeyError."""
    for item in path:
        data = data[item]
    return data


def put(data, path, value):
    """Set (or with ``value is DELETE`` remove) the value at ``path``; make missing tables."""
    for item in path[:-1]:
        if isinstance(data, dict):
            data = data.setdefault(item, {})
        else:
            data = data[item]
    if value is DELETE:
        data.pop(path[-1], None)
    else:
        data[path[-1]] = value


DELETE = object()
