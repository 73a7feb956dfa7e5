"""The break-even frontier in words and table cells, as the page and the workbook show it.

``report_data.json``'s ``drivers.frontier`` is sensitivity.json's frontier
plus its ``table`` (:func:`simulate.sensitivity.frontier.frontier_table`):
with the first input at its P10, P50 and P90, the value of the second input
at which the base-case NPV reaches 0 and P(NPV > 0) reaches each level.
This module writes those values in the inputs' units
(:func:`simulate.sensitivity.labels.format_value`), with the side of the
value that pays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..format import format_percent
from ..sensitivity.labels import format_value

__all__ = ["column_heading", "frontier_cell", "frontier_view"]

EVERYWHERE = "any value"  # the level holds over the second input's whole range
NOWHERE = "out of range"  # it holds nowhere in it


def column_heading(column: Mapping[str, Any]) -> str:
    """``NPV = 0, others at median`` or ``P(NPV > 0) = 80%``."""
    if column.get("kind") == "zero":
        return "NPV = 0, others at median"
    return f"P(NPV > 0) = {format_percent(column['level'])}"


def frontier_cell(cell: Mapping[str, Any], rises: bool | None, unit: str | None,
                  currency: str) -> str:  # fmt: skip
    """What the second input must be for one line: ``≥ 14.5 s``, ``≤ 6 mo``, or in words.

    ``rises``: whether NPV rises with the second input (then it must be at
    least the value), falls (at most), or neither (the values alone).
    """
    if cell.get("reached") == "everywhere":
        return EVERYWHERE
    values = cell.get("values") or []
    if not values:
        return NOWHERE
    text = ", ".join(format_value(v, unit, currency, minus="-") for v in values)
    if len(values) == 1 and rises is not None:
        return f"{'≥' if rises else '≤'} {text}"
    return text


def _who(axis: Mapping[str, Any]) -> str:
    return str(axis.get("label") or axis["input"])


def frontier_view(block: Mapping[str, Any] | None, currency: str) -> dict[str, Any] | None:
    """The frontier's table as text: headings, one row per quantile of the first input."""
    if not block or not block.get("table"):
        return None
    ax_a, ax_b = block["inputs"]
    table = block["table"]
    a_unit, b_unit = ax_a.get("unit"), ax_b.get("unit")
    b_values = ax_b.get("values") or [None]
    rows = [
        [
            f"P{round(r['quantile'] * 100)}: {format_value(r['value'], a_unit, currency, minus='-')}",
            *(frontier_cell(c, table.get("rises"), b_unit, currency) for c in r["cells"]),
        ]
        for r in table["rows"]
    ]
    low = format_value(b_values[0], b_unit, currency, minus="-")
    high = format_value(b_values[-1], b_unit, currency, minus="-")
    return {
        "first": _who(ax_a),
        "second": _who(ax_b),
        "headings": [_who(ax_a), *(column_heading(c) for c in table["columns"])],
        "rows": rows,
        "lead": (
            f"{_who(ax_b)} needed with {_who(ax_a)} at its P10, P50 and P90: for NPV = 0 "
            "(every other input at its median) and for each chance of a positive NPV."
        ),
        "range": (
            f"Cells: the {_who(ax_b)} needed, read from its P1 ({low}) to its P99 ({high}); "
            "any value: the level holds over all of it, out of range: nowhere in it."
        ),
        "draws": (
            f"The other inputs: {int(block.get('trials_per_point') or 0):,} draws, the same at "
            "every point, not conditioned through correlations."
        ),
        "note": block.get("note") or "",
    }
