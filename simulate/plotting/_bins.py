"""The bins of a distribution chart: which range to draw, and what lies beyond it.

A drawing decision, made by one stated rule so that a chart stays readable
for any shape (docs/interface.md, "figures/"): the x-axis covers the
trials from P10 - 1.5 w to P90 + 1.5 w, where w = P90 - P10, whenever the
trials reach further than P10 - 2.5 w or P90 + 2.5 w; the trials beyond are
counted in an end bar of their own, which says how many there are and how
far they reach. When the trials are split into groups (by a success flag),
P10 is the lowest of the groups' P10s and P90 the highest of their P90s. The range always holds the values marked on the chart (the
percentiles, the mean, a target). Bins are a round width (1, 2, 2.5 or 5
times a power of ten) on a grid through 0, so no bar straddles break-even
and an end bar's threshold is a round number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _layout as lay

__all__ = ["CUT_AT", "CUT_WHEN", "Bins", "bin_values"]

CUT_AT = 1.5  # the range ends this many P10-P90 widths beyond P10 and P90 ...
CUT_WHEN = 2.5  # ... when the trials reach further than this many


@dataclass(frozen=True)
class Bins:
    """A histogram of values split into groups, with end bars for what lies outside.

    ``counts[g, i]`` counts group ``g``'s values in ``edges[i]..edges[i + 1]``
    (the last bin includes its right edge); ``below[g]`` and ``above[g]``
    count its values left of ``edges[0]`` and right of ``edges[-1]``, where
    they lie only when that side was cut. ``lowest`` and ``highest`` are the
    extremes of all values.
    """

    edges: np.ndarray
    counts: np.ndarray
    below: np.ndarray
    above: np.ndarray
    lowest: float
    highest: float

    @property
    def width(self) -> float:
        return float(self.edges[1] - self.edges[0])


def _window(
    x: np.ndarray, keep: Sequence[float], cores: Sequence[np.ndarray] = ()
) -> tuple[float, float, bool, bool]:
    """The range to bin, and whether the left and right tails are cut (the module's rule).

    ``x`` is sorted. With ``cores`` (the values of each group), P10 is the
    lowest of the groups' P10s and P90 the highest of their P90s, so that no
    group's middle 80% is cut off.
    """
    lowest, highest = float(x[0]), float(x[-1])
    p10, p90 = (float(v) for v in np.quantile(x, [0.1, 0.9]))
    for core in cores:
        if core.size:
            g10, g90 = np.quantile(core, [0.1, 0.9])
            p10, p90 = min(p10, float(g10)), max(p90, float(g90))
    w = p90 - p10
    cut_left = w > 0 and lowest < p10 - CUT_WHEN * w
    cut_right = w > 0 and highest > p90 + CUT_WHEN * w
    lo = p10 - CUT_AT * w if cut_left else lowest
    hi = p90 + CUT_AT * w if cut_right else highest
    for k in keep:
        if k is not None and math.isfinite(k):
            lo, hi = min(lo, k), max(hi, k)
    if hi - lo <= 0:
        half = abs(lo) * 0.05 or 1.0
        lo, hi = lo - half, hi + half
    # show break-even when it is close to the data
    lo, hi = lay.include_break_even(lo, hi, hi - lo)
    return lo, hi, cut_left and lo > lowest, cut_right and hi < highest


def round_width(raw: float) -> float:
    """The width of 1, 2, 2.5 or 5 times a power of ten nearest ``raw`` (in ratio)."""
    exp = math.floor(math.log10(raw))
    candidates = [m * 10.0**e for e in (exp - 1, exp, exp + 1) for m in (1, 2, 2.5, 5)]
    return min(candidates, key=lambda c: abs(math.log(c / raw)))


def bin_values(
    values: np.ndarray,
    keep: Sequence[float] = (),
    masks: Sequence[np.ndarray] | None = None,
    *,
    by_group: bool = False,
) -> Bins:
    """Bin the finite ``values`` (``masks`` split them into groups) by the module's rule.

    ``keep`` are values the range must hold (the chart's markers). ``masks``
    are boolean arrays over ``values``; without them there is one group.
    With ``by_group`` the groups are outcomes to show (not merely colours):
    the range keeps each group's P10 to P90 in view.
    """
    values = np.asarray(values, dtype=float).ravel()
    finite = np.isfinite(values)
    groups = [np.ones(values.size, dtype=bool)] if masks is None else list(masks)
    x = np.sort(values[finite])
    cores = [values[finite & np.asarray(m, dtype=bool)] for m in groups] if by_group else []
    lo, hi, cut_left, cut_right = _window(x, keep, cores)
    n_bins = int(np.clip(np.sqrt(x.size), 12, 80))
    width = round_width((hi - lo) / n_bins)
    k0, k1 = math.floor(lo / width), math.ceil(hi / width)
    if k1 <= k0:
        k1 = k0 + 1
    edges = np.arange(k0, k1 + 1) * width
    counts, below, above = [], [], []
    for mask in groups:
        mine = values[finite & np.asarray(mask, dtype=bool)]
        counts.append(np.histogram(mine, bins=edges)[0])
        below.append(np.count_nonzero(mine < edges[0]) if cut_left else 0)
        above.append(np.count_nonzero(mine > edges[-1]) if cut_right else 0)
    return Bins(
        edges=edges,
        counts=np.array(counts),
        below=np.array(below),
        above=np.array(above),
        lowest=float(x[0]),
        highest=float(x[-1]),
    )
