"""Bad-input corpus: every user mistake ends with exit 2 and one line naming what is wrong.

Each case feeds the real command line (in-process with click's runner, or as a subprocess
for flags) one broken input: a scenario file, a sweep file, a weather file or a flag. The
contract (README "When something goes wrong", ``energysim.cli.common``) is checked the same
way for all of them (:func:`_cli.assert_one_line_error`):

* exit status 2, no traceback;
* exactly one non-empty line on stderr, starting ``error:``, that names the file, the
  field or row, and what is allowed (each case lists the fragments it must contain);
* no output folder created.

Every case here once found a defect or guards against one; all of them must pass.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ._cli import assert_one_line_error, invoke, run_cli

BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken"

BASE = """\
name = "mini"
years = [2021, 2022]

[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61

[weather]
source = "builtin:shaoguan"

[[pv]]
name = "pv"
capacity_mw = 100

[[wind]]
name = "wind"
capacity_mw = 50
turbine = "E-115/3000"
hub_height_m = 120

[grid]
export_limit_mw = 120
"""

SITE_BLOCK = "[site]\nlatitude = 24.68\nlongitude = 113.6\naltitude_m = 61\n"
PV_BLOCK = '[[pv]]\nname = "pv"\ncapacity_mw = 100\n'
WIND_BLOCK = ('[[wind]]\nname = "wind"\ncapacity_mw = 50\nturbine = "E-115/3000"\n'
              'hub_height_m = 120\n')


def sub(old, new):
    """An edit of BASE that replaces ``old`` (which must be there, once) by ``new``."""

    def edit(text):
        assert text.count(old) == 1, f"case is stale: {old!r} not in the base scenario once"
        return text.replace(old, new)

    return edit


def chain(*edits):
    def edit(text):
        for one in edits:
            text = one(text)
        return text

    return edit


# id -> (edit of BASE, fragments the error line must contain); marks optional.
SCENARIO_CASES = [
    # TOML syntax
    ("toml-unclosed-array-of-tables", sub("[[pv]]", "[[pv]"), ["TOML syntax error", "line 12"]),
    ("toml-unterminated-string", sub('name = "mini"', 'name = "mini'),
     ["TOML syntax error", "line 1"]),
    ("toml-duplicate-key", sub('name = "mini"', 'name = "mini"\nname = "again"'),
     ["TOML syntax error", "line 2"]),
    ("toml-truncated-mid-line", lambda s: s[:s.index("capacity_mw = 50") + len("capacity_mw =")],
     ["TOML syntax error"]),
    # unknown and misspelt keys
    ("unknown-top-level-key", lambda s: "colour = 1\n" + s, ["colour", "unknown key", "allowed:"]),
    ("misspelt-optional-key", sub("capacity_mw = 100", "capacity_mw = 100\ntilt_dg = 20"),
     ["[pv.pv] tilt_dg", "unknown key", "did you mean 'tilt_deg'"]),
    pytest.param("misspelt-required-key", sub("latitude = 24.68", "lattitude = 24.68"),
                 ["[site] lattitude", "did you mean 'latitude'"]),
    ("key-without-unit", sub("capacity_mw = 100", "capacity = 100"),
     ["[pv.pv] capacity", "capacity_mw or capacity_wan_kw"]),
    # wrong types
    ("years-is-a-string", sub("years = [2021, 2022]", 'years = "2021"'),
     ["years = '2021'", "tuple"]),
    ("capacity-is-a-word", sub("capacity_mw = 100", 'capacity_mw = "big"'),
     ["[pv.pv] capacity_mw = 'big'", "valid number"]),
    pytest.param("latitude-is-a-boolean", sub("latitude = 24.68", "latitude = true"),
                 ["[site] latitude", "number"]),
    ("lifetime-is-fractional", sub("capacity_mw = 100", "capacity_mw = 100\nlifetime_years = 2.5"),
     ["[pv.pv] lifetime_years = 2.5", "integer"]),
    ("fleet-is-a-table-not-an-array", sub("[[pv]]", "[pv]"), ["[pv]", "list"]),
    ("site-is-an-array", sub("[site]", "[[site]]"), ["site", "dictionary"]),
    # missing required fields
    ("missing-name", sub('name = "mini"\n', ""), ["name: required key missing"]),
    ("missing-years", sub("years = [2021, 2022]\n", ""), ["years: required key missing"]),
    ("missing-site", sub(SITE_BLOCK, ""), ["site: required key missing"]),
    ("missing-hub-height", sub("hub_height_m = 120\n", ""),
     ["[wind.wind] hub_height_m: required key missing"]),
    ("no-fleet", chain(sub(PV_BLOCK, ""), sub(WIND_BLOCK, "")), ["no fleet", "[[pv]]"]),
    ("empty-file", lambda s: "", ["name: required key missing"]),
    # out of range and not finite
    ("latitude-out-of-range", sub("latitude = 24.68", "latitude = 91"),
     ["[site] latitude = 91", "less than or equal to 90"]),
    ("years-out-of-range", sub("years = [2021, 2022]", "years = [1800, 1801]"),
     ["years", "1990..2100"]),
    ("years-reversed", sub("years = [2021, 2022]", "years = [2022, 2021]"),
     ["years", "first <= last"]),
    ("capacity-negative", sub("capacity_mw = 100", "capacity_mw = -5"),
     ["[pv.pv]", "capacity = -5", ">= 0"]),
    ("capacity-nan", sub("capacity_mw = 100", "capacity_mw = nan"), ["[pv.pv]", "nan", "finite"]),
    ("capacity-inf", sub("capacity_mw = 100", "capacity_mw = inf"), ["[pv.pv]", "inf", "finite"]),
    ("tilt-nan", sub("capacity_mw = 100", "capacity_mw = 100\ntilt_deg = nan"),
     ["[pv.pv] tilt_deg = nan", ("less than or equal to 90", "finite")]),
    ("export-limit-nan", sub("export_limit_mw = 120", "export_limit_mw = nan"),
     ["[grid] export_limit_mw = nan", "finite"]),
    ("emission-factor-minus-inf", sub("export_limit_mw = 120", "emission_factor_t_per_mwh = -inf"),
     ["[grid] emission_factor_t_per_mwh = -inf", "finite"]),
    ("hourly-shape-with-nan",
     sub("export_limit_mw = 120", "emission_factor_hourly_shape = [" + "1.0, " * 23 + "nan]"),
     ["[grid] emission_factor_hourly_shape", "finite"]),
    pytest.param("logistic-midpoint-nan",
                 sub("capacity_mw = 100",
                     'capacity_mw = 100\nbuildout = { shape = "logistic", midpoint_year = nan }'),
                 ["[pv.pv.buildout] midpoint_year", "finite"]),
    pytest.param("power-curve-speed-nan",
                 sub('turbine = "E-115/3000"\nhub_height_m = 120\n',
                     "hub_height_m = 120\n[wind.power_curve]\nwind_speed_ms = [0.0, nan, 25.0]\n"
                     "power_kw = [0.0, 1500.0, 3000.0]\n"),
                 ["[wind.wind.power_curve]", "wind_speed_ms", "finite"]),
    ("availability-zero", sub("capacity_mw = 100", "capacity_mw = 100\navailability_pct = 0"),
     ["[pv.pv] availability_pct = 0", "greater than 0"]),
    # empty tables
    ("buildout-share-empty-table",
     sub("capacity_mw = 100", "capacity_mw = 100\nbuildout_share = {}"),
     ["[pv.pv] buildout_share", "at least one"]),
    ("site-empty-table", sub(SITE_BLOCK, "[site]\n"), ["[site] latitude: required key missing"]),
    ("fleet-empty-table", sub(PV_BLOCK, "[[pv]]\n"), ["[pv[0]] name: required key missing"]),
    # both of two exclusive keys
    ("both-capacity-units", sub("capacity_mw = 100", "capacity_mw = 100\ncapacity_wan_kw = 10"),
     ["[pv.pv]", "capacity_mw or capacity_wan_kw, not both"]),
    ("turbine-and-power-curve",
     sub("hub_height_m = 120\n", "hub_height_m = 120\n[wind.power_curve]\n"
                                 "wind_speed_ms = [0.0, 25.0]\npower_kw = [0.0, 3000.0]\n"),
     ["[wind.wind]", "one of the two"]),
    ("factor-points-and-preset",
     sub("export_limit_mw = 120",
         'emission_factor_t_per_mwh = 0.5\n[grid.emission_factor]\npreset = "guangdong"'),
     ["[grid]", "not both"]),
    ("tilt-on-a-tracker",
     sub("capacity_mw = 100", 'capacity_mw = 100\ntracking = "single_axis"\ntilt_deg = 10'),
     ["[pv.pv]", "tilt_deg is for fixed arrays"]),
    # unknown names
    ("unknown-turbine", sub("E-115/3000", "E-115/300"),
     ["[wind.wind] turbine = 'E-115/300'", "closest: E-115/3000"]),
    ("unknown-preset", sub("export_limit_mw = 120",
                           'export_limit_mw = 120\n[grid.emission_factor]\npreset = "guangdon"'),
     ["[grid.emission_factor]", "'guangdon'", "allowed:"]),
    ("unknown-tracking", sub("capacity_mw = 100", 'capacity_mw = 100\ntracking = "dual_axis"'),
     ["[pv.pv] tracking = 'dual_axis'", "allowed: 'fixed' or 'single_axis'"]),
    ("unknown-time-zone", sub("altitude_m = 61", 'altitude_m = 61\ntimezone = "Asia/Shanghia"'),
     ["[site] timezone = 'Asia/Shanghia'", "IANA"]),
    pytest.param("unknown-builtin-weather", sub("builtin:shaoguan", "builtin:nowhere"),
                 ["[weather] source = 'builtin:nowhere'", "allowed 'builtin:shaoguan'"]),
    pytest.param("weather-source-with-a-nul-byte",
                 sub('source = "builtin:shaoguan"', 'source = "a\\u0000b.epw"'),
                 ["[weather] source", "weather file"]),
    ("schema-version-2", lambda s: "schema_version = 2\n" + s,
     ["schema_version = 2", "allowed: 1"]),
    # values that conflict with the rest of the file
    ("duplicate-fleet-names", sub('name = "wind"', 'name = "pv"'),
     ["fleet names must be unique", "pv"]),
    ("name-is-not-a-folder-name", sub('name = "mini"', 'name = "a/b"'),
     ["name = 'a/b'", "letters, digits"]),
    ("additions-outside-the-years", sub("capacity_mw = 100", "additions_mw = { 2030 = 10 }"),
     ["[pv.pv] additions year 2030", "2021..2022"]),
    ("hourly-year-outside-the-years", lambda s: s + "[output]\nhourly_years = [1800]\n",
     ["output.hourly_years", "2021..2022"]),
    ("year-table-key-not-a-year",
     sub("capacity_mw = 100", "capacity_mw = 100\nbuildout_share = { abc = 0.5 }"),
     ["buildout_share.abc", "not a year"]),
    ("seed-negative", sub('source = "builtin:shaoguan"', 'source = "builtin:shaoguan"\nseed = -1'),
     ["[weather] seed = -1", "greater than or equal to 0"]),
]


def _params(cases):
    """pytest params from a case table: plain tuples or pytest.param; the id is the first value."""
    out = []
    for case in cases:
        values, marks = (case.values, case.marks) if hasattr(case, "marks") else (case, ())
        out.append(pytest.param(*values, id=values[0], marks=marks))
    return out


def _run_scenario_text(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", path, "-o", out, "--no-plots", "--no-cache"])
    return code, stderr, exc, out


@pytest.mark.parametrize("case_id, edit, fragments", _params(SCENARIO_CASES))
def test_bad_scenario(tmp_path, case_id, edit, fragments):
    code, stderr, exc, out = _run_scenario_text(tmp_path, edit(BASE))
    assert_one_line_error(code, stderr, ["bad.toml", *fragments], exception=exc)
    assert not out.exists(), "an output folder was created for a failed run"


def test_base_scenario_of_the_corpus_is_valid():
    # Every case above breaks exactly one thing in a scenario that is otherwise fine.
    from energysim.scenario import parse_scenario

    scenario = parse_scenario(BASE)
    assert [f.name for f in scenario.fleets] == ["pv", "wind"]


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("name, fragments", [
    ("latin1.toml", ["latin1.toml", "not UTF-8", "save the file as UTF-8"]),
    ("truncated.toml", ["truncated.toml", "TOML syntax error", "end of document"]),
])
def test_broken_scenario_files(tmp_path, name, fragments):
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", BROKEN / name, "-o", out, "--no-plots", "--no-cache"])
    assert_one_line_error(code, stderr, fragments, exception=exc)
    assert not out.exists()


def test_scenario_that_does_not_exist(tmp_path):
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", tmp_path / "nope.toml", "-o", out])
    assert_one_line_error(code, stderr, ["nope.toml", "no such file"], exception=exc)
    assert not out.exists()


def test_scenario_path_is_a_directory_without_a_result(tmp_path):
    folder = tmp_path / "just-a-folder"
    folder.mkdir()
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", folder, "-o", out])
    assert_one_line_error(code, stderr, ["just-a-folder", "without scenario.toml",
                                         "give a scenario .toml file"], exception=exc)
    assert not out.exists()


def test_scenario_without_read_permission(tmp_path):
    path = tmp_path / "locked.toml"
    path.write_text(BASE, encoding="utf-8")
    path.chmod(0)
    try:
        try:
            path.read_bytes()
        except PermissionError:
            pass
        else:
            pytest.skip("chmod 000 does not stop reads here (running as root or with "
                        "CAP_DAC_OVERRIDE); test_scenario_that_fails_to_read covers a read error")
        out = tmp_path / "out"
        code, stderr, exc = invoke(["run", path, "-o", out])
        assert_one_line_error(code, stderr, ["locked.toml", "cannot read"], exception=exc)
        assert not out.exists()
    finally:
        path.chmod(0o600)


def _failing_file(tmp_path, name):
    """A path that exists, is not a folder, and fails with EIO when read (Linux).

    A symbolic link to ``/proc/self/mem``: reading from offset 0 of one's own memory
    fails with an I/O error. Unlike chmod 000 this also fails for root.
    """
    target = Path("/proc/self/mem")
    if not target.exists():
        pytest.skip("needs Linux /proc/self/mem to make a file that fails on read")
    link = tmp_path / name
    link.symlink_to(target)
    return link


def test_scenario_that_fails_to_read(tmp_path):
    path = _failing_file(tmp_path, "eio.toml")
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", path, "-o", out])
    assert_one_line_error(code, stderr, ["eio.toml", "cannot read", "Input/output error"],
                          exception=exc)
    assert not out.exists()


def test_validate_reports_a_bad_file_the_same_way(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BASE.replace("latitude = 24.68", "latitude = 91"), encoding="utf-8")
    code, stderr, exc = invoke(["validate", path])
    assert_one_line_error(code, stderr, ["bad.toml", "[site] latitude = 91"], exception=exc)


# --------------------------------------------------------------------------- weather files

EPW_SCENARIO = """\
name = "w"
years = [2021, 2021]

[site]
latitude = {latitude}
longitude = {longitude}

[weather]
source = "{source}"

[[pv]]
name = "pv"
capacity_mw = 100
"""


def _run_weather(tmp_path, source, latitude=24.68, longitude=113.6):
    text = EPW_SCENARIO.format(source=source, latitude=latitude, longitude=longitude)
    return _run_scenario_text(tmp_path, text, name="site.toml")


def _epw_lines(epw_path):
    return epw_path.read_bytes().decode("latin-1").splitlines(keepends=True)


def _edit_fields(lines, line_numbers, field, value):
    """Set field ``field`` (0-based) of the given 1-based data lines. [list of str]"""
    out = list(lines)
    for number in line_numbers:
        parts = out[number - 1].rstrip("\r\n").split(",")
        parts[field] = value(parts[field]) if callable(value) else value
        out[number - 1] = ",".join(parts) + "\n"
    return out


# EPW data fields (0-based): 6 dry bulb, 13 GHI, 14 DNI, 15 DHI; line 9 is 01-01 hour 1.
EPW_CASES = [
    ("epw-empty", lambda lines: [], ["first line is not an EPW LOCATION record"]),
    ("epw-header-only", lambda lines: lines[:8], ["no data lines after the EPW header",
                                                   "truncated"]),
    ("epw-first-100-rows", lambda lines: lines[:108], ["8660 hour(s) missing", "truncated",
                                                        "gaps of at most 3 h"]),
    ("epw-cut-mid-line", lambda lines: lines[:1500] + [lines[1500][:40]],
     ["line 1501", "fields", "EPW data lines have 35"]),
    ("epw-without-location-line", lambda lines: lines[1:], ["LOCATION", "expected an EPW file"]),
    ("epw-binary-garbage", lambda lines: ["\x89PNG\r\n", "\x1a\n\x00\x00\x00\rIHDR\n"],
     ["first line is not an EPW LOCATION record"]),
    pytest.param("epw-non-numeric-field", lambda lines: _edit_fields(lines, [500], 6, "abc"),
                 ["line 500", "abc"]),
    ("epw-irradiance-in-kw",
     lambda lines: lines[:8] + _edit_fields(
         _edit_fields(_edit_fields(lines[8:], range(1, 8761), 13, lambda v: f"{float(v) / 1000:g}"),
                      range(1, 8761), 14, lambda v: f"{float(v) / 1000:g}"),
         range(1, 8761), 15, lambda v: f"{float(v) / 1000:g}"),
     ["looks like kW m⁻²", "must be in W m⁻²"]),
    ("epw-ten-hours-missing", lambda lines: _edit_fields(lines, range(4000, 4010), 13, "9999"),
     ["column ghi", "run of 10 missing values", "at most 3 h"]),
    ("epw-time-zone-contradicts-location",
     lambda lines: [lines[0].replace(",8.0,61.0", ",0.0,61.0"), *lines[1:]],
     ["UTC+0", "time zone / UTC offset is probably wrong"]),
]


@pytest.mark.parametrize("case_id, edit, fragments", _params(EPW_CASES))
def test_broken_epw(tmp_path, shaoguan_epw_path, case_id, edit, fragments):
    lines = _epw_lines(shaoguan_epw_path)
    assert lines[0].startswith("LOCATION,Shaoguan") and ",8.0,61.0" in lines[0]
    broken = tmp_path / "broken.epw"
    broken.write_bytes("".join(edit(lines)).encode("latin-1"))
    code, stderr, exc, out = _run_weather(tmp_path, broken)
    assert_one_line_error(code, stderr, ["broken.epw", *fragments], exception=exc)
    assert not out.exists()


def test_weather_for_the_other_hemisphere(tmp_path, shaoguan_epw_path):
    code, stderr, exc, out = _run_weather(tmp_path, shaoguan_epw_path, latitude=-24.68)
    assert_one_line_error(code, stderr, [shaoguan_epw_path.name, "other hemisphere",
                                         "[site] latitude = -24.68", "use weather for the site"],
                          exception=exc)
    assert not out.exists()


def test_epw_with_its_latitude_sign_flipped(tmp_path, shaoguan_epw_path):
    # Header and site agree (-24.68), but the data's seasons are the northern ones.
    lines = _epw_lines(shaoguan_epw_path)
    lines[0] = lines[0].replace(",24.68,113.60,", ",-24.68,113.60,")
    broken = tmp_path / "south.epw"
    broken.write_bytes("".join(lines).encode("latin-1"))
    code, stderr, exc, out = _run_weather(tmp_path, broken, latitude=-24.68)
    assert_one_line_error(code, stderr, ["south.epw", "seasonal cycle", "latitude sign"],
                          exception=exc)
    assert not out.exists()


def test_weather_whose_time_zone_contradicts_the_site(tmp_path, shaoguan_epw_path):
    # The Shaoguan file's hours (UTC+8) at a site on longitude -66.4: the sun of the data
    # shines in the site's night. energysim must refuse this, not simulate it.
    code, stderr, exc, out = _run_weather(tmp_path, shaoguan_epw_path, longitude=-66.4)
    assert_one_line_error(code, stderr, [shaoguan_epw_path.name, "[site] longitude = -66.4",
                                         "113.6"], exception=exc)
    assert not out.exists()


@pytest.mark.parametrize("source, fragments", [
    ("nope.epw", ["nope.epw", "no such file", "give an existing weather file"]),
    (".", ["is a directory", "give a weather file"]),
    ("notes.txt", ["notes.txt", "unknown weather format .txt", "allowed .epw"]),
    (str(BROKEN / "unknown_layout.csv"), ["unknown_layout.csv", "plain CSV of unknown layout",
                                          "# key = value"]),
    (str(BROKEN / "empty.csv"), ["empty.csv", "the file is empty"]),
    (str(BROKEN / "naive_times.csv"), ["naive_times.csv", "no UTC offset",
                                       "declare timezone"]),
    (str(BROKEN / "missing_column.csv"), ["missing_column.csv", "missing column(s) dni"]),
    (str(BROKEN / "bad_interval_label.csv"), ["bad_interval_label.csv",
                                              "interval_label = 'middle'", "allowed"]),
    pytest.param(str(BROKEN / "two_days.csv"), ["two_days.csv", "48", "8760"]),
], ids=["missing", "directory", "unknown-suffix", "csv-unknown-layout", "csv-empty",
        "csv-naive-times", "csv-missing-column", "csv-bad-interval-label", "csv-two-days-only"])
def test_bad_weather_source(tmp_path, source, fragments):
    (tmp_path / "notes.txt").write_text("not weather\n", encoding="utf-8")
    code, stderr, exc, out = _run_weather(tmp_path, source)
    assert_one_line_error(code, stderr, fragments, exception=exc)
    assert not out.exists()


def test_weather_file_that_fails_to_read(tmp_path):
    path = _failing_file(tmp_path, "eio.epw")
    code, stderr, exc, out = _run_weather(tmp_path, path)
    assert_one_line_error(code, stderr, ["eio.epw", "cannot be read", "Input/output error"],
                          exception=exc)
    assert not out.exists()


def test_weather_info_reports_a_missing_file(tmp_path):
    code, stderr, exc = invoke(["weather", "info", tmp_path / "nope.epw"])
    assert_one_line_error(code, stderr, ["nope.epw", "no such file"], exception=exc)


# --------------------------------------------------------------------------- sweep files

SWEEP_BASE = """\
name = "sweepbase"
years = [2021, 2022]
[site]
latitude = 24.68
longitude = 113.6
[[pv]]
name = "pv"
capacity_mw = 100
"""

GOOD_PARAMETERS = '[parameters]\n"pv[0].tilt_deg" = [10, 20]\n'
UNIFORM_TILT = '[parameters]\n"pv[0].tilt_deg" = { dist = "uniform", low = 10, high = 30 }\n'

SWEEP_CASES = [
    ("sweep-unknown-top-level-key", 'bse = "base.toml"\n' + GOOD_PARAMETERS,
     ["(top level) bse", "unknown key"]),
    ("sweep-empty-file", "", ["base missing", 'base = "path/to/scenario.toml"']),
    ("sweep-base-is-a-directory", 'base = "."\n' + GOOD_PARAMETERS,
     ["base = '.'", "no such scenario file"]),
    ("sweep-base-is-a-bad-scenario", 'base = "badbase.toml"\n' + GOOD_PARAMETERS,
     ["badbase.toml", "[site] latitude = 91"]),
    ("sweep-unknown-design", 'base = "base.toml"\n[design]\nkind = "sobol"\n' + GOOD_PARAMETERS,
     ["[design] kind = 'sobol'", "allowed: 'grid', 'random', 'lhs'"]),
    ("sweep-zero-samples", 'base = "base.toml"\n[design]\nkind = "lhs"\nsamples = 0\n' + UNIFORM_TILT,
     ["[design] samples = 0", "whole number in 1.."]),
    ("sweep-fractional-samples",
     'base = "base.toml"\n[design]\nkind = "random"\nsamples = 2.5\n' + UNIFORM_TILT,
     ["[design] samples = 2.5", "whole number"]),
    ("sweep-negative-seed",
     'base = "base.toml"\n[design]\nkind = "random"\nsamples = 2\nseed = -1\n' + UNIFORM_TILT,
     ["[design] seed = -1", "whole number >= 0"]),
    ("sweep-range-to-infinity",
     'base = "base.toml"\n[parameters]\n"pv[0].tilt_deg" = { start = 10, stop = inf, step = 5 }\n',
     ["pv[0].tilt_deg stop = inf", "finite number"]),
    pytest.param("sweep-value-nan", 'base = "base.toml"\n[parameters]\n"pv[0].tilt_deg" = [nan]\n',
                 ["pv[0].tilt_deg", "nan", "finite"]),
    pytest.param("sweep-value-minus-inf",
                 'base = "base.toml"\n[parameters]\n"pv[0].capacity_mw" = [-inf, 10]\n',
                 ["pv[0].capacity_mw", "-inf", "finite"]),
    ("sweep-value-not-allowed", 'base = "base.toml"\n[parameters]\n"pv[0].tracking" = ["dual"]\n',
     ["point 0", "[pv.pv] tracking = 'dual'", "allowed: 'fixed' or 'single_axis'"]),
    ("sweep-output-year-outside",
     'base = "base.toml"\n' + GOOD_PARAMETERS + "[output]\nyears = [2050]\n",
     ["[output] years = [2050]", "outside the base scenario's years 2021..2022"]),
]


@pytest.fixture
def sweep_dir(tmp_path):
    (tmp_path / "base.toml").write_text(SWEEP_BASE, encoding="utf-8")
    (tmp_path / "badbase.toml").write_text(SWEEP_BASE.replace("latitude = 24.68", "latitude = 91"),
                                           encoding="utf-8")
    return tmp_path


def _dry_run(sweep_dir, path):
    out = sweep_dir / "out"
    code, stderr, exc = invoke(["sweep", path, "--dry-run", "-o", out, "--no-cache"])
    return code, stderr, exc, out


@pytest.mark.parametrize("case_id, text, fragments", _params(SWEEP_CASES))
def test_bad_sweep_file(sweep_dir, case_id, text, fragments):
    path = sweep_dir / "bad-sweep.toml"
    path.write_text(text, encoding="utf-8")
    code, stderr, exc, out = _dry_run(sweep_dir, path)
    assert_one_line_error(code, stderr, ["bad-sweep.toml" if "badbase" not in text else
                                         "badbase.toml", *fragments], exception=exc)
    assert not out.exists()


def test_sweep_file_with_a_syntax_error(sweep_dir):
    path = sweep_dir / "sweep_syntax_error.toml"
    shutil.copy(BROKEN / "sweep_syntax_error.toml", path)
    code, stderr, exc, out = _dry_run(sweep_dir, path)
    assert_one_line_error(code, stderr, ["sweep_syntax_error.toml", "TOML syntax error",
                                         "line 2"], exception=exc)
    assert not out.exists()


@pytest.mark.parametrize("kind", ["missing", "directory", "not-utf8"])
def test_sweep_file_that_is_not_a_file(sweep_dir, kind):
    path = sweep_dir / "s.toml"
    if kind == "directory":
        path.mkdir()
    elif kind == "not-utf8":
        path.write_bytes(b'base = "base.toml"\n# \xe9\n')
    fragment = {"missing": "no such sweep file", "directory": "not a file",
                "not-utf8": "not UTF-8"}[kind]
    code, stderr, exc, out = _dry_run(sweep_dir, path)
    assert_one_line_error(code, stderr, ["s.toml", fragment], exception=exc)
    assert not out.exists()


def test_sweep_file_that_fails_to_read(sweep_dir):
    path = _failing_file(sweep_dir, "eio-sweep.toml")
    code, stderr, exc, out = _dry_run(sweep_dir, path)
    assert_one_line_error(code, stderr, ["eio-sweep.toml", "cannot read"], exception=exc)
    assert not out.exists()


# --------------------------------------------------------------------------- flags

@pytest.fixture(scope="module")
def flag_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flags")
    (folder / "ok.toml").write_text(BASE, encoding="utf-8")
    (folder / "a-file").write_text("", encoding="utf-8")
    (folder / "sweep.toml").write_text('base = "ok.toml"\n' + GOOD_PARAMETERS, encoding="utf-8")
    return folder


@pytest.mark.parametrize("args, fragments", [
    pytest.param(["run", "ok.toml", "--units", "xx"], ["--units", "'xx'", "'si', 'cn'"], id="units-xx"),
    pytest.param(["run", "ok.toml", "--jobs", "0"], ["--jobs", "0", ">=1"], id="jobs-0"),
    pytest.param(["run", "ok.toml", "--hourly-year", "abc"], ["--hourly-year", "'abc'", "integer"], id="hourly-year-not-a-number"),
    pytest.param(["run", "ok.toml", "--hourly-year", "1800"],
                 ["--hourly-year", "1800", "2021..2022"],
                 id="hourly-year-1800"),
    pytest.param(["run", "ok.toml", "--colour"], ["--colour"],
                 id="unknown-option"),
    pytest.param(["run", "ok.toml", "-o", "a-file"], ["--out", "a-file", "is a file"], id="out-is-a-file"),
    pytest.param(["run"], ["SCENARIOS"], id="no-scenario"),
    pytest.param(["frobnicate"], ["frobnicate"], id="unknown-command"),
    pytest.param(["sweep", "sweep.toml", "--workers", "0"], ["--workers", "0"], id="sweep-workers-0"),
    pytest.param(["sweep", "sweep.toml", "--chunk-size", "0"], ["--chunk-size", "0"], id="sweep-chunk-size-0"),
    pytest.param(["sweep", "sweep.toml", "--scheduler", "tcp://127.0.0.1:1", "--dask-local", "1"],
                 ["--scheduler", "--dask-local"],
                 id="sweep-scheduler-and-dask-local"),
])
def test_bad_flag(flag_dir, args, fragments):
    # Real subprocesses: what a shell user sees, exit status included.
    out = flag_dir / "out"
    if args and args[0] in ("run", "sweep") and "-o" not in args:
        args = [*args, "-o", out]
    completed = run_cli(args, flag_dir)
    assert_one_line_error(completed.returncode, completed.stderr, fragments)
    assert not out.exists()
