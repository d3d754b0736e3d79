"""Target 7 (issue 15): the physics of a new plant design in milliseconds.

Work, on the generated Shaoguan year (``builtin:shaoguan``), weather in memory:

* 7a/7b: distinct fixed-tilt PV designs (tilt, azimuth, GCR, DC/AC drawn at random) through
  :func:`energysim.physics.solar.pv_profiles_pu` in batches of 100, per design, against
  PySAM's ``Pvwattsv8`` timed in the same process on the same weather passed in memory
  (one ``execute`` per design, the module reused: the fairest case for SAM);
* 7c: distinct wind designs (hub height) through
  :func:`energysim.physics.wind.wind_profile_pu`, per design;
* 7d: ``energysim.sweep.run_sweep`` on ``benchmarks/sweeps/design-1000.toml`` (1,000 LHS
  points, 1,000 distinct PV and 1,000 distinct wind designs) in a fresh process with an
  empty profile cache, an empty weather cache and an empty numba cache (the kernels are
  compiled inside the timed run), up to 2 local workers;
* 7e: per-design cost at batches of 1, 10, 100 and 1,000 (flat or falling).

All PV timings are interleaved with PySAM's in the one process, so that both see the same
machine load; the ratio is what is judged against 5x.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import REPO, fmt_s, fmt_x, in_child

FULL = {"batch": 100, "n_batches": 3, "n_sam": 20, "n_wind": 40, "sizes": [1, 10, 100, 1000]}
QUICK = {"batch": 5, "n_batches": 1, "n_sam": 2, "n_wind": 2, "sizes": [1, 5]}
SWEEP = REPO / "benchmarks" / "sweeps" / "design-1000.toml"
TARGET_PV_MS = 20.0
TARGET_SAM_RATIO = 5.0
TARGET_WIND_MS = 5.0
TARGET_SWEEP_S = 60.0


def _designs(rng, n):
    return [{"tilt_deg": float(rng.uniform(0, 60)), "azimuth_deg": float(rng.uniform(90, 270)),
             "gcr": float(rng.uniform(0.2, 0.7)), "dc_ac_ratio": float(rng.uniform(1.0, 1.6))}
            for _ in range(n)]


def _pysam_model(weather, meta):
    """PySAM Pvwattsv8 with ``weather`` in memory (as tests/physics/test_solar.py)."""
    from datetime import timedelta, timezone

    import PySAM.Pvwattsv8 as pvwatts

    from energysim import units

    model = pvwatts.default("PVWattsNone")
    local = weather.index.tz_convert(timezone(timedelta(hours=meta["utc_offset_h"])))

    def column(values):
        return [float(v) for v in values]

    model.SolarResource.solar_resource_data = {
        "lat": meta["latitude"], "lon": meta["longitude"], "tz": meta["utc_offset_h"],
        "elev": meta["altitude_m"], "year": column(local.year), "month": column(local.month),
        "day": column(local.day), "hour": column(local.hour), "minute": [30.0] * len(local),
        "gh": column(weather["ghi"]), "dn": column(weather["dni"]),
        "df": column(weather["dhi"]), "tdry": column(weather["temp_air"]),
        "wspd": column(weather["wind_speed"]),
        "pres": column(weather["pressure"] / units.PA_PER_MBAR),
        "rhum": column(weather["relative_humidity"])}
    model.SolarResource.use_wf_albedo = 0
    model.SolarResource.albedo = [0.2] * 12
    design = model.SystemDesign
    design.system_capacity = 1.0
    design.array_type = 0
    design.losses = 14.08
    design.inv_eff = 96.0
    design.module_type = 0
    return model


def measure(batch, n_batches, n_sam, n_wind, sizes, seed=0):
    """PV per design (batched) vs PySAM, wind per design, cost vs batch size. [dict]"""
    from energysim.physics.solar import pv_profiles_pu
    from energysim.physics.wind import wind_profile_pu
    from energysim.weather import builtin_shaoguan

    weather, meta = builtin_shaoguan(0)
    site = (meta["latitude"], meta["longitude"], meta["altitude_m"])
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    pv_profiles_pu(weather, *site, _designs(rng, 2))  # JIT, site terms
    warmup_s = time.perf_counter() - t0
    model = _pysam_model(weather, meta)
    sam_ms, ours_ms = [], []
    for _ in range(n_batches):  # interleaved: both see the same load
        designs = _designs(rng, batch)
        t0 = time.perf_counter()
        pv_profiles_pu(weather, *site, designs)
        ours_ms.append((time.perf_counter() - t0) / batch * 1e3)
        t0 = time.perf_counter()
        for d in designs[:n_sam]:
            model.SystemDesign.tilt = d["tilt_deg"]
            model.SystemDesign.azimuth = d["azimuth_deg"]
            model.SystemDesign.gcr = d["gcr"]
            model.SystemDesign.dc_ac_ratio = d["dc_ac_ratio"]
            model.execute(0)
        sam_ms.append((time.perf_counter() - t0) / n_sam * 1e3)
    scaling = {}
    for n in sizes:
        designs = _designs(rng, n)
        t0 = time.perf_counter()
        pv_profiles_pu(weather, *site, designs)
        scaling[str(n)] = (time.perf_counter() - t0) / n * 1e3
    wind_args = (weather["wind_speed"], weather["temp_air"], weather["pressure"])
    height = float(weather["wind_height_m"].iloc[0])
    wind_profile_pu(*wind_args, wind_height_m=height, turbine="E-115/3000", hub_height_m=100.0)
    t0 = time.perf_counter()
    for hub in rng.uniform(80, 160, n_wind):
        wind_profile_pu(*wind_args, wind_height_m=height, turbine="E-115/3000",
                        hub_height_m=float(hub), mean_wind_speed_ms=5.09,
                        mean_wind_height_m=120.0)
    wind_ms = (time.perf_counter() - t0) / n_wind * 1e3
    ours, sam = float(np.median(ours_ms)), float(np.median(sam_ms))
    return {"warmup_s": warmup_s, "pv_ms": ours, "pv_ms_all": ours_ms, "sam_ms": sam,
            "sam_ms_all": sam_ms, "ratio": sam / ours, "wind_ms": wind_ms,
            "scaling_ms": scaling, "batch": batch}


def measure_sweep(samples=None, workers=2):
    """The LHS design sweep, cold, in this (fresh) process. [dict]"""
    from energysim.cache import ProfileCache
    from energysim.sweep import load_sweep, run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = SWEEP
        if samples is not None:
            text = re.sub(r"(?m)^samples = \d+", f"samples = {int(samples)}", SWEEP.read_text())
            text = text.replace('base = "../../', f'base = "{REPO.as_posix()}/')
            path = Path(tmp) / SWEEP.name
            path.write_text(text)
        spec = load_sweep(path)
        outcome = run_sweep(spec, Path(tmp) / "out", workers=workers,
                            profile_cache=ProfileCache(Path(tmp) / "cache"))
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "points": len(outcome.points),
                "phases_s": outcome.summary.get("seconds", {})}


def run(report, quick):
    """Target 7."""
    report.section("7. physics of new designs (issue 15): PV vs PySAM PVWatts v8, wind, sweep")
    sizes = QUICK if quick else FULL
    r = in_child("design:measure", **sizes)
    report.figures["design"] = r
    report.row("JIT warm-up + site terms", fmt_s(r["warmup_s"]))
    report.row(f"PV per design, batches of {r['batch']}", f"{r['pv_ms']:.1f} ms",
               f"PySAM Pvwattsv8 {r['sam_ms']:.1f} ms = {fmt_x(r['ratio'])} ours",
               f"<= {TARGET_PV_MS:g} ms, >= {TARGET_SAM_RATIO:g}x")
    report.row("wind per design", f"{r['wind_ms']:.2f} ms", "", f"<= {TARGET_WIND_MS:g} ms")
    for n, ms in r["scaling_ms"].items():
        report.row(f"PV per design, batch of {n}", f"{ms:.1f} ms")
    report.judge("7a", "PV per distinct design, batches of 100", f"{r['pv_ms']:.1f} ms",
                 f"<= {TARGET_PV_MS:g} ms", r["pv_ms"] <= TARGET_PV_MS)
    report.judge("7b", "PV per design vs PySAM Pvwattsv8 (same run)",
                 f"{fmt_x(r['ratio'])} faster ({r['sam_ms']:.1f} ms)",
                 f">= {TARGET_SAM_RATIO:g}x", r["ratio"] >= TARGET_SAM_RATIO)
    report.judge("7c", "wind per distinct design", f"{r['wind_ms']:.2f} ms",
                 f"<= {TARGET_WIND_MS:g} ms", r["wind_ms"] <= TARGET_WIND_MS)
    costs = list(r["scaling_ms"].values())
    # flat or falling: no larger batch costs more than 1.25x the best smaller one
    flat = all(costs[i] <= 1.25 * min(costs[:i]) for i in range(1, len(costs)))
    report.judge("7e", "PV cost per design as the batch grows",
                 " / ".join(f"{n}: {ms:.1f} ms" for n, ms in r["scaling_ms"].items()),
                 "flat or falling", flat)
    numba_cache = tempfile.mkdtemp(prefix="energysim-bench-numba-")
    s = in_child("design:measure_sweep", env={"NUMBA_CACHE_DIR": numba_cache},
                 samples=20 if quick else None)
    report.figures["design_sweep"] = s
    report.row(f"LHS design sweep, {s['points']:,} points, cold", fmt_s(s["seconds"]),
               "phases " + ", ".join(f"{k} {v:.1f} s" for k, v in s["phases_s"].items()),
               f"<= {TARGET_SWEEP_S:g} s")
    report.judge("7d", f"{s['points']:,}-point LHS design sweep, cold caches, 2 workers",
                 fmt_s(s["seconds"]), f"<= {TARGET_SWEEP_S:g} s",
                 s["seconds"] <= TARGET_SWEEP_S)
