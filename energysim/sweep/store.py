"""The resumable chunk store of a sweep's output folder.

Owns ``OUT/<sweep-name>/``: the manifest (what a resume must match) and the resume checks,
atomic writes (through :mod:`energysim.atomic`), the chunk files, the copies of
the inputs, and combining the chunks into ``points.parquet``; imports only ``errors``,
``units``, ``results``, ``scenario`` and, for the manifest, ``physics`` (its version) and
``energysim.__version__`` from energysim, and :mod:`energysim.sweep.kpis` (the column
schemas) from the package.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from energysim import atomic, units
from energysim.errors import OutputError, OutputExistsError, ScenarioError
from energysim.results import to_parquet
from energysim.scenario import to_toml
from energysim.sweep.kpis import annual_schema, kpi_schema, parameter_schema

# The logger of the sweep package (records are named "energysim.sweep", as before the split).
logger = logging.getLogger("energysim.sweep")

MANIFEST_FORMAT = 1


# --------------------------------------------------------------------------- the store

def chunk_name(chunk_id):
    """File name of a chunk. [str]"""
    return f"chunk-{chunk_id:05d}.parquet"


def _atomic_parquet(frame, path, schema):
    with atomic.atomic_path(path) as temporary:
        to_parquet(frame, temporary, schema)


def atomic_text(text, path):
    """Write UTF-8 ``text`` to ``path`` atomically (:func:`energysim.atomic.write_text`)."""
    atomic.write_text(path, text)


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
        check_replaceable_sweep(folder)
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
        atomic.make_folder(folder / "chunks")
        if manifest["full_annual"]:
            atomic.make_folder(folder / "annual")
        atomic_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", manifest_path)
    except OSError as err:
        raise OutputError(f"{folder}: cannot write the sweep output: "
                          f"{err.strerror or err}") from None
    return [i for i in range(n_chunks) if not chunk_done(folder, i, manifest["full_annual"])]


def check_replaceable_sweep(folder):
    """Raise unless ``folder`` is an empty folder or a sweep output (it has our manifest).

    ``--overwrite`` removes a sweep output as a whole; anything else (a user's file or
    folder under the same name) is left untouched.

    Raises
    ------
    OutputError
        Naming ``folder`` and what it is.
    """
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not an energysim sweep output: --overwrite "
                          "replaces only sweep outputs and empty folders; move it or choose "
                          "another --out")
    if next(folder.iterdir(), None) is None:
        return
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not (isinstance(manifest, dict) and "sweep" in manifest and "n_chunks" in manifest):
        raise OutputError(f"{folder}: not an energysim sweep output (no manifest.json of a "
                          "sweep): --overwrite replaces only sweep outputs and empty folders; "
                          "move it or choose another --out")


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
    del frames  # a million points: each copy of the table is ~0.3 GB
    points = frame["point"].to_numpy() if len(frame) else np.array([], dtype=np.int64)
    if len(points) != n_points or len(np.unique(points)) != n_points:
        raise OutputError(f"{folder}: the chunks hold {len(points)} rows for {n_points} points "
                          f"({len(points) - len(np.unique(points))} repeated): pass --resume to "
                          "complete, or --overwrite to start again")
    if not (np.diff(points) > 0).all():  # chunk files in name order are in point order
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
    # Adds columns to ``frame`` itself (the caller's own table; no copy of a large table).
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


def read_manifest(folder):
    """The manifest of a sweep output folder as a dict, or None if absent or unreadable."""
    try:
        return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def copy_inputs(folder, spec):
    """Write the sweep file and the resolved base scenario into the output folder."""
    try:
        atomic_text(spec.text, folder / "sweep.toml")
        atomic_text(to_toml(spec.base), folder / "base-scenario.toml")
    except OSError as err:
        raise OutputError(f"{folder}: cannot write the sweep output: "
                          f"{err.strerror or err}") from None
