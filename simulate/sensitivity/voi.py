"""Value of information: EVPI, and per-input EVPPI by binning, for the invest decision."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special

from ..config import Model
from ..seeds import SeedLike, as_seed_sequence, child
from .labels import named
from .rank import mark_order

__all__ = ["DEFAULT_BINS", "MIN_PER_BIN", "SECTIONS", "value_of_information"]

DEFAULT_BINS = 50
MIN_PER_BIN = 20
# Random regroupings averaged for the EVPPI noise floor.
_NOISE_REPEATS = 5
# Random sections of the trials whose EVPPIs measure its sampling error.
SECTIONS = 10
# The key of the sections' stream under the analysis's seed (the noise floor uses the seed itself).
_SECTIONS_KEY = 1


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


def _sectioned(
    x: np.ndarray, npv: np.ndarray, model: Model, bins: int, invest_now: bool, seed: SeedLike
) -> np.ndarray:
    """Each input's EVPPI on each of :data:`SECTIONS` random sections of the trials: ``(k, G)``."""
    rng = np.random.default_rng(child(as_seed_sequence(seed), _SECTIONS_KEY))
    out = np.empty((len(model.inputs), SECTIONS))
    for g, part in enumerate(np.array_split(rng.permutation(npv.size), SECTIONS)):
        y = npv[part]
        n_bins = int(max(2, min(bins, y.size // MIN_PER_BIN)))
        for j, inp in enumerate(model.inputs):
            groups = _groups(x[j, part], inp.prior.is_discrete, n_bins)
            out[j, g] = _binned_value(y, groups, invest_now)
    return out


def _section_interval(value: float, sections: np.ndarray) -> tuple[float, float]:
    """A 95% interval about ``value`` from the spread of the sections' values (t, G - 1 df)."""
    g = sections.size
    s = math.sqrt(float(np.sum((sections - value) ** 2)) / (g - 1))
    half = float(special.stdtrit(g - 1, 0.975)) * s / math.sqrt(g)
    return max(0.0, value - half), value + half


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
    sections = _sectioned(x, y, model, bins, invest_now, seed) if n >= SECTIONS * 2 else None
    for j, r in enumerate(rows):
        r["above_noise"] = r["value"] > 2.0 * floor
        low, high = (None, None) if sections is None else _section_interval(r["value"], sections[j])
        r["value_low"], r["value_high"] = low, high
    rows.sort(key=lambda r: -r["value"])
    mark_order(
        rows, lambda r: None if r["value_low"] is None else (r["value_low"], r["value_high"])
    )
    se = float(regret.std(ddof=1) / math.sqrt(n)) if n > 1 else None
    half = None if se is None else float(special.stdtrit(n - 1, 0.975)) * se
    return {
        "evpi": evpi,
        "evppi": rows,
        "expected_npv": mean,
        "decision_now": "invest" if invest_now else "do not invest",
        "bins": n_bins,
        "trials": n,
        "noise_floor": floor,
        "evpi_se": se,
        "currency": model.currency,
        "evpi_low": None if half is None else max(0.0, evpi - half),
        "evpi_high": None if half is None else evpi + half,
    }
