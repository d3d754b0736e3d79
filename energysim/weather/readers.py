"""Weather file readers and the energysim weather CSV writer.

Owns reading EPW, TMY3, PVGIS TMY and plain or energysim-written CSV files into the
canonical frame (time zone and interval-label conversion, missing-value sentinels,
units), the coercion of typical years onto the non-leap nominal year
(:func:`to_typical_year`) and :func:`to_weather_csv`. Every reader ends in the shared
``_finish`` (canonical columns, typical year, :func:`check_weather`, metadata). It imports
``errors``, ``units`` and ``timeutils`` from energysim (plus pvlib, lazily) and, from this
package, only ``frame``, ``geometry`` and ``checks``.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from energysim import atomic, units
from energysim.errors import EnergysimWarning, WeatherDataError, describe_exception
from energysim.timeutils import ensure_utc, is_leap
from energysim.weather.checks import MAX_REPAIRABLE_GAP_H, check_weather
from energysim.weather.frame import (
    CANONICAL_COLUMNS,
    NOMINAL_YEAR,
    base_meta,
    canonical_frame,
    comment_header,
    decode_text,
    format_rows,
    local_wall,
    read_file_bytes,
    sha256_bytes,
    typical_index,
)
from energysim.weather.geometry import hourly_geometry, noon_offset_h, quiet_pvlib

# EPW "missing" sentinels (EnergyPlus Auxiliary Programs, weather file format).
_EPW_MISSING = {
    "ghi": 9999.0,
    "dni": 9999.0,
    "dhi": 9999.0,
    "temp_air": 99.9,
    "relative_humidity": 999.0,
    "atmospheric_pressure": 999999.0,
    "wind_speed": 999.0,
}
_EPW_FIELDS = 35  # data fields per EPW line
_EPW_HEADER_LINES = 8
HOURS_LEAP_YEAR = 8784
# Header names of typical-year products; an EPW naming one is coerced to NOMINAL_YEAR.
_TYPICAL_TAGS = ("CSWD", "TMY", "IWEC", "TYA", "TRY", "CTYW", "SWERA", "TYPICAL")


# ======================================================================================
# typical years and leap days
# ======================================================================================
def to_typical_year(data, year=NOMINAL_YEAR, *, utc_offset_h=0.0, where="weather"):
    """Coerce a typical-year frame (months from different years) onto one nominal year.

    Each row keeps its local standard-time month, day and hour and is given the nominal
    ``year``; rows are then sorted, so the result starts at local Jan 1 00:00. Rows of
    Feb 29 are dropped (energysim's rule: Feb 29 repeats Feb 28, see the module notes).
    Gaps are not filled here; :func:`check_weather` does that, with a record.

    Parameters
    ----------
    data : pandas.DataFrame
        Frame with a tz-aware, interval-beginning index (not modified).
    year : int, default 2005
        Nominal non-leap year.
    utc_offset_h : float, default 0
        Local standard-time offset whose calendar defines the months. [h]
    where : str
        Names the source in messages.

    Returns
    -------
    pandas.DataFrame
        The same rows on the nominal year, UTC index named ``time``.

    Raises
    ------
    WeatherDataError
        If ``year`` is a leap year, or two rows land on the same local hour.

    Examples
    --------
    >>> idx = pd.date_range("1999-12-31 16:00", periods=3, freq="h", tz="UTC")
    >>> out = to_typical_year(pd.DataFrame({"x": [1, 2, 3]}, index=idx), utc_offset_h=8)
    >>> str(out.index[0])
    '2004-12-31 16:00:00+00:00'
    """
    if is_leap(int(year)):
        raise WeatherDataError(
            f"{where}: nominal year {year} is a leap year: give a non-leap year (e.g. 2005)"
        )
    index = ensure_utc(pd.DatetimeIndex(data.index), where)
    wall = local_wall(index, utc_offset_h)
    keep = ~((wall.month == 2) & (wall.day == 29))
    wall = wall[keep]
    new_wall = pd.to_datetime(
        {
            "year": np.full(len(wall), int(year)),
            "month": wall.month,
            "day": wall.day,
            "hour": wall.hour,
            "minute": wall.minute,
        }
    )
    new_index = pd.DatetimeIndex(
        new_wall - pd.Timedelta(hours=float(utc_offset_h))
    ).tz_localize("UTC")
    out = data.loc[keep].copy()
    out.index = new_index.rename("time").as_unit("ns")
    dup = out.index.duplicated(keep=False)
    if dup.any():
        raise WeatherDataError(
            f"{where}: duplicate time stamps once coerced to the typical year in "
            f"{format_rows(out.index[dup], utc_offset_h)}: each calendar hour may appear once"
        )
    return out.sort_index()


# ======================================================================================
# readers
# ======================================================================================
def _finish(
    frame, meta, where, *, wind_height_m, typical, nominal_year=NOMINAL_YEAR, source_offset_h=None
):
    """Shared tail of every reader: canonical columns, typical year, checks, meta.

    ``source_offset_h`` is the calendar the source's months are defined on (UTC for
    PVGIS); the year is coerced on it first, then the non-leap year is rotated onto the
    local calendar, so a leap-year February in UTC never lands on a local Feb 29.
    """
    off = meta["utc_offset_h"]
    frame = canonical_frame(frame, wind_height_m)
    expected = None
    leap_year = _leap_calendar_year(frame.index, off)
    if not typical and leap_year is not None:
        # A whole calendar leap year (e.g. a 2020 EPW of 8,784 rows): simulated as a
        # typical year, Feb 29 dropped (every simulated leap year repeats Feb 28).
        typical = True
        meta["typical_year"] = True
        meta["repairs"].append(f"calendar year {leap_year} (a leap year) used as a typical "
                               "year on the non-leap nominal year")
    if typical:
        src_off = off if source_offset_h is None else float(source_offset_h)
        wall = local_wall(frame.index, src_off)
        n_feb29 = int(((wall.month == 2) & (wall.day == 29)).sum())
        frame = to_typical_year(frame, nominal_year, utc_offset_h=src_off, where=where)
        if src_off != off:
            frame = to_typical_year(frame, nominal_year, utc_offset_h=off, where=where)
        expected = typical_index(nominal_year, off)
        _record_feb29(meta, n_feb29, where)
    data, repairs = check_weather(
        frame,
        where,
        latitude=meta["latitude"],
        longitude=meta["longitude"],
        utc_offset_h=off,
        expected_index=expected,
    )
    meta["repairs"].extend(repairs)
    geom = hourly_geometry(data.index, meta["latitude"], meta["longitude"], 0.0)
    meta["solar_noon_offset_h"] = round(noon_offset_h(data["ghi"].to_numpy(), geom["solar_hour"]), 3)
    return data, meta


def _record_feb29(meta, n_hours, where):
    """Record (and warn) that ``n_hours`` of Feb 29 were dropped; nothing if none."""
    if n_hours:
        note = (f"{n_hours} hours of Feb 29 dropped (typical years are non-leap; "
                "energysim repeats Feb 28 in leap years)")
        meta["repairs"].append(note)
        warnings.warn(f"{where}: {note}", EnergysimWarning, stacklevel=3)


def _leap_calendar_year(index, utc_offset_h):
    """The year, if ``index`` is one whole local calendar leap year with its Feb 29. [int]

    ``None`` for anything else (a typical year, part of a year, several years).
    """
    if len(index) == 0:
        return None
    wall = local_wall(index, utc_offset_h)
    years = np.unique(wall.year)
    if len(years) != 1 or not is_leap(int(years[0])):
        return None
    has_feb29 = bool(((wall.month == 2) & (wall.day == 29)).any())
    # a whole year: within the repairable gaps of the 8,784 hours
    if not has_feb29 or len(index) < HOURS_LEAP_YEAR - MAX_REPAIRABLE_GAP_H:
        return None
    return int(years[0])


def read_epw(path, *, nominal_year=NOMINAL_YEAR):
    """Read an EnergyPlus weather (EPW) file into the canonical frame.

    EPW hour *h* covers (h-1, h] local standard time; :func:`pvlib.iotools.read_epw`
    labels it with the interval start, which is what energysim uses. The offset is the
    ``LOCATION`` header's time zone. Missing-value sentinels (9999 etc.) become NaN and go
    through :func:`check_weather`. Files that name a typical-year product in the header
    (CSWD, TMY, IWEC, ...) or splice months from several years are coerced onto
    ``nominal_year``.

    Parameters
    ----------
    path : str or path-like
        EPW file.
    nominal_year : int, default 2005
        Non-leap year for typical-year files.

    Returns
    -------
    data : pandas.DataFrame
        Canonical frame (wind at 10 m, the EPW convention).
    meta : dict
        See the module notes.

    Raises
    ------
    WeatherDataError
        If the file is missing, unreadable, truncated, not EPW, or fails the checks.
    """
    import pvlib

    path = Path(path)
    raw = read_file_bytes(path, "EPW")
    text = decode_text(raw, path, "EPW")
    lines = text.splitlines()
    if not lines or not lines[0].startswith("LOCATION"):
        raise WeatherDataError(
            f"{path}: first line is not an EPW LOCATION record: expected an EPW file"
        )
    if len(lines) <= _EPW_HEADER_LINES:
        raise WeatherDataError(f"{path}: no data lines after the EPW header: the file is truncated")
    for i, line in enumerate(lines[_EPW_HEADER_LINES:], start=_EPW_HEADER_LINES + 1):
        if not line.strip():
            continue
        nf = line.count(",") + 1
        if nf < _EPW_FIELDS:
            raise WeatherDataError(
                f"{path}: line {i} has {nf} fields: EPW data lines have {_EPW_FIELDS} "
                "(the file is truncated or damaged)"
            )
    try:
        with quiet_pvlib():
            df, m = pvlib.iotools.read_epw(io.StringIO(text))
    except Exception as exc:  # pvlib/pandas raise many types on malformed input
        raise WeatherDataError(
            f"{path}: cannot be parsed as EPW ({describe_exception(exc)}): expected an EPW file"
        ) from exc
    df = df.rename(columns={"atmospheric_pressure": "pressure"})
    for col, sentinel in _EPW_MISSING.items():
        col = "pressure" if col == "atmospheric_pressure" else col
        values = pd.to_numeric(df[col], errors="coerce").astype(float)
        bad = np.flatnonzero(values.isna().to_numpy() & df[col].notna().to_numpy())
        if bad.size:
            row = int(bad[0])
            raise WeatherDataError(
                f"{path}: line {_EPW_HEADER_LINES + 1 + row} {col} = {df[col].iloc[row]!r}: "
                f"EPW data fields are numbers ({bad.size} line(s) with text in {col})"
            )
        df[col] = values.where(values < sentinel)
    years = pd.Series(df["year"].to_numpy()).groupby(df["month"].to_numpy()).first()
    tag = " ".join(str(m.get(k, "")) for k in ("data_type", "city")).upper()
    comments = " ".join(lines[5:7]).upper()
    typical = years.nunique() > 1 or any(t in tag or t in comments for t in _TYPICAL_TAGS)
    meta = base_meta(
        path, m["latitude"], m["longitude"], m["altitude"], m["TZ"], sha256_bytes(raw), typical
    )
    meta["station"] = f"{m.get('city', '')}, {m.get('state-prov', '')}, {m.get('country', '')}"
    meta["wmo"] = str(m.get("WMO_code", ""))
    df.index = ensure_utc(pd.DatetimeIndex(df.index), str(path))
    return _finish(df, meta, str(path), wind_height_m=10.0, typical=typical, nominal_year=nominal_year)


def read_tmy3(path, *, nominal_year=NOMINAL_YEAR):
    """Read a TMY3 CSV file into the canonical frame.

    :func:`pvlib.iotools.read_tmy3` labels each row with the **end** of its hour (the
    first row is 01:00, the last 24:00 -> next year's 00:00, local standard time). This
    reader has pvlib coerce the months onto ``nominal_year``, shifts the labels back one
    hour to interval-beginning (so the first row is Jan 1 00:00 local) and converts
    pressure from mbar to Pa.

    Parameters
    ----------
    path : str or path-like
        TMY3 CSV file.
    nominal_year : int, default 2005
        Non-leap nominal year.

    Returns
    -------
    data, meta
        Canonical frame (wind at 10 m) and metadata.

    Raises
    ------
    WeatherDataError
        If the file is missing, unreadable, not TMY3, or fails the checks.
    """
    import pvlib

    path = Path(path)
    raw = read_file_bytes(path, "TMY3")
    text = decode_text(raw, path, "TMY3")
    # pvlib's coerce_year would move Feb 29 onto Mar 1 of the nominal year (duplicates):
    # drop those rows first, with a record (a TMY3 row starts with its MM/DD/YYYY date).
    lines = text.split("\n")
    kept = lines[:2] + [line for line in lines[2:] if not line.startswith("02/29/")]
    n_feb29 = len(lines) - len(kept)
    text = "\n".join(kept)
    try:
        with quiet_pvlib():
            # coerce onto the non-leap nominal year *before* moving the hour-ending labels
            # back: in a leap source year, Feb 28 24:00 would otherwise land on Feb 29
            df, m = pvlib.iotools.read_tmy3(
                io.StringIO(text), coerce_year=int(nominal_year), map_variables=True
            )
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as TMY3 ({describe_exception(exc)}): "
            "expected a TMY3 CSV file"
        ) from exc
    df = df.copy()
    df.index = ensure_utc(pd.DatetimeIndex(df.index), str(path)) - pd.Timedelta(hours=1)
    df["pressure"] = units.mbar_to_pa(df["pressure"].astype(float))
    meta = base_meta(
        path, m["latitude"], m["longitude"], m["altitude"], m["TZ"], sha256_bytes(raw), True
    )
    meta["station"] = f"{m.get('Name', '')}, {m.get('State', '')}"
    _record_feb29(meta, n_feb29, path)
    return _finish(df, meta, str(path), wind_height_m=10.0, typical=True, nominal_year=nominal_year)


def read_pvgis_tmy(path, *, utc_offset_h=0.0, nominal_year=NOMINAL_YEAR):
    """Read a PVGIS TMY file (JSON or CSV) into the canonical frame.

    PVGIS stamps rows in UTC (``time(UTC)``); each row is taken as the hour starting at
    its stamp (interval-beginning). The typical year's months are UTC months unless
    ``utc_offset_h`` names the local calendar to coerce on.

    Parameters
    ----------
    path : str or path-like
        ``.json`` or ``.csv`` file from the PVGIS TMY tool.
    utc_offset_h : float, default 0
        Offset of the local calendar used for the typical year. [h]
    nominal_year : int, default 2005
        Non-leap nominal year.

    Returns
    -------
    data, meta
        Canonical frame (wind at 10 m, ``WS10m``) and metadata.

    Raises
    ------
    WeatherDataError
        If the file is missing, unreadable, not PVGIS TMY, or fails the checks.
    """
    import pvlib

    path = Path(path)
    raw = read_file_bytes(path, "PVGIS TMY")
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("json", "csv"):
        raise WeatherDataError(
            f"{path}: suffix .{fmt} is not a PVGIS TMY format: expected .json or .csv"
        )
    try:
        text = decode_text(raw, path, "PVGIS TMY")
        buf = io.StringIO(text) if fmt == "json" else io.BytesIO(text.encode("utf-8"))
        with quiet_pvlib():
            df, m = pvlib.iotools.read_pvgis_tmy(buf, pvgis_format=fmt, map_variables=True)
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as PVGIS TMY {fmt} ({describe_exception(exc)}): "
            "expected a file from the PVGIS TMY tool"
        ) from exc
    inputs = m.get("inputs", {})
    loc = inputs.get("location", inputs)
    try:
        lat, lon, alt = float(loc["latitude"]), float(loc["longitude"]), float(loc["elevation"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WeatherDataError(
            f"{path}: no latitude/longitude/elevation in the PVGIS header: expected a PVGIS TMY file"
        ) from exc
    meta = base_meta(path, lat, lon, alt, utc_offset_h, sha256_bytes(raw), True)
    if "irradiance time offset" in inputs:
        meta["irradiance_time_offset_h"] = float(inputs["irradiance time offset"])
    df.index = ensure_utc(pd.DatetimeIndex(df.index), str(path))
    return _finish(
        df, meta, str(path), wind_height_m=10.0, typical=True, nominal_year=nominal_year,
        source_offset_h=0.0,
    )


def read_csv_weather(
    path,
    *,
    time_column=None,
    timezone=None,
    interval_label=None,
    column_map=None,
    wind_height_m=None,
    latitude=None,
    longitude=None,
    altitude_m=None,
    utc_offset_h=None,
    typical_year=None,
):
    """Read a plain hourly CSV whose layout the user declares.

    Every option may instead come from leading ``# key = value`` header lines (as written
    by :func:`to_weather_csv` and ``energysim weather generate``); an argument overrides
    the header. Values must already be in canonical units (W m⁻², °C, m s⁻¹, Pa, %).

    Parameters
    ----------
    path : str or path-like
        CSV file.
    time_column : str
        Column of time stamps.
    timezone : str, optional
        Zone of naive time stamps (``"Asia/Shanghai"``, ``"+08:00"``, ``"UTC"``). Required
        when the stamps carry no offset; never assumed.
    interval_label : {"beginning", "ending"}
        Whether a stamp marks the start or the end of its hour.
    column_map : dict, optional
        File column -> canonical column.
    wind_height_m : float
        Height of the wind measurement. [m]
    latitude, longitude : float
        Site. [deg]
    altitude_m : float, optional
        Site altitude, default 0. [m]
    utc_offset_h : float, optional
        Local standard-time offset for messages and typical years; defaults to the offset
        of the time stamps. [h]
    typical_year : bool, optional
        Coerce onto :data:`NOMINAL_YEAR` (default False).

    Returns
    -------
    data, meta

    Raises
    ------
    WeatherDataError
        For a missing option, naive stamps without ``timezone``, unknown columns, or a
        failed check.
    """
    path = Path(path)
    raw = read_file_bytes(path, "CSV weather")
    text = decode_text(raw, path, "CSV weather")
    head, n_comment = comment_header(text)
    time_column = time_column or head.get("time_column")
    timezone = timezone or head.get("timezone")
    interval_label = interval_label or head.get("interval_label")
    opts = {
        "latitude": latitude if latitude is not None else head.get("latitude_deg"),
        "longitude": longitude if longitude is not None else head.get("longitude_deg"),
        "wind_height_m": wind_height_m if wind_height_m is not None else head.get("wind_height_m"),
    }
    # The names of the '# key = value' header lines, which every caller can write.
    header_keys = {"latitude": "latitude_deg", "longitude": "longitude_deg"}
    needed = [header_keys.get(k, k) for k, v in opts.items() if v is None]
    if time_column is None:
        needed.insert(0, "time_column")
    if interval_label is None:
        needed.append("interval_label")
    if needed:
        raise WeatherDataError(
            f"{path}: plain CSV without {', '.join(needed)}: declare them in header lines "
            f"at the top of the file, e.g. '# {needed[0]} = ...'"
        )
    if interval_label not in ("beginning", "ending"):
        raise WeatherDataError(
            f"{path}: interval_label = {interval_label!r}: allowed 'beginning' or 'ending'"
        )
    try:
        lat, lon, wh = (float(opts["latitude"]), float(opts["longitude"]), float(opts["wind_height_m"]))
        alt = float(altitude_m if altitude_m is not None else head.get("altitude_m", 0.0))
    except ValueError as exc:
        raise WeatherDataError(f"{path}: site option is not a number ({describe_exception(exc)}): give numbers") from exc
    try:
        df = pd.read_csv(io.StringIO(text), skiprows=n_comment)
    except Exception as exc:
        raise WeatherDataError(
            f"{path}: cannot be parsed as CSV ({describe_exception(exc)}): expected a CSV file"
        ) from exc
    if column_map:
        df = df.rename(columns=dict(column_map))
    if time_column not in df.columns:
        raise WeatherDataError(
            f"{path}: no time column {time_column!r}: columns are {', '.join(map(str, df.columns))}"
        )
    missing = [c for c in CANONICAL_COLUMNS if c not in df.columns and c != "wind_height_m"]
    if missing:
        raise WeatherDataError(
            f"{path}: missing column(s) {', '.join(missing)}: name the header row's columns "
            f"{', '.join(c for c in CANONICAL_COLUMNS if c != 'wind_height_m')} "
            "(wind height in a '# wind_height_m = ...' line)"
        )
    stamps = df[time_column].astype(str)
    try:
        parsed = pd.to_datetime(stamps, format="ISO8601")
    except (ValueError, TypeError):
        try:
            parsed = pd.to_datetime(stamps, utc=True, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise WeatherDataError(
                f"{path}: time column {time_column!r} is not ISO 8601 ({describe_exception(exc)}): "
                "use e.g. 2005-01-01T00:00:00+08:00"
            ) from exc
    idx = pd.DatetimeIndex(parsed)
    if idx.tz is None:
        if not timezone:
            raise WeatherDataError(
                f"{path}: time stamps have no UTC offset and no timezone was declared: "
                "declare timezone (e.g. 'Asia/Shanghai', '+08:00' or 'UTC')"
            )
        tz = timezone
        if timezone[0] in "+-" and ":" in timezone:
            h, mnt = timezone[1:].split(":")
            sign = 1 if timezone[0] == "+" else -1
            tz = _fixed_tz(sign * (int(h) + int(mnt) / 60))
        try:
            idx = idx.tz_localize(tz)
        except Exception as exc:
            raise WeatherDataError(
                f"{path}: timezone {timezone!r} is not usable ({describe_exception(exc)}): give an IANA name "
                "or an offset like '+08:00'"
            ) from exc
    if utc_offset_h is None:
        utc_offset_h = head.get("utc_offset_h")
    if utc_offset_h is None:
        first = idx[0]
        utc_offset_h = first.utcoffset().total_seconds() / 3600 if first.utcoffset() else 0.0
    df.index = ensure_utc(idx, str(path))
    if interval_label == "ending":
        df.index = df.index - pd.Timedelta(hours=1)
    if typical_year is None:
        typical_year = str(head.get("typical_year", "false")).lower() == "true"
    meta = base_meta(path, lat, lon, alt, float(utc_offset_h), sha256_bytes(raw), typical_year)
    for key in ("source", "seed", "generator"):
        if key in head:
            meta[f"header_{key}"] = head[key]
    return _finish(df, meta, str(path), wind_height_m=wh, typical=bool(typical_year))


def _fixed_tz(offset_h):
    from datetime import timedelta, timezone

    return timezone(timedelta(hours=offset_h))


def to_weather_csv(data, meta, path, *, overwrite=False):
    """Write a canonical frame as a self-describing CSV that :func:`load_weather` reads.

    The file starts with ``# key = value`` lines (site, time zone, interval label, wind
    height) and stamps rows in ISO 8601 with the local offset. It is written to a
    temporary name beside ``path`` and renamed, so a reader never sees half a file.

    Parameters
    ----------
    data : pandas.DataFrame
        Canonical frame.
    meta : dict
        Its metadata (site and offset are written).
    path : str or path-like
        Output file.
    overwrite : bool, default False
        Replace an existing file.

    Raises
    ------
    energysim.errors.OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    from energysim.errors import OutputExistsError

    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path}: already exists: pass overwrite (--overwrite) to replace it")
    off = float(meta["utc_offset_h"])
    local = data.index.tz_convert(_fixed_tz(off))
    out = data.loc[:, list(CANONICAL_COLUMNS)].copy()
    out.insert(0, "time", local.strftime("%Y-%m-%dT%H:%M:%S") + _offset_str(off))
    header = [
        "# energysim weather v1",
        f"# source = {meta.get('source', '')}",
        f"# latitude_deg = {meta['latitude']!r}",
        f"# longitude_deg = {meta['longitude']!r}",
        f"# altitude_m = {meta['altitude_m']!r}",
        f"# utc_offset_h = {off!r}",
        "# time_column = time",
        "# interval_label = beginning",
        f"# wind_height_m = {float(data['wind_height_m'].iloc[0])!r}",
        f"# typical_year = {str(bool(meta.get('typical_year', False))).lower()}",
        "# units: ghi dni dhi [W m-2], temp_air [degC], wind_speed [m s-1], "
        "wind_height_m [m], pressure [Pa], relative_humidity [%]",
    ]
    if "seed" in meta:
        header.insert(2, f"# seed = {meta['seed']}")
    buf = io.StringIO()
    buf.write("\n".join(header) + "\n")
    out.to_csv(buf, index=False, float_format="%.6g", lineterminator="\n")
    atomic.make_folder(path.parent)
    atomic.write_text(path, buf.getvalue())
    return path


def _offset_str(off):
    sign = "+" if off >= 0 else "-"
    minutes = int(round(abs(off) * 60))
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
