"""The workbook's Percentiles sheet, with the NPV histogram.

Percentiles P1..P99 come from summary.json where it has them (P5, P10, P25,
P50, P75, P90, P95: exact, over every trial) and otherwise from the data's
quantile grid (``charts.npv_quantiles`` / ``roi_quantiles``: the value at
levels (i + 0.5) / n, interpolated linearly); a column says which. The NPV
histogram is binned from the same grid, each of its n points standing for
1/n of the trials, and drawn as a native Excel chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from xlsxwriter.workbook import Workbook

from ..format import format_number
from .xlsx_book import Sheet, Styles, finite
from .xlsx_sheets import title_block

__all__ = ["GAIN_COLOUR", "LOSS_COLOUR", "grid_percentile", "npv_bins", "percentiles_sheet"]

_FROM_SUMMARY = (5, 10, 25, 50, 75, 90, 95)
_TARGET_BINS = 30
LOSS_COLOUR, GAIN_COLOUR = "#C0504D", "#4F81BD"


def _grid(values: Sequence[Any] | None) -> np.ndarray:
    """A quantile grid as floats, NaN where missing (null in the JSON, or not finite)."""
    if isinstance(values, np.ndarray):
        return values.astype(float)
    grid = np.array([math.nan if v is None else v for v in values or []], float)
    grid[~np.isfinite(grid)] = math.nan
    return grid


def grid_percentile(grid: Sequence[Any], percent: float) -> float | None:
    """The ``percent``-th percentile read off a quantile grid at levels (i + 0.5) / n.

    Linear between grid points, the end points beyond; None where a grid
    point it needs is missing.
    """
    values = _grid(grid)
    if values.size == 0:
        return None
    levels = (np.arange(values.size) + 0.5) / values.size
    return finite(np.interp(percent / 100, levels, values))


def _nice_step(span: float) -> float:
    raw = span / _TARGET_BINS
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-12))


def npv_bins(grid: Sequence[Any]) -> list[tuple[float | None, float | None, float]]:
    """Histogram bins (from, to, share of trials) of a quantile grid.

    Equal-width bins on round numbers cover P0.5 to P99.5 (zero is always an
    edge when it lies inside, so a bin is all loss or all gain); the rest of
    each tail is one open bin (from or to None), listed only when it is not
    empty. The shares add up to 1.
    """
    values = _grid(grid)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return []
    lo, hi = (float(np.quantile(values, q)) for q in (0.005, 0.995))
    step = _nice_step(hi - lo if hi > lo else max(abs(lo), 1.0))
    start = math.floor(lo / step) * step
    count = max(1, math.ceil((hi - start) / step))
    if start + count * step <= hi:
        count += 1  # the top edge is open: P99.5 must fall below it
    stop = start + count * step
    edges = [-math.inf, *(start + i * step for i in range(count + 1)), math.inf]
    if start > 0:
        edges.insert(1, 0.0)  # the lower tail's losses apart from its gains
    if stop < 0:
        edges.insert(-1, 0.0)
    counts = np.bincount(np.searchsorted(edges, values, side="right") - 1, minlength=len(edges) - 1)
    bins: list[tuple[float | None, float | None, float]] = []
    for i, c in enumerate(counts.tolist()):
        lo, hi = edges[i], edges[i + 1]
        if (hi <= start or lo >= stop) and c == 0:
            continue  # an empty tail
        bins.append((finite(lo), finite(hi), c / values.size))
    return bins


# -- Percentiles -------------------------------------------------------------------------------


def percentiles_sheet(book: Workbook, styles: Styles, data: Mapping[str, Any]) -> Sheet:
    summary, charts = data["summary"], data.get("charts") or {}
    metrics = summary["metrics"]
    npv_grid, roi_grid = _grid(charts.get("npv_quantiles")), _grid(charts.get("roi_quantiles"))
    sheet = Sheet(book, styles, "Percentiles")
    n = len(npv_grid)
    lines = [
        "P5, P10, P25, P50, P75, P90, P95: summary.json, exact over every trial. The others: "
        f"interpolated in the run's {n:,}-point quantile grid (report_data.json).",
        "ROI percentiles are over the trials where ROI is defined; an empty cell: not available.",
    ]
    head = title_block(sheet, styles, "Percentiles of NPV and ROI", lines) + 1
    sheet.headers(head, 0, ["Percentile", "NPV", "NPV from", "ROI", "ROI from"], styles.header)
    for p in range(1, 100):
        row = head + p
        sheet.text(row, 0, f"P{p}")
        for col, key, grid, style in (
            (1, "npv", npv_grid, styles.money()),
            (3, "roi", roi_grid, styles.percent(1)),
        ):
            exact = metrics[key].get(f"p{p}") if p in _FROM_SUMMARY else None
            value = exact if exact is not None else grid_percentile(grid, p)
            sheet.number(row, col, value, style)
            if value is not None:
                sheet.text(row, col + 1, "summary.json" if exact is not None else "quantile grid")
    _histogram(book, sheet, styles, npv_grid, head, summary.get("currency") or "")
    sheet.freeze(head + 1, 1)
    return sheet


def _money_label(value: float, prefix: str) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{format_number(abs(value))}"


def _bin_label(lo: float | None, hi: float | None, prefix: str) -> str:
    if lo is None:
        return f"below {_money_label(hi, prefix)}"
    if hi is None:
        return f"{_money_label(lo, prefix)} and above"
    return f"{_money_label(lo, prefix)} to {_money_label(hi, prefix)}"


def _histogram(book: Workbook, sheet: Sheet, styles: Styles, grid, head: int, currency: str):
    col = 6
    labels = [
        "NPV bin from",
        "to",
        "Bin",
        "Share of trials",
        "Share with NPV < 0",
        "Share with NPV ≥ 0",
    ]
    sheet.text(
        head - 1, col, "NPV histogram (binned from the quantile grid)", styles.subtitle, fit=False
    )
    sheet.headers(head, col, labels, styles.header)
    bins = npv_bins(grid)
    for i, (lo, hi, share) in enumerate(bins):
        row = head + 1 + i
        loss = hi is not None and hi <= 0
        sheet.number(row, col, lo, styles.money())
        sheet.number(row, col + 1, hi, styles.money())
        sheet.text(row, col + 2, _bin_label(lo, hi, styles.prefix))
        sheet.number(row, col + 3, share, styles.percent(2))
        sheet.number(row, col + (4 if loss else 5), share, styles.percent(2))
    if not bins:
        return
    first, last = head + 1, head + len(bins)
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for offset, name, colour in ((4, "NPV < 0", LOSS_COLOUR), (5, "NPV ≥ 0", GAIN_COLOUR)):
        chart.add_series(
            {
                "name": name,
                "categories": [sheet.ws.name, first, col + 2, last, col + 2],
                "values": [sheet.ws.name, first, col + offset, last, col + offset],
                "fill": {"color": colour},
                "border": {"none": True},
                "gap": 8,
            }
        )
    chart.set_title({"name": "NPV: share of trials per bin", "name_font": {"size": 12}})
    chart.set_x_axis({"name": f"NPV ({currency})", "num_font": {"rotation": -45, "size": 8}})
    chart.set_y_axis({"num_format": "0%", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 420})
    sheet.ws.insert_chart(last + 2, col, chart)
