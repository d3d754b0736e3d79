"""Tests of energysim.physics.wind.

Function tests on seeded synthetic wind, and the agreement with windpowerlib's own
ModelChain on the real Shaoguan typical year.
"""

import warnings

import numpy as np
import pandas as pd
import pvlib
import pytest
import windpowerlib

from energysim import units
from energysim.physics.wind import (
    WIND_FARM_EFFICIENCY,
    check_turbine_name,
    hub_air_density,
    hub_wind_speed,
    turbine_names,
    turbine_power_curve,
    weibull_by_rank,
    wind_profile_pu,
)

#: Float64 round-off only (windpowerlib and we do the same arithmetic in another order).
RTOL_ROUNDOFF = 1e-9
#: Step of the hourly frames. [h]
STEP_H = 1.0
TURBINE = "E-115/3000"
NOMINAL_POWER_W = 3_000_000.0  # E-115/3000 in windpowerlib's OEDB library


# --------------------------------------------------------------------------- helpers

def _synthetic(n=24 * 14, seed=0):
    """Two weeks of seeded Weibull station wind (10 m), temperature and pressure."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2005-03-01", periods=n, freq="h", tz="UTC", name="time")
    return pd.DataFrame({
        "wind_speed": 2.0 * rng.weibull(2.0, n),
        "temp_air": 18.0 + 6.0 * rng.standard_normal(n),
        "pressure": 100_700.0 + 500.0 * rng.standard_normal(n),
    }, index=index)


def _epw_weather(path):
    """Read an EPW file into the canonical weather frame (as energysim.weather does)."""
    data, _ = pvlib.iotools.read_epw(path)
    weather = data[["ghi", "dni", "dhi", "temp_air", "wind_speed", "atmospheric_pressure",
                    "relative_humidity"]].rename(columns={"atmospheric_pressure": "pressure"})
    weather.index = weather.index.tz_convert("UTC").rename("time")
    return weather.assign(wind_height_m=10.0)


def _profile(frame, **kwargs):
    args = {"wind_height_m": 10.0, "turbine": TURBINE, "hub_height_m": 120.0}
    args.update(kwargs)
    return wind_profile_pu(frame["wind_speed"], frame["temp_air"], frame["pressure"], **args)


def _full_load_hours(profile_pu):
    return float(np.nansum(profile_pu)) * STEP_H


# --------------------------------------------------------------------------- contract

def test_output_contract():
    frame = _synthetic()
    pu = _profile(frame, mean_wind_speed_ms=6.5)
    assert isinstance(pu, pd.Series) and pu.name == "wind_pu"
    assert pu.index.equals(frame.index) and pu.dtype == np.float64
    assert pu.notna().all()
    assert (pu >= 0.0).all() and (pu <= WIND_FARM_EFFICIENCY).all()
    assert pu.max() == pytest.approx(WIND_FARM_EFFICIENCY)  # rated power reached


def test_arrays_in_arrays_out():
    frame = _synthetic()
    as_series = _profile(frame)
    as_array = wind_profile_pu(frame["wind_speed"].to_numpy(), frame["temp_air"].to_numpy(),
                               frame["pressure"].to_numpy(), wind_height_m=10.0,
                               turbine=TURBINE, hub_height_m=120.0)
    assert isinstance(as_array, np.ndarray)
    np.testing.assert_array_equal(as_array, as_series.to_numpy())
    first = frame.iloc[0]
    as_scalar = wind_profile_pu(first["wind_speed"], first["temp_air"], first["pressure"],
                                wind_height_m=10.0, turbine=TURBINE, hub_height_m=120.0)
    assert isinstance(as_scalar, float) and as_scalar == as_array[0]


def test_zero_wind_gives_zero():
    frame = _synthetic().assign(wind_speed=0.0)
    assert (_profile(frame) == 0.0).all()


def test_nan_inputs_give_nan_in_their_rows_only():
    frame = _synthetic()
    base = _profile(frame)
    holed = frame.copy()
    rows = holed.index[[3, 50, 100]]
    holed.loc[rows[0], "wind_speed"] = np.nan
    holed.loc[rows[1], "temp_air"] = np.nan
    holed.loc[rows[2], "pressure"] = np.nan
    pu = _profile(holed)
    assert pu[rows].isna().all()
    rest = pu.index.difference(rows)
    np.testing.assert_allclose(pu[rest], base[rest], rtol=RTOL_ROUNDOFF, atol=0)


def test_inputs_are_not_mutated():
    frame = _synthetic()
    before = frame.copy(deep=True)
    curve, _ = turbine_power_curve(TURBINE)
    curve_before = curve.copy(deep=True)
    _profile(frame, mean_wind_speed_ms=7.0)
    _profile(frame, turbine=curve)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(curve, curve_before)


# --------------------------------------------------------------------------- physics

def test_mean_scaling_is_exact_and_keeps_the_shape():
    frame = _synthetic()
    unscaled = hub_wind_speed(frame["wind_speed"], 10.0, 120.0)
    scaled = hub_wind_speed(frame["wind_speed"], 10.0, 120.0, mean_wind_speed_ms=6.0)
    assert scaled.mean() == pytest.approx(6.0, rel=1e-12)
    ratio = (scaled / unscaled)[unscaled > 0]
    np.testing.assert_allclose(ratio, ratio.iloc[0], rtol=1e-12)
    assert scaled.index.equals(frame.index)


def test_mean_scaling_ignores_nan():
    v = hub_wind_speed(np.array([1.0, np.nan, 3.0]), 10.0, 10.0, mean_wind_speed_ms=4.0)
    assert np.isnan(v[1])
    assert np.nanmean(v) == pytest.approx(4.0, rel=1e-12)


def test_logarithmic_and_hellman_profiles():
    # ln(120/0.1)/ln(10/0.1) for the log law; (120/10)^(1/7) for Hellman's law
    log = hub_wind_speed(np.array([5.0]), 10.0, 120.0, roughness_length_m=0.1)
    assert log[0] == pytest.approx(5.0 * np.log(1200.0) / np.log(100.0), rel=1e-12)
    power_law = hub_wind_speed(np.array([5.0]), 10.0, 120.0, hellman_exponent=1 / 7)
    assert power_law[0] == pytest.approx(5.0 * 12.0 ** (1 / 7), rel=1e-12)
    same_height = hub_wind_speed(np.array([5.0]), 120.0, 120.0)
    assert same_height[0] == pytest.approx(5.0, rel=1e-12)


@pytest.mark.parametrize("source", [
    "synthetic", pytest.param("shaoguan", marks=pytest.mark.realweather)])
def test_energy_rises_with_the_mean_wind_speed(source, request):
    if source == "shaoguan":
        frame = _epw_weather(request.getfixturevalue("shaoguan_epw_path"))
    else:
        frame = _synthetic()
    hours = [_full_load_hours(_profile(frame, mean_wind_speed_ms=m))
             for m in (4.0, 5.0, 6.0, 7.0, 8.0, 9.0)]
    assert all(b > a for a, b in zip(hours, hours[1:])), hours


def test_air_density():
    # ISA sea level: 15 °C, 101 325 Pa -> 1.225 kg/m³
    assert hub_air_density(15.0, 101_325.0, 2.0) == pytest.approx(1.225, abs=2e-3)
    # thinner air higher up, and in hot weather
    assert hub_air_density(15.0, 101_325.0, 150.0) < hub_air_density(15.0, 101_325.0, 2.0)
    assert hub_air_density(35.0, 101_325.0, 100.0) < hub_air_density(5.0, 101_325.0, 100.0)
    series = hub_air_density(pd.Series([10.0, 20.0]), 101_000.0, 100.0)
    assert isinstance(series, pd.Series) and series.is_monotonic_decreasing


def test_thin_air_gives_less_power_below_rated():
    index = pd.date_range("2005-07-01", periods=3, freq="h", tz="UTC", name="time")
    ws = pd.Series([5.0, 7.0, 9.0], index=index)  # partial load at hub height
    args = {"wind_height_m": 120.0, "turbine": TURBINE, "hub_height_m": 120.0}
    dense = wind_profile_pu(ws, 0.0, 102_000.0, **args)
    thin = wind_profile_pu(ws, 35.0, 95_000.0, **args)
    assert (thin < dense).all()


def test_farm_efficiency_scales_linearly():
    frame = _synthetic()
    full = _profile(frame, wind_farm_efficiency=1.0)
    farm = _profile(frame, wind_farm_efficiency=0.8)
    np.testing.assert_allclose(farm, 0.8 * full, rtol=RTOL_ROUNDOFF)
    assert WIND_FARM_EFFICIENCY == 0.8855  # REFERENCE.md §7, PyPSA-Eur


def test_custom_power_curve_dataframe():
    frame = _synthetic()
    by_name = _profile(frame, mean_wind_speed_ms=6.0)
    curve, nominal_power_w = turbine_power_curve(TURBINE)
    assert nominal_power_w == NOMINAL_POWER_W and curve["value"].max() == NOMINAL_POWER_W
    by_curve = _profile(frame, mean_wind_speed_ms=6.0, turbine=curve)
    np.testing.assert_allclose(by_curve, by_name, rtol=RTOL_ROUNDOFF)
    # per unit: a curve in kW gives the same profile
    in_kw = curve.assign(value=curve["value"] / units.W_PER_KW)
    np.testing.assert_allclose(_profile(frame, mean_wind_speed_ms=6.0, turbine=in_kw),
                               by_name, rtol=RTOL_ROUNDOFF)


def test_small_hand_made_curve():
    index = pd.date_range("2005-01-01", periods=5, freq="h", tz="UTC", name="time")
    curve = pd.DataFrame({"wind_speed": [3.0, 10.0, 25.0], "value": [0.0, 2e6, 2e6]})
    ws = pd.Series([0.0, 3.0, 6.5, 12.0, 26.0], index=index)
    # near-standard air: the density correction moves the curve by ~1 %, so the result
    # is close to plain linear interpolation of the curve
    pu = wind_profile_pu(ws, 15.0, 101_325.0, wind_height_m=100.0,
                         turbine=curve, hub_height_m=100.0, wind_farm_efficiency=1.0)
    np.testing.assert_allclose(pu, [0.0, 0.0, 0.5, 1.0, 0.0], atol=0.02)


# --------------------------------------------------------------------------- names

def test_turbine_names():
    names = turbine_names()
    assert TURBINE in names and names == sorted(names)
    names.append("not a turbine")  # a copy: the library list is unchanged
    assert "not a turbine" not in turbine_names()
    assert check_turbine_name(TURBINE) == TURBINE


def test_unknown_turbine_lists_close_names():
    with pytest.raises(ValueError, match="E-115/300'") as info:
        check_turbine_name("E-115/300")
    message = str(info.value)
    assert "closest: E-115/3000" in message
    with pytest.raises(ValueError, match="E-115/3000"):
        _profile(_synthetic(), turbine="E-115/300")
    with pytest.raises(ValueError, match="turbine_names"):
        check_turbine_name("no such machine at all")


def test_power_curve_is_a_fresh_copy():
    curve, _ = turbine_power_curve(TURBINE)
    curve["value"] = 0.0
    again, _ = turbine_power_curve(TURBINE)
    assert again["value"].max() == NOMINAL_POWER_W


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("kwargs, name", [
    ({"wind_farm_efficiency": 0.0}, "wind_farm_efficiency"),
    ({"wind_farm_efficiency": 1.2}, "wind_farm_efficiency"),
    ({"hub_height_m": 0.0}, "hub_height_m"),
    ({"wind_height_m": -10.0}, "wind_height_m"),
    ({"roughness_length_m": 0.0}, "roughness_length_m"),
    ({"mean_wind_speed_ms": 0.0}, "mean_wind_speed_ms"),
    ({"mean_wind_speed_ms": float("nan")}, "mean_wind_speed_ms"),
    ({"shear_exponent": -0.1}, "hellman_exponent"),
    ({"temp_air_height_m": -2.0}, "temp_air_height_m"),
])
def test_bad_arguments_raise_value_error(kwargs, name):
    with pytest.raises(ValueError, match=name):
        _profile(_synthetic(), **kwargs)


@pytest.mark.parametrize("curve, match", [
    (pd.DataFrame({"wind_speed": [3.0, 3.0, 10.0], "value": [0.0, 1.0, 2.0]}), "increasing"),
    (pd.DataFrame({"wind_speed": [3.0, 10.0], "value": [0.0, -1.0]}), ">= 0"),
    (pd.DataFrame({"wind_speed": [3.0, 10.0], "value": [0.0, 0.0]}), "not all 0"),
    (pd.DataFrame({"speed": [3.0, 10.0], "value": [0.0, 1.0]}), "wind_speed"),
    ([[3.0, 0.0], [10.0, 1.0]], "DataFrame"),
])
def test_bad_power_curve_raises_value_error(curve, match):
    with pytest.raises(ValueError, match=match):
        _profile(_synthetic(), turbine=curve)


def test_scaling_calm_wind_raises_value_error():
    with pytest.raises(ValueError, match="mean"):
        _profile(_synthetic().assign(wind_speed=0.0), mean_wind_speed_ms=6.0)


# --------------------------------------------------------------------------- real weather

@pytest.mark.realweather
def test_matches_windpowerlib_modelchain_on_shaoguan(shaoguan_epw_path):
    weather = _epw_weather(shaoguan_epw_path)
    hub_height_m, mean_ms = 120.0, 6.0
    pu = wind_profile_pu(weather["wind_speed"], weather["temp_air"], weather["pressure"],
                         wind_height_m=10.0, turbine=TURBINE, hub_height_m=hub_height_m,
                         mean_wind_speed_ms=mean_ms)
    # ModelChain gets the wind already at hub height (so it uses it as is) and the same
    # temperature (2 m, K) and pressure (0 m, Pa)
    v_hub = hub_wind_speed(weather["wind_speed"], 10.0, hub_height_m,
                           mean_wind_speed_ms=mean_ms)
    assert v_hub.mean() == pytest.approx(mean_ms, rel=1e-12)
    mc_weather = pd.DataFrame({
        ("wind_speed", hub_height_m): v_hub,
        ("temperature", 2.0): units.celsius_to_kelvin(weather["temp_air"]),
        ("pressure", 0.0): weather["pressure"],
        ("roughness_length", 0.0): 0.1,
    })
    mc_weather.columns = pd.MultiIndex.from_tuples(mc_weather.columns,
                                                   names=["variable_name", "height"])
    with warnings.catch_warnings():
        # windpowerlib 0.2.2 uses DataFrame.dropna(inplace=True), deprecated in pandas 3.1
        warnings.simplefilter("ignore", category=pd.errors.Pandas4Warning)
        turbine = windpowerlib.WindTurbine(hub_height=hub_height_m, turbine_type=TURBINE)
    chain = windpowerlib.ModelChain(
        turbine, wind_speed_model="logarithmic", temperature_model="linear_gradient",
        density_model="barometric", power_output_model="power_curve",
        density_correction=True).run_model(mc_weather)
    expected_w = chain.power_output.to_numpy() * WIND_FARM_EFFICIENCY
    assert turbine.nominal_power == NOMINAL_POWER_W
    np.testing.assert_allclose(pu.to_numpy() * NOMINAL_POWER_W, expected_w,
                               rtol=RTOL_ROUNDOFF, atol=1e-6)
    # the reference figure: ~2,500 full-load hours before availability
    assert 2_300.0 < _full_load_hours(pu) < 2_700.0


# --------------------------------------------------------------------------- site mean height

#: Weibull mapping vs the analytic integral: 8,760 mid-point quantiles of a smooth
#: distribution under a piecewise-linear curve agree to far better than this.
WEIBULL_RTOL = 0.01


def test_site_mean_height_log_law_by_hand():
    ws = _synthetic()["wind_speed"]
    v = hub_wind_speed(ws, 10.0, 140.0, mean_wind_speed_ms=6.0, mean_wind_height_m=100.0,
                       roughness_length_m=0.1)
    expected = 6.0 * np.log(140.0 / 0.1) / np.log(100.0 / 0.1)  # 6.2920 m/s
    assert v.mean() == pytest.approx(expected, rel=RTOL_ROUNDOFF)
    power = hub_wind_speed(ws, 10.0, 140.0, mean_wind_speed_ms=6.0, mean_wind_height_m=100.0,
                           hellman_exponent=0.25)
    assert power.mean() == pytest.approx(6.0 * 1.4 ** 0.25, rel=RTOL_ROUNDOFF)
    # the default height is the hub's: the mean is the site mean itself
    at_hub = hub_wind_speed(ws, 10.0, 140.0, mean_wind_speed_ms=6.0)
    same = hub_wind_speed(ws, 10.0, 140.0, mean_wind_speed_ms=6.0, mean_wind_height_m=140.0)
    np.testing.assert_array_equal(at_hub, same)
    assert at_hub.mean() == pytest.approx(6.0, rel=RTOL_ROUNDOFF)


@pytest.mark.parametrize("law", [{"roughness_length_m": 0.1},
                                 {"shear_exponent": 0.2, "roughness_length_m": None}])
def test_taller_hub_gives_more_energy_for_the_same_site(law):
    frame = _synthetic(24 * 60)
    energy = {hub: _profile(frame, hub_height_m=hub, mean_wind_speed_ms=6.0,
                            mean_wind_height_m=100.0, **law).sum() for hub in (90.0, 140.0)}
    assert energy[140.0] > 1.05 * energy[90.0]


def test_weibull_by_rank_keeps_order_and_mean():
    ws = _synthetic(24 * 365)["wind_speed"]
    ws.iloc[5] = np.nan
    mapped = weibull_by_rank(ws, 1.7)
    ok = ws.notna()
    assert mapped.isna().tolist() == ws.isna().tolist()
    order = np.argsort(ws[ok].to_numpy(), kind="stable")
    assert np.all(np.diff(mapped[ok].to_numpy()[order]) > 0)
    assert mapped.mean() == pytest.approx(ws.mean(), rel=2e-3)  # quantile grid, tail cut
    with pytest.raises(ValueError, match="weibull_k"):
        weibull_by_rank(ws, 0.0)


def _weibull_integral_of_curve(curve_v, curve_p, mean, k):
    """E[P(v)] for v ~ Weibull(k, mean), P linear between the curve points, 0 outside.

    Segment by segment: int (a + b v) f(v) dv = a [F]_lo^hi + b lam [G(1 + 1/k, (v/lam)^k)]
    with F the Weibull cdf and G the regularized lower incomplete gamma function.
    """
    from scipy import special

    lam = mean / special.gamma(1.0 + 1.0 / k)
    total = 0.0
    for v0, v1, p0, p1 in zip(curve_v[:-1], curve_v[1:], curve_p[:-1], curve_p[1:]):
        slope = (p1 - p0) / (v1 - v0)
        a = p0 - slope * v0
        x0, x1 = (v0 / lam) ** k, (v1 / lam) ** k
        cdf = np.exp(-x0) - np.exp(-x1)
        first = lam * special.gamma(1 + 1 / k) * (special.gammainc(1 + 1 / k, x1)
                                                 - special.gammainc(1 + 1 / k, x0))
        total += a * cdf + slope * first
    return total


@pytest.mark.parametrize("k", [1.5, 2.0, 3.0])
def test_weibull_k_matches_the_analytic_integral(k):
    curve = pd.DataFrame({"wind_speed": [3.0, 5.0, 8.0, 11.0, 13.0, 25.0],
                          "value": [0.0, 300.0, 1400.0, 2800.0, 3000.0, 3000.0]})
    frame = _synthetic(8760, seed=3)
    # density 1.225 kg/m3 at the hub (15 C, 101,325 Pa measured there): no curve stretch
    pu = wind_profile_pu(frame["wind_speed"], 15.0, 101_325.0, wind_height_m=10.0,
                         turbine=curve, hub_height_m=100.0, mean_wind_speed_ms=7.0,
                         weibull_k=k, wind_farm_efficiency=1.0, temp_air_height_m=100.0,
                         pressure_height_m=100.0)
    expected = _weibull_integral_of_curve(curve.wind_speed.to_numpy(), curve.value.to_numpy(),
                                          7.0, k) / 3000.0
    assert pu.mean() == pytest.approx(expected, rel=WEIBULL_RTOL)
    # the same mean with another shape gives another energy: the mapping is what decides
    other = _weibull_integral_of_curve(curve.wind_speed.to_numpy(), curve.value.to_numpy(),
                                       7.0, 1.0) / 3000.0
    assert abs(other / expected - 1) > 3 * WEIBULL_RTOL
