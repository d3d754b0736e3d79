"""The compiled PV terms of energysim.kernels against pvlib itself (issue 15)."""

import numpy as np
import pvlib
import pytest
from pvlib.bifacial import utils as bifacial_utils

from energysim import kernels
from energysim.physics.solar import GLASS_IAM, MODULE_CEC

GLASS = (GLASS_IAM["n"], GLASS_IAM["K"], GLASS_IAM["L"], GLASS_IAM["n_ar"])


def test_marion_factors_match_pvlib():
    tilt = np.array([0.0, 0.5, 13.7, 20.0, 45.0, 60.0, 89.9, 90.0])
    out = np.empty((3, tilt.size))
    kernels.marion_diffuse_physical(tilt, *GLASS, out)
    ref = pvlib.iam.marion_diffuse("physical", tilt, **GLASS_IAM)
    for row, region in enumerate(("sky", "horizon", "ground")):
        np.testing.assert_allclose(out[row], ref[region], rtol=1e-12, atol=1e-14,
                                   err_msg=region)


def test_direct_iam_matches_pvlib():
    aoi = np.array([0.0, 10.0, 45.0, 80.0, 89.99, 90.0, 120.0, np.nan])
    out = np.empty(aoi.size)
    kernels.iam_physical(aoi, *GLASS, out)
    ref = pvlib.iam.physical(aoi, **GLASS_IAM)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)
    assert out[0] == pytest.approx(1.0, abs=1e-12) and out[-2] == 0.0 and np.isnan(out[-1])


@pytest.mark.parametrize("gcr", [0.1, 0.37, 0.9])
def test_unshaded_ground_fraction_matches_pvlib(gcr):
    rng = np.random.default_rng(0)
    rotation = rng.uniform(-90, 90, 5000)
    tan_phi = np.tan(np.radians(rng.uniform(-89, 89, 5000)))
    out = np.empty(rotation.size)
    kernels.unshaded_ground_fraction(rotation, tan_phi, np.full(rotation.size, gcr), out)
    ref = bifacial_utils._unshaded_ground_fraction(rotation, np.degrees(np.arctan(tan_phi)),
                                                   gcr)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)
    assert 0.0 < out.mean() < 1.0  # both lit and shaded cases are exercised


def test_single_diode_mpp_matches_pvlib():
    rng = np.random.default_rng(1)
    irradiance, temp_cell = rng.uniform(1, 1300, 20000), rng.uniform(-10, 75, 20000)
    params = pvlib.pvsystem.calcparams_cec(irradiance, temp_cell, **MODULE_CEC)
    flat = [np.ascontiguousarray(np.broadcast_to(np.asarray(p, dtype=float),
                                                 irradiance.shape)) for p in params]
    out = np.empty(irradiance.size)
    kernels.single_diode_p_mp(*flat, out)
    ref = pvlib.pvsystem.max_power_point(*params, method="newton")["p_mp"]
    np.testing.assert_allclose(out, ref, rtol=1e-10)


def test_density_corrected_power_matches_windpowerlib():
    import windpowerlib

    from energysim.physics.wind import turbine_power_curve

    curve, _ = turbine_power_curve("E-115/3000")
    speeds = curve["wind_speed"].to_numpy(dtype=float)
    power_w = curve["value"].to_numpy(dtype=float)
    rng = np.random.default_rng(2)
    v, rho = rng.uniform(0, 30, 20000), rng.uniform(0.9, 1.35, 20000)
    v[:len(speeds)] = speeds  # exactly on the nodes too
    out = np.empty(v.size)
    kernels.density_corrected_power(v, rho, speeds, power_w, out)
    ref = windpowerlib.power_output.power_curve(v, speeds, power_w, density=rho,
                                                density_correction=True)
    np.testing.assert_allclose(out, np.asarray(ref, dtype=float), rtol=1e-12,
                               atol=1e-9 * power_w.max())
    assert out.max() > 0.9 * power_w.max() and (out == 0).any()
