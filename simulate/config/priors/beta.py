"""Beta distributions moved to a range: beta itself and beta-PERT."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..support import Support
from ._special import special
from .base import FloatArray, Prior, standardise
from .betainv import exact_unit_quantile, unit_quantile

__all__ = ["MAX_SHAPE", "MIN_SHAPE", "Beta", "Pert", "beta_sd_limit", "beta_shapes_from_moments"]

# The shapes a beta (or PERT) may have: its quantile function is accurate
# between them (scipy's betaincinv is off by 1e-3 in u at shapes of 1e11,
# returns NaN near 1e250, and wrong values for subnormal shapes). A beta with
# both shapes near 1e9 has an sd of 1e-5 of its range: the value is certain.
MIN_SHAPE = 1e-8
MAX_SHAPE = 1e9


class _ScaledBeta:
    """Methods shared by a beta distribution moved to ``[lo, hi]`` (beta and pert)."""

    lo: float
    hi: float
    alpha: float
    beta: float

    def support(self) -> Support:
        return Support(self.lo, self.hi, True, True)

    def computes_at_edges(self) -> bool | None:
        # betaincinv gives finite levels in [0, 1] for every pair of shapes in
        # [MIN_SHAPE, MAX_SHAPE] (tests/test_priors.py, on a grid), and
        # _from_ends keeps them in [lo, hi] when the range is a float.
        shapes = (self.alpha, self.beta)
        if all(MIN_SHAPE <= s <= MAX_SHAPE for s in shapes) and math.isfinite(self.hi - self.lo):
            return True
        return None

    def ppf(self, u: FloatArray) -> FloatArray:
        # betaincinv at every level: cheap at the few levels ppf is asked for, and
        # no table is built to validate.
        return self._from_ends(*exact_unit_quantile(self.alpha, self.beta, u))

    def draw(self, u: FloatArray) -> FloatArray:
        # The table, built on the first draw of these shapes (see betainv).
        return self._from_ends(*unit_quantile(self.alpha, self.beta, u))

    def _from_ends(self, d: FloatArray, upper: FloatArray) -> FloatArray:
        # Each value is measured from the nearer end (see unit_quantile): exact
        # at both ends, and full precision next to each.
        d = d * (self.hi - self.lo)
        return np.clip(np.where(upper, self.hi - d, self.lo + d), self.lo, self.hi)

    def cdf(self, x: FloatArray) -> FloatArray:
        t = np.clip(standardise(x, self.lo, self.hi - self.lo), 0.0, 1.0)
        return special.betainc(self.alpha, self.beta, t)

    def mean(self) -> float:
        return self.lo + (self.hi - self.lo) * self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True)
class Pert(_ScaledBeta, Prior):
    """Beta-PERT on ``[lo, hi]`` with mode ``mode`` and weight ``lam`` (config ``lambda``).

    The beta shapes are ``1 + lam * (mode - lo) / (hi - lo)`` and
    ``1 + lam * (hi - mode) / (hi - lo)``, so the mean is
    ``(lo + lam * mode + hi) / (lam + 2)``.
    """

    lo: float
    mode: float
    hi: float
    lam: float = 4.0
    alpha: float = field(init=False, repr=False, compare=False)
    beta: float = field(init=False, repr=False, compare=False)

    dist = "pert"

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", self._shape(self.mode - self.lo))
        object.__setattr__(self, "beta", self._shape(self.hi - self.mode))

    def _shape(self, part: float) -> float:
        """``1 + lam * part / (hi - lo)``; divided first where ``lam * part`` overflows."""
        span = self.hi - self.lo
        shape = 1.0 + self.lam * part / span
        return shape if math.isfinite(shape) else 1.0 + self.lam * (part / span)

    def mean(self) -> float:
        return (self.lo + self.lam * self.mode + self.hi) / (self.lam + 2.0)


@dataclass(frozen=True)
class Beta(_ScaledBeta, Prior):
    """Beta(``alpha``, ``beta``) moved to ``[lo, hi]`` (config ``min``/``max``, default 0, 1)."""

    alpha: float
    beta: float
    lo: float = 0.0
    hi: float = 1.0

    dist = "beta"


def beta_sd_limit(mean: float, lo: float, hi: float) -> float:
    """The standard deviation that no beta on ``[lo, hi]`` with this mean reaches."""
    return math.sqrt((mean - lo) * (hi - mean))


def beta_shapes_from_moments(mean: float, sd: float, lo: float, hi: float) -> tuple[float, float]:
    """``alpha, beta`` of the beta on ``[lo, hi]`` with this mean and sd (method of moments).

    Needs ``lo < mean < hi`` and ``0 < sd <`` :func:`beta_sd_limit`; an ``sd``
    too small for its square to be a float gives infinite shapes.
    """
    m = (mean - lo) / (hi - lo)
    relative = (sd / (hi - lo)) ** 2
    if relative == 0.0:  # sd far below the range's float resolution: no beta to speak of
        return math.inf, math.inf
    k = m * (1.0 - m) / relative - 1.0
    return m * k, (1.0 - m) * k
