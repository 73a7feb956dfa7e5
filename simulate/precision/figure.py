"""One headline figure's estimate and 95% interval over a run's first trials."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..config import Model
from ..metrics import interpolate, percentile_ranks
from .formulas import (
    LEVEL,
    MIN_BATCHES,
    MIN_EVENTS_PER_BATCH,
    Design,
    Interval,
    floor_ranks,
    order_statistic_ranks,
    t_quantile,
    wilson,
)
from .orders import BatchPercentiles, OrderStats, partitioned

__all__ = ["FIGURE_SPEC", "Figure", "figure_exists"]

# What each figure reads: (output, kind, percentile in percent for a quantile).
FIGURE_SPEC: dict[str, tuple[str, str, float]] = {
    "npv_mean": ("npv", "mean", 0.0),
    "npv_positive": ("npv", "probability", 0.0),
    "npv_p10": ("npv", "quantile", 10.0),
    "npv_p50": ("npv", "quantile", 50.0),
    "npv_p90": ("npv", "quantile", 90.0),
    "roi_p10": ("roi", "quantile", 10.0),
    "roi_p50": ("roi", "quantile", 50.0),
    "roi_p90": ("roi", "quantile", 90.0),
    "payback_p10": ("payback_months", "quantile", 10.0),
    "payback_p50": ("payback_months", "quantile", 50.0),
    "payback_p90": ("payback_months", "quantile", 90.0),
    "payback_within_target": ("payback_months", "probability", 0.0),
    "roi_at_least_target": ("roi", "probability", 0.0),
}
_UNITS = {
    "lhs": ("independent Latin hypercube designs", "LHS designs"),
    "sobol": ("independently scrambled Sobol' sequences", "Sobol' sequences"),
    "random": ("batches, each correlated on its own (Iman-Conover)", "batches"),
}


def figure_exists(figure: str, model: Model) -> bool:
    """Whether ``figure`` exists for ``model`` (a target probability needs its target)."""
    if figure == "payback_within_target":
        return model.target_payback_months is not None
    if figure == "roi_at_least_target":
        return model.target_roi is not None
    return figure in FIGURE_SPEC


@dataclass
class _Batches:
    """Per-batch statistics of one figure, computed once per batch (a check point reuses them)."""

    values: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


class Figure:
    """One figure's estimate and interval over a run's first trials."""

    def __init__(
        self,
        name: str,
        model: Model,
        design: Design,
        shared: BatchPercentiles | None = None,
        level: float = LEVEL,
    ) -> None:
        self.name = name
        self.output, self.kind, self.q = FIGURE_SPEC[name]
        self.model, self.design, self.level = model, design, level
        self.batches = _Batches()
        # the per-batch percentiles of this output, shared by its figures
        self.shared = shared or BatchPercentiles([self.q])

    def sample(self, x: np.ndarray) -> np.ndarray:
        """The values of the output the figure is over (ROI: where defined)."""
        return x[~np.isnan(x)] if self.output == "roi" else x

    def events(self, x: np.ndarray) -> np.ndarray:
        if self.name == "npv_positive":
            return x > 0
        if self.name == "payback_within_target":
            return x <= self.model.target_payback_months
        with np.errstate(invalid="ignore"):  # NaN >= target is False: undefined is not reached
            return x >= self.model.target_roi

    def update_batches(self, x: np.ndarray, bounds: np.ndarray) -> None:
        """Add the statistics of every batch in ``bounds`` not yet seen (``x``: the output)."""
        for i in range(len(self.batches.counts), len(bounds) - 1):
            part = x[bounds[i] : bounds[i + 1]]
            if self.kind == "probability":
                self.batches.counts.append(int(np.count_nonzero(self.events(part))))
                self.batches.values.append(self.batches.counts[-1] / part.size)
            elif self.kind == "mean":
                self.batches.counts.append(part.size)
                self.batches.values.append(float(part.mean()))
            elif self.design.replicated:
                self.shared.update(self.sample, x, bounds)
                self.batches.counts.append(self.shared.sizes[i])
                self.batches.values.append(self.shared.rows[i][self.q])
            else:  # independent trials: the interval needs no batch's percentile
                self.batches.counts.append(0)
                self.batches.values.append(math.nan)

    def interval(
        self,
        x: np.ndarray,
        bounds: np.ndarray,
        order: OrderStats | None,
        size: int | None = None,
    ) -> Interval:
        """The interval over ``x`` (the output's first trials, batches ``bounds``).

        ``order`` gives the order statistics of the figure's sample (default:
        by partition), and ``size`` its size; :class:`Tracker` keeps both
        cheaply as trials come in.
        """
        self.update_batches(x, bounds)
        r = len(bounds) - 1
        if self.kind == "mean":
            return self._mean(x, r)
        if self.kind == "probability":
            return self._probability(x.size, r)
        if order is None or size is None:
            sample = self.sample(x)
            order, size = order or partitioned(sample), sample.size
        return self._quantile(size, r, order)

    def _spread(self, estimate: float, r: int) -> float:
        """Half-width from the batches' spread about ``estimate`` (t with r - 1 df)."""
        values = np.asarray(self.batches.values[:r])
        s = math.sqrt(float(np.sum((values - estimate) ** 2)) / (r - 1))
        return t_quantile(r - 1, self.level) * s / math.sqrt(r)

    def measured(self, r: int) -> bool:
        """Whether the interval over ``r`` batches measures the error, so a target may count it.

        A design drawn batch by batch (LHS, Sobol', correlations) with fewer
        than :data:`MIN_BATCHES` batches gets the i.i.d. interval instead,
        which can be far too narrow for correlated inputs (Iman-Conover keeps
        each input's draws, so their errors add up as if independent while
        the NPV's spread shrinks): it is shown, never trusted to stop a run.
        """
        return not self.design.replicated or r >= MIN_BATCHES

    def _replicated(self, r: int) -> str | None:
        """Why the batches' spread cannot be used (None: it can), for a replicated design."""
        if r < MIN_BATCHES:
            return f"{self.design.units(r)}: {MIN_BATCHES} needed to measure their spread"
        return None

    def _mean(self, x: np.ndarray, r: int) -> Interval:
        n = x.size
        estimate = float(x.mean())
        if self.design.replicated and (why := self._replicated(r)) is None:
            half = self._spread(estimate, r)
            method = f"batch means over {self.design.units(r)} (t, {r - 1} df)"
            return Interval(estimate, estimate - half, estimate + half, method)
        if n < 2:
            return Interval(estimate, -math.inf, math.inf, "one trial: no interval")
        half = t_quantile(n - 1, self.level) * float(x.std(ddof=1)) / math.sqrt(n)
        method = "t interval, independent trials"
        if self.design.replicated:
            method = f"t interval as if independent ({why})"
        return Interval(estimate, estimate - half, estimate + half, method)

    def _probability(self, n: int, r: int) -> Interval:
        k = sum(self.batches.counts[:r])
        estimate = k / n
        why = None
        if self.design.replicated:
            why = self._replicated(r)
            if why is None and min(k, n - k) < MIN_EVENTS_PER_BATCH * r:
                why = f"too few trials on one side for the spread of {self.design.units(r)}"
            if why is None and (lattice := self._lattice(n, r)) is not None:
                return Interval(estimate, *lattice)
            if why is None:
                half = self._spread(estimate, r)
                method = f"batch means over {self.design.units(r)} (t, {r - 1} df)"
                return Interval(
                    estimate, max(0.0, estimate - half), min(1.0, estimate + half), method
                )
        low, high = wilson(k, n, self.level)
        method = "Wilson, independent trials"
        if why is not None:
            method = f"Wilson as if independent ({why})"
        return Interval(estimate, low, high, method)

    def _lattice(self, n: int, r: int) -> tuple[float, float, str] | None:
        """A proportion whose batches' counts differ by at most one trial: Wilson over the batches.

        A one-input model stratified by LHS or Sobol' puts exactly one trial
        in each of a batch's strata, so a batch's count of events is a fixed
        number plus 0 or 1: the batches are a binomial sample, and a t
        interval on them is poor (too narrow when few batches differ). The
        interval is then Wilson's for the share of batches with the extra
        trial, in steps of one trial per batch (either way when all agree).
        """
        counts = np.asarray(self.batches.counts[:r])
        low_count, high_count = int(counts.min()), int(counts.max())
        if high_count - low_count > 1:
            return None
        size = n / r
        k = int(np.count_nonzero(counts > low_count))
        pi_low, pi_high = wilson(k, r, self.level)
        if k == 0:  # every batch agrees: the extra trial may lie on either side
            low, high = low_count - pi_high, low_count + pi_high
        else:
            low, high = low_count + pi_low, low_count + pi_high
        method = (
            f"Wilson over {self.design.units(r)} whose counts differ by at most one trial "
            f"(one input, stratified)"
        )
        return max(0.0, low / size), min(1.0, high / size), method

    def ranks(self, m: int, r: int) -> list[int]:
        """The ranks of a sample of ``m`` this percentile's estimate and interval read (``r`` batches)."""
        lo, hi, _ = percentile_ranks(m, self.q)
        l_rank, u_rank = order_statistic_ranks(m, self.q / 100.0, self.level)
        ranks = [lo, hi] + [k for k in (l_rank, u_rank) if 0 <= k < m]
        if self.design.replicated:  # the floor of a sectioning interval
            floor = floor_ranks(r)
            ranks += [max(0, lo - floor), min(m - 1, hi + floor)]
        return ranks

    def _quantile(self, m: int, r: int, order: OrderStats) -> Interval:
        if m == 0:
            return Interval(math.nan, -math.inf, math.inf, "no trial where it is defined")
        lo, hi, frac = percentile_ranks(m, self.q)
        l_rank, u_rank = order_statistic_ranks(m, self.q / 100.0, self.level)
        ranks = self.ranks(m, r)
        values = dict(zip(ranks, order(ranks).tolist(), strict=True))
        estimate = interpolate(values[lo], values[hi], frac)
        why = None
        if self.design.replicated:
            why = self._replicated(r)
            batch = self.batches.values[:r]
            if why is None and not (math.isfinite(estimate) and np.isfinite(batch).all()):
                why = "a batch's percentile is beyond the horizon or undefined"
            if why is None and np.ptp(batch) == 0:
                why = f"the {self.design.units(r)} agree exactly"
            if why is None:
                half = self._spread(estimate, r)
                method = f"sectioning over {self.design.units(r)} (t, {r - 1} df)"
                floor = floor_ranks(r)
                low = min(estimate - half, values[max(0, lo - floor)])
                high = max(estimate + half, values[min(m - 1, hi + floor)])
                return Interval(estimate, low, high, method)
        low = values[l_rank] if l_rank >= 0 else -math.inf
        high = values[u_rank] if u_rank < m else math.inf
        method = "order statistics, independent trials"
        if why is not None:
            method = f"order statistics as if independent ({why})"
        return Interval(estimate, low, high, method)
