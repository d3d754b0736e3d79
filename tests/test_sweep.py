"""Sweeps: sweep files -> points, tags and errors; chunked, resumable runs, local and on Dask.

The base scenario is small (two fleets, 2021-2035) and uses the built-in Shaoguan year, so
every run here is arithmetic on four per-unit profiles, computed once per module and kept
in a profile cache folder that the subprocess runs share.
"""

import json
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from energysim.cache import ProfileCache
from energysim.cli import main
from energysim.cli.sweep_cmd import sweep
from energysim.errors import OutputExistsError, ScenarioError
from energysim.scenario import scenario_from_dict
from energysim.sweep import (
    PointBuilder,
    expand,
    load_sweep,
    parse_sweep,
    run_sweep,
    validate_points,
)

if "sweep" not in main.commands:  # until the lead registers it in energysim.cli
    main.add_command(sweep)

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

# 2 x 2 x 3 x 2 x 2 = 48 points; 2 PV + 2 wind configurations = 4 profiles.
MAIN = """
base = "../base.toml"
[parameters]
"pv[utility-pv].tilt_deg" = [15, 25]
"wind[0].hub_height_m" = [100, 120]
grid.export_limit_mw = { start = 300, stop = 500, step = 100 }
"grid.emission_factor_t_per_mwh[2035]" = [0.2, 0.4]
[parameters.pace]
paths = ["pv[0].buildout_share", "wind[ridge-wind].buildout_share"]
values = [{ 2021 = 0.2, 2025 = 1.0 }, { 2021 = 0.05, 2035 = 1.0 }]
labels = ["fast", "slow"]
"""
N_MAIN = 48

# What the subprocess runs: the energysim command line with the sweep command registered.
CLI = ("import sys; from energysim.cli import main; from energysim.cli.sweep_cmd import sweep; "
       "main.add_command(sweep); sys.argv[0] = 'energysim'; main()")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    (folder / "sweeps").mkdir()
    return folder


def write_sweep(workdir, name, text):
    path = workdir / "sweeps" / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cache_dir(workdir):
    return workdir / "profile-cache"


@pytest.fixture(scope="module")
def reference(workdir, cache_dir):
    """An uninterrupted in-process run of MAIN with annual tables: the values to match."""
    spec = load_sweep(write_sweep(workdir, "main", MAIN))
    outcome = run_sweep(spec, workdir / "reference", chunk_size=4, full_annual=True,
                        profile_cache=ProfileCache(cache_dir))
    return spec, outcome


def read_annual(folder):
    frame = pd.read_parquet(folder / "annual")
    return frame.sort_values(["point", "year"], kind="stable", ignore_index=True)


def sweep_error(workdir, text, name="bad"):
    with pytest.raises(ScenarioError) as info:
        load_sweep(write_sweep(workdir, name, text))
    message = str(info.value)
    assert "\n" not in message
    assert f"{name}.toml" in message
    return message


# --------------------------------------------------------------------------- spec -> points

def test_grid_expands_in_file_order_with_short_tags(workdir):
    spec = load_sweep(write_sweep(workdir, "main", MAIN))
    points = expand(spec)
    assert len(points) == N_MAIN
    assert [p.alias for p in spec.parameters] == ["tilt", "hub", "export", "ef2035", "pace"]
    # itertools.product order: the last parameter varies fastest.
    assert points.tags[:3] == ["tilt15_hub100_export300_ef2035-0.2_pacefast",
                               "tilt15_hub100_export300_ef2035-0.2_paceslow",
                               "tilt15_hub100_export300_ef2035-0.4_pacefast"]
    assert points.tags[-1] == "tilt25_hub120_export500_ef2035-0.4_paceslow"
    assert len(set(points.tags)) == N_MAIN
    # The fleet index and the fleet name select the same table; ranges include stop.
    assert spec.parameters[1].targets == (("wind", 0, "hub_height_m"),)
    assert spec.parameters[2].levels == (300, 400, 500)
    assert spec.kpi_years == (2025, 2030, 2035)  # the milestones in 2021..2035


def test_float_range_is_inclusive_and_exact(workdir):
    spec = load_sweep(write_sweep(workdir, "range", """
base = "../base.toml"
[parameters]
"pv[0].dc_ac_ratio" = { start = 1.1, stop = 1.4, step = 0.1 }
"""))
    assert spec.parameters[0].levels == (1.1, 1.2, 1.3, 1.4)
    assert expand(spec).tags == ["dcac1.1", "dcac1.2", "dcac1.3", "dcac1.4"]


def test_point_scenarios_match_a_full_parse(workdir):
    # The fast path (validated tables reused) must give what scenario_from_dict gives,
    # including keys replaced by others (capacity, emission factor, tracking -> tilt).
    spec = load_sweep(write_sweep(workdir, "mixed", """
base = "../base.toml"
[parameters]
"pv[0].tracking" = ["fixed", "single_axis"]
"pv[0].capacity_wan_kw" = [30, 40]
"grid.export_limit_mw" = [350, 450]
[parameters."grid.emission_factor"]
values = [{ preset = "guangdong" }, { preset = "southern-region", extend = "hold" }]
labels = ["gd", "south"]
"""))
    points = expand(spec)
    builder = PointBuilder(spec)
    for i, (row, tag) in enumerate(zip(points.codes, points.tags)):
        fast = builder.scenario(i, row, tag)
        full = scenario_from_dict(builder.point_dict(row), base_dir=spec.base.base_dir)
        assert fast.digest() == full.digest(), tag
    last = builder.scenario(len(points) - 1, points.codes[-1], points.tags[-1])
    assert last.pv[0].tracking == "single_axis" and last.pv[0].tilt_deg is None
    assert last.pv[0].capacity_mw == pytest.approx(400.0)
    assert last.grid.emission_factor_t_per_mwh is None
    assert last.grid.emission_factor.preset == "southern-region"


def test_random_and_lhs_designs_are_seeded_and_stratified(workdir):
    text = """
base = "../base.toml"
[design]
kind = "{kind}"
samples = 40
seed = 7
[parameters]
"pv[0].tilt_deg" = {{ dist = "uniform", low = 5, high = 35 }}
"grid.export_limit_mw" = {{ dist = "normal", mean = 400, sd = 100, low = 250, high = 600 }}
"wind[0].hub_height_m" = [90, 100, 110, 120]
"""
    lhs = load_sweep(write_sweep(workdir, "lhs", text.format(kind="lhs")))
    a, b = expand(lhs), expand(lhs)
    assert np.array_equal(a.codes, b.codes) and a.tags == b.tags
    tilt = a.codes[:, 0]
    # One point in each of the 40 equal strata of [5, 35).
    assert sorted(np.floor((tilt - 5) / 30 * 40).astype(int).tolist()) == list(range(40))
    assert a.codes[:, 1].min() >= 250 and a.codes[:, 1].max() <= 600
    # Discrete levels in a Latin hypercube: each of 4 levels 10 times.
    assert np.bincount(a.codes[:, 2].astype(int)).tolist() == [10, 10, 10, 10]
    assert a.tags[0].startswith("tilt") and len(set(a.tags)) == 40
    rnd = expand(load_sweep(write_sweep(workdir, "rnd", text.format(kind="random"))))
    assert not np.array_equal(rnd.codes, a.codes)
    assert validate_points(lhs, a)["groups"] == 40


def test_duplicate_tags_get_a_hash_suffix(workdir):
    spec = load_sweep(write_sweep(workdir, "dupes", """
base = "../base.toml"
[design]
kind = "random"
samples = 30
[parameters]
"wind[0].hub_height_m" = { dist = "choice", values = [100, 120] }
"pv[0].degradation.annual_rate_pct" = [0.4, 0.5]
"wind[0].degradation.annual_rate_pct" = [0.2, 0.3]
"""))
    assert [p.alias for p in spec.parameters] == ["hub", "pv0degr", "wind0degr"]
    tags = expand(spec).tags
    assert len(set(tags)) == 30 and tags == expand(spec).tags
    suffixed = [t for t in tags if t.count("_") == 3]
    assert suffixed and all(len(t.rsplit("_", 1)[1]) == 6 for t in suffixed)


@pytest.mark.parametrize("parameters, design, expected", [
    ('"pv[utility-pv].tilt" = [10, 20]', "",
     "unknown key 'tilt' in [PVFleet]; did you mean 'tilt_deg'"),
    ('"wind[ridge].hub_height_m" = [90]', "", "no wind entry named 'ridge'"),
    ('"utility-pv.tilt_deg" = [10]', "", "write pv[utility-pv].<key>"),
    ('"pv[3].tilt_deg" = [10]', "", "indices: 0..0"),
    ('"weather.seed" = [0, 1]', "", "the weather is fixed in a sweep"),
    ('"pv[0].tilt_deg" = { start = 30, stop = 10, step = 5 }', "", "empty range"),
    ('"pv[0].tilt_deg" = { start = 10, stop = 30, step = 0 }', "", "empty range"),
    ('"pv[0].tilt_deg" = []', "", "at least one value"),
    ('"pv[0].tilt_deg" = 20', "", "a single value belongs in the base scenario"),
    ('"pv[0].tilt_deg" = { dist = "gauss", mean = 1, sd = 1 }', 'kind = "lhs"\nsamples = 5',
     "unknown distribution; allowed: 'uniform', 'normal', 'choice'"),
    ('"pv[0].tilt_deg" = { dist = "uniform", low = 30, high = 10 }', 'kind = "lhs"\nsamples = 5',
     "needs low < high"),
    ('"pv[0].tilt_deg" = { dist = "normal", mean = 20, sd = 0 }', 'kind = "random"\nsamples = 5',
     "needs sd > 0"),
    ('"pv[0].tilt_deg" = { dist = "uniform", low = 10, high = 30 }', "", "distributions need"),
    ('"pv[0].tilt_deg" = [10, 20]', "samples = 10", "samples is for kind"),
    ('"pv[0].tilt_deg" = [10, 20]', 'kind = "lhs"', "samples missing"),
    ('"pv[0].tilt_deg" = [10]\n"pv[0]" = [{ name = "x" }]', "", "overlaps"),
])
def test_bad_sweep_files_name_the_file_the_parameter_and_what_is_allowed(
        workdir, parameters, design, expected):
    message = sweep_error(workdir, f'base = "../base.toml"\n[design]\n{design}\n'
                                   f'[parameters]\n{parameters}\n')
    assert expected in message
    if "[parameters]" in message:
        assert parameters.split("=")[0].strip().strip('"') in message


def test_missing_base_is_an_error(workdir):
    assert "base missing" in sweep_error(workdir, '[parameters]\n"pv[0].tilt_deg" = [10]\n')
    message = sweep_error(workdir, 'base = "nowhere.toml"\n[parameters]\n"pv[0].tilt_deg" = [1]\n')
    assert "no such scenario file" in message


def test_invalid_combination_names_the_point_and_the_parameter(workdir):
    spec = load_sweep(write_sweep(workdir, "invalid", """
base = "../base.toml"
[parameters]
"pv[0].tilt_deg" = [10, 20]
"pv[0].dc_ac_ratio" = [1.2, 3.5]
"""))
    with pytest.raises(ScenarioError) as info:
        validate_points(spec, expand(spec))
    message = str(info.value)
    assert "invalid.toml point 1 (tilt10_dcac3.5)" in message
    assert "dc_ac_ratio = 3.5" in message and "[swept: pv[0].dc_ac_ratio = 3.5]" in message


def test_unquoted_dotted_keys_are_paths(workdir):
    spec = parse_sweep({"base": "../base.toml",
                        "parameters": {"grid": {"export_limit_mw": [300, 400]}}},
                       workdir / "sweeps" / "dotted.toml")
    assert spec.parameters[0].path == "grid.export_limit_mw"


# --------------------------------------------------------------------------- running

def test_points_table_kpis_and_annual_tables_match_run_scenario(reference):
    from energysim.results import read_parquet_schema
    from energysim.simulate import run_scenario

    spec, outcome = reference
    points = pd.read_parquet(outcome.folder / "points.parquet")
    assert len(points) == N_MAIN and points["point"].tolist() == list(range(N_MAIN))
    assert outcome.n_profiles == 4 and outcome.computed_chunks == outcome.n_chunks == 12
    assert points["pace"].tolist()[:2] == ["fast", "slow"]  # tables by their label
    schema = read_parquet_schema(outcome.folder / "points.parquet")
    assert schema["cumulative_avoided_tco2_2035"]["unit"] == "tCO2"
    assert schema["pv[utility-pv].tilt_deg"]["unit"] == "deg"
    assert schema["capacity_factor_wind_2030"]["unit"] == "1"

    # One point, simulated on its own by `run`, gives the same numbers.
    builder = PointBuilder(spec)
    row = expand(spec).codes[29]
    result = run_scenario(builder.scenario(29, row, points.tag[29]))
    annual, totals = result.annual, result.totals.set_index("year")
    kpis = points.iloc[29]
    pv_2030 = annual[(annual.year == 2030) & (annual.technology == "pv")]
    assert kpis["delivered_mwh_pv_2030"] == pv_2030.delivered_mwh.sum()
    assert kpis["capacity_factor_pv_2030"] == pv_2030.capacity_factor.iloc[0]
    assert kpis["cumulative_avoided_tco2_2035"] == pytest.approx(
        totals.cumulative_avoided_tco2[2035], rel=1e-12)
    assert kpis["curtailed_mwh_total"] == pytest.approx(annual.curtailed_mwh.sum(), rel=1e-12)
    assert kpis["curtailed_mwh_total"] > 0  # the export limit binds in this sweep
    mine = read_annual(outcome.folder).query("point == 29").drop(columns=["point", "tag"])
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), annual[mine.columns],
                                  check_exact=True)

    summary = json.loads((outcome.folder / "summary.json").read_text())
    assert summary["tornado"]["kpi"] == "cumulative_avoided_tco2_2035"
    rho = summary["spearman"]["curtailed_mwh_total"]["grid.export_limit_mw"]
    assert rho < -0.5  # a higher export limit curtails less


def test_a_sweep_of_non_physical_parameters_computes_each_profile_once(workdir, cache_dir):
    spec = load_sweep(write_sweep(workdir, "arith", """
base = "../base.toml"
[parameters]
"grid.export_limit_mw" = { start = 250, stop = 600, step = 50 }
"grid.emission_factor_t_per_mwh[2035]" = [0.1, 0.2, 0.3]
"pv[0].buildout_share" = { values = [{ 2021 = 0.2, 2025 = 1.0 }, { 2030 = 1.0 }] }
"""))
    check = validate_points(spec, expand(spec))
    assert len(check["profiles"]) == 2 and check["groups"] == 1


def test_process_pool_gives_the_same_table(workdir, reference, cache_dir):
    spec, outcome = reference
    pooled = run_sweep(spec, workdir / "pooled", workers=2, chunk_size=12, full_annual=True,
                       profile_cache=ProfileCache(cache_dir), min_points_per_worker=1)
    pd.testing.assert_frame_equal(pooled.points, outcome.points, check_exact=True)
    pd.testing.assert_frame_equal(read_annual(pooled.folder), read_annual(outcome.folder),
                                  check_exact=True)


def test_resume_overwrite_and_changed_inputs(workdir, reference, cache_dir):
    spec, outcome = reference
    out = workdir / "resume"
    kwargs = dict(chunk_size=4, profile_cache=ProfileCache(cache_dir))
    run_sweep(spec, out, **kwargs)
    with pytest.raises(OutputExistsError, match="pass --resume"):
        run_sweep(spec, out, **kwargs)
    folder = out / spec.name
    for chunk in ("chunk-00003.parquet", "chunk-00007.parquet"):
        (folder / "chunks" / chunk).unlink()
    (folder / "chunks" / ".chunk-00003.parquet.123.abcd.tmp").write_bytes(b"half")
    again = run_sweep(spec, out, resume=True, profile_cache=ProfileCache(cache_dir))
    assert again.computed_chunks == 2 and again.n_chunks == 12
    assert not list((folder / "chunks").glob(".*.tmp"))
    pd.testing.assert_frame_equal(again.points, outcome.points, check_exact=True)

    # A comment does not change the sweep; a value does (refused unless forced).
    write_sweep(workdir, "main", MAIN + "# a comment\n")
    assert run_sweep(load_sweep(workdir / "sweeps" / "main.toml"), out,
                     resume=True).computed_chunks == 0
    changed = load_sweep(write_sweep(workdir, "main", MAIN.replace("[15, 25]", "[15, 30]")))
    with pytest.raises(ScenarioError, match="the sweep file changed .* --force-changed"):
        run_sweep(changed, out, resume=True)
    forced = run_sweep(changed, out, resume=True, force_changed=True)
    assert forced.computed_chunks == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["forced_changes"] == [["the sweep file"]]
    with pytest.raises(ScenarioError, match="chunk_size was 4 and is now 5"):
        run_sweep(changed, out, resume=True, chunk_size=5)
    fresh = run_sweep(changed, out, overwrite=True, **kwargs)
    assert fresh.computed_chunks == 12 and fresh.points["pv[utility-pv].tilt_deg"].max() == 30
    write_sweep(workdir, "main", MAIN)


def default_sigint():
    """In a child: SIGINT's default disposition (a shell without job control starts a
    background command with SIGINT ignored, and Python keeps it ignored in children)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_after(args, env, chunks, n_chunks, signum):
    """Run the command line; send ``signum`` once ``n_chunks`` chunk files exist."""
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=default_sigint)
    while process.poll() is None:
        if chunks.is_dir() and len(list(chunks.glob("chunk-*.parquet"))) >= n_chunks:
            process.send_signal(signum)
            break
        time.sleep(0.002)
    _, stderr = process.communicate()
    return process.returncode, stderr


def test_interrupted_and_killed_sweep_resumes_to_the_uninterrupted_result(
        workdir, reference, cache_dir):
    # A real process: Ctrl-C (SIGINT) after a few chunks, then a resume killed with
    # SIGKILL after a few more, then a resume to the end.
    spec, outcome = reference
    sweep_file = workdir / "sweeps" / "main.toml"
    out = workdir / "killed"
    chunks = out / spec.name / "chunks"
    env = {**os.environ, "ENERGYSIM_CACHE_DIR": str(cache_dir)}
    # --units si: the reference was run without the Chinese-unit columns
    args = [sys.executable, "-c", CLI, "sweep", str(sweep_file), "-o", str(out), "--units", "si",
            "--chunk-size", "1", "--full-annual", "--workers", "1"]
    status, stderr = interrupt_after(args, env, chunks, 3, signal.SIGINT)
    assert status == 130, f"the sweep ended before it could be interrupted: {stderr}"
    assert "interrupted: completed chunks are kept" in stderr and "--resume" in stderr
    first = len(list(chunks.glob("chunk-*.parquet")))
    assert 3 <= first < N_MAIN

    status, _ = interrupt_after([*args[:-2], "--resume"], env, chunks, first + 3, signal.SIGKILL)
    assert status == -signal.SIGKILL, "the resumed sweep ended before it could be killed"
    done = len(list(chunks.glob("chunk-*.parquet")))
    assert first + 3 <= done < N_MAIN
    assert not (out / spec.name / "points.parquet").exists()

    resumed = subprocess.run([*args[:-2], "--resume"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{N_MAIN - done} chunks computed, {done} resumed" in resumed.stdout
    points = pd.read_parquet(out / spec.name / "points.parquet")
    assert points["point"].tolist() == list(range(N_MAIN))
    pd.testing.assert_frame_equal(points, outcome.points, check_exact=True)
    pd.testing.assert_frame_equal(read_annual(out / spec.name), read_annual(outcome.folder),
                                  check_exact=True)


# What a worker-pool subprocess runs: run_sweep on 2 local worker processes (one chunk per
# point, no minimum of points per worker); Ctrl-C ends it with 130, as the command line does.
POOL_SWEEP = """
import sys
from energysim.cache import ProfileCache
from energysim.sweep import load_sweep, run_sweep
try:
    run_sweep(load_sweep(sys.argv[1]), sys.argv[2], workers=2, chunk_size=1, full_annual=True,
              min_points_per_worker=1, resume=sys.argv[4] == "resume",
              profile_cache=ProfileCache(sys.argv[3]))
except KeyboardInterrupt:
    sys.exit(130)
"""
#: Only so that a hung run fails instead of blocking the suite; never reached when it works.
HANG_GUARD_S = 600


def test_ctrl_c_on_worker_processes_stops_and_resumes(workdir, reference, cache_dir):
    # Ctrl-C with chunks in flight on 2 worker processes: the run ends (the workers finish
    # their current chunk; none is killed while it sends a result), then --resume
    # completes it to the uninterrupted result, each point once.
    spec, outcome = reference
    out = workdir / "pool-interrupted"
    chunks = out / spec.name / "chunks"
    args = [sys.executable, "-c", POOL_SWEEP, str(workdir / "sweeps" / "main.toml"), str(out),
            str(cache_dir)]
    process = subprocess.Popen([*args, "fresh"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    while process.poll() is None:
        if chunks.is_dir() and len(list(chunks.glob("chunk-*.parquet"))) >= 3:
            process.send_signal(signal.SIGINT)
            break
        time.sleep(0.002)
    _, stderr = process.communicate(timeout=HANG_GUARD_S)
    assert process.returncode == 130, f"the sweep ended before it could be interrupted: {stderr}"
    first = len(list(chunks.glob("chunk-*.parquet")))
    assert 3 <= first < N_MAIN
    assert not (out / spec.name / "points.parquet").exists()

    resumed = subprocess.run([*args, "resume"], capture_output=True, text=True,
                             timeout=HANG_GUARD_S)
    assert resumed.returncode == 0, resumed.stderr
    points = pd.read_parquet(out / spec.name / "points.parquet")
    assert points["point"].tolist() == list(range(N_MAIN))
    pd.testing.assert_frame_equal(points, outcome.points, check_exact=True)


# --------------------------------------------------------------------------- Dask

@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    # The scheduler's HTTP server on a free port, as the CLI's --dask-local does:
    # dashboard_address=None still binds the default :8787 and warns "Port 8787 is already
    # in use" when another cluster on this machine holds it; that warning fails the test.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Port .* is already in use")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=":0")
    yield cluster
    cluster.close()


def test_dask_cluster_gives_the_same_table(workdir, reference, dask_cluster, cache_dir,
                                           monkeypatch):
    spec, outcome = reference
    monkeypatch.setenv("ENERGYSIM_CACHE_DIR", str(cache_dir))
    out = workdir / "dask"
    result = CliRunner().invoke(main, [
        "sweep", str(workdir / "sweeps" / "main.toml"), "-o", str(out), "--chunk-size", "4",
        "--units", "si", "--full-annual", "--scheduler", dask_cluster.scheduler_address, "--no-plots"])
    assert result.exit_code == 0, result.output
    points = pd.read_parquet(out / spec.name / "points.parquet")
    pd.testing.assert_frame_equal(points, outcome.points, check_exact=True)
    pd.testing.assert_frame_equal(read_annual(out / spec.name), read_annual(outcome.folder),
                                  check_exact=True)


def test_dask_worker_killed_mid_sweep_still_yields_every_point_once(
        workdir, reference, dask_cluster, cache_dir):
    from distributed import Client

    spec, outcome = reference
    with Client(dask_cluster.scheduler_address) as client:
        pids = sorted(client.run(os.getpid).values())
    killed = []

    def kill_a_worker(done, total):
        if done > 0 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    result = run_sweep(spec, workdir / "dask-killed", scheduler=dask_cluster.scheduler_address,
                       chunk_size=2, profile_cache=ProfileCache(cache_dir),
                       on_progress=kill_a_worker)
    assert killed and result.computed_chunks == 24
    with Client(dask_cluster.scheduler_address) as client:
        assert killed[0] not in client.run(os.getpid).values()
    assert result.points["point"].tolist() == list(range(N_MAIN))
    pd.testing.assert_frame_equal(result.points, outcome.points, check_exact=True)


# --------------------------------------------------------------------------- command line

def test_cli_dry_run_prints_size_and_cost(workdir):
    result = CliRunner().invoke(main, ["sweep", str(workdir / "sweeps" / "main.toml"),
                                       "--dry-run", "-o", str(workdir / "never")])
    assert result.exit_code == 0, result.output
    assert "points:                 48" in result.output
    assert "4 distinct profiles" in result.output
    assert "estimated cost:" in result.output and "4 x 0.01 s" in result.output
    assert not (workdir / "never").exists()


def test_cli_run_prints_summary_and_draws_the_tornado(workdir, reference, cache_dir,
                                                     monkeypatch):
    monkeypatch.setenv("ENERGYSIM_CACHE_DIR", str(cache_dir))
    out = workdir / "cli"
    args = ["sweep", str(workdir / "sweeps" / "main.toml"), "-o", str(out), "--units", "cn"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "48 points" in result.output and "cumulative_avoided_tco2_2035" in result.output
    assert "Spearman" in result.output
    folder = out / "main"
    assert (folder / "tornado.png").stat().st_size > 1000
    points = pd.read_parquet(folder / "points.parquet")
    assert np.allclose(points["cumulative_avoided_wan_tco2_2035"] * 1e4,
                       points["cumulative_avoided_tco2_2035"])
    # An existing output is refused (exit 2, one line); a conflicting flag too.
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "pass --resume" in again.output
    both = CliRunner().invoke(main, [*args, "--resume", "--overwrite"])
    assert both.exit_code == 2


def test_cli_bad_sweep_file_is_one_line_and_exit_2(workdir):
    path = write_sweep(workdir, "typo", 'base = "../base.toml"\n[parameters]\n'
                                        '"wind[ridge-wnd].hub_height_m" = [90]\n')
    result = CliRunner().invoke(main, ["sweep", str(path), "--dry-run"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "did you mean 'ridge-wind'?" in result.output


def test_tornado_figure_labels_carry_units():
    from energysim.plotting import tornado_figure

    fig = tornado_figure({"kpi": "cumulative_avoided_tco2_2060", "unit": "tCO2",
                          "baseline": 1.2e8, "effects": [
                              {"parameter": "pace", "low_label": "14th", "high_label": "late",
                               "low": 1.6e8, "high": 0.9e8},
                              {"parameter": "pv[0].tilt_deg", "low_label": "10",
                               "high_label": "30", "low": 1.21e8, "high": 1.18e8}]},
                         units="si")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "cumulative avoided CO2 through 2060 [Mt CO2]"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["pv[0].tilt_deg", "pace"]
