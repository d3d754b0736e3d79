"""Packaging: the shipped scenarios are package data, and the package list is complete.

pyproject.toml lists the packages by hand (a find rule cannot also map ``scenarios/`` into
the package); these tests keep that list true. Checked once by hand on 2026-12-02 with a
non-editable ``pip install .[app]`` into a fresh virtual environment: ``energysim app``
offered the five shipped scenarios from ``site-packages/energysim/shipped``.
"""

import fnmatch
import sys
from pathlib import Path

from setuptools import find_packages

from energysim.app.sources import SHIPPED, load_entries, shipped_folder

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"]


def test_every_package_folder_is_listed_and_scenarios_are_mapped():
    found = set(find_packages(str(ROOT), include=["energysim*"]))
    assert set(SETUPTOOLS["packages"]) == found | {"energysim.shipped"}
    assert SETUPTOOLS["package-dir"] == {"energysim.shipped": "scenarios"}


def test_package_data_holds_every_shipped_scenario_and_its_observed_files():
    patterns = SETUPTOOLS["package-data"]["energysim.shipped"]
    folder = ROOT / "scenarios"
    shipped = [p for p in folder.rglob("*")
               if p.is_file() and any(fnmatch.fnmatch(p.relative_to(folder).as_posix(), pat)
                                      for pat in patterns)]
    names = {p.relative_to(folder).as_posix() for p in shipped}
    tomls = {p.name for p in folder.glob("*.toml")}
    assert tomls and tomls <= names
    # the observed files the calibration tables name (relative to the scenario) go along
    for label, scenario in load_entries([folder]):
        for fleet in scenario.fleets:
            if fleet.calibration is not None:
                assert fleet.calibration.observed_file in names, (label, fleet.name)


def test_shipped_folder_prefers_the_installed_package_data(tmp_path):
    package = tmp_path / "site-packages" / "energysim"
    package.mkdir(parents=True)
    assert shipped_folder(package) == tmp_path / "site-packages" / "scenarios"  # checkout form
    (package / "shipped").mkdir()
    assert shipped_folder(package) == package / "shipped"
    # this checkout (editable install): the scenarios folder itself
    assert SHIPPED == ROOT / "scenarios"
    assert [label for label, _ in load_entries([])][0].startswith("shipped: ")

