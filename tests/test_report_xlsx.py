"""report.xlsx: reopened with openpyxl, every number is the data's, in the right format.

The data is the hand-made review-pack dict of ``report_fixture_xlsx`` (the
contract's shape), in its awkward variants: EUR and other currencies, a
600-month horizon, 20 inputs, a project that never pays back, a huge right
tail, comparisons, names that Excel or XML would misread.
"""

from __future__ import annotations

import csv
import gc
import itertools
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_fixture_xlsx import pack, trials_columns

from simulate.errors import ConfigError
from simulate.report import xlsx as xlsx_module
from simulate.report.xlsx import MAX_TRIAL_ROWS, write_xlsx
from simulate.report.xlsx_book import currency_prefix
from simulate.report.xlsx_percentiles import grid_percentile, npv_bins

SHEETS = ["Summary", "Cash flow", "Assumptions", "Percentiles", "Sensitivity", "Provenance"]
ERRORS = ("#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#REF!", "#NAME?", "#NULL!")


def _write(folder: Path, data: dict, trials=None) -> openpyxl.Workbook:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_xlsx(folder, data, trials)
    assert path == folder / "report.xlsx"
    return openpyxl.load_workbook(path)


def _close(actual, expected) -> bool:
    """Equal to the 16 significant digits XlsxWriter writes (None: an empty cell)."""
    if expected is None or not math.isfinite(expected):
        return actual is None
    return actual is not None and math.isclose(actual, expected, rel_tol=2e-16 * 8, abs_tol=1e-300)


def _rows(ws, first_col: int = 1) -> dict[str, int]:
    """Row numbers by the text in column ``first_col`` (the first occurrence)."""
    out: dict[str, int] = {}
    for row in range(1, ws.max_row + 1):
        value = ws.cell(row, first_col).value
        if isinstance(value, str):
            out.setdefault(value, row)
    return out


def _header(ws, label: str) -> tuple[int, dict[str, int]]:
    """The row whose column A holds ``label`` and its columns by header text."""
    row = _rows(ws)[label]
    return row, {
        ws.cell(row, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(row, c).value
    }


@pytest.fixture(scope="module")
def usd(tmp_path_factory):
    data = pack(sobol=True)
    return data, _write(tmp_path_factory.mktemp("usd"), data)


@pytest.fixture(scope="module")
def eur(tmp_path_factory):
    data = pack(
        currency="EUR", horizon_months=600, n_inputs=20, comparison="overlay", precision=True
    )
    return data, _write(tmp_path_factory.mktemp("eur"), data)


# -- the sheets and their numbers ---------------------------------------------------------------


def test_the_sheets_are_there_in_order(usd, eur, tmp_path):
    assert usd[1].sheetnames == SHEETS
    assert eur[1].sheetnames == [*SHEETS[:-1], "Scenarios", "Provenance"]
    book = _write(tmp_path, pack(), trials=trials_columns(50))
    assert book.sheetnames == [*SHEETS, "Trials"]


def test_summary_decision_figures_are_summary_json_with_a_95_percent_interval(usd):
    data, book = usd
    ws = book["Summary"]
    _, cols = _header(ws, "Figure")
    rows = _rows(ws)
    s = data["summary"]
    m, p = s["metrics"], s["probabilities"]
    expected = {
        "P(NPV > 0)": p["npv_positive"],
        "NPV mean": m["npv"]["mean"],
        "NPV P10": m["npv"]["p10"],
        "NPV P50 (median)": m["npv"]["p50"],
        "NPV P90": m["npv"]["p90"],
        "NPV CVaR 5% (mean of the worst 5%)": m["npv"]["cvar5"],
        "ROI P50 (median)": m["roi"]["p50"],
        "Payback median (months)": m["payback_months"]["p50"],
        "P(payback within 18 months)": p["payback_within_target"],
        "P(ROI at least 50%)": p["roi_at_least_target"],
        "P(payback within the horizon)": p["payback_within_horizon"],
    }
    for label, value in expected.items():
        assert _close(ws.cell(rows[label], cols["Estimate"]).value, value), label
    z = 1.959963984540054
    mean_row = rows["NPV mean"]
    half = z * m["npv"]["se_mean"]
    assert _close(ws.cell(mean_row, cols["± half-width"]).value, half)
    assert _close(ws.cell(mean_row, cols["95% interval: low"]).value, m["npv"]["mean"] - half)
    assert _close(ws.cell(mean_row, cols["high"]).value, m["npv"]["mean"] + half)
    prob_row = rows["P(NPV > 0)"]
    half = z * p["npv_positive_se"]
    assert _close(ws.cell(prob_row, cols["high"]).value, min(1.0, p["npv_positive"] + half))
    # A figure with no standard error has no interval, not a made-up one.
    assert ws.cell(rows["NPV P90"], cols["± half-width"]).value is None


def test_summary_uses_the_precision_block_when_the_run_has_one(eur):
    data, book = eur
    ws = book["Summary"]
    _, cols = _header(ws, "Figure")
    rows = _rows(ws)
    figures = data["summary"]["precision"]["figures"]
    for label, key in (("P(NPV > 0)", "npv_positive"), ("NPV P50 (median)", "npv_p50")):
        row = rows[label]
        assert _close(ws.cell(row, cols["90% interval: low"]).value, figures[key]["low"])
        assert _close(ws.cell(row, cols["high"]).value, figures[key]["high"])
        half = (figures[key]["high"] - figures[key]["low"]) / 2
        assert _close(ws.cell(row, cols["± half-width"]).value, half)
        assert ws.cell(row, cols["Interval from"]).value == figures[key]["method"]


def _statistics_checks(data, book):
    ws = book["Summary"]
    head, cols = _header(ws, "Output")
    labels = {
        "NPV": "npv",
        "PV of benefits": "pv_benefits",
        "PV of costs": "pv_costs",
        "ROI": "roi",
        "IRR (annual)": "irr",
        "Payback (months)": "payback_months",
        "Discounted payback (months)": "discounted_payback_months",
    }
    for offset, (label, key) in enumerate(labels.items(), start=1):
        assert ws.cell(head + offset, 1).value == label
        stats = data["summary"]["metrics"][key]
        for stat in ("mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95"):
            column = cols["Mean" if stat == "mean" else "SD" if stat == "sd" else stat.upper()]
            assert _close(ws.cell(head + offset, column).value, stats[stat]), (label, stat)
    rows = _rows(ws)
    probabilities = data["summary"]["probabilities"]
    assert _close(ws.cell(rows["P(NPV > 0)"], 2).value, probabilities["npv_positive"])
    assert _close(ws.cell(rows["NPV mean"], 2).value, data["summary"]["metrics"]["npv"]["mean"])


def test_summary_statistics_table_is_every_metric_of_summary_json(usd):
    _statistics_checks(*usd)


def _cash_flow_checks(data, book):
    ws = book["Cash flow"]
    head, cols = _header(ws, "Line")
    tei = data["tei"]
    assert [ws.cell(head, 5 + i).value for i in range(len(tei["columns"]))] == tei["columns"]
    row = head + 1
    for line in tei["rows"]:
        for stat in ("p10", "p50", "p90", "mean", "deterministic"):
            assert ws.cell(row, 1).value == line["name"]
            assert ws.cell(row, 4).value == (
                "Deterministic"
                if stat == "deterministic"
                else stat.upper()
                if stat != "mean"
                else "Mean"
            )
            values = (
                line["deterministic"]
                if stat == "deterministic"
                else [c[stat] for c in line["cells"]]
            )
            for i, value in enumerate(values):
                assert _close(ws.cell(row, 5 + i).value, value), (line["name"], stat, i)
            row += 1
        adjustment = ws.cell(row - 1, cols["Implied risk adjustment"]).value
        assert _close(adjustment, line["risk_adjustment"]), line["name"]
    return ws, row


def test_cash_flow_is_the_tei_table_cell_for_cell(usd):
    _cash_flow_checks(*usd)


def test_cash_flow_over_a_600_month_horizon(eur):
    data, book = eur
    ws, _ = _cash_flow_checks(data, book)
    assert len(data["tei"]["columns"]) == 53  # Initial, 50 years, Total, Present value
    assert ws.cell(_rows(ws)["Line"], 5 + 50).value == "Year 50"


def test_cash_flow_roi_and_payback_below_the_table(usd):
    data, book = usd
    ws = book["Cash flow"]
    rows = _rows(ws)
    for label, key in (("ROI", "roi"), ("Payback (months)", "payback_months")):
        row = rows[label]
        for i, stat in enumerate(("p10", "p50", "p90", "mean", "deterministic")):
            assert _close(ws.cell(row, 5 + i).value, data["tei"][key].get(stat)), (label, stat)


def test_assumptions_register_flags_inputs_without_a_source(eur):
    data, book = eur
    ws = book["Assumptions"]
    head, cols = _header(ws, "Input")
    assert len(data["assumptions"]) == 20
    for i, item in enumerate(data["assumptions"], start=1):
        row = head + i
        assert ws.cell(row, 1).value == item["name"]
        assert ws.cell(row, cols["Distribution"]).value == item["distribution"]
        for stat in ("p10", "p50", "p90"):
            assert _close(ws.cell(row, cols[stat.upper()]).value, item[stat])
        assert ws.cell(row, cols["Source"]).value == item["source"]
        assert ws.cell(row, cols["Note"]).value == item["note"]
        assert ws.cell(row, cols["Used by"]).value == (", ".join(item["used_by"]) or None)
        assert _close(ws.cell(row, cols["Sensitivity rank"]).value, item["rank"])
        assert _close(ws.cell(row, cols["Tornado swing"]).value, item["swing"])
        flag = ws.cell(row, cols["Flag"]).value or ""
        assert ("no source" in flag) == (not item["source"]), item["name"]
        assert ("used by no line" in flag) == (not item["used_by"]), item["name"]
    assert ws.auto_filter.ref is not None


def _levels_interp(grid, percent):
    values = np.array([np.nan if v is None else v for v in grid], float)
    levels = (np.arange(values.size) + 0.5) / values.size
    q = percent / 100
    i = np.searchsorted(levels, q) - 1
    t = (q - levels[i]) / (levels[i + 1] - levels[i])
    value = values[i] + t * (values[i + 1] - values[i])
    return None if not np.isfinite(value) else float(value)


def _percentile_checks(data, book):
    ws = book["Percentiles"]
    head, cols = _header(ws, "Percentile")
    charts, metrics = data["charts"], data["summary"]["metrics"]
    for p in range(1, 100):
        row = head + p
        assert ws.cell(row, 1).value == f"P{p}"
        for key, grid in (("npv", charts["npv_quantiles"]), ("roi", charts["roi_quantiles"])):
            label = key.upper()
            if p in (5, 10, 25, 50, 75, 90, 95):
                expected, source = metrics[key][f"p{p}"], "summary.json"
            else:
                expected, source = (_levels_interp(grid, p) if grid else None), "quantile grid"
            assert _close(ws.cell(row, cols[label]).value, expected), (key, p)
            if expected is not None:
                assert ws.cell(row, cols[f"{label} from"]).value == source
    return ws, head, cols


def test_percentiles_are_summary_json_where_it_has_them_else_the_quantile_grid(usd):
    ws, head, cols = _percentile_checks(*usd)
    # roi_quantiles begins with nulls: P1 of ROI needs them, so it is empty, not invented.
    assert ws.cell(head + 1, cols["ROI"]).value is None
    assert ws.cell(head + 1, cols["ROI from"]).value is None


def test_histogram_shares_are_counts_of_grid_points(usd):
    data, book = usd
    ws = book["Percentiles"]
    grid = np.array(data["charts"]["npv_quantiles"])
    head = _rows(ws)["Percentile"]
    first = next(c for c in range(1, ws.max_column + 1) if ws.cell(head, c).value == "NPV bin from")
    total = 0.0
    row = head + 1
    while ws.cell(row, first + 2).value:
        lo, hi, share = (ws.cell(row, first + k).value for k in (0, 1, 3))
        inside = np.ones(grid.size, bool)
        if lo is not None:
            inside &= grid >= lo
        if hi is not None:
            inside &= grid < hi
        assert _close(share, inside.sum() / grid.size)
        loss, gain = ws.cell(row, first + 4).value, ws.cell(row, first + 5).value
        assert (loss, gain) == ((share, None) if hi is not None and hi <= 0 else (None, share))
        total += share
        row += 1
    assert math.isclose(total, 1.0)


def test_sensitivity_sheet_is_the_tornado_rank_sobol_breakeven_and_voi(usd):
    data, book = usd
    ws = book["Sensitivity"]
    drivers = data["drivers"]
    rows = _rows(ws)
    assert _close(ws.cell(rows["NPV at the base case"], 2).value, drivers["base"])
    head, cols = _header(ws, "Input")
    for i, t in enumerate(drivers["tornado"], start=1):
        row = head + i
        assert ws.cell(row, 1).value == t["input"] and ws.cell(row, cols["Rank"]).value == i
        assert _close(ws.cell(row, cols["NPV at low"]).value, t["metric_low"])
        assert _close(ws.cell(row, cols["NPV at high"]).value, t["metric_high"])
        assert _close(ws.cell(row, cols["Swing"]).value, t["swing"])
        assert _close(ws.cell(row, cols["Input at low"]).value, t["low_value"])
        assert _close(
            ws.cell(row, cols["Change at high"]).value, t["metric_high"] - drivers["base"]
        )
    cells = [ws.cell(r, c).value for r in range(1, ws.max_row + 1) for c in range(1, 11)]
    numbers = [v for v in cells if isinstance(v, (int, float))]

    def shown(x):
        return any(_close(v, x) for v in numbers)

    for r in drivers["rank"]:
        assert shown(r["spearman"]) and shown(r["contribution"])
    for r in drivers["sobol"]["indices"]:
        assert shown(r["S1"]) and shown(r["ST_conf"])
    for r in drivers["breakeven"]:
        assert r["note"] in cells and (r["value"] is None or shown(r["value"]))
    assert shown(drivers["voi"]["evpi"]) and shown(drivers["voi"]["evppi"][0]["value"])
    assert "2, 3" in cells  # a discrete input's positive values
    assert len(ws._charts) == 1


def test_sensitivity_without_rank_or_voi_and_without_inputs(tmp_path):
    data = pack(full_drivers=False)
    ws = _write(tmp_path / "a", data)["Sensitivity"]
    texts = {ws.cell(r, 1).value for r in range(1, ws.max_row + 1)}
    assert "Rank correlation (over the run's trials)" not in texts and "Tornado" in texts
    data["drivers"]["tornado"] = []
    data["assumptions"] = []
    book = _write(tmp_path / "b", data)
    ws = book["Sensitivity"]
    assert "No uncertain input: nothing to rank." in {
        ws.cell(r, 1).value for r in range(1, ws.max_row + 1)
    }
    assert not ws._charts
    assert "The config has no inputs to list." in {c.value for c in book["Assumptions"]["A"]}


@pytest.mark.parametrize("kind", ["scenarios", "overlay"])
def test_scenarios_sheet_is_the_paired_comparison(tmp_path, kind):
    data = pack(comparison=kind)
    ws = _write(tmp_path, data)["Scenarios"]
    head, cols = _header(ws, "A")
    for i, r in enumerate(data["comparison"]["rows"], start=1):
        row = head + i
        assert (ws.cell(row, 1).value, ws.cell(row, 2).value) == (r["a"], r["b"])
        assert _close(ws.cell(row, cols["P(A beats B)"]).value, r["p_a_beats_b"])
        assert _close(ws.cell(row, cols["P(B beats A)"]).value, r.get("p_b_beats_a"))
        for stat, label in (("p10", "NPV difference A - B: P10"), ("p50", "P50"), ("mean", "Mean")):
            assert _close(ws.cell(row, cols[label]).value, r["diff"][stat])
        assert ws.cell(row, cols["Note"]).value == (r.get("note") or None)
    texts = [c.value for c in ws["A"]]
    if kind == "overlay":
        start = texts.index("Override") + 1  # the header's row number
        assert texts[start - 2] == data["comparison"]["attribution_method"]
        head = {ws.cell(start, c).value: c for c in range(1, 6)}
        for i, r in enumerate(data["comparison"]["attribution"], start=start + 1):
            assert ws.cell(i, 1).value == r["path"]
            assert _close(ws.cell(i, head["Change in NPV P50"]).value, r["npv_p50"])
            assert _close(ws.cell(i, head["Change in P(NPV > 0)"]).value, r["prob_npv_positive"])
            assert ws.cell(i, head["Note"]).value == r["note"]
    else:
        assert "Override" not in texts


def test_provenance_keeps_the_seed_exactly_as_text(usd):
    data, book = usd
    ws = book["Provenance"]
    rows = _rows(ws)
    value = {label: ws.cell(row, 2).value for label, row in rows.items()}
    assert value["Seed"] == "9223372036854775807"  # a float would say 9223372036854775808
    assert value["Command that reproduces the run"] == data["command"]
    assert value["Config hash"] == data["summary"]["config_hash"]
    assert value["Trials"] == data["summary"]["trials"]
    assert value["Created (UTC)"] == data["created"]
    assert value["Tool version"] == data["summary"]["version"]


# -- formats, panes, widths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "prefix"), [("USD", "$"), ("EUR", "€"), ("GBP", "£"), ("JPY", "JPY "), ("CHF", "CHF ")]
)
def test_money_is_formatted_in_the_run_currency(tmp_path, code, prefix):
    assert currency_prefix(code) == prefix
    book = _write(tmp_path, pack(currency=code))
    summary = book["Summary"]
    row = _rows(summary)["NPV mean"]
    assert summary.cell(row, 2).number_format == f'"{prefix}"#,##0;-"{prefix}"#,##0'
    ws = book["Cash flow"]
    cost = _rows(ws)["Integration"]
    assert ws.cell(cost, 5).number_format.startswith(f'("{prefix}"#,##0)')  # costs in parentheses


def test_percentages_are_fractions_with_a_percent_format(usd):
    data, book = usd
    ws = book["Summary"]
    rows = _rows(ws)
    cell = ws.cell(rows["P(NPV > 0)"], 2)
    assert (
        cell.value == data["summary"]["probabilities"]["npv_positive"]
        and cell.number_format == "0.00%"
    )
    assert ws.cell(rows["ROI P50 (median)"], 2).number_format == "0.0%"
    assert ws.cell(rows["Payback median (months)"], 2).number_format == "0.0"
    flows = book["Cash flow"]
    net = max(r for r in range(1, flows.max_row + 1) if flows.cell(r, 1).value == "Net benefits")
    assert flows.cell(net, 5 + len(data["tei"]["columns"])).number_format == "0.0%"


def test_every_sheet_has_frozen_header_rows(usd, tmp_path):
    book = _write(tmp_path, pack(comparison="scenarios"), trials=trials_columns(20))
    for ws in book:
        assert ws.freeze_panes is not None, ws.title
        frozen = openpyxl.utils.cell.coordinate_to_tuple(ws.freeze_panes)[0] - 1
        header = ws.cell(frozen, 1).value
        assert (
            header in ("Figure", "Line", "Input", "Percentile", "A", "Item", "Trial")
            or ws.title == "Sensitivity"
        ), (
            ws.title,
            header,
        )


def test_columns_are_wide_enough_for_their_numbers(eur):
    _, book = eur
    for name in ("Summary", "Cash flow", "Assumptions", "Percentiles"):
        ws = book[name]
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, float) or "#,##0" not in cell.number_format:
                    continue
                shown = len(f"{abs(cell.value):,.0f}") + 3  # the symbol and a sign or parentheses
                width = ws.column_dimensions[cell.column_letter].width
                assert width >= shown, (name, cell.coordinate, cell.value, width)


def _all_cells(book):
    for ws in book:
        for row in ws.iter_rows():
            yield from row


def _clean_cells_checks(path: Path, book) -> None:
    """Numbers and strings only: no error, formula, NaN or infinity anywhere."""
    for cell in _all_cells(book):
        assert cell.data_type in ("n", "s"), (cell.coordinate, cell.data_type)
        if isinstance(cell.value, str):
            assert cell.value not in ERRORS
        if isinstance(cell.value, float):
            assert math.isfinite(cell.value)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), name


def test_no_formulas_no_error_cells_no_nan(eur, tmp_path):
    for i, data in enumerate(
        (eur[0], pack(never_pays_back=True, huge_tail=True, comparison="scenarios"))
    ):
        folder = tmp_path / str(i)
        book = _write(folder, data, trials=trials_columns(30))
        _clean_cells_checks(folder / "report.xlsx", book)


def test_a_project_that_never_pays_back_leaves_payback_cells_empty(tmp_path):
    data = pack(never_pays_back=True)
    assert data["summary"]["metrics"]["payback_months"]["p50"] is None
    book = _write(tmp_path, data)
    ws = book["Summary"]
    rows = _rows(ws)
    row = rows["Payback median (months)"]
    assert ws.cell(row, 2).value is None
    assert "beyond the horizon" in ws.cell(row, 7).value
    flows = book["Cash flow"]
    assert flows.cell(_rows(flows)["Payback (months)"], 9).value is None  # deterministic
    assert data["summary"]["probabilities"]["npv_positive"] < 0.5


def test_a_huge_right_tail_keeps_the_histogram_readable(tmp_path):
    data = pack(huge_tail=True)
    bins = npv_bins(data["charts"]["npv_quantiles"])
    assert len(bins) <= 40
    assert bins[-1][1] is None and bins[-1][2] > 0  # the tail beyond P99.5, in one bin
    _write(tmp_path, data)


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://example.com","x")',
        "<script>alert(1)</script> & <b>",
        "<r>1 < 2</r>",  # XlsxWriter would copy this into the XML as rich-text markup
        "+SUM(A1:A2)",
        "@cmd|' /C calc'!A0",
        "",
    ],
)
def test_a_name_is_text_never_a_formula_or_markup(tmp_path, name):
    book = _write(tmp_path, pack(name=name))
    cell = book["Summary"]["A1"]
    assert cell.value == (name or "(no name)") and cell.data_type == "s"
    assert book["Provenance"].cell(_rows(book["Provenance"])["Name"], 2).value == (name or None)


def test_unprintable_characters_in_text_become_replacement_characters(tmp_path):
    book = _write(tmp_path, pack(name="a\x01b\x1fc\ud800d\ufffee\tf"))
    assert book["Summary"]["A1"].value == "a\ufffdb\ufffdc\ufffdd\ufffde\tf"


def test_text_beyond_excel_cell_limit_is_cut_with_an_ellipsis(tmp_path):
    data = pack()
    data["assumptions"][0]["note"] = "n" * 40_000
    ws = _write(tmp_path, data)["Assumptions"]
    _, cols = _header(ws, "Input")
    note = ws.cell(_rows(ws)[data["assumptions"][0]["name"]], cols["Note"]).value
    assert len(note) == 32_767 and note.endswith("…")


# -- Trials ----------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [8192, 7])  # 7: chunks of rows that end mid-sheet
def test_trials_sheet_holds_every_value_and_empty_cells_for_nan_and_inf(
    tmp_path, monkeypatch, chunk
):
    monkeypatch.setattr(xlsx_module, "_TRIAL_CHUNK", chunk)
    columns = trials_columns(200)
    ws = _write(tmp_path, pack(), trials=columns)["Trials"]
    names = list(columns)
    assert [ws.cell(1, c).value for c in range(1, len(names) + 2)] == ["Trial", *names]
    assert ws.max_row == 201
    for j, name in enumerate(names, start=2):
        values = [ws.cell(r, j).value for r in range(2, 202)]
        assert all(_close(v, x) for v, x in zip(values, columns[name], strict=True)), name
    assert [ws.cell(r, 1).value for r in (2, 201)] == [1, 200]
    assert ws.cell(3, names.index("npv") + 2).number_format.startswith('"$"#,##0')
    assert ws.cell(3, names.index("roi") + 2).number_format == "0.0%"
    assert ws.cell(3, names.index("payback_months") + 2).number_format == "0.0"
    assert ws.cell(2, names.index("roi") + 2).value is None  # NaN: an empty cell
    assert np.isnan(columns["roi"][0])
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == f"A1:{chr(ord('A') + len(names))}201"


def test_more_trials_than_excel_rows_are_refused_before_anything_is_written(tmp_path):
    n = MAX_TRIAL_ROWS + 1
    with pytest.raises(ConfigError, match="1,048,575") as info:
        write_xlsx(tmp_path, pack(), {"npv": np.zeros(n)})
    assert "1,048,576 trials" in str(info.value) and "--samples" in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("trials", "message"),
    [
        ({}, "no per-trial arrays"),
        ({"a": np.zeros(3), "b": np.zeros(4)}, "equally long"),
        ({"a": np.zeros((2, 2))}, "one-dimensional"),
    ],
)
def test_malformed_trials_are_refused(tmp_path, trials, message):
    with pytest.raises(ConfigError, match=message):
        write_xlsx(tmp_path, pack(), trials)
    assert list(tmp_path.iterdir()) == []


# -- writing -----------------------------------------------------------------------------------


def test_the_workbook_is_written_atomically_and_nothing_else_is_left(tmp_path, monkeypatch):
    data = pack()
    write_xlsx(tmp_path, data)
    before = (tmp_path / "report.xlsx").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(xlsx_module, "scenarios_sheet", broken)
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(RuntimeError):
        write_xlsx(tmp_path, pack(currency="EUR", comparison="scenarios"))
    gc.collect()  # a scratch file left open would warn now (ResourceWarning, an error here)
    assert not unraisable, [u.exc_value for u in unraisable]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]
    assert (tmp_path / "report.xlsx").read_bytes() == before


def test_a_write_failure_is_an_oserror(tmp_path, monkeypatch):
    from xlsxwriter.exceptions import FileCreateError
    from xlsxwriter.workbook import Workbook

    def full(self):
        raise FileCreateError(OSError(28, "No space left on device"))

    monkeypatch.setattr(Workbook, "close", full)
    with pytest.raises(OSError, match="No space left"):
        write_xlsx(tmp_path, pack())
    assert list(tmp_path.iterdir()) == []


def test_the_same_data_gives_the_same_bytes(tmp_path):
    data = pack(comparison="overlay")
    for name in "ab":
        (tmp_path / name).mkdir()
    first = write_xlsx(tmp_path / "a", data).read_bytes()
    assert write_xlsx(tmp_path / "b", data).read_bytes() == first


def test_charts_read_the_tables_beside_them(usd):
    _, book = usd
    histogram = book["Percentiles"]._charts
    tornado = book["Sensitivity"]._charts
    assert len(histogram) == 1 and len(tornado) == 1
    refs = [s.val.numRef.f for s in histogram[0].series]
    assert refs[0].startswith("Percentiles!$K$") and refs[1].startswith("Percentiles!$L$")
    refs = [s.val.numRef.f for s in tornado[0].series]
    assert refs[0].startswith("Sensitivity!$J$") and refs[1].startswith("Sensitivity!$K$")


# -- the binning and the grid ------------------------------------------------------------------


def test_grid_percentile_interpolates_between_levels():
    grid = [0.0, 10.0, 20.0, 30.0]  # levels 0.125, 0.375, 0.625, 0.875
    assert grid_percentile(grid, 50) == 15.0
    assert grid_percentile(grid, 1) == 0.0 and grid_percentile(grid, 99) == 30.0
    assert grid_percentile([None, 1.0, 2.0, 3.0], 20) is None
    assert grid_percentile([], 50) is None


def test_a_constant_npv_is_one_bin():
    for value in (5.0, -2.5e6, 0.0):
        ((lo, hi, share),) = npv_bins([value] * 11)
        assert lo <= value < hi and share == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=300),
    st.sampled_from([1.0, 1e-3, 1e4]),
)
def test_bins_cover_the_grid_once_and_never_straddle_zero(values, scale):
    grid = sorted(v * scale for v in values)
    bins = npv_bins(grid)
    assert math.isclose(sum(b[2] for b in bins), 1.0)
    assert all(b[0] is None or b[1] is None or b[0] < b[1] for b in bins)
    for (_, hi, _), (lo, _, _) in itertools.pairwise(bins):
        assert hi == lo  # contiguous
    for lo, hi, _ in bins:
        assert not ((lo is None or lo < 0) and (hi is None or hi > 0)) or (
            lo is None and hi is None
        )
    assert len(bins) <= 2 * 30 + 6


# -- real runs: pack_data of simulate.run, through report_data.json's JSON -----------------------

_AHT = Path(__file__).resolve().parent.parent / "configs" / "contact_center_aht.yaml"
_NEVER = """
name: '=1+2 <script>alert(1)</script> never pays back'
currency: GBP
horizon_months: 24
priors:
  seconds_saved: {dist: pert, min: 1, mode: 2, max: 4}
benefits:
  - {type: handle_time, contacts_per_month: 1000, seconds_saved: seconds_saved, cost_per_hour: 40}
costs:
  - {type: one_time, amount: 2000000, scale: {dist: pert, min: 0.95, mode: 1.05, max: 1.6}}
"""


def _real_config(tmp_path: Path, case: str) -> Path:
    if case == "example":
        return _AHT
    text = _AHT.read_text(encoding="utf-8")
    if case == "eur-600-months":
        text = text.replace("currency: USD", "currency: EUR").replace(
            "horizon_months: 36", "horizon_months: 600"
        )
    else:
        text = _NEVER
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["example", "eur-600-months", "never-pays-back"])
def test_a_real_run_audits_against_its_report_data(tmp_path, case):
    import json

    import simulate
    from simulate.files import dumps
    from simulate.report.data import pack_data

    model = simulate.load_config(_real_config(tmp_path, case))
    result = simulate.run(model, trials=2000, seed=11)
    data = json.loads(dumps(pack_data(result)))  # as report_data.json holds it
    folder = tmp_path / "out"
    book = _write(folder, data)
    _statistics_checks(data, book)
    _cash_flow_checks(data, book)
    _percentile_checks(data, book)
    _clean_cells_checks(folder / "report.xlsx", book)
    assert book["Summary"]["A1"].value == model.name
    prefix = {"example": "$", "eur-600-months": "€", "never-pays-back": "£"}[case]
    assert (
        book["Summary"]
        .cell(_rows(book["Summary"])["NPV mean"], 2)
        .number_format.startswith(f'"{prefix}"')
    )
    sheet = book["Assumptions"]
    shown = {sheet.cell(r, 15).value: sheet.cell(r, 1).value for r in range(1, 40)}
    # each input by its label, its name in the config in the last column
    assert all(shown[item["name"]] == item["label"] for item in data["assumptions"])


# -- texts Excel would read as formulas: the quote prefix ---------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_INJECTED = """
name: '=HYPERLINK("http://example.com","x")'
description: '+description'
horizon_months: 24
priors:
  saved: {dist: pert, min: 30, mode: 60, max: 80, label: '=seconds saved', source: '=1+2',
          note: '@SUM(A1:A2)'}
  pilot: {dist: bernoulli, p: 0.8, label: '-pilot passes', source: "\tvendor"}
benefits:
  - {type: handle_time, name: '=Calls', contacts_per_month: 20000, seconds_saved: saved,
     cost_per_hour: 48}
  - {type: recurring, name: Other, label: '@Other label', amount: 1000}
costs:
  - {type: recurring, name: '+Licence', amount: 9000}
  - {type: one_time, name: '-Build', amount: 300000}
gates:
  - {name: '@go-live review', month: 6, continue_if: pilot}
"""


def _quote_prefixed(path: Path) -> dict[tuple[str, str], bool]:
    """Whether each cell's style (its cellXfs entry in styles.xml) has quotePrefix="1", by
    (sheet name, cell reference): read from the workbook's XML, not through a reader."""
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
        xfs = [xf.get("quotePrefix") == "1" for xf in styles.find(f"{main}cellXfs")]
        targets = {
            r.get("Id"): r.get("Target")
            for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        }
        out = {}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).iter(f"{main}sheet"):
            xml = ET.fromstring(z.read("xl/" + targets[sheet.get(rel)].removeprefix("/xl/")))
            for c in xml.iter(f"{main}c"):
                out[(sheet.get("name"), c.get("r"))] = xfs[int(c.get("s", 0))]
    return out


def test_texts_that_excel_would_read_as_formulas_keep_the_quote_prefix(tmp_path):
    """A config's name, a line's name or label, a prior's label, source and note, a gate's
    name that starts with = + - @ or a tab is a text cell with Excel's quote prefix (shown as
    written, kept as text when the cell is edited or the sheet saved as CSV), in its own
    format otherwise; numbers, negative ones too, stay numbers without it."""
    import json

    import simulate
    from simulate.files import dumps
    from simulate.report.data import pack_data

    config = tmp_path / "injected.yaml"
    config.write_text(_INJECTED, encoding="utf-8")
    model = simulate.load_config(config)
    data = json.loads(dumps(pack_data(simulate.run(model, trials=2000, seed=3))))
    folder = tmp_path / "out"
    book = _write(folder, data)
    quoted = _quote_prefixed(folder / "report.xlsx")
    texts = {}
    numbers = []
    for ws in book:
        for cell in itertools.chain.from_iterable(ws.iter_rows()):
            if cell.value is None:
                continue
            assert quoted[(ws.title, cell.coordinate)] == cell.quotePrefix  # openpyxl agrees
            if isinstance(cell.value, str):
                texts.setdefault(cell.value, []).append(cell)
                # every text that starts like a formula has the prefix, and only those
                assert cell.quotePrefix == cell.value.startswith(_FORMULA_START), cell.value
                assert cell.data_type == "s"
            else:
                numbers.append(cell)
    for text in (
        '=HYPERLINK("http://example.com","x")',  # Summary's title, Provenance's name
        "+description",
        "=seconds saved",
        "=1+2",
        "@SUM(A1:A2)",
        "-pilot passes",
        "\tvendor",
        "=Calls",
        "@Other label",
        "+Licence",
        "-Build",
        "@go-live review",
    ):
        assert text in texts, text
    assert numbers and any(c.value < 0 for c in numbers)  # the NPV's lower percentiles
    assert not any(c.quotePrefix for c in numbers)
    assert all(c.data_type == "n" for c in numbers)
    # the quoted cells keep their format: the bold title, the wrapped sources
    title = book["Summary"]["A1"]
    assert title.font.b and title.font.sz == 14 and title.quotePrefix
    assert all(c.alignment.wrap_text for c in texts["=1+2"] + texts["@SUM(A1:A2)"])


def test_the_quote_prefixed_formats_are_made_once_per_format(tmp_path):
    """Many such texts in one format share one quoted variant of it (not one per cell), which
    differs from the format only by the prefix."""
    data = pack(name="=1+2", n_inputs=20)
    for i, item in enumerate(data["assumptions"]):
        item["source"] = f"=SUM(A{i}:B{i})" if i % 2 else f"survey {i}"
    folder = tmp_path / "out"
    book = _write(folder, data)
    ws = book["Assumptions"]
    _, cols = _header(ws, "Input")
    rows = [_rows(ws)[item["name"]] for item in data["assumptions"]]
    sources = [ws.cell(r, cols["Source"]) for r in rows]
    quoted, plain = sources[1::2], sources[::2]
    assert all(c.quotePrefix and c.value.startswith("=SUM(") for c in quoted)
    assert not any(c.quotePrefix for c in plain)
    assert len({c.style_id for c in quoted}) == 1
    for attribute in ("font", "alignment", "border", "fill", "number_format"):
        assert repr(getattr(quoted[0], attribute)) == repr(getattr(plain[0], attribute)), attribute
    with zipfile.ZipFile(folder / "report.xlsx") as z:
        assert z.read("xl/styles.xml").count(b'quotePrefix="1"') <= 3  # the title, the name, this


# -- a second opinion: LibreOffice --------------------------------------------------------------


def test_libreoffice_reads_the_workbook_as_written(usd, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: no second opinion on the workbook")
    data = usd[0]
    folder = tmp_path / "lo"
    folder.mkdir()
    write_xlsx(folder, data)
    env = {**os.environ, "HOME": str(tmp_path)}  # a profile of its own, not the user's
    # Every sheet to its own CSV (-1), numbers as shown (true).
    filter_ = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run(
        [
            soffice,
            "--headless",
            "--convert-to",
            filter_,
            "--outdir",
            str(folder),
            str(folder / "report.xlsx"),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=180,
    )
    files = {p.stem.removeprefix("report-"): p for p in folder.glob("report-*.csv")}
    assert set(files) == set(SHEETS)
    summary = list(csv.reader(files["Summary"].read_text(encoding="utf-8").splitlines()))
    row = next(r for r in summary if r and r[0] == "NPV P50 (median)")
    assert row[1] == f"${data['summary']['metrics']['npv']['p50']:,.0f}"
    for path in files.values():
        text = path.read_text(encoding="utf-8")
        assert not any(e in text for e in (*ERRORS, "Err:")), path.name


# -- the Frontier sheet ---------------------------------------------------------------------------


def test_the_frontier_sheet_holds_the_table_the_grids_and_a_chart_of_the_lines(tmp_path):
    """A run with the frontier (``simulate report CONFIG`` computes it) gets a Frontier sheet."""
    import json

    from test_frontier import linear_config

    import simulate
    from simulate.config import model_from_dict
    from simulate.files import dumps
    from simulate.report.data import pack_data
    from simulate.sensitivity.analysis import analyze

    model = model_from_dict(linear_config())
    result = simulate.run(model, trials=1500, seed=3, keep_inputs=True)
    sens = analyze(model, result, methods=("tornado", "frontier"), frontier_pair=("a", "b"),
                   frontier_grid=9, warn=False)  # fmt: skip
    data = json.loads(dumps(pack_data(result, sensitivity=sens)))
    book = _write(tmp_path / "out", data)
    assert book.sheetnames.index("Frontier") == book.sheetnames.index("Sensitivity") + 1
    ws = book["Frontier"]
    block = data["drivers"]["frontier"]
    head, cols = _header(ws, "Quantile")
    assert list(cols)[:2] == ["Quantile", "Benefit A"]
    assert list(cols)[2] == "Benefit B (at least) for NPV = 0, others at median"
    for i, row in enumerate(block["table"]["rows"], start=1):
        assert ws.cell(head + i, 1).value == f"P{round(row['quantile'] * 100)}"
        assert _close(ws.cell(head + i, 2).value, row["value"])
        for j, cell in enumerate(row["cells"], start=3):
            shown = ws.cell(head + i, j).value
            if len(cell["values"]) == 1:
                assert _close(shown, cell["values"][0])
            else:
                assert shown == {"everywhere": "any value",
                                 "nowhere": "out of range"}[cell["reached"]]  # fmt: skip
    # P50 of a (1,500): b = 1,000 brings NPV to 0 (test_frontier's linear case)
    assert ws.cell(head + 2, 3).value == pytest.approx(1000.0, abs=1e-6)
    rows = _rows(ws)
    grid_head = rows["Base-case NPV (the other inputs at their medians)"]
    xs, ys = block["inputs"][0]["values"], block["inputs"][1]["values"]
    assert all(_close(ws.cell(grid_head + 2, 2 + i).value, x) for i, x in enumerate(xs))
    for j, y in enumerate(ys):
        assert _close(ws.cell(grid_head + 3 + j, 1).value, y)
        assert all(
            _close(ws.cell(grid_head + 3 + j, 2 + i).value, block["npv"][i][j])
            for i in range(len(xs))
        )
    with zipfile.ZipFile(tmp_path / "out" / "report.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        scatter = [n for n in charts if b"<c:scatterChart>" in z.read(n)]
    assert len(scatter) == 1  # the lines, the box and the base case
    # the zero line's points are on the sheet, as the chart draws them
    points = rows["The lines' points (first input, second input)"]
    names = [ws.cell(points + 1, c).value for c in range(1, ws.max_column + 1, 2)]
    assert "NPV = 0, others at median" in names and "Base case (medians)" in names
    # the P(NPV > 0) grid: each cell with the decimals it needs, never a false 0% or 100%
    block["probability"][0][0], block["probability"][1][0] = 0.99996, 0.00004
    ws = _write(tmp_path / "near", data)["Frontier"]
    p_head = _rows(ws)["P(NPV > 0) (the other inputs uncertain)"]
    for j in range(len(ys)):
        for i in range(len(xs)):
            cell = ws.cell(p_head + 3 + j, 2 + i)
            assert _close(cell.value, block["probability"][i][j])
            if 0 < cell.value < 1:
                assert _shown(cell) not in ("0.0%", "100.0%", "0.00%", "100.00%")
    assert [_shown(ws.cell(p_head + 3, 2 + i)) for i in (0, 1)] == ["99.996%", "0.004%"]


# -- probabilities near 0 and 1 ------------------------------------------------------------------


def _shown(cell) -> str:
    """The percentage Excel shows for a cell: its value rounded half up at its format's decimals."""
    from decimal import ROUND_HALF_UP, Decimal

    fmt = cell.number_format
    assert re.fullmatch(r"0(\.0+)?%", fmt), fmt
    decimals = len(fmt) - 2 - (1 if "." in fmt else 0)
    pct = Decimal(repr(cell.value)) * 100
    return f"{pct.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)}%"


def test_a_probability_near_an_end_shows_the_digits_it_needs_never_100_percent(tmp_path):
    # 0.99996 in a "0.00%" cell reads 100.00% in Excel: a false certainty
    data = pack(comparison="scenarios")
    p = data["summary"]["probabilities"]
    p.update(payback_within_target=0.99996, roi_at_least_target=0.00004, npv_positive=0.9995)
    p["npv_positive_se"] = 0.0001
    data["comparison"]["rows"][0].update(p_a_beats_b=0.99997, p_b_beats_a=0.00003)
    book = _write(tmp_path, data)
    ws = book["Summary"]
    _, cols = _header(ws, "Figure")
    rows = _rows(ws)
    for label in ("P(payback within 18 months)", "P(ROI at least 50%)", "P(NPV > 0)"):
        for col in ("Estimate", "95% interval: low", "high"):
            cell = ws.cell(rows[label], cols[col])
            if cell.value is not None and 0 < cell.value < 1:
                assert _shown(cell) not in ("0.00%", "100.00%", "0.000%", "100.000%"), (label, col)
    assert _shown(ws.cell(rows["P(payback within 18 months)"], cols["Estimate"])) == "99.996%"
    assert _shown(ws.cell(rows["P(ROI at least 50%)"], cols["Estimate"])) == "0.004%"
    assert _shown(ws.cell(rows["P(NPV > 0)"], cols["Estimate"])) == "99.95%"  # two are enough
    assert ws.cell(rows["P(payback within the horizon)"], cols["Estimate"]).number_format == "0.00%"
    scenarios = book["Scenarios"]
    head, cols = _header(scenarios, "A")
    shown = [_shown(scenarios.cell(head + 1, cols[c])) for c in ("P(A beats B)", "P(B beats A)")]
    assert shown == ["99.997%", "0.003%"]
    assert scenarios.cell(head + 3, cols["P(A beats B)"]).number_format == "0.00%"  # 0.61
