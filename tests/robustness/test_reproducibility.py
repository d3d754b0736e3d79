"""Reproducibility: same scenario, weather and seed give byte-identical results, however run.

Two scenarios (one on the real Shaoguan EPW, one on a generated year with a non-default
seed) are run four ways as real subprocesses: sequentially without the profile cache,
in two processes (``--jobs 2``) filling a cold cache, sequentially from the warm cache, and
again from a result folder (``energysim run RESULT_DIR``). Every file must be identical.
The provenance each result records must be enough to tell what produced it.

Stale and corrupt profile-cache files (``energysim.cache``) are tested in-process: a
profile computed by other physics or other library versions, a truncated file, a file of
the wrong shape -- none may be used.

Sweeps: local vs Dask equality and a killed Dask worker are covered by tests/test_sweep.py
(``test_dask_cluster_gives_the_same_table``, ``test_process_pool_gives_the_same_table``,
``test_dask_worker_killed_mid_sweep_still_yields_every_point_once``), so not repeated here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ._cli import run_cli

S1 = """\
name = "repro-epw"
years = [2023, 2024]            # a leap year: Feb 28 is repeated
[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
[weather]
source = "{epw}"
[[pv]]
name = "pv"
capacity_mw = 300
buildout_share = {{ 2023 = 0.5, 2024 = 1.0 }}
[[wind]]
name = "wind"
capacity_mw = 200
turbine = "E-115/3000"
hub_height_m = 120
mean_wind_speed_ms = 6.0
[grid]
export_limit_mw = 250
"""

S2 = """\
name = "repro-builtin"
years = [2021, 2021]
[site]
latitude = 24.68
longitude = 113.6
[weather]
source = "builtin:shaoguan"
seed = 2
[[pv]]
name = "tracker"
capacity_mw = 80
tracking = "single_axis"
curtailment_pct = 3
[grid]
emission_factor_hourly_shape = [1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8,
                                0.8, 0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2, 1.2, 1.1, 1.1, 1.1]
"""
NAMES = ("repro-epw", "repro-builtin")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shaoguan_epw_path):
    """The same two scenarios run four ways; returns {label: output folder}."""
    work = tmp_path_factory.mktemp("repro")
    (work / "s1.toml").write_text(S1.format(epw=shaoguan_epw_path.as_posix()), encoding="utf-8")
    (work / "s2.toml").write_text(S2, encoding="utf-8")
    both = [work / "s1.toml", work / "s2.toml"]
    plan = {
        "sequential-no-cache": [*both, "-j", "1", "--no-cache"],
        "two-jobs-cold-cache": [*both, "-j", "2"],
        "sequential-warm-cache": [*both, "-j", "1"],
    }
    outs = {}
    for label, args in plan.items():
        outs[label] = work / label
        done = run_cli(["run", *args, "-o", outs[label], "--no-plots", "-q"], work)
        assert done.returncode == 0, f"{label}: {done.stderr}"
    cached = list((work / "profile-cache").glob("*.npy"))
    assert len(cached) == 3, f"the cold run should have cached 3 profiles: {cached}"
    outs["rerun-from-folder"] = work / "rerun-from-folder"
    done = run_cli(["run", outs["sequential-no-cache"] / "repro-epw",
                    "-o", outs["rerun-from-folder"], "--no-plots", "--no-cache", "-q"], work)
    assert done.returncode == 0, done.stderr
    return {"work": work, "epw": shaoguan_epw_path, **outs}


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("label", ["two-jobs-cold-cache", "sequential-warm-cache"])
@pytest.mark.parametrize("name", NAMES)
def test_every_file_is_byte_identical(runs, label, name):
    reference = runs["sequential-no-cache"] / name
    other = runs[label] / name
    assert _files(other) == _files(reference)
    for file in _files(reference):
        assert (other / file).read_bytes() == (reference / file).read_bytes(), file


@pytest.mark.parametrize("name", NAMES)
def test_parquet_values_are_identical(runs, name):
    reference = runs["sequential-no-cache"] / name
    for label in ("two-jobs-cold-cache", "sequential-warm-cache"):
        for file in ("annual.parquet", "hourly.parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(runs[label] / name / file),
                                          pd.read_parquet(reference / file), check_exact=True)


def test_rerunning_a_result_folder_reproduces_it(runs):
    original = runs["sequential-no-cache"] / "repro-epw"
    again = runs["rerun-from-folder"] / "repro-epw"
    assert (again / "annual.csv").read_bytes() == (original / "annual.csv").read_bytes()
    assert (again / "totals.csv").read_bytes() == (original / "totals.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(again / "hourly.parquet"),
                                  pd.read_parquet(original / "hourly.parquet"), check_exact=True)
    first = json.loads((original / "summary.json").read_text(encoding="utf-8"))["provenance"]
    second = json.loads((again / "summary.json").read_text(encoding="utf-8"))["provenance"]
    assert second["scenario_sha256"] == first["scenario_sha256"]
    assert second["weather_sha256"] == first["weather_sha256"]


def test_provenance_says_what_produced_the_result(runs):
    from energysim.physics import PHYSICS_VERSION
    from energysim.scenario import load_scenario

    folder = runs["sequential-no-cache"] / "repro-epw"
    provenance = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["provenance"]
    recorded = load_scenario(folder / "scenario.toml")
    assert provenance["scenario_sha256"] == recorded.digest()
    # The recorded scenario.toml holds the weather path resolved (absolute, no symlinks);
    # provenance["scenario"] holds it as the scenario gave it. Otherwise they are equal.
    written, resolved = provenance["scenario"], recorded.to_dict()
    assert Path(written["weather"].pop("source")).resolve() == \
        Path(resolved["weather"].pop("source")).resolve()
    assert written == resolved
    assert provenance["weather_sha256"] == hashlib.sha256(runs["epw"].read_bytes()).hexdigest()
    assert Path(provenance["weather_source"]).name == runs["epw"].name
    assert provenance["physics_version"] == PHYSICS_VERSION
    for package in ("energysim", "pvlib", "windpowerlib", "numpy", "pandas", "numba", "pyarrow"):
        assert provenance["versions"][package], package

    builtin = runs["sequential-no-cache"] / "repro-builtin"
    provenance = json.loads((builtin / "summary.json").read_text(encoding="utf-8"))["provenance"]
    assert provenance["scenario"]["weather"] == {"source": "builtin:shaoguan", "seed": 2}
    assert provenance["weather_sha256"]


# --------------------------------------------------------------------------- profile cache


@pytest.fixture(scope="module")
def builtin_weather():
    from energysim.weather import builtin_shaoguan

    return builtin_shaoguan(0)


@pytest.fixture
def pv_case(builtin_weather, tmp_path, monkeypatch):
    """A PV fleet, its site and weather, an empty cache folder (no in-process memo is used)."""
    from energysim.scenario import parse_scenario

    scenario = parse_scenario(S2.replace("seed = 2", "seed = 0"), where="s2.toml")
    weather, meta = builtin_weather
    return scenario, scenario.fleets[0], weather, meta, tmp_path / "cache"


class SpyCache:
    """A ProfileCache that records which files it was asked to read."""

    def __init__(self, folder):
        from energysim.cache import ProfileCache

        self.inner = ProfileCache(folder)
        self.read = []

    def get(self, key):
        self.read.append(self.inner._path(key).name)
        return self.inner.get(key)

    def put(self, key, profile):
        self.inner.put(key, profile)


def _profile(case, cache):
    import energysim.simulate as simulate

    scenario, fleet, weather, meta, _ = case
    return simulate.profile_for(fleet, scenario.site, weather, meta, cache)


def _poison(path, shape):
    np.save(path, np.full(shape, 7.0))


def test_profile_of_an_older_physics_version_is_never_read(pv_case, monkeypatch):
    import energysim.physics

    folder = pv_case[-1]
    first = SpyCache(folder)
    truth = _profile(pv_case, first)
    (old_file,) = folder.glob("*.npy")
    _poison(old_file, truth.shape)  # whatever the old physics left there
    monkeypatch.setattr(energysim.physics, "PHYSICS_VERSION", "robustness-test-next")
    spy = SpyCache(folder)
    again = _profile(pv_case, spy)
    np.testing.assert_array_equal(again, truth)
    assert old_file.name not in spy.read, "the stale profile's file was read"
    assert len(list(folder.glob("*.npy"))) == 2


def test_profile_of_other_library_versions_is_never_read(pv_case, monkeypatch):
    import energysim.cache as cache_mod

    folder = pv_case[-1]
    truth = _profile(pv_case, None)
    monkeypatch.setattr(cache_mod, "_library_versions", lambda: "pvlib=0.0.1;windpowerlib=0.0.1")
    older = SpyCache(folder)
    older.put(_key(pv_case), np.full(truth.shape, 7.0))
    monkeypatch.undo()
    spy = SpyCache(folder)
    np.testing.assert_array_equal(_profile(pv_case, spy), truth)
    assert older.inner._path(_key(pv_case)).name not in spy.read


def _key(case):
    from energysim.simulate import profile_key

    scenario, fleet, _, meta, _ = case
    return profile_key(fleet, scenario.site, meta)


def test_truncated_cache_file_is_recomputed_and_replaced(pv_case):
    folder = pv_case[-1]
    truth = _profile(pv_case, SpyCache(folder))
    (path,) = folder.glob("*.npy")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    np.testing.assert_array_equal(_profile(pv_case, SpyCache(folder)), truth)
    np.testing.assert_array_equal(np.load(path), truth)  # rewritten whole


def test_profile_under_another_key_is_not_used(pv_case):
    folder = pv_case[-1]
    truth = _profile(pv_case, None)
    cache = SpyCache(folder)
    cache.put("0" * 64, np.full(truth.shape, 7.0))
    np.testing.assert_array_equal(_profile(pv_case, cache), truth)


@pytest.mark.parametrize("poison", [
    pytest.param(lambda shape: np.full(24, 0.5), id="wrong-length"),
    pytest.param(lambda shape: np.full(shape, np.nan), id="not-finite"),
])
def test_cached_profile_that_cannot_be_right_is_recomputed(pv_case, poison):
    folder = pv_case[-1]
    truth = _profile(pv_case, SpyCache(folder))
    (path,) = folder.glob("*.npy")
    np.save(path, poison(truth.shape))
    np.testing.assert_array_equal(_profile(pv_case, SpyCache(folder)), truth)
