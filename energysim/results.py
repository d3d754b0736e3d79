"""Results: the Result object, the column schema, and the result folder both ways.

Owns what a result contains, how it is put on disk (CSV, Parquet with the unit schema in
its metadata, JSON summary; :func:`write_result`, :meth:`Result.write`) and how a result
folder is read back into the same type (:func:`read_result`); imports only ``errors``,
``units``, ``timeutils`` and ``atomic`` (and :mod:`energysim.plotting` inside
:meth:`Result.write`, only when figures are drawn). A result folder is written under a
temporary name and renamed into place, so a reader sees either the previous complete result
or the new complete one, never a mixture; single files go through :mod:`energysim.atomic`.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from energysim import atomic, units
from energysim.errors import OutputError, OutputExistsError, ScenarioError, WeatherDataError
from energysim.timeutils import CHINA_STANDARD_TIME, ensure_utc

#: Column -> (unit, description) of the annual table (one row per year and fleet).
ANNUAL_SCHEMA = {
    "year": ("a", "simulated calendar year"),
    "fleet": ("-", "fleet name from the scenario"),
    "technology": ("-", "'pv', 'wind', 'hydro', 'biomass', 'storage' or 'electrolyser'"),
    "installed_mw": ("MW", "nameplate in operation (PV: DC MWp; storage: power; electrolyser: input)"),
    "effective_mw": ("MW", "nameplate x degradation x availability"),
    "hours_in_year": ("h", "8760, or 8784 in a leap year (Feb 28 repeated)"),
    "generation_mwh": ("MWh", "energy before the export limit and curtailment"),
    "curtailed_mwh": ("MWh", "energy removed by the export limit and curtailment rate"),
    "delivered_mwh": ("MWh", "generation - curtailed"),
    "capacity_factor": ("1", "delivered / (installed x hours_in_year)"),
    "full_load_hours": ("h", "delivered / installed (利用小时数)"),
    "emission_factor_t_per_mwh": ("tCO2/MWh", "annual grid emission factor"),
    "avoided_tco2": ("tCO2", "delivered x factor (x hourly shape)"),
    "cumulative_avoided_tco2": ("tCO2", "avoided since the first simulated year"),
    "coal_rate_g_per_kwh": ("gce/kWh", "thermal power supply coal rate"),
    "avoided_coal_tce": ("tce", "delivered x coal rate"),
    "cumulative_avoided_coal_tce": ("tce", "avoided coal since the first simulated year"),
    # With biomass, storage or electrolysers (issue 12); fleet rows: what they sent.
    "charged_mwh": ("MWh", "into storage (storage rows: received; fleet rows: sent)"),
    "discharged_mwh": ("MWh", "out of storage, delivered to the grid"),
    "consumed_mwh": ("MWh", "taken by electrolysers (electrolyser rows: input; fleet rows: sent)"),
    "hydrogen_t": ("t", "hydrogen made: consumed / kwh_per_kg"),
}

#: Column -> (unit, description) of the hourly table (one row per hour and fleet).
HOURLY_SCHEMA = {
    "time": ("UTC", "start of the hour, UTC"),
    "fleet": ("-", "fleet name"),
    "technology": ("-", "'pv', 'wind', 'hydro', 'biomass', 'storage' or 'electrolyser'"),
    "generation_mw": ("MW", "mean power in the hour before the export limit"),
    "delivered_mw": ("MW", "mean power after pro-rata curtailment"),
    "curtailed_mw": ("MW", "generation - delivered (with storage: what is finally lost)"),
    # With biomass, storage or electrolysers (issue 12).
    "charged_mw": ("MW", "into storage (storage rows: received; fleet rows: sent)"),
    "consumed_mw": ("MW", "electrolyser load (fleet rows: sent to electrolysers)"),
    "soc_mwh": ("MWh", "storage state of charge at the end of the hour"),
}

#: Chinese-unit companion columns written with ``--units cn``: name -> (source, converter).
CN_COLUMNS = {
    "installed_wan_kw": ("installed_mw", units.mw_to_wan_kw),
    "delivered_yi_kwh": ("delivered_mwh", units.mwh_to_yi_kwh),
    "avoided_wan_tco2": ("avoided_tco2", units.t_to_wan_t),
    "cumulative_avoided_wan_tco2": ("cumulative_avoided_tco2", units.t_to_wan_t),
    "avoided_coal_wan_tce": ("avoided_coal_tce", units.t_to_wan_t),
}
CN_COLUMNS["cumulative_avoided_coal_wan_tce"] = ("cumulative_avoided_coal_tce", units.t_to_wan_t)
CN_UNITS = {"installed_wan_kw": "万千瓦", "delivered_yi_kwh": "亿千瓦时",
            "avoided_wan_tco2": "万吨CO2", "cumulative_avoided_wan_tco2": "万吨CO2",
            "avoided_coal_wan_tce": "万吨标准煤", "cumulative_avoided_coal_wan_tce": "万吨标准煤"}
#: The two unit systems of printed and written output (``--units``).
UNIT_SYSTEMS = ("cn", "si")

#: Columns a result folder's tables must have to be read back.
TOTALS_COLUMNS = ("year", "installed_pv_mw", "installed_wind_mw", "delivered_mwh",
                  "curtailed_mwh", "avoided_tco2", "cumulative_avoided_tco2")
ANNUAL_COLUMNS = ("year", "fleet", "technology", "installed_mw", "delivered_mwh")
HOURLY_COLUMNS = ("time", "fleet", "technology", "delivered_mw")
_RESULT_HINT = "give a result folder written by `energysim run` (OUT/<scenario name>/)"


#: The marker every result's ``summary.json`` carries: ``--overwrite`` replaces a folder
#: only if it has it (or is empty), so a user's own files are never replaced or moved.
RESULT_FORMAT = {"format": "energysim-result", "format_version": 1}


def is_result_folder(folder):
    """True if ``folder`` holds an energysim result (its ``summary.json`` has the marker). [bool]"""
    path = Path(folder) / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(summary, dict)
            and summary.get("format") == RESULT_FORMAT["format"]
            and isinstance(summary.get("format_version"), int))


def check_replaceable(target):
    """Raise unless ``target`` is absent, an empty folder or an energysim result.

    Raises
    ------
    OutputError
        Naming ``target`` and what it is; nothing is touched.
    """
    target = Path(target)
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        what = "a symbolic link" if target.is_symlink() else "a file"
        raise OutputError(f"{target}: is {what}, not an energysim result: --overwrite replaces "
                          "only energysim results and empty folders; move it or choose "
                          "another --out")
    try:
        empty = next(target.iterdir(), None) is None
    except OSError as err:
        raise OutputError(f"{target}: cannot be read: {err.strerror or err}") from None
    if not empty and not is_result_folder(target):
        raise OutputError(f"{target}: not an energysim result (no summary.json with "
                          f"format = {RESULT_FORMAT['format']!r}): --overwrite replaces only "
                          "energysim results and empty folders; move it or choose another --out")


def unit_of(column):
    """Unit of a result column, for axis labels. [str]"""
    for schema in (ANNUAL_SCHEMA, HOURLY_SCHEMA):
        if column in schema:
            return schema[column][0]
    return CN_UNITS.get(column, "")


@dataclass(frozen=True)
class Result:
    """Everything one scenario run produced.

    Attributes
    ----------
    name : str
        Scenario name, also the result folder's name.
    annual : pandas.DataFrame
        One row per year and fleet; columns in :data:`ANNUAL_SCHEMA`.
    totals : pandas.DataFrame
        One row per year, all fleets summed, with the 3060 progress columns.
    hourly : dict of int to pandas.DataFrame
        Hourly tables by the site's local calendar year; columns in :data:`HOURLY_SCHEMA`,
        ``time`` tz-aware UTC. A dict, not one concatenated frame: each year is its own
        file (``hourly_<year>.parquet``) and only the years asked for are simulated hourly;
        ``pandas.concat(result.hourly.values())`` gives one frame.
    summary : dict
        Headline figures and milestones (JSON-ready; ``summary.json`` without its
        ``provenance`` key).
    metadata : dict
        Provenance: resolved scenario, its hash, weather hash and source, package
        versions, defaults applied, weather repairs (``summary.json["provenance"]``, plus
        ``scenario_toml`` from ``scenario.toml``).
    path : pathlib.Path or None
        The folder it was read from (:func:`read_result`); None for a fresh run.
    """

    name: str
    annual: pd.DataFrame
    totals: pd.DataFrame
    hourly: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def scenario(self):
        """The resolved scenario as plain data (SI units); empty if not recorded. [dict]"""
        return self.metadata.get("scenario") or {}

    def write(self, out_dir, *, overwrite=False, units="cn", figures=True):
        """Write this result as ``out_dir/<name>/`` (see :func:`write_result`).

        Parameters
        ----------
        out_dir : str or Path
            Parent folder; created if missing.
        overwrite : bool, default False
            Replace an existing result folder (as a whole).
        units : {"cn", "si"}, default "cn"
            ``cn`` adds the 万千瓦 / 亿千瓦时 / 万吨 columns next to the SI ones (SI columns
            are always written).
        figures : bool, default True
            Draw the PNG figures (:func:`energysim.plotting.save_figures`).

        Returns
        -------
        Path
            The result folder.
        """
        if units not in UNIT_SYSTEMS:
            raise ValueError(f"units={units!r}: use one of {', '.join(UNIT_SYSTEMS)}")
        draw = None
        if figures:
            # The one upward import (declared in tests/test_layers.py): drawing needs
            # matplotlib, so it is loaded only when figures are asked for.
            from energysim import plotting

            def draw(result, folder):
                plotting.save_figures(result, folder, units=units)
        return write_result(self, out_dir, overwrite=overwrite, cn_units=units == "cn",
                            figures=draw)


def with_cn_units(frame):
    """A copy of ``frame`` with Chinese-unit columns added next to the SI ones."""
    frame = frame.copy()
    for name, (source, convert) in CN_COLUMNS.items():
        if source in frame:
            frame[name] = convert(frame[source])
    return frame


def to_parquet(frame, path, schema):
    """Write ``frame`` to Parquet with the unit schema in the file's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    described = {c: {"unit": schema.get(c, (unit_of(c), ""))[0],
                     "description": schema.get(c, ("", ""))[1]} for c in frame.columns}
    meta = dict(table.schema.metadata or {})
    meta[b"energysim.schema"] = json.dumps(described, ensure_ascii=False).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(meta), path)


def to_csv(frame, path):
    """Write ``frame`` as UTF-8 CSV with fixed float formatting (byte-reproducible)."""
    frame.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def read_parquet_schema(path):
    """The unit schema stored in a result Parquet file. [dict]"""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta.get(b"energysim.schema", b"{}").decode("utf-8"))


def write_result(result, out_dir, *, overwrite=False, cn_units=False, figures=None):
    """Write a result folder ``out_dir/<name>/`` atomically.

    Parameters
    ----------
    result : Result
    out_dir : str or Path
        Parent folder; created if missing.
    overwrite : bool
        Replace an existing result folder (as a whole).
    cn_units : bool
        Add 万千瓦 / 亿千瓦时 / 万吨 columns to the CSV and Parquet tables.
    figures : callable, optional
        ``figures(result, folder)`` draws PNG files into the folder being written.

    Returns
    -------
    Path
        The result folder.

    Raises
    ------
    OutputExistsError
        If the folder exists and ``overwrite`` is false.
    OutputError
        If the folder cannot be written (permissions, full disk).
    """
    out_dir = Path(out_dir)
    final = out_dir / result.name
    if final.exists() and not overwrite:
        raise OutputExistsError(f"{final}: result exists: pass --overwrite to replace it")
    check_replaceable(final)
    try:
        atomic.make_folder(out_dir)
        _remove_abandoned(out_dir, result.name)
        # The pid in the name tells a later run whether the writer is still alive.
        staging = Path(tempfile.mkdtemp(prefix=f".{result.name}.{os.getpid()}.", suffix=".partial",
                                        dir=out_dir))
    except OSError as err:
        raise OutputError(f"{out_dir}: cannot write results here: {err.strerror or err}") from err
    try:
        _write_files(result, staging, cn_units, figures)
        swap_into_place(staging, final, overwrite)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(err, FileExistsError) and not overwrite:
            raise OutputExistsError(f"{final}: result appeared while writing (another run?): "
                                    "pass --overwrite to replace it") from err
        raise OutputError(f"{final}: cannot write results: {err.strerror or err}") from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _write_files(result, folder, cn_units, figures):
    annual = with_cn_units(result.annual) if cn_units else result.annual
    totals = with_cn_units(result.totals) if cn_units else result.totals
    with atomic.atomic_path(folder / "annual.csv") as temporary:
        to_csv(annual, temporary)
    with atomic.atomic_path(folder / "annual.parquet") as temporary:
        to_parquet(annual, temporary, ANNUAL_SCHEMA)
    with atomic.atomic_path(folder / "totals.csv") as temporary:
        to_csv(totals, temporary)
    for year, frame in sorted(result.hourly.items()):
        name = "hourly.parquet" if len(result.hourly) == 1 else f"hourly_{year}.parquet"
        with atomic.atomic_path(folder / name) as temporary:
            to_parquet(frame, temporary, HOURLY_SCHEMA)
    provenance = {k: v for k, v in result.metadata.items() if k != "scenario_toml"}
    summary = {**RESULT_FORMAT, **result.summary, "provenance": provenance}
    atomic.write_text(folder / "summary.json",
                      json.dumps(summary, indent=2, ensure_ascii=False,
                                 default=_json_default) + "\n")
    if "scenario_toml" in result.metadata:
        atomic.write_text(folder / "scenario.toml", result.metadata["scenario_toml"])
    if figures is not None:
        figures(result, folder)
    for path in folder.iterdir():  # figures too: bytes on disk and one mode before the rename
        with open(path, "rb") as handle:
            os.fchmod(handle.fileno(), atomic.file_mode())
            os.fsync(handle.fileno())


def swap_into_place(staging, final, overwrite):
    """Move the finished ``staging`` folder to ``final`` atomically (replaced if ``overwrite``)."""
    os.chmod(staging, atomic.folder_mode())  # mkdtemp makes it private; a result is shared
    if not final.exists():
        os.rename(staging, final)  # atomic; fails if another run created it meanwhile
        return
    if not overwrite:
        raise FileExistsError(str(final))
    if _exchange(staging, final):
        # One atomic step: `final` is the new result, `staging` now holds the old one.
        shutil.rmtree(staging, ignore_errors=True)
        return
    # Two renames (no atomic exchange here): put the old result back if the second fails.
    retired = final.with_name(f".{final.name}.old-{os.getpid()}")
    os.rename(final, retired)
    try:
        os.rename(staging, final)
    except OSError:
        os.rename(retired, final)
        raise
    shutil.rmtree(retired, ignore_errors=True)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a, b):
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE). [bool: done]

    False where the platform, C library or file system cannot, so that the caller falls
    back to two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # C library without renameat2 (glibc < 2.28)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_abandoned(out_dir, name):
    """Remove staging and retired folders of ``name`` whose writer process is gone.

    A run killed while writing leaves ``.<name>.<pid>.<random>.partial`` (or, between the
    two renames of the fallback swap, ``.<name>.old-<pid>``). If no result survived, the
    newest retired copy is put back first. Folders of live processes (another run writing
    right now) are left alone. Process ids mean something on one machine only: for output
    folders shared between machines, add the host name to both prefixes.
    """
    final = out_dir / name
    pattern = re.compile(rf"\.{re.escape(name)}\."
                         r"(?:(?P<old>old-)(?P<pid>\d+)|(?P<spid>\d+)\.[^.]+\.partial)")
    retired, abandoned = [], []
    for path in out_dir.iterdir():
        match = pattern.fullmatch(path.name)
        if match is None or atomic.process_alive(int(match["pid"] or match["spid"])):
            continue
        (retired if match["old"] else abandoned).append(path)
    if retired and not final.exists():
        newest = max(retired, key=lambda p: p.stat().st_mtime)
        os.rename(newest, final)
        retired.remove(newest)
    for path in [*retired, *abandoned]:
        shutil.rmtree(path, ignore_errors=True)


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --------------------------------------------------------------------------- reading

def read_result(folder):
    """Read a result folder written by ``energysim run`` (or :meth:`Result.write`).

    Parameters
    ----------
    folder : str or Path
        The folder ``OUT/<scenario name>/``.

    Returns
    -------
    Result
        The same type a run returns: ``annual`` (``annual.parquet``, else ``annual.csv``),
        ``totals`` (``totals.csv``), ``hourly`` by local calendar year
        (``hourly.parquet`` / ``hourly_<year>.parquet``; may be empty), ``summary``
        (``summary.json`` without ``provenance``), ``metadata`` (the provenance, plus
        ``scenario_toml`` when ``scenario.toml`` is there) and ``path``. [MW, MWh, tCO2]

    Raises
    ------
    ScenarioError
        One line naming the path and what is wrong: not a folder, a missing file
        (``summary.json``, ``totals.csv``, ``annual.parquet``/``annual.csv``), a file that
        cannot be read, a missing column, or a column stored in another unit.
    """
    path = Path(folder)
    if not path.exists():
        raise ScenarioError(f"{path}: no such folder: {_RESULT_HINT}")
    if not path.is_dir():
        raise ScenarioError(f"{path}: not a folder: {_RESULT_HINT}")
    annual_file = path / "annual.parquet"
    if not annual_file.is_file():
        annual_file = path / "annual.csv"
    wanted = (path / "summary.json", path / "totals.csv", annual_file)
    missing = [p.name if p is not annual_file else "annual.parquet (or annual.csv)"
               for p in wanted if not p.is_file()]
    if missing:
        raise ScenarioError(f"{path}: not an energysim result folder: {', '.join(missing)} "
                            f"missing: {_RESULT_HINT}")
    summary = _read_summary(path / "summary.json")
    totals = _read_table(path / "totals.csv", TOTALS_COLUMNS)
    annual = _read_table(annual_file, ANNUAL_COLUMNS)
    metadata = dict(summary.pop("provenance", None) or {})
    for key in RESULT_FORMAT:  # the folder's marker, not part of the run's summary
        summary.pop(key, None)
    toml_file = path / "scenario.toml"
    if toml_file.is_file():
        try:
            metadata["scenario_toml"] = toml_file.read_text(encoding="utf-8")
        except (OSError, ValueError) as err:
            raise ScenarioError(f"{toml_file}: cannot read: {_reason(err)}") from None
    zone = site_timezone_of(metadata.get("scenario") or {}, where=path / "summary.json")
    hourly = {}
    for file in sorted(path.glob("hourly*.parquet")):
        frame = _read_table(file, HOURLY_COLUMNS)
        try:
            frame["time"] = ensure_utc(pd.DatetimeIndex(frame["time"]), where=f"{file} time")
        except WeatherDataError as err:
            raise ScenarioError(str(err)) from None
        if len(frame):
            middle = frame["time"].iloc[len(frame) // 2].tz_convert(zone)
            hourly[int(middle.year)] = frame
    return Result(name=str(summary["scenario"]), annual=annual, totals=totals, hourly=hourly,
                  summary=summary, metadata=metadata, path=path)


def read_results(folders):
    """Read several result folders; every one is checked before any is used.

    Parameters
    ----------
    folders : sequence of str or Path

    Returns
    -------
    list of Result

    Raises
    ------
    ScenarioError
        If no folder is given, or for the first that is not a result folder.
    """
    folders = list(folders)
    if not folders:
        raise ScenarioError("no result folder given: " + _RESULT_HINT)
    return [read_result(f) for f in folders]


def site_timezone_of(scenario, where="scenario"):
    """The site's time zone of a resolved scenario dict (UTC+8 if it names none). [tzinfo]

    Raises
    ------
    ScenarioError
        If the scenario names a time zone that is not an IANA name.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = (scenario.get("site") or {}).get("timezone")
    if not name:
        return CHINA_STANDARD_TIME
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError(f"{where}: site timezone {name!r} unknown: use an IANA name "
                            "such as 'Asia/Shanghai'") from None


def _read_summary(file):
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ScenarioError(f"{file}: cannot read: {_reason(err)}") from None
    if not isinstance(summary, dict) or "scenario" not in summary:
        raise ScenarioError(f"{file}: no 'scenario' key: not an energysim summary")
    if not isinstance(summary.get("milestones", []), list):
        raise ScenarioError(f"{file}: 'milestones' is not a list: not an energysim summary")
    return summary


def _read_table(file, columns):
    try:
        if file.suffix == ".parquet":
            frame = pd.read_parquet(file)
            _check_units(file, frame.columns)
        else:
            frame = pd.read_csv(file, encoding="utf-8")
    except (OSError, ValueError) as err:
        raise ScenarioError(f"{file}: cannot read: {_reason(err)}") from None
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ScenarioError(f"{file}: column{'s' if len(absent) > 1 else ''} "
                            f"{', '.join(absent)} missing: not an energysim result table")
    return frame


def _check_units(file, columns):
    """The units stored in a Parquet file must be the ones the schema promises."""
    stored = read_parquet_schema(file)
    for column in columns:
        expected = unit_of(column)
        given = (stored.get(column) or {}).get("unit")
        if given is not None and expected and given != expected:
            raise ScenarioError(f"{file}: column {column} is in {given!r}: expected "
                                f"{expected!r} (written by another energysim version?)")


def _reason(err):
    text = getattr(err, "strerror", None) or str(err)
    return " ".join(str(text).split())[:200] or type(err).__name__


# --------------------------------------------------------------------------- targets

def target_progress(totals, scenario):
    """Progress towards each capacity target of a scenario.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per year with ``installed_pv_mw`` and ``installed_wind_mw``. [MW]
    scenario : dict
        The resolved scenario as plain data (``targets.capacity``: technology, year,
        capacity_mw).

    Returns
    -------
    list of dict
        One per target: ``technology``, ``year``, ``label``, ``target_mw``, ``reached_mw``
        (installed in the target year, or in the last simulated year before it),
        ``reached_year`` and ``share`` (reached / target). [MW, 1]
    """
    by_year = totals.set_index("year")
    progress = []
    for target in ((scenario.get("targets") or {}).get("capacity") or []):
        year = int(target["year"])
        column = f"installed_{target['technology']}_mw"
        known = [y for y in by_year.index if y <= year]
        if not known or column not in by_year:
            continue
        reached_year = int(max(known))
        reached = float(by_year.at[reached_year, column])
        goal = float(target["capacity_mw"])
        progress.append({"technology": target["technology"], "year": year,
                         "label": target.get("label") or "",
                         "target_mw": goal, "reached_mw": reached,
                         "reached_year": reached_year,
                         "share": reached / goal if goal else float("nan")})
    return progress


#: Relative tolerance of "maximum installed capacity" in :func:`full_buildout_year`.
BUILDOUT_RTOL = 1e-9


def full_buildout_year(totals):
    """The first year with the full build-out: the first year of maximum installed capacity.

    Parameters
    ----------
    totals : pandas.DataFrame
        One row per year with ``installed_pv_mw`` and ``installed_wind_mw`` (or
        ``installed_mw``). [MW]

    Returns
    -------
    int

    Examples
    --------
    >>> full_buildout_year(pd.DataFrame({"year": [2025, 2026, 2027, 2028],
    ...                                  "installed_mw": [10.0, 50.0, 50.0, 40.0]}))
    2026
    >>> full_buildout_year(pd.DataFrame({"year": [2035, 2047],
    ...                                  "installed_mw": [11599.5, 11599.500000000002]}))
    2035
    """
    if "installed_mw" in totals:
        installed = totals["installed_mw"].to_numpy(dtype=float)
    else:
        installed = (totals["installed_pv_mw"].to_numpy(dtype=float)
                     + totals["installed_wind_mw"].to_numpy(dtype=float))
    # Relative tolerance: repowered cohorts can add a few ulp to a later year's sum, and a
    # table read back from CSV (10 significant digits) must give the same year.
    peak = installed.max()
    first = np.flatnonzero(installed >= peak - BUILDOUT_RTOL * abs(peak))[0]
    return int(totals["year"].to_numpy()[first])
