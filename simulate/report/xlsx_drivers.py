"""The workbook's Sensitivity and Scenarios sheets.

Sensitivity: the tornado (with a native Excel bar chart of each input's
change from the base case), then, when the run computed them, rank
correlations, Sobol' indices, break-even values and the value of
information. Scenarios: the paired comparison of scenarios or of an overlay
with the config as written, and the overlay's attribution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xlsxwriter.workbook import Workbook

from ..format import format_number
from .page import prior_labels
from .words import override_words
from .xlsx_book import Sheet, Style, Styles, finite
from .xlsx_percentiles import GAIN_COLOUR, LOSS_COLOUR
from .xlsx_sheets import title_block

__all__ = ["scenarios_sheet", "sensitivity_sheet"]


# -- Sensitivity -------------------------------------------------------------------------------

_METRICS = {"npv": "NPV", "roi": "ROI", "payback_months": "Payback (months)"}


def _metric_style(styles: Styles, metric: str) -> Style:
    if metric == "roi":
        return styles.percent(1)
    if metric == "payback_months":
        return styles.months()
    return styles.money()


def sensitivity_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    drivers = data.get("drivers") or {}
    metric = drivers.get("metric") or "npv"
    label = _METRICS.get(metric, metric)
    style = _metric_style(styles, metric)
    sheet = Sheet(book, styles, "Sensitivity")
    lines = [
        f"Tornado: {label} with one input at its low and high quantile, the others at their "
        "medians (they ignore correlations and interactions). Base case: every input at its median.",
    ]
    row = title_block(sheet, styles, "Sensitivity: what drives the result", lines)
    sheet.text(row, 0, f"{label} at the base case")
    sheet.number(row, 1, drivers.get("base"), style)
    row = _tornado(book, sheet, styles, drivers, row + 2, label, style)
    row = _rank(sheet, styles, drivers.get("rank"), row)
    row = _sobol(sheet, styles, drivers.get("sobol"), row)
    row = _breakeven(sheet, styles, drivers.get("breakeven"), row)
    _voi(sheet, styles, drivers.get("voi"), row)
    sheet.freeze(2 + len(lines), 1)
    return sheet


def _tornado(book, sheet: Sheet, styles: Styles, drivers, row: int, label: str, style) -> int:
    rows = drivers.get("tornado") or []
    base = finite(drivers.get("base"))
    sheet.text(row, 0, "Tornado", styles.subtitle, fit=False)
    if not rows:
        sheet.text(row + 1, 0, "No uncertain input: nothing to rank.", styles.note, fit=False)
        return row + 3
    heads = [
        "Input",
        "Rank",
        "Low quantile",
        "High quantile",
        "Input at low",
        "Input at high",
        f"{label} at low",
        f"{label} at high",
        "Swing",
        "Change at low",
        "Change at high",
        "Name in the config",
    ]
    sheet.headers(row + 1, 0, heads, styles.header)
    first = row + 2
    for i, t in enumerate(rows):
        r = first + i
        low, high = finite(t.get("metric_low")), finite(t.get("metric_high"))
        sheet.text(r, 0, _who(t))
        sheet.text(r, 11, t["input"])
        sheet.number(r, 1, i + 1, styles.count())
        sheet.row(r, 2, [t.get("low_q"), t.get("high_q")], styles.percent(0))
        values = [t.get("low_value"), t.get("high_value")]
        sheet.row(r, 4, values, styles.value(*values))
        sheet.row(r, 6, [low, high, t.get("swing")], style)
        if base is not None:
            sheet.row(r, 9, [None if v is None else v - base for v in (low, high)], style)
    last = first + len(rows) - 1
    if base is not None:
        _tornado_chart(book, sheet, first, last, label, _axis_format(styles, style, rows, base))
    return last + 2


def _axis_format(styles: Styles, style: Style, rows, base: float) -> str:
    """The tornado's value axis: money in thousands or millions, another metric as in the table."""
    if style.format is not styles.money().format:
        return style.format.num_format
    ends = [finite(t.get(k)) for t in rows for k in ("metric_low", "metric_high")]
    return styles.axis_money(max((abs(v - base) for v in ends if v is not None), default=0.0))


def _tornado_chart(book, sheet: Sheet, first: int, last: int, label: str, axis: str) -> None:
    chart = book.add_chart({"type": "bar"})
    name = sheet.ws.name
    for col, series, colour in (
        (9, "Input at low quantile", LOSS_COLOUR),
        (10, "Input at high quantile", GAIN_COLOUR),
    ):
        chart.add_series(
            {
                "name": series,
                "categories": [name, first, 0, last, 0],
                "values": [name, first, col, last, col],
                "fill": {"color": colour},
                "overlap": 100,
                "gap": 40,
            }
        )
    chart.set_title(
        {"name": f"Tornado: change in {label} from the base case", "name_font": {"size": 12}}
    )
    # A bar chart's y axis holds the categories (rank 1 at the top), its x axis the values.
    chart.set_y_axis({"reverse": True, "label_position": "low", "crossing": "max"})
    chart.set_x_axis({"num_format": axis, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": max(300, 60 + 28 * (last - first + 1))})
    sheet.ws.insert_chart(first - 1, 13, chart)


def _who(row: Mapping[str, Any]) -> str:
    """An input as the workbook names it: its label, else its name in the config."""
    return str(row.get("label") or row["input"])


def _table(sheet: Sheet, styles: Styles, row: int, title: str, heads: list[str]) -> int:
    sheet.text(row, 0, title, styles.subtitle, fit=False)
    sheet.headers(row + 1, 0, heads, styles.header)
    return row + 2


def _rank(sheet: Sheet, styles: Styles, rows, row: int) -> int:
    if not rows:
        return row
    row = _table(
        sheet,
        styles,
        row,
        "Rank correlation (over the run's trials)",
        ["Input", "Spearman", "Contribution (share of variance)", "Name in the config"],
    )
    for r in rows:
        sheet.text(row, 0, _who(r))
        sheet.text(row, 3, r["input"])
        sheet.number(row, 1, r.get("spearman"), styles.decimals(3))
        sheet.number(row, 2, r.get("contribution"), styles.percent(1))
        row += 1
    return row + 1


def _sobol(sheet: Sheet, styles: Styles, sobol, row: int) -> int:
    if not sobol or not sobol.get("indices"):
        return row
    level = finite(sobol.get("conf_level")) or 0.95
    row = _table(
        sheet,
        styles,
        row,
        "Sobol' indices (share of the variance)",
        [
            "Input",
            "S1 (alone)",
            f"S1 ± ({level:.0%})",
            "ST (with interactions)",
            f"ST ± ({level:.0%})",
            "Name in the config",
        ],
    )
    for r in sobol["indices"]:
        sheet.text(row, 0, _who(r))
        sheet.text(row, 5, r["input"])
        sheet.row(
            row,
            1,
            [r.get("S1"), r.get("S1_conf"), r.get("ST"), r.get("ST_conf")],
            styles.decimals(3),
        )
        row += 1
    for note in sobol.get("notes") or []:
        sheet.text(row, 0, note, styles.note, fit=False)
        row += 1
    return row + 1


def _values_text(values) -> str | None:
    return ", ".join(format_number(v) for v in values) if values else None


def _breakeven(sheet: Sheet, styles: Styles, rows, row: int) -> int:
    if not rows:
        return row
    row = _table(
        sheet,
        styles,
        row,
        "Break-even values (NPV = 0, the other inputs at their medians)",
        [
            "Input",
            "Break-even value",
            "NPV positive",
            "Base value",
            "NPV at base",
            "All crossings",
            "Values tried",
            "NPV positive at",
            "Name in the config",
            "In words",
        ],
    )
    for r in rows:
        values = [r.get("value"), r.get("base_value")]
        sheet.text(row, 0, _who(r))
        sheet.text(row, 8, r["input"])
        sheet.number(row, 1, r.get("value"), styles.value(*values))
        sheet.text(row, 2, r.get("npv_positive"))
        sheet.number(row, 3, r.get("base_value"), styles.value(*values))
        sheet.number(row, 4, r.get("npv_at_base"), styles.money())
        sheet.text(row, 5, _values_text(r.get("all_values")))
        sheet.text(row, 6, _values_text(r.get("values")))
        sheet.text(row, 7, _values_text(r.get("positive_at")))
        sheet.text(row, 9, r.get("note"), fit=False)  # the last column: runs on to the right
        row += 1
    return row + 1


def _voi(sheet: Sheet, styles: Styles, voi, row: int) -> int:
    if not voi:
        return row
    row = _table(
        sheet,
        styles,
        row,
        "Value of information: what a pilot is worth",
        ["Input", "EVPPI", "Share of EVPI", "Above the noise floor", "Name in the config"],
    )
    for r in voi.get("evppi") or []:
        sheet.text(row, 0, _who(r))
        sheet.text(row, 4, r["input"])
        sheet.number(row, 1, r.get("value"), styles.money())
        sheet.number(row, 2, r.get("share_of_evpi"), styles.percent(1))
        above = r.get("above_noise")
        sheet.text(row, 3, None if above is None else ("yes" if above else "no"))
        row += 1
    for label, key in (
        ("EVPI (perfect information on every input)", "evpi"),
        ("EVPI standard error", "evpi_se"),
        ("Noise floor", "noise_floor"),
        ("Expected NPV", "expected_npv"),
    ):
        sheet.text(row, 0, label)
        sheet.number(row, 1, voi.get(key), styles.money())
        row += 1
    sheet.text(row, 0, "Decision now")
    sheet.text(row, 1, voi.get("decision_now"))
    return row + 2


# -- Scenarios ---------------------------------------------------------------------------------


def _attribution_style(styles: Styles, key: str) -> Style | None:
    if key.startswith("prob"):
        return styles.percent(2)
    if key.startswith("npv"):
        return styles.money()
    return None


def scenarios_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    comparison = data["comparison"]
    baseline = comparison.get("baseline") or "as written"
    kind = "overlay" if comparison.get("kind") == "overlay" else "scenarios"
    sheet = Sheet(book, styles, "Scenarios")
    lines = [
        "Paired on the same draws, trial by trial: P(A beats B) is the share of trials in which "
        "A's NPV exceeds B's (ties count for neither side); the difference is A's NPV minus B's. "
        "Empty: not paired (see the note).",
    ]
    head = title_block(sheet, styles, f"Comparison of {kind}", lines) + 1
    labels = ["A", "B", "P(A beats B)", "P(B beats A)", "NPV difference A - B: P10", "P50", "P90",
              "Mean", "Note"]  # fmt: skip
    sheet.headers(head, 0, labels, styles.header)
    row = head + 1
    for r in comparison.get("rows") or []:
        diff = r.get("diff") or {}
        sheet.text(row, 0, r.get("a") if r.get("a") is not None else baseline)
        sheet.text(row, 1, r.get("b") if r.get("b") is not None else baseline)
        for col, p in enumerate((r.get("p_a_beats_b"), r.get("p_b_beats_a")), start=2):
            sheet.number(row, col, p, styles.probability(p))
        sheet.row(row, 4, [diff.get(k) for k in ("p10", "p50", "p90", "mean")], styles.money())
        sheet.text(row, 8, r.get("note"), fit=False)
        row += 1
    _attribution(sheet, styles, comparison, row + 1, prior_labels(data))
    sheet.freeze(head + 1, 0)
    return sheet


# overlay.json's attribution columns, as a reader would name them
_ATTRIBUTION = {
    "path": "Override",
    "prob_npv_positive": "Change in P(NPV > 0)",
    "npv_p50": "Change in NPV P50",
    "npv_mean": "Change in mean NPV",
    "note": "Note",
}


def _attribution(sheet: Sheet, styles: Styles, comparison: Mapping[str, Any], row: int,
                 labels: Mapping[str, str]) -> None:  # fmt: skip
    rows = comparison.get("attribution")
    if not rows:
        return
    keys = list(dict.fromkeys(k for r in rows for k in r))
    keys.sort(key=lambda k: k == "note")  # the note last: it runs on to the right
    title = "The overlay's change, attributed to each override"
    sheet.text(row, 0, title, styles.subtitle, fit=False)
    if comparison.get("attribution_method"):
        row += 1
        sheet.text(row, 0, comparison["attribution_method"], styles.note, fit=False)
    sheet.headers(row + 1, 0, [_ATTRIBUTION.get(k, k) for k in keys], styles.header)
    for i, r in enumerate(rows, start=row + 2):
        for j, key in enumerate(keys):
            style = _attribution_style(styles, key)
            value = r.get(key)
            if key == "path" and value is not None:
                value = override_words(value, labels)
            if style is not None and not isinstance(value, str):
                sheet.number(i, j, value, style)
            elif value is not None:
                sheet.text(i, j, value if isinstance(value, str) else str(value), fit=key != "note")
