"""Round two of the robustness corpus (issue 14): inputs real users produce.

Each section is one class of defect found by trying energysim as a new user would:
encodings and line endings, calendar years with Feb 29, library messages of several lines,
names that validate but cannot be written, ``--overwrite`` over something that is not an
energysim result, several results where a later input is bad, physically impossible
combinations, weather from another place and loose types. Every case runs the real
command line (in-process) or the real readers, and checks real data: a file read with a
byte-order mark or other line endings gives exactly the frame read without them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energysim.errors import EnergysimWarning, ScenarioError, WeatherDataError

from ._cli import EXIT_OUTPUT, assert_one_line_error, error_lines, invoke
from .test_bad_input import BASE, EPW_SCENARIO, SWEEP_BASE, chain, sub

BOM = "\ufeff"


def _epw_text(epw_path):
    return epw_path.read_bytes().decode("latin-1")


def _endings(text, newline):
    return text.replace("\r\n", "\n").replace("\n", newline)


def _run(tmp_path, text, *args, name="s.toml", out="out"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    out = tmp_path / out
    code, stderr, exc = invoke(["run", path, "-o", out, "--no-plots", "--no-cache", *args])
    return code, stderr, exc, out


def _pvlib_tmy3():
    import pvlib

    return Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"


# ======================================================================= 1. encodings

@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_scenario_with_bom_and_any_line_ending_is_read(tmp_path, newline):
    from energysim.scenario import load_scenario, parse_scenario

    path = tmp_path / "notepad.toml"
    path.write_bytes((BOM + _endings(BASE, newline)).encode("utf-8"))
    assert load_scenario(path).digest() == parse_scenario(BASE).digest()
    code, stderr, exc = invoke(["validate", path])
    assert code == 0, stderr


def test_sweep_file_with_bom_and_crlf_is_read(tmp_path):
    from energysim.sweep import load_sweep

    (tmp_path / "base.toml").write_bytes((BOM + _endings(SWEEP_BASE, "\r\n")).encode("utf-8"))
    text = 'base = "base.toml"\n[parameters]\n"pv[0].tilt_deg" = [10, 20]\n'
    path = tmp_path / "sweep.toml"
    path.write_bytes((BOM + _endings(text, "\r\n")).encode("utf-8"))
    spec = load_sweep(path)
    assert spec.base.name == "sweepbase"
    assert [p.path for p in spec.parameters] == ["pv[0].tilt_deg"]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_epw_with_bom_and_other_line_endings_gives_the_same_frame(tmp_path, shaoguan_epw_path,
                                                                   newline):
    from energysim.weather import read_epw

    reference, ref_meta = read_epw(shaoguan_epw_path)
    path = tmp_path / "windows.epw"
    path.write_bytes((BOM + _endings(_epw_text(shaoguan_epw_path), newline)).encode("utf-8"))
    data, meta = read_epw(path)
    pd.testing.assert_frame_equal(data, reference)
    assert meta["latitude"] == ref_meta["latitude"] and meta["typical_year"]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_energysim_csv_with_bom_and_crlf_gives_the_same_frame(tmp_path, shaoguan_epw_path,
                                                              newline):
    from energysim.weather import load_weather, read_epw, to_weather_csv

    data, meta = read_epw(shaoguan_epw_path)
    plain = to_weather_csv(data, meta, tmp_path / "plain.csv")
    reference, _ = load_weather(plain)
    excel = tmp_path / "excel.csv"
    excel.write_bytes((BOM + _endings(plain.read_text(encoding="utf-8"), newline)).encode("utf-8"))
    again, _ = load_weather(excel)
    pd.testing.assert_frame_equal(again, reference)


def test_tmy3_with_bom_and_crlf_gives_the_same_frame(tmp_path):
    from energysim.weather import read_tmy3

    source = _pvlib_tmy3()
    reference, _ = read_tmy3(source)
    path = tmp_path / "tmy3.csv"
    text = source.read_bytes().decode("latin-1")
    path.write_bytes((BOM + _endings(text, "\r\n")).encode("utf-8"))
    data, _ = read_tmy3(path)
    pd.testing.assert_frame_equal(data, reference)


def test_run_with_a_bom_crlf_csv_weather_file(tmp_path, shaoguan_epw_path):
    from energysim.weather import read_epw, to_weather_csv

    data, meta = read_epw(shaoguan_epw_path)
    plain = to_weather_csv(data, meta, tmp_path / "plain.csv")
    (tmp_path / "excel.csv").write_bytes(
        (BOM + _endings(plain.read_text(encoding="utf-8"), "\r\n")).encode("utf-8"))
    text = EPW_SCENARIO.format(source="excel.csv", latitude=24.68, longitude=113.6)
    code, stderr, exc, out = _run(tmp_path, text)
    assert code == 0, stderr
    assert (out / "w" / "summary.json").is_file()


# ======================================================================= 2. leap years

def _calendar_epw_lines(epw_path, year=2020):
    """The CSWD year relabelled as calendar ``year``, Feb 29 inserted as a copy of Feb 28."""
    lines = _epw_text(epw_path).splitlines()
    header = lines[:8]
    header[0] = header[0].replace(",CSWD,", ",ISD,")  # not a typical-year product
    header[5] = "COMMENTS 1,a calendar year of measurements"
    out = []
    for line in lines[8:]:
        fields = line.split(",")
        fields[0] = str(year)
        out.append(",".join(fields))
        if fields[1] == "2" and fields[2] == "28":
            leap = list(fields)
            leap[2] = "29"
            out.append(",".join(leap))
    # put the Feb 29 rows after all Feb 28 rows
    feb28 = [r for r in out if r.split(",")[1:3] == ["2", "28"]]
    feb29 = [r for r in out if r.split(",")[1:3] == ["2", "29"]]
    rest_before = [r for r in out if (int(r.split(",")[1]), int(r.split(",")[2])) < (2, 28)]
    rest_after = [r for r in out if (int(r.split(",")[1]), int(r.split(",")[2])) > (2, 29)]
    return header, rest_before + feb28 + feb29 + rest_after


def test_calendar_leap_year_epw_is_accepted_with_feb29_dropped(tmp_path, shaoguan_epw_path):
    from energysim.weather import read_epw

    header, rows = _calendar_epw_lines(shaoguan_epw_path)
    assert len(rows) == 8784
    path = tmp_path / "shaoguan-2020.epw"
    path.write_text("\n".join(header + rows) + "\n", encoding="latin-1")
    with pytest.warns(EnergysimWarning, match="Feb 29"):
        data, meta = read_epw(path)
    reference, _ = read_epw(shaoguan_epw_path)
    assert len(data) == 8760
    # Dropping the inserted Feb 29 leaves exactly the typical year's values.
    np.testing.assert_array_equal(data.to_numpy(), reference.to_numpy())
    assert meta["typical_year"]
    assert any("Feb 29" in r and "24 hours" in r for r in meta["repairs"]), meta["repairs"]


def test_calendar_leap_year_csv_is_accepted(tmp_path, shaoguan_epw_path):
    from energysim.weather import load_weather, read_epw, to_weather_csv

    reference, meta = read_epw(shaoguan_epw_path)
    # A calendar 2020 in local time: the typical year's hours relabelled, Feb 28 repeated.
    local = reference.index.tz_convert("Asia/Shanghai")
    leap = pd.DatetimeIndex([t.replace(year=2020) for t in local])
    frame = reference.set_axis(leap.tz_convert("UTC").rename("time"))
    feb28 = frame[(leap.month == 2) & (leap.day == 28)]
    feb29 = feb28.set_axis(feb28.index + pd.Timedelta(days=1))
    calendar = pd.concat([frame, feb29]).sort_index()
    assert len(calendar) == 8784
    path = to_weather_csv(calendar, {**meta, "typical_year": False}, tmp_path / "y2020.csv")
    with pytest.warns(EnergysimWarning, match="Feb 29"):
        data, got = load_weather(path)
    assert len(data) == 8760
    np.testing.assert_allclose(data.to_numpy(), reference.to_numpy(), rtol=1e-5)
    assert any("Feb 29" in r for r in got["repairs"])


def test_tmy3_with_feb29_rows_is_accepted(tmp_path):
    from energysim.weather import read_tmy3

    source = _pvlib_tmy3()
    reference, _ = read_tmy3(source)
    lines = source.read_bytes().decode("latin-1").splitlines()
    feb28 = [ln for ln in lines[2:] if ln.startswith("02/28/")]
    feb29 = [ln.replace("02/28/", "02/29/", 1) for ln in feb28]
    at = lines.index(feb28[-1]) + 1
    path = tmp_path / "tmy-leap.csv"
    path.write_text("\n".join(lines[:at] + feb29 + lines[at:]) + "\n", encoding="latin-1")
    with pytest.warns(EnergysimWarning, match="Feb 29"):
        data, meta = read_tmy3(path)
    np.testing.assert_array_equal(data.to_numpy(), reference.to_numpy())
    assert any("Feb 29" in r for r in meta["repairs"])


def test_run_on_a_leap_calendar_epw_records_the_repair(tmp_path, shaoguan_epw_path):
    header, rows = _calendar_epw_lines(shaoguan_epw_path)
    (tmp_path / "y2020.epw").write_text("\n".join(header + rows) + "\n", encoding="latin-1")
    text = EPW_SCENARIO.format(source="y2020.epw", latitude=24.68, longitude=113.6)
    code, stderr, exc, out = _run(tmp_path, text)
    assert code == 0, stderr
    summary = json.loads((out / "w" / "summary.json").read_text(encoding="utf-8"))
    assert any("Feb 29" in r for r in summary["provenance"]["weather_repairs"])


# ======================================================================= 3. one line

def test_csv_parser_error_of_several_lines_is_one_line(tmp_path, shaoguan_epw_path):
    from energysim.weather import read_epw, to_weather_csv

    data, meta = read_epw(shaoguan_epw_path)
    path = to_weather_csv(data, meta, tmp_path / "bad.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[40] += ",1,2,3"  # one row with three fields too many: pandas' message has a newline
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = EPW_SCENARIO.format(source="bad.csv", latitude=24.68, longitude=113.6)
    code, stderr, exc, out = _run(tmp_path, text)
    assert_one_line_error(code, stderr, ["bad.csv", "ParserError"], exception=exc)
    assert not out.exists()


def test_any_error_message_is_folded_and_bounded():
    import click

    from energysim.cli.common import MAX_ERROR_CHARS, fail_on_user_error

    @click.command()
    @fail_on_user_error
    def boom():
        raise WeatherDataError("first line\nsecond line\r\n" + "x" * 10_000)

    from click.testing import CliRunner

    result = CliRunner().invoke(boom, [])
    lines = error_lines(result.stderr)
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: first line second line x")
    assert len(lines[0]) <= MAX_ERROR_CHARS + len("error: ")


def test_library_error_names_its_type_on_one_line():
    from energysim.errors import describe_exception

    err = ValueError("Error tokenizing data. C error: Expected 9 fields, saw 12\n")
    assert describe_exception(err) == ("ValueError: Error tokenizing data. C error: "
                                       "Expected 9 fields, saw 12")
    long = describe_exception(RuntimeError("y" * 5000))
    assert long.startswith("RuntimeError: yyy") and len(long) < 400 and long.endswith("…")


# ======================================================================= 4. names

def _name_bytes(name):
    return len(os.fsencode(name))


def test_a_name_too_long_to_write_is_refused_at_validation(tmp_path):
    name = "韶" * 80  # 80 characters (allowed by count), 240 bytes in UTF-8
    code, stderr, exc, out = _run(tmp_path, BASE.replace('name = "mini"', f'name = "{name}"'))
    line = assert_one_line_error(code, stderr, ["name", "bytes"], exception=exc)
    assert "240" in line
    assert not out.exists()


def test_the_longest_valid_name_is_written(tmp_path):
    from energysim.scenario import MAX_NAME_BYTES

    name = "韶" * (MAX_NAME_BYTES // 3)
    assert _name_bytes(name) <= MAX_NAME_BYTES < _name_bytes(name + "韶")
    text = BASE.replace('name = "mini"', f'name = "{name}"').replace("[2021, 2022]",
                                                                     "[2021, 2021]")
    code, stderr, exc, out = _run(tmp_path, text)
    assert code == 0, stderr
    assert (out / name / "summary.json").is_file()
    code, stderr, exc, out = _run(tmp_path, text, "--overwrite")  # the swap path too
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == [name]


def test_sweep_name_too_long_is_refused(tmp_path):
    (tmp_path / "base.toml").write_text(SWEEP_BASE, encoding="utf-8")
    text = ('name = "' + "关" * 90 + '"\nbase = "base.toml"\n'
            '[parameters]\n"pv[0].tilt_deg" = [10, 20]\n')
    (tmp_path / "sweep.toml").write_text(text, encoding="utf-8")
    code, stderr, exc = invoke(["sweep", tmp_path / "sweep.toml", "--dry-run", "-o",
                                tmp_path / "out"])
    assert_one_line_error(code, stderr, ["name", "bytes"], exception=exc)


# ======================================================================= 5. --overwrite

SMALL = BASE.replace("[2021, 2022]", "[2021, 2021]")


def test_overwrite_refuses_a_plain_file_at_the_target(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mini").write_text("my notes\n", encoding="utf-8")
    code, stderr, exc, _ = _run(tmp_path, SMALL, "--overwrite")
    assert_one_line_error(code, stderr, [str(out / "mini"), "not an energysim result"],
                          expected_code=EXIT_OUTPUT, exception=exc)
    assert (out / "mini").read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in out.iterdir()) == ["mini"]  # nothing moved aside


def test_overwrite_refuses_a_folder_of_other_files(tmp_path):
    out = tmp_path / "out"
    (out / "mini").mkdir(parents=True)
    (out / "mini" / "thesis.docx").write_bytes(b"precious")
    code, stderr, exc, _ = _run(tmp_path, SMALL, "--overwrite")
    assert_one_line_error(code, stderr, [str(out / "mini"), "not an energysim result"],
                          expected_code=EXIT_OUTPUT, exception=exc)
    assert (out / "mini" / "thesis.docx").read_bytes() == b"precious"
    assert sorted(p.name for p in out.iterdir()) == ["mini"]


def test_overwrite_refuses_a_foreign_summary_json(tmp_path):
    out = tmp_path / "out"
    (out / "mini").mkdir(parents=True)
    (out / "mini" / "summary.json").write_text('{"mine": true}\n', encoding="utf-8")
    code, stderr, exc, _ = _run(tmp_path, SMALL, "--overwrite")
    assert_one_line_error(code, stderr, [str(out / "mini"), "not an energysim result"],
                          expected_code=EXIT_OUTPUT, exception=exc)
    assert (out / "mini" / "summary.json").read_text(encoding="utf-8") == '{"mine": true}\n'


def test_overwrite_replaces_an_empty_folder_and_an_energysim_result(tmp_path):
    from energysim.results import RESULT_FORMAT

    out = tmp_path / "out"
    (out / "mini").mkdir(parents=True)
    code, stderr, exc, _ = _run(tmp_path, SMALL, "--overwrite")
    assert code == 0, stderr
    summary = json.loads((out / "mini" / "summary.json").read_text(encoding="utf-8"))
    assert summary["format"] == RESULT_FORMAT["format"]
    assert summary["format_version"] == RESULT_FORMAT["format_version"]
    code, stderr, exc, _ = _run(tmp_path, SMALL, "--overwrite")
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["mini"]


def test_sweep_overwrite_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    (tmp_path / "base.toml").write_text(SWEEP_BASE.replace("[2021, 2022]", "[2021, 2021]"),
                                        encoding="utf-8")
    (tmp_path / "sw.toml").write_text('base = "base.toml"\n[parameters]\n'
                                      '"pv[0].tilt_deg" = [10, 20]\n', encoding="utf-8")
    out = tmp_path / "out"
    (out / "sw").mkdir(parents=True)
    (out / "sw" / "data.xlsx").write_bytes(b"precious")
    code, stderr, exc = invoke(["sweep", tmp_path / "sw.toml", "-o", out, "--overwrite",
                                "--no-cache", "--no-plots", "--workers", "1"])
    assert_one_line_error(code, stderr, [str(out / "sw"), "not an energysim"],
                          expected_code=EXIT_OUTPUT, exception=exc)
    assert sorted(p.name for p in (out / "sw").iterdir()) == ["data.xlsx"]


# ======================================================================= 6. up-front checks

def test_second_scenario_with_missing_weather_writes_nothing(tmp_path):
    (tmp_path / "first.toml").write_text(SMALL, encoding="utf-8")
    second = SMALL.replace('name = "mini"', 'name = "second"').replace(
        "builtin:shaoguan", "missing.epw")
    (tmp_path / "second.toml").write_text(second, encoding="utf-8")
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", tmp_path / "first.toml", tmp_path / "second.toml",
                                "-o", out, "--no-plots", "--no-cache"])
    assert_one_line_error(code, stderr, ["missing.epw", "no such file"], exception=exc)
    assert not out.exists()


def test_second_scenario_with_existing_output_writes_nothing(tmp_path):
    (tmp_path / "first.toml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "second.toml").write_text(SMALL.replace('name = "mini"', 'name = "second"'),
                                          encoding="utf-8")
    out = tmp_path / "out"
    (out / "second").mkdir(parents=True)
    (out / "second" / "keep.txt").write_text("x", encoding="utf-8")
    code, stderr, exc = invoke(["run", tmp_path / "first.toml", tmp_path / "second.toml",
                                "-o", out, "--no-plots", "--no-cache"])
    assert_one_line_error(code, stderr, [str(out / "second"), "--overwrite"], exception=exc)
    assert sorted(p.name for p in out.iterdir()) == ["second"]


def test_second_scenario_with_distant_weather_writes_nothing(tmp_path, shaoguan_epw_path):
    (tmp_path / "first.toml").write_text(SMALL, encoding="utf-8")
    far = EPW_SCENARIO.format(source=shaoguan_epw_path, latitude=45.68, longitude=113.6)
    (tmp_path / "second.toml").write_text(far, encoding="utf-8")
    out = tmp_path / "out"
    code, stderr, exc = invoke(["run", tmp_path / "first.toml", tmp_path / "second.toml",
                                "-o", out, "--no-plots", "--no-cache"])
    assert_one_line_error(code, stderr, ["km"], exception=exc)
    assert not out.exists()


# ======================================================================= 7. physics

POWER_CURVE = "power_curve = { wind_speed_ms = [3, 12, 25], power_kw = [0, 3000, 3000] }"


@pytest.mark.parametrize("edit, fragments", [
    (chain(sub("turbine = \"E-115/3000\"", POWER_CURVE),
           sub("hub_height_m = 120", "hub_height_m = 0.05\nroughness_length_m = 0.1")),
     ["[wind.wind] roughness_length_m = 0.1", "hub_height_m = 0.05"]),
    (chain(sub("turbine = \"E-115/3000\"", POWER_CURVE),
           sub("hub_height_m = 120", "hub_height_m = 0.5\nroughness_length_m = 0.5")),
     ["[wind.wind] roughness_length_m = 0.5", "hub_height_m = 0.5"]),
    (sub("hub_height_m = 120", "hub_height_m = 120\nmean_wind_speed_ms = 6\n"
                               "mean_wind_height_m = 0.05\nroughness_length_m = 0.1"),
     ["[wind.wind] roughness_length_m = 0.1", "mean_wind_height_m = 0.05"]),
    (sub("hub_height_m = 120", "hub_height_m = 50"),
     ["[wind.wind] hub_height_m = 50", "rotor diameter", "116", "E-115/3000"]),
    (sub('turbine = "E-115/3000"',
         "power_curve = { wind_speed_ms = [-5, 0, 3], power_kw = [0, 1, 2] }"),
     ["[wind.wind.power_curve] wind_speed_ms", "-5 m/s", ">= 0"]),
    (sub("capacity_mw = 100", "capacity_mw = 1e300"),
     ["[pv.pv] capacity_mw = 1e+300", "less than or equal to 10000000"]),
    (sub("capacity_mw = 50", "additions_mw = { 2021 = 1e300 }"),
     ["[wind.wind] additions_mw", "at most 1e+07 a year"]),
], ids=["hub-below-roughness", "hub-at-roughness", "mean-height-below-roughness",
        "hub-below-half-rotor",
        "power-curve-negative-speed", "capacity-1e300", "additions-1e300"])
def test_impossible_wind_combinations_fail_at_validation(tmp_path, edit, fragments):
    code, stderr, exc, out = _run(tmp_path, edit(BASE))
    assert_one_line_error(code, stderr, fragments, exception=exc)
    assert not out.exists()


def test_rotor_diameters_are_read_from_windpowerlib_without_importing_it():
    import subprocess
    import sys

    code = ("import sys; from energysim.turbines import rotor_diameter_m; "
            "print(rotor_diameter_m('E-115/3000'), rotor_diameter_m('nope'), "
            "'windpowerlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["116.0", "None", "False"]


@pytest.mark.parametrize("edit, fragments", [
    (sub("capacity_mw = 100", 'capacity_mw = 100\ntracking = "single_axis"\ntilt_deg = 10'),
     ["[pv.pv]", "tilt_deg", "single-axis"]),
], ids=["tilt-with-tracker"])
def test_tilt_and_tracking_combinations(tmp_path, edit, fragments):
    code, stderr, exc, out = _run(tmp_path, edit(BASE))
    assert_one_line_error(code, stderr, fragments, exception=exc)


# ======================================================================= 8. distance

def test_weather_more_than_500_km_away_is_an_error(tmp_path, shaoguan_epw_path):
    text = EPW_SCENARIO.format(source=shaoguan_epw_path, latitude=45.68, longitude=113.6)
    code, stderr, exc, out = _run(tmp_path, text)
    line = assert_one_line_error(code, stderr, [shaoguan_epw_path.name, "km", "allow_distant"],
                                 exception=exc)
    assert "2335 km" in line  # 21 deg of latitude on a 6371 km sphere
    assert not out.exists()


def test_distant_weather_runs_when_allowed(tmp_path, shaoguan_epw_path):
    text = EPW_SCENARIO.format(source=shaoguan_epw_path, latitude=45.68, longitude=113.6)
    text = text.replace(f'source = "{shaoguan_epw_path}"',
                        f'source = "{shaoguan_epw_path}"\nallow_distant = true')
    code, stderr, exc, out = _run(tmp_path, text)
    assert code == 0, stderr
    summary = json.loads((out / "w" / "summary.json").read_text(encoding="utf-8"))
    assert any("2335 km" in w for w in summary["provenance"]["weather_warnings"])


def test_weather_150_km_away_warns_and_is_recorded(tmp_path, shaoguan_epw_path):
    text = EPW_SCENARIO.format(source=shaoguan_epw_path, latitude=26.03, longitude=113.6)
    code, stderr, exc, out = _run(tmp_path, text)
    assert code == 0, stderr
    warned = [ln for ln in error_lines(stderr) if ln.startswith("warning:")]
    assert len(warned) == 1 and "150 km" in warned[0], stderr
    summary = json.loads((out / "w" / "summary.json").read_text(encoding="utf-8"))
    assert any("150 km" in w for w in summary["provenance"]["weather_warnings"])


def test_great_circle_distance_against_hand_values():
    from energysim.weather import great_circle_km

    # one degree of a great circle on the 6371 km sphere: 2 pi 6371 / 360 = 111.195 km
    assert great_circle_km(0, 0, 0, 1) == pytest.approx(111.19493, rel=1e-6)
    assert great_circle_km(24.68, 113.6, 24.68, 113.6) == 0.0
    assert great_circle_km(0, 179.5, 0, -179.5) == pytest.approx(111.19493, rel=1e-6)
    assert great_circle_km(90, 0, -90, 0) == pytest.approx(np.pi * 6371.0, rel=1e-9)


# ======================================================================= 9. strict types

@pytest.mark.parametrize("edit, fragments", [
    (sub("capacity_mw = 100", 'capacity_mw = "100"'), ["[pv.pv] capacity_mw = '100'", "number"]),
    (sub("latitude = 24.68", 'latitude = "24.68"'), ["[site] latitude = '24.68'", "number"]),
    (sub("hub_height_m = 120", 'hub_height_m = "120"'), ["[wind.wind] hub_height_m", "number"]),
    (sub("years = [2021, 2022]", 'years = ["2021", 2022]'), ["years", "integer"]),
    (sub("capacity_mw = 100", 'capacity_mw = 100\nlifetime_years = "25"'),
     ["[pv.pv] lifetime_years = '25'", "integer"]),
    (sub("capacity_mw = 100", 'capacity_mw = 100\nbuildout = { shape = "linear", by_fyp = "99th" }'),
     ["by_fyp", "99th"]),
    (sub("capacity_mw = 100", 'capacity_mw = 100\nbuildout = { shape = "linear", by_fyp = "13th" }'),
     ["by_fyp", "13th", "14th"]),
    (sub("capacity_mw = 100", 'capacity_mw = 100\nbuildout = { shape = "linear", by_fyp = "next" }'),
     ["by_fyp", "next"]),
], ids=["capacity-string", "latitude-string", "hub-string", "year-string", "lifetime-string",
        "fyp-99th", "fyp-13th", "fyp-word"])
def test_loose_types_and_plan_periods_are_refused(tmp_path, edit, fragments):
    code, stderr, exc, out = _run(tmp_path, edit(BASE))
    assert_one_line_error(code, stderr, fragments, exception=exc)
    assert not out.exists()


def test_existing_plan_periods_are_accepted():
    from energysim.scenario import parse_scenario

    for plan, year in (("14th", 2025), ("15th", 2030), ("16th FYP", 2035)):
        text = sub("capacity_mw = 100",
                   f'capacity_mw = 100\nbuildout = {{ shape = "linear", by_fyp = "{plan}" }}')(BASE)
        assert parse_scenario(text).pv[0].buildout.by_fyp == plan


UNSETTABLE = ("column_map", "csv_options")


@pytest.mark.parametrize("csv_text", [
    "time,ghi,temp_air\n2005-01-01T00:00:00+08:00,0,10\n",
    "a,b\n1,2\n",
], ids=["missing-columns", "unknown-layout"])
def test_csv_errors_from_a_scenario_name_only_what_a_user_can_set(tmp_path, csv_text):
    header = ("# latitude_deg = 24.68\n# longitude_deg = 113.6\n# time_column = time\n"
              "# interval_label = beginning\n# wind_height_m = 10\n")
    (tmp_path / "w.csv").write_text(header + csv_text if "time" in csv_text else csv_text,
                                    encoding="utf-8")
    text = EPW_SCENARIO.format(source="w.csv", latitude=24.68, longitude=113.6)
    code, stderr, exc, out = _run(tmp_path, text)
    line = assert_one_line_error(code, stderr, ["w.csv"], exception=exc)
    assert not any(word in line for word in UNSETTABLE), line
    assert "#" in line  # it names the header lines that declare the layout


def test_sweep_over_a_site_far_from_its_weather_writes_nothing(tmp_path):
    (tmp_path / "base.toml").write_text(SWEEP_BASE.replace("[2021, 2022]", "[2021, 2021]"),
                                        encoding="utf-8")
    (tmp_path / "sw.toml").write_text('base = "base.toml"\n[parameters]\n'
                                      '"site.latitude" = [24.68, 45.68]\n', encoding="utf-8")
    out = tmp_path / "out"
    code, stderr, exc = invoke(["sweep", tmp_path / "sw.toml", "-o", out, "--no-cache",
                                "--no-plots", "--workers", "1"])
    assert_one_line_error(code, stderr, ["builtin:shaoguan", "2335 km", "allow_distant"],
                          exception=exc)
    assert not out.exists()
