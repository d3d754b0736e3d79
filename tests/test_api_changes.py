"""Scenario.with_changes: the sweep files' dotted paths, unit pairs kept, full re-validation."""

from pathlib import Path

import pytest

from energysim import load_scenario
from energysim.errors import ScenarioError

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "shaoguan-potential.toml"


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIO)


def test_capacity_in_wan_kw_replaces_capacity_mw(base):
    name = base.pv[0].name
    changed = base.with_changes({f"pv[{name}].capacity_wan_kw": 500,
                                 "grid.export_limit_mw": 8000})
    assert changed.pv[0].capacity_mw == 5000.0  # 500 万千瓦 = 5,000 MW
    assert changed.grid.export_limit_mw == 8000
    assert base.pv[0].capacity_mw != 5000.0  # the original is unchanged
    back = changed.with_changes({"pv[0].capacity_mw": base.pv[0].capacity_mw,
                                 "grid.export_limit_mw": base.grid.export_limit_mw})
    assert back.digest() == base.digest()


def test_out_of_range_value_is_the_scenario_error_line(base):
    with pytest.raises(ScenarioError) as info:
        base.with_changes({"pv[0].tilt_deg": 95})
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("with_changes [pv.") and "tilt_deg = 95" in message
    assert "less than or equal to 90" in message


def test_unknown_path_names_close_matches(base):
    with pytest.raises(ScenarioError, match=r"unknown key 'tilt' .*did you mean 'tilt_deg'"):
        base.with_changes({"pv[0].tilt": 25})
    with pytest.raises(ScenarioError, match="no pv entry named 'nope'"):
        base.with_changes({"pv[nope].tilt_deg": 25})


def test_tracking_change_drops_the_default_tilt_and_revalidates(base):
    changed = base.with_changes({"pv[0].tracking": "single_axis"})
    assert changed.pv[0].tracking == "single_axis" and changed.pv[0].tilt_deg is None
    assert changed.pv[0].physics_key() != base.pv[0].physics_key()
