"""The cash flow fan: cumulative net cash flow by month, its bands and median.

The investment shows as the dip below the zero line and the payback as
where the bands cross it; each band's value at the horizon is written at
the right, and the payback target is marked. The sums are undiscounted
(money at face value, unlike NPV) unless the caller says otherwise. When a
success flag splits the trials, each group gets its own bands, so that two
outcomes are not smeared into one wide band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from .meta import ChartMeta

__all__ = ["FanGroup", "cashflow_fan"]

# The bands' keys and their labels at the right, top to bottom.
_BANDS = (("p90", "P90"), ("p75", "P75"), ("p50", "Median"), ("p25", "P25"), ("p10", "P10"))
# Per group: P10-P90 fill, P25-P75 fill, median line, text.
_GROUP_STYLE = (
    (st.BAND_OUTER, st.BAND_INNER, st.MAIN, st.MAIN),
    ("#F6DFAE", "#EDBF63", "#B87D00", "#9A6A00"),
)
# A group's bands are drawn from at least this many paths; below, its median only.
MIN_GROUP_PATHS = 20


class FanGroup(NamedTuple):
    """The fan of one group of trials (:func:`simulate.metrics.split_fan`)."""

    label: str
    share: float  # of all the run's trials
    paths: int  # kept paths in the group, from which ``bands`` come
    bands: Mapping[str, np.ndarray]


@styled
def cashflow_fan(
    months: np.ndarray,
    bands: Mapping[str, np.ndarray],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    discounted: bool = False,
    subtitle: str | None = None,
    groups: Sequence[FanGroup] | None = None,
    sample: int | None = None,
    key_columns: int | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Cumulative net cash flow by month: P10-P90 and P25-P75 bands, median line.

    ``bands`` maps ``"p10", "p25", "p50", "p75", "p90"`` to arrays over
    ``months`` (0..T). The investment shows as the dip below the zero line;
    each band's value at the horizon is written at the right, and
    ``meta.target_payback_months`` is marked. The sums are undiscounted
    unless ``discounted`` (which only changes the wording); the y-axis and
    a note say which.

    Parameters
    ----------
    groups : the trials split by a success flag (:class:`FanGroup`, from
        :func:`simulate.metrics.split_fan`): each group's bands and median
        are drawn in its own colour instead of ``bands``, with a key that
        names it and its share of the trials.
    sample : how many trials the bands come from, when fewer than
        ``meta.trials`` (the first ones drawn, a random subset): a note says so.
    key_columns : the groups' key in this many columns (by default one per
        group, in a row); a chart too narrow for the row stacks it in one.
    ylabel : the y-axis label, instead of the two lines that say what is
        summed (a small chart's plot may be shorter than they are).

    Other parameters and return as :func:`~simulate.plotting.npv_distribution`.
    """
    fig, ax, owned = start(ax)
    cur = meta.currency
    m = np.asarray(months, dtype=float).ravel()
    kind = "discounted" if discounted else "undiscounted"
    if groups:
        labels, key = _draw_groups(ax, m, groups, cur, key_columns)
    else:
        b = {k: np.asarray(bands[k], dtype=float).ravel() for k, _ in _BANDS}
        _draw_fan(ax, m, b, _GROUP_STYLE[0], "")
        labels, key = _end_labels(ax, float(m[-1]), b, cur, _GROUP_STYLE[0][3], ""), None
    ax.axhline(0, color=st.INK, lw=1.0, zorder=3, gid="zero")
    ax.set_xlim(float(m.min()), float(m.max()))
    ax.xaxis.set_major_locator(lay.month_locator(float(m.max() - m.min())))
    lay.value_axis(ax, "y", st.MoneyFormatter(cur))
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel(f"Cumulative net cash flow\n({kind}, {cur})" if ylabel is None else ylabel)
    target = _target_line(ax, meta.target_payback_months, m)
    subtitle = subtitle or (
        f"Cumulative net cash flow by month, {kind}: median, 50% band (P25–P75) "
        "and 80% band (P10–P90)" + (" of each group of trials" if groups else "")
    )
    notes = [_kind_note(discounted, meta)]
    if sample is not None and sample < meta.trials:
        notes.append(
            f"bands from the first {sample:,} of the {meta.trials:,} trials, a random subset"
        )
    # where the plot has no clear spot for the target's label, it is set above the plot
    # instead (made visible then): the header must stack on it, so it exists already
    aside = _target_aside(ax, target, key) if target is not None else None
    above = [a for a in (key, aside) if a is not None]
    frame(fig, ax, owned, meta, subtitle, "", notes=notes, above=above)
    # the end labels, spread, may stand above or below the plot and so shrink it:
    # spread them again on the plot as laid out, and last on the plot as finally laid out
    for _ in range(2):
        lay.spread_end_labels(ax, labels)
        lay.execute_layout(fig)
    if target is not None:  # may raise the y-axis, so new tick labels: laid out again
        _target_label(ax, target, groups or [FanGroup("", 1.0, 0, b)], m, aside)
        lay.execute_layout(fig)
    lay.spread_end_labels(ax, labels)
    return fig


def _kind_note(discounted: bool, meta: ChartMeta) -> str:
    if discounted:
        return "each month's flow is discounted to today's money, so the end value is the NPV"
    return "undiscounted: each month's flow at face value, unlike NPV, which discounts later months"


def _draw_fan(ax: Axes, m: np.ndarray, b: Mapping[str, np.ndarray], style, gid: str) -> None:
    """One fan: the 80% and 50% bands and the median line (``gid`` names a group's).

    A group's bands are see-through, so that where two groups overlap both show.
    """
    outer, inner, line, _ = style
    alpha = 0.75 if gid else 1.0
    if "p10" in b:
        ax.fill_between(m, b["p10"], b["p90"], color=outer, lw=0, zorder=1, alpha=alpha,
                        gid=f"band-80{gid}")  # fmt: skip
        ax.fill_between(m, b["p25"], b["p75"], color=inner, lw=0, zorder=2, alpha=alpha,
                        gid=f"band-50{gid}")  # fmt: skip
    ax.plot(m, b["p50"], color=line, lw=2.6, zorder=4, gid=f"median{gid}")


def _draw_groups(
    ax: Axes, m: np.ndarray, groups: Sequence[FanGroup], currency: str, columns: int | None
):
    """Each group's fan in its colour; return the end labels and the key above the plot."""
    labels, handles, names = [], [], []
    for g, group in enumerate(groups):
        style = _GROUP_STYLE[g % len(_GROUP_STYLE)]
        if group.paths == 0:
            continue
        b = {k: np.asarray(group.bands[k], dtype=float).ravel() for k, _ in _BANDS}
        if group.paths < MIN_GROUP_PATHS:  # too few paths for bands: the median only
            b = {"p50": b["p50"]}
        _draw_fan(ax, m, b, style, f"-{g}")
        keys = ("p90", "p50", "p10") if "p10" in b else ("p50",)
        labels += _end_labels(ax, float(m[-1]), b, currency, style[3], f"-{g}", keys)
        handles.append((Patch(color=style[1], alpha=0.75, lw=0),
                        Line2D([], [], color=style[2], lw=2.6)))  # fmt: skip
        share = fmt.format_probability(group.share)
        few = f" (median of {group.paths} paths)" if group.paths < MIN_GROUP_PATHS else ""
        names.append(f"{lay.wrap(group.label, 30)}: {share} of trials{few}")
    key = ax.legend(handles, names, loc="lower left", bbox_to_anchor=(0.0, 1.01),
                    ncols=columns or len(names), borderaxespad=0.0, handlelength=2.2,
                    columnspacing=1.6)  # fmt: skip
    return labels, key


def _end_labels(
    ax: Axes,
    end: float,
    b: Mapping[str, np.ndarray],
    currency: str,
    color: str,
    gid: str,
    keys: Sequence[str] = tuple(k for k, _ in _BANDS),
) -> list:
    """Each band's value at month ``end``, beside it (the median's in bold)."""
    names = dict(_BANDS)
    values = [float(b[k][-1]) for k in keys]
    texts = lay.distinct_labels(
        values, lambda v, sig: fmt.format_money(v, currency, sig=sig, minus=fmt.MINUS)
    )
    median = texts[list(keys).index("p50")]
    return [
        ax.annotate(
            f"{names[k]} {text}",
            xy=(end, v),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=st.LABEL_SIZE,
            fontweight="bold" if k == "p50" else "normal",
            color=color if k == "p50" else st.MUTED,
            annotation_clip=False,
            gid=f"end-{k}{gid}",
        )
        for k, v, text in zip(keys, values, texts, strict=True)
        # bands that end where the median ends say nothing the median label does not
        if k == "p50" or text != median
    ]


def _target_line(ax: Axes, target: float | None, m: np.ndarray) -> float | None:
    """A dashed line at the payback target month, when it lies within the months drawn."""
    if target is None or not math.isfinite(target) or not (m.min() < target <= m.max()):
        return None
    ax.axvline(target, color=st.TARGET, lw=1.4, ls=(0, (4, 2)), zorder=3.5, gid="target")
    return float(target)


def _target_label(
    ax: Axes, target: float, groups: Sequence[FanGroup], m: np.ndarray, aside
) -> None:
    """``Payback target: month 36`` beside its line, where no band, median or zero line is.

    Placed as high as there is room, on the side of the line with room inside
    the plot (the end labels stand outside it, on the right), on one line and
    then on two; where the data leaves no room, the y-axis is raised to make
    some at the top. No box: the label never covers data, so nothing is hidden.
    Where even that leaves no room (a small plot, a fan that spans it), the
    label is not set in the plot at all: ``aside``, above it, says it instead.
    """
    lo, hi = ax.get_xlim()
    sides = (True, False) if (target - lo) / (hi - lo) < 0.6 else (False, True)
    words = f"Payback target: month {target:g}"
    for raise_top in (False, True):
        for text in (words, words.replace(": ", ":\n")):
            for right in sides:
                t = _target_text(ax, target, text, right)
                if _place(ax, groups, m, t, raise_top):
                    aside.remove()  # (the header skips it, as it is not visible)
                    return
                t.remove()
    aside.set_visible(True)
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    lay.execute_layout(fig)
    text = aside
    if aside.get_gid() == "target-key":
        # from the y axis's left edge, as the header is, and over its top tick label
        text = aside.get_texts()[0]
        for _ in range(2):  # the second time on the plot as laid out with it
            axbb, yaxis = ax.get_window_extent(renderer), ax.yaxis.get_tightbbox(renderer)
            x = min(yaxis.x0 - axbb.x0, 0.0) / axbb.width
            y = (max(yaxis.y1, axbb.y1) + lay.px(fig, 2) - axbb.y0) / axbb.height
            aside.set_bbox_to_anchor((x, y), ax.transAxes)
            lay.execute_layout(fig)
    if aside.get_window_extent(renderer).x1 > ax.get_window_extent(renderer).x1:
        # not past the plot's right edge, where the end labels stand
        text.set_text(text.get_text().replace(" month", "\nmonth"))


def _target_aside(ax: Axes, target: float, key):
    """The target's label above the plot, hidden until needed: it names the line, as it
    does not stand beside it.

    A key with a dashed line, where the plot has no key; on the groups' ``key``, a text
    that says which line.
    """
    words = f"Payback target: month {target:g}"
    if key is None:
        handle = Line2D([], [], color=st.TARGET, lw=1.4, ls=(0, (4, 2)))
        aside = ax.legend([handle], [words], loc="lower left", bbox_to_anchor=(0.0, 1.01),
                          borderaxespad=0.0, borderpad=0.0, handlelength=1.6,
                          handletextpad=0.5, labelcolor=st.TARGET_TEXT,
                          fontsize=st.LABEL_SIZE - 1)  # fmt: skip
        aside.set_gid("target-key")
        aside.set_visible(False)
        return aside
    return ax.annotate(
        f"Dashed line: payback target, month {target:g}", xy=(0.0, 1.0), xycoords=key,
        xytext=(0, 4), textcoords="offset points", ha="left", va="bottom",
        fontsize=st.LABEL_SIZE - 1, color=st.TARGET_TEXT, visible=False,
        annotation_clip=False, gid="target-label",
    )  # fmt: skip


def _target_text(ax: Axes, target: float, text: str, right: bool):
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    return ax.annotate(
        text, xy=(target, 0.98), xycoords=blend,
        xytext=(5 if right else -5, 0), textcoords="offset points",
        ha="left" if right else "right", va="top",
        fontsize=st.LABEL_SIZE - 1, color=st.TARGET_TEXT, zorder=6, in_layout=False,
        gid="target-label",
    )  # fmt: skip


def _place(ax: Axes, groups, m, t, raise_top: bool) -> bool:
    """Move label ``t`` to the highest height clear of the data; or, with ``raise_top``,
    raise the y-axis to clear room at the top. False when it does not fit across."""
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    bb, axbb = t.get_window_extent(renderer), ax.get_window_extent(renderer)
    if bb.x0 < axbb.x0 or bb.x1 > axbb.x1:
        return False
    pad, h = lay.px(fig, 3), bb.height
    taken = _data_spans(ax, groups, m, bb)
    if raise_top:
        needed = (h + 3 * pad) / axbb.height
        if needed > 0.5:  # the plot would be half empty: leave it
            return False
        data_hi = float(ax.transData.inverted().transform((0, max(b for _, b in taken)))[1])
        y0, _ = ax.get_ylim()
        ax.set_ylim(y0, y0 + (data_hi - y0) / (1.0 - needed))
        return True
    margin = 0.02 * axbb.height
    tops = [axbb.y1 - margin] + [a - pad for a, _ in taken] + [axbb.y0 + margin + h]
    for top in sorted(tops, reverse=True):
        if top > axbb.y1 - margin + 0.5 or top - h < axbb.y0 + margin - 0.5:
            continue
        if all(b < top - h - pad or a > top + pad for a, b in taken):
            t.xy = (t.xy[0], (top - axbb.y0) / axbb.height)
            return True
    return False


def _data_spans(ax: Axes, groups: Sequence[FanGroup], m: np.ndarray, bb) -> list:
    """The pixel heights (low, high) taken, under box ``bb``, by each group's bands and
    median, and by the zero line."""
    inv = ax.transData.inverted()
    x0, x1 = inv.transform((bb.x0, 0))[0], inv.transform((bb.x1, 0))[0]
    inside = (m >= x0) & (m <= x1)
    zero = float(ax.transData.transform((0, 0.0))[1])
    spans = [(zero - 1.0, zero + 1.0)]
    for g in groups:
        values: list[float] = []
        for k in ("p10", "p50", "p90"):
            v = np.asarray(g.bands.get(k, ()), dtype=float).ravel()
            if v.size == m.size:  # (a group without paths has no bands)
                values += [*v[inside], *np.interp([x0, x1], m, v)]
        if values:
            ys = ax.transData.transform(np.column_stack([np.zeros(len(values)), values]))[:, 1]
            spans.append((float(ys.min()), float(ys.max())))
    return spans
