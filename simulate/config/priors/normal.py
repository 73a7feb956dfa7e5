"""The normal family: a normal (optionally truncated) and a lognormal."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..support import Support
from ._special import ndtri, special
from .base import FloatArray, Prior, standardise

__all__ = [
    "Z90",
    "Lognormal",
    "Normal",
    "lognormal_from_moments",
    "lognormal_from_quantiles",
    "normal_from_quantiles",
    "normal_mass",
]

Z90 = 1.2815515655446004  # standard normal 90th percentile: special.ndtri(0.9), exactly


def normal_mass(a: Any, b: Any) -> Any:
    """``P(a < Z < b)`` for a standard normal ``Z`` and ``a <= b``, accurate in both tails.

    Above the mean the difference is taken of survival probabilities, so a mass
    far in the upper tail is never the difference of two numbers close to 1.
    """
    upper = special.ndtr(-a) - special.ndtr(-b)
    lower = special.ndtr(b) - special.ndtr(a)
    return np.where(np.asarray(a) >= 0, upper, lower)


def normal_from_quantiles(p10: float, p90: float) -> tuple[float, float]:
    """``mu, sigma`` of the normal whose 10th and 90th percentiles are ``p10``, ``p90``."""
    return 0.5 * (p10 + p90), (p90 - p10) / (2.0 * Z90)


def lognormal_from_moments(mean: float, sd: float) -> tuple[float, float]:
    """``mu, sigma`` of the logarithm of a lognormal with this mean and sd (both > 0).

    A coefficient of variation beyond 1e150 (whose square overflows) uses
    ``ln(1 + r^2) = 2 ln r`` to within 1e-300; an infinite one gives infinite
    ``sigma``.
    """
    r = sd / mean
    s2 = math.log1p(r * r) if r < 1e150 else 2.0 * math.log(r)
    return math.log(mean) - 0.5 * s2, math.sqrt(s2)


def lognormal_from_quantiles(low: float, p90: float, *, median: bool) -> tuple[float, float]:
    """``mu, sigma`` of the logarithm of the lognormal through ``low`` and ``p90``.

    ``low`` is the 10th percentile, or with ``median`` the 50th.
    """
    z_low = 0.0 if median else -Z90
    sigma = (math.log(p90) - math.log(low)) / (Z90 - z_low)
    return math.log(low) - sigma * z_low, sigma


@dataclass(frozen=True)
class Normal(Prior):
    """Normal(``mu``, ``sigma``), optionally truncated to ``[lo, hi]``.

    The truncated quantile function works on whichever side of the mean keeps
    the tail probabilities small, so it stays accurate when the truncation
    lies far in a tail.
    """

    mu: float
    sigma: float
    lo: float = -math.inf
    hi: float = math.inf
    # Standardised bounds and the parent's mass between them.
    _a: float = field(init=False, repr=False, compare=False)
    _b: float = field(init=False, repr=False, compare=False)
    _mass: float = field(init=False, repr=False, compare=False)

    dist = "normal"

    def __post_init__(self) -> None:
        a = (self.lo - self.mu) / self.sigma
        b = (self.hi - self.mu) / self.sigma
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)
        object.__setattr__(self, "_mass", float(normal_mass(a, b)))

    @property
    def truncated(self) -> bool:
        """Whether a ``min`` or ``max`` cuts the normal."""
        return self.lo > -math.inf or self.hi < math.inf

    def support(self) -> Support:
        return Support(self.lo, self.hi, math.isfinite(self.lo), math.isfinite(self.hi))

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=float)
        if not self.truncated:
            return self.mu + self.sigma * ndtri(u)
        a, b, mass = self._a, self._b, self._mass
        # Lower half: solve P(a < Z < z) = u * mass; upper half: P(z < Z < b) =
        # (1 - u) * mass. On each side use Phi or its complement, whichever keeps
        # the target probability small (so ndtri sees no cancellation).
        if a >= 0:
            z_low = -special.ndtri(special.ndtr(-a) - u * mass)
        else:
            z_low = special.ndtri(special.ndtr(a) + u * mass)
        if b <= 0:
            z_high = special.ndtri(special.ndtr(b) - (1.0 - u) * mass)
        else:
            z_high = -special.ndtri(special.ndtr(-b) + (1.0 - u) * mass)
        x = np.clip(self.mu + self.sigma * np.where(u <= 0.5, z_low, z_high), self.lo, self.hi)
        return np.where(u == 0.0, self.lo, np.where(u == 1.0, self.hi, x))

    def cdf(self, x: FloatArray) -> FloatArray:
        z = standardise(x, self.mu, self.sigma)
        if not self.truncated:
            return special.ndtr(z)
        z = np.clip(z, self._a, self._b)
        below = normal_mass(self._a, z) / self._mass
        above = normal_mass(z, self._b) / self._mass
        return np.where(below <= 0.5, below, 1.0 - above)

    def mean(self) -> float:
        if not self.truncated:
            return self.mu

        def density(z: float) -> float:
            return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) if math.isfinite(z) else 0.0

        return self.mu + self.sigma * (density(self._a) - density(self._b)) / self._mass


@dataclass(frozen=True)
class Lognormal(Prior):
    """``exp(Normal(mu, sigma))``: ``mu`` and ``sigma`` are those of the logarithm."""

    mu: float
    sigma: float

    dist = "lognormal"

    def support(self) -> Support:
        return Support(0.0, math.inf, False, False)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.exp(self.mu + self.sigma * ndtri(u))

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):  # log of x <= 0 is masked below
            z = (np.log(x) - self.mu) / self.sigma
        return np.where(x > 0, special.ndtr(z), 0.0)

    def median(self) -> float:
        return math.exp(self.mu)

    def mean(self) -> float:
        return math.exp(self.mu + 0.5 * self.sigma**2)
