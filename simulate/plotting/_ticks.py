"""Tick labels that do not run into each other on a narrow value axis.

A value axis gets "auto" ticks from the axis length and the font size, not
from the width of its labels: on a plot squeezed by long row names, labels
such as ``$102.5M`` collide. :func:`fit_ticks` asks for fewer ticks until
the labels in view stand apart.
"""

from __future__ import annotations

import itertools

from matplotlib.axes import Axes

from ._layout import execute_layout, nice_locator, px, renderer_of, root_figure

__all__ = ["fit_ticks"]

_BINS = (7, 6, 5, 4, 3, 2)


def _crowded(ax: Axes, axis: str, gap_px: float) -> bool:
    """Whether two neighbouring tick labels in view would come within ``gap_px`` of each other.

    Worked out from the locator's ticks, the formatter's labels and the
    labels' font, without drawing the figure.
    """
    fig = root_figure(ax.get_figure())
    renderer = renderer_of(fig)
    target = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    locs = [v for v in target.get_major_locator()() if lo <= v <= hi]
    if len(locs) < 2:
        return False
    labels = target.get_major_formatter().format_ticks(locs)
    ticks = target.get_major_ticks(len(locs))
    prop = ticks[0].label1.get_fontproperties()
    k = 0 if axis == "x" else 1
    at = [ax.transData.transform((v, v))[k] for v in locs]
    size = [renderer.get_text_width_height_descent(t, prop, ismath=False)[k] for t in labels]
    spans = sorted((c - w / 2, c + w / 2) for c, w in zip(at, size, strict=True) if w > 0)
    return any(b0 - a1 < gap_px for (_, a1), (b0, _) in itertools.pairwise(spans))


def fit_ticks(ax: Axes, axis: str = "x") -> None:
    """Fewer round ticks on ``axis`` (``"x"`` or ``"y"``) while neighbouring labels collide."""
    fig = root_figure(ax.get_figure())
    gap = px(fig, 6)
    if not _crowded(ax, axis, gap):
        return
    target = ax.xaxis if axis == "x" else ax.yaxis
    for nbins in _BINS:
        target.set_major_locator(nice_locator(nbins))
        execute_layout(fig)
        if not _crowded(ax, axis, gap):
            return
