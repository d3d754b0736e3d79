"""Tests of energysim.weather and the ``energysim weather`` commands."""

import json
from datetime import timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energysim import weather as W
from energysim.errors import EnergysimWarning, OutputExistsError, WeatherDataError

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REAL_EPW = TESTS.parents[0].parent / "shared" / "weather" / "CHN_Guangdong.Shaoguan.590820_CSWD.epw"
PVLIB_DATA = Path(__import__("pvlib").__file__).resolve().parent / "data"
TMY3_FILES = ("703165TY.csv", "723170TYA.CSV")
SITE = (24.68, 113.6, 61.0)

# calibration bounds of issue 3
MONTHLY_GHI_RTOL = 0.03
ANNUAL_GHI_RTOL = 0.015
DF_ATOL = 0.05
KS_MAX = 0.10  # KS distance, daytime (elevation > 10 deg) hourly kt; measured 0.085 max
PV_RTOL = 0.03
RTOL_CSV = 1e-5  # the weather CSV stores 6 significant digits


def need_real():
    if not REAL_EPW.exists():
        pytest.skip(f"real weather file absent: {REAL_EPW} (CI provides ../shared/weather/)")
    return REAL_EPW


@pytest.fixture(scope="module")
def real():
    path = need_real()
    return W.read_epw(path)


@pytest.fixture(scope="module")
def real_lines():
    return need_real().read_text().splitlines()


def _write_epw(tmp_path, lines, name="broken.epw"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def _set_field(line, col, value):
    f = line.split(",")
    f[col] = str(value)
    return ",".join(f)


# EPW data columns (0-based): 6 dry bulb, 13 GHI, 14 DNI, 15 DHI
GHI, DNI, DHI = 13, 14, 15
HDR = 8


def _row(day_of_year, local_hour):
    """Line index of the EPW row covering local hour [h, h+1) of a 1-based day."""
    return HDR + (day_of_year - 1) * 24 + local_hour


# --------------------------------------------------------------------------- readers
def test_read_epw_real(real, real_lines):
    data, meta = real
    assert len(data) == 8760
    assert str(data.index.tz) == "UTC" and data.index.name == "time"
    assert data.index[0] == pd.Timestamp("2004-12-31 16:00", tz="UTC")
    assert meta["interval_label"] == "beginning" and meta["typical_year"]
    assert meta["utc_offset_h"] == 8.0 and meta["latitude"] == 24.68
    assert list(data.columns) == list(W.CANONICAL_COLUMNS)
    assert meta["repairs"] == [] and len(meta["sha256"]) == 64
    # EPW hour 11 of Jan 1 (10:00-11:00 local) is the row labelled 02:00 UTC
    line = real_lines[_row(1, 10)].split(",")
    assert data.loc["2005-01-01 02:00+00:00", "ghi"] == float(line[GHI])
    # hourly energy: sum of hourly means x 1 h equals the file's sum
    total = sum(float(x.split(",")[GHI]) for x in real_lines[HDR:])
    assert data["ghi"].sum() == pytest.approx(total)
    assert 0 < meta["solar_noon_offset_h"] < 1  # CSWD sits ~0.5 h late; documented


@pytest.mark.parametrize("name", TMY3_FILES)
def test_read_tmy3_pvlib_files(name):
    import pvlib

    data, meta = W.read_tmy3(PVLIB_DATA / name)
    raw, _ = pvlib.iotools.read_tmy3(PVLIB_DATA / name, map_variables=True)
    assert len(data) == 8760 and str(data.index.tz) == "UTC"
    local = data.index.tz_convert(timezone(timedelta(hours=meta["utc_offset_h"])))
    assert (local[0].month, local[0].day, local[0].hour) == (1, 1, 0)
    # pvlib's first row (stamped 01:00, hour ending) is our 00:00 row (interval beginning)
    assert data["ghi"].iloc[:24].tolist() == raw["ghi"].iloc[:24].astype(float).tolist()
    assert data["ghi"].sum() == pytest.approx(raw["ghi"].sum())
    assert data["pressure"].iloc[0] == pytest.approx(raw["pressure"].iloc[0] * 100)  # mbar
    assert abs(meta["solar_noon_offset_h"]) < 0.5


def _write_pvgis(tmp_path, fmt, utc_offset_h=8.0):
    """A full PVGIS TMY file built from the generated year (synthetic, months spliced)."""
    data, meta = W.builtin_shaoguan(0)
    utc = W.to_typical_year(data, utc_offset_h=0.0)  # PVGIS months are UTC months
    years = {m: 2006 + m for m in range(1, 13)}
    stamps = [f"{years[t.month]}{t:%m%d:%H%M}" for t in utc.index]
    cols = {"T2m": "temp_air", "RH": "relative_humidity", "G(h)": "ghi", "Gb(n)": "dni",
            "Gd(h)": "dhi", "WS10m": "wind_speed", "SP": "pressure"}
    if fmt == "json":
        rows = [
            {"time(UTC)": s, **{k: round(float(utc[v].iloc[i]), 3) for k, v in cols.items()},
             "IR(h)": 300.0, "WD10m": 90.0}
            for i, s in enumerate(stamps)
        ]
        doc = {
            "inputs": {"location": {"latitude": SITE[0], "longitude": SITE[1], "elevation": SITE[2]}},
            "outputs": {"months_selected": [{"month": m, "year": y} for m, y in years.items()],
                        "tmy_hourly": rows},
            "meta": {"inputs": {}, "outputs": {}},
        }
        p = tmp_path / "pvgis.json"
        p.write_text(json.dumps(doc))
    else:
        lines = [f"Latitude (decimal degrees): {SITE[0]}", f"Longitude (decimal degrees): {SITE[1]}",
                 f"Elevation (m): {SITE[2]}", "Irradiance Time Offset (h): 0.1761", "month,year"]
        lines += [f"{m},{y}" for m, y in years.items()]
        lines.append("time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP")
        for i, s in enumerate(stamps):
            r = utc.iloc[i]
            lines.append(f"{s},{r.temp_air:.3f},{r.relative_humidity:.3f},{r.ghi:.3f},{r.dni:.3f},"
                         f"{r.dhi:.3f},300.0,{r.wind_speed:.3f},90.0,{r.pressure:.1f}")
        lines += ["", "T2m: 2-m air temperature (degree Celsius)", "G(h): Global irradiance (W/m2)"]
        p = tmp_path / "pvgis.csv"
        p.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return p, data


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_read_pvgis_tmy_roundtrip(tmp_path, fmt):
    path, original = _write_pvgis(tmp_path, fmt)
    data, meta = W.read_pvgis_tmy(path, utc_offset_h=8.0)
    assert len(data) == 8760 and meta["typical_year"]
    assert data.index.equals(original.index)
    # the UTC-calendar year wraps 8 h on the local calendar; the other hours are identical
    same = data.index.isin(original.index[8:-8])
    np.testing.assert_allclose(data.loc[same, "ghi"], original.loc[data.index[same], "ghi"], atol=1e-3)
    via_load, _ = W.load_weather(path) if fmt == "json" else W.load_weather(path)
    assert len(via_load) == 8760


def test_pvgis_tiny_fixture_is_refused_as_truncated():
    with pytest.raises(WeatherDataError, match=r"pvgis_tmy_tiny\.json.*missing.*truncated"):
        W.read_pvgis_tmy(DATA / "pvgis_tmy_tiny.json")


def test_csv_roundtrip_and_naive_timestamps(tmp_path):
    data, meta = W.builtin_shaoguan(0)
    out = W.to_weather_csv(data, meta, tmp_path / "year.csv")
    with pytest.raises(OutputExistsError, match="already exists"):
        W.to_weather_csv(data, meta, out)
    back, m2 = W.load_weather("year.csv", base_dir=tmp_path)
    assert back.index.equals(data.index) and m2["latitude"] == meta["latitude"]
    np.testing.assert_allclose(back.to_numpy(), data.to_numpy(), rtol=RTOL_CSV, atol=1e-3)
    # a plain CSV with naive local stamps: refused without a time zone, read with one
    plain = data.copy()
    plain.insert(0, "stamp", data.index.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M"))
    plain = plain.rename(columns={"ghi": "GHI"})
    p = tmp_path / "plain.csv"
    plain.to_csv(p, index=False)
    opts = dict(time_column="stamp", interval_label="beginning", column_map={"GHI": "ghi"},
                wind_height_m=10.0, latitude=SITE[0], longitude=SITE[1])
    with pytest.raises(WeatherDataError, match=r"plain\.csv.*no UTC offset.*declare timezone"):
        W.read_csv_weather(p, **opts)
    got, m3 = W.load_weather(p, csv_options=dict(opts, timezone="Asia/Shanghai"))
    assert got.index.equals(data.index) and m3["utc_offset_h"] == 8.0
    with pytest.raises(WeatherDataError, match=r"plain\.csv.*# key = value"):
        W.load_weather(p)


@pytest.mark.parametrize(
    "setup, pattern",
    [
        (lambda p: p, r"no such file"),
        (lambda p: (p.mkdir(), p)[1], r"is a directory"),
        (lambda p: (p.write_text(""), p.with_suffix(".xyz"))[1], r"no such file"),
    ],
)
def test_load_weather_bad_paths(tmp_path, setup, pattern):
    path = setup(tmp_path / "w.epw")
    with pytest.raises(WeatherDataError, match=pattern) as exc:
        W.load_weather(path)
    assert "w." in str(exc.value)


def test_load_weather_unknown_format_and_builtin(tmp_path):
    p = tmp_path / "w.xyz"
    p.write_text("x")
    with pytest.raises(WeatherDataError, match=r"w\.xyz: unknown weather format"):
        W.load_weather(p)
    with pytest.raises(WeatherDataError, match="builtin:shaoguan"):
        W.load_weather("builtin:guangzhou")


# ---------------------------------------------------------------- broken EPW copies
def test_epw_truncated_mid_line(tmp_path, real_lines):
    text = "\n".join(real_lines)
    p = tmp_path / "cut.epw"
    p.write_text(text[: int(len(text) * 0.6)])
    with pytest.raises(WeatherDataError, match=r"cut\.epw: line \d+ has \d+ fields.*truncated"):
        W.read_epw(p)


def test_epw_truncated_at_line(tmp_path, real_lines):
    p = _write_epw(tmp_path, real_lines[:-500])
    with pytest.raises(WeatherDataError, match=r"broken\.epw: 500 hour\(s\) missing.*truncated"):
        W.read_epw(p)


def test_epw_short_gap_repaired_long_gap_refused(tmp_path, real_lines):
    i = _row(40, 11)
    short = real_lines[:i] + real_lines[i + 2:]
    with pytest.warns(EnergysimWarning, match="interpolated"):
        data, meta = W.read_epw(_write_epw(tmp_path, short, "short.epw"))
    assert len(data) == 8760 and any("2 missing hour" in r for r in meta["repairs"])
    assert "2005-02-09 11:00" in meta["repairs"][0]
    long = real_lines[:i] + real_lines[i + 5:]
    with pytest.raises(WeatherDataError, match=r"long\.epw: 5 hour\(s\) missing.*2005-02-09 11:00"):
        W.read_epw(_write_epw(tmp_path, long, "long.epw"))


def test_epw_duplicate_row(tmp_path, real_lines):
    i = _row(100, 12)
    lines = real_lines[: i + 1] + [real_lines[i]] + real_lines[i + 1:]
    with pytest.raises(WeatherDataError, match=r"dup\.epw: duplicate time stamps.* 2 rows \(2005-04-10 12:00"):
        W.read_epw(_write_epw(tmp_path, lines, "dup.epw"))


def test_epw_nan_runs(tmp_path, real_lines):
    lines = list(real_lines)
    for h in range(9, 11):
        lines[_row(150, h)] = _set_field(lines[_row(150, h)], GHI, 9999)
    with pytest.warns(EnergysimWarning, match="column ghi: 2 missing"):
        data, _ = W.read_epw(_write_epw(tmp_path, lines, "nan2.epw"))
    assert data["ghi"].notna().all()
    for h in range(9, 15):
        lines[_row(150, h)] = _set_field(lines[_row(150, h)], GHI, 9999)
    with pytest.raises(WeatherDataError, match=r"nan6\.epw: column ghi has a run of 6 missing.*2005-05-30 09:00"):
        W.read_epw(_write_epw(tmp_path, lines, "nan6.epw"))


def test_epw_negative_irradiance(tmp_path, real_lines):
    lines = list(real_lines)
    lines[_row(200, 3)] = _set_field(lines[_row(200, 3)], GHI, -4)
    with pytest.warns(EnergysimWarning, match="clipped to 0"):
        W.read_epw(_write_epw(tmp_path, lines, "neg4.epw"))
    lines[_row(200, 12)] = _set_field(lines[_row(200, 12)], GHI, -50)
    with pytest.raises(WeatherDataError, match=r"neg50\.epw: column ghi is below -10.*2005-07-19 12:00"):
        W.read_epw(_write_epw(tmp_path, lines, "neg50.epw"))


def test_epw_kw_units(tmp_path, real_lines):
    lines = list(real_lines[:HDR])
    for line in real_lines[HDR:]:
        f = line.split(",")
        for c in (GHI, DNI, DHI):
            f[c] = f"{float(f[c]) / 1000:.4f}"
        lines.append(",".join(f))
    with pytest.raises(WeatherDataError, match=r"kw\.epw: GHI never exceeds .*kW"):
        W.read_epw(_write_epw(tmp_path, lines, "kw.epw"))


def test_epw_wrong_time_zone(tmp_path, real_lines):
    lines = list(real_lines)
    lines[0] = lines[0].replace(",8.0,", ",0.0,")
    with pytest.raises(WeatherDataError, match=r"tz0\.epw: the irradiance is centred \+\d\.\d h.*time zone"):
        W.read_epw(_write_epw(tmp_path, lines, "tz0.epw"))


def test_epw_latitude_sign(tmp_path, real_lines):
    lines = list(real_lines)
    lines[0] = lines[0].replace(",24.68,", ",-24.68,")
    with pytest.raises(WeatherDataError, match=r"south\.epw: .*latitude sign"):
        W.read_epw(_write_epw(tmp_path, lines, "south.epw"))


def test_epw_irradiance_at_night(tmp_path, real_lines):
    lines = list(real_lines)
    for c, v in ((GHI, 150), (DHI, 150)):
        lines[_row(10, 2)] = _set_field(lines[_row(10, 2)], c, v)
    with pytest.raises(WeatherDataError, match=r"night\.epw: irradiance above 10 .*night.*2005-01-10 02:00"):
        W.read_epw(_write_epw(tmp_path, lines, "night.epw"))


def test_epw_closure(tmp_path, real_lines):
    lines = list(real_lines[:HDR])
    for line in real_lines[HDR:]:
        f = line.split(",")
        f[DNI], f[DHI] = f[DHI], f[DNI]  # swapped columns
        lines.append(",".join(f))
    with pytest.raises(WeatherDataError, match=r"swap\.epw: GHI differs from DNI\*cos\(zenith\) \+ DHI"):
        W.read_epw(_write_epw(tmp_path, lines, "swap.epw"))


# ------------------------------------------------------------------ typical year, leap
def test_typical_year_feb28_rows_match_the_leap_rule():
    # timeutils doubles rows FEB28_FIRST_ROW..+23 in leap years: they must be local Feb 28
    from energysim.timeutils import FEB28_FIRST_ROW, year_hour_weights

    data, meta = W.builtin_shaoguan(0)
    local = data.index + pd.Timedelta(hours=meta["utc_offset_h"])
    feb28 = np.flatnonzero((local.month == 2) & (local.day == 28))
    np.testing.assert_array_equal(feb28, np.arange(FEB28_FIRST_ROW, FEB28_FIRST_ROW + 24))
    w = year_hour_weights([2023, 2024, 2100])
    assert set(np.flatnonzero(w[1] == 2.0)) == set(feb28)
    with pytest.raises(WeatherDataError, match="leap year"):
        W.to_typical_year(data, 2024)


# -------------------------------------------------------------------------- generator
def test_generator_seeding_and_cache():
    a, ma = W.builtin_shaoguan(0)
    a.iloc[0, 0] = -1.0  # mutating a returned copy must not touch the cache
    b, mb = W.builtin_shaoguan(0)
    normals = W.read_normals(W.SHAOGUAN_NORMALS_PATH)
    c, mc = W.generate_typical_year(normals, seed=0)
    assert b.to_csv() == c.to_csv()  # byte-identical
    assert ma["sha256"] == mb["sha256"]
    assert b.iloc[0, 0] != -1.0
    target = normals.monthly["ghi_kwh_m2"].to_numpy()
    for seed in (1, 2):
        d, md = W.generate_typical_year(normals, seed=seed)
        assert md["sha256"] != mc["sha256"] and not np.allclose(d["ghi"], c["ghi"])
        got = W.monthly_summary(d, 8.0)["ghi_kwh_m2"].to_numpy()
        np.testing.assert_allclose(got, target, rtol=MONTHLY_GHI_RTOL)
        checked, repairs = W.check_weather(d, f"seed {seed}", latitude=SITE[0], longitude=SITE[1], utc_offset_h=8.0)
        assert repairs == []


def test_generator_reproduces_its_normals():
    normals = W.read_normals(W.SHAOGUAN_NORMALS_PATH)
    data, meta = W.builtin_shaoguan(0)
    assert len(data) == 8760 and data.index[0] == pd.Timestamp("2004-12-31 16:00", tz="UTC")
    back = W.compute_normals(data, meta).monthly
    for col, tol in (("temp_min_c", 0.05), ("temp_max_c", 0.05), ("wind_speed_m_s", 1e-6),
                     ("relative_humidity_pct", 0.05), ("pressure_pa", 1.0),
                     ("diffuse_fraction", 1e-4), ("ghi_kwh_m2", 1e-3)):
        np.testing.assert_allclose(back[col], normals.monthly[col], atol=tol, err_msg=col)
    g = data[["ghi", "dni", "dhi"]]
    assert (g >= 0).all().all() and (data["dhi"] <= data["ghi"] + 1e-9).all()


def test_calibration_against_real_file(real):
    from scipy import stats

    rdata, rmeta = real
    gdata, gmeta = W.builtin_shaoguan(0)
    rs, gs = W.monthly_summary(rdata, 8.0), W.monthly_summary(gdata, 8.0)
    err = gs["ghi_kwh_m2"] / rs["ghi_kwh_m2"] - 1
    assert err.abs().max() < MONTHLY_GHI_RTOL
    assert abs(gs["ghi_kwh_m2"].sum() / rs["ghi_kwh_m2"].sum() - 1) < ANNUAL_GHI_RTOL
    assert (gs["diffuse_fraction"] - rs["diffuse_fraction"]).abs().max() < DF_ATOL
    ks = stats.ks_2samp(W.hourly_clearness_index(gdata, *SITE),
                        W.hourly_clearness_index(rdata, *SITE)).statistic
    assert ks < KS_MAX


@pytest.mark.parametrize("tracking", ["fixed", "single_axis"])
def test_pv_energy_against_real_file(real, tracking):
    solar = pytest.importorskip("energysim.physics.solar")
    if not hasattr(solar, "pv_profile_pu"):
        pytest.skip("energysim.physics.solar.pv_profile_pu not available yet")
    rdata, _ = real
    gdata, _ = W.builtin_shaoguan(0)
    e_gen = solar.pv_profile_pu(gdata, *SITE, tracking=tracking).sum()
    e_real = solar.pv_profile_pu(rdata, *SITE, tracking=tracking).sum()
    assert e_gen / e_real == pytest.approx(1.0, abs=PV_RTOL)


def test_custom_normals_from_tmy3(tmp_path):
    data, meta = W.read_tmy3(PVLIB_DATA / "723170TYA.CSV")
    normals = W.compute_normals(data, meta)
    W.to_normals_csv(normals, tmp_path / "gso.csv", header_lines=["synthetic test"])
    n2 = W.read_normals(tmp_path / "gso.csv")
    assert n2.params["latitude_deg"] == pytest.approx(meta["latitude"])
    gen, gmeta = W.generate_typical_year(n2, seed=3)
    assert gmeta["utc_offset_h"] == meta["utc_offset_h"] == -5.0
    s, r = W.monthly_summary(gen, -5.0), W.monthly_summary(data, -5.0)
    np.testing.assert_allclose(s["ghi_kwh_m2"], r["ghi_kwh_m2"], rtol=MONTHLY_GHI_RTOL)
    assert (s["diffuse_fraction"] - r["diffuse_fraction"]).abs().max() < DF_ATOL
    assert abs(s["temp_air_c"] - r["temp_air_c"]).max() < 2.0
    W.check_weather(gen, "gso", latitude=meta["latitude"], longitude=meta["longitude"], utc_offset_h=-5)


def test_normals_missing_column_and_defaults(tmp_path):
    normals = W.read_normals(W.SHAOGUAN_NORMALS_PATH)
    bad = tmp_path / "bad.csv"
    normals.monthly.drop(columns=["pressure_pa"]).to_csv(bad)
    with pytest.raises(WeatherDataError, match=r"bad\.csv: missing column\(s\) pressure_pa"):
        W.read_normals(bad)
    minimal = W.Normals(normals.monthly[list(W.NORMALS_REQUIRED)],
                        {k: normals.params[k] for k in W.SITE_KEYS}, "minimal")
    with pytest.warns(EnergysimWarning, match="generic generator defaults"):
        data, meta = W.generate_typical_year(minimal, seed=0)
    assert meta["warnings"] and len(data) == 8760


def test_check_weather_naive_and_missing_columns():
    data, _ = W.builtin_shaoguan(0)
    with pytest.raises(WeatherDataError, match="no time zone"):
        W.check_weather(data.tz_convert(None), "naive")
    with pytest.raises(WeatherDataError, match="missing column"):
        W.check_weather(data.drop(columns="pressure"), "nopress")


# --------------------------------------------------------------------------------- CLI
def test_cli_weather(tmp_path):
    from click.testing import CliRunner

    from energysim.cli.weather_cmd import weather

    runner = CliRunner()
    res = runner.invoke(weather, ["info", "builtin:shaoguan"])
    assert res.exit_code == 0, res.output
    assert "24.68 N" in res.output and "ghi_kwh_m2" in res.output and "annual:" in res.output
    out = tmp_path / "g.csv"
    res = runner.invoke(weather, ["generate", "--seed", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(weather, ["generate", "--seed", "1", "-o", str(out)])
    assert res.exit_code == 2 and "already exists" in res.output
    res = runner.invoke(weather, ["generate", "--seed", "2", "-o", str(out), "--overwrite"])
    assert res.exit_code == 0, res.output
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    res = runner.invoke(weather, ["info", str(out)])
    assert res.exit_code == 0 and "repairs:    none" in res.output
    res = runner.invoke(weather, ["compare", "builtin:shaoguan", str(out)])
    assert res.exit_code == 0 and "d_ghi_kwh_m2" in res.output
    res = runner.invoke(weather, ["info", str(tmp_path / "nope.epw")])
    assert res.exit_code == 2 and "nope.epw: no such file" in res.output


#: E-115/3000 at 120 m, the station wind scaled to 6.0 m/s at the hub: generated years
#: within this of the CSWD year's energy (seeds 0-2 measured +3.3 %, +0.1 %, -0.2 %;
#: before calms were drawn apart, -17 %).
WIND_ENERGY_RTOL = 0.05


@pytest.mark.realweather
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wind_energy_against_real_file(shaoguan_epw_path, seed):
    from energysim.physics.wind import wind_profile_pu

    rdata, _ = W.load_weather(shaoguan_epw_path)
    gdata, _ = W.builtin_shaoguan(seed)
    energy = [wind_profile_pu(d["wind_speed"], d["temp_air"], d["pressure"], wind_height_m=10.0,
                              turbine="E-115/3000", hub_height_m=120.0,
                              mean_wind_speed_ms=6.0).sum() for d in (gdata, rdata)]
    assert energy[0] / energy[1] == pytest.approx(1.0, abs=WIND_ENERGY_RTOL)
    # the shape behind it: as many calm hours as at the station, more of them at night
    calm = [(d["wind_speed"] < W.WIND_CALM_MS).mean() for d in (gdata, rdata)]
    assert calm[0] == pytest.approx(calm[1], abs=0.03)
    local_hour = (gdata.index + pd.Timedelta(hours=8)).hour
    night = np.asarray(local_hour < 6)
    assert (gdata["wind_speed"][night] < W.WIND_CALM_MS).mean() > calm[0]
