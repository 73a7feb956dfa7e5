"""One input at a time: the base case, the tornado and the spider.

Every uncertain input sits at its median (the *base case*) except the one
being moved; each point goes through :func:`simulate.engine.evaluate`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import Input, Model
from ..errors import ConfigError
from ..kernel.tables import Tables, kernel_tables
from .labels import valued
from .options import check_metric, check_quantiles
from .points import evaluate

if TYPE_CHECKING:
    from ..engine import Outputs

__all__ = ["SPIDER_PERCENTILES", "base_case", "one_at_a_time", "spider", "tornado"]

SPIDER_PERCENTILES = tuple(range(5, 100, 5))  # 5, 10, ..., 95


def base_case(model: Model) -> np.ndarray:
    """Every uncertain input at its median (discrete: smallest x with F(x) >= 0.5)."""
    return np.array([inp.prior.median() for inp in model.inputs], dtype=float)


def one_at_a_time(
    model: Model, points: Sequence[tuple[int, float]], tables: Tables
) -> tuple[np.ndarray, Outputs]:
    """Evaluate the base case and, per ``(input, value)``, base with that input moved.

    Returns the base case and the outputs: trial 0 is the base case, trial
    ``c`` the ``c``-th point.
    """
    base = base_case(model)
    x = np.repeat(base[:, None], 1 + len(points), axis=1)
    for c, (j, v) in enumerate(points, start=1):
        x[j, c] = v
    return base, evaluate(model, x, with_irr=False, tables=tables)


def _sort_key(swing: float | None) -> tuple[int, float]:
    # Largest swing first; an infinite swing (payback beyond the horizon) tops
    # the list and an undefined one (NaN ROI) goes last.
    if swing is None or math.isnan(swing):
        return (1, 0.0)
    return (0, -swing)


def _tornado_row(inp: Input, quantiles: tuple[float, float], ends: tuple[float, float],
                 metric: tuple[float, float]) -> dict[str, Any]:  # fmt: skip
    """A tornado row: the input's ``ends`` at ``quantiles``, and the ``metric`` at each."""
    (low_q, high_q), (lo, hi), (m_lo, m_hi) = quantiles, ends, metric
    # both ends beyond the horizon (inf) is no swing; NaN (undefined ROI) stays NaN
    swing = 0.0 if math.isinf(m_lo) and m_lo == m_hi else abs(m_hi - m_lo)
    return {**valued(inp), "low_q": float(low_q), "high_q": float(high_q),
            "low_value": lo, "high_value": hi, "metric_low": m_lo, "metric_high": m_hi,
            "swing": swing}  # fmt: skip


def tornado(
    model: Model,
    *,
    metric: str = "npv",
    low_q: float = 0.10,
    high_q: float = 0.90,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """One-at-a-time sensitivity: each input to its low and high quantile.

    Parameters
    ----------
    model
        From :func:`simulate.load_config`.
    metric
        ``"npv"``, ``"roi"`` or ``"payback_months"``.
    low_q, high_q
        The quantiles each input moves to (P10 and P90 by default), the others
        staying at their medians.
    tables
        The model's kernel tables, when the caller already has them.

    Returns
    -------
    dict
        ``base``: ``{"metric": value at the base case, "npv": base-case NPV,
        "inputs": {name: median}}``; ``rows``: sensitivity.json's tornado rows
        (``input, label, unit, low_q, high_q, low_value, high_value,
        metric_low, metric_high, swing``), largest swing first. A payback that
        does not happen within the horizon is ``inf`` (written as null).
    """
    check_metric(metric)
    check_quantiles(low_q, high_q)
    tables = tables or kernel_tables(model)
    points = []
    for j, inp in enumerate(model.inputs):
        lo, hi = inp.prior.ppf(np.array([low_q, high_q]))
        points += [(j, float(lo)), (j, float(hi))]
    base, out = one_at_a_time(model, points, tables)
    values = getattr(out, metric)
    rows = [
        _tornado_row(
            inp,
            (low_q, high_q),
            (points[2 * j][1], points[2 * j + 1][1]),
            (float(values[1 + 2 * j]), float(values[2 + 2 * j])),
        )
        for j, inp in enumerate(model.inputs)
    ]
    rows.sort(key=lambda r: _sort_key(r["swing"]))
    return {
        "base": {
            "metric": float(values[0]),
            "npv": float(out.npv[0]),
            "inputs": {inp.name: float(v) for inp, v in zip(model.inputs, base, strict=True)},
        },
        "rows": rows,
    }


def _spread(line: dict) -> float:
    """The range of a spider line's metric (inf when it reaches an infinite payback)."""
    y = np.asarray(line["metric"], dtype=float)
    y = y[~np.isnan(y)]
    return float(y.max() - y.min()) if y.size and np.isfinite(y).all() else math.inf


def _plateaus(prior, lo: float, hi: float) -> list[tuple[float, float, float]]:
    """Where a discrete prior's quantile function is flat, within percentiles ``lo``..``hi``.

    Value ``x_k`` is the quantile at every level in ``(F(x_{k-1}), F(x_k)]``:
    returns ``(from, to, x_k)`` in percent, for each such interval that
    meets ``[lo, hi]``, clipped to it.
    """
    values = np.asarray(prior.support().values, dtype=float)
    # in percent, to 9 decimals: cdf(0) of a bernoulli(0.8) is 0.19999999999999996
    tops = np.round(100.0 * np.asarray(prior.cdf(values), dtype=float), 9)
    bottoms = np.concatenate([[0.0], tops[:-1]])
    return [
        (max(float(b), lo), min(float(t), hi), float(v))
        for v, b, t in zip(values, bottoms, tops, strict=True)
        if t >= lo and b < hi and t > b
    ]


def spider(
    model: Model,
    *,
    metric: str = "npv",
    percentiles: Sequence[float] = SPIDER_PERCENTILES,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """The metric as each input moves through its percentiles, the rest at base.

    Returns ``{"percentiles": [...], "lines": [{"input", "label", "unit",
    "discrete", "values", "metric"}]}``: per input, its value at each
    percentile and the metric there. A discrete input's line also has
    ``steps``: ``[{"from", "to", "value", "metric"}]``, the percentiles
    (within the spider's range) over which its quantile function stays at
    ``value``, so a chart steps where the distribution does (a bernoulli
    with p = 0.8 steps at P20). Lines are sorted by the metric's range,
    widest first.
    """
    check_metric(metric)
    pct = [float(p) for p in percentiles]
    if not pct or any(not 0.0 < p < 100.0 for p in pct):
        raise ConfigError("spider percentiles lie strictly between 0 and 100", path="percentiles")
    tables = tables or kernel_tables(model)
    q = np.asarray(pct) / 100.0
    per_input = [inp.prior.ppf(q).astype(float) for inp in model.inputs]
    flats = [
        _plateaus(inp.prior, min(pct), max(pct)) if inp.prior.is_discrete else []
        for inp in model.inputs
    ]
    points = [(j, float(v)) for j, vals in enumerate(per_input) for v in vals]
    points += [(j, v) for j, flat in enumerate(flats) for _, _, v in flat]
    _, out = one_at_a_time(model, points, tables)
    y = getattr(out, metric)[1:]
    values = y[: len(model.inputs) * len(pct)].reshape(len(model.inputs), len(pct))
    at = len(model.inputs) * len(pct)
    lines = []
    for j, (inp, vals) in enumerate(zip(model.inputs, per_input, strict=True)):
        line = {**valued(inp), "discrete": bool(inp.prior.is_discrete),
                "values": vals.tolist(), "metric": values[j].tolist()}  # fmt: skip
        if inp.prior.is_discrete:
            line["steps"] = [
                {"from": a, "to": b, "value": v, "metric": float(y[at + k])}
                for k, (a, b, v) in enumerate(flats[j])
            ]
            at += len(flats[j])
        lines.append(line)
    lines.sort(key=lambda line: -_spread(line))
    return {"percentiles": pct, "lines": lines}
