"""The vectorised sweep path (issue 13 item 4): points that differ only in numbers.

Every comparison here is against the path of a scenario per point (``--full-annual``, or
a context without a plan), which is what the sweep computed before this path existed:
the tables must be equal (``DataFrame.equals``), errors must be the same one line.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energysim import simulate
from energysim.cache import ProfileCache
from energysim.errors import ScenarioError
from energysim.fleet import interpolate_points, interpolate_points_rows
from energysim.sweep import expand, load_sweep, parse_sweep, run_sweep, validate_points
from energysim.sweep.executors import ChunkTask, Context, WorkerState, run_chunk
from energysim.sweep.kpis import technologies
from energysim.sweep.numbers import combination_keys, combinations, plan_for

ROOT = Path(__file__).resolve().parents[1]
POTENTIAL_10000 = ROOT / "benchmarks" / "sweeps" / "potential-10000.toml"

BASE = """
name = "mini"
years = [2021, 2035]
[site]
latitude = 24.68
longitude = 113.60
altitude_m = 61
[weather]
source = "builtin:shaoguan"
[[pv]]
name = "utility-pv"
capacity_wan_kw = 40
tilt_deg = 20
curtailment_pct = 2
buildout_share = { 2021 = 0.1, 2025 = 0.5, 2030 = 1.0 }
[[wind]]
name = "ridge-wind"
capacity_mw = 200
turbine = "E-115/3000"
hub_height_m = 100
mean_wind_speed_ms = 6.0
buildout_share = { 2021 = 0.2, 2030 = 1.0 }
[grid]
emission_factor_t_per_mwh = { 2021 = 0.55, 2035 = 0.3 }
export_limit_mw = 400
"""

# tests/test_sweep.py's MAIN, sampled, with the export limit, the capacities and two
# emission-factor years continuous: 4 profiles, 2 x 2 x 2 = 8 structural combinations.
NUMBERS = """
base = "../base.toml"
[design]
kind = "random"
samples = 120
seed = 3
[parameters]
"pv[utility-pv].tilt_deg" = [15, 25]
"wind[0].hub_height_m" = [100, 120]
grid.export_limit_mw = { dist = "uniform", low = 150, high = 500 }
"grid.emission_factor_t_per_mwh[2035]" = { dist = "normal", mean = 0.3, sd = 0.1, low = 0.0, high = 0.6 }
"grid.emission_factor_t_per_mwh[2028]" = { dist = "uniform", low = 0.3, high = 0.5 }
"pv[0].capacity_wan_kw" = { dist = "uniform", low = 10, high = 80 }
"wind[ridge-wind].capacity_mw" = { dist = "uniform", low = 0, high = 400 }
[parameters.pace]
paths = ["pv[0].buildout_share", "wind[ridge-wind].buildout_share"]
values = [{ 2021 = 0.2, 2025 = 1.0 }, { 2021 = 0.05, 2035 = 1.0 }]
labels = ["fast", "slow"]
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("numbers")
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    (folder / "sweeps").mkdir()
    return folder


def write_sweep(workdir, name, text):
    path = workdir / "sweeps" / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cache(workdir):
    return ProfileCache(workdir / "profile-cache")


@pytest.fixture(scope="module")
def per_point(workdir, cache):
    """NUMBERS by a scenario per point (``full_annual`` takes that path)."""
    spec = load_sweep(write_sweep(workdir, "numbers", NUMBERS))
    return spec, run_sweep(spec, workdir / "per-point", chunk_size=25, full_annual=True,
                           profile_cache=cache)


def test_plan_splits_numbers_from_structure(workdir):
    spec = load_sweep(write_sweep(workdir, "numbers", NUMBERS))
    plan = plan_for(spec)
    assert [(s.table, s.key, s.year) for s in plan.slots] == [
        ("grid", "export_limit_mw", None), ("grid", "emission_factor_t_per_mwh", 2035),
        ("grid", "emission_factor_t_per_mwh", 2028), ("pv", "capacity_wan_kw", None),
        ("wind", "capacity_mw", None)]
    assert plan.structural == (0, 1, 7) and plan.radix == (2, 2, 2)
    assert plan_for(spec, full_annual=True) is None
    points = expand(spec)
    keys = combination_keys(plan, points.codes)
    groups = combinations(keys)
    assert len(groups) == 8
    assert sorted(np.concatenate([m for _, m in groups]).tolist()) == list(range(120))
    for key, members in groups:  # one combination: the same structural levels
        assert (keys[members] == key).all()
        assert len({tuple(points.codes[i, [0, 1, 7]]) for i in members}) == 1
    # A continuous parameter that is not a number of this kind: a scenario per point.
    tilt = NUMBERS.replace('"pv[utility-pv].tilt_deg" = [15, 25]',
                           '"pv[utility-pv].tilt_deg" = { dist = "uniform", low = 10, high = 30 }')
    assert plan_for(load_sweep(write_sweep(workdir, "tilt", tilt))) is None


def test_vectorised_sweep_equals_the_per_point_sweep(workdir, cache, per_point):
    spec, reference = per_point
    assert reference.points["wind[ridge-wind].capacity_mw"].min() < 5  # near zero, too
    outcome = run_sweep(spec, workdir / "vectorised", chunk_size=25, profile_cache=cache)
    assert outcome.points.equals(reference.points)
    assert outcome.n_chunks == 5 and outcome.n_profiles == 4
    assert outcome.summary["kpis"] == reference.summary["kpis"]
    # Two worker processes, each building one scenario per combination it meets.
    pooled = run_sweep(spec, workdir / "pooled", workers=2, min_points_per_worker=1,
                       chunk_size=25, profile_cache=cache)
    assert pooled.points.equals(reference.points)
    # The default chunk size of the vectorised path.
    assert run_sweep(spec, workdir / "default", profile_cache=cache).n_chunks == 1


def test_vectorised_sweep_on_a_dask_cluster_equals_the_per_point_sweep(workdir, cache,
                                                                       per_point):
    pytest.importorskip("distributed")
    spec, reference = per_point
    outcome = run_sweep(spec, workdir / "dask", dask_local=2, chunk_size=30,
                        profile_cache=cache)
    assert outcome.n_chunks == 4 and outcome.points.equals(reference.points)


def test_vectorised_chunks_equal_per_point_chunks_on_potential_10000():
    spec = load_sweep(POTENTIAL_10000)
    points = expand(spec)
    n = 300
    check = validate_points(spec, points)
    assert check["plan"] is not None and len(check["profiles"]) == 5
    weather, meta = simulate.load_scenario_weather(spec.base)
    profiles = simulate.profiles_for(check["profiles"].values(), weather, meta)
    kwargs = dict(spec=spec, weather=weather, weather_meta=meta, profiles=profiles,
                  techs=technologies(spec), full_annual=False, token="t")
    frames = []
    for plan in (None, check["plan"]):
        context = Context(**kwargs, plan=plan)
        state = WorkerState.for_context(context)
        parts = [run_chunk(context, ChunkTask(i, start, points.codes[start:start + 100],
                                              tuple(points.tags[start:start + 100])), state)[1]
                 for i, start in enumerate(range(0, n, 100))]
        frames.append(pd.concat(parts, ignore_index=True))
    per_point, vectorised = frames
    assert len(vectorised) == n and vectorised["curtailed_mwh_total"].max() > 0
    assert vectorised.equals(per_point)


def test_resume_on_the_vectorised_path(workdir, cache, per_point):
    spec, reference = per_point
    out = workdir / "resume"
    run_sweep(spec, out, chunk_size=10, profile_cache=cache)
    folder = out / spec.name
    for chunk in ("chunk-00002.parquet", "chunk-00009.parquet"):
        (folder / "chunks" / chunk).unlink()
    (folder / "chunks" / ".chunk-00002.parquet.1.ab.tmp").write_bytes(b"half")
    again = run_sweep(spec, out, resume=True, profile_cache=cache)
    assert again.computed_chunks == 2 and again.n_chunks == 12
    assert again.points.equals(reference.points)


BAD = """
base = "../base.toml"
[design]
kind = "lhs"
samples = 200
seed = 1
[parameters]
"pv[utility-pv].tilt_deg" = [15, 25]
PARAMETER
"grid.emission_factor_t_per_mwh[2035]" = { dist = "uniform", low = 0.1, high = 0.4 }
"""


@pytest.mark.parametrize("parameter, outside", [
    # a validator's rule (capacity >= 0): found by validating the combination's corners
    ('"pv[0].capacity_wan_kw" = { dist = "uniform", low = -20, high = 80 }',
     lambda v: v < 0),
    # a bound in the field's metadata (le = 1e6 万千瓦): checked as an array
    ('"pv[0].capacity_wan_kw" = { dist = "uniform", low = 10, high = 2e6 }',
     lambda v: v > 1e6),
    # a validator's strict rule (export limit > 0)
    ('grid.export_limit_mw = { dist = "uniform", low = -300, high = 500 }',
     lambda v: v <= 0),
])
def test_out_of_bounds_value_names_point_tag_and_parameter(workdir, parameter, outside):
    spec = load_sweep(write_sweep(workdir, "bad-number", BAD.replace("PARAMETER", parameter)))
    points = expand(spec)
    assert plan_for(spec) is not None
    messages = []
    for vectorised in (True, False):
        with pytest.raises(ScenarioError) as info:
            validate_points(spec, points, vectorised=vectorised)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    first = int(np.flatnonzero(outside(points.codes[:, 1]))[0])  # the first point outside
    assert f"bad-number.toml point {first} ({points.tags[first]})" in messages[0]
    path = parameter.split(" = ")[0].strip('"')
    assert f"[swept: {path} = " in messages[0]


def test_interpolate_points_rows_is_interpolate_points_row_by_row():
    rng = np.random.default_rng(7)
    years = np.arange(2018, 2066)
    for _ in range(100):
        point_years = np.sort(rng.choice(np.arange(2015, 2070), rng.integers(1, 6),
                                         replace=False))
        values = rng.random((20, point_years.size)) * rng.choice([1e-3, 1.0, 1e4])
        rows = interpolate_points_rows(point_years, values, years)
        expected = np.stack([interpolate_points(dict(zip(point_years.tolist(), row.tolist())),
                                                years) for row in values])
        assert np.array_equal(rows.view(np.int64), expected.view(np.int64))


def test_simulate_numbers_equals_simulate_batch_with_dispatch_refused(workdir):
    spec = parse_sweep({"base": "../base.toml", "parameters": {"grid": {"export_limit_mw": [300]}}},
                       workdir / "sweeps" / "one.toml")
    base = spec.base
    weather, meta = simulate.load_scenario_weather(base)
    capacity = np.array([0.0, 150.0, 400.0])
    limit = np.array([[350.0] * 15, [200.0] * 15, [1e9] * 15])
    out = simulate.simulate_numbers(base, weather, meta, capacity_mw={1: capacity},
                                    export_limit_mw=limit)
    for i, mw in enumerate(capacity):
        scenario = base.with_changes({"wind[0].capacity_mw": float(mw),
                                      "grid.export_limit_mw": float(limit[i, 0])})
        alone = simulate.simulate_batch([scenario], weather, meta)[0]
        for name in ("installed_mw", "effective_mw", "generation_mwh", "curtailed_mwh",
                     "delivered_mwh", "avoided_tco2"):
            assert np.array_equal(out[name][i], getattr(alone, name)), (i, name)
    assert out["curtailed_mwh"][1].sum() > 0 and out["generation_mwh"][0, :, 1].sum() == 0
    stored = base.with_changes({"storage": [{"name": "b", "power_mw": 10, "duration_h": 2}]})
    with pytest.raises(ValueError, match="dispatch kernel"):
        simulate.simulate_numbers(stored, weather, meta, n_points=2)
