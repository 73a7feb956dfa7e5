"""The waterfall: present value of each benefit and cost line, stepping to NPV.

Named in the plural so that the module does not share its name with the
:func:`waterfall` function that the package exports.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import Frame, frame, start, styled
from ._ticks import fit_ticks
from .meta import ChartMeta

__all__ = ["MAX_LINES", "waterfall"]

# Lines drawn one by one; beyond them the smallest are summed into a bar. A
# row each on a 16:9 slide at a readable size, with the subtotal and total.
MAX_LINES = 14
_SLANT = 35  # degrees: names that do not fit their column upright
_NAME_WIDTH = 40  # characters of a line's name per line, on its side


class _Bar(NamedTuple):
    """One bar: a step from ``start`` to ``end``, or a total from 0 (``kind``)."""

    name: str
    start: float
    end: float
    color: str
    kind: str  # "step" or "total"


@styled
def waterfall(
    items: Sequence[tuple[str, float]],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    total_label: str = "NPV",
    subtotal: bool = True,
    subtitle: str | None = None,
    max_lines: int = MAX_LINES,
) -> Figure:
    """Present value of each benefit line (up) and cost line (down), ending in NPV.

    ``items`` are (label, present value) in order: benefits positive, costs
    negative. When two or more benefits come before all costs, a "Gross
    benefits" bar stands between them (``subtotal``). The last bar is the
    total, ``total_label``. Every bar carries its value.

    Beyond ``max_lines`` lines, the smallest (by size) are summed into one
    "+N smaller ... lines" bar (one for benefits and one for costs where they
    stand apart), so the bars still add up to the total; a note says so.
    The bars stand in columns while every name and value fits its column
    unslanted or slanted without touching its neighbours; else (many lines,
    long names, a small figure) the chart turns on its side: a row per bar,
    names on the left, as the tornado has them.

    Returns
    -------
    matplotlib.figure.Figure
    """
    items, notes = _grouped(items, max_lines, total_label)
    bars = _bars(items, total_label=total_label, subtotal=subtotal)
    subtitle = subtitle or _default_subtitle(meta)
    caller = ax
    fig, ax, owned = start(caller)
    with warnings.catch_warnings():  # columns too many for the figure collapse the layout:
        warnings.filterwarnings("ignore", "constrained_layout not applied")  # then rows
        if _columns(fig, ax, owned, bars, meta, subtitle, notes):
            return fig
    # the columns do not fit: start again on a clean Axes (a new figure of our own)
    if owned:
        fig, ax, owned = start(None)
    else:  # what the columns put on it is on the Axes, but for the stamp, which stays
        ax.cla()
        fig, ax, owned = start(caller)
    _rows(fig, ax, owned, bars, meta, subtitle, notes)
    return fig


def _columns(fig, ax: Axes, owned: bool, bars: Sequence[_Bar], meta, subtitle, notes) -> bool:
    """The bars as columns, names under them; return whether every text fits without touching."""
    cur = meta.currency
    labels = _draw_bars(ax, bars, cur)
    ax.axhline(0, color=st.INK, lw=1.0, zorder=4)
    lay.value_axis(ax, "y", st.MoneyFormatter(cur))
    ax.set_ylabel(f"Present value ({cur})")
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.6, len(bars) - 0.4)
    levels = [0.0] + [b.start for b in bars] + [b.end for b in bars]
    lo, hi = min(levels), max(levels)
    span = hi - lo or 1.0
    ax.set_ylim(lo - 0.02 * span if lo < 0 else 0, hi + 0.02 * span)
    ax.set_xticks(range(len(bars)), [b.name for b in bars])
    frame(fig, ax, owned, meta, subtitle, notes=notes)
    fitted = _fit_categories(ax, [b.name for b in bars], labels)
    lay.fit_limits(ax, labels, "y", margin_pt=3)
    return fitted


def _grouped(
    items: Sequence[tuple[str, float]], max_lines: int, total_label: str
) -> tuple[list[tuple[str, float]], list[str]]:
    """``items`` with all but the ``max_lines - 1`` largest summed into a bar; and a note saying so.

    Largest means farthest from zero. Where the benefits come before the
    costs, the benefits left out are summed apart from the costs left out,
    each bar last of its kind, so the gross benefits stay what they are. A
    group of one line is that line.
    """
    items = [(str(n), float(v)) for n, v in items]
    vals = [v for _, v in items]
    if len(items) <= max(int(max_lines), 1):
        return items, []
    by_size = sorted(range(len(items)), key=lambda i: -abs(vals[i]))
    rest = set(by_size[max(int(max_lines) - 1, 1) :])
    n_pos = sum(v >= 0 for v in vals)
    if all(v >= 0 for v in vals[:n_pos]):  # benefits, then costs
        kinds = [(range(n_pos), " benefit"), (range(n_pos, len(items)), " cost")]
    else:
        kinds = [(range(len(items)), "")]
    out = []
    summed = []  # the size of each bar of lines summed
    for part, kind in kinds:
        out += [items[i] for i in part if i not in rest]
        group = [i for i in part if i in rest]
        if len(group) == 1:
            out.append(items[group[0]])
        elif group:
            out.append((f"+{len(group)} smaller{kind} lines", sum(vals[i] for i in group)))
            summed.append(len(group))
    bars = "one bar" if len(summed) == 1 else "one bar for benefits and one for costs"
    note = (
        f"the {sum(summed)} smallest lines are summed into {bars}, "
        f"so the bars still add up to the {total_label}"
    )
    return out, [note]


def _bars(items: Sequence[tuple[str, float]], *, total_label: str, subtotal: bool) -> list[_Bar]:
    """The bars in order: each line a step, the gross benefits where they stand apart, the total."""
    names = [str(label) for label, _ in items]
    vals = [float(v) for _, v in items]
    n_pos = sum(v >= 0 for v in vals)
    with_sub = (
        subtotal
        and 2 <= n_pos < len(vals)
        and all(v >= 0 for v in vals[:n_pos])
        and all(v < 0 for v in vals[n_pos:])
    )
    bars = []
    running = 0.0
    for i, (name, v) in enumerate(zip(names, vals, strict=True)):
        if with_sub and i == n_pos:
            bars.append(_Bar("Gross benefits", 0.0, running, st.TOTAL, "total"))
        bars.append(_Bar(name, running, running + v, st.MAIN if v >= 0 else st.LOSS, "step"))
        running += v
    bars.append(_Bar(total_label, 0.0, running, st.TOTAL, "total"))
    return bars


def _draw_bars(ax: Axes, bars: Sequence[_Bar], currency: str) -> list:
    """Each bar, its value at its end and a dotted link to the next; return the values' texts."""

    labels = []
    for x, bar in enumerate(bars):
        lo, hi = min(bar.start, bar.end), max(bar.start, bar.end)
        ax.bar(x, hi - lo, bottom=lo, width=0.66, color=bar.color, lw=0, zorder=3, gid=f"bar-{x}")
        up = _rises(bar)
        labels.append(
            _value_label(ax, bar, currency, f"value-{x}", st.LABEL_SIZE, xy=(x, hi if up else lo),
                         xytext=(0, 4 if up else -4), ha="center", va="bottom" if up else "top")
        )  # fmt: skip
        if x < len(bars) - 1:
            ax.plot([x + 0.33, x + 0.67], [bar.end] * 2, color=st.FAINT, lw=0.9, ls=(0, (2, 2)))
    return labels


def _rises(bar: _Bar) -> bool:
    """Whether the bar goes up (right): its value is written past its top (right end)."""
    return bar.end >= bar.start if bar.kind == "step" else bar.end >= 0


def _value_label(ax: Axes, bar: _Bar, currency: str, gid: str, size: float, **place: Any):
    """The bar's value beside it: ``place`` gives ``xy``, ``xytext`` (points) and the alignment.

    Kept inside the plot by ``fit_limits``, not by the layout.
    """
    return ax.annotate(
        _value_text(bar, currency),
        textcoords="offset points",
        fontsize=size,
        fontweight="bold" if bar.kind == "total" else "normal",
        color=st.INK,
        zorder=5,
        annotation_clip=False,
        in_layout=False,
        gid=gid,
        **place,
    )


def _value_text(bar: _Bar, currency: str) -> str:
    """A step's change, signed; a total's value."""
    delta = bar.end - bar.start
    if bar.kind == "total":
        return fmt.format_money(bar.end, currency, minus=fmt.MINUS)
    return ("+" if delta > 0 else "") + fmt.format_money(delta, currency, minus=fmt.MINUS)


def _rows(fig, ax: Axes, owned: bool, bars: Sequence[_Bar], meta, subtitle, notes) -> None:
    """The bars as rows, the first on top, names on the left and values past their ends."""
    cur = meta.currency
    labels = []
    for y, bar in enumerate(bars):
        lo, hi = min(bar.start, bar.end), max(bar.start, bar.end)
        ax.barh(y, hi - lo, left=lo, height=0.66, color=bar.color, lw=0, zorder=3, gid=f"bar-{y}")
        right = _rises(bar)
        labels.append(
            _value_label(ax, bar, cur, f"value-{y}", st.LABEL_SIZE - 1, xy=(hi if right else lo, y),
                         xytext=(4 if right else -4, 0), ha="left" if right else "right",
                         va="center")
        )  # fmt: skip
        if y < len(bars) - 1:
            ax.plot([bar.end] * 2, [y + 0.33, y + 0.67], color=st.FAINT, lw=0.9, ls=(0, (2, 2)))
    ax.axvline(0, color=st.INK, lw=1.0, zorder=4)
    lay.value_axis(ax, "x", st.MoneyFormatter(cur))
    ax.set_xlabel(f"Present value ({cur})")
    ax.set_yticks(range(len(bars)), [lay.wrap(b.name, _NAME_WIDTH) for b in bars])
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_ylim(len(bars) - 0.4, -0.6)  # inverted: the first line on top
    levels = [0.0] + [b.start for b in bars] + [b.end for b in bars]
    lo, hi = min(levels), max(levels)
    span = hi - lo or 1.0
    ax.set_xlim(lo - 0.02 * span if lo < 0 else 0, hi + 0.02 * span)
    framed = frame(fig, ax, owned, meta, subtitle, notes=notes)
    _fit_rows(ax, len(bars), labels, framed)
    lay.fit_limits(ax, labels, "x", margin_pt=4)
    fit_ticks(ax, "x")  # long names squeeze the plot: fewer ticks rather than touching ones


def _fit_rows(ax: Axes, rows: int, labels: Sequence, framed: Frame | None) -> None:
    """Give each row room for its name and value: the figure grows taller (own figure) or
    the text shrinks, down to 7 pt (a caller's Axes)."""
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    ticks = ax.get_yticklabels()
    lines = max(t.get_text().count("\n") + 1 for t in ticks)
    pitch_pt = ax.get_window_extent(renderer).height / rows * 72.0 / fig.dpi
    size = float(st.BASE_SIZE if lines == 1 else st.NOTE_SIZE)
    needed = lines * size * 1.15 + 3
    if needed > pitch_pt and framed is not None:
        framed.set_height(fig.get_size_inches()[1] + (needed - pitch_pt) * rows / 72.0)
    elif needed > pitch_pt:
        if lines > 1 and (pitch_pt - 3) / (lines * 1.15) < 7.0:  # too tall even at 7 pt: unwrap
            names = [t.get_text().replace("\n", " ") for t in ticks]
            ax.set_yticks(range(rows), names)
            ticks, lines = ax.get_yticklabels(), 1
        size = max(min(size, (pitch_pt - 3) / (lines * 1.15)), 7.0)
    for t in ticks:
        t.set_fontsize(size)
        t.set_linespacing(1.0)
    for t in labels:  # a value is one line: it may be as tall as the row
        t.set_fontsize(min(st.LABEL_SIZE - 1, max(size, (pitch_pt - 3) / 1.2)))
    lay.execute_layout(fig)


def _default_subtitle(meta: ChartMeta) -> str:
    rate = meta.discount_rate
    return (
        "Present value by line, from gross benefits to NPV · "
        f"{meta.horizon_months}-month horizon"
        + (f" · {fmt.format_discount_rate(rate)} discount rate" if rate is not None else "")
    )


def _fit_categories(ax: Axes, names: Sequence[str], labels: Sequence) -> bool:
    """Fit the bar names and values to the bars' slots; return whether they fit.

    Names wrap to their slot (at most three lines), shrinking to 9 pt; names
    that still do not fit are set at a slant instead, which fits while each
    slanted name clears its neighbour's. Values shrink until neighbours keep
    a clear gap, down to 8 pt.

    Each try measures every name, so the tries are few: the largest size,
    then the smallest (smaller text wraps into fewer lines of about the same
    width, so when 9 pt does not fit no size does), then the sizes between.
    Values are measured at their size and shrunk straight to the size their
    width says fits (a text's width is proportional to its size).
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    slot = ax.get_window_extent(renderer).width / max(len(names), 1)

    def fits(size: int) -> bool:
        chars = max(int(0.94 * slot / lay.px(fig, size * 0.62)), 4)
        ax.set_xticks(range(len(names)), [lay.wrap(nm, chars) for nm in names], fontsize=size)
        ticks = ax.get_xticklabels()
        lines = max(t.get_text().count("\n") + 1 for t in ticks)
        widest = max(t.get_window_extent(renderer).width for t in ticks)
        return widest <= 0.94 * slot and lines <= 3

    sizes = list(range(st.BASE_SIZE, 8, -1))
    fitted = fits(sizes[0]) or (fits(sizes[-1]) and any(fits(s) for s in sizes[1:]))
    if not fitted:
        ax.set_xticks(range(len(names)), [lay.wrap(nm, 28) for nm in names], fontsize=st.NOTE_SIZE)
        for t in ax.get_xticklabels():
            t.set_rotation(_SLANT)
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")
            t.set_linespacing(1.0)
        # slanted names side by side are ``slot`` apart along the axis, so
        # sin(slant) * slot apart across their lines: the tallest must fit in that
        # with a clear gap (matplotlib's boxes hold the glyphs with little to spare)
        deepest = max(_flat_height(t, renderer) for t in ax.get_xticklabels())
        fitted = deepest <= math.sin(math.radians(_SLANT)) * slot - lay.px(fig, 6)
    values_fit = _fit_values(labels, slot - lay.px(fig, 8), renderer)
    lay.execute_layout(fig)
    return fitted and values_fit


def _flat_height(t, renderer) -> float:
    """A text's height as if it were not rotated."""
    rotation = t.get_rotation()
    t.set_rotation(0)
    height = t.get_window_extent(renderer).height
    t.set_rotation(rotation)
    return height


def _fit_values(labels: Sequence, room: float, renderer) -> bool:
    """The values' size: the largest from 12 pt down to 8 pt at which each is ``room`` wide or less.

    Returns whether they fit at 8 pt.
    """
    if not labels:
        return True
    widest = max(t.get_window_extent(renderer).width for t in labels)
    size = int(labels[0].get_fontsize())
    if widest <= room:
        return True
    start = min(size - 1, int(size * room / widest) + 1)  # the first size worth measuring
    for size in range(start, 7, -1):
        for t in labels:
            t.set_fontsize(size)
        if max(t.get_window_extent(renderer).width for t in labels) <= room:
            return True
    return False
