"""``report.xlsx``: the review pack as a workbook a finance team can audit.

:func:`write_xlsx` renders the review-pack data (report_data.json, see
:mod:`simulate.report.data`) with XlsxWriter into sheets Summary,
Flexibility (when the run has stage gates: the value of the option to
stop), Cash flow, Assumptions, Percentiles, Sensitivity, Frontier (when
the data has the two-input break-even frontier), Scenarios (when it has a
comparison), Provenance and, when per-trial arrays are given, Trials. Money
is formatted in the run's currency, fractions as percentages, months with
one decimal; header rows are frozen and columns sized to fit. There are no
formulas: every number is a value the run computed, as in the data. The NPV
histogram, the tornado and the frontier are native Excel charts. Inputs
and lines are named by their labels; the Sensitivity sheet gives each
input's name in the config beside it.

The workbook is written in a hidden temporary folder inside ``folder`` and
moved into place in one rename: a reader never sees half a workbook, and
nothing is written outside ``folder``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from xlsxwriter.exceptions import XlsxFileError
from xlsxwriter.workbook import Workbook

from ..errors import ConfigError, Problem
from .flexibility import flexibility_of
from .xlsx_book import Style, Styles, clean_text, open_workbook, write_text
from .xlsx_drivers import scenarios_sheet, sensitivity_sheet
from .xlsx_flexibility import flexibility_sheet
from .xlsx_frontier import frontier_sheet
from .xlsx_percentiles import percentiles_sheet
from .xlsx_sheets import assumptions_sheet, cash_flow_sheet, provenance_sheet, summary_sheet

__all__ = ["FILE_NAME", "MAX_TRIAL_COLUMNS", "MAX_TRIAL_ROWS", "trial_columns", "write_xlsx"]

FILE_NAME = "report.xlsx"
MAX_TRIAL_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
MAX_TRIAL_COLUMNS = 16_383  # Excel's 16,384 columns, less the trial number
_TRIAL_CHUNK = 8192  # rows turned into Python values at a time
_OUTPUT_STYLES = {
    "npv": "money",
    "pv_benefits": "money",
    "pv_costs": "money",
    "roi": "percent",
    "irr": "percent",
    "payback_months": "months",
    "discounted_payback_months": "months",
}


def trial_columns(trials: Mapping[str, Any]) -> list[tuple[str, np.ndarray]]:
    """The Trials sheet's columns, checked: one-dimensional, equally long, within Excel's limits.

    Raises ConfigError (naming Excel's limit) for more than 1,048,575 trials,
    so nothing is written.
    """
    columns = [(str(name), np.asarray(values, dtype=float)) for name, values in trials.items()]
    problem = None
    lengths = {values.shape for _, values in columns}
    if not columns:
        problem = "no per-trial arrays were given for the Trials sheet"
    elif len(lengths) != 1 or len(next(iter(lengths))) != 1:
        problem = "the Trials sheet's arrays must be one-dimensional and equally long"
    elif (n := len(columns[0][1])) > MAX_TRIAL_ROWS:
        problem = (
            f"{n:,} trials do not fit in the Trials sheet: Excel holds at most "
            f"{MAX_TRIAL_ROWS:,} rows of data; ask for {MAX_TRIAL_ROWS:,} samples or fewer"
        )
    elif len(columns) > MAX_TRIAL_COLUMNS:
        problem = (
            f"{len(columns):,} columns do not fit in the Trials sheet: Excel holds at most "
            f"{MAX_TRIAL_COLUMNS:,} besides the trial number"
        )
    if problem:
        raise ConfigError(Problem(problem, path="--samples"))
    return columns


def _trial_style(styles: Styles, name: str, values: np.ndarray) -> Style:
    kind = _OUTPUT_STYLES.get(name.removeprefix("input__"))
    if kind == "money":
        return styles.money()
    if kind == "percent":
        return styles.percent(1)
    if kind == "months":
        return styles.months()
    shown = values[np.isfinite(values)]
    return styles.value(*(np.percentile(shown, [10, 90]) if shown.size else []))


def _trials_sheet(book: Workbook, styles: Styles, columns: list[tuple[str, np.ndarray]]) -> None:
    """One row per trial, the header on the first row (for pivot tables); written as it goes."""
    ws = book.add_worksheet("Trials")
    n = len(columns[0][1])
    write_text(ws, 0, 0, "Trial", styles.header, styles)
    ws.set_column(0, 0, max(7, len(f"{n:,}") + 2), styles.count().format)
    for j, (name, values) in enumerate(columns, start=1):
        style = _trial_style(styles, name, values)
        shown = values[np.isfinite(values)]
        ends = (shown.min(), shown.max()) if shown.size else ()
        widest = max((len(style.render(v)) for v in ends), default=0)
        write_text(ws, 0, j, clean_text(name), styles.header, styles)
        ws.set_column(j, j, min(max(len(name), widest) + 2, 40), style.format)
    number = ws.write_number  # a third faster than write_row's type dispatch
    for first in range(0, n, _TRIAL_CHUNK):  # Python floats for a chunk at a time
        last = min(first + _TRIAL_CHUNK, n)
        lists = [list(range(first + 1, last + 1))]
        for _, values in columns:
            chunk = values[first:last]
            cells = chunk.astype(object)
            cells[~np.isfinite(chunk)] = None  # an empty cell: undefined, or beyond the horizon
            lists.append(cells.tolist())
        for i, row in enumerate(zip(*lists, strict=True), start=first + 1):
            for j, value in enumerate(row):
                if value is not None:
                    number(i, j, value)  # the column's format applies to each cell
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, n, len(columns))


def _created(data: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.strptime(str(data.get("created")), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def _fill(book: Workbook, data: Mapping[str, Any], columns) -> None:
    styles = Styles(book, data["summary"].get("currency") or "")
    sheets = [summary_sheet]
    if flexibility_of(data):  # a run with stage gates
        sheets.append(flexibility_sheet)
    sheets += [cash_flow_sheet, assumptions_sheet, percentiles_sheet, sensitivity_sheet]
    if (data.get("drivers") or {}).get("frontier"):
        sheets.append(frontier_sheet)
    if data.get("comparison"):
        sheets.append(scenarios_sheet)
    sheets.append(provenance_sheet)
    for make in sheets:
        make(book, styles, data).flush()
    if columns is not None:
        _trials_sheet(book, styles, columns)
    properties = {
        "title": clean_text(f"Review pack: {data['summary'].get('name') or ''}"),
        "author": "simulate",
        "comments": clean_text(data.get("command") or ""),
    }
    if (created := _created(data)) is not None:
        properties["created"] = created  # the same run gives the same workbook, byte for byte
    book.set_properties(properties)


def write_xlsx(
    folder: Path, data: Mapping[str, Any], trials: Mapping[str, Any] | None = None
) -> Path:
    """Write ``folder/report.xlsx`` from the review-pack data; return its path.

    ``trials`` (name -> per-trial array, inputs and outputs) adds the Trials
    sheet; more than :data:`MAX_TRIAL_ROWS` trials raise ConfigError before
    anything is written. A failure to write raises OSError and leaves
    ``folder`` as it was.
    """
    folder = Path(folder)
    columns = None if trials is None else trial_columns(trials)
    work = Path(tempfile.mkdtemp(prefix=".report-xlsx.", suffix=".tmp", dir=folder))
    book = None
    try:
        path = work / FILE_NAME
        book = open_workbook(str(path), str(work))
        _fill(book, data, columns)
        try:
            book.close()
        except XlsxFileError as exc:  # XlsxWriter wraps the OSError of a full disk, say
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
            raise (cause or OSError(str(exc))) from exc
        target = folder / FILE_NAME
        os.replace(path, target)
    finally:
        if book is not None:
            for sheet in book.worksheets():
                # XlsxWriter cannot abandon a workbook: close the sheets' scratch files
                # (a no-op once the workbook is closed).
                sheet._opt_close()
        shutil.rmtree(work, ignore_errors=True)
    return target
