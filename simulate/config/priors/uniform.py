"""Priors on a bounded range with straight-line densities: uniform and triangular."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..support import Support
from .base import FloatArray, Prior, rescale, standardise

__all__ = ["Triangular", "Uniform"]


@dataclass(frozen=True)
class Uniform(Prior):
    """Uniform on ``[lo, hi]`` (config keys ``min``, ``max``)."""

    lo: float
    hi: float

    dist = "uniform"

    def support(self) -> Support:
        return Support(self.lo, self.hi, True, True)

    def ppf(self, u: FloatArray) -> FloatArray:
        return rescale(np.asarray(u, dtype=float), self.lo, self.hi)

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.clip(standardise(x, self.lo, self.hi - self.lo), 0.0, 1.0)

    def mean(self) -> float:
        return 0.5 * (self.lo + self.hi)


@dataclass(frozen=True)
class Triangular(Prior):
    """Triangular on ``[lo, hi]`` with peak at ``mode``."""

    lo: float
    mode: float
    hi: float

    dist = "triangular"

    def support(self) -> Support:
        return Support(self.lo, self.hi, True, True)

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=float)
        lo, mode, hi = self.lo, self.mode, self.hi
        span = hi - lo
        if math.isfinite(span * max(mode - lo, hi - mode)):
            left = lo + np.sqrt(u * span * (mode - lo))
            right = hi - np.sqrt((1.0 - u) * span * (hi - mode))
        else:  # a range so wide that its square overflows: take the roots apart
            left = lo + np.sqrt(u * span) * math.sqrt(mode - lo)
            right = hi - np.sqrt((1.0 - u) * span) * math.sqrt(hi - mode)
        # Inside [lo, hi] exactly: the clip only catches rounding at the ends.
        return np.clip(np.where(u <= (mode - lo) / span, left, right), lo, hi)

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        lo, mode, hi = self.lo, self.mode, self.hi
        span = hi - lo
        # One side has zero width when mode is at an end, and squares of huge x
        # overflow; the outer `where` never selects those, so silence them.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            left = (x - lo) ** 2 / (span * (mode - lo))
            right = 1.0 - (hi - x) ** 2 / (span * (hi - mode))
        inside = np.where(x <= mode, left, right)
        return np.where(x <= lo, 0.0, np.where(x >= hi, 1.0, inside))

    def mean(self) -> float:
        return (self.lo + self.mode + self.hi) / 3.0
