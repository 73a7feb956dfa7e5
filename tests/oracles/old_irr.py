"""The IRR solver as it was before it was made fast: the oracle for "same semantics".

This is ``simulate/_irr.py`` at commit d7b54de, the bracketed safeguarded
Newton in ``x = log(1 + monthly rate)``, unchanged but for the module
docstring, the comment on ``_X_LIMIT`` and ``MODEL.md`` now
``docs/model.md``. ``tests/test_irr.py`` holds the fast solver
(``simulate.kernel.irr``) to it: the same NaN cases and the same roots to
within rounding. (``bench/irr.py`` times against any revision with
``git show``; this copy is what the tests need without git.)

``irr(cf, cum)``: the annualised IRR of monthly flows ``cf`` (with their
cumulative sums ``cum``) under docs/model.md section 6's uniqueness rules,
else NaN. A numba function, so a compiled test driver can call it per row.
"""

from __future__ import annotations

import math

from numba import njit

__all__ = ["irr"]

# Bracket limit for the IRR search in x = log(1 + monthly rate) (the
# expansion's steps stop at 512).
_X_LIMIT = 700.0


@njit(cache=True)
def _sign_changes(x):
    changes = 0
    prev = 0.0
    for v in x:
        if v != 0.0:
            if prev != 0.0 and (v > 0.0) != (prev > 0.0):
                changes += 1
            prev = v
    return changes


@njit(cache=True)
def _first_last_sign(x):
    first = 0.0
    last = 0.0
    for v in x:
        if v != 0.0:
            if first == 0.0:
                first = math.copysign(1.0, v)
            last = math.copysign(1.0, v)
    return first, last


@njit(cache=True)
def _npv_in_log_rate(cf, x):
    """NPV at monthly rate exp(x) - 1, rescaled so it cannot overflow.

    Returns ``(h, dh/dx)`` where ``h`` has the sign and the roots of
    ``sum(cf_m * exp(-m x))``: for x >= 0 that sum itself (powers of
    exp(-x) <= 1); for x < 0 the sum times exp(T x), a polynomial in exp(x) < 1.
    """
    n = cf.shape[0]
    acc = 0.0
    dacc = 0.0
    if x >= 0.0:
        v = math.exp(-x)
        for m in range(n - 1, -1, -1):
            dacc = dacc * v + acc
            acc = acc * v + cf[m]
        return acc, -v * dacc
    w = math.exp(x)
    for m in range(n):
        dacc = dacc * w + acc
        acc = acc * w + cf[m]
    return acc, w * dacc


@njit(cache=True)
def _root_in_bracket(cf, lo, hi, f_lo):
    """Safeguarded Newton (bisection fallback) for a sign change in [lo, hi]."""
    x = min(max(0.01, lo), hi)
    if x == lo or x == hi:
        x = 0.5 * (lo + hi)
    for _ in range(200):
        f, df = _npv_in_log_rate(cf, x)
        if f == 0.0:
            return x
        if (f > 0.0) == (f_lo > 0.0):
            lo = x
        else:
            hi = x
        step_ok = False
        if df != 0.0:
            nxt = x - f / df
            step_ok = lo < nxt < hi
        if not step_ok:
            nxt = 0.5 * (lo + hi)
        if abs(nxt - x) <= 1e-15 * (1.0 + abs(x)) or hi - lo <= 1e-15 * (1.0 + abs(x)):
            return nxt
        x = nxt
    return x


@njit(cache=True)
def _expand(cf, start, direction, want_sign):
    """Step from ``start`` in ``direction`` until h has ``want_sign``; nan if never."""
    step = 1.0
    while step <= _X_LIMIT:
        x = start + direction * step
        f, _ = _npv_in_log_rate(cf, x)
        if f == 0.0 or math.copysign(1.0, f) == want_sign:
            return x
        step *= 2.0
    return math.nan


@njit(cache=True)
def irr(cf, cum):
    """Annualised IRR under docs/model.md section 6's uniqueness rules, else nan."""
    if _sign_changes(cf) == 1:
        first, last = _first_last_sign(cf)
        f0 = cum[cum.shape[0] - 1]  # h(0) = undiscounted sum
        if f0 == 0.0:
            return 0.0
        if math.copysign(1.0, f0) == first:
            # h(0) already has the sign it has for large x: the root is below 0.
            lo = _expand(cf, 0.0, -1.0, last)
            if math.isnan(lo):
                return math.nan
            f_lo, _ = _npv_in_log_rate(cf, lo)
            x = lo if f_lo == 0.0 else _root_in_bracket(cf, lo, 0.0, f_lo)
        else:
            hi = _expand(cf, 0.0, 1.0, first)
            if math.isnan(hi):
                return math.nan
            x = _root_in_bracket(cf, 0.0, hi, f0)
        return math.expm1(12.0 * x)
    if _sign_changes(cum) == 1:
        f0 = cum[cum.shape[0] - 1]
        if f0 == 0.0:
            return 0.0
        # Norstrom: a unique root in (0, inf); h(x) -> sign of the first flow.
        first, _ = _first_last_sign(cf)
        if math.copysign(1.0, f0) == first:
            return math.nan
        hi = _expand(cf, 0.0, 1.0, first)
        if math.isnan(hi):
            return math.nan
        return math.expm1(12.0 * _root_in_bracket(cf, 0.0, hi, f0))
    return math.nan
