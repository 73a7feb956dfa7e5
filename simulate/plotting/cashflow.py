"""The cash flow fan: cumulative net cash flow by month, its bands and median.

The investment shows as the dip below the zero line and the payback as
where the bands cross it; each band's value at the horizon is written at
the right.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import format as fmt
from . import _layout as lay
from . import _style as st
from ._frame import frame, start, styled
from .meta import ChartMeta

__all__ = ["cashflow_fan"]

# The bands' keys and their labels at the right, top to bottom.
_BANDS = (("p90", "P90"), ("p75", "P75"), ("p50", "Median"), ("p25", "P25"), ("p10", "P10"))


@styled
def cashflow_fan(
    months: np.ndarray,
    bands: Mapping[str, np.ndarray],
    meta: ChartMeta,
    ax: Axes | None = None,
    *,
    discounted: bool = False,
    subtitle: str | None = None,
) -> Figure:
    """Cumulative net cash flow by month: P10-P90 and P25-P75 bands, median line.

    ``bands`` maps ``"p10", "p25", "p50", "p75", "p90"`` to arrays over
    ``months`` (0..T). The investment shows as the dip below the zero line;
    each band's value at the horizon is written at the right. ``discounted``
    only changes the wording. Parameters and return as
    :func:`~simulate.plotting.npv_distribution`.
    """
    fig, ax, owned = start(ax)
    cur = meta.currency
    m = np.asarray(months, dtype=float).ravel()
    b = {k: np.asarray(bands[k], dtype=float).ravel() for k, _ in _BANDS}
    ax.fill_between(m, b["p10"], b["p90"], color=st.BAND_OUTER, lw=0, zorder=1, gid="band-80")
    ax.fill_between(m, b["p25"], b["p75"], color=st.BAND_INNER, lw=0, zorder=2, gid="band-50")
    ax.axhline(0, color=st.INK, lw=1.0, zorder=3, gid="zero")
    ax.plot(m, b["p50"], color=st.MAIN, lw=2.6, zorder=4, gid="median")
    ax.set_xlim(float(m.min()), float(m.max()))
    ax.xaxis.set_major_locator(lay.month_locator(float(m.max() - m.min())))
    lay.value_axis(ax, "y", st.MoneyFormatter(cur))
    ax.set_xlabel("Months from the decision")
    ax.set_ylabel(f"Cumulative net cash flow ({cur})")
    kind = "discounted" if discounted else "undiscounted"
    # the labels at the right take their room in the layout before it is done
    labels = _end_labels(ax, float(m[-1]), b, cur)
    subtitle = subtitle or (
        f"Cumulative net cash flow by month ({kind}): median, 50% band (P25–P75) "
        "and 80% band (P10–P90)"
    )
    frame(fig, ax, owned, meta, subtitle)
    lay.spread_end_labels(ax, labels)
    return fig


def _end_labels(ax: Axes, end: float, b: Mapping[str, np.ndarray], currency: str) -> list:
    """Each band's value at month ``end``, beside it (the median's in bold)."""
    values = [float(b[k][-1]) for k, _ in _BANDS]
    texts = lay.distinct_labels(
        values, lambda v, sig: fmt.format_money(v, currency, sig=sig, minus=fmt.MINUS)
    )
    return [
        ax.annotate(
            f"{name} {text}",
            xy=(end, v),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=st.LABEL_SIZE,
            fontweight="bold" if k == "p50" else "normal",
            color=st.MAIN if k == "p50" else st.MUTED,
            annotation_clip=False,
            gid=f"end-{k}",
        )
        for (k, name), v, text in zip(_BANDS, values, texts, strict=True)
        # bands that end where the median ends say nothing the median label does not
        if k == "p50" or text != texts[2]
    ]
