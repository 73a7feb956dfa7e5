"""Paired comparisons on common random numbers: scenarios, overlays, portfolios.

Runs of one config with the same seed, trials and sampling draw the same
random numbers for every input they share (``sampling.py`` keys each input's
stream by its name), so trial ``t`` of one run and trial ``t`` of another are
the same imagined future under two sets of assumptions. Differences are then
taken trial by trial: P(A's NPV > B's) is the share of trials in which A
beats B, and the simulation noise of a difference is far smaller than that of
either run.

Everything here computes numbers from arrays; :mod:`simulate.overlay` runs
the paired runs of an overlay, :mod:`simulate.text` and
:mod:`simulate.plotting` present the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .metrics import percentiles
from .results import Result

__all__ = [
    "KEY_METRICS",
    "PairedRun",
    "cdf_points",
    "key_figure_change",
    "key_figures",
    "paired_comparison",
    "scenario_comparisons",
]

# The figures an overlay's change is reported and attributed in.
KEY_METRICS = ("prob_npv_positive", "npv_p50", "npv_mean")


def key_figures(npv: np.ndarray) -> dict[str, float]:
    """P(NPV > 0), median and mean NPV, computed as summary.json computes them."""
    npv = np.asarray(npv, dtype=float)
    return {
        "prob_npv_positive": float(np.mean(npv > 0)),
        "npv_p50": float(percentiles(npv, [50])[0]),
        "npv_mean": float(np.mean(npv)),
    }


def key_figure_change(
    a: Mapping[str, float | None], b: Mapping[str, float | None]
) -> dict[str, float | None]:
    """``a - b`` for each of :data:`KEY_METRICS` (None where either is undefined)."""
    return {k: None if a[k] is None or b[k] is None else a[k] - b[k] for k in KEY_METRICS}


def paired_comparison(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """How run ``a`` compares with run ``b``, trial by trial.

    Returns P(a > b), P(b > a) (ties count for neither: a success flag that
    fails in both runs gives equal NPVs), and the mean, P10, P50 and P90 of
    the paired difference ``a - b``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired runs need the same trials, not {a.shape} and {b.shape}")
    d = a - b
    p10, p50, p90 = (float(v) for v in percentiles(d, [10, 50, 90]))
    return {
        "prob_a_above_b": float(np.mean(a > b)),
        "prob_b_above_a": float(np.mean(b > a)),
        "npv_diff_mean": float(np.mean(d)),
        "npv_diff_p10": p10,
        "npv_diff_p50": p50,
        "npv_diff_p90": p90,
    }


@dataclass(frozen=True)
class PairedRun:
    """A run's label, what decides its draws, and its per-trial NPV."""

    label: str | None  # the scenario (None: the config as written)
    seed: int
    trials: int
    sampling: str
    npv: np.ndarray

    @classmethod
    def of(cls, result: Result) -> PairedRun:
        return cls(result.model.scenario, result.seed, result.trials, result.sampling, result.npv)


def scenario_comparisons(runs: Sequence[PairedRun]) -> list[dict[str, Any]]:
    """P(A's NPV > B's) for each pair of runs of one config, in the order given.

    Runs with different seeds, trials or sampling (a scenario that sets its
    own ``simulation:``) do not share their draws: such a pair is reported
    with ``paired: false`` and null figures. ``trials`` is the trials both
    runs had, or None when they differ (two runs with precision targets that
    stopped at different counts); ``trials_a`` and ``trials_b`` give each side's.
    """
    out = []
    for i, a in enumerate(runs):
        for b in runs[i + 1 :]:
            row: dict[str, Any] = {
                "a": a.label,
                "b": b.label,
                "trials": a.trials if a.trials == b.trials else None,
                "trials_a": a.trials,
                "trials_b": b.trials,
            }
            same = (a.seed, a.trials, a.sampling) == (b.seed, b.trials, b.sampling)
            row["paired"] = same
            if same:
                row.update(paired_comparison(a.npv, b.npv))
                row["note"] = ""
            else:
                row.update(dict.fromkeys(paired_comparison(np.zeros(1), np.zeros(1))))
                row["note"] = (
                    "not paired: the runs differ in seed, trials or sampling "
                    f"({a.seed}/{a.trials}/{a.sampling} vs {b.seed}/{b.trials}/{b.sampling})"
                )
            out.append(row)
    return out


def cdf_points(npv: np.ndarray, n: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """``(x, F)``: ``n`` points of the empirical CDF of ``npv``, for drawing.

    ``x`` are the NPV percentiles at ``F = 0, 1/(n-1), ..., 1`` (linear
    interpolation, as every percentile here).
    """
    prob = np.linspace(0.0, 1.0, n)
    return percentiles(np.asarray(npv, dtype=float), prob * 100.0), prob
