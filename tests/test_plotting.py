"""Figures a person can read: CJK text, integer years, coinciding lines, units in the axes.

Results are real simulations of the shipped shaoguan-potential scenario (built-in weather
year), renamed and cut to one, two or forty years; figures are drawn to PNG with warnings
as errors, so a missing glyph fails the test.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from energysim import plotting
from energysim.scenario import load_scenario
from energysim.simulate import load_scenario_weather, run_scenario

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def simulate(repo_root, tmp_path_factory):
    """Run shaoguan-potential renamed and with other years; one weather year for all."""
    text = (repo_root / "scenarios" / "shaoguan-potential.toml").read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("scenarios")
    cache = {}

    def run(name, years=(2021, 2060), pv_name="utility-pv"):
        edited = re.sub(r'^name = ".*"$', f'name = "{name}"', text, count=1, flags=re.M)
        edited = re.sub(r"^years = \[.*\]", f"years = [{years[0]}, {years[1]}]", edited,
                        count=1, flags=re.M)
        edited = edited.replace('name = "utility-pv"', f'name = "{pv_name}"')
        path = folder / f"s{len(cache)}.toml"
        path.write_text(edited, encoding="utf-8")
        scenario = load_scenario(path)
        if "weather" not in cache:
            cache["weather"] = load_scenario_weather(scenario)
        weather, meta = cache["weather"]
        cache[path] = run_scenario(scenario, weather, meta)
        return cache[path]

    return run


@pytest.fixture(scope="module")
def potential(simulate):
    return simulate("shaoguan-potential")


def all_text(fig):
    """Every string drawn on ``fig`` (after drawing it, so tick labels exist)."""
    from matplotlib.text import Text

    plotting.png_bytes(fig)
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def draw_strictly(fig):
    """The PNG of ``fig`` with every warning an error (a missing glyph warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return plotting.png_bytes(fig)


def test_packaged_cjk_font_has_the_glyphs():
    from matplotlib.ft2font import FT2Font

    family, path = plotting.cjk_font(prefer_system=False)
    assert "pylopdf_fonts_zh_cn" in path and path.endswith(".otf")
    assert family == "Noto Sans SC"
    font = FT2Font(path)
    for char in "韶关潜力光伏风电装机容量累计减排万千瓦亿时吨碳达峰中和十四五末":
        assert font.get_char_index(ord(char)) != 0, char
    # the font actually chosen (system or packaged) has them too
    assert FT2Font(plotting.cjk_font()[1]).get_char_index(ord("韶")) != 0


def test_without_the_cjk_font_a_glyph_warning_is_raised():
    # The control of the next test: DejaVu Sans alone lacks the glyphs, and warns.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        ax.set_title("韶关")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(UserWarning, match="missing from font"):
                fig.savefig(__import__("io").BytesIO(), format="png")


@pytest.mark.parametrize("units", ["cn", "si"])
def test_chinese_names_draw_without_glyph_warnings(simulate, potential, units):
    chinese = simulate("韶关潜力", pv_name="光伏一期")
    figures = [plotting.installed_capacity_figure(chinese, units=units),
               plotting.annual_generation_figure(chinese, units=units),
               plotting.cumulative_avoided_figure(chinese, units=units),
               plotting.capacity_comparison_figure([potential, chinese], units=units),
               plotting.generation_comparison_figure([potential, chinese], units=units),
               plotting.cumulative_avoided_comparison_figure([potential, chinese], units=units)]
    for fig in figures:
        png = draw_strictly(fig)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert chinese.name in figures[0].axes[0].get_title()
    legend = [t.get_text() for t in figures[3].legends[0].get_texts()]
    assert "韶关潜力" in " ".join(legend)  # the name itself, no S2 stand-in


def year_ticks(ax):
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    formatter = ax.xaxis.get_major_formatter()
    return ticks, [formatter(t, i) for i, t in enumerate(ticks)]


def test_one_year_scenario_draws_bars_on_a_one_year_axis(simulate):
    one = simulate("one-year", years=(2025, 2025))
    for draw in (plotting.installed_capacity_figure, plotting.annual_generation_figure,
                 plotting.cumulative_avoided_figure):
        fig = draw(one, units="si")
        draw_strictly(fig)
        ax = fig.axes[0]
        assert ax.get_xlim() == (2024.0, 2026.0)
        ticks, labels = year_ticks(ax)
        assert ticks == [2025] and labels == ["2025"]
        assert ax.patches, draw.__name__  # bars, not an invisible one-point line
    cumulative = plotting.cumulative_avoided_figure(one, units="si").axes[0]
    (bar,) = cumulative.patches
    expected = one.totals["cumulative_avoided_tco2"].iloc[0] / 1e6  # t -> Mt
    assert bar.get_height() == pytest.approx(expected, rel=1e-12)
    assert bar.get_x() + bar.get_width() / 2 == pytest.approx(2025)


def test_two_year_and_long_scenarios_have_integer_year_ticks(simulate, potential):
    two = simulate("two-year", years=(2025, 2026))
    ax = plotting.cumulative_avoided_figure(two, units="si").axes[0]
    assert year_ticks(ax) == ([2025, 2026], ["2025", "2026"])
    assert len(ax.patches) == 2
    for fig in (plotting.installed_capacity_figure(potential),
                plotting.cumulative_avoided_figure(potential),
                plotting.capacity_comparison_figure([potential, two]),
                plotting.cumulative_avoided_comparison_figure([potential, two])):
        draw_strictly(fig)
        for ax in fig.axes:
            if ax.get_xlabel() not in plotting.YEAR_LABELS.values():
                continue
            ticks, labels = year_ticks(ax)
            assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
            assert all(re.fullmatch(r"20\d\d", label) for label in labels), labels
            low, high = ax.get_xlim()
            assert 2015 < low < 2025 and 2060 < high < 2066


def test_identical_scenarios_stay_visible_and_say_so(simulate, potential):
    copy = simulate("potential-copy")
    fig = plotting.capacity_comparison_figure([potential, copy], units="si")
    draw_strictly(fig)
    for ax in fig.axes[:2]:
        first, second = ax.get_lines()[:2]
        assert np.array_equal(first.get_ydata(), second.get_ydata())  # they do coincide
        # dashed over the first, so the first shows between the dashes
        assert second._unscaled_dash_pattern != first._unscaled_dash_pattern
        assert second._unscaled_dash_pattern[1] == (3.5, 8.5)
        assert second.get_marker() not in (None, "None", "")
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["shaoguan-potential", "potential-copy (identical to shaoguan-potential)"]
    cumulative = plotting.cumulative_avoided_comparison_figure([potential, copy], units="cn")
    assert cumulative.axes[0].get_legend() is None  # below the axes, never over the points
    texts = [t.get_text() for t in cumulative.legends[0].get_texts()]
    assert texts[1] == "potential-copy (相同 identical to shaoguan-potential)"
    # a scenario that differs is not called identical
    two = simulate("two-year", years=(2025, 2026))
    fig = plotting.generation_comparison_figure([potential, two], units="si")
    assert not any("identical" in t.get_text() for t in fig.legends[0].get_texts())


def _rgb(hex_color):
    return np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])


def _pixel_near(image, row, col, color, radius=1):
    # Whether a pixel within `radius` of (row, col) has `color` (anti-aliasing allowed).
    window = image[row - radius:row + radius + 1, col - radius:col + radius + 1].astype(int)
    return bool((np.abs(window - color).max(axis=2) <= 40).any())


@pytest.mark.parametrize("draw", [plotting.capacity_comparison_figure,
                                  plotting.cumulative_avoided_comparison_figure])
def test_one_year_of_identical_scenarios_shows_both_markers(simulate, draw):
    # One point each: the copy's hollow ring must not hide the first scenario's dot. Read
    # from the PNG itself: the dot's colour at the point, the ring's colour around it.
    from PIL import Image

    first_run = simulate("one-year", years=(2030, 2030))
    copy = simulate("one-year-copy", years=(2030, 2030))
    fig = draw([first_run, copy], units="si")
    image = np.asarray(Image.open(__import__("io").BytesIO(draw_strictly(fig))).convert("RGB"))
    dot, ring = _rgb(plotting.scenario_color(0)), _rgb(plotting.scenario_color(1))
    for ax in fig.axes:
        lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 1
                 and line.get_label().startswith("one-year")]
        if not lines:
            continue  # a secondary axis
        first, second = lines[:2]
        x, y = ax.transData.transform((first.get_xdata()[0], first.get_ydata()[0]))
        row, col = round(image.shape[0] - y), round(x)
        assert _pixel_near(image, row, col, dot), "the first scenario's dot is hidden"
        # the ring's edge, half its size from the centre [pt -> px]
        r = round(second.get_markersize() / 2 * fig.dpi / 72)
        around = [_pixel_near(image, row + dr, col + dc, ring)
                  for dr, dc in ((0, r), (0, -r), (r, 0), (-r, 0))]
        assert sum(around) >= 3, "the copy's ring is not drawn around the dot"
        assert second.get_markerfacecolor() == "none"
        assert second.get_markersize() > first.get_markersize()


def boxes(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


@pytest.mark.parametrize("units", ["cn", "si"])
def test_milestone_labels_sit_above_the_data_and_apart(potential, units):
    from matplotlib.text import Annotation

    fig = plotting.cumulative_avoided_figure(potential, units=units)
    draw_strictly(fig)
    ax = fig.axes[0]
    notes = [a for a in ax.findobj(Annotation)]
    stones = [s for s in potential.summary["milestones"] if s["label"]]
    assert len(notes) == len(stones) == 4  # 2025, 2030, 2035, 2060
    extents = boxes(fig, notes)
    for i, box in enumerate(extents):
        assert box.y0 >= ax.bbox.y1  # above the plot area: never over the curve
        assert all(not box.overlaps(other) for other in extents[i + 1:])
    title = boxes(fig, [ax.title])[0]
    assert all(title.y0 >= box.y1 - 1 for box in extents)
    assert any("neutrality" in n.get_text() for n in notes)


def test_units_cn_carries_both_units_and_si_no_chinese(potential):
    cn = plotting.installed_capacity_figure(potential, units="cn")
    si = plotting.installed_capacity_figure(potential, units="si")
    assert cn.axes[0].get_ylabel() == "装机容量 installed capacity [万千瓦]"
    (second,) = cn.axes[0].child_axes
    assert second.get_ylabel() == "[GW]"
    # the two axes agree: 838.95 万千瓦 + 321 万千瓦 = 1,159.95 万千瓦 = 11.5995 GW
    top = 1159.95
    assert second._functions[0](np.array([top]))[0] == pytest.approx(11.5995)
    assert si.axes[0].get_ylabel() == "installed capacity [GW]"
    heights = sorted({round(p.get_y() + p.get_height(), 6) for p in cn.axes[0].patches})
    assert heights[-1] == pytest.approx(top)
    for draw in (plotting.annual_generation_figure, plotting.cumulative_avoided_figure):
        texts = " ".join(all_text(draw(potential, units="cn")))
        assert ("年" in texts and "annual" in texts) or ("累计" in texts and "cumulative" in texts)
        assert re.search(r"\[(亿千瓦时|万吨CO2)\]", texts) and re.search(r"\[(TWh|Mt CO2)\]", texts)
    for draw in (plotting.installed_capacity_figure, plotting.annual_generation_figure,
                 plotting.cumulative_avoided_figure):
        texts = all_text(draw(potential, units="si"))
        assert not [t for t in texts if CJK.search(t)], texts
    with pytest.raises(ValueError, match="units='gw'"):
        plotting.installed_capacity_figure(potential, units="gw")


def test_hourly_figures_name_their_year(potential):
    import pandas as pd

    # the one hourly year a run writes by default: the first with the full build-out
    (year,) = potential.hourly
    hourly = potential.hourly[year]  # long: time (UTC), fleet, technology, delivered_mw
    local = pd.DatetimeIndex(hourly["time"]).tz_convert("Asia/Shanghai")
    delivered = hourly["delivered_mw"].groupby(local).sum()
    table = delivered.groupby([delivered.index.month, delivered.index.hour]).mean().unstack()
    season = {m: s for s, months in plotting.SEASONS.items() for m in months}
    day = pd.DataFrame({"pv": delivered.groupby(
        [delivered.index.month.map(season), delivered.index.hour]).mean()})
    for units in ("cn", "si"):
        heat = plotting.monthly_heatmap_figure([table], ["韶关"], year=year, units=units)
        typical = plotting.typical_day_figure([day], ["韶关"], year=year, units=units)
        for fig in (heat, typical):
            draw_strictly(fig)
            assert str(year) in fig._suptitle.get_text()
        texts = all_text(heat) + all_text(typical)
        if units == "si":
            assert not [t for t in texts if CJK.search(t.replace("韶关", ""))], texts


def test_tornado_units(tmp_path):
    tornado = {"kpi": "cumulative_avoided_tco2_2060", "unit": "tCO2", "baseline": 1.2e8,
               "effects": [{"parameter": "pv.capacity_wan_kw", "low_label": "400",
                            "high_label": "900", "low": 0.9e8, "high": 1.5e8}]}
    cn = plotting.tornado_figure(tornado)
    draw_strictly(cn)
    ax = cn.axes[0]
    assert ax.get_xlabel().endswith("[万吨CO2]") and "累计" in ax.get_xlabel()
    assert ax.child_axes[0].get_xlabel() == "[Mt CO2]"
    (legend,) = cn.legends  # under the axes, covering no bar
    assert not boxes(cn, [legend])[0].overlaps(ax.get_window_extent())
    low_bar = ax.patches[0]
    assert low_bar.get_x() + low_bar.get_width() == pytest.approx(9000.0)  # 0.9e8 t = 9000 万吨
    si = plotting.tornado_figure(tornado, units="si")
    assert si.axes[0].get_xlabel() == "cumulative avoided CO2 through 2060 [Mt CO2]"
    assert not [t for t in all_text(si) if CJK.search(t)]


@pytest.mark.parametrize("units", ["cn", "si"])
def test_single_run_legends_sit_below_the_axes_never_over_the_bars(simulate, units):
    # Issue 10 item 4: in the upper left the legend covered the tops of the bars around the
    # year the build-out completes (shaoguan-14th-fyp, 2034). A short run ending at full
    # build-out has its tallest bars at the right and left alike.
    result = simulate("legend-check", years=(2021, 2035))
    for draw in (plotting.installed_capacity_figure, plotting.annual_generation_figure):
        fig = draw(result, units=units)
        draw_strictly(fig)
        ax = fig.axes[0]
        assert ax.get_legend() is None and len(fig.legends) == 1
        renderer = fig.canvas.get_renderer()
        legend = fig.legends[0].get_window_extent(renderer)
        axes = ax.get_tightbbox(renderer)  # the plot area with its tick labels
        assert legend.y1 <= axes.y0 + 1, (draw.__name__, legend, axes)
        bars = [b.get_window_extent(renderer) for b in ax.patches]
        assert bars and not any(legend.overlaps(b) for b in bars)
        assert 0 <= legend.y0 and legend.x0 >= 0 and legend.x1 <= fig.bbox.x1
