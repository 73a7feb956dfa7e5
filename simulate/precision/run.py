"""A run's figures (summary.json's ``precision`` and ``stop``) and the check points of ``--precision``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from .. import _pool
from ..config import Model
from ..config.model import PrecisionTarget
from ..config.tolerance import FIGURES, needed_target, parse_targets
from ..errors import ConfigError, Problem
from ..sampling import batch_bounds
from .figure import FIGURE_SPEC, Figure, figure_exists
from .formulas import LEVEL, Design, Interval
from .orders import BatchPercentiles, OrderStats, Window

__all__ = ["Tracker", "check_points", "precision_block", "precision_targets", "stop_block"]


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
    """The :class:`Figure` s of ``names``; those on one output share its batches' percentiles."""
    qs: dict[str, list[float]] = {}
    for name in names:
        output, kind, q = FIGURE_SPEC[name]
        if kind == "quantile":
            qs.setdefault(output, []).append(q)
    shared = {output: BatchPercentiles(q) for output, q in qs.items()}
    return [Figure(n, model, design, shared.get(FIGURE_SPEC[n][0]), level) for n in names]


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
    orders = pool.submit(_shared_orders, figures, result, len(bounds) - 1).result()
    _pool.results(jobs)
    out = {}
    for fig in figures:
        x = getattr(result, fig.output)
        out[fig.name] = fig.interval(x, bounds, orders.get(fig.output)).as_json()
    return {"level": level, "figures": out}


def _shared_orders(figures: Sequence[Figure], result, r: int) -> dict[str, OrderStats]:
    """For each output with percentiles, its order statistics at every rank they read: one partition."""
    samples: dict[str, np.ndarray] = {}
    ranks: dict[str, set[int]] = {}
    for fig in figures:
        if fig.kind == "quantile":
            sample = samples.setdefault(fig.output, fig.sample(getattr(result, fig.output)))
            if sample.size:
                ranks.setdefault(fig.output, set()).update(fig.ranks(sample.size, r))
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
    """summary.json's ``stop``: why the run stopped where it did (``result.stop`` records it).

    With precision targets, ``checks`` lists every check point up to the
    stop: its trials, whether every target was met there, and each target
    figure's estimate and interval (what the convergence chart draws).
    """
    stop = getattr(result, "stop", None)
    if not stop:
        return {"reason": "trials", "trials": result.trials}
    return {
        "reason": stop["reason"],
        "trials": result.trials,
        "targets": {t.figure: t.text for t in stop["targets"]},
        "max_trials": stop["max_trials"],
        "checks": list(stop.get("checks", ())),
    }


def _bounds_of(interval: Interval) -> dict[str, float | None]:
    shown = interval.as_json()
    return {k: shown[k] for k in ("estimate", "low", "high")}


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
    percentile's sample are kept near the ranks it needs (:class:`Window`),
    so a check costs far less than summarising the run. The intervals are
    those :func:`precision_block` gives for the same trials.
    """

    def __init__(self, model: Model, targets: Sequence[PrecisionTarget], design: Design) -> None:
        self.targets = tuple(targets)
        figures = _figures([t.figure for t in self.targets], model, design)
        self.figures = {fig.name: fig for fig in figures}
        self.windows: dict[str, Window] = {}
        self.defined: dict[str, tuple[np.ndarray, int, int]] = {}
        self.last: dict[str, Interval] = {}
        # every check point's intervals, as summary.json's stop.checks records them
        self.history: list[dict[str, Any]] = []

    def check(self, outputs: Mapping[str, np.ndarray], bounds: np.ndarray) -> bool:
        """Whether every target is met by the trials so far (``outputs``: the first trials)."""
        met = True
        for t in self.targets:
            fig = self.figures[t.figure]
            x = outputs[fig.output]
            order = size = None
            if fig.kind == "quantile":
                sample = self._sample(fig, x)
                window = self.windows.setdefault(t.figure, Window())
                if window.n < sample.size:
                    window.add(sample[window.n :])
                order, size = partial(window.at, sample), sample.size
            self.last[t.figure] = interval = fig.interval(x, bounds, order, size)
            met = met and interval.meets(t) and fig.measured(len(bounds) - 1)
        figures = {name: _bounds_of(iv) for name, iv in self.last.items()}
        self.history.append({"trials": int(bounds[-1]), "met": met, "figures": figures})
        return met

    def _sample(self, fig: Figure, x: np.ndarray) -> np.ndarray:
        """The figure's sample of the trials so far: the output, or (ROI) its defined values.

        The defined values are kept as they come (in an array that doubles
        when full), not found again at every check.
        """
        if fig.output != "roi":
            return x
        buffer, m, seen = self.defined.get(fig.output, (np.empty(0), 0, 0))
        if seen < x.size:
            new = fig.sample(x[seen:])
            if m + new.size > buffer.size:
                grown = np.empty(max(2 * buffer.size, m + new.size))
                grown[:m] = buffer[:m]
                buffer = grown
            buffer[m : m + new.size] = new
            m, seen = m + new.size, x.size
            self.defined[fig.output] = (buffer, m, seen)
        return buffer[:m]
