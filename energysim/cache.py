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
import tempfile
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np

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


def _library_versions():
    parts = []
    for package in ("pvlib", "windpowerlib"):
        try:
            parts.append(f"{package}={importlib_metadata.version(package)}")
        except importlib_metadata.PackageNotFoundError:
            parts.append(f"{package}=none")
    return ";".join(parts)


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
        self._salt = hashlib.sha256(_library_versions().encode()).hexdigest()[:12]

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
        return profile

    def put(self, key, profile):
        """Store ``profile`` under ``key``; a cache that cannot be written is skipped."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".partial")
            with os.fdopen(handle, "wb") as stream:
                np.save(stream, np.asarray(profile, dtype=np.float64), allow_pickle=False)
            os.replace(temporary, self._path(key))
            self._evict()
        except OSError as err:
            logger.warning("profile cache %s not written: %s", self.folder, err)

    def _evict(self):
        files = sorted(self.folder.glob("*.npy"), key=lambda p: p.stat().st_mtime, reverse=True)
        total = 0
        for path in files:
            total += path.stat().st_size
            if total > self.max_bytes:
                path.unlink(missing_ok=True)

    def clear(self):
        """Delete every cached profile. [int: files removed]"""
        removed = 0
        for path in self.folder.glob("*.npy"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed
