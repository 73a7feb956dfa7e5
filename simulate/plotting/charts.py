"""Charts of a finished run, for slides and PDFs.

Every function takes finished results (per-trial arrays, the ``summary``
dict written as summary.json, sensitivity rows) and a :class:`ChartMeta`,
draws into ``ax`` or a new 16:9 :class:`~matplotlib.figure.Figure`, and
returns the Figure. Nothing here computes a statistic: percentiles and
probabilities are read from ``summary``; binning a histogram, clipping an
axis or stacking a waterfall is drawing. Nothing touches pyplot or the
global backend; the house style is applied with ``rc_context`` under a lock,
so charts can be drawn from threads (one at a time) and worker processes.

A chart drawn on its own figure carries the config's name as its title, a
subtitle that says what it shows and a footer stamp (tool version, trials,
seed, sampling, config hash) so that a chart pasted into a deck can be traced
to its run. :func:`save` writes PNG, SVG or PDF files that are byte-identical
for the same figure.

Here are the charts of one run (:mod:`simulate.figures` draws them for
``run``, ``sensitivity`` and ``batch``), :class:`ChartMeta` and :func:`save`.
The comparison charts of a batch live in :mod:`simulate.compare_plots` and
are exported here too; what all the charts share (frame, stamp, labels that
do not collide, axes) is in :mod:`simulate._layout`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import transforms as mtransforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator, NullLocator
from matplotlib.transforms import blended_transform_factory

from .. import format as fmt
from ..errors import ConfigError
from ..files import replacing
from . import _layout as lay
from . import _style as st
from .meta import ChartMeta

__all__ = [
    "FORMATS",
    "cashflow_fan",
    "npv_distribution",
    "payback_curve",
    "roi_distribution",
    "save",
    "spider",
    "tornado",
    "waterfall",
]

FORMATS = ("png", "svg", "pdf")


# --- distributions ------------------------------------------------------------


def _window(x: np.ndarray, keep: Sequence[float]) -> tuple[float, float, str]:
    """The x-range to draw, and which tail (if any) it cuts.

    A tail is cut at the 0.5th / 99.5th percentile of the values drawn when
    it would stretch the axis by more than a quarter of the middle 99%, which
    leaves the bulk of the distribution readable: a drawing decision, and
    the chart says so in a note.
    """
    lo_q, hi_q = (float(v) for v in np.quantile(x, [0.005, 0.995]))
    mn, mx = float(x.min()), float(x.max())
    core = hi_q - lo_q
    cut_left = core > 0 and (lo_q - mn) > 0.25 * core
    cut_right = core > 0 and (mx - hi_q) > 0.25 * core
    lo = lo_q if cut_left else mn
    hi = hi_q if cut_right else mx
    for k in keep:
        if k is not None and math.isfinite(k):
            lo, hi = min(lo, k), max(hi, k)
    if hi - lo <= 0:
        half = abs(lo) * 0.05 or 1.0
        lo, hi = lo - half, hi + half
    # show break-even when it is close to the data
    lo, hi = lay.include_break_even(lo, hi, hi - lo)
    cut = {
        (True, True): "both tails",
        (True, False): "left tail",
        (False, True): "right tail",
    }.get((cut_left, cut_right), "")
    return lo, hi, cut


def _histogram(ax: Axes, x: np.ndarray, lo: float, hi: float) -> float:
    """Draw the histogram with bars left of 0 in the loss colour; return the tallest bar."""
    n_bins = int(np.clip(np.sqrt(x.size), 12, 80))
    width = (hi - lo) / n_bins
    # bin edges on a grid through 0, so that no bar straddles break-even
    k0, k1 = math.floor(lo / width), math.ceil(hi / width)
    edges = np.arange(k0, k1 + 1) * width
    counts, _ = np.histogram(x, bins=edges)
    split = int(np.clip(-k0, 0, len(counts)))  # index of the edge at 0
    if split > 0:
        ax.stairs(counts[:split], edges[: split + 1], fill=True, color=st.LOSS, lw=0, zorder=2)
    if split < len(counts):
        ax.stairs(counts[split:], edges[split:], fill=True, color=st.MAIN, lw=0, zorder=2)
    return float(counts.max()) if counts.size and counts.max() > 0 else 1.0


def _marker_row(ax: Axes, markers: Sequence[tuple[str, float, str, str, str]], peak: float):
    """Vertical marker lines with their labels in one row at the top of the plot.

    ``markers``: (label, x, colour, linestyle, gid). Labels that would collide
    are spread sideways (order kept) and joined to their line by a short
    leader; the y-range is then set so that the bars stay below the leaders.
    Expects the figure to be laid out already.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    axbb = ax.get_window_extent(renderer)
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    texts = [
        ax.text(
            x,
            0.985,
            label,
            transform=blend,
            ha="center",
            va="top",
            fontsize=st.LABEL_SIZE,
            color=st.TARGET_TEXT if color == st.TARGET else st.INK,
            linespacing=1.2,
            zorder=6,
            in_layout=False,
            gid=f"{gid}-label",
        )
        for label, x, color, _, gid in markers
    ]
    if not texts:
        ax.set_ylim(0, peak * 1.08)
        return
    boxes = [t.get_window_extent(renderer) for t in texts]
    want = [ax.transData.transform((m[1], 0))[0] for m in markers]
    centres = lay.spread(want, [b.width for b in boxes], axbb.x0 + 1, axbb.x1 - 1, lay.px(fig, 10))
    inverse = ax.transData.inverted()
    for t, c in zip(texts, centres, strict=True):
        t.set_x(inverse.transform((c, 0))[0])
    label_bottom = min((b.y0 - axbb.y0) / axbb.height for b in boxes)
    knee = label_bottom - lay.px(fig, 9) / axbb.height
    for (_, x, color, style, gid), t, c, w in zip(markers, texts, centres, want, strict=True):
        ax.axvline(x, 0, knee, color=color, ls=style, lw=1.5, zorder=5, gid=gid)
        ax.plot(
            [x, t.get_position()[0]],
            [knee, label_bottom + 0.006],
            transform=blend,
            color=color,
            lw=0.9 if abs(c - w) > 1 else 1.5,
            ls="-",
            zorder=5,
            gid=f"{gid}-leader",
        )
    ax.set_ylim(0, peak / max(knee - 0.04, 0.3))


def _distribution(
    fig: Figure,
    ax: Axes,
    owned: bool,
    meta: ChartMeta,
    values: np.ndarray,
    markers: list[tuple[str, float, str, str, str]],
    xformatter,
    xlabel: str,
    head: str,
    loss_aside: str,
    notes: list[str],
    subtitle: str,
) -> None:
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    ax.yaxis.set_major_locator(NullLocator())
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    lay.value_axis(ax, "x", xformatter, grid=False)
    if x.size == 0:
        ax.text(0.5, 0.5, "No finite values to draw", transform=ax.transAxes, ha="center")
        lay.frame(fig, ax, owned, meta, subtitle, head, notes=notes)
        return
    lo, hi, cut = _window(x, [m[1] for m in markers])
    pad = 0.03 * (hi - lo)
    left, right = lo - pad, hi + pad
    lay.shade_loss(ax, left, right, gid="loss-region")
    peak = _histogram(ax, x, lo, hi)
    ax.set_xlim(left, right)
    if cut == "both tails":
        notes = ["the x-axis shows the middle 99% of trials (0.5th to 99.5th percentile)", *notes]
    elif cut:
        side, q = ("left", "0.5th") if cut == "left tail" else ("right", "99.5th")
        notes = [
            f"the x-axis is cut at the {q} percentile of trials; the long {side} tail "
            "beyond it is not shown",
            *notes,
        ]
    aside = loss_aside if left < 0 else ""
    lay.frame(fig, ax, owned, meta, subtitle, head, aside, st.LOSS, notes)
    _marker_row(ax, markers, peak)


def _percentile_markers(stats: Mapping, fmt: Callable[[float, int], str]):
    keys = [k for k in ("p10", "p50", "p90") if stats.get(k) is not None]
    values = [float(stats[k]) for k in keys]
    labels = lay.distinct_labels(values, fmt)
    return [
        (f"{k.upper()}\n{label}", v, st.INK, "-" if k == "p50" else "--", f"marker-{k}")
        for k, v, label in zip(keys, values, labels, strict=True)
    ]


@lay.styled
def npv_distribution(
    npv: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Histogram of NPV across trials.

    The loss region (NPV < 0) is shaded, P10 / P50 / P90 (from
    ``summary["metrics"]["npv"]``) are marked with their values, and
    P(NPV > 0) (``summary["probabilities"]["npv_positive"]``) heads the plot.
    A long tail is cut at the 0.5th / 99.5th percentile of the values drawn,
    with a note saying so.

    Parameters
    ----------
    npv : per-trial NPV; non-finite values are not drawn.
    summary : the summary.json dict of the same run.
    meta : what the chart says about the run.
    ax : draw here instead of on a new figure.
    subtitle : replaces the default subtitle.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = lay.start(ax)
    cur = meta.currency
    markers = _percentile_markers(
        summary["metrics"]["npv"], lambda v, sig: fmt.format_money(v, cur, sig=sig, minus=fmt.MINUS)
    )
    p_pos = summary["probabilities"]["npv_positive"]
    _distribution(
        fig,
        ax,
        owned,
        meta,
        npv,
        markers,
        st.MoneyFormatter(cur),
        f"Net present value ({cur})",
        f"P(NPV > 0) = {fmt.format_probability(p_pos)}",
        "Shaded: loss (NPV < 0)",
        [],
        subtitle or f"Net present value of {meta.run_description()}",
    )
    return fig


@lay.styled
def roi_distribution(
    roi: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Histogram of ROI (NPV / PV of costs) across trials, in percent.

    Trials with an undefined ROI (NaN: no cost) are not drawn, and a note
    says how many. P10 / P50 / P90 come from ``summary["metrics"]["roi"]``;
    ``meta.target_roi`` is drawn where set, and
    ``summary["probabilities"]["roi_at_least_target"]`` heads the plot
    (P(NPV > 0) without a target). Parameters and return as
    :func:`npv_distribution`.
    """
    fig, ax, owned = lay.start(ax)
    roi = np.asarray(roi, dtype=float).ravel()
    undefined = int(np.count_nonzero(~np.isfinite(roi)))
    probs = summary["probabilities"]

    def pct(v, sig=3):
        return fmt.format_percent(v, sig=sig, minus=fmt.MINUS)

    markers = _percentile_markers(summary["metrics"]["roi"], pct)
    target = meta.target_roi
    if target is not None:
        markers.append((f"Target\n{pct(target)}", float(target), st.TARGET, "-", "marker-target"))
        p_t = probs.get("roi_at_least_target")
        head = f"P(ROI ≥ {pct(target)} target) = {fmt.format_probability(p_t)}"
    else:
        head = f"P(ROI > 0) = {fmt.format_probability(probs['npv_positive'])}"
    notes = []
    if undefined:
        what = "trial has" if undefined == 1 else "trials have"
        notes.append(f"{undefined:,} {what} no cost, so no ROI, and are not shown")
    _distribution(
        fig,
        ax,
        owned,
        meta,
        roi,
        markers,
        st.PercentFormatter(),
        "Return on investment (NPV ÷ PV of costs)",
        head,
        "Shaded: loss (ROI < 0)",
        notes,
        subtitle or f"Return on investment of {meta.run_description()}",
    )
    return fig


# --- payback ------------------------------------------------------------------


def _fmt_month(m: float) -> str:
    return f"{m:g}" if float(m).is_integer() else f"{m:.1f}"


@lay.styled
def payback_curve(
    months: np.ndarray,
    prob_paid_back: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Probability of having paid back by month m, as a step curve.

    ``prob_paid_back[i]`` is the share of trials paid back (undiscounted) by
    the end of ``months[i]``. The target month (``meta.target_payback_months``)
    is marked with ``summary["probabilities"]["payback_within_target"]``
    (without a target, the median payback from the summary heads the plot),
    and the share that never pays back within the horizon
    (1 - ``payback_within_horizon``) is stated and bracketed at the right.
    Parameters and return as :func:`npv_distribution`.
    """
    fig, ax, owned = lay.start(ax)
    months = np.asarray(months, dtype=float).ravel()
    prob = np.asarray(prob_paid_back, dtype=float).ravel()
    probs = summary["probabilities"]
    horizon = meta.horizon_months
    target = meta.target_payback_months
    has_target = target is not None and math.isfinite(target)
    p_target = probs.get("payback_within_target") if has_target else None
    p_horizon = probs.get("payback_within_horizon")

    sx = np.repeat(months, 2)[1:]
    sy = np.repeat(prob, 2)[:-1]
    ax.fill_between(sx, 0, sy, color=st.MAIN, alpha=0.10, lw=0, zorder=1)
    ax.plot(sx, sy, color=st.MAIN, lw=2.4, zorder=3, gid="payback-curve")

    x_max = float(max(horizon, months.max() if months.size else horizon))
    if has_target:
        x_max = max(x_max, float(target))
    ax.set_xlim(0, x_max)
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_locator(MultipleLocator(0.25))
    ax.yaxis.set_major_formatter(st.PercentFormatter())
    ax.xaxis.set_major_locator(lay.month_locator(x_max))
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel("Share of trials paid back")

    if p_target is not None:
        head = (
            f"{fmt.format_probability(p_target)} paid back within the "
            f"{_fmt_month(target)}-month target"
        )
    else:
        p50 = summary.get("metrics", {}).get("payback_months", {}).get("p50")
        head = f"Median payback: {fmt.format_months(p50, horizon)}"
    aside = ""
    if p_horizon is not None:
        never = 1.0 - float(p_horizon)
        aside = f"{fmt.format_probability(never)} not paid back within {horizon} months"
    lay.frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            "Share of trials that have recovered the investment by each month "
            f"(undiscounted) · {horizon}-month horizon"
        ),
        head,
        aside,
        st.LOSS,
    )

    if p_horizon is not None and 1.0 - float(p_horizon) >= 0.04:
        # the never-paid-back share, bracketed just right of the curve's end
        nudge = mtransforms.ScaledTranslation(7 / 72, 0, fig.dpi_scale_trans)
        xb = float(months.max()) if months.size else float(horizon)
        ax.plot(
            [xb, xb],
            [float(p_horizon), 1.0],
            color=st.LOSS,
            lw=1.6,
            marker="_",
            ms=9,
            mew=1.6,
            transform=ax.transData + nudge,
            clip_on=False,
            zorder=4,
            gid="never-bracket",
        )

    if p_target is not None:
        pt, tx = float(p_target), float(target)
        guide = {"color": st.TARGET, "lw": 1.3, "ls": (0, (3, 2)), "zorder": 4}
        ax.plot([tx, tx], [0, pt], gid="target-vline", **guide)
        ax.plot([0, tx], [pt, pt], gid="target-hline", **guide)
        ax.plot(
            [tx], [pt], "o", ms=8, color=st.TARGET, mec="white", mew=1.5, zorder=6, gid="target"
        )
        _label_point(
            ax,
            tx,
            pt,
            f"{fmt.format_probability(pt)} by month {_fmt_month(tx)}\n(target)",
            avoid=[(sx, sy), ([tx, tx], [0, pt]), ([0, tx], [pt, pt])],
        )
    return fig


def _label_point(ax: Axes, x: float, y: float, text: str, avoid) -> None:
    """Label a point on the first side where the text hits no line and stays inside."""
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    axbb = ax.get_window_extent(renderer)
    paths = []
    for xs, ys in avoid:
        pts = ax.transData.transform(np.column_stack([xs, ys]))
        paths.append(_densify(pts, lay.px(fig, 2)))
    candidates = [
        ((-10, 10), "right", "bottom"),
        ((10, -10), "left", "top"),
        ((10, 10), "left", "bottom"),
        ((-10, -10), "right", "top"),
        ((12, 0), "left", "center"),
        ((-12, 0), "right", "center"),
    ]
    best = None
    for offset, ha, va in candidates:
        t = ax.annotate(
            text,
            xy=(x, y),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=st.LABEL_SIZE,
            fontweight="bold",
            color=st.TARGET_TEXT,
            zorder=7,
            in_layout=False,
            gid="target-label",
        )
        bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
        inside = bb.x0 >= axbb.x0 and bb.x1 <= axbb.x1 and bb.y0 >= axbb.y0 and bb.y1 <= axbb.y1 + 2
        score = (not inside, sum(_count_inside(bb, p) for p in paths))
        if score == (False, 0):
            if best is not None:
                best[1].remove()
            return
        if best is None or score < best[0]:
            if best is not None:
                best[1].remove()
            best = (score, t)
        else:
            t.remove()


def _count_inside(bb, pts: np.ndarray) -> int:
    x, y = pts[:, 0], pts[:, 1]
    return int(np.count_nonzero((x >= bb.x0) & (x <= bb.x1) & (y >= bb.y0) & (y <= bb.y1)))


def _densify(pts: np.ndarray, step: float) -> np.ndarray:
    out = [pts[:1]]
    for a, b in itertools.pairwise(pts):
        n = max(int(np.hypot(*(b - a)) / step), 1)
        t = np.linspace(0, 1, n + 1)[1:, None]
        out.append(a + (b - a) * t)
    return np.concatenate(out)


# --- cash flow fan --------------------------------------------------------------

_BANDS = (("p90", "P90"), ("p75", "P75"), ("p50", "Median"), ("p25", "P25"), ("p10", "P10"))


@lay.styled
def cashflow_fan(
    months: np.ndarray,
    bands: Mapping[str, np.ndarray],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    discounted: bool = False,
    subtitle: str | None = None,
) -> Figure:
    """Cumulative net cash flow by month: P10-P90 and P25-P75 bands, median line.

    ``bands`` maps ``"p10", "p25", "p50", "p75", "p90"`` to arrays over
    ``months`` (0..T). The investment shows as the dip below the zero line;
    each band's value at the horizon is written at the right. ``discounted``
    only changes the wording. Parameters and return as
    :func:`npv_distribution`.
    """
    fig, ax, owned = lay.start(ax)
    cur = meta.currency
    m = np.asarray(months, dtype=float).ravel()
    b = {k: np.asarray(bands[k], dtype=float).ravel() for k, _ in _BANDS}
    ax.fill_between(m, b["p10"], b["p90"], color=st.BAND_OUTER, lw=0, zorder=1, gid="band-80")
    ax.fill_between(m, b["p25"], b["p75"], color=st.BAND_INNER, lw=0, zorder=2, gid="band-50")
    ax.axhline(0, color=st.INK, lw=1.0, zorder=3, gid="zero")
    ax.plot(m, b["p50"], color=st.MAIN, lw=2.6, zorder=4, gid="median")
    ax.set_xlim(float(m.min()), float(m.max()))
    ax.xaxis.set_major_locator(lay.month_locator(float(m.max() - m.min())))
    lay.value_axis(ax, "y", st.MoneyFormatter(cur))
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel(f"Cumulative net cash flow ({cur})")
    kind = "discounted" if discounted else "undiscounted"
    # the labels at the right take their room in the layout before it is done
    values = [float(b[k][-1]) for k, _ in _BANDS]
    texts = lay.distinct_labels(
        values, lambda v, sig: fmt.format_money(v, cur, sig=sig, minus=fmt.MINUS)
    )
    labels = [
        ax.annotate(
            f"{name} {text}",
            xy=(float(m[-1]), v),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=st.LABEL_SIZE,
            fontweight="bold" if k == "p50" else "normal",
            color=st.MAIN if k == "p50" else st.MUTED,
            annotation_clip=False,
            gid=f"end-{k}",
        )
        for (k, name), v, text in zip(_BANDS, values, texts, strict=True)
        # bands that end where the median ends say nothing the median label does not
        if k == "p50" or text != texts[2]
    ]
    lay.frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            f"Cumulative net cash flow by month ({kind}): median, 50% band (P25–P75) "
            "and 80% band (P10–P90)"
        ),
    )
    lay.spread_end_labels(ax, labels)
    return fig


# --- tornado --------------------------------------------------------------------

_METRICS = {
    "npv": "Net present value",
    "roi": "Return on investment",
    "payback_months": "Payback period",
}


def _metric_format(metric: str, currency: str, horizon: int):
    if metric == "npv":
        return (
            lambda v: fmt.format_money(v, currency, minus=fmt.MINUS),
            st.MoneyFormatter(currency),
            f"Net present value ({currency})",
        )
    if metric == "roi":
        return (
            lambda v: fmt.format_percent(v, minus=fmt.MINUS),
            st.PercentFormatter(),
            "Return on investment",
        )
    if metric == "payback_months":
        return (
            lambda v: fmt.format_months(v, horizon),
            st.NumberFormatter(" mo"),
            "Payback (months, undiscounted)",
        )
    raise ValueError(f"{metric!r} is not a tornado metric. It must be one of {sorted(_METRICS)}")


_NAME_WIDTH = 40  # characters of an input name per line


@lay.styled
def tornado(
    rows: Sequence[Mapping],
    base_metric: float,
    meta: ChartMeta,
    metric: str = "npv",
    ax: Axes | None = None,
    *,
    max_rows: int = 12,
    subtitle: str | None = None,
) -> Figure:
    """One-at-a-time sensitivity: the metric with each input at its low and high quantile.

    ``rows`` are sensitivity.json's tornado rows, sorted by swing, largest
    first; the first is drawn at the top. Each bar runs from ``base_metric``
    to ``metric_low`` (input at its low quantile) or ``metric_high`` and is
    labelled at its end with the input's value there; when both ends lie on
    the same side of the base, the row holds two half-height bars. At most
    ``max_rows`` rows are drawn; a note counts the rest. ``metric`` is
    ``"npv"``, ``"roi"`` or ``"payback_months"``; a payback beyond the
    horizon (None or inf) is drawn to the horizon, hatched. Long input names
    wrap; on a figure of its own the chart grows taller rather than let them
    touch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    value_fmt, axis_fmt, xlabel = _metric_format(metric, meta.currency, meta.horizon_months)
    shown = list(rows[: max(int(max_rows), 0)])
    hidden = len(rows) - len(shown)
    n = len(shown)
    fig, ax, owned = lay.start(ax)
    q_lo = float(shown[0]["low_q"]) if shown else 0.1
    q_hi = float(shown[0]["high_q"]) if shown else 0.9
    low_name, high_name = fmt.format_quantile(q_lo), fmt.format_quantile(q_hi)

    def finite(v):
        if v is None or not math.isfinite(float(v)):
            return float(meta.horizon_months), True
        return float(v), False

    base, _ = finite(base_metric)
    ends = [base]
    labels = []
    beyond = False
    for i, row in enumerate(shown):
        lo_v, lo_open = finite(row["metric_low"])
        hi_v, hi_open = finite(row["metric_high"])
        beyond |= lo_open or hi_open
        d_lo = float(np.sign(lo_v - base)) or (-1.0 if hi_v >= base else 1.0)
        d_hi = float(np.sign(hi_v - base)) or -d_lo
        split = d_lo == d_hi
        for v, d, open_, color, q_value, which in (
            (lo_v, d_lo, lo_open, st.LOW, row["low_value"], "low"),
            (hi_v, d_hi, hi_open, st.HIGH, row["high_value"], "high"),
        ):
            y, h = (i + (-0.19 if which == "low" else 0.19), 0.36) if split else (i, 0.66)
            ax.barh(
                y,
                abs(v - base),
                left=min(v, base),
                height=h,
                color=color,
                lw=0,
                hatch="///" if open_ else None,
                edgecolor="white",
                zorder=3,
                gid=f"bar-{i}-{which}",
            )
            labels.append(
                ax.annotate(
                    fmt.format_number(q_value, minus=fmt.MINUS),
                    xy=(v, y),
                    xytext=(5 * d, 0),
                    textcoords="offset points",
                    ha="left" if d > 0 else "right",
                    va="center",
                    fontsize=st.LABEL_SIZE - 1,
                    color=st.TEXT,
                    zorder=5,
                    annotation_clip=False,
                    in_layout=False,  # kept inside the plot by fit_limits
                    gid=f"value-{i}-{which}",
                )
            )
            ends.append(v)

    names = [lay.wrap(str(r["input"]), _NAME_WIDTH) for r in shown]
    ax.set_yticks(range(n), names)
    top, bottom = -0.6, n - 0.5 + (0.9 if hidden else 0)
    if bottom - top < 6:  # a few rows: keep bars slim and centred, not slabs
        grow = (6 - (bottom - top)) / 2
        top, bottom = top - grow, bottom + grow
    ax.set_ylim(bottom, top)  # inverted: first row on top
    # the base line stops at the last row, clear of the note about hidden rows
    ax.vlines(base, top, n - 0.4 if hidden else bottom, color=st.INK, lw=1.3, zorder=4, gid="base")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    lay.value_axis(ax, "x", axis_fmt)
    ax.set_xlabel(xlabel)
    if hidden:
        ax.text(
            0.0,
            n + 0.15,
            f"+ {hidden} more input{'s' if hidden > 1 else ''} with smaller swings, not shown",
            transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="left",
            va="center",
            fontsize=st.NOTE_SIZE,
            fontstyle="italic",
            color=st.MUTED,
            in_layout=False,
            gid="cut-note",
        )
    if n == 0:
        ax.text(0.5, 0.5, "No inputs to show", transform=ax.transAxes, ha="center")
    lo, hi = min(ends), max(ends)
    span = hi - lo or max(abs(base) * 0.1, 1.0)
    ax.set_xlim(lo - 0.04 * span, hi + 0.04 * span)

    base_text = ax.annotate(
        f"Base case {value_fmt(base)}",
        xy=(base, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 5),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=st.LABEL_SIZE,
        fontweight="bold",
        color=st.INK,
        gid="base-label",
    )
    legend = ax.legend(
        [Patch(color=st.LOW), Patch(color=st.HIGH)],
        [f"input at {low_name}", f"input at {high_name}"],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=2,
        borderaxespad=0.2,
        columnspacing=1.2,
        handletextpad=0.5,
    )
    notes = (
        [f"a hatched bar means no payback within the {meta.horizon_months}-month horizon"]
        if beyond
        else []
    )
    frame = lay.frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or f"{_METRICS[metric]} with one input at its {low_name} or {high_name}, "
        "all others at their median",
        notes=notes,
        above=(legend, base_text),
    )
    _fit_rows(ax, bottom - top, frame)
    lay.fit_limits(ax, labels, "x", margin_pt=4)
    _place_legend(ax, legend, base_text)
    return fig


def _fit_rows(ax: Axes, rows: float, frame: lay.Frame | None) -> None:
    """Give each input name room: shrink the font, then (own figure) grow it taller."""
    ticks = ax.get_yticklabels()
    if not ticks:
        return
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    lines = max(t.get_text().count("\n") + 1 for t in ticks)
    pitch_pt = ax.get_window_extent(renderer).height / rows * 72.0 / fig.dpi
    size = float(st.BASE_SIZE if lines == 1 else st.NOTE_SIZE)
    grown = False
    if frame is None:
        size = max(min(size, (pitch_pt - 3) / (lines * 1.2)), 7.0)
    else:
        needed = lines * size * 1.15 + 4
        if needed > pitch_pt:
            frame.set_height(fig.get_size_inches()[1] + (needed - pitch_pt) * rows / 72.0)
            grown = True
    if size == st.BASE_SIZE and not grown:
        return  # as laid out already
    for t in ticks:
        t.set_fontsize(size)
        t.set_linespacing(1.0)
    lay.execute_layout(fig)


def _place_legend(ax: Axes, legend, base_text) -> None:
    """Keep the legend above the plot, clear of the base-case label.

    Tried in turn: legend right or left with the label centred on the base
    line, then the label beside the line on the free side; failing all, the
    label goes up a row.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    pad = lay.px(fig, 8)
    options = [
        ("right", "center"),
        ("left", "center"),
        ("left", "left"),
        ("right", "right"),
    ]
    for side, ha in options:
        legend.set_loc(f"lower {side}")
        legend.set_bbox_to_anchor((1.0 if side == "right" else 0.0, 1.0), transform=ax.transAxes)
        base_text.set_horizontalalignment(ha)
        base_text.xyann = ({"center": 0, "left": 4, "right": -4}[ha], 5)
        if not lay.overlaps(
            legend.get_window_extent(renderer), base_text.get_window_extent(renderer), pad
        ):
            return
    legend.set_loc("lower right")
    legend.set_bbox_to_anchor((1.0, 1.0), transform=ax.transAxes)
    base_text.set_horizontalalignment("center")
    height = legend.get_window_extent(renderer).height * 72.0 / fig.dpi
    base_text.xyann = (0, 8 + height)


# --- waterfall ------------------------------------------------------------------


@lay.styled
def waterfall(
    items: Sequence[tuple[str, float]],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    total_label: str = "NPV",
    subtotal: bool = True,
    subtitle: str | None = None,
) -> Figure:
    """Present value of each benefit line (up) and cost line (down), ending in NPV.

    ``items`` are (label, present value) in order: benefits positive, costs
    negative. When two or more benefits come before all costs, a "Gross
    benefits" bar stands between them (``subtotal``). The last bar is the
    total, ``total_label``. Every bar carries its value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = lay.start(ax)
    cur = meta.currency
    names = [str(label) for label, _ in items]
    vals = [float(v) for _, v in items]
    n_pos = sum(v >= 0 for v in vals)
    with_sub = (
        subtotal
        and 2 <= n_pos < len(vals)
        and all(v >= 0 for v in vals[:n_pos])
        and all(v < 0 for v in vals[n_pos:])
    )
    bars: list[tuple[str, float, float, str, str]] = []  # name, from, to, colour, kind
    running = 0.0
    for i, (name, v) in enumerate(zip(names, vals, strict=True)):
        if with_sub and i == n_pos:
            bars.append(("Gross benefits", 0.0, running, st.TOTAL, "total"))
        bars.append((name, running, running + v, st.MAIN if v >= 0 else st.LOSS, "step"))
        running += v
    bars.append((total_label, 0.0, running, st.TOTAL, "total"))

    def money(v):
        return fmt.format_money(v, cur, minus=fmt.MINUS)

    labels = []
    for x, (_, b0, b1, color, kind) in enumerate(bars):
        lo, hi = min(b0, b1), max(b0, b1)
        ax.bar(x, hi - lo, bottom=lo, width=0.66, color=color, lw=0, zorder=3, gid=f"bar-{x}")
        delta = b1 - b0
        up = delta >= 0 if kind == "step" else b1 >= 0
        text = money(b1) if kind == "total" else ("+" if delta > 0 else "") + money(delta)
        labels.append(
            ax.annotate(
                text,
                xy=(x, hi if up else lo),
                xytext=(0, 4 if up else -4),
                textcoords="offset points",
                ha="center",
                va="bottom" if up else "top",
                fontsize=st.LABEL_SIZE,
                fontweight="bold" if kind == "total" else "normal",
                color=st.INK,
                zorder=5,
                annotation_clip=False,
                in_layout=False,  # kept inside the plot by fit_limits
                gid=f"value-{x}",
            )
        )
        if x < len(bars) - 1:
            ax.plot([x + 0.33, x + 0.67], [b1, b1], color=st.FAINT, lw=0.9, ls=(0, (2, 2)))
    ax.axhline(0, color=st.INK, lw=1.0, zorder=4)
    lay.value_axis(ax, "y", st.MoneyFormatter(cur))
    ax.set_ylabel(f"Present value ({cur})")
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.6, len(bars) - 0.4)
    levels = [0.0] + [b[1] for b in bars] + [b[2] for b in bars]
    lo, hi = min(levels), max(levels)
    span = hi - lo or 1.0
    ax.set_ylim(lo - 0.02 * span if lo < 0 else 0, hi + 0.02 * span)
    ax.set_xticks(range(len(bars)), [b[0] for b in bars])
    lay.frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or (
            "Present value by line, from gross benefits to NPV · "
            f"{meta.horizon_months}-month horizon"
            + (
                f" · {fmt.format_discount_rate(meta.discount_rate)} discount rate"
                if meta.discount_rate is not None
                else ""
            )
        ),
    )
    _fit_categories(ax, [b[0] for b in bars], labels)
    lay.fit_limits(ax, labels, "y", margin_pt=3)
    return fig


def _fit_categories(ax: Axes, names: Sequence[str], labels: Sequence) -> None:
    """Fit the bar names and values to the bars' slots.

    Names wrap to their slot (at most three lines), shrinking to 9 pt; names
    that still do not fit are set at a slant instead. Values shrink until
    neighbours keep a clear gap.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    slot = ax.get_window_extent(renderer).width / max(len(names), 1)
    fitted = False
    for size in range(st.BASE_SIZE, 8, -1):
        chars = max(int(0.94 * slot / lay.px(fig, size * 0.62)), 4)
        ax.set_xticks(range(len(names)), [lay.wrap(nm, chars) for nm in names], fontsize=size)
        ticks = ax.get_xticklabels()
        lines = max(t.get_text().count("\n") + 1 for t in ticks)
        widest = max(t.get_window_extent(renderer).width for t in ticks)
        if widest <= 0.94 * slot and lines <= 3:
            fitted = True
            break
    if not fitted:
        ax.set_xticks(range(len(names)), [lay.wrap(nm, 28) for nm in names], fontsize=st.NOTE_SIZE)
        for t in ax.get_xticklabels():
            t.set_rotation(35)
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")
            t.set_linespacing(1.0)
    for size in range(st.LABEL_SIZE, 7, -1):
        for t in labels:
            t.set_fontsize(size)
        if max(t.get_window_extent(renderer).width for t in labels) <= slot - lay.px(fig, 8):
            break
    lay.execute_layout(fig)


# --- files ----------------------------------------------------------------------

_SAVE_OPTIONS = {
    # No dates and no software versions in the files: the same figure gives
    # the same bytes, and a re-run that changed nothing changes no file.
    "png": {"metadata": {"Software": None}},
    "svg": {"metadata": {"Date": None, "Creator": "simulate"}},
    "pdf": {
        "metadata": {"CreationDate": None, "ModDate": None, "Creator": "simulate", "Producer": None}
    },
}


def save(
    fig: Figure,
    path_without_suffix: Path | str,
    formats: Sequence[str] = ("png",),
    *,
    dpi: int = st.PNG_DPI,
) -> list[Path]:
    """Write ``fig`` once per format (``png``, ``svg``, ``pdf``); return the paths.

    ``path_without_suffix`` gets ``.png`` etc. appended (its parent is
    created). Each file is written under a temporary name and moved into
    place, so a failure never leaves half a file. PNG is written at ``dpi``
    (at least 200). The same figure gives byte-identical files: no dates or
    software versions, fixed SVG ids.

    Raises
    ------
    simulate.errors.ConfigError
        For a format that is not one of :data:`FORMATS`.
    """
    if isinstance(formats, str):  # "png,svg" as on the command line
        formats = formats.split(",")
    wanted = [str(f).strip().lower().lstrip(".") for f in formats if str(f).strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise ConfigError(
            f"{bad[0]!r} is not a figure format. It must be one of {', '.join(FORMATS)}",
            path="format",
        )
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with lay.RC_LOCK, mpl.rc_context(st.RC):
        for fmt in dict.fromkeys(wanted):
            target = base.with_name(f"{base.name}.{fmt}")
            with replacing(target) as tmp:
                fig.savefig(
                    tmp,
                    format=fmt,
                    dpi=max(int(dpi), st.PNG_DPI) if fmt == "png" else 72,
                    facecolor="white",
                    **_SAVE_OPTIONS[fmt],
                )
            written.append(target)
    return written


# --- spider ---------------------------------------------------------------------

# Okabe-Ito hues first; beyond them, dark grey and black with dashes.
_SPIDER_STYLES = (
    (st.BLUE, "-"),
    (st.VERMILLION, "-"),
    (st.GREEN, "-"),
    (st.ORANGE, "-"),
    (st.PURPLE, "-"),
    (st.SKY_BLUE, "-"),
    (st.TOTAL, (0, (5, 2))),
    (st.BLACK, (0, (1.5, 1.5))),
)


def _spider_style(i: int) -> tuple[str, object]:
    """Colour and dash of line ``i``: past the eight above, the hues again, dashed."""
    if i < len(_SPIDER_STYLES):
        return _SPIDER_STYLES[i]
    dash = (0, (4, 1.5)) if (i - len(_SPIDER_STYLES)) // 6 % 2 == 0 else (0, (1, 1.5))
    return _SPIDER_STYLES[(i - len(_SPIDER_STYLES)) % 6][0], dash


@lay.styled
def spider(
    spider_data: Mapping,
    base_metric: float,
    meta: ChartMeta,
    metric: str = "npv",
    ax: Axes | None = None,
    *,
    max_lines: int = 8,
    subtitle: str | None = None,
) -> Figure:
    """The metric as each input moves through its percentiles, the others at their median.

    ``spider_data`` is sensitivity.json's ``spider``: ``percentiles`` (5 to
    95) and ``lines``, widest first, each with ``input``, ``discrete``,
    ``values`` (the input at each percentile) and ``metric``. One line per
    input, at most ``max_lines`` (a note counts the rest), labelled at its
    right end with the input's name and its value range; every line passes
    through the base case at P50. A steep line is an input that matters; a
    bent one, an input whose effect is not proportional. Discrete inputs are
    drawn as steps. A payback beyond the horizon (None or inf) is drawn at
    the horizon, and a note says so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    value_fmt, axis_fmt, ylabel = _metric_format(metric, meta.currency, meta.horizon_months)
    pct = np.asarray(spider_data["percentiles"], dtype=float)
    lines = list(spider_data["lines"])
    shown = lines[: max(int(max_lines), 0)]
    hidden = len(lines) - len(shown)
    fig, ax, owned = lay.start(ax)
    capped = False

    def finite(values) -> np.ndarray:
        nonlocal capped
        y = np.array([np.inf if v is None else float(v) for v in values])
        if metric == "payback_months" and np.isinf(y).any():
            capped = True
            y[np.isinf(y)] = meta.horizon_months
        return y

    labels = []
    for i, line in enumerate(shown):
        color, style = _spider_style(i)
        y = finite(line["metric"])
        ax.plot(
            pct,
            y,
            color=color,
            ls=style,
            lw=2.2,
            marker="o",
            ms=3.5,
            drawstyle="steps-mid" if line.get("discrete") else "default",
            zorder=4 + 0.01 * (len(shown) - i),
            gid=f"line-{i}",
        )
        values = [float(v) for v in line["values"]]
        span = (
            f"{fmt.format_number(values[0], minus=fmt.MINUS)}–"
            f"{fmt.format_number(values[-1], minus=fmt.MINUS)}"
        )
        labels.append(
            ax.annotate(
                f"{line['input']}  {span}",
                xy=(float(pct[-1]), float(y[-1])),
                xytext=(8, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=st.LABEL_SIZE - 1,
                color=color,
                annotation_clip=False,
                gid=f"label-{i}",
            )
        )
    base = float(base_metric) if base_metric is not None else math.nan
    if math.isfinite(base):
        ax.axhline(base, color=st.INK, lw=1.0, zorder=3, gid="base")
    ax.axvline(50.0, color=st.FAINT, lw=0.9, ls=(0, (2, 2)), zorder=2, gid="median")
    ticks = [p for p in (5, 25, 50, 75, 95) if pct.min() <= p <= pct.max()]
    ax.set_xticks(ticks, [fmt.format_quantile(p / 100.0) for p in ticks])
    ax.set_xlim(float(pct.min()) - 1.5, float(pct.max()) + 1.5)
    ax.set_xlabel("Percentile of the input (the other inputs at their median)")
    ax.set_ylabel(ylabel)
    lay.value_axis(ax, "y", axis_fmt)
    if not shown:
        ax.text(0.5, 0.5, "No inputs to show", transform=ax.transAxes, ha="center")
    notes = []
    if hidden:
        notes.append(
            f"{hidden} more input{'s' if hidden > 1 else ''} with narrower ranges not shown"
        )
    if capped:
        notes.append(f"no payback within {meta.horizon_months} months is drawn at the horizon")
    if math.isfinite(base):
        head = f"Base case {value_fmt(base)}"
    elif metric == "payback_months":
        head = f"Base case: no payback within {meta.horizon_months} months"
    else:
        head = ""
    lay.frame(
        fig,
        ax,
        owned,
        meta,
        subtitle
        or f"{_METRICS[metric]} as one input moves from its P5 to its P95, "
        "all others at their median",
        head=head,
        aside="labels: input, its P5–P95 values",
        notes=notes,
    )
    if labels:
        lay.spread_end_labels(ax, labels)
    return fig
