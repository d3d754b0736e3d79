"""Regression runs: KPIs, baselines, tolerance profiles and `energysim regress`.

The small benchmark scenarios of ``benchmarks/scenarios`` are copied into ``tmp_path`` so
the tests can change them; physics runs once per configuration per process (memo).
"""

import json
import math
import shutil

import pytest
from click.testing import CliRunner

from energysim import regress
from energysim.cli import main
from energysim.cli.regress_cmd import regress as regress_command

if "regress" not in main.commands:  # the lead registers it in energysim.cli
    main.add_command(regress_command)

SMALL = ("bench-pv-3yr.toml", "bench-wind-curve.toml")
PV_KPI = "fleet/pv-fixed/2024/delivered_mwh"


@pytest.fixture
def folders(tmp_path, repo_root):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    for name in SMALL:
        shutil.copy(repo_root / "benchmarks" / "scenarios" / name, scenarios / name)
    return scenarios, tmp_path / "baselines"


def invoke(*args):
    return CliRunner().invoke(main, ["regress", *map(str, args)], catch_exceptions=False)


def make_baselines(folders):
    scenarios, baselines = folders
    result = invoke("--update", "--scenarios", scenarios, "--baselines", baselines)
    assert result.exit_code == 0, result.output
    return scenarios, baselines


def check(folders, *extra):
    scenarios, baselines = folders
    return invoke("--scenarios", scenarios, "--baselines", baselines, *extra)


# --------------------------------------------------------------------------- CLI


def test_fresh_baselines_pass_exact(folders):
    scenarios, baselines = make_baselines(folders)
    names = sorted(p.name for p in baselines.iterdir())
    assert names == ["bench-pv-3yr.json", "bench-wind-curve.json"]  # no temporary left
    doc = json.loads((baselines / "bench-pv-3yr.json").read_text(encoding="utf-8"))
    prov = doc["provenance"]
    for key in ("energysim_version", "physics_version", "versions", "created_utc",
                "weather_sha256", "scenario_sha256"):
        assert prov[key], key
    assert prov["versions"]["pvlib"] and prov["versions"]["windpowerlib"]
    assert all(isinstance(v, float) for v in doc["kpis"].values())
    assert PV_KPI in doc["kpis"]
    result = check(folders)
    assert result.exit_code == 0, result.output
    assert "0 with drift" in result.output


def test_changed_default_fails_with_a_row_naming_the_kpi(folders):
    scenarios, _ = make_baselines(folders)
    path = scenarios / "bench-pv-3yr.toml"
    text = path.read_text(encoding="utf-8")
    assert "dc_ac_ratio = 1.2" in text
    path.write_text(text.replace("dc_ac_ratio = 1.2", "dc_ac_ratio = 1.4"), encoding="utf-8")
    result = check(folders, "--profile", "physical")
    assert result.exit_code == regress_command_exit_drift(), result.output
    assert "bench-pv-3yr: DRIFT" in result.output
    assert "bench-wind-curve: ok" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith(PV_KPI))
    assert row.split()[-1] == "DRIFT"
    header = next(line for line in result.output.splitlines() if line.startswith("KPI"))
    for column in ("baseline", "now", "diff", "rel diff", "tolerance", "status"):
        assert column in header


def regress_command_exit_drift():
    from energysim.cli.regress_cmd import EXIT_DRIFT

    return EXIT_DRIFT


def _scale_baseline(baselines, kpi, factor):
    path = baselines / "bench-pv-3yr.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["kpis"][kpi] *= factor
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_small_change_passes_physical_and_fails_exact(folders):
    _, baselines = make_baselines(folders)
    _scale_baseline(baselines, PV_KPI, 1.003)  # the rerun is now 0.3 % below its baseline
    physical = check(folders, "--profile", "physical")
    assert physical.exit_code == 0, physical.output
    exact = check(folders, "--profile", "exact")
    assert exact.exit_code == 1, exact.output
    row = next(line for line in exact.output.splitlines() if line.startswith(PV_KPI))
    assert "-2.99e-03" in row and "DRIFT" in row
    # Only the edited KPI moved: it is the only row of the table.
    assert sum(line.startswith("fleet/") for line in exact.output.splitlines()) == 1


def test_capacity_factor_gets_one_percent_under_physical(folders):
    _, baselines = make_baselines(folders)
    _scale_baseline(baselines, "fleet/pv-fixed/2023/capacity_factor", 1.008)  # 0.8 % off
    assert check(folders, "--profile", "physical").exit_code == 0
    _scale_baseline(baselines, "fleet/pv-fixed/2023/capacity_factor", 1.02)  # now 2.8 % off
    assert check(folders, "--profile", "physical").exit_code == 1


def test_renamed_fleet_shows_missing_and_new_kpis(folders):
    scenarios, _ = make_baselines(folders)
    path = scenarios / "bench-pv-3yr.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"pv-fixed"', '"pv-renamed"'),
                    encoding="utf-8")
    result = check(folders, "--show", "1000")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(PV_KPI) and line.rstrip().endswith("missing") for line in lines)
    assert any(line.startswith("fleet/pv-renamed/") and line.rstrip().endswith("new")
               for line in lines)


def test_user_errors_exit_2(folders, tmp_path):
    scenarios, baselines = folders
    result = invoke("--scenarios", tmp_path / "nowhere", "--baselines", baselines)
    assert result.exit_code == 2
    assert "no such scenarios folder" in result.output
    result = invoke("--scenarios", scenarios, "--baselines", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "no such baselines folder" in result.output
    (tmp_path / "partial").mkdir()
    result = invoke("--scenarios", scenarios, "--baselines", tmp_path / "partial")
    assert result.exit_code == 2
    assert "no baseline" in result.output and "--update" in result.output


def test_default_folders_are_found_from_the_current_directory(folders, tmp_path, monkeypatch):
    scenarios, _ = folders
    bench = tmp_path / "project" / "benchmarks"
    bench.mkdir(parents=True)
    shutil.copytree(scenarios, bench / "scenarios")
    (tmp_path / "project" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "project" / "sub")
    assert invoke("--update").exit_code == 0
    assert (bench / "baselines" / "bench-pv-3yr.json").is_file()
    assert invoke().exit_code == 0
    monkeypatch.chdir(tmp_path)
    result = invoke()
    assert result.exit_code == 2 and "give --scenarios" in result.output


def test_index_lists_files_relative_to_itself(folders, tmp_path):
    scenarios, _ = folders
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "index.toml").write_text('scenarios = ["../scenarios/bench-pv-3yr.toml"]\n',
                                      encoding="utf-8")
    files = regress.scenario_files(other)
    assert [p.name for p in files] == ["bench-pv-3yr.toml"]
    (other / "index.toml").write_text('scenarios = ["../scenarios/gone.toml"]\n',
                                      encoding="utf-8")
    with pytest.raises(regress.BaselineError, match="gone.toml"):
        regress.scenario_files(other)


def test_repository_index_points_at_the_shipped_scenarios(repo_root):
    files = regress.scenario_files(repo_root / "benchmarks" / "scenarios")
    names = {p.name for p in files}
    assert {"shaoguan-potential.toml", "shaoguan-conservative.toml", "shaoguan-14th-fyp.toml",
            "shaoguan-deep-decarb.toml"} <= names
    assert all(p.is_file() for p in files)


def test_repository_baselines_match_their_scenarios(repo_root):
    # Every benchmark scenario has a readable baseline with provenance (regenerate with
    # `energysim regress --update`); values are checked by the CI regression run.
    baselines = repo_root / "benchmarks" / "baselines"
    for _, scenario in regress.load_scenarios(repo_root / "benchmarks" / "scenarios"):
        doc = regress.read_baseline(regress.baseline_path(baselines, scenario.name))
        assert doc["scenario"] == scenario.name
        assert doc["provenance"]["weather_sha256"]
        assert any(k.startswith("milestone/") for k in doc["kpis"])


# --------------------------------------------------------------------------- pure parts


def test_kpis_from_a_result(repo_root):
    from energysim.scenario import load_scenario
    from energysim.simulate import run_scenario

    result = run_scenario(load_scenario(repo_root / "benchmarks" / "scenarios" / SMALL[0]))
    kpis = regress.kpis_from_result(result)
    for year in (2023, 2024, 2025):
        for q in ("generation_mwh", "curtailed_mwh", "delivered_mwh", "avoided_tco2",
                  "capacity_factor"):
            assert f"fleet/pv-fixed/{year}/{q}" in kpis
    assert kpis["total/delivered_mwh"] == pytest.approx(
        sum(kpis[f"fleet/pv-fixed/{y}/delivered_mwh"] for y in (2023, 2024, 2025)))
    assert "milestone/2025/cumulative_avoided_tco2" in kpis
    assert "technology/pv/mean_full_load_hours" in kpis
    # 2024 repeats Feb 28: one more day of energy than the same fleet in 2025, less ageing.
    assert kpis["fleet/pv-fixed/2024/generation_mwh"] > kpis["fleet/pv-fixed/2025/generation_mwh"]


def test_compare_sorts_failures_first_then_by_relative_drift():
    base = {"total/delivered_mwh": 100.0, "total/avoided_tco2": 50.0,
            "total/generation_mwh": 200.0, "fleet/a/2030/capacity_factor": 0.2}
    now = {"total/delivered_mwh": 100.1, "total/avoided_tco2": 51.0,
           "total/generation_mwh": 200.0, "fleet/a/2030/capacity_factor": 0.2004}
    rows = regress.compare(base, now, "physical")
    assert [r.kpi for r in rows] == ["total/avoided_tco2", "fleet/a/2030/capacity_factor",
                                     "total/delivered_mwh", "total/generation_mwh"]
    assert [r.ok for r in rows] == [False, True, True, True]
    assert rows[0].diff == pytest.approx(1.0) and rows[0].rel_diff == pytest.approx(0.02)
    assert not rows[-1].moved


def test_curtailed_energy_is_judged_against_generation():
    base = {"fleet/a/2030/generation_mwh": 1000.0, "fleet/a/2030/curtailed_mwh": 1.0}
    small = {"fleet/a/2030/generation_mwh": 1000.0, "fleet/a/2030/curtailed_mwh": 3.0}
    rows = {r.kpi: r for r in regress.compare(base, small, "physical")}
    row = rows["fleet/a/2030/curtailed_mwh"]
    assert row.ok and row.rel_diff == pytest.approx(2.0)  # 2 MWh of 1000 MWh generated
    assert row.allowed == pytest.approx(5.0) and row.tolerance == "0.5 % of generation"
    big = {"fleet/a/2030/generation_mwh": 1000.0, "fleet/a/2030/curtailed_mwh": 7.0}
    assert not {r.kpi: r for r in regress.compare(base, big, "physical")}[
        "fleet/a/2030/curtailed_mwh"].ok


def test_zero_baselines_and_installed_capacity():
    rows = regress.compare({"fleet/a/2021/delivered_mwh": 0.0}, {"fleet/a/2021/delivered_mwh": 0.0})
    assert rows[0].ok and rows[0].rel_diff == 0.0
    rows = regress.compare({"fleet/a/2021/delivered_mwh": 0.0}, {"fleet/a/2021/delivered_mwh": 1.0})
    assert not rows[0].ok and math.isinf(rows[0].rel_diff)
    # Installed capacity is scenario arithmetic: even the physical profile allows round-off only.
    rows = regress.compare({"milestone/2030/installed_mw": 1000.0},
                           {"milestone/2030/installed_mw": 1000.001}, "physical")
    assert not rows[0].ok


def test_nan_is_never_within_tolerance():
    rows = regress.compare({"total/delivered_mwh": 1.0}, {"total/delivered_mwh": math.nan})
    assert not rows[0].ok


def test_format_table_limits_rows():
    rows = regress.compare({f"total/x{i}_mwh": 1.0 for i in range(5)},
                           {f"total/x{i}_mwh": 2.0 for i in range(5)})
    text = regress.format_table(rows, limit=2)
    assert text.count("DRIFT") == 2 and "3 more row(s)" in text


def test_unreadable_baseline_is_a_user_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"kpis": {"a": "not a number"}}', encoding="utf-8")
    with pytest.raises(regress.BaselineError, match="flat table of numbers"):
        regress.read_baseline(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(regress.BaselineError, match="not a readable baseline"):
        regress.read_baseline(path)


def test_write_baseline_replaces_atomically(tmp_path):
    path = tmp_path / "b" / "s.json"
    regress.write_baseline(path, regress.baseline_document("s", {"total/x_mwh": 1.0}, {}))
    regress.write_baseline(path, regress.baseline_document("s", {"total/x_mwh": 2.0}, {}))
    assert regress.read_baseline(path)["kpis"] == {"total/x_mwh": 2.0}
    assert [p.name for p in path.parent.iterdir()] == ["s.json"]
