"""The value of flexibility in words and table cells, as the page shows it.

``report_data.json``'s ``flexibility`` (a run with stage gates; see
docs/report-data.md) is summary.json's block with labels: what the option to
stop at the gates is worth, the programme with and without that option, and
each gate. This module writes them as text, through :mod:`simulate.format`
only, as the terminal does; the template lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..format import format_money, format_probability
from ..sensitivity.labels import format_value
from .words import flexibility_sentence

__all__ = ["flexibility_of", "flexibility_view", "gate_words"]

# The two sides of the comparison, as the table and the workbook name them.
SIDES = (
    ("with_gates", "With the option to stop"),
    ("without_gates", "Without the option to stop"),
)


def flexibility_of(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The data's ``flexibility`` block, or summary.json's (a file written before the pack's)."""
    return data.get("flexibility") or (data.get("summary") or {}).get("flexibility")


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def gate_words(gate: Mapping[str, Any], currency: str) -> dict[str, str]:
    """One gate as the page says it: its name, month, condition, pass rate and lines."""
    label = str(gate.get("label") or gate["continue_if"])
    if gate.get("at_least") is None:
        condition = f"“{label}” is 1"
    else:
        threshold = format_value(gate["at_least"], gate.get("unit"), currency, minus="-")
        condition = f"“{label}” is at least {threshold}"
    names = [str(n) for n in gate.get("line_labels") or gate.get("lines") or ()]
    every = gate.get("every_line")
    lines = "every line" if every or not names else _names(names)
    return {
        "name": str(gate["name"]),
        "month": f"month {gate['month']}",
        "condition": condition,
        "passed": format_probability(gate.get("pass_fraction")),
        "lines": lines,
        "stops": "every line stops" if every else f"{lines} stop",
    }


def flexibility_view(block: Mapping[str, Any] | None, currency: str) -> dict[str, Any] | None:
    """The section's sentence, its with/without table and its gates, as text (None: no gates)."""
    if not block:
        return None

    def money(v: float | None) -> str:
        return "n/a" if v is None else format_money(v, currency)

    rows = []
    for key, name in SIDES:
        side = block[key]
        rows.append(
            {
                "key": key,
                "name": name,
                "mean": money(side.get("npv_mean")),
                "p10": money(side.get("npv_p10")),
                "p50": money(side.get("npv_p50")),
                "p90": money(side.get("npv_p90")),
                "positive": format_probability(side.get("npv_positive")),
            }
        )
    value = money(block.get("value"))
    sentence = str(block.get("sentence") or flexibility_sentence(block, currency))
    before, found, after = sentence.partition(value)
    return {
        "value": value,
        "sentence": sentence,
        # the sentence around its first mention of the value, which the page sets in bold
        "before": before if found else sentence,
        "bold": found,
        "after": after if found else "",
        "rows": rows,
        "gates": [gate_words(g, currency) for g in block.get("gates") or ()],
    }
