"""The comparison charts of a batch: scenarios of one config, and the portfolio.

Only finished numbers go to :mod:`simulate.plotting`; it is imported inside
each function so that a batch without charts never imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..compare import cdf_points

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


def draw_portfolio(
    out: Path, rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any], formats
) -> list[Path]:
    """Risk-return charts of every successful row, one per currency (with two rows or more)."""
    from .. import plotting  # matplotlib: only when charts are asked for

    ok = [r for r in rows if r["status"] == "ok"]
    written: list[Path] = []
    currencies = sorted({r["currency"] for r in ok})
    for cur in currencies:
        mine = [r for r in ok if r["currency"] == cur]
        if len(mine) < 2:
            continue
        points = [
            plotting.PortfolioPoint(
                label=r["name"],
                group=r["config"],
                npv_mean=r["npv_mean"],
                prob_loss=1.0 - r["prob_npv_positive"],
                scenario=r["scenario"],
            )
            for r in mine
        ]
        trials = sorted({r["trials"] for r in mine})
        pmeta = plotting.PortfolioMeta(
            name="Portfolio: risk and return",
            currency=cur,
            version=str(meta.get("version", "")),
            runs=len(points),
            trials=trials[0] if len(trials) == 1 else None,
            root_seed=meta.get("root_seed"),
        )
        fig = plotting.risk_return(points, pmeta)
        name = "risk_return" if len(currencies) == 1 else f"risk_return--{cur}"
        written += plotting.save(fig, out / "figures" / name, formats)
    return written
