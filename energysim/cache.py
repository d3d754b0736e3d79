"""On-disk cache of per-unit profiles, keyed by physics configuration and weather content.

Owns where profiles are kept between runs and how stale ones are kept out; imports only
``errors``. The key (made by ``simulate.profile_key``) hashes the physics configuration,
the site, the weather's SHA-256 and ``PHYSICS_VERSION``; this module adds the versions of
pvlib and windpowerlib to the file name, so a profile computed by older physics is never
read. Files are written to a temporary name and renamed, so a reader never sees half a
profile; the folder is kept under a size bound by evicting the least recently used files.
"""

from __future__ import annotations

import hashlib
import logging
import os
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np

from energysim import atomic

logger = logging.getLogger(__name__)

#: Default size bound of the cache folder. [bytes]
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_ENVIRONMENT_VARIABLE = "ENERGYSIM_CACHE_DIR"


def default_cache_dir():
    """The user cache folder (platformdirs), or ``$ENERGYSIM_CACHE_DIR`` when set. [Path]"""
    override = os.environ.get(_ENVIRONMENT_VARIABLE)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("energysim", appauthor=False)) / "profiles"


def _library_versions(packages=("pvlib", "windpowerlib")):
    parts = []
    for package in packages:
        try:
            parts.append(f"{package}={importlib_metadata.version(package)}")
        except importlib_metadata.PackageNotFoundError:
            parts.append(f"{package}=none")
    return ";".join(parts)


def _physics_source_digest():
    # The physics code itself: a change that forgot to bump PHYSICS_VERSION must not be
    # served stale profiles (regress caught one at 5e-5). Reading ~40 kB costs < 1 ms.
    folder = Path(__file__).resolve().parent / "physics"
    digest = hashlib.sha256()
    # kernels.py holds the compiled terms of the physics chain (issue 15)
    for path in [*sorted(folder.glob("*.py")), folder.parent / "kernels.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class ProfileCache:
    """Profiles as ``.npy`` files in one folder.

    Parameters
    ----------
    folder : str or Path, optional
        Where to keep them; :func:`default_cache_dir` if omitted.
    max_bytes : int
        Size bound; the least recently used files go first. [bytes]

    Examples
    --------
    >>> import tempfile
    >>> cache = ProfileCache(tempfile.mkdtemp())
    >>> cache.get("abc") is None
    True
    >>> cache.put("abc", np.arange(3.0))
    >>> cache.get("abc").tolist()
    [0.0, 1.0, 2.0]
    """

    def __init__(self, folder=None, max_bytes=DEFAULT_MAX_BYTES):
        self.folder = Path(folder) if folder is not None else default_cache_dir()
        self.max_bytes = int(max_bytes)
        self._salt = hashlib.sha256(
            (_library_versions() + _physics_source_digest()).encode()).hexdigest()[:12]

    def _path(self, key):
        return self.folder / f"{key}-{self._salt}.npy"

    def get(self, key):
        """The cached profile for ``key``, or None. [ndarray]"""
        path = self._path(key)
        try:
            profile = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None  # absent, unreadable or truncated: recompute
        try:
            os.utime(path)  # mark as recently used
        except OSError:
            pass
        logger.debug("profile cache hit %s", path.name)
        profile.flags.writeable = False  # shared by every scenario that uses it
        return profile

    def put(self, key, profile):
        """Store ``profile`` under ``key``; a cache that cannot be written is skipped."""
        self.put_many([(key, profile)])

    def put_many(self, items):
        """Store each ``(key, profile)`` of ``items``, then evict once (a sweep's batch).

        Eviction scans the folder, so a batch of new designs pays for it once, not once
        per profile (which made 2,000 puts quadratic in the folder's size).
        """
        try:
            atomic.make_folder(self.folder)
            for key, profile in items:
                with (atomic.atomic_path(self._path(key)) as temporary,
                      open(temporary, "xb") as stream):
                    np.save(stream, np.asarray(profile, dtype=np.float64), allow_pickle=False)
            self._evict()
        except OSError as err:
            logger.warning("profile cache %s not written: %s", self.folder, err)

    def _evict(self):
        for path in atomic.stale_temporaries(self.folder):  # left by a killed writer
            path.unlink(missing_ok=True)
        stats = []
        for path in self.folder.glob("*.npy"):
            try:
                stats.append((path.stat(), path))
            except FileNotFoundError:  # removed by another process meanwhile
                continue
        total = 0
        for stat, path in sorted(stats, key=lambda item: item[0].st_mtime, reverse=True):
            total += stat.st_size
            if total > self.max_bytes:
                path.unlink(missing_ok=True)

    def clear(self):
        """Delete every cached profile. [int: files removed]"""
        removed = 0
        for path in self.folder.glob("*.npy"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed


class WeatherCache:
    """Generated (``builtin:``) weather years as ``.npz`` + ``.json`` files in one folder.

    The key (:func:`builtin_weather_key`) hashes the source, the seed, the generator's
    version, the committed normals and the versions of the libraries the generator calls,
    so a stale year is never read. Files are written under temporary names and renamed.

    Parameters
    ----------
    folder : str or Path, optional
        Default: ``weather/`` in :func:`default_cache_dir`.
    """

    def __init__(self, folder=None):
        self.folder = Path(folder) if folder is not None else default_cache_dir() / "weather"

    def key(self, source, seed):
        """Key of the generated year ``source`` with ``seed``. [hex str]"""
        from energysim import weather

        return builtin_weather_key(source, seed, weather.SHAOGUAN_NORMALS_PATH,
                                   weather.GENERATOR_VERSION)

    def get(self, key):
        """The cached ``(data, meta)`` for ``key``, or None."""
        import json

        import pandas as pd

        try:
            with np.load(self.folder / f"{key}.npz", allow_pickle=False) as npz:
                values, index_ns, columns = npz["values"], npz["index_ns"], npz["columns"]
            meta = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError):
            return None  # absent, unreadable or truncated: regenerate
        index = pd.DatetimeIndex(index_ns.astype("datetime64[ns]"), name="time").tz_localize("UTC")
        return pd.DataFrame(values, index=index, columns=[str(c) for c in columns]), meta

    def put(self, key, data, meta):
        """Store a generated year; a cache that cannot be written is skipped."""
        import json

        index_ns = data.index.tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]")
        try:
            atomic.make_folder(self.folder)
            for path in atomic.stale_temporaries(self.folder):  # left by a killed writer
                path.unlink(missing_ok=True)
            with atomic.atomic_path(self.folder / f"{key}.npz") as temporary, \
                    open(temporary, "xb") as stream:
                np.savez(stream, values=data.to_numpy(dtype=np.float64),
                         index_ns=index_ns.astype(np.int64),
                         columns=np.array([str(c) for c in data.columns]))
            atomic.write_text(self.folder / f"{key}.json", json.dumps(meta, default=str))
        except OSError as err:
            logger.warning("weather cache %s not written: %s", self.folder, err)


def builtin_weather_key(source, seed, normals_path, generator_version):
    """Key of a generated weather year. [hex str]"""
    parts = [source, str(int(seed)), str(generator_version),
             hashlib.sha256(Path(normals_path).read_bytes()).hexdigest(),
             _library_versions(("numpy", "scipy", "pandas", "pvlib"))]
    return hashlib.sha256(";".join(parts).encode()).hexdigest()
