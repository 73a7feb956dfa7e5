"""A headline figure's Monte Carlo precision, as the charts print it beside the figure.

From summary.json's ``precision`` block: `` ± 0.4 pp`` after a probability
in a chart's key figure, and a note giving the marked percentiles' half
widths. Nothing when the summary has no interval for the figure, or a
lopsided one (a probability of 0 or 1, whose interval lies on one side),
which "±" would misstate; the terminal and summary.json give its two ends.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import format as fmt

__all__ = ["in_points", "plus_minus", "precision_note"]


def _half_width(summary: Mapping, figure: str) -> float | None:
    """Half the 95% interval of a headline figure (summary.json's ``precision``), if it has one."""
    shown = ((summary.get("precision") or {}).get("figures") or {}).get(figure) or {}
    est, low, high = shown.get("estimate"), shown.get("low"), shown.get("high")
    if est is None or low is None or high is None or not high > low:
        return None
    below, above = est - low, high - est
    if abs(above - below) > 0.5 * max(above, below):
        return None  # lopsided (a probability at 0 or 1): "±" would mislead; summary.json has it
    return (high - low) / 2.0


def in_points(half: float) -> str:
    """A probability's or ROI's half-width in percentage points: ``0.4 pp``."""
    return f"{fmt.format_number(100.0 * half, sig=2)} pp"


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
