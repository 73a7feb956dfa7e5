"""Placing text and axes so that nothing collides: helpers more than one chart uses.

Text that wraps, spreads apart or gets distinct digits instead of
colliding, axis limits widened to hold their labels, and the value axis,
break-even and loss region as every chart draws them; measured with the
figure's own renderer. The frame around a chart is in :mod:`._frame`. A
helper that serves one kind of chart stays with that chart.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, MultipleLocator

from . import _style as st

__all__ = [
    "distinct_labels",
    "execute_layout",
    "fit_limits",
    "include_break_even",
    "month_locator",
    "nice_locator",
    "overlaps",
    "px",
    "renderer_of",
    "root_figure",
    "shade_loss",
    "spread",
    "spread_end_labels",
    "thin_ticks",
    "value_axis",
    "wrap",
]

# --- measuring --------------------------------------------------------------------


def root_figure(fig):
    """The top-level Figure of ``fig`` (a Figure or a SubFigure)."""
    return fig.get_figure(root=True) if hasattr(fig, "get_figure") else fig


def renderer_of(fig):
    """A renderer that measures text as the figure's saved files will draw it."""
    root = root_figure(fig)
    if not hasattr(root.canvas, "get_renderer"):
        FigureCanvasAgg(root)  # a bare Figure(): give it a canvas that can measure text
    return root.canvas.get_renderer()


def execute_layout(fig) -> None:
    """Run the figure's layout engine now, so that what is measured next is final."""
    root = root_figure(fig)
    engine = root.get_layout_engine()
    if engine is not None:
        engine.execute(root)


def px(fig, points: float) -> float:
    """``points`` (1/72 in) in the figure's pixels."""
    return points * root_figure(fig).dpi / 72.0


# --- labels that do not collide ---------------------------------------------------


def wrap(text: str, width: int) -> str:
    """Wrap at spaces, and inside long names after ``.``, ``_``, ``/`` or ``-``."""
    tokens: list[tuple[str, str]] = []
    for i, word in enumerate(text.split()):
        # pieces end after a separator; a decimal point (99.5) is not one
        parts = re.findall(r"(?:\d+\.\d+|[^._/\-])+[._/\-]*|[._/\-]+", word) or [word]
        for j, part in enumerate(parts):
            tokens.append((part, " " if (i > 0 and j == 0) else ""))
    lines: list[str] = []
    line = ""
    for part, sep in tokens:
        if line and len(line) + len(sep) + len(part) > width:
            lines.append(line)
            line = part
        else:
            line = line + sep + part if line else part
    lines.append(line)
    return "\n".join(lines)


def spread(desired: Sequence[float], sizes: Sequence[float], lo: float, hi: float, gap: float):
    """Centres near ``desired`` for intervals of ``sizes`` that do not overlap.

    Order is kept; overlapping neighbours are merged into clusters centred on
    their members' wishes (least squares) and kept inside ``[lo, hi]``.
    """
    order = np.argsort(np.asarray(desired, dtype=float), kind="stable")
    clusters: list[dict] = []
    for i in order:
        clusters.append({"members": [int(i)], "offsets": [sizes[i] / 2], "width": sizes[i]})
        _place_cluster(clusters[-1], desired, lo, hi)
        while len(clusters) > 1:
            a, b = clusters[-2], clusters[-1]
            if a["start"] + a["width"] + gap <= b["start"]:
                break
            shift = a["width"] + gap
            a["members"] += b["members"]
            a["offsets"] += [o + shift for o in b["offsets"]]
            a["width"] += gap + b["width"]
            clusters.pop()
            _place_cluster(a, desired, lo, hi)
    out = np.empty(len(desired))
    for c in clusters:
        for m, o in zip(c["members"], c["offsets"], strict=True):
            out[m] = c["start"] + o
    return out


def _place_cluster(c: dict, desired, lo: float, hi: float) -> None:
    wishes = [desired[m] - o for m, o in zip(c["members"], c["offsets"], strict=True)]
    c["start"] = max(min(float(np.mean(wishes)), hi - c["width"]), lo)


def overlaps(a, b, pad: float = 0.0) -> bool:
    """Whether boxes ``a`` and ``b`` come closer than ``pad`` (pixels) on both axes."""
    return not (
        a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0
    )


def distinct_labels(values: Sequence[float], fmt: Callable[[float, int], str]) -> list[str]:
    """Labels with the fewest significant digits (3 to 6) that tell different values apart."""
    for sig in range(3, 7):
        labels = [fmt(v, sig) for v in values]
        clash = any(
            labels[i] == labels[j] and not math.isclose(values[i], values[j], rel_tol=1e-9)
            for i in range(len(values))
            for j in range(i)
        )
        if not clash:
            break
    return labels


def spread_end_labels(ax: Axes, labels: Sequence) -> None:
    """Move the right-hand labels apart vertically, with a leader where one moved.

    The offsets are in points from each label's point, so a layout that then
    changes the plot's height moves the points and not the offsets: run it
    again once the layout is final (its earlier leaders are removed).
    """
    fig = root_figure(ax.get_figure())
    renderer = renderer_of(fig)
    for old in [a for a in ax.texts if a.get_gid() == "end-leader"]:
        old.remove()
    axbb = ax.get_window_extent(renderer)
    heights = [t.get_window_extent(renderer).height for t in labels]
    want = [ax.transData.transform(t.xy)[1] for t in labels]
    # labels come highest band first; equal ends keep that order top to bottom
    ranked = [w + 1e-6 * (len(want) - i) for i, w in enumerate(want)]
    centres = spread(
        ranked, heights, axbb.y0 - 0.5 * heights[0], axbb.y1 + 0.5 * heights[0], px(fig, 1)
    )
    scale = 72.0 / fig.dpi
    moved = [abs(c - w) * scale > 2 for w, c in zip(want, centres, strict=True)]
    for t, w, c, leader in zip(labels, want, centres, moved, strict=True):
        dy = (c - w) * scale
        t.xyann = (16 if any(moved) else 8, dy)
        if not leader:
            continue
        ax.annotate(
            "",
            xy=t.xy,
            xytext=(14, dy),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "color": st.FAINT, "lw": 0.8, "shrinkA": 0},
            annotation_clip=False,
            gid="end-leader",
        )


def fit_limits(ax: Axes, labels: Sequence, axis: str, margin_pt: float) -> None:
    """Widen the ``axis`` (``"x"`` or ``"y"``) range until every label sits inside the plot.

    ``labels`` are texts placed at the ends of bars, ``margin_pt`` the room
    they keep from the plot's edge. The plot's size is taken as laid out: a
    new range changes it by a few pixels at most, which the margin absorbs.
    """
    if not labels:
        return
    fig = root_figure(ax.get_figure())
    renderer = renderer_of(fig)
    margin = px(fig, margin_pt)
    interval = f"interval{axis}"
    get_lim, set_lim = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    for _ in range(4):
        lo, hi = getattr(ax.get_window_extent(renderer), interval)
        boxes = [getattr(t.get_window_extent(renderer), interval) for t in labels]
        over_lo = max(0.0, max(lo + margin - bb[0] for bb in boxes))
        over_hi = max(0.0, max(bb[1] - (hi - margin) for bb in boxes))
        if over_lo < 0.5 and over_hi < 0.5:
            return
        v0, v1 = get_lim()
        free = (hi - lo) - over_lo - over_hi
        per_px = (v1 - v0) / max(free, (hi - lo) * 0.3)
        set_lim(v0 - over_lo * per_px * 1.02, v1 + over_hi * per_px * 1.02)


# --- axes: ticks, break-even, loss ------------------------------------------------


def nice_locator(nbins: int | str = "auto") -> MaxNLocator:
    """Ticks at 1, 2, 2.5 or 5 times a power of ten."""
    return MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10])


def value_axis(
    ax: Axes, axis: str, formatter, *, nbins: int | str = "auto", grid: bool = True
) -> None:
    """The axis (``"x"`` or ``"y"``) that carries the values: house format, round ticks, grid."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(formatter)
    target.set_major_locator(nice_locator(nbins))
    if grid:
        ax.grid(axis=axis, color=st.GRID, lw=0.9)


def thin_ticks(ax: Axes, axis: str = "x", gap_pt: float = 6.0) -> None:
    """Fewer ticks on ``axis`` until no two tick labels come closer than ``gap_pt``.

    For an axis with a :class:`~matplotlib.ticker.MaxNLocator` (round ticks)
    whose labels are long (``-500,000,000%``). Expects the figure laid out.
    """
    target = ax.xaxis if axis == "x" else ax.yaxis
    locator = target.get_major_locator()
    if not isinstance(locator, MaxNLocator):
        return
    fig = root_figure(ax.get_figure())
    renderer = renderer_of(fig)
    gap = px(fig, gap_pt)
    probe = Text(fontproperties=target.get_major_ticks(1)[0].label1.get_fontproperties())
    probe.set_figure(fig)
    along = 0 if axis == "x" else 1
    for _ in range(12):
        lo, hi = sorted(target.get_view_interval())
        locs = [v for v in locator() if lo <= v <= hi]
        labels = target.major.formatter.format_ticks(locs)
        spans = []
        for loc, text in zip(locs, labels, strict=True):
            probe.set_text(text)
            size = probe.get_window_extent(renderer).size[along]
            mid = ax.transData.transform((loc, loc))[along]
            spans.append((mid - size / 2, mid + size / 2))
        crowded = any(b[0] - a[1] < gap for a, b in itertools.pairwise(spans))
        if not crowded or len(locs) <= 2:
            return
        locator.set_params(nbins=max(len(locs) - 2, 1))


def month_locator(span: float) -> MultipleLocator:
    """Month ticks: the first step of 1, 2, 3, 6, 12, ... that cuts ``span`` in eight or fewer."""
    for step in (1, 2, 3, 6, 12, 24, 60, 120):
        if span / step <= 8:
            return MultipleLocator(step)
    return MultipleLocator(240)


def include_break_even(lo: float, hi: float, span: float) -> tuple[float, float]:
    """``lo`` and ``hi``, one of them moved to 0 when break-even lies within 30% of ``span``."""
    if 0 < lo <= 0.3 * span:
        return 0.0, hi
    if -0.3 * span <= hi < 0:
        return lo, 0.0
    return lo, hi


def shade_loss(ax: Axes, lo: float, hi: float, *, gid: str, axis: str = "x") -> None:
    """Shade the part of ``lo``..``hi`` on ``axis`` below 0, the loss region, behind the data."""
    if lo < 0:
        draw = ax.axvspan if axis == "x" else ax.axhspan
        draw(lo, min(0.0, hi), color=st.LOSS_SHADE, lw=0, zorder=0, gid=gid)
