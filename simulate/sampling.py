"""Draws: one matrix of input values per chunk of trials (MODEL.md section 2).

Layout: ``inputs[j, t]`` is input ``j`` (``model.inputs[j]``) in trial ``t``;
each input's draws are contiguous.

Random streams. A run's seed is the root of a ``SeedSequence``; chunk ``c`` of
trials gets child ``c`` (``spawn``), and within a chunk each input gets its own
stream, a child of the chunk keyed by a hash of the input's *name*. So adding,
removing or reordering other inputs (a scenario, an overlay) leaves an
input's draws unchanged: scenarios of one config are compared on common
random numbers. Where the quantile function is cheap, draws are inverse
transforms of that stream's uniforms, so a changed prior maps the same
uniforms monotonically (the strongest pairing); beta and pert use numpy's
beta generator instead (``scipy.special.betaincinv`` costs about 2.5 s per
million draws), paired by stream but not monotonically.

Quasi-random designs come from ``scipy.stats.qmc``: ``lhs`` is a Latin
hypercube per input stream (so it keeps the same pairing), ``sobol`` one
scrambled Sobol' sequence over all inputs that runs on across chunks.

Correlations use Iman-Conover on van der Waerden scores with target Pearson
correlation ``2 sin(pi rho / 6)``: each marginal is only rearranged, so it is
preserved exactly.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
from scipy import special

from .config import Model

__all__ = [
    "DEFAULT_CHUNK",
    "correlation_matrices",
    "iman_conover",
    "iter_chunks",
    "ppf_matrix",
]

# Trials per chunk. Results of `random` and `lhs` runs depend on it (each chunk
# has its own child stream), never on the machine or the thread count.
DEFAULT_CHUNK = 1 << 18
# Uniforms are kept this far from 0 and 1 so unbounded quantiles stay finite.
_U_EPS = 2.0**-53
# Distributions drawn with the Generator's own method rather than ppf(u).
_DIRECT = frozenset({"beta", "pert"})
_CORRELATION_KEY = 0  # spawn key of the Iman-Conover permutation stream


def correlation_matrices(
    rows: Sequence[tuple[int, int, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """The Spearman matrix of ``rows`` and its normal-scores Pearson target.

    Rows and columns follow the sorted input indices that appear in ``rows``.
    """
    idx = sorted({i for r in rows for i in r[:2]})
    pos = {j: p for p, j in enumerate(idx)}
    spearman = np.eye(len(idx))
    for a, b, rho in rows:
        spearman[pos[a], pos[b]] = spearman[pos[b], pos[a]] = rho
    pearson = 2.0 * np.sin(np.pi * spearman / 6.0)
    np.fill_diagonal(pearson, 1.0)
    return spearman, pearson


def iman_conover(x: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rearrange the rows of ``x`` (one variable per row) toward rank correlation.

    Parameters
    ----------
    x
        ``(k, n)`` samples; each row is only permuted, so marginals are exact.
    target
        ``(k, k)`` positive-definite Pearson target for the normal scores.
    rng
        Source of the score permutations.
    """
    k, n = x.shape
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    m = np.stack([rng.permutation(scores) for _ in range(k)])
    # Correct for the sample correlation of the permuted scores, so the
    # rearranged scores have exactly the target Pearson correlation.
    f = np.linalg.cholesky(np.corrcoef(m))
    c = np.linalg.cholesky(target)
    t = (c @ np.linalg.inv(f)) @ m
    out = np.empty_like(x)
    for j in range(k):
        # The trial with the r-th smallest score gets the r-th smallest value.
        # Default (SIMD) sorts: the scores have no ties and equal values are
        # interchangeable, so the result does not depend on the sort's kind.
        out[j, np.argsort(t[j])] = np.sort(x[j])
    return out


def ppf_matrix(model: Model, u: np.ndarray) -> np.ndarray:
    """Map ``(k, n)`` uniforms through each input's quantile function."""
    u = np.clip(u, _U_EPS, 1.0 - _U_EPS)
    return (
        np.stack([inp.prior.ppf(u[j]) for j, inp in enumerate(model.inputs)])
        if model.inputs
        else np.empty((0, u.shape[1]))
    )


def _name_key(name: str) -> int:
    # A stable 63-bit key per input name (Python's hash() is salted per process).
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") >> 1 | 1


def _input_rng(chunk: np.random.SeedSequence, name: str) -> np.random.Generator:
    child = np.random.SeedSequence(chunk.entropy, spawn_key=(*chunk.spawn_key, _name_key(name)))
    return np.random.default_rng(child)


def _draw_chunk(
    model: Model,
    n: int,
    chunk: np.random.SeedSequence,
    sampling: str,
    sobol,
) -> np.ndarray:
    k = len(model.inputs)
    out = np.empty((k, n))
    if sampling == "sobol" and k:
        with warnings.catch_warnings():
            # Balance needs n a power of two; the CLI warns about that once.
            warnings.simplefilter("ignore", UserWarning)
            u = sobol.random(n).T
        out[:] = ppf_matrix(model, u)
    else:
        for j, inp in enumerate(model.inputs):
            rng = _input_rng(chunk, inp.name)
            if sampling == "lhs":
                from scipy.stats import qmc  # scipy.stats costs 0.3 s to import: only when used

                u = qmc.LatinHypercube(d=1, rng=rng).random(n)[:, 0]
                out[j] = inp.prior.ppf(np.clip(u, _U_EPS, 1.0 - _U_EPS))
            elif inp.prior.dist in _DIRECT:
                out[j] = inp.prior.sample(rng, n)
            else:
                out[j] = inp.prior.ppf(np.clip(rng.random(n), _U_EPS, 1.0 - _U_EPS))
    if model.correlations and n > 1:
        idx = sorted({i for r in model.correlations for i in r[:2]})
        _, target = correlation_matrices(model.correlations)
        rng = np.random.default_rng(
            np.random.SeedSequence(chunk.entropy, spawn_key=(*chunk.spawn_key, _CORRELATION_KEY))
        )
        out[idx] = iman_conover(out[idx], target, rng)
    return out


def iter_chunks(
    model: Model,
    trials: int,
    seed: int,
    sampling: str = "random",
    chunk_size: int = DEFAULT_CHUNK,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_trial, inputs)`` for consecutive chunks of ``trials``.

    The draws depend on ``seed``, ``sampling`` and ``chunk_size`` only.
    """
    if sampling not in ("random", "lhs", "sobol"):
        raise ValueError(f"{sampling!r} is not a sampling method; use random, lhs or sobol")
    root = np.random.SeedSequence(seed)
    n_chunks = -(-trials // chunk_size)
    children = root.spawn(n_chunks)
    sobol = None
    if sampling == "sobol" and model.inputs:
        from scipy.stats import qmc

        sobol_seed = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 1 << 62))
        sobol = qmc.Sobol(d=len(model.inputs), scramble=True, rng=np.random.default_rng(sobol_seed))
    for c, child in enumerate(children):
        start = c * chunk_size
        n = min(chunk_size, trials - start)
        yield start, _draw_chunk(model, n, child, sampling, sobol)
