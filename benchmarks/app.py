"""Target 6 (issue 16): the what-if page's server recompute of a 40-year scenario change.

Work: :meth:`energysim.app.session.Session.change` on ``scenarios/shaoguan-potential.toml``
(2021-2060) with the per-unit profiles already in memory, as the page does after its first
load: validation through ``Scenario.with_changes``, ``run_scenario`` (kernels, tables,
milestones, the hourly table of the full build-out year) and nothing else. Each change
alternates a build-out pace, a PV capacity and an export limit. Reference: the first
load of the same scenario (weather and physics), timed in the same run.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks._common import fmt_s

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "shaoguan-potential.toml"
TARGET_S = 0.100
CHANGES = [("pv[utility-pv].pace", "year:2035"), ("pv[utility-pv].capacity_wan_kw", "600"),
           ("grid.export_limit_mw", "7000"), ("wind[ridge-wind].pace", "fyp:15th"),
           ("pv[utility-pv].pace", "fyp:14th"), ("pv[utility-pv].capacity_wan_kw", "900")]


def run(report, quick):
    from energysim.app.session import Catalogue, Session
    from energysim.scenario import load_scenario
    from energysim.simulate import load_scenario_weather

    report.section("6. what-if page: server recompute of a 40-year change (cached profiles)")
    catalogue = Catalogue([("potential", load_scenario(SCENARIO))], load_scenario_weather)
    session = Session(catalogue)
    started = time.perf_counter()
    session.select([0])
    while session.slots[0].computing:
        time.sleep(0.05)
    first = time.perf_counter() - started
    report.row("first load (weather + physics)", fmt_s(first))
    times = []
    for lever, value in CHANGES * (1 if quick else 5):
        started = time.perf_counter()
        message = session.change(0, lever, value)
        times.append(time.perf_counter() - started)
        assert message is None, message
        assert not session.slots[0].computing
    median, worst = statistics.median(times), max(times)
    report.row("change, median", fmt_s(median), f"{first / median:,.0f}x faster than first")
    report.row("change, worst", fmt_s(worst), target=fmt_s(TARGET_S))
    report.judge("6", "what-if recompute of a 40-year change", f"median {fmt_s(median)}, "
                 f"worst {fmt_s(worst)} ({len(times)} changes)", f"<= {fmt_s(TARGET_S)}",
                 median <= TARGET_S)
