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


@njit(cache=True, parallel=True)
def curtailment_kernel(profiles, peak_pu, neg_hour_max_pu, hour_order, capacity_mw,
                       export_limit_mw, hour_weights, ef_shape, out_curtailed_mwh,
                       out_curtailed_shaped_mwh):
    """Energy removed by an hourly export limit, per scenario, year and fleet.

    Scenarios run in parallel (``prange``); within one scenario-year the hours are swept in
    three branch-free passes over a per-thread scratch row (total power; the curtailed
    share of each hour; four partial sums per fleet). Every sum runs in the order its
    source writes (no ``fastmath``): with ``fastmath`` LLVM chose how to reassociate the
    sums, and a recompiled kernel (a cold numba cache) was measured to move results by one
    ulp against a cached one (``regress.RTOL_EXACT``), which made runs on fresh worker
    processes differ from runs in this one. The four partial sums keep the reduction
    vectorisable. Results are bit-reproducible: they depend neither on the number of
    threads (a scenario never spans threads) nor on how scenarios are batched.

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
            k4 = k - k % 4
            for f in range(n_fleets):
                # Four partial sums (hour h into sum h % 4, the remainder into the first),
                # added in a fixed order: a vectorisable reduction whose order is written
                # here, not chosen by the compiler.
                c0 = c1 = c2 = c3 = 0.0
                q0 = q1 = q2 = q3 = 0.0
                for h in range(0, k4, 4):
                    x0 = profiles[f, h] * share[h]
                    x1 = profiles[f, h + 1] * share[h + 1]
                    x2 = profiles[f, h + 2] * share[h + 2]
                    x3 = profiles[f, h + 3] * share[h + 3]
                    c0 += x0
                    c1 += x1
                    c2 += x2
                    c3 += x3
                    q0 += x0 * ef_shape[h]
                    q1 += x1 * ef_shape[h + 1]
                    q2 += x2 * ef_shape[h + 2]
                    q3 += x3 * ef_shape[h + 3]
                for h in range(k4, k):
                    x0 = profiles[f, h] * share[h]
                    c0 += x0
                    q0 += x0 * ef_shape[h]
                out_curtailed_mwh[s, y, f] = ((c0 + c1) + (c2 + c3)) * capacity_mw[s, y, f]
                out_curtailed_shaped_mwh[s, y, f] = (((q0 + q1) + (q2 + q3))
                                                     * capacity_mw[s, y, f])


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


def set_threads(n_threads):
    """Run this thread's kernel calls on at most ``n_threads`` numba threads.

    numba's thread count is per calling thread; a worker process of a sweep uses this to
    share the machine's cores with the other workers instead of each starting one
    thread per core.

    Parameters
    ----------
    n_threads : int
        At least 1; capped at numba's ``NUMBA_NUM_THREADS``.
    """
    import numba

    numba.set_num_threads(max(1, min(int(n_threads), numba.config.NUMBA_NUM_THREADS)))


def prepare_profiles(profiles, hour_weights, ef_shape=None):
    """What :func:`annual_energy` derives from the profiles alone, for many calls.

    A sweep calls :func:`annual_energy` on the same profiles and years for chunk after
    chunk of points; preparing them once saves the year sums and the sort of the hours
    by their peak on every call (about 3 ms a call).

    Parameters
    ----------
    profiles : array_like, shape (n_fleets, n_hours)
        Per-unit output of each fleet. [MW/MW]
    hour_weights : array_like, shape (n_years, n_hours)
        Occurrences of each typical-year hour in each simulated year. [1]
    ef_shape : array_like, shape (n_hours,), optional
        Hourly multiplier of the annual factor; ones if omitted. [1]

    Returns
    -------
    dict
        Pass it as ``annual_energy(..., prepared=...)``; do not modify it.
    """
    profiles = _f64(profiles, 2, "profiles")
    n_fleets, n_hours = profiles.shape
    hour_weights = _f64(hour_weights, 2, "hour_weights")
    if not hour_weights.flags.writeable:  # one kernel signature: writeable arrays
        hour_weights = hour_weights.copy()
    ef_shape = np.ones(n_hours) if ef_shape is None else _f64(ef_shape, 1, "ef_shape")
    _expect(hour_weights.shape, (hour_weights.shape[0], n_hours), "hour_weights")
    _expect(ef_shape.shape, (n_hours,), "ef_shape")
    n_years = hour_weights.shape[0]
    energy_per_mw = np.empty((n_years, n_fleets))
    shaped_per_mw = np.empty((n_years, n_fleets))
    profile_year_sums(profiles, hour_weights, ef_shape, energy_per_mw, shaped_per_mw)
    peak_pu = np.ascontiguousarray(profiles.max(axis=1)) if n_hours else np.zeros(n_fleets)
    # Hours ordered by their largest per-unit output, highest first (see curtailment_kernel).
    hour_max = profiles.max(axis=0) if n_fleets else np.zeros(n_hours)
    order = np.argsort(-hour_max, kind="stable")
    prepared = {"n_fleets": n_fleets, "n_hours": n_hours, "n_years": n_years,
                "energy_per_mw": energy_per_mw, "shaped_per_mw": shaped_per_mw,
                "sorted_profiles": np.ascontiguousarray(profiles[:, order]), "peak_pu": peak_pu,
                "neg_hour_max": np.ascontiguousarray(-hour_max[order]),
                "order": order.astype(np.int64), "hour_weights": hour_weights,
                "sorted_ef_shape": np.ascontiguousarray(ef_shape[order])}
    # The year sums are read-only; the arrays the kernel reads stay writeable (numba
    # compiles another signature for read-only arrays) and are never written.
    energy_per_mw.flags.writeable = False
    shaped_per_mw.flags.writeable = False
    return prepared


def annual_energy(profiles, capacity_mw, export_limit_mw, ef_t_per_mwh, hour_weights,
                  ef_shape=None, prepared=None):
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
    prepared : dict, optional
        :func:`prepare_profiles` of ``profiles``, ``hour_weights`` and ``ef_shape``
        (then those three are not read again). Same results, bit for bit.

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
    if prepared is None:
        prepared = prepare_profiles(profiles, hour_weights, ef_shape)
    n_fleets, n_hours = prepared["n_fleets"], prepared["n_hours"]
    capacity_mw = _f64(capacity_mw, 3, "capacity_mw")
    n_scen, n_years, _ = capacity_mw.shape
    export_limit_mw = _f64(export_limit_mw, 2, "export_limit_mw")
    ef_t_per_mwh = _f64(ef_t_per_mwh, 2, "ef_t_per_mwh")
    _expect(capacity_mw.shape, (n_scen, prepared["n_years"], n_fleets), "capacity_mw")
    _expect(export_limit_mw.shape, (n_scen, n_years), "export_limit_mw")
    _expect(ef_t_per_mwh.shape, (n_scen, n_years), "ef_t_per_mwh")
    energy_per_mw, shaped_per_mw = prepared["energy_per_mw"], prepared["shaped_per_mw"]
    curtailed = np.empty((n_scen, n_years, n_fleets))
    curtailed_shaped = np.empty((n_scen, n_years, n_fleets))
    curtailment_kernel(prepared["sorted_profiles"], prepared["peak_pu"],
                       prepared["neg_hour_max"], prepared["order"], capacity_mw,
                       export_limit_mw, prepared["hour_weights"], prepared["sorted_ef_shape"],
                       curtailed, curtailed_shaped)
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


# --------------------------------------------------------------------------- dispatch
#
# Storage and electrolysers make the hours depend on each other (the state of charge is
# carried from hour to hour and from year to year), so the annual sums above no longer
# suffice: :func:`dispatch_kernel` walks the hours in calendar order. The rule of one hour,
# shared by the annual kernel and the hourly tables (:func:`dispatch_year`), is
# :func:`_dispatch_hours`:
#
# 1. every fleet produces ``g[f] = c[f] * p[f, h]``; must-run fleets (PV, wind, hydro) make
#    ``v``, dispatchable ones (biomass) make ``b``;
# 2. an electrolyser with dedicated fleets takes their output first (up to its capacity,
#    if that reaches its minimum load); what is left of ``v`` goes to the grid;
# 3. the dispatchable fleets back off first: they run at ``min(b, max(L - v, 0))``;
# 4. the must-run surplus ``max(v - L, 0)`` charges the storage units (in file order, each
#    up to its power and free energy); a headroom ``L - v - b`` is filled by discharging them;
# 5. surplus electrolysers take what is still above the limit (up to capacity, only if that
#    reaches their minimum load; one with dedicated supply already running tops up freely);
# 6. what is left above the limit is curtailed. Charging, surplus electrolysis and
#    curtailment are shared among the must-run fleets pro rata to their grid-side power.
#
# The storage state is its *usable* energy ``e`` in [0, E_usable] (above the minimum state of
# charge); the whole round-trip loss is taken when charging (``e += rte * charged``), so the
# discharge can never exceed ``rte * charged + e_start``.

#: Columns of the per-fleet output of :func:`dispatch_kernel`.
FLEET_GENERATION, FLEET_DELIVERED, FLEET_DELIVERED_SHAPED, FLEET_CHARGED, FLEET_CONSUMED, \
    FLEET_CURTAILED, FLEET_BACKOFF = range(7)
N_FLEET_OUT = 7
#: Columns of the per-storage output.
STORE_CHARGED, STORE_DISCHARGED, STORE_DISCHARGED_SHAPED, STORE_ENERGY_END = range(4)
N_STORE_OUT = 4


@njit(cache=True)
def _dispatch_hours(profiles, dispatchable, capacity, limit, rows, ef_shape, power, usable,
                    rte, elec_capacity, elec_min_load, elec_supply, sorted_profiles,
                    neg_hour_max_pu, hour_order, positions, skip_days, must_sorted,
                    disp_sorted, bind_pos, gen, ded, taken, energy, fleet_out, store_out,
                    elec_out, record, hourly_fleet, hourly_store, hourly_elec):
    """One scenario-year, hour by hour; ``energy`` (usable, per storage) is updated in place.

    ``fleet_out`` (n_fleets, N_FLEET_OUT) must hold the year's unlimited sums on entry
    (generation = delivered = ``c * S``, delivered x shape = ``c * Q``, the rest 0): the
    hours only subtract what the limit, storage and electrolysers take, so an hour in which
    nothing binds costs one comparison. ``store_out`` (n_storage, N_STORE_OUT) and
    ``elec_out`` (n_elec,) are accumulated into (callers zero them).

    With ``skip_days`` (no electrolyser has dedicated fleets), only the hours that bind and
    the hours after them while a store holds energy are visited: an hour that does not
    bind while the stores are empty changes nothing (exact). The binding hours are found
    as in :func:`curtailment_kernel`, from ``sorted_profiles`` (n_fleets, n_hours: hours by
    non-increasing largest per-unit output), ``neg_hour_max_pu`` (n_hours) and
    ``hour_order`` (n_hours: the typical hour of each sorted position), then mapped to this
    year's calendar positions by ``positions`` (n_hours, 2: first and second position of
    each typical hour, -1 for none). ``must_sorted``, ``disp_sorted`` (n_hours) and
    ``bind_pos`` (2 n_hours, int64) are scratch, as are ``gen``, ``ded`` (n_fleets) and
    ``taken`` (n_elec): allocating them per scenario-year cost more than the hours.

    With ``record``, ``hourly_fleet`` (5, n_fleets, n_rows: generation, delivered, curtailed,
    charged into storage, consumed by electrolysers), ``hourly_store`` (3, n_storage, n_rows:
    charged, discharged, energy at the hour's end) and ``hourly_elec`` (n_elec, n_rows: load)
    receive every hour (none is skipped).
    """
    n_fleets = profiles.shape[0]
    n_store = power.shape[0]
    n_elec = elec_capacity.shape[0]
    n_rows = rows.shape[0]
    for k in range(n_elec):
        taken[k] = 0.0
    fast = skip_days and not record  # no dedicated supply: only hours that can matter
    n_bind = 0
    if fast:
        # The hours that bind (must-run above the limit, or biomass backing off), found as
        # in curtailment_kernel: only the leading hours in order of their largest per-unit
        # output can, and their totals are summed in the same order as the hour rule sums
        # them, so the test is the rule's own. They become calendar positions, sorted.
        capacity_sum = 0.0
        for f in range(n_fleets):
            capacity_sum += capacity[f]
        k = 0
        if capacity_sum > 0.0:
            k = np.searchsorted(neg_hour_max_pu, -limit / capacity_sum, side="left")
        for j in range(k):
            must_sorted[j] = 0.0
            disp_sorted[j] = 0.0
        for f in range(n_fleets):
            c = capacity[f]
            if dispatchable[f]:
                for j in range(k):
                    disp_sorted[j] += c * sorted_profiles[f, j]
            else:
                for j in range(k):
                    must_sorted[j] += c * sorted_profiles[f, j]
        for j in range(k):
            must = must_sorted[j]
            if must > limit or disp_sorted[j] > max(limit - must, 0.0):
                h = hour_order[j]
                bind_pos[n_bind] = positions[h, 0]
                n_bind += 1
                if positions[h, 1] >= 0:
                    bind_pos[n_bind] = positions[h, 1]
                    n_bind += 1
        bind_pos[:n_bind].sort()
    t = 0
    i_bind = 0
    while t < n_rows:
        if fast:
            # Nothing happens in an hour that does not bind while the stores are empty.
            stored = 0.0
            for b in range(n_store):
                stored += energy[b]
            if stored == 0.0:
                while i_bind < n_bind and bind_pos[i_bind] < t:
                    i_bind += 1
                if i_bind == n_bind:
                    break
                t = bind_pos[i_bind]
        r = t
        t += 1
        h = rows[r]
        shape = ef_shape[h]
        dedicated = 0.0
        if fast:
            must = 0.0
            disp = 0.0
            for f in range(n_fleets):
                g = capacity[f] * profiles[f, h]
                if dispatchable[f]:
                    disp += g
                else:
                    must += g
        else:
            must = 0.0
            disp = 0.0
            for f in range(n_fleets):
                g = capacity[f] * profiles[f, h]
                gen[f] = g
                if dispatchable[f]:
                    disp += g
                else:
                    must += g
            # 2. dedicated electrolysers
            for k in range(n_elec):
                taken[k] = 0.0
                avail = 0.0
                for f in range(n_fleets):
                    if elec_supply[k, f]:
                        avail += gen[f]
                if avail > 0.0:
                    take = min(avail, elec_capacity[k])
                    if take >= elec_min_load[k] * elec_capacity[k]:
                        taken[k] = take
                        dedicated += take
        grid_must = must - dedicated
        # 3. dispatchable fleets back off first
        disp_run = min(disp, max(limit - grid_must, 0.0))
        surplus = max(grid_must - limit, 0.0)
        headroom = max(limit - grid_must - disp_run, 0.0)
        # 4. storage
        charged = 0.0
        for b in range(n_store):
            ch = 0.0
            dis = 0.0
            if surplus > 0.0:
                ch = min(surplus, power[b], (usable[b] - energy[b]) / rte[b])
                ch = max(ch, 0.0)
                energy[b] = min(energy[b] + ch * rte[b], usable[b])
                surplus -= ch
                charged += ch
                store_out[b, STORE_CHARGED] += ch
            elif headroom > 0.0 and energy[b] > 0.0:
                dis = min(headroom, power[b], energy[b])
                energy[b] -= dis
                headroom -= dis
                store_out[b, STORE_DISCHARGED] += dis
                store_out[b, STORE_DISCHARGED_SHAPED] += dis * shape
            if record:
                hourly_store[0, b, r] = ch
                hourly_store[1, b, r] = dis
                hourly_store[2, b, r] = energy[b]
        # 5. surplus electrolysers
        consumed = 0.0
        for k in range(n_elec):
            x = 0.0
            room = elec_capacity[k] - taken[k]
            if surplus > 0.0 and room > 0.0:
                x = min(surplus, room)
                if taken[k] > 0.0 or x >= elec_min_load[k] * elec_capacity[k]:
                    surplus -= x
                    consumed += x
                else:
                    x = 0.0
            elec_out[k] += taken[k] + x
            if record:
                hourly_elec[k, r] = taken[k] + x
        # 6. what the fleets lose: pro-rata shares of the grid-side must-run power
        backoff = disp - disp_run
        busy = dedicated > 0.0 or charged > 0.0 or consumed > 0.0 or surplus > 0.0 \
            or backoff > 0.0
        if not (busy or record):
            continue
        if grid_must > 0.0:
            q_charged = charged / grid_must
            q_consumed = consumed / grid_must
            q_cut = surplus / grid_must
        else:
            q_charged = 0.0
            q_consumed = 0.0
            q_cut = 0.0
        disp_keep = disp_run / disp if disp > 0.0 else 0.0
        for f in range(n_fleets):
            ded[f] = 0.0
            if fast:
                gen[f] = capacity[f] * profiles[f, h]
        for k in range(n_elec):
            if taken[k] > 0.0:
                avail = 0.0
                for f in range(n_fleets):
                    if elec_supply[k, f]:
                        avail += gen[f]
                for f in range(n_fleets):
                    if elec_supply[k, f]:
                        ded[f] += gen[f] * (taken[k] / avail)
        for f in range(n_fleets):
            g = gen[f]
            if dispatchable[f]:
                cut = g * (1.0 - disp_keep)   # backed off: not produced
                fleet_out[f, FLEET_GENERATION] -= cut
                fleet_out[f, FLEET_DELIVERED] -= cut
                fleet_out[f, FLEET_DELIVERED_SHAPED] -= cut * shape
                fleet_out[f, FLEET_BACKOFF] += cut
                if record:
                    hourly_fleet[0, f, r] = g - cut
                    hourly_fleet[1, f, r] = g - cut
                    hourly_fleet[2, f, r] = 0.0
                    hourly_fleet[3, f, r] = 0.0
                    hourly_fleet[4, f, r] = 0.0
            else:
                side = g - ded[f]
                ch = side * q_charged
                cons = side * q_consumed + ded[f]
                cut = side * q_cut
                lost = ch + cons + cut
                fleet_out[f, FLEET_DELIVERED] -= lost
                fleet_out[f, FLEET_DELIVERED_SHAPED] -= lost * shape
                fleet_out[f, FLEET_CHARGED] += ch
                fleet_out[f, FLEET_CONSUMED] += cons
                fleet_out[f, FLEET_CURTAILED] += cut
                if record:
                    hourly_fleet[0, f, r] = g
                    hourly_fleet[1, f, r] = g - lost
                    hourly_fleet[2, f, r] = cut
                    hourly_fleet[3, f, r] = ch
                    hourly_fleet[4, f, r] = cons
    for b in range(n_store):
        store_out[b, STORE_ENERGY_END] = energy[b]


@njit(cache=True, parallel=True)
def dispatch_kernel(profiles, dispatchable, peak_pu, sorted_profiles, neg_hour_max_pu,
                    hour_order, positions, energy_per_mw, shaped_per_mw, capacity_mw,
                    export_limit_mw, year_rows, n_rows, ef_shape, storage_power_mw,
                    storage_usable_mwh, storage_rte, elec_capacity_mw, elec_min_load,
                    elec_supply, out_fleet, out_store, out_elec):
    """Hourly dispatch with storage and electrolysers, per scenario, year and unit.

    Scenarios run in parallel (``prange``); within one scenario the years and hours run in
    calendar order, since the storage state carries over. Exact pruning, in the spirit of
    :func:`curtailment_kernel`: a year is skipped (its sums are the unlimited ones) when no
    hour can exceed the limit (``sum_f c[f] * peak[f] <= L``), every store is empty at its
    start and no electrolyser has dedicated fleets; within a year, only the binding hours and
    the hours after them while a store holds energy are visited (see
    :func:`_dispatch_hours`).

    Parameters
    ----------
    profiles : ndarray, shape (n_fleets, n_hours)
        Per-unit output of each fleet, typical-year order. [MW/MW]
    dispatchable : ndarray of int64, shape (n_fleets,)
        1 for a fleet that backs off when the limit binds (biomass), else 0.
    peak_pu : ndarray, shape (n_fleets,)
        ``profiles.max(axis=1)``. [MW/MW]
    sorted_profiles : ndarray, shape (n_fleets, n_hours)
        ``profiles`` with the hours ordered by non-increasing ``profiles.max(axis=0)``.
        [MW/MW]
    neg_hour_max_pu : ndarray, shape (n_hours,)
        ``-profiles.max(axis=0)`` in that order (non-decreasing). [MW/MW]
    hour_order : ndarray of int64, shape (n_hours,)
        Typical-year hour of each sorted position.
    positions : ndarray of int64, shape (n_years, n_hours, 2)
        Calendar position(s) of each typical hour in each year; -1 where it has no second.
    energy_per_mw, shaped_per_mw : ndarray, shape (n_years, n_fleets)
        Annual sums of the profiles, plain and weighted by ``ef_shape``
        (:func:`profile_year_sums`). [MWh/MW]
    capacity_mw : ndarray, shape (n_scenarios, n_years, n_fleets)
        Effective capacity. [MW]
    export_limit_mw : ndarray, shape (n_scenarios, n_years)
        Hourly cap on the power fed to the grid; ``inf`` for none. [MW]
    year_rows : ndarray of int64, shape (n_years, max_rows)
        Typical-year row of each hour of each calendar year (leap years repeat Feb 28).
    n_rows : ndarray of int64, shape (n_years,)
        Hours in each year (8760 or 8784).
    ef_shape : ndarray, shape (n_hours,)
        Hourly multiplier of the annual emission factor. [1]
    storage_power_mw : ndarray, shape (n_scenarios, n_years, n_storage)
        Charge and discharge power limit. [MW]
    storage_usable_mwh : ndarray, shape (n_scenarios, n_years, n_storage)
        Usable energy (above the minimum state of charge). [MWh]
    storage_rte : ndarray, shape (n_storage,)
        Round-trip efficiency, AC to AC. [1]
    elec_capacity_mw : ndarray, shape (n_scenarios, n_years, n_elec)
        Electrolyser input capacity. [MW]
    elec_min_load : ndarray, shape (n_elec,)
        Minimum load as a fraction of capacity. [1]
    elec_supply : ndarray of int64, shape (n_elec, n_fleets)
        1 where a fleet feeds an electrolyser first (dedicated supply).
    out_fleet : ndarray, shape (n_scenarios, n_years, n_fleets, N_FLEET_OUT)
        Receives generation, delivered, delivered x shape, charged into storage, consumed
        by electrolysers, curtailed, backed off (dispatchable). [MWh]
    out_store : ndarray, shape (n_scenarios, n_years, n_storage, N_STORE_OUT)
        Receives charged, discharged, discharged x shape [MWh] and the usable energy at
        the end of the year [MWh].
    out_elec : ndarray, shape (n_scenarios, n_years, n_elec)
        Receives the energy consumed. [MWh]
    """
    n_scen, n_years, n_fleets = capacity_mw.shape
    n_store = storage_rte.shape[0]
    n_elec = elec_min_load.shape[0]
    has_dedicated = False
    for k in range(n_elec):
        for f in range(n_fleets):
            if elec_supply[k, f]:
                has_dedicated = True
    no_hours = np.empty((0, 0, 0))
    no_elec_hours = np.empty((0, 0))
    n_hours = profiles.shape[1]
    for s in prange(n_scen):
        energy = np.zeros(n_store)
        must_sorted = np.empty(n_hours)
        disp_sorted = np.empty(n_hours)
        bind_pos = np.empty(2 * n_hours, dtype=np.int64)
        gen = np.empty(n_fleets)
        ded = np.zeros(n_fleets)
        taken = np.zeros(n_elec)
        for y in range(n_years):
            out_store[s, y, :, :] = 0.0
            out_elec[s, y, :] = 0.0
            stored = 0.0
            for b in range(n_store):
                # Retired storage takes its energy with it; new storage arrives empty.
                energy[b] = min(energy[b], storage_usable_mwh[s, y, b])
                stored += energy[b]
            limit = export_limit_mw[s, y]
            bound = 0.0
            for f in range(n_fleets):
                c = capacity_mw[s, y, f]
                bound += c * peak_pu[f]
                out_fleet[s, y, f, :] = 0.0
                out_fleet[s, y, f, FLEET_GENERATION] = c * energy_per_mw[y, f]
                out_fleet[s, y, f, FLEET_DELIVERED] = c * energy_per_mw[y, f]
                out_fleet[s, y, f, FLEET_DELIVERED_SHAPED] = c * shaped_per_mw[y, f]
            if bound <= limit and stored == 0.0 and not has_dedicated:
                continue
            _dispatch_hours(profiles, dispatchable, capacity_mw[s, y], limit,
                            year_rows[y, :n_rows[y]], ef_shape, storage_power_mw[s, y],
                            storage_usable_mwh[s, y], storage_rte, elec_capacity_mw[s, y],
                            elec_min_load, elec_supply, sorted_profiles, neg_hour_max_pu,
                            hour_order, positions[y], not has_dedicated, must_sorted,
                            disp_sorted, bind_pos, gen, ded, taken, energy, out_fleet[s, y],
                            out_store[s, y],
                            out_elec[s, y], False, no_hours, no_hours, no_elec_hours)


@njit(cache=True)
def dispatch_year(profiles, dispatchable, capacity_mw, export_limit_mw, rows, ef_shape,
                  storage_power_mw, storage_usable_mwh, storage_rte, energy_start_mwh,
                  elec_capacity_mw, elec_min_load, elec_supply, out_hourly_fleet,
                  out_hourly_store, out_hourly_elec):
    """The hours of one scenario-year, recorded (for the hourly tables).

    Same rule as :func:`dispatch_kernel` (it calls the same code), for one year starting
    from the usable storage energy ``energy_start_mwh`` [MWh] (the kernel's end-of-year
    energy of the previous year). Shapes as in :func:`dispatch_kernel` without the scenario
    and year axes; ``rows`` are the year's typical-year rows.

    Returns nothing; fills ``out_hourly_fleet`` (5, n_fleets, n_rows: generation, delivered,
    curtailed, charged into storage, consumed by electrolysers), ``out_hourly_store`` (3,
    n_storage, n_rows: charged, discharged, usable energy at the end of the hour) and
    ``out_hourly_elec`` (n_elec, n_rows: load). [MW, MWh]
    """
    n_fleets = profiles.shape[0]
    n_store = storage_rte.shape[0]
    energy = np.minimum(energy_start_mwh.copy(), storage_usable_mwh)
    fleet_out = np.zeros((n_fleets, N_FLEET_OUT))
    store_out = np.zeros((n_store, N_STORE_OUT))
    elec_out = np.zeros(elec_min_load.shape[0])
    _dispatch_hours(profiles, dispatchable, capacity_mw, export_limit_mw, rows, ef_shape,
                    storage_power_mw, storage_usable_mwh, storage_rte, elec_capacity_mw,
                    elec_min_load, elec_supply, np.empty((n_fleets, 0)), np.empty(0),
                    np.empty(0, dtype=np.int64), np.empty((0, 2), dtype=np.int64), False,
                    np.empty(0), np.empty(0), np.empty(0, dtype=np.int64), np.empty(n_fleets),
                    np.zeros(n_fleets), np.zeros(elec_min_load.shape[0]), energy, fleet_out,
                    store_out, elec_out, True, out_hourly_fleet, out_hourly_store,
                    out_hourly_elec)


def dispatch_energy(profiles, capacity_mw, export_limit_mw, year_rows, n_rows, *,
                    dispatchable=None, hour_weights=None, ef_shape=None,
                    storage_power_mw=None, storage_usable_mwh=None, storage_rte=None,
                    elec_capacity_mw=None, elec_min_load=None, elec_supply=None):
    """Annual results of hourly dispatch for many scenarios: a checked wrapper.

    Wraps :func:`dispatch_kernel`; see it for the rule of one hour and the shapes. Storage
    and electrolyser arguments may be omitted (none of them).

    Returns
    -------
    dict of ndarray
        ``fleet`` (n_scenarios, n_years, n_fleets, N_FLEET_OUT), ``store`` (n_scenarios,
        n_years, n_storage, N_STORE_OUT), ``elec`` (n_scenarios, n_years, n_elec). [MWh]

    Examples
    --------
    Two hours of 10 MW of PV at 0.8 and 0 p.u., a 5 MW limit and a 2 MW / 2 MWh store of
    round-trip efficiency 0.5: it charges 2 MW in hour 1 (storing 1 MWh) and gives 1 MWh
    back in hour 2; 1 MWh is curtailed.

    >>> out = dispatch_energy([[0.8, 0.0]], [[[10.0]]], [[5.0]], [[0, 1]], [2],
    ...                       storage_power_mw=[[[2.0]]], storage_usable_mwh=[[[2.0]]],
    ...                       storage_rte=[0.5])
    >>> out["fleet"][0, 0, 0, [FLEET_DELIVERED, FLEET_CHARGED, FLEET_CURTAILED]].tolist()
    [5.0, 2.0, 1.0]
    >>> out["store"][0, 0, 0, [STORE_CHARGED, STORE_DISCHARGED]].tolist()
    [2.0, 1.0]
    """
    profiles = _f64(profiles, 2, "profiles")
    n_fleets, n_hours = profiles.shape
    capacity_mw = _f64(capacity_mw, 3, "capacity_mw")
    n_scen, n_years, _ = capacity_mw.shape
    _expect(capacity_mw.shape, (n_scen, n_years, n_fleets), "capacity_mw")
    export_limit_mw = _f64(export_limit_mw, 2, "export_limit_mw")
    _expect(export_limit_mw.shape, (n_scen, n_years), "export_limit_mw")
    year_rows = np.ascontiguousarray(year_rows, dtype=np.int64)
    n_rows = np.ascontiguousarray(n_rows, dtype=np.int64)
    if year_rows.ndim != 2 or year_rows.shape[0] != n_years or n_rows.shape != (n_years,):
        raise ValueError(f"year_rows/n_rows: expected ({n_years}, max_rows)/({n_years},), got "
                         f"{year_rows.shape}/{n_rows.shape}")
    if n_years and (n_rows.max() > year_rows.shape[1] or year_rows.min() < 0
                    or year_rows.max() >= n_hours):
        raise ValueError("year_rows: rows must index the profiles' hours")
    dispatchable = (np.zeros(n_fleets, np.int64) if dispatchable is None
                    else np.ascontiguousarray(dispatchable, dtype=np.int64))
    _expect(dispatchable.shape, (n_fleets,), "dispatchable")
    if hour_weights is None:
        hour_weights = np.zeros((n_years, n_hours))
        for y in range(n_years):
            np.add.at(hour_weights[y], year_rows[y, :n_rows[y]], 1.0)
    hour_weights = _f64(hour_weights, 2, "hour_weights")
    _expect(hour_weights.shape, (n_years, n_hours), "hour_weights")
    ef_shape = np.ones(n_hours) if ef_shape is None else _f64(ef_shape, 1, "ef_shape")
    _expect(ef_shape.shape, (n_hours,), "ef_shape")

    def units_of(power, energy_or_min, per_unit, name, kind):
        if power is None:
            return np.zeros((n_scen, n_years, 0)), np.zeros((n_scen, n_years, 0)), np.zeros(0)
        power = _f64(power, 3, name)
        n = power.shape[2]
        _expect(power.shape, (n_scen, n_years, n), name)
        per_unit = _f64(per_unit, 1, kind)
        _expect(per_unit.shape, (n,), kind)
        if energy_or_min is not None:
            energy_or_min = _f64(energy_or_min, 3, "storage_usable_mwh")
            _expect(energy_or_min.shape, (n_scen, n_years, n), "storage_usable_mwh")
        return power, energy_or_min, per_unit

    power, usable, rte = units_of(storage_power_mw, storage_usable_mwh, storage_rte,
                                  "storage_power_mw", "storage_rte")
    if usable is None:
        raise ValueError("storage_usable_mwh: required with storage_power_mw")
    if rte.size and (rte.min() <= 0 or rte.max() > 1):
        raise ValueError("storage_rte: must lie in (0, 1]")
    elec, _, min_load = units_of(elec_capacity_mw, None, elec_min_load, "elec_capacity_mw",
                                 "elec_min_load")
    n_elec = min_load.shape[0]
    elec_supply = (np.zeros((n_elec, n_fleets), np.int64) if elec_supply is None
                   else np.ascontiguousarray(elec_supply, dtype=np.int64).reshape(n_elec, n_fleets))

    energy_per_mw = np.empty((n_years, n_fleets))
    shaped_per_mw = np.empty((n_years, n_fleets))
    profile_year_sums(profiles, hour_weights, ef_shape, energy_per_mw, shaped_per_mw)
    peak_pu = np.ascontiguousarray(profiles.max(axis=1)) if n_hours else np.zeros(n_fleets)
    # Hours by their largest per-unit output, highest first (see curtailment_kernel), and
    # where each typical hour falls in each calendar year (at most twice: leap years).
    hour_max = profiles.max(axis=0) if n_fleets else np.zeros(n_hours)
    order = np.argsort(-hour_max, kind="stable")
    positions = np.full((n_years, n_hours, 2), -1, dtype=np.int64)
    for y in range(n_years):
        rows_y = year_rows[y, :n_rows[y]]
        seen = np.bincount(rows_y, minlength=n_hours)
        if seen.max(initial=0) > 2:
            raise ValueError("year_rows: a typical hour occurs more than twice in a year")
        hours, first = np.unique(rows_y, return_index=True)  # first occurrences
        positions[y, hours, 0] = first
        again = np.ones(rows_y.size, dtype=bool)
        again[first] = False
        positions[y, rows_y[again], 1] = np.nonzero(again)[0]
    out_fleet = np.empty((n_scen, n_years, n_fleets, N_FLEET_OUT))
    out_store = np.empty((n_scen, n_years, rte.shape[0], N_STORE_OUT))
    out_elec = np.empty((n_scen, n_years, n_elec))
    dispatch_kernel(profiles, dispatchable, peak_pu, np.ascontiguousarray(profiles[:, order]),
                    np.ascontiguousarray(-hour_max[order]), order.astype(np.int64), positions,
                    energy_per_mw, shaped_per_mw, capacity_mw, export_limit_mw, year_rows,
                    n_rows, ef_shape, power, usable, rte, elec, min_load, elec_supply,
                    out_fleet, out_store, out_elec)
    return {"fleet": out_fleet, "store": out_store, "elec": out_elec}


# --------------------------------------------------------------------------- PV geometry
# Issue 15: two terms of the PV chain (energysim.physics.solar) that pvlib evaluates with
# large numpy temporaries, compiled here with the same formulas so that a new plant design
# costs milliseconds. They implement the same physical models (not fits), written here from
# the equations: the results agree with pvlib to floating-point round-off
# (tests/test_kernels_pv.py checks against pvlib itself).

@njit(cache=True)
def _refract(n_from, n_to, cos_in, sin_in):
    """Fresnel power reflectances at one flat interface, and the refracted ray.

    Light goes from a medium of index ``n_from`` into one of index ``n_to``; Snell's law
    gives the refracted ray, the Fresnel equations the share reflected for s- and
    p-polarised light and at normal incidence.

    Returns
    -------
    r_s, r_p, r_normal : float
        Reflected shares. [1]
    cos_out, sin_out : float
        Direction of the refracted ray. [1]
    """
    sin_out = n_from / n_to * sin_in
    cos_out = np.sqrt(1.0 - sin_out * sin_out)
    across_in = n_from * cos_in   # index x cosine on the incoming side
    along_out = n_to * cos_out    # index x cosine on the outgoing side
    r_s = ((across_in - along_out) / (across_in + along_out)) ** 2
    mixed_in = n_from * cos_out
    mixed_out = n_to * cos_in
    r_p = ((mixed_in - mixed_out) / (mixed_in + mixed_out)) ** 2
    r_normal = ((n_from - n_to) / (n_from + n_to)) ** 2
    return r_s, r_p, r_normal, cos_out, sin_out


@njit(cache=True)
def _iam_physical_cos(cos_aoi, n, k_l, n_ar):
    """Incidence-angle modifier of a glass cover (pvlib.iam.physical's model) by cos(AOI).

    Air -> optional anti-reflective coating (index ``n_ar``; ``n_ar == n`` means none) ->
    glass (index ``n``) absorbing with ``k_l`` = extinction x thickness along the refracted
    path. Between two interfaces the light bounces back and forth; summing those
    reflections incoherently gives t1 t2 / (1 - r1 r2). The modifier is the mean
    transmittance of s- and p-polarised light relative to normal incidence. [1]
    """
    if np.isnan(cos_aoi):
        return np.nan
    cos_in = max(0.0, cos_aoi)
    sin_in = np.sqrt(1.0 - cos_in * cos_in)
    r_s, r_p, r_normal, cos_glass, sin_glass = _refract(1.0, n_ar, cos_in, sin_in)
    t_s = 1.0 - r_s
    t_p = 1.0 - r_p
    t_normal = 1.0 - r_normal
    if n != n_ar:  # a coating: a second interface, coating -> glass
        r2_s, r2_p, r2_normal, cos_glass, sin_glass = _refract(n_ar, n, cos_glass, sin_glass)
        t_s *= (1.0 - r2_s) / (1.0 - r2_s * r_s)
        t_p *= (1.0 - r2_p) / (1.0 - r2_p * r_p)
        t_normal *= (1.0 - r2_normal) / (1.0 - r2_normal * r_normal)
    absorbed = np.exp(-k_l / cos_glass)
    t_s *= absorbed
    t_p *= absorbed
    t_normal *= np.exp(-k_l)
    return (t_s + t_p) / 2.0 / t_normal


@njit(cache=True, parallel=True)
def marion_diffuse_physical(tilt_deg, n, k_ext, thickness, n_ar, out):
    """Marion's (2017) diffuse reflection factors of pvlib.iam.physical, per tilt.

    The same integration as ``pvlib.iam.marion_diffuse("physical", ...)``: 180 zenith
    increments for the sky and ground, 1800 for the horizon band (89.5°–90°), twice as many
    azimuth increments, the photon's azimuth relative to the panel only entering through
    cos ψ, which is symmetric about π, so each half-circle is summed once and doubled.

    Parameters
    ----------
    tilt_deg : ndarray of float64, shape (n_tilts,)
        Surface tilts. [°]
    n, k_ext, thickness, n_ar : float
        Glass refractive index [1], extinction coefficient [m⁻¹], thickness [m], index of
        the AR coating [1] (as ``energysim.physics.solar.GLASS_IAM``); ``n_ar == n`` means
        no coating.
    out : ndarray of float64, shape (3, n_tilts)
        Filled with the sky, horizon and ground factors. [1]
    """
    k_l = k_ext * thickness
    n_tilts = tilt_deg.shape[0]
    for job in prange(3 * n_tilts):
        j = job // 3
        region = job % 3
        beta = np.radians(tilt_deg[j])
        cb = np.cos(beta)
        sb = np.sin(beta)
        num = 1800 if region == 1 else 180
        ai = np.pi / num
        numer = 0.0
        denom = 0.0
        for i in range(num):
            phi1 = i * (np.pi / num)
            if region == 0:
                keep = phi1 + ai <= np.pi / 2
            elif region == 1:
                keep = (89.5 * np.pi / 180 <= phi1) and (phi1 + ai <= np.pi / 2)
            else:
                keep = phi1 >= np.pi / 2
            if not keep:
                continue
            phi2 = phi1 + ai
            phi_avg = phi1 + 0.5 * ai
            d_as = ai * (np.cos(phi1) - np.cos(phi2))
            t1 = cb * np.cos(phi_avg)
            t2 = sb * np.sin(phi_avg)
            for k in range(num):  # ψ in (0, π); the mirror half gives the same terms
                psi_avg = k * (2 * np.pi / (2 * num)) + 0.5 * ai
                cos_aoi = t1 + t2 * np.cos(psi_avg)
                if np.arccos(cos_aoi) < np.pi / 2:
                    w = cos_aoi * d_as
                    numer += 2.0 * _iam_physical_cos(cos_aoi, n, k_l, n_ar) * w
                    denom += 2.0 * w
        out[region, j] = numer / denom if denom != 0.0 else 0.0


@njit(cache=True, parallel=True)
def unshaded_ground_fraction(rotation_deg, tan_phi, gcr, out):
    """Fraction of the ground between rows in direct sun, per hour (infinite sheds).

    The same geometry as pvlib's infinite-sheds ground shading (``height`` 1, ``pitch``
    1/GCR, rows k = -10…11, ground segment (0, pitch), sun more than 85° off the row
    normal gives 0), for arrays of any length.

    Parameters
    ----------
    rotation_deg : ndarray of float64, shape (n,)
        Row rotation (the surface tilt of a front-facing row). [°]
    tan_phi : ndarray of float64, shape (n,)
        Tangent of the sun's angle from the row normal projected on the plane across the
        rows. [1]
    gcr : ndarray of float64, shape (n,)
        Ground coverage ratio of each entry. [1]
    out : ndarray of float64, shape (n,)
        Filled with the unshaded fraction. [1]
    """
    for i in prange(rotation_deg.shape[0]):
        pitch = 1.0 / gcr[i]
        width = pitch * gcr[i]
        l_cos = width * np.cos(np.radians(rotation_deg[i]))
        l_sin = width * np.sin(np.radians(rotation_deg[i]))
        tp = tan_phi[i]
        a = 0.0
        b = pitch
        total = 0.0
        for k in range(-10, 12):
            cp = (k * pitch + 0.5 * l_cos) + (1.0 + 0.5 * l_sin) * tp
            dp = (k * pitch - 0.5 * l_cos) + (1.0 - 0.5 * l_sin) * tp
            if dp > cp:
                cp, dp = dp, cp
            fs = 1.0
            if (dp <= a) and (a <= cp) and (cp < b):
                fs = (cp - a) / (b - a)
            if (dp < a) and (cp < a):
                fs = 0.0
            if (a < dp) and (dp <= b) and (cp >= b):
                fs = (b - dp) / (b - a)
            if (a < dp) and (dp < b) and (a < cp) and (cp < b):
                fs = (cp - dp) / (b - a)
            if (dp > b) and (cp > b):
                fs = 0.0
            total += fs
        f = 1.0 - min(max(total, 0.0), 1.0)
        if np.abs(np.degrees(np.arctan(tp))) > 85.0:
            f = 0.0
        out[i] = f


@njit(cache=True, parallel=True)
def single_diode_p_mp(photocurrent, saturation_current, resistance_series,
                      resistance_shunt, n_ns_vth, out):
    """Maximum power of the single-diode equation, per point (Bishop's method, Newton).

    The root of dP/dV_d = 0 in the diode voltage V_d of Bishop (1988), where
    I = I_L - I_0 (exp(V_d / nN_sV_th) - 1) - V_d / R_sh and V = V_d - I R_s, started
    at the open-circuit estimate nN_sV_th ln(I_L/I_0 + 1) as
    ``pvlib.singlediode.bishop88_mpp(method="newton")`` does, and iterated to a step below
    1e-12 V; the result agrees with pvlib to its Newton tolerance.

    Parameters
    ----------
    photocurrent, saturation_current, resistance_series, resistance_shunt, n_ns_vth :
        ndarray of float64, shape (n,)
        The five parameters (e.g. of ``pvlib.pvsystem.calcparams_cec``): [A], [A], [Ω],
        [Ω], [V].
    out : ndarray of float64, shape (n,)
        Filled with the maximum power. [W]
    """
    for i in prange(photocurrent.shape[0]):
        il = photocurrent[i]
        i0 = saturation_current[i]
        rs = resistance_series[i]
        gsh = 1.0 / resistance_shunt[i]
        nvt = n_ns_vth[i]
        vd = nvt * np.log(il / i0 + 1.0)
        for _ in range(100):
            e = i0 * np.exp(vd / nvt)
            cur = il - (e - i0) - vd * gsh
            di = -e / nvt - gsh
            d2i = -e / (nvt * nvt)
            v = vd - cur * rs
            dv = 1.0 - rs * di
            d2v = -rs * d2i
            dp = cur * dv + v * di
            d2p = 2.0 * di * dv + cur * d2v + v * d2i
            step = dp / d2p
            vd -= step
            if not np.abs(step) > 1e-12:
                break
        e = i0 * np.exp(vd / nvt)
        cur = il - (e - i0) - vd * gsh
        out[i] = cur * (vd - cur * rs)


@njit(cache=True, parallel=True)
def iam_physical(aoi_deg, n, k_ext, thickness, n_ar, out):
    """pvlib.iam.physical (with an AR coating of index ``n_ar``) per angle of incidence.

    Parameters
    ----------
    aoi_deg : ndarray of float64, shape (n,)
        Angle of incidence; beyond 90° the modifier is 0, NaN stays NaN. [°]
    n, k_ext, thickness, n_ar : float
        As for :func:`marion_diffuse_physical`.
    out : ndarray of float64, shape (n,)
        Filled with the incidence angle modifier. [1]
    """
    k_l = k_ext * thickness
    for i in prange(aoi_deg.shape[0]):
        out[i] = _iam_physical_cos(np.cos(np.radians(aoi_deg[i])), n, k_l, n_ar)


# --------------------------------------------------------------------------- wind

@njit(cache=True)
def density_corrected_power(wind_speed, density, curve_wind_speed, curve_power, out):
    """Turbine power with the power curve stretched for air density, per hour.

    The correction of ``windpowerlib.power_output.power_curve_density_correction``
    (Svenningsen 2010): each curve speed v_j becomes (1.225/ρ)^e_j v_j, with e_j rising
    linearly from 1/3 at 7.5 m/s to 2/3 at 12.5 m/s, and the hour's speed is interpolated
    linearly on that curve, 0 outside it (as ``numpy.interp(..., left=0, right=0)``).

    Parameters
    ----------
    wind_speed, density : ndarray of float64, shape (n,)
        Hub-height wind speed [m s⁻¹] and air density [kg m⁻³]; finite.
    curve_wind_speed, curve_power : ndarray of float64, shape (m,)
        The power curve: increasing speeds [m s⁻¹] and power [W].
    out : ndarray of float64, shape (n,)
        Filled with the power. [W]
    """
    m = curve_wind_speed.shape[0]
    exponent = np.empty(m)
    for j in range(m):
        v = curve_wind_speed[j]
        if v <= 7.5:
            exponent[j] = 1.0 / 3.0
        elif v >= 12.5:
            exponent[j] = 2.0 / 3.0
        else:
            exponent[j] = 1.0 / 3.0 + (v - 7.5) * ((2.0 / 3.0 - 1.0 / 3.0) / (12.5 - 7.5))
    for i in range(wind_speed.shape[0]):
        ratio = 1.225 / density[i]
        x = wind_speed[i]
        lo = ratio ** exponent[0] * curve_wind_speed[0]
        if x < lo:
            out[i] = 0.0
            continue
        hi = ratio ** exponent[m - 1] * curve_wind_speed[m - 1]
        if x < lo or x > hi:
            out[i] = 0.0
            continue
        if x == hi:
            out[i] = curve_power[m - 1]
            continue
        prev = lo
        for j in range(1, m):
            nxt = ratio ** exponent[j] * curve_wind_speed[j]
            if x < nxt:
                slope = (curve_power[j] - curve_power[j - 1]) / (nxt - prev)
                out[i] = slope * (x - prev) + curve_power[j - 1]
                break
            prev = nxt
