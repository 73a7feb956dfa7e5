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
    ax.set_ylabel(f"Cumulative net cash flow\n({kind}, {cur})")
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
    frame(fig, ax, owned, meta, subtitle, "", notes=notes, above=[key] if key else ())
    lay.spread_end_labels(ax, labels)
    if target is not None:
        _target_label(ax, target)
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


def _target_label(ax: Axes, target: float) -> None:
    """``Payback target: month 36`` at the top of its line, on the side with room."""
    lo, hi = ax.get_xlim()
    right = (target - lo) / (hi - lo) < 0.6
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    ax.annotate(
        f"Payback target: month {target:g}", xy=(target, 0.98), xycoords=blend,
        xytext=(5 if right else -5, 0), textcoords="offset points",
        ha="left" if right else "right", va="top", fontsize=st.LABEL_SIZE - 1,
        color=st.TARGET_TEXT, zorder=6, in_layout=False, gid="target-label",
        bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )  # fmt: skip
