"""Order statistics of a run's outputs: at a few ranks, per batch, and of a growing sample."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..metrics import interpolate, percentile_ranks

__all__ = ["BatchPercentiles", "OrderStats", "Window", "partitioned", "percentiles_at"]

OrderStats = Callable[[Sequence[int]], np.ndarray]


def partitioned(x: np.ndarray) -> OrderStats:
    """The order statistics of ``x`` at any ranks, by one partition per call."""

    def at(ranks: Sequence[int]) -> np.ndarray:
        ranks = np.asarray(ranks, dtype=np.intp)
        return np.partition(x, np.unique(ranks))[ranks]

    return at


class Window:
    """Order statistics of a growing sample near a few ranks, without partitioning it all each time.

    Keeps the values between two cut points and the count below the first;
    a rank outside the kept values, or kept values far more than the ranks
    need, make it cut again around the ranks asked for (one partition of
    the whole sample, about once per doubling of it). The values are
    exactly those of a partition of the whole sample.
    """

    def __init__(self) -> None:
        self.n = 0
        self.cuts: tuple[float, float] | None = None
        self.below = 0
        self.kept: list[np.ndarray] = []

    def add(self, x: np.ndarray) -> None:
        if self.cuts is not None:
            lo, hi = self.cuts
            self.below += int(np.count_nonzero(x < lo))
            self.kept.append(x[(x >= lo) & (x <= hi)])
        self.n += x.size

    def at(self, whole: np.ndarray, ranks: Sequence[int]) -> np.ndarray:
        ranks = np.asarray(ranks, dtype=np.intp)
        first, last = int(ranks.min()), int(ranks.max())
        margin = max(4096, 4 * (last - first))
        size = sum(k.size for k in self.kept)
        if (
            self.cuts is None
            or not self.below <= first <= last < self.below + size
            or size > 8 * (2 * margin + last - first)
        ):
            r0, r1 = max(0, first - margin), min(whole.size - 1, last + margin)
            part = np.partition(whole, [r0, r1])
            self.cuts = (float(part[r0]), float(part[r1]))
            self.below = int(np.count_nonzero(whole < self.cuts[0]))
            self.kept = [whole[(whole >= self.cuts[0]) & (whole <= self.cuts[1])]]
        kept = np.concatenate(self.kept) if len(self.kept) > 1 else self.kept[0]
        self.kept = [kept]
        return partitioned(kept)(ranks - self.below)


def percentiles_at(x: np.ndarray, qs: Sequence[float]) -> dict[float, float]:
    """Percentiles ``qs`` (in percent) of ``x`` as ``metrics.percentiles`` gives them, by one partition."""
    if not x.size:
        return dict.fromkeys(qs, math.nan)
    where = {q: percentile_ranks(x.size, q) for q in qs}
    ranks = sorted({r for lo, hi, _ in where.values() for r in (lo, hi)})
    part = np.partition(x, ranks)
    return {q: interpolate(part[lo], part[hi], frac) for q, (lo, hi, frac) in where.items()}


class BatchPercentiles:
    """Each batch's percentiles of one output at every ``q`` its figures need: a partition a batch."""

    def __init__(self, qs: Sequence[float]) -> None:
        self.qs = sorted(set(qs))
        self.rows: list[dict[float, float]] = []
        self.sizes: list[int] = []

    def update(self, sample_of: Callable[[np.ndarray], np.ndarray], x: np.ndarray, bounds) -> None:
        for i in range(len(self.rows), len(bounds) - 1):
            sample = sample_of(x[bounds[i] : bounds[i + 1]])
            self.sizes.append(sample.size)
            self.rows.append(percentiles_at(sample, self.qs))
