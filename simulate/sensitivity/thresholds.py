"""Break-even values and goal seek: where NPV, or P(NPV > 0), crosses a line.

:func:`breakeven` moves one input at a time from the base case and solves
NPV = 0; :func:`goal_seek` fixes one input in a matrix of Monte Carlo draws
and finds where P(NPV > 0) reaches a target. Both search each input's
support, first on a quantile grid, then by root finding or bisection.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..config import Model
from ..kernel.tables import Tables, kernel_tables
from ..sampling import iter_chunks
from ..seeds import resolve_seed
from . import wording
from .labels import valued
from .oat import base_case, one_at_a_time
from .options import check_target, input_index
from .points import evaluate

__all__ = ["DEFAULT_GOAL_SEEK_TRIALS", "breakeven", "draws", "goal_seek"]

DEFAULT_GOAL_SEEK_TRIALS = 10_000
# Unbounded ends of a prior are searched out to these quantiles.
_TAIL = 1e-6
# Points of the grid on which a break-even is first bracketed.
_GRID = 33
# Points of the grid on which a goal seek is first bracketed (each is a full run).
_GOAL_GRID = 9


def _search_range(prior) -> tuple[float, float]:
    """The ends of a prior's support, unbounded ends replaced by its 1e-6 tails."""
    s = prior.support()
    lo = s.lo if math.isfinite(s.lo) else float(prior.ppf(np.asarray(_TAIL)))
    hi = s.hi if math.isfinite(s.hi) else float(prior.ppf(np.asarray(1.0 - _TAIL)))
    return lo, hi


def _grid(prior, n: int) -> np.ndarray:
    """The values searched: a discrete prior's values, else ``n`` spread by quantile.

    A continuous grid is increasing over the search range, ends included.
    """
    if prior.is_discrete:
        return np.asarray(prior.support().values, float)
    lo, hi = _search_range(prior)
    inner = prior.ppf(np.linspace(0.0, 1.0, n)[1:-1])
    return np.unique(np.concatenate([[lo], np.clip(inner, lo, hi), [hi]]))


def _crossings(x: np.ndarray, g: np.ndarray) -> list[int]:
    """Grid cells ``[x[i], x[i+1]]`` across which ``g`` changes sign (or hits 0)."""
    s = np.sign(g)
    return [i for i in range(len(x) - 1) if s[i] != s[i + 1] and not np.isnan(g[i : i + 2]).any()]


# --------------------------------------------------------------------------
# Break-even
# --------------------------------------------------------------------------
def _discrete_breakeven(grid: np.ndarray, npv: np.ndarray) -> dict[str, Any]:
    """A discrete input has no in-between values: where NPV is positive, and a note."""
    positive = [float(v) for v, y in zip(grid, npv, strict=True) if y > 0]
    if len(positive) == grid.size:
        note = wording.BREAKEVEN_ALL_POSITIVE
    elif not positive:
        note = wording.BREAKEVEN_NONE_POSITIVE
    else:
        note = wording.breakeven_positive_only_at(positive)
    return {"note": note, "values": grid.tolist(), "positive_at": positive}


def _roots(f: Callable[[float], float], grid: np.ndarray, g: np.ndarray) -> list[float]:
    """Every zero of ``f`` that the grid values ``g = f(grid)`` bracket, in order."""
    lo, hi = float(grid[0]), float(grid[-1])
    roots = []
    for i in _crossings(grid, g):
        a, b = float(grid[i]), float(grid[i + 1])
        if g[i] == 0.0:
            roots.append(a)
        elif g[i + 1] == 0.0:
            roots.append(b)
        else:
            from scipy import optimize  # 0.2 s to import: only for break-even and goal seek

            roots.append(optimize.brentq(f, a, b, xtol=1e-12 * max(abs(hi - lo), 1e-300)))
    return sorted(set(roots))


def _continuous_breakeven(
    f: Callable[[float], float], grid: np.ndarray, g: np.ndarray, base: float
) -> dict[str, Any]:
    """The zero of NPV ``f`` nearest ``base``, the side NPV is positive on, and a note."""
    roots = _roots(f, grid, g)
    if not roots:
        sign = "positive" if np.all(g > 0) else "negative"
        return {"note": wording.breakeven_none(sign, float(grid[0]), float(grid[-1]))}
    value = min(roots, key=lambda r: abs(r - base))
    row: dict[str, Any] = {"value": value}
    if len(roots) > 1:
        row["all_values"] = roots
    # Which side of the root NPV is positive on, from the grid next to it.
    left = g[grid < value]
    right = g[grid > value]
    if right.size and right[0] > 0:
        side = "above"
    elif left.size and left[-1] > 0:
        side = "below"
    else:
        side = ""
    row["npv_positive"] = side or None
    row["note"] = wording.breakeven_root(value, side, len(roots))
    return row


def breakeven(model: Model, *, tables: Tables | None = None) -> list[dict]:
    """Per input, the value at which the base-case NPV is zero (within its support).

    The one-at-a-time NPV line of each input (the others at their medians) is
    evaluated on a grid over the support (unbounded ends cut at the 1e-6 and
    1 - 1e-6 quantiles) and each sign change is solved with
    :func:`scipy.optimize.brentq`. Where there are several, ``value`` is the
    one nearest the base case and ``all_values`` lists them all. A discrete
    input has no in-between values: ``value`` is None, ``values`` lists its
    values and ``positive_at`` those at which the base-case NPV is positive.

    Rows are ``{"input", "label", "unit", "value", "note", "base_value", "npv_at_base", ...}``
    in the model's input order.
    """
    tables = tables or kernel_tables(model)
    base = base_case(model)
    grids = [_grid(inp.prior, _GRID) for inp in model.inputs]
    points = [(j, float(v)) for j, g in enumerate(grids) for v in g]
    _, out = one_at_a_time(model, points, tables)
    npv_base = float(out.npv[0])
    ends = np.cumsum([0] + [g.size for g in grids]) + 1  # the grids' trials in ``out``
    rows = []
    for j, (inp, grid) in enumerate(zip(model.inputs, grids, strict=True)):
        g = out.npv[ends[j] : ends[j + 1]]
        row: dict[str, Any] = {**valued(inp), "value": None, "note": "",
                               "base_value": float(base[j]), "npv_at_base": npv_base}  # fmt: skip
        if inp.prior.is_discrete:
            row.update(_discrete_breakeven(grid, g))
        else:

            def f(v: float, j: int = j) -> float:
                x = base.copy()[:, None]
                x[j, 0] = v
                return float(evaluate(model, x, with_irr=False, tables=tables).npv[0])

            row.update(_continuous_breakeven(f, grid, g, base[j]))
        rows.append(row)
    return rows


# --------------------------------------------------------------------------
# Goal seek
# --------------------------------------------------------------------------
def draws(model: Model, trials: int, seed: int | None) -> np.ndarray:
    """``trials`` draws of every input, as a run with ``seed`` (else the config's) makes them."""
    chunks = iter_chunks(model, int(trials), resolve_seed(seed, model.seed), model.sampling)
    return np.concatenate([draws for _, draws in chunks], axis=1)


def _se(p: float, n: int) -> float:
    """The Monte Carlo standard error of a probability ``p`` estimated from ``n`` trials."""
    return math.sqrt(p * (1.0 - p) / n)


def _bisect(
    p: Callable[[float], float],
    lo: tuple[float, float],
    hi: tuple[float, float],
    *,
    target: float,
    width: float,
) -> tuple[float, float]:
    """Narrow a bracket to ``width``: ``lo`` and ``hi`` are ``(value, p(value))`` on either side.

    ``p - target`` changes sign across the bracket. Returns the end of the
    last bracket that meets the target, and ``p`` there.
    """
    (a, pa), (b, pb) = (float(lo[0]), float(lo[1])), (float(hi[0]), float(hi[1]))
    meets_at_b = pb >= target
    while b - a > width:
        mid = 0.5 * (a + b)
        pm = p(mid)
        if (pm >= target) == meets_at_b:
            b, pb = mid, pm
        else:
            a, pa = mid, pm
    return (b, pb) if meets_at_b else (a, pa)


def goal_seek(
    model: Model,
    input_name: str,
    target: float,
    *,
    inputs: np.ndarray | None = None,
    trials: int = DEFAULT_GOAL_SEEK_TRIALS,
    seed: int | None = None,
    tables: Tables | None = None,
    tol: float = 1e-3,
) -> dict[str, Any]:
    """The value of one input, the others uncertain, at which P(NPV > 0) reaches ``target``.

    One fixed matrix of draws (``inputs``, or ``trials`` fresh draws with
    ``seed`` as a run would make them) is evaluated with the chosen input's
    row set to a value ``v`` (common random numbers), so P(NPV > 0 | v) is a
    step function of v that is monotone whenever NPV is monotone in the
    input. It is bracketed on a quantile grid over the input's support, then
    bisected to ``tol`` times the range. The value reported is the bracket
    end that meets the target. The other inputs keep their own marginal
    draws; a correlation with the chosen input is not conditioned on.

    Returns
    -------
    dict
        ``{"input", "label", "unit", "target", "value" (None when not reachable), "probability"
        (achieved at value), "probability_se", "current" (P(NPV > 0) with the
        input uncertain), "trials", "note"}``.
    """
    j = input_index(model, input_name)
    check_target(target)
    tables = tables or kernel_tables(model)
    x = np.array(draws(model, trials, seed) if inputs is None else inputs, dtype=float)
    n = x.shape[1]

    def share_positive() -> float:
        return float(np.mean(evaluate(model, x, with_irr=False, tables=tables).npv > 0))

    def p(v: float) -> float:
        x[j] = v
        return share_positive()

    current = share_positive()
    prior = model.inputs[j].prior
    grid = _grid(prior, _GOAL_GRID)
    probs = np.array([p(v) for v in grid])
    row: dict[str, Any] = {**valued(model.inputs[j]), "target": float(target), "value": None,
                           "probability": None, "probability_se": None,
                           "current": current, "trials": n}  # fmt: skip
    g = probs - target
    if not (g >= 0).any():
        best = int(np.argmax(probs))
        return {**row, "note": wording.goal_unreachable(probs[best], grid[best])}
    if (g >= 0).all():
        lowest = float(probs.min())
        return {**row, "value": float(grid[int(np.argmin(probs))]), "probability": lowest,
                "probability_se": _se(lowest, n),
                "note": wording.goal_everywhere(lowest, grid[0], grid[-1])}  # fmt: skip
    # The crossing nearest the base case, from "misses" to "meets" the target.
    base = prior.median()
    cells = [i for i in range(grid.size - 1) if (g[i] >= 0) != (g[i + 1] >= 0)]
    i = min(cells, key=lambda c: abs(0.5 * (grid[c] + grid[c + 1]) - base))
    # a discrete input has no values between grid points: no bisection
    width = math.inf if prior.is_discrete else tol * (float(grid[-1]) - float(grid[0]))
    v, pv = _bisect(p, (grid[i], probs[i]), (grid[i + 1], probs[i + 1]), target=target,
                    width=width)  # fmt: skip
    direction = "at or above" if g[i + 1] >= 0 else "at or below"
    return {**row, "value": float(v), "probability": pv, "probability_se": _se(pv, n),
            "note": wording.goal_reached(target, model.inputs[j].label or input_name, direction,
                                          v, current)}  # fmt: skip
