"""Regenerate ``pv_design_reference.json``: PV profiles of a grid of designs, frozen.

The reference was computed with the per-configuration chain of
``energysim.physics.solar.pv_profile_pu`` as it stood before the batched rewrite (issue
15, commit fd02015). ``tests/physics/test_pv_designs.py`` checks today's code against it:
every annual energy within 1e-4 relative and every stored hour within 1e-3 of the
profile's peak. Regenerate only on purpose (a deliberate change of the physics):

    .venv/bin/python tests/data/make_pv_design_reference.py

Weather: the generated ``builtin:shaoguan`` year, pvlib's two TMY3 test files, and the
real CSWD Shaoguan file read from ``../shared/weather/`` (never copied: for it only annual
energy, peak and monthly energies are stored, no hourly value).
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "pv_design_reference.json"
CSWD = HERE.parents[2] / "shared" / "weather" / "CHN_Guangdong.Shaoguan.590820_CSWD.epw"
if not CSWD.is_file():  # worktrees sit one level deeper than the shared folder
    CSWD = Path("/work/shared/weather/CHN_Guangdong.Shaoguan.590820_CSWD.epw")
#: Hours stored per profile on the weather files with stored hourly checks. [1]
N_SAMPLE_HOURS = 72
SEED = 15


def design_grid():
    """The designs: corners and defaults, then seeded random points across the ranges.

    Ranges are those ``scenario.PVFleet`` allows or that matter: tilt [0, 90] °, azimuth
    [0, 360) °, GCR (0, 1) taken as [0.1, 0.9], DC/AC [0.5, 3] taken as [0.9, 2.0],
    tracker limit (0, 90] taken as [30, 90] °.
    """
    designs = [
        {"tracking": "fixed", "tilt_deg": 20.0, "azimuth_deg": 180.0, "gcr": 0.4,
         "dc_ac_ratio": 1.2},
        {"tracking": "single_axis", "tilt_deg": None, "azimuth_deg": 180.0, "gcr": 0.4,
         "dc_ac_ratio": 1.2, "max_angle_deg": 60.0},
        {"tracking": "fixed", "tilt_deg": 0.0, "azimuth_deg": 180.0, "gcr": 0.4,
         "dc_ac_ratio": 1.2},
        {"tracking": "fixed", "tilt_deg": 90.0, "azimuth_deg": 180.0, "gcr": 0.1,
         "dc_ac_ratio": 1.2},
        {"tracking": "fixed", "tilt_deg": 90.0, "azimuth_deg": 90.0, "gcr": 0.9,
         "dc_ac_ratio": 1.0},
        {"tracking": "fixed", "tilt_deg": 30.0, "azimuth_deg": 0.0, "gcr": 0.9,
         "dc_ac_ratio": 1.5},
        {"tracking": "single_axis", "tilt_deg": None, "azimuth_deg": 180.0, "gcr": 0.9,
         "dc_ac_ratio": 1.3, "max_angle_deg": 90.0},
        {"tracking": "single_axis", "tilt_deg": None, "azimuth_deg": 180.0, "gcr": 0.1,
         "dc_ac_ratio": 1.1, "max_angle_deg": 30.0},
    ]
    rng = np.random.default_rng(SEED)
    for _ in range(30):
        designs.append({
            "tracking": "fixed", "tilt_deg": round(float(rng.uniform(0, 90)), 2),
            "azimuth_deg": round(float(rng.uniform(0, 360)), 2),
            "gcr": round(float(rng.uniform(0.1, 0.9)), 3),
            "dc_ac_ratio": round(float(rng.uniform(0.9, 2.0)), 3),
            "losses_pct": round(float(rng.uniform(5, 20)), 2),
            "albedo": round(float(rng.uniform(0.1, 0.4)), 3)})
    for _ in range(10):
        designs.append({
            "tracking": "single_axis", "tilt_deg": None, "azimuth_deg": 180.0,
            "gcr": round(float(rng.uniform(0.1, 0.9)), 3),
            "dc_ac_ratio": round(float(rng.uniform(0.9, 2.0)), 3),
            "max_angle_deg": round(float(rng.uniform(30, 90)), 2),
            "losses_pct": round(float(rng.uniform(5, 20)), 2),
            "albedo": round(float(rng.uniform(0.1, 0.4)), 3)})
    return designs


def weather_sets():
    """``{name: (weather, latitude, longitude, altitude_m, hourly_stored)}``."""
    import pvlib

    from energysim.weather import load_weather

    pvlib_data = Path(pvlib.__file__).parent / "data"
    sources = {"builtin:shaoguan": ("builtin:shaoguan", True),
               "tmy3-723170": (pvlib_data / "723170TYA.CSV", True),
               "tmy3-703165": (pvlib_data / "703165TY.csv", True)}
    if CSWD.is_file():
        sources["cswd-shaoguan"] = (CSWD, False)
    out = {}
    for name, (source, hourly) in sources.items():
        data, meta = load_weather(source if isinstance(source, str) else os.fspath(source))
        out[name] = (data, meta["latitude"], meta["longitude"], meta["altitude_m"], hourly)
    return out


def sample_hours(n_hours, seed=SEED):
    """Hours stored per profile: seeded, sorted, the same for every weather set."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_hours, N_SAMPLE_HOURS, replace=False))


def summarise(profile, hours=None):
    """Annual energy [h], peak [p.u.], monthly energies [h] and sampled hours / peak."""
    profile = np.nan_to_num(np.asarray(profile, dtype=float))
    peak = float(profile.max())
    entry = {"annual_h": float(profile.sum()), "peak_pu": peak,
             "monthly_h": [float(m.sum()) for m in np.array_split(profile, 12)]}
    if hours is not None:
        entry["hours_over_peak"] = [round(float(v), 6) for v in profile[hours] / peak]
    return entry


def main():
    from energysim.physics.solar import pv_profile_pu

    designs = design_grid()
    result = {"designs": designs, "sample_hours": None, "weather": {}}
    for name, (data, lat, lon, alt, hourly) in weather_sets().items():
        hours = sample_hours(len(data))
        result["sample_hours"] = hours.tolist()
        rows = []
        for design in designs:
            pu = pv_profile_pu(data, lat, lon, alt, **design)
            rows.append(summarise(pu.to_numpy(), hours if hourly else None))
        result["weather"][name] = rows
        print(name, "done", file=sys.stderr)
    OUT.write_text(json.dumps(result, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
