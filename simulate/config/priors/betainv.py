"""The beta distribution's quantile function, fast enough for millions of draws.

Every prior is drawn by its inverse CDF (docs/model.md section 2), so that a
scenario that changes a beta or PERT maps the same uniforms monotonically.
``scipy.special.betaincinv`` is exact to a few ulps but costs 1.4 to 4.5 s
per million values, ten to forty times the rest of a prior's sampling. So
the quantile function that draws (:func:`unit_quantile`) is computed in two
parts:

- the **body**, ``TAIL <= u <= 1 - TAIL``: UNU.RAN's polynomial interpolation
  of the inverse CDF (PINV, Derflinger, Hörmann and Leydold 2010, through
  ``scipy.stats.sampling.NumericalInversePolynomial``) of ``y = logit(x)``,
  with u-resolution 1e-15, built once per pair of shapes and kept (0.01 to
  0.06 s each); 0.05 to 0.1 s per million values, as fast as numpy's beta
  generator. On the logit scale the density is bounded and smooth for every
  pair of shapes (below 1 the beta's own is not), and ``expit(-y)`` gives a
  value next to 1 as its distance from 1, at full precision;
- the **tails**: ``betaincinv`` itself, on the complement for the upper tail
  (``1 - Q(u) = Q'(1 - u)`` for the beta with its shapes swapped).

Quantiles at a few chosen levels (:func:`exact_unit_quantile`, a prior's
``ppf``) take ``betaincinv`` everywhere: validating a config or drawing a
tornado builds no interpolant and does not import ``scipy.stats``.

An interpolant is only used once it has passed a check on a fixed grid of the
body (``|I_x(a, b) - u| <= 1e-14`` everywhere on it, plus what rounding the
quantile itself costs where the density is tall); where its setup fails, runs
over a budget of density calls, or fails the check (shapes below about 0.01,
or above about 1e8), ``betaincinv`` serves every level. These decisions
depend on the shapes alone, never on timing or threads, so the draws are
reproducible bit for bit.

Why this is enough for paired scenarios: two betas' computed quantiles at the
same ``u`` can only come out in the wrong order where their cdfs differ by
less than the interpolant's error there, 1e-15 (at most 1e-12 relative, at
``u = TAIL``); deeper in the tails, where cdfs get that close, ``betaincinv``
takes over. Measured over 1e6 uniforms plus 4,000 tail levels for PERTs and
betas whose mode or shape moves by as little as 1e-9 (relative): no trial
where the larger prior draws below the smaller; the interpolant alone, on
``x`` or on ``logit(x)``, does so in hundreds of tail levels, and numpy's
beta generator in about half of all trials.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from typing import Any

import numpy as np
from scipy import special

__all__ = ["TAIL", "exact_unit_quantile", "unit_quantile"]

# Levels below TAIL or above 1 - TAIL are inverted exactly with betaincinv.
TAIL = 1e-3
# The interpolant's target accuracy in u (the smallest UNU.RAN accepts), and
# the error its check on the grid tolerates before betaincinv replaces it (plus
# what rounding the quantile itself costs where the density is tall).
_U_RESOLUTION = 1e-15
_U_CHECK = 1e-14
# Degree of its polynomials: 12 needs about 100 intervals and 20,000 calls of
# the density for a PERT (the default 5 needs 800 and 40,000), at the same accuracy.
_ORDER = 12
# Calls of the density after which a setup is abandoned (about 0.3 s): good
# fits need 15,000 to 30,000; UNU.RAN can spend minutes on a hopeless one.
_CALL_BUDGET = 100_000
_CHECK_GRID = np.linspace(TAIL, 1.0 - TAIL, 4097)
# A quantile this close to the end away from its level is computed again from
# that end (see _exact).
_FAR = 2.0**-26
# Interpolants kept (about 10 kB each); the oldest goes first.
_CACHE_SIZE = 256

_cache: dict[tuple[float, float], Any] = {}
_lock = threading.Lock()


def _forget_lock() -> None:
    # A forked child must not inherit a lock another thread held at the fork.
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_lock)


class _OverBudget(Exception):
    """The interpolant's setup called the density more often than any good fit needs."""


class _LogitDensity:
    """The log-density of ``logit(X) - log(a / b)`` for X ~ beta(a, b), up to a constant.

    With ``y = logit(x)`` the density is ``x^a (1 - x)^b / B(a, b)``: bounded and
    smooth for every pair of shapes (a shape below 1 makes the beta's own
    density infinite at an end), with exponential tails; and a draw next to 0 or
    1 keeps its relative precision (``expit(-y)`` is the distance from 1).
    Centred at its mode ``log(a / b)`` and written as ``log1p`` of small terms,
    it stays accurate for large shapes, where ``a log x`` and ``b log(1 - x)``
    would be large numbers that almost cancel. UNU.RAN calls it one float at a
    time; past ``_CALL_BUDGET`` calls it gives up (see :func:`_build`).
    """

    def __init__(self, a: float, b: float) -> None:
        self.a, self.b = a, b
        self.p, self.q = b / (a + b), a / (a + b)  # expit(-mode), expit(mode)
        self.calls = 0

    def logpdf(self, d: float) -> float:
        self.calls += 1
        if self.calls > _CALL_BUDGET:
            raise _OverBudget
        # a log(x / x0) + b log((1 - x) / (1 - x0)) for x = expit(mode + d), x0 = expit(mode)
        return -self.a * _log_mix(self.q, self.p, -d) - self.b * _log_mix(self.p, self.q, d)


def _log_mix(p: float, q: float, d: float) -> float:
    """``log(p + q e^d)`` for ``p + q = 1``, accurate for small ``d`` and finite for large."""
    if d <= 0.0:
        return math.log1p(q * math.expm1(d))
    return d + math.log1p(p * math.expm1(-d))  # = d + log(q + p e^-d)


def _build(a: float, b: float) -> Any:
    """A checked interpolant of ``logit(Q(u)) - log(a / b)``, or None to use betaincinv."""
    if not (math.isfinite(a + b) and min(a, b) > 0.0):
        return None
    from scipy.stats.sampling import NumericalInversePolynomial  # lazily: 0.3 s to import

    try:
        with warnings.catch_warnings():
            # UNU.RAN reports a shortfall in accuracy as a RuntimeWarning; the check
            # below decides, so the outcome never depends on what was printed.
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                generator = NumericalInversePolynomial(
                    _LogitDensity(a, b),
                    center=0.0,
                    domain=(-math.inf, math.inf),
                    order=_ORDER,
                    u_resolution=_U_RESOLUTION,
                )
                d, upper = _from_logit(_mode(a, b) + generator.ppf(_CHECK_GRID))
                ok = _accurate(a, b, d, upper)
    except Exception:  # UNU.RAN gives up on some shapes, or ran over the budget
        return None
    return generator if ok else None


def _accurate(a: float, b: float, d: np.ndarray, upper: np.ndarray) -> bool:
    """Whether ``(d, upper)`` are the quantiles at ``_CHECK_GRID`` to ``_U_CHECK``.

    With both shapes at least 1 the density is bounded, by its value at the
    mode, and the error allowed in u grows with it (large shapes make it
    tall): where one ulp of the quantile moves the cdf by more than
    ``_U_CHECK``, even the exactly rounded quantile is that far from u.
    """
    u = _CHECK_GRID
    error = np.where(upper, special.betainc(b, a, d) - (1.0 - u), special.betainc(a, b, d) - u)
    allowed = _U_CHECK
    if min(a, b) >= 1.0:
        mode = (a - 1.0) / (a + b - 2.0) if a + b > 2.0 else 0.5
        peak = math.exp(
            special.xlogy(a - 1.0, mode) + special.xlog1py(b - 1.0, -mode) - special.betaln(a, b)
        )
        allowed += 4.0 * peak * 2.0**-53  # 2^-53: the spacing of floats just below 1/2
    return bool(np.all(np.abs(error) <= allowed))


def _mode(a: float, b: float) -> float:
    """The mode of ``logit(X)``, X ~ beta(a, b): the interpolant's origin."""
    return math.log(a) - math.log(b)


def _from_logit(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(distance to the nearer end, whether that end is 1)`` of ``x = expit(y)``."""
    upper = y > 0.0
    return special.expit(np.where(upper, -y, y)), upper


def _interpolant(a: float, b: float) -> Any:
    """The interpolant for shapes ``a``, ``b`` (built on first use, then kept), or None."""
    key = (a, b)
    if key in _cache:
        return _cache[key]
    with _lock:  # one build at a time: warnings.catch_warnings is process-wide
        if key not in _cache:
            if len(_cache) >= _CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[key] = _build(a, b)
        return _cache[key]


def _exact(a: float, b: float, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`unit_quantile` by betaincinv (``u`` one-dimensional), each value from its end.

    ``Q(u)`` from ``u`` up to 1/2 and ``1 - Q(u)`` from ``1 - u`` above, both
    exact levels. A quantile that lands next to the other end (a beta whose
    mass is packed against it, as with a shape of 0.001) is computed again from
    that end, so its distance to that end keeps its precision too.
    """
    lower = u <= 0.5
    t = np.asarray(special.betaincinv(a, b, np.where(lower, u, 0.5)))  # Q(u)
    s = np.asarray(special.betaincinv(b, a, np.where(lower, 0.5, 1.0 - u)))  # 1 - Q(u)
    # Within 2^-26 of the other end, 1 - t (or 1 - s) has lost half its digits;
    # there the other end's level (1 - u or u) is the better start.
    far = np.where(lower, t, s) > 1.0 - _FAR
    low_far, high_far = far & lower, far & ~lower
    if low_far.any():
        s[low_far] = special.betaincinv(b, a, 1.0 - u[low_far])
    if high_far.any():
        t[high_far] = special.betaincinv(a, b, u[high_far])
    upper = lower == far  # from 1: the upper levels, and the lower ones recomputed from 1
    d = np.where(upper, s, t)
    flip = d > 0.5  # on the far side of 1/2: measure it from the nearer end (1 - d is exact)
    return np.where(flip, 1.0 - d, d), upper != flip


def exact_unit_quantile(a: float, b: float, u: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`unit_quantile` by ``betaincinv`` at every level, never the interpolant.

    For quantiles at a few chosen levels (a prior's ``ppf``: validation, the
    tornado, the base case), where building an interpolant, and importing
    ``scipy.stats`` for it, would cost far more than it saves.
    """
    u = np.asarray(u, dtype=float)
    d, upper = _exact(a, b, u.ravel())
    return d.reshape(u.shape), upper.reshape(u.shape)


def unit_quantile(a: float, b: float, u: Any) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) quantiles as ``(d, upper)``: ``Q(u) = 1 - d`` where ``upper``, else ``d``.

    The draws' quantile function: the interpolant in the body, ``betaincinv``
    in the tails and for shapes it does not serve. Each quantile is given as
    its distance ``d`` (in [0, 1/2] up to rounding) from the nearer end of
    [0, 1], so a value close to 1 keeps its precision;
    :meth:`~.beta._ScaledBeta.draw` measures it from ``max`` or ``min``. ``u``
    lies in [0, 1]; ``d`` is 0 at ``u = 0`` and ``u = 1``.
    """
    u = np.asarray(u, dtype=float)
    flat = u.ravel()
    generator = _interpolant(a, b)
    if generator is None:
        d, upper = _exact(a, b, flat)
    else:
        d, upper = _from_logit(_mode(a, b) + np.asarray(generator.ppf(flat), dtype=float))
        tails = (flat < TAIL) | (flat > 1.0 - TAIL)
        if tails.any():
            d[tails], upper[tails] = _exact(a, b, flat[tails])
    return d.reshape(u.shape), upper.reshape(u.shape)
