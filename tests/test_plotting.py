"""Charts: the numbers drawn are the numbers handed in, files are sound and
deterministic, and no text collides, including in the awkward cases."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib as mpl
import matplotlib.image as mimage
import numpy as np
import PIL.Image
import pytest
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from simulate import format as fmt
from simulate import plotting
from simulate.errors import ConfigError
from simulate.plotting import (
    ChartMeta,
    cashflow_fan,
    convergence,
    npv_distribution,
    output,
    payback_curve,
    roi_distribution,
    save,
    tornado,
    waterfall,
)
from simulate.plotting import _style as st

N = 20_000
T = 36


# --- synthetic run ----------------------------------------------------------------


def _stats(a: np.ndarray) -> dict:
    a = a[np.isfinite(a)]
    out = {f"p{q}": float(np.percentile(a, q)) for q in (5, 10, 25, 50, 75, 90, 95)}
    return out | {"mean": float(a.mean()), "sd": float(a.std(ddof=1))}


def _run(npv, roi, payback, *, target_months=18.0, target_roi=0.25, **meta_kw):
    """A summary dict shaped like summary.json, and a ChartMeta, for given samples."""
    pb = {}
    for q in (5, 10, 25, 50, 75, 90, 95):
        v = np.percentile(np.where(np.isfinite(payback), payback, 1e300), q)
        pb[f"p{q}"] = float(v) if v < 1e299 else None
    summary = {
        "name": "Synthetic",
        "metrics": {
            "npv": _stats(npv),
            "roi": _stats(roi) | {"defined_fraction": float(np.isfinite(roi).mean())},
            "payback_months": pb,
        },
        "probabilities": {
            "npv_positive": float((npv > 0).mean()),
            "payback_within_horizon": float(np.isfinite(payback).mean()),
            "payback_within_target": (
                None if target_months is None else float((payback <= target_months).mean())
            ),
            "roi_at_least_target": (
                None if target_roi is None else float((roi >= target_roi).mean())
            ),
        },
    }
    meta = ChartMeta(
        **{
            "name": "Contact centre modernisation",
            "currency": "USD",
            "trials": len(npv),
            "seed": 42,
            "sampling": "random",
            "version": "0.1.0",
            "config_hash": "3fa9c2e1",
            "horizon_months": T,
            "target_payback_months": target_months,
            "target_roi": target_roi,
            "discount_rate": 0.10,
        }
        | meta_kw
    )
    return summary, meta


def _curve(payback):
    months = np.arange(T + 1)
    return months, np.array([(payback <= m).mean() for m in months])


@pytest.fixture(scope="module")
def normal():
    rng = np.random.default_rng(20240601)
    npv = rng.normal(1.2e6, 0.9e6, N)
    roi = npv / rng.lognormal(np.log(1.5e6), 0.2, N)
    payback = rng.gamma(9, 2.0, N)
    payback[payback > T] = np.inf
    summary, meta = _run(npv, roi, payback)
    return npv, roi, payback, summary, meta


def _rows(k: int, long: bool = False) -> list[dict]:
    rows = []
    for i in range(k):
        swing = 2e6 / (i + 1)
        name = f"benefits[{i}].conversion_lift"
        if long:
            name = f"benefits[{i}].a_rather_long_prior_name_for_churn_reduction_rate"
        lo, hi = 1.1e6 - 0.6 * swing, 1.1e6 + 0.4 * swing
        rows.append(
            {
                "input": name,
                "low_q": 0.1,
                "high_q": 0.9,
                "low_value": 0.01 * (i + 1),
                "high_value": 1500.0 * (i + 1),
                "metric_low": lo,
                "metric_high": hi,
                "swing": hi - lo,
            }
        )
    return rows


def _bands(collapsed: bool = False) -> tuple[np.ndarray, dict]:
    months = np.arange(T + 1, dtype=float)
    p50 = -1.2e6 + 60e3 * months
    spread = 0.0 if collapsed else 1.0
    offsets = {"p10": -2.0, "p25": -1.0, "p50": 0.0, "p75": 1.0, "p90": 2.0}
    return months, {k: p50 + spread * o * 2e4 * months for k, o in offsets.items()}


WATERFALL = [
    ("Churn reduction", 2.1e6),
    ("Conversion lift", 1.3e6),
    ("Handle time savings", 6.5e5),
    ("Platform licence", -1.1e6),
    ("Implementation", -8e5),
]


# --- helpers ----------------------------------------------------------------------


def _texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text of a drawn figure: titles, notes, labels, legends
    and the tick labels of the ticks in view."""
    fig.draw_without_rendering()  # lays out and places every artist, draws no pixels
    out = list(fig.texts)
    for ax in fig.axes:
        out += ax.texts
        out += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = sorted(lim)
            tol = 1e-9 * (hi - lo)
            locs = axis.get_majorticklocs()
            for loc, tick in zip(locs, axis.get_major_ticks(len(locs)), strict=True):
                if lo - tol <= loc <= hi + tol:
                    out.append(tick.label1)
        legend = ax.get_legend()
        if legend is not None:
            out += legend.get_texts()
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def _outline(t: Text, renderer) -> MplPath:
    """The text's box as drawn: rotated text is a rotated rectangle, not its bounding box."""
    bb = t.get_window_extent(renderer)
    theta = math.radians(t.get_rotation() % 180)
    if theta in (0, math.pi / 2):
        corners = [(bb.x0, bb.y0), (bb.x1, bb.y0), (bb.x1, bb.y1), (bb.x0, bb.y1)]
    else:
        rotation = t.get_rotation()
        t.set_rotation(0)
        flat = t.get_window_extent(renderer)
        t.set_rotation(rotation)
        w, h = flat.width, flat.height
        sin = math.sin(theta)
        assert 0 < theta < math.pi / 2, "only slants between 0 and 90 degrees are handled"
        corners = [
            (bb.x0 + h * sin, bb.y0),
            (bb.x1, bb.y0 + w * sin),
            (bb.x1 - h * sin, bb.y1),
            (bb.x0, bb.y1 - w * sin),
        ]
    pts = np.array(corners)
    centre = pts.mean(axis=0)
    # shrink by a pixel, so that boxes that merely touch do not count
    pts = centre + (pts - centre) * np.maximum(1 - 1.0 / np.maximum(np.abs(pts - centre), 1e-9), 0)
    return MplPath(np.vstack([pts, pts[:1]]), closed=True)


def _collisions(fig: Figure, texts: list[Text] | None = None) -> list[tuple[str, str]]:
    renderer = fig.canvas.get_renderer()
    shapes = [(t.get_text(), _outline(t, renderer)) for t in texts or _texts(fig)]
    return [
        (a, b)
        for (a, pa), (b, pb) in itertools.combinations(shapes, 2)
        if pa.intersects_path(pb, filled=True)
    ]


def _outside(fig: Figure, texts: list[Text]) -> list[str]:
    renderer = fig.canvas.get_renderer()
    w, h = fig.bbox.width, fig.bbox.height
    out = []
    for t in texts:
        bb = t.get_window_extent(renderer)
        if bb.x0 < -1 or bb.y0 < -1 or bb.x1 > w + 1 or bb.y1 > h + 1:
            out.append(t.get_text())
    return out


def _by_gid(ax, gid):
    found = [a for a in ax.get_children() if a.get_gid() == gid]
    assert found, f"nothing drawn with gid {gid!r}"
    return found[0]


def _all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in _texts(fig))


# --- formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (1.2e6, "USD", "$1.2M"),
        (-350_000, "USD", "-$350k"),
        (350_000, "EUR", "€350k"),
        (2.5e6, "GBP", "£2.5M"),
        (1.2e8, "JPY", "¥120M"),
        (1.2e6, "CHF", "CHF 1.2M"),
        (1_234_567, "USD", "$1.23M"),
        (999_950, "USD", "$1M"),
        (0, "USD", "$0"),
        (42.0, "EUR", "€42"),
        (3.2e9, "USD", "$3.2B"),
    ],
)
def test_format_money(value, currency, expected):
    assert fmt.format_money(value, currency) == expected


def test_compact_numbers_percentages_and_probabilities():
    assert [fmt.format_number(v) for v in (0.05, 1200, 3.5e6, -0.3)] == [
        "0.05",
        "1.2k",
        "3.5M",
        "-0.3",
    ]
    assert fmt.format_percent(0.25) == "25%"
    assert fmt.format_percent(-0.1234) == "-12.3%"
    assert fmt.format_probability(0.7243) == "72.4%"
    assert fmt.format_probability(0.00001) == "<0.1%"
    assert fmt.format_probability(0.99999) == ">99.9%"
    assert fmt.format_months(None, 36) == "> 36 months"
    assert fmt.format_quantile(0.1) == "P10" and fmt.format_quantile(0.025) == "P2.5"


def test_axis_formatters_show_each_tick_exactly():
    assert st.PercentFormatter().format_ticks([0.29, 0.2925, 0.295]) == ["29%", "29.25%", "29.5%"]
    assert st.MoneyFormatter("USD").format_ticks([-1e6, 1e-10, 1e6]) == ["−$1M", "$0", "$1M"]


def test_chart_meta_from_summary_and_stamp():
    summary = {
        "name": "X",
        "currency": "EUR",
        "trials": 100_000,
        "seed": 42,
        "sampling": "random",
        "version": "0.1.0",
        "horizon_months": 36,
        "discount_rate": 0.1,
        "scenario": None,
    }
    meta = ChartMeta.from_summary(summary, config_hash="3fa9c2e1", target_roi=0.2)
    assert meta.currency == "EUR" and meta.target_roi == 0.2 and meta.discount_rate == 0.1
    assert meta.stamp() == "simulate 0.1.0 · 100,000 trials · seed 42 · random · config 3fa9c2e1"


# --- what is drawn is what was handed in ----------------------------------------


def test_percentile_lines_are_the_summary_values(normal):
    npv, roi, _, summary, meta = normal
    fig = npv_distribution(npv, summary, meta)
    ax = fig.axes[0]
    for key in ("p10", "p50", "p90"):
        line = _by_gid(ax, f"marker-{key}")
        assert np.all(np.asarray(line.get_xdata(), dtype=float) == summary["metrics"]["npv"][key])
        label = _by_gid(ax, f"marker-{key}-label").get_text()
        assert label.startswith(key.upper())
    p = fmt.format_probability(summary["probabilities"]["npv_positive"])
    assert f"P(NPV > 0) = {p}" in _all_text(fig)
    # the ROI chart: same, plus the target line at the target
    fig = roi_distribution(roi, summary, meta)
    ax = fig.axes[0]
    for key in ("p10", "p50", "p90"):
        line = _by_gid(ax, f"marker-{key}")
        assert line.get_xdata()[0] == summary["metrics"]["roi"][key]
    assert _by_gid(ax, "marker-target").get_xdata()[0] == meta.target_roi
    p = fmt.format_probability(summary["probabilities"]["roi_at_least_target"])
    assert p in _all_text(fig)


def test_currency_symbol_in_ticks_and_labels(normal):
    npv, _, _, summary, meta = normal
    for cur, sym in (("EUR", "€"), ("JPY", "¥"), ("CHF", "CHF ")):
        meta_c = ChartMeta(**{**meta.__dict__, "currency": cur})
        fig = npv_distribution(npv, summary, meta_c)
        fig.draw_without_rendering()
        ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
        assert ticks and all(sym in t for t in ticks if t not in ("0",)), ticks
        assert sym in _by_gid(fig.axes[0], "marker-p50-label").get_text()
        assert f"({cur})" in fig.axes[0].get_xlabel()


def test_payback_target_probability_is_the_summary_number(normal):
    *_, payback, summary, meta = normal
    months, prob = _curve(payback)
    fig = payback_curve(months, prob, summary, meta)
    ax = fig.axes[0]
    p = summary["probabilities"]["payback_within_target"]
    marker = _by_gid(ax, "target")
    assert marker.get_xdata()[0] == meta.target_payback_months
    assert marker.get_ydata()[0] == p
    label = _by_gid(ax, "target-label").get_text()
    assert label.startswith(fmt.format_probability(p))
    never = fmt.format_probability(1 - summary["probabilities"]["payback_within_horizon"])
    assert f"{never} not paid back within {T} months" in _all_text(fig)


def test_tornado_bars_top_to_bottom_in_the_rows_order():
    rows = _rows(20)
    fig = tornado(rows, 1.1e6, _run(np.ones(3), np.ones(3), np.ones(3))[1])
    ax = fig.axes[0]
    fig.draw_without_rendering()
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    top_to_bottom = sorted(ticks, key=lambda t: -t.get_window_extent().y0)
    assert [t.get_text() for t in top_to_bottom] == [r["input"] for r in rows[:12]]
    assert "8 more inputs" in _by_gid(ax, "cut-note").get_text()
    # bars run from the base to each end, and the ends carry the input's value
    bar = _by_gid(ax, "bar-0-low")
    assert math.isclose(bar.get_x(), rows[0]["metric_low"])  # low end left of the base
    assert math.isclose(bar.get_x() + bar.get_width(), 1.1e6)
    bar = _by_gid(ax, "bar-0-high")
    assert math.isclose(bar.get_x(), 1.1e6)
    assert math.isclose(bar.get_x() + bar.get_width(), rows[0]["metric_high"])
    assert _by_gid(ax, "value-0-high").get_text() == "1.5k"
    assert "Base case $1.1M" in _all_text(fig)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["input at P10", "input at P90"]


def test_a_one_month_horizon_says_1_month():
    payback = np.where(np.arange(N) % 4 == 0, np.inf, 0.5)
    npv = np.linspace(-1e5, 1e5, N)
    s, m = _run(npv, npv / 1e6, payback, target_months=None, horizon_months=1)
    fig = payback_curve(np.array([0.0, 1.0]), np.array([0.0, 0.75]), s, m)
    text = _all_text(fig)
    assert "not paid back within 1 month" in text and "1 months" not in text


def test_tornado_other_metrics_and_open_payback():
    meta = _run(np.ones(3), np.ones(3), np.ones(3))[1]
    rows = [
        {"input": "lag", "low_q": 0.05, "high_q": 0.95, "low_value": 2, "high_value": 9,
         "metric_low": 14.0, "metric_high": None, "swing": 99.0},
    ]  # fmt: skip
    fig = tornado(rows, 16.2, meta, metric="payback_months")
    ax = fig.axes[0]
    assert _by_gid(ax, "bar-0-high").get_hatch() == "///"
    assert "input at P5" in _all_text(fig) and "no payback within the 36-month" in _all_text(fig)
    roi_rows = [dict(r, metric_low=0.1, metric_high=0.4) for r in _rows(3)]
    fig = tornado(roi_rows, 0.25, meta, metric="roi")
    assert "Base case 25%" in _all_text(fig)
    with pytest.raises(ValueError, match="not a tornado metric"):
        tornado(roi_rows, 0.25, meta, metric="irr")


def test_waterfall_steps_to_the_total():
    meta = _run(np.ones(3), np.ones(3), np.ones(3))[1]
    fig = waterfall(WATERFALL, meta)
    ax = fig.axes[0]
    fig.draw_without_rendering()
    names = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert names == [*(n for n, _ in WATERFALL[:3]), "Gross benefits", "Platform licence",
                     "Implementation", "NPV"]  # fmt: skip
    total = _by_gid(ax, "bar-6")
    assert math.isclose(total.get_height(), sum(v for _, v in WATERFALL))
    assert _by_gid(ax, "value-6").get_text() == "$2.15M"
    assert _by_gid(ax, "value-4").get_text() == "−$1.1M"
    assert _by_gid(ax, "value-0").get_text() == "+$2.1M"


def test_fan_draws_the_bands_handed_in():
    months, bands = _bands()
    meta = _run(np.ones(3), np.ones(3), np.ones(3))[1]
    fig = cashflow_fan(months, bands, meta)
    ax = fig.axes[0]
    median = _by_gid(ax, "median")
    assert np.array_equal(median.get_ydata(), bands["p50"])
    assert (
        _by_gid(ax, "end-p50").get_text()
        == f"Median {fmt.format_money(bands['p50'][-1], 'USD', minus=fmt.MINUS)}"
    )


# --- files ------------------------------------------------------------------------


def test_save_writes_sound_files(tmp_path, normal):
    npv, _, _, summary, meta = normal
    fig = npv_distribution(npv, summary, meta)
    paths = save(fig, tmp_path / "figures" / "npv", ["png", "svg"])
    assert [p.name for p in paths] == ["npv.png", "npv.svg"]
    png = paths[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"Software" not in png
    image = mimage.imread(paths[0])
    assert image.shape[:2] == (1125, 2000)  # 10 x 5.625 in at 200 dpi
    root = ET.parse(paths[1]).getroot()
    assert root.tag.endswith("svg")
    assert not list(tmp_path.rglob("*.part"))
    with pytest.raises(ConfigError, match="'jpg' is not a figure format"):
        save(fig, tmp_path / "x", ["jpg"])


def test_output_is_byte_identical_for_the_same_chart(tmp_path, normal):
    npv, _, _, summary, meta = normal
    a = save(npv_distribution(npv, summary, meta), tmp_path / "a", ["svg", "pdf"])
    b = save(npv_distribution(npv, summary, meta), tmp_path / "b", ["svg", "pdf"])
    assert a[1].read_bytes()[:5] == b"%PDF-"
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.suffix


def test_save_draws_a_png_once(tmp_path, normal, monkeypatch):
    # savefig runs the layout engine in a draw of its own before the draw that
    # renders: two draws per file. A chart's PNG is drawn once, its layout run
    # inside that draw: the same picture as matplotlib's savefig, at the same dpi.
    npv, _, _, summary, meta = normal
    fig = npv_distribution(npv, summary, meta)
    png_options = {"dpi": st.PNG_DPI, "facecolor": "white", "format": "png"}
    with mpl.rc_context(st.RC):
        fig.savefig(tmp_path / "reference.png", **png_options, **output._SAVE_OPTIONS["png"])
    engine = fig.get_layout_engine()
    draws, layouts = [], []
    monkeypatch.setattr(Figure, "draw", _counting(Figure.draw, draws))
    monkeypatch.setattr(type(engine), "execute", _counting(type(engine).execute, layouts))
    (png,) = save(fig, tmp_path / "npv", ["png"])
    assert (len(draws), len(layouts)) == (1, 1)
    with PIL.Image.open(png) as ours, PIL.Image.open(tmp_path / "reference.png") as theirs:
        assert ours.mode == theirs.mode == "RGBA"
        assert ours.info == theirs.info  # the dpi, and no date or software
        assert np.array_equal(np.asarray(ours), np.asarray(theirs))
    assert fig.get_layout_engine() is engine  # the figure is left as it was


def test_a_precision_runs_chart_is_measured_at_the_dpi_it_is_saved_at(tmp_path, normal):
    # the convergence chart's figure was made at matplotlib's 100 dpi: its text
    # measured at half the PNG's resolution, and its PNG drawn twice by savefig
    _, _, _, _, meta = normal
    checks = [
        {"trials": n, "met": n > 2048, "figures": {"npv_positive": {"estimate": est, "low": est - hw,
                                                                    "high": est + hw}}}
        for n, est, hw in ((1024, 0.81, 0.024), (2048, 0.80, 0.017), (4096, 0.80, 0.012))
    ]  # fmt: skip
    stop = {"reason": "precision", "trials": 4096, "targets": {"npv_positive": "1.5pp"},
            "checks": checks}  # fmt: skip
    fig = convergence(stop, meta)
    assert fig.dpi == st.PNG_DPI
    (png,) = save(fig, tmp_path / "convergence", ["png"])
    with PIL.Image.open(png) as image:
        assert image.size == (2000, 1125)


def _counting(method, calls: list):
    def counted(*args, **kwargs):
        calls.append(args[0])
        return method(*args, **kwargs)

    return counted


def test_drawing_leaves_global_state_alone(normal):
    npv, _, _, summary, meta = normal
    before = dict(mpl.rcParams)
    npv_distribution(npv, summary, meta)
    assert dict(mpl.rcParams) == before


# --- awkward cases: nothing collides, nothing falls off the page ----------------


def _awkward_charts():
    rng = np.random.default_rng(7)
    # almost never pays back
    npv = rng.normal(-2e6, 8e5, N)
    roi = npv / 3e6
    payback = rng.gamma(30, 1.5, N)
    payback[payback > T] = np.inf
    s, m = _run(npv, roi, payback)
    yield "never-npv", npv_distribution(npv, s, m)
    yield "never-payback", payback_curve(*_curve(payback), s, m)
    # huge right tail, EUR, no ROI target
    npv = rng.lognormal(13, 1.3, N) - 6e5
    s, m = _run(npv, npv / 8e5, payback, target_roi=None, currency="EUR")
    yield "tail-npv", npv_distribution(npv, s, m)
    yield "tail-roi", roi_distribution(npv / 8e5, s, m)
    # percentiles almost equal, the ROI target on the median, NaN ROI, JPY
    npv = rng.normal(1.2e8, 2e5, N)
    roi = rng.normal(0.3, 0.0004, N)
    roi[:50] = np.nan
    s, m = _run(npv, roi, rng.normal(20, 0.2, N), target_months=12.0, target_roi=0.3,
                currency="JPY")  # fmt: skip
    yield "tight-npv", npv_distribution(npv, s, m)
    yield "tight-roi", roi_distribution(roi, s, m)
    # every trial identical
    const = np.full(N, 5e5)
    s, m = _run(const, const / 1e6, np.full(N, 10.0))
    yield "constant-npv", npv_distribution(const, s, m)
    # payback target never reached; no targets at all; a long name
    s, m = _run(npv, roi, np.full(N, np.inf), target_months=6.0)
    yield "no-payback", payback_curve(np.arange(T + 1), np.zeros(T + 1), s, m)
    s, m = _run(npv, roi, payback, target_months=None, target_roi=None,
                name="A very long programme name for a customer experience transformation "
                "across all channels and regions, 2026 to 2028")  # fmt: skip
    yield "long-name-payback", payback_curve(*_curve(payback), s, m)
    yield "long-name-roi", roi_distribution(roi, s, m)
    # fans: ordinary and collapsed to one line
    yield "fan", cashflow_fan(*_bands(), m)
    yield "fan-collapsed", cashflow_fan(*_bands(collapsed=True), m)
    # tornados: one row, twenty rows, long names, same-side bars
    yield "tornado-1", tornado(_rows(1), 1.1e6, m)
    yield "tornado-20", tornado(_rows(20), 1.1e6, m)
    yield "tornado-long", tornado(_rows(14, long=True), 1.1e6, m)
    same_side = [dict(r, metric_low=1.2e6, metric_high=1.5e6) for r in _rows(3)]
    yield "tornado-same-side", tornado(same_side, 1.1e6, m)
    # waterfalls: ordinary, negative NPV, many long-named lines
    yield "waterfall", waterfall(WATERFALL, m)
    yield "waterfall-negative", waterfall([("Churn", 5e5), ("Licence", -9e5), ("Build", -4e5)], m)
    many = [(f"benefits[{i}].uplift_line_{i}", 3e5 * (i + 1)) for i in range(7)]
    many += [(f"Cost line number {i}", -2e5 * (i + 1)) for i in range(5)]
    yield "waterfall-many", waterfall(many, m)


def test_no_text_collides_in_awkward_cases():
    problems = {}
    for name, fig in _awkward_charts():
        texts = _texts(fig)  # one draw
        clashes = _collisions(fig, texts)
        outside = _outside(fig, texts)
        if clashes or outside:
            problems[name] = {"overlap": clashes, "outside": outside}
    assert not problems


def test_close_percentiles_get_distinct_labels_and_leaders():
    rng = np.random.default_rng(3)
    npv = rng.normal(1.2e8, 2e5, N)
    s, m = _run(npv, npv / 1e9, np.full(N, 5.0), currency="JPY")
    fig = npv_distribution(npv, s, m)
    ax = fig.axes[0]
    labels = [
        _by_gid(ax, f"marker-{k}-label").get_text().split("\n")[1] for k in ("p10", "p50", "p90")
    ]
    assert len(set(labels)) == 3, labels
    assert all(lab.startswith("¥") for lab in labels)


def test_roi_with_nan_is_drawn_and_counted():
    rng = np.random.default_rng(5)
    roi = rng.normal(0.4, 0.3, N)
    roi[:123] = np.nan
    s, m = _run(roi * 1e6, roi, np.full(N, 5.0))
    fig = roi_distribution(roi, s, m)
    assert "123 trials have no cost" in _all_text(fig)


def test_drawing_into_a_callers_axes():
    rng = np.random.default_rng(11)
    npv = rng.normal(1e6, 5e5, 5000)
    s, m = _run(npv, npv / 1e6, np.full(5000, 5.0))
    fig = Figure(figsize=(12, 5), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    assert npv_distribution(npv, s, m, ax=ax1) is fig
    assert tornado(_rows(4), 1.1e6, m, ax=ax2) is fig
    stamps = [t for t in fig.texts if t.get_gid() == "simulate-stamp"]
    assert len(stamps) == 1
    assert m.name in _all_text(fig)
    assert not _collisions(fig)


@pytest.mark.parametrize("owned", [True, False, "long"])
def test_a_random_seeds_stamp_fits_the_figure_whole(owned):
    # a seed drawn at random has 19 digits: on a small caller's figure the stamp,
    # set against its right edge, ran off the left one ("e 0.1.0 · 2,000 trials ...")
    rng = np.random.default_rng(11)
    npv = rng.normal(1e6, 5e5, 2000)
    s, m = _run(npv, npv / 1e6, np.full(2000, 5.0), seed=8430372135079926612,
                scenario="conservative")  # fmt: skip
    if owned == "long":  # a scenario name too long for a line of its own (up to 200 bytes)
        name = "Bear case (CFO review, Q3 2027) - agents adopt slowly, the pilot saving was "
        name += "optimistic and go-live slips by a quarter; the finance team's view for the board"
        m = dataclasses.replace(m, scenario=name)
        fig = npv_distribution(npv, s, m)
    elif owned:  # a 10-inch figure: a stamp with long scenario and overlay names
        m = dataclasses.replace(m, scenario="conservative " * 6, overlay="CFO review " * 5)
        fig = npv_distribution(npv, s, m)
    else:
        fig = Figure(figsize=(5.0, 3.1), layout="constrained")
        npv_distribution(npv, s, m, ax=fig.add_subplot())
    texts = _texts(fig)
    stamp = [t for t in texts if t.get_gid() == "simulate-stamp"]
    assert len(stamp) == 1 and not _outside(fig, stamp)
    # whole, broken only between its parts: the run is reproduced from the seed shown
    # a part too long for a line alone is wrapped at its own spaces, and the parts
    # stay apart: each boundary a " · " or a line break, never a space
    parts = [re.escape(part).replace(r"\ ", "[ \n]") for part in m.stamp().split(" · ")]
    assert re.fullmatch("(?: · |\n)".join(parts), stamp[0].get_text())
    if owned != "long":
        assert stamp[0].get_text().replace("\n", " · ") == m.stamp()
    assert "seed 8430372135079926612" in stamp[0].get_text()


def test_modules_do_not_use_pyplot():
    modules = sorted(Path(plotting.__file__).parent.rglob("*.py"))
    assert {"_layout.py", "compare.py", "distributions.py"} <= {p.name for p in modules}
    for path in modules:
        source = path.read_text(encoding="utf-8")
        assert "matplotlib.pyplot" not in source and "import pyplot" not in source, path.name


def test_formats_may_be_given_as_on_the_command_line(tmp_path, normal):
    npv, _, _, summary, meta = normal
    fig = npv_distribution(npv, summary, meta)
    assert [p.suffix for p in save(fig, tmp_path / "npv", "svg,SVG, .svg")] == [".svg"]


def _waterfall_lines(n: int) -> list[tuple[str, float]]:
    """``n`` lines: 12 as in the QA config of ordinary labels; else a third of them costs,
    with long names past 12 lines."""
    if n == 12:
        streams = [(f"Saving stream {i:02d} in region", 1.67e6 + 2.5e5 * i) for i in range(8)]
        return [("Chat deflection", 1.45e6), ("Agent assist", 7.53e6), *streams,
                ("Platform build and integration", -6.71e6), ("Licences and hosting", -3.34e6)]  # fmt: skip
    n_costs = n // 3
    long = " with a label of exactly sixty characters for the chart!!" if n > 12 else ""
    benefits = [(f"Benefit line {i:02d}{long}", 2e5 * (i + 1)) for i in range(n - n_costs)]
    costs = [(f"Cost line {i:02d}{long}", -3e5 * (i + 1)) for i in range(n_costs)]
    return benefits + costs


@pytest.mark.parametrize("n", [1, 12, 30])
@pytest.mark.parametrize("owned", [True, False])
def test_a_waterfall_of_any_length_keeps_its_text_apart_and_inside(n, owned):
    # 12 and more lines used to pile their values on each other, slant their names
    # into each other and clip the NPV at the right edge; 30 overprinted everything
    m = _run(np.ones(3), np.ones(3), np.ones(3))[1]
    items = _waterfall_lines(n)
    if owned:
        fig = waterfall(items, m)
    else:  # the review pack's small chart
        fig = Figure(figsize=(6.4, 3.8), layout="constrained")
        waterfall(items, m, ax=fig.add_subplot(), max_lines=8)
    texts = _texts(fig)
    assert not _collisions(fig, texts) and not _outside(fig, texts)
    title = [t for t in texts if m.name in t.get_text()]
    assert title and all(t.get_text().count("\n") <= 1 for t in title)


def test_a_long_waterfall_sums_its_smallest_lines_into_a_bar_each_side():
    m = _run(np.ones(3), np.ones(3), np.ones(3))[1]
    items = _waterfall_lines(30)
    fig = waterfall(items, m, max_lines=10)
    ax = fig.axes[0]
    fig.draw_without_rendering()
    names = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    kept = {n for n, _ in items} & set(names)
    assert len(kept) == 9  # the nine largest, then a bar of benefits and one of costs
    groups = [nm for nm in names if nm.startswith("+")]
    assert groups == ["+13 smaller benefit lines", "+8 smaller cost lines"]
    for g, sign in zip(groups, (1, -1), strict=True):
        left = [v for nm, v in items if nm not in kept and sign * v > 0]
        bar = _by_gid(ax, f"bar-{names.index(g)}")
        assert math.isclose(bar.get_width(), abs(sum(left)))
    total = _by_gid(ax, f"bar-{len(names) - 1}")
    assert math.isclose(total.get_width(), abs(sum(v for _, v in items)))
    assert "21 smallest lines are summed" in _all_text(fig)
