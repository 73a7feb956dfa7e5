"""Rank correlation: Spearman's rho of each input with the metric over Monte Carlo samples."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .. import _scipy
from ..config import Model
from ..files import finite_or_none
from .labels import named

special = _scipy.load("scipy.special")

__all__ = ["mark_order", "rank_correlation"]

# Fieller, Hartley and Pearson (1957): Fisher's z of Spearman's rho has variance
# about 1.06 / (n - 3) for independent pairs.
_SPEARMAN_Z_VARIANCE = 1.06


def mark_order(rows: Sequence[dict], span: Callable[[dict], tuple[float, float] | None]) -> None:
    """Set each row's ``order_resolved``: whether it ranks above the next row beyond doubt.

    ``rows`` are sorted, largest first; ``span(row)`` is the 95% interval of
    the quantity they are sorted by (None if it has none). A row's order
    over the next is resolved when their intervals do not overlap; the
    last row has None. No rows (a model with no uncertain input) is no work.
    """
    for row, below in zip(rows, [*rows[1:], None][: len(rows)], strict=True):
        if below is None:
            row["order_resolved"] = None
            continue
        a, b = span(row), span(below)
        row["order_resolved"] = None if a is None or b is None else bool(a[0] > b[1])


def _fisher_interval(rho: float, n: int, level: float = 0.95) -> tuple[float, float] | None:
    """A 95% interval for Spearman's rho from Fisher's z, or None without one."""
    if not math.isfinite(rho) or n <= 3:
        return None
    if abs(rho) >= 1.0:
        return rho, rho
    z = math.atanh(rho)
    half = float(special.ndtri(0.5 + level / 2)) * math.sqrt(_SPEARMAN_Z_VARIANCE / (n - 3))
    return math.tanh(z - half), math.tanh(z + half)


def _abs_span(row: dict) -> tuple[float, float] | None:
    """The interval of |rho| (what the rows are sorted by)."""
    lo, hi = row.get("spearman_low"), row.get("spearman_high")
    if lo is None or hi is None:
        return None
    if lo <= 0.0 <= hi:
        return 0.0, max(-lo, hi)
    return min(abs(lo), abs(hi)), max(abs(lo), abs(hi))


def rank_correlation(model: Model, inputs: np.ndarray, values: np.ndarray) -> list[dict]:
    """Spearman correlation of each input with ``values`` over Monte Carlo samples.

    ``inputs`` is a run's ``(k, n)`` matrix of draws and ``values`` the metric
    per trial (NaN trials, such as an undefined ROI, are left out; a payback
    beyond the horizon ranks last). ``contribution`` is the squared
    correlation normalised to sum to 1: an approximation of each input's
    share of the variance, fair for a monotone, near-additive model with
    independent inputs. Rows are sorted by ``|spearman|``, largest first.

    ``spearman_low`` and ``spearman_high`` bound a 95% interval (Fisher's z
    with variance 1.06 / (n - 3), for independent trials; wider than needed
    under ``lhs`` or ``sobol``), and ``order_resolved`` says whether a row's
    |rho| is above the next row's beyond that interval (:func:`mark_order`).
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
    rows = []
    for inp, r, s in zip(model.inputs, rho, sq, strict=True):
        span = _fisher_interval(float(r), int(y.size))
        rows.append(
            {
                **named(inp),
                "spearman": finite_or_none(r),
                "contribution": finite_or_none(s / total)
                if total > 0 and not np.isnan(r)
                else None,
                "spearman_low": None if span is None else span[0],
                "spearman_high": None if span is None else span[1],
            }
        )
    rows.sort(key=lambda r: -abs(r["spearman"]) if r["spearman"] is not None else 1.0)
    mark_order(rows, _abs_span)
    return rows
