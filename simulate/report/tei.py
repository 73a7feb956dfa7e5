"""The TEI-style financial table: each line's cash flow by year, every cell a distribution.

A Forrester TEI study prints one row per benefit and cost line and one
column per year (Initial, Year 1..N, Total, Present value), each cell a
single number with a hand-set risk haircut. Here each cell is the
distribution of that line's flow over the run's trials (P10, P50, P90,
mean), beside the deterministic case (every input at its median), so the
haircut is derived from the priors (docs/model.md section 10).

The kernel's maths is not touched: the run's own kernel pass keeps each
line's flows per column for the first trials (``Result.line_flows``, see
:func:`simulate.kernel.cashflow._keep_line_flows`): the flow of month 0, the
differences of the line's cumulative flow at months 12, 24, ..., its total
and its PV, the bits a one-line model's cumulative net path and PV give.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import numpy as np

from .. import _pool
from ..engine import Result, evaluate
from ..files import finite_or_none
from ..kernel.tables import CELL_BUDGET, Tables, kernel_tables, line_flow_trials, year_edges
from ..metrics import percentiles
from ..sampling import iter_chunks
from ..sensitivity.oat import base_case
from .tei_rows import risk_adjustment

__all__ = ["CELL_BUDGET", "QUANTILES", "tei_columns", "tei_table", "trials_for_table", "year_edges"]

# The quantiles each cell reports (besides its mean).
QUANTILES = (10, 50, 90)
_ROW_KINDS = ("benefit", "total_benefits", "cost", "total_costs", "net_benefits")


def tei_columns(horizon_months: int) -> list[str]:
    """``Initial``, ``Year 1`` .. ``Year N``, ``Total``, ``Present value``.

    A last year shorter than 12 months says which months it covers:
    ``Year 6 (months 61-66)``, ``Year 1 (month 1)``.
    """
    edges = year_edges(horizon_months)
    names = ["Initial"]
    for k in range(1, edges.size):
        first, last = int(edges[k - 1]) + 1, int(edges[k])
        partial = last - first + 1 < 12
        span = f"month {first}" if first == last else f"months {first}-{last}"
        names.append(f"Year {k} ({span})" if partial else f"Year {k}")
    return [*names, "Total", "Present value"]


def trials_for_table(trials: int, horizon_months: int, n_lines: int) -> int:
    """How many of the run's first trials the table uses: all, unless that passes
    :data:`CELL_BUDGET` (trials x months, or trials x rows x columns); a run
    keeps the line flows of as many (:func:`simulate.kernel.tables.line_flow_trials`)."""
    return line_flow_trials(trials, horizon_months, n_lines, CELL_BUDGET)


def _draws(result: Result, n: int) -> Iterator[tuple[int, np.ndarray]]:
    """The run's draws of its first ``n`` trials, chunk by chunk: kept, or drawn again."""
    if result.inputs is not None:
        yield 0, result.inputs[:, :n]
        return
    model = result.model
    chunks = iter_chunks(model, result.trials, result.seed, result.sampling, result.chunk_size,
                         result.batch_size)  # fmt: skip
    for start, inputs in chunks:
        if start >= n:
            break
        yield start, inputs[:, : n - start]


def _line_flows(result: Result, n: int, tables: Tables) -> tuple[np.ndarray, np.ndarray]:
    """Each line's flows per column: ``(lines, columns, n)`` for the first ``n``
    trials, and ``(lines, columns)`` for the deterministic case.

    The run's kernel pass keeps them (``Result.line_flows``); a run made
    without them (or with fewer trials kept) gets one more kernel pass over
    its draws, without IRR or paths. The deterministic case (every input at
    its median) is one more trial.
    """
    model = result.model
    n_cols = len(tei_columns(model.horizon_months))
    with np.errstate(over="ignore", invalid="ignore"):
        det = np.empty((len(model.lines), n_cols, 1))
        evaluate(model, base_case(model)[:, None], with_irr=False, tables=tables, line_flows=det)
        kept = result.line_flows
        if kept is not None and kept.shape[2] >= n:
            return kept[:, :, :n], det[:, :, 0]
        cells = np.empty((len(model.lines), n_cols, n))
        for start, inputs in _draws(result, n):
            evaluate(model, inputs, with_irr=False, tables=tables, line_flows=cells, flows_at=start)
    return cells, det[:, :, 0]


def _cell(x: np.ndarray) -> dict[str, float | None]:
    """P10, P50, P90 and mean of one cell's values over the trials."""
    lo, hi = x.min(), x.max()
    if lo == hi:  # a fixed flow (often 0): exactly its value, with no sort
        p10 = p50 = p90 = mean = lo
    else:
        p10, p50, p90 = percentiles(x, QUANTILES)
        mean = x.mean()
    return {
        "p10": finite_or_none(p10),
        "p50": finite_or_none(p50),
        "p90": finite_or_none(p90),
        "mean": finite_or_none(mean),
    }


def _submit_cells(pool: _pool.Executor, values: np.ndarray) -> list[Future]:
    """:func:`_cell` of each row of ``(cells, n)`` values, submitted to ``pool``."""
    return [pool.submit(_cell, row) for row in values]


def _totals(lines: np.ndarray, kinds: list[str]) -> dict[str, np.ndarray]:
    """Total benefits, total costs and net benefits over the first axis of ``lines``."""
    tb = _sum_rows(lines, [i for i, k in enumerate(kinds) if k == "benefit"])
    tc = _sum_rows(lines, [i for i, k in enumerate(kinds) if k == "cost"])
    return {"total_benefits": tb, "total_costs": tc, "net_benefits": tb - tc}


def _sum_rows(lines: np.ndarray, rows: list[int]) -> np.ndarray:
    """``lines[rows].sum(axis=0)``, added row after row in the same order (the same bits),
    without the copy of every row that ``lines[rows]`` makes (40 ms at 100k trials)."""
    total = lines[rows[0]].copy() if rows else np.zeros(lines.shape[1:])
    for i in rows[1:]:
        total += lines[i]
    return total


def tei_table(result: Result) -> dict[str, Any]:
    """The ``tei`` block of report_data.json (docs/report-data.md) for a run.

    Rows: each benefit line, total benefits, each cost line, total costs, net
    benefits. Columns: :func:`tei_columns`. Each cell holds the P10, P50, P90
    and mean over the trials used (the first :func:`trials_for_table` of the
    run; all of them unless the run is huge), costs as positive amounts; each
    row also has its deterministic flows and implied risk adjustment. The
    totals' present values are the run's own ``pv_benefits``, ``pv_costs``
    and ``npv``, so they match summary.json. ``roi`` and ``payback_months``
    are over all the run's trials, as in summary.json.
    """
    model = result.model
    tables = kernel_tables(model)
    n = trials_for_table(result.trials, model.horizon_months, len(model.lines))
    per_trial, det_lines = _line_flows(result, n, tables)
    kinds = [line.kind for line in model.lines]
    # Every cell's partition in the pool at once; the totals are summed here meanwhile.
    pool = _pool.executor(n, len(model.lines) * per_trial.shape[1])
    line_cells = [_submit_cells(pool, per_trial[i]) for i in range(len(model.lines))]
    totals = _totals(per_trial, kinds)
    totals["total_benefits"][-1] = result.pv_benefits[:n]
    totals["total_costs"][-1] = result.pv_costs[:n]
    totals["net_benefits"][-1] = result.npv[:n]
    with np.errstate(over="ignore", invalid="ignore"):
        whole = evaluate(model, base_case(model)[:, None], with_irr=False, tables=tables)
    det_totals = _totals(det_lines, kinds)
    det_totals["total_benefits"][-1] = whole.pv_benefits[0]
    det_totals["total_costs"][-1] = whole.pv_costs[0]
    det_totals["net_benefits"][-1] = whole.npv[0]

    total_rows = (
        ("total_benefits", "Total benefits"),
        ("total_costs", "Total costs"),
        ("net_benefits", "Net benefits"),
    )
    total_cells = [_submit_cells(pool, totals[kind]) for kind, _ in total_rows]
    rows = []
    for i, line in enumerate(model.lines):
        rows.append(_row(line.name, line.kind, line.type, line.path, line_cells[i], det_lines[i]))
    for (kind, name), cells in zip(total_rows, total_cells, strict=True):
        rows.append(_row(name, kind, None, None, cells, det_totals[kind]))
    rows.sort(key=lambda r: _ROW_KINDS.index(r["kind"]))  # stable: lines keep config order
    summary = result.summary()["metrics"]
    return {
        "columns": tei_columns(model.horizon_months),
        "trials_used": n,
        "trials": result.trials,
        "rows": rows,
        "roi": {
            **{k: summary["roi"][k] for k in ("p10", "p50", "p90", "mean")},
            "deterministic": finite_or_none(whole.roi[0]),
        },
        "payback_months": {
            **{k: summary["payback_months"][k] for k in ("p10", "p50", "p90")},
            "deterministic": finite_or_none(whole.payback_months[0]),
        },
    }


def _row(name, kind, line_type, path, jobs: list[Future], det: np.ndarray) -> dict[str, Any]:
    cells = _pool.results(jobs)
    return {
        "name": name,
        "kind": kind,
        "type": line_type,
        "path": path,
        "cells": cells,
        "deterministic": [finite_or_none(v + 0.0) for v in det],
        "risk_adjustment": risk_adjustment(kind, cells[-1]["mean"], float(det[-1])),
    }
