"""The canonical weather frame: its columns, the typical-year calendar and small helpers.

Owns the names every other weather module shares: the canonical columns, the nominal
typical year and its 8,760-hour UTC index, the ``builtin:shaoguan`` source name, the
metadata dict every source returns, and the byte-level helpers (read a file with a clear
error, decode it, hash it, parse ``# key = value`` header lines, describe offending rows).
It imports only ``errors`` and ``timeutils`` from energysim (plus numpy and pandas) and no
other module of this package, so every other weather module may import it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from energysim.errors import WeatherDataError
from energysim.timeutils import ensure_utc, is_leap

#: Canonical columns, in order.
CANONICAL_COLUMNS = (
    "ghi",
    "dni",
    "dhi",
    "temp_air",
    "wind_speed",
    "wind_height_m",
    "pressure",
    "relative_humidity",
)
IRRADIANCE_COLUMNS = ("ghi", "dni", "dhi")

#: Nominal non-leap year onto which typical years are coerced (CSWD's own nominal year).
NOMINAL_YEAR = 2005
HOURS_TYPICAL_YEAR = 8760
#: Source name of the embedded generated Shaoguan year.
BUILTIN_SHAOGUAN = "builtin:shaoguan"
SHOW_ROWS = 3  # how many offending rows an error message names


def format_rows(times, utc_offset_h=0.0):
    """Describe offending rows: count and the first few local time stamps."""
    times = pd.DatetimeIndex(times)
    n = len(times)
    off = pd.Timedelta(hours=float(utc_offset_h))
    shown = ", ".join(
        (t.tz_convert(None) + off).strftime("%Y-%m-%d %H:%M") for t in times[:SHOW_ROWS]
    )
    more = ", ..." if n > SHOW_ROWS else ""
    return f"{n} row{'s' if n != 1 else ''} ({shown}{more} local UTC{float(utc_offset_h):+g})"


def true_runs(mask):
    """Return (start, length) of each run of True in a boolean array."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), (ends - starts).tolist()))


def sha256_bytes(raw):
    """SHA-256 of ``raw``. [hex str]"""
    return hashlib.sha256(raw).hexdigest()


def read_file_bytes(path, what):
    """The bytes of a ``what`` file, or one WeatherDataError line naming the file."""
    path = Path(path)
    if not path.exists():
        raise WeatherDataError(f"{path}: no such file: give an existing {what} file")
    if path.is_dir():
        raise WeatherDataError(f"{path}: is a directory: give a {what} file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WeatherDataError(
            f"{path}: cannot be read ({exc.strerror or exc}): give a readable {what} file"
        ) from exc


def decode_text(raw, path, what):
    """Text of a weather file: UTF-8 (with or without BOM), else Latin-1; LF line endings.

    With or without a UTF-8 byte-order mark (Windows editors, Excel), with any line
    endings (CRLF, or CR alone from old Mac tools): the text is the same.
    """
    for enc in ("utf-8-sig", "latin-1"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n")
    raise WeatherDataError(f"{path}: not a text file: expected a {what} text file")


def base_meta(source, latitude, longitude, altitude_m, utc_offset_h, sha256, typical):
    """The metadata dict every reader returns (site [deg, m], UTC offset [h], sha256, typical)."""
    return {
        "source": str(source),
        "latitude": float(latitude),
        "longitude": float(longitude),
        "altitude_m": float(altitude_m),
        "utc_offset_h": float(utc_offset_h),
        "interval_label": "beginning",
        "sha256": sha256,
        "repairs": [],
        "warnings": [],
        "typical_year": bool(typical),
    }


def typical_index(year=NOMINAL_YEAR, utc_offset_h=0.0):
    """UTC index of a typical year: 8,760 hours from local Jan 1 00:00 of ``year``."""
    if is_leap(year):
        raise WeatherDataError(
            f"typical year {year}: is a leap year: the nominal year must be a non-leap year"
        )
    start = pd.Timestamp(year=year, month=1, day=1) - pd.Timedelta(hours=float(utc_offset_h))
    return pd.date_range(
        start.tz_localize("UTC"), periods=HOURS_TYPICAL_YEAR, freq="h", name="time"
    ).as_unit("ns")


def local_wall(index, utc_offset_h):
    """Naive local standard time of a UTC index."""
    return index.tz_convert(None) + pd.Timedelta(hours=float(utc_offset_h))


def canonical_frame(frame, wind_height_m):
    """The canonical columns of ``frame`` as float64, with the wind measurement height [m]."""
    out = pd.DataFrame(index=frame.index)
    for col in CANONICAL_COLUMNS:
        if col == "wind_height_m":
            out[col] = float(wind_height_m)
        else:
            out[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    out.index = ensure_utc(pd.DatetimeIndex(out.index)).as_unit("ns")
    return out


def comment_header(text):
    """Parse leading ``# key = value`` lines; return (dict, number of comment lines)."""
    meta, n = {}, 0
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        n += 1
        body = line[1:].strip()
        if "=" in body:
            k, v = body.split("=", 1)
            meta[k.strip()] = v.strip()
    return meta, n
