"""Histograms of NPV and ROI across the trials of a run.

Both charts share one drawing: a histogram whose bars left of 0 take the
loss colour over a shaded loss region, a row of labelled marker lines
(P10 / P50 / P90, the mean where it differs from the median, the ROI
target) at the top, and the key probability from ``summary`` above the plot.
The range follows one rule for any shape (:mod:`._bins`): a long tail is
gathered into an end bar that says how many trials lie beyond and how far
they reach. Trials split into groups (by a success flag) are stacked in
two colours and each group is labelled with its share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, NullLocator

from .. import format as fmt
from . import _bins
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from ._histogram import BarLabel, Marker, draw_bins, end_bar_labels, group_labels, label_row
from ._precision import plus_minus, precision_note
from .meta import ChartMeta

__all__ = ["MEAN_APART", "npv_distribution", "roi_distribution"]

# The mean is marked beside the median when they lie further apart than this
# share of the P10-P90 width.
MEAN_APART = 0.1


@dataclass(frozen=True)
class _Histogram:
    """What a distribution chart says besides its values."""

    markers: list[Marker]
    formatter: Formatter  # of the x-axis
    value_text: Callable[[float, int], str]  # a value in the chart's unit, to sig digits
    xlabel: str
    head: str  # the key probability, above the plot
    loss_aside: str  # what the shading means, shown when the plot reaches below 0
    notes: list[str]
    subtitle: str
    groups: Sequence[tuple[str, np.ndarray]] | None = None
    shares: Sequence[float] | None = None  # each group's share of all the trials, when known
    reach: tuple[float, float] | None = None  # the lowest and highest trial, when known
    metric: str = "NPV"  # what the values are, in a sentence
    per_trial: bool = False  # the values are the trials themselves (set when drawn)


def _cut_note(bins: _bins.Bins, grouped: bool) -> list[str]:
    """Where the x-axis stops and why, when a tail was gathered into an end bar."""
    left, right = bool(bins.below.sum()), bool(bins.above.sum())
    if not (left or right):
        return []
    at = f"{_bins.CUT_AT:g} × (P90 − P10)"
    stops = {
        (True, True): f"runs from P10 − {at} to P90 + {at}",
        (True, False): f"starts at P10 − {at}",
        (False, True): f"stops at P90 + {at}",
    }[(left, right)]
    bars = "the hatched end bars hold" if left and right else "the hatched end bar holds"
    which = " (the lowest P10 and highest P90 of the groups)" if grouped else ""
    return [f"the x-axis {stops}{which}, rounded out to a whole bin; {bars} the trials beyond"]


def _distribution(
    fig: Figure, ax: Axes, owned: bool, meta: ChartMeta, values: np.ndarray, spec: _Histogram
) -> None:
    """Draw the histogram of the finite ``values``, its markers and its frame."""
    raw = np.asarray(values, dtype=float).ravel()
    finite = np.isfinite(raw)
    ax.yaxis.set_major_locator(NullLocator())
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(spec.xlabel)
    lay.value_axis(ax, "x", spec.formatter, grid=False)
    if not finite.any():
        ax.text(0.5, 0.5, "No finite values to draw", transform=ax.transAxes, ha="center")
        frame(fig, ax, owned, meta, spec.subtitle, spec.head, notes=spec.notes)
        return
    if _one_value(raw[finite], spec.reach):
        spec = replace(spec, per_trial=raw.size == meta.trials)
        _single_value(fig, ax, owned, meta, float(raw[finite][0]), spec)
        return
    if spec.groups:
        masks = [np.asarray(m, dtype=bool).ravel() for _, m in spec.groups]
    else:  # the losses and the rest, in their colours
        masks = [raw < 0, raw >= 0]
    keep = [m.x for m in spec.markers]
    bins = _bins.bin_values(raw, keep, masks, by_group=bool(spec.groups))
    drawn = draw_bins(ax, bins, grouped=bool(spec.groups))
    per_trial = raw.size == meta.trials  # the values are the trials: counts are trials
    n = int(finite.sum())
    labels: list[BarLabel] = end_bar_labels(drawn, bins, spec.value_text, n, per_trial, spec.reach)
    if spec.groups:
        names = [name for name, _ in spec.groups]
        labels += group_labels(drawn, bins, names, n, per_trial, spec.shares)
    frame(
        fig,
        ax,
        owned,
        meta,
        spec.subtitle,
        spec.head,
        aside=spec.loss_aside if drawn.left < 0 else "",
        aside_color=st.LOSS,
        notes=[*_cut_note(bins, bool(spec.groups)), *spec.notes],
    )
    lay.thin_ticks(ax, "x")
    label_row(ax, spec.markers, labels, drawn.peak)


def _one_value(values: np.ndarray, reach: tuple[float, float] | None) -> bool:
    """Whether every trial has the same value (``reach``: the trials' extremes, when known)."""
    lo, hi = float(values.min()), float(values.max())
    if reach is not None:
        lo, hi = min(lo, float(reach[0])), max(hi, float(reach[1]))
    return hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300)


def _window(points: Sequence[float]) -> tuple[float, float]:
    """An x-range around ``points`` (the value, a target) with room for their labels."""
    lo, hi = min(points), max(points)
    pad = max(0.25 * (hi - lo), 0.2 * max(abs(lo), abs(hi)))
    if pad == 0:
        pad = 1.0
    return lo - pad, hi + pad


def _single_value(fig: Figure, ax: Axes, owned: bool, meta: ChartMeta, value: float,
                  spec: _Histogram) -> None:  # fmt: skip
    """Every trial has one value: a labelled line at it, not a histogram of one bar.

    The value is written large beside the line, the chart's key probability
    heads it as usual, a target (the ROI's) keeps its line, and a note says
    that nothing that varies moves the value.
    """
    targets = [m for m in spec.markers if m.gid == "marker-target"]
    lo, hi = _window([value, *(m.x for m in targets)])
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1)
    lay.shade_loss(ax, lo, hi, gid="loss-region")
    colour = st.LOSS if value < 0 else st.MAIN
    ax.plot([value, value], [0, 0.62], color=colour, lw=4, solid_capstyle="butt",
            gid="single-value")  # fmt: skip
    ax.plot([value], [0], "o", ms=9, color=colour, clip_on=False, zorder=4)
    if spec.per_trial:
        every = f"in all {meta.trials:,} trials"
    else:  # a summary of the trials: their extremes (reach) say whether all of them
        every = "in every trial" if spec.reach is not None else "in nearly every trial"
    ax.annotate(f"{spec.value_text(value, 3)}\n{every}", xy=(value, 0.62), xytext=(0, 6),
                textcoords="offset points", ha="center", va="bottom", fontsize=st.TITLE_SIZE,
                fontweight="bold", color=colour, gid="single-value-label")  # fmt: skip
    for m in targets:
        ax.plot([m.x, m.x], [0, 0.45], color=m.color, lw=1.6, gid=m.gid)
        ax.annotate(m.label, xy=(m.x, 0.45), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom", color=st.TARGET_TEXT, fontsize=st.LABEL_SIZE)  # fmt: skip
    note = f"every trial gives the same {spec.metric}: none of the inputs that vary moves it"
    frame(fig, ax, owned, meta, spec.subtitle, spec.head, notes=[note, *spec.notes],
          aside=spec.loss_aside if lo < 0 else "", aside_color=st.LOSS)  # fmt: skip
    lay.thin_ticks(ax, "x")


def _percentile_markers(
    stats: Mapping, label_of: Callable[[float, int], str], *, mean: bool = True
) -> list[Marker]:
    """P10 / P50 / P90 of ``stats`` (a summary's metric), labelled with distinct digits.

    With ``mean``, the mean joins them when it lies further from the median
    than :data:`MEAN_APART` of the P10-P90 width (a long tail, two groups).
    """
    keys = [k for k in ("p10", "p50", "p90") if stats.get(k) is not None]
    values = [float(stats[k]) for k in keys]
    names = [k.upper() for k in keys]
    styles = ["-" if k == "p50" else "--" for k in keys]
    avg = stats.get("mean")
    if mean and avg is not None and _mean_apart(stats):
        keys.append("mean")
        values.append(float(avg))
        names.append("Mean")
        styles.append(":")
    labels = lay.distinct_labels(values, label_of)
    return [
        Marker(f"{name}\n{label}", v, st.INK, style, f"marker-{k}")
        for k, v, name, style, label in zip(keys, values, names, styles, labels, strict=True)
    ]


def _mean_apart(stats: Mapping) -> bool:
    """Whether the mean lies materially apart from the median (:data:`MEAN_APART`)."""
    need = ("mean", "p10", "p50", "p90")
    if any(stats.get(k) is None for k in need):
        return False
    width = float(stats["p90"]) - float(stats["p10"])
    gap = abs(float(stats["mean"]) - float(stats["p50"]))
    return gap > MEAN_APART * width if width > 0 else gap > 0


@styled
def npv_distribution(
    npv: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
    groups: Sequence[tuple[str, np.ndarray]] | None = None,
    shares: Sequence[float] | None = None,
    reach: tuple[float, float] | None = None,
) -> Figure:
    """Histogram of NPV across trials.

    The loss region (NPV < 0) is shaded, P10 / P50 / P90 (from
    ``summary["metrics"]["npv"]``) are marked with their values, the mean
    too where it lies more than a tenth of the P10-P90 width from the
    median, and P(NPV > 0) (``summary["probabilities"]["npv_positive"]``)
    heads the plot. A tail beyond P10 / P90 ± 2.5 × (P90 - P10) is gathered
    from ± 1.5 × that width into a hatched end bar that says how many trials
    it holds and how far they reach (:mod:`simulate.plotting._bins`).

    Parameters
    ----------
    npv : per-trial NPV; non-finite values are not drawn.
    summary : the summary.json dict of the same run.
    meta : what the chart says about the run.
    ax : draw here instead of on a new figure.
    subtitle : replaces the default subtitle.
    groups : ``(label, mask)`` pairs, masks over ``npv``, that split the
        trials (:meth:`simulate.metrics.Split.groups`): stacked in two colours,
        each labelled with its share.
    shares : each group's share of all the trials, for when ``npv`` is a
        summary of them (each group's quantile grid, its size in proportion
        to the group's): the groups' labels say these, not the shares of the
        values.
    reach : the lowest and highest value over all trials, for when ``npv``
        is not the trials themselves but a summary of them (a quantile grid):
        an end bar then says how far the trials reach. When ``npv`` has one
        value per trial (``meta.trials`` values) its own extremes are used,
        and end bars and groups give counts of trials, not only shares.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = start(ax)
    cur = meta.currency

    def money(v: float, sig: int) -> str:
        return fmt.format_money(v, cur, sig=sig, minus=fmt.MINUS)

    p_pos = summary["probabilities"]["npv_positive"]
    spec = _Histogram(
        markers=_percentile_markers(summary["metrics"]["npv"], money),
        formatter=st.MoneyFormatter(cur),
        value_text=money,
        xlabel=f"Net present value ({cur})",
        head=f"P(NPV > 0) = {fmt.format_probability(p_pos)}"
        + plus_minus(summary, "npv_positive", fmt.format_points),
        loss_aside="Shaded: loss (NPV < 0)",
        notes=precision_note(summary, "npv", lambda h: money(h, 2)),
        subtitle=subtitle or f"Net present value of {meta.run_description()}",
        groups=groups,
        shares=shares,
        reach=reach,
    )
    _distribution(fig, ax, owned, meta, npv, spec)
    return fig


def _percent(v: float, sig: int = 3) -> str:
    return fmt.format_percent(v, sig=sig, minus=fmt.MINUS)


def _roi_head(summary: Mapping, target: float | None) -> str:
    """P(ROI at least the target), or P(ROI > 0) without a target, with its interval."""
    probs = summary["probabilities"]
    if target is None:
        return f"P(ROI > 0) = {fmt.format_probability(probs['npv_positive'])}" + plus_minus(
            summary, "npv_positive", fmt.format_points
        )
    p_t = probs.get("roi_at_least_target")
    return f"P(ROI ≥ {_percent(target)} target) = {fmt.format_probability(p_t)}" + plus_minus(
        summary, "roi_at_least_target", fmt.format_points
    )


@styled
def roi_distribution(
    roi: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
    groups: Sequence[tuple[str, np.ndarray]] | None = None,
    reach: tuple[float, float] | None = None,
) -> Figure:
    """Histogram of ROI (NPV / PV of costs) across trials, in percent.

    Trials with an undefined ROI (NaN: no cost) are not drawn, and a note
    says how many. P10 / P50 / P90 (and the mean, by the rule of
    :func:`npv_distribution`) come from ``summary["metrics"]["roi"]``;
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
            Marker(f"Target\n{_percent(target)}", float(target), st.TARGET, "-", "marker-target")
        )
    notes = precision_note(summary, "roi", fmt.format_points)
    if undefined:
        what = "trial has" if undefined == 1 else "trials have"
        notes.append(f"{undefined:,} {what} no cost, so no ROI, and are not shown")
    spec = _Histogram(
        markers=markers,
        formatter=st.PercentFormatter(),
        value_text=_percent,
        xlabel="Return on investment (NPV ÷ PV of costs)",
        head=_roi_head(summary, target),
        loss_aside="Shaded: loss (ROI < 0)",
        notes=notes,
        subtitle=subtitle or f"Return on investment of {meta.run_description()}",
        groups=groups,
        reach=reach,
        metric="ROI",
    )
    _distribution(fig, ax, owned, meta, roi, spec)
    return fig
