"""The turbine types of windpowerlib's OEDB library, read without importing windpowerlib.

Owns the list of turbine names that have a power curve and the check of a name against it
(one ``ValueError`` line listing the closest names). Imports nothing from energysim and no
heavy library: the list is windpowerlib's bundled ``oedb/turbine_data.csv``, located with
:func:`importlib.util.find_spec` (which does not execute the package) and read with the
:mod:`csv` module, so that :mod:`energysim.scenario` can check a name without loading
windpowerlib, pandas or the physics code. :mod:`energysim.physics.wind` uses the same list.
"""

import csv
import difflib
import functools
import importlib.util
from pathlib import Path


@functools.cache  # the installed library's file: read once per process, immutable tuple
def _names_with_power_curve():
    spec = importlib.util.find_spec("windpowerlib")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("windpowerlib is not installed: it is needed to check turbine names")
    table = Path(next(iter(spec.submodule_search_locations))) / "oedb" / "turbine_data.csv"
    with open(table, encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        # windpowerlib reads the column with pandas: "True"/"False" (a blank is False).
        names = {row["turbine_type"] for row in rows
                 if row.get("has_power_curve", "").strip().lower() == "true"}
    return tuple(sorted(names))


def turbine_names():
    """
    Names of the turbine types in windpowerlib's OEDB library that have a power curve.

    Returns
    -------
    list of str
        Sorted turbine types, e.g. ``"E-115/3000"`` (rotor diameter [m] / power [kW]).
    """
    return list(_names_with_power_curve())


def check_turbine_name(name):
    """
    Return ``name`` if windpowerlib's OEDB library has a power curve for it.

    Parameters
    ----------
    name : str
        Turbine type, e.g. ``"E-115/3000"``.

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    ValueError
        If the library has no power curve for ``name``; the message lists the closest
        names.

    Examples
    --------
    >>> check_turbine_name("E-115/300")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: wind turbine 'E-115/300' is not in ... closest: E-115/3000, E-115/3200, ...
    """
    names = _names_with_power_curve()
    if name in names:
        return name
    close = closest_names(str(name), names)
    hint = (f"closest: {', '.join(close)}" if close
            else f"none close; {len(names)} types, see energysim.physics.wind.turbine_names()")
    raise ValueError(f"wind turbine {name!r} is not in windpowerlib's OEDB library "
                     f"(with a power curve): {hint}")


def closest_names(name, names, n=5, cutoff=0.6):
    """Up to ``n`` of ``names`` most similar to ``name``, ties in alphabetical order.

    Like :func:`difflib.get_close_matches`, which breaks ties in reverse alphabetical
    order (so "E-115/300" would suggest "E-115/3200" before "E-115/3000").

    Parameters
    ----------
    name : str
    names : iterable of str
    n : int
        At most this many names.
    cutoff : float
        Least similarity ratio kept. [1]

    Returns
    -------
    list of str
    """
    matcher = difflib.SequenceMatcher(b=name)
    scored = []
    for candidate in names:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            if score >= cutoff:
                scored.append((-score, candidate))
    return [candidate for _, candidate in sorted(scored)[:n]]


def rotor_diameter_m(turbine):
    """Rotor diameter of a turbine type of windpowerlib's OEDB library, or None. [m]

    ``None`` for a name the table does not hold (or holds without a diameter), and when
    windpowerlib is not installed: the check that needs it is then skipped.

    Examples
    --------
    >>> rotor_diameter_m("E-115/3000"), rotor_diameter_m("no such turbine")
    (116.0, None)
    """
    if not turbine:
        return None
    return _rotor_diameters().get(turbine)


@functools.cache  # the installed library's file: read once per process
def _rotor_diameters():
    spec = importlib.util.find_spec("windpowerlib")
    if spec is None or not spec.submodule_search_locations:
        return {}
    table = Path(next(iter(spec.submodule_search_locations))) / "oedb" / "turbine_data.csv"
    diameters = {}
    with open(table, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                diameters.setdefault(row["turbine_type"], float(row["rotor_diameter"]))
            except (KeyError, TypeError, ValueError):
                continue  # a row without a diameter
    return diameters
