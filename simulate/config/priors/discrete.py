"""Priors that take a few values: a constant, a list of values, a yes/no flag."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..support import Support
from .base import FloatArray, Prior

__all__ = ["STEP_TOLERANCE", "Bernoulli", "Discrete", "Fixed"]

# A quantile level this close above a step of the cdf still counts as reaching
# it: probabilities and levels written as decimals are rounded to binary, and
# 1 - 0.9 = 0.09999999999999998 must reach the level 0.1. Never more than half
# the smallest probability, so no value loses more than half its chance.
STEP_TOLERANCE = 1e-12


def _step_tolerance(probs: list[float]) -> float:
    """The tolerance at the steps of a distribution whose values have ``probs`` (> 0)."""
    return min(STEP_TOLERANCE, 0.5 * min(probs))


@dataclass(frozen=True)
class Fixed(Prior):
    """A constant ``value``."""

    value: float

    dist = "fixed"
    _discrete = True

    def support(self) -> Support:
        return Support(self.value, self.value, True, True, (self.value,))

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=float)

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.where(np.asarray(x, dtype=float) >= self.value, 1.0, 0.0)

    def median(self) -> float:
        return self.value

    def mean(self) -> float:
        return self.value

    @property
    def is_fixed(self) -> bool:
        return True


@dataclass(frozen=True)
class Discrete(Prior):
    """Takes ``values[i]`` with probability ``probs[i]``."""

    values: tuple[float, ...]
    probs: tuple[float, ...]
    # Values with positive probability in increasing order, and their cdf.
    _x: np.ndarray = field(init=False, repr=False, compare=False)
    _cum: np.ndarray = field(init=False, repr=False, compare=False)
    # The steps ppf compares with: _cum moved up by the tolerance (the last is 1).
    _steps: np.ndarray = field(init=False, repr=False, compare=False)

    dist = "discrete"
    _discrete = True

    def __post_init__(self) -> None:
        pairs = sorted((v, p) for v, p in zip(self.values, self.probs, strict=True) if p > 0)
        total = sum(Fraction(p) for _, p in pairs)
        # Exact running sums, rounded once, so that ppf's "smallest value with
        # F >= u" is not moved by summation error (e.g. at the median).
        running, cum = Fraction(0), []
        for _, p in pairs:
            running += Fraction(p)
            cum.append(float(running / total))
        steps = np.array(cum) + _step_tolerance([p for _, p in pairs])
        steps[-1] = 1.0
        object.__setattr__(self, "_x", np.array([v for v, _ in pairs]))
        object.__setattr__(self, "_cum", np.array(cum))
        object.__setattr__(self, "_steps", steps)

    def support(self) -> Support:
        values = tuple(float(v) for v in self._x)
        return Support(values[0], values[-1], True, True, values)

    def ppf(self, u: FloatArray) -> FloatArray:
        # The smallest value whose cdf reaches u, up to STEP_TOLERANCE.
        index = np.searchsorted(self._steps, np.asarray(u, dtype=float), side="left")
        return self._x[np.minimum(index, self._x.size - 1)]

    def cdf(self, x: FloatArray) -> FloatArray:
        index = np.searchsorted(self._x, np.asarray(x, dtype=float), side="right") - 1
        return np.where(index >= 0, self._cum[np.maximum(index, 0)], 0.0)

    def mean(self) -> float:
        weighted = math.fsum(v * p for v, p in zip(self.values, self.probs, strict=True))
        return weighted / math.fsum(self.probs)


@dataclass(frozen=True)
class Bernoulli(Prior):
    """1 with probability ``p``, else 0 (a success flag)."""

    p: float

    dist = "bernoulli"
    _discrete = True

    def support(self) -> Support:
        return Support(0.0, 1.0, True, True, (0.0, 1.0))

    def ppf(self, u: FloatArray) -> FloatArray:
        # F(0) = 1 - p, so the smallest x with F(x) >= u is 0 for u <= 1 - p (up to
        # STEP_TOLERANCE; none at p = 0 or 1, where one value has no chance).
        q = 1.0 - self.p
        tolerance = _step_tolerance([q, self.p]) if 0.0 < self.p < 1.0 else 0.0
        return np.where(np.asarray(u, dtype=float) > q + tolerance, 1.0, 0.0)

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        return np.where(x < 0, 0.0, np.where(x < 1, 1.0 - self.p, 1.0))

    def mean(self) -> float:
        return self.p
