"""The 3-term metalog (Keelin 2016): a distribution through p10, p50 and p90."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..support import Support
from ._special import logit, special
from .base import FloatArray, Prior

__all__ = ["MAX_RATIO", "Metalog", "coefficients", "is_monotone", "to_z"]

# Keelin (2016): a 3-term metalog is a valid (increasing) quantile function
# iff a2 > 0 and |a3| / a2 < 1.66711.
MAX_RATIO = 1.66711
# Bisection steps of the cdf: 2**-60 ~ 1e-18 in probability.
_CDF_STEPS = 60
# logit(y) and y - 0.5 at the fitted probabilities, computed as ppf computes them
# so that the fitted quantiles come back to within a few ulps.
_L10, _L90 = -2.197224577336219, 2.1972245773362196  # special.logit(0.1), (0.9), exactly
_D10, _D90 = 0.1 - 0.5, 0.9 - 0.5


def to_z(x: Any, lo: float, hi: float) -> Any:
    """The metalog's transform of the value: identity, log or logit per bounds."""
    if math.isfinite(lo) and math.isfinite(hi):
        return np.log(x - lo) - np.log(hi - x)
    if math.isfinite(lo):
        return np.log(x - lo)
    if math.isfinite(hi):
        return -np.log(hi - x)
    return x


def _from_z(z: Any, lo: float, hi: float) -> Any:
    """Inverse of :func:`to_z`."""
    with np.errstate(over="ignore"):  # exp overflow at extreme quantiles is the right inf
        if math.isfinite(lo) and math.isfinite(hi):
            # (lo + hi e^z) / (1 + e^z), written from the nearer end so that
            # neither end loses precision and e^z never overflows.
            span = hi - lo
            return np.where(z < 0, lo + span * special.expit(z), hi - span * special.expit(-z))
        if math.isfinite(lo):
            return lo + np.exp(z)
        if math.isfinite(hi):
            return hi - np.exp(-z)
        return z


def coefficients(z10: float, z50: float, z90: float) -> tuple[float, float, float]:
    """``a1, a2, a3`` of M(y) = a1 + a2 L + a3 (y - 1/2) L through the three points."""
    s10 = (z10 - z50) / _L10  # = a2 + a3 * (0.1 - 0.5)
    s90 = (z90 - z50) / _L90  # = a2 + a3 * (0.9 - 0.5)
    a3 = (s90 - s10) / (_D90 - _D10)
    return z50, s90 - a3 * _D90, a3


def is_monotone(a2: float, a3: float) -> bool:
    """Whether ``a2``, ``a3`` give an increasing quantile function (Keelin's condition)."""
    return a2 > 0 and abs(a3) / a2 < MAX_RATIO


@dataclass(frozen=True)
class Metalog(Prior):
    """3-term metalog (Keelin 2016) through ``p10``, ``p50``, ``p90``.

    ``M(y) = a1 + a2 L + a3 (y - 1/2) L`` with ``L = ln(y / (1 - y))`` is the
    quantile function of the unbounded form; a ``lo`` bound gives
    ``lo + exp(M)``, a ``hi`` bound ``hi - exp(-M)``, and both
    ``(lo + hi exp(M)) / (1 + exp(M))``. Bounded ends are open.
    """

    p10: float
    p50: float
    p90: float
    lo: float = -math.inf
    hi: float = math.inf
    a1: float = field(init=False, repr=False, compare=False)
    a2: float = field(init=False, repr=False, compare=False)
    a3: float = field(init=False, repr=False, compare=False)

    dist = "metalog"

    def __post_init__(self) -> None:
        z = to_z(np.array([self.p10, self.p50, self.p90]), self.lo, self.hi)
        a1, a2, a3 = coefficients(*map(float, z))
        object.__setattr__(self, "a1", a1)
        object.__setattr__(self, "a2", a2)
        object.__setattr__(self, "a3", a3)

    def support(self) -> Support:
        return Support(self.lo, self.hi, False, False)

    def _quantile_z(self, y: FloatArray) -> FloatArray:
        """M(y) on the transformed scale; +-inf at y = 1 and 0 (a2 -+ a3/2 > 0 there)."""
        with np.errstate(divide="ignore"):
            return self.a1 + logit(y) * (self.a2 + self.a3 * (y - 0.5))

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=float)
        x = _from_z(self._quantile_z(u), self.lo, self.hi)
        # The bounds are never reached: a value that rounds onto one (a quantile
        # far in a tail, next to a bound of large magnitude) becomes the nearest
        # float inside. ppf(0) and ppf(1) stay the bounds themselves.
        inner_lo = np.nextafter(self.lo, np.inf) if math.isfinite(self.lo) else -np.inf
        inner_hi = np.nextafter(self.hi, -np.inf) if math.isfinite(self.hi) else np.inf
        return np.where((u > 0.0) & (u < 1.0), np.clip(x, inner_lo, inner_hi), x)

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        # Outside the support (log of <= 0) is masked below; x - lo may overflow to inf.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = to_z(x, self.lo, self.hi)
        # M is increasing in y, so bisect on y for M(y) = z, all x at once.
        below, above = np.zeros(x.shape), np.ones(x.shape)
        for _ in range(_CDF_STEPS):
            mid = 0.5 * (below + above)
            low = self._quantile_z(mid) < z
            below = np.where(low, mid, below)
            above = np.where(low, above, mid)
        y = 0.5 * (below + above)
        return np.where(x <= self.lo, 0.0, np.where(x >= self.hi, 1.0, y))

    def tail_index(self) -> float | None:
        """``k`` of the power-law tail of a metalog bounded on one side, else None.

        With a ``min``, ``x - min = exp(M(y))`` grows as ``(1 - y) ** -k`` towards
        ``y = 1``, ``k = a2 + a3 / 2`` (with a ``max``, towards ``y = 0``,
        ``k = a2 - a3 / 2``). Bounded on both sides or neither, every moment is
        finite.
        """
        if math.isfinite(self.lo) == math.isfinite(self.hi):
            return None
        return self.a2 + (0.5 if math.isfinite(self.lo) else -0.5) * self.a3

    def mean(self) -> float:
        if not math.isfinite(self.lo) and not math.isfinite(self.hi):
            # For Y uniform, E[L] = 0 and E[(Y - 1/2) L] = 1/2.
            return self.a1 + 0.5 * self.a3
        from scipy import integrate  # lazily: it adds 0.2 s to every start-up

        if math.isfinite(self.lo) and math.isfinite(self.hi):
            value, _ = integrate.quad(lambda y: float(self.ppf(y)), 0.0, 1.0, limit=200)
            return value
        # One bound: E[exp(+-M)] with y = expit(t), dy = expit(t) expit(-t) dt. The
        # tail behaves like exp((k - 1) |t|), k = a2 +- a3/2: the mean diverges for k >= 1.
        sign = 1.0 if math.isfinite(self.lo) else -1.0
        if self.a2 + sign * 0.5 * self.a3 >= 1.0:
            return sign * math.inf

        def integrand(t: float) -> float:
            m = self.a1 + t * (self.a2 + self.a3 * (float(special.expit(t)) - 0.5))
            return math.exp(sign * m - np.logaddexp(0.0, t) - np.logaddexp(0.0, -t))

        tail = sum(
            integrate.quad(integrand, *span, limit=200)[0] for span in ((-np.inf, 0), (0, np.inf))
        )
        return self.lo + tail if sign > 0 else self.hi - tail
