"""The levers of the what-if page and the scenario changes (sweep dotted paths) they mean.

A lever has an id (``"pv[utility-pv].capacity_wan_kw"``, ``"grid.ef_preset"``, ...), a
label in Chinese and English, a kind (``number`` or ``select``) and the value it has in
the scenario file. A calibrated fleet whose ``calibration`` table records the value before
the fit gets a calibration on/off lever (off restores that value: new physics).
:func:`changes_for` turns the edited values into the dict that
:meth:`energysim.scenario.Scenario.with_changes` validates.
"""

from __future__ import annotations

import numpy as np

from energysim import units
from energysim.carbon import EMISSION_FACTOR_PRESETS
from energysim.fleet import fyp_end_year, paired_storage_additions
from energysim.simulate import additions_path, storage_paths

#: Build-out paces offered: select value -> (Chinese, English) label.
FYP_PACES = ("14th", "15th", "16th")
#: Target years offered besides the plan periods.
PACE_YEARS = tuple(range(2024, 2041))
#: Default decline of a preset emission factor after its last published year [%/yr].
DEFAULT_DECLINE_PCT = 2.4
#: Duration given to a storage fleet that leaves its pairing rule [h].
DEFAULT_DURATION_H = 2.0

_TECH_CN = {"pv": "光伏", "wind": "风电", "storage": "储能", "electrolyser": "电解槽"}
_TECH_EN = {"pv": "PV", "wind": "Wind"}
_FYP_CN = {"14th": "十四五", "15th": "十五五", "16th": "十六五"}


def _start(fleet, first_year):
    """Start year and share of a fleet's current build-out (kept when the pace changes)."""
    if fleet.buildout is not None and fleet.buildout.shape == "linear":
        return fleet.buildout.start_year or first_year, fleet.buildout.start_share
    if fleet.buildout_share:
        year = min(fleet.buildout_share)
        return year, float(fleet.buildout_share[year])
    return first_year, 0.0


def _pace_text(fleet):
    """The file's build-out in a few words (what the pace lever starts from). [str]"""
    if fleet.buildout is not None:
        return ", ".join(f"{k}={v}" for k, v in
                         fleet.buildout.model_dump(exclude_none=True).items())
    if fleet.buildout_share:
        return "buildout_share " + ", ".join(f"{y}: {v:g}"
                                             for y, v in sorted(fleet.buildout_share.items()))
    if fleet.additions_mw:
        return "additions_mw " + ", ".join(f"{y}: {v:g}"
                                           for y, v in sorted(fleet.additions_mw.items()))
    return "full capacity every year"


def pace_options():
    """Select options of a pace lever: (value, Chinese label, English label). [list]"""
    options = [("", "按情景文件", "as in the file")]
    for plan in FYP_PACES:
        year = fyp_end_year(plan)
        options.append((f"fyp:{plan}", f"“{_FYP_CN[plan]}”末 ({year})",
                        f"by end of {plan} FYP ({year})"))
    options += [(f"year:{y}", f"{y} 年建成", f"complete in {y}") for y in PACE_YEARS]
    return options


def pairing_rule(storage, scenario):
    """What a paired storage fleet's rule gives on a scenario's PV and wind additions.

    Parameters
    ----------
    storage : StorageFleet
        A fleet with ``pairing`` set.
    scenario : Scenario

    Returns
    -------
    power_mw : float
        The largest power in operation over the scenario's years. [MW]
    year : int
        The first year it is reached.
    duration_h : float
        Energy over power of everything the rule commissions. [h]
    """
    years = np.array(scenario.year_list)
    installed = storage_paths(storage, scenario, years)[0]
    added = sum(additions_path(f, years) for f in (*scenario.pv, *scenario.wind))
    power, energy = paired_storage_additions(added, years, storage.pairing)
    at = int(np.argmax(installed >= installed.max() * (1.0 - 1e-9)))  # not round-off later
    duration = float(energy.sum() / power.sum()) if power.sum() > 0 else 0.0
    return float(installed[at]), int(years[at]), duration


def _rule_texts(storage, scenario):
    """Placeholders of a paired fleet's power and duration fields: (power, duration) dicts."""
    paired = next((f for f in scenario.storage if f.name == storage.name), None)
    if paired is None or paired.pairing is None:
        return {}, {}
    power_mw, year, duration_h = pairing_rule(paired, scenario)
    return ({"placeholder_cn": f"按规则：{year} 年 {power_mw:,.1f}",
             "placeholder_en": f"rule: {power_mw:,.1f} in {year}"},
            {"placeholder_cn": f"按规则：平均 {duration_h:.2f}",
             "placeholder_en": f"rule: {duration_h:.2f} on average"})


def _capacity_file(fleet, to_unit=float):
    """File value of a capacity lever, and the placeholders of a fleet given by additions.

    A fleet stated by its yearly additions (``additions_mw``) has no single capacity: its
    field stays blank (the file's additions) and its placeholder lists them in the lever's
    unit (``to_unit`` converts from MW). Returns (value, dict of placeholder keys).
    """
    if fleet.capacity_mw is not None:
        return to_unit(fleet.capacity_mw), {}
    steps = sorted((fleet.additions_mw or {}).items())
    cn = "，".join(f"{y} 年 +{to_unit(v):g}" for y, v in steps)
    en = ", ".join(f"+{to_unit(v):g} in {y}" for y, v in steps)
    return "", {"placeholder_cn": f"按文件：{cn}", "placeholder_en": f"file: {en}",
                "file_text": f"additions {en}"}


def levers(scenario, system="cn", current=None):
    """The levers of one scenario with their file values.

    Parameters
    ----------
    scenario : Scenario
        As read from its file.
    system : {"cn", "si"}
        Capacities in 万千瓦 (``capacity_wan_kw``) or in MW (``capacity_mw``); a capacity
        lever names the other unit's lever in ``pair``.
    current : Scenario, optional
        The edited scenario: a storage fleet on a pairing rule shows, as the placeholder of
        its blank power and duration fields, what the rule gives on this scenario's
        additions (default: on ``scenario``'s).

    Returns
    -------
    list of dict
    """
    out = []
    for tech in ("pv", "wind"):
        for fleet in getattr(scenario, tech):
            key = f"{tech}[{fleet.name}]"
            cn = f"{_TECH_CN[tech]} {fleet.name}"
            capacity = {"kind": "number", "step": "any", "cn": f"{cn} 装机",
                        "en": f"{_TECH_EN[tech]} {fleet.name} capacity", "physics": False}
            if system == "cn":
                value, hint = _capacity_file(fleet, lambda mw: round(units.mw_to_wan_kw(mw), 6))
                out.append({**capacity, "id": f"{key}.capacity_wan_kw", "unit_cn": "万千瓦",
                            "unit_en": "万千瓦", "pair": f"{key}.capacity_mw", "file": value,
                            **hint})
            else:
                value, hint = _capacity_file(fleet)
                out.append({**capacity, "id": f"{key}.capacity_mw", "unit_cn": "MW",
                            "unit_en": "MW", "pair": f"{key}.capacity_wan_kw", "file": value,
                            **hint})
            out.append({"id": f"{key}.pace", "kind": "select", "options": pace_options(),
                        "cn": f"{cn} 建设节奏", "en": f"{_TECH_EN[tech]} {fleet.name} pace",
                        "unit_cn": "", "unit_en": "", "physics": False, "file": "",
                        "file_text": _pace_text(fleet)})
            lever = calibration_lever(tech, fleet)
            if lever is not None:
                out.append(lever)
        if tech == "pv":
            for fleet in scenario.pv:
                if fleet.tracking == "fixed":
                    out.append({"id": f"pv[{fleet.name}].tilt_deg", "kind": "number",
                                "step": "any", "cn": f"光伏 {fleet.name} 倾角（物理）",
                                "en": f"PV {fleet.name} tilt (physics)", "unit_cn": "°",
                                "unit_en": "°", "physics": True, "file": fleet.tilt_deg})
    limit = scenario.grid.export_limit_mw
    if limit is None or isinstance(limit, (int, float)):
        out.append({"id": "grid.export_limit_mw", "kind": "number", "step": "any",
                    "cn": "外送上限", "en": "Export limit", "unit_cn": "MW", "unit_en": "MW",
                    "physics": False, "file": limit if limit is not None else ""})
    factor = scenario.grid.emission_factor
    out.append({"id": "grid.ef_preset", "kind": "select", "physics": False,
                "options": [("", "按情景文件", "as in the file")]
                + [(p, p, p) for p in EMISSION_FACTOR_PRESETS],
                "cn": "电网排放因子路径", "en": "Emission-factor preset", "unit_cn": "",
                "unit_en": "", "file": ""})
    decline = (factor.decline_pct_per_year if factor is not None and factor.extend == "decline"
               else "")
    out.append({"id": "grid.ef_decline_pct", "kind": "number", "step": "any",
                "cn": "排放因子年降幅", "en": "Emission-factor decline", "unit_cn": "%/年",
                "unit_en": "%/yr", "physics": False, "file": decline})
    for tech in ("storage", "electrolyser"):
        for fleet in getattr(scenario, tech):
            key = f"{tech}[{fleet.name}]"
            paired = tech == "storage" and fleet.pairing is not None
            power_rule, duration_rule = (_rule_texts(fleet, current or scenario) if paired
                                         else ({}, {}))
            power_file, power_additions = ("", {}) if paired else _capacity_file(fleet)
            out.append({"id": f"{key}.capacity_mw", "kind": "number", "step": "any",
                        "cn": f"{_TECH_CN[tech]} {fleet.name} 功率"
                        + ("（留空=广东配储规则）" if paired else ""),
                        "en": f"{tech.capitalize()} {fleet.name} power"
                        + (" (blank = Guangdong pairing rule)" if paired else ""),
                        "unit_cn": "MW", "unit_en": "MW", "physics": False,
                        "file": power_file, **power_additions, **power_rule,
                        **({"file_text": "Guangdong pairing rule"} if paired else {})})
            if tech == "storage":
                out.append({"id": f"{key}.duration_h", "kind": "number", "step": "any",
                            "cn": f"储能 {fleet.name} 时长", "en": f"Storage {fleet.name} "
                            "duration", "unit_cn": "h", "unit_en": "h", "physics": False,
                            "file": "" if paired else fleet.duration_h, **duration_rule,
                            **({"file_text": "Guangdong pairing rule"} if paired else {})})
    return out


#: Unit of a calibrated parameter as the calibration lever shows it: (Chinese, English).
_PARAMETER_UNITS = {"mean_wind_speed_ms": ("米/秒", "m/s"), "irradiance_scale": ("倍", "x")}


def _parameter_text(parameter, value, language):
    if value == "not set":
        return "未设定（气象数据本身）" if language == "cn" else "not set (the weather's own)"
    unit = _PARAMETER_UNITS.get(parameter, ("", ""))[language == "en"]
    return f"{value:g} {unit}".strip()


def calibration_lever(tech, fleet):
    """The calibration on/off lever of a calibrated fleet, or None.

    Offered when the fleet's ``calibration`` table records the value before the fit
    (``uncalibrated_value``); switching it off is a physics change (a new per-unit profile).

    Returns
    -------
    dict or None
    """
    record = fleet.calibration
    if record is None or record.uncalibrated_value is None:
        return None
    fitted = getattr(fleet, record.parameter)  # what the fleet runs with
    fitted = "not set" if fitted is None else fitted
    on = {lang: _parameter_text(record.parameter, fitted, lang) for lang in ("cn", "en")}
    off = {lang: _parameter_text(record.parameter, record.uncalibrated_value, lang)
           for lang in ("cn", "en")}
    return {"id": f"{tech}[{fleet.name}].calibration", "kind": "select", "physics": True,
            "options": [("", f"开 {on['cn']}（校准值）", f"on: {on['en']} (fitted)"),
                        ("off", f"关 {off['cn']}（校准前）", f"off: {off['en']} (before the fit)")],
            "cn": f"{_TECH_CN[tech]} {fleet.name} 校准（物理）",
            "en": f"{_TECH_EN[tech]} {fleet.name} calibration (physics)",
            "unit_cn": "", "unit_en": "", "file": "",
            "file_text": f"{record.parameter} = {on['en']}"}


def paired_value(lever_id, value):
    """A capacity set in the other unit, shown in this lever's unit. [float]"""
    number = float(value)
    if lever_id.endswith("capacity_wan_kw"):
        return round(units.mw_to_wan_kw(number), 6)
    return units.wan_kw_to_mw(number)


def _number(lever_id, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{lever_id} = {value!r}: give a number") from None


def changes_for(scenario, values):
    """The ``with_changes`` dict for edited lever values.

    Parameters
    ----------
    scenario : Scenario
        The scenario as read from its file.
    values : dict of str to object
        Lever id -> value from the page (numbers may arrive as text); only edited levers.

    Returns
    -------
    dict of str to object
        Dotted paths to values. Raises ValueError (one line) for a value that is not a
        number where a number is needed; everything else is left to the scenario model.
    """
    changes = {}
    first_year = scenario.years[0]
    factor = {}
    for lever_id, value in values.items():
        head, _, field = lever_id.rpartition(".")
        if field == "pace":
            tech, name = head.split("[", 1)
            fleet = next(f for f in getattr(scenario, tech) if f.name == name[:-1])
            start_year, start_share = _start(fleet, first_year)
            kind, _, what = str(value).partition(":")
            buildout = {"shape": "linear", "start_year": start_year,
                        "start_share": start_share}
            if kind == "fyp":
                buildout["by_fyp"] = what
            elif kind == "year":
                buildout["target_year"] = int(what)
            else:
                raise ValueError(f"{lever_id} = {value!r}: choose a plan period or a year")
            changes[f"{head}.buildout"] = buildout
        elif field == "calibration":
            tech, name = head.split("[", 1)
            fleet = next(f for f in getattr(scenario, tech) if f.name == name[:-1])
            if value != "off" or calibration_lever(tech, fleet) is None:
                raise ValueError(f"{lever_id} = {value!r}: choose on or off")
            record = fleet.calibration
            before = record.uncalibrated_value
            changes[f"{head}.{record.parameter}"] = None if before == "not set" else before
            changes[f"{head}.calibration"] = None  # the edited fleet is no longer calibrated
        elif lever_id == "grid.ef_preset":
            factor["preset"] = str(value)
        elif lever_id == "grid.ef_decline_pct":
            factor["decline_pct_per_year"] = _number(lever_id, value)
        elif head.startswith("storage[") and field in ("capacity_mw", "duration_h"):
            changes[lever_id] = _number(lever_id, value)
            fleet = next(f for f in scenario.storage if f"storage[{f.name}]" == head)
            if fleet.pairing is not None and f"{head}.capacity_mw" not in values:
                # the rule sets power and duration together: a duration alone has no power
                raise ValueError(f"{lever_id} = {value!r}: the pairing rule sets this "
                                 "fleet's power; give its power (MW) first")
            if fleet.pairing is not None:
                changes[f"{head}.pairing"] = None
                changes.setdefault(f"{head}.duration_h", DEFAULT_DURATION_H)
        else:
            changes[lever_id] = _number(lever_id, value)
    if factor:
        current = scenario.grid.emission_factor
        preset = factor.get("preset") or (current.preset if current else "guangdong")
        decline = factor.get("decline_pct_per_year",
                             current.decline_pct_per_year if current and
                             current.extend == "decline" else DEFAULT_DECLINE_PCT)
        changes["grid.emission_factor"] = {"preset": preset, "extend": "decline",
                                           "decline_pct_per_year": decline}
        if scenario.grid.emission_factor_t_per_mwh is not None:
            changes["grid.emission_factor_t_per_mwh"] = None
    return changes
