"""The TEI table's rows without the kernel: the implied risk adjustment, and the printed page's rows.

:mod:`simulate.report.tei` computes the table from a run (and imports the
kernel); :mod:`simulate.report.page` only puts it into words. Both need the
risk adjustment's definition, and the page needs what two printed pages can
hold: the screen shows every line, but a config of 30 lines printed the
table over more than a page (the pack promises two pages in all). In print
the largest lines keep their rows and the others of each kind are summed
into one row, "18 other benefit lines": report.xlsx has every line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

# Line rows (benefits and costs) the printed table keeps, the largest by mean PV.
PRINT_LINES = 12


def risk_adjustment(kind: str, mean_pv: float | None, det_pv: float | None) -> float | None:
    """The haircut the priors imply (docs/model.md section 10); None without a base."""
    if mean_pv is None or det_pv is None or det_pv == 0 or not math.isfinite(det_pv):
        return None
    if kind in ("cost", "total_costs"):
        return mean_pv / det_pv - 1.0  # > 0: costs run higher than the plan
    return (det_pv - mean_pv) / abs(det_pv)  # > 0: benefits come in lower than the plan


def printed_lines(rows: Sequence[Mapping[str, Any]]) -> tuple[set[int], dict[int, dict]]:
    """The line rows print leaves out, and the rows summing them, by the row they follow.

    The :data:`PRINT_LINES` largest lines by absolute mean PV are printed as
    they are; of each kind, the rest become one row placed after that kind's
    last line. A single line left over prints as itself: "1 other cost line"
    would take its row and say less.
    """
    lines = [i for i, r in enumerate(rows) if r["kind"] in ("benefit", "cost")]
    if len(lines) <= PRINT_LINES:
        return set(), {}

    def size(i: int) -> float:
        return abs(rows[i]["cells"][-1].get("mean") or 0.0)

    kept = set(sorted(lines, key=lambda i: -size(i))[:PRINT_LINES])  # a stable sort: ties by order
    hidden: set[int] = set()
    folded: dict[int, dict] = {}
    for kind in ("benefit", "cost"):
        of_kind = [i for i in lines if rows[i]["kind"] == kind]
        rest = [i for i in of_kind if i not in kept]
        if len(rest) > 1:
            hidden.update(rest)
            folded[of_kind[-1]] = _summed(rows, rest, kind)
    return hidden, folded


def _total(values: Sequence[float | None]) -> float | None:
    return None if any(v is None for v in values) else float(sum(values))


def _summed(rows: Sequence[Mapping[str, Any]], idx: list[int], kind: str) -> dict[str, Any]:
    """One row for the lines ``idx``: the sums of their mean flows and deterministic flows.

    Only means add up (a sum of medians or of P10s means nothing), so the row
    has a mean in each cell and no percentiles; its risk adjustment is that
    of the summed mean PV against the summed deterministic PV.
    """
    columns = range(len(rows[idx[0]]["cells"]))
    means = [_total([rows[i]["cells"][c].get("mean") for i in idx]) for c in columns]
    dets = [rows[i].get("deterministic") or [] for i in idx]
    det = [_total([d[c] if c < len(d) else None for d in dets]) for c in columns]
    return {
        "name": f"{len(idx)} other {kind} lines",
        "kind": kind,
        "summed": True,
        "cells": [{"mean": m} for m in means],
        "deterministic": det,
        "risk_adjustment": risk_adjustment(kind, means[-1], det[-1]),
    }
