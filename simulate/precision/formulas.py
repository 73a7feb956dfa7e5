"""The intervals' building blocks: the level, the i.i.d. formulas, and how a design was drawn."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .. import _scipy
from ..config.model import PrecisionTarget
from ..files import finite_or_none
from ..sampling import MIN_BATCHES

special = _scipy.load("scipy.special")

__all__ = [
    "LEVEL",
    "MIN_BATCHES",
    "MIN_EVENTS_PER_BATCH",
    "Design",
    "Interval",
    "floor_ranks",
    "order_statistic_ranks",
    "shown_half_width",
    "t_quantile",
    "wilson",
    "z_quantile",
]

LEVEL = 0.95
# MIN_BATCHES (from sampling, which cuts runs into at least that many when it can): the
# replicate batches needed before their spread gives an interval; fewer use the i.i.d. one.
# A proportion's batch means are near normal only with this many events (and non-events)
# per batch on average; fewer use Wilson's interval as a bound.
MIN_EVENTS_PER_BATCH = 10

_UNITS = {
    "lhs": ("independent Latin hypercube designs", "LHS designs", "LHS design"),
    "sobol": ("independently scrambled Sobol' sequences", "Sobol' sequences", "Sobol' sequence"),
    "random": ("batches, each correlated on its own (Iman-Conover)", "batches", "batch"),
}


@dataclass(frozen=True)
class Design:
    """How a run's trials were drawn, as far as its intervals need to know."""

    sampling: str
    correlated: bool
    batch_size: int

    @property
    def replicated(self) -> bool:
        """Whether trials within a batch depend on each other (so batches are the replicates)."""
        return self.sampling != "random" or self.correlated

    def units(self, r: int) -> str:
        long, short, one = _UNITS[self.sampling]
        return f"{r:,} {long if r >= MIN_BATCHES else short if r != 1 else one}"


@dataclass(frozen=True)
class Interval:
    """A figure's estimate and its interval; ``low``/``high`` are -inf/+inf when unbounded."""

    estimate: float
    low: float
    high: float
    method: str

    @property
    def half_width(self) -> float:
        """Half the interval's width: what a precision target is compared with."""
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return math.inf
        return (self.high - self.low) / 2.0

    def as_json(self) -> dict[str, Any]:
        return {
            "estimate": finite_or_none(self.estimate),
            "low": finite_or_none(self.low),
            "high": finite_or_none(self.high),
            "method": self.method,
        }

    def meets(self, target: PrecisionTarget) -> bool:
        """Whether the half-width is within ``target``'s tolerance."""
        allowed = target.allowed(self.estimate)
        return allowed is not None and self.half_width <= allowed


def shown_half_width(estimate: float | None, low: float | None, high: float | None) -> float | None:
    """Half an interval as "estimate ± h" shows it (summary.json's numbers, None for no end).

    None where "±" would misstate it: an end is open, or the interval is
    lopsided (one side more than 1.5 times the other, as at a probability
    near 0 or 1); the terminal then gives both ends, a chart nothing.
    """
    if estimate is None or low is None or high is None:
        return None
    below, above = estimate - low, high - estimate
    if abs(above - below) > 0.5 * max(above, below, 0.0):
        return None
    return (high - low) / 2.0


def floor_ranks(r: int) -> int:
    """How many ranks beyond the estimate's neighbours a sectioning interval reaches at least.

    With one input stratified (LHS, Sobol'), the ``r`` pooled batches put
    ``r`` trials in each stratum, and pin a percentile down only to their
    order statistics, which the spread between batches misses: a P10 or P90
    of one uniform input was covered 88% of the time at 12 batches without
    this floor. Its error is about ``sqrt(r) / 2`` of those ranks (the order
    statistics of ``r`` uniforms); the floor, ``max(2, ceil(sqrt(r)) - 2)``,
    covered 90-100% from 10 to 100 batches in that case. With two inputs or
    more the spread between batches reaches further, and the floor did not
    bind in any of 360 intervals checked (docs/model.md section 7).
    """
    return max(2, math.ceil(math.sqrt(r)) - 2)


# -- the i.i.d. intervals ------------------------------------------------------------------------


def z_quantile(level: float) -> float:
    return float(special.ndtri(0.5 + level / 2.0))


def t_quantile(df: int, level: float) -> float:
    return float(special.stdtrit(df, 0.5 + level / 2.0))


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval for ``k`` events in ``n`` independent trials."""
    z = z_quantile(level)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Exactly 0 (1) when no trial is (every trial is) an event: rounding aside.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def order_statistic_ranks(n: int, q: float, level: float = LEVEL) -> tuple[int, int]:
    """0-based ranks ``(l, u)`` of a distribution-free interval for the ``q`` quantile (0 < q < 1).

    With ``B ~ Binomial(n, q)`` the interval ``[x_(l), x_(u)]`` of the sorted
    sample covers the quantile with probability ``P(l < B <= u)`` (Hahn and
    Meeker 1991, sec. 5.2): ``l`` is the largest rank with ``P(B <= l) <= a``
    and ``u`` the smallest with ``P(B <= u) >= 1 - a``, ``a = (1 - level) / 2``,
    so the coverage is at least ``level``. ``l = -1`` means no lower end
    (-inf); ``u = n`` no upper end (+inf).
    """
    a = (1.0 - level) / 2.0

    def cdf(j: int) -> float:
        return 1.0 if j >= n else (0.0 if j < 0 else float(special.bdtr(j, n, q)))

    def start(y: float) -> int:
        guess = float(special.bdtrik(y, n, q))
        return min(n, max(-1, math.floor(guess) if math.isfinite(guess) else math.floor(n * q)))

    lo = start(a)
    while lo >= 0 and cdf(lo) > a:
        lo -= 1
    while lo + 1 < n and cdf(lo + 1) <= a:
        lo += 1
    hi = start(1.0 - a)
    while hi < n and cdf(hi) < 1.0 - a:
        hi += 1
    while hi - 1 >= 0 and cdf(hi - 1) >= 1.0 - a:
        hi -= 1
    return lo, hi
