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

__all__ = [
    "MAX_NAMED",
    "PortfolioMeta",
    "PortfolioPoint",
    "named_groups",
    "risk_return",
    "scenario_cdfs",
]

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
    ``scenario`` is None for the config as written. ``investment`` (the mean
    PV of costs) sizes the point and ranks the initiatives whose names are
    drawn (:func:`named_groups`); ``npv_p10``, ``npv_p50`` and ``npv_p90``
    feed the portfolio's NPV ranges and table (:mod:`.portfolio`).
    """

    label: str
    group: str
    npv_mean: float
    prob_loss: float  # P(NPV <= 0)
    scenario: str | None = None
    investment: float | None = None
    npv_p10: float | None = None
    npv_p50: float | None = None
    npv_p90: float | None = None


@dataclass(frozen=True)
class PortfolioMeta:
    """What a portfolio chart says about the batch it comes from (its title and stamp)."""

    name: str
    currency: str
    version: str
    runs: int
    trials: int | None = None  # None when the runs differ
    root_seed: int | str | None = None  # as it is to be read (a long one cut short)

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
_ANGLES = np.deg2rad([0, 180, 30, 150, -30, -150, 60, 120, -60, -120, 90, -90,
                      15, 165, -15, -165, 45, 135, -45, -135, 75, 105, -75, -105])  # fmt: skip
_RINGS = (9, 18, 30, 46, 64, 86, 112, 142, 176, 214, 256)


def _crosses(p1, p2, q1, q2) -> bool:
    """Whether segments p1-p2 and q1-q2 cross (touching ends do not count)."""

    def side(a, b, c) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = side(q1, q2, p1), side(q1, q2, p2)
    d3, d4 = side(p1, p2, q1), side(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def _through(p1, p2, box) -> bool:
    """Whether segment p1-p2 passes through ``box`` (its edges or inside)."""
    x0, y0, x1, y1 = box.x0, box.y0, box.x1, box.y1
    if any(x0 <= p[0] <= x1 and y0 <= p[1] <= y1 for p in (p1, p2)):
        return True
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    return any(_crosses(p1, p2, corners[i], corners[(i + 1) % 4]) for i in range(4))


class _Placer:
    """Tries places for the labels of points, and remembers the labels and leaders placed.

    Works in pixels of the figure as laid out when it is made. Each label's
    size is measured once; its candidate places are boxes worked out from it,
    so that many places can be tried.
    """

    def __init__(self, ax: Axes, xy: np.ndarray, radii: np.ndarray | None = None) -> None:
        fig = lay.root_figure(ax.get_figure())
        self.ax = ax
        self.xy = xy
        self.renderer = lay.renderer_of(fig)
        lay.execute_layout(fig)
        self.axbb = ax.get_window_extent(self.renderer)
        self.pts = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2))
        # each marker's radius and a little air, px (``radii`` in points)
        self.r = lay.px(fig, 1.0 + (5.0 if radii is None else np.asarray(radii, dtype=float)))
        self.r = np.broadcast_to(self.r, (len(self.pts),))
        # between two labels: a word space, a line gap
        self.gap_x, self.gap_y = lay.px(fig, 7.0), lay.px(fig, 2.0)
        self.crowd_px = lay.px(fig, 50)
        self.pt = lay.px(fig, 1.0)
        self.placed: list = []  # label boxes
        self.leaders: list = []  # (point, label centre) of each leader line

    def crowding(self, a: int) -> int:
        """How many points lie near point ``a`` (itself included)."""
        return int(np.count_nonzero(np.hypot(*(self.pts - self.pts[a]).T) < self.crowd_px))

    def _text(self, k: int, a: int, text: str, dx: float, dy: float):
        ha = "left" if dx > 1 else "right" if dx < -1 else "center"
        va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
        t = self.ax.annotate(
            text, xy=tuple(self.xy[a]), xytext=(dx, dy), textcoords="offset points",
            ha=ha, va=va, fontsize=st.LABEL_SIZE - 1, color=st.INK, linespacing=1.05,
            zorder=5.5, annotation_clip=False, gid=f"label-{k}",
        )  # fmt: skip
        t.set_in_layout(False)
        return t

    def _size(self, text: str) -> tuple[float, float]:
        t = self._text(-1, 0, text, 0.0, 0.0)
        bb = t.get_window_extent(self.renderer)
        t.remove()
        return bb.width, bb.height

    def _box(self, a: int, dx: float, dy: float, w: float, h: float):
        x, y = self.pts[a] + np.array([dx, dy]) * self.pt
        x0 = x if dx > 1 else x - w if dx < -1 else x - w / 2
        y0 = y if dy > 1 else y - h if dy < -1 else y - h / 2
        return mtransforms.Bbox.from_extents(x0, y0, x0 + w, y0 + h)

    def place(self, k: int, a: int, forms: Sequence[str]) -> tuple:
        """The best label ``k`` of point ``a``: (text, box, ring, dx, dy); the text is drawn.

        Candidates go round the point, nearest first; the first form and
        place that is inside the axes and touches no label, point or leader
        line wins, else the one with the fewest such hits.
        """
        sizes = [self._size(text) for text in forms]
        best = None
        for ring, dist in enumerate(_RINGS):
            for ang in _ANGLES:
                dx, dy = dist * math.cos(ang), dist * math.sin(ang) * 0.75
                for form, (w, h) in enumerate(sizes):
                    bb = self._box(a, dx, dy, w, h)
                    score = (*self._hits(a, bb, ring > 0), ring, form)
                    if best is None or score < best[0]:
                        best = (score, form, bb, ring, dx, dy)
            if best[0][:4] == (False, 0, 0, 0):
                break
        _, form, bb, ring, dx, dy = best
        self.placed.append(bb)
        if ring > 0:
            self.leaders.append((tuple(self.pts[a]), (bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2))
        return self._text(k, a, forms[form], dx, dy), bb, ring, dx, dy

    def _hits(self, a: int, bb, leader: bool) -> tuple[bool, int, int, int]:
        """(outside the axes, labels hit, points hit, lines crossed) of a label of ``a`` in ``bb``.

        A label on a label counts worse than a label on a point; a leader
        line (when the label moved away) that crosses another leader or runs
        through a label counts last.
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
        ra = float(r[a])
        near[a] = bb.x0 - ra < pts[a, 0] < bb.x1 + ra and bb.y0 - ra < pts[a, 1] < bb.y1 + ra
        labels = sum(lay.overlaps(pad, other) for other in self.placed)
        crossed = sum(_through(p, (cx, cy), bb) for p, cx, cy in self.leaders)
        if leader:
            mine = (tuple(pts[a]), ((bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2))
            crossed += sum(_crosses(*mine, p, (cx, cy)) for p, cx, cy in self.leaders)
            crossed += sum(_through(*mine, other) for other in self.placed)
        return (not inside, labels, int(np.count_nonzero(near)), crossed)


def _label_points(
    ax: Axes,
    anchors: Sequence[int],
    xy: np.ndarray,
    texts: Sequence[Sequence[str]],
    colors,
    radii: np.ndarray | None = None,
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
    placer = _Placer(ax, xy, radii)
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
                            "shrinkB": 5 if radii is None else float(radii[a]) + 1.5},
                zorder=4.5, annotation_clip=False,
            )  # fmt: skip
            lead.set_in_layout(False)
    return out


# At most this many initiatives are named on the risk-return chart: beyond it,
# the largest investments are, and the others are in the portfolio table.
MAX_NAMED = 12
# Marker diameters (pt) from the smallest investment to the largest.
_SIZE_MIN, _SIZE_MAX = 6.0, 24.0


def named_groups(points: Sequence[PortfolioPoint], max_named: int = MAX_NAMED) -> list[str]:
    """The initiatives (groups) whose names the risk-return chart draws, in point order.

    All of them when there are at most ``max_named``; otherwise the
    ``max_named`` largest investments (mean PV of costs of each initiative's
    first point, the config as written), ties and unknown investments last in
    their order.
    """
    groups = list(dict.fromkeys(p.group for p in points))
    if len(groups) <= max_named:
        return groups
    first = {g: next(p for p in points if p.group == g) for g in groups}

    def size(g: str) -> float:
        v = first[g].investment
        return -float(v) if v is not None and math.isfinite(v) else math.inf

    chosen = set(sorted(groups, key=lambda g: (size(g), groups.index(g)))[: max(max_named, 0)])
    return [g for g in groups if g in chosen]


def _marker_sizes(points: Sequence[PortfolioPoint]) -> np.ndarray:
    """Each point's marker diameter (pt): its area in proportion to its investment."""
    inv = np.array([np.nan if p.investment is None else p.investment for p in points], float)
    top = np.nanmax(inv) if np.isfinite(inv).any() else np.nan
    if not np.isfinite(top) or top <= 0:
        return np.full(len(points), 10.0)
    share = np.clip(np.nan_to_num(inv / top, nan=0.0), 0.0, 1.0)
    return _SIZE_MIN + (_SIZE_MAX - _SIZE_MIN) * np.sqrt(share)


@styled
def risk_return(
    points: Sequence[PortfolioPoint],
    meta: PortfolioMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
    max_named: int = MAX_NAMED,
    table: str = "the portfolio table",
) -> Figure:
    """Expected NPV against the probability of loss, one point per initiative and scenario.

    The best runs sit top-left (high expected NPV, low chance of losing
    money). A point's area is in proportion to its investment (mean PV of
    costs; a key gives the scale). The scenarios of one initiative share its
    colour, are joined by a thin line and are told apart by marker (a key
    names the shapes). Up to ``max_named`` initiatives are named, once, at
    their first point, where the label overlaps no other label or point
    (with a leader line when it had to move away); with more, the largest
    investments are (:func:`named_groups`), a note says so and points to
    ``table``, which lists the others.

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
    sizes = _marker_sizes(points)
    _draw_points(ax, points, color_of, marker_of, sizes)
    bottom = _risk_axes(ax, xs, ys, cur)
    _keys(ax, points, scenarios, marker_of, cur)
    named = named_groups(points, max_named)
    subtitle = subtitle or (
        "Expected NPV against the probability of losing money, one point per "
        "initiative and scenario; point area: investment (PV of costs)"
    )
    notes = []
    if len(named) < len(groups):
        notes.append(
            f"named: the {len(named)} largest investments (PV of costs) of {len(groups)} "
            f"initiatives; {table} lists the other {len(groups) - len(named)}"
        )
    aside = "Shaded: expected loss (mean NPV < 0)" if bottom < 0 else ""
    frame(fig, ax, owned, meta, subtitle, "Better: up and to the left", aside=aside, notes=notes)
    anchors = [next(i for i, p in enumerate(points) if p.group == g) for g in named]
    labels = [
        list(dict.fromkeys((lay.wrap(points[a].label, 24), lay.wrap(points[a].label, 14))))
        for a in anchors
    ]
    _label_points(ax, anchors, np.column_stack([xs, ys]), labels,
                  [color_of[g] for g in named], radii=sizes / 2)  # fmt: skip
    return fig


def _draw_points(
    ax: Axes,
    points: Sequence[PortfolioPoint],
    color_of: Mapping[str, str],
    marker_of: Mapping[str | None, str],
    sizes: np.ndarray,
) -> None:
    """Each run as a point of diameter ``sizes`` (pt); the runs of one initiative joined."""
    for g in color_of:  # the initiatives, in order
        mine = sorted((p for p in points if p.group == g), key=lambda p: p.prob_loss)
        if len(mine) > 1:
            ax.plot([p.prob_loss for p in mine], [p.npv_mean for p in mine], color=color_of[g],
                    lw=1.3, alpha=0.55, zorder=3, gid="group-line")  # fmt: skip
    # the largest behind, so that a small point on a large one stays in sight
    for i in sorted(range(len(points)), key=lambda i: -sizes[i]):
        p = points[i]
        ax.plot([p.prob_loss], [p.npv_mean], marker=marker_of[p.scenario], ls="none",
                ms=float(sizes[i]), color=color_of[p.group], mec="white", mew=1.2, alpha=0.9,
                zorder=6 + 0.001 * (len(points) - i), gid=f"point-{i}")  # fmt: skip


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


def _keys(
    ax: Axes,
    points: Sequence[PortfolioPoint],
    scenarios: Sequence[str | None],
    marker_of: Mapping[str | None, str],
    currency: str,
) -> None:
    """One key right of the plot: the scenario of each marker shape, the scale of the sizes."""
    handles: list = []
    names: list[str] = []
    heads: list[int] = []
    if len(scenarios) > 1:
        heads.append(len(names))
        handles.append(Line2D([], [], ls="none"))
        names.append("Scenario")
        for s in scenarios:
            handles.append(Line2D([], [], marker=marker_of[s], ls="none", ms=9, color=st.MUTED,
                                  mec="white"))  # fmt: skip
            names.append(lay.wrap(s or "as written", 18))
    inv = [p.investment for p in points if p.investment is not None and p.investment > 0]
    if inv and min(inv) != max(inv):
        top = max(inv)
        heads.append(len(names))
        handles.append(Line2D([], [], ls="none"))
        names.append("Investment")
        for v in sorted({fmt.round_sig(top * f, 1) for f in (1.0, 0.25, 0.04)}, reverse=True):
            size = _SIZE_MIN + (_SIZE_MAX - _SIZE_MIN) * math.sqrt(min(v / top, 1.0))
            handles.append(Line2D([], [], marker="o", ls="none", ms=size, color=st.MUTED,
                                  mec="white"))  # fmt: skip
            names.append(fmt.format_money(v, currency))
    if not handles:
        return
    key = ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    borderaxespad=0.0, labelspacing=0.9, handlelength=1.6,
                    handletextpad=0.6)  # fmt: skip
    for i in heads:
        key.get_texts()[i].set_fontweight("bold")
