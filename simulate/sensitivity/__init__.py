"""Sensitivity and decision analysis (MODEL.md section 8): numbers only.

Which assumption is the result riding on, what would it take to break even,
and what would a pilot that measures a lever be worth? Every point evaluated
here goes through :func:`simulate.engine.evaluate` (the same numba kernel as
a run); nothing re-implements the model, draws a chart or writes a file.

- :func:`tornado`: one input at a time to its low and high quantile, the rest
  at their medians (the *base case*).
- :func:`spider`: the metric as each input moves through its percentiles.
- :func:`rank_correlation`: Spearman correlation of each input with the metric
  over Monte Carlo samples, and its normalised square ("contribution to
  variance", an approximation).
- :func:`sobol`: first-order and total Sobol' indices from a Saltelli design
  (scrambled Sobol' points from ``scipy.stats.qmc``) with the Jansen
  estimators and bootstrap confidence intervals.
- :func:`breakeven`: per input, the value at which the base-case NPV is zero.
- :func:`goal_seek`: the value of one input, the others uncertain, at which
  P(NPV > 0) reaches a target.
- :func:`value_of_information`: EVPI, and per-input EVPPI by binning.

:func:`analyze` runs the requested methods and returns the dict written as
``sensitivity.json`` (INTERFACE.md): plain lists and dicts, with ``None`` for
numbers that do not exist.

Inputs are named as in the model (``model.inputs``): a named prior by its
name (it moves every field that names it), an inline prior by its path
(``benefits[2].uplift``).
"""

from __future__ import annotations

import math
import secrets
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import optimize, special, stats
from scipy.stats import qmc

from ..config import Model
from ..engine import Outputs, Result, evaluate, run
from ..errors import ConfigError, did_you_mean
from ..files import finite_or_none
from ..format import format_number, format_probability
from ..kernel.tables import Tables, kernel_tables
from ..sampling import iter_chunks, ppf_matrix

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "METRICS",
    "SensitivityWarning",
    "analyze",
    "base_case",
    "breakeven",
    "goal_seek",
    "input_index",
    "parse_goal_seek",
    "parse_methods",
    "rank_correlation",
    "sobol",
    "spider",
    "tornado",
    "value_of_information",
]

METHODS = ("tornado", "spider", "rank", "sobol", "breakeven", "voi")
DEFAULT_METHODS = METHODS
METRICS = ("npv", "roi", "payback_months")
SPIDER_PERCENTILES = tuple(range(5, 100, 5))  # 5, 10, ..., 95
DEFAULT_SOBOL_N = 1 << 13
DEFAULT_BOOTSTRAP = 1000
_BOOTSTRAP_BATCH = 200  # resamples weighted at a time: bounds memory to 200 x n_base
DEFAULT_BINS = 50
MIN_PER_BIN = 20
DEFAULT_GOAL_SEEK_TRIALS = 10_000
# Unbounded ends of a prior are searched out to these quantiles.
_TAIL = 1e-6
# Points of the grid on which a break-even or goal seek is first bracketed.
_GRID = 33
# Below this many base samples bootstrap intervals are themselves unreliable.
_MIN_SOBOL_N = 1024
# Interval half-widths above this cannot separate inputs' indices.
_WIDE_CONF = 0.1
# Random regroupings averaged for the EVPPI noise floor.
_NOISE_REPEATS = 5
# Spawn key of sensitivity's random streams under the run's seed: far from
# the chunk indices (0, 1, ...) and the sobol-sampling key (1 << 62) that
# sampling.py uses, so a run's draws and a sensitivity design never coincide.
_STREAM_KEY = (1 << 62) + 0x5E45


class SensitivityWarning(UserWarning):
    """A sensitivity result that should be read with care (said in the output too)."""


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _metric(out: Outputs, metric: str) -> np.ndarray:
    return getattr(out, metric)


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ConfigError(
            f"{metric!r} is not a sensitivity metric{did_you_mean(metric, METRICS)}; "
            f"use one of: {', '.join(METRICS)}",
            path="metric",
        )


def _check_quantiles(low_q: float, high_q: float) -> None:
    for name, q in (("low_q", low_q), ("high_q", high_q)):
        if not (isinstance(q, (int, float)) and 0.0 < q < 1.0):
            raise ConfigError(
                f"{name} is {q!r}; a quantile lies strictly between 0 and 1 (e.g. 0.1 for P10)",
                path=name,
            )
    if low_q >= high_q:
        raise ConfigError(
            f"low_q ({low_q:g}) must be below high_q ({high_q:g}), e.g. 0.1 and 0.9",
            path="low_q",
        )


def input_index(model: Model, name: str) -> int:
    names = model.input_names
    if name in names:
        return names.index(name)
    fixed = [n for n, p in model.priors.items() if p.is_fixed]
    why = f" ({name!r} is a fixed prior, not an uncertain input)" if name in fixed else ""
    listed = ", ".join(names) or "none"
    raise ConfigError(
        f"{name!r} is not an uncertain input{why}{did_you_mean(name, names)}; "
        f"the uncertain inputs are: {listed}",
        path="input",
    )


def _seed_sequence(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(seed)


def _root_seed(seed: int) -> np.random.SeedSequence:
    """The root of sensitivity's own streams for a run seed (see ``_STREAM_KEY``)."""
    return np.random.SeedSequence(seed, spawn_key=(_STREAM_KEY,))


def _search_range(prior) -> tuple[float, float]:
    """The ends of a prior's support, unbounded ends replaced by its 1e-6 tails."""
    s = prior.support()
    lo = s.lo if math.isfinite(s.lo) else float(prior.ppf(np.asarray(_TAIL)))
    hi = s.hi if math.isfinite(s.hi) else float(prior.ppf(np.asarray(1.0 - _TAIL)))
    return lo, hi


def _grid(prior, n: int = _GRID) -> np.ndarray:
    """Increasing values spread by quantile over the search range (ends included)."""
    lo, hi = _search_range(prior)
    inner = prior.ppf(np.linspace(0.0, 1.0, n)[1:-1])
    return np.unique(np.concatenate([[lo], np.clip(inner, lo, hi), [hi]]))


def _sort_key(swing: float | None) -> tuple[int, float]:
    # Largest swing first; an infinite swing (payback beyond the horizon) tops
    # the list and an undefined one (NaN ROI) goes last.
    if swing is None or math.isnan(swing):
        return (1, 0.0)
    return (0, -swing)


# --------------------------------------------------------------------------
# Base case, tornado and spider
# --------------------------------------------------------------------------
def base_case(model: Model) -> np.ndarray:
    """Every uncertain input at its median (discrete: smallest x with F(x) >= 0.5)."""
    return np.array([inp.prior.median() for inp in model.inputs], dtype=float)


def _one_at_a_time(
    model: Model, points: Sequence[tuple[int, float]], tables: Tables
) -> tuple[np.ndarray, Outputs]:
    """Evaluate the base case and, per ``(input, value)``, base with that input moved."""
    base = base_case(model)
    x = np.repeat(base[:, None], 1 + len(points), axis=1)
    for c, (j, v) in enumerate(points, start=1):
        x[j, c] = v
    return base, evaluate(model, x, with_irr=False, tables=tables)


def tornado(
    model: Model,
    *,
    metric: str = "npv",
    low_q: float = 0.10,
    high_q: float = 0.90,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """One-at-a-time sensitivity: each input to its low and high quantile.

    Parameters
    ----------
    model
        From :func:`simulate.load_config`.
    metric
        ``"npv"``, ``"roi"`` or ``"payback_months"``.
    low_q, high_q
        The quantiles each input moves to (P10 and P90 by default), the others
        staying at their medians.

    Returns
    -------
    dict
        ``base``: ``{"metric": value at the base case, "npv": base-case NPV,
        "inputs": {name: median}}``; ``rows``: sensitivity.json's tornado rows
        (``input, low_q, high_q, low_value, high_value, metric_low,
        metric_high, swing``), largest swing first. A payback that does not
        happen within the horizon is ``inf`` (written as null).
    """
    _check_metric(metric)
    _check_quantiles(low_q, high_q)
    tables = tables or kernel_tables(model)
    points = []
    for j, inp in enumerate(model.inputs):
        lo, hi = inp.prior.ppf(np.array([low_q, high_q]))
        points += [(j, float(lo)), (j, float(hi))]
    base, out = _one_at_a_time(model, points, tables)
    values = _metric(out, metric)
    rows = []
    for j, inp in enumerate(model.inputs):
        m_lo, m_hi = float(values[1 + 2 * j]), float(values[2 + 2 * j])
        # both ends beyond the horizon (inf) is no swing; NaN (undefined ROI) stays NaN
        swing = 0.0 if math.isinf(m_lo) and m_lo == m_hi else abs(m_hi - m_lo)
        rows.append(
            {
                "input": inp.name,
                "low_q": float(low_q),
                "high_q": float(high_q),
                "low_value": points[2 * j][1],
                "high_value": points[2 * j + 1][1],
                "metric_low": m_lo,
                "metric_high": m_hi,
                "swing": swing,
            }
        )
    rows.sort(key=lambda r: _sort_key(r["swing"]))
    return {
        "base": {
            "metric": float(values[0]),
            "npv": float(out.npv[0]),
            "inputs": {inp.name: float(v) for inp, v in zip(model.inputs, base, strict=True)},
        },
        "rows": rows,
    }


def spider(
    model: Model,
    *,
    metric: str = "npv",
    percentiles: Sequence[float] = SPIDER_PERCENTILES,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """The metric as each input moves through its percentiles, the rest at base.

    Returns ``{"percentiles": [...], "lines": [{"input", "discrete",
    "values", "metric"}]}``: per input, its value at each percentile and the
    metric there. Lines are sorted by the metric's range, widest first.
    """
    _check_metric(metric)
    pct = [float(p) for p in percentiles]
    if not pct or any(not 0.0 < p < 100.0 for p in pct):
        raise ConfigError("spider percentiles lie strictly between 0 and 100", path="percentiles")
    tables = tables or kernel_tables(model)
    q = np.asarray(pct) / 100.0
    per_input = [inp.prior.ppf(q).astype(float) for inp in model.inputs]
    points = [(j, float(v)) for j, vals in enumerate(per_input) for v in vals]
    _, out = _one_at_a_time(model, points, tables)
    values = _metric(out, metric)[1:].reshape(len(model.inputs), len(pct))
    lines = [
        {
            "input": inp.name,
            "discrete": bool(inp.prior.is_discrete),
            "values": vals.tolist(),
            "metric": values[j].tolist(),
        }
        for j, (inp, vals) in enumerate(zip(model.inputs, per_input, strict=True))
    ]

    def spread(line: dict) -> float:
        y = np.asarray(line["metric"], dtype=float)
        y = y[~np.isnan(y)]
        return float(y.max() - y.min()) if y.size and np.isfinite(y).all() else math.inf

    lines.sort(key=lambda line: -spread(line))
    return {"percentiles": pct, "lines": lines}


# --------------------------------------------------------------------------
# Rank correlation
# --------------------------------------------------------------------------
def rank_correlation(model: Model, inputs: np.ndarray, values: np.ndarray) -> list[dict]:
    """Spearman correlation of each input with ``values`` over Monte Carlo samples.

    ``inputs`` is a run's ``(k, n)`` matrix of draws and ``values`` the metric
    per trial (NaN trials, such as an undefined ROI, are left out; a payback
    beyond the horizon ranks last). ``contribution`` is the squared
    correlation normalised to sum to 1: an approximation of each input's
    share of the variance, fair for a monotone, near-additive model with
    independent inputs. Rows are sorted by ``|spearman|``, largest first.
    """
    x = np.asarray(inputs, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = ~np.isnan(y)
    x, y = x[:, keep], y[keep]
    rho = np.full(len(model.inputs), np.nan)
    if y.size > 2:
        ry = stats.rankdata(y)
        rx = stats.rankdata(x, axis=1)
        ry = ry - ry.mean()
        rx = rx - rx.mean(axis=1, keepdims=True)
        denom = np.sqrt((rx * rx).sum(axis=1) * (ry @ ry))
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.where(denom > 0, rx @ ry / np.where(denom > 0, denom, 1.0), np.nan)
    sq = np.where(np.isnan(rho), 0.0, rho * rho)
    total = sq.sum()
    rows = [
        {
            "input": inp.name,
            "spearman": finite_or_none(r),
            "contribution": finite_or_none(s / total) if total > 0 and not np.isnan(r) else None,
        }
        for inp, r, s in zip(model.inputs, rho, sq, strict=True)
    ]
    rows.sort(key=lambda r: -abs(r["spearman"]) if r["spearman"] is not None else 1.0)
    return rows


# --------------------------------------------------------------------------
# Sobol indices
# --------------------------------------------------------------------------
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


def sobol(
    model: Model,
    *,
    metric: str = "npv",
    n_base: int = DEFAULT_SOBOL_N,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    conf_level: float = 0.95,
    seed: int | np.random.SeedSequence | None = None,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """First-order and total Sobol' indices with bootstrap confidence intervals.

    The Saltelli design: two ``(n_base, k)`` matrices A and B from one
    scrambled Sobol' sequence in ``2k`` dimensions (``scipy.stats.qmc``),
    mapped through each input's quantile function, and for each input i the
    matrix A with column i taken from B: ``n_base * (k + 2)`` evaluations of
    the kernel. Indices use the Jansen estimators (:func:`_jansen`).
    ``S1_conf``/``ST_conf`` are half-widths (``z * bootstrap sd``, as SALib
    reports them) of a ``conf_level`` interval from ``n_bootstrap``
    resamples of the design's rows (None with fewer than 2 resamples). The
    bootstrap treats the rows as independent draws; for a scrambled Sobol'
    design the estimates are usually more precise than that, so the
    intervals err on the wide side.

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
        [{"input", "S1", "S1_conf", "ST", "ST_conf"}], "notes", "warnings"}``,
        indices sorted by ST, largest first.
    """
    _check_metric(metric)
    n_base = int(n_base)
    if n_base < 2:
        raise ConfigError(
            f"n_base is {n_base}; Sobol' needs at least 2 base samples", path="n_base"
        )
    if not 0.0 < conf_level < 1.0:
        raise ConfigError(f"conf_level is {conf_level!r}; use e.g. 0.95", path="conf_level")
    tables = tables or kernel_tables(model)
    k = len(model.inputs)
    design_seed, boot_seed = _seed_sequence(seed).spawn(2)
    notes = [
        "Sobol' indices assume independent inputs: the design samples each input on its own "
        "(correlations in the config are not applied here).",
        "S1: share of the variance explained by the input alone; ST: including its "
        "interactions with others. ST - S1 is the interaction share. Estimates near 0 can be "
        "slightly negative through sampling noise.",
    ]
    warns = []
    if model.correlations:
        warns.append(
            "the config correlates some inputs, but Sobol' indices assume independent inputs: "
            "the design ignores the correlations, so the indices describe the model with "
            "independent inputs (read them alongside the rank correlations, which keep them)"
        )
    if k == 0:
        return {"n_base": n_base, "evaluations": 0, "conf_level": conf_level,
                "n_bootstrap": n_bootstrap, "indices": [], "notes": notes, "warnings": warns}  # fmt: skip
    engine = qmc.Sobol(d=2 * k, scramble=True, rng=np.random.default_rng(design_seed))
    if n_base & (n_base - 1) == 0:
        u = engine.random_base2(int(math.log2(n_base)))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance: said in the notes
            u = engine.random(n_base)
        notes.append(
            f"n_base = {n_base:,} is not a power of two, which loses the Sobol' sequence's "
            "balance; powers of two (4,096, 8,192, 16,384) converge faster."
        )
    xa = ppf_matrix(model, u[:, :k].T)
    xb = ppf_matrix(model, u[:, k:].T)

    def f(x: np.ndarray) -> np.ndarray:
        return np.array(_metric(evaluate(model, x, with_irr=False, tables=tables), metric))

    ya, yb = f(xa), f(xb)
    yab = np.empty((k, n_base))
    for i in range(k):
        x = xa.copy()
        x[i] = xb[i]
        yab[i] = f(x)
    if metric == "payback_months":
        beyond = int(np.isinf(ya).sum() + np.isinf(yb).sum() + np.isinf(yab).sum())
        if beyond:
            notes.append(
                f"{beyond:,} evaluations had no payback within the horizon and count as "
                f"{model.horizon_months} months."
            )
        ya, yb, yab = (np.minimum(y, float(model.horizon_months)) for y in (ya, yb, yab))
    ok = np.isfinite(ya) & np.isfinite(yb) & np.isfinite(yab).all(axis=0)
    if not ok.all():
        notes.append(f"{int((~ok).sum()):,} design rows with an undefined {metric} were dropped.")
        ya, yb, yab = ya[ok], yb[ok], yab[:, ok]
    # Centre on the pooled mean: differences are unchanged, and the weighted
    # variance in the bootstrap does not lose digits to a large mean.
    centre = 0.5 * (ya.mean() + yb.mean()) if ya.size else 0.0
    ya, yb, yab = ya - centre, yb - centre, yab - centre
    n = ya.size
    if n < 2 or np.concatenate([ya, yb]).var() == 0.0:
        s1 = st = np.full(k, np.nan)
        s1_conf = st_conf = np.full(k, np.nan)
        warns.append(f"the {metric} does not vary over the Sobol' design: no indices to report")
    else:
        s1, st = _jansen(ya, yb, yab)
        s1_conf, st_conf = _bootstrap_conf(ya, yb, yab, n_bootstrap, conf_level, boot_seed)
        confs = np.concatenate([s1_conf, st_conf])
        widest = float(confs.max()) if np.isfinite(confs).all() else math.inf
        if n_base < _MIN_SOBOL_N:
            warns.append(
                f"only {n_base:,} Sobol' base samples: below {_MIN_SOBOL_N:,} the bootstrap "
                "intervals are themselves unreliable; use at least 4,096 (--sobol-n)"
            )
        elif widest > _WIDE_CONF:
            warns.append(
                f"Sobol' confidence intervals are as wide as ±{widest:.2f}: too wide to rank "
                "inputs whose intervals overlap; raise the number of base samples (--sobol-n)"
            )
    indices = [
        {
            "input": inp.name,
            "S1": finite_or_none(s1[j]),
            "S1_conf": finite_or_none(s1_conf[j]),
            "ST": finite_or_none(st[j]),
            "ST_conf": finite_or_none(st_conf[j]),
        }
        for j, inp in enumerate(model.inputs)
    ]
    indices.sort(key=lambda r: -r["ST"] if r["ST"] is not None else math.inf)
    return {
        "n_base": n_base,
        "evaluations": n_base * (k + 2),
        "conf_level": conf_level,
        "n_bootstrap": n_bootstrap,
        "indices": indices,
        "notes": notes,
        "warnings": warns,
    }


# --------------------------------------------------------------------------
# Break-even and goal seek
# --------------------------------------------------------------------------
def _crossings(x: np.ndarray, g: np.ndarray) -> list[int]:
    """Grid cells ``[x[i], x[i+1]]`` across which ``g`` changes sign (or hits 0)."""
    s = np.sign(g)
    return [i for i in range(len(x) - 1) if s[i] != s[i + 1] and not np.isnan(g[i : i + 2]).any()]


def breakeven(model: Model, *, tables: Tables | None = None) -> list[dict]:
    """Per input, the value at which the base-case NPV is zero (within its support).

    The one-at-a-time NPV line of each input (the others at their medians) is
    evaluated on a grid over the support (unbounded ends cut at the 1e-6 and
    1 - 1e-6 quantiles) and each sign change is solved with
    :func:`scipy.optimize.brentq`. Where there are several, ``value`` is the
    one nearest the base case and ``all_values`` lists them all. A discrete
    input has no in-between values: ``value`` is None, ``values`` lists its
    values and ``positive_at`` those at which the base-case NPV is positive.

    Rows are ``{"input", "value", "note", "base_value", "npv_at_base", ...}``
    in the model's input order.
    """
    tables = tables or kernel_tables(model)
    base = base_case(model)
    grids = [
        np.asarray(inp.prior.support().values, float) if inp.prior.is_discrete else _grid(inp.prior)
        for inp in model.inputs
    ]
    points = [(j, float(v)) for j, g in enumerate(grids) for v in g]
    _, out = _one_at_a_time(model, points, tables)
    npv_base = float(out.npv[0])
    npv_grid = out.npv[1:]
    rows = []
    pos = 0
    for j, (inp, grid) in enumerate(zip(model.inputs, grids, strict=True)):
        g = npv_grid[pos : pos + grid.size]
        pos += grid.size
        row: dict[str, Any] = {"input": inp.name, "value": None, "note": "",
                               "base_value": float(base[j]), "npv_at_base": npv_base}  # fmt: skip
        lo, hi = float(grid[0]), float(grid[-1])
        if inp.prior.is_discrete:
            positive = [float(v) for v, y in zip(grid, g, strict=True) if y > 0]
            row["values"] = grid.tolist()
            row["positive_at"] = positive
            if len(positive) == grid.size:
                row["note"] = "none within range: NPV is positive at every value"
            elif not positive:
                row["note"] = "none within range: NPV is negative (or zero) at every value"
            else:
                shown = ", ".join(format_number(v) for v in positive)
                row["note"] = f"discrete input: NPV is positive only at {shown}"
            rows.append(row)
            continue

        def f(v: float, j: int = j) -> float:
            x = base.copy()[:, None]
            x[j, 0] = v
            return float(evaluate(model, x, with_irr=False, tables=tables).npv[0])

        roots = []
        for i in _crossings(grid, g):
            a, b = float(grid[i]), float(grid[i + 1])
            if g[i] == 0.0:
                roots.append(a)
            elif g[i + 1] == 0.0:
                roots.append(b)
            else:
                roots.append(optimize.brentq(f, a, b, xtol=1e-12 * max(abs(hi - lo), 1e-300)))
        roots = sorted(set(roots))
        if not roots:
            sign = "positive" if np.all(g > 0) else "negative"
            row["note"] = (
                f"none within range: NPV stays {sign} from {format_number(lo)} "
                f"to {format_number(hi)}"
            )
            rows.append(row)
            continue
        value = min(roots, key=lambda r: abs(r - base[j]))
        row["value"] = value
        if len(roots) > 1:
            row["all_values"] = roots
        # Which side of the root NPV is positive on, from the grid next to it.
        left = g[grid < value]
        right = g[grid > value]
        if right.size and right[0] > 0:
            side = "above"
        elif left.size and left[-1] > 0:
            side = "below"
        else:
            side = ""
        row["npv_positive"] = side or None
        text = f"NPV is zero at {format_number(value, sig=4)}"
        if side:
            text += f"; positive {side} it"
        if len(roots) > 1:
            text += f" (NPV crosses zero {len(roots)} times in range)"
        row["note"] = text
        rows.append(row)
    return rows


def goal_seek(
    model: Model,
    input_name: str,
    target: float,
    *,
    inputs: np.ndarray | None = None,
    trials: int = DEFAULT_GOAL_SEEK_TRIALS,
    seed: int | None = None,
    tables: Tables | None = None,
    tol: float = 1e-3,
) -> dict[str, Any]:
    """The value of one input, the others uncertain, at which P(NPV > 0) reaches ``target``.

    One fixed matrix of draws (``inputs``, or ``trials`` fresh draws with
    ``seed`` as a run would make them) is evaluated with the chosen input's
    row set to a value ``v`` (common random numbers), so P(NPV > 0 | v) is a
    step function of v that is monotone whenever NPV is monotone in the
    input. It is bracketed on a quantile grid over the input's support, then
    bisected to ``tol`` times the range. The value reported is the bracket
    end that meets the target. The other inputs keep their own marginal
    draws; a correlation with the chosen input is not conditioned on.

    Returns
    -------
    dict
        ``{"input", "target", "value" (None when not reachable), "probability"
        (achieved at value), "probability_se", "current" (P(NPV > 0) with the
        input uncertain), "trials", "note"}``.
    """
    j = input_index(model, input_name)
    if not 0.0 < float(target) < 1.0:
        raise ConfigError(
            f"the goal-seek target is {target!r}; a probability lies strictly between 0 and 1 "
            "(e.g. 0.8 for 80%)",
            path="goal_seek",
        )
    tables = tables or kernel_tables(model)
    if inputs is None:
        seed_int = model.seed if seed is None else seed
        if seed_int is None:
            seed_int = secrets.randbits(63)
        chunks = iter_chunks(model, int(trials), int(seed_int), model.sampling)
        inputs = np.concatenate([draws for _, draws in chunks], axis=1)
    x = np.array(inputs, dtype=float)
    n = x.shape[1]
    current = float(np.mean(evaluate(model, x, with_irr=False, tables=tables).npv > 0))

    def p(v: float) -> float:
        x[j] = v
        return float(np.mean(evaluate(model, x, with_irr=False, tables=tables).npv > 0))

    prior = model.inputs[j].prior
    grid = np.asarray(prior.support().values, float) if prior.is_discrete else _grid(prior, 9)
    probs = np.array([p(v) for v in grid])
    row: dict[str, Any] = {"input": input_name, "target": float(target), "value": None,
                           "probability": None, "probability_se": None,
                           "current": current, "trials": n}  # fmt: skip
    g = probs - target
    best = int(np.argmax(probs))
    if not (g >= 0).any():
        row["note"] = (
            f"not reachable within range: P(NPV > 0) is at most {format_probability(probs[best])} "
            f"(at {format_number(grid[best], sig=4)})"
        )
        return row
    if (g >= 0).all():
        row["note"] = (
            f"reached across the whole range: P(NPV > 0) is at least "
            f"{format_probability(probs.min())} for every value from {format_number(grid[0])} "
            f"to {format_number(grid[-1])}"
        )
        row["value"] = float(grid[int(np.argmin(probs))])
        row["probability"] = float(probs.min())
        row["probability_se"] = math.sqrt(row["probability"] * (1 - row["probability"]) / n)
        return row
    # The crossing nearest the base case, from "misses" to "meets" the target.
    base = prior.median()
    cells = [i for i in range(grid.size - 1) if (g[i] >= 0) != (g[i + 1] >= 0)]
    i = min(cells, key=lambda c: abs(0.5 * (grid[c] + grid[c + 1]) - base))
    a, b = float(grid[i]), float(grid[i + 1])  # g(a) and g(b) on opposite sides
    meets_at_b = g[i + 1] >= 0
    if prior.is_discrete:
        v = b if meets_at_b else a
        pv = float(probs[i + 1] if meets_at_b else probs[i])
    else:
        width = tol * (float(grid[-1]) - float(grid[0]))
        pa, pb = float(probs[i]), float(probs[i + 1])
        while b - a > width:
            mid = 0.5 * (a + b)
            pm = p(mid)
            if (pm >= target) == meets_at_b:
                b, pb = mid, pm
            else:
                a, pa = mid, pm
        v, pv = (b, pb) if meets_at_b else (a, pa)
    direction = "at or above" if meets_at_b else "at or below"
    row.update(
        value=float(v),
        probability=pv,
        probability_se=math.sqrt(pv * (1.0 - pv) / n),
        note=(
            f"P(NPV > 0) reaches {format_probability(target)} with {input_name} "
            f"{direction} {format_number(v, sig=4)} (now {format_probability(current)})"
        ),
    )
    return row


def parse_goal_seek(text: str) -> tuple[str, float]:
    """``"go_live:0.8"`` (or ``80%``) -> ``("go_live", 0.8)``; ConfigError if malformed."""
    name, sep, value = str(text).rpartition(":")
    if not sep or not name:
        raise ConfigError(
            f"{text!r} is not INPUT:TARGET; write e.g. churn_cut:0.8 for P(NPV > 0) = 80%",
            path="goal_seek",
        )
    value = value.strip()
    try:
        target = float(value[:-1]) / 100.0 if value.endswith("%") else float(value)
    except ValueError:
        raise ConfigError(
            f"{value!r} in {text!r} is not a probability; write e.g. {name}:0.8",
            path="goal_seek",
        ) from None
    if not 0.0 < target < 1.0:
        raise ConfigError(
            f"the target in {text!r} must lie strictly between 0 and 1 (e.g. 0.8 or 80%)",
            path="goal_seek",
        )
    return name.strip(), target


# --------------------------------------------------------------------------
# Value of information
# --------------------------------------------------------------------------
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


def value_of_information(
    model: Model,
    inputs: np.ndarray,
    npv: np.ndarray,
    *,
    bins: int = DEFAULT_BINS,
    seed: int | np.random.SeedSequence | None = None,
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
        if inp.prior.is_discrete:
            _, inverse = np.unique(x[j], return_inverse=True)
            order = np.argsort(inverse, kind="stable")
            cuts = np.flatnonzero(np.diff(inverse[order])) + 1
            groups = np.split(order, cuts)
        else:
            groups = np.array_split(np.argsort(x[j], kind="stable"), n_bins)
        value = _binned_value(y, groups, invest_now)
        rows.append({"input": inp.name, "value": value,
                     "share_of_evpi": value / evpi if evpi > 0 else None})  # fmt: skip
    rng = np.random.default_rng(_seed_sequence(seed))
    floor = float(
        np.mean(
            [
                _binned_value(y, np.array_split(rng.permutation(n), n_bins), invest_now)
                for _ in range(_NOISE_REPEATS)
            ]
        )
    )
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


# --------------------------------------------------------------------------
# Everything at once
# --------------------------------------------------------------------------
def _check_methods(methods: Iterable[str]) -> tuple[str, ...]:
    out = []
    for m in methods:
        m = str(m).strip().lower()
        if m not in METHODS:
            raise ConfigError(
                f"{m!r} is not a sensitivity method{did_you_mean(m, METHODS)}; "
                f"use any of: {', '.join(METHODS)}",
                path="methods",
            )
        if m not in out:
            out.append(m)
    if not out:
        raise ConfigError(f"no sensitivity methods given; use any of: {', '.join(METHODS)}")
    return tuple(out)


def parse_methods(text: str) -> tuple[str, ...]:
    """``"tornado,sobol"`` -> ``("tornado", "sobol")``; ``"all"`` -> every method."""
    if str(text).strip().lower() == "all":
        return METHODS
    return _check_methods(t for t in str(text).split(",") if t.strip())


def analyze(
    model: Model,
    result: Result | None = None,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    metric: str = "npv",
    low_q: float = 0.10,
    high_q: float = 0.90,
    n_base: int = DEFAULT_SOBOL_N,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    trials: int | None = None,
    goal_seek_targets: Sequence[tuple[str, float]] = (),
    goal_seek_trials: int = DEFAULT_GOAL_SEEK_TRIALS,
    bins: int = DEFAULT_BINS,
    seed: int | None = None,
    warn: bool = True,
) -> dict[str, Any]:
    """Run the chosen sensitivity methods; return the sensitivity.json dict.

    Parameters
    ----------
    model
        From :func:`simulate.load_config`.
    result
        A finished run with its draws (``run(..., keep_inputs=True)``): rank
        correlation, value of information and goal seek use its samples.
        Without it, they run the model (``trials``, ``seed``) first.
    methods
        Any of ``tornado``, ``spider``, ``rank``, ``sobol``, ``breakeven``,
        ``voi``.
    metric
        ``npv``, ``roi`` or ``payback_months`` for tornado, spider, rank and
        Sobol. Break-even, goal seek and value of information are about NPV.
    low_q, high_q
        The tornado's quantiles.
    n_base, n_bootstrap
        Sobol' base samples (``n_base * (k + 2)`` evaluations) and bootstrap
        resamples.
    goal_seek_targets
        ``(input, target)`` pairs: where P(NPV > 0) reaches ``target``.
    seed
        Root of every random stream here (default: the result's seed, then
        the config's, then OS entropy); recorded in the output.
    warn
        Also emit each warning as a :class:`SensitivityWarning`.

    Returns
    -------
    dict
        ``metric``, ``base`` and one key per computed section (INTERFACE.md),
        plus ``spider``, ``goal_seek``, ``notes`` and ``warnings``.
    """
    methods = _check_methods(methods)
    _check_metric(metric)
    _check_quantiles(low_q, high_q)
    targets = [(str(name), float(t)) for name, t in goal_seek_targets]
    for name, t in targets:
        input_index(model, name)
        if not 0.0 < t < 1.0:
            raise ConfigError(
                f"the goal-seek target for {name!r} is {t!r}; use a probability strictly "
                "between 0 and 1 (e.g. 0.8)",
                path="goal_seek",
            )
    if result is not None and (
        result.inputs is None or result.inputs.shape[0] != len(model.inputs)
    ):
        raise ValueError(
            "result has no draws for this model's inputs; run it with keep_inputs=True"
        )
    if seed is None and result is not None:
        seed = result.seed
    if seed is None:
        seed = model.seed
    if seed is None:
        seed = secrets.randbits(63)
    sobol_seed, voi_seed = _root_seed(int(seed)).spawn(2)
    tables = kernel_tables(model)

    out: dict[str, Any] = {"metric": metric}
    notes: list[str] = []
    warns: list[str] = []
    base = tornado(model, metric=metric, low_q=low_q, high_q=high_q, tables=tables)
    out["base"] = base["base"]
    if "tornado" in methods:
        out["tornado"] = base["rows"]
        notes.append(
            "Tornado, spider and break-even move one input at a time, the others at their "
            "medians: they ignore correlations and interactions."
        )
    if "spider" in methods:
        out["spider"] = spider(model, metric=metric, tables=tables)
    needs_samples = {"rank", "voi"} & set(methods) or targets
    if needs_samples and result is None:
        result = run(model, trials=trials, seed=int(seed), keep_inputs=True, n_paths=0,
                     with_irr=False)  # fmt: skip
    if result is not None and needs_samples:
        out["trials"] = result.trials
        out["sampling"] = result.sampling
    if "rank" in methods:
        out["rank"] = rank_correlation(model, result.inputs, getattr(result, metric))
        notes.append(
            "Rank contribution is the squared Spearman correlation normalised to 100%: an "
            "approximation of each input's share of the variance, fair when the model is "
            "monotone and near-additive in its inputs; correlated inputs share credit."
        )
    if "sobol" in methods:
        s = sobol(model, metric=metric, n_base=n_base, n_bootstrap=n_bootstrap,
                  seed=sobol_seed, tables=tables)  # fmt: skip
        warns += s.pop("warnings")
        out["sobol"] = s
    if "breakeven" in methods:
        out["breakeven"] = breakeven(model, tables=tables)
    if targets:
        out["goal_seek"] = [
            goal_seek(model, name, t, inputs=result.inputs[:, :goal_seek_trials], tables=tables)
            for name, t in targets
        ]
        notes.append(
            "Goal seek fixes one input and keeps the others uncertain (their own draws, not "
            "conditioned on the fixed input through correlations)."
        )
    if "voi" in methods:
        out["voi"] = value_of_information(model, result.inputs, result.npv, bins=bins,
                                          seed=voi_seed)  # fmt: skip
        notes.append(
            "EVPPI by binning is biased upward when bins hold few samples; voi.noise_floor is "
            "what an input with no influence would score, so values near it mean nothing."
        )
    out["seed"] = int(seed)
    out["notes"] = notes
    out["warnings"] = warns
    if warn:
        for w in warns:
            warnings.warn(w, SensitivityWarning, stacklevel=2)
    return out
