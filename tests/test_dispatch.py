"""Dispatch kernels (storage, electrolysers, biomass back-off): hand-computed hours, a plain
Python reference on seeded data, and the conservation properties of issue 12."""

import numpy as np
import pytest

from energysim import kernels
from energysim.kernels import (FLEET_BACKOFF, FLEET_CHARGED, FLEET_CONSUMED, FLEET_CURTAILED,
                               FLEET_DELIVERED, FLEET_DELIVERED_SHAPED, FLEET_GENERATION,
                               STORE_CHARGED, STORE_DISCHARGED, STORE_DISCHARGED_SHAPED,
                               STORE_ENERGY_END)

RTOL = 1e-10  # float64 round-off over ~10^3-term sums only
ATOL = 1e-8   # MWh: round-off on sums of a few thousand MWh


def run(profiles, capacity, limit, n_years=1, **kw):
    """One scenario, ``n_years`` identical years of the given hours."""
    profiles = np.asarray(profiles, float)
    n_f, n_h = profiles.shape
    rows = np.tile(np.arange(n_h), (n_years, 1))
    cap = np.broadcast_to(np.asarray(capacity, float), (1, n_years, n_f))
    lim = np.full((1, n_years), float(limit))
    return kernels.dispatch_energy(profiles, cap, lim, rows, np.full(n_years, n_h), **kw)


def storage(power, usable, n_years=1):
    return np.full((1, n_years, 1), float(power)), np.full((1, n_years, 1), float(usable))


# --------------------------------------------------------------------------- hand-computed

def test_storage_four_hours_by_hand():
    # 10 MW at 0.9, 0.9, 0.2, 0.0 p.u.; limit 6 MW; store 2 MW / 3 MWh usable, RTE 0.8.
    # h0: 9 MW, surplus 3 -> charge 2 (stores 1.6), curtail 1
    # h1: surplus 3 -> charge min(3, 2, (3-1.6)/0.8 = 1.75) = 1.75 (stores 3.0), curtail 1.25
    # h2: 2 MW, headroom 4 -> discharge min(4, 2, 3) = 2 (1.0 left)
    # h3: 0 MW, headroom 6 -> discharge 1.0
    p, e = storage(2.0, 3.0)
    out = run([[0.9, 0.9, 0.2, 0.0]], [10.0], 6.0, storage_power_mw=p,
              storage_usable_mwh=e, storage_rte=[0.8])
    f, s = out["fleet"][0, 0, 0], out["store"][0, 0, 0]
    assert f[FLEET_GENERATION] == pytest.approx(20.0)
    assert f[FLEET_CHARGED] == pytest.approx(3.75)
    assert f[FLEET_CURTAILED] == pytest.approx(2.25)
    assert f[FLEET_DELIVERED] == pytest.approx(6 + 6 + 2 + 0)
    assert s[STORE_CHARGED] == pytest.approx(3.75)
    assert s[STORE_DISCHARGED] == pytest.approx(3.0)
    assert s[STORE_ENERGY_END] == pytest.approx(0.0)


def test_state_of_charge_carries_into_next_year():
    # Year 1 ends with the store full; year 2's first hour (headroom) draws on it.
    p, e = storage(5.0, 4.0, n_years=2)
    out = run([[1.0, 0.0]], [10.0], 6.0, n_years=2, storage_power_mw=p,
              storage_usable_mwh=e, storage_rte=[1.0])
    # Hour order 1.0, 0.0: charge 4 then discharge 4 within each year: ends empty.
    assert out["store"][0, :, 0, STORE_ENERGY_END].tolist() == [0.0, 0.0]
    out = run([[0.0, 1.0]], [10.0], 6.0, n_years=2, storage_power_mw=p,
              storage_usable_mwh=e, storage_rte=[1.0])
    # Year 1: nothing to discharge in hour 0, charge 4 in hour 1, end with 4.
    # Year 2: discharge 4 in hour 0 (headroom 6), charge 4 again in hour 1.
    assert out["store"][0, :, 0, STORE_DISCHARGED].tolist() == [0.0, 4.0]
    assert out["store"][0, :, 0, STORE_ENERGY_END].tolist() == [4.0, 4.0]


def test_biomass_backs_off_before_curtailment():
    # PV 10 MW at 0.5, 0.8, 0.3; biomass 3 MW flat; limit 6 MW.
    # h0: PV 5, biomass runs 1 (backs off 2); h1: PV 8, biomass 0, PV curtailed 2;
    # h2: PV 3, biomass 3.
    out = run([[0.5, 0.8, 0.3], [1.0, 1.0, 1.0]], [10.0, 3.0], 6.0,
              dispatchable=[0, 1])
    pv, bio = out["fleet"][0, 0]
    assert bio[FLEET_GENERATION] == pytest.approx(1 + 0 + 3)
    assert bio[FLEET_BACKOFF] == pytest.approx(2 + 3 + 0)
    assert bio[FLEET_CURTAILED] == 0.0
    assert pv[FLEET_CURTAILED] == pytest.approx(2.0)
    assert pv[FLEET_DELIVERED] == pytest.approx(5 + 6 + 3)


def test_electrolyser_minimum_load_and_surplus_after_storage():
    # PV 10 MW at 0.7, 0.9, 1.0; limit 5; store 1 MW / 10 MWh RTE 1; electrolyser 3 MW,
    # min load 50 % (1.5 MW).
    # h0: surplus 2: store 1, left 1 < 1.5: electrolyser off, curtail 1
    # h1: surplus 4: store 1, left 3: electrolyser 3
    # h2: surplus 5: store 1, left 4: electrolyser 3, curtail 1
    p, e = storage(1.0, 10.0)
    out = run([[0.7, 0.9, 1.0]], [10.0], 5.0, storage_power_mw=p, storage_usable_mwh=e,
              storage_rte=[1.0], elec_capacity_mw=[[[3.0]]], elec_min_load=[0.5])
    pv = out["fleet"][0, 0, 0]
    assert out["elec"][0, 0, 0] == pytest.approx(6.0)
    assert pv[FLEET_CONSUMED] == pytest.approx(6.0)
    assert pv[FLEET_CHARGED] == pytest.approx(3.0)
    assert pv[FLEET_CURTAILED] == pytest.approx(2.0)


def test_dedicated_electrolyser_takes_its_fleet_first():
    # Wind 4 MW at 1.0, 0.25, 0.5 dedicated to a 2 MW electrolyser (min 50 %); PV 10 MW at
    # 0.5 each hour; limit 6.
    # h0: electrolyser takes 2 of wind; grid 5 + 2 = 7 -> 1 curtailed (PV 5/7, wind 2/7)
    # h1: wind 1 (= min load): taken; grid 5 -> no curtailment
    # h2: wind 2: taken; grid 5
    out = run([[0.5, 0.5, 0.5], [1.0, 0.25, 0.5]], [10.0, 4.0], 6.0,
              elec_capacity_mw=[[[2.0]]], elec_min_load=[0.5], elec_supply=[[0, 1]])
    pv, wind = out["fleet"][0, 0]
    assert out["elec"][0, 0, 0] == pytest.approx(2 + 1 + 2)
    assert wind[FLEET_CONSUMED] == pytest.approx(5.0)
    assert pv[FLEET_CURTAILED] == pytest.approx(5 / 7)
    assert wind[FLEET_CURTAILED] == pytest.approx(2 / 7)
    assert wind[FLEET_DELIVERED] == pytest.approx(2 - 2 / 7)


def test_dedicated_below_minimum_load_stays_off():
    out = run([[0.2]], [4.0], 100.0, elec_capacity_mw=[[[2.0]]], elec_min_load=[0.5],
              elec_supply=[[1]])
    assert out["elec"][0, 0, 0] == 0.0
    assert out["fleet"][0, 0, 0, FLEET_DELIVERED] == pytest.approx(0.8)


# --------------------------------------------------------------------------- reference

def reference(profiles, dispatchable, capacity, limit, rows_list, shape, power, usable, rte,
              elec, min_load, supply):
    """Plain Python, one hour at a time, written from the rule in kernels.py."""
    n_scen, n_years, n_f = capacity.shape
    n_b, n_k = rte.size, min_load.size
    fleet = np.zeros((n_scen, n_years, n_f, kernels.N_FLEET_OUT))
    store = np.zeros((n_scen, n_years, n_b, kernels.N_STORE_OUT))
    el = np.zeros((n_scen, n_years, n_k))
    for s in range(n_scen):
        e = np.zeros(n_b)
        for y in range(n_years):
            e = np.minimum(e, usable[s, y])
            L = limit[s, y]
            for h in rows_list[y]:
                g = capacity[s, y] * profiles[:, h]
                ded = np.zeros(n_f)
                taken = np.zeros(n_k)
                for k in range(n_k):
                    avail = g[supply[k] == 1].sum()
                    take = min(avail, elec[s, y, k])
                    if avail > 0 and take >= min_load[k] * elec[s, y, k]:
                        taken[k] = take
                        ded += np.where(supply[k] == 1, g * take / avail, 0.0)
                must = g[dispatchable == 0].sum() - taken.sum()
                disp = g[dispatchable == 1].sum()
                run_ = min(disp, max(L - must, 0.0))
                surplus, head = max(must - L, 0.0), max(L - must - run_, 0.0)
                charged = 0.0
                for b in range(n_b):
                    if surplus > 0:
                        c = max(min(surplus, power[s, y, b], (usable[s, y, b] - e[b]) / rte[b]), 0)
                        e[b] = min(e[b] + c * rte[b], usable[s, y, b])
                        surplus -= c
                        charged += c
                        store[s, y, b, STORE_CHARGED] += c
                    elif head > 0:
                        d = min(head, power[s, y, b], e[b])
                        e[b] -= d
                        head -= d
                        store[s, y, b, STORE_DISCHARGED] += d
                        store[s, y, b, STORE_DISCHARGED_SHAPED] += d * shape[h]
                consumed = 0.0
                for k in range(n_k):
                    x = min(surplus, elec[s, y, k] - taken[k]) if surplus > 0 else 0.0
                    if x > 0 and not (taken[k] > 0 or x >= min_load[k] * elec[s, y, k]):
                        x = 0.0
                    surplus -= x
                    consumed += x
                    el[s, y, k] += taken[k] + x
                side = np.where(dispatchable == 1, 0.0, g - ded)
                q = np.array([charged, consumed, surplus]) / must if must > 0 else np.zeros(3)
                keep = run_ / disp if disp > 0 else 0.0
                dlv = np.where(dispatchable == 1, g * keep, side * (1 - q.sum()))
                fleet[s, y, :, FLEET_GENERATION] += np.where(dispatchable == 1, g * keep, g)
                fleet[s, y, :, FLEET_DELIVERED] += dlv
                fleet[s, y, :, FLEET_DELIVERED_SHAPED] += dlv * shape[h]
                fleet[s, y, :, FLEET_CHARGED] += side * q[0]
                fleet[s, y, :, FLEET_CONSUMED] += side * q[1] + ded
                fleet[s, y, :, FLEET_CURTAILED] += side * q[2]
                fleet[s, y, :, FLEET_BACKOFF] += np.where(dispatchable == 1, g * (1 - keep), 0)
            store[s, y, :, STORE_ENERGY_END] = e
    return fleet, store, el


@pytest.fixture
def seeded():
    rng = np.random.default_rng(0)
    n_scen, n_years, n_h = 4, 3, 288  # hours that cannot bind (with empty stores) are skipped
    profiles = rng.random((4, n_h)) * (rng.random((4, n_h)) > 0.3)
    profiles *= np.repeat(rng.uniform(0.1, 1.0, n_h // 24), 24)  # calm and windy days
    profiles[3] = 0.6  # biomass, flat
    dispatchable = np.array([0, 0, 0, 1])
    capacity = rng.uniform(10, 100, (n_scen, n_years, 4))
    limit = rng.uniform(40, 150, (n_scen, n_years))
    limit[0, 0] = np.inf
    limit[1, :] = 1e6  # never binds: pruned years once the store is empty
    limit[2, :] = 0.6 * (capacity[2] * profiles.max(axis=1)).sum(axis=1)  # binds on some days
    # year 2 repeats day 1 (as a leap year repeats Feb 28)
    rows_list = [np.arange(n_h), np.r_[np.arange(48), np.arange(24, n_h)], np.arange(n_h)]
    max_rows = max(len(r) for r in rows_list)
    rows = np.zeros((n_years, max_rows), np.int64)
    for y, r in enumerate(rows_list):
        rows[y, :len(r)] = r
    shape = rng.uniform(0.5, 1.5, n_h)
    power = rng.uniform(5, 30, (n_scen, n_years, 2))
    usable = rng.uniform(10, 120, (n_scen, n_years, 2))
    usable[:, 2, 1] = 5.0  # shrinks: energy above the new usable is lost with retirement
    rte = np.array([0.85, 0.7])
    elec = rng.uniform(5, 40, (n_scen, n_years, 2))
    min_load = np.array([0.15, 0.3])
    supply = np.array([[0, 0, 0, 0], [0, 1, 0, 0]])
    return dict(profiles=profiles, dispatchable=dispatchable, capacity=capacity, limit=limit,
                rows_list=rows_list, rows=rows, shape=shape, power=power, usable=usable,
                rte=rte, elec=elec, min_load=min_load, supply=supply)


def kernel_out(d, **drop):
    kw = dict(dispatchable=d["dispatchable"], ef_shape=d["shape"],
              storage_power_mw=d["power"], storage_usable_mwh=d["usable"],
              storage_rte=d["rte"], elec_capacity_mw=d["elec"], elec_min_load=d["min_load"],
              elec_supply=d["supply"])
    kw.update(drop)
    return kernels.dispatch_energy(d["profiles"], d["capacity"], d["limit"], d["rows"],
                                   [len(r) for r in d["rows_list"]], **kw)


@pytest.mark.parametrize("dedicated", [True, False])  # False: pruned years are exercised
def test_kernel_matches_python_reference(seeded, dedicated):
    d = seeded
    if not dedicated:
        d = {**d, "supply": np.zeros_like(d["supply"])}
    out = kernel_out(d)
    fleet, store, el = reference(d["profiles"], d["dispatchable"], d["capacity"], d["limit"],
                                 d["rows_list"], d["shape"], d["power"], d["usable"], d["rte"],
                                 d["elec"], d["min_load"], d["supply"])
    np.testing.assert_allclose(out["fleet"], fleet, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["store"], store, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["elec"], el, rtol=RTOL, atol=ATOL)


def test_without_storage_and_electrolyser_equals_curtailment_kernel(seeded):
    d = seeded
    prof = d["profiles"][:3]
    out = kernels.dispatch_energy(prof, d["capacity"][:, :, :3], d["limit"], d["rows"],
                                  [len(r) for r in d["rows_list"]], ef_shape=d["shape"])
    weights = np.zeros((3, prof.shape[1]))
    for y, r in enumerate(d["rows_list"]):
        np.add.at(weights[y], r, 1.0)
    ref = kernels.annual_energy(prof, d["capacity"][:, :, :3], d["limit"],
                                np.ones_like(d["limit"]), weights, d["shape"])
    np.testing.assert_allclose(out["fleet"][..., FLEET_GENERATION], ref["generation_mwh"], rtol=RTOL)
    np.testing.assert_allclose(out["fleet"][..., FLEET_CURTAILED], ref["curtailed_mwh"],
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["fleet"][..., FLEET_DELIVERED_SHAPED], ref["avoided_tco2"],
                               rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------- properties

def test_energy_conserved_per_year(seeded):
    out = kernel_out(seeded)
    f = out["fleet"]
    np.testing.assert_allclose(
        f[..., FLEET_GENERATION],
        f[..., FLEET_DELIVERED] + f[..., FLEET_CHARGED] + f[..., FLEET_CONSUMED]
        + f[..., FLEET_CURTAILED], rtol=RTOL, atol=ATOL)
    # What the fleets sent is what storage and electrolysers received.
    np.testing.assert_allclose(f[..., FLEET_CHARGED].sum(axis=2),
                               out["store"][..., STORE_CHARGED].sum(axis=2), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(f[..., FLEET_CONSUMED].sum(axis=2), out["elec"].sum(axis=2),
                               rtol=RTOL, atol=ATOL)


def test_discharge_bounded_by_round_trip_and_start(seeded):
    d = seeded
    out = kernel_out(d)
    s = out["store"]
    start = np.concatenate([np.zeros((4, 1, 2)), s[:, :-1, :, STORE_ENERGY_END]], axis=1)
    assert (s[..., STORE_DISCHARGED]
            <= d["rte"] * s[..., STORE_CHARGED] + np.minimum(start, d["usable"]) + ATOL).all()
    # Over the whole run: discharged + stored at the end <= rte x charged (equality without
    # retirement losses; year 2 shrinks store 2).
    total_in = (d["rte"] * s[..., STORE_CHARGED]).sum(axis=1)
    total_out = s[..., STORE_DISCHARGED].sum(axis=1) + s[:, -1, :, STORE_ENERGY_END]
    assert (total_out <= total_in + ATOL).all()
    np.testing.assert_allclose(total_out[:, 0], total_in[:, 0], rtol=RTOL, atol=ATOL)


def test_hourly_conservation_and_state_of_charge_bounds(seeded):
    d = seeded
    out = kernel_out(d)
    for s in range(4):
        for y in range(3):
            rows = d["rows_list"][y]
            n = rows.size
            hf = np.empty((5, 4, n))
            hs = np.empty((3, 2, n))
            he = np.empty((2, n))
            start = (np.zeros(2) if y == 0 else out["store"][s, y - 1, :, STORE_ENERGY_END])
            kernels.dispatch_year(d["profiles"], d["dispatchable"], d["capacity"][s, y],
                                  d["limit"][s, y], rows.astype(np.int64), d["shape"],
                                  d["power"][s, y], d["usable"][s, y], d["rte"],
                                  np.ascontiguousarray(start), d["elec"][s, y], d["min_load"],
                                  d["supply"], hf, hs, he)
            gen, dlv, cut, sent_store, sent_elec = hf
            # every hour: generation = delivered + charged + consumed + curtailed
            np.testing.assert_allclose(gen.sum(axis=0), dlv.sum(axis=0) + hs[0].sum(axis=0)
                                       + he.sum(axis=0) + cut.sum(axis=0), rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(gen, dlv + cut + sent_store + sent_elec, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(sent_store.sum(axis=0), hs[0].sum(axis=0), rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(sent_elec.sum(axis=0), he.sum(axis=0), rtol=RTOL, atol=ATOL)
            # the grid never gets more than the limit
            assert (dlv.sum(axis=0) + hs[1].sum(axis=0) <= d["limit"][s, y] + ATOL).all()
            assert (hs[2] >= -ATOL).all() and (hs[2] <= d["usable"][s, y][:, None] + ATOL).all()
            assert (hs[0] <= d["power"][s, y][:, None] + ATOL).all()
            assert (hs[1] <= d["power"][s, y][:, None] + ATOL).all()
            load = he / d["elec"][s, y][:, None]
            assert ((load == 0) | (load >= d["min_load"][:, None] - 1e-12)).all()
            assert (load <= 1 + 1e-12).all()
            # the recorded hours sum to the annual kernel's figures
            np.testing.assert_allclose(hs[0].sum(axis=1), out["store"][s, y, :, STORE_CHARGED],
                                       rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(cut.sum(axis=1), out["fleet"][s, y, :, FLEET_CURTAILED],
                                       rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(hs[2][:, -1], out["store"][s, y, :, STORE_ENERGY_END],
                                       rtol=RTOL, atol=ATOL)


def test_storage_and_surplus_electrolyser_lower_curtailment_by_what_they_took(seeded):
    d = seeded
    none = kernel_out(d, storage_power_mw=None, storage_usable_mwh=None, storage_rte=None,
                      elec_capacity_mw=None, elec_min_load=None, elec_supply=None)
    store_only = kernel_out(d, elec_capacity_mw=None, elec_min_load=None, elec_supply=None)
    surplus_elec = kernel_out(d, elec_supply=np.zeros((2, 4), np.int64))
    cut0 = none["fleet"][..., FLEET_CURTAILED].sum(axis=2)
    cut1 = store_only["fleet"][..., FLEET_CURTAILED].sum(axis=2)
    cut2 = surplus_elec["fleet"][..., FLEET_CURTAILED].sum(axis=2)
    assert (cut0 > 0).any()
    np.testing.assert_allclose(cut0 - cut1, store_only["store"][..., STORE_CHARGED].sum(axis=2),
                               rtol=RTOL, atol=ATOL)
    took = surplus_elec["store"][..., STORE_CHARGED].sum(axis=2) + surplus_elec["elec"].sum(axis=2)
    np.testing.assert_allclose(cut0 - cut2, took, rtol=RTOL, atol=ATOL)


def test_zero_in_zero_out(seeded):
    d = seeded
    out = kernels.dispatch_energy(
        d["profiles"], np.zeros_like(d["capacity"]), d["limit"], d["rows"],
        [len(r) for r in d["rows_list"]], storage_power_mw=d["power"],
        storage_usable_mwh=d["usable"], storage_rte=d["rte"], elec_capacity_mw=d["elec"],
        elec_min_load=d["min_load"], elec_supply=d["supply"])
    assert not out["fleet"].any() and not out["store"].any() and not out["elec"].any()
