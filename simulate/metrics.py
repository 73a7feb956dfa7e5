"""Summaries of per-trial outputs (MODEL.md section 7).

Every number here is computed from arrays handed in; nothing draws or plots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Result

__all__ = [
    "PERCENTILES",
    "cvar",
    "describe",
    "fan_bands",
    "payback_curve",
    "percentiles",
    "summarize",
]

PERCENTILES = (5, 10, 25, 50, 75, 90, 95)


def percentiles(x: np.ndarray, qs: Sequence[float] = PERCENTILES) -> np.ndarray:
    """Linear-interpolation percentiles (numpy's default), safe for +inf.

    An interpolation that puts weight on +inf is +inf; one that puts none on
    it is the finite neighbour (``np.percentile`` gives NaN there). ``x`` must
    not contain NaN. Returns NaN for an empty ``x``.
    """
    x = np.asarray(x, dtype=float)
    qs = np.asarray(qs, dtype=float)
    n = x.size
    if n == 0:
        return np.full(qs.shape, np.nan)
    pos = (n - 1) * qs / 100.0
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    part = np.partition(x, np.unique(np.concatenate([lo, hi])))
    a, b = part[lo], part[hi]
    with np.errstate(invalid="ignore"):
        value = a + frac * (b - a)
    # Weight on an infinite neighbour: +inf if any weight, else the finite value.
    value = np.where(np.isinf(b) & (frac > 0), b, value)
    value = np.where(np.isinf(b) & (frac == 0), a, value)
    return np.where(np.isinf(a), a, value)


def _opt(x: float) -> float | None:
    """A JSON-able float: None for NaN and infinities (no such thing in JSON)."""
    x = float(x)
    return x if math.isfinite(x) else None


def describe(x: np.ndarray, *, finite_moments: bool = False) -> dict[str, float | None]:
    """Mean, sd (ddof 1) and the percentiles of section 7, as JSON-ready floats.

    With ``finite_moments`` the mean and sd are over the finite values only
    (paybacks: over the trials that pay back); percentiles are over all.
    """
    x = np.asarray(x, dtype=float)
    m = x[np.isfinite(x)] if finite_moments else x
    out: dict[str, float | None] = {
        "mean": _opt(m.mean()) if m.size else None,
        "sd": _opt(m.std(ddof=1)) if m.size > 1 else None,
    }
    for q, v in zip(PERCENTILES, percentiles(x), strict=True):
        out[f"p{q}"] = _opt(v)
    return out


def cvar(x: np.ndarray, alpha: float = 0.05) -> float:
    """Mean of the worst ``ceil(alpha * n)`` values of ``x``."""
    k = math.ceil(alpha * x.size)
    return float(np.partition(x, k - 1)[:k].mean())


def summarize(result: Result) -> dict[str, Any]:
    """The ``summary.json`` dict of INTERFACE.md for a run."""
    from . import __version__

    model = result.model
    n = result.trials
    metrics: dict[str, dict[str, Any]] = {}
    for name in ("npv", "pv_benefits", "pv_costs"):
        metrics[name] = describe(getattr(result, name))
    npv = result.npv
    metrics["npv"]["cvar5"] = cvar(npv)
    metrics["npv"]["se_mean"] = _opt(npv.std(ddof=1) / math.sqrt(n)) if n > 1 else None
    for name in ("roi", "irr"):
        x = getattr(result, name)
        defined = x[~np.isnan(x)]
        metrics[name] = describe(defined)
        metrics[name]["defined_fraction"] = defined.size / n
    for name in ("payback_months", "discounted_payback_months"):
        metrics[name] = describe(getattr(result, name), finite_moments=True)

    p_pos = float(np.mean(npv > 0))
    payback = result.payback_months
    target_p = model.target_payback_months
    target_roi = model.target_roi
    probabilities = {
        "npv_positive": p_pos,
        "npv_positive_se": math.sqrt(p_pos * (1 - p_pos) / (n - 1)) if n > 1 else None,
        "payback_within_horizon": float(np.mean(np.isfinite(payback))),
        "payback_within_target": None if target_p is None else float(np.mean(payback <= target_p)),
        # NaN >= target is False: an undefined ROI does not reach the target.
        "roi_at_least_target": None
        if target_roi is None
        else float(np.mean(result.roi >= target_roi)),
    }
    return {
        "name": model.name,
        "config": model.file,
        "scenario": model.scenario,
        "trials": n,
        "seed": result.seed,
        "sampling": result.sampling,
        "horizon_months": model.horizon_months,
        "discount_rate": model.discount_rate,
        "currency": model.currency,
        "metrics": metrics,
        "probabilities": probabilities,
        "version": __version__,
    }


def payback_curve(payback_months: np.ndarray, horizon_months: int) -> tuple[np.ndarray, np.ndarray]:
    """P(paid back by month m) for m = 0..horizon (the undiscounted payback)."""
    months = np.arange(horizon_months + 1, dtype=float)
    ordered = np.sort(payback_months)
    prob = np.searchsorted(ordered, months, side="right") / ordered.size
    return months, prob


def fan_bands(paths: np.ndarray, qs: Sequence[int] = (10, 25, 50, 75, 90)) -> dict[str, np.ndarray]:
    """Percentile bands of cumulative cash flow by month over the kept paths."""
    if paths.shape[0] == 0:
        return {f"p{q}": np.full(paths.shape[1], np.nan) for q in qs}
    values = np.percentile(paths, qs, axis=0)
    return {f"p{q}": values[i] for i, q in enumerate(qs)}
