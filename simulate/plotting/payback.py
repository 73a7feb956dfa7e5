"""The payback curve: the share of trials that have paid back by each month.

The curve is the empirical CDF of the paybacks, interpolated within the
month (:func:`simulate.metrics.payback_curve`), drawn as steps; the target month and its probability are
marked with guide lines and a label placed clear of them, and the share
that never pays back within the horizon is bracketed at the curve's end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import transforms as mtransforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from ._precision import plus_minus
from .meta import ChartMeta

__all__ = ["payback_curve"]

# Where the target's label may go around its point: offset (pt), alignment;
# tried in turn, the first that is inside the plot and clear of the guides wins.
_LABEL_PLACES = (
    ((-10, 10), "right", "bottom"),
    ((10, -10), "left", "top"),
    ((10, 10), "left", "bottom"),
    ((-10, -10), "right", "top"),
    ((12, 0), "left", "center"),
    ((-12, 0), "right", "center"),
)


def _fmt_month(m: float) -> str:
    return f"{m:g}" if float(m).is_integer() else f"{m:.1f}"


@styled
def payback_curve(
    months: np.ndarray,
    prob_paid_back: np.ndarray,
    summary: Mapping,
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    subtitle: str | None = None,
) -> Figure:
    """Probability of having paid back by month m: the empirical CDF of the paybacks.

    ``prob_paid_back[i]`` is the share of trials paid back (undiscounted) by
    ``months[i]``, held until ``months[i + 1]`` (steps, as
    :func:`simulate.metrics.payback_curve` gives them: the paybacks are
    interpolated within the month, so the steps fall between whole months). The target month (``meta.target_payback_months``)
    is marked with ``summary["probabilities"]["payback_within_target"]``
    (without a target, the median payback from the summary heads the plot),
    and the share that never pays back within the horizon
    (1 - ``payback_within_horizon``) is stated and bracketed at the right.
    Parameters and return as
    :func:`~simulate.plotting.npv_distribution`.
    """
    fig, ax, owned = start(ax)
    months = np.asarray(months, dtype=float).ravel()
    prob = np.asarray(prob_paid_back, dtype=float).ravel()
    probs = summary["probabilities"]
    horizon = meta.horizon_months
    target = meta.target_payback_months
    if target is not None and not math.isfinite(target):
        target = None
    p_target = probs.get("payback_within_target") if target is not None else None
    p_horizon = probs.get("payback_within_horizon")

    never = p_horizon is not None and float(p_horizon) <= 0.0
    step = _draw_curve(ax, months, prob if not never else np.zeros_like(prob), drawn=not never)
    _payback_axes(ax, months, horizon, target)
    if never:  # no curve to read: say so where the curve would be
        ax.text(0.5, 0.5, f"No trial pays back within the {horizon}-month horizon",
                transform=ax.transAxes, ha="center", va="center", fontsize=st.SUBTITLE_SIZE,
                fontweight="bold", color=st.LOSS, gid="never-paid-back")  # fmt: skip
    subtitle = subtitle or (
        "Share of trials that have recovered the investment by each month "
        f"(undiscounted) · {horizon}-month horizon"
    )
    head = _payback_head(summary, p_target, target, horizon)
    aside = _never_aside(p_horizon, horizon)
    frame(fig, ax, owned, meta, subtitle, head, aside=aside, aside_color=st.LOSS)
    if p_horizon is not None and 1.0 - float(p_horizon) >= 0.04:
        _never_bracket(ax, months, float(p_horizon), horizon)
    if p_target is not None:
        _target_guides(ax, float(target), float(p_target), step)
    single = _single_payback(summary, p_horizon)
    if single is not None:
        _label_point(ax, single, 0.5, f"every trial pays back\nat month {_fmt_month(round(single, 1))}",
                     avoid=[step], color=st.MAIN, gid="single-payback")  # fmt: skip
    return fig


def _single_payback(summary: Mapping, p_horizon: float | None) -> float | None:
    """The payback month when every trial pays back at the same one, else None."""
    pay = summary.get("metrics", {}).get("payback_months", {})
    p10, p90 = pay.get("p10"), pay.get("p90")
    if p_horizon is None or float(p_horizon) < 1.0 or p10 is None or p90 is None:
        return None
    return float(p10) if abs(float(p90) - float(p10)) <= 1e-9 * max(abs(float(p10)), 1.0) else None


def _draw_curve(ax: Axes, months: np.ndarray, prob: np.ndarray, *, drawn: bool = True
                ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The curve, each share held until the next point, over a light fill; return its
    vertices (x, y). ``drawn=False``: the vertices only (a curve flat at 0 says nothing)."""
    sx = np.repeat(months, 2)[1:]
    sy = np.repeat(prob, 2)[:-1]
    if not drawn:
        return sx, sy
    ax.fill_between(sx, 0, sy, color=st.MAIN, alpha=0.10, lw=0, zorder=1)
    ax.plot(sx, sy, color=st.MAIN, lw=2.4, zorder=3, gid="payback-curve")
    return sx, sy


def _payback_axes(ax: Axes, months: np.ndarray, horizon: int, target: float | None) -> None:
    """Months across to the horizon (or the target, if later), shares up to 100%."""
    x_max = float(max(horizon, months.max() if months.size else horizon))
    if target is not None:
        x_max = max(x_max, float(target))
    ax.set_xlim(0, x_max)
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_locator(MultipleLocator(0.25))
    ax.yaxis.set_major_formatter(st.PercentFormatter())
    ax.xaxis.set_major_locator(lay.month_locator(x_max))
    ax.grid(axis="y", color=st.GRID, lw=0.9)
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel("Share of trials paid back")


def _payback_head(
    summary: Mapping, p_target: float | None, target: float | None, horizon: int
) -> str:
    """The chance of paying back within the target, or the median payback without one."""
    if p_target is not None:
        return (
            f"{fmt.format_probability(p_target)}{plus_minus(summary, 'payback_within_target', fmt.format_points)}"
            f" paid back within the {_fmt_month(target)}-month target"
        )
    p50 = summary.get("metrics", {}).get("payback_months", {}).get("p50")
    half = plus_minus(summary, "payback_p50", lambda h: fmt.format_number(h, sig=2))
    return f"Median payback: {fmt.format_months(p50, horizon)}{half}"


def _never_aside(p_horizon: float | None, horizon: int) -> str:
    if p_horizon is None:
        return ""
    never = 1.0 - float(p_horizon)
    if never <= 0:
        return f"Every trial pays back within {fmt.count_months(horizon)}"
    return f"{fmt.format_probability(never)} not paid back within {fmt.count_months(horizon)}"


def _never_bracket(ax: Axes, months: np.ndarray, p_horizon: float, horizon: int) -> None:
    """The never-paid-back share, bracketed just right of the curve's end."""
    fig = ax.get_figure(root=True)
    nudge = mtransforms.ScaledTranslation(7 / 72, 0, fig.dpi_scale_trans)
    xb = float(months.max()) if months.size else float(horizon)
    ax.plot(
        [xb, xb],
        [p_horizon, 1.0],
        color=st.LOSS,
        lw=1.6,
        marker="_",
        ms=9,
        mew=1.6,
        transform=ax.transData + nudge,
        clip_on=False,
        zorder=4,
        gid="never-bracket",
    )


def _target_guides(ax: Axes, tx: float, pt: float, step: tuple[np.ndarray, np.ndarray]) -> None:
    """Guide lines to the target month's point on the curve, and its label."""
    guide = {"color": st.TARGET, "lw": 1.3, "ls": (0, (3, 2)), "zorder": 4}
    ax.plot([tx, tx], [0, pt], gid="target-vline", **guide)
    ax.plot([0, tx], [pt, pt], gid="target-hline", **guide)
    ax.plot([tx], [pt], "o", ms=8, color=st.TARGET, mec="white", mew=1.5, zorder=6, gid="target")
    _label_point(
        ax,
        tx,
        pt,
        f"{fmt.format_probability(pt)} by month {_fmt_month(tx)}\n(target)",
        avoid=[step, ([tx, tx], [0, pt]), ([0, tx], [pt, pt])],
    )


def _label_point(ax: Axes, x: float, y: float, text: str, avoid: Sequence, *,
                 color: str = st.TARGET_TEXT, gid: str = "target-label") -> None:  # fmt: skip
    """Label a point on the first side where the text hits no line and stays inside.

    ``avoid`` are the lines, as (xs, ys) in data coordinates, that the label
    should not cover; failing a clear place, the one covering least is kept.
    """
    fig = lay.root_figure(ax.get_figure())
    renderer = lay.renderer_of(fig)
    axbb = ax.get_window_extent(renderer)
    paths = [
        _densify(ax.transData.transform(np.column_stack([xs, ys])), lay.px(fig, 2))
        for xs, ys in avoid
    ]
    best = None
    for offset, ha, va in _LABEL_PLACES:
        t = ax.annotate(
            text,
            xy=(x, y),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=st.LABEL_SIZE,
            fontweight="bold",
            color=color,
            zorder=7,
            in_layout=False,
            gid=gid,
        )
        bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
        inside = bb.x0 >= axbb.x0 and bb.x1 <= axbb.x1 and bb.y0 >= axbb.y0 and bb.y1 <= axbb.y1 + 2
        score = (not inside, sum(_count_inside(bb, p) for p in paths))
        if score == (False, 0):
            if best is not None:
                best[1].remove()
            return
        if best is None or score < best[0]:
            if best is not None:
                best[1].remove()
            best = (score, t)
        else:
            t.remove()


def _count_inside(bb, pts: np.ndarray) -> int:
    """How many of the points (pixels) fall in the box."""
    x, y = pts[:, 0], pts[:, 1]
    return int(np.count_nonzero((x >= bb.x0) & (x <= bb.x1) & (y >= bb.y0) & (y <= bb.y1)))


def _densify(pts: np.ndarray, step: float) -> np.ndarray:
    """The polyline through ``pts`` as points at most ``step`` apart."""
    seg = np.diff(pts, axis=0)
    n = np.maximum((np.hypot(seg[:, 0], seg[:, 1]) / step).astype(np.intp), 1)
    which = np.repeat(np.arange(seg.shape[0]), n)
    # k / n for k = 1..n along each segment
    t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + 1) / np.repeat(n, n)
    return np.concatenate([pts[:1], pts[which] + seg[which] * t[:, None]])
