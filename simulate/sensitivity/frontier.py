"""The two-input break-even frontier: how much of A and how much of B make the case pay.

For two continuous inputs A and B, on a regular grid over their plane (each
from its P1 to its P99):

- the **base-case NPV** with A and B at the grid point and every other input
  at its median; its zero line is the break-even frontier, each point of it
  solved on the grid edge it crosses (bisection to 1e-9 of the edge);
- **P(NPV > 0)** with A and B at the grid point and the other inputs still
  uncertain: one fixed matrix of their draws (a run's first trials, or fresh
  draws as a run makes them) is used at every grid point (common random
  numbers), so the probability is smooth across the grid; its 50%, 80% and
  95% contours say how sure one can be of a positive NPV in each part of the
  plane.

The contours are traced by marching squares with linear interpolation
between grid points (:func:`contour_lines`). The inputs' own P10-P90 ranges
(a box: where the joint prior mass lies) are reported beside them. Correlations
between A or B and the other inputs are not conditioned on, as in goal seek.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..config import Model
from ..errors import ConfigError
from ..kernel.tables import Tables, kernel_tables
from . import wording
from .labels import valued
from .oat import base_case
from .options import input_index
from .points import evaluate
from .thresholds import draws

__all__ = [
    "DEFAULT_FRONTIER_GRID",
    "DEFAULT_FRONTIER_TRIALS",
    "FRONTIER_LEVELS",
    "check_pair",
    "contour_lines",
    "default_pair",
    "frontier",
    "frontier_table",
]

DEFAULT_FRONTIER_GRID = 21  # points per axis: 441 grid points
DEFAULT_FRONTIER_TRIALS = 2000  # draws of the other inputs at every grid point
FRONTIER_LEVELS = (0.5, 0.8, 0.95)
_SPAN = (0.01, 0.99)  # each axis runs from this low quantile to this high one
_BOX = (0.10, 0.90)
_BISECTIONS = 40  # halvings of a grid edge: 1e-12 of it

Point = tuple[float, float]


# --------------------------------------------------------------------------
# Contours of a gridded field
# --------------------------------------------------------------------------
def _edge(a: tuple[int, int], b: tuple[int, int]) -> tuple:
    """A grid edge by its two nodes, in one order whichever cell it is seen from."""
    return (a, b) if a <= b else (b, a)


def _cell_segments(z: np.ndarray, level: float, i: int, j: int) -> list[tuple[tuple, tuple]]:
    """The contour's pieces in cell (i, j): pairs of the grid edges they join.

    A node at or above ``level`` is inside; a cell whose four corners
    alternate (a saddle) is split by the value at its centre.
    """
    corners = ((i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1))  # counter-clockwise
    inside = [z[c] >= level for c in corners]
    edges = [
        _edge(corners[k], corners[(k + 1) % 4])
        for k in range(4)
        if inside[k] != inside[(k + 1) % 4]
    ]
    if len(edges) == 2:
        return [(edges[0], edges[1])]
    if len(edges) == 4:  # bottom, right, top, left: cut off the corners unlike the centre
        if (float(np.mean([z[c] for c in corners])) >= level) == inside[0]:
            return [(edges[0], edges[1]), (edges[2], edges[3])]
        return [(edges[3], edges[0]), (edges[1], edges[2])]
    return []


def _chains(z: np.ndarray, level: float) -> list[list[tuple]]:
    """The grid edges each contour line of ``z`` at ``level`` crosses, in order along it.

    Open lines start and end on the grid's border; a closed one ends on the
    edge it started from.
    """
    nx, ny = z.shape
    segments = [
        seg for i in range(nx - 1) for j in range(ny - 1) for seg in _cell_segments(z, level, i, j)
    ]
    ends: dict[tuple, list[int]] = {}
    for s, (a, b) in enumerate(segments):
        ends.setdefault(a, []).append(s)
        ends.setdefault(b, []).append(s)
    used = [False] * len(segments)
    chains = []
    # open lines first, from an edge one segment touches (on the border)
    for start in [e for e, ss in ends.items() if len(ss) == 1] + list(ends):
        free = [s for s in ends[start] if not used[s]]
        if not free:
            continue
        chain, edge, s = [start], start, free[0]
        while True:
            used[s] = True
            a, b = segments[s]
            edge = b if a == edge else a
            chain.append(edge)
            nxt = [t for t in ends[edge] if not used[t]]
            if not nxt:
                break
            s = nxt[0]
        chains.append(chain)
    return chains


def contour_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float) -> list[list[Point]]:
    """The polylines along which the grid field ``z`` equals ``level`` (marching squares).

    ``z[i, j]`` is the value at ``(x[i], y[j])``. Each point lies on a grid
    edge, linearly interpolated between its two nodes (a line through a node
    passes it once); a closed curve ends where it began.
    """
    z = np.asarray(z, dtype=float)
    lines = []
    for chain in _chains(z, level):
        line = []
        for n0, n1 in chain:
            t = (level - z[n0]) / (z[n1] - z[n0])
            line.append((float(x[n0[0]] + t * (x[n1[0]] - x[n0[0]])),
                         float(y[n0[1]] + t * (y[n1[1]] - y[n0[1]]))))  # fmt: skip
        lines.append(_once(line, x, y))
    return lines


def _once(line: list[Point], x: np.ndarray, y: np.ndarray) -> list[Point]:
    """``line`` without repeats in a row: a line through a grid node meets it from two edges."""
    tol = 1e-9 * max(float(np.ptp(x)), float(np.ptp(y)), 1e-300)
    out: list[Point] = []
    for p in line:
        if not out or max(abs(p[0] - out[-1][0]), abs(p[1] - out[-1][1])) > tol:
            out.append(p)
    return out


# --------------------------------------------------------------------------
# The frontier
# --------------------------------------------------------------------------
def default_pair(model: Model, tornado_rows: Sequence[dict]) -> tuple[str, str] | None:
    """The two continuous inputs with the largest NPV swings, or None if there are not two."""
    continuous = {inp.name for inp in model.inputs if not inp.prior.is_discrete}
    names = [r["input"] for r in tornado_rows if r["input"] in continuous]
    return (names[0], names[1]) if len(names) >= 2 else None


def check_pair(model: Model, pair: Sequence[str], *, option: str | None = None) -> tuple[int, int]:
    """The inputs' positions; ConfigError unless they are two different continuous inputs.

    ``option`` is the command-line flag the names came from, named in the message.
    """
    pair = tuple(pair)
    if len(pair) != 2 or pair[0] == pair[1]:
        shown = ",".join(map(str, pair)) or "none"
        message = f"the frontier takes two different inputs, not {shown}; write e.g. a,b"
        raise ConfigError(f"{option}: {message}" if option else message, path="frontier")
    js = (input_index(model, pair[0], option=option), input_index(model, pair[1], option=option))
    for j in js:
        prior = model.inputs[j].prior
        if prior.is_discrete:
            message = (
                f"{model.inputs[j].name!r} is discrete ({prior.describe()}): the frontier is a "
                "curve in the plane of two continuous inputs; pick two that vary smoothly"
            )
            raise ConfigError(f"{option}: {message}" if option else message, path="frontier")
    return js


def _axis(model: Model, j: int, n: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Input ``j``'s grid values (P1 to P99) and how sensitivity.json describes the axis."""
    prior = model.inputs[j].prior
    levels = np.array([_SPAN[0], _BOX[0], 0.5, _BOX[1], _SPAN[1]])
    lo, p10, p50, p90, hi = (float(v) for v in prior.ppf(levels))
    values = np.linspace(lo, hi, n) if hi > lo else np.full(n, lo)
    return values, {**valued(model.inputs[j]), "values": values.tolist(),
                    "p10": p10, "p50": p50, "p90": p90}  # fmt: skip


def _base_grid(model: Model, js: tuple[int, int], xs: np.ndarray, ys: np.ndarray,
               tables: Tables) -> np.ndarray:  # fmt: skip
    """Base-case NPV at every grid point: ``[i, j]`` at ``(xs[i], ys[j])``."""
    a, b = js
    x = np.repeat(base_case(model)[:, None], xs.size * ys.size, axis=1)
    x[a] = np.repeat(xs, ys.size)
    x[b] = np.tile(ys, xs.size)
    return evaluate(model, x, with_irr=False, tables=tables).npv.reshape(xs.size, ys.size)


def _probability_grid(model: Model, js: tuple[int, int], xs: np.ndarray, ys: np.ndarray,
                      others: np.ndarray, tables: Tables) -> np.ndarray:  # fmt: skip
    """P(NPV > 0) at every grid point, the other inputs drawn from ``others`` (k, m)."""
    a, b = js
    m = others.shape[1]
    out = np.empty((xs.size, ys.size))
    for i, va in enumerate(xs):  # one row of the grid at a time: ys.size * m trials
        x = np.tile(others, ys.size)
        x[a] = va
        x[b] = np.repeat(ys, m)
        npv = evaluate(model, x, with_irr=False, tables=tables).npv
        out[i] = (npv.reshape(ys.size, m) > 0).mean(axis=1)
    return out


def _refine_zero(model: Model, js: tuple[int, int], chains: list[list[tuple]], xs, ys,
                 z: np.ndarray, tables: Tables) -> list[list[Point]]:  # fmt: skip
    """Each chain's crossing points solved on their grid edges (vectorised bisection)."""
    edges = list({e for chain in chains for e in chain})
    if not edges:
        return []
    lo = np.array([[xs[n0[0]], ys[n0[1]]] for n0, _ in edges])
    hi = np.array([[xs[n1[0]], ys[n1[1]]] for _, n1 in edges])
    lo_pos = np.array([z[n0] >= 0 for n0, _ in edges])
    base = base_case(model)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        x = np.repeat(base[:, None], len(edges), axis=1)
        x[js[0]], x[js[1]] = mid[:, 0], mid[:, 1]
        pos = evaluate(model, x, with_irr=False, tables=tables).npv >= 0
        same = pos == lo_pos
        lo[same], hi[~same] = mid[same], mid[~same]
    root = {e: (float(p[0]), float(p[1])) for e, p in zip(edges, 0.5 * (lo + hi), strict=True)}
    return [_once([root[e] for e in chain], xs, ys) for chain in chains]


def frontier(
    model: Model,
    pair: Sequence[str],
    *,
    inputs: np.ndarray | None = None,
    trials: int = DEFAULT_FRONTIER_TRIALS,
    seed: int | None = None,
    grid: int = DEFAULT_FRONTIER_GRID,
    levels: Sequence[float] = FRONTIER_LEVELS,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """The break-even frontier of inputs ``pair`` (two continuous inputs, by name).

    Parameters
    ----------
    inputs
        A ``(k, n)`` matrix of draws of every input (a run's): its first
        ``trials`` columns are the other inputs' draws at every grid point.
        Without it, ``trials`` draws are made with ``seed`` as a run makes them.
    grid
        Points per axis; each axis runs from the input's P1 to its P99.
    levels
        The probabilities whose contours are traced.

    Returns
    -------
    dict
        sensitivity.json's ``frontier``: ``inputs`` (two axes: ``input``,
        ``label``, ``unit``, ``values``, ``p10``, ``p50``, ``p90``), ``grid``,
        ``trials_per_point``, ``npv`` and ``probability`` (``[i][j]`` at the
        first input's ``values[i]`` and the second's ``values[j]``),
        ``zero_curve`` (polylines of ``[x, y]`` where the base-case NPV is 0),
        ``contours`` (``[{"level", "lines"}]``) and ``note``.
    """
    js = check_pair(model, pair)
    n = int(grid)
    if n < 3:
        raise ConfigError(f"the frontier's grid needs at least 3 points per axis, not {n}")
    tables = tables or kernel_tables(model)
    (xs, ax_a), (ys, ax_b) = _axis(model, js[0], n), _axis(model, js[1], n)
    others = np.array(draws(model, trials, seed) if inputs is None else inputs[:, :trials], float)
    z = _base_grid(model, js, xs, ys, tables)
    prob = _probability_grid(model, js, xs, ys, others, tables)
    zero = _refine_zero(model, js, _chains(z, 0.0), xs, ys, z, tables)
    note = wording.frontier_note(ax_a["label"], ax_b["label"], bool(zero), others.shape[1])
    if len(model.inputs) == 2:  # nothing else uncertain: P(NPV > 0) is 1 where NPV > 0, else 0
        # its contours on the grid would be staircases around the zero line; they are the line
        zero_lines = [[list(p) for p in line] for line in zero]
        contours = [{"level": float(q), "lines": zero_lines} for q in levels]
        note += (
            " No other input is uncertain: P(NPV > 0) is 1 where the NPV is positive and 0 "
            "elsewhere, so every contour is the break-even line."
        )
    else:
        contours = [
            {"level": float(q), "lines": [[list(p) for p in line]
                                          for line in contour_lines(xs, ys, prob, float(q))]}
            for q in levels
        ]  # fmt: skip
    return {
        "inputs": [ax_a, ax_b],
        "grid": n,
        "trials_per_point": int(others.shape[1]),
        "npv": z.tolist(),
        "probability": prob.tolist(),
        "zero_curve": [[list(p) for p in line] for line in zero],
        "contours": contours,
        "note": note,
    }


# --------------------------------------------------------------------------
# The frontier read off at the first input's P10, P50 and P90
# --------------------------------------------------------------------------
_TABLE_AT = (0.1, 0.5, 0.9)


def _crossings(lines: Sequence[Sequence[Sequence[float]]], a: float) -> list[float]:
    """The second coordinates at which polylines ``lines`` cross the vertical line x = ``a``."""
    ys: list[float] = []
    for line in lines:
        pts = np.asarray(line, float).reshape(-1, 2)
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            if x0 == x1 or (x0 - a) * (x1 - a) > 0:
                continue
            ys.append(float(y0 + (a - x0) / (x1 - x0) * (y1 - y0)))
    ys.sort()
    out: list[float] = []
    for y in ys:  # a line through a vertex crosses there from both of its segments
        if not out or abs(y - out[-1]) > 1e-9 * max(1.0, abs(y)):
            out.append(y)
    return out


def _column(xs: np.ndarray, z: np.ndarray, a: float) -> np.ndarray:
    """The grid field ``z`` along x = ``a``, interpolated between its two nearest columns."""
    if xs[-1] <= xs[0]:
        return z[0]
    i = int(np.clip(np.searchsorted(xs, a) - 1, 0, xs.size - 2))
    t = float(np.clip((a - xs[i]) / (xs[i + 1] - xs[i]), 0.0, 1.0))
    return (1.0 - t) * z[i] + t * z[i + 1]


def _cell(lines, xs: np.ndarray, z: np.ndarray, a: float, level: float) -> dict[str, Any]:
    """Where one line crosses x = ``a``: its values, or whether the level holds all along."""
    values = _crossings(lines, a)
    if values:
        return {"values": values, "reached": "crossing"}
    column = _column(xs, z, a)
    return {"values": [], "reached": "everywhere" if column.min() >= level else "nowhere"}


def frontier_table(block: Mapping[str, Any]) -> dict[str, Any]:
    """What the second input must be, with the first at its P10, P50 and P90, for each line.

    Read off :func:`frontier`'s result (``block``, as sensitivity.json holds
    it) where its lines cross the first input's value. Returns ``columns``
    (the base-case zero line, then each probability level), ``rises`` (True
    when the base-case NPV rises with the second input over the grid, False
    when it falls, None when it does both: the side of a value that pays)
    and ``rows``: per quantile of the first input, its ``value`` and one cell
    per column, ``{"values": [...], "reached": "crossing" | "everywhere" |
    "nowhere"}`` (no crossing: the level holds over the second input's whole
    range, or nowhere in it).
    """
    ax_a = block["inputs"][0]
    xs = np.asarray(ax_a["values"], float)
    npv = np.asarray(block["npv"], float)
    prob = np.asarray(block["probability"], float)
    slopes = np.sign(np.diff(npv, axis=1))
    rises = True if (slopes >= 0).all() else False if (slopes <= 0).all() else None
    columns = [{"kind": "zero", "level": None}] + [
        {"kind": "probability", "level": float(c["level"])} for c in block["contours"]
    ]
    rows = []
    for q in _TABLE_AT:
        a = float(ax_a[f"p{round(q * 100)}"])
        cells = [_cell(block["zero_curve"], xs, npv, a, 0.0)]
        cells += [_cell(c["lines"], xs, prob, a, float(c["level"])) for c in block["contours"]]
        rows.append({"quantile": q, "value": a, "cells": cells})
    return {"columns": columns, "rises": rises, "rows": rows}
