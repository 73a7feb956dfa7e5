"""Rank correlation: Spearman's rho of each input with the metric over Monte Carlo samples."""

from __future__ import annotations

import numpy as np

from ..config import Model
from ..files import finite_or_none
from .labels import named

__all__ = ["rank_correlation"]


def rank_correlation(model: Model, inputs: np.ndarray, values: np.ndarray) -> list[dict]:
    """Spearman correlation of each input with ``values`` over Monte Carlo samples.

    ``inputs`` is a run's ``(k, n)`` matrix of draws and ``values`` the metric
    per trial (NaN trials, such as an undefined ROI, are left out; a payback
    beyond the horizon ranks last). ``contribution`` is the squared
    correlation normalised to sum to 1: an approximation of each input's
    share of the variance, fair for a monotone, near-additive model with
    independent inputs. Rows are sorted by ``|spearman|``, largest first.
    """
    x = np.asarray(inputs, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = ~np.isnan(y)
    x, y = x[:, keep], y[keep]
    rho = np.full(len(model.inputs), np.nan)
    if y.size > 2:
        from scipy import stats  # 0.3-0.5 s to import: only when ranks are asked for

        ry = stats.rankdata(y)
        rx = stats.rankdata(x, axis=1)
        ry = ry - ry.mean()
        rx = rx - rx.mean(axis=1, keepdims=True)
        denom = np.sqrt((rx * rx).sum(axis=1) * (ry @ ry))
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.where(denom > 0, rx @ ry / np.where(denom > 0, denom, 1.0), np.nan)
    sq = np.where(np.isnan(rho), 0.0, rho * rho)
    total = sq.sum()
    rows = [
        {
            **named(inp),
            "spearman": finite_or_none(r),
            "contribution": finite_or_none(s / total) if total > 0 and not np.isnan(r) else None,
        }
        for inp, r, s in zip(model.inputs, rho, sq, strict=True)
    ]
    rows.sort(key=lambda r: -abs(r["spearman"]) if r["spearman"] is not None else 1.0)
    return rows
