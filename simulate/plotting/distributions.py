"""Histograms of NPV and ROI across the trials of a run.

Both charts share one drawing: a histogram whose bars left of 0 take the
loss colour over a shaded loss region, a row of labelled marker lines
(P10 / P50 / P90, the ROI target) at the top, and the key probability from
``summary`` above the plot. A long tail is cut for readability, and the
chart says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from .meta import ChartMeta

__all__ = ["npv_distribution", "roi_distribution"]


class _Marker(NamedTuple):
    """A vertical line across the histogram, labelled in the row at the top."""

    label: str
    x: float
    color: str
    style: str  # matplotlib linestyle
    gid: str


@dataclass(frozen=True)
class _Histogram:
    """What a distribution chart says besides its values."""

    markers: list[_Marker]
    formatter: Formatter  # of the x-axis
    xlabel: str
    head: str  # the key probability, above the plot
    loss_aside: str  # what the shading means, shown when the plot reaches below 0
    notes: list[str]
    subtitle: str


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


def _cut_notes(cut: str, notes: list[str]) -> list[str]:
    """``notes``, led by what ``_window`` cut (``cut`` as it returns it)."""
    if cut == "both tails":
        return ["the x-axis shows the middle 99% of trials (0.5th to 99.5th percentile)", *notes]
    if cut:
        side, q = ("left", "0.5th") if cut == "left tail" else ("right", "99.5th")
        return [
            f"the x-axis is cut at the {q} percentile of trials; the long {side} tail "
            "beyond it is not shown",
            *notes,
        ]
    return notes


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


def _marker_labels(ax: Axes, markers: Sequence[_Marker]) -> list:
    """The markers' labels, at the top of the plot above each line (placed later)."""
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    return [
        ax.text(
            m.x,
            0.985,
            m.label,
            transform=blend,
            ha="center",
            va="top",
            fontsize=st.LABEL_SIZE,
            color=st.TARGET_TEXT if m.color == st.TARGET else st.INK,
            linespacing=1.2,
            zorder=6,
            in_layout=False,
            gid=f"{m.gid}-label",
        )
        for m in markers
    ]


def _marker_row(ax: Axes, markers: Sequence[_Marker], peak: float) -> None:
    """Vertical marker lines with their labels in one row at the top of the plot.

    Labels that would collide are spread sideways (order kept) and joined to
    their line by a short leader; the y-range is then set so that the bars
    stay below the leaders. Expects the figure to be laid out already.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    axbb = ax.get_window_extent(renderer)
    texts = _marker_labels(ax, markers)
    if not texts:
        ax.set_ylim(0, peak * 1.08)
        return
    boxes = [t.get_window_extent(renderer) for t in texts]
    want = [ax.transData.transform((m.x, 0))[0] for m in markers]
    centres = lay.spread(want, [b.width for b in boxes], axbb.x0 + 1, axbb.x1 - 1, lay.px(fig, 10))
    inverse = ax.transData.inverted()
    for t, c in zip(texts, centres, strict=True):
        t.set_x(inverse.transform((c, 0))[0])
    label_bottom = min((b.y0 - axbb.y0) / axbb.height for b in boxes)
    knee = label_bottom - lay.px(fig, 9) / axbb.height
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    for m, t, c, w in zip(markers, texts, centres, want, strict=True):
        ax.axvline(m.x, 0, knee, color=m.color, ls=m.style, lw=1.5, zorder=5, gid=m.gid)
        ax.plot(
            [m.x, t.get_position()[0]],
            [knee, label_bottom + 0.006],
            transform=blend,
            color=m.color,
            lw=0.9 if abs(c - w) > 1 else 1.5,
            ls="-",
            zorder=5,
            gid=f"{m.gid}-leader",
        )
    ax.set_ylim(0, peak / max(knee - 0.04, 0.3))


def _distribution(
    fig: Figure, ax: Axes, owned: bool, meta: ChartMeta, values: np.ndarray, spec: _Histogram
) -> None:
    """Draw the histogram of the finite ``values``, its markers and its frame."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    ax.yaxis.set_major_locator(NullLocator())
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(spec.xlabel)
    lay.value_axis(ax, "x", spec.formatter, grid=False)
    if x.size == 0:
        ax.text(0.5, 0.5, "No finite values to draw", transform=ax.transAxes, ha="center")
        frame(fig, ax, owned, meta, spec.subtitle, spec.head, notes=spec.notes)
        return
    lo, hi, cut = _window(x, [m.x for m in spec.markers])
    pad = 0.03 * (hi - lo)
    left, right = lo - pad, hi + pad
    lay.shade_loss(ax, left, right, gid="loss-region")
    peak = _histogram(ax, x, lo, hi)
    ax.set_xlim(left, right)
    frame(
        fig,
        ax,
        owned,
        meta,
        spec.subtitle,
        spec.head,
        aside=spec.loss_aside if left < 0 else "",
        aside_color=st.LOSS,
        notes=_cut_notes(cut, spec.notes),
    )
    _marker_row(ax, spec.markers, peak)


def _percentile_markers(stats: Mapping, label_of: Callable[[float, int], str]) -> list[_Marker]:
    """P10 / P50 / P90 of ``stats`` (a summary's metric), labelled with distinct digits."""
    keys = [k for k in ("p10", "p50", "p90") if stats.get(k) is not None]
    values = [float(stats[k]) for k in keys]
    labels = lay.distinct_labels(values, label_of)
    return [
        _Marker(f"{k.upper()}\n{label}", v, st.INK, "-" if k == "p50" else "--", f"marker-{k}")
        for k, v, label in zip(keys, values, labels, strict=True)
    ]


@styled
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
    fig, ax, owned = start(ax)
    cur = meta.currency
    markers = _percentile_markers(
        summary["metrics"]["npv"], lambda v, sig: fmt.format_money(v, cur, sig=sig, minus=fmt.MINUS)
    )
    p_pos = summary["probabilities"]["npv_positive"]
    spec = _Histogram(
        markers=markers,
        formatter=st.MoneyFormatter(cur),
        xlabel=f"Net present value ({cur})",
        head=f"P(NPV > 0) = {fmt.format_probability(p_pos)}",
        loss_aside="Shaded: loss (NPV < 0)",
        notes=[],
        subtitle=subtitle or f"Net present value of {meta.run_description()}",
    )
    _distribution(fig, ax, owned, meta, npv, spec)
    return fig


def _percent(v: float, sig: int = 3) -> str:
    return fmt.format_percent(v, sig=sig, minus=fmt.MINUS)


def _roi_head(probs: Mapping, target: float | None) -> str:
    """P(ROI at least the target), or P(ROI > 0) without a target."""
    if target is None:
        return f"P(ROI > 0) = {fmt.format_probability(probs['npv_positive'])}"
    p_t = probs.get("roi_at_least_target")
    return f"P(ROI ≥ {_percent(target)} target) = {fmt.format_probability(p_t)}"


@styled
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
    fig, ax, owned = start(ax)
    roi = np.asarray(roi, dtype=float).ravel()
    undefined = int(np.count_nonzero(~np.isfinite(roi)))
    markers = _percentile_markers(summary["metrics"]["roi"], _percent)
    target = meta.target_roi
    if target is not None:
        markers.append(
            _Marker(f"Target\n{_percent(target)}", float(target), st.TARGET, "-", "marker-target")
        )
    notes = []
    if undefined:
        what = "trial has" if undefined == 1 else "trials have"
        notes.append(f"{undefined:,} {what} no cost, so no ROI, and are not shown")
    spec = _Histogram(
        markers=markers,
        formatter=st.PercentFormatter(),
        xlabel="Return on investment (NPV ÷ PV of costs)",
        head=_roi_head(summary["probabilities"], target),
        loss_aside="Shaded: loss (ROI < 0)",
        notes=notes,
        subtitle=subtitle or f"Return on investment of {meta.run_description()}",
    )
    _distribution(fig, ax, owned, meta, roi, spec)
    return fig
