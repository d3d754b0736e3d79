"""One way to write a file: atomically, with one file-mode rule.

Owns the atomic write every energysim writer calls (result tables, report, comparison
files, caches, sweep store, regression baselines, generated weather); imports nothing from
energysim. A file is written to a hidden temporary name in its own folder
(``.<name>.<pid>.<random>.partial``), flushed and fsynced, given the mode
:func:`file_mode`, then renamed over the final name with :func:`os.replace`, so a reader
sees the old file or the new one, never a part. A temporary file is removed on any error;
one left by a killed process is found by :func:`stale_temporaries` (its pid is dead).

File-mode rule: files ``0o644`` and folders ``0o755``, each less the process umask
(``umask 077`` gives ``0o600`` / ``0o700``), the same for every writer.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_bytes(folder / "a.txt", b"hello").read_bytes()
b'hello'
>>> stale_temporaries(folder)
[]
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from pathlib import Path

#: Mode of every file energysim writes, before the umask.
FILE_MODE = 0o644
#: Mode of every folder energysim creates, before the umask.
FOLDER_MODE = 0o755
#: Suffix of temporary files (and of result-folder staging folders).
TEMPORARY_SUFFIX = ".partial"

_TEMPORARY = re.compile(r"\..+\.(?P<pid>\d+)\.[0-9a-f]{8}\.partial")


def current_umask():
    """The process umask (read without changing it for long). [int]"""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode():
    """Mode given to every written file: 0o644 less the umask. [int]"""
    return FILE_MODE & ~current_umask()


def folder_mode():
    """Mode given to every created folder: 0o755 less the umask. [int]"""
    return FOLDER_MODE & ~current_umask()


def temporary_name(path):
    """A hidden name next to ``path``, unique per process and call. [Path]"""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{TEMPORARY_SUFFIX}")


def make_folder(folder):
    """Create ``folder`` and its parents with :func:`folder_mode`. [Path]"""
    folder = Path(folder)
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)  # mkdir applies the umask
    return folder


@contextlib.contextmanager
def atomic_path(path, *, overwrite=True):
    """Yield a temporary path to write; on success it becomes ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        The final file; its folder must exist.
    overwrite : bool, default True
        Replace an existing file. If false, an existing file (even one that appears while
        writing) is never replaced: :class:`FileExistsError` is raised.

    Yields
    ------
    Path
        Where the caller writes the whole file (by path, e.g. ``to_parquet``).

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.
    OSError
        If the file cannot be written; the temporary file is removed.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(17, "File exists", str(path))
    temporary = temporary_name(path)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fchmod(handle.fileno(), file_mode())
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            _link_no_clobber(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_bytes(path, data, *, overwrite=True):
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`). [Path]"""
    with atomic_path(path, overwrite=overwrite) as temporary:
        with open(temporary, "xb") as handle:
            handle.write(data)
    return Path(path)


def write_text(path, text, *, overwrite=True):
    """Write ``text`` as UTF-8 (newlines as given) to ``path`` atomically. [Path]"""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def process_alive(pid):
    """Whether process ``pid`` runs on this machine (ours counts as alive). [bool]"""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def stale_temporaries(folder):
    """Temporary files in ``folder`` left by a writer process that is gone. [list of Path]"""
    found = []
    with contextlib.suppress(OSError):
        for path in Path(folder).iterdir():
            match = _TEMPORARY.fullmatch(path.name)
            if match and path.is_file() and not process_alive(int(match["pid"])):
                found.append(path)
    return found


def _link_no_clobber(temporary, path):
    try:
        os.link(temporary, path)  # fails with FileExistsError if the path exists
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if path.exists():
            raise FileExistsError(17, "File exists", str(path)) from None
        os.replace(temporary, path)
