"""The workbook's Flexibility sheet: what the option to stop at the stage gates is worth.

Written only for a run with ``gates:``, from report_data.json's
``flexibility`` block (summary.json's, with labels). The value and its 95%
interval, the programme with and without the option to stop (mean NPV,
P10/P50/P90, P(NPV > 0)), and one row per gate. Every number is the data's
own, a number with a format, never text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xlsxwriter.workbook import Workbook

from .flexibility import SIDES, flexibility_of, gate_words
from .xlsx_book import Sheet, Styles
from .xlsx_sheets import title_block, value_style

__all__ = ["flexibility_sheet"]

_OUTCOME = ("npv_mean", "npv_p10", "npv_p50", "npv_p90")


def flexibility_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    block = flexibility_of(data) or {}
    currency = data["summary"].get("currency") or ""
    sheet = Sheet(book, styles, "Flexibility", max_width=48)
    lines = [
        "Every trial is run with the stage gates and without them (every line to its end), on the "
        "same draws.",
        "Value of the option to stop: the mean of the per-trial differences in NPV, with minus "
        "without; its interval is the simulation's own noise (summary.json's flexibility block).",
    ]
    row = title_block(sheet, styles, "Value of flexibility: the option to stop", lines)
    head = row
    sheet.headers(head, 0, ["Figure", "Estimate", "95% interval: low", "high", "Interval from"],
                  styles.header)  # fmt: skip
    iv = block.get("value_interval") or {}
    sheet.text(head + 1, 0, "Value of the option to stop (mean NPV, with minus without)")
    sheet.row(head + 1, 1, [block.get("value"), iv.get("low"), iv.get("high")], styles.money())
    sheet.text(head + 1, 4, iv.get("method"))
    row = head + 3
    sheet.text(row, 0, "The programme with and without the option", styles.subtitle, fit=False)
    sheet.headers(row + 1, 0, ["Programme", "NPV mean", "NPV P10", "NPV P50", "NPV P90",
                               "P(NPV > 0)"], styles.header)  # fmt: skip
    row += 2
    for key, name in SIDES:
        side = block.get(key) or {}
        sheet.text(row, 0, name)
        sheet.row(row, 1, [side.get(k) for k in _OUTCOME], styles.money())
        sheet.number(row, 5, side.get("npv_positive"), styles.probability(side.get("npv_positive")))
        row += 1
    _gates(sheet, styles, block.get("gates") or (), currency, row + 1)
    sheet.freeze(head + 1, 1)
    return sheet


def _gates(sheet: Sheet, styles: Styles, gates, currency: str, row: int) -> None:
    """One row per gate: its month, what it reads, its threshold, its pass rate, its lines."""
    sheet.text(row, 0, "Stage gates", styles.subtitle, fit=False)
    labels = ["Gate", "Month", "Continue where", "At least", "Passed in (share of trials)",
              "Lines it governs", "Condition in the config"]  # fmt: skip
    sheet.headers(row + 1, 0, labels, styles.header)
    row += 2
    for gate in gates:
        words = gate_words(gate, currency)
        at_least = gate.get("at_least")
        sheet.text(row, 0, gate["name"])
        sheet.number(row, 1, gate.get("month"), styles.count())
        sheet.text(row, 2, gate.get("label") or gate.get("continue_if"), styles.wrap)
        if at_least is None:  # a 0/1 flag: it passes where it drew 1
            sheet.number(row, 3, 1, styles.count())
        else:
            sheet.number(row, 3, at_least, value_style(styles, gate.get("unit"), [at_least]))
        sheet.number(
            row, 4, gate.get("pass_fraction"), styles.probability(gate.get("pass_fraction"))
        )
        sheet.text(row, 5, words["lines"], styles.wrap)
        sheet.text(row, 6, gate.get("condition"))
        row += 1
