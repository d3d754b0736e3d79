"""The observed-output CSV of ``energysim calibrate`` as people's tools save it (issue 14).

Excel and Windows editors write a UTF-8 byte-order mark and CRLF line endings, old Mac
tools CR alone: the file reads as the plain one does (the shared ``decode_text``). A CSV the
parser itself rejects is one error line naming the file and the library's message.
"""

from __future__ import annotations

import csv

import pytest

from energysim.calibrate import read_observed
from energysim.scenario import load_scenario

from ._cli import assert_one_line_error, invoke

LINES = ["fleet,year,delivered_mwh", "pv,2021,30000.5", "wind,2022,90000"]

SCENARIO = """
name = "cal"
years = [2020, 2022]
[site]
latitude = 24.68
longitude = 113.6
altitude_m = 61
[[pv]]
name = "pv"
capacity_mw = 20
[[wind]]
name = "wind"
capacity_mw = 40
turbine = "E-115/3000"
hub_height_m = 100
mean_wind_speed_ms = 6.0
[grid]
emission_factor_t_per_mwh = 0.55
"""


@pytest.mark.parametrize("bom, newline", [(b"\xef\xbb\xbf", "\r\n"), (b"", "\r\n"),
                                          (b"\xef\xbb\xbf", "\r"), (b"", "\r")])
def test_bom_and_windows_or_mac_line_endings_read_as_the_plain_file(tmp_path, bom, newline):
    plain = tmp_path / "plain.csv"
    plain.write_bytes(("\n".join(LINES) + "\n").encode())
    saved = tmp_path / "saved.csv"
    saved.write_bytes(bom + (newline.join(LINES) + newline).encode())
    rows, _ = read_observed(saved)
    assert rows == read_observed(plain)[0]
    assert [(r.fleet, r.year, r.value) for r in rows] == [
        ("pv", 2021, 30000.5), ("wind", 2022, 90000.0)]


def test_calibrate_accepts_a_bom_crlf_observed_file(tmp_path):
    scenario = tmp_path / "cal.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    fits = {}
    for name, raw in (("plain", ("\n".join(LINES) + "\n").encode()),
                      ("excel", b"\xef\xbb\xbf" + ("\r\n".join(LINES) + "\r\n").encode())):
        observed = tmp_path / f"{name}.csv"
        observed.write_bytes(raw)
        out = tmp_path / f"{name}.toml"
        code, stderr, exc = invoke(["calibrate", scenario, "--observed", observed, "-o", out,
                                    "--no-cache"])
        assert code == 0 and exc is None, stderr
        fitted = load_scenario(out)
        fits[name] = (fitted.pv[0].irradiance_scale, fitted.wind[0].mean_wind_speed_ms)
    assert fits["excel"] == fits["plain"]
    assert fits["plain"] != (1.0, 6.0)  # the fit moved both parameters


def test_a_csv_parser_error_is_one_line_naming_the_file(tmp_path):
    # An unclosed quote swallows the rest of the file into one field, beyond the csv
    # module's field limit: its own "field larger than field limit" error.
    observed = tmp_path / "unclosed-quote.csv"
    big = "x" * (csv.field_size_limit() + 10)
    observed.write_text(f'fleet,year,delivered_mwh\npv,2021,"{big}\n', encoding="utf-8")
    scenario = tmp_path / "cal.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "out.toml"
    code, stderr, exc = invoke(["calibrate", scenario, "--observed", observed, "-o", out])
    assert_one_line_error(code, stderr, ["unclosed-quote.csv", "cannot parse the CSV",
                                         "Error: field larger than field limit"], exception=exc)
    assert not out.exists()
    assert len(stderr) < 400  # the 131 kB field is not echoed
