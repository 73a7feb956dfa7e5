"""The two-input break-even frontier: where NPV turns positive in the plane of two inputs.

Takes sensitivity.json's ``frontier`` (:func:`simulate.sensitivity.frontier`
computes it) and draws, over the plane of the two inputs, the base-case
break-even line, the contours of P(NPV > 0) with the other inputs uncertain,
the inputs' P10-P90 box and the base case.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from .. import format as fmt
from ..sensitivity.labels import format_value, unit_suffix
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from ._ticks import fit_ticks
from .meta import ChartMeta

__all__ = ["frontier"]

# The contours, surest last: lighter to darker, dashed to solid.
_LEVEL_STYLES = ((st.SKY_BLUE, (0, (5, 2))), (st.BLUE, (0, (3, 1.5))), (st.GREEN, "-"))
_TINTS = ("#E8F3FB", "#CFE5F5", "#BFE6D6")  # the area above each level, lightest first


def _axis_label(axis: Mapping, currency: str) -> str:
    """The input's label and its unit: ``Go-live month (months)``, ``Churn cut (rel.), %``."""
    unit = unit_suffix(axis.get("unit"), currency)
    label = axis.get("label") or axis["input"]
    if not unit or unit == "×":  # a multiplier's ticks say so (×1.2)
        return label
    return f"{label}, {unit}" if label.endswith(")") else f"{label} ({unit})"


def _style_axis(ax: Axes, which: str, axis: Mapping, currency: str) -> None:
    target = ax.xaxis if which == "x" else ax.yaxis
    unit = axis.get("unit")
    target.set_major_formatter(FuncFormatter(lambda v, _pos: format_value(v, unit, currency)))
    target.set_major_locator(lay.nice_locator(6))
    if which == "x":
        ax.set_xlabel(lay.wrap(_axis_label(axis, currency), 48))
    # the y label is set once the plot is laid out (_fit_ylabel): as it runs up the plot's
    # height, how it wraps depends on that height, and taller it would squeeze the plot


# The y label's wrap widths (characters) and font scales, tried in turn until it fits.
_YLABEL_WIDTHS = (30, 26, 22, 18, 15, 12)
_YLABEL_SCALES = (1.0, 0.85, 0.7)


def _fit_ylabel(ax: Axes, text: str) -> None:
    """Set the y label, wrapped and then smaller until it is no taller than the plot.

    The label is centred on the plot's height: taller, it runs up into the
    subtitle and the key and down into the notes (a long input label on a
    short plot, as in the review pack), and the layout shrinks the plot to
    make room, which makes it taller still. So the plot is measured as laid
    out without the label, which sets its width and not its height. A word
    longer than the width is cut.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    label = ax.yaxis.label
    size, room = label.get_fontsize(), ax.get_window_extent(renderer).height
    for scale, width in itertools.product(_YLABEL_SCALES, _YLABEL_WIDTHS):
        lines = lay.wrap(text, width).split("\n")
        lines = [ln[i : i + width] for ln in lines for i in range(0, len(ln), width)]
        label.set_text("\n".join(lines))
        label.set_fontsize(size * scale)
        if label.get_window_extent(renderer).height <= room:
            break
    lay.execute_layout(fig)


def _key_from_the_left(ax: Axes, key) -> None:
    """Start the key above the plot at the y axis's left edge, as the header does, when it
    is wider than the plot: past the plot's right edge, the layout narrows the plot to
    make room for it, and it runs off the figure."""
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    plot = ax.get_window_extent(renderer)
    if key.get_window_extent(renderer).width <= plot.width:
        return
    left = ax.yaxis.get_tightbbox(renderer).x0
    key.set_bbox_to_anchor(((left - plot.x0) / plot.width, 1.01), ax.transAxes)
    lay.execute_layout(fig)


def _level_style(k: int) -> tuple[str, object]:
    return _LEVEL_STYLES[min(k, len(_LEVEL_STYLES) - 1)]


@styled
def frontier(
    data: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
    head: str = "Break-even frontier",
) -> Figure:
    """The break-even frontier of two inputs, from sensitivity.json's ``frontier``.

    The solid black line is where the base-case NPV is zero (every other
    input at its median); dashed and coloured lines are where P(NPV > 0)
    reaches each level with the other inputs uncertain. The grey box spans
    each input's P10 to P90 (where the inputs are likely to be); the dot is
    the base case (both at their medians). Axes are in the inputs' units.
    The key sits right of the plot on a figure of its own, above it on a
    caller's Axes (a small chart on a page, which needs the plot's width).
    ``head`` is the key figure's place above the plot (a page whose chart
    title already says "Break-even frontier" passes "").

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, owned = start(ax)
    ax_a, ax_b = data["inputs"]
    xs, ys = np.asarray(ax_a["values"], float), np.asarray(ax_b["values"], float)
    handles, names = _draw(ax, data, xs, ys)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    _style_axis(ax, "x", ax_a, meta.currency)
    _style_axis(ax, "y", ax_b, meta.currency)
    ax.grid(True, color=st.GRID, lw=0.8, zorder=0)
    if owned:
        key = ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                        borderaxespad=0.0, handlelength=2.4, labelspacing=0.8)  # fmt: skip
    else:
        key = ax.legend(handles, names, loc="lower left", bbox_to_anchor=(0.0, 1.01),
                        ncols=2, borderaxespad=0.0, handlelength=2.2, columnspacing=1.2,
                        fontsize=st.NOTE_SIZE)  # fmt: skip
    notes = _notes(data)
    subtitle = subtitle or (
        "Where NPV turns positive as two inputs move together: the break-even line with "
        "the others at their median, and the chance of a positive NPV with the others "
        f"uncertain ({data['trials_per_point']:,} draws at each of "
        f"{data['grid']}×{data['grid']} points)"
    )
    frame(fig, ax, owned, meta, subtitle, head, notes=notes, above=() if owned else [key])
    _fit_ylabel(ax, _axis_label(ax_b, meta.currency))
    if not owned:
        _key_from_the_left(ax, key)
    fit_ticks(ax, "x")
    fit_ticks(ax, "y")
    return fig


def _draw(ax: Axes, data: Mapping, xs: np.ndarray, ys: np.ndarray) -> tuple[list, list[str]]:
    """The box, the tints, the contours, the zero line and the base case; their key entries.

    A level or line that is not in the plane has no entry (a note says why).
    """
    ax_a, ax_b = data["inputs"]
    box = Rectangle((ax_a["p10"], ax_b["p10"]), ax_a["p90"] - ax_a["p10"],
                    ax_b["p90"] - ax_b["p10"], facecolor="none", edgecolor=st.MUTED,
                    lw=1.4, ls=(0, (1.5, 1.5)), zorder=3.5, gid="box")  # fmt: skip
    ax.add_patch(box)
    handles: list = [Patch(facecolor="none", edgecolor=st.MUTED, lw=1.4, ls=(0, (1.5, 1.5)))]
    names = ["P10–P90 of both inputs"]
    levels = [float(c["level"]) for c in data["contours"]]
    if levels and not _step(data):  # the surer, the greener: tints between the contours
        prob = np.asarray(data["probability"], float).T  # rows: the second input
        ax.contourf(xs, ys, prob, levels=[*levels, 1.0 + 1e-9], zorder=2, alpha=0.35,
                    colors=_TINTS[-len(levels):], antialiased=False)  # fmt: skip
    for k, c in enumerate(data["contours"]):
        color, dash = _level_style(k)
        for m, line in enumerate(c["lines"]):
            pts = np.asarray(line, float).reshape(-1, 2)
            ax.plot(pts[:, 0], pts[:, 1], color=color, ls=dash, lw=2.0, zorder=3,
                    gid=f"contour-{k}-{m}")  # fmt: skip
        if c["lines"]:
            handles.append(Line2D([], [], color=color, ls=dash, lw=2.0))
            names.append(f"P(NPV > 0) = {fmt.format_percent(c['level'])}")
    for m, line in enumerate(data["zero_curve"]):
        pts = np.asarray(line, float).reshape(-1, 2)
        ax.plot(pts[:, 0], pts[:, 1], color=st.INK, lw=2.6, zorder=4, gid=f"zero-{m}")
    if data["zero_curve"]:
        handles.append(Line2D([], [], color=st.INK, lw=2.6))
        names.append("NPV = 0, others at median")
    ax.plot([ax_a["p50"]], [ax_b["p50"]], "o", ms=8, color=st.INK, mec="white", mew=1.2,
            zorder=5, gid="base")  # fmt: skip
    handles.append(Line2D([], [], marker="o", ls="none", ms=8, color=st.INK, mec="white"))
    names.append("base case (medians)")
    return handles, names


def _step(data: Mapping) -> bool:
    """Whether every contour is the zero line: no other input is uncertain (a 0-or-1 chance)."""
    zero = data["zero_curve"]
    return bool(zero) and all(c["lines"] == zero for c in data["contours"])


def _notes(data: Mapping) -> list[str]:
    """What the plane does not show: a zero line or a level it never crosses, and why."""
    notes = []
    if _step(data):
        notes.append(
            "no other input is uncertain, so P(NPV > 0) is 1 on the positive side of the "
            "break-even line and 0 on the other: every contour is that line"
        )
    if not data["zero_curve"]:
        npv = np.asarray(data["npv"], float)
        sign = "positive" if npv.min() >= 0 else "negative"
        notes.append(f"the base-case NPV is {sign} over the whole plane: no break-even line")
    prob = np.asarray(data["probability"], float)
    missing = [float(c["level"]) for c in data["contours"] if not c["lines"]]
    above = [q for q in missing if prob.min() >= q]
    below = [q for q in missing if q not in above]
    if above:  # the highest level reached everywhere says it for the lower ones
        notes.append(f"P(NPV > 0) is {fmt.format_percent(max(above))} or more everywhere here")
    if below:
        notes.append(f"P(NPV > 0) stays below {fmt.format_percent(min(below))} everywhere here")
    return notes
