"""The beta distribution's quantile function, fast enough for millions of draws.

Every prior is drawn by its inverse CDF (docs/model.md section 2), so that a
scenario that changes a beta or PERT maps the same uniforms monotonically.
``scipy.special.betaincinv`` is exact to a few ulps but costs 1.4 to 4.5 s
per million values, ten to forty times the rest of a prior's sampling. So
the quantile function that draws (:func:`unit_quantile`) is computed in two
parts, with numpy and ``scipy.special`` only (``scipy.stats`` costs 0.65 s of
CPU to import):

- the **body**, ``TAIL <= u <= 1 - TAIL``: a table of the quantile function
  on the logit scales of both ``u`` and ``x``, ``z(t) = logit(Q(u)) -
  log(a / b)`` with ``t = logit(u)``, in pieces of equal width in ``t``, each
  the quintic Hermite polynomial through ``z`` and its first two derivatives
  at the piece's ends (:func:`_nodes`): ``z`` exact (``betaincinv``, from the
  end of [0, 1] the quantile is nearer), its derivatives closed forms of the
  density. On these scales the function is smooth and nearly straight for
  every pair of shapes (a shape below 1 makes the beta's density infinite at
  an end; here its tail is a straight line), and the error shrinks with
  ``min(u, 1 - u)`` towards the tails: for every PERT (lambda 0.5 to 50) the
  table is within 1.1e-14 in u of ``betaincinv``, which is that function's
  own accuracy, and within ``3e-13 min(u, 1 - u)``. A draw finds its piece
  by one multiplication, not a search: about 0.03 s per million values, as
  fast as numpy's beta generator. A table takes 1 to 5 ms to build and is
  kept (25 kB);
- the **tails**: ``betaincinv`` itself, on the complement for the upper tail
  (``1 - Q(u) = Q'(1 - u)`` for the beta with its shapes swapped).

Quantiles at a few chosen levels (:func:`exact_unit_quantile`, a prior's
``ppf``) take ``betaincinv`` everywhere: validating a config or drawing a
tornado builds no table.

A table is only used once it has passed two checks: each polynomial is
increasing on its whole piece (the Bernstein coefficients of its derivative
are positive: so the table increases with ``u``, up to the rounding of its
evaluation), and it is within ``1e-14`` in u of ``betaincinv`` at the middle
of every piece, where a Hermite interpolant is furthest from its nodes (plus
what rounding the quantile itself costs where the density is tall). Shapes
that 512 pieces do not fit (a U-shaped beta with both shapes below about 0.2)
get 4,096. Where both fail, or no table can be built (a quantile that
underflows, with a shape below about 0.005; shapes where ``betaincinv``
itself is erratic, off by up to 2e-9 in u for (1000, 1e5)), ``betaincinv``
serves every level. These decisions depend on the shapes alone, never on
timing or threads, so the draws are reproducible bit for bit.

Why this is enough for paired scenarios: two betas' computed quantiles at the
same ``u`` can only come out in the wrong order where their cdfs differ by
less than the table's error there, about 1e-14 in u; deeper in the tails,
where cdfs get that close, ``betaincinv`` takes over. PERTs and betas whose
mode or shape moves by as little as 1e-9 (relative) never draw below the
smaller prior, over 2e5 uniforms and 4,000 tail levels
(``tests/test_betainv.py``); numpy's beta generator did so in about half of
all trials.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass

import numpy as np

from ._special import special

__all__ = ["TAIL", "exact_unit_quantile", "unit_quantile"]

# Levels below TAIL or above 1 - TAIL are inverted exactly with betaincinv.
TAIL = 1e-3
# The body on the logit scale of u: t in [_T0, -_T0].
_T0 = math.log(TAIL) - math.log1p(-TAIL)
# Pieces of the table, tried in turn: 512 keeps every PERT within about 1e-15
# in u (256 gives 1e-14, the edge of the check); 4096 serves the U-shaped betas
# with both shapes down to 0.01. The draws' speed hardly depends on it.
_PIECES = (512, 4096)
# The error in u the check tolerates before betaincinv replaces the table (plus
# what rounding the quantile itself costs where the density is tall).
_U_CHECK = 1e-14
# A quantile this close to the end away from its level is computed again from
# that end (see _exact).
_FAR = 2.0**-26
# Tables kept (about 25 kB each); the oldest goes first.
_CACHE_SIZE = 256
# Levels interpolated per block: a block's temporaries stay in the CPU's cache.
_BLOCK = 1 << 14
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

_cache: dict[tuple[float, float], _Table | None] = {}
_lock = threading.Lock()


def _forget_lock() -> None:
    # A forked child must not inherit a lock another thread held at the fork.
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_lock)


@dataclass(frozen=True)
class _Table:
    """The quintic pieces of ``z(t)``: ``coef[j][k]`` multiplies ``w^j`` in piece ``k``.

    Piece ``k`` covers ``t`` in ``[_T0 + k h, _T0 + (k + 1) h]`` with ``w`` its
    position in it, from 0 to 1; ``origin`` is ``log(a / b)``, the mode of
    ``logit(X)``, which ``z`` is measured from.
    """

    coef: tuple[np.ndarray, ...]
    origin: float
    scale: float  # 1 / h

    def z(self, u: np.ndarray) -> np.ndarray:
        """``z`` at the levels ``u`` (one block, all in the body)."""
        s = np.log(u)
        s -= np.log1p(-u)  # t = logit(u)
        s -= _T0
        s *= self.scale
        k = s.astype(np.intp)
        np.clip(k, 0, len(self.coef[0]) - 1, out=k)
        s -= k  # w, the position in piece k
        z = self.coef[5].take(k)
        for c in self.coef[4::-1]:
            z *= s
            z += c.take(k)
        return z

    def body(self, u: np.ndarray, d: np.ndarray, upper: np.ndarray) -> None:
        """Write the quantiles at levels ``u`` (all in the body) as ``(d, upper)``."""
        for i in range(0, u.size, _BLOCK):
            y = self.z(u[i : i + _BLOCK])
            y += self.origin
            upper[i : i + _BLOCK] = y > 0.0
            np.abs(y, out=y)
            np.negative(y, out=y)
            special.expit(y, out=d[i : i + _BLOCK])  # the distance to the nearer end


def _omega(z: float) -> float:
    """Stirling's remainder ``lgamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2)``."""
    if z < 10.0:
        return math.lgamma(z) - ((z - 0.5) * math.log(z) - z + _HALF_LOG_2PI)
    w = 1.0 / (z * z)  # the asymptotic series: its next term is below 1e-17 from 10 up
    series = -691.0 / 360360.0
    for c in (1.0 / 1188.0, -1.0 / 1680.0, 1.0 / 1260.0, -1.0 / 360.0, 1.0 / 12.0):
        series = c + w * series
    return series / z


def _log_peak(a: float, b: float) -> float:
    """``log(q^a p^b / B(a, b))``, ``q = a / (a + b)``: the density of ``logit(X)`` at its mode.

    By Stirling's formula with its remainder, without the cancellation of
    ``a log q + b log p - betaln(a, b)`` (terms of size ``a + b``).
    """
    half = 0.5 * (math.log(a) + math.log(b) - math.log(a + b)) - _HALF_LOG_2PI
    return half + _omega(a + b) - _omega(a) - _omega(b)


def _log_mix(p: float, q: float, d: np.ndarray) -> np.ndarray:
    """``log(p + q e^d)`` for ``p + q = 1``: accurate for small ``d``, finite for large."""
    below = np.log1p(q * np.expm1(np.minimum(d, 0.0)))
    above = d + np.log1p(p * np.expm1(-np.maximum(d, 0.0)))
    return np.where(d <= 0.0, below, above)


def _log_density(a: float, b: float, z: np.ndarray) -> np.ndarray:
    """The log-density of ``logit(X)``, X ~ beta(a, b), at ``log(a / b) + z``.

    ``x^a (1 - x)^b / B(a, b)``, written as its value at the mode times
    ``log1p`` of small terms, so it keeps its precision for large shapes,
    where ``a log x`` and ``b log(1 - x)`` are large numbers that almost cancel.
    """
    p, q = b / (a + b), a / (a + b)  # expit(-mode), expit(mode)
    return _log_peak(a, b) - a * _log_mix(q, p, -z) - b * _log_mix(p, q, z)


def _quantiles(a: float, b: float, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``z = logit(Q(u)) - log(a / b)`` by ``betaincinv``: the exact quantiles, as ``ppf``'s.

    From ``u`` where the quantile is below 1/2, and from ``v = 1 - u`` (shapes
    swapped) above, so each end keeps its precision.
    """
    lower = u <= special.betainc(a, b, 0.5)
    x = np.empty_like(u)
    x[lower] = special.betaincinv(a, b, u[lower])
    rest = 1.0 - x
    rest[~lower] = special.betaincinv(b, a, v[~lower])  # 1 - x above
    x[~lower] = 1.0 - rest[~lower]
    logit = np.where(lower, np.log(x) - np.log1p(-x), np.log1p(-rest) - np.log(rest))
    return logit - (math.log(a) - math.log(b))


def _nodes(a: float, b: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z``, ``dz/dt`` and ``d2z/dt2`` at the levels ``t = logit(u)``, exactly.

    With ``g`` the density of ``logit(X)``, ``dz/dt = u (1 - u) / g``, and
    ``d2z/dt2 = r (1 - 2u - (a - (a + b) x) r)`` for ``r = dz/dt``, where
    ``a - (a + b) x = b x (e^-z - 1)``.
    """
    u, v = special.expit(t), special.expit(-t)  # u and 1 - u, each to full precision
    z = _quantiles(a, b, u, v)
    r = np.exp(-np.logaddexp(0.0, -t) - np.logaddexp(0.0, t) - _log_density(a, b, z))
    x = special.expit(math.log(a) - math.log(b) + z)
    return z, r, r * ((v - u) - b * x * np.expm1(-z) * r)


def _pieces(z: np.ndarray, dz: np.ndarray, d2z: np.ndarray, h: float) -> tuple[np.ndarray, ...]:
    """The quintic Hermite polynomials in ``w`` through the nodes' values and derivatives."""
    p0, p1, m0, m1 = z[:-1], z[1:], h * dz[:-1], h * dz[1:]
    q0, q1 = h * h * d2z[:-1], h * h * d2z[1:]
    rise = p1 - p0
    c3 = 10.0 * rise - 6.0 * m0 - 4.0 * m1 - 1.5 * q0 + 0.5 * q1
    c4 = -15.0 * rise + 8.0 * m0 + 7.0 * m1 + 1.5 * q0 - q1
    c5 = 6.0 * rise - 3.0 * m0 - 3.0 * m1 - 0.5 * (q0 - q1)
    return p0, m0, 0.5 * q0, c3, c4, c5


def _increasing(coef: tuple[np.ndarray, ...]) -> bool:
    """Whether every piece increases on ``0 <= w <= 1``.

    Sufficient: the derivative's Bernstein coefficients (degree 4) are all
    positive, since the derivative lies between the smallest and the largest.
    """
    d1, d2, d3, d4, d5 = (j * coef[j] for j in range(1, 6))
    bernstein = (
        d1,
        d1 + d2 / 4.0,
        d1 + d2 / 2.0 + d3 / 6.0,
        d1 + 0.75 * d2 + d3 / 2.0 + d4 / 4.0,
        d1 + d2 + d3 + d4 + d5,
    )
    return bool(all(np.all(c > 0.0) for c in bernstein))


def _build(a: float, b: float) -> _Table | None:
    """A checked table of the body for shapes ``a``, ``b``, or None to use betaincinv."""
    if not (math.isfinite(a + b) and min(a, b) > 0.0):
        return None
    for n in _PIECES:
        h = -2.0 * _T0 / n
        t = _T0 + h * np.arange(n + 1)
        with np.errstate(all="ignore"):  # an underflow or overflow is caught below
            coef = _pieces(*_nodes(a, b, t), h)
            if not all(np.all(np.isfinite(c)) for c in coef) or not _increasing(coef):
                continue
            table = _Table(coef, math.log(a) - math.log(b), 1.0 / h)
            if _accurate(a, b, table, t[:-1] + 0.5 * h):
                return table
    return None


def _accurate(a: float, b: float, table: _Table, t: np.ndarray) -> bool:
    """Whether ``table`` gives the exact quantiles at ``t = logit(u)`` to ``_U_CHECK`` in u.

    The check is taken in the middle of every piece, where a Hermite
    interpolant is furthest from the nodes it matches. A difference ``dz``
    moves the cdf by ``g dz`` (``g``, the density of ``logit(X)``); to the
    ``_U_CHECK`` allowed is added what rounding ``z`` costs where ``g`` is
    tall (large shapes): eight rounding errors of ``log(a / b) + z``.
    """
    u, v = special.expit(t), special.expit(-t)
    exact = _quantiles(a, b, u, v)
    g = np.exp(_log_density(a, b, exact))
    rounding = 8.0 * 2.0**-52 * g * (np.abs(exact) + abs(table.origin) + 1.0)
    return bool(np.all(np.abs(table.z(u) - exact) * g <= _U_CHECK + rounding))  # False for NaN


def _table(a: float, b: float) -> _Table | None:
    """The table for shapes ``a``, ``b`` (built on first use, then kept), or None."""
    key = (a, b)
    if key in _cache:
        return _cache[key]
    with _lock:  # one build at a time
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


def exact_unit_quantile(a: float, b: float, u: object) -> tuple[np.ndarray, np.ndarray]:
    """:func:`unit_quantile` by ``betaincinv`` at every level, never the table.

    For quantiles at a few chosen levels (a prior's ``ppf``: validation, the
    tornado, the base case), where building a table would cost more than it
    saves.
    """
    u = np.asarray(u, dtype=float)
    d, upper = _exact(a, b, u.ravel())
    return d.reshape(u.shape), upper.reshape(u.shape)


def unit_quantile(a: float, b: float, u: object) -> tuple[np.ndarray, np.ndarray]:
    """Beta(a, b) quantiles as ``(d, upper)``: ``Q(u) = 1 - d`` where ``upper``, else ``d``.

    The draws' quantile function: the table in the body, ``betaincinv`` in
    the tails and for shapes it does not serve. Each quantile is given as its
    distance ``d`` (in [0, 1/2] up to rounding) from the nearer end of [0, 1],
    so a value close to 1 keeps its precision;
    :meth:`~.beta._ScaledBeta.draw` measures it from ``max`` or ``min``. ``u``
    lies in [0, 1]; ``d`` is 0 at ``u = 0`` and ``u = 1``.
    """
    u = np.asarray(u, dtype=float)
    flat = u.ravel()
    table = _table(a, b)
    if table is None:
        d, upper = _exact(a, b, flat)
    else:
        d, upper = np.empty_like(flat), np.empty(flat.shape, dtype=bool)
        table.body(np.clip(flat, TAIL, 1.0 - TAIL), d, upper)
        tails = (flat < TAIL) | (flat > 1.0 - TAIL)
        if tails.any():
            d[tails], upper[tails] = _exact(a, b, flat[tails])
    return d.reshape(u.shape), upper.reshape(u.shape)
