"""The interface every distribution offers, and the arithmetic several share.

A prior is a frozen dataclass of its *canonical* parameters (a normal keeps
``mu`` and ``sigma`` whether the config gave ``mean``/``sd`` or
``p10``/``p90``) offering a vectorised quantile function (:meth:`Prior.ppf`),
:meth:`Prior.cdf`, a fast :meth:`Prior.sample`, :meth:`Prior.median`,
:meth:`Prior.mean` and :meth:`Prior.support`. The classes trust their
arguments: :func:`~simulate.config.priors.parse_prior` checks them first.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from ...format import format_as_written
from ..support import Support

__all__ = ["EDGE_LEVELS", "U_EPS", "FloatArray", "Prior", "computes", "rescale", "standardise"]

FloatArray = np.ndarray

# A run's uniforms are kept in [U_EPS, 1 - U_EPS], so unbounded quantiles stay
# finite; the draws reach the quantiles at these levels, and no further.
U_EPS = 2.0**-53
EDGE_LEVELS = np.array([U_EPS, 0.5, 1.0 - U_EPS])


@dataclass(frozen=True)
class Prior(ABC):
    """A distribution for one uncertain value.

    Subclasses are frozen dataclasses of their canonical parameters, one per
    ``dist`` name (the class attribute), listed in
    :data:`~simulate.config.priors.REGISTRY`. Every prior also carries the
    free-text ``source`` and ``note`` of its config entry, its ``label`` (the
    name charts and tables show, checked by :func:`.parse.label_problem`), and
    ``params``: the parameters as the config wrote them, for :meth:`describe`.
    """

    source: str | None = field(default=None, kw_only=True)
    note: str | None = field(default=None, kw_only=True)
    label: str | None = field(default=None, kw_only=True)
    params: tuple[tuple[str, Any], ...] = field(default=(), kw_only=True, repr=False, compare=False)

    dist: ClassVar[str]
    _discrete: ClassVar[bool] = False

    @abstractmethod
    def support(self) -> Support:
        """The values this prior can take."""

    @abstractmethod
    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantile function, elementwise over ``u`` in [0, 1].

        ``ppf(0)`` and ``ppf(1)`` are the support's ends (``-inf``/``inf`` when
        unbounded). For a discrete prior, the smallest value ``x`` with
        ``cdf(x) >= u`` up to rounding at the steps: ``cdf(x) >= u - tol``,
        ``tol`` = :data:`~.discrete.STEP_TOLERANCE` (1e-12, at most half the
        smallest probability).
        """

    @abstractmethod
    def cdf(self, x: FloatArray) -> FloatArray:
        """Cumulative distribution function ``P(X <= x)``, elementwise."""

    def draw(self, u: FloatArray) -> FloatArray:
        """The values a run draws at the uniforms ``u``: the quantile function.

        :meth:`ppf` itself, except for beta and PERT, whose draws come from a
        fast table of it (within about 1e-14 in ``u``, exact in the tails;
        :mod:`.betainv`), still increasing in ``u`` and in the prior's
        parameters. Quantiles at a few chosen levels (the tornado, the base
        case, validation) are taken with :meth:`ppf`.
        """
        return self.ppf(u)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` independent draws (float64), determined by the state of ``rng``.

        Drawn as a run draws them: :meth:`draw` of ``rng``'s uniforms, kept in
        ``[U_EPS, 1 - U_EPS]``.
        """
        return self.draw(np.clip(rng.random(n), U_EPS, 1.0 - U_EPS))

    def median(self) -> float:
        """``ppf(0.5)``; for a discrete prior the smallest value with ``cdf >= 0.5``."""
        return float(self.ppf(np.asarray(0.5)))

    @abstractmethod
    def mean(self) -> float:
        """The expected value (``inf``/``-inf`` where it diverges)."""

    def tail_index(self) -> float | None:
        """``k`` of a power-law tail, ``P(|X| > x) ~ x ** (-1 / k)``, or None without one.

        The moments of order ``1 / k`` and above are infinite (the variance
        from ``k >= 1/2``, the mean from ``k >= 1``). None (the default): every
        moment is finite, as for every prior bounded on both sides, the normal
        and the lognormal.
        """
        return None

    def computes_at_edges(self) -> bool | None:
        """True where :func:`computes` is known to hold without computing a quantile.

        None (the default) when the quantiles must be computed to tell: the
        answer never depends on which is taken, only the time does.
        """
        return None

    @property
    def is_fixed(self) -> bool:
        """True only for a ``fixed`` prior (a constant)."""
        return False

    @property
    def is_discrete(self) -> bool:
        """True for ``discrete``, ``bernoulli`` and ``fixed``."""
        return self._discrete

    def describe(self) -> str:
        """The prior as written, e.g. ``"pert(min=0.02, mode=0.05, max=0.1)"``."""
        items = self.params or tuple(
            (f.name, getattr(self, f.name))
            for f in fields(self)
            if f.init and f.name not in ("source", "note", "label", "params")
        )
        return f"{self.dist}(" + ", ".join(f"{k}={format_as_written(v)}" for k, v in items) + ")"


def computes(prior: Prior) -> bool:
    """Whether the quantiles a run can reach are finite floats inside the support.

    The readers of :mod:`.params` ask this of a prior whose parameters are
    valid but extreme (a lognormal with mean 5e-324, a normal with sd 1e308),
    and report the parameters as a mistake when it does not hold.
    """
    known = prior.computes_at_edges()
    if known is not None:
        return known
    with np.errstate(all="ignore"):
        x = prior.ppf(EDGE_LEVELS)
    support = prior.support()
    return bool(np.all(np.isfinite(x))) and all(support.contains_value(float(v)) for v in x)


def rescale(t: FloatArray, lo: float, hi: float) -> FloatArray:
    """``lo + (hi - lo) * t``, exact at ``t = 0`` and ``t = 1``.

    The plain affine map can land one ulp outside ``[lo, hi]`` at ``t = 1``;
    computing the upper half from ``hi`` keeps ppf(1) == hi exactly.
    """
    span = hi - lo
    return np.where(t <= 0.5, lo + span * t, hi - span * (1.0 - t))


def standardise(x: Any, shift: float, scale: float) -> FloatArray:
    """``(x - shift) / scale`` as floats; beyond the float range it is rightly +-inf."""
    with np.errstate(over="ignore"):
        return (np.asarray(x, dtype=float) - shift) / scale
