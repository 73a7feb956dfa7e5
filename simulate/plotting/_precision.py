"""A headline figure's Monte Carlo precision, as the charts print it beside the figure.

From summary.json's ``precision`` block: `` ± 0.4 pp`` after a probability
in a chart's key figure, and a note giving the marked percentiles' half
widths. Nothing when the summary has no interval for the figure, or a
lopsided one (a probability of 0 or 1, whose interval lies on one side),
which "±" would misstate; the terminal and summary.json give its two ends.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..precision import shown_half_width

__all__ = ["plus_minus", "precision_note"]


def _half_width(summary: Mapping, figure: str) -> float | None:
    """Half the 95% interval of a headline figure (summary.json's ``precision``), if "±" fits it."""
    shown = ((summary.get("precision") or {}).get("figures") or {}).get(figure) or {}
    half = shown_half_width(shown.get("estimate"), shown.get("low"), shown.get("high"))
    return half or None  # nothing for a zero-width interval either


def plus_minus(summary: Mapping, figure: str, show) -> str:
    """`` ± 0.4 pp`` after a figure that has an interval; nothing without one."""
    half = _half_width(summary, figure)
    return "" if half is None else f" ± {show(half)}"


def precision_note(summary: Mapping, output: str, show) -> list[str]:
    """The marked percentiles' Monte Carlo precision, as one note (none without intervals)."""
    parts = [
        f"{q.upper()} ± {show(half)}"
        for q in ("p10", "p50", "p90")
        if (half := _half_width(summary, f"{output}_{q}")) is not None
    ]
    if not parts:
        return []
    return ["simulation noise (95%): " + ", ".join(parts)]
