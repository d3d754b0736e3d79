"""The package's public API: lazy, cheap to import, and the real functions behind the names."""

import subprocess
import sys
from pathlib import Path

import pytest

import energysim

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "matplotlib", "windpowerlib", "pvlib", "energysim.simulate",
         "energysim.scenario")


def test_import_energysim_loads_no_heavy_library():
    code = ("import sys, energysim; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_names_are_the_modules_functions():
    from energysim import scenario, simulate

    assert energysim.load_scenario is scenario.load_scenario
    assert energysim.Scenario is scenario.Scenario
    assert energysim.run_scenario is simulate.run_scenario
    assert {"load_scenario", "run_scenario", "read_result", "compare"} <= set(energysim.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        energysim.nothing_here  # noqa: B018


def test_load_and_run_from_the_package():
    """run_scenario loads the scenario's weather itself; linear in capacity (2x MW -> 2x MWh)."""
    scenario = energysim.load_scenario(ROOT / "scenarios" / "shaoguan-potential.toml")
    result = energysim.run_scenario(scenario)
    annual = result.annual
    assert set(annual["fleet"]) == {f.name for f in scenario.fleets}
    assert (annual["delivered_mwh"] >= 0).all() and annual["delivered_mwh"].sum() > 0
    # delivered = generation - curtailed, row by row
    assert ((annual["generation_mwh"] - annual["curtailed_mwh"] - annual["delivered_mwh"]).abs()
            < 1e-6 * annual["generation_mwh"].abs().max()).all()


def test_run_sweep_from_a_dict_resolves_base_against_base_dir(tmp_path):
    """A dict sweep: relative base against base_dir; with out_dir the folder is written."""
    spec = {"base": "shaoguan-potential.toml", "name": "two",
            "parameters": {"wind[ridge-wind].hub_height_m": [90, 140]},
            "output": {"years": [2030]}}
    points = energysim.run_sweep(spec, tmp_path, base_dir=ROOT / "scenarios")
    assert list(points["tag"]) == ["hub90", "hub140"]
    # each point is the scenario with that change, run on its own
    base = energysim.load_scenario(ROOT / "scenarios" / "shaoguan-potential.toml")
    annual = energysim.run_scenario(
        base.with_changes({"wind[ridge-wind].hub_height_m": 140})).annual
    wind_2030 = annual[(annual.year == 2030) & (annual.technology == "wind")].delivered_mwh.sum()
    assert points["delivered_mwh_wind_2030"].iloc[1] == pytest.approx(wind_2030, rel=1e-12)
    assert points["delivered_mwh_wind_2030"].iloc[0] != points["delivered_mwh_wind_2030"].iloc[1]
    assert (tmp_path / "two" / "points.parquet").is_file()
    with pytest.raises(energysim_errors().ScenarioError, match=r"sweep\.toml base = 'nope.toml'"):
        energysim.run_sweep({**spec, "base": "nope.toml"}, base_dir=tmp_path)


def energysim_errors():
    from energysim import errors

    return errors
