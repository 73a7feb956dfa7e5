"""Draws: one matrix of input values per chunk of trials (docs/model.md section 2).

Layout: ``inputs[j, t]`` is input ``j`` (``model.inputs[j]``) in trial ``t``;
each input's draws are contiguous.

Random streams. A run's seed is the root of a ``SeedSequence``; chunk ``c`` of
trials gets child ``c`` (``spawn``), and within a chunk each input gets its own
stream, a child of the chunk keyed by a hash of the input's *name*. So adding,
removing or reordering other inputs (a scenario, an overlay) leaves an
input's draws unchanged: scenarios of one config are compared on common
random numbers. Every input is drawn by the inverse of its CDF from its
stream's uniforms, so a changed prior maps the same uniforms monotonically
(the strongest pairing): a scenario that raises a prior raises it in every
trial. Beta and PERT draws come from an interpolant of the quantile function
built once per pair of shapes (``config.priors.betainv``; ``Prior.draw``);
:func:`iter_chunks` draws every input once on the calling thread first, so any
such setup happens there and not in the pool.

Quasi-random designs come from ``scipy.stats.qmc``: ``lhs`` is a Latin
hypercube per input stream (so it keeps the same pairing), ``sobol`` one
scrambled Sobol' sequence over all inputs that runs on across chunks.

Correlations use Iman-Conover on van der Waerden scores with target Pearson
correlation ``2 sin(pi rho / 6)``: each marginal is only rearranged, so it is
preserved exactly.

Threads. Within a chunk the inputs' streams are independent and each input
writes its own row, so the inputs are drawn in the thread pool of ``_pool`` (numpy's
generators and ufuncs release the GIL); the Iman-Conover permutations share
one stream and are drawn in order by one task, overlapping the draws. Which
thread does what changes the timing only: the draws are bitwise the same
with any number of threads (``tests/test_sampling.py`` checks this).
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
from scipy import special

from . import _pool, seeds
from .config import Model
from .config.correlation import correlation_matrices
from .config.priors import U_EPS

__all__ = [
    "DEFAULT_CHUNK",
    "iman_conover",
    "iter_chunks",
    "ppf_matrix",
    "prepare",
]

# Trials per chunk. Results of `random` and `lhs` runs depend on it (each chunk
# has its own child stream), never on the machine or the thread count.
DEFAULT_CHUNK = 1 << 18
# Uniforms are kept this far from 0 and 1 so unbounded quantiles stay finite.
_U_EPS = U_EPS
# Spawn keys of the streams that are not an input's: the Iman-Conover
# permutations (a child of the chunk, where the inputs' keys are odd) and the
# Sobol' scramble (a child of the run's root, far past any chunk's index).
_CORRELATION_KEY = 0
_SOBOL_KEY = 1 << 62


# -- correlations ------------------------------------------------------------------------


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
    pool = _pool.executor(n, k)
    # One stream, so one task; the sorts need no random numbers and run beside it.
    scores = pool.submit(_target_scores, k, n, target, rng)
    ordered = _pool.results([pool.submit(np.sort, x[j]) for j in range(k)])
    out = np.empty_like(x)
    _place(out, range(k), ordered, scores.result(), pool)
    return out


@functools.lru_cache(maxsize=4)
def _van_der_waerden(n: int) -> np.ndarray:
    """The normal scores of ranks 1..n (read-only; chunks mostly share one n)."""
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    scores.flags.writeable = False
    return scores


def _target_scores(k: int, n: int, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``k`` rows of permuted scores with exactly the ``target`` Pearson correlation."""
    scores = _van_der_waerden(n)
    m = np.empty((k, n))
    for j in range(k):
        # Shuffling a copy in place is what rng.permutation(scores) does.
        m[j] = scores
        rng.shuffle(m[j])
    # Correct for the sample correlation of the permuted scores, so the
    # rearranged scores have exactly the target Pearson correlation.
    c = np.linalg.cholesky(target)
    # With n <= k trials (the tail chunk of a run, say) the permuted scores'
    # correlation matrix is singular, and whether Cholesky notices depends on
    # LAPACK's rounding: no correction there, decided by the count alone.
    a = c
    if n > k:
        try:
            a = c @ np.linalg.inv(np.linalg.cholesky(np.corrcoef(m)))  # lower triangular
        except np.linalg.LinAlgError:  # nearly singular: a handful of trials
            a = c
    # t = a @ m, one row at a time in a fixed order: no BLAS call, whose
    # threads would busy-wait beside the pool's for about 0.1 s a chunk.
    t = np.empty_like(m)
    term = np.empty(n)
    for i in range(k):
        np.multiply(m[0], a[i, 0], out=t[i])
        for j in range(1, i + 1):
            t[i] += np.multiply(m[j], a[i, j], out=term)
    return t


def _place(
    out: np.ndarray,
    rows: Sequence[int],
    ordered: Sequence[np.ndarray],
    t: np.ndarray,
    pool: _pool.Executor,
) -> None:
    """Write the sorted values ``ordered[i]`` into ``out[rows[i]]`` in the rank order of ``t[i]``."""

    def place(i: int) -> None:
        # The trial with the r-th smallest score gets the r-th smallest value.
        # Equal values are interchangeable, so how they were sorted does not matter.
        row = out[rows[i]]
        row[np.argsort(t[i])] = ordered[i]

    _pool.results([pool.submit(place, i) for i in range(len(rows))])


def prepare(model: Model) -> None:
    """Draw each input once, on this thread.

    A prior's draws may build something on first use (the interpolant of a
    beta or PERT): doing it here keeps that work, and its process-wide
    handling of scipy's warnings, out of the pool's threads.
    """
    for inp in model.inputs:
        inp.prior.draw(np.array([0.5]))


def ppf_matrix(model: Model, u: np.ndarray) -> np.ndarray:
    """Map ``(k, n)`` uniforms through each input's quantile function, as drawn (``draw``)."""
    u = np.clip(u, _U_EPS, 1.0 - _U_EPS)
    if not model.inputs:
        return np.empty((0, u.shape[1]))
    prepare(model)
    pool = _pool.executor(u.shape[1], len(model.inputs))
    return np.stack(
        _pool.results([pool.submit(inp.prior.draw, u[j]) for j, inp in enumerate(model.inputs)])
    )


def _name_key(name: str) -> int:
    # A stable 63-bit key per input name (Python's hash() is salted per process).
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") >> 1 | 1


def _input_rng(chunk: np.random.SeedSequence, name: str) -> np.random.Generator:
    return np.random.default_rng(seeds.child(chunk, _name_key(name)))


def _qmc():
    from scipy.stats import qmc  # scipy.stats costs 0.3 s to import: only when used

    return qmc


def _draw_input(
    out: np.ndarray, inp, rng: np.random.Generator, sampling: str, sort: bool
) -> np.ndarray | None:
    """Draw one input's row of a chunk from its own stream; with ``sort``, return it sorted."""
    n = out.size
    if sampling == "lhs":
        u = _qmc().LatinHypercube(d=1, rng=rng).random(n)[:, 0]
    else:
        u = rng.random(n)
    out[:] = inp.prior.draw(np.clip(u, _U_EPS, 1.0 - _U_EPS, out=u))
    return np.sort(out) if sort else None


def _draw_chunk(
    model: Model,
    n: int,
    chunk: np.random.SeedSequence,
    sampling: str,
    sobol,
) -> np.ndarray:
    k = len(model.inputs)
    out = np.empty((k, n))
    pool = _pool.executor(n, k)
    correlated = sorted({i for r in model.correlations for i in r[:2]}) if n > 1 else []
    if correlated:
        # One stream, so one task, started first: it runs beside the draws.
        _, target = correlation_matrices(model.correlations)
        rng = np.random.default_rng(seeds.child(chunk, _CORRELATION_KEY))
        scores = pool.submit(_target_scores, len(correlated), n, target, rng)
    if sampling == "sobol" and k:
        with warnings.catch_warnings():
            # Balance needs n a power of two; the CLI warns about that once.
            warnings.simplefilter("ignore", UserWarning)
            u = sobol.random(n).T
        out[:] = ppf_matrix(model, u)
        ordered = _pool.results([pool.submit(np.sort, out[j]) for j in correlated])
    else:
        if sampling == "lhs":
            _qmc()  # the first import happens here, not in the pool's threads
        jobs = [
            pool.submit(
                _draw_input,
                out[j],
                model.inputs[j],
                _input_rng(chunk, model.inputs[j].name),
                sampling,
                j in correlated,
            )
            for j in range(k)
        ]
        drawn = _pool.results(jobs)
        ordered = [drawn[j] for j in correlated]
    if correlated:
        _place(out, correlated, ordered, scores.result(), pool)
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
    prepare(model)
    root = np.random.SeedSequence(seed)
    n_chunks = -(-trials // chunk_size)
    children = root.spawn(n_chunks)
    sobol = None
    if sampling == "sobol" and model.inputs:
        sobol_seed = seeds.child(root, _SOBOL_KEY)
        sobol = _qmc().Sobol(
            d=len(model.inputs), scramble=True, rng=np.random.default_rng(sobol_seed)
        )
    for c, child in enumerate(children):
        start = c * chunk_size
        n = min(chunk_size, trials - start)
        yield start, _draw_chunk(model, n, child, sampling, sobol)
