"""The workbook's Summary, Cash flow, Assumptions and Provenance sheets.

Each function takes the review-pack data (report_data.json, see
:mod:`simulate.report.data`), fills one :class:`~.xlsx_book.Sheet` and
freezes its header rows. Every number is the data's own, never recomputed
or rounded: a finance team can check each cell against summary.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

from xlsxwriter.workbook import Workbook

from ..format import count_months
from ..sensitivity.labels import unit_suffix
from .xlsx_book import Sheet, Style, Styles, finite

__all__ = [
    "assumptions_sheet",
    "cash_flow_sheet",
    "provenance_sheet",
    "summary_sheet",
    "value_style",
]

_STATS = ("mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95")
_OUTPUTS = (
    ("npv", "NPV", "money"),
    ("pv_benefits", "PV of benefits", "money"),
    ("pv_costs", "PV of costs", "money"),
    ("roi", "ROI", "percent"),
    ("irr", "IRR (annual)", "percent"),
    ("payback_months", "Payback (months)", "months"),
    ("discounted_payback_months", "Discounted payback (months)", "months"),
)
_KINDS = {
    "benefit": "Benefit",
    "cost": "Cost",
    "total_benefits": "Total benefits",
    "total_costs": "Total costs",
    "net_benefits": "Net benefits",
}
_TOTALS = ("total_benefits", "total_costs", "net_benefits")


def _style(styles: Styles, kind: str, *, bold: bool = False) -> Style:
    if kind == "money":
        return styles.money(bold=bold)
    if kind == "cost":
        return styles.money(cost=True, bold=bold)
    if kind == "months":
        return styles.months(bold=bold)
    if kind == "prob":
        return styles.percent(2, bold=bold)
    return styles.percent(1, bold=bold)


def title_block(sheet: Sheet, styles: Styles, title: str, lines: list[str]) -> int:
    """The sheet's title and its explanatory lines; the next free row."""
    sheet.text(0, 0, title, styles.title, fit=False)
    for i, line in enumerate(lines):
        sheet.text(1 + i, 0, line, styles.note, fit=False)
    return 2 + len(lines)


# -- Summary -----------------------------------------------------------------------------------


def _decision_figures(summary: Mapping[str, Any]) -> list[tuple]:
    """(label, precision key, value, style kind, standard error, note) per decision figure."""
    m, p = summary["metrics"], summary["probabilities"]
    targets = summary.get("targets") or {}
    pay_t, roi_t = targets.get("payback_months"), targets.get("roi")
    beyond = "beyond the horizon: fewer than half the trials pay back"
    return [
        ("P(NPV > 0)", "npv_positive", p["npv_positive"], "prob", p.get("npv_positive_se"), None),
        ("NPV mean", "npv_mean", m["npv"]["mean"], "money", m["npv"].get("se_mean"), None),
        ("NPV P10", "npv_p10", m["npv"]["p10"], "money", None, None),
        ("NPV P50 (median)", "npv_p50", m["npv"]["p50"], "money", None, None),
        ("NPV P90", "npv_p90", m["npv"]["p90"], "money", None, None),
        ("NPV CVaR 5% (mean of the worst 5%)", None, m["npv"].get("cvar5"), "money", None, None),
        ("ROI P10", None, m["roi"]["p10"], "percent", None, None),
        ("ROI P50 (median)", "roi_p50", m["roi"]["p50"], "percent", None, None),
        ("ROI P90", None, m["roi"]["p90"], "percent", None, None),
        (
            "Payback median (months)",
            "payback_p50",
            m["payback_months"]["p50"],
            "months",
            None,
            beyond if m["payback_months"]["p50"] is None else None,
        ),
        ("P(payback within the horizon)", None, p["payback_within_horizon"], "prob", None, None),
        (
            f"P(payback within {count_months(pay_t)})"
            if pay_t is not None
            else "P(payback by target)",
            "payback_within_target",
            p.get("payback_within_target"),
            "prob",
            None,
            "no payback target set" if pay_t is None else None,
        ),
        (
            f"P(ROI at least {roi_t:.0%})" if roi_t is not None else "P(ROI at least target)",
            "roi_at_least_target",
            p.get("roi_at_least_target"),
            "prob",
            None,
            "no ROI target set" if roi_t is None else None,
        ),
    ]


def _interval(figure: tuple, precision: Mapping[str, Any], z: float) -> tuple:
    """(low, high, half-width, how) of one decision figure, or Nones with the reason."""
    _, key, value, kind, se, _ = figure
    given = (precision.get("figures") or {}).get(key) if key else None
    if given and finite(given.get("low")) is not None and finite(given.get("high")) is not None:
        low, high = float(given["low"]), float(given["high"])
        return low, high, (high - low) / 2, str(given.get("method") or "summary.json")
    if finite(se) is None or finite(value) is None:
        return None, None, None, None
    half = z * float(se)
    low, high = float(value) - half, float(value) + half
    if kind == "prob":
        low, high = max(low, 0.0), min(high, 1.0)
    return low, high, half, f"± {z:.2f} s.e."


def summary_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    summary = data["summary"]
    sheet = Sheet(book, styles, "Summary", max_width=48)
    lines = [data.get("description") or "", (data.get("headline") or {}).get("sentence") or ""]
    row = title_block(sheet, styles, summary.get("name") or "(no name)", [s for s in lines if s])
    precision = summary.get("precision") or {}
    level = finite(precision.get("level")) or 0.95
    z = NormalDist().inv_cdf(0.5 + level / 2)
    sheet.text(row, 0, "Decision figures", styles.subtitle, fit=False)
    head = row + 1
    sheet.headers(
        head,
        0,
        [
            "Figure",
            "Estimate",
            f"{level:.0%} interval: low",
            "high",
            "± half-width",
            "Interval from",
            "Note",
        ],
        styles.header,
    )
    row = head + 1
    for figure in _decision_figures(summary):
        low, high, half, how = _interval(figure, precision, z)
        if figure[3] == "prob":  # with the decimals its estimate and interval need
            style = styles.probability(figure[2], low, high)
        else:
            style = _style(styles, figure[3])
        sheet.text(row, 0, figure[0])
        sheet.row(row, 1, [figure[2], low, high, half], style)
        sheet.text(row, 5, how)
        sheet.text(row, 6, figure[5], fit=False)
        row += 1
    sheet.text(
        row,
        0,
        "s.e.: the Monte Carlo standard error in summary.json (normal approximation). "
        "An empty interval: not estimated for this run.",
        styles.note,
        fit=False,
    )
    row = _statistics(sheet, styles, summary, row + 2)
    sheet.freeze(head + 1, 1)
    return sheet


def _statistics(sheet: Sheet, styles: Styles, summary: Mapping[str, Any], row: int) -> int:
    sheet.text(row, 0, "Each output over all trials (summary.json)", styles.subtitle, fit=False)
    labels = ["Output", "Mean", "SD", "P5", "P10", "P25", "P50", "P75", "P90", "P95"]
    sheet.headers(row + 1, 0, [*labels, "Defined in (share of trials)", "Note"], styles.header)
    row += 2
    for key, label, kind in _OUTPUTS:
        stats = summary["metrics"].get(key)
        if stats is None:
            continue
        sheet.text(row, 0, label)
        sheet.row(row, 1, [stats.get(s) for s in _STATS], _style(styles, kind))
        share = stats.get("defined_fraction")
        sheet.number(row, 10, share, styles.probability(share))
        if kind == "months":
            note = "mean and SD over the trials that pay back; empty: beyond the horizon"
        elif "defined_fraction" in stats:
            note = "over the trials where it is defined"
        else:
            note = None
        sheet.text(row, 11, note, fit=False)
        row += 1
    return row


# -- Cash flow ---------------------------------------------------------------------------------


def cash_flow_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    tei, summary = data["tei"], data["summary"]
    sheet = Sheet(book, styles, "Cash flow")
    rate = finite(summary.get("discount_rate"))
    used, total = tei.get("trials_used") or 0, tei.get("trials") or 0
    lines = [
        f"Each line: P10, P50, P90 and mean over {used:,} trials"
        + (f" (of {total:,})" if used != total else "")
        + "; Deterministic: every input at its median (one trial).",
        "Initial: month 0, undiscounted. Year k: months 12(k-1)+1 to 12k. Total: undiscounted sum. "
        + "Present value: discounted monthly"
        + (f" at {rate:.2%} a year." if rate is not None else "."),
        "Costs are positive amounts, shown in parentheses. Implied risk adjustment, on the "
        "Deterministic row: benefits and net, 1 - mean PV / deterministic PV; costs, "
        "mean PV / deterministic PV - 1.",
    ]
    head = title_block(
        sheet, styles, "Cash flow: risk-adjusted and deterministic (TEI-style)", lines
    )
    head += 1
    columns = list(tei["columns"])
    sheet.headers(
        head,
        0,
        ["Line", "Kind", "Type", "Statistic", *columns, "Implied risk adjustment"],
        styles.header,
    )
    row = head + 1
    for line in tei["rows"]:
        row = _tei_line(sheet, styles, line, row, len(columns))
    _returns(sheet, styles, tei, row + 1)
    sheet.freeze(head + 1, 4)
    return sheet


def _tei_line(sheet: Sheet, styles: Styles, line: Mapping[str, Any], row: int, n: int) -> int:
    kind = line["kind"]
    total = kind in _TOTALS
    money = "cost" if kind in ("cost", "total_costs") else "money"
    style = _style(styles, money, bold=total)
    cells = line["cells"]
    for label, values in (
        ("P10", [c.get("p10") for c in cells]),
        ("P50", [c.get("p50") for c in cells]),
        ("P90", [c.get("p90") for c in cells]),
        ("Mean", [c.get("mean") for c in cells]),
        ("Deterministic", list(line["deterministic"])),
    ):
        sheet.text(row, 0, line.get("label") or line["name"], styles.bold if total else None)
        sheet.text(row, 1, _KINDS.get(kind, kind))
        sheet.text(row, 2, line.get("type"))
        sheet.text(row, 3, label)
        sheet.row(row, 4, values[:n], style)
        row += 1
    sheet.number(row - 1, 4 + n, line.get("risk_adjustment"), styles.percent(1, bold=total))
    return row


def _returns(sheet: Sheet, styles: Styles, tei: Mapping[str, Any], row: int) -> None:
    sheet.text(row, 0, "Return (on present values)", styles.subtitle, fit=False)
    sheet.headers(
        row + 1,
        0,
        ["Figure", "", "", "", "P10", "P50", "P90", "Mean", "Deterministic"],
        styles.header,
    )
    keys = ("p10", "p50", "p90", "mean", "deterministic")
    roi, payback = tei.get("roi") or {}, tei.get("payback_months") or {}
    sheet.text(row + 2, 0, "ROI")
    sheet.row(row + 2, 4, [roi.get(k) for k in keys], styles.percent(1))
    sheet.text(row + 3, 0, "Payback (months)")
    sheet.row(row + 3, 4, [payback.get(k) for k in keys], styles.months())
    sheet.text(
        row + 4,
        0,
        "An empty payback cell: not paid back within the horizon.",
        styles.note,
        fit=False,
    )


# -- Assumptions -------------------------------------------------------------------------------


def _flags(item: Mapping[str, Any]) -> str | None:
    flags = []
    if not item.get("source"):
        flags.append("no source")
    if not item.get("used_by"):
        flags.append("used by no line")
    return "; ".join(flags) or None


def value_style(styles: Styles, unit: str | None, values: list[Any]) -> Style:
    """An input's values in its unit: money, a percentage, or a plain number.

    Money in whole units from 100 up; a smaller amount (a cost per contact
    of 4.95) keeps its digits as a plain number, its unit beside it.
    """
    sizes = [abs(v) for v in map(finite, values) if v is not None]
    if unit == "currency" and sizes and min(sizes) >= 100:
        return styles.money()
    if unit == "percent":
        return styles.percent(2)
    return styles.value(*values)


def assumptions_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    items = data.get("assumptions") or []
    currency = data["summary"].get("currency") or ""
    sheet = Sheet(book, styles, "Assumptions")
    lines = [
        "Every input of the config: named priors in config order, then inline ones. "
        "P10/P50/P90 in the input's own unit. Rank: by tornado swing (1 = largest).",
        f"Tornado swing: NPV at the input's P90 minus at its P10, the others at their medians ({currency}).",
    ]
    head = title_block(sheet, styles, "Assumptions register", lines) + 1
    labels = ["Input", "Inline", "Distribution", "Unit", "Fixed", "P10", "P50", "P90", "Source",
              "Note", "Used by", "Sensitivity rank", "Tornado swing", "Flag",
              "Name in the config"]  # fmt: skip
    sheet.headers(head, 0, labels, styles.header)
    row = head + 1
    for item in items:
        values = [item.get("p10"), item.get("p50"), item.get("p90")]
        sheet.text(row, 0, item.get("label") or item["name"])
        sheet.text(row, 1, "yes" if item.get("inline") else "no")
        sheet.text(row, 2, item.get("distribution"), styles.wrap)
        sheet.text(row, 3, unit_suffix(item.get("unit"), currency) or item.get("unit"))
        sheet.text(row, 4, "yes" if item.get("fixed") else "no")
        sheet.row(row, 5, values, value_style(styles, item.get("unit"), values))
        sheet.text(row, 8, item.get("source"), styles.wrap)
        sheet.text(row, 9, item.get("note"), styles.wrap)
        sheet.text(row, 10, ", ".join(item.get("used_by") or []) or None, styles.wrap)
        sheet.number(row, 11, item.get("rank"), styles.count())
        sheet.number(row, 12, item.get("swing"), styles.money())
        sheet.text(row, 14, item["name"])
        sheet.text(row, 13, _flags(item), styles.flag)
        row += 1
    if not items:
        sheet.text(row, 0, "The config has no inputs to list.", styles.note, fit=False)
    else:
        sheet.ws.autofilter(head, 0, row - 1, len(labels) - 1)
    sheet.freeze(head + 1, 1)
    return sheet


# -- Provenance --------------------------------------------------------------------------------


def _provenance_rows(data: Mapping[str, Any], styles: Styles) -> list[tuple[str, Any, Any]]:
    s = data["summary"]
    overlay = s.get("overlay") or {}
    targets = s.get("targets") or {}
    tei = data.get("tei") or {}
    text = None  # a text value
    return [
        ("Name", s.get("name"), text),
        ("Tool version", s.get("version"), text),
        ("Config file", data.get("config_file") or s.get("config"), text),
        ("Config hash", s.get("config_hash"), text),
        ("Scenario", s.get("scenario") or "none (the config as written)", text),
        ("Overlay file", overlay.get("file") or "none", text),
        ("Overlay name", overlay.get("name"), text),
        ("Seed", None if s.get("seed") is None else str(s["seed"]), text),  # beyond 2^53: text
        ("Trials", s.get("trials"), styles.count()),
        ("Sampling", s.get("sampling"), text),
        ("Horizon (months)", s.get("horizon_months"), styles.count()),
        ("Discount rate (a year)", s.get("discount_rate"), styles.percent(2)),
        ("Currency", s.get("currency"), text),
        ("Payback target (months)", targets.get("payback_months"), styles.months()),
        ("ROI target", targets.get("roi"), styles.percent(1)),
        ("Trials in the cash-flow table", tei.get("trials_used"), styles.count()),
        ("Created (UTC)", data.get("created"), text),
        ("Command that reproduces the run", data.get("command"), text),
        ("Data format", data.get("format"), text),
    ]


def provenance_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    sheet = Sheet(book, styles, "Provenance", max_width=100)
    lines = [
        "Every number in this workbook is a value the run computed (no formulas); "
        "rerun the command below to get them again."
    ]
    head = title_block(sheet, styles, "Provenance", lines) + 1
    sheet.headers(head, 0, ["Item", "Value"], styles.header)
    row = head + 1
    for label, value, style in _provenance_rows(data, styles):
        sheet.text(row, 0, label)
        if style is None:
            sheet.text(row, 1, value, styles.wrap)
            sheet.width(1, len(str(value or "")))  # one line where it fits
        else:
            sheet.number(row, 1, value, styles.left(style))
        row += 1
    sheet.freeze(head + 1, 0)
    return sheet
