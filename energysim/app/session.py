"""Per-tab state of the what-if page: chosen scenarios, edited levers, results.

Every edit goes through :meth:`Scenario.with_changes` on the scenario as read from its
file; a value it refuses changes nothing and comes back as its one-line message. A change
whose per-unit profiles are already in memory (the :class:`SimulationMemo` the server
shares between tabs) is recomputed at once (tens of milliseconds for 40 years); one that
needs new physics (a new tilt) is computed in a background thread while the page shows
a progress indicator, and never holds up the other scenarios.
"""

from __future__ import annotations

import logging
import threading
import time

from energysim import units
from energysim.app import levers as lever_defs
from energysim.comparison import milestone_text
from energysim.errors import ScenarioError
from energysim.scenario import to_toml
from energysim.simulate import SimulationMemo, profile_key, run_scenario

logger = logging.getLogger(__name__)

#: At most this many scenarios side by side.
MAX_SCENARIOS = 4


class Catalogue:
    """The scenarios a server was started with, their weather, and the shared caches.

    Parameters
    ----------
    entries : list of (str, Scenario)
        A label (where it came from) and the validated scenario, in the order offered.
    weather_loader : callable
        ``scenario -> (weather, weather_meta)``.
    profile_cache : optional
        On-disk profile cache (the only thing the page writes).
    """

    def __init__(self, entries, weather_loader, profile_cache=None):
        self.entries = list(entries)
        self.memo = SimulationMemo()
        self.profile_cache = profile_cache
        self._weather_loader = weather_loader
        self._weather = {}
        self._lock = threading.Lock()

    def weather(self, scenario):
        """The (weather, meta) of a scenario, loaded once per weather source."""
        key = scenario.weather.model_dump_json()
        with self._lock:
            if key not in self._weather:
                self._weather[key] = self._weather_loader(scenario)
            return self._weather[key]

    def needs_physics(self, scenario):
        """Whether the weather or some fleet's per-unit profile is not in memory yet. [bool]"""
        with self._lock:
            loaded = self._weather.get(scenario.weather.model_dump_json())
        if loaded is None:
            return True
        _, meta = loaded
        return any(self.memo.get(profile_key(f, scenario.site, meta)) is None
                   for f in scenario.fleets)

    def run(self, scenario):
        """Simulate with the shared caches. [Result]"""
        weather, meta = self.weather(scenario)
        return run_scenario(scenario, weather, meta, profile_cache=self.profile_cache,
                            memo=self.memo)


class Slot:
    """One scenario on the page: its file version, the edited levers, the latest result."""

    def __init__(self, key, label, scenario):
        self.key = key
        self.label = label
        self.base = scenario
        self.scenario = scenario
        self.values = {}
        self.result = None
        self.computing = False
        self.seconds = None


class Session:
    """What one browser tab sees and edits (tabs never share a session)."""

    def __init__(self, catalogue):
        self.catalogue = catalogue
        self.slots = []
        self.version = 0
        self.lock = threading.RLock()
        self.touched = time.monotonic()

    # ------------------------------------------------------------------ choosing
    def select(self, keys):
        """Show the catalogue entries ``keys`` (1 to 4 indices), keeping edits of kept ones."""
        keys = [int(k) for k in keys]
        if not 1 <= len(keys) <= MAX_SCENARIOS:
            raise ValueError(f"choose 1 to {MAX_SCENARIOS} scenarios, not {len(keys)}")
        if any(not 0 <= k < len(self.catalogue.entries) for k in keys):
            raise ValueError("unknown scenario")
        with self.lock:
            old = {s.key: s for s in self.slots}
            self.slots = []
            for k in keys:
                if k in old:
                    self.slots.append(old.pop(k))
                    continue
                label, scenario = self.catalogue.entries[k]
                slot = Slot(k, label, scenario)
                self.slots.append(slot)
                self._recompute(slot)
            self.version += 1

    # ------------------------------------------------------------------ editing
    def change(self, index, lever_id, value):
        """Set one lever; returns None, or the one-line message when the value is refused."""
        with self.lock:
            slot = self.slots[index]
            offered = {lever["id"]: lever for system in ("cn", "si")
                       for lever in lever_defs.levers(slot.base, system)}
            if lever_id not in offered:
                return f"{lever_id}: not a lever of this scenario"
            values = dict(slot.values)
            values.pop(offered[lever_id].get("pair"), None)  # one unit of a capacity
            if value in ("", None):
                values.pop(lever_id, None)
            else:
                values[lever_id] = value
            try:
                changes = lever_defs.changes_for(slot.base, values)
                scenario = (slot.base.with_changes(changes, where=slot.base.name)
                            if changes else slot.base)
            except (ScenarioError, ValueError) as err:
                return str(err).splitlines()[0]
            slot.values = values
            slot.scenario = scenario
            self._recompute(slot)
            self.version += 1
            return None

    def reset(self, index):
        """Back to the file's values."""
        with self.lock:
            slot = self.slots[index]
            slot.values = {}
            slot.scenario = slot.base
            self._recompute(slot)
            self.version += 1

    def _recompute(self, slot):
        if not self.catalogue.needs_physics(slot.scenario):
            started = time.perf_counter()
            slot.result = self.catalogue.run(slot.scenario)
            slot.seconds = time.perf_counter() - started
            slot.computing = False
            return
        if not slot.computing:
            slot.computing = True
            threading.Thread(target=self._background, args=(slot,), daemon=True).start()

    def _background(self, slot):
        while True:
            scenario = slot.scenario
            started = time.perf_counter()
            try:
                result = self.catalogue.run(scenario)
            except Exception:  # noqa: BLE001 - shown on the page, the server keeps serving
                logger.exception("%s: background simulation failed", scenario.name)
                result = None
            with self.lock:
                if slot.scenario is scenario:
                    slot.result = result
                    slot.seconds = time.perf_counter() - started
                    slot.computing = False
                    self.version += 1
                    return

    # ------------------------------------------------------------------ reading
    def results(self):
        """Results of the shown scenarios that have one. [list of Result]"""
        with self.lock:
            return [s.result for s in self.slots if s.result is not None]

    def scenario_toml(self, index):
        """(file name, TOML text) of the edited scenario ``index``."""
        slot = self.slots[index]
        return f"{slot.scenario.name}.toml", to_toml(slot.scenario)

    def state(self, system):
        """Everything the page shows, formatted for unit system ``system``. [dict]"""
        with self.lock:
            return {"version": self.version,
                    "computing": any(s.computing for s in self.slots),
                    "slots": [_slot_state(s, system) for s in self.slots]}


# ---------------------------------------------------------------------- formatting
def _pair(cn_value, cn_unit, si_value, si_unit, system, digits=(2, 1)):
    si = f"{si_value:,.{digits[1]}f} {si_unit}"
    if system == "cn":
        return f"{cn_value:,.{digits[0]}f} {cn_unit} ({si})"
    return si


def _cells(stone, system):
    def power(mw):
        return _pair(units.mw_to_wan_kw(mw), "万千瓦", mw, "MW", system)

    def energy(mwh):
        return _pair(units.mwh_to_yi_kwh(mwh), "亿千瓦时", units.mwh_to_gwh(mwh), "GWh", system)

    def co2(t):
        return _pair(units.t_to_wan_t(t), "万吨CO2", units.t_to_kt(t), "ktCO2", system)

    def coal(t):
        return _pair(units.t_to_wan_t(t), "万吨标准煤", units.t_to_kt(t), "ktce", system)

    return [
        ("installed_pv_mw", power(stone.get("installed_pv_mw", 0.0))),
        ("installed_wind_mw", power(stone.get("installed_wind_mw", 0.0))),
        ("delivered_mwh", energy(stone["delivered_mwh"])),
        ("avoided_tco2", co2(stone["avoided_tco2"])),
        ("cumulative_avoided_tco2", co2(stone["cumulative_avoided_tco2"])),
        ("avoided_coal_tce", coal(stone["avoided_coal_tce"])),
        ("cumulative_avoided_coal_tce", coal(stone["cumulative_avoided_coal_tce"])),
    ]


def _slot_state(slot, system):
    lever_list = []
    for lever in lever_defs.levers(slot.base, system, current=slot.scenario):
        value = slot.values.get(lever["id"], lever["file"])
        pair = lever.get("pair")
        edited = lever["id"] in slot.values or pair in slot.values
        if pair in slot.values:
            value = lever_defs.paired_value(lever["id"], slot.values[pair])
        lever_list.append({**lever, "value": value, "edited": edited})
    diff = [{"id": lv["id"], "cn": lv["cn"], "en": lv["en"], "file": lv["file"],
             "value": lv["value"]} for lv in lever_list if lv["edited"]]
    rows, targets = [], []
    if slot.result is not None:
        for stone in slot.result.summary.get("milestones", []):
            rows.append({"year": int(stone["year"]),
                         "label": milestone_text(stone.get("label") or "", system),
                         "cells": [{"key": k, "text": t, "value": float(stone.get(k, 0.0))}
                                   for k, t in _cells(stone, system)]})
        for target in slot.result.summary.get("capacity_targets") or []:
            share = target.get("share")
            targets.append({
                "label": target.get("label") or f"{target['technology']} {target['year']}",
                "target": _pair(units.mw_to_wan_kw(target["target_mw"]), "万千瓦",
                                target["target_mw"], "MW", system),
                "reached": _pair(units.mw_to_wan_kw(target["reached_mw"]), "万千瓦",
                                 target["reached_mw"], "MW", system),
                "share": "-" if share is None else f"{units.fraction_to_pct(share):.1f} %"})
    return {"key": slot.key, "label": slot.label, "name": slot.scenario.name,
            "computing": slot.computing, "levers": lever_list, "diff": diff,
            "milestones": rows, "targets": targets,
            "ms": None if slot.seconds is None else round(slot.seconds * 1000, 1)}
