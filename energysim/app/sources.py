"""Which scenarios a what-if server offers: those it was started with, or the shipped ones.

Files are read once, when the server starts; the page names a scenario only by its index.
"""

from __future__ import annotations

from pathlib import Path

from energysim.errors import ScenarioError
from energysim.scenario import load_scenario

def shipped_folder(package=None):
    """The folder of the scenarios shipped with energysim.

    An installed package has them as package data in ``energysim/shipped`` (pyproject.toml
    maps the checkout's ``scenarios`` folder there); a source checkout, or an editable
    install, reads the ``scenarios`` folder itself.

    Parameters
    ----------
    package : Path, optional
        The ``energysim`` package folder; default: the one this module is in.

    Returns
    -------
    Path
    """
    package = Path(__file__).resolve().parents[1] if package is None else Path(package)
    installed = package / "shipped"
    return installed if installed.is_dir() else package.parent / "scenarios"


#: The scenarios shipped with energysim (see :func:`shipped_folder`).
SHIPPED = shipped_folder()


def scenario_files(paths):
    """The scenario files meant by ``paths`` (files, folders of them, or result folders).

    Parameters
    ----------
    paths : sequence of str or Path
        Empty: the shipped scenarios.

    Returns
    -------
    list of Path
        Raises ScenarioError (one line) for a path that is missing or holds no scenario.
    """
    if not paths:
        if not SHIPPED.is_dir():
            raise ScenarioError(f"{SHIPPED}: no shipped scenarios here; name scenario files")
        paths = [SHIPPED]
    files = []
    for path in map(Path, paths):
        if path.is_file():
            files.append(path)
        elif (path / "scenario.toml").is_file():  # a result folder
            files.append(path / "scenario.toml")
        elif path.is_dir() and sorted(path.glob("*.toml")):
            files += sorted(path.glob("*.toml"))
        else:
            raise ScenarioError(f"{path}: not a scenario file, a folder of them or a result "
                                "folder")
    return files


def display_label(path):
    """How the page names a scenario file: never a folder of the server's disk.

    ``shipped: NAME.toml`` for a shipped scenario, ``RESULT/scenario.toml`` for a result
    folder's scenario, else the file name. [str]
    """
    path = Path(path)
    if path.resolve().parent == SHIPPED.resolve():
        return f"shipped: {path.name}"
    if path.name == "scenario.toml":
        return f"{path.parent.resolve().name}/{path.name}"
    return path.name


def load_entries(paths):
    """(label, Scenario) for every scenario file meant by ``paths``. [list of tuple]"""
    return [(display_label(path), load_scenario(path)) for path in scenario_files(paths)]
