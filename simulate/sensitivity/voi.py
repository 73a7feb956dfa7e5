"""Value of information: EVPI, and per-input EVPPI by binning, for the invest decision."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..config import Model
from ..seeds import SeedLike, as_seed_sequence
from .labels import named

__all__ = ["DEFAULT_BINS", "MIN_PER_BIN", "value_of_information"]

DEFAULT_BINS = 50
MIN_PER_BIN = 20
# Random regroupings averaged for the EVPPI noise floor.
_NOISE_REPEATS = 5


def _regret(npv: np.ndarray, invest_now: bool) -> np.ndarray:
    """Per sample, what the decision taken now gives up against the best decision.

    Written as max(-npv, 0) (investing now) or max(npv, 0) (not investing)
    rather than max(npv, 0) - max(mean, 0), which is the same on average but
    loses digits to a large mean.
    """
    return np.maximum(-npv, 0.0) if invest_now else np.maximum(npv, 0.0)


def _binned_value(npv: np.ndarray, groups: Sequence[np.ndarray], invest_now: bool) -> float:
    """E_bins[max(E[npv | bin], 0)] - max(E[npv], 0), computed as a mean regret."""
    means = np.array([npv[g].mean() for g in groups if g.size])
    sizes = np.array([g.size for g in groups if g.size], dtype=float)
    return float(sizes @ _regret(means, invest_now) / npv.size)


def _groups(x: np.ndarray, discrete: bool, n_bins: int) -> list[np.ndarray]:
    """Sample indices grouped by one input: by value if discrete, else ``n_bins`` equal counts."""
    if discrete:
        _, inverse = np.unique(x, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        cuts = np.flatnonzero(np.diff(inverse[order])) + 1
        return np.split(order, cuts)
    return np.array_split(np.argsort(x, kind="stable"), n_bins)


def _noise_floor(npv: np.ndarray, n_bins: int, invest_now: bool, seed: SeedLike) -> float:
    """The binned value of ``n_bins`` random groups: what an irrelevant input scores."""
    rng = np.random.default_rng(as_seed_sequence(seed))
    n = npv.size
    return float(
        np.mean(
            [
                _binned_value(npv, np.array_split(rng.permutation(n), n_bins), invest_now)
                for _ in range(_NOISE_REPEATS)
            ]
        )
    )


def value_of_information(
    model: Model,
    inputs: np.ndarray,
    npv: np.ndarray,
    *,
    bins: int = DEFAULT_BINS,
    seed: SeedLike = None,
) -> dict[str, Any]:
    """EVPI and per-input EVPPI for the invest / don't-invest decision.

    EVPI = E[max(NPV, 0)] - max(E[NPV], 0): what knowing every input exactly
    before deciding would be worth. EVPPI_i = E[max(E[NPV | x_i], 0)] -
    max(E[NPV], 0): what knowing input i alone would be worth, the upper
    bound on the value of a pilot that measures it. E[NPV | x_i] is estimated
    by sorting the samples on input i into ``bins`` equal-count bins (at
    least ``MIN_PER_BIN`` samples each; a discrete input is grouped by its
    values). Binning is biased upward: noise in each bin's mean adds a little
    value even for an irrelevant input. ``noise_floor`` estimates that bias
    (the same computation on ``bins`` randomly formed groups); an EVPPI up to
    twice it is indistinguishable from zero (``above_noise`` is False). The
    floor is conservative for a discrete input, whose few groups are large.
    """
    x = np.asarray(inputs, dtype=float)
    y = np.asarray(npv, dtype=float)
    n = y.size
    mean = float(y.mean())
    invest_now = mean > 0
    regret = _regret(y, invest_now)
    evpi = float(regret.mean())
    n_bins = int(max(2, min(bins, n // MIN_PER_BIN)))
    rows = []
    for j, inp in enumerate(model.inputs):
        value = _binned_value(y, _groups(x[j], inp.prior.is_discrete, n_bins), invest_now)
        rows.append({**named(inp), "value": value,
                     "share_of_evpi": value / evpi if evpi > 0 else None})  # fmt: skip
    floor = _noise_floor(y, n_bins, invest_now, seed)
    for r in rows:
        r["above_noise"] = r["value"] > 2.0 * floor
    rows.sort(key=lambda r: -r["value"])
    return {
        "evpi": evpi,
        "evppi": rows,
        "expected_npv": mean,
        "decision_now": "invest" if invest_now else "do not invest",
        "bins": n_bins,
        "trials": n,
        "noise_floor": floor,
        "evpi_se": float(regret.std(ddof=1) / math.sqrt(n)) if n > 1 else None,
        "currency": model.currency,
    }
