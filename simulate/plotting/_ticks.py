"""Tick labels that do not run into each other on a narrow value axis.

A value axis gets "auto" ticks from the axis length and the font size, not
from the width of its labels: on a plot squeezed by long row names, labels
such as ``$102.5M`` collide. :func:`fit_ticks` asks for fewer ticks until
the labels in view stand apart.
"""

from __future__ import annotations

import itertools

from matplotlib.axes import Axes

from ._layout import execute_layout, nice_locator, overlaps, px, renderer_of, root_figure

__all__ = ["fit_ticks"]

_BINS = (7, 6, 5, 4, 3, 2)


def _crowded(ax: Axes, axis: str, gap_px: float) -> bool:
    """Whether two neighbouring tick labels in view come within ``gap_px`` of each other."""
    fig = root_figure(ax.get_figure())
    fig.draw_without_rendering()  # ticks and their labels as they will be drawn
    renderer = renderer_of(fig)
    target = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    ticks = [
        t.label1
        for t, loc in zip(target.get_major_ticks(), target.get_majorticklocs(), strict=False)
        if lo <= loc <= hi and t.label1.get_visible() and t.label1.get_text()
    ]
    boxes = [t.get_window_extent(renderer) for t in ticks]
    return any(overlaps(a, b, gap_px) for a, b in itertools.pairwise(boxes))


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
