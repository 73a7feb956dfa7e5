"""The waterfall: present value of each benefit and cost line, stepping to NPV.

Named in the plural so that the module does not share its name with the
:func:`waterfall` function that the package exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from .meta import ChartMeta

__all__ = ["waterfall"]


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
) -> Figure:
    """Present value of each benefit line (up) and cost line (down), ending in NPV.

    ``items`` are (label, present value) in order: benefits positive, costs
    negative. When two or more benefits come before all costs, a "Gross
    benefits" bar stands between them (``subtotal``). The last bar is the
    total, ``total_label``. Every bar carries its value.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = start(ax)
    cur = meta.currency
    bars = _bars(items, total_label=total_label, subtotal=subtotal)
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
    frame(fig, ax, owned, meta, subtitle or _default_subtitle(meta))
    _fit_categories(ax, [b.name for b in bars], labels)
    lay.fit_limits(ax, labels, "y", margin_pt=3)
    return fig


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

    def money(v):
        return fmt.format_money(v, currency, minus=fmt.MINUS)

    labels = []
    for x, bar in enumerate(bars):
        lo, hi = min(bar.start, bar.end), max(bar.start, bar.end)
        ax.bar(x, hi - lo, bottom=lo, width=0.66, color=bar.color, lw=0, zorder=3, gid=f"bar-{x}")
        delta = bar.end - bar.start
        up = delta >= 0 if bar.kind == "step" else bar.end >= 0
        text = money(bar.end) if bar.kind == "total" else ("+" if delta > 0 else "") + money(delta)
        labels.append(
            ax.annotate(
                text,
                xy=(x, hi if up else lo),
                xytext=(0, 4 if up else -4),
                textcoords="offset points",
                ha="center",
                va="bottom" if up else "top",
                fontsize=st.LABEL_SIZE,
                fontweight="bold" if bar.kind == "total" else "normal",
                color=st.INK,
                zorder=5,
                annotation_clip=False,
                in_layout=False,  # kept inside the plot by fit_limits
                gid=f"value-{x}",
            )
        )
        if x < len(bars) - 1:
            ax.plot([x + 0.33, x + 0.67], [bar.end] * 2, color=st.FAINT, lw=0.9, ls=(0, (2, 2)))
    return labels


def _default_subtitle(meta: ChartMeta) -> str:
    rate = meta.discount_rate
    return (
        "Present value by line, from gross benefits to NPV · "
        f"{meta.horizon_months}-month horizon"
        + (f" · {fmt.format_discount_rate(rate)} discount rate" if rate is not None else "")
    )


def _fit_categories(ax: Axes, names: Sequence[str], labels: Sequence) -> None:
    """Fit the bar names and values to the bars' slots.

    Names wrap to their slot (at most three lines), shrinking to 9 pt; names
    that still do not fit are set at a slant instead. Values shrink until
    neighbours keep a clear gap.

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
            t.set_rotation(35)
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")
            t.set_linespacing(1.0)
    _fit_values(labels, slot - lay.px(fig, 8), renderer)
    lay.execute_layout(fig)


def _fit_values(labels: Sequence, room: float, renderer) -> None:
    """The values' size: the largest from 12 pt down to 8 pt at which each is ``room`` wide or less."""
    if not labels:
        return
    widest = max(t.get_window_extent(renderer).width for t in labels)
    size = int(labels[0].get_fontsize())
    if widest <= room:
        return
    start = min(size - 1, int(size * room / widest) + 1)  # the first size worth measuring
    for size in range(start, 7, -1):
        for t in labels:
            t.set_fontsize(size)
        if max(t.get_window_extent(renderer).width for t in labels) <= room:
            return
