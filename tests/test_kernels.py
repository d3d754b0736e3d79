"""Kernels against a plain numpy reference on seeded data, and the properties they must keep."""

import numpy as np
import pytest

from energysim import kernels

RTOL = 1e-10  # float64 round-off over ~10^4-term sums only


def reference_annual(profiles, capacity, limit, ef, weights, shape):
    """Plain numpy: hour by hour, every fleet, pro-rata curtailment."""
    n_scen, n_years, n_fleets = capacity.shape
    gen = np.zeros(capacity.shape)
    cur = np.zeros(capacity.shape)
    avo = np.zeros(capacity.shape)
    for s in range(n_scen):
        for y in range(n_years):
            power = capacity[s, y][:, None] * profiles  # (fleets, hours)
            total = power.sum(axis=0)
            keep = np.where(total > limit[s, y], limit[s, y] / np.where(total > 0, total, 1), 1.0)
            delivered = power * keep
            gen[s, y] = (power * weights[y]).sum(axis=1)
            cur[s, y] = ((power - delivered) * weights[y]).sum(axis=1)
            avo[s, y] = (delivered * weights[y] * shape).sum(axis=1) * ef[s, y]
    return gen, cur, avo


@pytest.fixture
def seeded():
    rng = np.random.default_rng(0)
    n_scen, n_years, n_fleets, n_hours = 5, 4, 3, 500
    profiles = rng.random((n_fleets, n_hours)) * (rng.random((n_fleets, n_hours)) > 0.3)
    capacity = rng.random((n_scen, n_years, n_fleets)) * 100
    limit = rng.uniform(20, 200, (n_scen, n_years))
    limit[0, :] = np.inf
    ef = rng.uniform(0.1, 0.9, (n_scen, n_years))
    weights = np.ones((n_years, n_hours))
    weights[1, 10:34] = 2.0  # a "leap year"
    shape = rng.uniform(0.5, 1.5, n_hours)
    return profiles, capacity, limit, ef, weights, shape


def test_matches_numpy_reference(seeded):
    out = kernels.annual_energy(*seeded)
    gen, cur, avo = reference_annual(*seeded)
    np.testing.assert_allclose(out["generation_mwh"], gen, rtol=RTOL)
    np.testing.assert_allclose(out["curtailed_mwh"], cur, rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(out["avoided_tco2"], avo, rtol=RTOL, atol=1e-9)
    assert cur[1:].sum() > 0, "the seeded limits must bind somewhere for the test to mean anything"


def test_energy_conservation(seeded):
    out = kernels.annual_energy(*seeded)
    np.testing.assert_allclose(out["delivered_mwh"] + out["curtailed_mwh"], out["generation_mwh"],
                               rtol=RTOL)
    assert (out["delivered_mwh"] >= -1e-9).all() and (out["curtailed_mwh"] >= 0).all()


def test_zero_capacity_gives_zero(seeded):
    profiles, capacity, limit, ef, weights, shape = seeded
    out = kernels.annual_energy(profiles, np.zeros_like(capacity), limit, ef, weights, shape)
    for value in out.values():
        assert not value.any()


def test_doubling_capacity_without_limit_doubles_everything(seeded):
    profiles, capacity, limit, ef, weights, shape = seeded
    no_limit = np.full_like(limit, np.inf)
    one = kernels.annual_energy(profiles, capacity, no_limit, ef, weights, shape)
    two = kernels.annual_energy(profiles, 2 * capacity, no_limit, ef, weights, shape)
    for key in one:
        np.testing.assert_allclose(two[key], 2 * one[key], rtol=RTOL)


def test_delivered_power_never_exceeds_limit(seeded):
    profiles, capacity, limit, _, _, _ = seeded
    gen = np.empty_like(profiles)
    dlv = np.empty_like(profiles)
    kernels.hourly_dispatch(profiles, capacity[2, 1].copy(), float(limit[2, 1]), gen, dlv)
    assert dlv.sum(axis=0).max() <= limit[2, 1] * (1 + 1e-12)
    # hours below the limit are untouched; above it, every fleet keeps the same share
    total = gen.sum(axis=0)
    over = total > limit[2, 1]
    assert over.any()
    np.testing.assert_allclose(dlv[:, ~over], gen[:, ~over])
    ratio = dlv[:, over] / np.where(gen[:, over] > 0, gen[:, over], np.nan)
    np.testing.assert_allclose(np.nanmax(ratio, axis=0), np.nanmin(ratio, axis=0))


def test_hourly_and_annual_kernels_agree(seeded):
    profiles, capacity, limit, ef, weights, shape = seeded
    out = kernels.annual_energy(profiles, capacity, limit, ef, weights, np.ones_like(shape))
    gen = np.empty_like(profiles)
    dlv = np.empty_like(profiles)
    kernels.hourly_dispatch(profiles, capacity[3, 2].copy(), float(limit[3, 2]), gen, dlv)
    np.testing.assert_allclose(dlv.sum(axis=1), out["delivered_mwh"][3, 2], rtol=RTOL)


def test_fleet_order_does_not_matter(seeded):
    profiles, capacity, limit, ef, weights, shape = seeded
    out = kernels.annual_energy(profiles, capacity, limit, ef, weights, shape)
    order = [2, 0, 1]
    swapped = kernels.annual_energy(profiles[order], capacity[:, :, order], limit, ef, weights, shape)
    for key in out:
        np.testing.assert_allclose(swapped[key], out[key][:, :, order], rtol=RTOL)


def test_hand_computed_case():
    # 10 MW PV at 0.5 p.u. and 10 MW wind at 0.3 p.u. for one hour, limit 6 MW:
    # generation 5 + 3 = 8 MW, 2 MW curtailed pro rata (25 % each): PV 3.75, wind 2.25.
    out = kernels.annual_energy([[0.5], [0.3]], [[[10.0, 10.0]]], [[6.0]], [[0.5]], [[1.0]])
    np.testing.assert_allclose(out["delivered_mwh"][0, 0], [3.75, 2.25])
    np.testing.assert_allclose(out["curtailed_mwh"][0, 0], [1.25, 0.75])
    np.testing.assert_allclose(out["avoided_tco2"][0, 0], [1.875, 1.125])


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="capacity_mw"):
        kernels.annual_energy([[0.5, 0.5]], [[[1.0, 1.0]]], [[1.0]], [[1.0]], [[1.0, 1.0]])


def sequential_curtailment(profiles, peak_pu, neg_hour_max_pu, hour_order, capacity, limit,
                           weights, shape):
    """The curtailment kernel's arithmetic in plain Python floats, every sum in the order
    the kernel's source writes it (no reassociation, no fused multiply-add; an hour count
    that is not a multiple of 4 exercises the remainder)."""
    n_scen, n_years, n_fleets = capacity.shape
    cut_out = np.zeros(capacity.shape)
    shaped_out = np.zeros(capacity.shape)
    for s in range(n_scen):
        for y in range(n_years):
            lim = float(limit[s, y])
            caps = [float(c) for c in capacity[s, y]]
            bound, capacity_sum = 0.0, 0.0
            for f in range(n_fleets):
                bound += caps[f] * float(peak_pu[f])
                capacity_sum += caps[f]
            if bound <= lim:
                continue
            k = int(np.searchsorted(neg_hour_max_pu, -lim / capacity_sum, side="left"))
            share = [caps[0] * float(profiles[0, h]) for h in range(k)]
            for f in range(1, n_fleets):
                for h in range(k):
                    share[h] += caps[f] * float(profiles[f, h])
            for h in range(k):
                total = share[h]
                share[h] = (max(total - lim, 0.0) / max(total, 1e-300)
                            * float(weights[y, hour_order[h]]))
            for f in range(n_fleets):
                # Four partial sums: hour h into sum h % 4 up to the last multiple of 4,
                # the remaining hours into the first; then (c0 + c1) + (c2 + c3).
                cut, cut_shaped = [0.0] * 4, [0.0] * 4
                k4 = k - k % 4
                for h in range(k):
                    lane = h % 4 if h < k4 else 0
                    x = float(profiles[f, h]) * share[h]
                    cut[lane] += x
                    cut_shaped[lane] += x * float(shape[h])
                cut_out[s, y, f] = ((cut[0] + cut[1]) + (cut[2] + cut[3])) * caps[f]
                shaped_out[s, y, f] = (((cut_shaped[0] + cut_shaped[1])
                                        + (cut_shaped[2] + cut_shaped[3])) * caps[f])
    return cut_out, shaped_out


def test_curtailment_is_bit_reproducible_whatever_the_batch_threads_or_alignment():
    # The sums of curtailed energy run in the order written, so the kernel equals a plain
    # sequential implementation bit for bit (a kernel compiled with fastmath reassociates
    # these sums into vector lanes, and a recompilation could move them by an ulp), and a
    # scenario's result does not depend on the scenarios batched with it, on the number
    # of threads or on the alignment of the arrays.
    import numba

    rng = np.random.default_rng(7)
    n_scen, n_years, n_fleets, n_hours = 6, 3, 3, 701
    raw = rng.random((n_fleets, n_hours)) ** 2
    hour_max = raw.max(axis=0)
    order = np.argsort(-hour_max, kind="stable").astype(np.int64)
    profiles = np.ascontiguousarray(raw[:, order])
    peak_pu = raw.max(axis=1)
    neg_hour_max = np.ascontiguousarray(-hour_max[order])
    capacity = rng.uniform(50, 150, (n_scen, n_years, n_fleets))
    limit = rng.uniform(60, 200, (n_scen, n_years))
    weights = np.ones((n_years, n_hours))
    weights[1, 5:29] = 2.0
    shape = np.ascontiguousarray(rng.uniform(0.5, 1.5, n_hours)[order])
    expected = sequential_curtailment(profiles, peak_pu, neg_hour_max, order, capacity, limit,
                                      weights, shape)
    assert (expected[0] > 0).sum() > 20  # the limit binds for hundreds of hours

    def run(cap, lim, prof=profiles):
        cut, shaped = np.empty(cap.shape), np.empty(cap.shape)
        kernels.curtailment_kernel(prof, peak_pu, neg_hour_max, order, cap, lim, weights,
                                   shape, cut, shaped)
        return cut, shaped

    def misaligned(array, offset):
        buffer = np.empty(array.size + 8)
        view = buffer[offset:offset + array.size].reshape(array.shape)
        view[...] = array
        return view

    threads = numba.get_num_threads()
    try:
        for n_threads in sorted({1, threads}):
            numba.set_num_threads(n_threads)
            for got, want in zip(run(capacity, limit), expected):
                assert np.array_equal(got, want)
            for s in range(n_scen):  # each scenario alone
                alone = run(capacity[s:s + 1].copy(), limit[s:s + 1].copy())
                assert np.array_equal(alone[0][0], expected[0][s])
            for offset in (1, 3):
                moved = run(capacity, limit, misaligned(profiles, offset))
                assert np.array_equal(moved[0], expected[0])
    finally:
        numba.set_num_threads(threads)
