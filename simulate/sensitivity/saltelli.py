"""Sobol' indices: the Saltelli design, the Jansen estimators and bootstrap intervals.

The design draws two ``(k, n_base)`` matrices A and B of input values from one
scrambled Sobol' sequence in ``2k`` dimensions (:class:`scipy.stats.qmc.Sobol`)
mapped through each input's quantile function, and for each input i the
matrix A with row i taken from B: ``n_base * (k + 2)`` evaluations of the
kernel (Saltelli et al. 2010).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import _scipy
from ..config import Model
from ..engine import evaluate
from ..errors import ConfigError
from ..files import finite_or_none
from ..kernel.tables import Tables, kernel_tables
from ..sampling import ppf_matrix
from ..seeds import SeedLike, as_seed_sequence
from . import wording
from .labels import named
from .options import check_metric
from .rank import mark_order

special = _scipy.load("scipy.special")

__all__ = ["DEFAULT_BOOTSTRAP", "DEFAULT_SOBOL_N", "saltelli_design", "sobol"]

DEFAULT_SOBOL_N = 1 << 13
DEFAULT_BOOTSTRAP = 1000
_BOOTSTRAP_BATCH = 200  # resamples weighted at a time: bounds memory to 200 x n_base
# Below this many base samples bootstrap intervals are themselves unreliable.
_MIN_SOBOL_N = 1024
# Interval half-widths above this cannot separate inputs' indices.
_WIDE_CONF = 0.1


def saltelli_design(
    model: Model, n_base: int, seed: np.random.SeedSequence
) -> tuple[np.ndarray, np.ndarray, bool]:
    """A and B, each ``(k, n_base)`` input values, and whether the design is balanced.

    One scrambled Sobol' sequence in ``2k`` dimensions: its first ``k``
    columns make A, the last ``k`` B. The sequence is balanced only for a
    power-of-two ``n_base``.
    """
    k = len(model.inputs)
    from scipy.stats import qmc  # loads scipy.stats (0.3-0.5 s): only for Sobol' indices

    engine = qmc.Sobol(d=2 * k, scramble=True, rng=np.random.default_rng(seed))
    balanced = n_base & (n_base - 1) == 0
    if balanced:
        u = engine.random_base2(int(math.log2(n_base)))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance: said in the notes
            u = engine.random(n_base)
    return ppf_matrix(model, u[:, :k].T), ppf_matrix(model, u[:, k:].T), balanced


def _jansen(
    ya: np.ndarray, yb: np.ndarray, yab: np.ndarray, w: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Jansen (1999) first-order and total indices (Saltelli et al. 2010, Table 2).

    ``ya``, ``yb``: (N,) outputs on A and B; ``yab``: (k, N) outputs on
    A with column i from B. ``w``: optional (R, N) bootstrap weights (counts
    of each row in R resamples, each summing to N), giving (R, k) results.

    S1_i = (V - mean((f_B - f_ABi)^2) / 2) / V,  ST_i = mean((f_A - f_ABi)^2) / 2 / V,
    with V the variance of f_A and f_B pooled.
    """
    d1 = (yb[None, :] - yab) ** 2  # (k, N)
    dt = (ya[None, :] - yab) ** 2
    if w is None:
        pooled = np.concatenate([ya, yb])
        v = pooled.var()
        with np.errstate(invalid="ignore", divide="ignore"):
            return (v - 0.5 * d1.mean(axis=1)) / v, 0.5 * dt.mean(axis=1) / v
    n = ya.size
    cols = np.column_stack([ya, yb, ya * ya, yb * yb, d1.T, dt.T])  # (N, 4 + 2k)
    m = (w @ cols) / n  # (R, 4 + 2k): weighted means
    k = yab.shape[0]
    mean = 0.5 * (m[:, 0] + m[:, 1])
    v = 0.5 * (m[:, 2] + m[:, 3]) - mean * mean
    with np.errstate(invalid="ignore", divide="ignore"):
        s1 = (v[:, None] - 0.5 * m[:, 4 : 4 + k]) / v[:, None]
        st = 0.5 * m[:, 4 + k :] / v[:, None]
    return s1, st


def _bootstrap_weights(rng: np.random.Generator, r: int, n: int) -> np.ndarray:
    """(r, n) counts: how often each of n rows appears in each of r resamples."""
    idx = rng.integers(0, n, size=(r, n)) + (np.arange(r) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=r * n).reshape(r, n).astype(float)


def _bootstrap_conf(
    ya: np.ndarray,
    yb: np.ndarray,
    yab: np.ndarray,
    n_bootstrap: int,
    conf_level: float,
    seed: np.random.SeedSequence,
) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths ``z * sd`` of the bootstrap distributions of S1 and ST."""
    k, n = yab.shape
    if n_bootstrap < 2:
        return np.full(k, np.nan), np.full(k, np.nan)
    rng = np.random.default_rng(seed)
    boot1, boott = [], []
    for start in range(0, n_bootstrap, _BOOTSTRAP_BATCH):
        w = _bootstrap_weights(rng, min(_BOOTSTRAP_BATCH, n_bootstrap - start), n)
        b1, bt = _jansen(ya, yb, yab, w)
        boot1.append(b1)
        boott.append(bt)
    z = float(special.ndtri(0.5 + conf_level / 2.0))
    with np.errstate(invalid="ignore"):  # a degenerate resample gives NaN: so does the sd
        sd1 = np.concatenate(boot1).std(axis=0, ddof=1)
        sdt = np.concatenate(boott).std(axis=0, ddof=1)
    return z * sd1, z * sdt


def _design_outputs(
    model: Model, xa: np.ndarray, xb: np.ndarray, metric: str, tables: Tables
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The metric on A, on B and on each A with row i from B (``(k, n_base)``)."""

    def f(x: np.ndarray) -> np.ndarray:
        return np.array(getattr(evaluate(model, x, with_irr=False, tables=tables), metric))

    ya, yb = f(xa), f(xb)
    yab = np.empty(xa.shape)
    for i in range(xa.shape[0]):
        x = xa.copy()
        x[i] = xb[i]
        yab[i] = f(x)
    return ya, yb, yab


def _usable(
    model: Model, outputs: tuple[np.ndarray, ...], metric: str, notes: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The design's outputs ready for the estimators, centred; what was done goes in ``notes``.

    A payback beyond the horizon counts as the horizon; rows with an
    undefined metric (NaN ROI) are dropped.
    """
    ya, yb, yab = outputs
    if metric == "payback_months":
        beyond = int(np.isinf(ya).sum() + np.isinf(yb).sum() + np.isinf(yab).sum())
        if beyond:
            notes.append(wording.sobol_beyond_horizon(beyond, model.horizon_months))
        ya, yb, yab = (np.minimum(y, float(model.horizon_months)) for y in (ya, yb, yab))
    ok = np.isfinite(ya) & np.isfinite(yb) & np.isfinite(yab).all(axis=0)
    if not ok.all():
        notes.append(wording.sobol_dropped(int((~ok).sum()), metric))
        ya, yb, yab = ya[ok], yb[ok], yab[:, ok]
    # Centre on the pooled mean: differences are unchanged, and the weighted
    # variance in the bootstrap does not lose digits to a large mean.
    centre = 0.5 * (ya.mean() + yb.mean()) if ya.size else 0.0
    return ya - centre, yb - centre, yab - centre


def _precision_warning(n_base: int, confs: np.ndarray) -> str | None:
    """Why the intervals ``confs`` (every S1 and ST half-width) may not rank inputs, if so."""
    widest = float(confs.max()) if np.isfinite(confs).all() else math.inf
    if n_base < _MIN_SOBOL_N:
        return wording.sobol_few_samples(n_base, _MIN_SOBOL_N)
    if widest > _WIDE_CONF:
        return wording.sobol_wide(widest)
    return None


def _check(n_base: int, conf_level: float) -> None:
    if n_base < 2:
        raise ConfigError(
            f"n_base is {n_base}; Sobol' needs at least 2 base samples", path="n_base"
        )
    if not 0.0 < conf_level < 1.0:
        raise ConfigError(f"conf_level is {conf_level!r}; use e.g. 0.95", path="conf_level")


def sobol(
    model: Model,
    *,
    metric: str = "npv",
    n_base: int = DEFAULT_SOBOL_N,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    conf_level: float = 0.95,
    seed: SeedLike = None,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """First-order and total Sobol' indices with bootstrap confidence intervals.

    The Saltelli design (:func:`saltelli_design`): ``n_base * (k + 2)``
    evaluations of the kernel. Indices use the Jansen estimators
    (:func:`_jansen`). ``S1_conf``/``ST_conf`` are half-widths (``z *
    bootstrap sd``, as SALib reports them) of a ``conf_level`` interval from
    ``n_bootstrap`` resamples of the design's rows (None with fewer than 2
    resamples). The bootstrap treats the rows as independent draws; for a
    scrambled Sobol' design the estimates are usually more precise than
    that, so the intervals err on the wide side.

    The design draws inputs independently: Sobol' indices are defined for
    independent inputs, so a config's ``correlations:`` are ignored here
    (a :class:`SensitivityWarning` says so).

    For ``payback_months``, a trial that does not pay back within the horizon
    counts as the horizon; for ``roi``, design rows where ROI is undefined
    are dropped. Both are said in the result's ``notes``.

    Returns
    -------
    dict
        ``{"n_base", "evaluations", "conf_level", "n_bootstrap", "indices":
        [{"input", "label", "S1", "S1_conf", "ST", "ST_conf", "order_resolved"}], "notes",
        "warnings"}``, indices sorted by ST, largest first; ``order_resolved``
        says whether a row's ST interval lies above the next row's.
    """
    check_metric(metric)
    n_base = int(n_base)
    _check(n_base, conf_level)
    tables = tables or kernel_tables(model)
    k = len(model.inputs)
    design_seed, boot_seed = as_seed_sequence(seed).spawn(2)
    notes = list(wording.SOBOL)
    warns = [wording.SOBOL_CORRELATIONS_IGNORED] if model.correlations else []
    out = {"n_base": n_base, "evaluations": n_base * (k + 2), "conf_level": conf_level,
           "n_bootstrap": n_bootstrap, "indices": [], "notes": notes, "warnings": warns}  # fmt: skip
    if k == 0:
        return {**out, "evaluations": 0}
    xa, xb, balanced = saltelli_design(model, n_base, design_seed)
    if not balanced:
        notes.append(wording.sobol_unbalanced(n_base))
    ya, yb, yab = _usable(model, _design_outputs(model, xa, xb, metric, tables), metric, notes)
    if ya.size < 2 or np.concatenate([ya, yb]).var() == 0.0:
        s1 = st = s1_conf = st_conf = np.full(k, np.nan)
        warns.append(wording.sobol_constant(metric))
    else:
        s1, st = _jansen(ya, yb, yab)
        s1_conf, st_conf = _bootstrap_conf(ya, yb, yab, n_bootstrap, conf_level, boot_seed)
        warning = _precision_warning(n_base, np.concatenate([s1_conf, st_conf]))
        if warning is not None:
            warns.append(warning)
    columns = {"S1": s1, "S1_conf": s1_conf, "ST": st, "ST_conf": st_conf}
    out["indices"] = sorted(
        (
            {**named(inp), **{key: finite_or_none(v[j]) for key, v in columns.items()}}
            for j, inp in enumerate(model.inputs)
        ),
        key=lambda r: -r["ST"] if r["ST"] is not None else math.inf,
    )
    mark_order(out["indices"], _st_span)
    return out


def _st_span(row: dict) -> tuple[float, float] | None:
    """The 95% interval of a row's ST (what the rows are sorted by)."""
    if row["ST"] is None or row["ST_conf"] is None:
        return None
    return row["ST"] - row["ST_conf"], row["ST"] + row["ST_conf"]
