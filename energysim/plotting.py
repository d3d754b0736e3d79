"""Figures from Result objects (matplotlib, Agg backend, PNG).

Owns every figure energysim draws; imports only ``units`` and ``results``, and matplotlib
inside functions so that importing energysim stays light. Axis labels carry units taken
from the result schema. Labels are in English/SI: matplotlib's default fonts lack CJK
glyphs, and the tables carry the Chinese units. The comparison figures (further down) take
several Result-like objects, or hourly tables already reduced to local time by ``report``.
"""

from __future__ import annotations

from energysim import units

TECH_COLORS = {"pv": "#f2a900", "wind": "#2b7bb9"}
FIGURE_FILES = ("installed_capacity.png", "annual_generation.png", "cumulative_avoided_co2.png")
YEAR_LABEL = "year"


def axis_label(quantity, unit):
    """An axis label with its unit in brackets, e.g. ``installed capacity [GW]``. [str]"""
    return f"{quantity} [{unit}]"


def _subplots(*args, figsize, layout=None, **kwargs):
    """A new figure and its axes, drawn by the Agg canvas.

    ``matplotlib.figure.Figure`` is used without pyplot: nothing global is registered (no
    figure to close, no GUI backend) and the pyplot import (about 0.6 s) is saved.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(*args, **kwargs)


def installed_capacity_figure(result):
    """Stacked installed capacity by technology and year. [GW axis]"""
    table = result.annual.pivot_table(index="year", columns="technology",
                                      values="installed_mw", aggfunc="sum").fillna(0.0)
    fig, ax = _subplots(figsize=(8, 4.2))
    bottom = None
    for tech in table.columns:
        gw = units.mw_to_gw(table[tech])
        ax.bar(table.index, gw, bottom=bottom, color=TECH_COLORS.get(tech), label=tech.upper())
        bottom = gw if bottom is None else bottom + gw
    ax.set_xlabel(YEAR_LABEL)
    ax.set_ylabel(axis_label("installed capacity", "GW"))
    ax.set_title(f"{result.name}: installed capacity")
    ax.legend()
    fig.tight_layout()
    return fig


def annual_generation_figure(result):
    """Delivered energy by technology and year, curtailment on top. [TWh axis]"""
    table = result.annual.pivot_table(index="year", columns="technology",
                                      values=["delivered_mwh", "curtailed_mwh"], aggfunc="sum")
    fig, ax = _subplots(figsize=(8, 4.2))
    bottom = None
    for tech in table["delivered_mwh"].columns:
        twh = units.mwh_to_twh(table["delivered_mwh"][tech])
        ax.bar(table.index, twh, bottom=bottom, color=TECH_COLORS.get(tech), label=f"{tech.upper()} delivered")
        bottom = twh if bottom is None else bottom + twh
    curtailed = units.mwh_to_twh(table["curtailed_mwh"].sum(axis=1))
    if curtailed.max() > 0:
        ax.bar(table.index, curtailed, bottom=bottom, color="#bbbbbb", label="curtailed")
    ax.set_xlabel(YEAR_LABEL)
    ax.set_ylabel(axis_label("annual energy", "TWh"))
    ax.set_title(f"{result.name}: annual generation")
    ax.legend()
    fig.tight_layout()
    return fig


def cumulative_avoided_figure(result, milestones=True):
    """Cumulative avoided CO2 with the 3060 milestones marked. [Mt axis]"""
    totals = result.totals
    fig, ax = _subplots(figsize=(8, 4.2))
    mt = units.t_to_mt(totals["cumulative_avoided_tco2"])
    ax.plot(totals["year"], mt, color="#2a9d55", lw=2)
    ax.fill_between(totals["year"], 0, mt, color="#2a9d55", alpha=0.15)
    if milestones:
        for stone in result.summary.get("milestones", []):
            if stone["label"]:
                ax.axvline(stone["year"], color="grey", lw=0.8, ls="--")
                ax.annotate(stone["label"], (stone["year"], ax.get_ylim()[1] * 0.95), rotation=90,
                            fontsize=7, ha="right", va="top", color="grey")
    ax.set_xlabel(YEAR_LABEL)
    ax.set_ylabel(axis_label("cumulative avoided CO2", "Mt"))
    ax.set_title(f"{result.name}: cumulative avoided CO2")
    fig.tight_layout()
    return fig


def save_figures(result, folder, **_options):
    """Draw the standard run figures into ``folder`` as PNG files. [list of Path]"""
    paths = []
    for name, draw in zip(FIGURE_FILES, (installed_capacity_figure, annual_generation_figure,
                                         cumulative_avoided_figure)):
        fig = draw(result)
        path = folder / name
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- comparisons
# Figures over several results. Each takes objects with the attributes of
# :class:`energysim.results.Result` (``name``, ``annual``, ``totals``, ``summary``) or,
# for the hourly figures, tables already reduced to local time by ``energysim.report``.

#: One colour per scenario, in the order the scenarios are given (colour-blind safe set).
SCENARIO_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
                   "#000000", "#f0e442")
#: Line style per technology in the comparison figures.
TECH_LINESTYLES = {"pv": "-", "wind": "--"}
TECH_NAMES = {"pv": "PV", "wind": "wind"}
#: Meteorological seasons (local months) and their plot titles.
SEASONS = {"DJF": (12, 1, 2), "MAM": (3, 4, 5), "JJA": (6, 7, 8), "SON": (9, 10, 11)}
SEASON_TITLES = {"DJF": "winter (Dec-Feb)", "MAM": "spring (Mar-May)",
                 "JJA": "summer (Jun-Aug)", "SON": "autumn (Sep-Nov)"}
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")
LOCAL_HOUR_LABEL = "hour of day, local time"
COMPARISON_DPI = 110


def plot_label(name, index):
    """A scenario's label in figures: its name if ASCII, else ``S<n>``. [str]

    matplotlib's default fonts have no CJK glyphs; scenario names may be in Chinese.

    Examples
    --------
    >>> plot_label("fast-pv", 0), plot_label("韶关", 1)
    ('fast-pv', 'S2')
    """
    return name if str(name).isascii() else f"S{index + 1}"


def scenario_color(index):
    """Colour of the ``index``-th scenario in every comparison figure. [str]"""
    return SCENARIO_COLORS[index % len(SCENARIO_COLORS)]


def power_scale(max_mw):
    """Converter and unit for a power axis: GW from 1 GW up, else MW. [(callable, str)]

    Examples
    --------
    >>> convert, unit = power_scale(8389.5)
    >>> unit, round(convert(8389.5), 4)
    ('GW', 8.3895)
    """
    if max_mw >= units.MW_PER_GW:
        return units.mw_to_gw, "GW"
    return (lambda value: value), "MW"


def _labels(results, labels):
    if labels is None:
        labels = [r.name for r in results]
    return [plot_label(label, i) for i, label in enumerate(labels)]


def _legend_below(fig, handles, labels, ncol):
    longest = max([len(label) for label in labels] + [1])
    most = max(1, min(4, 96 // (longest + 6)))  # about 96 characters fit across 9 inches
    ncol = max(1, min(ncol, most))
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, fontsize=9)
    rows = -(-len(labels) // ncol)
    return (0.1 + 0.25 * rows) / fig.get_figheight()  # figure fraction the legend takes


def capacity_comparison_figure(results, labels=None, **_options):
    """Installed capacity by year, one panel per technology, one line per scenario. [GW axis]

    Parameters
    ----------
    results : sequence of Result-like
        Objects with ``name`` and ``annual`` (one row per year and fleet; ``installed_mw``
        in MW).
    labels : sequence of str, optional
        Legend labels; default the names (non-ASCII names become ``S<n>``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _labels(results, labels)
    tables = [r.annual.pivot_table(index="year", columns="technology", values="installed_mw",
                                   aggfunc="sum") for r in results]
    techs = [t for t in TECH_LINESTYLES if any(t in table for table in tables)]
    fig, axes = _subplots(1, max(1, len(techs)), figsize=(9, 4.2), sharey=True,
                             squeeze=False)
    for ax, tech in zip(axes[0], techs):
        for i, table in enumerate(tables):
            if tech in table:
                ax.plot(table.index, units.mw_to_gw(table[tech]), color=scenario_color(i),
                        ls=TECH_LINESTYLES[tech], lw=2, label=names[i])
        ax.set_title(f"installed {TECH_NAMES[tech]}")
        ax.set_xlabel(YEAR_LABEL)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[0][0].set_ylabel(axis_label("installed capacity", "GW"))
    handles, legend = axes[0][0].get_legend_handles_labels()
    bottom = _legend_below(fig, handles, legend, len(results))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def generation_comparison_figure(results, labels=None, **_options):
    """Delivered (solid) and curtailed (dotted) energy by year, one colour per scenario. [TWh axis]

    Parameters
    ----------
    results : sequence of Result-like
        Objects with ``name`` and ``totals`` (one row per year; ``delivered_mwh`` and
        ``curtailed_mwh`` in MWh).
    labels : sequence of str, optional
        Legend labels; default the names.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _labels(results, labels)
    fig, ax = _subplots(figsize=(9, 4.2))
    for i, result in enumerate(results):
        totals = result.totals
        ax.plot(totals["year"], units.mwh_to_twh(totals["delivered_mwh"]), color=scenario_color(i),
                lw=2, label=f"{names[i]} delivered")
        if totals["curtailed_mwh"].max() > 0:
            ax.plot(totals["year"], units.mwh_to_twh(totals["curtailed_mwh"]),
                    color=scenario_color(i), lw=1.2, ls=":", label=f"{names[i]} curtailed")
    ax.set_xlabel(YEAR_LABEL)
    ax.set_ylabel(axis_label("annual energy", "TWh"))
    ax.set_title("delivered and curtailed energy")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    handles, legend = ax.get_legend_handles_labels()
    bottom = _legend_below(fig, handles, legend, len(handles))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def cumulative_avoided_comparison_figure(results, labels=None, peak_year=2030,
                                         neutrality_year=2060, **_options):
    """Cumulative avoided CO2 by year against the 3060 milestones. [Mt axis]

    The carbon-peak and neutrality years are marked with vertical lines, and each
    scenario's cumulative figure in those years is written next to its marker.

    Parameters
    ----------
    results : sequence of Result-like
        Objects with ``name`` and ``totals`` (``cumulative_avoided_tco2`` in tCO2).
    labels : sequence of str, optional
        Legend labels; default the names.
    peak_year, neutrality_year : int
        The 3060 milestone years. [a]

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _labels(results, labels)
    fig, ax = _subplots(figsize=(9, 4.6))
    marked = {peak_year: [], neutrality_year: []}
    for i, result in enumerate(results):
        totals = result.totals.set_index("year")
        mt = units.t_to_mt(totals["cumulative_avoided_tco2"])
        ax.plot(mt.index, mt.to_numpy(), color=scenario_color(i), lw=2, label=names[i])
        for year in marked:
            if year in mt.index:
                marked[year].append((float(mt.loc[year]), i))
                ax.plot([year], [float(mt.loc[year])], "o", color=scenario_color(i), ms=5)
    first = min(int(r.totals["year"].min()) for r in results)
    last = max(int(r.totals["year"].max()) for r in results)
    ax.set_xlim(min(first, peak_year) - 1, max(last, neutrality_year) + 3)
    ax.set_ylim(bottom=0)
    ax.set_ylim(top=ax.get_ylim()[1] * 1.05)
    gap = 0.055 * ax.get_ylim()[1]  # about one line of 8-pt text on this figure
    for year, values in marked.items():
        below = -float("inf")
        for value, i in sorted(values):
            below = max(value, below + gap)  # stack labels that would overlap
            ax.annotate(f"{value:,.0f} Mt" if value >= 100 else f"{value:.1f} Mt",
                        (year, value), xytext=(7, below), textcoords=("offset points", "data"),
                        ha="left", va="center", fontsize=8, color=scenario_color(i),
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.85})
    for year, text in ((peak_year, f"carbon peak {peak_year}"),
                       (neutrality_year, f"neutrality {neutrality_year}")):
        ax.axvline(year, color="#555555", lw=1, ls="--")
        # Above the plot area, so the labels never cover data or the legend.
        ax.text(year, 1.01, text, transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=8, color="#333333")
    ax.set_xlabel(YEAR_LABEL)
    ax.set_ylabel(axis_label("cumulative avoided CO2", "Mt CO2"))
    ax.set_title("cumulative avoided CO2 and the 3060 goals", pad=16)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def typical_day_figure(profiles, titles=None, **_options):
    """Mean delivered power by local hour of day, one panel per season.

    Parameters
    ----------
    profiles : sequence of pandas.DataFrame
        One per scenario, from ``energysim.comparison.typical_day_profiles``: index
        ``(season, hour)`` with seasons ``DJF``..``SON`` and local hours 0..23, one column
        per technology holding the mean delivered power. [MW]
    titles : sequence of str, optional
        Legend labels, one per profile (non-ASCII ones become ``S<n>``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    titles = [plot_label(t, i) for i, t in enumerate(titles or
                                                       [f"S{i + 1}" for i in range(len(profiles))])]
    peak = max([float(p.to_numpy().max()) for p in profiles if p.size] + [0.0])
    convert, unit = power_scale(peak)
    fig, axes = _subplots(2, 2, figsize=(9, 6.4), sharex=True, sharey=True)
    for ax, season in zip(axes.ravel(), SEASONS):
        for i, profile in enumerate(profiles):
            if season not in profile.index.get_level_values(0):
                continue
            day = profile.loc[season]
            for tech in day.columns:
                ax.plot(day.index, convert(day[tech]), color=scenario_color(i),
                        ls=TECH_LINESTYLES.get(tech, "-."), lw=1.8,
                        label=f"{titles[i]} {TECH_NAMES.get(tech, tech)}")
        ax.set_title(SEASON_TITLES[season], fontsize=10)
        ax.set_xlim(0, 23)
        ax.set_xticks(range(0, 24, 3))
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel(LOCAL_HOUR_LABEL)
    for ax in axes[:, 0]:
        ax.set_ylabel(axis_label("mean delivered power", unit))
    axes[0][0].set_ylim(bottom=0)
    handles, legend = axes[0][0].get_legend_handles_labels()
    fig.suptitle("typical day by season (mean delivered power)", fontsize=11)
    bottom = _legend_below(fig, handles, legend, len(handles))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def monthly_heatmap_figure(tables, titles=None, **_options):
    """Mean delivered power (all fleets) by month and local hour of day, a panel per scenario.

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        One per scenario, from ``energysim.comparison.monthly_hour_table``: 12 rows (months
        1..12) by 24 columns (local hours 0..23) of mean delivered power. [MW]
    titles : sequence of str, optional
        Panel titles, one per table (non-ASCII ones become ``S<n>``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    titles = [plot_label(t, i) for i, t in enumerate(titles or
                                                       [f"S{i + 1}" for i in range(len(tables))])]
    peak = max([float(t.to_numpy().max()) for t in tables if t.size] + [0.0])
    convert, unit = power_scale(peak)
    ncols = min(len(tables), 2)
    nrows = -(-len(tables) // ncols)
    fig, axes = _subplots(nrows, ncols, figsize=(4.6 * ncols + 1.2, 3.6 * nrows + 0.6),
                             squeeze=False, layout="constrained")
    image = None
    for i, table in enumerate(tables):
        ax = axes.ravel()[i]
        image = ax.imshow(convert(table.to_numpy(dtype=float)), aspect="auto", origin="upper",
                          cmap="viridis", vmin=0.0, vmax=convert(peak) or 1.0,
                          extent=(-0.5, 23.5, 12.5, 0.5))
        ax.set_title(titles[i], fontsize=10)
        ax.set_yticks(range(1, 13))
        ax.set_yticklabels(MONTH_ABBR, fontsize=8)
        ax.set_xticks(range(0, 24, 3))
        ax.set_xlabel(LOCAL_HOUR_LABEL)
        ax.set_ylabel("month")
    for ax in axes.ravel()[len(tables):]:
        ax.set_visible(False)
    if image is not None:
        bar = fig.colorbar(image, ax=list(axes.ravel()[:len(tables)]), shrink=0.9)
        bar.set_label(axis_label("mean delivered power", unit))
    fig.suptitle("monthly profile of delivered power (all fleets)", fontsize=11)
    return fig


def png_bytes(fig, dpi=COMPARISON_DPI):
    """The PNG image of ``fig`` (no software tag, so byte-stable). [bytes]"""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png", metadata={"Software": None})
    return buffer.getvalue()


def tornado_figure(tornado, title=None, **_options):
    """Tornado chart of a sweep: how far each parameter moves one KPI.

    Parameters
    ----------
    tornado : dict
        ``summary["tornado"]`` from :func:`energysim.sweep.summarize`: ``kpi`` (column
        name), ``unit`` (its unit), ``baseline`` (mean over all points) and ``effects``, a
        list of ``{parameter, low_label, high_label, low, high}`` where ``low``/``high`` are
        the KPI's mean over the points at the parameter's lowest/highest level. [unit]
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per parameter, from the baseline to the low and high means,
        largest effect on top; the x axis in Mt (tCO2), TWh (MWh) or the KPI's unit.
    """
    scales = {"tCO2": ("Mt CO2", 1.0 / units.T_PER_MT), "MWh": ("TWh", 1.0 / units.MWH_PER_TWH)}
    shown_unit, scale = scales.get(tornado["unit"], (tornado["unit"], 1.0))
    effects = list(tornado["effects"])[::-1]  # largest on top
    baseline = tornado["baseline"] * scale
    fig, ax = _subplots(figsize=(8, 1.2 + 0.5 * max(len(effects), 1)))
    for row, effect in enumerate(effects):
        low, high = effect["low"] * scale, effect["high"] * scale
        ax.barh(row, low - baseline, left=baseline, color="#c0504d", height=0.6,
                label="lowest value (or first label)" if row == 0 else None)
        ax.barh(row, high - baseline, left=baseline, color="#2a9d55", height=0.6,
                label="highest value (or last label)" if row == 0 else None)
        for value, text in ((low, effect["low_label"]), (high, effect["high_label"])):
            ax.annotate(str(text), (value, row), xytext=(3 if value >= baseline else -3, 0),
                        textcoords="offset points", va="center", fontsize=7,
                        ha="left" if value >= baseline else "right")
    ax.axvline(baseline, color="black", lw=0.8)
    ax.set_yticks(range(len(effects)))
    ax.set_yticklabels([e["parameter"] for e in effects], fontsize=8)
    import re

    name, year = re.fullmatch(r"(.*?)(?:_(\d{4}))?", tornado["kpi"]).groups()
    quantity = name.replace("_tco2", " CO2").replace("_mwh", "").replace("_", " ")
    if year:
        quantity += f" {'through' if name.startswith('cumulative') else 'in'} {year}"
    ax.set_xlabel(axis_label(quantity, shown_unit))
    ax.set_ylabel("swept parameter")
    ax.margins(x=0.15)
    if effects:
        ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title or "sweep: effect of each parameter (mean at its lowest / highest level)",
                 fontsize=10)
    fig.tight_layout()
    return fig
