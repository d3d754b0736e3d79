"""Fleet arithmetic: build-out paths, vintage cohorts, degradation, retirement, availability.

Owns how much capacity is in operation each year and how much it produces per MW of
nameplate; imports only ``errors`` and ``units``. Works on plain numbers and numpy arrays:
no scenario objects, no pandas, no physics.

Conventions (the ones users of other tools trip over)
-----------------------------------------------------
* A *vintage* is the capacity added in one year. It is in operation for the whole of its
  commissioning year and for ``lifetime_years`` years in all: a 20-year vintage added in
  2021 produces in 2021..2040 and nothing from 2041.
* Age ``a = year - commissioning_year`` (0 in the commissioning year). Output per MW of
  nameplate is ``(1 - d1) * (1 - r) ** a``: the first-year loss ``d1`` applies from the
  commissioning year on, and the annual rate ``r`` compounds once for each further year.
  So year 11 of a vintage (``a = 10``) gives year 1 x ``(1 - r) ** 10``.
* Repowering rebuilds a retired vintage in its retirement year with the same nameplate and
  new-plant performance (age 0 again).
* Capacity in operation in the first simulated year counts as commissioned that year.
"""

import re

import numpy as np

from energysim import units

FYP_FIRST = {14: 2021}  # 14th Five-Year Plan = 2021-2025; later plans follow every 5 years
_FYP_PATTERN = re.compile(r"^\s*(\d{1,2})(st|nd|rd|th)?(\s*fyp)?\s*$", re.IGNORECASE)


def fyp_years(plan):
    """First and last year of a Five-Year Plan period.

    Parameters
    ----------
    plan : int or str
        Plan number: ``15``, ``"15th"`` or ``"15th FYP"``.

    Returns
    -------
    tuple of int
        ``(first_year, last_year)``.

    Raises
    ------
    ValueError
        If ``plan`` is not a plan number from the 10th on.

    Examples
    --------
    >>> fyp_years("14th"), fyp_years(15), fyp_years("16th FYP")
    ((2021, 2025), (2026, 2030), (2031, 2035))
    """
    match = _FYP_PATTERN.match(str(plan))
    number = int(match.group(1)) if match else None
    if number is None or number < 10:
        raise ValueError(f"five-year plan {plan!r}: give e.g. '14th' (2021-2025) or '15th' (2026-2030)")
    first = FYP_FIRST[14] + 5 * (number - 14)
    return first, first + 4


def fyp_end_year(plan):
    """Last year of a Five-Year Plan period, e.g. ``'15th'`` -> 2030."""
    return fyp_years(plan)[1]


def fyp_label(year):
    """Name of the plan period a year belongs to, e.g. 2025 -> ``'14th FYP'``.

    Examples
    --------
    >>> fyp_label(2025), fyp_label(2026)
    ('14th FYP', '15th FYP')
    """
    number = 14 + (year - FYP_FIRST[14]) // 5
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix} FYP"


def interpolate_points(points, years):
    """Linear interpolation between ``{year: value}`` points, held outside them.

    Parameters
    ----------
    points : dict of int to float
        Known values by year.
    years : sequence of int
        Years to evaluate.

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> interpolate_points({2021: 0.1, 2025: 0.5}, [2020, 2023, 2030]).tolist()
    [0.1, 0.30000000000000004, 0.5]
    """
    xs = np.array(sorted(points), dtype=float)
    ys = np.array([points[k] for k in sorted(points)], dtype=float)
    return np.interp(np.asarray(years, dtype=float), xs, ys)


def interpolate_points_rows(point_years, values, years):
    """:func:`interpolate_points` for many value rows on the same point years, at once.

    Row ``i`` of the result equals ``interpolate_points(dict(zip(point_years,
    values[i])), years)`` to the last bit: the arithmetic is ``numpy.interp``'s (the
    interval's slope ``(y1 - y0) / (x1 - x0)`` times ``x - x0``, plus ``y0``; a point's
    own year gives its value; held before the first and after the last point), done on
    whole columns instead of one row at a time.

    Parameters
    ----------
    point_years : sequence of int
        The years of the points, ascending and distinct.
    values : array_like, shape (n_rows, n_points)
        The values at those years, one row per path. [any unit]
    years : sequence of int
        Years to evaluate.

    Returns
    -------
    ndarray of float64, shape (n_rows, n_years)
        [same unit as ``values``]

    Examples
    --------
    >>> interpolate_points_rows([2021, 2025], [[0.1, 0.5], [0.2, 0.2]], [2020, 2023, 2030])
    array([[0.1, 0.3, 0.5],
           [0.2, 0.2, 0.2]])
    """
    xs = np.asarray(point_years, dtype=float)
    ys = np.asarray(values, dtype=float)
    x = np.asarray(years, dtype=float)
    j = np.searchsorted(xs, x, side="right") - 1  # xs[j] <= x < xs[j + 1]
    out = np.empty((ys.shape[0], x.size))
    held = (j < 0) | (j >= xs.size - 1)
    out[:, held] = ys[:, np.clip(j[held], 0, xs.size - 1)]
    inside = np.flatnonzero(~held)
    for k in inside:  # one column per year: n_years operations on arrays of n_rows
        lo = j[k]
        if xs[lo] == x[k]:
            out[:, k] = ys[:, lo]
        else:
            slope = (ys[:, lo + 1] - ys[:, lo]) / (xs[lo + 1] - xs[lo])
            out[:, k] = slope * (x[k] - xs[lo]) + ys[:, lo]
    return out


def share_linear(years, start_year, start_share, target_year):
    """Share in operation rising linearly from ``start_share`` to 1 at ``target_year``. [1]"""
    years = np.asarray(years, dtype=float)
    if target_year <= start_year:
        return np.where(years >= target_year, 1.0, 0.0)
    share = start_share + (1.0 - start_share) * (years - start_year) / (target_year - start_year)
    share = np.where(years >= target_year, 1.0, np.clip(share, 0.0, 1.0))  # exactly 1 at the target
    return np.where(years < start_year, 0.0, share)


def share_logistic(years, midpoint_year, steepness_per_year):
    """Share in operation following a logistic S-curve. [1]

    ``share = 1 / (1 + exp(-k (year - midpoint)))`` with ``k`` the steepness. [1/yr]
    """
    years = np.asarray(years, dtype=float)
    return 1.0 / (1.0 + np.exp(-steepness_per_year * (years - midpoint_year)))


def additions_from_target(target_mw, where="capacity"):
    """Capacity added each year so that the fleet reaches ``target_mw`` in operation.

    Parameters
    ----------
    target_mw : ndarray, shape (n_years,)
        Capacity wanted in operation each year (before retirements). [MW]
    where : str
        Names the input in error messages.

    Returns
    -------
    ndarray, shape (n_years,)
        Additions; the first year's addition is the first year's capacity. [MW]

    Raises
    ------
    ValueError
        If the target decreases: retirement is modelled by the vintages' lifetime.
    """
    target_mw = np.asarray(target_mw, dtype=float)
    additions = np.diff(target_mw, prepend=0.0)
    # Round-off in interpolated shares may dip by a few ulps; a real decrease is an error.
    tolerance = 1e-9 * max(1.0, float(np.max(np.abs(target_mw), initial=0.0)))
    bad = np.flatnonzero(additions < -tolerance)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{where} falls from {target_mw[i - 1]:g} to {target_mw[i]:g} MW in year index {i}: "
                         "capacity in operation may only grow; retirement follows lifetime_years")
    return np.maximum(additions, 0.0)


def vintage_capacity(additions_mw, lifetime_years, repower, first_year_loss_pct,
                     annual_rate_pct, availability_pct):
    """Installed and effective capacity of a fleet of yearly vintages.

    Parameters
    ----------
    additions_mw : ndarray, shape (n_years,)
        Nameplate commissioned in each simulated year. [MW]
    lifetime_years : int
        Years each vintage operates, commissioning year included. [yr]
    repower : bool
        Rebuild each vintage at end of life with new-plant performance.
    first_year_loss_pct : float
        Output lost from the commissioning year on. [%]
    annual_rate_pct : float
        Further loss compounding each year after the commissioning year. [%/yr]
    availability_pct : float
        Share of hours the fleet can produce. [%]

    Returns
    -------
    installed_mw : ndarray, shape (n_years,)
        Nameplate in operation. [MW]
    effective_mw : ndarray, shape (n_years,)
        Nameplate x degradation x availability: multiply by the per-unit profile. [MW]

    Examples
    --------
    One 100 MW vintage, 1 % first-year loss, 0.4 %/yr, 20-year life, no repowering:

    >>> inst, eff = vintage_capacity([100.0] + [0.0] * 21, 20, False, 1.0, 0.4, 100.0)
    >>> bool(round(eff[10] / eff[0], 6) == round(0.996 ** 10, 6)), float(inst[19]), float(inst[20])
    (True, 100.0, 0.0)
    """
    additions_mw = np.asarray(additions_mw, dtype=float)
    n_years = additions_mw.size
    if np.any(additions_mw < 0) or not np.all(np.isfinite(additions_mw)):
        raise ValueError("additions must be finite and >= 0 MW")
    new_output = 1.0 - units.pct_to_fraction(first_year_loss_pct)
    keep_per_year = 1.0 - units.pct_to_fraction(annual_rate_pct)
    availability = units.pct_to_fraction(availability_pct)

    commissioned = additions_mw.copy()
    installed = np.zeros(n_years)
    effective = np.zeros(n_years)
    ages = np.arange(n_years)
    for start in range(n_years):  # one pass per vintage year: n_years is at most ~100
        mw = commissioned[start]
        if mw == 0.0:
            continue
        end = min(start + lifetime_years, n_years)
        installed[start:end] += mw
        effective[start:end] += mw * new_output * keep_per_year ** ages[: end - start]
        if repower and start + lifetime_years < n_years:
            commissioned[start + lifetime_years] += mw
    return installed, effective * availability


# --------------------------------------------------------------------------- storage pairing

#: Storage that new wind and PV must bring along, by connection year: (first year, share of
#: the added capacity as storage power [1], hours at that power [h]); the last row whose
#: first year is reached applies. Guangdong: >= 10 % x 1 h for centralized PV and onshore
#: wind connected after 2023-07-01 (粤发改能源函〔2023〕684号; the 2023 row counts half the
#: year's additions, an assumption of even connection over the year), >= 10 % x 2 h for
#: wind and PV over 30 MW first connected from 2025 (Guangdong DRC notice of 2024-07-25;
#: a fleet here is an aggregate of projects assumed each over 30 MW). REFERENCE §9.
#: Nationally, 发改价格〔2025〕136号 ended storage as a connection condition in Feb 2025;
#: whether Guangdong withdrew its rule was not found, so the preset keeps it.
PAIRING_RULES = {"guangdong": ((2023, 0.05, 1.0), (2024, 0.10, 1.0), (2025, 0.10, 2.0))}


def paired_storage_additions(additions_mw, years, rule="guangdong"):
    """Storage power and energy that a pairing rule attaches to yearly additions.

    Parameters
    ----------
    additions_mw : array_like, shape (n_years,)
        Wind and PV nameplate connected in each year. [MW]
    years : array_like of int, shape (n_years,)
    rule : str
        A key of :data:`PAIRING_RULES`.

    Returns
    -------
    power_mw, energy_mwh : ndarray, shape (n_years,)
        Storage commissioned in each year. [MW], [MWh]

    Examples
    --------
    >>> p, e = paired_storage_additions([100.0, 100.0, 100.0, 100.0], [2022, 2023, 2024, 2025])
    >>> p.tolist(), e.tolist()
    ([0.0, 5.0, 10.0, 10.0], [0.0, 5.0, 10.0, 20.0])
    """
    additions_mw = np.asarray(additions_mw, dtype=float)
    years = np.asarray(years)
    share = np.zeros(years.size)
    hours = np.zeros(years.size)
    for first, rule_share, rule_hours in PAIRING_RULES[rule]:
        reached = years >= first
        share[reached] = rule_share
        hours[reached] = rule_hours
    power = additions_mw * share
    return power, power * hours


# --------------------------------------------------------------------------- hydro, biomass

def hydro_profile_pu(month, local_hour, monthly_capacity_factor, daily_shape=None):
    """Per-unit output of run-of-river hydro from monthly capacity factors.

    Flat within each month unless a daily shape is given; the shape is normalised to a
    mean of 1 over the day, so each month keeps its capacity factor.

    Parameters
    ----------
    month : array_like of int, shape (n_hours,)
        Local calendar month of each hour, 1-12.
    local_hour : array_like of int, shape (n_hours,)
        Local hour of day, 0-23.
    monthly_capacity_factor : sequence of 12 float
        Mean output per unit of capacity, January to December. [1]
    daily_shape : sequence of 24 float, optional
        Relative output by local hour. [1]

    Returns
    -------
    ndarray of float64, shape (n_hours,)
        [MW/MW]

    Examples
    --------
    >>> hydro_profile_pu([1, 1, 7], [0, 12, 0], [0.2] * 6 + [0.6] * 6).tolist()
    [0.2, 0.2, 0.6]
    """
    cf = np.asarray(monthly_capacity_factor, dtype=float)[np.asarray(month) - 1]
    if daily_shape is None:
        return np.ascontiguousarray(cf)
    shape = np.asarray(daily_shape, dtype=float)
    return np.ascontiguousarray(cf * (shape / shape.mean())[np.asarray(local_hour)])
