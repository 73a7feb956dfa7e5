"""How precise each headline figure is: a 95% interval on each, and the check points of ``--precision``.

docs/model.md section 7 ("How precise the figures are") gives the methods.
In short: with ``random`` sampling and no correlations the trials are
independent, and the intervals are the exact i.i.d. ones (a t interval for
the mean NPV, Wilson intervals for the probabilities, distribution-free
order-statistic intervals for the percentiles). With ``lhs``, ``sobol`` or
correlated inputs the trials of a replicate batch depend on each other
(one Latin hypercube, one scrambled Sobol' sequence, one Iman-Conover
rearrangement per batch; ``simulate.sampling``), and the batches are
independent replicates: the error is measured from the spread between them
(batch means, and sectioning for the percentiles, with a t quantile on
``R - 1`` degrees of freedom). With fewer than :data:`MIN_BATCHES` batches,
or where the spread cannot be measured, the i.i.d. interval stands in as a
bound, and ``method`` says so.

The same code gives the summary's intervals (:func:`precision_block`) and
the check points of a run with ``--precision`` (:class:`Tracker`), so the
half-width a run stopped on is the one its summary.json reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from . import _pool
from .config import Model
from .config.model import PrecisionTarget
from .config.tolerance import FIGURES, needed_target, parse_targets
from .errors import ConfigError, Problem
from .files import finite_or_none
from .metrics import interpolate, percentile_ranks
from .sampling import batch_bounds

__all__ = [
    "LEVEL",
    "MIN_BATCHES",
    "Design",
    "Interval",
    "Tracker",
    "check_points",
    "figure_exists",
    "precision_block",
    "precision_targets",
    "stop_block",
]

LEVEL = 0.95
# Replicate batches needed before their spread gives an interval; fewer use the i.i.d. bound.
MIN_BATCHES = 10
# A proportion's batch means are near normal only with this many events (and non-events)
# per batch on average; fewer use Wilson's interval as a bound.
MIN_EVENTS_PER_BATCH = 10

# What each figure reads: (output, kind, percentile in percent for a quantile).
_SPEC: dict[str, tuple[str, str, float]] = {
    "npv_mean": ("npv", "mean", 0.0),
    "npv_positive": ("npv", "probability", 0.0),
    "npv_p10": ("npv", "quantile", 10.0),
    "npv_p50": ("npv", "quantile", 50.0),
    "npv_p90": ("npv", "quantile", 90.0),
    "roi_p50": ("roi", "quantile", 50.0),
    "payback_p50": ("payback_months", "quantile", 50.0),
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
    return figure in _SPEC


@dataclass(frozen=True)
class Design:
    """How a run's trials were drawn, as far as its intervals need to know."""

    sampling: str
    correlated: bool
    batch_size: int

    @property
    def replicated(self) -> bool:
        """Whether trials within a batch depend on each other (so batches are the replicates)."""
        return self.sampling != "random" or self.correlated

    def units(self, r: int) -> str:
        long, short = _UNITS[self.sampling]
        return f"{r:,} {long if r >= MIN_BATCHES else short}"


@dataclass(frozen=True)
class Interval:
    """A figure's estimate and its interval; ``low``/``high`` are -inf/+inf when unbounded."""

    estimate: float
    low: float
    high: float
    method: str

    @property
    def half_width(self) -> float:
        """Half the interval's width: what a precision target is compared with."""
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return math.inf
        return (self.high - self.low) / 2.0

    def as_json(self) -> dict[str, Any]:
        return {
            "estimate": finite_or_none(self.estimate),
            "low": finite_or_none(self.low),
            "high": finite_or_none(self.high),
            "method": self.method,
        }

    def meets(self, target: PrecisionTarget) -> bool:
        """Whether the half-width is within ``target``'s tolerance."""
        if target.relative:
            if not math.isfinite(self.estimate):
                return False
            return self.half_width <= target.tolerance * abs(self.estimate)
        return self.half_width <= target.tolerance


# -- the i.i.d. intervals ------------------------------------------------------------------------


def _z(level: float) -> float:
    return float(special.ndtri(0.5 + level / 2.0))


def _t(df: int, level: float) -> float:
    return float(special.stdtrit(df, 0.5 + level / 2.0))


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval for ``k`` events in ``n`` independent trials."""
    z = _z(level)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Exactly 0 (1) when no trial is (every trial is) an event: rounding aside.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def order_statistic_ranks(n: int, q: float, level: float = LEVEL) -> tuple[int, int]:
    """0-based ranks ``(l, u)`` of a distribution-free interval for the ``q`` quantile (0 < q < 1).

    With ``B ~ Binomial(n, q)`` the interval ``[x_(l), x_(u)]`` of the sorted
    sample covers the quantile with probability ``P(l < B <= u)`` (Hahn and
    Meeker 1991, sec. 5.2): ``l`` is the largest rank with ``P(B <= l) <= a``
    and ``u`` the smallest with ``P(B <= u) >= 1 - a``, ``a = (1 - level) / 2``,
    so the coverage is at least ``level``. ``l = -1`` means no lower end
    (-inf); ``u = n`` no upper end (+inf).
    """
    a = (1.0 - level) / 2.0

    def cdf(j: int) -> float:
        return 1.0 if j >= n else (0.0 if j < 0 else float(special.bdtr(j, n, q)))

    def start(y: float) -> int:
        guess = float(special.bdtrik(y, n, q))
        return min(n, max(-1, math.floor(guess) if math.isfinite(guess) else math.floor(n * q)))

    lo = start(a)
    while lo >= 0 and cdf(lo) > a:
        lo -= 1
    while lo + 1 < n and cdf(lo + 1) <= a:
        lo += 1
    hi = start(1.0 - a)
    while hi < n and cdf(hi) < 1.0 - a:
        hi += 1
    while hi - 1 >= 0 and cdf(hi - 1) >= 1.0 - a:
        hi -= 1
    return lo, hi


# -- order statistics of a sample -----------------------------------------------------------------

OrderStats = Callable[[Sequence[int]], np.ndarray]


def _partitioned(x: np.ndarray) -> OrderStats:
    """The order statistics of ``x`` at any ranks, by one partition per call."""

    def at(ranks: Sequence[int]) -> np.ndarray:
        ranks = np.asarray(ranks, dtype=np.intp)
        return np.partition(x, np.unique(ranks))[ranks]

    return at


class _Window:
    """Order statistics of a growing sample near a few ranks, without partitioning it all each time.

    Keeps the values between two cut points and the count below the first;
    a rank outside the kept values makes it cut again around the ranks
    asked for (one partition of the whole sample). The values are exactly
    those of a partition of the whole sample.
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
        if self.cuts is None or not (
            self.below <= first and last < self.below + sum(k.size for k in self.kept)
        ):
            margin = max(4096, 4 * (last - first))
            r0, r1 = max(0, first - margin), min(whole.size - 1, last + margin)
            part = np.partition(whole, [r0, r1])
            self.cuts = (float(part[r0]), float(part[r1]))
            self.below = int(np.count_nonzero(whole < self.cuts[0]))
            self.kept = [whole[(whole >= self.cuts[0]) & (whole <= self.cuts[1])]]
        kept = np.concatenate(self.kept) if len(self.kept) > 1 else self.kept[0]
        self.kept = [kept]
        return _partitioned(kept)(ranks - self.below)


def _percentiles_at(x: np.ndarray, qs: Sequence[float]) -> dict[float, float]:
    """Percentiles ``qs`` (in percent) of ``x`` as ``metrics.percentiles`` gives them, by one partition."""
    if not x.size:
        return dict.fromkeys(qs, math.nan)
    where = {q: percentile_ranks(x.size, q) for q in qs}
    ranks = sorted({r for lo, hi, _ in where.values() for r in (lo, hi)})
    part = np.partition(x, ranks)
    return {q: interpolate(part[lo], part[hi], frac) for q, (lo, hi, frac) in where.items()}


class _BatchPercentiles:
    """Each batch's percentiles of one output at every ``q`` its figures need: a partition a batch."""

    def __init__(self, qs: Sequence[float]) -> None:
        self.qs = sorted(set(qs))
        self.rows: list[dict[float, float]] = []
        self.sizes: list[int] = []

    def update(self, sample_of: Callable[[np.ndarray], np.ndarray], x: np.ndarray, bounds) -> None:
        for i in range(len(self.rows), len(bounds) - 1):
            sample = sample_of(x[bounds[i] : bounds[i + 1]])
            self.sizes.append(sample.size)
            self.rows.append(_percentiles_at(sample, self.qs))


# -- one figure ------------------------------------------------------------------------------------


@dataclass
class _Batches:
    """Per-batch statistics of one figure, computed once per batch (a check point reuses them)."""

    values: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


class _Figure:
    """One figure's estimate and interval over a run's first trials."""

    def __init__(
        self,
        name: str,
        model: Model,
        design: Design,
        shared: _BatchPercentiles | None = None,
        level: float = LEVEL,
    ) -> None:
        self.name = name
        self.output, self.kind, self.q = _SPEC[name]
        self.model, self.design, self.level = model, design, level
        self.batches = _Batches()
        # the per-batch percentiles of this output, shared by its figures
        self.shared = shared or _BatchPercentiles([self.q])

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

    def interval(self, x: np.ndarray, bounds: np.ndarray, order: OrderStats | None) -> Interval:
        """The interval over ``x`` (the output's first trials, batches ``bounds``).

        ``order`` gives the order statistics of the figure's sample (default:
        by partition); :class:`Tracker` keeps them cheaply as trials come in.
        """
        self.update_batches(x, bounds)
        r = len(bounds) - 1
        if self.kind == "mean":
            return self._mean(x, r)
        if self.kind == "probability":
            return self._probability(x.size, r)
        sample = self.sample(x)
        return self._quantile(sample.size, r, order or _partitioned(sample))

    def _spread(self, estimate: float, r: int) -> float:
        """Half-width from the batches' spread about ``estimate`` (t with r - 1 df)."""
        values = np.asarray(self.batches.values[:r])
        s = math.sqrt(float(np.sum((values - estimate) ** 2)) / (r - 1))
        return _t(r - 1, self.level) * s / math.sqrt(r)

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
        half = _t(n - 1, self.level) * float(x.std(ddof=1)) / math.sqrt(n)
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

    def ranks(self, m: int) -> list[int]:
        """The ranks of a sample of ``m`` this percentile's estimate and interval read."""
        lo, hi, _ = percentile_ranks(m, self.q)
        l_rank, u_rank = order_statistic_ranks(m, self.q / 100.0, self.level)
        return [lo, hi] + [k for k in (l_rank, u_rank) if 0 <= k < m]

    def _quantile(self, m: int, r: int, order: OrderStats) -> Interval:
        if m == 0:
            return Interval(math.nan, -math.inf, math.inf, "no trial where it is defined")
        lo, hi, frac = percentile_ranks(m, self.q)
        l_rank, u_rank = order_statistic_ranks(m, self.q / 100.0, self.level)
        ranks = self.ranks(m)
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
                return Interval(estimate, estimate - half, estimate + half, method)
        low = values[l_rank] if l_rank >= 0 else -math.inf
        high = values[u_rank] if u_rank < m else math.inf
        method = "order statistics, independent trials"
        if why is not None:
            method = f"order statistics as if independent ({why})"
        return Interval(estimate, low, high, method)


def precision_targets(
    model: Model, precision: str | Mapping | Sequence[PrecisionTarget]
) -> tuple[PrecisionTarget, ...]:
    """``precision`` as targets (text, a mapping or targets), checked against ``model``.

    Raises ConfigError naming ``precision`` for a target that cannot be read
    or needs a target the model does not set (``payback_within_target``).
    """
    if isinstance(precision, (str, Mapping)):
        targets, problems = parse_targets(precision)
        if problems:
            raise ConfigError(
                [
                    Problem(f"{fig + ': ' if fig else ''}{msg}", path="precision")
                    for fig, msg in problems
                ]
            )
    else:
        targets = tuple(precision)
    problems = []
    for t in targets:
        need = needed_target(t.figure)
        if need is not None and getattr(model, f"target_{need}", None) is None:
            problems.append(
                Problem(
                    f"the precision target {t.figure} needs targets.{need}, which this config "
                    "does not set; add it, or drop the target",
                    path="precision",
                    file=model.file,
                )
            )
    if problems:
        raise ConfigError(problems)
    return targets


# -- a run's figures ------------------------------------------------------------------------------


def _design(result) -> Design:
    return Design(result.sampling, bool(result.model.correlations), result.batch_size)


def _figures(names: Sequence[str], model: Model, design: Design, level: float = LEVEL) -> list:
    """The :class:`_Figure` s of ``names``; those on one output share its batches' percentiles."""
    qs: dict[str, list[float]] = {}
    for name in names:
        output, kind, q = _SPEC[name]
        if kind == "quantile":
            qs.setdefault(output, []).append(q)
    shared = {output: _BatchPercentiles(q) for output, q in qs.items()}
    return [_Figure(n, model, design, shared.get(_SPEC[n][0]), level) for n in names]


def precision_block(result, level: float = LEVEL) -> dict[str, Any]:
    """summary.json's ``precision``: every figure that exists for the run's model."""
    model, design = result.model, _design(result)
    bounds = batch_bounds(result.trials, result.batch_size)
    names = [name for name in FIGURES if figure_exists(name, model)]
    figures = _figures(names, model, design, level)
    # The partitions are most of the work, and independent: in the pool, each output's
    # batches on its own, and the whole run's order statistics.
    pool = _pool.executor(result.trials, 4)
    jobs = []
    if design.replicated:
        done = set()
        for fig in figures:
            if fig.kind == "quantile" and fig.output not in done:
                done.add(fig.output)
                jobs.append(pool.submit(fig.shared.update, fig.sample, getattr(result, fig.output),
                                        bounds))  # fmt: skip
    orders = pool.submit(_shared_orders, figures, result).result()
    _pool.results(jobs)
    out = {}
    for fig in figures:
        x = getattr(result, fig.output)
        out[fig.name] = fig.interval(x, bounds, orders.get(fig.output)).as_json()
    return {"level": level, "figures": out}


def _shared_orders(figures: Sequence[_Figure], result) -> dict[str, OrderStats]:
    """For each output with percentiles, its order statistics at every rank they read: one partition."""
    samples: dict[str, np.ndarray] = {}
    ranks: dict[str, set[int]] = {}
    for fig in figures:
        if fig.kind == "quantile":
            sample = samples.setdefault(fig.output, fig.sample(getattr(result, fig.output)))
            if sample.size:
                ranks.setdefault(fig.output, set()).update(fig.ranks(sample.size))
    orders = {}
    for output, wanted in ranks.items():
        at = sorted(wanted)
        values = dict(zip(at, np.partition(samples[output], at)[at].tolist(), strict=True))
        orders[output] = _lookup(values)
    return orders


def _lookup(values: dict[int, float]) -> OrderStats:
    def at(ranks: Sequence[int]) -> np.ndarray:
        return np.array([values[k] for k in ranks])

    return at


def stop_block(result) -> dict[str, Any]:
    """summary.json's ``stop``: why the run stopped where it did (``result.stop`` records it)."""
    stop = getattr(result, "stop", None)
    if not stop:
        return {"reason": "trials", "trials": result.trials}
    return {
        "reason": stop["reason"],
        "trials": result.trials,
        "targets": {t.figure: t.text for t in stop["targets"]},
        "max_trials": stop["max_trials"],
    }


def check_points(max_batches: int) -> list[int]:
    """The batch counts at which a run with ``--precision`` checks its targets.

    Every batch up to 32 (262,144 trials at 8,192 a batch), then every 2nd
    up to 64, every 4th up to 128, ...: 16 check points per doubling, so a
    check costs little against the trials it follows. The last batch count
    allowed (``max_batches``) is always one.
    """
    points = []
    b = 1
    while b <= max_batches:
        points.append(b)
        b += 1 << max(0, b.bit_length() - 5)
    if points[-1] != max_batches:
        points.append(max_batches)
    return points


class Tracker:
    """The targets of one run with ``--precision``, checked as its trials come in.

    ``check`` is called at each check point with the run's outputs so far;
    per-batch statistics are kept, and the order statistics of each
    percentile's sample are kept near the ranks it needs (:class:`_Window`),
    so a check costs far less than summarising the run. The intervals are
    those :func:`precision_block` gives for the same trials.
    """

    def __init__(self, model: Model, targets: Sequence[PrecisionTarget], design: Design) -> None:
        self.targets = tuple(targets)
        figures = _figures([t.figure for t in self.targets], model, design)
        self.figures = {fig.name: fig for fig in figures}
        self.windows: dict[str, _Window] = {}
        self.last: dict[str, Interval] = {}

    def check(self, outputs: Mapping[str, np.ndarray], bounds: np.ndarray) -> bool:
        """Whether every target is met by the trials so far (``outputs``: the first trials)."""
        met = True
        for t in self.targets:
            fig = self.figures[t.figure]
            x = outputs[fig.output]
            order = None
            if fig.kind == "quantile":
                sample = fig.sample(x)
                window = self.windows.setdefault(t.figure, _Window())
                order = self._order(window, fig, sample)
            self.last[t.figure] = interval = fig.interval(x, bounds, order)
            met = met and interval.meets(t)
        return met

    @staticmethod
    def _order(window: _Window, fig: _Figure, sample: np.ndarray) -> OrderStats:
        if window.n < sample.size:
            window.add(sample[window.n :])

        def at(ranks: Sequence[int]) -> np.ndarray:
            return window.at(sample, ranks)

        return at
