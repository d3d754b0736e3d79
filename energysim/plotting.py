"""Figures from Result objects (matplotlib, Agg backend, PNG).

Owns every figure energysim draws, the font that draws their Chinese text and the labels
of the two unit systems; imports only ``units``, and matplotlib inside functions so that
importing energysim stays light. Every figure function takes ``units="cn"`` (the default:
the value axis in 万千瓦 / 亿千瓦时 / 万吨CO2 with a second axis in GW / TWh / Mt, and titles
and labels in Chinese and English) or ``units="si"`` (SI and English only: no Chinese
character but in names the user gave). Year axes carry integer years only. Chinese text is
drawn with a system CJK font where matplotlib finds one, else with Noto Sans SC shipped by
the ``pylopdf-fonts-zh-cn`` dependency (SIL Open Font License 1.1), registered with
matplotlib's font manager the first time a figure is drawn; nothing is downloaded. The
comparison figures (further down) take several Result-like objects, or hourly tables
already reduced to local time by ``report``.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from energysim import units as conv  # "units" is the figure functions' keyword

#: The unit systems of every figure function's ``units`` keyword.
UNIT_SYSTEMS = ("cn", "si")
TECH_COLORS = {"pv": "#f2a900", "wind": "#2b7bb9", "hydro": "#009e73", "biomass": "#8c6d31",
               "storage": "#cc79a7", "electrolyser": "#56b4e9"}
#: Technologies whose capacity is not generating capacity (drawn apart or not at all).
NON_GENERATING = ("storage", "electrolyser")
FIGURE_FILES = ("installed_capacity.png", "annual_generation.png", "cumulative_avoided_co2.png")
YEAR_LABEL = "year"
YEAR_LABELS = {"cn": "年份 year", "si": "year"}
#: Technology names in legends, by unit system.
TECH_LABELS = {"cn": {"pv": "光伏 PV", "wind": "风电 wind", "hydro": "水电 hydro",
                      "biomass": "生物质 biomass", "storage": "储能 storage",
                      "electrolyser": "电解槽 electrolyser"},
               "si": {"pv": "PV", "wind": "wind", "hydro": "hydro", "biomass": "biomass",
                      "storage": "storage", "electrolyser": "electrolyser"}}
#: Years spanned up to which every year gets a tick (and lines get markers). [a]
FEW_YEARS = 12

# --------------------------------------------------------------------------- fonts

#: System CJK families used in preference to the packaged font, best first.
SYSTEM_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                       "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                       "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK JP")
#: Latin text (numbers, SI units) keeps matplotlib's default face; CJK glyphs fall back.
LATIN_FAMILY = "DejaVu Sans"
_CJK_FONTS = {}


def cjk_font(prefer_system=True):
    """The font Chinese text is drawn with: ``(family, file)``. [(str, str)]

    The first of :data:`SYSTEM_CJK_FAMILIES` that matplotlib's font manager knows with a
    regular-weight face (WenQuanYi Zen Hei, medium only, does not qualify), or else
    (and always with ``prefer_system=False``) Noto Sans SC from the ``pylopdf-fonts-zh-cn``
    package, which is then registered with the font manager. Looked up once per process.
    """
    key = bool(prefer_system)
    if key not in _CJK_FONTS:
        from matplotlib import font_manager

        found = None
        if prefer_system:
            # Only a family with a regular (400) face: for any other matplotlib logs a
            # "Failed to find font weight" warning with every figure.
            files = {font.name: font.fname for font in font_manager.fontManager.ttflist
                     if font.weight in (400, "normal", "regular", "book")}
            found = next(((family, files[family]) for family in SYSTEM_CJK_FAMILIES
                          if family in files), None)
        if found is None:
            import pylopdf_fonts_zh_cn

            path = str(pylopdf_fonts_zh_cn.sans_path())
            font_manager.fontManager.addfont(path)
            found = (font_manager.FontProperties(fname=path).get_name(), path)
        _CJK_FONTS[key] = found
    return _CJK_FONTS[key]


def font_rc(prefer_system=True):
    """matplotlib rc settings that draw Latin text in DejaVu Sans and CJK in :func:`cjk_font`.

    matplotlib (3.6 and later) falls back glyph by glyph along ``font.family``. [dict]
    """
    return {"font.family": [LATIN_FAMILY, cjk_font(prefer_system)[0]]}


def _readable(draw):
    # Text objects take their font when they are made: make the figure under font_rc.
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib

        if kwargs.get("units", "cn") not in UNIT_SYSTEMS:
            raise ValueError(f"units={kwargs['units']!r}: give one of {', '.join(UNIT_SYSTEMS)}")
        with matplotlib.rc_context(font_rc()):
            return draw(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- labels and axes

@dataclass(frozen=True)
class Quantity:
    """A plotted quantity: its names and its Chinese and SI units.

    ``to_cn``/``to_si`` convert from the stored unit (MW, MWh, tCO2) to the Chinese / SI
    plot unit; ``from_cn``/``from_si`` convert back.
    """

    cn: str
    en: str
    cn_unit: str
    si_unit: str
    to_cn: object
    from_cn: object
    to_si: object
    from_si: object

    def values(self, stored, system):
        """``stored`` in the plot unit of ``system``. [cn or SI unit]"""
        return self.to_cn(stored) if system == "cn" else self.to_si(stored)

    def label(self, system):
        """The axis label, e.g. ``装机容量 installed capacity [万千瓦]``. [str]"""
        if system == "cn":
            return f"{self.cn} {self.en} [{self.cn_unit}]"
        return axis_label(self.en, self.si_unit)


def _identity(value):
    return value


CAPACITY = Quantity("装机容量", "installed capacity", "万千瓦", "GW",
                    conv.mw_to_wan_kw, conv.wan_kw_to_mw, conv.mw_to_gw, conv.gw_to_mw)
ANNUAL_ENERGY = Quantity("年电量", "annual energy", "亿千瓦时", "TWh", conv.mwh_to_yi_kwh,
                         conv.yi_kwh_to_mwh, conv.mwh_to_twh, conv.twh_to_mwh)
CUMULATIVE_CO2 = Quantity("累计减排CO2", "cumulative avoided CO2", "万吨CO2", "Mt CO2",
                          conv.t_to_wan_t, conv.wan_t_to_t, conv.t_to_mt, conv.mt_to_t)
ANNUAL_CO2 = Quantity("年减排CO2", "annual avoided CO2", "万吨CO2", "Mt CO2",
                      conv.t_to_wan_t, conv.wan_t_to_t, conv.t_to_mt, conv.mt_to_t)


def mean_power(max_mw):
    """Mean delivered power, in GW (SI) from 1 GW up, else MW. [Quantity]"""
    if max_mw >= conv.MW_PER_GW:
        si = ("GW", conv.mw_to_gw, conv.gw_to_mw)
    else:
        si = ("MW", _identity, _identity)
    return Quantity("平均上网出力", "mean delivered power", "万千瓦", si[0], conv.mw_to_wan_kw,
                    conv.wan_kw_to_mw, si[1], si[2])


def axis_label(quantity, unit):
    """An axis label with its unit in brackets, e.g. ``installed capacity [GW]``. [str]"""
    return f"{quantity} [{unit}]"


def bilingual(cn, en, system):
    """``cn en`` with ``units="cn"``, ``en`` alone with ``"si"``. [str]"""
    return f"{cn} {en}" if system == "cn" else en


def value_axis(ax, quantity, system, which="y", side=None):
    """Label the value axis of ``ax``; with ``cn`` add a second axis in the SI unit.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Data already drawn in ``quantity``'s plot unit of ``system``.
    quantity : Quantity
    system : {"cn", "si"}
    which : {"y", "x"}
    side : str, optional
        Where the SI axis goes (default right for y, top for x).

    Returns
    -------
    matplotlib axis or None
        The secondary (SI) axis, with ``cn``.
    """
    (ax.set_ylabel if which == "y" else ax.set_xlabel)(quantity.label(system))
    if system != "cn":
        return None
    functions = (lambda v: quantity.to_si(quantity.from_cn(v)),
                 lambda v: quantity.to_cn(quantity.from_si(v)))
    if which == "y":
        second = ax.secondary_yaxis(side or "right", functions=functions)
        second.set_ylabel(f"[{quantity.si_unit}]")
    else:
        second = ax.secondary_xaxis(side or "top", functions=functions)
        second.set_xlabel(f"[{quantity.si_unit}]")
    return second


def year_axis(ax, years, system="si", pad=None):
    """Integer year ticks over ``years``, with room for one- and two-year spans.

    A span of up to :data:`FEW_YEARS` years gets a tick every year, a longer one integer
    ticks chosen by ``MaxNLocator``; a single year gets limits one year either side.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    years : iterable of int
        Every year drawn (or to be shown). [a]
    system : {"cn", "si"}
    pad : float, optional
        Margin beyond the first and last year (default 0.6, or 1 for a single year). [a]
    """
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    years = sorted({int(y) for y in years})
    first, last = years[0], years[-1]
    if pad is None:
        pad = 1.0 if first == last else 0.6
    ax.set_xlim(first - pad, last + pad)
    if last - first < FEW_YEARS:
        ax.set_xticks(range(first, last + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    ax.set_xlabel(YEAR_LABELS[system])


def _markers(n_points):
    # A line of few points shows its points (one point is no line at all).
    return {"marker": "o", "ms": 5} if n_points <= FEW_YEARS // 2 else {}


_NUMERALS = "零一二三四五六七八九"


def cn_numeral(n):
    """A number from 1 to 99 in Chinese numerals, e.g. ``十四`` for 14. [str]

    Examples
    --------
    >>> cn_numeral(14), cn_numeral(20), cn_numeral(9)
    ('十四', '二十', '九')
    """
    tens, ones = divmod(int(n), 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[ones] if ones else "")


def milestone_text(label, system):
    """A milestone label of ``summary.json`` for a figure (with Chinese under ``cn``). [str]

    Examples
    --------
    >>> milestone_text("carbon peak, end of 15th FYP", "cn")
    '碳达峰 carbon peak\\n“十五五”末 end of 15th FYP'
    """
    parts = [part.strip() for part in str(label).split(",") if part.strip()]
    if system != "cn":
        return "\n".join(parts)
    out = []
    for part in parts:
        fyp = re.fullmatch(r"end of (\d+)\w* FYP", part)
        if part == "carbon peak":
            part = "碳达峰 carbon peak"
        elif part == "neutrality":
            part = "碳中和 neutrality"
        elif fyp:
            part = f"“{cn_numeral(fyp.group(1))}五”末 {part}"
        out.append(part)
    return "\n".join(out)


def labels_above(ax, marks, fontsize=7, color="#444444"):
    """Write each ``(x, text)`` above the plot area, stacking labels that would overlap.

    Labels sit outside the data, centred on their x; one that would touch a label already
    placed moves up a row. Call it when the x limits and the layout are final.

    Returns
    -------
    float
        Height the labels take above the axes. [pt]
    """
    renderer = ax.figure.canvas.get_renderer()
    placed = []  # (row, bbox)
    top = 0.0
    row_gap = 1.5  # [pt]
    for x, text in sorted(marks, key=lambda m: m[0]):
        offset = 2.0
        while True:
            note = ax.annotate(text, (x, 1.0), xycoords=("data", "axes fraction"),
                               xytext=(0, offset), textcoords="offset points", ha="center",
                               va="bottom", fontsize=fontsize, color=color,
                               annotation_clip=False)
            box = note.get_window_extent(renderer).expanded(1.06, 1.0)
            clash = [b for b in placed if b.overlaps(box)]
            if not clash:
                break
            note.remove()
            offset = max(b.y1 for b in clash) - ax.bbox.y1  # [px]
            offset = offset * 72.0 / ax.figure.dpi + row_gap
        placed.append(box)
        top = max(top, (box.y1 - ax.bbox.y1) * 72.0 / ax.figure.dpi)
    return top


def identical_to(series):
    """For each series, the position of the first earlier identical one, else None.

    Series are identical when they have the same index and values equal to 1e-9 relative.
    [list of int or None]

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series([1.0, 2.0], index=[2025, 2026])
    >>> identical_to([a, a * 2, a.copy(), None])
    [None, None, 0, None]
    """
    out = []
    for i, s in enumerate(series):
        match = None
        for j in range(i):
            t = series[j]
            if (s is not None and t is not None and out[j] is None and len(s) == len(t)
                    and np.array_equal(np.asarray(s.index), np.asarray(t.index))
                    and np.allclose(np.asarray(s, dtype=float), np.asarray(t, dtype=float),
                                    rtol=1e-9, atol=0.0)):
                match = j
                break
        out.append(match)
    return out


#: Dash patterns and markers of lines drawn over an identical earlier one: the dashes
#: leave gaps where the line beneath shows, the markers name the line on top.
_OVERLAY_MARKERS = ("o", "s", "^", "D", "v", "P")
#: Size of an overlay's hollow marker: larger than the dot of the line beneath (5 pt,
#: :func:`_markers`), which shows inside it, so a single year of two identical scenarios
#: still shows both. [pt]
OVERLAY_MARKER_PT = 10


def overlay_style(rank, n_points):
    """Line style of the ``rank``-th line (1, 2, ...) that coincides with an earlier one. [dict]

    Dashed, with hollow markers (no fill) a size larger per rank, so that the line and
    the markers beneath show through and around them.
    """
    marker = _OVERLAY_MARKERS[(rank - 1) % len(_OVERLAY_MARKERS)]
    every = max(1, n_points // 8)
    # Dashes of 3.5 pt in 12: up to three overlays, phase-shifted, leave the line beneath
    # showing between them.
    return {"ls": ((4.0 * (rank - 1)) % 12.0, (3.5, 8.5)), "lw": 1.8, "marker": marker,
            "ms": OVERLAY_MARKER_PT + 3 * (rank - 1), "mfc": "none", "mew": 1.5,
            "markevery": ((rank * max(1, every // 3)) % every, every)}


def identical_note(name, system):
    """The legend note of a line identical to ``name``'s. [str]"""
    return f"(相同 identical to {name})" if system == "cn" else f"(identical to {name})"


def _subplots(*args, figsize, layout=None, **kwargs):
    """A new figure and its axes, drawn by the Agg canvas.

    ``matplotlib.figure.Figure`` is used without pyplot: nothing global is registered (no
    figure to close, no GUI backend) and the pyplot import (about 0.6 s) is saved.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout, dpi=COMPARISON_DPI)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(*args, **kwargs)


def _stacked_bars(ax, table, quantity, system, colors, labels):
    # Stacked bars, one per year; returns the top of the stack. [plot unit]
    bottom = None
    for column in table.columns:
        values = quantity.values(table[column], system)
        ax.bar(table.index, values, bottom=bottom, color=colors.get(column),
               label=labels.get(column, str(column)), width=0.8)
        bottom = values if bottom is None else bottom + values
    return bottom


@_readable
def installed_capacity_figure(result, units="cn"):
    """Stacked installed capacity by technology at each year end.

    Parameters
    ----------
    result : Result-like
        ``name`` and ``annual`` (``installed_mw`` per year and fleet). [MW]
    units : {"cn", "si"}
        ``cn``: 万千瓦 with a GW axis and bilingual labels; ``si``: GW, English only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.annual.pivot_table(index="year", columns="technology",
                                      values="installed_mw", aggfunc="sum").fillna(0.0)
    # Storage power and electrolyser input are not generating capacity.
    table = table.drop(columns=[t for t in NON_GENERATING if t in table.columns])
    fig, ax = _subplots(figsize=(8, 4.2))
    _stacked_bars(ax, table, CAPACITY, units, TECH_COLORS, TECH_LABELS[units])
    year_axis(ax, table.index, units)
    value_axis(ax, CAPACITY, units)
    ax.set_title(f"{result.name}: " + bilingual("年末装机容量", "installed capacity at year end",
                                                units))
    _single_legend_below(fig, ax)
    return fig


def _single_legend_below(fig, ax):
    # Under the axes, as the comparison figures do: inside, the legend covered the tops of
    # the bars (the build-out's last years, which are the tallest).
    handles, labels = ax.get_legend_handles_labels()
    bottom = _legend_below(fig, handles, labels, len(handles))
    fig.tight_layout(rect=(0, bottom, 1, 1))


@_readable
def annual_generation_figure(result, units="cn"):
    """Delivered energy by technology and year, curtailment on top.

    Parameters
    ----------
    result : Result-like
        ``name``, ``annual`` (``delivered_mwh``, ``curtailed_mwh`` per year and fleet)
        and ``summary``; with its ``uncertainty`` block (``run --weather-years``) the
        P90-P10 band of the delivered total is drawn over each year. [MWh]
    units : {"cn", "si"}
        ``cn``: 亿千瓦时 with a TWh axis and bilingual labels; ``si``: TWh, English only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.annual.pivot_table(index="year", columns="technology",
                                      values=["delivered_mwh", "curtailed_mwh"], aggfunc="sum")
    # An electrolyser delivers nothing (its input is shown as what the fleets did not deliver).
    table = table.drop(columns="electrolyser", level=1, errors="ignore")
    fig, ax = _subplots(figsize=(8, 4.2))
    delivered = bilingual("上网", "delivered", units)
    labels = {tech: f"{TECH_LABELS[units].get(tech, tech)} {delivered}"
              for tech in table["delivered_mwh"].columns}
    bottom = _stacked_bars(ax, table["delivered_mwh"], ANNUAL_ENERGY, units, TECH_COLORS, labels)
    curtailed = ANNUAL_ENERGY.values(table["curtailed_mwh"].sum(axis=1), units)
    if curtailed.max() > 0:
        ax.bar(table.index, curtailed, bottom=bottom, color="#bbbbbb", width=0.8,
               label=bilingual("弃电", "curtailed", units))
    band = (result.summary or {}).get("uncertainty", {}).get("annual")
    if band:  # P90 to P10 of the delivered total over the weather years, P50 marked
        years = [entry["year"] for entry in band]
        p90, p50, p10 = (ANNUAL_ENERGY.values(
            np.array([entry["delivered_mwh"][k] for entry in band]), units)
            for k in ("p90", "p50", "p10"))
        n_years = result.summary["uncertainty"]["n_weather_years"]
        ax.errorbar(years, p50, yerr=[p50 - p90, p10 - p50], fmt="_", color="#222222",
                    ms=6, lw=1.0, capsize=2,
                    label=f"P90–P50–P10 ({n_years} "
                          + bilingual("气象年", "weather years", units) + ")")
    year_axis(ax, table.index, units)
    value_axis(ax, ANNUAL_ENERGY, units)
    ax.set_title(f"{result.name}: " + bilingual("年发电量", "annual generation", units))
    _single_legend_below(fig, ax)
    return fig


@_readable
def cumulative_avoided_figure(result, milestones=True, units="cn"):
    """Cumulative avoided CO2 with the milestones (Five-Year Plans, 3060) marked.

    Parameters
    ----------
    result : Result-like
        ``name``, ``totals`` (``cumulative_avoided_tco2`` per year) and ``summary``
        (``milestones``). [tCO2]
    milestones : bool
        Mark the milestone years with dashed lines, labelled above the plot area.
    units : {"cn", "si"}
        ``cn``: 万吨CO2 with an Mt axis and bilingual labels; ``si``: Mt CO2, English only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    totals = result.totals
    years = totals["year"].astype(int)
    values = CUMULATIVE_CO2.values(totals["cumulative_avoided_tco2"], units)
    fig, ax = _subplots(figsize=(8, 4.4))
    if len(years) <= 2:  # a line of one or two points reads badly: bars
        ax.bar(years, values, color="#2a9d55", width=0.6, alpha=0.85)
    else:
        ax.plot(years, values, color="#2a9d55", lw=2, **_markers(len(years)))
        ax.fill_between(years, 0, values, color="#2a9d55", alpha=0.15)
    year_axis(ax, years, units)
    ax.set_ylim(bottom=0)
    if float(np.max(np.asarray(values, dtype=float), initial=0.0)) <= 0:
        ax.set_ylim(top=1.0)
    value_axis(ax, CUMULATIVE_CO2, units)
    title = f"{result.name}: " + bilingual("累计减排CO2", "cumulative avoided CO2", units)
    ax.set_title(title)
    fig.tight_layout()
    stones = [s for s in result.summary.get("milestones", []) if s.get("label")] if milestones \
        else []
    if stones:
        for stone in stones:
            ax.axvline(stone["year"], color="grey", lw=0.8, ls="--", zorder=0)
        height = labels_above(ax, [(s["year"], milestone_text(s["label"], units))
                                   for s in stones])
        ax.set_title(title, pad=height + 6)
        fig.tight_layout()
    return fig


def figure_pngs(result, units="cn"):
    """The standard run figures as PNG images: ``[(file name, bytes), ...]``.

    Parameters
    ----------
    result : Result-like
        ``name``, ``annual``, ``totals`` and ``summary`` (the hourly tables are not used).
    units : {"cn", "si"}
        See the figure functions.

    Returns
    -------
    list of (str, bytes)
        One entry per name of :data:`FIGURE_FILES`, in that order.
    """
    return [(name, png_bytes(draw(result, units=units)))
            for name, draw in zip(FIGURE_FILES, (installed_capacity_figure,
                                                 annual_generation_figure,
                                                 cumulative_avoided_figure))]


def save_figures(result, folder, units="cn"):
    """Draw the standard run figures into ``folder`` as PNG files. [list of Path]

    ``units`` is ``"cn"`` (Chinese and SI units) or ``"si"``; see the figure functions.
    """
    return write_pngs(figure_pngs(result, units=units), folder)


def write_pngs(images, folder):
    """Write the images of :func:`figure_pngs` into ``folder``. [list of Path]

    Plain writes: the run figures go into a result folder being staged, which appears
    whole or not at all (:func:`energysim.results.write_result`).
    """
    paths = []
    for name, data in images:
        path = Path(folder) / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def prepare():
    """Import matplotlib's figure and Agg canvas, find the CJK font and draw one small text.

    What the first figure of a process would otherwise pay for (about 0.3-0.5 s), done
    ahead, e.g. by the figure process of ``energysim run`` while the simulation runs. The
    figures drawn afterwards are the same bytes.
    """
    import matplotlib

    with matplotlib.rc_context(font_rc()):
        fig, ax = _subplots(figsize=(1, 1))
        ax.set_title("年 year 0")
        png_bytes(fig, dpi=10)


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
SEASON_TITLES_CN = {"DJF": "冬季", "MAM": "春季", "JJA": "夏季", "SON": "秋季"}
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")
LOCAL_HOUR_LABEL = "hour of day, local time"
LOCAL_HOUR_LABELS = {"cn": "当地时刻 hour of day, local time", "si": LOCAL_HOUR_LABEL}
MONTH_LABELS = {"cn": "月份 month", "si": "month"}
COMPARISON_DPI = 110


def plot_label(name, index):
    """A scenario's label in figures: its name (Chinese names draw in the CJK font). [str]

    ``index`` is kept for callers that numbered non-ASCII names before figures had a CJK
    font.

    Examples
    --------
    >>> plot_label("fast-pv", 0), plot_label("韶关", 1)
    ('fast-pv', '韶关')
    """
    return str(name)


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
    quantity = mean_power(max_mw)
    return quantity.to_si, quantity.si_unit


def _labels(results, labels):
    if labels is None:
        labels = [r.name for r in results]
    return [plot_label(label, i) for i, label in enumerate(labels)]


def _legend_below(fig, handles, labels, ncol):
    # A legend under the panels; the figure grows by the legend's rows so that the panels
    # keep their height. Returns the figure fraction the legend takes.
    longest = max([len(label) for label in labels] + [1])
    most = max(1, min(4, 110 // (longest + 6)))  # about 110 characters fit across 9 inches
    ncol = max(1, min(ncol, most))
    rows = -(-len(labels) // ncol)
    legend_in = 0.1 + 0.22 * rows
    fig.set_figheight(fig.get_figheight() + max(0.0, legend_in - 0.6))
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, fontsize=9)
    return legend_in / fig.get_figheight()


def _plot_series(ax, series, names, system, style, label_suffix=""):
    """Plot one line per series (None: skipped), restyling lines that coincide.

    ``style(i)`` gives the base keyword arguments of line ``i``. Returns, per line, the
    position of the earlier line it is identical to, or None. [list]
    """
    same = identical_to(series)
    ranks = {}
    for i, s in enumerate(series):
        if s is None:
            continue
        kwargs = dict(style(i))
        label = f"{names[i]}{label_suffix}"
        n = len(s)
        if same[i] is None:
            kwargs.update(_markers(n))
        else:
            ranks[same[i]] = ranks.get(same[i], 0) + 1
            kwargs.update(overlay_style(ranks[same[i]], n))
            label += " " + identical_note(names[same[i]], system)
        ax.plot(np.asarray(s.index), np.asarray(s, dtype=float), label=label, **kwargs)
    return same


@_readable
def capacity_comparison_figure(results, labels=None, units="cn"):
    """Installed capacity by year, one panel per technology, one line per scenario.

    A scenario whose line coincides with an earlier one is drawn dashed with markers over
    it, and its legend entry says which it is identical to.

    Parameters
    ----------
    results : sequence of Result-like
        Objects with ``name`` and ``annual`` (one row per year and fleet; ``installed_mw``
        in MW).
    labels : sequence of str, optional
        Legend labels; default the names.
    units : {"cn", "si"}
        ``cn``: 万千瓦 with a GW axis and bilingual labels; ``si``: GW, English only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _labels(results, labels)
    tables = [r.annual.pivot_table(index="year", columns="technology", values="installed_mw",
                                   aggfunc="sum") for r in results]
    techs = [t for t in TECH_LINESTYLES if any(t in table for table in tables)]
    fig, axes = _subplots(1, max(1, len(techs)), figsize=(9, 4.4), sharey=True,
                          squeeze=False)
    years = sorted({int(y) for table in tables for y in table.index})
    handles = {}
    for ax, tech in zip(axes[0], techs):
        series = [CAPACITY.values(table[tech], units) if tech in table else None
                  for table in tables]
        _plot_series(ax, series, names, units,
                     lambda i, tech=tech: {"color": scenario_color(i),
                                           "ls": TECH_LINESTYLES[tech], "lw": 2})
        ax.set_title(bilingual("年末装机", "installed", units) + " "
                     + TECH_LABELS[units].get(tech, tech).split(" ")[-1])
        year_axis(ax, years, units)
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
        for handle, text in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(text, handle)
    axes[0][0].set_ylabel(CAPACITY.label(units))
    if units == "cn":
        value_axis(axes[0][-1], CAPACITY, units).set_ylabel(f"[{CAPACITY.si_unit}]")
        axes[0][-1].set_ylabel("")
        axes[0][0].set_ylabel(CAPACITY.label(units))
    bottom = _legend_below(fig, list(handles.values()), list(handles), len(results))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


@_readable
def generation_comparison_figure(results, labels=None, units="cn"):
    """Annual delivered (solid) and curtailed (dotted) energy by year, a colour per scenario.

    Parameters
    ----------
    results : sequence of Result-like
        Objects with ``name`` and ``totals`` (one row per year; ``delivered_mwh`` and
        ``curtailed_mwh`` in MWh).
    labels : sequence of str, optional
        Legend labels; default the names.
    units : {"cn", "si"}
        ``cn``: 亿千瓦时 with a TWh axis and bilingual labels; ``si``: TWh, English only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _labels(results, labels)
    fig, ax = _subplots(figsize=(9, 4.4))
    delivered = [ANNUAL_ENERGY.values(r.totals.set_index("year")["delivered_mwh"], units)
                 for r in results]
    curtailed = [ANNUAL_ENERGY.values(r.totals.set_index("year")["curtailed_mwh"], units)
                 if r.totals["curtailed_mwh"].max() > 0 else None for r in results]
    _plot_series(ax, delivered, names, units,
                 lambda i: {"color": scenario_color(i), "lw": 2},
                 " " + bilingual("上网", "delivered", units))
    _plot_series(ax, curtailed, names, units,
                 lambda i: {"color": scenario_color(i), "lw": 1.2, "ls": ":"},
                 " " + bilingual("弃电", "curtailed", units))
    year_axis(ax, [int(y) for r in results for y in r.totals["year"]], units)
    value_axis(ax, ANNUAL_ENERGY, units)
    ax.set_title(bilingual("年上网电量与弃电量", "annual delivered and curtailed energy", units))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    handles, legend = ax.get_legend_handles_labels()
    bottom = _legend_below(fig, handles, legend, len(handles))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


@_readable
def cumulative_avoided_comparison_figure(results, labels=None, peak_year=2030,
                                         neutrality_year=2060, units="cn"):
    """Cumulative avoided CO2 by year against the 3060 milestones.

    The carbon-peak and neutrality years are marked with vertical lines labelled above the
    plot area, and each scenario's cumulative figure in those years is written next to its
    marker.

    Parameters
    ----------
    results : sequence of Result-like
        Objects with ``name`` and ``totals`` (``cumulative_avoided_tco2`` in tCO2).
    labels : sequence of str, optional
        Legend labels; default the names.
    peak_year, neutrality_year : int
        The 3060 milestone years. [a]
    units : {"cn", "si"}
        ``cn``: 万吨CO2 with an Mt axis and bilingual labels; ``si``: Mt CO2, English only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _labels(results, labels)
    fig, ax = _subplots(figsize=(9, 4.8))
    series = [CUMULATIVE_CO2.values(r.totals.set_index("year")["cumulative_avoided_tco2"], units)
              for r in results]
    same = _plot_series(ax, series, names, units,
                        lambda i: {"color": scenario_color(i), "lw": 2})
    marked = {peak_year: [], neutrality_year: []}
    for i, values in enumerate(series):
        for year in marked:
            if year in values.index and same[i] is None:
                marked[year].append((float(values.loc[year]), i))
                ax.plot([year], [float(values.loc[year])], "o", color=scenario_color(i), ms=5)
    first = min(int(r.totals["year"].min()) for r in results)
    last = max(int(r.totals["year"].max()) for r in results)
    year_axis(ax, [min(first, peak_year), max(last, neutrality_year)], units)
    ax.set_xlim(min(first, peak_year) - 1, max(last, neutrality_year) + 4)
    ax.set_ylim(bottom=0)
    ax.set_ylim(top=max(ax.get_ylim()[1], 1e-9) * 1.05)
    gap = 0.055 * ax.get_ylim()[1]  # about one line of 8-pt text on this figure
    unit = CUMULATIVE_CO2.cn_unit if units == "cn" else CUMULATIVE_CO2.si_unit
    for year, values in marked.items():
        below = -float("inf")
        for value, i in sorted(values):
            below = max(value, below + gap)  # stack labels that would overlap
            ax.annotate(f"{value:,.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}",
                        (year, value), xytext=(7, below), textcoords=("offset points", "data"),
                        ha="left", va="center", fontsize=8, color=scenario_color(i),
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.85})
    for year in (peak_year, neutrality_year):
        ax.axvline(year, color="#555555", lw=1, ls="--", zorder=0)
    value_axis(ax, CUMULATIVE_CO2, units)
    ax.grid(alpha=0.3)
    # Under the axes, as in the other comparison figures: inside (upper left) it covered
    # the points and their labels when the scenarios start at the carbon-peak year.
    handles, legend = ax.get_legend_handles_labels()
    bottom = _legend_below(fig, handles, legend, len(handles))
    title = bilingual("累计减排CO2与“3060”目标", "cumulative avoided CO2 and the 3060 goals",
                      units)
    ax.set_title(title)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    # Above the plot area, so the labels never cover data or the legend.
    height = labels_above(ax, [(peak_year, milestone_text("carbon peak", units) + f" {peak_year}"),
                               (neutrality_year,
                                milestone_text("neutrality", units) + f" {neutrality_year}")],
                          fontsize=8, color="#333333")
    ax.set_title(title, pad=height + 6)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def _hourly_title(text, year, units):
    if year is None:
        return text
    return f"{text}, {year}" + ("年" if units == "cn" else "")


@_readable
def typical_day_figure(profiles, titles=None, year=None, units="cn"):
    """Mean delivered power by local hour of day, one panel per season.

    Parameters
    ----------
    profiles : sequence of pandas.DataFrame
        One per scenario, from ``energysim.comparison.typical_day_profiles``: index
        ``(season, hour)`` with seasons ``DJF``..``SON`` and local hours 0..23, one column
        per technology holding the mean delivered power. [MW]
    titles : sequence of str, optional
        Legend labels, one per profile.
    year : int or str, optional
        The simulated year the profiles are of, shown in the title (e.g. ``2035``, or
        ``"2030 (S1), 2035 (S2)"``). [a]
    units : {"cn", "si"}
        ``cn``: 万千瓦 with an SI (MW or GW) axis and bilingual labels; ``si``: SI only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    titles = [plot_label(t, i) for i, t in enumerate(titles or
                                                       [f"S{i + 1}" for i in range(len(profiles))])]
    peak = max([float(p.to_numpy().max()) for p in profiles if p.size] + [0.0])
    quantity = mean_power(peak)
    fig, axes = _subplots(2, 2, figsize=(9, 6.6), sharex=True, sharey=True)
    techs = sorted({tech for p in profiles for tech in p.columns})
    same = {tech: identical_to([p[tech] if tech in p.columns else None for p in profiles])
            for tech in techs}
    tech_names = TECH_LABELS[units]
    for ax, season in zip(axes.ravel(), SEASONS):
        ranks = {}
        for i, profile in enumerate(profiles):
            if season not in profile.index.get_level_values(0):
                continue
            day = profile.loc[season]
            for tech in day.columns:
                kwargs = {"color": scenario_color(i), "ls": TECH_LINESTYLES.get(tech, "-."),
                          "lw": 1.8}
                label = f"{titles[i]} {tech_names.get(tech, tech)}"
                twin = same[tech][i]
                if twin is not None:
                    ranks[(tech, twin)] = ranks.get((tech, twin), 0) + 1
                    # a marker per technology too: the PV and wind overlays differ
                    kwargs.update(overlay_style(ranks[(tech, twin)] + 3 * techs.index(tech),
                                                len(day)))
                    label += " " + identical_note(titles[twin], units)
                ax.plot(day.index, quantity.values(day[tech], units), label=label, **kwargs)
        season_title = SEASON_TITLES[season]
        if units == "cn":
            season_title = f"{SEASON_TITLES_CN[season]} {season_title}"
        ax.set_title(season_title, fontsize=10)
        ax.set_xlim(0, 23)
        ax.set_xticks(range(0, 24, 3))
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel(LOCAL_HOUR_LABELS[units])
    # One label for both rows: a label per panel is longer than the panel is high.
    fig.supylabel(quantity.label(units), fontsize=10)
    if units == "cn":
        for ax in axes[:, 1]:
            value_axis(ax, quantity, units)
            ax.set_ylabel("")
    axes[0][0].set_ylim(bottom=0)
    handles, legend = axes[0][0].get_legend_handles_labels()
    fig.suptitle(_hourly_title(bilingual("典型日", "typical day by season", units), year, units)
                 + " (" + bilingual("平均上网出力", "mean delivered power", units) + ")",
                 fontsize=11)
    bottom = _legend_below(fig, handles, legend, len(handles))
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


@_readable
def monthly_heatmap_figure(tables, titles=None, year=None, units="cn"):
    """Mean delivered power (all fleets) by month and local hour of day, a panel per scenario.

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        One per scenario, from ``energysim.comparison.monthly_hour_table``: 12 rows (months
        1..12) by 24 columns (local hours 0..23) of mean delivered power. [MW]
    titles : sequence of str, optional
        Panel titles, one per table.
    year : int or str, optional
        The simulated year the tables are of, shown in the title. [a]
    units : {"cn", "si"}
        ``cn``: 万千瓦 with an SI (MW or GW) colour-bar axis and bilingual labels; ``si``:
        SI only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    titles = [plot_label(t, i) for i, t in enumerate(titles or
                                                       [f"S{i + 1}" for i in range(len(tables))])]
    peak = max([float(t.to_numpy().max()) for t in tables if t.size] + [0.0])
    quantity = mean_power(peak)
    same = identical_to([t.stack() if t.size else None for t in tables])
    ncols = min(len(tables), 2)
    nrows = -(-len(tables) // ncols)
    fig, axes = _subplots(nrows, ncols, figsize=(4.6 * ncols + 1.6, 3.6 * nrows + 0.7),
                          squeeze=False, layout="constrained")
    image = None
    months = [f"{m}月" for m in range(1, 13)] if units == "cn" else list(MONTH_ABBR)
    top = quantity.values(peak, units) or 1.0
    for i, table in enumerate(tables):
        ax = axes.ravel()[i]
        image = ax.imshow(quantity.values(table.to_numpy(dtype=float), units), aspect="auto",
                          origin="upper", cmap="viridis", vmin=0.0, vmax=top,
                          extent=(-0.5, 23.5, 12.5, 0.5))
        title = titles[i]
        if same[i] is not None:
            title += " " + identical_note(titles[same[i]], units)
        ax.set_title(title, fontsize=10)
        ax.set_yticks(range(1, 13))
        ax.set_yticklabels(months, fontsize=8)
        ax.set_xticks(range(0, 24, 3))
        ax.set_xlabel(LOCAL_HOUR_LABELS[units])
        ax.set_ylabel(MONTH_LABELS[units])
    for ax in axes.ravel()[len(tables):]:
        ax.set_visible(False)
    if image is not None:
        bar = fig.colorbar(image, ax=list(axes.ravel()[:len(tables)]), shrink=0.9)
        bar.set_label(quantity.label(units))
        if units == "cn":
            value_axis(bar.ax, quantity, units, side="left")
            bar.set_label(quantity.label(units))
    fig.suptitle(_hourly_title(bilingual("各月逐时平均上网出力（全部机组）",
                                         "monthly profile of delivered power (all fleets)",
                                         units), year, units), fontsize=11)
    return fig


def png_bytes(fig, dpi=COMPARISON_DPI):
    """The PNG image of ``fig`` (no software tag, so byte-stable). [bytes]"""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(font_rc()):
        fig.savefig(buffer, dpi=dpi, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _kpi_quantity(kpi, unit):
    # The Quantity of a sweep KPI column (e.g. cumulative_avoided_tco2_2060), or None.
    name, year = re.fullmatch(r"(.*?)(?:_(\d{4}))?", kpi).groups()
    cumulative = name.startswith("cumulative")
    what = name.replace("cumulative_", "").replace("_tco2", " CO2").replace("_mwh", "")
    what = what.replace("_", " ")
    when = f" {'through' if cumulative else 'in'} {year}" if year else ""
    when_cn = f"（{'至' if cumulative else ''}{year}年）" if year else ""
    if unit == "tCO2":
        base = CUMULATIVE_CO2 if cumulative else ANNUAL_CO2
    elif unit == "MWh":
        base = ANNUAL_ENERGY
    else:
        return None, f"{'cumulative ' if cumulative else ''}{what}{when}"
    en = f"{'cumulative' if cumulative else 'annual'} {what}{when}"
    cn = ("累计" if cumulative else "年") + {"tCO2": "减排CO2", "MWh": "电量"}[unit] + when_cn
    return Quantity(cn, en, base.cn_unit, base.si_unit, base.to_cn, base.from_cn, base.to_si,
                    base.from_si), en


@_readable
def tornado_figure(tornado, title=None, units="cn"):
    """Tornado chart of a sweep: how far each parameter moves one KPI.

    Parameters
    ----------
    tornado : dict
        ``summary["tornado"]`` from :func:`energysim.sweep.summarize`: ``kpi`` (column
        name), ``unit`` (its unit), ``baseline`` (mean over all points) and ``effects``, a
        list of ``{parameter, low_label, high_label, low, high}`` where ``low``/``high`` are
        the KPI's mean over the points at the parameter's lowest/highest level. [unit]
    title : str, optional
    units : {"cn", "si"}
        ``cn``: 万吨CO2 / 亿千瓦时 with an SI axis on top and bilingual labels; ``si``: Mt
        CO2 / TWh, English only.

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per parameter, from the baseline to the low and high means,
        largest effect on top; the x axis in 万吨CO2 or Mt (tCO2), 亿千瓦时 or TWh (MWh),
        or the KPI's own unit.
    """
    quantity, plain = _kpi_quantity(tornado["kpi"], tornado["unit"])
    if quantity is None:
        def scale(value):
            return value
    else:
        def scale(value):
            return quantity.values(value, units)
    effects = list(tornado["effects"])[::-1]  # largest on top
    baseline = scale(tornado["baseline"])
    fig, ax = _subplots(figsize=(8, 1.9 + 0.5 * max(len(effects), 1)))
    low_label = bilingual("最低值", "lowest value (or first label)", units)
    high_label = bilingual("最高值", "highest value (or last label)", units)
    for row, effect in enumerate(effects):
        low, high = scale(effect["low"]), scale(effect["high"])
        ax.barh(row, low - baseline, left=baseline, color="#c0504d", height=0.6,
                label=low_label if row == 0 else None)
        ax.barh(row, high - baseline, left=baseline, color="#2a9d55", height=0.6,
                label=high_label if row == 0 else None)
        for value, text in ((low, effect["low_label"]), (high, effect["high_label"])):
            ax.annotate(str(text), (value, row), xytext=(3 if value >= baseline else -3, 0),
                        textcoords="offset points", va="center", fontsize=7,
                        ha="left" if value >= baseline else "right")
    ax.axvline(baseline, color="black", lw=0.8)
    ax.set_yticks(range(len(effects)))
    ax.set_yticklabels([e["parameter"] for e in effects], fontsize=8)
    ax.margins(x=0.15)
    if quantity is None:
        ax.set_xlabel(axis_label(plain, tornado["unit"]))
    else:
        value_axis(ax, quantity, units, which="x")
    ax.set_ylabel(bilingual("参数", "parameter", units))
    default = bilingual("各参数的影响", "sweep: effect of each parameter (mean at its lowest / "
                                      "highest level)", units)
    ax.set_title(title or default, fontsize=10)
    bottom = 0.0
    if effects:  # under the axes: inside, the legend would cover a bar
        fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=7,
                   frameon=False)
        bottom = 0.3 / fig.get_figheight()
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig
