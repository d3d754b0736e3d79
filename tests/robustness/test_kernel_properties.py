"""Property tests of the compiled kernels: conservation, signs, monotonicity, limits, order.

:func:`energysim.kernels.annual_energy` (annual sums with the export limit decided hour by
hour, ``prange``) and :func:`energysim.kernels.hourly_dispatch` (the hourly
table) must agree with each other and obey what the README promises: delivered + curtailed =
generation, nothing negative, more capacity never gives less generation (nor less delivered
energy in total), the hourly limit holds, and the order of the fleets does not matter.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from energysim.kernels import annual_energy, hourly_dispatch

RTOL = 1e-9  # float64 round-off of sums over <= 48 hours, in different orders
# database=None: no .hypothesis/ folder in the working tree (tests write only to tmp_path).
SETTINGS = settings(max_examples=50, deadline=None, database=None)


def _floats(lo, hi):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


@st.composite
def problems(draw):
    """A small random problem: profiles, capacities, limits, factors, hour weights."""
    n_fleets = draw(st.integers(1, 4))
    n_hours = draw(st.integers(1, 48))
    n_years = draw(st.integers(1, 3))
    n_scen = draw(st.integers(1, 3))
    profiles = draw(hnp.arrays(np.float64, (n_fleets, n_hours), elements=_floats(0.0, 1.2)))
    capacity = draw(hnp.arrays(np.float64, (n_scen, n_years, n_fleets),
                               elements=_floats(0.0, 1000.0)))
    limit = draw(hnp.arrays(np.float64, (n_scen, n_years),
                            elements=st.one_of(_floats(0.0, 2000.0), st.just(np.inf))))
    ef = draw(hnp.arrays(np.float64, (n_scen, n_years), elements=_floats(0.0, 1.0)))
    weights = draw(hnp.arrays(np.float64, (n_years, n_hours),
                              elements=st.sampled_from([0.0, 1.0, 2.0])))
    shape = draw(st.one_of(st.none(),
                           hnp.arrays(np.float64, (n_hours,), elements=_floats(0.0, 3.0))))
    return profiles, capacity, limit, ef, weights, shape


def _scale(capacity, weights):
    """Largest energy a problem can hold; absolute tolerances scale with it. [MWh]"""
    hours = float(weights.sum(axis=1).max(initial=0.0))
    return max(1.0, float(capacity.max(initial=0.0)) * 1.2 * hours)


def _dispatch(profiles, capacity, limit):
    generation = np.empty_like(profiles)
    delivered = np.empty_like(profiles)
    hourly_dispatch(profiles, np.ascontiguousarray(capacity), float(limit), generation, delivered)
    return generation, delivered


@SETTINGS
@given(problems())
def test_annual_energy_conserves_and_stays_non_negative(problem):
    profiles, capacity, limit, ef, weights, shape = problem
    out = annual_energy(profiles, capacity, limit, ef, weights, shape)
    atol = RTOL * _scale(capacity, weights)
    gen, cut, dlv = out["generation_mwh"], out["curtailed_mwh"], out["delivered_mwh"]
    np.testing.assert_allclose(dlv + cut, gen, rtol=RTOL, atol=atol)
    assert (gen >= 0).all()
    assert (cut >= -atol).all() and (cut <= gen + atol).all()
    assert (dlv >= -atol).all() and (out["avoided_tco2"] >= -atol * 3).all()
    # Where the limit cannot bind, nothing is curtailed.
    free = np.isinf(limit)
    assert (cut[free] == 0).all()


@SETTINGS
@given(problems())
def test_annual_sums_agree_with_the_hourly_dispatch(problem):
    profiles, capacity, limit, ef, weights, shape = problem
    out = annual_energy(profiles, capacity, limit, ef, weights, shape)
    atol = RTOL * _scale(capacity, weights)
    for s in range(capacity.shape[0]):
        for y in range(capacity.shape[1]):
            generation, delivered = _dispatch(profiles, capacity[s, y], limit[s, y])
            # The hourly limit holds, and pro-rata curtailment keeps every fleet's share.
            total = delivered.sum(axis=0)
            assert (total <= limit[s, y] * (1 + RTOL) + RTOL).all()
            assert (delivered >= 0).all() and (delivered <= generation * (1 + RTOL)).all()
            np.testing.assert_allclose(out["generation_mwh"][s, y], generation @ weights[y],
                                       rtol=RTOL, atol=atol)
            np.testing.assert_allclose(out["delivered_mwh"][s, y], delivered @ weights[y],
                                       rtol=RTOL, atol=atol)


@SETTINGS
@given(problems(), st.data())
def test_more_capacity_never_gives_less(problem, data):
    profiles, capacity, limit, ef, weights, shape = problem
    fleet = data.draw(st.integers(0, capacity.shape[2] - 1))
    extra = data.draw(_floats(0.0, 500.0))
    bigger = capacity.copy()
    bigger[:, :, fleet] += extra
    small = annual_energy(profiles, capacity, limit, ef, weights, shape)
    large = annual_energy(profiles, bigger, limit, ef, weights, shape)
    atol = RTOL * _scale(bigger, weights)
    assert (large["generation_mwh"] >= small["generation_mwh"] - atol).all()
    # In total, delivered energy cannot fall either: each hour delivers min(total, limit).
    assert (large["delivered_mwh"].sum(axis=2) >= small["delivered_mwh"].sum(axis=2) - atol).all()
    unlimited = np.full_like(limit, np.inf)
    small = annual_energy(profiles, capacity, unlimited, ef, weights, shape)
    large = annual_energy(profiles, bigger, unlimited, ef, weights, shape)
    assert (large["delivered_mwh"] >= small["delivered_mwh"] - atol).all()


@SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_fleets(problem, rnd):
    profiles, capacity, limit, ef, weights, shape = problem
    order = list(range(profiles.shape[0]))
    rnd.shuffle(order)
    first = annual_energy(profiles, capacity, limit, ef, weights, shape)
    shuffled = annual_energy(profiles[order], capacity[:, :, order], limit, ef, weights, shape)
    atol = RTOL * _scale(capacity, weights)
    for key, value in first.items():
        np.testing.assert_allclose(shuffled[key], value[:, :, order], rtol=RTOL, atol=atol,
                                   err_msg=key)
    generation, delivered = _dispatch(profiles, capacity[0, 0], limit[0, 0])
    generation2, delivered2 = _dispatch(profiles[order], capacity[0, 0, order], limit[0, 0])
    np.testing.assert_allclose(delivered2, delivered[order], rtol=RTOL, atol=atol)
    np.testing.assert_array_equal(generation2, generation[order])
