"""Charts that compare runs: the scenarios of one config, the initiatives of a portfolio.

:func:`scenario_cdfs` overlays the NPV distributions of one config's
scenarios (the curves come from :func:`simulate.compare.cdf_points`);
:func:`risk_return` places every run of a batch by expected NPV and
probability of loss. :mod:`simulate.batch` draws them (for a batch, and for
``run --scenario all``), and :mod:`simulate.plotting` exports them beside the
charts of one run. Like those, they take finished numbers, draw into ``ax``
or a new figure under the house style, and return the Figure; the frame,
stamp and label placement come from :mod:`._frame` and :mod:`._layout`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib import transforms as mtransforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MultipleLocator

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from .meta import ChartMeta

__all__ = ["PortfolioMeta", "PortfolioPoint", "risk_return", "scenario_cdfs"]

# Series colours for comparisons: Okabe-Ito without vermillion (the loss colour)
# and yellow (too light for a line on white); past six, the hues again, dashed.
_SERIES = (st.BLUE, st.ORANGE, st.GREEN, st.PURPLE, st.SKY_BLUE, st.BLACK)


def _series_style(i: int) -> tuple[str, object]:
    dash = "-" if i < len(_SERIES) else (0, (4, 1.5))
    return _SERIES[i % len(_SERIES)], dash


@styled
def scenario_cdfs(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray, float]],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """NPV cumulative distributions of one config's scenarios, overlaid.

    ``curves`` are ``(label, x, F, prob_npv_positive)``: ``x`` the NPV at
    cumulative probabilities ``F`` (``compare.cdf_points``), and P(NPV > 0)
    from the run's summary. A curve to the right is better; where it crosses
    NPV = 0 (marked) its height is the probability of loss, and reading
    across at 10% / 50% / 90% gives each scenario's P10 / P50 / P90 (the
    probability axis is linear, a tick every 10%). The x-axis spans the 0.5th to 99.5th percentiles of all curves (the first and
    last points of a curve are its extremes and are not drawn).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = start(ax)
    cur = meta.currency
    lo = min(float(np.asarray(x)[1]) for _, x, _, _ in curves) if curves else -1.0
    hi = max(float(np.asarray(x)[-2]) for _, x, _, _ in curves) if curves else 1.0
    span = (hi - lo) or max(abs(hi), 1.0)
    lo, hi = lay.include_break_even(lo, hi, span)
    left, right = lo - 0.03 * span, hi + 0.03 * span
    lay.shade_loss(ax, left, right, gid="loss")
    if left < 0 < right:
        ax.axvline(0.0, color=st.INK, lw=1.0, zorder=3, gid="zero")
    _draw_curves(ax, curves, left, right)
    ax.set_xlim(left, right)
    ax.set_ylim(0, 1)
    ax.margins(0)
    # a linear probability axis, a tick every 10%: P10 / P50 / P90 read across
    ax.yaxis.set_major_locator(MultipleLocator(0.1))
    ax.yaxis.set_major_formatter(st.PercentFormatter())
    lay.value_axis(ax, "x", st.MoneyFormatter(cur), nbins=7, grid=False)
    ax.grid(axis="both")
    ax.set_xlabel(f"Net present value ({cur})")
    ax.set_ylabel("Share of trials with NPV at or below")
    if curves:  # outside the plot, at the right: CDFs fill the plot's diagonal
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.02, 1.0), handlelength=2.0, labelspacing=0.9,
            borderaxespad=0.0,
        )  # fmt: skip
    trials = f"{meta.trials:,} " if meta.trials else ""
    subtitle = subtitle or (
        f"Cumulative distribution of NPV per scenario, on the same {trials}simulated "
        "trials (common random numbers) · further right is better"
    )
    head = "At NPV = 0, each curve's height is its probability of loss" if left < 0 else ""
    aside = "Shaded: loss (NPV < 0)" if left < 0 else ""
    frame(fig, ax, owned, meta, subtitle, head, aside=aside)
    return fig


def _draw_curves(
    ax: Axes,
    curves: Sequence[tuple[str, np.ndarray, np.ndarray, float]],
    left: float,
    right: float,
) -> None:
    """Each curve within ``left``..``right``, and the point where it crosses NPV = 0."""
    for i, (label, x, f, p_pos) in enumerate(curves):
        color, dash = _series_style(i)
        x = np.asarray(x, dtype=float)
        f = np.asarray(f, dtype=float)
        keep = (x >= left) & (x <= right)
        text = f"{lay.wrap(str(label), 26)}\nP(NPV > 0) {fmt.format_probability(p_pos)}"
        ax.plot(x[keep], f[keep], color=color, ls=dash, lw=2.4, zorder=4, label=text,
                gid=f"curve-{i}")  # fmt: skip
        # the crossing with NPV = 0, where the curve has one
        if left < 0 < right and p_pos is not None and x[0] <= 0.0 <= x[-1]:
            ax.plot([0.0], [1.0 - float(p_pos)], "o", ms=7, color=color, mec="white", mew=1.2,
                    zorder=6, gid=f"loss-point-{i}")  # fmt: skip


@dataclass(frozen=True)
class PortfolioPoint:
    """One run of a portfolio: its initiative (``group``), scenario, risk and return.

    ``label`` names the initiative (one label per group is drawn);
    ``scenario`` is None for the config as written.
    """

    label: str
    group: str
    npv_mean: float
    prob_loss: float  # P(NPV <= 0)
    scenario: str | None = None


@dataclass(frozen=True)
class PortfolioMeta:
    """What a portfolio chart says about the batch it comes from (its title and stamp)."""

    name: str
    currency: str
    version: str
    runs: int
    trials: int | None = None  # None when the runs differ
    root_seed: int | None = None

    def stamp(self) -> str:
        """``simulate 0.1.0 · 15 runs · 100,000 trials each · batch root seed 42``."""
        parts = [f"simulate {self.version}", f"{self.runs} runs"]
        parts.append(f"{self.trials:,} trials each" if self.trials else "trials differ by run")
        if self.root_seed is not None:
            parts.append(f"batch root seed {self.root_seed}")
        return " · ".join(parts)


# Marker of each scenario, by name where the name is a common one.
_SCENARIO_MARKERS = {None: "o", "base": "o", "conservative": "v", "pessimistic": "v",
                     "downside": "v", "optimistic": "^", "upside": "^"}  # fmt: skip
_MORE_MARKERS = ("s", "D", "P", "X", "h", "<", ">")


# Where a label may go around its point: directions (degrees), tried in turn at
# each distance (pt) from the point; beyond the first ring a leader line joins them.
_ANGLES = np.deg2rad([0, 180, 30, 150, -30, -150, 60, 120, -60, -120, 90, -90])
_RINGS = (9, 18, 30, 46, 64, 86)


class _Placer:
    """Tries places for the labels of points, and remembers the labels placed.

    Works in pixels of the figure as laid out when it is made.
    """

    def __init__(self, ax: Axes, xy: np.ndarray) -> None:
        fig = lay.root_figure(ax.get_figure())
        self.ax = ax
        self.xy = xy
        self.renderer = lay.renderer_of(fig)
        lay.execute_layout(fig)
        self.axbb = ax.get_window_extent(self.renderer)
        self.pts = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
        self.r = lay.px(fig, 6.0)  # a marker's radius and a little air, px
        # between two labels: a word space, a line gap
        self.gap_x, self.gap_y = lay.px(fig, 7.0), lay.px(fig, 2.0)
        self.crowd_px = lay.px(fig, 50)
        self.placed: list = []

    def crowding(self, a: int) -> int:
        """How many points lie near point ``a`` (itself included)."""
        return int(np.count_nonzero(np.hypot(*(self.pts - self.pts[a]).T) < self.crowd_px))

    def place(self, k: int, a: int, forms: Sequence[str]) -> tuple:
        """The best label ``k`` of point ``a``: (text, box, ring, dx, dy); the text is kept.

        The first form and place that is free and inside the axes wins, else
        the one with the fewest hits.
        """
        best = None
        for ring, dist in enumerate(_RINGS):
            for ang in _ANGLES:
                dx, dy = dist * math.cos(ang), dist * math.sin(ang) * 0.75
                for form, text in enumerate(forms):
                    t, bb = self._candidate(k, a, text, dx, dy)
                    score = (*self._hits(a, bb), ring, form)
                    if best is None or score < best[0]:
                        if best is not None:
                            best[1].remove()
                        best = (score, t, bb, ring, dx, dy)
                    else:
                        t.remove()
                    if score[:3] == (False, 0, 0):
                        break
                if best[0][:3] == (False, 0, 0):
                    break
            if best[0][:3] == (False, 0, 0):
                break
        self.placed.append(best[2])
        return best[1:]

    def _candidate(self, k: int, a: int, text: str, dx: float, dy: float):
        ha = "left" if dx > 1 else "right" if dx < -1 else "center"
        va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
        t = self.ax.annotate(
            text, xy=tuple(self.xy[a]), xytext=(dx, dy), textcoords="offset points",
            ha=ha, va=va, fontsize=st.LABEL_SIZE - 1, color=st.INK, linespacing=1.05,
            zorder=5.5, annotation_clip=False, gid=f"label-{k}",
        )  # fmt: skip
        t.set_in_layout(False)
        return t, t.get_window_extent(self.renderer)

    def _hits(self, a: int, bb) -> tuple[bool, int, int]:
        """(outside the axes, labels hit, points hit) of a label of point ``a`` in box ``bb``.

        A label on a label counts worse than a label on a point.
        """
        axbb, pts, r = self.axbb, self.pts, self.r
        pad = mtransforms.Bbox.from_extents(
            bb.x0 - self.gap_x, bb.y0 - self.gap_y, bb.x1 + self.gap_x, bb.y1 + self.gap_y
        )
        inside = (
            bb.x0 >= axbb.x0 + 1 and bb.x1 <= axbb.x1 - 1
            and bb.y0 >= axbb.y0 + 1 and bb.y1 <= axbb.y1 - 1
        )  # fmt: skip
        near = (
            (pts[:, 0] >= pad.x0 - r) & (pts[:, 0] <= pad.x1 + r)
            & (pts[:, 1] >= pad.y0 - r) & (pts[:, 1] <= pad.y1 + r)
        )  # fmt: skip
        # its own point only counts when the text itself covers it
        near[a] = bb.x0 - r < pts[a, 0] < bb.x1 + r and bb.y0 - r < pts[a, 1] < bb.y1 + r
        labels = sum(lay.overlaps(pad, other) for other in self.placed)
        return (not inside, labels, int(np.count_nonzero(near)))


def _label_points(
    ax: Axes, anchors: Sequence[int], xy: np.ndarray, texts: Sequence[Sequence[str]], colors
) -> list:
    """Label point ``anchors[k]`` with one of ``texts[k]`` where it hits no label or point.

    ``texts[k]`` are the label's forms, preferred first (the name wrapped
    wide, then narrow). Candidates go round the point at growing distances
    (with a leader line beyond the nearest ring); the first form and place
    that is free and inside the axes wins, else the one with the fewest
    hits (a label on a label counts worse than a label on a point). Crowded
    points are labelled first, so that they get the nearest places. Labels
    are kept out of the layout engine, so that what was measured is drawn.
    """
    placer = _Placer(ax, xy)
    crowd = [-placer.crowding(a) for a in anchors]
    order = sorted(range(len(anchors)), key=lambda k: (crowd[k], k))
    out: list = [None] * len(anchors)
    for k in order:
        a = anchors[k]
        t, _, ring, dx, dy = placer.place(k, a, texts[k])
        out[k] = t
        if ring > 0:  # moved away from its point: a leader line
            lead = ax.annotate(
                "", xy=tuple(xy[a]), xytext=(dx, dy), textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": colors[k], "lw": 0.9, "shrinkA": 0,
                            "shrinkB": 5},
                zorder=4.5, annotation_clip=False,
            )  # fmt: skip
            lead.set_in_layout(False)
    return out


@styled
def risk_return(
    points: Sequence[PortfolioPoint],
    meta: PortfolioMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Expected NPV against the probability of loss, one point per initiative and scenario.

    The best runs sit top-left (high expected NPV, low chance of losing
    money). The scenarios of one initiative share its colour, are joined by
    a thin line and are told apart by marker (a key names the shapes); each
    initiative is labelled once, at its first point, where the label
    overlaps no other label or point (with a leader line when it had to move
    away).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = start(ax)
    cur = meta.currency
    groups = list(dict.fromkeys(p.group for p in points))
    color_of = {g: _series_style(i)[0] for i, g in enumerate(groups)}
    scenarios = list(dict.fromkeys(p.scenario for p in points))
    extra = iter(_MORE_MARKERS * 4)
    marker_of = {s: _SCENARIO_MARKERS.get(s) or next(extra) for s in scenarios}
    xs = np.array([p.prob_loss for p in points], dtype=float)
    ys = np.array([p.npv_mean for p in points], dtype=float)
    _draw_points(ax, points, color_of, marker_of)
    bottom = _risk_axes(ax, xs, ys, cur)
    if len(scenarios) > 1:
        _scenario_key(ax, scenarios, marker_of)
    subtitle = subtitle or (
        "Expected NPV against the probability of losing money, one point per "
        "initiative and scenario"
    )
    aside = "Shaded: expected loss (mean NPV < 0)" if bottom < 0 else ""
    frame(fig, ax, owned, meta, subtitle, "Better: up and to the left", aside=aside)
    anchors = [next(i for i, p in enumerate(points) if p.group == g) for g in groups]
    labels = [
        list(dict.fromkeys((lay.wrap(points[a].label, 24), lay.wrap(points[a].label, 14))))
        for a in anchors
    ]
    _label_points(ax, anchors, np.column_stack([xs, ys]), labels, [color_of[g] for g in groups])
    return fig


def _draw_points(
    ax: Axes,
    points: Sequence[PortfolioPoint],
    color_of: Mapping[str, str],
    marker_of: Mapping[str | None, str],
) -> None:
    """Each run as a point; the runs of one initiative joined by a thin line."""
    for g in color_of:  # the initiatives, in order
        mine = sorted((p for p in points if p.group == g), key=lambda p: p.prob_loss)
        if len(mine) > 1:
            ax.plot([p.prob_loss for p in mine], [p.npv_mean for p in mine], color=color_of[g],
                    lw=1.3, alpha=0.55, zorder=3, gid="group-line")  # fmt: skip
    for i, p in enumerate(points):
        ax.plot([p.prob_loss], [p.npv_mean], marker=marker_of[p.scenario], ls="none", ms=10,
                color=color_of[p.group], mec="white", mew=1.2, zorder=6, gid=f"point-{i}")  # fmt: skip


def _risk_axes(ax: Axes, xs: np.ndarray, ys: np.ndarray, currency: str) -> float:
    """Probability of loss across, expected NPV up, the loss region shaded; return the y floor.

    The limits leave room for labels around the points and keep break-even
    and zero risk in view.
    """
    x_hi = max(float(xs.max()) if xs.size else 0.0, 0.05)
    x_pad = 0.1 * x_hi
    y_lo, y_hi = (float(ys.min()), float(ys.max())) if ys.size else (-1.0, 1.0)
    y_lo, y_hi = min(y_lo, 0.0), max(y_hi, 0.0)
    y_span = (y_hi - y_lo) or max(abs(y_hi), 1.0)
    right = min(x_hi + 3 * x_pad, 1.0 + x_pad)
    ax.set_xlim(-x_pad, right)
    ax.set_ylim(y_lo - 0.12 * y_span, y_hi + 0.15 * y_span)
    bottom, top = ax.get_ylim()
    lay.shade_loss(ax, bottom, top, gid="loss", axis="y")
    ax.axhline(0.0, color=st.INK, lw=1.0, zorder=2, gid="zero")
    ticks = lay.nice_locator(6).tick_values(0.0, min(right, 1.0))
    ax.set_xticks([t for t in ticks if -1e-12 <= t <= min(right, 1.0) + 1e-12])
    ax.xaxis.set_major_formatter(st.PercentFormatter())
    lay.value_axis(ax, "y", st.MoneyFormatter(currency), grid=False)
    ax.grid(axis="both")
    ax.set_xlabel("Probability of loss, P(NPV ≤ 0)")
    ax.set_ylabel(f"Expected NPV ({currency})")
    return bottom


def _scenario_key(
    ax: Axes, scenarios: Sequence[str | None], marker_of: Mapping[str | None, str]
) -> None:
    """A legend, right of the plot, that names the scenario of each marker shape."""
    handles = [
        Line2D([], [], marker=marker_of[s], ls="none", ms=9, color=st.MUTED, mec="white")
        for s in scenarios
    ]
    names = [lay.wrap(s or "as written", 18) for s in scenarios]
    ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              title="Scenario", alignment="left", borderaxespad=0.0,
              title_fontsize=st.LABEL_SIZE)  # fmt: skip
