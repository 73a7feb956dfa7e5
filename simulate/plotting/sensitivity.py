"""The charts of a sensitivity analysis: the tornado and the spider.

Both take the rows of ``sensitivity.json`` (:mod:`simulate.sensitivity`
computes them) and show one metric, NPV, ROI or payback, as one input moves
while the others stay at their median: the tornado at two quantiles of each
input, the spider along its percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter
from matplotlib.transforms import blended_transform_factory

from .. import format as fmt
from ..sensitivity.labels import format_value
from . import _layout as lay
from . import _style as st
from ._frame import Frame, frame, start, styled
from ._ticks import fit_ticks
from .meta import ChartMeta

__all__ = ["spider", "tornado"]

_METRICS = {
    "npv": "Net present value",
    "roi": "Return on investment",
    "payback_months": "Payback period",
}

_NAME_WIDTH = 40  # characters of an input name per line
_END_WIDTH = 34  # characters per line of a spider line's end label

# Okabe-Ito hues first; beyond them, dark grey and black with dashes.
_SPIDER_STYLES = (
    (st.BLUE, "-"),
    (st.VERMILLION, "-"),
    (st.GREEN, "-"),
    (st.ORANGE, "-"),
    (st.PURPLE, "-"),
    (st.SKY_BLUE, "-"),
    (st.TOTAL, (0, (5, 2))),
    (st.BLACK, (0, (1.5, 1.5))),
)


def _metric_format(
    metric: str, currency: str, horizon: int
) -> tuple[Callable[[float], str], Formatter, str]:
    """How ``metric`` is written: one value, the value axis, and the axis label."""
    if metric == "npv":
        return (
            lambda v: fmt.format_money(v, currency, minus=fmt.MINUS),
            st.MoneyFormatter(currency),
            f"Net present value ({currency})",
        )
    if metric == "roi":
        return (
            lambda v: fmt.format_percent(v, minus=fmt.MINUS),
            st.PercentFormatter(),
            "Return on investment",
        )
    if metric == "payback_months":
        return (
            lambda v: fmt.format_months(v, horizon),
            st.NumberFormatter(" mo"),
            "Payback (months, undiscounted)",
        )
    raise ValueError(f"{metric!r} is not a tornado metric. It must be one of {sorted(_METRICS)}")


# --- tornado --------------------------------------------------------------------


class _BarEnd(NamedTuple):
    """One bar of a tornado row, from the base case to the metric at one quantile."""

    gid: str  # "{row}-{low|high}"
    y: float
    height: float
    value: float  # the metric, capped at the horizon when open
    direction: float  # +1 right of the base, -1 left
    open: bool  # no payback within the horizon: hatched
    color: str
    input_value: float  # the input at the quantile, written at the bar's end
    unit: str | None  # the input's unit (sensitivity.labels), for that value


@styled
def tornado(
    rows: Sequence[Mapping],
    base_metric: float,
    meta: ChartMeta,
    metric: str = "npv",
    ax: Axes | None = None,
    *,
    max_rows: int = 12,
    subtitle: str | None = None,
) -> Figure:
    """One-at-a-time sensitivity: the metric with each input at its low and high quantile.

    ``rows`` are sensitivity.json's tornado rows, sorted by swing, largest
    first; the first is drawn at the top, named by its ``label`` (else its
    ``input``). Each bar runs from ``base_metric`` to ``metric_low`` (input
    at its low quantile) or ``metric_high`` and is labelled at its end with
    the input's value there, in the row's ``unit``; when both ends lie on
    the same side of the base, the row holds two half-height bars. At most
    ``max_rows`` rows are drawn; a note counts the rest. ``metric`` is
    ``"npv"``, ``"roi"`` or ``"payback_months"``; a payback beyond the
    horizon (None or inf) is drawn to the horizon, hatched. Long input names
    wrap; on a figure of its own the chart grows taller rather than let them
    touch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    value_fmt, axis_fmt, xlabel = _metric_format(metric, meta.currency, meta.horizon_months)
    shown = list(rows[: max(int(max_rows), 0)])
    hidden = len(rows) - len(shown)
    fig, ax, owned = start(ax)
    q_lo = float(shown[0]["low_q"]) if shown else 0.1
    q_hi = float(shown[0]["high_q"]) if shown else 0.9
    low_name, high_name = fmt.format_quantile(q_lo), fmt.format_quantile(q_hi)
    base, _ = _capped(base_metric, meta.horizon_months)
    labels, ends, beyond = _draw_rows(ax, shown, base, meta)
    top, bottom = _row_axis(ax, shown, hidden, base)
    lay.value_axis(ax, "x", axis_fmt)
    ax.set_xlabel(xlabel)
    _row_notes(ax, len(shown), hidden)
    lo, hi = min(ends), max(ends)
    span = hi - lo or max(abs(base) * 0.1, 1.0)
    ax.set_xlim(lo - 0.04 * span, hi + 0.04 * span)
    base_text = _base_label(ax, base, f"Base case {value_fmt(base)}")
    legend = _quantile_legend(ax, low_name, high_name)
    notes = (
        [f"a hatched bar means no payback within the {meta.horizon_months}-month horizon"]
        if beyond
        else []
    )
    subtitle = subtitle or (
        f"{_METRICS[metric]} with one input at its {low_name} or {high_name}, "
        "all others at their median"
    )
    framed = frame(fig, ax, owned, meta, subtitle, notes=notes, above=(legend, base_text))
    _fit_rows(ax, bottom - top, framed)
    lay.fit_limits(ax, labels, "x", margin_pt=4)
    fit_ticks(ax, "x")  # long names squeeze the plot: fewer ticks rather than touching ones
    _place_legend(ax, legend, base_text)
    return fig


def _capped(v: float | None, horizon: int) -> tuple[float, bool]:
    """``v``, or the horizon when there is no value (no payback): and whether it was capped."""
    if v is None or not math.isfinite(float(v)):
        return float(horizon), True
    return float(v), False


def _draw_rows(
    ax: Axes, rows: Sequence[Mapping], base: float, meta: ChartMeta
) -> tuple[list, list[float], bool]:
    """The bars of each row; return their value labels, their ends and whether any is open."""
    horizon = meta.horizon_months
    labels = []
    ends = [base]
    beyond = False
    for i, row in enumerate(rows):
        lo_v, lo_open = _capped(row["metric_low"], horizon)
        hi_v, hi_open = _capped(row["metric_high"], horizon)
        beyond |= lo_open or hi_open
        d_lo = float(np.sign(lo_v - base)) or (-1.0 if hi_v >= base else 1.0)
        d_hi = float(np.sign(hi_v - base)) or -d_lo
        split = d_lo == d_hi  # both ends on one side: two half-height bars
        for v, d, open_, color, q_value, which in (
            (lo_v, d_lo, lo_open, st.LOW, row["low_value"], "low"),
            (hi_v, d_hi, hi_open, st.HIGH, row["high_value"], "high"),
        ):
            y, h = (i + (-0.19 if which == "low" else 0.19), 0.36) if split else (i, 0.66)
            end = _BarEnd(f"{i}-{which}", y, h, v, d, open_, color, q_value, row.get("unit"))
            labels.append(_draw_bar(ax, base, end, meta.currency))
            ends.append(v)
    return labels, ends, beyond


def _draw_bar(ax: Axes, base: float, end: _BarEnd, currency: str):
    """One bar from ``base`` to its end, and the input's value there; return the value's text."""
    ax.barh(
        end.y,
        abs(end.value - base),
        left=min(end.value, base),
        height=end.height,
        color=end.color,
        lw=0,
        hatch="///" if end.open else None,
        edgecolor="white",
        zorder=3,
        gid=f"bar-{end.gid}",
    )
    return ax.annotate(
        format_value(end.input_value, end.unit, currency),
        xy=(end.value, end.y),
        xytext=(5 * end.direction, 0),
        textcoords="offset points",
        ha="left" if end.direction > 0 else "right",
        va="center",
        fontsize=st.LABEL_SIZE - 1,
        color=st.TEXT,
        zorder=5,
        annotation_clip=False,
        in_layout=False,  # kept inside the plot by fit_limits
        gid=f"value-{end.gid}",
    )


def _row_axis(ax: Axes, rows: Sequence[Mapping], hidden: int, base: float) -> tuple[float, float]:
    """Input names down the y-axis, first row on top, and the base line; return the y-range."""
    n = len(rows)
    names = [lay.wrap(str(r.get("label") or r["input"]), _NAME_WIDTH) for r in rows]
    ax.set_yticks(range(n), names)
    top, bottom = -0.6, n - 0.5 + (0.9 if hidden else 0)
    if bottom - top < 6:  # a few rows: keep bars slim and centred, not slabs
        grow = (6 - (bottom - top)) / 2
        top, bottom = top - grow, bottom + grow
    ax.set_ylim(bottom, top)  # inverted: first row on top
    # the base line stops at the last row, clear of the note about hidden rows
    ax.vlines(base, top, n - 0.4 if hidden else bottom, color=st.INK, lw=1.3, zorder=4, gid="base")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    return top, bottom


def _row_notes(ax: Axes, n: int, hidden: int) -> None:
    """Under the last of ``n`` rows, how many were left out; or that there are none."""
    if hidden:
        ax.text(
            0.0,
            n + 0.15,
            f"+ {hidden} more input{'s' if hidden > 1 else ''} with smaller swings, not shown",
            transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="left",
            va="center",
            fontsize=st.NOTE_SIZE,
            fontstyle="italic",
            color=st.MUTED,
            in_layout=False,
            gid="cut-note",
        )
    if n == 0:
        ax.text(0.5, 0.5, "No inputs to show", transform=ax.transAxes, ha="center")


def _base_label(ax: Axes, base: float, text: str):
    """The base case's value above the plot, over the base line (moved by _place_legend)."""
    return ax.annotate(
        text,
        xy=(base, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 5),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=st.LABEL_SIZE,
        fontweight="bold",
        color=st.INK,
        gid="base-label",
    )


def _quantile_legend(ax: Axes, low_name: str, high_name: str):
    """Which colour is the input at its low quantile and which at its high one."""
    return ax.legend(
        [Patch(color=st.LOW), Patch(color=st.HIGH)],
        [f"input at {low_name}", f"input at {high_name}"],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=2,
        borderaxespad=0.2,
        columnspacing=1.2,
        handletextpad=0.5,
    )


def _fit_rows(ax: Axes, rows: float, framed: Frame | None) -> None:
    """Give each input name room: shrink the font, then (own figure) grow it taller."""
    ticks = ax.get_yticklabels()
    if not ticks:
        return
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    lines = max(t.get_text().count("\n") + 1 for t in ticks)
    pitch_pt = ax.get_window_extent(renderer).height / rows * 72.0 / fig.dpi
    size = float(st.BASE_SIZE if lines == 1 else st.NOTE_SIZE)
    grown = False
    if framed is None:
        size = max(min(size, (pitch_pt - 3) / (lines * 1.2)), 7.0)
    else:
        needed = lines * size * 1.15 + 4
        if needed > pitch_pt:
            framed.set_height(fig.get_size_inches()[1] + (needed - pitch_pt) * rows / 72.0)
            grown = True
    if size == st.BASE_SIZE and not grown:
        return  # as laid out already
    for t in ticks:
        t.set_fontsize(size)
        t.set_linespacing(1.0)
    lay.execute_layout(fig)


def _place_legend(ax: Axes, legend, base_text) -> None:
    """Keep the legend above the plot, clear of the base-case label.

    Tried in turn: legend right or left with the label centred on the base
    line, then the label beside the line on the free side; failing all, the
    label goes up a row.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    pad = lay.px(fig, 8)
    options = [
        ("right", "center"),
        ("left", "center"),
        ("left", "left"),
        ("right", "right"),
    ]
    for side, ha in options:
        legend.set_loc(f"lower {side}")
        legend.set_bbox_to_anchor((1.0 if side == "right" else 0.0, 1.0), transform=ax.transAxes)
        base_text.set_horizontalalignment(ha)
        base_text.xyann = ({"center": 0, "left": 4, "right": -4}[ha], 5)
        if not lay.overlaps(
            legend.get_window_extent(renderer), base_text.get_window_extent(renderer), pad
        ):
            return
    legend.set_loc("lower right")
    legend.set_bbox_to_anchor((1.0, 1.0), transform=ax.transAxes)
    base_text.set_horizontalalignment("center")
    height = legend.get_window_extent(renderer).height * 72.0 / fig.dpi
    base_text.xyann = (0, 8 + height)


# --- spider ---------------------------------------------------------------------


def _spider_style(i: int) -> tuple[str, object]:
    """Colour and dash of line ``i``: past the eight above, the hues again, dashed."""
    if i < len(_SPIDER_STYLES):
        return _SPIDER_STYLES[i]
    dash = (0, (4, 1.5)) if (i - len(_SPIDER_STYLES)) // 6 % 2 == 0 else (0, (1, 1.5))
    return _SPIDER_STYLES[(i - len(_SPIDER_STYLES)) % 6][0], dash


@styled
def spider(
    spider_data: Mapping,
    base_metric: float,
    meta: ChartMeta,
    metric: str = "npv",
    ax: Axes | None = None,
    *,
    max_lines: int = 8,
    subtitle: str | None = None,
) -> Figure:
    """The metric as each input moves through its percentiles, the others at their median.

    ``spider_data`` is sensitivity.json's ``spider``: ``percentiles`` (5 to
    95) and ``lines``, widest first, each with ``input``, ``label``,
    ``unit``, ``discrete``, ``values`` (the input at each percentile),
    ``metric`` and, for a discrete input, ``steps``. One line per input, at
    most ``max_lines`` (a note counts the rest), labelled at its right end
    with the input's label and its P5 and P95 values in its unit; every line
    passes through the base case at P50. A steep line is an input that
    matters; a bent one, an input whose effect is not proportional. A
    discrete input is drawn as steps where its quantile function steps (its
    ``steps``; without them, between the percentiles). A payback beyond the
    horizon (None or inf) is drawn at the horizon, and a note says so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    value_fmt, axis_fmt, ylabel = _metric_format(metric, meta.currency, meta.horizon_months)
    horizon = meta.horizon_months
    pct = np.asarray(spider_data["percentiles"], dtype=float)
    lines = list(spider_data["lines"])
    shown = lines[: max(int(max_lines), 0)]
    hidden = len(lines) - len(shown)
    fig, ax, owned = start(ax)
    labels, capped = _draw_lines(ax, pct, shown, metric, meta)
    base = float(base_metric) if base_metric is not None else math.nan
    _spider_axes(ax, pct, base, axis_fmt, ylabel)
    if not shown:  # above the base line, which runs through the middle of the plot
        ax.text(0.5, 0.56, "No uncertain input to show: every value in the config is fixed",
                transform=ax.transAxes, ha="center", va="bottom", color=st.MUTED,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 3},
                gid="no-inputs")  # fmt: skip
    notes = []
    if hidden:
        notes.append(
            f"{hidden} more input{'s' if hidden > 1 else ''} with narrower ranges not shown"
        )
    if capped:
        notes.append(f"no payback within {fmt.count_months(horizon)} is drawn at the horizon")
    subtitle = subtitle or (
        f"{_METRICS[metric]} as one input moves from its P5 to its P95, all others at their median"
    )
    head = _spider_head(base, metric, horizon, value_fmt)
    ends = "–".join(fmt.format_quantile(p / 100.0) for p in (pct[0], pct[-1])) if pct.size else ""
    aside = f"labels: input, its {ends} values"
    frame(fig, ax, owned, meta, subtitle, head, aside=aside, notes=notes)
    if labels:
        lay.spread_end_labels(ax, labels)
    return fig


def _metric_values(values: Sequence, metric: str, horizon: int) -> tuple[np.ndarray, bool]:
    """The metric along a line, a payback beyond the horizon drawn at it; and whether any is."""
    y = np.array([np.inf if v is None else float(v) for v in values])
    if metric == "payback_months" and np.isinf(y).any():
        y[np.isinf(y)] = horizon
        return y, True
    return y, False


def _line_xy(
    pct: np.ndarray, line: Mapping, metric: str, horizon: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Where a spider line runs: through its points, or a discrete input's steps."""
    steps = line.get("steps") if line.get("discrete") else None
    if not steps:
        y, cut = _metric_values(line["metric"], metric, horizon)
        return pct, y, cut
    y, cut = _metric_values([s["metric"] for s in steps], metric, horizon)
    xs = [x for s in steps for x in (s["from"], s["to"])]
    return np.asarray(xs, dtype=float), np.repeat(y, 2), cut


def _draw_lines(
    ax: Axes, pct: np.ndarray, lines: Sequence[Mapping], metric: str, meta: ChartMeta
) -> tuple[list, bool]:
    """One line per input, labelled at its right end; return the labels and whether any capped."""
    horizon = meta.horizon_months
    labels = []
    capped = False
    for i, line in enumerate(lines):
        color, style = _spider_style(i)
        y, cut = _metric_values(line["metric"], metric, horizon)
        x_line, y_line, cut_steps = _line_xy(pct, line, metric, horizon)
        capped |= cut or cut_steps
        z = 4 + 0.01 * (len(lines) - i)
        ax.plot(x_line, y_line, color=color, ls=style, lw=2.2, zorder=z, gid=f"line-{i}")
        ax.plot(pct, y, color=color, ls="none", marker="o", ms=3.5, zorder=z, gid=f"points-{i}")
        unit = line.get("unit")
        values = [float(v) for v in line["values"]]
        span = (
            f"{format_value(values[0], unit, meta.currency)}–"
            f"{format_value(values[-1], unit, meta.currency)}"
        )
        labels.append(
            ax.annotate(
                _end_label(str(line.get("label") or line["input"]), span),
                xy=(float(pct[-1]), float(y[-1])),
                xytext=(8, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=st.LABEL_SIZE - 1,
                color=color,
                annotation_clip=False,
                gid=f"label-{i}",
                parse_math=False,  # "$8k–$15k" is money, not mathtext between two $
            )
        )
    return labels, capped


def _end_label(name: str, span: str) -> str:
    """A spider line's label: its name, wrapped, and its values on the last line if they fit."""
    text = lay.wrap(name, _END_WIDTH)
    last = text.rpartition("\n")[2]
    return f"{text}  {span}" if len(last) + 2 + len(span) <= _END_WIDTH + 8 else f"{text}\n{span}"


def _spider_axes(ax: Axes, pct: np.ndarray, base: float, axis_fmt: Formatter, ylabel: str) -> None:
    """The base case and the median as guides, percentiles across, the metric up."""
    if math.isfinite(base):
        ax.axhline(base, color=st.INK, lw=1.0, zorder=3, gid="base")
    ax.axvline(50.0, color=st.FAINT, lw=0.9, ls=(0, (2, 2)), zorder=2, gid="median")
    ticks = [p for p in (5, 25, 50, 75, 95) if pct.min() <= p <= pct.max()]
    ax.set_xticks(ticks, [fmt.format_quantile(p / 100.0) for p in ticks])
    ax.set_xlim(float(pct.min()) - 1.5, float(pct.max()) + 1.5)
    ax.set_xlabel("Percentile of the input (the other inputs at their median)")
    ax.set_ylabel(ylabel)
    lay.value_axis(ax, "y", axis_fmt)


def _spider_head(base: float, metric: str, horizon: int, value_fmt: Callable[[float], str]) -> str:
    if math.isfinite(base):
        return f"Base case {value_fmt(base)}"
    if metric == "payback_months":
        return f"Base case: no payback within {fmt.count_months(horizon)}"
    return ""
