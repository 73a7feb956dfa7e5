"""Summaries of per-trial outputs (docs/model.md section 7).

Every number here is computed from arrays handed in; nothing draws or plots.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from . import _pool
from .config import Model
from .files import finite_or_none, plain_numbers
from .kernel.tables import OUTPUT_NAMES
from .version import __version__

__all__ = [
    "PERCENTILES",
    "QUANTILE_LEVELS",
    "Split",
    "cvar",
    "describe",
    "fan_bands",
    "interpolate",
    "outcome_split",
    "payback_cdf",
    "payback_curve",
    "percentile_ranks",
    "percentiles",
    "quantile_levels",
    "split_fan",
    "summarize",
    "summarize_with_curves",
    "waterfall_items",
]

PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
# How many levels a quantile curve has (the charts' NPV and ROI curves in
# report_data.json): the midpoints of this many equal bins (quantile_levels).
QUANTILE_LEVELS = 2001
# Up to this many percentiles are found by a partition (two ranks each), more by a
# sort. On AMD Zen 4, numpy's sort of float64 takes its AVX-512 path, whose
# compress-store is microcoded: 61 ms per million values, where a partition at the
# summary's 14 ranks takes 21 ms. Where the sort is fast (an earlier VM measured it
# 2-3x faster than that partition) the partition costs a few ms per million more.
_PARTITION_MAX = len(PERCENTILES)
# How each output is summarised (docs/model.md section 7): paybacks' moments
# over the trials that pay back, ROI and IRR over the trials where they are
# defined, the rest over all trials. The summary lists them in this order.
_PAYBACKS = ("payback_months", "discounted_payback_months")
_WHERE_DEFINED = ("roi", "irr")
_OVER_ALL = tuple(name for name in OUTPUT_NAMES if name not in _PAYBACKS + _WHERE_DEFINED)


class RunOutputs(Protocol):
    """What :func:`summarize` reads of a run (a :class:`simulate.results.Result`)."""

    model: Model
    overlay: dict[str, str | None] | None
    trials: int
    seed: int
    sampling: str
    npv: np.ndarray
    roi: np.ndarray
    pv_benefits: np.ndarray
    pv_costs: np.ndarray
    payback_months: np.ndarray
    discounted_payback_months: np.ndarray
    irr: np.ndarray


def percentiles(
    x: np.ndarray, qs: Sequence[float] = PERCENTILES, *, presorted: bool = False
) -> np.ndarray:
    """Linear-interpolation percentiles (numpy's default), safe for +inf.

    An interpolation that puts weight on +inf is +inf; one that puts none on
    it is the finite neighbour (``np.percentile`` gives NaN there). ``x`` must
    not contain NaN; ``presorted``: it is sorted already (read, not sorted
    again). Returns NaN for an empty ``x``.
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
    # A partition puts the same values at the ranks asked as a sort (_PARTITION_MAX).
    if presorted:
        ordered = x
    elif qs.size <= _PARTITION_MAX:
        ordered = np.partition(x, np.unique(np.r_[lo, hi]))
    else:
        ordered = np.sort(x)
    a, b = ordered[lo], ordered[hi]
    with np.errstate(invalid="ignore"):
        value = a + frac * (b - a)
    # Weight on an infinite neighbour: +inf if any weight, else the finite value.
    value = np.where(np.isinf(b) & (frac > 0), b, value)
    value = np.where(np.isinf(b) & (frac == 0), a, value)
    # + 0.0: a zero is 0.0, whichever of 0.0 and -0.0 the sort put at that rank.
    return np.where(np.isinf(a), a, value) + 0.0


def quantile_levels() -> np.ndarray:
    """The :data:`QUANTILE_LEVELS` percent levels of a quantile curve: the bins' midpoints."""
    return (np.arange(QUANTILE_LEVELS) + 0.5) / QUANTILE_LEVELS * 100.0


def percentile_ranks(n: int, q: float) -> tuple[int, int, float]:
    """Where :func:`percentiles` reads percentile ``q`` (in percent) of ``n`` sorted values.

    The 0-based ranks of the two neighbours and the weight of the upper one:
    the percentile is ``interpolate(x[lo], x[hi], frac)``.
    """
    pos = (n - 1) * float(q) / 100.0
    lo = math.floor(pos)
    return lo, min(lo + 1, n - 1), pos - lo


def interpolate(a: float, b: float, frac: float) -> float:
    """One percentile between its neighbours ``a <= b``, bit for bit as :func:`percentiles` takes it."""
    a, b = float(a), float(b)
    if math.isinf(a):
        return a
    if math.isinf(b):
        return b if frac > 0 else a + 0.0
    return a + frac * (b - a) + 0.0


def describe(x: np.ndarray, *, finite_moments: bool = False) -> dict[str, float | None]:
    """Mean, sd (ddof 1) and the percentiles of section 7, as JSON-ready floats.

    With ``finite_moments`` the mean and sd are over the finite values only
    (paybacks: over the trials that pay back); percentiles are over all.
    """
    return _describe(x, finite_moments)[0]


def _describe(
    x: np.ndarray, finite_moments: bool = False, curve: bool = False
) -> tuple[dict[str, float | None], Any, int, list[float] | None]:
    """:func:`describe`, the unrounded sd (None if not computed), how many values the
    moments use, and with ``curve`` the quantile curve (:func:`quantile_levels`; None
    for no values), read from the one sort of ``x`` (else None)."""
    x = np.asarray(x, dtype=float)
    m = x[np.isfinite(x)] if finite_moments else x
    sd = m.std(ddof=1) if m.size > 1 else None
    out: dict[str, float | None] = {
        "mean": finite_or_none(m.mean()) if m.size else None,
        "sd": None if sd is None else finite_or_none(sd),
    }
    ordered = np.sort(x) if curve else x
    for q, v in zip(PERCENTILES, percentiles(ordered, presorted=curve), strict=True):
        out[f"p{q}"] = finite_or_none(v)
    levels = None
    if curve and x.size:
        levels = percentiles(ordered, quantile_levels(), presorted=True).tolist()
    return out, sd, m.size, levels


def _describe_defined(
    x: np.ndarray, curve: bool = False
) -> tuple[dict[str, float | None], int, list[float] | None]:
    """:func:`describe` over the values that are not NaN, how many there are, and
    with ``curve`` their quantile curve (as :func:`_describe`)."""
    defined = x[~np.isnan(x)]
    out, _, _, levels = _describe(defined, curve=curve)
    return out, defined.size, levels


def _fraction(mask: np.ndarray) -> float:
    """``np.mean(mask)`` for a boolean array, counted rather than summed (same value)."""
    return int(np.count_nonzero(mask)) / mask.size


def cvar(x: np.ndarray, alpha: float = 0.05) -> float:
    """Mean of the worst ``ceil(alpha * n)`` values of ``x``."""
    k = math.ceil(alpha * x.size)
    return float(np.partition(x, k - 1)[:k].mean())


def summarize(result: RunOutputs) -> dict[str, Any]:
    """The ``summary.json`` dict of docs/interface.md for a run."""
    return summarize_with_curves(result, ())[0]


def summarize_with_curves(
    result: RunOutputs, curves: Sequence[str] = ("npv", "roi")
) -> tuple[dict[str, Any], dict[str, list[float] | None]]:
    """:func:`summarize`, and the quantile curve of each output in ``curves``.

    A curve is the output's percentiles at :func:`quantile_levels` (ROI's and
    IRR's over the trials where they are defined; None if there are none), read
    from the sort its summary makes: one sort of the run's values serves both.
    ``curves`` may name the outputs other than the paybacks.
    """
    model = result.model
    n = result.trials
    # The outputs are independent: summarise them in the thread pool, slowest first.
    pool = _pool.executor(n, 8)
    paybacks = {name: pool.submit(_describe, getattr(result, name), True) for name in _PAYBACKS}
    defined = {
        name: pool.submit(_describe_defined, getattr(result, name), name in curves)
        for name in _WHERE_DEFINED
    }
    plain = {
        name: pool.submit(_describe, getattr(result, name), False, name in curves)
        for name in _OVER_ALL
    }
    worst = pool.submit(cvar, result.npv)
    # Meanwhile, on this thread: the probabilities.
    probabilities = _probabilities(result)

    metrics: dict[str, dict[str, Any]] = {}
    quantiles: dict[str, list[float] | None] = {}
    for name, job in plain.items():
        metrics[name], _, _, quantiles[name] = job.result()
    sd = plain["npv"].result()[1]
    metrics["npv"]["cvar5"] = worst.result()
    metrics["npv"]["se_mean"] = (
        finite_or_none(sd / math.sqrt(n)) if n > 1 and sd is not None else None
    )
    for name, job in defined.items():
        metrics[name], size, quantiles[name] = job.result()
        metrics[name]["defined_fraction"] = size / n
    for name, job in paybacks.items():
        metrics[name] = job.result()[0]
    paid_back = paybacks["payback_months"].result()[2]
    probabilities["payback_within_horizon"] = paid_back / result.payback_months.size
    summary = plain_numbers(
        {
            "name": model.name,
            "config": model.file,
            "scenario": model.scenario,
            "overlay": getattr(result, "overlay", None),
            "config_hash": model.config_hash or None,
            "trials": n,
            "seed": result.seed,
            "sampling": result.sampling,
            "horizon_months": model.horizon_months,
            "discount_rate": model.discount_rate,
            "currency": model.currency,
            "targets": {"payback_months": model.target_payback_months, "roi": model.target_roi},
            "metrics": metrics,
            "probabilities": probabilities,
            "version": __version__,
        }
    )
    return summary, {name: quantiles[name] for name in curves}


def _probabilities(result: RunOutputs) -> dict[str, float | None]:
    """The ``probabilities`` of the summary; ``payback_within_horizon`` is left for the caller."""
    n = result.trials
    p_pos = _fraction(result.npv > 0)
    target_p = result.model.target_payback_months
    target_roi = result.model.target_roi
    return {
        "npv_positive": p_pos,
        "npv_positive_se": math.sqrt(p_pos * (1 - p_pos) / (n - 1)) if n > 1 else None,
        "payback_within_horizon": None,  # from the count of finite paybacks
        "payback_within_target": (
            None if target_p is None else _fraction(result.payback_months <= target_p)
        ),
        # NaN >= target is False: an undefined ROI does not reach the target.
        "roi_at_least_target": None if target_roi is None else _fraction(result.roi >= target_roi),
    }


def payback_curve(payback_months: np.ndarray, horizon_months: int) -> tuple[np.ndarray, np.ndarray]:
    """P(paid back by month m) for m = 0..horizon (the undiscounted payback).

    Counted, not sorted: a payback ``x`` is at most the whole month ``m``
    exactly when ``ceil(x)`` is, so each trial is tallied at the month
    ``ceil(x)`` (0 for any ``x <= 0``, past the horizon for a later or
    infinite payback; NaN, which is never at most ``m``, too) and the curve
    is the running count over the trials.
    """
    months = np.arange(horizon_months + 1, dtype=float)
    x = np.asarray(payback_months, dtype=float).ravel()
    beyond = horizon_months + 1
    with np.errstate(invalid="ignore"):
        at = np.where(np.isnan(x), beyond, np.clip(np.ceil(x), 0, beyond)).astype(np.intp)
    counts = np.bincount(at, minlength=beyond + 1)[:beyond].cumsum()
    return months, counts / x.size


def payback_cdf(
    payback_months: np.ndarray, horizon_months: int, points: int = 2001
) -> tuple[np.ndarray, np.ndarray]:
    """The empirical CDF of the (interpolated) paybacks: ``(months, prob)`` to draw as steps.

    Unlike :func:`payback_curve` (whole months), the months are the
    paybacks themselves: ``prob[i]`` is the share of all trials that have
    paid back by ``months[i]`` (at or before it), exactly, and it holds
    until ``months[i + 1]``. With more paybacks than ``points`` it keeps
    ``points`` of them at evenly spaced ranks, so that between two points
    the exact curve rises by at most ``ceil(paid back / (points - 1))``
    trials. The curve starts at month 0 and ends at the horizon, where its
    height is the share paid back within the horizon; trials that never pay
    back (+inf) only lower it.
    """
    x = np.sort(np.asarray(payback_months, dtype=float).ravel())
    n = x.size
    if n == 0:
        return np.array([0.0, float(horizon_months)]), np.zeros(2)
    paid = x[: np.searchsorted(x, horizon_months, side="right")]
    if paid.size > points:  # every k-th payback in order: ranks evenly spaced
        paid = paid[np.linspace(0, paid.size - 1, points).round().astype(np.intp)]
    months = np.unique(paid)
    if not months.size or months[0] > 0:
        months = np.concatenate([[0.0], months])
    if months[-1] < horizon_months:
        months = np.concatenate([months, [float(horizon_months)]])
    prob = np.searchsorted(x, months, side="right") / n
    return months, prob


def fan_bands(paths: np.ndarray, qs: Sequence[int] = (10, 25, 50, 75, 90)) -> dict[str, np.ndarray]:
    """Percentile bands of cumulative cash flow by month over the kept paths."""
    if paths.shape[0] == 0:
        return {f"p{q}": np.full(paths.shape[1], np.nan) for q in qs}
    values = np.percentile(paths, qs, axis=0)
    return {f"p{q}": values[i] for i, q in enumerate(qs)}


# When a success flag splits the outcome (docs/model.md section 7): each state
# holds at least this share of the trials, and the medians of NPV in the two
# states lie at least this fraction of the P10-P90 width of NPV apart.
SPLIT_MIN_SHARE = 0.05
SPLIT_MIN_GAP = 0.5


@dataclass(frozen=True)
class Split:
    """The trials of a run in two groups, by the value a success flag drew.

    ``on`` is True for the trials where the flag (the bernoulli input
    ``flag``) drew 1.
    """

    flag: str
    on: np.ndarray

    def groups(self) -> list[tuple[str, np.ndarray]]:
        """``(label, mask)`` of each group, the flag at 1 first: ``("works = 1", on)``."""
        return [(f"{self.flag} = 1", self.on), (f"{self.flag} = 0", ~self.on)]


def outcome_split(npv: np.ndarray, flags: Mapping[str, np.ndarray]) -> Split | None:
    """The success flag that splits NPV into two groups, or None.

    ``flags`` are the per-trial draws of the bernoulli inputs (True for 1),
    as :attr:`simulate.results.Result.flags` holds them. A flag splits the
    outcome when each of its values holds at least 5% of the trials and the
    median NPV of the trials where it drew 1 and of those where it drew 0
    lie at least half the P10-P90 width of NPV apart; of several, the one
    whose medians lie furthest apart.
    """
    npv = np.asarray(npv, dtype=float)
    if npv.size < 2 or not flags:
        return None
    p10, p90 = percentiles(npv, (10, 90))
    width = float(p90 - p10)
    if not (math.isfinite(width) and width > 0):
        return None
    best, best_gap = None, SPLIT_MIN_GAP * width
    for name, on in flags.items():
        on = np.asarray(on, dtype=bool)
        share = np.count_nonzero(on) / on.size
        if min(share, 1.0 - share) < SPLIT_MIN_SHARE:
            continue
        gap = abs(float(np.median(npv[on])) - float(np.median(npv[~on])))
        if gap >= best_gap:
            best, best_gap = Split(name, on), gap
    return best


def split_fan(
    paths: np.ndarray, split: Split
) -> list[tuple[str, float, int, dict[str, np.ndarray]]]:
    """Fan bands of each group of ``split`` over the kept paths (the first trials).

    Returns ``(label, share of all trials, paths in the group, bands)`` per
    group, as :func:`Split.groups` orders them.
    """
    kept = paths.shape[0]
    out = []
    for label, mask in split.groups():
        share = np.count_nonzero(mask) / mask.size
        mine = paths[mask[:kept]]
        out.append((label, share, mine.shape[0], fan_bands(mine)))
    return out


def waterfall_items(lines: Sequence[Any], line_pv_mean: Sequence[float]) -> list[tuple[str, float]]:
    """Mean PV of each benefit line (+) and cost line (-), by label, in config order."""
    return [
        (line.display, float(pv) if line.kind == "benefit" else -float(pv))
        for line, pv in zip(lines, line_pv_mean, strict=True)
    ]
