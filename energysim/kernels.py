"""Compiled arithmetic of energysim: per-unit profiles x capacity -> annual energy and CO2.

Owns the numba kernels and nothing else; imports no energysim module and knows nothing of
scenarios, pandas or units beyond the ones in the argument names. Every kernel takes
contiguous ``float64`` arrays and a preallocated output, so that its callers (``fleet``,
``carbon``, ``simulate``) check shapes once and the hot loop holds no Python objects.

Why the arithmetic is split the way it is
-----------------------------------------
Output is linear in capacity until the export limit binds. So for every fleet ``f`` and
year ``y`` the uncurtailed sums

    S[y, f] = sum_h w[y, h] * p[f, h]              (energy per effective MW)   [MWh/MW]
    Q[y, f] = sum_h w[y, h] * p[f, h] * shape[h]   (same, emission-shape weighted)

do not depend on the scenario and are computed once (:func:`profile_year_sums`). The
scenario-dependent part is only what the limit removes: for each hour the total
``t = sum_f c[s, y, f] * p[f, h]`` is compared with the limit ``L[s, y]``, and where
``t > L`` each fleet loses the share ``(t - L) / t`` of its power (pro-rata curtailment).
That is exact and still decided hour by hour; a year whose capacity cannot reach the limit
skips the hourly pass altogether. ``float64`` is used throughout: the sums run
over up to 8,784 hours and 10^4 scenarios, and float32 would lose about 1e-4 relative on
annual energy, well above the ``exact`` regression tolerance.

Leap years: the typical year has 8,760 hours; a simulated leap year repeats Feb 28, which
the callers express as hour weights ``w[y, h] = 2`` on those hours (see ``weather``).
"""

import numpy as np
from numba import njit, prange


@njit(cache=True)
def profile_year_sums(profiles, hour_weights, ef_shape, out_energy, out_shaped):
    """Scenario-independent annual sums of the per-unit profiles.

    Parameters
    ----------
    profiles : ndarray, shape (n_fleets, n_hours)
        Per-unit output of each fleet. [MW/MW]
    hour_weights : ndarray, shape (n_years, n_hours)
        How many times each typical-year hour occurs in each simulated year. [1]
    ef_shape : ndarray, shape (n_hours,)
        Hourly multiplier of the annual emission factor. [1]
    out_energy : ndarray, shape (n_years, n_fleets)
        Receives ``S``, energy per MW of effective capacity. [MWh/MW]
    out_shaped : ndarray, shape (n_years, n_fleets)
        Receives ``Q``, the same weighted by ``ef_shape``. [MWh/MW]
    """
    n_fleets, n_hours = profiles.shape
    n_years = hour_weights.shape[0]
    for y in range(n_years):
        for f in range(n_fleets):
            s = 0.0
            q = 0.0
            for h in range(n_hours):
                e = hour_weights[y, h] * profiles[f, h]
                s += e
                q += e * ef_shape[h]
            out_energy[y, f] = s
            out_shaped[y, f] = q


@njit(cache=True, parallel=True, fastmath=True)
def curtailment_kernel(profiles, peak_pu, neg_hour_max_pu, hour_order, capacity_mw,
                       export_limit_mw, hour_weights, ef_shape, out_curtailed_mwh,
                       out_curtailed_shaped_mwh):
    """Energy removed by an hourly export limit, per scenario, year and fleet.

    Scenarios run in parallel (``prange``); within one scenario-year the hours are swept in
    three branch-free passes over a per-thread scratch row (total power; the curtailed
    share of each hour; one dot product per fleet), which LLVM vectorises. ``fastmath``
    only lets it reorder these sums: results stay deterministic for a given build and do
    not depend on the number of threads, since a scenario never spans threads.

    The hours come ordered by their largest per-unit output over the fleets,
    ``m[h] = max_f profiles[f, h]``, highest first. An hour's total power is at most
    ``m[h] * sum_f c[f]``, so an hour with ``m[h] <= L / sum_f c[f]`` cannot exceed the limit
    ``L`` and loses nothing: only a leading run of hours (found by bisection) is swept.
    This is exact, not an approximation; every hour that can bind is still decided hour
    by hour.

    Parameters
    ----------
    profiles : ndarray, shape (n_fleets, n_hours)
        Per-unit output of each fleet, hours ordered by non-increasing
        ``profiles.max(axis=0)``. [MW/MW]
    peak_pu : ndarray, shape (n_fleets,)
        ``profiles.max(axis=1)``; lets a year whose capacity cannot reach the limit skip
        the hourly pass (exact, not an approximation). [MW/MW]
    neg_hour_max_pu : ndarray, shape (n_hours,)
        ``-profiles.max(axis=0)``, non-decreasing (the order of the hours). [MW/MW]
    hour_order : ndarray of int64, shape (n_hours,)
        Typical-year hour of each sorted position: ``hour_weights`` stays in typical-year
        order and is read through it, for the few hours that can bind (copying the
        (n_years, n_hours) weights into sorted order on every call cost more than the
        kernel in sweeps of many small groups).
    capacity_mw : ndarray, shape (n_scenarios, n_years, n_fleets)
        Effective capacity: nameplate in operation x degradation x availability. [MW]
    export_limit_mw : ndarray, shape (n_scenarios, n_years)
        Hourly cap on the summed power of all fleets; ``inf`` for none. [MW]
    hour_weights : ndarray, shape (n_years, n_hours)
        Occurrences of each typical-year hour in each simulated year, in typical-year
        order. [1]
    ef_shape : ndarray, shape (n_hours,)
        Hourly multiplier of the annual emission factor (sorted hour order). [1]
    out_curtailed_mwh : ndarray, shape (n_scenarios, n_years, n_fleets)
        Receives the curtailed energy. [MWh]
    out_curtailed_shaped_mwh : ndarray, shape (n_scenarios, n_years, n_fleets)
        Receives the curtailed energy weighted by ``ef_shape`` (to subtract from avoided
        CO2). [MWh]
    """
    n_scen, n_years, n_fleets = capacity_mw.shape
    n_hours = profiles.shape[1]
    for s in prange(n_scen):
        share = np.empty(n_hours)  # scratch: total power, then curtailed share x weight
        for y in range(n_years):
            limit = export_limit_mw[s, y]
            bound = 0.0
            capacity_sum = 0.0
            for f in range(n_fleets):
                out_curtailed_mwh[s, y, f] = 0.0
                out_curtailed_shaped_mwh[s, y, f] = 0.0
                bound += capacity_mw[s, y, f] * peak_pu[f]
                capacity_sum += capacity_mw[s, y, f]
            if bound <= limit or n_fleets == 0:
                continue
            # Hours [k, n_hours) have m[h] * capacity_sum <= limit: they cannot bind.
            k = np.searchsorted(neg_hour_max_pu, -limit / capacity_sum, side="left")
            c = capacity_mw[s, y, 0]
            for h in range(k):
                share[h] = c * profiles[0, h]
            for f in range(1, n_fleets):
                c = capacity_mw[s, y, f]
                for h in range(k):
                    share[h] += c * profiles[f, h]
            for h in range(k):
                # Pro-rata: every fleet loses the same share (total - limit) / total.
                total = share[h]
                share[h] = (max(total - limit, 0.0) / max(total, 1e-300)
                            * hour_weights[y, hour_order[h]])
            for f in range(n_fleets):
                cut = 0.0
                cut_shaped = 0.0
                for h in range(k):
                    x = profiles[f, h] * share[h]
                    cut += x
                    cut_shaped += x * ef_shape[h]
                out_curtailed_mwh[s, y, f] = cut * capacity_mw[s, y, f]
                out_curtailed_shaped_mwh[s, y, f] = cut_shaped * capacity_mw[s, y, f]


@njit(cache=True)
def hourly_dispatch(profiles, capacity_mw, export_limit_mw, out_generation_mw,
                    out_delivered_mw):
    """Hourly generation and delivered power of each fleet in one year.

    Parameters
    ----------
    profiles : ndarray, shape (n_fleets, n_hours)
        Per-unit output. [MW/MW]
    capacity_mw : ndarray, shape (n_fleets,)
        Effective capacity. [MW]
    export_limit_mw : float
        Hourly cap on summed power; ``inf`` for none. [MW]
    out_generation_mw : ndarray, shape (n_fleets, n_hours)
        Receives the power before the limit. [MW]
    out_delivered_mw : ndarray, shape (n_fleets, n_hours)
        Receives the power after pro-rata curtailment. [MW]
    """
    n_fleets, n_hours = profiles.shape
    for h in range(n_hours):
        total = 0.0
        for f in range(n_fleets):
            g = capacity_mw[f] * profiles[f, h]
            out_generation_mw[f, h] = g
            total += g
        keep = 1.0
        if total > export_limit_mw:
            keep = export_limit_mw / total
        for f in range(n_fleets):
            out_delivered_mw[f, h] = out_generation_mw[f, h] * keep


def annual_energy(profiles, capacity_mw, export_limit_mw, ef_t_per_mwh, hour_weights,
                  ef_shape=None):
    """Annual generation, curtailment and avoided CO2 for many scenarios at once.

    A thin checked wrapper around :func:`profile_year_sums` and :func:`curtailment_kernel`.

    Parameters
    ----------
    profiles : array_like, shape (n_fleets, n_hours)
        Per-unit output of each fleet. [MW/MW]
    capacity_mw : array_like, shape (n_scenarios, n_years, n_fleets)
        Effective capacity. [MW]
    export_limit_mw : array_like, shape (n_scenarios, n_years)
        Hourly export limit; ``inf`` for none. [MW]
    ef_t_per_mwh : array_like, shape (n_scenarios, n_years)
        Annual grid emission factor. [tCO2/MWh]
    hour_weights : array_like, shape (n_years, n_hours)
        Occurrences of each typical-year hour in each simulated year. [1]
    ef_shape : array_like, shape (n_hours,), optional
        Hourly multiplier of the annual factor; ones if omitted. [1]

    Returns
    -------
    dict of ndarray, each shape (n_scenarios, n_years, n_fleets)
        ``generation_mwh``, ``curtailed_mwh``, ``delivered_mwh`` [MWh] and
        ``avoided_tco2`` [tCO2].

    Examples
    --------
    One fleet of 10 MW at 0.5 p.u. for two hours, limited to 4 MW:

    >>> out = annual_energy([[0.5, 0.5]], [[[10.0]]], [[4.0]], [[0.5]], [[1.0, 1.0]])
    >>> float(out["generation_mwh"][0, 0, 0]), float(out["delivered_mwh"][0, 0, 0])
    (10.0, 8.0)
    >>> float(out["avoided_tco2"][0, 0, 0])
    4.0
    """
    profiles = _f64(profiles, 2, "profiles")
    n_fleets, n_hours = profiles.shape
    capacity_mw = _f64(capacity_mw, 3, "capacity_mw")
    n_scen, n_years, _ = capacity_mw.shape
    export_limit_mw = _f64(export_limit_mw, 2, "export_limit_mw")
    ef_t_per_mwh = _f64(ef_t_per_mwh, 2, "ef_t_per_mwh")
    hour_weights = _f64(hour_weights, 2, "hour_weights")
    ef_shape = np.ones(n_hours) if ef_shape is None else _f64(ef_shape, 1, "ef_shape")
    _expect(capacity_mw.shape, (n_scen, n_years, n_fleets), "capacity_mw")
    _expect(export_limit_mw.shape, (n_scen, n_years), "export_limit_mw")
    _expect(ef_t_per_mwh.shape, (n_scen, n_years), "ef_t_per_mwh")
    _expect(hour_weights.shape, (n_years, n_hours), "hour_weights")
    _expect(ef_shape.shape, (n_hours,), "ef_shape")

    energy_per_mw = np.empty((n_years, n_fleets))
    shaped_per_mw = np.empty((n_years, n_fleets))
    profile_year_sums(profiles, hour_weights, ef_shape, energy_per_mw, shaped_per_mw)
    curtailed = np.empty((n_scen, n_years, n_fleets))
    curtailed_shaped = np.empty((n_scen, n_years, n_fleets))
    peak_pu = np.ascontiguousarray(profiles.max(axis=1)) if n_hours else np.zeros(n_fleets)
    # Hours ordered by their largest per-unit output, highest first (see curtailment_kernel).
    hour_max = profiles.max(axis=0) if n_fleets else np.zeros(n_hours)
    order = np.argsort(-hour_max, kind="stable")
    curtailment_kernel(np.ascontiguousarray(profiles[:, order]), peak_pu,
                       np.ascontiguousarray(-hour_max[order]), order.astype(np.int64),
                       capacity_mw, export_limit_mw, hour_weights,
                       np.ascontiguousarray(ef_shape[order]), curtailed, curtailed_shaped)
    generation = capacity_mw * energy_per_mw[None, :, :]
    shaped_delivered = capacity_mw * shaped_per_mw[None, :, :] - curtailed_shaped
    return {
        "generation_mwh": generation,
        "curtailed_mwh": curtailed,
        "delivered_mwh": generation - curtailed,
        "avoided_tco2": shaped_delivered * ef_t_per_mwh[:, :, None],
    }


def _f64(value, ndim, name):
    array = np.ascontiguousarray(value, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {array.shape}")
    return array


def _expect(shape, expected, name):
    if tuple(shape) != tuple(expected):
        raise ValueError(f"{name}: shape {tuple(shape)} does not match {tuple(expected)}")
