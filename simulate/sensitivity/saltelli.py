"""Sobol' indices: the Saltelli design in independent replicates, the Jansen estimators.

The design is ``R`` independently scrambled Sobol' sequences in ``2k``
dimensions (:class:`scipy.stats.qmc.Sobol`), each giving ``n_base / R`` rows
of two ``(k, .)`` matrices A and B of input values (the first ``k``
dimensions and the last ``k``, mapped through each input's quantile
function), and for each input i the matrix A with row i taken from B:
``n_base * (k + 2)`` evaluations of the kernel (Saltelli et al. 2010). Each
replicate gives its own estimates; an index is their mean, and its interval
the t interval of that mean, from their spread with ``R - 1`` degrees of
freedom (randomised quasi-Monte Carlo, Owen 1997; L'Ecuyer and Lemieux 2002).
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
from ..seeds import SeedLike, as_seed_sequence, child
from . import wording
from .labels import named
from .options import check_metric
from .rank import mark_order

special = _scipy.load("scipy.special")

__all__ = [
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_REPLICATES",
    "DEFAULT_SOBOL_N",
    "replicate_sizes",
    "saltelli_design",
    "sobol",
]

DEFAULT_SOBOL_N = 1 << 13
# Independent scrambles of the design: 16 replicates of 512 rows at the default
# n_base, a t quantile on 15 degrees of freedom (2.13, against 1.96), a half-width
# that varies by 18% from seed to seed (27% at 8 replicates, 42% at 4). Measured
# over 200 seeds (docs/model.md section 8): every count from 4 to 32 covered 95%
# (within the seeds' noise) on models with finite moments, where fewer, larger
# replicates are more precise (8 gave intervals 15-45% narrower); on a heavy-tailed
# NPV (omnichannel.yaml, whose variance estimates have no finite variance) every
# count covered less, 8 the least (88% against 90.5% at 16), its half-width too
# often caught without a tail draw. Robustness first: a table that ranks inputs
# must not claim too much.
DEFAULT_REPLICATES = 16
# No longer used: the intervals once came from this many bootstrap resamples of
# the design's rows (which treats them as independent, and was up to 200 times too
# wide for a scrambled Sobol' design). Kept so that scripts importing it still run.
DEFAULT_BOOTSTRAP = None
# A replicate smaller than this takes a replicate from the count (down to 2):
# the ratio estimators of a few dozen rows are too skewed for a t interval.
_MIN_REPLICATE_ROWS = 32
# Below this many base samples the intervals are themselves unreliable.
_MIN_SOBOL_N = 1024
# Interval half-widths above this cannot separate inputs' indices.
_WIDE_CONF = 0.1


def replicate_sizes(n_base: int, replicates: int = DEFAULT_REPLICATES) -> list[int]:
    """The base samples of each replicate of a design of ``n_base`` rows.

    ``replicates`` of them, fewer if a replicate would hold under 32 rows
    (never under 2 replicates, nor under 2 rows each: ``n_base`` of 2 or 3 is
    one replicate, without an interval). Sizes differ by at most one row; a
    power-of-two ``n_base`` and count give powers of two, each replicate a
    balanced Sobol' sequence.
    """
    r = min(int(replicates), n_base // _MIN_REPLICATE_ROWS)
    r = max(r, min(2, n_base // 2), 1)
    size, extra = divmod(n_base, r)
    return [size + (j < extra) for j in range(r)]


def saltelli_design(
    model: Model,
    n_base: int,
    seed: np.random.SeedSequence,
    *,
    replicates: int = DEFAULT_REPLICATES,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """A and B, each ``(k, n_base)`` input values, and whether the design is balanced.

    Replicate ``j`` (of :func:`replicate_sizes`) is its own scrambled Sobol'
    sequence in ``2k`` dimensions, from the child ``j`` of ``seed``: its
    first ``k`` dimensions give A's columns, the last ``k`` B's, replicate
    after replicate. Each is balanced only with a power-of-two number of rows.
    """
    k = len(model.inputs)
    from scipy.stats import qmc  # loads scipy.stats (0.3-0.5 s): only for Sobol' indices

    sizes = replicate_sizes(n_base, replicates)
    balanced = all(m & (m - 1) == 0 for m in sizes)
    parts = []
    for j, m in enumerate(sizes):
        engine = qmc.Sobol(d=2 * k, scramble=True, rng=np.random.default_rng(child(seed, j)))
        if m & (m - 1) == 0:
            parts.append(engine.random_base2(m.bit_length() - 1))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # balance: said in the notes
                parts.append(engine.random(m))
    u = np.concatenate(parts)
    return ppf_matrix(model, u[:, :k].T), ppf_matrix(model, u[:, k:].T), balanced


def _jansen(ya: np.ndarray, yb: np.ndarray, yab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jansen (1999) first-order and total indices (Saltelli et al. 2010, Table 2).

    ``ya``, ``yb``: (N,) outputs on A and B; ``yab``: (k, N) outputs on
    A with column i from B.

    S1_i = (V - mean((f_B - f_ABi)^2) / 2) / V,  ST_i = mean((f_A - f_ABi)^2) / 2 / V,
    with V the variance of f_A and f_B pooled.
    """
    v = np.concatenate([ya, yb]).var()
    d1 = ((yb[None, :] - yab) ** 2).mean(axis=1)
    dt = ((ya[None, :] - yab) ** 2).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (v - 0.5 * d1) / v, 0.5 * dt / v


def _replicate_estimates(
    ya: np.ndarray, yb: np.ndarray, yab: np.ndarray, replicate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(R, k) first-order and total indices of each replicate on its own rows.

    ``replicate`` is each row's replicate, in order (0, 0, ..., 1, 1, ...);
    a replicate whose rows were all dropped is left out.
    """
    _, starts = np.unique(replicate, return_index=True)
    each = [_jansen(ya[p], yb[p], yab[:, p]) for p in np.split(np.arange(ya.size), starts[1:])]
    return np.array([e[0] for e in each]), np.array([e[1] for e in each])


def _replicate_indices(
    ya: np.ndarray,
    yb: np.ndarray,
    yab: np.ndarray,
    replicate: np.ndarray,
    conf_level: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """S1, ST and their half-widths from the replicates' estimates (:func:`_replicate_estimates`).

    Each index is the mean of the ``R`` replicates' estimates and its
    half-width ``t(R - 1) * s / sqrt(R)``, ``s`` their standard deviation: the
    standard error of that mean. An index that some replicate cannot
    estimate (too few rows, or an output that does not vary within it) is
    estimated from all rows (:func:`_jansen`), without an interval (NaN);
    so is every index of a design of one replicate.
    """
    s1, st = _jansen(ya, yb, yab)
    k = yab.shape[0]
    counts = np.bincount(replicate)
    if np.count_nonzero(counts) < 2 or counts[counts > 0].min() < 2:
        return s1, st, np.full(k, np.nan), np.full(k, np.nan)
    each = _replicate_estimates(ya, yb, yab, replicate)
    r = each[0].shape[0]
    scale = float(special.stdtrit(r - 1, 0.5 + conf_level / 2.0)) / math.sqrt(r)
    out = []
    for whole, rep in zip((s1, st), each, strict=True):
        ok = np.isfinite(rep).all(axis=0)
        with np.errstate(invalid="ignore"):
            mean, sd = rep.mean(axis=0), rep.std(axis=0, ddof=1)
        out.append((np.where(ok, mean, whole), np.where(ok, scale * sd, np.nan)))
    (s1, s1_conf), (st, st_conf) = out
    return s1, st, s1_conf, st_conf


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
    model: Model,
    outputs: tuple[np.ndarray, ...],
    replicate: np.ndarray,
    metric: str,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The design's outputs ready for the estimators, centred, with each row's replicate;
    what was done goes in ``notes``.

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
        ya, yb, yab, replicate = ya[ok], yb[ok], yab[:, ok], replicate[ok]
    # Centre on the pooled mean: differences are unchanged, and the variance
    # does not lose digits to a large mean.
    centre = 0.5 * (ya.mean() + yb.mean()) if ya.size else 0.0
    return ya - centre, yb - centre, yab - centre, replicate


def _precision_warning(sizes: list[int], confs: np.ndarray) -> str | None:
    """Why the intervals ``confs`` (every S1 and ST half-width) may not rank inputs, if so."""
    n_base = sum(sizes)
    widest = float(confs.max()) if np.isfinite(confs).all() else math.inf
    if n_base < _MIN_SOBOL_N:
        return wording.sobol_few_samples(n_base, _MIN_SOBOL_N, len(sizes))
    if widest > _WIDE_CONF:
        return wording.sobol_wide(widest)
    return None


def _check(n_base: int, conf_level: float, replicates: int) -> None:
    if n_base < 2:
        raise ConfigError(
            f"n_base is {n_base}; Sobol' needs at least 2 base samples", path="n_base"
        )
    if not 0.0 < conf_level < 1.0:
        raise ConfigError(f"conf_level is {conf_level!r}; use e.g. 0.95", path="conf_level")
    if replicates < 2:
        raise ConfigError(
            f"replicates is {replicates!r}; the intervals need at least 2 (e.g. 16)",
            path="replicates",
        )


def _bootstrap_unused(n_bootstrap: int | None, stacklevel: int = 3) -> None:
    """Say (DeprecationWarning) that ``n_bootstrap``, when given, no longer does anything."""
    if n_bootstrap is not None:
        warnings.warn(wording.SOBOL_BOOTSTRAP_UNUSED, DeprecationWarning, stacklevel=stacklevel)


def sobol(
    model: Model,
    *,
    metric: str = "npv",
    n_base: int = DEFAULT_SOBOL_N,
    n_bootstrap: int | None = DEFAULT_BOOTSTRAP,
    conf_level: float = 0.95,
    seed: SeedLike = None,
    tables: Tables | None = None,
    replicates: int = DEFAULT_REPLICATES,
) -> dict[str, Any]:
    """First-order and total Sobol' indices with replicate confidence intervals.

    The Saltelli design (:func:`saltelli_design`) in ``replicates``
    independently scrambled replicates (:func:`replicate_sizes`): ``n_base *
    (k + 2)`` evaluations of the kernel. Each replicate gives its own Jansen
    estimates (:func:`_jansen`); an index is their mean, and
    ``S1_conf``/``ST_conf`` the half-widths of a ``conf_level`` interval,
    ``t(R - 1) * s / sqrt(R)`` with ``s`` their standard deviation (None
    without an interval: ``n_base`` under 4, or a replicate whose output
    does not vary; such an index is estimated from all rows).

    ``n_bootstrap`` is no longer used (the intervals were once a bootstrap of
    the design's rows, far too wide for a scrambled Sobol' design): giving it
    raises a :class:`DeprecationWarning`; the output's ``n_bootstrap`` is None.

    The design draws inputs independently: Sobol' indices are defined for
    independent inputs, so a config's ``correlations:`` are ignored here
    (a :class:`SensitivityWarning` says so).

    For ``payback_months``, a trial that does not pay back within the horizon
    counts as the horizon; for ``roi``, design rows where ROI is undefined
    are dropped. Both are said in the result's ``notes``.

    Returns
    -------
    dict
        ``{"n_base", "evaluations", "conf_level", "n_bootstrap", "replicates",
        "indices": [{"input", "label", "S1", "S1_conf", "ST", "ST_conf",
        "order_resolved"}], "notes", "warnings"}``, indices sorted by ST,
        largest first; ``order_resolved`` says whether a row's ST interval lies
        above the next row's.
    """
    _bootstrap_unused(n_bootstrap)
    check_metric(metric)
    n_base = int(n_base)
    _check(n_base, conf_level, int(replicates))
    tables = tables or kernel_tables(model)
    k = len(model.inputs)
    sizes = replicate_sizes(n_base, replicates)
    # The second stream once seeded the bootstrap: spawned still, so the design's
    # seed is the same child as before.
    design_seed, _ = as_seed_sequence(seed).spawn(2)
    notes = [*wording.SOBOL, wording.sobol_replicates(sizes, conf_level)]
    warns = [wording.SOBOL_CORRELATIONS_IGNORED] if model.correlations else []
    out = {"n_base": n_base, "evaluations": n_base * (k + 2), "conf_level": conf_level,
           "n_bootstrap": None, "replicates": len(sizes), "indices": [], "notes": notes,
           "warnings": warns}  # fmt: skip
    if k == 0:
        return {**out, "evaluations": 0}
    xa, xb, balanced = saltelli_design(model, n_base, design_seed, replicates=replicates)
    if not balanced:
        notes.append(wording.sobol_unbalanced(n_base, sizes))
    replicate = np.repeat(np.arange(len(sizes)), sizes)
    outputs = _design_outputs(model, xa, xb, metric, tables)
    ya, yb, yab, replicate = _usable(model, outputs, replicate, metric, notes)
    if ya.size < 2 or np.concatenate([ya, yb]).var() == 0.0:
        s1 = st = s1_conf = st_conf = np.full(k, np.nan)
        warns.append(wording.sobol_constant(metric))
    else:
        s1, st, s1_conf, st_conf = _replicate_indices(ya, yb, yab, replicate, conf_level)
        warning = _precision_warning(sizes, np.concatenate([s1_conf, st_conf]))
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
