"""A portfolio that holds at fifty initiatives: NPV ranges and the portfolio table.

:func:`npv_ranges` (a "forest" plot) draws each initiative's NPV from P10 to
P90 with its median, sorted by median, one row each: it reads better than a
scatter when there are many. :func:`portfolio_table` is the chart table that
goes with the risk-return chart (:func:`.compare.risk_return`): the runs it
does not name, with their figures. Both take :class:`.PortfolioPoint` rows
and grow taller rather than crowd.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.transforms import blended_transform_factory

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from ._ticks import fit_ticks
from .compare import PortfolioMeta, PortfolioPoint

__all__ = ["npv_ranges", "portfolio_table"]

_ROW_IN = 0.3  # inches per row of the NPV ranges
_TABLE_ROW_IN = 0.26  # inches per row of the table
_NAME_WIDTH = 44  # characters of a name per line


def _grow(framed, rows: int, per_row_in: float, fixed_in: float) -> None:
    """Make an owned figure tall enough for ``rows`` rows of ``per_row_in`` inches."""
    if framed is None:
        return
    needed = fixed_in + rows * per_row_in
    if needed > framed.fig.get_size_inches()[1]:
        framed.set_height(needed)
        lay.execute_layout(framed.fig)


def _run_name(p: PortfolioPoint) -> str:
    return p.label if p.scenario is None else f"{p.label} · {p.scenario}"


@styled
def npv_ranges(
    points: Sequence[PortfolioPoint],
    meta: PortfolioMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Each run's NPV from P10 to P90 with its median, best median on top.

    One row per point (``npv_p10``, ``npv_p50``, ``npv_p90``; points without
    them are left out and counted in a note), named by its initiative (and
    scenario), with P(NPV > 0) at the right. The loss region is shaded and
    NPV = 0 marked. On a figure of its own the chart grows taller with the
    rows, so that names never crowd.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = [p for p in points if None not in (p.npv_p10, p.npv_p50, p.npv_p90)]
    rows.sort(key=lambda p: -float(p.npv_p50))
    fig, ax, owned = start(ax)
    n = len(rows)
    lo = min([float(p.npv_p10) for p in rows] + [0.0])
    hi = max([float(p.npv_p90) for p in rows] + [0.0])
    span = (hi - lo) or 1.0
    left, right = lo - 0.04 * span, hi + 0.04 * span
    lay.shade_loss(ax, left, right, gid="loss")
    ax.axvline(0.0, color=st.INK, lw=1.0, zorder=3, gid="zero")
    for i, p in enumerate(rows):
        color = st.LOSS if p.npv_p50 < 0 else st.MAIN
        ax.plot([p.npv_p10, p.npv_p90], [i, i], color=color, lw=3.2, alpha=0.55,
                solid_capstyle="butt", zorder=4, gid=f"range-{i}")  # fmt: skip
        ax.plot([p.npv_p50], [i], "o", ms=7, color=color, mec="white", mew=1.0, zorder=5,
                gid=f"median-{i}")  # fmt: skip
        ax.text(1.01, i, fmt.format_probability(1.0 - p.prob_loss), ha="left", va="center",
                fontsize=st.LABEL_SIZE - 1, color=st.TEXT, gid=f"prob-{i}",
                transform=blended_transform_factory(ax.transAxes, ax.transData))  # fmt: skip
    ax.set_yticks(range(n), [lay.wrap(_run_name(p), _NAME_WIDTH) for p in rows])
    ax.set_ylim(n - 0.4, -0.6)
    ax.tick_params(axis="y", length=0, labelsize=st.LABEL_SIZE - 1)
    ax.spines["left"].set_visible(False)
    ax.set_xlim(left, right)
    lay.value_axis(ax, "x", st.MoneyFormatter(meta.currency), grid=True)
    ax.set_xlabel(f"Net present value ({meta.currency})")
    dropped = len(points) - n
    notes = [f"{dropped} run(s) without NPV percentiles not shown"] if dropped else []
    subtitle = subtitle or (
        "NPV of each initiative: the line spans P10 to P90, the dot is the median, "
        "P(NPV > 0) at the right; sorted by median, best first"
    )
    head = f"{n} run{'s' if n != 1 else ''}"
    framed = frame(fig, ax, owned, meta, subtitle, head, aside="Shaded: loss (NPV < 0)",
                   aside_color=st.LOSS, notes=notes)  # fmt: skip
    lines = max((t.get_text().count("\n") + 1 for t in ax.get_yticklabels()), default=1)
    _grow(framed, n, _ROW_IN * (1 + 0.5 * (lines - 1)), 2.6)
    fit_ticks(ax, "x")
    return fig


# The table's columns (heading, alignment): what the risk-return chart shows of a point.
_COLUMNS = (
    ("Initiative", "left"),
    ("Scenario", "left"),
    ("P(loss)", "right"),
    ("Expected NPV", "right"),
    ("Investment", "right"),
)


def _cells(p: PortfolioPoint, currency: str) -> list[str]:
    """A point's P(NPV <= 0), expected NPV and investment, as the table writes them."""

    def money(v: float | None) -> str:
        return "n/a" if v is None or not math.isfinite(v) else fmt.format_money(v, currency)

    return [fmt.format_probability(p.prob_loss), money(p.npv_mean), money(p.investment)]


def _layout_columns(ax: Axes, table: list[list[str]], gap_px: float) -> list[float]:
    """Fit ``table``'s columns to the Axes' width; return where each starts or ends.

    Every column but the first is as wide as its widest cell and ``gap_px``
    from the next; the first (the names) takes what they leave, its cells
    cut with an ellipsis to fit. Positions are in axes fraction: a column's
    left edge when it is left-aligned, its right edge when right-aligned.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    lay.execute_layout(fig)
    prop = FontProperties(family=st.RC["font.family"], size=st.LABEL_SIZE - 1, weight="bold")

    def width(text: str) -> float:
        return renderer.get_text_width_height_descent(text, prop, ismath=False)[0]

    widths = [max(width(row[c]) for row in table) for c in range(len(table[0]))]
    total = ax.bbox.width
    room = total - sum(widths[1:]) - gap_px * (len(widths) - 1)
    names = [row[0] for row in table[1:]]
    for chars in range(max(map(len, names), default=0), 3, -1):
        if max((width(_clip_to(t, chars)) for t in names), default=0.0) <= room:
            break
    for row in table[1:]:
        row[0] = _clip_to(row[0], chars)
    edges, x = [0.0], max(room, 0.0)
    for (_, align), w in zip(_COLUMNS[1:], widths[1:], strict=True):
        x += gap_px
        edges.append((x if align == "left" else x + w) / total)
        x += w
    return edges


def _clip_to(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


@styled
def portfolio_table(
    points: Sequence[PortfolioPoint],
    meta: PortfolioMeta,
    *,
    subtitle: str | None = None,
) -> Figure:
    """A chart table of runs, as the risk-return chart places them: P(loss), expected NPV, investment.

    Rows in the order given (the caller sorts). Columns are as wide as their
    widest cell; an initiative's name is cut, with an ellipsis, to the room
    the other columns leave. The figure grows taller with the rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = start(None)
    ax.set_axis_off()
    n = len(points)
    ax.set_ylim(n - 0.5, -1.6)
    ax.set_xlim(0.0, 1.0)
    subtitle = subtitle or f"{n} run{'s' if n != 1 else ''}"
    framed = frame(fig, ax, owned, meta, subtitle)
    _grow(framed, n + 2, _TABLE_ROW_IN, 1.9)
    table = [[head for head, _ in _COLUMNS]]
    table += [[p.label, p.scenario or "as written", *_cells(p, meta.currency)] for p in points]
    edges = _layout_columns(ax, table, lay.px(fig, 14))
    ax.axhline(-0.55, color=st.SPINE, lw=0.8)
    for i in range(1, n, 2):
        ax.axhspan(i - 0.5, i + 0.5, color=st.GRID, alpha=0.5, lw=0, zorder=0)
    for i, row in enumerate(table):
        head = i == 0
        for (_, align), x, text in zip(_COLUMNS, edges, row, strict=True):
            ax.text(x, -1.0 if head else i - 1, text, ha=align, va="center",
                    fontsize=st.LABEL_SIZE - 1, color=st.INK if head else st.TEXT,
                    fontweight="bold" if head else "normal",
                    gid="head" if head else f"cell-{i - 1}", in_layout=False)  # fmt: skip
    return fig
