"""The comparison charts of a batch: scenarios of one config, and the portfolio.

Only finished numbers go to :mod:`simulate.plotting`; it is imported inside
each function so that a batch without charts never imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..compare import cdf_points
from ..files import replace_text
from .tables import csv_text
from .text import readable_seed

__all__ = ["draw_portfolio", "draw_scenarios"]


def draw_scenarios(
    path_without_suffix: Path,
    runs: Sequence[tuple[str, Mapping[str, Any], np.ndarray]],
    formats: Sequence[str],
    *,
    config_hash: str = "",
) -> list[Path]:
    """The overlaid NPV CDFs of one config's runs (``(folder, summary, npv)``), saved."""
    from .. import plotting  # matplotlib: only when charts are asked for

    curves = []
    for _, s, npv in runs:
        x, f = cdf_points(npv)
        curves.append((s["scenario"] or "as written", x, f, s["probabilities"]["npv_positive"]))
    first = runs[0][1]
    meta = plotting.ChartMeta.from_summary({**first, "scenario": None}, config_hash=config_hash)
    fig = plotting.scenario_cdfs(curves, meta)
    return plotting.save(fig, path_without_suffix, formats)


def _points(rows: Sequence[Mapping[str, Any]]) -> list:
    """The portfolio's points, one per run; a name two configs share gets the file's stem."""
    from .. import plotting  # matplotlib: only when charts are asked for

    names = {}
    for r in rows:
        names.setdefault(r["name"], set()).add(r["config"])
    return [
        plotting.PortfolioPoint(
            label=r["name"]
            if len(names[r["name"]]) == 1
            else f"{r['name']} ({Path(r['config']).stem})",
            group=r["config"],
            npv_mean=r["npv_mean"],
            prob_loss=1.0 - r["prob_npv_positive"],
            scenario=r["scenario"],
            investment=r.get("pv_costs_mean"),
            npv_p10=r["npv_p10"],
            npv_p50=r["npv_p50"],
            npv_p90=r["npv_p90"],
        )
        for r in rows
    ]


TABLE_COLUMNS = ("initiative", "config", "scenario", "named_on_chart", "prob_npv_positive",
                 "npv_mean", "npv_p10", "npv_p50", "npv_p90", "pv_costs_mean")  # fmt: skip


def _table_csv(path: Path, points: Sequence, named: set[str]) -> Path:
    """The portfolio table as CSV: every run, in order, and whether the chart names it."""
    rows = (
        [p.label, p.group, p.scenario, p.group in named, 1.0 - p.prob_loss, p.npv_mean,
         p.npv_p10, p.npv_p50, p.npv_p90, p.investment]
        for p in points
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_text(path, csv_text(TABLE_COLUMNS, rows))
    return path


def _by_investment(points: Sequence) -> list:
    """Largest investment first; runs without one last, in their order."""
    return sorted(points, key=lambda p: -(p.investment if p.investment is not None else -1e300))


def draw_portfolio(
    out: Path, rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any], formats
) -> list[Path]:
    """The portfolio's charts and table, one set per currency (with two successful runs or more).

    ``risk_return`` (expected NPV against P(loss), point area by investment,
    the largest investments named when there are many), ``npv_ranges`` (each
    initiative's P10-P90 as written, sorted by median), and the portfolio
    table: ``portfolio_table.csv`` (every run, and whether the risk-return
    chart names it) and, when some are not named, ``portfolio_table`` as a
    chart of those. Names get ``--<CURRENCY>`` when the configs use several.
    """
    from .. import plotting  # matplotlib: only when charts are asked for

    ok = [r for r in rows if r["status"] == "ok"]
    written: list[Path] = []
    currencies = sorted({r["currency"] for r in ok})
    for cur in currencies:
        mine = [r for r in ok if r["currency"] == cur]
        if len(mine) < 2:
            continue
        points = _points(mine)
        trials = sorted({r["trials"] for r in mine})
        pmeta = plotting.PortfolioMeta(
            name="Portfolio: risk and return",
            currency=cur,
            version=str(meta.get("version", "")),
            runs=len(points),
            trials=trials[0] if len(trials) == 1 else None,
            root_seed=readable_seed(meta) if meta.get("root_seed") is not None else None,
        )
        suffix = "" if len(currencies) == 1 else f"--{cur}"
        figures = out / "figures"
        named = set(plotting.named_groups(points))
        table = f"portfolio_table{suffix}"
        fig = plotting.risk_return(points, pmeta, table=f"{table}.csv")
        written += plotting.save(fig, figures / f"risk_return{suffix}", formats)
        as_written = [p for p in points if p.scenario is None]
        ranges_meta = replace(pmeta, name="Portfolio: NPV ranges", runs=len(as_written))
        fig = plotting.npv_ranges(as_written, ranges_meta)
        written += plotting.save(fig, figures / f"npv_ranges{suffix}", formats)
        ordered = _by_investment(points)
        written.append(_table_csv(figures / f"{table}.csv", ordered, named))
        rest = [p for p in ordered if p.group not in named]
        if rest:
            table_meta = replace(pmeta, name="Portfolio: the initiatives not named on the chart")
            fig = plotting.portfolio_table(rest, table_meta, subtitle=(
                f"{len(rest)} runs of the initiatives the risk-return chart does not name, "
                "largest investment first"))  # fmt: skip
            written += plotting.save(fig, figures / table, formats)
    return written
