"""Drawing the bins of a distribution chart, and the labels on and above them.

The bars (stacked by group, a long bar cut short with a break mark, hatched
end bars for the tails beyond the range), the row of marker labels at the
top of the plot, and the labels that sit on bars (an end bar's count and
reach, each group's share), fitted below that row. The numbers come from
:mod:`._bins`; the NPV and ROI charts in :mod:`.distributions` use this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._bins import Bins

__all__ = ["BarLabel", "Drawn", "Marker", "draw_bins", "end_bar_labels", "group_labels",
           "label_row"]  # fmt: skip

# A bar taller than this many times every other bar is cut short (with a break
# mark) to this many times the next tallest, so that the rest stays readable.
SPIKE = 3.0
SPIKE_DRAWN = 1.6
SPIKE_SHAPE = 5
# Colours of the groups, in order, when the trials are split (by a success flag);
# without groups, the loss and the gain colours split the bars at 0.
GROUP_COLORS = (st.MAIN, st.ORANGE)
GROUP_TEXT = (st.MAIN, "#9A6A00")  # the same hues, dark enough for text


class Marker(NamedTuple):
    """A vertical line across the histogram, labelled in the row at the top."""

    label: str
    x: float
    color: str
    style: str  # matplotlib linestyle
    gid: str


class BarLabel(NamedTuple):
    """A label that sits on top of a bar (at ``x``, ``top`` in data coordinates)."""

    x: float
    top: float
    text: str
    color: str
    gid: str


@dataclass(frozen=True)
class Drawn:
    """Where the bars went: the x-range, the tops as drawn, and the end bars' centres."""

    left: float
    right: float
    peak: float  # the tallest bar as drawn
    tops: np.ndarray  # of the regular bins, as drawn (a cut bar at its cut height)
    below_x: float | None
    above_x: float | None


def _spike(totals: np.ndarray, ends: Sequence[float]) -> tuple[int, float] | None:
    """The bar to cut short and its drawn height, if one dwarfs the others.

    Only when the others have a shape to lose (at least :data:`SPIKE_SHAPE`
    bars): a few bars beside a tall one read well at their true heights.
    """
    if totals.size < 2:
        return None
    i = int(np.argmax(totals))
    others = np.delete(totals, i)
    rest = max(float(others.max()), *ends)
    shape = np.count_nonzero(others) + np.count_nonzero(ends)
    if rest > 0 and totals[i] > SPIKE * rest and shape >= SPIKE_SHAPE:
        return i, SPIKE_DRAWN * rest
    return None


def draw_bins(ax: Axes, bins: Bins, *, grouped: bool) -> Drawn:
    """Draw the bins stacked by group, the end bars, a break on a cut bar; set the x-range.

    Without ``grouped`` the two groups of ``bins`` are the losses (below 0)
    and the rest, in the loss and the main colour.
    """
    edges, counts = bins.edges, bins.counts.astype(float)
    colors = GROUP_COLORS if grouped else (st.LOSS, st.MAIN)
    ends = (float(bins.below.sum()), float(bins.above.sum()))
    spike = _spike(counts.sum(axis=0), ends)
    if spike is not None:  # scale the cut bar's stack down to its drawn height
        i, height = spike
        counts[:, i] *= height / counts[:, i].sum()
    base = np.zeros(counts.shape[1])
    for g, row in enumerate(counts):
        if row.any():
            ax.stairs(base + row, edges, baseline=base.copy(), fill=True, color=colors[g % 2],
                      lw=0, zorder=2, gid=f"bars-{g}")  # fmt: skip
        base += row
    span = float(edges[-1] - edges[0])
    gap, wide = max(bins.width, 0.02 * span), max(bins.width, 0.03 * span)
    below_x = edges[0] - gap - wide / 2 if ends[0] else None
    above_x = edges[-1] + gap + wide / 2 if ends[1] else None
    for x, counts_g, gid in (
        (below_x, bins.below, "end-below"),
        (above_x, bins.above, "end-above"),
    ):
        if x is not None:
            _end_bar(ax, x, wide, counts_g, colors, gid)
    if spike is not None:
        _break_mark(ax, edges[spike[0]], edges[spike[0] + 1], spike[1])
    pad = 0.03 * span
    left = (below_x - wide / 2 if below_x is not None else edges[0]) - pad
    right = (above_x + wide / 2 if above_x is not None else edges[-1]) + pad
    if not right > left:  # every trial the same value: a window around it
        half = max(0.05 * abs(left), 1.0)
        left, right = left - half, right + half
    ax.set_xlim(left, right)
    lay.shade_loss(ax, left if below_x is None else edges[0], right if above_x is None
                   else edges[-1], gid="loss-region")  # fmt: skip
    if below_x is not None or above_x is not None:
        _broken_axis(ax, edges, below_x, above_x, wide)
    peak = max(float(base.max()) if base.size else 0.0, *ends)
    return Drawn(left, right, peak if peak > 0 else 1.0, base, below_x, above_x)


def _end_bar(ax: Axes, x: float, width: float, counts: np.ndarray, colors, gid: str) -> None:
    """A hatched bar, stacked by group, for the trials beyond one end of the range."""
    bottom = 0.0
    for g, c in enumerate(counts):
        if c:
            ax.bar(x, c, width, bottom=bottom, color=colors[g % 2], edgecolor="white",
                   hatch="///", lw=0, zorder=2, gid=f"{gid}-{g}")  # fmt: skip
        bottom += float(c)


def _break_mark(ax: Axes, x0: float, x1: float, height: float) -> None:
    """Two white slanted strokes across a bar cut short, just below its top."""
    y = 0.8 * height
    for k, dy in enumerate((0.0, 0.05 * height)):  # each its own id (the SVG's ids are unique)
        ax.plot([x0 - 0.3 * (x1 - x0), x1 + 0.3 * (x1 - x0)],
                [y + dy - 0.02 * height, y + dy + 0.02 * height],
                color="white", lw=2.2, zorder=3, solid_capstyle="butt", gid=f"cut-bar-{k}")  # fmt: skip


def _broken_axis(ax: Axes, edges: np.ndarray, below_x, above_x, wide: float) -> None:
    """The x-axis line under the range only, a short line under each end bar, and no
    ticks beyond the range (an end bar's position is not a value)."""
    spine = ax.spines["bottom"]
    spine.set_bounds(float(edges[0]), float(edges[-1]))
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    for x in (below_x, above_x):
        if x is not None:
            ax.plot([x - wide / 2, x + wide / 2], [0, 0], transform=blend, color=st.SPINE,
                    lw=0.9, clip_on=False, zorder=2.5, gid="end-axis")  # fmt: skip
    ax.xaxis.set_major_locator(_Within(float(edges[0]), float(edges[-1])))


class _Within(MaxNLocator):
    """Round ticks, only within ``lo``..``hi``."""

    def __init__(self, lo: float, hi: float) -> None:
        super().__init__(nbins="auto", steps=[1, 2, 2.5, 5, 10])
        self.lo, self.hi = lo, hi

    def __call__(self):
        tol = 1e-9 * (self.hi - self.lo)
        ticks = self.tick_values(self.lo, self.hi)
        return [t for t in ticks if self.lo - tol <= t <= self.hi + tol]


def _exact(value: float, text: Callable[[float, int], str]) -> str:
    """``value`` with the fewest digits (3 to 9) that write it exactly (a round threshold)."""
    for sig in range(3, 10):
        if abs(fmt.round_sig(value, sig) - value) <= 1e-9 * max(abs(value), 1e-300):
            return text(value, sig)
    return text(value, 9)


def _other(value: float, than: str, text: Callable[[float, int], str]) -> str:
    """``value`` with 3 digits, or more until it reads differently from ``than``."""
    for sig in range(3, 10):
        out = text(value, sig)
        if out != than:
            return out
    return out


def _trials(count: int, n: int, per_trial: bool) -> str:
    """``"1,234 trials (4.1%)"``, or ``"4.1% of trials"`` when the values are not the trials."""
    share = fmt.format_probability(count / n)
    if per_trial:
        return f"{count:,} trial{'' if count == 1 else 's'} ({share})"
    return f"{share} of trials"


def end_bar_labels(
    drawn: Drawn,
    bins: Bins,
    text: Callable[[float, int], str],
    n: int,
    per_trial: bool,
    reach: tuple[float, float] | None = None,
) -> list[BarLabel]:
    """How many trials each end bar holds, beyond which value, and how far they reach.

    The reach is the extreme of the values binned when they are the trials
    (``per_trial``), else ``reach`` (the lowest and highest trial) if given,
    else it is not stated: the extremes of a summary are not the trials'.
    """
    if reach is None and per_trial:
        reach = (bins.lowest, bins.highest)
    out = []
    for side, x, count, edge_value in (
        ("above", drawn.above_x, int(bins.above.sum()), float(bins.edges[-1])),
        ("below", drawn.below_x, int(bins.below.sum()), float(bins.edges[0])),
    ):
        if x is None:
            continue
        edge = _exact(edge_value, text)
        label = f"{_trials(count, n, per_trial)}\n{side} {edge}"
        if reach is not None:
            far = _other(reach[1] if side == "above" else reach[0], edge, text)
            label += f",\n{'up' if side == 'above' else 'down'} to {far}"
        out.append(BarLabel(x, float(count), label, st.INK, f"end-{side}-label"))
    return out


def group_labels(
    drawn: Drawn,
    bins: Bins,
    names: Sequence[str],
    n: int,
    per_trial: bool,
    shares: Sequence[float] | None = None,
) -> list[BarLabel]:
    """Each group's name and share, on top of the stack at the group's tallest bar.

    ``shares``: each group's share of all the trials, said instead of its
    share of the values binned when those are a summary of the trials (a
    quantile grid per group), whose counts only approach the shares.
    """
    out = []
    centres = (bins.edges[:-1] + bins.edges[1:]) / 2
    for g, name in enumerate(names):
        count = int(bins.counts[g].sum() + bins.below[g] + bins.above[g])
        if count == 0:
            continue
        i = int(np.argmax(bins.counts[g]))
        if shares is not None and not per_trial:
            label = f"{name}\n{fmt.format_probability(shares[g])} of trials"
        else:
            label = f"{name}\n{_trials(count, n, per_trial)}"
        color = GROUP_TEXT[g % 2]
        out.append(BarLabel(float(centres[i]), float(drawn.tops[i]), label, color, f"group-{g}"))
    return out


def label_row(ax: Axes, markers: Sequence[Marker], on_bars: Sequence[BarLabel], peak: float):
    """Marker lines with their labels in a row at the top; bar labels fitted below it.

    Marker labels that would collide are spread sideways (order kept) and
    joined to their line by a short leader. The y-range is then set so that
    the bars, and the labels on them, stay below the leaders. Expects the
    figure to be laid out already.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    axbb = ax.get_window_extent(renderer)
    row = _marker_labels(ax, markers, renderer) if markers else None
    knee = row.knee if row is not None else 0.96
    texts = [_bar_text(ax, b) for b in on_bars]
    room = knee * axbb.height - lay.px(fig, 6)  # px from the plot's bottom to below the row
    top = peak / max(knee - 0.04, 0.3)
    for b, t in zip(on_bars, texts, strict=True):
        need = t.get_window_extent(renderer).height + lay.px(fig, 4)
        top = max(top, b.top * axbb.height / max(room - need, 0.2 * axbb.height))
    ax.set_ylim(0, top)
    _spread_bar_labels(ax, on_bars, texts, renderer)
    if row is not None:
        _marker_lines(ax, markers, row)


def _bar_text(ax: Axes, b: BarLabel):
    return ax.annotate(
        b.text, xy=(b.x, b.top), xytext=(0, 4), textcoords="offset points", ha="center",
        va="bottom", fontsize=st.LABEL_SIZE - 1, color=b.color, linespacing=1.15, zorder=7,
        annotation_clip=False, in_layout=False, gid=b.gid,
        bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )  # fmt: skip


def _spread_bar_labels(ax: Axes, on_bars: Sequence[BarLabel], texts: list, renderer) -> None:
    """Move labels on bars sideways to stay inside the plot and clear of each other."""
    if not texts:
        return
    fig = lay.root_figure(ax.get_figure())
    axbb = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in texts]
    want = [ax.transData.transform((b.x, 0))[0] for b in on_bars]
    clash = any(lay.overlaps(a, b, lay.px(fig, 4)) for i, a in enumerate(boxes) for b in boxes[:i])
    if clash:
        centres = lay.spread(want, [b.width for b in boxes], axbb.x0 + 1, axbb.x1 - 1,
                             lay.px(fig, 8))  # fmt: skip
    else:
        centres = [min(max(w, axbb.x0 + 1 + b.width / 2), axbb.x1 - 1 - b.width / 2)
                   for w, b in zip(want, boxes, strict=True)]  # fmt: skip
    scale = 72.0 / fig.dpi
    for t, c, w in zip(texts, centres, want, strict=True):
        t.xyann = ((c - w) * scale, 4)


class _Row(NamedTuple):
    """The marker labels as placed: where their lines bend towards them (``knee``)."""

    texts: list
    centres: np.ndarray  # px
    want: list[float]  # px: where each marker's line is
    label_bottom: float  # axes fraction
    knee: float  # axes fraction


def _marker_labels(ax: Axes, markers: Sequence[Marker], renderer) -> _Row:
    """The markers' labels at the top, spread apart (order kept)."""
    fig = lay.root_figure(ax.get_figure())
    axbb = ax.get_window_extent(renderer)
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    texts = [
        ax.text(m.x, 0.985, m.label, transform=blend, ha="center", va="top",
                fontsize=st.LABEL_SIZE, linespacing=1.2, zorder=6, in_layout=False,
                color=st.TARGET_TEXT if m.color == st.TARGET else st.INK, gid=f"{m.gid}-label")
        for m in markers
    ]  # fmt: skip
    boxes = [t.get_window_extent(renderer) for t in texts]
    want = [ax.transData.transform((m.x, 0))[0] for m in markers]
    centres = lay.spread(want, [b.width for b in boxes], axbb.x0 + 1, axbb.x1 - 1, lay.px(fig, 10))
    inverse = ax.transData.inverted()
    for t, c in zip(texts, centres, strict=True):
        t.set_x(inverse.transform((c, 0))[0])
    label_bottom = min((b.y0 - axbb.y0) / axbb.height for b in boxes)
    knee = label_bottom - lay.px(fig, 9) / axbb.height
    return _Row(texts, centres, want, label_bottom, knee)


def _marker_lines(ax: Axes, markers: Sequence[Marker], row: _Row) -> None:
    """Each marker's line up to the knee, and a leader from there to its label."""
    texts, centres, want, label_bottom, knee = row
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    for m, t, c, w in zip(markers, texts, centres, want, strict=True):
        ax.axvline(m.x, 0, knee, color=m.color, ls=m.style, lw=1.5, zorder=5, gid=m.gid)
        ax.plot([m.x, t.get_position()[0]], [knee, label_bottom + 0.006], transform=blend,
                color=m.color, lw=0.9 if abs(c - w) > 1 else 1.5, ls="-", zorder=5,
                gid=f"{m.gid}-leader")  # fmt: skip
