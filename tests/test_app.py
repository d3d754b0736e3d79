"""The what-if page's server side: levers, validation, per-session state, background physics.

Real scenarios, real physics (the built-in Shaoguan weather year) and the real kernels; the
browser test is tests/test_app_browser.py.
"""

import time

import pytest

from energysim.app.levers import changes_for, levers
from energysim.app.session import Catalogue, Session
from energysim.app.sources import SHIPPED, load_entries, scenario_files
from energysim.errors import ScenarioError
from energysim.scenario import load_scenario, parse_scenario, to_toml
from energysim.simulate import SimulationMemo, load_scenario_weather, run_scenario

POTENTIAL = SHIPPED / "shaoguan-potential.toml"
PACE = "pv[utility-pv].pace"


def _delivered(result, year):
    stone = next(s for s in result.summary["milestones"] if s["year"] == year)
    return stone["delivered_mwh"]


def _wait(session):
    while any(s.computing for s in session.slots):
        time.sleep(0.05)


@pytest.fixture(scope="module")
def catalogue():
    entries = [(str(POTENTIAL), load_scenario(POTENTIAL)),
               (str(SHIPPED / "shaoguan-integrated.toml"),
                load_scenario(SHIPPED / "shaoguan-integrated.toml"))]
    return Catalogue(entries, load_scenario_weather)


@pytest.fixture(scope="module")
def session(catalogue):
    session = Session(catalogue)
    session.select([0])
    _wait(session)
    return session


def test_pace_lever_is_a_linear_buildout_from_the_files_first_point():
    scenario = load_scenario(POTENTIAL)
    # the file: buildout_share = { 2021 = 0.10, 2025 = 0.50, 2030 = 1.0 }
    assert changes_for(scenario, {PACE: "year:2035"}) == {
        "pv[utility-pv].buildout": {"shape": "linear", "start_year": 2021, "start_share": 0.1,
                                    "target_year": 2035}}
    assert changes_for(scenario, {PACE: "fyp:14th"})["pv[utility-pv].buildout"]["by_fyp"] == \
        "14th"
    changed = scenario.with_changes(changes_for(scenario, {PACE: "year:2035"}))
    assert changed.pv[0].buildout.target_year == 2035
    assert changed.pv[0].buildout_share is None  # the build-out replaces the file's shares
    with pytest.raises(ValueError, match="give a number"):
        changes_for(scenario, {"grid.export_limit_mw": "lots"})


def test_emission_factor_preset_replaces_the_files_points():
    scenario = load_scenario(POTENTIAL)
    changes = changes_for(scenario, {"grid.ef_preset": "southern-region",
                                     "grid.ef_decline_pct": "3"})
    changed = scenario.with_changes(changes)
    assert changed.grid.emission_factor_t_per_mwh is None
    assert changed.grid.emission_factor.preset == "southern-region"
    assert changed.grid.emission_factor.decline_pct_per_year == 3.0


def test_levers_offer_storage_and_electrolyser_where_the_scenario_has_them():
    ids = {lever["id"] for lever in levers(load_scenario(SHIPPED / "shaoguan-integrated.toml"))}
    assert {"storage[paired-storage].capacity_mw", "storage[paired-storage].duration_h",
            "electrolyser[shaogang-h2-park].capacity_mw"} <= ids
    ids = {lever["id"] for lever in levers(load_scenario(POTENTIAL))}
    assert not any(i.startswith(("storage", "electrolyser")) for i in ids)


def test_paired_storage_fields_show_what_the_pairing_rule_gives(catalogue):
    """A storage fleet on the Guangdong rule: blank fields whose placeholders give the rule's
    power (hand-computed from the PV and wind additions) and mean duration."""
    integrated = load_scenario(SHIPPED / "shaoguan-integrated.toml")
    power = "storage[paired-storage].capacity_mw"
    duration = "storage[paired-storage].duration_h"
    annual = run_scenario(integrated).annual
    added = (annual[annual.technology.isin(["pv", "wind"])].groupby("year")["installed_mw"]
             .sum().diff())  # no plant retires before 2041
    # 10 % of the additions from 2024 (1 h, then 2 h from 2025); 2023 counts half the year
    expected_mw = 0.05 * added[2023] + 0.10 * added.loc[2024:2030].sum()
    expected_h = (0.05 * added[2023] + 0.10 * added[2024] + 0.10 * 2 * added.loc[2025:2030].sum()) \
        / expected_mw
    stored = annual[annual.fleet == "paired-storage"].set_index("year")["installed_mw"]
    assert stored[2030] == pytest.approx(expected_mw, rel=1e-9) and stored[2029] < stored[2030]
    session = Session(catalogue)
    session.select([1])
    _wait(session)
    state = {lv["id"]: lv for lv in session.state("si")["slots"][0]["levers"]}
    assert state[power]["value"] == "" and not state[power]["edited"]
    assert state[power]["placeholder_en"] == f"rule: {expected_mw:,.1f} in 2030"
    assert state[duration]["placeholder_en"] == f"rule: {expected_h:.2f} on average"
    # the placeholders follow the edited scenario: more PV, more paired storage
    assert session.change(0, "pv[utility-pv].capacity_mw", "9000") is None
    state = {lv["id"]: lv for lv in session.state("cn")["slots"][0]["levers"]}
    more = float(state[power]["placeholder_cn"].split()[-1].replace(",", ""))
    assert more > expected_mw and state[power]["placeholder_cn"].startswith("按规则：2030 年")
    # a duration alone would leave a fleet without power: refused, nothing changes
    before = session.slots[0].scenario
    message = session.change(0, duration, "4")
    assert message == (f"{duration} = '4': the pairing rule sets this fleet's power; give its "
                       "power (MW) first")
    assert session.slots[0].scenario is before
    assert session.change(0, power, "500") is None and session.change(0, duration, "4") is None
    fleet = session.slots[0].scenario.storage[0]
    assert (fleet.pairing, fleet.capacity_mw, fleet.duration_h) == (None, 500.0, 4.0)
    assert "placeholder_en" not in {lv["id"]: lv for lv in session.state("si")["slots"][0]
                                    ["levers"]}[power]  # no rule any more: the value shows


def test_a_fleet_given_by_additions_shows_them_in_its_blank_field():
    ids = {lv["id"]: lv for lv in levers(load_scenario(SHIPPED / "shaoguan-integrated.toml"),
                                          "si")}
    electrolyser = ids["electrolyser[shaogang-h2-park].capacity_mw"]  # additions_mw in the file
    assert electrolyser["file"] == ""
    assert electrolyser["placeholder_en"] == "file: +50 in 2027, +50 in 2030"
    text = POTENTIAL.read_text(encoding="utf-8").replace(
        "capacity_wan_kw = 838.95", "additions_wan_kw = { 2022 = 300, 2026 = 538.95 }")
    text = text.replace("buildout_share = { 2021 = 0.10, 2025 = 0.50, 2030 = 1.0 }", "", 1)
    by_additions = parse_scenario(text)
    assert by_additions.pv[0].capacity_mw is None
    cn = {lv["id"]: lv for lv in levers(by_additions, "cn")}["pv[utility-pv].capacity_wan_kw"]
    assert (cn["file"], cn["placeholder_cn"]) == ("", "按文件：2022 年 +300，2026 年 +538.95")


def test_a_change_gives_what_run_scenario_gives(session):
    base = load_scenario(POTENTIAL)
    assert session.change(0, PACE, "year:2035") is None
    expected = run_scenario(base.with_changes({"pv[utility-pv].buildout": {
        "shape": "linear", "start_year": 2021, "start_share": 0.1, "target_year": 2035}}))
    assert _delivered(session.slots[0].result, 2030) == pytest.approx(
        _delivered(expected, 2030), rel=1e-12)
    assert _delivered(expected, 2030) < _delivered(run_scenario(base), 2030)
    state = session.state("cn")["slots"][0]
    assert [d["id"] for d in state["diff"]] == [PACE]
    session.reset(0)
    assert session.slots[0].scenario is session.slots[0].base


def test_a_refused_value_gives_the_models_message_and_changes_nothing(session):
    before = session.slots[0].result
    version = session.version
    message = session.change(0, "grid.export_limit_mw", "-3")
    with pytest.raises(ScenarioError) as err:
        load_scenario(POTENTIAL).with_changes({"grid.export_limit_mw": -3.0},
                                              where="shaoguan-potential")
    assert message == str(err.value)
    assert "export_limit_mw" in message and "\n" not in message
    assert session.slots[0].result is before and session.version == version
    assert session.slots[0].values == {}
    assert session.change(0, "site.latitude", "10").endswith("not a lever of this scenario")


def test_capacity_in_either_unit(session):
    assert session.change(0, "pv[utility-pv].capacity_mw", "6000") is None
    assert session.slots[0].scenario.pv[0].capacity_mw == 6000.0
    cn = {lv["id"]: lv for lv in session.state("cn")["slots"][0]["levers"]}
    si = {lv["id"]: lv for lv in session.state("si")["slots"][0]["levers"]}
    assert cn["pv[utility-pv].capacity_wan_kw"]["value"] == 600.0  # 1 万千瓦 = 10 MW
    assert cn["pv[utility-pv].capacity_wan_kw"]["edited"]
    assert si["pv[utility-pv].capacity_mw"]["value"] == "6000"
    assert session.change(0, "pv[utility-pv].capacity_wan_kw", "650") is None
    assert session.slots[0].values == {"pv[utility-pv].capacity_wan_kw": "650"}
    assert session.slots[0].scenario.pv[0].capacity_mw == 6500.0
    session.reset(0)


def test_two_sessions_do_not_share_edits(catalogue, session):
    other = Session(catalogue)
    other.select([0])
    assert other.change(0, "pv[utility-pv].capacity_wan_kw", "500") is None
    assert session.slots[0].values == {}
    assert other.slots[0].scenario.pv[0].capacity_mw == 5000.0
    assert session.slots[0].scenario.pv[0].capacity_mw == 8389.5


def test_physics_change_runs_in_the_background_and_arithmetic_does_not_wait(catalogue):
    session = Session(catalogue)
    session.select([0, 1])
    _wait(session)
    assert session.change(0, "pv[utility-pv].tilt_deg", "31.5") is None
    assert session.slots[0].computing  # a new tilt: new physics, in a thread
    assert session.state("cn")["computing"]
    # meanwhile the other scenario's arithmetic is done at once
    assert session.change(1, "electrolyser[shaogang-h2-park].capacity_mw", "200") is None
    assert not session.slots[1].computing
    assert session.slots[1].scenario.electrolyser[0].capacity_mw == 200.0
    _wait(session)
    expected = run_scenario(load_scenario(POTENTIAL).with_changes(
        {"pv[utility-pv].tilt_deg": 31.5}), memo=SimulationMemo())
    assert _delivered(session.slots[0].result, 2030) == pytest.approx(
        _delivered(expected, 2030), rel=1e-12)


def test_calibration_off_is_the_scenario_with_the_value_before_the_fit(catalogue):
    """Off: the 2030 milestone of the file with mean_wind_speed_ms = 6.0 (its value before
    the fit), computed as new physics in the background."""
    lever = "wind[ridge-wind].calibration"
    text = POTENTIAL.read_text(encoding="utf-8")
    assert "mean_wind_speed_ms = 5.08513" in text and "uncalibrated_value = 6.0" in text
    uncalibrated = parse_scenario(text.replace("mean_wind_speed_ms = 5.08513",
                                               "mean_wind_speed_ms = 6.0"),
                                  where="uncalibrated", base_dir=POTENTIAL.parent)
    session = Session(catalogue)
    session.select([0])
    _wait(session)
    calibrated = dict(next(s for s in session.slots[0].result.summary["milestones"]
                           if s["year"] == 2030))
    assert session.change(0, lever, "off") is None
    assert session.slots[0].computing  # a new site mean: new physics, in a thread
    _wait(session)
    assert session.slots[0].scenario.wind[0].mean_wind_speed_ms == 6.0
    assert session.slots[0].scenario.wind[0].calibration is None
    got = next(s for s in session.slots[0].result.summary["milestones"] if s["year"] == 2030)
    expected = next(s for s in run_scenario(uncalibrated, memo=SimulationMemo())
                    .summary["milestones"] if s["year"] == 2030)
    for key in ("delivered_mwh", "avoided_tco2", "cumulative_avoided_tco2",
                "avoided_coal_tce", "installed_wind_mw"):
        assert got[key] == pytest.approx(expected[key], rel=1e-12), key
    assert got["delivered_mwh"] > calibrated["delivered_mwh"]  # 6.0 m/s > 5.09 m/s
    state = {lv["id"]: lv for lv in session.state("si")["slots"][0]["levers"]}
    assert state[lever]["value"] == "off" and state[lever]["edited"]
    assert state[lever]["options"][1][2] == "off: 6 m/s (before the fit)"
    assert "uncalibrated_value" not in session.scenario_toml(0)[1]
    assert session.change(0, lever, "maybe").endswith("choose on or off")
    session.reset(0)  # back on: the calibrated profile is still in memory
    assert not session.slots[0].computing
    assert _delivered(session.slots[0].result, 2030) == calibrated["delivered_mwh"]


def test_calibration_lever_only_where_the_value_before_the_fit_is_known():
    scenario = load_scenario(POTENTIAL)
    record = scenario.wind[0].calibration
    unknown = scenario.with_changes({"wind[ridge-wind].calibration": {
        **record.model_dump(exclude_none=True, exclude={"uncalibrated_value"})}})
    assert "wind[ridge-wind].calibration" in {lv["id"] for lv in levers(scenario)}
    assert "wind[ridge-wind].calibration" not in {lv["id"] for lv in levers(unknown)}
    assert not any(lv["id"].startswith("pv[") and lv["id"].endswith("calibration")
                   for lv in levers(scenario))  # PV is not calibrated in this file
    # a fleet that had no site mean before the fit: off removes the key again
    unset = scenario.with_changes({"wind[ridge-wind].calibration.uncalibrated_value":
                                   "not set"})
    changes = changes_for(unset, {"wind[ridge-wind].calibration": "off"})
    assert changes == {"wind[ridge-wind].mean_wind_speed_ms": None,
                       "wind[ridge-wind].calibration": None}
    assert unset.with_changes(changes).wind[0].mean_wind_speed_ms is None


def test_downloaded_toml_is_the_edited_scenario(session):
    assert session.change(0, "pv[utility-pv].capacity_wan_kw", "700") is None
    name, text = session.scenario_toml(0)
    assert name == "shaoguan-potential.toml"
    again = parse_scenario(text, where=name)
    assert again.pv[0].capacity_mw == 7000.0
    assert to_toml(again) == text
    session.reset(0)


def test_typical_day_figure_draws_the_shown_results_hourly_table(session):
    import numpy as np

    from energysim.app.server import draw_figure
    from energysim.comparison import typical_day_profiles

    result = session.slots[0].result
    assert list(result.hourly) == [2030]  # the year the build-out is complete
    figure = draw_figure("typical_day", [result], "si")
    profiles = typical_day_profiles(result)
    assert "2030" in figure.get_suptitle()
    summer = next(ax for ax in figure.axes if "Jun-Aug" in ax.get_title())
    drawn = sorted((np.asarray(line.get_ydata(), dtype=float) for line in summer.lines
                    if len(line.get_ydata()) == 24), key=lambda y: y.sum())
    expected = sorted((profiles.loc["JJA"][tech].to_numpy() for tech in profiles.columns),
                      key=lambda y: y.sum())
    assert len(drawn) == len(expected) == 2
    for got, want in zip(drawn, expected):  # drawn in MW or GW: the same shape
        assert got / got.max() == pytest.approx(want / want.max(), rel=1e-12)


def test_sources_shipped_and_named(tmp_path):
    assert POTENTIAL in scenario_files([])
    assert scenario_files([POTENTIAL]) == [POTENTIAL]
    # the page names files without the server's folders
    mine = tmp_path / "mine.toml"
    mine.write_text(POTENTIAL.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "run-1").mkdir()
    (tmp_path / "run-1" / "scenario.toml").write_text(mine.read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    labels = [label for label, _ in load_entries([POTENTIAL, mine, tmp_path / "run-1"])]
    assert labels == ["shipped: shaoguan-potential.toml", "mine.toml", "run-1/scenario.toml"]
    assert all(label.startswith("shipped: ") and "/" not in label
               for label, _ in load_entries([]))
    with pytest.raises(ScenarioError, match="not a scenario file"):
        scenario_files([tmp_path / "missing.toml"])
