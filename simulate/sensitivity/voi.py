"""Value of information: EVPI, and per-input EVPPI by binning, for the invest decision."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _pool, _scipy
from ..config import Model
from ..seeds import SeedLike, as_seed_sequence, child
from .labels import named
from .rank import mark_order

special = _scipy.load("scipy.special")

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


def _sections(n: int, seed: SeedLike) -> list[np.ndarray]:
    """The trials of each of :data:`SECTIONS` random sections (a stream of their own)."""
    rng = np.random.default_rng(child(as_seed_sequence(seed), _SECTIONS_KEY))
    return np.array_split(rng.permutation(n), SECTIONS)


def _input_values(
    x: np.ndarray,
    npv: np.ndarray,
    discrete: bool,
    n_bins: int,
    bins: int,
    invest_now: bool,
    parts: list[np.ndarray] | None,
) -> tuple[float, np.ndarray | None]:
    """One input's EVPPI over all trials, and on each section (None without sections)."""
    value = _binned_value(npv, _groups(x, discrete, n_bins), invest_now)
    if parts is None:
        return value, None
    out = np.empty(len(parts))
    for g, part in enumerate(parts):
        y = npv[part]
        n_part = int(max(2, min(bins, y.size // MIN_PER_BIN)))
        out[g] = _binned_value(y, _groups(x[part], discrete, n_part), invest_now)
    return value, out


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
    parts = _sections(n, seed) if n >= SECTIONS * 2 else None
    # Each input's sorts on a thread of the pool (numpy's sorts release the GIL),
    # the noise floor beside them: each number is computed as on one thread.
    pool = _pool.executor(n, len(model.inputs) + 1)
    floor_task = pool.submit(_noise_floor, y, n_bins, invest_now, seed)
    tasks = [pool.submit(_input_values, x[j], y, inp.prior.is_discrete, n_bins, bins,
                         invest_now, parts) for j, inp in enumerate(model.inputs)]  # fmt: skip
    floor, *values = _pool.results([floor_task, *tasks])
    rows = []
    for inp, (value, sections) in zip(model.inputs, values, strict=True):
        low, high = (None, None) if sections is None else _section_interval(value, sections)
        rows.append({**named(inp), "value": value,
                     "share_of_evpi": value / evpi if evpi > 0 else None,
                     "above_noise": value > 2.0 * floor, "value_low": low,
                     "value_high": high})  # fmt: skip
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
