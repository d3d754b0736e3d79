"""Loading weather by name: ``builtin:shaoguan`` or a file, recognised by extension and content.

Owns :func:`load_weather`, the one entry point the rest of energysim uses, which picks the
reader for a path (EPW, TMY3, PVGIS TMY, energysim or declared plain CSV) or generates the
builtin year. It imports ``errors`` from energysim and, from this package, ``frame``,
``readers`` and ``generator``; no other weather module imports it.
"""

from __future__ import annotations

from pathlib import Path

from energysim.errors import WeatherDataError
from energysim.weather.frame import BUILTIN_SHAOGUAN, read_file_bytes
from energysim.weather.generator import builtin_shaoguan
from energysim.weather.readers import read_csv_weather, read_epw, read_pvgis_tmy, read_tmy3


def _sniff_csv(raw):
    head = raw[:4096].decode("utf-8-sig", errors="replace")
    lines = head.splitlines()
    if not lines:
        return "empty"
    if lines[0].startswith("# energysim weather") or lines[0].startswith("#"):
        return "energysim"
    if lines[0].lower().startswith("latitude"):
        return "pvgis"
    if len(lines) > 1 and lines[1].startswith("Date (MM/DD/YYYY)"):
        return "tmy3"
    return "plain"


def load_weather(source, *, base_dir=None, seed=0, csv_options=None):
    """Load weather from ``"builtin:shaoguan"`` or a file, by extension and content.

    Parameters
    ----------
    source : str or path-like
        ``"builtin:shaoguan"`` for the generated default year, or a path (relative to
        ``base_dir``) to a ``.epw``, TMY3 ``.csv``, PVGIS ``.json``/``.csv``, an
        energysim-written ``.csv``, or a plain ``.csv`` described by ``csv_options``.
    base_dir : str or path-like, optional
        Directory relative paths are resolved against (e.g. the scenario's folder).
    seed : int, default 0
        Seed of the generated builtin year.
    csv_options : dict, optional
        Keyword arguments of :func:`read_csv_weather` for a plain CSV.

    Returns
    -------
    data, meta

    Raises
    ------
    WeatherDataError
        ``<path>: <problem>: <what is allowed>`` for a missing file, a directory, an
        unreadable or truncated file, an unknown format, or a failed check.
    """
    if isinstance(source, str) and source.startswith("builtin:"):
        if source != BUILTIN_SHAOGUAN:
            raise WeatherDataError(
                f"{source}: unknown builtin weather: allowed {BUILTIN_SHAOGUAN!r}"
            )
        return builtin_shaoguan(seed)
    path = Path(source)
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    raw = read_file_bytes(path, "weather")
    suffix = path.suffix.lower()
    if suffix == ".epw":
        return read_epw(path)
    if suffix == ".json":
        return read_pvgis_tmy(path)
    if suffix == ".csv":
        kind = _sniff_csv(raw)
        if kind == "tmy3":
            return read_tmy3(path)
        if kind == "pvgis":
            return read_pvgis_tmy(path)
        if kind == "energysim" or csv_options:
            return read_csv_weather(path, **(csv_options or {}))
        if kind == "empty":
            raise WeatherDataError(f"{path}: the file is empty: expected hourly weather data")
        raise WeatherDataError(
            f"{path}: plain CSV of unknown layout: declare it in '# key = value' lines at "
            "the top of the file (time_column, timezone, interval_label, wind_height_m, "
            "latitude_deg, longitude_deg) or use EPW, TMY3 or PVGIS TMY"
        )
    raise WeatherDataError(
        f"{path}: unknown weather format {suffix or '(no suffix)'}: allowed .epw, .csv "
        "(TMY3, PVGIS, energysim or declared plain CSV), .json (PVGIS TMY) or "
        f"{BUILTIN_SHAOGUAN!r}"
    )
